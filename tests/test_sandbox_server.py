"""The sandbox's hot path: what it caches still follows every change, and its plain Starlette
Tesouro app answers as the FastAPI app it replaced did (credentials first, FastAPI's 422s).

A real sandbox on loopback, raw httpx: these check the server, not a client.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from vendor_models import telecomx as telecomx_models
from vendor_models import tesouro as tesouro_models

from maildns.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
VERSION = {"x-finops-version": "2025-06-23"}


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(rate_limits={"tesouro": None}) as sandbox:  # the load test goes past 30/s
        yield sandbox


def _tesouro(sb: Sandbox) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=sb.url("tesouro"), timeout=10)
    token = client.post(
        "/openid/connect/token",
        data={"grant_type": "client_credentials", **sb.credentials("tesouro")},
    ).json()["access_token"]
    client.headers.update({"Authorization": f"Bearer {token}", **VERSION})
    return client, str(token)


DOMAINS = "/finops/v1/mailbox-domains"


def test_tesouro_checks_credentials_before_it_reads_the_body(sb: Sandbox) -> None:
    bad_json = {"content": b"{x", "headers": {"content-type": "application/json", **VERSION}}
    anonymous = httpx.post(sb.url("tesouro") + DOMAINS, **bad_json)  # type: ignore[arg-type]
    assert anonymous.status_code == 401
    assert anonymous.json() == {
        "error": {"message": 'Authorization header is missing. Expected "Bearer <token>".'}
    }

    client, _ = _tesouro(sb)
    with closing(client):
        invalid = client.post(DOMAINS, content=b"{x", headers={"content-type": "application/json"})
        assert invalid.status_code == 422
        assert invalid.json()["detail"] == [
            {
                "loc": ["body", 1],
                "msg": "JSON decode error",
                "type": "json_invalid",
                "input": {},
                "ctx": {"error": "Expecting property name enclosed in double quotes"},
            }
        ]
        # A body that is not JSON by its Content-Type (none counts) is not an object; its
        # text is quoted as text, not as a Python bytes literal.
        for headers in ({}, {"content-type": "text/plain"}):
            text = client.post(DOMAINS, content=b'{"domain":"a.example.com"}', headers=headers)
            assert text.status_code == 422
            (problem,) = text.json()["detail"]
            assert problem["type"] == "model_attributes_type"
            assert problem["input"] == '{"domain":"a.example.com"}'
        # application/*+json is JSON, as FastAPI reads it.
        ld = client.post(
            DOMAINS,
            content=b'{"domain":"ld.example.com"}',
            headers={"content-type": "application/ld+json"},
        )
        assert ld.status_code == 201, ld.text
        # Bad UTF-8 cannot be decoded at all: FastAPI's 400.
        undecodable = client.post(
            DOMAINS, content=b'{"domain":"\xff"}', headers={"content-type": "application/json"}
        )
        assert undecodable.status_code == 400
        assert undecodable.json() == {"error": {"message": "There was an error parsing the body"}}
        # Path parameters are read as FastAPI reads a UUID: hyphens and case optional.
        domain_id = ld.json()["id"]
        loose = client.post(f"{DOMAINS}/{domain_id.replace('-', '').upper()}/verify")
        assert loose.status_code == 200, loose.text
        assert loose.json()["id"] == domain_id
        not_uuid = client.post(f"{DOMAINS}/nope/verify")
        assert not_uuid.status_code == 422
        assert not_uuid.json()["detail"][0]["loc"] == ["path", "domain_id"]
        assert not_uuid.json()["detail"][0]["type"] == "uuid_parsing"


def test_tesouro_list_is_the_models_own_rendering_after_every_change(sb: Sandbox) -> None:
    client, _ = _tesouro(sb)
    with closing(client):

        def listed() -> bytes:
            answer = client.get(DOMAINS)
            assert answer.status_code == 200
            # Byte for byte what the spec's model renders for the same data.
            model = tesouro_models.DomainListResponse.model_validate_json(answer.content)
            assert answer.content == model.model_dump_json(exclude_none=True).encode()
            return answer.content

        assert listed() == b'{"data":[]}'
        first = client.post(DOMAINS, json={"domain": "one.example.com"}).json()
        second = client.post(DOMAINS, json={"domain": "two.example.com"}).json()
        before = listed()
        assert [d["domain"] for d in httpx.Response(200, content=before).json()["data"]] == [
            "one.example.com",
            "two.example.com",
        ]
        sb.advance_clock(60)
        assert client.post(f"{DOMAINS}/{first['id']}/verify").status_code == 200
        after = httpx.Response(200, content=listed()).json()["data"]
        assert after[0]["last_updated_at"] != first["last_updated_at"]  # the verified copy
        assert after[0]["dns_records"]["sending_dns_records"][0]["valid"] == "invalid"
        assert client.delete(f"{DOMAINS}/{second['id']}").status_code == 204
        assert [d["id"] for d in httpx.Response(200, content=listed()).json()["data"]] == [
            first["id"]
        ]


def test_telecomx_zone_answer_follows_every_change(sb: Sandbox) -> None:
    client = httpx.Client(base_url=sb.url("telecomx"), timeout=10)
    with closing(client):
        token = client.post("/auth/login", json=sb.credentials("telecomx")).json()["token"]
        client.params = {"token": token}
        account = {"customer": sb.telecomx_customer_id, "product": sb.telecomx_product_id}
        assert client.post("/dns", json={"_id": "example.com", **account}).status_code == 200

        def zone() -> dict[str, object]:
            answer = client.get("/dns/example.com")
            assert answer.status_code == 200
            telecomx_models.Dns.model_validate_json(answer.content)
            body: dict[str, object] = answer.json()
            return body

        empty = zone()
        assert empty["records"] == []
        assert empty["status"] == "OK"
        record = {"name": "www", "type": "A", "rData": "192.0.2.1"}
        assert client.post("/dns/example.com/record", json=record).status_code == 200
        added = zone()
        assert added["records"] == [record]
        assert added["serial"] == empty["serial"] + 1  # type: ignore[operator]
        assert client.post("/dns/example.com", json={"ttl": 600}).status_code == 200
        assert zone()["ttl"] == 600
        moved = {**record, "new": "192.0.2.2"}
        assert client.put("/dns/example.com/record", json=moved).status_code == 200
        assert zone()["records"] == [{**record, "rData": "192.0.2.2"}]
        gone = client.delete(
            "/dns/example.com/record", params={"token": token, **record, "rData": "192.0.2.2"}
        )
        assert gone.status_code == 200, gone.text
        assert zone()["records"] == []
        # The cached answer of a deleted zone is not served for a new zone of the same name.
        assert client.delete("/dns/example.com").status_code == 200
        assert client.get("/dns/example.com").status_code == 404
        assert client.post("/dns", json={"_id": "example.com", **account}).status_code == 200
        assert zone()["records"] == []


def test_telecomx_refuses_a_null_for_an_optional_property(sb: Sandbox) -> None:
    # The spec makes no property nullable: {"product": null} is a request that violates it.
    client = httpx.Client(base_url=sb.url("telecomx"), timeout=10)
    with closing(client):
        token = client.post("/auth/login", json=sb.credentials("telecomx")).json()["token"]
        client.params = {"token": token}
        account = {"customer": sb.telecomx_customer_id, "product": sb.telecomx_product_id}
        assert client.post("/dns", json={"_id": "example.com", **account}).status_code == 200
        before = client.get("/dns/example.com").json()
        for body, key in (({"product": None}, "product"), ({"ttl": None}, "ttl")):
            refused = client.post("/dns/example.com", json=body)
            assert refused.status_code == 422, refused.text
            error = telecomx_models.Error.model_validate_json(refused.content)
            assert error.error == key
            assert error.message
        created = client.post("/dns", json={"_id": "example.net", **account, "ttl": None})
        assert created.status_code == 422
        assert created.json()["error"] == "ttl"
        assert client.get("/dns/example.com").json() == before  # nothing changed
        assert client.get("/dns/example.net").status_code == 404


def test_telecomx_reads_a_repeated_query_parameter_as_its_last_value(sb: Sandbox) -> None:
    with httpx.Client(base_url=sb.url("telecomx"), timeout=10) as client:
        token = client.post("/auth/login", json=sb.credentials("telecomx")).json()["token"]
        assert client.get(f"/dns?token=wrong&token={token}").status_code == 200
        assert client.get(f"/dns?token={token}&token=wrong").status_code == 401


def _loadgen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("loadgen", ROOT / "scripts" / "loadgen.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["loadgen"] = module
    spec.loader.exec_module(module)
    return module


def test_the_bench_load_generator_counts_only_the_expected_answer(sb: Sandbox) -> None:
    loadgen = _loadgen()
    client, token = _tesouro(sb)
    with closing(client):
        client.post(DOMAINS, json={"domain": "mail.example.com"})
        expected = client.get(DOMAINS).content
    url = sb.url("tesouro") + DOMAINS
    headers = {"Authorization": f"Bearer {token}", **VERSION}
    seconds = asyncio.run(loadgen.run(url, expected, 300, 7, headers))
    assert seconds > 0
    with pytest.raises(loadgen.LoadError, match="not the expected one"):
        asyncio.run(loadgen.run(url, expected[:-1] + b" ", 20, 3, headers))
    with pytest.raises(loadgen.LoadError, match="401"):
        asyncio.run(loadgen.run(url, expected, 20, 3, VERSION))
    with pytest.raises(ValueError, match="an http URL"):
        loadgen.build_request("https://example.com/", {})
