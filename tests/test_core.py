"""The shared core: Retry-After parsing, what is retried, your own http_client, connection reuse."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

import maildns
from maildns._core.engine import RETRY_AFTER_CAP, _backoff, _Retryable, retry_after_seconds
from maildns._core.secrets import redact_body
from maildns.sandbox import Sandbox

DOMAINS = "/finops/v1/mailbox-domains"
NOW = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def _headers(value: str) -> httpx.Headers:
    return httpx.Headers({"Retry-After": value})


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        ("0.5", 0.5),
        ("0", 0.0),
        ("-4", 0.0),
        ("120", RETRY_AFTER_CAP),
        (format_datetime(NOW + timedelta(seconds=10), usegmt=True), 10.0),
        (format_datetime(NOW - timedelta(seconds=10), usegmt=True), 0.0),
        (format_datetime(NOW + timedelta(hours=2), usegmt=True), RETRY_AFTER_CAP),
        ("soon", None),
        ("", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_http_date_and_capped(
    value: str, seconds: float | None
) -> None:
    assert retry_after_seconds(_headers(value), now=NOW) == seconds
    assert retry_after_seconds(httpx.Headers(), now=NOW) is None


def test_backoff_uses_retry_after_only_for_retryable_errors() -> None:
    error = maildns.RateLimitError("slow down", vendor="v", operation="op", status_code=429)
    assert _backoff(_Retryable(error, 7.0)) == 7.0
    assert _backoff(_Retryable(error, None)) is True
    assert _backoff(error) is False
    assert _backoff(ValueError("x")) is False


pytestmark = pytest.mark.usefixtures("no_backoff")


def _tesouro(sb: Sandbox, **kwargs: object) -> maildns.Tesouro:
    return maildns.Tesouro(base_url=sb.url("tesouro"), **sb.credentials("tesouro"), **kwargs)


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_these_statuses_are_retried(sb: Sandbox, status: int) -> None:
    sb.inject_fault("tesouro", "GET", DOMAINS, status=status, times=2)
    with _tesouro(sb) as client:
        assert list(client.list_sending_domains()) == []
    assert sb.pending_faults() == []


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, maildns.BadRequestError),
        (403, maildns.PermissionDeniedError),
        (404, maildns.NotFoundError),
        (409, maildns.ConflictError),
        (422, maildns.UnprocessableEntityError),
    ],
)
def test_client_errors_are_not_retried(
    sb: Sandbox, status: int, error: type[maildns.APIStatusError]
) -> None:
    # One fault only: a retry would have succeeded and hidden the error.
    sb.inject_fault("tesouro", "GET", DOMAINS, status=status, times=1)
    with _tesouro(sb) as client, pytest.raises(error) as info:
        list(client.list_sending_domains())
    assert info.value.status_code == status
    assert info.value.operation == "list_sending_domains"


def test_max_retries_zero_means_one_attempt(sb: Sandbox) -> None:
    sb.inject_fault("tesouro", "GET", DOMAINS, status=503, times=1)
    with _tesouro(sb, max_retries=0) as client, pytest.raises(maildns.ServerError):
        list(client.list_sending_domains())


def test_your_http_client_gets_auth_and_retries_and_stays_open(sb: Sandbox) -> None:
    http = httpx.Client()
    sb.inject_fault("tesouro", "GET", DOMAINS, status=503, times=1)
    with _tesouro(sb, http_client=http) as client:
        client.create_sending_domain("mail.example.com")
        assert [d.domain for d in client.list_sending_domains()] == ["mail.example.com"]
    assert not http.is_closed  # yours to close
    http.close()


def test_one_connection_serves_every_call(sb: Sandbox) -> None:
    """The token request and the calls after it reuse one pooled connection."""
    opened: list[object] = []

    class CountingTransport(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            opened[:] = list(self._pool.connections)
            return response

    http = httpx.Client(transport=CountingTransport())
    with _tesouro(sb, http_client=http) as client:
        client.create_sending_domain("mail.example.com")
        for _ in range(5):
            list(client.list_sending_domains())
    assert len(opened) == 1
    http.close()


def test_closing_the_client_closes_its_own_connections(sb: Sandbox) -> None:
    client = _tesouro(sb)
    list(client.list_sending_domains())
    client.close()
    with pytest.raises(RuntimeError):
        list(client.list_sending_domains())


async def test_async_client_closes_its_own_connections(sb: Sandbox) -> None:
    async with maildns.AsyncTesouro(
        base_url=sb.url("tesouro"), **sb.credentials("tesouro")
    ) as client:
        assert [d async for d in client.list_sending_domains()] == []
    with pytest.raises(RuntimeError):
        [d async for d in client.list_sending_domains()]


def test_any_client_masks_credentials_in_httpx_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    maildns.Ciirus(username="u", password="p")  # any client installs the filter
    with caplog.at_level(logging.INFO, logger="httpx"):
        url = httpx.URL("https://api.telecomx.dk/dns?token=s3cr3t-token&limit=2")
        logging.getLogger("httpx").info('HTTP Request: %s %s "%s"', "GET", url, "200 OK")
    assert "s3cr3t-token" not in caplog.text
    assert "token=**********&limit=2" in caplog.text


def test_redact_body_masks_credential_keys_at_any_depth() -> None:
    body = {"token": "t", "a": [{"password": "p", "ok": 1}], "access_token": "x", "n": None}
    assert redact_body(body) == {
        "token": "**********",
        "a": [{"password": "**********", "ok": 1}],
        "access_token": "**********",
        "n": None,
    }
