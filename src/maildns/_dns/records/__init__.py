"""One module per DNS record type maildns handles (octoDNS's ``record/<type>`` idea).

Each module (:mod:`.a`, :mod:`.aaaa`, :mod:`.cname`, :mod:`.mx`, :mod:`.ns`, :mod:`.srv`,
:mod:`.txt`) holds one :class:`~._kind.RecordKind`: the checks and normalisation of a maildns
value, its dnspython rdata both ways, and its RFC 1035 presentation text both ways. Everything
that reads or writes a record goes through them: onboarding's lookups, the DNS hosts' mappings,
the sandbox's nameserver and its vendors' checks of what it serves. This module is the
registry and the conversions between whole records and rdata.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import dns.name
import dns.rdata
import dns.rdatatype

from ...models import DnsRecord, RecordType
from ._kind import MAX_UINT16, RecordKind, absolute, name_text, rdata_from_text
from .a import A
from .aaaa import AAAA
from .cname import CNAME
from .mx import MX
from .ns import NS
from .srv import SRV
from .txt import QUOTED, TXT

__all__ = [
    "KINDS",
    "MAX_UINT16",
    "RecordKind",
    "absolute",
    "expected_value",
    "kind",
    "kind_named",
    "name_text",
    "parse_rdata",
    "rdata_of",
    "record_of",
    "served_value",
]

KINDS: Final[Mapping[RecordType, RecordKind]] = {
    k.type: k for k in (A, AAAA, CNAME, MX, NS, SRV, TXT)
}
_BY_RDTYPE: Final[Mapping[dns.rdatatype.RdataType, RecordKind]] = {
    k.rdtype: k for k in KINDS.values()
}
_BY_MNEMONIC: Final[Mapping[str, RecordKind]] = {k.type.value: k for k in KINDS.values()}


def kind(rtype: RecordType) -> RecordKind:
    """The module of a record type."""
    return KINDS[rtype]


def kind_named(mnemonic: str) -> RecordKind | None:
    """The module of the type named ``mnemonic`` (``"TXT"``; upper case), None for a type
    maildns does not model."""
    return _BY_MNEMONIC.get(mnemonic)


def rdata_of(record: DnsRecord) -> dns.rdata.Rdata:
    """The rdata that publishes ``record`` (checked and normalised already)."""
    return KINDS[record.type].to_rdata(record.value, record.priority)


def record_of(name: dns.name.Name, rdata: dns.rdata.Rdata) -> DnsRecord | None:
    """The record of ``rdata`` at the absolute ``name``; None for a type maildns does not
    model (SOA, DNSSEC records, ...)."""
    found = _BY_RDTYPE.get(rdata.rdtype)
    if found is None:
        return None
    value, priority = found.from_rdata(rdata)
    return DnsRecord(found.type, name_text(name), value, priority=priority)


def served_value(rdata: dns.rdata.Rdata) -> str | None:
    """What a nameserver serves in ``rdata``, as :func:`expected_value` spells a record (MX
    as ``"preference host"``); None for a type maildns does not model."""
    found = _BY_RDTYPE.get(rdata.rdtype)
    if found is None:
        return None
    return found.served(*found.from_rdata(rdata))


def expected_value(record: DnsRecord) -> str:
    """How ``record`` (checked) reads in a nameserver's answer (see :func:`served_value`)."""
    return KINDS[record.type].served(record.value, record.priority)


def parse_rdata(mnemonic: str, text: str) -> dns.rdata.Rdata | None:
    """The rdata of presentation ``text`` for the type named ``mnemonic`` (names in it
    absolute); None for a type maildns does not model, or text DNS cannot carry. A TXT text
    that is not quoted is the value itself (see :mod:`.txt`)."""
    found = _BY_MNEMONIC.get(mnemonic)
    if found is None:
        return None
    try:
        if found is TXT and not QUOTED.fullmatch(text.strip()):
            return TXT.to_rdata(text)
        return rdata_from_text(found.rdtype, text)
    except ValueError:
        return None
