"""Onboard sending domains end to end: plan, apply, verify.

::

    from maildns import onboarding

    plan = onboarding.plan("onboard.yaml")          # read-only: what apply would change
    print(plan.to_json()["summary"])
    onboarding.apply("onboard.yaml")                # idempotent, journaled, resumable
    for domain in onboarding.verify("onboard.yaml"):
        print(domain.domain, {v: r.status for v, r in domain.vendors.items()})

The configuration is YAML (its keys: the onboarding reference of the docs); credentials and
base URLs come from the environment variables the clients read (``TESOURO_CLIENT_ID``, ...),
or, for a domain that names an account (``account: CIIRUS_EU``), from the same variables under
that prefix (:mod:`._accounts`). The journal is ``.maildns/state.sqlite3`` beside the
configuration, ``MAILDNS_STATE``, or ``state=``.

A journal keeps each configuration's state apart, under its identity (``name:``, else the
file's name without its extension: :attr:`Config.identity`), so that the configurations of one
folder, which share its journal, never plan or prune each other's domains. What maildns wrote
before the journal kept configurations apart (schema 4) is no configuration's until one
applies with those domains listed: an apply takes over the rows of the domains it names
(:meth:`Journal.adopt`), and a prune leaves the others alone. A plan's
:attr:`Plan.notes` say so, and say when a configuration with no state of its own finds its
domains' state under another identity (renamed or moved without ``name:``).
Verify asks the zone's authoritative nameservers directly (``MAILDNS_NAMESERVERS`` or
``nameservers=`` replace them) before it asks a vendor to verify.

Everything here runs the asyncio engine (:class:`Engine`); the ``a``-prefixed functions are
its coroutines, for callers that already have an event loop.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, Final, TypeVar

import attrs

import maildns

from .._core import pace
from ..errors import InvalidInputError, Problem
from ..vendors import DECLARATIONS, DNS_HOSTS
from ._accounts import bad_base_url, client_arguments, missing
from ._applied import Applied
from ._config import Config, ConfigError, ConfigProblem, load, loads
from ._engine import DEFAULT_CONCURRENCY, Engine, OnDomain, PlanMovedError, pool
from ._journal import Journal, JournalError, SqliteJournal, is_postgres, open_journal
from ._lookup import Server, parse_servers
from ._metrics import MetricsServer, WatchMetrics, serve_metrics
from ._plan import Change, DomainPlan, Plan
from ._receivers import Fact, passing
from ._receivers import judge as judge_receivers
from ._resolve import open_resolver
from ._verify import LADDER, DomainReport, RecordCheck, VendorReport, report, verify_until
from ._watch import (
    DEFAULT_BUDGET,
    DEFAULT_INTERVAL,
    Clock,
    NullObserver,
    Progress,
    SystemClock,
    Watcher,
    WatchError,
    WatchObserver,
    check_arguments,
)
from ._webhook import WebhookSender, WebhookSignatureError, verify_signature, webhook_signature

__all__ = [
    "DEFAULT_CONCURRENCY",
    "LADDER",
    "MAX_CONCURRENCY",
    "Applied",
    "Change",
    "Clock",
    "Compliance",
    "Config",
    "ConfigError",
    "ConfigProblem",
    "DomainPlan",
    "DomainReport",
    "Engine",
    "Journal",
    "JournalError",
    "MetricsServer",
    "Plan",
    "PlanMovedError",
    "Progress",
    "RecordCheck",
    "SqliteJournal",
    "VendorReport",
    "WatchError",
    "WatchMetrics",
    "WatchObserver",
    "WebhookSender",
    "WebhookSignatureError",
    "aapply",
    "acheck",
    "aplan",
    "apply",
    "astatus",
    "averify",
    "awatch",
    "check",
    "load",
    "loads",
    "notes",
    "open_engine",
    "open_journal",
    "plan",
    "serve_metrics",
    "state_path",
    "status",
    "verify",
    "verify_signature",
    "watch",
    "webhook_signature",
]

T = TypeVar("T")

STATE_ENV: Final = "MAILDNS_STATE"
MAX_CONCURRENCY: Final = 256


def state_path(config: Config, state: str | os.PathLike[str] | None = None) -> str | Path:
    """Where the journal is: ``state``, else ``MAILDNS_STATE``, else beside the configuration.

    A ``postgresql://`` connection string is returned as it is; anything else is a path.
    """
    if state is None:
        state = os.environ.get(STATE_ENV, "").strip() or None
    if state is None:
        base = config.path.parent if config.path is not None else Path.cwd()
        return base / ".maildns" / "state.sqlite3"
    text = os.fspath(state)
    return text if is_postgres(text) else Path(text)


def _config(config: Config | str | os.PathLike[str]) -> Config:
    return config if isinstance(config, Config) else load(config)


@asynccontextmanager
async def open_engine(
    config: Config | str | os.PathLike[str],
    *,
    state: str | os.PathLike[str] | None = None,
    clients: Mapping[str | tuple[str, str], Any] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    resolver: str | Sequence[Server] | None = None,
) -> AsyncIterator[Engine]:
    """An engine for ``config`` with its vendors' async clients and its journal, closed after.

    A client is made per (vendor, account): a domain's ``account:`` (an environment-variable
    prefix, :mod:`._accounts`) is read from its variables, checked before anything is opened
    (:class:`ConfigError` naming each account whose variables are missing).
    ``clients`` (vendor name, or (vendor, account), -> async client) replaces the clients built
    from the environment;
    ``concurrency`` is how many domains (zones) it works on at once; ``resolver``
    (``"host:port,..."`` or pairs) is where names outside the zones are looked up (SPF
    includes, DMARC at the organisational domain), else ``MAILDNS_RESOLVER``, else the
    system's resolver. On a PostgreSQL journal,
    the clients built here take their rate permits from buckets in that database, so that every
    worker sharing the journal shares one budget per vendor credential.
    """
    if (
        isinstance(concurrency, bool)
        or not isinstance(concurrency, int)
        or not 1 <= concurrency <= MAX_CONCURRENCY
    ):
        problem = f"must be a whole number from 1 to {MAX_CONCURRENCY}, got {concurrency!r:.40}"
        raise InvalidInputError([Problem("concurrency", problem)])
    looking_up = open_resolver(resolver)  # checked before anything is opened
    loaded = _config(config)
    given = dict(clients or {})
    _check_accounts(loaded, given)
    configured = [v for d in loaded.domains for v in d.vendors]
    named = [(v, a) for d in loaded.domains for v, a in d.accounts.items()]
    async with AsyncExitStack() as stack:
        journal = stack.enter_context(open_journal(state_path(loaded, state), loaded.identity))
        shared = journal.permits()
        if shared is not None:
            pace.use_store(shared)
            stack.callback(pace.use_store, None)
        # The vendors of domains maildns created and the configuration dropped, for --prune:
        # clients are lazy, so one never used costs nothing.
        _, created = journal.prunable(loaded.dns_vendor, {d.name for d in loaded.domains})
        dropped = [c.vendor for c in created if c.vendor in DECLARATIONS and c.account is None]
        vendors = [loaded.dns_vendor, *dict.fromkeys([*configured, *dropped])]
        made: dict[str, Any] = {}
        for name in vendors:
            client = given.get(name)
            if client is None:
                client = _async_client(name)()
                await stack.enter_async_context(client)
            made[name] = client
        providers = {name: made[name] for name in vendors[1:]}
        # A dropped domain's account whose variables are gone has no client: its prune says so.
        dropped_accounts = [
            (c.vendor, c.account)
            for c in created
            if c.account is not None
            and c.vendor in DECLARATIONS
            and (
                (c.vendor, c.account) in given or missing(DECLARATIONS[c.vendor], c.account) is None
            )
        ]
        accounts: dict[tuple[str, str], Any] = {}
        for vendor, account in dict.fromkeys([*named, *dropped_accounts]):
            client = given.get((vendor, account))
            if client is None:
                declaration = DECLARATIONS[vendor]
                arguments = client_arguments(declaration, account)
                client = getattr(maildns, declaration.clients[1])(**arguments)
                await stack.enter_async_context(client)
            accounts[vendor, account] = client
        yield Engine(
            loaded,
            dns=made[loaded.dns_vendor],
            providers=providers,
            journal=journal,
            concurrency=concurrency,
            resolver=looking_up,
            accounts=accounts,
        )


def _async_client(vendor: str) -> Any:
    """The async client class of ``vendor``: a vendor's from :mod:`maildns`, a DNS host without
    an HTTP API (not in DECLARATIONS) from its package."""
    if vendor in DECLARATIONS:
        return getattr(maildns, DECLARATIONS[vendor].clients[1])
    declaration = DNS_HOSTS[vendor]
    name = declaration.clients[1]
    return getattr(importlib.import_module(declaration.public_names[name]), name)


def _check_accounts(config: Config, given: Mapping[str | tuple[str, str], Any]) -> None:
    """Every account the configuration names has its variables set (or a client given):
    else a ConfigError, one line per account, at its first use. Names only, never values."""
    problems = []
    for (vendor, account), (line, path) in config.account_uses.items():
        if (vendor, account) in given:
            continue
        declaration = DECLARATIONS[vendor]
        lacking = missing(declaration, account)
        wrong = None if lacking is not None else bad_base_url(declaration, account)
        if lacking is not None or wrong is not None:
            why = f"account {account} {lacking}" if wrong is None else f"account {account}: {wrong}"
            source = "<config>" if config.path is None else str(config.path)
            problems.append(ConfigProblem(source, line, path, why))
    if problems:
        raise ConfigError(tuple(problems))


async def _journal(engine: Engine, call: Callable[..., T], *args: Any) -> T:
    """A journal call: in a thread when it waits on a server."""
    if engine.journal.blocking:
        return await asyncio.to_thread(call, *args)
    return call(*args)


SHOWN_DOMAINS: Final = 3
"""Domains a note names before it counts the rest."""


def _domains(count: int) -> str:
    return f"{count} domain" if count == 1 else f"{count} domains"


async def notes(engine: Engine, *, prune: bool) -> tuple[str, ...]:
    """Lines for people about the engine's journal and its configuration: which other
    configuration holds the state of its domains when it has none of its own (renamed or moved
    without ``name:``), and, for a prune, what it leaves alone because no configuration has
    claimed it yet."""
    config, journal = engine.config, engine.journal
    names = [d.name for d in config.domains]
    found: list[str] = []
    others = await _journal(engine, journal.elsewhere, names)
    if others:
        (first, count), *rest = others.items()
        also = "".join(f"; {n} under {other!r}" for other, n in rest)
        found.append(
            f"the journal holds state for {count} of these domains under configuration "
            f"{first!r}{also}, none under this one ({journal.identity!r}); "
            f"set `name: {first}` in the configuration to keep it"
        )
    if prune:
        left = await _journal(engine, journal.unclaimed, names)
        if left:
            shown = ", ".join(left[:SHOWN_DOMAINS])
            if len(left) > SHOWN_DOMAINS:
                shown += f" and {len(left) - SHOWN_DOMAINS} more"
            found.append(
                f"--prune leaves alone what maildns made for {_domains(len(left))} before its "
                f"journal kept configurations apart ({shown}): a configuration takes a "
                "domain's over by applying with it listed"
            )
    return tuple(found)


async def aplan(
    config: Config | str | os.PathLike[str],
    *,
    force: bool = False,
    prune: bool = False,
    state: str | os.PathLike[str] | None = None,
    clients: Mapping[str | tuple[str, str], Any] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    resolver: str | Sequence[Server] | None = None,
) -> Plan:
    """What apply would change; ``prune`` adds the undoing of what maildns made for domains
    dropped from the configuration (its records and sending domains, nothing else); ``force``
    plans the changes refused as unsafe. The plan's ``notes`` say what people should know
    about the journal (see :func:`notes`). ``state``, ``clients``, ``concurrency`` and
    ``resolver`` are :func:`open_engine`'s."""
    async with open_engine(
        config, state=state, clients=clients, concurrency=concurrency, resolver=resolver
    ) as engine:
        said = await notes(engine, prune=prune)
        plan = await engine.plan(force=force, prune=prune)
        return attrs.evolve(plan, notes=said)


async def aapply(
    config: Config | str | os.PathLike[str],
    saved: Plan | None = None,
    *,
    force: bool = False,
    prune: bool = False,
    on_domain: OnDomain | None = None,
    on_plan: Callable[[Plan], None] | None = None,
    state: str | os.PathLike[str] | None = None,
    clients: Mapping[str | tuple[str, str], Any] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    resolver: str | Sequence[Server] | None = None,
) -> Applied:
    """Make the changes; ``on_plan(plan)`` hears of the whole plan once it is known (before
    the first change for a saved plan or ``prune``; a streamed apply knows it only once every
    zone is read),
    ``on_domain(domain, error)`` of each domain as it finishes (``error`` None when none of
    its steps failed). The plan in the answer carries ``notes``, as :func:`aplan`'s.

    Apply takes over the rows the journal holds from before it kept configurations apart for
    the domains the configuration names (:meth:`Journal.adopt`). ``force`` and ``prune`` are
    :func:`aplan`'s; ``state``, ``clients``, ``concurrency`` and ``resolver`` are
    :func:`open_engine`'s."""
    async with open_engine(
        config, state=state, clients=clients, concurrency=concurrency, resolver=resolver
    ) as engine:
        pruning = prune or (saved is not None and any(c.prune for c in saved.changes))
        said = await notes(engine, prune=pruning)
        await _journal(engine, engine.journal.adopt, [d.name for d in engine.config.domains])
        applied = await engine.apply(
            saved, force=force, prune=prune, on_domain=on_domain, on_plan=on_plan
        )
        return attrs.evolve(applied, plan=attrs.evolve(applied.plan, notes=said))


def _servers(nameservers: Sequence[Server] | str | None) -> Sequence[Server] | None:
    if isinstance(nameservers, str):
        return parse_servers(nameservers, "nameservers")
    return nameservers


async def averify(
    config: Config | str | os.PathLike[str],
    *,
    wait: float = 0.0,
    nameservers: Sequence[Server] | str | None = None,
    on_wait: Callable[[list[str], float], None] | None = None,
    on_checked: Callable[[DomainReport], None] | None = None,
    state: str | os.PathLike[str] | None = None,
    clients: Mapping[str | tuple[str, str], Any] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    resolver: str | Sequence[Server] | None = None,
) -> list[DomainReport]:
    """Verify; with ``wait`` (seconds), again on the :data:`LADDER` until all are verified or
    the time is up, each round only for the domains not verified yet, returning within
    ``wait`` and half a DNS query timeout (what could not be checked in time is unknown).
    ``on_wait(pending, pause)`` hears of each pause between rounds, ``on_checked`` of each
    domain as it is checked. ``nameservers`` (``"host:port,..."`` or pairs) are asked instead
    of the zones' own (else ``MAILDNS_NAMESERVERS``). ``state``, ``clients``, ``concurrency``
    and ``resolver`` are :func:`open_engine`'s."""
    started = asyncio.get_running_loop().time()  # the deadline counts opening the engine
    servers = _servers(nameservers)
    async with open_engine(
        config, state=state, clients=clients, concurrency=concurrency, resolver=resolver
    ) as engine:
        return await verify_until(
            engine, wait, servers=servers, on_wait=on_wait, on_checked=on_checked, started=started
        )


async def astatus(
    config: Config | str | os.PathLike[str],
    *,
    nameservers: Sequence[Server] | str | None = None,
    on_checked: Callable[[DomainReport], None] | None = None,
    state: str | os.PathLike[str] | None = None,
    clients: Mapping[str | tuple[str, str], Any] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    resolver: str | Sequence[Server] | None = None,
) -> list[DomainReport]:
    """Each domain at each vendor, its records served, missing or unknown (asks no vendor to
    verify); ``on_checked`` hears of each domain as it is checked. ``nameservers`` are
    :func:`averify`'s; ``state``, ``clients``, ``concurrency`` and ``resolver`` are
    :func:`open_engine`'s."""
    servers = _servers(nameservers)
    async with open_engine(
        config, state=state, clients=clients, concurrency=concurrency, resolver=resolver
    ) as engine:
        return await report(engine, verify=False, servers=servers, on_checked=on_checked)


async def awatch(
    config: Config | str | os.PathLike[str],
    *,
    interval: float = DEFAULT_INTERVAL,
    budget: float = DEFAULT_BUDGET,
    repair: bool = False,
    on_event: Callable[[Any], None] | None = None,
    observer: WatchObserver | None = None,
    clock: Clock | None = None,
    stop: asyncio.Event | None = None,
    once: bool = False,
    on_ready: Callable[[Watcher], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    nameservers: Sequence[Server] | str | None = None,
    dns_timeout: float | None = None,
    state: str | os.PathLike[str] | None = None,
    clients: Mapping[str | tuple[str, str], Any] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    resolver: str | Sequence[Server] | None = None,
) -> None:
    """Watch every domain the configuration names and the journal says maildns onboarded,
    each checked once per ``interval`` seconds, spread evenly, at most ``budget`` of each
    vendor's rate limit (see :mod:`._watch`); each change of state is an :class:`Event` for
    ``on_event`` and ``observer``. Runs until ``stop`` is set (the checks in flight end
    first), or with ``once`` for one interval. ``repair`` puts back what maildns owns and
    lost; without it nothing is written. An interval the budget cannot meet is a
    :class:`WatchError` before anything is sent. ``on_ready(watcher)`` hears when the domains
    are known and the budget holds; ``on_progress`` hears each interval's :class:`Progress`
    once its checks have ended. ``clock`` (``now()`` and ``sleep()``): the wall clock by
    default. ``nameservers`` are :func:`averify`'s; ``dns_timeout`` bounds each DNS question
    (seconds); ``state``, ``clients``, ``concurrency`` (checks in flight at once) and
    ``resolver`` are :func:`open_engine`'s."""
    check_arguments(interval, budget)
    servers = _servers(nameservers)
    async with open_engine(
        config, state=state, clients=clients, concurrency=concurrency, resolver=resolver
    ) as engine:
        watcher = Watcher(
            engine,
            interval,
            clock or SystemClock(),
            budget=budget,
            repair=repair,
            on_event=on_event,
            observer=observer or NullObserver(),
            on_progress=on_progress,
            nameservers=servers,
            concurrency=concurrency,
        )
        if dns_timeout is not None:
            watcher.dns_timeout = dns_timeout
        await watcher.prepare()
        if on_ready is not None:
            on_ready(watcher)
        await watcher.run(stop or asyncio.Event(), once=once)


def watch(
    config: Config | str | os.PathLike[str],
    *,
    interval: float = DEFAULT_INTERVAL,
    budget: float = DEFAULT_BUDGET,
    repair: bool = False,
    on_event: Callable[[Any], None] | None = None,
    observer: WatchObserver | None = None,
    once: bool = False,
    nameservers: Sequence[Server] | str | None = None,
    state: str | os.PathLike[str] | None = None,
    clients: Mapping[str | tuple[str, str], Any] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    resolver: str | Sequence[Server] | None = None,
) -> None:
    """Watch on the wall clock until interrupted (or ``once``); see :func:`awatch`."""
    asyncio.run(
        awatch(
            config,
            interval=interval,
            budget=budget,
            repair=repair,
            on_event=on_event,
            observer=observer,
            once=once,
            nameservers=nameservers,
            state=state,
            clients=clients,
            concurrency=concurrency,
            resolver=resolver,
        )
    )


@attrs.frozen
class Compliance:
    """What receivers would conclude of one domain's mail (:mod:`._receivers`)."""

    domain: str
    facts: tuple[Fact, ...]

    @property
    def compliant(self) -> bool:
        """Every fact passes (a warning is accepted)."""
        return passing(self.facts)


async def acheck(
    config: Config | str | os.PathLike[str],
    *,
    resolver: str | Sequence[Server] | None = None,
    selectors: Sequence[str] = (),
    state: str | os.PathLike[str] | None = None,
) -> list[Compliance]:
    """Each configured domain judged by the rules Gmail, Yahoo and Outlook enforce for bulk
    senders, from DNS alone (no vendor is asked, nothing is written): so it judges domains
    maildns did not onboard too. The DKIM keys looked at are each vendor's fixed selectors,
    ``selectors`` (``"name"`` for ``name._domainkey.<domain>``), and those maildns published
    (from the journal, when there is one already)."""
    loaded = _config(config)
    looking_up = open_resolver(resolver)
    published = _published_keys(loaded, state)

    async def one(domain: Any) -> Compliance:
        declared = [(v, DECLARATIONS[v]) for v in domain.vendors if v in DECLARATIONS]
        keys: dict[str, str] = {}
        for vendor, declaration in declared:
            for shape in declaration.records:
                name = shape.at(domain.name)
                if shape.purpose == "DKIM" and name is not None:
                    keys[name] = vendor
        for selector in selectors:
            keys.setdefault(f"{selector}._domainkey.{domain.name}", "")
        for name in published.get(domain.name, ()):
            keys.setdefault(name, "")
        dkim = [(vendor, name) for name, vendor in sorted(keys.items())]
        facts = await judge_receivers(domain.name, declared, dkim, looking_up)
        return Compliance(domain.name, facts)

    return await pool(loaded.domains, one, DEFAULT_CONCURRENCY)


def _published_keys(config: Config, state: str | os.PathLike[str] | None) -> dict[str, list[str]]:
    """Per domain, the DKIM records maildns published (from the journal, when there is one:
    looking never makes one)."""
    where = state_path(config, state)
    if not is_postgres(str(where)) and not Path(where).exists():
        return {}
    published: dict[str, list[str]] = {}
    with open_journal(where, config.identity) as journal:
        for domain in config.domains:
            owned = journal.owned(config.dns_vendor, domain.name)
            published[domain.name] = sorted(n for _, n, _ in owned if "._domainkey." in n)
    return published


def check(
    config: Config | str | os.PathLike[str],
    *,
    resolver: str | Sequence[Server] | None = None,
    selectors: Sequence[str] = (),
    state: str | os.PathLike[str] | None = None,
) -> list[Compliance]:
    """What receivers would conclude of each domain (DNS only); see :func:`acheck`."""
    return asyncio.run(acheck(config, resolver=resolver, selectors=selectors, state=state))


def plan(
    config: Config | str | os.PathLike[str],
    *,
    force: bool = False,
    prune: bool = False,
    state: str | os.PathLike[str] | None = None,
    clients: Mapping[str | tuple[str, str], Any] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    resolver: str | Sequence[Server] | None = None,
) -> Plan:
    """What apply would change now (read-only); see :func:`aplan`."""
    return asyncio.run(
        aplan(
            config,
            force=force,
            prune=prune,
            state=state,
            clients=clients,
            concurrency=concurrency,
            resolver=resolver,
        )
    )


def apply(
    config: Config | str | os.PathLike[str],
    saved: Plan | None = None,
    *,
    force: bool = False,
    prune: bool = False,
    on_domain: OnDomain | None = None,
    on_plan: Callable[[Plan], None] | None = None,
    state: str | os.PathLike[str] | None = None,
    clients: Mapping[str | tuple[str, str], Any] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    resolver: str | Sequence[Server] | None = None,
) -> Applied:
    """Make the changes (exactly ``saved``'s, or refuse with :class:`PlanMovedError`); see
    :func:`aapply`."""
    return asyncio.run(
        aapply(
            config,
            saved,
            force=force,
            prune=prune,
            on_domain=on_domain,
            on_plan=on_plan,
            state=state,
            clients=clients,
            concurrency=concurrency,
            resolver=resolver,
        )
    )


def verify(
    config: Config | str | os.PathLike[str],
    *,
    wait: float = 0.0,
    nameservers: Sequence[Server] | str | None = None,
    on_wait: Callable[[list[str], float], None] | None = None,
    on_checked: Callable[[DomainReport], None] | None = None,
    state: str | os.PathLike[str] | None = None,
    clients: Mapping[str | tuple[str, str], Any] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    resolver: str | Sequence[Server] | None = None,
) -> list[DomainReport]:
    """Look at DNS, then ask each vendor to verify what every server serves (``wait=``
    seconds: until verified or the time is up); see :func:`averify`."""
    return asyncio.run(
        averify(
            config,
            wait=wait,
            nameservers=nameservers,
            on_wait=on_wait,
            on_checked=on_checked,
            state=state,
            clients=clients,
            concurrency=concurrency,
            resolver=resolver,
        )
    )


def status(
    config: Config | str | os.PathLike[str],
    *,
    nameservers: Sequence[Server] | str | None = None,
    on_checked: Callable[[DomainReport], None] | None = None,
    state: str | os.PathLike[str] | None = None,
    clients: Mapping[str | tuple[str, str], Any] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    resolver: str | Sequence[Server] | None = None,
) -> list[DomainReport]:
    """Each domain at each vendor, its records served, missing or unknown (asks no vendor to
    verify); see :func:`astatus`."""
    return asyncio.run(
        astatus(
            config,
            nameservers=nameservers,
            on_checked=on_checked,
            state=state,
            clients=clients,
            concurrency=concurrency,
            resolver=resolver,
        )
    )
