"""CiiRUS's error bodies, ``{"message": ..., "reasons": [...]}``, as ``(message, field)``."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any, Final

REQUEST_FIELDS: Final = ("sending_domain", "daily_send_limit", "approved")
# A reason that starts with a field's location, pydantic style: "sending_domain: ...",
# "body.daily_send_limit: ...", "body -> approved: ...".
_FIELD_LOCATION: Final = re.compile(
    r"^\s*(?:[\w\[\]]+\s*(?:\.|->)\s*)*(" + "|".join(REQUEST_FIELDS) + r")\b"
)
# Anywhere in a reason, the two field names that cannot be ordinary words.
_FIELD_WORD: Final = re.compile(r"(?<![\w.])(sending_domain|daily_send_limit)(?!\w)")
_HTML_TITLE: Final = re.compile(r"<(title|h1)[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG: Final = re.compile(r"<[^>]*>")
_MAX_MESSAGE: Final = 300


def _text(value: Any) -> str | None:
    """``value`` if it is a string with something in it."""
    return value if isinstance(value, str) and value.strip() else None


def message_and_reasons(body: Any) -> tuple[str | None, list[str]]:
    """``message`` and ``reasons`` of CiiRUS's error body (generated ``Error`` or plain JSON)."""
    if isinstance(body, dict):
        message, reasons = body.get("message"), body.get("reasons")
    else:
        message, reasons = getattr(body, "message", None), getattr(body, "reasons", None)
    if isinstance(reasons, str):
        reasons = [reasons]
    if not isinstance(reasons, list):
        reasons = []
    return _text(message), [r for r in (_text(r) for r in reasons) if r is not None]


def field_of(reasons: Sequence[str]) -> str | None:
    """The request field a reason names, if any."""
    for reason in reasons:
        match = _FIELD_LOCATION.match(reason) or _FIELD_WORD.search(reason)
        if match:
            return match.group(1)
    return None


def clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def _page_message(text: str) -> str | None:
    """A readable line from a non-JSON error body: an HTML page's title, or short plain text."""
    if "<" in text and ">" in text:
        match = _HTML_TITLE.search(text)
        if match is None:
            return None
        title = html.unescape(_TAG.sub("", match.group(2))).strip()
        return f"the server answered with an HTML page: {clip(title)}" if title else None
    text = text.strip()
    return clip(text) if text else None


def parse_error(status: int, body: Any) -> tuple[str | None, str | None]:
    """CiiRUS's error body ``{"message": ..., "reasons": [...]}`` as (message, field).

    The message is the ``message`` followed by the ``reasons``; the field is the request field
    (``sending_domain``, ``daily_send_limit``, ``approved``) a reason names. A body that is not
    JSON (an HTML error page from a proxy) gives its title.
    """
    if isinstance(body, str):
        return _page_message(body), None
    message, reasons = message_and_reasons(body)
    if reasons:
        joined = "; ".join(reasons)
        message = f"{message}: {joined}" if message else joined
    return (clip(message) if message else None), field_of(reasons)
