"""Tesouro's error bodies as ``(message, field)``."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>", re.DOTALL)
_MESSAGE_LIMIT = 200


def _text_message(text: str, status: int) -> str | None:
    """A readable line from a text or HTML error page (its title, else its text)."""
    text = text.strip()
    if not text:
        return None
    match = _TITLE.search(text) or _H1.search(text)
    if match:
        text = match.group(1)
    elif text.startswith("<"):
        text = _TAG.sub(" ", text)
    text = " ".join(html.unescape(_TAG.sub(" ", text)).split())
    # "502 Bad Gateway" -> "Bad Gateway": the status is shown beside the message anyway.
    prefix = f"{status} "
    if text.startswith(prefix) and len(text) > len(prefix):
        text = text[len(prefix) :]
    if len(text) > _MESSAGE_LIMIT:
        text = text[: _MESSAGE_LIMIT - 3] + "..."
    return text or None


def parse_error(status: int, body: Any) -> tuple[str | None, str | None]:
    """``(message, field)`` of a Tesouro error body (decoded JSON, or the text of a page).

    * ``{"error": {"message": ...}}`` (Monite's ``ErrorSchemaResponse``);
    * 422 ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``: the messages joined, and the
      last element of the first ``loc`` (``["body", "domain"]`` -> ``domain``) as the field;
    * the token endpoint's OAuth ``{"error": "invalid_client", "error_description": ...}``;
    * 429 ``{"message": ...}``;
    * a text or HTML page (a proxy's 502): its title or text.
    """
    if isinstance(body, str):
        return _text_message(body, status), None
    if not isinstance(body, Mapping):
        return None, None
    error = body.get("error")
    if isinstance(error, Mapping):
        message = error.get("message")
        return (str(message) if message else None), None
    detail = body.get("detail")
    if isinstance(detail, list) and detail:
        messages = [str(d["msg"]) for d in detail if isinstance(d, Mapping) and d.get("msg")]
        field: str | None = None
        first = detail[0]
        if isinstance(first, Mapping):
            loc = first.get("loc")
            if isinstance(loc, list) and loc:
                field = str(loc[-1])
        return ("; ".join(messages) or None), field
    if isinstance(detail, str) and detail:
        return detail, None
    if isinstance(error, str) and error:
        description = body.get("error_description")
        return (f"{error}: {description}" if description else error), None
    message = body.get("message")
    if message:
        return str(message), None
    return None, None
