"""Input validation shared by every vendor adapter, run before any request is sent.

Each validator takes the value and the name of the argument it came from, returns the value
normalised (domain names lower-case ASCII, IPv6 addresses compressed, ...) and raises
:class:`~maildns.errors.InvalidInputError` naming that argument and saying exactly what is wrong.
Nothing else escapes a validator: a value of the wrong type (``None``, an ``int`` for a string,
a ``bool`` for an integer) is an :class:`~maildns.errors.InvalidInputError` too.

:class:`Checker` runs several validators and reports every problem at once::

    c = Checker()
    domain = c.check(domain_name, domain, "domain")
    limit = c.check(daily_send_limit, limit, "daily_send_limit")
    c.raise_if_any()

The rules come from the vendors' documents: domain names follow Tesouro's rule (labels of 1 to 63
letters, digits and hyphens that start and end with a letter or digit, 253 characters in all);
TTLs, ids, record names and per-type record data follow TelecomX's (``specs/telecomx.yaml``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import attrs
import idna

from maildns._models import DnsRecord, RecordPurpose, RecordType
from maildns.errors import InvalidInputError, Problem

__all__ = [
    "MAX_TTL",
    "MAX_TXT_LENGTH",
    "Checker",
    "absolute_name",
    "api_version",
    "daily_send_limit",
    "dns_record",
    "domain_name",
    "hostname",
    "parse_txt_rdata",
    "record_name",
    "record_value",
    "relative_name",
    "telecomx_id",
    "ttl",
    "txt_rdata",
]

T = TypeVar("T")

MAX_TTL = 2_147_483_647
"""The largest TTL TelecomX accepts (a positive 31-bit value, RFC 2181 section 8)."""
MAX_NAME_LENGTH = 253
MAX_LABEL_LENGTH = 63
MAX_TXT_LENGTH = 4096
"""The longest TXT text accepted (it is published as several 255-character strings)."""
MAX_TXT_STRING = 255
MAX_UINT16 = 65_535
_SHOW = 60

_HEX24 = re.compile(r"[0-9a-fA-F]{24}")
_LDH = re.compile(r"[a-z0-9-]+")
_LDH_UNDERSCORE = re.compile(r"[a-z0-9_-]+")
_ASCII_BAD = re.compile(r"[^A-Za-z0-9-]")
_ASCII_BAD_UNDERSCORE = re.compile(r"[^A-Za-z0-9_-]")
_UINT16 = re.compile(r"[0-9]{1,5}")
# One or more RFC 1035 character-strings in double quotes, separated by white space.
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"(?:\s+"(?:[^"\\]|\\.)*")*', re.DOTALL)
_PIECE = re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)
_ESCAPE = re.compile(r"\\([0-9]{3}|.)", re.DOTALL)


# --------------------------------------------------------------------------- messages


def _show(text: str) -> str:
    """``text`` quoted for a message, cut to about 60 characters."""
    if len(text) > _SHOW:
        text = text[: _SHOW - 3] + "..."
    return repr(text)


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _got(value: object) -> str:
    """What a message says it got: ``0``, ``str '3600'``, ``bool True``, ``None``, ``list``."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return f"bool {value}"
    if isinstance(value, int):
        if value.bit_length() > 160:  # str() of a huge int is slow, or refused
            return f"an integer of {value.bit_length()} bits"
        return _clip(str(value), _SHOW)
    if isinstance(value, str):
        return f"str {_show(value)}"
    if isinstance(value, float):
        return f"float {_clip(repr(value), _SHOW)}"
    return type(value).__name__


def _char(ch: str) -> str:
    return f"{ch!r} (U+{ord(ch):04X})"


def _fail(argument: str, message: str) -> InvalidInputError:
    return InvalidInputError.one(argument, message)


def _sibling(argument: str, name: str) -> str:
    """``record.value`` -> ``record.priority``; ``value`` -> ``priority``."""
    head, dot, _ = argument.rpartition(".")
    return f"{head}{dot}{name}"


# --------------------------------------------------------------------------- Checker


class Checker:
    """Collects the problems of several arguments, to report them all in one error."""

    def __init__(self) -> None:
        self._problems: list[Problem] = []

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(self._problems)

    def __bool__(self) -> bool:
        """True when a problem has been recorded."""
        return bool(self._problems)

    def check(self, fn: Callable[..., T], value: Any, argument: str, **kwargs: Any) -> T:
        """``fn(value, argument=argument, **kwargs)``; on InvalidInputError, record its problems
        and return ``value`` unchanged (only meaningful until :meth:`raise_if_any`)."""
        try:
            return fn(value, argument=argument, **kwargs)
        except InvalidInputError as error:
            self._problems.extend(error.problems)
            return cast(T, value)

    def add(self, argument: str, message: str) -> None:
        """Record one problem."""
        self._problems.append(Problem(argument, message))

    def extend(self, error: InvalidInputError) -> None:
        """Record every problem of ``error``."""
        self._problems.extend(error.problems)

    def raise_if_any(self) -> None:
        """Raise one InvalidInputError with every problem recorded, in order."""
        if self._problems:
            raise InvalidInputError(self._problems)


# --------------------------------------------------------------------------- names


def _remap(text: str, argument: str, what: str) -> str:
    """UTS 46 mapping (case folding, full-width forms, ideographic full stops, NFC)."""
    try:
        return idna.uts46_remap(text, std3_rules=False, transitional=False)
    except (idna.IDNAError, UnicodeError, ValueError, IndexError):
        pass
    for ch in text:
        try:
            idna.uts46_remap(ch, std3_rules=False, transitional=False)
        except (idna.IDNAError, UnicodeError, ValueError, IndexError):
            raise _fail(argument, f"character {_char(ch)} is not allowed in a {what}") from None
    raise _fail(argument, f"{_show(text)} is not a valid internationalised {what}")


def _label(label: str, argument: str, *, underscores: bool) -> str:
    """One label, as lower-case ASCII (punycode for an internationalised label)."""
    if underscores:
        allowed = "letters, digits, hyphens and underscores"
        ends = "must not start or end with a hyphen"
    else:
        allowed = "letters, digits and hyphens"
        ends = "must start and end with a letter or digit"
    if label.startswith("-") or label.endswith("-"):
        raise _fail(argument, f"label {_show(label)} {ends}")
    if label.isascii():
        ascii_label = label.lower()
        pattern = _LDH_UNDERSCORE if underscores else _LDH
        if not pattern.fullmatch(ascii_label):
            raise _fail(argument, f"label {_show(label)} may only contain {allowed}")
        if ascii_label.startswith("xn--"):
            _check_punycode(ascii_label, argument)
    else:
        bad = (_ASCII_BAD_UNDERSCORE if underscores else _ASCII_BAD).search(
            "".join(ch for ch in label if ch.isascii())
        )
        if bad:
            raise _fail(
                argument,
                f"label {_show(label)} may only contain {allowed} "
                f"(or international letters), not {_char(bad.group())}",
            )
        try:
            ascii_label = idna.alabel(label).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError, IndexError) as error:
            raise _fail(
                argument,
                f"label {_show(label)} is not a valid internationalised (IDNA 2008) label: "
                f"{_clip(str(error))}",
            ) from None
    if len(ascii_label) > MAX_LABEL_LENGTH:
        form = "" if ascii_label == label.lower() else f" as punycode {_show(ascii_label)}"
        raise _fail(
            argument,
            f"label {_show(label)} is {len(ascii_label)} characters long{form}; "
            f"at most {MAX_LABEL_LENGTH} are allowed",
        )
    return ascii_label


def _check_punycode(label: str, argument: str) -> None:
    try:
        canonical = idna.alabel(idna.ulabel(label)).decode("ascii") == label
    except (idna.IDNAError, UnicodeError, ValueError, IndexError) as error:
        raise _fail(
            argument, f"label {_show(label)} is not valid punycode: {_clip(str(error))}"
        ) from None
    if not canonical:
        raise _fail(argument, f"label {_show(label)} is not valid punycode (not canonical)")


def _name(
    value: object,
    argument: str,
    *,
    what: str,
    underscores: bool,
    wildcard: bool,
    min_labels: int,
    reject_ip: bool,
) -> str:
    """A DNS name as lower-case ASCII without the trailing dot."""
    if not isinstance(value, str):
        raise _fail(argument, f"must be a {what} (str), got {_got(value)}")
    text = value if value.isascii() else _remap(value, argument, what)
    if text.endswith("."):
        text = text[:-1]
    if not text:
        raise _fail(
            argument, f"must be a {what}, not the root '.'" if value else "must not be empty"
        )
    if reject_ip:
        try:
            ipaddress.ip_address(text)
        except ValueError:
            pass
        else:
            raise _fail(argument, f"must be a {what}, not an IP address, got {_show(value)}")
    labels = text.split(".")
    if len(labels) < min_labels:
        raise _fail(
            argument,
            f"must have at least {min_labels} labels (like example.com), got {_show(value)}",
        )
    out: list[str] = []
    for index, label in enumerate(labels):
        if not label:
            raise _fail(
                argument,
                f"must not contain an empty label (a leading dot or two dots in a row), "
                f"got {_show(value)}",
            )
        if wildcard and label == "*":
            if index != 0:
                raise _fail(argument, "'*' may only be the first label, as in '*.example.com'")
            out.append(label)
            continue
        if wildcard and "*" in label:
            raise _fail(argument, f"label {_show(label)}: '*' may only be the whole first label")
        out.append(_label(label, argument, underscores=underscores))
    if reject_ip and out[-1].isdigit():
        raise _fail(argument, f"the last label {_show(out[-1])} must not be all digits")
    result = ".".join(out)
    if len(result) > MAX_NAME_LENGTH:
        form = "" if result == text.lower() else " as punycode"
        raise _fail(
            argument,
            f"must be at most {MAX_NAME_LENGTH} characters long, got {len(result)}{form}",
        )
    return result


def domain_name(value: object, argument: str = "domain") -> str:
    """A domain name by Tesouro's rule, at least two labels, as lower-case ASCII (punycode).

    One trailing dot is accepted and dropped; internationalised names are mapped (UTS 46) and
    converted to punycode: ``Bücher.example`` -> ``xn--bcher-kva.example``.
    """
    return _name(
        value,
        argument,
        what="domain name",
        underscores=False,
        wildcard=False,
        min_labels=2,
        reject_ip=True,
    )


def hostname(value: object, argument: str = "hostname", *, underscores: bool = False) -> str:
    """A host name (a CNAME, NS, MX or SRV target): lower-case ASCII, no trailing dot.

    One label or more; ``underscores=True`` also allows ``_`` in labels, for CNAME targets such
    as ``s1._domainkey.example.com``. An IP address is not a host name.
    """
    return _name(
        value,
        argument,
        what="host name",
        underscores=underscores,
        wildcard=False,
        min_labels=1,
        reject_ip=True,
    )


def record_name(value: object, zone: str, argument: str = "record.name") -> str:
    """A fully qualified record name inside ``zone``, as lower-case ASCII without trailing dot.

    Labels may contain ``_`` (``_dmarc``, ``mandrill._domainkey``, ``_sip._tcp``) and the first
    may be ``*``. ``zone`` is checked with :func:`domain_name` (as argument ``zone``).
    """
    zone_name = domain_name(zone, argument="zone")
    name = _name(
        value,
        argument,
        what="record name",
        underscores=True,
        wildcard=True,
        min_labels=1,
        reject_ip=False,
    )
    if name != zone_name and not name.endswith("." + zone_name):
        hint = (
            f" (record names are fully qualified, e.g. {_show(name + '.' + zone_name)})"
            if "." not in name
            else ""
        )
        raise _fail(argument, f"{_show(name)} is not inside zone {_show(zone_name)}{hint}")
    return name


def _plain(value: object, argument: str) -> str:
    if not isinstance(value, str):
        raise _fail(argument, f"must be a str, got {_got(value)}")
    text = value[:-1] if value.endswith(".") else value
    return text.lower()


def relative_name(fqdn: str, zone: str, argument: str = "record.name") -> str:
    """The name relative to ``zone`` as TelecomX wants it: ``''`` for the zone's root.

    Both names are expected normalised (:func:`record_name`, :func:`domain_name`); a trailing
    dot and upper case are tolerated.
    """
    name = _plain(fqdn, argument)
    zone_name = _plain(zone, "zone")
    if name == zone_name:
        return ""
    if zone_name and name.endswith("." + zone_name):
        return name[: -len(zone_name) - 1]
    raise _fail(argument, f"{_show(name)} is not inside zone {_show(zone_name)}")


def absolute_name(relative: str, zone: str, argument: str = "record.name") -> str:
    """The fully qualified name of a name relative to ``zone`` (the inverse of
    :func:`relative_name`): ``''`` and ``'@'`` are the zone itself, and a name ending with a
    dot is already absolute."""
    if not isinstance(relative, str):
        raise _fail(argument, f"must be a str, got {_got(relative)}")
    zone_name = _plain(zone, "zone")
    if relative in ("", "@"):
        return zone_name
    if relative.endswith("."):
        return relative[:-1].lower()
    return f"{relative.lower()}.{zone_name}"


# --------------------------------------------------------------------------- scalars


def _integer(value: object, argument: str, low: int, high: int | None) -> int:
    if high is None:
        expected = f"must be an integer of {low} or more"
    else:
        expected = f"must be an integer from {low} to {high}"
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(argument, f"{expected}, got {_got(value)}")
    if value < low or (high is not None and value > high):
        raise _fail(argument, f"{expected}, got {_got(value)}")
    return int(value)


def ttl(value: object, argument: str = "ttl") -> int:
    """A TTL in seconds: an integer from 1 to 2147483647 (TelecomX)."""
    return _integer(value, argument, 1, MAX_TTL)


def daily_send_limit(value: object, argument: str = "daily_send_limit") -> int:
    """CiiRUS's daily send limit: a non-negative integer."""
    return _integer(value, argument, 0, None)


def telecomx_id(value: object, argument: str = "id") -> str:
    """A TelecomX customer or product id: 24 hexadecimal characters, returned lower-case."""
    if not isinstance(value, str):
        raise _fail(argument, f"must be 24 hexadecimal characters (str), got {_got(value)}")
    if not _HEX24.fullmatch(value):
        if len(value) != 24:
            detail = f"got {len(value)}: {_show(value)}"
        else:
            bad = next(ch for ch in value if ch not in "0123456789abcdefABCDEF")
            detail = f"{_char(bad)} is not hexadecimal in {_show(value)}"
        raise _fail(argument, f"must be 24 hexadecimal characters, {detail}")
    return value.lower()


def api_version(value: object, known: Sequence[str], argument: str = "api_version") -> str:
    """One of the ``known`` API versions."""
    if isinstance(value, str) and value in known:
        return value
    choices = ", ".join(repr(v) for v in known) or "(none)"
    raise _fail(argument, f"must be one of {choices}, got {_got(value)}")


# --------------------------------------------------------------------------- record values


def _record_type(value: object, argument: str) -> RecordType:
    if isinstance(value, RecordType):
        return value
    if isinstance(value, str) and value.upper() in RecordType.__members__:
        return RecordType[value.upper()]
    choices = ", ".join(t.value for t in RecordType)
    raise _fail(argument, f"must be a record type ({choices}), got {_got(value)}")


def _ipv4(value: str, argument: str) -> str:
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError:
        pass
    octets = value.split(".")
    digits = len(octets) == 4 and all(o.isdigit() and o.isascii() for o in octets)
    if digits and any(len(o) > 1 and o.startswith("0") for o in octets):
        raise _fail(
            argument,
            f"must be an IPv4 address without leading zeros (ambiguous: octal or decimal?), "
            f"got {_show(value)}",
        )
    hint = ""
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        pass
    else:
        hint = " (that is an IPv6 address: use an AAAA record)"
    raise _fail(argument, f"must be an IPv4 address such as 192.0.2.1, got {_show(value)}{hint}")


def _ipv6(value: str, argument: str) -> str:
    if "%" not in value:
        try:
            return ipaddress.IPv6Address(value).compressed
        except ValueError:
            pass
    hint = ""
    if "%" in value:
        hint = " (a scope id such as %eth0 cannot be published)"
    else:
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            pass
        else:
            hint = " (that is an IPv4 address: use an A record)"
    raise _fail(argument, f"must be an IPv6 address such as 2001:db8::1, got {_show(value)}{hint}")


def _srv(value: str, argument: str) -> str:
    parts = value.split()
    if len(parts) != 4:
        raise _fail(
            argument,
            "an SRV value is 'priority weight port target', e.g. '10 60 5060 sip.example.com', "
            f"got {_show(value)}",
        )
    numbers: list[int] = []
    for part, what in zip(parts[:3], ("priority", "weight", "port"), strict=True):
        if not _UINT16.fullmatch(part) or int(part) > MAX_UINT16:
            raise _fail(
                argument,
                f"the SRV {what} must be an integer from 0 to {MAX_UINT16}, got {_show(part)}",
            )
        numbers.append(int(part))
    target = parts[3]
    if target != ".":
        try:
            target = hostname(target, argument)
        except InvalidInputError as error:
            message = error.problems[0].message
            raise _fail(argument, f"the SRV target {message}") from None
    return " ".join([*map(str, numbers), target])


def _txt(value: str, argument: str) -> str:
    if len(value) > MAX_TXT_LENGTH:
        raise _fail(
            argument, f"TXT text must be at most {MAX_TXT_LENGTH} characters, got {len(value)}"
        )
    for position, ch in enumerate(value, start=1):
        if not ch.isascii():
            raise _fail(
                argument,
                f"TXT text must be ASCII (non-ASCII TXT data is not portable across DNS "
                f"providers), found {_char(ch)} at position {position}",
            )
        if not ch.isprintable():
            raise _fail(
                argument,
                f"TXT text must not contain control characters, found {_char(ch)} "
                f"at position {position}",
            )
    if _QUOTED.fullmatch(value):
        raise _fail(
            argument,
            f"TXT text must be given without quotes (maildns quotes it), got {_show(value)}",
        )
    return value


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
    record_type = _record_type(type, _sibling(argument, "type"))
    priority_argument = _sibling(argument, "priority")
    checker = Checker()
    text = ""
    if not isinstance(value, str):
        checker.add(argument, f"must be a str, got {_got(value)}")
    elif not value:
        checker.add(argument, "must not be empty")
    else:
        try:
            if record_type is RecordType.A:
                text = _ipv4(value, argument)
            elif record_type is RecordType.AAAA:
                text = _ipv6(value, argument)
            elif record_type is RecordType.CNAME:
                text = hostname(value, argument, underscores=True)
            elif record_type in (RecordType.NS, RecordType.MX):
                text = hostname(value, argument)
            elif record_type is RecordType.SRV:
                text = _srv(value, argument)
            else:
                text = _txt(value, argument)
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
    return _integer(value, argument, 0, MAX_UINT16)


# --------------------------------------------------------------------------- TXT rdata


def txt_rdata(text: str, argument: str = "record.value") -> str:
    """TXT text as RFC 1035 character-strings: ``"piece1" "piece2"``.

    Pieces hold at most 255 characters (before escaping); ``"`` and ``\\`` are escaped with a
    backslash. The empty text is ``""``. The text is not otherwise checked (see
    :func:`record_value`).
    """
    if not isinstance(text, str):
        raise _fail(argument, f"must be a str, got {_got(text)}")
    pieces = [text[i : i + MAX_TXT_STRING] for i in range(0, len(text), MAX_TXT_STRING)] or [""]
    return " ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in pieces)


def _unescape(match: re.Match[str]) -> str:
    escaped = match.group(1)
    if len(escaped) == 3 and escaped.isdigit() and int(escaped) <= 255:
        return chr(int(escaped))
    return escaped[0] if len(escaped) == 1 else escaped


def parse_txt_rdata(rdata: str, argument: str = "rData") -> str:
    """The text of TXT rdata: the exact inverse of :func:`txt_rdata`.

    Quoted character-strings are joined without separator, with ``\\"``, ``\\\\`` and RFC 1035
    ``\\DDD`` escapes undone; anything that is not a sequence of quoted strings (an unquoted
    string, as some vendors send) is returned as it is.
    """
    if not isinstance(rdata, str):
        raise _fail(argument, f"must be a str, got {_got(rdata)}")
    stripped = rdata.strip()
    if not _QUOTED.fullmatch(stripped):
        return rdata
    return "".join(_ESCAPE.sub(_unescape, m.group(1)) for m in _PIECE.finditer(stripped))


# --------------------------------------------------------------------------- records


def _purpose(value: object, argument: str) -> RecordPurpose | None:
    if value is None or isinstance(value, RecordPurpose):
        return value
    if isinstance(value, str) and value.upper() in RecordPurpose.__members__:
        return RecordPurpose[value.upper()]
    choices = ", ".join(p.value for p in RecordPurpose)
    raise _fail(argument, f"must be None or a record purpose ({choices}), got {_got(value)}")


def dns_record(record: DnsRecord, zone: str, argument: str = "record") -> DnsRecord:
    """A record checked against ``zone`` and normalised (a copy); every problem is reported.

    The type must be a :class:`RecordType`, the name is checked by :func:`record_name` (an SRV
    record's name must start with ``_service._proto``), the value and priority by
    :func:`record_value`.
    """
    if not isinstance(record, DnsRecord):
        raise _fail(argument, f"must be a DnsRecord, got {_got(record)}")
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
                f"e.g. '_sip._tcp.example.com', got {_show(name)}",
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
