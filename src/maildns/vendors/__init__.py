"""Every vendor maildns knows, one package each; :data:`DECLARATIONS` lists them.

A vendor's package holds everything about it: its declaration (``__init__.py``, cheap to
import), its settings classes, auth, error parsing, mapping, sans-IO operations and the
generated sync/async clients. Nothing above this package names a vendor: :mod:`maildns`,
the sandbox and the tests read these declarations.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from .._core.declaration import Declaration, Role, Transport
from .ciirus import DECLARATION as _CIIRUS
from .rfc2136 import DECLARATION as _RFC2136
from .telecomx import DECLARATION as _TELECOMX
from .tesouro import DECLARATION as _TESOURO

__all__ = [
    "DECLARATIONS",
    "DNS_HOSTS",
    "VENDORS",
    "Declaration",
    "Role",
    "Transport",
    "declaration",
]

VENDORS: Final = MappingProxyType({d.name: d for d in (_TESOURO, _TELECOMX, _CIIRUS, _RFC2136)})
"""Every vendor's declaration, by name, in a stable order: what a user meets (the command
line's vendor commands, ``doctor``, onboarding's ``dns: vendor:``)."""

DECLARATIONS: Final = MappingProxyType(
    {n: d for n, d in VENDORS.items() if d.transport is Transport.HTTP}
)
"""The vendors reached over HTTP, by name: those with an OpenAPI spec, a base URL and a fake in
the sandbox (which the sandbox, the specs' checks and the HTTP contract tests read)."""

DNS_HOSTS: Final = MappingProxyType({n: d for n, d in VENDORS.items() if Role.DNS in d.roles})
"""Every DNS host onboarding can publish records at: the HTTP vendors that host DNS, and the
hosts that speak DNS itself (RFC 2136)."""


def declaration(name: str) -> Declaration:
    """The declaration of vendor ``name`` (ValueError naming the known ones otherwise)."""
    try:
        return DECLARATIONS[name]
    except KeyError:
        known = ", ".join(DECLARATIONS)
        raise ValueError(f"unknown vendor {name!r}: expected one of {known}") from None
