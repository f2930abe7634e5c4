"""No secret maildns knows is shown, whoever puts it there: each vendor echoes each of its
secrets back (the sandbox's fault injection answers with a body that quotes it, as given and
URL-encoded), and the real ``maildns`` command's one-line error, its ``MAILDNS_LOG=debug``
lines, its ``--json`` document, the journal it writes, and the API's errors (str, repr, body)
show a mask instead. A base URL's ``user:password@`` never reaches a log line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

import maildns
from maildns._core.secrets import redact, redact_value
from maildns.sandbox import Sandbox
from tests.conftest import write_onboard_config

MASK = "**********"
DOMAIN = "mail.example.com"
TOKEN = "tx-fixed-token-4f9a2c"


def _echo(secret: str) -> str:
    """A vendor's error text quoting ``secret`` as sent and URL-encoded."""
    return f"{secret} is not valid (got {quote(secret, safe='')})"


# vendor, credential echoed, the request that echoes it, its status and body, a command
ECHOES = {
    "tesouro-client_secret": (
        "tesouro",
        "client_secret",
        ("POST", "/openid/connect/token"),
        401,
        lambda s: {"error": "invalid_client", "error_description": _echo(s)},
        ["tesouro", "domains", "list"],
    ),
    "telecomx-password": (
        "telecomx",
        "password",
        ("POST", "/auth/login"),
        401,
        lambda s: {"error": "credentials_invalid", "message": _echo(s)},
        ["telecomx", "zones", "get", "example.org"],
    ),
    "telecomx-token": (
        "telecomx",
        "token",
        ("GET", "/dns/{domain}"),
        401,
        lambda s: {"error": "invalid_token", "message": _echo(s)},
        ["telecomx", "zones", "get", "example.org"],
    ),
    "ciirus-password": (
        "ciirus",
        "password",
        ("POST", "/v2024.07.31/emails/subaccount"),
        400,
        lambda s: {"message": "Bad request", "reasons": [_echo(s)]},
        ["ciirus", "subaccount", "create", DOMAIN, "--daily-send-limit", "250", "--approved"],
    ),
}


def _env(sb: Sandbox, **extra: str) -> dict[str, str]:
    from maildns.sandbox.__main__ import environment

    given, unset = environment(sb)
    env = {k: v for k, v in os.environ.items() if k not in unset and not k.startswith("MAILDNS")}
    env.update(given)
    env.update(extra)
    return env


def _maildns(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    command = str(Path(sys.executable).parent / "maildns")
    return subprocess.run(
        [command, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def _secret_and_env(sb: Sandbox, vendor: str, credential: str) -> tuple[str, dict[str, str]]:
    if credential == "token":
        env = _env(sb, MAILDNS_LOG="debug", TELECOMX_TOKEN=TOKEN)
        del env["TELECOMX_USERNAME"], env["TELECOMX_PASSWORD"]
        return TOKEN, env
    return sb.credentials(vendor)[credential], _env(sb, MAILDNS_LOG="debug")


@pytest.mark.parametrize("case", list(ECHOES))
def test_a_vendor_echoing_a_secret_gets_it_masked_on_the_command_line(
    sb: Sandbox, tmp_path: Path, case: str
) -> None:
    vendor, credential, (method, path), status, body, args = ECHOES[case]
    secret, env = _secret_and_env(sb, vendor, credential)
    sb.inject_fault(vendor, method, path, status=status, body=json.dumps(body(secret)))
    done = _maildns(args, env, tmp_path)
    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr
    assert f"{MASK} is not valid (got {MASK})" in errors[0]  # the echo was there, masked
    assert any(f"{vendor} " in line and " -> " in line for line in done.stderr.splitlines())
    everything = done.stdout + done.stderr
    assert secret not in everything
    assert quote(secret, safe="") not in everything


@pytest.mark.parametrize("case", list(ECHOES))
def test_a_vendor_echoing_a_secret_gets_it_masked_in_api_errors(sb: Sandbox, case: str) -> None:
    vendor, credential, (method, path), status, body, _ = ECHOES[case]
    if credential == "token":
        secret = TOKEN
        client: object = maildns.TelecomX(base_url=sb.url(vendor), token=TOKEN, max_retries=0)
    else:
        secret = sb.credentials(vendor)[credential]
        cls = {"tesouro": maildns.Tesouro, "telecomx": maildns.TelecomX, "ciirus": maildns.Ciirus}
        client = cls[vendor](base_url=sb.url(vendor), **sb.credentials(vendor), max_retries=0)
    sb.inject_fault(vendor, method, path, status=status, body=json.dumps(body(secret)))

    def call() -> object:
        if isinstance(client, maildns.Tesouro):
            return list(client.list_sending_domains())
        if isinstance(client, maildns.TelecomX):
            return client.get_zone("example.org")
        assert isinstance(client, maildns.Ciirus)
        settings = maildns.CiirusSettings(daily_send_limit=250, approved=True)
        return client.create_sending_domain(DOMAIN, settings)

    with pytest.raises(maildns.APIStatusError) as caught:
        call()
    error = caught.value
    assert error.status_code == status
    assert MASK in error.message
    for shown in (str(error), repr(error), error.message, repr(error.body), repr(error.args)):
        assert secret not in shown
        assert quote(secret, safe="") not in shown


def test_an_echoed_secret_is_masked_in_apply_json_and_journal(sb: Sandbox, tmp_path: Path) -> None:
    secret = sb.credentials("ciirus")["password"]
    config = write_onboard_config(
        tmp_path / "onboard.yaml", sb, "    ciirus: {daily_send_limit: 500, approved: true}\n"
    )
    path = "/v2024.07.31/emails/subaccount"
    body = json.dumps({"message": "Bad request", "reasons": [_echo(secret)]})
    sb.inject_fault("ciirus", "POST", path, status=400, body=body)
    args = ["onboard", "apply", str(config), "--yes", "--json"]
    done = _maildns(args, _env(sb, MAILDNS_LOG="debug"), tmp_path)
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    assert f"{MASK} is not valid" in json.dumps(document)
    assert secret not in done.stdout + done.stderr
    journal = tmp_path / ".maildns" / "state.sqlite3"
    assert journal.exists()
    assert b"is not valid" in journal.read_bytes()
    assert secret.encode() not in journal.read_bytes()


def test_a_base_url_password_never_reaches_a_log_line(sb: Sandbox, tmp_path: Path) -> None:
    password = "url-pass-7d1e"
    url = sb.url("telecomx").replace("http://", f"http://ops:{password}@")
    env = _env(sb, MAILDNS_LOG="debug", TELECOMX_BASE_URL=url)
    done = _maildns(["telecomx", "zones", "list", "--json"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    requests = [line for line in done.stderr.splitlines() if " -> 200 " in line]
    assert len(requests) >= 2  # the login and the listing
    assert all(f"http://{MASK}@127.0.0.1" in line for line in requests)
    assert password not in done.stdout + done.stderr
    assert "ops:" not in done.stderr


def test_a_log_level_that_is_not_one_is_a_one_line_error(sb: Sandbox, tmp_path: Path) -> None:
    done = _maildns(["tesouro", "domains", "list"], _env(sb, MAILDNS_LOG="verbose"), tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: MAILDNS_LOG must be one of debug, info, warning, error (or unset), got 'verbose'"
    ]


def test_a_log_level_that_is_not_one_is_refused_by_the_clients(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAILDNS_LOG", "verbose")
    with pytest.raises(maildns.ConfigurationError, match="debug, info, warning, error"):
        maildns.Tesouro(client_id="id", client_secret="secret")


def test_a_base_url_password_is_not_in_a_repr_nor_a_message() -> None:
    password = "repr-pass-93c1"
    client = maildns.TelecomX(base_url=f"https://ops:{password}@dns.example", token=TOKEN)
    assert repr(client) == f"<TelecomX base_url='https://{MASK}@dns.example'>"
    with pytest.raises(maildns.InvalidInputError) as caught:
        maildns.TelecomX(base_url=f"ftp://ops:{password}@dns.example", token=TOKEN)
    assert password not in str(caught.value)
    assert f"ftp://{MASK}@dns.example" in str(caught.value)


def test_a_word_length_secret_leaves_a_saved_plan_whole(sb: Sandbox) -> None:
    """A client secret as short as a word ("example") is not looked for: masked, it would
    rewrite the domains and the configuration's path in a saved plan (redacted as the command
    line writes it), which would then not apply. A credential of eight characters or more is
    masked wherever it appears."""
    with maildns.Tesouro(client_id="id", client_secret="example", base_url=sb.url("tesouro")):
        pass  # the client knows its secret from here on
    saved = {"config": "/srv/example/onboard.yaml", "domains": [{"domain": "mail.example.com"}]}
    assert redact_value(saved) == saved
    with maildns.Tesouro(client_id="id", client_secret="exampleX", base_url=sb.url("tesouro")):
        pass
    assert redact("exampleX at mail.example.com") == "********** at mail.example.com"
