"""A small HTTP/1.1 load generator for ``make bench`` (d): raw sockets, keep-alive, no library.

httpx spends a few milliseconds of Python per request at concurrency 50, so a benchmark driven by it
measures the client. This one writes one prebuilt request per connection, reads the answer with
``asyncio.Protocol`` (no streams, no parser beyond the status line and ``Content-Length``), checks
that the status is 200 and the body is the expected bytes, and sends the next: a few microseconds
per request, so the server under test is what bounds the rate.

    python scripts/loadgen.py URL [--requests N] [--concurrency C] [-H 'Name: value']

prints the requests per second; :func:`run` is what the benchmark calls.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from urllib.parse import urlsplit


class LoadError(Exception):
    """The server answered something other than the expected 200 and body, or hung up."""


class _Budget:
    def __init__(self, total: int) -> None:
        self.left = total
        self.done = 0

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


class _Connection(asyncio.Protocol):
    def __init__(self, request: bytes, expected: bytes, budget: _Budget) -> None:
        self.request = request
        self.expected = expected
        self.budget = budget
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.buffer = bytearray()
        self.body_at = -1  # where the body starts in buffer, once the head is in
        self.length = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def send_next(self) -> None:
        assert self.transport is not None
        if self.budget.take():
            self.transport.write(self.request)
        else:
            self._finish(None)

    def _finish(self, error: Exception | None) -> None:
        if self.finished.done():
            return
        if error is None:
            self.finished.set_result(None)
        else:
            self.finished.set_exception(error)
        if self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while not self.finished.done():
            if self.body_at < 0:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = bytes(self.buffer[:end]).lower()
                if not head.startswith((b"http/1.1 200 ", b"http/1.0 200 ")):
                    status = head.split(b"\r\n", 1)[0].decode("latin-1")
                    self._finish(LoadError(f"the server answered {status!r}"))
                    return
                marker = head.find(b"\r\ncontent-length:")
                if marker < 0:
                    self._finish(LoadError("an answer without Content-Length"))
                    return
                line_end = head.find(b"\r\n", marker + 2)
                self.length = int(head[marker + 17 : line_end if line_end >= 0 else None])
                self.body_at = end + 4
            stop = self.body_at + self.length
            if len(self.buffer) < stop:
                return
            if self.buffer[self.body_at : stop] != self.expected:
                self._finish(LoadError("an answer whose body is not the expected one"))
                return
            del self.buffer[:stop]
            self.body_at = -1
            self.budget.done += 1
            self.send_next()

    def connection_lost(self, exc: Exception | None) -> None:
        self._finish(LoadError(f"the server closed a connection ({exc or 'EOF'})"))


def build_request(url: str, headers: dict[str, str]) -> tuple[str, int, bytes]:
    """``(host, port, request bytes)`` for a keep-alive GET of ``url``."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname is None or parts.port is None:
        raise ValueError(f"an http URL with a host and port, not {url!r}")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    lines = [f"GET {target} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return parts.hostname, parts.port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def run(
    url: str, expected: bytes, requests: int, concurrency: int, headers: dict[str, str]
) -> float:
    """Send ``requests`` GETs of ``url`` over ``concurrency`` connections; the seconds taken.

    The connections are open before the clock starts and closed after it stops; every answer
    must be 200 with ``expected`` as its body, else :class:`LoadError`.
    """
    host, port, request = build_request(url, headers)
    loop = asyncio.get_running_loop()
    budget = _Budget(requests)
    connections: list[_Connection] = []
    try:
        for _ in range(concurrency):
            connection = _Connection(request, expected, budget)
            await loop.create_connection(lambda c=connection: c, host, port)  # type: ignore[misc]
            connections.append(connection)
        begin = time.perf_counter()
        for connection in connections:
            connection.send_next()
        await asyncio.gather(*(c.finished for c in connections))
        elapsed = time.perf_counter() - begin
    finally:
        for connection in connections:
            connection._finish(None)
    if budget.done != requests:
        raise LoadError(f"{budget.done} of {requests} requests answered")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("-H", "--header", action="append", default=[])
    args = parser.parse_args(argv)
    headers = dict(h.split(": ", 1) for h in args.header)
    host, port, request = build_request(args.url, headers)

    async def go() -> float:
        # The first answer is the expected one for the rest.
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.lower().split(b"\r\n")
            if line.startswith(b"content-length:")
        )
        expected = await reader.readexactly(length)
        writer.close()
        return await run(args.url, expected, args.requests, args.concurrency, headers)

    seconds = asyncio.run(go())
    print(f"{args.requests / seconds:.0f} requests/s ({args.requests} in {seconds:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
