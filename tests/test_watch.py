"""``make watch`` (scripts/watch.py): a change to a watched spec runs the command once; an
editor's swap file does not; Ctrl+C stops it cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from .specs import ROOT

DEADLINE = 180.0  # a bound on a watcher that hangs, not on its speed


def _wait(until: object, what: str) -> None:
    end = time.monotonic() + DEADLINE
    while not until():  # type: ignore[operator]
        assert time.monotonic() < end, f"gave up waiting for {what}"
        time.sleep(0.05)


def test_a_changed_spec_runs_the_command_and_a_swap_file_does_not(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    spec = specs / "vendor.yaml"
    spec.write_text("openapi: 3.1.0\n")
    runs = tmp_path / "runs"
    command = f"sh -c 'echo run >> {runs}'"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "watch.py"), "--command", command, str(specs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl+C reaches a command in the foreground: a suite started in the background by a
        # shell without job control inherits SIGINT ignored, and so would the watcher.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("watching ")  # printed once it watches
        (specs / ".vendor.yaml.swp").write_text("editor state")
        spec.write_text("openapi: 3.1.0\ninfo: {}\n")
        _wait(lambda: runs.exists(), "the first run")
        assert proc.stdout.readline().strip() == (f"changed: vendor.yaml; running {command}")
        assert proc.stdout.readline().startswith("done in ")
        spec.write_text("openapi: 3.1.0\ninfo: {title: x}\n")
        _wait(lambda: runs.read_text().count("run") == 2, "the second run")
        time.sleep(1.0)
        assert runs.read_text() == "run\nrun\n"  # once a change, not once an event
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
