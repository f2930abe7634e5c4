"""TelecomX DNS (specs/telecomx.yaml) through the generated ``telecomx_client``.

The login token travels as the ``token`` query parameter: the generated client ignores query API
keys, so an authenticated client is ``Client(base_url, httpx_args={"params": {"token": ...}})``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from telecomx_client import Client
from telecomx_client.api.auth import login
from telecomx_client.api.dns import (
    check_dns,
    create_dns,
    delete_dns,
    get_dns,
    list_dns,
    update_dns,
)
from telecomx_client.api.records import add_dns_record, delete_dns_record, update_dns_record
from telecomx_client.models import (
    Dns,
    DnsCheckResponse,
    DnsCreateRequest,
    DnsList,
    DnsListItem,
    DnsRecord,
    DnsRecordCreateRequest,
    DnsRecordUpdateRequest,
    DnsUpdateRequest,
    Error,
    LoginRequest,
    LoginResponse,
    SuccessResponse,
)
from telecomx_client.types import UNSET, Response

from .conftest import Target
from .specs import SpecPromise

pytestmark = pytest.mark.vcr

P = TypeVar("P")

# Well-formed ids (24 hex characters) that name no customer and no product.
UNKNOWN_ID = "0123456789abcdef01234567"
TOKEN_LIFETIME = 15 * 60

# What maildns promises of the spec (tests/test_specs.py, tests/test_spec_evidence.py).
SPEC_PROMISES = {
    "telecomx": SpecPromise(
        operations=frozenset(
            {
                ("POST", "/auth/login"),
                ("GET", "/dns"),
                ("POST", "/dns"),
                ("GET", "/dns/{domain}"),
                ("POST", "/dns/{domain}"),
                ("DELETE", "/dns/{domain}"),
                ("GET", "/dns/{domain}/check"),
                ("POST", "/dns/{domain}/record"),
                ("PUT", "/dns/{domain}/record"),
                ("DELETE", "/dns/{domain}/record"),
            }
        ),
        open_questions=("token",),
        documentation_hosts=frozenset({"wiki.telecomx.dk"}),
        our_examples=(
            ("POST /auth/login 200", "loggedIn"),
            ("GET /dns 422", "limit"),
            ("GET /dns/{domain} 200", "zone"),
            ("POST /dns/{domain} 200", "published"),  # not the page's: it shows ttl 600, records
            ("POST /dns 500", "internalError"),  # the pages say "<unspecified>"
        ),
    )
}


# What this vendor's generated client does alone, installed from its wheel in a fresh
# environment (tests/test_dist.py), against the sandbox (a call that answers 200),
# and the line it prints. argv: base URL, the credentials, the client's package.
WHEEL_PROBE = (
    """
import sys
from telecomx_client import Client
from telecomx_client.api.auth import login
from telecomx_client.models import LoginRequest
client = Client(base_url=sys.argv[1])
body = LoginRequest(username=sys.argv[2], password=sys.argv[3])
response = login.sync_detailed(client=client, body=body)
print(response.status_code.value, type(response.parsed).__name__)
""",
    "200 LoginResponse",
)


def parsed(response: Response[Any], status: int, cls: type[P]) -> P:
    """The parsed body, after checking the status and the model the client chose."""
    assert response.status_code == status, response.content
    assert isinstance(response.parsed, cls), response.parsed
    return response.parsed


def error(response: Response[Any], status: int, key: str) -> Error:
    """The vendor error ``status key`` (e.g. 409 ``_id``), parsed as the spec's ``Error``."""
    err = parsed(response, status, Error)
    assert err.error == key, response.content
    assert isinstance(err.message, str)
    assert err.message
    return err


def succeeded(response: Response[Any]) -> None:
    assert parsed(response, 200, SuccessResponse).success is True


@dataclass
class TelecomX:
    target: Target
    anonymous: Client
    client: Client
    login: LoginResponse

    @property
    def customer_id(self) -> str:
        return self.target.extra["customer_id"]

    @property
    def product_id(self) -> str:
        return self.target.extra["product_id"]

    def new_zone(self, domain: str, **kwargs: Any) -> DnsCreateRequest:
        return DnsCreateRequest(
            field_id=domain, customer=self.customer_id, product=self.product_id, **kwargs
        )

    def create(self, domain: str, **kwargs: Any) -> Dns:
        response = create_dns.sync_detailed(
            client=self.client, body=self.new_zone(domain, **kwargs)
        )
        return parsed(response, 200, Dns)

    def get(self, domain: str) -> Dns:
        return parsed(get_dns.sync_detailed(domain, client=self.client), 200, Dns)


def make_client(target: Target, token: str | None = None) -> Client:
    args: dict[str, Any] = {"params": {"token": token}} if token is not None else {}
    return Client(base_url=target.base_url, raise_on_unexpected_status=True, httpx_args=args)


def log_in(anonymous: Client, target: Target, **kwargs: Any) -> LoginResponse:
    body = LoginRequest(**target.credentials, **kwargs)
    return parsed(login.sync_detailed(client=anonymous, body=body), 200, LoginResponse)


@pytest.fixture
def target(vendor_target: Callable[[str], Target]) -> Target:
    return vendor_target("telecomx")


@pytest.fixture
def tx(target: Target) -> Iterator[TelecomX]:
    with make_client(target) as anonymous:
        result = log_in(anonymous, target)
        with make_client(target, result.token) as client:
            yield TelecomX(target, anonymous, client, result)


# --- auth ---------------------------------------------------------------------------------------
def test_login_returns_a_15_minute_token_that_opens_the_api(target: Target) -> None:
    with make_client(target) as anonymous:
        result = log_in(anonymous, target)
        assert isinstance(result.token, str)
        assert result.token
        assert result.expires_in_minutes == 15
        assert result.customer == target.extra["customer_id"]
        assert isinstance(result.employee, str)
        assert isinstance(result.access_level, str)
        with make_client(target, result.token) as client:
            page = parsed(list_dns.sync_detailed(client=client), 200, DnsList)
            assert isinstance(page.total, int)


def test_login_with_a_wrong_password_is_401(target: Target) -> None:
    with make_client(target) as anonymous:
        body = LoginRequest(username=target.credentials["username"], password="not-the-password")
        error(login.sync_detailed(client=anonymous, body=body), 401, "credentials_invalid")


def test_login_without_a_password_is_400(target: Target) -> None:
    with make_client(target) as anonymous:
        body = LoginRequest(username=target.credentials["username"], password="")
        error(login.sync_detailed(client=anonymous, body=body), 400, "bad_request")


def test_requests_without_a_valid_token_are_401(target: Target) -> None:
    with make_client(target) as anonymous:
        error(list_dns.sync_detailed(client=anonymous), 401, "credentials_invalid")
        error(get_dns.sync_detailed("example.dk", client=anonymous), 401, "credentials_invalid")
    with make_client(target, "not-a-token") as client:
        error(list_dns.sync_detailed(client=client), 401, "credentials_invalid")


@pytest.mark.sandbox_only
def test_token_expires_after_15_minutes(tx: TelecomX) -> None:
    parsed(list_dns.sync_detailed(client=tx.client), 200, DnsList)
    tx.target.advance_clock(TOKEN_LIFETIME + 1)
    error(list_dns.sync_detailed(client=tx.client), 401, "expired")
    error(get_dns.sync_detailed("example.dk", client=tx.client), 401, "expired")
    # Logging in again gives a token that works (tokens are redacted in cassettes, so the
    # test cannot compare the two).
    fresh = log_in(tx.anonymous, tx.target)
    assert fresh.expires_in_minutes == 15
    with make_client(tx.target, fresh.token) as client:
        parsed(list_dns.sync_detailed(client=client), 200, DnsList)


@pytest.mark.sandbox_only
def test_persistent_token_does_not_expire(target: Target) -> None:
    with make_client(target) as anonymous:
        result = log_in(anonymous, target, persist=True)
        assert result.expires_in_minutes == -1
        target.advance_clock(24 * 3600)
        with make_client(target, result.token) as client:
            parsed(list_dns.sync_detailed(client=client), 200, DnsList)


# --- zones --------------------------------------------------------------------------------------
def test_create_get_check_delete_a_zone(tx: TelecomX) -> None:
    created = tx.create("maildns-create.dk")
    assert created.field_id == "maildns-create.dk"
    assert created.customer == tx.customer_id
    assert created.product == tx.product_id
    assert created.ttl == 86400  # the documented default
    assert created.records == []
    assert isinstance(created.serial, int)
    assert isinstance(created.invoiced_until, datetime.datetime)
    assert created.invoiced_until.tzinfo is not None
    assert created.status is UNSET  # only GET returns the status

    got = tx.get("maildns-create.dk")
    assert got.field_id == "maildns-create.dk"
    assert got.serial == created.serial
    assert got.ttl == created.ttl
    assert got.invoiced_until == created.invoiced_until
    assert got.records == []
    assert got.status in ("OK", "WRONG_NS", "NOT_EXIST")

    check = parsed(
        check_dns.sync_detailed("maildns-create.dk", client=tx.client), 200, DnsCheckResponse
    )
    assert check.status in ("OK", "WRONG_NS", "NOT_EXIST")

    succeeded(delete_dns.sync_detailed("maildns-create.dk", client=tx.client))
    error(get_dns.sync_detailed("maildns-create.dk", client=tx.client), 404, "not_found")
    error(delete_dns.sync_detailed("maildns-create.dk", client=tx.client), 404, "not_found")
    error(check_dns.sync_detailed("maildns-create.dk", client=tx.client), 404, "not_found")


def test_create_with_a_ttl_and_the_sandbox_check_says_ok(tx: TelecomX) -> None:
    created = tx.create("maildns-ttl.dk", ttl=3600)
    assert created.ttl == 3600
    check = check_dns.sync_detailed("maildns-ttl.dk", client=tx.client)
    assert parsed(check, 200, DnsCheckResponse).status == "OK"


def test_create_rejects_a_domain_that_exists(tx: TelecomX) -> None:
    first = tx.create("maildns-dup.dk")
    again = create_dns.sync_detailed(client=tx.client, body=tx.new_zone("maildns-dup.dk", ttl=60))
    error(again, 409, "_id")
    # The first zone is untouched.
    got = tx.get("maildns-dup.dk")
    assert (got.ttl, got.serial) == (first.ttl, first.serial)


INVALID_DOMAINS = ["not a domain", "nodot", "-leading-hyphen.dk", "trailing-.dk", "under_score.dk"]


def test_create_rejects_an_invalid_domain(tx: TelecomX) -> None:
    for domain in INVALID_DOMAINS:
        response = create_dns.sync_detailed(client=tx.client, body=tx.new_zone(domain))
        error(response, 422, "_id")
    page = parsed(list_dns.sync_detailed(client=tx.client), 200, DnsList)
    assert not {item.field_id for item in page.dns or []} & set(INVALID_DOMAINS)


def test_create_rejects_an_invalid_ttl(tx: TelecomX) -> None:
    for ttl in (0, -60):
        body = tx.new_zone("maildns-ttl.dk", ttl=ttl)
        error(create_dns.sync_detailed(client=tx.client, body=body), 422, "ttl")
    error(get_dns.sync_detailed("maildns-ttl.dk", client=tx.client), 404, "not_found")


def test_create_rejects_an_unknown_customer_or_product(tx: TelecomX) -> None:
    body = DnsCreateRequest(field_id="maildns-who.dk", customer=UNKNOWN_ID, product=tx.product_id)
    error(create_dns.sync_detailed(client=tx.client, body=body), 404, "customer")
    body = DnsCreateRequest(field_id="maildns-who.dk", customer=tx.customer_id, product=UNKNOWN_ID)
    error(create_dns.sync_detailed(client=tx.client, body=body), 404, "product")
    error(get_dns.sync_detailed("maildns-who.dk", client=tx.client), 404, "not_found")


def test_update_changes_the_ttl_and_bumps_the_serial(tx: TelecomX) -> None:
    created = tx.create("maildns-update.dk")
    assert isinstance(created.serial, int)

    response = update_dns.sync_detailed(
        "maildns-update.dk", client=tx.client, body=DnsUpdateRequest(ttl=3600)
    )
    updated = parsed(response, 200, Dns)
    assert updated.ttl == 3600
    assert updated.serial == created.serial + 1
    assert updated.product == tx.product_id

    response = update_dns.sync_detailed(
        "maildns-update.dk", client=tx.client, body=DnsUpdateRequest(product=tx.product_id)
    )
    assert parsed(response, 200, Dns).serial == created.serial + 2

    got = tx.get("maildns-update.dk")
    assert (got.ttl, got.serial) == (3600, created.serial + 2)

    bad_ttl = update_dns.sync_detailed(
        "maildns-update.dk", client=tx.client, body=DnsUpdateRequest(ttl=0)
    )
    error(bad_ttl, 422, "ttl")
    bad_product = update_dns.sync_detailed(
        "maildns-update.dk", client=tx.client, body=DnsUpdateRequest(product=UNKNOWN_ID)
    )
    error(bad_product, 404, "product")
    missing = update_dns.sync_detailed(
        "maildns-missing.dk", client=tx.client, body=DnsUpdateRequest(ttl=3600)
    )
    error(missing, 404, "not_found")
    # Failed updates change nothing.
    got = tx.get("maildns-update.dk")
    assert (got.ttl, got.serial, got.product) == (3600, created.serial + 2, tx.product_id)


def test_list_pages_through_the_zones(tx: TelecomX) -> None:
    domains = {f"maildns-page{i}.dk" for i in range(5)}
    for domain in sorted(domains):
        tx.create(domain)

    seen: list[str] = []
    for offset in (0, 2, 4):
        response = list_dns.sync_detailed(
            client=tx.client, offset=offset, limit=2, filter_="maildns-page"
        )
        page = parsed(response, 200, DnsList)
        assert (page.offset, page.limit, page.total) == (offset, 2, 5)
        assert isinstance(page.dns, list)
        assert len(page.dns) == (2 if offset < 4 else 1)
        for item in page.dns:
            assert isinstance(item, DnsListItem)
            # Condensed: records is a count and ttl is documented as a String.
            assert item.records == 0
            assert isinstance(item.ttl, int | str)
            assert int(item.ttl) == 86400
            assert isinstance(item.status, str)
            assert item.customer is UNSET
            seen.append(item.field_id)
    assert sorted(seen) == sorted(domains)  # every zone once, no overlap between pages

    everything = parsed(
        list_dns.sync_detailed(client=tx.client, customer=tx.customer_id), 200, DnsList
    )
    assert isinstance(everything.total, int)
    assert everything.total >= 5
    assert everything.limit == 100  # the documented default

    past_the_end = list_dns.sync_detailed(
        client=tx.client, offset=10, limit=2, filter_="maildns-page"
    )
    page = parsed(past_the_end, 200, DnsList)
    assert (page.total, page.dns) == (5, [])


def test_list_full_returns_dns_objects_and_filter_searches_records(tx: TelecomX) -> None:
    tx.create("maildns-full-a.dk", ttl=600)
    tx.create("maildns-full-b.dk")
    body = DnsRecordCreateRequest(name="www", type_="A", r_data="192.0.2.77")
    succeeded(add_dns_record.sync_detailed("maildns-full-a.dk", client=tx.client, body=body))

    response = list_dns.sync_detailed(client=tx.client, full=True, filter_="maildns-full")
    page = parsed(response, 200, DnsList)
    assert page.total == 2
    assert isinstance(page.dns, list)
    by_name = {item.field_id: item for item in page.dns}
    assert set(by_name) == {"maildns-full-a.dk", "maildns-full-b.dk"}
    full_a = by_name["maildns-full-a.dk"]
    assert full_a.ttl == 600
    assert full_a.customer == tx.customer_id
    assert isinstance(full_a.serial, int)
    assert isinstance(full_a.invoiced_until, datetime.datetime)
    assert isinstance(full_a.records, list)
    assert [(r.name, r.type_, r.r_data) for r in full_a.records] == [("www", "A", "192.0.2.77")]

    # "Domain name and records will be searched."
    by_record = list_dns.sync_detailed(client=tx.client, filter_="192.0.2.77")
    found = parsed(by_record, 200, DnsList)
    assert found.total == 1
    assert isinstance(found.dns, list)
    assert [item.field_id for item in found.dns] == ["maildns-full-a.dk"]
    assert found.dns[0].records == 1


def test_list_rejects_bad_paging_and_unknown_customers(tx: TelecomX) -> None:
    error(list_dns.sync_detailed(client=tx.client, limit=501), 422, "limit")
    error(list_dns.sync_detailed(client=tx.client, limit=0), 422, "limit")
    error(list_dns.sync_detailed(client=tx.client, offset=-1), 422, "offset")
    error(list_dns.sync_detailed(client=tx.client, customer=UNKNOWN_ID), 404, "customer")


# --- records ------------------------------------------------------------------------------------
RECORDS = [
    ("", "A", "192.0.2.1"),
    ("", "AAAA", "2001:db8:85a3:0:0:8a2e:370:7334"),
    ("www", "CNAME", "maildns-records.dk"),
    ("", "MX 10", "mail.maildns-records.dk"),
    ("", "TXT", '"v=spf1 mx a ip4:192.0.2.0/24 -all"'),
    ("_sip._tcp", "SRV", "10 60 5060 sip.maildns-records.dk."),
    ("sub", "NS", "ns1.telecomx.dk"),
]


def add(tx: TelecomX, domain: str, name: str, rtype: str, rdata: str) -> Response[Any]:
    body = DnsRecordCreateRequest(name=name, type_=rtype, r_data=rdata)
    return add_dns_record.sync_detailed(domain, client=tx.client, body=body)


def records_of(zone: Dns) -> list[tuple[str, str, str]]:
    assert isinstance(zone.records, list)
    out = []
    for record in zone.records:
        assert isinstance(record, DnsRecord)
        name = record.name if isinstance(record.name, str) else ""
        out.append((name, record.type_, record.r_data))
    return out


def test_add_records_of_every_type(tx: TelecomX) -> None:
    serial = tx.create("maildns-records.dk").serial
    assert isinstance(serial, int)
    for name, rtype, rdata in RECORDS:
        succeeded(add(tx, "maildns-records.dk", name, rtype, rdata))
    zone = tx.get("maildns-records.dk")
    assert sorted(records_of(zone)) == sorted(RECORDS)
    assert zone.serial == serial + len(RECORDS)  # one bump per change

    # The same (name, type, rData) again is a conflict; another rData is not.
    error(add(tx, "maildns-records.dk", "", "MX 10", "mail.maildns-records.dk"), 409, "name")
    succeeded(add(tx, "maildns-records.dk", "", "MX 20", "mail.maildns-records.dk"))
    zone = tx.get("maildns-records.dk")
    assert len(records_of(zone)) == len(RECORDS) + 1
    assert zone.serial == serial + len(RECORDS) + 1


INVALID_RECORDS = [
    ("www", "A", "192.0.2.300", "rData"),
    ("www", "A", "2001:db8::1", "rData"),
    ("www", "AAAA", "192.0.2.1", "rData"),
    ("www", "CNAME", "not a hostname", "rData"),
    ("", "MX 10", "mail server", "rData"),
    ("", "TXT", "v=spf1 -all", "rData"),
    ("_sip._tcp", "SRV", "10 60 sip.example.dk.", "rData"),
    ("sub", "NS", "ns1..telecomx.dk", "rData"),
    ("", "MX", "mail.example.dk", "type"),
    ("", "SPF", '"v=spf1 -all"', "type"),
    ("bad name", "A", "192.0.2.1", "name"),
    ("sip", "SRV", "10 60 5060 sip.example.dk.", "name"),
]


def test_add_record_rejects_what_the_type_does_not_allow(tx: TelecomX) -> None:
    serial = tx.create("maildns-invalid.dk").serial
    for name, rtype, rdata, key in INVALID_RECORDS:
        error(add(tx, "maildns-invalid.dk", name, rtype, rdata), 422, key)
    zone = tx.get("maildns-invalid.dk")
    assert (zone.records, zone.serial) == ([], serial)


def test_record_operations_on_a_missing_zone_are_404(tx: TelecomX) -> None:
    error(add(tx, "maildns-nowhere.dk", "www", "A", "192.0.2.1"), 404, "not_found")
    body = DnsRecordUpdateRequest(name="www", type_="A", r_data="192.0.2.1", new="192.0.2.2")
    response = update_dns_record.sync_detailed("maildns-nowhere.dk", client=tx.client, body=body)
    error(response, 404, "not_found")
    response = delete_dns_record.sync_detailed(
        "maildns-nowhere.dk", client=tx.client, name="www", type_="A", r_data="192.0.2.1"
    )
    error(response, 404, "not_found")


def test_update_a_record(tx: TelecomX) -> None:
    tx.create("maildns-rec-update.dk")
    succeeded(add(tx, "maildns-rec-update.dk", "mail", "A", "192.0.2.254"))
    succeeded(add(tx, "maildns-rec-update.dk", "mail", "A", "192.0.2.10"))
    serial = tx.get("maildns-rec-update.dk").serial
    assert isinstance(serial, int)

    def update(rdata: str, new: str, name: str = "mail") -> Response[Any]:
        body = DnsRecordUpdateRequest(name=name, type_="A", r_data=rdata, new=new)
        return update_dns_record.sync_detailed("maildns-rec-update.dk", client=tx.client, body=body)

    succeeded(update("192.0.2.254", "192.0.2.250"))
    zone = tx.get("maildns-rec-update.dk")
    assert sorted(records_of(zone)) == [("mail", "A", "192.0.2.10"), ("mail", "A", "192.0.2.250")]
    assert zone.serial == serial + 1

    error(update("192.0.2.254", "192.0.2.251"), 404, "records")  # the old value is gone
    error(update("192.0.2.250", "192.0.2.250", name="other"), 404, "records")
    error(update("", "192.0.2.251"), 422, "previous")
    error(update("192.0.2.250", "not-an-address"), 422, "rData")
    zone = tx.get("maildns-rec-update.dk")
    assert sorted(records_of(zone)) == [("mail", "A", "192.0.2.10"), ("mail", "A", "192.0.2.250")]
    assert zone.serial == serial + 1


def test_delete_a_record(tx: TelecomX) -> None:
    tx.create("maildns-rec-delete.dk")
    succeeded(add(tx, "maildns-rec-delete.dk", "", "MX 10", "mail.maildns-rec-delete.dk"))
    succeeded(add(tx, "maildns-rec-delete.dk", "www", "A", "192.0.2.4"))
    serial = tx.get("maildns-rec-delete.dk").serial
    assert isinstance(serial, int)

    def delete(name: str, rtype: str, rdata: str) -> Response[Any]:
        return delete_dns_record.sync_detailed(
            "maildns-rec-delete.dk", client=tx.client, name=name, type_=rtype, r_data=rdata
        )

    succeeded(delete("", "MX 10", "mail.maildns-rec-delete.dk"))
    zone = tx.get("maildns-rec-delete.dk")
    assert records_of(zone) == [("www", "A", "192.0.2.4")]
    assert zone.serial == serial + 1

    error(delete("", "MX 10", "mail.maildns-rec-delete.dk"), 404, "records")
    error(delete("www", "A", "192.0.2.5"), 404, "records")
    error(delete("www", "TXT", "nope"), 422, "rData")
    zone = tx.get("maildns-rec-delete.dk")
    assert (records_of(zone), zone.serial) == ([("www", "A", "192.0.2.4")], serial + 1)


# --- async ----------------------------------------------------------------------------------------
async def test_async_api(target: Target) -> None:
    async with make_client(target) as anonymous:
        response = await login.asyncio_detailed(
            client=anonymous, body=LoginRequest(**target.credentials)
        )
        token = parsed(response, 200, LoginResponse).token
    async with make_client(target, token) as client:
        body = DnsCreateRequest(
            field_id="maildns-async.dk",
            customer=target.extra["customer_id"],
            product=target.extra["product_id"],
        )
        created = parsed(await create_dns.asyncio_detailed(client=client, body=body), 200, Dns)
        record = DnsRecordCreateRequest(name="", type_="MX 5", r_data="mx.maildns-async.dk")
        added = await add_dns_record.asyncio_detailed(
            "maildns-async.dk", client=client, body=record
        )
        succeeded(added)
        zone = parsed(await get_dns.asyncio_detailed("maildns-async.dk", client=client), 200, Dns)
        assert records_of(zone) == [("", "MX 5", "mx.maildns-async.dk")]
        assert isinstance(created.serial, int)
        assert zone.serial == created.serial + 1
        page = await list_dns.asyncio_detailed(client=client, filter_="maildns-async")
        assert parsed(page, 200, DnsList).total == 1
        gone = await delete_dns.asyncio_detailed("maildns-async.dk", client=client)
        succeeded(gone)
        error(await get_dns.asyncio_detailed("maildns-async.dk", client=client), 404, "not_found")


# --- errors only a fault can produce --------------------------------------------------------------
@pytest.mark.sandbox_only
def test_dns_backend_failure_on_create_is_403_dns(tx: TelecomX) -> None:
    tx.target.inject_fault(
        "POST",
        "/dns",
        status=403,
        body='{"error": "dns", "message": "Unable to communicate with DNS server"}',
    )
    response = create_dns.sync_detailed(client=tx.client, body=tx.new_zone("maildns-fault.dk"))
    error(response, 403, "dns")
    # The request never reached the zone store: a retry creates the zone.
    assert tx.create("maildns-fault.dk").field_id == "maildns-fault.dk"


@pytest.mark.sandbox_only
def test_internal_error_is_500(tx: TelecomX) -> None:
    tx.create("maildns-500.dk")
    tx.target.inject_fault("GET", "/dns/{domain}", status=500)
    error(get_dns.sync_detailed("maildns-500.dk", client=tx.client), 500, "internal_error")
    assert tx.get("maildns-500.dk").field_id == "maildns-500.dk"
