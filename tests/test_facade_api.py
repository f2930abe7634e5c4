"""The public API: names, generated sync/async twins that match, and a cheap ``import maildns``."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

import maildns
from maildns import DnsRecord, RecordType, errors, models, protocols
from maildns.vendors import DECLARATIONS, Declaration

from .conftest import ROOT

PAIRS = [
    (getattr(maildns, d.clients[0]), getattr(maildns, d.clients[1])) for d in DECLARATIONS.values()
]
# An argument for each parameter name the clients' methods take, to call every method.
ARGUMENTS: dict[str, Any] = {
    "domain": "mail.example.com",
    "record": DnsRecord(RecordType.TXT, "mail.example.com", "v=spf1 -all"),
    "new_value": "v=spf1 ~all",
    "customer": "0123456789abcdef01234567",
    "product": "89abcdef0123456789abcdef",
    "ttl": 3600,
    "daily_send_limit": 10,
    "approved": True,
}


def _public(cls: type) -> dict[str, Any]:
    return {n: f for n, f in inspect.getmembers(cls, inspect.isfunction) if not n.startswith("_")}


def test_all_is_exactly_the_public_names_and_each_is_maildns_own() -> None:
    star: dict[str, Any] = {}
    exec("from maildns import *", star)  # noqa: S102 - what a user's star import sees
    assert set(star) - {"__builtins__"} == set(maildns.__all__)
    assert dir(maildns) == sorted(maildns.__all__)
    for name in maildns.__all__:
        value = getattr(maildns, name)
        module = getattr(value, "__module__", None) or getattr(value, "__name__", "")
        if name != "__version__":
            assert module.startswith("maildns"), f"{name} comes from {module}"
    # every error, model and protocol is re-exported as itself
    for module in (errors, models, protocols):
        for name in module.__all__:
            assert getattr(maildns, name) is getattr(module, name), name
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        maildns.Nope  # noqa: B018


@pytest.mark.parametrize("declaration", DECLARATIONS.values(), ids=lambda d: d.name)
def test_each_vendor_exports_what_its_declaration_names(declaration: Declaration) -> None:
    for name, module in declaration.public_names.items():
        assert name in maildns.__all__
        value = getattr(maildns, name)
        assert value.__module__ == module
        assert value.__module__.startswith(f"maildns.vendors.{declaration.name}.")
    sync, async_ = (getattr(maildns, n) for n in declaration.clients)
    assert sync._declaration is async_._declaration is declaration


@pytest.mark.parametrize(("sync", "async_"), PAIRS, ids=lambda c: c.__name__)
def test_async_twin_has_the_same_methods_and_parameters(sync: type, async_: type) -> None:
    sync_methods = {n: f for n, f in _public(sync).items() if n != "close"}
    async_methods = {n: f for n, f in _public(async_).items() if n != "aclose"}
    assert sync_methods.keys() == async_methods.keys()
    for name, fn in sync_methods.items():
        twin = async_methods[name]
        assert inspect.signature(fn).parameters == inspect.signature(twin).parameters
        returns = str(inspect.signature(twin).return_annotation)
        if name.startswith("list_"):
            assert "AsyncIterator" in returns, name
            assert "Iterator" in str(inspect.signature(fn).return_annotation), name
        else:
            assert inspect.iscoroutinefunction(twin), name
        assert fn.__doc__, f"{sync.__name__}.{name} has no docstring"
    assert inspect.signature(sync.__init__).parameters.keys() == (
        inspect.signature(async_.__init__).parameters.keys()
    )


def _call_every_method(client: Any) -> list[tuple[str, list[Any], dict[str, Any]]]:
    names = []
    for name, fn in _public(type(client)).items():
        if name in ("close", "aclose"):
            continue
        params = list(inspect.signature(fn).parameters.values())[1:]
        args = [ARGUMENTS[p.name] for p in params if p.default is p.empty]
        kwargs = {
            p.name: ARGUMENTS[p.name]
            for p in params
            if p.default is not p.empty and p.kind is p.KEYWORD_ONLY and p.name in ARGUMENTS
        }
        names.append((name, args, kwargs))
    return names


def _transport(seen: list[str]) -> httpx.MockTransport:
    token = {"access_token": "t", "token_type": "Bearer", "expires_in": 3600}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/openid/connect/token"):
            return httpx.Response(200, json=token)
        seen.append(f"{request.method} {request.url.path} {request.content.decode()}")
        return httpx.Response(503, text="down")  # every call ends at its first request

    return httpx.MockTransport(answer)


@pytest.mark.parametrize(("sync", "async_"), PAIRS, ids=lambda c: c.__name__)
async def test_twins_drive_the_same_operation(sync: type, async_: type) -> None:
    """Each method of each twin runs the shared operation: the same first request, and the
    same error naming the method called (the async twin is not a copy that drifted)."""
    creds = {c.argument: "x" for c in sync._declaration.credentials if c.secret is False}
    creds |= {c.argument: "s" for c in sync._declaration.credentials if c.secret}
    if len(sync._declaration.credential_sets) > 1:
        creds = {a: creds[a] for a in sync._declaration.credential_sets[-1]}
    sync_seen: list[str] = []
    async_seen: list[str] = []
    client = sync(**creds, max_retries=0, http_client=httpx.Client(transport=_transport(sync_seen)))
    twin = async_(
        **creds, max_retries=0, http_client=httpx.AsyncClient(transport=_transport(async_seen))
    )

    def sync_call(name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
        result = getattr(client, name)(*args, **kwargs)
        if isinstance(result, Iterator):
            list(result)

    async def async_call(name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
        result = getattr(twin, name)(*args, **kwargs)
        if isinstance(result, AsyncIterator):
            [item async for item in result]
        else:
            await result

    for name, args, kwargs in _call_every_method(client):
        with pytest.raises(maildns.ServerError) as sync_error:
            sync_call(name, args, kwargs)
        with pytest.raises(maildns.ServerError) as async_error:
            await async_call(name, args, kwargs)
        assert sync_error.value.operation == async_error.value.operation == name
        assert sync_error.value.operation_id == async_error.value.operation_id
    assert sync_seen == async_seen
    assert len(sync_seen) == len(_call_every_method(client))  # one request each


@pytest.mark.parametrize(
    "declaration",
    [d for d in DECLARATIONS.values() if len(d.credential_sets) > 1],
    ids=lambda d: d.name,
)
def test_two_credential_sets_in_the_environment_are_refused_at_first_call(
    declaration: Declaration, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which set is meant cannot be told: nothing is preferred silently, nothing is sent."""
    for credential in declaration.credentials:
        monkeypatch.setenv(credential.env, "from-the-environment")
    seen: list[str] = []
    client = getattr(maildns, declaration.clients[0])(
        http_client=httpx.Client(transport=_transport(seen))
    )
    listing = next(n for n in _public(type(client)) if n.startswith("list_"))
    with pytest.raises(maildns.ConfigurationError, match="set only one of them") as info:
        list(getattr(client, listing)())
    for credential in declaration.credentials:
        assert credential.env in str(info.value)
    assert "from-the-environment" not in str(info.value) + repr(client)
    assert seen == []


def test_the_twins_are_generated_from_the_operations_and_current() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/twins.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    for declaration in DECLARATIONS.values():
        path = ROOT / "src" / "maildns" / "vendors" / declaration.name / "_clients.py"
        assert "Do not edit" in path.read_text()


def test_import_maildns_loads_no_http_or_vendor_client() -> None:
    code = (
        "import sys, json, maildns;"
        "heavy = ('httpx', 'pydantic', 'tesouro_client', 'telecomx_client', 'vendor_models',"
        " 'maildns.vendors.tesouro._clients', 'maildns._core.engine', 'starlette');"
        "print(json.dumps([m for m in heavy if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_building_every_client_loads_nothing_a_call_needs() -> None:
    """The generated clients, the pydantic models, stamina and the connection pool (httpcore)
    load with the first call, not when a client is built."""
    later = (
        "pydantic",
        "vendor_models",
        "tesouro_client",
        "telecomx_client",
        "ciirus_v2024_07_31_client",
        "stamina",
        "httpcore",
    )
    code = (
        "import sys, json, maildns;"
        "maildns.Tesouro(client_id='i', client_secret='s');"
        "maildns.TelecomX(token='t'); maildns.Ciirus(username='u', password='p');"
        f"print(json.dumps([m for m in {later!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
