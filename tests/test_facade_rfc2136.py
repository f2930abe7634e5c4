"""The rfc2136 DNS host against real servers: BIND 9 and Knot (``tests/dnsservers.py``).

Both run the DNS-host contract suite (``tests/contract.py``), plus what only RFC 2136 does:
compare-and-swap through prerequisites, TSIG keys (wrong ones, key files) and long TXT text,
each checked with ``dig``/``kdig`` too, never through the client alone.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import attrs
import dns.message
import dns.query
import dns.tsigkeyring
import dns.update
import pytest

import maildns
from maildns import DnsRecord, RecordType, ZoneStatus
from maildns.vendors.rfc2136 import DECLARATION, AsyncRfc2136, Rfc2136, Rfc2136ZoneSettings
from maildns.vendors.rfc2136._connection import ALGORITHMS

from . import dnsservers
from .conftest import Target
from .contract import DnsHostContract, assert_no_secret

ZONES = ("contract.example", "cas.example", "keys.example")


@pytest.fixture(scope="session")
def bind_server() -> Iterator[dnsservers.DnsServer]:
    yield from dnsservers.serving("bind", ZONES)


@pytest.fixture(scope="session")
def knot_server() -> Iterator[dnsservers.DnsServer]:
    yield from dnsservers.serving("knot", ZONES)


@pytest.fixture
def dns_server(request: pytest.FixtureRequest) -> dnsservers.DnsServer:
    server: dnsservers.DnsServer = request.getfixturevalue(f"{request.cls.kind}_server")
    return server


@pytest.fixture
def vendor_target(dns_server: dnsservers.DnsServer) -> Callable[[str], Target]:
    """The contract suite's target: the server, its key as the client's arguments."""
    credentials = {
        "server": dns_server.address,
        "key_name": dns_server.key_name,
        "key_algorithm": dns_server.algorithm,
        "key_secret": dns_server.secret,
    }
    return lambda vendor: Target(vendor, dns_server.address, credentials)


class _Listener(list[Any]):
    """A TCP port that is listened on and never answered; compared, it lists the connections
    made to it so far (``seen == []``: nothing was sent)."""

    def __init__(self) -> None:
        super().__init__()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.setblocking(False)

    def __eq__(self, other: object) -> bool:
        while True:
            try:
                conn, peer = self.sock.accept()
            except BlockingIOError:
                break
            conn.close()
            self.append(peer)
        return list(self) == other

    __hash__ = None  # type: ignore[assignment]


class Rfc2136Contract(DnsHostContract):
    vendor = "rfc2136"
    kind: ClassVar[str]
    creates_zones = False

    @property
    def declaration(self) -> Any:
        return DECLARATION

    @property
    def client_class(self) -> type[Any]:
        return Rfc2136

    @property
    def async_client_class(self) -> type[Any]:
        return AsyncRfc2136

    def client_kwargs(self, target: Target) -> dict[str, Any]:
        return {**target.credentials, "zones": [self.zone]}

    def offline(self, target: Target, **overrides: Any) -> tuple[Any, list[Any]]:
        seen = _Listener()
        port = seen.sock.getsockname()[1]
        client = self.make(target, server=f"127.0.0.1:{port}", timeout=1, **overrides)
        return client, seen

    def settings(self, target: Target) -> Any:
        return Rfc2136ZoneSettings()

    # The contract's lifecycles, against the live server: without the suite's cassette mark
    # (nothing here is HTTP, so nothing is recorded).
    def test_zone_and_record_lifecycle(self, vendor_target: Callable[[str], Target]) -> None:
        super().test_zone_and_record_lifecycle(vendor_target)

    async def test_async_zone_lifecycle(self, vendor_target: Callable[[str], Target]) -> None:
        await super().test_async_zone_lifecycle(vendor_target)

    # --- what only RFC 2136 does --------------------------------------------------------------
    def test_zone_is_checked_by_soa_and_ns(self, dns_server: dnsservers.DnsServer) -> None:
        with Rfc2136(**_kwargs(dns_server)) as dns:
            assert dns.check_zone("contract.example") is ZoneStatus.SERVED
            assert dns.check_zone("absent.example") is ZoneStatus.MISSING

    def test_stale_change_is_refused_not_overwritten(
        self, dns_server: dnsservers.DnsServer
    ) -> None:
        name = "_dmarc.cas.example"
        ours = DnsRecord(RecordType.TXT, name, "v=DMARC1; p=none")
        theirs = DnsRecord(RecordType.TXT, name, "v=DMARC1; p=reject")
        with Rfc2136(**_kwargs(dns_server)) as dns:
            dns.add_record("cas.example", ours)
            read = [r for r in dns.get_zone("cas.example").records if r.name == name]
            assert read == [ours]
            dns.update_record("cas.example", ours, theirs.value)  # someone else's change
            with pytest.raises(maildns.RecordsChangedError) as info:  # planned on what was read
                dns.replace_records("cas.example", read, [DnsRecord(RecordType.TXT, name, "x")])
            assert isinstance(info.value, maildns.ConflictError)
            assert "NXRRSET" in str(info.value)
            assert "\n" not in str(info.value)
            # A set planned as absent that someone made meanwhile: YXRRSET.
            with pytest.raises(maildns.RecordsChangedError, match="YXRRSET"):
                dns.replace_records("cas.example", [], [ours])
        assert dnsservers.served(dns_server, name, "TXT") == ['"v=DMARC1; p=reject"']

    def test_a_replaced_set_keeps_its_ttl(self, dns_server: dnsservers.DnsServer) -> None:
        """The prerequisite compares the records, not the TTL: a set someone published with
        their own TTL keeps it when records join it."""
        name = "ttl.cas.example"
        theirs = DnsRecord(RecordType.TXT, name, "v=spf1 ip4:192.0.2.1 -all")
        ours = DnsRecord(RecordType.TXT, name, "verification=abc")
        keyring = dns.tsigkeyring.from_text({dns_server.key_name: dns_server.secret})
        update = dns.update.UpdateMessage(
            "cas.example", keyring=keyring, keyname=dns_server.key_name
        )
        update.replace(f"{name}.", 300, "TXT", f'"{theirs.value}"')
        assert dns.query.tcp(update, dns_server.host, port=dns_server.port).rcode() == 0
        with Rfc2136(**_kwargs(dns_server)) as host:
            host.replace_records("cas.example", [theirs], [theirs, ours])
            assert {r.value for r in host.get_zone("cas.example").records if r.name == name} == {
                theirs.value,
                ours.value,
            }
        query = dns.message.make_query(name, "TXT")
        (answer,) = dns.query.tcp(query, dns_server.host, port=dns_server.port).answer
        assert answer.ttl == 300

    def test_a_txt_split_otherwise_is_the_same_record(
        self, dns_server: dnsservers.DnsServer
    ) -> None:
        """Someone published an SPF record as two strings (as zone editors split long ones):
        read, it is one text, and a set expected with that text is the set the server holds."""
        name = "split.cas.example"
        keyring = dns.tsigkeyring.from_text({dns_server.key_name: dns_server.secret})
        update = dns.update.UpdateMessage(
            "cas.example", keyring=keyring, keyname=dns_server.key_name
        )
        update.replace(f"{name}.", 300, "TXT", '"v=spf1 " "include:_spf.google.com -all"')
        assert dns.query.tcp(update, dns_server.host, port=dns_server.port).rcode() == 0
        theirs = DnsRecord(RecordType.TXT, name, "v=spf1 include:_spf.google.com -all")
        merged = "v=spf1 include:_spf.google.com include:mailgun.org -all"
        with Rfc2136(**_kwargs(dns_server)) as host:
            read = [r for r in host.get_zone("cas.example").records if r.name == name]
            assert read == [theirs]
            host.replace_records("cas.example", read, [attrs.evolve(theirs, value=merged)])
            with pytest.raises(maildns.RecordsChangedError, match="NXRRSET"):
                host.replace_records("cas.example", read, [theirs])  # read before the merge
        assert dnsservers.served(dns_server, name, "TXT") == [f'"{merged}"']

    def test_txt_over_255_octets_is_split_and_read_whole(
        self, dns_server: dnsservers.DnsServer
    ) -> None:
        text = "v=DKIM1; k=rsa; p=" + "A" * 282  # 300 octets
        record = DnsRecord(RecordType.TXT, "s1._domainkey.contract.example", text)
        with Rfc2136(**_kwargs(dns_server)) as dns:
            dns.add_record("contract.example", record)
            assert record in dns.get_zone("contract.example").records
        (served,) = dnsservers.served(dns_server, record.name, "TXT")
        assert served == f'"{text[:255]}" "{text[255:]}"'

    def test_wrong_key_is_a_clear_one_line_error(self, dns_server: dnsservers.DnsServer) -> None:
        wrong = "d3Jvbmcgc2VjcmV0IG9mIHRoaXJ0eS10d28gYnl0ZXM="
        for given in ({"key_secret": wrong}, {"key_name": "nobody."}):
            with Rfc2136(**{**_kwargs(dns_server), **given}) as dns:
                for call in (
                    lambda: dns.get_zone("contract.example"),
                    lambda: dns.add_record(
                        "contract.example",
                        DnsRecord(RecordType.A, "www.contract.example", "192.0.2.1"),
                    ),
                ):
                    with pytest.raises(maildns.AuthenticationError) as info:
                        call()
                    text = str(info.value)
                    assert "\n" not in text
                    assert "TSIG key" in text
                    assert info.value.vendor == "rfc2136"
                    assert_no_secret(info.value, [wrong, dns_server.secret])

    def test_server_down_is_a_connection_error(self, dns_server: dnsservers.DnsServer) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]  # bound, not listening: refused
            with (
                Rfc2136(**{**_kwargs(dns_server), "server": f"127.0.0.1:{port}"}) as dns,
                pytest.raises(maildns.APIConnectionError) as info,
            ):
                dns.get_zone("contract.example")
        assert f"127.0.0.1:{port}" in str(info.value)
        assert "\n" not in str(info.value)

    def test_key_from_the_environment_or_a_key_file(
        self,
        dns_server: dnsservers.DnsServer,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Any,
    ) -> None:
        for name, value in dns_server.env().items():
            monkeypatch.setenv(name, value)
        with Rfc2136() as dns:
            assert dns.check_zone("keys.example") is ZoneStatus.SERVED
            assert dns.get_zone("keys.example").domain == "keys.example"
        monkeypatch.delenv("RFC2136_KEY_SECRET")
        monkeypatch.delenv("RFC2136_KEY_NAME")
        key = dns_server.key_name.rstrip(".")
        files = {
            "tsig-keygen": f'key "{key}" {{\n\talgorithm {dns_server.algorithm};\n'
            f'\tsecret "{dns_server.secret}";\n}};\n',
            "keymgr -t": f"key:\n  - id: {key}\n    algorithm: {dns_server.algorithm}\n"
            f"    secret: {dns_server.secret}\n",
        }
        for tool, text in files.items():
            path = tmp_path / f"{tool.split()[0]}.key"
            path.write_text(text)
            monkeypatch.setenv("RFC2136_KEY_FILE", str(path))
            with Rfc2136() as dns:
                assert dns.get_zone("keys.example").domain == "keys.example", tool
                assert dns_server.secret not in repr(dns) + repr(vars(dns))

    def test_missing_key_is_a_configuration_error_before_anything_is_sent(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for credential in DECLARATION.credentials:
            monkeypatch.delenv(credential.env, raising=False)
        seen = _Listener()
        port = seen.sock.getsockname()[1]
        with pytest.raises(maildns.ConfigurationError) as info:
            Rfc2136(server=f"127.0.0.1:{port}").get_zone("contract.example")
        assert "RFC2136_KEY_NAME" in str(info.value)
        assert "RFC2136_KEY_SECRET" in str(info.value)
        with pytest.raises(maildns.ConfigurationError, match="unknown TSIG algorithm"):
            Rfc2136(
                server=f"127.0.0.1:{port}", key_name="k.", key_secret="QUJD", key_algorithm="md4"
            ).get_zone("contract.example")
        assert seen == []

    def test_repr_and_vars_hold_no_secret(self, dns_server: dnsservers.DnsServer) -> None:
        for cls in (Rfc2136, AsyncRfc2136):
            client = cls(**_kwargs(dns_server))
            if cls is Rfc2136:
                client.check_zone("contract.example")  # connected: the key is built
            text = repr(client) + repr(vars(client))
            assert text.startswith(f"<{cls.__name__} ")
            assert dns_server.secret not in text

    def test_every_hmac_algorithm_name_is_known(self) -> None:
        assert {"hmac-sha256", "hmac-sha512", "hmac-sha1"} <= set(ALGORITHMS)


def _kwargs(server: dnsservers.DnsServer) -> dict[str, Any]:
    return {
        "server": server.address,
        "key_name": server.key_name,
        "key_algorithm": server.algorithm,
        "key_secret": server.secret,
        "zones": ["contract.example"],
    }


class TestBind(Rfc2136Contract):
    kind = "bind"


class TestKnot(Rfc2136Contract):
    kind = "knot"
