"""The "first five minutes" page (docs/guide/first-five-minutes.md): its pictures are what a
terminal shows.

The page is a session in order. Its ```sh blocks are one command each, every one followed by a
picture, ``docs/assets/terminal/<name>.svg``; a ```yaml block whose first line is ``# <file>``
is written as shown. The test types each command into a real terminal (tmux, 80x40, bash), reads
the screen with its colours (``capture-pane -e``) and draws it as rich draws a terminal
(``Console.export_svg``); the drawing must be the picture, byte for byte.

The first command, ``maildns sandbox --env-file sandbox.env``, runs in a terminal of its own and
keeps serving; the rest is typed in a second terminal, which loads the file it wrote with the
page's ``. ./sandbox.env`` (an sh block without a picture: typed, its status checked, not
drawn). The sandbox listens on 8765 and its nameservers on the two ports after it when they
are free (else on the first three free ports after 8765; ``--port`` is added to what is
typed): the pictures show the page's ports, and the command as the page writes it.

``MAILDNS_DOCS_UPDATE=1`` redraws the pictures from what the commands show now (every command
must still exit 0): look at them, then commit.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import CONSOLE_SVG_FORMAT, Console
from rich.text import Text

from .specs import ROOT
from .test_terminal import EXIT, PROMPT, WIDTH, Terminal, exported_env

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None,
    reason="needs tmux to drive a terminal (apt-get install tmux; .ci/run installs it)",
)

PAGE = ROOT / "docs" / "guide" / "first-five-minutes.md"
PICTURES = ROOT / "docs" / "assets" / "terminal"
PAGE_PORT = 8765
PAGE_NAMESERVERS = ("127.0.0.1:8766", "127.0.0.1:8767")
SOURCE = ". ./sandbox.env"
"""The one command the page types without a picture: loading what the sandbox wrote."""
UPDATE = os.environ.get("MAILDNS_DOCS_UPDATE") == "1"
SERVING = "Press Ctrl+C to stop."
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# rich's template, without its web font: a picture on the site loads nothing from elsewhere
# (the font is still used when installed; otherwise the browser's monospace).
# And with its size: a page shows it as wide as it is drawn, or narrower, never a thumbnail.
SVG_FORMAT = re.sub(
    r',\s*url\("https?://[^"]*"\) format\("[^"]*"\)', "", CONSOLE_SVG_FORMAT
).replace(
    'viewBox="0 0 {width} {height}"',
    'width="{width}" height="{height}" viewBox="0 0 {width} {height}"',
)


# --- the page -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    command: str | None  # None: a file to write
    picture: str | None = None
    path: str | None = None
    body: str | None = None


_BLOCK = re.compile(
    r"```(?P<lang>sh|yaml)\n(?P<body>.*?)```"
    r"(?:\s*!\[[^\]]+\]\(\.\./assets/terminal/(?P<picture>[\w-]+)\.svg\))?",
    re.S,
)


def steps() -> list[Step]:
    found = []
    for m in _BLOCK.finditer(PAGE.read_text(encoding="utf-8")):
        if m["lang"] == "yaml":
            first, _, rest = m["body"].partition("\n")
            assert first.startswith("# "), f"a yaml block without its file name: {first!r}"
            found.append(Step(None, path=first[2:].strip(), body=rest))
            continue
        lines = m["body"].strip().splitlines()
        assert len(lines) == 1, f"one command per sh block, not {lines}"
        assert m["picture"] or lines[0] == SOURCE, f"{lines[0]!r} has no picture after it"
        found.append(Step(lines[0], picture=m["picture"]))
    return found


def test_the_page_is_a_session_with_a_picture_per_command() -> None:
    found = steps()
    commands = [s.command for s in found if s.command and s.picture]
    assert commands[0] == "maildns sandbox --env-file sandbox.env"
    assert [s.command for s in found if s.picture is None and s.command] == [SOURCE]
    assert {"maildns doctor", "maildns onboard apply onboard.yaml --yes"} <= set(commands)
    pictures = [s.picture for s in found if s.picture]
    assert len(set(pictures)) == len(pictures) == len(commands)
    drawn = {p.stem for p in PICTURES.glob("*.svg")}
    assert drawn == set(pictures), "a picture the page does not show, or one it lacks"


# --- drawing --------------------------------------------------------------------------------------
def draw(screen: str, title: str, name: str) -> str:
    """``screen`` (text with SGR colours, as tmux gives it) drawn as rich draws a terminal."""
    console = Console(
        record=True,
        width=WIDTH,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
    )
    for line in screen.rstrip("\n").split("\n"):
        console.print(Text.from_ansi(line), no_wrap=True, crop=True, soft_wrap=False)
    return console.export_svg(title=title, code_format=SVG_FORMAT, unique_id=f"maildns-{name}")


def test_a_drawing_holds_the_text_and_its_colours_and_nothing_from_elsewhere() -> None:
    svg = draw("$ maildns doctor\n\x1b[32mok\x1b[0m    all <checks>", "maildns doctor", "doctor")
    assert ">$&#160;maildns&#160;doctor</text>" in svg
    assert ">&#160;&#160;&#160;&#160;all&#160;&lt;checks&gt;</text>" in svg
    green = re.search(r'class="(maildns-doctor-r\d+)"[^>]*>ok</text>', svg)
    assert green is not None, svg
    fills = dict(re.findall(r"\.(maildns-doctor-r\d+) \{ fill: (#[0-9a-f]{6})", svg))
    plain = re.search(r'class="(maildns-doctor-r\d+)"[^>]*>\$&#160;', svg)
    assert plain is not None, svg
    assert fills[green[1]] != fills[plain[1]], fills  # ok has a colour of its own
    assert "https://" not in svg.replace("https://www.textualize.io", "")


# --- the session ----------------------------------------------------------------------------------
@contextmanager
def _page_port() -> Iterator[int]:
    """8765 (the page's) when it and the two after it (the nameservers') are free, else one
    near it: the same width on the screen.

    Each of the three ports is held for the session under a lock file of its own, so that no
    other test process (another xdist worker, another checkout's suite) picks one of them
    between this check and the sandbox's bind: a session on 8765 holds 8766 and 8767 too, which
    another session starting from 8766 would otherwise have found free until they were bound."""
    for port in range(PAGE_PORT, PAGE_PORT + 100):
        with contextlib.ExitStack() as held:
            if not all(_lock(p, held) for p in range(port, port + 3)):
                continue  # another test process holds one of them
            if not all(_free(p) for p in range(port, port + 3)):
                continue
            yield port  # the locks go with the files' closing
            return
    pytest.fail(f"no free port from {PAGE_PORT} to {PAGE_PORT + 99}")


def _lock(port: int, held: contextlib.ExitStack) -> bool:
    """Whether this process now holds ``port``'s lock file (kept open in ``held``)."""
    lock = held.enter_context(
        (Path(tempfile.gettempdir()) / f"maildns-test-port-{port}.lock").open("a")
    )
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _free(port: int) -> bool:
    """Whether ``port`` is free for TCP and UDP on loopback."""
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def _exports(screen: str) -> tuple[dict[str, str], list[str]]:
    given: dict[str, str] = {}
    unset: list[str] = []
    for line in screen.splitlines():
        words = shlex.split(line.strip()) if line.strip().startswith(("export ", "unset ")) else []
        if words[:1] == ["export"]:
            name, _, value = words[1].partition("=")
            given[name] = value
        elif words[:1] == ["unset"]:
            unset += words[1:]
    return given, unset


def _status(terminal: Terminal) -> int:
    """The exit status of the command typed last (``echo exit=$?`` after it)."""
    terminal.type("echo exit=$?", "Enter")
    frames = terminal.wait_for(lambda screen: EXIT.search(screen) is not None)
    match = EXIT.search(frames[-1])
    assert match is not None
    return int(match.group(1))


def session(home: Path) -> dict[str, tuple[str, str]]:
    """Each picture's name: the page's command and what the terminal showed after it, with
    the page's addresses for the sandbox's."""
    first, *rest = steps()
    assert first.command == "maildns sandbox --env-file sandbox.env"
    assert first.picture is not None
    with _page_port() as port:
        return _session(home, first, rest, port)


def _session(home: Path, first: Step, rest: list[Step], port: int) -> dict[str, tuple[str, str]]:
    assert first.command is not None
    assert first.picture is not None
    typed = f"{first.command} --port {port}"
    serving = Terminal(exported_env({}, (), home / "unused.sqlite3"), home)
    terminal: Terminal | None = None
    try:
        serving.start()
        screen = serving.show(typed, done=lambda screen: SERVING in screen)
        screen = screen.replace(f"{PROMPT}{typed}", f"{PROMPT}{first.command}")
        given, unset = _exports(serving.screen(history=True))
        assert given["TESOURO_BASE_URL"] == f"http://127.0.0.1:{port}/tesouro", given
        real = [f"127.0.0.1:{port}", *given["MAILDNS_NAMESERVERS"].split(",")]
        page = [f"127.0.0.1:{PAGE_PORT}", *PAGE_NAMESERVERS]
        assert len(real) == len(page), real

        def as_on_the_page(screen: str) -> str:
            for address, shown in zip(real, page, strict=True):
                screen = screen.replace(address, shown)
            return screen

        shown = {first.picture: (first.command, as_on_the_page(screen))}
        # Nothing of the sandbox's in the working terminal until the page's line loads it.
        terminal = Terminal(exported_env({}, [*given, *unset], home / "state.sqlite3"), home)
        terminal.start()
        for step in rest:
            if step.command is None:
                assert step.path is not None
                (home / step.path).write_text(step.body or "", encoding="utf-8")
                continue
            if step.picture is None:  # typed, not drawn
                code, frames = terminal.run(step.command)
                assert code == 0, frames[-1]
                continue
            screen = terminal.show(step.command)
            assert _status(terminal) == 0, _ANSI.sub("", screen)
            shown[step.picture] = (step.command, as_on_the_page(screen))
        return shown
    finally:
        if terminal is not None:
            terminal.close()
        serving.close()


@pytest.mark.long
def test_each_command_shows_its_picture(tmp_path: Path) -> None:
    stale = []
    for name, (command, screen) in session(tmp_path).items():
        svg = draw(_strip_prompt(screen), command, name)
        path = PICTURES / f"{name}.svg"
        if UPDATE:
            PICTURES.mkdir(parents=True, exist_ok=True)
            path.write_text(svg, encoding="utf-8")
        elif not path.exists() or path.read_text(encoding="utf-8") != svg:
            stale.append(f"{name}.svg, now:\n{_ANSI.sub('', screen)}")
    assert stale == [], (
        "a picture is not what its command shows now (MAILDNS_DOCS_UPDATE=1 redraws them):\n"
        + "\n".join(stale)
    )


def _strip_prompt(screen: str) -> str:
    """The screen without the prompt the shell printed after the command (nor blank rows)."""
    lines = screen.rstrip("\n").split("\n")
    while lines and _ANSI.sub("", lines[-1]).strip() in ("", PROMPT.strip()):
        lines.pop()
    return "\n".join(lines)


def test_a_second_session_takes_none_of_the_ports_of_the_first() -> None:
    # Another test process (another checkout's suite beside this one) asks while this one holds
    # its ports but has not bound them yet: it must not be given the nameservers' ports.
    ask = "from tests.test_docs_terminal import _page_port\nwith _page_port() as p: print(p)"
    with _page_port() as first:
        done = subprocess.run(
            [sys.executable, "-c", ask],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,  # a hang bound only
            check=True,
        )
    second = int(done.stdout)
    assert not set(range(first, first + 3)) & set(range(second, second + 3)), (first, second)
