"""`make spec-diff`: scripts/spec_diff.py lists spec changes and flags the breaking ones."""

from __future__ import annotations

import copy
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from .specs import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "spec_diff"
SCRIPT = ROOT / "scripts" / "spec_diff.py"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("spec_diff", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["spec_diff"] = module
    spec.loader.exec_module(module)
    return module


spec_diff = _load_script()


def _changes(old: dict | None, new: dict | None) -> set[tuple[str, str, str]]:
    return {(c.level, c.where, c.what) for c in spec_diff.diff_specs(old, new)}


def _fixture(name: str) -> dict:
    data: dict = yaml.safe_load((FIXTURES / name).read_text())
    return data


def test_fixtures_breaking_changes() -> None:
    changes = _changes(_fixture("base.yaml"), _fixture("head.yaml"))
    breaking = {(where, what) for level, where, what in changes if level == "BREAKING"}
    assert breaking == {
        ("DELETE /zones/{id}", "operation removed"),
        ("GET /zones", "query parameter customer became required"),
        ("POST /zones request (application/json) domain", "maxLength 253 -> 200 (narrowed)"),
        ("POST /zones request (application/json) kind", "accepts fewer values: secondary removed"),
        ("POST /zones request (application/json) product", "new required field"),
        ("POST /zones request (application/json) ttl", "type integer|string -> integer (narrowed)"),
        ("POST /zones response 201 (application/json) legacy", "field removed"),
        (
            "POST /zones response 201 (application/json) serial",
            "field no longer required (may be absent)",
        ),
        ("GET /zones/{zone_id} response 200 (application/json) legacy", "field removed"),
        (
            "GET /zones/{zone_id} response 200 (application/json) serial",
            "field no longer required (may be absent)",
        ),
        ("GET /zones response 200 (application/json) data[].legacy", "field removed"),
        (
            "GET /zones response 200 (application/json) data[].serial",
            "field no longer required (may be absent)",
        ),
    }


def test_fixtures_non_breaking_changes() -> None:
    changes = _changes(_fixture("base.yaml"), _fixture("head.yaml"))
    assert ("change", "GET /zones/{zone_id}/check", "operation added") in changes
    assert ("change", "GET /zones", "new query parameter limit") in changes
    assert ("change", "POST /zones", "response 422 added") in changes
    assert ("change", "POST /zones request (application/json) note", "field added") in changes
    assert (
        "warning",
        "POST /zones response 201 (application/json) status",
        "may answer new values: failed",
    ) in changes
    # Renaming a path parameter ({id} -> {zone_id}) is not a removal.
    assert not any("parameter id" in what or "zone_id" in what for _, _, what in changes)


@pytest.mark.parametrize("spec", sorted((ROOT / "specs").glob("*.yaml")), ids=lambda p: p.name)
def test_a_spec_against_itself_has_no_changes(spec: Path) -> None:
    data = yaml.safe_load(spec.read_text())
    assert _changes(data, copy.deepcopy(data)) == set()


def test_real_spec_removed_operation_and_field() -> None:
    old = yaml.safe_load((ROOT / "specs" / "tesouro.yaml").read_text())
    new = copy.deepcopy(old)
    del new["paths"]["/finops/v1/mailbox-domains/{domain_id}/verify"]
    del new["components"]["schemas"]["DomainResponse"]["properties"]["domain"]
    new["components"]["schemas"]["DomainRequest"]["required"].append("note")
    new["components"]["schemas"]["DomainRequest"]["properties"]["note"] = {"type": "string"}
    breaking = {(w, what) for level, w, what in _changes(old, new) if level == "BREAKING"}
    assert ("POST /finops/v1/mailbox-domains/{domain_id}/verify", "operation removed") in breaking
    assert (
        "POST /finops/v1/mailbox-domains response 201 (application/json) domain",
        "field removed",
    ) in breaking
    assert (
        "POST /finops/v1/mailbox-domains request (application/json) note",
        "new required field",
    ) in breaking


def test_new_and_removed_specs() -> None:
    spec = _fixture("base.yaml")
    assert _changes(None, spec) == {("change", "spec", "new spec")}
    assert _changes(spec, None) == {("BREAKING", "spec", "spec removed")}


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_command_line_two_files_exit_status() -> None:
    out = _run(str(FIXTURES / "base.yaml"), str(FIXTURES / "head.yaml"), cwd=ROOT)
    assert out.returncode == 1, out.stderr
    assert "BREAKING  DELETE /zones/{id}: operation removed" in out.stdout
    assert out.stdout.rstrip().endswith("12 breaking change(s)")
    same = _run(str(FIXTURES / "base.yaml"), str(FIXTURES / "base.yaml"), cwd=ROOT)
    assert same.returncode == 0
    assert "no changes" in same.stdout


def _commit_all(repo: Path) -> None:
    """A git repository at ``repo`` with everything in it committed."""
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "base"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=repo,
            check=True,
            capture_output=True,
        )


def test_command_line_against_a_git_ref(tmp_path: Path) -> None:
    spec = tmp_path / "specs" / "zones.yaml"
    spec.parent.mkdir()
    spec.write_text((FIXTURES / "base.yaml").read_text())
    _commit_all(tmp_path)
    unchanged = _run("--base", "HEAD", "specs/zones.yaml", cwd=tmp_path)
    assert unchanged.returncode == 0, unchanged.stderr
    assert "specs/zones.yaml (against HEAD):\n  no changes" in unchanged.stdout

    spec.write_text((FIXTURES / "head.yaml").read_text())
    changed = _run("--base", "HEAD", "specs/zones.yaml", cwd=tmp_path)
    assert changed.returncode == 1
    assert "BREAKING  POST /zones request (application/json) product: new required field" in (
        changed.stdout
    )

    bad = _run("--base", "no-such-ref", "specs/zones.yaml", cwd=tmp_path)
    assert bad.returncode == 2
    assert "not a git commit" in bad.stderr


# --- the changelog draft -----------------------------------------------------------------------
def _repo(tmp_path: Path) -> tuple[Path, Path]:
    """A git repository holding specs/zones.yaml (the base fixture) and CHANGELOG.md's block."""

    spec = tmp_path / "specs" / "zones.yaml"
    spec.parent.mkdir()
    spec.write_text((FIXTURES / "base.yaml").read_text())
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(
        "# Changelog\n\n## Unreleased\n\n<!-- spec-diff:begin -->\n<!-- spec-diff:end -->\n\n"
        "- written by hand\n"
    )
    _commit_all(tmp_path)
    return spec, changelog


def _draft(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return _run(
        "--base", "HEAD", "--changelog", "CHANGELOG.md", *extra, "specs/zones.yaml", cwd=tmp_path
    )


def test_an_additive_change_is_drafted_and_passes(tmp_path: Path) -> None:
    spec, changelog = _repo(tmp_path)
    data = _fixture("base.yaml")
    data["components"]["schemas"]["ZoneCreate"]["properties"]["labels"] = {"type": "string"}
    data["paths"]["/zones/{id}"]["patch"] = copy.deepcopy(data["paths"]["/zones/{id}"]["get"])
    data["paths"]["/zones/{id}"]["patch"]["operationId"] = "patchZone"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    done = _draft(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "CHANGELOG.md: drafted zones" in done.stdout
    text = changelog.read_text()
    entry = text[text.index("<!-- spec-diff:zones -->") : text.index("<!-- /spec-diff:zones -->")]
    assert "### zones (`specs/zones.yaml`, version 1)" in entry
    assert "Breaking:" not in entry
    assert "Added and changed:" in entry
    assert "- `PATCH /zones/{id}`: operation added\n" in entry, entry
    assert "labels" in entry
    assert text.endswith("<!-- spec-diff:end -->\n\n- written by hand\n")  # the rest kept


def test_a_breaking_change_is_drafted_first_and_fails_unless_intended(tmp_path: Path) -> None:
    spec, changelog = _repo(tmp_path)
    data = _fixture("base.yaml")
    del data["paths"]["/zones/{id}"]["delete"]
    data["components"]["schemas"]["ZoneCreate"]["properties"]["note"] = {"type": "string"}
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    done = _draft(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 breaking change(s)" in done.stdout
    text = changelog.read_text()
    assert text.index("Breaking:") < text.index("Added and changed:")
    assert "- `DELETE /zones/{id}`: operation removed\n" in text, text
    intended = _draft(tmp_path, "--intended")
    assert intended.returncode == 0
    assert "1 breaking change(s), intended" in intended.stdout
    assert changelog.read_text() == text  # drafted again: the same entry, not a second one


def test_a_spec_without_changes_keeps_its_earlier_draft() -> None:
    entry = spec_diff.changelog_entry(
        "zones", "specs/zones.yaml", "1", [spec_diff.Change("change", "GET /x", "operation added")]
    )
    other = spec_diff.changelog_entry(
        "dns", "specs/dns.yaml", None, [spec_diff.Change("BREAKING", "GET /y", "gone")]
    )
    base = "x\n<!-- spec-diff:begin -->\n<!-- spec-diff:end -->\ny\n"
    once = spec_diff.update_changelog(base, {"zones": entry})
    twice = spec_diff.update_changelog(once, {"dns": other})
    assert entry in twice
    assert other in twice
    assert twice.index("### dns") < twice.index("### zones")  # by spec name
    assert spec_diff.update_changelog(twice, {}) == twice
    with pytest.raises(ValueError, match="spec-diff:begin"):
        spec_diff.update_changelog("no block", {"zones": entry})
