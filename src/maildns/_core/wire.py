"""The one place that touches generated endpoint modules, through their public sans-IO names.

Every endpoint module of a generated client (``config/templates/`` adds these) has
``OPERATION_ID``, ``RESPONSES`` (status -> generated attrs model), ``build_request(...)``
(httpx arguments, nothing sent) and ``parse_json(status, data)``. An :class:`Endpoint` wraps
one of them and adds the fast path: each answer is validated against the spec by the pydantic
model of the same name in ``vendor_models.<vendor>`` (pydantic-core, straight from the bytes),
and the attrs model is built only when someone reads it (a result's ``raw``). The pydantic
models are imported on the first answer, not when a client is built.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

Validator = Callable[[bytes], Any]


class Endpoint:
    """One generated operation of one vendor's client package, loaded on first use (building
    a client imports no generated code)."""

    def __init__(self, module: str, models: str, tuned: str | None = None) -> None:
        """``module``: the generated endpoint module's name; ``models``: the ``vendor_models``
        module whose pydantic classes carry the same names as the module's ``RESPONSES``;
        ``tuned``: a module looked in first, for models the vendor validates differently."""
        self._name = module
        self._models = models
        self._tuned = tuned
        # status -> validator, filled on first use; None: a documented status without a body
        self.validators: dict[int, Validator | None] = {}

    def __getattr__(self, name: str) -> Any:
        # Only until the first load: afterwards these are plain instance attributes.
        if name in ("operation_id", "build_request", "statuses", "_module"):
            self._load()
            return self.__dict__[name]
        raise AttributeError(name)

    def _load(self) -> None:
        module = importlib.import_module(self._name)
        self._module = module
        self.operation_id: str = module.OPERATION_ID
        self.build_request: Callable[..., dict[str, Any]] = module.build_request
        self.statuses: frozenset[int] = frozenset(module.RESPONSES)

    def validator(self, status: int) -> Validator | None:
        """Validate-from-JSON of the pydantic model for ``status`` (None: no body, or an
        undocumented status; check :attr:`statuses`)."""
        generated = self._module.RESPONSES.get(status)
        if generated is None:
            if status in self.statuses:
                self.validators[status] = None
            return None
        name = generated.__name__
        tuned = importlib.import_module(self._tuned) if self._tuned else None
        model = getattr(tuned, name, None) or getattr(importlib.import_module(self._models), name)
        validate: Validator = model.model_validate_json
        self.validators[status] = validate
        return validate

    def generated(self, status: int, data: Any) -> Any:
        """The generated attrs model for the decoded JSON ``data`` answered with ``status``."""
        return self._module.parse_json(status, data)

    def __repr__(self) -> str:
        return f"<Endpoint {self._name.rsplit('.', 1)[-1]}>"


class Api:
    """A generated client package and its pydantic models: ``Api("telecomx")`` is
    ``telecomx_client`` with ``vendor_models.telecomx``; ``tuned`` names a module whose
    same-named models (subclasses of the generated ones) are used instead."""

    def __init__(self, name: str, tuned: str | None = None) -> None:
        self.name = name
        self.package = f"{name}_client"
        self.models = f"vendor_models.{name}"
        self.tuned = tuned

    def endpoint(self, path: str) -> Endpoint:
        """The operation at ``<package>.<path>`` (``api.dns.get_dns``), loaded on first use."""
        return Endpoint(f"{self.package}.{path}", self.models, self.tuned)
