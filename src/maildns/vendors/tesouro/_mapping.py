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
    else:  # a validated DNSRecord: attribute reads only, this runs for every record
        kind, value, name = item.record_type, item.value, item.name
        valid, priority, purpose = item.valid, item.priority, item.record_purpose
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
    if type(name) is str and name.islower() and name[-1] != "." and name.strip() == name:
        fqdn = name  # as the vendor sends them: no work
    else:
        fqdn = _name(name, domain)
    if purpose_if_receiving is None:
        found = _PURPOSES.get(purpose) if type(purpose) is str else None
        purpose_if_receiving = found or _purpose(purpose, fqdn, value)
    verified = _VALID.get(valid) if type(valid) is str else None
    return DnsRecord(
        record_type,
        fqdn,
        value,
        purpose_if_receiving,
        _priority(priority) if record_type is _MX else None,
        verified if verified is not None else _valid(valid),
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


def to_sending_domain(model: Any, raw: Any, status_value: object = None) -> SendingDomain:
    """The unified model of one validated ``DomainResponse``; ``raw`` is what ``.raw`` gives
    (the generated attrs model, or a deferred one). ``status_value`` overrides the status."""
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
        status(model.status if status_value is None else status_value),
        tuple(records),
        raw,
    )
