"""The sandbox's authoritative DNS server, queried over real loopback sockets (no cassettes).

pytest-recording's ``--block-network`` patches only ``socket.connect``/``connect_ex``, and
``--allowed-hosts=127.0.0.1`` lets those through to loopback; dnspython's UDP queries use
``sendto`` on an unconnected socket, so they are not affected at all.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

import maildns
from maildns import DnsRecord, RecordType
from maildns.sandbox import Sandbox, SandboxError

ZONE = "example.com"
TIMEOUT = 10.0  # a bound on an answer that must come, not a measure of speed


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


def _telecomx(sb: Sandbox) -> maildns.TelecomX:
    return maildns.TelecomX(base_url=sb.url("telecomx"), **sb.credentials("telecomx"))


def _zone(sb: Sandbox, domain: str = ZONE, ttl: int | None = None) -> maildns.TelecomX:
    client = _telecomx(sb)
    client.create_zone(
        domain, customer=sb.telecomx_customer_id, product=sb.telecomx_product_id, ttl=ttl
    )
    return client


def _ask(
    sb: Sandbox,
    name: str,
    rdtype: str,
    *,
    tcp: bool = False,
    server: int = 0,
) -> dns.message.Message:
    host, port = sb.dns_addresses[server]
    query = dns.message.make_query(name, rdtype)
    if tcp:
        return dns.query.tcp(query, host, port=port, timeout=TIMEOUT)
    return dns.query.udp(query, host, port=port, timeout=TIMEOUT)


def _rrset(msg: dns.message.Message, name: str, rdtype: str) -> dns.rrset.RRset:
    return msg.find_rrset(
        msg.answer, dns.name.from_text(name), dns.rdataclass.IN, dns.rdatatype.from_text(rdtype)
    )


def _texts(msg: dns.message.Message, name: str, rdtype: str) -> set[str]:
    return {rd.to_text() for rd in _rrset(msg, name, rdtype)}


def _aa(msg: dns.message.Message) -> bool:
    return bool(msg.flags & dns.flags.AA)


def test_not_running_raises() -> None:
    with pytest.raises(SandboxError):
        _ = Sandbox().dns_address
    with Sandbox() as sb:
        host, port = sb.dns_address
        assert host == "127.0.0.1"
        assert port > 0
        assert sb.dns_addresses[0] == sb.dns_address
        assert len(set(sb.dns_addresses)) == 2


def test_record_types(sb: Sandbox) -> None:
    client = _zone(sb, ttl=3600)
    dkim = "v=DKIM1; k=rsa; p=" + "A" * 382
    assert len(dkim) == 400
    for record in (
        DnsRecord(RecordType.A, "www.example.com", "192.0.2.10"),
        DnsRecord(RecordType.AAAA, "www.example.com", "2001:db8::10"),
        DnsRecord(RecordType.MX, "example.com", "mx1.example.net", priority=10),
        DnsRecord(RecordType.MX, "example.com", "mx2.example.net", priority=20),
        DnsRecord(RecordType.TXT, "mail.example.com", "v=spf1 include:_spf.example.net ~all"),
        DnsRecord(RecordType.TXT, "s1._domainkey.example.com", dkim),
        DnsRecord(RecordType.CNAME, "email.example.com", "mailgun.org"),
        DnsRecord(RecordType.CNAME, "alias.example.com", "www.example.com"),
        DnsRecord(RecordType.SRV, "_sip._tcp.example.com", "10 60 5060 sip.example.com"),
    ):
        client.add_record(ZONE, record)

    a = _ask(sb, "www.example.com", "A")
    assert a.rcode() == dns.rcode.NOERROR
    assert _aa(a)
    assert _texts(a, "www.example.com", "A") == {"192.0.2.10"}
    assert _rrset(a, "www.example.com", "A").ttl == 3600
    assert _texts(_ask(sb, "www.example.com", "AAAA"), "www.example.com", "AAAA") == {
        "2001:db8::10"
    }
    mx = _ask(sb, "example.com", "MX")
    assert {(rd.preference, rd.exchange.to_text()) for rd in _rrset(mx, "example.com", "MX")} == {
        (10, "mx1.example.net."),
        (20, "mx2.example.net."),
    }
    spf = _rrset(_ask(sb, "mail.example.com", "TXT"), "mail.example.com", "TXT")
    assert [b"".join(rd.strings) for rd in spf] == [b"v=spf1 include:_spf.example.net ~all"]
    key = next(
        iter(
            _rrset(_ask(sb, "s1._domainkey.example.com", "TXT"), "s1._domainkey.example.com", "TXT")
        )
    )
    assert len(key.strings) == 2
    assert b"".join(key.strings).decode() == dkim

    cname = _ask(sb, "email.example.com", "A")
    assert cname.rcode() == dns.rcode.NOERROR
    assert _aa(cname)
    assert _texts(cname, "email.example.com", "CNAME") == {"mailgun.org."}
    assert _texts(_ask(sb, "email.example.com", "CNAME"), "email.example.com", "CNAME") == {
        "mailgun.org."
    }
    # A CNAME into the zone is followed.
    chased = _ask(sb, "alias.example.com", "A")
    assert _texts(chased, "alias.example.com", "CNAME") == {"www.example.com."}
    assert _texts(chased, "www.example.com", "A") == {"192.0.2.10"}

    srv = _ask(sb, "_sip._tcp.example.com", "SRV", tcp=True)
    assert _texts(srv, "_sip._tcp.example.com", "SRV") == {"10 60 5060 sip.example.com."}


def test_apex_soa_and_ns(sb: Sandbox) -> None:
    _zone(sb, ttl=600)
    serial = _telecomx(sb).get_zone(ZONE).serial
    soa_msg = _ask(sb, "example.com", "SOA")
    assert _aa(soa_msg)
    soa = _rrset(soa_msg, "example.com", "SOA")
    assert soa.ttl == 600
    rd = next(iter(soa))
    assert rd.serial == serial
    assert rd.mname.to_text() == "ns1.sandbox.telecomx.test."
    assert rd.rname.to_text() == "hostmaster.example.com."
    ns = _ask(sb, "EXAMPLE.com", "NS", tcp=True)
    assert _aa(ns)
    assert _texts(ns, "example.com", "NS") == {
        "ns1.sandbox.telecomx.test.",
        "ns2.sandbox.telecomx.test.",
    }


def test_nxdomain_nodata_refused(sb: Sandbox) -> None:
    client = _zone(sb)
    client.add_record(ZONE, DnsRecord(RecordType.A, "a.b.example.com", "192.0.2.1"))

    nx = _ask(sb, "nope.example.com", "A")
    assert nx.rcode() == dns.rcode.NXDOMAIN
    assert _aa(nx)
    assert not nx.answer
    assert nx.authority[0].rdtype == dns.rdatatype.SOA
    assert nx.authority[0].name == dns.name.from_text("example.com")

    for name in ("a.b.example.com", "b.example.com"):  # b.example.com: empty non-terminal
        nodata = _ask(sb, name, "TXT")
        assert nodata.rcode() == dns.rcode.NOERROR
        assert _aa(nodata)
        assert not nodata.answer
        assert nodata.authority[0].rdtype == dns.rdatatype.SOA

    for name in ("example.org", "com", "notexample.com"):
        refused = _ask(sb, name, "A")
        assert refused.rcode() == dns.rcode.REFUSED
        assert not _aa(refused)
        assert not refused.answer


def test_truncation_and_tcp_fallback(sb: Sandbox) -> None:
    client = _zone(sb)
    values = [f"token-{i:02d}-" + "x" * 80 for i in range(12)]
    for value in values:
        client.add_record(ZONE, DnsRecord(RecordType.TXT, "big.example.com", value))
    host, port = sb.dns_address

    udp = _ask(sb, "big.example.com", "TXT")
    assert udp.flags & dns.flags.TC
    assert not udp.answer

    query = dns.message.make_query("big.example.com", "TXT")
    response, used_tcp = dns.query.udp_with_fallback(query, host, port=port, timeout=TIMEOUT)
    assert used_tcp
    assert not response.flags & dns.flags.TC
    got = {b"".join(rd.strings).decode() for rd in _rrset(response, "big.example.com", "TXT")}
    assert got == set(values)

    # A big enough EDNS buffer gets it over UDP.
    edns = dns.message.make_query("big.example.com", "TXT", use_edns=0, payload=4096)
    big = dns.query.udp(edns, host, port=port, timeout=TIMEOUT)
    assert not big.flags & dns.flags.TC
    assert len(_rrset(big, "big.example.com", "TXT")) == 12


def test_answers_follow_changes_and_reset(sb: Sandbox) -> None:
    client = _zone(sb)
    record = DnsRecord(RecordType.A, "www.example.com", "192.0.2.1")
    client.add_record(ZONE, record)
    assert _texts(_ask(sb, "www.example.com", "A"), "www.example.com", "A") == {"192.0.2.1"}
    serial = next(iter(_rrset(_ask(sb, "example.com", "SOA"), "example.com", "SOA"))).serial

    client.update_record(ZONE, record, "192.0.2.2")
    assert _texts(_ask(sb, "www.example.com", "A"), "www.example.com", "A") == {"192.0.2.2"}
    new_serial = next(iter(_rrset(_ask(sb, "example.com", "SOA"), "example.com", "SOA"))).serial
    assert new_serial == serial + 1

    client.delete_zone(ZONE)
    assert _ask(sb, "www.example.com", "A").rcode() == dns.rcode.REFUSED

    _zone(sb)
    assert _ask(sb, "example.com", "SOA").rcode() == dns.rcode.NOERROR
    sb.reset()
    assert _ask(sb, "example.com", "SOA").rcode() == dns.rcode.REFUSED


def test_fault_servfail_and_drop(sb: Sandbox) -> None:
    client = _zone(sb)
    client.add_record(ZONE, DnsRecord(RecordType.A, "www.example.com", "192.0.2.1"))
    sb.dns_fault("servfail", name="www.example.com", times=1)
    assert sb.pending_dns_faults() == [
        {"kind": "servfail", "name": "www.example.com.", "times": 1, "seconds": 0.0, "server": None}
    ]
    assert _ask(sb, "example.com", "SOA").rcode() == dns.rcode.NOERROR  # other names unaffected
    assert _ask(sb, "www.example.com", "A").rcode() == dns.rcode.SERVFAIL
    assert _ask(sb, "www.example.com", "A").rcode() == dns.rcode.NOERROR  # used up
    assert sb.pending_dns_faults() == []

    sb.dns_fault("drop", server="ns1")
    host, port = sb.dns_address
    query = dns.message.make_query("www.example.com", "A")
    with pytest.raises(dns.exception.Timeout):
        dns.query.udp(query, host, port=port, timeout=0.3)
    with pytest.raises((EOFError, ConnectionError)):
        dns.query.tcp(query, host, port=port, timeout=TIMEOUT)
    assert _ask(sb, "www.example.com", "A", server=1).rcode() == dns.rcode.NOERROR  # ns2 fine
    sb.clear_dns_faults()
    assert _ask(sb, "www.example.com", "A").rcode() == dns.rcode.NOERROR

    sb.dns_fault("servfail")
    sb.reset()  # a reset forgets DNS faults, like HTTP faults
    assert sb.pending_dns_faults() == []

    with pytest.raises(ValueError, match="unknown DNS fault"):
        sb.dns_fault("slow")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs seconds"):
        sb.dns_fault("delay")


def test_fault_propagation_delay(sb: Sandbox) -> None:
    client = _zone(sb)
    client.add_record(ZONE, DnsRecord(RecordType.A, "www.example.com", "192.0.2.1"))
    sb.advance_clock(600)  # the first record has long propagated
    sb.dns_fault("delay", seconds=60)
    client.add_record(ZONE, DnsRecord(RecordType.A, "new.example.com", "192.0.2.9"))

    for server in (0, 1):
        old = _ask(sb, "new.example.com", "A", server=server)
        assert old.rcode() == dns.rcode.NXDOMAIN
        assert _ask(sb, "www.example.com", "A", server=server).answer
    sb.advance_clock(59)
    assert _ask(sb, "new.example.com", "A").rcode() == dns.rcode.NXDOMAIN
    sb.advance_clock(1)
    assert _texts(_ask(sb, "new.example.com", "A"), "new.example.com", "A") == {"192.0.2.9"}

    # A zone created under the delay is not served (REFUSED) until it has propagated.
    _zone(sb, "example.org")
    assert _ask(sb, "example.org", "SOA").rcode() == dns.rcode.REFUSED
    sb.advance_clock(60)
    assert _ask(sb, "example.org", "SOA").rcode() == dns.rcode.NOERROR


def test_fault_ns2_lags(sb: Sandbox) -> None:
    client = _zone(sb)
    sb.advance_clock(10)
    sb.dns_fault("lag", seconds=300)
    assert sb.pending_dns_faults()[0]["server"] == "ns2"
    record = DnsRecord(RecordType.TXT, "mail.example.com", "v=spf1 -all")
    client.add_record(ZONE, record)
    assert _ask(sb, "mail.example.com", "TXT", server=0).answer
    # ns2 does not know the zone yet: it was created less than 300 s ago.
    assert _ask(sb, "mail.example.com", "TXT", server=1).rcode() == dns.rcode.REFUSED
    sb.advance_clock(299)
    lagging = _ask(sb, "mail.example.com", "TXT", server=1)
    assert lagging.rcode() == dns.rcode.NXDOMAIN
    serial = lambda i: next(iter(_rrset(_ask(sb, ZONE, "SOA", server=i), ZONE, "SOA"))).serial  # noqa: E731
    assert serial(1) == serial(0) - 1
    sb.advance_clock(1)
    assert _ask(sb, "mail.example.com", "TXT", server=1).answer
    assert serial(1) == serial(0)


# --- the vendors look at the same DNS -------------------------------------------------------------
def test_publish_dns_serves_records_through_a_telecomx_zone(sb: Sandbox) -> None:
    long_txt = "v=DKIM1; k=rsa; p=" + "A" * 300  # over 255: served as several strings
    sb.publish_dns(
        ZONE,
        [
            DnsRecord(RecordType.TXT, "k1._domainkey.mail.example.com", long_txt),
            DnsRecord(RecordType.MX, "mail.example.com", "mxa.mailgun.org", priority=10),
        ],
    )
    (txt,) = _rrset(
        _ask(sb, "k1._domainkey.mail.example.com", "TXT", tcp=True),
        "k1._domainkey.mail.example.com",
        "TXT",
    )
    assert b"".join(txt.strings).decode() == long_txt  # type: ignore[attr-defined]
    assert len(txt.strings) == 2  # type: ignore[attr-defined]
    assert _texts(_ask(sb, "mail.example.com", "MX"), "mail.example.com", "MX") == {
        "10 mxa.mailgun.org."
    }
    zone = _telecomx(sb).get_zone(ZONE)  # TelecomX shows them too, in the seeded account
    assert len(zone.records) == 2
    assert zone.raw.customer == sb.telecomx_customer_id

    with pytest.raises(ValueError, match="not inside zone"):
        sb.publish_dns(ZONE, [DnsRecord(RecordType.A, "www.example.org", "192.0.2.1")])
    with pytest.raises(ValueError, match="TelecomX would refuse"):
        sb.publish_dns(ZONE, [DnsRecord(RecordType.A, "www.example.com", "not an address")])
    assert len(_telecomx(sb).get_zone(ZONE).records) == 2  # nothing half-added


def test_tesouro_verifies_only_what_both_nameservers_serve(sb: Sandbox) -> None:
    with maildns.Tesouro(base_url=sb.url("tesouro"), **sb.credentials("tesouro")) as tesouro:
        created = tesouro.create_sending_domain("mail.example.com")
        sb.advance_clock(10)
        sb.dns_fault("lag", seconds=60)
        sb.publish_dns(ZONE, created.records)
        assert _ask(sb, "mail.example.com", "TXT", server=0).answer  # ns1 serves them
        lagging = tesouro.verify_sending_domain("mail.example.com")
        assert lagging.status is maildns.DomainStatus.PENDING
        assert {r.verified for r in lagging.records} == {False}
        assert sb.pending_dns_faults()[0]["times"] is None  # the vendor's look used up nothing
        sb.advance_clock(60)
        verified = tesouro.verify_sending_domain("mail.example.com")
        assert verified.status is maildns.DomainStatus.VERIFIED
        # A second SPF record at the name breaks SPF: the domain is no longer verified.
        sb.publish_dns(ZONE, [DnsRecord(RecordType.TXT, "mail.example.com", "v=spf1 -all")])
        sb.advance_clock(60)
        broken = tesouro.verify_sending_domain("mail.example.com")
        assert broken.status is maildns.DomainStatus.PENDING
        spf = [r for r in broken.records if r.purpose is maildns.RecordPurpose.SPF]
        assert [r.verified for r in spf] == [False]


def test_command_line_prints_dns_address() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "maildns.sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        dns_lines = [line for line in lines if line.strip().startswith("dns ")]
        assert len(dns_lines) == 1, lines
        assert "127.0.0.1:" in dns_lines[0]
        assert "(udp and tcp" in dns_lines[0]
        address = dns_lines[0].split()[1]
        host, port = address.rsplit(":", 1)
        query = dns.message.make_query("example.com", "SOA")
        answer = dns.query.udp(query, host, port=int(port), timeout=TIMEOUT)
        assert answer.rcode() == dns.rcode.REFUSED  # no zones yet: but it answers
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_zones_of_several_dns_hosts_are_served_the_first_holding_a_name_wins() -> None:
    """The nameserver's view over every DNS-hosting fake (``served_zones`` of each): a zone
    held by two hosts is the first's, every zone is listed once."""
    from maildns.sandbox._dns import _LiveZones, _zone_of_question
    from maildns.sandbox._zoneindex import ZoneData

    def zone(domain: str, serial: int) -> ZoneData:
        return ZoneData(domain, serial, 300, (("", "A", "192.0.2.1"),), ("ns1.test.", "ns2.test."))

    first = {"a.example": zone("a.example", 1), "shared.example": zone("shared.example", 1)}
    second = {"shared.example": zone("shared.example", 2), "b.example": zone("b.example", 2)}
    zones = _LiveZones([first, second])
    assert zones["shared.example"].serial == 1
    assert zones["b.example"].serial == 2
    assert zones.get("c.example") is None
    with pytest.raises(KeyError):
        zones["c.example"]
    assert sorted(zones) == ["a.example", "b.example", "shared.example"]
    assert len(zones) == 3
    query = dns.message.make_query("WWW.B.Example.", "A").to_wire()
    assert _zone_of_question(zones, query) == (second["b.example"], True)
