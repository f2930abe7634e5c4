"""``make bench`` (e): bulk onboarding against the sandbox at Tesouro's rate limit.

Each domain in its own zone at Tesouro and TelecomX; the sandbox (in this process) limits
Tesouro to ``LIMIT`` requests per second and counts what it answers; ``maildns onboard apply``
runs as a real subprocess (its own interpreter, as a user runs it). Measured in one run:

- the achieved Tesouro request rate (requests / the seconds from its first to its last) against
  the limit, goal >= 0.9;
- 429s as a share of Tesouro's requests, goal <= 0.1%;
- peak memory growth: the apply's peak RSS less that of the same apply of one domain, goal
  <= 100 MB (at 10,000 domains);
- three SIGKILLs at random moments, then a run to the end: every domain complete (plan has
  nothing to do) and none created twice (Tesouro answered exactly one 201 per domain, no 409).

- two workers on one PostgreSQL journal (a server started for the run from the Debian package,
  as the tests do; or the empty database ``MAILDNS_BENCH_POSTGRES`` names, which the tests pass
  from their own server): together they reach >= 0.9 x the limit they share, and no domain is
  created twice (one 201 per domain, no 409).

``BULK=10000 make bench`` for the issue's size; the default is quick.

    python scripts/bench_bulk.py [--domains N] [--limit RPS]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maildns.sandbox import Sandbox
from maildns.sandbox.__main__ import environment

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOMAINS = 1000
# Low enough that the run is bound by it on a 2-core machine that also runs the sandbox
# (unlimited, apply reaches about 36 domains a second there).
LIMIT = 25
CONCURRENCY = 32
KILLS = 3
GOAL_RATE = 0.9
GOAL_429 = 0.001
GOAL_MEMORY_MB = 100.0
MEMORY_AT = 10_000  # the memory goal is stated for this many domains
JUDGE_WORKERS_AT = 300  # fewer, and one worker is nearly done before the other has started
POSTGRES_ENV = "MAILDNS_BENCH_POSTGRES"


@dataclass(frozen=True)
class Figure:
    what: str
    measured: str
    goal: str
    met: bool | None  # None: not measured


def _env(sb: Sandbox, state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TESOURO_", "TELECOMX_"))}
    env.update(environment(sb)[0])  # what `maildns sandbox` exports
    env["MAILDNS_STATE"] = str(state)
    return env


def write_config(path: Path, sb: Sandbox, n: int, prefix: str = "b") -> Path:
    account = f'{{customer: "{sb.telecomx_customer_id}", product: "{sb.telecomx_product_id}"}}'
    with path.open("w") as out:
        out.write("version: 1\ndns:\n  vendor: telecomx\n  zones:\n")
        for i in range(n):
            out.write(f"    {prefix}{i}.example: {account}\n")
        out.write("domains:\n")
        for i in range(n):
            out.write(f"  - domain: mail.{prefix}{i}.example\n    tesouro: {{}}\n")
    return path


def _command(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "maildns"), *args]  # the console script


def _start(config: Path, env: dict[str, str], stdout: int | None = subprocess.DEVNULL) -> Any:
    return subprocess.Popen(
        _command(
            "onboard", "apply", str(config), "--yes", "--json", "--concurrency", str(CONCURRENCY)
        ),
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
    )


def _apply(config: Path, env: dict[str, str], kill_after: float | None = None) -> tuple[int, int]:
    """Run apply; (exit status or -signal, peak RSS in kB). ``kill_after``: SIGKILL then."""
    proc = _start(config, env)
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)  # done before the moment: nothing left to kill
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        else:
            return proc.returncode, 0
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.stderr is not None:
        proc.stderr.close()
    return proc.returncode, usage.ru_maxrss


def _plan_is_empty(config: Path, env: dict[str, str]) -> bool:
    done = subprocess.run(
        _command("onboard", "plan", str(config), "--json"), env=env, capture_output=True
    )
    return done.returncode == 0


def run(domains: int, limit: int = LIMIT, kill_runs: int = KILLS) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with Sandbox(rate_limits={"tesouro": limit}) as sb:
            # The baseline: the same command for one domain, in the same sandbox.
            one = write_config(tmp / "one.yaml", sb, 1, prefix="one")
            code, base_rss = _apply(one, _env(sb, tmp / "one.sqlite3"))
            if code != 0:
                raise RuntimeError(f"the one-domain apply exited {code}")
            config = write_config(tmp / "bulk.yaml", sb, domains)
            env = _env(sb, tmp / "bulk.sqlite3")
            sb.stats(reset=True)
            started = time.perf_counter()
            code, rss = _apply(config, env)
            wall = time.perf_counter() - started
            if code != 0:
                raise RuntimeError(f"the bulk apply exited {code}")
            stats = sb.stats()["tesouro"]
        requests = stats["requests"]
        rate = requests / stats["seconds"] if stats["seconds"] else 0.0
        refused = stats["status"].get("429", 0)
        _note(
            figures,
            Figure(
                f"Tesouro rate / limit ({domains} domains, limit {limit}/s, {wall:.1f} s)",
                f"{rate / limit:.2f}x ({rate:.1f}/s over {requests} requests)",
                f">= {GOAL_RATE}x",
                rate / limit >= GOAL_RATE,
            ),
        )
        share = refused / requests if requests else 0.0
        _note(
            figures,
            Figure(
                "Tesouro 429s / requests",
                f"{share:.2%} ({refused} of {requests})",
                f"<= {GOAL_429:.1%}",
                share <= GOAL_429,
            ),
        )
        growth = (rss - base_rss) / 1024
        if domains >= MEMORY_AT:
            shown, met = f"{growth:.1f} MB", growth <= GOAL_MEMORY_MB
        elif domains >= 1000:  # enough to see the slope: judged as if it stayed linear
            scaled = max(growth, 0.0) * MEMORY_AT / domains
            shown = f"{growth:.1f} MB ({scaled:.0f} MB at {MEMORY_AT} if linear)"
            met = scaled <= GOAL_MEMORY_MB
        else:
            shown, met = f"{growth:.1f} MB (too few domains to judge)", None
        _note(
            figures,
            Figure(
                f"peak memory growth ({domains} domains over 1)",
                shown,
                f"<= {GOAL_MEMORY_MB:.0f} MB at {MEMORY_AT}",
                met,
            ),
        )

        with Sandbox(rate_limits={"tesouro": limit}) as sb:
            config = write_config(tmp / "killed.yaml", sb, domains, prefix="k")
            env = _env(sb, tmp / "killed.sqlite3")
            left = domains / limit * 1.05  # seconds of work, roughly
            kills = []
            rng = random.Random(domains)  # noqa: S311 - reproducible moments, not secrecy
            for _ in range(kill_runs):
                # Within the first 60% of what is left: each kill lands while the run works.
                moment = rng.uniform(0.5, max(1.0, left * 0.6))
                left -= moment
                code, _ = _apply(config, env, kill_after=moment)
                kills.append(f"{moment:.1f} s" + ("" if code == -signal.SIGKILL else " (done)"))
            code, _ = _apply(config, env)
            complete = code == 0 and _plan_is_empty(config, env)
            made = sb.stats()["tesouro"]["operations"].get("createMailboxDomain", {})
            once = made.get("201", 0) == domains and made.get("409", 0) == 0
        _note(
            figures,
            Figure(
                f"SIGKILL at {', '.join(kills)}, then resume",
                f"{'every domain complete' if complete else 'NOT complete'}; "
                f"{made.get('201', 0)} created for {domains}, {made.get('409', 0)} conflicts",
                "complete, each created once",
                complete and once,
            ),
        )
        _note(figures, _two_workers(tmp, domains, limit))
    return figures


def _note(figures: list[Figure], figure: Figure) -> None:
    """Keep ``figure``, and show it now: a run of half an hour keeps what it measured so far."""
    figures.append(figure)
    print(f"{figure.what}: {figure.measured} (goal {figure.goal})", file=sys.stderr, flush=True)


def _two_workers(tmp: Path, domains: int, limit: int) -> Figure:
    """Two applies at once on one PostgreSQL journal: the rate they reach together, and whether
    any domain was created twice."""
    what = "two workers on one PostgreSQL journal"
    goal = f">= {GOAL_RATE}x the shared limit, no domain done twice"
    sys.path.insert(0, str(ROOT))
    from tests.postgres import binaries, running_server

    # The tests have a server of their own running already: a cluster's initdb and start,
    # again, would be most of what the figure costs them beyond the applies.
    given = os.environ.get(POSTGRES_ENV)
    if not given and binaries() is None:
        return Figure(what, "not measured: PostgreSQL is not installed", goal, None)
    server = contextlib.nullcontext(given) if given else running_server()
    with server as dsn, Sandbox(rate_limits={"tesouro": limit}) as sb:
        config = write_config(tmp / "workers.yaml", sb, domains, prefix="w")
        env = {**_env(sb, tmp / "unused.sqlite3"), "MAILDNS_STATE": dsn}
        sb.stats(reset=True)
        started = time.perf_counter()
        workers = [_start(config, env, stdout=subprocess.PIPE) for _ in range(2)]
        outputs = [w.communicate() for w in workers]
        wall = time.perf_counter() - started
        codes = [w.returncode for w in workers]
        done = [_domains_done(out) for out, _ in outputs]
        stats = sb.stats()["tesouro"]
        complete = _plan_is_empty(config, env)
    requests = stats["requests"]
    rate = requests / stats["seconds"] if stats["seconds"] else 0.0
    made = stats["operations"].get("createMailboxDomain", {})
    refused = stats["status"].get("429", 0)
    once = made.get("201", 0) == domains and made.get("409", 0) == 0
    right = once and codes == [0, 0] and complete
    # A quick run is over before the second worker is well under way: its rate says nothing.
    judged = domains >= JUDGE_WORKERS_AT
    return Figure(
        what,
        f"{rate / limit:.2f}x ({rate:.1f}/s over {requests} requests, {wall:.1f} s); domains "
        f"done {done[0]} + {done[1]}; {made.get('201', 0)} created for {domains}, "
        f"{made.get('409', 0)} conflicts, {refused} 429s"
        + ("" if codes == [0, 0] and complete else f"; exits {codes}, complete: {complete}")
        + ("" if judged else f" (rate not judged under {JUDGE_WORKERS_AT} domains)"),
        goal,
        (rate / limit >= GOAL_RATE and right) if judged else (None if right else False),
    )


def _domains_done(out: bytes) -> int:
    """The domains an apply's ``--json`` document says it did. A worker that started after
    the other had done everything found nothing to do: its document has no summary."""
    if not out:
        return 0
    document = json.loads(out)
    if "summary" not in document:
        return 0
    return int(document["summary"]["done"])


def table(figures: list[Figure]) -> list[str]:
    lines = ["| figure | measured | goal | verdict |", "|---|---|---|---|"]
    for f in figures:
        verdict = "to come" if f.met is None else ("meets" if f.met else "misses")
        lines.append(f"| {f.what} | {f.measured} | {f.goal} | {verdict} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--domains", type=int, default=int(os.environ.get("BULK", DEFAULT_DOMAINS)))
    parser.add_argument("--limit", type=int, default=LIMIT)
    args = parser.parse_args(argv)
    figures = run(args.domains, args.limit)
    print("\n".join(table(figures)))
    print(json.dumps([f.__dict__ for f in figures]), file=sys.stderr)
    return 0 if all(f.met is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
