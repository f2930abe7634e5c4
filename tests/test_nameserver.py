"""The sandbox's nameserver judged as a DNS server, by tools that are not maildns.

``dig`` (BIND) and ``kdig`` (Knot) ask over real loopback sockets and their output is what the
tests read (``dig +yaml``, parsed as YAML); raw packets are built by hand or with dnspython,
and replies are parsed with dnspython's message parser. Nothing here takes maildns's own code
as the oracle.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
import yaml

import maildns
from maildns import DnsRecord, RecordType
from maildns.sandbox import Sandbox

from .hangs import kill_when_hung

ZONE = "example.com"
TIMEOUT = 10.0  # a bound on an answer that must come, not a measure of speed
MAILDNS = Path(sys.executable).parent / "maildns"

needs_dig = pytest.mark.skipif(shutil.which("dig") is None, reason="dig is not installed")
needs_kdig = pytest.mark.skipif(shutil.which("kdig") is None, reason="kdig is not installed")


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


def _zone(sb: Sandbox, ttl: int | None = None, *records: DnsRecord) -> None:
    with maildns.TelecomX(base_url=sb.url("telecomx"), **sb.credentials("telecomx")) as client:
        client.create_zone(
            ZONE, customer=sb.telecomx_customer_id, product=sb.telecomx_product_id, ttl=ttl
        )
        for record in records:
            client.add_record(ZONE, record)


def _dig(sb: Sandbox, *args: str) -> dict[str, Any]:
    """dig's reading of the answer: its ``response_message_data`` (``+yaml``)."""
    host, port = sb.dns_address
    out = subprocess.run(
        [
            "dig",
            "+yaml",
            "+tries=1",
            f"+timeout={int(TIMEOUT)}",
            f"@{host}",
            "-p",
            str(port),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    documents = list(yaml.safe_load_all(out.stdout))
    messages = [m for doc in documents for m in (doc or []) if m.get("type") == "MESSAGE"]
    assert messages, (out.stdout, out.stderr)
    data: dict[str, Any] = messages[-1]["message"]["response_message_data"]
    return data


def _kdig(sb: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    host, port = sb.dns_address
    return subprocess.run(
        ["kdig", "+retry=0", f"+timeout={int(TIMEOUT)}", f"@{host}", "-p", str(port), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _section(data: dict[str, Any], name: str) -> list[list[str]]:
    return [line.split() for line in data.get(f"{name}_SECTION") or []]


# --- answers ---------------------------------------------------------------------------------
@needs_dig
def test_negative_answers_carry_the_soa_at_the_lesser_of_its_ttl_and_minimum(
    sb: Sandbox,
) -> None:
    _zone(sb, 7200, DnsRecord(RecordType.A, "www.example.com", "192.0.2.1"))
    soa = _section(_dig(sb, ZONE, "SOA"), "ANSWER")[0]
    assert soa[1] == "7200"  # the SOA's own TTL
    minimum = int(soa[-1])
    assert minimum == 3600
    for name, rdtype, status in (("nothing.example.com", "A", "NXDOMAIN"), ("www", "TXT", "")):
        qname = name if "." in name else f"{name}.{ZONE}"
        data = _dig(sb, qname, rdtype)
        assert data["status"] == (status or "NOERROR")
        assert _section(data, "ANSWER") == []
        [authority] = _section(data, "AUTHORITY")
        assert authority[3] == "SOA"
        assert int(authority[1]) == min(7200, minimum)  # RFC 2308 §3


@needs_dig
def test_a_cname_chain_ending_in_nodata_or_at_a_missing_name_carries_the_soa(
    sb: Sandbox,
) -> None:
    _zone(
        sb,
        None,
        DnsRecord(RecordType.A, "www.example.com", "192.0.2.1"),
        DnsRecord(RecordType.CNAME, "alias.example.com", "www.example.com"),
        DnsRecord(RecordType.CNAME, "dangling.example.com", "gone.example.com"),
    )
    nodata = _dig(sb, "alias.example.com", "TXT")
    assert nodata["status"] == "NOERROR"  # RFC 6604 §3: the rcode of the chain's last name
    assert [r[3:] for r in _section(nodata, "ANSWER")] == [["CNAME", "www.example.com."]]
    assert [r[3] for r in _section(nodata, "AUTHORITY")] == ["SOA"]

    missing = _dig(sb, "dangling.example.com", "A")
    assert missing["status"] == "NXDOMAIN"
    assert [r[3:] for r in _section(missing, "ANSWER")] == [["CNAME", "gone.example.com."]]
    assert [r[3] for r in _section(missing, "AUTHORITY")] == ["SOA"]

    found = _dig(sb, "alias.example.com", "A")
    assert found["status"] == "NOERROR"
    assert [r[3:] for r in _section(found, "ANSWER")] == [
        ["CNAME", "www.example.com."],
        ["A", "192.0.2.1"],
    ]
    assert _section(found, "AUTHORITY") == []


@needs_kdig
def test_a_cname_loop_is_answered_with_each_record_once(sb: Sandbox) -> None:
    _zone(
        sb,
        None,
        DnsRecord(RecordType.CNAME, "a.example.com", "b.example.com"),
        DnsRecord(RecordType.CNAME, "b.example.com", "a.example.com"),
    )
    out = _kdig(sb, "+noall", "+answer", "a.example.com", "A")
    assert out.returncode == 0, out.stderr
    answer = [line.split() for line in out.stdout.splitlines() if line.strip()]
    assert [(r[0], r[3], r[4]) for r in answer] == [
        ("a.example.com.", "CNAME", "b.example.com."),
        ("b.example.com.", "CNAME", "a.example.com."),
    ]


@needs_dig
def test_an_edns_version_above_0_is_badvers(sb: Sandbox) -> None:
    _zone(sb)
    data = _dig(sb, "+edns=1", "+noednsnegotiation", ZONE, "SOA")
    assert data["status"] == "BADVERS"  # RFC 6891 §6.1.3
    assert data["OPT_PSEUDOSECTION"]["EDNS"]["version"] == 0
    assert _section(data, "ANSWER") == []
    assert _dig(sb, "+edns=0", ZONE, "SOA")["status"] == "NOERROR"


@needs_kdig
def test_zone_transfers_are_refused(sb: Sandbox) -> None:
    _zone(sb, None, DnsRecord(RecordType.A, "www.example.com", "192.0.2.1"))
    axfr = _kdig(sb, ZONE, "AXFR")
    assert "REFUSED" in axfr.stderr + axfr.stdout
    assert "192.0.2.1" not in axfr.stdout
    host, port = sb.dns_address
    for rdtype in ("AXFR", "IXFR"):
        reply = dns.query.tcp(
            dns.message.make_query(ZONE, rdtype), host, port=port, timeout=TIMEOUT
        )
        assert reply.rcode() == dns.rcode.REFUSED
        assert not reply.answer


# --- packets that are not good queries ---------------------------------------------------------
def _header(qid: int, flags: int, qd: int = 0, an: int = 0, ns: int = 0, ar: int = 0) -> bytes:
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def _question(name: str = ZONE, rdtype: int = 1, rdclass: int = 1) -> bytes:
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split("."))
    return labels + b"\x00" + struct.pack("!HH", rdtype, rdclass)


def _response_packet() -> bytes:
    query = dns.message.make_query(ZONE, "A")
    return dns.message.make_response(query).to_wire()


BAD_PACKETS: dict[str, bytes] = {
    "a response (QR set)": _response_packet(),
    "a response claiming a question it lacks": _header(7, 0x8180, qd=1),
    "empty": b"",
    "shorter than a header": b"\x12\x34\x01",
    "garbage": bytes(range(256)) * 2,
    "a question cut short": _header(9, 0x0100, qd=1) + _question()[:6],
    "two questions": _header(10, 0x0100, qd=2) + _question() + _question("www." + ZONE),
    "no question": _header(11, 0x0100),
    "counts larger than the message": _header(12, 0x0100, qd=1, an=40, ar=9) + _question(),
    "an OPT type as the question": _header(13, 0x0100, qd=1) + _question(rdtype=41),
    "a compression pointer loop": _header(14, 0x0100, qd=1) + b"\xc0\x0c\x00\x01\x00\x01",
    "a label past the end": _header(15, 0x0100, qd=1) + b"\x3fabc",
    "opcode IQUERY": _header(16, 0x0800, qd=1) + _question(),
    "opcode NOTIFY": _header(17, 0x2000, qd=1) + _question(rdtype=6),
    "opcode UPDATE": _header(18, 0x2800, qd=1) + _question(rdtype=6),
    "unassigned opcode 15": _header(19, 0x7800, qd=1) + _question(),
    "class CHAOS": _header(20, 0x0100, qd=1) + _question("version.bind", 16, 3),
    "two OPT records": (
        _header(21, 0x0100, qd=1, ar=2) + _question() + (b"\x00\x00\x29\x10\x00" + bytes(6)) * 2
    ),
}


def _reply_to_each(host: str, port: int) -> dict[str, dns.message.Message | None]:
    """Each bad packet over UDP, each followed by a good query on the same socket: the first
    reply that comes back shows whether the bad packet was answered (replies on loopback come
    in order), without waiting for a silence."""
    replies: dict[str, dns.message.Message | None] = {}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(TIMEOUT)
        for i, (what, packet) in enumerate(BAD_PACKETS.items()):
            probe = dns.message.make_query(ZONE, "SOA")
            probe.id = 40000 + i
            sock.sendto(packet, (host, port))
            sock.sendto(probe.to_wire(), (host, port))
            first, _ = sock.recvfrom(65535)
            if first[:2] == probe.id.to_bytes(2, "big"):
                replies[what] = None
                continue
            replies[what] = dns.message.from_wire(first, question_only=True)
            second, _ = sock.recvfrom(65535)
            assert dns.message.from_wire(second).id == probe.id
    return replies


def _tcp_exchanges(host: str, port: int) -> None:
    """Bad and cut-short messages over TCP, each on its own connection, read until the server
    answers or closes."""
    streams = [
        b"\x00",  # half a length
        b"\x00\x20" + b"\x12",  # a length, then less than it promises
        b"\x00\x00",  # a message of no bytes
        *(len(p).to_bytes(2, "big") + p for p in BAD_PACKETS.values()),
    ]
    for stream in streams:
        with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
            sock.sendall(stream)
            sock.shutdown(socket.SHUT_WR)
            while sock.recv(65535):
                pass


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[str], list[tuple[str, int]]]]:
    """``maildns sandbox`` in its own process (a zone example.com made), and its nameservers."""
    proc = subprocess.Popen(
        [str(MAILDNS), "sandbox", "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
    )
    timer = kill_when_hung(proc)
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("}"):
                break
        document = json.loads("".join(lines))
        vendor = document["vendors"]["telecomx"]
        with maildns.TelecomX(base_url=vendor["url"], **vendor["credentials"]) as client:
            account = vendor["account"]
            client.create_zone(ZONE, customer=account["customer_id"], product=account["product_id"])
        yield proc, [(d["host"], d["port"]) for d in document["dns"]]
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=60)


def test_no_packet_makes_a_traceback_and_each_gets_the_rfc_answer(
    served: tuple[subprocess.Popen[str], list[tuple[str, int]]],
) -> None:
    proc, servers = served
    host, port = servers[0]
    replies = _reply_to_each(host, port)
    _tcp_exchanges(host, port)
    # The server still answers, over UDP and TCP.
    good = dns.message.make_query(ZONE, "SOA")
    assert dns.query.udp(good, host, port=port, timeout=TIMEOUT).rcode() == dns.rcode.NOERROR
    assert dns.query.tcp(good, host, port=port, timeout=TIMEOUT).rcode() == dns.rcode.NOERROR

    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert "Traceback" not in stderr, stderr

    for what in ("a response (QR set)", "a response claiming a question it lacks"):
        assert replies[what] is None, what  # never answer a response (RFC 1035 §7.3)
    for what in ("empty", "shorter than a header"):
        assert replies[what] is None, what  # no header to answer to
    expected = {
        "garbage": dns.rcode.FORMERR,
        "a question cut short": dns.rcode.FORMERR,
        "two questions": dns.rcode.FORMERR,
        "no question": dns.rcode.FORMERR,
        "counts larger than the message": dns.rcode.FORMERR,
        "an OPT type as the question": dns.rcode.FORMERR,
        "a compression pointer loop": dns.rcode.FORMERR,
        "a label past the end": dns.rcode.FORMERR,
        "two OPT records": dns.rcode.FORMERR,
        "opcode IQUERY": dns.rcode.NOTIMP,
        "opcode NOTIFY": dns.rcode.NOTIMP,
        "opcode UPDATE": dns.rcode.NOTIMP,
        "unassigned opcode 15": dns.rcode.NOTIMP,
        "class CHAOS": dns.rcode.REFUSED,
    }
    for what, rcode in expected.items():
        reply = replies[what]
        assert reply is not None, what
        assert reply.flags & dns.flags.QR, what
        assert reply.id == int.from_bytes(BAD_PACKETS[what][:2], "big"), what
        assert reply.rcode() == rcode, (what, dns.rcode.to_text(reply.rcode()))
        opcode = (int.from_bytes(BAD_PACKETS[what][2:4], "big") >> 11) & 0xF
        assert dns.opcode.from_flags(reply.flags) == opcode, what


# --- connections -----------------------------------------------------------------------------
def test_an_idle_tcp_connection_is_closed() -> None:
    with Sandbox(dns_tcp_idle_seconds=0.2) as sb:
        _zone(sb)
        host, port = sb.dns_address
        with socket.create_connection((host, port), timeout=TIMEOUT) as idle:
            assert idle.recv(1) == b""  # closed by the server, long before the safety bound
        with socket.create_connection((host, port), timeout=TIMEOUT) as slow:
            slow.sendall(b"\x00\x40\x00")  # a query begun and never finished
            assert slow.recv(1) == b""
        # A connection that keeps asking stays usable between its queries.
        with socket.create_connection((host, port), timeout=TIMEOUT) as busy:
            for _ in range(3):
                wire = dns.message.make_query(ZONE, "SOA").to_wire()
                busy.sendall(len(wire).to_bytes(2, "big") + wire)
                size = int.from_bytes(_exactly(busy, 2), "big")
                assert dns.message.from_wire(_exactly(busy, size)).rcode() == dns.rcode.NOERROR


def _exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        assert chunk, "closed early"
        data += chunk
    return data


def _connection_threads() -> int:
    return sum("process_request_thread" in t.name for t in threading.enumerate())


def test_connections_and_their_threads_are_bounded() -> None:
    with Sandbox(dns_tcp_connections=4, dns_tcp_idle_seconds=60) as sb:
        _zone(sb)
        host, port = sb.dns_address
        before = _connection_threads()
        held = [socket.create_connection((host, port), timeout=TIMEOUT) for _ in range(300)]
        try:
            # Every connection past the bound is closed at once; the rest stay open.
            closed = 0
            for sock in held[4:]:
                try:
                    closed += sock.recv(1) == b""
                except ConnectionResetError:
                    closed += 1
            assert closed == 296
            assert _connection_threads() - before <= 4
            # The connections within the bound are served.
            for sock in held[:4]:
                wire = dns.message.make_query(ZONE, "SOA").to_wire()
                sock.sendall(len(wire).to_bytes(2, "big") + wire)
                size = int.from_bytes(_exactly(sock, 2), "big")
                assert dns.message.from_wire(_exactly(sock, size)).rcode() == dns.rcode.NOERROR
        finally:
            for sock in held:
                sock.close()


# --- cost and determinism ----------------------------------------------------------------------
def test_a_zone_is_indexed_once_per_change_not_per_query(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from maildns.sandbox import _zoneindex

    records = [DnsRecord(RecordType.A, f"h{i}.example.com", "192.0.2.1") for i in range(200)]
    _zone(sb, None, *records)
    built: list[str] = []
    real = _zoneindex.ZoneIndex.build.__func__  # type: ignore[attr-defined]

    def counted(cls: type[_zoneindex.ZoneIndex], zone: _zoneindex.ZoneData) -> Any:
        built.append(zone.domain)
        return real(cls, zone)

    monkeypatch.setattr(_zoneindex.ZoneIndex, "build", classmethod(counted))
    host, port = sb.dns_address
    for i in range(50):
        query = dns.message.make_query(f"h{i}.example.com", "A")
        reply = dns.query.udp(query, host, port=port, timeout=TIMEOUT)
        assert [rd.to_text() for rrset in reply.answer for rd in rrset] == ["192.0.2.1"]
    assert built == [ZONE]
    with maildns.TelecomX(base_url=sb.url("telecomx"), **sb.credentials("telecomx")) as client:
        client.add_record(ZONE, DnsRecord(RecordType.A, "new.example.com", "192.0.2.9"))
    for name in ("new.example.com", "h1.example.com", "new.example.com"):
        reply = dns.query.udp(dns.message.make_query(name, "A"), host, port=port, timeout=TIMEOUT)
        assert reply.rcode() == dns.rcode.NOERROR
    assert built == [ZONE, ZONE]  # the change, once


def _dkim_records(seed_order: list[str]) -> dict[str, list[tuple[str, str]]]:
    with (
        Sandbox(rate_limits={"tesouro": None}) as sb,
        maildns.Tesouro(base_url=sb.url("tesouro"), **sb.credentials("tesouro")) as tesouro,
    ):
        made = {}
        for domain in seed_order:
            created = tesouro.create_sending_domain(domain)
            made[domain] = sorted(
                (r.name, r.value) for r in created.records if "_domainkey" in r.name
            )
        return made


def test_dkim_keys_come_from_the_domain_not_the_order_of_creates() -> None:
    domains = ["a.example.com", "b.example.com", "c.example.com"]
    first = _dkim_records(domains)
    again = _dkim_records(list(reversed(domains)))
    assert all(first[d] for d in domains)
    assert first == again
