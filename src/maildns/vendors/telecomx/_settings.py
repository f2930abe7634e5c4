"""TelecomX's settings for a new zone, and its id rule."""

from __future__ import annotations

import re
from typing import Final

import attrs

from ..._core.checks import Checker, char, fail, got, show
from ..._core.declaration import JSON_SCHEMA
from ..._dns.values import MAX_TTL
from ..._dns.values import ttl as check_ttl

DEFAULT_TTL: Final = 86400
_HEX24: Final = re.compile(r"[0-9a-fA-F]{24}")
_HEX24_SCHEMA: Final = {"type": "string", "pattern": "^[0-9a-fA-F]{24}$"}


def telecomx_id(value: object, argument: str = "id") -> str:
    """A TelecomX customer or product id: 24 hexadecimal characters, returned lower-case."""
    if not isinstance(value, str):
        raise fail(argument, f"must be 24 hexadecimal characters (str), got {got(value)}")
    if not _HEX24.fullmatch(value):
        if len(value) != 24:
            detail = f"got {len(value)}: {show(value)}"
        else:
            bad = next(ch for ch in value if ch not in "0123456789abcdefABCDEF")
            detail = f"{char(bad)} is not hexadecimal in {show(value)}"
        raise fail(argument, f"must be 24 hexadecimal characters, {detail}")
    return value.lower()


@attrs.frozen
class TelecomXZoneSettings:
    """What TelecomX needs to host a zone: the customer it belongs to and the product that
    invoices it (both 24-hex ids), and the zone's TTL (default 86400 s).

    Checked when built: every problem is reported together as an ``InvalidInputError``.
    """

    customer: str = attrs.field(metadata={JSON_SCHEMA: _HEX24_SCHEMA})
    product: str = attrs.field(metadata={JSON_SCHEMA: _HEX24_SCHEMA})
    ttl: int = attrs.field(
        default=DEFAULT_TTL,
        metadata={JSON_SCHEMA: {"type": "integer", "minimum": 1, "maximum": MAX_TTL}},
    )

    def __attrs_post_init__(self) -> None:
        c = Checker()
        customer = c.check(telecomx_id, self.customer, "customer")
        product = c.check(telecomx_id, self.product, "product")
        seconds = c.check(check_ttl, self.ttl, "ttl")
        c.raise_if_any()
        object.__setattr__(self, "customer", customer)
        object.__setattr__(self, "product", product)
        object.__setattr__(self, "ttl", seconds)
