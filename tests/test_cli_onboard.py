"""``maildns onboard``: exit codes, JSON documents, one-line errors; through typer and for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maildns._cli import app, parse_duration
from maildns.sandbox import Sandbox

from .conftest import write_onboard_config

pytestmark = pytest.mark.usefixtures("no_backoff")


@pytest.fixture
def config(sandbox_env: Sandbox, tmp_path: Path) -> Path:
    """A configuration file; the environment the clients read points at the sandbox."""
    return write_onboard_config(tmp_path / "onboard.yaml", sandbox_env, "    tesouro: {}\n")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_plan_apply_verify_status_and_their_exit_codes(config: Path, tmp_path: Path) -> None:
    code, stdout, _ = run("onboard", "plan", str(config), "--json")
    assert code == 2  # changes to make
    document = json.loads(stdout)
    assert document["format_version"] == "1"
    kinds = [c["kind"] for c in document["domains"][0]["changes"]]
    assert kinds == ["zone", "sending_domain", "record"]  # the record: DMARC

    code, _, stderr = run("onboard", "apply", str(config))
    assert code == 1
    assert stderr.strip().endswith(
        "error: apply needs --yes when there is no terminal to confirm on"
    )

    code, stdout, _ = run("onboard", "apply", str(config), "--yes", "--json")
    assert code == 0
    applied = json.loads(stdout)
    assert applied["failed"] == []
    assert {c["kind"] for c in applied["done"]} == {"zone", "sending_domain", "record"}

    assert run("onboard", "plan", str(config))[0] == 0  # nothing left to do
    code, stdout, _ = run("onboard", "status", str(config), "--json")
    assert code == 3  # as verify: not every domain verified (Tesouro has not been asked)
    (domain,) = json.loads(stdout)["domains"]
    assert domain["vendors"]["tesouro"]["status"] == "pending"
    assert all(r["state"] == "served" for r in domain["vendors"]["tesouro"]["records"])

    code, stdout, _ = run("onboard", "verify", str(config), "--json")
    assert code == 0
    assert json.loads(stdout)["domains"][0]["vendors"]["tesouro"]["status"] == "verified"
    assert run("onboard", "status", str(config))[0] == 0  # verified and served: 0, as verify


def test_a_saved_plan_is_applied_exactly_or_refused(config: Path, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert run("onboard", "plan", str(config), "--out", str(saved))[0] == 2
    assert json.loads(saved.read_text())["config"] == str(config.resolve())
    assert run("onboard", "apply", str(saved), "--yes")[0] == 0
    code, _, stderr = run("onboard", "apply", str(saved), "--yes")
    assert code == 1  # stale, as Terraform says: the world moved (the plan itself moved it)
    assert "error: the world changed since the plan was made: no longer planned: " in stderr
    assert "Traceback" not in stderr
    # an edited plan is refused
    document = json.loads(saved.read_text())
    document["domains"][0]["changes"][0]["vendor"] = "elsewhere"
    saved.write_text(json.dumps(document))
    code, _, stderr = run("onboard", "apply", str(saved), "--yes")
    assert code == 1
    assert "checksum does not match" in stderr


def test_verify_exits_3_when_a_record_is_missing(config: Path, sb: Sandbox) -> None:
    import maildns

    assert run("onboard", "apply", str(config), "--yes")[0] == 0
    with maildns.TelecomX() as dns:  # from the environment, like the command
        zone = dns.get_zone("example.com")
        dkim = next(r for r in zone.records if "._domainkey." in r.name)
        dns.delete_record("example.com", dkim)
    code, stdout, _ = run("onboard", "verify", str(config), "--json")
    assert code == 3
    records = json.loads(stdout)["domains"][0]["vendors"]["tesouro"]["records"]
    assert [r["name"] for r in records if not r["found"]] == [dkim.name]
    assert run("onboard", "apply", str(config), "--yes")[0] == 0  # repairs it
    assert run("onboard", "verify", str(config))[0] == 0


def test_conflicts_exit_4_until_forced(config: Path, sb: Sandbox) -> None:
    import maildns

    assert run("onboard", "apply", str(config), "--yes")[0] == 0
    with maildns.TelecomX() as dns:
        zone = dns.get_zone("example.com")
        dkim = next(r for r in zone.records if "._domainkey." in r.name)
        dns.update_record("example.com", dkim, "k=rsa; p=SOMEONEELSE")
    code, _, stderr = run("onboard", "plan", str(config))
    assert code == 4
    assert "already holds another key" in stderr
    assert run("onboard", "apply", str(config), "--yes")[0] == 4
    assert run("onboard", "apply", str(config), "--yes", "--force")[0] == 0
    assert run("onboard", "plan", str(config))[0] == 0


def test_a_bad_configuration_is_one_line_per_problem_and_exit_1(config: Path) -> None:
    config.write_text(
        config.read_text().replace("version: 1", "version: 2").replace("tesouro", "nope")
    )
    code, stdout, stderr = run("onboard", "plan", str(config))
    assert code == 1
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert lines[0].startswith("error: 2 problems in ") or lines[0].startswith("error: ")
    assert all(line.startswith("error: ") for line in lines)
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90.0), ("30s", 30.0), ("10m", 600.0), ("2h", 7200.0)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_the_installed_command_runs(config: Path) -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "maildns"), "onboard", "plan", str(config), "--json"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert json.loads(done.stdout)["summary"]["create"] == 3  # zone, domain, DMARC


def test_a_journal_that_cannot_be_opened_is_one_line(config: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, stdout, stderr = run("onboard", "plan", str(config), "--state", f"{blocker}/state")
    assert code == 1
    assert stdout == ""
    assert stderr.strip() == (
        f"error: {blocker}/state: cannot open the journal: {blocker} is not a folder"
    )


def test_a_plan_that_cannot_be_saved_is_one_line(config: Path, tmp_path: Path) -> None:
    code, _, stderr = run("onboard", "plan", str(config), "--out", str(tmp_path / "no" / "p.json"))
    assert code == 1
    assert stderr.strip().endswith("cannot save the plan: No such file or directory")
    assert len(stderr.strip().splitlines()) == 1


def test_a_bug_is_one_line_unless_debugging(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from maildns import onboarding

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something maildns did not expect")

    monkeypatch.setattr(onboarding, "plan", broken)
    code, _, stderr = run("onboard", "plan", str(config))
    assert code == 1
    assert stderr.strip() == (
        "error: unexpected RuntimeError: something maildns did not expect "
        "(set MAILDNS_DEBUG=1 for the traceback)"
    )
    monkeypatch.setenv("MAILDNS_DEBUG", "1")
    with pytest.raises(RuntimeError, match="did not expect"):
        run("onboard", "plan", str(config))


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"a": 1, "done": [], "b": {"x": [1, {"y": "two\nlines"}]}},
        {"done": [{"kind": "zone", "n": i, "quoted": 'say "hi"'} for i in range(3)], "z": None},
    ],
)
def test_json_written_item_by_item_is_what_json_dumps_writes(
    document: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    from maildns._cli._common import _print_json

    lazy = {k: iter(v) if isinstance(v, list) else v for k, v in document.items()}
    _print_json(lazy)
    assert capsys.readouterr().out == json.dumps(document, indent=2) + "\n"
