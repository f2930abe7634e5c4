"""``maildns doctor``: every check against the live sandbox, its exit codes, its JSON, and that
no credential's value ever reaches its output."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from maildns._cli import _doctor, app
from maildns.sandbox import Sandbox
from maildns.vendors import DECLARATIONS, VENDORS, Transport

from . import dnsservers

pytestmark = pytest.mark.usefixtures("no_backoff")

HTTP_VENDORS = list(DECLARATIONS)
PER_VENDOR = ["credentials", "base_url", "token"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["doctor", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str) -> tuple[int, dict[str, Any], str]:
    code, stdout, stderr = run("--json", *args)
    return code, json.loads(stdout), stderr


def by_key(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(c["vendor"], c["check"]): c for c in document["checks"] if c["vendor"] is not None}


def secrets_of(sb: Sandbox) -> list[str]:
    """Every secret credential value the sandbox accepts (client secret, passwords)."""
    values = [
        value
        for name, declaration in DECLARATIONS.items()
        for argument, value in sb.credentials(name).items()
        if declaration.credential(argument).secret
    ]
    assert len(values) >= 3  # Tesouro's secret, TelecomX's and CiiRUS's passwords
    return values


def assert_no_secret(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text


def closed_port(kind: socket.SocketKind) -> int:
    """A local port nothing listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_everything_configured_passes_with_every_field(sandbox_env: Sandbox) -> None:
    sb = sandbox_env
    code, document, stderr = run_json()
    assert code == 0, document
    assert list(document) == ["format_version", "checks", "environments", "ok"]
    # Each vendor points at the sandbox the test started: named as such.
    assert document["environments"] == dict.fromkeys(HTTP_VENDORS, "local maildns sandbox")
    assert document["format_version"] == "1"
    assert document["ok"] is True
    checks = document["checks"]
    # Each vendor's three checks, in the declarations' order, then one per nameserver.
    expected: list[tuple[str | None, str]] = [(v, c) for v in HTTP_VENDORS for c in PER_VENDOR]
    expected += [(None, "dns")] * len(sb.dns_addresses)
    assert [(c["vendor"], c["check"]) for c in checks] == expected
    for check in checks:
        assert set(check) == {"vendor", "check", "ok", "skipped", "detail"}
        assert check["ok"] is True
        assert check["skipped"] is False
        assert isinstance(check["detail"], str)
        assert check["detail"]
    found = by_key(document)
    for name, declaration in DECLARATIONS.items():
        # The variables' names (the sandbox's credentials are one complete set), never values.
        envs = ", ".join(declaration.credential(a).env for a in sb.credentials(name))
        assert found[name, "credentials"]["detail"] == f"set: {envs}"
        # Reachable, in words that do not read as a failure (the bare base URL answers 404).
        assert found[name, "base_url"]["detail"] == (
            f"{sb.url(name)} ({declaration.base_url_env}): local maildns sandbox; reachable"
        )
    # Tesouro and TelecomX log in for a token; CiiRUS's HTTP Basic has none to fetch.
    assert found["tesouro", "token"]["detail"].startswith("token obtained;")
    assert found["telecomx", "token"]["detail"].startswith("token obtained;")
    assert found["ciirus", "token"]["detail"].startswith("no token to fetch")
    dns_details = [c["detail"] for c in checks if c["check"] == "dns"]
    for (host, port), detail in zip(sb.dns_addresses, dns_details, strict=True):
        assert detail == f"{host}:{port} (MAILDNS_NAMESERVERS) answers DNS queries"
    assert stderr.strip() == f"all {len(checks)} checks passed"
    assert_no_secret(json.dumps(document) + stderr, secrets_of(sb))


def test_the_text_report_is_one_line_per_check_on_stdout(sandbox_env: Sandbox) -> None:
    code, stdout, stderr = run()
    assert code == 0
    lines = stdout.splitlines()
    assert len(lines) == 3 * len(HTTP_VENDORS) + len(sandbox_env.dns_addresses)
    assert all(line.split()[0] == "ok" for line in lines)
    assert [line.split()[1:3] for line in lines[:3]] == [["tesouro", c] for c in PER_VENDOR]
    assert "checks passed" in stderr
    assert "checks passed" not in stdout


def test_missing_credentials_are_named_and_skip_the_token(
    sandbox_env: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TESOURO_CLIENT_SECRET")
    code, stdout, stderr = run()
    assert code == 1
    (line,) = [ln for ln in stdout.splitlines() if ln.split()[1:3] == ["tesouro", "credentials"]]
    assert line.split()[0] == "FAIL"
    assert line.endswith("not set: TESOURO_CLIENT_SECRET")
    (token,) = [ln for ln in stdout.splitlines() if ln.split()[1:3] == ["tesouro", "token"]]
    assert token.split()[0] == "skip"
    assert "skipped: the credentials are not configured" in token
    # Two: the credentials and the token they skip.
    assert (
        stderr.strip()
        == f"2 of {3 * len(HTTP_VENDORS) + len(sandbox_env.dns_addresses)} checks did not pass"
    )
    assert_no_secret(stdout + stderr, secrets_of(sandbox_env))

    code, document, stderr = run_json()
    assert code == 1
    assert document["ok"] is False
    found = by_key(document)
    assert found["tesouro", "credentials"]["ok"] is False
    assert found["tesouro", "base_url"]["ok"] is True  # needs no credentials: still checked
    assert found["tesouro", "token"] == {
        "vendor": "tesouro",
        "check": "token",
        "ok": False,
        "skipped": True,
        "detail": "skipped: the credentials are not configured",
    }
    # Only that vendor fails.
    assert all(c["ok"] for c in document["checks"] if c["vendor"] != "tesouro")
    assert_no_secret(json.dumps(document) + stderr, secrets_of(sandbox_env))


def test_missing_alternative_credentials_name_every_set(
    sandbox_env: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELECOMX_PASSWORD")
    code, document, _ = run_json()
    assert code == 1
    detail = by_key(document)["telecomx", "credentials"]["detail"]
    # The set nearest to complete first, then the other one.
    assert detail == "not set: TELECOMX_PASSWORD (or set TELECOMX_TOKEN)"


def test_both_credential_sets_set_is_a_failure(
    sandbox_env: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELECOMX_TOKEN", "a-token-value-never-shown")
    code, stdout, stderr = run()
    assert code == 1
    (line,) = [ln for ln in stdout.splitlines() if ln.split()[1:3] == ["telecomx", "credentials"]]
    assert "set only one of them" in line
    assert "TELECOMX_TOKEN" in line
    assert "TELECOMX_USERNAME" in line
    assert_no_secret(stdout + stderr, [*secrets_of(sandbox_env), "a-token-value-never-shown"])


def test_a_token_given_up_front_is_used_and_never_shown(
    sandbox_env: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    creds = sandbox_env.credentials("telecomx")
    login = httpx.post(f"{sandbox_env.url('telecomx')}/auth/login", json=creds, timeout=10)
    login.raise_for_status()
    token = login.json()["token"]
    assert token
    monkeypatch.delenv("TELECOMX_USERNAME")
    monkeypatch.delenv("TELECOMX_PASSWORD")
    monkeypatch.setenv("TELECOMX_TOKEN", token)
    code, document, stderr = run_json()
    assert code == 0, document
    found = by_key(document)
    assert found["telecomx", "credentials"]["detail"] == "set: TELECOMX_TOKEN"
    assert found["telecomx", "token"]["detail"].startswith("no token to fetch")
    assert_no_secret(json.dumps(document) + stderr, [*secrets_of(sandbox_env), token])


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            "TESOURO_CLIENT_SECRET",
            "tesouro list_sending_domains: 401 invalid_client: Client authentication failed.",
        ),
        (
            "CIIRUS_PASSWORD",
            "ciirus list_sending_domains: 401 The provided Authentication values are not valid",
        ),
    ],
)
def test_a_wrong_secret_fails_the_token_with_the_vendors_error(
    sandbox_env: Sandbox, monkeypatch: pytest.MonkeyPatch, env: str, message: str
) -> None:
    wrong = "wrong-secret-value-0123456789"
    monkeypatch.setenv(env, wrong)
    vendor = env.split("_")[0].lower()
    code, stdout, stderr = run()
    assert code == 1
    (line,) = [ln for ln in stdout.splitlines() if ln.split()[1:3] == [vendor, "token"]]
    status, _, _, detail = line.split(maxsplit=3)
    assert status == "FAIL"
    assert detail.startswith(message)  # then the request id, when the vendor sends one
    others = [ln for ln in stdout.splitlines() if ln.split()[1] != vendor]
    assert all(ln.split()[0] == "ok" for ln in others)
    assert_no_secret(stdout + stderr, [*secrets_of(sandbox_env), wrong])


def test_a_base_url_refusing_connections_does_not_answer(
    sandbox_env: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{closed_port(socket.SOCK_STREAM)}/ciirus"
    monkeypatch.setenv("CIIRUS_BASE_URL", url)
    code, document, _ = run_json("--timeout", "2")
    assert code == 1
    found = by_key(document)
    base = found["ciirus", "base_url"]
    assert base["ok"] is False
    assert base["skipped"] is False
    assert base["detail"].startswith(f"{url} (CIIRUS_BASE_URL): custom; does not answer: ")
    assert "ConnectError" in base["detail"]
    assert found["ciirus", "token"]["skipped"] is True
    assert found["ciirus", "token"]["detail"] == "skipped: the base URL does not answer"
    assert found["ciirus", "credentials"]["ok"] is True


def test_a_base_url_with_user_info_is_shown_without_it(
    sandbox_env: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = sandbox_env.url("ciirus").replace("http://", "http://someone:hunter2-secret@")
    monkeypatch.setenv("CIIRUS_BASE_URL", url)
    _, document, stderr = run_json()
    assert "hunter2-secret" not in json.dumps(document) + stderr
    base = by_key(document)["ciirus", "base_url"]
    assert base["ok"] is True
    assert base["detail"].startswith(
        f"{sandbox_env.url('ciirus')} (CIIRUS_BASE_URL): local maildns sandbox; reachable"
    )


def test_a_nameserver_that_does_not_answer_fails_dns(sandbox_env: Sandbox) -> None:
    dead = f"127.0.0.1:{closed_port(socket.SOCK_DGRAM)}"
    live = "{}:{}".format(*sandbox_env.dns_address)
    # --nameserver replaces MAILDNS_NAMESERVERS (which names only live servers). The timeout
    # is what the live one must answer within, on a machine however busy: not a short one.
    code, document, _ = run_json("--nameserver", dead, "--nameserver", live, "--timeout", "3")
    assert code == 1
    dns = [c for c in document["checks"] if c["check"] == "dns"]
    assert [c["ok"] for c in dns] == [False, True]
    assert dns[0]["detail"] == f"{dead} (--nameserver) does not answer: no answer in 3 s"
    assert dns[1]["detail"].startswith(f"{live} (--nameserver) answers DNS")
    assert all(c["ok"] for c in document["checks"] if c["check"] != "dns")


def test_a_malformed_nameserver_setting_is_one_failed_check(
    sandbox_env: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILDNS_NAMESERVERS", "127.0.0.1:notaport")
    code, document, _ = run_json()
    assert code == 1
    (dns,) = [c for c in document["checks"] if c["check"] == "dns"]
    assert dns["ok"] is False
    assert "MAILDNS_NAMESERVERS" in dns["detail"]
    assert "notaport" in dns["detail"]


def test_without_configured_nameservers_the_system_resolvers_are_checked(
    sandbox_env: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAILDNS_NAMESERVERS")
    # The system's resolver, here the sandbox's server (the machine's may be unreachable).
    monkeypatch.setattr(_doctor, "_system_nameservers", lambda: [sandbox_env.dns_address])
    code, document, _ = run_json()
    assert code == 0, document
    (dns,) = [c for c in document["checks"] if c["check"] == "dns"]
    host, port = sandbox_env.dns_address
    assert dns["detail"].startswith(f"{host}:{port} (system resolver) answers DNS")

    def no_configuration() -> list[tuple[str, int]]:
        import dns.resolver

        raise dns.resolver.NoResolverConfiguration

    monkeypatch.setattr(_doctor, "_system_nameservers", no_configuration)
    code, document, _ = run_json()
    assert code == 1
    (dns,) = [c for c in document["checks"] if c["check"] == "dns"]
    assert dns["ok"] is False
    assert dns["detail"].startswith("no nameserver: set MAILDNS_NAMESERVERS or --nameserver")


def test_the_installed_command_runs(sandbox_env: Sandbox) -> None:
    env = os.environ.copy()
    env["CIIRUS_PASSWORD"] = "wrong-secret-for-the-subprocess"
    done = subprocess.run(
        [str(Path(sys.executable).parent / "maildns"), "doctor", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    failed = [(c["vendor"], c["check"]) for c in document["checks"] if not c["ok"]]
    assert failed == [("ciirus", "token")]
    assert_no_secret(
        done.stdout + done.stderr,
        [*secrets_of(sandbox_env), "wrong-secret-for-the-subprocess"],
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (None, "tesouro: vendor sandbox"),  # Tesouro's documented default is its sandbox
        ("https://api.tesouro.com", "tesouro: production"),
        ("https://api.sandbox.tesouro.com/", "tesouro: vendor sandbox"),
        ("https://tesouro.internal.example", "tesouro: custom"),
    ],
)
def test_each_vendor_names_the_environment_it_points_at(
    sandbox_env: Sandbox, monkeypatch: pytest.MonkeyPatch, url: str | None, expected: str
) -> None:
    """Which server each vendor's base URL is; nothing is sent to Tesouro's real hosts
    here (the network is closed to tests): the environment is read from the URL alone."""
    if url is None:
        monkeypatch.delenv("TESOURO_BASE_URL")
    else:
        monkeypatch.setenv("TESOURO_BASE_URL", url)
    _, document, _ = run_json("--timeout", "0.5")
    vendor, _, kind = expected.partition(": ")
    assert document["environments"][vendor] == kind
    assert document["environments"]["ciirus"] == "local maildns sandbox"
    detail = by_key(document)[vendor, "base_url"]["detail"]
    if kind == "vendor sandbox":
        assert ": Tesouro's own sandbox, not production; " in detail
    else:
        assert f": {kind}; " in detail


# --- a DNS host reached over DNS (RFC 2136), against a real BIND ----------------------------------
DNS_VENDORS = [d for d in VENDORS.values() if d.transport is Transport.DNS]
HOST = VENDORS["rfc2136"]  # the BIND below speaks RFC 2136
ZONE = "example.com"


@pytest.fixture(scope="module")
def bind() -> Iterator[dnsservers.DnsServer]:
    yield from dnsservers.serving("bind", (ZONE,))


@pytest.fixture
def host_env(
    sandbox_env: Sandbox, bind: dnsservers.DnsServer, monkeypatch: pytest.MonkeyPatch
) -> dnsservers.DnsServer:
    """The sandbox's vendors, and the BIND server as the DNS host a user exports."""
    declaration = HOST
    for credential in declaration.credentials:
        monkeypatch.delenv(credential.env, raising=False)
    for name, value in bind.env().items():
        monkeypatch.setenv(name, value)
    assert declaration.zones_env is not None
    monkeypatch.setenv(declaration.zones_env, ZONE)
    return bind


def host_checks(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in document["checks"] if c["vendor"] == HOST.name]


def test_a_dns_host_is_checked_only_when_configured(
    sandbox_env: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    for declaration in DNS_VENDORS:
        for name in [c.env for c in declaration.credentials] + [declaration.zones_env or ""]:
            monkeypatch.delenv(name, raising=False)
    _, document, _ = run_json()
    names = {d.name for d in DNS_VENDORS}
    assert [c for c in document["checks"] if c["vendor"] in names] == []


def test_a_dns_host_with_a_good_key_passes_naming_its_server(
    host_env: dnsservers.DnsServer,
) -> None:
    code, document, stderr = run_json()
    assert code == 0, document
    checks = host_checks(document)
    assert [(c["check"], c["ok"]) for c in checks] == [
        ("credentials", True),
        ("zone", True),
        ("key", True),
    ]
    _, zone, key = checks
    assert zone["detail"] == f"{host_env.address} serves {ZONE} (SOA and NS, authoritative)"
    assert key["detail"].startswith(f"{host_env.address} accepts the TSIG key: {ZONE} transferred")
    code, stdout, _ = run()
    lines = [ln for ln in stdout.splitlines() if ln.split()[1] == HOST.name]
    assert len(lines) == 3
    assert all(ln.split()[0] == "ok" for ln in lines)
    assert_no_secret(json.dumps(document) + stdout + stderr, [host_env.secret])


def test_a_wrong_key_fails_the_key_check_in_one_line(
    host_env: dnsservers.DnsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "d3Jvbmcgc2VjcmV0IG9mIHRoaXJ0eS10d28gYnl0ZXM="
    monkeypatch.setenv("RFC2136_KEY_SECRET", wrong)
    code, document, stderr = run_json()
    assert code == 1
    _, zone, key = host_checks(document)
    assert zone["ok"] is True  # the server is there and serves the zone
    assert key["ok"] is False
    assert key["detail"].startswith(f"{ZONE} on {host_env.address}: ")
    assert "the server does not accept the TSIG key" in key["detail"]
    assert "\n" not in key["detail"]
    assert_no_secret(json.dumps(document) + stderr, [wrong, host_env.secret])


def test_an_unreachable_server_fails_naming_it_and_skips_the_key(
    host_env: dnsservers.DnsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = f"127.0.0.1:{closed_port(socket.SOCK_STREAM)}"
    monkeypatch.setenv("RFC2136_SERVER", address)
    code, document, _ = run_json("--timeout", "2")
    assert code == 1
    _, zone, key = host_checks(document)
    assert zone["ok"] is False
    assert zone["detail"].startswith(f"{ZONE}: ")
    assert f"cannot reach {address}" in zone["detail"]
    assert (key["ok"], key["skipped"]) == (False, True)


def test_a_dns_host_without_zones_says_which_variable_names_them(
    host_env: dnsservers.DnsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    declaration = HOST
    assert declaration.zones_env is not None
    monkeypatch.delenv(declaration.zones_env)
    code, document, _ = run_json()
    assert code == 1
    _, zone = host_checks(document)
    assert zone["detail"] == (
        f"no zone to check on {host_env.address}: set {declaration.zones_env} to the zones "
        "maildns updates"
    )


def test_a_zone_the_server_does_not_serve_fails_and_skips_its_key(
    host_env: dnsservers.DnsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert HOST.zones_env is not None
    monkeypatch.setenv(HOST.zones_env, f"{ZONE}, absent.example")
    code, document, _ = run_json()
    assert code == 1
    checks = [(c["check"], c["ok"], c["skipped"]) for c in host_checks(document)]
    assert checks == [
        ("credentials", True, False),
        ("zone", True, False),
        ("key", True, False),
        ("zone", False, False),
        ("key", False, True),
    ]
    assert host_checks(document)[3]["detail"] == (
        f"{host_env.address} does not serve absent.example with authority (no SOA and NS from it)"
    )
