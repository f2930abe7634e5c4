"""Client-side pacing (``maildns._core.pace``): sans-IO on a fake clock, then every facade call
against the sandbox's real rate limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from pyrate_limiter import InMemoryBucket

import maildns
from maildns._core.pace import WINDOW_MARGIN, BucketPermits, Pace, use_store
from maildns.errors import InvalidInputError
from maildns.sandbox import Sandbox


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def ms(self) -> int:
        return round(self.now * 1000)


def _pace(limit: float | None, clock: FakeClock) -> Pace:
    return Pace(
        "test",
        limit,
        permits=lambda n, name: BucketPermits(InMemoryBucket, n, clock.ms, name),
        clock=clock,
    )


def test_permits_keep_to_the_limit_per_window_with_a_margin() -> None:
    clock = FakeClock()
    pace = _pace(3, clock)
    assert [pace.wait() for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = pace.wait()
    assert 1.0 < wait <= WINDOW_MARGIN + 0.01  # the window is 1.05 s, not 1 s
    clock.now += 1.0
    assert pace.wait() > 0  # a one-second window would open here: this one does not yet
    clock.now += WINDOW_MARGIN - 1.0 + 0.002
    assert pace.wait() == 0.0


def test_a_429_halves_the_rate_and_holds_for_retry_after() -> None:
    clock = FakeClock()
    pace = _pace(30, clock)
    pace.observe(429, {"retry-after": "2"})
    assert pace.rate == 15
    assert pace.wait() == pytest.approx(2.0)
    clock.now += 2.0
    assert pace.wait() == 0.0
    pace.observe(429, {})  # no Retry-After: a second
    assert pace.rate == 7
    assert pace.wait() == pytest.approx(1.0)


def test_each_clean_second_adds_one_back_up_to_the_ceiling() -> None:
    clock = FakeClock()
    pace = _pace(4, clock)
    pace.observe(429, {})
    assert pace.rate == 2
    pace.observe(200, {})  # within the same second: no change
    assert pace.rate == 2
    for expected in (3, 4, 4):
        clock.now += 1.0
        pace.observe(200, {})
        assert pace.rate == expected
    assert pace.ceiling == 4


def test_headers_lower_the_ceiling_and_remaining_zero_holds_until_reset() -> None:
    clock = FakeClock()
    pace = _pace(30, clock)
    pace.observe(200, {"x-ratelimit-limit-second": "10", "ratelimit-remaining": "4"})
    assert (pace.ceiling, pace.rate) == (10, 10)
    pace.observe(200, {"ratelimit-limit": "50"})  # the vendor's word, higher too
    assert (pace.ceiling, pace.rate) == (50, 50)
    pace.observe(429, {})
    assert pace.rate == 25
    pace.observe(200, {"ratelimit-limit": "60"})  # backing off: climbs to it step by step
    assert (pace.ceiling, pace.rate) == (60, 25)
    pace.observe(200, {"x-ratelimit-limit-second": "10"})
    assert (pace.ceiling, pace.rate) == (10, 10)
    clock.now += 2  # past the 429's hold
    pace.observe(200, {"ratelimit-remaining": "0", "ratelimit-reset": "1"})
    assert pace.wait() == pytest.approx(1.0)
    pace.observe(200, {"ratelimit-remaining": "junk", "ratelimit-reset": "-3"})  # ignored


def test_remaining_zero_from_our_own_requests_holds_nothing_more() -> None:
    clock = FakeClock()
    pace = _pace(3, clock)
    assert [pace.wait() for _ in range(3)] == [0.0, 0.0, 0.0]
    before = pace.wait()  # our permits hold the next request already
    pace.observe(200, {"ratelimit-remaining": "0", "ratelimit-reset": "1"})
    assert pace.wait() == pytest.approx(before)  # no whole second more on top


def test_an_unpaced_vendor_is_paced_from_its_first_429() -> None:
    clock = FakeClock()
    pace = _pace(None, clock)
    for _ in range(40):
        assert pace.wait() == 0.0
    pace.observe(429, {"retry-after": "1"})
    assert pace.rate == 20  # half of what it sent in the last second
    assert pace.ceiling is None
    clock.now += 5
    pace.observe(200, {})
    assert pace.rate == 21  # and grows again without a ceiling


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), True, "fast", 1e9])
def test_a_bad_rate_limit_is_refused_before_any_request(bad: object) -> None:
    with pytest.raises(InvalidInputError, match="rate_limit: must be requests per second"):
        maildns.Tesouro(client_id="x", client_secret="y", rate_limit=bad)  # type: ignore[arg-type]


def test_clients_of_one_credential_share_one_pace() -> None:
    use_store(None)
    a = maildns.Tesouro(client_id="shared", client_secret="s1")
    b = maildns.AsyncTesouro(client_id="shared", client_secret="s2")
    c = maildns.Tesouro(client_id="other", client_secret="s1")
    assert a._core.pace is b._core.pace is not None
    assert c._core.pace is not a._core.pace
    assert a._core.pace.rate == 30  # Tesouro's documented limit
    assert "s1" not in a._core.pace.name  # named by a digest, never the secret
    assert maildns.TelecomX(username="u", password="p")._core.pace.rate is None
    assert maildns.Tesouro(client_id="x", client_secret="y", rate_limit=None)._core.pace is None
    assert maildns.Tesouro(client_id="x", client_secret="y", rate_limit=5)._core.pace.rate == 5


@pytest.fixture
def limited() -> Iterator[Sandbox]:
    use_store(None)  # a fresh pace per test: the sandbox's windows start from nothing
    with Sandbox(rate_limits={"tesouro": 10, "telecomx": 10}) as sandbox:
        yield sandbox
    use_store(None)


async def _creates(sb: Sandbox, n: int, **options: object) -> list[str]:
    async with maildns.AsyncTesouro(
        base_url=sb.url("tesouro"), **sb.credentials("tesouro"), **options
    ) as tesouro:
        made = await asyncio.gather(
            *(tesouro.create_sending_domain(f"d{i}.example.com") for i in range(n))
        )
    return [d.domain for d in made]


# 429s a busy machine may earn although the client keeps to the limit: the permits' 5% margin
# absorbs 50 ms of delay on the way; a request held up longer (the sandbox runs in this process)
# may land in the next second's window and be one too many there. Unpaced, 25 creates at once
# earn 15 in the first second.
LATE = 4


def test_facade_calls_keep_under_the_vendors_limit(limited: Sandbox) -> None:
    # The client is told 10/s (as the sandbox enforces): 25 concurrent creates, paced.
    made = asyncio.run(_creates(limited, 25, rate_limit=10))
    assert len(made) == 25
    stats = limited.stats()["tesouro"]
    assert stats["status"].get("429", 0) <= LATE
    creates = dict(stats["operations"]["createMailboxDomain"])
    creates.pop("429", None)  # counted in the bound above, and retried
    assert creates == {"201": 25}


@pytest.mark.long
def test_a_client_told_too_much_learns_the_limit_from_the_headers_and_429s(
    limited: Sandbox,
) -> None:
    # Documented 30/s, the sandbox allows 10: the first burst meets 429s, the headers bring
    # the ceiling down to 10, and every create still succeeds (retried after Retry-After).
    made = asyncio.run(_creates(limited, 40))
    assert sorted(made) == sorted(f"d{i}.example.com" for i in range(40))
    stats = limited.stats()["tesouro"]
    assert stats["operations"]["createMailboxDomain"]["201"] == 40, stats
    refused = stats["status"].get("429", 0)
    assert refused < 30  # one burst's worth at most, not one per call
    pace = maildns.AsyncTesouro(base_url=limited.url("tesouro"), **limited.credentials("tesouro"))
    assert pace._core.pace is not None
    assert pace._core.pace.ceiling == 10
