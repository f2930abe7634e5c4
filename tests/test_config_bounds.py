"""The configuration loader's bounds from Python: where each starts, what stays allowed (aliases
that share settings), and the problems a ``ConfigError`` lists. The hostile inputs themselves
run through the real command in ``test_hostile_input.py``."""

from __future__ import annotations

import pytest

from maildns.onboarding import ConfigError, loads
from maildns.onboarding._config import (
    ALIAS_ALLOWANCE,
    ALIAS_GROWTH,
    MAX_DEPTH,
    SHOWN_PROBLEMS,
    ConfigProblem,
)

from .test_onboarding_config import CUSTOMER, PRODUCT

HEAD = f"""\
version: 1
dns:
  vendor: telecomx
  zones:
    example.com: {{customer: "{CUSTOMER}", product: "{PRODUCT}"}}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        loads(text, "onboard.yaml")
    return [str(p) for p in info.value.problems]


def test_nesting_stops_at_the_limit_and_not_before() -> None:
    at_limit = "x: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    assert not any("nests" in p for p in problems(at_limit))
    over = "x: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n"
    assert problems(over) == [f"onboard.yaml:1: nests more than {MAX_DEPTH} deep"]


def test_aliases_that_nest_deeper_than_the_limit_are_refused() -> None:
    # Each anchor is shallow as written, but written out the last one is 70 deep.
    lines = ["a0: &a0 " + "[" * 60 + "]" * 60]
    lines += [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 11)]
    assert problems("\n".join(lines) + "\n") == [
        f"onboard.yaml: aliases nest it more than {MAX_DEPTH} deep"
    ]


def test_aliases_sharing_settings_between_many_domains_are_allowed() -> None:
    shared = "    ciirus: &ciirus {daily_send_limit: 500, approved: true}\n"
    again = "    ciirus: *ciirus\n"
    domains = [f"  - domain: d0.example.com\n    tesouro: &tesouro {{}}\n{shared}"]
    domains += [
        f"  - domain: d{i}.example.com\n    tesouro: *tesouro\n{again}" for i in range(1, 3000)
    ]
    config = loads(HEAD + "domains:\n" + "".join(domains))
    assert len(config.domains) == 3000
    assert {d.vendors["ciirus"].daily_send_limit for d in config.domains} == {500}


def test_aliases_may_grow_a_document_tenfold_and_a_little() -> None:
    # A list of 1,000 scalars written once (1,001 values), then aliased n times: each alias
    # is one value written and 1,001 read.
    def document(aliases: int) -> str:
        items = ", ".join(["x"] * 1000)
        return f"a: &a [{items}]\nb: [{', '.join(['*a'] * aliases)}]\n"

    def written(aliases: int) -> int:
        return 1 + 2 + 1001 + 1 + aliases  # the mapping, a and b, a's list, b's, the aliases

    def read(aliases: int) -> int:
        return 1 + 2 + 1001 + 1 + 1001 * aliases

    fits = max(n for n in range(100) if read(n) <= ALIAS_GROWTH * written(n) + ALIAS_ALLOWANCE)
    assert not any("aliases" in p for p in problems(document(fits)))
    allowed = ALIAS_GROWTH * written(fits + 1) + ALIAS_ALLOWANCE
    assert problems(document(fits + 1)) == [
        f"onboard.yaml: aliases expand it to {read(fits + 1):,} values, over the {allowed:,} "
        f"allowed ({ALIAS_GROWTH} times the {written(fits + 1):,} it writes, and "
        f"{ALIAS_ALLOWANCE:,} more)"
    ]


def test_a_long_list_of_problems_shows_the_first_and_counts_the_rest() -> None:
    many = tuple(ConfigProblem("f.yaml", i, "k", "bad") for i in range(1, 1001))
    error = ConfigError(many)
    assert error.problems == many  # every one, for a program
    lines = str(error).splitlines()
    assert lines[0] == "1000 problems in f.yaml:"
    assert lines[1 : SHOWN_PROBLEMS + 1] == [str(p) for p in many[:SHOWN_PROBLEMS]]
    assert lines[SHOWN_PROBLEMS + 1 :] == [f"... and {1000 - SHOWN_PROBLEMS} more"]


def test_a_nul_byte_is_a_problem_with_its_line() -> None:
    assert problems("version: 1\nname: a\x00b\n") == [
        "onboard.yaml:2: invalid YAML: #x0000 is not allowed (special characters are not allowed)"
    ]
