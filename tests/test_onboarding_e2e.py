"""``maildns onboard`` end to end against the sandbox, its DNS included, as a user runs it.

One domain at both vendors into a zone that already holds a foreign SPF; drift repaired; the
DNS faults (SERVFAIL, a lagging nameserver, a propagation delay, no answer) seen through
``verify`` and ``verify --wait``; and an apply killed with SIGKILL in the middle of a request,
then run again: nothing duplicated, nothing lost.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import maildns
from maildns import DnsRecord, RecordType
from maildns._cli import app
from maildns.sandbox import Sandbox

from .conftest import write_onboard_config

pytestmark = pytest.mark.usefixtures("no_backoff")

ZONE = "example.com"
DOMAIN = "mail.example.com"
FOREIGN_SPF = "v=spf1 include:_spf.google.com -all"
MAILDNS = Path(sys.executable).parent / "maildns"


@pytest.fixture
def config(sandbox_env: Sandbox, tmp_path: Path) -> Path:
    vendors = "    tesouro: {}\n    ciirus: {daily_send_limit: 500, approved: true}\n"
    return write_onboard_config(tmp_path / "onboard.yaml", sandbox_env, vendors)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["onboard", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def verify_json(config: Path, *more: str) -> tuple[int, dict[str, Any]]:
    code, stdout, _ = run("verify", str(config), "--json", *more)
    return code, json.loads(stdout)["domains"][0]


def statuses(domain: dict[str, Any]) -> dict[str, str]:
    return {vendor: v["status"] for vendor, v in domain["vendors"].items()}


def missing(domain: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (vendor, r["name"])
        for vendor, v in domain["vendors"].items()
        for r in v["records"]
        if not r["found"]
    ]


def spf_records(zone: maildns.Zone) -> list[str]:
    return [r.value for r in zone.records if r.name == DOMAIN and r.value.startswith("v=spf1")]


@pytest.fixture
def applied(config: Path) -> Path:
    code, _, stderr = run("apply", str(config), "--yes")
    assert code == 0, stderr
    return config


# --- the whole story ------------------------------------------------------------------------------
def test_a_foreign_spf_is_merged_both_vendors_verify_and_drift_is_repaired(
    config: Path, sandbox_env: Sandbox
) -> None:
    sb = sandbox_env
    with maildns.TelecomX() as dns:  # the customer's zone, with their own SPF, before maildns
        dns.create_zone(ZONE, customer=sb.telecomx_customer_id, product=sb.telecomx_product_id)
        dns.add_record(ZONE, DnsRecord(RecordType.TXT, DOMAIN, FOREIGN_SPF))

    code, stdout, _ = run("plan", str(config), "--json")
    assert code == 2
    assert [c["kind"] for c in json.loads(stdout)["domains"][0]["changes"]] == [
        "sending_domain",
        "sending_domain",
        "record",  # DMARC
    ]
    assert run("apply", str(config), "--yes")[0] == 0
    with maildns.TelecomX() as dns:
        (spf,) = spf_records(dns.get_zone(ZONE))  # one SPF record, merged
    terms = spf.split()
    assert terms[0] == "v=spf1"
    assert {"include:_spf.google.com", "include:mailgun.org", "include:spf.mandrillapp.com"} <= set(
        terms
    )
    assert terms[-1] == "-all"  # the qualifier the zone had is kept

    code, domain = verify_json(config)
    assert code == 0
    assert statuses(domain) == {"tesouro": "verified", "ciirus": "verified"}
    assert missing(domain) == []

    # Someone deletes CiiRUS's DKIM record by hand: verify sees it, apply puts it back.
    with maildns.TelecomX() as dns:
        zone = dns.get_zone(ZONE)
        dkim = next(r for r in zone.records if r.name == f"mandrill._domainkey.{DOMAIN}")
        dns.delete_record(ZONE, dkim)
    code, domain = verify_json(config)
    assert code == 3
    assert missing(domain) == [("ciirus", dkim.name)]
    (check,) = [r for r in domain["vendors"]["ciirus"]["records"] if not r["found"]]
    assert len(check["answers"]) == 2  # ns1 and ns2, each saying what it serves
    assert all(a.endswith(" NXDOMAIN") for a in check["answers"])  # the name is gone
    assert statuses(domain)["ciirus"] == "pending"

    code, stdout, _ = run("apply", str(config), "--yes", "--json")
    assert code == 0
    assert [(c["action"], c["name"]) for c in json.loads(stdout)["done"]] == [("create", dkim.name)]
    code, domain = verify_json(config)
    assert code == 0
    assert statuses(domain) == {"tesouro": "verified", "ciirus": "verified"}
    assert run("plan", str(config))[0] == 0


# --- DNS faults -----------------------------------------------------------------------------------
def test_a_lagging_nameserver_keeps_the_vendors_unasked_until_it_catches_up(
    applied: Path, sandbox_env: Sandbox
) -> None:
    sb = sandbox_env
    sb.dns_fault("lag", seconds=60)
    code, domain = verify_json(applied)
    assert code == 3
    ns1, ns2 = (f"{h}:{p}" for h, p in sb.dns_addresses)
    for vendor, v in domain["vendors"].items():
        for record in v["records"]:
            assert not record["found"], (vendor, record)
            first, second = record["answers"]
            assert first.startswith(ns1)
            assert not first.endswith(("nothing", "REFUSED"))
            assert second == f"{ns2} REFUSED"  # the zone did not exist there 60 s ago
    # Not asked: the sandbox's Tesouro still has the domain waiting, never verified.
    with maildns.Tesouro() as tesouro:
        assert tesouro.get_sending_domain(DOMAIN).status is maildns.DomainStatus.PENDING
    assert statuses(domain)["ciirus"] == "pending"  # CiiRUS looks at both servers too

    sb.advance_clock(60)  # ns2 catches up
    code, domain = verify_json(applied)
    assert code == 0
    assert statuses(domain) == {"tesouro": "verified", "ciirus": "verified"}


def test_verify_wait_looks_again_after_a_servfail(applied: Path, sandbox_env: Sandbox) -> None:
    sandbox_env.dns_fault("servfail", server="ns1", times=1)
    started = time.monotonic()
    code, stdout, stderr = run("verify", str(applied), "--wait", "5m", "--json")
    assert code == 0, stderr
    assert f"not verified yet: {DOMAIN}; looking again in 2 s" in stderr
    assert time.monotonic() - started >= 2  # it waited the ladder's first step
    assert statuses(json.loads(stdout)["domains"][0]) == {
        "tesouro": "verified",
        "ciirus": "verified",
    }
    assert sandbox_env.pending_dns_faults() == []


@pytest.mark.long
def test_verify_without_an_answer_reports_the_timeout(applied: Path, sandbox_env: Sandbox) -> None:
    sandbox_env.dns_fault("drop", server="ns2")
    code, domain = verify_json(applied)
    assert code == 3
    answers = [a for v in domain["vendors"].values() for r in v["records"] for a in r["answers"]]
    ns2 = "{}:{}".format(*sandbox_env.dns_addresses[1])
    assert {a for a in answers if a.startswith(ns2)} == {f"{ns2} timeout"}
    assert statuses(domain)["tesouro"] == "pending"


def _maildns(*args: str, **kw: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    return subprocess.Popen(
        [str(MAILDNS), "onboard", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kw,
    )


def test_verify_wait_outlasts_a_propagation_delay(config: Path, sandbox_env: Sandbox) -> None:
    """The real binary waits; the delay ends when the sandbox clock moves, mid-wait."""
    sb = sandbox_env
    sb.advance_clock(600)
    sb.dns_fault("delay", seconds=120)  # from now on, changes show two minutes later
    assert run("apply", str(config), "--yes")[0] == 0
    process = _maildns("verify", str(config), "--wait", "10m", "--json")
    try:
        assert process.stderr is not None
        line = process.stderr.readline()  # the first round is over
        assert f"not verified yet: {DOMAIN}" in line, line
        sb.advance_clock(120)  # propagated
        stdout, stderr = process.communicate(timeout=600)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert statuses(json.loads(stdout)["domains"][0]) == {
        "tesouro": "verified",
        "ciirus": "verified",
    }


# --- SIGKILL --------------------------------------------------------------------------------------
HELD = 2.0  # seconds a killed apply's request waits at the vendor


def _steps(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT change, state, detail FROM steps ORDER BY id").fetchall()
    return [(json.loads(c)["kind"] + " " + json.loads(c)["action"], s, d) for c, s, d in rows]


@pytest.mark.parametrize(
    ("vendor", "method", "path", "lands"),
    [
        ("tesouro", "POST", "/finops/v1/mailbox-domains", True),
        ("ciirus", "POST", "/v2024.07.31/emails/subaccount", True),
        ("telecomx", "POST", "/dns/{domain}/record", True),
        ("telecomx", "POST", "/dns/{domain}/record", False),
    ],
    ids=["tesouro-domain-made", "ciirus-subaccount-made", "record-made", "record-not-made"],
)
@pytest.mark.long
def test_an_apply_killed_mid_request_finishes_on_the_next_run(
    config: Path,
    sandbox_env: Sandbox,
    vendor: str,
    method: str,
    path: str,
    lands: bool,
) -> None:
    sb = sandbox_env
    # The process is killed while its request waits at the vendor: a request the vendor has
    # handled already (lands: only its answer is pending), or one it has not. The answer is
    # held for HELD seconds, far longer than the kill takes however busy the machine.
    sb.inject_fault(vendor, method, path, delay=HELD, status=503, lose_response=lands)
    process = _maildns("apply", str(config), "--yes")
    deadline = time.monotonic() + 180  # a bound on a process that hangs, not on its speed
    while sb.pending_faults():  # the request is at the vendor now
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "apply never reached the request"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL
    # The vendor is done with the request once its held answer (the 503) has gone out.
    while sb.stats()[vendor]["status"].get("503", 0) < 1:
        assert time.monotonic() < deadline, "the held answer never went out"
        time.sleep(0.05)

    journal = config.parent / ".maildns" / "state.sqlite3"
    killed = [s for s in _steps(journal) if s[1] == "started"]
    assert len(killed) == 1, _steps(journal)

    code, _, stderr = run("apply", str(config), "--yes")  # the next run
    assert code == 0, stderr
    steps = _steps(journal)
    assert not [s for s in steps if s[1] == "started"]
    settled = [s for s in steps if s[2].startswith("settled")]
    expected = (
        "settled: found done after a restart" if lands else "settled: not found after a restart"
    )
    assert [s[2] for s in settled] == [expected]
    assert run("plan", str(config))[0] == 0  # nothing lost
    # nothing duplicated: one of each sending domain, each wanted record once
    with maildns.Tesouro() as tesouro, maildns.TelecomX() as dns:
        assert [d.domain for d in tesouro.list_sending_domains()] == [DOMAIN]
        zone = dns.get_zone(ZONE)
    held = [(r.type, r.name, r.value, r.priority) for r in zone.records]
    assert len(held) == len(set(held))
    assert len(spf_records(zone)) == 1
    code, domain = verify_json(config)
    assert code == 0, domain


# --- prune ----------------------------------------------------------------------------------------
def test_prune_through_the_command_line(applied: Path, sandbox_env: Sandbox) -> None:
    with maildns.TelecomX() as dns:
        dns.add_record(ZONE, DnsRecord(RecordType.A, "www.example.com", "192.0.2.10"))
    text = applied.read_text()
    applied.write_text(text[: text.index("  - domain:")].replace("domains:\n", "domains: []\n"))

    assert run("plan", str(applied))[0] == 0  # a dropped domain is left alone
    code, stdout, _ = run("plan", str(applied), "--prune", "--json")
    assert code == 2
    document = json.loads(stdout)
    changes = document["domains"][0]["changes"]
    assert document["domains"][0]["domain"] == DOMAIN
    assert {c["action"] for c in changes} == {"delete"}
    assert all(c["prune"] is True for c in changes)
    assert {c["vendor"] for c in changes if c["kind"] == "sending_domain"} == {"tesouro", "ciirus"}

    code, _, stderr = run("apply", str(applied), "--yes", "--prune")
    assert code == 0, stderr
    with maildns.TelecomX() as dns, maildns.Tesouro() as tesouro:
        zone = dns.get_zone(ZONE)
        assert list(tesouro.list_sending_domains()) == []
    assert [(r.type, r.name, r.value) for r in zone.records] == [
        (RecordType.A, "www.example.com", "192.0.2.10")
    ]
    assert run("plan", str(applied), "--prune")[0] == 0


def test_a_record_removed_after_the_vendor_verified_still_fails_verify(applied: Path) -> None:
    code, domain = verify_json(applied)
    assert code == 0
    with maildns.TelecomX() as dns:
        zone = dns.get_zone(ZONE)
        dkim = next(
            r
            for r in zone.records
            if r.name.endswith(f"._domainkey.{DOMAIN}") and r.value.startswith("k=rsa")
        )
        dns.delete_record(ZONE, dkim)
    code, domain = verify_json(applied)
    assert code == 3  # Tesouro still says verified, but the record is gone
    assert statuses(domain)["tesouro"] == "verified"
    assert missing(domain) == [("tesouro", dkim.name)]
