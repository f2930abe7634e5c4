"""Every example in every spec fits its schema, by the generated pydantic models and clients."""

from __future__ import annotations

import enum
from typing import Any

import jsonschema
import pydantic
import pytest

from .specs import SPECS, Example, client_model, examples, load, pydantic_model

ALL = [ex for name in SPECS for ex in examples(name)]
CONFORMING = [ex for ex in ALL if not ex.published]
PUBLISHED = [ex for ex in ALL if ex.published]


def _id(ex: Example) -> str:
    return f"{ex.spec}: {ex.where}"


def test_every_spec_has_examples() -> None:
    for name in SPECS:
        assert any(ex.spec == name for ex in CONFORMING), f"{name} carries no examples"


@pytest.mark.parametrize("ex", CONFORMING, ids=_id)
def test_example_names_a_component(ex: Example) -> None:
    assert ex.component, f"{_id(ex)}: the schema must be a $ref to a named component"


@pytest.mark.parametrize("ex", CONFORMING, ids=_id)
def test_example_validates_with_pydantic_model(ex: Example) -> None:
    model = pydantic_model(ex.spec, ex.component)
    pydantic.TypeAdapter(model).validate_python(ex.value)


@pytest.mark.parametrize("ex", CONFORMING, ids=_id)
def test_example_parses_with_generated_client(ex: Example) -> None:
    cls: Any = client_model(ex.spec, ex.component)
    if isinstance(cls, type) and issubclass(cls, enum.Enum):
        assert cls(ex.value).value == ex.value
        return
    parsed = cls.from_dict(ex.value)
    assert isinstance(parsed, cls)
    # Nothing the example carries is dropped: unknown keys land in additional_properties.
    assert set(parsed.to_dict()) == set(ex.value)


@pytest.mark.parametrize("ex", PUBLISHED, ids=_id)
def test_published_template_is_rightly_set_apart(ex: Example) -> None:
    """A vendor body kept verbatim under x-published-example really breaks a documented rule."""
    model = pydantic_model(ex.spec, ex.component)
    with pytest.raises(pydantic.ValidationError):
        pydantic.TypeAdapter(model).validate_python(ex.value)


def _inline_examples() -> list[tuple[str, str, dict[str, Any], Any]]:
    """(spec, where, schema, example) for examples kept on schemas and parameters."""
    found: list[tuple[str, str, dict[str, Any], Any]] = []
    for name in SPECS:
        spec = load(name)

        def walk(node: Any, where: str, spec_name: str = name) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("examples"), list) and "content" not in node:
                    for i, value in enumerate(node["examples"]):
                        found.append((spec_name, f"{where}.examples[{i}]", node, value))
                if "in" in node and "schema" in node:  # a parameter
                    values = [node["example"]] if "example" in node else []
                    values += [e.get("value") for e in (node.get("examples") or {}).values()]
                    for i, value in enumerate(values):
                        found.append((spec_name, f"{where} example {i}", node["schema"], value))
                for key, value in node.items():
                    if key not in ("examples", "x-published-example"):
                        walk(value, f"{where}.{key}")
            elif isinstance(node, list):
                for i, value in enumerate(node):
                    walk(value, f"{where}[{i}]")

        walk(spec, "")
    return found


INLINE = _inline_examples()


@pytest.mark.parametrize(
    ("spec", "where", "schema", "value"), INLINE, ids=[f"{s}: {w}" for s, w, _, _ in INLINE]
)
def test_schema_and_parameter_examples_fit_their_schema(
    spec: str, where: str, schema: dict[str, Any], value: Any
) -> None:
    # The spec's components ride along so that "#/components/..." refs resolve.
    root = {**schema, "components": load(spec).get("components", {})}
    jsonschema.Draft202012Validator(root).validate(value)
