"""Prometheus metrics of ``maildns onboard watch``, and the endpoint that serves them.

:class:`WatchMetrics` is a watch observer (it hears of every check, domain count, event, DNS
answer and soft error) and a request observer of the engine (:mod:`maildns._core.observe`: every
vendor request, rate-limit wait and throttle). It keeps its metrics in a registry of its own,
never prometheus-client's global one, so that two watches in one process (or a test beside
another) never share a counter.

The names follow external-dns's where they mean the same thing
(``external_dns_controller_last_sync_timestamp_seconds`` becomes
``maildns_controller_last_sync_timestamp_seconds``); :data:`CONTRACT` lists every metric, its
type and its labels, and the docs' table is checked against it. No label holds a domain: a
label's values are vendors, operations, states, event kinds, status classes and DNS results,
a few dozen series whatever the number of domains watched.

:func:`serve_metrics` serves ``/metrics`` (the text format, or OpenMetrics when the scraper asks
for it) and ``/healthz`` (liveness: 200 while the loop ticks, 503 when it has said nothing for
longer than ``stale_after`` seconds) on a real socket, from a thread of its own.
"""

from __future__ import annotations

import platform
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Final, NamedTuple, Protocol

import maildns

from .._core import observe
from .._core.observe import StatusClass

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

NAMESPACE: Final = "maildns"
DNS_RESULTS: Final = ("served", "missing", "unknown")
DEFAULT_STALE_AFTER: Final = 7200.0
"""Seconds without a tick after which ``/healthz`` answers 503, unless told otherwise: two of
watch's default one-hour intervals."""
REQUEST_BUCKETS: Final = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
"""Seconds: a vendor answers in tens of milliseconds; a slow one in seconds; the engine's
deadline is 120 s."""


class EventLike(Protocol):
    """What the metrics read of an event: its kind (``record_missing``, ...)."""

    @property
    def kind(self) -> str: ...


class Metric(NamedTuple):
    """One metric of the contract: its name as exposed (a counter's without ``_total``, as
    prometheus-client's parser names the family), its type, its labels and what it means."""

    name: str
    type: str
    labels: tuple[str, ...]
    help: str


CONTRACT: Final[tuple[Metric, ...]] = (
    Metric(
        "maildns_build_info",
        "gauge",
        ("version", "python_version", "os", "arch"),
        "Always 1; labelled with the maildns version and the Python, OS and architecture it "
        "runs on.",
    ),
    Metric(
        "maildns_controller_last_reconcile_timestamp_seconds",
        "gauge",
        (),
        "Unix time the last domain check started (attempted).",
    ),
    Metric(
        "maildns_controller_last_sync_timestamp_seconds",
        "gauge",
        (),
        "Unix time of the last domain check that got every answer (successful).",
    ),
    Metric(
        "maildns_controller_consecutive_soft_errors",
        "gauge",
        (),
        "Checks in a row that failed softly (a vendor or nameserver not answering); 0 after "
        "a check that succeeds.",
    ),
    Metric(
        "maildns_watch_domains",
        "gauge",
        ("vendor", "state"),
        "Domains watched, by vendor and by the state watch last saw.",
    ),
    Metric(
        "maildns_watch_events",
        "counter",
        ("kind",),
        "Events (drift and its repair: record_missing, record_restored, ...) by kind.",
    ),
    Metric(
        "maildns_watch_dns_checks",
        "counter",
        ("result",),
        "Record checks at the authoritative nameservers, by result: served, missing or "
        "unknown (no answer: never drift).",
    ),
    Metric(
        "maildns_vendor_requests",
        "counter",
        ("vendor", "operation", "status_class"),
        "Requests sent to a vendor, by operation id and outcome (2xx, 3xx, 4xx, 5xx, or error: "
        "no complete answer); a DNS host's DNS messages (one that talks DNS, not HTTP) by kind "
        "(query, update, axfr) and their answer's RCODE (noerror, refused, notauth, ...).",
    ),
    Metric(
        "maildns_vendor_request_duration_seconds",
        "histogram",
        ("vendor", "operation"),
        "Seconds from sending a vendor request (or DNS message) to the end of its answer.",
    ),
    Metric(
        "maildns_vendor_rate_limit_waits",
        "counter",
        ("vendor",),
        "Requests that waited for a rate-limit permit before being sent.",
    ),
    Metric(
        "maildns_vendor_rate_limit_wait_seconds",
        "counter",
        ("vendor",),
        "Seconds requests spent waiting for rate-limit permits.",
    ),
    Metric(
        "maildns_vendor_throttles",
        "counter",
        ("vendor",),
        "Answers 429 (Too Many Requests) from a vendor.",
    ),
    Metric(
        "maildns_webhook_deliveries",
        "counter",
        ("outcome",),
        "Webhook events by how they ended: delivered, failed (retries used up, or refused "
        "with a 4xx) or dropped (the queue was full: the oldest is dropped).",
    ),
    Metric(
        "maildns_webhook_queue_length",
        "gauge",
        (),
        "Events waiting to be delivered to the webhook.",
    ),
)
"""Every metric :class:`WatchMetrics` exposes: the documented contract (tests hold the docs'
table and the scraped families to it)."""


class WatchMetrics:
    """The watch's metrics, in a registry of its own (see the module's docstring).

    It implements the watch observer (``check_attempted``, ``check_succeeded``, ``domains``,
    ``event``, ``dns_checked``, ``soft_errors``) and, between :meth:`subscribe` and
    :meth:`close`, the engine's request observer. ``clock`` (seconds, monotonic) times the
    liveness of ``/healthz``; it is a parameter so that a test drives it.
    """

    def __init__(
        self,
        *,
        stale_after: float = DEFAULT_STALE_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        self.registry: CollectorRegistry = _registry()
        self.stale_after = stale_after
        self._clock = clock
        self._last_tick = clock()
        self._lock = threading.Lock()
        self._domain_keys: set[tuple[str, str]] = set()
        spec = {m.name: m for m in CONTRACT}

        def gauge(name: str) -> Gauge:
            m = spec[name]
            return Gauge(m.name, m.help, m.labels, registry=self.registry)

        def counter(name: str) -> Counter:
            m = spec[name]
            return Counter(m.name, m.help, m.labels, registry=self.registry)

        build = gauge("maildns_build_info")
        build.labels(
            version=maildns.__version__,
            python_version=platform.python_version(),
            os=platform.system().lower(),
            arch=platform.machine().lower(),
        ).set(1)
        self._attempted = gauge("maildns_controller_last_reconcile_timestamp_seconds")
        self._succeeded = gauge("maildns_controller_last_sync_timestamp_seconds")
        self._soft_errors = gauge("maildns_controller_consecutive_soft_errors")
        self._domains = gauge("maildns_watch_domains")
        self._events = counter("maildns_watch_events")
        self._dns = counter("maildns_watch_dns_checks")
        for result in DNS_RESULTS:  # every result shows from the start, at 0
            self._dns.labels(result=result)
        self._requests = counter("maildns_vendor_requests")
        duration = spec["maildns_vendor_request_duration_seconds"]
        self._durations = Histogram(
            duration.name,
            duration.help,
            duration.labels,
            buckets=REQUEST_BUCKETS,
            registry=self.registry,
        )
        self._waits = counter("maildns_vendor_rate_limit_waits")
        self._waited = counter("maildns_vendor_rate_limit_wait_seconds")
        self._throttles = counter("maildns_vendor_throttles")
        self._deliveries = counter("maildns_webhook_deliveries")
        for outcome in ("delivered", "failed", "dropped"):
            self._deliveries.labels(outcome=outcome)
        self._queue = gauge("maildns_webhook_queue_length")

    # --- liveness -----------------------------------------------------------------------------
    def _tick(self) -> None:
        self._last_tick = self._clock()

    def healthy(self) -> bool:
        """Whether the loop said something (a check, its domain counts, its soft errors)
        within the last ``stale_after`` seconds (counted from now when nothing came yet)."""
        return self._clock() - self._last_tick <= self.stale_after

    # --- the watch observer -------------------------------------------------------------------
    def check_attempted(self, at: float) -> None:
        self._tick()
        self._attempted.set(at)

    def check_succeeded(self, at: float) -> None:
        self._tick()
        self._succeeded.set(at)

    def domains(self, counts: Mapping[tuple[str, str], int]) -> None:
        """The domains by (vendor, state) now; a pair no longer counted goes to 0 (a series
        that vanished would read as "no data" rather than "none")."""
        self._tick()
        with self._lock:
            for vendor, state in self._domain_keys - set(counts):
                self._domains.labels(vendor=vendor, state=state).set(0)
            for (vendor, state), n in counts.items():
                self._domains.labels(vendor=vendor, state=state).set(n)
            self._domain_keys |= set(counts)

    def event(self, event: EventLike) -> None:
        self._events.labels(kind=event.kind).inc()

    def dns_checked(self, result: str) -> None:
        self._dns.labels(result=result).inc()

    def soft_errors(self, consecutive: int) -> None:
        self._tick()
        self._soft_errors.set(consecutive)

    # --- the webhook's outcomes ---------------------------------------------------------------
    def webhook_delivery(self, outcome: str) -> None:
        """A webhook event ``delivered``, ``failed`` or ``dropped``."""
        self._deliveries.labels(outcome=outcome).inc()

    def webhook_queue(self, length: int) -> None:
        self._queue.set(length)

    # --- the engine's request observer --------------------------------------------------------
    def request(self, vendor: str, operation: str, status: StatusClass, seconds: float) -> None:
        self._requests.labels(vendor=vendor, operation=operation, status_class=status).inc()
        self._durations.labels(vendor=vendor, operation=operation).observe(seconds)

    def rate_limit_wait(self, vendor: str, seconds: float) -> None:
        self._waits.labels(vendor=vendor).inc()
        self._waited.labels(vendor=vendor).inc(seconds)

    def throttled(self, vendor: str) -> None:
        self._throttles.labels(vendor=vendor).inc()

    def subscribe(self) -> WatchMetrics:
        """Hear of every vendor request of the process from now on (until :meth:`close`)."""
        observe.subscribe(self)
        return self

    def close(self) -> None:
        observe.unsubscribe(self)

    def exposition(self, accept: str | None = None) -> tuple[bytes, str]:
        """The metrics as a scrape gets them: the body and its content type (OpenMetrics
        when ``accept`` asks for it, else Prometheus's text format)."""
        from prometheus_client.exposition import choose_encoder

        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type


def _registry() -> CollectorRegistry:
    """A registry whose counters and histograms show no ``_created`` series: they would
    double the series for a time no alert reads (the process's start is in every sample's
    scrape), and prometheus-client's switch for them is global to the process."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.metrics_core import Metric as Family

    class Registry(CollectorRegistry):
        def collect(self) -> Iterator[Family]:
            for family in super().collect():
                family.samples = [s for s in family.samples if not s.name.endswith("_created")]
                yield family

    return Registry(auto_describe=True)


class MetricsServer:
    """A running ``/metrics`` and ``/healthz`` endpoint (see :func:`serve_metrics`)."""

    def __init__(self, server: ThreadingHTTPServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        """The port it listens on (the one the system chose, when asked for port 0)."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = self.host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    def close(self) -> None:
        """Stop serving, wait for the serving thread, and close the socket."""
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()

    def __enter__(self) -> MetricsServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _handler(metrics: WatchMetrics) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "maildns-watch"
        sys_version = ""

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                body, content_type = metrics.exposition(self.headers.get("Accept"))
                self._answer(200, body, content_type)
            elif path == "/healthz":
                ok = metrics.healthy()
                text = b"ok\n" if ok else b"stale: no check within the liveness bound\n"
                self._answer(200 if ok else 503, text, "text/plain; charset=utf-8")
            else:
                self._answer(404, b"not found: try /metrics or /healthz\n", "text/plain")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # a scrape every few seconds is not news

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


def serve_metrics(metrics: WatchMetrics, port: int, host: str = "127.0.0.1") -> MetricsServer:
    """Serve ``metrics`` at ``http://host:port/metrics`` and ``/healthz`` from a thread of its
    own until :meth:`MetricsServer.close` (port 0: any free port, see ``.port``). An address
    already in use raises ``OSError``."""
    server_class = _Server6 if ":" in host else _Server
    server = server_class((host, port), _handler(metrics))
    thread = threading.Thread(
        target=server.serve_forever, name="maildns-metrics", kwargs={"poll_interval": 0.5}
    )
    thread.daemon = True
    thread.start()
    return MetricsServer(server, thread)
