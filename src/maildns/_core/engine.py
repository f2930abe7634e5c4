"""The one engine behind every sync and async client.

Vendor operations are written once, as generators that yield :class:`Call` objects (which
generated operation to call, with which arguments) and receive :class:`Result` objects. A
sync client drives them with :class:`SyncCore`, an async client with :class:`AsyncCore`; both
share request building, authentication, response parsing, error mapping, retries and logging
through :class:`CoreBase`. Only the lines that send a request or wait for a lock differ.

Token requests are calls like any other: they are built from the spec, logged, retried and
their errors mapped by the same code. Errors leave ``run`` with ``operation`` set
to the client method that was called, whatever raised them.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import email.utils
import functools
import json
import logging
import threading
import time
from collections.abc import Callable, Generator, Hashable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Generic, TypeAlias, TypeVar

from ..errors import (
    APIConnectionError,
    APIDeadlineError,
    APIError,
    APIResponseLimitError,
    APIResponseTooLargeError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    status_error_class,
)
from ..models import Deferred
from . import observe as _observe
from .body import ACCEPT_ENCODING, BodyReader, TooLarge
from .options import (
    DEADLINE_ENV,
    DEFAULT_DEADLINE,
    DEFAULT_MAX_RESPONSE_BYTES,
    MAX_RESPONSE_BYTES_ENV,
    logger,
)
from .secrets import redact_body, redact_url

if TYPE_CHECKING:
    import httpx

    from .auth import Auth
    from .pace import Pace
    from .wire import Endpoint

T = TypeVar("T")

RETRY_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})
RETRY_AFTER_CAP: Final = 60.0
REQUEST_ID_HEADERS: Final = ("x-request-id", "request-id", "x-correlation-id")
_NOTHING: Final[frozenset[int]] = frozenset()
_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_ACTED: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar(
    "maildns_acted", default=None
)
"""Within one operation's run: whether a request of it that changes something may have reached
the vendor (see :attr:`~maildns.errors.APIError.may_have_acted`)."""
_TEXT_LIMIT: Final = 500


class Call:
    """One request to make: a generated operation and the arguments of its ``build_request``.

    ``tolerate`` lists error statuses handed back to the operation instead of raised (a create
    that was retried may meet its own earlier success as a 409, for instance).
    ``authenticated=False`` sends it without the vendor's auth (the token request itself);
    ``secret=True`` keeps its response body out of every error (it holds a token).
    """

    __slots__ = ("authenticated", "endpoint", "kwargs", "secret", "tolerate")

    def __init__(
        self,
        endpoint: Endpoint,
        kwargs: dict[str, Any] | None = None,
        *,
        tolerate: frozenset[int] = _NOTHING,
        authenticated: bool = True,
        secret: bool = False,
    ) -> None:
        self.endpoint = endpoint
        self.kwargs = kwargs if kwargs is not None else {}
        self.tolerate = tolerate
        self.authenticated = authenticated
        self.secret = secret

    def __repr__(self) -> str:
        return f"<Call {self.endpoint.operation_id}>"


class Result:
    """What came back for a :class:`Call`: the body validated against the spec (``model``, a
    pydantic model of ``vendor_models``), or, for a tolerated error status, ``error``."""

    __slots__ = (
        "_body",
        "attempts",
        "endpoint",
        "error",
        "headers",
        "model",
        "status_code",
    )

    def __init__(
        self,
        endpoint: Endpoint,
        status_code: int,
        model: Any,
        content: bytes,
        headers: httpx.Headers,
        attempts: int,
        error: APIStatusError | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.status_code = status_code
        self.model = model
        self.headers = headers
        self.attempts = attempts
        self.error = error
        self._body = _Body(endpoint, status_code, content)

    @property
    def content(self) -> bytes:
        return self._body.content

    @property
    def request_id(self) -> str | None:
        return request_id(self.headers)

    def raise_error(self) -> None:
        """Raise the typed error of a tolerated error status (no-op on success)."""
        if self.error is not None:
            raise self.error

    def generated(self, *path: str | int) -> Any:
        """The generated (attrs) model of the body, or of the part of it at ``path``
        (attribute names and list indexes: ``("data", 0)``). The body is parsed once."""
        return self._body.generated(*path)

    def deferred(self, *path: str | int) -> Deferred:
        """:meth:`generated`, built when first read (for a model's ``raw``). It holds the body
        only, not the headers or the validated model: a client that keeps what it created,
        thousands of domains of it, keeps a kilobyte a domain, not the whole response."""
        return Deferred(self._body, path)


class _Body:
    """A response body and its generated model, parsed once for every deferred of it."""

    __slots__ = ("content", "endpoint", "envelope", "status_code")

    def __init__(self, endpoint: Endpoint, status_code: int, content: bytes) -> None:
        self.endpoint = endpoint
        self.status_code = status_code
        self.content = content
        self.envelope: Any = _UNSET

    def generated(self, *path: str | int) -> Any:
        if self.envelope is _UNSET:
            self.envelope = self.endpoint.generated(self.status_code, json.loads(self.content))
        value = self.envelope
        for step in path:
            value = value[step] if isinstance(step, int) else getattr(value, step)
        return value


_UNSET: Final[Any] = object()


Op: TypeAlias = Generator[Call, Result, T]


class Page(Generic[T]):
    """One page of a listing and where the next one starts (None: this was the last)."""

    __slots__ = ("items", "next")

    def __init__(self, items: Sequence[T], next: Any = None) -> None:
        self.items = items
        self.next = next


class Pages(Generic[T]):
    """A listing, sans-IO: ``fetch(cursor)`` is the operation that reads one page, starting at
    ``start``. ``key`` drops items already seen (a page boundary that shifts as items are
    added while the listing runs)."""

    __slots__ = ("fetch", "key", "start")

    def __init__(
        self,
        fetch: Callable[[Any], Op[Page[T]]],
        start: Any = None,
        key: Callable[[T], Hashable] | None = None,
    ) -> None:
        self.fetch = fetch
        self.start = start
        self.key = key

    def unseen(self, page: Page[T], seen: set[Hashable]) -> Sequence[T]:
        """The page's items not listed before (all of them without a ``key``)."""
        if self.key is None:
            return page.items
        fresh = []
        for item in page.items:
            key = self.key(item)
            if key not in seen:
                seen.add(key)
                fresh.append(item)
        return fresh


def _within(timeout: httpx.Timeout, deadline: float) -> httpx.Timeout:
    """``timeout`` with no wait longer than ``deadline``."""
    import httpx

    def clip(seconds: float | None) -> float:
        return deadline if seconds is None else min(seconds, deadline)

    return httpx.Timeout(
        connect=clip(timeout.connect),
        read=clip(timeout.read),
        write=clip(timeout.write),
        pool=clip(timeout.pool),
    )


@functools.lru_cache(maxsize=2048)
def _url(url: str) -> httpx.URL:
    """The parsed URL; parsed once however often it is called (httpx.URL is immutable)."""
    import httpx

    return httpx.URL(url)


def request_id(headers: httpx.Headers) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value: str | None = headers.get(name)
        if value:
            return value
    return None


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


class _Retryable(Exception):
    """Carries a retryable error through stamina, with the wait the server asked for."""

    def __init__(self, error: APIError, wait: float | None) -> None:
        super().__init__(error.message)
        self.error = error
        self.wait = wait

    def __repr__(self) -> str:
        # stamina logs repr(cause); _StaminaFilter recognises ours by this prefix.
        return f"<maildns retry: {self.error.vendor} {self.error.message}>"


def _backoff(exc: Exception) -> bool | float:
    if isinstance(exc, _Retryable):
        return exc.wait if exc.wait is not None else True
    return False


class _StaminaFilter(logging.Filter):
    """Drops stamina's bare ``stamina.retry_scheduled`` records for maildns's own retries
    (maildns logs them itself, with the vendor, operation and attempt); the application's own
    stamina retries are left alone."""

    def filter(self, record: logging.LogRecord) -> bool:
        cause = getattr(record, "stamina.caused_by", "")
        return not (isinstance(cause, str) and cause.startswith("<maildns retry:"))


def quiet_stamina() -> None:
    """Install :class:`_StaminaFilter` on stamina's logger (idempotent)."""
    stamina_logger = logging.getLogger("stamina")
    if not any(isinstance(f, _StaminaFilter) for f in stamina_logger.filters):
        stamina_logger.addFilter(_StaminaFilter())


def _describe(errors: list[Any], secret: bool = False) -> str:
    """Where a body did not fit its schema, from pydantic's errors (which quote no value but a
    stray character; a body holding a credential gets the error types only)."""
    parts: list[str] = []
    for error in errors[:3]:
        loc = ""
        for step in error.get("loc", ()):
            loc += f"[{step}]" if isinstance(step, int) else (f".{step}" if loc else str(step))
        message = str(error.get("type" if secret else "msg", "does not fit"))
        parts.append(f"{loc}: {message}" if loc else message)
    more = len(errors) - 3
    if more > 0:
        parts.append(f"and {more} more problem{'s' if more > 1 else ''}")
    return "; ".join(parts)


class CoreBase:
    """Everything about a request that does not depend on sync or async."""

    def __init__(
        self,
        *,
        vendor: str,
        base_url: str,
        timeout: httpx.Timeout | None,
        max_retries: int,
        auth: Auth,
        parse_error: Callable[[int, Any], tuple[str | None, str | None]],
        pace: Pace | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        self.vendor = vendor
        self.pace = pace
        self.base_url = base_url
        self.max_response_bytes = max_response_bytes
        self.deadline = deadline
        # No single wait outlasts the deadline (a sync read is checked between chunks only).
        self.timeout = _within(timeout, deadline) if timeout is not None else None
        self.max_retries = max_retries
        self.auth = auth
        self.parse_error = parse_error

    # --- request --------------------------------------------------------------------------------
    def build(self, call: Call) -> dict[str, Any]:
        request: dict[str, Any] = call.endpoint.build_request(**call.kwargs)
        request["url"] = self.base_url + request["url"]
        if self.timeout is not None:
            request["timeout"] = self.timeout
        # Only the codings the body reader inflates within its bound (httpx would add br and
        # zstd when their packages are installed).
        headers = request.get("headers")
        if headers is None:
            request["headers"] = {"Accept-Encoding": ACCEPT_ENCODING}
        else:
            headers.setdefault("Accept-Encoding", ACCEPT_ENCODING)
        if call.authenticated:
            self.auth.prepare(request)
        return request

    def retry_context(self) -> Any:
        import stamina  # on the first retry: most calls never need it

        return stamina.retry_context(
            on=_backoff,
            attempts=self.max_retries + 1,
            timeout=None,
            wait_initial=0.5,
            wait_max=8.0,
            wait_jitter=0.5,
        )

    # --- logging --------------------------------------------------------------------------------
    def log(
        self,
        call: Call,
        request: dict[str, Any],
        status: int | str,
        started: float,
        attempt: int,
        response: httpx.Response | None = None,
    ) -> None:
        logger.debug(
            "%s %s %s -> %s in %.1f ms (attempt %d, request id %s) %s",
            self.vendor,
            request["method"].upper(),
            redact_url(str(request["url"])),
            status,
            (time.perf_counter() - started) * 1000,
            attempt,
            (request_id(response.headers) if response is not None else None) or "-",
            call.endpoint.operation_id,
        )

    def log_retry(self, call: Call, failure: _Retryable, attempt: int) -> None:
        error = failure.error
        what = (
            f"{error.status_code} {error.message}"
            if isinstance(error, APIStatusError)
            else error.message
        )
        wait = f" in {failure.wait:.1f} s (Retry-After)" if failure.wait is not None else ""
        logger.info(
            "%s %s: attempt %d of %d failed (%s); retrying%s",
            self.vendor,
            call.endpoint.operation_id,
            attempt,
            self.max_retries + 1,
            what,
            wait,
        )

    def observed(self, call: Call, status: int | None, started: float) -> None:
        """Tell the request observers (:mod:`.observe`) how a request ended: its status
        (None: no complete answer) and its duration. Callers check ``observers`` first, so
        that nobody listening costs a call."""
        seconds = time.perf_counter() - started
        _observe.tell_request(self.vendor, call.endpoint.operation_id, status, seconds)

    # --- failures -------------------------------------------------------------------------------
    def connection_error(self, call: Call, exc: httpx.TransportError) -> _Retryable:
        import httpx

        host = ""
        with contextlib.suppress(RuntimeError):  # an error raised before a request was built
            host = exc.request.url.host
        where = f" {host}" if host else ""
        detail = redact_url(str(exc))[:200] or type(exc).__name__
        if isinstance(exc, httpx.TimeoutException):
            error: APIConnectionError = APITimeoutError(
                f"timed out talking to{where} ({type(exc).__name__})",
                vendor=self.vendor,
                operation_id=call.endpoint.operation_id,
            )
        else:
            error = APIConnectionError(
                f"could not reach{where}: {detail} ({type(exc).__name__})",
                vendor=self.vendor,
                operation_id=call.endpoint.operation_id,
            )
        error.__cause__ = exc
        return _Retryable(error, None)

    def reader(self, call: Call, response: httpx.Response) -> BodyReader:
        """The bounded reader of ``response``'s body (too large already when its announced
        length is)."""
        reader = BodyReader(response.headers.get("content-encoding", ""), self.max_response_bytes)
        try:
            reader.expect(response.headers.get("content-length"))
        except TooLarge as exc:
            raise self.too_large(call, response, exc) from None
        return reader

    def too_large(
        self, call: Call, response: httpx.Response, exc: TooLarge
    ) -> APIResponseTooLargeError:
        limit = self.max_response_bytes
        return APIResponseTooLargeError(
            f"HTTP {response.status_code} with a body over max_response_bytes "
            f"({limit:,} bytes decoded, {exc.decoded:,} reached); pass max_response_bytes= to "
            f"the client or set {MAX_RESPONSE_BYTES_ENV} to accept larger answers",
            vendor=self.vendor,
            operation_id=call.endpoint.operation_id,
            setting="max_response_bytes",
            limit=limit,
            status_code=response.status_code,
            request_id=request_id(response.headers),
        )

    def late(self, call: Call, response: httpx.Response | None) -> APIDeadlineError:
        status = f"HTTP {response.status_code} but its body was" if response is not None else "it"
        return APIDeadlineError(
            f"no complete answer within the deadline of {self.deadline:g} s ({status} still "
            f"coming); pass deadline= to the client or set {DEADLINE_ENV} to wait longer",
            vendor=self.vendor,
            operation_id=call.endpoint.operation_id,
            setting="deadline",
            limit=self.deadline,
            status_code=response.status_code if response is not None else None,
            request_id=request_id(response.headers) if response is not None else None,
        )

    @staticmethod
    def decoded(response: httpx.Response, content: bytes) -> httpx.Response:
        """``response`` as if httpx had read it: its body ``content``, decoded."""
        import httpx

        headers = response.headers
        if "content-encoding" in headers:
            headers = headers.copy()
            del headers["content-encoding"]
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=content,
            request=response.request,
            extensions={
                k: v
                for k, v in response.extensions.items()
                if k in ("http_version", "reason_phrase")
            },
        )

    def closed(self, call: Call) -> ClientClosedError:
        return ClientClosedError(
            f"{self.vendor}: the client is closed ({call.endpoint.operation_id} was not sent); "
            "make a new client"
        )

    def status_error(self, call: Call, response: httpx.Response) -> APIStatusError:
        content = response.content
        body: Any
        try:
            body = json.loads(content)
        except ValueError:
            body = content.decode("utf-8", "replace")[:_TEXT_LIMIT]
        message: str | None = None
        field: str | None = None
        try:
            message, field = self.parse_error(response.status_code, body)
        except Exception:
            logger.debug("%s: could not read the error body", self.vendor, exc_info=True)
        if not message:
            message = f"HTTP {response.status_code} {response.reason_phrase or 'error'}"
        cls = status_error_class(response.status_code)
        return cls(
            message,
            vendor=self.vendor,
            operation_id=call.endpoint.operation_id,
            status_code=response.status_code,
            field=field,
            request_id=request_id(response.headers),
            body=None if call.secret else redact_body(body),
        )

    def invalid(
        self, call: Call, status: int, response: httpx.Response, why: str
    ) -> APIResponseValidationError:
        return APIResponseValidationError(
            f"the response does not fit the spec: {why}",
            vendor=self.vendor,
            operation_id=call.endpoint.operation_id,
            status_code=status,
            body=b"<withheld: it holds a credential>" if call.secret else response.content,
            request_id=request_id(response.headers),
        )

    # --- what the vendor may have done -----------------------------------------------------------
    @staticmethod
    def note(call: Call, method: str, outcome: int | BaseException) -> None:
        """Remember, for the operation running, that a request which changes something may have
        reached the vendor: it was answered with anything but a refusal (a 2xx, a 5xx, a 408),
        or its answer never came after it was sent. A connection never made sends nothing."""
        acted = _ACTED.get()
        if acted is None or acted[0] or not call.authenticated or method.upper() in _SAFE_METHODS:
            return
        if isinstance(outcome, int):
            acted[0] = outcome < 400 or outcome >= 500 or outcome == 408
        else:
            import httpx

            acted[0] = not isinstance(
                outcome, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
            )

    @staticmethod
    def running() -> contextvars.Token[list[bool] | None]:
        return _ACTED.set([False])

    @staticmethod
    def ran(exc: APIError | None, token: contextvars.Token[list[bool] | None]) -> None:
        acted = _ACTED.get()
        _ACTED.reset(token)
        if exc is not None and acted is not None:
            exc.may_have_acted = acted[0]

    # --- response -------------------------------------------------------------------------------
    def handle(self, call: Call, response: httpx.Response, attempt: int) -> Result:
        """Turn a response into a Result, or raise the typed error (wrapped if retryable)."""
        status = response.status_code
        if status < 400:
            endpoint = call.endpoint
            try:
                validate = endpoint.validators[status]
            except KeyError:
                validate = endpoint.validator(status)
            content = response.content
            if validate is None:
                if status not in endpoint.statuses:
                    raise self.invalid(call, status, response, f"undocumented status {status}")
                model = None
            else:
                try:
                    model = validate(content)
                except ValueError as exc:  # pydantic's ValidationError is a ValueError
                    errors = exc.errors() if hasattr(exc, "errors") else []
                    why = _describe(errors, call.secret) or type(exc).__name__
                    raise self.invalid(call, status, response, why) from None
            return Result(endpoint, status, model, content, response.headers, attempt)
        error = self.status_error(call, response)
        if status in RETRY_STATUSES:
            raise _Retryable(error, retry_after_seconds(response.headers))
        if status in call.tolerate:
            return Result(
                call.endpoint, status, None, response.content, response.headers, attempt, error
            )
        raise error

    def stamped(self, exc: APIError, operation: str) -> APIError:
        exc.operation = operation
        return exc


def _drive(op: Op[T], send: Callable[[Call], Result]) -> T:
    try:
        call = next(op)
        while True:
            call = op.send(send(call))
    except StopIteration as stop:
        result: T = stop.value
        return result


class SyncCore(CoreBase):
    """Drives operations over an ``httpx.Client`` (``open_http()``'s, made at the first
    request, when none is given)."""

    def __init__(
        self, http: httpx.Client | None, open_http: Callable[[], httpx.Client], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.http = http
        self._open_http = open_http
        self._lock = threading.Lock()  # the token's
        self._http_lock = threading.Lock()  # the client's (taken while the token's is held)

    def _http(self) -> httpx.Client:
        with self._http_lock:
            if self.http is None:
                self.http = self._open_http()
            return self.http

    def run(self, operation: str, op: Op[T]) -> T:
        running = self.running()
        try:
            result = _drive(op, self.send)
        except APIError as exc:
            self.ran(exc, running)
            raise self.stamped(exc, operation) from exc.__cause__
        except BaseException:
            self.ran(None, running)
            raise
        self.ran(None, running)
        return result

    def _request(self, call: Call, request: dict[str, Any], attempt: int) -> httpx.Response:
        import httpx

        if type(request["url"]) is str:
            request["url"] = _url(request["url"])
        http = self.http or self._http()
        pace = self.pace
        if pace is not None:
            waited = 0.0
            while (delay := pace.wait()) > 0:
                time.sleep(delay)
                waited += delay
            if waited and _observe.observers:
                _observe.tell_wait(self.vendor, waited)
        started = time.perf_counter()
        response: httpx.Response | None = None
        try:
            streamed = response = http.send(http.build_request(**request), stream=True)
            try:
                self.note(call, request["method"], response.status_code)
                response = self._read(call, streamed, started + self.deadline)
            finally:
                streamed.close()
        except httpx.TransportError as exc:
            self.note(call, request["method"], exc)
            self.log(call, request, type(exc).__name__, started, attempt)
            if _observe.observers:
                self.observed(call, None, started)
            raise self.connection_error(call, exc) from None
        except APIResponseLimitError as exc:
            self.log(call, request, type(exc).__name__, started, attempt, response)
            if _observe.observers:
                self.observed(call, None, started)
            raise
        except RuntimeError:
            if http.is_closed:
                raise self.closed(call) from None
            raise
        if pace is not None:
            pace.observe(response.status_code, response.headers)
        if _observe.observers:
            self.observed(call, response.status_code, started)
        if logger.isEnabledFor(logging.DEBUG):
            self.log(call, request, response.status_code, started, attempt, response)
        return response

    def _read(self, call: Call, response: httpx.Response, deadline: float) -> httpx.Response:
        """``response`` with its body read within the bounds: ``max_response_bytes`` decoded,
        and ``deadline`` (checked as each chunk comes; no single read outwaits it)."""
        if response.is_stream_consumed:  # a transport that read it already (a test's mock)
            if len(response.content) > self.max_response_bytes:
                raise self.too_large(call, response, TooLarge(len(response.content)))
            return response
        reader = self.reader(call, response)
        try:
            for chunk in response.iter_raw():
                reader.feed(chunk)
                if time.perf_counter() > deadline:
                    raise self.late(call, response)
        except TooLarge as exc:
            raise self.too_large(call, response, exc) from None
        if time.perf_counter() > deadline:
            raise self.late(call, response)
        return self.decoded(response, reader.content())

    def _attempt(self, call: Call, request: dict[str, Any], url: str, attempt: int) -> Result:
        auth = self.auth
        token = None
        if call.authenticated and auth.fetches_tokens:
            token = auth.token() or self._fetch_token(None)
            auth.apply(request, url, token)
        response = self._request(call, request, attempt)
        if token is not None and auth.refreshable and auth.refused(response):
            auth.apply(request, url, self._fetch_token(token))
            response = self._request(call, request, attempt)
        return self.handle(call, response, attempt)

    def _fetch_token(self, stale: str | None) -> str:
        """A new token, fetched once however many callers found ``stale`` refused."""
        with self._lock:
            current = self.auth.token()
            if current is not None and current != stale:
                return current  # fetched by another caller meanwhile
            self.auth.forget()
            self.auth.store(self.send(self.auth.token_call()))
            return self.auth.current()

    def send(self, call: Call) -> Result:
        request = self.build(call)
        url = str(request["url"])
        try:
            return self._attempt(call, request, url, 1)
        except _Retryable as exc:
            if self.max_retries == 0:
                raise exc.error from exc.error.__cause__
            failure: _Retryable | None = exc
            self.log_retry(call, exc, 1)
        attempt = 1
        try:
            for retry in self.retry_context():
                with retry:
                    if failure is not None:  # let stamina back off from the first failure
                        first, failure = failure, None
                        raise first
                    attempt += 1
                    try:
                        return self._attempt(call, request, url, attempt)
                    except _Retryable as again:
                        if attempt <= self.max_retries:
                            self.log_retry(call, again, attempt)
                        raise
        except _Retryable as exc:
            raise exc.error from exc.error.__cause__
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover


class AsyncCore(CoreBase):
    """Drives operations over an ``httpx.AsyncClient`` (``open_http()``'s, made at the first
    request, when none is given)."""

    def __init__(
        self,
        http: httpx.AsyncClient | None,
        open_http: Callable[[], httpx.AsyncClient],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.http = http
        self._open_http = open_http
        self._lock: asyncio.Lock | None = None

    async def run(self, operation: str, op: Op[T]) -> T:
        running = self.running()
        try:
            call = next(op)
            while True:
                call = op.send(await self.send(call))
        except StopIteration as stop:
            self.ran(None, running)
            result: T = stop.value
            return result
        except APIError as exc:
            self.ran(exc, running)
            raise self.stamped(exc, operation) from exc.__cause__
        except BaseException:
            self.ran(None, running)
            raise

    async def _request(self, call: Call, request: dict[str, Any], attempt: int) -> httpx.Response:
        import httpx

        if type(request["url"]) is str:
            request["url"] = _url(request["url"])
        http = self.http
        if http is None:  # one event loop: no other task can get in between
            http = self.http = self._open_http()
        pace = self.pace
        if pace is not None:
            waited = 0.0
            while (delay := pace.wait()) > 0:
                await asyncio.sleep(delay)
                waited += delay
            if waited and _observe.observers:
                _observe.tell_wait(self.vendor, waited)
        started = time.perf_counter()
        response: httpx.Response | None = None
        within = asyncio.timeout(self.deadline)
        try:
            async with within:
                streamed = response = await http.send(http.build_request(**request), stream=True)
                try:
                    self.note(call, request["method"], response.status_code)
                    response = await self._read(call, streamed)
                finally:
                    await streamed.aclose()
        except httpx.TransportError as exc:
            self.note(call, request["method"], exc)
            self.log(call, request, type(exc).__name__, started, attempt)
            if _observe.observers:
                self.observed(call, None, started)
            raise self.connection_error(call, exc) from None
        except TimeoutError as exc:
            if not within.expired():
                raise
            if response is None:  # else its status said already whether it was refused
                self.note(call, request["method"], exc)
            error = self.late(call, response)
            self.log(call, request, type(error).__name__, started, attempt, response)
            if _observe.observers:
                self.observed(call, None, started)
            raise error from None
        except APIResponseLimitError as exc:
            self.log(call, request, type(exc).__name__, started, attempt, response)
            if _observe.observers:
                self.observed(call, None, started)
            raise
        except RuntimeError:
            if http.is_closed:
                raise self.closed(call) from None
            raise
        if pace is not None:
            pace.observe(response.status_code, response.headers)
        if _observe.observers:
            self.observed(call, response.status_code, started)
        if logger.isEnabledFor(logging.DEBUG):
            self.log(call, request, response.status_code, started, attempt, response)
        return response

    async def _read(self, call: Call, response: httpx.Response) -> httpx.Response:
        """``response`` with its body read within ``max_response_bytes`` decoded (the
        deadline is the caller's ``asyncio.timeout``)."""
        if response.is_stream_consumed:  # a transport that read it already (a test's mock)
            if len(response.content) > self.max_response_bytes:
                raise self.too_large(call, response, TooLarge(len(response.content)))
            return response
        reader = self.reader(call, response)
        try:
            async for chunk in response.aiter_raw():
                reader.feed(chunk)
        except TooLarge as exc:
            raise self.too_large(call, response, exc) from None
        return self.decoded(response, reader.content())

    async def _attempt(self, call: Call, request: dict[str, Any], url: str, attempt: int) -> Result:
        auth = self.auth
        token = None
        if call.authenticated and auth.fetches_tokens:
            token = auth.token() or await self._fetch_token(None)
            auth.apply(request, url, token)
        response = await self._request(call, request, attempt)
        if token is not None and auth.refreshable and auth.refused(response):
            auth.apply(request, url, await self._fetch_token(token))
            response = await self._request(call, request, attempt)
        return self.handle(call, response, attempt)

    async def _fetch_token(self, stale: str | None) -> str:
        # Waiters hold no connection: a refused response has been read and released, so the
        # token request always finds one in the pool (however many calls were refused).
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            current = self.auth.token()
            if current is not None and current != stale:
                return current
            self.auth.forget()
            self.auth.store(await self.send(self.auth.token_call()))
            return self.auth.current()

    async def send(self, call: Call) -> Result:
        request = self.build(call)
        url = str(request["url"])
        try:
            return await self._attempt(call, request, url, 1)
        except _Retryable as exc:
            if self.max_retries == 0:
                raise exc.error from exc.error.__cause__
            failure: _Retryable | None = exc
            self.log_retry(call, exc, 1)
        attempt = 1
        try:
            async for retry in self.retry_context():
                with retry:
                    if failure is not None:
                        first, failure = failure, None
                        raise first
                    attempt += 1
                    try:
                        return await self._attempt(call, request, url, attempt)
                    except _Retryable as again:
                        if attempt <= self.max_retries:
                            self.log_retry(call, again, attempt)
                        raise
        except _Retryable as exc:
            raise exc.error from exc.error.__cause__
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover
