"""The order the suite's tests are handed out in: the long ones first (a stable sort keeps each
module's order), since xdist hands out work in collection order and a long test started last
would leave the other workers idle while it ends. ``tests/conftest.py`` applies it; as a plugin
of its own (``-p tests.ordering``) it is tested without the suite's heavier fixtures."""

from __future__ import annotations

import pytest

LONG_MARKS = ("long", "bench")


def long_first(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not any(item.get_closest_marker(m) for m in LONG_MARKS))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    long_first(items)
