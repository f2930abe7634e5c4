"""What a person sees: the real ``maildns`` binary in a real terminal (tmux, 80x40).

Each test starts a tmux server of its own (a private socket) running bash, exports what a user
would to point maildns at a sandbox (as ``conftest.point_env_at`` does), types a command and
reads the screen with ``capture-pane``: a table within 80 columns with its values whole, the
bulk apply's progress bar while it runs (and gone after it), a one-line error with status 1,
colours unless ``NO_COLOR`` is set, and bash completing commands with typer's completion.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from maildns.sandbox import Sandbox
from maildns.sandbox.__main__ import environment

from .test_bulk import bulk_config

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None,
    reason="needs tmux to drive a terminal (apt-get install tmux; .ci/run installs it)",
)

WIDTH, HEIGHT = 80, 40
BIN = Path(sys.executable).parent
MAILDNS = BIN / "maildns"
PROMPT = "$ "
EXIT = re.compile(r"^exit=(\d+)$", re.MULTILINE)  # what `echo exit=$?` prints
DEADLINE = 180.0  # generous: the machine may be busy, and each command starts a Python
BULK = 40
# rich's bar: "applying ━━━━━╺━━━  12/40 done 12  failed 0  pending 28  3.9/s 0:00:07"
BAR = re.compile(
    r"^applying [━╸╺ ]*?(\d+)/(\d+)\s+done (\d+)\s+failed (\d+)\s+pending (\d+)\s+[\d.]+/s\b",
    re.MULTILINE,
)
SUMMARY = re.compile(r"^(\d+) changes made, 0 failed \(40 of 40 domains done\)$", re.MULTILINE)


def shell_env(sb: Sandbox, state: Path) -> dict[str, str]:
    """``conftest.point_env_at`` for a shell: each vendor's base URL and credentials, the
    sandbox's nameservers; and a terminal of colours, a journal of its own, this maildns."""
    return exported_env(*environment(sb), state)


def exported_env(given: dict[str, str], unset: Iterable[str], state: Path) -> dict[str, str]:
    """A shell's environment after ``export`` of ``given`` and ``unset`` of ``unset`` (what
    ``maildns sandbox`` prints), in a terminal of colours, with a journal of its own."""
    dropped = {"NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "TMUX", "TMUX_PANE"}
    dropped |= {"MAILDNS_STATE", "MAILDNS_DEBUG", *unset}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env = {k: v for k, v in {**env, **given}.items() if k not in dropped}
    env["MAILDNS_STATE"] = str(state)
    env["TERM"] = "xterm-256color"
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def _prompt_is_back(screen: str) -> bool:
    lines = screen.splitlines()
    return len(lines) > 1 and lines[-1] == PROMPT.rstrip()


class Terminal:
    """A WIDTH x HEIGHT tmux pane running bash in ``home``, on a tmux server of its own."""

    def __init__(self, env: dict[str, str], home: Path) -> None:
        self.socket = f"maildns-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.env = env  # the server's, so the shell's: the first tmux call starts the server
        rc = home / "bashrc"  # bash takes its prompt from here, not from the environment
        rc.write_text(f"PS1='{PROMPT}'\nHISTFILE={os.devnull}\ncd '{home}'\n")
        self.shell = f"bash --noprofile --rcfile '{rc}' -i"
        self.socket_path: str | None = None

    def start(self) -> None:
        self.tmux("new-session", "-d", "-x", str(WIDTH), "-y", str(HEIGHT), "-s", "t", self.shell)
        self.socket_path = self.tmux("display-message", "-p", "#{socket_path}").strip()

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return result.stdout

    def screen(self, history: bool = False) -> str:
        """The pane as shown, without colours; wrapped lines joined (``-J``), so that a line
        wider than the terminal comes back as one line; the scrollback too with ``history``."""
        more = ["-S", "-"] if history else []
        text = self.tmux("capture-pane", "-p", "-J", "-t", "t", *more)
        return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")

    def wait_for(self, done: Callable[[str], bool], deadline: float = DEADLINE) -> list[str]:
        """Every screen seen, polled until ``done(screen)``; fails after ``deadline`` s."""
        frames: list[str] = []
        end = time.monotonic() + deadline
        while True:
            frames.append(self.screen())
            if done(frames[-1]):
                return frames
            if time.monotonic() > end:
                pytest.fail(f"gave up after {deadline:.0f} s; the screen:\n{frames[-1]}")
            time.sleep(0.05)

    def ready(self) -> None:
        self.wait_for(lambda screen: screen.endswith(PROMPT.rstrip()))

    def type(self, text: str, *keys: str) -> None:
        """Type ``text`` at the prompt, then press ``keys`` (tmux names: Enter, Tab, C-u)."""
        if text:
            self.tmux("send-keys", "-t", "t", "-l", text)
        for key in keys:
            self.tmux("send-keys", "-t", "t", key)

    def on_a_clear_screen(self, command: str) -> None:
        """Clear the screen and its scrollback, then type ``command`` and Enter."""
        self.ready()
        self.type("clear", "Enter")
        self.wait_for(lambda screen: screen == PROMPT.rstrip())
        self.tmux("clear-history", "-t", "t")
        self.type(command, "Enter")

    def run(self, command: str) -> tuple[int, list[str]]:
        """Type ``command; echo exit=$?`` on a clear screen (no scrollback); the shell's exit
        status and every screen seen."""
        typed = f"{command}; echo exit=$?"
        assert len(PROMPT + typed) <= WIDTH, "a command wider than the pane wraps: shorten it"
        self.on_a_clear_screen(typed)
        frames = self.wait_for(lambda screen: EXIT.search(screen) is not None)
        self.ready()
        match = EXIT.search(frames[-1])
        assert match is not None
        return int(match.group(1)), frames

    def show(self, command: str, done: Callable[[str], bool] | None = None) -> str:
        """Type ``command`` on a clear screen (no scrollback) and return what the terminal then
        shows, colours and all (``capture-pane -e``), once ``done(screen)``: by default once
        the prompt is back. The exit status is the caller's to ask for (``echo $?``)."""
        self.on_a_clear_screen(command)
        self.wait_for(done or _prompt_is_back)
        return self.tmux("capture-pane", "-p", "-e", "-S", "-", "-t", "t")

    def output(self, command: str) -> list[str]:
        """What ``command`` (run with ``run``) printed: the lines between it and ``exit=``."""
        lines = self.screen(history=True).splitlines()
        start = lines.index(f"{PROMPT}{command}; echo exit=$?")
        end = next(i for i in range(start + 1, len(lines)) if EXIT.match(lines[i]))
        return lines[start + 1 : end]

    def close(self) -> None:
        """Stop this server (and its shell); tmux leaves the socket file behind."""
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"], env=self.env, capture_output=True
        )
        if self.socket_path:
            Path(self.socket_path).unlink(missing_ok=True)


@contextmanager
def terminal_on(sb: Sandbox, home: Path) -> Iterator[Terminal]:
    terminal = Terminal(shell_env(sb, home / "state.sqlite3"), home)
    try:
        terminal.start()
        yield terminal
    finally:
        terminal.close()


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    with Sandbox() as sb, terminal_on(sb, tmp_path) as terminal:
        yield terminal


@pytest.fixture
def limited_terminal(tmp_path: Path) -> Iterator[Terminal]:
    """Tesouro at 10 requests/s: a bulk apply of 40 domains takes a few seconds."""
    with Sandbox(rate_limits={"tesouro": 10}) as sb, terminal_on(sb, tmp_path) as terminal:
        bulk_config(tmp_path / "bulk.yaml", sb, BULK)
        yield terminal


def table_rows(lines: list[str]) -> list[list[str]]:
    """A rich table's rows, as drawn: cells between ``│``; a line whose first cell is empty
    continues the row above it (a folded value), its pieces appended to the cells' text."""
    rows: list[list[list[str]]] = []
    for line in lines:
        if not (line.startswith("│") and line.endswith("│")):
            continue
        cells = [cell.strip() for cell in line[1:-1].split("│")]
        if rows and cells[0] == "":
            for pieces, cell in zip(rows[-1], cells, strict=True):
                pieces.append(cell)
        else:
            rows.append([[cell] for cell in cells])
    return [["".join(pieces) for pieces in row] for row in rows]


def test_the_shell_runs_this_maildns(terminal: Terminal) -> None:
    code, _ = terminal.run("command -v maildns")
    assert code == 0
    assert terminal.output("command -v maildns") == [str(MAILDNS)]


def test_a_sending_domain_fits_80_columns_with_its_records_whole(terminal: Terminal) -> None:
    made = subprocess.run(
        [str(MAILDNS), "tesouro", "domains", "create", "mail.example.com", "--json"],
        env=terminal.env,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=True,
    )
    domain = json.loads(made.stdout)
    dkim = next(r for r in domain["records"] if r["purpose"] == "DKIM")
    assert len(dkim["value"]) > WIDTH  # so that it must fold to fit

    command = "maildns tesouro domains get mail.example.com"
    code, _ = terminal.run(command)
    lines = terminal.output(command)
    assert code == 0, lines
    shown = "\n".join(lines)
    too_wide = [line for line in lines if len(line) > WIDTH]
    assert too_wide == [], shown
    # Two tables: the domain's fields under its name, then its records with a header; every
    # other line is a table's, between its borders.
    titles = [line.strip() for line in lines if not line.startswith(tuple("┌│└┏┃┡"))]
    assert titles == ["mail.example.com", "records"], shown
    assert lines[1].startswith("┌"), shown
    assert lines[-1].startswith("└"), shown
    assert lines[-1].endswith("┘"), shown
    header = next(line for line in lines if line.startswith("┃"))
    assert [cell.strip() for cell in header.split("┃")[1:-1]] == [
        "type",
        "name",
        "value",
        "purpose",
    ], shown

    rows = table_rows(lines)
    fields = {row[0]: row[1] for row in rows if len(row) == 2}
    assert fields == {"vendor": "tesouro", "id": domain["id"], "status": "pending"}, shown
    records = [row for row in rows if len(row) == 4]
    assert len(records) == len(domain["records"]), shown
    dkim_row = next(row for row in records if row[3] == "DKIM")
    # The name and the key may fold over lines, but nothing is cut: they read back whole.
    assert dkim_row[:2] == ["TXT", dkim["name"]], shown
    assert dkim_row[2] == dkim["value"].replace(" ", ""), shown


@pytest.mark.long
@pytest.mark.parametrize("target", ["config", "saved plan"])
def test_a_bulk_apply_shows_a_progress_bar_then_only_a_summary(
    limited_terminal: Terminal, target: str
) -> None:
    terminal = limited_terminal
    applied = "bulk.yaml"
    if target == "saved plan":  # not streamed: the whole plan is known before any change
        assert (
            terminal.run("maildns onboard plan bulk.yaml --out plan.json >/dev/null 2>&1")[0] == 2
        )
        applied = "plan.json"
    command = f"maildns onboard apply {applied} --yes --concurrency 4"
    code, frames = terminal.run(command)
    output = terminal.output(command)
    assert code == 0, output

    # While it ran, some screen showed the bar: counts that add up, and some not yet done.
    bars = [tuple(map(int, m.groups())) for frame in frames for m in BAR.finditer(frame)]
    assert bars, f"no progress bar in {len(frames)} screens; the last:\n{frames[-1]}"
    for finished, total, done, failed, pending in bars:
        assert total == BULK
        assert (failed, done + pending) == (0, BULK)
        assert finished == done
    assert any(0 < finished < BULK for finished, *_ in bars), bars
    bar_lines = [line for frame in frames for line in frame.splitlines() if BAR.match(line)]
    assert all(len(line) <= WIDTH for line in bar_lines), bar_lines

    # At the end: the summary alone (more than 50 changes: no table); the bar is gone.
    (line,) = output
    summary = SUMMARY.match(line)
    assert summary is not None, output
    assert int(summary.group(1)) == BULK * 7  # zone, sending domain, SPF, DKIM, two MX, DMARC
    screen = terminal.screen(history=True)
    for trace in ("applying", "pending", "━"):
        assert trace not in screen, screen


def test_an_error_is_one_line_and_exit_status_1(terminal: Terminal) -> None:
    command = "maildns tesouro domains get mail.nowhere.example"
    code, _ = terminal.run(command)
    output = terminal.output(command)
    assert code == 1, output
    (line,) = output
    assert line.startswith("error: tesouro get_sending_domain: 404 "), line
    assert "mail.nowhere.example" in line
    assert len(line) <= WIDTH, line
    assert "Traceback" not in terminal.screen(history=True)


# An SGR sequence that sets a colour (not 39/49, the defaults tmux writes after a style).
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-7]|4[0-7]|9[0-7]|10[0-7]|[34]8;[25])[;m]")


@pytest.mark.long
def test_colours_on_a_terminal_and_none_with_no_color(terminal: Terminal) -> None:
    coloured = terminal.show("maildns doctor")
    assert COLOUR.search(coloured), coloured  # "ok" is green
    plain = terminal.show("NO_COLOR=1 maildns doctor")
    assert "all 11 checks passed" in re.sub(r"\x1b\[[0-9;]*m", "", plain), plain  # bold stays
    assert COLOUR.search(plain) is None, repr(plain)


def test_shell_completion_completes_commands_and_subcommands(terminal: Terminal) -> None:
    code, _ = terminal.run('eval "$(maildns --show-completion bash)"')
    assert code == 0
    terminal.ready()
    terminal.type("maildns onb", "Tab")
    terminal.wait_for(lambda screen: screen.splitlines()[-1] == f"{PROMPT}maildns onboard")
    terminal.type("ap", "Tab")
    terminal.wait_for(lambda screen: screen.splitlines()[-1] == f"{PROMPT}maildns onboard apply")
    terminal.type("", "C-u")  # leave the line empty for the next command
