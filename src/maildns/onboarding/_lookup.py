"""Ask a zone's authoritative nameservers directly (dnspython; UDP, TCP when truncated).

Verify looks here before it asks a vendor to verify: only when every authoritative server
serves a record is it there for the vendor too, and neither a resolver nor the vendor has
cached a negative answer on the way. ``MAILDNS_NAMESERVERS=host:port,...`` replaces the
servers (the sandbox's DNS server, a test's).
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Sequence
from typing import Final

import attrs
import dns.asyncbackend
import dns.asyncquery
import dns.asyncresolver
import dns.exception
import dns.inet
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
from dns._asyncbackend import DatagramSocket  # re-exported by dns.asyncbackend, unseen by mypy

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


class Sockets:
    """UDP sockets for :func:`ask`, kept from one question to the next: making one (and its
    asyncio transport) costs about a third of a question's CPU, and a watch asks thousands an
    hour. A socket serves one question at a time, and is kept only after an answer came on it
    and while nothing else has (one that timed out or failed is closed: a late answer could
    still reach it). Used within one event loop; :meth:`close` closes those kept."""

    def __init__(self) -> None:
        self._idle: dict[int, list[DatagramSocket]] = {}
        self._closed = False

    async def take(self, family: int) -> DatagramSocket | None:
        """A socket of ``family`` to send one question from (None: let dnspython make one)."""
        backend = dns.asyncbackend.get_default_backend()
        if self._closed or backend.datagram_connection_required():  # type: ignore[no-untyped-call]
            return None  # a socket connected to one server cannot ask another
        idle = self._idle.get(family, [])
        while idle:
            sock = idle.pop()
            if _quiet(sock):
                return sock
            await _close(sock)  # a datagram came while it was idle: not an answer to ours
        made: DatagramSocket = await backend.make_socket(  # type: ignore[no-untyped-call]
            family, socket.SOCK_DGRAM
        )
        return made

    async def give(self, sock: DatagramSocket, answered: bool) -> None:
        """Take ``sock`` back after its question: kept when it was ``answered``."""
        if answered and not self._closed and _quiet(sock):
            self._idle.setdefault(sock.family, []).append(sock)
        else:
            await _close(sock)

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, {}
        for sockets in idle.values():
            for sock in sockets:
                await _close(sock)


async def _close(sock: DatagramSocket) -> None:
    await sock.close()  # type: ignore[no-untyped-call]  # dnspython's sockets are untyped


def _quiet(sock: DatagramSocket) -> bool:
    """Whether nothing is waiting to be read on ``sock`` (dnspython's asyncio sockets queue
    what arrives); a socket that cannot tell is never reused."""
    waiting = getattr(getattr(sock, "protocol", None), "recvq", None)
    return isinstance(waiting, asyncio.Queue) and waiting.empty()


async def ask(
    server: Server,
    name: str,
    rtype: RecordType,
    seconds: float = TIMEOUT,
    sockets: Sockets | None = None,
) -> Answer:
    """One server's answer for ``name`` and ``rtype`` (over a socket of ``sockets`` when
    given, else a new one)."""
    rdtype = kind(rtype).rdtype
    wanted = dns.name.from_text(name)  # parsed once: for the query and to find the answer
    query = dns.message.make_query(wanted, rdtype)
    sock = None
    if sockets is not None:
        sock = await sockets.take(dns.inet.af_for_address(server[0]))
    answered = False
    try:
        response, _ = await dns.asyncquery.udp_with_fallback(
            query, server[0], timeout=seconds, port=server[1], udp_sock=sock
        )
        answered = True
    except dns.exception.Timeout:
        return Answer(server, error="timeout")
    except (OSError, dns.exception.DNSException) as error:
        return Answer(server, error=type(error).__name__)
    finally:
        if sockets is not None and sock is not None:
            await sockets.give(sock, answered)
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
    servers: Sequence[Server],
    name: str,
    rtype: RecordType,
    seconds: float = TIMEOUT,
    sockets: Sockets | None = None,
) -> list[Answer]:
    return list(await asyncio.gather(*(ask(s, name, rtype, seconds, sockets) for s in servers)))
