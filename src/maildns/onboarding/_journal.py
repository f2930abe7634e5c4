"""The journal: every step of an apply, recorded before and after, and what maildns created.

SQLite (stdlib ``sqlite3``) in WAL mode, one file (``.maildns/state.sqlite3`` beside the
configuration by default), with a schema version checked on open. A step is written as
``started`` before its request and ``done`` (or ``failed``) after; a process killed between
the two leaves a ``started`` step, which the next run sees (:meth:`Journal.unfinished`) and
settles by looking at the world. ``owned`` lists the records maildns created, so that a later
plan updates a value the vendor rotated instead of adding a second one, and ``--prune`` removes
only those.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import attrs

from ..errors import MailDnsError
from ..models import RecordType
from ._plan import Change

SCHEMA_VERSION: Final = 1

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    domain TEXT NOT NULL,
    change TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('started', 'done', 'failed')),
    detail TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX IF NOT EXISTS steps_open ON steps (state) WHERE state = 'started';
CREATE TABLE IF NOT EXISTS owned (
    vendor TEXT NOT NULL,
    domain TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (vendor, type, name, value)
);
"""


class JournalError(MailDnsError):
    """The journal cannot be used: another schema version, a file that is not a journal."""


@attrs.frozen
class Step:
    id: int
    domain: str
    change: Change
    state: str
    detail: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Journal:
    """An open journal; safe to share between the tasks and threads of one process."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a step said done stays done
            self._db.executescript(_SCHEMA)
            version = self._db.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchone()
        except sqlite3.DatabaseError as error:
            raise JournalError(f"{self.path}: not a maildns journal ({error})") from None
        if version is None:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
        elif version[0] != str(SCHEMA_VERSION):
            self._db.close()
            raise JournalError(
                f"{self.path}: journal schema version {version[0]}, this maildns reads "
                f"{SCHEMA_VERSION}"
            )
        self._lock = threading.Lock()

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
    def begin(self, change: Change) -> int:
        """Record that ``change`` is about to be made; the step's id."""
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO steps (domain, change, state, started_at) VALUES (?, ?, ?, ?)",
                (change.domain, json.dumps(change.to_json()), "started", _now()),
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
            self._own(db, change)

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
                "SELECT id, domain, change, state, detail FROM steps WHERE state = 'started' "
                "ORDER BY id"
            ).fetchall()
        return [Step(r[0], r[1], Change.from_json(json.loads(r[2])), r[3], r[4]) for r in rows]

    def settle(self, step: int, change: Change, happened: bool) -> None:
        """End an unfinished step by what the world shows: it happened, or it did not."""
        if happened:
            self.done(step, change, "settled: found done after a restart")
        else:
            self.failed(step, "settled: not found after a restart")

    def steps(self, domain: str | None = None) -> list[Step]:
        query = "SELECT id, domain, change, state, detail FROM steps"
        args: tuple[str, ...] = ()
        if domain is not None:
            query += " WHERE domain = ?"
            args = (domain,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY id", args).fetchall()
        return [Step(r[0], r[1], Change.from_json(json.loads(r[2])), r[3], r[4]) for r in rows]

    # --- what maildns created -----------------------------------------------------------------
    @staticmethod
    def _own(db: sqlite3.Connection, change: Change) -> None:
        if change.kind != "record" or change.type is None or change.name is None:
            return
        if change.action == "update" and change.old_value is not None:
            db.execute(
                "DELETE FROM owned WHERE vendor = ? AND type = ? AND name = ? AND value = ?",
                (change.vendor, change.type.value, change.name, change.old_value),
            )
        if change.action in ("create", "update") and change.value is not None:
            db.execute(
                "INSERT OR IGNORE INTO owned (vendor, domain, type, name, value) "
                "VALUES (?, ?, ?, ?, ?)",
                (change.vendor, change.domain, change.type.value, change.name, change.value),
            )
        elif change.action == "delete" and change.value is not None:
            db.execute(
                "DELETE FROM owned WHERE vendor = ? AND type = ? AND name = ? AND value = ?",
                (change.vendor, change.type.value, change.name, change.value),
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

    def __repr__(self) -> str:
        return f"<Journal {str(self.path)!r}>"
