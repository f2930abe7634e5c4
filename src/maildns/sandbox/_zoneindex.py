"""A zone as the sandbox's nameserver answers from it: records in wire form, indexed by name.

:class:`ZoneData` is an immutable copy of one zone; its :attr:`~ZoneData.index` is built the
first time a query needs it and kept with the copy, so the cost of a query does not grow with
the zone (the copy is replaced, and the index built again, only when the zone changes).

:func:`fill` answers one question from an index: positive answers, CNAME chains (each record
once, a loop included), and negative answers with the SOA in the authority section at the
negative TTL (RFC 2308: the lesser of the SOA's TTL and its MINIMUM; RFC 6604 for chains).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Final

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rrset

from .._dns.records import parse_rdata

SOA_TIMERS: Final = (3600, 600, 604800)  # refresh, retry, expire
MAX_NEGATIVE_TTL: Final = 3600  # the SOA minimum: the zone ttl, capped (RFC 2308 advice)

Node = dict[dns.rdatatype.RdataType, dns.rrset.RRset]


@dataclass(frozen=True)
class ZoneData:
    """One zone as the DNS server sees it: an immutable copy of a zone the sandbox holds."""

    domain: str
    serial: int
    ttl: int
    records: tuple[tuple[str, str, str], ...]
    """``(owner relative to the zone, type, rdata in presentation form)``, names absolute."""
    nameservers: tuple[str, ...]
    """The NS names served at the apex (the first is also the SOA's mname)."""

    @cached_property
    def index(self) -> ZoneIndex:
        """The zone's records by owner name, built once per copy."""
        return ZoneIndex.build(self)

    @cached_property
    def answers(self) -> dict[tuple[bool, bytes], bytes]:
        """Answers already given from this copy: ``(over TCP, query less its id)`` -> the
        response less its id (see ``_dns.respond``)."""
        return {}


@dataclass
class ZoneIndex:
    """The records of one zone by owner name, ready to go on the wire."""

    origin: dns.name.Name
    nodes: dict[dns.name.Name, Node]
    names: frozenset[dns.name.Name]
    """Every name that exists: owners and the empty non-terminals between them and the apex."""
    negative_soa: dns.rrset.RRset
    """The SOA as negative answers carry it: TTL min(SOA TTL, MINIMUM) (RFC 2308 §3)."""

    @classmethod
    def build(cls, zone: ZoneData) -> ZoneIndex:
        origin = dns.name.from_text(zone.domain)
        nodes: dict[dns.name.Name, Node] = {origin: {}}

        def add(name: dns.name.Name, rd: dns.rdata.Rdata) -> None:
            rrsets = nodes.setdefault(name, {})
            rrset = rrsets.get(rd.rdtype)
            if rrset is None:
                rrset = rrsets[rd.rdtype] = dns.rrset.RRset(name, dns.rdataclass.IN, rd.rdtype)
                rrset.update_ttl(zone.ttl)
            rrset.add(rd)

        refresh, retry, expire = SOA_TIMERS
        minimum = min(zone.ttl, MAX_NEGATIVE_TTL)
        soa_text = (
            f"{zone.nameservers[0]} hostmaster.{origin.to_text()} {zone.serial}"
            f" {refresh} {retry} {expire} {minimum}"
        )
        nodes[origin][dns.rdatatype.SOA] = dns.rrset.from_text(
            origin, zone.ttl, "IN", "SOA", soa_text
        )
        negative = dns.rrset.from_text(origin, min(zone.ttl, minimum), "IN", "SOA", soa_text)
        for ns in zone.nameservers:
            add(origin, dns.rdata.from_text("IN", "NS", ns))
        for name, rtype, text in zone.records:
            rd = rdata(rtype, text)
            if rd is None:
                continue
            try:
                owner = dns.name.from_text(name, origin=origin) if name else origin
            except dns.exception.DNSException:
                continue
            if owner.is_subdomain(origin):
                add(owner, rd)
        names: set[dns.name.Name] = set()
        for owner in nodes:
            while owner not in names and owner.is_subdomain(origin):
                names.add(owner)
                if owner == origin:
                    break
                owner = owner.parent()
        return cls(origin, nodes, frozenset(names), negative)


def rdata(rtype: str, text: str) -> dns.rdata.Rdata | None:
    """A record's rdata in presentation form as dnspython rdata; host names in it are
    absolute. None for what DNS cannot carry (the host validated it: skip it)."""
    return parse_rdata(rtype, text)


def fill(
    response: dns.message.Message,
    index: ZoneIndex,
    qname: dns.name.Name,
    qtype: dns.rdatatype.RdataType,
) -> None:
    """Answer ``qname``/``qtype`` from ``index`` into ``response`` (authoritative data only).

    A CNAME chain is followed inside the zone; every CNAME goes in once, so a loop ends where
    it would repeat itself. Where the chain (or the name itself) ends without data, the SOA goes
    in the authority section: NXDOMAIN for a name that does not exist, NOERROR for one that
    does (RFC 6604 §3: the rcode is that of the last name of the chain). A chain that leaves the
    zone ends there, for the client to follow.
    """
    name = qname
    seen: set[dns.name.Name] = set()
    while True:
        node = index.nodes.get(name)
        if node is None:
            if name not in index.names:
                response.set_rcode(dns.rcode.NXDOMAIN)
            response.authority.append(index.negative_soa)
            return
        if qtype == dns.rdatatype.ANY:
            response.answer.extend(node.values())
            return
        found = node.get(qtype)
        if found is not None:
            response.answer.append(found)
            return
        cname = node.get(dns.rdatatype.CNAME)
        if cname is None:
            response.authority.append(index.negative_soa)  # NODATA
            return
        response.answer.append(cname)
        seen.add(name)
        target = next(iter(cname))
        assert isinstance(target, dns.rdtypes.ANY.CNAME.CNAME)
        name = target.target
        if name in seen or not name.is_subdomain(index.origin):
            return
