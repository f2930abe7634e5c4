"""RFC 1034 section 3.6.2: no CNAME at a zone apex, and a CNAME's name holds nothing else.

The facade refuses what it can know from the arguments alone (a CNAME at the apex) before any
request; the TelecomX sandbox refuses both, as a DNS host does (422, message key ``name``).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from telecomx_client import Client
from telecomx_client.api.records import add_dns_record
from telecomx_client.models import DnsRecordCreateRequest

import maildns
from maildns import DnsRecord, RecordType
from maildns._dns.rules import cname_at_apex
from maildns.sandbox import Sandbox

from .contract import recording_transport

ZONE = "example.com"
APEX_CNAME = DnsRecord(RecordType.CNAME, ZONE, "elsewhere.example.net")


# --- the facade -------------------------------------------------------------------------------
def _offline() -> tuple[maildns.TelecomX, list[httpx.Request]]:
    transport, seen = recording_transport()
    client = maildns.TelecomX(
        token="offline-token",
        base_url="https://telecomx.invalid",
        http_client=httpx.Client(transport=transport),
    )
    return client, seen


@pytest.mark.parametrize(
    "record",
    [
        APEX_CNAME,
        DnsRecord(RecordType.CNAME, "Example.COM.", "elsewhere.example.net"),
    ],
    ids=["plain", "another-spelling"],
)
def test_the_facade_refuses_a_cname_at_the_apex_before_any_request(record: DnsRecord) -> None:
    client, seen = _offline()
    with client:
        with pytest.raises(maildns.InvalidInputError) as added:
            client.add_record(ZONE, record)
        with pytest.raises(maildns.InvalidInputError) as updated:
            client.update_record(ZONE, record, "other.example.net")
    assert seen == []
    for info in (added, updated):
        (problem,) = info.value.problems
        assert problem.argument == "record.name"
        assert problem.message == (
            "a CNAME record cannot be at the zone apex example.com, which holds the zone's SOA "
            "and NS records (RFC 1034 section 3.6.2)"
        )


async def test_the_async_facade_refuses_it_too() -> None:
    transport, seen = recording_transport()
    async with maildns.AsyncTelecomX(
        token="offline-token",
        base_url="https://telecomx.invalid",
        http_client=httpx.AsyncClient(transport=transport),
    ) as client:
        with pytest.raises(maildns.InvalidInputError, match="zone apex"):
            await client.add_record(ZONE, APEX_CNAME)
    assert seen == []


def test_the_apex_problem_is_reported_with_the_others() -> None:
    client, seen = _offline()
    with client, pytest.raises(maildns.InvalidInputError) as info:
        client.update_record(ZONE, APEX_CNAME, "not a host name")
    assert [p.argument for p in info.value.problems] == ["record.name", "new_value"]
    assert seen == []


def test_what_the_facade_still_lets_through() -> None:
    """A CNAME below the apex, other types at the apex, and deleting an apex CNAME someone
    else made: only the DNS host knows the rest of the zone."""
    client, seen = _offline()
    with client:
        for record in (
            DnsRecord(RecordType.CNAME, f"www.{ZONE}", "elsewhere.example.net"),
            DnsRecord(RecordType.CNAME, f"*.{ZONE}", "elsewhere.example.net"),
            DnsRecord(RecordType.TXT, ZONE, "v=spf1 -all"),
        ):
            with pytest.raises(maildns.APIError):  # sent, and answered 599 by the transport
                client.add_record(ZONE, record)
        with pytest.raises(maildns.APIError):
            client.delete_record(ZONE, APEX_CNAME)
    assert len(seen) >= 4


def test_cname_at_apex_is_a_plain_check() -> None:
    www = DnsRecord(RecordType.CNAME, f"www.{ZONE}", "elsewhere.example.net")
    assert cname_at_apex(www, ZONE) is www
    with pytest.raises(maildns.InvalidInputError, match=r"^zone\.name: a CNAME record cannot"):
        cname_at_apex(APEX_CNAME, ZONE, "zone")


# --- the TelecomX sandbox ---------------------------------------------------------------------
@pytest.fixture
def telecomx(sb: Sandbox) -> Iterator[maildns.TelecomX]:
    with maildns.TelecomX(base_url=sb.url("telecomx"), **sb.credentials("telecomx")) as client:
        client.create_zone(ZONE, customer=sb.telecomx_customer_id, product=sb.telecomx_product_id)
        yield client


def _refused(error: pytest.ExceptionInfo[maildns.UnprocessableEntityError], words: str) -> None:
    assert (error.value.status_code, error.value.field) == (422, "name")
    assert words in str(error.value.message)


def test_the_sandbox_refuses_a_cname_beside_other_records(telecomx: maildns.TelecomX) -> None:
    telecomx.add_record(ZONE, DnsRecord(RecordType.A, f"www.{ZONE}", "192.0.2.1"))
    with pytest.raises(maildns.UnprocessableEntityError) as beside:
        telecomx.add_record(ZONE, DnsRecord(RecordType.CNAME, f"WWW.{ZONE}", "web.example.net"))
    _refused(beside, "other records have this name, so it cannot be a CNAME")

    alias = DnsRecord(RecordType.CNAME, f"alias.{ZONE}", "web.example.net")
    telecomx.add_record(ZONE, alias)
    for record in (
        DnsRecord(RecordType.TXT, f"alias.{ZONE}", "hello"),
        DnsRecord(RecordType.MX, f"alias.{ZONE}", "mx.example.net", priority=10),
        DnsRecord(RecordType.CNAME, f"alias.{ZONE}", "other.example.net"),  # one CNAME a name
    ):
        with pytest.raises(maildns.UnprocessableEntityError) as taken:
            telecomx.add_record(ZONE, record)
        _refused(taken, "this name is a CNAME, so it cannot hold other records")
    with pytest.raises(maildns.ConflictError):  # the same record again is still a duplicate
        telecomx.add_record(ZONE, alias)

    zone = telecomx.get_zone(ZONE)
    assert sorted((r.type.value, r.name) for r in zone.records) == [
        ("A", f"www.{ZONE}"),
        ("CNAME", f"alias.{ZONE}"),
    ]
    # Changing the CNAME's target is no conflict; once it is gone, the name is free.
    telecomx.update_record(ZONE, alias, "other.example.net")
    telecomx.delete_record(ZONE, DnsRecord(RecordType.CNAME, alias.name, "other.example.net"))
    telecomx.add_record(ZONE, DnsRecord(RecordType.TXT, f"alias.{ZONE}", "hello"))


@pytest.mark.parametrize("name", ["", f"{ZONE}.", f"{ZONE.upper()}."])
def test_the_sandbox_refuses_a_cname_at_the_apex(
    sb: Sandbox, telecomx: maildns.TelecomX, name: str
) -> None:
    """Sent past the facade, with the generated client, in each spelling of the apex."""
    token = httpx.post(sb.url("telecomx") + "/auth/login", json=sb.credentials("telecomx"))
    params = {"token": token.json()["token"]}
    with Client(base_url=sb.url("telecomx"), httpx_args={"params": params}) as raw:
        body = DnsRecordCreateRequest(name=name, type_="CNAME", r_data="elsewhere.example.net")
        answer = add_dns_record.sync_detailed(ZONE, client=raw, body=body)
    assert answer.status_code == 422
    assert answer.parsed is not None
    assert answer.parsed.to_dict() == {
        "error": "name",
        "message": "Name is invalid: a CNAME record cannot be at the zone apex",
    }
    assert telecomx.get_zone(ZONE).records == ()


def test_publish_dns_refuses_what_telecomx_would(sb: Sandbox) -> None:
    with pytest.raises(ValueError, match="422 name: Name is invalid: a CNAME record cannot be at"):
        sb.publish_dns(ZONE, [APEX_CNAME])
    clash = [
        DnsRecord(RecordType.TXT, f"track.{ZONE}", "v=spf1 -all"),
        DnsRecord(RecordType.CNAME, f"track.{ZONE}", "mandrillapp.com"),
    ]
    with pytest.raises(ValueError, match="other records have this name"):
        sb.publish_dns(ZONE, clash)  # checked together: nothing is added
    with maildns.TelecomX(base_url=sb.url("telecomx"), **sb.credentials("telecomx")) as client:
        assert [z.domain for z in client.list_zones()] == []
    sb.publish_dns(ZONE, clash[1:])
    sb.publish_dns(ZONE, clash[1:])  # already there: left as it is
