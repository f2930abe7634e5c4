"""Record values, TTLs, and whole records checked against their zone.

Each type's own rules live in its module under :mod:`.records` (A: IPv4, no leading zeros;
AAAA: IPv6, compressed; CNAME: host name, ``_`` allowed; NS: host name; MX: host name and a
priority 0..65535; SRV: ``"priority weight port target"``; TXT: the text to publish, unquoted,
printable ASCII, 1 to 4096 characters); this module adds what holds for every record. TTLs
follow TelecomX's rule (1 to 2147483647, RFC 2181 section 8).
"""

from __future__ import annotations

from typing import cast

import attrs

from .._core.checks import Checker, fail, got, integer, show, sibling
from ..errors import InvalidInputError
from ..models import DnsRecord, RecordPurpose, RecordType
from .names import record_name
from .records import KINDS, MAX_UINT16
from .records.txt import MAX_TXT_LENGTH

__all__ = ["MAX_TTL", "MAX_TXT_LENGTH", "MAX_UINT16", "dns_record", "record_value", "ttl"]

MAX_TTL = 2_147_483_647
"""The largest TTL accepted (a positive 31-bit value, RFC 2181 section 8)."""


def ttl(value: object, argument: str = "ttl") -> int:
    """A TTL in seconds: an integer from 1 to 2147483647."""
    return integer(value, argument, 1, MAX_TTL)


def _record_type(value: object, argument: str) -> RecordType:
    if isinstance(value, RecordType):
        return value
    if isinstance(value, str) and value.upper() in RecordType.__members__:
        return RecordType[value.upper()]
    choices = ", ".join(t.value for t in RecordType)
    raise fail(argument, f"must be a record type ({choices}), got {got(value)}")


def record_value(
    type: RecordType,
    value: object,
    argument: str = "record.value",
    *,
    priority: int | None = None,
) -> tuple[str, int | None]:
    """A record's value (and MX priority), checked and normalised for its type.

    A: IPv4 (no leading zeros); AAAA: IPv6, compressed; CNAME: host name (``_`` allowed);
    NS: host name; MX: host name and ``priority`` 0..65535 (required); SRV:
    ``"priority weight port target"`` (numbers 0..65535, target a host name or ``.``); TXT: the
    text to publish, unquoted, printable ASCII, 1 to 4096 characters. Only MX takes a
    ``priority``. Problems with the priority are reported as the sibling argument ``priority``
    (``record.value`` -> ``record.priority``); with the type, as ``type``.
    """
    record_type = _record_type(type, sibling(argument, "type"))
    priority_argument = sibling(argument, "priority")
    checker = Checker()
    text = ""
    if not isinstance(value, str):
        checker.add(argument, f"must be a str, got {got(value)}")
    elif not value:
        checker.add(argument, "must not be empty")
    else:
        try:
            text = KINDS[record_type].check(value, argument)
        except InvalidInputError as error:
            checker.extend(error)
    checked_priority: int | None = None
    if record_type is RecordType.MX:
        if priority is None:
            checker.add(
                priority_argument,
                f"an MX record needs a priority, an integer from 0 to {MAX_UINT16}",
            )
        else:
            checked_priority = checker.check(_uint16, priority, priority_argument)
    elif priority is not None:
        extra = (
            " (an SRV record's priority is the first number of its value)"
            if record_type is RecordType.SRV
            else ""
        )
        checker.add(
            priority_argument,
            f"only MX records take a priority, not {record_type.value} records{extra}",
        )
    checker.raise_if_any()
    return text, checked_priority


def _uint16(value: object, argument: str) -> int:
    return integer(value, argument, 0, MAX_UINT16)


# --------------------------------------------------------------------------- records


def _purpose(value: object, argument: str) -> RecordPurpose | None:
    if value is None or isinstance(value, RecordPurpose):
        return value
    if isinstance(value, str) and value.upper() in RecordPurpose.__members__:
        return RecordPurpose[value.upper()]
    choices = ", ".join(p.value for p in RecordPurpose)
    raise fail(argument, f"must be None or a record purpose ({choices}), got {got(value)}")


def dns_record(record: DnsRecord, zone: str, argument: str = "record") -> DnsRecord:
    """A record checked against ``zone`` and normalised (a copy); every problem is reported.

    The type must be a :class:`RecordType`, the name is checked by :func:`record_name` (an SRV
    record's name must start with ``_service._proto``), the value and priority by
    :func:`record_value`.
    """
    if not isinstance(record, DnsRecord):
        raise fail(argument, f"must be a DnsRecord, got {got(record)}")
    checker = Checker()
    record_type: RecordType | None = checker.check(_record_type, record.type, f"{argument}.type")
    if not isinstance(record_type, RecordType):
        record_type = None
    name_argument = f"{argument}.name"
    before = len(checker.problems)
    name = checker.check(record_name, record.name, name_argument, zone=zone)
    if record_type is RecordType.SRV and len(checker.problems) == before:
        labels = name.split(".")
        if len(labels) < 3 or not (labels[0].startswith("_") and labels[1].startswith("_")):
            checker.add(
                name_argument,
                f"an SRV record's name must start with '_service._proto', "
                f"e.g. '_sip._tcp.example.com', got {show(name)}",
            )
    value, priority = record.value, record.priority
    if record_type is not None:
        try:
            value, priority = record_value(
                record_type, record.value, f"{argument}.value", priority=record.priority
            )
        except InvalidInputError as error:
            checker.extend(error)
    purpose = checker.check(_purpose, record.purpose, f"{argument}.purpose")
    checker.raise_if_any()
    return attrs.evolve(
        record,
        type=cast(RecordType, record_type),
        name=name,
        value=value,
        priority=priority,
        purpose=purpose,
    )
