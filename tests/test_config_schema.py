"""The configuration's JSON Schema (docs/assets/onboarding-config.schema.json) says what the
loader accepts: it is current, it is a valid draft-07 schema (what the YAML language server
reads), every example configuration of the docs and the tests passes both, and a set of broken
ones is refused by both."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from maildns.onboarding import ConfigError, loads
from maildns.onboarding._schema import config_schema
from maildns.sandbox import Sandbox

from .conftest import write_onboard_config
from .test_onboarding_config import EXAMPLE

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "docs" / "assets" / "onboarding-config.schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def doc_examples() -> dict[str, str]:
    """Every YAML block of the docs and the README that is a whole configuration, by page and
    the file name its first line gives."""
    found = {}
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        blocks = re.findall(r"^```yaml\n(.*?)^```", page.read_text(encoding="utf-8"), re.M | re.S)
        for i, block in enumerate(blocks):
            if re.search(r"^version: ", block, re.M):
                found[f"{page.relative_to(ROOT)}#{i}"] = block
    return found


DOCS = doc_examples()
BROKEN_ON_PURPOSE = {key for key, text in DOCS.items() if text.startswith("# broken.yaml")}


def sandbox_example(tmp_path: Path) -> str:
    return write_onboard_config(tmp_path / "c.yaml", Sandbox(), "    tesouro: {}\n").read_text()


def schema_errors(text: str) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(yaml.safe_load(text))]


def test_the_published_schema_is_the_loaders() -> None:
    assert config_schema() == SCHEMA, "run: python scripts/config_schema.py"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "config_schema.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_it_is_a_draft_7_schema() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_the_docs_have_examples_to_check() -> None:
    assert len(DOCS) >= 5
    assert len(BROKEN_ON_PURPOSE) == 1


@pytest.mark.parametrize("key", sorted(set(DOCS) - BROKEN_ON_PURPOSE))
def test_every_example_of_the_docs_passes_both(key: str) -> None:
    assert schema_errors(DOCS[key]) == []
    loads(DOCS[key])


@pytest.mark.parametrize("key", sorted(BROKEN_ON_PURPOSE))
def test_the_docs_broken_example_is_refused_by_both(key: str) -> None:
    assert schema_errors(DOCS[key])
    with pytest.raises(ConfigError):
        loads(DOCS[key])


def test_the_examples_of_the_tests_pass_both(tmp_path: Path) -> None:
    for text in (EXAMPLE, sandbox_example(tmp_path)):
        assert schema_errors(text) == [], text
        loads(text)


def test_a_modeline_is_a_comment_to_the_loader(tmp_path: Path) -> None:
    text = "# yaml-language-server: $schema=onboarding-config.schema.json\n" + EXAMPLE
    assert loads(text) == loads(EXAMPLE)


GOOD = yaml.safe_load(EXAMPLE)


def broken(**changes: Any) -> str:
    """The test example with ``changes``: ``a__b=v`` sets key b of a (``None`` deletes it)."""
    document = json.loads(json.dumps(GOOD))
    for path, value in changes.items():
        *parents, last = [int(p) if p.isdigit() else p for p in path.split("__")]
        at = document
        for step in parents:
            at = at[step]
        if value is None:
            del at[last]
        else:
            at[last] = value
    return json.dumps(document)  # JSON is YAML


ZONE = "dns__zones__example.com"
BROKEN = {
    "no version": broken(version=None),
    "version 2": broken(version=2),
    "version as text": broken(version="1"),
    "an unknown key": broken(colour="red"),
    "a name with spaces": broken(name="Customers EU"),
    "a name too long": broken(name="a" * 65),
    "no dns": broken(dns=None),
    "a vendor unknown": broken(dns__vendor="mailgun"),
    "a vendor that hosts no DNS": broken(dns__vendor="tesouro"),
    "no zones": broken(dns__zones={}),
    "zones as a list": broken(dns__zones=["example.com"]),
    "a customer id too short": broken(**{f"{ZONE}__customer": "0123"}),
    "a product id not hexadecimal": broken(**{f"{ZONE}__product": "z" * 24}),
    "a ttl of 0": broken(**{f"{ZONE}__ttl": 0}),
    "a ttl as text": broken(**{f"{ZONE}__ttl": "3600"}),
    "a zone key unknown": broken(**{f"{ZONE}__region": "eu"}),
    "a zone without customer": broken(**{f"{ZONE}__customer": None}),
    "domains as a mapping": broken(domains={"domain": "mail.example.com"}),
    "a domain without domain": broken(domains__0__domain=None),
    "a domain as a number": broken(domains__0__domain=3),
    "a domain with no vendor": broken(domains=[{"domain": "mail.example.com"}]),
    "a vendor key unknown": broken(domains__0__mailgun={}),
    "ciirus without approved": broken(domains__0__ciirus__approved=None),
    "ciirus approved as text": broken(domains__0__ciirus__approved="yes"),
    "a negative send limit": broken(domains__0__ciirus__daily_send_limit=-1),
    "ciirus with no value": broken(domains__0__ciirus={}),
    "tesouro with a key": broken(domains__0__tesouro={"region": "eu"}),
    "an account in lower case": broken(domains__0__ciirus__account="ciirus_eu"),
    "an account ending in _": broken(domains__0__ciirus__account="CIIRUS_EU_"),
    "an account that is the vendor's own prefix": broken(domains__0__ciirus__account="CIIRUS"),
    "an account as a number": broken(domains__0__ciirus__account=7),
    "dmarc true": broken(dmarc=True),
    "a dmarc policy unknown": broken(dmarc={"policy": "strict"}),
    "a dmarc pct over 100": broken(dmarc={"pct": 101}),
    "a dmarc rua not mailto": broken(dmarc={"rua": "https://example.com/reports"}),
    "a dmarc key with no value": broken(dmarc={"adkim": None}),
    "a dmarc key unknown": broken(domains__0__dmarc={"sp": "reject"}),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_configuration_is_refused_by_both(case: str) -> None:
    text = BROKEN[case]
    assert schema_errors(text), "the schema accepts it"
    with pytest.raises(ConfigError):
        loads(text)
