"""A response body read within bounds, sans-IO: the core feeds it the raw bytes as they arrive.

httpx would inflate a compressed body chunk by chunk with no bound on what one chunk becomes
(a 64 KiB chunk of a gzip bomb is 64 MiB), so the core reads the raw bytes and inflates them
here, never more than the bytes still allowed: a body is given up the moment its decoded size
passes the bound, whatever its encoding, and memory holds at most the bound.
"""

from __future__ import annotations

import zlib
from typing import Final

ACCEPT_ENCODING: Final = "gzip, deflate"
"""What maildns asks for: the codings it can inflate within a bound."""


class TooLarge(Exception):
    """The decoded body passed the bound (how many bytes had been decoded by then)."""

    def __init__(self, decoded: int) -> None:
        super().__init__(decoded)
        self.decoded = decoded


class _Inflate:
    """One gzip or deflate layer, never giving more than it is asked for."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._raw_tried = False
        # gzip (and x-gzip); deflate is zlib-wrapped, or raw from some servers (as httpx does)
        wbits = zlib.MAX_WBITS | 16 if coding != "deflate" else zlib.MAX_WBITS
        self._d = zlib.decompressobj(wbits)

    def feed(self, data: bytes, room: int) -> bytes:
        """Up to ``room + 1`` bytes of ``data`` inflated: more than ``room`` means too large."""
        try:
            return self._d.decompress(data, room + 1)
        except zlib.error:
            if self._coding != "deflate" or self._raw_tried:
                raise
            self._raw_tried = True
            self._d = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._d.decompress(data, room + 1)

    def pending(self) -> bool:
        """Whether input is left that was not inflated for want of room."""
        return bool(self._d.unconsumed_tail)


class BodyReader:
    """Decodes (``Content-Encoding`` gzip, deflate, identity) and keeps a body of at most
    ``limit`` bytes; :meth:`feed` raises :class:`TooLarge` as soon as it would be more.
    A coding it does not know is kept as it came (as httpx does), which then fails to parse."""

    __slots__ = ("_chunks", "_layers", "_size", "limit")

    def __init__(self, content_encoding: str, limit: int) -> None:
        self.limit = limit
        self._size = 0
        self._chunks: list[bytes] = []
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        # Applied in the order listed: undone in reverse.
        self._layers = [
            _Inflate(c) for c in reversed(codings) if c in ("gzip", "x-gzip", "deflate")
        ]

    def expect(self, content_length: str | None) -> None:
        """Give up before reading when an unencoded body announces more than the limit."""
        if self._layers or not content_length:
            return
        try:
            size = int(content_length)
        except ValueError:
            return
        if size > self.limit:
            raise TooLarge(size)

    def feed(self, raw: bytes) -> None:
        room = self.limit - self._size
        data = raw
        for layer in self._layers:
            data = layer.feed(data, room)
            if len(data) > room or layer.pending():
                raise TooLarge(self._size + len(data))
        if len(data) > room:
            raise TooLarge(self._size + len(data))
        if data:
            self._size += len(data)
            self._chunks.append(data)

    def content(self) -> bytes:
        """The decoded body (the chunks joined once)."""
        return self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)
