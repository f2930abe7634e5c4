"""The sandbox's rate limits (Tesouro's documented 30/s by default, others when given) and its
counters (``Sandbox.stats()``, ``GET /_sandbox/stats``).

A real sandbox on loopback whose rate-limit windows count on a clock the test moves
(``Sandbox(rate_clock=...)``): a window is full after its 30 requests however slowly they were
sent, and the next one opens when the test says so. No verdict depends on the machine's speed.
"""

from __future__ import annotations

import concurrent.futures
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from vendor_models import tesouro as tesouro_models

from maildns.sandbox import VENDORS, Sandbox
from maildns.sandbox._ratelimit import WindowLimiter

from .specs import load as load_spec

DOMAINS = "/finops/v1/mailbox-domains"
VERSION = {"x-finops-version": "2025-06-23"}


class WindowClock:
    """The clock the sandbox's limit windows count on; it moves only when the test moves it."""

    def __init__(self, now: float = 1000.25) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _token(client: httpx.Client, sb: Sandbox) -> str:
    answer = client.post(
        sb.url("tesouro") + "/openid/connect/token",
        data={"grant_type": "client_credentials", **sb.credentials("tesouro")},
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def _burst(url: str, headers: dict[str, str], n: int) -> list[httpx.Response]:
    """``n`` GETs at once from ``n`` threads, over as many connections of one client."""
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    with (
        httpx.Client(headers=headers, timeout=60, limits=limits) as client,
        concurrent.futures.ThreadPoolExecutor(n) as pool,
    ):
        return list(pool.map(lambda _: client.get(url), range(n)))


@pytest.fixture
def clock() -> WindowClock:
    return WindowClock()


@pytest.fixture
def sb(clock: WindowClock) -> Iterator[Sandbox]:
    with Sandbox(rate_clock=clock) as sandbox:
        yield sandbox


def test_tesouro_is_limited_to_its_documented_30_per_second_by_default(
    sb: Sandbox, clock: WindowClock
) -> None:
    assert sb.rate_limits == {"tesouro": 30, "telecomx": None, "ciirus": None}
    with httpx.Client(timeout=60) as client:
        granted = client.post(
            sb.url("tesouro") + "/openid/connect/token",
            data={"grant_type": "client_credentials", **sb.credentials("tesouro")},
        )
        assert granted.status_code == 200
        assert granted.headers["RateLimit-Remaining"] == "29"  # the token request counts too
        headers = {"Authorization": f"Bearer {granted.json()['access_token']}", **VERSION}
        # One window (the clock stands still): 29 more answered, each saying how many are
        # left, then every one refused, however long the 45 took.
        answers = [client.get(sb.url("tesouro") + DOMAINS, headers=headers) for _ in range(45)]
        assert [a.status_code for a in answers] == [200] * 29 + [429] * 16
        assert [a.headers["RateLimit-Remaining"] for a in answers] == [
            str(n) for n in range(28, -1, -1)
        ] + ["0"] * 16
        for answer in answers:
            assert answer.headers["RateLimit-Limit"] == "30"
            assert answer.headers["X-RateLimit-Limit-Second"] == "30"
            assert answer.headers["RateLimit-Reset"] == "1"  # 0.75 s left, in whole seconds
        limited = answers[29]
        assert tesouro_models.RateLimitError.model_validate(limited.json()).message == (
            "API rate limit exceeded"
        )
        assert limited.json() == {"message": "API rate limit exceeded"}
        assert limited.headers["Retry-After"] == "1"
        assert limited.headers["x-request-id"]
        assert "Retry-After" not in answers[28].headers
        # The next second is a new window: 30 more.
        clock.now += 1
        again = client.get(sb.url("tesouro") + DOMAINS, headers=headers)
        assert again.status_code == 200
        assert again.headers["RateLimit-Remaining"] == "29"


def test_a_burst_of_45_at_once_gets_exactly_30_answers(sb: Sandbox, clock: WindowClock) -> None:
    with httpx.Client(timeout=60) as client:
        headers = {"Authorization": f"Bearer {_token(client, sb)}", **VERSION}
    clock.now += 1  # a window of its own, without the token request
    answers = _burst(sb.url("tesouro") + DOMAINS, headers, 45)
    assert sorted(a.status_code for a in answers) == [200] * 30 + [429] * 15
    clock.now += 1
    answers = _burst(sb.url("tesouro") + DOMAINS, headers, 31)
    assert sorted(a.status_code for a in answers) == [200] * 30 + [429]


def test_the_windows_are_whole_seconds_of_the_clock() -> None:
    clock = WindowClock(7.9)
    limiter = WindowLimiter(2, clock)
    first = limiter.take("a")
    assert (first.allowed, first.remaining, first.reset) == (True, 1, 1)
    assert limiter.take("b").allowed  # counted per client
    assert limiter.take("a").allowed
    refused = limiter.take("a")
    assert (refused.allowed, refused.remaining) == (False, 0)
    assert refused.headers()["Retry-After"] == "1"
    clock.now = 8.0  # a new window at the whole second, not a second after the first request
    assert limiter.take("a").allowed
    clock.now = 8.2
    assert limiter.take("a").allowed
    assert not limiter.take("a").allowed
    assert limiter.take("a").reset == 1  # 0.8 s left: rounded up


def test_a_rate_clock_must_be_callable() -> None:
    with pytest.raises(ValueError, match="rate_clock must be a function"):
        Sandbox(rate_clock=3.0)  # type: ignore[arg-type]


def test_an_unidentified_request_is_not_counted(sb: Sandbox) -> None:
    # Kong limits per consumer once authenticated: a bad token is a 401 however many come.
    answers = _burst(sb.url("tesouro") + DOMAINS, {"Authorization": "Bearer nope", **VERSION}, 40)
    assert {a.status_code for a in answers} == {401}
    assert all("RateLimit-Limit" not in a.headers for a in answers)


def test_limits_are_configurable_per_vendor_and_off_with_none(clock: WindowClock) -> None:
    with Sandbox(rate_limits={"tesouro": None, "telecomx": 5}, rate_clock=clock) as sb:
        with httpx.Client(timeout=60) as client:
            token = _token(client, sb)
            tesouro = _burst(
                sb.url("tesouro") + DOMAINS, {"Authorization": f"Bearer {token}", **VERSION}, 40
            )
            assert {a.status_code for a in tesouro} == {200}
            assert "RateLimit-Limit" not in tesouro[0].headers
            login = client.post(sb.url("telecomx") + "/auth/login", json=sb.credentials("telecomx"))
        telecomx = _burst(f"{sb.url('telecomx')}/dns?token={login.json()['token']}", {}, 20)
        assert sorted(a.status_code for a in telecomx) == [200] * 5 + [429] * 15
        refused = [a for a in telecomx if a.status_code == 429]
        assert refused[0].json() == {"error": "rate_limited", "message": "Too many requests"}
        assert refused[0].headers["Retry-After"] == "1"


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ({"tesouro": 0}, "tesouro: a rate limit is a whole number"),
        ({"tesouro": 2.5}, "not float 2.5"),
        ({"tesouro": True}, "tesouro: a rate limit"),
        ({"nope": 1}, "unknown vendor 'nope'"),
    ],
)
def test_a_bad_rate_limit_is_refused_before_anything_starts(
    given: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        Sandbox(rate_limits=given)  # type: ignore[arg-type]


def test_every_problem_with_the_rate_limits_is_reported_together() -> None:
    with pytest.raises(ValueError, match=r"unknown vendor 'x'.*; ciirus: a rate limit"):
        Sandbox(rate_limits={"x": 1, "ciirus": -1})


def test_command_line_rate_limit_is_checked_in_one_line() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "maildns.sandbox", "--port", "0", "--rate-limit", "tesouro=fast"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 64  # an alias of `maildns sandbox`: a usage error
    assert "Traceback" not in proc.stderr
    words = " ".join(proc.stderr.replace("│", " ").split())
    assert "tesouro: a whole number of requests per second from 1 to" in words


def test_stats_count_requests_by_status_and_operation(sb: Sandbox) -> None:
    empty = {"requests": 0, "seconds": 0.0, "status": {}, "operations": {}}
    assert sb.stats() == {v: empty for v in VENDORS}
    with httpx.Client(timeout=60) as client:
        token = _token(client, sb)
        headers = {"Authorization": f"Bearer {token}", **VERSION}
        base = sb.url("tesouro") + DOMAINS
        assert client.post(base, json={"domain": "a.example.com"}, headers=headers).is_success
        assert (
            client.post(base, json={"domain": "a.example.com"}, headers=headers).status_code == 409
        )
        assert client.get(base, headers=headers).status_code == 200
        assert client.put(base, headers=headers).status_code == 405
        assert client.get(sb.url("tesouro") + "/nowhere", headers=headers).status_code == 404
        sb.inject_fault("telecomx", "POST", "/auth/login", status=503)
        assert client.post(sb.url("telecomx") + "/auth/login", json={}).status_code == 503
        over_http = client.get(sb.base_url + "/_sandbox/stats").json()
    stats = sb.stats()
    assert over_http == stats
    assert 0 < stats["tesouro"].pop("seconds") < 30
    assert stats["telecomx"].pop("seconds") == 0.0  # one request: no time between
    assert stats["tesouro"] == {
        "requests": 6,
        "status": {"200": 2, "201": 1, "404": 1, "405": 1, "409": 1},
        "operations": {
            "createAccessToken": {"200": 1},
            "createMailboxDomain": {"201": 1, "409": 1},
            "listMailboxDomains": {"200": 1},
        },
    }
    # An injected fault counts as what the client saw, under the operation it stood in for.
    assert stats["telecomx"] == {
        "requests": 1,
        "status": {"503": 1},
        "operations": {"login": {"503": 1}},
    }
    assert stats["ciirus"] == empty
    # Zeroed as read, over HTTP or in Python; the controls themselves are never counted.
    with httpx.Client(timeout=60) as client:
        cleared = client.delete(sb.base_url + "/_sandbox/stats").json()
    assert cleared["tesouro"]["requests"] == 6
    assert sb.stats(reset=True) == {v: empty for v in VENDORS}
    sb.reset()
    assert sb.stats()["tesouro"] == empty


def test_a_request_from_before_a_reset_is_not_counted_after_it(sb: Sandbox) -> None:
    # An answer held back (a test's client gave up on it) and sent only once the sandbox was
    # reset for the next test: the new state's counts hold only what was asked of it.
    sb.inject_fault("tesouro", "GET", DOMAINS, status=503, delay=1)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        late = pool.submit(httpx.get, sb.url("tesouro") + DOMAINS, timeout=60)
        while sb.pending_faults():  # the fault is taken as the request arrives
            assert not late.done(), late.result()
        sb.reset()
        assert late.result().status_code == 503  # counted, were it counted, before it is sent
    assert sb.stats()["tesouro"]["requests"] == 0
    # What the reset sandbox is asked is counted as before.
    assert httpx.get(sb.url("tesouro") + DOMAINS, timeout=60).status_code == 401
    assert sb.stats()["tesouro"]["status"] == {"401": 1}


def test_every_route_is_named_after_its_spec_operation(sb: Sandbox) -> None:
    app = sb._running_app()
    for vendor, spec_names in (
        ("tesouro", ("tesouro",)),
        ("telecomx", ("telecomx",)),
        ("ciirus", ("ciirus_v2023_07_31", "ciirus_v2024_07_31")),
    ):
        documented = {
            op["operationId"]
            for name in spec_names
            for item in load_spec(name)["paths"].values()
            for method, op in item.items()
            if isinstance(op, dict) and "operationId" in op
        }
        routes = {route.name for route in app.vendor_app(vendor).routes}  # type: ignore[attr-defined]
        assert routes == documented, vendor
