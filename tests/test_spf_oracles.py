"""maildns's SPF verdicts against two implementations nobody here wrote.

- pyspf (``spf.query(...).check()``, the OpenSPF suite's reference implementation) evaluates
  the same small worlds of DNS data as maildns's ``check_host``: the results must be equal.
- checkdmarc (``parse_spf_record``, maintained, its own parser and lookup counter) counts the
  DNS lookups and void lookups of every valid record maildns's ``check_budget`` counts: the
  counts, and whether the record is over a limit, loops or includes nothing, must agree.

Both read the world through their own DNS plumbing, fed from the same mapping: pyspf through
its ``DNSLookup`` hook, checkdmarc through a dnspython resolver that answers from it.

Where the two oracles are known to stray from RFC 7208 the worlds avoid it (each stated where
it is avoided): pyspf counts a ``redirect=`` beside an ``all`` as a lookup at parse time
(§6.1 says it is ignored), so generated records end in an ``all`` or a ``redirect``, never
both; checkdmarc is lenient about syntax (``a:192.0.2.25``, a tab between terms: a warning,
not an error), guesses a ``ptr``'s void lookup from the domain's own addresses and never
looks up an ``exists:`` name (so never counts it void), so only records both maildns and
pyspf call valid, with no ``ptr`` and no literal ``exists:`` name, go to it.
"""

from __future__ import annotations

import asyncio
import socket
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maildns.onboarding._resolve import StaticResolver, normalized
from maildns.onboarding._spf import Spf, SpfError, is_spf
from maildns.onboarding._spfcheck import check_budget, check_host

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pyspf's old escapes, cryptography's DSA deprecation
    import checkdmarc.spf as checkdmarc_spf
    import checkdmarc.utils as checkdmarc_utils
    import dns.message
    import dns.name
    import dns.rdataclass
    import dns.rdatatype
    import dns.resolver
    import dns.rrset
    import spf as pyspf

World = dict[str, list[tuple[str, str]]]
TOP = "test.example"
SENDERS = ("192.0.2.1", "198.51.100.7", "203.0.113.9", "2001:db8::1", "2001:db8:ff::9")
"""Addresses each world is evaluated for: matched directly, matched through an include, by
nothing, and two IPv6 ones."""

BASE: World = {
    "h1.example": [("A", "192.0.2.77")],
    "h6.example": [("AAAA", "2001:db8::77")],
    "hb.example": [("A", "203.0.113.9"), ("AAAA", "2001:db8::1")],
    "mx.example": [("MX", "h1.example"), ("MX", "hb.example")],
    "192.0.2.1.ex.example": [("A", "127.0.0.2")],
    "exp.example": [("TXT", "not from %{i}")],
    "plain.example": [("TXT", "google-site-verification=abc")],
}
"""Names every world has: hosts with addresses, an MX name, a name exists: finds for
192.0.2.1, an explanation, a name with a TXT record that is not SPF. ``nx*.example`` never
exist."""


# --- the oracles' DNS ------------------------------------------------------------------------
def pyspf_lookup(world: World) -> Any:
    """pyspf's ``DNSLookup`` hook over ``world``, in the shapes its tests feed it."""

    def lookup(name: str, qtype: str, strict: bool = True, timeout: Any = None) -> Iterator[Any]:
        for rtype, value in world.get(normalized(name), []):
            if rtype != qtype:
                continue
            if rtype == "TXT":
                data: Any = (value.encode("latin-1"),)
            elif rtype == "AAAA":
                data = socket.inet_pton(socket.AF_INET6, value)
            elif rtype == "MX":
                data = (10, value)
            else:
                data = value
            yield ((normalized(name), rtype), data)

    return lookup


class WorldResolver(dns.resolver.Resolver):
    """A dnspython resolver that answers from ``world`` (checkdmarc's DNS)."""

    def __init__(self, world: World) -> None:
        super().__init__(configure=False)
        self.nameservers = ["192.0.2.53"]  # never asked
        self.world = world

    def resolve(self, qname: Any, rdtype: Any = "A", *args: Any, **kwargs: Any) -> Any:
        name = normalized(str(qname))
        rdtype = dns.rdatatype.from_text(rdtype) if isinstance(rdtype, str) else rdtype
        owner = dns.name.from_text(name)
        if name not in self.world:
            raise dns.resolver.NXDOMAIN(qnames=[owner])
        rows = [v for t, v in self.world[name] if dns.rdatatype.from_text(t) == rdtype]
        if not rows:
            raise dns.resolver.NoAnswer()
        texts = []
        for value in rows:
            if rdtype == dns.rdatatype.TXT:
                texts.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
            elif rdtype == dns.rdatatype.MX:
                texts.append(f"10 {value}.")
            else:
                texts.append(value)
        response = dns.message.make_response(dns.message.make_query(owner, rdtype))
        rrset = response.find_rrset(response.answer, owner, dns.rdataclass.IN, rdtype, create=True)
        rrset.update(dns.rrset.from_text_list(owner, 300, "IN", rdtype, texts))
        return dns.resolver.Answer(owner, rdtype, dns.rdataclass.IN, response)


def pyspf_result(world: World, ip: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(pyspf, "DNSLookup", pyspf_lookup(world))
    query = pyspf.query(i=ip, s=f"someone@{TOP}", h=TOP, strict=True)
    result: str = query.check()[0]
    return {"unknown": "permerror", "error": "temperror"}.get(result, result)


def ours(world: World, ip: str) -> str:
    return asyncio.run(check_host(ip, TOP, StaticResolver(world), helo=TOP)).result


CheckdmarcVerdict = tuple[str, int | None, int | None]


def checkdmarc_verdict(world: World, record: str) -> CheckdmarcVerdict:
    """("ok", lookups, voids), or the name of checkdmarc's error and its count if any."""
    checkdmarc_utils.DNS_CACHE.clear()  # its process-wide cache would answer from older worlds
    try:
        parsed = checkdmarc_spf.parse_spf_record(record, TOP, resolver=WorldResolver(world))
    except checkdmarc_spf.SPFTooManyDNSLookups as error:
        return ("lookups", error.data["dns_lookups"], None)
    except checkdmarc_spf.SPFTooManyVoidDNSLookups as error:
        return ("voids", None, error.data["void_dns_lookups"])
    except (
        checkdmarc_spf.SPFIncludeLoop,
        checkdmarc_spf.SPFRedirectLoop,
        checkdmarc_spf.SPFRecordNotFound,
        checkdmarc_spf.MultipleSPFRTXTRecords,
        checkdmarc_spf.SPFSyntaxError,
    ) as error:
        return (type(error).__name__, None, None)
    return ("ok", parsed["dns_lookups"], parsed["void_dns_lookups"])


def budget_verdict(world: World, record: str) -> tuple[set[str], int, int]:
    """maildns's budget in checkdmarc's terms: the kinds of problem it finds (each problem
    sentence names its kind), the lookups and the void lookups."""
    budget = asyncio.run(check_budget(TOP, record, StaticResolver(world)))
    assert budget.unchecked == ()
    kinds = set()
    for problem in budget.problems:
        if "DNS lookups, over" in problem:
            kinds.add("lookups")
        elif "void lookups" in problem:
            kinds.add("voids")
        elif "loop" in problem:
            kinds.add("loop")
        elif "holds no SPF record" in problem or "does not exist" in problem:
            kinds.add("SPFRecordNotFound")
        else:
            kinds.add(problem)  # unexpected: shows in the failure
    return kinds, budget.lookups, budget.voids


def agree(world: World, record: str) -> None:
    """checkdmarc stops at the first problem it meets: that one is among maildns's, with
    the same count; a record checkdmarc passes, maildns passes with the same counts."""
    kinds, lookups, voids = budget_verdict(world, record)
    verdict = checkdmarc_verdict(world, record)
    kind = {
        "SPFIncludeLoop": "loop",
        "SPFRedirectLoop": "loop",
        "MultipleSPFRTXTRecords": "SPFRecordNotFound",
    }.get(verdict[0], verdict[0])
    if kind == "ok":
        assert (kinds, lookups, voids) == (set(), verdict[1], verdict[2]), _shown(world)
        return
    assert kind in kinds, (verdict, kinds, _shown(world))
    if kind == "lookups" and "loop" not in kinds:  # checkdmarc may stop once over, too
        assert 10 < verdict[1] <= lookups, _shown(world)
    if kind == "voids":  # checkdmarc stops once over (after a record), maildns counts all
        assert 3 <= verdict[2] <= voids, _shown(world)


# --- hand-picked records ---------------------------------------------------------------------
HAND_PICKED = [
    "v=spf1 a:192.0.2.25 include:inc1.example ~all",  # an all-numeric top label (§7.1)
    "v=spf1 a:museum -all",
    "v=spf1 a:example.-com -all",
    "v=spf1 include:inc1.example/24 -all",
    "v=spf1 redirect=-all",
    "v=spf1 ip4:192.0.2.1\tinclude:inc1.example -all",  # a tab is no separator (§4.6.1)
    "v=spf1 ip4:192.0.2.1\r\ninclude:inc1.example -all",
    "v=spf1 exists:%{c}.ex.example -all",  # c, r, t only in explanations (§7.1)
    "v=spf1 exists:%{r}.ex.example -all",
    "v=spf1 -all foo=%{t}",
    "v=spf1 ip4:192.0.2.0/032 -all",
    "v=spf1 ip4:192.0.2.01 -all",
    "v=spf1 ip6:2001:db8::1%eth0 -all",
    "v=spf1 include:inc1.example -all",
    "v=spf1 ip4:192.0.2.0/24 a mx include:inc1.example ~all",
    "v=spf1 a:nx1.example a:nx2.example include:inc1.example -all",  # two voids: at the limit
    "v=spf1 a:nx1.example a:nx2.example a:nx3.example include:inc1.example -all",  # three
    "v=spf1 mx:mx.example exists:%{i}.ex.example -all",
    "v=spf1 include:nx4.example -all",  # include of nothing (§5.2)
    "v=spf1 include:plain.example -all",  # a TXT record, not SPF
    "v=spf1 redirect=inc1.example",
    "v=spf1 redirect=nx5.example",
    "v=spf1 include:test.example -all",  # a loop
    "v=spf1 " + " ".join(["a mx"] * 5) + " -all",  # ten lookups
    "v=spf1 " + " ".join(["a mx"] * 5) + " include:inc1.example -all",  # eleven and more
    "v=spf1 -all exp=exp.example",
    "v=spf1 ?all",
    "v=spf1",
]
INCLUDED = {
    "inc1.example": "v=spf1 ip4:198.51.100.0/24 include:inc2.example ~all",
    "inc2.example": "v=spf1 a:h1.example mx:mx.example -all",
}


def hand_world(record: str) -> World:
    return {
        **BASE,
        TOP: [("TXT", record)],
        **{name: [("TXT", text)] for name, text in INCLUDED.items()},
    }


@pytest.mark.parametrize("record", HAND_PICKED)
@pytest.mark.parametrize("ip", SENDERS)
def test_check_host_agrees_with_pyspf(
    record: str, ip: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = hand_world(record)
    assert ours(world, ip) == pyspf_result(world, ip, monkeypatch)


def _syntax_only(record: str) -> bool:
    """Whether pyspf's verdict on ``record`` alone is about its syntax: ``include``,
    ``redirect`` and lookup counts make permerrors that need DNS."""
    return not any(word in record for word in ("include:", "redirect=", " a mx a mx", "nx"))


def _valid(record: str) -> bool:
    try:
        Spf.parse(record)
    except SpfError:
        return False
    return True


@pytest.mark.parametrize("record", [r for r in HAND_PICKED if _syntax_only(r)])
def test_the_parser_agrees_with_pyspf(record: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Valid for maildns's parser (no DNS) when pyspf evaluates the record, alone in a world
    where nothing else exists, without a permerror (records whose permerror needs DNS are
    judged by the check_host and budget tests)."""
    world = {**BASE, TOP: [("TXT", record)]}
    try:
        Spf.parse(record)
        valid = True
    except SpfError:
        valid = False
    assert valid == (pyspf_result(world, "203.0.113.9", monkeypatch) != "permerror")


@pytest.mark.parametrize("record", [r for r in HAND_PICKED if _valid(r)])
def test_the_budget_agrees_with_checkdmarc(record: str) -> None:
    """On the valid records (checkdmarc only warns about some invalid ones)."""
    agree(hand_world(record), record)


def test_the_oracles_see_what_the_brief_saw(monkeypatch: pytest.MonkeyPatch) -> None:
    """The two records this work started from, as the oracles judge them."""
    world = hand_world("v=spf1 a:192.0.2.25 include:inc1.example ~all")
    assert pyspf_result(world, "198.51.100.7", monkeypatch) == "permerror"
    with pytest.raises(SpfError, match="ends in a number"):
        Spf.parse("v=spf1 a:192.0.2.25 include:inc1.example ~all")


# --- generated worlds ------------------------------------------------------------------------
LOOKUP_TERMS = [
    "a",
    "a/24",
    "a:h1.example",
    "a:h6.example//64",
    "a:hb.example",
    "a:nx1.example",
    "a:nx2.example",
    "mx",
    "mx:mx.example",
    "mx:nx3.example",
    "exists:%{i}.ex.example",
    "exists:h1.example",
    "exists:nx6.example",
]
ADDRESS_TERMS = ["ip4:192.0.2.0/24", "ip4:192.0.2.1", "ip4:198.51.100.0/25", "ip6:2001:db8::/64"]
INVALID_TERMS = [
    "a:192.0.2.25",
    "a:museum",
    "include:inc1.example/24",
    "ip4:192.0.2.0/032",
    "exists:%{c}.ex.example",
    "foo=%{t}",
    "mx\t-all",
    "a:h1.example\r",
    "redirect=-all",
    "%{d}.example",
]


@st.composite
def records(draw: st.DrawFn, name: str, includes: list[str], invalid: bool) -> str:
    vocabulary = LOOKUP_TERMS + ADDRESS_TERMS + [f"include:{i}" for i in includes]
    if invalid:
        vocabulary += INVALID_TERMS
    else:  # for checkdmarc, which never looks an exists: name up (see below)
        vocabulary = [t for t in vocabulary if t not in ("exists:h1.example", "exists:nx6.example")]
    terms = [
        draw(st.sampled_from(["", "-", "~", "?"])) + draw(st.sampled_from(vocabulary))
        for _ in range(draw(st.integers(0, 7)))
    ]
    terms = [t.lstrip("-~?") if "=" in t else t for t in terms]  # modifiers take none
    if draw(st.booleans()):
        terms.append(draw(st.sampled_from(["exp=exp.example", "x-note=hello"])))
    # an all or a redirect, never both: pyspf counts a redirect beside an all (see above)
    tail = draw(
        st.sampled_from(["-all", "~all", "?all", "+all", "", *(f"redirect={i}" for i in includes)])
    )
    return " ".join(["v=spf1", *terms, *([tail] if tail else [])])


@st.composite
def worlds(draw: st.DrawFn, invalid: bool = True) -> World:
    """The top record and up to three included ones, which may include each other (and loop
    back to the top), over ``BASE``."""
    world: World = dict(BASE)
    names = ["inc1.example", "inc2.example", "inc3.example"]
    for index, name in enumerate(names):
        later = names[index + 1 :] + draw(st.sampled_from([[], [TOP], ["nx4.example"]]))
        if draw(st.integers(0, 4)):
            world[name] = [("TXT", draw(records(name, later, invalid)))]
    world[TOP] = [("TXT", draw(records(TOP, [*names, "nx4.example"], invalid)))]
    return world


oracle_settings = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@oracle_settings
@given(world=worlds())
def test_generated_worlds_agree_with_pyspf(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    for ip in SENDERS:
        assert ours(world, ip) == pyspf_result(world, ip, monkeypatch), (ip, world)


def _all_valid(world: World) -> bool:
    for rows in world.values():
        for rtype, text in rows:
            if rtype == "TXT" and is_spf(text):
                try:
                    Spf.parse(text)
                except SpfError:
                    return False
    return True


@oracle_settings
@given(world=worlds(invalid=False))
def test_generated_worlds_agree_with_checkdmarc(world: World) -> None:
    assert _all_valid(world)
    agree(world, world[TOP][0][1])


def _shown(world: World) -> dict[str, list[tuple[str, str]]]:
    return {name: rows for name, rows in world.items() if name not in BASE}
