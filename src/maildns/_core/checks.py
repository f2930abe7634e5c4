"""Argument checks shared by every client: the :class:`Checker` that collects problems, the
words of their messages, and checks that are not about DNS (integers, a choice of versions).

Each check takes the value and the name of the argument it came from, returns the value
normalised and raises :class:`~maildns.errors.InvalidInputError` naming that argument and
saying exactly what is wrong. Nothing else escapes a check: a value of the wrong type
(``None``, an ``int`` for a string, a ``bool`` for an integer) is an InvalidInputError too.

:class:`Checker` runs several checks and reports every problem at once::

    c = Checker()
    domain = c.check(domain_name, domain, "domain")
    limit = c.check(non_negative, limit, "daily_send_limit")
    c.raise_if_any()
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from ..errors import InvalidInputError, Problem

__all__ = [
    "Checker",
    "char",
    "choice",
    "clip",
    "fail",
    "got",
    "integer",
    "non_negative",
    "show",
    "sibling",
]

T = TypeVar("T")
_SHOW = 60


# --------------------------------------------------------------------------- messages


def show(text: str) -> str:
    """``text`` quoted for a message, cut to about 60 characters."""
    if len(text) > _SHOW:
        text = text[: _SHOW - 3] + "..."
    return repr(text)


def clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def got(value: object) -> str:
    """What a message says it got: ``0``, ``str '3600'``, ``bool True``, ``None``, ``list``."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return f"bool {value}"
    if isinstance(value, int):
        if value.bit_length() > 160:  # str() of a huge int is slow, or refused
            return f"an integer of {value.bit_length()} bits"
        return clip(str(value), _SHOW)
    if isinstance(value, str):
        return f"str {show(value)}"
    if isinstance(value, float):
        return f"float {clip(repr(value), _SHOW)}"
    return type(value).__name__


def char(ch: str) -> str:
    return f"{ch!r} (U+{ord(ch):04X})"


def fail(argument: str, message: str) -> InvalidInputError:
    return InvalidInputError.one(argument, message)


def sibling(argument: str, name: str) -> str:
    """``record.value`` -> ``record.priority``; ``value`` -> ``priority``."""
    head, dot, _ = argument.rpartition(".")
    return f"{head}{dot}{name}"


# --------------------------------------------------------------------------- Checker


class Checker:
    """Collects the problems of several arguments, to report them all in one error."""

    def __init__(self) -> None:
        self._problems: list[Problem] = []

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(self._problems)

    def __bool__(self) -> bool:
        """True when a problem has been recorded."""
        return bool(self._problems)

    def check(self, fn: Callable[..., T], value: Any, argument: str, **kwargs: Any) -> T:
        """``fn(value, argument=argument, **kwargs)``; on InvalidInputError, record its problems
        and return ``value`` unchanged (only meaningful until :meth:`raise_if_any`)."""
        try:
            return fn(value, argument=argument, **kwargs)
        except InvalidInputError as error:
            self._problems.extend(error.problems)
            return cast(T, value)

    def add(self, argument: str, message: str) -> None:
        """Record one problem."""
        self._problems.append(Problem(argument, message))

    def extend(self, error: InvalidInputError) -> None:
        """Record every problem of ``error``."""
        self._problems.extend(error.problems)

    def raise_if_any(self) -> None:
        """Raise one InvalidInputError with every problem recorded, in order."""
        if self._problems:
            raise InvalidInputError(self._problems)


# --------------------------------------------------------------------------- scalars


def integer(value: object, argument: str, low: int, high: int | None) -> int:
    """An int (not a bool) from ``low`` to ``high`` (None: no upper bound)."""
    if high is None:
        expected = f"must be an integer of {low} or more"
    else:
        expected = f"must be an integer from {low} to {high}"
    if not isinstance(value, int) or isinstance(value, bool):
        raise fail(argument, f"{expected}, got {got(value)}")
    if value < low or (high is not None and value > high):
        raise fail(argument, f"{expected}, got {got(value)}")
    return int(value)


def non_negative(value: object, argument: str) -> int:
    return integer(value, argument, 0, None)


def choice(value: object, known: Sequence[str], argument: str) -> str:
    """One of the ``known`` strings."""
    if isinstance(value, str) and value in known:
        return value
    choices = ", ".join(repr(v) for v in known) or "(none)"
    raise fail(argument, f"must be one of {choices}, got {got(value)}")
