"""The SPF lookup budget through DNS, check_host, and the run's cached resolver (no sockets).

The worlds here are small mappings served by ``StaticResolver``; the same code through the
sandbox's real DNS server is ``test_spf_sandbox.py``, and against other implementations
``test_spf_oracles.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from maildns import DnsRecord, RecordType
from maildns.errors import InvalidInputError
from maildns.onboarding._records import plan_records
from maildns.onboarding._resolve import (
    RESOLVER_ENV,
    CachedResolver,
    DnsResolver,
    Lookup,
    StaticResolver,
    open_resolver,
)
from maildns.onboarding._spf import merge
from maildns.onboarding._spfcheck import (
    Budget,
    check_budget,
    check_host,
    check_planned,
    check_vendor,
    sending_networks,
)

NAME = "mail.example.com"
GOOGLE = {
    "_spf.google.com": [
        ("TXT", "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com ~all")
    ],
    "_netblocks.google.com": [
        ("TXT", "v=spf1 ip4:192.0.2.0/28 ~all"),
        ("TXT", "google-site-verification=x"),
    ],
    "_netblocks2.google.com": [("TXT", "v=spf1 ip6:2001:db8:4860::/48 ~all")],
}
MAILGUN = {
    "mailgun.org": [("TXT", "v=spf1 include:_spf.mailgun.org -all")],
    "_spf.mailgun.org": [("TXT", "v=spf1 ip4:198.51.100.0/28 a:smtp.mailgun.org mx ~all")],
    "smtp.mailgun.org": [("A", "198.51.100.20")],
}


World = dict[str, list[tuple[str, str]]]


def budget(record: str, world: World, failing: Sequence[str] = ()) -> Budget:
    resolver = StaticResolver(world, failing=failing)
    return asyncio.run(check_budget(NAME, record, resolver, what="the merged SPF record"))


# --- the budget ----------------------------------------------------------------------------------
def test_every_nested_include_is_counted_and_shown() -> None:
    world = {
        **GOOGLE,
        **MAILGUN,
        "_spf.mailgun.org": [("TXT", "v=spf1 ip4:198.51.100.0/28 a mx ~all")],
    }
    world["_spf.mailgun.org"].append(("A", "198.51.100.30"))
    world["_spf.mailgun.org"].append(("MX", "smtp.mailgun.org"))
    text = merge(
        "v=spf1 ip4:192.0.2.0/24 include:_spf.google.com -all", ["v=spf1 include:mailgun.org ~all"]
    ).text
    result = budget(text, world)
    assert (result.lookups, result.voids, result.problems, result.unchecked) == (7, 0, (), ())
    assert result.ok
    assert result.complete
    assert result.describe() == (
        "include:_spf.google.com 3 (include:_netblocks.google.com 1, "
        "include:_netblocks2.google.com 1), include:mailgun.org 4 (include:_spf.mailgun.org 3 "
        "(a 1, mx 1))"
    )


def test_over_ten_through_includes_is_a_problem_naming_the_rule_the_count_and_the_tree() -> None:
    world = {f"i{n}.example": [("TXT", "v=spf1 include:leaf.example -all")] for n in range(5)}
    world["leaf.example"] = [("TXT", "v=spf1 ip4:192.0.2.1 -all")]
    record = "v=spf1 " + " ".join(f"include:i{n}.example" for n in range(5)) + " ~all"
    result = budget(record, world)
    assert result.lookups == 10
    assert result.problems == ()
    result = budget(record.replace(" ~all", " a:leaf.example ~all"), world)
    assert result.lookups == 11
    (problem,) = result.problems
    assert problem == (
        f"the merged SPF record at {NAME} needs 11 DNS lookups, over the 10 receivers allow "
        "(RFC 7208 §4.6.4): "
        + ", ".join(f"include:i{n}.example 2 (include:leaf.example 1)" for n in range(5))
        + ", a:leaf.example 1"
    )


def test_what_the_engine_does_after_planning() -> None:
    """plan_records has no DNS: it passes a merge whose own terms fit. check_planned, given
    the plan's changes and the run's resolver, refuses it with the nested count."""
    world: World = {**MAILGUN}
    for n in range(5):
        world[f"i{n}.example"] = [("TXT", "v=spf1 include:leaf.example -all")]
    world["leaf.example"] = [("TXT", "v=spf1 ip4:192.0.2.1 -all")]
    existing = "v=spf1 " + " ".join(f"include:i{n}.example" for n in range(5)) + " -all"
    plan = plan_records(
        domain=NAME,
        dns_vendor="telecomx",
        existing=[DnsRecord(RecordType.TXT, NAME, existing)],
        wanted=[("tesouro", DnsRecord(RecordType.TXT, NAME, "v=spf1 include:mailgun.org ~all"))],
        force=True,  # changes nothing: the nested count is never forced either
    )
    assert plan.problems == ()
    (budget,) = asyncio.run(check_planned(plan.changes, StaticResolver(world)))
    assert budget.lookups == 10 + 4
    (problem,) = budget.problems
    assert problem.startswith(
        f"the merged SPF record at {NAME} needs 14 DNS lookups, over the 10 receivers allow "
        "(RFC 7208 §4.6.4): include:i0.example 2 (include:leaf.example 1), "
    )
    assert problem.endswith(
        "include:mailgun.org 4 (include:_spf.mailgun.org 3 (a:smtp.mailgun.org 1, mx 1))"
    )


def test_the_void_lookup_limit() -> None:
    """Two lookups that find nothing are allowed, a third is a permerror (§4.6.4); an ``a``
    name with an address of either family is not void."""
    world = {"v6.example": [("AAAA", "2001:db8::1")], "mx.example": [("MX", "v6.example")]}
    two = "v=spf1 a:nx1.example mx:nx2.example a:v6.example mx:mx.example -all"
    result = budget(two, world)
    assert (result.voids, result.problems) == (2, ())
    three = two.replace(" -all", " exists:nx3.example -all")
    result = budget(three, world)
    assert result.voids == 3
    (problem,) = result.problems
    assert problem.startswith(
        f"the merged SPF record at {NAME} meets 3 void lookups (names that do not exist or hold "
        "nothing), over the 2 receivers allow (RFC 7208 §4.6.4): "
    )
    assert "a:nx1.example (nx1.example does not exist)" in problem
    # and check_host, as a receiver, gives permerror at the third
    world["mail.example.com"] = [("TXT", three)]
    verdict = asyncio.run(check_host("192.0.2.9", NAME, StaticResolver(world)))
    assert (verdict.result, verdict.voids) == ("permerror", 3)
    assert "void lookup 3, over the 2 allowed" in verdict.reason


@pytest.mark.parametrize(
    ("record", "world", "words"),
    [
        ("v=spf1 include:nx.example -all", {}, "include:nx.example: nx.example does not exist"),
        (
            "v=spf1 include:plain.example -all",
            {"plain.example": [("TXT", "hello")]},
            "plain.example holds no SPF record, so receivers evaluate the record as permerror "
            "(RFC 7208 §5.2)",
        ),
        (
            "v=spf1 redirect=plain.example",
            {"plain.example": [("TXT", "hello")]},
            "(RFC 7208 §6.1)",
        ),
        (
            "v=spf1 include:two.example -all",
            {"two.example": [("TXT", "v=spf1 -all"), ("TXT", "v=spf1 mx")]},
            "two.example holds 2 SPF records",
        ),
        (
            "v=spf1 include:a.example -all",
            {
                "a.example": [("TXT", "v=spf1 include:B.example")],
                "b.example": [("TXT", "v=spf1 redirect=a.example")],
            },
            "includes loop (mail.example.com -> a.example -> b.example -> a.example)",
        ),
        (
            "v=spf1 include:bad.example -all",
            {"bad.example": [("TXT", "v=spf1 a:192.0.2.25 -all")]},
            "include:bad.example: the SPF record at bad.example is not valid: SPF term "
            "'a:192.0.2.25'",
        ),
        (
            "v=spf1 mx:many.example -all",
            {"many.example": [("MX", f"mx{n}.example") for n in range(11)]},
            "many.example has 11 MX records, over the 10 receivers look up",
        ),
        ("v=spf1 a:192.0.2.25 -all", {}, "is not valid SPF: SPF term 'a:192.0.2.25'"),
    ],
)
def test_what_receivers_call_permerror(record: str, world: World, words: str) -> None:
    result = budget(record, world)
    assert any(words in p for p in result.problems), result.problems
    assert result.unchecked == ()
    assert not result.ok


def test_a_dns_failure_could_not_be_checked_and_is_no_permerror() -> None:
    world = {**GOOGLE, "mailgun.org": [("TXT", "v=spf1 include:_spf.mailgun.org -all")]}
    result = budget(
        "v=spf1 include:_spf.google.com include:mailgun.org ~all",
        world,
        failing=["_spf.mailgun.org"],
    )
    assert result.problems == ()
    assert result.unchecked == (
        "include:mailgun.org -> include:_spf.mailgun.org: the SPF record at _spf.mailgun.org "
        "could not be checked (timeout)",
    )
    assert not result.ok
    # a receiver gives temperror, not permerror
    world[NAME] = [("TXT", "v=spf1 include:mailgun.org ~all")]
    verdict = asyncio.run(
        check_host("203.0.113.1", NAME, StaticResolver(world, failing=["_spf.mailgun.org"]))
    )
    assert verdict.result == "temperror"


def test_what_depends_on_the_message_counts_one_and_is_not_followed() -> None:
    world = {"_spf.salesforce.com": [("TXT", "v=spf1 exists:%{i}._spf.mta.salesforce.com -all")]}
    result = budget("v=spf1 include:_spf.salesforce.com ptr include:%{l}.x.example -all", world)
    assert result.lookups == 2 + 1 + 1
    assert [n.note for n in result.tree] == [
        None,
        "depends on the sending address (ptr, RFC 7208 §5.5)",
        "depends on the message (a macro): counted 1, not followed",
    ]
    # %{d} alone is known: the record's own domain
    world[f"_spf.{NAME}"] = [("TXT", "v=spf1 a:nx1.example -all")]
    assert budget("v=spf1 include:_spf.%{d} -all", world).lookups == 2


def test_terms_after_the_all_and_a_redirect_beside_it_cost_nothing() -> None:
    assert (
        budget(
            "v=spf1 a -all include:nx.example redirect=nx.example", {NAME: [("A", "192.0.2.1")]}
        ).lookups
        == 1
    )


def test_endless_nesting_stops() -> None:
    class Endless:
        async def lookup(self, name: str, rtype: str) -> Lookup:
            return Lookup(name, rtype, (f"v=spf1 include:x.{name} include:y.{name}",))

    result = asyncio.run(check_budget(NAME, "v=spf1 include:a.example", Endless()))
    assert not result.complete
    assert result.problems[0].startswith(f"the SPF record at {NAME} needs at least ")


def test_a_diamond_is_counted_twice_and_is_no_loop() -> None:
    world = {
        "a.x.example": [("TXT", "v=spf1 include:c.x.example")],
        "b.x.example": [("TXT", "v=spf1 include:c.x.example")],
        "c.x.example": [("TXT", "v=spf1 ip4:192.0.2.1")],
    }
    result = budget("v=spf1 include:a.x.example include:b.x.example", world)
    assert (result.lookups, result.problems) == (4, ())


# --- check_host ----------------------------------------------------------------------------------
def test_check_host_a_vendor_address_passes_through_nested_includes() -> None:
    world = {**GOOGLE, **MAILGUN}
    world[NAME] = [("TXT", "v=spf1 include:_spf.google.com include:mailgun.org -all")]
    resolver = StaticResolver(world)
    verdict = asyncio.run(check_host("198.51.100.5", NAME, resolver))
    assert (verdict.result, verdict.reason, verdict.lookups) == (
        "pass",
        "include:mailgun.org at mail.example.com",
        5,
    )
    assert asyncio.run(check_host("2001:db8:4860::1", NAME, resolver)).result == "pass"
    assert asyncio.run(check_host("203.0.113.1", NAME, resolver)).result == "fail"
    # an IPv4-mapped IPv6 address is its IPv4 address (RFC 7208 section 5)
    assert asyncio.run(check_host("::ffff:198.51.100.5", NAME, resolver)).result == "pass"
    networks = asyncio.run(sending_networks("mailgun.org", resolver))
    assert [str(n) for n in networks] == ["198.51.100.0/28"]
    vendor = asyncio.run(check_vendor(NAME, "mailgun.org", resolver))
    assert vendor.passes
    assert [a for a, _ in vendor.verdicts] == ["198.51.100.1"]
    assert not asyncio.run(check_vendor(NAME, "spf.mandrillapp.com", resolver)).passes


def test_check_host_explains_a_fail() -> None:
    world = {
        NAME: [("TXT", "v=spf1 -all exp=why.%{d}")],
        f"why.{NAME}": [("TXT", "%{i} may not send for %{d} (asked by %{r})")],
    }
    verdict = asyncio.run(
        check_host("192.0.2.7", NAME, StaticResolver(world), receiver="mx.example.net")
    )
    assert verdict.result == "fail"
    assert (
        verdict.explanation
        == "192.0.2.7 may not send for mail.example.com (asked by mx.example.net)"
    )


# --- the resolver --------------------------------------------------------------------------------
class Gate:
    """A resolver that holds every query until released, counting them: concurrent asks of a
    name pile up in front of it."""

    def __init__(self, inner: StaticResolver) -> None:
        self.inner = inner
        self.open = asyncio.Event()
        self.calls: list[tuple[str, str]] = []

    async def lookup(self, name: str, rtype: str) -> Lookup:
        self.calls.append((name, rtype))
        await self.open.wait()
        return await self.inner.lookup(name, rtype)


def test_one_query_per_distinct_name_for_a_whole_run() -> None:
    """10,000 domains whose records share includes, checked 64 at a time as the engine's
    workers would: each (name, type) is asked once, the first asks of a name all waiting on
    one query, the later ones answered from the cache."""
    world = {**GOOGLE, **MAILGUN}
    records = iter(
        (
            f"d{n}.example",
            f"v=spf1 include:_spf.google.com include:mailgun.org a:host{n % 5}.x ~all",
        )
        for n in range(10_000)
    )

    async def run() -> tuple[Gate, CachedResolver, list[int]]:
        gate = Gate(StaticResolver(world))
        cached = CachedResolver(gate, concurrency=8)
        lookups: list[int] = []

        async def worker() -> None:
            for name, record in records:
                lookups.append((await check_budget(name, record, cached)).lookups)

        workers = [asyncio.create_task(worker()) for _ in range(64)]
        for _ in range(1000):  # let every worker run up to its first wait
            await asyncio.sleep(0)
        assert 0 < len(gate.calls) <= 8  # each asked once, eight at a time (concurrency=8)
        assert len(gate.calls) == len(set(gate.calls))
        gate.open.set()
        await asyncio.gather(*workers)
        return gate, cached, lookups

    gate, cached, lookups = asyncio.run(run())
    assert len(lookups) == 10_000
    assert set(lookups) == {8}
    distinct = {
        ("_spf.google.com", "TXT"),
        ("_netblocks.google.com", "TXT"),
        ("_netblocks2.google.com", "TXT"),
        ("mailgun.org", "TXT"),
        ("_spf.mailgun.org", "TXT"),
        ("smtp.mailgun.org", "A"),
        ("smtp.mailgun.org", "AAAA"),
        ("_spf.mailgun.org", "MX"),
        *((f"host{n}.x", t) for n in range(5) for t in ("A", "AAAA")),
    }
    assert sorted(gate.calls) == sorted(distinct)
    assert cached.queries == len(distinct)


def test_a_cancelled_asker_leaves_the_query_to_the_others() -> None:
    async def run() -> Lookup:
        gate = Gate(StaticResolver({"a.example": [("TXT", "v=spf1 -all")]}))
        cached = CachedResolver(gate)
        first = asyncio.create_task(cached.lookup("a.example", "TXT"))
        second = asyncio.create_task(cached.lookup("A.example.", "txt"))
        await asyncio.sleep(0)
        first.cancel()
        gate.open.set()
        found = await second
        assert gate.calls == [("a.example", "TXT")]
        return found

    assert asyncio.run(run()).values == ("v=spf1 -all",)


def test_open_resolver_takes_the_argument_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(RESOLVER_ENV, "192.0.2.53:5353, 192.0.2.54")
    inner = open_resolver().inner
    assert isinstance(inner, DnsResolver)
    assert inner.servers == [("192.0.2.53", 5353), ("192.0.2.54", 53)]
    inner = open_resolver("127.0.0.1:8053").inner
    assert isinstance(inner, DnsResolver)
    assert inner.servers == [("127.0.0.1", 8053)]
    with pytest.raises(InvalidInputError, match="--resolver"):
        open_resolver("resolver.example:53")
    monkeypatch.setenv(RESOLVER_ENV, "192.0.2.53:notaport")
    with pytest.raises(InvalidInputError, match=RESOLVER_ENV):
        open_resolver()
    monkeypatch.delenv(RESOLVER_ENV)
    inner = open_resolver().inner
    assert isinstance(inner, DnsResolver)
    assert inner.servers is None  # the system's


def test_a_resolver_that_cannot_answer_says_so() -> None:
    """Nothing listens on the port: every lookup is an error (could not be checked), not an
    answer that the name is empty."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        resolver = CachedResolver(DnsResolver([("127.0.0.1", port)], timeout=0.2, lifetime=0.5))
        result = asyncio.run(check_budget(NAME, "v=spf1 include:mailgun.org -all", resolver))
    assert result.problems == ()
    assert result.unchecked == (
        "include:mailgun.org: the SPF record at mailgun.org could not be checked (timeout)",
    )
