"""The roles a vendor plays, as protocols to type against and call interchangeably.

- :class:`SendingDomainProvider` (and :class:`AsyncSendingDomainProvider`): a vendor that sends
  mail for a domain once the records it asks for are published. :class:`~maildns.Tesouro` and
  :class:`~maildns.Ciirus` are providers.
- :class:`DnsHost` (and :class:`AsyncDnsHost`): a vendor that hosts zones and their records.
  :class:`~maildns.TelecomX` is a DNS host.
- :class:`RecordSetHost` (and :class:`AsyncRecordSetHost`): a DNS host that can also replace
  one record set only if it is still what was read (compare and swap), refusing with
  :class:`~maildns.errors.RecordsChangedError` otherwise. The RFC 2136 host is one; onboarding
  writes through it when the host is one, and plans again when it refuses.

Vendor-specific creation settings travel as one typed settings object, the protocols' type
parameter: ``SendingDomainProvider[CiirusSettings]`` creates a domain with
``create_sending_domain(domain, CiirusSettings(daily_send_limit=500, approved=True))``,
``SendingDomainProvider[TesouroSettings]`` with ``TesouroSettings()`` (Tesouro has none), and
``DnsHost[TelecomXZoneSettings]`` creates a zone with
``create_zone(domain, TelecomXZoneSettings(customer=..., product=...))``. A settings object of
another vendor is refused (:class:`~maildns.errors.InvalidInputError`) before anything is sent.
The clients also take the settings as keyword arguments, for direct use.

Every protocol is ``runtime_checkable``: ``isinstance(client, SendingDomainProvider)`` checks
that the methods are there (not their signatures; mypy checks those).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Protocol, TypeVar, runtime_checkable

from .models import DnsRecord, SendingDomain, Zone, ZoneStatus

__all__ = [
    "AsyncDnsHost",
    "AsyncRecordSetHost",
    "AsyncSendingDomainProvider",
    "DnsHost",
    "RecordSetHost",
    "SendingDomainProvider",
]

SettingsT_contra = TypeVar("SettingsT_contra", contravariant=True)


@runtime_checkable
class SendingDomainProvider(Protocol[SettingsT_contra]):
    """A vendor that sends mail for a domain; its domains are named, not numbered."""

    @property
    def vendor(self) -> str:
        """The vendor's name, as in errors and models."""
        ...

    def create_sending_domain(self, domain: str, settings: SettingsT_contra) -> SendingDomain:
        """Register ``domain``; the result lists the records to publish."""
        ...

    def get_sending_domain(self, domain: str) -> SendingDomain:
        """The domain with its status and records (NotFoundError when the vendor has none)."""
        ...

    def list_sending_domains(self) -> Iterator[SendingDomain]:
        """Every domain of the account, fetched as it is iterated."""
        ...

    def verify_sending_domain(self, domain: str, *, fresh: bool = True) -> SendingDomain:
        """Ask the vendor to check the records now; the domain with its new status.

        ``fresh=False``: the records as last read, where reading them again would cost a call
        (a vendor that finds domains only by listing them all: onboarding thousands needs the
        status alone).
        """
        ...

    def delete_sending_domain(self, domain: str) -> None:
        """Delete the domain (NotFoundError when the vendor has none)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class AsyncSendingDomainProvider(Protocol[SettingsT_contra]):
    """The asynchronous twin of :class:`SendingDomainProvider`."""

    @property
    def vendor(self) -> str: ...

    async def create_sending_domain(
        self, domain: str, settings: SettingsT_contra
    ) -> SendingDomain: ...

    async def get_sending_domain(self, domain: str) -> SendingDomain: ...

    def list_sending_domains(self) -> AsyncIterator[SendingDomain]: ...

    async def verify_sending_domain(self, domain: str, *, fresh: bool = True) -> SendingDomain: ...

    async def delete_sending_domain(self, domain: str) -> None: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class DnsHost(Protocol[SettingsT_contra]):
    """A vendor that hosts zones; records are named fully qualified and matched by value."""

    @property
    def vendor(self) -> str: ...

    def create_zone(self, domain: str, settings: SettingsT_contra) -> Zone:
        """Host ``domain``."""
        ...

    def get_zone(self, domain: str) -> Zone:
        """The zone with its records."""
        ...

    def list_zones(self) -> Iterator[Zone]:
        """Every zone of the account, fetched as it is iterated."""
        ...

    def delete_zone(self, domain: str) -> None: ...

    def check_zone(self, domain: str) -> ZoneStatus | None:
        """Whether the domain is delegated to the host (None: a status maildns does not know)."""
        ...

    def add_record(self, domain: str, record: DnsRecord) -> None: ...

    def update_record(self, domain: str, record: DnsRecord, new_value: str) -> None: ...

    def delete_record(self, domain: str, record: DnsRecord) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class AsyncDnsHost(Protocol[SettingsT_contra]):
    """The asynchronous twin of :class:`DnsHost`."""

    @property
    def vendor(self) -> str: ...

    async def create_zone(self, domain: str, settings: SettingsT_contra) -> Zone: ...

    async def get_zone(self, domain: str) -> Zone: ...

    def list_zones(self) -> AsyncIterator[Zone]: ...

    async def delete_zone(self, domain: str) -> None: ...

    async def check_zone(self, domain: str) -> ZoneStatus | None: ...

    async def add_record(self, domain: str, record: DnsRecord) -> None: ...

    async def update_record(self, domain: str, record: DnsRecord, new_value: str) -> None: ...

    async def delete_record(self, domain: str, record: DnsRecord) -> None: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class RecordSetHost(DnsHost[SettingsT_contra], Protocol[SettingsT_contra]):
    """A DNS host that replaces a record set (one name and type) only if it is as read."""

    def replace_records(
        self, domain: str, expected: Sequence[DnsRecord], new: Sequence[DnsRecord]
    ) -> None:
        """The records of ``expected``'s (or ``new``'s) name and type become ``new``, only if
        they are exactly ``expected`` now (none: the set must not exist);
        :class:`~maildns.errors.RecordsChangedError` otherwise, and nothing changes."""
        ...


@runtime_checkable
class AsyncRecordSetHost(AsyncDnsHost[SettingsT_contra], Protocol[SettingsT_contra]):
    """The asynchronous twin of :class:`RecordSetHost`."""

    async def replace_records(
        self, domain: str, expected: Sequence[DnsRecord], new: Sequence[DnsRecord]
    ) -> None: ...
