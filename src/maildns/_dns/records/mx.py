"""MX records (RFC 1035 section 3.3.9): the exchange's host name; its preference (0..65535)
is the record's ``priority``, not part of the value."""

from __future__ import annotations

from typing import Final

import dns.rdata
import dns.rdatatype
import dns.rdtypes.ANY.MX

from ...models import RecordType
from ..names import hostname
from ._kind import RecordKind, name_text, plain_name, rdata_from_text

__all__ = ["MX"]


class _MX(RecordKind):
    type = RecordType.MX
    rdtype = dns.rdatatype.MX

    def check(self, value: str, argument: str) -> str:
        return hostname(value, argument)

    def normal(self, value: str) -> str:
        return plain_name(value)

    def to_rdata(self, value: str, priority: int | None = None) -> dns.rdata.Rdata:
        return rdata_from_text(self.rdtype, f"{priority or 0} {value}")

    def from_rdata(self, rdata: dns.rdata.Rdata) -> tuple[str, int | None]:
        assert isinstance(rdata, dns.rdtypes.ANY.MX.MX)
        return name_text(rdata.exchange), rdata.preference

    def served(self, value: str, priority: int | None = None) -> str:
        return f"{priority or 0} {value}"


MX: Final = _MX()
