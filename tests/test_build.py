"""Generation is keyed by content (scripts/generate.py, generated/KEYS.json), not by mtime:
a fresh clone generates nothing, and a changed spec regenerates exactly its vendor."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path, PurePosixPath

import pytest

from .specs import ROOT, SPECS

GENERATE = ROOT / "scripts" / "generate.py"
if str(GENERATE.parent) not in sys.path:
    sys.path.insert(0, str(GENERATE.parent))
import generate  # noqa: E402


def _copy(tmp: Path) -> Path:
    """What generation reads and writes, copied with new mtimes (as a clone has them)."""
    root = tmp / "clone"
    for part in ("specs", "config", "generated"):
        shutil.copytree(
            ROOT / part,
            root / part,
            copy_function=shutil.copy,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    return root


def _generate(root: Path, *args: str) -> list[str]:
    """What ``scripts/generate.py --root ROOT ARGS`` prints, run in this process: its generators
    still run as processes of their own, and an interpreter for the script itself added only
    the import of what it imports (one test below runs it as the script, and one kills it)."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert generate.main(["--root", str(root), *args]) == 0
    return printed.getvalue().splitlines()


def _tree(path: Path) -> dict[str, str]:
    return {
        p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _files_of(tree: dict[str, str], name: str) -> dict[str, str]:
    """The files of the output at ``name`` (a directory or a file) in ``tree``, by path in it."""
    return {k[len(name) :]: v for k, v in tree.items() if k == name or k.startswith(name + "/")}


def test_this_checkout_is_up_to_date() -> None:
    # As ``make generate`` runs it: the script, in an interpreter of its own.
    done = subprocess.run(
        [sys.executable, str(GENERATE), "--root", str(ROOT), "--dry-run"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    assert done.stdout.splitlines() == []


def test_a_fresh_clone_generates_nothing(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "specs").touch()  # newer than every output: make would have regenerated it all
    for spec in (root / "specs").glob("*.yaml"):
        spec.touch()
    assert _generate(root, "--dry-run") == []
    before = _tree(root / "generated")
    assert _generate(root) == ["generated/ is up to date"]
    assert _tree(root / "generated") == before


@pytest.mark.parametrize("name", SPECS)
def test_a_changed_spec_is_stale_alone(tmp_path: Path, name: str) -> None:
    root = _copy(tmp_path)
    spec = root / SPECS[name].relative_to(ROOT)
    spec.write_text(spec.read_text() + "# changed\n")
    assert _generate(root, "--dry-run") == [f"{name}_client", f"vendor_models/{name}.py"]


def test_a_changed_config_or_template_makes_every_client_stale(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    template = next((root / "config" / "templates").glob("*.jinja"))
    template.write_text(template.read_text() + "\n")
    assert _generate(root, "--dry-run") == [f"{name}_client" for name in sorted(SPECS)]


def test_regenerating_one_spec_rewrites_its_vendor_and_its_keys_only(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    spec = root / "specs" / "tesouro.yaml"
    spec.write_text(spec.read_text().replace("Tesouro", "Tesouro FinOps (changed)", 1))
    keys_before = json.loads((root / "generated" / "KEYS.json").read_text())
    before = _tree(root / "generated")
    (line,) = _generate(root)
    assert line.startswith("generated tesouro_client, vendor_models/tesouro.py in "), line
    after = _tree(root / "generated")
    changed = {p.split("/")[0] if "/" in p else p for p in after if after[p] != before.get(p)}
    assert changed <= {"tesouro_client", "vendor_models", "KEYS.json"}, changed
    assert {p for p in after if p.startswith("vendor_models/") and after[p] != before[p]} <= {
        "vendor_models/tesouro.py"
    }
    keys_after = json.loads((root / "generated" / "KEYS.json").read_text())
    moved = {k for k in keys_after if keys_after[k] != keys_before.get(k)}
    assert moved == {"tesouro_client", "vendor_models/tesouro.py"}
    assert _generate(root, "--dry-run") == []
    assert not list((root / "generated").glob(".making-*"))  # nothing half-made left behind


def test_a_removed_spec_takes_its_outputs_and_keys_with_it(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "specs" / "telecomx.yaml").unlink()
    gone = ["removed telecomx_client", "removed vendor_models/telecomx.py"]
    assert _generate(root, "--dry-run") == gone
    (line,) = _generate(root)
    assert line.startswith("generated removed telecomx_client, removed vendor_models/telecomx.py")
    assert not (root / "generated" / "telecomx_client").exists()
    assert not (root / "generated" / "vendor_models" / "telecomx.py").exists()
    keys = json.loads((root / "generated" / "KEYS.json").read_text())
    assert not [k for k in keys if "telecomx" in k]
    assert (root / "generated" / "tesouro_client").is_dir()
    assert _generate(root, "--dry-run") == []


def test_what_a_killed_run_left_is_tidied_and_the_rest_kept(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    generated = root / "generated"
    before = _tree(generated)
    # A run killed while it made one output and swapped another: its directories remain.
    (generated / ".making-abc" / "tesouro_client").mkdir(parents=True)
    (generated / ".making-abc" / "tesouro_client" / "client.py").write_text("half\n")
    shutil.copytree(generated / "telecomx_client", generated / ".telecomx_client.old")
    (generated / "vendor_models" / ".tesouro.py.old").write_text("old\n")
    assert _generate(root) == ["generated/ is up to date"]
    assert _tree(generated) == before


@pytest.mark.long
def test_a_run_killed_midway_loses_nothing_and_the_next_one_finishes(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    generated = root / "generated"
    before = _tree(generated)
    # Two specs' outputs stale (a client and its models each): four outputs on two jobs, so the
    # kill finds two being made and two not started, and the next run makes only those four.
    for spec in sorted((root / "specs").glob("*.yaml"))[:2]:
        spec.write_text(spec.read_text() + "# again\n")
    proc = subprocess.Popen(
        [sys.executable, str(GENERATE), "--root", str(root), "--jobs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its generators with it, as a terminal's kill takes the group
    )
    end = time.monotonic() + 180  # a bound on a run that never starts, not on its speed
    while not list(generated.glob(".making-*")) and time.monotonic() < end:
        time.sleep(0.02)  # kill it while it is making something
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=180)
    # Every output is whole: the same bytes as before (the specs only gained comments), or,
    # caught between the two renames of its swap, moved aside whole for the next run to tidy.
    killed = _tree(generated)
    for output in generate.outputs(root):
        whole = _files_of(before, output.name)
        assert whole, output.name
        now = _files_of(killed, output.name)
        assert now in (whole, {}), output.name
        if not now:
            target = PurePosixPath(output.name)
            aside = target.with_name(f".{target.name}.old").as_posix()
            assert _files_of(killed, aside) == whole, output.name
    left = _generate(root, "--dry-run")
    assert left, "the kill came after the run had finished"
    _generate(root)
    assert _generate(root, "--dry-run") == []
    after = _tree(generated)
    assert {k: v for k, v in after.items() if k != "KEYS.json"} == {
        k: v for k, v in before.items() if k != "KEYS.json"
    }
