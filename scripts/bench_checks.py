"""``make bench`` (g): what judging domains as receivers do costs.

Against a sandbox (no rate limit) whose DNS is the resolver, with ``N`` domains each in its own
zone at Tesouro and TelecomX:

- plan from nothing, with the receivers' checks (each SPF record counted through DNS, every
  nested include, DMARC looked for) over the same plan with them stubbed out (what the plan
  cost before them), side by side in alternating rounds: the ratio of the medians;
- the DNS queries those checks send per domain (the resolver is shared by a run: the common
  includes are asked once, not once per domain);
- after apply, ``onboarding.check`` of every domain (DNS only): milliseconds per domain, and
  that every domain passes.

    python scripts/bench_checks.py [--domains N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from bench_bulk import Figure, table, write_config

DOMAINS = 1000
ROUNDS = 3
GOAL_PLAN = 1.5
"""Plan time with the checks over plan time without: at most 1.5x."""
GOAL_QUERIES = 1.0
"""DNS queries per domain the plan's checks send: at most one (the shared includes once)."""


@contextmanager
def sandbox_environment(sb: Any) -> Iterator[None]:
    """The sandbox's exports in this process's environment while the block runs."""
    from maildns.sandbox.__main__ import environment

    given, unset = environment(sb)
    saved = dict(os.environ)
    os.environ.update(given)
    for name in unset:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


async def _plan(config: Path, state: Path, checks: bool) -> tuple[float, int]:
    """Seconds one plan takes, and the DNS queries its resolver sent."""
    from maildns import onboarding
    from maildns.onboarding import _engine

    async def nothing(changes: Any, resolver: Any) -> tuple[()]:
        return ()

    stubbed = mock.patch.object(_engine, "check_planned", nothing) if not checks else None
    started = time.perf_counter()
    if stubbed is not None:
        stubbed.start()
    try:
        async with onboarding.open_engine(config, state=state) as engine:
            await engine.plan()
            queries = int(getattr(engine.resolver, "queries", 0))
    finally:
        if stubbed is not None:
            stubbed.stop()
    return time.perf_counter() - started, queries


def run(domains: int = DOMAINS, rounds: int = ROUNDS) -> list[Figure]:
    from maildns import onboarding
    from maildns.sandbox import Sandbox

    with (
        Sandbox(rate_limits={"tesouro": None}) as sb,
        tempfile.TemporaryDirectory() as tmp,
        sandbox_environment(sb),
    ):
        config = write_config(Path(tmp) / "bench.yaml", sb, domains, prefix="c")
        state = Path(tmp) / "state.sqlite3"
        measured: list[tuple[float, float]] = []
        queries: list[int] = []
        for round_no in range(rounds):
            sides = (True, False) if round_no % 2 == 0 else (False, True)
            took: dict[bool, float] = {}
            for checks in sides:
                seconds, asked = asyncio.run(_plan(config, state, checks))
                took[checks] = seconds
                if checks:
                    queries.append(asked)
            measured.append((took[True], took[False]))
        onboarding.apply(config, state=state, concurrency=32)
        started = time.perf_counter()
        checked = onboarding.check(config, state=state)
        check_seconds = time.perf_counter() - started
    ratios = [new / old for new, old in measured]
    ratio = statistics.median(ratios)
    per_domain = statistics.median(queries) / domains
    passing = sum(1 for c in checked if c.compliant)
    return [
        Figure(
            f"plan of {domains} domains, checks / no checks",
            f"{ratio:.2f}x ({statistics.median(n for n, _ in measured):.1f} s over "
            f"{statistics.median(o for _, o in measured):.1f} s, {len(ratios)} rounds)",
            f"<= {GOAL_PLAN}x",
            ratio <= GOAL_PLAN,
        ),
        Figure(
            "DNS queries per domain (plan)",
            f"{per_domain:.3f} ({statistics.median(queries):.0f} for {domains} domains)",
            f"<= {GOAL_QUERIES}",
            per_domain <= GOAL_QUERIES,
        ),
        Figure(
            f"check of {domains} domains (DNS only)",
            f"{check_seconds / domains * 1000:.1f} ms per domain, {passing} of {domains} pass",
            "every domain passes",
            passing == domains,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--domains", type=int, default=DOMAINS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv)
    figures = run(args.domains, args.rounds)
    print("\n".join(table(figures)))
    return 0 if all(f.met for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
