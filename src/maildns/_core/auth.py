"""How a vendor's requests are authenticated, sans-IO: the core does the sending.

An :class:`Auth` adds what every request needs (:meth:`Auth.prepare`, once per request:
an HTTP Basic header, a fixed token). A :class:`TokenAuth` also fetches a token with a call of
its own (:meth:`TokenAuth.token_call`, sent by the core like any call: logged, retried, its
errors mapped like any other), keeps it until shortly before it expires, and is asked once for
a new one when the vendor answers 401. Credentials are held as
:class:`~maildns._core.secrets.Secret` and never appear in a repr, log line or error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from .secrets import Secret, SecretHeaders, remember

if TYPE_CHECKING:
    import httpx

    from .engine import Call, Result

# Renew a token this many seconds before the vendor says it expires.
REFRESH_MARGIN: Final = 30.0


class Auth:
    """No fetched token: whatever :meth:`prepare` adds is all a request needs."""

    fetches_tokens = False
    refreshable = False

    def prepare(self, request: dict[str, Any]) -> None:
        """Add the credentials to one request's ``httpx`` arguments (ConfigurationError when
        one is missing: nothing has been sent yet)."""

    # TokenAuth's interface, so that the core needs no isinstance check.
    def token(self) -> str | None:
        return None

    def refused(self, response: httpx.Response) -> bool:
        """Whether ``response`` says the token is no good (a refreshable token is then renewed,
        once): a 401, unless the vendor says otherwise."""
        return response.status_code == 401

    def current(self) -> str:
        raise NotImplementedError

    def apply(self, request: dict[str, Any], url: str, token: str) -> None:
        raise NotImplementedError

    def forget(self) -> None:
        pass

    def token_call(self) -> Call:
        raise NotImplementedError

    def store(self, result: Result) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class HeaderAuth(Auth):
    """A fixed set of headers on every request (HTTP Basic, an API key)."""

    def __init__(self, headers: Callable[[], dict[str, str]]) -> None:
        self._make = headers
        self._headers: SecretHeaders | None = None

    def prepare(self, request: dict[str, Any]) -> None:
        if self._headers is None:
            self._headers = SecretHeaders(self._make())  # ConfigurationError when incomplete
            for value in self._headers.values():  # "Basic <base64>": a vendor may echo either
                remember(value)
                remember(value.partition(" ")[2])
        headers = request.get("headers")
        if headers is None:
            request["headers"] = dict(self._headers)
        else:
            headers.update(self._headers)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} headers {'ready' if self._headers else 'not built'}>"


class TokenAuth(Auth):
    """A token fetched from the vendor, kept until shortly before it expires.

    A vendor supplies :meth:`token_call` (the request that gets one), :meth:`read_token`
    (the token and its lifetime in seconds, None when it does not expire) and where the
    token goes: a header (``header``, ``scheme``) or a query parameter (``query``).
    """

    fetches_tokens = True
    refreshable = True
    header: str | None = "Authorization"
    scheme: str = "Bearer"
    query: str | None = None

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._token: Secret | None = None
        # the header value or the encoded query pair of the current token
        self._placed = Secret("")
        self._expires_at = 0.0
        self._clock = clock

    # --- what each vendor supplies --------------------------------------------------------------
    def token_call(self) -> Call:
        raise NotImplementedError

    def read_token(self, result: Result) -> tuple[str, float | None]:
        raise NotImplementedError

    # --- the core's side ------------------------------------------------------------------------
    def token(self) -> str | None:
        """The current token, or None when there is none or it is about to expire."""
        if self._token is not None and self._clock() < self._expires_at:
            return self._token.get()
        return None

    def current(self) -> str:
        assert self._token is not None, "store() a token first"
        return self._token.get()

    def set_token(self, token: str, lifetime: float | None) -> None:
        self._token = Secret(token)
        self._placed = Secret(
            f"{self.scheme} {token}" if self.header else f"{self.query}={quote(token, safe='')}",
            register=False,
        )
        self._expires_at = (
            float("inf") if lifetime is None else self._clock() + max(lifetime - REFRESH_MARGIN, 0)
        )

    def store(self, result: Result) -> None:
        self.set_token(*self.read_token(result))

    def forget(self) -> None:
        self._token = None
        self._expires_at = 0.0

    def prepare(self, request: dict[str, Any]) -> None:
        """Nothing: the core applies the token to each attempt."""

    def apply(self, request: dict[str, Any], url: str, token: str) -> None:
        placed = (
            self._placed.get() if self._token is not None and self._token.get() == token else ""
        )
        if self.header is not None:
            value = placed or f"{self.scheme} {token}"
            headers = request.get("headers")
            if headers is None:
                request["headers"] = {self.header: value}
            else:
                headers[self.header] = value
        elif "params" in request:  # httpx replaces a URL's query with params: join them
            request["params"][self.query] = token
        else:
            pair = placed or f"{self.query}={quote(token, safe='')}"
            request["url"] = f"{url}{'&' if '?' in url else '?'}{pair}"

    def __repr__(self) -> str:
        state = "token cached" if self._token is not None else "no token"
        return f"<{type(self).__name__} {state}>"


class FixedTokenAuth(Auth):
    """A token given up front, sent as the query parameter ``query`` on every request (never
    refreshed)."""

    def __init__(self, token: Secret, *, query: str) -> None:
        self._query = query
        self._pair = Secret(f"{query}={quote(token.get(), safe='')}")
        self._token = token

    def prepare(self, request: dict[str, Any]) -> None:
        if "params" in request:  # httpx replaces a URL's query with params: join them
            request["params"][self._query] = self._token.get()
        else:
            url = request["url"]
            request["url"] = f"{url}{'&' if '?' in url else '?'}{self._pair.get()}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"
