"""``maildns.onboarding``: a YAML file in, the domains onboarded, through the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from maildns import onboarding
from maildns.sandbox import Sandbox

pytestmark = pytest.mark.usefixtures("no_backoff")


@pytest.fixture
def config(sandbox_env: Sandbox, tmp_path: Path) -> Path:
    """A configuration file; the environment the clients read points at the sandbox."""
    sb = sandbox_env
    path = tmp_path / "customers" / "onboard.yaml"
    path.parent.mkdir()
    path.write_text(
        f"""
version: 1
dns:
  vendor: telecomx
  zones:
    example.com:
      customer: "{sb.telecomx_customer_id}"
      product: "{sb.telecomx_product_id}"
      ttl: 3600
domains:
  - domain: mail.example.com
    tesouro: {{}}
    ciirus: {{daily_send_limit: 500, approved: true}}
"""
    )
    return path


def test_plan_apply_status_from_a_file(config: Path, sb: Sandbox) -> None:
    plan = onboarding.plan(config)
    assert plan.to_json()["summary"] == {
        "domains": 1,
        "create": 4,  # the zone, two sending domains, the DMARC record
        "update": 0,
        "delete": 0,
        "problems": 0,
        "errors": 0,
    }
    applied = onboarding.apply(config)
    assert applied.failed == ()
    assert (config.parent / ".maildns" / "state.sqlite3").is_file()  # the journal, beside it
    assert not onboarding.plan(config).has_changes
    servers = ",".join(f"{h}:{p}" for h, p in sb.dns_addresses)
    (domain,) = onboarding.status(config, nameservers=servers)
    assert {v: r.status for v, r in domain.vendors.items()} == {
        "tesouro": "pending",  # status asks no vendor to verify
        "ciirus": "verified",  # CiiRUS reports its validation statuses on every read
    }
    assert all(c.found for r in domain.vendors.values() for c in r.records)
    (domain,) = onboarding.verify(config, nameservers=servers)
    assert {v: r.status for v, r in domain.vendors.items()} == {
        "tesouro": "verified",
        "ciirus": "verified",
    }


def test_a_saved_plan_round_trips_through_json(config: Path, tmp_path: Path) -> None:
    import json

    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps(onboarding.plan(config).to_json()))
    plan = onboarding.Plan.from_json(json.loads(saved.read_text()))
    applied = onboarding.apply(config, plan, state=tmp_path / "elsewhere.sqlite3")
    assert applied.failed == ()
    assert (tmp_path / "elsewhere.sqlite3").is_file()
    with pytest.raises(onboarding.PlanMovedError, match="no longer planned"):
        onboarding.apply(config, plan)  # done already: the saved plan no longer holds


def test_a_bad_configuration_is_refused_before_anything_is_sent(config: Path, sb: Sandbox) -> None:
    config.write_text(config.read_text().replace("approved: true", 'approved: "yes"'))
    with pytest.raises(onboarding.ConfigError) as info:
        onboarding.apply(config)
    assert "approved" in str(info.value)
    assert not (config.parent / ".maildns").exists()


def test_the_journal_is_beside_the_configuration_unless_told(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = onboarding.load(config)
    assert onboarding.state_path(loaded) == config.parent / ".maildns" / "state.sqlite3"
    monkeypatch.setenv("MAILDNS_STATE", str(tmp_path / "env.sqlite3"))
    assert onboarding.state_path(loaded) == tmp_path / "env.sqlite3"
    assert onboarding.state_path(loaded, tmp_path / "arg.sqlite3") == tmp_path / "arg.sqlite3"
    onboarding.plan(config)
    assert (tmp_path / "env.sqlite3").is_file()
    assert not (config.parent / ".maildns").exists()
