"""The onboarding configuration: loading, and every problem reported at once with its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import maildns
from maildns.onboarding._config import (
    Config,
    ConfigError,
    ConfigProblem,
    Domain,
    Zone,
    load,
    loads,
)
from maildns.onboarding._dmarc import DEFAULT_POLICY, DmarcPolicy, build

CUSTOMER = "0123456789abcdef01234567"
PRODUCT = "89abcdef0123456789abcdef"

EXAMPLE = f"""\
version: 1
dns:
  vendor: telecomx
  zones:
    example.com: {{customer: "{CUSTOMER}", product: "{PRODUCT}", ttl: 3600}}
    Sub.Example.com.: {{customer: "{CUSTOMER.upper()}", product: "{PRODUCT}"}}
domains:
  - domain: mail.example.com
    zone: example.com              # optional: the longest listed zone that contains the domain
    tesouro: {{}}                    # a Tesouro mailbox domain
    ciirus: {{daily_send_limit: 500, approved: true}}
  - domain: Bücher.example.com
    tesouro:
  - domain: news.sub.example.com
    ciirus: {{daily_send_limit: 0, approved: false}}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        loads(textwrap.dedent(text), "onboard.yaml")
    return [str(p) for p in info.value.problems]


def test_example_loads_into_the_expected_objects() -> None:
    config = loads(EXAMPLE)

    assert config == Config(
        path=None,
        dns_vendor="telecomx",
        zones={
            "example.com": Zone(
                "example.com", maildns.TelecomXZoneSettings(CUSTOMER, PRODUCT, ttl=3600)
            ),
            "sub.example.com": Zone(
                "sub.example.com", maildns.TelecomXZoneSettings(CUSTOMER, PRODUCT)
            ),
        },
        domains=(
            Domain(
                "mail.example.com",
                "example.com",
                {
                    "tesouro": maildns.TesouroSettings(),
                    "ciirus": maildns.CiirusSettings(daily_send_limit=500, approved=True),
                },
            ),
            Domain(
                "xn--bcher-kva.example.com", "example.com", {"tesouro": maildns.TesouroSettings()}
            ),
            Domain(
                "news.sub.example.com",
                "sub.example.com",  # the longest listed zone holding it
                {"ciirus": maildns.CiirusSettings(daily_send_limit=0, approved=False)},
            ),
        ),
    )
    assert list(config.zones) == ["example.com", "sub.example.com"]
    assert list(config.domains[0].vendors) == ["tesouro", "ciirus"]  # the file's order
    assert config.zones["sub.example.com"].settings.ttl == 86400
    assert config.zones["sub.example.com"].settings.customer == CUSTOMER  # normalised


def test_many_problems_are_reported_together_with_their_lines() -> None:
    text = """\
        version: 2
        colour: blue
        dns:
          vendor: tesouro
          zones:
            example.com: {customer: "0123456789abcdef01234567", product: "89abcdef0123456789abcdef"}
            other.org: {}
          extra: 1
        domains:
          - domain: mail.example.com
            ciirus: {daily_send_limit: 500, approved: "yes"}
          - domain: "bad..name.example.com"
            tesouro: {}
          - domain: mail.example.net
            tesouro: {}
          - domain: www.example.com
            zone: other.org
            tesouro: {}
          - domain: news.example.com
            zone: unlisted.com
            tesouro: {}
          - tesouro: {}
            domain: MAIL.Example.com
          - domain: shop.example.com
            ciirus:
            tesouro: {colour: red}
          - domain: eu.example.com
            telecomx: {}
            tesouro: {}
            tesouro: {}
          - domain: bare.example.com
          - zone: example.com
            tesouro: {}
        """
    assert problems(text) == [
        "onboard.yaml:1: version: must be 1, got 2",
        "onboard.yaml:2: colour: unknown key, expected one of: version, name, dns, domains, dmarc",
        "onboard.yaml:4: dns.vendor: tesouro does not host DNS, expected one of: telecomx, rfc2136",
        "onboard.yaml:8: dns.extra: unknown key, expected one of: vendor, zones",
        "onboard.yaml:11: domains[0].ciirus.approved: "
        "must be a bool (True or False), got str 'yes'",
        "onboard.yaml:12: domains[1].domain: must not contain an empty label "
        "(a leading dot or two dots in a row), got 'bad..name.example.com'",
        "onboard.yaml:14: domains[2].domain: mail.example.net is inside no listed zone "
        "(dns.zones lists: example.com, other.org)",
        "onboard.yaml:17: domains[3].zone: www.example.com is not inside zone other.org",
        "onboard.yaml:20: domains[4].zone: zone unlisted.com is not listed in dns.zones "
        "(it lists: example.com, other.org)",
        "onboard.yaml:23: domains[5].domain: duplicate domain mail.example.com "
        "(first at domains[0], line 10)",
        "onboard.yaml:25: domains[6].ciirus: missing required key 'daily_send_limit'",
        "onboard.yaml:25: domains[6].ciirus: missing required key 'approved'",
        "onboard.yaml:26: domains[6].tesouro.colour: unknown key, expected one of: account",
        "onboard.yaml:28: domains[7].telecomx: telecomx does not send mail for domains, "
        "expected domain, zone, dmarc or a sending vendor: tesouro, ciirus",
        "onboard.yaml:30: domains[7].tesouro: duplicate key (first at line 29)",
        "onboard.yaml:31: domains[8]: names no sending vendor, add one of: tesouro, ciirus",
        "onboard.yaml:32: domains[9]: missing required key 'domain'",
    ]


def test_zone_settings_problems_name_the_allowed_keys() -> None:
    text = """\
        version: 1
        dns:
          vendor: telecomx
          zones:
            example.com: {customer: "0123456789abcdef01234567", product: "89abcdef0123456789abcdef", tll: 60}
            other.org:
              customer: "0123456789abcdef01234567"
              product: nope
              ttl: "3600"
            third.org: {}
            bad_zone!.org: {customer: "0123456789abcdef01234567", product: "89abcdef0123456789abcdef"}
            OTHER.org: {customer: "0123456789abcdef01234567", product: "89abcdef0123456789abcdef"}
        domains: []
        """  # noqa: E501
    assert problems(text) == [
        "onboard.yaml:5: dns.zones.example.com.tll: "
        "unknown key, expected one of: customer, product, ttl",
        "onboard.yaml:8: dns.zones.other.org.product: "
        "must be 24 hexadecimal characters, got 4: 'nope'",
        "onboard.yaml:9: dns.zones.other.org.ttl: "
        "must be an integer from 1 to 2147483647, got str '3600'",
        "onboard.yaml:10: dns.zones.third.org: missing required key 'customer'",
        "onboard.yaml:10: dns.zones.third.org: missing required key 'product'",
        "onboard.yaml:11: dns.zones.bad_zone!.org: "
        "label 'bad_zone!' may only contain letters, digits and hyphens",
        "onboard.yaml:12: dns.zones.OTHER.org: duplicate zone other.org (first at line 6)",
    ]  # an empty list of domains is allowed: with --prune, it undoes everything


def test_sections_of_the_wrong_shape() -> None:
    assert problems("version: true\ndns: telecomx\ndomains: {a: 1}\n") == [
        "onboard.yaml:1: version: must be 1, got bool True",
        "onboard.yaml:2: dns: must be a mapping, got str 'telecomx'",
        "onboard.yaml:3: domains: must be a list, got a mapping",
    ]
    assert problems("[1, 2]\n") == ["onboard.yaml:1: must be a mapping, got a list"]
    assert problems("dns:\n  vendor: nobody\n  zones: {}\n") == [
        "onboard.yaml:1: missing required key 'version'",
        "onboard.yaml:1: missing required key 'domains'",
        "onboard.yaml:2: dns.vendor: unknown vendor 'nobody', expected one of: telecomx, rfc2136",
        "onboard.yaml:3: dns.zones: must list at least one zone",
    ]
    assert problems("") == [
        "onboard.yaml: is empty: expected a mapping with version, dns and domains"
    ]


def test_yaml_oddities_are_problems_with_their_lines() -> None:
    text = """\
        version: 1
        1: one
        base: &base {x: 1}
        more:
          <<: *base
        loop: &loop [*loop]
        when: !custom 3
        """
    assert problems(text) == [
        "onboard.yaml:1: missing required key 'dns'",
        "onboard.yaml:1: missing required key 'domains'",
        "onboard.yaml:2: keys must be strings, got 1",
        "onboard.yaml:3: base: unknown key, expected one of: version, name, dns, domains, dmarc",
        "onboard.yaml:4: more: unknown key, expected one of: version, name, dns, domains, dmarc",
        "onboard.yaml:5: more: merge keys (<<) are not supported",
        "onboard.yaml:6: loop[0]: refers to itself (a recursive alias)",
        "onboard.yaml:6: loop: unknown key, expected one of: version, name, dns, domains, dmarc",
        "onboard.yaml:7: when: invalid value: "
        "could not determine a constructor for the tag '!custom'",
    ]


def test_a_yaml_syntax_error_is_one_problem_with_pyyamls_line() -> None:
    text = "version: 1\ndns:\n  vendor: telecomx\n  zones: [a, b\ndomains: []\n"
    with pytest.raises(ConfigError) as info:
        loads(text, "onboard.yaml")
    (problem,) = info.value.problems
    assert problem.file == "onboard.yaml"
    assert problem.line == 5
    assert problem.path == ""
    assert problem.message.startswith("invalid YAML: while parsing a flow sequence: expected ','")
    assert str(info.value) == str(problem)


def test_a_missing_file_is_one_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load(missing)
    assert info.value.problems == (
        ConfigProblem(str(missing), None, "", "cannot read: No such file or directory"),
    )
    assert str(info.value) == f"{missing}: cannot read: No such file or directory"


def test_a_file_that_is_not_utf8_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"version: 1\ncomment: caf\xe9\n")
    with pytest.raises(ConfigError) as info:
        load(str(path))
    assert [str(p) for p in info.value.problems] == [f"{path}:2: is not UTF-8 text (byte 23: 0xe9)"]


def test_load_reads_a_real_file(tmp_path: Path) -> None:
    path = tmp_path / "onboard.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    config = load(path)
    assert config.path == path
    assert config == Config(path, "telecomx", loads(EXAMPLE).zones, loads(EXAMPLE).domains)


def test_load_names_the_file_in_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "onboard.yaml"
    path.write_text(EXAMPLE.replace("version: 1", "version: 3").replace("500", "-1"))
    with pytest.raises(ConfigError) as info:
        load(path)
    assert str(info.value).splitlines() == [
        f"2 problems in {path}:",
        f"{path}:1: version: must be 1, got 3",
        f"{path}:11: domains[0].ciirus.daily_send_limit: must be an integer of 0 or more, got -1",
    ]


def test_the_identity_is_the_name_else_the_file_s_name_else_default(tmp_path: Path) -> None:
    named = loads("name: customers-eu\n" + EXAMPLE)
    assert (named.name, named.identity) == ("customers-eu", "customers-eu")
    assert (loads(EXAMPLE).name, loads(EXAMPLE).identity) == (None, "default")
    for file, identity in [
        ("customers-eu.yaml", "customers-eu"),
        ("Customers EU.yml", "customers-eu"),
        ("onboard.prod.yaml", "onboard.prod"),
        ("_big_.yaml", "big_"),
        ("ÆØÅ.yaml", "default"),
    ]:
        path = tmp_path / file
        path.write_text(EXAMPLE, encoding="utf-8")
        assert load(path).identity == identity, file
        path.write_text("name: kept.v2\n" + EXAMPLE, encoding="utf-8")
        assert load(path).identity == "kept.v2", file


def test_a_bad_name_is_a_problem_among_the_others() -> None:
    text = """\
        version: 1
        name: Customers EU
        dns:
          vendor: telecomx
          zones:
            example.com: {customer: "0123456789abcdef01234567", product: "89abcdef0123456789abcdef"}
        domains:
          - domain: mail.example.com
            tesouro: {colour: red}
        """
    rule = (
        "must be 1 to 64 lower-case letters, digits, '-', '_' or '.', "
        "starting with a letter or a digit"
    )
    assert problems(text) == [
        f"onboard.yaml:2: name: {rule}, got str 'Customers EU'",
        "onboard.yaml:9: domains[0].tesouro.colour: unknown key, expected one of: account",
    ]
    for bad, shown in [
        ("-x", "str '-x'"),
        ("a" * 65, f"str '{'a' * 57}...'"),
        ("42", "42"),
        ("[a]", "a list"),
        ("''", "str ''"),
        ("", "None"),
    ]:
        found = problems(text.replace("Customers EU", bad).replace("colour: red", ""))
        assert found == [f"onboard.yaml:2: name: {rule}, got {shown}"], bad


def test_problem_and_error_text() -> None:
    assert str(ConfigProblem("f.yaml", 3, "dns", "bad")) == "f.yaml:3: dns: bad"
    assert str(ConfigProblem("f.yaml", None, "", "bad")) == "f.yaml: bad"
    assert str(ConfigProblem("f.yaml", 2, "", "bad")) == "f.yaml:2: bad"
    error = ConfigError(
        (ConfigProblem("f.yaml", 1, "a", "x"), ConfigProblem("f.yaml", 2, "b", "y"))
    )
    assert isinstance(error, maildns.MailDnsError)
    assert str(error) == "2 problems in f.yaml:\nf.yaml:1: a: x\nf.yaml:2: b: y"
    with pytest.raises(ValueError, match="at least one problem"):
        ConfigError(())


# --- dmarc -------------------------------------------------------------------------------------

HEAD = f"""\
version: 1
dns:
  vendor: telecomx
  zones:
    example.com: {{customer: "{CUSTOMER}", product: "{PRODUCT}"}}
"""


def dmarcs(text: str) -> dict[str, DmarcPolicy | None]:
    return {d.name: d.dmarc for d in loads(HEAD + textwrap.dedent(text)).domains}


def test_without_dmarc_every_domain_gets_p_none() -> None:
    found = dmarcs("domains:\n  - {domain: a.example.com, tesouro: {}}\n")
    assert found == {"a.example.com": DEFAULT_POLICY}
    assert DmarcPolicy() == DEFAULT_POLICY
    assert build(DEFAULT_POLICY) == "v=DMARC1; p=none"
    # a Domain built by hand gets it too
    assert Domain("a.example.com", "example.com", {}).dmarc == DEFAULT_POLICY


def test_a_domains_dmarc_replaces_the_top_level_one_key_by_key() -> None:
    found = dmarcs(
        """\
        dmarc:
          policy: quarantine
          rua: mailto:dmarc@example.com
          adkim: s
        domains:
          - domain: a.example.com
            tesouro: {}
          - domain: b.example.com
            tesouro: {}
            dmarc:
              policy: reject
              rua: [mailto:b@example.com, mailto:agg@reports.example.net]
              pct: 50
          - domain: c.example.com
            tesouro: {}
            dmarc: false
          - domain: d.example.com
            tesouro: {}
            dmarc:
        """
    )
    top = DmarcPolicy("quarantine", rua="mailto:dmarc@example.com", adkim="s")
    assert found == {
        "a.example.com": top,
        "b.example.com": DmarcPolicy(
            "reject",
            rua=("mailto:b@example.com", "mailto:agg@reports.example.net"),
            pct=50,
            adkim="s",  # the top's, since the domain does not say
        ),
        "c.example.com": None,  # left alone
        "d.example.com": top,  # an empty dmarc: adds nothing to the top's
    }


def test_dmarc_false_at_the_top_turns_it_off_where_a_domain_says_nothing() -> None:
    found = dmarcs(
        """\
        dmarc: false
        domains:
          - {domain: a.example.com, tesouro: {}}
          - {domain: b.example.com, tesouro: {}, dmarc: {rua: "mailto:d@example.com"}}
        """
    )
    assert found == {
        "a.example.com": None,
        "b.example.com": DmarcPolicy(rua=("mailto:d@example.com",)),
    }


def test_dmarc_problems_are_reported_with_the_rest() -> None:
    text = f"""\
        version: 1
        dns:
          vendor: telecomx
          zones:
            example.com: {{customer: "{CUSTOMER}", product: "{PRODUCT}"}}
        dmarc:
          policy: strict
          pct: "50"
          colour: red
        domains:
          - domain: a.example.com
            tesouro: {{}}
            dmarc:
              rua:
                - mailto:ok@example.com
                - dmarc@example.com
                - MAILTO:OK@example.com
              ruf:
              adkim: x
              aspf: s
          - domain: b.example.com
            tesouro: {{colour: blue}}
            dmarc: true
          - domain: c.example.com
            dmarc: [reject]
          - domain: d.example.com
            tesouro: {{}}
            dmarc: {{ruf: mailto:f@localhost, pct: 101}}
        """
    assert problems(text) == [
        "onboard.yaml:7: dmarc.policy: must be one of 'none', 'quarantine', 'reject', "
        "got str 'strict'",
        "onboard.yaml:8: dmarc.pct: must be an integer from 0 to 100, got str '50'",
        "onboard.yaml:9: dmarc.colour: unknown key, expected one of: "
        "policy, rua, ruf, pct, adkim, aspf",
        "onboard.yaml:16: domains[0].dmarc.rua[1]: "
        "must be a mailto: URI (mailto:dmarc@example.com), got str 'dmarc@example.com'",
        "onboard.yaml:17: domains[0].dmarc.rua[2]: the same address as rua[0]",
        "onboard.yaml:18: domains[0].dmarc.ruf: "
        "must have a value (leave the key out for the default)",
        "onboard.yaml:19: domains[0].dmarc.adkim: must be one of 'r', 's', got str 'x'",
        "onboard.yaml:22: domains[1].tesouro.colour: unknown key, expected one of: account",
        "onboard.yaml:23: domains[1].dmarc: "
        "must be a mapping, or false to leave DMARC alone, got bool True",
        "onboard.yaml:24: domains[2]: names no sending vendor, add one of: tesouro, ciirus",
        "onboard.yaml:25: domains[2].dmarc: must be a mapping, got a list",
        "onboard.yaml:28: domains[3].dmarc.ruf[0]: is not a valid mailto: URI: "
        "'mailto:f@localhost': 'localhost' is not a domain name",
        "onboard.yaml:28: domains[3].dmarc.pct: must be an integer from 0 to 100, got 101",
    ]
