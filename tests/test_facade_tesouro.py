"""The Tesouro facade: the shared contract, plus what only Tesouro does.

HTTP tests replay ``cassettes/test_facade_tesouro/`` (``make test``); record them with
``make record TESTS=tests/test_facade_tesouro.py``. Tests that need the local sandbox's controls
(its clock, injected faults, deterministic verification) are ``sandbox_only``. Tests that prove
nothing was sent, or that need answers no sandbox gives, use an ``httpx.MockTransport``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from tesouro_client.models import DomainResponse
from vendor_models import tesouro as vm

import maildns
from maildns import (
    DnsRecord,
    DomainStatus,
    RecordPurpose,
    RecordType,
    SendingDomain,
)
from maildns.sandbox import DEMO_CREDENTIALS
from maildns.vendors.tesouro import PRODUCTION_URL, SANDBOX_URL
from maildns.vendors.tesouro._errors import parse_error
from maildns.vendors.tesouro._mapping import to_sending_domain as _to_sending_domain
from maildns.vendors.tesouro._operations import DEFAULT_API_VERSION

from .conftest import Target
from .contract import (
    SendingDomainContract,
    VendorContract,
    assert_no_secret,
    recording_transport,
)

DOMAINS = "/finops/v1/mailbox-domains"
TOKEN_PATH = "/openid/connect/token"
DOMAIN = "mail.example.com"
ENV = ("TESOURO_CLIENT_ID", "TESOURO_CLIENT_SECRET")
FAKE_TOKEN = "tok-0123456789abcdef"


# --- the shared contract -------------------------------------------------------------------------
class TestTesouroContract(VendorContract, SendingDomainContract):
    vendor = "tesouro"

    def wrong_credentials(self, target: Target) -> dict[str, Any]:
        return {"client_secret": "not-the-secret"}

    def settings(self) -> Any:
        return maildns.TesouroSettings()

    def seed(self, target: Target, client: Any) -> str:
        return str(client.create_sending_domain("seed.example.com").domain)

    def probe(self, client: Any) -> list[str]:
        return [d.domain for d in client.list_sending_domains()]

    async def aprobe(self, client: Any) -> list[str]:
        return [d.domain async for d in client.list_sending_domains()]


# --- helpers -------------------------------------------------------------------------------------
def to_sending_domain(body: dict[str, Any]) -> SendingDomain:
    """The facade's mapping of a domain body, validated against the spec as the facade does."""
    return _to_sending_domain(
        vm.DomainResponse.model_validate(body), DomainResponse.from_dict(body)
    )


@pytest.fixture
def target(vendor_target: Callable[[str], Target]) -> Target:
    return vendor_target("tesouro")


def client_for(target: Target, **overrides: Any) -> maildns.Tesouro:
    return maildns.Tesouro(**{**target.credentials, "base_url": target.base_url, **overrides})


class Counter:
    """Counts the requests (token requests included) and statuses an ``httpx.Client`` sees."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.statuses: list[tuple[str, int]] = []

    @staticmethod
    def path(url: httpx.URL) -> str:
        """The vendor path, without the sandbox's ``/tesouro`` prefix when recording."""
        found = re.search(r"/(?:openid|finops)/.*$", url.path)
        return found.group() if found else url.path

    def on_request(self, request: httpx.Request) -> None:
        self.requests.append((request.method, self.path(request.url)))

    def on_response(self, response: httpx.Response) -> None:
        self.statuses.append((self.path(response.request.url), response.status_code))

    def http_client(self) -> httpx.Client:
        return httpx.Client(
            event_hooks={"request": [self.on_request], "response": [self.on_response]}
        )

    def count(self, path_end: str) -> int:
        return sum(1 for _, path in self.requests if path.endswith(path_end))


def mock_tesouro(
    api: Callable[[httpx.Request], httpx.Response], token: str = FAKE_TOKEN
) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A fake Tesouro: the token endpoint hands out ``token``; ``api`` answers the rest."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == TOKEN_PATH:
            body = {"access_token": token, "token_type": "Bearer", "expires_in": 3600}
            return httpx.Response(200, json=body)
        return api(request)

    return httpx.MockTransport(handler), seen


def domain_body(
    *,
    status: str = "waiting_to_be_verified",
    sending: list[dict[str, Any]] | None = None,
    receiving: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "domain": DOMAIN,
        "status": status,
        "dns_records": {
            "sending_dns_records": sending if sending is not None else [],
            "receiving_dns_records": receiving if receiving is not None else [],
        },
        **extra,
    }


def record_body(record_type: str, value: str, **fields: Any) -> dict[str, Any]:
    return {
        "is_active": True,
        "record_type": record_type,
        "valid": "unknown",
        "value": value,
        **fields,
    }


# --- records and statuses ------------------------------------------------------------------------
@pytest.mark.vcr
def test_create_returns_mailgun_style_records(target: Target) -> None:
    with client_for(target) as client:
        created = client.create_sending_domain(DOMAIN)

    assert created.vendor == "tesouro"
    assert created.status is DomainStatus.PENDING
    assert isinstance(created.raw, DomainResponse)
    by_purpose: dict[RecordPurpose | None, list[DnsRecord]] = {}
    for record in created.records:
        by_purpose.setdefault(record.purpose, []).append(record)
        assert record.verified is None  # Mailgun's "unknown" until verified
    assert set(by_purpose) == {RecordPurpose.DKIM, RecordPurpose.SPF, RecordPurpose.RECEIVING}

    (dkim,) = by_purpose[RecordPurpose.DKIM]
    assert dkim.type is RecordType.TXT
    assert re.fullmatch(r"[a-z0-9]+\._domainkey\.mail\.example\.com", dkim.name)
    assert dkim.value.startswith("k=rsa; p=")
    assert dkim.priority is None

    (spf,) = by_purpose[RecordPurpose.SPF]
    assert (spf.type, spf.name, spf.value) == (
        RecordType.TXT,
        DOMAIN,
        "v=spf1 include:mailgun.org ~all",
    )

    mx = by_purpose[RecordPurpose.RECEIVING]
    assert {(r.type, r.name, r.value, r.priority) for r in mx} == {
        (RecordType.MX, DOMAIN, "mxa.mailgun.org", 10),
        (RecordType.MX, DOMAIN, "mxb.mailgun.org", 10),
    }


@pytest.mark.vcr
@pytest.mark.sandbox_only
def test_verify_returns_the_new_status_and_fresh_records(target: Target) -> None:
    counter = Counter()
    with client_for(target, http_client=counter.http_client()) as client:
        created = client.create_sending_domain(DOMAIN)
        target.publish_dns("example.com", created.records)
        verified = client.verify_sending_domain(DOMAIN.upper())

    assert verified.status is DomainStatus.VERIFIED
    assert verified.records
    assert all(r.verified is True for r in verified.records)
    # the id is known from the create: verify it, then re-read the records
    assert [m for m, p in counter.requests if p.startswith(DOMAINS)] == ["POST", "POST", "GET"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("waiting_to_be_verified", DomainStatus.PENDING),
        ("pending", DomainStatus.PENDING),
        ("verified", DomainStatus.VERIFIED),
        ("Active", DomainStatus.VERIFIED),
        ("failed", DomainStatus.FAILED),
        ("invalid", DomainStatus.FAILED),
        ("suspended", DomainStatus.UNKNOWN),
        ("", DomainStatus.UNKNOWN),
    ],
)
def test_status_mapping(status: str, expected: DomainStatus) -> None:
    got = to_sending_domain(domain_body(status=status))
    assert got.status is expected


def test_record_mapping() -> None:
    body = domain_body(
        sending=[
            record_body(
                "TXT",
                "v=spf1 include:mailgun.org ~all",
                name="Mail.Example.COM.",
                record_purpose="SPF",
                valid="valid",
            ),
            record_body(
                "TXT",
                "k=rsa; p=AAAA",
                name="pic._domainkey.mail.example.com",
                record_purpose="DKIM",
                valid="invalid",
            ),
            record_body("CNAME", "mailgun.org", name="email.mail.example.com"),
        ],
        receiving=[
            record_body("MX", "mxa.mailgun.org", priority="10"),  # no name: the domain itself
            record_body("MX", "mxb.mailgun.org", name=DOMAIN, priority=20),
            record_body("MX", "mxc.mailgun.org", name=DOMAIN, priority="high"),
        ],
    )
    got = to_sending_domain(body)
    assert got.records == (
        DnsRecord(
            RecordType.TXT,
            DOMAIN,
            "v=spf1 include:mailgun.org ~all",
            RecordPurpose.SPF,
            verified=True,
        ),
        DnsRecord(
            RecordType.TXT,
            f"pic._domainkey.{DOMAIN}",
            "k=rsa; p=AAAA",
            RecordPurpose.DKIM,
            verified=False,
        ),
        DnsRecord(RecordType.CNAME, f"email.{DOMAIN}", "mailgun.org", None),
        DnsRecord(RecordType.MX, DOMAIN, "mxa.mailgun.org", RecordPurpose.RECEIVING, priority=10),
        DnsRecord(RecordType.MX, DOMAIN, "mxb.mailgun.org", RecordPurpose.RECEIVING, priority=20),
        DnsRecord(RecordType.MX, DOMAIN, "mxc.mailgun.org", RecordPurpose.RECEIVING),
    )


def test_records_of_the_older_free_form_shape_are_read_too() -> None:
    # Monite's guide (API 2023-03-14): no is_active, no record_purpose, no name on MX.
    body = {
        "id": "63c40787-97da-4332-9415-9638cb0ea8bd",
        "domain": "domainExample.com",
        "status": "waiting_to_be_verified",
        "provider": "mailgun",
        "dns_records": {
            "sending_dns_records": [
                {
                    "name": "domainexample.com",
                    "valid": "unknown",
                    "cached": [],
                    "value": "v=spf1 include:mailgun.org ~all",
                    "record_type": "TXT",
                },
            ],
            "receiving_dns_records": [
                {
                    "valid": "unknown",
                    "value": "mxa.eu.mailgun.org",
                    "cached": [],
                    "priority": "10",
                    "record_type": "MX",
                },
            ],
        },
    }
    got = to_sending_domain(body)
    assert got.domain == "domainexample.com"
    assert got.records == (
        DnsRecord(
            RecordType.TXT,
            "domainexample.com",
            "v=spf1 include:mailgun.org ~all",
            RecordPurpose.SPF,
        ),
        DnsRecord(
            RecordType.MX,
            "domainexample.com",
            "mxa.eu.mailgun.org",
            RecordPurpose.RECEIVING,
            priority=10,
        ),
    )


def test_unknown_record_type_is_left_out_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    body = domain_body(sending=[record_body("SPF", "v=spf1 -all", name=DOMAIN)])
    with caplog.at_level("WARNING", logger="maildns"):
        got = to_sending_domain(body)
    assert got.records == ()
    assert got.raw.to_dict()["dns_records"]["sending_dns_records"][0]["record_type"] == "SPF"
    assert any("'SPF'" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)


# --- errors --------------------------------------------------------------------------------------
@pytest.mark.vcr
def test_get_of_an_unknown_domain_is_not_found(target: Target) -> None:
    with client_for(target) as client, pytest.raises(maildns.NotFoundError) as info:
        client.get_sending_domain("absent.example.com")
    assert (info.value.vendor, info.value.operation, info.value.status_code) == (
        "tesouro",
        "get_sending_domain",
        404,
    )
    assert "absent.example.com" in str(info.value)


@pytest.mark.vcr
@pytest.mark.sandbox_only
def test_a_422_names_the_field(target: Target) -> None:
    # The validator refuses what the vendor would: a 422 from Tesouro is replayed from a fault.
    detail = {
        "detail": [
            {
                "loc": ["body", "domain"],
                "msg": "String should match pattern '^[A-Za-z0-9]...'",
                "type": "string_pattern_mismatch",
            },
            {"loc": ["body", "provider"], "msg": "Extra inputs are not permitted", "type": "x"},
        ]
    }
    target.inject_fault("POST", DOMAINS, status=422, body=json.dumps(detail))
    with client_for(target) as client, pytest.raises(maildns.UnprocessableEntityError) as info:
        client.create_sending_domain(DOMAIN)
    assert info.value.status_code == 422
    assert info.value.field == "domain"
    assert info.value.message == (
        "String should match pattern '^[A-Za-z0-9]...'; Extra inputs are not permitted"
    )
    assert info.value.request_id is None or isinstance(info.value.request_id, str)


@pytest.mark.parametrize(
    "bad", ["bad_domain-.example.com", "-x.example.com", "a" * 64 + ".example.com", "x" * 254]
)
def test_a_name_the_vendor_would_reject_is_refused_before_any_request(bad: str) -> None:
    transport, seen = recording_transport()
    client = maildns.Tesouro(
        client_id="id", client_secret="secret", http_client=httpx.Client(transport=transport)
    )
    with pytest.raises(maildns.InvalidInputError) as info:
        client.create_sending_domain(bad)
    assert info.value.problems[0].argument == "domain"
    assert info.value.problems[0].message
    assert seen == []


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            409,
            {"error": {"message": "Domain x already exists."}},
            ("Domain x already exists.", None),
        ),
        (
            422,
            {
                "detail": [
                    {"loc": ["body", "domain"], "msg": "bad", "type": "t"},
                    {"loc": ["body", 0], "msg": "worse", "type": "t"},
                ]
            },
            ("bad; worse", "domain"),
        ),
        (
            422,
            {"detail": [{"loc": ["path", "domain_id"], "msg": "not a UUID", "type": "uuid"}]},
            ("not a UUID", "domain_id"),
        ),
        (
            401,
            {"error": "invalid_client", "error_description": "Client authentication failed."},
            ("invalid_client: Client authentication failed.", None),
        ),
        (400, {"error": "invalid_request"}, ("invalid_request", None)),
        (429, {"message": "API rate limit exceeded"}, ("API rate limit exceeded", None)),
        (
            502,
            "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            ("Bad Gateway", None),
        ),
        (
            503,
            "<html><body><h1>Service &amp; stuff down</h1></body></html>",
            ("Service & stuff down", None),
        ),
        (500, "upstream connect error", ("upstream connect error", None)),
        (500, "", (None, None)),
        (500, [1, 2], (None, None)),
        (500, {"unexpected": True}, (None, None)),
    ],
)
def test_parse_error(status: int, body: Any, expected: tuple[str | None, str | None]) -> None:
    assert parse_error(status, body) == expected


# --- credentials ---------------------------------------------------------------------------------
@pytest.mark.vcr
def test_bad_credentials_leak_no_secret(target: Target) -> None:
    wrong = "wrong-secret-0123456789"
    with client_for(target, client_secret=wrong) as client:
        with pytest.raises(maildns.AuthenticationError) as info:
            client.create_sending_domain(DOMAIN)
        # the method called; the request refused, its error read like any other Tesouro error
        assert (info.value.operation, info.value.operation_id) == (
            "create_sending_domain",
            "createAccessToken",
        )
        assert info.value.message == "invalid_client: Client authentication failed."
        assert_no_secret(info.value, [wrong, DEMO_CREDENTIALS["tesouro"]["client_secret"]])
        assert wrong not in repr(client) + repr(vars(client))


def test_a_refused_token_leaks_neither_token_nor_secret() -> None:
    token, secret = "tok-very-secret-token-value", "client-secret-value-42"
    transport, seen = mock_tesouro(
        lambda r: httpx.Response(401, json={"error": {"message": "The token is invalid."}}), token
    )
    client = maildns.Tesouro(
        client_id="id", client_secret=secret, http_client=httpx.Client(transport=transport)
    )
    with pytest.raises(maildns.AuthenticationError) as info:
        list(client.list_sending_domains())
    assert info.value.message == "The token is invalid."
    assert_no_secret(info.value, [token, secret])
    # refreshed once on the 401, then gave up: token, list, token, list
    assert [r.url.path for r in seen] == [TOKEN_PATH, DOMAINS, TOKEN_PATH, DOMAINS]
    assert seen[1].headers["authorization"] == f"Bearer {token}"


EXPIRED_400 = {"error": {"message": "The token has been expired."}}  # Tesouro's published answer


@pytest.mark.parametrize(
    ("status", "body", "renewed"),
    [
        (400, EXPIRED_400, True),  # the page's 400 for an expired token
        (401, {"error": {"message": "The token is invalid."}}, True),
        (400, {"error": {"message": "Missing the x-finops-version HTTP header"}}, False),
        (400, {"error": "The token has been expired."}, False),  # not the shape: not ours
    ],
)
def test_a_token_is_renewed_on_the_answers_that_say_it_expired(
    status: int, body: dict[str, Any], renewed: bool
) -> None:
    answers = [httpx.Response(status, json=body), httpx.Response(200, json={"data": []})]
    transport, seen = mock_tesouro(lambda r: answers.pop(0))
    with maildns.Tesouro(
        client_id="id", client_secret="secret", http_client=httpx.Client(transport=transport)
    ) as client:
        if renewed:
            assert list(client.list_sending_domains()) == []
        else:
            with pytest.raises(maildns.BadRequestError):
                list(client.list_sending_domains())
    expected = [TOKEN_PATH, DOMAINS, TOKEN_PATH, DOMAINS] if renewed else [TOKEN_PATH, DOMAINS]
    assert [r.url.path for r in seen] == expected


async def test_the_async_twin_renews_on_the_published_400_too() -> None:
    answers = [httpx.Response(400, json=EXPIRED_400), httpx.Response(200, json={"data": []})]
    transport, seen = mock_tesouro(lambda r: answers.pop(0))
    async with maildns.AsyncTesouro(
        client_id="id", client_secret="secret", http_client=httpx.AsyncClient(transport=transport)
    ) as client:
        assert [d async for d in client.list_sending_domains()] == []
    assert [r.url.path for r in seen] == [TOKEN_PATH, DOMAINS, TOKEN_PATH, DOMAINS]


def test_missing_credentials_raise_at_the_first_call(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    transport, seen = recording_transport()
    client = maildns.Tesouro(http_client=httpx.Client(transport=transport))  # no error yet
    with pytest.raises(maildns.ConfigurationError) as info:
        list(client.list_sending_domains())
    assert "TESOURO_CLIENT_ID" in str(info.value)
    assert "TESOURO_CLIENT_SECRET" in str(info.value)
    assert seen == []

    only_id = maildns.Tesouro(client_id="id", http_client=httpx.Client(transport=transport))
    with pytest.raises(maildns.ConfigurationError) as info:
        list(only_id.list_sending_domains())
    assert "TESOURO_CLIENT_SECRET" in str(info.value)
    assert "TESOURO_CLIENT_ID" not in str(info.value)


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESOURO_CLIENT_ID", "env-id")
    monkeypatch.setenv("TESOURO_CLIENT_SECRET", "env-secret")
    transport, seen = mock_tesouro(lambda r: httpx.Response(200, json={"data": []}))
    client = maildns.Tesouro(http_client=httpx.Client(transport=transport))
    assert list(client.list_sending_domains()) == []
    assert b"client_id=env-id" in seen[0].content
    assert b"client_secret=env-secret" in seen[0].content


def test_credentials_of_the_wrong_type_are_invalid_input() -> None:
    with pytest.raises(maildns.InvalidInputError) as info:
        maildns.Tesouro(client_id=123, client_secret="")  # type: ignore[arg-type]
    assert [p.argument for p in info.value.problems] == ["client_id", "client_secret"]


# --- configuration -------------------------------------------------------------------------------
def test_server_constants_and_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TESOURO_BASE_URL", raising=False)
    assert SANDBOX_URL == "https://api.sandbox.tesouro.com"
    assert PRODUCTION_URL == "https://api.tesouro.com"
    assert maildns.Tesouro().base_url == SANDBOX_URL
    assert maildns.AsyncTesouro(base_url=PRODUCTION_URL).base_url == PRODUCTION_URL


@pytest.mark.parametrize("version", [None, "2025-06-23", "2026-01-15"])
def test_api_version_is_any_date_sent_as_the_header(version: str | None) -> None:
    transport, seen = mock_tesouro(lambda r: httpx.Response(200, json={"data": []}))
    client = maildns.Tesouro(
        client_id="id",
        client_secret="s",
        api_version=version,
        http_client=httpx.Client(transport=transport),
    )
    assert client.api_version == (version or DEFAULT_API_VERSION)
    assert DEFAULT_API_VERSION == "2025-06-23"
    list(client.list_sending_domains())
    assert seen[-1].headers["x-finops-version"] == client.api_version


@pytest.mark.parametrize(
    "version", ["June 2025", "2025-6-23", "2025-13-01", "2025-02-30", "", 20250623]
)
def test_api_version_that_is_not_a_date_is_invalid_input(version: Any) -> None:
    for cls in (maildns.Tesouro, maildns.AsyncTesouro):
        with pytest.raises(maildns.InvalidInputError) as info:
            cls(api_version=version)
        assert [p.argument for p in info.value.problems] == ["api_version"]
        assert "YYYY-MM-DD" in str(info.value) or "calendar date" in str(info.value)


def test_constructor_problems_are_reported_together() -> None:
    with pytest.raises(maildns.InvalidInputError) as info:
        maildns.Tesouro(api_version="soon", max_retries=-1, base_url="ftp://x")
    assert {p.argument for p in info.value.problems} == {"api_version", "max_retries", "base_url"}


# --- tokens --------------------------------------------------------------------------------------
@pytest.mark.vcr
def test_the_token_is_fetched_once_and_reused(target: Target) -> None:
    counter = Counter()
    with client_for(target, http_client=counter.http_client()) as client:
        client.create_sending_domain(DOMAIN)
        list(client.list_sending_domains())
        client.get_sending_domain(DOMAIN)
        client.delete_sending_domain(DOMAIN)
    assert counter.count(TOKEN_PATH) == 1
    # create; list; get = list; delete = DELETE (the id is known from the listings)
    assert sum(1 for _, path in counter.requests if path.startswith(DOMAINS)) == 4


@pytest.mark.vcr
@pytest.mark.sandbox_only
def test_an_expired_token_is_refreshed_once_on_401(target: Target) -> None:
    counter = Counter()
    with client_for(target, http_client=counter.http_client()) as client:
        assert list(client.list_sending_domains()) == []
        target.advance_clock(3601)  # the sandbox expires the token; our clock does not know
        assert list(client.list_sending_domains()) == []
        assert list(client.list_sending_domains()) == []
    assert counter.count(TOKEN_PATH) == 2
    assert counter.statuses == [
        (TOKEN_PATH, 200),
        (DOMAINS, 200),
        (DOMAINS, 401),
        (TOKEN_PATH, 200),
        (DOMAINS, 200),
        (DOMAINS, 200),
    ]


# --- async ---------------------------------------------------------------------------------------
@pytest.mark.vcr
@pytest.mark.sandbox_only
async def test_async_twin_verifies_and_refuses(target: Target) -> None:
    async with maildns.AsyncTesouro(**target.credentials, base_url=target.base_url) as client:
        created = await client.create_sending_domain(DOMAIN)
        assert isinstance(created, SendingDomain)
        with pytest.raises(maildns.ConflictError):
            await client.create_sending_domain(DOMAIN)
        pending = await client.verify_sending_domain(DOMAIN)
        assert pending.status is DomainStatus.PENDING  # nothing is published yet
        assert {r.verified for r in pending.records} == {False}
        target.publish_dns("example.com", created.records)
        verified = await client.verify_sending_domain(DOMAIN)
        assert verified.status is DomainStatus.VERIFIED
        assert {r.purpose for r in verified.records} == {
            RecordPurpose.DKIM,
            RecordPurpose.SPF,
            RecordPurpose.RECEIVING,
        }
        assert (await client.get_sending_domain(DOMAIN)).status is DomainStatus.VERIFIED
        with pytest.raises(maildns.NotFoundError) as info:
            await client.delete_sending_domain("absent.example.com")
        assert info.value.operation == "delete_sending_domain"
        with pytest.raises(maildns.InvalidInputError):
            await client.get_sending_domain("not a domain")


async def test_async_missing_credentials_raise_at_the_first_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(599)

    client = maildns.AsyncTesouro(
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler))
    )
    with pytest.raises(maildns.ConfigurationError, match="TESOURO_CLIENT_ID"):
        [d async for d in client.list_sending_domains()]
    assert seen == []


# --- the tuned validators ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "dns_records",
    [
        domain_body()["dns_records"],
        domain_body(
            sending=[
                {"is_active": True, "record_type": "TXT", "valid": "valid", "value": "v=spf1 ~all"}
            ]
        )["dns_records"],
        {"anything": ["Monite's schema allows any object here"]},
        {"sending_dns_records": "not a list"},
    ],
)
def test_the_tuned_domain_models_validate_as_the_generated_ones(dns_records: Any) -> None:
    """Left-to-right validation of ``DNSRecords | dict`` picks what pydantic's smart union
    picks, for a matching and for a free-form object."""
    from maildns.vendors.tesouro import _models as tuned

    body = {**domain_body(), "dns_records": dns_records}
    for fast, generated, data in (
        (tuned.DomainResponse, vm.DomainResponse, body),
        (tuned.DomainListResponse, vm.DomainListResponse, {"data": [body, body]}),
    ):
        assert issubclass(fast, generated)
        raw = json.dumps(data)
        got, want = fast.model_validate_json(raw), generated.model_validate_json(raw)
        assert got.model_dump() == want.model_dump()
        records = got.data[0].dns_records if hasattr(got, "data") else got.dns_records
        want_records = want.data[0].dns_records if hasattr(want, "data") else want.dns_records
        assert type(records) is type(want_records)


def test_a_token_answer_that_does_not_fit_says_where_and_withholds_the_body() -> None:
    token = "tok-0123456789-secret"

    def handler(request: httpx.Request) -> httpx.Response:
        body = {"access_token": token, "token_type": "Bearer", "expires_in": f"{token}!"}
        return httpx.Response(200, json=body)

    client = maildns.Tesouro(
        client_id="id",
        client_secret="s",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    with pytest.raises(maildns.APIResponseValidationError) as info:
        list(client.list_sending_domains())
    assert str(info.value) == (
        "tesouro list_sending_domains: the response does not fit the spec: expires_in: int_parsing"
    )
    assert info.value.operation_id == "createAccessToken"
    assert_no_secret(info.value, [token, "sekrit-value"])
    assert token.encode() not in info.value.body
