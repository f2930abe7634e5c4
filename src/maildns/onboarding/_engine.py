"""Plan and apply, over the provider protocols only (asyncio inside).

The engine reads the world through an :class:`~maildns.protocols.AsyncDnsHost` and the
:class:`~maildns.protocols.AsyncSendingDomainProvider` s the configuration names, never through
a vendor module: one listing per vendor, one zone read per zone. Planning is read-only. Apply
plans again (so that it is idempotent: what is done is not planned again; zone by zone, while
it applies the zones already planned, unless the plan was saved), records each step
in the journal before and after it, and plans a new sending domain's records as soon as its
vendor has answered with them.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Final, TypeVar

import attrs

from ..errors import MailDnsError, NotFoundError
from ..models import DnsRecord, DomainStatus, RecordType, SendingDomain, Zone, ZoneStatus
from ..protocols import AsyncDnsHost, AsyncSendingDomainProvider
from ._journal import CreatedDomain, Journal, OwnedRecord
from ._lookup import Answer, Server, ask_all, authoritative_servers, expected_value
from ._plan import Change, DomainPlan, Plan, moved, ordered
from ._records import plan_records
from ._spf import Spf, SpfError, is_spf

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_CONCURRENCY: Final = 16
"""Domains (zones, when several domains share one) worked on at once by default: enough to keep
a vendor busy at its rate limit, few enough to stay polite to one that documents none."""

OnDomain = Callable[[str, "str | None"], None]
"""``on_domain(domain, error)``: a domain is finished (``error`` None when nothing failed)."""


async def pool(items: Iterable[T], work: Callable[[T], Awaitable[R]], limit: int) -> list[R]:
    """``work`` for each item, at most ``limit`` at once, results in the items' order.

    Workers pull items one at a time from the iterable, so only ``limit`` are ever in flight.
    """
    iterator = iter(enumerate(items))
    results: dict[int, R] = {}

    async def worker() -> None:
        for index, item in iterator:  # shared: each item is taken by one worker
            results[index] = await work(item)

    await asyncio.gather(*(worker() for _ in range(max(1, limit))))
    return [results[i] for i in range(len(results))]


class PlanMovedError(MailDnsError):
    """A saved plan no longer matches what the world needs: plan again."""

    def __init__(self, differences: Sequence[str]) -> None:
        self.differences = tuple(differences)
        super().__init__(
            "the world changed since the plan was made: " + "; ".join(self.differences)
        )


@attrs.frozen
class World:
    """What the vendors hold now, read once for a plan."""

    zones: Mapping[str, Zone | None]
    zone_status: Mapping[str, ZoneStatus | None]
    domains: Mapping[str, Mapping[str, SendingDomain]]
    """vendor -> domain name -> sending domain."""


@attrs.define
class Outcome:
    """What one domain's apply did."""

    done: list[Change] = attrs.Factory(list)
    failed: list[tuple[Change, str]] = attrs.Factory(list)


@attrs.frozen(repr=False)
class Applied:
    """What an apply did."""

    plan: Plan
    done: tuple[Change, ...] = ()
    failed: tuple[tuple[Change, str], ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()
    """(domain, why): left to another worker, which held its zone or changed it since this
    apply's plan was read."""

    def __repr__(self) -> str:  # counts, as Plan's
        return (
            f"<Applied {len(self.done)} done, {len(self.failed)} failed,"
            f" {len(self.skipped)} skipped of {self.plan!r}>"
        )


SKIPPED_HELD: Final = "another worker is applying its zone"
SKIPPED_CHANGED: Final = "another worker applied its zone since this plan was made"
STOPPED: Final = (
    "another worker stopped in the middle of its zone: run apply again to settle and finish it"
)


class Engine:
    """Onboarding for one configuration: ``await engine.plan()``, ``await engine.apply()``."""

    def __init__(
        self,
        config: Any,
        *,
        dns: AsyncDnsHost[Any],
        providers: Mapping[str, AsyncSendingDomainProvider[Any]],
        journal: Journal,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self.config = config
        self.dns = dns
        self.providers = providers
        self.journal = journal
        self.concurrency = concurrency
        self._by_name: dict[str, Any] = {d.name: d for d in config.domains}

    # --- reading the world ------------------------------------------------------------------
    async def _zone(self, name: str) -> tuple[Zone | None, ZoneStatus | None]:
        try:
            zone = await self.dns.get_zone(name)
        except NotFoundError:
            return None, None
        return zone, zone.status if zone.status is not None else await self.dns.check_zone(name)

    async def _domains(self, vendor: str) -> dict[str, SendingDomain]:
        return {d.domain: d async for d in self.providers[vendor].list_sending_domains()}

    async def read(
        self,
        *,
        also_zones: Collection[str] = (),
        also_vendors: Collection[str] = (),
        zones: bool = True,
    ) -> World:
        """The configuration's zones and vendors' listings, and those of ``also_zones`` and
        ``also_vendors`` (a pruned domain's, an unfinished step's); ``zones=False`` reads the
        listings only. Zones are read ``concurrency`` at a time."""
        zone_names = sorted({*self.config.zones, *(z for z in also_zones if z)}) if zones else []
        configured = {v for d in self.config.domains for v in d.vendors}
        vendors = sorted({*configured, *also_vendors} & set(self.providers))
        read_zones, listings = await asyncio.gather(
            pool(zone_names, self._zone, self.concurrency),
            asyncio.gather(*(self._domains(v) for v in vendors)),
        )
        zones_read = read_zones
        return World(
            zones={z: zone for z, (zone, _) in zip(zone_names, zones_read, strict=True)},
            zone_status={z: st for z, (_, st) in zip(zone_names, zones_read, strict=True)},
            domains=dict(zip(vendors, listings, strict=True)),
        )

    async def _read_domain(
        self, domain: Any, world: World, created: Mapping[str, SendingDomain]
    ) -> World:
        """The world as one domain sees it after its first steps: its zone read again, its
        sending domains from the listing read for the plan and what the vendors answered to
        the creates (no vendor is listed again: a listing per domain would cost the whole
        listing once per domain)."""
        zone, status = await self._zone(domain.zone)
        domains: dict[str, dict[str, SendingDomain]] = {}
        for vendor in domain.vendors:
            found = created.get(vendor) or world.domains.get(vendor, {}).get(domain.name)
            domains[vendor] = {} if found is None else {found.domain: found}
        return World(zones={domain.zone: zone}, zone_status={domain.zone: status}, domains=domains)

    # --- planning -----------------------------------------------------------------------------
    def _plan_domain(self, domain: Any, world: World, force: bool) -> DomainPlan:
        dns_vendor = self.config.dns_vendor
        changes: list[Change] = []
        problems: list[str] = []
        zone = world.zones.get(domain.zone)
        if zone is None:
            changes.append(
                Change("create", dns_vendor, "zone", domain.zone, reason="the zone is missing")
            )
        elif world.zone_status.get(domain.zone) is not ZoneStatus.OK:
            status = world.zone_status.get(domain.zone)
            message = (
                f"the zone {domain.zone} is not delegated to {dns_vendor} "
                f"({status.value if status else 'unknown'}): its records would not be seen"
            )
            if not force:
                problems.append(f"{message} (--force to do it anyway)")
        wanted: list[tuple[str, DnsRecord]] = []
        for vendor in domain.vendors:
            found = world.domains.get(vendor, {}).get(domain.name)
            if found is None:
                changes.append(
                    Change(
                        "create",
                        vendor,
                        "sending_domain",
                        domain.name,
                        reason="its records are known after apply",
                    )
                )
            else:
                wanted += [(vendor, r) for r in found.records]
        records = plan_records(
            domain=domain.name,
            dns_vendor=dns_vendor,
            existing=zone.records if zone is not None else (),
            wanted=wanted,
            owned=self.journal.owned(dns_vendor, domain.name),
            force=force,
        )
        changes += records.changes
        problems += records.problems
        return DomainPlan(domain.name, domain.zone, ordered(changes), tuple(problems))

    async def plan(self, *, force: bool = False, prune: bool = False) -> Plan:
        """What apply would change now (read-only); with ``prune``, also what undoes what
        maildns made for domains no longer configured."""
        plan, _ = await self._plan(force=force, prune=prune)
        return plan

    async def _plan(self, *, force: bool, prune: bool) -> tuple[Plan, World]:
        records, created = self._prunable() if prune else ([], [])
        world = await self.read(
            also_zones={r.zone for r in records}, also_vendors={d.vendor for d in created}
        )
        seen_zones: set[str] = set()
        plans = []
        for domain in self.config.domains:
            plan = self._plan_domain(domain, world, force)
            # a zone shared by several domains is created once, by the first
            changes = tuple(
                c for c in plan.changes if not (c.kind == "zone" and c.domain in seen_zones)
            )
            seen_zones |= {c.domain for c in changes if c.kind == "zone"}
            plans.append(attrs.evolve(plan, changes=changes))
        if prune:
            plans += self._plan_prune(records, created, world)
        return Plan(tuple(plans)), world

    def _prunable(self) -> tuple[list[OwnedRecord], list[CreatedDomain]]:
        keep = {d.name for d in self.config.domains}
        records, created = self.journal.prunable(self.config.dns_vendor, keep)
        # A journal from before schema 2 has no zones: the longest configured one holding it.
        return [
            r if r.zone else attrs.evolve(r, zone=self._zone_holding(r.name)) for r in records
        ], created

    def _zone_holding(self, name: str) -> str:
        holding = [z for z in self.config.zones if name == z or name.endswith("." + z)]
        return max(holding, key=len, default="")

    def _plan_prune(
        self, records: list[OwnedRecord], created: list[CreatedDomain], world: World
    ) -> list[DomainPlan]:
        """Per dropped domain: delete the records maildns created, put back the SPF records it
        merged into, delete the sending domains it created. A record someone changed since is not
        maildns's any more and is left alone, as is everything else."""
        dns_vendor = self.config.dns_vendor
        by_domain: dict[str, tuple[str, list[Change], list[str]]] = {}

        def entry(domain: str, zone: str) -> tuple[str, list[Change], list[str]]:
            return by_domain.setdefault(domain, (zone, [], []))

        why = "maildns made it for a domain no longer configured"
        for owned in records:
            _, changes, _ = entry(owned.domain, owned.zone)
            zone = world.zones.get(owned.zone)
            if zone is None or not any(
                r.type is owned.type and r.name == owned.name and r.value == owned.value
                for r in zone.records
            ):
                continue  # gone already: nothing to undo
            record = {
                "vendor": dns_vendor,
                "kind": "record",
                "domain": owned.domain,
                "type": owned.type,
                "name": owned.name,
                "priority": owned.priority,
                "prune": True,
            }
            if owned.replaced is None:
                changes.append(Change("delete", value=owned.value, reason=why, **record))
            else:
                restore = "put back the record maildns merged its mechanisms into"
                changes.append(
                    Change(
                        "update",
                        value=owned.replaced,
                        old_value=owned.value,
                        reason=restore,
                        **record,
                    )
                )
        for made in created:
            _, changes, problems = entry(made.domain, made.zone)
            if made.vendor not in self.providers:
                problems.append(
                    f"cannot delete the {made.vendor} sending domain: no {made.vendor} client"
                )
            elif made.domain in world.domains.get(made.vendor, {}):
                changes.append(
                    Change(
                        "delete", made.vendor, "sending_domain", made.domain, reason=why, prune=True
                    )
                )
        return [
            DomainPlan(domain, zone, tuple(changes), tuple(problems))
            for domain, (zone, changes, problems) in sorted(by_domain.items())
            if changes or problems
        ]

    # --- applying -----------------------------------------------------------------------------
    async def _j(self, call: Callable[..., R], *args: Any) -> R:
        """A journal call: in a thread when it waits on a server, so that the loop goes on."""
        if self.journal.blocking:
            return await asyncio.to_thread(call, *args)
        return call(*args)

    async def apply(
        self,
        saved: Plan | None = None,
        *,
        force: bool = False,
        prune: bool = False,
        on_domain: OnDomain | None = None,
        on_plan: Callable[[Plan], None] | None = None,
    ) -> Applied:
        """Make the planned changes; with ``saved``, exactly that plan or nothing (a saved plan
        that prunes is applied with ``prune``).

        Raises PlanMovedError when ``saved`` is not what the world needs now. A domain with
        problems is not applied (its problems are the reasons); the others are, ``concurrency``
        at a time (the domains of one zone one after another), and a failing one stops only
        itself. ``on_plan`` hears of the whole plan once it is known, ``on_domain`` of each
        domain with changes as it finishes.

        Without ``saved`` or ``prune`` the plan streams: each zone is read, planned and applied
        while the next ones are read, so a vendor's first change does not wait for ten thousand
        zone reads (``on_plan`` may then come after the first changes). With either, the whole
        plan is made, compared and shown before any change.
        """
        if saved is not None:
            prune = prune or any(c.prune for c in saved.changes)
        with self.journal.exclusive():
            await self._settle()
            horizon = await self._j(self.journal.horizon)
            skipped: list[tuple[int, str, str]] = []
            if saved is None and not prune:
                plan, results = await self._stream(force, horizon, skipped, on_domain, on_plan)
            else:
                plan, world = await self._plan(force=force, prune=prune)
                if saved is not None:
                    differences = moved(saved, plan)
                    if differences:
                        raise PlanMovedError(differences)
                if on_plan is not None:
                    on_plan(plan)
                by_zone: dict[str, list[tuple[int, DomainPlan]]] = {}
                for index, domain_plan in enumerate(plan.domains):
                    by_zone.setdefault(domain_plan.zone, []).append((index, domain_plan))
                apply_zone = functools.partial(
                    self._apply_zone,
                    world=world,
                    force=force,
                    horizon=horizon,
                    skipped=skipped,
                    on_domain=on_domain,
                )
                results = await pool(by_zone.values(), apply_zone, self.concurrency)
        ordered_ = sorted((o for zone in results for o in zone), key=lambda pair: pair[0])
        outcomes = [o for _, o in ordered_]  # in the plan's order
        done = tuple(c for o in outcomes for c in o.done)
        failed = tuple(f for o in outcomes for f in o.failed)
        left = tuple((domain, why) for _, domain, why in sorted(skipped))
        return Applied(plan, done, failed, left)

    async def _stream(
        self,
        force: bool,
        horizon: int,
        skipped: list[tuple[int, str, str]],
        on_domain: OnDomain | None,
        on_plan: Callable[[Plan], None] | None,
    ) -> tuple[Plan, list[list[tuple[int, Outcome]]]]:
        """Read and plan zone by zone (``concurrency`` reads at once) into a queue that
        ``concurrency`` appliers take zones from as they come; the plan is whole at the end."""
        world = await self.read(zones=False)  # the vendors' listings, once
        by_zone: dict[str, list[tuple[int, Any]]] = {}
        for index, domain in enumerate(self.config.domains):
            by_zone.setdefault(domain.zone, []).append((index, domain))
        planned: dict[int, DomainPlan] = {}
        ready: asyncio.Queue[list[tuple[int, DomainPlan]] | None] = asyncio.Queue()
        results: list[list[tuple[int, Outcome]]] = []
        failure: list[BaseException] = []

        async def plan_zone(zone: str) -> None:
            found, status = await self._zone(zone)
            zone_world = World({zone: found}, {zone: status}, world.domains)
            group: list[tuple[int, DomainPlan]] = []
            for index, domain in by_zone[zone]:
                domain_plan = self._plan_domain(domain, zone_world, force)
                if group:  # the zone is created once, by its first domain
                    changes = tuple(c for c in domain_plan.changes if c.kind != "zone")
                    domain_plan = attrs.evolve(domain_plan, changes=changes)
                planned[index] = domain_plan
                group.append((index, domain_plan))
            ready.put_nowait(group)

        whole: list[Plan] = []

        async def produce() -> None:
            try:
                await pool(by_zone, plan_zone, self.concurrency)
                whole.append(Plan(tuple(planned[i] for i in sorted(planned))))
                if on_plan is not None:
                    on_plan(whole[0])  # while the appliers go on: a progress bar's total
            except BaseException as error:
                failure.append(error)  # the appliers finish what they hold, then it is raised
            finally:
                for _ in range(self.concurrency):
                    ready.put_nowait(None)

        async def consume() -> None:
            while (group := await ready.get()) is not None and not failure:
                results.append(
                    await self._apply_zone(group, world, force, horizon, skipped, on_domain)
                )

        producer = asyncio.ensure_future(produce())
        try:
            await asyncio.gather(producer, *(consume() for _ in range(max(1, self.concurrency))))
        finally:
            producer.cancel()  # an applier's error: no zone is read for nobody
        if failure:
            raise failure[0]
        return whole[0], results

    async def _apply_zone(
        self,
        plans: list[tuple[int, DomainPlan]],
        world: World,
        force: bool,
        horizon: int,
        skipped: list[tuple[int, str, str]],
        on_domain: OnDomain | None,
    ) -> list[tuple[int, Outcome]]:
        """One zone's domains with changes (and no problems), under the zone's claim: left to
        the worker holding it when another does, skipped when another changed the zone since
        ``horizon``."""
        plans = [(i, p) for i, p in plans if p.changes and not p.problems]
        if not plans:
            return []
        zone = plans[0][1].zone
        if not await self._j(self.journal.claim, zone):
            skipped.extend((i, p.domain, SKIPPED_HELD) for i, p in plans)
            for _, domain_plan in plans:
                if on_domain is not None:
                    on_domain(domain_plan.domain, None)
            return []
        try:
            touched = await self._j(self.journal.touched_since, zone, horizon)
            outcomes = []
            for index, domain_plan in plans:  # one after another: they change one zone
                if touched == "changed":  # what the plan read is stale: the other worker did it
                    skipped.append((index, domain_plan.domain, SKIPPED_CHANGED))
                    outcome = Outcome()
                elif touched == "started":  # stale, and half done: a rerun settles it first
                    outcome = Outcome(failed=[(domain_plan.changes[0], STOPPED)])
                else:
                    outcome = await self._apply_domain(domain_plan, world, force)
                if on_domain is not None:
                    on_domain(domain_plan.domain, outcome.failed[0][1] if outcome.failed else None)
                outcomes.append((index, outcome))
            return outcomes
        finally:
            await self._j(self.journal.release, zone)

    async def _apply_domain(self, domain_plan: DomainPlan, world: World, force: bool) -> Outcome:
        outcome = Outcome()
        domain = self._by_name.get(domain_plan.domain)  # None: a pruned domain
        created: dict[str, SendingDomain] = {}
        for change in domain_plan.changes:
            made = await self._step(change, domain_plan.zone, domain, outcome)
            if made is False:
                return outcome  # a failed step stops its domain; the others go on
            if isinstance(made, SendingDomain):
                created[change.vendor] = made
        if created and domain is not None:  # the new domains' records are known now
            after = await self._read_domain(domain, world, created)
            again = self._plan_domain(domain, after, force)
            for change in again.changes:
                if await self._step(change, domain_plan.zone, domain, outcome) is False:
                    return outcome
        return outcome

    async def _step(
        self, change: Change, zone: str, domain: Any, outcome: Outcome
    ) -> SendingDomain | bool:
        """Make one change, journaled: False when it failed, a created sending domain, or
        True."""
        step = await self._j(self.journal.begin, change, zone)
        try:
            made = await self._make(change, zone, domain)
        except MailDnsError as error:
            await self._j(self.journal.failed, step, str(error))
            outcome.failed.append((change, str(error)))
            return False
        await self._j(self.journal.done, step, change)
        outcome.done.append(change)
        return made if made is not None else True

    async def _make(self, change: Change, zone: str, domain: Any) -> SendingDomain | None:
        """Make one change; ``domain`` is its configured domain (None when pruning). A created
        sending domain is returned: its records are what to publish next."""
        if change.kind == "zone":
            settings = self.config.zones[change.domain].settings
            await self.dns.create_zone(change.domain, settings)
        elif change.kind == "sending_domain":
            provider = self.providers[change.vendor]
            if change.action == "delete":
                await provider.delete_sending_domain(change.domain)
            else:
                return await provider.create_sending_domain(
                    change.domain, domain.vendors[change.vendor]
                )
        else:
            assert change.type is not None
            assert change.name is not None
            assert change.value is not None
            record = DnsRecord(change.type, change.name, change.value, priority=change.priority)
            if change.action == "create":
                await self.dns.add_record(zone, record)
            elif change.action == "update":
                assert change.old_value is not None
                old = attrs.evolve(record, value=change.old_value)
                await self.dns.update_record(zone, old, change.value)
            else:
                await self.dns.delete_record(zone, record)
        return None

    async def _settle(self) -> None:
        """End the steps a killed run left open, by what the world shows now: those of zones no
        live worker holds (a live one's steps are its own to end)."""
        unfinished = await self._j(self.journal.unfinished)
        # A journal from before schema 2 has no zones: the longest configured one holding it.
        zone_of = {s.id: s.zone or self._zone_holding(s.change.domain) for s in unfinished}
        zones = sorted(set(zone_of.values()))
        claimed = [z for z in zones if await self._j(self.journal.claim, z)]
        try:
            mine = [s for s in unfinished if zone_of[s.id] in claimed]
            if not mine:
                return
            # Only what the steps touched: their zones, the listings of their vendors.
            read_zones = sorted({zone_of[s.id] for s in mine} - {""})
            vendors = sorted({s.change.vendor for s in mine} & set(self.providers))
            zones_read, listings = await asyncio.gather(
                pool(read_zones, self._zone, self.concurrency),
                asyncio.gather(*(self._domains(v) for v in vendors)),
            )
            world = World(
                zones={z: zone for z, (zone, _) in zip(read_zones, zones_read, strict=True)},
                zone_status={},
                domains=dict(zip(vendors, listings, strict=True)),
            )
            for step in mine:
                happened = _happened(step.change, world)
                await self._j(self.journal.settle, step.id, step.change, happened)
        finally:
            for zone in claimed:
                await self._j(self.journal.release, zone)


def _happened(change: Change, world: World) -> bool:
    if change.kind == "zone":
        return world.zones.get(change.domain) is not None
    if change.kind == "sending_domain":
        present = change.domain in world.domains.get(change.vendor, {})
        return present if change.action == "create" else not present
    for zone in world.zones.values():
        if zone is None:
            continue
        for record in zone.records:
            if (
                record.type is change.type
                and record.name == change.name
                and record.value == change.value
            ):
                return change.action != "delete"
    return change.action == "delete"


# --- verify and status ----------------------------------------------------------------------------
@attrs.frozen
class RecordCheck:
    """One record a vendor asks for, and what each authoritative server answered for it."""

    record: DnsRecord
    answers: tuple[Answer, ...]
    found: bool
    """Served by every server (an SPF wish: its mechanisms are in the name's SPF record)."""


@attrs.frozen
class VendorReport:
    vendor: str
    status: str
    """``absent``, ``pending``, ``verified``, ``failed`` or ``unknown``."""
    records: tuple[RecordCheck, ...] = ()


@attrs.frozen
class DomainReport:
    domain: str
    vendors: Mapping[str, VendorReport]

    @property
    def verified(self) -> bool:
        """Every vendor says verified and every server serves every record (a record removed
        since the vendor verified would soon undo it)."""
        return all(
            v.status == "verified" and all(c.found for c in v.records)
            for v in self.vendors.values()
        )


def _served(record: DnsRecord, answer: Answer) -> bool:
    if answer.error is not None:
        return False
    if record.type is RecordType.TXT and is_spf(record.value):
        # One SPF record holding the wish's mechanisms; two at a name are a permanent error
        # (RFC 7208 section 4.5) and count for nothing.
        wanted = {t.key for t in Spf.parse(record.value).mechanisms if not t.is_all}
        spf = [v for v in answer.values if is_spf(v)]
        if len(spf) != 1:
            return False
        try:
            return wanted <= {t.key for t in Spf.parse(spf[0]).mechanisms}
        except SpfError:
            return False
    return expected_value(record) in answer.values


async def check_records(
    domain: SendingDomain, servers: Sequence[Server]
) -> tuple[RecordCheck, ...]:
    """Every record of ``domain`` asked of every server, all at once."""
    answered = await asyncio.gather(*(ask_all(servers, r.name, r.type) for r in domain.records))
    return tuple(
        RecordCheck(
            record, tuple(answers), bool(answers) and all(_served(record, a) for a in answers)
        )
        for record, answers in zip(domain.records, answered, strict=True)
    )


async def report(
    engine: Engine,
    *,
    verify: bool,
    servers: Sequence[Server] | None = None,
    only: Collection[str] | None = None,
) -> list[DomainReport]:
    """Each domain at each vendor, its records as the authoritative servers serve them; with
    ``verify``, the vendor is asked to verify a domain once every server serves its records.
    ``only`` limits the report to those domain names."""
    world = await engine.read(zones=False)
    lookups: dict[str, asyncio.Future[list[Server]]] = {}  # one lookup per zone, not per domain

    def zone_servers(zone: str) -> asyncio.Future[list[Server]]:
        if zone not in lookups:
            lookups[zone] = asyncio.ensure_future(authoritative_servers(zone, servers))
        return lookups[zone]

    async def one(domain: Any) -> DomainReport:
        zone_servers_found = await zone_servers(domain.zone)
        vendors: dict[str, VendorReport] = {}
        for vendor in domain.vendors:
            found = world.domains.get(vendor, {}).get(domain.name)
            if found is None:
                vendors[vendor] = VendorReport(vendor, "absent")
                continue
            checks = await check_records(found, zone_servers_found)
            if (
                verify
                and found.status is not DomainStatus.VERIFIED
                and all(c.found for c in checks)
            ):
                # The status is what counts here: no listing per domain to re-read records.
                provider = engine.providers[vendor]
                found = await provider.verify_sending_domain(domain.name, fresh=False)
            vendors[vendor] = VendorReport(vendor, found.status.value, checks)
        return DomainReport(domain.name, vendors)

    domains = [d for d in engine.config.domains if only is None or d.name in only]
    try:
        return await pool(domains, one, engine.concurrency)
    finally:
        for lookup in lookups.values():
            lookup.cancel()  # a lookup no domain waited for to the end


LADDER: Final = (2.0, 5.0, 10.0, 20.0, 30.0, 60.0)
"""Seconds between verify rounds, the last one repeated until the deadline."""


async def verify_until(
    engine: Engine,
    seconds: float,
    *,
    servers: Sequence[Server] | None = None,
    ladder: Sequence[float] = LADDER,
    on_wait: Callable[[list[str], float], None] | None = None,
) -> list[DomainReport]:
    """Verify, then again on ``ladder`` until every domain is verified or ``seconds`` pass.

    Each round looks only at the domains not verified yet, so it resumes where the last one
    left off; ``on_wait(pending domains, pause)`` hears of every pause.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    latest: dict[str, DomainReport] = {}
    pending: set[str] | None = None
    for round_ in itertools.count():
        for r in await report(engine, verify=True, servers=servers, only=pending):
            latest[r.domain] = r
        pending = {name for name, r in latest.items() if not r.verified}
        left = deadline - loop.time()
        if not pending or left <= 0:
            break
        pause = min(ladder[min(round_, len(ladder) - 1)], left)
        if on_wait is not None:
            on_wait(sorted(pending), pause)
        await asyncio.sleep(pause)
    return [latest[d.name] for d in engine.config.domains]
