"""``watch``: keep what maildns onboarded healthy, reporting each change of state once.

Every domain the configuration names, and every one it no longer names that the journal says
maildns made a sending domain for (or, making none, published records for at the DNS host:
those records are checked, as the DNS host's), is checked once per ``interval``, domain ``i``
of ``N`` at ``i * interval / N`` into it, so that the checks never come in bursts. A check
reads each of the domain's vendors (the one read ``status`` makes per domain:
``get_sending_domain``), asks every authoritative nameserver for the records that vendor asks
for (:func:`._verify.check_records`), and judges what receivers would conclude
(:func:`._receivers.judge`, as ``check`` does).

**Listings.** A vendor whose read of one domain is a listing of all of them
(:attr:`Declaration.reads_one_by_listing`: Tesouro) is not listed once per domain (10,000
listings of 10,000 domains an hour); one listing per account serves every check within the
freshness window ``W = interval / LISTINGS_PER_INTERVAL`` (a minute of an hour) after its
request was sent, checks that need it while it is being fetched wait for that one request, and
a domain missing from it is what the read's ``NotFoundError`` meant (``absent``). So such a
vendor costs at most ``LISTINGS_PER_INTERVAL + 1`` requests an interval per account (and never
more than one per domain), whatever the number of domains. What a check knows of the vendor is
at most ``W`` old, so a change at the vendor is an event at most ``interval + W`` after it
(1/60 more than an interval); a record's drift is still seen within one interval, since DNS is
asked at every check. A listing that fails is a failed read for every check that waited for it,
and is not kept: the next check lists again (or, in an outage, the next probe).

**Budget.** Watch spends at most ``budget`` (10 % by default) of each vendor's documented rate
limit (:attr:`Declaration.rate_limit`; :data:`UNDOCUMENTED_RATE` for a vendor that documents
none), so that an apply beside it keeps the rest. A check costs :data:`READS_PER_CHECK` read
per vendor of the domain, except at a vendor that reads by listing, which costs its listings
(above); an interval that needs more than the budget allows is refused with
one line (:class:`WatchError`) before anything is sent, naming the smallest one that works.
Within the interval each vendor's reads are spaced at least ``1 / share`` seconds apart.

**State.** Only transitions are reported (:mod:`._events`). What watch last saw of a thing
that is not as it should be (a record missing, a vendor not verified, receivers refusing, an
outage) is one row in the journal (:meth:`Journal.saw`); a thing as it should be has none. So a
restart resumes without replaying an event, and memory holds one entry per thing in drift,
never a history. An unknown answer (a time-out, SERVFAIL, REFUSED; a vendor that could not be
read) changes nothing: it is never drift. A vendor that stops answering (or nameservers that
answer nothing), :data:`OUTAGE_AFTER` checks in a row, is one ``check_unavailable``; it is
then tried by one domain's check at a time,
backing off from :data:`BACKOFF_START` to the interval, and one ``check_available`` says it
answers again.

**Repair** (``repair=True``) puts back what maildns owns and lost: a record it published
(journal ``owned`` rows) that is missing everywhere is re-created through the engine, for that
domain alone, under the journal's claims (so it cooperates with ``apply`` and other watchers
on one PostgreSQL journal). A record edited by someone else (``record_changed``: an SPF record
without the vendor's include, another DKIM key) is reported ``repair_refused``, never written;
so is a plan that would do anything but re-create the lost records. Without ``repair``, watch
sends no request that writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

import attrs

from .._dns.records import expected_value
from ..errors import MailDnsError, NotFoundError
from ..models import DnsRecord, DomainStatus, RecordType, SendingDomain
from ..vendors import DECLARATIONS
from ._accounts import Key, account_of
from ._events import Event, EventKind, RecordRef, ServerAnswer
from ._lookup import TIMEOUT, Server, Sockets, authoritative_servers
from ._receivers import Fact
from ._receivers import judge as judge_receivers
from ._spf import is_spf
from ._verify import RecordCheck, check_records, judge

if TYPE_CHECKING:
    from ._engine import Engine

DEFAULT_INTERVAL: Final = 3600.0
DEFAULT_BUDGET: Final = 0.10
UNDOCUMENTED_RATE: Final = 10.0
"""Requests per second assumed of a vendor that documents no rate limit (CiiRUS): watch's
share is ``budget`` of it (1/s by default), well below what any such API tolerates."""
READS_PER_CHECK: Final = 1
"""Vendor requests one check of one domain makes at each of its vendors (one read)."""
LISTINGS_PER_INTERVAL: Final = 60
"""How many freshness windows an interval holds at a vendor that reads one domain by listing
all (:attr:`Declaration.reads_one_by_listing`): a listing serves every check of its account
for ``interval / LISTINGS_PER_INTERVAL`` seconds (a minute of an hour). Sixty keeps what a
check knows of the vendor within 1/60 of an interval of now (a vendor's change is an event
within ``interval + W``), at 61 listings an interval at most: under 1 % of Tesouro's default
share of an hour (3/s: 10,800 requests)."""
BACKOFF_START: Final = 30.0
"""Seconds before an unavailable vendor (or DNS) is tried again; doubled each failure, up to
the interval."""
OUTAGE_AFTER: Final = 3
"""Consecutive checks a vendor (or every nameserver) must fail before it is reported
unavailable and backed off from: one lost answer on a busy network is not an outage (its
check is simply incomplete: unknown, never drift)."""
DRAIN_SECONDS: Final = 10.0
"""How long a stopped watch waits for the checks in flight (real time) before cancelling them."""
DNS: Final = "dns"
"""The ``vendor`` of an outage of the nameservers."""
ALL_DOMAINS: Final = "*"
"""The ``domain`` of an outage's row in the journal."""

SERVED: Final = "served"
VERIFIED: Final = DomainStatus.VERIFIED.value
PASS: Final = "pass"  # noqa: S105 (a verdict, not a password)
COMPLIANCE: Final = "compliance"
STATUS: Final = "status"
OUTAGE: Final = "outage"
DOWN: Final = "down"


class WatchError(MailDnsError):
    """Watch cannot run as asked (an interval the budget cannot meet, a bad argument)."""


class Clock(Protocol):
    """Where watch takes its time from: the wall clock, or a test's (the sandbox's)."""

    def now(self) -> float:
        """Unix time, seconds."""

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class WatchObserver(Protocol):
    def check_attempted(self, at: float) -> None: ...  # unix time a domain check started
    def check_succeeded(self, at: float) -> None: ...  # a check that got every answer
    def domains(self, counts: Mapping[tuple[str, str], int]) -> None: ...  # (vendor, state) -> n
    def event(self, event: Event) -> None: ...
    def dns_checked(self, result: str) -> None: ...  # "served" | "missing" | "unknown"
    def soft_errors(self, consecutive: int) -> None: ...  # consecutive failed checks (0 resets)


class NullObserver:
    """Hears everything, does nothing."""

    def check_attempted(self, at: float) -> None:
        pass

    def check_succeeded(self, at: float) -> None:
        pass

    def domains(self, counts: Mapping[tuple[str, str], int]) -> None:
        pass

    def event(self, event: Event) -> None:
        pass

    def dns_checked(self, result: str) -> None:
        pass

    def soft_errors(self, consecutive: int) -> None:
        pass


@dataclass(frozen=True, slots=True)
class Target:
    """A domain watch checks: its zone and its (vendor, account) pairs."""

    name: str
    zone: str
    vendors: tuple[Key, ...]
    configured: bool = True
    """Named by the configuration (else only in the journal: reported, never repaired)."""
    published: SendingDomain | None = None
    """For a domain the configuration no longer names and maildns made no sending domain for:
    the records maildns published for it at the DNS host (the journal's ``owned`` rows), as
    the DNS host's (``vendor``), each checked at the zone's nameservers."""


def targets(engine: Engine) -> list[Target]:
    """The configuration's domains, then those the configuration no longer names that the
    journal says maildns made something for: a sending domain, else only records at the DNS
    host (in the journal's order)."""
    config = engine.config
    found = [
        Target(
            d.name,
            d.zone,
            tuple((v, account_of(d, v)) for v in d.vendors if v in DECLARATIONS),
        )
        for d in config.domains
    ]
    owned, created = engine.journal.prunable(config.dns_vendor, {d.name for d in config.domains})
    dropped: dict[str, list[Key]] = {}
    zones: dict[str, str] = {}
    for made in created:
        if made.vendor in DECLARATIONS and engine.provider(made.key) is not None:
            dropped.setdefault(made.domain, []).append(made.key)
            zones[made.domain] = made.zone
    found += [Target(n, zones[n], tuple(keys), configured=False) for n, keys in dropped.items()]
    published: dict[str, list[DnsRecord]] = {}
    for record in owned:
        if record.domain not in dropped:
            zones[record.domain] = record.zone
            published.setdefault(record.domain, []).append(
                DnsRecord(record.type, record.name, record.value, priority=record.priority)
            )
    found += [
        Target(
            name,
            zones[name],
            (),
            configured=False,
            published=SendingDomain(
                config.dns_vendor, name, "", DomainStatus.UNKNOWN, tuple(records)
            ),
        )
        for name, records in published.items()
    ]
    return found


def window(interval: float) -> float:
    """How long (seconds) one listing serves the checks of its account, at a vendor that
    reads one domain by listing all: ``interval / LISTINGS_PER_INTERVAL``."""
    return interval / LISTINGS_PER_INTERVAL


def listings(domains: int) -> int:
    """The most listings an interval makes of an account of ``domains`` watched domains:
    listings are at least a window apart (an interval holds ``LISTINGS_PER_INTERVAL + 1`` such
    instants), and never more than one per check."""
    return min(domains, LISTINGS_PER_INTERVAL + 1)


@dataclass(frozen=True, slots=True)
class Share:
    """One vendor's part of the budget for an interval."""

    vendor: str
    rate: float
    """The vendor's rate limit (documented, else :data:`UNDOCUMENTED_RATE`), requests/s."""
    documented: bool
    share: float
    """Requests per second watch may spend: ``budget * rate``."""
    needed: int
    """Requests one interval's checks make (at most: listings, for a vendor that reads by
    listing)."""
    domains: int = 0
    """Domains watched at the vendor."""
    by_listing: bool = False
    """Whether the vendor reads one domain by listing all (``needed`` counts listings)."""

    def capacity(self, interval: float) -> int:
        return math.floor(self.share * interval + 1e-9)

    def smallest_interval(self) -> float:
        return math.ceil(self.needed / self.share)


def shares(found: Sequence[Target], budget: float) -> dict[str, Share]:
    """Each vendor's share of the budget and what one interval needs of it: a read per domain,
    or at a vendor that reads by listing, the listings of each account (:func:`listings`)."""
    per_key: dict[Key, int] = {}
    for target in found:
        for key in target.vendors:
            per_key[key] = per_key.get(key, 0) + 1
    needed: dict[str, int] = {}
    domains: dict[str, int] = {}
    for (vendor, _), count in per_key.items():
        by_listing = DECLARATIONS[vendor].reads_one_by_listing
        cost = listings(count) if by_listing else count * READS_PER_CHECK
        needed[vendor] = needed.get(vendor, 0) + cost
        domains[vendor] = domains.get(vendor, 0) + count
    result = {}
    for vendor, count in sorted(needed.items()):
        declaration = DECLARATIONS[vendor]
        documented = declaration.rate_limit
        rate = float(documented) if documented else UNDOCUMENTED_RATE
        result[vendor] = Share(
            vendor,
            rate,
            documented is not None,
            budget * rate,
            count,
            domains[vendor],
            declaration.reads_one_by_listing,
        )
    return result


def check_arguments(interval: float, budget: float) -> None:
    if not (isinstance(interval, int | float) and math.isfinite(interval) and interval > 0):
        raise WatchError(f"interval: must be a number of seconds above 0, got {interval!r:.40}")
    if not (isinstance(budget, int | float) and math.isfinite(budget) and 0 < budget <= 1):
        raise WatchError(f"budget: must be a fraction above 0 and at most 1, got {budget!r:.40}")


def refusal(found: Sequence[Target], interval: float, budget: float) -> str | None:
    """Why ``interval`` cannot be met within ``budget`` (one line), None when it can."""
    over = [s for s in shares(found, budget).values() if s.needed > s.capacity(interval)]
    if not over:
        return None
    smallest = max(s.smallest_interval() for s in over)
    parts = []
    for s in over:
        limit = f"{s.rate:g}/s" + ("" if s.documented else " assumed: none documented")
        what = f"{s.needed} listings" if s.by_listing else f"{s.needed} requests"
        parts.append(
            f"{s.vendor} needs {what} for {_count(s.domains)}, "
            f"{budget:.0%} of {limit} covers {s.capacity(interval)} in {interval:g} s"
        )
    return (
        f"interval {interval:g} s is too short for the budget: {'; '.join(parts)}; "
        f"the smallest interval that works is {smallest:g} s"
    )


def _count(n: int) -> str:
    return f"{n} domain" if n == 1 else f"{n} domains"


class Spacing:
    """At most ``share`` requests a second, spaced evenly (never a burst): each request waits
    until ``1 / share`` seconds after the one before."""

    def __init__(self, share: float, clock: Clock) -> None:
        self._gap = 1.0 / share
        self._clock = clock
        self._next = -math.inf

    async def take(self) -> None:
        now = self._clock.now()
        start = max(now, self._next)
        self._next = start + self._gap
        if start > now:
            await self._clock.sleep(start - now)


@dataclass(slots=True)
class Listing:
    """One listing of an account's domains at a vendor that reads by listing: being fetched,
    or fetched (by name), and when its request was sent."""

    fetch: asyncio.Task[dict[str, SendingDomain]]
    sent: float = math.inf
    """The watch clock's time its request was sent (after its turn in the budget's spacing)."""

    def fresh(self, now: float, window: float) -> bool:
        """Whether a check at ``now`` may use it: fetched well, and sent within ``window``."""
        done = self.fetch.done()
        if done and (self.fetch.cancelled() or self.fetch.exception() is not None):
            return False
        return not done or now - self.sent < window


@dataclass(slots=True)
class Outage:
    """A vendor (or DNS) that stopped answering: when it may be tried again."""

    retry_at: float
    backoff: float
    probing: bool = False


@dataclass(slots=True)
class Progress:
    """One interval's checks (a sweep over every domain), said once they have all ended: for
    a person tailing a watch that runs for hours, the sign that it is alive and working."""

    interval: int
    """Which interval: 1 for the first."""
    checked: int = 0
    """Checks that ended (a check cancelled at a stop is launched, never checked)."""
    answered: int = 0
    """Checks that got every answer (the others are unknown: nothing reported of them)."""
    events: int = 0
    next_in: float | None = None
    """Seconds until the next interval's first check (None: there is none, ``once``)."""

    @property
    def unknown(self) -> int:
        return self.checked - self.answered

    def describe(self) -> str:
        """``watch: interval 3: 200 checked (198 answered, 2 unknown), 1 event, next in 18s``."""
        events = "1 event" if self.events == 1 else f"{self.events} events"
        after = "" if self.next_in is None else f", next in {duration(self.next_in)}"
        return (
            f"watch: interval {self.interval}: {self.checked} checked ({self.answered} answered, "
            f"{self.unknown} unknown), {events}{after}"
        )

    def to_json(self) -> dict[str, int | float | None]:
        return {
            "interval": self.interval,
            "checked": self.checked,
            "answered": self.answered,
            "unknown": self.unknown,
            "events": self.events,
            "next_in": None if self.next_in is None else round(self.next_in, 3),
        }


def duration(seconds: float) -> str:
    """``59m58s``, ``1h``, ``18s``: whole seconds (rounded up: ``0s`` only when it is due)."""
    whole = max(0, math.ceil(seconds - 1e-9))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    parts.append(f"{secs}s" if secs or not (hours or minutes) else "")
    return "".join(parts)


@dataclass(slots=True)
class _Sweep:
    """An interval's progress while its checks run: how many are in flight, and when the
    next interval starts once every check of this one is launched."""

    progress: Progress
    flying: int = 0
    next_at: float | None = None
    launched: bool = False


@dataclass(slots=True)
class _Seen:
    """What one check found: (vendor, subject) -> state (unknown things left out), with the
    record checks behind each record state."""

    states: dict[tuple[str, str], str] = field(default_factory=dict)
    checks: dict[tuple[str, str], RecordCheck] = field(default_factory=dict)
    facts: tuple[Fact, ...] = ()
    complete: bool = True


def record_subject(record: DnsRecord) -> str:
    return f"record {record.type.value} {record.name}"


GOOD: Final = {STATUS: VERIFIED, COMPLIANCE: PASS}
"""The state of a thing never seen in drift (a record's is ``served``)."""


def good(subject: str) -> str:
    return GOOD.get(subject, SERVED)


def drift(check: RecordCheck) -> str | None:
    """``served``, ``missing`` (nothing of its type at the name, or NXDOMAIN), ``changed``
    (the name holds another value of its type: another SPF, another key), or None (unknown)."""
    if check.state == "unknown":
        return None
    if check.state == "served":
        return SERVED
    record = check.record
    spf = record.type is RecordType.TXT and is_spf(record.value)
    for answer in check.answers:
        if answer.definitive and answer.error is None:
            others = [v for v in answer.values if is_spf(v)] if spf else list(answer.values)
            if others and expected_value(record) not in answer.values:
                return "changed"
    return "missing"


def _answers(check: RecordCheck) -> tuple[ServerAnswer, ...]:
    shown = []
    for answer in check.answers:
        state = judge(check.record, [answer])
        shown.append(ServerAnswer(_server(answer.server), state, answer.values, answer.error))
    return tuple(shown)


def _server(server: Server) -> str:
    return f"{server[0]}:{server[1]}"


def _ref(record: DnsRecord) -> RecordRef:
    return RecordRef(record.name, record.type.value, expected_value(record))


@dataclass
class Watcher:
    """The reconciler over one engine (sans-IO where it can be: the time is ``clock``'s,
    every vendor read goes through the engine's clients, every DNS question through
    :mod:`._lookup`)."""

    engine: Engine
    interval: float
    clock: Clock
    budget: float = DEFAULT_BUDGET
    repair: bool = False
    on_event: Callable[[Event], None] | None = None
    observer: WatchObserver = field(default_factory=NullObserver)
    on_progress: Callable[[Progress], None] | None = None
    """Hears each interval's :class:`Progress` once its checks have all ended."""
    nameservers: Sequence[Server] | None = None
    concurrency: int = 16
    dns_timeout: float = TIMEOUT
    found: list[Target] = field(default_factory=list)
    seen: dict[tuple[str, str, str], str] = field(default_factory=dict)
    """(domain, vendor, subject) -> state, for what is not as it should be only."""
    outages: dict[str, Outage] = field(default_factory=dict)
    spacing: dict[str, Spacing] = field(default_factory=dict)
    failures: int = 0
    failing: dict[str, int] = field(default_factory=dict)
    """Consecutive checks a vendor (or DNS) failed, before it is declared unavailable."""
    _zone_servers: dict[str, list[Server] | str] = field(default_factory=dict)
    _listings: dict[Key, Listing] = field(default_factory=dict)
    """The last listing of each account at a vendor that reads by listing."""
    _repairing: asyncio.Lock = field(default_factory=asyncio.Lock)
    _sockets: Sockets | None = None
    """The UDP sockets the checks ask nameservers from while :meth:`run` runs (one per
    question in flight, kept from check to check), closed when it ends."""

    async def prepare(self) -> None:
        """Find the domains, refuse an interval the budget cannot meet, read what the journal
        says was last seen. Nothing is sent to a vendor here."""
        check_arguments(self.interval, self.budget)
        self.found = await self._journal(lambda: targets(self.engine))
        why = refusal(self.found, self.interval, self.budget)
        if why is not None:
            raise WatchError(why)
        self.spacing = {
            v: Spacing(s.share, self.clock) for v, s in shares(self.found, self.budget).items()
        }
        self.seen = await self._journal(self.engine.journal.watched)
        for (domain, vendor, subject), state in self.seen.items():
            if domain == ALL_DOMAINS and subject == OUTAGE and state == DOWN:
                self.outages[vendor] = Outage(self.clock.now(), BACKOFF_START)

    def shares(self) -> dict[str, Share]:
        """Each vendor's share of the budget, and what an interval needs of it."""
        return shares(self.found, self.budget)

    async def _journal(self, call: Callable[[], Any]) -> Any:
        if self.engine.journal.blocking:
            return await asyncio.to_thread(call)
        return call()

    # --- one domain ---------------------------------------------------------------------------
    def _may_try(self, what: str) -> bool:
        outage = self.outages.get(what)
        if outage is None:
            return True
        if outage.probing or self.clock.now() < outage.retry_at:
            return False
        outage.probing = True  # this check is the probe; the others wait for its answer
        return True

    def _failed(self, what: str, why: str, at: datetime, events: list[Event]) -> None:
        outage = self.outages.get(what)
        now = self.clock.now()
        if outage is None:
            failed = self.failing[what] = self.failing.get(what, 0) + 1
            if failed >= OUTAGE_AFTER:
                self.failing.pop(what, None)
                self.outages[what] = Outage(now + BACKOFF_START, BACKOFF_START)
                events.append(Event("check_unavailable", ALL_DOMAINS, what, at, detail=why))
            return
        outage.backoff = min(self.interval, outage.backoff * 2)
        outage.retry_at = now + outage.backoff
        outage.probing = False

    def _answered(self, what: str, at: datetime, events: list[Event]) -> None:
        self.failing.pop(what, None)
        if self.outages.pop(what, None) is not None:
            events.append(Event("check_available", ALL_DOMAINS, what, at))

    async def _servers(self, zone: str) -> list[Server] | str:
        known = self._zone_servers.get(zone)
        if known is None:
            try:
                known = await authoritative_servers(zone, self.nameservers)
            except Exception as error:  # a resolver's failure: the records are unknown
                known = f"cannot find the nameservers of {zone}: {error}"
            if not known:
                known = f"{zone} has no nameservers"
            self._zone_servers[zone] = known
        return known

    async def _read(self, target: Target, key: Key) -> SendingDomain | None:
        vendor, _ = key
        if DECLARATIONS[vendor].reads_one_by_listing:
            return (await self._listed(key)).get(target.name)
        provider = self.engine.provider(key)
        assert provider is not None
        await self.spacing[vendor].take()
        try:
            return await provider.get_sending_domain(target.name)
        except NotFoundError:
            return None

    async def _listed(self, key: Key) -> dict[str, SendingDomain]:
        """The account's domains by name: the listing of the last window, the one being fetched
        (every check that needs it waits for the one request), or a new one."""
        held = self._listings.get(key)
        if held is None or not held.fresh(self.clock.now(), window(self.interval)):
            held = self._listings[key] = Listing(asyncio.ensure_future(self._list(key)))
        # Shielded: a check cancelled at a stop does not cancel the others' listing.
        return await asyncio.shield(held.fetch)

    async def _list(self, key: Key) -> dict[str, SendingDomain]:
        provider = self.engine.provider(key)
        assert provider is not None
        await self.spacing[key[0]].take()
        self._listings[key].sent = self.clock.now()
        return {found.domain: found async for found in provider.list_sending_domains()}

    async def check(self, target: Target, progress: Progress | None = None) -> list[Event]:
        """Check one domain; its events (also heard by ``on_event`` and the observer), what
        changed saved in the journal first; counted in its interval's ``progress``."""
        now = self.clock.now()
        at = datetime.fromtimestamp(now, UTC)
        self.observer.check_attempted(now)
        seen = _Seen()
        events: list[Event] = []
        dns_answered = False
        dns_asked = False
        dns_allowed: bool | None = None
        keys: list[tuple[str, str]] = []
        reads: list[tuple[Key, SendingDomain | None]] = [(key, None) for key in target.vendors]
        if target.published is not None:
            reads.append(((target.published.vendor, ""), target.published))
        for key, found in reads:
            vendor = key[0]
            if found is None:  # a vendor to read (what maildns published needs no read)
                if not self._may_try(vendor):
                    seen.complete = False
                    continue
                try:
                    found = await self._read(target, key)
                except MailDnsError as error:
                    self._failed(vendor, str(error), at, events)
                    seen.complete = False
                    continue
                self._answered(vendor, at, events)
            if found is None:
                seen.states[vendor, STATUS] = "absent"
                continue
            if found.status is not DomainStatus.UNKNOWN:
                seen.states[vendor, STATUS] = found.status.value
            keys += [(vendor, r.name) for r in found.records if "._domainkey." in r.name]
            if not found.records:
                continue
            if dns_allowed is None:
                dns_allowed = self._may_try(DNS)  # once a check: it is the probe, or not
            if not dns_allowed:
                seen.complete = False
                continue
            servers = await self._servers(target.zone)
            if isinstance(servers, str):
                seen.complete = False
                continue
            dns_asked = True
            checked = await check_records(found, servers, self.dns_timeout, self._sockets)
            for record_check in checked:
                self.observer.dns_checked(record_check.state)
                state = drift(record_check)
                if any(a.definitive for a in record_check.answers):
                    dns_answered = True
                if state is None:
                    seen.complete = False
                    continue
                subject = record_subject(record_check.record)
                seen.states[vendor, subject] = state
                seen.checks[vendor, subject] = record_check
        if dns_asked:
            if dns_answered:
                self._answered(DNS, at, events)
            else:
                self._failed(DNS, f"no nameserver of {target.zone} answered", at, events)
        elif dns_allowed and DNS in self.outages:
            self.outages[DNS].probing = False  # this probe had nothing to ask: the next one
        # Receivers' verdict is about a domain's sending vendors: one maildns only published
        # records for, and no longer configures, has none to judge.
        if (dns_answered or not dns_asked) and seen.complete and target.vendors:
            declared = [(v, DECLARATIONS[v]) for v, _ in target.vendors if v in DECLARATIONS]
            seen.facts = await judge_receivers(target.name, declared, keys, self.engine.resolver)
            if any(f.result == "unknown" for f in seen.facts):
                seen.complete = False
            else:
                accepted = all(f.result in ("pass", "warn") for f in seen.facts)
                seen.states["", COMPLIANCE] = PASS if accepted else "fail"
        events += self._transitions(target, seen, at)
        moved = {key for key, state in seen.states.items() if state != self._was(target.name, *key)}
        changes = [
            (e.domain, e.vendor or "", OUTAGE, DOWN if e.kind == "check_unavailable" else None)
            for e in events
            if e.kind in ("check_unavailable", "check_available")
        ]
        changes += self._changes(target, seen)
        if changes:
            await self._journal(lambda: self.engine.journal.saw(changes))
        if self.repair and target.configured:
            events += await self._repair(target, seen, moved, at)
        if seen.complete:
            self.failures = 0
            self.observer.check_succeeded(now)
        else:
            self.failures += 1
        self.observer.soft_errors(self.failures)
        if progress is not None:
            progress.checked += 1
            progress.answered += seen.complete
            progress.events += len(events)
        for event in events:
            self.observer.event(event)
            if self.on_event is not None:
                self.on_event(event)
        return events

    def _was(self, domain: str, vendor: str, subject: str) -> str:
        return self.seen.get((domain, vendor, subject), good(subject))

    def _changes(self, target: Target, seen: _Seen) -> list[tuple[str, str, str, str | None]]:
        """What to save (and keep in memory): the states that moved; a thing back to good is
        forgotten."""
        changes: list[tuple[str, str, str, str | None]] = []
        for (vendor, subject), state in seen.states.items():
            key = (target.name, vendor, subject)
            if state == self._was(*key):
                continue
            if state == good(subject):
                self.seen.pop(key, None)
                changes.append((*key, None))
            else:
                self.seen[key] = state
                changes.append((*key, state))
        return changes

    def _transitions(self, target: Target, seen: _Seen, at: datetime) -> list[Event]:
        events: list[Event] = []
        explained = False
        for (vendor, subject), state in seen.states.items():
            was = self._was(target.name, vendor, subject)
            if state == was:
                continue
            if subject == STATUS:
                if VERIFIED in (state, was):
                    kind: EventKind = (
                        "vendor_verified" if state == VERIFIED else "vendor_unverified"
                    )
                    detail = f"{vendor} says {state}" + (
                        " (no sending domain there)" if state == "absent" else ""
                    )
                    events.append(Event(kind, target.name, vendor, at, detail=detail))
            elif subject.startswith("record "):
                check = seen.checks[vendor, subject]
                kind = "record_restored" if state == SERVED else f"record_{state}"  # type: ignore[assignment]
                explained = True
                events.append(
                    Event(
                        kind,
                        target.name,
                        vendor,
                        at,
                        record=_ref(check.record),
                        answers=_answers(check),
                        detail=_describe(kind, check),
                    )
                )
        compliance = seen.states.get(("", COMPLIANCE))
        if (
            compliance is not None
            and compliance != self._was(target.name, "", COMPLIANCE)
            and not explained
        ):
            failing = [f for f in seen.facts if f.result not in ("pass", "warn")]
            detail = "; ".join(
                f"{f.rule}{f' ({f.vendor})' if f.vendor else ''}: {f.detail}" for f in failing
            )
            kind = "compliance_restored" if compliance == PASS else "compliance_failed"
            events.append(Event(kind, target.name, None, at, detail=detail))
        return events

    # --- repair -------------------------------------------------------------------------------
    async def _repair(
        self, target: Target, seen: _Seen, moved: set[tuple[str, str]], at: datetime
    ) -> list[Event]:
        """Put back what maildns owns and lost. A refusal is said once, as the drift begins
        (``moved``: what changed state in this check); a lost record is tried again at every
        check until it is back."""
        drifted = {
            key: state
            for key, state in seen.states.items()
            if key[1].startswith("record ") and state != SERVED
        }
        if not drifted:
            return []
        config = self.engine.config
        owned = await self._journal(
            lambda: self.engine.journal.owned(config.dns_vendor, target.name)
        )
        owned_names = {(t, n) for t, n, _ in owned}
        events: list[Event] = []
        lost: list[RecordCheck] = []
        for key, state in drifted.items():
            check = seen.checks[key]
            record = check.record
            if state == "changed":
                why = f"{record.name} was edited outside maildns; left alone"
            elif (record.type, record.name) not in owned_names:
                why = f"maildns did not publish {record.name}: not its to repair"
            else:
                lost.append(check)
                continue
            if key in moved:  # a refusal is said once, as the drift begins
                events.append(
                    Event(
                        "repair_refused",
                        target.name,
                        key[0],
                        at,
                        record=_ref(record),
                        answers=_answers(check),
                        detail=why,
                    )
                )
        if lost:
            # One repair at a time: each is an apply, which a SQLite journal allows only one
            # of (and which would contend for the same claims on PostgreSQL anyway).
            async with self._repairing:
                done = await self._apply_repair(target, lost, at)
            # A repair that fails is said as the drift begins, then tried again quietly.
            first = any(key in moved for key in drifted)
            events += [e for e in done if e.kind == "repaired" or first]
        return events

    async def _apply_repair(
        self, target: Target, lost: Sequence[RecordCheck], at: datetime, *, again: bool = True
    ) -> list[Event]:
        from ._engine import Engine, PlanMovedError

        config = self.engine.config
        domain = next(d for d in config.domains if d.name == target.name)
        only = attrs.evolve(
            config,
            domains=(domain,),
            zones={domain.zone: config.zones[domain.zone]},
        )
        engine = Engine(
            only,
            dns=self.engine.dns,
            providers=self.engine.providers,
            journal=self.engine.journal,
            concurrency=1,
            resolver=self.engine.resolver,
            accounts=self.engine.accounts,
        )
        names = {(c.record.type, c.record.name) for c in lost}
        try:
            plan = await engine.plan()
            wanted = [
                c
                for c in plan.changes
                if c.kind == "record" and c.action == "create" and (c.type, c.name) in names
            ]
            others = [c for c in plan.changes if c not in wanted]
            if not (plan.has_problems or plan.errors or plan.changes):
                # Put back meanwhile (another watcher or an apply on the same journal): the
                # next check sees it served, which is the event.
                return []
            if plan.has_problems or plan.errors or others:
                why = "; ".join(
                    [
                        *(p for d in plan.domains for p in d.problems),
                        *(e for _, e in plan.errors),
                        *(f"it would also {c.action} {c.name or c.domain}" for c in others),
                    ]
                )
                return _not_repaired(target, at, why)
            applied = await engine.apply(plan)
        except PlanMovedError as error:
            if again:
                # The zone moved between this plan and its apply (another worker on the same
                # journal, or an apply): plan once more from what is there now.
                return await self._apply_repair(target, lost, at, again=False)
            return _not_repaired(target, at, error)
        except MailDnsError as error:
            return _not_repaired(target, at, error)
        if applied.failed or applied.unknown:
            first = applied.failed[0][1] if applied.failed else applied.unknown[0][1]
            return _not_repaired(target, at, first)
        if applied.skipped or not applied.done:
            # Left to another worker on the same journal, which held the zone or changed it
            # meanwhile: it repairs, and the next check sees the record served again.
            return []
        return [
            Event(
                "repaired",
                target.name,
                config.dns_vendor,
                at,
                record=_ref(c.record),
                detail=f"put back {c.record.type.value} {c.record.name}",
            )
            for c in lost
        ]

    # --- the schedule -------------------------------------------------------------------------
    def counts(self) -> dict[tuple[str, str], int]:
        """(vendor, status) -> domains, from what was last seen."""
        counted: dict[tuple[str, str], int] = {}
        for target in self.found:
            for vendor, _ in target.vendors:
                state = self._was(target.name, vendor, STATUS)
                counted[vendor, state] = counted.get((vendor, state), 0) + 1
        return counted

    async def run(self, stop: asyncio.Event, *, once: bool = False) -> None:
        """Check every domain once per interval until ``stop`` is set (or, ``once``, after one
        interval's checks have all ended); the checks in flight at a stop end first (within
        :data:`DRAIN_SECONDS`)."""
        count = len(self.found)
        if count == 0:
            return
        step = self.interval / count
        start = self.clock.now()
        slots = asyncio.Semaphore(self.concurrency)
        flying: set[asyncio.Task[list[Event]]] = set()
        stopping = asyncio.ensure_future(stop.wait())
        sockets = self._sockets = Sockets()
        sweep = 0
        failure: list[BaseException] = []

        def crashed(task: asyncio.Task[list[Event]]) -> None:
            # A check that raised (a bug: what a vendor or DNS does is an answer, never an
            # exception here) stops the watch at once rather than failing unheard.
            if not task.cancelled() and task.exception() is not None:
                failure.append(task.exception())  # type: ignore[arg-type]
                stop.set()

        try:
            while not stop.is_set():
                forget = getattr(self.engine.resolver, "forget", None)
                if forget is not None:
                    forget()  # a sweep sees DNS as it is now
                self._zone_servers.clear()
                current = _Sweep(Progress(sweep + 1))
                for i, target in enumerate(self.found):
                    if not await self._until(slots.acquire(), stopping):
                        break
                    if stop.is_set():
                        slots.release()
                        break
                    delay = start + sweep * self.interval + i * step - self.clock.now()
                    if delay > 0:
                        await self._until(self.clock.sleep(delay), stopping)
                        if stop.is_set():
                            slots.release()
                            break
                    task = asyncio.ensure_future(self.check(target, current.progress))
                    current.flying += 1
                    flying.add(task)
                    task.add_done_callback(flying.discard)
                    task.add_done_callback(lambda _: slots.release())
                    task.add_done_callback(crashed)
                    task.add_done_callback(functools.partial(self._ended, current))
                else:
                    sweep += 1
                    current.launched = True
                    current.next_at = None if once else start + sweep * self.interval
                    self._ended(current)
                    if once:
                        if flying:
                            await asyncio.wait(set(flying))
                        self.observer.domains(self.counts())
                        break
                    self.observer.domains(self.counts())
                    continue
                break
        finally:
            stopping.cancel()
            if flying:
                _, late = await asyncio.wait(set(flying), timeout=DRAIN_SECONDS)
                for task in late:
                    task.cancel()
                if late:
                    await asyncio.wait(late)
            for listing in self._listings.values():
                listing.fetch.cancel()  # no check is left to wait for it
            self._sockets = None
            await sockets.close()
        if failure:
            raise failure[0]

    def _ended(self, sweep: _Sweep, task: asyncio.Task[list[Event]] | None = None) -> None:
        """A check of ``sweep`` ended (``task``; None: its last one was launched): its
        progress is said once every check of it is launched and ended (a stop mid-interval
        says nothing of it)."""
        if task is not None:
            sweep.flying -= 1
        if not (sweep.launched and sweep.flying == 0) or self.on_progress is None:
            return
        if sweep.next_at is not None:
            sweep.progress.next_in = max(0.0, sweep.next_at - self.clock.now())
        self.on_progress(sweep.progress)

    @staticmethod
    async def _until(waiting: Any, stopping: asyncio.Future[Any]) -> bool:
        """``waiting``, unless a stop comes first: whether it completed."""
        task = asyncio.ensure_future(waiting)
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        return task.done() and not task.cancelled()


def _not_repaired(target: Target, at: datetime, why: object) -> list[Event]:
    return [Event("repair_refused", target.name, None, at, detail=f"not repaired: {why}")]


def _describe(kind: str, check: RecordCheck) -> str:
    record = check.record
    if kind == "record_restored":
        return f"{record.type.value} {record.name} is served again by every nameserver"
    said = "; ".join(a.describe() for a in check.answers if a.definitive)
    if kind == "record_changed":
        return f"{record.type.value} {record.name} holds another value: {said}"
    return f"{record.type.value} {record.name} is not served: {said}"
