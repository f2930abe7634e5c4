"""The onboarding pages against reality: the guide's session runs as written, and the reference
documents exactly the keys the product accepts and prints.

The guide (docs/guide/onboarding.md) is one terminal session, run in order in an empty
directory against a reset sandbox. Its fenced blocks, in order:

- ```sh: the set-up the reader types. Its ``export NAME=value`` lines, with the sandbox's
  address put in for ``127.0.0.1:8765`` and its nameservers for the ones shown, are the whole
  environment of the commands (with a fixed terminal: 100 columns, no colour).
- ```yaml whose first line is ``# <file>``: that file is written as shown.
- ```console: each ``$ `` line is a command, run as a real ``maildns`` process. The lines up to
  the next ``$ `` line are what it prints: stdout and stderr through one unbuffered pipe, so in
  the order written, as a terminal shows them; compared exactly, trailing spaces aside. A
  trailing ``# exit N`` is the exit code it must end with; without one, 0.
- ```python: run in this process, in the same directory and environment. When "This prints:"
  and a ```text block follow, it must print exactly that. These blocks are marked
  ``<!-- not run: ... -->`` for tests/test_docs_guide.py, which runs only whole programs.

Any other block fails the test. ``MAILDNS_DOCS_UPDATE=1`` rewrites the console blocks' output
with what the commands print now (exit codes are still checked): review the diff, then commit.

The reference page (docs/reference/onboarding.md) runs the
same way for its yaml and console blocks; its tables are compared with what loads() accepts
and what plan, apply, status and verify print, and its JSON examples with its tables.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import io
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import attrs
import pytest
import yaml
from typer.testing import CliRunner

import maildns
from maildns import onboarding
from maildns._cli import _common, app
from maildns.models import DomainStatus
from maildns.onboarding._lookup import NAMESERVERS_ENV
from maildns.onboarding._postgres import TIMEOUT_ENV
from maildns.onboarding._resolve import RESOLVER_ENV
from maildns.sandbox import Sandbox
from maildns.sandbox._serving import describe, env_file_text
from maildns.vendors import DECLARATIONS, Role

from .specs import ROOT

pytestmark = pytest.mark.usefixtures("no_backoff")

GUIDE = ROOT / "docs" / "guide" / "onboarding.md"
REFERENCE = ROOT / "docs" / "reference" / "onboarding.md"
MAILDNS = Path(sys.executable).parent / "maildns"
PAGE_SANDBOX = "http://127.0.0.1:8765"
TERMINAL = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", "LANG": "C.UTF-8"}
PREFIXES = ("MAILDNS_", *(f"{name.upper()}_" for name in DECLARATIONS))


# --- reading the pages ---------------------------------------------------------------------------
def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Fence:
    lang: str
    body: str
    line: int
    before: str
    """The page's text between the previous block and this one."""


_FENCE = re.compile(r"^```(?P<lang>\w*)[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)


def fences(text: str) -> list[Fence]:
    found, end = [], 0
    for m in _FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        found.append(Fence(m["lang"], m["body"], line, text[end : m.start()]))
        end = m.end()
    return found


def section(text: str, heading: str) -> str:
    """The text under ``heading`` (a ``#`` line), up to the next heading as high or higher."""
    # Blank out the blocks' bodies, where "# onboard.yaml" is no heading.
    plain = _FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m[0]), text)
    m = re.search(rf"^(#+) {re.escape(heading)}\n", plain, re.M)
    assert m, f"no heading {heading!r}"
    nxt = re.compile(rf"^#{{1,{len(m[1])}}} ", re.M).search(plain, m.end())
    return text[m.end() : nxt.start() if nxt else None]


def table(text: str) -> list[dict[str, str]]:
    """The first Markdown table in ``text``: a row per line, cells by header, code unquoted."""
    lines = [line.strip() for line in text.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line.strip("|"))])
    header, body = rows[0], rows[2:]
    return [dict(zip(header, (c.replace("\\|", "|") for c in row), strict=True)) for row in body]


def code(cell: str) -> str:
    """A cell's first `code` span."""
    m = re.search(r"`([^`]+)`", cell)
    assert m, f"no code in {cell!r}"
    return m[1]


# --- running a page ------------------------------------------------------------------------------
# What verify and status print every few seconds while a round lasts: how often depends on the
# machine's speed, so it is never part of what a page shows.
PROGRESS = re.compile(r"checked [0-9]+ domains, [0-9]+ verified")


def normalised(text: str) -> str:
    lines = (line.rstrip() for line in text.splitlines() if not PROGRESS.fullmatch(line))
    return "\n".join(lines).strip("\n")


@dataclass
class Session:
    """One reader's directory and environment, and the exit codes seen."""

    cwd: Path
    env: dict[str, str]
    exits: set[int]
    where: str
    update: bool = bool(os.environ.get("MAILDNS_DOCS_UPDATE"))
    rewrites: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    """(old console block body, new one), written back by :meth:`run` when updating."""

    def command(self, line: str, expected: str, number: int) -> str:
        """Run one command, check it, and return what it printed."""
        m = re.search(r"#\s*exit (\d+)\s*$", line)
        exit_code = int(m[1]) if m else 0
        argv = shlex.split(line, comments=True)
        assert argv[0] == "maildns", f"{self.where}:{number}: not a maildns command: {line}"
        done = subprocess.run(
            [str(MAILDNS), *argv[1:]],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
            check=False,
        )
        shown = f"{self.where}:{number}: $ {line}"
        if not self.update:
            assert normalised(done.stdout) == normalised(expected), shown
        assert done.returncode == exit_code, shown
        self.exits.add(done.returncode)
        return normalised(done.stdout)

    def console(self, fence: Fence) -> int:
        lines = fence.body.splitlines()
        starts = [i for i, text in enumerate(lines) if text.startswith("$ ")]
        assert starts[:1] == [0], f"{self.where}:{fence.line}: a console block starts with '$ '"
        body = []
        for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
            output = "\n".join(lines[start + 1 : end])
            printed = self.command(lines[start][2:], output, fence.line + 1 + start)
            body += [lines[start], *([printed] if printed else [])]
        if self.update:
            self.rewrites.append((fence.body, "\n".join(body) + "\n"))
        return len(starts)

    def python(self, fence: Fence, expected: str | None) -> None:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(fence.body, f"{self.where}:{fence.line}", "exec"), {})  # noqa: S102
        if expected is not None:
            assert out.getvalue() == expected, f"{self.where}:{fence.line}"

    def file(self, fence: Fence) -> None:
        m = re.fullmatch(r"# (\S+)", fence.body.splitlines()[0])
        assert m, f"{self.where}:{fence.line}: a yaml block must start with '# <file>'"
        (self.cwd / m[1]).write_text(fence.body, encoding="utf-8")

    def run(self, page: Path, skip: Iterable[str] = ()) -> int:
        """Run the page's blocks in order; the number of commands run."""
        blocks = fences(read(page))
        ran = 0
        i = 0
        while i < len(blocks):
            fence = blocks[i]
            follows = blocks[i + 1] if i + 1 < len(blocks) else None
            if fence.lang == "console":
                ran += self.console(fence)
            elif fence.lang == "yaml":
                self.file(fence)
            elif fence.lang == "python":
                expected = None
                if follows and follows.lang == "text" and "This prints:" in follows.before:
                    expected, i = follows.body, i + 1
                marked = re.search(r"<!-- not run: [^>]*-->\s*$", fence.before)
                assert marked, f"{self.where}:{fence.line}: not marked for test_docs_guide.py"
                self.python(fence, expected)
            elif fence.lang not in ("sh", *skip):
                pytest.fail(f"{self.where}:{fence.line}: a {fence.lang or 'plain'} block")
            i += 1
        if self.rewrites:
            text = read(page)
            for old, new in self.rewrites:
                text = text.replace(f"```console\n{old}```", f"```console\n{new}```", 1)
            page.write_text(text, encoding="utf-8")
        return ran


SANDBOX_START = "maildns sandbox --env-file sandbox.env"
"""How README.md and every guide start the sandbox from a shell."""
PAGE_NAMESERVERS = "127.0.0.1:8766,127.0.0.1:8767"
"""The nameservers of a sandbox started as the pages start it (on 8765)."""


def as_on_the_page(text: str, sb: Sandbox) -> str:
    """``text`` with ``sb``'s addresses as a sandbox started on the page's ports has them."""
    servers = ",".join(f"{h}:{p}" for h, p in sb.dns_addresses)
    return text.replace(sb.base_url, PAGE_SANDBOX).replace(servers, PAGE_NAMESERVERS)


def page_exports(page: Path) -> dict[str, str]:
    """The ``export`` lines of the page's sh blocks."""
    exports = {}
    for fence in fences(read(page)):
        if fence.lang == "sh":
            for line in fence.body.splitlines():
                if line.startswith("export "):
                    name, _, value = shlex.split(line, comments=True)[1].partition("=")
                    exports[name] = value
    return exports


def sandbox_exports(sb: Sandbox) -> dict[str, str]:
    """What the reader exports for the sandbox: what the ``sandbox_env`` fixture sets."""
    exports = {}
    for name, declaration in DECLARATIONS.items():
        exports[declaration.base_url_env] = sb.url(name)
        for argument, value in sb.credentials(name).items():
            exports[declaration.credential(argument).env] = value
        exports |= sb.account_environment(name)  # the vendor's other accounts
    exports["MAILDNS_NAMESERVERS"] = ",".join(f"{h}:{p}" for h, p in sb.dns_addresses)
    exports["MAILDNS_RESOLVER"] = exports["MAILDNS_NAMESERVERS"]
    return exports


def session(page: Path, sb: Sandbox, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Session:
    exports = page_exports(GUIDE)
    assert set(exports) == set(sandbox_exports(sb))
    env = {k: v.replace(PAGE_SANDBOX, sb.base_url) for k, v in exports.items()}
    shown = exports["MAILDNS_NAMESERVERS"]
    assert re.fullmatch(r"127\.0\.0\.1:\d+,127\.0\.0\.1:\d+", shown), shown
    env["MAILDNS_NAMESERVERS"] = ",".join(f"{h}:{p}" for h, p in sb.dns_addresses)
    assert exports["MAILDNS_RESOLVER"] == shown  # the same servers answer the includes
    env["MAILDNS_RESOLVER"] = env["MAILDNS_NAMESERVERS"]
    assert env == sandbox_exports(sb)
    # The in-process Python blocks see the same variables, and none of the host's.
    for name in list(os.environ):
        if name.startswith(PREFIXES):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(cwd)
    env |= TERMINAL | {
        "PATH": f"{MAILDNS.parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(cwd),
        "PYTHONUNBUFFERED": "1",
        "PYTHONUTF8": "1",
        # No PYTHONPYCACHEPREFIX: the commands read the bytecode `make test` compiled beside the
        # sources; a fresh prefix made the first command of each worker compile every module
        # it imports again, standard library included.
    }
    return Session(cwd, env, set(), str(page.relative_to(ROOT)))


def exit_codes(text: str) -> set[int]:
    return {int(row["code"]) for row in table(section(text, "Exit codes"))}


CLI_CODES = {_common.OK, _common.ERROR, _common.CHANGES, _common.NOT_VERIFIED, _common.UNSAFE}


# --- the guide -----------------------------------------------------------------------------------
@pytest.mark.long
def test_the_guide_runs_as_written(
    sandbox_env: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = session(GUIDE, sandbox_env, tmp_path, monkeypatch)
    assert reader.run(GUIDE) >= 15
    text = read(GUIDE)
    # The set-up: the sandbox started as everywhere, and the file it writes loaded; the
    # file's lines are what the page shows.
    blocks = [fence.body for fence in fences(text) if fence.lang == "sh"]
    written = [body for body in blocks if body.startswith("# maildns sandbox on ")]
    assert len(written) == 1
    typed = [line for body in blocks if body not in written for line in body.splitlines()]
    # Besides, the section on accounts has the reader export the sandbox's other CiiRUS
    # accounts, as a user exports a second account's credentials.
    exported = [line for line in typed if line.startswith("export ")]
    assert [line for line in typed if line not in exported] == [SANDBOX_START, ". ./sandbox.env"]
    accounts = sandbox_env.account_environment("ciirus")
    assert exported == [f"export {name}={value}" for name, value in accounts.items()]
    assert written[0] == as_on_the_page(env_file_text(describe(sandbox_env)), sandbox_env)
    # Every exit code the page lists is one the command has, and the session shows each one.
    assert exit_codes(text) == CLI_CODES == reader.exits
    assert (tmp_path / ".maildns" / "state.sqlite3").is_file()  # where the page says
    ladder = ", ".join(f"{s:g}" for s in onboarding.LADDER)
    assert f"{ladder} s" in " ".join(text.split())


def test_the_pages_are_in_the_nav_with_their_titles() -> None:
    assert read(GUIDE).startswith("# Onboarding sending domains\n")
    assert read(REFERENCE).startswith("# Onboarding: configuration and JSON\n")
    nav = yaml.safe_load(read(ROOT / "mkdocs.yml"))["nav"]
    guide = next(item["Guide"] for item in nav if "Guide" in item)
    assert guide[:3] == [
        {"The first five minutes": "guide/first-five-minutes.md"},
        {"Quickstart": "guide/quickstart.md"},
        {"Onboarding sending domains": "guide/onboarding.md"},
    ]
    api = next(item["API reference"] for item in nav if "API reference" in item)
    assert api[:2] == [
        "reference/index.md",
        {"Onboarding: configuration and JSON": "reference/onboarding.md"},
    ]


# --- the reference: the configuration ------------------------------------------------------------
def config_rows() -> dict[str, dict[str, str]]:
    rows = table(section(read(REFERENCE), "Keys"))
    return {code(row["key"]): row for row in rows}


def example_config() -> tuple[str, dict[str, Any]]:
    """The reference's full example (its first yaml block), as text and as data."""
    block = next(f for f in fences(section(read(REFERENCE), "The configuration file")))
    assert block.lang == "yaml"
    data = yaml.safe_load(block.body)
    assert isinstance(data, dict)
    return block.body, data


def walk(value: Any, documented: Iterable[str], path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) of every key in a document: list items as ``[]``, and the keys of a map the
    documentation names by a placeholder (``dns.zones.<zone>``) as that placeholder."""
    if isinstance(value, list):
        for item in value:
            yield from walk(item, documented, f"{path}[]")
    elif isinstance(value, dict):
        prefix = f"{path}." if path else ""
        placeholder = next(
            (d for d in documented if re.fullmatch(re.escape(prefix) + r"<\w+>", d)), None
        )
        for key, item in value.items():
            child = placeholder or f"{prefix}{key}"
            yield child, item
            yield from walk(item, documented, child)


def kind(value: Any) -> str:
    """The word the tables use for a value's type."""
    for t, word in ((bool, "boolean"), (int, "integer"), (str, "string"), (type(None), "null")):
        if isinstance(value, t):
            return word
    return "list" if isinstance(value, list) else "mapping" if isinstance(value, dict) else "?"


def containers(data: Any, level: str) -> list[dict[str, Any]]:
    """The mappings at ``level`` (``""``: the root; placeholders match any key)."""
    found = [data]
    for part in level.split(".") if level else []:
        name, items = part.removesuffix("[]"), part.endswith("[]")
        step = [v for c in found for k, v in c.items() if k == name or name.startswith("<")]
        found = [i for v in step for i in v] if items else step
    return found


def at(data: Any, path: str) -> list[tuple[dict[str, Any], str]]:
    """Each mapping holding ``path``'s last key, with that key."""
    level, _, last = path.rpartition(".")
    return [(c, k) for c in containers(data, level) for k in c if k == last or last[0] == "<"]


def problems(text: str) -> list[onboarding.ConfigProblem]:
    try:
        onboarding.loads(text, "onboard.yaml")
    except onboarding.ConfigError as error:
        return list(error.problems)
    return []


def test_the_configuration_example_has_every_documented_key_and_loads() -> None:
    rows = config_rows()
    text, data = example_config()
    config = onboarding.loads(text)
    assert {path for path, _ in walk(data, rows)} == set(rows)
    for path, value in walk(data, rows):
        assert kind(value) in rows[path]["type"], (path, value)
    assert [d.name for d in config.domains] == [d["domain"] for d in data["domains"]]


def test_the_documented_keys_are_the_keys_accepted_at_every_level() -> None:
    """An unknown key is refused at every level, naming the keys allowed there: the table's."""
    rows = config_rows()
    _, data = example_config()
    levels = [""] + [
        f"{p}[]" if "list" in row["type"] else p
        for p, row in rows.items()
        if "mapping" in row["type"]
    ]
    checked = 0
    for level in levels:
        children = {p.rpartition(".")[2] for p in rows if p.rpartition(".")[0] == level}
        if any(c.startswith("<") for c in children):
            continue  # its keys are names (dns.zones: zones)
        bad = copy.deepcopy(data)
        for mapping in containers(bad, level):
            mapping["bogus"] = 1
        problem = next(p for p in problems(yaml.safe_dump(bad)) if p.path.endswith("bogus"))
        assert problem.message.startswith("unknown key, "), problem
        allowed = problem.message.removeprefix("unknown key, ")
        if allowed.endswith(" takes none"):
            accepted: set[str] = set()
        elif m := re.fullmatch(r"expected (.*) or a sending vendor: (.*)", allowed):
            accepted = {*m[1].split(", "), *m[2].split(", ")}
        else:
            accepted = set(allowed.removeprefix("expected one of: ").split(", "))
        assert accepted == children, (level, problem)
        checked += 1
    assert checked >= 5


def without(data: Any, *paths: str) -> list[onboarding.ConfigProblem]:
    """The problems of ``data`` with the keys at ``paths`` left out."""
    smaller = copy.deepcopy(data)
    for path in paths:
        for holder, key in at(smaller, path):
            del holder[key]
    return problems(yaml.safe_dump(smaller))


def test_the_required_column_and_the_defaults_are_true() -> None:
    """A required key left out is a problem naming it, an optional one is not; a domain must
    name a sending vendor; the defaults are the settings classes' own."""
    rows = config_rows()
    _, data = example_config()
    vendors = [p for p, row in rows.items() if row["required"] == "one vendor at least"]
    for path, row in rows.items():
        last = path.rpartition(".")[2]
        if last.startswith("<") or path in vendors:
            continue
        found = without(data, path)
        if row["required"] == "yes":
            assert any(p.message == f"missing required key {last!r}" for p in found), path
        else:
            assert row["required"] == "no", path
            assert found == [], (path, found)
    senders = [n for n, d in DECLARATIONS.items() if Role.SENDING_DOMAINS in d.roles]
    assert sorted(vendors) == sorted(f"domains[].{name}" for name in senders)
    found = without(data, *vendors)
    assert len(found) == len(data["domains"])
    assert {p.message for p in found} == {
        f"names no sending vendor, add one of: {', '.join(senders)}"
    }
    for declaration in DECLARATIONS.values():
        for role in declaration.roles:
            cls = declaration.settings_class(role)
            prefix = "dns.zones.<zone>" if role is Role.DNS else f"domains[].{declaration.name}"
            for field in attrs.fields(cls):
                row = rows[f"{prefix}.{field.name}"]
                default = "" if field.default is attrs.NOTHING else str(field.default)
                assert row["default"].strip("`") == default, row
                assert row["required"] == ("yes" if not default else "no"), row
                word = {"str": "string", "int": "integer", "bool": "boolean"}[str(field.type)]
                assert row["type"] == word, row


def test_names_are_normalised_and_zones_chosen_as_the_reference_says() -> None:
    _, data = example_config()
    example = data["dns"]["zones"]["example.com"]
    for row in table(section(read(REFERENCE), "Names")):
        written, used = code(row["written"]), code(row["used"])
        changed = copy.deepcopy(data)
        changed["domains"] = [{"domain": written, "tesouro": {}}]
        changed["dns"]["zones"] = {written.split(".", 1)[1]: example}
        config = onboarding.loads(yaml.safe_dump(changed, allow_unicode=True))
        assert [d.name for d in config.domains] == [used]
    # The longest listed zone holding the domain; a zone's own name; no domains at all.
    changed = copy.deepcopy(data)
    changed["dns"]["zones"] = {"example.com": example, "mail.example.com": example}
    changed["domains"] = [
        {"domain": "eu.mail.example.com", "tesouro": {}},
        {"domain": "example.com", "tesouro": {}},
    ]
    config = onboarding.loads(yaml.safe_dump(changed))
    assert [d.zone for d in config.domains] == ["mail.example.com", "example.com"]
    assert onboarding.loads(yaml.safe_dump({**data, "domains": []})).domains == ()
    assert "`domains: []` is a valid configuration" in read(REFERENCE)
    no_zone = problems(yaml.safe_dump({**data, "dns": {**data["dns"], "zones": {}}}))
    assert "must list at least one zone" in [p.message for p in no_zone]


def test_the_reference_examples_run_as_written(
    sandbox_env: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error example (and any other command on the page) prints what the page says."""
    reader = session(REFERENCE, sandbox_env, tmp_path, monkeypatch)
    assert reader.run(REFERENCE, skip=("json",)) >= 1
    assert exit_codes(read(REFERENCE)) == CLI_CODES


def test_the_environment_variables_are_the_ones_read() -> None:
    rows = table(section(read(REFERENCE), "Environment variables"))
    documented = {code(row["variable"]) for row in rows}
    used = {onboarding.STATE_ENV, TIMEOUT_ENV, NAMESERVERS_ENV, RESOLVER_ENV, "MAILDNS_LOG"}
    used |= {"MAILDNS_LOG_FORMAT", onboarding.WebhookSender.SECRET_ENV}
    for declaration in DECLARATIONS.values():
        used.add(declaration.base_url_env)
        used |= {c.env for c in declaration.credentials}
    assert documented == used


# --- the reference: the JSON documents -----------------------------------------------------------
DOCUMENTS = {
    "plan": "The plan document",
    "apply": "The apply document",
    "status": "The status document",
}


def fields(name: str) -> dict[str, str]:
    """A document's field table: path -> type."""
    rows = table(section(read(REFERENCE), DOCUMENTS[name]))
    return {code(row["field"]): row["type"] for row in rows}


def change_fields() -> dict[str, str]:
    prefix = "domains[].changes[]."
    return {p.removeprefix(prefix): t for p, t in fields("plan").items() if p.startswith(prefix)}


def check_document(name: str, documents: list[Any]) -> set[str]:
    """Every key of ``documents`` is in the table, with a value of its type: the keys seen.
    A field of type "change" holds changes as the plan's ``domains[].changes[]``."""
    documented = fields(name)
    changes = change_fields()
    seen = set()
    for document in documents:
        inside: set[str] = set()
        for path, value in walk(document, documented):
            if any(path.startswith(f"{c}.") or path.startswith(f"{c}[]") for c in inside):
                continue
            assert path in documented, (name, path)
            assert kind(value).replace("mapping", "object") in documented[path], (path, value)
            seen.add(path)
            if "change" in documented[path]:
                inside.add(path)
                for change in value if isinstance(value, list) else [value]:
                    for key, item in walk(change, changes):
                        assert key in changes, (path, key)
                        assert kind(item).replace("mapping", "object") in changes[key]
    return seen


def examples(name: str) -> list[Any]:
    blocks = fences(section(read(REFERENCE), DOCUMENTS[name]))
    found = [json.loads(f.body) for f in blocks if f.lang == "json"]
    assert found, name
    return found


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_each_json_example_has_exactly_the_documented_keys(name: str) -> None:
    assert check_document(name, examples(name)) == set(fields(name))


def cli(*args: str | Path, exit_code: int) -> Any:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == exit_code, (args, result.stderr)
    return json.loads(result.stdout)


@dataclass
class Printed:
    plans: list[Any]
    applies: list[Any]
    reports: list[Any]
    nothing: Any
    """What ``apply --json`` prints when there is nothing to do."""


def every_case(sb: Sandbox, cwd: Path, postgres: str) -> Printed:
    """plan, apply, status and verify through every case their documents have: changes to
    make, a saved plan, problems, a forced update, a failed change, a prune, nothing to do,
    a worker on a PostgreSQL journal leaving a zone another worker holds, a zone that cannot
    be read, a change whose answer never came, a vendor that cannot be reached, and a vendor
    that cannot be listed."""
    text, _ = example_config()
    config = cwd / "onboard.yaml"
    one = text.split("  - domain: news.example.com")[0]
    assert one != text
    config.write_text(text, encoding="utf-8")
    saved = cwd / "plan.json"
    plans = [cli("onboard", "plan", config, "--json", "--out", saved, exit_code=2)]
    plans.append(json.loads(read(saved)))
    reports = [cli("onboard", "status", config, "--json", exit_code=3)]  # absent
    sb.inject_fault("telecomx", "GET", "/dns/{domain}", status=503, times=3)
    plans.append(cli("onboard", "plan", config, "--json", exit_code=1))  # the zone unread
    assert plans[-1]["domains"][0]["error"]
    unreachable = {"TELECOMX_BASE_URL": "http://127.0.0.1:9/telecomx"}  # nothing listens
    with mock.patch.dict(os.environ, unreachable):
        applies = [cli("onboard", "apply", config, "--yes", "--json", exit_code=1)]
    assert applies[-1]["not_started_domains"]
    applies.append(cli("onboard", "apply", saved, "--yes", "--json", exit_code=0))
    reports.append(cli("onboard", "status", config, "--json", exit_code=3))
    sb.inject_fault("ciirus", "GET", "/{version}/emails/subaccount", status=503, times=3)
    reports.append(cli("onboard", "status", config, "--json", exit_code=3))  # unlisted
    reports.append(cli("onboard", "verify", config, "--json", exit_code=0))
    with maildns.TelecomX() as dns:  # someone else's key at a DKIM selector
        zone = dns.get_zone("example.com")
        dkim = next(r for r in zone.records if r.name == "mandrill._domainkey.mail.example.com")
        dns.update_record("example.com", dkim, "v=DKIM1; k=rsa; p=SOMEONEELSE")
    reports.append(cli("onboard", "verify", config, "--json", exit_code=3))
    plans.append(cli("onboard", "plan", config, "--json", exit_code=4))
    applies.append(cli("onboard", "apply", config, "--yes", "--json", exit_code=4))
    assert applies[-1]["problems"]
    plans.append(cli("onboard", "plan", config, "--json", "--force", exit_code=2))
    sb.inject_fault("telecomx", "PUT", "/dns/{domain}/record", status=400)
    applies.append(cli("onboard", "apply", config, "--yes", "--json", "--force", exit_code=1))
    assert applies[-1]["failed"]
    sb.inject_fault("telecomx", "PUT", "/dns/{domain}/record", status=502, times=3)
    applies.append(cli("onboard", "apply", config, "--yes", "--json", "--force", exit_code=1))
    assert applies[-1]["unknown"]
    applies.append(cli("onboard", "apply", config, "--yes", "--json", "--force", exit_code=0))
    config.write_text(one, encoding="utf-8")  # news.example.com dropped
    plans.append(cli("onboard", "plan", config, "--json", "--prune", exit_code=2))
    applies.append(cli("onboard", "apply", config, "--yes", "--json", "--prune", exit_code=0))
    nothing = cli("onboard", "apply", config, "--yes", "--json", exit_code=0)
    config.write_text(text, encoding="utf-8")  # news.example.com back, to be made again
    with onboarding.open_journal(postgres) as other_worker:
        zones = {d.zone for d in onboarding.load(config).domains}
        assert all(other_worker.claim(z) for z in zones)
        applies.append(
            cli("onboard", "apply", config, "--yes", "--json", "--state", postgres, exit_code=0)
        )
    assert applies[-1]["skipped_domains"]
    return Printed(plans, applies, reports, nothing)


def test_the_json_tables_list_exactly_the_keys_printed(
    sandbox_env: Sandbox, tmp_path: Path, postgres_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The example's accounts: a partner account of the sandbox's CiiRUS, and the sandbox's
    # Tesouro client under another prefix.
    ciirus = sandbox_env.partner_accounts("ciirus")["CIIRUS_DEMO2"]
    tesouro = sandbox_env.credentials("tesouro")
    monkeypatch.setenv("CIIRUS_EU_USERNAME", ciirus["username"])
    monkeypatch.setenv("CIIRUS_EU_PASSWORD", ciirus["password"])
    monkeypatch.setenv("TESOURO_EU_CLIENT_ID", tesouro["client_id"])
    monkeypatch.setenv("TESOURO_EU_CLIENT_SECRET", tesouro["client_secret"])
    printed = every_case(sandbox_env, tmp_path, postgres_dsn)
    assert check_document("plan", printed.plans) == set(fields("plan"))
    assert check_document("apply", printed.applies) == set(fields("apply"))
    assert check_document("status", printed.reports) == set(fields("status"))
    # The short apply document is the page's, exactly.
    assert printed.nothing in examples("apply")
    assert set(printed.nothing) < set(fields("apply"))
    statuses = {
        v["status"] for r in printed.reports for d in r["domains"] for v in d["vendors"].values()
    }
    rows = table(section(read(REFERENCE), "Status values"))
    documented = {code(row["status"]) for row in rows}
    assert documented == {"absent", *(s.value for s in DomainStatus)}
    assert statuses <= documented
    assert {"absent", "pending", "verified"} <= statuses


def test_every_page_starts_the_sandbox_the_same_way() -> None:
    """README.md and every guide start the sandbox with ``maildns sandbox --env-file
    sandbox.env`` and load it with ``. ./sandbox.env``; none with ``python -m``."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    starts = {}
    for page in pages:
        if "dev" in page.relative_to(ROOT).parts:
            continue
        for fence in fences(read(page)):
            if fence.lang not in ("sh", "console", "bash"):
                continue
            for line in fence.body.splitlines():
                command = line.removeprefix("$ ").split("#")[0].strip()
                assert "python -m maildns.sandbox" not in command, (page, line)
                if command.startswith("maildns sandbox"):
                    starts[page.relative_to(ROOT).as_posix()] = command
    assert set(starts) >= {
        "README.md",
        "docs/guide/first-five-minutes.md",
        "docs/guide/onboarding.md",
        "docs/guide/sandbox.md",
    }
    assert set(starts.values()) == {SANDBOX_START}, starts
    for page in starts:
        assert ". ./sandbox.env" in read(ROOT / page), page
