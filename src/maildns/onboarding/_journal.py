"""The journal: every step of an apply, recorded before and after, and what maildns created.

SQLite (stdlib ``sqlite3``) in WAL mode, one file (``.maildns/state.sqlite3`` beside the
configuration by default), with a schema version checked on open. A step is written as
``started`` before its request and ``done`` (or ``failed``) after; a process killed between
the two leaves a ``started`` step, which the next run sees (:meth:`Journal.unfinished`) and
settles by looking at the world. ``owned`` lists the records maildns created (and, for an SPF
record it merged its mechanisms into, the value it ``replaced``), so that a later plan updates
a value the vendor rotated instead of adding a second one; ``created`` lists the sending
domains it created. ``--prune`` undoes only those, for the domains no longer configured.

Schema version 2 added the zone of every step and owned record, the MX priority, ``replaced``
and ``created``; a version 1 journal is migrated in place when opened.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import attrs

from ..errors import MailDnsError
from ..models import RecordType
from ._plan import Change

SCHEMA_VERSION: Final = 2

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    domain TEXT NOT NULL,
    change TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('started', 'done', 'failed')),
    detail TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    ended_at TEXT,
    zone TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS steps_open ON steps (state) WHERE state = 'started';
CREATE TABLE IF NOT EXISTS owned (
    vendor TEXT NOT NULL,
    domain TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    zone TEXT NOT NULL DEFAULT '',
    priority INTEGER,
    replaced TEXT,
    PRIMARY KEY (vendor, type, name, value)
);
CREATE TABLE IF NOT EXISTS created (
    vendor TEXT NOT NULL,
    domain TEXT NOT NULL,
    zone TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (vendor, domain)
);
"""

# From each version to the next, run in one transaction when an older journal is opened.
_MIGRATIONS: Final = {
    1: """
ALTER TABLE steps ADD COLUMN zone TEXT NOT NULL DEFAULT '';
ALTER TABLE owned ADD COLUMN zone TEXT NOT NULL DEFAULT '';
ALTER TABLE owned ADD COLUMN priority INTEGER;
ALTER TABLE owned ADD COLUMN replaced TEXT;
CREATE TABLE IF NOT EXISTS created (
    vendor TEXT NOT NULL,
    domain TEXT NOT NULL,
    zone TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (vendor, domain)
);
INSERT OR IGNORE INTO created (vendor, domain)
    SELECT json_extract(change, '$.vendor'), domain FROM steps
    WHERE state = 'done' AND json_extract(change, '$.kind') = 'sending_domain'
      AND json_extract(change, '$.action') = 'create';
UPDATE meta SET value = '2' WHERE key = 'schema_version';
""",
}


class JournalError(MailDnsError):
    """The journal cannot be used: another schema version, a file that is not a journal."""


@attrs.frozen
class Step:
    id: int
    domain: str
    change: Change
    state: str
    detail: str
    zone: str = ""


@attrs.frozen
class OwnedRecord:
    """A record maildns created (or an SPF record it merged into: ``replaced`` is what the
    record held before maildns first changed it)."""

    domain: str
    zone: str
    type: RecordType
    name: str
    value: str
    priority: int | None
    replaced: str | None


@attrs.frozen
class CreatedDomain:
    """A sending domain maildns created at ``vendor``."""

    vendor: str
    domain: str
    zone: str


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT the surrounding transaction: run statements one by one.
    return [s.strip() for s in script.split(";") if s.strip()]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Journal:
    """An open journal; safe to share between the tasks and threads of one process."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        folder = next((p for p in self.path.parents if p.exists()), None)
        if folder is not None and not folder.is_dir():
            raise JournalError(f"{self.path}: cannot open the journal: {folder} is not a folder")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            reason = error.strerror if isinstance(error, OSError) else str(error)
            raise JournalError(f"{self.path}: cannot open the journal: {reason}") from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a step said done stays done
            self._db.execute("BEGIN IMMEDIATE")  # one opener creates or migrates at a time
            try:
                self._open_schema()
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise JournalError(f"{self.path}: not a maildns journal ({error})") from None
        except JournalError:
            self._db.close()
            raise
        self._lock = threading.Lock()

    def _open_schema(self) -> None:
        has_meta = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        row = (
            self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if has_meta
            else None
        )
        if row is None:
            for statement in _statements(_SCHEMA):
                self._db.execute(statement)
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
            return
        version = int(row[0]) if str(row[0]).isdigit() else -1
        if version > SCHEMA_VERSION or version not in (*_MIGRATIONS, SCHEMA_VERSION):
            raise JournalError(
                f"{self.path}: journal schema version {row[0]}, this maildns reads "
                f"{SCHEMA_VERSION} and migrates from {min(_MIGRATIONS)}"
            )
        while version < SCHEMA_VERSION:
            for statement in _statements(_MIGRATIONS[version]):
                self._db.execute(statement)
            version += 1

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- steps --------------------------------------------------------------------------------
    def begin(self, change: Change, zone: str = "") -> int:
        """Record that ``change`` (in ``zone``) is about to be made; the step's id."""
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO steps (domain, change, state, started_at, zone) "
                "VALUES (?, ?, ?, ?, ?)",
                (change.domain, json.dumps(change.to_json()), "started", _now(), zone),
            )
            step = cursor.lastrowid
        assert step is not None
        return step

    def done(self, step: int, change: Change, detail: str = "") -> None:
        """Record that the step was made (and, for a created record, that maildns owns it)."""
        with self._tx() as db:
            db.execute(
                "UPDATE steps SET state = 'done', detail = ?, ended_at = ? WHERE id = ?",
                (detail, _now(), step),
            )
            row = db.execute("SELECT zone FROM steps WHERE id = ?", (step,)).fetchone()
            self._own(db, change, row[0] if row else "")

    def failed(self, step: int, detail: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE steps SET state = 'failed', detail = ?, ended_at = ? WHERE id = ?",
                (detail, _now(), step),
            )

    def unfinished(self) -> list[Step]:
        """Steps started and never ended: a run that was killed between its two writes."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, domain, change, state, detail, zone FROM steps "
                "WHERE state = 'started' ORDER BY id"
            ).fetchall()
        return [_step(r) for r in rows]

    def settle(self, step: int, change: Change, happened: bool) -> None:
        """End an unfinished step by what the world shows: it happened, or it did not."""
        if happened:
            self.done(step, change, "settled: found done after a restart")
        else:
            self.failed(step, "settled: not found after a restart")

    def steps(self, domain: str | None = None) -> list[Step]:
        query = "SELECT id, domain, change, state, detail, zone FROM steps"
        args: tuple[str, ...] = ()
        if domain is not None:
            query += " WHERE domain = ?"
            args = (domain,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY id", args).fetchall()
        return [_step(r) for r in rows]

    # --- what maildns created -----------------------------------------------------------------
    @staticmethod
    def _own(db: sqlite3.Connection, change: Change, zone: str) -> None:
        if change.kind == "sending_domain":
            if change.action == "create":
                db.execute(
                    "INSERT OR IGNORE INTO created (vendor, domain, zone) VALUES (?, ?, ?)",
                    (change.vendor, change.domain, zone),
                )
            elif change.action == "delete":
                db.execute(
                    "DELETE FROM created WHERE vendor = ? AND domain = ?",
                    (change.vendor, change.domain),
                )
            return
        if change.kind != "record" or change.type is None or change.name is None:
            return
        key = (change.vendor, change.type.value, change.name)

        def disown(value: str | None) -> None:
            db.execute(
                "DELETE FROM owned WHERE vendor = ? AND type = ? AND name = ? AND value = ?",
                (*key, value),
            )

        replaced: str | None = None
        if change.action == "update" and change.old_value is not None:
            before = db.execute(
                "SELECT replaced FROM owned WHERE vendor = ? AND type = ? AND name = ? "
                "AND value = ?",
                (*key, change.old_value),
            ).fetchone()
            # A value maildns owned keeps what it first replaced; any other was someone
            # else's record (an SPF merged into), which is what a prune puts back.
            replaced = before[0] if before is not None else change.old_value
            disown(change.old_value)
        if change.action == "delete":
            disown(change.value)
        elif not change.prune and change.value is not None:  # a prune hands the record back
            db.execute(
                "INSERT OR IGNORE INTO owned "
                "(vendor, domain, type, name, value, zone, priority, replaced) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (*key[:1], change.domain, *key[1:], change.value, zone, change.priority, replaced),
            )

    def owned(self, vendor: str, domain: str | None = None) -> set[tuple[RecordType, str, str]]:
        """(type, name, value) of the records maildns created at ``vendor`` (for ``domain``)."""
        query = "SELECT type, name, value FROM owned WHERE vendor = ?"
        args: tuple[str, ...] = (vendor,)
        if domain is not None:
            query += " AND domain = ?"
            args = (vendor, domain)
        with self._lock:
            rows = self._db.execute(query, args).fetchall()
        return {(RecordType(t), n, v) for t, n, v in rows}

    def prunable(
        self, vendor: str, keep: Collection[str]
    ) -> tuple[list[OwnedRecord], list[CreatedDomain]]:
        """What maildns made for domains not in ``keep``: records at the DNS host ``vendor``,
        and sending domains at any vendor."""
        with self._lock:
            records = self._db.execute(
                "SELECT domain, zone, type, name, value, priority, replaced FROM owned "
                "WHERE vendor = ? ORDER BY domain, name, type, value",
                (vendor,),
            ).fetchall()
            domains = self._db.execute(
                "SELECT vendor, domain, zone FROM created ORDER BY domain, vendor"
            ).fetchall()
        return (
            [
                OwnedRecord(d, z, RecordType(t), n, v, p, r)
                for d, z, t, n, v, p, r in records
                if d not in keep
            ],
            [CreatedDomain(v, d, z) for v, d, z in domains if d not in keep],
        )

    def __repr__(self) -> str:
        return f"<Journal {str(self.path)!r}>"


def _step(row: tuple[int, str, str, str, str, str]) -> Step:
    return Step(row[0], row[1], Change.from_json(json.loads(row[2])), row[3], row[4], row[5])
