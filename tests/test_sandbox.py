"""The sandbox as a product: Python API, command line, determinism, fault injection.

These tests run a real sandbox on loopback (no cassettes): they check the sandbox itself.
"""

from __future__ import annotations

import base64
import concurrent.futures
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_der_public_key

from maildns.sandbox import DEMO_CREDENTIALS, VENDORS, Sandbox, SandboxError
from maildns.sandbox._core import rsa_public_key


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


def _tesouro_token(client: httpx.Client, sb: Sandbox) -> str:
    r = client.post(
        sb.url("tesouro") + "/openid/connect/token",
        data={"grant_type": "client_credentials", **sb.credentials("tesouro")},
    )
    assert r.status_code == 200, r.text
    token: str = r.json()["access_token"]
    return token


def _tesouro_create(client: httpx.Client, sb: Sandbox, token: str, domain: str) -> httpx.Response:
    return client.post(
        sb.url("tesouro") + "/finops/v1/mailbox-domains",
        json={"domain": domain},
        headers={"Authorization": f"Bearer {token}", "x-finops-version": "2025-06-23"},
    )


def test_python_api_urls_credentials_and_ids(sb: Sandbox) -> None:
    assert sb.port > 0
    for vendor in VENDORS:
        assert sb.url(vendor) == f"http://127.0.0.1:{sb.port}/{vendor}"
        assert sb.credentials(vendor) == DEMO_CREDENTIALS[vendor]
    assert set(sb.credentials("tesouro")) == {"client_id", "client_secret"}
    assert set(sb.credentials("telecomx")) == {"username", "password"}
    assert set(sb.credentials("ciirus")) == {"username", "password"}
    assert len(sb.telecomx_customer_id) == 24
    assert len(sb.telecomx_product_id) == 24
    with pytest.raises(ValueError, match="unknown vendor 'mailgun'"):
        sb.url("mailgun")


def test_two_sandboxes_get_different_free_ports() -> None:
    with Sandbox() as a, Sandbox() as b:
        assert a.port != b.port
        assert httpx.get(a.base_url + "/_sandbox/clock").status_code == 200
        assert httpx.get(b.base_url + "/_sandbox/clock").status_code == 200


def test_stopped_sandbox_says_so() -> None:
    sb = Sandbox()
    with pytest.raises(SandboxError, match="not running"):
        sb.url("tesouro")
    with pytest.raises(SandboxError, match="not running"):
        sb.reset()


def test_state_persists_across_calls_and_reset_forgets_it(sb: Sandbox) -> None:
    with httpx.Client() as client:
        token = _tesouro_token(client, sb)
        assert _tesouro_create(client, sb, token, "mail.example.com").status_code == 201
        assert _tesouro_create(client, sb, token, "mail.example.com").status_code == 409
        sb.reset()
        # The old token is gone with the state; a new one works and the domain is free again.
        assert _tesouro_create(client, sb, token, "mail.example.com").status_code == 401
        token = _tesouro_token(client, sb)
        assert _tesouro_create(client, sb, token, "mail.example.com").status_code == 201


def test_same_calls_get_byte_identical_answers() -> None:
    bodies = []
    for _ in range(2):
        # Rate-limit headers count real time (how much of this second is left): off here.
        with Sandbox(rate_limits={"tesouro": None}) as sb, httpx.Client() as client:
            token = _tesouro_token(client, sb)
            created = _tesouro_create(client, sb, token, "mail.example.com")
            bodies.append((token, created.content, dict(created.headers)))
    assert bodies[0] == bodies[1]
    assert "date" not in bodies[0][2]
    assert "server" not in bodies[0][2]


def test_clock_moves_only_when_told(sb: Sandbox) -> None:
    start = sb.now()
    time.sleep(0.01)
    assert sb.now() == start
    assert (sb.advance_clock(60) - start).total_seconds() == 60
    r = httpx.post(sb.base_url + "/_sandbox/clock", json={"advance_seconds": 30})
    assert r.status_code == 200
    assert (sb.now() - start).total_seconds() == 90
    bad = httpx.post(sb.base_url + "/_sandbox/clock", json={"advance_seconds": -1})
    assert bad.status_code == 422


def test_expired_tesouro_token_is_refused(sb: Sandbox) -> None:
    with httpx.Client() as client:
        token = _tesouro_token(client, sb)
        sb.advance_clock(3601)
        r = _tesouro_create(client, sb, token, "mail.example.com")
        assert r.status_code == 401
        assert "expired" in r.json()["error"]["message"].lower()


def test_inject_fault_answers_then_gets_out_of_the_way(sb: Sandbox) -> None:
    sb.inject_fault(
        "tesouro", "POST", "/finops/v1/mailbox-domains", status=503, retry_after=2, times=2
    )
    with httpx.Client() as client:
        token = _tesouro_token(client, sb)  # another path: not affected
        assert sb.pending_faults()[0]["times"] == 2
        for _ in range(2):
            r = _tesouro_create(client, sb, token, "mail.example.com")
            assert r.status_code == 503
            assert r.headers["retry-after"] == "2"
            assert r.json() == {"error": {"message": "Injected fault"}}
        assert _tesouro_create(client, sb, token, "mail.example.com").status_code == 201
    assert sb.pending_faults() == []


def test_inject_fault_raw_body_template_path_and_delay(sb: Sandbox) -> None:
    sb.inject_fault("telecomx", "GET", "/dns/{domain}", status=502, body="<html>Bad gateway</html>")
    r = httpx.get(sb.url("telecomx") + "/dns/example.com")
    assert r.status_code == 502
    assert r.headers["content-type"] == "text/html"
    assert r.text == "<html>Bad gateway</html>"
    sb.inject_fault("ciirus", "GET", "/v2024.07.31/emails/subaccount", delay=0.3)
    began = time.monotonic()
    r = httpx.get(sb.url("ciirus") + "/v2024.07.31/emails/subaccount")
    assert time.monotonic() - began >= 0.3
    assert r.status_code == 401  # went through to the vendor app after the delay


def test_a_request_held_past_a_reset_is_answered_by_the_state_it_arrived_in(sb: Sandbox) -> None:
    # CiiRUS's Basic credentials are the same in every state: a create held back by a delay
    # until after the reset would otherwise make its subaccount in the fresh one.
    create = "/v2024.07.31/emails/subaccount"
    auth = tuple(sb.credentials("ciirus").values())
    assert len(auth) == 2
    body = {"sending_domain": "mail.example.com", "daily_send_limit": 10, "approved": True}
    sb.inject_fault("ciirus", "POST", create, delay=1)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        late = pool.submit(httpx.post, sb.url("ciirus") + create, json=body, auth=auth, timeout=60)
        while sb.pending_faults():  # the fault is taken as the request arrives
            assert not late.done(), late.result()
        sb.reset()
        assert late.result().status_code == 200, late.result().text
    listed = httpx.get(sb.url("ciirus") + create, auth=auth, timeout=60)
    assert listed.status_code == 404, listed.text  # CiiRUS's answer for no subaccount at all
    # The fresh state takes the same create as its own.
    again = httpx.post(sb.url("ciirus") + create, json=body, auth=auth, timeout=60)
    assert again.status_code == 200, again.text


def test_inject_fault_rejects_bad_arguments_together(sb: Sandbox) -> None:
    with pytest.raises(ValueError, match="vendor must be one of") as info:
        sb.inject_fault("mailgun", "GET", "dns", status=999, times=0)
    message = str(info.value)
    for part in ("path must be", "status must be", "times must be"):
        assert part in message


def test_faults_over_http(sb: Sandbox) -> None:
    fault = {
        "vendor": "ciirus",
        "method": "GET",
        "path": "/v2023.07.31/emails/subaccount",
        "status": 500,
        "body": "{not json",
    }
    r = httpx.post(sb.base_url + "/_sandbox/faults", json=fault)
    assert r.status_code == 200
    assert r.json()["faults"][0]["status"] == 500
    broken = httpx.get(sb.url("ciirus") + "/v2023.07.31/emails/subaccount")
    assert (broken.status_code, broken.text) == (500, "{not json")
    bad = httpx.post(sb.base_url + "/_sandbox/faults", json={**fault, "status": 42})
    assert bad.status_code == 422
    assert "status must be" in bad.json()["error"]
    httpx.post(sb.base_url + "/_sandbox/faults", json=fault)
    assert httpx.delete(sb.base_url + "/_sandbox/faults").json() == {"faults": []}


def test_import_maildns_does_not_import_the_sandbox_server() -> None:
    code = (
        "import sys, maildns, maildns.sandbox;"
        "server = ('uvicorn', 'starlette');"
        "print(json.dumps(sorted(m for m in server if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import json;" + code], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []


def test_command_line_serves_and_prints_urls_and_credentials() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "maildns.sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline()]
        while "Press Ctrl+C" not in lines[-1] and lines[-1]:
            lines.append(proc.stdout.readline())
        text = "".join(lines)
        assert "maildns sandbox on http://127.0.0.1:" in lines[0]
        base = lines[0].split(" on ", 1)[1].split()[0]
        for vendor in VENDORS:
            assert f"{base}/{vendor}" in text
        assert "client_secret=" + DEMO_CREDENTIALS["tesouro"]["client_secret"] in text
        assert httpx.get(base + "/_sandbox/clock").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert proc.returncode == 0


def test_command_line_reports_a_busy_port() -> None:
    with Sandbox() as sb:
        out = subprocess.run(
            [sys.executable, "-m", "maildns.sandbox", "--port", str(sb.port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert out.returncode == 1
    assert f"cannot serve on 127.0.0.1:{sb.port}" in out.stderr


def test_inject_fault_drops_the_connection(sb: Sandbox) -> None:
    sb.inject_fault("ciirus", "GET", "/v2024.07.31/emails/subaccount", drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(sb.url("ciirus") + "/v2024.07.31/emails/subaccount", timeout=5)
    # the next request is answered normally
    assert httpx.get(sb.url("ciirus") + "/v2024.07.31/emails/subaccount").status_code == 401


def test_inject_fault_lose_response_lets_the_vendor_act(sb: Sandbox) -> None:
    sb.inject_fault("tesouro", "POST", "/finops/v1/mailbox-domains", status=503, lose_response=True)
    with httpx.Client() as client:
        token = _tesouro_token(client, sb)
        assert _tesouro_create(client, sb, token, "mail.example.com").status_code == 503
        # the create happened although its answer was lost
        assert _tesouro_create(client, sb, token, "mail.example.com").status_code == 409


@pytest.mark.parametrize(("octets", "bits"), [(128, 1024), (256, 2048)])
def test_fake_dkim_keys_are_rsa_keys_of_their_size(octets: int, bits: int) -> None:
    key = load_der_public_key(base64.b64decode(rsa_public_key(bytes(octets))))
    assert isinstance(key, RSAPublicKey)
    assert key.key_size == bits
    assert key.public_numbers().e == 65537
    assert key.public_numbers().n % 2 == 1
    with pytest.raises(ValueError, match="128 or 256 octets, got 64"):
        rsa_public_key(bytes(64))
