"""CNAME records (RFC 1034 section 3.6.2): the canonical name, a host name (``_`` allowed,
as in the aliases DKIM keys are delegated through)."""

from __future__ import annotations

from typing import Final

import dns.rdata
import dns.rdatatype
import dns.rdtypes.ANY.CNAME

from ...models import RecordType
from ..names import hostname
from ._kind import RecordKind, name_text, rdata_from_text

__all__ = ["CNAME"]


class _CNAME(RecordKind):
    type = RecordType.CNAME
    rdtype = dns.rdatatype.CNAME

    def check(self, value: str, argument: str) -> str:
        return hostname(value, argument, underscores=True)

    def to_rdata(self, value: str, priority: int | None = None) -> dns.rdata.Rdata:
        return rdata_from_text(self.rdtype, value)

    def from_rdata(self, rdata: dns.rdata.Rdata) -> tuple[str, int | None]:
        assert isinstance(rdata, dns.rdtypes.ANY.CNAME.CNAME)
        return name_text(rdata.target), None


CNAME: Final = _CNAME()
