"""``scripts/venv_python.py``: the interpreter ``make`` creates ``.venv`` with, of the
``python3.N`` builds found, the first with libpython linked in rather than shared.

The choice is tested on stand-in interpreters (scripts that answer the probe as a build would);
the probe itself is tested on this machine's real interpreter against ``ldd``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .specs import ROOT

SCRIPTS = ROOT / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import venv_python  # noqa: E402

VERSION = (3, 11)


def stand_in(folder: Path, answer: dict[str, object] | str, code: int = 0) -> str:
    """A ``python3.11`` in ``folder`` that answers the probe with ``answer`` (an object as JSON,
    a text as it is) and exits with ``code``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "python3.11"
    text = answer if isinstance(answer, str) else json.dumps(answer)
    path.write_text(f"#!/bin/sh\necho '{text}'\nexit {code}\n", encoding="utf-8")
    path.chmod(0o755)
    return str(folder)


def build(
    executable: str, shared: bool | None, version: tuple[int, int] = VERSION
) -> dict[str, object]:
    return {"executable": executable, "version": list(version), "shared": shared}


def test_a_static_build_is_chosen_over_a_shared_one_found_before_it(tmp_path: Path) -> None:
    shared = stand_in(tmp_path / "pyenv", build("/opt/pyenv/python3.11", shared=True))
    static = stand_in(tmp_path / "usr", build("/usr/bin/python3.11", shared=False))
    assert venv_python.choose([shared, static], VERSION) == Path(static) / "python3.11"


def test_of_two_static_builds_the_first_found(tmp_path: Path) -> None:
    first = stand_in(tmp_path / "a", build("/a/python3.11", shared=False))
    second = stand_in(tmp_path / "b", build("/b/python3.11", shared=False))
    assert venv_python.choose([first, second], VERSION) == Path(first) / "python3.11"


def test_with_no_static_build_the_first_that_runs(tmp_path: Path) -> None:
    broken = stand_in(tmp_path / "broken", "Segmentation fault", code=139)
    unknown = stand_in(tmp_path / "unknown", build("/u/python3.11", shared=None))
    shared = stand_in(tmp_path / "shared", build("/s/python3.11", shared=True))
    assert venv_python.choose([broken, unknown, shared], VERSION) == Path(unknown) / "python3.11"


def test_another_version_or_an_interpreter_that_fails_is_never_chosen(tmp_path: Path) -> None:
    other = stand_in(tmp_path / "other", build("/o/python3.11", shared=False, version=(3, 12)))
    failing = stand_in(tmp_path / "failing", build("/f/python3.11", shared=False), code=1)
    odd = stand_in(tmp_path / "odd", "3.11")  # JSON, but not an object
    missing = str(tmp_path / "nothing-here")
    assert venv_python.choose([other, failing, odd, missing], VERSION) is None


def test_a_shim_and_the_interpreter_it_runs_are_one_candidate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "python").write_text("")
    shim = stand_in(tmp_path / "shims", build(str(real / "python"), shared=True))
    direct = stand_in(tmp_path / "bin", build(str(real / "python"), shared=True))
    assert venv_python.choose([shim, direct], VERSION, why=True) == Path(shim) / "python3.11"
    assert capsys.readouterr().err.count(str(real / "python")) == 1


@pytest.mark.skipif(shutil.which("ldd") is None, reason="ldd is not installed")
def test_the_probe_reads_how_each_real_interpreter_links_libpython_as_ldd_does() -> None:
    # Every build of this version on the machine: where there are both kinds (pyenv's shared
    # build and Debian's static one, here and on CI), a probe that always said the same fails.
    name = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    folders = [*os.environ.get("PATH", "").split(os.pathsep), "/usr/bin"]
    paths = [Path(sys.executable), *venv_python.candidates(name, folders)]
    answered = 0
    for path in paths:
        about = venv_python.probe(path)
        if about is None:
            continue
        assert about["version"] == list(sys.version_info[:2]), path
        executable = str(about["executable"])
        ldd = subprocess.run(["ldd", executable], capture_output=True, text=True, check=True)
        assert about["shared"] is ("libpython" in ldd.stdout), executable
        answered += 1
    assert answered, "no interpreter answered the probe"


def make_dry_run(*args: str) -> str:
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", ".venv/.synced", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_make_remakes_the_venv_when_another_interpreter_is_chosen() -> None:
    stamp = ROOT / ".venv" / ".synced"
    if not stamp.is_file():
        pytest.skip(".venv was not made by make")
    recorded = stamp.read_text(encoding="utf-8").strip()
    assert recorded, "the stamp names the interpreter .venv was made with"
    assert "uv sync" not in make_dry_run(f"VENV_PYTHON={recorded}")
    assert '--python "/elsewhere/python3.11"' in make_dry_run("VENV_PYTHON=/elsewhere/python3.11")
