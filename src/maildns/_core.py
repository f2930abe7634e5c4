"""The one core behind every sync and async client.

Vendor operations are written once, as generators that yield :class:`Call` objects (which
generated operation to call, with which arguments) and receive :class:`Result` objects. A
sync client drives them with :class:`SyncCore`, an async client with :class:`AsyncCore`; both
share request building, response parsing, error mapping, retries and logging through
:class:`CoreBase`. Only the line that sends the request differs.

Requests are built and parsed by the generated modules themselves (their ``_get_kwargs`` and
``_parse_response``), so the facade never re-encodes what the spec already describes.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import time
from collections.abc import Callable, Generator, Mapping
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, Final, TypeAlias, TypeVar

import attrs
import httpx
import stamina

from ._config import logger
from ._secrets import SECRET_QUERY_PARAMS, redact_body, redact_url
from .errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    status_error_class,
)

T = TypeVar("T")

RETRY_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})
RETRY_AFTER_CAP: Final = 60.0
REQUEST_ID_HEADERS: Final = ("x-request-id", "request-id", "x-correlation-id")
_REQUEST_ID_SET: Final = frozenset(REQUEST_ID_HEADERS)


@attrs.frozen
class Call:
    """One request to make: a generated operation module and its keyword arguments.

    ``tolerate`` lists error statuses handed back to the operation instead of raised (a create
    that was retried may meet its own earlier success as a 409, for instance).
    """

    operation: str
    endpoint: ModuleType
    kwargs: Mapping[str, Any] = attrs.field(factory=dict)
    tolerate: frozenset[int] = frozenset()


@attrs.frozen
class Result:
    """What came back for a :class:`Call`."""

    status_code: int
    parsed: Any
    headers: httpx.Headers
    content: bytes
    attempts: int
    request_id: str | None
    error: APIStatusError | None = None

    def raise_error(self) -> None:
        """Raise the typed error of a tolerated error status (no-op on success)."""
        if self.error is not None:
            raise self.error


Op: TypeAlias = Generator[Call, Result, T]
ErrorParser: TypeAlias = Callable[[int, Any], tuple[str | None, str | None]]


def retry_after_seconds(headers: httpx.Headers, now: datetime | None = None) -> float | None:
    """Seconds to wait per a ``Retry-After`` header (delta-seconds or HTTP date), capped."""
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    seconds: float | None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds or seconds < 0:  # NaN or in the past
        return 0.0
    return min(seconds, RETRY_AFTER_CAP)


def generated_request(endpoint: ModuleType, base_url: str, **kwargs: Any) -> dict[str, Any]:
    """The ``httpx`` request arguments a generated operation module builds, with an absolute URL."""
    request: dict[str, Any] = endpoint._get_kwargs(**kwargs)
    request["url"] = base_url + request["url"]
    request["method"] = request["method"].upper()
    return request


class _Retryable(Exception):
    """Internal: carries a retryable error through stamina, with the wait the server asked for."""

    def __init__(self, error: APIError, wait: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.wait = wait


def _backoff(exc: Exception) -> bool | float:
    if isinstance(exc, _Retryable):
        return exc.wait if exc.wait is not None else True
    return False


class CoreBase:
    """Everything about a request that does not depend on sync or async."""

    def __init__(
        self,
        *,
        vendor: str,
        base_url: str,
        timeout: httpx.Timeout,
        max_retries: int,
        auth: httpx.Auth,
        parse_error: ErrorParser,
        generated_client: Any,
    ) -> None:
        self.vendor = vendor
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.auth = auth
        self.parse_error = parse_error
        # The generated package's Client: its parsers only read raise_on_unexpected_status.
        self.generated_client = generated_client

    # --- request --------------------------------------------------------------------------------
    def build(self, call: Call) -> dict[str, Any]:
        kwargs = generated_request(call.endpoint, self.base_url, **call.kwargs)
        kwargs["timeout"] = self.timeout
        kwargs["auth"] = self.auth
        return kwargs

    def retry_context(self) -> Any:
        return stamina.retry_context(
            on=_backoff,
            attempts=self.max_retries + 1,
            timeout=None,
            wait_initial=0.5,
            wait_max=8.0,
            wait_jitter=0.5,
        )

    # --- response -------------------------------------------------------------------------------
    def request_id(self, headers: httpx.Headers) -> str | None:
        for name, value in headers.multi_items():  # one pass: lookups by name cost more
            if name in _REQUEST_ID_SET:
                return value
        return None

    def log(
        self,
        method: str,
        url: str,
        status: int | str,
        started: float,
        attempt: int,
        request_id: str | None,
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s %s -> %s in %.1f ms (attempt %d, request id %s)",
                self.vendor,
                method,
                redact_url(url),
                status,
                (time.perf_counter() - started) * 1000,
                attempt,
                request_id or "-",
            )

    def connection_error(self, call: Call, exc: httpx.TransportError) -> APIConnectionError:
        cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        what = "timed out" if cls is APITimeoutError else f"failed ({type(exc).__name__})"
        # httpx messages can quote the URL; ours names only the operation.
        return cls(
            f"{self.vendor} {call.operation}: request {what}",
            vendor=self.vendor,
            operation=call.operation,
        )

    def status_error(
        self, call: Call, response: httpx.Response, parsed: Any, request_id: str | None
    ) -> APIStatusError:
        body: Any
        try:
            body = redact_body(response.json())
        except ValueError:
            body = response.text[:500]
        message, field = (None, None)
        with contextlib.suppress(KeyError, TypeError, ValueError, AttributeError):
            message, field = self.parse_error(
                response.status_code, parsed if parsed is not None else body
            )
        if not message:
            reason = response.reason_phrase or "error"
            message = f"HTTP {response.status_code} {reason}"
        cls = status_error_class(response.status_code)
        return cls(
            message,
            vendor=self.vendor,
            operation=call.operation,
            status_code=response.status_code,
            field=field,
            request_id=request_id,
            body=body,
        )

    def failed(
        self,
        call: Call,
        request: dict[str, Any],
        attempt: int,
        started: float,
        exc: httpx.TransportError | APIStatusError,
    ) -> Exception:
        """What to raise for an attempt that got no answer (or whose token request failed)."""
        if isinstance(exc, APIStatusError):  # raised by the auth flow's token request
            return _Retryable(exc, None) if exc.status_code in RETRY_STATUSES else exc
        self.log(request["method"], request["url"], type(exc).__name__, started, attempt, None)
        return _Retryable(self.connection_error(call, exc), None)

    def answered(
        self,
        call: Call,
        request: dict[str, Any],
        attempt: int,
        started: float,
        response: httpx.Response,
    ) -> Result:
        request_id = self.request_id(response.headers)
        self.log(
            request["method"], request["url"], response.status_code, started, attempt, request_id
        )
        return self.handle(call, response, attempt, request_id)

    def handle(
        self, call: Call, response: httpx.Response, attempt: int, request_id: str | None
    ) -> Result:
        """Turn a response into a Result, or raise the typed error (wrapped if retryable)."""
        status = response.status_code
        parsed: Any = None
        parse_problem: Exception | None = None
        try:
            parsed = call.endpoint._parse_response(client=self.generated_client, response=response)
        except (KeyError, TypeError, ValueError, AttributeError, json.JSONDecodeError) as exc:
            parse_problem = exc
        if status < 400:
            if parse_problem is not None or (parsed is None and status != 204):
                reason = (
                    f"{type(parse_problem).__name__}: {parse_problem}"
                    if parse_problem
                    else f"undocumented status {status}"
                )
                raise APIResponseValidationError(
                    f"{self.vendor} {call.operation}: the response does not fit the spec "
                    f"({reason[:200]})",
                    vendor=self.vendor,
                    operation=call.operation,
                    status_code=status,
                    body=response.content,
                    request_id=request_id,
                )
            return Result(status, parsed, response.headers, response.content, attempt, request_id)
        error = self.status_error(call, response, parsed, request_id)
        if status in RETRY_STATUSES:
            raise _Retryable(error, retry_after_seconds(response.headers))
        if status in call.tolerate:
            return Result(
                status, parsed, response.headers, response.content, attempt, request_id, error
            )
        raise error


class SyncCore(CoreBase):
    """Drives operations over an ``httpx.Client``."""

    http: httpx.Client

    def __init__(self, http: httpx.Client, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.http = http

    def _attempt(self, call: Call, request: dict[str, Any], attempt: int) -> Result:
        started = time.perf_counter()
        try:
            response = self.http.request(**request)
        except (httpx.TransportError, APIStatusError) as exc:
            raise self.failed(call, request, attempt, started, exc) from None
        return self.answered(call, request, attempt, started, response)

    def send(self, call: Call) -> Result:
        request = self.build(call)
        try:
            return self._attempt(call, request, 1)
        except _Retryable as exc:
            if self.max_retries == 0:
                raise exc.error from None
            failure: _Retryable | None = exc
        attempt = 1
        try:
            for retry in self.retry_context():
                with retry:
                    if failure is not None:  # let stamina back off from the first failure
                        first, failure = failure, None
                        raise first
                    attempt += 1
                    return self._attempt(call, request, attempt)
        except _Retryable as exc:
            raise exc.error from None
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover

    def run(self, op: Op[T]) -> T:
        try:
            call = next(op)
            while True:
                call = op.send(self.send(call))
        except StopIteration as stop:
            result: T = stop.value
            return result


class AsyncCore(CoreBase):
    """Drives operations over an ``httpx.AsyncClient``."""

    http: httpx.AsyncClient

    def __init__(self, http: httpx.AsyncClient, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.http = http

    async def _attempt(self, call: Call, request: dict[str, Any], attempt: int) -> Result:
        started = time.perf_counter()
        try:
            response = await self.http.request(**request)
        except (httpx.TransportError, APIStatusError) as exc:
            raise self.failed(call, request, attempt, started, exc) from None
        return self.answered(call, request, attempt, started, response)

    async def send(self, call: Call) -> Result:
        request = self.build(call)
        try:
            return await self._attempt(call, request, 1)
        except _Retryable as exc:
            if self.max_retries == 0:
                raise exc.error from None
            failure: _Retryable | None = exc
        attempt = 1
        try:
            async for retry in self.retry_context():
                with retry:
                    if failure is not None:  # let stamina back off from the first failure
                        first, failure = failure, None
                        raise first
                    attempt += 1
                    return await self._attempt(call, request, attempt)
        except _Retryable as exc:
            raise exc.error from None
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover

    async def run(self, op: Op[T]) -> T:
        try:
            call = next(op)
            while True:
                call = op.send(await self.send(call))
        except StopIteration as stop:
            result: T = stop.value
            return result


__all__ = [
    "SECRET_QUERY_PARAMS",
    "AsyncCore",
    "Call",
    "CoreBase",
    "ErrorParser",
    "Op",
    "Result",
    "SyncCore",
    "generated_request",
    "retry_after_seconds",
]
