"""`make spec-lint`: the Spectral ruleset (.spectral.yaml) catches what it promises to.

Needs Spectral from `npm ci` (`make spec-lint` installs it); skipped without it.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from .specs import ROOT

SPECTRAL = ROOT / "node_modules" / ".bin" / "spectral"
BAD = ROOT / "tests" / "fixtures" / "spec_lint" / "bad.yaml"

pytestmark = pytest.mark.skipif(
    not SPECTRAL.exists(), reason="Spectral is not installed: run `make spec-lint` (npm ci)"
)


def _lint(path: str) -> list[dict]:
    out = subprocess.run(
        [str(SPECTRAL), "lint", "--ruleset", ".spectral.yaml", "--format", "json", "--quiet", path],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.stdout.strip(), out.stderr
    results: list[dict] = json.loads(out.stdout)
    return results


def test_ruleset_flags_each_broken_rule() -> None:
    found = {(r["code"], "/".join(map(str, r["path"]))) for r in _lint(str(BAD))}
    assert found == {
        ("operation-operationId", "paths//zones/get"),
        ("maildns-operation-one-tag", "paths//zones/get/tags"),
        ("maildns-operation-summary", "paths//zones/get"),
        ("maildns-operation-x-source", "paths//zones/get"),
        (
            "oas3-valid-media-example",
            "paths//zones/get/responses/200/content/application/json/examples/wrong-type/value/serial",
        ),
        ("oas3-valid-schema-example", "components/schemas/Zone/properties/serial/example"),
        ("maildns-4xx-has-body", "paths//zones/get/responses/404"),
        ("maildns-4xx-has-schema", "paths//zones/post/responses/409/content/application/json"),
        ("maildns-x-unconfirmed-shape", "paths//zones/post/x-unconfirmed/0"),
        (
            "invalid-ref",
            "paths//zones/post/requestBody/content/application/json/schema/$ref",
        ),
        (
            "maildns-body-schema-is-ref",
            "paths//zones/post/responses/201/content/application/json/schema",
        ),
        ("oas3-unused-component", "components/schemas/Unused"),
    }
