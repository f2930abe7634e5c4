"""Plan and apply, over the provider protocols only (asyncio inside).

The engine reads the world through an :class:`~maildns.protocols.AsyncDnsHost` and the
:class:`~maildns.protocols.AsyncSendingDomainProvider` s the configuration names, never through
a vendor module: one listing per vendor, one zone read per zone. Planning is read-only. Apply
plans again (so that it is idempotent: what is done is not planned again; zone by zone, while
it applies the zones already planned, unless the plan was saved), records each step
in the journal before and after it, and plans a new sending domain's records as soon as its
vendor has answered with them.

A host that compares and swaps (:class:`~maildns.protocols.AsyncRecordSetHost`) is written
to record set by record set, each write made only if the set is still as it was read; when
the zone changed under the plan the host refuses, and the domain's DNS changes are planned
again from the zone read anew (:data:`ATTEMPTS` times at most), so that what someone else
wrote meanwhile is merged with, never overwritten. A host without compare and swap that
matches a record by its value (an update or delete of a record no longer there is a 404) is
re-planned the same way; its creates have no such guard.

A failure stops its domain, never the run: a read that fails (after the client's retries)
fails the domains that needed it, a step that fails stops its domain, and a vendor that stops
answering trips a breaker (:mod:`._applied`) so that the rest are reported "not started".
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Final, Literal, TypeVar

import attrs

from .._core.declaration import RecordShape
from ..errors import MailDnsError, NotFoundError, RecordsChangedError
from ..models import DnsRecord, RecordType, SendingDomain, Zone, ZoneStatus
from ..protocols import AsyncDnsHost, AsyncRecordSetHost, AsyncSendingDomainProvider
from ..vendors import DECLARATIONS, DNS_HOSTS
from ._accounts import Key, describe, missing
from ._accounts import account_of as _account
from ._applied import Applied, Breaker, Outcome, Unreachable, effect_unknown
from ._dmarc import plan_record, policy_names
from ._foreseen import account_taken, foreseen_problems, over_capacity, stray_records
from ._journal import CreatedDomain, Journal, OwnedRecord
from ._plan import Change, DomainPlan, Plan, moved, ordered
from ._records import plan_records
from ._resolve import Resolver, open_resolver
from ._spfcheck import check_planned

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_CONCURRENCY: Final = 16
"""Domains (zones, when several domains share one) worked on at once by default: enough to keep
a vendor busy at its rate limit, few enough to stay polite to one that documents none."""

ATTEMPTS: Final = 3
"""Writes of one domain's DNS changes a host may refuse because the zone changed since it was
read (each time the zone is read again and the changes planned again) before the domain
fails: a zone someone keeps changing is left to settle rather than raced."""

STALE: Final = "stale"
"""What a step that the host refused as planned on a stale read ends as."""

OnDomain = Callable[[str, "str | None"], None]
"""``on_domain(domain, error)``: a domain is finished (``error`` None when nothing failed)."""


async def pool(items: Iterable[T], work: Callable[[T], Awaitable[R]], limit: int) -> list[R]:
    """``work`` for each item, at most ``limit`` at once, results in the items' order.

    Workers pull items one at a time from the iterable, so only ``limit`` are ever in flight.
    An error in one cancels the others and is raised once they have ended (a task group: no
    task is left running, or failing unheard, after this returns).
    """
    iterator = iter(enumerate(items))
    results: dict[int, R] = {}

    async def worker() -> None:
        for index, item in iterator:  # shared: each item is taken by one worker
            results[index] = await work(item)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, limit)):
                group.create_task(worker())
    except BaseExceptionGroup as errors:
        raise _first(errors) from None
    return [results[i] for i in range(len(results))]


def _first(errors: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error a task group ended with, as it was raised (the first, when several were)."""
    first = errors.exceptions[0]
    return _first(first) if isinstance(first, BaseExceptionGroup) else first


class PlanMovedError(MailDnsError):
    """A saved plan no longer matches what the world needs: plan again."""

    def __init__(self, differences: Sequence[str]) -> None:
        self.differences = tuple(differences)
        super().__init__(
            "the world changed since the plan was made: " + "; ".join(self.differences)
        )


@attrs.frozen
class World:
    """What the vendors hold now, read once for a plan, and what could not be read."""

    zones: Mapping[str, Zone | None]
    zone_status: Mapping[str, ZoneStatus | None]
    domains: Mapping[Key, Mapping[str, SendingDomain]]
    """(vendor, account) -> domain name -> sending domain."""
    zone_errors: Mapping[str, MailDnsError] = attrs.field(factory=dict)
    """zone -> why it could not be read."""
    vendor_errors: Mapping[Key, MailDnsError] = attrs.field(factory=dict)
    """(vendor, account) -> why its sending domains could not be listed."""
    txt: Mapping[str, Sequence[str] | None] = attrs.field(factory=dict)
    """TXT texts at names outside the zones read, from the resolver (None: no answer)."""

    def texts(self, name: str, zone: str) -> Sequence[str] | None:
        """The TXT texts at ``name``: from ``zone`` when it holds the name (read, or about to
        be created: then none), else what the resolver answered (None: nothing known)."""
        if name == zone or name.endswith(f".{zone}"):
            read = self.zones.get(zone)
            if read is None:
                return []
            return [r.value for r in read.records if r.type is RecordType.TXT and r.name == name]
        return self.txt.get(name)

    def unreadable(self, zone: str, vendors: Iterable[Key]) -> tuple[str, bool] | None:
        """Why a domain in ``zone`` at ``vendors`` (vendor, account) cannot be planned from
        this world (its zone or a vendor's listing could not be read), and whether for want of
        a vendor found unreachable; None when it can be."""
        if zone in self.zone_errors:
            error = self.zone_errors[zone]
            return _unread(f"cannot read the zone {zone}", error), isinstance(error, Unreachable)
        for vendor in vendors:
            if vendor in self.vendor_errors:
                error = self.vendor_errors[vendor]
                what = f"cannot list the {describe(vendor)} sending domains"
                return _unread(what, error), isinstance(error, Unreachable)
        return None


def _unread(what: str, error: MailDnsError) -> str:
    return f"not started: {error}" if isinstance(error, Unreachable) else f"{what}: {error}"


_ZoneRead = tuple["Zone | None", "ZoneStatus | None", "MailDnsError | None"]


SKIPPED_HELD: Final = "another worker is applying its zone"
SKIPPED_CHANGED: Final = "another worker applied its zone since this plan was made"
STOPPED: Final = (
    "a run stopped in the middle of this zone (killed, or another worker that died) and "
    "left steps this run could not settle: run apply again to settle and finish it"
)


class RecordSets:
    """One zone's record sets as this run last knew them: what a compare-and-swap write
    expects to find. Read with the zone, kept up to date by each write that succeeds."""

    def __init__(self, zone: Zone | None) -> None:
        self._sets: dict[tuple[str, RecordType], list[DnsRecord]] = {}
        self.reset(zone)

    def reset(self, zone: Zone | None) -> None:
        """Know the zone as read now."""
        self._sets = {}
        for record in zone.records if zone is not None else ():
            self._sets.setdefault((record.name, record.type), []).append(record)

    def at(self, name: str, rtype: RecordType) -> tuple[DnsRecord, ...]:
        return tuple(self._sets.get((name, rtype), ()))

    def written(self, name: str, rtype: RecordType, records: Sequence[DnsRecord]) -> None:
        self._sets[(name, rtype)] = list(records)


def _same(a: DnsRecord, b: DnsRecord) -> bool:
    return (a.type, a.name, a.value, a.priority or 0) == (b.type, b.name, b.value, b.priority or 0)


def _set_after(
    change: Change, record: DnsRecord, expected: Sequence[DnsRecord]
) -> list[DnsRecord] | None:
    """The record set ``expected`` once ``change`` (of ``record``) is made; None when the
    change is made already (a record to create that is there, one to delete that is not)."""
    if change.action == "create":
        if any(_same(r, record) for r in expected):
            return None
        return [*expected, record]
    if change.action == "update":
        assert change.old_value is not None
        old = attrs.evolve(record, value=change.old_value)
        kept = [r for r in expected if not _same(r, old) and not _same(r, record)]
        return [*kept, record]
    kept = [r for r in expected if not _same(r, record)]
    return None if len(kept) == len(expected) else kept  # None: gone already


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
        resolver: Resolver | None = None,
        accounts: Mapping[tuple[str, str], AsyncSendingDomainProvider[Any]] | None = None,
    ) -> None:
        self.config = config
        self.resolver: Resolver = resolver if resolver is not None else open_resolver()
        """Where names outside the zones are looked up (SPF includes, DMARC at the
        organisational domain): ``MAILDNS_RESOLVER``, else the system's; cached for the run."""
        self.dns = dns
        self._swapping: AsyncRecordSetHost[Any] | None = (
            dns if isinstance(dns, AsyncRecordSetHost) else None
        )
        """The host, when it compares and swaps record sets (written to through that)."""
        self.providers = providers
        """vendor -> the client of the vendor's own account (its own variables)."""
        self.accounts = dict(accounts or {})
        """(vendor, account) -> the client of a named account (:mod:`._accounts`)."""
        self.journal = journal
        self.concurrency = concurrency
        self.breaker = Breaker()
        self._by_name: dict[str, Any] = {d.name: d for d in config.domains}
        self._over_capacity = over_capacity(
            [(d.name, _keys(d)) for d in config.domains],
            {v: DECLARATIONS[v] for d in config.domains for v in d.vendors if v in DECLARATIONS},
        )

    def provider(self, key: Key) -> AsyncSendingDomainProvider[Any] | None:
        """The client of (vendor, account), None when there is none."""
        vendor, account = key
        return (
            self.providers.get(vendor) if account is None else self.accounts.get((vendor, account))
        )

    @property
    def keys(self) -> set[Key]:
        """Every (vendor, account) with a client."""
        return {(v, None) for v in self.providers} | {(v, a) for v, a in self.accounts}

    async def _call(self, vendor: str, call: Callable[[], Awaitable[R]]) -> R:
        """``call()`` to ``vendor``, unless it was found unreachable (:class:`Unreachable`);
        what it ends with feeds the breaker."""
        self.breaker.check(vendor)
        try:
            result = await call()
        except MailDnsError as error:
            self.breaker.heard(vendor, error)
            raise
        self.breaker.heard(vendor, None)
        return result

    # --- reading the world ------------------------------------------------------------------
    async def _zone(self, name: str) -> tuple[Zone | None, ZoneStatus | None]:
        vendor = self.config.dns_vendor
        try:
            zone = await self._call(vendor, lambda: self.dns.get_zone(name))
        except NotFoundError:
            return None, None
        if zone.status is not None:
            return zone, zone.status
        return zone, await self._call(vendor, lambda: self.dns.check_zone(name))

    async def _read_zone(self, name: str) -> _ZoneRead:
        """A zone and its status, or why it could not be read."""
        try:
            zone, status = await self._zone(name)
        except MailDnsError as error:
            return None, None, self._unreachable(self.config.dns_vendor, error)
        return zone, status, None

    async def _domains(self, key: Key) -> dict[str, SendingDomain]:
        provider = self.provider(key)
        assert provider is not None

        async def listing() -> dict[str, SendingDomain]:
            return {d.domain: d async for d in provider.list_sending_domains()}

        return await self._call(describe(key), listing)

    async def _read_domains(self, key: Key) -> dict[str, SendingDomain] | MailDnsError:
        """An account's sending domains by name, or why they could not be listed."""
        try:
            return await self._domains(key)
        except MailDnsError as error:
            return self._unreachable(describe(key), error)

    def _unreachable(self, vendor: str, error: MailDnsError) -> MailDnsError:
        """``error``, as :class:`Unreachable` when it tripped the vendor's breaker: what it
        stops is "not started", not failed."""
        if vendor in self.breaker.tripped and not isinstance(error, Unreachable):
            return Unreachable(vendor, self.breaker.tripped[vendor])
        return error

    async def verify_sending_domain(
        self, vendor: str, domain: str, account: str | None = None
    ) -> SendingDomain:
        """Ask ``vendor`` (at ``account``) to verify ``domain`` (its status alone: no listing
        is read again)."""
        provider = self.provider((vendor, account))
        assert provider is not None
        return await self._call(
            describe((vendor, account)),
            lambda: provider.verify_sending_domain(domain, fresh=False),
        )

    def _world(
        self,
        zone_names: Sequence[str],
        zones_read: Sequence[_ZoneRead],
        vendors: Sequence[Key],
        listings: Sequence[dict[str, SendingDomain] | MailDnsError],
    ) -> World:
        return World(
            zones={z: zone for z, (zone, _, err) in zip(zone_names, zones_read, strict=True)},
            zone_status={z: st for z, (_, st, _) in zip(zone_names, zones_read, strict=True)},
            domains={
                v: listed
                for v, listed in zip(vendors, listings, strict=True)
                if not isinstance(listed, MailDnsError)
            },
            zone_errors={
                z: err
                for z, (_, _, err) in zip(zone_names, zones_read, strict=True)
                if err is not None
            },
            vendor_errors={
                v: listed
                for v, listed in zip(vendors, listings, strict=True)
                if isinstance(listed, MailDnsError)
            },
        )

    async def read(
        self,
        *,
        also_zones: Collection[str] = (),
        also_vendors: Collection[Key] = (),
        zones: bool = True,
    ) -> World:
        """The configuration's zones and its accounts' listings, and those of ``also_zones``
        and ``also_vendors`` (vendor, account: a pruned domain's, an unfinished step's);
        ``zones=False`` reads the listings only. Zones are read ``concurrency`` at a time."""
        zone_names = sorted({*self.config.zones, *(z for z in also_zones if z)}) if zones else []
        configured = {k for d in self.config.domains for k in _keys(d)}
        vendors = sorted({*configured, *also_vendors} & self.keys, key=_order)
        zones_read, listings = await asyncio.gather(
            pool(zone_names, self._read_zone, self.concurrency),
            asyncio.gather(*(self._read_domains(v) for v in vendors)),
        )
        return self._world(zone_names, zones_read, vendors, listings)

    async def _read_domain(
        self, domain: Any, world: World, created: Mapping[str, SendingDomain]
    ) -> World:
        """The world as one domain sees it after its first steps: its zone read again, its
        sending domains from the listing read for the plan and what the vendors answered to
        the creates (no vendor is listed again: a listing per domain would cost the whole
        listing once per domain)."""
        zone, status, error = await self._read_zone(domain.zone)
        domains: dict[Key, dict[str, SendingDomain]] = {}
        for vendor in domain.vendors:
            key = (vendor, _account(domain, vendor))
            found = created.get(vendor) or world.domains.get(key, {}).get(domain.name)
            domains[key] = {} if found is None else {found.domain: found}
        return World(
            zones={domain.zone: zone},
            zone_status={domain.zone: status},
            domains=domains,
            zone_errors={} if error is None else {domain.zone: error},
        )

    # --- planning -----------------------------------------------------------------------------
    def _plan_domain(
        self, domain: Any, world: World, force: bool
    ) -> tuple[DomainPlan, tuple[Change, ...]]:
        """The domain's plan from ``world``, and the changes its vendors' foreseen records
        would make (for :meth:`_plan_judged` to judge; never applied)."""
        unreadable = world.unreadable(domain.zone, _keys(domain))
        if unreadable is not None:
            return DomainPlan(domain.name, domain.zone, error=unreadable[0]), ()
        dns_vendor = self.config.dns_vendor
        changes: list[Change] = []
        problems: list[str] = []
        zone = world.zones.get(domain.zone)
        if zone is None and not DNS_HOSTS[dns_vendor].creates_zones:
            problems.append(
                f"the zone {domain.zone} is not served by {dns_vendor}, which cannot create "
                "zones: add it to the server first"
            )
        elif zone is None:
            changes.append(
                Change("create", dns_vendor, "zone", domain.zone, reason="the zone is missing")
            )
        elif world.zone_status.get(domain.zone) is not ZoneStatus.SERVED:
            status = world.zone_status.get(domain.zone)
            message = (
                f"the zone {domain.zone} is not delegated to {dns_vendor} "
                f"({status.value if status else 'unknown'}): its records would not be seen"
            )
            if not force:
                problems.append(f"{message} (--force to do it anyway)")
        problems += self._over_capacity.get(domain.name, [])
        wanted: list[tuple[str, DnsRecord]] = []
        foreseen: list[tuple[str, RecordShape]] = []
        for vendor in domain.vendors:
            account = _account(domain, vendor)
            listed = world.domains.get((vendor, account), {})
            found = listed.get(domain.name)
            if found is None:
                changes.append(
                    Change(
                        "create",
                        vendor,
                        "sending_domain",
                        domain.name,
                        reason="its records are known after apply",
                        account=account,
                    )
                )
                if vendor in DECLARATIONS:
                    taken = account_taken(domain.name, account, listed, DECLARATIONS[vendor])
                    if taken is not None:
                        problems.append(taken)
                    foreseen += [(vendor, shape) for shape in DECLARATIONS[vendor].records]
            else:
                wanted += [(vendor, r) for r in found.records]
        existing = zone.records if zone is not None else ()
        owned = self.journal.owned(dns_vendor, domain.name)
        records = plan_records(
            domain=domain.name,
            dns_vendor=dns_vendor,
            existing=existing,
            wanted=wanted,
            owned=owned,
            force=force,
        )
        changes += records.changes
        problems += records.problems
        dmarc = self._plan_dmarc(domain, world)
        if isinstance(dmarc, Change):
            changes.append(dmarc)
        else:
            problems += dmarc
        hypothetical: tuple[Change, ...] = ()
        if foreseen:  # judged now, so that a conflict refuses the domain before any create
            refused, hypothetical = foreseen_problems(
                domain=domain.name,
                dns_vendor=dns_vendor,
                existing=existing,
                wanted=wanted,
                foreseen=foreseen,
                owned=owned,
                force=force,
            )
            problems += [p for p in refused if p not in problems]
        plan = DomainPlan(domain.name, domain.zone, ordered(changes), tuple(problems))
        return plan, hypothetical

    async def _plan_judged(self, domain: Any, world: World, force: bool) -> DomainPlan:
        """The domain's plan (:meth:`_plan_domain`), judged as receivers would: every SPF
        record it would write (or that its vendors will ask for) counted through DNS, every
        nested include and void lookup; a record receivers would evaluate as permerror
        refuses the domain, never forced; one that could not be checked (DNS failed) leaves
        the domain unplanned. The DMARC names outside the zone are looked up first."""
        outside = [n for n in policy_names(domain.name) if world.texts(n, domain.zone) is None]
        if outside and getattr(domain, "dmarc", None) is not None:
            looked = await asyncio.gather(*(self.resolver.lookup(n, "TXT") for n in outside))
            txt = dict(world.txt)
            txt.update(
                {
                    n: None if r.error else list(r.values)
                    for n, r in zip(outside, looked, strict=True)
                }
            )
            world = attrs.evolve(world, txt=txt)
        plan, hypothetical = self._plan_domain(domain, world, force)
        if plan.error is not None:
            return plan
        budgets = await check_planned([*plan.changes, *hypothetical], self.resolver)
        problems = [p for b in budgets for p in b.problems if p not in plan.problems]
        unchecked = [u for b in budgets for u in b.unchecked]
        if unchecked and not problems:
            return DomainPlan(
                domain.name,
                domain.zone,
                error="the SPF record could not be checked: " + "; ".join(unchecked),
            )
        if problems:
            return attrs.evolve(plan, problems=(*plan.problems, *problems))
        return plan

    def _plan_dmarc(self, domain: Any, world: World) -> Change | list[str]:
        """The change that makes receivers find the domain's DMARC policy (see
        :func:`._dmarc.plan_record`), or why not (none needed: an empty list)."""
        policy = getattr(domain, "dmarc", None)
        if policy is None:
            return []
        answers = {name: world.texts(name, domain.zone) for name in policy_names(domain.name)}
        planned = plan_record(domain.name, policy, answers)
        if planned.problems:
            if planned.unknown:
                why = "; ".join(planned.problems)
                return [f"the DMARC policy of {domain.name} could not be checked ({why})"]
            return [f"the DMARC record at {planned.name}: {p}" for p in planned.problems]
        if planned.text is None:
            return []
        reason = "; ".join(planned.notes) or "receivers require a DMARC policy of bulk senders"
        return Change(
            "update" if planned.old is not None else "create",
            self.config.dns_vendor,
            "record",
            domain.name,
            RecordType.TXT,
            planned.name,
            planned.text,
            None,
            planned.old,
            f"DMARC: {reason}",
        )

    async def plan(self, *, force: bool = False, prune: bool = False) -> Plan:
        """What apply would change now (read-only); with ``prune``, also what undoes what
        maildns made for domains no longer configured."""
        plan, _ = await self._plan(force=force, prune=prune)
        return plan

    async def _plan(self, *, force: bool, prune: bool) -> tuple[Plan, World]:
        records, created = self._prunable() if prune else ([], [])
        world = await self.read(
            also_zones={r.zone for r in records}, also_vendors={d.key for d in created}
        )
        seen_zones: set[str] = set()
        plans = []
        for domain in self.config.domains:
            plan = await self._plan_judged(domain, world, force)
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
        errors: dict[str, str] = {}
        for owned in records:
            _, changes, _ = entry(owned.domain, owned.zone)
            unreadable = world.unreadable(owned.zone, ())
            if unreadable is not None:
                errors.setdefault(owned.domain, unreadable[0])
                continue
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
            unreadable = world.unreadable("", (made.key,))
            if unreadable is not None:
                errors.setdefault(made.domain, unreadable[0])
            elif made.key not in self.keys:
                problems.append(
                    f"cannot delete the {describe(made.key)} sending domain: "
                    f"no {describe(made.key)} client{_unset(made.key)}"
                )
            elif made.domain in world.domains.get(made.key, {}):
                changes.append(
                    Change(
                        "delete",
                        made.vendor,
                        "sending_domain",
                        made.domain,
                        reason=why,
                        prune=True,
                        account=made.account,
                    )
                )
        # A dropped domain that cannot be read whole is not pruned in part: its error says why.
        return [
            DomainPlan(domain, zone, error=errors[domain])
            if domain in errors
            else DomainPlan(domain, zone, tuple(changes), tuple(problems))
            for domain, (zone, changes, problems) in sorted(by_domain.items())
            if changes or problems or domain in errors
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
        itself: a read that fails fails the domains that needed it, a step whose answer never
        came is ``unknown`` (settled by the next apply), and a vendor found unreachable is
        sent nothing more (the domains left are "not started"). ``on_plan`` hears of the
        whole plan once it is known, ``on_domain`` of each domain with changes (or that could
        not be read) as it finishes.

        Without ``saved`` or ``prune`` the plan streams: each zone is read, planned and applied
        while the next ones are read, so a vendor's first change does not wait for ten thousand
        zone reads (``on_plan`` may then come after the first changes). With either, the whole
        plan is made, compared and shown before any change.
        """
        if saved is not None:
            prune = prune or any(c.prune for c in saved.changes)
        with self.journal.exclusive():
            unsettled = await self._settle()
            horizon = await self._j(self.journal.horizon)
            skipped: list[tuple[int, str, str]] = []
            applying = functools.partial(
                self._apply_zone,
                force=force,
                horizon=horizon,
                skipped=skipped,
                on_domain=on_domain,
                unsettled=unsettled,
            )
            if saved is None and not prune:
                plan, results = await self._stream(force, applying, on_plan)
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
                results = await pool(
                    by_zone.values(),
                    functools.partial(applying, world=world),
                    self.concurrency,
                )
        ordered_ = sorted((o for zone in results for o in zone), key=lambda item: item[0])
        outcomes = [(domain, o) for _, domain, o in ordered_]  # in the plan's order
        return Applied(
            plan,
            done=tuple(c for _, o in outcomes for c in o.done),
            failed=tuple(f for _, o in outcomes for f in o.failed),
            unknown=tuple(u for _, o in outcomes for u in o.unknown),
            not_started=tuple(
                (domain, o.not_started) for domain, o in outcomes if o.not_started is not None
            ),
            stopped=tuple(
                (domain, "failed" if o.failed else "unknown", why)
                for domain, o in outcomes
                if (why := _first_error(o)) is not None and o.not_started is None
            ),
            skipped=tuple((domain, why) for _, domain, why in sorted(skipped)),
        )

    async def _stream(
        self,
        force: bool,
        applying: Callable[..., Awaitable[list[tuple[int, str, Outcome]]]],
        on_plan: Callable[[Plan], None] | None,
    ) -> tuple[Plan, list[list[tuple[int, str, Outcome]]]]:
        """Read and plan zone by zone (``concurrency`` reads at once) into a queue that
        ``concurrency`` appliers take zones from as they come; the plan is whole at the end.
        A zone that cannot be read fails its domains (they are planned with the error); an
        error of maildns's own (the journal) stops the run once the others have stopped."""
        world = await self.read(zones=False)  # the vendors' listings, once
        by_zone: dict[str, list[tuple[int, Any]]] = {}
        for index, domain in enumerate(self.config.domains):
            by_zone.setdefault(domain.zone, []).append((index, domain))
        planned: dict[int, DomainPlan] = {}
        ready: asyncio.Queue[tuple[list[tuple[int, DomainPlan]], World] | None] = asyncio.Queue()
        results: list[list[tuple[int, str, Outcome]]] = []

        async def plan_zone(zone: str) -> None:
            found, status, error = await self._read_zone(zone)
            zone_world = attrs.evolve(
                world,
                zones={zone: found},
                zone_status={zone: status},
                zone_errors={} if error is None else {zone: error},
            )
            group: list[tuple[int, DomainPlan]] = []
            for index, domain in by_zone[zone]:
                domain_plan = await self._plan_judged(domain, zone_world, force)
                if group:  # the zone is created once, by its first domain
                    changes = tuple(c for c in domain_plan.changes if c.kind != "zone")
                    domain_plan = attrs.evolve(domain_plan, changes=changes)
                planned[index] = domain_plan
                group.append((index, domain_plan))
            ready.put_nowait((group, zone_world))

        whole: list[Plan] = []

        async def produce() -> None:
            try:
                await pool(by_zone, plan_zone, self.concurrency)
            finally:
                for _ in range(self.concurrency):
                    ready.put_nowait(None)
            whole.append(Plan(tuple(planned[i] for i in sorted(planned))))
            if on_plan is not None:
                on_plan(whole[0])  # while the appliers go on: a progress bar's total

        async def consume() -> None:
            while (item := await ready.get()) is not None:
                group, zone_world = item
                results.append(await applying(group, world=zone_world))

        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(produce())
                for _ in range(max(1, self.concurrency)):
                    tasks.create_task(consume())
        except BaseExceptionGroup as errors:
            raise _first(errors) from None
        return whole[0], results

    async def _apply_zone(
        self,
        plans: list[tuple[int, DomainPlan]],
        *,
        world: World,
        force: bool,
        horizon: int,
        skipped: list[tuple[int, str, str]],
        on_domain: OnDomain | None,
        unsettled: Mapping[str, str],
    ) -> list[tuple[int, str, Outcome]]:
        """One zone's domains with changes (and no problems), under the zone's claim: left to
        the worker holding it when another does, skipped when another changed the zone since
        ``horizon``. Its domains that could not be planned are told of, and counted: failed,
        or not started when a vendor they needed was unreachable."""
        outcomes: list[tuple[int, str, Outcome]] = []
        for index, domain_plan in plans:
            if domain_plan.error is not None and not domain_plan.problems:
                domain = self._by_name.get(domain_plan.domain)  # None: a pruned domain
                vendors = world.vendor_errors if domain is None else _keys(domain)
                cause = world.unreadable(domain_plan.zone, vendors)
                outcome = Outcome()
                if cause is not None and cause[1]:
                    outcome.not_started = domain_plan.error
                outcomes.append((index, domain_plan.domain, outcome))
                if on_domain is not None:
                    on_domain(domain_plan.domain, domain_plan.error)
        plans = [(i, p) for i, p in plans if p.changes and not p.problems]
        if not plans:
            return outcomes
        zone = plans[0][1].zone
        if not await self._j(self.journal.claim, zone):
            skipped.extend((i, p.domain, SKIPPED_HELD) for i, p in plans)
            for _, domain_plan in plans:
                if on_domain is not None:
                    on_domain(domain_plan.domain, None)
            return outcomes
        sets = RecordSets(world.zones.get(zone))
        try:
            touched = await self._j(self.journal.touched_since, zone, horizon)
            for index, domain_plan in plans:  # one after another: they change one zone
                if touched == "changed":  # what the plan read is stale: the other worker did it
                    skipped.append((index, domain_plan.domain, SKIPPED_CHANGED))
                    outcome = Outcome()
                elif touched == "started":  # stale, and half done: a rerun settles it first
                    why = STOPPED + (f" ({unsettled[zone]})" if zone in unsettled else "")
                    outcome = Outcome(failed=[(domain_plan.changes[0], why)])
                else:
                    outcome = await self._apply_domain(domain_plan, world, force, sets)
                if on_domain is not None:
                    on_domain(domain_plan.domain, _first_error(outcome))
                outcomes.append((index, domain_plan.domain, outcome))
            return outcomes
        finally:
            await self._j(self.journal.release, zone)

    async def _apply_domain(
        self, domain_plan: DomainPlan, world: World, force: bool, sets: RecordSets
    ) -> Outcome:
        outcome = Outcome()
        domain = self._by_name.get(domain_plan.domain)  # None: a pruned domain
        created: dict[str, SendingDomain] = {}  # vendor -> what it made (one account each)
        first = domain_plan.changes
        if domain is not None and any(
            c.kind == "sending_domain" and c.action == "create" for c in first
        ):
            # No record before the vendors have answered and their answers are judged: the
            # records (all of them) are planned again from what they asked for.
            first = tuple(c for c in first if c.kind != "record")
        refused: list[Change] = []  # the writes the host refused as planned on a stale read
        for change in first:
            made = await self._step(change, domain_plan.zone, domain, outcome, sets)
            if made == STALE:
                refused.append(change)
                break
            if made is False:
                return outcome  # a failed step stops its domain; the others go on
            if isinstance(made, SendingDomain):
                created[change.vendor] = made
        if not (created or refused) or domain is None:
            return outcome
        last = domain_plan.changes[-1]
        for vendor, made in created.items():  # the new domains' records are known now
            stray = stray_records(domain.name, made, DECLARATIONS[vendor])
            if stray and not force:  # the plan judged other records: look before writing
                asked = ", ".join(f"{r.type} {r.name}" for r in stray)
                why = (
                    f"{vendor} asks for {asked}, which the plan could not foresee: no "
                    "record published for this domain (check the zone, then apply again "
                    "with --force)"
                )
                outcome.failed.append((last, why))
                return outcome
        while len(refused) < ATTEMPTS:
            after = await self._read_domain(domain, world, created)
            sets.reset(after.zones.get(domain.zone))
            again = await self._plan_judged(domain, after, force)
            if again.error is not None or again.problems:
                why = again.error or "; ".join(again.problems)
                if refused:
                    why = f"{why} (found planning again after the zone changed)"
                else:
                    why = f"{why}: no record published for this domain"
                outcome.failed.append((refused[-1] if refused else last, why))
                return outcome
            for change in again.changes:
                made = await self._step(change, domain_plan.zone, domain, outcome, sets)
                if made == STALE:
                    refused.append(change)
                    break
                if made is False:
                    return outcome
            else:
                return outcome
        why = (
            f"the zone {domain.zone} kept changing while maildns wrote to it ({len(refused)} "
            "writes refused, the zone read and the domain planned again after each but the "
            "last): apply again once it settles"
        )
        outcome.failed.append((refused[-1], why))
        return outcome

    async def _step(
        self, change: Change, zone: str, domain: Any, outcome: Outcome, sets: RecordSets
    ) -> SendingDomain | bool | Literal["stale"]:
        """Make one change, journaled: False when it failed (or its effect is unknown), a
        created sending domain, True, or :data:`STALE` when the host refused a record write
        because the zone changed since it was read (:func:`_stale`; journaled failed: nothing
        was written; a configured domain's changes are then planned again). A vendor found
        unreachable is not even asked."""
        who = describe(change.key) if change.kind == "sending_domain" else change.vendor
        if who in self.breaker.tripped:
            error = Unreachable(who, self.breaker.tripped[who])
            if outcome.done:
                outcome.failed.append((change, f"not tried: {error}"))
            else:
                outcome.not_started = f"not started: {error}"
            return False
        step = await self._j(self.journal.begin, change, zone)
        try:
            made = await self._make(change, zone, domain, sets)
        except MailDnsError as error:
            if domain is not None and _stale(error, change):
                detail = f"{error} (nothing was written; planned again from the zone read anew)"
                await self._j(self.journal.failed, step, detail)
                return STALE
            if effect_unknown(error):
                detail = f"{error} (no answer came: the next apply looks and settles it)"
                await self._j(self.journal.unknown, step, detail)
                outcome.unknown.append((change, detail))
            else:
                await self._j(self.journal.failed, step, str(error))
                if isinstance(error, Unreachable) and not outcome.done:
                    outcome.not_started = f"not started: {error}"
                else:
                    outcome.failed.append((change, str(error)))
            return False
        await self._j(self.journal.done, step, change)
        outcome.done.append(change)
        return made if made is not None else True

    async def _make(
        self, change: Change, zone: str, domain: Any, sets: RecordSets
    ) -> SendingDomain | None:
        """Make one change; ``domain`` is its configured domain (None when pruning). A created
        sending domain is returned: its records are what to publish next. A record is written
        by compare and swap when the host can (``sets``: what it is expected to hold)."""
        vendor = change.vendor
        if change.kind == "zone":
            settings = self.config.zones[change.domain].settings
            await self._call(vendor, lambda: self.dns.create_zone(change.domain, settings))
        elif change.kind == "sending_domain":
            provider = self.provider(change.key)
            if provider is None:
                raise MailDnsError(f"no {describe(change.key)} client{_unset(change.key)}")
            who = describe(change.key)
            if change.action == "delete":
                await self._call(who, lambda: provider.delete_sending_domain(change.domain))
            else:
                wish = domain.vendors[vendor]
                return await self._call(
                    who, lambda: provider.create_sending_domain(change.domain, wish)
                )
        else:
            assert change.type is not None
            assert change.name is not None
            assert change.value is not None
            record = DnsRecord(change.type, change.name, change.value, priority=change.priority)
            host = self._swapping
            if host is not None:
                expected = sets.at(record.name, record.type)
                after = _set_after(change, record, expected)
                if after is not None:
                    swap = functools.partial(host.replace_records, zone, expected, after)
                    await self._call(vendor, swap)
                    sets.written(record.name, record.type, after)
            elif change.action == "create":
                await self._call(vendor, lambda: self.dns.add_record(zone, record))
            elif change.action == "update":
                assert change.old_value is not None
                old = attrs.evolve(record, value=change.old_value)
                new = change.value
                await self._call(vendor, lambda: self.dns.update_record(zone, old, new))
            else:
                await self._call(vendor, lambda: self.dns.delete_record(zone, record))
        return None

    async def _settle(self) -> dict[str, str]:
        """End the steps a killed run (or an unanswered request) left open, by what the world
        shows now: those of zones no live worker holds (a live one's steps are its own to
        end). Steps whose zone or vendor cannot be read stay open; the result says why, by
        zone."""
        unfinished = await self._j(self.journal.unfinished)
        # A journal from before schema 2 has no zones: the longest configured one holding it.
        zone_of = {s.id: s.zone or self._zone_holding(s.change.domain) for s in unfinished}
        zones = sorted(set(zone_of.values()))
        claimed = [z for z in zones if await self._j(self.journal.claim, z)]
        try:
            mine = [s for s in unfinished if zone_of[s.id] in claimed]
            if not mine:
                return {}
            # Only what the steps touched: their zones, the listings of their vendors.
            read_zones = sorted({zone_of[s.id] for s in mine} - {""})
            vendors = sorted(
                {s.change.key for s in mine if s.change.kind == "sending_domain"} & self.keys,
                key=_order,
            )
            zones_read, listings = await asyncio.gather(
                pool(read_zones, self._read_zone, self.concurrency),
                asyncio.gather(*(self._read_domains(v) for v in vendors)),
            )
            world = self._world(read_zones, zones_read, vendors, listings)
            unsettled: dict[str, str] = {}
            for step in mine:
                zone = zone_of[step.id]
                if step.change.kind == "sending_domain":
                    cannot = world.unreadable("", (step.change.key,))
                else:
                    cannot = world.unreadable(zone, ())
                if cannot is not None:
                    unsettled.setdefault(zone, cannot[0])
                    continue
                happened = _happened(step.change, world)
                await self._j(self.journal.settle, step.id, step.change, happened)
            return unsettled
        finally:
            for zone in claimed:
                await self._j(self.journal.release, zone)


def _keys(domain: Any) -> list[Key]:
    """(vendor, account) of each of ``domain``'s vendors, in the configuration's order."""
    return [(vendor, _account(domain, vendor)) for vendor in domain.vendors]


def _order(key: Key) -> tuple[str, str]:
    return key[0], key[1] or ""


def _unset(key: Key) -> str:
    """Why an account has no client: the variables it lacks."""
    vendor, account = key
    if account is None or vendor not in DECLARATIONS:
        return ""
    lacking = missing(DECLARATIONS[vendor], account)
    return "" if lacking is None else f" (account {account} {lacking})"


def _stale(error: MailDnsError, change: Change) -> bool:
    """Whether the host refused ``change`` because the zone is no longer as it was read: a
    compare-and-swap refused (:class:`RecordsChangedError`), or a record to update or delete
    that is not there any more (a host matching the record by its value, as TelecomX does,
    answers 404). Either way nothing was written."""
    if change.kind != "record":
        return False
    if isinstance(error, RecordsChangedError):
        return True
    return isinstance(error, NotFoundError) and change.action in ("update", "delete")


def _first_error(outcome: Outcome) -> str | None:
    if outcome.failed:
        return outcome.failed[0][1]
    if outcome.unknown:
        return outcome.unknown[0][1]
    return outcome.not_started


def _happened(change: Change, world: World) -> bool:
    if change.kind == "zone":
        return world.zones.get(change.domain) is not None
    if change.kind == "sending_domain":
        present = change.domain in world.domains.get(change.key, {})
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
