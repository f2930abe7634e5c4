"""The TXT codec: record text <-> RFC 1035 character-strings (``"piece1" "piece2"``)."""

from __future__ import annotations

import re

from .._core.checks import fail, got

__all__ = ["MAX_TXT_STRING", "parse_txt_rdata", "txt_rdata"]

MAX_TXT_STRING = 255
# One or more RFC 1035 character-strings in double quotes, separated by white space.
QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"(?:\s+"(?:[^"\\]|\\.)*")*', re.DOTALL)
_PIECE = re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)
_ESCAPE = re.compile(r"\\([0-9]{3}|.)", re.DOTALL)


def txt_rdata(text: str, argument: str = "record.value") -> str:
    """TXT text as RFC 1035 character-strings: ``"piece1" "piece2"``.

    Pieces hold at most 255 characters (before escaping); ``"`` and ``\\`` are escaped with a
    backslash. The empty text is ``""``. The text is not otherwise checked (see
    :func:`record_value`).
    """
    if not isinstance(text, str):
        raise fail(argument, f"must be a str, got {got(text)}")
    pieces = [text[i : i + MAX_TXT_STRING] for i in range(0, len(text), MAX_TXT_STRING)] or [""]
    return " ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in pieces)


def _unescape(match: re.Match[str]) -> str:
    escaped = match.group(1)
    if len(escaped) == 3 and escaped.isdigit() and int(escaped) <= 255:
        return chr(int(escaped))
    return escaped[0] if len(escaped) == 1 else escaped


def parse_txt_rdata(rdata: str, argument: str = "rData") -> str:
    """The text of TXT rdata: the exact inverse of :func:`txt_rdata`.

    Quoted character-strings are joined without separator, with ``\\"``, ``\\\\`` and RFC 1035
    ``\\DDD`` escapes undone; anything that is not a sequence of quoted strings (an unquoted
    string, as some vendors send) is returned as it is.
    """
    if not isinstance(rdata, str):
        raise fail(argument, f"must be a str, got {got(rdata)}")
    if "\\" not in rdata:
        # No escapes (the common case): quoted strings split on '"' into '', text, gap, text,
        # ..., '' where every gap is white space; no regex needed.
        parts = rdata.strip().split('"')
        if (
            len(parts) % 2 == 1
            and len(parts) >= 3
            and not parts[0]
            and not parts[-1]
            and all(gap.isspace() for gap in parts[2:-1:2])
        ):
            return "".join(parts[1::2])
    stripped = rdata.strip()
    if not QUOTED.fullmatch(stripped):
        return rdata
    return "".join(_ESCAPE.sub(_unescape, m.group(1)) for m in _PIECE.finditer(stripped))
