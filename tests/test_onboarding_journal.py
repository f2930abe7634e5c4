"""The journal: steps recorded before and after, what maildns owns, claims, surviving a SIGKILL.

One contract (:class:`JournalContract`) that both backends pass: SQLite on a file in the test's
folder, PostgreSQL on a fresh database of the real server the suite starts (tests/postgres.py).
Then what only one of them has: SQLite's file, versions and migrations, one apply at a time;
PostgreSQL's claims between sessions and its hidden password.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from maildns import RecordType
from maildns.onboarding import open_journal
from maildns.onboarding._journal import SCHEMA_VERSION, Journal, JournalError, SqliteJournal
from maildns.onboarding._plan import Change

DOMAIN = "mail.example.com"


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

    def open(self) -> Journal:
        return open_journal(self.location)

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
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    db.close()
