"""Journals as the maildns before schema 4 left them, written with its own SQL, for the
migration tests: on SQLite (a file) or PostgreSQL (schema ``maildns`` of a database).

Schema 3's tables have no configuration: every row is every configuration's. ``write_v3`` makes
such a journal from rows; ``to_schema_3`` rewrites a journal that the maildns of today wrote
(rows and all, identities dropped) as the maildns of before would have left it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

# The SQL of schema 3 (src/maildns/onboarding/_journal.py at 88f0bbe), verbatim.
V3_SCHEMA = """
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
# What PostgresJournal made of it at 88f0bbe (src/maildns/onboarding/_postgres.py's _CREATE).
V3_POSTGRES = "CREATE SEQUENCE IF NOT EXISTS step_seq;\n" + V3_SCHEMA.replace(
    "id INTEGER PRIMARY KEY AUTOINCREMENT", "id BIGSERIAL PRIMARY KEY"
).replace("seq INTEGER NOT NULL", "seq BIGINT NOT NULL")

STEP_COLUMNS = (
    "id",
    "domain",
    "change",
    "state",
    "detail",
    "started_at",
    "ended_at",
    "zone",
    "seq",
)
OWNED_COLUMNS = ("vendor", "domain", "type", "name", "value", "zone", "priority", "replaced")
CREATED_COLUMNS = ("vendor", "domain", "zone")


@attrs.frozen
class Rows:
    """A journal's rows in schema 3's columns."""

    steps: Sequence[tuple[Any, ...]] = ()
    owned: Sequence[tuple[Any, ...]] = ()
    created: Sequence[tuple[Any, ...]] = ()


def is_postgres(location: str | os.PathLike[str]) -> bool:
    return os.fspath(location).startswith(("postgresql://", "postgres://"))


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _inserts(rows: Rows) -> list[tuple[str, Sequence[tuple[Any, ...]]]]:
    def insert(table: str, columns: tuple[str, ...]) -> str:
        marks = ", ".join("?" * len(columns))
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608

    return [
        (insert("steps", STEP_COLUMNS), rows.steps),
        (insert("owned", OWNED_COLUMNS), rows.owned),
        (insert("created", CREATED_COLUMNS), rows.created),
    ]


def write_v3(location: str | os.PathLike[str], rows: Rows = Rows()) -> None:
    """A schema 3 journal at ``location`` holding ``rows`` (none there before it)."""
    if is_postgres(location):
        import psycopg

        with psycopg.connect(os.fspath(location), autocommit=True) as db, db.transaction():
            db.execute("DROP SCHEMA IF EXISTS maildns CASCADE")
            db.execute("CREATE SCHEMA maildns")
            db.execute("SET LOCAL search_path TO maildns")
            for statement in _statements(V3_POSTGRES):
                db.execute(statement)
            db.execute("INSERT INTO meta VALUES ('schema_version', '3')")
            for sql, values in _inserts(rows):
                for row in values:
                    db.execute(sql.replace("?", "%s"), row)
            # as if the rows had been written through the sequences
            db.execute(
                "SELECT setval('step_seq', (SELECT COALESCE(MAX(seq), 0) + 1 FROM steps), false)"
            )
            db.execute(
                "SELECT setval(pg_get_serial_sequence('steps', 'id'), "
                "(SELECT COALESCE(MAX(id), 0) + 1 FROM steps), false)"
            )
        return
    path = Path(location)
    for leftover in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
        leftover.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        for statement in _statements(V3_SCHEMA):
            db.execute(statement)
        db.execute("INSERT INTO meta VALUES ('schema_version', '3')")
        for sql, values in _inserts(rows):
            db.executemany(sql, values)
        db.commit()
    finally:
        db.close()


def read_rows(location: str | os.PathLike[str]) -> Rows:
    """Every row of a journal (schema 3 or later) in schema 3's columns, identities dropped."""
    queries = [
        f"SELECT {', '.join(STEP_COLUMNS)} FROM steps ORDER BY id",  # noqa: S608
        f"SELECT {', '.join(OWNED_COLUMNS)} FROM owned",  # noqa: S608
        f"SELECT {', '.join(CREATED_COLUMNS)} FROM created",  # noqa: S608
    ]
    if is_postgres(location):
        import psycopg

        with psycopg.connect(os.fspath(location), autocommit=True) as db:
            db.execute("SET search_path TO maildns")
            found = [db.execute(q).fetchall() for q in queries]
    else:
        with sqlite3.connect(f"file:{location}?mode=ro", uri=True) as db:
            found = [db.execute(q).fetchall() for q in queries]
        db.close()
    steps, owned, created = found
    return Rows(steps, owned, created)


def to_schema_3(location: str | os.PathLike[str]) -> Rows:
    """Rewrite the journal at ``location`` as schema 3 (its rows kept, whoever's they were):
    what a maildns from before configurations had identities would have left. Its rows."""
    rows = read_rows(location)
    write_v3(location, rows)
    return rows
