"""What every vendor app of the sandbox shares: a fixed clock, seeded ids and demo credentials.

Nothing here may read the wall clock or the global ``random`` state: two runs from the same
seed must answer byte for byte alike, so that recording cassettes twice changes nothing.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final, TypeVar

from .._core.checks import got
from ._limits import EARLIEST, LATEST, finite_number

if TYPE_CHECKING:
    from ._ratelimit import Verdict, WindowLimiter

Vendor = str
"""A vendor's name, as declared in ``maildns.vendors``."""

DEFAULT_SEED: Final = 20260101
DEFAULT_START: Final = datetime(2026, 1, 1, 9, 0, 0, tzinfo=UTC)

T = TypeVar("T")


class Clock:
    """A clock that stands still until told to move: time in the sandbox is part of its state.

    It stays within ``[EARLIEST, LATEST)`` (``_limits``): a start or a move outside is a
    ValueError, so nothing the vendors compute from it (expiries, invoice dates) overflows.
    """

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        if not isinstance(start, datetime):
            raise ValueError(f"the sandbox clock starts at a datetime, not {got(start)}")
        if start.tzinfo is None:
            raise ValueError("the sandbox clock needs a timezone-aware start time")
        start = start.astimezone(UTC)
        if not EARLIEST <= start < LATEST:
            raise ValueError(
                f"the sandbox clock starts from {EARLIEST:%Y-%m-%d} to before "
                f"{LATEST:%Y-%m-%d}, not at {start.isoformat()}"
            )
        self._now = start

    def now(self) -> datetime:
        return self._now

    def after(self, seconds: float) -> datetime:
        """Where :meth:`advance` would move the clock; ValueError when it may not move so."""
        if not finite_number(seconds):
            raise ValueError(
                f"the sandbox clock moves by a finite number of seconds, not {got(seconds)}"
            )
        if seconds < 0:
            raise ValueError("the sandbox clock cannot go backwards")
        room = (LATEST - self._now).total_seconds()
        if seconds >= room:
            raise ValueError(
                f"the sandbox clock stops before {LATEST:%Y-%m-%d}: it can move less than "
                f"{room:.0f} more seconds, not {got(seconds)}"
            )
        return self._now + timedelta(seconds=seconds)

    def advance(self, seconds: float) -> datetime:
        moved = self.after(seconds)
        self._before_move()
        self._now = moved
        return moved

    def _before_move(self) -> None:
        """Called once a move has been checked, just before the clock moves."""


# DER header of an RSA SubjectPublicKeyInfo up to the modulus, by the modulus's octets; the
# exponent 65537 follows the modulus.
_RSA_SPKI_PREFIX: Final = {
    128: bytes.fromhex("30819f300d06092a864886f70d010101050003818d0030818902818100"),
    256: bytes.fromhex("30820122300d06092a864886f70d01010105000382010f003082010a0282010100"),
}
_RSA_EXPONENT: Final = bytes.fromhex("0203010001")


def rsa_public_key(random_bytes: bytes) -> str:
    """A well-formed RSA public key made from 128 or 256 random octets (its modulus, made a
    full 1024 or 2048 bits and odd), base64 as in a DKIM ``p=`` tag: the fake DKIM keys of the
    sandbox's vendors (each draws the octets its own way from its seeded :class:`Ids`) and of
    the benchmarks."""
    prefix = _RSA_SPKI_PREFIX.get(len(random_bytes))
    if prefix is None:
        raise ValueError(f"an RSA modulus here is 128 or 256 octets, got {len(random_bytes)}")
    modulus = bytearray(random_bytes)
    modulus[0] |= 0x80  # a full-size modulus
    modulus[-1] |= 0x01  # odd, as an RSA modulus is
    return base64.b64encode(prefix + bytes(modulus) + _RSA_EXPONENT).decode("ascii")


class Ids:
    """Seeded source of every id, token and random value the sandbox hands out."""

    def __init__(self, seed: int = DEFAULT_SEED) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - determinism, not secrecy, is the point

    @classmethod
    def derived(cls, seed: int, *parts: str) -> Ids:
        """A source of its own for what ``parts`` name (a vendor's domain, say): the same for
        the same seed and parts whatever else was drawn before, so that values made for
        concurrent requests do not depend on the order the requests arrived in."""
        digest = hashlib.sha256(":".join((str(seed), *parts)).encode()).digest()
        return cls(int.from_bytes(digest[:8], "big"))

    def hex(self, n: int) -> str:
        return "".join(self._rng.choice("0123456789abcdef") for _ in range(n))

    def uuid(self) -> str:
        # str(uuid.UUID(int=n, version=4)), without building the UUID (one per request)
        n = self._rng.getrandbits(128)
        n = (n & ~(0xC000 << 48)) | (0x8000 << 48)  # the RFC 4122 variant
        n = (n & ~(0xF000 << 64)) | (4 << 76)  # version 4
        h = f"{n:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

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


Served = Callable[[str, str], list[frozenset[str]]]
"""``served(name, type)``: what each nameserver serves (see ``DnsBackend.served``)."""


def _nothing_served(name: str, rtype: str) -> list[frozenset[str]]:
    return []


def served_everywhere(ctx: SandboxContext, name: str, rtype: str, wanted: str) -> bool:
    """Whether every nameserver serves exactly ``wanted`` at ``name`` (TXT strings joined;
    MX as ``"<preference> <host>"`` with the host in lower case, no final dot)."""
    views = ctx.served(name, rtype)
    return bool(views) and all(wanted in view for view in views)


def spf_includes_everywhere(ctx: SandboxContext, name: str, include: str) -> bool:
    """Whether every nameserver serves one SPF record at ``name``, holding ``include:<include>``.

    Two SPF records at a name are a permanent error (RFC 7208 section 4.5): no mechanism counts.
    """
    views = ctx.served(name, "TXT")
    term = f"include:{include}".lower()

    def ok(view: frozenset[str]) -> bool:
        spf = [v.lower().split() for v in view if v.lower().split()[:1] == ["v=spf1"]]
        return len(spf) == 1 and any(t.lstrip("+") == term for t in spf[0])

    return bool(views) and all(ok(view) for view in views)


@dataclass
class SandboxContext:
    """State shared by the vendor apps of one sandbox; a reset builds a new one."""

    seed: int = DEFAULT_SEED
    start: datetime = DEFAULT_START
    credentials: dict[Vendor, dict[str, str]] = field(default_factory=lambda: _demo())
    accounts: dict[Vendor, dict[str, str]] = field(default_factory=lambda: _accounts())
    clock: Clock = field(init=False)
    ids: Ids = field(init=False)
    served: Served = field(default=_nothing_served)
    """How the vendors look at DNS: the sandbox's nameservers (nothing when none run)."""
    rate_limits: dict[Vendor, int | None] = field(default_factory=dict)
    """Requests per second per client, by vendor (``_ratelimit.check_rate_limits``)."""
    rate_clock: Callable[[], float] | None = None
    """What the rate-limit windows count on, in seconds (None: ``time.monotonic``, real time;
    a test gives a clock it moves itself, so that no verdict depends on the machine's speed)."""
    limiter: WindowLimiter | None = field(default=None, init=False)
    """This vendor's limiter (a vendor's view only: :meth:`for_vendor`)."""

    def __post_init__(self) -> None:
        self.clock = Clock(self.start)
        self.ids = Ids(self.seed)

    def admit(self, client: str) -> Verdict | None:
        """Count a request of ``client`` (a request that identified its client); None when the
        vendor has no limit, else where it stands (``allowed`` False: answer 429)."""
        return None if self.limiter is None else self.limiter.take(client)

    def for_vendor(self, vendor: Vendor) -> SandboxContext:
        """This context (same clock, credentials and DNS) with ``vendor``'s own stream of ids,
        so that what one vendor hands out does not depend on how its requests interleave with
        another vendor's (the onboarding engine calls vendors concurrently)."""
        from ._ratelimit import WindowLimiter

        view = copy.copy(self)
        digest = hashlib.sha256(f"{self.seed}:{vendor}".encode()).digest()
        view.ids = Ids(int.from_bytes(digest[:8], "big"))
        limit = self.rate_limits.get(vendor)
        if limit is None:
            view.limiter = None
        elif self.rate_clock is None:
            view.limiter = WindowLimiter(limit)
        else:
            view.limiter = WindowLimiter(limit, self.rate_clock)
        return view
