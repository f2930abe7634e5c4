"""Tesouro mailbox domains as :class:`~maildns.models.SendingDomain`.

Mailgun backs the domains, so the records to publish are Mailgun's: an SPF TXT and a DKIM TXT
at ``<selector>._domainkey.<domain>`` to send, and MX records (with a priority) to receive.
The input is the validated pydantic model (``vendor_models.tesouro.DomainResponse``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from ..._core.options import logger
from ...models import DnsRecord, DomainStatus, RecordPurpose, RecordType, SendingDomain
from . import DECLARATION

VENDOR: Final = DECLARATION.name

# Only "waiting_to_be_verified" and valid "unknown" are documented (see the spec's x-unconfirmed):
# the rest are Mailgun's words, guessed; any other value maps to UNKNOWN / None, never an error.
_STATUSES: Final = {
    "waiting_to_be_verified": DomainStatus.PENDING,
    "pending": DomainStatus.PENDING,
    "verified": DomainStatus.VERIFIED,
    "active": DomainStatus.VERIFIED,
    "failed": DomainStatus.FAILED,
    "invalid": DomainStatus.FAILED,
}
_VALID: Final[dict[str, bool | None]] = {"valid": True, "invalid": False, "unknown": None}
_PURPOSES: Final = {"DKIM": RecordPurpose.DKIM, "SPF": RecordPurpose.SPF}
_TYPES: Final = {t.value: t for t in RecordType}


def status(value: object) -> DomainStatus:
    if isinstance(value, str):
        found = _STATUSES.get(value)
        return found if found is not None else _STATUSES.get(value.strip().lower(), _UNKNOWN)
    return _UNKNOWN


_UNKNOWN: Final = DomainStatus.UNKNOWN


def _priority(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _name(value: object, domain: str) -> str:
    """Lower-case and fully qualified; a record without a name is at the domain itself."""
    if type(value) is str and value.islower() and value[-1] != "." and value.strip() == value:
        return value  # as the vendor sends them: no work
    if not isinstance(value, str) or value.strip() in ("", "@"):
        return domain
    return value.strip().rstrip(".").lower()


def _purpose(purpose: object, name: str, value: str) -> RecordPurpose | None:
    if isinstance(purpose, str):
        found = _PURPOSES.get(purpose) or _PURPOSES.get(purpose.strip().upper())
        if found is not None:
            return found
    # Older answers (Monite's guide) carry no purpose: tell SPF and DKIM by their content.
    if value[:6].lower() == "v=spf1":
        return RecordPurpose.SPF
    if "._domainkey." in f".{name}":
        return RecordPurpose.DKIM
    return None


def _record(item: Any, domain: str, purpose_if_receiving: RecordPurpose | None) -> DnsRecord | None:
    """One record; ``purpose_if_receiving`` is RECEIVING for the receiving list, else None."""
    if type(item) is dict:  # the spec's free-form fallback object
        kind, value = item.get("record_type"), item.get("value")
        name, valid, priority = item.get("name"), item.get("valid"), item.get("priority")
        purpose = item.get("record_purpose")
    else:  # a validated DNSRecord: this runs for every record, so it reads each field once
        fields = item.__dict__
        kind, value, name = fields["record_type"], fields["value"], fields["name"]
        valid, priority, purpose = fields["valid"], fields["priority"], fields["record_purpose"]
    # Documented types are one dict lookup away (the generated enum is a str too).
    record_type = _TYPES.get(kind) if type(kind) is str else None
    if record_type is None:
        record_type = _TYPES.get(kind.strip().upper()) if isinstance(kind, str) else None
        if record_type is None:
            logger.warning(
                "tesouro: a DNS record of unknown type %.40r for %s is left out of records "
                "(it stays in raw)",
                kind,
                domain,
            )
            return None
    if type(value) is not str:
        logger.warning(
            "tesouro: a %s record without a value for %s is left out of records (it stays in raw)",
            record_type.value,
            domain,
        )
        return None
    if type(name) is not str or not name.islower() or name[-1] == "." or name.strip() != name:
        name = _name(name, domain)  # else: as the vendor sends them, no work
    if purpose_if_receiving is None:
        purpose_if_receiving = (_PURPOSES.get(purpose) if type(purpose) is str else None) or (
            _purpose(purpose, name, value)
        )
    if record_type is not _MX:
        priority = None
    elif type(priority) is not str or not priority.isdigit():
        priority = _priority(priority)
    else:
        priority = int(priority)
    return DnsRecord(
        record_type,
        name,
        value,
        purpose_if_receiving,
        priority,
        _VALID[valid] if type(valid) is str and valid in _VALID else _valid(valid),
    )


def _valid(value: object) -> bool | None:
    return _VALID.get(value.strip().lower()) if isinstance(value, str) else None


_MX: Final = RecordType.MX
_RECEIVING: Final = RecordPurpose.RECEIVING


def _record_lists(dns_records: Any) -> tuple[Iterable[Any], Iterable[Any]]:
    """(sending, receiving) from ``DNSRecords`` or the spec's free-form fallback object."""
    if type(dns_records) is dict:
        sending = dns_records.get("sending_dns_records")
        receiving = dns_records.get("receiving_dns_records")
        return (
            sending if isinstance(sending, list) else (),
            receiving if isinstance(receiving, list) else (),
        )
    return dns_records.sending_dns_records, dns_records.receiving_dns_records


def domain_name_of(model: Any) -> str:
    """The normalised name of a ``DomainResponse`` or ``VerifyResponse``."""
    name: str = model.domain
    if name.islower() and not name.endswith("."):
        return name
    return name.strip().rstrip(".").lower()


def to_sending_domain(model: Any, raw: Any) -> SendingDomain:
    """The unified model of one validated ``DomainResponse``; ``raw`` is what ``.raw`` gives
    (the generated attrs model, or a deferred one)."""
    domain = domain_name_of(model)
    sending, receiving = _record_lists(model.dns_records)
    records = []
    for item in sending:
        record = _record(item, domain, None)
        if record is not None:
            records.append(record)
    for item in receiving:
        record = _record(item, domain, _RECEIVING)
        if record is not None:
            records.append(record)
    return SendingDomain(
        VENDOR,
        domain,
        str(model.id),
        status(model.status),
        tuple(records),
        raw,
    )
