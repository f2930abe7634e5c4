"""What ``watch`` reports: one :class:`Event` per change of a domain's state.

An event is a transition, never a level: a record that stays missing for a week is one
``record_missing`` when it goes and one ``record_restored`` when it comes back, and an outage
of a vendor (or of every nameserver) is one ``check_unavailable`` and one ``check_available``.
Its JSON (:meth:`Event.to_json`, ``"version": 1``) is the contract for scripts, the webhook
and the docs' reference; every string in it passes the one redaction point
(:mod:`maildns._core.secrets`), so a credential a vendor echoed into an error never leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from .._core.secrets import redact_value

EventKind = Literal[
    "record_missing",
    "record_changed",
    "record_restored",
    "vendor_unverified",
    "vendor_verified",
    "compliance_failed",
    "compliance_restored",
    "check_unavailable",
    "check_available",
    "repaired",
    "repair_refused",
]

EVENT_KINDS: Final[dict[str, str]] = {
    "record_missing": "a record a vendor asks for is no longer served: a nameserver answered "
    "without it (or NXDOMAIN), with nothing else of its type at the name",
    "record_changed": "a record a vendor asks for is no longer served as asked: the name holds "
    "another value of its type (an SPF record without the vendor's include, another DKIM key)",
    "record_restored": "a record reported missing or changed is served again by every nameserver",
    "vendor_unverified": "a vendor no longer says the domain is verified (pending, failed, or "
    "the sending domain is gone)",
    "vendor_verified": "a vendor says the domain is verified again",
    "compliance_failed": "receivers would now refuse the domain's mail (SPF over budget, DKIM "
    "key invalid, DMARC gone, ...) for a reason no record event of the same check explains",
    "compliance_restored": "receivers would accept the domain's mail again",
    "check_unavailable": 'a vendor (or every nameserver, vendor "dns") stopped answering: '
    "reported once, then checked with back-off until it answers",
    "check_available": "a vendor (or the nameservers) reported unavailable answers again",
    "repaired": "with --repair: what maildns owns was put back through the engine",
    "repair_refused": "with --repair: drift maildns cannot repair safely (a foreign edit, a "
    "change the plan refuses); nothing was written",
}
"""Every event kind and what it means (the reference lists them from here)."""

AnswerState = Literal["served", "missing", "unknown"]


@dataclass(frozen=True, slots=True)
class RecordRef:
    """The record an event is about: what the vendor asks to be published."""

    name: str
    type: str
    expected: str | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "expected": self.expected}


@dataclass(frozen=True, slots=True)
class ServerAnswer:
    """What one authoritative nameserver answered for the record."""

    server: str
    state: AnswerState
    values: tuple[str, ...] = ()
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "state": self.state,
            "values": list(self.values),
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class Event:
    """One change of state seen by watch."""

    kind: EventKind
    domain: str
    vendor: str | None
    at: datetime
    """When the check that saw it started (UTC)."""
    record: RecordRef | None = None
    answers: tuple[ServerAnswer, ...] = ()
    detail: str = ""

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}")

    def to_json(self) -> dict[str, Any]:
        """The event as a JSON object, ``"version": 1``, every string redacted."""
        document: dict[str, Any] = {
            "version": 1,
            "kind": self.kind,
            "domain": self.domain,
            "vendor": self.vendor,
            "record": None if self.record is None else self.record.to_json(),
            "answers": [a.to_json() for a in self.answers],
            "detail": self.detail,
            "at": self.at.isoformat().replace("+00:00", "Z"),
        }
        redacted: dict[str, Any] = redact_value(document)
        return redacted
