"""The CI workflow for spec changes (.github/workflows/specs.yml) runs the checks the loop
needs, each through a make target the test suite exercises itself."""

from __future__ import annotations

from typing import Any

import yaml

from .specs import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "specs.yml"


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_a_pull_request_touching_a_spec_regenerates_diffs_and_re_records() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True]  # yaml reads the key `on` as True
    assert "specs/**" in triggers["pull_request"]["paths"]
    assert triggers["push"]["branches"] == ["main"]
    job = workflow["jobs"]["pull-request"]
    assert job["if"] == "github.event_name == 'pull_request'"
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0  # spec-diff reads the base branch
    runs = _runs(job)
    order = [
        "make\n",
        "make check-generated",
        "git diff --exit-code -- generated/ src/",
        "make spec-diff BASE=origin/${{ github.base_ref }}",
        "git diff --exit-code -- CHANGELOG.md",
        "make record",
        "git diff --exit-code -- cassettes/",
    ]
    positions = [runs.index(command) for command in order]
    assert positions == sorted(positions), runs
    intended = next(s for s in job["steps"] if "spec-diff" in s.get("run", ""))
    assert "breaking-change-intended" in intended["env"]["INTENDED"]
    assert 'INTENDED="$INTENDED"' in intended["run"]


def test_main_builds_the_docs_and_the_distributions() -> None:
    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["main"]
    assert "make docs dist" in _runs(job)
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-"))
    assert upload["with"]["path"] == "dist/"
