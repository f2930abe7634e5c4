"""Several workers on one PostgreSQL journal: no domain done twice, one rate budget, a SIGKILL.

Each worker is the real ``maildns`` command in a process of its own, as a team runs them, against
a sandbox that limits Tesouro (so that the workers overlap for seconds) and counts what it
answers; the journal is a fresh database on the real PostgreSQL server the suite starts. What
runs once the workers have ended (the rerun that finishes their work, ``maildns onboard plan``)
runs in this process: what it does is read from the journal and the vendors, wherever the
command runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from maildns.sandbox import Sandbox

from .conftest import point_env_at
from .test_bulk import bulk_config, run

pytestmark = pytest.mark.long

LIMIT = 10
DOMAINS = 30
FEW = 4  # where a held create, not the size, keeps an apply in the middle (the SQLite case)
RECORDS = 5  # SPF, DKIM, two MX and DMARC per domain
# 429s a busy machine may earn although the workers keep to one budget: the permits' 5% margin
# absorbs 50 ms of delay on the way; a request held up longer may land in the next second's
# window and be one too many there (then the pace halves). Two budgets instead of one would let
# both workers send 10 a second, and each second's window refuse about 10.
LATE = 4
CREATE = "/finops/v1/mailbox-domains"
HOLD = 3.0  # seconds a create is held at the vendor while its worker is paused


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


def rerun(config: Path, state: str) -> tuple[int, dict[str, object]]:
    """``worker`` started again once the others have ended, in this process."""
    code, stdout, stderr = run(
        "onboard", "apply", str(config), "--yes", "--json", "--state", state, "--concurrency", "4"
    )
    assert code in (0, 1), stderr
    return code, json.loads(stdout)


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


def assert_each_made_once(sb: Sandbox, count: int = DOMAINS) -> None:
    domains, zones, records, _ = made(sb)
    # one 201 each and no 409: none created twice (a create refused with 429 is sent again)
    assert (domains.get("201"), domains.get("409")) == (count, None), domains
    assert zones == {"200": count}  # TelecomX answers its creates with 200
    assert records == {"200": count * RECORDS}


def plan_is_empty(config: Path, state: str) -> bool:
    code, _, _ = run("onboard", "plan", str(config), "--state", state, "--json")
    return code == 0  # 2: something left to change; 1: an error


def created(sb: Sandbox) -> int:
    return made(sb)[0].get("201", 0)


def wait_for(what: str, done: Callable[[], bool], *alive: subprocess.Popen[str]) -> None:
    """Poll ``done`` (generously bounded: a busy machine is slow, never this slow)."""
    deadline = time.monotonic() + 180
    while not done():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        for proc in alive:
            assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)


def test_two_workers_share_the_domains_and_the_rate_budget(
    limited: Sandbox, postgres_dsn: str, tmp_path: Path
) -> None:
    config = bulk_config(tmp_path / "bulk.yaml", limited, DOMAINS)
    # Both take part whatever the machine's speed. The first works one zone at a time; its
    # first create is held at the vendor, and the first is paused there (waiting for an
    # answer, inside no transaction: it holds that zone's claim and nothing else). The second
    # runs until two domains are created: at most one of them is the first's (held, and it is
    # paused), so the second has made one. Then both go on. A worker that waited for the other
    # instead of skipping its claimed zone would never get there.
    limited.inject_fault("tesouro", "POST", CREATE, delay=HOLD)
    first = worker(config, postgres_dsn, "--concurrency", "1")
    wait_for("the first worker's held create", lambda: not limited.pending_faults(), first)
    first.send_signal(signal.SIGSTOP)
    try:
        second = worker(config, postgres_dsn)
        wait_for("the second worker's first domain", lambda: created(limited) >= 2, second)
    finally:
        first.send_signal(signal.SIGCONT)
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
    wait_for("the workers to be well under way", lambda: created(limited) >= DOMAINS // 4, doomed)
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=30)
    assert doomed.returncode == -signal.SIGKILL
    code, document = finish(survivor)  # 1 when it met a zone the dead worker left half done
    if code == 1:
        failed = document["failed_domains"]
        assert isinstance(failed, list)
        assert all("stopped in the middle of this zone" in f["error"] for f in failed)
    code, document = rerun(config, postgres_dsn)  # the dead worker, started again
    assert code == 0, document
    assert_each_made_once(limited)
    assert plan_is_empty(config, postgres_dsn)


def test_a_second_apply_on_one_sqlite_journal_is_refused_in_one_line(
    limited: Sandbox, tmp_path: Path
) -> None:
    # The running apply is paused while a create of its is held at the vendor (waiting for an
    # answer, inside no transaction): it holds the journal, however fast it would finish. So
    # a few domains make the case (the first held, the others done after the refusal), where
    # DOMAINS would only make the apply that finishes longer.
    config = bulk_config(tmp_path / "bulk.yaml", limited, FEW)
    state = str(tmp_path / "state.sqlite3")
    limited.inject_fault("tesouro", "POST", CREATE, delay=HOLD)
    running = worker(config, state, "--concurrency", "1")
    wait_for("the first apply's held create", lambda: not limited.pending_faults(), running)
    running.send_signal(signal.SIGSTOP)
    try:
        refused = worker(config, state)
        stdout, stderr = refused.communicate(timeout=180)
    finally:
        running.send_signal(signal.SIGCONT)
    # --json: the error's document on stdout, its one line on stderr
    assert json.loads(stdout)["error"]["type"] == "JournalError"
    assert refused.returncode == 1
    assert stderr.strip().count("\n") == 0
    assert "another maildns apply is using this journal" in stderr
    assert "postgresql://" in stderr
    code, _ = finish(running)
    assert code == 0
    assert_each_made_once(limited, FEW)


@pytest.mark.parametrize("how", ["terminate", "restart"])
def test_a_journal_server_that_drops_the_worker_mid_apply_ends_it_in_one_line(
    limited: Sandbox, tmp_path: Path, how: str, request: pytest.FixtureRequest
) -> None:
    """The server ends every connection of the worker (``pg_terminate_backend``), or restarts:
    the worker stops with one clear line, exit 1, and no traceback from any of its tasks; a
    rerun finishes.

    Ending the connections to the test's own database touches no other, so that case uses a
    fresh database on the suite's server; a restart cuts every connection to the server, so
    that case starts a server of its own."""
    from .postgres import restart, running_server

    with contextlib.ExitStack() as stack:
        if how == "restart":
            dsn = stack.enter_context(running_server())
        else:
            dsn = request.getfixturevalue("postgres_dsn")
        config = bulk_config(tmp_path / "bulk.yaml", limited, DOMAINS)
        running = worker(config, dsn, "--concurrency", "16")
        deadline = time.monotonic() + 60
        while made(limited)[0].get("201", 0) < DOMAINS // 4:  # well under way
            assert time.monotonic() < deadline, "the worker made no progress"
            assert running.poll() is None, running.communicate()
            time.sleep(0.05)
        if how == "restart":
            restart(dsn)
        else:
            terminate_the_other_connections(dsn)
        _, stderr = running.communicate(timeout=120)
        assert running.returncode == 1, stderr
        assert "Traceback" not in stderr, stderr
        errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, stderr
        assert "journal" in errors[0], errors
        code, _ = rerun(config, dsn)
        assert code == 0
        assert_each_made_once(limited)


def terminate_the_other_connections(dsn: str) -> None:
    """End every connection to ``dsn``'s database but this one (the worker's, all of them)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
