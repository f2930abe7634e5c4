"""The journal: steps recorded before and after, what maildns owns, and surviving a SIGKILL."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from maildns import RecordType
from maildns.onboarding._journal import SCHEMA_VERSION, Journal, JournalError
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


def test_steps_are_written_before_and_after(tmp_path: Path) -> None:
    with Journal(tmp_path / "state.sqlite3") as journal:
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


def test_what_maildns_created_is_owned_and_follows_updates_and_deletes(tmp_path: Path) -> None:
    name = f"krs._domainkey.{DOMAIN}"
    with Journal(tmp_path / "state.sqlite3") as journal:
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


def test_the_file_is_wal_and_versioned_and_a_foreign_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "state.sqlite3"
    Journal(path).close()  # makes the folder too
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
        Journal(path)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database, not at all" * 100)
    with pytest.raises(JournalError, match="not a maildns journal"):
        Journal(junk)


def test_a_process_killed_between_begin_and_done_leaves_a_step_to_settle(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from maildns import RecordType
        from maildns.onboarding._journal import Journal
        from maildns.onboarding._plan import Change
        journal = Journal({str(path)!r})
        change = Change("create", "telecomx", "record", "{DOMAIN}", RecordType.TXT,
                        "{DOMAIN}", "v=spf1 ~all")
        journal.done(journal.begin(change), change)
        journal.begin(Change("create", "tesouro", "sending_domain", "{DOMAIN}"))
        print("begun", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # between the request and its "done"
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL
    assert done.stdout == "begun\n"
    with Journal(path) as journal:
        (open_step,) = journal.unfinished()
        assert (open_step.change.kind, open_step.change.vendor) == ("sending_domain", "tesouro")
        journal.settle(open_step.id, open_step.change, happened=True)
        assert journal.unfinished() == []
        assert [s.state for s in journal.steps()] == ["done", "done"]
        assert journal.owned("telecomx") == {(RecordType.TXT, DOMAIN, "v=spf1 ~all")}


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
    with Journal(path) as journal:
        records, domains = journal.prunable("telecomx", keep=set())
        assert [(r.name, r.value, r.zone, r.replaced) for r in records] == [
            (DOMAIN, "v=spf1 ~all", "", None)
        ]
        assert [(d.vendor, d.domain) for d in domains] == [("tesouro", DOMAIN)]
        assert [s.change for s in journal.steps()] == [created]
        assert journal.prunable("telecomx", keep={DOMAIN}) == ([], [])
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    db.close()


def test_an_spf_record_merged_into_remembers_what_it_held(tmp_path: Path) -> None:
    foreign = "v=spf1 include:_spf.google.com -all"
    merged = "v=spf1 include:_spf.google.com include:mailgun.org -all"
    rotated = "v=spf1 include:_spf.google.com include:eu.mailgun.org -all"
    with Journal(tmp_path / "state.sqlite3") as journal:
        for old, new in ((foreign, merged), (merged, rotated)):
            change = Change(
                "update", "telecomx", "record", DOMAIN, RecordType.TXT, DOMAIN, new, old_value=old
            )
            journal.done(journal.begin(change, "example.com"), change)
        (record,), _ = journal.prunable("telecomx", keep=set())
        assert (record.value, record.replaced, record.zone) == (rotated, foreign, "example.com")
