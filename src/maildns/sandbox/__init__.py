"""A local, stateful stand-in for the Tesouro, TelecomX and CiiRUS APIs.

Use it to build and test against the vendors without their credentials::

    with maildns.sandbox.Sandbox() as sb:
        base_url = sb.url("tesouro")          # replaces https://api.sandbox.tesouro.com
        creds = sb.credentials("tesouro")     # {"client_id": ..., "client_secret": ...}

Ids, tokens and timestamps come from a seeded generator and a clock that only moves when
told to (:meth:`Sandbox.advance_clock`), so the same calls always get the same answers.
Starlette and uvicorn (the ``sandbox`` extra) are imported only when a sandbox starts.

Request bodies over ``MAX_BODY_BYTES`` (1 MiB) are answered 413 in the vendor's error shape.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self

from ._core import DEFAULT_SEED, DEFAULT_START, SandboxContext, Vendor
from ._limits import (
    MAX_BODY_BYTES,
    MAX_DNS_FAULT_SECONDS,
    MAX_FAULT_DELAY,
    MAX_FAULT_TIMES,
    finite_number,
)
from ._registry import VENDORS

if TYPE_CHECKING:
    import uvicorn

    from ..models import DnsRecord

    DEMO_CREDENTIALS: dict[str, dict[str, str]]
    """The demo credentials each vendor accepts, as keyword arguments for its client."""
    TELECOMX_CUSTOMER_ID: str
    TELECOMX_PRODUCT_ID: str

    from ._app import SandboxApp
    from ._dns import DnsBackend, DnsService

__all__ = [
    "DEMO_CREDENTIALS",
    "MAX_BODY_BYTES",
    "MAX_DNS_FAULT_SECONDS",
    "MAX_FAULT_DELAY",
    "MAX_FAULT_TIMES",
    "TELECOMX_CUSTOMER_ID",
    "TELECOMX_PRODUCT_ID",
    "VENDORS",
    "Sandbox",
    "SandboxError",
    "Vendor",
]


def __getattr__(name: str) -> Any:
    # Read from the vendors' sandbox modules, which import Starlette: loaded on first use.
    from . import _registry

    if name == "DEMO_CREDENTIALS":
        return _registry.demo_credentials()
    if name in ("TELECOMX_CUSTOMER_ID", "TELECOMX_PRODUCT_ID"):
        return _registry.accounts()["telecomx"][name.removeprefix("TELECOMX_").lower()]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


START_TIMEOUT: float = 120.0
"""How long :meth:`Sandbox.start_server` waits for the server to be ready at most: a bound on a
start that hangs, not a measure of speed (a loaded machine may take seconds)."""


class SandboxError(RuntimeError):
    """The sandbox could not start, or was used before it started."""


def _check_vendor(vendor: str) -> Vendor:
    if vendor in VENDORS:
        return vendor
    raise ValueError(f"unknown vendor {vendor!r}: expected one of {', '.join(VENDORS)}")


class Sandbox:
    """Serve the sandbox on ``host`` in a background thread, on a free port unless one is given,
    and its two nameservers on ``dns_port`` and the next port (free ones unless given)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = DEFAULT_SEED,
        start: datetime = DEFAULT_START,
        rate_limits: Mapping[str, int | None] | None = None,
        rate_clock: Callable[[], float] | None = None,
        dns_port: int = 0,
        dns_tcp_idle_seconds: float = 5.0,
        dns_tcp_connections: int = 64,
    ) -> None:
        from ._ratelimit import check_rate_limits

        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"port must be an integer from 0 to 65535, not {port!r}")
        if isinstance(dns_port, bool) or not isinstance(dns_port, int):
            raise ValueError(f"dns_port must be an integer from 0 to 65534, not {dns_port!r}")
        if not 0 <= dns_port <= 65534:  # ns2 listens on the next port
            raise ValueError(f"dns_port must be an integer from 0 to 65534, not {dns_port!r}")
        self.dns_port = dns_port
        if not (finite_number(dns_tcp_idle_seconds) and dns_tcp_idle_seconds > 0):
            raise ValueError(
                "dns_tcp_idle_seconds must be a number of seconds > 0, "
                f"not {dns_tcp_idle_seconds!r}"
            )
        if isinstance(dns_tcp_connections, bool) or not isinstance(dns_tcp_connections, int):
            raise ValueError(
                f"dns_tcp_connections must be an integer >= 1, not {dns_tcp_connections!r}"
            )
        if dns_tcp_connections < 1:
            raise ValueError(
                f"dns_tcp_connections must be an integer >= 1, not {dns_tcp_connections!r}"
            )
        self.dns_tcp_idle_seconds = float(dns_tcp_idle_seconds)
        """How long each nameserver keeps a TCP connection that brings no query (RFC 7766)."""
        self.dns_tcp_connections = dns_tcp_connections
        """TCP connections each nameserver serves at once; one more is closed on arrival."""
        """ns1's port, ns2's the next one (0: each on a free port): fixed ports keep
        ``MAILDNS_NAMESERVERS`` right across restarts."""
        if rate_clock is not None and not callable(rate_clock):
            raise ValueError(f"rate_clock must be a function giving seconds, not {rate_clock!r}")
        self.rate_limits = check_rate_limits(rate_limits, VENDORS)
        """Requests per second per client, by vendor: the documented limits (Tesouro's 30)
        unless ``rate_limits`` says otherwise (a vendor mapped to None has none)."""
        self.rate_clock = rate_clock
        """What the limits' one-second windows count on: real time (``time.monotonic``)
        unless given, e.g. a test's clock that moves only when the test moves it."""
        self.host = host
        self._requested_port = port
        self.seed = seed
        self.start = start
        self._port: int | None = None
        self._app: SandboxApp | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._dns: DnsService | None = None
        self._dns_backend: DnsBackend | None = None

    # --- lifecycle -----------------------------------------------------------
    def build_app(self) -> SandboxApp:
        """The ASGI app, without serving it (for ``python -m maildns.sandbox`` and tests)."""
        from ._app import SandboxApp
        from ._dns import DnsBackend

        self._dns_backend = DnsBackend(lambda: self._app)
        self._app = SandboxApp(self._make_context)
        return self._app

    def _make_context(self) -> SandboxContext:
        from ._dns import ObservedClock

        ctx = SandboxContext(
            seed=self.seed,
            start=self.start,
            rate_limits=self.rate_limits,
            rate_clock=self.rate_clock,
        )
        # The DNS backend snapshots the zones before every clock move, for its delay faults,
        # and the vendors verify against what it serves.
        ctx.clock = ObservedClock(ctx.clock.now(), self._before_clock_moves)
        if self._dns_backend is not None:
            ctx.served = self._dns_backend.served
        return ctx

    def _before_clock_moves(self) -> None:
        if self._dns_backend is not None:
            self._dns_backend.note()

    def __enter__(self) -> Self:
        self.start_server()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start_server(self, timeout: float = START_TIMEOUT) -> None:
        """Serve in a background thread; return once the server is ready (listening).

        It waits for readiness, not for a fixed time: ``timeout`` only bounds a start that
        hangs, generously, since a busy machine may take seconds to schedule the thread. A
        server that stops while starting fails at once."""
        import uvicorn

        from ._faults import hide_dropped_connections

        hide_dropped_connections()
        app = self.build_app()
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on such sockets, and without it
        # every response waits ~40 ms for a delayed ACK between its headers and its body.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            app.asgi,
            log_level="warning",
            server_header=False,
            date_header=False,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="maildns-sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                why = "stopped" if not self._thread.is_alive() else f"not ready in {timeout:g} s"
                self.stop()
                raise SandboxError(
                    f"the sandbox did not start on {self.host}:{self._port}: the server {why}"
                )
            time.sleep(0.005)
        from ._dns import DnsService

        try:
            self._dns = DnsService(
                self.host,
                self._backend(),
                self.dns_port,
                tcp_idle_seconds=self.dns_tcp_idle_seconds,
                max_tcp_connections=self.dns_tcp_connections,
            )
        except OSError as exc:
            self.stop()
            ports = f"{self.dns_port} and {self.dns_port + 1}" if self.dns_port else "free ports"
            reason = f": {exc.strerror}" if exc.strerror else ""
            raise SandboxError(f"cannot serve DNS on {self.host}, {ports}{reason}") from exc

    def stop(self) -> None:
        if self._dns is not None:
            self._dns.stop()
            self._dns = None
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    # --- what users need -------------------------------------------------------
    @property
    def port(self) -> int:
        if self._port is None:
            raise SandboxError("the sandbox is not running: use `with Sandbox() as sb:`")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, vendor: str) -> str:
        """The base URL that replaces ``vendor``'s server URL."""
        return f"{self.base_url}/{_check_vendor(vendor)}"

    def credentials(self, vendor: str) -> dict[str, str]:
        """The demo credentials ``vendor`` accepts, as keyword arguments for a client."""
        return dict(self._context().credentials[_check_vendor(vendor)])

    def partner_accounts(self, vendor: str) -> dict[str, dict[str, str]]:
        """The other accounts ``vendor`` accepts besides the demo credentials (CiiRUS: two,
        each with its own subaccount), by the environment-variable prefix an onboarding
        configuration's ``account:`` names them with; empty for the others."""
        from . import _registry

        return _registry.partner_accounts()[_check_vendor(vendor)]

    def account_environment(self, vendor: str) -> dict[str, str]:
        """The variables :meth:`partner_accounts` are read from (``CIIRUS_DEMO2_USERNAME``,
        ...; the base URL is the vendor's own)."""
        from ..vendors import DECLARATIONS

        declaration = DECLARATIONS[_check_vendor(vendor)]
        return {
            declaration.account_variables(prefix)[argument]: value
            for prefix, given in self.partner_accounts(vendor).items()
            for argument, value in given.items()
        }

    def account(self, vendor: str) -> dict[str, str]:
        """The seeded account ids ``vendor``'s calls need (TelecomX: ``customer_id``,
        ``product_id``; empty for the others)."""
        return dict(self._context().accounts[_check_vendor(vendor)])

    @property
    def telecomx_customer_id(self) -> str:
        """The seeded TelecomX customer (``account("telecomx")["customer_id"]``)."""
        return self.account("telecomx")["customer_id"]

    @property
    def telecomx_product_id(self) -> str:
        """The seeded TelecomX product (``account("telecomx")["product_id"]``)."""
        return self.account("telecomx")["product_id"]

    def now(self) -> datetime:
        """The sandbox clock's current time."""
        return self._context().clock.now()

    def advance_clock(self, seconds: float) -> datetime:
        """Move the sandbox clock forward, e.g. past a token's expiry.

        ``seconds`` is a finite number >= 0; the clock stays before 9000-01-01 (a move past
        it is a ``ValueError``, and the clock does not move)."""
        return self._context().clock.advance(seconds)

    def inject_fault(
        self,
        vendor: str,
        method: str,
        path: str,
        *,
        status: int | None = None,
        retry_after: float | str | None = None,
        delay: float | None = None,
        body: bytes | str | None = None,
        content_type: str | None = None,
        times: int = 1,
        drop: bool = False,
        lose_response: bool = False,
    ) -> None:
        """Make the next ``times`` requests to ``method path`` of ``vendor`` fail.

        ``path`` is the vendor's full path as in its spec (``/dns/{domain}`` matches any one
        segment). The request waits ``delay`` seconds, then gets ``status`` (with a
        ``Retry-After`` header when given) and ``body`` as raw bytes: malformed JSON, an HTML
        error page, anything. With no status, the request goes through after the delay.
        ``drop=True`` closes the connection in the middle of the response. With
        ``lose_response=True`` the vendor handles the request at once (a create does create),
        then, after the delay, its answer is replaced by the fault, as when a response is lost
        on the way back.

        ``method`` and ``path`` must be an operation of the vendor's spec; ``status`` 200 to
        599; ``delay`` at most ``MAX_FAULT_DELAY`` (60) seconds; ``times`` from 1 to
        ``MAX_FAULT_TIMES`` (10000); ``retry_after`` 0 to 86400 seconds or an HTTP date. Every
        problem is reported together in one ``ValueError``.
        """
        from ._faults import make_fault

        app = self._running_app()
        fault = make_fault(
            vendor,
            method,
            path,
            operations=app.operations,
            status=status,
            retry_after=retry_after,
            delay=delay,
            body=body,
            content_type=content_type,
            times=times,
            drop=drop,
            lose_response=lose_response,
        )
        app.faults.add(fault)

    def stats(self, *, reset: bool = False) -> dict[str, dict[str, Any]]:
        """What the sandbox answered since it started (or since the last reset of the sandbox
        or of these counts): ``{vendor: {"requests": n, "seconds": s, "status": {"200": n,
        ...}, "operations": {operationId: {"200": n, ...}}}}``, ``seconds`` the real time from
        the first answer counted to the last. ``reset`` zeroes them as it reads."""
        return self._running_app().stats.snapshot(VENDORS, clear=reset)

    def unverify(self, vendor: str, domain: str) -> None:
        """Turn ``domain`` back to unverified at ``vendor``, as when the vendor's own re-check
        finds a record gone (``POST /_sandbox/unverify``); a vendor that reads DNS whenever a
        domain is read (CiiRUS) has no such state: remove a record instead. A SandboxError
        says why it could not."""
        why = self._running_app().unverify(vendor, domain)
        if why is not None:
            raise SandboxError(why)

    def create_sending_domains(self, vendor: str, domains: Sequence[str]) -> list[dict[str, Any]]:
        """Create ``domains`` at ``vendor`` as its create operation would (the same records,
        ids from the same sequence), without a request and outside the rate limit: for seeding
        thousands of onboarded domains quickly (``scripts/bench_watch.py``). Their bodies as
        the create answers them. A SandboxError when one exists already (none is created),
        or the vendor cannot be seeded (Tesouro can)."""
        made = self._running_app().create_sending_domains(_check_vendor(vendor), domains)
        if isinstance(made, str):
            raise SandboxError(made)
        return made

    def verify_sending_domains(self, vendor: str, domains: Sequence[str]) -> None:
        """Verify ``domains`` at ``vendor`` as its verify operation would (against what the
        sandbox's nameservers serve now), without a request. A SandboxError when one does not
        exist (none is verified), or the vendor cannot be seeded."""
        why = self._running_app().verify_sending_domains(_check_vendor(vendor), domains)
        if why is not None:
            raise SandboxError(why)

    def clear_faults(self) -> None:
        """Drop every fault not yet used up."""
        self._running_app().faults.clear()

    def pending_faults(self) -> list[dict[str, Any]]:
        """The injected faults that will still answer, with how many ``times`` each has left."""
        return [f.describe() for f in self._running_app().faults.pending()]

    # --- DNS -----------------------------------------------------------------------------------
    @property
    def dns_address(self) -> tuple[str, int]:
        """``(host, port)`` of ns1, the authoritative DNS server for the TelecomX zones.

        It answers over UDP and TCP from the zones as they are now (``AA`` set), with SOA and
        NS (``ns1``/``ns2.sandbox.telecomx.test.``) at each apex, NXDOMAIN or NODATA with the
        SOA, and REFUSED for names outside every zone. UDP answers too big for 512 bytes (or
        the query's EDNS size) come back empty with TC set, so clients retry over TCP.
        """
        return self.dns_addresses[0]

    @property
    def dns_addresses(self) -> list[tuple[str, int]]:
        """``[ns1, ns2]`` as ``(host, port)``: two servers of the same zones (see ``dns_fault``)."""
        return self._running_dns().addresses

    def dns_fault(
        self,
        kind: Literal["delay", "lag", "servfail", "drop"],
        *,
        name: str | None = None,
        times: int | None = None,
        seconds: float | None = None,
        server: Literal["ns1", "ns2"] | None = None,
    ) -> None:
        """Make the DNS servers misbehave, for queries at or below ``name`` (any name if None).

        - ``"delay"``: a propagation delay: both servers answer from the zones as they were
          ``seconds`` ago on the sandbox clock, so a change shows only after
          ``sb.advance_clock(seconds)``. A zone that did not exist then is REFUSED.
        - ``"lag"``: ns2 answers from the zones as they were ``seconds`` before ns1 does.
        - ``"servfail"``: answer SERVFAIL.
        - ``"drop"``: send no answer (UDP) or close the connection (TCP): the client times out.

        ``server`` limits a fault to ``"ns1"`` or ``"ns2"`` (``"lag"`` is always ns2). The fault
        affects the next ``times`` queries it matches (1 to ``MAX_FAULT_TIMES``), or every one
        until :meth:`clear_dns_faults` (or a reset) when ``times`` is None. ``seconds`` is at
        most ``MAX_DNS_FAULT_SECONDS`` (30 days). Every problem is reported together in one
        ``ValueError``.
        """
        from ._dns import make_fault

        fault = make_fault(kind, name=name, times=times, seconds=seconds, server=server)
        self._running_dns().backend.add_fault(fault)

    def publish_dns(self, zone: str, records: Iterable[DnsRecord]) -> None:
        """Serve ``records`` from the sandbox's DNS, as if published through TelecomX.

        They go into TelecomX zone ``zone`` of the seeded account (created when missing), so
        the TelecomX API shows them too. This is for trying a sending-domain vendor alone:
        publish what it asks for, then verify::

            sb.publish_dns("example.com", tesouro.get_sending_domain("mail.example.com").records)

        A record outside ``zone``, or one TelecomX would refuse, raises ``ValueError`` before
        any is added.
        """
        from ..vendors.telecomx import wire as telecomx_wire
        from ._telecomx import TelecomXError, publish

        # InvalidInputError (a ValueError) for a name outside the zone
        wire = [telecomx_wire(r, zone) for r in records]
        try:
            publish(self._running_app().vendor_app("telecomx"), zone, wire)
        except TelecomXError as exc:
            raise ValueError(
                f"TelecomX would refuse one of these records: {exc.status} {exc.key}: {exc.message}"
            ) from None

    def clear_dns_faults(self) -> None:
        """Drop every DNS fault."""
        self._running_dns().backend.clear_faults()

    def pending_dns_faults(self) -> list[dict[str, Any]]:
        """The DNS faults still in force, with how many ``times`` each has left (None: no end)."""
        return [f.describe() for f in self._running_dns().backend.pending_faults()]

    def _backend(self) -> DnsBackend:
        if self._dns_backend is None:
            raise SandboxError("the sandbox is not running: use `with Sandbox() as sb:`")
        return self._dns_backend

    def _running_dns(self) -> DnsService:
        if self._dns is None:
            raise SandboxError("the sandbox is not running: use `with Sandbox() as sb:`")
        return self._dns

    def reset(self) -> None:
        """Forget every domain, zone, subaccount and token; restart the clock and the ids.

        DNS faults and the zone history go too: DNS answers come from the new, empty state.
        """
        self._running_app().reset()

    def _running_app(self) -> SandboxApp:
        if self._app is None:
            raise SandboxError("the sandbox is not running: use `with Sandbox() as sb:`")
        return self._app

    def describe(self) -> dict[str, Any]:
        """Base URLs, demo credentials and seeded ids, as the command line prints them."""
        return {
            "urls": {v: self.url(v) for v in VENDORS},
            "credentials": {v: self.credentials(v) for v in VENDORS},
            "accounts": {v: self.account(v) for v in VENDORS if self.account(v)},
            "telecomx_customer_id": self.telecomx_customer_id,
            "telecomx_product_id": self.telecomx_product_id,
        }

    def _context(self) -> SandboxContext:
        if self._app is None:
            return SandboxContext(seed=self.seed, start=self.start)
        return self._app.context

    def __repr__(self) -> str:
        where = f"{self.host}:{self._port}" if self._port is not None else "not running"
        return f"<Sandbox {where} seed={self.seed}>"
