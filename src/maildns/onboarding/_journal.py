"""The journal: every step of an apply, recorded before and after, and what maildns created.

Two backends share this module's SQL: SQLite (stdlib ``sqlite3``, the default: one file,
``.maildns/state.sqlite3`` beside the configuration) and PostgreSQL
(``--state postgresql://...``, :mod:`._postgres`: for several workers or machines). A step is
written as ``started`` before its request and ``done`` (or ``failed``) after; a process killed
between the two leaves a ``started`` step, which the next run sees (:meth:`Journal.unfinished`)
and settles by looking at the world. A step whose request went and got no answer can be ended
``unknown`` (:meth:`Journal.unknown`): it is settled the same way. ``owned`` lists the records
maildns created (and, for an SPF record it merged its mechanisms into, the value it
``replaced``), so that a later plan updates a value the vendor rotated instead of adding a
second one; ``created`` lists the sending domains it created. ``--prune`` undoes only those, for
the domains no longer configured.

Configurations: a journal belongs to configurations by their identity
(:attr:`Config.identity`: ``name:``, else the file's name), and one is opened bound to one
(``open_journal(location, identity)``). Every step, owned record and created sending domain
carries the identity that wrote it, and ``owned``, ``prunable``, ``unfinished``, ``steps`` and
the ends of a step act on that identity's rows only: the two configurations of one folder, which
share its journal, never plan or prune each other's domains. Files (or workers) that give one
``name`` share their state on purpose; a configuration renamed or moved keeps its state by
giving its old identity as ``name:`` (:meth:`Journal.elsewhere` finds it). Zones are shared
things: claims, :meth:`Journal.horizon` and :meth:`Journal.touched_since` are everyone's, so two
configurations changing one zone still see each other's writes there.

Rows written before schema 4 have no identity (``config`` is ``''``): they are nobody's until a
configuration claims those of the domains it names, which its apply does
(:meth:`Journal.adopt`). Until then ``owned`` shows them (a plan still knows what maildns
made), an unfinished one is settled by whichever configuration finds it (what it made stays
nobody's), and no prune touches them (:meth:`Journal.unclaimed` lists what a prune leaves).

Workers: an apply works a zone only while it holds the zone's claim (:meth:`Journal.claim`), and
only if no step touched the zone since its plan was read (:meth:`Journal.touched_since`, by the
``seq`` every write takes), so that two workers never make the same change. SQLite has one
worker at a time (:meth:`Journal.exclusive`, a lock on the file beside it); PostgreSQL claims
zones with session advisory locks, which the server frees when a worker dies.

Checked, not trusted: a journal is marked ``application = maildns`` in its ``meta``. A SQLite
journal's path is resolved (every path to one file takes one lock); a new one is written under a
temporary name and linked into place, so an empty (0-byte) journal is never maildns's doing and
is refused, as is another program's database (nothing is written to it). Every SQLite error in
use is one :class:`JournalError` naming the file and the reason (the disk is full, the file is
read-only, locked, corrupt, an I/O error).

Schema version 2 added the zone of every step and owned record, the MX priority, ``replaced``
and ``created``; version 3 the ``seq`` of every step; version 4 the configuration of every row
and the state ``unknown``; version 5 the ``account`` of every sending domain created (the
vendor account it is at, :mod:`._accounts`: ``''`` for the vendor's own variables, as every
row before it). Older journals are migrated in place when opened (PostgreSQL from 3).
"""

from __future__ import annotations

import errno
import fcntl
import glob
import json
import os
import secrets
import sqlite3
import threading
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Protocol

import attrs

from .._core.pace import PermitsFactory
from .._core.secrets import redact
from ..errors import MailDnsError
from ..models import RecordType
from ._plan import Change

SCHEMA_VERSION: Final = 6
APPLICATION: Final = "maildns"
"""``meta.application`` in every journal: what tells a maildns journal from another program's."""
UNCLAIMED: Final = ""
"""The ``config`` of rows written before schema 4: no configuration's yet (see the module's
docstring)."""
DEFAULT_IDENTITY: Final = "default"
"""The identity a journal is opened with when none is given."""
_OPEN: Final = "('started', 'unknown')"
"""The states of a step that never ended: the next run settles them by looking at the world."""

# One definition of each table, for a new journal and for the migration that rebuilds them.
_STEPS: Final = """(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    domain TEXT NOT NULL,
    change TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('started', 'unknown', 'done', 'failed')),
    detail TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    ended_at TEXT,
    zone TEXT NOT NULL DEFAULT '',
    seq INTEGER NOT NULL DEFAULT 0,
    config TEXT NOT NULL DEFAULT ''
)"""
_OWNED: Final = """(
    vendor TEXT NOT NULL,
    domain TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    zone TEXT NOT NULL DEFAULT '',
    priority INTEGER,
    replaced TEXT,
    config TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (config, vendor, type, name, value)
)"""
_CREATED: Final = """(
    vendor TEXT NOT NULL,
    domain TEXT NOT NULL,
    zone TEXT NOT NULL DEFAULT '',
    config TEXT NOT NULL DEFAULT '',
    account TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (config, vendor, account, domain)
)"""
_WATCHED: Final = """(
    config TEXT NOT NULL,
    domain TEXT NOT NULL,
    vendor TEXT NOT NULL,
    subject TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (config, domain, vendor, subject)
)"""
"""What ``watch`` last saw of each (domain, vendor, subject): a record, the vendor's status,
the receivers' verdict, an outage. Only the last state, never a history: a restart resumes
from it without replaying events, and the table stays one row per thing watched."""
DEFAULT_ACCOUNT: Final = ""
"""A created row's ``account`` for the vendor's own variables (every row before schema 5)."""
INDEXES: Final = f"""
CREATE INDEX IF NOT EXISTS steps_open ON steps (state) WHERE state IN {_OPEN};
CREATE INDEX IF NOT EXISTS steps_seq ON steps (seq);
CREATE INDEX IF NOT EXISTS steps_zone ON steps (zone, seq);
CREATE INDEX IF NOT EXISTS steps_config ON steps (config, domain);
CREATE INDEX IF NOT EXISTS owned_domain ON owned (config, vendor, domain);
"""
MARK: Final = (
    "INSERT INTO meta (key, value) VALUES ('application', ?), ('schema_version', ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
"""Marks a journal as maildns's, of this schema version (args: APPLICATION, version)."""

_SCHEMA: Final = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS steps {_STEPS};
CREATE TABLE IF NOT EXISTS owned {_OWNED};
CREATE TABLE IF NOT EXISTS created {_CREATED};
CREATE TABLE IF NOT EXISTS watched {_WATCHED};
{INDEXES}
"""


def _rebuilt(table: str, definition: str, columns: str, added: str = "config") -> str:
    """SQLite cannot change a table's primary key or CHECK: a new table, the rows copied (the
    column ``added`` left ``''``: unclaimed, the vendor's own account), the old one dropped
    (its indexes with it)."""
    template = """
CREATE TABLE <table>_new <definition>;
INSERT INTO <table>_new (<columns>, <added>) SELECT <columns>, '' FROM <table>;
DROP TABLE <table>;
ALTER TABLE <table>_new RENAME TO <table>;
"""
    return (
        template.replace("<definition>", definition)
        .replace("<columns>", columns)
        .replace("<added>", added)
        .replace("<table>", table)
    )


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
    # The rows' configuration (unclaimed for the rows there), the state 'unknown'.
    3: _rebuilt(
        "steps", _STEPS, "id, domain, change, state, detail, started_at, ended_at, zone, seq"
    )
    + _rebuilt("owned", _OWNED, "vendor, domain, type, name, value, zone, priority, replaced")
    + _rebuilt("created", _CREATED, "vendor, domain, zone")
    + INDEXES,  # the version is written with the mark (MARK) after the migrations
    # The account of every sending domain created ('' for the rows there: the vendor's own).
    4: _rebuilt("created", _CREATED, "vendor, domain, zone, config", added="account"),
    # What watch last saw (a table of its own: nothing before it changes).
    5: f"CREATE TABLE IF NOT EXISTS watched {_WATCHED};",
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
    """``started``, ``unknown`` (no answer came), ``done`` or ``failed``."""
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
    """A sending domain maildns created at ``vendor``, at ``account`` (None: the vendor's own
    variables)."""

    vendor: str
    domain: str
    zone: str
    account: str | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        return self.vendor, self.account


def statements(script: str) -> list[str]:
    # executescript() would COMMIT the surrounding transaction: run statements one by one.
    return [s.strip() for s in script.split(";") if s.strip()]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Rows(Protocol):
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Db(Protocol):
    """What the journal's SQL runs on: ``?`` placeholders, inside one transaction."""

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Rows: ...


_SELECT_STEP: Final = "SELECT id, domain, change, state, detail, zone FROM steps"
_SETTLED: Final = {
    # (found, the step's state) -> its detail
    (True, "started"): "settled: found done after a restart",
    (False, "started"): "settled: not found after a restart",
    (True, "unknown"): "settled: found done after no answer came",
    (False, "unknown"): "settled: not found after no answer came",
}


class Journal:
    """An open journal (SQLite or PostgreSQL), bound to one configuration's identity; safe to
    share between the tasks and threads of one process. Subclasses say how to connect, run a
    transaction and claim a zone; the SQL is here, once."""

    location: str
    """Where it is, for messages: a path, or a connection string without its password."""

    identity: str = DEFAULT_IDENTITY
    """The configuration whose rows this journal reads and writes (see the module's docstring)."""

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
        return f"<{type(self).__name__} {self.location!r} {self.identity!r}>"

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

    # Zones are shared: the horizon and what touched a zone are every configuration's.
    def horizon(self) -> int:
        """The ``seq`` of the latest write (of any configuration): taken before a plan reads
        the world."""
        row = self._read("SELECT COALESCE(MAX(seq), 0) FROM steps")[0]
        return int(row[0])

    def touched_since(self, zone: str, horizon: int) -> str | None:
        """Why a plan read at ``horizon`` may be stale for ``zone``, whichever configuration
        wrote there: ``"started"`` when a step there never ended (a worker died in it),
        ``"changed"`` when a step was written there since (an ``unknown`` one included: its
        effect may be there), None when neither."""
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
                    "INSERT INTO steps (domain, change, state, started_at, zone, seq, config) "
                    "VALUES (?, ?, 'started', ?, ?, NEXT_SEQ, ?) RETURNING id"
                ),
                (change.domain, json.dumps(change.to_json()), _now(), zone, self.identity),
            ).fetchone()
        return int(row[0])

    def _end(
        self, db: Db, step: int, state: str, detail: str, settled: bool = False
    ) -> tuple[str, str] | None:
        """End a step of this configuration (or an unclaimed one) that had not ended: a
        ``started`` one, or (but for ``unknown``) an ``unknown`` one; with ``settled``, any
        configuration's (settling only records what the world shows), and the detail says how
        it was settled. Its zone and configuration, or None when it had ended already."""
        if settled:
            found = state == "done"
            detail = _SETTLED[found, "started"]
            unknown_detail = _SETTLED[found, "unknown"]
        else:
            detail = unknown_detail = redact(detail)  # an error's text, whoever wrote it
        # an unknown step ends settled; done and failed end it too
        ending = ("started", "started") if state == "unknown" else ("started", "unknown")
        row = db.execute(
            self._sql(
                "UPDATE steps SET detail = CASE WHEN state = 'unknown' THEN ? ELSE ? END, "
                "state = ?, ended_at = ?, seq = NEXT_SEQ "
                "WHERE id = ? AND state IN (?, ?) AND (? OR config IN (?, ?)) "
                "RETURNING zone, config"
            ),
            (
                unknown_detail,
                detail,
                state,
                _now(),
                step,
                *ending,
                settled,
                self.identity,
                UNCLAIMED,
            ),
        ).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def done(self, step: int, change: Change, detail: str = "") -> None:
        """Record that the step was made (and, for a created record, that maildns owns it)."""
        self._done(step, change, detail, settled=False)

    def _done(self, step: int, change: Change, detail: str, settled: bool) -> None:
        with self._tx() as db:
            ended = self._end(db, step, "done", detail, settled)
            if ended is not None:
                self._own(db, change, *ended)

    def failed(self, step: int, detail: str) -> None:
        with self._tx() as db:
            self._end(db, step, "failed", detail)

    def unknown(self, step: int, detail: str) -> None:
        """End a started step whose effect is unknown: its request went, no answer came (a
        timeout, a connection lost). The next run settles it by looking at the world, as it
        does a step a killed run left ``started``; until then a plan read before it is stale
        in its zone (:meth:`touched_since` says ``"changed"``)."""
        with self._tx() as db:
            self._end(db, step, "unknown", detail)

    def unfinished(self) -> list[Step]:
        """The steps that never ended, whichever configuration began them: ``started`` ones
        (a run killed between its two writes or, on PostgreSQL, a step another worker is
        making now) and ``unknown`` ones (no answer came). Zones are shared, so a step another
        configuration left open in one would block every apply there until that configuration
        ran again: whoever holds the zone's claim settles it, and what it made stays that
        configuration's (:meth:`settle`)."""
        rows = self._read(_SELECT_STEP + f" WHERE state IN {_OPEN} ORDER BY id")
        return [_step(r) for r in rows]

    def settle(self, step: int, change: Change, happened: bool) -> None:
        """End an unfinished step (``started`` or ``unknown``) by what the world shows: it
        happened, or it did not. A step that ended meanwhile is left as it ended. What a
        settled step made stays with the configuration that began it."""
        if happened:
            self._done(step, change, "", settled=True)
        else:
            with self._tx() as db:
                self._end(db, step, "failed", "", settled=True)

    def steps(self, domain: str | None = None) -> list[Step]:
        """This configuration's steps (for ``domain``), oldest first."""
        if domain is None:
            rows = self._read(_SELECT_STEP + " WHERE config = ? ORDER BY id", (self.identity,))
        else:
            rows = self._read(
                _SELECT_STEP + " WHERE config = ? AND domain = ? ORDER BY id",
                (self.identity, domain),
            )
        return [_step(r) for r in rows]

    # --- what maildns created -----------------------------------------------------------------
    @staticmethod
    def _own(db: Db, change: Change, zone: str, config: str) -> None:
        """What a done step made, as ``config``'s (the configuration of the step)."""
        # The rows a step may take over: its configuration's, and (for a configuration's
        # step) the unclaimed ones it replaces; an unclaimed step's stay unclaimed.
        scope = (config, config) if config == UNCLAIMED else (config, UNCLAIMED)
        if change.kind == "sending_domain":
            account = change.account or DEFAULT_ACCOUNT
            if change.action == "create":
                db.execute(
                    "INSERT INTO created (vendor, domain, zone, config, account) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (change.vendor, change.domain, zone, config, account),
                )
            elif change.action == "delete":
                db.execute(
                    "DELETE FROM created WHERE vendor = ? AND domain = ? AND account = ? "
                    "AND config IN (?, ?)",
                    (change.vendor, change.domain, account, *scope),
                )
            return
        if change.kind != "record" or change.type is None or change.name is None:
            return
        key = (change.vendor, change.type.value, change.name)

        def disown(value: str | None) -> None:
            db.execute(
                "DELETE FROM owned WHERE vendor = ? AND type = ? AND name = ? AND value = ? "
                "AND config IN (?, ?)",
                (*key, value, *scope),
            )

        replaced: str | None = None
        if change.action == "update" and change.old_value is not None:
            before = db.execute(
                "SELECT replaced FROM owned WHERE vendor = ? AND type = ? AND name = ? "
                "AND value = ? AND config IN (?, ?) ORDER BY config DESC",
                (*key, change.old_value, *scope),
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
                "(vendor, domain, type, name, value, zone, priority, replaced, config) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    *key[:1],
                    change.domain,
                    *key[1:],
                    change.value,
                    zone,
                    change.priority,
                    replaced,
                    config,
                ),
            )

    def owned(self, vendor: str, domain: str | None = None) -> set[tuple[RecordType, str, str]]:
        """(type, name, value) of the records maildns created at ``vendor`` (for ``domain``)
        for this configuration, or before schema 4 (unclaimed): what a plan may update as
        maildns's own. Another configuration's are not."""
        query = "SELECT type, name, value FROM owned WHERE vendor = ? AND config IN (?, ?)"
        args: tuple[str, ...] = (vendor, self.identity, UNCLAIMED)
        if domain is not None:
            query += " AND domain = ?"
            args = (*args, domain)
        return {(RecordType(t), n, v) for t, n, v in self._read(query, args)}

    def prunable(
        self, vendor: str, keep: Collection[str]
    ) -> tuple[list[OwnedRecord], list[CreatedDomain]]:
        """What this configuration made for domains not in ``keep``: records at the DNS host
        ``vendor``, and sending domains at any vendor. Never another configuration's, never
        an unclaimed row (see :meth:`unclaimed`)."""
        records = self._read(
            "SELECT domain, zone, type, name, value, priority, replaced FROM owned "
            "WHERE vendor = ? AND config = ? ORDER BY domain, name, type, value",
            (vendor, self.identity),
        )
        domains = self._read(
            "SELECT vendor, domain, zone, account FROM created WHERE config = ? "
            "ORDER BY domain, vendor, account",
            (self.identity,),
        )
        return (
            [
                OwnedRecord(d, z, RecordType(t), n, v, p, r)
                for d, z, t, n, v, p, r in records
                if d not in keep
            ],
            [CreatedDomain(v, d, z, a or None) for v, d, z, a in domains if d not in keep],
        )

    # --- configurations -----------------------------------------------------------------------
    def adopt(self, domains: Collection[str]) -> int:
        """Make the unclaimed rows (from before schema 4) of ``domains`` this configuration's:
        its first apply does, for the domains it names. How many domains it took."""
        wanted = set(domains)
        with self._tx() as db:
            found = {
                str(r[0])
                for r in db.execute(
                    "SELECT domain FROM steps WHERE config = ? UNION "
                    "SELECT domain FROM owned WHERE config = ? UNION "
                    "SELECT domain FROM created WHERE config = ?",
                    (UNCLAIMED,) * 3,
                ).fetchall()
            }
            taken = sorted(found & wanted)
            for chunk in _chunks(taken):
                marks = ", ".join("?" * len(chunk))  # placeholders only: no input in the SQL
                # A row this configuration has made since (the same record) wins.
                db.execute(
                    f"DELETE FROM owned WHERE config = ? AND domain IN ({marks}) AND EXISTS ("  # noqa: S608
                    "SELECT 1 FROM owned AS o WHERE o.config = ? AND o.vendor = owned.vendor "
                    "AND o.type = owned.type AND o.name = owned.name AND o.value = owned.value)",
                    (UNCLAIMED, *chunk, self.identity),
                )
                db.execute(
                    f"DELETE FROM created WHERE config = ? AND domain IN ({marks}) AND EXISTS ("  # noqa: S608
                    "SELECT 1 FROM created AS c WHERE c.config = ? AND c.vendor = created.vendor "
                    "AND c.account = created.account AND c.domain = created.domain)",
                    (UNCLAIMED, *chunk, self.identity),
                )
                args = (self.identity, UNCLAIMED, *chunk)
                where = f"WHERE config = ? AND domain IN ({marks})"
                db.execute("UPDATE steps SET config = ? " + where, args)  # noqa: S608
                db.execute("UPDATE owned SET config = ? " + where, args)  # noqa: S608
                db.execute("UPDATE created SET config = ? " + where, args)  # noqa: S608
        return len(taken)

    def unclaimed(self, keep: Collection[str]) -> list[str]:
        """The domains not in ``keep`` whose records or sending domains maildns made before
        schema 4, which no configuration has claimed: a prune leaves them alone."""
        rows = self._read(
            "SELECT domain FROM owned WHERE config = ? UNION "
            "SELECT domain FROM created WHERE config = ?",
            (UNCLAIMED, UNCLAIMED),
        )
        return sorted({str(r[0]) for r in rows} - set(keep))

    # --- what watch last saw ------------------------------------------------------------------
    def watched(self) -> dict[tuple[str, str, str], str]:
        """(domain, vendor, subject) -> the state watch last saw, for this configuration."""
        rows = self._read(
            "SELECT domain, vendor, subject, state FROM watched WHERE config = ?",
            (self.identity,),
        )
        return {(str(d), str(v), str(s)): str(st) for d, v, s, st in rows}

    def saw(self, changes: Sequence[tuple[str, str, str, str | None]]) -> None:
        """Record what watch saw change: (domain, vendor, subject, state), None forgetting it
        (back to the state assumed of a thing never seen); one transaction."""
        if not changes:
            return
        with self._tx() as db:
            for domain, vendor, subject, state in changes:
                if state is None:
                    db.execute(
                        "DELETE FROM watched WHERE config = ? AND domain = ? AND vendor = ? "
                        "AND subject = ?",
                        (self.identity, domain, vendor, subject),
                    )
                else:
                    db.execute(
                        "INSERT INTO watched (config, domain, vendor, subject, state) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (config, domain, vendor, subject) "
                        "DO UPDATE SET state = excluded.state",
                        (self.identity, domain, vendor, subject, state),
                    )

    def elsewhere(self, domains: Collection[str]) -> dict[str, int]:
        """For a configuration with no state of its own (no step, record or sending domain
        under its identity): the other configurations holding state for some of ``domains``,
        each with how many, most first. Empty when it has state, or nobody else does: a
        configuration renamed or moved without ``name:`` finds its old identity here."""
        (mine,) = self._read(
            "SELECT EXISTS (SELECT 1 FROM steps WHERE config = ?) "
            "OR EXISTS (SELECT 1 FROM owned WHERE config = ?) "
            "OR EXISTS (SELECT 1 FROM created WHERE config = ?)",
            (self.identity,) * 3,
        )
        if mine[0]:
            return {}
        wanted = set(domains)
        rows = self._read(
            "SELECT config, domain FROM steps WHERE config NOT IN (?, ?) UNION "
            "SELECT config, domain FROM owned WHERE config NOT IN (?, ?) UNION "
            "SELECT config, domain FROM created WHERE config NOT IN (?, ?)",
            (self.identity, UNCLAIMED) * 3,
        )
        counts = Counter(str(config) for config, domain in rows if domain in wanted)
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


# --- SQLite ---------------------------------------------------------------------------------------
_SQLITE_REASONS: Final = {
    sqlite3.SQLITE_FULL: "the disk is full",
    sqlite3.SQLITE_READONLY: "the journal is read-only (its file, its folder or the filesystem)",
    sqlite3.SQLITE_BUSY: "another process kept the journal locked",
    sqlite3.SQLITE_LOCKED: "another process kept the journal locked",
    sqlite3.SQLITE_IOERR: "an input/output error: the disk or the filesystem failed",
    sqlite3.SQLITE_CORRUPT: "the journal is corrupt: restore it from a backup",
    sqlite3.SQLITE_NOTADB: "the file is not a database: not a maildns journal",
    sqlite3.SQLITE_CANTOPEN: "the file cannot be opened",
    sqlite3.SQLITE_PERM: "permission denied",
    sqlite3.SQLITE_AUTH: "permission denied",
    sqlite3.SQLITE_NOMEM: "out of memory",
    sqlite3.SQLITE_PROTOCOL: "the file's locks failed (a network filesystem?)",
}


def sqlite_reason(error: sqlite3.Error) -> str:
    """What a SQLite error means, in plain words (SQLite's own in brackets)."""
    code = getattr(error, "sqlite_errorcode", None)
    text = " ".join(str(error).split()) or type(error).__name__
    if code is None:  # raised by the sqlite3 module itself
        if "closed database" in text:
            return "the journal is closed"
        return text
    reason = _SQLITE_REASONS.get(code & 0xFF)  # the primary code of an extended one
    return text if reason is None else f"{reason} ({text})"


class SqliteJournal(Journal):
    """The journal in one SQLite file, in WAL mode, synchronous: a step said done stays done.

    ``timeout`` is how many seconds a call waits while another process holds the file locked.
    """

    NEXT_SEQ = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM steps)"  # writes are serialised

    def __init__(
        self,
        path: str | os.PathLike[str],
        identity: str = DEFAULT_IDENTITY,
        *,
        timeout: float = 5.0,
    ) -> None:
        # Every path to one file (through a symlink, relative, ...) is one journal: one lock.
        self.path = Path(os.path.realpath(path))
        self.location = str(self.path)
        self.identity = identity
        self._exclusive: int | None = None
        self._lock = threading.Lock()
        folder = next((p for p in self.path.parents if p.exists()), None)
        if folder is not None and not folder.is_dir():
            raise JournalError(f"{self.path}: cannot open the journal: {folder} is not a folder")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                self._create()
            if self.path.is_file() and self.path.stat().st_size == 0:
                raise self._empty()
            # mode=rw: SQLite never makes the file here (it would be empty until written).
            self._db = sqlite3.connect(
                self.path.as_uri() + "?mode=rw",
                uri=True,
                timeout=timeout,
                check_same_thread=False,
                isolation_level=None,
            )
        except OSError as error:
            raise JournalError(f"{self.path}: cannot open the journal: {error.strerror}") from None
        except sqlite3.Error as error:
            raise self._error("cannot open the journal", error) from None
        try:
            self._inspect()  # before any write: another program's file is left as it is
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a step said done stays done
            self._db.execute("BEGIN IMMEDIATE")  # one opener creates or migrates at a time
            try:
                self._open_schema()
            except BaseException:
                self._rollback()
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as error:
            self._db.close()
            raise self._error("cannot open the journal", error) from None
        except JournalError:
            self._db.close()
            raise

    def _empty(self) -> JournalError:
        return JournalError(
            f"{self.path}: the journal is empty (0 bytes), maybe truncated; maildns never "
            "leaves one so: restore it from a backup, or move it away to start a new journal"
        )

    def _error(self, what: str, error: sqlite3.Error) -> JournalError:
        return JournalError(f"{self.path}: {what}: {sqlite_reason(error)}")

    def _create(self) -> None:
        """A new journal, whole or not at all: written under a temporary name in the same
        folder, then linked into place, never over a file another opener put there first (an
        opener sees no file, or a whole journal: never an empty one)."""
        _tidy(self.path)
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.new")
        try:
            db = sqlite3.connect(temp, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("BEGIN IMMEDIATE")
                for statement in statements(_SCHEMA):
                    db.execute(statement)
                db.execute(MARK, (APPLICATION, str(SCHEMA_VERSION)))
                db.execute("COMMIT")
            finally:
                db.close()  # the last connection: its WAL goes into the file
            try:
                os.link(temp, self.path)
            except FileExistsError:
                pass  # another opener made it first: it is whole too
            except OSError as error:
                if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                    raise
                # A filesystem without hard links: a rename is whole too, though it could
                # replace a journal another opener made in the same instant.
                if not self.path.exists():
                    os.rename(temp, self.path)
            _sync_folder(self.path.parent)
        finally:
            for leftover in (temp, *(temp.with_name(temp.name + s) for s in ("-wal", "-shm"))):
                with suppress(FileNotFoundError):
                    leftover.unlink()

    def _inspect(self) -> str | None:
        """The journal's schema version as written, None for a database holding nothing yet;
        refuses an empty file and another program's database."""
        if self._db.execute("PRAGMA page_count").fetchone()[0] == 0:
            raise self._empty()
        tables = sorted(
            str(r[0])
            for r in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
        )
        if not tables:
            return None
        meta: dict[str, str] = {}
        if "meta" in tables:
            with suppress(sqlite3.OperationalError):  # a meta of another shape
                meta = {str(k): str(v) for k, v in self._db.execute("SELECT key, value FROM meta")}
        application = meta.get("application")
        # Before schema 4 a journal was not marked: its meta and its steps tell it.
        ours = application == APPLICATION or (
            application is None and "schema_version" in meta and "steps" in tables
        )
        if not ours:
            shown = ", ".join(tables[:5]) + (
                f" and {len(tables) - 5} more" if len(tables) > 5 else ""
            )
            whose = f"the tables of {application!r}" if application else "another program's tables"
            raise JournalError(
                f"{self.path}: not a maildns journal: it holds {whose} ({shown}); "
                "give maildns a file of its own (--state)"
            )
        version = meta.get("schema_version")
        if version is None:
            raise JournalError(f"{self.path}: a maildns journal without a schema version")
        return version

    def _open_schema(self) -> None:
        found = self._inspect()  # again, under the write lock: another opener may have been first
        if found is None:  # a database with nothing in it yet
            for statement in statements(_SCHEMA):
                self._db.execute(statement)
            self._db.execute(MARK, (APPLICATION, str(SCHEMA_VERSION)))
            return
        version = int(found) if found.isdigit() else -1
        if version > SCHEMA_VERSION or version not in (*_MIGRATIONS, SCHEMA_VERSION):
            raise JournalError(
                f"{self.path}: journal schema version {found}, this maildns reads "
                f"{SCHEMA_VERSION} and migrates from {min(_MIGRATIONS)}"
            )
        if version == SCHEMA_VERSION:
            return
        while version < SCHEMA_VERSION:
            for statement in statements(_MIGRATIONS[version]):
                self._db.execute(statement)
            version += 1
        self._db.execute(MARK, (APPLICATION, str(SCHEMA_VERSION)))

    def _rollback(self) -> None:
        if self._db.in_transaction:  # SQLite may have rolled back itself (a full disk)
            with suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")

    def close(self) -> None:
        self._db.close()
        if self._exclusive is not None:
            os.close(self._exclusive)
            self._exclusive = None

    @contextmanager
    def _tx(self) -> Iterator[Db]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._rollback()
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as error:
                self._rollback()
                raise self._error("cannot write the journal", error) from None

    def _read(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._lock:  # a read needs no write lock: WAL readers see the last commit
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.Error as error:
                raise self._error("cannot read the journal", error) from None

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        # flock: the kernel lets go when the process dies, SIGKILL included. Beside the real
        # path, so that every path to the journal takes the same lock.
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise JournalError(f"{lock_path}: cannot lock the journal: {error.strerror}") from None
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


def _tidy(path: Path) -> None:
    """Delete what creators of a journal at ``path`` killed before they were done left: their
    temporary files (named after their process, which is gone)."""
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.new*"):
        pid = leftover.name[len(path.name) + 2 :].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:  # its creator is gone
            with suppress(OSError):
                leftover.unlink()
        except OSError:  # alive, another user's
            pass


def _sync_folder(folder: Path) -> None:
    """Make a new name in ``folder`` last (best effort: not every filesystem can)."""
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def is_postgres(location: str) -> bool:
    """Whether a journal's location is a PostgreSQL connection string (else a SQLite path)."""
    return location.startswith(("postgresql://", "postgres://"))


def open_journal(
    location: str | os.PathLike[str],
    identity: str = DEFAULT_IDENTITY,
    *,
    timeout: float | None = None,
) -> Journal:
    """The journal at ``location`` (a ``postgresql://`` or ``postgres://`` connection string,
    else a SQLite file's path), bound to the configuration ``identity``
    (:attr:`Config.identity`). ``timeout``: a PostgreSQL journal's deadline for every call, in
    seconds (default ``MAILDNS_STATE_TIMEOUT``, else 30)."""
    text = os.fspath(location)
    if is_postgres(text):
        from ._postgres import PostgresJournal

        return PostgresJournal(text, identity, timeout=timeout)
    return SqliteJournal(text, identity)


def _step(row: tuple[int, str, str, str, str, str]) -> Step:
    return Step(row[0], row[1], Change.from_json(json.loads(row[2])), row[3], row[4], row[5])
