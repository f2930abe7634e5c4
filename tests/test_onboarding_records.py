"""The record rules of the onboarding planner: one SPF per name, conflicts, ownership (no I/O)."""

from __future__ import annotations

from maildns import DnsRecord, RecordType
from maildns.onboarding._records import plan_records

ZONE = "example.com"
DOMAIN = "mail.example.com"
TXT, MX, CNAME, A = RecordType.TXT, RecordType.MX, RecordType.CNAME, RecordType.A
DKIM = "k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC" + "x" * 300


def txt(name: str, value: str) -> DnsRecord:
    return DnsRecord(TXT, name, value)


def plan(
    existing: list[DnsRecord], wanted: list[tuple[str, DnsRecord]], **kwargs: object
) -> tuple[list[tuple[str, str, str | None, str | None]], list[str]]:
    result = plan_records(
        domain=DOMAIN,
        dns_vendor="telecomx",
        existing=existing,
        wanted=wanted,
        **kwargs,  # type: ignore[arg-type]
    )
    changes = [(c.action, str(c.type), c.name, c.value) for c in result.changes]
    return changes, list(result.problems)


# --- the record rules -----------------------------------------------------------------------------
def test_missing_records_are_created_and_present_ones_left_alone() -> None:
    wanted = [
        ("tesouro", txt(f"krs._domainkey.{DOMAIN}", DKIM)),
        ("tesouro", DnsRecord(MX, DOMAIN, "mxa.mailgun.org", priority=10)),
    ]
    assert plan([], wanted) == (
        [
            ("create", "TXT", f"krs._domainkey.{DOMAIN}", DKIM),
            ("create", "MX", DOMAIN, "mxa.mailgun.org"),
        ],
        [],
    )
    existing = [
        txt(f"KRS._domainkey.{DOMAIN}.", DKIM),
        DnsRecord(MX, DOMAIN, "mxa.mailgun.org", priority=10),
    ]
    assert plan(existing, wanted) == ([], [])  # names compared fully qualified, any case


def test_one_spf_per_name_merged_from_every_vendor_and_the_zone() -> None:
    existing = [txt(DOMAIN, "v=spf1 include:_spf.google.com -all")]
    wanted = [
        ("tesouro", txt(DOMAIN, "v=spf1 include:mailgun.org ~all")),
        ("ciirus", txt(DOMAIN, "v=spf1 include:spf.mandrillapp.com ?all")),
    ]
    changes, problems = plan(existing, wanted)
    assert problems == []
    assert len(changes) == 1
    action, kind, name, value = changes[0]
    assert (action, kind, name) == ("update", "TXT", DOMAIN)
    assert value is not None
    assert value.startswith("v=spf1 include:_spf.google.com ")
    assert "include:mailgun.org" in value
    assert "include:spf.mandrillapp.com" in value
    assert value.endswith(" -all")  # the zone's own policy is kept
    # planned again against the result: nothing to do
    assert plan([txt(DOMAIN, value)], wanted) == ([], [])


def test_two_spf_records_already_at_a_name_are_refused() -> None:
    existing = [txt(DOMAIN, "v=spf1 a -all"), txt(DOMAIN, "v=spf1 mx -all")]
    changes, problems = plan(
        existing, [("tesouro", txt(DOMAIN, "v=spf1 include:mailgun.org ~all"))]
    )
    assert changes == []
    assert problems == [
        f"{DOMAIN} already holds 2 SPF records: mail fails SPF there; keep one and plan again"
    ]


def test_an_spf_over_ten_lookups_is_refused() -> None:
    includes = " ".join(f"include:s{i}.example.net" for i in range(10))
    existing = [txt(DOMAIN, f"v=spf1 {includes} -all")]
    changes, problems = plan(
        existing, [("tesouro", txt(DOMAIN, "v=spf1 include:mailgun.org ~all"))]
    )
    assert changes == []
    assert len(problems) == 1
    assert problems[0].startswith(
        f"the merged SPF record at {DOMAIN} needs 11 DNS lookups, over the 10 receivers allow "
        "(RFC 7208 §4.6.4)"
    )
    # not a conflict --force may override: receivers evaluate such a record as permerror
    forced = plan_records(
        domain=DOMAIN,
        dns_vendor="telecomx",
        existing=existing,
        wanted=[("tesouro", txt(DOMAIN, "v=spf1 include:mailgun.org ~all"))],
        force=True,
    )
    assert forced.changes == ()
    assert forced.problems == tuple(problems)


def test_an_invalid_foreign_spf_is_refused_even_when_forced() -> None:
    foreign = "v=spf1 a:192.0.2.25 include:_spf.google.com ~all"
    for force in (False, True):
        result = plan_records(
            domain=DOMAIN,
            dns_vendor="telecomx",
            existing=[txt(DOMAIN, foreign)],
            wanted=[("tesouro", txt(DOMAIN, "v=spf1 include:mailgun.org ~all"))],
            force=force,
        )
        assert result.changes == ()
        (problem,) = result.problems
        assert problem.startswith(
            f"the SPF record at {DOMAIN}: the existing record {foreign!r} is not valid SPF, "
            "so receivers evaluate it as permerror: SPF term 'a:192.0.2.25': "
        )
        assert "(RFC 7208 §7.1)" in problem


def test_a_dkim_selector_holding_another_key_is_a_conflict_unless_maildns_wrote_it() -> None:
    name = f"krs._domainkey.{DOMAIN}"
    existing = [txt(name, "k=rsa; p=OLD")]
    wanted = [("tesouro", txt(name, DKIM))]
    changes, problems = plan(existing, wanted)
    assert changes == []
    assert problems == [
        f"the DKIM selector {name} already holds another key (--force to do it anyway)"
    ]
    # the journal says maildns wrote the old key: the vendor rotated it, update in place
    changes, problems = plan(existing, wanted, owned=[(TXT, name, "k=rsa; p=OLD")])
    assert (changes, problems) == ([("update", "TXT", name, DKIM)], [])
    # forced: updated too
    assert plan(existing, wanted, force=True)[0] == [("update", "TXT", name, DKIM)]


def test_cname_conflicts_both_ways() -> None:
    wanted = [("tesouro", txt(f"krs._domainkey.{DOMAIN}", DKIM))]
    existing = [DnsRecord(CNAME, f"krs._domainkey.{DOMAIN}", "elsewhere.example.net")]
    changes, problems = plan(existing, wanted)
    assert changes == []
    assert "is a CNAME to elsewhere.example.net" in problems[0]
    existing = [DnsRecord(A, f"track.{DOMAIN}", "192.0.2.1")]
    wanted = [("ciirus", DnsRecord(CNAME, f"track.{DOMAIN}", "mandrillapp.com"))]
    changes, problems = plan(existing, wanted)
    assert changes == []
    assert problems == [
        f"track.{DOMAIN} holds other records: it cannot be the CNAME ciirus needs "
        "(--force to do it anyway)"
    ]


def test_mx_records_that_would_join_different_ones_are_refused() -> None:
    existing = [DnsRecord(MX, DOMAIN, "mx.customer.example", priority=5)]
    wanted = [
        ("tesouro", DnsRecord(MX, DOMAIN, "mxa.mailgun.org", priority=10)),
        ("tesouro", DnsRecord(MX, DOMAIN, "mxb.mailgun.org", priority=10)),
    ]
    changes, problems = plan(existing, wanted)
    assert changes == []
    assert problems == [
        f"MX records at {DOMAIN} (5 mx.customer.example) would be joined by other vendors' MX "
        "records (--force to do it anyway)"
    ]
    changes, problems = plan(existing, wanted, force=True)
    assert [c[3] for c in changes] == ["mxa.mailgun.org", "mxb.mailgun.org"]
    assert problems == []


def test_what_the_spf_merge_dropped_reaches_the_user_in_the_change_s_reason() -> None:
    result = plan_records(
        domain=DOMAIN,
        dns_vendor="telecomx",
        existing=[txt(DOMAIN, "v=spf1 ip4:192.0.2.1 -all mx")],
        wanted=[("tesouro", txt(DOMAIN, "v=spf1 include:mailgun.org ~all"))],
    )
    (change,) = result.changes
    assert change.value == "v=spf1 ip4:192.0.2.1 include:mailgun.org -all"
    assert change.reason == (
        "SPF merged with tesouro; existing mx dropped: after '-all', it is never evaluated"
    )
