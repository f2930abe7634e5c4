"""The vendors the sandbox serves: each declared vendor with a module ``maildns.sandbox._<name>``.

Each vendor module has ``create_app(ctx)`` (its ASGI app, mounted under ``/<name>``),
``DEMO_CREDENTIALS`` (the keyword arguments its client takes, which the sandbox accepts),
``error_json(status, message)`` (the vendor's error body for what the sandbox refuses before the
app sees it: a body over the size limit), when the vendor's calls need account ids, ``ACCOUNT``
(the seeded ids, by name), and when it accepts more accounts than the demo one,
``PARTNER_ACCOUNTS`` (their credentials by environment-variable prefix), and when the vendor
keeps a domain's verification as state, ``unverify(app, domain) -> bool`` (the control that
turns a verified domain back to unverified; False when there is no such domain), and when it
lets domains be seeded, ``create(app, domains)`` and ``verify(app, domains)`` (what its create
and verify operations do, for many domains at once, without requests).

A vendor that hosts DNS has ``served_zones(app)``: its zones as they are now, a mapping of
lower-case domain (no final dot) to :class:`~maildns.sandbox._zoneindex.ZoneData`, copied only
after a change; the sandbox's nameservers answer from every such vendor's zones.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..vendors import DECLARATIONS

if TYPE_CHECKING:
    from ._zoneindex import ZoneData

ZoneSource = Callable[[object], "Mapping[str, ZoneData]"]
"""A DNS-hosting vendor's ``served_zones``: its app -> its zones as the nameservers serve them."""

# A declared vendor without a module here (a DNS host that is not an HTTP API) is not served.
VENDORS: tuple[str, ...] = tuple(
    name for name in DECLARATIONS if importlib.util.find_spec(f"{__package__}._{name}") is not None
)


@cache
def module(vendor: str) -> ModuleType:
    return importlib.import_module(f"{__package__}._{vendor}")


def demo_credentials() -> dict[str, dict[str, str]]:
    return {v: dict(module(v).DEMO_CREDENTIALS) for v in VENDORS}


def accounts() -> dict[str, dict[str, str]]:
    return {v: dict(getattr(module(v), "ACCOUNT", {})) for v in VENDORS}


def partner_accounts() -> dict[str, dict[str, dict[str, str]]]:
    return {
        v: {k: dict(c) for k, c in getattr(module(v), "PARTNER_ACCOUNTS", {}).items()}
        for v in VENDORS
    }


@cache
def zone_sources() -> tuple[tuple[str, ZoneSource], ...]:
    """``(vendor, served_zones)`` of every served vendor that hosts DNS, in declaration order
    (the first to hold a zone serves it)."""
    return tuple((v, module(v).served_zones) for v in VENDORS if hasattr(module(v), "served_zones"))


def unverify(app: object, vendor: str, domain: str) -> str | None:
    """Turn ``domain`` back to unverified at ``vendor`` (its app ``app``); None when done, else
    why not (for the control's one-line answer)."""
    hook = getattr(module(vendor), "unverify", None)
    if hook is None:
        return f"{vendor} keeps no verification state: it checks DNS whenever a domain is read"
    if not hook(app, domain):
        return f"{vendor} has no sending domain {domain}"
    return None


def create(app: object, vendor: str, domains: Sequence[str]) -> list[dict[str, Any]] | str:
    """Create sending domains at ``vendor`` (its app ``app``) as its create operation would:
    their bodies, or why not."""
    hook = getattr(module(vendor), "create", None)
    if hook is None:
        return f"the sandbox cannot seed sending domains at {vendor}"
    made: list[dict[str, Any]] | str = hook(app, domains)
    return made


def verify(app: object, vendor: str, domains: Sequence[str]) -> str | None:
    """Verify sending domains at ``vendor`` as its verify operation would: None, or why not."""
    hook = getattr(module(vendor), "verify", None)
    if hook is None:
        return f"the sandbox cannot seed sending domains at {vendor}"
    why: str | None = hook(app, domains)
    return why
