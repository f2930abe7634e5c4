"""``maildns … --help`` is written for the command line: which server a default is, no Python
names or docstrings, every listing a command; completion and ``--version`` work as documented."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

import maildns
from maildns._cli import app
from maildns.models import DnsRecord, RecordType
from maildns.sandbox import Sandbox
from maildns.vendors import DECLARATIONS

from .conftest import write_onboard_config


def help_of(*args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.stdout).split())


def test_tesouro_help_says_its_default_server_is_its_sandbox_not_production() -> None:
    text = help_of("tesouro")
    assert (
        "the server from TESOURO_BASE_URL (default https://api.sandbox.tesouro.com, Tesouro's "
        "sandbox, not production; for production set TESOURO_BASE_URL=https://api.tesouro.com)"
    ) in text


@pytest.mark.parametrize("vendor", ["telecomx", "ciirus"])
def test_a_vendor_whose_default_is_production_says_so(vendor: str) -> None:
    url = DECLARATIONS[vendor].default_base_url
    assert f"(default {url}, production)" in help_of(vendor)


def every_command(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from every_command(sub, (*path, name))


PYTHON_WORDS = re.compile(
    r"\b[A-Z]\w*(Error|Settings)\b|\w+\.\w+_\w+|``|:class:|See the client's|\bNone\b|\bTrue\b"
)


def test_no_help_speaks_python() -> None:
    """No command's help names an exception, a class's field, reST markup or a Python value."""
    paths = list(every_command(typer.main.get_command(app)))
    assert len(paths) > 30
    for path in paths:
        text = help_of(*path)
        found = PYTHON_WORDS.search(text.replace("maildns.sandbox", ""))
        assert found is None, (path, found and found[0], text)


def test_every_sending_vendor_and_dns_host_lists() -> None:
    commands = {" ".join(p) for p in every_command(typer.main.get_command(app))}
    assert {"tesouro domains list", "ciirus subaccount list", "telecomx zones list"} <= commands
    assert "telecomx records list" in commands


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "100"})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.usefixtures("no_backoff")
def test_records_list_shows_a_zones_records_narrowed_by_type_and_name(
    sandbox_env: Sandbox,
) -> None:
    sb = sandbox_env
    with maildns.TelecomX() as dns:
        dns.create_zone(
            "example.com", customer=sb.telecomx_customer_id, product=sb.telecomx_product_id
        )
        dns.add_record("example.com", DnsRecord(RecordType.TXT, "example.com", "v=spf1 -all"))
        dns.add_record(
            "example.com", DnsRecord(RecordType.MX, "example.com", "mx.example.net", priority=10)
        )
        dns.add_record("example.com", DnsRecord(RecordType.TXT, "a.example.com", "hello"))
    code, stdout, _ = run("telecomx", "records", "list", "example.com", "--json")
    assert code == 0
    document = json.loads(stdout)
    assert document["domain"] == "example.com"
    assert document["vendor"] == "telecomx"
    values = {(r["type"], r["name"], r["value"]) for r in document["records"]}
    assert {("TXT", "example.com", "v=spf1 -all"), ("TXT", "a.example.com", "hello")} <= values
    code, stdout, _ = run(
        "telecomx",
        "records",
        "list",
        "example.com",
        "--type",
        "txt",
        "--name",
        "example.com",
        "--json",
    )
    assert code == 0
    assert [r["value"] for r in json.loads(stdout)["records"]] == ["v=spf1 -all"]
    code, stdout, _ = run("telecomx", "records", "list", "example.com", "--type", "MX")
    assert code == 0
    assert "records of example.com" in stdout
    assert "10 mx.example.net" in stdout
    assert "v=spf1" not in stdout
    code, stdout, stderr = run("telecomx", "records", "list", "nowhere.example.org")
    assert code == 1
    assert stdout == ""
    assert stderr.startswith("error: telecomx get_zone: 404")


@pytest.mark.usefixtures("no_backoff")
def test_ciirus_subaccount_list_lists_the_accounts_one(sandbox_env: Sandbox) -> None:
    code, stdout, _ = run("ciirus", "subaccount", "list", "--json")
    assert code == 0
    assert json.loads(stdout)["domains"] == []
    with maildns.Ciirus() as ciirus:
        ciirus.create_sending_domain("mail.example.com", daily_send_limit=5, approved=True)
    code, stdout, _ = run("ciirus", "subaccount", "list", "--json")
    assert [d["domain"] for d in json.loads(stdout)["domains"]] == ["mail.example.com"]
    code, stdout, _ = run("ciirus", "subaccount", "list")
    assert "mail.example.com" in stdout


@pytest.mark.usefixtures("no_backoff")
def test_the_merged_spf_value_is_whole_in_the_apply_table(
    sandbox_env: Sandbox, tmp_path: Path
) -> None:
    config = write_onboard_config(
        tmp_path / "onboard.yaml",
        sandbox_env,
        "    tesouro: {}\n    ciirus: {daily_send_limit: 500, approved: true}\n",
    )
    code, stdout, _ = run("onboard", "apply", str(config), "--yes")
    assert code == 0
    with maildns.TelecomX() as dns:
        records = dns.get_zone("example.com").records
    (spf,) = [r.value for r in records if r.value.startswith("v=spf1")]
    assert len(spf) > 40  # longer than the tables once cut values to
    squashed = "".join(re.sub(r"[│┃┏┓┗┛━─┡┩└┘┌┐├┤┬┴┼╇╈═]", " ", stdout).split())
    assert "".join(spf.split()) in squashed
    assert "v=spf1" in stdout


def test_version_prints_the_packages_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"maildns {maildns.__version__}\n"


def test_completion_script_is_shown_for_bash() -> None:
    result = CliRunner().invoke(app, ["--show-completion", "bash"])
    assert result.exit_code == 0, (result.output, result.exc_info)
    assert "complete " in result.stdout
    assert "_MAILDNS_COMPLETE" in result.stdout
