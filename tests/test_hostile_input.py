"""Hostile configurations and saved plans: each is one line on stderr naming the file and the
problem (a bounded list for many problems), exit 1, no traceback, nothing sent to a vendor, and
within a memory bound, through the installed ``maildns`` command.

The address space of each run is limited (``RLIMIT_AS``): an alias bomb or ``/dev/zero`` read
whole would run out of it and end in a ``MemoryError`` line, which names no problem. The
subprocess timeout is a safety net for inputs that would wait forever (a FIFO), never a
measure of speed.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from maildns.sandbox import Sandbox
from maildns.sandbox.__main__ import environment

from .conftest import write_onboard_config

MAILDNS = str(Path(sys.executable).parent / "maildns")
ADDRESS_SPACE = 1536 * 1024 * 1024  # the CLI needs a few hundred MiB of it to start
SAFETY_NET = 120  # seconds; a FIFO read would wait forever, a bomb would churn for minutes
SHOWN_PROBLEMS = 20  # the first problems a long list shows, then "... and N more"


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """A sandbox of this module's own, which the commands are pointed at: the shared one may
    still hear from another test's clients, and what it counts here is what these sent."""
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def sandbox_env(sandbox: Sandbox) -> Sandbox:
    """The sandbox, its counts zeroed; the commands' environment points at it."""
    sandbox.stats(reset=True)
    return sandbox


def maildns(*args: str, cwd: Path, sb: Sandbox) -> tuple[int, str, str]:
    given, unset = environment(sb)
    env = {k: v for k, v in os.environ.items() if k not in unset and k != "MAILDNS_STATE"}
    done = subprocess.run(
        [MAILDNS, *args],
        capture_output=True,
        text=True,
        errors="replace",
        env={**env, **given, "COLUMNS": "200"},
        cwd=cwd,
        timeout=SAFETY_NET,
        preexec_fn=_bounded,
    )
    return done.returncode, done.stdout, done.stderr


def nothing_sent(sb: Sandbox) -> None:
    assert {vendor: seen["requests"] for vendor, seen in sb.stats().items()} == dict.fromkeys(
        sb.stats(), 0
    )


def one_line(stderr: str) -> str:
    """The one error line, its ``error: `` taken off."""
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr[:2000]
    assert lines[0].startswith("error: "), lines
    return lines[0].removeprefix("error: ")


# --------------------------------------------------------------------------- configurations


def laughs(depth: int) -> str:
    """A "billion laughs": each alias level nine times the one before (``depth`` levels)."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, depth + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def sparse(start: str, size: int) -> Callable[[Path], None]:
    """Writes a file of ``size`` bytes beginning with ``start`` (a hole, taking no disk)."""

    def make(path: Path) -> None:
        path.write_text(start)
        os.truncate(path, size)

    return make


def block_mapping(depth: int) -> str:
    return "".join(" " * i + "a:\n" for i in range(depth))


BAD_CONFIGS: dict[str, tuple[Callable[[Path], None], str]] = {
    # name: (how to make it at the path, what its one line says after the file's name)
    "billion laughs (9 deep)": (
        lambda p: p.write_text(laughs(9)),
        ": aliases expand it to 4,412,961,516 values, over the",
    ),
    "9^7 alias expansion": (
        lambda p: p.write_text(laughs(7)),
        ": aliases expand it to 54,481,013 values, over the",
    ),
    "[ nested 100,000 deep": (lambda p: p.write_text("[" * 100_000), ":1: nests more than 64 deep"),
    "[ nested 20,000 deep": (lambda p: p.write_text("[" * 20_000), ":1: nests more than 64 deep"),
    "{a: nested 20,000 deep": (
        lambda p: p.write_text("{a: " * 20_000),
        ":1: nests more than 64 deep",
    ),
    "{a: nested 50,000 deep in a key": (
        lambda p: p.write_text("version: 1\nx: " + "{a: " * 50_000),
        ":2: nests more than 64 deep",
    ),
    "block mapping 3,000 deep": (
        lambda p: p.write_text(block_mapping(3000)),
        ":65: nests more than 64 deep",
    ),
    "a FIFO": (lambda p: os.mkfifo(p), ": is a FIFO (named pipe), not a regular file"),
    "a directory": (lambda p: p.mkdir(), ": is a directory, not a regular file"),
    "random bytes": (
        lambda p: p.write_bytes(b"version: 1\n\xff\xfe\x00\x81" + os.urandom(4000)),
        ":2: is not UTF-8 text (byte 11: 0xff)",
    ),
    "latin-1": (
        lambda p: p.write_bytes("version: 1\nname: café\n".encode("latin-1")),
        ":2: is not UTF-8 text (byte 20: 0xe9)",
    ),
    "UTF-16": (
        lambda p: p.write_bytes("version: 1\n".encode("utf-16")),
        ": is UTF-16 text, not UTF-8: save it as UTF-8",
    ),
    "NUL bytes": (
        lambda p: p.write_text("version: 1\nname: a\x00b\n"),
        ":2: invalid YAML: #x0000 is not allowed (special characters are not allowed)",
    ),
    "larger than 16 MiB": (
        sparse("version: 1\n", 17 * 1024 * 1024),
        ": is larger than 16 MiB, the most a configuration may be",
    ),
}


@pytest.mark.parametrize("command", ["plan", "apply"])
@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_a_hostile_configuration_is_one_line(
    case: str, command: str, sandbox_env: Sandbox, tmp_path: Path
) -> None:
    make, said = BAD_CONFIGS[case]
    path = tmp_path / "onboard.yaml"
    make(path)
    extra = ["--yes"] if command == "apply" else []
    code, stdout, stderr = maildns(
        "onboard", command, str(path), *extra, cwd=tmp_path, sb=sandbox_env
    )
    assert (code, stdout) == (1, "")
    if command == "apply" and case.startswith("{a:") and "key" not in case:
        # It begins like JSON, so apply reads it as a saved plan: one line all the same.
        assert one_line(stderr).startswith(f"{path}: not a saved plan: ")
    else:
        assert one_line(stderr).startswith(f"{path}{said}")
    nothing_sent(sandbox_env)


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_dev_zero_is_refused_before_it_is_read(command: str, sandbox_env: Sandbox) -> None:
    extra = ["--yes"] if command == "apply" else []
    code, stdout, stderr = maildns(
        "onboard", command, "/dev/zero", *extra, cwd=Path("/"), sb=sandbox_env
    )
    assert (code, stdout) == (1, "")
    assert one_line(stderr) == "/dev/zero: is a character device, not a regular file"
    nothing_sent(sandbox_env)


def test_ten_thousand_duplicate_keys_show_the_first_problems(
    sandbox_env: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "onboard.yaml"
    write_onboard_config(path, sandbox_env, "    tesouro: {}\n")
    path.write_text(path.read_text() + "".join(f"domains: [{i}]\n" for i in range(10_000)))
    code, stdout, stderr = maildns("onboard", "plan", str(path), cwd=tmp_path, sb=sandbox_env)
    assert (code, stdout) == (1, "")
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert lines[0] == f"error: 10000 problems in {path}:"
    assert lines[1] == f"error: {path}:9: domains: duplicate key (first at line 6)"
    assert len(lines) == 1 + SHOWN_PROBLEMS + 1
    assert lines[-1] == f"error: ... and {10_000 - SHOWN_PROBLEMS} more"
    nothing_sent(sandbox_env)


def test_ten_thousand_duplicate_domains_show_the_first_problems(
    sandbox_env: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "onboard.yaml"
    again = "  - domain: mail.example.com\n    tesouro: {}\n"
    write_onboard_config(path, sandbox_env, "    tesouro: {}\n" + again * 10_000)
    code, stdout, stderr = maildns(
        "onboard", "apply", str(path), "--yes", cwd=tmp_path, sb=sandbox_env
    )
    assert (code, stdout) == (1, "")
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert lines[0] == f"error: 10000 problems in {path}:"
    first = "domains[1].domain: duplicate domain mail.example.com (first at domains[0], line 7)"
    assert lines[1] == f"error: {path}:9: {first}"
    assert len(lines) == 1 + SHOWN_PROBLEMS + 1
    assert lines[-1] == f"error: ... and {10_000 - SHOWN_PROBLEMS} more"
    nothing_sent(sandbox_env)


# --------------------------------------------------------------------------- saved plans


def plan_document(changes: object) -> str:
    domain = {"domain": "mail.example.com", "zone": "example.com", "changes": changes}
    return json.dumps(
        {"format_version": "1", "checksum": "0" * 64, "domains": [domain], "config": "x.yaml"}
    )


BAD_PLANS: dict[str, tuple[Callable[[Path], None], str]] = {
    "a change that is a number": (
        lambda p: p.write_text(plan_document([1])),
        ": not a saved plan: domains[0].changes[0]: must be an object, got 1",
    ),
    "a change that is a list": (
        lambda p: p.write_text(plan_document([["create", "zone"]])),
        ": not a saved plan: domains[0].changes[0]: must be an object, got a list",
    ),
    "changes that are not a list": (
        lambda p: p.write_text(plan_document("create")),
        ": not a saved plan: domains[0].changes: must be a list, got str 'create'",
    ),
    "a change of the wrong shape": (
        lambda p: p.write_text(
            plan_document([{"action": "create", "kind": "zone", "vendor": 3, "domain": "a"}])
        ),
        ": not a saved plan: domains[0].changes[0].vendor: must be a string, got 3",
    ),
    "JSON nested 100,000 deep": (
        lambda p: p.write_text('{"domains": ' + "[" * 100_000),
        ": not a saved plan: nested too deeply to be one",
    ),
    "not UTF-8": (
        lambda p: p.write_bytes(plan_document([]).encode().replace(b"x.yaml", b"caf\xe9")),
        ":1: not a saved plan: it is not UTF-8 text (byte ",
    ),
    "larger than 256 MiB": (
        sparse("{", 257 * 1024 * 1024),
        ": is larger than 256 MiB, the most a saved plan may be",
    ),
}


@pytest.mark.parametrize("case", BAD_PLANS)
def test_a_hostile_saved_plan_is_one_line(case: str, sandbox_env: Sandbox, tmp_path: Path) -> None:
    make, said = BAD_PLANS[case]
    path = tmp_path / "plan.json"
    make(path)
    code, stdout, stderr = maildns(
        "onboard", "apply", str(path), "--yes", cwd=tmp_path, sb=sandbox_env
    )
    assert (code, stdout) == (1, "")
    assert one_line(stderr).startswith(f"{path}{said}")
    nothing_sent(sandbox_env)
