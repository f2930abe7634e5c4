"""The OpenSPF RFC 7208 test suite (``tests/openspf``), every case, against maildns's SPF code.

Each scenario's ``zonedata`` is served by a resolver stub that follows the suite's own
conventions (those of its reference driver, pyspf's ``testspf.py``): a record given as
``SPF`` is also served as TXT unless the name has a TXT entry of its own (``TXT: NONE`` then
means no TXT record); ``TIMEOUT`` makes every query of a type not listed before it time out; a
name absent from the data does not exist; CNAMEs are followed. The identity checked is the
MAIL FROM domain, or the HELO name when MAIL FROM is empty (``postmaster@<helo>``), as the
suite prescribes. A case passes when maildns's ``check_host`` gives its result (one of them
when several are allowed) and, where it names one, its explanation (``DEFAULT`` when the
domain gives none).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from maildns.onboarding._resolve import Lookup, normalized
from maildns.onboarding._spf import Spf, SpfError, is_spf
from maildns.onboarding._spfcheck import check_host

SUITE = Path(__file__).parent / "openspf" / "rfc7208-tests.yml"
# libyaml's parser (the same safe constructor): a tenth of the pure-Python parser's time, paid
# by every worker that collects this module.
SCENARIOS: list[dict[str, Any]] = list(
    yaml.load_all(SUITE.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
)

OUT_OF_SCOPE: dict[str, str] = {}
"""Cases not run, by name, each with the reason. None: maildns evaluates every one."""


class SuiteZone:
    """A scenario's ``zonedata`` as a resolver (the suite's driver conventions, above)."""

    def __init__(self, zonedata: dict[str, list[Any]]) -> None:
        self.names: dict[str, list[Any]] = {}
        for name, entries in zonedata.items():
            rows: list[Any] = []
            generated: list[tuple[str, Any]] = []
            own_txt = any(isinstance(e, dict) and "TXT" in e for e in entries)
            for entry in entries:
                if not isinstance(entry, dict):
                    rows.append(entry)  # TIMEOUT
                    continue
                ((rtype, value),) = entry.items()
                if rtype == "SPF" and not own_txt:
                    generated.append(("TXT", value))
                if value != "NONE":
                    rows.append((rtype, value))
            self.names[normalized(name)] = rows + generated

    async def lookup(self, name: str, rtype: str) -> Lookup:
        current, seen = normalized(name), set()
        while current not in seen:
            seen.add(current)
            rows = self.names.get(current)
            if rows is None:
                return Lookup(name, rtype, nxdomain=True)
            values: list[str] = []
            cname = None
            for row in rows:
                if row == "TIMEOUT":
                    if not values:
                        return Lookup(name, rtype, error="timeout")
                    break
                kind, value = row
                if kind == rtype:
                    values.append(_text(kind, value))
                elif kind == "CNAME":
                    cname = normalized(value)
            if values or cname is None:
                return Lookup(name, rtype, tuple(values))
            current = cname
        return Lookup(name, rtype, error="CNAME loop")


def _text(rtype: str, value: Any) -> str:
    if rtype in ("TXT", "SPF"):
        return value if isinstance(value, str) else "".join(value)
    if rtype == "MX":
        return normalized(value[1])
    if rtype == "PTR":
        return normalized(value)
    return str(value)


def cases() -> Iterator[Any]:
    for scenario in SCENARIOS:
        for name, case in scenario["tests"].items():
            marks = [pytest.mark.skip(reason=OUT_OF_SCOPE[name])] if name in OUT_OF_SCOPE else []
            yield pytest.param(scenario, case, id=name, marks=marks)


def test_the_whole_suite_is_here() -> None:
    names = [name for scenario in SCENARIOS for name in scenario["tests"]]
    assert len(names) == len(set(names)) == 203
    assert set(OUT_OF_SCOPE) <= set(names)


@pytest.mark.parametrize(("scenario", "case"), list(cases()))
def test_case(scenario: dict[str, Any], case: dict[str, Any]) -> None:
    zone = SuiteZone(scenario["zonedata"])
    mailfrom: str = case["mailfrom"]
    helo: str = case["helo"]
    sender = mailfrom or f"postmaster@{helo}"
    domain = mailfrom.rpartition("@")[2] if mailfrom else helo
    verdict = asyncio.run(check_host(case["host"], domain, zone, sender=sender, helo=helo))
    expected = case["result"] if isinstance(case["result"], list) else [case["result"]]
    assert verdict.result in expected, f"{case.get('description', '')}: {verdict}"
    if "explanation" in case:
        assert (verdict.explanation or "DEFAULT") == case["explanation"], verdict


EVALUATED_PERMERRORS: dict[str, str] = {
    "multitxt1": "two SPF records at the name (§4.5): each is valid by itself",
    "multitxt2": "two SPF records at the name (§4.5)",
    "multispf1": "two SPF records at the name (§4.5)",
    "include-permerror": "the included record is invalid, not this one",
    "include-none": "the included name has no SPF record (§5.2)",
    "redirect-none": "the redirect's name has no SPF record (§6.1)",
    "redirect-loop": "the redirect loops: over the lookup limit (§4.6.4)",
    "include-loop": "the includes loop: over the lookup limit (§4.6.4)",
    "mx-limit": "the name has eleven MX records (§4.6.4)",
    "mech-over-limit": "eleven lookup terms (§4.6.4)",
    "include-over-limit": "eleven lookups once the include is counted (§4.6.4)",
    "void-over-limit": "three names that do not exist (§4.6.4)",
}
"""The suite's permerrors that the record's syntax does not decide, and why (read from the
suite's descriptions): everything else the suite calls permerror, the parser refuses."""

BUDGET_PROBLEMS: dict[str, str] = {
    "include-permerror": "is not valid",
    "include-none": "holds no SPF record",
    "redirect-none": "does not exist",
    "redirect-loop": "includes loop",
    "include-loop": "includes loop",
    "mx-limit": "has 11 MX records",
    "mech-over-limit": "needs 11 DNS lookups",
    "include-over-limit": "needs 11 DNS lookups",
    "void-over-limit": "meets 3 void lookups",
}
"""What maildns's budget (every include followed, no message needed) says of the cases
whose permerror DNS decides."""


def _domain_and_records(scenario: dict[str, Any], case: dict[str, Any]) -> tuple[str, list[str]]:
    mailfrom: str = case["mailfrom"]
    domain = normalized(mailfrom.rpartition("@")[2] if mailfrom else case["helo"])
    rows = SuiteZone(scenario["zonedata"]).names.get(domain, [])
    texts = [_text("TXT", row[1]) for row in rows if row != "TIMEOUT" and row[0] == "TXT"]
    return domain, [text for text in texts if is_spf(text)]


@pytest.mark.parametrize(("scenario", "case"), list(cases()))
def test_the_parser_alone_gives_each_syntax_verdict(
    scenario: dict[str, Any], case: dict[str, Any]
) -> None:
    """The planner's parser (``Spf.parse``: what merge and plan use, no DNS) refuses a
    domain's record exactly when the suite calls the case a permerror for its syntax."""
    _, records = _domain_and_records(scenario, case)
    if len(records) != 1:
        return  # no record, or two: selection (§4.5), not syntax
    name = next(n for n, c in scenario["tests"].items() if c is case)
    results = case["result"] if isinstance(case["result"], list) else [case["result"]]
    if "permerror" in results and len(results) > 1:
        return  # the suite allows either (RFC 7208 leaves it open); maildns refuses, see below
    syntax_error = results == ["permerror"] and name not in EVALUATED_PERMERRORS
    try:
        Spf.parse(records[0])
        refusal = None
    except SpfError as error:
        refusal = str(error)
    assert (refusal is not None) == syntax_error, f"{records[0]!r}: {refusal or 'accepted'}"


@pytest.mark.parametrize("name", ["invalid-domain-empty-label", "invalid-domain-long"])
def test_names_dns_cannot_hold_are_refused(name: str) -> None:
    """Where the suite allows fail or permerror for a name that cannot exist (an empty
    label, a label over 63 octets), maildns's parser refuses it: such a mechanism can only
    fail to match, or be a permerror at receivers that check."""
    scenario = next(s for s in SCENARIOS if name in s["tests"])
    _, (record,) = _domain_and_records(scenario, scenario["tests"][name])
    with pytest.raises(SpfError, match="not a DNS name"):
        Spf.parse(record)


@pytest.mark.parametrize("name", sorted(BUDGET_PROBLEMS))
def test_the_budget_finds_what_dns_decides(name: str) -> None:
    from maildns.onboarding._spfcheck import check_budget

    scenario = next(s for s in SCENARIOS if name in s["tests"])
    domain, records = _domain_and_records(scenario, scenario["tests"][name])
    budget = asyncio.run(check_budget(domain, records[0], SuiteZone(scenario["zonedata"])))
    assert any(BUDGET_PROBLEMS[name] in p for p in budget.problems), budget
    assert budget.unchecked == ()
