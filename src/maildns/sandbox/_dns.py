"""An authoritative DNS server for the sandbox's DNS hosts' zones (UDP and TCP, dnspython).

Two nameservers, ``ns1`` and ``ns2``, each on its own free port of the sandbox's host, answer
from the zones every DNS-hosting vendor of the sandbox holds *now* (each vendor module's
``served_zones``, see ``_registry``): the state is read through the
:class:`~maildns.sandbox._app.SandboxApp` on every query, because a reset builds a new app.
A zone is copied and indexed (``_zoneindex.py``) once per change, not per query, and while no
fault is pending an answer is kept with the copy it came from and sent again for the same query.

Beside them they answer for stand-ins of the email vendors' and the common SPF includes
(``mailgun.org``, ``_spf.google.com``, ... : ``_public.py``), so that either server can act
as the recursive resolver of maildns's SPF checks (``MAILDNS_RESOLVER``) offline. A hosted
zone of the same name wins over a stand-in; any other name is REFUSED, as before.

Faults (see :meth:`DnsService.add_fault`) make a nameserver answer from an older state of the
zones (a propagation delay, a lagging ns2), answer SERVFAIL, or not answer at all. Older
states come from a history of zone snapshots keyed by the sandbox clock: the clock is an
:class:`ObservedClock` that lets the service take a snapshot just before every move, so the
snapshot taken at time ``t`` is the last state the zones had while the clock read ``t``.

This module imports neither Starlette nor uvicorn.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import select
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from .._core.checks import got, show
from .._dns.records import served_value
from ._core import Clock
from ._limits import MAX_DNS_FAULT_SECONDS, MAX_FAULT_TIMES, finite_number
from ._public import zones as public_zones
from ._registry import zone_sources
from ._zoneindex import ZoneData, fill

if TYPE_CHECKING:
    from ._app import SandboxApp
    from ._core import SandboxContext

TCP_IDLE_SECONDS: Final = 5.0
"""How long a TCP connection may sit without a whole query before it is closed (RFC 7766
§6.2.3 asks servers to close idle connections; a few seconds is the advice)."""
MAX_TCP_CONNECTIONS: Final = 64
"""TCP connections served at once by one nameserver, each on its own thread; one more is
closed as soon as it is accepted."""

log = logging.getLogger("maildns.sandbox.dns")

Server = Literal["ns1", "ns2"]
SERVERS: Final[tuple[Server, ...]] = ("ns1", "ns2")
FaultKind = Literal["delay", "lag", "servfail", "drop"]
FAULT_KINDS: Final = ("delay", "lag", "servfail", "drop")


class ObservedClock(Clock):
    """A sandbox clock that calls ``before_advance`` just before it moves."""

    def __init__(self, start: datetime, before_advance: Callable[[], None]) -> None:
        super().__init__(start)
        self._before_advance = before_advance

    def _before_move(self) -> None:
        self._before_advance()  # only for a move already checked: a refused one changes nothing


Snapshot = Mapping[str, ZoneData]


@dataclass
class DnsFault:
    """One injected DNS fault; ``times=None`` lasts until cleared."""

    kind: FaultKind
    name: dns.name.Name | None
    times: int | None
    seconds: float
    server: Server | None

    def applies(self, server: Server, qname: dns.name.Name) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.server is not None and self.server != server:
            return False
        return self.name is None or qname.is_subdomain(self.name)

    def use(self) -> None:
        if self.times is not None:
            self.times -= 1

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": None if self.name is None else self.name.to_text(),
            "times": self.times,
            "seconds": self.seconds,
            "server": self.server,
        }


class _LiveZones(Mapping[str, ZoneData]):
    """Every DNS-hosting vendor's zones as they are now (``_registry.zone_sources``): the first
    vendor holding a name serves it. Each vendor copies a zone only when asked for it, and only
    once after each change, so a query costs the same whatever the number of zones."""

    def __init__(self, sources: list[Mapping[str, ZoneData]]) -> None:
        self._sources = sources

    def get(self, domain: str, default: Any = None) -> Any:
        for source in self._sources:
            if domain in source:
                return source[domain]
        return default

    def __getitem__(self, domain: str) -> ZoneData:
        zone = self.get(domain)
        if zone is None:
            raise KeyError(domain)
        return zone  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for source in self._sources:
            for domain in list(source):
                if domain not in seen:
                    seen.add(domain)
                    yield domain

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _live(app: SandboxApp) -> Mapping[str, ZoneData]:
    """The zones every DNS-hosting vendor of ``app`` holds now (read through the app each
    time: a reset replaces the vendors' apps)."""
    sources = [served(app.vendor_app(vendor)) for vendor, served in zone_sources()]
    return sources[0] if len(sources) == 1 else _LiveZones(sources)


class DnsBackend:
    """Zone state (live and historical) and faults, shared by both nameservers."""

    def __init__(self, get_app: Callable[[], SandboxApp | None]) -> None:
        self._get_app = get_app
        self._lock = threading.Lock()
        self._context: SandboxContext | None = None
        self._history: list[tuple[datetime, dict[str, ZoneData]]] = []
        self._faults: list[DnsFault] = []
        self._generation = 0  # moves whenever faults or the context change

    def _sync(self, app: SandboxApp) -> None:
        # A reset (Python or HTTP) builds a new context: forget the old history and faults,
        # as a reset forgets HTTP faults. Call with the lock held.
        if app.context is not self._context:
            self._context = app.context
            self._history = []
            self._faults = []
            self._generation += 1

    def note(self) -> None:
        """Record the zones as of the clock's current time (called before the clock moves)."""
        app = self._get_app()
        if app is None:
            return
        with self._lock:
            self._sync(app)
            now = app.context.clock.now()
            zones = dict(_live(app))
            if self._history and self._history[-1][0] == now:
                self._history[-1] = (now, zones)  # later state at the same instant wins
            elif not self._history or self._history[-1][1] != zones:
                self._history.append((now, zones))

    def add_fault(self, fault: DnsFault) -> None:
        app = self._get_app()
        with self._lock:
            if app is not None:
                self._sync(app)
            self._faults.append(fault)
            self._generation += 1

    def clear_faults(self) -> None:
        with self._lock:
            self._faults = []
            self._generation += 1

    def quiet(self) -> tuple[Snapshot, int] | None:
        """The live zones and the generation they hold for, when no fault is pending: what a
        query gets then depends on the zones alone. None while a fault may apply."""
        app = self._get_app()
        if app is None:
            return None
        with self._lock:
            self._sync(app)
            if any(f.times is None or f.times > 0 for f in self._faults):
                return None
            generation = self._generation
        return _live(app), generation

    def generation(self) -> int:
        with self._lock:
            return self._generation

    def pending_faults(self) -> list[DnsFault]:
        app = self._get_app()
        with self._lock:
            if app is not None:
                self._sync(app)
            return [f for f in self._faults if f.times is None or f.times > 0]

    def resolve(
        self, server: Server, qname: dns.name.Name, *, consume: bool = True
    ) -> tuple[str, Snapshot]:
        """What ``server`` does for ``qname``: ``("drop"|"servfail"|"answer", zones)``.

        ``consume=False`` looks without using up a fault's ``times`` (the vendors' checks).
        """
        app = self._get_app()
        if app is None:
            return "drop", {}
        with self._lock:
            self._sync(app)
            for kind in ("drop", "servfail"):
                fault = next(
                    (f for f in self._faults if f.kind == kind and f.applies(server, qname)), None
                )
                if fault is not None:
                    if consume:
                        fault.use()
                    return kind, {}
            behind = 0.0
            for kind in ("delay", "lag"):
                matching = [f for f in self._faults if f.kind == kind and f.applies(server, qname)]
                for f in matching if consume else ():
                    f.use()
                behind += max((f.seconds for f in matching), default=0.0)
            now = app.context.clock.now()
            if behind <= 0:
                return "answer", _live(app)
            moment = now - timedelta(seconds=behind)
            past: dict[str, ZoneData] = {}
            for at, zones in self._history:
                if at > moment:
                    break
                past = zones
            return "answer", past

    def served(self, name: str, rtype: str) -> list[frozenset[str]]:
        """What each nameserver (ns1, ns2) serves at ``name`` for ``rtype``, faults included.

        Values are spelt as ``maildns._dns.records.served_value`` spells them (TXT: the
        strings joined; MX: ``"<preference> <host>"``; host names lower case without the final
        dot). A server that fails (SERVFAIL, no answer) or is not authoritative serves nothing.
        This is how the sandbox's vendors look at DNS before they call a domain verified; it
        uses up no fault.
        """
        try:
            qname = dns.name.from_text(name)
            qtype = dns.rdatatype.from_text(rtype)
        except (dns.exception.DNSException, ValueError):
            return [frozenset(), frozenset()]
        result: list[frozenset[str]] = []
        for server in SERVERS:
            action, zones = self.resolve(server, qname, consume=False)
            found = _zone_for(zones, qname) if action == "answer" else None
            values: set[str] = set()
            if found is not None:
                response = dns.message.make_response(dns.message.make_query(qname, qtype))
                with contextlib.suppress(dns.exception.DNSException, ValueError):
                    fill(response, found.index, qname, qtype)
                for rrset in response.answer:
                    if rrset.rdtype == qtype:
                        values.update(v for v in map(served_value, rrset) if v is not None)
            result.append(frozenset(values))
        return result


# --- answering -------------------------------------------------------------------------------
def _zone_for(zones: Snapshot, qname: dns.name.Name) -> ZoneData | None:
    """The hosted zone holding ``qname``, else the stand-in zone holding it (``_public``)."""
    found = _find_zone(zones, qname)
    if found is None:
        found = _find_zone(public_zones(), qname)
    return found


def _find_zone(zones: Snapshot, qname: dns.name.Name) -> ZoneData | None:
    """The zone holding ``qname``: the longest of its names (itself, its parent, ...) that is a
    zone, looked up one by one (zone names are lower case, without the final dot)."""
    labels = qname.labels[:-1] if qname.is_absolute() else qname.labels
    if labels and all(label and not label.translate(None, _PLAIN_BYTES) for label in labels):
        return _find_plain(zones, b".".join(labels).decode("ascii").lower())
    name = qname
    while len(name) > 1:  # the root has one (empty) label
        zone = zones.get(name.to_text(omit_final_dot=True).lower())
        if zone is not None:
            return zone
        name = name.parent()
    return None


_PLAIN_BYTES: Final = b"-_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
"""The bytes of a label whose text is itself (no escapes, no dots inside)."""


def _find_plain(zones: Snapshot, text: str) -> ZoneData | None:
    """:func:`_find_zone` for a name of plain labels, given as lower-case text without the final
    dot: each suffix after a dot is looked up, without building a Name per level."""
    at = 0
    while True:
        zone = zones.get(text[at:])
        if zone is not None:
            return zone
        dot = text.find(".", at)
        if dot < 0:
            return None
        at = dot + 1


def _plain_owner(wire: bytes) -> str | None:
    """The owner name of the query's (first) question as lower-case text without the final
    dot, read straight from the bytes, when its labels are plain and uncompressed; else None
    (the caller parses the message)."""
    at, end = 12, len(wire)
    labels: list[bytes] = []
    while at < end:
        length = wire[at]
        if length == 0:
            if not labels:
                return None
            joined = b"".join(labels)
            if joined.translate(None, _PLAIN_BYTES):
                return None
            return b".".join(labels).decode("ascii").lower()
        if length > 63 or at + 1 + length > end:
            return None  # a pointer, or cut short
        labels.append(wire[at + 1 : at + 1 + length])
        at += 1 + length
    return None


def _zone_of_question(zones: Snapshot, wire: bytes) -> tuple[ZoneData | None, bool]:
    """The zone (a DNS host's, else a stand-in) holding the question's owner, and whether the
    owner could be read (False: a malformed query, which ``answer`` explains)."""
    text = _plain_owner(wire)
    if text is not None:
        found = _find_plain(zones, text)
        return (found if found is not None else _find_plain(public_zones(), text)), True
    try:
        qname = dns.name.from_wire(wire, 12)[0]
    except Exception:  # malformed: the full path says how
        return None, False
    return _zone_for(zones, qname), True


_OPCODE_BITS: Final = 0x7800
_REFUSED_TYPES: Final = frozenset({dns.rdatatype.AXFR, dns.rdatatype.IXFR})
"""Zone transfers: the sandbox offers none (RFC 5936 §4.2 allows REFUSED)."""
_NOT_QUESTIONS: Final = frozenset({dns.rdatatype.OPT, dns.rdatatype.TSIG, dns.rdatatype.TKEY})
"""Types that belong in other sections, never in a question (RFC 6895 §3.1): FORMERR."""
_OBSOLETE_TYPES: Final = frozenset({dns.rdatatype.MAILA, dns.rdatatype.MAILB})


def _header_reply(wire: bytes, rcode: dns.rcode.Rcode) -> dns.message.Message:
    """A reply with only a header: the query's id, opcode and RD, and ``rcode`` (for a query
    that cannot be parsed, or whose opcode the server does not implement)."""
    flags = int.from_bytes(wire[2:4], "big")
    reply = dns.message.Message(id=int.from_bytes(wire[:2], "big"))
    reply.flags = dns.flags.QR | (flags & (_OPCODE_BITS | dns.flags.RD))
    reply.set_rcode(rcode)
    return reply


_UNKNOWN: Final = object()


def answer(
    backend: DnsBackend, server: Server, wire: bytes, *, zone: object = _UNKNOWN
) -> dns.message.Message | None:
    """The response to the query ``wire``, or None to send nothing.

    Nothing answers a message too short for a header or a response (QR set: answering it could
    start a loop between two servers, RFC 1035 §7.3); an opcode other than QUERY is NOTIMP and
    a message that cannot be parsed FORMERR, both with the header alone; an EDNS version
    above 0 is BADVERS (RFC 6891 §6.1.3)."""
    if len(wire) < 12 or wire[2] & 0x80:
        return None
    if (int.from_bytes(wire[2:4], "big") & _OPCODE_BITS) != 0:  # 0 is QUERY
        return _header_reply(wire, dns.rcode.NOTIMP)
    try:
        query = dns.message.from_wire(wire)
        response = dns.message.make_response(query)
    except Exception:  # dnspython raises several kinds for malformed input
        return _header_reply(wire, dns.rcode.FORMERR)
    if query.edns > 0:
        response.set_rcode(dns.rcode.BADVERS)
        return response
    if len(query.question) != 1:
        response.set_rcode(dns.rcode.FORMERR)
        return response
    question = query.question[0]
    qname, qtype = question.name, question.rdtype
    if qtype in _NOT_QUESTIONS:
        response.set_rcode(dns.rcode.FORMERR)
        return response
    if qtype in _OBSOLETE_TYPES:
        response.set_rcode(dns.rcode.NOTIMP)
        return response
    if question.rdclass != dns.rdataclass.IN or qtype in _REFUSED_TYPES:
        response.set_rcode(dns.rcode.REFUSED)
        return response
    try:
        if zone is _UNKNOWN:
            action, zones = backend.resolve(server, qname)
            if action == "drop":
                return None
            if action == "servfail":
                response.set_rcode(dns.rcode.SERVFAIL)
                return response
            found = _zone_for(zones, qname)
        else:  # looked up already by ``respond``, with no fault pending
            found = zone if isinstance(zone, ZoneData) else None
        if found is None:
            response.set_rcode(dns.rcode.REFUSED)  # not authoritative, and no recursion
            return response
        response.flags |= dns.flags.AA
        fill(response, found.index, qname, qtype)
    except Exception as exc:
        # Data we cannot serve: say so rather than leave the client waiting, in one line.
        log.warning("%s: SERVFAIL for %s: %r", server, qname, exc)
        response = dns.message.make_response(query)
        response.set_rcode(dns.rcode.SERVFAIL)
    return response


def to_wire(response: dns.message.Message, limit: int | None) -> bytes:
    """``response`` in wire form; over ``limit`` bytes, an empty answer with TC set."""
    try:
        return response.to_wire(max_size=limit or 65535)
    except dns.exception.TooBig:
        response.answer.clear()
        response.authority.clear()
        response.additional.clear()
        response.flags |= dns.flags.TC
        return response.to_wire(max_size=limit or 65535)


MAX_KEPT_ANSWERS: Final = 4096
"""Answers kept per zone copy; past it the kept ones are forgotten."""


def respond(backend: DnsBackend, server: Server, wire: bytes, *, tcp: bool) -> bytes | None:
    """The response to ``wire`` in wire form (over UDP, cut to the client's size), or None.

    While no fault is pending, the answer to the same query bytes from the same copy of a zone
    is the same: it is kept with the copy and sent again with the new query's id, without
    parsing the query or rendering the answer (a change of the zone makes a new copy)."""
    kept: dict[tuple[bool, bytes], bytes] | None = None
    key = (tcp, wire[2:])
    generation = 0
    known: object = _UNKNOWN
    if len(wire) >= 12 and not wire[2] & 0x80:
        quiet = backend.quiet()
        if quiet is not None:
            zones, generation = quiet
            zone, looked_up = _zone_of_question(zones, wire)
            if zone is not None:
                kept = zone.answers
                hit = kept.get(key)
                if hit is not None:
                    return wire[:2] + hit
            if looked_up:
                known = zone
    response = answer(backend, server, wire, zone=known)
    if response is None:
        return None
    out = to_wire(response, None if tcp else _udp_limit(response))
    if (
        kept is not None
        and response.flags & dns.flags.AA
        and response.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN)
        and backend.generation() == generation
    ):
        if len(kept) >= MAX_KEPT_ANSWERS:
            kept.clear()
        kept[key] = out[2:]
    return out


def _udp_limit(response: dns.message.Message) -> int:
    """The largest UDP response the client takes: its EDNS payload size, else 512."""
    return max(512, response.request_payload) if response.edns >= 0 else 512


# --- serving ---------------------------------------------------------------------------------
class _UDPServer:
    """One thread answering datagrams in turn: receive, respond, send, with nothing between
    (the server's time goes to answering, not to a framework's per-request objects)."""

    def __init__(self, address: tuple[str, int], backend: DnsBackend, server: Server) -> None:
        self.backend = backend
        self.ns: Server = server
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.socket.bind(address)
        except OSError:
            self.socket.close()
            raise
        self.server_address: tuple[str, int] = self.socket.getsockname()
        self._stopping = threading.Event()
        self._stopped = threading.Event()

    def serve_forever(self) -> None:
        # A blocking receive: one system call per datagram, and no wake-ups while idle;
        # ``shutdown`` sends the socket a datagram of its own to end the wait.
        sock = self.socket
        try:
            while not self._stopping.is_set():
                try:
                    data, client = sock.recvfrom(65535)
                except OSError:
                    if self._stopping.is_set():
                        return
                    continue  # e.g. an ICMP error from an earlier send
                if self._stopping.is_set():
                    return
                try:
                    out = respond(self.backend, self.ns, data, tcp=False)
                    if out is not None:
                        sock.sendto(out, client)
                except OSError:
                    pass  # the client's port may be gone
                except Exception:
                    _log_error(self.ns, "udp", client)
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"", self.server_address)  # too short to answer: it only wakes the loop
        self._stopped.wait(timeout=5)

    def server_close(self) -> None:
        self.socket.close()


def _log_error(server: Server, proto: str, client: Any) -> None:
    # One line, never a traceback: a client's packet must not fill the sandbox's stderr.
    exc = sys.exc_info()[1]
    log.warning("%s %s: dropped a request from %s: %r", server, proto, client, exc)


class _TCPServer(socketserver.ThreadingTCPServer):
    """A thread per connection, at most ``max_connections`` at once: a connection beyond
    them is closed at once (RFC 7766 §6.2.2 lets a server limit its connections)."""

    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # accepted (and perhaps closed) at once, not left to time out

    def __init__(
        self,
        address: tuple[str, int],
        backend: DnsBackend,
        server: Server,
        *,
        idle_seconds: float,
        max_connections: int,
    ) -> None:
        self.backend = backend
        self.ns: Server = server
        self.idle_seconds = idle_seconds
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, _TCPHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        _log_error(self.ns, "tcp", client_address)


def _receive(sock: socket.socket, size: int, deadline: float) -> bytes | None:
    """Exactly ``size`` bytes by ``deadline`` (``time.monotonic``), else None."""
    chunks: list[bytes] = []
    needed = size
    while needed > 0:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            ready, _, _ = select.select([sock], [], [], left)
            if not ready:
                return None
            chunk = sock.recv(needed)
        except OSError:
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        needed -= len(chunk)
    return b"".join(chunks)


class _TCPHandler(socketserver.BaseRequestHandler):
    server: _TCPServer

    def handle(self) -> None:
        # RFC 1035 4.2.2: each message is preceded by its length in two bytes; a client may
        # send several queries on one connection. A connection that brings no whole query
        # within the idle time is closed (RFC 7766 §6.2.3).
        sock: socket.socket = self.request
        while True:
            deadline = time.monotonic() + self.server.idle_seconds
            head = _receive(sock, 2, deadline)
            if head is None:
                return
            data = _receive(sock, int.from_bytes(head, "big"), deadline)
            if data is None:
                return
            out = respond(self.server.backend, self.server.ns, data, tcp=True)
            if out is None:
                return  # drop: close without answering
            try:
                sock.sendall(len(out).to_bytes(2, "big") + out)
            except OSError:
                return


class Nameserver:
    """One nameserver: UDP and TCP on the same port (``port``, else a free one), each in a
    background thread (and one more thread per open TCP connection, up to a bound)."""

    def __init__(
        self,
        host: str,
        backend: DnsBackend,
        server: Server,
        port: int = 0,
        *,
        tcp_idle_seconds: float = TCP_IDLE_SECONDS,
        max_tcp_connections: int = MAX_TCP_CONNECTIONS,
    ) -> None:
        last: OSError | None = None
        for _ in range(1 if port else 20):  # a free TCP port may be taken for UDP: another
            tcp = _TCPServer(
                (host, port),
                backend,
                server,
                idle_seconds=tcp_idle_seconds,
                max_connections=max_tcp_connections,
            )
            try:
                udp = _UDPServer((host, tcp.server_address[1]), backend, server)
            except OSError as exc:
                tcp.server_close()
                last = exc
                continue
            self.tcp, self.udp = tcp, udp
            break
        else:
            if port and last is not None:
                raise last
            raise OSError(f"no free port for UDP and TCP on {host}") from last
        self.address: tuple[str, int] = (host, int(tcp.server_address[1]))
        self._threads = [
            threading.Thread(
                target=serve, name=f"maildns-sandbox-dns-{server}-{proto}", daemon=True
            )
            for serve, proto in (
                (self.udp.serve_forever, "udp"),
                (functools.partial(self.tcp.serve_forever, poll_interval=0.02), "tcp"),
            )
        ]
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        for s in (self.udp, self.tcp):
            s.shutdown()
            s.server_close()
        for t in self._threads:
            t.join(timeout=5)


class DnsService:
    """Both nameservers and their shared backend: ns1 on ``port`` and ns2 on the next one,
    or each on a free port when ``port`` is 0. ``tcp_idle_seconds`` and
    ``max_tcp_connections`` bound each server's TCP connections (time and number)."""

    def __init__(
        self,
        host: str,
        backend: DnsBackend,
        port: int = 0,
        *,
        tcp_idle_seconds: float = TCP_IDLE_SECONDS,
        max_tcp_connections: int = MAX_TCP_CONNECTIONS,
    ) -> None:
        self.backend = backend
        self.servers: list[Nameserver] = []
        try:
            names: tuple[Server, Server] = ("ns1", "ns2")
            for i, server in enumerate(names):
                self.servers.append(
                    Nameserver(
                        host,
                        self.backend,
                        server,
                        port + i if port else 0,
                        tcp_idle_seconds=tcp_idle_seconds,
                        max_tcp_connections=max_tcp_connections,
                    )
                )
        except OSError:
            self.stop()
            raise

    @property
    def addresses(self) -> list[tuple[str, int]]:
        return [s.address for s in self.servers]

    def stop(self) -> None:
        for s in self.servers:
            s.stop()
        self.servers = []


def make_fault(
    kind: str,
    *,
    name: str | None = None,
    times: int | None = None,
    seconds: float | None = None,
    server: str | None = None,
) -> DnsFault:
    """Check the arguments of :meth:`Sandbox.dns_fault` and build the fault.

    Every problem is reported together, in one ValueError.
    """
    problems: list[str] = []
    known_kind = isinstance(kind, str) and kind in FAULT_KINDS
    if not known_kind:
        problems.append(
            f"unknown DNS fault {_shown(kind)}: expected one of {', '.join(FAULT_KINDS)}"
        )
    if server not in (None, "ns1", "ns2"):
        problems.append(f"server must be 'ns1', 'ns2' or None, got {_shown(server)}")
    if known_kind and kind in ("delay", "lag"):
        if seconds is None:
            problems.append(f"a {kind!r} fault needs seconds > 0")
        elif not (finite_number(seconds) and 0 < seconds <= MAX_DNS_FAULT_SECONDS):
            problems.append(
                f"a {kind!r} fault needs seconds > 0 and at most {MAX_DNS_FAULT_SECONDS} "
                f"(30 days), got {got(seconds)}"
            )
    elif known_kind and seconds is not None:
        problems.append(f"a {kind!r} fault takes no seconds")
    if kind == "lag" and server == "ns1":
        problems.append("a 'lag' fault is ns2 lagging behind ns1")
    if times is not None and not (
        isinstance(times, int) and not isinstance(times, bool) and 1 <= times <= MAX_FAULT_TIMES
    ):
        problems.append(
            f"times must be an integer from 1 to {MAX_FAULT_TIMES} or None, got {got(times)}"
        )
    qname: dns.name.Name | None = None
    if name is not None:
        try:
            if not isinstance(name, str) or not name:
                raise ValueError(name)
            qname = dns.name.from_text(name)
        except (dns.exception.DNSException, ValueError):
            problems.append(f"name must be a DNS name such as example.com, got {_shown(name)}")
    if problems:
        raise ValueError("; ".join(problems))
    chosen = "ns2" if kind == "lag" else server
    return DnsFault(kind, qname, times, float(seconds or 0.0), chosen)  # type: ignore[arg-type]


def _shown(value: object) -> str:
    return show(value) if isinstance(value, str) else got(value)
