"""Keep credentials out of reprs, logs and exception messages.

The one redaction point: every secret maildns learns (a credential, a token, the password of a
connection string or of a URL's user info) is remembered as it is wrapped in a :class:`Secret`
(or given to :func:`remember`), and :func:`redact` masks each of them, in the forms a vendor
may echo them back in (as given, URL-encoded, JSON-escaped), together with any URL's user info
and credential-bearing query parameters. Every text that leaves maildns goes through it:
errors (:class:`~maildns.errors.MailDnsError` redacts its message as it is made), log lines
(:class:`RedactLogs` on the ``maildns`` and ``httpx`` loggers), and what the command line
prints (one-line errors, JSON documents).
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
from typing import Any, Final
from urllib.parse import quote, quote_plus

_MASK: Final = "**********"
# Query parameters that carry a credential; their values are masked wherever a URL is shown.
SECRET_QUERY_PARAMS: Final = frozenset({"token", "access_token", "client_secret", "password"})
# JSON keys whose values are credentials, wherever they appear in a body.
SECRET_BODY_KEYS: Final = frozenset(
    {"access_token", "refresh_token", "id_token", "token", "client_secret", "password"}
)
_QUERY_SECRET = re.compile(r"(?i)([?&](?:" + "|".join(SECRET_QUERY_PARAMS) + r")=)[^&#\s]*")
# scheme://user:password@host: the password (a user alone is a name, as in a connection
# string; a base URL's whole user info is remembered as a secret besides).
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/?#\s@]*:)(?!\*+@)[^/?#\s@]+@")
# A secret shorter than this is not looked for: it cannot be told from ordinary words, and
# masking it would garble messages (a password "s" would mask "3 s") and corrupt documents
# (a client secret "example" would rewrite every "mail.example.com" of a saved plan, and the
# path of its configuration, so that it no longer applies). Credentials and tokens are longer.
_SHORTEST: Final = 8
_KEEP: Final = 1024
"""Secrets remembered at most (the oldest forgotten first): a long run renews tokens."""
_known: dict[str, None] = {}
_pattern: re.Pattern[str] | None = None
_lock = threading.Lock()


def _forms(value: str) -> set[str]:
    """``value`` and the forms a vendor may echo it back in."""
    forms = {
        value,
        quote(value, safe=""),
        quote_plus(value, safe=""),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        html.escape(value),
    }
    return {f for f in forms if f}


def remember(value: str) -> None:
    """Mask ``value`` (and its URL-encoded and JSON-escaped forms) wherever :func:`redact`
    meets it from now on (unless it is shorter than eight characters)."""
    global _pattern
    if len(value) < _SHORTEST or value in _known:
        return
    with _lock:
        _known[value] = None
        while len(_known) > _KEEP:
            del _known[next(iter(_known))]
        forms = sorted({f for v in _known for f in _forms(v)}, key=len, reverse=True)
        _pattern = re.compile("|".join(map(re.escape, forms)))


def redact(text: str) -> str:
    """``text`` with every secret maildns knows masked, and any URL's password and
    credential-bearing query values."""
    pattern = _pattern
    if pattern is not None:  # first: a base URL's whole user info is one of them
        text = pattern.sub(_MASK, text)
    if "@" in text:
        text = _USERINFO.sub(lambda m: m.group(1) + _MASK + "@", text)
    if "=" in text:
        text = _QUERY_SECRET.sub(lambda m: m.group(1) + _MASK, text)
    return text


def redact_bytes(content: bytes) -> bytes:
    """:func:`redact` for a body's bytes (whatever their encoding)."""
    return redact(content.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


def redact_value(value: Any) -> Any:
    """A JSON-like value (dicts, lists, strings) with every string :func:`redact`-ed."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_value(k): redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value


class Secret:
    """A string that does not show itself: ``repr`` and ``str`` print a mask."""

    __slots__ = ("_value",)

    def __init__(self, value: str, *, register: bool = True) -> None:
        """``register=False`` for a value made from secrets already registered (a header or
        query pair built around a token): masked whole, it would hide what the text says
        around the secret (``token=**********`` would read ``**********``)."""
        self._value = value
        if register:
            remember(value)

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
    """``url`` without its password, credential-bearing query values and known secrets."""
    return redact(url)


def redact_body(value: Any) -> Any:
    """A JSON value with the values of credential keys masked, at any depth, and every string
    :func:`redact`-ed."""
    if isinstance(value, dict):
        return {
            redact(k) if isinstance(k, str) else k: (
                _MASK if k in SECRET_BODY_KEYS else redact_body(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_body(v) for v in value]
    if isinstance(value, str):
        return redact(value)
    return value


class RedactLogs(logging.Filter):
    """Every line of a logger, its traceback included, through :func:`redact` (httpx logs each
    request URL at INFO, and a token may travel in its query: TelecomX's does)."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        shown = redact(message)
        if shown != message:  # else the record keeps its arguments, for handlers that read them
            record.msg, record.args = shown, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def redact_logs(name: str) -> None:
    """Put :class:`RedactLogs` on the logger ``name`` (idempotent)."""
    named = logging.getLogger(name)
    if not any(isinstance(f, RedactLogs) for f in named.filters):
        named.addFilter(RedactLogs())


def hide_secrets_in_httpx_logs() -> None:
    """Redact the ``httpx`` logger's lines (idempotent)."""
    redact_logs("httpx")
