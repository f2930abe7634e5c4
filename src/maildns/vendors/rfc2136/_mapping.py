"""DNS rdata <-> :class:`~maildns.models.DnsRecord`, and the server's rcodes as maildns's
typed errors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.NS
import dns.rdtypes.ANY.TXT
import dns.rdtypes.IN.SRV

from ...errors import (
    APIError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RecordsChangedError,
    ServerError,
)
from ...models import DnsRecord, RecordType

VENDOR: Final = "rfc2136"
MAX_STRING: Final = 255
"""Octets in one TXT character-string (RFC 1035 section 3.3)."""


def absolute(name: str) -> dns.name.Name:
    return dns.name.from_text(name)


def text_of(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True).lower()


def record_of(name: dns.name.Name, rdata: dns.rdata.Rdata) -> DnsRecord | None:
    """The record of ``rdata`` at the absolute ``name``; None for a type maildns does not
    model (SOA, DNSSEC records, ...)."""
    type_text = dns.rdatatype.to_text(rdata.rdtype)
    if type_text not in RecordType.__members__:
        return None
    rtype = RecordType(type_text)
    owner = text_of(name)
    if rtype is RecordType.TXT:
        assert isinstance(rdata, dns.rdtypes.ANY.TXT.TXT)
        value = b"".join(rdata.strings).decode("utf-8", errors="surrogateescape")
        return DnsRecord(rtype, owner, value)
    if isinstance(rdata, dns.rdtypes.ANY.MX.MX):
        return DnsRecord(rtype, owner, text_of(rdata.exchange), priority=rdata.preference)
    if isinstance(rdata, dns.rdtypes.ANY.CNAME.CNAME | dns.rdtypes.ANY.NS.NS):
        return DnsRecord(rtype, owner, text_of(rdata.target))
    if isinstance(rdata, dns.rdtypes.IN.SRV.SRV):
        value = f"{rdata.priority} {rdata.weight} {rdata.port} {text_of(rdata.target)}"
        return DnsRecord(rtype, owner, value)
    return DnsRecord(rtype, owner, rdata.to_text().lower())


def rdata_of(record: DnsRecord) -> dns.rdata.Rdata:
    """The rdata that publishes ``record`` (checked and normalised already); TXT text over
    255 octets is split into several character-strings."""
    rdtype = dns.rdatatype.from_text(record.type.value)
    if record.type is RecordType.TXT:
        octets = record.value.encode("utf-8", errors="surrogateescape")
        pieces = [octets[i : i + MAX_STRING] for i in range(0, len(octets), MAX_STRING)] or [b""]
        return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, rdtype, pieces)
    if record.type is RecordType.MX:
        text = f"{record.priority or 0} {record.value}."
    elif record.type in (RecordType.CNAME, RecordType.NS) or record.type is RecordType.SRV:
        text = f"{record.value}."
    else:
        text = record.value
    return dns.rdata.from_text(dns.rdataclass.IN, rdtype, text)


def records_of(pairs: Iterable[tuple[dns.name.Name, dns.rdata.Rdata]]) -> tuple[DnsRecord, ...]:
    found = (record_of(name, rdata) for name, rdata in pairs)
    return tuple(sorted({r for r in found if r is not None}, key=_order))


def _order(record: DnsRecord) -> tuple[str, str, int, str]:
    return (record.name, record.type.value, record.priority or 0, record.value)


# The server's answer, as the HTTP status maildns's errors carry (an error's class is what a
# caller catches; the message names the DNS rcode).
_ERRORS: Final[dict[int, tuple[type[APIStatusError], int, str]]] = {
    dns.rcode.NXRRSET: (
        RecordsChangedError,
        409,
        "the records changed since they were read (NXRRSET): read the zone again",
    ),
    dns.rcode.YXRRSET: (
        RecordsChangedError,
        409,
        "records were added since they were read (YXRRSET): read the zone again",
    ),
    dns.rcode.YXDOMAIN: (
        RecordsChangedError,
        409,
        "the name was taken since it was read (YXDOMAIN): read the zone again",
    ),
    dns.rcode.NOTAUTH: (
        NotFoundError,
        404,
        "the server does not serve this zone, or not as its primary (NOTAUTH)",
    ),
    dns.rcode.NOTZONE: (BadRequestError, 400, "a record outside the zone (NOTZONE)"),
    dns.rcode.REFUSED: (
        PermissionDeniedError,
        403,
        "the server refused (REFUSED): is the TSIG key allowed to update and transfer the zone?",
    ),
    dns.rcode.FORMERR: (BadRequestError, 400, "the server could not read the message (FORMERR)"),
    dns.rcode.SERVFAIL: (ServerError, 500, "the server failed (SERVFAIL)"),
    dns.rcode.NOTIMP: (BadRequestError, 400, "the server does not implement this (NOTIMP)"),
}


def rcode_error(rcode: int, operation: str, zone: str) -> APIError:
    """The typed error of a server's answer ``rcode`` to ``operation`` on ``zone``."""
    cls, status, message = _ERRORS.get(
        rcode,
        (ServerError, 500, f"the server answered {dns.rcode.to_text(dns.rcode.Rcode.make(rcode))}"),
    )
    if rcode == dns.rcode.NOTAUTH:
        message = f"the server does not serve zone {zone}, or not as its primary (NOTAUTH)"
    return cls(message, vendor=VENDOR, operation=operation, status_code=status)


def key_error(problem: str, operation: str) -> AuthenticationError:
    return AuthenticationError(
        f"the server does not accept the TSIG key ({problem}): check RFC2136_KEY_NAME, "
        "RFC2136_KEY_ALGORITHM and RFC2136_KEY_SECRET",
        vendor=VENDOR,
        operation=operation,
        status_code=401,
    )
