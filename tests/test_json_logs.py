"""``MAILDNS_LOG_FORMAT=json``: logs as JSON lines on stderr, secrets redacted. Real ``maildns``
processes against the live sandbox, with credentials and a webhook secret in their environment:
every stderr line parses as JSON and no secret appears anywhere; an unknown format is one line.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from maildns._core.logjson import JsonLines
from maildns._core.secrets import remember
from maildns.sandbox import Sandbox
from maildns.sandbox.__main__ import environment

MAILDNS = Path(sys.executable).with_name("maildns")
WEBHOOK_SECRET = "whsec-never-shown-0123456789"


def run(sb: Sandbox, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    given, unset = environment(sb)
    base = {k: v for k, v in os.environ.items() if k not in unset and not k.startswith("MAILDNS_")}
    return subprocess.run(
        [str(MAILDNS), *args],
        capture_output=True,
        text=True,
        env={**base, **given, "MAILDNS_WEBHOOK_SECRET": WEBHOOK_SECRET, **env},
        timeout=120,
    )


def json_lines(stderr: str) -> list[dict[str, Any]]:
    lines = stderr.splitlines()
    assert lines, "nothing was logged"
    parsed = [json.loads(line) for line in lines]  # each line parses, or the test fails here
    for document in parsed:
        assert {"time", "level", "logger", "message"} <= set(document)
    return parsed


def secrets_of(sb: Sandbox) -> list[str]:
    given, _ = environment(sb)
    return [
        given["TESOURO_CLIENT_SECRET"],
        given["TELECOMX_PASSWORD"],
        given["CIIRUS_PASSWORD"],
        WEBHOOK_SECRET,
    ]


def test_every_stderr_line_is_json_and_no_secret_shows(sb: Sandbox) -> None:
    # A request that fails once and is retried (logged at info), then answers.
    sb.inject_fault("tesouro", "POST", "/finops/v1/mailbox-domains", status=503)
    done = run(
        sb,
        "tesouro",
        "domains",
        "create",
        "mail.example.com",
        MAILDNS_LOG_FORMAT="json",
        MAILDNS_LOG="debug",
    )
    assert done.returncode == 0, done.stderr
    logged = json_lines(done.stderr)
    assert any("retrying" in d["message"] for d in logged)
    assert any(d["level"] == "debug" and "createMailboxDomain" in d["message"] for d in logged)
    # TelecomX's token travels in the query string of every request; the zone is not hosted
    again = run(
        sb,
        "telecomx",
        "zones",
        "get",
        "example.org",
        MAILDNS_LOG_FORMAT="json",
        MAILDNS_LOG="debug",
    )
    assert again.returncode == 1, again.stderr
    logged = json_lines(again.stderr)
    assert any("?token=**********" in d["message"] for d in logged)
    assert logged[-1]["level"] == "error"
    for secret in secrets_of(sb):
        for output in (done.stderr, done.stdout, again.stderr, again.stdout):
            assert secret not in output


def test_json_alone_logs_at_info_and_an_error_is_a_json_line(sb: Sandbox) -> None:
    sb.inject_fault("tesouro", "GET", "/finops/v1/mailbox-domains", status=500, times=10)
    done = run(sb, "tesouro", "domains", "list", MAILDNS_LOG_FORMAT="json")
    assert done.returncode == 1
    logged = json_lines(done.stderr)
    assert {d["level"] for d in logged} == {"info", "error"}  # retries, then the error
    (error,) = [d for d in logged if d["level"] == "error"]
    assert error["logger"] == "maildns.cli"
    assert "listMailboxDomains" in error["message"] or "list" in error["message"]
    for secret in secrets_of(sb):
        assert secret not in done.stderr


@pytest.mark.parametrize("name", ["MAILDNS_LOG_FORMAT", "MAILDNS_LOG"])
def test_an_unknown_value_is_one_clear_line(sb: Sandbox, name: str) -> None:
    done = run(sb, "tesouro", "domains", "list", **{name: "xml"})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: {name} must be one of "
        + ("text, json" if name == "MAILDNS_LOG_FORMAT" else "debug, info, warning, error")
        + " (or unset), got 'xml'"
    ]
    assert sb.stats()["tesouro"]["requests"] == 0  # refused before any request


def test_extra_fields_and_tracebacks_are_redacted_fields_of_the_line() -> None:
    secret = "extra-field-secret-0123"
    remember(secret)
    record = logging.LogRecord(
        "maildns.onboarding", logging.WARNING, __file__, 1, "x %s", ("y",), None
    )
    record.domain = "mail.example.com"
    record.detail = {"seen": [f"token {secret}"]}
    try:
        raise RuntimeError(f"failed with {secret}")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    text = JsonLines().format(record)
    assert "\n" not in text
    document = json.loads(text)
    assert document["message"] == "x y"
    assert document["level"] == "warning"
    assert document["logger"] == "maildns.onboarding"
    assert document["domain"] == "mail.example.com"
    assert document["detail"] == {"seen": ["token **********"]}
    assert "RuntimeError" in document["exception"]
    assert secret not in text
    assert document["time"].endswith("+00:00")


USAGE_ERRORS = [
    (["onboard", "plan", "--no-such-option"], "No such option: --no-such-option"),
    (["onboard", "watch", "config.yaml", "--interval", "soon"], "'soon' is not a duration"),
    (["onboard", "no-such-command"], "No such command 'no-such-command'"),
    (["onboard", "plan"], "Missing argument 'config'"),
]


@pytest.mark.parametrize(("args", "said"), USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_a_usage_error_under_json_logs_is_one_json_line(
    monkeypatch: pytest.MonkeyPatch, args: list[str], said: str
) -> None:
    from typer.testing import CliRunner

    from maildns._cli import app

    monkeypatch.setenv("MAILDNS_LOG_FORMAT", "json")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 64, result.stderr
    assert result.stdout == ""
    (document,) = json_lines(result.stderr)  # one line, and it parses
    assert document["level"] == "error"
    assert document["logger"] == "maildns.cli"
    assert said in document["message"]
    assert "\n" not in document["message"]
    assert document["exit_code"] == 64
    assert document["usage"].startswith("maildns onboard")


def test_a_usage_error_under_json_logs_and_json_output_also_prints_its_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from maildns._cli import app

    monkeypatch.setenv("MAILDNS_LOG_FORMAT", "json")
    result = CliRunner().invoke(app, ["onboard", "plan", "--json", "--no-such-option"])
    assert result.exit_code == 64
    (logged,) = json_lines(result.stderr)
    assert json.loads(result.stdout)["error"]["type"] == "usage"
    assert json.loads(result.stdout)["error"]["messages"] == [logged["message"]]


def test_a_group_without_its_command_shows_its_help_and_logs_one_json_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from maildns._cli import app

    monkeypatch.setenv("MAILDNS_LOG_FORMAT", "json")
    result = CliRunner().invoke(app, ["onboard"])
    assert result.exit_code == 64
    assert "Usage: maildns onboard [OPTIONS] COMMAND [ARGS]..." in result.stdout  # the help
    (document,) = json_lines(result.stderr)
    assert document["message"] == "Missing command."
    assert document["exit_code"] == 64
    assert document["usage"] == "maildns onboard [OPTIONS] COMMAND [ARGS]..."


def test_a_usage_error_without_json_logs_is_typers_text(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from maildns._cli import app

    monkeypatch.delenv("MAILDNS_LOG_FORMAT", raising=False)
    result = CliRunner().invoke(app, ["onboard", "plan", "--no-such-option"])
    assert result.exit_code == 64
    assert result.stderr.startswith("Usage: maildns onboard plan [OPTIONS]")
    assert "Try 'maildns onboard plan --help' for help." in result.stderr
    assert "No such option: --no-such-option" in result.stderr
    assert '"level"' not in result.stderr  # no JSON line


def test_a_usage_error_of_the_installed_command_under_json_logs() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILDNS_")}
    done = subprocess.run(
        [str(MAILDNS), "onboard", "plan", "--no-such-option"],
        capture_output=True,
        text=True,
        env={**env, "MAILDNS_LOG_FORMAT": "json"},
        timeout=120,
    )
    assert done.returncode == 64
    (document,) = json_lines(done.stderr)
    assert document["level"] == "error"
    assert "No such option: --no-such-option" in document["message"]
    assert document["exit_code"] == 64
