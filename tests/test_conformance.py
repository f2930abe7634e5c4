"""The conformance allow-lists (conformance/<spec>.json, read by ``make conformance``) stay
short and reasoned: every entry names an operation of its spec, a check, and why the spec
itself documents the answer the fuzzer dislikes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .specs import ROOT, SPECS, operations

ALLOWED = ROOT / "conformance"
MAX_ENTRIES = 5  # a short list: more means the sandbox or the spec needs fixing instead


def test_every_spec_has_an_allow_list_and_every_list_a_spec() -> None:
    assert {p.stem for p in ALLOWED.glob("*.json")} == {path.stem for path in SPECS.values()}


@pytest.mark.parametrize("name", SPECS)
def test_every_allowed_failure_has_a_reason_and_a_real_operation(name: str) -> None:
    document = json.loads((ALLOWED / f"{SPECS[name].stem}.json").read_text())
    assert document["format_version"] == 1  # schemathesis's baseline format
    entries = document["entries"]
    assert len(entries) <= MAX_ENTRIES
    known = {f"{op.method} {op.path}" for op in operations(name)}
    for entry in entries:
        assert entry["operation"] in known, entry
        assert entry["check"], entry
        assert entry["failure"], entry
        reason = entry.get("reason", "")
        assert len(reason.split()) >= 12, f"{entry['operation']}: give the reason in full"


def test_the_harness_runs_every_spec_with_every_check() -> None:
    script = (ROOT / "scripts" / "conformance.py").read_text()
    for needle in ('"--checks",\n            "all"', '"--mode",\n            "all"', "--baseline"):
        assert needle in script
    assert Path(ROOT / "Makefile").read_text().count("scripts/conformance.py") == 1
