"""Known before it is created: a conflict refuses a domain before any vendor is asked, and a
vendor's answer that the plan could not foresee stops the domain before any record is written.

Against the live sandbox: the plan's refusal, then apply, then what each vendor holds (nothing,
for a refused domain) and what the zone holds (nothing new).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest

import maildns
from maildns import DnsRecord, RecordType, onboarding
from maildns.sandbox import Sandbox

from .conftest import write_onboard_config

pytestmark = pytest.mark.usefixtures("no_backoff")

ZONE = "example.com"
DOMAIN = "mail.example.com"


def _zone_with(sb: Sandbox, *records: DnsRecord) -> None:
    with maildns.TelecomX() as dns:
        dns.create_zone(
            ZONE, customer=sb.telecomx_customer_id, product=sb.telecomx_product_id, ttl=3600
        )
        for record in records:
            dns.add_record(ZONE, record)


def _held(sb: Sandbox) -> tuple[list[str], list[str], list[tuple[str, str, str]]]:
    with maildns.Tesouro() as tesouro, maildns.Ciirus() as ciirus, maildns.TelecomX() as dns:
        made = [d.domain for d in tesouro.list_sending_domains()]
        subaccounts = [d.domain for d in ciirus.list_sending_domains()]
        records = [(r.type.value, r.name, r.value) for r in dns.get_zone(ZONE).records]
    return made, subaccounts, records


@pytest.fixture
def config(sandbox_env: Sandbox, tmp_path: Path) -> Path:
    vendors = "    tesouro: {}\n"
    return write_onboard_config(tmp_path / "onboard.yaml", sandbox_env, vendors)


def test_a_cname_at_the_domain_is_refused_before_the_vendor_is_asked(
    config: Path, sandbox_env: Sandbox
) -> None:
    cname = DnsRecord(RecordType.CNAME, DOMAIN, "elsewhere.example.net")
    _zone_with(sandbox_env, cname)
    plan = onboarding.plan(config)
    (domain,) = plan.domains
    assert set(domain.problems) == {
        f"{DOMAIN} is a CNAME to elsewhere.example.net: it cannot hold the TXT record tesouro "
        "needs (--force to do it anyway)",
        f"{DOMAIN} is a CNAME to elsewhere.example.net: it cannot hold the MX record tesouro "
        "needs (--force to do it anyway)",
    }
    applied = onboarding.apply(config)
    assert applied.done == ()
    made, _, records = _held(sandbox_env)
    assert made == []  # the vendor was never asked: nothing half onboarded
    assert records == [("CNAME", DOMAIN, "elsewhere.example.net")]


def test_foreign_mx_records_are_refused_before_the_vendor_is_asked(
    config: Path, sandbox_env: Sandbox
) -> None:
    _zone_with(sandbox_env, DnsRecord(RecordType.MX, DOMAIN, "mx.customer.example", priority=5))
    (domain,) = onboarding.plan(config).domains
    assert any("MX" in p and "mx.customer.example" in p for p in domain.problems), domain
    onboarding.apply(config)
    assert _held(sandbox_env)[0] == []


def test_a_zone_without_conflicts_is_not_refused_for_what_is_foreseen(
    config: Path, sandbox_env: Sandbox
) -> None:
    _zone_with(
        sandbox_env, DnsRecord(RecordType.TXT, DOMAIN, "v=spf1 include:_spf.google.com ~all")
    )
    (domain,) = onboarding.plan(config).domains
    assert domain.problems == ()
    assert onboarding.apply(config).finished


def test_two_ciirus_domains_on_one_account_are_refused_before_anything_is_sent(
    sandbox_env: Sandbox, tmp_path: Path
) -> None:
    ciirus = "    ciirus: {daily_send_limit: 500, approved: true}\n"
    config = write_onboard_config(tmp_path / "onboard.yaml", sandbox_env, ciirus)
    config.write_text(config.read_text() + "  - domain: news.example.com\n" + ciirus)
    plan = onboarding.plan(config)
    first, second = plan.domains
    assert first.problems == ()
    assert second.problems == (
        "the CiiRUS account holds 1 sending domain and mail.example.com has it: "
        "news.example.com needs a CiiRUS account of its own (give it one with `account:` "
        "under ciirus)",
    )
    applied = onboarding.apply(config)
    assert applied.domains()["mail.example.com"] == ("done", "")
    assert "news.example.com" not in applied.domains()  # refused: never tried
    assert _held(sandbox_env)[1] == ["mail.example.com"]


def test_a_ciirus_account_holding_another_domain_is_refused(
    sandbox_env: Sandbox, tmp_path: Path
) -> None:
    with maildns.Ciirus() as ciirus:
        ciirus.create_sending_domain(
            "other.example.org", maildns.CiirusSettings(daily_send_limit=10, approved=True)
        )
    ciirus_wish = "    ciirus: {daily_send_limit: 500, approved: true}\n"
    config = write_onboard_config(tmp_path / "onboard.yaml", sandbox_env, ciirus_wish)
    (domain,) = onboarding.plan(config).domains
    assert domain.problems == (
        "the CiiRUS account already holds other.example.org (one account holds 1): "
        f"{DOMAIN} cannot be created there",
    )


class _Surprising:
    """The sandbox's Tesouro, whose create answers with one record more than Mailgun's."""

    def __init__(self, provider: Any) -> None:
        self._provider = provider

    def __getattr__(self, name: str) -> Any:
        return getattr(self._provider, name)

    async def create_sending_domain(self, domain: str, settings: Any) -> maildns.SendingDomain:
        made = await self._provider.create_sending_domain(domain, settings)
        extra = DnsRecord(RecordType.TXT, f"_surprise.{domain}", "hello")
        return attrs.evolve(made, records=(*made.records, extra))


def test_an_answer_the_plan_could_not_foresee_stops_the_domain_before_any_record(
    config: Path, sandbox_env: Sandbox
) -> None:
    async def run() -> onboarding.Applied:
        async with maildns.AsyncTesouro() as tesouro:
            clients = {"tesouro": _Surprising(tesouro)}
            async with onboarding.open_engine(config, clients=clients) as engine:
                return await engine.apply()

    import asyncio

    applied = asyncio.run(run())
    outcome, why = applied.domains()[DOMAIN]
    assert outcome == "failed"
    assert why.startswith(f"tesouro asks for TXT _surprise.{DOMAIN}, which the plan could not")
    made, _, records = _held(sandbox_env)
    assert made == [DOMAIN]  # made, and owned: a prune can take it back
    assert records == []  # but nothing published
