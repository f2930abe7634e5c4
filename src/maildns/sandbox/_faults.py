"""Fault injection: make the next requests to one operation fail the way real networks do."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._core.checks import got, show
from ..vendors import DECLARATIONS
from ._core import Vendor
from ._limits import (
    MAX_FAULT_DELAY,
    MAX_FAULT_TIMES,
    MAX_HEADER_TEXT,
    MAX_RETRY_AFTER,
    finite_number,
)


def _default_body(vendor: Vendor) -> Mapping[str, Any]:
    body = DECLARATIONS[vendor].fault_body
    # only vendors with an HTTP app are served (sandbox/_registry.py), and each declares one
    assert body is not None, f"{vendor} declares no fault_body"
    return body


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
        # the vendor's error shape, as its declaration gives it
        return json.dumps(_default_body(self.vendor)).encode(), "application/json"


Operations = Mapping[str, frozenset[str]]
"""A vendor's operations: each path of its spec (``/dns/{domain}``) and the methods served there."""

FIELDS: Final = (
    "vendor",
    "method",
    "path",
    "status",
    "retry_after",
    "delay",
    "body",
    "content_type",
    "times",
    "drop",
    "lose_response",
)
_REQUIRED: Final = ("vendor", "method", "path")
_METHODS: Final = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_HEADER_TEXT = re.compile(r"[\x20-\x7e]+")  # printable ASCII: what a header value may hold


def _shown(value: object) -> str:
    """A value as a problem quotes it: a string in quotes (cut short), else what it is."""
    return show(value) if isinstance(value, str) else got(value)


def _order(method: str) -> int:
    return _METHODS.index(method) if method in _METHODS else len(_METHODS)


def _segments(path: str) -> list[str | None]:
    """The path's segments, ``None`` for a ``{param}`` (it matches any one segment)."""
    parts = path.rstrip("/").split("/")[1:] if path != "/" else []
    return [None if p.startswith("{") and p.endswith("}") else p for p in parts]


def _compatible(path: str, template: str) -> bool:
    given, known = _segments(path), _segments(template)
    return len(given) == len(known) and all(
        g is None or k is None or g == k for g, k in zip(given, known, strict=True)
    )


def _check_target(
    problems: list[str], operations: Mapping[Vendor, Operations], args: Mapping[str, Any]
) -> tuple[str, str] | None:
    """Check vendor, path and method against what the vendor's spec serves."""
    vendor, path, method = args.get("vendor"), args.get("path"), args.get("method")
    served: Operations | None = None
    if "vendor" in args:
        if isinstance(vendor, str) and vendor in operations:
            served = operations[vendor]
        else:
            problems.append(f"vendor must be one of {', '.join(operations)}, not {_shown(vendor)}")
    templates: list[str] = []
    if "path" in args:
        if not isinstance(path, str) or not path.startswith("/"):
            problems.append(
                f"path must be the full vendor path starting with '/', not {_shown(path)}"
            )
        elif served is not None:
            templates = [t for t in served if _compatible(path, t)]
            if not templates:
                hint = f", without the /{vendor} prefix" if path.startswith(f"/{vendor}/") else ""
                problems.append(
                    f"path must be a path of {vendor}'s spec ({', '.join(served)}{hint}), "
                    f"not {_shown(path)}"
                )
    if "method" in args:
        if not isinstance(method, str):
            problems.append(f"method must be an HTTP method such as 'GET', not {_shown(method)}")
        elif served is not None:
            allowed = sorted({m for t in (templates or served) for m in served[t]}, key=_order)
            if method.upper() not in allowed:
                where = f"{vendor} {path}" if templates else f"any path of {vendor}"
                problems.append(
                    f"method must be one of {', '.join(allowed)} for {where}, not {_shown(method)}"
                )
    if isinstance(method, str) and isinstance(path, str) and isinstance(vendor, str):
        return method.upper(), path.rstrip("/") or "/"  # a request's trailing slash is optional
    return None


def _check_answer(problems: list[str], args: Mapping[str, Any]) -> None:
    """Check what the fault answers: status, headers, delay, body and how often."""
    status = args.get("status")
    if status is not None and not (
        isinstance(status, int) and not isinstance(status, bool) and 200 <= status <= 599
    ):
        problems.append(f"status must be an HTTP status between 200 and 599, not {_shown(status)}")
    retry_after = args.get("retry_after")
    if retry_after is not None:
        if isinstance(retry_after, str):
            ok = len(retry_after) <= MAX_HEADER_TEXT and bool(_HEADER_TEXT.fullmatch(retry_after))
        else:
            ok = finite_number(retry_after) and 0 <= retry_after <= MAX_RETRY_AFTER
        if not ok:
            problems.append(
                f"retry_after must be a number of seconds from 0 to {MAX_RETRY_AFTER} or an "
                f"HTTP date (printable text of at most {MAX_HEADER_TEXT} characters), "
                f"not {_shown(retry_after)}"
            )
    delay = args.get("delay")
    if delay is not None and not (finite_number(delay) and 0 <= delay <= MAX_FAULT_DELAY):
        problems.append(
            f"delay must be a number of seconds from 0 to {MAX_FAULT_DELAY:g}, not {_shown(delay)}"
        )
    body = args.get("body")
    if body is not None and not isinstance(body, str | bytes):
        problems.append(f"body must be text or bytes, not {_shown(body)}")
    content_type = args.get("content_type")
    if content_type is not None and not (
        isinstance(content_type, str)
        and len(content_type) <= MAX_HEADER_TEXT
        and _HEADER_TEXT.fullmatch(content_type)
    ):
        problems.append(
            f"content_type must be a media type such as 'text/html' (printable text of at most "
            f"{MAX_HEADER_TEXT} characters), not {_shown(content_type)}"
        )
    times = args.get("times", 1)
    if isinstance(times, bool) or not isinstance(times, int):
        problems.append(f"times must be an integer from 1 to {MAX_FAULT_TIMES}, not {got(times)}")
    elif times < 1:
        problems.append(f"times must be at least 1, not {times}")
    elif times > MAX_FAULT_TIMES:
        problems.append(f"times must be at most {MAX_FAULT_TIMES}, not {got(times)}")
    for flag in ("drop", "lose_response"):
        if not isinstance(args.get(flag, False), bool):
            problems.append(f"{flag} must be true or false, not {_shown(args[flag])}")
    drop = args.get("drop") is True
    if status is None and delay is None and not drop:
        problems.append("give a status, a delay, drop=True, or a combination")
    if drop and (status is not None or body is not None):
        problems.append("a dropped connection has no status or body")
    if args.get("lose_response") is True and status is None and not drop:
        problems.append("lose_response needs the status (or drop=True) that replaces the answer")


def check_fault(args: object, operations: Mapping[Vendor, Operations]) -> Fault:
    """The fault ``args`` describe (``inject_fault``'s arguments plus ``vendor``, as a JSON object
    gives them), checked against the vendors' ``operations``.

    Every problem is reported together in one ValueError; its message quotes no more than a
    short piece of any value.
    """
    if not isinstance(args, Mapping):
        raise ValueError(
            "invalid fault: give a JSON object with vendor, method and path, and what to answer"
        )
    problems: list[str] = []
    unknown = [k for k in args if k not in FIELDS]
    if unknown:
        shown = ", ".join(_shown(k) for k in unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        problems.append(
            f"unknown field{'s' if len(unknown) > 1 else ''} {shown}: expected {', '.join(FIELDS)}"
        )
    missing = [k for k in _REQUIRED if k not in args]
    if missing:
        names = " and ".join([", ".join(missing[:-1]), missing[-1]] if missing[:-1] else missing)
        problems.append(f"{names} {'is' if len(missing) == 1 else 'are'} required")
    target = _check_target(problems, operations, args)
    _check_answer(problems, args)
    if problems:
        raise ValueError("invalid fault: " + "; ".join(problems))
    assert target is not None
    method, path = target
    body = args.get("body")
    retry_after = args.get("retry_after")
    return Fault(
        vendor=args["vendor"],
        method=method,
        path=path,
        status=args.get("status"),
        retry_after=None if retry_after is None else str(retry_after),
        delay=None if args.get("delay") is None else float(args["delay"]),
        body=body.encode() if isinstance(body, str) else body,
        content_type=args.get("content_type"),
        times=args.get("times", 1),
        drop=args.get("drop", False),
        lose_response=args.get("lose_response", False),
    )


def make_fault(
    vendor: str,
    method: str,
    path: str,
    *,
    operations: Mapping[Vendor, Operations],
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
    args = {
        "vendor": vendor,
        "method": method,
        "path": path,
        "status": status,
        "retry_after": retry_after,
        "delay": delay,
        "body": body,
        "content_type": content_type,
        "times": times,
        "drop": drop,
        "lose_response": lose_response,
    }
    return check_fault(args, operations)


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
        if not self._faults:  # the usual case: no fault was ever added (or all were cleared)
            return None
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
