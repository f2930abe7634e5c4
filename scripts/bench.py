"""Benchmarks for the facade, as ratios against raw httpx measured in the same run.

(a) client-side cost of one call over a zero-latency ``httpx.MockTransport``
    (raw = an httpx request plus ``json`` parsing)                      goal <= 1.5x
(b) end to end against the sandbox on loopback (served by another process),
    sync and async at concurrency 50                                     goal <= 1.05x
(c) ``import maildns`` against ``import httpx``, each in a fresh interpreter   goal <= 1.5x

Writes the results to BENCHMARKS.md (or the path given) with the machine and date.
Run with ``make bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

import maildns
from maildns._client import DEFAULT_LIMITS
from maildns.sandbox import DEMO_CREDENTIALS

ROOT = Path(__file__).resolve().parent.parent
VERSION = "2025-06-23"
DOMAINS = 3


# --- (a) client-side cost over MockTransport -----------------------------------------------------
def _mock_body() -> bytes:
    records = {
        "sending_dns_records": [
            {
                "is_active": True,
                "record_type": "TXT",
                "valid": "unknown",
                "record_purpose": "SPF",
                "name": "mail.example.com",
                "value": "v=spf1 include:mailgun.org ~all",
            },
            {
                "is_active": True,
                "record_type": "TXT",
                "valid": "unknown",
                "record_purpose": "DKIM",
                "name": "krs._domainkey.mail.example.com",
                "value": "k=rsa; p=MIGfMA0GCSqGSIb3DQEB",
            },
        ],
        "receiving_dns_records": [
            {
                "is_active": True,
                "record_type": "MX",
                "valid": "unknown",
                "priority": "10",
                "name": "mail.example.com",
                "value": "mxa.mailgun.org",
            },
        ],
    }
    data = [
        {
            "id": f"3c90c3cc-0d44-4b50-8888-8dd25736052{i}",
            "domain": f"mail{i}.example.com",
            "status": "waiting_to_be_verified",
            "dns_records": records,
            "last_updated_at": "2026-01-01T09:00:00Z",
        }
        for i in range(DOMAINS)
    ]
    return json.dumps({"data": data}).encode()


def _mock_transport() -> httpx.MockTransport:
    body = _mock_body()
    token = json.dumps({"access_token": "t", "token_type": "Bearer", "expires_in": 3600}).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, content=token, headers={"content-type": "application/json"})
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return httpx.MockTransport(handler)


def _per_call(fn: Callable[[], Any], n: int, repeats: int = 7) -> float:
    """Best-of-``repeats`` mean seconds per call (best: least disturbed by the machine)."""
    for _ in range(max(n // 10, 10)):
        fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - start) / n)
    return best


def bench_client_side(n: int) -> dict[str, float]:
    raw_client = httpx.Client(
        transport=_mock_transport(), base_url="https://api.sandbox.tesouro.com"
    )
    headers = {"Authorization": "Bearer t", "x-finops-version": VERSION}

    def raw() -> Any:
        return json.loads(raw_client.get("/finops/v1/mailbox-domains", headers=headers).content)

    facade = maildns.Tesouro(
        client_id="bench",
        client_secret="bench",  # noqa: S106 - a mock transport checks nothing
        http_client=httpx.Client(transport=_mock_transport()),
    )

    def wrapped() -> Any:
        return facade.list_sending_domains()

    assert len(wrapped()) == len(raw()["data"]) == DOMAINS
    raw_s, facade_s = _per_call(raw, n), _per_call(wrapped, n)
    return {"raw_us": raw_s * 1e6, "facade_us": facade_s * 1e6, "ratio": facade_s / raw_s}


# --- (b) end to end against the sandbox ----------------------------------------------------------
class _SandboxProcess:
    def __enter__(self) -> str:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "maildns.sandbox", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        base = first.split(" on ", 1)[1].split()[0]
        return base

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _token(base: str) -> str:
    r = httpx.post(
        f"{base}/tesouro/openid/connect/token",
        data={"grant_type": "client_credentials", **DEMO_CREDENTIALS["tesouro"]},
    )
    token: str = r.json()["access_token"]
    return token


def bench_end_to_end(calls: int, concurrency: int) -> dict[str, float]:
    with _SandboxProcess() as base:
        url = f"{base}/tesouro"
        token = _token(base)
        headers = {"Authorization": f"Bearer {token}", "x-finops-version": VERSION}
        setup = maildns.Tesouro(base_url=url, **DEMO_CREDENTIALS["tesouro"])
        for i in range(DOMAINS):
            setup.create_sending_domain(f"mail{i}.example.com")

        raw_client = httpx.Client(base_url=url)
        facade = maildns.Tesouro(base_url=url, **DEMO_CREDENTIALS["tesouro"])

        def raw() -> Any:
            return json.loads(raw_client.get("/finops/v1/mailbox-domains", headers=headers).content)

        sync_raw = _per_call(raw, calls, repeats=3)
        sync_facade = _per_call(facade.list_sending_domains, calls, repeats=3)

        async def run_async() -> tuple[float, float]:
            limits = DEFAULT_LIMITS  # the pool the facade uses, for a like-for-like run
            async with (
                httpx.AsyncClient(base_url=url, limits=limits) as raw_async,
                maildns.AsyncTesouro(base_url=url, **DEMO_CREDENTIALS["tesouro"]) as fac,
            ):

                async def raw_one() -> Any:
                    r = await raw_async.get("/finops/v1/mailbox-domains", headers=headers)
                    return json.loads(r.content)

                async def timed(one: Callable[[], Any]) -> float:
                    sem = asyncio.Semaphore(concurrency)

                    async def guarded() -> None:
                        async with sem:
                            await one()

                    await asyncio.gather(*(guarded() for _ in range(concurrency)))  # warm-up
                    best = float("inf")
                    for _ in range(3):
                        start = time.perf_counter()
                        await asyncio.gather(*(guarded() for _ in range(calls)))
                        best = min(best, (time.perf_counter() - start) / calls)
                    return best

                return await timed(raw_one), await timed(fac.list_sending_domains)

        async_raw, async_facade = asyncio.run(run_async())
    return {
        "sync_raw_ms": sync_raw * 1e3,
        "sync_facade_ms": sync_facade * 1e3,
        "sync_ratio": sync_facade / sync_raw,
        "async_raw_ms": async_raw * 1e3,
        "async_facade_ms": async_facade * 1e3,
        "async_ratio": async_facade / async_raw,
    }


# --- (c) import time -----------------------------------------------------------------------------
def _import_seconds(module: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import time; t = time.perf_counter(); import {module}; "
                "print(time.perf_counter() - t)",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(float(out.stdout))
    return statistics.median(times)


def bench_import(repeats: int) -> dict[str, float]:
    httpx_s = _import_seconds("httpx", repeats)
    maildns_s = _import_seconds("maildns", repeats)
    return {"httpx_ms": httpx_s * 1e3, "maildns_ms": maildns_s * 1e3, "ratio": maildns_s / httpx_s}


# --- report --------------------------------------------------------------------------------------
def _verdict(ratio: float, goal: float) -> str:
    return "meets" if ratio <= goal else f"misses by {(ratio / goal - 1) * 100:.0f}%"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per client-side timing")
    parser.add_argument("--e2e-calls", type=int, default=500, help="calls per end-to-end timing")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--imports", type=int, default=15, help="interpreters per import timing")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()

    a = bench_client_side(args.calls)
    b = bench_end_to_end(args.e2e_calls, args.concurrency)
    c = bench_import(args.imports)
    rows = [
        (
            "(a) client-side cost per call, MockTransport",
            f"{a['raw_us']:.0f} µs",
            f"{a['facade_us']:.0f} µs",
            a["ratio"],
            1.5,
        ),
        (
            "(b) end to end, sync",
            f"{b['sync_raw_ms']:.2f} ms",
            f"{b['sync_facade_ms']:.2f} ms",
            b["sync_ratio"],
            1.05,
        ),
        (
            f"(b) end to end, async, concurrency {args.concurrency}",
            f"{b['async_raw_ms']:.2f} ms",
            f"{b['async_facade_ms']:.2f} ms",
            b["async_ratio"],
            1.05,
        ),
        (
            "(c) import maildns vs import httpx",
            f"{c['httpx_ms']:.1f} ms",
            f"{c['maildns_ms']:.1f} ms",
            c["ratio"],
            1.5,
        ),
    ]
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {datetime.now(UTC).date().isoformat()}: "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}. The baseline (raw httpx) and the facade are "
        "measured in the same run; only the ratios carry over between machines.",
        "",
        "The call is `list_sending_domains()` on Tesouro (three domains with their records) "
        "against the same request made with httpx and parsed with `json`.",
        "",
        "| benchmark | raw httpx | maildns | ratio | goal | |",
        "|---|---|---|---|---|---|",
    ]
    for name, raw, fac, ratio, goal in rows:
        lines.append(
            f"| {name} | {raw} | {fac} | {ratio:.2f}x | <= {goal}x | {_verdict(ratio, goal)} |"
        )
    lines += [
        "",
        "Where the time goes: on each call the facade does what raw httpx + `json` does, and also",
        "runs the auth flow (token cached), builds the request with the generated module, parses",
        "the body into the generated attrs models (kept as `raw`; they are what checks the answer",
        "against the spec) and maps them to `SendingDomain`. On a zero-latency transport the",
        "generated parse alone is about a third of the raw cost; against a local sandbox that",
        "answers in well under a millisecond the same few tens of microseconds show in the",
        "end-to-end ratio, and vanish against a real vendor's network latency.",
    ]
    text = "\n".join(lines) + "\n"
    args.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
