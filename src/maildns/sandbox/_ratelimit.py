"""Rate limits as the sandbox enforces them: fixed one-second windows per client, in real time.

Tesouro documents "30 requests per second per partner client ID" with Kong's headers and 429
body (``specs/tesouro.yaml``, ``RateLimitLimit``); the sandbox counts the same way for any
vendor given a limit, by default the one its declaration documents (``rate_limit``). The
window runs on the monotonic clock, not the sandbox clock (which stands still): a limit is
about how fast requests arrive. Counting real time is the one thing
in the sandbox that is not deterministic, so it is off wherever byte-identical answers matter
(``Sandbox(rate_limits={"tesouro": None})``).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .._core.checks import got
from ..vendors import DECLARATIONS
from ._limits import MAX_RATE_LIMIT


def documented(vendor: str) -> int | None:
    """The limit ``vendor`` documents (its declaration's ``rate_limit``), in whole requests per
    one-second window; None when it documents none."""
    limit = DECLARATIONS[vendor].rate_limit
    # a window counts whole requests: a fractional limit still lets one through
    return None if limit is None else max(1, math.floor(limit))


@dataclass(frozen=True)
class Verdict:
    """One request's place in its window."""

    allowed: bool
    limit: int
    remaining: int
    reset: int  # whole seconds until the window ends (at least 1)

    def headers(self) -> dict[str, str]:
        """Kong's rate-limit headers for this request's answer (``Retry-After`` on a 429)."""
        out = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
            "X-RateLimit-Limit-Second": str(self.limit),
            "X-RateLimit-Remaining-Second": str(self.remaining),
        }
        if not self.allowed:
            out["Retry-After"] = str(self.reset)
        return out


class WindowLimiter:
    """At most ``limit`` requests per client in each one-second window (Kong's fixed window)."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._lock = threading.Lock()  # the DNS threads never count, but Python callers may
        self._window = -1
        self._counts: dict[str, int] = {}

    def take(self, client: str) -> Verdict:
        now = self._clock()
        window = math.floor(now)
        reset = max(1, math.ceil(window + 1 - now))
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            used = self._counts.get(client, 0)
            if used >= self.limit:
                return Verdict(False, self.limit, 0, reset)
            self._counts[client] = used + 1
            return Verdict(True, self.limit, self.limit - used - 1, reset)


def check_rate_limits(
    given: Mapping[str, object] | None, vendors: tuple[str, ...]
) -> dict[str, int | None]:
    """Every vendor's limit: the documented ones, overridden by ``given`` (None: no limit).

    Every problem is reported together, as a ValueError naming each vendor and value.
    """
    limits: dict[str, int | None] = {v: documented(v) for v in vendors}
    if given is None:
        return limits
    if not isinstance(given, Mapping):
        raise ValueError(
            f"rate_limits is a mapping of vendor to requests per second, not {got(given)}"
        )
    problems = []
    for vendor, value in given.items():
        if vendor not in vendors:
            problems.append(f"unknown vendor {vendor!r}: expected one of {', '.join(vendors)}")
        elif value is None:
            limits[vendor] = None
        elif (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 1 <= value <= MAX_RATE_LIMIT
        ):
            problems.append(
                f"{vendor}: a rate limit is a whole number of requests per second from 1 to "
                f"{MAX_RATE_LIMIT}, or None for none, not {got(value)}"
            )
        else:
            limits[vendor] = value
    if problems:
        raise ValueError("; ".join(problems))
    return limits
