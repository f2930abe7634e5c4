"""The specs hold every operation the project promises, each sourced and with its errors."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from .specs import (
    SPECS,
    Operation,
    load,
    operations,
    promise,
    pydantic_model,
    responses,
    vendor_of,
)

ALL_OPS = [op for name in SPECS for op in operations(name)]


def _op_id(op: Operation) -> str:
    return f"{op.spec}: {op.method} {op.path}"


@pytest.mark.parametrize("name", SPECS)
def test_spec_is_valid_openapi_31(name: str) -> None:
    spec = load(name)
    assert str(spec["openapi"]).startswith("3.1")
    validate(spec)


@pytest.mark.parametrize("name", SPECS)
def test_spec_has_the_promised_operations_and_servers(name: str) -> None:
    present = {(op.method, op.path) for op in operations(name)}
    required = promise(name).operations
    assert required <= present, f"missing: {sorted(required - present)}"
    # every server the vendor's declaration documents is one the spec lists
    assert set(vendor_of(name).servers.values()) <= {s["url"] for s in load(name)["servers"]}


@pytest.mark.parametrize("op", ALL_OPS, ids=_op_id)
def test_operation_is_named_tagged_and_sourced(op: Operation) -> None:
    assert op.op.get("operationId"), "no operationId"
    assert len(op.op.get("tags", [])) == 1, "needs exactly one tag"
    assert op.op.get("summary"), "no summary"
    sources = op.op.get("x-source")
    assert isinstance(sources, list), "x-source must be a list of vendor doc URLs"
    assert sources, "x-source is empty"
    assert all(str(s).startswith("https://") for s in sources), sources


@pytest.mark.parametrize("name", SPECS)
def test_operation_ids_are_unique(name: str) -> None:
    ids = [op.operation_id for op in operations(name)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("op", ALL_OPS, ids=_op_id)
def test_every_documented_response_has_a_schema(op: Operation) -> None:
    answers = responses(op.spec, op)
    assert any(s.startswith("2") for s in answers), "no success response"
    assert any(s.startswith("4") for s in answers), "no documented error"
    for status, response in answers.items():
        if status == "204":
            assert "content" not in response
            continue
        content = response.get("content")
        assert content, f"{status} has no content schema"
        for media in content.values():
            assert "$ref" in media.get("schema", {}), f"{status}: schema must be a named $ref"


@pytest.mark.parametrize("name", SPECS)
def test_open_questions_are_recorded(name: str) -> None:
    notes: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "x-unconfirmed":
                    notes.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(load(name))
    assert notes, "no x-unconfirmed note"
    for note in notes:
        items = note if isinstance(note, list) else [note]
        for item in items:
            assert {"question", "choice"} <= set(item), (
                f"x-unconfirmed needs question+choice: {item}"
            )
    text = json.dumps(notes).lower()
    for topic in promise(name).open_questions:
        assert topic.lower() in text, f"no x-unconfirmed note mentions {topic!r}"


# --- issue 11: what the docs say, exactly ------------------------------------------------------


def test_tesouro_mailbox_operations_document_405() -> None:
    """Monite's OpenAPI lists 405 "Method Not Allowed" (ErrorSchemaResponse) on all four."""
    mailbox_ops = [op for op in operations("tesouro") if "/mailbox-domains" in op.path]
    assert len(mailbox_ops) == 4
    for op in mailbox_ops:
        answer = responses("tesouro", op).get("405")
        assert answer, f"{op.operation_id}: no 405"
        schema = answer["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorSchemaResponse"}


def _telecomx_type_patterns() -> list[tuple[str, str]]:
    spec = load("telecomx")
    schemas = spec["components"]["schemas"]
    found = [
        (f"{name}.type", schemas[name]["properties"]["type"]["pattern"])
        for name in ("DnsRecordCreateRequest", "DnsRecordUpdateRequest")
    ]
    delete = spec["paths"]["/dns/{domain}/record"]["delete"]
    found += [
        (f"deleteDnsRecord query {p['name']}", p["schema"]["pattern"])
        for p in delete["parameters"]
        if p["name"] == "type"
    ]
    return found


TYPE_PATTERNS = _telecomx_type_patterns()


@pytest.mark.parametrize(("where", "pattern"), TYPE_PATTERNS, ids=[w for w, _ in TYPE_PATTERNS])
def test_telecomx_mx_type_is_mx_space_and_0_to_65535(where: str, pattern: str) -> None:
    """'MX <priority>': 0..65535 (RFC 1035's 16-bit preference), no leading zeros.

    Python's ``re`` lets ``$`` match before a final newline, unlike JSON Schema; the generated
    model is checked for that below.
    """
    rule = re.compile(pattern)
    for accepted in ("MX 0", "MX 10", "MX 65535", "A", "AAAA", "CNAME", "SRV", "NS", "TXT"):
        assert rule.search(accepted), accepted
    for rejected in (
        "MX 65536", "MX 99999", "MX 00010", "MX 010", "MX 00", "MX 100000", "MX -1", "MX10",
        "MX  10", "MX 10 ", " MX 10", "mx 10", "MX", "MX ", "MX 1e3",
    ):  # fmt: skip
        assert not rule.search(rejected), rejected
    # Every priority, exhaustively: exactly 0..65535, each in its one canonical spelling.
    assert all(rule.search(f"MX {n}") for n in range(65536))
    assert not any(rule.search(f"MX {n}") for n in range(65536, 100000))
    assert not any(rule.search(f"MX 0{n}") for n in range(0, 100000, 7))


def test_telecomx_generated_record_model_takes_the_same_priorities() -> None:
    import pydantic

    model = pydantic_model("telecomx", "DnsRecordCreateRequest")
    for ok in ("MX 0", "MX 10", "MX 65535"):
        model.model_validate({"name": "", "type": ok, "rData": "mail.telecomx.dk"})
    # (pydantic's regex engine, as JSON Schema, takes `$` for the end: no trailing newline either)
    for bad in ("MX 65536", "MX 99999", "MX 00010", "MX 010", "MX 10\n"):
        with pytest.raises(pydantic.ValidationError):
            model.model_validate({"name": "", "type": bad, "rData": "mail.telecomx.dk"})


# Success statuses no page states (each an inference from the docs): marked, not asserted.
INFERRED_SUCCESS = [
    ("telecomx", "POST", "/dns"),
    ("ciirus_v2023_07_31", "PUT", "/v2023.07.31/emails/subaccount"),
    ("ciirus_v2024_07_31", "PUT", "/v2024.07.31/emails/subaccount"),
]


@pytest.mark.parametrize(("name", "method", "path"), INFERRED_SUCCESS)
def test_inferred_success_status_is_marked_unconfirmed(name: str, method: str, path: str) -> None:
    (op,) = [o for o in operations(name) if (o.method, o.path) == (method, path)]
    success = sorted(s for s in op.op["responses"] if s.startswith("2"))
    questions = [n["question"] for n in op.op.get("x-unconfirmed", [])]
    assert any("status" in q and "success" in q.lower() for q in questions), questions
    notes = " ".join(f"{n['question']} {n['choice']}" for n in op.op["x-unconfirmed"])
    assert all(s in notes for s in success), (success, notes)


def test_telecomx_inferences_are_marked_unconfirmed() -> None:
    schemas = load("telecomx")["components"]["schemas"]
    strict = schemas["DnsCreateRequest"]
    assert strict["additionalProperties"] is False
    assert any("additionalProperties" in n["choice"] for n in strict.get("x-unconfirmed", []))
    serial = schemas["Dns"]["properties"]["serial"]
    assert "bumped on every change" not in serial["description"]
    assert any("serial" in n["question"] for n in serial.get("x-unconfirmed", []))
