"""A zone's rdata as :class:`~maildns.models.DnsRecord` (each type's conversion is its module
in ``maildns._dns.records``), and the server's rcodes as maildns's typed errors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import dns.name
import dns.rcode
import dns.rdata

from ..._dns.records import record_of
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
from ...models import DnsRecord

VENDOR: Final = "rfc2136"


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
