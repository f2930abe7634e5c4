"""A records (RFC 1035 section 3.4.1): an IPv4 address in dotted decimal, no leading zeros."""

from __future__ import annotations

import ipaddress
from typing import Final

import dns.rdata
import dns.rdatatype
import dns.rdtypes.IN.A

from ..._core.checks import fail, show
from ...models import RecordType
from ._kind import RecordKind

__all__ = ["A"]


class _A(RecordKind):
    type = RecordType.A
    rdtype = dns.rdatatype.A

    def check(self, value: str, argument: str) -> str:
        try:
            return str(ipaddress.IPv4Address(value))
        except ValueError:
            pass
        octets = value.split(".")
        digits = len(octets) == 4 and all(o.isdigit() and o.isascii() for o in octets)
        if digits and any(len(o) > 1 and o.startswith("0") for o in octets):
            raise fail(
                argument,
                f"must be an IPv4 address without leading zeros (ambiguous: octal or decimal?), "
                f"got {show(value)}",
            )
        hint = ""
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            pass
        else:
            hint = " (that is an IPv6 address: use an AAAA record)"
        raise fail(argument, f"must be an IPv4 address such as 192.0.2.1, got {show(value)}{hint}")

    def from_rdata(self, rdata: dns.rdata.Rdata) -> tuple[str, int | None]:
        assert isinstance(rdata, dns.rdtypes.IN.A.A)
        return str(rdata.address), None


A: Final = _A()
