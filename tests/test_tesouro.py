"""Tesouro FinOps through the generated client: tokens and mailbox domains.

Each test replays its cassette (``make test``) or records it against the sandbox or, with
``make record VENDOR=tesouro``, against Tesouro's sandbox. Tests that rely on the local sandbox's
controls (its clock, injected faults) or on its deterministic verification are ``sandbox_only``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from tesouro_client import AuthenticatedClient, Client
from tesouro_client.api.access_tokens import create_access_token
from tesouro_client.api.mailbox_domains import (
    create_mailbox_domain,
    delete_mailbox_domain,
    list_mailbox_domains,
    verify_mailbox_domain,
)
from tesouro_client.models import (
    AccessTokenRequest,
    AccessTokenResponse,
    DNSRecord,
    DNSRecordPurpose,
    DNSRecords,
    DNSRecordType,
    DomainListResponse,
    DomainRequest,
    DomainResponse,
    ErrorSchemaResponse,
    HTTPValidationError,
    OAuthError,
    RateLimitError,
    VerifyResponse,
)
from tesouro_client.types import Response

import maildns

from .conftest import Target
from .specs import SpecPromise

DOMAINS = "/finops/v1/mailbox-domains"

# What maildns promises of the spec (tests/test_specs.py, tests/test_spec_evidence.py).
SPEC_PROMISES = {
    "tesouro": SpecPromise(
        operations=frozenset(
            {
                ("POST", "/openid/connect/token"),
                ("GET", DOMAINS),
                ("POST", DOMAINS),
                ("DELETE", DOMAINS + "/{domain_id}"),
                ("POST", DOMAINS + "/{domain_id}/verify"),
            }
        ),
        open_questions=("x-tesouro-version", "201"),
        documentation_hosts=frozenset({"docs.tesouro.com", "docs2.tesouro.com", "docs.monite.com"}),
        our_examples=(
            ("GET /finops/v1/mailbox-domains 200", "mailgun-domain"),
            ("GET /finops/v1/mailbox-domains 200", "empty"),
            ("GET /finops/v1/mailbox-domains 401", "missing-token"),
            ("GET /finops/v1/mailbox-domains 401", "invalid-token"),
            ("GET /finops/v1/mailbox-domains 403", "forbidden"),
            ("GET /finops/v1/mailbox-domains 422", "bad-version"),
            ("GET /finops/v1/mailbox-domains 500", "internal-error"),
            ("POST /finops/v1/mailbox-domains 201", "mailgun-domain"),
            ("POST /finops/v1/mailbox-domains 409", "duplicate-domain"),
            ("POST /finops/v1/mailbox-domains 422", "bad-domain"),
            ("POST /finops/v1/mailbox-domains 422", "missing-domain"),
            ("POST /finops/v1/mailbox-domains 422", "extra-field"),
            ("DELETE /finops/v1/mailbox-domains/{domain_id} 404", "not-found"),
            ("DELETE /finops/v1/mailbox-domains/{domain_id} 422", "bad-domain-id"),
            ("POST /finops/v1/mailbox-domains/{domain_id}/verify 200", "verified"),
            ("POST /finops/v1/mailbox-domains/{domain_id}/verify 409", "business-logic-error"),
            ("POST /openid/connect/token 400", "invalid-request"),
            ("POST /openid/connect/token 401", "invalid-client"),
        ),
    )
}


# What this vendor's generated client does alone, installed from its wheel in a fresh
# environment (tests/test_dist.py), against the sandbox (a call that answers 200),
# and the line it prints. argv: base URL, the credentials, the client's package.
WHEEL_PROBE = (
    """
import sys
from tesouro_client import Client
from tesouro_client.api.access_tokens import create_access_token
from tesouro_client.models import AccessTokenRequest
client = Client(base_url=sys.argv[1])
body = AccessTokenRequest(
    grant_type="client_credentials", client_id=sys.argv[2], client_secret=sys.argv[3]
)
response = create_access_token.sync_detailed(client=client, body=body)
print(response.status_code.value, type(response.parsed).__name__)
""",
    "200 AccessTokenResponse",
)
# An id no domain has (not one the vendor assigned): the nil UUID's version-4 sibling.
UNKNOWN_ID = UUID("00000000-0000-4000-8000-000000000000")


# --- helpers -------------------------------------------------------------------------------------
@pytest.fixture
def target(vendor_target: Callable[[str], Target]) -> Target:
    return vendor_target("tesouro")


def anonymous(t: Target) -> Client:
    return Client(base_url=t.base_url, raise_on_unexpected_status=True)


def token_request(t: Target, **overrides: str) -> AccessTokenRequest:
    fields: dict[str, Any] = {"grant_type": "client_credentials", **t.credentials, **overrides}
    return AccessTokenRequest(**fields)


def get_token(t: Target) -> AccessTokenResponse:
    response = create_access_token.sync_detailed(client=anonymous(t), body=token_request(t))
    assert response.status_code == 200, response.content
    assert isinstance(response.parsed, AccessTokenResponse)
    return response.parsed


def partner(t: Target, token: str | None = None) -> AuthenticatedClient:
    """A client holding a fresh bearer token (or the given one)."""
    if token is None:
        token = get_token(t).access_token
    return AuthenticatedClient(base_url=t.base_url, token=token, raise_on_unexpected_status=True)


def create(client: AuthenticatedClient, domain: str) -> DomainResponse:
    response = create_mailbox_domain.sync_detailed(client=client, body=DomainRequest(domain=domain))
    assert response.status_code == 201, response.content
    assert isinstance(response.parsed, DomainResponse)
    return response.parsed


def listed(client: AuthenticatedClient) -> list[DomainResponse]:
    response = list_mailbox_domains.sync_detailed(client=client)
    assert response.status_code == 200, response.content
    assert isinstance(response.parsed, DomainListResponse)
    return response.parsed.data


def error_of(response: Response[Any], status: int) -> ErrorSchemaResponse:
    assert response.status_code == status, response.content
    assert isinstance(response.parsed, ErrorSchemaResponse), response.content
    assert response.parsed.error.message
    return response.parsed


def records_of(domain: DomainResponse) -> DNSRecords:
    assert isinstance(domain.dns_records, DNSRecords), domain.dns_records
    return domain.dns_records


def all_records(domain: DomainResponse) -> list[DNSRecord]:
    records = records_of(domain)
    return [*records.sending_dns_records, *records.receiving_dns_records]


# --- access tokens -------------------------------------------------------------------------------
@pytest.mark.vcr
def test_token_is_a_bearer_token_for_an_hour(target: Target) -> None:
    response = create_access_token.sync_detailed(
        client=anonymous(target), body=token_request(target)
    )

    assert response.status_code == 200
    token = response.parsed
    assert isinstance(token, AccessTokenResponse)
    assert token.token_type == "Bearer"
    assert token.expires_in == 3600
    assert isinstance(token.access_token, str)
    assert token.access_token
    assert response.headers["content-type"] == "application/json"


@pytest.mark.vcr
def test_token_with_a_wrong_secret_is_refused(target: Target) -> None:
    response = create_access_token.sync_detailed(
        client=anonymous(target), body=token_request(target, client_secret="not-the-secret")
    )

    assert response.status_code == 401
    assert isinstance(response.parsed, OAuthError)
    assert response.parsed.error == "invalid_client"


@pytest.mark.vcr
def test_token_with_another_grant_type_is_a_bad_request(target: Target) -> None:
    # The client's type says client_credentials; send what a confused caller might.
    response = create_access_token.sync_detailed(
        client=anonymous(target), body=token_request(target, grant_type="password")
    )

    assert response.status_code == 400
    assert isinstance(response.parsed, OAuthError)
    assert response.parsed.error == "unsupported_grant_type"


# --- create --------------------------------------------------------------------------------------
@pytest.mark.vcr
def test_create_returns_the_domain_with_mailgun_dns_records(target: Target) -> None:
    client = partner(target)

    response = create_mailbox_domain.sync_detailed(
        client=client, body=DomainRequest(domain="mail.example.com")
    )

    assert response.status_code == 201
    assert response.headers["x-request-id"]
    domain = response.parsed
    assert isinstance(domain, DomainResponse)
    assert isinstance(domain.id, UUID)
    assert domain.domain == "mail.example.com"
    assert domain.status == "waiting_to_be_verified"
    assert isinstance(domain.last_updated_at, datetime.datetime)
    assert domain.last_updated_at.tzinfo is not None

    records = records_of(domain)
    spf = [r for r in records.sending_dns_records if r.record_purpose == DNSRecordPurpose.SPF]
    dkim = [r for r in records.sending_dns_records if r.record_purpose == DNSRecordPurpose.DKIM]
    assert len(spf) == 1
    assert spf[0].record_type == DNSRecordType.TXT
    assert spf[0].name == "mail.example.com"
    assert spf[0].value.startswith("v=spf1 ")
    assert "include:mailgun.org" in spf[0].value
    assert len(dkim) == 1
    assert dkim[0].record_type == DNSRecordType.TXT
    assert isinstance(dkim[0].name, str)
    assert dkim[0].name.endswith("._domainkey.mail.example.com")
    assert dkim[0].value.startswith("k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCB")

    mx = records.receiving_dns_records
    assert [r.record_type for r in mx] == [DNSRecordType.MX, DNSRecordType.MX]
    assert all(r.value.endswith(".mailgun.org") for r in mx)
    assert len({r.value for r in mx}) == 2
    assert all(str(r.priority) == "10" for r in mx)

    for record in all_records(domain):
        assert isinstance(record, DNSRecord)
        assert record.is_active is True
        assert record.valid == "unknown"


@pytest.mark.vcr
def test_create_twice_is_a_conflict_whatever_the_case(target: Target) -> None:
    client = partner(target)
    first = create(client, "billing.example.com")

    again = create_mailbox_domain.sync_detailed(
        client=client, body=DomainRequest(domain="billing.example.com")
    )
    shouting = create_mailbox_domain.sync_detailed(
        client=client, body=DomainRequest(domain="BILLING.Example.COM")
    )

    assert "billing.example.com" in error_of(again, 409).error.message
    error_of(shouting, 409)
    assert [d.id for d in listed(client)] == [first.id]


@pytest.mark.vcr
def test_create_with_a_domain_that_breaks_the_rule_is_unprocessable(target: Target) -> None:
    client = partner(target)
    bad = [
        "under_score.example.com",  # only letters, digits, dots and hyphens
        "-leading.example.com",  # a segment starts with a letter or digit
        "trailing-.example.com",  # ... and ends with one
        "double..dot.example.com",  # no empty segment
        "a" * 64 + ".example.com",  # 63 characters per segment at most
        ".".join(["a" * 63] * 4),  # 255 characters: 253 at most
    ]

    for domain in bad:
        response = create_mailbox_domain.sync_detailed(
            client=client, body=DomainRequest(domain=domain)
        )
        assert response.status_code == 422, domain
        assert isinstance(response.parsed, HTTPValidationError)
        [problem] = response.parsed.detail
        assert problem.loc == ["body", "domain"]
        assert problem.type_ in {"string_pattern_mismatch", "string_too_long"}
        assert problem.msg

    assert listed(client) == []


# --- list ----------------------------------------------------------------------------------------
@pytest.mark.vcr
def test_list_shows_the_created_domains_in_order(target: Target) -> None:
    client = partner(target)
    assert listed(client) == []

    first = create(client, "mail.example.com")
    second = create(client, "inbox.example.org")
    domains = listed(client)

    assert [(d.id, d.domain) for d in domains] == [
        (first.id, "mail.example.com"),
        (second.id, "inbox.example.org"),
    ]
    assert all(isinstance(d, DomainResponse) for d in domains)
    assert [d.status for d in domains] == ["waiting_to_be_verified"] * 2
    assert records_of(domains[0]).to_dict() == records_of(first).to_dict()


# --- verify --------------------------------------------------------------------------------------
@pytest.mark.vcr
def test_verify_answers_with_the_domain_and_its_status(target: Target) -> None:
    client = partner(target)
    created = create(client, "mail.example.com")

    response = verify_mailbox_domain.sync_detailed(created.id, client=client)

    assert response.status_code == 200
    result = response.parsed
    assert isinstance(result, VerifyResponse)
    assert result.id == created.id
    assert result.domain == "mail.example.com"
    assert isinstance(result.status, str)
    assert result.status
    [after] = listed(client)
    assert after.status == result.status


def published(domain: DomainResponse) -> list[maildns.DnsRecord]:
    """The domain's records as maildns records, to publish in the sandbox's DNS."""
    out = []
    for r in all_records(domain):
        kind = maildns.RecordType(str(r.record_type))
        priority = int(r.priority) if isinstance(r.priority, str) else None
        out.append(maildns.DnsRecord(kind, r.name or domain.domain, r.value, priority=priority))
    return out


@pytest.mark.vcr
@pytest.mark.sandbox_only
def test_verify_looks_at_dns_and_marks_each_record(target: Target) -> None:
    """The sandbox verifies against its own DNS: nothing published, nothing valid."""
    client = partner(target)
    created = create(client, "mail.example.com")
    assert {r.valid for r in all_records(created)} == {"unknown"}

    response = verify_mailbox_domain.sync_detailed(created.id, client=client)
    assert isinstance(response.parsed, VerifyResponse)
    assert response.parsed.status == "waiting_to_be_verified"
    [before] = listed(client)
    assert {r.valid for r in all_records(before)} == {"invalid"}

    target.publish_dns("example.com", published(created))
    response = verify_mailbox_domain.sync_detailed(created.id, client=client)

    assert isinstance(response.parsed, VerifyResponse)
    assert response.parsed.status == "verified"
    [after] = listed(client)
    assert after.id == created.id
    assert after.status == "verified"
    assert {r.valid for r in all_records(after)} == {"valid"}
    assert [r.value for r in all_records(after)] == [r.value for r in all_records(created)]
    assert after.last_updated_at is not None


@pytest.mark.vcr
def test_verify_an_unknown_domain_is_not_found(target: Target) -> None:
    response = verify_mailbox_domain.sync_detailed(UNKNOWN_ID, client=partner(target))

    error_of(response, 404)


# --- delete --------------------------------------------------------------------------------------
@pytest.mark.vcr
def test_delete_removes_the_domain_once(target: Target) -> None:
    client = partner(target)
    kept = create(client, "keep.example.com")
    gone = create(client, "gone.example.com")

    response = delete_mailbox_domain.sync_detailed(gone.id, client=client)

    assert response.status_code == 204
    assert response.parsed is None
    assert response.content == b""
    assert [d.id for d in listed(client)] == [kept.id]
    error_of(delete_mailbox_domain.sync_detailed(gone.id, client=client), 404)
    error_of(verify_mailbox_domain.sync_detailed(gone.id, client=client), 404)


@pytest.mark.vcr
def test_delete_with_an_id_that_is_not_a_uuid_is_unprocessable(target: Target) -> None:
    response = delete_mailbox_domain.sync_detailed(
        "not-a-uuid",  # type: ignore[arg-type]  # what a caller without types could send
        client=partner(target),
    )

    assert response.status_code == 422
    assert isinstance(response.parsed, HTTPValidationError)
    assert response.parsed.detail[0].loc == ["path", "domain_id"]


# --- authentication and the version header ------------------------------------------------------
@pytest.mark.vcr
def test_requests_without_a_valid_token_are_unauthorized(target: Target) -> None:
    no_token = list_mailbox_domains.sync_detailed(client=anonymous(target))
    bad_token = list_mailbox_domains.sync_detailed(client=partner(target, token="not-a-token"))
    bad_create = create_mailbox_domain.sync_detailed(
        client=partner(target, token="not-a-token"), body=DomainRequest(domain="mail.example.com")
    )

    missing = error_of(no_token, 401).error.message
    invalid = error_of(bad_token, 401).error.message
    assert missing != invalid
    assert error_of(bad_create, 401).error.message == invalid
    assert listed(partner(target)) == []


@pytest.mark.vcr
@pytest.mark.sandbox_only
def test_a_token_expires_after_expires_in_seconds(target: Target) -> None:
    token = get_token(target)
    client = partner(target, token.access_token)
    created = create(client, "mail.example.com")

    target.advance_clock(token.expires_in - 1)
    assert [d.id for d in listed(client)] == [created.id]

    target.advance_clock(2)
    expired = list_mailbox_domains.sync_detailed(client=client)
    assert error_of(expired, 401).error.message == "The token has been expired."
    assert expired.headers["www-authenticate"].startswith("Bearer")

    assert [d.id for d in listed(partner(target))] == [created.id]


@pytest.mark.vcr
def test_a_request_without_the_version_header_is_a_bad_request(target: Target) -> None:
    response = list_mailbox_domains.sync_detailed(client=partner(target), x_finops_version="")

    error = error_of(response, 400).error
    assert "x-finops-version" in error.message
    assert error.additional_properties.get("type") == "missing_api_version"


@pytest.mark.vcr
def test_a_version_that_is_not_a_date_is_unprocessable(target: Target) -> None:
    response = list_mailbox_domains.sync_detailed(
        client=partner(target), x_finops_version="June 2025"
    )

    assert response.status_code == 422
    assert isinstance(response.parsed, HTTPValidationError)
    assert response.parsed.detail[0].loc == ["header", "x-finops-version"]


@pytest.mark.vcr
def test_the_version_is_echoed_back(target: Target) -> None:
    response = list_mailbox_domains.sync_detailed(
        client=partner(target), x_finops_version="2025-06-23"
    )

    assert response.status_code == 200
    assert response.headers["x-finops-version"] == "2025-06-23"


# --- errors only the sandbox can be told to give ------------------------------------------------
@pytest.mark.vcr
@pytest.mark.sandbox_only
def test_rate_limit_forbidden_and_server_errors_parse(target: Target) -> None:
    client = partner(target)
    target.inject_fault(
        "GET",
        DOMAINS,
        status=429,
        retry_after=1,
        body=json.dumps({"message": "API rate limit exceeded"}),
    )
    target.inject_fault("POST", DOMAINS, status=403)
    target.inject_fault("POST", DOMAINS + "/{domain_id}/verify", status=500)

    limited = list_mailbox_domains.sync_detailed(client=client)
    forbidden = create_mailbox_domain.sync_detailed(
        client=client, body=DomainRequest(domain="mail.example.com")
    )
    broken = verify_mailbox_domain.sync_detailed(UNKNOWN_ID, client=client)

    assert limited.status_code == 429
    assert isinstance(limited.parsed, RateLimitError)
    assert limited.parsed.message == "API rate limit exceeded"
    assert limited.headers["retry-after"] == "1"
    error_of(forbidden, 403)
    error_of(broken, 500)
    # The faults were spent: the API answers normally again.
    assert listed(client) == []


# --- the async API -------------------------------------------------------------------------------
@pytest.mark.vcr
async def test_async_api_runs_the_whole_lifecycle(target: Target) -> None:
    token_response = await create_access_token.asyncio_detailed(
        client=anonymous(target), body=token_request(target)
    )
    assert isinstance(token_response.parsed, AccessTokenResponse)
    async with partner(target, token_response.parsed.access_token) as client:
        created = await create_mailbox_domain.asyncio_detailed(
            client=client, body=DomainRequest(domain="async.example.com")
        )
        assert created.status_code == 201
        assert isinstance(created.parsed, DomainResponse)
        domain_id = created.parsed.id

        listing = await list_mailbox_domains.asyncio_detailed(client=client)
        assert isinstance(listing.parsed, DomainListResponse)
        assert [d.id for d in listing.parsed.data] == [domain_id]

        verified = await verify_mailbox_domain.asyncio_detailed(domain_id, client=client)
        assert verified.status_code == 200
        assert isinstance(verified.parsed, VerifyResponse)
        assert verified.parsed.id == domain_id

        deleted = await delete_mailbox_domain.asyncio_detailed(domain_id, client=client)
        assert deleted.status_code == 204

        missing = await verify_mailbox_domain.asyncio(domain_id, client=client)
        assert isinstance(missing, ErrorSchemaResponse)

        empty = await list_mailbox_domains.asyncio(client=client)
        assert isinstance(empty, DomainListResponse)
        assert empty.data == []


@pytest.mark.vcr
@pytest.mark.sandbox_only
def test_an_undeclared_method_is_405_allowing_every_method_served(target: Target) -> None:
    client = partner(target)
    response = client.get_httpx_client().request(
        "PUT", "/finops/v1/mailbox-domains", headers={"x-finops-version": "2025-06-23"}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"  # both routes at the path (RFC 9110)
    assert ErrorSchemaResponse.from_dict(response.json()).error.message
