"""Benchmarks for the maildns facade, as ratios against raw httpx measured in the same process.

Four calls, each against a raw-httpx baseline that makes the same request and parses the body
with ``json.loads(response.content)``. The raw client has its base URL and auth set once:
Tesouro's ``Authorization: Bearer <token>`` and ``x-finops-version`` as client headers,
TelecomX's ``token`` query parameter as client params, CiiRUS's HTTP Basic ``auth``.

* ``TelecomX.get_zone("example.com")``: a zone of 11 records (A, AAAA, CNAME, two MX, two NS,
  SRV, and TXT for SPF and two DKIM keys, one longer than 255 characters and so sent as
  several quoted strings);
* ``Tesouro.list_sending_domains()``: three domains with their records (consumed with
  ``list(...)``, so that a lazy iterator is measured in full);
* ``Tesouro.create_sending_domain(name)``: a fresh name per call, raw and facade alike;
* ``Ciirus.get_sending_domain("mail.example.com")``: API version v2024.07.31.

Goals (the verdict of each row is "meets" or "misses by N%"):

(a) client-side cost over a zero-latency ``httpx.MockTransport``, sync and async
    (sequential awaits), for each call                                          <= 1.2x
(b) end to end against the sandbox served by another process
    (``python -m maildns.sandbox --port 0``), sync and async at concurrency 50
    (an ``asyncio.Semaphore``-bounded ``gather``), for each call                 <= 1.05x
(c) startup: ``import maildns`` and constructing one client of each vendor (no request is
    made) against ``import httpx``, each in a fresh interpreter                   <= 1.5x
(d) the sandbox as a server: its per-request time against a minimal Starlette app's that
    answers the same bytes, both over uvicorn in their own processes, driven by the same
    raw-socket load generator (``scripts/loadgen.py``: keep-alive, 50 connections, every answer
    checked byte for byte), for TelecomX ``GET /dns/{domain}`` and Tesouro
    ``GET /finops/v1/mailbox-domains``                          <= 1.25x (0.8x the throughput)
(e), (f), (g) are ``scripts/bench_bulk.py``, ``bench_generate.py`` and ``bench_checks.py``;
(h) the sandbox's nameserver against a minimal dnspython server, at 1 and 500 records
    (``scripts/bench_nameserver.py``)                                  >= 0.8x the throughput
(i) ``onboard watch`` over many domains on the sandbox's clock (``scripts/bench_watch.py``):
    requests/s within the budget, every domain once per interval, no second over 2x the mean,
    drift to event within an interval, memory flat (<= 20 MB over 10 intervals)

Method. Both sides are warmed up first. Then each benchmark runs R rounds; a round times a
batch of raw calls and a batch of facade calls, alternating which goes first from one round to
the next, so that a drift of the (shared, noisy) machine falls on both sides alike. The ratio
is the median of the per-round ratios (facade per-call time / raw per-call time); the spread
is their min-max; the per-call times shown are the medians over the rounds (async: the batch
time divided by its calls). (c) alternates the two interpreters N times and reports the
median of the per-pair ratios.

The mock bodies are the specs' documented examples (``specs/*.yaml``) adapted to the
benchmark's domains, validated at start-up with the generated ``vendor_models`` (strictly,
and without undocumented fields), so that a mock that does not fit the spec fails loudly; the
mock answers the token and login requests too, and answers a create with 201 and the domain.
In (b) the sandbox is seeded with the public facade (the same zone records as the mock, three
Tesouro domains, a CiiRUS subaccount). Before every create batch the sandbox is reset, so that
each batch starts from the same state: the raw side fetches a new token and each side makes
one untimed call (the sync facade's meets a 401 and logs in again). Every async batch starts
with new clients on both sides (and one untimed call each): httpcore's cost per request grows
with the number of connections in the pool, and a long-lived pool keeps however many its
history happened to open.

Writes BENCHMARKS.md (or ``--output``) and prints the same text. The exit status is 0 even
when a goal is missed (the benchmark reports, it does not gate) unless ``--check`` is given
(then 1); 2 when a benchmark could not run. ``--quick`` runs everything with small counts, as a
smoke test; ``--tiny`` runs every benchmark's logic (two alternating rounds of a few calls,
three bulk domains and one kill; (f) not measured) for the tests, whose figures mean nothing.
``--only abcd`` runs some benchmarks alone. Run with ``make bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import inspect
import itertools
import json
import math
import os
import platform
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode

import bench_bulk
import bench_checks
import bench_generate
import bench_nameserver
import bench_watch
import httpx
import loadgen
import pydantic
import yaml
from vendor_models import ciirus_v2024_07_31 as ciirus_models
from vendor_models import telecomx as telecomx_models
from vendor_models import tesouro as tesouro_models

import maildns
from maildns.sandbox import DEMO_CREDENTIALS, TELECOMX_CUSTOMER_ID, TELECOMX_PRODUCT_ID
from maildns.sandbox._core import rsa_public_key as fake_rsa_key

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"

GOAL_CLIENT = 1.2
GOAL_END_TO_END = 1.05
GOAL_STARTUP = 1.5

TESOURO_VERSION = "2025-06-23"
CIIRUS_VERSION = "v2024.07.31"
ZONE = "example.com"
TESOURO_DOMAINS = ("mail.example.com", "news.example.com", "billing.example.com")
CIIRUS_DOMAIN = "mail.example.com"

# The facade's default connection pool and timeout, written out: the raw clients use the same.
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=50)
TIMEOUT = httpx.Timeout(30, connect=5)

SERVERS = {
    "tesouro": "https://api.sandbox.tesouro.com",
    "telecomx": "https://api.telecomx.dk",
    "ciirus": "https://api.ciiruspartners.com",
}
TOKEN_PATH = "/openid/connect/token"  # noqa: S105 - a path, not a secret
DOMAINS_PATH = "/finops/v1/mailbox-domains"
LOGIN_PATH = "/auth/login"
ZONE_PATH = f"/dns/{ZONE}"
SUBACCOUNT_PATH = f"/{CIIRUS_VERSION}/emails/subaccount"

GET_ZONE = "TelecomX.get_zone"
LIST_DOMAINS = "Tesouro.list_sending_domains"
CREATE_DOMAIN = "Tesouro.create_sending_domain"
GET_SUBACCOUNT = "Ciirus.get_sending_domain"
CALLS = (GET_ZONE, LIST_DOMAINS, CREATE_DOMAIN, GET_SUBACCOUNT)

MOCK_SYNC = "(a) MockTransport, sync"
MOCK_ASYNC = "(a) MockTransport, async"
SANDBOX_SYNC = "(b) sandbox, sync"
STARTUP = "(c) startup"
STARTUP_CALL = "import + 3 clients"
NOTES_MARKER = "<!-- notes -->"

RAW, FACADE = "raw", "facade"
_SCRIPT_START = time.perf_counter()


def sandbox_async_label(concurrency: int) -> str:
    return f"(b) sandbox, async, concurrency {concurrency}"


@dataclass(frozen=True)
class Settings:
    """How much to run: rounds per benchmark, calls per batch, interpreters for (c)."""

    rounds: int = 20
    mock_batch: int = 250
    sandbox_batch: int = 150
    async_batch: int = 250
    server_batch: int = 2000
    concurrency: int = 50
    warmup: int = 50
    startup_runs: int = 20


QUICK = Settings(
    rounds=4,
    mock_batch=20,
    sandbox_batch=8,
    async_batch=50,
    server_batch=400,
    warmup=3,
    startup_runs=2,
)


# The smallest run that still goes through every benchmark's logic: two rounds (one of each
# order), a few calls a batch, three domains in (e); ``tests/test_bench.py`` runs it.
TINY = Settings(
    rounds=2,
    mock_batch=3,
    sandbox_batch=2,
    async_batch=4,
    server_batch=20,
    concurrency=4,
    warmup=1,
    startup_runs=2,
)
TINY_BULK = 3
TINY_NAMESERVER_SIZES = (1, 3)


class BenchError(RuntimeError):
    """A side answered something other than what the call should give."""


# --- measurement ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Measurement:
    """Per-call seconds of each side, one value per round."""

    raw: list[float]
    facade: list[float]

    @property
    def ratios(self) -> list[float]:
        return [f / r for r, f in zip(self.raw, self.facade, strict=True)]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def raw_median(self) -> float:
        return statistics.median(self.raw)

    @property
    def facade_median(self) -> float:
        return statistics.median(self.facade)


@dataclass(frozen=True)
class Row:
    benchmark: str
    call: str
    goal: float
    measurement: Measurement | None = None
    error: str | None = None

    @property
    def missed(self) -> bool:
        return self.measurement is not None and self.measurement.ratio > self.goal


def _check(side: str, ok: Callable[[Any], bool], value: Any) -> None:
    if not ok(value):
        raise BenchError(f"the {side} call answered {value!r:.300}")


@dataclass(frozen=True)
class Case:
    """One call, both ways, synchronously; ``prepare`` runs before every timed batch."""

    call: str
    raw: Callable[[], Any]
    facade: Callable[[], Any]
    raw_ok: Callable[[Any], bool]
    facade_ok: Callable[[Any], bool]
    prepare: Callable[[], None] | None = None


@dataclass(frozen=True)
class AsyncCase:
    """One call, both ways, as coroutines; ``prepare`` runs before every timed batch."""

    call: str
    raw: Callable[[], Awaitable[Any]]
    facade: Callable[[], Awaitable[Any]]
    raw_ok: Callable[[Any], bool]
    facade_ok: Callable[[Any], bool]
    prepare: Callable[[], Awaitable[None]] | None = None


def _sides(round_no: int) -> tuple[str, str]:
    return (RAW, FACADE) if round_no % 2 == 0 else (FACADE, RAW)


def measure_sync(case: Case, rounds: int, batch: int, warmup: int) -> Measurement:
    """Alternating rounds of ``batch`` calls a side, after ``warmup`` calls of each."""
    fns = {RAW: case.raw, FACADE: case.facade}
    oks = {RAW: case.raw_ok, FACADE: case.facade_ok}
    for side in (RAW, FACADE):
        for _ in range(warmup):
            _check(side, oks[side], fns[side]())
    times: dict[str, list[float]] = {RAW: [], FACADE: []}
    for round_no in range(rounds):
        for side in _sides(round_no):
            if case.prepare is not None:
                case.prepare()
            fn = fns[side]
            last = None
            start = time.perf_counter()
            for _ in range(batch):
                last = fn()
            times[side].append((time.perf_counter() - start) / batch)
            _check(side, oks[side], last)
    return Measurement(times[RAW], times[FACADE])


async def _batch_async(
    fn: Callable[[], Awaitable[Any]], n: int, concurrency: int
) -> tuple[float, list[Any]]:
    """Seconds per call of ``n`` calls: sequential awaits, or a semaphore-bounded gather."""
    if concurrency <= 1:
        results = []
        start = time.perf_counter()
        for _ in range(n):
            results.append(await fn())
        return (time.perf_counter() - start) / n, results
    sem = asyncio.Semaphore(concurrency)

    async def one() -> Any:
        async with sem:
            return await fn()

    start = time.perf_counter()
    gathered = await asyncio.gather(*(one() for _ in range(n)))
    return (time.perf_counter() - start) / n, list(gathered)


async def measure_async(
    case: AsyncCase, rounds: int, batch: int, warmup: int, concurrency: int
) -> Measurement:
    """As :func:`measure_sync`, with each batch run at ``concurrency``."""
    fns = {RAW: case.raw, FACADE: case.facade}
    oks = {RAW: case.raw_ok, FACADE: case.facade_ok}
    for side in (RAW, FACADE):
        await fns[side]()  # one call alone first: a log-in is not raced by the warm-up batch
        _, results = await _batch_async(fns[side], warmup, concurrency)
        for result in results:
            _check(side, oks[side], result)
    times: dict[str, list[float]] = {RAW: [], FACADE: []}
    for round_no in range(rounds):
        for side in _sides(round_no):
            if case.prepare is not None:
                await case.prepare()
            per_call, results = await _batch_async(fns[side], batch, concurrency)
            times[side].append(per_call)
            for result in results:
                _check(side, oks[side], result)
    return Measurement(times[RAW], times[FACADE])


def _progress(row: Row) -> Row:
    if row.measurement is not None:
        m = row.measurement
        what = f"{m.ratio:.2f}x ({min(m.ratios):.2f}-{max(m.ratios):.2f})"
    else:
        what = f"ERROR {row.error}"
    at = time.perf_counter() - _SCRIPT_START
    print(f"  {at:5.0f}s  {row.benchmark:<36} {row.call:<30} {what}", file=sys.stderr, flush=True)
    return row


def _error_row(benchmark: str, call: str, goal: float, exc: BaseException) -> Row:
    traceback.print_exception(exc, file=sys.stderr)
    return _progress(Row(benchmark, call, goal, error=f"{type(exc).__name__}: {exc}"[:300]))


def run_sync_cases(
    benchmark: str,
    goal: float,
    build: Callable[[], list[Case]],
    settings: Settings,
    batch: int,
    calls: tuple[str, ...] = CALLS,
) -> list[Row]:
    """Measure the cases ``build`` makes (for ``calls``); a failure is reported in its row."""
    try:
        cases = build()
    except Exception as exc:
        return [_error_row(benchmark, call, goal, exc) for call in calls]
    rows = []
    for case in cases:
        try:
            m = measure_sync(case, settings.rounds, batch, settings.warmup)
        except Exception as exc:
            rows.append(_error_row(benchmark, case.call, goal, exc))
        else:
            rows.append(_progress(Row(benchmark, case.call, goal, m)))
    return rows


async def run_async_cases(
    benchmark: str, goal: float, cases: list[AsyncCase], settings: Settings, batch: int, conc: int
) -> list[Row]:
    rows = []
    for case in cases:
        try:
            m = await measure_async(case, settings.rounds, batch, settings.warmup, conc)
        except Exception as exc:
            rows.append(_error_row(benchmark, case.call, goal, exc))
        else:
            rows.append(_progress(Row(benchmark, case.call, goal, m)))
    return rows


# --- the data: one zone, three Tesouro domains, one CiiRUS subaccount ----------------------------
def rsa_public_key(label: str, bits: int) -> str:
    """A well-formed RSA public key (base64 DER, as in a DKIM ``p=`` tag); the modulus is a
    hash of ``label``, so that every run publishes the same key."""
    size = bits // 8
    blocks = (hashlib.sha256(f"{label}/{i}".encode()).digest() for i in itertools.count())
    return fake_rsa_key(b"".join(itertools.islice(blocks, size // 32)))


def zone_records() -> list[maildns.DnsRecord]:
    """The records of ``example.com``, as the facade takes them."""
    t, r = maildns.RecordType, maildns.DnsRecord
    return [
        r(type=t.A, name=ZONE, value="192.0.2.10"),
        r(type=t.AAAA, name=ZONE, value="2001:db8::10"),
        r(type=t.CNAME, name=f"www.{ZONE}", value="web.example.net"),
        r(type=t.MX, name=ZONE, value="mx1.example.net", priority=10),
        r(type=t.MX, name=ZONE, value="mx2.example.net", priority=20),
        r(type=t.NS, name=ZONE, value="ns1.telecomx.dk"),
        r(type=t.NS, name=ZONE, value="ns2.telecomx.dk"),
        r(type=t.SRV, name=f"_sip._tcp.{ZONE}", value="10 60 5060 sip.example.com"),
        r(
            type=t.TXT,
            name=ZONE,
            value="v=spf1 include:mailgun.org include:spf.mandrillapp.com ~all",
        ),
        r(
            type=t.TXT,
            name=f"pic._domainkey.{ZONE}",
            value=f"k=rsa; p={rsa_public_key('pic', 2048)}",  # > 255: split in two strings
        ),
        r(
            type=t.TXT,
            name=f"mandrill._domainkey.{ZONE}",
            value=f"v=DKIM1; k=rsa; p={rsa_public_key('mandrill', 1024)};",
        ),
    ]


def telecomx_wire(record: maildns.DnsRecord) -> dict[str, str]:
    """A record as TelecomX sends it: name relative to the zone, ``MX <priority>``, TXT quoted in
    strings of at most 255 characters."""
    name = "" if record.name == ZONE else record.name.removesuffix(f".{ZONE}")
    kind = str(record.type.value)
    data = record.value
    if record.type is maildns.RecordType.MX:
        kind = f"MX {record.priority}"
    elif record.type is maildns.RecordType.TXT:
        data = " ".join(f'"{data[i : i + 255]}"' for i in range(0, len(data), 255))
    return {"name": name, "type": kind, "rData": data}


def _spec(name: str) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec: dict[str, Any] = yaml.load((SPECS / name).read_text(), Loader=loader)  # noqa: S506
    return spec


def _example(spec: dict[str, Any], path: str, method: str, status: str, name: str) -> Any:
    response = spec["paths"][path][method]["responses"][status]
    return response["content"]["application/json"]["examples"][name]["value"]


def _extras(model: Any, where: str = "") -> list[str]:
    """Fields of a validated model (recursively) that its schema does not document."""
    found: list[str] = []
    extra = getattr(model, "model_extra", None)
    if extra:
        found += [f"{where}.{key}" for key in extra]
    if isinstance(model, pydantic.BaseModel):
        for key in type(model).model_fields:
            found += _extras(getattr(model, key), f"{where}.{key}")
    elif isinstance(model, list):
        for i, item in enumerate(model):
            found += _extras(item, f"{where}[{i}]")
    return found


def _validated(model: Any, body: Any, what: str) -> bytes:
    """``body`` as JSON bytes, after checking that it fits ``model`` exactly."""
    data = json.dumps(body, separators=(",", ":")).encode()
    parsed = model.model_validate_json(data, strict=True)
    extras = _extras(parsed)
    if extras:
        raise BenchError(f"the mock {what} has fields the spec does not document: {extras}")
    return data


@dataclass(frozen=True)
class MockBodies:
    """The mock's answers, as bytes, each validated against its spec at start-up."""

    tesouro_token: bytes
    tesouro_list: bytes
    tesouro_created: bytes  # for CREATED_PLACEHOLDER, replaced with the requested domain
    telecomx_login: bytes
    telecomx_zone: bytes
    ciirus_subaccount: bytes
    zone_records: list[dict[str, str]] = field(default_factory=list)


CREATED_PLACEHOLDER = "mail.mycompany.com"  # the domain of the spec's create example


def build_mock_bodies(records: list[maildns.DnsRecord]) -> MockBodies:
    tesouro, telecomx, ciirus = (
        _spec("tesouro.yaml"),
        _spec("telecomx.yaml"),
        _spec(f"ciirus-{CIIRUS_VERSION}.yaml"),
    )
    token = _example(tesouro, TOKEN_PATH, "post", "200", "documented")
    listed = _example(tesouro, DOMAINS_PATH, "get", "200", "mailgun-domain")["data"][0]
    domains = []
    for domain in TESOURO_DOMAINS:
        text = json.dumps(listed).replace(CREATED_PLACEHOLDER, domain)
        domains.append({**json.loads(text), "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, domain))})
    created = _example(tesouro, DOMAINS_PATH, "post", "201", "mailgun-domain")
    if CREATED_PLACEHOLDER not in json.dumps(created):
        raise BenchError(f"the spec's create example no longer names {CREATED_PLACEHOLDER}")

    login = _example(telecomx, LOGIN_PATH, "post", "200", "loggedIn")
    wire = [telecomx_wire(r) for r in records]
    zone = {**_example(telecomx, "/dns/{domain}", "get", "200", "zone"), "_id": ZONE}
    zone["records"] = wire

    subaccount = _example(ciirus, SUBACCOUNT_PATH, "get", "200", "validated")
    subaccount = {**subaccount, "sending_domain": CIIRUS_DOMAIN}

    return MockBodies(
        tesouro_token=_validated(tesouro_models.AccessTokenResponse, token, "token"),
        tesouro_list=_validated(tesouro_models.DomainListResponse, {"data": domains}, "list"),
        tesouro_created=_validated(tesouro_models.DomainResponse, created, "created domain"),
        telecomx_login=_validated(telecomx_models.LoginResponse, login, "login"),
        telecomx_zone=_validated(telecomx_models.Dns, zone, "zone"),
        ciirus_subaccount=_validated(
            ciirus_models.SubaccountRetrieveResponse, subaccount, "subaccount"
        ),
        zone_records=wire,
    )


# --- the mock transports -------------------------------------------------------------------------
_JSON = {"content-type": "application/json"}
_TESOURO_HEADERS = {
    **_JSON,
    "x-request-id": "0f6a3c1e-9b2d-4c8e-a7f5-3d2b1c0e9f8a",
    "x-finops-version": TESOURO_VERSION,
}
_NOT_FOUND = b'{"message":"no such route in the benchmark mock"}'


def tesouro_transport(bodies: MockBodies) -> httpx.MockTransport:
    placeholder = CREATED_PLACEHOLDER.encode()

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == DOMAINS_PATH:
            if request.method == "POST":
                domain = json.loads(request.content)["domain"].encode()
                body = bodies.tesouro_created.replace(placeholder, domain)
                return httpx.Response(201, content=body, headers=_TESOURO_HEADERS)
            return httpx.Response(200, content=bodies.tesouro_list, headers=_TESOURO_HEADERS)
        if path == TOKEN_PATH:
            return httpx.Response(200, content=bodies.tesouro_token, headers=_TESOURO_HEADERS)
        return httpx.Response(404, content=_NOT_FOUND, headers=_JSON)

    return httpx.MockTransport(handler)


def telecomx_transport(bodies: MockBodies) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == ZONE_PATH:
            return httpx.Response(200, content=bodies.telecomx_zone, headers=_JSON)
        if path == LOGIN_PATH:
            return httpx.Response(200, content=bodies.telecomx_login, headers=_JSON)
        return httpx.Response(404, content=_NOT_FOUND, headers=_JSON)

    return httpx.MockTransport(handler)


def ciirus_transport(bodies: MockBodies) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == SUBACCOUNT_PATH:
            return httpx.Response(200, content=bodies.ciirus_subaccount, headers=_JSON)
        return httpx.Response(404, content=_NOT_FOUND, headers=_JSON)

    return httpx.MockTransport(handler)


# --- raw clients ---------------------------------------------------------------------------------
@functools.cache
def _tls() -> ssl.SSLContext:
    """The one TLS context of every plain httpx client the bench makes, as maildns's clients
    share one: loading the CA bundle for each new client is set-up outside the timed batches,
    and at ``--tiny`` it was most of the run's CPU."""
    return httpx.create_ssl_context()


def tesouro_token(base_url: str, transport: httpx.BaseTransport | None = None) -> str:
    with httpx.Client(transport=transport, timeout=TIMEOUT, verify=_tls()) as client:
        response = client.post(
            f"{base_url}{TOKEN_PATH}",
            data={"grant_type": "client_credentials", **DEMO_CREDENTIALS["tesouro"]},
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


def telecomx_token(base_url: str, transport: httpx.BaseTransport | None = None) -> str:
    with httpx.Client(transport=transport, timeout=TIMEOUT, verify=_tls()) as client:
        response = client.post(f"{base_url}{LOGIN_PATH}", json=DEMO_CREDENTIALS["telecomx"])
        response.raise_for_status()
        token: str = response.json()["token"]
        return token


def _tesouro_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "x-finops-version": TESOURO_VERSION}


def _ciirus_auth() -> tuple[str, str]:
    creds = DEMO_CREDENTIALS["ciirus"]
    return creds["username"], creds["password"]


@dataclass
class RawClients:
    """One raw client per vendor, sync or async, with base URL and auth set once."""

    tesouro: Any
    telecomx: Any
    ciirus: Any


def raw_clients(
    urls: dict[str, str],
    client_type: type[httpx.Client] | type[httpx.AsyncClient],
    transports: dict[str, httpx.MockTransport] | None = None,
) -> RawClients:
    transports = transports or {}

    def make(vendor: str, **kwargs: Any) -> Any:
        return client_type(
            base_url=urls[vendor],
            transport=transports.get(vendor),
            limits=LIMITS,
            timeout=TIMEOUT,
            verify=_tls(),
            **kwargs,
        )

    return RawClients(
        tesouro=make(
            "tesouro",
            headers=_tesouro_headers(tesouro_token(urls["tesouro"], transports.get("tesouro"))),
        ),
        telecomx=make(
            "telecomx",
            params={"token": telecomx_token(urls["telecomx"], transports.get("telecomx"))},
        ),
        ciirus=make("ciirus", auth=_ciirus_auth()),
    )


# --- the four calls, both ways -------------------------------------------------------------------
@dataclass
class Facades:
    tesouro: Any
    telecomx: Any
    ciirus: Any


def sync_facades(
    urls: dict[str, str] | None = None, transports: dict[str, httpx.MockTransport] | None = None
) -> Facades:
    """The public clients: against ``urls``, or over the mock ``transports``."""

    def options(vendor: str) -> dict[str, Any]:
        if transports is not None:
            return {"http_client": httpx.Client(transport=transports[vendor]), **PACED}
        assert urls is not None
        return {"base_url": urls[vendor], **PACED}

    return Facades(
        tesouro=maildns.Tesouro(**DEMO_CREDENTIALS["tesouro"], **options("tesouro")),
        telecomx=maildns.TelecomX(**DEMO_CREDENTIALS["telecomx"], **options("telecomx")),
        ciirus=maildns.Ciirus(
            **DEMO_CREDENTIALS["ciirus"], api_version=CIIRUS_VERSION, **options("ciirus")
        ),
    )


def async_facades(
    urls: dict[str, str] | None = None, transports: dict[str, httpx.MockTransport] | None = None
) -> Facades:
    def options(vendor: str) -> dict[str, Any]:
        if transports is not None:
            return {"http_client": httpx.AsyncClient(transport=transports[vendor]), **PACED}
        assert urls is not None
        return {"base_url": urls[vendor], **PACED}

    return Facades(
        tesouro=maildns.AsyncTesouro(**DEMO_CREDENTIALS["tesouro"], **options("tesouro")),
        telecomx=maildns.AsyncTelecomX(**DEMO_CREDENTIALS["telecomx"], **options("telecomx")),
        ciirus=maildns.AsyncCiirus(
            **DEMO_CREDENTIALS["ciirus"], api_version=CIIRUS_VERSION, **options("ciirus")
        ),
    )


# Paced as every facade call is, at a rate no batch reaches: the pacing's cost is measured,
# never a wait (the sandbox runs without its rate limit, and raw httpx has none).
PACED: dict[str, Any] = {"rate_limit": 100_000}


class Names:
    """Fresh domain names for creates, shared by raw and facade so that none is used twice."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def __call__(self) -> str:
        return f"bench-{next(self._counter)}.example.com"


def _zone_ok(n_records: int) -> tuple[Callable[[Any], bool], Callable[[Any], bool]]:
    def raw_ok(body: Any) -> bool:
        return (
            isinstance(body, dict) and body.get("_id") == ZONE and len(body["records"]) == n_records
        )

    def facade_ok(zone: Any) -> bool:
        return zone.domain == ZONE and len(zone.records) == n_records

    return raw_ok, facade_ok


def _list_raw_ok(body: Any) -> bool:
    return isinstance(body, dict) and len(body.get("data", ())) == len(TESOURO_DOMAINS)


def _list_facade_ok(domains: Any) -> bool:
    return isinstance(domains, list) and len(domains) == len(TESOURO_DOMAINS)


def _created_raw_ok(body: Any) -> bool:
    return isinstance(body, dict) and "id" in body and body.get("domain", "").startswith("bench-")


def _created_facade_ok(domain: Any) -> bool:
    return str(domain.domain).startswith("bench-") and len(domain.records) > 0


def _subaccount_raw_ok(body: Any) -> bool:
    return isinstance(body, dict) and body.get("sending_domain") == CIIRUS_DOMAIN


def _subaccount_facade_ok(domain: Any) -> bool:
    return domain.domain == CIIRUS_DOMAIN and len(domain.records) > 0


def sync_cases(
    raw: RawClients, facade: Facades, names: Names, n_records: int, calls: tuple[str, ...]
) -> list[Case]:
    """The calls, both ways. Clients are looked up on each call (the same cost on both sides),
    so that a ``prepare`` step may replace them."""
    zone_raw_ok, zone_facade_ok = _zone_ok(n_records)
    loads = json.loads
    every = {
        GET_ZONE: Case(
            GET_ZONE,
            lambda: loads(raw.telecomx.get(ZONE_PATH).content),
            lambda: facade.telecomx.get_zone(ZONE),
            zone_raw_ok,
            zone_facade_ok,
        ),
        LIST_DOMAINS: Case(
            LIST_DOMAINS,
            lambda: loads(raw.tesouro.get(DOMAINS_PATH).content),
            lambda: list(facade.tesouro.list_sending_domains()),
            _list_raw_ok,
            _list_facade_ok,
        ),
        CREATE_DOMAIN: Case(
            CREATE_DOMAIN,
            lambda: loads(raw.tesouro.post(DOMAINS_PATH, json={"domain": names()}).content),
            lambda: facade.tesouro.create_sending_domain(names()),
            _created_raw_ok,
            _created_facade_ok,
        ),
        GET_SUBACCOUNT: Case(
            GET_SUBACCOUNT,
            lambda: loads(raw.ciirus.get(SUBACCOUNT_PATH).content),
            lambda: facade.ciirus.get_sending_domain(CIIRUS_DOMAIN),
            _subaccount_raw_ok,
            _subaccount_facade_ok,
        ),
    }
    return [every[call] for call in calls]


async def _consume(listing: Any) -> list[Any]:
    """A listing as a list, whether it is a list, an iterator or an async iterator."""
    if inspect.isawaitable(listing):
        listing = await listing
    if hasattr(listing, "__aiter__"):
        return [item async for item in listing]
    return list(listing)


def async_cases(
    raw: RawClients, facade: Facades, names: Names, n_records: int, calls: tuple[str, ...]
) -> list[AsyncCase]:
    """As :func:`sync_cases`, as coroutines."""
    zone_raw_ok, zone_facade_ok = _zone_ok(n_records)
    loads = json.loads

    async def zone_raw() -> Any:
        return loads((await raw.telecomx.get(ZONE_PATH)).content)

    async def list_raw() -> Any:
        return loads((await raw.tesouro.get(DOMAINS_PATH)).content)

    async def create_raw() -> Any:
        return loads((await raw.tesouro.post(DOMAINS_PATH, json={"domain": names()})).content)

    async def subaccount_raw() -> Any:
        return loads((await raw.ciirus.get(SUBACCOUNT_PATH)).content)

    async def zone_facade() -> Any:
        return await facade.telecomx.get_zone(ZONE)

    async def list_facade() -> Any:
        return await _consume(facade.tesouro.list_sending_domains())

    async def create_facade() -> Any:
        return await facade.tesouro.create_sending_domain(names())

    async def subaccount_facade() -> Any:
        return await facade.ciirus.get_sending_domain(CIIRUS_DOMAIN)

    every = {
        GET_ZONE: AsyncCase(GET_ZONE, zone_raw, zone_facade, zone_raw_ok, zone_facade_ok),
        LIST_DOMAINS: AsyncCase(LIST_DOMAINS, list_raw, list_facade, _list_raw_ok, _list_facade_ok),
        CREATE_DOMAIN: AsyncCase(
            CREATE_DOMAIN, create_raw, create_facade, _created_raw_ok, _created_facade_ok
        ),
        GET_SUBACCOUNT: AsyncCase(
            GET_SUBACCOUNT,
            subaccount_raw,
            subaccount_facade,
            _subaccount_raw_ok,
            _subaccount_facade_ok,
        ),
    }
    return [every[call] for call in calls]


# --- (a) client-side cost over MockTransport -----------------------------------------------------
def _transports(bodies: MockBodies) -> dict[str, httpx.MockTransport]:
    return {
        "tesouro": tesouro_transport(bodies),
        "telecomx": telecomx_transport(bodies),
        "ciirus": ciirus_transport(bodies),
    }


def bench_mock_sync(bodies: MockBodies, settings: Settings, names: Names) -> list[Row]:
    def build() -> list[Case]:
        transports = _transports(bodies)
        raw = raw_clients(SERVERS, httpx.Client, transports)
        facade = sync_facades(transports=transports)
        return sync_cases(raw, facade, names, len(bodies.zone_records), CALLS)

    return run_sync_cases(MOCK_SYNC, GOAL_CLIENT, build, settings, settings.mock_batch)


def bench_mock_async(bodies: MockBodies, settings: Settings, names: Names) -> list[Row]:
    async def run() -> list[Row]:
        transports = _transports(bodies)
        raw = raw_clients(SERVERS, httpx.AsyncClient, transports)
        facade = async_facades(transports=transports)
        try:
            cases = async_cases(raw, facade, names, len(bodies.zone_records), CALLS)
            return await run_async_cases(
                MOCK_ASYNC, GOAL_CLIENT, cases, settings, settings.mock_batch, 1
            )
        finally:
            await _aclose(raw, facade)

    try:
        return asyncio.run(run())
    except Exception as exc:
        return [_error_row(MOCK_ASYNC, call, GOAL_CLIENT, exc) for call in CALLS]


async def _aclose(raw: RawClients, facade: Facades) -> None:
    for client in (raw.tesouro, raw.telecomx, raw.ciirus):
        await client.aclose()
    for client in (facade.tesouro, facade.telecomx, facade.ciirus):
        await client.aclose()


# --- (b) end to end against the sandbox ----------------------------------------------------------
class SandboxProcess:
    """``python -m maildns.sandbox --port 0`` in its own process; the base URL it prints."""

    what = "the sandbox"

    def command(self) -> list[str]:
        # No rate limit: the benchmark measures cost per call, far above Tesouro's 30/s.
        return [
            sys.executable,
            "-m",
            "maildns.sandbox",
            "--port",
            "0",
            "--rate-limit",
            "tesouro=off",
        ]

    def __enter__(self) -> Self:
        self.proc = subprocess.Popen(
            self.command(),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()  # "<what> on <base URL> ..."
        if " on " not in first:
            self.proc.kill()
            raise BenchError(f"{self.what} did not start: {first!r}")
        self.base = first.split(" on ", 1)[1].split()[0]
        self.urls = {vendor: f"{self.base}/{vendor}" for vendor in SERVERS}
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def seed(urls: dict[str, str], records: list[maildns.DnsRecord]) -> None:
    """The state every get and list reads, made with the public facade."""
    with maildns.TelecomX(base_url=urls["telecomx"], **DEMO_CREDENTIALS["telecomx"]) as dns:
        dns.create_zone(ZONE, customer=TELECOMX_CUSTOMER_ID, product=TELECOMX_PRODUCT_ID)
        for record in records:
            dns.add_record(ZONE, record)
    with maildns.Tesouro(base_url=urls["tesouro"], **DEMO_CREDENTIALS["tesouro"]) as tesouro:
        for domain in TESOURO_DOMAINS:
            tesouro.create_sending_domain(domain)
    with maildns.Ciirus(
        base_url=urls["ciirus"], api_version=CIIRUS_VERSION, **DEMO_CREDENTIALS["ciirus"]
    ) as ciirus:
        ciirus.create_sending_domain(CIIRUS_DOMAIN, daily_send_limit=500, approved=True)


def compare_zone(urls: dict[str, str], bodies: MockBodies) -> str | None:
    """Whether the seeded zone's records are the mock's (a warning if not)."""
    params = {"token": telecomx_token(urls["telecomx"])}
    got = httpx.get(f"{urls['telecomx']}{ZONE_PATH}", params=params, verify=_tls()).json()[
        "records"
    ]

    def triples(records: list[dict[str, str]]) -> list[tuple[str, str, str]]:
        return sorted((r.get("name", ""), r["type"], r["rData"]) for r in records)

    if triples(got) == triples(bodies.zone_records):
        return None
    return (
        "the sandbox's zone records differ from the mock's: "
        f"{triples(got)!r:.400} vs {triples(bodies.zone_records)!r:.400}"
    )


def _swap(holder: Any, fresh: Any) -> list[Any]:
    """Put ``fresh``'s clients into ``holder``; the clients it held, to close."""
    old = list(vars(holder).values())
    vars(holder).update(vars(fresh))
    return old


def bench_sandbox(
    records: list[maildns.DnsRecord], bodies: MockBodies, settings: Settings, names: Names
) -> tuple[list[Row], list[Row], list[str]]:
    """(b): the sync rows, the async rows and any warnings.

    The reads run first, on the seeded state; the creates last, with a sandbox reset before
    every batch (which also forgets the seeded state), so that every create batch starts from
    the same state. Async batches also start from new clients on both sides: httpcore's cost
    per request grows with the number of pooled connections, and a long-lived pool holds
    however many connections its history happened to open (from about 14 to 50 here), which
    would decide the ratio of a round.
    """
    async_label = sandbox_async_label(settings.concurrency)
    reads = (GET_ZONE, LIST_DOMAINS, GET_SUBACCOUNT)
    warnings: list[str] = []
    sync_rows: dict[str, Row] = {}
    async_rows: dict[str, Row] = {}
    n_records = len(records)
    try:
        with SandboxProcess() as sandbox:
            urls = sandbox.urls
            reset_url = f"{sandbox.base}/_sandbox/reset"
            seed(urls, records)
            mismatch = compare_zone(urls, bodies)
            if mismatch:
                warnings.append(mismatch)
                print(f"warning: {mismatch}", file=sys.stderr)

            def sync_reads() -> list[Case]:
                raw = raw_clients(urls, httpx.Client)
                return sync_cases(raw, sync_facades(urls), names, n_records, reads)

            def sync_create() -> list[Case]:
                raw = raw_clients(urls, httpx.Client)
                facade = sync_facades(urls)
                (case,) = sync_cases(raw, facade, names, n_records, (CREATE_DOMAIN,))

                def prepare() -> None:
                    httpx.post(reset_url, timeout=TIMEOUT, verify=_tls()).raise_for_status()
                    raw.tesouro.headers.update(_tesouro_headers(tesouro_token(urls["tesouro"])))
                    _check(RAW, case.raw_ok, case.raw())
                    _check(FACADE, case.facade_ok, case.facade())  # a 401, then a new log-in

                return [replace(case, prepare=prepare)]

            async def run_async(calls: tuple[str, ...], reset: bool) -> list[Row]:
                raw = raw_clients(urls, httpx.AsyncClient)
                facade = async_facades(urls)
                control = httpx.AsyncClient(timeout=TIMEOUT, verify=_tls())

                async def prepare(case: AsyncCase) -> None:
                    if reset:
                        (await control.post(reset_url)).raise_for_status()
                    stale = _swap(raw, raw_clients(urls, httpx.AsyncClient))
                    stale += _swap(facade, async_facades(urls))
                    for client in stale:
                        await client.aclose()
                    _check(RAW, case.raw_ok, await case.raw())
                    _check(FACADE, case.facade_ok, await case.facade())  # the facade logs in

                try:
                    cases = [
                        replace(case, prepare=functools.partial(prepare, case))
                        for case in async_cases(raw, facade, names, n_records, calls)
                    ]
                    return await run_async_cases(
                        async_label,
                        GOAL_END_TO_END,
                        cases,
                        settings,
                        settings.async_batch,
                        settings.concurrency,
                    )
                finally:
                    await control.aclose()
                    await _aclose(raw, facade)

            goal, batch = GOAL_END_TO_END, settings.sandbox_batch
            for row in run_sync_cases(SANDBOX_SYNC, goal, sync_reads, settings, batch, reads):
                sync_rows[row.call] = row
            for row in asyncio.run(run_async(reads, reset=False)):
                async_rows[row.call] = row
            creates = (CREATE_DOMAIN,)
            for row in run_sync_cases(SANDBOX_SYNC, goal, sync_create, settings, batch, creates):
                sync_rows[row.call] = row
            for row in asyncio.run(run_async(creates, reset=True)):
                async_rows[row.call] = row
    except Exception as exc:
        for label, rows in ((SANDBOX_SYNC, sync_rows), (async_label, async_rows)):
            for call in CALLS:
                if call not in rows:
                    rows[call] = _error_row(label, call, GOAL_END_TO_END, exc)
    return [sync_rows[call] for call in CALLS], [async_rows[call] for call in CALLS], warnings


# --- (d) the sandbox as a server ----------------------------------------------------------------


def server_label(concurrency: int) -> str:
    return f"(d) sandbox server / minimal Starlette, concurrency {concurrency}"


SERVER_GOAL_THROUGHPUT = 0.8
GOAL_SERVER = 1 / SERVER_GOAL_THROUGHPUT  # per-request time: 0.8x the throughput is 1.25x the time
SERVER_ZONE = f"GET /telecomx{ZONE_PATH}"
SERVER_DOMAINS = f"GET /tesouro{DOMAINS_PATH}"
SERVER_CALLS = (SERVER_ZONE, SERVER_DOMAINS)

# A minimal Starlette app that answers every GET with the same JSON bytes (read from the file
# named in argv[1]), served by uvicorn exactly as the sandbox is served (Sandbox.start_server:
# its socket options and its uvicorn.Config), in its own process; prints its base URL.
MINIMAL_SERVER = """
import socket, sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

bodies = {}
for arg in sys.argv[1:]:
    path, _, file = arg.partition("=")
    bodies[path] = open(file, "rb").read()

def endpoint(body):
    async def answer(request):
        return Response(body, media_type="application/json")
    return answer

app = Starlette(routes=[Route(p, endpoint(b)) for p, b in bodies.items()])
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
sock.listen(2048)  # listening before the line below: no client finds the port closed
port = sock.getsockname()[1]
config = uvicorn.Config(
    app, log_level="warning", server_header=False, date_header=False, lifespan="off"
)
server = uvicorn.Server(config)
print(f"minimal server on http://127.0.0.1:{port}", flush=True)
server.run(sockets=[sock])
"""


class MinimalProcess(SandboxProcess):
    """:data:`MINIMAL_SERVER` in its own process, answering ``bodies`` (path -> file)."""

    what = "the minimal server"

    def __init__(self, bodies: dict[str, Path]) -> None:
        self.args = [f"{path}={file}" for path, file in bodies.items()]

    def command(self) -> list[str]:
        return [sys.executable, "-c", MINIMAL_SERVER, *self.args]


def bench_server(records: list[maildns.DnsRecord], settings: Settings, tmp: Path) -> list[Row]:
    """(d): the sandbox's own throughput against a minimal Starlette app's, both over uvicorn.

    The same load generator (:mod:`loadgen`) sends the same request to both at the same
    concurrency, alternating which goes first; the minimal app
    answers the very bytes the sandbox answered (so the same size), with no validation, no
    authentication and no routing beyond one path. The "raw" column is the minimal app, the
    "maildns" column the sandbox; the ratio is of per-request times (sandbox / minimal), so
    the throughput ratio is its inverse.
    """
    label = server_label(settings.concurrency)
    rows: list[Row] = []
    try:
        with SandboxProcess() as sandbox:
            urls = sandbox.urls
            seed(urls, records)
            requests = {
                SERVER_ZONE: (
                    f"/telecomx{ZONE_PATH}",
                    {"token": telecomx_token(urls["telecomx"])},
                    {},
                ),
                SERVER_DOMAINS: (
                    f"/tesouro{DOMAINS_PATH}",
                    {},
                    _tesouro_headers(tesouro_token(urls["tesouro"])),
                ),
            }
            files: dict[str, Path] = {}
            expected: dict[str, bytes] = {}
            for call, (path, params, headers) in requests.items():
                answer = httpx.get(
                    f"{sandbox.base}{path}",
                    params=params,
                    headers=headers,
                    timeout=TIMEOUT,
                    verify=_tls(),
                )
                answer.raise_for_status()
                expected[call] = answer.content
                files[path] = tmp / f"body-{len(files)}.json"
                files[path].write_bytes(answer.content)
            with MinimalProcess(files) as minimal:
                bases = {RAW: minimal.base, FACADE: sandbox.base}
                for call, (path, params, headers) in requests.items():
                    body = expected[call]
                    try:
                        m = asyncio.run(
                            _measure_server(bases, path, params, headers, body, settings)
                        )
                    except Exception as exc:
                        rows.append(_error_row(label, call, GOAL_SERVER, exc))
                    else:
                        rows.append(_progress(Row(label, call, GOAL_SERVER, m)))
    except Exception as exc:
        done = {row.call for row in rows}
        rows += [_error_row(label, c, GOAL_SERVER, exc) for c in SERVER_CALLS if c not in done]
    return rows


async def _measure_server(
    bases: dict[str, str],
    path: str,
    params: dict[str, str],
    headers: dict[str, str],
    body: bytes,
    settings: Settings,
) -> Measurement:
    """Rounds of :func:`loadgen.run` batches, alternating sides; per-request seconds each."""
    query = urlencode(params)
    urls = {side: f"{bases[side]}{path}" + (f"?{query}" if query else "") for side in bases}

    async def batch(side: str, requests: int) -> float:
        seconds = await loadgen.run(urls[side], body, requests, settings.concurrency, headers)
        return seconds / requests

    try:
        for side in (RAW, FACADE):
            await batch(side, settings.server_batch // 4)  # warm-up
        times: dict[str, list[float]] = {RAW: [], FACADE: []}
        for round_no in range(settings.rounds):
            for side in _sides(round_no):
                times[side].append(await batch(side, settings.server_batch))
    except loadgen.LoadError as exc:
        raise BenchError(f"(d): {exc}") from None
    return Measurement(times[RAW], times[FACADE])


# --- (c) startup ---------------------------------------------------------------------------------
_TIMED = "import time\nt = time.perf_counter()\n{body}\nprint(time.perf_counter() - t)\n"
STARTUP_RAW = _TIMED.format(body="import httpx")
STARTUP_FACADE = _TIMED.format(
    body="\n".join(
        [
            "import maildns",
            "maildns.Tesouro(client_id={client_id!r}, client_secret={client_secret!r})".format(
                **DEMO_CREDENTIALS["tesouro"]
            ),
            "maildns.TelecomX(username={username!r}, password={password!r})".format(
                **DEMO_CREDENTIALS["telecomx"]
            ),
            "maildns.Ciirus(username={username!r}, password={password!r})".format(
                **DEMO_CREDENTIALS["ciirus"]
            ),
        ]
    )
)


# Bytecode cached, as on any installation (pip compiles at install time; Python caches on first
# import): without it each interpreter compiles every module from source, which measures the
# size of the source, not the work an import does.
_STARTUP_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _startup_seconds(code: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=_STARTUP_ENV,
    )
    return float(out.stdout.strip().splitlines()[-1])


def bench_startup(settings: Settings) -> Row:
    try:
        codes = {RAW: STARTUP_RAW, FACADE: STARTUP_FACADE}
        for side in (RAW, FACADE):  # warm the file cache and the bytecode caches
            _startup_seconds(codes[side])
        times: dict[str, list[float]] = {RAW: [], FACADE: []}
        for run in range(settings.startup_runs):
            for side in _sides(run):
                times[side].append(_startup_seconds(codes[side]))
        return _progress(Row(STARTUP, STARTUP_CALL, GOAL_STARTUP, Measurement(**times)))
    except Exception as exc:
        return _error_row(STARTUP, STARTUP_CALL, GOAL_STARTUP, exc)


# --- report --------------------------------------------------------------------------------------
def _time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1e-2:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e3:.1f} ms"


def verdict(ratio: float, goal: float) -> str:
    if ratio <= goal:
        return "meets"
    return f"misses by {max(1, math.ceil((ratio / goal - 1) * 100))}%"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _cells(row: Row) -> list[str]:
    goal = f"≤ {row.goal:g}x"
    if row.measurement is None:
        return [row.benchmark, row.call, "-", "-", "error", "-", goal, f"error: {row.error}"]
    m = row.measurement
    return [
        row.benchmark,
        row.call,
        _time(m.raw_median),
        _time(m.facade_median),
        f"{m.ratio:.2f}x",
        f"{min(m.ratios):.2f}-{max(m.ratios):.2f}x",
        goal,
        verdict(m.ratio, row.goal),
    ]


def _existing_notes(path: Path) -> str:
    """What the engineer wrote below the notes marker last time, kept across runs."""
    if not path.exists():
        return ""
    _, marker, after = path.read_text().partition(NOTES_MARKER)
    return after.strip("\n") if marker else ""


def render(
    rows: list[Row],
    settings: Settings,
    quick: bool,
    elapsed: float,
    load: str,
    warnings: list[str],
    notes: str,
    bulk: list[Any] | None = None,
    generation: list[Any] | None = None,
    tiny: bool = False,
    checks: list[Any] | None = None,
    nameserver: list[Any] | None = None,
    watching: list[Any] | None = None,
) -> str:
    now = datetime.now(UTC)
    size = " --tiny" if tiny else " --quick" if quick else ""
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` (`scripts/bench.py{size}`) on "
        f"{now:%Y-%m-%d %H:%M} UTC, in {elapsed:.0f} s.",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores (load average {load} at the "
        f"start), {platform.python_implementation()} {platform.python_version()}, "
        f"httpx {httpx.__version__}, maildns {maildns.__version__}.",
        "",
        "Method: raw httpx (base URL and auth set once on the client, body parsed with "
        "`json.loads(response.content)`) against the facade, in one process, both warmed up "
        f"first. Each benchmark runs {settings.rounds} rounds; a round times a batch of raw "
        "calls and a batch of facade calls, alternating which goes first. The ratio is the "
        "median of the per-round ratios (facade / raw), the spread their min-max, the "
        "per-call times the medians over the rounds. Batches: "
        f"{settings.mock_batch} calls over MockTransport (async: sequential awaits), "
        f"{settings.sandbox_batch} against the sandbox (sync), {settings.async_batch} at "
        f"concurrency {settings.concurrency} (async; per call = batch time / calls). The "
        "sandbox runs in its own process; it is reset before every create batch, and every "
        "async batch starts with new clients on both sides (the pool's size drives httpcore's "
        "cost per request). Creates use a fresh domain name per call. (c) runs "
        f"{settings.startup_runs} pairs of fresh interpreters, alternating, and times the "
        "imports and constructors inside each. (d) serves the same request from the sandbox and "
        "from a minimal Starlette app answering the sandbox's bytes (both uvicorn, own "
        "processes), driven by `scripts/loadgen.py` (raw keep-alive sockets, "
        f"{settings.concurrency} connections, batches of {settings.server_batch} requests, "
        "every answer checked to be 200 with the expected body; it needs well under half the "
        "server's CPU per request, so the server is what bounds the rate); its raw column is "
        "the minimal app, its ratio sandbox / minimal per-request time (throughput ratio = 1 / "
        "ratio).",
        "",
        "Only the ratios carry over between machines.",
        "",
    ]
    if warnings:
        lines += [f"**Warning:** {w}" for w in warnings] + [""]
    header = ["benchmark", "call", "raw httpx", "maildns", "ratio", "spread", "goal", "verdict"]
    lines += [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(map(_cell, _cells(row))) + " |" for row in rows]
    if bulk:
        lines += [
            "",
            "## (e) Bulk onboarding",
            "",
            "`scripts/bench_bulk.py`: a real `maildns onboard apply --yes --json --concurrency "
            f"{bench_bulk.CONCURRENCY}` of each domain in its own zone at Tesouro and TelecomX, "
            f"against the sandbox with Tesouro limited to {bench_bulk.LIMIT} requests/s (low "
            "enough that the run is bound by it here); the rate is Tesouro's requests over the "
            "seconds from its first to its last, memory the apply's peak RSS less that of the "
            "same apply of one domain. `BULK=10000 make bench` for the issue's size.",
            "",
            *bench_bulk.table(bulk),
        ]
    if generation:
        lines += [
            "",
            "## (f) Generation",
            "",
            "`scripts/bench_generate.py`, side by side in alternating rounds: the full "
            "regeneration (`scripts/generate.py --all`, four specs, two generators) on every "
            "core over one at a time; and `make` on a fresh clone of this commit over a fresh "
            f"clone of {bench_generate.BASELINE[:7]}, the last one whose fresh-clone `make` "
            "regenerated every client (both share uv's cache).",
            "",
            *bench_bulk.table(generation),
        ]
    if checks:
        lines += [
            "",
            "## (g) What receivers' checks cost",
            "",
            "`scripts/bench_checks.py`: plan from nothing of each domain in its own zone, with "
            "the checks receivers make (every SPF record counted through DNS, nested includes "
            "and void lookups; DMARC looked for) over the same plan with them stubbed out, side "
            "by side in alternating rounds; the DNS queries they send per domain (one resolver "
            "per run, its answers shared); then, after apply, `onboarding.check` of every "
            "domain from DNS alone.",
            "",
            *bench_bulk.table(checks),
        ]
    if nameserver:
        lines += [
            "",
            "## (h) Sandbox nameserver",
            "",
            "`scripts/bench_nameserver.py`: the sandbox's nameserver (its own process, one "
            "TelecomX zone of 1, then 500, A records) against a minimal dnspython server holding "
            "the same records (a UDP loop: parse, one dict lookup, render), both asked over UDP "
            "by one dnspython-built client with "
            f"{bench_nameserver.WINDOW} queries in flight, every answer checked to be the same "
            "bytes from both; alternating rounds, the ratio the median of the per-round "
            "throughput ratios (sandbox / minimal). The sandbox keeps each answer with the copy "
            "of the zone it came from while no fault is pending, so a repeated query is neither "
            "parsed nor rendered again; a change of the zone starts afresh.",
            "",
            *bench_bulk.table(nameserver),
        ]
    if watching:
        lines += [
            "",
            "## (i) Watch",
            "",
            "`scripts/bench_watch.py`: `maildns onboard watch` over domains each in its own "
            "zone at Tesouro and TelecomX, onboarded and verified (one through `apply` and "
            "`verify`, the others seeded as its copies: `scripts/bench_seed.py`), on the "
            "sandbox's clock (it "
            "moves only when watch sleeps, so no figure depends on the machine's speed), one "
            f"check at a time, every {bench_watch.INTERVAL:g} s. Tesouro's only read of a domain "
            "is its whole listing, which watch shares between the checks of a window (an "
            "interval / 60): at most 61 listings an interval, whatever the number of domains. "
            "A DKIM record is deleted mid-interval, of the domain checked just before; memory "
            "is this process's, watch and the sandbox together.",
            "",
            *bench_bulk.table(watching),
        ]
    lines += ["", "## Where the time goes", "", NOTES_MARKER]
    if notes:
        lines.append(notes)
    return "\n".join(lines) + "\n"


def _letters(text: str) -> str:
    if not text or set(text) - set("abcdefghi"):
        raise argparse.ArgumentTypeError(f"letters from a to i, not {text!r}")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts, every benchmark")
    parser.add_argument(
        "--tiny",
        action="store_true",
        help="the least that runs every benchmark's logic (for the tests: figures mean nothing)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if any goal is missed")
    parser.add_argument("--rounds", type=int, help="rounds per benchmark")
    parser.add_argument("--concurrency", type=int, help="concurrent calls in (b) async")
    parser.add_argument("--startup-runs", type=int, help="interpreter pairs in (c)")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--only",
        type=_letters,
        help=(
            "some benchmarks alone, by letter (a to i): --only e, --only abcd "
            "(the report holds only them)"
        ),
    )
    args = parser.parse_args(argv)

    settings = TINY if args.tiny else QUICK if args.quick else Settings()
    overrides = {
        "rounds": args.rounds,
        "concurrency": args.concurrency,
        "startup_runs": args.startup_runs,
    }
    settings = replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    if os.environ.get("MAILDNS_LOG"):
        print("warning: MAILDNS_LOG is set; the facade's logging is measured too", file=sys.stderr)

    load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    started = time.perf_counter()
    names = Names()
    records = zone_records()
    bodies = build_mock_bodies(records)  # a mock that does not fit the specs stops here

    rows: list[Row] = []
    warnings: list[str] = []
    if args.only is None or "a" in args.only:
        print("(a) client-side cost over MockTransport", file=sys.stderr)
        rows += bench_mock_sync(bodies, settings, names)
        rows += bench_mock_async(bodies, settings, names)
    if args.only is None or "b" in args.only:
        print("(b) end to end against the sandbox", file=sys.stderr)
        sync_rows, async_rows, warnings = bench_sandbox(records, bodies, settings, names)
        rows += sync_rows + async_rows
    if args.only is None or "c" in args.only:
        print("(c) startup", file=sys.stderr)
        rows.append(bench_startup(settings))
    if args.only is None or "d" in args.only:
        print("(d) the sandbox as a server, against a minimal Starlette app", file=sys.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            rows += bench_server(records, settings, Path(tmp))
    bulk: list[Any] = []
    if args.only is None or "e" in args.only:
        size = TINY_BULK if args.tiny else 30 if args.quick else bench_bulk.DEFAULT_DOMAINS
        domains = int(os.environ.get("BULK", size))
        print(f"(e) bulk onboarding, {domains} domains", file=sys.stderr)
        try:
            bulk = bench_bulk.run(domains, kill_runs=1 if args.tiny else bench_bulk.KILLS)
        except Exception as exc:
            bulk = [bench_bulk.Figure("bulk onboarding", f"error: {exc}", "runs", False)]
        for figure in bulk:
            print(f"    (e) {figure.what}: {figure.measured}", file=sys.stderr)
    generation: list[Any] = []
    if args.only is None or "f" in args.only:
        print("(f) generation", file=sys.stderr)
        small = args.quick or args.tiny
        generation = bench_generate.run(
            1 if small else bench_generate.ROUNDS, fresh=not small, measure=not args.tiny
        )
    checks: list[Any] = []
    if args.only is None or "g" in args.only:
        size = 5 if args.tiny else 100 if args.quick else bench_checks.DOMAINS
        print(f"(g) receivers' checks, {size} domains", file=sys.stderr)
        checks = bench_checks.run(size, 1 if args.tiny else bench_checks.ROUNDS)
    nameserver: list[Any] = []
    if args.only is None or "h" in args.only:
        print("(h) the sandbox's nameserver, against a minimal dnspython server", file=sys.stderr)
        try:
            nameserver = bench_nameserver.run(
                TINY_NAMESERVER_SIZES if args.tiny else bench_nameserver.SIZES,
                2 if args.tiny else 3 if args.quick else bench_nameserver.ROUNDS,
                20 if args.tiny else 500 if args.quick else bench_nameserver.QUERIES,
            )
        except Exception as exc:
            nameserver = [bench_bulk.Figure("sandbox nameserver", f"error: {exc}", "runs", False)]
    watching: list[Any] = []
    if args.only is None or "i" in args.only:
        size = 6 if args.tiny else 100 if args.quick else bench_watch.DOMAINS
        intervals = 3 if args.tiny else bench_watch.INTERVALS
        print(f"(i) watch, {size} domains, {intervals} intervals", file=sys.stderr)
        try:
            watching = bench_watch.run(size, intervals)
        except Exception as exc:
            watching = [bench_bulk.Figure("watch", f"error: {exc}", "runs", False)]
    elapsed = time.perf_counter() - started

    notes = _existing_notes(args.output)
    text = render(
        rows,
        settings,
        args.quick,
        elapsed,
        load,
        warnings,
        notes,
        bulk,
        generation,
        args.tiny,
        checks,
        nameserver,
        watching,
    )
    args.output.write_text(text)
    print(text)
    if any(row.error for row in rows):
        return 2
    judged = [*bulk, *generation, *checks, *nameserver, *watching]
    if args.check and (any(row.missed for row in rows) or any(f.met is False for f in judged)):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
