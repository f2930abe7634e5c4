"""Each vendor's authentication as an ``httpx.Auth`` flow, for sync and async clients alike.

Tesouro (OAuth 2.0 client credentials) and TelecomX (login) hand out expiring tokens: the
flow fetches one when it has none or it is about to expire, and fetches a new one once when
the vendor answers 401. CiiRUS takes HTTP Basic credentials on every request. Credentials are
held as :class:`~maildns._secrets.Secret` and never appear in a repr, log line or error.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any

import httpx

from ._config import require
from ._core import generated_request
from ._secrets import Secret
from .errors import APIResponseValidationError, APIStatusError, status_error_class

# Renew a token this many seconds before the vendor says it expires.
REFRESH_MARGIN = 30.0


class TokenAuth(httpx.Auth):
    """A bearer-style token fetched from the vendor and cached until shortly before expiry."""

    requires_response_body = True
    vendor = ""
    operation = ""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._token: Secret | None = None
        self._expires_at = 0.0
        self._clock = clock
        self._thread_lock = threading.Lock()
        self._async_lock: asyncio.Lock | None = None

    # --- what each vendor supplies --------------------------------------------------------------
    def token_request(self) -> httpx.Request:
        raise NotImplementedError

    def parse_token(self, response: httpx.Response) -> tuple[str, float | None]:
        """The token and its lifetime in seconds (None: it does not expire)."""
        raise NotImplementedError

    def apply(self, request: httpx.Request, token: str) -> None:
        raise NotImplementedError

    def can_refresh(self) -> bool:
        return True

    # --- shared ---------------------------------------------------------------------------------
    def _valid(self) -> bool:
        return self._token is not None and self._clock() < self._expires_at

    def _store(self, response: httpx.Response) -> None:
        if response.status_code >= 400:
            raise self._error(response)
        try:
            token, lifetime = self.parse_token(response)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise APIResponseValidationError(
                f"{self.vendor} {self.operation}: the token response does not fit the spec "
                f"({type(exc).__name__})",
                vendor=self.vendor,
                operation=self.operation,
                status_code=response.status_code,
                body=b"<redacted: token response>",
            ) from None
        self._token = Secret(token)
        self._expires_at = (
            float("inf") if lifetime is None else self._clock() + max(lifetime - REFRESH_MARGIN, 0)
        )

    def _error(self, response: httpx.Response) -> APIStatusError:
        message, field = self.error_message(response)
        cls = status_error_class(response.status_code)
        return cls(
            message or f"HTTP {response.status_code}: the credentials were refused",
            vendor=self.vendor,
            operation=self.operation,
            status_code=response.status_code,
            field=field,
            request_id=response.headers.get("x-request-id"),
            body=None,
        )

    def error_message(self, response: httpx.Response) -> tuple[str | None, str | None]:
        return None, None

    def invalidate(self) -> None:
        self._token = None
        self._expires_at = 0.0

    def _current(self) -> str:
        assert self._token is not None
        return self._token.get()

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        with self._thread_lock:
            if not self._valid():
                fetched = yield self.token_request()
                fetched.read()  # this override bypasses httpx's requires_response_body
                self._store(fetched)
            token = self._current()
        self.apply(request, token)
        response = yield request
        if response.status_code == 401 and self.can_refresh():
            with self._thread_lock:
                if self._token is None or self._current() == token:  # nobody refreshed it
                    self.invalidate()
                    fetched = yield self.token_request()
                    fetched.read()
                    self._store(fetched)
                token = self._current()
            self.apply(request, token)
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self._async_lock is None:
            self._async_lock = asyncio.Lock()
        async with self._async_lock:
            if not self._valid():
                fetched = yield self.token_request()
                await fetched.aread()  # this override bypasses httpx's requires_response_body
                self._store(fetched)
            token = self._current()
        self.apply(request, token)
        response = yield request
        if response.status_code == 401 and self.can_refresh():
            async with self._async_lock:
                if self._token is None or self._current() == token:
                    self.invalidate()
                    fetched = yield self.token_request()
                    await fetched.aread()
                    self._store(fetched)
                token = self._current()
            self.apply(request, token)
            yield request

    def __repr__(self) -> str:
        state = "token cached" if self._token is not None else "no token"
        return f"<{type(self).__name__} {state}>"


class TesouroAuth(TokenAuth):
    """OAuth 2.0 client credentials against ``POST /openid/connect/token``."""

    vendor = "tesouro"
    operation = "create_access_token"

    def __init__(
        self, *, base_url: str, client_id: str | None, client_secret: Secret | None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._base_url = base_url
        self._client_id = client_id
        self._client_secret = client_secret

    def token_request(self) -> httpx.Request:
        require(
            "Tesouro",
            client_id=(self._client_id, "TESOURO_CLIENT_ID"),
            client_secret=(self._client_secret, "TESOURO_CLIENT_SECRET"),
        )
        assert self._client_id is not None
        assert self._client_secret is not None
        from tesouro_client.api.access_tokens import create_access_token
        from tesouro_client.models import AccessTokenRequest

        body = AccessTokenRequest(
            grant_type="client_credentials",
            client_id=self._client_id,
            client_secret=self._client_secret.get(),
        )
        return httpx.Request(**generated_request(create_access_token, self._base_url, body=body))

    def parse_token(self, response: httpx.Response) -> tuple[str, float | None]:
        from tesouro_client.models import AccessTokenResponse

        parsed = AccessTokenResponse.from_dict(response.json())
        lifetime = parsed.expires_in if isinstance(parsed.expires_in, int) else 3600
        return parsed.access_token, float(lifetime)

    def apply(self, request: httpx.Request, token: str) -> None:
        request.headers["Authorization"] = f"Bearer {token}"

    def error_message(self, response: httpx.Response) -> tuple[str | None, str | None]:
        try:
            body = response.json()
        except ValueError:
            return None, None
        if isinstance(body, dict):
            if isinstance(body.get("error"), dict):  # FinOps envelope
                return str(body["error"].get("message") or "") or None, None
            text = " ".join(str(body[k]) for k in ("error", "error_description") if body.get(k))
            return text or None, None
        return None, None


class TelecomXAuth(TokenAuth):
    """TelecomX login tokens (15 minutes), or a token given up front, as the ``token`` parameter."""

    vendor = "telecomx"
    operation = "login"

    def __init__(
        self,
        *,
        base_url: str,
        username: str | None,
        password: Secret | None,
        token: Secret | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._base_url = base_url
        self._username = username
        self._password = password
        self._static = token is not None
        if token is not None:
            self._token = token
            self._expires_at = float("inf")

    def can_refresh(self) -> bool:
        return not self._static

    def token_request(self) -> httpx.Request:
        require(
            "TelecomX",
            username=(self._username, "TELECOMX_USERNAME"),
            password=(self._password, "TELECOMX_PASSWORD"),
        )
        assert self._username is not None
        assert self._password is not None
        from telecomx_client.api.auth import login
        from telecomx_client.models import LoginRequest

        body = LoginRequest(username=self._username, password=self._password.get())
        return httpx.Request(**generated_request(login, self._base_url, body=body))

    def parse_token(self, response: httpx.Response) -> tuple[str, float | None]:
        from telecomx_client.models import LoginResponse

        parsed = LoginResponse.from_dict(response.json())
        minutes = parsed.expires_in_minutes if isinstance(parsed.expires_in_minutes, int) else 15
        return parsed.token, (None if minutes < 0 else minutes * 60.0)

    def apply(self, request: httpx.Request, token: str) -> None:
        request.url = request.url.copy_set_param("token", token)

    def error_message(self, response: httpx.Response) -> tuple[str | None, str | None]:
        try:
            body = response.json()
        except ValueError:
            return None, None
        if isinstance(body, dict):
            key = body.get("error")
            return (
                str(body.get("message") or key or "") or None,
                str(key) if isinstance(key, str) else None,
            )
        return None, None


class CiirusAuth(httpx.Auth):
    """HTTP Basic with the partner's API username and password."""

    def __init__(self, *, username: str | None, password: Secret | None) -> None:
        self._username = username
        self._password = password

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        require(
            "CiiRUS",
            username=(self._username, "CIIRUS_USERNAME"),
            password=(self._password, "CIIRUS_PASSWORD"),
        )
        assert self._username is not None
        assert self._password is not None
        basic = httpx.BasicAuth(self._username, self._password.get())
        yield from basic.auth_flow(request)

    def __repr__(self) -> str:
        return f"<CiirusAuth username={self._username!r}>"
