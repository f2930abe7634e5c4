"""What every record type module provides, and the name rules they share.

A record type is one :class:`RecordKind`: it checks and normalises a maildns value (the
``value`` of a :class:`~maildns.models.DnsRecord`, with the MX preference beside it in
``priority``), turns it into dnspython rdata and back, and reads and writes the RFC 1035
presentation (zone-file) text, which is the rdata's own: parsing goes through
``dns.rdata.from_text`` and presenting through ``Rdata.to_text``, so every part of maildns
(onboarding, the sandbox's nameserver, the DNS hosts' mappings) speaks one spelling.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype

from ...models import RecordType
from ..names import hostname

__all__ = [
    "MAX_UINT16",
    "RecordKind",
    "TargetKind",
    "absolute",
    "name_text",
    "plain_name",
    "rdata_from_text",
]

MAX_UINT16 = 65_535


def absolute(name: str) -> dns.name.Name:
    """A maildns host name (fully qualified, with or without the final dot) as a dnspython
    absolute name."""
    return dns.name.from_text(name, origin=dns.name.root)


def plain_name(text: str) -> str:
    """A host name as another party spells it, as maildns writes names: lower case, without the
    final dot (nothing else is checked)."""
    if text.endswith(".") and text != ".":
        text = text[:-1]
    return text if text.islower() else text.lower()


def name_text(name: dns.name.Name) -> str:
    """A dnspython name as maildns writes names: lower case, without the final dot (the root
    is ``.``)."""
    return name.to_text(omit_final_dot=True).lower()


class RecordKind(ABC):
    """One record type: its checks, its rdata and its presentation text."""

    type: ClassVar[RecordType]
    rdtype: ClassVar[dns.rdatatype.RdataType]

    @abstractmethod
    def check(self, value: str, argument: str) -> str:
        """``value`` checked and normalised (a non-empty ``str`` already), or
        InvalidInputError naming ``argument``."""

    def to_rdata(self, value: str, priority: int | None = None) -> dns.rdata.Rdata:
        """The rdata that publishes a checked ``value`` (MX: with ``priority``); a checked
        value is presentation text already, but for the final dot of its names."""
        return rdata_from_text(self.rdtype, value)

    @abstractmethod
    def from_rdata(self, rdata: dns.rdata.Rdata) -> tuple[str, int | None]:
        """The maildns value (and MX preference) of ``rdata`` of this type, normalised as
        :meth:`check` would: names lower case, without the final dot."""

    def normal(self, value: str) -> str:
        """A value as another party (a DNS host's API) spells it, in maildns's spelling (names
        lower case without the final dot, addresses compressed), without checking it: what
        :meth:`check` would make of a valid value, and anything else as it is."""
        return value

    def present(self, value: str, priority: int | None = None) -> str:
        """A checked value as presentation text (names absolute, with the final dot)."""
        return self.to_rdata(value, priority).to_text()

    def parse(self, text: str) -> tuple[str, int | None]:
        """The value (and MX preference) of presentation text; names in it are taken as
        absolute, with or without the final dot. ValueError for text DNS cannot carry."""
        return self.from_rdata(rdata_from_text(self.rdtype, text))

    def served(self, value: str, priority: int | None = None) -> str:
        """How a nameserver's answer of this record is compared: the value (MX: with the
        preference in front, ``"10 mx.example.com"``)."""
        return value


class TargetKind(RecordKind):
    """A type whose value is one host name (CNAME, NS)."""

    underscores: ClassVar[bool] = False
    """Whether the host name may hold ``_`` (a CNAME's target may: DKIM delegations)."""

    def check(self, value: str, argument: str) -> str:
        return hostname(value, argument, underscores=self.underscores)

    def normal(self, value: str) -> str:
        return plain_name(value)

    def from_rdata(self, rdata: dns.rdata.Rdata) -> tuple[str, int | None]:
        target = getattr(rdata, "target", None)
        if rdata.rdtype != self.rdtype or not isinstance(target, dns.name.Name):
            raise TypeError(f"not {self.type.value} rdata: {rdata!r}")
        return name_text(target), None


def rdata_from_text(rdtype: dns.rdatatype.RdataType, text: str) -> dns.rdata.Rdata:
    """Presentation text as rdata; names in it absolute (relative to the root). ValueError for
    text DNS cannot carry."""
    try:
        return dns.rdata.from_text(
            dns.rdataclass.IN, rdtype, text, origin=dns.name.root, relativize=False
        )
    except dns.exception.DNSException as error:
        raise ValueError(str(error)) from error
