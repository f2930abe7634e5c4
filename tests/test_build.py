"""The Makefile regenerates what a spec change needs, and nothing else."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from .specs import ROOT, SPECS

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_nothing_to_do_when_nothing_changed() -> None:
    result = _make("-q", "generate")
    assert result.returncode == 0, "make generate would run although no spec changed"


@pytest.mark.parametrize("name", SPECS)
def test_touching_one_spec_regenerates_only_that_vendor(name: str) -> None:
    spec = SPECS[name].relative_to(ROOT)
    plan = _make("-n", "-W", str(spec), "generate").stdout
    generated = {
        other
        for other in SPECS
        if f"--output-path generated/{other}_client" in plan
        or f"--output generated/vendor_models/{other}.py" in plan
    }
    assert generated == {name}, plan
    assert f"--output-path generated/{name}_client" in plan
    assert f"--output generated/vendor_models/{name}.py" in plan
