"""The README's sandbox examples run as pasted and print what the README says."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from maildns.sandbox import Sandbox

from .specs import ROOT

README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, flags=re.S)


def _section(title: str) -> list[tuple[str, str]]:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    text = README[start : end if end != -1 else None]
    return re.findall(r"```(\w+)\n(.*?)```", text, flags=re.S)


def test_readme_starts_with_the_two_setup_commands() -> None:
    _lang, first = BLOCKS[0]
    commands = [line.split("#")[0].strip() for line in first.splitlines() if line.strip()]
    assert commands == ["make", "make test"]


@pytest.mark.parametrize("title", ["Quickstart", "The sandbox"])
def test_example_runs_and_prints_what_the_readme_says(title: str) -> None:
    blocks = _section(title)
    (code, expected) = (blocks[0][1], blocks[1][1])
    assert blocks[0][0] == "python"
    assert blocks[1][0] == "text"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == expected


def test_fault_injection_example_runs() -> None:
    code = next(code for _lang, code in _section("The sandbox") if "inject_fault" in code)
    with Sandbox() as sb:
        exec(compile(code, "README.md", "exec"), {"sb": sb})  # noqa: S102 - our own README
        assert sb.pending_faults() == []  # the example ends with clear_faults()


def test_the_onboarding_example_runs_with_the_exit_codes_it_says(
    sandbox_env: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The configuration and commands of "Onboard a sending domain", against the sandbox."""
    from typer.testing import CliRunner

    from maildns._cli import app

    (_, config), (_, commands) = _section("Onboard a sending domain")[:2]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "onboard.yaml").write_text(config)
    ran = 0
    for line in commands.splitlines():
        command, _, comment = line.partition("#")
        words = command.split()
        if not words:
            continue
        assert words[0] == "maildns"
        expected = int(re.search(r"exit (\d)", comment).group(1))  # type: ignore[union-attr]
        result = CliRunner().invoke(app, words[1:])
        assert result.exit_code == expected, (line, result.stderr)
        ran += 1
    assert ran == 6


def test_the_command_line_section_names_real_commands_and_options() -> None:
    import typer.main
    from typer.testing import CliRunner

    from maildns._cli import app

    ((lang, block),) = _section("The command line")
    assert lang == "sh"
    lines = [shlex.split(line.split("  #")[0]) for line in block.splitlines() if line.strip()]
    assert len(lines) >= 6
    for words in lines:
        if words == [".", "./sandbox.env"]:  # loading what `maildns sandbox --env-file` wrote
            continue
        assert words[0] == "maildns"
        command, node = [], typer.main.get_command(app)
        for word in words[1:]:  # the subcommands, as far as the app has them
            found = getattr(node, "commands", {}).get(word)
            if found is None:
                break
            command.append(word)
            node = found
        assert command, f"not a command: {words}"
        assert not hasattr(node, "commands"), f"not a command: {words}"
        result = CliRunner().invoke(app, [*command, "--help"])
        assert result.exit_code == 0, (words, result.output)
        for option in (w for w in words if w.startswith("--")):
            assert option in result.output, (words, option)
