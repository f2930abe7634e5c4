"""Every answer is bounded: its decoded size (``max_response_bytes``: a 300 MB body and a gzip
bomb, 1.5 GB of JSON in 1.5 MB, stop at the bound as they are read), and the time it takes
(``deadline``: a body trickling 10 bytes a second ends at the deadline, though no single read
waits long). Each bound ends in one typed error naming the vendor and the operation, from the
sync and the async client alike, with the process's memory bounded; and a 20,000-record zone
is still read with the defaults.

A real HTTP server over loopback sockets answers; each client runs in a child process, which
reports its own peak RSS (``getrusage``) and runs under an address-space limit, so that a
client that reads without bound fails the test instead of the machine.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

import pytest

MiB: Final = 1024 * 1024
BIG: Final = 300 * MiB
BOMB_BLOCK: Final = b" " * MiB  # JSON whitespace, inflated a mebibyte per block
BOMB_BLOCKS: Final = 1500
TRICKLE_FOR: Final = 120.0  # seconds a trickle goes on at most: the safety net, never awaited
RSS_BOUND_KB: Final = 400 * 1024  # a client that held the 300 MB body (or more) is past it
ADDRESS_SPACE: Final = 3 * 1024 * MiB  # the child's limit: a bomb read whole fails, not the host
TOKEN: Final = "bounds-test-token-5c2e"


def _zone(records: int) -> bytes:
    dkim = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "x" * 340 + "IDAQAB"
    return json.dumps(
        {
            "_id": "example.com",
            "customer": "64a1f0c2b9e4d3a2c1b0f9e8",
            "product": "64a1f0c2b9e4d3a2c1b0aaaa",
            "invoicedUntil": "2026-02-01T00:00:00.000Z",
            "serial": 2026010101,
            "ttl": 86400,
            "records": [
                {"name": f"s{i}._domainkey", "type": "TXT", "rData": json.dumps(dkim)}
                for i in range(records)
            ],
            "status": "OK",
        }
    ).encode()


def _bomb() -> tuple[bytes, bytes]:
    """The start of a gzip stream and the unit repeated after it: each unit inflates to
    :data:`BOMB_BLOCK` (a full flush makes every unit after the first the same bytes)."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    start = deflate.compress(b'{"_id": "example.com", "records": [' + BOMB_BLOCK)
    start += deflate.flush(zlib.Z_FULL_FLUSH)
    unit = deflate.compress(BOMB_BLOCK) + deflate.flush(zlib.Z_FULL_FLUSH)
    return start, unit


class _Answers(BaseHTTPRequestHandler):
    """Answers every request as its path's first segment says (``/big/...``, ``/bomb/...``,
    ``/trickle/...``, ``/zone/...``)."""

    zone: bytes = b""
    bomb: tuple[bytes, bytes] = (b"", b"")

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self._answer()

    def _answer(self) -> None:
        mode = self.path.split("/")[1]
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        try:
            if mode == "zone":
                body = gzip.compress(self.zone)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif mode == "big":  # no length announced: read until it ends
                self.end_headers()
                chunk = b" " * MiB
                for _ in range(BIG // MiB):
                    self.wfile.write(chunk)
            elif mode == "bomb":
                self.send_header("Content-Encoding", "gzip")
                self.end_headers()
                start, unit = self.bomb
                self.wfile.write(start)
                for _ in range(BOMB_BLOCKS - 1):
                    self.wfile.write(unit)
            elif mode == "trickle":
                self.end_headers()
                ends = time.monotonic() + TRICKLE_FOR
                self.wfile.write(b'{"_id": "example.com", "records": [')
                while time.monotonic() < ends:
                    self.wfile.write(b" " * 10)
                    self.wfile.flush()
                    time.sleep(1)
                self.wfile.write(b"]}")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: what the bounds are for


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    _Answers.zone = _zone(20_000)
    _Answers.bomb = _bomb()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


CHILD: Final = """
import asyncio, json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({space}, {space}))
import maildns

twin, url, call, options = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
settings = dict(customer="64a1f0c2b9e4d3a2c1b0f9e8", product="64a1f0c2b9e4d3a2c1b0aaaa")

def report(**facts):
    facts["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(facts))

def run(client):
    if call == "create_zone":
        return client.create_zone("example.com", **settings)
    return client.get_zone("example.com")

async def run_async():
    async with maildns.AsyncTelecomX(base_url=url, token={token!r}, **options) as client:
        if call == "create_zone":
            return await client.create_zone("example.com", **settings)
        return await client.get_zone("example.com")

try:
    if twin == "sync":
        with maildns.TelecomX(base_url=url, token={token!r}, **options) as client:
            zone = run(client)
    else:
        zone = asyncio.run(run_async())
    report(records=len(zone.records))
except maildns.APIError as error:
    report(
        error=type(error).__name__,
        classes=[c.__name__ for c in type(error).__mro__],
        text=str(error),
        vendor=error.vendor,
        operation=error.operation,
        may_have_acted=error.may_have_acted,
    )
"""


def _client(
    twin: str, url: str, call: str = "get_zone", env: dict[str, str] | None = None, **options: Any
) -> dict[str, Any]:
    """What a client in a child process made of the answer at ``url``."""
    script = CHILD.format(space=ADDRESS_SPACE, token=TOKEN)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MAILDNS")}
    environment.update(env or {})
    done = subprocess.run(
        [sys.executable, "-c", script, twin, url, call, json.dumps(options)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,  # a safety net only: the deadline case ends in seconds
    )
    assert done.returncode == 0, done.stderr[-2000:]
    facts: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return facts


TWINS = ["sync", "async"]


@pytest.mark.parametrize("twin", TWINS)
def test_a_300_mb_body_stops_at_the_size_bound(server: str, twin: str) -> None:
    facts = _client(twin, f"{server}/big", max_retries=0)
    assert facts["error"] == "APIResponseTooLargeError"
    assert "APIResponseLimitError" in facts["classes"]
    assert facts["vendor"] == "telecomx"
    assert facts["operation"] == "get_zone"
    assert facts["text"].startswith(
        "telecomx get_zone: HTTP 200 with a body over max_response_bytes"
    )
    assert "MAILDNS_MAX_RESPONSE_BYTES" in facts["text"]
    assert facts["may_have_acted"] is False  # a read changes nothing
    assert facts["maxrss_kb"] < RSS_BOUND_KB


@pytest.mark.parametrize("twin", TWINS)
def test_a_gzip_bomb_stops_at_the_size_bound_while_it_is_inflated(server: str, twin: str) -> None:
    facts = _client(twin, f"{server}/bomb", max_retries=0)
    assert facts["error"] == "APIResponseTooLargeError"
    assert facts["text"].startswith("telecomx get_zone: HTTP 200 with a body over")
    assert facts["maxrss_kb"] < RSS_BOUND_KB


@pytest.mark.parametrize("twin", TWINS)
def test_the_size_bound_is_set_by_option_or_environment(server: str, twin: str) -> None:
    # 20,000 records are some ten megabytes: a bound of one refuses them, by either way
    by_option = _client(twin, f"{server}/zone", max_response_bytes=MiB)
    by_env = _client(twin, f"{server}/zone", env={"MAILDNS_MAX_RESPONSE_BYTES": str(MiB)})
    for facts in (by_option, by_env):
        assert facts["error"] == "APIResponseTooLargeError"
        assert "(1,048,576 bytes decoded" in facts["text"]


@pytest.mark.parametrize("twin", TWINS)
def test_a_mutating_call_whose_answer_is_too_big_may_have_acted(server: str, twin: str) -> None:
    facts = _client(twin, f"{server}/big", call="create_zone", max_retries=2)
    assert facts["error"] == "APIResponseTooLargeError"
    assert facts["operation"] == "create_zone"
    assert facts["may_have_acted"] is True


@pytest.mark.parametrize("twin", TWINS)
def test_a_trickling_body_ends_at_the_deadline(server: str, twin: str) -> None:
    # 10 bytes a second: every read is answered within a second, far within the read
    # timeout, so only a deadline on the whole request ends it (else it runs TRICKLE_FOR).
    if twin == "sync":
        facts = _client(twin, f"{server}/trickle", env={"MAILDNS_DEADLINE": "1.5"})
    else:
        facts = _client(twin, f"{server}/trickle", deadline=1.5)
    assert facts["error"] == "APIDeadlineError"
    assert "APITimeoutError" in facts["classes"]
    assert facts["text"].startswith(
        "telecomx get_zone: no complete answer within the deadline of 1.5 s"
    )
    assert "MAILDNS_DEADLINE" in facts["text"]


@pytest.mark.parametrize("twin", TWINS)
def test_a_20000_record_zone_is_read_with_the_default_bounds(server: str, twin: str) -> None:
    facts = _client(twin, f"{server}/zone")
    assert facts == {"records": 20_000, "maxrss_kb": facts["maxrss_kb"]}


def test_bad_bounds_are_one_problem_each_before_anything_is_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import maildns

    with pytest.raises(maildns.InvalidInputError) as caught:
        maildns.TelecomX(token=TOKEN, max_response_bytes=0, deadline=-1)
    assert str(caught.value) == (
        "2 problems: max_response_bytes: must be a positive whole number of bytes, got 0; "
        "deadline: must be a positive number of seconds, got -1"
    )
    monkeypatch.setenv("MAILDNS_DEADLINE", "soon")
    with pytest.raises(maildns.InvalidInputError, match="MAILDNS_DEADLINE is 'soon'"):
        maildns.AsyncTelecomX(token=TOKEN)
