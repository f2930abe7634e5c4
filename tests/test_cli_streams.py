"""Where each command's output goes: results (tables, JSON) on stdout, progress, notes and
errors on stderr; and ``--json`` prints a document whatever happens, an error's too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from maildns._cli import app
from maildns.sandbox import Sandbox

from .conftest import write_onboard_config
from .specs import ROOT
from .test_docs_onboarding import code, fences, read, section, table

pytestmark = pytest.mark.usefixtures("no_backoff")

MAILDNS = Path(sys.executable).parent / "maildns"
ERROR_KEYS = {"exit_code", "type", "messages", "vendor", "operation", "status_code"}


@pytest.fixture
def config(sandbox_env: Sandbox, tmp_path: Path) -> Path:
    return write_onboard_config(tmp_path / "onboard.yaml", sandbox_env, "    tesouro: {}\n")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def error_of(stdout: str) -> dict[str, Any]:
    document = json.loads(stdout)
    assert set(document) == {"format_version", "error"}
    assert document["format_version"] == "1"
    assert set(document["error"]) == ERROR_KEYS
    error: dict[str, Any] = document["error"]
    return error


def test_a_plan_redirected_to_a_file_holds_the_table_and_its_counts(
    config: Path, tmp_path: Path
) -> None:
    """``maildns onboard plan onboard.yaml > plan.txt``: the real command, stdout a file."""
    saved = tmp_path / "plan.txt"
    with saved.open("w") as stdout:
        done = subprocess.run(
            [str(MAILDNS), "onboard", "plan", str(config)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "COLUMNS": "120"},
            timeout=120,
        )
    assert done.returncode == 2, done.stderr
    text = saved.read_text()
    for shown in ("plan", "sending domain", "_dmarc.mail.example.com"):
        assert shown in text
    assert text.rstrip().endswith("3 to create, 0 to update, 0 to delete, 0 refused")
    assert done.stderr == ""  # nothing went wrong, nothing to say


def test_apply_and_status_tables_are_on_stdout(config: Path) -> None:
    code, stdout, stderr = run("onboard", "apply", str(config), "--yes")
    assert code == 0, stderr
    assert "applied" in stdout
    assert "sending domain" in stdout
    assert "changes made, 0 failed (1 of 1 domains done)" in stdout
    assert stderr == ""
    code, stdout, stderr = run("onboard", "apply", str(config), "--yes")
    assert (code, stdout, stderr) == (0, "nothing to do\n", "")
    code, stdout, stderr = run("onboard", "status", str(config))
    assert code == 3
    assert "status" in stdout
    assert "mail.example.com" in stdout
    assert stderr == ""


def test_apply_json_with_nothing_to_do_has_its_summary(config: Path) -> None:
    assert run("onboard", "apply", str(config), "--yes")[0] == 0
    code, stdout, stderr = run("onboard", "apply", str(config), "--yes", "--json")
    assert code == 0, stderr
    document = json.loads(stdout)
    assert document["summary"]["domains"] == 0
    assert document["summary"]["changes"] == 0
    assert document["done"] == []


def test_an_unreadable_configuration_with_json_is_a_document_and_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    code, stdout, stderr = run("onboard", "plan", str(missing), "--json")
    assert code == 1
    error = error_of(stdout)
    assert error["exit_code"] == 1
    assert error["messages"] == [f"{missing}: cannot read: No such file or directory"]
    assert stderr == f"error: {missing}: cannot read: No such file or directory\n"


def test_a_vendor_error_with_json_names_vendor_operation_and_status(sandbox_env: Sandbox) -> None:
    code, stdout, stderr = run("tesouro", "domains", "get", "nowhere.example.com", "--json")
    assert code == 1
    error = error_of(stdout)
    assert error["type"] == "NotFoundError"
    assert (error["vendor"], error["operation"], error["status_code"]) == (
        "tesouro",
        "get_sending_domain",
        404,
    )
    (line,) = stderr.splitlines()
    assert line == f"error: {error['messages'][0]}"


def test_missing_credentials_with_json_name_the_vendor(
    sandbox_env: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CIIRUS_PASSWORD")
    code, stdout, _ = run("ciirus", "subaccount", "get", "mail.example.com", "--json")
    assert code == 1
    error = error_of(stdout)
    assert error["type"] == "ConfigurationError"
    assert (error["vendor"], error["operation"]) == ("ciirus", "get_sending_domain")
    assert "CIIRUS_PASSWORD" in error["messages"][0]


def test_a_usage_error_with_json_is_a_document_exit_64(config: Path) -> None:
    code, stdout, stderr = run("onboard", "plan", str(config), "--json", "--concurrency", "0")
    assert code == 64
    error = error_of(stdout)
    assert error["type"] == "usage"
    assert error["exit_code"] == 64
    assert error["messages"] == [
        "Invalid value for '--concurrency': 0 is not in the range 1<=x<=256."
    ]
    assert "Invalid value for '--concurrency'" in stderr  # typer's message stays


def test_a_refused_apply_with_json_is_a_document(config: Path) -> None:
    code, stdout, stderr = run("onboard", "apply", str(config), "--json")  # no --yes, no terminal
    assert code == 1
    error = error_of(stdout)
    assert error["messages"] == ["apply needs --yes when there is no terminal to confirm on"]
    assert stderr.strip().endswith("apply needs --yes when there is no terminal to confirm on")


def test_without_json_an_error_leaves_stdout_empty(tmp_path: Path) -> None:
    code, stdout, stderr = run("onboard", "plan", str(tmp_path / "nope.yaml"))
    assert (code, stdout) == (1, "")
    assert stderr.startswith("error: ")


def test_the_installed_command_prints_the_error_document_for_jq(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(MAILDNS), "onboard", "status", str(tmp_path / "nope.yaml"), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert error_of(done.stdout)["exit_code"] == 1
    assert len(done.stderr.splitlines()) == 1


CLI_PAGE = ROOT / "docs" / "reference" / "cli.md"


def documented_error_fields() -> dict[str, str]:
    rows = table(section(read(CLI_PAGE), "The error document"))
    return {code(row["field"]): row["type"] for row in rows}


def paths(document: Any, prefix: str = "") -> set[str]:
    found = set()
    for key, value in document.items():
        found.add(prefix + key)
        if isinstance(value, dict):
            found |= paths(value, f"{prefix}{key}.")
    return found


def test_the_error_document_is_as_the_reference_says(sandbox_env: Sandbox) -> None:
    code_, stdout, _ = run("tesouro", "domains", "get", "nowhere.example.com", "--json")
    assert code_ == 1
    printed = json.loads(stdout)
    assert paths(printed) == set(documented_error_fields())
    (example,) = [json.loads(f.body) for f in fences(section(read(CLI_PAGE), "The error document"))]
    assert printed == example  # the page's example is what the command prints
