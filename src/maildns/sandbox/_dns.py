"""An authoritative DNS server for the sandbox's TelecomX zones (UDP and TCP, dnspython).

Two nameservers, ``ns1`` and ``ns2``, each on its own free port of the sandbox's host, answer
from the zones the TelecomX sandbox holds *now*: the state is read through the
:class:`~maildns.sandbox._app.SandboxApp` on every query, because a reset builds a new app.

Beside them they answer for stand-ins of the email vendors' and the common SPF includes
(``mailgun.org``, ``_spf.google.com``, ... : ``_public.py``), so that either server can act
as the recursive resolver of maildns's SPF checks (``MAILDNS_RESOLVER``) offline. A TelecomX
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
import socketserver
import threading
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
from ._core import Clock
from ._limits import MAX_DNS_FAULT_SECONDS, MAX_FAULT_TIMES, finite_number

if TYPE_CHECKING:
    from ._app import SandboxApp
    from ._core import SandboxContext

NAMESERVERS: Final = ("ns1.sandbox.telecomx.test.", "ns2.sandbox.telecomx.test.")
"""The NS names served at every zone's apex (ns1 is also the SOA's mname)."""
SOA_TIMERS: Final = (3600, 600, 604800)  # refresh, retry, expire
MAX_NEGATIVE_TTL: Final = 3600  # the SOA minimum: the zone ttl, capped (RFC 2308 advice)
MAX_CNAME_CHAIN: Final = 8

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


@dataclass(frozen=True)
class ZoneData:
    """One zone as the DNS server sees it: an immutable copy of the TelecomX zone."""

    domain: str
    serial: int
    ttl: int
    records: tuple[tuple[str, str, str], ...]  # (relative name, type, rData)


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


def _copy(zone: Any) -> ZoneData:
    # list(): the HTTP thread may be adding a record meanwhile
    records = tuple((r.name, r.type, r.rdata) for r in list(zone.records))
    return ZoneData(zone.domain, zone.serial, zone.ttl, records)


def _live_zones(app: SandboxApp) -> dict[str, ZoneData]:
    """Every zone as it is now (for the history kept at each clock move)."""
    from ._telecomx import state_of  # imports Starlette: only once a sandbox runs

    telecomx = app.vendor_app("telecomx")  # read each time: a reset replaces it
    return {z.domain: _copy(z) for z in list(state_of(telecomx).zones.values())}


class _LiveZones(Mapping[str, ZoneData]):
    """The zones as they are now, each copied only when asked for: a query looks up the few
    names its owner could belong to, whatever the number of zones (bulk runs hold thousands)."""

    def __init__(self, app: SandboxApp) -> None:
        from ._telecomx import state_of

        self._zones = state_of(app.vendor_app("telecomx")).zones

    def __getitem__(self, domain: str) -> ZoneData:
        return _copy(self._zones[domain])

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._zones))

    def __len__(self) -> int:
        return len(self._zones)


class DnsBackend:
    """Zone state (live and historical) and faults, shared by both nameservers."""

    def __init__(self, get_app: Callable[[], SandboxApp | None]) -> None:
        self._get_app = get_app
        self._lock = threading.Lock()
        self._context: SandboxContext | None = None
        self._history: list[tuple[datetime, dict[str, ZoneData]]] = []
        self._faults: list[DnsFault] = []

    def _sync(self, app: SandboxApp) -> None:
        # A reset (Python or HTTP) builds a new context: forget the old history and faults,
        # as a reset forgets HTTP faults. Call with the lock held.
        if app.context is not self._context:
            self._context = app.context
            self._history = []
            self._faults = []

    def note(self) -> None:
        """Record the zones as of the clock's current time (called before the clock moves)."""
        app = self._get_app()
        if app is None:
            return
        with self._lock:
            self._sync(app)
            now = app.context.clock.now()
            zones = _live_zones(app)
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

    def clear_faults(self) -> None:
        with self._lock:
            self._faults = []

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
                return "answer", _LiveZones(app)
            moment = now - timedelta(seconds=behind)
            past: dict[str, ZoneData] = {}
            for at, zones in self._history:
                if at > moment:
                    break
                past = zones
            return "answer", past

    def served(self, name: str, rtype: str) -> list[frozenset[str]]:
        """What each nameserver (ns1, ns2) serves at ``name`` for ``rtype``, faults included.

        TXT values are their strings joined; MX values are ``"<preference> <host>"``; host
        names are lower case without the final dot. A server that fails (SERVFAIL, no answer)
        or is not authoritative serves nothing. This is how the sandbox's vendors look at DNS
        before they call a domain verified; it uses up no fault.
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
                    _fill(response, found[0], found[1], qname, qtype)
                for rrset in response.answer:
                    if rrset.rdtype == qtype:
                        values.update(_text(rd) for rd in rrset)
            result.append(frozenset(values))
        return result


def _text(rd: dns.rdata.Rdata) -> str:
    if rd.rdtype == dns.rdatatype.TXT:
        return b"".join(rd.strings).decode("utf-8", "replace")  # type: ignore[attr-defined]
    if rd.rdtype == dns.rdatatype.MX:
        host = rd.exchange.to_text(omit_final_dot=True).lower()  # type: ignore[attr-defined]
        return f"{rd.preference} {host}"  # type: ignore[attr-defined]
    return rd.to_text().rstrip(".").lower()


# --- answering -------------------------------------------------------------------------------
def _rdata(rtype: str, rdata: str) -> dns.rdata.Rdata | None:
    """A TelecomX record's rData as dnspython rdata; host names in it are absolute."""
    text = rdata
    kind = rtype
    if rtype.startswith("MX "):
        kind, text = "MX", f"{rtype[3:]} {rdata}"
    try:
        return dns.rdata.from_text(
            dns.rdataclass.IN,
            dns.rdatatype.from_text(kind),
            text,
            origin=dns.name.root,
            relativize=False,  # keep names absolute: they go on the wire as they are
        )
    except (dns.exception.DNSException, ValueError):
        return None  # the HTTP API validated it; skip what DNS cannot carry


Nodes = dict[dns.name.Name, dict[dns.rdatatype.RdataType, dns.rrset.RRset]]


def _soa(zone: ZoneData, origin: dns.name.Name) -> dns.rrset.RRset:
    refresh, retry, expire = SOA_TIMERS
    text = (
        f"{NAMESERVERS[0]} hostmaster.{origin.to_text()} {zone.serial}"
        f" {refresh} {retry} {expire} {min(zone.ttl, MAX_NEGATIVE_TTL)}"
    )
    return dns.rrset.from_text(origin, zone.ttl, "IN", "SOA", text)


def _nodes(zone: ZoneData, origin: dns.name.Name) -> Nodes:
    nodes: Nodes = {origin: {}}

    def add(name: dns.name.Name, rd: dns.rdata.Rdata) -> None:
        rrsets = nodes.setdefault(name, {})
        rrset = rrsets.get(rd.rdtype)
        if rrset is None:
            rrset = rrsets[rd.rdtype] = dns.rrset.RRset(name, dns.rdataclass.IN, rd.rdtype)
            rrset.update_ttl(zone.ttl)
        rrset.add(rd)

    nodes[origin][dns.rdatatype.SOA] = _soa(zone, origin)
    for ns in NAMESERVERS:
        add(origin, dns.rdata.from_text("IN", "NS", ns))
    for name, rtype, text in zone.records:
        rd = _rdata(rtype, text)
        if rd is None:
            continue
        try:
            owner = dns.name.from_text(name, origin=origin) if name else origin
        except dns.exception.DNSException:
            continue
        add(owner, rd)
    return nodes


def _zone_for(zones: Snapshot, qname: dns.name.Name) -> tuple[ZoneData, dns.name.Name] | None:
    """The TelecomX zone holding ``qname``, else the stand-in zone holding it (``_public``)."""
    found = _find_zone(zones, qname)
    if found is None:
        from ._public import zones as public  # imports this module: only once serving

        found = _find_zone(public(), qname)
    return found


def _find_zone(zones: Snapshot, qname: dns.name.Name) -> tuple[ZoneData, dns.name.Name] | None:
    """The zone holding ``qname``: the longest of its names (itself, its parent, ...) that is a
    zone, looked up one by one (zone names are lower case, without the final dot)."""
    name = qname
    while len(name) > 1:  # the root has one (empty) label
        zone = zones.get(name.to_text(omit_final_dot=True).lower())
        if zone is not None:
            return zone, dns.name.from_text(zone.domain)
        name = name.parent()
    return None


def _fill(
    response: dns.message.Message,
    zone: ZoneData,
    origin: dns.name.Name,
    qname: dns.name.Name,
    qtype: dns.rdatatype.RdataType,
) -> None:
    nodes = _nodes(zone, origin)
    soa = nodes[origin][dns.rdatatype.SOA]
    name = qname
    for _ in range(MAX_CNAME_CHAIN):
        node = nodes.get(name)
        if node is None:
            if name != qname:
                return  # a CNAME out of the data we hold: the client follows it
            # An empty non-terminal exists (NODATA); anything else is NXDOMAIN.
            if not any(n.is_subdomain(name) for n in nodes):
                response.set_rcode(dns.rcode.NXDOMAIN)
            response.authority.append(soa)
            return
        if qtype == dns.rdatatype.ANY:
            response.answer.extend(node.values())
            return
        if qtype in node:
            response.answer.append(node[qtype])
            return
        cname = node.get(dns.rdatatype.CNAME)
        if cname is None:
            if name == qname:
                response.authority.append(soa)  # NODATA
            return
        response.answer.append(cname)
        name = next(iter(cname)).target
        if not name.is_subdomain(origin):
            return


def answer(backend: DnsBackend, server: Server, wire: bytes) -> dns.message.Message | None:
    """The response to the query ``wire``, or None to send nothing."""
    try:
        query = dns.message.from_wire(wire)
    except dns.exception.DNSException:
        return None  # not a DNS message we can answer to
    response = dns.message.make_response(query)
    if query.opcode() != dns.opcode.QUERY:
        response.set_rcode(dns.rcode.NOTIMP)
        return response
    if len(query.question) != 1:
        response.set_rcode(dns.rcode.FORMERR)
        return response
    question = query.question[0]
    qname, qtype = question.name, question.rdtype
    if question.rdclass != dns.rdataclass.IN:
        response.set_rcode(dns.rcode.REFUSED)
        return response
    action, zones = backend.resolve(server, qname)
    if action == "drop":
        return None
    if action == "servfail":
        response.set_rcode(dns.rcode.SERVFAIL)
        return response
    found = _zone_for(zones, qname)
    if found is None:
        response.set_rcode(dns.rcode.REFUSED)  # not authoritative, and no recursion
        return response
    response.flags |= dns.flags.AA
    try:
        _fill(response, found[0], found[1], qname, qtype)
    except (dns.exception.DNSException, ValueError):
        # Data we cannot serve: say so rather than leave the client waiting.
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


def _udp_limit(wire: bytes) -> int:
    with contextlib.suppress(dns.exception.DNSException):
        query = dns.message.from_wire(wire)
        if query.edns >= 0:
            return max(512, query.payload)
    return 512


# --- serving ---------------------------------------------------------------------------------
class _UDPServer(socketserver.UDPServer):
    allow_reuse_address = False

    def __init__(self, address: tuple[str, int], backend: DnsBackend, server: Server) -> None:
        self.backend = backend
        self.ns: Server = server
        super().__init__(address, _UDPHandler)


class _UDPHandler(socketserver.BaseRequestHandler):
    server: _UDPServer

    def handle(self) -> None:
        data, sock = self.request
        response = answer(self.server.backend, self.server.ns, data)
        if response is not None:
            sock.sendto(to_wire(response, _udp_limit(data)), self.client_address)


class _TCPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], backend: DnsBackend, server: Server) -> None:
        self.backend = backend
        self.ns: Server = server
        super().__init__(address, _TCPHandler)


class _TCPHandler(socketserver.StreamRequestHandler):
    server: _TCPServer

    def handle(self) -> None:
        # RFC 1035 4.2.2: each message is preceded by its length in two bytes; a client may
        # send several queries on one connection.
        while True:
            head = self.rfile.read(2)
            if len(head) < 2:
                return
            data = self.rfile.read(int.from_bytes(head, "big"))
            response = answer(self.server.backend, self.server.ns, data)
            if response is None:
                return  # drop: close without answering
            out = to_wire(response, None)
            self.wfile.write(len(out).to_bytes(2, "big") + out)
            self.wfile.flush()


class Nameserver:
    """One nameserver: UDP and TCP on the same port (``port``, else a free one), each in a
    background thread."""

    def __init__(self, host: str, backend: DnsBackend, server: Server, port: int = 0) -> None:
        last: OSError | None = None
        for _ in range(1 if port else 20):  # a free TCP port may be taken for UDP: another
            tcp = _TCPServer((host, port), backend, server)
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
                target=s.serve_forever,
                kwargs={"poll_interval": 0.02},
                name=f"maildns-sandbox-dns-{server}-{proto}",
                daemon=True,
            )
            for s, proto in ((self.udp, "udp"), (self.tcp, "tcp"))
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
    or each on a free port when ``port`` is 0."""

    def __init__(self, host: str, backend: DnsBackend, port: int = 0) -> None:
        self.backend = backend
        self.servers: list[Nameserver] = []
        try:
            names: tuple[Server, Server] = ("ns1", "ns2")
            for i, server in enumerate(names):
                self.servers.append(Nameserver(host, self.backend, server, port + i if port else 0))
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
