"""The journal: steps recorded before and after, what maildns owns, claims, surviving a SIGKILL.

One contract (:class:`JournalContract`) that both backends pass: SQLite on a file in the test's
folder, PostgreSQL on a fresh database of the real server the suite starts (tests/postgres.py).
Then what only one of them has: SQLite's file, versions and migrations, one apply at a time;
PostgreSQL's claims between sessions and its hidden password.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from maildns import RecordType
from maildns.onboarding import open_journal
from maildns.onboarding._journal import (
    DEFAULT_IDENTITY,
    SCHEMA_VERSION,
    Journal,
    JournalError,
    SqliteJournal,
    sqlite_reason,
)
from maildns.onboarding._plan import Change

from .journals import Rows, write_v3

DOMAIN = "mail.example.com"
FROZEN_MARGIN = 10.0
"""Seconds past a deadline that a call given up at it may take to come back, on a busy machine."""


def record(action: str, value: str, old: str | None = None) -> Change:
    return Change(
        action,  # type: ignore[arg-type]
        "telecomx",
        "record",
        DOMAIN,
        RecordType.TXT,
        f"krs._domainkey.{DOMAIN}",
        value,
        None,
        old,
    )


def claims(journal: Journal, zone: str, within: float = 60.0) -> bool:
    """Whether ``journal`` can claim ``zone`` within a minute: the server frees a closed
    session's locks as its backend exits, which is soon after the client has gone, not before
    (a generous bound: a busy machine may take seconds to end the backend)."""
    deadline = time.monotonic() + within
    while not journal.claim(zone):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


class JournalContract:
    """What every journal does; a subclass says where one lives (``location``)."""

    location: str

    @pytest.fixture(autouse=True)
    def _where(self, request: pytest.FixtureRequest, tmp_path: Path) -> None:
        self.location = self.where(request, tmp_path)

    def where(self, request: pytest.FixtureRequest, tmp_path: Path) -> str:
        raise NotImplementedError

    def open(self, identity: str = DEFAULT_IDENTITY) -> Journal:
        return open_journal(self.location, identity)

    def test_steps_are_written_before_and_after(self) -> None:
        with self.open() as journal:
            change = record("create", "k=rsa; p=A")
            step = journal.begin(change)
            assert [s.state for s in journal.unfinished()] == ["started"]
            journal.done(step, change, "201")
            assert journal.unfinished() == []
            assert [(s.state, s.detail, s.change) for s in journal.steps(DOMAIN)] == [
                ("done", "201", change)
            ]
            other = journal.begin(record("create", "k=rsa; p=B"))
            journal.failed(other, "409 name")
            assert [s.state for s in journal.steps()] == ["done", "failed"]
        with self.open() as again:  # and they are still there when opened again
            assert [s.detail for s in again.steps()] == ["201", "409 name"]

    def test_what_maildns_created_is_owned_and_follows_updates_and_deletes(self) -> None:
        name = f"krs._domainkey.{DOMAIN}"
        with self.open() as journal:
            for change in (record("create", "k=rsa; p=A"),):
                journal.done(journal.begin(change), change)
            assert journal.owned("telecomx") == {(RecordType.TXT, name, "k=rsa; p=A")}
            rotated = record("update", "k=rsa; p=B", old="k=rsa; p=A")
            journal.done(journal.begin(rotated), rotated)
            assert journal.owned("telecomx", DOMAIN) == {(RecordType.TXT, name, "k=rsa; p=B")}
            assert journal.owned("telecomx", "other.example.com") == set()
            gone = record("delete", "k=rsa; p=B")
            journal.done(journal.begin(gone), gone)
            assert journal.owned("telecomx") == set()
            # zones and sending domains are steps, not owned records
            zone = Change("create", "telecomx", "zone", "example.com")
            journal.done(journal.begin(zone), zone)
            assert journal.owned("telecomx") == set()
            made = Change("create", "tesouro", "sending_domain", DOMAIN)
            journal.done(journal.begin(made, "example.com"), made)
            _, created = journal.prunable("telecomx", keep=set())
            assert [(c.vendor, c.domain, c.zone) for c in created] == [
                ("tesouro", DOMAIN, "example.com")
            ]
            assert journal.prunable("telecomx", keep={DOMAIN}) == ([], [])

    def test_an_spf_record_merged_into_remembers_what_it_held(self) -> None:
        foreign = "v=spf1 include:_spf.google.com -all"
        merged = "v=spf1 include:_spf.google.com include:mailgun.org -all"
        rotated = "v=spf1 include:_spf.google.com include:eu.mailgun.org -all"
        with self.open() as journal:
            for old, new in ((foreign, merged), (merged, rotated)):
                change = Change(
                    "update",
                    "telecomx",
                    "record",
                    DOMAIN,
                    RecordType.TXT,
                    DOMAIN,
                    new,
                    old_value=old,
                )
                journal.done(journal.begin(change, "example.com"), change)
            (owned,), _ = journal.prunable("telecomx", keep=set())
            assert (owned.value, owned.replaced, owned.zone) == (rotated, foreign, "example.com")

    def test_a_zone_touched_since_a_horizon_says_how(self) -> None:
        with self.open() as journal, self.open() as other:
            horizon = journal.horizon()
            assert journal.touched_since("example.com", horizon) is None
            change = record("create", "k=rsa; p=A")
            step = other.begin(change, "example.com")  # another worker, another connection
            assert journal.touched_since("example.com", horizon) == "started"
            assert journal.touched_since("example.org", horizon) is None
            other.done(step, change)
            assert journal.touched_since("example.com", horizon) == "changed"
            later = journal.horizon()
            assert later > horizon
            assert journal.touched_since("example.com", later) is None
            # a step begun before the horizon and ended after it is a change since
            second = other.begin(record("create", "k=rsa; p=B"), "example.com")
            between = journal.horizon()
            other.failed(second, "timeout")
            assert journal.touched_since("example.com", between) == "changed"

    def test_settling_leaves_a_step_that_ended_meanwhile_as_it_ended(self) -> None:
        with self.open() as journal:
            change = record("create", "k=rsa; p=A")
            step = journal.begin(change, "example.com")
            (seen,) = journal.unfinished()
            journal.failed(step, "409 name")  # its own worker ended it after it was seen
            journal.settle(seen.id, seen.change, happened=True)
            assert [(s.state, s.detail) for s in journal.steps()] == [("failed", "409 name")]
            assert journal.owned("telecomx") == set()

    def test_a_closed_journal_says_so(self) -> None:
        journal = self.open()
        journal.close()
        journal.close()  # once is enough
        with pytest.raises(JournalError, match=r": the journal is closed$"):
            journal.steps()

    def test_a_process_killed_between_begin_and_done_leaves_a_step_to_settle(self) -> None:
        script = textwrap.dedent(
            f"""
            import os, signal, sys
            from maildns import RecordType
            from maildns.onboarding import open_journal
            from maildns.onboarding._plan import Change
            journal = open_journal({self.location!r})
            change = Change("create", "telecomx", "record", "{DOMAIN}", RecordType.TXT,
                            "{DOMAIN}", "v=spf1 ~all")
            journal.done(journal.begin(change, "example.com"), change)
            journal.claim("example.com")
            journal.begin(Change("create", "tesouro", "sending_domain", "{DOMAIN}"), "example.com")
            print("begun", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)  # between the request and its "done"
            """
        )
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert done.returncode == -signal.SIGKILL, done.stderr
        assert done.stdout == "begun\n"
        with self.open() as journal:
            (open_step,) = journal.unfinished()
            assert (open_step.change.kind, open_step.change.vendor) == ("sending_domain", "tesouro")
            assert claims(journal, "example.com")  # the dead process's claim went with it
            journal.settle(open_step.id, open_step.change, happened=True)
            assert journal.unfinished() == []
            assert [s.state for s in journal.steps()] == ["done", "done"]
            assert journal.owned("telecomx") == {(RecordType.TXT, DOMAIN, "v=spf1 ~all")}
            assert [c.domain for c in journal.prunable("telecomx", keep=set())[1]] == [DOMAIN]

    def test_each_configuration_reads_and_ends_only_its_own_rows(self) -> None:
        other_domain = "news.example.com"
        with self.open("one") as one, self.open("two") as two:
            horizon = two.horizon()
            mine = record("create", "k=rsa; p=A")
            one.done(one.begin(mine, "example.com"), mine)
            made = Change("create", "tesouro", "sending_domain", DOMAIN)
            one.done(one.begin(made, "example.com"), made)
            theirs = Change(
                "create", "telecomx", "record", other_domain, RecordType.TXT, other_domain, "v"
            )
            two.done(two.begin(theirs, "example.com"), theirs)
            open_step = one.begin(record("create", "k=rsa; p=B"), "example.com")

            assert one.owned("telecomx") == {
                (RecordType.TXT, f"krs._domainkey.{DOMAIN}", "k=rsa; p=A")
            }
            assert two.owned("telecomx") == {(RecordType.TXT, other_domain, "v")}
            assert two.owned("telecomx", DOMAIN) == set()
            records, created = one.prunable("telecomx", keep=set())
            assert [(r.domain, r.value) for r in records] == [(DOMAIN, "k=rsa; p=A")]
            assert [c.domain for c in created] == [DOMAIN]
            records, created = two.prunable("telecomx", keep=set())
            assert ([r.domain for r in records], created) == ([other_domain], [])
            assert {s.domain for s in one.steps()} == {DOMAIN}
            assert [s.domain for s in two.steps()] == [other_domain]
            assert two.steps(DOMAIN) == []
            # an open step is everyone's to settle (zones are shared), nobody else's to end
            assert [s.id for s in one.unfinished()] == [open_step]
            assert [s.id for s in two.unfinished()] == [open_step]
            two.failed(open_step, "not mine")
            two.done(open_step, record("create", "k=rsa; p=B"))
            assert [s.state for s in one.steps() if s.id == open_step] == ["started"]
            # zones are shared: the horizon and what touched a zone are everyone's
            assert two.touched_since("example.com", horizon) == "started"
            assert two.horizon() == one.horizon() > horizon
            # settled by the other configuration: what it made stays the first one's
            two.settle(open_step, record("create", "k=rsa; p=B"), happened=True)
            assert [s.state for s in one.steps() if s.id == open_step] == ["done"]
            assert (RecordType.TXT, f"krs._domainkey.{DOMAIN}", "k=rsa; p=B") in one.owned(
                "telecomx"
            )
            assert two.owned("telecomx", DOMAIN) == set()
            assert two.touched_since("example.com", horizon) == "changed"
        with self.open("three") as three:  # a configuration with nothing yet
            assert three.owned("telecomx") == set()
            assert three.prunable("telecomx", keep=set()) == ([], [])
            assert three.steps() == []

    def test_an_unknown_step_counts_as_a_change_and_is_settled_by_the_next_run(self) -> None:
        with self.open() as journal:
            change = record("create", "k=rsa; p=A")
            step = journal.begin(change, "example.com")
            horizon = journal.horizon()
            journal.unknown(step, "no answer within 30 s")
            ((state, detail),) = [(s.state, s.detail) for s in journal.unfinished()]
            assert (state, detail) == ("unknown", "no answer within 30 s")
            # its effect may be there: a plan read before it is stale, not "half done"
            assert journal.touched_since("example.com", horizon) == "changed"
            assert journal.touched_since("example.com", journal.horizon()) is None
            journal.unknown(step, "again")  # only a started step becomes unknown
            assert [s.detail for s in journal.unfinished()] == ["no answer within 30 s"]
            journal.settle(step, change, happened=True)
            assert journal.unfinished() == []
            assert [(s.state, s.detail) for s in journal.steps()] == [
                ("done", "settled: found done after no answer came")
            ]
            assert journal.owned("telecomx") == {(RecordType.TXT, change.name, change.value)}
            other = journal.begin(record("create", "k=rsa; p=B"), "example.com")
            journal.unknown(other, "connection lost")
            journal.settle(other, record("create", "k=rsa; p=B"), happened=False)
            assert [(s.state, s.detail) for s in journal.steps()][1] == (
                "failed",
                "settled: not found after no answer came",
            )

    def test_a_configuration_without_state_learns_who_holds_its_domains(self) -> None:
        with self.open("old") as old, self.open("new") as new, self.open("other") as other:
            for domain in ("a.example.com", "b.example.com", "c.example.com"):
                change = Change("create", "tesouro", "sending_domain", domain)
                old.done(old.begin(change, "example.com"), change)
            change = Change("create", "tesouro", "sending_domain", "a.example.com")
            other.failed(other.begin(change, "example.com"), "409")
            wanted = ["a.example.com", "b.example.com", "z.example.com"]
            assert new.elsewhere(wanted) == {"old": 2, "other": 1}
            assert new.elsewhere(["z.example.com"]) == {}
            new.failed(new.begin(change, "example.com"), "409")  # state of its own now
            assert new.elsewhere(wanted) == {}

    def test_a_schema_3_journal_is_migrated_and_its_rows_are_nobody_s_until_claimed(
        self,
    ) -> None:
        spf = Change("create", "telecomx", "record", DOMAIN, RecordType.TXT, DOMAIN, "v=spf1 ~all")
        made = Change("create", "tesouro", "sending_domain", DOMAIN)
        other = "news.example.com"
        other_made = Change("create", "tesouro", "sending_domain", other)
        killed = Change("create", "ciirus", "sending_domain", other)

        def step(i: int, change: Change, state: str) -> tuple[object, ...]:
            data = json.dumps(change.to_json())
            return (i, change.domain, data, state, "", "then", None, "example.com", i)

        write_v3(
            self.location,
            Rows(
                steps=[
                    step(1, spf, "done"),
                    step(2, made, "done"),
                    step(3, other_made, "done"),
                    step(4, killed, "started"),
                ],
                owned=[
                    ("telecomx", DOMAIN, "TXT", DOMAIN, "v=spf1 ~all", "example.com", None, None)
                ],
                created=[("tesouro", DOMAIN, "example.com"), ("tesouro", other, "example.com")],
            ),
        )
        with self.open("one") as one, self.open("two") as two:
            # nobody's: never pruned, though a plan still knows what maildns made
            assert one.prunable("telecomx", keep=set()) == ([], [])
            assert two.prunable("telecomx", keep=set()) == ([], [])
            assert one.owned("telecomx", DOMAIN) == {(RecordType.TXT, DOMAIN, "v=spf1 ~all")}
            assert one.unclaimed(keep=[DOMAIN]) == [other]
            assert one.steps() == []
            # a step a killed run left is settled by whoever comes, and stays nobody's
            ((unfinished),) = one.unfinished()
            assert unfinished.id == 4
            one.settle(unfinished.id, unfinished.change, happened=True)
            assert one.prunable("telecomx", keep=set()) == ([], [])
            assert one.elsewhere([DOMAIN, other]) == {}  # nobody else's either
            # the first apply of "one" takes over the rows of the domains it names
            assert one.adopt([DOMAIN, "unknown.example.com"]) == 1
            assert one.adopt([DOMAIN]) == 0
            records, created = one.prunable("telecomx", keep=set())
            assert [(r.domain, r.value) for r in records] == [(DOMAIN, "v=spf1 ~all")]
            assert [(c.vendor, c.domain) for c in created] == [("tesouro", DOMAIN)]
            assert [s.id for s in one.steps()] == [1, 2]
            assert two.prunable("telecomx", keep=set()) == ([], [])
            assert two.elsewhere([DOMAIN]) == {"one": 1}
            assert one.unclaimed(keep=[]) == [other]
            # the new schema's writes: later ids and seqs, the state unknown
            new = one.begin(made, "example.com")
            assert new > 4
            assert one.horizon() > 4
            one.unknown(new, "no answer")
            assert [s.state for s in one.unfinished()] == ["unknown"]
        with self.open() as again:  # migrated once: opened again as it is
            assert again.unclaimed(keep=[]) == [other]


class TestSqliteJournal(JournalContract):
    def where(self, request: pytest.FixtureRequest, tmp_path: Path) -> str:
        return str(tmp_path / "state.sqlite3")

    def test_one_apply_at_a_time_holds_the_file(self) -> None:
        with self.open() as first, self.open() as second:
            refused = pytest.raises(JournalError, match="another maildns apply is using")
            with first.exclusive(), refused, second.exclusive():
                pass
            with second.exclusive():  # let go with the block
                assert second.claim("example.com")  # one worker: every zone is its own


class TestPostgresJournal(JournalContract):
    def where(self, request: pytest.FixtureRequest, tmp_path: Path) -> str:
        dsn: str = request.getfixturevalue("postgres_dsn")
        return dsn

    def test_claims_are_one_worker_s_until_released_or_gone(self) -> None:
        first, second = self.open(), self.open()
        try:
            assert first.claim("a.example")
            assert not second.claim("a.example")
            assert second.claim("b.example")  # other zones are free
            first.release("a.example")
            assert second.claim("a.example")
            assert not first.claim("b.example")
            second.close()  # a worker that goes away: its claims go with its session
            assert claims(first, "a.example")
            assert claims(first, "b.example")
        finally:
            first.close()
            second.close()

    def test_workers_opening_a_new_database_at_once_make_one_schema(self) -> None:
        with ThreadPoolExecutor(4) as pool:
            journals = list(pool.map(lambda _: self.open(), range(4)))
        try:
            steps = [
                j.begin(record("create", f"k=rsa; p={i}"), "example.com")
                for i, j in enumerate(journals)
            ]
            assert len(set(steps)) == 4
            assert len(journals[0].unfinished()) == 4
        finally:
            for journal in journals:
                journal.close()

    def test_the_password_is_never_shown(self, postgres_server: str) -> None:
        secret = "s3cret-Pa55word"
        parts = urlsplit(self.location)
        with_password = parts._replace(netloc=f"maildns:{secret}@{parts.hostname}:{parts.port}")
        dsn = urlunsplit(with_password)
        with open_journal(dsn) as journal:  # trust auth: any password is let in
            assert secret not in repr(journal)
            assert secret not in journal.location
            assert "maildns:***@" in journal.location
        missing = urlunsplit(with_password._replace(path="/no_such_database"))
        with pytest.raises(JournalError) as raised:
            open_journal(missing + f"?password={secret}")
        message = str(raised.value)
        assert "no_such_database" in message
        assert "does not exist" in message
        assert secret not in message
        closed = f"postgresql://maildns:{secret}@127.0.0.1:1/db"
        with pytest.raises(JournalError, match="cannot open the journal") as raised:
            open_journal(closed)
        assert secret not in str(raised.value)

    # --- PostgreSQL: every call has a deadline, every error is worded -------------------------
    def test_a_frozen_server_is_given_up_at_the_deadline(self) -> None:
        journal = open_journal(self.location, timeout=1)
        backend = journal._db.info.backend_pid  # the server process of the journal's session
        os.kill(backend, signal.SIGSTOP)  # it hears nothing; its kernel still acknowledges TCP
        try:
            started = time.monotonic()
            with pytest.raises(JournalError) as raised:
                journal.horizon()
            waited = time.monotonic() - started
            assert str(raised.value) == (
                f"{journal.location}: the journal failed: the journal's server did not answer "
                "within 1 s: it may be stopped, overloaded or cut off (MAILDNS_STATE_TIMEOUT "
                "sets how long to wait)"
            )
            assert 1 <= waited < 1 + FROZEN_MARGIN
            # given up: later calls fail at once instead of waiting again
            with pytest.raises(JournalError, match="server stopped answering"):
                journal.begin(record("create", "k=rsa; p=A"))
            journal.close()  # the thread that waited in its socket was let go
        finally:
            os.kill(backend, signal.SIGCONT)

    def test_a_process_whose_journal_server_froze_still_ends(self) -> None:
        script = textwrap.dedent(
            f"""
            import sys, time
            from maildns.onboarding import JournalError, open_journal
            journal = open_journal({self.location!r})  # MAILDNS_STATE_TIMEOUT: 1 s
            print(journal._db.info.backend_pid, flush=True)
            sys.stdin.readline()  # its server is frozen now
            try:
                journal.horizon()
            except JournalError as error:
                print(error, flush=True)
            """  # and it ends, the journal left open: its thread must not hold the exit
        )
        env = {**os.environ, "MAILDNS_STATE_TIMEOUT": "1"}
        process = subprocess.Popen(
            [sys.executable, "-c", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        backend = None
        try:
            assert process.stdout is not None
            backend = int(process.stdout.readline())
            os.kill(backend, signal.SIGSTOP)
            stdout, stderr = process.communicate("frozen\n", timeout=1 + FROZEN_MARGIN)
        finally:
            if backend is not None:
                os.kill(backend, signal.SIGCONT)
            process.kill()
        assert process.returncode == 0, stderr
        assert "the journal's server did not answer within 1 s" in stdout
        assert stderr == ""

    def test_a_slow_server_cancels_the_statement_and_the_journal_goes_on(self) -> None:
        with (
            open_journal(self.location, timeout=2) as journal,
            psycopg.connect(self.location) as other,
        ):
            other.execute("LOCK TABLE maildns.steps IN ACCESS EXCLUSIVE MODE")  # held: a slow one
            with pytest.raises(JournalError) as raised:
                journal.begin(record("create", "k=rsa; p=A"))
            assert str(raised.value).startswith(
                f"{journal.location}: the journal failed: a lock was not granted within 800ms "
                "(lock_timeout): "
            )
            other.rollback()
            step = journal.begin(record("create", "k=rsa; p=A"))  # the same connection
            assert [s.id for s in journal.unfinished()] == [step]

    def test_a_lost_connection_is_one_line_and_ends_the_journal(self) -> None:
        with self.open() as journal:
            assert journal.claim("example.com")
            with psycopg.connect(self.location, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(%s, 10000)", (journal._db.info.backend_pid,)
                )  # as a restart does; returns once it is gone
            with pytest.raises(JournalError) as raised:
                journal.horizon()
            lost = (
                f"{journal.location}: the journal failed: the connection to the journal's server "
                "was lost (the server restarted, or the network failed); run again"
            )
            assert str(raised.value) == lost
            with pytest.raises(JournalError) as raised:  # its claims went with it: no going on
                journal.claim("example.com")
            assert "was lost" in str(raised.value)
        assert claims(self.open(), "example.com")

    def test_a_refused_login_and_an_unreachable_server_are_worded(self) -> None:
        secret = "s3cret-Pa55word"
        role = f"locked_out_{os.getpid()}"
        with psycopg.connect(self.location, autocommit=True) as admin:
            admin.execute(f"CREATE ROLE {role} NOLOGIN")
        try:
            parts = urlsplit(self.location)
            server = f"{parts.hostname}:{parts.port}"
            refused = urlunsplit(parts._replace(netloc=f"{role}:{secret}@{server}"))
            with pytest.raises(JournalError) as raised:
                open_journal(refused)
        finally:
            with psycopg.connect(self.location, autocommit=True) as admin:
                admin.execute(f"DROP ROLE {role}")
        message = str(raised.value)
        assert message.startswith(
            f"postgresql://{role}:***@{server}{parts.path}: cannot open the journal: "
            "authentication failed: "
        )
        assert f'role "{role}" is not permitted to log in' in message
        assert secret not in message
        with pytest.raises(JournalError) as raised:
            open_journal(f"postgresql://maildns:{secret}@127.0.0.1:1/db")
        message = str(raised.value)
        assert message.startswith(
            "postgresql://maildns:***@127.0.0.1:1/db: cannot open the journal: "
            "the journal's server cannot be reached: "
        )
        assert secret not in message

    def test_the_deadline_is_a_number_of_seconds(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("MAILDNS_STATE_TIMEOUT", "soon")
        with pytest.raises(JournalError) as raised:
            self.open()
        assert str(raised.value) == (
            "MAILDNS_STATE_TIMEOUT must be a number of seconds above 0, got 'soon'"
        )
        monkeypatch.setenv("MAILDNS_STATE_TIMEOUT", "2.5")
        with self.open() as journal:
            assert journal.timeout == 2.5  # type: ignore[attr-defined]
        with pytest.raises(JournalError, match="timeout must be a number of seconds above 0"):
            open_journal(self.location, timeout=0)


def test_the_file_is_wal_and_versioned_and_a_foreign_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "state.sqlite3"
    SqliteJournal(path).close()  # makes the folder too
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with pytest.raises(
        JournalError, match=f"schema version 99, this maildns reads {SCHEMA_VERSION}"
    ):
        SqliteJournal(path)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database, not at all" * 100)
    with pytest.raises(JournalError, match="not a maildns journal"):
        SqliteJournal(junk)


# --- SQLite: the file is checked, not trusted -----------------------------------------------------
def test_an_empty_file_is_refused_never_taken_for_a_new_journal(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    path.touch()  # a journal truncated to nothing
    with pytest.raises(JournalError) as raised:
        SqliteJournal(path)
    assert str(raised.value) == (
        f"{path}: the journal is empty (0 bytes), maybe truncated; maildns never leaves one so: "
        "restore it from a backup, or move it away to start a new journal"
    )
    assert path.stat().st_size == 0  # left as it was
    assert sorted(os.listdir(tmp_path)) == ["state.sqlite3"]


KILLED_CREATING = """
import os, signal, sys
from maildns.onboarding._journal import SqliteJournal

def killed(source, destination):  # its schema written, not yet in place
    os.kill(os.getpid(), signal.SIGKILL)

os.link = killed
SqliteJournal(sys.argv[1])
"""


def test_a_new_journal_appears_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "journal" / "state.sqlite3"
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_CREATING, str(path)], capture_output=True, text=True
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not path.exists()  # no journal rather than an empty one
    (leftover,) = os.listdir(path.parent)
    assert leftover.startswith(".state.sqlite3.")
    # the next opener makes it whole, and tidies what the killed one left
    with SqliteJournal(path) as journal:
        assert journal.steps() == []
    assert [n for n in os.listdir(path.parent) if not n.startswith("state.sqlite3")] == []
    # openers racing to make one journal each open the same whole journal
    racing = tmp_path / "racing" / "state.sqlite3"
    start = threading.Barrier(6)

    def open_and_write(i: int) -> int:
        start.wait()
        with SqliteJournal(racing) as journal:
            return journal.begin(record("create", f"k=rsa; p={i}"))

    with ThreadPoolExecutor(6) as pool:
        steps = list(pool.map(open_and_write, range(6)))
    assert sorted(steps) == [1, 2, 3, 4, 5, 6]
    assert [n for n in os.listdir(racing.parent) if n.endswith(".new")] == []


def test_another_program_s_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE users (id INTEGER); CREATE TABLE orders (id INTEGER);"
        "INSERT INTO users VALUES (1);"
    )
    db.close()
    before = path.read_bytes()
    with pytest.raises(JournalError) as raised:
        SqliteJournal(path)
    assert str(raised.value) == (
        f"{path}: not a maildns journal: it holds another program's tables (orders, users); "
        "give maildns a file of its own (--state)"
    )
    assert path.read_bytes() == before  # not a table added, not its journal mode changed
    assert os.listdir(tmp_path) == ["app.db"]
    marked = tmp_path / "marked.db"  # a meta of its own, another application's
    db = sqlite3.connect(marked)
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
        "INSERT INTO meta VALUES ('application', 'grafana'), ('schema_version', '4');"
        "CREATE TABLE steps (id INTEGER);"
    )
    db.close()
    with pytest.raises(JournalError, match=r"it holds the tables of 'grafana' \(meta, steps\)"):
        SqliteJournal(marked)
    # a database with nothing in it yet is made a journal
    bare = tmp_path / "bare.db"
    db = sqlite3.connect(bare)
    db.execute("PRAGMA user_version = 7")
    db.close()
    with SqliteJournal(bare) as journal:
        assert journal.steps() == []
    db = sqlite3.connect(bare)
    assert ("application", "maildns") in db.execute("SELECT key, value FROM meta").fetchall()
    db.close()


def test_every_path_to_one_journal_is_one_journal_with_one_lock(tmp_path: Path) -> None:
    real = tmp_path / "real" / "state.sqlite3"
    SqliteJournal(real).close()
    link = tmp_path / "link.sqlite3"
    link.symlink_to(real)
    folder = tmp_path / "folder"
    folder.symlink_to(real.parent)
    with (
        SqliteJournal(link) as first,
        SqliteJournal(folder / "state.sqlite3") as second,
        SqliteJournal(real) as third,
    ):
        with first.exclusive():
            for other in (second, third):
                with (
                    pytest.raises(JournalError, match="another maildns apply is using"),
                    other.exclusive(),
                ):
                    pass
        assert first.location == second.location == third.location == str(real)
    assert sorted(os.listdir(tmp_path)) == ["folder", "link.sqlite3", "real"]  # no lock by the link
    dangling = tmp_path / "dangling.sqlite3"  # a link to a journal not made yet: made there
    dangling.symlink_to(tmp_path / "real" / "other.sqlite3")
    with SqliteJournal(dangling) as journal:
        assert journal.location == str(tmp_path / "real" / "other.sqlite3")
    assert dangling.is_symlink()
    assert (tmp_path / "real" / "other.sqlite3").stat().st_size > 0


def test_sqlite_errors_in_use_are_one_line_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    change = record("create", "k=rsa; p=A")
    messages = []
    with SqliteJournal(path) as journal:
        journal._db.execute("PRAGMA query_only = ON")  # a journal that cannot be written
        with pytest.raises(JournalError) as raised:
            journal.begin(change)
        messages.append(str(raised.value))
        assert messages[-1] == (
            f"{path}: cannot write the journal: the journal is read-only (its file, its folder or "
            "the filesystem) (attempt to write a readonly database)"
        )
        journal._db.execute("PRAGMA query_only = OFF")
        assert journal.unfinished() == []  # nothing half written, and it goes on
        pages = journal._db.execute("PRAGMA page_count").fetchone()[0]
        journal._db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full

        def fill() -> None:
            for i in range(100):
                journal.begin(record("create", f"{i} " + "x" * 2000))

        with pytest.raises(JournalError) as raised:
            fill()
        messages.append(str(raised.value))
        assert messages[-1] == (
            f"{path}: cannot write the journal: the disk is full (database or disk is full)"
        )
        written = len(journal.unfinished())
        journal._db.execute("PRAGMA max_page_count = 1073741823")
        journal.begin(change)
        assert len(journal.unfinished()) == written + 1
    with SqliteJournal(path, timeout=0.05) as journal:
        holder = sqlite3.connect(path, isolation_level=None)  # another process writing
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(JournalError) as raised:
                journal.begin(change)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        messages.append(str(raised.value))
        assert messages[-1] == (
            f"{path}: cannot write the journal: another process kept the journal locked "
            "(database is locked)"
        )
        journal.begin(change)
    with pytest.raises(JournalError) as raised:
        journal.steps()
    messages.append(str(raised.value))
    assert messages[-1] == f"{path}: cannot read the journal: the journal is closed"
    size = path.stat().st_size
    with path.open("r+b") as file:  # every page but the first overwritten
        file.seek(4096)
        file.write(b"\xff" * (size - 4096))
    with pytest.raises(JournalError) as raised:
        SqliteJournal(path)
    messages.append(str(raised.value))
    assert messages[-1] == (
        f"{path}: cannot open the journal: the journal is corrupt: restore it from a backup "
        "(database disk image is malformed)"
    )
    assert all("\n" not in m and "unexpected" not in m.lower() for m in messages)


def test_an_io_error_is_worded_by_its_primary_code() -> None:
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode = sqlite3.SQLITE_IOERR_WRITE  # type: ignore[attr-defined]
    assert sqlite_reason(error) == (
        "an input/output error: the disk or the filesystem failed (disk I/O error)"
    )
    error = sqlite3.OperationalError("no such table: steps")
    error.sqlite_errorcode = sqlite3.SQLITE_ERROR  # type: ignore[attr-defined]
    assert sqlite_reason(error) == "no such table: steps"


V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT, domain TEXT NOT NULL, change TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('started', 'done', 'failed')),
    detail TEXT NOT NULL DEFAULT '', started_at TEXT NOT NULL, ended_at TEXT
);
CREATE TABLE owned (
    vendor TEXT NOT NULL, domain TEXT NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL,
    value TEXT NOT NULL, PRIMARY KEY (vendor, type, name, value)
);
INSERT INTO meta VALUES ('schema_version', '1');
"""


def test_a_version_1_journal_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    created = Change("create", "tesouro", "sending_domain", DOMAIN)
    db.execute(
        "INSERT INTO steps (domain, change, state, started_at) VALUES (?, ?, 'done', 'then')",
        (DOMAIN, json.dumps(created.to_json())),
    )
    db.execute(
        "INSERT INTO owned VALUES ('telecomx', ?, 'TXT', ?, 'v=spf1 ~all')", (DOMAIN, DOMAIN)
    )
    db.commit()
    db.close()
    with SqliteJournal(path) as journal:
        assert journal.prunable("telecomx", keep=set()) == ([], [])  # nobody's until claimed
        assert journal.adopt([DOMAIN]) == 1
        records, domains = journal.prunable("telecomx", keep=set())
        assert [(r.name, r.value, r.zone, r.replaced) for r in records] == [
            (DOMAIN, "v=spf1 ~all", "", None)
        ]
        assert [(d.vendor, d.domain) for d in domains] == [("tesouro", DOMAIN)]
        assert [s.change for s in journal.steps()] == [created]
        assert journal.prunable("telecomx", keep={DOMAIN}) == ([], [])
        assert journal.horizon() == 1  # version 3's seq, given to the steps already there
        journal.done(journal.begin(created, "example.com"), created)
        assert journal.horizon() == 3
    db = sqlite3.connect(path)
    assert dict(db.execute("SELECT key, value FROM meta").fetchall()) == {
        "schema_version": str(SCHEMA_VERSION),
        "application": "maildns",
    }
    db.close()
