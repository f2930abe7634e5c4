"""CiiRUS Partner API email subaccount, both versions, through the two generated clients.

``ciirus_v2023_07_31_client`` and ``ciirus_v2024_07_31_client`` have the same layout: a ``Client``
authenticated with HTTP Basic (``httpx_args={"auth": httpx.BasicAuth(username, password)}``) and
``api.subaccount.{retrieve,create,update,delete}_subaccount``. The two versions reach one partner
account with at most one subaccount, so state carries across versions.

Each response is parsed into its operation's model (``Subaccount<Op>Response``), whose fields
are the ones that version's page documents for that operation; the tests check the documented
field matrix on what comes back (nothing undocumented lands in ``additional_properties``).
"""

from __future__ import annotations

import base64
import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeVar

import httpx
import pytest
from ciirus_v2023_07_31_client import Client as Client2023
from ciirus_v2023_07_31_client import models as models2023
from ciirus_v2023_07_31_client.api.subaccount import (
    create_subaccount as create2023,
)
from ciirus_v2023_07_31_client.api.subaccount import (
    delete_subaccount as delete2023,
)
from ciirus_v2023_07_31_client.api.subaccount import (
    retrieve_subaccount as retrieve2023,
)
from ciirus_v2023_07_31_client.api.subaccount import (
    update_subaccount as update2023,
)
from ciirus_v2024_07_31_client import Client as Client2024
from ciirus_v2024_07_31_client import models as models2024
from ciirus_v2024_07_31_client.api.subaccount import (
    create_subaccount as create2024,
)
from ciirus_v2024_07_31_client.api.subaccount import (
    delete_subaccount as delete2024,
)
from ciirus_v2024_07_31_client.api.subaccount import (
    retrieve_subaccount as retrieve2024,
)
from ciirus_v2024_07_31_client.api.subaccount import (
    update_subaccount as update2024,
)
from ciirus_v2024_07_31_client.types import Response

import maildns

from .conftest import Target
from .specs import SpecPromise

pytestmark = pytest.mark.vcr

P = TypeVar("P")

# What maildns promises of each dated spec (tests/test_specs.py, tests/test_spec_evidence.py).
SPEC_PROMISES = {
    f"ciirus_{version.replace('.', '_')}": SpecPromise(
        operations=frozenset(
            (m, f"/{version}/emails/subaccount") for m in ("GET", "POST", "PUT", "DELETE")
        ),
        open_questions=("error",),
        documentation_hosts=frozenset({"docs.ciiruspartners.com"}),
        our_examples=((f"GET /{version}/emails/subaccount 404", "noSubaccount"),),
    )
    for version in ("v2023.07.31", "v2024.07.31")
}


# What this vendor's generated client does alone, installed from its wheel in a fresh
# environment (tests/test_dist.py), against the sandbox (no subaccount yet: the documented 404),
# and the line it prints. argv: base URL, the credentials, the client's package.
WHEEL_PROBE = (
    """
import sys, importlib
package = sys.argv[4]
Client = importlib.import_module(package).Client
retrieve = importlib.import_module(package + ".api.subaccount.retrieve_subaccount")
client = Client(base_url=sys.argv[1], httpx_args={"auth": (sys.argv[2], sys.argv[3])})
response = retrieve.sync_detailed(client=client)
print(response.status_code.value, type(response.parsed).__name__)
""",
    "404 Error",
)

AUTH_MESSAGE = "The provided Authentication values are not valid"  # the error manual's words
SPF_VALUE = "v=spf1 include:spf.mandrillapp.com ?all"
DNS_VALUE = re.compile(r"^mandrill_verify\.[A-Za-z0-9_-]{22}$")
DKIM_VALUE = re.compile(r"^v=DKIM1; k=rsa; p=[A-Za-z0-9+/]+={0,2};$")

# The response fields each version's page documents for each operation (vendor notes, 3.3; the
# cells marked "?" there, where a page's list is cut off, count as documented, as in the specs).
_CORE = {
    "user_id",
    "sending_domain",
    "subaccount_id",
    "dns_value",
    "dns_validation_status",
    "dkim_value",
    "dkim_validation_status",
    "daily_send_limit",
    "approved",
}
_SPF = {"spf_value", "spf_validation_status"}
_STATS = {"reputation", "sent_monthly", "sent_weekly", "sent_total"}
_FULL = _CORE | _SPF | _STATS | {"created_at", "first_sent_at"}
_NAME = {"name"}
_MC = {"mc_user_id"}  # v2023.07.31
_MCU = {"management_company_user_id"}  # v2024.07.31
DOCUMENTED: dict[tuple[str, str], set[str]] = {
    ("v2023.07.31", "retrieve"): _FULL | _MC,
    ("v2023.07.31", "create"): (_FULL - _SPF) | _MC,
    ("v2023.07.31", "update"): _CORE | _SPF | _MC,
    ("v2023.07.31", "delete"): _FULL | _NAME | _MC,
    ("v2024.07.31", "retrieve"): _FULL | _NAME | _MCU,
    ("v2024.07.31", "create"): (_FULL - {"first_sent_at"}) | _NAME | _MCU,
    ("v2024.07.31", "update"): _CORE | _SPF | _MCU,
    ("v2024.07.31", "delete"): _FULL | _NAME | _MCU,
}
# Documented, but only there once the subaccount has sent email.
UNTIL_SENT = {"first_sent_at"}


@dataclass(frozen=True)
class Version:
    """One dated version of the API: its generated client package, operations and models."""

    name: str
    client_cls: Any
    retrieve: ModuleType
    create: ModuleType
    update: ModuleType
    delete: ModuleType
    models: ModuleType
    account_field: str  # the version's name for the partner account id

    @property
    def path(self) -> str:
        return f"/{self.name}/emails/subaccount"

    def request(self, sending_domain: str, daily_send_limit: int, approved: bool) -> Any:
        return self.models.SubaccountRequest(
            sending_domain=sending_domain, daily_send_limit=daily_send_limit, approved=approved
        )


V2023 = Version(
    "v2023.07.31",
    Client2023,
    retrieve2023,
    create2023,
    update2023,
    delete2023,
    models2023,
    "mc_user_id",
)
V2024 = Version(
    "v2024.07.31",
    Client2024,
    retrieve2024,
    create2024,
    update2024,
    delete2024,
    models2024,
    "management_company_user_id",
)
VERSIONS = [V2023, V2024]
by_version = pytest.mark.parametrize("v", VERSIONS, ids=[v.name for v in VERSIONS])


def parsed(response: Response[Any], status: int, cls: type[P]) -> P:
    """The parsed body, after checking the status and the model the client chose."""
    assert response.status_code == status, response.content
    assert isinstance(response.parsed, cls), response.parsed
    return response.parsed


def error(response: Response[Any], status: int, *, reason: str | None = None) -> Any:
    """The error ``status``, parsed as the spec's ``Error`` (``message`` and ``reasons``)."""
    assert response.status_code == status, response.content
    err = response.parsed
    assert type(err).__name__ == "Error", err
    assert isinstance(err.message, str)
    assert err.message
    if reason is not None:
        assert isinstance(err.reasons, list)
        assert any(reason in r for r in err.reasons), err.reasons
    return err


def raw_error(response: httpx.Response, v: Version, status: int) -> Any:
    """An error answered to a request the generated client cannot send, parsed with its model."""
    assert response.status_code == status, response.content
    return v.models.Error.from_dict(response.json())


def check_fields(v: Version, op: str, body: Any) -> None:
    """The response has the fields ``v``'s page documents for ``op``, and no others."""
    documented = DOCUMENTED[(v.name, op)]
    returned = set(body.to_dict())
    assert body.additional_properties == {}, f"undocumented fields: {body.additional_properties}"
    assert returned <= documented, returned - documented
    assert documented - UNTIL_SENT <= returned, (documented - UNTIL_SENT) - returned


def check_new(v: Version, body: Any, settings: Any) -> None:
    """A subaccount as created: Mandrill-style values, not validated yet, nothing sent."""
    assert isinstance(body.user_id, int)
    assert body.subaccount_id == f"subaccount-{body.user_id}-partner-api"
    assert getattr(body, v.account_field) == body.user_id
    assert body.sending_domain == settings.sending_domain
    assert body.daily_send_limit == settings.daily_send_limit
    assert body.approved is settings.approved
    assert DNS_VALUE.match(body.dns_value), body.dns_value
    assert DKIM_VALUE.match(body.dkim_value), body.dkim_value
    assert len(base64.b64decode(body.dkim_value.split("p=", 1)[1].rstrip(";"))) > 128
    assert body.dns_validation_status is False
    assert body.dkim_validation_status is False
    assert (body.reputation, body.sent_monthly, body.sent_weekly, body.sent_total) == (0, 0, 0, 0)
    assert isinstance(body.created_at, datetime.datetime)
    assert body.created_at.tzinfo is not None
    assert "first_sent_at" not in body.to_dict()  # nothing sent yet


def make_client(target: Target, v: Version, *, auth: httpx.Auth | None = None) -> Any:
    if auth is None:
        auth = httpx.BasicAuth(**target.credentials)
    return v.client_cls(
        base_url=target.base_url, raise_on_unexpected_status=True, httpx_args={"auth": auth}
    )


@pytest.fixture
def target(vendor_target: Callable[[str], Target]) -> Target:
    return vendor_target("ciirus")


@pytest.fixture
def clients(target: Target) -> Iterator[dict[str, Any]]:
    """An authenticated client per version (both reach the same partner account)."""
    made = {v.name: make_client(target, v) for v in VERSIONS}
    yield made
    for client in made.values():
        client.get_httpx_client().close()


# --- every operation, in each version ----------------------------------------------------------
@by_version
def test_create_retrieve_update_delete(v: Version, clients: dict[str, Any]) -> None:
    client = clients[v.name]
    settings = v.request("mail.example.com", 250, False)
    created = parsed(
        v.create.sync_detailed(client=client, body=settings), 200, v.models.SubaccountCreateResponse
    )
    check_fields(v, "create", created)
    check_new(v, created, settings)
    if v is V2023:
        # The v2023.07.31 create page lists neither spf_* nor name: the model has no such fields.
        assert not hasattr(created, "spf_value")
        assert not hasattr(created, "name")
        assert "spf_value" not in created.to_dict()
    else:
        assert created.spf_value == SPF_VALUE
        assert created.spf_validation_status is False
        assert created.name == created.subaccount_id

    got = parsed(v.retrieve.sync_detailed(client=client), 200, v.models.SubaccountRetrieveResponse)
    check_fields(v, "retrieve", got)
    for name in ("user_id", "subaccount_id", "dns_value", "dkim_value", "created_at"):
        assert getattr(got, name) == getattr(created, name), name
    assert got.spf_value == SPF_VALUE
    assert got.spf_validation_status is False

    # The update page's published sample body, verbatim: a full replace of the settings.
    published = v.request("ciiruspartners.com", 420, True)
    updated = parsed(
        v.update.sync_detailed(client=client, body=published),
        200,
        v.models.SubaccountUpdateResponse,
    )
    check_fields(v, "update", updated)
    assert (updated.sending_domain, updated.daily_send_limit, updated.approved) == (
        "ciiruspartners.com",
        420,
        True,
    )
    assert updated.user_id == created.user_id
    assert updated.subaccount_id == created.subaccount_id
    assert getattr(updated, v.account_field) == created.user_id
    # A new sending domain gets its own verification values and must be validated again.
    assert updated.dns_value != created.dns_value
    assert DNS_VALUE.match(updated.dns_value)
    assert updated.dkim_value != created.dkim_value
    assert updated.dns_validation_status is False

    deleted = parsed(v.delete.sync_detailed(client=client), 200, v.models.SubaccountDeleteResponse)
    check_fields(v, "delete", deleted)
    assert deleted.subaccount_id == created.subaccount_id
    assert deleted.sending_domain == "ciiruspartners.com"
    assert deleted.daily_send_limit == 420
    assert deleted.name == created.subaccount_id
    assert deleted.created_at == created.created_at

    error(v.retrieve.sync_detailed(client=client), 404)
    # Deleted means gone: a new subaccount can be created for the account.
    again = parsed(
        v.create.sync_detailed(client=client, body=published),
        200,
        v.models.SubaccountCreateResponse,
    )
    assert again.user_id == created.user_id
    assert again.subaccount_id == created.subaccount_id


@by_version
async def test_async_api(v: Version, clients: dict[str, Any]) -> None:
    client = clients[v.name]
    settings = v.request("news.example.org", 1000, True)
    created = parsed(
        await v.create.asyncio_detailed(client=client, body=settings),
        200,
        v.models.SubaccountCreateResponse,
    )
    check_new(v, created, settings)
    got = parsed(
        await v.retrieve.asyncio_detailed(client=client), 200, v.models.SubaccountRetrieveResponse
    )
    assert got.subaccount_id == created.subaccount_id
    updated = parsed(
        await v.update.asyncio_detailed(client=client, body=v.request("news.example.org", 5, True)),
        200,
        v.models.SubaccountUpdateResponse,
    )
    assert updated.daily_send_limit == 5
    # Same domain: the verification values stay.
    assert (updated.dns_value, updated.dkim_value) == (created.dns_value, created.dkim_value)
    deleted = parsed(
        await v.delete.asyncio_detailed(client=client), 200, v.models.SubaccountDeleteResponse
    )
    assert deleted.daily_send_limit == 5
    missing = await v.delete.asyncio_detailed(client=client)
    error(missing, 404, reason="No subaccount")
    await client.get_async_httpx_client().aclose()


# --- one account, two versions -------------------------------------------------------------------
def test_both_versions_share_the_subaccount(clients: dict[str, Any]) -> None:
    c2023, c2024 = clients[V2023.name], clients[V2024.name]
    created = parsed(
        create2023.sync_detailed(client=c2023, body=V2023.request("mail.example.com", 100, True)),
        200,
        models2023.SubaccountCreateResponse,
    )
    # The same subaccount through v2024.07.31, with that version's field names.
    seen = parsed(
        retrieve2024.sync_detailed(client=c2024), 200, models2024.SubaccountRetrieveResponse
    )
    assert seen.subaccount_id == created.subaccount_id
    assert seen.dns_value == created.dns_value
    assert seen.management_company_user_id == created.mc_user_id
    assert "mc_user_id" not in seen.to_dict()
    # One subaccount per account, whichever version asks.
    error(
        create2024.sync_detailed(client=c2024, body=V2024.request("other.example.com", 1, True)),
        422,
        reason="already exists",
    )

    parsed(
        update2024.sync_detailed(client=c2024, body=V2024.request("mail.example.com", 777, False)),
        200,
        models2024.SubaccountUpdateResponse,
    )
    after = parsed(
        retrieve2023.sync_detailed(client=c2023), 200, models2023.SubaccountRetrieveResponse
    )
    assert (after.daily_send_limit, after.approved) == (777, False)
    assert after.mc_user_id == created.mc_user_id
    assert "management_company_user_id" not in after.to_dict()

    deleted = parsed(
        delete2024.sync_detailed(client=c2024), 200, models2024.SubaccountDeleteResponse
    )
    assert deleted.subaccount_id == created.subaccount_id
    error(retrieve2023.sync_detailed(client=c2023), 404)

    # And the other way round: created through v2024.07.31, deleted through v2023.07.31.
    created24 = parsed(
        create2024.sync_detailed(client=c2024, body=V2024.request("mail.example.net", 50, True)),
        200,
        models2024.SubaccountCreateResponse,
    )
    deleted23 = parsed(
        delete2023.sync_detailed(client=c2023), 200, models2023.SubaccountDeleteResponse
    )
    assert deleted23.subaccount_id == created24.subaccount_id
    assert deleted23.sending_domain == "mail.example.net"
    assert deleted23.mc_user_id == created24.management_company_user_id
    error(retrieve2024.sync_detailed(client=c2024), 404)


# --- documented errors ---------------------------------------------------------------------------
@by_version
def test_wrong_or_missing_credentials_are_401(v: Version, target: Target) -> None:
    body = v.request("mail.example.com", 10, True)
    wrong_password = httpx.BasicAuth(target.credentials["username"], "wrong")
    for client in (
        make_client(target, v, auth=wrong_password),
        v.client_cls(base_url=target.base_url, raise_on_unexpected_status=True),
    ):
        with client:
            for response in (
                v.retrieve.sync_detailed(client=client),
                v.create.sync_detailed(client=client, body=body),
                v.update.sync_detailed(client=client, body=body),
                v.delete.sync_detailed(client=client),
            ):
                assert error(response, 401).message == AUTH_MESSAGE
    # Nothing was created.
    with make_client(target, v) as client:
        error(v.retrieve.sync_detailed(client=client), 404)


@by_version
def test_no_subaccount_is_404(v: Version, clients: dict[str, Any]) -> None:
    client = clients[v.name]
    for response in (
        v.retrieve.sync_detailed(client=client),
        v.update.sync_detailed(client=client, body=v.request("mail.example.com", 10, True)),
        v.delete.sync_detailed(client=client),
    ):
        err = error(response, 404, reason="No subaccount")
        assert "resource itself does not exist" in err.message


@by_version
def test_creating_a_second_subaccount_is_422(v: Version, clients: dict[str, Any]) -> None:
    client = clients[v.name]
    first = parsed(
        v.create.sync_detailed(client=client, body=v.request("one.example.com", 10, True)),
        200,
        v.models.SubaccountCreateResponse,
    )
    error(
        v.create.sync_detailed(client=client, body=v.request("two.example.com", 20, True)),
        422,
        reason="already exists",
    )
    kept = parsed(v.retrieve.sync_detailed(client=client), 200, v.models.SubaccountRetrieveResponse)
    assert kept.sending_domain == "one.example.com"
    assert kept.dns_value == first.dns_value


@by_version
def test_invalid_bodies_are_422(v: Version, clients: dict[str, Any]) -> None:
    client = clients[v.name]
    # Values the generated client sends but the spec forbids: not a host name, a negative limit.
    err = error(
        v.create.sync_detailed(client=client, body=v.request("not a domain", -1, True)), 422
    )
    assert any(r.startswith("sending_domain") for r in err.reasons), err.reasons
    assert any(r.startswith("daily_send_limit") for r in err.reasons), err.reasons
    error(v.retrieve.sync_detailed(client=client), 404)  # nothing was created

    # Bodies only a hand-made request can send: a missing field, a wrong type, an unknown field.
    http = client.get_httpx_client()
    missing = raw_error(
        http.post(v.path, json={"sending_domain": "mail.example.com", "approved": True}), v, 422
    )
    assert any(r.startswith("daily_send_limit") for r in missing.reasons), missing.reasons
    wrong_type = raw_error(
        http.post(
            v.path,
            json={
                "sending_domain": "mail.example.com",
                "daily_send_limit": "10",
                "approved": "yes",
            },
        ),
        v,
        422,
    )
    assert {r.split(":")[0] for r in wrong_type.reasons} == {"daily_send_limit", "approved"}
    unknown = raw_error(
        http.post(
            v.path,
            json={
                "sending_domain": "mail.example.com",
                "daily_send_limit": 10,
                "approved": True,
                "daily_limit": 10,
            },
        ),
        v,
        422,
    )
    assert any(r.startswith("daily_limit") for r in unknown.reasons), unknown.reasons

    # Update validates the same way, and leaves the subaccount as it was.
    parsed(
        v.create.sync_detailed(client=client, body=v.request("mail.example.com", 10, True)),
        200,
        v.models.SubaccountCreateResponse,
    )
    error(v.update.sync_detailed(client=client, body=v.request("-bad-.example", 10, True)), 422)
    kept = parsed(v.retrieve.sync_detailed(client=client), 200, v.models.SubaccountRetrieveResponse)
    assert kept.sending_domain == "mail.example.com"


@by_version
def test_a_body_that_is_not_json_is_400(v: Version, clients: dict[str, Any]) -> None:
    http = clients[v.name].get_httpx_client()
    err = raw_error(
        http.post(v.path, content=b"{not json", headers={"Content-Type": "application/json"}),
        v,
        400,
    )
    assert err.message
    assert err.reasons


@pytest.mark.sandbox_only
@by_version
@pytest.mark.parametrize("status", [403, 500, 503])
def test_other_documented_errors_parse_as_error(
    v: Version, status: int, target: Target, clients: dict[str, Any]
) -> None:
    """403, 500 and 503 have no documented trigger: the sandbox is told to answer them."""
    target.inject_fault("GET", v.path, status=status)
    err = error(v.retrieve.sync_detailed(client=clients[v.name]), status)
    assert err.additional_properties == {}


# --- validation of the sending domain ------------------------------------------------------------
def txt(name: str, value: str) -> maildns.DnsRecord:
    return maildns.DnsRecord(maildns.RecordType.TXT, name, value)


@pytest.mark.sandbox_only
@by_version
def test_validation_statuses_follow_what_the_sandbox_dns_serves(
    v: Version, target: Target, clients: dict[str, Any]
) -> None:
    client = clients[v.name]
    created = parsed(
        v.create.sync_detailed(client=client, body=v.request("mail.example.com", 10, True)),
        200,
        v.models.SubaccountCreateResponse,
    )
    assert created.dns_validation_status is False

    def statuses() -> tuple[bool, bool, bool]:
        got = parsed(
            v.retrieve.sync_detailed(client=client), 200, v.models.SubaccountRetrieveResponse
        )
        return (got.dns_validation_status, got.dkim_validation_status, got.spf_validation_status)

    target.publish_dns("example.com", [txt("mail.example.com", created.dns_value)])
    assert statuses() == (True, False, False)
    dkim = txt("mandrill._domainkey.mail.example.com", created.dkim_value)
    target.publish_dns("example.com", [dkim])
    assert statuses() == (True, True, False)
    # A second SPF record at the name is a permanent error: neither counts.
    target.publish_dns("example.com", [txt("mail.example.com", "v=spf1 include:other.test -all")])
    target.publish_dns("example.com", [txt("mail.example.com", SPF_VALUE)])
    assert statuses() == (True, True, False)

    # Same domain: stays validated. A new domain: new values, not validated until published.
    same = parsed(
        v.update.sync_detailed(client=client, body=v.request("mail.example.com", 20, True)),
        200,
        v.models.SubaccountUpdateResponse,
    )
    assert (same.dns_validation_status, same.dkim_validation_status) == (True, True)
    assert same.dns_value == created.dns_value
    moved = parsed(
        v.update.sync_detailed(client=client, body=v.request("mail.example.org", 20, True)),
        200,
        v.models.SubaccountUpdateResponse,
    )
    assert (moved.dns_validation_status, moved.spf_validation_status) == (False, False)
    assert moved.dns_value != created.dns_value
    target.publish_dns(
        "example.org",
        [
            txt("mail.example.org", moved.dns_value),
            txt("mandrill._domainkey.mail.example.org", moved.dkim_value),
            txt("mail.example.org", SPF_VALUE),
        ],
    )
    assert statuses() == (True, True, True)
    deleted = parsed(v.delete.sync_detailed(client=client), 200, v.models.SubaccountDeleteResponse)
    assert deleted.dns_validation_status is True
    assert deleted.sending_domain == "mail.example.org"
