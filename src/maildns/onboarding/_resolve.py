"""Ask DNS as a receiver would, each name and type once per run: the resolver of the SPF checks.

Counting an SPF record's DNS lookups through every nested ``include`` and evaluating
``check_host`` (``_spfcheck``) read the vendors' and other third parties' records through a
*recursive* resolver, as a receiving mail server does: the system's (``/etc/resolv.conf``)
by default, or ``MAILDNS_RESOLVER=host:port[,host:port...]`` (port 53 when left out), or
the ``resolver=`` argument of :func:`open_resolver` (the command line's ``--resolver``). The
sandbox's DNS answers for the common includes too, so ``maildns sandbox`` exports
``MAILDNS_RESOLVER`` pointing at it.

One :class:`CachedResolver` serves a whole run: every (name, type) is asked once, whatever the
number of domains whose records include it, and concurrent asks of one name share one query.
Failures are kept as well: a name whose servers time out is not asked again in the same run
(the resolver's own retries have been spent on it), and is reported as "could not be checked".
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import weakref
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Final, Protocol

import attrs
import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.rdata
import dns.rdatatype
import dns.resolver

from .._dns.records import kind_named
from .._dns.records.mx import MX
from ..errors import InvalidInputError
from ._lookup import Server, parse_servers

__all__ = [
    "RESOLVER_ENV",
    "CachedResolver",
    "DnsResolver",
    "Lookup",
    "Resolver",
    "StaticResolver",
    "open_resolver",
]

RESOLVER_ENV: Final = "MAILDNS_RESOLVER"
TIMEOUT: Final = 3.0
"""Seconds one server gets for one query."""
LIFETIME: Final = 8.0
"""Seconds one lookup gets in all, every server and retry included."""
CONCURRENCY: Final = 64
"""Queries in flight at once from one run."""
TYPES: Final = frozenset({"TXT", "A", "AAAA", "MX", "PTR"})


@attrs.frozen
class Lookup:
    """What DNS said of one name and type.

    ``values``: TXT texts (each record's strings joined), addresses, MX exchanges (``""`` for
    a null MX), PTR targets; names lower case without the final dot. ``nxdomain``: the name
    does not exist. ``error``: no answer could be had (a time-out, SERVFAIL, no resolver):
    what is there is *unknown*, never missing.
    """

    name: str
    rtype: str
    values: tuple[str, ...] = ()
    nxdomain: bool = False
    error: str | None = None

    @property
    def void(self) -> bool:
        """An answer with nothing in it: NXDOMAIN or no record of the type (RFC 7208 §4.6.4)."""
        return self.error is None and not self.values


class Resolver(Protocol):
    """Anything that answers :meth:`lookup` (the SPF checks need nothing else)."""

    async def lookup(self, name: str, rtype: str) -> Lookup: ...


def normalized(name: str) -> str:
    """``name`` as looked up and cached: lower case, without the final dot."""
    return name.rstrip(".").lower()


def is_dns_name(name: str) -> bool:
    """Whether ``name`` can be asked at all: labels of 1 to 63 octets, 253 in all."""
    name = name.removesuffix(".")
    return (
        0 < len(name) <= 253
        and all(0 < len(label) <= 63 for label in name.split("."))
        and name.isascii()
    )


class CachedResolver:
    """Each (name, type) asked of ``inner`` once for the resolver's life (one run), the
    failures included; concurrent asks of one share one query, and at most ``concurrency``
    queries are in flight at once. ``queries`` counts what reached ``inner``."""

    def __init__(self, inner: Resolver, *, concurrency: int = CONCURRENCY) -> None:
        self.inner = inner
        self.queries = 0
        self._concurrency = concurrency
        self._done: dict[tuple[str, str], Lookup] = {}
        self._pending: dict[tuple[str, str], asyncio.Future[Lookup]] = {}
        self._limits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    async def lookup(self, name: str, rtype: str) -> Lookup:
        key = (normalized(name), rtype.upper())
        done = self._done.get(key)
        if done is not None:
            return done
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = asyncio.ensure_future(self._ask(key))
        # shield: one asker cancelled (a domain's task ending) leaves the query to the others
        return await asyncio.shield(pending)

    async def _ask(self, key: tuple[str, str]) -> Lookup:
        loop = asyncio.get_running_loop()
        limit = self._limits.setdefault(loop, asyncio.Semaphore(self._concurrency))
        try:
            async with limit:
                self.queries += 1
                result = await self.inner.lookup(*key)
        finally:
            self._pending.pop(key, None)
        self._done[key] = result
        return result

    def cached(self, name: str, rtype: str) -> Lookup | None:
        """The answer kept for ``name`` and ``rtype``, if any (asks nothing)."""
        return self._done.get((normalized(name), rtype.upper()))

    def forget(self) -> None:
        """Drop every kept answer (a new run)."""
        self._done.clear()


class DnsResolver:
    """A recursive resolver asked with dnspython: ``servers``, else the system's.

    Answers are not cached here (wrap it in :class:`CachedResolver`); a system without a
    resolver configuration answers every lookup with an error, not an exception, so that
    the checks report "could not be checked".
    """

    def __init__(
        self,
        servers: Sequence[Server] | None = None,
        *,
        timeout: float = TIMEOUT,
        lifetime: float = LIFETIME,
    ) -> None:
        self.servers = list(servers) if servers else None
        self._timeout = timeout
        self._lifetime = lifetime
        self._resolver: dns.asyncresolver.Resolver | None = None
        self._problem: str | None = None

    def _get(self) -> dns.asyncresolver.Resolver | None:
        if self._resolver is None and self._problem is None:
            try:
                if self.servers:
                    resolver = dns.asyncresolver.Resolver(configure=False)
                    resolver.nameservers = [
                        dns.nameserver.Do53Nameserver(host, port) for host, port in self.servers
                    ]
                else:
                    resolver = dns.asyncresolver.Resolver()
            except dns.resolver.NoResolverConfiguration:
                self._problem = f"no DNS resolver: the system has none; set {RESOLVER_ENV}"
                return None
            resolver.timeout = self._timeout
            resolver.lifetime = self._lifetime
            resolver.cache = None  # CachedResolver keeps answers for the run, and no longer
            self._resolver = resolver
        return self._resolver

    async def lookup(self, name: str, rtype: str) -> Lookup:
        rtype = rtype.upper()
        resolver = self._get()
        if resolver is None:
            return Lookup(name, rtype, error=self._problem)
        if not is_dns_name(name):
            return Lookup(name, rtype, error=f"{name!r} is not a DNS name")
        try:
            answer = await resolver.resolve(
                dns.name.from_text(name), rtype, raise_on_no_answer=False, search=False
            )
        except dns.resolver.NXDOMAIN:
            return Lookup(name, rtype, nxdomain=True)
        except dns.resolver.LifetimeTimeout:
            return Lookup(name, rtype, error="timeout")
        except dns.resolver.NoNameservers:
            return Lookup(name, rtype, error="no server answered (SERVFAIL or REFUSED)")
        except dns.exception.DNSException as error:
            return Lookup(name, rtype, error=f"{type(error).__name__}: {error}")
        if answer.rrset is None:
            return Lookup(name, rtype)
        return Lookup(name, rtype, tuple(_value(rd, rtype) for rd in answer.rrset))


def _value(rdata: dns.rdata.Rdata, rtype: str) -> str:
    if rtype == "MX":
        # the exchange alone (SPF's mx mechanism); a null MX (RFC 7505) names no host
        exchange, _ = MX.from_rdata(rdata)
        return "" if exchange == "." else exchange
    if rtype == "PTR":
        return normalized(rdata.target.to_text())  # type: ignore[attr-defined]
    found = kind_named(rtype)
    return str(rdata) if found is None else found.from_rdata(rdata)[0]


class StaticResolver:
    """Answers from a mapping: name -> ``(type, value)`` pairs (``CNAME`` pairs are followed,
    eight deep). A name absent is NXDOMAIN; a name in ``failing`` times out. For tests, and
    for checks of records not published yet."""

    def __init__(
        self,
        records: Mapping[str, Iterable[tuple[str, str]]],
        *,
        failing: Collection[str] = (),
    ) -> None:
        self.records = {
            normalized(name): [(t.upper(), v) for t, v in pairs] for name, pairs in records.items()
        }
        self.failing = {normalized(name) for name in failing}
        self.asked: list[tuple[str, str]] = []

    async def lookup(self, name: str, rtype: str) -> Lookup:
        rtype = rtype.upper()
        self.asked.append((normalized(name), rtype))
        current = normalized(name)
        for _ in range(8):
            if current in self.failing:
                return Lookup(name, rtype, error="timeout")
            pairs = self.records.get(current)
            if pairs is None:
                return Lookup(name, rtype, nxdomain=True)
            values = tuple(v for t, v in pairs if t == rtype)
            cname = next((v for t, v in pairs if t == "CNAME"), None)
            if values or cname is None or rtype == "CNAME":
                if rtype in ("MX", "PTR", "CNAME"):
                    values = tuple(normalized(v) for v in values)
                return Lookup(name, rtype, values)
            current = normalized(cname)
        return Lookup(name, rtype, error="CNAME chain too long")


def _servers(text: str, argument: str) -> list[Server]:
    servers = parse_servers(text, argument)
    for host, _ in servers:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise InvalidInputError.one(
                argument, f"must name resolvers by address (host:port), got {host!r}"
            ) from None
    return servers


def open_resolver(
    resolver: str | Sequence[Server] | None = None, *, concurrency: int = CONCURRENCY
) -> CachedResolver:
    """The resolver for one run: ``resolver`` (``"host:port,..."`` as ``--resolver`` takes
    it, or ``(host, port)`` pairs), else ``MAILDNS_RESOLVER``, else the system's; cached.

    :class:`~maildns.errors.InvalidInputError` when the servers are not ``host:port`` with
    the host an IP address.
    """
    if isinstance(resolver, str):
        servers: Sequence[Server] | None = _servers(resolver, "--resolver")
    elif resolver:
        servers = list(resolver)
    else:
        env = os.environ.get(RESOLVER_ENV, "").strip()
        servers = _servers(env, RESOLVER_ENV) if env else None
    return CachedResolver(DnsResolver(servers), concurrency=concurrency)
