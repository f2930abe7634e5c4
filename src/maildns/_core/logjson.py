"""Log records as JSON lines (``MAILDNS_LOG_FORMAT=json``), for a log shipper to read.

One object per line: ``time`` (ISO 8601, UTC, milliseconds), ``level``, ``logger``, ``message``,
the record's extra fields (``logger.info(..., extra={"domain": ...})``) under their own names,
and ``exception`` (the traceback's text) when there is one. Every string in it, extra fields
included, goes through the one redaction point (:func:`.secrets.redact_value`): a handler's
filter redacts the message, but not what a caller passed in ``extra``.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Final

from .secrets import redact, redact_value

# What every LogRecord carries: not an extra field.
_STANDARD: Final = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)


def line(level: str, name: str, message: str, **extra: Any) -> str:
    """One JSON line (no newline) as :class:`JsonLines` writes a record: for text a program
    writes to stderr itself (the command line's one-line errors)."""
    document: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "level": level,
        "logger": name,
        "message": redact(message),
    }
    document.update(redact_value(_jsonable(extra)))
    return json.dumps(document, ensure_ascii=False)


class JsonLines(logging.Formatter):
    """A record as one JSON object on one line (see the module's docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in document and not key.startswith("_"):
                document[key] = redact_value(_jsonable(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            document["exception"] = redact(record.exc_text)
        if record.stack_info:
            document["stack"] = redact(record.stack_info)
        return json.dumps(document, ensure_ascii=False)
