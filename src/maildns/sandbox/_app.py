"""The sandbox's ASGI app: each vendor app under ``/<vendor>``, plus ``/_sandbox`` controls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ._core import SandboxContext, Vendor
from ._faults import FaultInjector, make_fault
from ._registry import VENDORS, module


class SandboxApp:
    """Holds the current vendor apps; ``reset`` swaps in fresh ones built from a new context."""

    def __init__(self, make_context: Callable[[], SandboxContext]) -> None:
        self._make_context = make_context
        self.context = make_context()
        self._vendor_apps = self._build()
        routes: list[Route | Mount] = [
            Route("/_sandbox/reset", self._reset_endpoint, methods=["POST"]),
            Route("/_sandbox/clock", self._clock_endpoint, methods=["GET", "POST"]),
            Route("/_sandbox/faults", self._faults_endpoint, methods=["GET", "POST", "DELETE"]),
        ]
        routes += [Mount(f"/{v}", app=self._dispatch_to(v)) for v in VENDORS]
        self.faults = FaultInjector(Starlette(routes=routes))
        self.asgi: ASGIApp = self.faults

    def _build(self) -> dict[Vendor, ASGIApp]:
        return {v: module(v).create_app(self.context.for_vendor(v)) for v in VENDORS}

    def vendor_app(self, vendor: Vendor) -> ASGIApp:
        """The current app of ``vendor`` (a reset replaces it)."""
        return self._vendor_apps[vendor]

    def reset(self) -> None:
        self.context = self._make_context()
        self._vendor_apps = self._build()
        self.faults.clear()

    def _dispatch_to(self, vendor: Vendor) -> ASGIApp:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await self._vendor_apps[vendor](scope, receive, send)

        return app

    async def _reset_endpoint(self, request: Request) -> JSONResponse:
        self.reset()
        return JSONResponse({"reset": True, "now": self.context.clock.now().isoformat()})

    async def _clock_endpoint(self, request: Request) -> JSONResponse:
        if request.method == "POST":
            body: Any = await request.json()
            seconds = body.get("advance_seconds") if isinstance(body, dict) else None
            if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
                return JSONResponse(
                    {"error": "advance_seconds must be a non-negative number"}, status_code=422
                )
            self.context.clock.advance(float(seconds))
        return JSONResponse({"now": self.context.clock.now().isoformat()})

    async def _faults_endpoint(self, request: Request) -> JSONResponse:
        if request.method == "DELETE":
            self.faults.clear()
        elif request.method == "POST":
            try:
                body: Any = await request.json()
                if not isinstance(body, dict):
                    raise ValueError("the body must be a JSON object")
                self.faults.add(make_fault(**body))
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=422)
        pending = [f.describe() for f in self.faults.pending()]
        return JSONResponse({"faults": pending})
