"""The shared core: Retry-After parsing, what is retried, your own http_client, connection reuse."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

import maildns
from maildns._core.engine import RETRY_AFTER_CAP, _backoff, _Retryable, retry_after_seconds
from maildns._core.secrets import Secret, redact_body
from maildns.sandbox import VENDORS, Sandbox

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


def test_a_call_after_close_is_a_client_closed_error(sb: Sandbox) -> None:
    client = _tesouro(sb)
    list(client.list_sending_domains())
    client.close()
    assert client._core.http.is_closed  # its own connections are closed
    for call in (
        lambda: list(client.list_sending_domains()),
        lambda: client.create_sending_domain("mail.example.com"),
        lambda: client.get_sending_domain("mail.example.com"),
    ):
        with pytest.raises(maildns.ClientClosedError) as info:
            call()
        assert isinstance(info.value, maildns.MailDnsError)
        assert str(info.value).startswith("tesouro ")
        assert "closed" in str(info.value)


def test_a_call_on_an_http_client_you_closed_is_a_client_closed_error(sb: Sandbox) -> None:
    http = httpx.Client()
    with maildns.TelecomX(
        base_url=sb.url("telecomx"), **sb.credentials("telecomx"), http_client=http
    ) as dns:
        assert list(dns.list_zones()) == []
        http.close()
        with pytest.raises(maildns.ClientClosedError, match="telecomx"):
            dns.get_zone("example.com")


async def test_a_call_after_aclose_is_a_client_closed_error(sb: Sandbox) -> None:
    async with maildns.AsyncTesouro(
        base_url=sb.url("tesouro"), **sb.credentials("tesouro")
    ) as client:
        assert [d async for d in client.list_sending_domains()] == []
    assert client._core.http.is_closed
    with pytest.raises(maildns.ClientClosedError):
        [d async for d in client.list_sending_domains()]
    with pytest.raises(maildns.ClientClosedError):
        await client.verify_sending_domain("mail.example.com")


def test_no_answer_is_a_connection_error_caused_by_httpx_and_naming_the_host() -> None:
    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with (
        maildns.TelecomX(
            token="t0ken-value", base_url=f"http://127.0.0.1:{port}", max_retries=0
        ) as dns,
        pytest.raises(maildns.APIConnectionError) as info,
    ):
        dns.get_zone("example.com")
    error = info.value
    assert not isinstance(error, maildns.APITimeoutError)
    assert isinstance(error.__cause__, httpx.ConnectError)
    assert (error.vendor, error.operation, error.operation_id) == ("telecomx", "get_zone", "getDns")
    assert str(error).startswith("telecomx get_zone: could not reach 127.0.0.1: ")
    assert "ConnectError" in str(error)
    assert "t0ken-value" not in str(error) + repr(error.args)


@pytest.mark.long
async def test_500_concurrent_calls_meeting_an_expired_login_log_in_once(sb: Sandbox) -> None:
    """More calls than the pool has connections (100) all meet an expired token: the re-login
    must find a connection (none is held by a refused call), and happens once."""
    logins: list[int] = []

    async def count(request: httpx.Request) -> None:
        if request.url.path.endswith("/auth/login"):
            logins.append(1)

    http = httpx.AsyncClient(
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
        event_hooks={"request": [count]},
    )
    creds = sb.credentials("telecomx")
    async with (
        http,
        maildns.AsyncTelecomX(base_url=sb.url("telecomx"), **creds, http_client=http) as dns,
    ):
        await dns.create_zone(
            "example.com", customer=sb.telecomx_customer_id, product=sb.telecomx_product_id
        )
        sb.advance_clock(960)  # past the 15 minutes, on the sandbox's clock only
        zones = await asyncio.wait_for(
            asyncio.gather(*(dns.get_zone("example.com") for _ in range(500))), timeout=120
        )
    assert {z.domain for z in zones} == {"example.com"}
    assert len(zones) == 500
    assert len(logins) == 2  # the first login, and one after the expiry


def test_retries_are_logged_by_maildns_with_vendor_operation_and_attempt(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    sb.inject_fault("tesouro", "GET", DOMAINS, status=503, retry_after=0, times=2)
    with caplog.at_level(logging.INFO), _tesouro(sb) as client:
        assert list(client.list_sending_domains()) == []
    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert retries == [
        "tesouro listMailboxDomains: attempt 1 of 3 failed (503 Injected fault); "
        "retrying in 0.0 s (Retry-After)",
        "tesouro listMailboxDomains: attempt 2 of 3 failed (503 Injected fault); "
        "retrying in 0.0 s (Retry-After)",
    ]
    assert {r.name for r in caplog.records if "retry" in r.getMessage()} == {"maildns"}
    assert not [r for r in caplog.records if r.name == "stamina"]


def test_nothing_is_printed_when_the_application_configured_no_logging() -> None:
    """A retry, a warning: with no logging configured, stderr stays empty (no bare
    ``stamina.retry_scheduled`` line, no ``maildns`` line)."""
    script = textwrap.dedent(
        """
        import maildns
        from maildns.sandbox import Sandbox

        with Sandbox() as sb:
            sb.inject_fault("tesouro", "GET", "/finops/v1/mailbox-domains", status=503,
                            retry_after=0, times=2)
            with maildns.Tesouro(base_url=sb.url("tesouro"), **sb.credentials("tesouro")) as t:
                print(list(t.list_sending_domains()))
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "MAILDNS_LOG"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"
    assert done.stderr == ""


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


def _reprs(root: object, depth: int = 4) -> Iterator[str]:
    """The repr of ``root`` and of everything it holds, a few attributes deep."""
    seen: set[int] = set()
    todo = [(root, 0)]
    while todo:
        obj, level = todo.pop()
        if id(obj) in seen or level > depth:
            continue
        seen.add(id(obj))
        yield repr(obj)
        if isinstance(obj, dict):
            todo += [(v, level + 1) for v in obj.values()]
        elif isinstance(obj, list | tuple | set | frozenset):
            todo += [(v, level + 1) for v in obj]
        else:
            attrs = dict(getattr(obj, "__dict__", {}))
            for slot in getattr(type(obj), "__slots__", ()):
                if hasattr(obj, slot):
                    attrs[slot] = getattr(obj, slot)
            # maildns's own objects, except a Secret: it holds its value, and shows a mask
            if type(obj).__module__.startswith("maildns") and not isinstance(obj, Secret):
                todo += [(v, level + 1) for v in attrs.values()]


@pytest.mark.parametrize("vendor", VENDORS)
def test_no_credential_or_token_in_any_repr_a_client_holds(sb: Sandbox, vendor: str) -> None:
    """After a call (the token fetched and cached), no repr of the client or of anything it
    holds shows a credential or the token."""
    from maildns.vendors import DECLARATIONS

    declaration = DECLARATIONS[vendor]
    creds = sb.credentials(vendor)
    client = getattr(maildns, declaration.clients[0])(base_url=sb.url(vendor), **creds)
    with client:
        listing = next(n for n in dir(client) if n.startswith("list_"))
        list(getattr(client, listing)())
        token = client._core.auth.token()
        secrets = [v for k, v in creds.items() if declaration.credential(k).secret]
        if token is not None:
            secrets.append(token)
        assert secrets
        texts = list(_reprs(client))
    for secret in secrets:
        for text in texts:
            assert secret not in text
