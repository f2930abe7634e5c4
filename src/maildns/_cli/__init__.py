"""The ``maildns`` command: ``onboard plan|apply|verify|status``, a vendor's single operations
(``tesouro domains …``, ``telecomx zones|records …``, ``ciirus subaccount …``), ``sandbox`` and
``doctor``.

Exit codes, the contract for scripts (each code means one thing, on every command):

- 0: done, or nothing to do;
- 1: an error (a configuration, a vendor, a failed change);
- 2: the plan has changes (``onboard plan`` only);
- 3: not every domain verified by the deadline (``onboard verify``);
- 4: refused as unsafe without ``--force``;
- 64: a usage error (EX_USAGE): an unknown option or command, a missing argument, a bad value,
  a group without its command (``maildns onboard``: the help is shown), with typer's message on
  stderr (one JSON line under ``MAILDNS_LOG_FORMAT=json``); never 2, so
  ``plan; [ $? -eq 2 ] && apply --yes`` cannot take a typo for changes;
- 130: interrupted (Ctrl+C).

``--json`` prints one document on stdout; logs, progress and errors go to stderr. An error is
one line (a configuration's problems, one line each), never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Final

import typer
from typer.core import TyperGroup

from .. import __version__
from .._core.options import log_format_from_env, log_level_from_env
from ..errors import ConfigurationError
from ..vendors import VENDORS
from ._common import (
    OK,
    USAGE,
    _fail,
    json_logs,
    json_wanted,
    log_error,
    out,
    parse_duration,
    print_error_document,
    want_json,
)
from ._onboard import onboard

__all__ = ["app", "main", "parse_duration"]


_USAGE_ERROR: Final[type[Exception]] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
)
"""Click's ``UsageError``, the class of every usage error. Not ``click.UsageError``: typer 0.2x
raises its own copy of click's exceptions (the private ``typer._click``); ``typer.BadParameter``,
public in every typer, is a subclass of whichever it is."""


def _vendor_commands() -> Mapping[str, Any]:
    # Each vendor's commands are made from its clients' signatures: importing the clients
    # (httpx, the engine) is most of what ``maildns --version`` would otherwise spend.
    from ._vendors import add_vendor_commands

    vendors = typer.Typer()
    add_vendor_commands(vendors)
    return typer.main.get_group(vendors).commands


def _single(name: str, function: Callable[..., None]) -> Mapping[str, Any]:
    # Made as a group's command, as typer makes the app's own (a group of one keeps its name).
    group = typer.Typer()
    group.command(name)(function)
    group.callback()(lambda: None)
    return typer.main.get_group(group).commands


def _sandbox_command() -> Mapping[str, Any]:
    from ._sandbox import sandbox_command  # the sandbox package: only for this command

    return _single("sandbox", sandbox_command)


def _doctor_command() -> Mapping[str, Any]:
    from ._doctor import doctor_command

    return _single("doctor", doctor_command)


_LAZY_COMMANDS: Final[Mapping[str, Callable[[], Mapping[str, Any]]]] = {
    "sandbox": _sandbox_command,
    "doctor": _doctor_command,
    **dict.fromkeys(VENDORS, _vendor_commands),
}
"""The top-level commands made on first use: a command line imports only what its command
needs."""

_ORDER: Final = ("sandbox", "doctor", "onboard", *VENDORS)
"""The order typer lists an app's commands in (its commands, then its groups)."""


class _Maildns(TyperGroup):
    """The top-level group: a usage error raised anywhere below it exits :data:`USAGE`.

    Its commands besides ``onboard`` are made when first looked up (:data:`_LAZY_COMMANDS`,
    click's lazy subcommands: :meth:`get_command` and :meth:`list_commands`); reading
    :attr:`commands` itself, as the help's and the reference's walkers do, makes them all.

    Click gives every ``UsageError`` (an unknown option or command, a missing argument, a
    ``BadParameter``) exit code 2, which ``onboard plan`` means "has changes". A command line is
    parsed in this group's ``make_context`` (its own options) or ``invoke`` (the subcommand's
    name, then each nested group's and command's arguments, and a command's body raising
    ``typer.BadParameter``), so the code is set here, once; typer prints the error as usual and
    exits with ``exit_code``, both for the installed command and under ``CliRunner``.
    """

    # Any: the contexts are click's (typer's private copy), which typer.Context only extends.
    def make_context(self, info_name: Any, args: Any, *rest: Any, **extra: Any) -> Any:
        want_json(args)  # the whole command line: an error met parsing it prints a document too
        try:
            return super().make_context(info_name, args, *rest, **extra)
        except _USAGE_ERROR as error:
            _as_usage(error)
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _USAGE_ERROR as error:
            _as_usage(error)
            raise

    # Any: click's command classes are typer's private copy.
    @property  # type: ignore[override]
    def commands(self) -> dict[str, Any]:
        for name in _LAZY_COMMANDS:
            self._load(name)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, Any]) -> None:
        self._commands = value

    def _load(self, name: str) -> None:
        if name in self._commands or name not in _LAZY_COMMANDS:
            return
        self._commands.update(_LAZY_COMMANDS[name]())
        made = self._commands
        self._commands = {n: made[n] for n in self.list_commands(None) if n in made}

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        self._load(cmd_name)
        return self._commands.get(cmd_name)

    def list_commands(self, ctx: Any) -> list[str]:
        known = {*self._commands, *_LAZY_COMMANDS}
        rest = [n for n in self._commands if n not in _ORDER]
        return [*(n for n in _ORDER if n in known), *rest]


def _as_usage(error: Exception) -> None:
    """Give a usage error :data:`USAGE` as its exit code, and print its ``--json`` document.

    Under ``MAILDNS_LOG_FORMAT=json`` stderr holds JSON lines only (a log shipper reads every
    one), so the error is one such line instead of typer's text, and the exit is raised here
    (``typer.Exit``) so that typer prints nothing; otherwise typer prints its text as usual.
    """
    # This instance's code (click's class attribute stays 2: nothing global changes).
    error.exit_code = USAGE  # type: ignore[attr-defined]
    if error.__class__.__name__ == "NoArgsIsHelpError":
        message = "Missing command."  # its own message is the help, on stdout already
    else:
        message = " ".join(error.format_message().split())  # type: ignore[attr-defined]
    if json_logs():
        context = getattr(error, "ctx", None)
        usage = " ".join(context.get_usage().removeprefix("Usage:").split()) if context else None
        log_error(message, USAGE, usage=usage)
    if json_wanted():
        print_error_document([message], USAGE, error)
    if json_logs():
        raise typer.Exit(USAGE) from None


def _vendor_titles() -> str:
    """The declared vendors as people write them: ``A, B and C``."""
    *rest, last = (d.title for d in VENDORS.values())
    return f"{', '.join(rest)} and {last}" if rest else last


app = typer.Typer(
    name="maildns",
    cls=_Maildns,
    help=f"Onboard email sending domains and their DNS across {_vendor_titles()}.",
    no_args_is_help=True,
    add_completion=True,
)
app.add_typer(onboard, name="onboard")  # the rest: _LAZY_COMMANDS


def _version(value: bool) -> None:
    if value:
        out.print(f"maildns {__version__}")
        raise typer.Exit(OK)


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """maildns: sending domains, end to end."""
    try:  # checked before any command runs, like every other setting
        log_level_from_env()
        log_format_from_env()
    except ConfigurationError as error:
        _fail(str(error))


def main() -> None:
    _without_dns_over_https()
    _without_unused_http_modules()
    app()


_UNUSED_HTTP_MODULES: Final = ("httpx._main", "h2")
"""httpx's own command line, which httpx imports whenever click, pygments and rich are installed
(the sandbox's uvicorn brings click, rich brings pygments), and h2, whose HTTP/2 connection
httpcore imports whenever it is installed; maildns runs neither."""


def _without_unused_http_modules() -> None:
    # A None in sys.modules makes an import of that module fail, the case httpx and httpcore
    # already handle (as when the package is not installed): about 0.1 s of the start of every
    # command that calls a vendor. The process is the command's own, as above.
    for name in _UNUSED_HTTP_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def _without_dns_over_https() -> None:
    # The command never queries DNS over HTTPS. Told so before its query module is imported,
    # dnspython does not import its HTTP/2 client stack (httpx2, httpcore2, h2), a tenth of a
    # second of every command that looks DNS up. The process is the command's own: no one
    # else's dnspython is changed.
    import dns._features

    dns._features.force("doh", False)
