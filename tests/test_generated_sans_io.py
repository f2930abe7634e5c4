"""The public sans-IO names our template adds to every generated endpoint module.

``config/templates/endpoint_module.py.jinja`` is openapi-python-client's own endpoint template
followed by a block of ours that appends, to every ``<pkg>.api.<tag>.<operation>`` module:
``OPERATION_ID``, ``RESPONSES``, ``build_request(...)`` and ``parse_json(status_code, data)``.
These tests keep the copy in step with the installed generator and check the names against the
specs. No network: nothing here sends a request.
"""

from __future__ import annotations

import copy
import importlib
import importlib.resources
import inspect
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import UUID

import httpx
import openapi_python_client
import pydantic
import pytest

from .specs import Operation, operations, resolve, responses

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "config" / "templates" / "endpoint_module.py.jinja"
MARKER = "{# --- maildns: public sans-IO names (below this line only) --- #}"

# generated package -> (vendor name of tests/specs.py and vendor_models, spec file)
PACKAGES = {
    "tesouro_client": ("tesouro", "specs/tesouro.yaml"),
    "telecomx_client": ("telecomx", "specs/telecomx.yaml"),
    "ciirus_v2023_07_31_client": ("ciirus_v2023_07_31", "specs/ciirus-v2023.07.31.yaml"),
    "ciirus_v2024_07_31_client": ("ciirus_v2024_07_31", "specs/ciirus-v2024.07.31.yaml"),
}


# --- the template copy --------------------------------------------------------------------------


def _upstream_template() -> bytes:
    templates = importlib.resources.files("openapi_python_client") / "templates"
    return (templates / "endpoint_module.py.jinja").read_bytes()


def test_template_copy_matches_installed_upstream() -> None:
    ours = TEMPLATE.read_bytes()
    marker = MARKER.encode()
    lines = ours.splitlines(keepends=True)
    at = [i for i, line in enumerate(lines) if line.rstrip(b"\r\n") == marker]
    assert len(at) == 1, f"{TEMPLATE.relative_to(ROOT)} must hold the marker line {MARKER!r} once"
    copied = b"".join(lines[: at[0]])
    assert copied == _upstream_template(), (
        f"{TEMPLATE.relative_to(ROOT)}, above the marker line, is no longer a byte-for-byte copy "
        f"of openapi-python-client {openapi_python_client.__version__}'s "
        "templates/endpoint_module.py.jinja (after a generator upgrade, or an edit above the "
        "marker). Re-copy the installed upstream template, re-append everything from the marker "
        "line on unchanged, then run `make generate` and `make check-generated`."
    )


# --- every endpoint module against its spec -----------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    package: str
    vendor: str
    module: ModuleType

    @property
    def where(self) -> str:
        return self.module.__name__

    @property
    def operation_id(self) -> str:
        return str(self.module.OPERATION_ID)


def _endpoint_modules(package: str) -> list[ModuleType]:
    api = importlib.import_module(f"{package}.api")
    found = []
    for info in pkgutil.walk_packages(api.__path__, prefix=f"{api.__name__}."):
        if not info.ispkg:
            found.append(importlib.import_module(info.name))
    return found


ENDPOINTS = [
    Endpoint(package, vendor, module)
    for package, (vendor, _) in PACKAGES.items()
    for module in _endpoint_modules(package)
]


def _spec_operations(vendor: str) -> dict[str, Operation]:
    return {op.operation_id: op for op in operations(vendor)}


def _operation(endpoint: Endpoint) -> Operation:
    ops = _spec_operations(endpoint.vendor)
    op_id = endpoint.operation_id
    spec = PACKAGES[endpoint.package][1]
    assert op_id in ops, f"{endpoint.where}: OPERATION_ID {op_id!r} is no operationId in {spec}"
    return ops[op_id]


def _json_schema_component(vendor: str, response: dict[str, Any]) -> str | None:
    """The component a response's JSON body is a ``$ref`` to; None for a response without one."""
    media = (response.get("content") or {}).get("application/json")
    if media is None or media.get("schema") is None:
        return None
    ref = str(resolve(vendor, media["schema"]).get("$ref", ""))
    assert ref.startswith("#/components/schemas/"), f"{vendor}: a body schema is not a $ref"
    return ref.rsplit("/", 1)[-1]


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def test_endpoint_modules_are_found() -> None:
    for package in PACKAGES:
        assert any(e.package == package for e in ENDPOINTS), f"no endpoint modules in {package}.api"


@pytest.mark.parametrize("package", list(PACKAGES))
def test_every_operation_has_exactly_one_module(package: str) -> None:
    vendor, spec = PACKAGES[package]
    ids = [e.operation_id for e in ENDPOINTS if e.package == package]
    assert sorted(ids) == sorted(_spec_operations(vendor)), (
        f"{package}: the endpoint modules' OPERATION_IDs must be the operationIds of {spec}, "
        "one module each"
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.where)
def test_operation_id_is_the_specs(endpoint: Endpoint) -> None:
    op = _operation(endpoint)
    assert endpoint.operation_id == op.op["operationId"], (
        f"{endpoint.where}: OPERATION_ID must be the spec's operationId exactly"
    )
    # The module is named after the operationId (openapi-python-client's snake_case of it).
    assert (
        endpoint.where.rsplit(".", 1)[-1]
        == re.sub(r"(?<!^)(?=[A-Z])", "_", op.operation_id).lower()
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.where)
def test_responses_are_the_documented_statuses(endpoint: Endpoint) -> None:
    op = _operation(endpoint)
    documented = responses(endpoint.vendor, op)
    got: dict[int, Any] = endpoint.module.RESPONSES
    assert set(got) == {int(status) for status in documented}, (
        f"{endpoint.where}: RESPONSES keys must be the statuses {op.operation_id} documents"
    )
    for status, response in documented.items():
        cls = got[int(status)]
        component = _json_schema_component(endpoint.vendor, response)
        if component is None:
            assert cls is None, f"{endpoint.where}: {status} has no JSON body, RESPONSES says {cls}"
            continue
        assert cls is not None, f"{endpoint.where}: {status} answers with {component}, not None"
        assert callable(getattr(cls, "from_dict", None)), f"{cls!r} has no from_dict"
        assert _norm(cls.__name__) == _norm(component), (
            f"{endpoint.where}: RESPONSES[{status}] is {cls.__name__}, the spec says {component}"
        )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.where)
def test_response_classes_have_a_pydantic_twin_of_the_same_name(endpoint: Endpoint) -> None:
    models = importlib.import_module(f"vendor_models.{endpoint.vendor}")
    for status, cls in endpoint.module.RESPONSES.items():
        if cls is None:
            continue
        twin = getattr(models, cls.__name__, None)
        twin_is_a_model = isinstance(twin, type) and issubclass(twin, pydantic.BaseModel)
        assert twin_is_a_model, (
            f"{endpoint.where}: RESPONSES[{status}] is {cls.__name__}, but vendor_models."
            f"{endpoint.vendor} has no pydantic model named {cls.__name__}. The facade relies on "
            "this name correspondence: it finds the pydantic model of a generated response class "
            f"as vendor_models.{endpoint.vendor}.{cls.__name__}, so the two generators' class "
            "names must stay the same."
        )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.where)
def test_build_request_takes_the_arguments_of_get_kwargs(endpoint: Endpoint) -> None:
    public = inspect.signature(endpoint.module.build_request)
    private = inspect.signature(endpoint.module._get_kwargs)
    assert public == private


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.where)
def test_parse_json_returns_none_for_an_undocumented_status(endpoint: Endpoint) -> None:
    for status in (299, 418, 599):
        assert status not in endpoint.module.RESPONSES
        assert endpoint.module.parse_json(status, {"unexpected": True}) is None


# --- build_request: the same request as _get_kwargs ---------------------------------------------


def _module(package: str, tag: str, name: str) -> ModuleType:
    return importlib.import_module(f"{package}.api.{tag}.{name}")


def _request_example(vendor: str, operation_id: str, example: str) -> Any:
    op = _spec_operations(vendor)[operation_id]
    body = resolve(vendor, op.op["requestBody"])
    for media in body["content"].values():
        if example in (media.get("examples") or {}):
            return copy.deepcopy(media["examples"][example]["value"])
    raise LookupError(f"{vendor} {operation_id}: no request example {example!r}")


def _body(module: ModuleType, vendor: str, example: str) -> Any:
    """The operation's generated body model, built from the spec's request example."""
    cls = inspect.signature(module.build_request).parameters["body"].annotation
    return cls.from_dict(_request_example(vendor, module.OPERATION_ID, example))


@dataclass(frozen=True)
class RequestCase:
    id: str
    package: str
    tag: str
    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    body_example: str | None
    expected: dict[str, Any]  # keys the request must carry, with their values


REQUEST_CASES = [
    RequestCase(
        "telecomx list_dns: query",
        "telecomx_client",
        "dns",
        "list_dns",
        (),
        {"customer": "64a1f0c2b9e4d3a2c1b0f9e8", "offset": 20, "limit": 50, "full": True},
        None,
        {
            "method": "get",
            "url": "/dns",
            "params": {
                "customer": "64a1f0c2b9e4d3a2c1b0f9e8",
                "offset": 20,
                "limit": 50,
                "full": True,
            },
        },
    ),
    RequestCase(
        "telecomx list_dns: defaults",
        "telecomx_client",
        "dns",
        "list_dns",
        (),
        {},
        None,
        {"method": "get", "url": "/dns", "params": {"offset": 0, "limit": 100, "full": False}},
    ),
    RequestCase(
        "telecomx add_dns_record: path and body",
        "telecomx_client",
        "records",
        "add_dns_record",
        ("example.com",),
        {},
        "mx",
        {"method": "post", "url": "/dns/example.com/record"},
    ),
    RequestCase(
        "telecomx delete_dns_record: path and query",
        "telecomx_client",
        "records",
        "delete_dns_record",
        ("example.com",),
        {"name": "mail.example.com.", "type_": "TXT", "r_data": "v=spf1 -all"},
        None,
        {
            "method": "delete",
            "url": "/dns/example.com/record",
            "params": {"name": "mail.example.com.", "type": "TXT", "rData": "v=spf1 -all"},
        },
    ),
    RequestCase(
        "tesouro create_mailbox_domain: json body and header",
        "tesouro_client",
        "mailbox_domains",
        "create_mailbox_domain",
        (),
        {"x_finops_version": "2025-06-23"},
        "mail-subdomain",
        {
            "method": "post",
            "url": "/finops/v1/mailbox-domains",
            "headers": {"x-finops-version": "2025-06-23", "Content-Type": "application/json"},
        },
    ),
    RequestCase(
        "tesouro create_access_token: form body",
        "tesouro_client",
        "access_tokens",
        "create_access_token",
        (),
        {},
        "client-credentials",
        {
            "method": "post",
            "url": "/openid/connect/token",
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        },
    ),
    RequestCase(
        "tesouro delete_mailbox_domain: uuid path and header",
        "tesouro_client",
        "mailbox_domains",
        "delete_mailbox_domain",
        (UUID("0b8c6a1e-2f3d-4c5b-9a8e-7d6c5b4a3f21"),),
        {},
        None,
        {
            "method": "delete",
            "url": "/finops/v1/mailbox-domains/0b8c6a1e-2f3d-4c5b-9a8e-7d6c5b4a3f21",
            "headers": {"x-finops-version": "2025-06-23"},
        },
    ),
    RequestCase(
        "ciirus v2023.07.31 create_subaccount: json body",
        "ciirus_v2023_07_31_client",
        "subaccount",
        "create_subaccount",
        (),
        {},
        "partnerDomain",
        {"method": "post", "url": "/v2023.07.31/emails/subaccount"},
    ),
    RequestCase(
        "ciirus v2024.07.31 update_subaccount: json body",
        "ciirus_v2024_07_31_client",
        "subaccount",
        "update_subaccount",
        (),
        {},
        "raiseLimit",
        {"method": "put", "url": "/v2024.07.31/emails/subaccount"},
    ),
    RequestCase(
        "ciirus v2024.07.31 retrieve_subaccount: no arguments",
        "ciirus_v2024_07_31_client",
        "subaccount",
        "retrieve_subaccount",
        (),
        {},
        None,
        {"method": "get", "url": "/v2024.07.31/emails/subaccount"},
    ),
]


def test_request_cases_cover_every_package() -> None:
    assert {case.package for case in REQUEST_CASES} == set(PACKAGES)


@pytest.mark.parametrize("case", REQUEST_CASES, ids=lambda c: c.id)
def test_build_request_is_get_kwargs(case: RequestCase) -> None:
    module = _module(case.package, case.tag, case.name)
    vendor = PACKAGES[case.package][0]
    kwargs = dict(case.kwargs)
    if case.body_example is not None:
        kwargs["body"] = _body(module, vendor, case.body_example)

    request = module.build_request(*case.args, **kwargs)

    assert request == module._get_kwargs(*case.args, **kwargs)
    for key, value in case.expected.items():
        assert request[key] == value, f"{case.id}: {key}"
    if case.body_example is not None:
        example = _request_example(vendor, module.OPERATION_ID, case.body_example)
        body_key = "data" if case.name == "create_access_token" else "json"
        assert request[body_key] == kwargs["body"].to_dict()
        assert set(request[body_key]) == set(example)
    # Nothing is sent: the result is plain keyword arguments that httpx accepts as they are.
    built = httpx.Client(base_url="https://example.invalid").build_request(**request)
    assert built.url.path == httpx.URL(request["url"]).path


# --- parse_json: the same model as _parse_response ----------------------------------------------


@dataclass(frozen=True)
class ResponseExample:
    package: str
    vendor: str
    operation_id: str
    status: int
    name: str
    value: Any

    @property
    def id(self) -> str:
        return f"{self.vendor} {self.operation_id} {self.status} {self.name}"


def _response_examples() -> list[ResponseExample]:
    found = []
    for package, (vendor, _) in PACKAGES.items():
        for op in operations(vendor):
            for status, response in responses(vendor, op).items():
                media = (response.get("content") or {}).get("application/json") or {}
                for name, example in (media.get("examples") or {}).items():
                    found.append(
                        ResponseExample(
                            package, vendor, op.operation_id, int(status), name, example["value"]
                        )
                    )
    return found


RESPONSE_EXAMPLES = _response_examples()


def _module_for(package: str, operation_id: str) -> ModuleType:
    for endpoint in ENDPOINTS:
        if endpoint.package == package and endpoint.operation_id == operation_id:
            return endpoint.module
    raise LookupError(f"{package}: no module for {operation_id}")


def test_response_examples_cover_every_package() -> None:
    assert {ex.package for ex in RESPONSE_EXAMPLES} == set(PACKAGES)
    assert len({(ex.package, ex.operation_id) for ex in RESPONSE_EXAMPLES}) >= 10


@pytest.mark.parametrize("ex", RESPONSE_EXAMPLES, ids=lambda ex: ex.id)
def test_parse_json_is_parse_response(ex: ResponseExample) -> None:
    module = _module_for(ex.package, ex.operation_id)
    client = importlib.import_module(ex.package).Client(base_url="https://example.invalid")
    response = httpx.Response(ex.status, json=ex.value)

    parsed = module.parse_json(ex.status, copy.deepcopy(ex.value))

    assert parsed == module._parse_response(client=client, response=response)
    assert type(parsed) is module.RESPONSES[ex.status]


def test_parse_json_without_a_json_body() -> None:
    module = _module("tesouro_client", "mailbox_domains", "delete_mailbox_domain")
    assert module.RESPONSES[204] is None
    assert module.parse_json(204, None) is None
    client = importlib.import_module("tesouro_client").Client(base_url="https://example.invalid")
    assert module._parse_response(client=client, response=httpx.Response(204)) is None
