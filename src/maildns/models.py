"""The vocabulary shared by every vendor: sending domains, zones and DNS records.

Results are frozen attrs classes. ``raw`` keeps what the vendor sent as the vendor's generated
model (from the ``<vendor>_client`` package); it is built from the response the first time it is
read, so a call pays for it only when it is used.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import attrs

__all__ = [
    "DnsRecord",
    "DomainStatus",
    "RecordPurpose",
    "RecordType",
    "SendingDomain",
    "Zone",
    "ZoneStatus",
]


class RecordType(StrEnum):
    A = "A"
    AAAA = "AAAA"
    CNAME = "CNAME"
    MX = "MX"
    NS = "NS"
    SRV = "SRV"
    TXT = "TXT"


class RecordPurpose(StrEnum):
    """Why a sending domain needs a record."""

    DKIM = "DKIM"
    SPF = "SPF"
    VERIFICATION = "VERIFICATION"
    RECEIVING = "RECEIVING"


class DomainStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    FAILED = "failed"
    UNKNOWN = "unknown"


class ZoneStatus(StrEnum):
    """Whether a DNS host's zone is what the world sees, as far as the host can tell."""

    SERVED = "served"
    """The host serves the zone, and the zone's delegation names the host's nameservers."""
    NOT_DELEGATED = "not_delegated"
    """The host holds the zone, but the delegation names other nameservers: its records are
    not what resolvers see."""
    MISSING = "missing"
    """The host does not hold the zone."""

    # The names of maildns 0.x, from TelecomX's statuses; aliases of the members above.
    OK = "served"
    WRONG_NS = "not_delegated"
    NOT_EXIST = "missing"


@attrs.frozen
class DnsRecord:
    """One DNS record.

    ``name`` is fully qualified and lower-case (a zone's root record carries the zone name);
    ``value`` is the exact text to publish: an address, a host name, the text of a TXT record
    without quotes, or for SRV ``"priority weight port target"``. MX records keep their
    preference in ``priority``. ``verified`` is what the vendor last said of the record, if
    anything.
    """

    type: RecordType
    name: str
    value: str
    purpose: RecordPurpose | None = None
    priority: int | None = None
    verified: bool | None = None


@attrs.frozen
class SendingDomain:
    """A domain a vendor sends mail from, with the records to publish before it can."""

    vendor: str
    domain: str
    id: str
    status: DomainStatus
    records: tuple[DnsRecord, ...] = ()
    _raw: Any = attrs.field(default=None, eq=False, repr=False, alias="raw")

    @property
    def raw(self) -> Any:
        """The vendor's generated model of this domain, as the vendor sent it."""
        return _resolved(self)


@attrs.frozen
class Zone:
    """A DNS zone hosted by a DNS host: what any DNS host has.

    ``ttl`` is the zone's default TTL, ``serial`` its SOA serial, ``status`` what the host says
    of its delegation (None: the host did not say, or said something maildns does not know).
    What only one host has (TelecomX's customer and product) is in ``raw``, the host's own
    model of the zone.
    """

    domain: str
    ttl: int | None = None
    serial: int | None = None
    records: tuple[DnsRecord, ...] = ()
    status: ZoneStatus | None = None
    _raw: Any = attrs.field(default=None, eq=False, repr=False, alias="raw")

    @property
    def raw(self) -> Any:
        """The vendor's generated model of this zone, as the vendor sent it."""
        return _resolved(self)


class Deferred:
    """A ``raw`` value built on first use (internal: the core hands these to the models):
    ``source.generated(*path)``."""

    __slots__ = ("_path", "_source")

    def __init__(self, source: Any, path: tuple[str | int, ...] = ()) -> None:
        self._source = source
        self._path = path

    def load(self) -> Any:
        return self._source.generated(*self._path)

    def __reduce__(self) -> tuple[Any, ...]:
        # A pickled model carries the built value, not the loader.
        return (_same, (self.load(),))


def _same(value: Any) -> Any:
    return value


def _resolved(model: SendingDomain | Zone) -> Any:
    raw = model._raw
    if type(raw) is Deferred:
        raw = raw.load()
        object.__setattr__(model, "_raw", raw)  # frozen, but this is a cache
    return raw
