"""CiiRUS's settings for a new (or updated) email subaccount."""

from __future__ import annotations

import attrs

from ..._core.checks import Checker, fail, non_negative
from ..._core.declaration import JSON_SCHEMA


def approved_flag(value: object, argument: str = "approved") -> bool:
    if not isinstance(value, bool):
        shown = "None" if value is None else f"{type(value).__name__} {repr(value)[:40]}"
        raise fail(argument, f"must be a bool (True or False), got {shown}")
    return value


@attrs.frozen
class CiirusSettings:
    """The subaccount's settings: its daily send limit (a non-negative integer) and whether
    it is approved to send.

    Checked when built: every problem is reported together as an ``InvalidInputError``.
    """

    daily_send_limit: int = attrs.field(metadata={JSON_SCHEMA: {"type": "integer", "minimum": 0}})
    approved: bool = attrs.field()

    def __attrs_post_init__(self) -> None:
        c = Checker()
        c.check(non_negative, self.daily_send_limit, "daily_send_limit")
        c.check(approved_flag, self.approved, "approved")
        c.raise_if_any()
