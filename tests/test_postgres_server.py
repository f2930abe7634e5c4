"""The real PostgreSQL server the journal's tests will run against starts, serves and stops.

The claim this project's workers will rely on, checked on the real server: two sessions that
take rows with ``FOR UPDATE SKIP LOCKED`` never take the same row, and a row held by a session
that goes away is free again at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .postgres import binaries, running_server

psycopg = pytest.importorskip("psycopg")


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    if binaries() is None:
        pytest.skip("PostgreSQL is not installed: apt-get install postgresql (.ci/run does)")
    with running_server() as dsn:
        yield dsn


def test_skip_locked_claims_never_overlap_and_free_with_their_session(postgres_dsn: str) -> None:
    with psycopg.connect(postgres_dsn, autocommit=True) as setup:
        setup.execute("CREATE TABLE claims_check (zone text PRIMARY KEY)")
        setup.execute("INSERT INTO claims_check SELECT 'z' || n FROM generate_series(1, 10) n")
    claim = "SELECT zone FROM claims_check ORDER BY zone FOR UPDATE SKIP LOCKED LIMIT 4"
    first = psycopg.connect(postgres_dsn)
    second = psycopg.connect(postgres_dsn)
    try:
        mine = {row[0] for row in first.execute(claim)}
        theirs = {row[0] for row in second.execute(claim)}
        assert len(mine) == len(theirs) == 4
        assert not mine & theirs
        first.close()  # a worker that dies: its claims are free at once
        with psycopg.connect(postgres_dsn) as third:
            again = {row[0] for row in third.execute(claim)}
        assert again & mine
        assert not again & theirs
    finally:
        first.close()
        second.close()
