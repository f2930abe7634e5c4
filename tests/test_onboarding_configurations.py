"""Several configurations on one journal, end to end against the sandbox, on SQLite and
PostgreSQL: each plans and prunes only what it made itself.

Two files in one folder share its journal (``.maildns/state.sqlite3``), as several workers share
a PostgreSQL one. Each configuration's rows are kept under its identity (``name:``, else the
file's name), so ``plan one.yaml --prune`` never plans deleting what ``two.yaml`` made; a
configuration renamed keeps its state by giving its old identity as ``name:``; a journal written
before identities (schema 3) goes on working, its rows nobody's until a configuration that
lists their domains applies.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import maildns
from maildns import onboarding
from maildns._cli import app
from maildns.sandbox import Sandbox

from .conftest import write_onboard_config
from .journals import to_schema_3

pytestmark = pytest.mark.usefixtures("no_backoff")

ZONE = "example.com"
MAIL, NEWS, SHOP = "mail.example.com", "news.example.com", "shop.example.com"


def configuration(path: Path, sb: Sandbox, *domains: str, name: str | None = None) -> Path:
    """(Re)write ``path``: zone example.com of the sandbox's TelecomX account, ``domains`` at
    Tesouro (none: ``domains: []``), ``name`` when given."""
    text = write_onboard_config(path, sb, "    tesouro: {}\n").read_text()
    head = text[: text.index("  - domain:")]
    if not domains:
        head = head.replace("domains:\n", "domains: []\n")
    if name is not None:
        head = f"name: {name}\n" + head
    path.write_text(head + "".join(f"  - domain: {d}\n    tesouro: {{}}\n" for d in domains))
    return path


def world() -> dict[str, list[str]]:
    """Each onboarded domain's records in the zone (type and name), and Tesouro's domains."""
    with maildns.TelecomX() as dns, maildns.Tesouro() as tesouro:
        zone = dns.get_zone(ZONE)
        made = sorted(d.domain for d in tesouro.list_sending_domains())
    held: dict[str, list[str]] = {}
    for domain in (MAIL, NEWS, SHOP):
        found = [r for r in zone.records if r.name == domain or r.name.endswith("." + domain)]
        if found:
            held[domain] = sorted(f"{r.type} {r.name} {r.value}" for r in found)
    return {"tesouro": made, **held}


def applied(config: Path, **kw: object) -> onboarding.Applied:
    done = onboarding.apply(config, **kw)
    assert not done.failed, done.failed
    assert not done.plan.has_problems, done.plan
    return done


@pytest.fixture(params=["sqlite", "postgresql"])
def state(request: pytest.FixtureRequest) -> dict[str, str]:
    """The journal: SQLite beside the configurations (the default), or PostgreSQL."""
    if request.param == "sqlite":
        return {}
    return {"state": request.getfixturevalue("postgres_dsn")}


def test_two_configurations_on_one_journal_never_prune_each_other(
    sandbox_env: Sandbox, tmp_path: Path, state: dict[str, str]
) -> None:
    sb = sandbox_env
    one = configuration(tmp_path / "one.yaml", sb, MAIL, SHOP)
    two = configuration(tmp_path / "two.yaml", sb, NEWS)
    applied(one, **state)
    applied(two, **state)
    both = world()
    assert both["tesouro"] == [MAIL, NEWS, SHOP]
    assert all(both[d] for d in (MAIL, NEWS, SHOP))

    # Each knows only what it made: nothing to prune, none of the other's.
    for config in (one, two):
        plan = onboarding.plan(config, prune=True, **state)
        assert plan.changes == ()
        assert plan.notes == ()

    # A domain dropped from one is pruned, and only it.
    configuration(one, sb, MAIL)
    plan = onboarding.plan(one, prune=True, **state)
    assert {(c.domain, c.action, c.prune) for c in plan.changes} == {(SHOP, "delete", True)}
    applied(one, prune=True, **state)
    after = world()
    assert after == {"tesouro": [MAIL, NEWS], MAIL: both[MAIL], NEWS: both[NEWS]}
    for config in (one, two):
        assert not onboarding.plan(config, prune=True, **state).has_changes

    # Everything dropped from two: its own domain goes, one's stays.
    configuration(two, sb)
    plan = onboarding.plan(two, prune=True, **state)
    assert {c.domain for c in plan.changes} == {NEWS}
    applied(two, prune=True, **state)
    assert world() == {"tesouro": [MAIL], MAIL: both[MAIL]}


def test_a_renamed_configuration_keeps_its_state_by_its_old_name(
    sandbox_env: Sandbox, tmp_path: Path
) -> None:
    sb = sandbox_env
    config = configuration(tmp_path / "customers.yaml", sb, MAIL, SHOP)
    applied(config)
    renamed = config.rename(tmp_path / "customers-eu.yaml")

    plan = onboarding.plan(renamed, prune=True)
    assert plan.changes == ()
    assert plan.notes == (
        "the journal holds state for 2 of these domains under configuration 'customers', none "
        "under this one ('customers-eu'); set `name: customers` in the configuration to keep it",
    )
    result = CliRunner().invoke(app, ["onboard", "plan", str(renamed), "--prune", "--json"])
    assert result.exit_code == 0, result.stderr
    assert f"note: {plan.notes[0]}" in result.stderr.replace("\n", " ")
    # Under its new identity it made nothing: a dropped domain is not its to prune.
    configuration(renamed, sb, MAIL)
    assert onboarding.plan(renamed, prune=True).changes == ()

    configuration(renamed, sb, MAIL, name="customers")  # its state, back
    plan = onboarding.plan(renamed, prune=True)
    assert plan.notes == ()
    assert {(c.domain, c.action) for c in plan.changes} == {(SHOP, "delete")}
    applied(renamed, prune=True)
    assert world()["tesouro"] == [MAIL]
    assert onboarding.plan(renamed, prune=True).changes == ()


def test_a_schema_3_journal_goes_on_and_never_prunes_across_configurations(
    sandbox_env: Sandbox, tmp_path: Path, state: dict[str, str]
) -> None:
    sb = sandbox_env
    big = configuration(tmp_path / "big.yaml", sb, MAIL, SHOP)
    one = configuration(tmp_path / "one.yaml", sb, NEWS)
    applied(big, **state)
    applied(one, **state)
    before = world()
    # As the maildns of before left it: one journal for the folder, every row everyone's.
    journal = state.get("state") or tmp_path / ".maildns" / "state.sqlite3"
    rows = to_schema_3(journal)
    assert {r[1] for r in rows.created} == {MAIL, NEWS, SHOP}

    # What maildns of before did here: planned deleting big's domains. Now: left alone, said so.
    plan = onboarding.plan(one, prune=True, **state)
    assert plan.changes == ()
    left_alone = (
        "--prune leaves alone what maildns made for 2 domains before its journal kept "
        f"configurations apart ({MAIL}, {SHOP}): a configuration takes a domain's over by "
        "applying with it listed"
    )
    assert plan.notes == (left_alone,)
    for config in (big, one):  # and what maildns made is still known: nothing to redo
        assert onboarding.plan(config, **state).changes == ()

    # one's first apply takes its domain over: dropped, it is pruned, and only it.
    applied(one, **state)
    configuration(one, sb)
    plan = onboarding.plan(one, prune=True, **state)
    assert {c.domain for c in plan.changes} == {NEWS}
    assert plan.notes == (left_alone,)
    applied(one, prune=True, **state)
    assert world() == {"tesouro": [MAIL, SHOP], MAIL: before[MAIL], SHOP: before[SHOP]}

    # big drops shop before it applied again: shop is nobody's yet, so a prune leaves it.
    configuration(big, sb, MAIL)
    plan = onboarding.plan(big, prune=True, **state)
    assert plan.changes == ()
    assert plan.notes == (
        "--prune leaves alone what maildns made for 1 domain before its journal kept "
        f"configurations apart ({SHOP}): a configuration takes a domain's over by applying "
        "with it listed",
    )
    # Listed and applied once, it is big's: then dropping it prunes it.
    configuration(big, sb, MAIL, SHOP)
    applied(big, **state)
    configuration(big, sb, MAIL)
    plan = onboarding.plan(big, prune=True, **state)
    assert {c.domain for c in plan.changes} == {SHOP}
    assert plan.notes == ()
    applied(big, prune=True, **state)
    assert world() == {"tesouro": [MAIL], MAIL: before[MAIL]}
