"""Read the specs and find the generated code that belongs to each (shared by the spec tests)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from maildns.vendors import DECLARATIONS, Declaration

ROOT = Path(__file__).resolve().parent.parent
# Every spec in specs/, by its id: the file name with '-' and '.' as '_' (as the Makefile names
# the generated packages: ciirus-v2024.07.31.yaml -> ciirus_v2024_07_31_client).
SPECS = {re.sub(r"[-.]", "_", path.stem): path for path in sorted((ROOT / "specs").glob("*.yaml"))}
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


# libyaml's safe loader when PyYAML has it: the same documents, seven times faster, and every
# worker's collection reads all the specs.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(SPECS[name].read_text(), Loader=_LOADER)  # noqa: S506
    return data


def client_package(name: str) -> ModuleType:
    return importlib.import_module(f"{name}_client")


def pydantic_module(name: str) -> ModuleType:
    return importlib.import_module(f"vendor_models.{name}")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def pydantic_model(name: str, component: str) -> Any:
    module = pydantic_module(name)
    for attr in dir(module):
        if _norm(attr) == _norm(component):
            return getattr(module, attr)
    raise LookupError(f"vendor_models.{name} has no model for component {component!r}")


def client_model(name: str, component: str) -> Any:
    models = importlib.import_module(f"{name}_client.models")
    for attr in getattr(models, "__all__", dir(models)):
        if _norm(attr) == _norm(component):
            return getattr(models, attr)
    raise LookupError(f"{name}_client.models has no class for component {component!r}")


@dataclass(frozen=True)
class SpecPromise:
    """What maildns promises of one spec (``SPEC_PROMISES`` in the vendor's own
    ``tests/test_<vendor>.py``; ``tests/test_specs.py`` checks every spec against it)."""

    operations: frozenset[tuple[str, str]]
    """The ``(METHOD, path)`` operations maildns covers."""
    open_questions: tuple[str, ...]
    """Topics an ``x-unconfirmed`` note of the spec must mention."""
    documentation_hosts: frozenset[str]
    """The hosts of the vendor's documentation, which every published example cites."""
    our_examples: tuple[tuple[str, str], ...] = ()
    """Bodies we wrote (``("METHOD path status", example name)``), whatever their summary
    said before: each must stay labelled as ours."""


def vendor_of(spec: str) -> Declaration:
    """The declared vendor a spec belongs to: its id is the vendor's name, or starts with it
    and ``_`` (``ciirus_v2024_07_31``)."""
    found = [d for d in DECLARATIONS.values() if spec == d.name or spec.startswith(d.name + "_")]
    assert len(found) == 1, f"specs/ holds {spec!r}, which is no declared vendor's"
    return found[0]


def promise(spec: str) -> SpecPromise:
    """What the vendor's own tests (``SPEC_PROMISES`` in ``tests/test_<vendor>.py``) promise
    of ``spec``."""
    module = importlib.import_module(f"{__package__}.test_{vendor_of(spec).name}")
    promises: dict[str, SpecPromise] = getattr(module, "SPEC_PROMISES", {})
    assert spec in promises, f"{module.__name__}.SPEC_PROMISES has no entry for {spec!r}"
    return promises[spec]


@dataclass(frozen=True)
class Operation:
    spec: str
    method: str
    path: str
    op: dict[str, Any]

    @property
    def operation_id(self) -> str:
        return str(self.op.get("operationId", f"{self.method} {self.path}"))

    @property
    def path_regex(self) -> re.Pattern[str]:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(self.path))
        return re.compile(f"^{pattern}$")


def resolve(name: str, node: Any) -> Any:
    """Follow a local ``$ref`` (to a response, parameter, ...) to what it names."""
    while (
        isinstance(node, dict)
        and str(node.get("$ref", "")).startswith("#/components/")
        and (not str(node["$ref"]).startswith("#/components/schemas/"))
    ):
        target: Any = load(name)
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def responses(name: str, op: Operation) -> dict[str, Any]:
    return {status: resolve(name, r) for status, r in op.op.get("responses", {}).items()}


def operations(name: str) -> Iterator[Operation]:
    for path, item in load(name).get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield Operation(name, method.upper(), path, item[method])


@dataclass(frozen=True)
class Example:
    spec: str
    where: str
    component: str
    value: Any
    published: bool  # an x-published-example: kept verbatim, documented as not conforming


def _component_of(schema: dict[str, Any] | None) -> str | None:
    ref = (schema or {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else None


def _media_examples(name: str, where: str, content: dict[str, Any]) -> Iterator[Example]:
    for media_type, media in (content or {}).items():
        component = _component_of(media.get("schema"))
        here = f"{where} {media_type}"
        for ex_name, ex in (media.get("examples") or {}).items():
            yield Example(
                name, f"{here} examples.{ex_name}", component or "", ex.get("value"), False
            )
        if "example" in media:
            yield Example(name, f"{here} example", component or "", media["example"], False)
        published = media.get("x-published-example")
        if published is not None:
            values = published if isinstance(published, list) else [published]
            for i, item in enumerate(values):
                value = item.get("value", item) if isinstance(item, dict) else item
                yield Example(
                    name, f"{here} x-published-example[{i}]", component or "", value, True
                )


def examples(name: str) -> Iterator[Example]:
    spec = load(name)
    for op in operations(name):
        where = f"{op.method} {op.path}"
        body = resolve(name, op.op.get("requestBody", {}))
        yield from _media_examples(name, f"{where} request", body.get("content", {}))
        for status, response in responses(name, op).items():
            yield from _media_examples(name, f"{where} {status}", response.get("content", {}))
    for component, schema in spec.get("components", {}).get("schemas", {}).items():
        for i, value in enumerate(schema.get("examples") or []):
            yield Example(
                name, f"components.schemas.{component} examples[{i}]", component, value, False
            )
