"""The CiiRUS email subaccount as a :class:`~maildns.models.SendingDomain`.

The subaccount carries Mandrill's values; where each is published follows the Mailchimp
Transactional (Mandrill) "Domains" documentation, "Authentication and Deliverability"
(https://mailchimp.com/developer/transactional/docs/authentication-delivery/, and the Mandrill
knowledge-base article "About SPF and DKIM"): ownership is verified by a TXT record
``mandrill_verify.<token>`` at the domain itself, DKIM is a TXT record at the selector
``mandrill._domainkey.<domain>``, and SPF is a TXT record at the domain. So:

- ``dns_value``: TXT at ``<domain>``, purpose VERIFICATION, ``verified`` =
  ``dns_validation_status``;
- ``dkim_value``: TXT at ``mandrill._domainkey.<domain>``, purpose DKIM, ``verified`` =
  ``dkim_validation_status``;
- ``spf_value``: TXT at ``<domain>``, purpose SPF, ``verified`` = ``spf_validation_status``.

Values are exactly what CiiRUS sent. The v2023.07.31 create answer documents no ``spf_value``:
that result then has no SPF record (nothing is invented; a later get shows it). The status is
VERIFIED when every validation status present is true, PENDING when one is false, UNKNOWN when
none is present. The input is the validated pydantic model of either version.
"""

from __future__ import annotations

from typing import Any, Final

from ..._core.options import logger
from ..._dns.names import domain_name
from ...errors import InvalidInputError
from ...models import DnsRecord, DomainStatus, RecordPurpose, RecordType, SendingDomain
from . import DECLARATION

VENDOR: Final = DECLARATION.name
DKIM_SELECTOR: Final = "mandrill._domainkey"
_VALUES: Final = (
    ("dns_value", RecordPurpose.VERIFICATION, "dns_validation_status"),
    ("dkim_value", RecordPurpose.DKIM, "dkim_validation_status"),
    ("spf_value", RecordPurpose.SPF, "spf_validation_status"),
)


def normal_domain(value: str) -> str:
    try:
        return domain_name(value)
    except InvalidInputError:
        return value.rstrip(".").lower()


def _status(statuses: list[bool | None]) -> DomainStatus:
    present = [s for s in statuses if s is not None]
    if not present:
        return DomainStatus.UNKNOWN
    return DomainStatus.VERIFIED if all(present) else DomainStatus.PENDING


class MissingField(Exception):
    """The subaccount lacks a field the facade needs (it names it)."""


def to_sending_domain(sub: Any, raw: Any, operation: str) -> SendingDomain:
    """The validated subaccount model (any operation's, either version) as a SendingDomain."""
    if not sub.sending_domain:
        raise MissingField("no sending_domain in the subaccount")
    if not sub.subaccount_id:
        raise MissingField("no subaccount_id in the subaccount")
    domain = normal_domain(sub.sending_domain)
    records: list[DnsRecord] = []
    statuses: list[bool | None] = []
    for field, purpose, status_field in _VALUES:
        verified = getattr(sub, status_field, None)
        statuses.append(verified)
        value = getattr(sub, field, None)
        if value is None:
            continue
        if not value:
            logger.warning(
                "%s %s: %s is empty; left out of records, kept in raw", VENDOR, operation, field
            )
            continue
        name = f"{DKIM_SELECTOR}.{domain}" if purpose is RecordPurpose.DKIM else domain
        records.append(DnsRecord(RecordType.TXT, name, value, purpose, None, verified))
    return SendingDomain(VENDOR, domain, sub.subaccount_id, _status(statuses), tuple(records), raw)
