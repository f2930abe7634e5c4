"""TelecomX's zones and records in maildns's vocabulary, and back.

* record names: maildns names are fully qualified (``www.example.com``, the root is
  ``example.com``); TelecomX wants them relative to the zone (``www``, ``''``);
* MX records: ``DnsRecord(type=MX, value=host, priority=10)`` is TelecomX's ``type: "MX 10"``,
  ``rData: host``;
* TXT records: the maildns value is the text itself; TelecomX's ``rData`` is that text in
  double quotes, split into strings of at most 255 characters;
* records of a type maildns does not model (``SPF``, ``CAA``, ...) are left out of
  :attr:`Zone.records` with a WARNING; they stay in :attr:`Zone.raw`.

Records have no id at TelecomX: a record is its (name, type, rData) triple, matched exactly.
The input is the validated pydantic model (``vendor_models.telecomx.Dns`` or a list item).
"""

from __future__ import annotations

import re
from typing import Any, Final, NamedTuple

from ..._core.options import logger
from ..._dns.names import absolute_name, relative_name
from ..._dns.records import KINDS
from ..._dns.records.txt import TXT
from ..._dns.values import MAX_UINT16, record_value
from ...errors import InvalidInputError
from ...models import DnsRecord, RecordType, Zone, ZoneStatus

_MX_TYPE: Final = re.compile(r"MX\s+([0-9]{1,5})")
_PLAIN_TYPES: Final = {t.value: t for t in RecordType if t is not RecordType.MX}
# TelecomX's delegation statuses (its wiki's words) in maildns's vocabulary
_ZONE_STATUSES: Final = {
    "OK": ZoneStatus.SERVED,
    "WRONG_NS": ZoneStatus.NOT_DELEGATED,
    "NOT_EXIST": ZoneStatus.MISSING,
}


class Wire(NamedTuple):
    """A record as TelecomX spells it: relative name, type (``MX 10``), rData."""

    name: str
    type: str
    rdata: str

    @classmethod
    def of(cls, item: Any) -> Wire:
        """From a validated ``DnsRecord`` of a zone."""
        return cls(item.name if isinstance(item.name, str) else "", item.type, item.rData)


def wire(record: DnsRecord, zone: str, value: str | None = None) -> Wire:
    """A checked maildns record as TelecomX spells it (with ``value`` instead, if given)."""
    kind = f"MX {record.priority}" if record.type is RecordType.MX else record.type.value
    text = record.value if value is None else value
    rdata = TXT.present(text) if record.type is RecordType.TXT else text
    return Wire(relative_name(record.name, zone), kind, rdata)


def record_type(wire_type: str) -> tuple[RecordType, int | None] | None:
    found = _PLAIN_TYPES.get(wire_type)
    if found is not None:
        return found, None
    kind = wire_type.strip().upper()
    found = _PLAIN_TYPES.get(kind)
    if found is not None:
        return found, None
    mx = _MX_TYPE.fullmatch(kind)
    if mx and int(mx.group(1)) <= MAX_UINT16:
        return RecordType.MX, int(mx.group(1))
    return None


def to_record(item: Any, zone: str, *, warn: bool = True) -> DnsRecord | None:
    """A TelecomX record as a maildns record, or None (with a warning) if maildns cannot say."""
    kind = record_type(item.type)
    if kind is None:
        if warn:
            logger.warning(
                "telecomx zone %s: skipped the record %r of type %r, which maildns does not "
                "model (it stays in Zone.raw)",
                zone,
                item.name,
                item.type,
            )
        return None
    rtype, priority = kind
    rdata: str = item.rData
    value = TXT.parse(rdata)[0] if rtype is RecordType.TXT else KINDS[rtype].normal(rdata)
    name = absolute_name(item.name if isinstance(item.name, str) else "", zone, "name")
    return DnsRecord(rtype, name, value, None, priority)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)
    return None


def to_zone(model: Any, raw: Any, fallback_domain: str | None = None) -> Zone:
    """A zone from a validated ``Dns`` (or a full list item, which has the same fields)."""
    domain = model.field_id or fallback_domain or ""
    if not domain.islower() or domain.endswith("."):
        domain = domain.rstrip(".").lower()
    records: list[DnsRecord] = []
    items = model.records
    if isinstance(items, list):
        for item in items:
            record = to_record(item, domain)
            if record is not None:
                records.append(record)
    status = model.status
    return Zone(
        domain,
        _int(model.ttl),
        model.serial,
        tuple(records),
        _ZONE_STATUSES.get(status) if status is not None else None,
        raw,
    )


def zone_status(value: object) -> ZoneStatus | None:
    return _ZONE_STATUSES.get(value) if isinstance(value, str) else None


def _canonical(rtype: RecordType, value: str) -> str:
    try:
        priority = 0 if rtype is RecordType.MX else None
        return record_value(rtype, value, priority=priority)[0]
    except InvalidInputError:
        return value


def same(record: DnsRecord, item: Any, zone: str) -> bool:
    """Whether the TelecomX record ``item`` is ``record`` (checked and normalised), whatever
    spelling TelecomX keeps it in."""
    found = to_record(item, zone, warn=False)
    return (
        found is not None
        and (found.type, found.name, found.priority) == (record.type, record.name, record.priority)
        and _canonical(found.type, found.value) == record.value
    )
