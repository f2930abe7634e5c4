"""What every vendor app of the sandbox shares: a fixed clock, seeded ids and demo credentials.

Nothing here may read the wall clock or the global ``random`` state: two runs from the same
seed must answer byte for byte alike, so that recording cassettes twice changes nothing.
"""

from __future__ import annotations

import base64
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final, Literal, TypeVar

Vendor = Literal["tesouro", "telecomx", "ciirus"]
VENDORS: Final[tuple[Vendor, ...]] = ("tesouro", "telecomx", "ciirus")

DEFAULT_SEED: Final = 20260101
DEFAULT_START: Final = datetime(2026, 1, 1, 9, 0, 0, tzinfo=UTC)

# The demo credentials the sandbox accepts. CiiRUS's pair is the one its quickstart uses.
DEMO_CREDENTIALS: Final[dict[Vendor, dict[str, str]]] = {
    "tesouro": {
        "client_id": "5b0d6e0c-6d4e-4f0a-9c1e-2f6d1b7a3c11",
        "client_secret": "sandbox-tesouro-client-secret",
    },
    "telecomx": {
        "username": "demo@sandbox.telecomx.dk",
        "password": "sandbox-telecomx-password",
    },
    "ciirus": {
        "username": "PartnerDemo",
        "password": "Secret123",
    },
}

# Seeded TelecomX ids: the customer that owns the demo zones and the DNS hosting product.
TELECOMX_CUSTOMER_ID: Final = "64a1f0c2b9e4d3a2c1b0f9e8"
TELECOMX_PRODUCT_ID: Final = "64a1f0c2b9e4d3a2c1b0aaaa"

T = TypeVar("T")


class Clock:
    """A clock that stands still until told to move: time in the sandbox is part of its state."""

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            raise ValueError("the sandbox clock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the sandbox clock cannot go backwards")
        self._now += timedelta(seconds=seconds)
        return self._now


class Ids:
    """Seeded source of every id, token and random value the sandbox hands out."""

    def __init__(self, seed: int = DEFAULT_SEED) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - determinism, not secrecy, is the point

    def hex(self, n: int) -> str:
        return "".join(self._rng.choice("0123456789abcdef") for _ in range(n))

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def token(self, nbytes: int = 24) -> str:
        raw = bytes(self._rng.getrandbits(8) for _ in range(nbytes))
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def b64(self, nbytes: int) -> str:
        raw = bytes(self._rng.getrandbits(8) for _ in range(nbytes))
        return base64.b64encode(raw).decode("ascii")

    def randint(self, a: int, b: int) -> int:
        return self._rng.randint(a, b)

    def choice(self, seq: Sequence[T]) -> T:
        return self._rng.choice(seq)


@dataclass
class SandboxContext:
    """State shared by the vendor apps of one sandbox; a reset builds a new one."""

    seed: int = DEFAULT_SEED
    start: datetime = DEFAULT_START
    credentials: dict[Vendor, dict[str, str]] = field(
        default_factory=lambda: {v: dict(c) for v, c in DEMO_CREDENTIALS.items()}
    )
    telecomx_customer_id: str = TELECOMX_CUSTOMER_ID
    telecomx_product_id: str = TELECOMX_PRODUCT_ID
    clock: Clock = field(init=False)
    ids: Ids = field(init=False)

    def __post_init__(self) -> None:
        self.clock = Clock(self.start)
        self.ids = Ids(self.seed)
