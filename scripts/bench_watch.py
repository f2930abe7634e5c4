"""``make bench`` (i): ``maildns onboard watch`` over many domains, hours compressed.

Against a sandbox in this process whose clock is watch's (it moves only when watch sleeps, so
no figure depends on the machine's speed), ``N`` domains each in its own zone at Tesouro and
TelecomX, onboarded and verified (the first through ``apply`` and ``verify``, the others seeded
as copies of it: ``bench_seed``, the same end state in minutes instead of half an hour at
10,000), then watched for ``INTERVALS`` intervals of an hour (the
issue's interval, whatever ``N``). Tesouro's only read of a domain is its whole listing, which
watch shares between the checks of a window (an interval / 60): so Tesouro sees at most 61
listings an hour, at 200 domains as at 10,000, and its requests per second do not grow with
``N``; what grows is the checks (and their DNS questions) per second. One check runs at a time
(concurrency 1), so each request reaches the sandbox at the time watch meant it to.

- Tesouro requests per second of the sandbox's clock: the busiest second, against watch's
  share (10 % of the documented 30/s, plus the client's access-token request);
- Tesouro listings per interval: at most 61 (``LISTINGS_PER_INTERVAL + 1``), not one a domain;
- every domain checked exactly once per interval;
- checks per second: the busiest second over the mean (spread evenly: at most 2x); when checks
  are rarer than one a second (fewer than 3,600 domains an hour), per slot of the mean gap
  (``interval / N``) instead, where a second's mean would be a fraction of a check;
- a DKIM record deleted in the middle of the first interval, of the domain checked just
  before: sandbox seconds until its event (at most one interval);
- resident memory (of this process: watch and the sandbox) after the last interval over after
  the first: at most 20 MB more.

    python scripts/bench_watch.py [--domains N] [--intervals K] [--interval SECONDS]
                                  [--onboarded M]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench_bulk import Figure, table
from bench_checks import sandbox_environment
from bench_seed import TEMPLATE, seed

DOMAINS = 200
INTERVALS = 10
INTERVAL = 3600.0
"""The issue's interval: an hour, on the sandbox's clock."""
GOAL_SPREAD = 2.0
GOAL_RSS_MB = 20.0
SHARE = 3.0
"""Watch's default share of Tesouro's documented 30 requests/s."""


def rss_bytes() -> int:
    """This process's resident memory now (Linux: /proc; elsewhere the peak)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Recorder:
    """The sandbox's rate clock: real time while onboarding, the sandbox's while watching,
    noting then the sandbox time of every Tesouro request it admits."""

    def __init__(self) -> None:
        self.sandbox: Any = None
        self.times: list[float] | None = None

    def __call__(self) -> float:
        if self.times is None or self.sandbox is None:
            return time.monotonic()
        now: float = self.sandbox.now().timestamp()
        self.times.append(now)
        return now


class SandboxClock:
    def __init__(self, sb: Any) -> None:
        self.sb = sb

    def now(self) -> float:
        return float(self.sb.now().timestamp())

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sb.advance_clock(seconds)
        await asyncio.sleep(0)


class Run:
    """What a watch run was seen to do (a :class:`WatchObserver`), and the drift it makes."""

    def __init__(self, sb: Any, domains: int, intervals: int, drift_zone: str) -> None:
        self.sb = sb
        self.domains_count = domains
        self.intervals = intervals
        self.drift_zone = drift_zone
        self.attempts: list[float] = []
        self.sweeps = 0
        self.rss: list[int] = []
        self.started = time.monotonic()
        self.drifted_at: float | None = None
        self.seen_at: float | None = None
        self.stop = asyncio.Event()

    def check_attempted(self, at: float) -> None:
        self.attempts.append(at)
        if self.drifted_at is None and len(self.attempts) == self.domains_count // 2:
            self._drift()

    def _drift(self) -> None:
        import maildns

        with maildns.TelecomX() as dns:
            zone = dns.get_zone(self.drift_zone)
            dkim = next(r for r in zone.records if "._domainkey." in r.name)
            dns.delete_record(self.drift_zone, dkim)
        self.drifted_at = self.sb.now().timestamp()

    def finish_early(self, *_: object) -> None:
        """Stop at the end of the interval in progress (SIGINT, SIGTERM): the figures are
        those of the intervals done."""
        self.intervals = self.sweeps + 1

    def check_succeeded(self, at: float) -> None:
        pass

    def domains(self, counts: Mapping[tuple[str, str], int]) -> None:
        self.sweeps += 1
        self.rss.append(rss_bytes())
        # On stderr, so that a long run (10,000 domains) shows how far it got.
        print(
            f"interval {self.sweeps}/{self.intervals}: {len(self.attempts)} checks, "
            f"{time.monotonic() - self.started:.0f} s of real time, "
            f"{self.rss[-1] / 2**20:.0f} MB resident",
            file=sys.stderr,
            flush=True,
        )
        if self.sweeps >= self.intervals:
            self.stop.set()

    def event(self, event: Any) -> None:
        if event.kind == "record_missing" and self.seen_at is None:
            self.seen_at = event.at.timestamp()

    def dns_checked(self, result: str) -> None:
        pass

    def soft_errors(self, consecutive: int) -> None:
        pass


def run(
    domains: int = DOMAINS,
    intervals: int = INTERVALS,
    interval: float = INTERVAL,
    onboarded: int = TEMPLATE,
) -> list[Figure]:
    from maildns import onboarding
    from maildns.onboarding._watch import LISTINGS_PER_INTERVAL
    from maildns.sandbox import Sandbox

    recorder = Recorder()
    with (
        Sandbox(rate_clock=recorder) as sb,
        tempfile.TemporaryDirectory() as tmp,
        sandbox_environment(sb),
    ):
        recorder.sandbox = sb
        config = seed(sb, Path(tmp) / "watch.yaml", domains, "w", template=onboarded)
        sb.stats(reset=True)
        # The domain checked one slot before the drift: its next check is an interval away
        # (less a slot), about the longest a drift can wait.
        seen = Run(sb, domains, intervals, f"w{max(domains // 2 - 2, 0)}.example")
        recorder.times = []
        started = sb.now().timestamp()

        async def watch() -> None:
            await onboarding.awatch(
                config,
                interval=interval,
                clock=SandboxClock(sb),
                observer=seen,
                stop=seen.stop,
                concurrency=1,
            )

        handlers = {
            sig: signal.signal(sig, seen.finish_early) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            asyncio.run(watch())
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
        intervals = seen.sweeps
        times, recorder.times = recorder.times, None
        operations = sb.stats()["tesouro"]["operations"]
        tokens = sum(operations.get("createAccessToken", {}).values())
        listed = sum(operations.get("listMailboxDomains", {}).values())
    per_second = Counter(math.floor(t) for t in times)
    peak = max(per_second.values(), default=0)
    elapsed = max(times, default=started) - started
    mean_rate = len(times) / elapsed if elapsed > 0 else 0.0
    slot = max(1.0, interval / domains)
    # Slots centred on the schedule's times (multiples of the gap from the start), so that a
    # check a rounding error early does not count in the slot before.
    checks = Counter(math.floor((t - started) / slot + 0.5) for t in seen.attempts)
    busiest = max(checks.values(), default=0)
    mean_checks = len(seen.attempts) / (intervals * interval) * slot
    spread = busiest / mean_checks if mean_checks else math.inf
    once_each = len(seen.attempts) == domains * intervals
    delay = (
        None if seen.seen_at is None or seen.drifted_at is None else seen.seen_at - seen.drifted_at
    )
    growth = (seen.rss[-1] - seen.rss[0]) / 2**20 if len(seen.rss) >= 2 else math.nan
    return [
        Figure(
            f"Tesouro requests/s, busiest second ({domains} domains, {interval:g} s interval)",
            f"{peak} ({mean_rate:.2f}/s mean over {len(times)} requests, {tokens} token)",
            f"<= {SHARE:g} + token",
            peak <= SHARE + tokens,
        ),
        Figure(
            "Tesouro listings per interval",
            f"{listed / intervals:.1f} ({listed} in {intervals} intervals of {domains} domains)",
            f"<= {LISTINGS_PER_INTERVAL + 1}",
            listed <= (LISTINGS_PER_INTERVAL + 1) * intervals,
        ),
        Figure(
            "every domain checked once per interval",
            f"{len(seen.attempts)} checks in {seen.sweeps} intervals of {domains}",
            "each domain once per interval",
            once_each,
        ),
        Figure(
            f"checks per {'second' if slot == 1.0 else f'{slot:g} s slot'}, busiest / mean",
            f"{spread:.2f}x ({busiest} over {mean_checks:.2f})",
            f"<= {GOAL_SPREAD:g}x",
            spread <= GOAL_SPREAD,
        ),
        Figure(
            "drift to its event",
            "not seen" if delay is None else f"{delay:.1f} s of the sandbox's clock",
            f"<= one interval ({interval:g} s)",
            delay is not None and 0 <= delay <= interval,
        ),
        Figure(
            f"resident memory growth over {seen.sweeps} intervals",
            f"{growth:+.1f} MB",
            f"<= {GOAL_RSS_MB:g} MB",
            growth <= GOAL_RSS_MB,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--domains", type=int, default=DOMAINS)
    parser.add_argument("--intervals", type=int, default=INTERVALS)
    parser.add_argument("--interval", type=float, default=INTERVAL)
    parser.add_argument(
        "--onboarded",
        type=int,
        default=TEMPLATE,
        help="domains onboarded through apply and verify; the others are seeded as their copies",
    )
    args = parser.parse_args(argv)
    figures = run(args.domains, args.intervals, args.interval, args.onboarded)
    print("\n".join(table(figures)))
    return 0 if all(f.met for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
