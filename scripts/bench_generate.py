"""``make bench`` (f): generation, in parallel and keyed by content.

Two ratios, each measured side by side in alternating rounds (which side goes first alternates
too), so that a busy machine slows both:

- full regeneration, every spec with both generators (``scripts/generate.py --all``), with
  ``--jobs`` every core over ``--jobs 1``: goal <= 0.6x on 2 cores;
- ``make`` on a fresh clone of this commit over a fresh clone of ``BASELINE``, the last commit
  whose ``make`` regenerated every client on a fresh clone (generation keyed by mtime): goal
  <= 0.5x. Both clones share uv's cache, as two clones on one machine do; each makes its own
  ``.venv`` and docs site.

    python scripts/bench_generate.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_bulk import Figure, table

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "720dbf675e0394db2ae47cbb4ace0e950f398787"
GOAL_PARALLEL = 0.6
GOAL_FRESH = 0.5
ROUNDS = 2
JOBS = os.cpu_count() or 1


def _timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} in {cwd} failed:\n{done.stdout}{done.stderr}")
    return took


def _ratio(what: str, measured: list[tuple[float, float]], goal: float, detail: str) -> Figure:
    ratios = [new / old for new, old in measured]
    ratio = statistics.median(ratios)
    new = statistics.median(n for n, _ in measured)
    old = statistics.median(o for _, o in measured)
    return Figure(
        what,
        f"{ratio:.2f}x ({new:.1f} s over {old:.1f} s; {min(ratios):.2f}-{max(ratios):.2f}x over "
        f"{len(ratios)} rounds{detail})",
        f"<= {goal}x",
        ratio <= goal,
    )


def regeneration(rounds: int) -> Figure:
    python = sys.executable
    measured: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for round_no in range(rounds):
            times: dict[int, float] = {}
            for jobs in (JOBS, 1) if round_no % 2 == 0 else (1, JOBS):
                out = Path(tmp) / f"{round_no}-{jobs}"
                command = [python, "scripts/generate.py", "--all", "--jobs", str(jobs)]
                times[jobs] = _timed([*command, "--out", str(out)], ROOT)
                shutil.rmtree(out)
            measured.append((times[JOBS], times[1]))
    return _ratio(
        f"full regeneration, --jobs {JOBS} / --jobs 1", measured, GOAL_PARALLEL, f", {JOBS} cores"
    )


def _clone(ref: str, into: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(ROOT), str(into)], check=True)
    subprocess.run(["git", "-C", str(into), "checkout", "-q", ref], check=True)
    return into


def fresh_clone(rounds: int) -> Figure:
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    env.pop("VIRTUAL_ENV", None)
    measured: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for round_no in range(rounds):
            times: dict[str, float] = {}
            for side in ("new", "old") if round_no % 2 == 0 else ("old", "new"):
                ref = head if side == "new" else BASELINE
                clone = _clone(ref, Path(tmp) / f"{round_no}-{side}")
                times[side] = _timed(["make"], clone, env)
                shutil.rmtree(clone)
            measured.append((times["new"], times["old"]))
    return _ratio(
        f"fresh-clone make, {head[:7]} / {BASELINE[:7]}", measured, GOAL_FRESH, ", uv cache shared"
    )


def run(rounds: int = ROUNDS, fresh: bool = True, measure: bool = True) -> list[Figure]:
    """Both figures; without ``fresh`` the fresh-clone one is said to be unmeasured (it makes
    two virtual environments a round: too slow for ``make bench --quick``), without
    ``measure`` both are (``--tiny``: the tests check this module's logic on their own)."""
    figures = []
    for measurer in (regeneration, fresh_clone):
        if not measure:
            what = (
                f"full regeneration, --jobs {JOBS} / --jobs 1"
                if measurer is regeneration
                else ("fresh-clone make")
            )
            goal = GOAL_PARALLEL if measurer is regeneration else GOAL_FRESH
            figures.append(Figure(what, "not measured (--tiny)", f"<= {goal}x", None))
            continue
        if measurer is fresh_clone and not fresh:
            figures.append(Figure("fresh-clone make", "not measured (--quick)", "<= 0.5x", None))
            continue
        try:
            figures.append(measurer(rounds))
        except Exception as exc:  # a figure that could not be measured, not a crash
            figures.append(Figure(measurer.__name__, f"error: {exc}", "runs", False))
        print(f"    (f) {figures[-1].what}: {figures[-1].measured}", file=sys.stderr, flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv)
    figures = run(args.rounds)
    print("\n".join(table(figures)))
    return 0 if all(f.met is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
