"""The recorded cassettes: free of secrets, independent of the sandbox port, and complete.

Complete means every operation of every spec is replayed by some test, and every error status
a spec documents is answered at least once.
"""

from __future__ import annotations

import base64
import functools
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

from maildns.sandbox import DEMO_CREDENTIALS

from .conftest import CASSETTES, COLLECTED, REDACTED, ROOT, scrub_request, scrub_response
from .specs import SPECS, load, operations

CASSETTE_FILES = sorted(CASSETTES.rglob("*.yaml"))

# Anything that looks like a credential, beyond the demo credentials themselves.
SUSPICIOUS = [
    re.compile(r"(?i)\b(bearer|basic)[ \t]+(?!REDACTED\b)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"(?im)^\s*-?\s*['\"]?authorization['\"]?\s*:"),
    re.compile(
        r"(?i)\"(access_token|refresh_token|id_token|token|client_secret|password)\"\s*:\s*"
        r"\"(?!REDACTED\")"
    ),
    re.compile(r"(?i)[?&](token|access_token|client_secret|password)=(?!REDACTED\b)"),
    re.compile(r"(?i)\b(client_secret|password)=(?!REDACTED\b)"),
]


def _secret_values() -> list[str]:
    values = []
    for creds in DEMO_CREDENTIALS.values():
        for key in ("client_secret", "password"):
            if key in creds:
                values.append(creds[key])
    ciirus = DEMO_CREDENTIALS["ciirus"]
    values.append(base64.b64encode(f"{ciirus['username']}:{ciirus['password']}".encode()).decode())
    return values


def find_secrets(text: str) -> list[str]:
    """What in ``text`` is, or looks like, a secret (empty when clean)."""
    found = [f"demo secret {v[:3]}..." for v in _secret_values() if v in text]
    for pattern in SUSPICIOUS:
        found += [
            f"pattern {pattern.pattern[:40]!r} at {m.start()}" for m in pattern.finditer(text)
        ]
    return found


@functools.cache  # each cassette is read by several parametrized tests: parse it once
def _load(path: Path) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it
    data: dict[str, Any] = yaml.load(path.read_text(), Loader=loader)  # noqa: S506 - safe loader
    return data


def _spec_for(uri: str) -> str | None:
    """The spec a recorded request was made under: the one whose servers include the URI's
    host; when several do (a vendor's dated versions), the one whose paths start with the
    URI's first segment."""
    parts = urlsplit(uri)
    found = [name for name, (hosts, _) in _spec_places().items() if parts.hostname in hosts]
    if len(found) > 1:
        first = parts.path.split("/")[1] if parts.path.count("/") > 1 else ""
        found = [name for name in found if first in _spec_places()[name][1]]
    return found[0] if len(found) == 1 else None


@functools.cache
def _spec_places() -> dict[str, tuple[set[str | None], set[str]]]:
    """Each spec's server hosts and the first segments of its paths."""
    return {
        name: (
            {urlsplit(server["url"]).hostname for server in load(name)["servers"]},
            {op.path.split("/")[1] for op in operations(name)},
        )
        for name in SPECS
    }


@functools.cache
def _interactions() -> list[tuple[str, str, str, int]]:
    """(spec, METHOD, path, status) of every recorded interaction."""
    out = []
    for path in CASSETTE_FILES:
        for item in _load(path).get("interactions", []):
            uri = item["request"]["uri"]
            spec = _spec_for(uri)
            if spec is not None:
                status = int(item["response"]["status"]["code"])
                out.append((spec, item["request"]["method"], urlsplit(uri).path, status))
    return out


def _recorded_tests() -> set[Path]:
    """The cassette each test marked ``vcr`` records, by pytest-recording's naming.

    From this session's own collection when it holds every test module (``make test``);
    otherwise (some tests chosen) from a collection of them all in a subprocess."""
    modules = {Path(item.nodeid.split("::", 1)[0]).name for item in COLLECTED}
    if modules >= {path.name for path in (ROOT / "tests").glob("test_*.py")}:
        nodeids = [item.nodeid for item in COLLECTED if item.get_closest_marker("vcr")]
    else:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "vcr", "tests"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        nodeids = [line for line in done.stdout.splitlines() if "::" in line]
    expected = set()
    for nodeid in nodeids:
        module, *parts = nodeid.split("::")
        expected.add(CASSETTES / Path(module).stem / (".".join(parts) + ".yaml"))
    return expected


def test_every_recorded_test_has_its_cassette_and_every_cassette_its_test() -> None:
    expected = _recorded_tests()
    assert len(expected) > 100  # the collection found the recorded tests
    on_disk = set(CASSETTE_FILES)
    assert sorted(map(str, expected - on_disk)) == [], "run make record"
    assert sorted(map(str, on_disk - expected)) == [], "a cassette whose test is gone"
    for path in on_disk:
        assert _load(path).get("interactions"), f"{path} recorded nothing"


@pytest.mark.parametrize("path", CASSETTE_FILES, ids=lambda p: str(p.relative_to(CASSETTES)))
def test_cassette_holds_no_secret(path: Path) -> None:
    text = path.read_text()
    assert find_secrets(text) == []
    for item in _load(path).get("interactions", []):
        headers = {k.lower() for k in item["request"].get("headers", {})}
        assert not headers & {"authorization", "cookie", "host"}
        assert "set-cookie" not in {k.lower() for k in item["response"].get("headers", {})}


@pytest.mark.parametrize("path", CASSETTE_FILES, ids=lambda p: str(p.relative_to(CASSETTES)))
def test_cassette_does_not_depend_on_the_sandbox_port(path: Path) -> None:
    text = path.read_text()
    assert "127.0.0.1" not in text
    assert "localhost" not in text
    for item in _load(path).get("interactions", []):
        assert _spec_for(item["request"]["uri"]) is not None, item["request"]["uri"]


def test_secret_scan_catches_planted_secrets() -> None:
    """The scan above can fail: each kind of leak it looks for is found."""
    tesouro = DEMO_CREDENTIALS["tesouro"]
    leaks = [
        f"Authorization: Bearer {'a' * 30}",
        "authorization:\n- Basic UGFydG5lckRlbW86U2VjcmV0MTIz",
        '{"access_token": "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"}',
        "uri: https://api.telecomx.dk/dns?token=47fgh8d9s",
        f"grant_type=client_credentials&client_secret={tesouro['client_secret']}",
        '{"username": "x", "password": "hunter22"}',
    ]
    for leak in leaks:
        assert find_secrets(leak), leak
    assert find_secrets('{"access_token": "REDACTED", "token_type": "Bearer"}') == []


def test_scrub_request_rewrites_the_sandbox_url_and_drops_credentials() -> None:
    from vcr.request import Request

    secret = DEMO_CREDENTIALS["tesouro"]["client_secret"]
    req = Request(
        "POST",
        "http://127.0.0.1:54321/tesouro/openid/connect/token?token=abc&x=1",
        f"grant_type=client_credentials&client_id=id&client_secret={secret}".encode(),
        {
            "Authorization": "Bearer abc",
            "Host": "127.0.0.1:54321",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    out = scrub_request(req)
    assert out.uri == f"https://api.sandbox.tesouro.com/openid/connect/token?token={REDACTED}&x=1"
    assert "authorization" not in {k.lower() for k in out.headers}
    assert "host" not in {k.lower() for k in out.headers}
    assert dict(parse_qsl(out.body.decode())) == {
        "grant_type": "client_credentials",
        "client_id": REDACTED,
        "client_secret": REDACTED,
    }


def test_scrub_response_redacts_tokens_at_any_depth() -> None:
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"content-length": ["80"], "set-cookie": ["token=abc"]},
        "body": {"string": b'{"token": "abc", "employee": {"access_token": "def"}, "ttl": 5}'},
    }
    out = scrub_response(response)
    assert out["body"]["string"] == (
        b'{"token": "REDACTED", "employee": {"access_token": "REDACTED"}, "ttl": 5}'
    )
    assert out["headers"]["content-length"] == [str(len(out["body"]["string"]))]
    assert "set-cookie" not in out["headers"]


@pytest.mark.parametrize("name", SPECS)
def test_every_operation_is_replayed(name: str) -> None:
    recorded = [(m, p) for spec, m, p, _ in _interactions() if spec == name]
    missing = [
        f"{op.method} {op.path}"
        for op in operations(name)
        if not any(m == op.method and op.path_regex.match(p) for m, p in recorded)
    ]
    assert missing == [], f"no cassette replays: {missing}"


@pytest.mark.parametrize("name", SPECS)
def test_every_documented_error_status_is_replayed(name: str) -> None:
    documented: dict[int, list[str]] = defaultdict(list)
    for op in operations(name):
        for status in op.op["responses"]:
            if status.isdigit() and int(status) >= 400:
                documented[int(status)].append(op.operation_id)
    answered = {status for spec, _, _, status in _interactions() if spec == name}
    missing = {s: ops for s, ops in documented.items() if s not in answered}
    assert missing == {}, f"documented but never replayed: {missing}"
