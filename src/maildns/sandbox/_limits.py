"""The sandbox's bounds: how much it reads, how much of a request its errors quote, and how far
its clock and faults may go. Every answer stays small and every error stays a clean line
however odd the request.

Nothing here imports the server (Starlette, uvicorn): ``_core`` uses it, and ``import
maildns.sandbox`` must not load them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar

from .._core.checks import clip

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES: Final = 1024 * 1024
"""The largest request body the sandbox reads (1 MiB); a larger one is answered 413."""
MAX_QUOTED_CHARS: Final = 300
"""How much of a request value an error quotes: more than the longest DNS name (253), so a
real value is echoed whole; the rest is cut, ending in ``...``."""
MAX_QUOTED_ERRORS: Final = 20
"""How many problems an error lists; one more entry says how many were left out."""
MAX_FAULT_DELAY: Final = 60.0
"""The longest ``delay`` of an injected HTTP fault, in seconds."""
MAX_FAULT_TIMES: Final = 10_000
"""The most requests (or DNS queries) one fault applies to."""
MAX_RATE_LIMIT: Final = 100_000
"""The largest rate limit the sandbox takes, in requests per second."""
MAX_RETRY_AFTER: Final = 86_400
"""The largest ``retry_after`` of an injected fault, in seconds (a day)."""
MAX_HEADER_TEXT: Final = 100
"""The longest text an injected fault puts in a header (``retry_after``, ``content_type``)."""
MAX_DNS_FAULT_SECONDS: Final = 30 * 86_400
"""The longest propagation delay or lag of a DNS fault (30 days)."""
EARLIEST: Final = datetime(1970, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(9000, 1, 1, tzinfo=UTC)
"""The sandbox clock stays within [EARLIEST, LATEST): every expiry, invoice date and DNS
history moment it computes from there is a valid date."""

T = TypeVar("T")
U = TypeVar("U")


class NotJSON(ValueError):
    """A request body that is not JSON the sandbox can read; ``str()`` says why in a few words.

    ``position`` and ``reason`` are where and why the parser stopped, for JSON text that does
    not parse; both are None when the body is not text at all (bad UTF-8) or nests too deeply.
    """

    def __init__(self, message: str, position: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.position = position
        self.reason = reason


class TooDeep(NotJSON):
    """JSON nested deeper than Python's parser goes."""


def too_large_message() -> str:
    return f"the request body is larger than the sandbox's limit of {MAX_BODY_BYTES} bytes"


def _number(text: str) -> float | int:
    # OpenAPI 3.1 (JSON Schema 2020-12) counts 474038.0 as an integer: so do we. Strict
    # validation then takes it where an integer is wanted, and a float field takes an int.
    value = float(text)
    # Only where a float is exact: 1e308 stays the float it was written as.
    return int(value) if value.is_integer() and abs(value) <= 2**53 else value


def loads(raw: bytes) -> Any:
    """JSON from a request body; :class:`NotJSON` (or :class:`TooDeep`) when it cannot be read.

    ``json`` raises RecursionError for deeply nested arrays and objects: that is a bad request
    too, not a crash. A number with a zero fraction is an integer, as JSON Schema says.
    """
    try:
        return json.loads(raw, parse_float=_number)
    except RecursionError:
        raise TooDeep("nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise NotJSON("not valid JSON", exc.pos, exc.msg) from None
    except ValueError:
        raise NotJSON("not valid JSON") from None


def quoted(value: Any) -> Any:
    """``value`` as an error may echo it: as it is when short, else its JSON text cut to
    ``MAX_QUOTED_CHARS``. Deep or huge values are never walked past that many characters."""
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= 512 else f"an integer of {value.bit_length()} bits"
    if isinstance(value, str):
        return clip(value, MAX_QUOTED_CHARS)
    if not isinstance(value, dict | list):
        return clip(repr(value), MAX_QUOTED_CHARS)
    text: list[str] = []
    size = 0
    try:
        # iterencode is lazy (the one-shot C encoder is not): stop once past the limit.
        for chunk in json.JSONEncoder(default=repr).iterencode(value):
            text.append(chunk)
            size += len(chunk)
            if size > MAX_QUOTED_CHARS:
                break
    except (RecursionError, ValueError, TypeError):
        size = MAX_QUOTED_CHARS + 1
    if size <= MAX_QUOTED_CHARS:
        return value
    joined = "".join(text)
    return clip(joined, MAX_QUOTED_CHARS) if len(joined) > MAX_QUOTED_CHARS else joined + "..."


def bounded(items: Sequence[T], show: Callable[[T], U], more: Callable[[int], U]) -> list[U]:
    """``show`` of the first ``MAX_QUOTED_ERRORS`` items, then ``more(n)`` for the rest."""
    shown = [show(item) for item in items[:MAX_QUOTED_ERRORS]]
    if len(items) > MAX_QUOTED_ERRORS:
        shown.append(more(len(items) - MAX_QUOTED_ERRORS))
    return shown


def finite_number(value: object) -> bool:
    """An int or float (not a bool) that is neither infinite nor NaN."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


def _body_headers(scope: Scope) -> tuple[int | None, bool]:
    """``Content-Length`` (None when absent or not a number) and whether the request has any
    header that announces a body (``Content-Length`` or ``Transfer-Encoding``)."""
    length: int | None = None
    announced = False
    for key, value in scope["headers"]:
        key = key.lower()
        if key == b"content-length":
            announced = True
            try:
                length = int(value)
            except ValueError:
                length = None
        elif key == b"transfer-encoding":
            announced = True
    return length, announced


class BodyLimit:
    """ASGI middleware: read a request body up to ``MAX_BODY_BYTES`` before the app sees it.

    A larger body is answered 413 by ``refuse(path)`` (the status and JSON of the vendor's
    error shape) as soon as it is known: at once from ``Content-Length``, or once a chunked
    body passes the limit. The server reads and drops the rest, so memory stays bounded and
    the client still gets the answer.
    """

    def __init__(
        self,
        app: ASGIApp,
        refuse: Callable[[str], Any],
        limit: int = MAX_BODY_BYTES,
    ) -> None:
        self.app = app
        self.refuse = refuse
        self.limit = limit

    async def _answer(self, scope: Scope, send: Send) -> None:
        body = json.dumps(self.refuse(scope["path"])).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length, announced = _body_headers(scope)
        if not announced:
            # RFC 9112 section 6.3: a request with neither header has no body: nothing to read.
            await self.app(scope, receive, send)
            return
        if length is not None and length > self.limit:
            await self._answer(scope, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._answer(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)


def _replay(body: bytes, receive: Receive) -> Callable[[], Awaitable[Message]]:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
