"""The record type modules (maildns._dns.records), judged by dnspython.

dnspython is the independent oracle: what we present must parse with ``dns.rdata.from_text``
into the rdata an RFC 1035 zone file line would give, what we build must equal it, and what we
read back from rdata (and from its wire form) must be the maildns value we started from.
No network.
"""

from __future__ import annotations

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maildns._dns.records import (
    KINDS,
    expected_value,
    kind,
    kind_named,
    parse_rdata,
    rdata_of,
    record_of,
    served_value,
)
from maildns._dns.records.txt import MAX_TXT_STRING, TXT, decode, split
from maildns._dns.values import record_value
from maildns.errors import InvalidInputError
from maildns.models import DnsRecord, RecordType

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def oracle(rtype: RecordType, text: str) -> dns.rdata.Rdata:
    """What a zone file line ``<owner> IN <type> <text>`` holds, as dnspython reads it."""
    return dns.rdata.from_text(dns.rdataclass.IN, rtype.value, text)


# (type, value as given, priority, the checked value, the zone file rdata text)
EXAMPLES = [
    (RecordType.A, "192.0.2.1", None, "192.0.2.1", "192.0.2.1"),
    (RecordType.AAAA, "2001:DB8:0:0:0:0:0:1", None, "2001:db8::1", "2001:db8::1"),
    (RecordType.CNAME, "Target.Example.COM.", None, "target.example.com", "target.example.com."),
    (
        RecordType.CNAME,
        "s1.domainkey.u1.wl.sendgrid.net",
        None,
        "s1.domainkey.u1.wl.sendgrid.net",
        "s1.domainkey.u1.wl.sendgrid.net.",
    ),
    (RecordType.CNAME, "_dmarc.example.net", None, "_dmarc.example.net", "_dmarc.example.net."),
    (RecordType.MX, "MX.Example.com", 10, "mx.example.com", "10 mx.example.com."),
    (RecordType.MX, "mx.example.com", 0, "mx.example.com", "0 mx.example.com."),
    (RecordType.NS, "ns1.example.net.", None, "ns1.example.net", "ns1.example.net."),
    (
        RecordType.SRV,
        "10  60 5060   SIP.example.com",
        None,
        "10 60 5060 sip.example.com",
        "10 60 5060 sip.example.com.",
    ),
    (RecordType.SRV, "0 0 0 .", None, "0 0 0 .", "0 0 0 ."),
    (
        RecordType.TXT,
        "v=spf1 include:mailgun.org ~all",
        None,
        None,
        '"v=spf1 include:mailgun.org ~all"',
    ),
    (RecordType.TXT, 'say "hi" \\o/', None, None, '"say \\"hi\\" \\\\o/"'),
    (RecordType.TXT, "x" * 300, None, None, f'"{"x" * 255}" "{"x" * 45}"'),
]


def test_every_record_type_has_its_module() -> None:
    assert set(KINDS) == set(RecordType)
    for rtype, found in KINDS.items():
        assert found.type is rtype
        assert dns.rdatatype.to_text(found.rdtype) == rtype.value
        assert kind(rtype) is found
        assert kind_named(rtype.value) is found
    assert kind_named("CAA") is None
    assert kind_named("SOA") is None


@pytest.mark.parametrize(("rtype", "given", "priority", "checked", "zone_text"), EXAMPLES)
def test_examples_against_dnspython(
    rtype: RecordType, given: str, priority: int | None, checked: str | None, zone_text: str
) -> None:
    value, checked_priority = record_value(rtype, given, priority=priority)
    assert value == (given if checked is None else checked)
    module = kind(rtype)
    expected = oracle(rtype, zone_text)
    # what we build is what the zone file holds, and what we present reads as it
    assert module.to_rdata(value, checked_priority) == expected
    assert oracle(rtype, module.present(value, checked_priority)) == expected
    assert module.present(value, checked_priority) == expected.to_text()
    # another party's spelling of the value, in maildns's
    assert module.normal(given) == value
    # back: from dnspython's rdata, its presentation text, and its wire form
    assert module.from_rdata(expected) == (value, checked_priority)
    assert module.parse(zone_text) == (value, checked_priority)
    wire = expected.to_wire()
    from_wire = dns.rdata.from_wire(dns.rdataclass.IN, module.rdtype, wire, 0, len(wire))
    assert module.from_rdata(from_wire) == (value, checked_priority)


@pytest.mark.parametrize(
    ("rtype", "zone_text", "value", "priority"),
    [
        # dnspython keeps the case it was given: names are read back lower case, no final dot
        (RecordType.CNAME, "Target.EXAMPLE.com.", "target.example.com", None),
        (RecordType.NS, "NS1.Example.NET.", "ns1.example.net", None),
        (RecordType.MX, "20 MX2.Example.com.", "mx2.example.com", 20),
        (RecordType.SRV, "1 2 443 Web.Example.com.", "1 2 443 web.example.com", None),
        # an address in any spelling dnspython accepts is the compressed one
        (RecordType.AAAA, "2001:0db8:0000::0001", "2001:db8::1", None),
        # TXT: the strings joined without separator (RFC 7208 section 3.3)
        (
            RecordType.TXT,
            '"v=spf1 " "include:a.example" " -all"',
            "v=spf1 include:a.example -all",
            None,
        ),
        (RecordType.TXT, '"a\\059b"', "a;b", None),
    ],
)
def test_foreign_spellings_are_normalised(
    rtype: RecordType, zone_text: str, value: str, priority: int | None
) -> None:
    rd = oracle(rtype, zone_text)
    assert kind(rtype).from_rdata(rd) == (value, priority)
    owner = dns.name.from_text("WWW.Example.COM.")
    assert record_of(owner, rd) == DnsRecord(rtype, "www.example.com", value, priority=priority)


def test_types_maildns_does_not_model_are_left_out() -> None:
    owner = dns.name.from_text("example.com.")
    soa = dns.rdata.from_text("IN", "SOA", "ns.example.com. h.example.com. 1 2 3 4 5")
    caa = dns.rdata.from_text("IN", "CAA", '0 issue "ca.example"')
    assert record_of(owner, soa) is None
    assert record_of(owner, caa) is None
    assert served_value(caa) is None
    assert parse_rdata("CAA", '0 issue "ca.example"') is None


class TestTxt:
    def test_split_at_255_octets(self) -> None:
        text = "v=DKIM1; k=rsa; p=" + "A" * 600
        rd = rdata_of(DnsRecord(RecordType.TXT, "k._domainkey.example.com", text))
        assert isinstance(rd, dns.rdtypes.ANY.TXT.TXT)
        assert [len(s) for s in rd.strings] == [255, 255, 108]
        assert b"".join(rd.strings) == text.encode("ascii")
        assert split("") == [b""]
        assert MAX_TXT_STRING == 255

    def test_one_decoding_rule_latin_1(self) -> None:
        # octets someone else published (UTF-8 "é", a raw 0xff) read back as the very octets
        rd = dns.rdata.from_text("IN", "TXT", '"caf\\195\\169" "\\255"')
        assert isinstance(rd, dns.rdtypes.ANY.TXT.TXT)
        value, _ = TXT.from_rdata(rd)
        assert value == "caf\u00c3\u00a9\u00ff"
        assert split(value) == [b"caf\xc3\xa9\xff"]
        assert TXT.to_rdata(value) == dns.rdata.from_text("IN", "TXT", '"caf\\195\\169\\255"')
        # the presentation parser reads \DDD the same way
        assert TXT.parse('"caf\\195\\169" "\\255"')[0] == value
        assert decode([b"\x00\x7f"]) == "\x00\x7f"

    def test_unquoted_text_is_the_value(self) -> None:
        # some HTTP DNS APIs send TXT unquoted; dnspython would take each word as a string
        rd = parse_rdata("TXT", "v=spf1 include:a.example -all")
        assert isinstance(rd, dns.rdtypes.ANY.TXT.TXT)
        assert rd.strings == (b"v=spf1 include:a.example -all",)
        assert TXT.parse("v=spf1 include:a.example -all")[0] == "v=spf1 include:a.example -all"

    def test_quoted_strings_keep_their_boundaries(self) -> None:
        rd = parse_rdata("TXT", '"v=spf1 " "-all"')
        assert isinstance(rd, dns.rdtypes.ANY.TXT.TXT)
        assert rd.strings == (b"v=spf1 ", b"-all")

    def test_non_latin_1_text_cannot_be_published(self) -> None:
        with pytest.raises(InvalidInputError):
            record_value(RecordType.TXT, "caf\u00e9")
        with pytest.raises(UnicodeEncodeError, match="latin-1"):
            split("\u20ac")


@given(st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=700))
@FAST
def test_property_txt_presentation_is_dnspythons(text: str) -> None:
    rd = TXT.to_rdata(text)
    assert isinstance(rd, dns.rdtypes.ANY.TXT.TXT)
    assert b"".join(rd.strings) == text.encode("latin-1")
    assert all(len(s) <= 255 for s in rd.strings)
    presented = TXT.present(text)
    assert presented == rd.to_text()
    assert dns.rdata.from_text("IN", "TXT", presented) == rd
    assert TXT.parse(presented)[0] == text
    assert TXT.from_rdata(rd)[0] == text


@given(st.binary(max_size=300), st.binary(max_size=300))
@FAST
def test_property_any_octets_read_back_unchanged(first: bytes, second: bytes) -> None:
    rd = dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, [first[:255], second[:255]])
    value, _ = TXT.from_rdata(rd)
    assert value.encode("latin-1") == first[:255] + second[:255]
    assert TXT.parse(rd.to_text())[0] == value


LABEL = r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?"
HOSTS = st.from_regex(rf"{LABEL}(\.{LABEL}){{0,2}}\.[a-z]{{2,6}}", fullmatch=True)


@given(
    st.sampled_from([RecordType.CNAME, RecordType.NS, RecordType.MX]),
    HOSTS,
    st.integers(0, 65535),
    st.booleans(),
)
@FAST
def test_property_names_round_trip_through_dnspython(
    rtype: RecordType, host: str, preference: int, upper: bool
) -> None:
    priority = preference if rtype is RecordType.MX else None
    given = host.upper() + "." if upper else host
    value, checked = record_value(rtype, given, priority=priority)
    assert value == host
    module = kind(rtype)
    zone_text = f"{preference} {host}." if rtype is RecordType.MX else f"{host}."
    assert module.to_rdata(value, checked) == oracle(rtype, zone_text)
    assert module.parse(module.present(value, checked)) == (value, checked)
    record = DnsRecord(rtype, "example.com", value, priority=checked)
    assert served_value(rdata_of(record)) == expected_value(record)


@given(st.ip_addresses())
@FAST
def test_property_addresses_round_trip(address: object) -> None:
    rtype = RecordType.A if ":" not in str(address) else RecordType.AAAA
    value, _ = record_value(rtype, str(address))
    rd = kind(rtype).to_rdata(value)
    assert rd == oracle(rtype, str(address))
    assert kind(rtype).from_rdata(rd) == (value, None)


@given(st.integers(0, 65535), st.integers(0, 65535), st.integers(0, 65535), HOSTS)
@FAST
def test_property_srv_round_trips(priority: int, weight: int, port: int, host: str) -> None:
    value, _ = record_value(RecordType.SRV, f"{priority} {weight} {port} {host}")
    rd = kind(RecordType.SRV).to_rdata(value)
    assert rd == oracle(RecordType.SRV, f"{priority} {weight} {port} {host}.")
    assert kind(RecordType.SRV).from_rdata(rd) == (value, None)
    record = DnsRecord(RecordType.SRV, "_sip._tcp.example.com", value)
    assert served_value(rd) == expected_value(record) == value
