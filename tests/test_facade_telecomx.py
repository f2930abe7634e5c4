"""The TelecomX facade (``maildns.TelecomX`` / ``maildns.AsyncTelecomX``) over recorded cassettes.

Record with ``make record TESTS=tests/test_facade_telecomx.py``; replay with
``make test TESTS=tests/test_facade_telecomx.py``. Tests that need no server (validation,
configuration, the error parser) use an ``httpx.MockTransport`` or nothing at all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import httpx
import pytest
from telecomx_client import Client as RawClient
from telecomx_client.api.auth import login
from telecomx_client.api.records import add_dns_record
from telecomx_client.models import DnsRecordCreateRequest, LoginRequest, LoginResponse

import maildns
from maildns import DnsRecord, RecordType, Zone, ZoneStatus
from maildns.vendors.telecomx._errors import parse_error

from .conftest import Target
from .contract import DnsHostContract, VendorContract, recording_transport

# Well-formed ids (24 hex characters) that name no customer and no product.
UNKNOWN_ID = "0123456789abcdef01234567"
TOKEN_LIFETIME = 15 * 60
# A 2048-bit DKIM key: its TXT text is longer than one 255-character string.
DKIM = "v=DKIM1; k=rsa; p=" + "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "x" * 340 + "IDAQAB"
DKIM2 = "v=DKIM1; k=rsa; p=" + "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "y" * 340 + "IDAQAB"


# --- plumbing -------------------------------------------------------------------------------------
@pytest.fixture
def target(vendor_target: Callable[[str], Target]) -> Target:
    return vendor_target("telecomx")


def kwargs_for(target: Target) -> dict[str, Any]:
    return {**target.credentials, "base_url": target.base_url}


class Seen:
    """An httpx client whose requests (auth flow's included) are remembered."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.http = httpx.Client(event_hooks={"request": [self.requests.append]})

    def pages(self) -> list[httpx.Request]:
        """The list calls (GET /dns)."""
        return [r for r in self.requests if r.method == "GET" and r.url.path.endswith("/dns")]

    def logins(self) -> int:
        return sum(r.url.path.endswith("/auth/login") for r in self.requests)


@pytest.fixture
def seen() -> Iterator[Seen]:
    s = Seen()
    yield s
    s.http.close()


@pytest.fixture
def client(target: Target) -> Iterator[maildns.TelecomX]:
    with maildns.TelecomX(**kwargs_for(target)) as c:
        yield c


def new_zone(client: maildns.TelecomX, target: Target, domain: str, **kwargs: Any) -> Zone:
    return client.create_zone(
        domain, customer=target.extra["customer_id"], product=target.extra["product_id"], **kwargs
    )


def raw_login(target: Target) -> tuple[RawClient, str]:
    """A generated client with a token of its own, to set up what the facade would not send."""
    anonymous = RawClient(base_url=target.base_url, raise_on_unexpected_status=True)
    response = login.sync_detailed(client=anonymous, body=LoginRequest(**target.credentials))
    assert isinstance(response.parsed, LoginResponse)
    token = response.parsed.token
    raw = RawClient(
        base_url=target.base_url,
        raise_on_unexpected_status=True,
        httpx_args={"params": {"token": token}},
    )
    return raw, token


# --- the shared contract --------------------------------------------------------------------------
class TestTelecomXContract(VendorContract, DnsHostContract):
    vendor = "telecomx"

    def wrong_credentials(self, target: Target) -> dict[str, Any]:
        return {"password": "not-the-telecomx-password"}

    def settings(self, target: Target) -> Any:
        return maildns.TelecomXZoneSettings(
            customer=target.extra["customer_id"], product=target.extra["product_id"]
        )

    def seed(self, target: Target, client: Any) -> str:
        return str(client.create_zone("seed.example", self.settings(target)).domain)

    def probe(self, client: Any) -> list[str]:
        return [z.domain for z in client.list_zones()]

    async def aprobe(self, client: Any) -> list[str]:
        return [z.domain async for z in client.list_zones()]


# --- zones ----------------------------------------------------------------------------------------
@pytest.mark.vcr
def test_create_get_check_delete_a_zone(client: maildns.TelecomX, target: Target) -> None:
    created = new_zone(client, target, "Maildns-Zone.example.")
    assert isinstance(created, Zone)
    assert created.domain == "maildns-zone.example"
    assert created.ttl == 86400  # the documented default
    assert created.raw.customer == target.extra["customer_id"]
    assert created.raw.product == target.extra["product_id"]
    assert isinstance(created.serial, int)
    assert created.records == ()
    assert created.status is None  # only GET says
    assert created.raw is not None

    got = client.get_zone("maildns-zone.example")
    assert (got.domain, got.ttl, got.serial) == (created.domain, created.ttl, created.serial)
    assert got.status is ZoneStatus.SERVED
    assert got == attrs.evolve(created, status=ZoneStatus.SERVED)
    assert client.check_zone("MAILDNS-ZONE.example") is ZoneStatus.SERVED

    assert client.delete_zone("maildns-zone.example") is None
    with pytest.raises(maildns.NotFoundError) as info:
        client.get_zone("maildns-zone.example")
    assert (info.value.status_code, info.value.field) == (404, None)
    assert info.value.message == "DNS not found"
    assert info.value.vendor == "telecomx"
    assert info.value.operation == "get_zone"
    for call in (client.delete_zone, client.check_zone):
        with pytest.raises(maildns.NotFoundError):
            call("maildns-zone.example")


@pytest.mark.vcr
def test_create_with_a_ttl_and_an_internationalised_name(
    client: maildns.TelecomX, target: Target
) -> None:
    created = new_zone(client, target, "Bücher.example", ttl=3600)
    assert (created.domain, created.ttl) == ("xn--bcher-kva.example", 3600)
    assert client.get_zone("BÜCHER.example").serial == created.serial


@pytest.mark.vcr
def test_list_pages_lazily_through_every_zone(target: Target, seen: Seen) -> None:
    with maildns.TelecomX(**kwargs_for(target), http_client=seen.http) as client:
        domains = ["maildns-page0.example", "maildns-page1.example", "maildns-page2.example"]
        for domain in domains:
            new_zone(client, target, domain)
        client._ops.page_size = 2  # type: ignore[misc]

        zones = client.list_zones()
        assert len(seen.pages()) == 0  # nothing fetched before iterating
        first = next(zones)
        assert len(seen.pages()) == 1  # one page
        rest = list(zones)
        assert len(seen.pages()) == 2  # 2 + 1 zones: two pages, no empty third
        listed = [first, *rest]
        assert [z.domain for z in listed] == domains
        for zone in listed:
            assert zone.ttl == 86400
            assert zone.raw.customer == target.extra["customer_id"]
            assert zone.status is ZoneStatus.SERVED
        assert [(r.url.params["offset"], r.url.params["limit"]) for r in seen.pages()] == [
            ("0", "2"),
            ("2", "2"),
        ]

        mine = list(client.list_zones(customer=target.extra["customer_id"].upper()))
        assert [z.domain for z in mine] == domains


@pytest.mark.vcr
def test_update_bumps_the_serial(client: maildns.TelecomX, target: Target) -> None:
    created = new_zone(client, target, "maildns-update.example")
    assert isinstance(created.serial, int)
    updated = client.update_zone("maildns-update.example", ttl=3600)
    assert (updated.ttl, updated.serial) == (3600, created.serial + 1)
    updated = client.update_zone("maildns-update.example", product=target.extra["product_id"])
    assert (updated.raw.product, updated.serial) == (target.extra["product_id"], created.serial + 2)
    updated = client.update_zone(
        "maildns-update.example", ttl=600, product=target.extra["product_id"]
    )
    assert (updated.ttl, updated.serial) == (600, created.serial + 3)
    got = client.get_zone("maildns-update.example")
    assert (got.ttl, got.serial) == (600, created.serial + 3)


# --- records --------------------------------------------------------------------------------------
ZONE = "maildns-records.example"
RECORDS: list[tuple[DnsRecord, str]] = [
    (DnsRecord(RecordType.A, f"www.{ZONE}", "192.0.2.1"), "192.0.2.2"),
    (DnsRecord(RecordType.AAAA, ZONE, "2001:db8::1"), "2001:db8::2"),
    (DnsRecord(RecordType.CNAME, f"ftp.{ZONE}", f"www.{ZONE}"), f"web.{ZONE}"),
    (DnsRecord(RecordType.MX, ZONE, f"mail.{ZONE}", priority=10), f"mx2.{ZONE}"),
    (DnsRecord(RecordType.NS, f"sub.{ZONE}", "ns1.example.net"), "ns2.example.net"),
    (DnsRecord(RecordType.SRV, f"_sip._tcp.{ZONE}", f"10 60 5060 sip.{ZONE}"), f"20 0 5061 {ZONE}"),
    (DnsRecord(RecordType.TXT, ZONE, 'v=spf1 include:"x" -all'), "v=spf1 -all"),
    (DnsRecord(RecordType.TXT, f"s1._domainkey.{ZONE}", DKIM), DKIM2),
]


def wire(zone: Zone) -> set[tuple[str, str, str]]:
    """What TelecomX holds: (name, type, rData)."""
    return {(r.name or "", r.type_, r.r_data) for r in zone.raw.records}


@pytest.mark.vcr
def test_add_update_delete_records_of_every_type(client: maildns.TelecomX, target: Target) -> None:
    serial = new_zone(client, target, ZONE).serial
    assert isinstance(serial, int)
    for record, _ in RECORDS:
        assert client.add_record(ZONE, record) is None
    zone = client.get_zone(ZONE)
    assert sorted(zone.records, key=repr) == sorted((r for r, _ in RECORDS), key=repr)
    assert zone.serial == serial + len(RECORDS)
    # TelecomX's own form: relative names, 'MX 10', TXT in quotes split at 255 characters.
    held = wire(zone)
    assert ("www", "A", "192.0.2.1") in held
    assert ("", "MX 10", f"mail.{ZONE}") in held
    assert ("_sip._tcp", "SRV", f"10 60 5060 sip.{ZONE}") in held
    assert ("", "TXT", '"v=spf1 include:\\"x\\" -all"') in held
    dkim = next(r for n, t, r in held if n == "s1._domainkey")
    assert dkim == f'"{DKIM[:255]}" "{DKIM[255:]}"'
    assert next(r.value for r in zone.records if r.name.startswith("s1.")) == DKIM

    for record, new_value in RECORDS:
        assert client.update_record(ZONE, record, new_value) is None
    zone = client.get_zone(ZONE)
    assert sorted(zone.records, key=repr) == sorted(
        (DnsRecord(r.type, r.name, new, priority=r.priority) for r, new in RECORDS), key=repr
    )
    assert zone.serial == serial + 2 * len(RECORDS)

    for record, new_value in RECORDS:
        client.delete_record(ZONE, attrs.evolve(record, value=new_value))
    zone = client.get_zone(ZONE)
    assert (zone.records, zone.serial) == ((), serial + 3 * len(RECORDS))


@pytest.mark.vcr
def test_records_in_another_spelling_are_found(client: maildns.TelecomX, target: Target) -> None:
    """Records written by someone else (trailing dots, capitals, TXT split otherwise) are
    read in maildns's spelling, as from any DNS host, and can still be updated and deleted
    (the client finds TelecomX's own spelling)."""
    zone_name = "maildns-spelling.example"
    new_zone(client, target, zone_name)
    raw, _ = raw_login(target)
    with raw:
        for name, rtype, rdata in [
            ("WWW", "CNAME", f"Target.{zone_name}."),
            ("", "TXT", '"v=spf1 " "-all"'),
            ("", "MX 5", f"mx.{zone_name}."),
        ]:
            body = DnsRecordCreateRequest(name=name, type_=rtype, r_data=rdata)
            response = add_dns_record.sync_detailed(zone_name, client=raw, body=body)
            assert response.status_code == 200, response.content

    zone = client.get_zone(zone_name)
    by_type = {r.type: r for r in zone.records}
    cname, txt, mx = by_type[RecordType.CNAME], by_type[RecordType.TXT], by_type[RecordType.MX]
    assert (cname.name, cname.value) == (f"www.{zone_name}", f"target.{zone_name}")
    assert (txt.name, txt.value) == (zone_name, "v=spf1 -all")
    assert (mx.name, mx.value, mx.priority) == (zone_name, f"mx.{zone_name}", 5)

    client.update_record(zone_name, cname, f"other.{zone_name}")
    client.delete_record(zone_name, txt)
    client.delete_record(
        zone_name, DnsRecord(RecordType.MX, zone_name, f"MX.{zone_name}", priority=5)
    )
    after = client.get_zone(zone_name)
    assert after.records == (DnsRecord(RecordType.CNAME, f"www.{zone_name}", f"other.{zone_name}"),)


# --- errors ---------------------------------------------------------------------------------------
@pytest.mark.vcr
def test_vendor_errors_are_typed_with_their_field(client: maildns.TelecomX, target: Target) -> None:
    customer, product = target.extra["customer_id"], target.extra["product_id"]
    new_zone(client, target, "maildns-errors.example")

    with pytest.raises(maildns.ConflictError) as conflict:
        new_zone(client, target, "maildns-errors.example")
    assert (conflict.value.status_code, conflict.value.field) == (409, "_id")
    assert conflict.value.message == "Domain name already exists"
    assert conflict.value.operation == "create_zone"

    with pytest.raises(maildns.NotFoundError) as missing:
        client.create_zone("maildns-who.example", customer=UNKNOWN_ID, product=product)
    assert (missing.value.status_code, missing.value.field) == (404, "customer")
    assert missing.value.message == "Customer not found"
    with pytest.raises(maildns.NotFoundError) as missing:
        client.create_zone("maildns-who.example", customer=customer, product=UNKNOWN_ID)
    assert missing.value.field == "product"
    with pytest.raises(maildns.NotFoundError) as missing:
        client.update_zone("maildns-errors.example", product=UNKNOWN_ID)
    assert missing.value.field == "product"
    with pytest.raises(maildns.NotFoundError) as missing:
        list(client.list_zones(customer=UNKNOWN_ID))
    assert missing.value.field == "customer"

    record = DnsRecord(RecordType.A, "www.maildns-errors.example", "192.0.2.1")
    client.add_record("maildns-errors.example", record)
    with pytest.raises(maildns.ConflictError) as conflict:
        client.add_record("maildns-errors.example", record)
    assert (conflict.value.field, conflict.value.operation) == ("name", "add_record")

    other = DnsRecord(RecordType.A, "www.maildns-errors.example", "192.0.2.9")
    with pytest.raises(maildns.NotFoundError) as missing:
        client.delete_record("maildns-errors.example", other)
    assert (missing.value.field, missing.value.message) == ("records", "Record not found")
    with pytest.raises(maildns.NotFoundError) as missing:
        client.update_record("maildns-errors.example", other, "192.0.2.10")
    assert missing.value.field == "records"
    # Updating onto a value another record already has.
    client.add_record("maildns-errors.example", other)
    with pytest.raises(maildns.ConflictError) as conflict:
        client.update_record("maildns-errors.example", other, "192.0.2.1")
    assert conflict.value.field == "name"

    with pytest.raises(maildns.NotFoundError) as missing:
        client.add_record(
            "maildns-absent.example", DnsRecord(RecordType.A, "maildns-absent.example", "192.0.2.1")
        )
    assert (missing.value.field, missing.value.message) == (None, "DNS not found")


@pytest.mark.vcr
@pytest.mark.sandbox_only
def test_dns_backend_failure_is_permission_denied_with_field_dns(
    client: maildns.TelecomX, target: Target
) -> None:
    target.inject_fault(
        "POST",
        "/dns",
        status=403,
        body='{"error": "dns", "message": "Unable to communicate with DNS server"}',
    )
    with pytest.raises(maildns.PermissionDeniedError) as info:
        new_zone(client, target, "maildns-backend.example")
    assert (info.value.status_code, info.value.field) == (403, "dns")
    assert info.value.message == "Unable to communicate with DNS server"


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            409,
            {"error": "_id", "message": "Domain name already exists"},
            ("Domain name already exists", "_id"),
        ),
        (
            404,
            {"error": "customer", "message": "Customer not found"},
            ("Customer not found", "customer"),
        ),
        (404, {"error": "records", "message": "Record not found"}, ("Record not found", "records")),
        (422, {"error": "rData", "message": "Data is invalid"}, ("Data is invalid", "rData")),
        (422, {"error": "previous"}, ("previous", "previous")),
        (404, {"error": "not_found", "message": "DNS not found"}, ("DNS not found", None)),
        (
            403,
            {"error": "access_denied", "message": "Insufficient access level"},
            ("Insufficient access level", None),
        ),
        (
            401,
            {"error": "expired", "message": "Session has expired, please login"},
            ("Session has expired, please login", None),
        ),
        (401, {"error": "credentials_invalid"}, ("credentials_invalid", None)),
        (500, {"error": "internal_error", "message": "Internal error"}, ("Internal error", None)),
        (400, {"error": "bad_request", "message": "Bad request"}, ("Bad request", None)),
        (500, {"message": "only a message"}, ("only a message", None)),
        (500, {"error": 42, "message": ["odd"]}, (None, None)),
        (502, "<html>Bad gateway</html>", (None, None)),
        (502, ["a", "list"], (None, None)),
    ],
)
def test_error_bodies_parse_into_message_and_field(
    status: int, body: Any, expected: tuple[str | None, str | None]
) -> None:
    assert parse_error(status, body) == expected


def test_an_error_body_that_is_not_json_still_gives_a_typed_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="<html>nope</html>", headers={"x-request-id": "r-1"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = maildns.TelecomX(token="static-token", base_url="https://tx.test", http_client=http)
    with pytest.raises(maildns.NotFoundError) as info:
        client.get_zone("example.com")
    assert (info.value.field, info.value.request_id) == (None, "r-1")
    assert info.value.message == "HTTP 404 Not Found"


# --- validation: nothing is sent ------------------------------------------------------------------
@pytest.fixture
def offline() -> Iterator[tuple[maildns.TelecomX, list[httpx.Request]]]:
    transport, seen_requests = recording_transport()
    http = httpx.Client(transport=transport)
    client = maildns.TelecomX(
        username="u", password="p", base_url="https://tx.test", http_client=http
    )
    yield client, seen_requests
    assert seen_requests == [], "an invalid call sent a request"
    http.close()


def problems(info: pytest.ExceptionInfo[maildns.InvalidInputError]) -> dict[str, str]:
    assert isinstance(info.value, ValueError)
    return {p.argument: p.message for p in info.value.problems}


def test_create_zone_reports_every_problem_before_any_request(
    offline: tuple[maildns.TelecomX, list[httpx.Request]],
) -> None:
    client, _ = offline
    with pytest.raises(maildns.InvalidInputError) as info:
        client.create_zone("-bad.example", customer="12345", product="x" * 24, ttl=0)
    found = problems(info)
    assert set(found) == {"domain", "customer", "product", "ttl"}
    assert "24 hexadecimal" in found["customer"]
    assert "hexadecimal" in found["product"]
    assert "1 to 2147483647" in found["ttl"]
    for ttl in (-1, 2**31, True, "3600", 1.5):
        with pytest.raises(maildns.InvalidInputError) as info:
            client.create_zone("ok.example", customer="a" * 24, product="b" * 24, ttl=ttl)  # type: ignore[arg-type]
        assert set(problems(info)) == {"ttl"}


def test_zone_calls_check_their_arguments_before_any_request(
    offline: tuple[maildns.TelecomX, list[httpx.Request]],
) -> None:
    client, _ = offline
    for call in (client.get_zone, client.delete_zone, client.check_zone):
        for bad in ("nodot", "exa mple.com", "a" * 64 + ".com", "", None):
            with pytest.raises(maildns.InvalidInputError) as info:
                call(bad)  # type: ignore[arg-type]
            assert set(problems(info)) == {"domain"}

    with pytest.raises(maildns.InvalidInputError) as info:
        client.update_zone("ok.example")
    assert "nothing to update" in str(info.value)
    with pytest.raises(maildns.InvalidInputError) as info:
        client.update_zone("bad_domain", ttl=0, product="nope")
    assert set(problems(info)) == {"domain", "ttl", "product"}

    # list_zones checks at the call, not at the first page.
    with pytest.raises(maildns.InvalidInputError) as info:
        client.list_zones(customer="not-an-id")
    assert set(problems(info)) == {"customer"}


def test_record_calls_check_the_record_by_its_type_before_any_request(
    offline: tuple[maildns.TelecomX, list[httpx.Request]],
) -> None:
    client, _ = offline
    zone = "example.com"
    cases: list[tuple[DnsRecord, set[str]]] = [
        (DnsRecord(RecordType.A, "www.example.org", "192.0.2.1"), {"record.name"}),
        (DnsRecord(RecordType.A, "www", "192.0.2.1"), {"record.name"}),
        (DnsRecord(RecordType.A, "www.example.com", "2001:db8::1"), {"record.value"}),
        (DnsRecord(RecordType.AAAA, "www.example.com", "192.0.2.1"), {"record.value"}),
        (DnsRecord(RecordType.MX, "example.com", "mail.example.com"), {"record.priority"}),
        (
            DnsRecord(RecordType.MX, "example.com", "mail server", priority=70000),
            {"record.value", "record.priority"},
        ),
        (DnsRecord(RecordType.A, "example.com", "192.0.2.1", priority=1), {"record.priority"}),
        (DnsRecord(RecordType.TXT, "example.com", '"quoted"'), {"record.value"}),
        (DnsRecord(RecordType.TXT, "example.com", "x" * 5000), {"record.value"}),
        (
            DnsRecord(RecordType.SRV, "sip.example.com", "10 60 5060 sip.example.com"),
            {"record.name"},
        ),
        (
            DnsRecord(RecordType.SRV, "_sip._tcp.example.com", "10 60 sip.example.com"),
            {"record.value"},
        ),
        (
            DnsRecord(RecordType.CNAME, "bad name.example.com", "not a host"),
            {"record.name", "record.value"},
        ),
        (DnsRecord("SPF", "example.com", "v=spf1 -all"), {"record.type"}),  # type: ignore[arg-type]
    ]
    for record, arguments in cases:
        for call in (client.add_record, client.delete_record):
            with pytest.raises(maildns.InvalidInputError) as info:
                call(zone, record)
            assert set(problems(info)) == arguments, record
        with pytest.raises(maildns.InvalidInputError) as info:
            client.update_record(zone, record, "also bad")
        assert arguments <= set(problems(info)), record

    # The domain and the record together; the record's value is still checked.
    with pytest.raises(maildns.InvalidInputError) as info:
        client.add_record("bad_zone", DnsRecord(RecordType.A, "www.bad_zone", "999.1.1.1"))
    assert set(problems(info)) == {"domain", "record.value"}
    with pytest.raises(maildns.InvalidInputError) as info:
        client.add_record(zone, ("A", "www.example.com", "192.0.2.1"))  # type: ignore[arg-type]
    assert set(problems(info)) == {"record"}

    good = DnsRecord(RecordType.MX, "example.com", "mail.example.com", priority=10)
    with pytest.raises(maildns.InvalidInputError) as info:
        client.update_record(zone, good, "not a host")
    assert set(problems(info)) == {"new_value"}
    txt = DnsRecord(RecordType.TXT, "example.com", "v=spf1 -all")
    with pytest.raises(maildns.InvalidInputError) as info:
        client.update_record(zone, txt, '"v=spf1 ~all"')
    assert set(problems(info)) == {"new_value"}


# --- credentials ----------------------------------------------------------------------------------
def static_token_server(
    expected_token: str,
) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen_requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen_requests.append(request)
        if request.url.params.get("token") != expected_token:
            return httpx.Response(401, json={"error": "credentials_invalid"})
        body = {"offset": 0, "limit": 100, "total": 1, "dns": [{"_id": "example.com"}]}
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handler), seen_requests


def test_a_static_token_is_used_without_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELECOMX_TOKEN", raising=False)
    transport, requests = static_token_server("static-token")
    with maildns.TelecomX(
        token="static-token",
        base_url="https://tx.test",
        http_client=httpx.Client(transport=transport),
    ) as client:
        assert [z.domain for z in client.list_zones()] == ["example.com"]
        assert "static-token" not in repr(client) + repr(vars(client))
    assert [r.url.path for r in requests] == ["/dns"]


def test_the_token_comes_from_the_environment_unless_credentials_are_passed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELECOMX_TOKEN", "env-token")
    monkeypatch.setenv("TELECOMX_BASE_URL", "https://tx.test")
    transport, requests = static_token_server("env-token")
    with maildns.TelecomX(http_client=httpx.Client(transport=transport)) as client:
        assert len(list(client.list_zones())) == 1
    assert [r.url.path for r in requests] == ["/dns"]

    # Passed credentials win over the environment's token: they log in.
    transport, requests = static_token_server("env-token")
    with (
        maildns.TelecomX(
            username="u", password="p", http_client=httpx.Client(transport=transport)
        ) as client,
        pytest.raises(maildns.AuthenticationError),
    ):
        list(client.list_zones())
    assert [r.url.path for r in requests] == ["/auth/login"]


def test_a_refused_static_token_is_not_refreshed(monkeypatch: pytest.MonkeyPatch) -> None:
    transport, requests = static_token_server("the-right-one")
    client = maildns.TelecomX(
        token="wrong-token",
        base_url="https://tx.test",
        http_client=httpx.Client(transport=transport),
    )
    with pytest.raises(maildns.AuthenticationError) as info:
        client.get_zone("example.com")
    assert info.value.field is None
    assert "wrong-token" not in str(info.value) + repr(info.value)
    assert len(requests) == 1


def test_missing_password_names_its_variable_and_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for env in ("TELECOMX_USERNAME", "TELECOMX_PASSWORD", "TELECOMX_TOKEN"):
        monkeypatch.delenv(env, raising=False)
    transport, requests = recording_transport()
    client = maildns.TelecomX(username="someone", http_client=httpx.Client(transport=transport))
    with pytest.raises(maildns.ConfigurationError) as info:
        client.get_zone("example.com")
    message = str(info.value)
    assert "TELECOMX_PASSWORD" in message
    assert "TELECOMX_TOKEN" in message
    assert "TELECOMX_USERNAME" not in message
    assert requests == []


async def test_the_async_twin_also_reports_missing_credentials_at_the_first_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for env in ("TELECOMX_USERNAME", "TELECOMX_PASSWORD", "TELECOMX_TOKEN"):
        monkeypatch.delenv(env, raising=False)
    seen_requests: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: seen_requests.append(r) or httpx.Response(599))  # type: ignore[func-returns-value]
    async with maildns.AsyncTelecomX(http_client=httpx.AsyncClient(transport=transport)) as c:
        with pytest.raises(maildns.ConfigurationError, match="TELECOMX_USERNAME"):
            await c.check_zone("example.com")
        with pytest.raises(maildns.InvalidInputError):
            c.list_zones(customer="nope")
    assert seen_requests == []


def test_bad_credential_arguments_are_refused() -> None:
    with pytest.raises(maildns.InvalidInputError) as info:
        maildns.TelecomX(username=42, password="", token=b"t")  # type: ignore[arg-type]
    assert {p.argument for p in info.value.problems} == {"username", "password", "token"}


@pytest.mark.vcr
def test_login_once_and_reuse_the_token(target: Target, seen: Seen) -> None:
    with maildns.TelecomX(**kwargs_for(target), http_client=seen.http) as client:
        new_zone(client, target, "maildns-login.example")
        client.get_zone("maildns-login.example")
        client.check_zone("maildns-login.example")
        list(client.list_zones())
    assert seen.logins() == 1
    assert len(seen.requests) == 5


@pytest.mark.vcr
@pytest.mark.sandbox_only
def test_an_expired_token_is_refreshed_once(target: Target, seen: Seen) -> None:
    with maildns.TelecomX(**kwargs_for(target), http_client=seen.http) as client:
        list(client.list_zones())
        target.advance_clock(TOKEN_LIFETIME + 1)
        list(client.list_zones())  # 401 expired, log in again, repeat
        list(client.list_zones())
    assert seen.logins() == 2
    assert [r.url.path.rsplit("/", 1)[-1] for r in seen.requests] == [
        "login",
        "dns",
        "dns",
        "login",
        "dns",
        "dns",
    ]


# --- async ----------------------------------------------------------------------------------------
@pytest.mark.vcr
async def test_async_twin_runs_the_whole_lifecycle(target: Target) -> None:
    customer, product = target.extra["customer_id"], target.extra["product_id"]
    async with maildns.AsyncTelecomX(**kwargs_for(target)) as client:
        created = await client.create_zone(
            "maildns-async.example", customer=customer, product=product
        )
        assert created.domain == "maildns-async.example"
        mx = DnsRecord(
            RecordType.MX, "maildns-async.example", "mx.maildns-async.example", priority=5
        )
        dkim = DnsRecord(RecordType.TXT, "s1._domainkey.maildns-async.example", DKIM)
        await client.add_record("maildns-async.example", mx)
        await client.add_record("maildns-async.example", dkim)
        zone = await client.get_zone("maildns-async.example")
        assert set(zone.records) == {mx, dkim}
        assert zone.serial == (created.serial or 0) + 2

        listed = [z async for z in client.list_zones()]
        assert [z.domain for z in listed] == ["maildns-async.example"]
        assert await client.check_zone("maildns-async.example") is ZoneStatus.SERVED
        updated = await client.update_zone("maildns-async.example", ttl=300)
        assert updated.ttl == 300

        await client.update_record("maildns-async.example", mx, "mx2.maildns-async.example")
        await client.delete_record("maildns-async.example", dkim)
        zone = await client.get_zone("maildns-async.example")
        assert zone.records == (
            DnsRecord(
                RecordType.MX, "maildns-async.example", "mx2.maildns-async.example", priority=5
            ),
        )
        with pytest.raises(maildns.ConflictError) as info:
            await client.create_zone("maildns-async.example", customer=customer, product=product)
        assert info.value.field == "_id"
        await client.delete_zone("maildns-async.example")
        with pytest.raises(maildns.NotFoundError):
            await client.get_zone("maildns-async.example")


def test_unknown_record_types_are_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    body = {
        "_id": "example.com",
        "ttl": "3600",
        "serial": 7,
        "status": "SOMETHING_NEW",
        "records": [
            {"name": "", "type": "CAA", "rData": '0 issue "letsencrypt.org"'},
            {"name": "", "type": "SPF", "rData": '"v=spf1 -all"'},
            {"name": "", "type": "MX", "rData": "mx.example.com"},
            {"type": "mx 0", "rData": "mx.example.com.", "extra": True},
            {"name": "@", "type": "TXT", "rData": "unquoted text"},
        ],
        "somethingNew": {"x": 1},
    }
    http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body)))
    client = maildns.TelecomX(token="t", base_url="https://tx.test", http_client=http)
    with caplog.at_level(logging.WARNING, logger="maildns"):
        zone = client.get_zone("example.com")
    assert zone.records == (
        DnsRecord(RecordType.MX, "example.com", "mx.example.com", priority=0),
        DnsRecord(RecordType.TXT, "example.com", "unquoted text"),
    )
    assert (zone.ttl, zone.serial, zone.status) == (3600, 7, None)
    assert len(zone.raw.records) == 5
    assert zone.raw["somethingNew"] == {"x": 1}
    warned = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "'CAA'" in warned
    assert "'SPF'" in warned
    assert "'MX'" in warned


def test_an_unknown_check_status_is_none(caplog: pytest.LogCaptureFixture) -> None:
    answer = json.dumps({"status": "PENDING_DELEGATION"}).encode()
    http = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=answer))
    )
    client = maildns.TelecomX(token="t", base_url="https://tx.test", http_client=http)
    with caplog.at_level(logging.WARNING, logger="maildns"):
        assert client.check_zone("example.com") is None
    assert "PENDING_DELEGATION" in caplog.text
