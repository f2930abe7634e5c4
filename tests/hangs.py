"""A bound on a hung subprocess: a test that reads a server's output line by line would wait
forever for a line that never comes; killing the process ends the read, and the test fails
instead of the suite hanging."""

from __future__ import annotations

import subprocess
import threading
from typing import Any


def kill_when_hung(proc: subprocess.Popen[Any], seconds: float = 180.0) -> threading.Timer:
    """Kill ``proc`` after ``seconds`` unless the timer is cancelled first. A daemon thread:
    a timer still pending never keeps the test process (an xdist worker) alive after its
    tests have ended."""
    timer = threading.Timer(seconds, proc.kill)
    timer.daemon = True
    timer.start()
    return timer
