"""An RFC 2136 DNS host's messages in the watch's vendor request metrics: a real BIND
(``tests/dnsservers.py``), the real clients (sync and async), the metrics scraped over HTTP from
a real ``serve_metrics`` socket and parsed with prometheus-client's own parser. A DNS message is
counted by its kind (``query``, ``update``, ``axfr``) and the RCODE of its answer, lowercased
(``noerror``, ``refused``, ``notauth``, ...), or ``error`` when no answer came.
"""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

import maildns
from maildns import DnsRecord, RecordType
from maildns._core import observe
from maildns.onboarding._metrics import CONTRACT, WatchMetrics, serve_metrics
from maildns.vendors.rfc2136 import AsyncRfc2136, Rfc2136

from . import dnsservers

ZONE = "example.com"


@pytest.fixture(scope="module")
def bind() -> Iterator[dnsservers.DnsServer]:
    yield from dnsservers.serving("bind", (ZONE,))


def scrape(url: str) -> dict[str, tuple[str, list[Sample]]]:
    import httpx

    response = httpx.get(url + "/metrics", timeout=30)
    assert response.status_code == 200
    return {f.name: (f.type, f.samples) for f in text_string_to_metric_families(response.text)}


def requests(families: dict[str, tuple[str, list[Sample]]]) -> dict[tuple[str, str], float]:
    """(operation, status_class) -> requests counted of the rfc2136 host."""
    return {
        (s.labels["operation"], s.labels["status_class"]): s.value
        for s in families["maildns_vendor_requests"][1]
        if s.name == "maildns_vendor_requests_total" and s.labels["vendor"] == "rfc2136"
    }


def timed(families: dict[str, tuple[str, list[Sample]]]) -> dict[str, float]:
    """operation -> durations observed of the rfc2136 host."""
    return {
        s.labels["operation"]: s.value
        for s in families["maildns_vendor_request_duration_seconds"][1]
        if s.name == "maildns_vendor_request_duration_seconds_count"
        and s.labels["vendor"] == "rfc2136"
    }


def closed_port() -> int:
    with socket.socket() as probe:  # bound, never listening: a connection is refused
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_rfc2136_messages_are_counted_by_kind_and_rcode(bind: dnsservers.DnsServer) -> None:
    metrics = WatchMetrics().subscribe()
    record = DnsRecord(RecordType.TXT, f"m{secrets.token_hex(4)}.{ZONE}", "v=metrics")
    wrong = base64.b64encode(secrets.token_bytes(32)).decode()
    try:
        with serve_metrics(metrics, 0) as server:
            key = {"key_name": bind.key_name, "key_secret": bind.secret}
            with Rfc2136(server=bind.address, **key) as host:
                host.add_record(ZONE, record)  # a query (nxdomain: a new name), an update
                assert record in host.get_zone(ZONE).records  # a zone transfer (noerror)
                host.check_zone(ZONE)  # two queries: SOA and NS (noerror)
                host.check_zone("example.org")  # two queries of a zone not served: refused

            async def transfer() -> None:
                async with AsyncRfc2136(server=bind.address, **key) as twin:
                    await twin.get_zone(ZONE)  # the async client's transfer (noerror)

            asyncio.run(transfer())
            # A wrong TSIG secret: the unsigned read answers; the signed update and transfer
            # are refused with the TSIG error whose RCODE is NOTAUTH (RFC 8945 section 5.3.2).
            with Rfc2136(server=bind.address, key_name=bind.key_name, key_secret=wrong) as bad:
                with pytest.raises(maildns.errors.AuthenticationError):
                    bad.add_record(ZONE, DnsRecord(RecordType.TXT, record.name, "v=other"))
                with pytest.raises(maildns.errors.AuthenticationError):
                    bad.get_zone(ZONE)
            # An unknown key name: the same class.
            with (
                Rfc2136(server=bind.address, key_name="nobody.", key_secret=wrong) as unknown,
                pytest.raises(maildns.errors.AuthenticationError),
            ):
                unknown.get_zone(ZONE)
            # Nothing listening: no answer at all.
            nowhere = f"127.0.0.1:{closed_port()}"
            with (
                Rfc2136(server=nowhere, **key) as gone,
                pytest.raises(maildns.errors.APIConnectionError),
            ):
                gone.check_zone(ZONE)
            families = scrape(server.url)
    finally:
        metrics.close()
    assert requests(families) == {
        ("query", "nxdomain"): 1,
        ("query", "noerror"): 2 + 1,
        ("query", "refused"): 2,
        ("query", "error"): 1,
        ("update", "noerror"): 1,
        ("update", "notauth"): 1,
        ("axfr", "noerror"): 2,
        ("axfr", "notauth"): 2,
    }
    assert timed(families) == {"query": 7, "update": 2, "axfr": 4}


def test_the_dns_status_classes_and_kinds_are_documented() -> None:
    (metric,) = [m for m in CONTRACT if m.name == "maildns_vendor_requests"]
    page = (Path(__file__).resolve().parents[1] / "docs/reference/metrics.md").read_text()
    documented = set(re.findall(r"`([a-z0-9]+)`", page))
    for shown in (*observe.DNS_STATUS_CLASSES, "badvers", "error", "query", "update", "axfr"):
        assert shown in documented, shown
    assert "query" in metric.help
    assert "noerror" in metric.help
    assert observe.dns_status_class(None) == "error"
    assert observe.dns_status_class(0) == "noerror"
    assert observe.dns_status_class(5) == "refused"
    assert observe.dns_status_class(9) == "notauth"
    assert observe.dns_status_class(10) == "notzone"
    assert observe.dns_status_class(16) == "badvers"
    assert observe.dns_status_class(11) == "error"  # an RCODE no RFC assigns


def test_nobody_listening_is_told_nothing(
    bind: dnsservers.DnsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert observe.observers == ()

    def told(*args: object) -> None:
        raise AssertionError("an observer was told with nobody subscribed")

    monkeypatch.setattr(observe, "tell_dns", told)
    with Rfc2136(server=bind.address, key_name=bind.key_name, key_secret=bind.secret) as host:
        host.check_zone(ZONE)
        host.get_zone(ZONE)
