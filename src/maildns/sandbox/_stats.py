"""What the sandbox answered, counted per vendor, status and operation, for benchmarks and tests.

``{vendor: {"requests": n, "seconds": s, "status": {"200": n, ...}, "operations": {operationId:
{"200": n}}}}`` with the specs' operationIds; ``seconds`` is the real time from the first answer
counted to the last (a benchmark's achieved rate is requests / seconds); each vendor route is
named after its operation. Counted at the outermost layer, so a 413, an injected fault and a
429 count as what the client saw. A request that arrived before a reset of the sandbox is never
counted after it: a delayed answer from the old state is not a request to the new one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ROUTE_KEY = "route"
"""Where Starlette's router leaves the route it matched (the vendor dispatch passes the scope
itself, so the route is seen here)."""

OperationOf = Callable[[str, str, str], str | None]
"""``(vendor, method, path within the vendor) -> operationId`` for a request no route answered."""


def operation_name(route: object, method: str) -> str | None:
    """The operationId of ``route`` when it serves ``method`` (a 405's partial match does not)."""
    if isinstance(route, Route) and route.methods and method in route.methods:
        return route.name
    return None


class Stats:
    """Thread-safe counters (the server thread counts, any thread reads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, Any]] = {}
        self._era = 0

    @property
    def era(self) -> int:
        """Which reset the counts are since: a request takes it as it arrives."""
        return self._era

    def count(self, vendor: str, operation: str | None, status: int, era: int) -> None:
        """Count an answer to a request that arrived in ``era``; none from before a reset."""
        key = str(status)
        now = time.monotonic()
        with self._lock:
            if era != self._era:
                return
            entry = self._data.get(vendor)
            if entry is None:
                entry = self._data[vendor] = {
                    "requests": 0,
                    "status": {},
                    "operations": {},
                    "first": now,
                }
            entry["requests"] += 1
            entry["last"] = now
            entry["status"][key] = entry["status"].get(key, 0) + 1
            if operation is not None:
                by_status = entry["operations"].setdefault(operation, {})
                by_status[key] = by_status.get(key, 0) + 1

    def snapshot(self, vendors: tuple[str, ...], clear: bool = False) -> dict[str, dict[str, Any]]:
        """A copy, every vendor present (zeros for one that had no request); ``clear`` starts
        the counts again from zero in the same step, so no request is lost between the two."""
        with self._lock:
            data, self._data = self._data, ({} if clear else self._data)
            return {
                v: {
                    "requests": data.get(v, {}).get("requests", 0),
                    "seconds": round(
                        data.get(v, {}).get("last", 0.0) - data.get(v, {}).get("first", 0.0), 6
                    ),
                    "status": dict(sorted(data.get(v, {}).get("status", {}).items())),
                    "operations": {
                        op: dict(sorted(counts.items()))
                        for op, counts in sorted(data.get(v, {}).get("operations", {}).items())
                    },
                }
                for v in vendors
            }

    def clear(self) -> None:
        """Forget every count, and every request still being answered (a reset of the sandbox).
        ``snapshot(clear=True)`` instead hands a request in flight to the counts that follow."""
        with self._lock:
            self._data = {}
            self._era += 1


class Counting:
    """ASGI middleware: count every answer to ``/<vendor>/...`` (controls are not counted)."""

    def __init__(
        self, app: ASGIApp, stats: Stats, vendors: tuple[str, ...], operation_of: OperationOf
    ) -> None:
        self.app = app
        self.stats = stats
        self.vendors = frozenset(vendors)
        self.operation_of = operation_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        vendor, slash, rest = path[1:].partition("/")
        if not slash or vendor not in self.vendors:
            await self.app(scope, receive, send)
            return
        era = self.stats.era

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Counted before the answer leaves: whoever got it finds it counted.
                self._count(vendor, rest, scope, message["status"], era)
            await send(message)

        await self.app(scope, receive, counted)

    def _count(self, vendor: str, rest: str, scope: Scope, status: int, era: int) -> None:
        method: str = scope["method"]
        route = scope.get(ROUTE_KEY)
        operation = operation_name(route, method) if route is not None else None
        if operation is None and route is None:
            operation = self.operation_of(vendor, method, "/" + rest)
        self.stats.count(vendor, operation, status, era)
