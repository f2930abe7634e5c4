"""What every ``maildns`` command shares: exit codes, the consoles, one-line errors, JSON."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Annotated, Any, Final, NoReturn, TypeVar

import typer
from rich.cells import cell_len
from rich.console import Console

from .._core.secrets import redact, redact_value
from ..errors import MailDnsError

T = TypeVar("T")

OK: Final = 0
ERROR: Final = 1
CHANGES: Final = 2
NOT_VERIFIED: Final = 3
UNSAFE: Final = 4
USAGE: Final = 64  # EX_USAGE (sysexits.h): bad arguments, never taken for CHANGES
INTERRUPTED: Final = 130  # 128 + SIGINT, as shells report it
DEBUG_ENV: Final = "MAILDNS_DEBUG"
FORMAT_VERSION: Final = "1"

err = Console(stderr=True)
out = Console()

ROOM: Final = 20
"""Columns a table's value (a DKIM key, folded) keeps at least, before its names fold too."""


def fit_whole(columns: Iterable[Iterable[str]], width: int, room: int = ROOM) -> bool:
    """Whether ``columns`` (each its header and cells) fit unfolded in a table ``width`` wide
    beside a last column ``room`` wide: rich's box, a border and two spaces a column."""
    widths = [max(map(cell_len, column), default=0) for column in columns]
    return sum(widths) + room + 3 * (len(widths) + 1) + 1 <= width


Json = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]

_DURATION: Final = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([smh]?)\s*$")


def _fail(message: str, code: int = ERROR) -> NoReturn:
    message = redact(message)
    for line in message.splitlines() or [message]:
        err.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def parse_duration(text: str) -> float:
    """``90``, ``30s``, ``10m``, ``2h`` as seconds."""
    match = _DURATION.match(text)
    if match is None:
        raise typer.BadParameter(f"{text!r} is not a duration such as 90, 30s, 10m or 2h")
    value = float(match.group(1))
    return value * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def _print_json(document: dict[str, Any], *, redacted: bool = True) -> None:
    """``document`` as ``json.dumps(document, indent=2)`` prints it; a value that is an iterator
    is a list written one item at a time, so that ten thousand domains' changes are never one
    string (nor one list of dicts) in memory. Every string in it is redacted, unless showing
    a credential is the document's purpose (``redacted=False``: the sandbox's demo ones)."""
    shown: Callable[[Any], Any] = redact_value if redacted else _as_is
    out = sys.stdout
    out.write("{")
    for i, (key, value) in enumerate(document.items()):
        out.write(("," if i else "") + "\n  " + json.dumps(shown(key)) + ": ")
        if isinstance(value, Iterator):
            opening = "["
            for item in value:
                out.write(opening + "\n    " + _indented(json.dumps(shown(item), indent=2), 4))
                opening = ","
            out.write("[]" if opening == "[" else "\n  ]")
        else:
            out.write(_indented(json.dumps(shown(value), indent=2), 2))
    out.write("\n}\n" if document else "}\n")


def _as_is(value: Any) -> Any:
    return value


def _indented(text: str, spaces: int) -> str:
    return text.replace("\n", "\n" + " " * spaces)  # json.dumps escapes a string's newlines


def call(action: Callable[[], T]) -> T:
    """``action()``, its errors as one line on stderr and an exit code (never a traceback)."""
    try:
        return action()
    except MailDnsError as error:  # a ConfigError too: one line per problem
        _fail(str(error))
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        _fail(f"{where}{error.strerror or error}")
    except KeyboardInterrupt:
        _fail("interrupted", INTERRUPTED)
    except Exception as error:  # a bug: still one line, the traceback on request
        if os.environ.get(DEBUG_ENV):
            raise
        _fail(f"unexpected {type(error).__name__}: {error} (set {DEBUG_ENV}=1 for the traceback)")
