"""DMARC as receivers read it (RFC 7489): parse, build, merge, discovery, report authorisation.

Judged against checkdmarc, a DMARC checker nobody here wrote. checkdmarc follows RFC 9989
(DMARCbis), which changed a few of RFC 7489's rules; where the two disagree, the tests name
the rule and check that checkdmarc at least warns about it. Its DNS is answered from a table
(``OracleDns``): only its lookups are replaced, never its judgement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from unittest import mock

import attrs
import checkdmarc.dmarc as cd
import checkdmarc.utils
import dns.resolver
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maildns.errors import InvalidInputError
from maildns.onboarding._dmarc import (
    DEFAULT_POLICY,
    POLICIES,
    Discovery,
    Dmarc,
    DmarcError,
    DmarcPlan,
    DmarcPolicy,
    ReportUri,
    aligned,
    authorisation_names,
    build,
    check_authorisations,
    discover,
    is_dmarc,
    merge,
    organisational_domain,
    plan_record,
    policy_names,
    problems,
)

# --------------------------------------------------------------------------- the oracle


@contextmanager
def oracle_dns(table: Mapping[str, Sequence[str]] | None = None) -> Iterator[None]:
    """checkdmarc's DNS answered from ``table`` (TXT texts by name); other names and types
    do not exist. Every report domain has an MX, so that checkdmarc's MX check stays quiet."""
    records = {k.lower(): list(v) for k, v in (table or {}).items()}

    def query_dns(domain: str, record_type: str, **_: Any) -> list[str]:
        found = records.get(domain.lower().rstrip("."))
        if record_type != "TXT" or found is None:
            raise dns.resolver.NXDOMAIN
        if not found:
            raise dns.resolver.NoAnswer
        return found

    def get_mx_records(domain: str, **_: Any) -> list[dict[str, Any]]:
        return [{"hostname": f"mx.{domain}", "preference": 10}]

    with (
        mock.patch.object(cd, "query_dns", query_dns),
        mock.patch.object(cd, "get_mx_records", get_mx_records),
    ):
        yield


def checkdmarc_reads(record: str, domain: str = "example.com") -> dict[str, Any]:
    """checkdmarc's parse: its tags (with defaults) and warnings; DMARCError when it refuses."""
    with oracle_dns():
        return dict(cd.parse_dmarc_record(record, domain))


def same_reading(ours: Dmarc, theirs: dict[str, Any]) -> None:
    tags = {name: tag["value"] for name, tag in theirs["tags"].items()}
    assert tags["p"] == ours.p
    assert tags["sp"] == ours.subdomain_policy
    assert tags["np"] == ours.nonexistent_policy
    assert tags["adkim"] == ours.dkim_alignment
    assert tags["aspf"] == ours.spf_alignment
    if ours.fo is not None:
        assert tags["fo"] == ":".join(ours.fo)
    for tag in ("rua", "ruf"):
        mine = [(u.scheme, u.address or u.uri, u.size) for u in getattr(ours, tag)]
        found = [(u["scheme"], u["address"], u["size_limit"]) for u in tags.get(tag, [])]
        assert found == mine, tag


# Where RFC 9989 (checkdmarc) and RFC 7489 (maildns) part: our problem, and what checkdmarc
# must say about it instead of refusing (None: checkdmarc is silent, a leniency of its own).
RFC9989_WARNS: list[tuple[str, str | None]] = [
    # RFC 9989 made p= optional (absent is none); RFC 7489 §6.3 requires it
    (r"p= is required", "missing p tag"),
    # RFC 9989 removed pct, ri and rf; RFC 7489 gives their syntax
    (r"^(pct|ri|rf)=", "Support for the {0} tag was removed"),
    # RFC 9989 §4.8 discards a bad alignment mode for r with a warning
    (r"^(adkim|aspf)=", "is not a valid {0} tag value"),
    # RFC 9989 obsoletes !size; RFC 7489 §6.4 allows only digits and k, m, g or t
    (r"the size after '!'", "size limit"),
    # checkdmarc ignores an unknown tag before counting it; RFC 6376 §3.2 refuses any repeat
    (r"^tag (?!(?:p|sp|np|rua|ruf|adkim|aspf|fo|pct|ri|rf|v)=)(\w+)= appears", "Unknown DMARC"),
    # checkdmarc's mailto pattern matches a prefix and does not check the host
    (r"a URI holds no spaces|is not a domain name|mailto: needs an address", None),
]


# Where checkdmarc refuses what RFC 7489 allows.
CHECKDMARC_STRICTER = [
    # RFC 7489 §6.4: dmarc-fo allows *WSP around ':'; checkdmarc splits on ':' alone
    r"fo *= *[^;]*(?:[ \t]:|:[ \t])",
]


def test_checkdmarc_refuses_spaces_in_fo_that_rfc7489_allows() -> None:
    text = "v=DMARC1; p=none; ruf=mailto:f@example.com; fo=d : s"
    assert problems(text) == ()
    assert Dmarc.parse(text).fo == ("d", "s")
    assert re.search(CHECKDMARC_STRICTER[0], text)
    with pytest.raises(cd.InvalidDMARCTagValue):
        checkdmarc_reads(text)


def disagreement_is_known(problem: str, warnings: list[str]) -> bool:
    for pattern, warning in RFC9989_WARNS:
        found = re.search(pattern, problem)
        if found:
            if warning is None:
                return True
            expected = warning.format(*found.groups())
            return any(expected in w for w in warnings)
    return False


# --------------------------------------------------------------------------- parse


VALID = [
    "v=DMARC1; p=none",
    "v=DMARC1; p=none;",
    "V=DMARC1; P=Reject",
    "v=DMARC1 ; p = quarantine ; ",
    "v=DMARC1;p=reject;sp=none;np=reject",
    "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com",
    "v=DMARC1; p=reject; rua=mailto:a@example.com, mailto:b@reports.example.net!10m",
    "v=DMARC1; p=none; ruf=mailto:forensic@example.com!5; fo=0:d; rf=afrf; ri=3600",
    "v=DMARC1; p=reject; adkim=s; aspf=S; pct=100",
    "v=DMARC1; p=quarantine; pct=007; fo=1:s",
    "v=DMARC1; p=none; rua=https://reports.example.net/dmarc",
    "v=DMARC1; p=none; x=y; foo=bar baz",
]


@pytest.mark.parametrize("text", VALID)
def test_valid_records_read_as_checkdmarc_reads_them(text: str) -> None:
    assert is_dmarc(text)
    assert problems(text) == ()
    same_reading(Dmarc.parse(text), checkdmarc_reads(text))


INVALID = [
    # (record, our reason, whether checkdmarc refuses it too)
    ("v=dmarc1; p=none", "must start with v=DMARC1", True),
    ("p=none; v=DMARC1", "must start with v=DMARC1", True),
    ("v=DMARC1 p=none", "must start with v=DMARC1", True),
    ("v=DMARC1;; p=none", "an empty tag", True),
    ("v=DMARC1; p=foo", "p=foo: must be none, quarantine or reject", True),
    ("v=DMARC1; p=none; sp=all", "sp=all: must be", True),
    ("v=DMARC1; p=none; np=x", "np=x: must be", True),
    ("v=DMARC1; p=none; p=reject", "tag p= appears 2 times", True),
    ("v=DMARC1; p=none; rua=dmarc@example.com", "is not a URI", True),
    ("v=DMARC1; p=none; rua=mailto:", "is not a URI", True),
    ("v=DMARC1; p=none; rua=", "is not a URI", True),
    ("v=DMARC1; p=none; fo=2", "'2' is not a failure option", True),
    ("v=DMARC1; p=none; garbage", "'garbage' is not a tag", True),
    ("v=DMARC1; p=none; 1x=y", "'1x' is not a tag name", True),
    ("v=DMARC1; p=none; x=caf\u00e9", "outside visible ASCII", True),
    # RFC 7489 rules that RFC 9989 dropped or softened
    ("v=DMARC1", "p= is required", False),
    ("v=DMARC1; rua=mailto:dmarc@example.com", "p= is required", False),
    ("v=DMARC1; p=none; pct=101", "pct=101: must be an integer from 0 to 100", False),
    ("v=DMARC1; p=none; pct=1000", "pct=1000", False),
    ("v=DMARC1; p=none; ri=daily", "ri=daily", False),
    ("v=DMARC1; p=none; rf=iodef", "'iodef' is not a registered format", False),
    ("v=DMARC1; p=none; adkim=relaxed", "adkim=relaxed: must be r", False),
    ("v=DMARC1; p=none; rua=mailto:d@example.com!10x", "the size after '!'", False),
    ("v=DMARC1; p=none; x=1; x=2", "tag x= appears 2 times", False),
    ("v=DMARC1; p=none; rua=mailto:d@exa mple.com", "a URI holds no spaces", False),
    ("v=DMARC1; p=none; ruf=mailto:d@localhost", "'localhost' is not a domain name", False),
]


@pytest.mark.parametrize(("text", "reason", "refused"), INVALID)
def test_invalid_records_name_the_reason(text: str, reason: str, refused: bool) -> None:
    found = problems(text)
    assert any(reason in p for p in found), found
    with pytest.raises(DmarcError) as info:
        Dmarc.parse(text)
    assert info.value.problems == found
    assert str(info.value) == "; ".join(found)
    if refused:
        with pytest.raises(cd.DMARCError):
            checkdmarc_reads(text)
    else:
        warnings = checkdmarc_reads(text)["warnings"]
        assert all(disagreement_is_known(p, warnings) for p in found), (found, warnings)


def test_every_problem_is_reported_together() -> None:
    assert problems("v=DMARC1; sp=x; pct=200; rua=a@b.com,mailto:ok@example.com; adkim=q") == (
        "sp=x: must be none, quarantine or reject",
        "pct=200: must be an integer from 0 to 100",
        "rua=: 'a@b.com' is not a URI (e.g. mailto:dmarc@example.com)",
        "adkim=q: must be r (relaxed) or s (strict)",
        "p= is required in a policy record (RFC 7489 §6.3)",
    )


def test_a_lenient_reading_discards_what_a_receiver_discards() -> None:
    text = "v=DMARC1; p=reject; pct=200; rua=junk,mailto:ok@example.com; adkim=q; sp=none; sp=x"
    record = Dmarc.parse(text, strict=False)
    assert record.p == "reject"
    assert record.pct is None
    assert record.percent == 100
    assert [str(u) for u in record.rua] == ["mailto:ok@example.com"]
    assert record.adkim is None
    assert record.dkim_alignment == "r"
    assert record.sp is None  # given twice: discarded
    with pytest.raises(DmarcError, match="must start with v=DMARC1"):
        Dmarc.parse("v=spf1 -all", strict=False)


def test_reading_defaults_and_the_canonical_text() -> None:
    record = Dmarc.parse(
        "v=DMARC1; X=1; pct=50; RUA=mailto:A@Example.com!10M; P=Quarantine; sp=reject"
    )
    assert (record.p, record.sp, record.np) == ("quarantine", "reject", None)
    assert record.subdomain_policy == "reject"
    assert record.nonexistent_policy == "reject"
    assert record.rua == (ReportUri("mailto:A@Example.com", "10m"),)
    assert record.rua[0].address == "A@Example.com"
    assert record.rua[0].host == "example.com"
    assert record.tags[0] == ("X", "1")  # as written
    assert str(record) == (
        "v=DMARC1; p=quarantine; sp=reject; rua=mailto:A@Example.com!10m; pct=50; X=1"
    )
    # the canonical text reads back the same (its tags in the new order)
    assert attrs.evolve(Dmarc.parse(str(record)), tags=record.tags) == record


@pytest.mark.parametrize(
    "text",
    ["v=DMARC1", "v=DMARC1;", "V = DMARC1 ; p=none", "v=DMARC1\t;p=none"],
)
def test_is_dmarc(text: str) -> None:
    assert is_dmarc(text)


@pytest.mark.parametrize(
    "text", ["", "v=DMARC10", "v=DMARC1p=none", " v=DMARC1", "v=dmarc1", "v=spf1 -all"]
)
def test_is_not_dmarc(text: str) -> None:
    assert not is_dmarc(text)


# --------------------------------------------------------------------------- parse, generated

POLICY_VALUES = ["none", "quarantine", "reject", "Reject", "foo", ""]
TAGS: dict[str, list[str]] = {
    "p": POLICY_VALUES,
    "sp": POLICY_VALUES,
    "np": POLICY_VALUES,
    "adkim": ["r", "s", "S", "x"],
    "aspf": ["r", "s", "relaxed"],
    "pct": ["0", "50", "100", "007", "101", "abc", "1000"],
    "ri": ["86400", "x"],
    "fo": ["0", "1", "d", "s", "0:d", "d : s", "2"],
    "rf": ["afrf", "AFRF", "iodef"],
    "x": ["y", "two words"],
    "t": ["y"],
}
URIS = [
    "mailto:dmarc@example.com",
    "mailto:r@reports.example.net!10m",
    "mailto:x@example.org!10x",
    "dmarc@example.com",
    "https://reports.example.net/dmarc",
    "mailto:",
    "mailto:a@localhost",
]


@st.composite
def dmarc_texts(draw: st.DrawFn) -> str:
    names = draw(st.lists(st.sampled_from([*TAGS, "rua", "ruf"]), max_size=6))
    if draw(st.booleans()):
        names.insert(0, "p")
    tags = []
    for name in names:
        if name in {"rua", "ruf"}:
            uris = draw(st.lists(st.sampled_from(URIS), min_size=1, max_size=3))
            value = draw(st.sampled_from([",", ", "])).join(uris)
        else:
            value = draw(st.sampled_from(TAGS[name]))
        tags.append(f"{name}{draw(st.sampled_from(['=', ' = ']))}{value}")
    sep = draw(st.sampled_from(["; ", ";", " ; "]))
    if tags and draw(st.integers(0, 9)) == 0:
        tags.insert(draw(st.integers(0, len(tags))), draw(st.sampled_from(["", "junk", "1x=y"])))
    end = draw(st.sampled_from(["", ";", "; "]))
    return sep.join([draw(st.sampled_from(["v=DMARC1", "V=DMARC1", "v = DMARC1"])), *tags]) + end


@settings(max_examples=300, deadline=None)
@given(dmarc_texts())
def test_generated_records_against_checkdmarc(text: str) -> None:
    """What we accept, checkdmarc accepts and reads alike; what checkdmarc refuses, we refuse;
    what only we refuse is an RFC 7489 rule RFC 9989 dropped, which checkdmarc warns about."""
    found = problems(text)
    try:
        theirs = checkdmarc_reads(text)
    except cd.DMARCError:
        assert found or any(re.search(p, text) for p in CHECKDMARC_STRICTER), text
        return
    if not found:
        same_reading(Dmarc.parse(text), theirs)
    else:
        assert all(disagreement_is_known(p, theirs["warnings"]) for p in found), found


# --------------------------------------------------------------------------- build


def test_build_writes_the_policy_in_canonical_order() -> None:
    assert build(DEFAULT_POLICY) == "v=DMARC1; p=none"
    policy = DmarcPolicy(
        "reject",
        rua=["mailto:dmarc@example.com", "mailto:agg@reports.example.net!50m"],
        ruf="mailto:forensic@example.com",
        pct=25,
        adkim="s",
        aspf="r",
    )
    text = build(policy)
    assert text == (
        "v=DMARC1; p=reject; rua=mailto:dmarc@example.com,mailto:agg@reports.example.net!50m; "
        "ruf=mailto:forensic@example.com; adkim=s; aspf=r; pct=25"
    )
    assert problems(text) == ()
    same_reading(Dmarc.parse(text), checkdmarc_reads(text))


def test_the_policy_is_checked_with_every_problem_together() -> None:
    with pytest.raises(InvalidInputError) as info:
        DmarcPolicy(
            "strict",  # type: ignore[arg-type]
            rua=["dmarc@example.com", "mailto:a@example.com", "MAILTO:A@example.com!5m", 3],  # type: ignore[list-item]
            ruf="mailto:x@",
            pct=101,
            adkim="x",  # type: ignore[arg-type]
            aspf=True,  # type: ignore[arg-type]
        )
    assert [str(p) for p in info.value.problems] == [
        "policy: must be one of 'none', 'quarantine', 'reject', got str 'strict'",
        "rua[0]: must be a mailto: URI (mailto:dmarc@example.com), got str 'dmarc@example.com'",
        "rua[2]: the same address as rua[1]",
        "rua[3]: must be a mailto: URI (mailto:dmarc@example.com), got 3",
        "ruf[0]: is not a valid mailto: URI: 'mailto:x@': '' is not a domain name",
        "pct: must be an integer from 0 to 100, got 101",
        "adkim: must be one of 'r', 's', got str 'x'",
        "aspf: must be one of 'r', 's', got bool True",
    ]
    with pytest.raises(InvalidInputError, match="ruf: must be a mailto: URI or a list of them"):
        DmarcPolicy(ruf=5)  # type: ignore[arg-type]
    assert DmarcPolicy(rua="mailto:a@example.com").rua == ("mailto:a@example.com",)
    assert DmarcPolicy().p == "none"


# --------------------------------------------------------------------------- merge


def test_merge_without_a_record_builds_one() -> None:
    result = merge(None, DmarcPolicy(rua="mailto:d@example.com"))
    assert result.text == "v=DMARC1; p=none; rua=mailto:d@example.com"
    assert result.changed
    assert result.notes == ()


def test_merge_adds_a_missing_report_uri_keeping_the_existing_ones() -> None:
    existing = "v=DMARC1; p=quarantine; rua=mailto:B@Example.com!10m, mailto:a@example.com; x=1"
    policy = DmarcPolicy(rua=["mailto:b@example.com", "mailto:new@reports.example.net"])
    result = merge(existing, policy)
    assert result.text == (
        "v=DMARC1; p=quarantine; rua=mailto:B@Example.com!10m, mailto:a@example.com,"
        "mailto:new@reports.example.net; x=1"
    )
    assert result.notes == ("added mailto:new@reports.example.net to rua=",)
    assert [str(u) for u in Dmarc.parse(result.text).rua] == [
        "mailto:B@Example.com!10m",
        "mailto:a@example.com",
        "mailto:new@reports.example.net",
    ]
    assert merge(result.text, policy).text is None  # nothing more to do
    ruf = merge("v=DMARC1; p=none", DmarcPolicy(ruf="mailto:f@example.com"))
    assert ruf.text == "v=DMARC1; p=none; ruf=mailto:f@example.com"


def test_merge_never_lowers_a_policy() -> None:
    result = merge("v=DMARC1; p=reject; sp=quarantine", DmarcPolicy("none"))
    assert result.text is None
    assert result.notes == (
        "kept p=reject: the configuration asks for p=none, and maildns never lowers a DMARC policy",
    )
    # not configured: an existing policy stays, without a note
    assert merge("v=DMARC1; p=reject", DEFAULT_POLICY) == merge("v=DMARC1; p=reject", DmarcPolicy())
    assert merge("v=DMARC1; p=reject", DEFAULT_POLICY).notes == ()
    assert not merge("v=DMARC1; p=quarantine", DEFAULT_POLICY).changed


def test_merge_raises_a_policy_only_when_configured() -> None:
    result = merge("v=DMARC1; p=none; sp=none; rua=mailto:d@example.com", DmarcPolicy("reject"))
    assert result.text == "v=DMARC1; p=reject; sp=none; rua=mailto:d@example.com"
    assert result.notes == (
        "raised p=none to p=reject, as configured",
        "kept sp=none: subdomains keep their own policy",
    )


def test_merge_adds_a_missing_p_right_after_v() -> None:
    result = merge("v=DMARC1; rua=mailto:d@example.com", DEFAULT_POLICY)
    assert result.text == "v=DMARC1; p=none; rua=mailto:d@example.com"
    assert merge("v=DMARC1", DmarcPolicy("quarantine")).text == "v=DMARC1; p=quarantine"


def test_merge_pct_and_alignment_only_tighten() -> None:
    assert merge("v=DMARC1; p=reject; pct=10", DmarcPolicy(pct=50)).text == (
        "v=DMARC1; p=reject; pct=50"
    )
    kept = merge("v=DMARC1; p=reject", DmarcPolicy(pct=50))
    assert kept.text is None
    assert "kept pct=100" in kept.notes[0]
    strict = merge("v=DMARC1; p=none; aspf=r", DmarcPolicy(adkim="s", aspf="s"))
    assert strict.text == "v=DMARC1; p=none; aspf=s; adkim=s"
    looser = merge("v=DMARC1; p=none; adkim=s", DmarcPolicy(adkim="r"))
    assert looser.text is None
    assert looser.notes == ("kept adkim=s: the configuration asks for relaxed, a looser rule",)
    assert merge("v=DMARC1; p=none", DmarcPolicy(adkim="r", pct=100)).text is None


@pytest.mark.parametrize(
    "existing",
    ["v=DMARC1; p=foo", "v=DMARC1; p=none; p=reject", "v=DMARC1; p=none; rua=junk", "v=spf1"],
)
def test_merge_refuses_an_invalid_record(existing: str) -> None:
    with pytest.raises(DmarcError):
        merge(existing, DEFAULT_POLICY)


NO_P = "p= is required in a policy record (RFC 7489 §6.3)"


def mergeable(text: str) -> bool:
    """Valid, or valid but for p= (which merge adds), and readable by checkdmarc."""
    return problems(text) in {(), (NO_P,)} and not re.search(CHECKDMARC_STRICTER[0], text)


valid_existing = dmarc_texts().filter(mergeable)
policies = st.builds(
    DmarcPolicy,
    policy=st.none() | st.sampled_from(POLICIES),
    rua=st.lists(st.sampled_from(["mailto:d@example.com", "mailto:new@example.org"]), unique=True),
    ruf=st.lists(st.sampled_from(["mailto:f@example.com"]), max_size=1),
    pct=st.none() | st.integers(0, 100),
    adkim=st.none() | st.sampled_from(["r", "s"]),
    aspf=st.none() | st.sampled_from(["r", "s"]),
)


@settings(max_examples=200, deadline=None)
@given(valid_existing, policies)
def test_merge_properties(existing: str, policy: DmarcPolicy) -> None:
    before = Dmarc.parse(existing, strict=False)
    result = merge(existing, policy)
    text = result.text or existing
    after = Dmarc.parse(text)  # valid, by our reading...
    same_reading(after, checkdmarc_reads(text))  # ...and by checkdmarc's
    assert merge(text, policy).text is None  # idempotent
    assert after.p is not None
    if before.p is not None:
        assert POLICIES.index(after.p) >= POLICIES.index(before.p)  # never lowered
        if policy.policy is None or POLICIES.index(policy.policy) <= POLICIES.index(before.p):
            assert after.p == before.p
        else:
            assert after.p == policy.policy  # raised as configured
    else:
        assert after.p == policy.p
    assert (after.sp, after.np) == (before.sp, before.np)
    assert after.percent >= before.percent
    for tag in ("rua", "ruf"):
        old, new = getattr(before, tag), getattr(after, tag)
        assert new[: len(old)] == old  # kept, in order
        assert {ReportUri.parse(u).key for u in getattr(policy, tag)} <= {u.key for u in new}
    unknown = [t for t in before.tags if t[0].lower() in {"x", "t"}]
    assert [t for t in after.tags if t[0].lower() in {"x", "t"}] == unknown


# --------------------------------------------------------------------------- organisational domain


@pytest.mark.parametrize(
    ("name", "org"),
    [
        ("mail.example.co.uk", "example.co.uk"),
        ("Mail.Example.CO.UK.", "example.co.uk"),
        ("example.co.uk", "example.co.uk"),
        ("co.uk", "co.uk"),
        ("a.b.mail.example.com", "example.com"),
        ("user.github.io", "user.github.io"),  # the private section counts
        ("www.city.kawasaki.jp", "city.kawasaki.jp"),  # an exception rule (!city.kawasaki.jp)
        ("a.b.c.kawasaki.jp", "b.c.kawasaki.jp"),  # a wildcard rule (*.kawasaki.jp)
        ("mail.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"),  # 公司.cn, as A-labels
        ("mail.example.unknowntld", "example.unknowntld"),
    ],
)
def test_organisational_domain(name: str, org: str) -> None:
    assert organisational_domain(name) == org
    assert checkdmarc.utils.get_base_domain(name.rstrip(".")) == org


def test_alignment() -> None:
    assert aligned("mail.example.com", "example.com")
    assert aligned("mail.example.com", "bounce.EXAMPLE.com.", "r")
    assert not aligned("mail.example.com", "example.com", "s")
    assert aligned("Example.com.", "example.com", "s")
    assert not aligned("example.com", "example.net")
    assert not aligned("a.github.io", "b.github.io")
    assert aligned("mail.example.co.uk", "example.co.uk")
    assert not aligned("example.co.uk", "other.co.uk")
    with pytest.raises(ValueError, match="'r' or 's'"):
        aligned("a.com", "a.com", "relaxed")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- discovery


def test_policy_names() -> None:
    assert policy_names("Mail.Example.co.uk") == (
        "_dmarc.mail.example.co.uk",
        "_dmarc.example.co.uk",
    )
    assert policy_names("example.com") == ("_dmarc.example.com",)


DISCOVERY_CASES: list[tuple[str, dict[str, list[str]], str | None]] = [
    # (domain, TXT by name, where the record in force is: None when there is none)
    ("example.com", {"_dmarc.example.com": ["v=DMARC1; p=reject"]}, "example.com"),
    (
        "mail.example.com",
        {"_dmarc.example.com": ["v=DMARC1; p=reject; sp=quarantine"]},
        "example.com",
    ),
    (
        "mail.example.com",
        {
            "_dmarc.mail.example.com": ["v=DMARC1; p=none", "some verification text"],
            "_dmarc.example.com": ["v=DMARC1; p=reject"],
        },
        "mail.example.com",
    ),
    (
        "mail.example.co.uk",
        {"_dmarc.example.co.uk": ["verification=1", "v=DMARC1; p=quarantine"]},
        "example.co.uk",
    ),
    ("mail.example.com", {"_dmarc.mail.example.com": ["v=spf1 -all"]}, None),
    ("example.com", {}, None),
]


@pytest.mark.parametrize(("domain", "table", "location"), DISCOVERY_CASES)
def test_discovery_finds_what_checkdmarc_finds(
    domain: str, table: dict[str, list[str]], location: str | None
) -> None:
    answers = {name: table.get(name, []) for name in policy_names(domain)}
    found = discover(domain, answers)
    assert found.name == (None if location is None else f"_dmarc.{location}")
    with oracle_dns({domain: [], **table}):  # the domain exists, without TXT records
        if location is None:
            with pytest.raises(cd.DMARCRecordNotFound):
                cd.query_dmarc_record(domain, ignore_unrelated_records=True)
        else:
            theirs = cd.query_dmarc_record(domain, ignore_unrelated_records=True)
            assert theirs["location"] == location
            assert theirs["record"] == found.text
    if location is None:
        assert found.policy is None
        assert found.problems == (f"no DMARC record at {' or '.join(policy_names(domain))}",)


@pytest.mark.parametrize(
    ("domain", "table"),
    [
        ("example.com", {"_dmarc.example.com": ["v=DMARC1; p=none", "v=DMARC1; p=reject"]}),
        ("mail.example.com", {"_dmarc.example.com": ["v=DMARC1; p=none", "v=DMARC1; p=none"]}),
    ],
)
def test_several_records_mean_no_policy_as_for_checkdmarc(
    domain: str, table: dict[str, list[str]]
) -> None:
    found = discover(domain, {name: table.get(name, []) for name in policy_names(domain)})
    assert found.policy is None
    assert found.problems == (
        f"{found.name} holds 2 DMARC records: receivers apply no policy (RFC 7489 §6.6.3)",
    )
    with oracle_dns({domain: [], **table}), pytest.raises(cd.MultipleDMARCRecords):
        cd.query_dmarc_record(domain, ignore_unrelated_records=True)


def test_the_policy_applied() -> None:
    org = {"_dmarc.example.com": ["v=DMARC1; p=reject; sp=quarantine"]}
    assert discover("example.com", org).policy == "reject"
    sub = discover("mail.example.com", {"_dmarc.mail.example.com": [], **org})
    assert sub == Discovery(
        "mail.example.com",
        "_dmarc.example.com",
        "v=DMARC1; p=reject; sp=quarantine",
        Dmarc.parse("v=DMARC1; p=reject; sp=quarantine"),
        "quarantine",  # the organisational domain's sp
    )
    no_sp = {"_dmarc.example.com": ["v=DMARC1; p=reject"]}
    assert discover("a.b.example.com", {"_dmarc.a.b.example.com": [], **no_sp}).policy == "reject"


def test_a_record_at_an_intermediate_name_is_not_used() -> None:
    # RFC 7489 asks the From domain and its organisational domain only (RFC 9989's tree walk
    # would find mail.example.com's record: there the two RFCs part)
    answers = {
        "_dmarc.a.mail.example.com": [],
        "_dmarc.mail.example.com": ["v=DMARC1; p=reject"],
        "_dmarc.example.com": [],
    }
    assert discover("a.mail.example.com", answers).policy is None


def test_a_record_without_a_valid_policy() -> None:
    with_rua = discover(
        "example.com", {"_dmarc.example.com": ["v=DMARC1; rua=mailto:d@example.com"]}
    )
    assert with_rua.policy == "none"
    assert with_rua.problems == (
        "_dmarc.example.com has no valid p=: receivers act as if p=none, since rua= holds a "
        "valid URI (RFC 7489 §6.6.3)",
    )
    bad_sp = discover("example.com", {"_dmarc.example.com": ["v=DMARC1; p=reject; sp=x"]})
    assert bad_sp.policy is None
    assert bad_sp.problems == (
        "_dmarc.example.com: receivers discard sp=x: must be none, quarantine or reject",
        "_dmarc.example.com has an invalid sp= and no valid rua=: receivers apply no policy",
    )
    discarded = discover("example.com", {"_dmarc.example.com": ["v=DMARC1; p=reject; pct=x"]})
    assert discarded.policy == "reject"
    assert discarded.problems == (
        "_dmarc.example.com: receivers discard pct=x: must be an integer from 0 to 100",
    )


def test_an_unanswered_name_leaves_the_rest_unknown() -> None:
    unknown = discover("mail.example.com", {"_dmarc.mail.example.com": []})
    assert unknown.unknown
    assert unknown.policy is None
    assert unknown.problems == ("no answer for _dmarc.example.com",)
    assert discover("mail.example.com", {"_dmarc.mail.example.com": None}).unknown
    # a name that answered makes the next one unnecessary
    known = discover("mail.example.com", {"_DMARC.Mail.Example.com.": ["v=DMARC1; p=none"]})
    assert not known.unknown
    assert known.policy == "none"


# --------------------------------------------------------------------------- report authorisation

RECORD = (
    "v=DMARC1; p=none; rua=mailto:d@example.com,mailto:agg@reports.vendor.net,"
    "mailto:x@other.org; ruf=mailto:f@mail.example.com,mailto:f@forensic.vendor.net"
)


def test_authorisation_names() -> None:
    assert authorisation_names("example.com", RECORD) == (
        "example.com._report._dmarc.reports.vendor.net",
        "example.com._report._dmarc.other.org",
        "example.com._report._dmarc.forensic.vendor.net",
    )
    assert authorisation_names("example.com", "v=DMARC1; p=none") == ()


def test_authorisations_judged_as_checkdmarc_judges_them() -> None:
    table = {
        "example.com._report._dmarc.reports.vendor.net": ["v=DMARC1"],
        "example.com._report._dmarc.other.org": ["not an authorisation"],
        "example.com._report._dmarc.forensic.vendor.net": [],
    }
    judged = check_authorisations("example.com", Dmarc.parse(RECORD), table)
    assert [(a.tag, str(a.uri), a.status) for a in judged] == [
        ("rua", "mailto:d@example.com", "not needed"),
        ("rua", "mailto:agg@reports.vendor.net", "authorised"),
        ("rua", "mailto:x@other.org", "missing"),
        ("ruf", "mailto:f@mail.example.com", "not needed"),
        ("ruf", "mailto:f@forensic.vendor.net", "missing"),
    ]
    with oracle_dns(table):
        for found in judged:
            host = found.uri.host
            assert host is not None
            if found.status in {"not needed", "authorised"}:
                cd.verify_dmarc_report_destination("example.com", host)
            else:
                with pytest.raises(cd.UnverifiedDMARCURIDestination):
                    cd.verify_dmarc_report_destination("example.com", host)
    unknown = check_authorisations("example.com", RECORD, {})
    assert [a.status for a in unknown] == [
        "not needed",
        "unknown",
        "unknown",
        "not needed",
        "unknown",
    ]


def test_an_authorisation_for_a_psl_organisation() -> None:
    record = "v=DMARC1; p=none; rua=mailto:d@reports.example.co.uk,mailto:d@other.co.uk"
    assert authorisation_names("mail.example.co.uk", record) == (
        "mail.example.co.uk._report._dmarc.other.co.uk",
    )
    https = check_authorisations("example.com", "v=DMARC1; p=none; rua=https://r.vendor.net/x", {})
    assert [(a.name, a.status) for a in https] == [
        ("example.com._report._dmarc.r.vendor.net", "unknown")
    ]


# --------------------------------------------------------------------------- the plan


def test_a_domain_with_its_own_record_gets_it_merged() -> None:
    answers = {"_dmarc.mail.example.com": ["v=DMARC1; p=none", "other text"]}
    plan = plan_record("mail.example.com", DmarcPolicy("reject"), answers)
    assert plan == DmarcPlan(
        "_dmarc.mail.example.com",
        "v=DMARC1; p=reject",
        "v=DMARC1; p=none",
        ("raised p=none to p=reject, as configured",),
    )
    assert plan_record("mail.example.com", DEFAULT_POLICY, answers).text is None


def test_a_domain_covered_by_its_organisation_needs_nothing_more() -> None:
    answers = {
        "_dmarc.mail.example.com": [],
        "_dmarc.example.com": ["v=DMARC1; p=reject; rua=mailto:d@example.com"],
    }
    plan = plan_record("mail.example.com", DEFAULT_POLICY, answers)
    assert plan.text is None
    assert plan.notes == ("mail.example.com is covered by _dmarc.example.com (p=reject for it)",)


def test_a_record_of_its_own_starts_from_the_organisations() -> None:
    answers = {
        "_dmarc.mail.example.com": [],
        "_dmarc.example.com": ["v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.com"],
    }
    plan = plan_record("mail.example.com", DmarcPolicy(rua="mailto:x@example.com"), answers)
    assert plan.text == "v=DMARC1; p=quarantine; rua=mailto:d@example.com,mailto:x@example.com"
    assert plan.old is None


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ({}, "no answer for _dmarc.mail.example.com"),
        ({"_dmarc.mail.example.com": []}, "no answer for _dmarc.example.com"),
        (
            {"_dmarc.mail.example.com": ["v=DMARC1; p=none", "v=DMARC1; p=reject"]},
            "_dmarc.mail.example.com holds 2 DMARC records: keep one and plan again",
        ),
        (
            {"_dmarc.mail.example.com": ["v=DMARC1; p=none; pct=x"]},
            "the DMARC record there is not valid: pct=x: must be an integer from 0 to 100",
        ),
    ],
)
def test_what_cannot_be_planned(answers: dict[str, list[str]], problem: str) -> None:
    plan = plan_record("mail.example.com", DEFAULT_POLICY, answers)
    assert plan.text is None
    assert plan.problems == (problem,)
    assert plan.unknown == problem.startswith("no answer")


def applied(table: dict[str, list[str]]) -> tuple[str | None, list[str]]:
    """checkdmarc's view of mail from mail.example.com: the policy and the rua addresses."""
    with oracle_dns({"mail.example.com": [], **table}):
        try:
            found = cd.query_dmarc_record("mail.example.com", ignore_unrelated_records=True)
        except cd.DMARCError:
            return None, []
        tags = cd.parse_dmarc_record(found["record"], found["location"])["tags"]
    own = found["location"] == "mail.example.com"
    rua = [u["address"] for u in tags.get("rua", {"value": []})["value"]]
    return tags["p" if own else "sp"]["value"], rua


@st.composite
def org_and_own(draw: st.DrawFn) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for name, with_sp in (("_dmarc.example.com", True), ("_dmarc.mail.example.com", False)):
        if draw(st.booleans()):
            tags = [f"p={draw(st.sampled_from(POLICIES))}"]
            if with_sp and draw(st.booleans()):
                tags.append(f"sp={draw(st.sampled_from(POLICIES))}")
            if draw(st.booleans()):
                tags.append(f"rua=mailto:{name.split('.')[1]}@example.com")
            table[name] = ["v=DMARC1; " + "; ".join(tags)]
        else:
            table[name] = []
    return table


@settings(max_examples=150, deadline=None)
@given(org_and_own(), policies)
def test_a_plan_never_lowers_what_receivers_apply(
    table: dict[str, list[str]], policy: DmarcPolicy
) -> None:
    before, reports = applied(table)
    plan = plan_record("mail.example.com", policy, table)
    assert plan.problems == ()
    after_table = dict(table)
    if plan.text is not None:
        assert table["_dmarc.mail.example.com"] == ([] if plan.old is None else [plan.old])
        after_table["_dmarc.mail.example.com"] = [plan.text]
    after, reports_after = applied(after_table)
    assert after is not None  # receivers apply a policy...
    assert POLICIES.index(after) >= POLICIES.index(before or "none")  # ...never a lower one
    if policy.policy is not None:
        assert POLICIES.index(after) >= POLICIES.index(policy.policy)
    assert set(reports) <= set(reports_after)  # no reports lost
    for uri in policy.rua:
        assert ReportUri.parse(uri).address in reports_after
    assert plan_record("mail.example.com", policy, after_table).text is None  # done
