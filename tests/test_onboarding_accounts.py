"""Per-domain vendor accounts: a domain names its account by an environment-variable prefix.

End to end against the sandbox, whose CiiRUS has partner accounts besides the demo one
(``CIIRUS_DEMO2``, ``CIIRUS_DEMO3``), each with at most one subaccount: two CiiRUS domains on
one account are refused before anything is sent, on two accounts both are onboarded, verified
and pruned each at its own account. And what the configuration, the journal and the outputs
make of accounts: bad references, schema 4 journals, no secret anywhere.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

import maildns
from maildns import onboarding
from maildns._cli import app
from maildns.onboarding import ConfigError
from maildns.onboarding._journal import SCHEMA_VERSION, open_journal
from maildns.sandbox import Sandbox

from .conftest import write_onboard_config

pytestmark = pytest.mark.usefixtures("no_backoff")

FIRST, SECOND, THIRD = "mail.example.com", "news.example.com", "shop.example.com"
SECRETS = ("Secret123", "Secret234", "Secret345")  # the sandbox's CiiRUS passwords


def ciirus(account: str | None) -> str:
    named = "" if account is None else f", account: {account}"
    return f"    ciirus: {{daily_send_limit: 500, approved: true{named}}}\n"


def configure(sb: Sandbox, path: Path, *domains: tuple[str, str | None]) -> Path:
    """A configuration of ``domains`` (name, CiiRUS account) in the sandbox's zone."""
    (first, account), *rest = domains
    assert first == FIRST
    config = write_onboard_config(path, sb, ciirus(account))
    more = "".join(f"  - domain: {name}\n" + ciirus(acc) for name, acc in rest)
    config.write_text(config.read_text() + more)
    return config


@pytest.fixture
def accounts_env(sandbox_env: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The sandbox's environment, and the variables of its other CiiRUS accounts."""
    for name, value in sandbox_env.account_environment("ciirus").items():
        monkeypatch.setenv(name, value)
    return sandbox_env


def held(sb: Sandbox) -> dict[str | None, list[str]]:
    """The sending domain each CiiRUS account holds (None: the demo account)."""
    found: dict[str | None, list[str]] = {}
    others: dict[str | None, dict[str, str]] = {None: sb.credentials("ciirus")}
    others.update(sb.partner_accounts("ciirus"))
    for account, credentials in others.items():
        with maildns.Ciirus(base_url=sb.url("ciirus"), **credentials) as client:
            found[account] = [d.domain for d in client.list_sending_domains()]
    return found


def creates(sb: Sandbox) -> int:
    operations = sb.stats()["ciirus"]["operations"]
    return sum(operations.get("createSubaccount", {}).values())


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["onboard", *(str(a) for a in args)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


# --- one account, two domains -----------------------------------------------------------------
def test_two_ciirus_domains_on_one_account_are_refused_before_anything_is_sent(
    accounts_env: Sandbox, tmp_path: Path
) -> None:
    config = configure(
        accounts_env, tmp_path / "onboard.yaml", (FIRST, "CIIRUS_DEMO2"), (SECOND, "CIIRUS_DEMO2")
    )
    accounts_env.stats(reset=True)
    first, second = onboarding.plan(config).domains
    assert first.problems == ()
    assert second.problems == (
        "the CiiRUS account CIIRUS_DEMO2 holds 1 sending domain and mail.example.com has it: "
        "news.example.com needs a CiiRUS account of its own (give it one with `account:` "
        "under ciirus)",
    )
    code, stdout, stderr = run("plan", config)
    assert code == 4
    assert "│ create │ ciirus (CIIRUS_DEMO2) │ sending domain │" in stdout  # the table says where
    assert "refused: news.example.com: the CiiRUS account CIIRUS_DEMO2 holds" in stderr
    assert creates(accounts_env) == 0  # planning asks for nothing
    code, _, stderr = run("apply", config, "--yes")
    assert code == 4, stderr  # a refused domain
    assert "news.example.com needs a CiiRUS account of its own" in stderr
    # The first keeps the account; the second was never sent to CiiRUS.
    assert creates(accounts_env) == 1
    assert held(accounts_env) == {None: [], "CIIRUS_DEMO2": [FIRST], "CIIRUS_DEMO3": []}


def test_an_account_holding_another_domain_refuses_a_new_one_there(
    accounts_env: Sandbox, tmp_path: Path
) -> None:
    other = accounts_env.partner_accounts("ciirus")["CIIRUS_DEMO3"]
    with maildns.Ciirus(base_url=accounts_env.url("ciirus"), **other) as client:
        client.create_sending_domain(
            "other.example.org", maildns.CiirusSettings(daily_send_limit=1, approved=True)
        )
    config = configure(accounts_env, tmp_path / "onboard.yaml", (FIRST, "CIIRUS_DEMO3"))
    (domain,) = onboarding.plan(config).domains
    assert domain.problems == (
        "the CiiRUS account CIIRUS_DEMO3 already holds other.example.org (one account holds 1): "
        "mail.example.com cannot be created there",
    )
    # The same domain at another account is planned: that account is free.
    config = configure(accounts_env, tmp_path / "onboard.yaml", (FIRST, "CIIRUS_DEMO2"))
    (domain,) = onboarding.plan(config).domains
    assert domain.problems == ()


# --- two accounts, two domains ----------------------------------------------------------------
def test_two_ciirus_domains_on_two_accounts_are_onboarded_verified_and_pruned_at_their_own(
    accounts_env: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "onboard.yaml"
    config = configure(
        accounts_env, path, (FIRST, "CIIRUS_DEMO2"), (SECOND, "CIIRUS_DEMO3"), (THIRD, None)
    )
    plan = onboarding.plan(config)
    assert [d.problems for d in plan.domains] == [(), (), ()]
    made = [(c.domain, c.account) for c in plan.changes if c.kind == "sending_domain"]
    assert made == [(FIRST, "CIIRUS_DEMO2"), (SECOND, "CIIRUS_DEMO3"), (THIRD, None)]
    document = plan.to_json()
    senders = [c for d in document["domains"] for c in d["changes"] if c["kind"] != "record"]
    assert [c.get("account") for c in senders if c["vendor"] == "ciirus"] == [
        "CIIRUS_DEMO2",
        "CIIRUS_DEMO3",
        None,  # the vendor's own: no key, as before accounts
    ]

    saved = tmp_path / "plan.json"
    assert run("plan", config, "--out", saved)[0] == 2
    code, stdout, stderr = run("apply", saved, "--yes", "--json")  # exactly the saved plan
    assert code == 0, stderr
    assert json.loads(stdout)["summary"]["failed"] == 0
    assert held(accounts_env) == {None: [THIRD], "CIIRUS_DEMO2": [FIRST], "CIIRUS_DEMO3": [SECOND]}
    assert not onboarding.plan(config).has_changes

    reports = onboarding.verify(config)
    assert [(r.domain, r.verified) for r in reports] == [
        (FIRST, True),
        (SECOND, True),
        (THIRD, True),
    ]

    # news.example.com dropped, and with it the only mention of CIIRUS_DEMO3: the journal
    # knows which account holds it.
    config = configure(accounts_env, path, (FIRST, "CIIRUS_DEMO2"), (THIRD, None))
    pruning = onboarding.plan(config, prune=True)
    (dropped,) = [d for d in pruning.domains if d.domain == SECOND]
    deletes = [(c.vendor, c.account) for c in dropped.changes if c.kind == "sending_domain"]
    assert deletes == [("ciirus", "CIIRUS_DEMO3")]
    assert onboarding.apply(config, prune=True).finished
    assert held(accounts_env) == {None: [THIRD], "CIIRUS_DEMO2": [FIRST], "CIIRUS_DEMO3": []}

    # And the default account's domain dropped too: pruned at the vendor's own account.
    config = configure(accounts_env, path, (FIRST, "CIIRUS_DEMO2"))
    assert onboarding.apply(config, prune=True).finished
    assert held(accounts_env) == {None: [], "CIIRUS_DEMO2": [FIRST], "CIIRUS_DEMO3": []}


def test_a_dropped_domains_account_without_its_variables_is_not_pruned_and_says_why(
    accounts_env: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "onboard.yaml"
    config = configure(accounts_env, path, (FIRST, None), (SECOND, "CIIRUS_DEMO3"))
    assert onboarding.apply(config).finished
    config = configure(accounts_env, path, (FIRST, None))
    monkeypatch.delenv("CIIRUS_DEMO3_PASSWORD")
    (dropped,) = [d for d in onboarding.plan(config, prune=True).domains if d.domain == SECOND]
    assert (
        "cannot delete the ciirus (account CIIRUS_DEMO3) sending domain: no ciirus (account "
        "CIIRUS_DEMO3) client (account CIIRUS_DEMO3 needs CIIRUS_DEMO3_USERNAME and "
        "CIIRUS_DEMO3_PASSWORD; not set: CIIRUS_DEMO3_PASSWORD)"
    ) in dropped.problems
    assert held(accounts_env)["CIIRUS_DEMO3"] == [SECOND]


def test_each_account_has_its_own_client_and_rate_budget(
    accounts_env: Sandbox, tmp_path: Path
) -> None:
    config = configure(
        accounts_env, tmp_path / "onboard.yaml", (FIRST, "CIIRUS_DEMO2"), (SECOND, None)
    )

    async def clients() -> tuple[Any, Any]:
        async with onboarding.open_engine(config) as engine:
            return engine.providers["ciirus"], engine.accounts["ciirus", "CIIRUS_DEMO2"]

    own, named = asyncio.run(clients())
    assert own is not named
    assert own._core.pace is not named._core.pace  # one budget per credential
    # A client of the same credential, made elsewhere in the process, shares the budget.
    with maildns.Ciirus(
        base_url=accounts_env.url("ciirus"),
        **accounts_env.partner_accounts("ciirus")["CIIRUS_DEMO2"],
    ) as same:
        assert same._core.pace is named._core.pace


# --- the configuration ------------------------------------------------------------------------
def test_bad_account_references_are_reported_with_the_rest_one_line_each() -> None:
    text = """\
version: 1
dns:
  vendor: telecomx
  zones:
    example.com: {customer: "64a1f0c2b9e4d3a2c1b0f9e8", product: "64a1f0c2b9e4d3a2c1b0aaaa"}
domains:
  - domain: a.example.com
    ciirus: {daily_send_limit: 1, approved: true, account: ciirus_eu}
  - domain: b.example.com
    ciirus: {daily_send_limit: -1, approved: true, account: CIIRUS}
  - domain: c.example.com
    tesouro: {account: [TESOURO_EU]}
  - domain: d.example.com
    tesouro: {account: TESOURO_EU_, colour: red}
"""
    with pytest.raises(ConfigError) as caught:
        onboarding.loads(text, "onboard.yaml")
    rule = (
        "must be an environment-variable prefix: 1 to 40 upper-case letters, digits or '_', "
        "starting with a letter"
    )
    assert [str(p) for p in caught.value.problems] == [
        f"onboard.yaml:8: domains[0].ciirus.account: {rule}, got str 'ciirus_eu'",
        "onboard.yaml:10: domains[1].ciirus.account: CIIRUS is CiiRUS's own prefix: leave "
        "account out to use CiiRUS's own variables",
        "onboard.yaml:10: domains[1].ciirus.daily_send_limit: must be an integer of 0 or more, "
        "got -1",
        f"onboard.yaml:12: domains[2].tesouro.account: {rule}, got a list",
        f"onboard.yaml:14: domains[3].tesouro.account: {rule}, got str 'TESOURO_EU_'",
        "onboard.yaml:14: domains[3].tesouro.colour: unknown key, expected one of: account",
    ]


def test_an_account_whose_variables_are_missing_is_refused_before_any_request(
    accounts_env: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = configure(
        accounts_env,
        tmp_path / "onboard.yaml",
        (FIRST, "CIIRUS_EU"),
        (SECOND, "CIIRUS_EU"),
        (THIRD, "CIIRUS_US"),
    )
    monkeypatch.setenv("CIIRUS_US_USERNAME", "someone-in-the-us")
    accounts_env.stats(reset=True)
    code, stdout, stderr = run("plan", config)
    assert code == 1
    assert stderr.splitlines() == [
        f"error: 2 problems in {config}:",
        f"error: {config}:8: domains[0].ciirus.account: account CIIRUS_EU needs "
        "CIIRUS_EU_USERNAME and CIIRUS_EU_PASSWORD; not set: CIIRUS_EU_USERNAME, "
        "CIIRUS_EU_PASSWORD",
        f"error: {config}:12: domains[2].ciirus.account: account CIIRUS_US needs "
        "CIIRUS_US_USERNAME and CIIRUS_US_PASSWORD; not set: CIIRUS_US_PASSWORD",
    ], stderr
    assert "someone-in-the-us" not in stdout + stderr  # names, never values
    monkeypatch.setenv("CIIRUS_EU_USERNAME", "eu")
    monkeypatch.setenv("CIIRUS_EU_PASSWORD", "eu-password")
    monkeypatch.setenv("CIIRUS_EU_BASE_URL", "ftp://ciirus.example.net")
    monkeypatch.setenv("CIIRUS_US_PASSWORD", "us-password")
    code, stdout, stderr = run("plan", config)
    assert (code, stderr.splitlines()) == (
        1,
        [
            f"error: {config}:8: domains[0].ciirus.account: account CIIRUS_EU: "
            "CIIRUS_EU_BASE_URL must be an http(s) URL, got 'ftp://ciirus.example.net'"
        ],
    )
    assert all(v["requests"] == 0 for v in accounts_env.stats().values())
    assert not (tmp_path / ".maildns").exists()  # not even the journal was opened


# --- the journal ------------------------------------------------------------------------------
# Schema 4's tables (src/maildns/onboarding/_journal.py at 3cee044), verbatim.
V4_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    domain TEXT NOT NULL,
    change TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('started', 'unknown', 'done', 'failed')),
    detail TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    ended_at TEXT,
    zone TEXT NOT NULL DEFAULT '',
    seq INTEGER NOT NULL DEFAULT 0,
    config TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS owned (
    vendor TEXT NOT NULL,
    domain TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    zone TEXT NOT NULL DEFAULT '',
    priority INTEGER,
    replaced TEXT,
    config TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (config, vendor, type, name, value)
);
CREATE TABLE IF NOT EXISTS created (
    vendor TEXT NOT NULL,
    domain TEXT NOT NULL,
    zone TEXT NOT NULL DEFAULT '',
    config TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (config, vendor, domain)
);
CREATE INDEX IF NOT EXISTS steps_open ON steps (state) WHERE state IN ('started', 'unknown');
CREATE INDEX IF NOT EXISTS steps_seq ON steps (seq);
CREATE INDEX IF NOT EXISTS steps_zone ON steps (zone, seq);
CREATE INDEX IF NOT EXISTS steps_config ON steps (config, domain);
CREATE INDEX IF NOT EXISTS owned_domain ON owned (config, vendor, domain);
INSERT INTO meta VALUES ('application', 'maildns'), ('schema_version', '4');
INSERT INTO created (vendor, domain, zone, config) VALUES
    ('ciirus', 'news.example.com', 'example.com', 'onboard'),
    ('tesouro', 'news.example.com', 'example.com', 'onboard'),
    ('ciirus', 'old.example.com', 'example.com', '')
"""
V4_POSTGRES = "CREATE SEQUENCE IF NOT EXISTS step_seq;\n" + V4_SCHEMA.replace(
    "id INTEGER PRIMARY KEY AUTOINCREMENT", "id BIGSERIAL PRIMARY KEY"
).replace("seq INTEGER NOT NULL", "seq BIGINT NOT NULL")


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


@pytest.fixture(params=["sqlite", "postgresql"])
def v4_journal(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A schema 4 journal holding created sending domains (none at a named account)."""
    if request.param == "sqlite":
        path = tmp_path / "state.sqlite3"
        db = sqlite3.connect(path)
        for statement in _statements(V4_SCHEMA):
            db.execute(statement)
        db.commit()
        db.close()
        yield str(path)
        return
    dsn: str = request.getfixturevalue("postgres_dsn")
    with psycopg.connect(dsn, autocommit=True) as db, db.transaction():
        db.execute("CREATE SCHEMA maildns")
        db.execute("SET LOCAL search_path TO maildns")
        for statement in _statements(V4_POSTGRES):
            db.execute(statement)  # type: ignore[arg-type]
    yield dsn


def test_a_schema_4_journal_is_migrated_its_rows_at_the_default_account(v4_journal: str) -> None:
    with open_journal(v4_journal, "onboard") as journal:
        _, created = journal.prunable("telecomx", keep=())
        assert [(c.vendor, c.domain, c.account) for c in created] == [
            ("ciirus", "news.example.com", None),
            ("tesouro", "news.example.com", None),
        ]
        # A domain of the same name at another account is another row.
        step = journal.begin(
            onboarding.Change(
                "create", "ciirus", "sending_domain", "news.example.com", account="CIIRUS_EU"
            ),
            "example.com",
        )
        journal.done(
            step,
            onboarding.Change(
                "create", "ciirus", "sending_domain", "news.example.com", account="CIIRUS_EU"
            ),
        )
        _, created = journal.prunable("telecomx", keep=())
        assert [(c.vendor, c.account) for c in created] == [
            ("ciirus", None),
            ("ciirus", "CIIRUS_EU"),
            ("tesouro", None),
        ]
        deleted = onboarding.Change("delete", "ciirus", "sending_domain", "news.example.com")
        journal.done(journal.begin(deleted, "example.com"), deleted)
        _, created = journal.prunable("telecomx", keep=())
        assert [(c.vendor, c.account) for c in created] == [
            ("ciirus", "CIIRUS_EU"),
            ("tesouro", None),
        ]
        assert journal.unclaimed(keep=()) == ["old.example.com"]
    with open_journal(v4_journal, "onboard") as journal:  # opened again: nothing to migrate
        assert len(journal.prunable("telecomx", keep=())[1]) == 2
    if not v4_journal.startswith("postgresql"):
        db = sqlite3.connect(v4_journal)
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        db.close()
        assert version == (str(SCHEMA_VERSION),)


# --- secrets ----------------------------------------------------------------------------------
def test_no_secret_of_an_account_is_in_the_plan_journal_outputs_logs_or_errors(
    accounts_env: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "onboard.yaml"
    config = configure(accounts_env, path, (FIRST, "CIIRUS_DEMO2"), (SECOND, "CIIRUS_DEMO3"))
    shown: list[str] = []
    saved = tmp_path / "plan.json"
    for args in (
        ("plan", config, "--json", "--out", saved),
        ("apply", saved, "--yes", "--json"),
        ("status", config, "--json"),
        ("verify", config, "--json"),
    ):
        code, stdout, stderr = run(*args)
        assert code in (0, 2, 3), stderr
        shown += [stdout, stderr]
    shown.append(saved.read_text())
    db = sqlite3.connect(tmp_path / ".maildns" / "state.sqlite3")
    for table in ("steps", "owned", "created"):
        shown.append(repr(db.execute(f"SELECT * FROM {table}").fetchall()))  # noqa: S608
    db.close()
    assert any("CIIRUS_DEMO3" in text for text in shown)  # the account is there, by name

    async def engine_reprs() -> str:
        async with onboarding.open_engine(config) as engine:
            return repr(engine.accounts) + repr(engine.config)

    shown.append(asyncio.run(engine_reprs()))
    # A refused password: the error names the account, not what was sent.
    monkeypatch.setenv("CIIRUS_DEMO3_PASSWORD", "WrongSecret999")
    code, stdout, stderr = run("plan", config, "--json")
    assert code == 1
    assert "ciirus (account CIIRUS_DEMO3)" in stdout, stdout
    shown += [stdout, stderr, caplog.text]
    for text in shown:
        for secret in (*SECRETS, "WrongSecret999"):
            assert secret not in text
