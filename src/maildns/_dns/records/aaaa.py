"""AAAA records (RFC 3596): an IPv6 address, written compressed (RFC 5952)."""

from __future__ import annotations

import ipaddress
from typing import Final

import dns.rdata
import dns.rdatatype
import dns.rdtypes.IN.AAAA

from ..._core.checks import fail, show
from ...models import RecordType
from ._kind import RecordKind

__all__ = ["AAAA"]


class _AAAA(RecordKind):
    type = RecordType.AAAA
    rdtype = dns.rdatatype.AAAA

    def check(self, value: str, argument: str) -> str:
        if "%" not in value:
            try:
                return ipaddress.IPv6Address(value).compressed
            except ValueError:
                pass
        hint = ""
        if "%" in value:
            hint = " (a scope id such as %eth0 cannot be published)"
        else:
            try:
                ipaddress.IPv4Address(value)
            except ValueError:
                pass
            else:
                hint = " (that is an IPv4 address: use an A record)"
        raise fail(
            argument, f"must be an IPv6 address such as 2001:db8::1, got {show(value)}{hint}"
        )

    def normal(self, value: str) -> str:
        try:
            return ipaddress.IPv6Address(value).compressed
        except ValueError:
            return value

    def from_rdata(self, rdata: dns.rdata.Rdata) -> tuple[str, int | None]:
        assert isinstance(rdata, dns.rdtypes.IN.AAAA.AAAA)
        return ipaddress.IPv6Address(rdata.address).compressed, None


AAAA: Final = _AAAA()
