"""``maildns onboard watch`` against the sandbox and its DNS, hours compressed with its clock.

One sandbox for the module and 200 domains onboarded and verified once, made as the watch bench
makes its world (``scripts/bench_seed.py``): the first through ``apply`` and ``verify``, the other
199 given what those left by the sandbox's own controls and the journal's steps (which
``tests/test_bench_watch.py`` shows are what ``apply`` and ``verify`` leave). A dozen more
(``small``), and the few some tests make, go through ``apply`` and ``verify``, so the module
also watches domains onboarded for real. Each test drifts domains of its own (a DKIM record
deleted, an SPF record edited by hand, a domain unverified at the vendor) and runs a watch for
one interval on the sandbox's clock, which moves only when watch sleeps: no assertion depends on
how fast the machine is. Drift left behind by one test is steady state for the next (an event
is a change, not a level).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import stamina

import maildns
from maildns import DnsRecord, onboarding
from maildns.onboarding import WatchError
from maildns.onboarding._watch import (
    LISTINGS_PER_INTERVAL,
    OUTAGE_AFTER,
    Progress,
    Watcher,
    duration,
    window,
)
from maildns.sandbox import Sandbox, SandboxError
from maildns.sandbox._serving import environment

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import bench_seed  # noqa: E402

# One worker runs the module (its onboarded sandbox is built once), and starts it early.
pytestmark = [pytest.mark.xdist_group("watch_onboard"), pytest.mark.long]

DOMAINS = 200
SMALL = 12
"""The domains of the second configuration, for the tests that need no 200."""
MAILDNS = Path(sys.executable).parent / "maildns"
HOUR = 3600.0


class Recorder:
    """The sandbox's rate clock: real time while the module sets up, the sandbox's clock while
    a watch runs, when it also notes the (sandbox) time of every Tesouro request it admits."""

    def __init__(self) -> None:
        self.sandbox: Sandbox | None = None
        self.times: list[float] | None = None

    def __call__(self) -> float:
        if self.times is None or self.sandbox is None:
            return time.monotonic()
        now = self.sandbox.now().timestamp()
        self.times.append(now)
        return now


class SandboxClock:
    """Watch's clock: the sandbox's; a sleep moves it (and lets the loop run)."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb

    def now(self) -> float:
        return self.sb.now().timestamp()

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sb.advance_clock(seconds)
        await asyncio.sleep(0)


class Observed:
    """A :class:`WatchObserver` that keeps what it hears."""

    def __init__(self) -> None:
        self.attempted: list[float] = []
        self.succeeded = 0
        self.counts: list[dict[tuple[str, str], int]] = []
        self.events: list[Any] = []
        self.dns: Counter[str] = Counter()
        self.soft: list[int] = []

    def check_attempted(self, at: float) -> None:
        self.attempted.append(at)

    def check_succeeded(self, at: float) -> None:
        self.succeeded += 1

    def domains(self, counts: Mapping[tuple[str, str], int]) -> None:
        self.counts.append(dict(counts))

    def event(self, event: Any) -> None:
        self.events.append(event)

    def dns_checked(self, result: str) -> None:
        self.dns[result] += 1

    def soft_errors(self, consecutive: int) -> None:
        self.soft.append(consecutive)


def write_config(path: Path, sb: Sandbox, prefix: str, count: int, first: int = 0) -> Path:
    """Domains ``first`` to ``count - 1`` at Tesouro, each in its own zone
    (``mail.<prefix><i>.example``)."""
    account = f'{{customer: "{sb.telecomx_customer_id}", product: "{sb.telecomx_product_id}"}}'
    zones = "".join(f"    {prefix}{i}.example: {account}\n" for i in range(first, count))
    domains = "".join(
        f"  - domain: mail.{prefix}{i}.example\n    tesouro: {{}}\n" for i in range(first, count)
    )
    path.write_text(f"version: 1\ndns:\n  vendor: telecomx\n  zones:\n{zones}domains:\n{domains}")
    return path


def onboarded(folder: Path, sb: Sandbox, prefix: str, count: int) -> Path:
    config = write_config(folder / f"{prefix}.yaml", sb, prefix, count)
    applied = onboarding.apply(config, concurrency=32)
    assert not applied.failed
    assert not applied.unknown
    reports = onboarding.verify(config, concurrency=32)
    assert all(r.verified for r in reports), [r for r in reports if not r.verified][:1]
    return config


World = tuple[Sandbox, Path, Recorder]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Recorder, Path]]:
    recorder = Recorder()
    stamina.set_testing(True, attempts=10, cap=True)
    with Sandbox(rate_clock=recorder) as sb, pytest.MonkeyPatch.context() as patch:
        recorder.sandbox = sb
        given, unset = environment(sb)
        for name, value in given.items():
            patch.setenv(name, value)
        for name in (*unset, "MAILDNS_STATE"):
            patch.delenv(name, raising=False)
        yield sb, recorder, tmp_path_factory.mktemp("watch")
    stamina.set_testing(False)


@pytest.fixture(scope="module")
def world(sandbox: tuple[Sandbox, Recorder, Path]) -> World:
    """200 domains onboarded and verified (``mail.c<i>.example``): the first for real, the rest
    seeded from it (apply and verify of 200 domains over HTTP were most of the module's CPU)."""
    sb, recorder, folder = sandbox
    config = bench_seed.seed(sb, folder / "c.yaml", DOMAINS, "c")
    with maildns.Tesouro() as tesouro:  # seeding asserts nothing itself: one listing does
        status = {d.domain: d.status for d in tesouro.list_sending_domains()}
    assert [status.get(domain(i)) for i in range(DOMAINS)] == ["verified"] * DOMAINS
    return sb, config, recorder


@pytest.fixture(scope="module")
def small(sandbox: tuple[Sandbox, Recorder, Path]) -> World:
    """A dozen more, under a configuration (and journal rows) of their own
    (``mail.s<i>.example``)."""
    sb, recorder, folder = sandbox
    config = onboarded(folder, sb, "s", SMALL)
    assert watch_once((sb, config, recorder), interval=60) == []
    return sb, config, recorder


def watch_once(world: World, *, interval: float = HOUR, **given: Any) -> list[dict[str, Any]]:
    """One interval of watch on the sandbox's clock; its events as JSON."""
    sb, config, _ = world
    events: list[dict[str, Any]] = []
    arguments: dict[str, Any] = {"concurrency": 16, **given}
    asyncio.run(
        onboarding.awatch(
            config,
            interval=interval,
            once=True,
            clock=SandboxClock(sb),
            on_event=lambda e: events.append(e.to_json()),
            **arguments,
        )
    )
    return events


def domain(i: int | str) -> str:
    return f"mail.{zone_of(i)}"


def zone_of(i: int | str) -> str:
    return f"c{i}.example" if isinstance(i, int) else f"{i}.example"


def record_at(i: int | str, match: Callable[[DnsRecord], bool]) -> DnsRecord:
    with maildns.TelecomX() as dns:
        return next(r for r in dns.get_zone(zone_of(i)).records if match(r))


def is_dkim(i: int | str) -> Callable[[DnsRecord], bool]:
    return lambda r: r.name.endswith(f"._domainkey.{domain(i)}")


def is_spf(i: int | str) -> Callable[[DnsRecord], bool]:
    return lambda r: r.name == domain(i) and r.value.startswith("v=spf1")


def delete_dkim(i: int | str) -> DnsRecord:
    record = record_at(i, is_dkim(i))
    with maildns.TelecomX() as dns:
        dns.delete_record(zone_of(i), record)
    return record


FOREIGN_SPF = "v=spf1 include:_spf.google.com ~all"


def edit_spf(i: int | str) -> None:
    """Someone replaces the domain's SPF record, dropping Tesouro's include."""
    record = record_at(i, is_spf(i))
    with maildns.TelecomX() as dns:
        dns.update_record(zone_of(i), record, FOREIGN_SPF)


def kinds(events: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    return sorted((e["kind"], e["domain"], e["vendor"]) for e in events)


def writes(sb: Sandbox) -> dict[str, dict[str, Any]]:
    """The operations other than reads (and the access token) each vendor answered."""
    reads = {"listMailboxDomains", "createAccessToken", "getZone", "listZones"}
    return {
        vendor: {op: n for op, n in counted["operations"].items() if op not in reads}
        for vendor, counted in sb.stats().items()
        if any(op not in reads for op in counted["operations"])
    }


# --- drift ------------------------------------------------------------------------------------
def test_each_drift_is_one_event_nothing_is_written_and_a_restart_replays_none(
    world: World,
) -> None:
    sb, _, _ = world
    first = watch_once(world)
    assert first == [], first  # all healthy: nothing to say

    dkim = delete_dkim(1)
    edit_spf(2)
    sb.unverify("tesouro", domain(3))
    sb.stats(reset=True)
    observed = Observed()
    events = watch_once(world, observer=observed)
    assert kinds(events) == [
        ("record_changed", domain(2), "tesouro"),
        ("record_missing", domain(1), "tesouro"),
        ("vendor_unverified", domain(3), "tesouro"),
    ]
    missing = next(e for e in events if e["kind"] == "record_missing")
    assert missing["version"] == 1
    assert missing["record"] == {"name": dkim.name, "type": "TXT", "expected": dkim.value}
    assert [a["state"] for a in missing["answers"]] == ["missing", "missing"]  # ns1 and ns2
    changed = next(e for e in events if e["kind"] == "record_changed")
    assert all(FOREIGN_SPF in a["values"] for a in changed["answers"])
    # Without --repair: reads only. Tesouro's only read is its whole listing: one serves every
    # check of its window (a minute of the hour), so the hour takes at most interval / W + 1 of
    # them, not one per domain. (Fewer when checks in flight share a listing being fetched:
    # how many overlap depends on the machine, so only the bound is asserted.)
    assert writes(sb) == {}
    listed = sb.stats()["tesouro"]["operations"]["listMailboxDomains"]
    assert set(listed) == {"200"}
    assert 1 <= listed["200"] <= HOUR / window(HOUR) + 1 == LISTINGS_PER_INTERVAL + 1 < DOMAINS
    # Every domain checked once, spread evenly over the hour.
    assert len(observed.attempted) == DOMAINS
    gaps = [b - a for a, b in zip(observed.attempted, sorted(observed.attempted)[1:], strict=False)]
    assert max(gaps) <= 2 * HOUR / DOMAINS + 1
    assert observed.counts[-1] == {("tesouro", "verified"): DOMAINS - 1, ("tesouro", "pending"): 1}
    assert [e.kind for e in observed.events] == [e["kind"] for e in events]

    # A restart on the same journal: what was seen is remembered, nothing is replayed.
    assert watch_once(world) == []


def test_repair_restores_what_maildns_owns_and_leaves_a_foreign_edit(small: World) -> None:
    dkim = delete_dkim("s1")
    edit_spf("s2")
    spf = record_at("s6", is_spf("s6"))
    with maildns.TelecomX() as dns:  # the SPF record maildns merged, deleted whole
        dns.delete_record(zone_of("s6"), spf)
    # (Another test's steady drift in what maildns owns, repaired too, is not this test's.)
    mine = {domain("s1"), domain("s2"), domain("s6")}
    events = [e for e in watch_once(small, interval=60, repair=True) if e["domain"] in mine]
    assert kinds(events) == [
        ("record_changed", domain("s2"), "tesouro"),
        ("record_missing", domain("s1"), "tesouro"),
        ("record_missing", domain("s6"), "tesouro"),
        ("repair_refused", domain("s2"), "tesouro"),
        ("repaired", domain("s1"), "telecomx"),
        ("repaired", domain("s6"), "telecomx"),
    ]
    assert record_at("s1", is_dkim("s1")).value == dkim.value  # put back
    assert record_at("s6", is_spf("s6")).value == spf.value
    assert record_at("s2", is_spf("s2")).value == FOREIGN_SPF  # left alone
    refused = next(e for e in events if e["kind"] == "repair_refused")
    assert "edited outside maildns" in refused["detail"]
    # The next interval sees it served again: one event; the foreign edit was reported once.
    again = [e for e in watch_once(small, interval=60, repair=True) if e["domain"] in mine]
    assert kinds(again) == [
        ("record_restored", domain("s1"), "tesouro"),
        ("record_restored", domain("s6"), "tesouro"),
    ]


def test_receivers_refusing_is_one_event_and_one_when_they_accept_again(small: World) -> None:
    dmarc = record_at("s3", lambda r: r.name == f"_dmarc.{domain('s3')}")
    with maildns.TelecomX() as dns:
        dns.delete_record(zone_of("s3"), dmarc)
    try:
        events = watch_once(small, interval=60)
    finally:
        with maildns.TelecomX() as dns:
            dns.add_record(zone_of("s3"), dmarc)
    assert kinds(events) == [("compliance_failed", domain("s3"), None)]
    assert events[0]["detail"].startswith("dmarc: ")
    assert kinds(watch_once(small, interval=60)) == [("compliance_restored", domain("s3"), None)]


def test_a_dropped_domain_maildns_only_published_records_for_is_watched_never_repaired(
    sandbox: tuple[Sandbox, Recorder, Path],
) -> None:
    """A domain whose sending domain was there before maildns (so maildns made none: it only
    published its records at the DNS host), dropped from the configuration and not pruned:
    its records are still checked at its nameservers, drift in them reported (as the DNS
    host's), never repaired."""
    sb, recorder, folder = sandbox
    with maildns.Tesouro() as tesouro:  # someone made it at the vendor first
        tesouro.create_sending_domain(domain("r0"))
    config = onboarded(folder, sb, "r", 2)
    world: World = (sb, config, recorder)
    assert watch_once(world, interval=60) == []
    write_config(config, sb, "r", 2, first=1)  # r0 dropped (and not pruned); r1 stays
    assert domain("r0") not in config.read_text()
    dkim = delete_dkim("r0")
    events = watch_once(world, interval=60, repair=True)
    assert kinds(events) == [("record_missing", domain("r0"), "telecomx")]
    missing = events[0]
    assert missing["record"] == {"name": dkim.name, "type": "TXT", "expected": dkim.value}
    assert [a["state"] for a in missing["answers"]] == ["missing", "missing"]
    assert [r for r in record_at_all("r0") if r.name == dkim.name] == []  # never repaired
    with maildns.TelecomX() as dns:
        dns.add_record(zone_of("r0"), dkim)
    again = watch_once(world, interval=60, repair=True)
    assert kinds(again) == [("record_restored", domain("r0"), "telecomx")]


def record_at_all(i: int | str) -> tuple[DnsRecord, ...]:
    with maildns.TelecomX() as dns:
        return dns.get_zone(zone_of(i)).records


# --- unknown is not drift; an outage is one event -----------------------------------------------
def test_a_nameserver_timing_out_is_not_drift(small: World) -> None:
    sb, _, _ = small
    sb.dns_fault("drop", name=zone_of("s4"), server="ns2")
    try:
        delete_dkim("s5")  # real drift beside it is still seen
        observed = Observed()
        said: list[Progress] = []
        # ns2's question about s4 waits the whole timeout: long enough that every answer that
        # comes (ns1's, and both servers' for the other domains) comes within it however busy
        # the machine, so only s4's check is unknown
        events = watch_once(
            small, interval=60, dns_timeout=15.0, observer=observed, on_progress=said.append
        )
    finally:
        sb.clear_dns_faults()
    assert kinds(events) == [("record_missing", domain("s5"), "tesouro")]
    assert observed.dns["unknown"] >= 1  # s4's records: ns2 said nothing
    assert observed.succeeded == SMALL - 1
    # The interval's one progress line counts s4's check as unknown, s5's event as its one.
    (progress,) = said
    assert progress.describe() == (
        f"watch: interval 1: {SMALL} checked ({SMALL - 1} answered, 1 unknown), 1 event"
    )
    assert progress.to_json() == {
        "interval": 1,
        "checked": SMALL,
        "answered": SMALL - 1,
        "unknown": 1,
        "events": 1,
        "next_in": None,
    }


def test_each_interval_is_one_progress_line_once_its_checks_have_ended(small: World) -> None:
    sb, config, _ = small
    said: list[Progress] = []
    stop = asyncio.Event()

    def heard(progress: Progress) -> None:
        said.append(progress)
        if progress.interval == 3:
            stop.set()

    asyncio.run(
        onboarding.awatch(config, interval=60, clock=SandboxClock(sb), stop=stop, on_progress=heard)
    )
    # Once per interval, each counting that interval's checks (on the sandbox's clock the loop
    # may have launched the next interval's before the last check of this one ended: a stop
    # lets those end, and their interval is said too, in the order they end).
    intervals = sorted(p.interval for p in said)
    assert intervals == list(range(1, len(said) + 1))
    assert len(said) >= 3
    assert all(p.checked == p.answered == SMALL and p.events == 0 for p in said)
    for progress in said:
        assert progress.next_in is not None
        assert 0 <= progress.next_in <= 60
        assert progress.describe() == (
            f"watch: interval {progress.interval}: {SMALL} checked ({SMALL} answered, 0 unknown),"
            f" 0 events, next in {duration(progress.next_in)}"
        )


def test_a_progress_line_shows_its_wait_in_hours_minutes_and_seconds() -> None:
    assert [duration(s) for s in (0, 0.2, 18, 59.5, 60, 3598, 3600, 3661, 7200)] == [
        "0s",
        "1s",
        "18s",
        "1m",
        "1m",
        "59m58s",
        "1h",
        "1h1m1s",
        "2h",
    ]
    assert Progress(3, 200, 198, 1, 3598).describe() == (
        "watch: interval 3: 200 checked (198 answered, 2 unknown), 1 event, next in 59m58s"
    )


def test_an_outage_is_one_event_then_one_recovery(small: World) -> None:
    sb, _, _ = small
    sb.inject_fault("tesouro", "GET", "/finops/v1/mailbox-domains", status=503, times=10_000)
    sb.stats(reset=True)
    observed = Observed()
    try:
        events = watch_once(small, interval=60, observer=observed)
    finally:
        sb.clear_faults()
    assert kinds(events) == [("check_unavailable", "*", "tesouro")]
    assert max(observed.soft) == SMALL  # every check incomplete, counted
    asked = sum(sb.stats()["tesouro"]["operations"]["listMailboxDomains"].values())
    # Three checks in a row failed (each retried by the client), then a probe now and then,
    # not a read per domain.
    assert asked <= (OUTAGE_AFTER + 1) * 10 < SMALL * 10
    assert kinds(watch_once(small, interval=60)) == [("check_available", "*", "tesouro")]
    assert watch_once(small, interval=60) == []


def test_a_listing_that_fails_is_a_failed_read_for_its_checks_never_drift(world: World) -> None:
    sb, _, _ = world
    # The client tries each request 10 times here: the first listing of the hour fails whole
    # (and the checks that were to share it with it), the next ones answer.
    sb.inject_fault("tesouro", "GET", "/finops/v1/mailbox-domains", status=503, times=10)
    observed = Observed()
    try:
        events = watch_once(world, observer=observed)
    finally:
        sb.clear_faults()
    assert {e["kind"] for e in events} <= {"check_unavailable", "check_available"}, events
    assert max(observed.soft) >= 1  # that listing's checks were incomplete, and counted
    assert len(observed.attempted) == DOMAINS


def test_one_listing_serves_the_reads_of_its_window(world: World) -> None:
    sb, config, _ = world
    step = HOUR / DOMAINS  # 18 s: a window (60 s) holds the reads of 4 domains

    async def read_each_at_its_time() -> list[Any]:
        async with onboarding.open_engine(config) as engine:
            watcher = Watcher(engine, HOUR, SandboxClock(sb), concurrency=1)
            await watcher.prepare()
            found = []
            for target in watcher.found:
                found.append(await watcher._read(target, target.vendors[0]))
                sb.advance_clock(step)
            return found

    sb.stats(reset=True)
    found = asyncio.run(read_each_at_its_time())
    assert [f.domain for f in found] == [domain(i) for i in range(DOMAINS)]
    per_window = math.ceil(window(HOUR) / step)
    listed = sb.stats()["tesouro"]["operations"]["listMailboxDomains"]
    assert listed == {"200": math.ceil(DOMAINS / per_window)}  # 50 in the hour, not 200


def test_checks_that_need_a_listing_being_fetched_wait_for_its_one_request(small: World) -> None:
    sb, config, _ = small

    async def all_at_once() -> list[list[Any]]:
        async with onboarding.open_engine(config) as engine:
            watcher = Watcher(engine, HOUR, SandboxClock(sb), concurrency=SMALL)
            await watcher.prepare()
            return await asyncio.gather(*(watcher.check(t) for t in watcher.found))

    sb.stats(reset=True)
    checked = asyncio.run(all_at_once())
    assert len(checked) == SMALL
    assert not any(e.kind.startswith("vendor_") for events in checked for e in events)
    assert sb.stats()["tesouro"]["operations"]["listMailboxDomains"] == {"200": 1}


# --- the budget -----------------------------------------------------------------------------------
def test_an_interval_the_budget_cannot_meet_is_refused_before_anything_is_sent(
    small: World,
) -> None:
    sb, _, _ = small
    sb.stats(reset=True)
    with pytest.raises(WatchError) as refused:
        watch_once(small, interval=3)
    message = str(refused.value)
    assert "\n" not in message
    # A listing per check here: the window (3 s / 60) is shorter than the checks' step.
    assert f"tesouro needs {SMALL} listings for {SMALL} domains" in message
    assert "10% of 30/s covers 9 in 3 s" in message
    assert message.endswith("the smallest interval that works is 4 s")
    assert all(v["requests"] == 0 for v in sb.stats().values())


def test_the_budget_holds_every_second(small: World) -> None:
    sb, _, recorder = small
    sb.stats(reset=True)
    recorder.times = []
    try:
        # 12 reads in 4.2 s: the slots are 0.35 s apart, the budget's 3/s allows 1/3 s.
        watch_once(small, interval=4.2, concurrency=1)
    finally:
        times, recorder.times = recorder.times, None
    per_second = Counter(math.floor(t) for t in times)
    operations = sb.stats()["tesouro"]["operations"]
    assert operations["listMailboxDomains"] == {"200": SMALL}  # every domain, once
    # The client's access-token request (one per token's life) comes on top of the reads.
    tokens = sum(operations.get("createAccessToken", {}).values())
    assert len(times) == SMALL + tokens
    assert max(per_second.values()) <= 3 + tokens


# --- the command ----------------------------------------------------------------------------------
def test_sigterm_mid_interval_exits_0(small: World, tmp_path: Path) -> None:
    sb, _, _ = small
    config = write_config(tmp_path / "two.yaml", sb, "s", 2)  # two of the onboarded domains
    child = subprocess.Popen(
        [str(MAILDNS), "onboard", "watch", str(config), "--interval", "1h"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert child.stderr is not None
        line = child.stderr.readline()  # once it watches: the budget held, the schedule made
        assert line.startswith("watching 2 domains every 3600 s"), line
        child.send_signal(signal.SIGTERM)
        stdout, stderr = child.communicate(timeout=60)  # a hang bound, not a speed
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, stderr
    assert "stopped" in stderr
    for event in stdout.splitlines():
        assert json.loads(event)["version"] == 1


def test_the_command_refuses_a_short_interval_with_exit_64(small: World) -> None:
    _, config, _ = small
    done = subprocess.run(
        [str(MAILDNS), "onboard", "watch", str(config), "--interval", "3s", "--budget", "5%"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
        check=False,
    )
    assert done.returncode == 64
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: interval 3 s is too short for the budget")
    assert line.endswith("the smallest interval that works is 8 s")


# --- the sandbox control ------------------------------------------------------------------------
def test_the_unverify_control_over_http(small: World) -> None:
    sb, _, _ = small
    url = f"{sb.base_url}/_sandbox/unverify"
    answer = httpx.post(url, json={"vendor": "tesouro", "domain": domain("s9")})
    assert answer.status_code == 200
    assert answer.json() == {"unverified": domain("s9"), "vendor": "tesouro"}
    assert kinds(watch_once(small, interval=60)) == [("vendor_unverified", domain("s9"), "tesouro")]
    assert httpx.post(url, json={"vendor": "tesouro", "domain": "nope.example"}).status_code == 404
    refused = httpx.post(url, json={"vendor": "ciirus", "domain": domain("s9")})
    assert refused.status_code == 422
    assert "checks DNS whenever a domain is read" in refused.json()["error"]
    assert httpx.post(url, json={"domain": domain("s9")}).status_code == 422
    with pytest.raises(SandboxError, match=r"no sending domain nope\.example"):
        sb.unverify("tesouro", "nope.example")
    # Verified again at the vendor: one event back.
    onboarding.verify(small[1], concurrency=4)
    assert kinds(watch_once(small, interval=60)) == [("vendor_verified", domain("s9"), "tesouro")]


# --- the contract ---------------------------------------------------------------------------------
def test_every_event_kind_is_in_the_reference_and_an_event_hides_secrets() -> None:
    from datetime import UTC, datetime

    from maildns._core.secrets import remember
    from maildns.onboarding._events import EVENT_KINDS, Event

    reference = (Path(__file__).parent.parent / "docs" / "reference" / "onboarding.md").read_text()
    for kind in EVENT_KINDS:
        assert f"| `{kind}` |" in reference, kind
    remember("s3cr3t-client-secret-value")
    at = datetime(2026, 1, 1, 9, tzinfo=UTC)
    event = Event("check_unavailable", "*", "tesouro", at, detail="401: s3cr3t-client-secret-value")
    document = event.to_json()
    assert "s3cr3t" not in json.dumps(document)
    assert document["at"] == "2026-01-01T09:00:00Z"
    assert document["version"] == 1
    with pytest.raises(ValueError, match="unknown event kind"):
        Event("drifted", "mail.example.com", None, at)  # type: ignore[arg-type]


# --- the journal ----------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def journal_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "state.sqlite3")
    dsn: str = request.getfixturevalue("postgres_dsn")
    return dsn


def test_what_watch_saw_is_kept_per_configuration(journal_location: str) -> None:
    from maildns.onboarding import open_journal

    with open_journal(journal_location, "one") as journal:
        assert journal.watched() == {}
        journal.saw([("mail.example.com", "tesouro", "status", "pending")])
        journal.saw(
            [("mail.example.com", "tesouro", "status", "failed"), ("*", "dns", "outage", "down")]
        )
        assert journal.watched() == {
            ("mail.example.com", "tesouro", "status"): "failed",
            ("*", "dns", "outage"): "down",
        }
        journal.saw([("*", "dns", "outage", None)])  # back to as it should be: no row
        assert list(journal.watched()) == [("mail.example.com", "tesouro", "status")]
    with open_journal(journal_location, "other") as journal:
        assert journal.watched() == {}


def test_a_schema_5_journal_gains_the_watched_table(tmp_path: Path) -> None:
    import sqlite3

    from maildns.onboarding import open_journal
    from maildns.onboarding._journal import SCHEMA_VERSION

    path = tmp_path / "state.sqlite3"
    with open_journal(path, "one") as journal:
        journal.saw([("mail.example.com", "tesouro", "status", "pending")])
    db = sqlite3.connect(path)
    db.execute("DROP TABLE watched")
    db.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with open_journal(path, "one") as journal:
        assert journal.watched() == {}
        journal.saw([("mail.example.com", "tesouro", "status", "pending")])
        assert len(journal.watched()) == 1
    db = sqlite3.connect(path)
    version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    db.close()
    assert version == (str(SCHEMA_VERSION),)
    assert SCHEMA_VERSION == 6


def test_a_restart_on_a_postgresql_journal_replays_nothing(small: World, postgres_dsn: str) -> None:
    dkim = delete_dkim("s7")  # drift a journal that never saw this configuration reports once
    try:
        first = watch_once(small, interval=60, state=postgres_dsn)
        assert ("record_missing", domain("s7"), "tesouro") in kinds(first)
        assert watch_once(small, interval=60, state=postgres_dsn) == []
    finally:  # put back before the module's own journal sees it gone
        with maildns.TelecomX() as dns:
            dns.add_record(zone_of("s7"), dkim)


def test_the_command_once_checks_every_domain_then_exits_0(small: World, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from maildns._cli import app

    sb, _, _ = small
    config = write_config(tmp_path / "two.yaml", sb, "s", 2)
    sb.stats(reset=True)
    result = CliRunner().invoke(
        app, ["onboard", "watch", str(config), "--once", "--interval", "1s", "--budget", "100%"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("watching 2 domains once over 1 s; budget: tesouro 30/s")
    assert result.stderr.splitlines()[-1] == (
        "watch: interval 1: 2 checked (2 answered, 0 unknown), 0 events"
    )
    assert sb.stats()["tesouro"]["operations"]["listMailboxDomains"] == {"200": 2}
    for line in result.stdout.splitlines():
        assert json.loads(line)["version"] == 1


def test_the_progress_line_is_a_json_line_under_json_logs(
    small: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    import maildns._core.options as options
    from maildns._cli import app

    sb, _, _ = small
    config = write_config(tmp_path / "two.yaml", sb, "s", 2)
    monkeypatch.setenv("MAILDNS_LOG_FORMAT", "json")
    # The command sets the process's "maildns" logger up once (a handler on this run's stderr,
    # level info): put it back as it was, so that no later test logs into a closed stream.
    logger = logging.getLogger("maildns")
    handlers, level = list(logger.handlers), logger.level
    monkeypatch.setattr(options, "_configured", False)
    try:
        result = CliRunner().invoke(
            app,
            ["onboard", "watch", str(config), "--once", "--interval", "1s", "--budget", "100%"],
        )
    finally:
        for handler in logger.handlers[len(handlers) :]:
            logger.removeHandler(handler)
        logger.setLevel(level)
    assert result.exit_code == 0, result.stderr
    logged = [json.loads(line) for line in result.stderr.splitlines()]  # every line is JSON
    progress = [d for d in logged if d["message"].startswith("watch: interval")]
    assert len(progress) == 1
    assert progress[0]["level"] == "info"
    assert progress[0]["progress"] == {
        "interval": 1,
        "checked": 2,
        "answered": 2,
        "unknown": 0,
        "events": 0,
        "next_in": None,
    }
    assert "watch: interval" not in result.stdout  # stdout holds the events alone


def test_two_watchers_repairing_on_one_postgresql_journal_put_a_record_back_once(
    sandbox: tuple[Sandbox, Recorder, Path], postgres_dsn: str
) -> None:
    """Two watchers with --repair on one PostgreSQL journal (two replicas of one service) both
    see a record maildns owns go missing: it is put back once, by one of them, and the other
    says nothing false (no refusal for what the first repaired)."""
    sb, recorder, folder = sandbox
    config = write_config(folder / "pair.yaml", sb, "p", 3)
    applied = onboarding.apply(config, state=postgres_dsn, concurrency=8)
    assert not applied.failed
    assert not applied.unknown
    assert all(r.verified for r in onboarding.verify(config, state=postgres_dsn))
    dkim = delete_dkim("p1")
    world: World = (sb, config, recorder)

    async def both() -> list[list[dict[str, Any]]]:
        heard: list[list[dict[str, Any]]] = [[], []]
        await asyncio.gather(
            *(
                onboarding.awatch(
                    config,
                    interval=60,
                    once=True,
                    repair=True,
                    state=postgres_dsn,
                    clock=SandboxClock(sb),
                    on_event=lambda e, i=i: heard[i].append(e.to_json()),
                )
                for i in range(2)
            )
        )
        return heard

    first, second = asyncio.run(both())
    mine = [e for e in [*first, *second] if e["domain"] == domain("p1")]
    with maildns.TelecomX() as dns:
        records = dns.get_zone(zone_of("p1")).records
    assert [r.value for r in records if is_dkim("p1")(r)] == [dkim.value]  # back, once
    assert [e["kind"] for e in mine].count("repaired") == 1, mine
    refused = [e["detail"] for e in mine if e["kind"] == "repair_refused"]
    assert refused == []
    again = watch_once(world, interval=60, state=postgres_dsn, repair=True)
    assert kinds(again) == [("record_restored", domain("p1"), "tesouro")]
