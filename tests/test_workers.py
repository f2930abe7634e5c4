"""Several workers on one PostgreSQL journal: no domain done twice, one rate budget, a SIGKILL.

Each worker is the real ``maildns`` command in a process of its own, as a team runs them, against
a sandbox that limits Tesouro (so that the workers overlap for seconds) and counts what it
answers; the journal is a fresh database on the real PostgreSQL server the suite starts.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from maildns.sandbox import Sandbox

from .conftest import point_env_at
from .test_bulk import bulk_config

LIMIT = 10
DOMAINS = 30
RECORDS = 4  # SPF, DKIM and two MX per domain
# 429s a busy machine may earn although the workers keep to one budget: the permits' 5% margin
# absorbs 50 ms of delay on the way; a request held up longer may land in the next second's
# window and be one too many there (then the pace halves). Two budgets instead of one earn a
# second's worth (10) as soon as both workers send.
LATE = 4


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with Sandbox(rate_limits={"tesouro": LIMIT}) as sb:
        yield point_env_at(sb, monkeypatch)


def worker(config: Path, state: str, *extra: str) -> subprocess.Popen[str]:
    command = [str(Path(sys.executable).parent / "maildns"), "onboard", "apply", str(config)]
    return subprocess.Popen(
        [*command, "--yes", "--json", "--state", state, "--concurrency", "4", *extra],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, dict[str, object]]:
    stdout, stderr = proc.communicate(timeout=240)
    assert proc.returncode in (0, 1), stderr
    return proc.returncode, json.loads(stdout)


def made(sb: Sandbox) -> tuple[dict[str, int], dict[str, int], dict[str, int], int]:
    """What the vendors answered to the creates, and Tesouro's 429s."""
    stats = sb.stats()
    tesouro, telecomx = stats["tesouro"], stats["telecomx"]
    return (
        tesouro["operations"].get("createMailboxDomain", {}),
        telecomx["operations"].get("createDns", {}),
        telecomx["operations"].get("addDnsRecord", {}),
        tesouro["status"].get("429", 0),
    )


def assert_each_made_once(sb: Sandbox) -> None:
    domains, zones, records, _ = made(sb)
    # one 201 each and no 409: none created twice (a create refused with 429 is sent again)
    assert (domains.get("201"), domains.get("409")) == (DOMAINS, None), domains
    assert zones == {"200": DOMAINS}  # TelecomX answers its creates with 200
    assert records == {"200": DOMAINS * RECORDS}


def plan_is_empty(config: Path, state: str) -> bool:
    command = [str(Path(sys.executable).parent / "maildns"), "onboard", "plan", str(config)]
    done = subprocess.run([*command, "--state", state, "--json"], capture_output=True, text=True)
    return done.returncode == 0


def test_two_workers_share_the_domains_and_the_rate_budget(
    limited: Sandbox, postgres_dsn: str, tmp_path: Path
) -> None:
    config = bulk_config(tmp_path / "bulk.yaml", limited, DOMAINS)
    first, second = worker(config, postgres_dsn), worker(config, postgres_dsn)
    (code_a, a), (code_b, b) = finish(first), finish(second)
    assert (code_a, code_b) == (0, 0), (a, b)
    summary_a, summary_b = a["summary"], b["summary"]
    assert isinstance(summary_a, dict)
    assert isinstance(summary_b, dict)
    # each domain done by one worker: together exactly all of them, each worker some
    assert summary_a["done"] + summary_b["done"] == DOMAINS
    assert summary_a["done"] > 0
    assert summary_b["done"] > 0
    assert summary_a["failed"] == summary_b["failed"] == 0
    assert_each_made_once(limited)
    # One budget: two workers at 10/s each would earn 429s by the second (see LATE).
    assert made(limited)[3] <= LATE
    assert plan_is_empty(config, postgres_dsn)


def test_killing_one_of_two_workers_loses_and_duplicates_nothing(
    limited: Sandbox, postgres_dsn: str, tmp_path: Path
) -> None:
    config = bulk_config(tmp_path / "bulk.yaml", limited, DOMAINS)
    doomed, survivor = worker(config, postgres_dsn), worker(config, postgres_dsn)
    deadline = time.monotonic() + 180  # a bound on workers that hang, not on their speed
    while made(limited)[0].get("201", 0) < DOMAINS // 4:  # well under way
        assert time.monotonic() < deadline, "the workers made no progress"
        assert doomed.poll() is None, doomed.communicate()
        time.sleep(0.05)
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=30)
    assert doomed.returncode == -signal.SIGKILL
    code, document = finish(survivor)  # 1 when it met a zone the dead worker left half done
    if code == 1:
        failed = document["failed_domains"]
        assert isinstance(failed, list)
        assert all("another worker stopped" in f["error"] for f in failed)
    again = worker(config, postgres_dsn)  # the dead worker, started again
    code, document = finish(again)
    assert code == 0, document
    assert_each_made_once(limited)
    assert plan_is_empty(config, postgres_dsn)


def test_a_second_apply_on_one_sqlite_journal_is_refused_in_one_line(
    limited: Sandbox, tmp_path: Path
) -> None:
    config = bulk_config(tmp_path / "bulk.yaml", limited, DOMAINS)
    state = str(tmp_path / "state.sqlite3")
    running = worker(config, state)
    deadline = time.monotonic() + 180
    while not made(limited)[0]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    refused = worker(config, state)
    stdout, stderr = refused.communicate(timeout=180)
    assert stdout == ""
    assert refused.returncode == 1
    assert stderr.strip().count("\n") == 0
    assert "another maildns apply is using this journal" in stderr
    assert "postgresql://" in stderr
    code, _ = finish(running)
    assert code == 0
    assert_each_made_once(limited)
