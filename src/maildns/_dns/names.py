"""DNS names: domain names (with IDN), host names, record names, and names relative to a zone.

The rules follow Tesouro's for domain names (labels of 1 to 63 letters, digits and hyphens that
start and end with a letter or digit, 253 characters in all) and TelecomX's for record names
(``_`` allowed, a leading ``*`` label). Names come back as lower-case ASCII (punycode for
internationalised labels) without the trailing dot.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

import idna

from .._core.checks import char, clip, fail, got, show

__all__ = [
    "MAX_LABEL_LENGTH",
    "MAX_NAME_LENGTH",
    "absolute_name",
    "domain_name",
    "hostname",
    "record_name",
    "relative_name",
]

MAX_NAME_LENGTH = 253
MAX_LABEL_LENGTH = 63

_LDH = re.compile(r"[a-z0-9-]+")
_LDH_UNDERSCORE = re.compile(r"[a-z0-9_-]+")
_ASCII_BAD = re.compile(r"[^A-Za-z0-9-]")
_ASCII_BAD_UNDERSCORE = re.compile(r"[^A-Za-z0-9_-]")


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
            raise fail(argument, f"character {char(ch)} is not allowed in a {what}") from None
    raise fail(argument, f"{show(text)} is not a valid internationalised {what}")


def _label(label: str, argument: str, *, underscores: bool) -> str:
    """One label, as lower-case ASCII (punycode for an internationalised label)."""
    if underscores:
        allowed = "letters, digits, hyphens and underscores"
        ends = "must not start or end with a hyphen"
    else:
        allowed = "letters, digits and hyphens"
        ends = "must start and end with a letter or digit"
    if label.startswith("-") or label.endswith("-"):
        raise fail(argument, f"label {show(label)} {ends}")
    if label.isascii():
        ascii_label = label.lower()
        pattern = _LDH_UNDERSCORE if underscores else _LDH
        if not pattern.fullmatch(ascii_label):
            raise fail(argument, f"label {show(label)} may only contain {allowed}")
        if ascii_label.startswith("xn--"):
            _check_punycode(ascii_label, argument)
    else:
        bad = (_ASCII_BAD_UNDERSCORE if underscores else _ASCII_BAD).search(
            "".join(ch for ch in label if ch.isascii())
        )
        if bad:
            raise fail(
                argument,
                f"label {show(label)} may only contain {allowed} "
                f"(or international letters), not {char(bad.group())}",
            )
        try:
            ascii_label = idna.alabel(label).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError, IndexError) as error:
            raise fail(
                argument,
                f"label {show(label)} is not a valid internationalised (IDNA 2008) label: "
                f"{clip(str(error))}",
            ) from None
    if len(ascii_label) > MAX_LABEL_LENGTH:
        form = "" if ascii_label == label.lower() else f" as punycode {show(ascii_label)}"
        raise fail(
            argument,
            f"label {show(label)} is {len(ascii_label)} characters long{form}; "
            f"at most {MAX_LABEL_LENGTH} are allowed",
        )
    return ascii_label


def _check_punycode(label: str, argument: str) -> None:
    try:
        canonical = idna.alabel(idna.ulabel(label)).decode("ascii") == label
    except (idna.IDNAError, UnicodeError, ValueError, IndexError) as error:
        raise fail(
            argument, f"label {show(label)} is not valid punycode: {clip(str(error))}"
        ) from None
    if not canonical:
        raise fail(argument, f"label {show(label)} is not valid punycode (not canonical)")


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
        raise fail(argument, f"must be a {what} (str), got {got(value)}")
    text = value if value.isascii() else _remap(value, argument, what)
    if text.endswith("."):
        text = text[:-1]
    if not text:
        raise fail(
            argument, f"must be a {what}, not the root '.'" if value else "must not be empty"
        )
    if reject_ip:
        try:
            ipaddress.ip_address(text)
        except ValueError:
            pass
        else:
            raise fail(argument, f"must be a {what}, not an IP address, got {show(value)}")
    labels = text.split(".")
    if len(labels) < min_labels:
        raise fail(
            argument,
            f"must have at least {min_labels} labels (like example.com), got {show(value)}",
        )
    out: list[str] = []
    for index, label in enumerate(labels):
        if not label:
            raise fail(
                argument,
                f"must not contain an empty label (a leading dot or two dots in a row), "
                f"got {show(value)}",
            )
        if wildcard and label == "*":
            if index != 0:
                raise fail(argument, "'*' may only be the first label, as in '*.example.com'")
            out.append(label)
            continue
        if wildcard and "*" in label:
            raise fail(argument, f"label {show(label)}: '*' may only be the whole first label")
        out.append(_label(label, argument, underscores=underscores))
    if reject_ip and out[-1].isdigit():
        raise fail(argument, f"the last label {show(out[-1])} must not be all digits")
    result = ".".join(out)
    if len(result) > MAX_NAME_LENGTH:
        form = "" if result == text.lower() else " as punycode"
        raise fail(
            argument,
            f"must be at most {MAX_NAME_LENGTH} characters long, got {len(result)}{form}",
        )
    return result


def domain_name(value: object, argument: str = "domain") -> str:
    """A domain name by Tesouro's rule, at least two labels, as lower-case ASCII (punycode).

    One trailing dot is accepted and dropped; internationalised names are mapped (UTS 46) and
    converted to punycode: ``Bücher.example`` -> ``xn--bcher-kva.example``.
    """
    if type(value) is str:
        return _cached_domain_name(value, argument)
    return _domain_name(value, argument)


def _domain_name(value: object, argument: str) -> str:
    return _name(
        value,
        argument,
        what="domain name",
        underscores=False,
        wildcard=False,
        min_labels=2,
        reject_ip=True,
    )


# Every call checks its domain first; the same few names come back again and again.
_cached_domain_name = lru_cache(maxsize=4096)(_domain_name)


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
            f" (record names are fully qualified, e.g. {show(name + '.' + zone_name)})"
            if "." not in name
            else ""
        )
        raise fail(argument, f"{show(name)} is not inside zone {show(zone_name)}{hint}")
    return name


def _plain(value: object, argument: str) -> str:
    if not isinstance(value, str):
        raise fail(argument, f"must be a str, got {got(value)}")
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
    raise fail(argument, f"{show(name)} is not inside zone {show(zone_name)}")


def absolute_name(relative: str, zone: str, argument: str = "record.name") -> str:
    """The fully qualified name of a name relative to ``zone`` (the inverse of
    :func:`relative_name`): ``''`` and ``'@'`` are the zone itself, and a name ending with a
    dot is already absolute. The result is lower case, without the final dot."""
    if not isinstance(relative, str):
        raise fail(argument, f"must be a str, got {got(relative)}")
    zone_name = zone if zone.islower() and not zone.endswith(".") else _plain(zone, "zone")
    if relative in ("", "@"):
        return zone_name
    if relative.endswith("."):
        return relative[:-1].lower()
    return f"{relative if relative.islower() else relative.lower()}.{zone_name}"
