"""Rules a record must keep with its zone beyond its own syntax (RFC 1034 section 3.6.2).

A CNAME's name holds no other data, and a zone's apex always holds its SOA and NS records:
so no CNAME at the apex. That much is known from the arguments alone. Whether a name already
holds other records (or a CNAME) needs the zone's records: the DNS host refuses that one.
"""

from __future__ import annotations

from .._core.checks import fail
from ..models import DnsRecord, RecordType

__all__ = ["cname_at_apex"]


def cname_at_apex(record: DnsRecord, zone: str, argument: str = "record") -> DnsRecord:
    """``record`` (already checked against ``zone``: its name fully qualified, lower case),
    unless it is a CNAME at the zone's apex: InvalidInputError on ``<argument>.name``."""
    if record.type is RecordType.CNAME and record.name == zone:
        raise fail(
            f"{argument}.name",
            f"a CNAME record cannot be at the zone apex {zone}, which holds the zone's SOA "
            "and NS records (RFC 1034 section 3.6.2)",
        )
    return record
