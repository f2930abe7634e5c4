"""Record checks (verify, status, watch) ask each nameserver each name and type once.

A vendor asks for two MX records at one name; one MX question answers both. A real UDP server
started here counts the questions it gets and answers from a table.
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
from maildns.onboarding._verify import check_records

NAME = "mail.q.example"
SERVED = {
    (f"{NAME}.", "MX"): ["10 mxa.mailgun.org.", "10 mxb.mailgun.org."],
    (f"{NAME}.", "TXT"): ['"v=spf1 include:mailgun.org ~all"'],
}


class CountingServer:
    """A UDP nameserver on a free loopback port: answers from ``SERVED``, counts questions."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = self.sock.getsockname()
        self.asked: Counter[tuple[str, str]] = Counter()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                wire, client = self.sock.recvfrom(4096)
            except OSError:  # closed
                return
            query = dns.message.from_wire(wire)
            question = query.question[0]
            key = (question.name.to_text(), dns.rdatatype.to_text(question.rdtype))
            self.asked[key] += 1
            response = dns.message.make_response(query)
            values = SERVED.get(key)
            if values:
                response.answer.append(
                    dns.rrset.from_text_list(question.name, 300, "IN", key[1], values)
                )
            self.sock.sendto(response.to_wire(), client)

    def close(self) -> None:
        self.sock.close()
        self._thread.join(timeout=5)


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
    checks = asyncio.run(check_records(domain, [server.address], 3.0))
    assert server.asked == {(f"{NAME}.", "MX"): 1, (f"{NAME}.", "TXT"): 1}
    # Each record judged from the one answer, in the domain's order.
    assert [(c.record.value, c.state) for c in checks] == [
        ("mxa.mailgun.org", "served"),
        ("mxb.mailgun.org", "served"),
        ("mxc.mailgun.org", "missing"),
        ("v=spf1 include:mailgun.org ~all", "served"),
    ]
    assert all(len(c.answers) == 1 for c in checks)
