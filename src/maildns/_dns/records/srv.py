"""SRV records (RFC 2782): ``"priority weight port target"``, numbers 0..65535, the target a
host name or ``.`` (no service there)."""

from __future__ import annotations

import re
from typing import Final

import dns.rdata
import dns.rdatatype
import dns.rdtypes.IN.SRV

from ..._core.checks import fail, show
from ...errors import InvalidInputError
from ...models import RecordType
from ..names import hostname
from ._kind import MAX_UINT16, RecordKind, name_text, plain_name

__all__ = ["SRV"]

_UINT16 = re.compile(r"[0-9]{1,5}")


class _SRV(RecordKind):
    type = RecordType.SRV
    rdtype = dns.rdatatype.SRV

    def check(self, value: str, argument: str) -> str:
        parts = value.split()
        if len(parts) != 4:
            raise fail(
                argument,
                "an SRV value is 'priority weight port target', e.g. '10 60 5060 sip.example.com'"
                f", got {show(value)}",
            )
        numbers: list[int] = []
        for part, what in zip(parts[:3], ("priority", "weight", "port"), strict=True):
            if not _UINT16.fullmatch(part) or int(part) > MAX_UINT16:
                raise fail(
                    argument,
                    f"the SRV {what} must be an integer from 0 to {MAX_UINT16}, got {show(part)}",
                )
            numbers.append(int(part))
        target = parts[3]
        if target != ".":
            try:
                target = hostname(target, argument)
            except InvalidInputError as error:
                message = error.problems[0].message
                raise fail(argument, f"the SRV target {message}") from None
        return " ".join([*map(str, numbers), target])

    def normal(self, value: str) -> str:
        parts = value.split()
        if len(parts) != 4:
            return value
        return " ".join([*parts[:3], plain_name(parts[3])])

    def from_rdata(self, rdata: dns.rdata.Rdata) -> tuple[str, int | None]:
        assert isinstance(rdata, dns.rdtypes.IN.SRV.SRV)
        target = name_text(rdata.target)
        return f"{rdata.priority} {rdata.weight} {rdata.port} {target}", None


SRV: Final = _SRV()
