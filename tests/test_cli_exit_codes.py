"""Exit codes never collide: a usage error exits 64 (EX_USAGE) on every command of the real
command tree, so that ``plan; [ $? -eq 2 ] && apply --yes`` never takes a typo for changes, while
``plan`` with changes still exits 2. Through typer's ``CliRunner`` and once for real."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from maildns._cli import app
from maildns.sandbox import Sandbox

from .conftest import write_onboard_config

EX_USAGE = 64  # sysexits.h: the number scripts test, so not imported from the code under test
CHANGES = 2


def _tree(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group under ``command`` (itself first), with its words."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _tree(sub, (*path, name))


ROOT = typer.main.get_command(app)
NODES = dict(_tree(ROOT))
GROUPS = [path for path, command in NODES.items() if hasattr(command, "commands")]
LEAVES = [path for path, command in NODES.items() if not hasattr(command, "commands")]


def _words(path: tuple[str, ...]) -> str:
    return " ".join(path) or "maildns"


def _id(value: tuple[str, ...] | str) -> str:
    return _words(value) if isinstance(value, tuple) else value


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback, not an exit
    return result.exit_code, result.stdout, result.stderr


def usage_error(*args: str) -> str:
    """The message of the usage error ``args`` makes: exit 64, nothing on stdout, typer's
    message on stderr (its box folded to the width: the words, on one line)."""
    code, stdout, stderr = run(*args)
    assert code == EX_USAGE, (args, code, stdout, stderr)
    assert stdout == ""
    assert "Traceback" not in stderr
    assert stderr.startswith("Usage: "), stderr
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", stderr).split())


def test_the_tree_is_the_whole_command() -> None:
    # A guard for the walks below: they see the nested groups and their commands.
    assert {("onboard", "plan"), ("onboard", "verify"), ("sandbox",), ("doctor",)} <= set(LEAVES)
    assert {(), ("onboard",), ("tesouro", "domains"), ("telecomx", "records")} <= set(GROUPS)
    assert ("ciirus", "subaccount", "update") in LEAVES
    assert len(LEAVES) >= 25


@pytest.mark.parametrize("path", LEAVES, ids=_words)
def test_an_unknown_option_is_a_usage_error_on_every_command(path: tuple[str, ...]) -> None:
    assert "No such option: --no-such-option" in usage_error(*path, "--no-such-option")


@pytest.mark.parametrize("path", GROUPS, ids=_words)
def test_an_unknown_option_is_a_usage_error_on_every_group(path: tuple[str, ...]) -> None:
    assert "No such option: --no-such-option" in usage_error(*path, "--no-such-option")


@pytest.mark.parametrize("path", GROUPS, ids=_words)
def test_an_unknown_command_is_a_usage_error_in_every_group(path: tuple[str, ...]) -> None:
    assert "No such command 'no-such-command'" in usage_error(*path, "no-such-command")


TAKING_ARGUMENTS = [
    path
    for path in LEAVES
    if any(p.param_type_name == "argument" and p.required for p in NODES[path].params)
]


@pytest.mark.parametrize("path", TAKING_ARGUMENTS, ids=_words)
def test_a_missing_argument_is_a_usage_error(path: tuple[str, ...]) -> None:
    assert "Missing argument" in usage_error(*path)


def _is(option: Any, *types: str) -> bool:
    """Whether ``option`` is an option of one of click's param ``types`` (by name: typer 0.2x
    has its own copy of click's classes), a range or typer's subclass too."""
    classes = {c.__name__ for c in type(option.type).__mro__}
    return option.param_type_name == "option" and not classes.isdisjoint(types)


NUMBERS = [
    (path, option.opts[0])
    for path in LEAVES
    for option in NODES[path].params
    if _is(option, "IntParamType", "FloatParamType")
]
CHOICES = [
    (path, option.opts[0])
    for path in LEAVES
    for option in NODES[path].params
    if _is(option, "Choice", "TyperChoice")
]


@pytest.mark.parametrize(("path", "option"), NUMBERS, ids=_id)
def test_a_number_that_is_not_one_is_a_usage_error(path: tuple[str, ...], option: str) -> None:
    # The option first: click checks the values given before the missing ones.
    assert f"Invalid value for '{option}'" in usage_error(*path, option, "many")


@pytest.mark.parametrize(("path", "option"), CHOICES, ids=_id)
def test_a_bad_choice_is_a_usage_error(path: tuple[str, ...], option: str) -> None:
    assert f"Invalid value for '{option}'" in usage_error(*path, option, "NO-SUCH-CHOICE")


def test_the_walks_saw_numbers_and_choices() -> None:
    assert (("onboard", "apply"), "--concurrency") in NUMBERS
    assert (("doctor",), "--timeout") in NUMBERS
    assert (("sandbox",), "--seed") in NUMBERS
    assert (("telecomx", "zones", "update"), "--ttl") in NUMBERS
    assert (("ciirus", "subaccount", "create"), "--daily-send-limit") in NUMBERS
    assert (("telecomx", "records", "add"), "--type") in CHOICES
    assert ("telecomx", "zones", "create") in TAKING_ARGUMENTS
    assert ("tesouro", "domains", "list") not in TAKING_ARGUMENTS


@pytest.mark.parametrize("command", ["plan", "apply", "verify", "status"])
def test_concurrency_out_of_range_is_a_usage_error(command: str) -> None:
    message = usage_error("onboard", command, "onboard.yaml", "--concurrency", "0")
    assert "Invalid value for '--concurrency': 0 is not in the range 1<=x<=256" in message


def test_a_bad_duration_is_a_usage_error() -> None:
    # typer.BadParameter raised in the command's body, after its arguments were parsed.
    message = usage_error("onboard", "verify", "onboard.yaml", "--wait", "5x")
    assert "'5x' is not a duration such as 90, 30s, 10m or 2h" in message


def test_a_bad_sandbox_argument_is_a_usage_error() -> None:
    # A parser's BadParameter (the sandbox's own checks): never serves.
    assert "--port" in usage_error("sandbox", "--port", "65536")


def test_no_command_shows_the_help_as_a_usage_error() -> None:
    for path in GROUPS:
        code, stdout, _ = run(*path)
        assert code == EX_USAGE, path
        assert "Usage: " in stdout


@pytest.mark.parametrize("path", [*GROUPS, *LEAVES], ids=_words)
def test_help_still_exits_0(path: tuple[str, ...]) -> None:
    code, stdout, stderr = run(*path, "--help")
    assert code == 0, stderr
    assert "Usage: " in stdout


def test_the_code_is_named_and_nothing_global_changes() -> None:
    from maildns._cli import _USAGE_ERROR
    from maildns._cli._common import USAGE

    assert USAGE == EX_USAGE
    assert _USAGE_ERROR.__name__ == "UsageError"
    assert issubclass(typer.BadParameter, _USAGE_ERROR)
    usage_error("--no-such-option")
    # Only the raised error's code is set: click's class (typer's copy of it) still says 2.
    assert _USAGE_ERROR.exit_code == 2  # type: ignore[attr-defined]
    assert typer.BadParameter.exit_code == 2


@pytest.mark.usefixtures("no_backoff")
def test_a_typo_is_not_a_plan_with_changes(sandbox_env: Sandbox, tmp_path: Path) -> None:
    config = str(write_onboard_config(tmp_path / "onboard.yaml", sandbox_env, "    tesouro: {}\n"))
    assert run("onboard", "plan", config)[0] == CHANGES  # changes to make
    message = usage_error("onboard", "plan", config, "--concurency", "4")
    assert "No such option: --concurency (Possible options: --concurrency)" in message
    assert run("onboard", "plan", config, "--concurrency", "4")[0] == CHANGES


def test_the_installed_command_exits_64_on_a_typo(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "maildns"),
            *("onboard", "plan", "x.yaml", "--concurency", "4"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == EX_USAGE, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert "No such option: --concurency (Possible options: --concurrency)" in done.stderr
