"""The journal on PostgreSQL, for several workers (``--state postgresql://...``).

The same tables as SQLite's, in a schema of their own (``maildns``), written through one psycopg
connection per process. Workers claim zones with session advisory locks
(``pg_try_advisory_lock``): the server frees a dead worker's claims when its connection goes, so
a SIGKILL leaves nothing to clean up. The vendors' rate budget is shared the same way: every
worker's pace takes its permits from a pyrate-limiter ``PostgresBucket`` in this database
(:meth:`PostgresJournal.permits`), one per vendor credential.

The connection string's password is never shown: :attr:`Journal.location` and every message
name the server without it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .._core.pace import BucketPermits, Permits, PermitsFactory
from ._journal import _SCHEMA as SQLITE_SCHEMA
from ._journal import SCHEMA_VERSION, Db, Journal, JournalError, Rows, statements

if TYPE_CHECKING:
    import psycopg

SCHEMA: Final = "maildns"
# SQLite's tables, with PostgreSQL's ids and a sequence for seq (NEXT_SEQ).
_CREATE: Final = "CREATE SEQUENCE IF NOT EXISTS step_seq;\n" + SQLITE_SCHEMA.replace(
    "id INTEGER PRIMARY KEY AUTOINCREMENT", "id BIGSERIAL PRIMARY KEY"
).replace("seq INTEGER NOT NULL", "seq BIGINT NOT NULL")
assert "AUTOINCREMENT" not in _CREATE
assert "seq BIGINT" in _CREATE
_SCHEMA_LOCK: Final = 0x6D61696C646E7300  # "maildns\0": one opener creates the schema at a time


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


class _Cursor:
    """The journal's ``?`` SQL on psycopg's ``%s`` placeholders."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Rows:
        return self._connection.execute(sql.replace("?", "%s"), tuple(args))


class PostgresJournal(Journal):
    """The journal in a PostgreSQL database (see the module's docstring)."""

    NEXT_SEQ = "nextval('step_seq')"  # a sequence: later than every value handed out before
    blocking = True

    def __init__(self, dsn: str) -> None:
        self.location = redact(dsn)
        self._dsn = dsn
        self._pool: Any = None
        try:
            import psycopg
        except ImportError:
            raise JournalError(
                f"{self.location}: a PostgreSQL journal needs psycopg: "
                "pip install 'maildns[postgresql]'"
            ) from None
        self._errors: type[Exception] = psycopg.Error
        try:
            self._db = psycopg.connect(
                dsn, autocommit=True, connect_timeout=10, application_name="maildns"
            )
        except psycopg.Error as error:
            raise self._error("cannot open the journal", error) from None
        except Exception as error:  # a malformed connection string
            raise JournalError(f"{self.location}: not a connection string: {error}") from None
        self._lock = threading.Lock()
        try:
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                self._db.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
                self._db.execute(f"SET LOCAL search_path TO {SCHEMA}")
                row = self._db.execute(f"SELECT to_regclass('{SCHEMA}.meta')").fetchone()
                version = None
                if row is not None and row[0] is not None:
                    found = self._db.execute(
                        "SELECT value FROM meta WHERE key = 'schema_version'"
                    ).fetchone()
                    version = None if found is None else found[0]
                if version is None:
                    for statement in statements(_CREATE):
                        self._db.execute(statement)
                    self._db.execute(
                        "INSERT INTO meta (key, value) VALUES ('schema_version', %s) "
                        "ON CONFLICT DO NOTHING",
                        (str(SCHEMA_VERSION),),
                    )
                elif version != str(SCHEMA_VERSION):
                    raise JournalError(
                        f"{self.location}: journal schema version {version}, this maildns "
                        f"reads {SCHEMA_VERSION}"
                    )
            self._db.execute(f"SET search_path TO {SCHEMA}")
        except psycopg.Error as error:
            self._db.close()
            raise self._error("cannot open the journal", error) from None
        except JournalError:
            self._db.close()
            raise

    def _error(self, what: str, error: BaseException) -> JournalError:
        message = " ".join(str(error).split()) or type(error).__name__
        for secret in _secrets(self._dsn):
            message = message.replace(secret, "***")
        return JournalError(f"{self.location}: {what}: {message}")

    @contextmanager
    def _tx(self) -> Iterator[Db]:
        with self._lock:
            try:
                with self._db.transaction():
                    yield _Cursor(self._db)
            except self._errors as error:
                raise self._error("the journal failed", error) from None

    def _call(self, sql: str, args: Sequence[Any]) -> Any:
        with self._lock:
            try:
                row = self._db.execute(sql, tuple(args)).fetchone()
            except self._errors as error:
                raise self._error("the journal failed", error) from None
        return None if row is None else row[0]

    # Claims are session advisory locks on the journal's own connection: they go with it.
    def claim(self, zone: str) -> bool:
        return bool(self._call("SELECT pg_try_advisory_lock(%s)", (lock_key(zone),)))

    def release(self, zone: str) -> None:
        self._call("SELECT pg_advisory_unlock(%s)", (lock_key(zone),))

    def permits(self) -> PermitsFactory:
        """Permits from shared buckets in this database: every worker's pace for one vendor
        credential draws on one budget."""
        from psycopg_pool import ConnectionPool
        from pyrate_limiter import PostgresBucket

        def search_path(connection: psycopg.Connection[Any]) -> None:
            connection.autocommit = True
            connection.execute(f"SET search_path TO {SCHEMA}")
            connection.autocommit = False

        if self._pool is None:
            self._pool = ConnectionPool(
                self._dsn,
                min_size=1,
                max_size=4,
                configure=search_path,
                kwargs={"application_name": "maildns-rate", "connect_timeout": 10},
                open=True,
            )
        pool = self._pool

        def make(limit: int, name: str) -> Permits:
            return BucketPermits(
                lambda rates: PostgresBucket(pool, name, rates), limit, _wall_ms, name
            )

        return make

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        self._db.close()
