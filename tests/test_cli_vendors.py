"""``maildns tesouro|telecomx|ciirus ...``: every command against the live sandbox, through typer
(and two for real); ``--json`` documents field by field, tables within 80 columns, one-line
errors, usage errors, and deletes that need ``--yes``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import maildns
from maildns import DnsRecord, RecordPurpose, RecordType, ZoneStatus
from maildns._cli import _common, _vendors, app
from maildns.sandbox import Sandbox
from maildns.vendors import VENDORS, Transport

from . import dnsservers

pytestmark = pytest.mark.usefixtures("no_backoff")

DOMAIN = "mail.example.com"
ZONE = "example.org"
RECORD_KEYS = {"type", "name", "value", "purpose", "priority", "verified"}
DOMAIN_KEYS = {"format_version", "vendor", "domain", "id", "status", "records"}
ZONE_KEYS = {
    "format_version",
    "vendor",
    "domain",
    "ttl",
    "serial",
    "customer",
    "product",
    "status",
    "records",
}
DKIM = "v=DKIM1; k=rsa; p=" + "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "x" * 340 + "IDAQAB"
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: a request here fails to connect


@pytest.fixture(autouse=True)
def env(sandbox_env: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """Clients read the sandbox from the environment; tables are drawn 80 columns wide."""
    monkeypatch.setenv("COLUMNS", "80")
    return sandbox_env


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def ok_json(*args: str) -> Any:
    code, stdout, stderr = run(*args, "--json")
    assert code == 0, stderr
    return json.loads(stdout)  # one document, nothing else on stdout


def ok_table(*args: str) -> str:
    code, stdout, stderr = run(*args)
    assert code == 0, stderr
    assert stdout.strip()
    too_wide = [line for line in stdout.splitlines() if len(line) > 80]
    assert too_wide == []
    return stdout


def error_line(*args: str, code: int = 1) -> str:
    got, stdout, stderr = run(*args)
    assert got == code, (stdout, stderr)
    assert stdout == ""
    (line,) = stderr.strip().splitlines()
    assert line.startswith("error: ")
    assert "Traceback" not in stderr
    return line


def usage_error(*args: str) -> str:
    code, stdout, stderr = run(*args)
    assert code == 64, (stdout, stderr)  # EX_USAGE: never 2, a plan's changes
    assert stdout == ""
    return stderr


def column(table: str, header: str) -> list[str]:
    """The cells of the records table's column ``header``, each folded cell joined again, without
    its whitespace (rich folds at spaces too): compare with ``bare(value)``."""
    lines = table.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("┃") and header in line)
    names = [c.strip() for c in lines[start].split("┃")[1:-1]]
    at = names.index(header)
    cells: list[str] = []
    for line in lines[start + 2 :]:
        if not line.startswith("│"):
            break
        parts = [c.strip() for c in line.split("│")[1:-1]]
        if parts[0]:
            cells.append("")
        cells[-1] += bare(parts[at])
    return cells


def bare(text: str) -> str:
    return "".join(text.split())


def shown_value(record: DnsRecord) -> str:
    """A record's value as a table shows it (folded, spaces aside): an MX's priority first."""
    return bare(record.value if record.priority is None else f"{record.priority} {record.value}")


def check_record(document: dict[str, Any], record: DnsRecord) -> None:
    assert set(document) == RECORD_KEYS
    assert document["type"] == record.type.value
    assert document["name"] == record.name
    assert document["value"] == record.value
    assert document["purpose"] == (record.purpose.value if record.purpose else None)
    assert document["priority"] == record.priority
    assert document["verified"] == record.verified


def check_domain(document: dict[str, Any], domain: maildns.SendingDomain) -> None:
    """``document`` is ``domain`` (as the facade reads it), field by field."""
    assert set(document) == DOMAIN_KEYS
    assert document["format_version"] == "1"
    assert document["vendor"] == domain.vendor
    assert document["domain"] == domain.domain
    assert document["id"] == domain.id
    assert document["status"] == domain.status.value
    assert len(document["records"]) == len(domain.records)
    for got, record in zip(document["records"], domain.records, strict=True):
        check_record(got, record)


# --- Tesouro --------------------------------------------------------------------------------------
def test_tesouro_domains_create_list_get_verify_delete(env: Sandbox) -> None:
    made = ok_json("tesouro", "domains", "create", DOMAIN)
    with maildns.Tesouro() as tesouro:
        check_domain(made, tesouro.get_sending_domain(DOMAIN))
    assert made["vendor"] == "tesouro"
    assert made["domain"] == DOMAIN
    assert made["id"]
    assert made["status"] == "pending"
    purposes = {r["purpose"] for r in made["records"]}
    assert {"SPF", "DKIM"} <= purposes
    assert all(r["priority"] == 10 for r in made["records"] if r["type"] == "MX")

    listed = ok_json("tesouro", "domains", "list")
    assert set(listed) == {"format_version", "vendor", "domains"}
    assert listed["format_version"] == "1"
    assert listed["vendor"] == "tesouro"
    (only,) = listed["domains"]
    assert only == {k: v for k, v in made.items() if k != "format_version"}

    assert ok_json("tesouro", "domains", "get", DOMAIN) == made

    # Published, the records verify: the command prints the facade's answer.
    env.publish_dns(
        "example.com",
        [
            DnsRecord(RecordType(r["type"]), r["name"], r["value"], priority=r["priority"])
            for r in made["records"]
        ],
    )
    verified = ok_json("tesouro", "domains", "verify", DOMAIN)
    assert set(verified) == DOMAIN_KEYS
    assert verified["status"] == "verified"
    assert verified["id"] == made["id"]
    assert [r["value"] for r in verified["records"]] == [r["value"] for r in made["records"]]
    assert all(r["verified"] is True for r in verified["records"])

    line = error_line("tesouro", "domains", "delete", DOMAIN)
    assert line == (
        f"error: deleting {DOMAIN} at Tesouro needs --yes when there is no terminal to confirm on"
    )
    assert ok_json("tesouro", "domains", "get", DOMAIN)["id"] == made["id"]  # still there
    deleted = ok_json("tesouro", "domains", "delete", DOMAIN, "--yes")
    assert deleted == {
        "format_version": "1",
        "vendor": "tesouro",
        "domain": DOMAIN,
        "deleted": True,
    }
    assert ok_json("tesouro", "domains", "list")["domains"] == []


def test_tesouro_tables_fit_80_columns_and_fold_the_dkim_key() -> None:
    table = ok_table("tesouro", "domains", "create", DOMAIN)
    with maildns.Tesouro() as tesouro:
        domain = tesouro.get_sending_domain(DOMAIN)
    assert domain.id in table
    assert "pending" in table
    dkim = next(r.value for r in domain.records if r.purpose is RecordPurpose.DKIM)
    assert len(dkim) > 80  # folded over lines, whole
    assert column(table, "value") == [shown_value(r) for r in domain.records]
    assert column(table, "type") == [r.type.value for r in domain.records]
    listed = ok_table("tesouro", "domains", "list")
    assert DOMAIN in listed
    assert domain.id in listed
    assert ok_table("tesouro", "domains", "get", DOMAIN) == table
    assert ok_table("tesouro", "domains", "delete", DOMAIN, "--yes").strip() == f"deleted {DOMAIN}"


def test_tesouro_errors_are_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    line = error_line("tesouro", "domains", "get", "nope.example.com")
    assert line == "error: tesouro get_sending_domain: 404 no sending domain 'nope.example.com'"
    assert error_line("tesouro", "domains", "delete", "nope.example.com", "--yes").startswith(
        "error: tesouro delete_sending_domain: 404 "
    )
    line = error_line("tesouro", "domains", "create", DOMAIN, "--api-version", "latest")
    assert line.startswith("error: tesouro create_sending_domain: api_version: ")
    # The facade's checks come before any request: with nothing listening, still the check.
    monkeypatch.setenv("TESOURO_BASE_URL", UNREACHABLE)
    line = error_line("tesouro", "domains", "create", "not a domain!")
    assert line == (
        "error: tesouro create_sending_domain: domain: must have at least 2 labels "
        "(like example.com), got 'not a domain!'"
    )
    assert error_line("tesouro", "domains", "get", DOMAIN).startswith(
        "error: tesouro get_sending_domain: "
    )  # and this one did try to connect
    monkeypatch.delenv("TESOURO_CLIENT_SECRET")
    line = error_line("tesouro", "domains", "list")
    assert line.startswith("error: tesouro list_sending_domains: ")
    assert "TESOURO_CLIENT_SECRET" in line


def test_the_facade_retries_and_then_reports_one_line(env: Sandbox) -> None:
    env.inject_fault("tesouro", "GET", "/finops/v1/mailbox-domains", status=503, times=2)
    assert ok_json("tesouro", "domains", "list")["domains"] == []  # retried: two 503s, a 200
    assert env.pending_faults() == []
    env.inject_fault("tesouro", "GET", "/finops/v1/mailbox-domains", status=503, times=50)
    line = error_line("tesouro", "domains", "list")
    assert line == "error: tesouro list_sending_domains: 503 Injected fault"


def test_bad_arguments_are_usage_errors() -> None:
    assert "Missing argument" in usage_error("tesouro", "domains", "get")
    assert "No such command" in usage_error("tesouro", "domains", "update", DOMAIN)
    assert "No such option" in usage_error("tesouro", "domains", "create", DOMAIN, "--ttl", "1")
    assert "No such command" in usage_error("ciirus", "subaccount", "lst")
    assert "--approved" in usage_error(
        "ciirus", "subaccount", "create", DOMAIN, "--daily-send-limit", "5"
    )
    assert "not a valid int" in usage_error(
        "ciirus", "subaccount", "create", DOMAIN, "--daily-send-limit", "many", "--approved"
    )
    assert "--type" in usage_error(
        "telecomx", "records", "add", ZONE, "--type", "BOGUS", "--name", ZONE, "--value", "x"
    )
    assert "--customer" in usage_error("telecomx", "zones", "create", ZONE, "--product", "a" * 24)
    assert "not a valid int" in usage_error("telecomx", "zones", "update", ZONE, "--ttl", "soon")


def test_a_delete_asks_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_vendors, "_interactive", lambda: True)
    ok_json("tesouro", "domains", "create", DOMAIN)
    code, stdout, stderr = run("tesouro", "domains", "delete", DOMAIN, input="n\n")
    assert code == 1
    assert f"Delete {DOMAIN} at Tesouro?" in stderr
    # the prompt, then the refusal (the answer is not echoed: no newline between them)
    assert stderr.endswith("[y/N]: error: not deleted\n") or stderr.endswith(
        "[y/N]:error: not deleted\n"
    )
    assert ok_json("tesouro", "domains", "get", DOMAIN)["domain"] == DOMAIN
    code, stdout, stderr = run("tesouro", "domains", "delete", DOMAIN, input="y\n")
    assert code == 0, stderr
    assert stdout.splitlines()[-1] == f"deleted {DOMAIN}"  # after the echoed answer
    error_line("tesouro", "domains", "get", DOMAIN)  # 404


# --- TelecomX zones and records -------------------------------------------------------------------
def create_zone(sb: Sandbox, *more: str) -> Any:
    return ok_json(
        "telecomx",
        "zones",
        "create",
        ZONE,
        "--customer",
        sb.telecomx_customer_id,
        "--product",
        sb.telecomx_product_id,
        *more,
    )


def check_zone_document(document: dict[str, Any], zone: maildns.Zone) -> None:
    assert set(document) == ZONE_KEYS
    assert document["format_version"] == "1"
    assert document["vendor"] == "telecomx"
    assert document["domain"] == zone.domain
    assert document["ttl"] == zone.ttl
    assert document["serial"] == zone.serial
    assert document["customer"] == zone.raw.customer
    assert document["product"] == zone.raw.product
    assert document["status"] == (zone.status.value if zone.status else None)
    for got, record in zip(document["records"], zone.records, strict=True):
        check_record(got, record)


def test_telecomx_zones_create_list_get_update_check_delete(env: Sandbox) -> None:
    made = create_zone(env, "--ttl", "3600")
    assert made["domain"] == ZONE
    assert made["ttl"] == 3600
    assert made["customer"] == env.telecomx_customer_id
    assert made["product"] == env.telecomx_product_id
    assert isinstance(made["serial"], int)
    with maildns.TelecomX() as telecomx:
        zone = telecomx.get_zone(ZONE)
    got = ok_json("telecomx", "zones", "get", ZONE)
    check_zone_document(got, zone)

    listed = ok_json("telecomx", "zones", "list")
    assert set(listed) == {"format_version", "vendor", "zones"}
    assert [z["domain"] for z in listed["zones"]] == [ZONE]
    assert set(listed["zones"][0]) == ZONE_KEYS - {"format_version", "vendor"}
    mine = ok_json("telecomx", "zones", "list", "--customer", env.telecomx_customer_id)
    assert mine["zones"] == listed["zones"]
    line = error_line("telecomx", "zones", "list", "--customer", "nobody")
    assert line.startswith("error: telecomx list_zones: customer: must be 24 hexadecimal")

    updated = ok_json("telecomx", "zones", "update", ZONE, "--ttl", "600")
    assert updated["ttl"] == 600
    assert updated["product"] == env.telecomx_product_id
    assert updated["serial"] > made["serial"]
    line = error_line("telecomx", "zones", "update", ZONE)
    assert line == (
        "error: telecomx update_zone: ttl, product: give ttl, product or both: "
        "there is nothing to update"
    )

    checked = ok_json("telecomx", "zones", "check", ZONE)
    assert checked == {
        "format_version": "1",
        "vendor": "telecomx",
        "domain": ZONE,
        "status": "served",
    }
    line = error_line("telecomx", "zones", "check", "unknown.example")
    assert line == "error: telecomx check_zone: 404 DNS not found"

    assert error_line("telecomx", "zones", "delete", ZONE).endswith(
        "needs --yes when there is no terminal to confirm on"
    )
    deleted = ok_json("telecomx", "zones", "delete", ZONE, "--yes")
    assert deleted == {"format_version": "1", "vendor": "telecomx", "domain": ZONE, "deleted": True}
    assert error_line("telecomx", "zones", "get", ZONE).startswith("error: telecomx get_zone: 404 ")


def test_telecomx_create_checks_its_settings_before_any_request(
    env: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELECOMX_BASE_URL", UNREACHABLE)
    line = error_line(
        "telecomx",
        "zones",
        "create",
        ZONE,
        "--customer",
        "xyz",
        "--product",
        env.telecomx_product_id,
    )
    assert line == (
        "error: telecomx create_zone: customer: must be 24 hexadecimal characters, got 3: 'xyz'"
    )
    line = error_line(
        "telecomx",
        "records",
        "add",
        ZONE,
        "--type",
        "TXT",
        "--name",
        "bad name!.example.org",
        "--value",
        "x",
    )
    assert line.startswith("error: telecomx add_record: record.name: label 'bad name!' ")


def test_telecomx_records_add_update_delete(env: Sandbox) -> None:
    create_zone(env)
    mx = ["--type", "mx", "--name", ZONE, "--value", "mx1.example.org", "--priority", "10"]
    added = ok_json("telecomx", "records", "add", ZONE, *mx)
    assert added == {
        "format_version": "1",
        "vendor": "telecomx",
        "domain": ZONE,
        "action": "added",
        "record": {
            "type": "MX",
            "name": ZONE,
            "value": "mx1.example.org",
            "purpose": None,
            "priority": 10,
            "verified": None,
        },
    }
    name = f"k1._domainkey.{ZONE}"
    txt = ["--type", "TXT", "--name", name, "--value", DKIM]
    assert ok_json("telecomx", "records", "add", ZONE, *txt)["record"]["value"] == DKIM

    updated = ok_json("telecomx", "records", "update", ZONE, *mx, "--new-value", "mx2.example.org")
    assert updated["action"] == "updated"
    assert updated["old_value"] == "mx1.example.org"
    assert updated["record"]["value"] == "mx2.example.org"
    assert updated["record"]["priority"] == 10
    with maildns.TelecomX() as telecomx:
        zone = telecomx.get_zone(ZONE)
    expected_mx = DnsRecord(RecordType.MX, ZONE, "mx2.example.org", priority=10)
    assert expected_mx in zone.records
    assert DnsRecord(RecordType.TXT, name, DKIM) in zone.records
    check_zone_document(ok_json("telecomx", "zones", "get", ZONE), zone)

    table = ok_table("telecomx", "zones", "get", ZONE)
    assert column(table, "value") == [shown_value(r) for r in zone.records]
    assert column(table, "name") == [r.name for r in zone.records]

    missing = ["--type", "MX", "--name", ZONE, "--value", "gone.example.org", "--priority", "10"]
    assert error_line("telecomx", "records", "delete", ZONE, *missing, "--yes").startswith(
        "error: telecomx delete_record: 404 "
    )
    assert error_line("telecomx", "records", "delete", ZONE, *txt).endswith(
        "needs --yes when there is no terminal to confirm on"
    )
    deleted = ok_json("telecomx", "records", "delete", ZONE, *txt, "--yes")
    assert deleted["action"] == "deleted"
    assert deleted["record"]["value"] == DKIM
    now = ["--type", "MX", "--name", ZONE, "--value", "mx2.example.org", "--priority", "10"]
    shown = ok_table("telecomx", "records", "delete", ZONE, *now, "--yes")
    assert "deleted in example.org" in shown
    with maildns.TelecomX() as telecomx:
        assert telecomx.get_zone(ZONE).records == ()


# --- a DNS host reached over DNS (RFC 2136), on a real BIND --------------------------------------
@pytest.fixture(scope="module")
def bind() -> Iterator[dnsservers.DnsServer]:
    yield from dnsservers.serving("bind", (ZONE,))


def test_rfc2136_zones_and_records_from_its_declaration(
    bind: dnsservers.DnsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commands a declared DNS host gets, from its declaration: no zone create or delete
    for a host that cannot make zones; records added, listed, updated and deleted on BIND."""
    host = next(d for d in VENDORS.values() if d.transport is Transport.DNS)
    for name, value in bind.env().items():
        monkeypatch.setenv(name, value)
    assert host.zones_env is not None
    monkeypatch.setenv(host.zones_env, ZONE)
    vendor = host.name
    assert run(vendor, "zones", "create", ZONE)[0] == _common.USAGE  # no such command
    assert run(vendor, "zones", "delete", ZONE, "--yes")[0] == _common.USAGE
    (listed,) = ok_json(vendor, "zones", "list")["zones"]
    served = ZoneStatus.SERVED.value
    assert (listed["domain"], listed["status"]) == (ZONE, served)
    assert ok_json(vendor, "zones", "check", ZONE)["status"] == served

    txt = ["--type", "TXT", "--name", f"k1._domainkey.{ZONE}", "--value", DKIM]
    assert ok_json(vendor, "records", "add", ZONE, *txt)["record"]["value"] == DKIM
    # Targets outside the zone: BIND refuses an MX to an in-zone name with no address.
    mx = ["--type", "MX", "--name", ZONE, "--value", "mx1.example.net", "--priority", "10"]
    ok_json(vendor, "records", "add", ZONE, *mx)
    updated = ok_json(vendor, "records", "update", ZONE, *mx, "--new-value", "mx2.example.net")
    assert updated["old_value"] == "mx1.example.net"
    records = ok_json(vendor, "records", "list", ZONE, "--type", "MX")["records"]
    assert [(r["value"], r["priority"]) for r in records] == [("mx2.example.net", 10)]
    assert dnsservers.served(bind, ZONE, "MX") == ["10 mx2.example.net."]
    ok_json(vendor, "records", "delete", ZONE, *txt, "--yes")
    assert ok_json(vendor, "records", "list", ZONE, "--type", "TXT")["records"] == []
    at_apex = ok_json(vendor, "records", "list", ZONE, "--name", ZONE)["records"]
    assert sorted(r["type"] for r in at_apex) == ["MX", "NS"]  # the zone's own NS, and ours

    monkeypatch.setenv("RFC2136_KEY_SECRET", "d3Jvbmcgc2VjcmV0IG9mIHRoaXJ0eS10d28gYnl0ZXM=")
    line = error_line(vendor, "records", "list", ZONE)
    assert "does not accept the TSIG key" in line
    assert bind.secret not in line


# --- CiiRUS ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("api_version", ["v2023.07.31", "v2024.07.31"])
def test_ciirus_subaccount_create_get_update_verify_delete(api_version: str) -> None:
    version = ["--api-version", api_version]
    made = ok_json(
        "ciirus",
        "subaccount",
        "create",
        DOMAIN,
        "--daily-send-limit",
        "250",
        "--approved",
        *version,
    )
    got = ok_json("ciirus", "subaccount", "get", DOMAIN, *version)
    with maildns.Ciirus(api_version=api_version) as ciirus:
        check_domain(got, ciirus.get_sending_domain(DOMAIN))
    assert made["vendor"] == "ciirus"
    assert made["status"] == "pending"
    assert {k: made[k] for k in ("id", "domain", "status")} == {
        k: got[k] for k in ("id", "domain", "status")
    }
    assert "DKIM" in {r["purpose"] for r in made["records"]}
    # v2023.07.31 creates without SPF (a later read has it): what create answered, as it was
    assert all(r in got["records"] for r in made["records"])

    changed = ok_json(
        "ciirus",
        "subaccount",
        "update",
        DOMAIN,
        "--daily-send-limit",
        "500",
        "--no-approved",
        *version,
    )
    assert set(changed) == DOMAIN_KEYS
    assert changed["id"] == made["id"]
    line = error_line(
        "ciirus", "subaccount", "update", DOMAIN, "--daily-send-limit", "-1", "--approved", *version
    )
    assert line == (
        "error: ciirus update_sending_domain: daily_send_limit: must be an integer of 0 or more,"
        " got -1"
    )

    verified = ok_json("ciirus", "subaccount", "verify", DOMAIN, *version)
    with maildns.Ciirus(api_version=api_version) as ciirus:
        check_domain(verified, ciirus.get_sending_domain(DOMAIN))

    line = error_line(
        "ciirus",
        "subaccount",
        "create",
        "other.example.com",
        "--daily-send-limit",
        "1",
        "--approved",
        *version,
    )
    # one subaccount per account: CiiRUS answers 422
    assert line.startswith("error: ciirus create_sending_domain: 422 a subaccount already exists")
    deleted = ok_json("ciirus", "subaccount", "delete", DOMAIN, "--yes", *version)
    assert deleted == {"format_version": "1", "vendor": "ciirus", "domain": DOMAIN, "deleted": True}
    assert error_line("ciirus", "subaccount", "get", DOMAIN, *version).startswith(
        "error: ciirus get_sending_domain: 404 "
    )


def test_ciirus_table_and_api_version() -> None:
    table = ok_table(
        "ciirus", "subaccount", "create", DOMAIN, "--daily-send-limit", "250", "--no-approved"
    )
    with maildns.Ciirus() as ciirus:
        domain = ciirus.get_sending_domain(DOMAIN)
    assert column(table, "value") == [shown_value(r) for r in domain.records]
    line = error_line("ciirus", "subaccount", "get", DOMAIN, "--api-version", "v1")
    assert line == (
        "error: ciirus get_sending_domain: api_version: must be one of 'v2023.07.31', "
        "'v2024.07.31', got str 'v1'"
    )


# --- for real -------------------------------------------------------------------------------------
def test_the_installed_command_runs_vendor_commands() -> None:
    command = str(Path(sys.executable).parent / "maildns")
    done = subprocess.run(
        [command, "tesouro", "domains", "create", DOMAIN, "--json"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["format_version"] == "1"
    assert document["domain"] == DOMAIN
    done = subprocess.run(
        [command, "telecomx", "zones", "get", "unknown.example"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == ["error: telecomx get_zone: 404 DNS not found"]
