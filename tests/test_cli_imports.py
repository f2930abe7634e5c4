"""The command imports what its command line needs, no more: ``maildns --version`` loads neither
HTTP nor the sandbox, ``maildns onboard …`` not the sandbox, nor the vendors' own commands, nor
dnspython's DNS-over-HTTPS stack. Each run is a fresh interpreter (this one has imported it all)
and is checked by the modules it holds, never by how long it took."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from maildns.sandbox import Sandbox

# Runs the command's own entry point as the installed ``maildns`` does, then prints the names of
# the modules the process holds, whatever the command's exit.
PROBE = """
import json, sys
sys.argv = ["maildns", *sys.argv[1:]]
from maildns._cli import main
try:
    main()
except SystemExit:
    pass
sys.stdout.flush()
print("\\n" + json.dumps(sorted(n for n, m in sys.modules.items() if m is not None)))
"""
"""The modules the process imported (a None entry is a module it blocked)."""


def modules_of(*args: str, cwd: Path) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,  # a hang bound only
        check=False,
    )
    names: list[str] = json.loads(done.stdout.splitlines()[-1])
    return set(names)


def loaded(modules: set[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(f"{package}."))


def test_importing_the_command_loads_no_command_body(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys, maildns._cli;"
            "print(json.dumps(sorted(n for n, m in sys.modules.items() if m is not None)))",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    modules = set(json.loads(done.stdout))
    for package in (
        "httpx",
        "maildns.sandbox",
        "maildns.onboarding",
        "maildns._core.client",
        "maildns._cli._vendors",
        "maildns._cli._doctor",
        "maildns._cli._sandbox",
    ):
        assert not loaded(modules, package), package


def test_version_loads_neither_http_nor_the_sandbox(tmp_path: Path) -> None:
    modules = modules_of("--version", cwd=tmp_path)
    assert "maildns._cli" in modules
    for package in ("httpx", "maildns.sandbox", "maildns.onboarding", "maildns._cli._vendors"):
        assert not loaded(modules, package), package


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_onboard_loads_no_sandbox_vendor_commands_or_dns_over_https(
    command: str, tmp_path: Path
) -> None:
    # A configuration with a problem: the command reads it with the whole onboarding engine
    # (dnspython's resolver included), then stops before any request.
    (tmp_path / "onboard.yaml").write_text("version: 1\ndomains: []\n", encoding="utf-8")
    modules = modules_of("onboard", command, "onboard.yaml", cwd=tmp_path)
    assert "maildns.onboarding" in modules
    assert "dns.asyncresolver" in modules  # the stack below is what DoH would have added
    for package in ("maildns.sandbox", "maildns._cli._vendors", "maildns._cli._doctor", "httpx2"):
        assert not loaded(modules, package), package
    assert not loaded(modules, "cryptography")  # with the first DKIM key read, and none was


def test_a_vendor_command_loads_the_vendor_commands_and_no_sandbox(tmp_path: Path) -> None:
    modules = modules_of("tesouro", "--help", cwd=tmp_path)
    assert "maildns._cli._vendors" in modules
    assert not loaded(modules, "maildns.sandbox")


def test_a_command_that_calls_a_vendor_loads_neither_httpx_own_command_line_nor_http2(
    sandbox_env: Sandbox, tmp_path: Path
) -> None:
    # All three are installed here (click with uvicorn, pygments with rich, h2 with an extra), so
    # httpx would import its command line and httpcore its HTTP/2 connection; the command uses
    # neither.
    for name in ("click", "pygments", "h2"):
        assert importlib.util.find_spec(name), f"{name} is not installed: the test proves nothing"
    modules = modules_of("telecomx", "zones", "list", cwd=tmp_path)
    assert {"httpx", "httpcore", "maildns._core.client"} <= modules  # it called TelecomX
    for package in ("h2", "hpack", "httpx._main", "pygments", "click"):
        assert not loaded(modules, package), package
