"""Shared test plumbing: where each vendor test talks to, and how cassettes are kept clean.

Replay (``make test``): no server runs; every HTTP test replays its cassette from
``cassettes/<test module>/`` with the network blocked, against the vendor's documented URL.

Record (``make record``): one local sandbox serves the whole run, reset before each test; its
``http://127.0.0.1:<port>/<vendor>`` URL is rewritten to the vendor's documented server URL in
the cassette, so cassettes neither change with the port nor differ from a vendor recording.
``make record VENDOR=<vendor>`` records that vendor's tests against the vendor itself, with
credentials from the environment (the same variables the facade reads).
"""

from __future__ import annotations

import functools
import gc
import itertools
import json
import os
import re
import ssl
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx._transports.default
import pytest
import stamina

from maildns import DnsRecord
from maildns._core.pace import forget_paces
from maildns.sandbox import DEMO_CREDENTIALS, Sandbox
from maildns.sandbox import VENDORS as SANDBOX_VENDORS
from maildns.sandbox.__main__ import environment
from maildns.vendors import DECLARATIONS

from .ordering import long_first

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"
TARGETS_FILE = CASSETTES / "targets.json"

# Every vendor, from its declaration (maildns.vendors): cassettes always carry the documented
# server URL whoever answered; recording against a vendor reads the credentials from the
# environment variables its client reads, and the account ids its sandbox seeds from
# <VENDOR>_<ID> (TELECOMX_CUSTOMER_ID, ...).
VENDOR_SERVERS = {name: d.default_base_url for name, d in DECLARATIONS.items()}
VENDOR_ENV = {
    name: {c.argument: c.env for c in d.credentials if c.argument in d.credential_sets[0]}
    for name, d in DECLARATIONS.items()
}
SANDBOX_EXTRA = {name: Sandbox().account(name) for name in SANDBOX_VENDORS}
VENDOR_EXTRA_ENV = {
    name: {key: f"{name}_{key}".upper() for key in extra} for name, extra in SANDBOX_EXTRA.items()
}

REDACTED = "REDACTED"
# Request fields and response keys that hold secrets, or ids that differ per account.
SECRET_BODY_FIELDS = ("client_id", "client_secret", "username", "password")
SECRET_QUERY_FIELDS = ("token", "access_token", "client_secret", "password")
SECRET_RESPONSE_KEYS = frozenset(
    {"access_token", "refresh_token", "id_token", "token", "client_secret", "password"}
)
DROPPED_HEADERS = ("authorization", "cookie", "set-cookie", "host")

_SANDBOX_URL = re.compile(
    r"^http://(?:127\.0\.0\.1|localhost):\d+/(" + "|".join(DECLARATIONS) + r")(?=/|$)"
)


# --- scrubbing ---------------------------------------------------------------------------------
def _redact_json(value: Any) -> tuple[Any, bool]:
    if isinstance(value, dict):
        changed = False
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in SECRET_RESPONSE_KEYS and isinstance(item, str):
                out[key], changed = REDACTED, True
            else:
                out[key], sub = _redact_json(item)
                changed = changed or sub
        return out, changed
    if isinstance(value, list):
        items = [_redact_json(v) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    return value, False


def scrub_request(request: Any) -> Any:
    """Map the sandbox URL to the vendor's, and drop credentials from headers, query and body."""
    match = _SANDBOX_URL.match(request.uri)
    if match:
        request.uri = VENDOR_SERVERS[match.group(1)] + request.uri[match.end() :]
    if request.parsed_uri.query:
        pairs = parse_qsl(request.parsed_uri.query, keep_blank_values=True)
        if any(k in SECRET_QUERY_FIELDS for k, _ in pairs):
            query = urlencode([(k, REDACTED if k in SECRET_QUERY_FIELDS else v) for k, v in pairs])
            request.uri = request.uri.split("?", 1)[0] + "?" + query
    for name in DROPPED_HEADERS:
        request.headers.pop(name, None)
    request = _scrub_request_body(request)
    if "content-length" in request.headers and isinstance(request.body, bytes):
        request.headers["content-length"] = str(len(request.body))
    return request


def _scrub_request_body(request: Any) -> Any:
    body = request.body
    if isinstance(body, bytes) and body:
        ctype = request.headers.get("content-type", "")
        if "application/x-www-form-urlencoded" in ctype:
            pairs = parse_qsl(body.decode(), keep_blank_values=True)
            pairs = [(k, REDACTED if k in SECRET_BODY_FIELDS else v) for k, v in pairs]
            request.body = urlencode(pairs).encode()
        elif "json" in ctype:
            try:
                data = json.loads(body)
            except ValueError:
                return request
            if isinstance(data, dict) and any(k in data for k in SECRET_BODY_FIELDS):
                data = {k: (REDACTED if k in SECRET_BODY_FIELDS else v) for k, v in data.items()}
                request.body = json.dumps(data).encode()
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """Redact tokens in JSON bodies and drop cookies."""
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in ("set-cookie",):
            del headers[name]
    body = response.get("body", {}).get("string")
    if isinstance(body, bytes | str) and body:
        try:
            data = json.loads(body)
        except ValueError:
            return response
        data, changed = _redact_json(data)
        if changed:
            new = json.dumps(data).encode()
            response["body"]["string"] = new
            for name in list(headers):
                if name.lower() == "content-length":
                    headers[name] = [str(len(new))]
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "match_on": ["method", "path", "query", "body"],
        "decode_compressed_response": True,
        "record_on_exception": False,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(CASSETTES / request.module.__name__.rsplit(".", 1)[-1])


# --- targets -------------------------------------------------------------------------------------
def _recording(config: pytest.Config) -> bool:
    return (config.getoption("--record-mode") or "none") != "none"


def _vendor_recorded_live() -> str:
    return os.environ.get("MAILDNS_RECORD_VENDOR", "").strip().lower()


def _load_targets() -> dict[str, dict[str, str]]:
    if TARGETS_FILE.exists():
        data: dict[str, dict[str, str]] = json.loads(TARGETS_FILE.read_text())
        return data
    return {}


def _save_target_extra(vendor: str, extra: dict[str, str]) -> None:
    """Remember the account-specific ids a recording used, so that replay sends the same."""
    data = _load_targets()
    if data.get(vendor) == extra:
        return
    data[vendor] = extra
    CASSETTES.mkdir(exist_ok=True)
    TARGETS_FILE.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


@dataclass
class Target:
    """Where a vendor test sends its requests, and with which credentials."""

    vendor: str
    base_url: str
    credentials: dict[str, str]
    extra: dict[str, str] = field(default_factory=dict)
    sandbox: Sandbox | None = None

    def advance_clock(self, seconds: float) -> None:
        """Move the sandbox clock while recording; on replay the cassette holds the answer."""
        if self.sandbox is not None:
            self.sandbox.advance_clock(seconds)

    def inject_fault(self, method: str, path: str, **kwargs: Any) -> None:
        """Make the sandbox fail the next matching request while recording.

        See ``Sandbox.inject_fault``.

        Tests that use it are sandbox-only: a real vendor cannot be told to fail.
        """
        if self.sandbox is not None:
            self.sandbox.inject_fault(self.vendor, method, path, **kwargs)

    def publish_dns(self, zone: str, records: Iterable[DnsRecord]) -> None:
        """Serve ``records`` from the sandbox's DNS while recording (``Sandbox.publish_dns``).

        Tests that use it are sandbox-only: a vendor's sandbox would look at real DNS.
        """
        if self.sandbox is not None:
            self.sandbox.publish_dns(zone, records)


@pytest.fixture(autouse=True, scope="session")
def _one_default_tls_context() -> Iterator[None]:
    """Every httpx client made without a TLS context of its own shares one default context.

    The tests make hundreds of plain-HTTP clients to loopback (``httpx.post(...)`` makes one a
    call), and httpx loads the CA bundle into a new context for each, a few hundredths of a
    second of CPU apiece. The shared context is the very one httpx would make (kept per
    ``SSL_CERT_FILE``/``SSL_CERT_DIR``, which it reads); maildns's own clients share theirs
    already (tests/test_tls_context.py).
    """
    make = httpx._transports.default.create_ssl_context

    @functools.cache
    def default(trust_env: bool, cafile: str | None, capath: str | None) -> ssl.SSLContext:
        return make(verify=True, cert=None, trust_env=trust_env)

    def shared(verify: Any = True, cert: Any = None, trust_env: bool = True) -> ssl.SSLContext:
        if verify is True and cert is None:
            env = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
            return default(trust_env, *env)
        return make(verify=verify, cert=cert, trust_env=trust_env)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx._transports.default, "create_ssl_context", shared)
        yield


@pytest.fixture(autouse=True)
def _fresh_paces() -> Iterator[None]:
    # A pace is per credential and base URL, and a sandbox's port may be reused by the next
    # test's: one test's 429s must not slow the next one down.
    forget_paces()
    yield
    forget_paces()


class _SandboxHolder:
    def __init__(self) -> None:
        self.sandbox: Sandbox | None = None

    def get(self) -> Sandbox:
        if self.sandbox is None:
            # No rate limit: its headers count real time, and a recording must not depend on
            # how fast it ran (tests/test_sandbox_limits.py tests the limits).
            self.sandbox = Sandbox(rate_limits=dict.fromkeys(SANDBOX_VENDORS))
            self.sandbox.start_server()
        return self.sandbox

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()


@pytest.fixture(scope="session")
def _sandbox_holder() -> Iterator[_SandboxHolder]:
    holder = _SandboxHolder()
    yield holder
    holder.close()


@pytest.fixture
def sb(_sandbox_holder: _SandboxHolder) -> Iterator[Sandbox]:
    """A live sandbox on loopback (one server per session), fresh for each test: reset
    before it, its injected faults cleared after it. For tests that need a running sandbox
    rather than cassettes (faults, timing, concurrency)."""
    sandbox = _sandbox_holder.get()
    sandbox.reset()
    yield sandbox
    sandbox.clear_faults()


@pytest.fixture
def sandbox_env(sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The environment every client reads (base URLs, credentials) and
    ``MAILDNS_NAMESERVERS`` pointed at the live sandbox, as a user would export them."""
    return point_env_at(sb, monkeypatch)


def point_env_at(sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """What ``sandbox_env`` does, for any sandbox (one a test starts with its own settings)."""
    given, unset = environment(sb)  # what `maildns sandbox` exports
    for name, value in given.items():
        monkeypatch.setenv(name, value)
    for name in (*unset, "MAILDNS_STATE"):
        monkeypatch.delenv(name, raising=False)
    return sb


def write_onboard_config(path: Path, sb: Sandbox, vendors: str) -> Path:
    """An onboarding configuration at ``path``: zone example.com of the sandbox's seeded
    TelecomX account, and mail.example.com with ``vendors`` (YAML lines, 4-space indented)."""
    path.write_text(
        "version: 1\n"
        "dns:\n"
        "  vendor: telecomx\n"
        "  zones:\n"
        f'    example.com: {{customer: "{sb.telecomx_customer_id}", '
        f'product: "{sb.telecomx_product_id}", ttl: 3600}}\n'
        "domains:\n"
        "  - domain: mail.example.com\n" + vendors
    )
    return path


@pytest.fixture
def real_backoff() -> None:
    """Requested by a test that needs stamina's real waits (see ``no_backoff``)."""


@pytest.fixture
def no_backoff(request: pytest.FixtureRequest) -> Iterator[None]:
    """Retries without sleeping (max_retries still applies), unless the test asks for
    ``real_backoff``. Modules use it with ``pytestmark = pytest.mark.usefixtures(...)``."""
    if "real_backoff" in request.fixturenames:
        yield
        return
    stamina.set_testing(True, attempts=10, cap=True)
    try:
        yield
    finally:
        stamina.set_testing(False)


@pytest.fixture
def vendor_target(
    request: pytest.FixtureRequest, _sandbox_holder: _SandboxHolder
) -> Callable[[str], Target]:
    """``vendor_target("tesouro")``: the base URL and credentials for this test's vendor."""
    recording = _recording(request.config)
    live_vendor = _vendor_recorded_live()
    reset_done: list[bool] = []

    def make(vendor: str) -> Target:
        if vendor not in DECLARATIONS:
            raise ValueError(f"unknown vendor {vendor!r}")
        if not recording:
            extra = _load_targets().get(vendor, SANDBOX_EXTRA.get(vendor, {}))
            return Target(vendor, VENDOR_SERVERS[vendor], dict(DEMO_CREDENTIALS[vendor]), extra)
        if live_vendor == vendor:
            env = {**VENDOR_ENV[vendor], **VENDOR_EXTRA_ENV.get(vendor, {})}
            missing = [name for name in env.values() if not os.environ.get(name)]
            if missing:
                pytest.fail(f"recording against {vendor} needs {', '.join(missing)} set")
            creds = {k: os.environ[v] for k, v in VENDOR_ENV[vendor].items()}
            extra = {k: os.environ[v] for k, v in VENDOR_EXTRA_ENV.get(vendor, {}).items()}
            base = os.environ.get(f"{vendor.upper()}_BASE_URL", VENDOR_SERVERS[vendor])
            if extra:
                _save_target_extra(vendor, extra)
            return Target(vendor, base.rstrip("/"), creds, extra)
        sb = _sandbox_holder.get()
        if not reset_done:
            sb.reset()
            reset_done.append(True)
        extra = dict(SANDBOX_EXTRA.get(vendor, {}))
        if extra:
            _save_target_extra(vendor, extra)
        return Target(vendor, sb.url(vendor), sb.credentials(vendor), extra, sb)

    return make


# --- PostgreSQL (tests/postgres.py): one server for the session, one database per test ----------
@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The session's PostgreSQL server (its ``postgres`` database's connection string)."""
    from .postgres import binaries, running_server

    pytest.importorskip("psycopg")
    if binaries() is None:
        pytest.skip("PostgreSQL is not installed: apt-get install postgresql (.ci/run does)")
    with running_server() as dsn:
        yield dsn


_databases = itertools.count()


@pytest.fixture
def postgres_dsn(postgres_server: str) -> str:
    """A fresh, empty database on the session's server, for one test."""
    import psycopg

    name = f"t{os.getpid()}_{next(_databases)}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return postgres_server.rsplit("/", 1)[0] + "/" + name


# --- the whole collection, before -k/-m deselect (tests/test_cassettes.py reads it) --------------
COLLECTED: list[pytest.Item] = []
"""Every test this session collected, before any was deselected (``-k``, ``-m``)."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    COLLECTED[:] = items
    long_first(items)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    # What collection made (the modules, the items) lives as long as the session: kept out of
    # the cyclic collector's generations, a full collection no longer scans it each time
    # (a few percent of a worker's CPU).
    gc.collect()
    gc.freeze()
