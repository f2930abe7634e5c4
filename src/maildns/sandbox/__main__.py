"""``python -m maildns.sandbox``: an alias of ``maildns sandbox``, the same options and output.

The names scripts and tests import from here (``environment``, ``describe``, ``listing``, the
``parse_*`` checks) live in :mod:`maildns.sandbox._serving`.
"""

from __future__ import annotations

import sys

from ._serving import (
    CONTROLS,
    cannot_serve,
    describe,
    env_file_text,
    environment,
    listing,
    parse_dns_port,
    parse_port,
    parse_rate_limit,
    parse_start,
    shell_lines,
    stopped_by_signals,
)

__all__ = [
    "CONTROLS",
    "cannot_serve",
    "describe",
    "env_file_text",
    "environment",
    "listing",
    "main",
    "parse_dns_port",
    "parse_port",
    "parse_rate_limit",
    "parse_start",
    "shell_lines",
    "stopped_by_signals",
]


def main(argv: list[str] | None = None) -> int:
    """Run ``maildns sandbox ARGV``; its exit code."""
    from .._cli import app

    try:
        app(args=["sandbox", *(sys.argv[1:] if argv is None else argv)], prog_name="maildns")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
