"""The journal: every step of an apply, recorded before and after, and what maildns created.

Two backends share this module's SQL: SQLite (stdlib ``sqlite3``, the default: one file,
``.maildns/state.sqlite3`` beside the configuration) and PostgreSQL
(``--state postgresql://...``, :mod:`._postgres`: for several workers or machines). A step is
written as ``started`` before its request and ``done`` (or ``failed``) after; a process killed
between the two leaves a ``started`` step, which the next run sees (:meth:`Journal.unfinished`)
and settles by looking at the world. ``owned`` lists the records maildns created (and, for an
SPF record it merged its mechanisms into, the value it ``replaced``), so that a later plan
updates a value the vendor rotated instead of adding a second one; ``created`` lists the sending
domains it created. ``--prune`` undoes only those, for the domains no longer configured.

Workers: an apply works a zone only while it holds the zone's claim (:meth:`Journal.claim`), and
only if no step touched the zone since its plan was read (:meth:`Journal.touched_since`, by the
``seq`` every write takes), so that two workers never make the same change. SQLite has one
worker at a time (:meth:`Journal.exclusive`, a lock on the file beside it); PostgreSQL claims
zones with session advisory locks, which the server frees when a worker dies.

Schema version 2 added the zone of every step and owned record, the MX priority, ``replaced``
and ``created``; version 3 the ``seq`` of every step. Older SQLite journals are migrated in
place when opened.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Protocol

import attrs

from .._core.pace import PermitsFactory
from ..errors import MailDnsError
from ..models import RecordType
from ._plan import Change

SCHEMA_VERSION: Final = 3

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
    zone TEXT NOT NULL DEFAULT '',
    seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS steps_open ON steps (state) WHERE state = 'started';
CREATE INDEX IF NOT EXISTS steps_seq ON steps (seq);
CREATE INDEX IF NOT EXISTS steps_zone ON steps (zone, seq);
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
CREATE INDEX IF NOT EXISTS owned_domain ON owned (vendor, domain);
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
    2: """
ALTER TABLE steps ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE steps SET seq = id;
CREATE INDEX IF NOT EXISTS steps_seq ON steps (seq);
CREATE INDEX IF NOT EXISTS steps_zone ON steps (zone, seq);
CREATE INDEX IF NOT EXISTS owned_domain ON owned (vendor, domain);
UPDATE meta SET value = '3' WHERE key = 'schema_version';
""",
}


class JournalError(MailDnsError):
    """The journal cannot be used: another schema version, a file that is not a journal, a
    server that does not answer, another apply holding it."""


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


def statements(script: str) -> list[str]:
    # executescript() would COMMIT the surrounding transaction: run statements one by one.
    return [s.strip() for s in script.split(";") if s.strip()]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Rows(Protocol):
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Db(Protocol):
    """What the journal's SQL runs on: ``?`` placeholders, inside one transaction."""

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Rows: ...


_SELECT_STEP: Final = "SELECT id, domain, change, state, detail, zone FROM steps"


class Journal:
    """An open journal (SQLite or PostgreSQL); safe to share between the tasks and threads of one
    process. Subclasses say how to connect, run a transaction and claim a zone; the SQL is
    here, once."""

    location: str
    """Where it is, for messages: a path, or a connection string without its password."""

    NEXT_SEQ: str = ""
    """The SQL expression that gives a write its ``seq``: greater than every ``seq`` before."""

    blocking: bool = False
    """Whether a call waits on the network (PostgreSQL): async callers run it in a thread."""

    @contextmanager
    def _tx(self) -> Iterator[Db]:
        raise NotImplementedError
        yield

    def _read(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._tx() as db:
            return db.execute(sql, args).fetchall()

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location!r}>"

    # --- workers ------------------------------------------------------------------------------
    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Held for a whole apply: refuses a second apply where the journal cannot share
        (SQLite); nothing where workers claim zones (PostgreSQL)."""
        yield

    def permits(self) -> PermitsFactory | None:
        """Where the paces of the workers sharing this journal take their permits from, so
        that they share one rate budget per vendor credential (None: each process its own)."""
        return None

    def claim(self, zone: str) -> bool:
        """Take ``zone`` for this worker: False when another worker holds it."""
        return True

    def release(self, zone: str) -> None:
        """Give ``zone`` back (a worker that dies gives back all it held)."""

    def horizon(self) -> int:
        """The ``seq`` of the latest write: taken before a plan reads the world."""
        row = self._read("SELECT COALESCE(MAX(seq), 0) FROM steps")[0]
        return int(row[0])

    def touched_since(self, zone: str, horizon: int) -> str | None:
        """Why a plan read at ``horizon`` may be stale for ``zone``: ``"started"`` when a step
        there never ended (a worker died in it), ``"changed"`` when a step was written there
        since, None when neither."""
        rows = self._read(
            "SELECT state FROM steps WHERE zone = ? AND (seq > ? OR state = 'started')",
            (zone, horizon),
        )
        states = {r[0] for r in rows}
        if "started" in states:
            return "started"
        return "changed" if states else None

    # --- steps --------------------------------------------------------------------------------
    def _sql(self, template: str) -> str:
        return template.replace("NEXT_SEQ", self.NEXT_SEQ)

    def begin(self, change: Change, zone: str = "") -> int:
        """Record that ``change`` (in ``zone``) is about to be made; the step's id."""
        with self._tx() as db:
            row = db.execute(
                self._sql(
                    "INSERT INTO steps (domain, change, state, started_at, zone, seq) "
                    "VALUES (?, ?, 'started', ?, ?, NEXT_SEQ) RETURNING id"
                ),
                (change.domain, json.dumps(change.to_json()), _now(), zone),
            ).fetchone()
        return int(row[0])

    def _end(self, db: Db, step: int, state: str, detail: str) -> str | None:
        """End a started step; its zone, or None when it had ended already."""
        row = db.execute(
            self._sql(
                "UPDATE steps SET state = ?, detail = ?, ended_at = ?, seq = NEXT_SEQ "
                "WHERE id = ? AND state = 'started' RETURNING zone"
            ),
            (state, detail, _now(), step),
        ).fetchone()
        return None if row is None else str(row[0])

    def done(self, step: int, change: Change, detail: str = "") -> None:
        """Record that the step was made (and, for a created record, that maildns owns it)."""
        with self._tx() as db:
            zone = self._end(db, step, "done", detail)
            if zone is not None:
                self._own(db, change, zone)

    def failed(self, step: int, detail: str) -> None:
        with self._tx() as db:
            self._end(db, step, "failed", detail)

    def unknown(self, step: int, detail: str) -> None:
        """Record that no answer came for the step: it stays open, for the next run to settle
        by looking at the world."""
        with self._tx() as db:
            db.execute(
                "UPDATE steps SET detail = ? WHERE id = ? AND state = 'started'", (detail, step)
            )

    def unfinished(self) -> list[Step]:
        """Steps started and never ended: a run that was killed between its two writes (or,
        on PostgreSQL, a step another worker is making now)."""
        rows = self._read(_SELECT_STEP + " WHERE state = 'started' ORDER BY id")
        return [_step(r) for r in rows]

    def settle(self, step: int, change: Change, happened: bool) -> None:
        """End an unfinished step by what the world shows: it happened, or it did not. A step
        that ended meanwhile is left as it ended."""
        if happened:
            self.done(step, change, "settled: found done after a restart")
        else:
            self.failed(step, "settled: not found after a restart")

    def steps(self, domain: str | None = None) -> list[Step]:
        if domain is None:
            return [_step(r) for r in self._read(_SELECT_STEP + " ORDER BY id")]
        rows = self._read(_SELECT_STEP + " WHERE domain = ? ORDER BY id", (domain,))
        return [_step(r) for r in rows]

    # --- what maildns created -----------------------------------------------------------------
    @staticmethod
    def _own(db: Db, change: Change, zone: str) -> None:
        if change.kind == "sending_domain":
            if change.action == "create":
                db.execute(
                    "INSERT INTO created (vendor, domain, zone) VALUES (?, ?, ?) "
                    "ON CONFLICT DO NOTHING",
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
                "INSERT INTO owned "
                "(vendor, domain, type, name, value, zone, priority, replaced) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (*key[:1], change.domain, *key[1:], change.value, zone, change.priority, replaced),
            )

    def owned(self, vendor: str, domain: str | None = None) -> set[tuple[RecordType, str, str]]:
        """(type, name, value) of the records maildns created at ``vendor`` (for ``domain``)."""
        query = "SELECT type, name, value FROM owned WHERE vendor = ?"
        args: tuple[str, ...] = (vendor,)
        if domain is not None:
            query += " AND domain = ?"
            args = (vendor, domain)
        return {(RecordType(t), n, v) for t, n, v in self._read(query, args)}

    def prunable(
        self, vendor: str, keep: Collection[str]
    ) -> tuple[list[OwnedRecord], list[CreatedDomain]]:
        """What maildns made for domains not in ``keep``: records at the DNS host ``vendor``,
        and sending domains at any vendor."""
        records = self._read(
            "SELECT domain, zone, type, name, value, priority, replaced FROM owned "
            "WHERE vendor = ? ORDER BY domain, name, type, value",
            (vendor,),
        )
        domains = self._read("SELECT vendor, domain, zone FROM created ORDER BY domain, vendor")
        return (
            [
                OwnedRecord(d, z, RecordType(t), n, v, p, r)
                for d, z, t, n, v, p, r in records
                if d not in keep
            ],
            [CreatedDomain(v, d, z) for v, d, z in domains if d not in keep],
        )


class SqliteJournal(Journal):
    """The journal in one SQLite file, in WAL mode, synchronous: a step said done stays done."""

    NEXT_SEQ = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM steps)"  # writes are serialised

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self._exclusive: int | None = None
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
            for statement in statements(_SCHEMA):
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
            for statement in statements(_MIGRATIONS[version]):
                self._db.execute(statement)
            version += 1

    def close(self) -> None:
        self._db.close()
        if self._exclusive is not None:
            os.close(self._exclusive)
            self._exclusive = None

    @contextmanager
    def _tx(self) -> Iterator[Db]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._lock:  # a read needs no write lock: WAL readers see the last commit
            return self._db.execute(sql, args).fetchall()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        # flock: the kernel lets go when the process dies, SIGKILL included.
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(fd)
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise JournalError(f"{lock_path}: cannot lock the journal: {error}") from None
            raise JournalError(
                f"{self.path}: another maildns apply is using this journal; wait for it, or give "
                "the workers one PostgreSQL journal (--state postgresql://...)"
            ) from None
        self._exclusive = fd
        try:
            yield
        finally:
            self._exclusive = None
            os.close(fd)  # closing the descriptor lets go of the lock


def is_postgres(location: str) -> bool:
    """Whether a journal's location is a PostgreSQL connection string (else a SQLite path)."""
    return location.startswith(("postgresql://", "postgres://"))


def open_journal(location: str | os.PathLike[str]) -> Journal:
    """The journal at ``location``: a ``postgresql://`` (or ``postgres://``) connection string,
    else a SQLite file's path."""
    text = os.fspath(location)
    if is_postgres(text):
        from ._postgres import PostgresJournal

        return PostgresJournal(text)
    return SqliteJournal(text)


def _step(row: tuple[int, str, str, str, str, str]) -> Step:
    return Step(row[0], row[1], Change.from_json(json.loads(row[2])), row[3], row[4], row[5])
