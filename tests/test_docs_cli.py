"""The command-line reference page is written from the app: every command and option is on it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main

from maildns._cli import app

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import docs_cli


def commands(command: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, command
    if hasattr(command, "commands"):  # a group (typer vendors its own click)
        for name, sub in command.commands.items():
            yield from commands(sub, f"{path} {name}")


def test_every_command_and_option_is_in_the_reference() -> None:
    reference = docs_cli.reference()
    paths = list(commands(typer.main.get_command(app), "maildns"))
    assert len(paths) > 30  # onboard, three vendors' operations, sandbox, doctor
    for path, command in paths:
        section = reference.split(f"`{path}`\n", 1)
        assert len(section) == 2, f"no section for {path}"
        body = section[1].split("\n#", 1)[0]
        for param in command.params:
            if param.param_type_name == "option" and not param.hidden:
                assert f"`{param.opts[0]}" in body, f"{path}: {param.opts[0]} missing"


def test_the_page_holds_the_marker_the_hook_replaces() -> None:
    page = Path(__file__).resolve().parent.parent / "docs" / "reference" / "cli.md"
    assert docs_cli.MARKER in page.read_text()
    assert docs_cli.on_page_markdown(page.read_text(), None, None, None).count("`maildns") > 30
