"""``maildns sandbox``: serve the local sandbox (HTTP and DNS) until SIGINT or SIGTERM.

It prints where the sandbox is and how to point maildns at it, then serves. The human listing
goes to stdout; ``--json`` prints one document there instead (flushed before serving, so a
script reads it while the sandbox runs). ``--env-file PATH`` also writes the ``export`` lines
to PATH once the sandbox serves (whole or not at all: written beside and renamed), for a shell
to source. Its two nameservers listen on ``--dns-port`` and the next port, by default the two
after ``--port`` (8766 and 8767), so that the exports stay right when the sandbox is started
again. Errors are one line on stderr; a bad argument is a usage error (exit 64), a sandbox that
cannot start exit 1, a stop by signal exit 0. ``python -m maildns.sandbox`` is an alias.

The ``--json`` document (``format_version`` "1"):

- ``base_url``, ``seed``, ``clock`` (the sandbox clock's start, ISO 8601);
- ``vendors``: by vendor, its ``url`` (the client's ``base_url``), ``credentials`` (the
  client's keyword arguments), ``account`` (seeded ids its calls need, maybe empty) and
  ``rate_limit`` (requests per second per client, or null for none);
- ``dns``: ``[{"name": "ns1", "host", "port"}, {"name": "ns2", ...}]``, UDP and TCP;
- ``env``: the environment variables that point maildns at the sandbox, and ``unset``: those
  to remove (credentials the sandbox does not give, which would win otherwise);
- ``controls``: by name (``reset``, ``clock``, ``faults``, ``stats``), ``url`` and ``methods``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Final, TypeVar

import typer

from ..sandbox import Sandbox, SandboxError
from ..sandbox._core import DEFAULT_SEED, DEFAULT_START
from ..sandbox._serving import (
    cannot_serve,
    describe,
    env_file_text,
    listing,
    parse_dns_port,
    parse_port,
    parse_rate_limit,
    parse_start,
    stopped_by_signals,
)
from ..vendors import DECLARATIONS
from ._common import Json, _fail, _print_json, out

T = TypeVar("T")

DEFAULT_PORT: Final = 8765


def _usage(parse: Callable[[str], T]) -> Callable[[str | T], T]:
    # The shared checks raise ValueError; typer makes BadParameter a usage error (exit 64).
    def checked(text: str | T) -> T:
        if not isinstance(text, str):  # the default, already a value
            return text
        try:
            return parse(text)
        except ValueError as error:
            raise typer.BadParameter(str(error)) from None

    return checked


# What each vendor's declaration documents, as the option's help shows it ("tesouro=30").
_DOCUMENTED_LIMITS: Final = ", ".join(
    f"{d.name}={d.rate_limit:g}" for d in DECLARATIONS.values() if d.rate_limit is not None
)


def _rate_limits(values: list[str] | None) -> list[str] | None:
    for value in values or []:
        _usage(parse_rate_limit)(value)
    return values


def sandbox_command(
    port: Annotated[
        int,
        typer.Option(
            "--port",
            parser=_usage(parse_port),
            metavar="PORT",
            help="Port of the HTTP server (0: any free one).",
        ),
    ] = DEFAULT_PORT,
    dns_port: Annotated[
        int | None,
        typer.Option(
            "--dns-port",
            parser=_usage(parse_dns_port),
            metavar="PORT",
            help="Port of the first nameserver; the second answers on the next one. Default: "
            "the two ports after --port (8766 and 8767), so MAILDNS_NAMESERVERS stays right "
            "across restarts; 0: any free ones.",
            show_default=False,
        ),
    ] = None,
    env_file: Annotated[
        Path | None,
        typer.Option(
            "--env-file",
            metavar="PATH",
            help="Also write the export lines to PATH once serving; load them in another "
            "shell with: . ./PATH",
            show_default=False,
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    seed: Annotated[int, typer.Option(help="Seed for ids and tokens.")] = DEFAULT_SEED,
    start: Annotated[
        datetime,
        typer.Option(
            "--start",
            parser=_usage(parse_start),
            metavar="TIME",
            help="The clock's start, ISO 8601 with a timezone.",
            show_default=DEFAULT_START.isoformat(),
        ),
    ] = DEFAULT_START,
    rate_limit: Annotated[
        list[str] | None,
        typer.Option(
            "--rate-limit",
            metavar="VENDOR=N|off",
            callback=_rate_limits,
            help="Requests per second per client for VENDOR (repeatable; default: the "
            f"documented limits only, {_DOCUMENTED_LIMITS}).",
        ),
    ] = None,
    json_: Json = False,
) -> None:
    """Serve the local sandbox (HTTP and DNS); print its URLs, credentials and exports.

    It serves until Ctrl+C (or SIGTERM), then exits 0. --env-file writes the export lines to
    a file to source in the shell you work in. --json prints one document on stdout (base_url,
    vendors with url, credentials, account and rate_limit, dns, env, controls).
    """
    limits = dict(parse_rate_limit(value) for value in rate_limit or [])
    if dns_port is None:  # the two after a fixed HTTP port; any free ones beside a free one
        dns_port = port + 1 if 0 < port < 65534 else 0
    sb = Sandbox(
        host=host, port=port, seed=seed, start=start, rate_limits=limits, dns_port=dns_port
    )
    with stopped_by_signals() as stop:
        try:
            sb.start_server()
        except (OSError, SandboxError) as error:
            _fail(cannot_serve(host, port, error))
        except ImportError as error:  # pragma: no cover - uvicorn, the extra, imported to serve
            _fail(f"the sandbox needs the sandbox extra (pip install 'maildns[sandbox]'): {error}")
        try:
            document = describe(sb)
            if env_file is not None:
                _write_env_file(env_file, env_file_text(document))
            if json_:
                _print_json(document, redacted=False)  # demo credentials, to be exported
            else:
                shown = None if env_file is None else _sourced(env_file)
                for line in listing(document, env_file=shown):
                    out.print(line, markup=False, highlight=False, soft_wrap=True)
            sys.stdout.flush()  # a script reads it while the sandbox serves
            stop.wait()
        finally:
            sb.stop()


def _write_env_file(path: Path, text: str) -> None:
    """``text`` at ``path``, whole or not at all: a shell that sources it as soon as it
    appears never reads half of it."""
    part = path.with_name(f".{path.name}.part")
    try:
        part.write_text(text, encoding="utf-8")
        os.replace(part, path)
    except OSError as error:
        part.unlink(missing_ok=True)
        _fail(f"{path}: cannot write the environment file: {error.strerror or error}")


def _sourced(path: Path) -> str:
    """``path`` as ``.`` needs it: a bare name is looked up on PATH, so ``./`` before it."""
    text = str(path)
    return text if "/" in text else f"./{text}"
