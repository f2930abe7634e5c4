"""Keep credentials out of reprs, logs and exception messages."""

from __future__ import annotations

import logging
import re
from typing import Any, Final

_MASK: Final = "**********"
# Query parameters that carry a credential; their values are masked wherever a URL is shown.
SECRET_QUERY_PARAMS: Final = frozenset({"token", "access_token", "client_secret", "password"})
# JSON keys whose values are credentials, wherever they appear in a body.
SECRET_BODY_KEYS: Final = frozenset(
    {"access_token", "refresh_token", "id_token", "token", "client_secret", "password"}
)
_QUERY_SECRET = re.compile(r"(?i)([?&](?:" + "|".join(SECRET_QUERY_PARAMS) + r")=)[^&#]*")


class Secret:
    """A string that does not show itself: ``repr`` and ``str`` print a mask."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{_MASK}')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


class SecretHeaders(dict[str, str]):
    """Headers that carry a credential: a dict whose repr shows only the names."""

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: {_MASK!r}" for k in self) + "}"


def redact_url(url: str) -> str:
    """``url`` with the values of credential-bearing query parameters masked."""
    return _QUERY_SECRET.sub(lambda m: m.group(1) + _MASK, url)


def redact_body(value: Any) -> Any:
    """A JSON value with the values of credential keys masked, at any depth."""
    if isinstance(value, dict):
        return {k: (_MASK if k in SECRET_BODY_KEYS else redact_body(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_body(v) for v in value]
    return value


def _is_url(value: object) -> bool:
    # httpx.URL, without importing httpx for it
    return type(value).__name__ == "URL" and type(value).__module__.startswith("httpx")


class _RedactUrls(logging.Filter):
    """httpx logs every request URL at INFO; a token may travel in its query (TelecomX's does)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                redact_url(str(arg)) if isinstance(arg, str) or _is_url(arg) else arg
                for arg in record.args
            )
        elif isinstance(record.msg, str):
            record.msg = redact_url(record.msg)
        return True


def hide_secrets_in_httpx_logs() -> None:
    """Mask credential query parameters in the ``httpx`` logger's lines (idempotent)."""
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactUrls) for f in httpx_logger.filters):
        httpx_logger.addFilter(_RedactUrls())
