"""The TelecomX facade against a live sandbox that fails on purpose (no cassettes).

Backoff does not sleep here (``stamina.set_testing``), except in the test that checks that
``Retry-After`` is honoured.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import httpx
import pytest

import maildns
from maildns import DnsRecord, RecordType, Zone
from maildns.sandbox import Sandbox

DOMAIN = "maildns-faults.example"
RECORD = DnsRecord(RecordType.MX, DOMAIN, f"mx.{DOMAIN}", priority=10)


# Retries, not pacing, are tested here: an injected 429 must not start a real pace.
UNPACED: dict[str, Any] = {"rate_limit": None}


def make(sb: Sandbox, **kwargs: Any) -> maildns.TelecomX:
    kwargs = {**UNPACED, **kwargs}
    return maildns.TelecomX(**sb.credentials("telecomx"), base_url=sb.url("telecomx"), **kwargs)


def make_async(sb: Sandbox, **kwargs: Any) -> maildns.AsyncTelecomX:
    kwargs = {**UNPACED, **kwargs}
    return maildns.AsyncTelecomX(
        **sb.credentials("telecomx"), base_url=sb.url("telecomx"), **kwargs
    )


def create(client: maildns.TelecomX, sb: Sandbox, domain: str = DOMAIN) -> Zone:
    return client.create_zone(
        domain, customer=sb.telecomx_customer_id, product=sb.telecomx_product_id
    )


def attempts(caplog: pytest.LogCaptureFixture, method: str, path_end: str) -> list[str]:
    """The statuses the maildns logger saw for ``method ...path_end``, in order."""
    out = []
    for record in caplog.records:
        if record.name != "maildns" or not isinstance(record.args, tuple):
            continue
        _vendor, m, url, status, *_ = record.args
        if m == method and httpx.URL(str(url)).path.endswith(path_end):
            out.append(str(status))
    return out


# --- retries --------------------------------------------------------------------------------------
@pytest.mark.usefixtures("no_backoff")
def test_a_failed_get_is_retried_then_succeeds(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    with make(sb) as client:
        create(client, sb)
        sb.inject_fault("telecomx", "GET", "/dns/{domain}", status=503)
        with caplog.at_level(logging.DEBUG, logger="maildns"):
            zone = client.get_zone(DOMAIN)
    assert zone.domain == DOMAIN
    assert attempts(caplog, "GET", f"/dns/{DOMAIN}") == ["503", "200"]
    assert sb.pending_faults() == []


@pytest.mark.usefixtures("no_backoff")
def test_giving_up_after_max_retries_raises_the_typed_error(sb: Sandbox) -> None:
    with make(sb) as client:
        create(client, sb)
        sb.inject_fault("telecomx", "GET", "/dns/{domain}", status=503, times=5)
        with pytest.raises(maildns.ServerError) as info:
            client.get_zone(DOMAIN)
    assert (info.value.status_code, info.value.field) == (503, None)
    assert info.value.message == "Injected fault"
    assert sb.pending_faults()[0]["times"] == 2  # 1 + max_retries (2) answers were used

    sb.clear_faults()
    with make(sb, max_retries=0) as client:
        sb.inject_fault("telecomx", "GET", "/dns/{domain}", status=500, times=2)
        with pytest.raises(maildns.ServerError):
            client.get_zone(DOMAIN)
    assert sb.pending_faults()[0]["times"] == 1


@pytest.mark.usefixtures("no_backoff")
def test_rate_limits_and_html_error_pages(sb: Sandbox) -> None:
    with make(sb, max_retries=1) as client:
        create(client, sb)
        sb.inject_fault("telecomx", "GET", "/dns/{domain}", status=429, retry_after=1)
        assert client.get_zone(DOMAIN).domain == DOMAIN
        page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        sb.inject_fault("telecomx", "GET", "/dns/{domain}", status=502, body=page, times=2)
        with pytest.raises(maildns.ServerError) as info:
            client.get_zone(DOMAIN)
    assert info.value.message == "HTTP 502 Bad Gateway"
    assert info.value.field is None


def test_retry_after_is_honoured(sb: Sandbox) -> None:
    with make(sb, max_retries=1) as client:
        create(client, sb)
        sb.inject_fault("telecomx", "GET", "/dns/{domain}", status=503, retry_after="0.5")
        started = time.monotonic()
        client.get_zone(DOMAIN)
        assert time.monotonic() - started >= 0.5


@pytest.mark.long
@pytest.mark.usefixtures("no_backoff")
def test_a_timeout_is_retried_then_raised(sb: Sandbox) -> None:
    # A timeout the retry's prompt answer meets even on a busy machine; delays far past it.
    with make(sb, timeout=2) as client:
        create(client, sb)
        sb.inject_fault("telecomx", "GET", "/dns/{domain}/check", delay=8)
        assert client.check_zone(DOMAIN) is maildns.ZoneStatus.SERVED
        sb.inject_fault("telecomx", "GET", "/dns/{domain}/check", delay=8, times=3)
        with pytest.raises(maildns.APITimeoutError) as info:
            client.check_zone(DOMAIN)
    assert isinstance(info.value, maildns.APIConnectionError)
    assert info.value.operation == "check_zone"


@pytest.mark.usefixtures("no_backoff")
def test_a_dropped_connection_is_retried(sb: Sandbox) -> None:
    with make(sb) as client:
        create(client, sb)
        sb.inject_fault("telecomx", "GET", "/dns/{domain}", drop=True)
        assert client.get_zone(DOMAIN).domain == DOMAIN
        sb.inject_fault("telecomx", "GET", "/dns/{domain}", drop=True, times=3)
        with pytest.raises(maildns.APIConnectionError):
            client.get_zone(DOMAIN)
    assert sb.pending_faults() == []


@pytest.mark.usefixtures("no_backoff")
def test_the_login_itself_is_retried(sb: Sandbox) -> None:
    sb.inject_fault("telecomx", "POST", "/auth/login", status=503)
    with make(sb) as client:
        assert list(client.list_zones()) == []
    assert sb.pending_faults() == []

    sb.inject_fault("telecomx", "POST", "/auth/login", drop=True)
    with make(sb) as client:
        assert list(client.list_zones()) == []
    assert sb.pending_faults() == []

    sb.inject_fault("telecomx", "POST", "/auth/login", status=503, times=3)
    with make(sb) as client, pytest.raises(maildns.ServerError) as info:
        list(client.list_zones())
    # the method called, and the request that failed: the login, retried like any call
    assert (info.value.operation, info.value.operation_id) == ("list_zones", "login")


# --- creates and deletes are never duplicated or falsely failed -----------------------------------
@pytest.mark.usefixtures("no_backoff")
def test_a_retried_create_whose_answer_was_lost_returns_the_zone(sb: Sandbox) -> None:
    sb.inject_fault("telecomx", "POST", "/dns", status=503, lose_response=True)
    with make(sb) as client:
        zone = create(client, sb)
        assert zone.domain == DOMAIN
        assert zone.raw.customer == sb.telecomx_customer_id
        assert [z.domain for z in client.list_zones()] == [DOMAIN]
        # Without a retry, the same 409 is a conflict.
        with pytest.raises(maildns.ConflictError) as info:
            create(client, sb)
    assert info.value.field == "_id"


@pytest.mark.usefixtures("no_backoff")
def test_a_retried_add_record_whose_answer_was_lost_succeeds(sb: Sandbox) -> None:
    with make(sb) as client:
        create(client, sb)
        sb.inject_fault("telecomx", "POST", "/dns/{domain}/record", status=502, lose_response=True)
        assert client.add_record(DOMAIN, RECORD) is None
        assert client.get_zone(DOMAIN).records == (RECORD,)


@pytest.mark.usefixtures("no_backoff")
def test_retried_deletes_whose_answer_was_lost_succeed(sb: Sandbox) -> None:
    with make(sb) as client:
        create(client, sb)
        client.add_record(DOMAIN, RECORD)
        sb.inject_fault(
            "telecomx", "DELETE", "/dns/{domain}/record", status=503, lose_response=True
        )
        assert client.delete_record(DOMAIN, RECORD) is None
        assert client.get_zone(DOMAIN).records == ()

        client.add_record(DOMAIN, RECORD)
        sb.inject_fault("telecomx", "PUT", "/dns/{domain}/record", status=503, lose_response=True)
        client.update_record(DOMAIN, RECORD, f"mx2.{DOMAIN}")
        assert [r.value for r in client.get_zone(DOMAIN).records] == [f"mx2.{DOMAIN}"]

        sb.inject_fault("telecomx", "DELETE", "/dns/{domain}", status=503, lose_response=True)
        assert client.delete_zone(DOMAIN) is None
        with pytest.raises(maildns.NotFoundError):
            client.get_zone(DOMAIN)


@pytest.mark.usefixtures("no_backoff")
async def test_the_async_twin_retries_and_does_not_duplicate(sb: Sandbox) -> None:
    sb.inject_fault("telecomx", "POST", "/auth/login", status=503)
    sb.inject_fault("telecomx", "POST", "/dns", status=503, lose_response=True)
    async with make_async(sb) as client:
        zone = await client.create_zone(
            DOMAIN, customer=sb.telecomx_customer_id, product=sb.telecomx_product_id
        )
        assert zone.domain == DOMAIN
        sb.inject_fault("telecomx", "POST", "/dns/{domain}/record", drop=True)
        await client.add_record(DOMAIN, RECORD)
        sb.inject_fault("telecomx", "GET", "/dns", status=500)
        assert [z.domain async for z in client.list_zones()] == [DOMAIN]
        assert (await client.get_zone(DOMAIN)).records == (RECORD,)
    assert sb.pending_faults() == []


# --- bodies that do not fit the spec --------------------------------------------------------------
@pytest.mark.usefixtures("no_backoff")
def test_malformed_json_on_a_200_is_a_response_validation_error(sb: Sandbox) -> None:
    with make(sb) as client:
        create(client, sb)
        sb.inject_fault("telecomx", "GET", "/dns/{domain}", status=200, body=b'{"_id": "x", "tt')
        with pytest.raises(maildns.APIResponseValidationError) as info:
            client.get_zone(DOMAIN)
        assert info.value.status_code == 200
        assert info.value.operation == "get_zone"
        sb.inject_fault("telecomx", "GET", "/dns", status=200, body=b'{"dns": 5}')
        with pytest.raises(maildns.APIResponseValidationError):
            list(client.list_zones())
        sb.inject_fault("telecomx", "GET", "/dns/{domain}", status=200, body=b'["a list"]')
        with pytest.raises(maildns.APIResponseValidationError):
            client.get_zone(DOMAIN)


@pytest.mark.usefixtures("no_backoff")
def test_an_unknown_record_type_is_skipped_with_a_warning(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    body = {
        "_id": DOMAIN,
        "customer": sb.telecomx_customer_id,
        "product": sb.telecomx_product_id,
        "serial": 2026010100,
        "ttl": 86400,
        "status": "OK",
        "records": [
            {"name": "", "type": "CAA", "rData": '0 issue "letsencrypt.org"'},
            {"name": "www", "type": "A", "rData": "192.0.2.1"},
        ],
        "someNewField": [1, 2, 3],
    }
    with make(sb) as client:
        create(client, sb)
        sb.inject_fault(
            "telecomx", "GET", "/dns/{domain}", status=200, body=json.dumps(body).encode()
        )
        with caplog.at_level(logging.WARNING, logger="maildns"):
            zone = client.get_zone(DOMAIN)
    assert zone.records == (DnsRecord(RecordType.A, f"www.{DOMAIN}", "192.0.2.1"),)
    assert zone.status is maildns.ZoneStatus.SERVED
    assert [r.type_ for r in zone.raw.records] == ["CAA", "A"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "'CAA'" in warnings[0].getMessage()


@pytest.mark.usefixtures("no_backoff")
def test_values_are_read_in_maildns_spelling(sb: Sandbox) -> None:
    body = {
        "_id": DOMAIN,
        "serial": 2026010100,
        "ttl": 86400,
        "records": [
            {"name": "www", "type": "CNAME", "rData": "Web.Example.NET."},
            {"name": "", "type": "MX 10", "rData": "MX1.Example.net"},
            {"name": "v6", "type": "AAAA", "rData": "2001:DB8:0:0::1"},
            {"name": "_sip._tcp", "type": "SRV", "rData": "10 60 5060 SIP.Example.com."},
            {"name": "", "type": "TXT", "rData": '"v=spf1 " "-all"'},
        ],
    }
    with make(sb) as client:
        create(client, sb)
        sb.inject_fault(
            "telecomx", "GET", "/dns/{domain}", status=200, body=json.dumps(body).encode()
        )
        zone = client.get_zone(DOMAIN)
    assert zone.records == (
        DnsRecord(RecordType.CNAME, f"www.{DOMAIN}", "web.example.net"),
        DnsRecord(RecordType.MX, DOMAIN, "mx1.example.net", priority=10),
        DnsRecord(RecordType.AAAA, f"v6.{DOMAIN}", "2001:db8::1"),
        DnsRecord(RecordType.SRV, f"_sip._tcp.{DOMAIN}", "10 60 5060 sip.example.com"),
        DnsRecord(RecordType.TXT, DOMAIN, "v=spf1 -all"),
    )


@pytest.mark.parametrize(
    ("wire", "status"),
    [
        ("OK", maildns.ZoneStatus.SERVED),
        ("WRONG_NS", maildns.ZoneStatus.NOT_DELEGATED),
        ("NOT_EXIST", maildns.ZoneStatus.MISSING),
    ],
)
@pytest.mark.usefixtures("no_backoff")
def test_telecomx_statuses_are_maildns_zone_statuses(
    sb: Sandbox, wire: str, status: maildns.ZoneStatus
) -> None:
    with make(sb) as client:
        create(client, sb)
        body = json.dumps({"status": wire}).encode()
        sb.inject_fault("telecomx", "GET", "/dns/{domain}/check", status=200, body=body)
        assert client.check_zone(DOMAIN) is status
        assert maildns.ZoneStatus[wire] is status  # the former names are aliases
        zone = client.get_zone(DOMAIN)
    assert (zone.raw.customer, zone.raw.product) == (
        sb.telecomx_customer_id,
        sb.telecomx_product_id,
    )
    assert not hasattr(zone, "customer")


# --- secrets --------------------------------------------------------------------------------------
@pytest.mark.usefixtures("no_backoff")
def test_no_log_line_or_exception_holds_the_password_or_the_token(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    password = sb.credentials("telecomx")["password"]
    tokens: set[str] = set()

    def remember(request: httpx.Request) -> None:
        token = request.url.params.get("token")
        if token:
            tokens.add(token)

    errors: list[BaseException] = []
    http = httpx.Client(event_hooks={"request": [remember]})
    with caplog.at_level(logging.DEBUG):
        with make(sb, http_client=http) as client:
            create(client, sb)
            sb.inject_fault("telecomx", "GET", "/dns/{domain}", status=503)
            client.get_zone(DOMAIN)
            sb.inject_fault("telecomx", "GET", "/dns/{domain}", drop=True, times=3)
            with pytest.raises(maildns.APIConnectionError) as dropped:
                client.get_zone(DOMAIN)
            errors.append(dropped.value)
            with pytest.raises(maildns.NotFoundError) as missing:
                client.delete_zone("absent.example")
            errors.append(missing.value)
            sb.advance_clock(15 * 60 + 1)  # the token expires: 401, then a new login
            client.check_zone(DOMAIN)
        token = next(iter(tokens))
        with maildns.TelecomX(token=token + "x", base_url=sb.url("telecomx")) as wrong:
            with pytest.raises(maildns.AuthenticationError) as info:
                wrong.get_zone(DOMAIN)
            errors.append(info.value)
        with maildns.TelecomX(
            username=sb.credentials("telecomx")["username"],
            password=password + "x",
            base_url=sb.url("telecomx"),
        ) as wrong:
            with pytest.raises(maildns.AuthenticationError) as info:
                wrong.get_zone(DOMAIN)
            errors.append(info.value)
    http.close()

    assert len(tokens) == 2  # one per login
    secrets = [password, *tokens]
    lines = [record.getMessage() for record in caplog.records]
    assert any("token=**********" in line for line in lines), "httpx's URL lines are masked"
    for line in lines:
        for secret in secrets:
            assert secret not in line
    for error in errors:
        texts = [str(error), repr(error), repr(getattr(error, "body", None)), *map(str, error.args)]
        for secret in [*secrets, password + "x", token + "x"]:
            assert all(secret not in text for text in texts), type(error).__name__
