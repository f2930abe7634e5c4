"""What every ``maildns`` command shares: exit codes, the consoles, one-line errors, JSON."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from typing import Annotated, Any, Final, NoReturn, TypeVar

import typer
from rich.cells import cell_len
from rich.console import Console

from .._core import logjson
from .._core.options import log_format_from_env
from .._core.secrets import redact, redact_value
from ..errors import ConfigurationError, MailDnsError

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


_JSON_WANTED: ContextVar[bool] = ContextVar("maildns_json_wanted", default=False)
"""Whether the command line asked for ``--json``: an error then prints its document too."""


def want_json(args: Sequence[str]) -> None:
    """Note whether ``args`` (the whole command line) ask for ``--json`` (before any ``--``),
    so that an error, even one met while the line is parsed, prints its JSON document."""
    words = list(args)
    _JSON_WANTED.set("--json" in words[: words.index("--") if "--" in words else None])


def json_wanted() -> bool:
    return _JSON_WANTED.get()


def error_document(lines: Sequence[str], code: int, error: BaseException | None) -> dict[str, Any]:
    """What ``--json`` prints on stdout for an error (the same lines go to stderr): its exit
    code, its lines, and the vendor, operation and status of a vendor's error (else null)."""
    status = getattr(error, "status_code", None)
    return {
        "format_version": FORMAT_VERSION,
        "error": {
            "exit_code": code,
            "type": _error_type(error, code),
            "messages": list(lines),
            "vendor": getattr(error, "vendor", None),
            "operation": getattr(error, "operation", None),
            "status_code": status if isinstance(status, int) else None,
        },
    }


def _error_type(error: BaseException | None, code: int) -> str:
    """A stable word for scripts: ``usage``, ``interrupted``, the class of a maildns error
    (``NotFoundError``, ``ConfigError``), else ``error``."""
    if code == USAGE:
        return "usage"
    if code == INTERRUPTED:
        return "interrupted"
    if isinstance(error, MailDnsError):
        cause = error.__cause__  # a CLI wrapper's (private) class names nothing: its cause's
        shown = cause if type(error).__name__.startswith("_") and cause is not None else error
        return type(shown).__name__
    return "error"


def print_error_document(lines: Sequence[str], code: int, error: BaseException | None) -> None:
    sys.stdout.flush()
    _print_json(error_document(lines, code, error))
    sys.stdout.flush()


def _fail(message: str, code: int = ERROR, error: BaseException | None = None) -> NoReturn:
    """``message`` as ``error:`` lines on stderr (and, under ``--json``, its document on
    stdout), then exit ``code``."""
    message = redact(message)
    lines = message.splitlines() or [message]
    if json_logs():  # stderr holds JSON lines only: a log shipper reads every one
        for line in lines:
            log_error(line, code)
    else:
        for line in lines:
            err.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)
    if json_wanted():
        print_error_document(lines, code, error)
    raise typer.Exit(code)


def json_logs() -> bool:
    """Whether ``MAILDNS_LOG_FORMAT=json`` asks for stderr as JSON lines only."""
    try:
        return log_format_from_env() == "json"
    except ConfigurationError:  # the error being printed may be this very one
        return False


def log_error(message: str, code: int, **fields: Any) -> None:
    """One error line as a JSON line on stderr (level error, logger ``maildns.cli``), with
    the exit code it ends the command with and ``fields`` (those None are left out)."""
    extra = {k: v for k, v in fields.items() if v is not None}
    sys.stderr.write(logjson.line("error", "maildns.cli", message, exit_code=code, **extra) + "\n")
    sys.stderr.flush()


def inform(text: str, **fields: Any) -> None:
    """A line for the person running the command, on stderr: a JSON line (level info) under
    ``MAILDNS_LOG_FORMAT=json``, so that stderr stays one JSON object a line, with ``fields``
    beside its message for a program to read (the text alone shows without it)."""
    if json_logs():
        sys.stderr.write(logjson.line("info", "maildns.cli", text, **fields) + "\n")
        sys.stderr.flush()
    else:
        err.print(redact(text), markup=False, highlight=False, soft_wrap=True)


def summary(text: str) -> None:
    """The line that ends a plan's or an apply's table (``2 to create, ...``, ``nothing to
    do``): part of the result on stdout, except beside a ``--json`` document, which stdout
    holds alone."""
    console = err if json_wanted() else out
    console.print(text, markup=False, highlight=False, soft_wrap=True)


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
        _fail(str(error), error=error)
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        _fail(f"{where}{error.strerror or error}", error=error)
    except KeyboardInterrupt as error:
        _fail("interrupted", INTERRUPTED, error)
    except Exception as error:  # a bug: still one line, the traceback on request
        if os.environ.get(DEBUG_ENV):
            raise
        _fail(
            f"unexpected {type(error).__name__}: {error} (set {DEBUG_ENV}=1 for the traceback)",
            error=error,
        )
