"""MkDocs hook: the command-line reference, written by typer from the ``maildns`` app itself.

A page holding ``<!-- maildns-cli-reference -->`` gets, in its place, every command with its
usage, arguments and options (``typer``'s own Markdown, as ``typer … utils docs`` writes it),
so the reference cannot drift from the command.
"""

from __future__ import annotations

from typing import Any

import typer
import typer.main
from typer.cli import get_docs_for_click

MARKER = "<!-- maildns-cli-reference -->"


def reference() -> str:
    from maildns._cli import app

    command = typer.main.get_command(app)
    context = typer.Context(command, info_name="maildns")
    return get_docs_for_click(obj=command, ctx=context, name="maildns", indent=1).strip() + "\n"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    return markdown.replace(MARKER, reference()) if MARKER in markdown else markdown
