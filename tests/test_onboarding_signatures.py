"""``maildns.onboarding``'s functions say what they take: ``help(onboarding.plan)`` lists every
keyword, and each sync function takes exactly what its coroutine twin takes."""

from __future__ import annotations

import inspect

import pytest

from maildns import onboarding

FUNCTIONS = ("plan", "apply", "verify", "status", "check")


@pytest.mark.parametrize("name", [*FUNCTIONS, *(f"a{n}" for n in FUNCTIONS)])
def test_no_function_hides_its_keywords_in_kw(name: str) -> None:
    parameters = inspect.signature(getattr(onboarding, name)).parameters.values()
    assert all(p.kind is not p.VAR_KEYWORD for p in parameters), name


@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_function_takes_what_its_twin_takes(name: str) -> None:
    sync = inspect.signature(getattr(onboarding, name))
    coroutine = inspect.signature(getattr(onboarding, f"a{name}"))
    assert list(sync.parameters.values()) == list(coroutine.parameters.values())
    assert sync.return_annotation == coroutine.return_annotation


def test_the_module_says_what_it_is_not_how_far_along() -> None:
    assert onboarding.__doc__ is not None
    assert "in progress" not in onboarding.__doc__
    assert "issue" not in onboarding.__doc__
