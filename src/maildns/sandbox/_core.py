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
from typing import Final, TypeVar

Vendor = str
"""A vendor's name, as declared in ``maildns.vendors``."""

DEFAULT_SEED: Final = 20260101
DEFAULT_START: Final = datetime(2026, 1, 1, 9, 0, 0, tzinfo=UTC)

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


def _demo() -> dict[Vendor, dict[str, str]]:
    from ._registry import demo_credentials

    return demo_credentials()


def _accounts() -> dict[Vendor, dict[str, str]]:
    from ._registry import accounts

    return accounts()


@dataclass
class SandboxContext:
    """State shared by the vendor apps of one sandbox; a reset builds a new one."""

    seed: int = DEFAULT_SEED
    start: datetime = DEFAULT_START
    credentials: dict[Vendor, dict[str, str]] = field(default_factory=lambda: _demo())
    accounts: dict[Vendor, dict[str, str]] = field(default_factory=lambda: _accounts())
    clock: Clock = field(init=False)
    ids: Ids = field(init=False)

    def __post_init__(self) -> None:
        self.clock = Clock(self.start)
        self.ids = Ids(self.seed)
