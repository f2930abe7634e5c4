"""Fault injection: make the next requests to one operation fail the way real networks do."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._core import Vendor
from ._registry import VENDORS

# A default error body per vendor, in the shape each spec gives its errors.
_DEFAULT_BODIES: dict[Vendor, dict[str, Any]] = {
    "tesouro": {"error": {"message": "Injected fault"}},
    "telecomx": {"error": "internal_error", "message": "Injected fault"},
    "ciirus": {"message": "Injected fault"},
}


class ConnectionDropped(Exception):
    """Raised on purpose to make the server close a connection mid-response."""


class _HideDroppedConnections(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


def hide_dropped_connections() -> None:
    """Keep the server's error log free of the connections we drop on purpose."""
    log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDroppedConnections) for f in log.filters):
        log.addFilter(_HideDroppedConnections())


@dataclass
class Fault:
    vendor: Vendor
    method: str
    path: str
    status: int | None
    retry_after: str | None
    delay: float | None
    body: bytes | None
    content_type: str | None
    times: int
    drop: bool = False
    lose_response: bool = False

    def __post_init__(self) -> None:
        # `{name}` in a path (as in the specs) stands for one path segment.
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(self.path))
        self._regex = re.compile(f"^/{self.vendor}{pattern}/?$")

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and method == self.method and bool(self._regex.match(path))

    def describe(self) -> dict[str, Any]:
        return {
            "vendor": self.vendor,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "times": self.times,
            "drop": self.drop,
            "lose_response": self.lose_response,
        }

    def response_body(self) -> tuple[bytes, str]:
        if self.body is not None:
            guess = "text/html" if self.body.lstrip().startswith(b"<") else "application/json"
            return self.body, self.content_type or guess
        return json.dumps(_DEFAULT_BODIES[self.vendor]).encode(), "application/json"


def make_fault(
    vendor: str,
    method: str,
    path: str,
    *,
    status: int | None = None,
    retry_after: float | str | None = None,
    delay: float | None = None,
    body: bytes | str | None = None,
    content_type: str | None = None,
    times: int = 1,
    drop: bool = False,
    lose_response: bool = False,
) -> Fault:
    """Check the arguments of ``Sandbox.inject_fault`` and build the fault."""
    problems = []
    if vendor not in VENDORS:
        problems.append(f"vendor must be one of {', '.join(VENDORS)}, not {vendor!r}")
    if not path.startswith("/"):
        problems.append(f"path must be the full vendor path starting with '/', not {path!r}")
    if status is not None and not 100 <= status <= 599:
        problems.append(f"status must be an HTTP status between 100 and 599, not {status!r}")
    if delay is not None and delay < 0:
        problems.append(f"delay must be a non-negative number of seconds, not {delay!r}")
    if times < 1:
        problems.append(f"times must be at least 1, not {times!r}")
    if status is None and delay is None and not drop:
        problems.append("give a status, a delay, drop=True, or a combination")
    if drop and (status is not None or body is not None):
        problems.append("a dropped connection has no status or body")
    if lose_response and status is None and not drop:
        problems.append("lose_response needs the status (or drop=True) that replaces the answer")
    if problems:
        raise ValueError("invalid fault: " + "; ".join(problems))
    return Fault(
        vendor=vendor,
        method=method.upper(),
        path=path,
        status=status,
        retry_after=None if retry_after is None else str(retry_after),
        delay=delay,
        body=body.encode() if isinstance(body, str) else body,
        content_type=content_type,
        times=times,
        drop=drop,
        lose_response=lose_response,
    )


class FaultInjector:
    """ASGI middleware: a matching request gets its fault before the vendor app sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if f.times > 0]

    def _take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = self._take(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.lose_response:
            # The vendor handles the request at once; its answer never reaches the client,
            # which hears of the fault after the delay (a response lost on the way back).
            async def swallow(message: Message) -> None:
                return None

            await self.app(scope, receive, swallow)
            if fault.delay:
                await asyncio.sleep(fault.delay)
        else:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status is None and not fault.drop:
                await self.app(scope, receive, send)
                return
        if fault.drop:
            # Promise a body and stop short: the server closes the connection mid-response.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
                }
            )
            # The server refuses to end a short body and closes the connection instead.
            try:
                await send({"type": "http.response.body", "body": b'{"trunc', "more_body": False})
            except Exception as exc:
                raise ConnectionDropped from exc
            return
        assert fault.status is not None
        body, content_type = fault.response_body()
        headers = [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        if fault.retry_after is not None:
            headers.append((b"retry-after", fault.retry_after.encode()))
        await send({"type": "http.response.start", "status": fault.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
