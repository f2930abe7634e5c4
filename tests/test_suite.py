"""How ``make test`` runs the suite: the parallel run keeps a ``pytest.mark.xdist_group`` on one
worker (the modules that share an expensive fixture rely on it), starts the long tests first
(``tests/ordering.py``), and fails a test that hangs rather than hanging with it. Each is checked
in a pytest of its own over a small generated suite, with the real plugins and nothing else
loaded."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from .specs import ROOT

GROUPED = """
import pytest

pytestmark = pytest.mark.xdist_group("shared")


@pytest.mark.parametrize("n", range(8))
def test_grouped(n):
    pass
"""

HANGING = """
import threading


def test_hangs():
    threading.Event().wait()  # nothing ever sets it


def test_ends():
    pass
"""

ORDERED = """
import pytest


def test_first_collected():
    pass


@pytest.mark.long
def test_long():
    pass
"""


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A pytest of its own over the suite generated in ``tmp_path``, with the plugins ``args``
    ask for and no other."""
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    long: a long test\n")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        # only the plugins asked for: this is about pytest and its plugins, not the suite's
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": str(ROOT)},
    )


def _run(tmp_path: Path, *args: str) -> list[tuple[str, str]]:
    """(worker, test) for each test the run passed, in the order reported."""
    done = _pytest(tmp_path, "-v", *args)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return re.findall(r"^(?:\[(gw\d+)\] \[ *\d+%\] )?PASSED (\S+)|^(\S+) PASSED", done.stdout, re.M)


def test_a_group_runs_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    passed = _run(tmp_path, "-p", "xdist.plugin", "-n", "2", "--dist", "loadgroup")
    assert len(passed) == 8, passed
    assert len({worker for worker, _, _ in passed}) == 1, passed


def test_the_long_tests_come_first(tmp_path: Path) -> None:
    (tmp_path / "test_order.py").write_text(ORDERED)
    passed = _run(tmp_path, "-p", "tests.ordering")
    assert [test.rsplit("::", 1)[1] for _, _, test in passed] == [
        "test_long",
        "test_first_collected",
    ]


def test_a_hanging_test_fails_alone_and_the_run_ends(tmp_path: Path) -> None:
    configured = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    assert configured["ini_options"]["timeout"] >= 60  # the suite's own: a minute at least
    (tmp_path / "test_hang.py").write_text(HANGING)
    # The suite's plugin and setting, at a second here: the hang never ends, however fast.
    plugins = ["-p", "pytest_timeout", "-p", "xdist.plugin"]
    done = _pytest(tmp_path, *plugins, "-n", "2", "-o", "timeout=1")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert "FAILED test_hang.py::test_hangs - Failed: Timeout" in done.stdout, done.stdout
    assert "1 failed, 1 passed" in done.stdout, done.stdout
