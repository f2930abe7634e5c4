"""The CiiRUS facade (``maildns.Ciirus`` / ``maildns.AsyncCiirus``), both API versions.

The shared contract suites run once per API version (``TestCiirusV2023``, ``TestCiirusV2024``);
the tests after them are CiiRUS's own: Mandrill records, validation statuses, update, one
subaccount per account, the v2023.07.31 create without SPF, input and option checks, and how
errors are parsed. HTTP tests replay ``cassettes/test_facade_ciirus/``; the rest send nothing
(a ``MockTransport`` answers, or records that nothing was sent).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import httpx
import pytest
import stamina

import maildns
from maildns import DomainStatus, RecordPurpose, RecordType, SendingDomain
from maildns.vendors.ciirus._errors import parse_error

from .conftest import Target
from .contract import (
    SendingDomainContract,
    VendorContract,
    assert_no_secret,
    recording_transport,
)

V2023 = "v2023.07.31"
V2024 = "v2024.07.31"
VERSIONS = [V2023, V2024]
by_version = pytest.mark.parametrize("api_version", VERSIONS)
SPF_VALUE = "v=spf1 include:spf.mandrillapp.com ?all"
DOMAIN = "mail.example.com"
CREDENTIAL_ENV = ("CIIRUS_USERNAME", "CIIRUS_PASSWORD")


# --- the shared contract, once per API version ---------------------------------------------------
class _CiirusHooks:
    vendor: ClassVar[str] = "ciirus"
    api_version: ClassVar[str]

    def client_kwargs(self, target: Target) -> dict[str, Any]:
        return {**target.credentials, "base_url": target.base_url, "api_version": self.api_version}

    def wrong_credentials(self, target: Target) -> dict[str, Any]:
        return {"password": "not-the-ciirus-password"}

    def settings(self) -> Any:
        return maildns.CiirusSettings(daily_send_limit=250, approved=True)

    def seed(self, target: Target, client: Any) -> str:
        return str(client.create_sending_domain("seed.example.com", self.settings()).domain)

    def probe(self, client: Any) -> list[str]:
        return [d.domain for d in client.list_sending_domains()]

    async def aprobe(self, client: Any) -> list[str]:
        return [d.domain async for d in client.list_sending_domains()]


class TestCiirusV2023(_CiirusHooks, VendorContract, SendingDomainContract):
    api_version = V2023


class TestCiirusV2024(_CiirusHooks, VendorContract, SendingDomainContract):
    api_version = V2024


# --- helpers -------------------------------------------------------------------------------------
@pytest.fixture
def target(vendor_target: Callable[[str], Target]) -> Target:
    return vendor_target("ciirus")


def make(target: Target, api_version: str, **overrides: Any) -> maildns.Ciirus:
    kwargs = {**target.credentials, "base_url": target.base_url, "api_version": api_version}
    return maildns.Ciirus(**{**kwargs, **overrides})


def make_async(target: Target, api_version: str, **overrides: Any) -> maildns.AsyncCiirus:
    kwargs = {**target.credentials, "base_url": target.base_url, "api_version": api_version}
    return maildns.AsyncCiirus(**{**kwargs, **overrides})


def by_purpose(domain: SendingDomain) -> dict[RecordPurpose | None, Any]:
    purposes = [r.purpose for r in domain.records]
    assert len(purposes) == len(set(purposes)), purposes
    return {r.purpose: r for r in domain.records}


def mock_client(
    handler: Callable[[httpx.Request], httpx.Response], api_version: str = V2024, **kwargs: Any
) -> maildns.Ciirus:
    return maildns.Ciirus(
        username="partner",
        password="pw-123",
        api_version=api_version,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        **kwargs,
    )


def subaccount(domain: str = DOMAIN, **extra: Any) -> dict[str, Any]:
    return {
        "user_id": 42330,
        "sending_domain": domain,
        "subaccount_id": "subaccount-42330-partner-api",
        "dns_value": "mandrill_verify.1LJTwMFrjPZ7EY2KX1_D_V",
        "dns_validation_status": False,
        "dkim_value": "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC;",
        "dkim_validation_status": False,
        "spf_value": SPF_VALUE,
        "spf_validation_status": False,
        "daily_send_limit": 420,
        "approved": True,
        **extra,
    }


# --- Mandrill records ----------------------------------------------------------------------------
@pytest.mark.vcr
@by_version
def test_records_follow_the_mandrill_convention(target: Target, api_version: str) -> None:
    with make(target, api_version) as client:
        created = client.create_sending_domain(
            "Mail.Example.COM", daily_send_limit=10, approved=True
        )
        got = client.get_sending_domain(DOMAIN)
    raw = got.raw
    assert got.domain == DOMAIN
    assert got.id == raw.subaccount_id == created.id
    records = by_purpose(got)
    assert set(records) == {RecordPurpose.VERIFICATION, RecordPurpose.DKIM, RecordPurpose.SPF}
    for record in got.records:
        assert record.type is RecordType.TXT
        assert record.priority is None
        assert record.verified is False
    verification = records[RecordPurpose.VERIFICATION]
    assert (verification.name, verification.value) == (DOMAIN, raw.dns_value)
    assert verification.value.startswith("mandrill_verify.")
    dkim = records[RecordPurpose.DKIM]
    assert (dkim.name, dkim.value) == (f"mandrill._domainkey.{DOMAIN}", raw.dkim_value)
    assert dkim.value.startswith("v=DKIM1; k=rsa; p=")
    spf = records[RecordPurpose.SPF]
    assert (spf.name, spf.value) == (DOMAIN, raw.spf_value)
    assert spf.value == SPF_VALUE
    # Records come in a stable order: verification, DKIM, SPF.
    assert [r.purpose for r in got.records] == [
        RecordPurpose.VERIFICATION,
        RecordPurpose.DKIM,
        RecordPurpose.SPF,
    ]
    # The create answer carries the same values.
    assert by_purpose(created)[RecordPurpose.DKIM] == dkim


@pytest.mark.vcr
def test_v2023_create_has_no_spf_record_until_read(target: Target) -> None:
    """v2023.07.31's create answer documents no spf_value: nothing is invented."""
    with make(target, V2023) as client:
        created = client.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
        assert [r.purpose for r in created.records] == [
            RecordPurpose.VERIFICATION,
            RecordPurpose.DKIM,
        ]
        assert "spf_value" not in created.raw.to_dict()
        assert created.status is DomainStatus.PENDING
        got = client.get_sending_domain(DOMAIN)
    assert by_purpose(got)[RecordPurpose.SPF].value == SPF_VALUE


@pytest.mark.vcr
def test_v2024_create_has_spf(target: Target) -> None:
    with make(target, V2024) as client:
        created = client.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
    assert by_purpose(created)[RecordPurpose.SPF].value == SPF_VALUE


# --- statuses ------------------------------------------------------------------------------------
@pytest.mark.vcr
@pytest.mark.sandbox_only
@by_version
def test_status_pending_then_verified(target: Target, api_version: str) -> None:
    with make(target, api_version) as client:
        created = client.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
        assert created.status is DomainStatus.PENDING
        assert client.verify_sending_domain(DOMAIN).status is DomainStatus.PENDING
        # Everything but the SPF record (which v2023's create does not even return).
        first = [r for r in created.records if r.purpose is not RecordPurpose.SPF]
        target.publish_dns("example.com", first)
        partly = client.verify_sending_domain(DOMAIN)
        assert partly.status is DomainStatus.PENDING
        assert [r.verified for r in partly.records] == [True, True, False]
        (spf,) = [r for r in partly.records if r.purpose is RecordPurpose.SPF]
        target.publish_dns("example.com", [spf])
        verified = client.verify_sending_domain(DOMAIN)
    assert verified.status is DomainStatus.VERIFIED
    assert [r.verified for r in verified.records] == [True, True, True]
    assert verified.id == created.id


# --- update --------------------------------------------------------------------------------------
@pytest.mark.vcr
@by_version
def test_update_replaces_the_settings(target: Target, api_version: str) -> None:
    with make(target, api_version) as client:
        created = client.create_sending_domain(DOMAIN, daily_send_limit=10, approved=False)
        updated = client.update_sending_domain(DOMAIN, daily_send_limit=420, approved=True)
        assert updated.domain == DOMAIN
        assert updated.id == created.id
        assert (updated.raw.daily_send_limit, updated.raw.approved) == (420, True)
        # The same domain keeps its verification values.
        assert by_purpose(updated)[RecordPurpose.DKIM] == by_purpose(created)[RecordPurpose.DKIM]
        # Another domain is not this subaccount: nothing is changed.
        with pytest.raises(maildns.NotFoundError, match=r"other\.example\.com"):
            client.update_sending_domain("other.example.com", daily_send_limit=1, approved=True)
        got = client.get_sending_domain(DOMAIN)
    assert (got.raw.daily_send_limit, got.raw.approved) == (420, True)


@pytest.mark.vcr
@by_version
def test_update_without_subaccount_is_not_found(target: Target, api_version: str) -> None:
    with make(target, api_version) as client, pytest.raises(maildns.NotFoundError) as info:
        client.update_sending_domain(DOMAIN, daily_send_limit=1, approved=True)
    assert DOMAIN in str(info.value)


# --- one subaccount per account ------------------------------------------------------------------
@pytest.mark.vcr
@by_version
def test_get_of_another_domain_is_not_found(target: Target, api_version: str) -> None:
    with make(target, api_version) as client:
        client.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
        for call in (
            client.get_sending_domain,
            client.verify_sending_domain,
            client.delete_sending_domain,
        ):
            with pytest.raises(maildns.NotFoundError) as info:
                call("other.example.com")
            assert "other.example.com" in str(info.value)
            assert DOMAIN in str(info.value)  # says whose subaccount it is
            assert info.value.status_code == 404
        # The delete of another domain deleted nothing.
        assert [d.domain for d in client.list_sending_domains()] == [DOMAIN]


@pytest.mark.vcr
@by_version
def test_list_is_empty_then_one(target: Target, api_version: str) -> None:
    with make(target, api_version) as client:
        assert list(client.list_sending_domains()) == []
        created = client.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
        listed = list(client.list_sending_domains())
        assert [(d.id, d.domain, d.status) for d in listed] == [
            (created.id, DOMAIN, created.status)
        ]
        assert listed == [client.get_sending_domain(DOMAIN)]
        client.delete_sending_domain(DOMAIN)
        assert list(client.list_sending_domains()) == []


@pytest.mark.vcr
@by_version
def test_second_create_is_a_conflict_naming_the_domain(target: Target, api_version: str) -> None:
    with make(target, api_version) as client:
        client.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
        with pytest.raises(maildns.ConflictError) as info:
            client.create_sending_domain("other.example.com", daily_send_limit=10, approved=True)
        assert info.value.status_code == 422  # CiiRUS's status, kept
        assert "already exists" in str(info.value)
        assert repr(DOMAIN) in str(info.value)
        assert (info.value.operation, info.value.operation_id) == (
            "create_sending_domain",
            "createSubaccount",
        )
        # Nothing changed.
        assert [d.domain for d in client.list_sending_domains()] == [DOMAIN]


@pytest.mark.vcr
def test_both_versions_see_the_same_subaccount(target: Target) -> None:
    with make(target, V2023) as old, make(target, V2024) as new:
        created = old.create_sending_domain(DOMAIN, daily_send_limit=10, approved=True)
        assert new.get_sending_domain(DOMAIN).id == created.id
        new.delete_sending_domain(DOMAIN)
        assert list(old.list_sending_domains()) == []


# --- async twins ---------------------------------------------------------------------------------
@pytest.mark.vcr
@by_version
async def test_async_twins(target: Target, api_version: str) -> None:
    async with make_async(target, api_version) as client:
        assert [d async for d in client.list_sending_domains()] == []
        created = await client.create_sending_domain(DOMAIN, daily_send_limit=10, approved=False)
        assert created.status is DomainStatus.PENDING
        with pytest.raises(maildns.ConflictError):
            await client.create_sending_domain(DOMAIN, daily_send_limit=10, approved=False)
        updated = await client.update_sending_domain(DOMAIN, daily_send_limit=99, approved=True)
        assert updated.raw.daily_send_limit == 99
        assert (await client.get_sending_domain(DOMAIN)).id == created.id
        assert (await client.verify_sending_domain(DOMAIN)).id == created.id
        with pytest.raises(maildns.NotFoundError):
            await client.get_sending_domain("other.example.com")
        await client.delete_sending_domain(DOMAIN)  # returns None
        assert [d async for d in client.list_sending_domains()] == []
        with pytest.raises(maildns.NotFoundError):
            await client.delete_sending_domain(DOMAIN)


# --- input and options ---------------------------------------------------------------------------
def test_invalid_input_is_refused_before_any_request() -> None:
    transport, seen = recording_transport()
    client = maildns.Ciirus(
        username="partner", password="pw-123", http_client=httpx.Client(transport=transport)
    )
    for call in (client.create_sending_domain, client.update_sending_domain):
        with pytest.raises(maildns.InvalidInputError) as info:
            call("-bad.example.com", daily_send_limit=-1, approved="yes")  # type: ignore[arg-type]
        assert isinstance(info.value, ValueError)
        assert [p.argument for p in info.value.problems] == [
            "domain",
            "daily_send_limit",
            "approved",
        ]
        for problem in info.value.problems:
            assert problem.message
        for limit in (True, 1.5, "10", None):
            with pytest.raises(maildns.InvalidInputError, match="daily_send_limit"):
                call(DOMAIN, daily_send_limit=limit, approved=True)  # type: ignore[arg-type]
        for approved in (1, 0, "true", None):
            with pytest.raises(maildns.InvalidInputError, match="approved"):
                call(DOMAIN, daily_send_limit=1, approved=approved)  # type: ignore[arg-type]
    for bad in (None, 42, "under_score.example.com", "192.0.2.1"):
        for one in (
            client.get_sending_domain,
            client.verify_sending_domain,
            client.delete_sending_domain,
        ):
            with pytest.raises(maildns.InvalidInputError):
                one(bad)  # type: ignore[arg-type]
    assert seen == []


def test_a_zero_limit_and_unapproved_are_valid() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=subaccount(daily_send_limit=0, approved=False))

    mock_client(handler).create_sending_domain(DOMAIN, daily_send_limit=0, approved=False)
    assert json.loads(sent[0].content) == {
        "sending_domain": DOMAIN,
        "daily_send_limit": 0,
        "approved": False,
    }


def test_internationalised_domains_go_out_as_punycode() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=subaccount("xn--bcher-kva.example"))

    created = mock_client(handler).create_sending_domain(
        "Bücher.example", daily_send_limit=1, approved=True
    )
    assert json.loads(sent[0].content)["sending_domain"] == "xn--bcher-kva.example"
    assert created.domain == "xn--bcher-kva.example"
    assert (
        by_purpose(created)[RecordPurpose.DKIM].name == "mandrill._domainkey.xn--bcher-kva.example"
    )


def test_api_version_selects_the_path_and_defaults_to_the_newer() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(404, json={"message": "Not Found"})

    assert maildns.Ciirus(username="u", password="p").api_version == V2024
    assert maildns.AsyncCiirus(username="u", password="p").api_version == V2024
    for version in (None, V2023, V2024):
        assert list(mock_client(handler, api_version=version).list_sending_domains()) == []  # type: ignore[arg-type]
    assert paths == [
        "/v2024.07.31/emails/subaccount",
        "/v2023.07.31/emails/subaccount",
        "/v2024.07.31/emails/subaccount",
    ]


@pytest.mark.parametrize("bad", ["2024-07-31", "v2025.01.01", "", 2024, "V2024.07.31"])
def test_unknown_api_version_is_refused(bad: Any) -> None:
    for cls in (maildns.Ciirus, maildns.AsyncCiirus):
        with pytest.raises(maildns.InvalidInputError) as info:
            cls(username="u", password="p", api_version=bad)
        assert [p.argument for p in info.value.problems] == ["api_version"]
        assert V2023 in str(info.value)
        assert V2024 in str(info.value)


def test_constructor_problems_are_reported_together() -> None:
    with pytest.raises(maildns.InvalidInputError) as info:
        maildns.Ciirus(
            username=7,  # type: ignore[arg-type]
            password=b"secret-bytes",  # type: ignore[arg-type]
            api_version="latest",
            timeout=-1,
            max_retries=-1,
        )
    assert {p.argument for p in info.value.problems} == {
        "api_version",
        "username",
        "password",
        "timeout",
        "max_retries",
    }
    assert "secret-bytes" not in str(info.value)


# --- credentials ---------------------------------------------------------------------------------
@pytest.mark.vcr
@by_version
def test_bad_credentials_leak_nothing(target: Target, api_version: str) -> None:
    wrong = "wrong-Pa55word"
    username = target.credentials["username"]
    header = base64.b64encode(f"{username}:{wrong}".encode()).decode()
    real_header = base64.b64encode(f"{username}:{target.credentials['password']}".encode()).decode()
    with make(target, api_version, password=wrong) as client:
        for call in (
            lambda: list(client.list_sending_domains()),
            lambda: client.create_sending_domain(DOMAIN, daily_send_limit=1, approved=True),
        ):
            with pytest.raises(maildns.AuthenticationError) as info:
                call()
            assert info.value.status_code == 401
            assert "Authentication values are not valid" in str(info.value)
            assert_no_secret(
                info.value, [wrong, header, target.credentials["password"], real_header]
            )
        assert wrong not in repr(client) + repr(vars(client))


def test_missing_credentials_name_both_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for env in CREDENTIAL_ENV:
        monkeypatch.delenv(env, raising=False)
    transport, seen = recording_transport()
    client = maildns.Ciirus(http_client=httpx.Client(transport=transport))  # no error yet
    with pytest.raises(maildns.ConfigurationError) as info:
        list(client.list_sending_domains())
    assert "CIIRUS_USERNAME" in str(info.value)
    assert "CIIRUS_PASSWORD" in str(info.value)
    # Only the missing one is named.
    partial = maildns.Ciirus(username="partner", http_client=httpx.Client(transport=transport))
    with pytest.raises(maildns.ConfigurationError) as info:
        partial.get_sending_domain(DOMAIN)
    assert "CIIRUS_PASSWORD" in str(info.value)
    assert "CIIRUS_USERNAME" not in str(info.value)
    assert seen == []


async def test_missing_credentials_async(monkeypatch: pytest.MonkeyPatch) -> None:
    for env in CREDENTIAL_ENV:
        monkeypatch.delenv(env, raising=False)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(599)

    client = maildns.AsyncCiirus(
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler))
    )
    with pytest.raises(maildns.ConfigurationError, match=r"CIIRUS_USERNAME.*CIIRUS_PASSWORD"):
        [d async for d in client.list_sending_domains()]
    assert seen == []


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIIRUS_USERNAME", "env-partner")
    monkeypatch.setenv("CIIRUS_PASSWORD", "env-pw")
    headers: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        headers.append(request.headers["authorization"])
        return httpx.Response(404, json={"message": "Not Found"})

    client = maildns.Ciirus(http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    assert list(client.list_sending_domains()) == []
    assert headers == ["Basic " + base64.b64encode(b"env-partner:env-pw").decode()]
    assert "env-pw" not in repr(client) + repr(vars(client))
    # Arguments win over the environment.
    list(mock_client(handler).list_sending_domains())
    assert headers[-1] == "Basic " + base64.b64encode(b"partner:pw-123").decode()


# --- errors and "already exists" (no sandbox: a MockTransport answers) ---------------------------
def test_parse_error_message_and_field() -> None:
    body = {"message": "Unproccessable Content", "reasons": ["daily_send_limit: Field required"]}
    assert parse_error(422, body) == (
        "Unproccessable Content: daily_send_limit: Field required",
        "daily_send_limit",
    )
    assert parse_error(422, {"message": "x", "reasons": ["body.approved: not a bool"]}) == (
        "x: body.approved: not a bool",
        "approved",
    )
    assert parse_error(422, {"reasons": ["the sending_domain is taken", "other"]}) == (
        "the sending_domain is taken; other",
        "sending_domain",
    )
    # "approved" as a word in prose is not the field.
    assert (
        parse_error(403, {"message": "Forbidden", "reasons": ["account not approved"]})[1] is None
    )
    assert parse_error(401, {"message": "The provided Authentication values are not valid"}) == (
        "The provided Authentication values are not valid",
        None,
    )
    assert parse_error(500, {"unexpected": True}) == (None, None)
    assert parse_error(500, {"message": 5, "reasons": "one reason"}) == ("one reason", None)
    page = "<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>"
    message, field = parse_error(502, page)
    assert message is not None
    assert "502 Bad Gateway" in message
    assert "<" not in message
    assert field is None
    assert parse_error(503, "upstream connect error") == ("upstream connect error", None)


def test_a_422_naming_a_field_is_a_validation_error_not_a_conflict() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        body = {"message": "Unproccessable Content", "reasons": ["sending_domain: not allowed"]}
        return httpx.Response(422, json=body)

    with pytest.raises(maildns.UnprocessableEntityError) as info:
        mock_client(handler).create_sending_domain(DOMAIN, daily_send_limit=1, approved=True)
    assert not isinstance(info.value, maildns.ConflictError)
    assert info.value.field == "sending_domain"
    assert "not allowed" in str(info.value)
    assert calls == ["POST"]  # no read: it is not about an existing subaccount


def test_a_reasonless_422_without_subaccount_is_raised_as_it_came() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if request.method == "POST":
            return httpx.Response(422, json={"message": "Unproccessable Content"})
        return httpx.Response(404, json={"message": "Not Found", "reasons": ["No subaccount"]})

    with pytest.raises(maildns.UnprocessableEntityError) as info:
        mock_client(handler).create_sending_domain(DOMAIN, daily_send_limit=1, approved=True)
    assert not isinstance(info.value, maildns.ConflictError)
    assert calls == ["POST", "GET"]


@pytest.mark.parametrize("status", [409, 422])
def test_already_exists_on_the_first_attempt_is_a_conflict(status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(status, json={"message": "Conflict"})
        return httpx.Response(200, json=subaccount())

    # Even for the same domain: it existed before this call.
    with pytest.raises(maildns.ConflictError) as info:
        mock_client(handler).create_sending_domain(DOMAIN, daily_send_limit=1, approved=True)
    assert info.value.status_code == status
    assert repr(DOMAIN) in str(info.value)
    assert "Conflict" in str(info.value)  # what CiiRUS said is kept


@pytest.fixture
def instant_backoff() -> Iterator[None]:
    stamina.set_testing(True, attempts=10, cap=True)
    yield
    stamina.set_testing(False)


@pytest.mark.usefixtures("instant_backoff")
@pytest.mark.parametrize(
    ("existing", "ours"),
    [
        (subaccount(DOMAIN, daily_send_limit=420, approved=True), True),
        (subaccount(DOMAIN.upper(), daily_send_limit=420, approved=True), True),
        ({"sending_domain": DOMAIN, "subaccount_id": "s-1", "dns_value": "v"}, True),
        (subaccount(DOMAIN, daily_send_limit=1, approved=True), False),
        (subaccount(DOMAIN, daily_send_limit=420, approved=False), False),
        (subaccount("other.example.com", daily_send_limit=420, approved=True), False),
    ],
)
def test_a_retried_create_returns_only_what_it_would_have_made(
    existing: dict[str, Any], ours: bool
) -> None:
    """First attempt: 503 (did CiiRUS create it?); the retry: "already exists"."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if request.method == "GET":
            return httpx.Response(200, json=existing)
        if calls.count("POST") == 1:
            return httpx.Response(503, json={"message": "Service Unavailable"})
        reasons = ["A subaccount already exists for this partner account"]
        return httpx.Response(422, json={"message": "Unproccessable Content", "reasons": reasons})

    client = mock_client(handler)
    if ours:
        got = client.create_sending_domain(DOMAIN, daily_send_limit=420, approved=True)
        assert got.domain == DOMAIN
    else:
        with pytest.raises(maildns.ConflictError) as info:
            client.create_sending_domain(DOMAIN, daily_send_limit=420, approved=True)
        assert info.value.status_code == 422
        assert "already exists" in str(info.value)
    assert calls == ["POST", "POST", "GET"]


def test_responses_missing_the_domain_or_id_do_not_fit() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = subaccount()
        del body["subaccount_id"]
        return httpx.Response(200, json=body)

    with pytest.raises(maildns.APIResponseValidationError, match="subaccount_id"):
        list(mock_client(handler).list_sending_domains())


def test_values_of_the_wrong_type_are_named_in_a_validation_error() -> None:
    """The spec says booleans and strings: anything else is an answer outside the spec, and the
    error says where (without quoting the values)."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json=subaccount(
                dns_validation_status="validating",
                dkim_validation_status=True,
                spf_value=17,
                spf_validation_status=True,
            ),
        )

    with pytest.raises(maildns.APIResponseValidationError) as info:
        mock_client(handler).get_sending_domain(DOMAIN)
    message = str(info.value)
    assert message.startswith("ciirus get_sending_domain: the response does not fit the spec: ")
    assert "dns_validation_status: Input should be a valid boolean" in message
    assert "spf_value: Input should be a valid string" in message
    assert "validating" not in message
    assert info.value.operation_id == "retrieveSubaccount"


def test_an_empty_value_is_left_out_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=subaccount(spf_value="", dns_validation_status=None))

    with caplog.at_level("WARNING", logger="maildns"):
        got = mock_client(handler).get_sending_domain(DOMAIN)
    assert [r.purpose for r in got.records] == [RecordPurpose.VERIFICATION, RecordPurpose.DKIM]
    assert by_purpose(got)[RecordPurpose.VERIFICATION].verified is None
    assert "spf_value" in caplog.text
    assert got.raw.spf_value == ""


def test_no_statuses_at_all_is_unknown() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"sending_domain": DOMAIN, "subaccount_id": "s-1", "dns_value": "v"}
        )

    got = mock_client(handler).get_sending_domain(DOMAIN)
    assert got.status is DomainStatus.UNKNOWN
    assert got.records[0].verified is None
