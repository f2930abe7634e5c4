"""The CiiRUS facade against a live sandbox that fails on purpose (``Sandbox.inject_fault``).

No cassettes: these tests talk to a local sandbox over loopback. Backoff does not sleep
(``stamina.set_testing``), so retries are instant; the number of attempts is what
``max_retries`` allows (``cap=True``).
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest

import maildns
from maildns import DomainStatus, RecordPurpose
from maildns.sandbox import Sandbox

from .contract import assert_no_secret

VERSIONS = ["v2023.07.31", "v2024.07.31"]
DOMAIN = "mail.example.com"
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>"
    b"<body><h1>Internal Server Error</h1><p>The server encountered an error.</p></body></html>"
)


pytestmark = pytest.mark.usefixtures("no_backoff")


@pytest.fixture(params=VERSIONS)
def api_version(request: pytest.FixtureRequest) -> str:
    version: str = request.param
    return version


def path(api_version: str) -> str:
    return f"/{api_version}/emails/subaccount"


def options(sb: Sandbox, api_version: str, overrides: dict[str, Any]) -> dict[str, Any]:
    base = {**sb.credentials("ciirus"), "base_url": sb.url("ciirus"), "api_version": api_version}
    # Retries, not pacing, are tested here: an injected 429 must not start a real pace.
    return {**base, "rate_limit": None, **overrides}


def client(sb: Sandbox, api_version: str, **overrides: Any) -> maildns.Ciirus:
    return maildns.Ciirus(**options(sb, api_version, overrides))


def async_client(sb: Sandbox, api_version: str, **overrides: Any) -> maildns.AsyncCiirus:
    return maildns.AsyncCiirus(**options(sb, api_version, overrides))


def times_left(sb: Sandbox) -> list[int]:
    return [f["times"] for f in sb.pending_faults()]


# --- retries -------------------------------------------------------------------------------------
def test_retry_then_success(sb: Sandbox, api_version: str) -> None:
    with client(sb, api_version) as c:
        c.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
        sb.inject_fault("ciirus", "GET", path(api_version), status=503, times=2)
        got = c.get_sending_domain(DOMAIN)
    assert got.domain == DOMAIN
    assert times_left(sb) == []


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429, 408])
def test_gives_up_after_max_retries(sb: Sandbox, api_version: str, status: int) -> None:
    sb.inject_fault("ciirus", "GET", path(api_version), status=status, times=5)
    with client(sb, api_version, max_retries=2) as c, pytest.raises(maildns.APIStatusError) as info:
        list(c.list_sending_domains())
    assert info.value.status_code == status
    if status >= 500:
        assert isinstance(info.value, maildns.ServerError)
    assert info.value.message == "Injected fault"  # CiiRUS's error body, parsed
    assert times_left(sb) == [2]  # exactly 1 + max_retries attempts


def test_max_retries_zero_means_one_attempt(sb: Sandbox, api_version: str) -> None:
    sb.inject_fault("ciirus", "GET", path(api_version), status=503, times=3)
    with client(sb, api_version, max_retries=0) as c, pytest.raises(maildns.ServerError):
        list(c.list_sending_domains())
    assert times_left(sb) == [2]


def test_client_errors_are_not_retried(sb: Sandbox, api_version: str) -> None:
    sb.inject_fault("ciirus", "GET", path(api_version), status=400, times=3)
    with client(sb, api_version) as c, pytest.raises(maildns.BadRequestError):
        list(c.list_sending_domains())
    assert times_left(sb) == [2]


# --- creates are never duplicated nor falsely failed ---------------------------------------------
def test_retried_create_whose_answer_was_lost_returns_the_subaccount(
    sb: Sandbox, api_version: str
) -> None:
    sb.inject_fault("ciirus", "POST", path(api_version), status=503, lose_response=True)
    with client(sb, api_version) as c:
        created = c.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
        assert created.domain == DOMAIN
        assert created.status is DomainStatus.PENDING
        # Read back after the lost answer: the complete record set, SPF included.
        assert {r.purpose for r in created.records} == {
            RecordPurpose.VERIFICATION,
            RecordPurpose.DKIM,
            RecordPurpose.SPF,
        }
        listed = list(c.list_sending_domains())
    assert [d.id for d in listed] == [created.id]
    assert times_left(sb) == []


async def test_async_retried_create_whose_answer_was_lost(sb: Sandbox, api_version: str) -> None:
    sb.inject_fault("ciirus", "POST", path(api_version), status=502, lose_response=True)
    async with async_client(sb, api_version) as c:
        created = await c.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
        assert [d.id async for d in c.list_sending_domains()] == [created.id]


def test_retried_create_dropped_after_creating_returns_the_subaccount(
    sb: Sandbox, api_version: str
) -> None:
    sb.inject_fault("ciirus", "POST", path(api_version), drop=True, lose_response=True)
    with client(sb, api_version) as c:
        created = c.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
        assert [d.id for d in c.list_sending_domains()] == [created.id]


def test_retried_create_meeting_another_domain_is_a_conflict(sb: Sandbox, api_version: str) -> None:
    with client(sb, api_version) as c:
        c.create_sending_domain("first.example.com", daily_send_limit=10, approved=True)
        # The first attempt fails before CiiRUS sees it; the retry meets the existing one.
        sb.inject_fault("ciirus", "POST", path(api_version), status=503)
        with pytest.raises(maildns.ConflictError) as info:
            c.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
        assert "'first.example.com'" in str(info.value)
        assert [d.domain for d in c.list_sending_domains()] == ["first.example.com"]


def test_retried_delete_meeting_404_has_succeeded(sb: Sandbox, api_version: str) -> None:
    with client(sb, api_version) as c:
        c.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
        sb.inject_fault("ciirus", "DELETE", path(api_version), status=503, lose_response=True)
        c.delete_sending_domain(DOMAIN)  # returns None
        assert list(c.list_sending_domains()) == []


def test_retried_update_is_harmless(sb: Sandbox, api_version: str) -> None:
    with client(sb, api_version) as c:
        c.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
        sb.inject_fault("ciirus", "PUT", path(api_version), status=503, lose_response=True)
        updated = c.update_sending_domain(DOMAIN, daily_send_limit=77, approved=False)
        assert (updated.raw.daily_send_limit, updated.raw.approved) == (77, False)


# --- bodies that do not fit ----------------------------------------------------------------------
def test_html_error_page_is_a_server_error_with_a_readable_message(
    sb: Sandbox, api_version: str
) -> None:
    sb.inject_fault("ciirus", "GET", path(api_version), status=500, body=HTML_PAGE, times=3)
    with client(sb, api_version) as c, pytest.raises(maildns.ServerError) as info:
        list(c.list_sending_domains())
    assert info.value.status_code == 500
    assert "500 Internal Server Error" in info.value.message
    assert "<" not in str(info.value)
    assert info.value.field is None


def test_html_page_on_a_client_error_is_typed_too(sb: Sandbox, api_version: str) -> None:
    page = b"<html><head><title>403 Forbidden</title></head><body>nope</body></html>"
    sb.inject_fault("ciirus", "GET", path(api_version), status=403, body=page)
    with client(sb, api_version) as c, pytest.raises(maildns.PermissionDeniedError) as info:
        list(c.list_sending_domains())
    assert "403 Forbidden" in info.value.message


def test_malformed_json_on_200_is_a_response_validation_error(
    sb: Sandbox, api_version: str
) -> None:
    sb.inject_fault(
        "ciirus", "GET", path(api_version), status=200, body=b'{"sending_domain": "mail.exa'
    )
    with client(sb, api_version) as c, pytest.raises(maildns.APIResponseValidationError) as info:
        list(c.list_sending_domains())
    assert info.value.status_code == 200
    assert info.value.vendor == "ciirus"
    assert not isinstance(info.value, KeyError | TypeError | ValueError)


@pytest.mark.parametrize(
    "body",
    [b"[1, 2, 3]", b'"just a string"', b"{}", b'{"sending_domain": 42, "subaccount_id": "s"}'],
)
def test_wrong_shapes_on_200_are_response_validation_errors(
    sb: Sandbox, api_version: str, body: bytes
) -> None:
    sb.inject_fault("ciirus", "GET", path(api_version), status=200, body=body)
    with client(sb, api_version) as c, pytest.raises(maildns.APIResponseValidationError):
        list(c.list_sending_domains())


def test_malformed_json_in_an_error_keeps_the_status(sb: Sandbox, api_version: str) -> None:
    sb.inject_fault("ciirus", "GET", path(api_version), status=404, body=b'{"message": ')
    with client(sb, api_version) as c:
        # list: a 404 from CiiRUS means no subaccount, whatever its body
        assert list(c.list_sending_domains()) == []


def test_extra_fields_parse_and_are_kept_in_raw(sb: Sandbox, api_version: str) -> None:
    with client(sb, api_version) as c:
        created = c.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
        body = {
            **created.raw.to_dict(),
            "spf_value": "v=spf1 include:spf.mandrillapp.com ?all",
            "spf_validation_status": False,
            "dmarc_value": "v=DMARC1; p=none",
            "brand_new": {"nested": [1, 2]},
        }
        sb.inject_fault("ciirus", "GET", path(api_version), status=200, body=json.dumps(body))
        got = c.get_sending_domain(DOMAIN)
    assert got.id == created.id
    assert got.raw.additional_properties["dmarc_value"] == "v=DMARC1; p=none"
    assert got.raw.additional_properties["brand_new"] == {"nested": [1, 2]}
    # Unknown fields do not become records.
    assert {r.purpose for r in got.records} == {
        RecordPurpose.VERIFICATION,
        RecordPurpose.DKIM,
        RecordPurpose.SPF,
    }


def test_missing_and_null_statuses_are_unknown(sb: Sandbox, api_version: str) -> None:
    with client(sb, api_version) as c:
        created = c.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
        body = {**created.raw.to_dict(), "dns_validation_status": None}
        for field in ("dkim_validation_status", "spf_validation_status"):
            body.pop(field, None)
        sb.inject_fault("ciirus", "GET", path(api_version), status=200, body=json.dumps(body))
        got = c.get_sending_domain(DOMAIN)
    assert got.status is DomainStatus.UNKNOWN
    assert {r.verified for r in got.records} == {None}


def test_a_status_that_is_not_a_boolean_does_not_fit(sb: Sandbox, api_version: str) -> None:
    with client(sb, api_version) as c:
        created = c.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
        body = {**created.raw.to_dict(), "dns_validation_status": "in_progress"}
        sb.inject_fault("ciirus", "GET", path(api_version), status=200, body=json.dumps(body))
        with pytest.raises(maildns.APIResponseValidationError, match="dns_validation_status"):
            c.get_sending_domain(DOMAIN)


# --- the network ---------------------------------------------------------------------------------
def test_dropped_connection_is_retried(sb: Sandbox, api_version: str) -> None:
    sb.inject_fault("ciirus", "GET", path(api_version), drop=True)
    with client(sb, api_version) as c:
        assert list(c.list_sending_domains()) == []
    assert times_left(sb) == []


def test_dropped_connections_give_up_with_a_connection_error(sb: Sandbox, api_version: str) -> None:
    sb.inject_fault("ciirus", "GET", path(api_version), drop=True, times=3)
    with client(sb, api_version) as c, pytest.raises(maildns.APIConnectionError) as info:
        list(c.list_sending_domains())
    assert not isinstance(info.value, maildns.APITimeoutError)
    assert sb.url("ciirus") not in str(info.value)


def test_timeout_is_an_api_timeout_error(sb: Sandbox, api_version: str) -> None:
    sb.inject_fault("ciirus", "GET", path(api_version), delay=1.0, times=3)
    with client(sb, api_version, timeout=0.2) as c, pytest.raises(maildns.APITimeoutError):
        list(c.list_sending_domains())


def test_one_timeout_then_success(sb: Sandbox, api_version: str) -> None:
    # A timeout the retry's prompt answer meets even on a busy machine; a delay far past it.
    sb.inject_fault("ciirus", "GET", path(api_version), delay=8)
    with client(sb, api_version, timeout=2) as c:
        assert list(c.list_sending_domains()) == []


async def test_async_timeout_and_retry(sb: Sandbox, api_version: str) -> None:
    sb.inject_fault("ciirus", "GET", path(api_version), status=503)
    async with async_client(sb, api_version) as c:
        assert [d async for d in c.list_sending_domains()] == []
    sb.inject_fault("ciirus", "GET", path(api_version), delay=1.0, times=3)
    async with async_client(sb, api_version, timeout=0.2) as c:
        with pytest.raises(maildns.APITimeoutError):
            [d async for d in c.list_sending_domains()]


# --- secrets -------------------------------------------------------------------------------------
def test_secrets_never_in_logs_or_exceptions(
    sb: Sandbox, api_version: str, caplog: pytest.LogCaptureFixture
) -> None:
    creds = sb.credentials("ciirus")
    wrong = "Wr0ng-secret-pw"
    secrets = [
        creds["password"],
        wrong,
        base64.b64encode(f"{creds['username']}:{creds['password']}".encode()).decode(),
        base64.b64encode(f"{creds['username']}:{wrong}".encode()).decode(),
    ]
    errors: list[BaseException] = []
    with caplog.at_level(logging.DEBUG):
        with client(sb, api_version) as c:
            c.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
            sb.inject_fault("ciirus", "GET", path(api_version), status=503, times=3)
            sb.inject_fault("ciirus", "POST", path(api_version), drop=True, times=3)
            for call in (
                lambda: list(c.list_sending_domains()),
                lambda: c.create_sending_domain(DOMAIN, daily_send_limit=1, approved=True),
                lambda: c.create_sending_domain(DOMAIN, daily_send_limit=1, approved=True),
            ):
                with pytest.raises(maildns.MailDnsError) as info:
                    call()
                errors.append(info.value)
        with client(sb, api_version, password=wrong) as bad:
            with pytest.raises(maildns.AuthenticationError) as auth_info:
                bad.get_sending_domain(DOMAIN)
            errors.append(auth_info.value)
            assert wrong not in repr(bad) + repr(vars(bad))
    assert any("ciirus GET" in r.getMessage() for r in caplog.records)  # requests are logged
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for secret in secrets:
        assert secret not in logged
    for error in errors:
        assert_no_secret(error, secrets)
