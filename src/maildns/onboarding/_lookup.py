"""Ask a zone's authoritative nameservers directly (dnspython; UDP, TCP when truncated).

Verify looks here before it asks a vendor to verify: only when every authoritative server
serves a record is it there for the vendor too, and neither a resolver nor the vendor has
cached a negative answer on the way. ``MAILDNS_NAMESERVERS=host:port,...`` replaces the
servers (the sandbox's DNS server, a test's).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Final

import attrs
import dns.asyncquery
import dns.asyncresolver
import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype

from .._dns.records import kind, served_value
from ..errors import InvalidInputError
from ..models import RecordType

Server = tuple[str, int]
NAMESERVERS_ENV: Final = "MAILDNS_NAMESERVERS"
TIMEOUT: Final = 3.0


@attrs.frozen
class Answer:
    """What one server said of a name and type: the values it serves, or why none."""

    server: Server
    values: tuple[str, ...] = ()
    error: str | None = None
    """``NXDOMAIN``, ``SERVFAIL``, ``timeout``, ... (None: it answered, maybe with nothing)."""

    @property
    def definitive(self) -> bool:
        """Whether the server said what it serves: an answer, or NXDOMAIN (the name does not
        exist there). A time-out, SERVFAIL, REFUSED or a network error says nothing of the
        record: it is unknown there, never missing."""
        return self.error is None or self.error == "NXDOMAIN"

    def describe(self) -> str:
        where = f"{self.server[0]}:{self.server[1]}"
        if self.error is not None:
            return f"{where} {self.error}"
        return f"{where} " + (", ".join(repr(v) for v in self.values) or "nothing")


def parse_servers(text: str, argument: str = NAMESERVERS_ENV) -> list[Server]:
    """``host:port,host`` (port 53 when left out) as a list of servers."""
    servers: list[Server] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        host, _, port = part.rpartition(":") if part.count(":") == 1 else (part, "", "53")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise InvalidInputError.one(argument, f"must be host:port[,host:port...], got {part!r}")
        servers.append((host, int(port)))
    if not servers:
        raise InvalidInputError.one(argument, "names no nameserver")
    return servers


async def authoritative_servers(zone: str, given: Sequence[Server] | None = None) -> list[Server]:
    """The servers to ask: ``given``, else ``MAILDNS_NAMESERVERS``, else the zone's NS."""
    if given:
        return list(given)
    env = os.environ.get(NAMESERVERS_ENV, "").strip()
    if env:
        return parse_servers(env)
    resolver = dns.asyncresolver.Resolver()
    servers: list[Server] = []
    for ns in await resolver.resolve(zone, "NS"):
        for address in await resolver.resolve(str(ns.target), "A"):
            servers.append((address.to_text(), 53))
    return servers


async def ask(server: Server, name: str, rtype: RecordType, seconds: float = TIMEOUT) -> Answer:
    """One server's answer for ``name`` and ``rtype``."""
    rdtype = kind(rtype).rdtype
    wanted = dns.name.from_text(name)  # parsed once: for the query and to find the answer
    query = dns.message.make_query(wanted, rdtype)
    try:
        response, _ = await dns.asyncquery.udp_with_fallback(
            query, server[0], timeout=seconds, port=server[1]
        )
    except dns.exception.Timeout:
        return Answer(server, error="timeout")
    except (OSError, dns.exception.DNSException) as error:
        return Answer(server, error=type(error).__name__)
    rcode = response.rcode()
    if rcode != dns.rcode.NOERROR:
        return Answer(server, error=dns.rcode.to_text(rcode))
    values = tuple(  # sorted: servers send an RRset in any order
        sorted(
            value
            for rrset in response.answer
            if rrset.name == wanted and rrset.rdtype == rdtype
            for value in map(served_value, rrset)
            if value is not None
        )
    )
    return Answer(server, values)


async def ask_all(
    servers: Sequence[Server], name: str, rtype: RecordType, seconds: float = TIMEOUT
) -> list[Answer]:
    return list(await asyncio.gather(*(ask(s, name, rtype, seconds) for s in servers)))
