"""Reach "``N`` domains onboarded and verified" in the sandbox without onboarding them all.

Onboarding 10,000 domains through ``apply`` and ``verify`` takes over half an hour at Tesouro's
30 requests/s (two requests a domain), and watch does not care how its domains got there. So
the first ``template`` domains are onboarded for real (``onboarding.apply`` + ``verify``), and
every other one is given what those left, domain for domain:

- at Tesouro, a sending domain made by the sandbox's own create and verify
  (:meth:`Sandbox.create_sending_domains`, :meth:`Sandbox.verify_sending_domains`: the same
  records, keys and state the two operations give, without requests);
- in the journal, the template's steps (:meth:`Journal.begin` then :meth:`Journal.done`, so the
  same ``steps``, ``owned`` and ``created`` rows), with the template's names and its vendor
  records swapped for the domain's;
- at TelecomX, the zone and the records those steps created
  (:meth:`Sandbox.publish_dns`: as ``POST /dns`` and ``POST /dns/{domain}/record`` do).

``tests/test_bench_watch.py`` checks that a seeded sandbox and journal are those an apply and a
verify leave (the same zones, sending domains and journal rows; a plan with nothing to do).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
from bench_bulk import write_config

TEMPLATE = 1
"""Domains onboarded for real, whose state every other domain copies."""
VENDOR = "tesouro"


def zone_name(prefix: str, i: int) -> str:
    return f"{prefix}{i}.example"


def domain_name(prefix: str, i: int) -> str:
    """The sending domain ``write_config`` gives zone ``i``."""
    return f"mail.{zone_name(prefix, i)}"


def _records(body: Any) -> list[tuple[str, str]]:
    """``(name, value)`` of every record in a Tesouro domain's body, in its order."""
    records = body.get("dns_records") or {}
    found = [*records.get("receiving_dns_records", ()), *records.get("sending_dns_records", ())]
    return [(str(r["name"]).rstrip(".").lower(), str(r["value"])) for r in found]


def _renamed(name: str, old: str, new: str) -> str:
    """``name`` with zone ``old`` at its end swapped for ``new`` (a name outside it as it is)."""
    if name == old:
        return new
    if name.endswith("." + old):
        return name[: -len(old)] + new
    return name


def replicate(
    steps: Sequence[Any], template: Any, body: Any, zone: str, new_zone: str
) -> list[Any]:
    """The template's changes (``steps``, in zone ``zone``, whose Tesouro body is
    ``template``) as they would be for ``new_zone``, whose Tesouro body is ``body``: names moved
    to the new zone, a record the vendor asked for swapped for the vendor's record at the same
    place in ``body`` (another DKIM selector and key)."""
    theirs = _records(template)
    ours = _records(body)
    if len(theirs) != len(ours):
        raise ValueError(
            f"{new_zone}: Tesouro gave {len(ours)} records, the template {len(theirs)}"
        )
    swap = dict(zip(theirs, ours, strict=True))
    changes = []
    for step in steps:
        change = step.change
        name, value = change.name, change.value
        if name is not None and value is not None and (name, value) in swap:
            name, value = swap[name, value]
        elif name is not None:
            name = _renamed(name, zone, new_zone)
        changes.append(
            attrs.evolve(
                change, domain=_renamed(change.domain, zone, new_zone), name=name, value=value
            )
        )
    return changes


def seed(sb: Any, config: Path, domains: int, prefix: str, *, template: int = TEMPLATE) -> Path:
    """Write ``config`` (``write_config``'s ``domains`` domains) and leave the sandbox and its
    journal as ``apply`` and ``verify`` of it would: the first ``template`` domains onboarded
    for real, the rest copied from the first. Call it inside ``sandbox_environment(sb)``."""
    from maildns import onboarding

    made = min(template, domains)
    write_config(config, sb, made, prefix=prefix)
    onboarding.apply(config, concurrency=32)
    onboarding.verify(config, concurrency=32)
    if domains > made:
        asyncio.run(_copy(sb, config, range(made, domains), prefix))
    write_config(config, sb, domains, prefix=prefix)
    return config


async def _copy(sb: Any, config: Path, indexes: range, prefix: str) -> None:
    import maildns
    from maildns import onboarding
    from maildns.models import DnsRecord

    zone = zone_name(prefix, 0)
    with maildns.Tesouro() as tesouro:
        template = tesouro.get_sending_domain(domain_name(prefix, 0)).raw
    template_body = template.to_dict()
    names = [domain_name(prefix, i) for i in indexes]
    bodies = sb.create_sending_domains(VENDOR, names)
    async with onboarding.open_engine(config) as engine:
        journal = engine.journal
        steps = [s for s in journal.steps() if s.zone == zone]
        # Tens of thousands of steps, each two commits: without a sync to disk at each (the
        # rows are the same; only a power cut could tell) they take seconds, not minutes.
        database = getattr(journal, "_db", None)
        if database is not None:
            database.execute("PRAGMA synchronous=OFF")
        for i, body in zip(indexes, bodies, strict=True):
            new_zone = zone_name(prefix, i)
            changes = replicate(steps, template_body, body, zone, new_zone)
            for change in changes:
                journal.done(journal.begin(change, new_zone), change)
            sb.publish_dns(
                new_zone,
                [
                    DnsRecord(c.type, c.name, c.value, priority=c.priority)
                    for c in changes
                    if c.kind == "record" and c.action == "create"
                ],
            )
    sb.verify_sending_domains(VENDOR, names)
