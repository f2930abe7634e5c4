"""Keep credentials out of reprs, logs and exception messages."""

from __future__ import annotations

import re
from typing import Final

_MASK: Final = "**********"
# Query parameters that carry a credential; their values are masked wherever a URL is shown.
SECRET_QUERY_PARAMS: Final = frozenset({"token", "access_token", "client_secret", "password"})
_QUERY_SECRET = re.compile(r"(?i)([?&](?:" + "|".join(SECRET_QUERY_PARAMS) + r")=)[^&#]*")


class Secret:
    """A string that does not show itself: ``repr`` and ``str`` print a mask."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{_MASK}')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


def redact_url(url: str) -> str:
    """``url`` with the values of credential-bearing query parameters masked."""
    return _QUERY_SECRET.sub(lambda m: m.group(1) + _MASK, url)
