"""Verify and status: each domain's records as its authoritative servers serve them, and each
vendor's word on it.

A record is ``served`` when every server asked serves it, ``missing`` when a server says
definitively that it does not (an answer without it, or NXDOMAIN), and ``unknown`` when no
server says it is missing but one gave no answer (a time-out, SERVFAIL, REFUSED, a network
error): maildns never calls a record missing that it could not see. A vendor that could not be
asked is ``unknown`` too, with the reason.

With a deadline, no domain is started after it and the round still in flight is cut half a
query timeout later: what was not checked by then is reported ``unknown`` ("not checked before
the deadline"), or as the previous round found it.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Final, Literal

import attrs
import dns.exception

from .._dns.records import expected_value
from ..errors import MailDnsError
from ..models import DnsRecord, DomainStatus, RecordType, SendingDomain
from ..vendors import DECLARATIONS
from ._accounts import account_of
from ._lookup import TIMEOUT, Answer, Server, Sockets, ask_all, authoritative_servers
from ._receivers import Fact, passing
from ._receivers import judge as judge_receivers
from ._spf import Spf, SpfError, is_spf

if TYPE_CHECKING:
    from ._config import Domain
    from ._engine import Engine

RecordState = Literal["served", "missing", "unknown"]

NOT_CHECKED: Final = "not checked before the deadline"


@attrs.frozen
class RecordCheck:
    """One record a vendor asks for, and what each authoritative server answered for it."""

    record: DnsRecord
    answers: tuple[Answer, ...]
    state: RecordState
    """``served`` by every server; ``missing`` at one that answered without it; ``unknown``
    where a server gave no answer and none said it is missing (or none could be asked)."""

    @property
    def found(self) -> bool:
        """Served by every server (an SPF wish: its mechanisms are in the name's SPF record)."""
        return self.state == "served"

    def unanswered(self) -> list[str]:
        """The servers that gave no answer, with why (``127.0.0.1:53 timeout``)."""
        return [a.describe() for a in self.answers if not a.definitive]


@attrs.frozen
class VendorReport:
    vendor: str
    status: str
    """``absent``, ``pending``, ``verified``, ``failed`` or ``unknown``."""
    records: tuple[RecordCheck, ...] = ()
    error: str | None = None
    """Why something is unknown: the vendor could not be listed or asked (the status is then
    ``unknown``), the domain was not checked before the deadline, or no nameserver of its zone
    could be found (its records are then ``unknown``)."""


@attrs.frozen
class DomainReport:
    domain: str
    vendors: dict[str, VendorReport]
    facts: tuple[Fact, ...] = ()
    """What receivers would conclude (:mod:`._receivers`): SPF, each vendor's sending
    addresses, DKIM keys, DMARC, alignment, MX."""

    @property
    def verified(self) -> bool:
        """Every vendor says verified, every server serves every record (a record removed
        since the vendor verified would soon undo it), and receivers would accept the mail:
        every fact passes (a warning, such as a 1024-bit key, is accepted)."""
        return all(
            v.status == "verified" and all(c.found for c in v.records)
            for v in self.vendors.values()
        ) and passing(self.facts)


def _served(record: DnsRecord, answer: Answer) -> bool:
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


def judge(record: DnsRecord, answers: Sequence[Answer]) -> RecordState:
    """What ``answers`` say of ``record``: missing wherever a server says so, else unknown
    wherever one did not answer, else served."""
    if not answers:
        return "unknown"
    states = [
        ("served" if _served(record, a) else "missing") if a.definitive else "unknown"
        for a in answers
    ]
    if "missing" in states:
        return "missing"
    return "unknown" if "unknown" in states else "served"


async def check_records(
    domain: SendingDomain,
    servers: Sequence[Server],
    seconds: float = TIMEOUT,
    sockets: Sockets | None = None,
) -> tuple[RecordCheck, ...]:
    """Every record of ``domain`` asked of every server, all at once: each name and type once
    (a vendor's two MX records share one question), its answers judged for each record;
    from the UDP sockets of ``sockets`` when given."""
    questions = list(dict.fromkeys((r.name, r.type) for r in domain.records))
    answered = await asyncio.gather(
        *(ask_all(servers, name, rtype, seconds, sockets) for name, rtype in questions)
    )
    answers = dict(zip(questions, answered, strict=True))
    return tuple(
        RecordCheck(record, tuple(found), judge(record, found))
        for record in domain.records
        for found in (answers[record.name, record.type],)
    )


def _unchecked(domain: Domain, why: str) -> DomainReport:
    return DomainReport(
        domain.name, {v: VendorReport(v, "unknown", error=why) for v in domain.vendors}
    )


async def report(
    engine: Engine,
    *,
    verify: bool,
    servers: Sequence[Server] | None = None,
    only: Collection[str] | None = None,
    deadline: float | None = None,
    on_checked: Callable[[DomainReport], None] | None = None,
) -> list[DomainReport]:
    """Each domain at each vendor, its records as the authoritative servers serve them; with
    ``verify``, the vendor is asked to verify a domain once every server serves its records.
    ``only`` limits the report to those domain names. With ``deadline`` (the loop's clock), no
    domain is started after it: those are reported unknown, "not checked before the deadline".
    ``on_checked`` hears of each domain as it is done."""
    loop = asyncio.get_running_loop()
    forget = getattr(engine.resolver, "forget", None)
    if forget is not None:
        forget()  # a round sees DNS as it is now, not as the last round found it
    world = await engine.read(zones=False)
    lookups: dict[str, asyncio.Future[list[Server]]] = {}  # one lookup per zone, not per domain

    def zone_servers(zone: str) -> asyncio.Future[list[Server]]:
        if zone not in lookups:
            lookups[zone] = asyncio.ensure_future(authoritative_servers(zone, servers))
        return lookups[zone]

    def seconds_left() -> float:
        if deadline is None:
            return TIMEOUT
        # A query in flight at the deadline ends well before the round is cut (half a query
        # timeout after it), so that its domain is reported with what the servers said.
        return max(0.1, min(TIMEOUT, deadline - loop.time() + TIMEOUT / 4))

    async def one(domain: Domain) -> DomainReport:
        if deadline is not None and loop.time() >= deadline:
            result = _unchecked(domain, NOT_CHECKED)
            if on_checked is not None:
                on_checked(result)
            return result
        try:
            zone_servers_found: list[Server] = await zone_servers(domain.zone)
            no_servers = "" if zone_servers_found else f"{domain.zone} has no nameservers"
        except (dns.exception.DNSException, OSError, MailDnsError) as error:
            zone_servers_found = []
            no_servers = f"cannot find the nameservers of {domain.zone}: {error}"
        vendors: dict[str, VendorReport] = {}
        for vendor in domain.vendors:
            account = account_of(domain, vendor)
            key = (vendor, account)
            if key in world.vendor_errors:
                why = str(world.vendor_errors[key])
                vendors[vendor] = VendorReport(vendor, "unknown", error=why)
                continue
            found = world.domains.get(key, {}).get(domain.name)
            if found is None:
                vendors[vendor] = VendorReport(vendor, "absent")
                continue
            if zone_servers_found:
                checks = await check_records(found, zone_servers_found, seconds_left())
            else:
                checks = tuple(RecordCheck(r, (), "unknown") for r in found.records)
            unasked = no_servers or None
            if (
                verify
                and found.status is not DomainStatus.VERIFIED
                and all(c.found for c in checks)
            ):
                # The status is what counts here: no listing per domain to re-read records.
                try:
                    found = await engine.verify_sending_domain(vendor, domain.name, account)
                except MailDnsError as failure:
                    unasked = str(failure)
            if unasked is not None and not no_servers:
                vendors[vendor] = VendorReport(vendor, "unknown", checks, unasked)
            else:
                vendors[vendor] = VendorReport(vendor, found.status.value, checks, unasked)
        keys = [
            (vendor, r.name)
            for vendor in domain.vendors
            for r in getattr(
                world.domains.get((vendor, account_of(domain, vendor)), {}).get(domain.name),
                "records",
                (),
            )
            if "._domainkey." in r.name
        ]
        declared = [(v, DECLARATIONS[v]) for v in domain.vendors if v in DECLARATIONS]
        facts = await judge_receivers(domain.name, declared, keys, engine.resolver)
        result = DomainReport(domain.name, vendors, facts)
        if on_checked is not None:
            on_checked(result)
        return result

    from ._engine import pool

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
    on_checked: Callable[[DomainReport], None] | None = None,
    started: float | None = None,
) -> list[DomainReport]:
    """Verify, then again on ``ladder`` until every domain is verified or ``seconds`` pass.

    Each round looks only at the domains not verified yet, so it resumes where the last one
    left off; ``on_wait(pending domains, pause)`` hears of every pause, ``on_checked`` of each
    domain checked. With ``seconds`` > 0 this returns within ``seconds`` and half a query
    timeout of ``started`` (the loop's clock; now by default), however many domains there
    are: what could not be checked in time is unknown. Without, one whole round.
    """
    loop = asyncio.get_running_loop()
    deadline = (loop.time() if started is None else started) + seconds
    bounded = seconds > 0
    latest: dict[str, DomainReport] = {}
    pending: set[str] | None = None

    def heard(result: DomainReport) -> None:
        if result.domain in latest and _not_checked(result):
            return  # what the last round found is truer than "not checked"
        latest[result.domain] = result
        if on_checked is not None:
            on_checked(result)

    for round_ in itertools.count():
        check = report(
            engine,
            verify=True,
            servers=servers,
            only=pending,
            deadline=deadline if bounded else None,
            on_checked=heard,
        )
        if bounded:
            try:
                async with asyncio.timeout_at(deadline + TIMEOUT / 2):
                    await check
            except TimeoutError:
                break  # cut at the deadline: what was not heard of is unknown below
        else:
            await check
        pending = {name for name, r in latest.items() if not r.verified}
        left = deadline - loop.time()
        if not pending or left <= 0:
            break
        pause = min(ladder[min(round_, len(ladder) - 1)], left)
        if on_wait is not None:
            on_wait(sorted(pending), pause)
        await asyncio.sleep(pause)
    return [latest.get(d.name) or _unchecked(d, NOT_CHECKED) for d in engine.config.domains]


def _not_checked(result: DomainReport) -> bool:
    return all(v.error == NOT_CHECKED for v in result.vendors.values())
