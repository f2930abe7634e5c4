"""What every vendor client shares: options, connection reuse, context management, the core.

A vendor module subclasses :class:`SyncClient` and :class:`AsyncClient` and gives each public
method one line: ``return self._run(self._ops.some_operation(...))`` (with ``await`` in the
async twin). The operations themselves live once, in the vendor's operations class.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from ._config import (
    DEFAULT_MAX_RETRIES,
    check_max_retries,
    configure_logging_from_env,
    resolve_base_url,
    resolve_timeout,
)
from ._core import AsyncCore, ErrorParser, Op, SyncCore
from ._secrets import hide_secrets_in_httpx_logs
from .errors import InvalidInputError

T = TypeVar("T")

# Connection pool sized for bursts of concurrent calls (e.g. onboarding many domains at once).
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=50)


class _Options:
    """Validated constructor options; every problem is reported at once."""

    def __init__(
        self,
        *,
        vendor: str,
        base_url: str | None,
        default_base_url: str,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
    ) -> None:
        from ._validation import Checker

        env = f"{vendor.upper()}_BASE_URL"
        c = Checker()
        self.base_url: str = c.check(
            resolve_base_url, base_url, "base_url", env=env, default=default_base_url
        )
        self.timeout: httpx.Timeout = c.check(resolve_timeout, timeout, "timeout")
        self.max_retries: int = c.check(check_max_retries, max_retries, "max_retries")
        c.raise_if_any()


class _ClientBase:
    """What the sync and async bases share: options, the http_client check, read-only settings."""

    _vendor = ""
    _default_base_url = ""
    _core: SyncCore | AsyncCore

    def _options(
        self,
        http_client: object,
        expected: type,
        *,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        options: _Options | None,
    ) -> _Options:
        configure_logging_from_env()
        hide_secrets_in_httpx_logs()
        if http_client is not None and not isinstance(http_client, expected):
            raise InvalidInputError.one(
                "http_client",
                f"must be an httpx.{expected.__name__}, got {type(http_client).__name__}",
            )
        return options or _Options(
            vendor=self._vendor,
            base_url=base_url,
            default_base_url=self._default_base_url,
            timeout=timeout,
            max_retries=max_retries,
        )

    @property
    def base_url(self) -> str:
        return self._core.base_url

    @property
    def max_retries(self) -> int:
        return self._core.max_retries

    @property
    def timeout(self) -> httpx.Timeout:
        return self._core.timeout

    def __repr__(self) -> str:
        return f"<{type(self).__name__} base_url={self.base_url!r}>"


class SyncClient(_ClientBase):
    """Base of the synchronous vendor clients."""

    _core: SyncCore

    def __init__(
        self,
        *,
        auth: httpx.Auth,
        parse_error: ErrorParser,
        generated_client: Any,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        options: _Options | None = None,
    ) -> None:
        opts = self._options(
            http_client,
            httpx.Client,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            options=options,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(limits=DEFAULT_LIMITS)
        self._core = SyncCore(
            self._http,
            vendor=self._vendor,
            base_url=opts.base_url,
            timeout=opts.timeout,
            max_retries=opts.max_retries,
            auth=auth,
            parse_error=parse_error,
            generated_client=generated_client,
        )

    def _run(self, op: Op[T]) -> T:
        return self._core.run(op)

    def close(self) -> None:
        """Close the connections (not those of an ``http_client`` you passed in)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_ClientBase):
    """Base of the asynchronous vendor clients."""

    _core: AsyncCore

    def __init__(
        self,
        *,
        auth: httpx.Auth,
        parse_error: ErrorParser,
        generated_client: Any,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        options: _Options | None = None,
    ) -> None:
        opts = self._options(
            http_client,
            httpx.AsyncClient,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            options=options,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(limits=DEFAULT_LIMITS)
        self._core = AsyncCore(
            self._http,
            vendor=self._vendor,
            base_url=opts.base_url,
            timeout=opts.timeout,
            max_retries=opts.max_retries,
            auth=auth,
            parse_error=parse_error,
            generated_client=generated_client,
        )

    async def _run(self, op: Op[T]) -> T:
        return await self._core.run(op)

    async def aclose(self) -> None:
        """Close the connections (not those of an ``http_client`` you passed in)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
