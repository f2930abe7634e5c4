"""``maildns onboard`` end to end into a zone on a real BIND 9 and a real Knot, by RFC 2136.

The sending-domain vendor (Tesouro) is the sandbox's; the DNS host is BIND or Knot
(``tests/dnsservers.py``), its server and key from the environment as a user exports them, and
``verify`` asks that server itself (``MAILDNS_NAMESERVERS``). What it serves is looked at with
``dig``/``kdig``, never through maildns alone.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import dns.query
import dns.rcode
import dns.tsigkeyring
import dns.update
import pytest
from typer.testing import CliRunner

from maildns import DnsRecord, RecordType
from maildns._cli import app
from maildns.onboarding import open_engine
from maildns.onboarding._engine import ATTEMPTS
from maildns.sandbox import Sandbox
from maildns.vendors.rfc2136 import AsyncRfc2136, Rfc2136

from . import dnsservers

pytestmark = pytest.mark.usefixtures("no_backoff")

ZONE = "example.com"
DOMAIN = "mail.example.com"


@pytest.fixture(scope="module", params=dnsservers.KINDS)
def bind(request: pytest.FixtureRequest) -> Iterator[dnsservers.DnsServer]:
    """A fresh server per kind, serving example.com (its SOA and NS only)."""
    yield from dnsservers.serving(request.param, (ZONE,))


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


# --- a zone that changes under the plan ---------------------------------------------------------
FOREIGN_SPF = "v=spf1 include:_spf.google.com -all"


def _foreign_write(server: dnsservers.DnsServer, name: str, rdtype: str, value: str) -> None:
    """Someone else's change, as ``nsupdate`` would make it: ``name``'s ``rdtype`` set
    becomes ``value``, by a DNS UPDATE of its own (dnspython, not maildns)."""
    keyring = dns.tsigkeyring.from_text({server.key_name: server.secret})
    update = dns.update.UpdateMessage(
        ZONE, keyring=keyring, keyname=server.key_name, keyalgorithm=server.algorithm
    )
    update.replace(f"{name}.", 300, rdtype, value)
    reply = dns.query.tcp(update, server.host, port=server.port, timeout=10)
    assert reply.rcode() == dns.rcode.NOERROR, dns.rcode.to_text(reply.rcode())


class Racing(AsyncRfc2136):
    """The RFC 2136 host with a concurrent writer: the first ``times`` writes maildns makes to
    a record set ``at(record)`` picks (by one of its records) are preceded by ``write(n)`` (n
    from 1), after maildns read the zone and before its update reaches the server."""

    def __init__(
        self,
        server: dnsservers.DnsServer,
        at: Callable[[DnsRecord], bool],
        write: Callable[[int], None],
        times: int,
    ) -> None:
        super().__init__(**_arguments(server))
        self.at = at
        self.write = write
        self.times = times
        self.writes = 0

    async def replace_records(
        self, domain: str, expected: Sequence[DnsRecord], new: Sequence[DnsRecord]
    ) -> None:
        if self.at((list(expected) or list(new))[0]) and self.writes < self.times:
            self.writes += 1
            await asyncio.to_thread(self.write, self.writes)
        await super().replace_records(domain, expected, new)


def _renamed(config: Path, domain: str) -> Path:
    """The configuration onboarding ``domain`` (a name of its own: the server lives for the
    module, and so do the sandbox's sending domains)."""
    config.write_text(config.read_text().replace(DOMAIN, domain))
    return config


def _spf(server: dnsservers.DnsServer, name: str) -> list[str]:
    return [line for line in dnsservers.served(server, name, "TXT") if "v=spf1" in line]


async def test_an_spf_written_meanwhile_is_merged_with_not_overwritten(
    config: Path, bind: dnsservers.DnsServer, tmp_path: Path
) -> None:
    domain = "race.example.com"
    racing = Racing(
        bind,
        at=lambda record: (record.type, record.name) == (RecordType.TXT, domain),
        write=lambda _: _foreign_write(bind, domain, "TXT", f'"{FOREIGN_SPF}"'),
        times=1,
    )
    async with open_engine(
        _renamed(config, domain), state=tmp_path / "state.sqlite3", clients={"rfc2136": racing}
    ) as engine:
        applied = await engine.apply()
        assert applied.failed == (), applied.failed
        assert racing.writes == 1
        (spf,) = _spf(bind, domain)  # one SPF record: the foreign one, ours merged into it
        assert "include:_spf.google.com" in spf
        assert "include:mailgun.org" in spf  # what Tesouro asks for
        assert spf.endswith('-all"')  # the foreign policy kept

        # The journal: the refused write failed (nothing written), the re-planned one is new.
        steps = [s for s in engine.journal.steps(domain) if s.change.name == domain]
        spf_steps = [s for s in steps if s.change.type is RecordType.TXT]
        refused, merged = spf_steps
        assert (refused.state, refused.change.action, refused.change.old_value) == (
            "failed",
            "create",
            None,
        )
        assert "YXRRSET" in refused.detail
        assert "nothing was written" in refused.detail
        assert (merged.state, merged.change.action) == ("done", "update")
        assert merged.change.old_value == FOREIGN_SPF

        again = await engine.apply()  # nothing left to do
        assert (again.done, again.failed) == ((), ())
    await racing.aclose()


async def test_a_zone_that_keeps_changing_fails_its_domain_after_the_bound(
    config: Path, bind: dnsservers.DnsServer, tmp_path: Path
) -> None:
    domain = "churn.example.com"
    racing = Racing(
        bind,
        at=lambda record: (record.type, record.name) == (RecordType.TXT, domain),
        write=lambda n: _foreign_write(bind, domain, "TXT", f'"v=spf1 ip4:192.0.2.{n} -all"'),
        times=ATTEMPTS + 5,
    )
    async with open_engine(
        _renamed(config, domain), state=tmp_path / "state.sqlite3", clients={"rfc2136": racing}
    ) as engine:
        applied = await engine.apply()
    await racing.aclose()
    assert racing.writes == ATTEMPTS  # re-planned, each time refused; then it stopped asking
    ((_, why),) = applied.failed
    assert f"the zone {ZONE} kept changing" in why
    assert f"{ATTEMPTS} writes refused" in why
    assert "\n" not in why
    assert [d for d, _, _ in applied.stopped] == [domain]
    # Nothing of the other writer's was overwritten: its last value is what is served.
    assert _spf(bind, domain) == [f'"v=spf1 ip4:192.0.2.{ATTEMPTS} -all"']


async def test_a_conflict_found_planning_again_refuses_the_domain(
    config: Path, bind: dnsservers.DnsServer, tmp_path: Path
) -> None:
    domain = "cname.example.com"
    taken: list[str] = []

    def at(record: DnsRecord) -> bool:
        if "._domainkey." not in record.name:
            return False
        taken.append(record.name)
        return True

    def cname(_: int) -> None:  # someone points the DKIM name elsewhere, as maildns writes it
        _foreign_write(bind, taken[0], "CNAME", "dkim.elsewhere.example.net.")

    racing = Racing(bind, at=at, write=cname, times=1)
    async with open_engine(
        _renamed(config, domain), state=tmp_path / "state.sqlite3", clients={"rfc2136": racing}
    ) as engine:
        applied = await engine.apply()
    await racing.aclose()
    (name,) = taken
    ((_, why),) = applied.failed
    assert f"{name} is a CNAME to dkim.elsewhere.example.net" in why
    assert "found planning again after the zone changed" in why
    # A TXT query answers the CNAME alone: no TXT slipped in beside it.
    assert dnsservers.served(bind, name, "TXT") == ["dkim.elsewhere.example.net."]


def _arguments(server: dnsservers.DnsServer) -> dict[str, str]:
    return {
        "server": server.address,
        "key_name": server.key_name,
        "key_secret": server.secret,
    }


def test_a_wrong_key_is_one_clear_line(
    config: Path, bind: dnsservers.DnsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "d3Jvbmcgc2VjcmV0IG9mIHRoaXJ0eS10d28gYnl0ZXM="
    monkeypatch.setenv("RFC2136_KEY_SECRET", wrong)
    code, stdout, stderr = run("plan", str(config))
    assert code not in (0, 2)  # neither "nothing to do" nor "changes planned"
    said = [line for line in (stdout + stderr).splitlines() if "TSIG key" in line]
    assert len(said) == 1, stdout + stderr
    assert "does not accept the TSIG key" in said[0]
    assert "RFC2136_KEY_SECRET" in said[0]
    assert "Traceback" not in stdout + stderr
    assert wrong not in stdout + stderr
    assert bind.secret not in stdout + stderr
