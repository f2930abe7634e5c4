"""TXT records (RFC 1035 section 3.3.14): the text to publish, one string however long.

**One decoding rule.** A TXT character-string is octets with no declared character set. maildns
reads them as ISO 8859-1 (latin-1) everywhere: each octet is the character of the same number,
so decoding never fails nor replaces anything, encoding gives back the very octets served, a
text's length in characters is its length in octets (the 255-octet split below is one rule for
the text and for the wire), and the presentation escape ``\\DDD`` (one octet) is one character.
The texts maildns publishes (SPF, DKIM, DMARC, verification tokens: ASCII by RFC 7208 and
RFC 6376) are checked to be printable ASCII, on which latin-1, ASCII and UTF-8 agree; only
what someone else published can differ, and it then reads back unchanged rather than mangled.

**One split.** A value longer than 255 octets is published as several character-strings of 255
octets (the last shorter), in order; a reader joins them without separator (RFC 7208 section
3.3, RFC 6376 section 3.6.2.2). The empty text is one empty string.

**Presentation** is RFC 1035's: each string in double quotes, ``"`` and ``\\`` escaped with a
backslash, other octets outside printable ASCII as ``\\DDD``; strings separated by a space.
That is exactly dnspython's ``to_text``. Reading is lenient where vendors are: text that is
not a sequence of quoted strings (an unquoted value, as some HTTP DNS APIs send) is the value
as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT

from ..._core.checks import char, fail, show
from ...models import RecordType
from ._kind import RecordKind

__all__ = [
    "MAX_TXT_LENGTH",
    "MAX_TXT_STRING",
    "QUOTED",
    "TXT",
    "decode",
    "split",
]

ENCODING: Final = "latin-1"
MAX_TXT_STRING: Final = 255
"""Octets in one character-string (RFC 1035 section 3.3)."""
MAX_TXT_LENGTH: Final = 4096
"""The longest TXT text maildns accepts (published as several 255-octet strings)."""

# One or more RFC 1035 character-strings in double quotes, separated by white space.
QUOTED: Final = re.compile(r'"(?:[^"\\]|\\.)*"(?:\s+"(?:[^"\\]|\\.)*")*', re.DOTALL)
_PIECE: Final = re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)
_ESCAPE: Final = re.compile(r"\\([0-9]{3}|.)", re.DOTALL)
_PLAIN: Final = re.compile(r"[ !#-\[\]-~]*")  # printable ASCII but '"' and '\'


def decode(strings: Iterable[bytes]) -> str:
    """The text of a TXT record's character-strings: joined, read as latin-1."""
    return b"".join(strings).decode(ENCODING)


def split(text: str) -> list[bytes]:
    """The character-strings that publish ``text``: its latin-1 octets in pieces of 255
    (``[b""]`` for the empty text). ValueError for a character latin-1 cannot encode (above
    U+00FF: never in a checked value, which is ASCII)."""
    octets = text.encode(ENCODING)
    return [octets[i : i + MAX_TXT_STRING] for i in range(0, len(octets), MAX_TXT_STRING)] or [b""]


def _escaped(piece: str) -> str:
    if _PLAIN.fullmatch(piece):
        return piece
    out = []
    for ch in piece:
        if ch in '"\\':
            out.append("\\" + ch)
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):03d}")
    return "".join(out)


def _unescape(match: re.Match[str]) -> str:
    escaped = match.group(1)
    if len(escaped) == 3 and escaped.isdigit() and int(escaped) <= 255:
        return chr(int(escaped))
    return escaped[0] if len(escaped) == 1 else escaped


class _TXT(RecordKind):
    type = RecordType.TXT
    rdtype = dns.rdatatype.TXT

    def check(self, value: str, argument: str) -> str:
        if len(value) > MAX_TXT_LENGTH:
            raise fail(
                argument,
                f"TXT text must be at most {MAX_TXT_LENGTH} characters, got {len(value)}",
            )
        for position, ch in enumerate(value, start=1):
            if not ch.isascii():
                raise fail(
                    argument,
                    f"TXT text must be ASCII (non-ASCII TXT data is not portable across DNS "
                    f"providers), found {char(ch)} at position {position}",
                )
            if not ch.isprintable():
                raise fail(
                    argument,
                    f"TXT text must not contain control characters, found {char(ch)} "
                    f"at position {position}",
                )
        if QUOTED.fullmatch(value):
            raise fail(
                argument,
                f"TXT text must be given without quotes (maildns quotes it), got {show(value)}",
            )
        return value

    def to_rdata(self, value: str, priority: int | None = None) -> dns.rdata.Rdata:
        return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, self.rdtype, split(value))

    def from_rdata(self, rdata: dns.rdata.Rdata) -> tuple[str, int | None]:
        assert isinstance(rdata, dns.rdtypes.ANY.TXT.TXT)
        return decode(rdata.strings), None

    def present(self, value: str, priority: int | None = None) -> str:
        """``value`` as quoted character-strings (what ``to_rdata(value).to_text()`` gives,
        without building the rdata)."""
        return " ".join(f'"{_escaped(p.decode(ENCODING))}"' for p in split(value))

    def parse(self, text: str) -> tuple[str, int | None]:
        """The text of quoted character-strings, joined, escapes undone (``\\DDD`` is the
        latin-1 character of that octet); anything else is taken as the value itself."""
        if "\\" not in text:
            # No escapes (the common case): quoted strings split on '"' into '', text, gap,
            # text, ..., '' where every gap is white space; no regex needed.
            parts = text.strip().split('"')
            if (
                len(parts) % 2 == 1
                and len(parts) >= 3
                and not parts[0]
                and not parts[-1]
                and all(gap.isspace() for gap in parts[2:-1:2])
            ):
                return "".join(parts[1::2]), None
        stripped = text.strip()
        if not QUOTED.fullmatch(stripped):
            return text, None
        return "".join(_ESCAPE.sub(_unescape, m.group(1)) for m in _PIECE.finditer(stripped)), None


TXT: Final = _TXT()
