"""The plan: what onboarding would change, as data that can be shown, saved and applied exactly.

A :class:`Plan` holds, per domain, the :class:`Change` s in the order they are applied and the
problems that block it. Its JSON document (``format_version`` "1") carries a ``checksum``: the
sha256 of the planned changes, so that ``apply plan.json`` can tell when the world moved since.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

import attrs

from .._core.checks import got
from ..models import RecordType
from ._accounts import is_account

FORMAT_VERSION: Final = "1"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


Action = Literal["create", "update", "delete"]
Kind = Literal["zone", "sending_domain", "record"]
ACTIONS: Final = ("create", "update", "delete")
KINDS: Final = ("zone", "sending_domain", "record")


@attrs.frozen
class Change:
    """One step: create, update or delete a zone, a sending domain or a record.

    For records, ``type``, ``name`` (fully qualified), ``value`` (the text to publish) and
    ``priority`` (MX) describe the record after the change; an update also names the value it
    replaces (``old_value``). ``reason`` says why, for people. ``prune`` marks a change that
    undoes what maildns made for a domain no longer configured (``--prune``). ``account``
    is the vendor account a sending domain's change is made at (an environment-variable
    prefix, :mod:`._accounts`; None: the vendor's own variables).
    """

    action: Action
    vendor: str
    kind: Kind
    domain: str
    type: RecordType | None = None
    name: str | None = None
    value: str | None = None
    priority: int | None = None
    old_value: str | None = None
    reason: str = ""
    prune: bool = False
    account: str | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        """(vendor, account): whose client makes this change."""
        return self.vendor, self.account

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "action": self.action,
            "vendor": self.vendor,
            "kind": self.kind,
            "domain": self.domain,
        }
        if self.account is not None:  # absent for the vendor's own: older plans' checksums hold
            data["account"] = self.account
        if self.kind == "record":
            data.update(
                {
                    "type": None if self.type is None else self.type.value,
                    "name": self.name,
                    "value": self.value,
                    "priority": self.priority,
                }
            )
            if self.old_value is not None:
                data["old_value"] = self.old_value
        if self.reason:
            data["reason"] = self.reason
        if self.prune:
            data["prune"] = True
        return data

    @classmethod
    def from_json(cls, data: object, where: str = "change") -> Change:
        """A change from its JSON; ValueError naming ``where`` in it when it is not one."""
        data = _object(data, where)
        action, kind = data.get("action"), data.get("kind")
        if action not in ACTIONS or kind not in KINDS:
            raise ValueError(f"{where}: not a change: action {_got(action)}, kind {_got(kind)}")
        record_type = _text(data, "type", where, optional=True)
        if record_type is not None and record_type not in _RECORD_TYPES:
            raise ValueError(f"{where}.type: not a record type: {_got(record_type)}")
        priority = data.get("priority")
        if priority is not None and (type(priority) is not int or not 0 <= priority <= 65535):
            raise ValueError(f"{where}.priority: must be 0 to 65535 or null, got {_got(priority)}")
        prune = data.get("prune", False)
        if not isinstance(prune, bool):
            raise ValueError(f"{where}.prune: must be true or false, got {_got(prune)}")
        account = data.get("account")
        if account is not None and not is_account(account):
            raise ValueError(f"{where}.account: not an account: {_got(account)}")
        return cls(
            action=action,
            vendor=_text(data, "vendor", where),
            kind=kind,
            domain=_text(data, "domain", where),
            type=None if record_type is None else RecordType(record_type),
            name=_text(data, "name", where, optional=True),
            value=_text(data, "value", where, optional=True),
            priority=priority,
            old_value=_text(data, "old_value", where, optional=True),
            reason=_text(data, "reason", where, optional=True) or "",
            prune=prune,
            account=account,
        )


_RECORD_TYPES: Final = frozenset(t.value for t in RecordType)


def _got(value: object) -> str:
    """A JSON value as a message shows it: its text cut short, or what kind it is."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return got(value)


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _object(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: must be an object, got {_got(value)}")
    return value


def _list(data: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"{_at(where, key)}: must be a list, got {_got(value)}")
    return value


def _text(data: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> Any:
    """``data[key]``, a string (or null and missing, when ``optional``)."""
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        what = "a string or null" if optional else "a string"
        raise ValueError(f"{_at(where, key)}: must be {what}, got {_got(value)}")
    return value


@attrs.frozen
class DomainPlan:
    """The changes for one sending domain (and its zone), and what blocks them."""

    domain: str
    zone: str
    changes: tuple[Change, ...] = ()
    problems: tuple[str, ...] = ()
    """Refusals: a conflict that needs ``--force``, an SPF over 10 lookups, ..."""
    error: str | None = None
    """Why the domain could not be planned: what it needs could not be read (its zone, a
    vendor's listing), or a vendor was unreachable. Such a domain has no changes."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "domain": self.domain,
            "zone": self.zone,
            "changes": [c.to_json() for c in self.changes],
            "problems": list(self.problems),
        }
        if self.error is not None:
            data["error"] = self.error
        return data


@attrs.frozen(repr=False)
class Plan:
    """Every domain's changes; applied in order, domain by domain."""

    domains: tuple[DomainPlan, ...] = ()
    notes: tuple[str, ...] = attrs.field(default=(), eq=False)
    """Lines for people about the journal, beside the changes (not part of the plan's JSON or
    checksum): what a prune leaves alone, a configuration that may have lost its state."""

    def __repr__(self) -> str:
        # A count, not ten thousand domains' changes: asyncio.run (3.11) reprs its result.
        counts = ", ".join(f"{n} {what}" for what, n in self.summary().items())
        return f"<Plan {counts}>"

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for d in self.domains for c in d.changes)

    @property
    def has_changes(self) -> bool:
        return any(d.changes for d in self.domains)

    @property
    def has_problems(self) -> bool:
        return any(d.problems for d in self.domains)

    @property
    def errors(self) -> tuple[tuple[str, str], ...]:
        """(domain, why) of the domains that could not be planned."""
        return tuple((d.domain, d.error) for d in self.domains if d.error is not None)

    def checksum(self) -> str:
        """sha256 of the planned changes (canonical JSON): equal plans, equal checksums."""
        # The digest of ``json.dumps([...], sort_keys=True, separators=(",", ":"))``, fed one
        # change at a time: ten thousand domains' changes are never one list or one string.
        digest = hashlib.sha256(b"[")
        for i, change in enumerate(c for d in self.domains for c in d.changes):
            if i:
                digest.update(b",")
            digest.update(_canonical(change.to_json()).encode())
        digest.update(b"]")
        return digest.hexdigest()

    def summary(self) -> dict[str, int]:
        counts = Counter(c.action for c in self.changes)
        return {
            "domains": len(self.domains),
            **{action: counts.get(action, 0) for action in ACTIONS},
            "problems": sum(len(d.problems) for d in self.domains),
            "errors": sum(1 for d in self.domains if d.error is not None),
        }

    def to_json(self) -> dict[str, Any]:
        """The versioned document ``plan --json`` prints and ``plan --out`` saves."""
        return {
            "format_version": FORMAT_VERSION,
            "checksum": self.checksum(),
            "domains": [d.to_json() for d in self.domains],
            "summary": self.summary(),
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Plan:
        """A saved plan; ValueError when it is not one, or its checksum does not match."""
        document = _object(document, "the document")
        version = document.get("format_version")
        if version != FORMAT_VERSION:
            raise ValueError(
                f"not a version {FORMAT_VERSION} plan (format_version {_got(version)})"
            )
        domains = []
        for i, item in enumerate(_list(document, "domains", "")):
            where = f"domains[{i}]"
            d = _object(item, where)
            problems = _list(d, "problems", where)
            for j, problem in enumerate(problems):
                if not isinstance(problem, str):
                    raise ValueError(
                        f"{where}.problems[{j}]: must be a string, got {_got(problem)}"
                    )
            domains.append(
                DomainPlan(
                    domain=_text(d, "domain", where),
                    zone=_text(d, "zone", where),
                    changes=tuple(
                        Change.from_json(c, f"{where}.changes[{j}]")
                        for j, c in enumerate(_list(d, "changes", where))
                    ),
                    problems=tuple(problems),
                    error=_text(d, "error", where, optional=True),
                )
            )
        plan = cls(tuple(domains))
        if plan.checksum() != document.get("checksum"):
            raise ValueError("the plan's checksum does not match its changes: it was edited")
        return plan


def moved(saved: Plan, now: Plan) -> list[str]:
    """What differs between a saved plan and the plan the world gives now (empty: nothing)."""
    before = {json.dumps(c.to_json(), sort_keys=True) for c in saved.changes}
    after = {json.dumps(c.to_json(), sort_keys=True) for c in now.changes}
    out = [f"no longer planned: {_describe(c)}" for c in saved.changes if _key(c) not in after]
    out += [f"newly needed: {_describe(c)}" for c in now.changes if _key(c) not in before]
    return out


def _key(change: Change) -> str:
    return json.dumps(change.to_json(), sort_keys=True)


def _describe(change: Change) -> str:
    if change.kind == "record":
        what = f"{change.type} {change.name} {change.value!r}"
    else:
        what = f"{change.kind} {change.domain}"
    vendor = change.vendor if change.account is None else f"{change.vendor} ({change.account})"
    return f"{change.action} {vendor} {what}"


def ordered(changes: Iterable[Change]) -> tuple[Change, ...]:
    """Dependency order: zones, then sending domains, then records (stable within each)."""
    rank = {"zone": 0, "sending_domain": 1, "record": 2}
    return tuple(sorted(changes, key=lambda c: rank[c.kind]))
