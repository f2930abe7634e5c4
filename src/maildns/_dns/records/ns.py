"""NS records (RFC 1035 section 3.3.11): a nameserver's host name."""

from __future__ import annotations

from typing import Final

import dns.rdata
import dns.rdatatype
import dns.rdtypes.ANY.NS

from ...models import RecordType
from ..names import hostname
from ._kind import RecordKind, name_text, rdata_from_text

__all__ = ["NS"]


class _NS(RecordKind):
    type = RecordType.NS
    rdtype = dns.rdatatype.NS

    def check(self, value: str, argument: str) -> str:
        return hostname(value, argument)

    def to_rdata(self, value: str, priority: int | None = None) -> dns.rdata.Rdata:
        return rdata_from_text(self.rdtype, value)

    def from_rdata(self, rdata: dns.rdata.Rdata) -> tuple[str, int | None]:
        assert isinstance(rdata, dns.rdtypes.ANY.NS.NS)
        return name_text(rdata.target), None


NS: Final = _NS()
