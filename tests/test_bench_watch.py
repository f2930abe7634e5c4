"""The watch bench's seeding (``scripts/bench_seed.py``): domains copied from one onboarded for
real end exactly as ``apply`` and ``verify`` leave them, so that watch cannot tell them apart.

Two sandboxes of one seed: in one, three domains onboarded through ``apply`` and ``verify``; in
the other, one onboarded so and two seeded from it. Their zones at TelecomX, sending domains at
Tesouro and journal rows are the same (but for ids, sequence numbers and times, which no two
runs share), a plan of either has nothing to do, and watch finds the same targets.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import maildns
from maildns import onboarding
from maildns.onboarding._watch import targets
from maildns.sandbox import Sandbox, SandboxError

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import bench_seed  # noqa: E402
from bench_checks import sandbox_environment  # noqa: E402

DOMAINS = 3
PREFIX = "s"


def _world(sb: Sandbox, config: Path) -> dict[str, Any]:
    """What apply and verify leave, without what differs between any two runs."""
    zones = {}
    with maildns.TelecomX() as dns:
        for i in range(DOMAINS):
            zone = dns.get_zone(bench_seed.zone_name(PREFIX, i))
            zones[zone.domain] = (
                zone.serial,
                zone.ttl,
                sorted((r.type.value, r.name, r.value, r.priority) for r in zone.records),
            )
    with maildns.Tesouro() as tesouro:
        domains = {
            d.domain: {k: v for k, v in d.raw.to_dict().items() if k != "id"}
            for d in tesouro.list_sending_domains()
        }
    journal = sqlite3.connect(config.parent / ".maildns" / "state.sqlite3")
    try:
        rows = {
            "steps": Counter(
                journal.execute("SELECT domain, change, state, detail, zone, config FROM steps")
            ),
            "owned": Counter(journal.execute("SELECT * FROM owned")),
            "created": Counter(journal.execute("SELECT * FROM created")),
            "watched": Counter(journal.execute("SELECT * FROM watched")),
        }
    finally:
        journal.close()

    async def watched() -> list[Any]:
        async with onboarding.open_engine(config) as engine:
            return targets(engine)

    plan = onboarding.plan(config)
    return {
        "zones": zones,
        "tesouro": domains,
        "journal": rows,
        "plan": [c.to_json() for c in plan.changes] + list(plan.errors),
        "targets": asyncio.run(watched()),
    }


def _onboarded(tmp_path: Path, template: int) -> dict[str, Any]:
    tmp_path.mkdir()
    with Sandbox() as sb, sandbox_environment(sb):
        config = bench_seed.seed(sb, tmp_path / "watch.yaml", DOMAINS, PREFIX, template=template)
        return _world(sb, config)


def test_seeded_domains_are_what_apply_and_verify_leave(tmp_path: Path) -> None:
    applied = _onboarded(tmp_path / "applied", template=DOMAINS)
    seeded = _onboarded(tmp_path / "seeded", template=1)
    assert len(applied["zones"]) == DOMAINS
    assert {d["status"] for d in applied["tesouro"].values()} == {"verified"}
    assert len(applied["targets"]) == DOMAINS
    assert sum(applied["journal"]["created"].values()) == DOMAINS
    assert applied["plan"] == []
    assert seeded == applied


def test_seeding_a_domain_twice_is_refused(tmp_path: Path) -> None:
    with Sandbox() as sb:
        sb.create_sending_domains("tesouro", ["mail.a.example"])
        with pytest.raises(SandboxError, match=r"mail\.a\.example already"):
            sb.create_sending_domains("tesouro", ["mail.b.example", "MAIL.A.example"])
        with pytest.raises(SandboxError, match=r"no sending domain mail\.b\.example"):
            sb.verify_sending_domains("tesouro", ["mail.b.example"])
        with pytest.raises(SandboxError, match="cannot seed"):
            sb.create_sending_domains("telecomx", ["mail.c.example"])
