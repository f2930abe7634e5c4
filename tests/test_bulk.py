"""Bulk onboarding: many domains at once, at the vendors' pace, one failure stopping only itself.

A sandbox of its own with Tesouro's limit at 10 requests/s (so a few dozen domains are bound
by it), the CLI through typer's runner, the journal on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maildns import onboarding
from maildns._cli import app
from maildns.sandbox import Sandbox

from .conftest import point_env_at

pytestmark = pytest.mark.usefixtures("no_backoff")

LIMIT = 10


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with Sandbox(rate_limits={"tesouro": LIMIT}) as sb:
        yield point_env_at(sb, monkeypatch)


def bulk_config(path: Path, sb: Sandbox, n: int) -> Path:
    """``n`` domains, each in its own zone (``mail.c<i>.example`` in ``c<i>.example``)."""
    account = f'{{customer: "{sb.telecomx_customer_id}", product: "{sb.telecomx_product_id}"}}'
    zones = "".join(f"    c{i}.example: {account}\n" for i in range(n))
    domains = "".join(f"  - domain: mail.c{i}.example\n    tesouro: {{}}\n" for i in range(n))
    path.write_text(f"version: 1\ndns:\n  vendor: telecomx\n  zones:\n{zones}domains:\n{domains}")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_a_bulk_apply_keeps_to_the_limit_and_sums_up(limited: Sandbox, tmp_path: Path) -> None:
    config = bulk_config(tmp_path / "bulk.yaml", limited, 24)
    code, stdout, stderr = run(
        "onboard", "apply", str(config), "--yes", "--json", "--concurrency", "8"
    )
    assert code == 0, stderr
    document = json.loads(stdout)
    assert document["summary"] == {
        "domains": 24,
        "done": 24,
        "failed": 0,
        "unknown": 0,
        "not_started": 0,
        "skipped": 0,
        "changes": 24 * 7,  # zone, sending domain, SPF, DKIM, two MX, DMARC
        "failed_changes": 0,
        "unknown_changes": 0,
    }
    assert document["failed_domains"] == []
    tesouro = limited.stats()["tesouro"]
    creates = dict(tesouro["operations"]["createMailboxDomain"])
    # Paced, not refused: none on a quiet machine; a busy one may delay a request past the
    # permits' 5% margin into the next window, and the refused request is retried (unpaced,
    # 25 creates at once earned 22 429s against a sandbox limited to 10/s: far more than this
    # bound). Whatever was refused, each domain was created exactly once.
    assert creates.pop("429", 0) <= 4
    assert creates == {"201": 24}
    assert tesouro["status"].get("429", 0) <= 4
    # Nothing left to do, and no listing per domain: one for the plan, one for the re-plan.
    assert run("onboard", "plan", str(config))[0] == 0
    assert limited.stats()["tesouro"]["operations"]["listMailboxDomains"]["200"] <= 3


def test_a_failing_domain_stops_only_itself(limited: Sandbox, tmp_path: Path) -> None:
    config = bulk_config(tmp_path / "bulk.yaml", limited, 6)
    # A 500 may come after the vendor acted: the step's effect is unknown, not failed.
    limited.inject_fault("telecomx", "POST", "/dns/c3.example/record", status=500, times=100)
    finished: dict[str, str | None] = {}
    applied = onboarding.apply(
        config,
        concurrency=3,
        on_domain=lambda domain, error: finished.setdefault(domain, error),
    )
    assert {d: e is None for d, e in finished.items()} == {
        f"mail.c{i}.example": i != 3 for i in range(6)
    }
    assert finished["mail.c3.example"] is not None
    assert "500" in str(finished["mail.c3.example"])
    assert applied.failed == ()
    assert {c.domain for c, _ in applied.unknown} == {"mail.c3.example"}
    assert applied.domains()["mail.c3.example"][0] == "unknown"
    assert [d.domain for d in applied.plan.domains] == [f"mail.c{i}.example" for i in range(6)]
    # The changes made are in the plan's order, whatever order the domains finished in.
    order = [c.domain for c in applied.done if c.kind == "zone"]
    assert order == sorted(order, key=lambda name: int(name[1:].split(".")[0]))

    code, stdout, _ = run("onboard", "apply", str(config), "--yes", "--json")
    assert code == 1
    document = json.loads(stdout)
    assert document["summary"]["unknown"] == 1
    assert [d["domain"] for d in document["unknown_domains"]] == ["mail.c3.example"]

    limited.clear_faults()
    code, stdout, _ = run("onboard", "apply", str(config), "--yes", "--json")
    assert code == 0
    assert json.loads(stdout)["summary"] == {
        "domains": 1,
        "done": 1,
        "failed": 0,
        "unknown": 0,
        "not_started": 0,
        "skipped": 0,
        "changes": 5,  # the records c3 was missing (DMARC among them), nothing else
        "failed_changes": 0,
        "unknown_changes": 0,
    }


def test_concurrency_is_checked(limited: Sandbox, tmp_path: Path) -> None:
    config = bulk_config(tmp_path / "bulk.yaml", limited, 1)
    code, _, stderr = run("onboard", "apply", str(config), "--yes", "--concurrency", "0")
    assert code == 64  # a usage error (EX_USAGE)
    assert "--concurrency" in stderr
    with pytest.raises(onboarding.InvalidInputError, match="concurrency: must be a whole number"):
        onboarding.plan(config, concurrency=1000)


def test_apply_streams_zones_applied_while_others_are_still_read(
    limited: Sandbox, tmp_path: Path
) -> None:
    config = bulk_config(tmp_path / "bulk.yaml", limited, 20)
    before = onboarding.plan(config)
    limited.inject_fault("telecomx", "GET", "/dns/c19.example", delay=3.0)  # the last zone read
    events: list[str] = []
    plans: list[onboarding.Plan] = []

    def on_plan(plan: onboarding.Plan) -> None:
        events.append("plan")
        plans.append(plan)

    applied = onboarding.apply(
        config,
        concurrency=4,
        on_domain=lambda domain, error: events.append(domain),
        on_plan=on_plan,
    )
    # Domains were done while the last zone was still being read; the plan came whole after.
    assert events.index("plan") > 0
    assert sorted(e for e in events if e != "plan") == sorted(d.domain for d in before.domains)
    assert plans == [applied.plan]
    assert applied.plan.checksum() == before.checksum()
    assert [d.domain for d in applied.plan.domains] == [d.domain for d in before.domains]
    assert applied.failed == ()
    assert onboarding.plan(config).has_changes is False


def test_a_zone_that_cannot_be_read_fails_its_domain_only_and_a_rerun_finishes(
    limited: Sandbox, tmp_path: Path
) -> None:
    config = bulk_config(tmp_path / "bulk.yaml", limited, 12)
    limited.inject_fault("telecomx", "GET", "/dns/c7.example", status=500, times=100)
    first = onboarding.apply(config, concurrency=3)
    outcomes = first.domains()
    assert outcomes.pop("mail.c7.example") == (
        "failed",
        "cannot read the zone c7.example: telecomx get_zone: 500 Injected fault",
    )
    assert set(outcomes.values()) == {("done", "")}  # the eleven others
    assert not first.finished
    limited.clear_faults()
    applied = onboarding.apply(config, concurrency=3)
    assert applied.failed == ()
    assert onboarding.plan(config).has_changes is False
    made = dict(limited.stats()["tesouro"]["operations"]["createMailboxDomain"])
    assert made.pop("429", 0) <= 4  # a busy machine's late request, retried (see above)
    assert made == {"201": 12}  # each once: what the first run made was not made again
