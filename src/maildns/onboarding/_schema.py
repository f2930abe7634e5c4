"""A JSON Schema of the onboarding configuration, for editors (YAML language server) and for
people: made from what the loader checks, so that both move together.

The keys come from the loader's own lists (``_TOP_KEYS``, ``_DNS_KEYS``, ``_DOMAIN_KEYS``),
the vendors from :data:`maildns.vendors.DECLARATIONS` (who hosts DNS, who sends), and a
vendor's settings from the fields of its settings class: a field's type gives its JSON type, a
field without a default is required. What a type cannot say (a pattern, a range) is in
the field's metadata (``JSON_SCHEMA``), or for onboarding's own classes in :data:`VALUE_RULES`.
A key the loader learns must be given a schema in :func:`config_schema` too:
``tests/test_config_schema.py`` fails until it is.

The schema is draft-07, the newest the YAML language server reads. It checks the shape and the
values one by one; what needs the whole file (a domain inside a listed zone, listed once) is
the loader's alone. ``python scripts/config_schema.py`` writes it to
``docs/assets/onboarding-config.schema.json``.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Final, Literal

import attrs

from .._core.declaration import JSON_SCHEMA
from ..vendors import DECLARATIONS, DNS_HOSTS, Role
from ._accounts import ACCOUNT_MAX, own_prefix
from ._config import (
    _DNS_KEYS,
    _DOMAIN_KEYS,
    _NAME,
    _TOP_KEYS,
    _TOP_REQUIRED,
    ACCOUNT_KEY,
    NAME_MAX,
    VERSION,
)
from ._dmarc import DmarcPolicy

__all__ = ["VALUE_RULES", "config_schema"]

_MAILTO: Final = {"type": "string", "pattern": "^[mM][aA][iI][lL][tT][oO]:"}

VALUE_RULES: Final[dict[tuple[str, str], dict[str, Any]]] = {
    ("DmarcPolicy", "rua"): {"anyOf": [_MAILTO, {"type": "array", "items": _MAILTO}]},
    ("DmarcPolicy", "ruf"): {"anyOf": [_MAILTO, {"type": "array", "items": _MAILTO}]},
    ("DmarcPolicy", "pct"): {"type": "integer", "minimum": 0, "maximum": 100},
}
"""What a field of onboarding's own settings classes does not say by its type: (class name,
field) -> its schema. A vendor's settings class says it in its fields' metadata
(``JSON_SCHEMA``)."""

_SIMPLE: Final[dict[object, dict[str, Any]]] = {
    str: {"type": "string"},
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
}


def _of_type(hint: object) -> dict[str, Any]:
    """The schema of a value of Python type ``hint`` (None left out: a key given must have a
    value); ``{}`` (anything) for a type it does not know."""
    if hint in _SIMPLE:
        return dict(_SIMPLE[hint])
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        return {"enum": list(args)}
    if origin in (typing.Union, types.UnionType):
        kept = [_of_type(a) for a in args if a is not type(None)]
        return kept[0] if len(kept) == 1 else {"anyOf": kept}
    if origin in (tuple, list) and args:
        return {"type": "array", "items": _of_type(args[0])}
    return {}


def _settings(cls: type[Any], description: str) -> dict[str, Any]:
    """The schema of a settings mapping: ``cls``'s fields as keys; empty (or no value at all)
    when none is required."""
    hints = typing.get_type_hints(cls)
    fields = attrs.fields(cls)
    required = [f.name for f in fields if f.default is attrs.NOTHING]
    schema: dict[str, Any] = {
        "description": description,
        "type": "object" if required else ["object", "null"],
        "additionalProperties": False,
        "properties": {
            f.name: f.metadata.get(JSON_SCHEMA)
            or VALUE_RULES.get((cls.__name__, f.name), _of_type(hints[f.name]))
            for f in fields
        },
    }
    if required:
        schema["required"] = required
    return schema


def _dmarc(description: str) -> dict[str, Any]:
    policy = _settings(DmarcPolicy, "DmarcPolicy's arguments")
    return {"description": description, "anyOf": [{"const": False}, policy]}


def _checked(keys: tuple[str, ...], properties: dict[str, Any], where: str) -> dict[str, Any]:
    """``properties`` in the loader's order of ``keys``, which they must be exactly: a key the
    loader takes and the schema does not know (or the other way) is a mistake here."""
    if set(keys) != set(properties):
        raise AssertionError(f"{where}: the loader takes {keys}, the schema {tuple(properties)}")
    return {key: properties[key] for key in keys}


def config_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07) of the onboarding configuration."""
    hosts = list(DNS_HOSTS.values())
    senders = [d for d in DECLARATIONS.values() if Role.SENDING_DOMAINS in d.roles]
    zones: dict[str, Any] = {
        "description": "Zone name -> the DNS vendor's settings for that zone.",
        "type": "object",
        "minProperties": 1,
    }
    dns_rules: list[dict[str, Any]] = []
    if len(hosts) == 1:
        settings = hosts[0].settings_class(Role.DNS)
        zones["additionalProperties"] = _settings(settings, f"{hosts[0].name}: a zone's settings")
    else:  # the zones' settings depend on the vendor
        for host in hosts:
            schema = _settings(host.settings_class(Role.DNS), f"{host.name}: a zone's settings")
            dns_rules.append(
                {
                    "if": {"properties": {"vendor": {"const": host.name}}},
                    "then": {"properties": {"zones": {"additionalProperties": schema}}},
                }
            )
    dns: dict[str, Any] = {
        "description": "The DNS host and the zones it holds.",
        "type": "object",
        "additionalProperties": False,
        "required": list(_DNS_KEYS),
        "properties": _checked(
            _DNS_KEYS,
            {
                "vendor": {
                    "description": "The vendor that hosts the zones.",
                    "enum": [d.name for d in hosts],
                },
                "zones": zones,
            },
            "dns",
        ),
    }
    if dns_rules:
        dns["allOf"] = dns_rules
    domain_keys = _checked(
        _DOMAIN_KEYS,
        {
            "domain": {"description": "The sending domain; each listed once.", "type": "string"},
            "zone": {
                "description": "A zone of dns.zones holding the domain (default: the longest).",
                "type": "string",
            },
            "dmarc": _dmarc(
                "This domain's DMARC, key by key over the top-level one; false: "
                "leave its DMARC record alone."
            ),
        },
        "domains[]",
    )
    vendors = {}
    for d in senders:
        vendor = _settings(d.settings_class(Role.SENDING_DOMAINS), f"Send through {d.name}.")
        own = own_prefix(d)
        vendor["properties"][ACCOUNT_KEY] = {
            "description": (
                f"The {d.name} account the domain is at, by the prefix of its environment "
                f"variables ({own}_EU: {own}_EU_...); default: {own}_..."
            ),
            "type": "string",
            "maxLength": ACCOUNT_MAX,
            "pattern": "^[A-Z]([A-Z0-9_]*[A-Z0-9])?$",
            "not": {"const": own},
        }
        vendors[d.name] = vendor
    domain = {
        "type": "object",
        "additionalProperties": False,
        "required": ["domain"],
        "properties": {**domain_keys, **vendors},
        "anyOf": [{"required": [name]} for name in vendors],
    }
    top = _checked(
        _TOP_KEYS,
        {
            "version": {"description": "The format's version.", "const": VERSION},
            "name": {
                "description": "The configuration's name in the journal.",
                "type": "string",
                "maxLength": NAME_MAX,
                "pattern": f"^{_NAME.pattern}$",
            },
            "dns": dns,
            "domains": {
                "description": "The sending domains, in the order apply handles them.",
                "type": "array",
                "items": domain,
            },
            "dmarc": _dmarc(
                "The DMARC record maildns makes sure every domain has; false: leave the "
                "DMARC record of every domain without its own dmarc alone."
            ),
        },
        "",
    )
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "maildns onboarding configuration",
        "description": "The file `maildns onboard` reads (see docs/reference/onboarding.md).",
        "type": "object",
        "additionalProperties": False,
        "required": list(_TOP_REQUIRED),
        "properties": top,
    }
