"""Client-side pacing: keep to a vendor's rate limit instead of earning 429s and retrying.

One :class:`Pace` per vendor, base URL and credential (the non-secret half: a client ID or user
name), shared by every client of the process that uses it, since a vendor counts per credential.
It is sans-IO: :meth:`Pace.wait` says how long to wait before sending (0: go, a permit was taken),
:meth:`Pace.observe` reads each answer; the sync and async cores do the waiting.

- **Permits** come from a pyrate-limiter bucket (a sliding-window log): at most ``rate`` per
  window of ``WINDOW_MARGIN`` seconds, so that network jitter never lands more than ``rate``
  requests in one of the vendor's one-second windows. The bucket is in memory, or shared
  through a store (:func:`use_store`) by every process that onboards with the same journal.
- **Seeded** from the documented limit (Tesouro's 30/s, ``Declaration.rate_limit``) or the
  ``rate_limit`` a client is given; a vendor that documents none is not paced until it answers
  429.
- **Corrected by the headers**: ``X-RateLimit-Limit-Second`` (or ``RateLimit-Limit``) becomes
  the ceiling, lower or higher than the documented limit (the vendor knows this credential's);
  ``RateLimit-Remaining: 0`` while this process has not used the window up (someone else spends
  the same budget) holds every request for ``RateLimit-Reset`` seconds; a 429 holds them for
  its ``Retry-After``.
- **AIMD**: a 429 halves the rate (multiplicative decrease); each second without one adds one
  request per second (additive increase) back up to the ceiling.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

from ..errors import InvalidInputError, Problem

if TYPE_CHECKING:
    from pyrate_limiter import AbstractBucket

DOCUMENTED: Final = "documented"
"""``rate_limit="documented"`` (the default): the vendor's documented limit, if it has one."""
RateLimit = float | Literal["documented"] | None
"""What a client's ``rate_limit`` takes: requests per second, ``"documented"``, or None (no
client-side pacing at all)."""
WINDOW_MARGIN: Final = 1.05
"""Permits are counted per 1.05 s: a request delayed on the way cannot push a vendor's
one-second window over its limit (at the cost of 5% of the rate)."""
MAX_RATE: Final = 100_000.0


class Permits(Protocol):
    """At most ``limit`` permits per ``WINDOW_MARGIN`` seconds."""

    def take(self) -> float:
        """0.0 when a permit was taken, else the seconds until one may be."""

    def set_limit(self, limit: int) -> None: ...

    def room(self) -> bool:
        """Whether this process took fewer than ``limit`` permits in the last second."""


class BucketPermits:
    """:class:`Permits` from a pyrate-limiter bucket (in memory, or a shared store's)."""

    def __init__(
        self,
        make_bucket: Callable[[list[Any]], AbstractBucket],
        limit: int,
        clock_ms: Callable[[], int],
        name: str,
    ) -> None:
        from pyrate_limiter import Rate

        self._rate = Rate
        self._bucket = make_bucket([self._rates(limit)])
        self._clock_ms = clock_ms
        self._name = name
        self._taken = 0
        self._limit = limit
        self._recent: deque[int] = deque()  # this process's permits of the last second

    def _rates(self, limit: int) -> Any:
        return self._rate(limit, round(WINDOW_MARGIN * 1000))

    def take(self) -> float:
        from pyrate_limiter import RateItem

        item = RateItem(self._name, self._clock_ms())
        if self._bucket.put(item):
            self._taken += 1
            self._recent.append(item.timestamp)
            self._forget(item.timestamp)
            if self._taken % 256 == 0:  # the log keeps only what the window still needs
                self._bucket.leak(item.timestamp)
            return 0.0
        waiting = self._bucket.waiting(item)
        assert isinstance(waiting, int)
        return max(waiting, 1) / 1000

    def set_limit(self, limit: int) -> None:
        self._limit = limit
        self._bucket.rates = [self._rates(limit)]

    def _forget(self, now_ms: int) -> None:
        while self._recent and now_ms - self._recent[0] >= 1000:
            self._recent.popleft()

    def room(self) -> bool:
        self._forget(self._clock_ms())
        return len(self._recent) < self._limit


def _monotonic_ms() -> int:
    return time.monotonic_ns() // 1_000_000


def memory_permits(limit: int, name: str) -> Permits:
    from pyrate_limiter import InMemoryBucket

    return BucketPermits(InMemoryBucket, limit, _monotonic_ms, name)


PermitsFactory = Callable[[int, str], Permits]


def _header_int(headers: Mapping[str, str], *names: str) -> int | None:
    for name in names:
        value = headers.get(name)
        if value is not None:
            try:
                number = int(value.strip())
            except ValueError:
                continue
            if number >= 0:
                return number
    return None


_RATE_HEADERS: Final = (b"ratelimit-limit", b"ratelimit-remaining", b"x-ratelimit-limit-second")


def _has_rate_headers(headers: Mapping[str, str]) -> bool:
    """Whether an answer holds any rate-limit header: one pass over httpx's raw list."""
    raw = getattr(headers, "raw", None)
    if raw is None:
        return any(name.decode() in headers for name in _RATE_HEADERS)
    return any(key.lower() in _RATE_HEADERS for key, _ in raw)


class Pace:
    """The pace of one vendor credential (see the module's docstring)."""

    def __init__(
        self,
        name: str,
        limit: float | None,
        *,
        permits: PermitsFactory = memory_permits,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._make_permits = permits
        self._clock = clock
        self._lock = threading.Lock()
        self._ceiling: float | None = limit
        self._rate: float | None = limit
        self._permits: Permits | None = None
        self._paused_until = 0.0
        self._last_change = clock()
        self._sent: deque[float] = deque()  # send times of the last second, while unpaced
        self._pending: float | None = limit  # permits are made at the first wait (imports)

    @staticmethod
    def _whole(rate: float) -> int:
        return max(1, math.floor(rate))

    @property
    def rate(self) -> float | None:
        """The requests per second it keeps to now (None: not paced)."""
        return self._rate

    @property
    def ceiling(self) -> float | None:
        return self._ceiling

    def wait(self) -> float:
        """Seconds to wait before sending; 0.0 means go (and a permit is taken)."""
        now = self._clock()
        with self._lock:
            if now < self._paused_until:
                return self._paused_until - now
            if self._pending is not None:
                self._permits = self._make_permits(self._whole(self._pending), self.name)
                self._pending = None
            if self._permits is None:
                while self._sent and now - self._sent[0] >= 1.0:
                    self._sent.popleft()
                self._sent.append(now)
                return 0.0
            return self._permits.take()

    def _set_rate(self, rate: float, now: float) -> None:
        self._rate = rate
        self._last_change = now
        self._pending = None
        if self._permits is None:
            self._permits = self._make_permits(self._whole(rate), self.name)
        else:
            self._permits.set_limit(self._whole(rate))

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Learn from an answer: its rate-limit headers, and whether it was a 429."""
        steady = self._rate is None or self._rate == self._ceiling
        if steady and status != 429 and not _has_rate_headers(headers):
            return  # the usual answer: nothing to learn
        from .engine import retry_after_seconds

        now = self._clock()
        with self._lock:
            announced = _header_int(headers, "x-ratelimit-limit-second", "ratelimit-limit")
            if announced and announced != self._ceiling:
                # The vendor's own word for this credential wins over the documented one, up
                # or down; a rate backing off from a 429 climbs to it one step at a time.
                backing_off = self._rate is not None and self._rate < (self._ceiling or 0)
                self._ceiling = float(announced)
                if self._rate is None or self._rate > announced or not backing_off:
                    self._set_rate(float(announced), now)
            if status == 429:
                wait = retry_after_seconds(headers)  # type: ignore[arg-type]
                self._paused_until = max(self._paused_until, now + (wait or 1.0))
                current = self._rate if self._rate is not None else float(len(self._sent) or 2)
                self._set_rate(max(1.0, math.floor(current / 2)), now)
                return
            remaining = _header_int(headers, "ratelimit-remaining", "x-ratelimit-remaining-second")
            reset = _header_int(headers, "ratelimit-reset")
            if remaining == 0 and reset and self._permits is not None and self._permits.room():
                # The vendor's window is full though this process has not filled it: another
                # client spends the same budget, so wait for the window to end. (When it is
                # our own requests that filled it, the permits already hold the next ones:
                # waiting the whole rounded-up Reset on top would only lose time.)
                self._paused_until = max(self._paused_until, now + reset)
            if (
                self._rate is not None
                and (self._ceiling is None or self._rate < self._ceiling)
                and now - self._last_change >= 1.0
                and status < 400
            ):
                top = self._ceiling if self._ceiling is not None else math.inf
                self._set_rate(min(top, self._rate + 1.0), now)


def check_rate_limit(value: object) -> float | Literal["documented"] | None:
    """A client's ``rate_limit`` argument, checked."""
    if value is None or value == DOCUMENTED:
        return value
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 < value <= MAX_RATE
    ):
        raise InvalidInputError(
            [
                Problem(
                    "rate_limit",
                    f"must be requests per second (a number above 0, at most {MAX_RATE:.0f}), "
                    f'"documented" or None, got {value!r:.40}',
                )
            ]
        )
    return float(value)


_PACES: dict[tuple[str, ...], Pace] = {}
_PACES_LOCK = threading.Lock()
_permits_factory: PermitsFactory = memory_permits


def use_store(factory: PermitsFactory | None) -> None:
    """Take permits from ``factory`` (a shared store's buckets) from now on; None: in memory.

    Paces made before keep their permits: call this before making clients.
    """
    global _permits_factory
    with _PACES_LOCK:
        _permits_factory = factory or memory_permits
        _PACES.clear()


def forget_paces() -> None:
    """Forget every pace (the next client starts afresh): for tests, whose sandboxes reuse ports."""
    with _PACES_LOCK:
        _PACES.clear()


def pace_for(
    vendor: str, base_url: str, credential: str, limit: float | None, configured: bool
) -> Pace:
    """The process's one pace for this credential at this base URL (made on first use).

    ``configured``: the limit was given to the client rather than documented; a later client
    of the same credential that is given another limit gets a pace of its own.
    """
    key = (vendor, base_url, credential, repr(limit) if configured else DOCUMENTED)
    with _PACES_LOCK:
        pace = _PACES.get(key)
        if pace is None:
            import hashlib

            digest = hashlib.sha256("\0".join(key).encode()).hexdigest()[:16]
            pace = _PACES[key] = Pace(f"maildns_{vendor}_{digest}", limit, permits=_permits_factory)
        return pace
