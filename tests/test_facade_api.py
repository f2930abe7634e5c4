"""The public API: names, sync/async twins that match, and a cheap ``import maildns``."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest

import maildns
from maildns import errors

PAIRS = [
    (maildns.Tesouro, maildns.AsyncTesouro),
    (maildns.TelecomX, maildns.AsyncTelecomX),
    (maildns.Ciirus, maildns.AsyncCiirus),
]


def _public(cls: type) -> dict[str, object]:
    return {n: f for n, f in inspect.getmembers(cls, inspect.isfunction) if not n.startswith("_")}


def test_everything_in_all_resolves() -> None:
    for name in maildns.__all__:
        assert getattr(maildns, name) is not None
    for name in errors.__all__:
        assert getattr(maildns, name) is getattr(errors, name)


@pytest.mark.parametrize(("sync", "async_"), PAIRS, ids=lambda c: c.__name__)
def test_async_twin_has_the_same_methods_and_parameters(sync: type, async_: type) -> None:
    sync_methods = {n: f for n, f in _public(sync).items() if n != "close"}
    async_methods = {n: f for n, f in _public(async_).items() if n != "aclose"}
    assert sync_methods.keys() == async_methods.keys()
    for name, fn in sync_methods.items():
        twin = async_methods[name]
        assert list(inspect.signature(fn).parameters) == list(inspect.signature(twin).parameters)
        returns_async_iterator = "AsyncIterator" in str(inspect.signature(twin).return_annotation)
        assert (
            inspect.iscoroutinefunction(twin)
            or inspect.isasyncgenfunction(twin)
            or returns_async_iterator
        ), name
    init, async_init = inspect.signature(sync.__init__), inspect.signature(async_.__init__)
    assert list(init.parameters) == list(async_init.parameters)


@pytest.mark.parametrize(("sync", "async_"), PAIRS, ids=lambda c: c.__name__)
def test_twins_are_one_liners_over_shared_operations(sync: type, async_: type) -> None:
    """The async twin is not a copy: each method hands a shared operation to its core."""
    for cls in (sync, async_):
        for name, fn in _public(cls).items():
            if name in ("close", "aclose"):
                continue
            source = inspect.getsource(fn)
            assert "self._ops." in source, f"{cls.__name__}.{name} does not use the shared ops"


def test_import_maildns_loads_no_vendor_client() -> None:
    code = (
        "import sys, json, maildns;"
        "heavy = ('httpx', 'tesouro_client', 'telecomx_client', 'maildns._tesouro', 'fastapi');"
        "print(json.dumps([m for m in heavy if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
