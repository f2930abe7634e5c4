"""The contract every vendor client keeps, as test suites to subclass (the dns-lexicon way).

A vendor's ``tests/test_facade_<vendor>.py`` subclasses :class:`VendorContract` (all vendors)
and, for vendors that host sending domains, :class:`SendingDomainContract`, then fills in the
hooks. The HTTP tests replay cassettes recorded from the sandbox, so the same suite proves the
same behaviour of every vendor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import httpx
import pytest

import maildns
from maildns import DomainStatus, RecordType, SendingDomain

from .conftest import Target


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


class VendorContract:
    """What every vendor client does the same way, sync and async."""

    vendor: ClassVar[str]
    client_class: ClassVar[type[Any]]
    async_client_class: ClassVar[type[Any]]
    credential_env: ClassVar[tuple[str, ...]]  # named by ConfigurationError when missing

    # --- hooks ---------------------------------------------------------------------------------
    def client_kwargs(self, target: Target) -> dict[str, Any]:
        """Constructor arguments for ``target`` (credentials, base_url, api_version ...)."""
        return {**target.credentials, "base_url": target.base_url}

    def wrong_credentials(self, target: Target) -> dict[str, Any]:
        raise NotImplementedError

    def probe(self, client: Any) -> Any:
        """A cheap authenticated call."""
        raise NotImplementedError

    async def aprobe(self, client: Any) -> Any:
        raise NotImplementedError

    def secrets(self, target: Target) -> list[str]:
        return [v for k, v in target.credentials.items() if k in ("client_secret", "password")]

    # --- helpers --------------------------------------------------------------------------------
    def make(self, target: Target, **overrides: Any) -> Any:
        return self.client_class(**{**self.client_kwargs(target), **overrides})

    def make_async(self, target: Target, **overrides: Any) -> Any:
        return self.async_client_class(**{**self.client_kwargs(target), **overrides})

    # --- the contract ---------------------------------------------------------------------------
    def test_public_names(self) -> None:
        assert getattr(maildns, self.client_class.__name__) is self.client_class
        assert getattr(maildns, self.async_client_class.__name__) is self.async_client_class

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
        assert_no_secret(
            info.value, [*self.secrets(target), *self.wrong_credentials(target).values()]
        )

    def test_missing_credentials_raise_configuration_error_at_first_call(
        self, vendor_target: Callable[[str], Target], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        target = vendor_target(self.vendor)
        for env in self.credential_env:
            monkeypatch.delenv(env, raising=False)
        transport, seen = recording_transport()
        kwargs = {
            k: v for k, v in self.client_kwargs(target).items() if k not in target.credentials
        }
        client = self.client_class(**kwargs, http_client=httpx.Client(transport=transport))
        with pytest.raises(maildns.ConfigurationError) as info:
            self.probe(client)
        for env in self.credential_env:
            assert env in str(info.value)
        assert seen == []

    def test_repr_holds_no_secret(self, vendor_target: Callable[[str], Target]) -> None:
        target = vendor_target(self.vendor)
        for client in (self.make(target), self.make_async(target)):
            text = repr(client) + repr(vars(client))
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
        monkeypatch.setenv(f"{self.vendor.upper()}_BASE_URL", "https://example.test/api/")
        kwargs = {k: v for k, v in self.client_kwargs(target).items() if k != "base_url"}
        assert self.client_class(**kwargs).base_url == "https://example.test/api"

    @pytest.mark.vcr
    async def test_async_twin_authenticates_and_calls(
        self, vendor_target: Callable[[str], Target]
    ) -> None:
        target = vendor_target(self.vendor)
        async with self.make_async(target) as client:
            await self.aprobe(client)


class SendingDomainContract:
    """Vendors that host sending domains: create, get, list, verify, delete."""

    vendor: ClassVar[str]
    client_class: ClassVar[type[Any]]
    async_client_class: ClassVar[type[Any]]
    domain: ClassVar[str] = "mail.example.com"

    def client_kwargs(self, target: Target) -> dict[str, Any]:
        return {**target.credentials, "base_url": target.base_url}

    def create(self, client: Any, domain: str) -> SendingDomain:
        result: SendingDomain = client.create_sending_domain(domain)
        return result

    async def acreate(self, client: Any, domain: str) -> SendingDomain:
        result: SendingDomain = await client.create_sending_domain(domain)
        return result

    def make(self, target: Target, **overrides: Any) -> Any:
        return self.client_class(**{**self.client_kwargs(target), **overrides})

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

            listed = list(client.list_sending_domains())
            assert [d.id for d in listed if d.domain == self.domain] == [created.id]

            verified = client.verify_sending_domain(self.domain)
            assert verified.id == created.id
            assert isinstance(verified.status, DomainStatus)

            assert client.delete_sending_domain(self.domain) is None
            with pytest.raises(maildns.NotFoundError) as info:
                client.get_sending_domain(self.domain)
            assert info.value.vendor == self.vendor
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
        assert info.value.vendor == self.vendor

    @pytest.mark.vcr
    def test_unknown_domain_raises_not_found(self, vendor_target: Callable[[str], Target]) -> None:
        target = vendor_target(self.vendor)
        with self.make(target) as client:
            for call in (
                client.get_sending_domain,
                client.verify_sending_domain,
                client.delete_sending_domain,
            ):
                with pytest.raises(maildns.NotFoundError):
                    call("absent.example.com")

    def test_invalid_domain_is_refused_before_any_request(
        self, vendor_target: Callable[[str], Target]
    ) -> None:
        target = vendor_target(self.vendor)
        transport, seen = recording_transport()
        client = self.make(target, http_client=httpx.Client(transport=transport))
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

    @pytest.mark.vcr
    async def test_async_lifecycle(self, vendor_target: Callable[[str], Target]) -> None:
        target = vendor_target(self.vendor)
        async with self.async_client_class(**self.client_kwargs(target)) as client:
            created = await self.acreate(client, self.domain)
            self.check_domain(created, self.domain)
            assert (await client.get_sending_domain(self.domain)).id == created.id
            assert [d.id async for d in client.list_sending_domains()] == [created.id]
            assert (await client.verify_sending_domain(self.domain)).id == created.id
            await client.delete_sending_domain(self.domain)
            with pytest.raises(maildns.NotFoundError):
                await client.get_sending_domain(self.domain)
