"""`make bench` (scripts/bench*.py): the benchmarks' logic, never the machine's speed.

The measuring functions run in this process on a fake clock (alternating rounds, ratios from
the numbers measured, the verdicts); then ``scripts/bench.py --tiny`` runs every benchmark
once at the least size (all but (e) in one run, (e) alone) and its report is checked for its
structure and for figures that agree with one another. No test asks whether a goal was met:
that is what ``make bench`` measures, on a quiet machine.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import dns.message
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import bench  # noqa: E402
import bench_bulk  # noqa: E402
import bench_generate  # noqa: E402
import bench_nameserver  # noqa: E402

RATIO = re.compile(r"[0-9]+\.[0-9]+x")


class FakeClock:
    """``time`` for the bench module: perf_counter reads a number the fake calls move."""

    def __init__(self) -> None:
        self.now = 100.0

    def perf_counter(self) -> float:
        return self.now


def _sync_case(clock: FakeClock, log: list[str], raw_cost: float, facade_cost: float) -> Any:
    def call(side: str, cost: float) -> Callable[[], str]:
        def run() -> str:
            clock.now += cost
            log.append(side)
            return side

        return run

    return bench.Case(
        "call",
        call("raw", raw_cost),
        call("facade", facade_cost),
        lambda value: value == "raw",
        lambda value: value == "facade",
        prepare=lambda: log.append("prepare"),
    )


def _batches(log: list[str]) -> list[str]:
    """The side of each timed batch, in order (a batch follows each ``prepare``)."""
    return [log[i + 1] for i, entry in enumerate(log) if entry == "prepare"]


def test_sync_rounds_alternate_and_the_ratio_is_the_median_of_per_round_ratios(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock, log = FakeClock(), []
    monkeypatch.setattr(bench, "time", clock)
    case = _sync_case(clock, log, raw_cost=0.002, facade_cost=0.003)
    m = bench.measure_sync(case, rounds=4, batch=5, warmup=2)
    assert log[:4] == ["raw", "raw", "facade", "facade"]  # warm-up, each side
    assert _batches(log) == ["raw", "facade", "facade", "raw", "raw", "facade", "facade", "raw"]
    assert m.raw == pytest.approx([0.002] * 4)  # per call: batch time / batch size
    assert m.facade == pytest.approx([0.003] * 4)
    assert m.ratio == pytest.approx(1.5)


def test_a_wrong_answer_stops_the_measurement() -> None:
    case = bench.Case("call", lambda: "raw", lambda: "nonsense", lambda v: True, lambda v: False)
    with pytest.raises(bench.BenchError, match="the facade call answered 'nonsense'"):
        bench.measure_sync(case, rounds=2, batch=1, warmup=1)


@pytest.mark.parametrize("concurrency", [1, 3])
def test_async_rounds_alternate_at_any_concurrency(
    monkeypatch: pytest.MonkeyPatch, concurrency: int
) -> None:
    clock, log = FakeClock(), []
    monkeypatch.setattr(bench, "time", clock)

    def call(side: str, cost: float) -> Callable[[], Awaitable[str]]:
        async def run() -> str:
            clock.now += cost
            log.append(side)
            return side

        return run

    async def prepare() -> None:
        log.append("prepare")

    case = bench.AsyncCase(
        "call",
        call("raw", 0.001),
        call("facade", 0.004),
        lambda v: v == "raw",
        lambda v: v == "facade",
        prepare=prepare,
    )
    m = asyncio.run(bench.measure_async(case, rounds=2, batch=4, warmup=1, concurrency=concurrency))
    assert _batches(log) == ["raw", "facade", "facade", "raw"]
    assert m.raw == pytest.approx([0.001] * 2)
    assert m.facade == pytest.approx([0.004] * 2)
    assert m.ratio == pytest.approx(4.0)


def test_a_row_shows_medians_the_spread_and_a_verdict_from_its_own_numbers() -> None:
    # per-round ratios 2.0, 1.0 and 0.5: the median is 1.0, whatever the medians per side
    m = bench.Measurement(raw=[0.001, 0.002, 0.004], facade=[0.002, 0.002, 0.002])
    assert m.ratios == [2.0, 1.0, 0.5]
    cells = bench._cells(bench.Row("(a) x", "call", 1.2, m))
    assert cells == [
        "(a) x",
        "call",
        "2.00 ms",
        "2.00 ms",
        "1.00x",
        "0.50-2.00x",
        "≤ 1.2x",
        "meets",
    ]
    assert bench.verdict(1.5, 1.2) == "misses by 25%"
    assert bench.verdict(1.2001, 1.2) == "misses by 1%"  # any miss shows, rounded up
    assert bench.verdict(1.2, 1.2) == "meets"
    error = bench._cells(bench.Row("(b) y", "call", 1.05, error="BenchError: no"))
    assert error[4:] == ["error", "-", "≤ 1.05x", "error: BenchError: no"]


def test_startup_alternates_the_interpreters(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []

    def seconds(code: str) -> float:
        side = "raw" if code == bench.STARTUP_RAW else "facade"
        ran.append(side)
        return 0.1 if side == "raw" else 0.15

    monkeypatch.setattr(bench, "_startup_seconds", seconds)
    row = bench.bench_startup(bench.TINY)
    assert ran == ["raw", "facade", "raw", "facade", "facade", "raw"]  # warm-up, then pairs
    assert row.measurement is not None
    assert row.measurement.ratio == pytest.approx(1.5)


def test_generation_alternates_the_job_counts_and_divides_their_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    jobs_run: list[int] = []

    def timed(command: list[str], cwd: Path, env: object = None) -> float:
        jobs = int(command[command.index("--jobs") + 1])
        jobs_run.append(jobs)
        assert "--all" in command
        Path(command[command.index("--out") + 1]).mkdir(parents=True)
        return 30.0 if jobs == 1 else 18.0

    monkeypatch.setattr(bench_generate, "_timed", timed)
    monkeypatch.setattr(bench_generate, "JOBS", 2)
    figure = bench_generate.regeneration(rounds=3)
    assert jobs_run == [2, 1, 1, 2, 2, 1]
    assert figure.measured.startswith("0.60x (18.0 s over 30.0 s; 0.60-0.60x over 3 rounds")
    assert figure.met is True  # 0.6 is the goal itself


def test_a_fresh_clone_is_timed_against_the_baseline_in_alternating_rounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order: list[str] = []

    def clone(ref: str, into: Path) -> Path:
        order.append("old" if ref == bench_generate.BASELINE else "new")
        into.mkdir(parents=True)
        return into

    monkeypatch.setattr(bench_generate, "_clone", clone)
    monkeypatch.setattr(
        bench_generate, "_timed", lambda *a, **k: 40.0 if order[-1] == "new" else 100.0
    )
    figure = bench_generate.fresh_clone(rounds=2)
    assert order == ["new", "old", "old", "new"]
    assert figure.measured.startswith("0.40x (40.0 s over 100.0 s")
    assert figure.met is True


def test_tiny_sizes_skip_generation_and_say_so() -> None:
    figures = bench_generate.run(1, fresh=False, measure=False)
    assert [(f.measured, f.met) for f in figures] == [("not measured (--tiny)", None)] * 2
    assert bench_bulk.table(figures)[2].endswith("| to come |")


def test_a_worker_that_found_nothing_to_do_did_no_domain() -> None:
    assert bench_bulk._domains_done(b'{"summary": {"done": 3}, "done": []}') == 3
    assert bench_bulk._domains_done(b'{"format_version": "1", "done": [], "failed": []}') == 0
    assert bench_bulk._domains_done(b"") == 0


# --- the whole script, at the least size ------------------------------------------------------
def _figures(section: str) -> list[list[str]]:
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]
    return [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]


def _section(text: str, heading: str) -> str:
    """The part of a report from ``heading`` to the next section's heading."""
    start = text.index(heading)
    return text[start : text.index("\n## ", start)]


def _report(output: Path) -> str:
    text = output.read_text()
    assert "`scripts/bench.py --tiny`" in text
    return text


def _tiny(tmp_path: Path, only: str) -> str:
    """The report of ``bench.py --tiny --only <only>``."""
    output = tmp_path / "B.md"
    proc = subprocess.run(
        [
            sys.executable,
            str(SCRIPTS / "bench.py"),
            "--tiny",
            "--only",
            only,
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]  # 2: a benchmark could not run
    return _report(output)


def _tiny_here(tmp_path: Path, only: str) -> str:
    """As :func:`_tiny`, with the script's ``main`` in this process, which has imported all the
    script imports already: for (e), whose figures come from the processes it starts and the
    sandbox's counts, not from the process the script runs in."""
    output = tmp_path / "B.md"
    status = bench.main(["--tiny", "--only", only, "--output", str(output)])
    assert status == 0  # 2: a benchmark could not run
    return _report(output)


# Every benchmark but (e), in one run of the script as `make bench` runs them, shared by the
# tests that each read their own sections of its report: an interpreter importing maildns, the
# specs' mock bodies and the report are then made once, not once per test. (e) runs alone, so
# that the report of a run of some benchmarks is seen to hold them only, both ways.
ALL_BUT_BULK = "abcdfghi"
SHARED = pytest.mark.xdist_group("bench_tiny")  # one worker makes the shared run, once


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _tiny(tmp_path_factory.mktemp("bench"), ALL_BUT_BULK)


@pytest.mark.bench
@SHARED
def test_tiny_bench_reports_a_consistent_ratio_for_every_benchmark_and_call(
    tiny_report: str,
) -> None:
    text = tiny_report
    assert f"Each benchmark runs {bench.TINY.rounds} rounds" in text
    calls = bench.CALLS
    per_call = (
        bench.MOCK_SYNC,
        bench.MOCK_ASYNC,
        bench.SANDBOX_SYNC,
        bench.sandbox_async_label(bench.TINY.concurrency),
    )
    server = bench.server_label(bench.TINY.concurrency)
    expected = (
        {(b, call) for b in per_call for call in calls}
        | {(bench.STARTUP, bench.STARTUP_CALL)}
        | {(server, call) for call in bench.SERVER_CALLS}
    )
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| (") and len(cells) == 8:
            rows[(cells[0], cells[1])] = cells
    assert set(rows) == expected
    for key, (_, _, raw, facade, ratio, spread, goal, verdict) in rows.items():
        assert RATIO.fullmatch(ratio), (key, ratio)
        low, high = (float(x) for x in spread.removesuffix("x").split("-"))
        value = float(ratio.removesuffix("x"))
        assert low <= value <= high, key  # the median of the rounds lies within them
        limit = float(goal.removeprefix("≤ ").removesuffix("x"))
        # the verdict follows from the ratio shown (to its rounding), whatever it is
        if verdict == "meets":
            assert value <= limit + 0.005, key
        else:
            assert re.fullmatch(r"misses by [0-9]+%", verdict), (key, verdict)
            assert value >= limit - 0.005, key
        assert re.fullmatch(r"[0-9.]+ (µs|ms)", raw), (key, raw)
        assert re.fullmatch(r"[0-9.]+ (µs|ms)", facade), (key, facade)
    assert "## (e) Bulk onboarding" not in text  # --only: the others only
    # (f): not measured at this size, and said so
    generation = _section(text, "## (f) Generation")
    assert [f[1] for f in _figures(generation)] == ["not measured (--tiny)"] * 2


@pytest.fixture
def bulk_postgres(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh database on the session's PostgreSQL server for (e)'s two workers, in place of
    the server of its own the script would start (the same initdb and start, once more); none
    where PostgreSQL is not installed, so that the script says so and the test fails."""
    from .postgres import binaries

    if binaries() is not None:
        monkeypatch.setenv(bench_bulk.POSTGRES_ENV, request.getfixturevalue("postgres_dsn"))


@pytest.mark.bench
@pytest.mark.usefixtures("bulk_postgres")
def test_tiny_bulk_bench_computes_each_figure_from_what_the_sandbox_counted(
    tmp_path: Path,
) -> None:
    text = _tiny_here(tmp_path, "e")
    assert not [line for line in text.splitlines() if line.startswith("| (")]  # (e) alone
    bulk = _section(text, "## (e) Bulk onboarding")
    figures = _figures(bulk)
    assert len(figures) == 5, figures  # one figure saying "error: ..." when (e) failed
    starts = ("Tesouro rate / limit (3 domains", "Tesouro 429s", "peak memory growth", "SIGKILL")
    assert [f[0].startswith(s) for f, s in zip(figures, starts, strict=False)] == [True] * 4
    assert figures[4][0] == "two workers on one PostgreSQL journal"
    rate = re.fullmatch(r"([0-9.]+)x \(([0-9.]+)/s over ([0-9]+) requests\)", figures[0][1])
    assert rate is not None, figures[0]
    assert float(rate[1]) == pytest.approx(float(rate[2]) / bench_bulk.LIMIT, abs=0.01)
    share = re.fullmatch(r"([0-9.]+)% \(([0-9]+) of ([0-9]+)\)", figures[1][1])
    assert share is not None, figures[1]
    assert float(share[1]) == pytest.approx(100 * int(share[2]) / int(share[3]), abs=0.01)
    assert int(share[3]) == int(rate[3])  # the same requests counted
    assert figures[2][1].endswith("(too few domains to judge)")
    assert re.fullmatch(r"SIGKILL at [0-9.]+ s( \(done\))?, then resume", figures[3][0])
    # correctness, not speed: every domain made once, after a kill and by two workers
    assert figures[3][1] == "every domain complete; 3 created for 3, 0 conflicts", figures[3]
    assert "; 3 created for 3, 0 conflicts, " in figures[4][1], figures[4]
    assert "exits" not in figures[4][1]
    assert figures[4][1].endswith("(rate not judged under 300 domains)")


def test_every_size_runs_every_benchmark() -> None:
    for size in (bench.TINY, bench.QUICK, bench.Settings()):
        assert size.rounds >= 2  # at least one round of each order
        assert min(size.mock_batch, size.sandbox_batch, size.async_batch, size.warmup) >= 1


@pytest.mark.bench
@SHARED
def test_tiny_checks_bench_reports_its_figures_from_what_it_measured(tiny_report: str) -> None:
    checks = _section(tiny_report, "## (g) What receivers' checks cost")
    figures = _figures(checks)
    assert [f[0] for f in figures] == [
        "plan of 5 domains, checks / no checks",
        "DNS queries per domain (plan)",
        "check of 5 domains (DNS only)",
    ], figures
    ratio = re.fullmatch(r"([0-9.]+)x \(([0-9.]+) s over ([0-9.]+) s, 1 rounds\)", figures[0][1])
    assert ratio is not None, figures[0]
    queries = re.fullmatch(r"([0-9.]+) \(([0-9]+) for 5 domains\)", figures[1][1])
    assert queries is not None, figures[1]
    assert float(queries[1]) == pytest.approx(int(queries[2]) / 5, abs=0.001)
    assert int(queries[2]) > 0  # the includes were looked up: the checks ran
    # correctness, not speed: every domain the bench onboarded passes what receivers check
    assert figures[2][1].endswith(", 5 of 5 pass"), figures[2]
    assert figures[2][3] == "meets"


def test_nameserver_rounds_alternate_and_the_ratio_is_the_median_of_per_round_ratios(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox, minimal = ("127.0.0.1", 1), ("127.0.0.1", 2)
    monkeypatch.setattr(bench_nameserver, "expected_answers", lambda server, wires: [b"x"])
    calls: list[tuple[int, int]] = []
    # Per-round ratios 0.5, 2.0, 1.0 (sandbox qps / minimal qps): the median is 1.0.
    scripted = {1: iter([100.0, 400.0, 300.0]), 2: iter([200.0, 200.0, 300.0])}

    def blast(
        server: tuple[str, int], wires: list[bytes], answers: list[bytes], n: int, start: int
    ) -> float:
        calls.append((server[1], n))
        return 1.0 if n == 200 else next(scripted[server[1]])  # 200: the warm-up

    monkeypatch.setattr(bench_nameserver, "blast", blast)
    measured = bench_nameserver.measure(sandbox, minimal, 3, 3, 300)
    assert calls[:2] == [(1, 200), (2, 200)]  # both warmed up first
    # the first side swaps every round
    assert calls[2:] == [(1, 300), (2, 300), (2, 300), (1, 300), (1, 300), (2, 300)]
    assert [r.first for r in measured] == ["sandbox", "minimal", "sandbox"]
    assert [r.ratio for r in measured] == [0.5, 2.0, 1.0]
    figure = bench_nameserver.figure(3, measured)
    assert figure.measured.startswith("1.00x (")
    assert "spread 0.50-2.00, 3 rounds" in figure.measured
    assert figure.met is True
    assert bench_nameserver.figure(1, measured[:1]).met is False  # 0.5 < 0.8


def test_nameserver_queries_every_query_new_are_never_the_same_bytes_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bench_nameserver, "expected_answers", lambda server, wires: [b"x"] * 3)
    sent: dict[int, list[bytes]] = {1: [], 2: []}

    def blast(
        server: tuple[str, int], wires: list[bytes], answers: list[bytes], n: int, start: int
    ) -> float:
        sent[server[1]] += [wires[(start + k) % len(wires)] for k in range(n)]
        return 1.0

    monkeypatch.setattr(bench_nameserver, "blast", blast)
    bench_nameserver.measure(("127.0.0.1", 1), ("127.0.0.1", 2), 3, 2, 10, distinct=True)
    for wires in sent.values():
        assert len(wires) == 10 + 2 * 10
        assert len(set(wires)) == len(wires)
        # the same three names in turn, each query still a well-formed one
        names = [dns.message.from_wire(w).question[0].name.to_text() for w in wires]
        assert names[:4] == [
            "h0.example.com.",
            "h1.example.com.",
            "h2.example.com.",
            "h0.example.com.",
        ]


@pytest.mark.bench
@SHARED
def test_tiny_nameserver_bench_reports_both_sizes(tiny_report: str) -> None:
    section = _section(tiny_report, "## (h) Sandbox nameserver")
    figures = _figures(section)
    assert [f[0] for f in figures] == [
        "nameserver, 1 record: sandbox / minimal dnspython server",
        "nameserver, 1 record, every query new: sandbox / minimal dnspython server",
        "nameserver, 3 records: sandbox / minimal dnspython server",
        "nameserver, 3 records, every query new: sandbox / minimal dnspython server",
    ], figures
    for figure in figures:
        shown = re.fullmatch(
            r"([0-9.]+)x \(([0-9]+) over ([0-9]+) queries/s, spread ([0-9.]+)-([0-9.]+), "
            r"2 rounds\)",
            figure[1],
        )
        assert shown is not None, figure
        assert float(shown[4]) <= float(shown[1]) <= float(shown[5])
        assert figure[2] == ">= 0.8x"
        assert figure[3] == ("meets" if float(shown[1]) >= 0.8 else "misses")


@pytest.mark.bench
@SHARED
def test_tiny_watch_bench_reports_its_figures_from_what_it_measured(tiny_report: str) -> None:
    watching = _section(tiny_report, "## (i) Watch")
    figures = _figures(watching)
    assert [f[0] for f in figures] == [
        "Tesouro requests/s, busiest second (6 domains, 3600 s interval)",
        "Tesouro listings per interval",
        "every domain checked once per interval",
        "checks per 600 s slot, busiest / mean",
        "drift to its event",
        "resident memory growth over 3 intervals",
    ], figures
    rate = re.fullmatch(
        r"([0-9]+) \(([0-9.]+)/s mean over ([0-9]+) requests, ([0-9]+) token\)", figures[0][1]
    )
    assert rate is not None, figures[0]
    listed = re.fullmatch(r"([0-9.]+) \(([0-9]+) in 3 intervals of 6 domains\)", figures[1][1])
    assert listed is not None, figures[1]
    # Six checks an hour are rarer than a listing's window (a minute): one listing per check,
    # and the tokens, are what the rate limit admitted; a listing refused for an expired token
    # (before the rate limit) is sent again once it is renewed.
    assert int(rate[3]) == 3 * 6 + int(rate[4])
    assert 3 * 6 <= int(listed[2]) <= 3 * 6 + int(rate[4])
    # correctness on the sandbox's clock, not speed: each of these holds at any size
    assert figures[2][1] == "18 checks in 3 intervals of 6"
    spread = re.fullmatch(r"([0-9.]+)x \(([0-9]+) over ([0-9.]+)\)", figures[3][1])
    assert spread is not None, figures[3]
    assert float(spread[1]) == pytest.approx(int(spread[2]) / float(spread[3]), abs=0.01)
    delay = re.fullmatch(r"([0-9.]+) s of the sandbox's clock", figures[4][1])
    assert delay is not None, figures[4]
    assert 0 < float(delay[1]) <= 3600
    assert [f[3] for f in figures[:5]] == ["meets"] * 5
