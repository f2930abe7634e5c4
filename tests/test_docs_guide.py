"""The guide's Python examples (docs/guide/*.md) run as written against the sandbox.

Every ```python block of the guide is a whole program: it is run as it stands, and when the
block is followed by "This prints:" and a ```text block, its output must be exactly that. A
block preceded by ``<!-- not run: <reason> -->`` (code that needs real vendor credentials) is
only compiled.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from maildns.vendors import VENDORS

from . import dnsservers
from .specs import ROOT

GUIDE = ROOT / "docs" / "guide"
_BLOCK = re.compile(
    r"(?P<marker><!-- not run: [^>]*-->\s*)?```python\n(?P<code>.*?)```"
    r"(?:\s*This prints:\s*```text\n(?P<out>.*?)```)?",
    re.S,
)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    code: str
    expected: str | None
    run: bool

    @property
    def name(self) -> str:
        return f"{self.page.name}:{self.line}"


def _blocks() -> list[Block]:
    blocks = []
    for page in sorted(GUIDE.glob("*.md")):
        text = page.read_text()
        for m in _BLOCK.finditer(text):
            line = text.count("\n", 0, m.start("code"))
            blocks.append(Block(page, line, m["code"], m["out"], run=not m["marker"]))
    return blocks


BLOCKS = _blocks()


def test_the_guide_has_examples_with_their_output() -> None:
    pages = {b.page.name for b in BLOCKS if b.run}
    assert {"quickstart.md", "sending-domains.md", "zones-and-records.md"} <= pages
    assert {"errors-and-retries.md", "configuration.md", "sandbox.md", "rfc2136.md"} <= pages
    assert any(b.expected for b in BLOCKS if b.page.name == "quickstart.md")


@pytest.fixture(scope="module")
def own_dns_server() -> Iterator[dnsservers.DnsServer]:
    """The server the RFC 2136 page's examples update: BIND serving example.com."""
    yield from dnsservers.serving("bind", ("example.com",))


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.name)
def test_guide_example_runs_as_written(
    block: Block, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    code = compile(block.code, str(block.page), "exec")
    if not block.run:
        return
    # The examples must not depend on the reader's environment: every vendor's variables, from
    # its declaration.
    for declaration in VENDORS.values():
        names = [c.env for c in declaration.credentials]
        names += [declaration.base_url_env, declaration.zones_env or ""]
        for name in filter(None, names):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("MAILDNS_LOG", raising=False)
    if block.page.name == "rfc2136.md":  # the reader exports their server and key
        server: dnsservers.DnsServer = request.getfixturevalue("own_dns_server")
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
    out = io.StringIO()
    saved = dict(os.environ)
    try:
        with contextlib.redirect_stdout(out):
            exec(code, {"__name__": "__main__"})  # noqa: S102 - our own documentation
    finally:  # an example may set the environment, as a reader would
        os.environ.clear()
        os.environ.update(saved)
    if block.expected is not None:
        assert out.getvalue() == block.expected


def test_every_python_example_of_the_site_compiles() -> None:
    """Examples outside the guide (the home page's needs real credentials) must still parse."""
    pages = [p for p in (ROOT / "docs").rglob("*.md") if "dev" not in p.relative_to(ROOT).parts]
    found = 0
    for page in pages:
        for code in re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S):
            compile(code, str(page), "exec")
            found += 1
    assert found >= len(BLOCKS)
