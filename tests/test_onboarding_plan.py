"""The onboarding plan: its JSON document and its checksum (no I/O)."""

from __future__ import annotations

import hashlib
import json

import pytest

from maildns import RecordType
from maildns.onboarding._plan import Change, DomainPlan, Plan, moved, ordered

ZONE = "example.com"
DOMAIN = "mail.example.com"
TXT, MX = RecordType.TXT, RecordType.MX


# --- the document ---------------------------------------------------------------------------------
def _sample() -> Plan:
    return Plan(
        (
            DomainPlan(
                DOMAIN,
                ZONE,
                ordered(
                    [
                        Change("create", "telecomx", "record", DOMAIN, TXT, DOMAIN, "v=spf1 ~all"),
                        Change("create", "tesouro", "sending_domain", DOMAIN),
                        Change("create", "telecomx", "zone", ZONE),
                        Change(
                            "create", "telecomx", "record", DOMAIN, MX, DOMAIN, "mx.example.net", 10
                        ),
                    ]
                ),
                ("a problem",),
            ),
        )
    )


def test_the_document_is_versioned_summed_and_round_trips() -> None:
    original = _sample()
    document = json.loads(json.dumps(original.to_json()))
    assert document["format_version"] == "1"
    assert [c["kind"] for c in document["domains"][0]["changes"]] == [
        "zone",
        "sending_domain",
        "record",
        "record",
    ]
    assert document["domains"][0]["changes"][3] == {
        "action": "create",
        "vendor": "telecomx",
        "kind": "record",
        "domain": DOMAIN,
        "type": "MX",
        "name": DOMAIN,
        "value": "mx.example.net",
        "priority": 10,
    }
    assert document["summary"] == {
        "domains": 1,
        "create": 4,
        "update": 0,
        "delete": 0,
        "problems": 1,
        "errors": 0,
    }
    again = Plan.from_json(document)
    assert again == original
    assert again.checksum() == document["checksum"] == original.checksum()


def test_the_checksum_is_the_sha256_of_the_changes_canonical_json() -> None:
    # Its definition since format 1: a plan saved by an earlier maildns still loads.
    plan = Plan((*_sample().domains, DomainPlan("mail.other.example", "other.example", ())))
    canonical = json.dumps(
        [c.to_json() for c in plan.changes], sort_keys=True, separators=(",", ":")
    )
    assert plan.checksum() == hashlib.sha256(canonical.encode()).hexdigest()
    assert Plan(()).checksum() == hashlib.sha256(b"[]").hexdigest()


def test_an_edited_or_foreign_document_is_refused() -> None:
    document = _sample().to_json()
    document["domains"][0]["changes"][0]["domain"] = "other.example.com"
    with pytest.raises(ValueError, match="checksum"):
        Plan.from_json(document)
    with pytest.raises(ValueError, match="format_version"):
        Plan.from_json({**document, "format_version": "2"})


def test_moved_names_what_changed_since_the_plan_was_saved() -> None:
    saved = _sample()
    now = Plan((DomainPlan(DOMAIN, ZONE, saved.changes[:2]),))
    assert moved(saved, saved) == []
    assert moved(saved, now) == [
        "no longer planned: create telecomx TXT mail.example.com 'v=spf1 ~all'",
        "no longer planned: create telecomx MX mail.example.com 'mx.example.net'",
    ]


def test_a_plan_and_what_apply_did_repr_as_counts() -> None:
    # asyncio.run reprs the result it returns: a full repr of 10,000 domains is tens of MB.
    from maildns.onboarding._applied import Applied

    plan = Plan(_sample().domains * 10_000)
    assert (
        repr(plan)
        == "<Plan 10000 domains, 40000 create, 0 update, 0 delete, 10000 problems, 0 errors>"
    )
    applied = Applied(plan, done=plan.changes[:3])
    assert (
        repr(applied)
        == f"<Applied 3 done, 0 failed, 0 unknown, 0 not started, 0 skipped of {plan!r}>"
    )
