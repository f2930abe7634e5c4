"""What the plan knows before anything is created: an SPF receivers would evaluate as
permerror, and the DMARC policy receivers look for.

End to end against the sandbox: its DNS is the resolver (``MAILDNS_RESOLVER``), with
stand-ins for the common SPF includes modelled on their published lookup counts. The verdicts
are the receivers' rules (RFC 7208, RFC 7489); tests/test_spf_sandbox.py checks the same
counts with checkdmarc through the same DNS server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import maildns
from maildns import DnsRecord, RecordType, onboarding
from maildns.sandbox import Sandbox

from .conftest import write_onboard_config
from .test_onboarding_foreseen import _zone_with

pytestmark = pytest.mark.usefixtures("no_backoff")

ZONE = "example.com"
DOMAIN = "mail.example.com"
FIVE_INCLUDES = (
    "v=spf1 include:_spf.google.com include:spf.protection.outlook.com include:sendgrid.net "
    "include:servers.mcsv.net include:_spf.salesforce.com ~all"
)


@pytest.fixture
def config(sandbox_env: Sandbox, tmp_path: Path) -> Path:
    return write_onboard_config(tmp_path / "onboard.yaml", sandbox_env, "    tesouro: {}\n")


def _tesouro_domains() -> list[str]:
    with maildns.Tesouro() as tesouro:
        return [d.domain for d in tesouro.list_sending_domains()]


def _txt(name: str) -> list[str]:
    with maildns.TelecomX() as dns:
        zone = dns.get_zone(ZONE)
    return sorted(r.value for r in zone.records if r.type is RecordType.TXT and r.name == name)


def test_an_spf_over_its_lookup_budget_through_its_includes_is_refused_before_any_create(
    config: Path, sandbox_env: Sandbox
) -> None:
    _zone_with(sandbox_env, DnsRecord(RecordType.TXT, DOMAIN, FIVE_INCLUDES))
    (domain,) = onboarding.plan(config).domains
    (problem,) = [p for p in domain.problems if "DNS lookups" in p]
    assert problem.startswith(
        f"the merged SPF record at {DOMAIN} needs 13 DNS lookups, over the 10 receivers allow"
    ), problem
    assert "include:mailgun.org" in problem  # the lookup tree says what costs what
    assert onboarding.apply(config, force=True).done == ()  # --force does not excuse it
    assert _tesouro_domains() == []
    assert _txt(DOMAIN) == [FIVE_INCLUDES]


def test_an_invalid_foreign_spf_is_refused_not_merged(config: Path, sandbox_env: Sandbox) -> None:
    invalid = "v=spf1 a:192.0.2.25 include:_spf.google.com ~all"
    _zone_with(sandbox_env, DnsRecord(RecordType.TXT, DOMAIN, invalid))
    (domain,) = onboarding.plan(config).domains
    assert any("permerror" in p and "192.0.2.25" in p for p in domain.problems), domain
    onboarding.apply(config, force=True)
    assert _tesouro_domains() == []
    assert _txt(DOMAIN) == [invalid]


def test_dmarc_is_created_and_then_left_as_it_is(config: Path) -> None:
    assert onboarding.apply(config).finished
    assert _txt(f"_dmarc.{DOMAIN}") == ["v=DMARC1; p=none"]
    assert not onboarding.plan(config).has_changes


def test_an_existing_dmarc_is_kept_merged_with_the_configured_rua_and_never_lowered(
    config: Path, sandbox_env: Sandbox
) -> None:
    existing = "v=DMARC1; p=reject; rua=mailto:security@example.com"
    _zone_with(sandbox_env, DnsRecord(RecordType.TXT, f"_dmarc.{DOMAIN}", existing))
    config.write_text(config.read_text() + "dmarc: {policy: none, rua: mailto:dmarc@example.com}\n")
    (domain,) = onboarding.plan(config).domains
    (dmarc,) = [c for c in domain.changes if c.name == f"_dmarc.{DOMAIN}"]
    assert (dmarc.action, dmarc.old_value) == ("update", existing)
    assert dmarc.value == (
        "v=DMARC1; p=reject; rua=mailto:security@example.com,mailto:dmarc@example.com"
    )
    assert "kept p=reject" in dmarc.reason
    assert onboarding.apply(config).finished
    assert _txt(f"_dmarc.{DOMAIN}") == [dmarc.value]
    # maildns owns the merge: a prune puts back what was there
    config.write_text(config.read_text().split("domains:\n")[0] + "domains: []\n")
    assert onboarding.apply(config, prune=True).finished
    assert _txt(f"_dmarc.{DOMAIN}") == [existing]


def test_an_organisational_policy_covers_the_domain_and_is_not_lowered(
    config: Path, sandbox_env: Sandbox
) -> None:
    org = "v=DMARC1; p=quarantine; sp=reject"
    _zone_with(sandbox_env, DnsRecord(RecordType.TXT, f"_dmarc.{ZONE}", org))
    (domain,) = onboarding.plan(config).domains
    assert [c for c in domain.changes if c.name == f"_dmarc.{DOMAIN}"] == []  # covered


def test_an_invalid_dmarc_is_refused_with_its_reason(config: Path, sandbox_env: Sandbox) -> None:
    _zone_with(sandbox_env, DnsRecord(RecordType.TXT, f"_dmarc.{DOMAIN}", "v=DMARC1; p=maybe"))
    (domain,) = onboarding.plan(config).domains
    assert any(p.startswith(f"the DMARC record at _dmarc.{DOMAIN}: ") for p in domain.problems)
    assert any("maybe" in p for p in domain.problems), domain.problems


# --- verify and check: what receivers conclude ---------------------------------------------------
def _run(*args: str) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from maildns._cli import app

    result = CliRunner().invoke(app, ["onboard", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_a_compliant_domain_passes_check_and_verify(config: Path) -> None:
    import json

    assert onboarding.apply(config).finished
    code, stdout, _ = _run("check", str(config), "--json")
    assert code == 0, stdout
    (domain,) = json.loads(stdout)["domains"]
    results = {(f["rule"], f["vendor"]): f["result"] for f in domain["facts"]}
    assert results[("spf", None)] == "pass"
    assert results[("spf_sender", "tesouro")] == "pass"
    assert results[("dmarc", None)] == "pass"
    assert results[("mx", "tesouro")] == "pass"
    # the sandbox's Mailgun key is RSA-1024: accepted, with a warning to use 2048
    assert [r for (rule, _), r in results.items() if rule == "dkim"] == ["warn"]
    code, stdout, _ = _run("verify", str(config), "--json")
    assert code == 0
    facts = json.loads(stdout)["domains"][0]["facts"]
    assert {f["rule"] for f in facts} >= {"spf", "spf_sender", "dkim", "dmarc", "alignment"}


def test_a_broken_domain_fails_check_and_verify_naming_each_fact(
    config: Path, sandbox_env: Sandbox
) -> None:
    import json

    assert onboarding.apply(config).finished
    assert _run("verify", str(config))[0] == 0
    with maildns.TelecomX() as dns:  # someone removes DMARC and adds a second SPF record
        zone = dns.get_zone(ZONE)
        dmarc = next(r for r in zone.records if r.name == f"_dmarc.{DOMAIN}")
        dns.delete_record(ZONE, dmarc)
        dns.add_record(ZONE, DnsRecord(RecordType.TXT, DOMAIN, "v=spf1 -all"))
    code, stdout, _ = _run("check", str(config), "--json")
    assert code == 3
    (domain,) = json.loads(stdout)["domains"]
    assert domain["compliant"] is False
    failing = {f["rule"]: f["detail"] for f in domain["facts"] if f["result"] == "fail"}
    assert "2 SPF records: permerror" in failing["spf"]
    assert "no DMARC record" in failing["dmarc"]
    code, stdout, _ = _run("verify", str(config))
    assert code == 3
    assert "receivers" in stdout  # the report's table, on stdout
    assert "dmarc fail" in stdout


def test_check_judges_a_domain_maildns_never_onboarded(config: Path, sandbox_env: Sandbox) -> None:
    _zone_with(sandbox_env, DnsRecord(RecordType.TXT, DOMAIN, FIVE_INCLUDES))
    compliance = onboarding.check(config)  # no journal: none is made to look
    (domain,) = compliance
    assert not domain.compliant
    facts = {f.rule: f for f in domain.facts}
    assert facts["spf"].result == "pass"  # valid, and 8 lookups of the 10
    assert "8 of 10 DNS lookups" in facts["spf"].detail
    # but it does not authorise Tesouro's (Mailgun's) addresses: their mail fails SPF
    assert facts["spf_sender"].result == "fail"
    assert "from mailgun.org" in facts["spf_sender"].detail
    assert facts["dmarc"].result == "fail"
    assert not (config.parent / ".maildns").exists()
