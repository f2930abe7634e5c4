"""The onboarding engine against a live sandbox: plan, apply, idempotence, resuming, one SPF."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

import maildns
from maildns import DnsRecord, RecordType
from maildns.onboarding._dmarc import DEFAULT_POLICY
from maildns.onboarding._engine import Engine, PlanMovedError
from maildns.onboarding._journal import SqliteJournal
from maildns.onboarding._resolve import open_resolver
from maildns.onboarding._verify import report
from maildns.sandbox import Sandbox

pytestmark = pytest.mark.usefixtures("no_backoff")

ZONE = "example.com"
DOMAIN = "mail.example.com"
FOREIGN_SPF = "v=spf1 include:_spf.google.com -all"


@attrs.frozen
class _Zone:
    name: str
    settings: Any


@attrs.frozen
class _Domain:
    name: str
    zone: str
    vendors: Mapping[str, Any]
    dmarc: Any = DEFAULT_POLICY  # receivers require a policy: verify judges it


@attrs.frozen
class _Config:
    dns_vendor: str
    zones: Mapping[str, _Zone]
    domains: tuple[_Domain, ...]


@pytest.fixture
async def engine(sb: Sandbox, tmp_path: Path) -> AsyncIterator[Engine]:
    settings = maildns.TelecomXZoneSettings(
        customer=sb.telecomx_customer_id, product=sb.telecomx_product_id, ttl=3600
    )
    config = _Config(
        "telecomx",
        {ZONE: _Zone(ZONE, settings)},
        (
            _Domain(
                DOMAIN,
                ZONE,
                {
                    "tesouro": maildns.TesouroSettings(),
                    "ciirus": maildns.CiirusSettings(daily_send_limit=500, approved=True),
                },
            ),
        ),
    )
    async with (
        maildns.AsyncTelecomX(base_url=sb.url("telecomx"), **sb.credentials("telecomx")) as dns,
        maildns.AsyncTesouro(base_url=sb.url("tesouro"), **sb.credentials("tesouro")) as tesouro,
        maildns.AsyncCiirus(base_url=sb.url("ciirus"), **sb.credentials("ciirus")) as ciirus,
    ):
        with SqliteJournal(tmp_path / "state.sqlite3") as journal:
            yield Engine(
                config,
                dns=dns,
                providers={"tesouro": tesouro, "ciirus": ciirus},
                journal=journal,
                resolver=open_resolver(sb.dns_addresses),  # the sandbox's DNS: no network
            )


def _actions(changes: Any) -> list[tuple[str, str, str]]:
    return [(c.action, c.kind, c.vendor) for c in changes]


async def test_from_nothing_the_plan_creates_the_zone_and_both_domains(engine: Engine) -> None:
    plan = await engine.plan()
    (domain,) = plan.domains
    assert (domain.domain, domain.zone, domain.problems) == (DOMAIN, ZONE, ())
    assert _actions(domain.changes) == [
        ("create", "zone", "telecomx"),
        ("create", "sending_domain", "tesouro"),
        ("create", "sending_domain", "ciirus"),
        ("create", "record", "telecomx"),  # DMARC
    ]
    assert plan == await engine.plan()  # planning is read-only
    assert [z async for z in engine.dns.list_zones()] == []


async def test_apply_onboards_both_vendors_into_a_zone_with_a_foreign_spf(
    engine: Engine, sb: Sandbox
) -> None:
    await engine.dns.create_zone(ZONE, engine.config.zones[ZONE].settings)
    await engine.dns.add_record(ZONE, DnsRecord(RecordType.TXT, DOMAIN, FOREIGN_SPF))
    applied = await engine.apply()
    assert applied.failed == ()
    zone = await engine.dns.get_zone(ZONE)
    spf = [r.value for r in zone.records if r.name == DOMAIN and r.value.startswith("v=spf1")]
    assert len(spf) == 1, spf  # one SPF, merged
    assert "include:_spf.google.com" in spf[0]
    assert "include:mailgun.org" in spf[0]
    assert "include:spf.mandrillapp.com" in spf[0]
    assert spf[0].endswith("-all")
    held = {(r.type, r.name, r.value, r.priority) for r in zone.records}
    for vendor, provider in engine.providers.items():
        created = await provider.get_sending_domain(DOMAIN)
        for r in created.records:
            if not r.value.startswith("v=spf1"):
                assert (r.type, r.name, r.value, r.priority) in held, (vendor, r)
    # the second run changes nothing
    again = await engine.apply()
    assert (again.done, again.failed) == ((), ())
    assert not (await engine.plan()).has_changes


class _RacingTelecomX(maildns.AsyncTelecomX):
    """TelecomX with someone else changing the record maildns is about to update, once: after
    maildns read the zone, before its update reaches the vendor."""

    def __init__(self, sb: Sandbox, changed: str) -> None:
        super().__init__(base_url=sb.url("telecomx"), **sb.credentials("telecomx"))
        self.sb = sb
        self.changed = changed
        self.raced = 0

    async def update_record(self, domain: str, record: DnsRecord, new_value: str) -> None:
        if not self.raced and record.value.startswith("v=spf1"):
            self.raced += 1
            with maildns.TelecomX(
                base_url=self.sb.url("telecomx"), **self.sb.credentials("telecomx")
            ) as other:
                other.update_record(domain, record, self.changed)
        await super().update_record(domain, record, new_value)


async def test_an_update_whose_record_changed_meanwhile_is_planned_again(
    engine: Engine, sb: Sandbox
) -> None:
    """TelecomX has no compare and swap, but an update names the value it replaces: one
    changed meanwhile is a 404, nothing is written, and the domain is planned again from the
    zone read anew, merging with the new value."""
    await engine.dns.create_zone(ZONE, engine.config.zones[ZONE].settings)
    await engine.dns.add_record(ZONE, DnsRecord(RecordType.TXT, DOMAIN, FOREIGN_SPF))
    changed = "v=spf1 ip4:192.0.2.7 include:_spf.google.com -all"
    racing = _RacingTelecomX(sb, changed)
    async with racing:
        engine.dns = racing
        applied = await engine.apply()
    assert applied.failed == (), applied.failed
    assert racing.raced == 1
    async with maildns.AsyncTelecomX(
        base_url=sb.url("telecomx"), **sb.credentials("telecomx")
    ) as telecomx:
        zone = await telecomx.get_zone(ZONE)
    (spf,) = [r.value for r in zone.records if r.name == DOMAIN and r.value.startswith("v=spf1")]
    assert "ip4:192.0.2.7" in spf  # what the other writer put there is kept
    assert "include:mailgun.org" in spf
    assert "include:spf.mandrillapp.com" in spf
    refused = [
        s for s in engine.journal.steps(DOMAIN) if s.state == "failed" and s.change.name == DOMAIN
    ]
    assert [(s.change.action, s.change.old_value) for s in refused] == [("update", FOREIGN_SPF)]
    assert "planned again" in refused[0].detail


async def test_a_saved_plan_is_applied_only_while_it_still_holds(engine: Engine) -> None:
    saved = await engine.plan()
    await engine.dns.create_zone(ZONE, engine.config.zones[ZONE].settings)  # the world moves
    with pytest.raises(
        PlanMovedError, match=r"no longer planned: create telecomx zone example\.com"
    ):
        await engine.apply(saved)
    assert [s async for s in engine.providers["tesouro"].list_sending_domains()] == []


async def test_a_run_killed_after_a_create_is_settled_and_finished(engine: Engine) -> None:
    # as if a run had created the zone and died before writing "done"
    plan = await engine.plan()
    zone_change = plan.changes[0]
    engine.journal.begin(zone_change)
    await engine.dns.create_zone(ZONE, engine.config.zones[ZONE].settings)
    applied = await engine.apply()
    assert applied.failed == ()
    assert ("create", "zone", "telecomx") not in _actions(applied.done)  # not made twice
    assert engine.journal.unfinished() == []
    steps = engine.journal.steps(ZONE)
    assert [s.state for s in steps] == ["done"]
    assert not (await engine.plan()).has_changes


async def test_a_conflict_blocks_its_domain_until_forced(engine: Engine) -> None:
    await engine.apply()
    tesouro = await engine.providers["tesouro"].get_sending_domain(DOMAIN)
    dkim = next(r for r in tesouro.records if "._domainkey." in r.name)
    # someone else puts another key at the selector
    await engine.dns.update_record(ZONE, dkim, "k=rsa; p=SOMEONEELSE")
    plan = await engine.plan()
    assert plan.domains[0].problems == (
        f"the DKIM selector {dkim.name} already holds another key (--force to do it anyway)",
    )
    assert (await engine.apply()).done == ()
    forced = await engine.apply(force=True)
    assert [c.value for c in forced.done] == [dkim.value]
    assert not (await engine.plan()).has_changes


async def test_verify_asks_the_vendors_only_once_every_server_serves_the_records(
    engine: Engine, sb: Sandbox
) -> None:
    servers = sb.dns_addresses
    before = await report(engine, verify=True, servers=servers)
    assert {v: r.status for v, r in before[0].vendors.items()} == {
        "tesouro": "absent",
        "ciirus": "absent",
    }
    await engine.apply()
    checked = await report(engine, verify=False, servers=servers)
    (domain,) = checked
    # CiiRUS reports its validation statuses on every read; Tesouro only when asked to verify.
    assert {v: r.status for v, r in domain.vendors.items()} == {
        "tesouro": "pending",
        "ciirus": "verified",
    }
    for vendor, vendor_report in domain.vendors.items():
        assert vendor_report.records, vendor
        for check in vendor_report.records:
            assert check.found, (vendor, check.record, [a.describe() for a in check.answers])
            assert len(check.answers) == len(servers)
    verified = await report(engine, verify=True, servers=servers)
    assert {v: r.status for v, r in verified[0].vendors.items()} == {
        "tesouro": "verified",
        "ciirus": "verified",
    }
    assert verified[0].verified


async def test_a_record_removed_by_hand_is_reported_missing_and_apply_repairs_it(
    engine: Engine, sb: Sandbox
) -> None:
    await engine.apply()
    tesouro = await engine.providers["tesouro"].get_sending_domain(DOMAIN)
    dkim = next(r for r in tesouro.records if "._domainkey." in r.name)
    await engine.dns.delete_record(ZONE, dkim)
    (domain,) = await report(engine, verify=True, servers=sb.dns_addresses)
    missing = [c for c in domain.vendors["tesouro"].records if not c.found]
    assert [c.record.name for c in missing] == [dkim.name]
    assert all(a.values == () for a in missing[0].answers)
    assert domain.vendors["tesouro"].status == "pending"  # not asked: a record is missing
    repaired = await engine.apply()
    assert [(c.action, c.name) for c in repaired.done] == [("create", dkim.name)]
    (domain,) = await report(engine, verify=True, servers=sb.dns_addresses)
    assert domain.vendors["tesouro"].status == "verified"


class _Undelegated:
    """The sandbox's TelecomX, but every zone answers that it is not delegated to it."""

    def __init__(self, dns: Any) -> None:
        self._dns = dns

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dns, name)

    async def get_zone(self, domain: str) -> maildns.Zone:
        return attrs.evolve(
            await self._dns.get_zone(domain), status=maildns.ZoneStatus.NOT_DELEGATED
        )


async def test_a_zone_not_delegated_is_refused_until_forced(engine: Engine) -> None:
    await engine.dns.create_zone(ZONE, engine.config.zones[ZONE].settings)
    engine.dns = _Undelegated(engine.dns)  # type: ignore[assignment]
    plan = await engine.plan()
    assert plan.domains[0].problems == (
        f"the zone {ZONE} is not delegated to telecomx (not_delegated): its records would not be "
        "seen (--force to do it anyway)",
    )
    assert (await engine.apply()).done == ()
    assert [s async for s in engine.providers["tesouro"].list_sending_domains()] == []
    forced = await engine.apply(force=True)
    assert forced.failed == ()
    assert {c.kind for c in forced.done} == {"sending_domain", "record"}


# --- prune ---------------------------------------------------------------------------------------
def _dropped(engine: Engine) -> Engine:
    """The same vendors and journal, with the domain dropped from the configuration."""
    config = attrs.evolve(engine.config, domains=())
    return Engine(config, dns=engine.dns, providers=engine.providers, journal=engine.journal)


async def test_prune_undoes_only_what_maildns_made_for_a_dropped_domain(engine: Engine) -> None:
    foreign = [
        DnsRecord(RecordType.TXT, DOMAIN, FOREIGN_SPF),
        DnsRecord(RecordType.A, "www.example.com", "192.0.2.10"),
        DnsRecord(RecordType.TXT, DOMAIN, "google-site-verification=abc"),
    ]
    await engine.dns.create_zone(ZONE, engine.config.zones[ZONE].settings)
    for record in foreign:
        await engine.dns.add_record(ZONE, record)
    assert (await engine.apply()).failed == ()

    dropped = _dropped(engine)
    assert not (await dropped.plan()).has_changes  # left alone without --prune
    plan = await dropped.plan(prune=True)
    (domain_plan,) = plan.domains
    assert (domain_plan.domain, domain_plan.zone, domain_plan.problems) == (DOMAIN, ZONE, ())
    assert all(c.prune for c in domain_plan.changes)
    kinds = sorted((c.action, c.kind, c.vendor) for c in domain_plan.changes)
    assert ("delete", "sending_domain", "tesouro") in kinds
    assert ("delete", "sending_domain", "ciirus") in kinds
    (restore,) = [c for c in domain_plan.changes if c.action == "update"]
    assert restore.value == FOREIGN_SPF  # the SPF record goes back to what it held

    applied = await dropped.apply(prune=True)
    assert applied.failed == ()
    zone = await engine.dns.get_zone(ZONE)
    assert {(r.type, r.name, r.value) for r in zone.records} == {
        (r.type, r.name, r.value) for r in foreign
    }
    for provider in engine.providers.values():
        assert [d async for d in provider.list_sending_domains()] == []
    assert not (await dropped.plan(prune=True)).has_changes
    assert engine.journal.prunable("telecomx", set()) == ([], [])


async def test_prune_leaves_alone_what_someone_changed_since(engine: Engine) -> None:
    assert (await engine.apply()).failed == ()
    zone = await engine.dns.get_zone(ZONE)
    dkim = next(r for r in zone.records if r.name.startswith("mandrill._domainkey."))
    await engine.dns.update_record(ZONE, dkim, "v=DKIM1; k=rsa; p=SOMEONEELSES")
    plan = await _dropped(engine).plan(prune=True)
    names = [c.name for c in plan.changes if c.kind == "record"]
    assert dkim.name not in names  # not the record maildns made any more
    assert names  # the others still go
    await _dropped(engine).apply(prune=True)
    left = await engine.dns.get_zone(ZONE)
    assert [(r.name, r.value) for r in left.records] == [
        (dkim.name, "v=DKIM1; k=rsa; p=SOMEONEELSES")
    ]


async def test_a_saved_pruning_plan_is_applied_with_prune(engine: Engine) -> None:
    assert (await engine.apply()).failed == ()
    saved = await _dropped(engine).plan(prune=True)
    applied = await _dropped(engine).apply(saved)  # prune comes from the plan
    assert len(applied.done) == len(saved.changes)
