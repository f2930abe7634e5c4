"""Record checks (verify, status, watch) ask each nameserver each name and type once, and
watch's keep their UDP sockets from one check to the next.

A vendor asks for two MX records at one name; one MX question answers both. A real UDP server
started here counts the questions it gets (and the client ports they come from) and answers
from a table, or not at all for the names it is told to drop.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from collections.abc import Iterator

import dns.message
import dns.rrset
import pytest

from maildns.models import DnsRecord, DomainStatus, RecordType, SendingDomain
from maildns.onboarding._lookup import Sockets
from maildns.onboarding._verify import check_records

NAME = "mail.q.example"
ANSWERED = 15.0  # a bound on an answer that comes, however busy the machine
SERVED = {
    (f"{NAME}.", "MX"): ["10 mxa.mailgun.org.", "10 mxb.mailgun.org."],
    (f"{NAME}.", "TXT"): ['"v=spf1 include:mailgun.org ~all"'],
}


class CountingServer:
    """A UDP nameserver on a free loopback port: answers from ``SERVED``, counts questions."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)  # to see the stop: closing does not wake a blocked read
        self._stop = threading.Event()
        self.address = self.sock.getsockname()
        self.asked: Counter[tuple[str, str]] = Counter()
        self.ports: list[int] = []
        self.drop: set[str] = set()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, client = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(wire)
            question = query.question[0]
            key = (question.name.to_text(), dns.rdatatype.to_text(question.rdtype))
            self.asked[key] += 1
            self.ports.append(client[1])
            if key[0] in self.drop:
                continue
            response = dns.message.make_response(query)
            values = SERVED.get(key)
            if values:
                response.answer.append(
                    dns.rrset.from_text_list(question.name, 300, "IN", key[1], values)
                )
            self.sock.sendto(response.to_wire(), client)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def server() -> Iterator[CountingServer]:
    running = CountingServer()
    yield running
    running.close()


def test_two_mx_records_at_one_name_are_one_question(server: CountingServer) -> None:
    records = (
        DnsRecord(RecordType.MX, NAME, "mxa.mailgun.org", priority=10),
        DnsRecord(RecordType.MX, NAME, "mxb.mailgun.org", priority=10),
        DnsRecord(RecordType.MX, NAME, "mxc.mailgun.org", priority=10),
        DnsRecord(RecordType.TXT, NAME, "v=spf1 include:mailgun.org ~all"),
    )
    domain = SendingDomain("tesouro", NAME, "1", DomainStatus.PENDING, records)
    checks = asyncio.run(check_records(domain, [server.address], ANSWERED))
    assert server.asked == {(f"{NAME}.", "MX"): 1, (f"{NAME}.", "TXT"): 1}
    # Each record judged from the one answer, in the domain's order.
    assert [(c.record.value, c.state) for c in checks] == [
        ("mxa.mailgun.org", "served"),
        ("mxb.mailgun.org", "served"),
        ("mxc.mailgun.org", "missing"),
        ("v=spf1 include:mailgun.org ~all", "served"),
    ]
    assert all(len(c.answers) == 1 for c in checks)


def _domain(*records: DnsRecord) -> SendingDomain:
    return SendingDomain("tesouro", NAME, "1", DomainStatus.PENDING, records)


def test_a_socket_that_was_answered_asks_the_next_question(server: CountingServer) -> None:
    domain = _domain(
        DnsRecord(RecordType.MX, NAME, "mxa.mailgun.org", priority=10),
        DnsRecord(RecordType.TXT, NAME, "v=spf1 include:mailgun.org ~all"),
    )

    async def rounds() -> list[tuple[str, ...]]:
        sockets = Sockets()
        try:
            checks = [
                await check_records(domain, [server.address], ANSWERED, sockets) for _ in range(3)
            ]
            return [tuple(c.state for c in checked) for checked in checks]
        finally:
            await sockets.close()

    assert asyncio.run(rounds()) == [("served", "served")] * 3
    # Two questions at once: two sockets, then the same two for every later check.
    assert len(server.ports) == 6
    assert len(set(server.ports)) == 2
    assert set(server.ports[2:]) == set(server.ports[:2])


def test_a_socket_whose_question_timed_out_is_not_asked_again(server: CountingServer) -> None:
    server.drop.add(f"{NAME}.")
    domain = _domain(DnsRecord(RecordType.TXT, NAME, "v=spf1 include:mailgun.org ~all"))

    async def rounds() -> list[str]:
        sockets = Sockets()
        try:
            return [
                (await check_records(domain, [server.address], 0.2, sockets))[0].state
                for _ in range(2)
            ]
        finally:
            await sockets.close()

    assert asyncio.run(rounds()) == ["unknown", "unknown"]
    assert len(server.ports) == 2
    assert server.ports[0] != server.ports[1]  # a late answer could still reach the first


def test_without_sockets_every_question_has_its_own(server: CountingServer) -> None:
    domain = _domain(DnsRecord(RecordType.TXT, NAME, "v=spf1 include:mailgun.org ~all"))
    for _ in range(2):
        asyncio.run(check_records(domain, [server.address], ANSWERED))
    assert len(set(server.ports)) == 2
