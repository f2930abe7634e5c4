"""`make bench`: scripts/bench.py --quick runs every benchmark and reports each as a ratio."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "bench.py"

CALLS = (
    "TelecomX.get_zone",
    "Tesouro.list_sending_domains",
    "Tesouro.create_sending_domain",
    "Ciirus.get_sending_domain",
)
PER_CALL = (
    "(a) MockTransport, sync",
    "(a) MockTransport, async",
    "(b) sandbox, sync",
    "(b) sandbox, async, concurrency 50",
)
SERVER = "(d) sandbox server / minimal Starlette, concurrency 50"
SERVER_CALLS = ("GET /telecomx/dns/example.com", "GET /tesouro/finops/v1/mailbox-domains")
EXPECTED = (
    {(bench, call) for bench in PER_CALL for call in CALLS}
    | {("(c) startup", "import + 3 clients")}
    | {(SERVER, call) for call in SERVER_CALLS}
)
RATIO = re.compile(r"[0-9]+\.[0-9]+x")


@pytest.mark.bench
def test_quick_bench_reports_a_ratio_for_every_benchmark_and_call(tmp_path: Path) -> None:
    output = tmp_path / "B.md"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]

    ratios: dict[tuple[str, str], str] = {}
    for line in output.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| (") and len(cells) == 8:
            ratios[(cells[0], cells[1])] = cells[4]
    assert set(ratios) == EXPECTED
    not_numeric = {key: ratio for key, ratio in ratios.items() if not RATIO.fullmatch(ratio)}
    assert not not_numeric
    # (e): a real bulk apply at the sandbox's limit, every figure measured or said to be missing.
    text = output.read_text()
    bulk = text[text.index("## (e) Bulk onboarding") : text.index("## Where the time goes")]
    rows = [line for line in bulk.splitlines() if line.startswith("| ") and "figure" not in line]
    figures = [r.split("|")[1].strip() for r in rows]
    starts = ("Tesouro rate / limit (30 domains", "Tesouro 429s", "peak memory growth", "SIGKILL")
    assert [f.startswith(start) for f, start in zip(figures, starts, strict=False)] == [True] * 4
    assert figures[4] == "two workers on one PostgreSQL journal"
    assert "created for 30, 0 conflicts, 0 429s" in rows[4]
    assert "every domain complete; 30 created for 30, 0 conflicts" in bulk
    # (f): the full regeneration measured on every core against one (the fresh-clone make is
    # too slow for the quick size: said to be unmeasured).
    generation = text[text.index("## (f) Generation") : text.index("## Where the time goes")]
    rows = [line for line in generation.splitlines() if line.startswith("| ")][1:]
    assert len(rows) == 2, generation
    assert rows[0].startswith("| full regeneration, --jobs "), rows[0]
    assert RATIO.search(rows[0].split("|")[2]), rows[0]
    assert "not measured (--quick)" in rows[1], rows[1]
