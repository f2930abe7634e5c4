"""The contract every vendor client keeps, as test suites to subclass (the dns-lexicon way).

A vendor's ``tests/test_facade_<vendor>.py`` subclasses :class:`VendorContract` (every vendor)
and the suite of each role its declaration names: :class:`SendingDomainContract` for a
:class:`~maildns.protocols.SendingDomainProvider`, :class:`DnsHostContract` for a
:class:`~maildns.protocols.DnsHost`. The suites call the clients only through the protocols'
methods, so the same suite proves the same behaviour of every vendor of a role. HTTP tests
replay cassettes recorded from the sandbox (``make record``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, ClassVar

import httpx
import pytest

import maildns
from maildns import DnsRecord, DomainStatus, RecordType, SendingDomain, Zone
from maildns.protocols import (
    AsyncDnsHost,
    AsyncSendingDomainProvider,
    DnsHost,
    SendingDomainProvider,
)
from maildns.vendors import DECLARATIONS, Declaration, Role

from .conftest import Target

PROTOCOLS: dict[Role, tuple[type, type]] = {
    Role.SENDING_DOMAINS: (SendingDomainProvider, AsyncSendingDomainProvider),
    Role.DNS: (DnsHost, AsyncDnsHost),
}


def recording_transport() -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A transport that records every request and answers 599: proof that nothing was sent."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(599)

    return httpx.MockTransport(handler), seen


def assert_no_secret(error: BaseException, secrets: list[str]) -> None:
    texts = [str(error), repr(error), *map(str, error.args)]
    body = getattr(error, "body", None)
    texts.append(repr(body))
    for secret in secrets:
        for text in texts:
            assert secret not in text, f"secret leaked into {type(error).__name__}"


class _Vendor:
    """The vendor under test, from its declaration."""

    vendor: ClassVar[str]

    @property
    def declaration(self) -> Declaration:
        return DECLARATIONS[self.vendor]

    @property
    def client_class(self) -> type[Any]:
        cls: type[Any] = getattr(maildns, self.declaration.clients[0])
        return cls

    @property
    def async_client_class(self) -> type[Any]:
        cls: type[Any] = getattr(maildns, self.declaration.clients[1])
        return cls

    def client_kwargs(self, target: Target) -> dict[str, Any]:
        """Constructor arguments for ``target`` (credentials, base_url, api_version ...)."""
        return {**target.credentials, "base_url": target.base_url}

    def make(self, target: Target, **overrides: Any) -> Any:
        return self.client_class(**{**self.client_kwargs(target), **overrides})

    def make_async(self, target: Target, **overrides: Any) -> Any:
        return self.async_client_class(**{**self.client_kwargs(target), **overrides})

    def offline(self, target: Target, **overrides: Any) -> tuple[Any, list[httpx.Request]]:
        """A client whose requests are only recorded (answered 599), and the record."""
        transport, seen = recording_transport()
        client = self.make(target, http_client=httpx.Client(transport=transport), **overrides)
        return client, seen


class VendorContract(_Vendor):
    """What every vendor client does the same way, sync and async."""

    # --- hooks ---------------------------------------------------------------------------------
    def wrong_credentials(self, target: Target) -> dict[str, Any]:
        raise NotImplementedError

    def seed(self, target: Target, client: Any) -> str:
        """Create one thing the listing will show; its name."""
        raise NotImplementedError

    def probe(self, client: Any) -> list[str]:
        """The names the client's listing shows (an authenticated call)."""
        raise NotImplementedError

    async def aprobe(self, client: Any) -> list[str]:
        raise NotImplementedError

    def secrets(self, target: Target) -> list[str]:
        secret = {c.argument for c in self.declaration.credentials if c.secret}
        return [v for k, v in target.credentials.items() if k in secret]

    # --- the contract ---------------------------------------------------------------------------
    def test_public_names_and_roles(self, vendor_target: Callable[[str], Target]) -> None:
        """The declared clients are maildns's, and play the declared roles (at run time here;
        mypy proves the signatures, see the generated ``_clients.py``)."""
        target = vendor_target(self.vendor)
        assert self.declaration.roles
        sync, async_ = self.make(target), self.make_async(target)
        assert (sync.vendor, async_.vendor) == (self.vendor, self.vendor)
        for role in self.declaration.roles:
            protocol, async_protocol = PROTOCOLS[role]
            assert isinstance(sync, protocol)
            assert isinstance(async_, async_protocol)
            assert not isinstance(sync, async_protocol)
        for role in set(PROTOCOLS) - self.declaration.roles:
            assert not isinstance(sync, PROTOCOLS[role][0])

    def test_listings_are_lazy_iterators(self, vendor_target: Callable[[str], Target]) -> None:
        target = vendor_target(self.vendor)
        client, seen = self.offline(target, max_retries=0)
        listing = self.listing(client)
        assert isinstance(listing, Iterator)
        assert not isinstance(listing, list)
        assert seen == []  # nothing is sent until the listing is iterated
        async_client = self.make_async(target)
        assert isinstance(self.listing(async_client), AsyncIterator)

    def listing(self, client: Any) -> Any:
        method = (
            "list_sending_domains"
            if Role.SENDING_DOMAINS in self.declaration.roles
            else "list_zones"
        )
        return getattr(client, method)()

    @pytest.mark.vcr
    def test_wrong_credentials_raise_authentication_error(
        self, vendor_target: Callable[[str], Target]
    ) -> None:
        target = vendor_target(self.vendor)
        with (
            self.make(target, **self.wrong_credentials(target)) as client,
            pytest.raises(maildns.AuthenticationError) as info,
        ):
            self.probe(client)
        assert info.value.status_code == 401
        assert info.value.vendor == self.vendor
        assert info.value.operation.startswith("list_")
        assert_no_secret(
            info.value, [*self.secrets(target), *self.wrong_credentials(target).values()]
        )

    def test_missing_credentials_raise_configuration_error_at_first_call(
        self, vendor_target: Callable[[str], Target], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        target = vendor_target(self.vendor)
        for credential in self.declaration.credentials:
            monkeypatch.delenv(credential.env, raising=False)
        kwargs = {
            k: v for k, v in self.client_kwargs(target).items() if k not in target.credentials
        }
        transport, seen = recording_transport()
        client = self.client_class(**kwargs, http_client=httpx.Client(transport=transport))
        with pytest.raises(maildns.ConfigurationError) as info:
            self.probe(client)
        for credential in self.declaration.credentials:
            assert credential.env in str(info.value)
        assert seen == []

    def test_credentials_are_non_empty_strings_by_one_rule(
        self, vendor_target: Callable[[str], Target]
    ) -> None:
        """Every vendor, every credential: "" and non-strings are refused at construction,
        naming the argument (and, for "", its environment variable), never the value."""
        target = vendor_target(self.vendor)
        for credential in self.declaration.credentials:
            for bad, says in (("", credential.env), (12345, "must be a str, got int")):
                with pytest.raises(maildns.InvalidInputError) as info:
                    self.make(target, **{credential.argument: bad})
                (problem,) = [p for p in info.value.problems if p.argument == credential.argument]
                assert says in problem.message
            mixed = [
                group
                for group in self.declaration.credential_sets
                if credential.argument not in group
            ]
            for group in mixed:  # arguments of two alternative sets at once
                with pytest.raises(maildns.InvalidInputError, match="not both"):
                    self.make(target, **{credential.argument: "x", group[0]: "y"})

    def test_repr_holds_no_secret(self, vendor_target: Callable[[str], Target]) -> None:
        target = vendor_target(self.vendor)
        for client in (self.make(target), self.make_async(target)):
            text = repr(client) + repr(vars(client))
            assert text.startswith(f"<{type(client).__name__} ")
            for secret in self.secrets(target):
                assert secret not in text

    def test_defaults_timeout_and_retries(self, vendor_target: Callable[[str], Target]) -> None:
        target = vendor_target(self.vendor)
        client = self.make(target)
        assert client.timeout.connect == 5.0
        assert client.timeout.read == 30.0
        assert client.max_retries == 2
        assert self.make(target, max_retries=5, timeout=3).max_retries == 5
        assert self.make(target, timeout=3).timeout.read == 3.0
        mine = httpx.Client(timeout=7)
        assert self.make(target, http_client=mine).timeout.read == 7.0  # yours, as given

    def test_bad_options_are_reported_together(
        self, vendor_target: Callable[[str], Target]
    ) -> None:
        target = vendor_target(self.vendor)
        with pytest.raises(maildns.InvalidInputError) as info:
            self.make(target, max_retries=-1, timeout=0, base_url="ftp://x")
        assert {p.argument for p in info.value.problems} == {"max_retries", "timeout", "base_url"}
        with pytest.raises(maildns.InvalidInputError, match="http_client"):
            self.make(target, http_client=httpx.AsyncClient())
        with pytest.raises(maildns.InvalidInputError, match="http_client"):
            self.make_async(target, http_client=httpx.Client())

    def test_server_url_and_environment(
        self, vendor_target: Callable[[str], Target], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        target = vendor_target(self.vendor)
        assert self.declaration.base_url_env == f"{self.vendor.upper()}_BASE_URL"
        monkeypatch.delenv(self.declaration.base_url_env, raising=False)
        kwargs = {k: v for k, v in self.client_kwargs(target).items() if k != "base_url"}
        assert self.client_class(**kwargs).base_url == self.declaration.default_base_url
        monkeypatch.setenv(self.declaration.base_url_env, "https://example.test/api/")
        assert self.client_class(**kwargs).base_url == "https://example.test/api"

    @pytest.mark.vcr
    async def test_async_twin_sees_what_the_sync_twin_made(
        self, vendor_target: Callable[[str], Target]
    ) -> None:
        target = vendor_target(self.vendor)
        with self.make(target) as client:
            name = self.seed(target, client)
            seen_sync = self.probe(client)
        async with self.make_async(target) as async_client:
            seen_async = await self.aprobe(async_client)
        assert name in seen_sync
        assert seen_async == seen_sync


class SendingDomainContract(_Vendor):
    """Vendors that send mail for a domain (``SendingDomainProvider``), through its methods."""

    domain: ClassVar[str] = "mail.example.com"

    def settings(self) -> Any:
        """The vendor's settings object for a new domain."""
        raise NotImplementedError

    def create(self, client: Any, domain: str) -> SendingDomain:
        result: SendingDomain = client.create_sending_domain(domain, self.settings())
        return result

    async def acreate(self, client: Any, domain: str) -> SendingDomain:
        result: SendingDomain = await client.create_sending_domain(domain, self.settings())
        return result

    def check_domain(self, got: SendingDomain, domain: str) -> None:
        assert isinstance(got, SendingDomain)
        assert got.vendor == self.vendor
        assert got.domain == domain
        assert got.id
        assert isinstance(got.status, DomainStatus)
        assert got.raw is not None
        assert got.records, "a sending domain comes with the records to publish"
        for record in got.records:
            assert isinstance(record.type, RecordType)
            assert record.name == record.name.lower()
            assert record.name == domain or record.name.endswith("." + domain)
            assert record.value
            if record.type is RecordType.TXT:
                assert not record.value.startswith('"'), "TXT values are the text, unquoted"

    @pytest.mark.vcr
    def test_create_get_list_verify_delete(self, vendor_target: Callable[[str], Target]) -> None:
        target = vendor_target(self.vendor)
        with self.make(target) as client:
            created = self.create(client, self.domain)
            self.check_domain(created, self.domain)
            assert created.status is DomainStatus.PENDING

            got = client.get_sending_domain(self.domain)
            self.check_domain(got, self.domain)
            assert got.id == created.id
            assert set(created.records) <= set(got.records)  # a get may show more (CiiRUS SPF)

            listed = list(client.list_sending_domains())
            assert [d.id for d in listed if d.domain == self.domain] == [created.id]

            verified = client.verify_sending_domain(self.domain)
            assert verified.id == created.id
            assert isinstance(verified.status, DomainStatus)

            assert client.delete_sending_domain(self.domain) is None
            with pytest.raises(maildns.NotFoundError) as info:
                client.get_sending_domain(self.domain)
            assert (info.value.vendor, info.value.operation) == (
                self.vendor,
                "get_sending_domain",
            )
            assert self.domain not in [d.domain for d in client.list_sending_domains()]

    @pytest.mark.vcr
    def test_names_are_normalised(self, vendor_target: Callable[[str], Target]) -> None:
        target = vendor_target(self.vendor)
        with self.make(target) as client:
            created = self.create(client, "Bücher.Example.")
            assert created.domain == "xn--bcher-kva.example"
            assert client.get_sending_domain("BÜCHER.example").id == created.id

    @pytest.mark.vcr
    def test_create_twice_raises_conflict(self, vendor_target: Callable[[str], Target]) -> None:
        target = vendor_target(self.vendor)
        with self.make(target) as client:
            self.create(client, self.domain)
            with pytest.raises(maildns.ConflictError) as info:
                self.create(client, self.domain)
        assert (info.value.vendor, info.value.operation) == (self.vendor, "create_sending_domain")

    @pytest.mark.vcr
    def test_unknown_domain_raises_not_found(self, vendor_target: Callable[[str], Target]) -> None:
        target = vendor_target(self.vendor)
        with self.make(target) as client:
            for call in (
                client.get_sending_domain,
                client.verify_sending_domain,
                client.delete_sending_domain,
            ):
                with pytest.raises(maildns.NotFoundError) as info:
                    call("absent.example.com")
                assert info.value.operation == call.__name__

    def test_invalid_domain_is_refused_before_any_request(
        self, vendor_target: Callable[[str], Target]
    ) -> None:
        target = vendor_target(self.vendor)
        client, seen = self.offline(target)
        for bad in ("-bad.example.com", "exa mple.com", "a" * 64 + ".com", "nodot", ""):
            with pytest.raises(maildns.InvalidInputError) as info:
                self.create(client, bad)
            assert isinstance(info.value, ValueError)
            assert info.value.problems[0].argument == "domain"
            for call in (
                client.get_sending_domain,
                client.delete_sending_domain,
                client.verify_sending_domain,
            ):
                with pytest.raises(maildns.InvalidInputError):
                    call(bad)
        assert seen == []

    def test_another_vendors_settings_are_refused_before_any_request(
        self, vendor_target: Callable[[str], Target]
    ) -> None:
        target = vendor_target(self.vendor)
        client, seen = self.offline(target)
        for foreign in (object(), "settings", {"daily_send_limit": 1}):
            with pytest.raises(maildns.InvalidInputError) as info:
                client.create_sending_domain(self.domain, foreign)
            assert [p.argument for p in info.value.problems] == ["settings"]
            assert type(self.settings()).__name__ in str(info.value)
        assert seen == []

    @pytest.mark.vcr
    async def test_async_lifecycle(self, vendor_target: Callable[[str], Target]) -> None:
        target = vendor_target(self.vendor)
        async with self.make_async(target) as client:
            created = await self.acreate(client, self.domain)
            self.check_domain(created, self.domain)
            assert (await client.get_sending_domain(self.domain)).id == created.id
            assert [d.id async for d in client.list_sending_domains()] == [created.id]
            assert (await client.verify_sending_domain(self.domain)).id == created.id
            await client.delete_sending_domain(self.domain)
            with pytest.raises(maildns.NotFoundError):
                await client.get_sending_domain(self.domain)


class DnsHostContract(_Vendor):
    """Vendors that host zones (``DnsHost``), through its methods."""

    zone: ClassVar[str] = "contract.example"
    creates_zones: ClassVar[bool] = True
    """False for a host that only updates zones its server serves already (RFC 2136): there
    ``create_zone`` and ``delete_zone`` are refused before anything is sent, and the zone under
    test exists before the test."""

    def settings(self, target: Target) -> Any:
        """The vendor's settings object for a new zone."""
        raise NotImplementedError

    @pytest.mark.vcr
    def test_zone_and_record_lifecycle(self, vendor_target: Callable[[str], Target]) -> None:
        target = vendor_target(self.vendor)
        spf = DnsRecord(RecordType.TXT, f"mail.{self.zone}", "v=spf1 include:x.example ~all")
        mx = DnsRecord(RecordType.MX, f"mail.{self.zone}", "mx.example.net", priority=10)
        with self.make(target) as dns:
            if self.creates_zones:
                created = dns.create_zone(self.zone.upper() + ".", self.settings(target))
            else:
                with pytest.raises(maildns.InvalidInputError) as refused:
                    dns.create_zone(self.zone.upper() + ".", self.settings(target))
                assert [p.argument for p in refused.value.problems] == ["domain"]
                created = dns.get_zone(self.zone.upper() + ".")
            assert isinstance(created, Zone)
            assert created.domain == self.zone
            assert self.zone in [z.domain for z in dns.list_zones()]
            assert dns.check_zone(self.zone) is not None

            dns.add_record(self.zone, spf)
            dns.add_record(self.zone, mx)
            records = dns.get_zone(self.zone).records
            assert spf in records
            assert mx in records

            dns.update_record(self.zone, spf, "v=spf1 include:y.example ~all")
            records = dns.get_zone(self.zone).records
            assert spf not in records
            assert DnsRecord(RecordType.TXT, spf.name, "v=spf1 include:y.example ~all") in records

            dns.delete_record(self.zone, mx)
            assert mx not in dns.get_zone(self.zone).records

            gone = self.zone
            if self.creates_zones:
                dns.delete_zone(self.zone)
            else:
                with pytest.raises(maildns.InvalidInputError):
                    dns.delete_zone(self.zone)
                gone = "absent.example"
            with pytest.raises(maildns.NotFoundError) as info:
                dns.get_zone(gone)
            assert (info.value.vendor, info.value.operation) == (self.vendor, "get_zone")

    def test_bad_records_are_refused_together_before_any_request(
        self, vendor_target: Callable[[str], Target]
    ) -> None:
        target = vendor_target(self.vendor)
        client, seen = self.offline(target)
        bad = DnsRecord(RecordType.A, "www.elsewhere.example", "not-an-ip")
        with pytest.raises(maildns.InvalidInputError) as info:
            client.add_record(self.zone, bad)
        assert {p.argument for p in info.value.problems} == {"record.name", "record.value"}
        with pytest.raises(maildns.InvalidInputError) as info:
            client.create_zone(self.zone, object())
        assert [p.argument for p in info.value.problems] == ["settings"]
        assert seen == []

    @pytest.mark.vcr
    async def test_async_zone_lifecycle(self, vendor_target: Callable[[str], Target]) -> None:
        target = vendor_target(self.vendor)
        record = DnsRecord(RecordType.CNAME, f"www.{self.zone}", "web.example.net")
        async with self.make_async(target) as dns:
            if self.creates_zones:
                await dns.create_zone(self.zone, self.settings(target))
            await dns.add_record(self.zone, record)
            assert record in (await dns.get_zone(self.zone)).records
            assert [z.domain async for z in dns.list_zones()] == [self.zone]
            if not self.creates_zones:
                await dns.delete_record(self.zone, record)
                assert record not in (await dns.get_zone(self.zone)).records
                return
            await dns.delete_zone(self.zone)
            assert [z.domain async for z in dns.list_zones()] == []
