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
