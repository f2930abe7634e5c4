"""The sandbox's bounds: what it reads, what its errors quote, how far its clock and faults go.

These run a live sandbox on loopback (the ``sb`` fixture) and send it requests no client of
the facade would: huge, chunked, deeply nested or nonsensical. Every answer must be small, in
the error shape of whoever answers, and free of Python's own words.
"""

from __future__ import annotations

import base64
import json
import math
import re
import socket
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpx
import pytest
from vendor_models import ciirus_v2024_07_31 as ciirus_models
from vendor_models import telecomx as telecomx_models
from vendor_models import tesouro as tesouro_models

from maildns.sandbox import (
    MAX_BODY_BYTES,
    MAX_DNS_FAULT_SECONDS,
    MAX_FAULT_DELAY,
    MAX_FAULT_TIMES,
    VENDORS,
    Sandbox,
)

from . import specs

CIIRUS_PATH = "/v2024.07.31/emails/subaccount"
DOMAINS = "/finops/v1/mailbox-domains"
# Words that only Python's own exceptions use: none may reach an answer.
INTERNAL = ("Traceback", "not supported between", "unexpected keyword", "object has no", "Errno")


def _no_internals(text: str) -> None:
    for word in INTERNAL:
        assert word not in text, text


# --- who answers where, and in which error shape ----------------------------------------------
def _tesouro_shape(status: int, body: Any) -> str:
    if status == 422:
        tesouro_models.HTTPValidationError.model_validate(body)
        return "; ".join(d["msg"] for d in body["detail"])
    message: str = tesouro_models.ErrorSchemaResponse.model_validate(body).error.message
    return message


def _telecomx_shape(status: int, body: Any) -> str:
    error = telecomx_models.Error.model_validate(body)
    assert isinstance(error.error, str)
    assert set(body) == {"error", "message"}
    return f"{error.error}: {error.message}"


def _ciirus_shape(status: int, body: Any) -> str:
    error = ciirus_models.Error.model_validate(body)
    assert set(body) <= {"message", "reasons"}
    return f"{error.message}: {'; '.join(error.reasons or [])}"


def _control_shape(status: int, body: Any) -> str:
    assert set(body) == {"error"}
    message: str = body["error"]
    return message


Shape = Callable[[int, Any], str]


def _tesouro_headers(sb: Sandbox) -> dict[str, str]:
    token = httpx.post(
        sb.url("tesouro") + "/openid/connect/token",
        data={"grant_type": "client_credentials", **sb.credentials("tesouro")},
    ).json()["access_token"]
    return {
        "authorization": f"Bearer {token}",
        "x-finops-version": "2025-06-23",
        "content-type": "application/json",
    }


def _telecomx_query(sb: Sandbox) -> str:
    token = httpx.post(sb.url("telecomx") + "/auth/login", json=sb.credentials("telecomx"))
    return f"?token={token.json()['token']}"


def _ciirus_headers(sb: Sandbox) -> dict[str, str]:
    creds = sb.credentials("ciirus")
    pair = f"{creds['username']}:{creds['password']}".encode()
    return {"authorization": "Basic " + base64.b64encode(pair).decode()}


# (name, path under the sandbox's base URL, error shape); each reads a JSON body.
TARGETS: list[tuple[str, str, Shape]] = [
    ("tesouro", "/tesouro" + DOMAINS, _tesouro_shape),
    ("telecomx", "/telecomx/dns", _telecomx_shape),
    ("ciirus", "/ciirus" + CIIRUS_PATH, _ciirus_shape),
    ("faults", "/_sandbox/faults", _control_shape),
    ("clock", "/_sandbox/clock", _control_shape),
]
IDS = [t[0] for t in TARGETS]


def _authorised(sb: Sandbox, name: str, path: str) -> tuple[str, dict[str, str]]:
    """The URL and headers of an authenticated request to ``path``."""
    url = sb.base_url + path
    if name == "tesouro":
        return url, _tesouro_headers(sb)
    if name == "telecomx":
        return url + _telecomx_query(sb), {}
    if name == "ciirus":
        return url, _ciirus_headers(sb)
    return url, {}


# --- 1. the body size limit ---------------------------------------------------------------------
def _raw_exchange(sb: Sandbox, head: bytes, parts: Iterable[bytes]) -> tuple[int, Any]:
    """Send ``head`` and ``parts`` on a socket, never the rest of the body; read the answer."""
    with socket.create_connection((sb.host, sb.port), timeout=10) as conn:
        conn.sendall(head)
        for part in parts:
            conn.sendall(part)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            assert chunk, "the server closed the connection without an answer"
            data += chunk
        top, _, rest = data.partition(b"\r\n\r\n")
        match = re.search(rb"(?im)^content-length: *(\d+)", top)
        assert match is not None, top
        while len(rest) < int(match.group(1)):
            rest += conn.recv(65536)
    return int(top.split()[1]), json.loads(rest)


@pytest.mark.parametrize(("name", "path", "shape"), TARGETS, ids=IDS)
def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(
    sb: Sandbox, name: str, path: str, shape: Shape
) -> None:
    head = (
        f"POST {path} HTTP/1.1\r\nhost: sandbox\r\ncontent-type: application/json\r\n"
        f"content-length: {100 * 1024 * 1024}\r\n\r\n"
    ).encode()
    status, body = _raw_exchange(sb, head, [b"[1"])  # 100 MiB announced, 2 bytes sent
    assert status == 413
    message = shape(status, body)
    assert str(MAX_BODY_BYTES) in message


@pytest.mark.parametrize(("name", "path", "shape"), TARGETS, ids=IDS)
def test_a_chunked_body_is_refused_once_it_passes_the_limit(
    sb: Sandbox, name: str, path: str, shape: Shape
) -> None:
    head = (
        f"POST {path} HTTP/1.1\r\nhost: sandbox\r\ncontent-type: application/json\r\n"
        "transfer-encoding: chunked\r\n\r\n"
    ).encode()
    piece = b" " * 65536
    chunk = b"%x\r\n" % len(piece) + piece + b"\r\n"
    # Twice the limit and no last chunk: the body never ends, the answer comes anyway.
    status, body = _raw_exchange(sb, head, [chunk] * (2 * MAX_BODY_BYTES // len(piece)))
    assert status == 413
    assert str(MAX_BODY_BYTES) in shape(status, body)


def _spaces(total: int) -> Iterator[bytes]:
    piece = b" " * 65536
    for _ in range(total // len(piece)):
        yield piece


@pytest.mark.parametrize("declared", [False, True], ids=["chunked", "content-length"])
@pytest.mark.parametrize(("name", "path", "shape"), TARGETS[1:4], ids=IDS[1:4])
def test_a_huge_body_through_httpx_is_answered_413_and_never_held(
    sb: Sandbox, name: str, path: str, shape: Shape, declared: bool
) -> None:
    """32 MiB streamed from a generator: the 413 comes back, and neither side held the body
    (the sandbox runs in this process, so tracemalloc sees the server's memory too)."""
    url, headers = _authorised(sb, name, path)
    total = 32 * MAX_BODY_BYTES
    if declared:
        headers = {**headers, "content-length": str(total)}
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        answer = httpx.post(url, content=_spaces(total), headers=headers, timeout=60)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MAX_BODY_BYTES, f"peak {peak} bytes for a {total}-byte body"
    assert answer.status_code == 413
    assert str(MAX_BODY_BYTES) in shape(413, answer.json())


def test_a_body_at_the_limit_is_read(sb: Sandbox) -> None:
    body = b'{"advance_seconds": 60}'
    at_limit = body + b" " * (MAX_BODY_BYTES - len(body))
    answer = httpx.post(sb.base_url + "/_sandbox/clock", content=at_limit)
    assert answer.status_code == 200
    assert answer.json() == {"now": "2026-01-01T09:01:00+00:00"}
    over = httpx.post(sb.base_url + "/_sandbox/clock", content=at_limit + b" ")
    assert over.status_code == 413
    assert sb.now().isoformat() == "2026-01-01T09:01:00+00:00"


# --- 2. deeply nested JSON ------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "path", "shape"), TARGETS, ids=IDS)
def test_deeply_nested_json_is_a_bad_request_in_the_vendor_shape(
    sb: Sandbox, name: str, path: str, shape: Shape
) -> None:
    url, headers = _authorised(sb, name, path)
    answer = httpx.post(url, content=b"[" * 100_000, headers=headers)
    assert answer.status_code == 400, answer.text
    message = shape(400, answer.json())
    _no_internals(message)
    assert "recursion" not in message.lower()
    if name != "tesouro":  # FastAPI's own words there: "There was an error parsing the body"
        assert "nested too deeply" in message


@pytest.mark.parametrize("depth", [500, 900, 5000])
def test_nested_json_within_the_parser_s_reach_is_refused_in_shape(sb: Sandbox, depth: int) -> None:
    nested = b"[" * depth + b"]" * depth
    for name, path, shape in TARGETS:
        url, headers = _authorised(sb, name, path)
        for body in (nested, b'{"domain": ' + nested + b"}"):
            answer = httpx.post(url, content=body, headers=headers)
            assert answer.status_code in (400, 422), (name, answer.text)
            assert len(answer.content) < 4096, name
            _no_internals(shape(answer.status_code, answer.json()))


# --- 3. what an error quotes ----------------------------------------------------------------------
def test_tesouro_quotes_a_bounded_piece_of_the_input(sb: Sandbox) -> None:
    headers = _tesouro_headers(sb)
    url = sb.url("tesouro") + DOMAINS
    huge = httpx.post(url, json={"domain": "a" * 500_000}, headers=headers)
    assert huge.status_code == 422
    assert len(huge.content) < 1024
    (problem,) = huge.json()["detail"]
    assert problem["loc"] == ["body", "domain"]
    assert problem["input"] == "a" * 297 + "..."
    longest = ".".join(["a" * 63] * 4)  # too long a name, yet echoed whole: it is no flood
    (problem,) = httpx.post(url, json={"domain": longest}, headers=headers).json()["detail"]
    assert problem["input"] == longest

    many = httpx.post(
        url, json={"domain": "x.example.com", **{f"k{i}": i for i in range(1000)}}, headers=headers
    )
    assert many.status_code == 422
    detail = many.json()["detail"]
    assert len(detail) == 21
    assert detail[-1] == {
        "loc": ["body"],
        "msg": "... and 980 more errors",
        "type": "too_many_errors",
    }
    tesouro_models.HTTPValidationError.model_validate(many.json())

    key = "k" * 100_000
    long_key = httpx.post(url, json={"domain": "x.example.com", key: 1}, headers=headers)
    assert long_key.status_code == 422
    assert len(long_key.content) < 1024
    assert long_key.json()["detail"][0]["loc"] == ["body", "k" * 297 + "..."]

    deep = httpx.post(url, content=b'{"domain": ' + b"[" * 500 + b"]" * 500 + b"}", headers=headers)
    assert deep.status_code == 422
    assert deep.json()["detail"][0]["input"] == "[" * 297 + "..."


def test_ciirus_and_telecomx_quote_bounded_pieces(sb: Sandbox) -> None:
    url = sb.url("ciirus") + CIIRUS_PATH
    body = {f"field{i}-" + "x" * 5000: i for i in range(100)}
    answer = httpx.post(url, json=body, headers=_ciirus_headers(sb))
    assert answer.status_code == 422
    reasons = ciirus_models.Error.model_validate(answer.json()).reasons or []
    assert len(reasons) == 21
    assert re.fullmatch(r"\.\.\. and \d+ more reasons", reasons[-1])
    assert all(len(r) <= 300 for r in reasons)
    assert len(answer.content) < 8192

    account = sb.account("telecomx")
    zone = {"_id": "bounds.example", "customer": account["customer_id"]}
    zone["product"] = account["product_id"]
    key = "x" * 100_000
    answer = httpx.post(sb.url("telecomx") + "/dns" + _telecomx_query(sb), json={**zone, key: 1})
    assert answer.status_code == 422
    assert len(answer.content) < 1024
    assert answer.json()["error"] == "x" * 297 + "..."


def test_the_controls_quote_bounded_pieces(sb: Sandbox) -> None:
    answer = httpx.post(
        sb.base_url + "/_sandbox/faults",
        json={"vendor": "v" * 100_000, "method": "GET", "path": "/p" * 50_000, "status": 500},
    )
    assert answer.status_code == 422
    assert len(answer.content) < 1024
    assert "vendor must be one of" in answer.json()["error"]


# --- 4. the clock ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "seconds", [1e308, 10**400, 8000 * 365 * 86400, math.inf, math.nan, -1, True, "60", None]
)
def test_the_clock_refuses_a_move_it_cannot_make(sb: Sandbox, seconds: Any) -> None:
    before = sb.now()
    text = json.dumps({"advance_seconds": seconds})  # inf and nan as Infinity and NaN
    answer = httpx.post(sb.base_url + "/_sandbox/clock", content=text)
    assert answer.status_code == 422
    message = answer.json()["error"]
    assert message.startswith("advance_seconds")
    _no_internals(message)
    with pytest.raises(ValueError, match="sandbox clock") as info:
        sb.advance_clock(seconds)
    assert not isinstance(info.value, OverflowError | TypeError)
    assert sb.now() == before


def test_the_clock_says_how_far_it_can_go(sb: Sandbox) -> None:
    with pytest.raises(ValueError, match=r"stops before 9000-01-01: .*not float 1e\+308"):
        sb.advance_clock(1e308)
    answer = httpx.post(sb.base_url + "/_sandbox/clock", json={"advance_seconds": 1e308})
    assert answer.status_code == 422
    assert "stops before 9000-01-01" in answer.json()["error"]
    assert sb.advance_clock(86400).isoformat() == "2026-01-02T09:00:00+00:00"


def test_the_clock_control_refuses_what_is_not_its_body(sb: Sandbox) -> None:
    control = sb.base_url + "/_sandbox/clock"
    assert httpx.post(control, content=b"{nope").status_code == 400
    assert httpx.post(control, json=[60]).status_code == 422
    unknown = httpx.post(control, json={"advance_seconds": 1, "rewind": True})
    assert (unknown.status_code, unknown.json()) == (
        422,
        {"error": """unknown field 'rewind': the body is {"advance_seconds": 60}"""},
    )


# --- 5. faults ------------------------------------------------------------------------------------
def test_the_fault_control_reports_every_problem_and_nothing_internal(sb: Sandbox) -> None:
    control = sb.base_url + "/_sandbox/faults"
    base = {"vendor": "tesouro", "method": "GET", "path": DOMAINS}

    status = httpx.post(control, json={**base, "status": "abc"})
    assert status.status_code == 422
    assert status.json() == {
        "error": "invalid fault: status must be an HTTP status between 200 and 599, not 'abc'"
    }

    unknown = httpx.post(control, json={**base, "status": 500, "colour": "red"})
    assert unknown.status_code == 422
    assert unknown.json()["error"].startswith("invalid fault: unknown field 'colour': expected")

    nonsense = {"vendor": "tesouro", "method": "FOO", "path": "/nowhere", "status": 500}
    answer = httpx.post(control, json={**nonsense, "times": 1e10, "delay": 1e308})
    assert answer.status_code == 422
    message = answer.json()["error"]
    for part in (
        "path must be a path of tesouro's spec (/openid/connect/token, " + DOMAINS,
        "not '/nowhere'",
        "method must be one of GET, POST, DELETE for any path of tesouro, not 'FOO'",
        f"delay must be a number of seconds from 0 to {MAX_FAULT_DELAY:g}, not float 1e+308",
        # 1e10 is an integer to JSON Schema (no fraction), so it is bounded as one
        f"times must be at most {MAX_FAULT_TIMES}, not 10000000000",
    ):
        assert part in message
    _no_internals(message)
    assert httpx.get(control).json() == {"faults": []}

    missing = httpx.post(control, json={"status": 500})
    assert "vendor, method and path are required" in missing.json()["error"]
    assert httpx.post(control, json=["GET"]).status_code == 422
    assert httpx.post(control, content=b"{").json() == {
        "error": "the body is not valid JSON: send a JSON object"
    }


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"method": "PUT", "path": "/dns"}, "method must be one of GET, POST for telecomx /dns"),
        ({"path": "/telecomx/dns"}, "without the /telecomx prefix"),
        ({"path": "dns"}, "path must be the full vendor path starting with '/'"),
        ({"status": 101}, "status must be an HTTP status between 200 and 599, not 101"),
        ({"status": True}, "not bool True"),
        ({"times": 0}, "times must be at least 1, not 0"),
        ({"times": MAX_FAULT_TIMES + 1}, f"times must be at most {MAX_FAULT_TIMES}"),
        ({"times": 2.0}, "times must be an integer"),
        ({"delay": -1}, "delay must be a number of seconds from 0 to 60, not -1"),
        ({"delay": math.nan}, "not float nan"),
        ({"delay": MAX_FAULT_DELAY + 1}, "delay must be a number of seconds from 0 to 60"),
        ({"retry_after": 1e308}, "retry_after must be a number of seconds from 0 to 86400"),
        ({"retry_after": "1\r\nX-Injected: yes"}, "retry_after must be"),
        ({"content_type": "text/html\n"}, "content_type must be a media type"),
        ({"body": 5}, "body must be text or bytes, not 5"),
        ({"drop": "yes"}, "drop must be true or false, not 'yes'"),
        ({"lose_response": 1}, "lose_response must be true or false, not 1"),
    ],
)
def test_inject_fault_checks_each_argument(
    sb: Sandbox, kwargs: dict[str, Any], problem: str
) -> None:
    args: dict[str, Any] = {"method": "GET", "path": "/dns/{domain}", "status": 503, **kwargs}
    method, path = args.pop("method"), args.pop("path")
    with pytest.raises(ValueError, match=r"^invalid fault: ") as info:
        sb.inject_fault("telecomx", method, path, **args)
    assert problem in str(info.value)
    _no_internals(str(info.value))
    assert sb.pending_faults() == []


def test_inject_fault_reports_every_problem_together(sb: Sandbox) -> None:
    with pytest.raises(ValueError, match=r"^invalid fault: ") as info:
        sb.inject_fault("telecomx", "FOO", "/nowhere", status=500, times=10**10, delay=1e308)
    message = str(info.value)
    assert message.count("; ") == 3
    for part in ("path must be", "method must be", "delay must be", "times must be at most"):
        assert part in message


def test_a_fault_for_one_resource_or_with_a_trailing_slash_still_fires(sb: Sandbox) -> None:
    sb.inject_fault("telecomx", "GET", "/dns/example.com", status=502, times=1)
    sb.inject_fault("telecomx", "get", "/dns/", status=503, times=1)
    assert httpx.get(sb.url("telecomx") + "/dns/other.example").status_code == 401
    assert httpx.get(sb.url("telecomx") + "/dns/example.com").status_code == 502
    assert httpx.get(sb.url("telecomx") + "/dns").status_code == 503
    assert sb.pending_faults() == []


def _spec_operations(vendor: str) -> dict[str, set[str]]:
    served: dict[str, set[str]] = {}
    for name in specs.SPECS:
        if name == vendor or name.startswith(f"{vendor}_"):
            for op in specs.operations(name):
                path = re.sub(r"\{[^}]+\}", "{}", op.path)
                served.setdefault(path, set()).add(op.method)
    return served


def test_faults_know_exactly_the_operations_of_each_spec(sb: Sandbox) -> None:
    """The sandbox reads what it serves from its vendor apps' routes: they are the specs'."""
    for vendor in VENDORS:
        for path, methods in _spec_operations(vendor).items():
            template = path.replace("{}", "{x}")
            for method in methods:
                sb.inject_fault(vendor, method, template, status=500)
        served = sb._running_app().operations[vendor]
        assert {re.sub(r"\{[^}]+\}", "{}", p): set(m) for p, m in served.items()} == (
            _spec_operations(vendor)
        )
    sb.clear_faults()


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"kind": "delay", "seconds": 1e308}, "a 'delay' fault needs seconds > 0 and at most"),
        ({"kind": "delay", "seconds": math.inf}, "got float inf"),
        ({"kind": "lag", "seconds": MAX_DNS_FAULT_SECONDS + 1}, "at most 2592000 (30 days)"),
        ({"kind": "servfail", "times": 1.5}, "times must be an integer from 1 to 10000 or None"),
        ({"kind": "servfail", "times": 10**10}, "got 10000000000"),
        ({"kind": "drop", "name": "a..b"}, "name must be a DNS name such as example.com"),
        ({"kind": "drop", "name": "x" * 300}, "name must be a DNS name"),
        ({"kind": "drop", "name": 5}, "got 5"),
    ],
)
def test_dns_faults_check_each_argument(sb: Sandbox, kwargs: dict[str, Any], problem: str) -> None:
    kind = kwargs.pop("kind")
    with pytest.raises(ValueError, match=re.escape(problem)) as info:
        sb.dns_fault(kind, **kwargs)
    assert problem in str(info.value)
    _no_internals(str(info.value))
    assert "label" not in str(info.value).lower()  # dnspython's own words
    assert sb.pending_dns_faults() == []


def test_dns_faults_report_every_problem_together(sb: Sandbox) -> None:
    with pytest.raises(ValueError, match="server must be") as info:
        sb.dns_fault("lag", seconds=-1, times=0, server="ns3")  # type: ignore[arg-type]
    message = str(info.value)
    for part in ("server must be 'ns1', 'ns2' or None", "needs seconds > 0", "times must be"):
        assert part in message


# --- 6. the command line --------------------------------------------------------------------------
# ``python -m maildns.sandbox`` is ``maildns sandbox``: a bad value is a usage error (64), its
# message in typer's box (the words, whatever the box's width), a start that fails one line (1).
@pytest.mark.parametrize(
    ("arguments", "code", "words"),
    [
        (["--port", "99999"], 64, "Invalid value for '--port': must be an integer from 0 to 65535"),
        (["--port", "http"], 64, "Invalid value for '--port': must be an integer from 0 to 65535"),
        (["--port", "-1"], 64, "Invalid value for '--port'"),
        (["--start", "soon"], 64, "Invalid value for '--start': must be an ISO 8601 time"),
        (["--start", "2026-01-01T09:00:00"], 64, "Invalid value for '--start': needs a timezone"),
        (["--start", "0001-01-01T00:00:00+00:00"], 64, "must be from 1970-01-01"),
        (["--seed", "abc"], 64, "Invalid value for '--seed'"),
        (["--host", "999.0.0.1", "--port", "0"], 1, "error: cannot serve on 999.0.0.1:0: "),
    ],
)
def test_the_command_line_answers_a_bad_argument_in_one_line(
    arguments: list[str], code: int, words: str
) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "maildns.sandbox", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == code, out.stderr
    assert "Traceback" not in out.stderr
    assert out.stdout == ""
    if code == 1:
        (line,) = out.stderr.splitlines()
        assert line.startswith(words)
    else:
        assert words in " ".join(re.sub(r"[│╭╮╰╯─]", " ", out.stderr).split())


def test_the_sandbox_refuses_a_port_out_of_range() -> None:
    with pytest.raises(ValueError, match="port must be an integer from 0 to 65535"):
        Sandbox(port=99999)
