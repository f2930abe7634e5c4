"""Tesouro mailbox domains as :class:`~maildns.models.SendingDomain`.

Mailgun backs the domains, so the records to publish are Mailgun's: an SPF TXT and a DKIM TXT
at ``<selector>._domainkey.<domain>`` to send, and MX records (with a priority) to receive.
The input is the validated pydantic model (``vendor_models.tesouro.DomainResponse``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from ..._core.options import logger
from ...models import DnsRecord, DomainStatus, RecordPurpose, RecordType, SendingDomain

VENDOR: Final = "tesouro"

_STATUSES: Final = {
    "waiting_to_be_verified": DomainStatus.PENDING,
    "pending": DomainStatus.PENDING,
    "verified": DomainStatus.VERIFIED,
    "active": DomainStatus.VERIFIED,
    "failed": DomainStatus.FAILED,
    "invalid": DomainStatus.FAILED,
}
_VALID: Final = {"valid": True, "invalid": False}
_PURPOSES: Final = {"DKIM": RecordPurpose.DKIM, "SPF": RecordPurpose.SPF}
_TYPES: Final = {t.value: t for t in RecordType}


def status(value: object) -> DomainStatus:
    if isinstance(value, str):
        found = _STATUSES.get(value)
        return found if found is not None else _STATUSES.get(value.strip().lower(), _UNKNOWN)
    return _UNKNOWN


_UNKNOWN: Final = DomainStatus.UNKNOWN


def _get(item: Any, key: str) -> Any:
    """A field of a validated record, or of a free-form record dict (None when absent)."""
    if isinstance(item, dict):
        return item.get(key)
    return getattr(item, key, None)


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
    if not isinstance(value, str) or value in ("", "@"):
        return domain
    if value.islower() and not value.endswith(".") and value.strip() == value:
        return value
    stripped = value.strip()
    return domain if stripped in ("", "@") else stripped.rstrip(".").lower()


def _purpose(item: Any, receiving: bool, name: str, value: str) -> RecordPurpose | None:
    if receiving:
        return RecordPurpose.RECEIVING
    purpose = _get(item, "record_purpose")
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


def _record(item: Any, domain: str, *, receiving: bool) -> DnsRecord | None:
    kind = _get(item, "record_type")
    value = _get(item, "value")
    # The generated enum is a str: documented types are one dict lookup away.
    record_type = _TYPES.get(kind) if isinstance(kind, str) else None
    if record_type is None and isinstance(kind, str):
        record_type = _TYPES.get(kind.strip().upper())
    if record_type is None:
        logger.warning(
            "tesouro: a DNS record of unknown type %.40r for %s is left out of records "
            "(it stays in raw)",
            kind,
            domain,
        )
        return None
    if not isinstance(value, str):
        logger.warning(
            "tesouro: a %s record without a value for %s is left out of records (it stays in raw)",
            record_type.value,
            domain,
        )
        return None
    name = _name(_get(item, "name"), domain)
    valid = _get(item, "valid")
    return DnsRecord(
        record_type,
        name,
        value,
        _purpose(item, receiving, name, value),
        _priority(_get(item, "priority")) if record_type is RecordType.MX else None,
        _VALID[valid] if type(valid) is str and valid in _VALID else _valid(valid),
    )


def _valid(value: object) -> bool | None:
    return _VALID.get(value.strip().lower()) if isinstance(value, str) else None


def _record_lists(dns_records: Any) -> tuple[Iterable[Any], Iterable[Any]]:
    """(sending, receiving) from ``DNSRecords`` or the spec's free-form fallback object."""
    if isinstance(dns_records, Mapping):
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


def to_sending_domain(model: Any, raw: Any, status_value: object = None) -> SendingDomain:
    """The unified model of one validated ``DomainResponse``; ``raw`` is what ``.raw`` gives
    (the generated attrs model, or a deferred one). ``status_value`` overrides the status."""
    domain = domain_name_of(model)
    sending, receiving = _record_lists(model.dns_records)
    records = [r for r in (_record(i, domain, receiving=False) for i in sending) if r is not None]
    records += [r for r in (_record(i, domain, receiving=True) for i in receiving) if r is not None]
    return SendingDomain(
        VENDOR,
        domain,
        str(model.id),
        status(model.status if status_value is None else status_value),
        tuple(records),
        raw,
    )
