"""SPF as receivers evaluate it (RFC 7208), through DNS: the lookup budget and check_host.

:func:`check_budget` is what the planner cannot know without DNS: what an SPF record costs
a receiver once every nested ``include`` and ``redirect`` is followed, against the 10 DNS
lookups (§4.6.4) and the 2 void lookups (names that do not exist or hold nothing, §4.6.4) a
receiver allows, and whether every record in the tree is valid SPF. It answers with the
count, the tree (which include costs how much), the problems (each a *permerror* at
receivers, so never to be forced) and what could not be checked (a DNS failure is a
*temperror*: unknown, not wrong).

:func:`check_host` is the function of RFC 7208 §4 itself: the result (pass, fail, softfail,
neutral, none, permerror, temperror) a receiver reaches for a sending address and a domain.
It runs the OpenSPF RFC 7208 test suite (``tests/openspf``). :func:`check_vendor` uses it to
say whether a vendor's own sending addresses pass at a name.

Both take a :class:`~maildns.onboarding._resolve.Resolver`: one
:func:`~maildns.onboarding._resolve.open_resolver` per run, shared by every domain, so that
an include common to all of them is asked once.

The engine, after :func:`~maildns.onboarding._records.plan_records` (which has no DNS and
counts only a record's own terms)::

    resolver = open_resolver(options.resolver)   # once per run: --resolver, else
                                                 # MAILDNS_RESOLVER, else the system's
    records = plan_records(...)
    for budget in await check_planned(records.changes, resolver):
        problems += budget.problems     # refuses the domain, --force or not
        unknown += budget.unchecked     # DNS failed: "could not be checked", not a refusal

and verify, for each vendor include of a name (``mailgun.org`` for Tesouro)::

    if (await check_vendor(name, "mailgun.org", resolver)).passes: ...
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
import urllib.parse
from collections.abc import Iterable, Sequence
from typing import Final, Literal

import attrs

from ..models import RecordType
from ._plan import Change
from ._resolve import Lookup, Resolver, is_dns_name, normalized
from ._spf import MAX_LOOKUPS, MAX_VOID_LOOKUPS, Macro, Spf, SpfError, Term, is_spf, macro_parts

__all__ = [
    "Budget",
    "Node",
    "Result",
    "VendorCheck",
    "Verdict",
    "check_budget",
    "check_host",
    "check_planned",
    "check_vendor",
    "sending_networks",
]

Result = Literal["pass", "fail", "softfail", "neutral", "none", "permerror", "temperror"]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_MX: Final = 10
"""MX records an ``mx`` mechanism may look up (§4.6.4); more is a permerror."""
MAX_PTR: Final = 10
"""PTR names a ``ptr`` mechanism or ``%{p}`` validates (§4.6.4); the rest are ignored."""
MAX_NODES: Final = 200
"""Terms the budget walk follows at most: past that the record is far over the limit, and a
hostile tree (every include holding ten more) must not make maildns ask DNS without end."""

_QUERIES: Final[dict[str, tuple[str, ...]]] = {
    "include": ("TXT",),
    "redirect": ("TXT",),
    "a": ("A", "AAAA"),
    "mx": ("MX",),
    "exists": ("A",),
}
"""What the budget looks up for each term it follows."""
_RESULTS: Final[dict[str, Result]] = {
    "+": "pass",
    "-": "fail",
    "~": "softfail",
    "?": "neutral",
}


# --- the budget ----------------------------------------------------------------------------------
@attrs.frozen
class Node:
    """One term of the tree that costs a DNS lookup, and what it costs in all.

    ``term`` as written in its record; ``lookups`` its own 1 plus every lookup below it;
    ``voids`` the void lookups met at and below it; ``children`` the lookup terms of the
    record it brings in (``include``, ``redirect``); ``note`` why it was not followed or
    what is wrong with it.
    """

    term: str
    lookups: int = 1
    voids: int = 0
    children: tuple[Node, ...] = ()
    note: str | None = None

    def describe(self) -> str:
        """``include:_spf.google.com 3 (include:_netblocks.google.com 1, ...)``."""
        text = f"{self.term} {self.lookups}"
        if self.children:
            text += " (" + ", ".join(child.describe() for child in self.children) + ")"
        return text


@attrs.frozen
class Budget:
    """What an SPF record costs a receiver (RFC 7208 §4.6.4), followed through DNS."""

    name: str
    record: str
    lookups: int = 0
    """DNS lookups an evaluation that matches nothing makes (the worst case)."""
    voids: int = 0
    """Void lookups met on the way (names that do not exist or hold nothing)."""
    tree: tuple[Node, ...] = ()
    problems: tuple[str, ...] = ()
    """Why receivers evaluate the record as permerror: over the lookup or void limit, an
    include that does not exist, holds no SPF or loops, an invalid record in the tree. Each is
    a sentence naming the name, the rule and the counts."""
    unchecked: tuple[str, ...] = ()
    """What could not be checked: a DNS failure on the way (a temperror, not a permerror)."""
    complete: bool = True
    """Whether every include was followed (false past ``MAX_NODES`` terms)."""

    @property
    def ok(self) -> bool:
        """No problem and nothing left unchecked."""
        return not self.problems and not self.unchecked

    def describe(self) -> str:
        """The tree on one line: ``include:a.example 3 (...), mx 1``."""
        return ", ".join(node.describe() for node in self.tree) or "no lookups"


@attrs.define
class _Walk:
    resolver: Resolver
    problems: list[str] = attrs.Factory(list)
    unchecked: list[str] = attrs.Factory(list)
    voided: list[str] = attrs.Factory(list)
    nodes: int = 0
    complete: bool = True

    async def record(self, target: str, via: str) -> Spf | Node:
        """The SPF record at ``target`` an include or redirect brings in, or the node that
        says why there is none (and the problem recorded)."""
        term = via.rsplit(" -> ", 1)[-1]
        lookup = await _lookup(self.resolver, target, "TXT")
        if lookup.error is not None:
            self.unchecked.append(
                f"{via}: the SPF record at {target} could not be checked ({lookup.error})"
            )
            return Node(term, note=f"could not be checked: {lookup.error}")
        rule = "§6.1" if term.startswith("redirect=") else "§5.2"
        records = [text for text in lookup.values if is_spf(text)]
        if lookup.nxdomain or not records:
            what = "does not exist" if lookup.nxdomain else "holds no SPF record"
            self.problems.append(
                f"{via}: {target} {what}, so receivers evaluate the record as permerror "
                f"(RFC 7208 {rule})"
            )
            if lookup.void:
                self.voided.append(f"{via} ({what})")
            return Node(term, voids=int(lookup.void), note=what)
        if len(records) > 1:
            self.problems.append(
                f"{via}: {target} holds {len(records)} SPF records, so receivers evaluate "
                "the record as permerror (RFC 7208 §4.5)"
            )
            return Node(term, note=f"{len(records)} SPF records")
        try:
            return Spf.parse(records[0])
        except SpfError as error:
            self.problems.append(f"{via}: the SPF record at {target} is not valid: {error}")
            return Node(term, note="not valid SPF")

    async def walk(self, spf: Spf, domain: str, chain: tuple[str, ...], via: str) -> list[Node]:
        terms: list[Term] = [t for t in spf.evaluated if t.lookups]
        redirect = spf.modifier("redirect")
        if spf.redirect is not None and redirect is not None:
            terms.append(redirect)
        await self.prefetch(terms, domain)
        return [await self.term(t, domain, chain, via) for t in terms]

    async def prefetch(self, terms: Sequence[Term], domain: str) -> None:
        """Ask at once, concurrently, what the terms will look up and the run's cache does
        not hold yet; the walk then goes term by term, from the cache. (A resolver without
        a cache is asked as the walk goes.)"""
        cached = getattr(self.resolver, "cached", None)
        if cached is None:
            return
        wanted: dict[tuple[str, str], None] = {}
        for term in terms:
            target = _static_target(term.value, domain) if term.value else domain
            if target is None or not is_dns_name(target):
                continue
            for rtype in _QUERIES.get(term.name, ()):
                if cached(target, rtype) is None:
                    wanted[(target, rtype)] = None
        if len(wanted) > 1:
            await asyncio.gather(*(self.resolver.lookup(n, t) for n, t in wanted))

    async def term(self, term: Term, domain: str, chain: tuple[str, ...], via: str) -> Node:
        written = str(term)
        path = f"{via} -> {written}" if via else written
        self.nodes += 1
        target = _static_target(term.value, domain) if term.value else domain
        if target is None:
            why = "the sending address" if term.name != "include" else "the message"
            return Node(written, note=f"depends on {why} (a macro): counted 1, not followed")
        if term.name in ("include", "redirect"):
            if target in chain:
                loop = " -> ".join((*chain, target))
                self.problems.append(
                    f"{path}: includes loop ({loop}), so receivers evaluate the record as "
                    "permerror (RFC 7208 §4.6.4)"
                )
                return Node(written, note=f"loops back to {target}")
            if len(chain) > MAX_LOOKUPS or self.nodes > MAX_NODES:
                self.complete = False
                return Node(written, note="not followed: the tree is over the limit already")
            found = await self.record(target, path)
            if isinstance(found, Node):
                return found
            children = await self.walk(found, target, (*chain, target), path)
            return Node(
                written,
                1 + sum(c.lookups for c in children),
                sum(c.voids for c in children),
                tuple(children),
            )
        if term.name == "ptr":
            return Node(written, note="depends on the sending address (ptr, RFC 7208 §5.5)")
        if term.name == "a":
            both = [
                await _lookup(self.resolver, target, "A"),
                await _lookup(self.resolver, target, "AAAA"),
            ]
            return self._leaf(written, path, target, both, "no address")
        if term.name == "mx":
            mx = await _lookup(self.resolver, target, "MX")
            if len(mx.values) > MAX_MX:
                self.problems.append(
                    f"{path}: {target} has {len(mx.values)} MX records, over the {MAX_MX} "
                    "receivers look up, so they evaluate the record as permerror "
                    "(RFC 7208 §4.6.4)"
                )
            return self._leaf(written, path, target, [mx], "no MX record")
        # exists: an A lookup whatever the sender's address (§5.7)
        found_a = await _lookup(self.resolver, target, "A")
        return self._leaf(written, path, target, [found_a], "no address")

    def _leaf(
        self, written: str, path: str, target: str, found: Sequence[Lookup], what: str
    ) -> Node:
        failed = [f for f in found if f.error is not None]
        if failed:
            self.unchecked.append(f"{path}: {target} could not be checked ({failed[0].error})")
            return Node(written, note=f"could not be checked: {failed[0].error}")
        if all(f.void for f in found):
            what = "does not exist" if any(f.nxdomain for f in found) else what
            self.voided.append(f"{path} ({target} {what})")
            return Node(written, voids=1, note=f"void: {what}")
        return Node(written)


def _static_target(value: str, domain: str) -> str | None:
    """A domain-spec's name when it depends on nothing but the record's own domain (``%{d}``
    is known without a message); None when it depends on the sender or the address."""
    parts = macro_parts(value)
    if any(isinstance(p, Macro) and p.letter != "d" for p in parts):
        return None
    return _domain_of(_joined(parts, {"d": domain}))


async def check_budget(
    name: str, record: str, resolver: Resolver, *, what: str = "the SPF record"
) -> Budget:
    """What ``record``, to be published at ``name``, costs a receiver, every nested
    ``include`` and ``redirect`` followed through ``resolver``.

    ``what`` names the record in the problems (``"the merged SPF record"``). The count is
    the worst case, an evaluation that matches nothing: every lookup term up to the first
    ``all`` of each record (terms after it are never reached), ``redirect=`` where it takes
    effect, 1 for a term whose name depends on the message (a macro such as ``%{i}``) or the
    address (``ptr``). A void lookup is counted where an ``a`` name has no address of either
    family, an ``mx`` name no MX record, an ``exists`` name no address, an include's name
    does not exist.
    """
    where = f"{what} at {normalized(name)}"
    try:
        spf = Spf.parse(record)
    except SpfError as error:
        return Budget(name, record, problems=(f"{where} is not valid SPF: {error}",))
    walk = _Walk(resolver)
    tree = tuple(await walk.walk(spf, normalized(name), (normalized(name),), ""))
    lookups = sum(n.lookups for n in tree)
    voids = sum(n.voids for n in tree)
    problems = list(walk.problems)
    at_least = "" if walk.complete else "at least "
    if lookups > MAX_LOOKUPS:
        problems.insert(
            0,
            f"{where} needs {at_least}{lookups} DNS lookups, over the {MAX_LOOKUPS} receivers "
            f"allow (RFC 7208 §4.6.4): " + ", ".join(n.describe() for n in tree),
        )
    if voids > MAX_VOID_LOOKUPS:
        problems.append(
            f"{where} meets {voids} void lookups (names that do not exist or hold nothing), "
            f"over the {MAX_VOID_LOOKUPS} receivers allow (RFC 7208 §4.6.4): "
            + ", ".join(walk.voided)
        )
    return Budget(
        name,
        record,
        lookups,
        voids,
        tree,
        tuple(problems),
        tuple(walk.unchecked),
        walk.complete,
    )


async def check_planned(changes: Iterable[Change], resolver: Resolver) -> tuple[Budget, ...]:
    """The budget of every SPF record ``changes`` create or update (what
    :func:`~maildns.onboarding._records.plan_records` plans), each through ``resolver``, all
    at once. Each budget's ``problems`` refuse its domain (a permerror at receivers: never
    forced); its ``unchecked`` say the count could not be finished (DNS failed)."""
    planned = [
        c
        for c in changes
        if c.kind == "record"
        and c.action != "delete"
        and c.type is RecordType.TXT
        and c.name
        and c.value is not None
        and is_spf(c.value)
    ]
    return tuple(
        await asyncio.gather(
            *(
                check_budget(
                    c.name or "",
                    c.value or "",
                    resolver,
                    what="the merged SPF record" if c.action == "update" else "the SPF record",
                )
                for c in planned
            )
        )
    )


# --- check_host ----------------------------------------------------------------------------------
@attrs.frozen
class Verdict:
    """The result of ``check_host`` (RFC 7208 §2.6) and why."""

    result: Result
    reason: str
    """Which term matched where, or what went wrong."""
    explanation: str | None = None
    """A ``fail``'s explanation from the domain's ``exp=`` (§6.2), when it has one."""
    lookups: int = 0
    voids: int = 0


class _Stop(Exception):
    """A permerror or temperror: evaluation ends there (§4.6, §5.2)."""

    def __init__(self, result: Result, reason: str) -> None:
        super().__init__(reason)
        self.result: Result = result
        self.reason = reason


Explanation = tuple[str, str]
"""An ``exp=`` value and the domain of its record."""


def _valid_domain(domain: str) -> bool:
    """§4.3: a multi-label domain name DNS can hold (a domain literal is none)."""
    return "." in domain.strip(".") and is_dns_name(domain) and "[" not in domain


def _domain_of(expanded: str) -> str:
    """An expanded domain-spec as a name to look up (§7.3): without the final dot, cut from
    the left, whole labels at a time, to 253 characters."""
    name = expanded.removesuffix(".")
    while len(name) > 253 and "." in name:
        name = name.split(".", 1)[1]
    return normalized(name)


def _transform(value: str, macro: Macro) -> str:
    parts = [value]
    for delimiter in macro.delimiters:
        parts = [piece for part in parts for piece in part.split(delimiter)]
    if macro.reverse:
        parts.reverse()
    if macro.digits:
        parts = parts[-macro.digits :]
    text = ".".join(parts)
    return urllib.parse.quote(text, safe="~") if macro.escape else text


def _joined(parts: Iterable[str | Macro], values: dict[str, str]) -> str:
    return "".join(p if isinstance(p, str) else _transform(values[p.letter], p) for p in parts)


async def _lookup(resolver: Resolver, name: str, rtype: str) -> Lookup:
    if not is_dns_name(name):  # cannot exist: no query (§4.3 and §7.3 make such names)
        return Lookup(name, rtype, nxdomain=True)
    return await resolver.lookup(name, rtype)


@attrs.define
class _Check:
    resolver: Resolver
    ip: IPAddress
    sender: str
    local: str
    sender_domain: str
    helo: str
    receiver: str
    now: int
    lookups: int = 0
    voids: int = 0
    _validated: dict[str, str] = attrs.Factory(dict)

    @property
    def v4(self) -> bool:
        return self.ip.version == 4

    def count(self, term: Term, domain: str) -> None:
        self.lookups += 1
        if self.lookups > MAX_LOOKUPS:
            raise _Stop(
                "permerror",
                f"{term} in the record at {domain} is DNS lookup {self.lookups}, over the "
                f"{MAX_LOOKUPS} allowed (RFC 7208 §4.6.4)",
            )

    def void(self, lookup: Lookup, term: Term, domain: str) -> None:
        if lookup.void:
            self.voids += 1
            if self.voids > MAX_VOID_LOOKUPS:
                raise _Stop(
                    "permerror",
                    f"{term} in the record at {domain}: {lookup.name} is void lookup "
                    f"{self.voids}, over the {MAX_VOID_LOOKUPS} allowed (RFC 7208 §4.6.4)",
                )

    async def ask(self, name: str, rtype: str, term: Term, domain: str) -> Lookup:
        """A lookup for a term: a DNS failure is a temperror, a void one is counted."""
        lookup = await _lookup(self.resolver, name, rtype)
        if lookup.error is not None:
            raise _Stop(
                "temperror",
                f"{term} in the record at {domain}: {rtype} {name}: {lookup.error}",
            )
        self.void(lookup, term, domain)
        return lookup

    async def expand(self, value: str, domain: str, *, explanation: bool = False) -> str:
        parts = macro_parts(value, explanation=explanation)
        values: dict[str, str] = {
            "s": self.sender,
            "l": self.local,
            "o": self.sender_domain,
            "d": domain,
            "h": self.helo,
            "v": "in-addr" if self.v4 else "ip6",
            "c": str(self.ip),
            "r": self.receiver,
            "t": str(self.now),
        }
        if self.v4:
            values["i"] = str(self.ip)
        else:
            # nibbles in upper case: the RFC 7208 test suite's v-macro-ip6 expects them so
            # (its §7.4 example is lower case; DNS names compare either way)
            values["i"] = ".".join(self.ip.packed.hex().upper())
        if any(isinstance(p, Macro) and p.letter == "p" for p in parts):
            values["p"] = await self.validated_name(domain)
        return _joined(parts, values)

    async def target(self, term: Term, domain: str) -> str:
        return _domain_of(await self.expand(term.value, domain)) if term.value else domain

    async def validated_names(self) -> list[str]:
        """The PTR names of the address whose own addresses hold it (§5.5), ten at most."""
        lookup = await _lookup(self.resolver, self.ip.reverse_pointer, "PTR")
        if lookup.error is not None or not lookup.values:
            return []
        names: list[str] = []
        rtype = "A" if self.v4 else "AAAA"
        for name in lookup.values[:MAX_PTR]:
            addresses = await _lookup(self.resolver, name, rtype)
            if addresses.error is None and any(
                ipaddress.ip_address(a) == self.ip for a in addresses.values
            ):
                names.append(name)
        return names

    async def validated_name(self, domain: str) -> str:
        """``%{p}``: a validated name, ``domain`` itself or one under it first (§7.3)."""
        if domain not in self._validated:
            names = await self.validated_names()
            preferred = [n for n in names if n == domain or n.endswith("." + domain)]
            self._validated[domain] = (preferred or names or ["unknown"])[0]
        return self._validated[domain]

    async def record(self, domain: str) -> Spf | None:
        """The domain's SPF record (§4.4, §4.5); None: there is none."""
        lookup = await _lookup(self.resolver, domain, "TXT")
        if lookup.error is not None:
            raise _Stop("temperror", f"TXT {domain}: {lookup.error}")
        records = [text for text in lookup.values if is_spf(text)]
        if not records:
            return None
        if len(records) > 1:
            raise _Stop("permerror", f"{domain} holds {len(records)} SPF records (RFC 7208 §4.5)")
        try:
            return Spf.parse(records[0])
        except SpfError as error:
            raise _Stop("permerror", f"the SPF record at {domain}: {error}") from None

    async def check(self, domain: str) -> tuple[Result, str, Explanation | None]:
        """check_host for ``domain`` (§4): pass, fail, softfail, neutral or none; a
        permerror or temperror raises :class:`_Stop`."""
        if not _valid_domain(domain):
            return "none", f"{domain!r} is not a domain name (RFC 7208 §4.3)", None
        spf = await self.record(domain)
        if spf is None:
            return "none", f"{domain} has no SPF record", None
        exp = spf.modifier("exp")
        explanation = None if exp is None else (exp.value, domain)
        for term in spf.mechanisms:
            if await self.matches(term, domain):
                return _RESULTS[term.qualifier], f"{term} at {domain}", explanation
        redirect = spf.modifier("redirect")
        if redirect is not None:
            self.count(redirect, domain)
            target = await self.target(redirect, domain)
            result, reason, explanation = await self.check(target)
            if result == "none":
                raise _Stop(
                    "permerror",
                    f"{redirect} at {domain}: {reason} (RFC 7208 §6.1)",
                )
            return result, reason, explanation
        return "neutral", f"nothing matched at {domain} (RFC 7208 §4.7)", None

    async def matches(self, term: Term, domain: str) -> bool:
        name = term.name
        if name == "all":
            return True
        if name in ("ip4", "ip6"):
            if (name == "ip4") != self.v4:
                return False
            network = ipaddress.ip_network(
                f"{term.value}/{term.cidr4 if self.v4 else term.cidr6}", strict=False
            )
            return self.ip in network
        self.count(term, domain)
        target = await self.target(term, domain)
        if name == "include":
            result, reason, _ = await self.check(target)
            if result == "none":
                raise _Stop("permerror", f"{term} at {domain}: {reason} (RFC 7208 §5.2)")
            return result == "pass"
        if name == "exists":
            return bool((await self.ask(target, "A", term, domain)).values)
        if name == "ptr":
            names = await self.validated_names()
            return any(n == target or n.endswith("." + target) for n in names)
        rtype = "A" if self.v4 else "AAAA"
        if name == "a":
            addresses = (await self.ask(target, rtype, term, domain)).values
        else:  # mx
            exchanges = (await self.ask(target, "MX", term, domain)).values
            if len(exchanges) > MAX_MX:
                raise _Stop(
                    "permerror",
                    f"{term} at {domain}: {target} has {len(exchanges)} MX records, over "
                    f"the {MAX_MX} allowed (RFC 7208 §4.6.4)",
                )
            addresses = ()
            for exchange in sorted(e for e in exchanges if e):
                addresses += (await self.ask(exchange, rtype, term, domain)).values
        length = term.cidr4 if self.v4 else term.cidr6
        return any(
            self.ip in ipaddress.ip_network(f"{a}/{length}", strict=False) for a in addresses
        )

    async def explain(self, explanation: Explanation) -> str | None:
        """§6.2: the ``exp=`` name's one TXT record, macros expanded; None when there is
        none, more than one, a DNS failure or a syntax error (the explanation is dropped)."""
        value, domain = explanation
        target = _domain_of(await self.expand(value, domain))
        lookup = await _lookup(self.resolver, target, "TXT")
        if lookup.error is not None or len(lookup.values) != 1:
            return None
        try:
            text = await self.expand(lookup.values[0], domain, explanation=True)
        except SpfError:
            return None
        return text if text.isascii() else None


def _address(ip: str | IPAddress) -> IPAddress:
    address = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # an IPv4-mapped address is IPv4 (RFC 7208 §5)
    return address


async def check_host(
    ip: str | IPAddress,
    domain: str,
    resolver: Resolver,
    *,
    sender: str | None = None,
    helo: str | None = None,
    receiver: str = "unknown",
    now: int | None = None,
) -> Verdict:
    """What a receiver concludes of mail from ``ip`` for ``domain`` (RFC 7208 §4).

    ``sender`` is the MAIL FROM address (``postmaster@<domain>`` when not given; a sender
    without a local part is ``postmaster``), ``helo`` the HELO name (``%{h}``), ``receiver``
    and ``now`` what ``%{r}`` and ``%{t}`` say in an explanation.
    """
    address = _address(ip)
    sender = sender if sender is not None else f"postmaster@{domain}"
    local, at, sender_domain = sender.rpartition("@")
    if not at:
        local, sender_domain = "", sender
    check = _Check(
        resolver,
        address,
        sender if local else f"postmaster@{sender_domain}",
        local or "postmaster",
        sender_domain,
        helo if helo is not None else normalized(domain),
        receiver,
        int(time.time()) if now is None else now,
    )
    try:
        result, reason, explanation = await check.check(normalized(domain))
    except _Stop as stop:
        return Verdict(stop.result, stop.reason, None, check.lookups, check.voids)
    text = None
    if result == "fail" and explanation is not None:
        text = await check.explain(explanation)
    return Verdict(result, reason, text, check.lookups, check.voids)


# --- a vendor's addresses --------------------------------------------------------------------
async def sending_networks(domain: str, resolver: Resolver, *, limit: int = 64) -> list[IPNetwork]:
    """The networks ``domain``'s SPF passes by ``ip4:``/``ip6:`` (``+`` ones), its
    ``include``s and ``redirect`` followed (a vendor's sending addresses), ``limit`` at most;
    empty when DNS tells nothing."""
    networks: list[IPNetwork] = []
    seen: set[str] = set()

    async def visit(name: str) -> None:
        if name in seen or len(seen) > MAX_NODES or len(networks) >= limit:
            return
        seen.add(name)
        lookup = await _lookup(resolver, name, "TXT")
        records = [text for text in lookup.values if is_spf(text)]
        if len(records) != 1:
            return
        try:
            spf = Spf.parse(records[0])
        except SpfError:
            return
        for term in spf.evaluated:
            if term.qualifier != "+" or len(networks) >= limit:
                continue
            if term.name in ("ip4", "ip6"):
                length = term.cidr4 if term.name == "ip4" else term.cidr6
                networks.append(ipaddress.ip_network(f"{term.value}/{length}", strict=False))
            elif term.name == "include" and "%" not in term.value:
                await visit(normalized(term.value))
        if spf.redirect is not None and "%" not in spf.redirect:
            await visit(normalized(spf.redirect))

    await visit(normalized(domain))
    return networks


@attrs.frozen
class VendorCheck:
    """Whether a vendor's sending addresses pass at a name: one address from each of the
    vendor's networks (up to ``samples``), each with its :class:`Verdict`."""

    name: str
    include: str
    verdicts: tuple[tuple[str, Verdict], ...] = ()

    @property
    def passes(self) -> bool:
        """Every address tried passes (false when none could be found)."""
        return bool(self.verdicts) and all(v.result == "pass" for _, v in self.verdicts)


async def check_vendor(
    name: str, include: str, resolver: Resolver, *, samples: int = 4
) -> VendorCheck:
    """Do the vendor's own sending addresses pass at ``name``? Addresses are taken from
    the SPF record at ``include`` (the vendor's, e.g. ``mailgun.org``) and evaluated with
    :func:`check_host` against ``name``'s SPF, as a receiver would."""
    networks = await sending_networks(include, resolver, limit=samples)
    verdicts = []
    for network in networks:
        address = network.network_address if network.num_addresses == 1 else network[1]
        verdicts.append((str(address), await check_host(address, name, resolver)))
    return VendorCheck(normalized(name), normalized(include), tuple(verdicts))
