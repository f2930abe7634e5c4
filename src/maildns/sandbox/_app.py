"""The sandbox's ASGI app: each vendor app under ``/<vendor>``, plus ``/_sandbox`` controls."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .._core.checks import got, show
from ._core import SandboxContext, Vendor
from ._faults import FaultInjector, Operations, check_fault
from ._limits import BodyLimit, NotJSON, finite_number, loads, too_large_message
from ._registry import VENDORS, create, module, unverify, verify
from ._stats import Counting, Stats, operation_name

_CLOCK_EXAMPLE = '{"advance_seconds": 60}'
_VENDOR_APPS = "maildns.sandbox.vendor_apps"
"""The scope key of the vendor apps current when the request arrived."""


def _operations(app: ASGIApp) -> Operations:
    """The paths a vendor app serves (its spec's) and the methods of each, from its routes."""
    served: dict[str, set[str]] = {}
    for route in getattr(app, "routes", ()):
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if isinstance(path, str) and methods:
            served.setdefault(path, set()).update(m for m in methods if m != "HEAD")
    return {path: frozenset(methods) for path, methods in served.items()}


def _control_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return _control_error(exc.status_code, str(exc.detail))


class SandboxApp:
    """Holds the current vendor apps; ``reset`` swaps in fresh ones built from a new context."""

    def __init__(self, make_context: Callable[[], SandboxContext]) -> None:
        self._make_context = make_context
        self.context = make_context()
        self._vendor_apps = self._build()
        # A reset builds the same routes again: what each vendor serves never changes.
        self.operations: dict[Vendor, Operations] = {
            v: _operations(app) for v, app in self._vendor_apps.items()
        }
        routes: list[Route] = [
            Route("/_sandbox/reset", self._reset_endpoint, methods=["POST"]),
            Route("/_sandbox/clock", self._clock_endpoint, methods=["GET", "POST"]),
            Route("/_sandbox/faults", self._faults_endpoint, methods=["GET", "POST", "DELETE"]),
            Route("/_sandbox/stats", self._stats_endpoint, methods=["GET", "DELETE"]),
            Route("/_sandbox/unverify", self._unverify_endpoint, methods=["POST"]),
        ]
        controls = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
        self.faults = FaultInjector(self._by_vendor(controls))
        self.stats = Stats()
        limited = BodyLimit(self.faults, self._too_large)
        counted = Counting(limited, self.stats, VENDORS, self._operation_of)

        async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
            # The state a request arrived in answers it, even when an injected delay holds it
            # past a reset: the old state's request never writes into the new one.
            if scope["type"] == "http":
                scope[_VENDOR_APPS] = self._vendor_apps
            await counted(scope, receive, send)

        self.asgi: ASGIApp = asgi

    def _build(self) -> dict[Vendor, ASGIApp]:
        return {v: module(v).create_app(self.context.for_vendor(v)) for v in VENDORS}

    def vendor_app(self, vendor: Vendor) -> ASGIApp:
        """The current app of ``vendor`` (a reset replaces it)."""
        return self._vendor_apps[vendor]

    def reset(self) -> None:
        self.context = self._make_context()
        self._vendor_apps = self._build()
        self.faults.clear()
        self.stats.clear()

    def _operation_of(self, vendor: Vendor, method: str, path: str) -> str | None:
        """The operation a request no vendor route saw (an injected fault answered it) was for."""
        for route in getattr(self._vendor_apps[vendor], "routes", ()):
            regex = getattr(route, "path_regex", None)
            if regex is not None and regex.match(path):
                name = operation_name(route, method)
                if name is not None:
                    return name
        return None

    def _by_vendor(self, controls: ASGIApp) -> ASGIApp:
        """``/<vendor>/...`` to that vendor's app, the rest to ``controls``.

        By the path's first segment, not Starlette's Mount: a Mount's pattern stops at a newline,
        so ``/telecomx/dns/a%0Ab`` would miss the vendor and get a 404 not in its shape.
        """

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                path: str = scope["path"]
                vendor, slash, _ = path[1:].partition("/")
                apps: dict[Vendor, ASGIApp] = scope.get(_VENDOR_APPS, self._vendor_apps)
                if slash and vendor in apps:
                    # The same scope, not a copy: the route the vendor's router matches is
                    # left in it, for the stats counted as the answer starts.
                    scope["root_path"] = scope.get("root_path", "") + f"/{vendor}"
                    await apps[vendor](scope, receive, send)
                    return
            await controls(scope, receive, send)

        return app

    def _too_large(self, path: str) -> Any:
        """The 413 body for ``path``: in the error shape of the vendor it belongs to."""
        first = path.split("/")[1] if path.startswith("/") else ""
        if first in self._vendor_apps:
            return module(first).error_json(413, too_large_message())
        return {"error": too_large_message()}

    async def _reset_endpoint(self, request: Request) -> JSONResponse:
        self.reset()
        return JSONResponse({"reset": True, "now": self.context.clock.now().isoformat()})

    async def _clock_endpoint(self, request: Request) -> JSONResponse:
        if request.method == "POST":
            try:
                body: Any = loads(await request.body())
            except NotJSON as exc:
                return _control_error(400, f"the body is {exc}: send {_CLOCK_EXAMPLE}")
            if not isinstance(body, dict) or "advance_seconds" not in body:
                return _control_error(422, f"the body must be a JSON object: {_CLOCK_EXAMPLE}")
            unknown = [k for k in body if k != "advance_seconds"]
            if unknown:
                return _control_error(
                    422, f"unknown field {show(unknown[0])}: the body is {_CLOCK_EXAMPLE}"
                )
            seconds = body["advance_seconds"]
            if not finite_number(seconds) or seconds < 0:
                return _control_error(
                    422,
                    f"advance_seconds must be a non-negative number of seconds, not {got(seconds)}",
                )
            try:
                self.context.clock.advance(seconds)
            except ValueError as exc:
                return _control_error(422, f"advance_seconds: {exc}")
        return JSONResponse({"now": self.context.clock.now().isoformat()})

    async def _stats_endpoint(self, request: Request) -> JSONResponse:
        # DELETE answers the counts it clears.
        return JSONResponse(self.stats.snapshot(VENDORS, clear=request.method == "DELETE"))

    def unverify(self, vendor: str, domain: str) -> str | None:
        """Turn ``domain`` back to unverified at ``vendor``: None when done, else why not."""
        if vendor not in self._vendor_apps:
            return f"unknown vendor {show(vendor)}: one of {', '.join(VENDORS)}"
        return unverify(self._vendor_apps[vendor], vendor, domain)

    def create_sending_domains(
        self, vendor: Vendor, domains: Sequence[str]
    ) -> list[dict[str, Any]] | str:
        """Seed sending domains at ``vendor`` as its create would: their bodies, or why not."""
        return create(self._vendor_apps[vendor], vendor, domains)

    def verify_sending_domains(self, vendor: Vendor, domains: Sequence[str]) -> str | None:
        """Verify sending domains at ``vendor`` as its verify would: None, or why not."""
        return verify(self._vendor_apps[vendor], vendor, domains)

    async def _unverify_endpoint(self, request: Request) -> JSONResponse:
        example = '{"vendor": "<vendor>", "domain": "mail.example.com"}'
        try:
            body: Any = loads(await request.body())
        except NotJSON as exc:
            return _control_error(400, f"the body is {exc}: send {example}")
        if (
            not isinstance(body, dict)
            or set(body) != {"vendor", "domain"}
            or not all(isinstance(v, str) for v in body.values())
        ):
            return _control_error(422, f"the body must be a JSON object: {example}")
        why = self.unverify(body["vendor"], body["domain"])
        if why is not None:
            return _control_error(404 if "has no" in why else 422, why)
        return JSONResponse({"unverified": body["domain"], "vendor": body["vendor"]})

    async def _faults_endpoint(self, request: Request) -> JSONResponse:
        if request.method == "DELETE":
            self.faults.clear()
        elif request.method == "POST":
            try:
                body: Any = loads(await request.body())
            except NotJSON as exc:
                return _control_error(400, f"the body is {exc}: send a JSON object")
            try:
                self.faults.add(check_fault(body, self.operations))
            except ValueError as exc:
                return _control_error(422, str(exc))
        pending = [f.describe() for f in self.faults.pending()]
        return JSONResponse({"faults": pending})
