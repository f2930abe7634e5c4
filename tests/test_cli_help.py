"""``maildns … --help`` is written for the command line: which server a default is, no Python
names or docstrings, every listing a command; completion and ``--version`` work as documented."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from maildns._cli import app
from maildns.vendors import DECLARATIONS


def help_of(*args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.stdout).split())


def test_tesouro_help_says_its_default_server_is_its_sandbox_not_production() -> None:
    text = help_of("tesouro")
    assert (
        "the server from TESOURO_BASE_URL (default https://api.sandbox.tesouro.com, Tesouro's "
        "sandbox, not production; for production set TESOURO_BASE_URL=https://api.tesouro.com)"
    ) in text


@pytest.mark.parametrize("vendor", ["telecomx", "ciirus"])
def test_a_vendor_whose_default_is_production_says_so(vendor: str) -> None:
    url = DECLARATIONS[vendor].default_base_url
    assert f"(default {url}, production)" in help_of(vendor)
