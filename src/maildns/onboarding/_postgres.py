"""The journal on PostgreSQL, for several workers (``--state postgresql://...``).

The same tables as SQLite's, in a schema of their own (``maildns``), written through one psycopg
connection per process. Workers claim zones with session advisory locks
(``pg_try_advisory_lock``): the server frees a dead worker's claims when its connection goes, so
a SIGKILL leaves nothing to clean up. The vendors' rate budget is shared the same way: every
worker's pace takes its permits from a pyrate-limiter ``PostgresBucket`` in this database
(:meth:`PostgresJournal.permits`), one per vendor credential.

Workers share state through the configuration's identity (:attr:`Config.identity`): the
workers of one run load one configuration, or files that give one ``name:``; a configuration
under another identity sees only its own rows (and claims and touched zones, which are
everyone's).

Every call has a deadline (``timeout``, else ``MAILDNS_STATE_TIMEOUT`` seconds, else 30): it
runs on the journal's own daemon thread while the caller waits at most that long. A server that
stops answering (a frozen process: its kernel still acknowledges TCP, so keepalives never fire)
is then given up with one :class:`JournalError`, and the connection's socket is shut so that
the waiting thread ends too; a thread that cannot end never keeps the process from exiting. A
server that is alive but slow is stopped by the session's ``statement_timeout`` and
``lock_timeout`` a little earlier, which leaves the connection usable.

The connection string's password is never shown: :attr:`Journal.location` and every message
name the server without it, and the errors are worded for people: the server cannot be
reached, authentication failed, the connection was lost (the server restarted).
"""

from __future__ import annotations

import hashlib
import math
import os
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, Final, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .._core.pace import BucketPermits, Permits, PermitsFactory
from .._core.secrets import remember
from ._journal import _SCHEMA as SQLITE_SCHEMA
from ._journal import (
    _WATCHED,
    APPLICATION,
    DEFAULT_IDENTITY,
    INDEXES,
    MARK,
    SCHEMA_VERSION,
    Db,
    Journal,
    JournalError,
    Rows,
    statements,
)

if TYPE_CHECKING:
    import psycopg

T = TypeVar("T")

SCHEMA: Final = "maildns"
# SQLite's tables, with PostgreSQL's ids and a sequence for seq (NEXT_SEQ).
_CREATE: Final = "CREATE SEQUENCE IF NOT EXISTS step_seq;\n" + SQLITE_SCHEMA.replace(
    "id INTEGER PRIMARY KEY AUTOINCREMENT", "id BIGSERIAL PRIMARY KEY"
).replace("seq INTEGER NOT NULL", "seq BIGINT NOT NULL")
assert "AUTOINCREMENT" not in _CREATE
assert "seq BIGINT" in _CREATE
# Version 3 to 4: the rows' configuration (unclaimed for the rows there) in the keys, and the
# state 'unknown'. The constraints have the names PostgreSQL gave them in version 3.
_MIGRATE_3: Final = (
    """
ALTER TABLE steps ADD COLUMN config TEXT NOT NULL DEFAULT '';
ALTER TABLE steps DROP CONSTRAINT steps_state_check;
ALTER TABLE steps ADD CONSTRAINT steps_state_check
    CHECK (state IN ('started', 'unknown', 'done', 'failed'));
DROP INDEX IF EXISTS steps_open;
ALTER TABLE owned ADD COLUMN config TEXT NOT NULL DEFAULT '';
ALTER TABLE owned DROP CONSTRAINT owned_pkey;
ALTER TABLE owned ADD PRIMARY KEY (config, vendor, type, name, value);
DROP INDEX IF EXISTS owned_domain;
ALTER TABLE created ADD COLUMN config TEXT NOT NULL DEFAULT '';
ALTER TABLE created DROP CONSTRAINT created_pkey;
ALTER TABLE created ADD PRIMARY KEY (config, vendor, domain);
"""
    + INDEXES
)
# Version 4 to 5: the account of every sending domain created ('' for the rows there: the
# vendor's own variables), in its key.
_MIGRATE_4: Final = """
ALTER TABLE created ADD COLUMN account TEXT NOT NULL DEFAULT '';
ALTER TABLE created DROP CONSTRAINT created_pkey;
ALTER TABLE created ADD PRIMARY KEY (config, vendor, account, domain);
"""
# Version 5 to 6: what watch last saw, a table of its own.
_MIGRATE_5: Final = "CREATE TABLE IF NOT EXISTS watched " + _WATCHED + ";"
_SCHEMA_LOCK: Final = 0x6D61696C646E7300  # "maildns\0": one opener creates the schema at a time

TIMEOUT_ENV: Final = "MAILDNS_STATE_TIMEOUT"
DEFAULT_TIMEOUT: Final = 30.0
"""Seconds a PostgreSQL journal call may take before the server is given up."""
_SERVER_SHARES: Final = {"statement_timeout": 0.5, "lock_timeout": 0.4}
"""The server's own timeouts, as shares of the deadline: a server alive but slow cancels a
statement (the connection stays usable) well before the client would give the connection up;
no statement of the journal's should take half a call's time. A statement waiting for a lock
is told so (the earlier of the two)."""

# What a message of libpq or the server says, in words for people.
_UNREACHABLE: Final = (
    "connection refused",
    "could not translate host name",
    "name or service not known",
    "no route to host",
    "network is unreachable",
    "timeout expired",
    "connection timed out",
    "could not connect",
    "no such file or directory",  # a Unix socket that is not there
)
_LOST: Final = (
    "server closed the connection",
    "terminating connection",
    "connection is lost",
    "the connection is closed",
    "consuming input failed",
    "sending query failed",
    "connection to server was lost",
    "ssl syscall error",
)
_LOGIN: Final = (
    "authentication failed",
    "not permitted to log in",
    "no pg_hba.conf entry",
    "password authentication",
    "password is required",
)


def state_timeout(given: float | None = None) -> float:
    """A PostgreSQL journal's deadline in seconds: ``given``, else ``MAILDNS_STATE_TIMEOUT``,
    else 30."""
    source = "timeout"
    value: object = given
    if value is None:
        text = os.environ.get(TIMEOUT_ENV, "").strip()
        if not text:
            return DEFAULT_TIMEOUT
        source, value = TIMEOUT_ENV, text
        with suppress(ValueError):
            value = float(text)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise JournalError(f"{source} must be a number of seconds above 0, got {value!r:.40}")
    return float(value)


def redact(dsn: str) -> str:
    """``dsn`` without its password (in the user part or the query), for messages."""
    parts = urlsplit(dsn)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        if ":" in user:
            user = user.split(":", 1)[0] + ":***"
        netloc = f"{user}@{host}"
    query = urlencode(
        [(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query)], safe="*"
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _secrets(dsn: str) -> list[str]:
    parts = urlsplit(dsn)
    found = [v for k, v in parse_qsl(parts.query) if k == "password" and v]
    if parts.password:
        found.append(parts.password)
    return found


def lock_key(zone: str) -> int:
    """A zone's advisory lock: 64 bits of its hash, so that two zones practically never share
    one (a shared one would make a worker skip a zone nobody holds)."""
    digest = hashlib.sha256(b"maildns zone\0" + zone.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _wall_ms() -> int:
    # Shared buckets compare the workers' timestamps: wall-clock time, not monotonic.
    return time.time_ns() // 1_000_000


class _Caller:
    """One daemon thread that runs a journal's calls in turn; each caller waits for its own
    with a deadline. Daemon: a thread stuck on a frozen server never keeps the process from
    exiting (a ``concurrent.futures`` pool would: it joins its threads at exit)."""

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]] | None]
        self._calls = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="maildns-journal", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while (item := self._calls.get()) is not None:
            call, future = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(call())
                except BaseException as error:  # the caller's to raise
                    future.set_exception(error)

    def submit(self, call: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._calls.put((call, future))
        return future

    def stop(self) -> None:
        self._calls.put(None)


def _discard(future: Future[Any]) -> None:
    """Close what a call given up on made after all (a connection), once it is done."""
    if future.cancelled() or future.exception() is not None:
        return
    close = getattr(future.result(), "close", None)
    if callable(close):
        with suppress(Exception):
            close()


class _Fetched:
    """A statement's rows, fetched on the journal's thread."""

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return self._rows


def _rows(connection: psycopg.Connection[Any], sql: str, args: Sequence[Any]) -> list[Any]:
    """Run the journal's ``?`` SQL with psycopg's ``%s`` placeholders; its rows."""
    cursor = connection.execute(sql.replace("?", "%s"), tuple(args))
    return cursor.fetchall() if cursor.description is not None else []


class _Cursor:
    """A transaction's statements, each on the journal's thread, all within one deadline."""

    def __init__(self, journal: PostgresJournal, deadline: float) -> None:
        self._journal = journal
        self._deadline = deadline

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Rows:
        journal = self._journal
        return _Fetched(journal._run(lambda: _rows(journal._db, sql, args), self._deadline))


class PostgresJournal(Journal):
    """The journal in a PostgreSQL database (see the module's docstring)."""

    NEXT_SEQ = "nextval('step_seq')"  # a sequence: later than every value handed out before
    blocking = True

    def __init__(
        self, dsn: str, identity: str = DEFAULT_IDENTITY, *, timeout: float | None = None
    ) -> None:
        for secret in _secrets(dsn):  # masked in every message from now on, echoed or not
            remember(secret)
        self.location = redact(dsn)
        self.identity = identity
        self._dsn = dsn
        self._pool: Any = None
        self._broken: str | None = None
        self._closed = False
        self.timeout = state_timeout(timeout)
        try:
            import psycopg
        except ImportError:
            raise JournalError(
                f"{self.location}: a PostgreSQL journal needs psycopg: "
                "pip install 'maildns[postgresql]'"
            ) from None
        self._errors: type[Exception] = psycopg.Error
        self._lock = threading.Lock()
        self._caller = _Caller()
        self._settings = {
            name: f"{max(1, int(self.timeout * 1000 * share))}ms"
            for name, share in _SERVER_SHARES.items()
        }
        settings = self._settings

        def connect() -> psycopg.Connection[Any]:
            connection = psycopg.connect(
                dsn,
                autocommit=True,
                connect_timeout=max(2, math.ceil(self.timeout)),
                application_name="maildns",
            )
            try:  # a server alive but slow cancels a statement before the client gives up
                connection.execute(
                    "SELECT set_config('statement_timeout', %s, false), "
                    "set_config('lock_timeout', %s, false)",
                    (settings["statement_timeout"], settings["lock_timeout"]),
                )
            except BaseException:
                connection.close()
                raise
            return connection

        try:
            self._db = self._run(connect, self._deadline(), "cannot open the journal")
        except JournalError:
            self._caller.stop()
            raise
        except Exception as error:  # a malformed connection string
            self._caller.stop()
            raise JournalError(f"{self.location}: not a connection string: {error}") from None
        try:
            self._run(lambda: self._open_schema(), self._deadline(), "cannot open the journal")
        except JournalError:
            self.close()
            raise

    def _deadline(self) -> float:
        return time.monotonic() + self.timeout

    def _open_schema(self) -> None:
        """Create the schema, or check (and migrate) the one there; on the journal's thread."""
        db = self._db
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            db.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            db.execute(f"SET LOCAL search_path TO {SCHEMA}")
            tables = [
                str(r[0])
                for r in db.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename",
                    (SCHEMA,),
                ).fetchall()
            ]
            meta: dict[str, str] = {}
            if "meta" in tables:
                meta = {str(k): str(v) for k, v in db.execute("SELECT key, value FROM meta")}
            mark = MARK.replace("?", "%s")
            if not tables:
                for statement in statements(_CREATE):
                    db.execute(statement)
                db.execute(mark, (APPLICATION, str(SCHEMA_VERSION)))
            else:
                version = self._version(tables, meta)
                migrations = {
                    "3": _MIGRATE_3 + _MIGRATE_4 + _MIGRATE_5,
                    "4": _MIGRATE_4 + _MIGRATE_5,
                    "5": _MIGRATE_5,
                }
                if version in migrations:
                    for statement in statements(migrations[version]):
                        db.execute(statement)
                    db.execute(mark, (APPLICATION, str(SCHEMA_VERSION)))
        db.execute(f"SET search_path TO {SCHEMA}")

    def _version(self, tables: list[str], meta: dict[str, str]) -> str:
        """The schema version of the tables in schema ``maildns``; refuses another program's,
        and a version this maildns neither reads nor migrates from."""
        application = meta.get("application")
        # Before schema 4 a journal was not marked: its meta and its steps tell it.
        if not (
            application == APPLICATION
            or (application is None and "schema_version" in meta and "steps" in tables)
        ):
            whose = f"the tables of {application!r}" if application else "another program's tables"
            raise JournalError(
                f"{self.location}: not a maildns journal: schema {SCHEMA} holds {whose} "
                f"({', '.join(tables[:5])}); give maildns a database of its own"
            )
        version = meta.get("schema_version", "")
        if version not in ("3", "4", "5", str(SCHEMA_VERSION)):
            raise JournalError(
                f"{self.location}: journal schema version {version or 'unknown'}, this maildns "
                f"reads {SCHEMA_VERSION} and migrates from 3"
            )
        return version

    # --- calls, each with a deadline ----------------------------------------------------------
    def _run(self, call: Callable[[], T], deadline: float, what: str = "the journal failed") -> T:
        """``call`` on the journal's thread, waited for until ``deadline``."""
        if self._closed:
            raise JournalError(f"{self.location}: {what}: the journal is closed")
        if self._broken is not None:
            raise JournalError(f"{self.location}: {self._broken}")
        future = self._caller.submit(call)
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except self._errors as error:
            raise self._error(what, error) from None
        except TimeoutError:
            if future.done():  # the call's own TimeoutError
                raise
            future.cancel()
            future.add_done_callback(_discard)  # a connection made too late: closed
            self._abandon(
                f"the journal's server stopped answering (no answer within {self.timeout:g} s)"
            )
            raise JournalError(
                f"{self.location}: {what}: the journal's server did not answer within "
                f"{self.timeout:g} s: it may be stopped, overloaded or cut off "
                f"({TIMEOUT_ENV} sets how long to wait)"
            ) from None

    def _abandon(self, why: str) -> None:
        """Give the connection up: every later call fails at once, and the thread waiting in
        its socket is woken (its socket shut) so that it can end."""
        self._broken = why
        db = getattr(self, "_db", None)
        if db is None:
            return
        with suppress(Exception), socket.socket(fileno=os.dup(db.pgconn.socket)) as sock:
            sock.shutdown(socket.SHUT_RDWR)

    def _error(self, what: str, error: BaseException) -> JournalError:
        text = " ".join(str(error).split()) or type(error).__name__
        low = text.lower()
        state = str(getattr(error, "sqlstate", None) or "")
        db = getattr(self, "_db", None)
        if state == "57014":
            reason = (
                "the journal's server did not finish a statement within its "
                f"statement_timeout ({self._settings['statement_timeout']}): {text}"
            )
        elif state == "55P03":
            reason = (
                f"a lock was not granted within {self._settings['lock_timeout']} "
                f"(lock_timeout): {text}"
            )
        elif state.startswith("28") or any(m in low for m in _LOGIN):
            reason = f"authentication failed: {text}"
        elif (
            (db is not None and (db.broken or db.closed))
            or state.startswith(("08", "57P"))
            or any(m in low for m in _LOST)
        ):
            # libpq's own words here are "...closed the connection unexpectedly" and the like
            reason = (
                "the connection to the journal's server was lost (the server restarted, or "
                "the network failed); run again"
            )
            if db is not None:
                self._broken = reason  # its claims went with it: a new run, a new connection
        elif db is None and any(m in low for m in _UNREACHABLE):
            reason = f"the journal's server cannot be reached: {text}"
        else:
            reason = text
        message = f"{self.location}: {what}: {reason}"
        for secret in _secrets(self._dsn):
            message = message.replace(secret, "***")
        return JournalError(message)

    @contextmanager
    def _tx(self) -> Iterator[Db]:
        with self._lock:
            deadline = self._deadline()
            self._run(lambda: self._db.execute("BEGIN"), deadline)
            try:
                yield _Cursor(self, deadline)
            except BaseException:
                if self._broken is None:  # a fresh deadline: the first may be used up
                    with suppress(JournalError):
                        self._run(lambda: self._db.execute("ROLLBACK"), self._deadline())
                raise
            self._run(lambda: self._db.execute("COMMIT"), deadline)

    def _read(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._lock:  # one statement: no transaction around it
            return self._run(lambda: _rows(self._db, sql, args), self._deadline())

    def _call(self, sql: str, args: Sequence[Any]) -> Any:
        rows = self._read(sql, args)
        return rows[0][0] if rows else None

    # Claims are session advisory locks on the journal's own connection: they go with it.
    def claim(self, zone: str) -> bool:
        return bool(self._call("SELECT pg_try_advisory_lock(?)", (lock_key(zone),)))

    def release(self, zone: str) -> None:
        self._call("SELECT pg_advisory_unlock(?)", (lock_key(zone),))

    def permits(self) -> PermitsFactory:
        """Permits from shared buckets in this database: every worker's pace for one vendor
        credential draws on one budget."""
        from psycopg_pool import ConnectionPool
        from pyrate_limiter import PostgresBucket

        settings = self._settings

        def configure(connection: psycopg.Connection[Any]) -> None:
            connection.autocommit = True
            connection.execute(f"SET search_path TO {SCHEMA}")
            for name, value in settings.items():  # a server alive but slow: cancelled
                connection.execute("SELECT set_config(%s, %s, false)", (name, value))
            connection.autocommit = False

        if self._pool is None:
            self._pool = ConnectionPool(
                self._dsn,
                min_size=1,
                max_size=4,
                configure=configure,
                kwargs={
                    "application_name": "maildns-rate",
                    "connect_timeout": max(2, math.ceil(self.timeout)),
                },
                timeout=self.timeout,
                open=True,
            )
        pool = self._pool

        def make(limit: int, name: str) -> Permits:
            return BucketPermits(
                lambda rates: PostgresBucket(pool, name, rates), limit, _wall_ms, name
            )

        return make

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        db = getattr(self, "_db", None)
        if db is not None:
            # On the journal's thread, after any call still there (never two threads in one
            # connection); one stuck on a frozen server is left to the daemon thread.
            with suppress(TimeoutError):
                self._caller.submit(db.close).result(timeout=self.timeout)
        self._caller.stop()
