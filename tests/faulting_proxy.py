"""A real HTTP proxy between maildns and the sandbox that loses answers, as a network does.

It listens on a loopback port of its own and forwards each request to the sandbox over a
connection of its own, so the sandbox (the vendor) acts on it; then, as ``rule(method, path,
body)`` says, it delivers the answer (``"pass"``), drops the client's connection without an answer
(``"drop"``: a connection reset after the vendor acted), answers ``502`` in its place (a
gateway that lost it), or drops the connection without forwarding at all (``"cut"``: the
vendor never saw it, but the client cannot tell). :meth:`go_away` stops it listening and cuts
every open connection: the vendor is unreachable from then on; ``away_after = n`` does that
once ``n`` requests have been taken.

It runs its own event loop in a thread, so that synchronous code under test (``onboarding.
apply`` runs ``asyncio.run`` itself) can use it.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

Rule = Callable[[str, str, bytes], str]
ACTIONS = ("pass", "drop", "502", "cut")


class FaultingProxy:
    def __init__(self, upstream: str, rule: Rule) -> None:
        parts = urlsplit(upstream)
        assert parts.hostname is not None
        assert parts.port is not None
        self._upstream = (parts.hostname, parts.port)
        self.rule = rule
        self.seen: Counter[tuple[str, str, str]] = Counter()
        """(method, path, action) of every request the proxy took."""
        self.away_after: int | None = None
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    # --- life ---------------------------------------------------------------------------------
    def start(self) -> FaultingProxy:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", 0), self._loop
        ).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def url(self, prefix: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{prefix}"

    def go_away(self) -> None:
        """Stop listening and cut every connection: new connections are refused."""

        async def away() -> None:
            self._away()

        asyncio.run_coroutine_threadsafe(away(), self._loop).result(10)

    def _away(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()

    def stop(self) -> None:
        if self._server is not None and self._server.is_serving():
            self.go_away()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    # --- serving ------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                method, target, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
                length = 0
                for line in head.decode("latin-1").split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                body = await reader.readexactly(length)
                path = urlsplit(target).path
                if self.away_after is not None:
                    if self.away_after <= 0:
                        self._away()
                        return
                    self.away_after -= 1
                action = self.rule(method, path, body)
                assert action in ACTIONS, action
                self.seen[(method, path, action)] += 1
                if action == "cut":
                    writer.transport.abort()
                    return
                answer = await self._forward(head, body)
                if action == "drop":
                    writer.transport.abort()
                    return
                if action == "502":
                    answer = b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n"
                writer.write(answer)
                await writer.drain()
        except ConnectionError:
            return  # cut by go_away, or by the client: as a network would
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _forward(self, head: bytes, body: bytes) -> bytes:
        """The request sent to the sandbox on a connection of its own, closed after: the whole
        answer, as the sandbox wrote it."""
        lines = [
            line
            for line in head.rstrip(b"\r\n").split(b"\r\n")
            if not line.lower().startswith(b"connection:")
        ]
        request = b"\r\n".join([*lines, b"connection: close"]) + b"\r\n\r\n" + body
        reader, writer = await asyncio.open_connection(*self._upstream)
        try:
            writer.write(request)
            await writer.drain()
            answer = await reader.read()
        finally:
            writer.close()
        # The client keeps its connection: the answer tells it to, whatever the sandbox said.
        head_end = answer.index(b"\r\n\r\n")
        kept = [
            line
            for line in answer[:head_end].split(b"\r\n")
            if not line.lower().startswith(b"connection:")
        ]
        return b"\r\n".join(kept) + answer[head_end:]


@contextmanager
def faulting_proxy(upstream: str, rule: Rule) -> Iterator[FaultingProxy]:
    proxy = FaultingProxy(upstream, rule).start()
    try:
        yield proxy
    finally:
        proxy.stop()
