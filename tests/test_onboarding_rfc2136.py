"""``maildns onboard`` end to end into a zone on a real BIND 9 and a real Knot, by RFC 2136.

The sending-domain vendor (Tesouro) is the sandbox's; the DNS host is BIND or Knot
(``tests/dnsservers.py``), its server and key from the environment as a user exports them, and
``verify`` asks that server itself (``MAILDNS_NAMESERVERS``). What it serves is looked at with
``dig``/``kdig``, never through maildns alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maildns import DnsRecord, RecordType
from maildns._cli import app
from maildns.sandbox import Sandbox
from maildns.vendors.rfc2136 import Rfc2136

from . import dnsservers

pytestmark = pytest.mark.usefixtures("no_backoff")

ZONE = "example.com"
DOMAIN = "mail.example.com"


@pytest.fixture(scope="module", params=dnsservers.KINDS)
def bind(request: pytest.FixtureRequest) -> Iterator[dnsservers.DnsServer]:
    """A fresh server per kind, serving example.com (its SOA and NS only)."""
    why = dnsservers.missing(request.param)
    if why is not None:
        pytest.skip(why)
    with dnsservers.running_server(request.param, (ZONE,)) as server:
        yield server


@pytest.fixture
def config(
    sandbox_env: Sandbox,
    bind: dnsservers.DnsServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    for name, value in bind.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MAILDNS_NAMESERVERS", bind.address)
    path = tmp_path / "onboard.yaml"
    path.write_text(
        "version: 1\n"
        "dns:\n"
        "  vendor: rfc2136\n"
        "  zones:\n"
        "    example.com: {}\n"
        "domains:\n"
        "  - domain: mail.example.com\n"
        "    tesouro: {}\n"
    )
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["onboard", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_plan_apply_verify_and_drift_repair_on_bind(
    config: Path, bind: dnsservers.DnsServer
) -> None:
    code, stdout, stderr = run("plan", str(config))
    assert code == 2, stderr  # changes planned
    assert "rfc2136" in stdout

    code, _, stderr = run("apply", str(config), "--yes")
    assert code == 0, stderr
    spf = dnsservers.served(bind, DOMAIN, "TXT")
    assert any("v=spf1" in line for line in spf), spf
    dmarc = dnsservers.served(bind, f"_dmarc.{DOMAIN}", "TXT")
    assert dmarc == ['"v=DMARC1; p=none"']

    code, stdout, stderr = run("verify", str(config), "--json")
    (domain,) = json.loads(stdout)["domains"]
    records = [r for v in domain["vendors"].values() for r in v["records"]]
    assert records
    assert all(r["found"] for r in records), records  # BIND serves every record asked for

    # Drift: someone deletes the SPF record at the server; the next apply puts it back.
    with Rfc2136(**_arguments(bind)) as dns:
        (record,) = [
            r
            for r in dns.get_zone(ZONE).records
            if r.name == DOMAIN and r.type is RecordType.TXT and r.value.startswith("v=spf1")
        ]
        dns.delete_record(ZONE, record)
    assert not any("v=spf1" in line for line in dnsservers.served(bind, DOMAIN, "TXT"))
    code, _, stderr = run("apply", str(config), "--yes")
    assert code == 0, stderr
    assert any("v=spf1" in line for line in dnsservers.served(bind, DOMAIN, "TXT"))

    # Prune: the domain dropped from the configuration; what maildns made goes, the rest stays.
    with Rfc2136(**_arguments(bind)) as dns:
        dns.add_record(ZONE, DnsRecord(RecordType.A, "www.example.com", "192.0.2.10"))
    text = config.read_text()
    config.write_text(text[: text.index("  - domain:")].replace("domains:\n", "domains: []\n"))
    code, _, stderr = run("apply", str(config), "--yes", "--prune")
    assert code == 0, stderr
    assert dnsservers.served(bind, DOMAIN, "TXT") == []
    assert dnsservers.served(bind, DOMAIN, "MX") == []
    assert dnsservers.served(bind, f"_dmarc.{DOMAIN}", "TXT") == []
    assert dnsservers.served(bind, "www.example.com", "A") == ["192.0.2.10"]
    assert run("plan", str(config), "--prune")[0] == 0


def test_a_zone_the_server_does_not_serve_is_a_plan_problem(
    config: Path, bind: dnsservers.DnsServer
) -> None:
    config.write_text(config.read_text().replace("example.com: {}", "example.org: {}"))
    config.write_text(config.read_text().replace("mail.example.com", "mail.example.org"))
    code, stdout, stderr = run("plan", str(config))
    assert code != 0
    assert "cannot create zones" in stdout + stderr
    assert dnsservers.served(bind, "mail.example.org", "TXT") == []


def _arguments(server: dnsservers.DnsServer) -> dict[str, str]:
    return {
        "server": server.address,
        "key_name": server.key_name,
        "key_secret": server.secret,
    }
