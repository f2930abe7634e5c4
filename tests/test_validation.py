"""The input checks (maildns._core.checks, maildns._dns, vendor ids): examples, then properties.

No network, no cassettes. Every validator either returns a normalised value or raises
InvalidInputError naming the argument; nothing else escapes.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any, cast

import idna
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from maildns._core.checks import Checker, choice, non_negative
from maildns._dns.names import absolute_name, domain_name, hostname, record_name, relative_name
from maildns._dns.records.txt import TXT
from maildns._dns.values import MAX_TTL, dns_record, record_value, ttl
from maildns.errors import InvalidInputError, MailDnsError, Problem
from maildns.models import DnsRecord, RecordPurpose, RecordType
from maildns.vendors.telecomx._settings import telecomx_id


def daily_send_limit(value: object, argument: str = "daily_send_limit") -> int:
    """CiiRUS's rule for its daily send limit (CiirusSettings checks it so)."""
    return non_negative(value, argument)


def api_version(value: object, known: tuple[str, ...], argument: str = "api_version") -> str:
    """The rule for a dated API version (Ciirus checks its api_version so)."""
    return choice(value, known, argument)


FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VERSIONS = ("v2023.07.31", "v2024.07.31")
ZONE = "example.com"

# The sandbox's (and TelecomX's documented) shape of TXT rdata: quoted strings, space separated.
TELECOMX_TXT = re.compile(r'^"(?:[^"\\]|\\.)*"(?:\s+"(?:[^"\\]|\\.)*")*$')


def problems(call: Callable[[], object]) -> tuple[Problem, ...]:
    """The problems of the InvalidInputError ``call`` raises."""
    with pytest.raises(InvalidInputError) as info:
        call()
    return info.value.problems


def message(call: Callable[[], object]) -> str:
    with pytest.raises(InvalidInputError) as info:
        call()
    return str(info.value)


def accepted_or_rejected(
    call: Callable[[], object], argument: str, value: object = None
) -> object | None:
    """Run ``call``: return its value, or check its InvalidInputError names ``argument``.

    Any other exception fails the test (it propagates).
    """
    error: InvalidInputError | None = None
    try:
        return call()
    except InvalidInputError as raised:
        error = raised
    assert error.problems, "an InvalidInputError carries problems"
    assert isinstance(error, ValueError)
    assert isinstance(error, MailDnsError)
    for problem in error.problems:
        assert problem.argument == argument or problem.argument.startswith(
            (f"{argument}.", f"{argument}[")
        ), f"{problem.argument!r} is not (part of) {argument!r}"
        assert problem.message
        assert str(problem) in str(error)
    if isinstance(value, str) and len(value) > 100:
        assert value not in str(error), "a long value is never echoed whole"
    return None


# =========================================================================== examples


class TestDomainName:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("example.com", "example.com"),
            ("Mail.MyCompany.COM", "mail.mycompany.com"),
            ("example.com.", "example.com"),
            ("a.b", "a.b"),
            ("1password.com", "1password.com"),
            ("my-company.example", "my-company.example"),
            ("Bücher.example", "xn--bcher-kva.example"),
            ("BÜCHER.example", "xn--bcher-kva.example"),
            ("例え。テスト", "xn--r8jz45g.xn--zckzah"),  # ideographic full stop, UTS 46
            ("\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com", "example.com"),  # full-width
            ("xn--bcher-kva.example", "xn--bcher-kva.example"),
            ("XN--BCHER-KVA.example", "xn--bcher-kva.example"),
            ("straße.de", "xn--strae-oqa.de"),  # IDNA 2008, not transitional
            ("a" * 63 + ".com", "a" * 63 + ".com"),
        ],
    )
    def test_accepts_and_normalises(self, value: str, expected: str) -> None:
        assert domain_name(value) == expected

    def test_253_characters_in_all(self) -> None:
        name = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
        assert len(name) == 253
        assert domain_name(name) == name
        assert domain_name(name + ".") == name
        assert message(lambda: domain_name(name + "d")) == (
            "domain: must be at most 253 characters long, got 254"
        )

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (
                "exa_mple.com",
                "domain: label 'exa_mple' may only contain letters, digits and hyphens",
            ),
            ("-example.com", "domain: label '-example' must start and end with a letter or digit"),
            ("example-.com", "domain: label 'example-' must start and end with a letter or digit"),
            (
                "exa mple.com",
                "domain: label 'exa mple' may only contain letters, digits and hyphens",
            ),
            ("*.example.com", "domain: label '*' may only contain letters, digits and hyphens"),
            (
                "localhost",
                "domain: must have at least 2 labels (like example.com), got 'localhost'",
            ),
            ("", "domain: must not be empty"),
            (".", "domain: must be a domain name, not the root '.'"),
            (
                "example..com",
                "domain: must not contain an empty label (a leading dot or two dots in a row), "
                "got 'example..com'",
            ),
            (
                ".example.com",
                "domain: must not contain an empty label (a leading dot or two dots in a row), "
                "got '.example.com'",
            ),
            (
                "example.com..",
                "domain: must not contain an empty label (a leading dot or two dots in a row), "
                "got 'example.com..'",
            ),
            ("192.0.2.1", "domain: must be a domain name, not an IP address, got '192.0.2.1'"),
            ("example.123", "domain: the last label '123' must not be all digits"),
            (None, "domain: must be a domain name (str), got None"),
            (42, "domain: must be a domain name (str), got 42"),
            (b"example.com", "domain: must be a domain name (str), got bytes"),
        ],
    )
    def test_rejects(self, value: object, expected: str) -> None:
        assert message(lambda: domain_name(value)) == expected

    def test_label_too_long(self) -> None:
        text = message(lambda: domain_name("a" * 64 + ".com"))
        assert text.startswith("domain: label 'aaaa")
        assert text.endswith("is 64 characters long; at most 63 are allowed")
        assert "a" * 64 not in text  # long values are cut

    def test_idn_label_too_long_as_punycode(self) -> None:
        label = "äöüéèêçñßøåæœ" * 5
        text = message(lambda: domain_name(label + ".com"))
        assert text.startswith("domain: label 'äöü")
        assert "Label too long" in text

    @pytest.mark.parametrize(
        ("value", "part"),
        [
            ("ab--ü.com", "Label has disallowed hyphens in 3rd and 4th position"),
            ("ü😀.com", "U+1F600"),
            ("\u0301a.com", "combining"),
            ("a\u2028b.com", "character '\\u2028' (U+2028) is not allowed in a domain name"),
            ("xn--abc.com", "label 'xn--abc' is not valid punycode"),
            ("xn--zz-zzz.com", "label 'xn--zz-zzz' is not valid punycode"),
            ("xn--.com", "label 'xn--' must start and end with a letter or digit"),
            ("bü_cher.com", "label 'bü_cher' may only contain letters, digits and hyphens"),
        ],
    )
    def test_rejects_invalid_idn(self, value: str, part: str) -> None:
        text = message(lambda: domain_name(value))
        assert text.startswith("domain: ")
        assert part in text

    def test_argument_name(self) -> None:
        assert problems(lambda: domain_name("x", argument="sending_domain")) == (
            Problem("sending_domain", "must have at least 2 labels (like example.com), got 'x'"),
        )

    def test_long_value_is_not_echoed(self) -> None:
        value = "a_" * 200 + ".com"
        text = message(lambda: domain_name(value))
        assert value not in text
        assert len(text) < 200


class TestRecordName:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("example.com", "example.com"),
            ("example.com.", "example.com"),
            ("WWW.Example.com", "www.example.com"),
            ("_dmarc.example.com", "_dmarc.example.com"),
            ("mandrill._domainkey.example.com", "mandrill._domainkey.example.com"),
            ("_sip._tcp.example.com.", "_sip._tcp.example.com"),
            ("*.example.com", "*.example.com"),
            ("*.mail.example.com", "*.mail.example.com"),
            ("bücher.example.com", "xn--bcher-kva.example.com"),
        ],
    )
    def test_accepts(self, value: str, expected: str) -> None:
        assert record_name(value, ZONE) == expected

    def test_idn_zone(self) -> None:
        assert record_name("www.Bücher.example", "bücher.example") == "www.xn--bcher-kva.example"

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("www.other.com", "record.name: 'www.other.com' is not inside zone 'example.com'"),
            ("notexample.com", "record.name: 'notexample.com' is not inside zone 'example.com'"),
            (
                "www",
                "record.name: 'www' is not inside zone 'example.com' "
                "(record names are fully qualified, e.g. 'www.example.com')",
            ),
            (
                "a.*.example.com",
                "record.name: '*' may only be the first label, as in '*.example.com'",
            ),
            ("a*.example.com", "record.name: label 'a*': '*' may only be the whole first label"),
            (
                "-x.example.com",
                "record.name: label '-x' must not start or end with a hyphen",
            ),
            (
                "a b.example.com",
                "record.name: label 'a b' may only contain letters, digits, hyphens and "
                "underscores",
            ),
            ("", "record.name: must not be empty"),
            (None, "record.name: must be a record name (str), got None"),
        ],
    )
    def test_rejects(self, value: object, expected: str) -> None:
        assert message(lambda: record_name(value, ZONE)) == expected

    def test_bad_zone_is_reported_as_zone(self) -> None:
        assert problems(lambda: record_name("www.x", "x"))[0].argument == "zone"


class TestRelativeAbsolute:
    @pytest.mark.parametrize(
        ("fqdn", "relative"),
        [
            ("example.com", ""),
            ("www.example.com", "www"),
            ("_sip._tcp.example.com", "_sip._tcp"),
            ("*.example.com", "*"),
            ("WWW.Example.com.", "www"),
        ],
    )
    def test_relative_name(self, fqdn: str, relative: str) -> None:
        assert relative_name(fqdn, ZONE) == relative

    def test_relative_name_outside_zone(self) -> None:
        assert message(lambda: relative_name("www.notexample.com", ZONE)) == (
            "record.name: 'www.notexample.com' is not inside zone 'example.com'"
        )
        assert problems(lambda: relative_name(None, ZONE))[0].argument == "record.name"  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("relative", "fqdn"),
        [
            ("", "example.com"),
            ("@", "example.com"),
            ("www", "www.example.com"),
            ("_sip._tcp", "_sip._tcp.example.com"),
            ("sip.example.com.", "sip.example.com"),  # already absolute
            ("Mail", "mail.example.com"),
        ],
    )
    def test_absolute_name(self, relative: str, fqdn: str) -> None:
        assert absolute_name(relative, ZONE) == fqdn


class TestScalars:
    @pytest.mark.parametrize("value", [1, 60, 86400, MAX_TTL])
    def test_ttl_accepts(self, value: int) -> None:
        assert ttl(value) == value

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (0, "ttl: must be an integer from 1 to 2147483647, got 0"),
            (-5, "ttl: must be an integer from 1 to 2147483647, got -5"),
            (MAX_TTL + 1, "ttl: must be an integer from 1 to 2147483647, got 2147483648"),
            (True, "ttl: must be an integer from 1 to 2147483647, got bool True"),
            ("3600", "ttl: must be an integer from 1 to 2147483647, got str '3600'"),
            (3600.0, "ttl: must be an integer from 1 to 2147483647, got float 3600.0"),
            (None, "ttl: must be an integer from 1 to 2147483647, got None"),
            ([1], "ttl: must be an integer from 1 to 2147483647, got list"),
        ],
    )
    def test_ttl_rejects(self, value: object, expected: str) -> None:
        assert message(lambda: ttl(value)) == expected

    def test_huge_integer(self) -> None:
        text = message(lambda: ttl(10**5000))
        assert text.startswith("ttl: must be an integer from 1 to 2147483647, got an integer of")
        assert len(text) < 120

    def test_daily_send_limit(self) -> None:
        assert daily_send_limit(0) == 0
        assert daily_send_limit(500) == 500
        assert message(lambda: daily_send_limit(-1)) == (
            "daily_send_limit: must be an integer of 0 or more, got -1"
        )
        assert message(lambda: daily_send_limit(False)) == (
            "daily_send_limit: must be an integer of 0 or more, got bool False"
        )
        assert message(lambda: daily_send_limit("10", argument="limit")) == (
            "limit: must be an integer of 0 or more, got str '10'"
        )

    def test_telecomx_id(self) -> None:
        assert telecomx_id("5F1E0C7A9B3D2E4F6A8B0C1D", "customer") == "5f1e0c7a9b3d2e4f6a8b0c1d"
        assert message(lambda: telecomx_id("abc", "customer")) == (
            "customer: must be 24 hexadecimal characters, got 3: 'abc'"
        )
        assert message(lambda: telecomx_id("5f1e0c7a9b3d2e4f6a8b0c1g", "product")) == (
            "product: must be 24 hexadecimal characters, 'g' (U+0067) is not hexadecimal in "
            "'5f1e0c7a9b3d2e4f6a8b0c1g'"
        )
        assert message(lambda: telecomx_id(None, "customer")) == (
            "customer: must be 24 hexadecimal characters (str), got None"
        )
        assert message(lambda: telecomx_id("5f1e0c7a9b3d2e4f6a8b0c1d\n", "customer")).startswith(
            "customer: must be 24 hexadecimal characters, got 25"
        )

    def test_api_version(self) -> None:
        assert api_version("v2024.07.31", VERSIONS) == "v2024.07.31"
        assert message(lambda: api_version("2024-07-31", VERSIONS)) == (
            "api_version: must be one of 'v2023.07.31', 'v2024.07.31', got str '2024-07-31'"
        )
        assert message(lambda: api_version(None, VERSIONS)) == (
            "api_version: must be one of 'v2023.07.31', 'v2024.07.31', got None"
        )


class TestHostname:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("mail.example.com", "mail.example.com"),
            ("Mail.Example.com.", "mail.example.com"),
            ("localhost", "localhost"),
            ("mx.bücher.example", "mx.xn--bcher-kva.example"),
        ],
    )
    def test_accepts(self, value: str, expected: str) -> None:
        assert hostname(value, "target") == expected

    def test_underscores_only_when_asked(self) -> None:
        value = "s1._domainkey.example.com"
        assert hostname(value, "target", underscores=True) == value
        assert message(lambda: hostname(value, "target")) == (
            "target: label '_domainkey' may only contain letters, digits and hyphens"
        )

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("192.0.2.1", "target: must be a host name, not an IP address, got '192.0.2.1'"),
            ("2001:db8::1", "target: must be a host name, not an IP address, got '2001:db8::1'"),
            ("", "target: must not be empty"),
            (".", "target: must be a host name, not the root '.'"),
            (
                "a..b",
                "target: must not contain an empty label (a leading dot or two dots in a row), "
                "got 'a..b'",
            ),
            (7, "target: must be a host name (str), got 7"),
        ],
    )
    def test_rejects(self, value: object, expected: str) -> None:
        assert message(lambda: hostname(value, "target")) == expected


class TestRecordValue:
    @pytest.mark.parametrize(
        ("rtype", "value", "priority", "expected"),
        [
            (RecordType.A, "192.0.2.1", None, ("192.0.2.1", None)),
            (RecordType.AAAA, "2001:DB8:0:0:0:0:0:1", None, ("2001:db8::1", None)),
            (
                RecordType.AAAA,
                "2001:db8:85a3:0:0:8a2e:370:7334",
                None,
                ("2001:db8:85a3::8a2e:370:7334", None),
            ),
            (
                RecordType.CNAME,
                "s1._domainkey.Example.com.",
                None,
                ("s1._domainkey.example.com", None),
            ),
            (RecordType.NS, "ns1.telecomx.dk.", None, ("ns1.telecomx.dk", None)),
            (RecordType.MX, "Mail.example.com", 0, ("mail.example.com", 0)),
            (RecordType.MX, "mail.example.com", 65535, ("mail.example.com", 65535)),
            (
                RecordType.SRV,
                "10 60 5060 sip.telecomx.dk.",
                None,
                ("10 60 5060 sip.telecomx.dk", None),
            ),
            (RecordType.SRV, "0  0\t0 .", None, ("0 0 0 .", None)),
            (
                RecordType.SRV,
                "010 60 5060 SIP.example.com",
                None,
                ("10 60 5060 sip.example.com", None),
            ),
            (
                RecordType.TXT,
                "v=spf1 include:spf.mandrillapp.com ?all",
                None,
                ("v=spf1 include:spf.mandrillapp.com ?all", None),
            ),
            (RecordType.TXT, 'say "hi" \\o/', None, ('say "hi" \\o/', None)),
            (RecordType.TXT, "x" * 4096, None, ("x" * 4096, None)),
            ("txt", "x", None, ("x", None)),
        ],
    )
    def test_accepts(
        self, rtype: RecordType, value: str, priority: int | None, expected: tuple[str, int | None]
    ) -> None:
        assert record_value(rtype, value, priority=priority) == expected

    @pytest.mark.parametrize(
        ("rtype", "value", "priority", "expected"),
        [
            (
                RecordType.A,
                "01.2.3.4",
                None,
                "record.value: must be an IPv4 address without leading zeros (ambiguous: octal or "
                "decimal?), got '01.2.3.4'",
            ),
            (
                RecordType.A,
                "256.1.1.1",
                None,
                "record.value: must be an IPv4 address such as 192.0.2.1, got '256.1.1.1'",
            ),
            (
                RecordType.A,
                "2001:db8::1",
                None,
                "record.value: must be an IPv4 address such as 192.0.2.1, got '2001:db8::1' (that "
                "is an IPv6 address: use an AAAA record)",
            ),
            (RecordType.A, "", None, "record.value: must not be empty"),
            (RecordType.A, 3232235777, None, "record.value: must be a str, got 3232235777"),
            (
                RecordType.AAAA,
                "192.0.2.1",
                None,
                "record.value: must be an IPv6 address such as 2001:db8::1, got '192.0.2.1' (that "
                "is an IPv4 address: use an A record)",
            ),
            (
                RecordType.AAAA,
                "fe80::1%eth0",
                None,
                "record.value: must be an IPv6 address such as 2001:db8::1, got 'fe80::1%eth0' (a "
                "scope id such as %eth0 cannot be published)",
            ),
            (
                RecordType.CNAME,
                "a b.example.com",
                None,
                "record.value: label 'a b' may only contain letters, digits, hyphens and "
                "underscores",
            ),
            (
                RecordType.NS,
                "_ns.example.com",
                None,
                "record.value: label '_ns' may only contain letters, digits and hyphens",
            ),
            (
                RecordType.MX,
                "mail.example.com",
                None,
                "record.priority: an MX record needs a priority, an integer from 0 to 65535",
            ),
            (
                RecordType.MX,
                "mail.example.com",
                65536,
                "record.priority: must be an integer from 0 to 65535, got 65536",
            ),
            (
                RecordType.MX,
                "mail.example.com",
                True,
                "record.priority: must be an integer from 0 to 65535, got bool True",
            ),
            (RecordType.MX, ".", 0, "record.value: must be a host name, not the root '.'"),
            (
                RecordType.SRV,
                "10 60 sip.example.com",
                None,
                "record.value: an SRV value is 'priority weight port target', e.g. '10 60 5060 "
                "sip.example.com', got '10 60 sip.example.com'",
            ),
            (
                RecordType.SRV,
                "10 60 70000 sip.example.com",
                None,
                "record.value: the SRV port must be an integer from 0 to 65535, got '70000'",
            ),
            (
                RecordType.SRV,
                "-1 60 5060 sip.example.com",
                None,
                "record.value: the SRV priority must be an integer from 0 to 65535, got '-1'",
            ),
            (
                RecordType.SRV,
                "1 x 5060 sip.example.com",
                None,
                "record.value: the SRV weight must be an integer from 0 to 65535, got 'x'",
            ),
            (
                RecordType.SRV,
                "1 1 5060 sip_x.example.com",
                None,
                "record.value: the SRV target label 'sip_x' may only contain letters, digits and "
                "hyphens",
            ),
            (
                RecordType.SRV,
                "1 1 5060 sip.example.com",
                1,
                "record.priority: only MX records take a priority, not SRV records (an SRV "
                "record's priority is the first number of its value)",
            ),
            (
                RecordType.TXT,
                "x",
                10,
                "record.priority: only MX records take a priority, not TXT records",
            ),
            (
                RecordType.TXT,
                '"v=spf1 -all"',
                None,
                "record.value: TXT text must be given without quotes (maildns quotes it), got "
                "'\"v=spf1 -all\"'",
            ),
            (
                RecordType.TXT,
                "Bücher",
                None,
                "record.value: TXT text must be ASCII (non-ASCII TXT data is not portable across "
                "DNS providers), found 'ü' (U+00FC) at position 2",
            ),
            (
                RecordType.TXT,
                "a\nb",
                None,
                "record.value: TXT text must not contain control characters, found '\\n' (U+000A) "
                "at position 2",
            ),
            (
                RecordType.TXT,
                "x" * 4097,
                None,
                "record.value: TXT text must be at most 4096 characters, got 4097",
            ),
            (
                "SPF",
                "v=spf1 -all",
                None,
                "record.type: must be a record type (A, AAAA, CNAME, MX, NS, SRV, TXT), got str "
                "'SPF'",
            ),
        ],
    )
    def test_rejects(self, rtype: RecordType, value: object, priority: Any, expected: str) -> None:
        assert message(lambda: record_value(rtype, value, priority=priority)) == expected

    def test_value_and_priority_both_reported(self) -> None:
        assert problems(lambda: record_value(RecordType.MX, "m_x.example.com", priority=-1)) == (
            Problem("record.value", "label 'm_x' may only contain letters, digits and hyphens"),
            Problem("record.priority", "must be an integer from 0 to 65535, got -1"),
        )

    def test_sibling_argument_names(self) -> None:
        found = problems(lambda: record_value(RecordType.TXT, "", "new_value", priority=3))
        assert [p.argument for p in found] == ["new_value", "priority"]


class TestTxtRdata:
    @pytest.mark.parametrize(
        ("text", "rdata"),
        [
            ("v=spf1 -all", '"v=spf1 -all"'),
            ("", '""'),
            ('say "hi"', '"say \\"hi\\""'),
            ("back\\slash", '"back\\\\slash"'),
            ("x" * 255, '"' + "x" * 255 + '"'),
            ("x" * 256, '"' + "x" * 255 + '" "x"'),
        ],
    )
    def test_examples(self, text: str, rdata: str) -> None:
        assert TXT.present(text) == rdata
        assert TXT.parse(rdata)[0] == text

    def test_escapes_count_after_the_split(self) -> None:
        text = '"' * 300
        rdata = TXT.present(text)
        assert rdata == '"' + '\\"' * 255 + '" "' + '\\"' * 45 + '"'
        assert TXT.parse(rdata)[0] == text

    @pytest.mark.parametrize(
        ("rdata", "text"),
        [
            ("v=spf1 -all", "v=spf1 -all"),  # unquoted, as some vendors send it
            ('"v=spf1 " "-all"', "v=spf1 -all"),
            ('  "a"\t"b"  ', "ab"),
            ('"\\059"', ";"),  # RFC 1035 \DDD
            ('"unterminated', '"unterminated'),  # not quoted strings: as it is
            ('"a" b', '"a" b'),
        ],
    )
    def test_parse(self, rdata: str, text: str) -> None:
        assert TXT.parse(rdata)[0] == text

    def test_sandbox_accepts_the_rdata(self) -> None:
        assert TELECOMX_TXT.match(TXT.present("v=spf1 " + "include:x.example " * 40 + "-all"))


class TestDnsRecord:
    def test_normalises(self) -> None:
        record = DnsRecord(RecordType.MX, "Example.COM.", "Mail.example.com.", priority=10)
        assert dns_record(record, ZONE) == DnsRecord(
            RecordType.MX, "example.com", "mail.example.com", priority=10
        )

    def test_keeps_purpose_and_verified(self) -> None:
        record = DnsRecord(
            "txt",  # type: ignore[arg-type]
            "mandrill._domainkey.example.com",
            "v=DKIM1; k=rsa; p=MIGf",
            purpose="dkim",  # type: ignore[arg-type]
            verified=True,
        )
        checked = dns_record(record, ZONE)
        assert checked.type is RecordType.TXT
        assert checked.purpose is RecordPurpose.DKIM
        assert checked.verified is True

    def test_reports_name_and_value(self) -> None:
        record = DnsRecord(RecordType.A, "www.other.com", "01.2.3.4")
        assert problems(lambda: dns_record(record, ZONE)) == (
            Problem("record.name", "'www.other.com' is not inside zone 'example.com'"),
            Problem(
                "record.value",
                "must be an IPv4 address without leading zeros (ambiguous: octal or decimal?), "
                "got '01.2.3.4'",
            ),
        )

    def test_reports_type_name_and_purpose(self) -> None:
        record = DnsRecord("SPF", None, "x", purpose="nope")  # type: ignore[arg-type]
        assert [p.argument for p in problems(lambda: dns_record(record, ZONE))] == [
            "record.type",
            "record.name",
            "record.purpose",
        ]

    def test_srv_name(self) -> None:
        good = DnsRecord(RecordType.SRV, "_sip._tcp.example.com", "10 60 5060 sip.example.com.")
        assert dns_record(good, ZONE).value == "10 60 5060 sip.example.com"
        bad = DnsRecord(RecordType.SRV, "sip.example.com", "10 60 5060 sip.example.com")
        assert message(lambda: dns_record(bad, ZONE)) == (
            "record.name: an SRV record's name must start with '_service._proto', "
            "e.g. '_sip._tcp.example.com', got 'sip.example.com'"
        )

    def test_not_a_record(self) -> None:
        assert message(lambda: dns_record("A www 1.2.3.4", ZONE, "records[0]")) == (  # type: ignore[arg-type]
            "records[0]: must be a DnsRecord, got str 'A www 1.2.3.4'"
        )

    def test_argument_prefix(self) -> None:
        record = DnsRecord(RecordType.MX, "example.com", "mail.example.com")
        assert problems(lambda: dns_record(record, ZONE, "records[2]")) == (
            Problem(
                "records[2].priority", "an MX record needs a priority, an integer from 0 to 65535"
            ),
        )


class TestChecker:
    def test_collects_in_order(self) -> None:
        c = Checker()
        d = c.check(domain_name, "exa_mple.com", "domain")
        n = c.check(daily_send_limit, -1, "daily_send_limit")
        v = c.check(api_version, "v2024.07.31", "api_version", known=VERSIONS)
        assert (d, n, v) == ("exa_mple.com", -1, "v2024.07.31")  # inputs back unchanged
        assert c
        with pytest.raises(InvalidInputError) as info:
            c.raise_if_any()
        assert info.value.problems == (
            Problem("domain", "label 'exa_mple' may only contain letters, digits and hyphens"),
            Problem("daily_send_limit", "must be an integer of 0 or more, got -1"),
        )
        assert str(info.value) == (
            "2 problems: domain: label 'exa_mple' may only contain letters, digits and hyphens; "
            "daily_send_limit: must be an integer of 0 or more, got -1"
        )

    def test_returns_validated_values(self) -> None:
        c = Checker()
        assert c.check(domain_name, "Example.COM", "domain") == "example.com"
        assert c.check(record_name, "WWW.example.com", "name", zone=ZONE) == "www.example.com"
        assert not c
        c.raise_if_any()

    def test_keeps_every_problem_of_one_error(self) -> None:
        c = Checker()
        c.check(dns_record, DnsRecord(RecordType.A, "x.org", "x"), "record", zone=ZONE)
        c.add("other", "is wrong")
        assert [p.argument for p in c.problems] == ["record.name", "record.value", "other"]


# =========================================================================== properties

ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(),
    st.binary(max_size=20),
    st.lists(st.integers(), max_size=3),
)
TEXTISH = st.one_of(st.text(), st.text(alphabet="abc.-_*0123456789üÜ。", max_size=30))

ascii_label = st.from_regex(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", fullmatch=True
).filter(lambda label: not label.lower().startswith("xn--"))
tld = st.sampled_from(["com", "example", "test", "de", "dk", "io", "COM", "рф", "테스트", "中国"])


@st.composite
def ascii_domains(draw: st.DrawFn) -> str:
    labels = draw(st.lists(ascii_label, min_size=1, max_size=3))
    name = ".".join([*labels, draw(st.sampled_from(["com", "example", "DK", "x1"]))])
    assume(len(name) <= 253)
    return name + draw(st.sampled_from(["", "."]))


IDN_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz0123456789-"
    "ABCXYZ"
    "äöüéèêçñßøåæœ"
    "ÄÖÜÉÈÇÑØÅ"
    "абвгдежзийклмнопрстуфхцчшщыэюя"
    "АБВЖЯ"
    "日本語中文テスト"
)


def _idn_label_ok(label: str) -> bool:
    return not (label.startswith("-") or label.endswith("-") or label[2:4] == "--")


idn_label = st.text(alphabet=IDN_ALPHABET, min_size=1, max_size=12).filter(_idn_label_ok)


@st.composite
def idn_domains(draw: st.DrawFn) -> str:
    labels = draw(st.lists(idn_label, min_size=1, max_size=3))
    name = ".".join([*labels, draw(tld)])
    assume(not name.isascii())
    return name


@given(ascii_domains())
@FAST
def test_property_ascii_domains_accepted_and_round_trip(value: str) -> None:
    result = domain_name(value)
    assert result == value.rstrip(".").lower() or result == value[:-1].lower()
    assert domain_name(result) == result
    assert domain_name(result + ".") == result


@given(idn_domains(), st.sampled_from(["", "."]))
@FAST
def test_property_idn_domains_go_out_as_punycode(value: str, dot: str) -> None:
    result = domain_name(value + dot)
    assert result.isascii()
    assert result == result.lower()
    assert "xn--" in result
    assert domain_name(result) == result  # round-trips
    assert idna.decode(result) == value.lower()


@given(
    ascii_domains(),
    st.sampled_from(["_", "!", " ", "@", "/", ":", "*", "\x00", "\\", "+", "(", "😀"]),
    st.data(),
)
@FAST
def test_property_bad_characters_rejected(value: str, bad: str, data: st.DataObject) -> None:
    name = value.rstrip(".")
    at = data.draw(st.integers(0, len(name)))
    broken = name[:at] + bad + name[at:]
    with pytest.raises(InvalidInputError) as info:
        domain_name(broken)
    assert str(info.value).startswith("domain: ")


@given(ascii_domains(), st.sampled_from(["-", "."]), st.booleans())
@FAST
def test_property_bad_label_ends_rejected(value: str, bad: str, front: bool) -> None:
    name = value.rstrip(".")
    broken = bad + name if front else name + bad + (bad if bad == "." else "")
    with pytest.raises(InvalidInputError) as info:
        domain_name(broken)
    assert info.value.problems[0].argument == "domain"


@given(TEXTISH)
@FAST
def test_property_domain_name_any_text(value: str) -> None:
    result = accepted_or_rejected(lambda: domain_name(value), "domain", value)
    if result is not None:
        assert isinstance(result, str)
        assert domain_name(result) == result
        assert len(result) <= 253
        assert re.fullmatch(
            r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+",
            result,
        ), "the result fits Tesouro's documented pattern"


@given(ANYTHING)
@FAST
def test_property_validators_never_leak_other_exceptions(value: object) -> None:
    calls: list[tuple[Callable[[], object], str]] = [
        (lambda: domain_name(value), "domain"),
        (lambda: record_name(value, ZONE), "record.name"),
        (lambda: hostname(value, "target"), "target"),
        (lambda: hostname(value, "target", underscores=True), "target"),
        (lambda: telecomx_id(value, "customer"), "customer"),
        (lambda: ttl(value), "ttl"),
        (lambda: daily_send_limit(value), "daily_send_limit"),
        (lambda: api_version(value, VERSIONS), "api_version"),
        (lambda: relative_name(value, ZONE), "record.name"),  # type: ignore[arg-type]
        (lambda: absolute_name(value, ZONE), "record.name"),  # type: ignore[arg-type]
        (lambda: dns_record(value, ZONE), "record"),  # type: ignore[arg-type]
    ]
    for call, argument in calls:
        accepted_or_rejected(call, argument, value)


@given(
    st.sampled_from(list(RecordType)),
    ANYTHING,
    st.one_of(st.none(), st.integers(), st.booleans(), st.text(max_size=3)),
)
@FAST
def test_property_record_value_any_input(rtype: RecordType, value: object, priority: Any) -> None:
    result = accepted_or_rejected(
        lambda: record_value(rtype, value, priority=priority), "record", value
    )
    if result is not None:
        text, checked = cast(tuple[str, int | None], result)
        assert record_value(rtype, text, priority=checked) == (text, checked)


@given(
    st.sampled_from([*RecordType, "mx", "SPF", None, 3]),
    st.one_of(TEXTISH, st.none(), st.integers()),
    st.one_of(TEXTISH, st.none()),
    st.one_of(st.none(), st.integers(-5, 70000), st.booleans()),
)
@FAST
def test_property_dns_record_any_fields(rtype: Any, name: Any, value: Any, priority: Any) -> None:
    record = DnsRecord(rtype, name, value, priority=priority)
    result = accepted_or_rejected(lambda: dns_record(record, ZONE), "record")
    if result is not None:
        assert isinstance(result, DnsRecord)
        assert dns_record(result, ZONE) == result


@given(st.ip_addresses(v=4))
@FAST
def test_property_ipv4_accepted(address: ipaddress.IPv4Address) -> None:
    assert record_value(RecordType.A, str(address)) == (str(address), None)


@given(st.lists(st.integers(0, 255), min_size=4, max_size=4), st.integers(0, 3))
@FAST
def test_property_ipv4_leading_zeros_rejected(octets: list[int], at: int) -> None:
    parts = [str(o) for o in octets]
    parts[at] = "0" + parts[at]
    text = message(lambda: record_value(RecordType.A, ".".join(parts)))
    assert text.startswith("record.value: must be an IPv4 address")


@given(st.ip_addresses(v=6), st.booleans())
@FAST
def test_property_ipv6_accepted_and_compressed(address: ipaddress.IPv6Address, upper: bool) -> None:
    written = address.exploded.upper() if upper else address.exploded
    assert record_value(RecordType.AAAA, written) == (address.compressed, None)


@given(st.text(alphabet=st.characters(max_codepoint=0xFF)))
@FAST
def test_property_txt_rdata_round_trips(text: str) -> None:
    # TXT text is read as latin-1 (one character per octet): any such text round-trips
    rdata = TXT.present(text)
    assert TXT.parse(rdata)[0] == text
    pieces = re.findall(r'"((?:[^"\\]|\\.)*)"', rdata, re.DOTALL)
    assert " ".join(f'"{p}"' for p in pieces) == rdata
    for piece in pieces:
        assert len(re.sub(r"\\([0-9]{3}|.)", "x", piece, flags=re.DOTALL)) <= 255


@given(
    st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=1200
    )
)
@FAST
def test_property_valid_txt_published_and_parsed_back(text: str) -> None:
    assume(not TELECOMX_TXT.match(text))  # quoted text is refused (see the examples)
    value, _ = record_value(RecordType.TXT, text)
    assert value == text
    rdata = TXT.present(value)
    assert TELECOMX_TXT.match(rdata), "TelecomX's TXT syntax"
    assert TXT.parse(rdata)[0] == text


@given(st.integers())
@FAST
def test_property_integers(value: int) -> None:
    for fn, low, high in ((ttl, 1, MAX_TTL), (daily_send_limit, 0, None)):
        ok = value >= low and (high is None or value <= high)
        if ok:
            assert fn(value) == value
        else:
            assert message(lambda fn=fn: fn(value)).startswith(f"{fn.__name__}: must be an integer")  # type: ignore[misc]
    ok = 0 <= value <= 65535
    if ok:
        assert record_value(RecordType.MX, "mx.example.com", priority=value) == (
            "mx.example.com",
            value,
        )
    else:
        assert (
            problems(lambda: record_value(RecordType.MX, "mx.example.com", priority=value))[
                0
            ].argument
            == "record.priority"
        )


@given(st.from_regex(r"[0-9a-fA-F]{24}", fullmatch=True))
@FAST
def test_property_telecomx_ids_accepted(value: str) -> None:
    assert telecomx_id(value, "customer") == value.lower()


@given(st.text(max_size=30))
@FAST
def test_property_telecomx_id_any_text(value: str) -> None:
    valid = re.fullmatch(r"[0-9a-fA-F]{24}", value) is not None
    result = accepted_or_rejected(lambda: telecomx_id(value, "product"), "product", value)
    assert (result is not None) == valid


@given(st.one_of(st.sampled_from(VERSIONS), st.text(max_size=20)))
@FAST
def test_property_api_version(value: str) -> None:
    result = accepted_or_rejected(lambda: api_version(value, VERSIONS), "api_version", value)
    assert (result is not None) == (value in VERSIONS)


record_label = st.from_regex(
    r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,20}[A-Za-z0-9_])?", fullmatch=True
).filter(lambda label: not label.lower().startswith("xn--"))


@given(st.lists(record_label, max_size=3), st.booleans(), ascii_domains())
@FAST
def test_property_record_names_relative_and_back(
    labels: list[str], wildcard: bool, zone: str
) -> None:
    zone = domain_name(zone)
    relative = ".".join(["*", *labels] if wildcard else labels)
    fqdn_in = f"{relative}.{zone}" if relative else zone
    assume(len(fqdn_in) <= 253)
    fqdn = record_name(fqdn_in.upper(), zone)
    assert fqdn == fqdn_in.lower()
    assert record_name(fqdn, zone) == fqdn
    assert relative_name(fqdn, zone) == relative.lower()
    assert absolute_name(relative_name(fqdn, zone), zone) == fqdn


@given(TEXTISH)
@FAST
def test_property_record_name_any_text(value: str) -> None:
    result = accepted_or_rejected(lambda: record_name(value, ZONE), "record.name", value)
    if result is not None:
        assert isinstance(result, str)
        assert result == ZONE or result.endswith("." + ZONE)
        assert record_name(result, ZONE) == result


@given(TEXTISH, st.booleans())
@FAST
def test_property_hostname_any_text(value: str, underscores: bool) -> None:
    result = accepted_or_rejected(
        lambda: hostname(value, "target", underscores=underscores), "target", value
    )
    if result is not None:
        assert isinstance(result, str)
        assert result.isascii()
        assert result == result.lower()
        assert hostname(result, "target", underscores=underscores) == result


@given(
    st.integers(0, 70000),
    st.integers(0, 70000),
    st.integers(0, 70000),
    st.one_of(st.just("."), ascii_domains()),
)
@FAST
def test_property_srv_values(priority: int, weight: int, port: int, target: str) -> None:
    value = f"{priority} {weight} {port} {target}"
    ok = max(priority, weight, port) <= 65535
    result = accepted_or_rejected(
        lambda: record_value(RecordType.SRV, value), "record.value", value
    )
    assert (result is not None) == ok
    if ok:
        expected_target = "." if target == "." else target.rstrip(".").lower()
        assert result == (f"{priority} {weight} {port} {expected_target}", None)


@given(
    st.lists(
        st.tuples(st.booleans(), st.sampled_from(["domain", "ttl", "limit", "version"])), max_size=6
    )
)
@FAST
def test_property_checker_keeps_order(plan: list[tuple[bool, str]]) -> None:
    good_bad: dict[str, tuple[Callable[..., object], object, object, dict[str, Any]]] = {
        "domain": (domain_name, "example.com", "exa_mple.com", {}),
        "ttl": (ttl, 60, 0, {}),
        "limit": (daily_send_limit, 5, -5, {}),
        "version": (api_version, VERSIONS[0], "v0", {"known": VERSIONS}),
    }
    c = Checker()
    expected: list[str] = []
    for index, (bad, kind) in enumerate(plan):
        fn, good_value, bad_value, kwargs = good_bad[kind]
        argument = f"{kind}{index}"
        c.check(fn, bad_value if bad else good_value, argument, **kwargs)
        if bad:
            expected.append(argument)
    if expected:
        with pytest.raises(InvalidInputError) as info:
            c.raise_if_any()
        assert [p.argument for p in info.value.problems] == expected
    else:
        c.raise_if_any()


@st.composite
def valid_records(draw: st.DrawFn) -> DnsRecord:
    rtype = draw(st.sampled_from(list(RecordType)))
    name = draw(
        st.sampled_from(["example.com", "www.example.com", "*.example.com", "_x.example.com"])
    )
    priority = None
    if rtype is RecordType.A:
        value = str(draw(st.ip_addresses(v=4)))
    elif rtype is RecordType.AAAA:
        value = draw(st.ip_addresses(v=6)).exploded
    elif rtype is RecordType.CNAME:
        value = ".".join([*draw(st.lists(record_label, min_size=1, max_size=2)), "example.net"])
    elif rtype in (RecordType.NS, RecordType.MX):
        value = draw(ascii_domains())
        priority = draw(st.integers(0, 65535)) if rtype is RecordType.MX else None
    elif rtype is RecordType.SRV:
        name = "_sip._tcp.example.com"
        numbers = draw(st.lists(st.integers(0, 65535), min_size=3, max_size=3))
        target = draw(st.one_of(st.just("."), ascii_domains()))
        value = " ".join([*map(str, numbers), target])
    else:
        printable = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
        value = draw(st.text(alphabet=printable, min_size=1, max_size=600))
        assume(not TELECOMX_TXT.match(value))
    return DnsRecord(rtype, name, value, priority=priority)


@given(valid_records())
@FAST
def test_property_checked_records_pass_the_sandbox_rules(record: DnsRecord) -> None:
    """What the validators let through, the TelecomX sandbox's per-type rules accept."""
    sandbox = pytest.importorskip("maildns.sandbox._telecomx")
    check_record = getattr(sandbox, "_check_record", None)
    if check_record is None:
        pytest.skip("the sandbox no longer exposes _check_record")
    checked = dns_record(record, ZONE)
    assert dns_record(checked, ZONE) == checked
    rtype = f"MX {checked.priority}" if checked.type is RecordType.MX else checked.type.value
    rdata = TXT.present(checked.value) if checked.type is RecordType.TXT else checked.value
    check_record(relative_name(checked.name, ZONE), rtype, rdata)
    if checked.type is RecordType.TXT:
        assert TXT.parse(rdata)[0] == record.value
