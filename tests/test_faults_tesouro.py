"""The Tesouro facade against a live sandbox that fails on purpose (``Sandbox.inject_fault``).

No cassettes: faults are timing and connection behaviour, so these run against the sandbox on
loopback. Backoff sleeps are disabled with stamina's testing mode, except where the test is
that ``Retry-After`` is honoured.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import httpx
import pytest
from tesouro_client.models import DomainResponse

import maildns
from maildns import DomainStatus, RecordType
from maildns.sandbox import Sandbox

DOMAINS = "/finops/v1/mailbox-domains"
ONE_DOMAIN = DOMAINS + "/{domain_id}"
TOKEN_PATH = "/openid/connect/token"
DOMAIN = "mail.example.com"
HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


# --- fixtures ------------------------------------------------------------------------------------
pytestmark = pytest.mark.usefixtures("no_backoff")


class Seen:
    """What went over the wire: (method, vendor path, status), and the tokens handed out."""

    def __init__(self) -> None:
        self.exchanges: list[tuple[str, str, int]] = []
        self.tokens: list[str] = []
        self.request_ids: list[tuple[str, str]] = []  # (vendor path, x-request-id)

    @staticmethod
    def path(url: httpx.URL) -> str:
        return url.path.removeprefix("/tesouro")

    def on_response(self, response: httpx.Response) -> None:
        path = self.path(response.request.url)
        self.exchanges.append((response.request.method, path, response.status_code))
        if "x-request-id" in response.headers:
            self.request_ids.append((path, response.headers["x-request-id"]))
        if path == TOKEN_PATH and response.status_code == 200:
            response.read()
            self.tokens.append(response.json()["access_token"])

    async def aon_response(self, response: httpx.Response) -> None:
        if self.path(response.request.url) == TOKEN_PATH:
            await response.aread()
        self.on_response(response)

    def http_client(self) -> httpx.Client:
        return httpx.Client(event_hooks={"response": [self.on_response]})

    def async_http_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(event_hooks={"response": [self.aon_response]})

    def calls(self, method: str, path: str = DOMAINS) -> list[int]:
        """The statuses answered to ``method path``, in order."""
        return [s for m, p, s in self.exchanges if m == method and p == path]


# These tests are about retries, whose waits stamina's testing mode skips; a client's pace
# would wait out an injected Retry-After for real (tests/test_pace.py tests the pacing).
UNPACED: dict[str, Any] = {"rate_limit": None}


def tesouro(sb: Sandbox, seen: Seen | None = None, **kwargs: Any) -> maildns.Tesouro:
    kwargs = {**UNPACED, **kwargs}
    if seen is not None:
        kwargs.setdefault("http_client", seen.http_client())
    return maildns.Tesouro(base_url=sb.url("tesouro"), **sb.credentials("tesouro"), **kwargs)


def async_tesouro(sb: Sandbox, seen: Seen | None = None, **kwargs: Any) -> maildns.AsyncTesouro:
    kwargs = {**UNPACED, **kwargs}
    if seen is not None:
        kwargs.setdefault("http_client", seen.async_http_client())
    return maildns.AsyncTesouro(base_url=sb.url("tesouro"), **sb.credentials("tesouro"), **kwargs)


def domain_json(**extra: Any) -> dict[str, Any]:
    """A 201 body in Tesouro's shape."""
    return {
        "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "domain": DOMAIN,
        "status": "waiting_to_be_verified",
        "dns_records": {
            "sending_dns_records": [
                {
                    "is_active": True,
                    "record_type": "TXT",
                    "record_purpose": "SPF",
                    "valid": "unknown",
                    "name": DOMAIN,
                    "value": "v=spf1 include:mailgun.org ~all",
                },
            ],
            "receiving_dns_records": [
                {
                    "is_active": True,
                    "record_type": "MX",
                    "valid": "unknown",
                    "name": DOMAIN,
                    "value": "mxa.mailgun.org",
                    "priority": "10",
                },
            ],
        },
        **extra,
    }


# --- retries -------------------------------------------------------------------------------------
def test_retry_then_success(sb: Sandbox) -> None:
    sb.inject_fault("tesouro", "GET", DOMAINS, status=503, times=2)
    seen = Seen()
    with tesouro(sb, seen, max_retries=2) as client:
        assert list(client.list_sending_domains()) == []
    assert seen.calls("GET") == [503, 503, 200]
    assert sb.pending_faults() == []


@pytest.mark.parametrize("max_retries", [0, 1, 2])
def test_gives_up_after_max_retries(sb: Sandbox, max_retries: int) -> None:
    sb.inject_fault("tesouro", "GET", DOMAINS, status=503, times=5)
    with (
        tesouro(sb, max_retries=max_retries) as client,
        pytest.raises(maildns.ServerError) as info,
    ):
        list(client.list_sending_domains())
    assert info.value.status_code == 503
    assert info.value.message == "Injected fault"  # the vendor's {"error": {"message"}}
    assert info.value.operation == "list_sending_domains"
    (left,) = sb.pending_faults()
    assert 5 - left["times"] == max_retries + 1


def test_retry_after_is_honoured(sb: Sandbox, real_backoff: None) -> None:
    # What the retry waited is what stamina scheduled (its hooks hear each wait), not a reading
    # of the wall clock, which a busy machine would stretch.
    from stamina import instrumentation

    waits: list[float] = []
    seen = Seen()
    instrumentation.set_on_retry_hooks([lambda details: waits.append(details.wait_for)])
    try:
        with tesouro(sb, seen) as client:
            list(client.list_sending_domains())  # the token, so that only the retry counts
            sb.inject_fault("tesouro", "GET", DOMAINS, status=429, retry_after=1)
            assert list(client.list_sending_domains()) == []
    finally:
        instrumentation.set_on_retry_hooks(None)
    assert seen.calls("GET") == [200, 429, 200]
    (elapsed,) = waits
    # At least the second it was told; far less than the minute a misread header would mean.
    assert 1.0 <= elapsed < 30.0


def test_rate_limit_that_lasts_is_a_rate_limit_error(sb: Sandbox) -> None:
    body = json.dumps({"message": "API rate limit exceeded"})
    sb.inject_fault("tesouro", "GET", DOMAINS, status=429, retry_after=30, body=body, times=3)
    with tesouro(sb) as client, pytest.raises(maildns.RateLimitError) as info:
        list(client.list_sending_domains())
    assert (info.value.status_code, info.value.message) == (429, "API rate limit exceeded")
    assert sb.pending_faults() == []


def test_timeout(sb: Sandbox) -> None:
    # The answer would take 10 s; the client gives up at its 0.5 s timeout, well before (the
    # bound leaves a busy machine seconds of slack and still fails if the answer was awaited).
    sb.inject_fault("tesouro", "GET", DOMAINS, delay=10)
    with tesouro(sb, timeout=0.5, max_retries=0) as client:
        started = time.monotonic()
        with pytest.raises(maildns.APITimeoutError) as info:
            list(client.list_sending_domains())
        assert time.monotonic() - started < 8
    assert isinstance(info.value, maildns.APIConnectionError)
    assert (info.value.operation, info.value.operation_id) == (
        "list_sending_domains",
        "listMailboxDomains",
    )
    # the host is named (not the path, nor the query that may hold a token); httpx's own error
    # is the cause
    assert "127.0.0.1" in str(info.value)
    assert DOMAINS not in str(info.value)
    assert isinstance(info.value.__cause__, httpx.TimeoutException)


def test_a_timeout_is_retried(sb: Sandbox) -> None:
    # A timeout the retry's prompt answer meets even on a busy machine; a delay far past it.
    sb.inject_fault("tesouro", "GET", DOMAINS, delay=10)
    with tesouro(sb, timeout=2, max_retries=1) as client:
        assert list(client.list_sending_domains()) == []


def test_a_dropped_connection_is_retried(sb: Sandbox) -> None:
    sb.inject_fault("tesouro", "GET", DOMAINS, drop=True)
    with tesouro(sb) as client:
        client.create_sending_domain(DOMAIN)
        assert [d.domain for d in client.list_sending_domains()] == [DOMAIN]
    assert sb.pending_faults() == []


def test_a_dropped_connection_that_lasts_is_a_connection_error(sb: Sandbox) -> None:
    sb.inject_fault("tesouro", "GET", DOMAINS, drop=True, times=3)
    with tesouro(sb) as client, pytest.raises(maildns.APIConnectionError) as info:
        list(client.list_sending_domains())
    assert not isinstance(info.value, maildns.APITimeoutError)


# --- never duplicated, never falsely failed ------------------------------------------------------
def test_a_retried_create_whose_response_was_lost_returns_the_domain(sb: Sandbox) -> None:
    sb.inject_fault("tesouro", "POST", DOMAINS, status=503, lose_response=True)
    seen = Seen()
    with tesouro(sb, seen) as client:
        created = client.create_sending_domain(DOMAIN)
        listed = list(client.list_sending_domains())
    assert seen.calls("POST") == [503, 409]  # the first attempt did create it
    assert created.domain == DOMAIN
    assert created.status is DomainStatus.PENDING
    assert created.records
    assert [(d.id, d.domain) for d in listed] == [(created.id, DOMAIN)]


def test_a_conflict_on_the_first_attempt_is_still_a_conflict(sb: Sandbox) -> None:
    with tesouro(sb) as client:
        client.create_sending_domain(DOMAIN)
        with pytest.raises(maildns.ConflictError):
            client.create_sending_domain(DOMAIN)
        assert len(list(client.list_sending_domains())) == 1


def test_a_retried_delete_that_meets_404_has_succeeded(sb: Sandbox) -> None:
    sb.inject_fault("tesouro", "DELETE", ONE_DOMAIN, status=503, lose_response=True)
    seen = Seen()
    with tesouro(sb, seen) as client:
        client.create_sending_domain(DOMAIN)
        assert client.delete_sending_domain(DOMAIN) is None
        assert list(client.list_sending_domains()) == []
    assert [s for m, _, s in seen.exchanges if m == "DELETE"] == [503, 404]


# --- bodies that do not fit ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"data": [', "Invalid JSON: EOF while parsing a list at line 1 column 10"),
        (b"not json at all", "Invalid JSON: expected ident at line 1 column 2"),
        (b'{"items": []}', "data: Field required"),
        (
            b'{"data": [{"id": "x"}]}',
            "data[0].id: Input should be a valid UUID, invalid character: found `x` at 0; "
            "data[0].dns_records: Field required; data[0].domain: Field required; "
            "and 1 more problem",
        ),
    ],
)
def test_a_200_that_does_not_fit_the_spec_is_a_validation_error(
    sb: Sandbox, body: bytes, says: str
) -> None:
    """The message says where the body did not fit, in the spec's terms, never Python's."""
    sb.inject_fault(
        "tesouro", "GET", DOMAINS, status=200, body=body, content_type="application/json"
    )
    with tesouro(sb) as client, pytest.raises(maildns.APIResponseValidationError) as info:
        list(client.list_sending_domains())
    assert info.value.status_code == 200
    assert (info.value.operation, info.value.operation_id) == (
        "list_sending_domains",
        "listMailboxDomains",
    )
    assert str(info.value) == (
        f"tesouro list_sending_domains: the response does not fit the spec: {says}"
    )
    assert info.value.body == body
    assert not isinstance(info.value, KeyError | TypeError | ValueError)
    assert sb.pending_faults() == []  # not retried: the same answer would come back


def test_an_html_error_page_is_a_server_error_with_a_readable_message(sb: Sandbox) -> None:
    sb.inject_fault("tesouro", "GET", DOMAINS, status=502, body=HTML_502, times=3)
    with tesouro(sb) as client, pytest.raises(maildns.ServerError) as info:
        list(client.list_sending_domains())
    assert info.value.status_code == 502
    assert info.value.message == "Bad Gateway"
    assert str(info.value) == "tesouro list_sending_domains: 502 Bad Gateway"
    assert "<" not in str(info.value)


def test_an_unknown_record_type_is_skipped_with_a_warning(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    body = domain_json()
    body["dns_records"]["sending_dns_records"].append(
        {
            "is_active": True,
            "record_type": "SPF",  # not in the spec's enum
            "record_purpose": "SPF",
            "valid": "unknown",
            "name": DOMAIN,
            "value": "v=spf1 include:mailgun.org ~all",
        }
    )
    sb.inject_fault("tesouro", "POST", DOMAINS, status=201, body=json.dumps(body))
    with caplog.at_level(logging.WARNING, logger="maildns"), tesouro(sb) as client:
        created = client.create_sending_domain(DOMAIN)
    assert [r.type for r in created.records] == [RecordType.TXT, RecordType.MX]
    assert isinstance(created.raw, DomainResponse)
    raw_types = [
        r["record_type"] for r in created.raw.to_dict()["dns_records"]["sending_dns_records"]
    ]
    assert raw_types == ["TXT", "SPF"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "maildns"]
    assert len(warnings) == 1
    assert "'SPF'" in warnings[0].getMessage()
    assert DOMAIN in warnings[0].getMessage()


def test_extra_unknown_fields_are_kept(sb: Sandbox) -> None:
    domain = domain_json(provider="mailgun", tracking={"open": True})
    domain["dns_records"]["sending_dns_records"][0]["cached"] = ["v=spf1 -all"]
    domain["dns_records"]["web_prefix"] = "email"
    body = {"data": [domain], "next_page": None}
    sb.inject_fault("tesouro", "GET", DOMAINS, status=200, body=json.dumps(body))
    with tesouro(sb) as client:
        (got,) = list(client.list_sending_domains())
    assert got.domain == DOMAIN
    assert [r.type for r in got.records] == [RecordType.TXT, RecordType.MX]
    assert got.raw.additional_properties == {"provider": "mailgun", "tracking": {"open": True}}
    assert got.raw.to_dict()["dns_records"]["sending_dns_records"][0]["cached"] == ["v=spf1 -all"]


# --- async ---------------------------------------------------------------------------------------
async def test_async_retry_then_success_and_lost_create(sb: Sandbox) -> None:
    sb.inject_fault("tesouro", "GET", DOMAINS, status=503, times=2)
    sb.inject_fault("tesouro", "POST", DOMAINS, status=503, lose_response=True)
    seen = Seen()
    async with async_tesouro(sb, seen) as client:
        assert [d async for d in client.list_sending_domains()] == []
        created = await client.create_sending_domain(DOMAIN)
        listed = [d async for d in client.list_sending_domains()]
    assert [d.id for d in listed] == [created.id]
    assert seen.calls("POST") == [503, 409]
    assert sb.pending_faults() == []


async def test_async_timeout_and_give_up(sb: Sandbox) -> None:
    sb.inject_fault("tesouro", "GET", DOMAINS, delay=2)
    async with async_tesouro(sb, timeout=0.5, max_retries=0) as client:
        with pytest.raises(maildns.APITimeoutError):
            [d async for d in client.list_sending_domains()]
    sb.inject_fault("tesouro", "GET", DOMAINS, status=500, times=3)
    async with async_tesouro(sb, max_retries=2) as client:
        with pytest.raises(maildns.ServerError) as info:
            [d async for d in client.list_sending_domains()]
    assert info.value.status_code == 500


async def listed(client: maildns.AsyncTesouro) -> list[maildns.SendingDomain]:
    return [d async for d in client.list_sending_domains()]


async def test_async_concurrent_calls_share_one_token(sb: Sandbox) -> None:
    seen = Seen()
    async with async_tesouro(sb, seen) as client:
        results = await asyncio.gather(*(listed(client) for _ in range(10)))
    assert results == [[]] * 10
    assert len(seen.calls("POST", TOKEN_PATH)) == 1


# --- logging -------------------------------------------------------------------------------------
def test_requests_are_logged_at_debug_without_secrets(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    secret = sb.credentials("tesouro")["client_secret"]
    sb.inject_fault("tesouro", "GET", DOMAINS, status=503)
    seen = Seen()
    caplog.set_level(logging.DEBUG)  # every logger, httpx's included
    with tesouro(sb, seen) as client:
        client.create_sending_domain(DOMAIN)
        list(client.list_sending_domains())
        client.delete_sending_domain(DOMAIN)

    lines = [r.getMessage() for r in caplog.records if r.name == "maildns"]
    url = f"{sb.url('tesouro')}{DOMAINS}"
    assert any(
        line.startswith(f"tesouro POST {url} -> 201 ") and "attempt 1," in line for line in lines
    )
    assert any(
        line.startswith(f"tesouro GET {url} -> 503 ") and "(attempt 1, request id -)" in line
        for line in lines
    )
    assert any(f"tesouro GET {url} -> 200 " in line and "attempt 2," in line for line in lines)
    assert any(line.startswith("tesouro DELETE ") and " -> 204 " in line for line in lines)
    # each answer of the vendor app carries a request id, and its log line shows it; the token
    # request is a request like any other, logged with its operation
    assert any(
        line.startswith(f"tesouro POST {sb.url('tesouro')}{TOKEN_PATH} -> 200 ")
        and line.endswith(" createAccessToken")
        for line in lines
    )
    ids = [rid for _, rid in seen.request_ids]
    assert len(ids) == 4  # the injected 503 has none
    for request_id in ids:
        assert sum(request_id in line for line in lines) == 1
    # token; create; list (503, then 200); delete (the id is known from the listing)
    assert len([line for line in lines if " -> " in line]) == 5

    (token,) = seen.tokens
    for record in caplog.records:
        text = record.getMessage() + repr(record.args)
        assert secret not in text, record.name
        assert token not in text, record.name


def test_maildns_log_env_turns_debug_on(monkeypatch: pytest.MonkeyPatch, sb: Sandbox) -> None:
    import maildns._core.options as config

    logger = logging.getLogger("maildns")
    handlers, level = list(logger.handlers), logger.level
    monkeypatch.setattr(config, "_configured", False)
    monkeypatch.setenv("MAILDNS_LOG", "debug")
    try:
        tesouro(sb)
        assert logger.isEnabledFor(logging.DEBUG)
        assert len(logger.handlers) == len(handlers) + 1
    finally:
        for handler in logger.handlers[len(handlers) :]:
            logger.removeHandler(handler)
        logger.setLevel(level)
