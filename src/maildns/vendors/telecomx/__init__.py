"""TelecomX: DNS hosting, zones and their records; login tokens or a token given up front."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ..._core.declaration import Credential, Declaration, Role

if TYPE_CHECKING:
    from ...models import DnsRecord
    from ._mapping import Wire

__all__ = ["DECLARATION", "wire"]

DEFAULT_BASE_URL: Final = "https://api.telecomx.dk"

DECLARATION: Final = Declaration(
    name="telecomx",
    title="TelecomX",
    roles=frozenset({Role.DNS}),
    credentials=(
        Credential("username", "TELECOMX_USERNAME"),
        Credential("password", "TELECOMX_PASSWORD", secret=True),
        Credential("token", "TELECOMX_TOKEN", secret=True),
    ),
    credential_sets=(("username", "password"), ("token",)),
    servers={"production": DEFAULT_BASE_URL},
    clients=("TelecomX", "AsyncTelecomX"),
    exports={"TelecomXZoneSettings": "_settings"},
    settings={Role.DNS: "TelecomXZoneSettings"},
    zone_fields=("customer", "product"),
    package=__name__,
    option_help={
        "customer": "The customer id the zone belongs to (24 hexadecimal characters).",
        "product": "The product id that invoices the zone (24 hexadecimal characters).",
        "ttl": "The zone's TTL, in seconds.",
        "list_zones.customer": "Only the zones of this customer id (default: the account's own).",
    },
    # The spec's error shape (Error: an error key and a message)
    fault_body={"error": "internal_error", "message": "Injected fault"},
)


def wire(record: DnsRecord, zone: str) -> Wire:
    """``record`` (fully qualified, inside ``zone``) as TelecomX spells it: relative name, type
    (``MX 10``), rData; ``InvalidInputError`` for a name outside ``zone``. What the sandbox's
    TelecomX is given when records are published into it directly."""
    from ._mapping import wire as _wire  # loaded on use: the declaration stays cheap to import

    return _wire(record, zone)
