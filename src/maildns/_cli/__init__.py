"""The ``maildns`` command: ``onboard plan|apply|verify|status``, a vendor's single operations
(``tesouro domains …``, ``telecomx zones|records …``, ``ciirus subaccount …``), ``sandbox`` and
``doctor``.

Exit codes, the contract for scripts: 0 done or nothing to do; 1 error; 2 the plan has changes
(plan only) or bad arguments (typer's usage errors); 3 not every domain verified by the deadline
(verify); 4 refused as unsafe without ``--force``. ``--json`` prints one document on stdout;
logs, progress and errors go to stderr. An error is one line (a configuration's problems, one
line each), never a traceback.
"""

from __future__ import annotations

from typing import Annotated

import typer

from .. import __version__
from ._common import OK, out, parse_duration
from ._doctor import doctor_command
from ._onboard import onboard
from ._sandbox import sandbox_command
from ._vendors import add_vendor_commands

__all__ = ["app", "main", "parse_duration"]

app = typer.Typer(
    name="maildns",
    help="Onboard email sending domains and their DNS across Tesouro, TelecomX and CiiRUS.",
    no_args_is_help=True,
    add_completion=True,
)
app.add_typer(onboard, name="onboard")
add_vendor_commands(app)
app.command("sandbox")(sandbox_command)
app.command("doctor")(doctor_command)


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


def main() -> None:
    app()
