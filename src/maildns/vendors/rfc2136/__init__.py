"""RFC 2136: any authoritative DNS server (BIND, Knot, PowerDNS ...) updated by DNS UPDATE
messages signed with TSIG, its zones read by zone transfer (AXFR).

Declared with :attr:`Transport.DNS <maildns._core.declaration.Transport>`: in
:data:`maildns.vendors.VENDORS` (the command line's ``maildns rfc2136 ...``, ``doctor``,
onboarding's ``dns: vendor: rfc2136``), not in :data:`maildns.vendors.DECLARATIONS` (the HTTP
vendors: the sandbox's fakes, the specs, the HTTP contract tests). The clients are imported
from here: ``from maildns.vendors.rfc2136 import Rfc2136``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from ..._core.declaration import Credential, Declaration, Role, Transport

if TYPE_CHECKING:
    from ._clients import AsyncRfc2136 as AsyncRfc2136
    from ._clients import Rfc2136 as Rfc2136
    from ._settings import Rfc2136ZoneSettings as Rfc2136ZoneSettings

__all__ = ["DECLARATION", "AsyncRfc2136", "Rfc2136", "Rfc2136ZoneSettings"]

DECLARATION: Final = Declaration(
    name="rfc2136",
    title="RFC 2136",
    roles=frozenset({Role.DNS}),
    credentials=(
        Credential("server", "RFC2136_SERVER"),
        Credential("key_name", "RFC2136_KEY_NAME"),
        Credential("key_algorithm", "RFC2136_KEY_ALGORITHM"),
        Credential("key_secret", "RFC2136_KEY_SECRET", secret=True),
        Credential("key_file", "RFC2136_KEY_FILE"),
    ),
    credential_sets=(("server", "key_name", "key_secret"), ("server", "key_file")),
    servers={},
    clients=("Rfc2136", "AsyncRfc2136"),
    exports={"Rfc2136ZoneSettings": "_settings"},
    settings={Role.DNS: "Rfc2136ZoneSettings"},
    package=__name__,
    creates_zones=False,
    transport=Transport.DNS,
    address="server",
    zones_env="RFC2136_ZONES",
)

_LAZY: Final = {
    "Rfc2136": "_clients",
    "AsyncRfc2136": "_clients",
    "Rfc2136ZoneSettings": "_settings",
}


def __getattr__(name: str) -> Any:
    """The clients, loaded on first use (dnspython is imported with them)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
