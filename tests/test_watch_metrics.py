"""The watch's Prometheus metrics (``maildns.onboarding._metrics``): scraped over HTTP from a real
``serve_metrics`` socket and parsed with prometheus-client's own parser. The names, types and
labels are a contract, held to the table of the docs; the vendor request metrics count real
requests of real clients to the sandbox (``maildns._core.observe``).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

import maildns
from maildns import onboarding
from maildns._core import observe
from maildns.errors import APIStatusError, NotFoundError
from maildns.onboarding._metrics import CONTRACT, MetricsServer, WatchMetrics, serve_metrics
from maildns.sandbox import Sandbox

from .test_bulk import bulk_config
from .test_webhook import SECRET, Receiver
from .test_webhook import receiver as receiver  # the fixture, for the command's webhook

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "reference" / "metrics.md"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Event:
    """A stand-in for the watch's event: the metrics read its kind only."""

    kind: str
    domain: str = "mail.example.com"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def metrics(clock: FakeClock) -> Iterator[WatchMetrics]:
    watched = WatchMetrics(stale_after=600, clock=clock).subscribe()
    yield watched
    watched.close()


@pytest.fixture
def server(metrics: WatchMetrics) -> Iterator[MetricsServer]:
    with serve_metrics(metrics, 0) as serving:
        yield serving


def scrape(server: MetricsServer) -> dict[str, tuple[str, list[Sample]]]:
    response = httpx.get(server.url + "/metrics", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        family.name: (family.type, family.samples)
        for family in text_string_to_metric_families(response.text)
    }


def value(families: dict[str, tuple[str, list[Sample]]], sample: str, **labels: str) -> float:
    family = re.sub(r"_(total|count|sum|bucket)$", "", sample)
    found = [
        s.value
        for s in families[family][1]
        if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    return sum(found)


def documented(page: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    """The table of metrics of a docs page: (name, type, labels) per row."""
    rows = []
    for line in page.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`maildns_"):
            labels = tuple(re.findall(r"`([a-z_]+)`", cells[2]))
            rows.append((cells[0].strip("`"), cells[1], labels))
    return rows


def guide_page() -> Path:
    """The guide's page with the metrics (its "## Metrics" section)."""
    guide = ROOT / "docs" / "guide"
    (page,) = [p for p in sorted(guide.glob("*.md")) if "`maildns_build_info`" in p.read_text()]
    return page


def test_the_docs_tables_are_the_contract() -> None:
    contract = [(m.name, m.type, m.labels) for m in CONTRACT]
    assert documented(REFERENCE) == contract
    assert documented(guide_page()) == contract
    meanings = {m.name: m.help for m in CONTRACT}
    for page in (REFERENCE, guide_page()):  # and each row says what the metric means
        for name, meaning in meanings.items():
            assert f"| {meaning} |" in page.read_text(), (page.name, name)


def test_every_scraped_family_has_the_contracts_name_type_and_labels(
    metrics: WatchMetrics, server: MetricsServer
) -> None:
    # Fill every labelled family, so that its label set shows in the scrape.
    metrics.domains({("tesouro", "verified"): 1})
    metrics.event(Event("record_missing"))
    metrics.request("tesouro", "listMailboxDomains", "2xx", 0.01)
    metrics.rate_limit_wait("tesouro", 0.5)
    metrics.throttled("tesouro")
    families = scrape(server)
    assert {n: t for n, (t, _) in families.items()} == {m.name: m.type for m in CONTRACT}
    for metric in CONTRACT:
        _, samples = families[metric.name]
        assert samples, f"{metric.name} shows no sample"
        for sample in samples:
            names = set(sample.labels) - {"le"}  # a histogram's bucket bound
            assert names == set(metric.labels), (metric.name, sample)
            assert "domain" not in sample.labels  # low cardinality: never a label per domain
    (build,) = families["maildns_build_info"][1]
    assert build.value == 1
    assert build.labels["version"] == maildns.__version__


def test_the_watch_observer_calls_show_in_the_scrape(
    metrics: WatchMetrics, server: MetricsServer
) -> None:
    metrics.check_attempted(1_700_000_000.0)
    metrics.check_succeeded(1_699_999_000.0)
    metrics.domains({("tesouro", "verified"): 3, ("ciirus", "pending"): 2})
    metrics.domains({("tesouro", "verified"): 4, ("tesouro", "unverified"): 1})
    for kind in ("record_missing", "record_missing", "vendor_unverified"):
        metrics.event(Event(kind))
    for result in ("served", "served", "missing", "unknown"):
        metrics.dns_checked(result)
    metrics.soft_errors(3)
    metrics.webhook_delivery("delivered")
    metrics.webhook_delivery("dropped")
    metrics.webhook_queue(7)
    f = scrape(server)
    assert value(f, "maildns_controller_last_reconcile_timestamp_seconds") == 1_700_000_000.0
    assert value(f, "maildns_controller_last_sync_timestamp_seconds") == 1_699_999_000.0
    assert value(f, "maildns_watch_domains", vendor="tesouro", state="verified") == 4
    assert value(f, "maildns_watch_domains", vendor="tesouro", state="unverified") == 1
    # a pair no longer counted reads 0, not "no data"
    assert value(f, "maildns_watch_domains", vendor="ciirus", state="pending") == 0
    assert value(f, "maildns_watch_events_total", kind="record_missing") == 2
    assert value(f, "maildns_watch_events_total", kind="vendor_unverified") == 1
    assert value(f, "maildns_watch_dns_checks_total", result="served") == 2
    assert value(f, "maildns_watch_dns_checks_total", result="missing") == 1
    assert value(f, "maildns_watch_dns_checks_total", result="unknown") == 1
    assert value(f, "maildns_controller_consecutive_soft_errors") == 3
    assert value(f, "maildns_webhook_deliveries_total", outcome="delivered") == 1
    assert value(f, "maildns_webhook_deliveries_total", outcome="dropped") == 1
    assert value(f, "maildns_webhook_deliveries_total", outcome="failed") == 0
    assert value(f, "maildns_webhook_queue_length") == 7


def test_healthz_is_200_while_the_loop_ticks_and_503_once_it_is_stale(
    metrics: WatchMetrics, server: MetricsServer, clock: FakeClock
) -> None:
    def health() -> int:
        return httpx.get(server.url + "/healthz", timeout=30).status_code

    assert health() == 200  # just started: the bound counts from the start
    clock.now += 600
    assert health() == 200
    clock.now += 1
    assert health() == 503
    metrics.check_attempted(1_700_000_000.0)
    assert health() == 200
    clock.now += 601
    assert health() == 503
    metrics.soft_errors(1)  # a loop that fails softly still ticks
    assert health() == 200
    assert httpx.get(server.url + "/nothing", timeout=30).status_code == 404


def test_openmetrics_is_served_to_a_scraper_that_asks(server: MetricsServer) -> None:
    response = httpx.get(
        server.url + "/metrics",
        headers={"Accept": "application/openmetrics-text; version=1.0.0"},
        timeout=30,
    )
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


def test_serve_metrics_stops_cleanly_and_frees_its_port(metrics: WatchMetrics) -> None:
    serving = serve_metrics(metrics, 0)
    port = serving.port
    assert httpx.get(serving.url + "/healthz", timeout=30).status_code == 200
    serving.close()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30)
    again = serve_metrics(metrics, port)  # the port is free again
    again.close()


def _by_class(statuses: dict[str, int]) -> dict[str, int]:
    classes: dict[str, int] = {}
    for status, n in statuses.items():
        key = f"{status[0]}xx"
        classes[key] = classes.get(key, 0) + n
    return classes


def test_vendor_requests_of_real_clients_are_counted_as_the_sandbox_counted_them(
    metrics: WatchMetrics, server: MetricsServer, sb: Sandbox
) -> None:
    sb.stats(reset=True)
    sb.inject_fault("tesouro", "GET", "/finops/v1/mailbox-domains", status=503)
    with maildns.Tesouro(
        base_url=sb.url("tesouro"), **sb.credentials("tesouro"), max_retries=0
    ) as tesouro:
        tesouro.create_sending_domain("mail.example.com")
        with pytest.raises(APIStatusError):
            tesouro.get_sending_domain("mail.example.com")  # the 503
        with pytest.raises(NotFoundError):  # read from the listing: a 2xx
            tesouro.get_sending_domain("nowhere.example.com")

    async def asynchronously() -> None:
        async with maildns.AsyncTesouro(
            base_url=sb.url("tesouro"), **sb.credentials("tesouro")
        ) as tesouro:
            await tesouro.get_sending_domain("mail.example.com")

    asyncio.run(asynchronously())
    f = scrape(server)
    counted = sb.stats()["tesouro"]["operations"]
    assert counted, "the sandbox counted no request"
    for operation, statuses in counted.items():
        for status_class, n in _by_class(statuses).items():
            shown = value(
                f,
                "maildns_vendor_requests_total",
                vendor="tesouro",
                operation=operation,
                status_class=status_class,
            )
            assert shown == n, (operation, status_class)
        total = sum(statuses.values())
        assert (
            value(
                f,
                "maildns_vendor_request_duration_seconds_count",
                vendor="tesouro",
                operation=operation,
            )
            == total
        )
    assert _by_class(counted["createAccessToken"]) == {"2xx": 2}  # one token per client
    assert _by_class(counted["createMailboxDomain"]) == {"2xx": 1}
    assert _by_class(counted["listMailboxDomains"])["5xx"] == 1


def test_a_refused_connection_is_an_error_and_a_429_a_throttle(
    metrics: WatchMetrics, server: MetricsServer, sb: Sandbox, unused_port: int
) -> None:
    sb.inject_fault("tesouro", "GET", "/finops/v1/mailbox-domains", status=429, retry_after=0)
    with (
        maildns.Tesouro(
            base_url=sb.url("tesouro"), **sb.credentials("tesouro"), max_retries=0
        ) as tesouro,
        pytest.raises(APIStatusError),
    ):
        tesouro.get_sending_domain("mail.example.com")
    with (
        maildns.Tesouro(
            base_url=f"http://127.0.0.1:{unused_port}",
            **sb.credentials("tesouro"),
            max_retries=0,
        ) as nowhere,
        pytest.raises(maildns.errors.APIConnectionError),
    ):
        nowhere.get_sending_domain("mail.example.com")
    f = scrape(server)
    assert value(f, "maildns_vendor_throttles_total", vendor="tesouro") == 1
    assert (
        value(
            f,
            "maildns_vendor_requests_total",
            vendor="tesouro",
            operation="listMailboxDomains",
            status_class="4xx",
        )
        == 1
    )
    # the first request of a client with no token yet is its token request: refused too
    assert value(f, "maildns_vendor_requests_total", vendor="tesouro", status_class="error") == 1


def test_a_request_that_waits_for_a_permit_is_counted_with_its_wait(
    metrics: WatchMetrics, server: MetricsServer, sb: Sandbox
) -> None:
    # One request a second: the second and third must wait for a permit, whatever the
    # machine's speed (the permits count 1.05 s windows).
    with maildns.Tesouro(
        base_url=sb.url("tesouro"), **sb.credentials("tesouro"), rate_limit=1
    ) as tesouro:
        tesouro.create_sending_domain("mail.example.com")
        tesouro.get_sending_domain("mail.example.com")
    f = scrape(server)
    assert value(f, "maildns_vendor_rate_limit_waits_total", vendor="tesouro") >= 1
    assert value(f, "maildns_vendor_rate_limit_wait_seconds_total", vendor="tesouro") > 0


def test_nobody_hears_after_close_and_a_failing_observer_never_fails_a_request(
    sb: Sandbox,
) -> None:
    watched = WatchMetrics().subscribe()
    watched.close()
    assert watched not in observe.observers

    class Broken:
        def request(self, *args: object) -> None:
            raise RuntimeError("broken observer")

        def rate_limit_wait(self, *args: object) -> None:
            raise RuntimeError("broken observer")

        def throttled(self, *args: object) -> None:
            raise RuntimeError("broken observer")

    broken = Broken()
    observe.subscribe(broken)
    try:
        with maildns.Tesouro(base_url=sb.url("tesouro"), **sb.credentials("tesouro")) as t:
            assert t.create_sending_domain("mail.example.com").domain == "mail.example.com"
    finally:
        observe.unsubscribe(broken)
    assert observe.observers == ()
    text = watched.exposition()[0].decode()
    families = {f.name: (f.type, f.samples) for f in text_string_to_metric_families(text)}
    assert value(families, "maildns_vendor_requests_total") == 0  # closed before the request


def test_nobody_listening_costs_no_call(sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    assert observe.observers == ()

    def told(*args: object) -> None:
        raise AssertionError("an observer was told with nobody subscribed")

    monkeypatch.setattr(observe, "tell_request", told)
    monkeypatch.setattr(observe, "tell_wait", told)
    with maildns.Tesouro(
        base_url=sb.url("tesouro"), **sb.credentials("tesouro"), rate_limit=1
    ) as tesouro:
        tesouro.create_sending_domain("mail.example.com")
        tesouro.get_sending_domain("mail.example.com")  # waits for a permit: still no call


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


# --- the command: a real `maildns onboard watch` with its metrics and webhook -----------------
MAILDNS = Path(sys.executable).with_name("maildns")
WATCHED = 3
BOUND = 300.0  # a bound on a watch that hangs, never on its speed


class Lines:
    """A child's stream read line by line on a thread of its own, as it comes."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, predicate: Callable[[str], bool], what: str) -> str:
        end = time.monotonic() + BOUND
        while True:
            for line in list(self.lines):
                if predicate(line):
                    return line
            assert time.monotonic() < end, f"gave up waiting for {what}: {self.lines[-5:]}"
            time.sleep(0.05)

    def join(self) -> None:
        self._thread.join(BOUND)


def _poll(server_url: str, until: Callable[[dict[str, tuple[str, list[Sample]]]], bool]) -> Any:
    end = time.monotonic() + BOUND
    while True:
        text = httpx.get(server_url + "/metrics", timeout=30).text
        families = {f.name: (f.type, f.samples) for f in text_string_to_metric_families(text)}
        if until(families):
            return families
        assert time.monotonic() < end, "gave up waiting on the metrics"
        time.sleep(0.1)


@pytest.mark.long
def test_the_watch_command_serves_metrics_and_signs_webhooks(
    sandbox_env: Sandbox, tmp_path: Path, receiver: Receiver
) -> None:
    sb = sandbox_env
    config = bulk_config(tmp_path / "watch.yaml", sb, WATCHED)
    applied = onboarding.apply(config)
    assert not applied.failed
    assert not applied.unknown
    assert all(r.verified for r in onboarding.verify(config))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MAILDNS_LOG")},
        "MAILDNS_WEBHOOK_SECRET": SECRET,
        "MAILDNS_LOG_FORMAT": "json",
    }
    child = subprocess.Popen(
        [
            str(MAILDNS),
            "onboard",
            "watch",
            str(config),
            "--interval",
            "6s",
            "--budget",
            "100%",
            "--metrics-port",
            "0",
            "--webhook",
            receiver.url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None
        assert child.stderr is not None
        out, err = Lines(child.stdout), Lines(child.stderr)
        serving = err.wait_for(lambda line: "serving metrics at" in line, "the metrics endpoint")
        url = re.search(r"(http://\S+)/metrics", json.loads(serving)["message"])
        assert url is not None
        base = url.group(1)
        assert base.startswith("http://127.0.0.1:")
        # the counts come before the first check (from the journal): wait for a check too
        f = _poll(
            base,
            lambda f: (
                value(f, "maildns_controller_last_sync_timestamp_seconds") > 0
                and value(f, "maildns_watch_domains", vendor="tesouro", state="verified") == WATCHED
            ),
        )
        assert value(f, "maildns_watch_dns_checks_total", result="served") > 0
        # the watch's own reads, counted by the engine's hook: Tesouro's listing
        assert (
            value(
                f,
                "maildns_vendor_requests_total",
                vendor="tesouro",
                operation="listMailboxDomains",
                status_class="2xx",
            )
            >= 1
        )
        assert httpx.get(base + "/healthz", timeout=30).status_code == 200

        sb.unverify("tesouro", "mail.c1.example")  # drift: one event, to stdout and the hook
        f = _poll(
            base,
            lambda f: value(f, "maildns_webhook_deliveries_total", outcome="delivered") >= 1,
        )
        assert value(f, "maildns_watch_events_total", kind="vendor_unverified") == 1
        line = out.wait_for(lambda line: "vendor_unverified" in line, "the event on stdout")
        # checked by verify_signature on arrival
        (delivered,) = [e for e in receiver.accepted if e["kind"] == "vendor_unverified"]
        assert delivered == json.loads(line)
        assert delivered["domain"] == "mail.c1.example"
        assert "vendor_unverified" in {h["Maildns-Event"] for h in receiver.headers}
    finally:
        child.send_signal(signal.SIGTERM)
        code = child.wait(BOUND)
    out.join()
    err.join()
    assert code == 0, err.lines[-5:]
    for line in err.lines:  # every stderr line a JSON object
        assert {"time", "level", "logger", "message"} <= set(json.loads(line))
    for line in out.lines + err.lines:
        assert SECRET not in line
    with pytest.raises(httpx.ConnectError):  # stopped with the watch
        httpx.get(base + "/healthz", timeout=30)


@pytest.mark.long
def test_the_watch_command_refuses_bad_settings_before_anything_is_sent(
    sandbox_env: Sandbox, tmp_path: Path
) -> None:
    sb = sandbox_env
    config = bulk_config(tmp_path / "watch.yaml", sb, 1)
    base = {k: v for k, v in os.environ.items() if not k.startswith("MAILDNS_WEBHOOK")}

    def watch(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(MAILDNS), "onboard", "watch", str(config), "--once", *args],
            capture_output=True,
            text=True,
            env={**base, **env},
            timeout=BOUND,
        )

    sb.stats(reset=True)
    no_secret = watch("--webhook", "https://hooks.example.com/maildns")
    assert no_secret.returncode == 1
    assert no_secret.stderr.strip().splitlines() == [
        "error: --webhook needs the shared secret in MAILDNS_WEBHOOK_SECRET (it is not set)"
    ]
    short = watch("--webhook", "https://hooks.example.com/x", MAILDNS_WEBHOOK_SECRET="short")
    assert short.returncode == 1
    assert "at least 16 characters" in short.stderr
    assert "got 5" in short.stderr  # its length, never its value
    bad_url = watch("--webhook", "ftp://hooks.example.com/x", MAILDNS_WEBHOOK_SECRET=SECRET)
    assert bad_url.returncode == 64
    assert "http:// or https://" in bad_url.stderr
    bad_port = watch("--metrics-port", "70000")
    assert bad_port.returncode == 64
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        in_use = watch("--metrics-port", str(port))
    assert in_use.returncode == 1
    assert in_use.stderr.strip().splitlines() == [
        f"error: --metrics-port {port} on 127.0.0.1: Address already in use"
    ]
    assert sb.stats()["tesouro"]["requests"] == 0
