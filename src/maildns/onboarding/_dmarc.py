"""DMARC as receivers read it (RFC 7489, and ``np=`` from RFC 9091). Pure, no I/O.

Gmail and Yahoo (since February 2024) and Outlook (since May 2025) reject or junk bulk mail
from a domain without a DMARC policy of at least ``p=none``. This module:

- parses and checks a record (:meth:`Dmarc.parse`, :func:`problems`): every problem with its
  reason; the lenient reading (``strict=False``) is what a receiver keeps, discarding the
  tags it cannot read (§6.3);
- builds the record maildns publishes from the configured :class:`DmarcPolicy`
  (:func:`build`), and merges that policy into a record already there (:func:`merge`):
  report URIs are added, a policy is never lowered, and raised only when configured;
- finds the record in force for a domain from DNS answers the caller fetched
  (:func:`policy_names`, :func:`discover`: ``_dmarc.<domain>``, else the organisational
  domain's, §6.6.3), and plans what to write at ``_dmarc.<domain>`` so that receivers apply
  the configured policy without ever applying less than they do now (:func:`plan_record`);
- says which report URIs need the destination's authorisation and judges it
  (:func:`authorisation_names`, :func:`check_authorisations`, §7.1);
- compares domains as DMARC's identifier alignment does (:func:`aligned`), with the
  organisational domain taken from the Public Suffix List that ``publicsuffixlist`` ships
  (:func:`organisational_domain`: no download, the list is the package's; A-labels are
  looked up as the U-labels the list is written in).

Syntax follows the ABNF of RFC 7489 §6.4 and the tag-list rules it borrows from DKIM (RFC 6376
§3.2): the record starts with ``v=DMARC1`` (``DMARC1`` case-sensitive, no space before ``v``),
tags are ``name=value`` separated by ``;``, a tag given twice makes the record invalid,
unknown tags are ignored. Tag names and the values of ``p``, ``sp``, ``np``, ``adkim``,
``aspf``, ``fo`` and ``rf`` are case-insensitive (ABNF literals); report URIs are kept as
written.
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Final, Literal, TypeAlias, cast

import attrs
from publicsuffixlist import PublicSuffixList

from .._core.checks import Checker, choice, fail, got, integer
from .._dns.names import domain_name
from ..errors import InvalidInputError

__all__ = [
    "DEFAULT_POLICY",
    "POLICIES",
    "Alignment",
    "Answers",
    "Authorisation",
    "Discovery",
    "Dmarc",
    "DmarcError",
    "DmarcPlan",
    "DmarcPolicy",
    "Merged",
    "Policy",
    "ReportUri",
    "aligned",
    "authorisation_names",
    "build",
    "check_authorisations",
    "discover",
    "is_dmarc",
    "merge",
    "organisational_domain",
    "plan_record",
    "policy_names",
    "problems",
]

Policy: TypeAlias = Literal["none", "quarantine", "reject"]
Alignment: TypeAlias = Literal["r", "s"]

POLICIES: Final[tuple[Policy, ...]] = ("none", "quarantine", "reject")
"""The policies, weakest first: a policy is *lowered* when it moves left."""
_ALIGNMENTS: Final[tuple[Alignment, ...]] = ("r", "s")
_FO: Final = frozenset({"0", "1", "d", "s"})
_RF: Final = frozenset({"afrf"})
"""The report formats IANA registers for ``rf=`` (RFC 7489 §11.3)."""
_MAX_RI: Final = 2**32 - 1

_ORDER: Final = ("p", "sp", "np", "rua", "ruf", "adkim", "aspf", "ri", "fo", "rf", "pct")
"""Canonical tag order after ``v``: RFC 7489's ABNF order (§6.4), ``np`` beside ``sp``."""

_VERSION = re.compile(r"[vV][ \t]*=[ \t]*DMARC1[ \t]*(?:;|\Z)")
_WSP = " \t"
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_TAG_VALUE = re.compile(r"[\x21-\x3a\x3c-\x7e]+(?:[ \t]+[\x21-\x3a\x3c-\x7e]+)*")
_LIST_ITEM = re.compile(r"[ \t]*:[ \t]*")
_SIZE = re.compile(r"[0-9]+[kmgtKMGT]?")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_URI_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@$&'()*+=%]+")
"""RFC 3986's characters less ``,`` and ``!``, which a DMARC URI must percent-encode (§6.2)."""
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=^_`{|}~\-]+(?:\.[A-Za-z0-9!#$%&'*+/=^_`{|}~\-]+)*")
_NO_P: Final = "p= is required in a policy record (RFC 7489 §6.3)"


class DmarcError(ValueError):
    """A text that is not a valid DMARC record; ``problems`` says every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        if not problems:
            raise ValueError("DmarcError needs at least one problem")
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("; ".join(self.problems))


# --------------------------------------------------------------------------- names


@functools.cache
def _psl() -> PublicSuffixList:
    # Parsed once per process, on first use. The list writes its IDN rules in U-labels; by
    # default the library also adds each rule's punycode form, which is two thirds of the
    # parse (every one of ~10k rules through the IDNA codec). Without it, A-labels are
    # looked up as U-labels instead (_list_label), a few labels per name rather than 10k.
    return PublicSuffixList(accept_encoded_idn=False)


@functools.lru_cache(maxsize=1024)  # a long run (watch) asks about the same few domains
def _list_label(label: str) -> str:
    """``label`` as the list would match it: an A-label as its U-label, else as it is.

    The U-label is taken only when the IDNA codec encodes it back to ``label`` exactly, the
    codec the library encodes rules with when it adds their punycode forms. So an A-label
    matches a rule here exactly when it is that rule's punycode form, as it did there; one
    that is not the canonical encoding of a lower-case U-label stays as it is (and, being
    ASCII with ``xn--``, matches no rule, as before).
    """
    if not label.startswith("xn--"):
        return label
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
        encoded = decoded.encode("idna").decode("ascii")
    except ValueError:  # UnicodeError: not punycode, or a U-label IDNA refuses
        return label
    return decoded if encoded == label else label


def _name(name: str) -> str:
    return name.strip().rstrip(".").lower()


def organisational_domain(name: str) -> str:
    """The organisational domain of ``name`` (RFC 7489 §3.2): its public suffix and one label.

    The Public Suffix List is the one ``publicsuffixlist`` ships, private section included
    (``a.github.io`` and ``b.github.io`` are not one organisation), unknown top-level domains
    taken as public suffixes. A name that is itself a public suffix (or has one label) is its
    own organisational domain. ``mail.example.co.uk`` -> ``example.co.uk``.

    Internationalised labels may be A-labels or U-labels: the answer is the same domain,
    in the labels ``name`` gave (``www.食狮.公司.cn`` -> ``食狮.公司.cn``,
    ``www.xn--85x722f.xn--55qx5d.cn`` -> ``xn--85x722f.xn--55qx5d.cn``).
    """
    plain = _name(name)
    if "xn--" not in plain:
        return _psl().privatesuffix(plain) or plain
    labels = plain.split(".")
    found = _psl().privatesuffix(".".join(_list_label(label) for label in labels))
    if found is None:
        return plain
    # _list_label maps label to label, so the suffix found is as many of the name's labels.
    return ".".join(labels[-(found.count(".") + 1) :])


def aligned(a: str, b: str, mode: Alignment = "r") -> bool:
    """Whether two domains are aligned as DMARC requires of an identifier (RFC 7489 §3.1).

    Strict (``"s"``): the same name. Relaxed (``"r"``, the default of ``adkim`` and
    ``aspf``): the same organisational domain, so ``mail.example.com`` and
    ``bounce.example.com`` are aligned. Case and a final dot do not matter.
    """
    if mode not in _ALIGNMENTS:
        raise ValueError(f"alignment mode must be 'r' or 's', got {mode!r}")
    if mode == "s":
        return _name(a) == _name(b)
    return organisational_domain(a) == organisational_domain(b)


def policy_names(domain: str) -> tuple[str, ...]:
    """The names whose TXT records :func:`discover` needs: ``_dmarc.<domain>``, then
    ``_dmarc.<organisational domain>`` when that is another name (RFC 7489 §6.6.3)."""
    own = _name(domain)
    org = organisational_domain(own)
    return (f"_dmarc.{own}",) if org == own else (f"_dmarc.{own}", f"_dmarc.{org}")


# --------------------------------------------------------------------------- report URIs


def _host(address: str) -> str | None:
    try:
        return domain_name(address, "host")
    except InvalidInputError:
        return None


@attrs.frozen
class ReportUri:
    """One URI of ``rua=`` or ``ruf=``: the URI as written and its optional ``!size``.

    Two URIs are the same report address (:attr:`key`) when their scheme and address match,
    compared case-insensitively, whatever their size limits.
    """

    uri: str
    size: str | None = None

    @property
    def scheme(self) -> str:
        return self.uri.partition(":")[0].lower()

    @property
    def address(self) -> str | None:
        """A ``mailto:`` URI's address (``local@domain``), without any ``?`` fields."""
        if self.scheme != "mailto":
            return None
        return urllib.parse.unquote(self.uri.partition(":")[2].partition("?")[0])

    @property
    def host(self) -> str | None:
        """The host reports go to, lower-case ASCII: a mailto address's domain, else the
        URI's authority host (RFC 7489 §7.1 calls it the destination host)."""
        if self.address is not None:
            return _host(self.address.rpartition("@")[2])
        found = urllib.parse.urlsplit(self.uri).hostname
        return None if found is None else _host(found)

    @property
    def key(self) -> tuple[str, str]:
        rest = self.uri.partition(":")[2]
        return (self.scheme, (self.address or rest).casefold())

    def __str__(self) -> str:
        return self.uri if self.size is None else f"{self.uri}!{self.size}"

    @classmethod
    def parse(cls, text: str) -> ReportUri:
        """``mailto:dmarc@example.com!10m``: a URI and an optional size (RFC 7489 §6.4
        ``dmarc-uri``); :class:`DmarcError` says why not."""
        stripped = text.strip(_WSP)
        uri, bang, size = stripped.partition("!")
        if bang and not _SIZE.fullmatch(size):
            raise DmarcError(
                [f"{stripped!r}: the size after '!' must be digits and an optional k, m, g or t"]
            )
        scheme, colon, rest = uri.partition(":")
        if not colon or not _SCHEME.fullmatch(scheme) or not rest:
            raise DmarcError([f"{stripped!r} is not a URI (e.g. mailto:dmarc@example.com)"])
        if not _URI_CHARS.fullmatch(rest):
            raise DmarcError(
                [f"{stripped!r}: a URI holds no spaces, and ',' or '!' only percent-encoded"]
            )
        found = cls(uri, size.lower() if bang else None)
        if found.scheme == "mailto":
            address = found.address or ""
            local, at, host = address.rpartition("@")
            if not at or not _LOCAL_PART.fullmatch(local):
                raise DmarcError([f"{stripped!r}: mailto: needs an address (local@domain)"])
            if _host(host) is None:
                raise DmarcError([f"{stripped!r}: {host!r} is not a domain name"])
        elif found.host is None:
            raise DmarcError([f"{stripped!r}: no host to send reports to"])
        return found


def _uris(value: str, tag: str) -> tuple[tuple[ReportUri, ...], list[str]]:
    found: list[ReportUri] = []
    problems: list[str] = []
    for item in value.split(","):
        try:
            found.append(ReportUri.parse(item))
        except DmarcError as error:
            problems.extend(f"{tag}=: {p}" for p in error.problems)
    return tuple(found), problems


# --------------------------------------------------------------------------- records


def is_dmarc(text: str) -> bool:
    """Whether a TXT text is a DMARC record: it starts with ``v=DMARC1`` then ``;`` or its
    end (RFC 7489 §6.6.3 discards every other text at ``_dmarc.<domain>``)."""
    return _VERSION.match(text) is not None


@attrs.frozen
class Dmarc:
    """A DMARC record as read: each known tag's value, ``None`` when absent (or, read
    leniently, discarded as invalid); ``tags`` is every tag after ``v`` as written.

    The properties give what receivers use when a tag is absent: :attr:`subdomain_policy`
    (``sp``, else ``p``), :attr:`nonexistent_policy` (``np``, else ``sp``, else ``p``;
    RFC 9091), :attr:`percent` (100), :attr:`dkim_alignment` and :attr:`spf_alignment`
    (relaxed). ``str()`` is the record in canonical tag order.

    ``sp`` and ``np`` take effect only in an organisational domain's record: receivers never
    look up the record of a name between a domain and its organisational domain (§6.6.3).
    """

    p: Policy | None = None
    sp: Policy | None = None
    np: Policy | None = None
    rua: tuple[ReportUri, ...] = ()
    ruf: tuple[ReportUri, ...] = ()
    adkim: Alignment | None = None
    aspf: Alignment | None = None
    ri: int | None = None
    fo: tuple[str, ...] | None = None
    rf: tuple[str, ...] | None = None
    pct: int | None = None
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def subdomain_policy(self) -> Policy | None:
        return self.sp or self.p

    @property
    def nonexistent_policy(self) -> Policy | None:
        return self.np or self.sp or self.p

    @property
    def percent(self) -> int:
        return 100 if self.pct is None else self.pct

    @property
    def dkim_alignment(self) -> Alignment:
        return self.adkim or "r"

    @property
    def spf_alignment(self) -> Alignment:
        return self.aspf or "r"

    @classmethod
    def parse(cls, text: str, *, strict: bool = True) -> Dmarc:
        """The record in ``text``.

        Strict (the default): :class:`DmarcError` lists every problem (syntax, a tag given
        twice, a value a tag does not take, a report URI that is not one, no ``p=``).
        Lenient (``strict=False``): what a receiver keeps (§6.3: invalid tags are discarded
        in favour of their defaults, a tag given twice is discarded); only a text that is
        not a DMARC record at all raises.
        """
        record, found = _read(text)
        if strict and found:
            raise DmarcError(found)
        return record

    def __str__(self) -> str:
        values: dict[str, str] = {}
        for tag in _ORDER:
            value = getattr(self, tag)
            if value is None or value == ():
                continue
            if tag in {"rua", "ruf"}:
                values[tag] = ",".join(str(u) for u in value)
            elif tag in {"fo", "rf"}:
                values[tag] = ":".join(value)
            else:
                values[tag] = str(value)
        known = set(_ORDER)
        others = [f"{n}={v}" for n, v in self.tags if n.lower() not in known]
        return "; ".join(["v=DMARC1", *(f"{t}={v}" for t, v in values.items()), *others])


def problems(text: str) -> tuple[str, ...]:
    """Why ``text`` is not a valid DMARC policy record; empty when it is one."""
    try:
        return tuple(_read(text)[1])
    except DmarcError as error:
        return error.problems


def _split(text: str) -> tuple[list[tuple[str, str]], list[str], set[str]]:
    """The tags after ``v=DMARC1`` as (name, value), the syntax problems, and the names of
    every tag written (lower-case), valid or not."""
    if not is_dmarc(text):
        raise DmarcError(["not a DMARC record: it must start with v=DMARC1 (RFC 7489 §6.4)"])
    parts = text.split(";")[1:]
    if parts and not parts[-1].strip(_WSP):
        parts.pop()  # a final ';' is allowed
    tags: list[tuple[str, str]] = []
    found: list[str] = []
    names: set[str] = set()
    for part in parts:
        spec = part.strip(_WSP)
        if not spec:
            found.append("an empty tag (two ';' in a row)")
            continue
        name, equals, value = spec.partition("=")
        name, value = name.rstrip(_WSP), value.lstrip(_WSP)
        names.add(name.lower())
        if not equals:
            found.append(f"{spec!r} is not a tag (name=value)")
        elif not _TAG_NAME.fullmatch(name):
            found.append(f"{name!r} is not a tag name (a letter, then letters, digits or '_')")
        elif value and not _TAG_VALUE.fullmatch(value):
            found.append(f"{name}=: its value holds a character outside visible ASCII")
        else:
            tags.append((name, value))
    return tags, found, names


def _policy(value: str, tag: str) -> Policy:
    lowered = value.lower()
    for policy in POLICIES:
        if lowered == policy:
            return policy
    raise DmarcError([f"{tag}={value}: must be none, quarantine or reject"])


def _alignment(value: str, tag: str) -> Alignment:
    lowered = value.lower()
    for mode in _ALIGNMENTS:
        if lowered == mode:
            return mode
    raise DmarcError([f"{tag}={value}: must be r (relaxed) or s (strict)"])


def _number(value: str, tag: str, high: int, pattern: str = "[0-9]+") -> int:
    if not re.fullmatch(pattern, value) or int(value) > high:
        raise DmarcError([f"{tag}={value}: must be an integer from 0 to {high}"])
    return int(value)


def _words(value: str, tag: str, known: frozenset[str], what: str) -> tuple[str, ...]:
    words = tuple(w.lower() for w in _LIST_ITEM.split(value))
    bad = [w for w in words if w not in known]
    if bad:
        raise DmarcError([f"{tag}={value}: {bad[0]!r} is not {what}"])
    return words


def _read(text: str) -> tuple[Dmarc, list[str]]:
    """The lenient reading and every problem a strict one refuses."""
    tags, found, names = _split(text)
    counts: dict[str, int] = {}
    for name, _ in tags:
        counts[name.lower()] = counts.get(name.lower(), 0) + 1
    for name, count in counts.items():
        if count > 1:
            found.append(f"tag {name}= appears {count} times (RFC 6376 §3.2)")
    record = Dmarc(tags=tuple(tags))
    for name, value in tags:
        tag = name.lower()
        if counts[tag] > 1 or tag not in _ORDER:
            continue  # unknown tags are ignored; a repeated one is discarded
        try:
            record = _with(record, tag, value, found)
        except DmarcError as error:
            found.extend(error.problems)
    if "p" not in names:
        found.append(_NO_P)
    return record, found


def _with(record: Dmarc, tag: str, value: str, found: list[str]) -> Dmarc:
    """``record`` with the known ``tag`` read from ``value``; DmarcError when it is invalid
    (a list of URIs keeps its valid ones, adding the others' problems to ``found``)."""
    if tag == "p":
        return attrs.evolve(record, p=_policy(value, tag))
    if tag == "sp":
        return attrs.evolve(record, sp=_policy(value, tag))
    if tag == "np":
        return attrs.evolve(record, np=_policy(value, tag))
    if tag == "adkim":
        return attrs.evolve(record, adkim=_alignment(value, tag))
    if tag == "aspf":
        return attrs.evolve(record, aspf=_alignment(value, tag))
    if tag == "pct":
        return attrs.evolve(record, pct=_number(value, tag, 100, "[0-9]{1,3}"))
    if tag == "ri":
        return attrs.evolve(record, ri=_number(value, tag, _MAX_RI))
    if tag == "fo":
        return attrs.evolve(record, fo=_words(value, tag, _FO, "a failure option (0, 1, d or s)"))
    if tag == "rf":
        return attrs.evolve(record, rf=_words(value, tag, _RF, "a registered format (afrf)"))
    uris, bad = _uris(value, tag)
    found.extend(bad)
    return attrs.evolve(record, rua=uris) if tag == "rua" else attrs.evolve(record, ruf=uris)


# --------------------------------------------------------------------------- the configured policy


def _uri_list(value: str | Sequence[str]) -> tuple[str, ...]:
    """One URI or a list of them, as a tuple; anything else is left for the check to name."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(value)
    return cast(tuple[str, ...], value)  # not a list: __attrs_post_init__ reports it


def _mailto(value: object, argument: str) -> ReportUri:
    if not isinstance(value, str) or not value.strip(_WSP).lower().startswith("mailto:"):
        raise fail(argument, f"must be a mailto: URI (mailto:dmarc@example.com), got {got(value)}")
    try:
        return ReportUri.parse(value)
    except DmarcError as error:
        raise fail(argument, f"is not a valid mailto: URI: {error.problems[0]}") from None


@attrs.frozen
class DmarcPolicy:
    """What maildns makes sure a domain's DMARC record says (the ``dmarc:`` configuration).

    ``policy`` is ``p=``; ``None`` means not configured: maildns then writes ``p=none``
    where there is no record, and leaves an existing record's policy alone. ``rua`` and
    ``ruf`` are ``mailto:`` URIs the record must hold (one, or a list); ``pct``, ``adkim``
    and ``aspf`` are written or raised to when given. Checked when built: every problem is
    reported together as an ``InvalidInputError``.
    """

    policy: Policy | None = None
    rua: tuple[str, ...] = attrs.field(default=(), converter=_uri_list)
    ruf: tuple[str, ...] = attrs.field(default=(), converter=_uri_list)
    pct: int | None = None
    adkim: Alignment | None = None
    aspf: Alignment | None = None

    def __attrs_post_init__(self) -> None:
        c = Checker()
        if self.policy is not None:
            c.check(choice, self.policy, "policy", known=POLICIES)
        for tag in ("rua", "ruf"):
            uris = getattr(self, tag)
            if not isinstance(uris, tuple):
                c.add(tag, f"must be a mailto: URI or a list of them, got {got(uris)}")
                continue
            seen: dict[tuple[str, str], int] = {}
            for index, value in enumerate(uris):
                uri = c.check(_mailto, value, f"{tag}[{index}]")
                if isinstance(uri, ReportUri):
                    if uri.key in seen:
                        c.add(f"{tag}[{index}]", f"the same address as {tag}[{seen[uri.key]}]")
                    seen.setdefault(uri.key, index)
        if self.pct is not None:
            c.check(integer, self.pct, "pct", low=0, high=100)
        for tag in ("adkim", "aspf"):
            if getattr(self, tag) is not None:
                c.check(choice, getattr(self, tag), tag, known=_ALIGNMENTS)
        c.raise_if_any()

    @property
    def p(self) -> Policy:
        """The policy maildns writes in a new record."""
        return self.policy or "none"


DEFAULT_POLICY: Final = DmarcPolicy()
"""A domain's policy when the configuration says nothing: ``p=none``, which the large
mailbox providers require of a bulk sender, and nothing else."""


def build(policy: DmarcPolicy) -> str:
    """The record maildns publishes where there is none, in canonical tag order:
    ``v=DMARC1; p=none; rua=mailto:dmarc@example.com``."""
    return str(
        Dmarc(
            p=policy.p,
            rua=tuple(ReportUri.parse(u) for u in policy.rua),
            ruf=tuple(ReportUri.parse(u) for u in policy.ruf),
            adkim=policy.adkim,
            aspf=policy.aspf,
            pct=policy.pct,
        )
    )


# --------------------------------------------------------------------------- merge


@attrs.frozen
class Merged:
    """What :func:`merge` gives: the record to publish (``None``: leave it as it is) and
    notes for people on what was kept or changed, and why."""

    text: str | None
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.text is not None


def _rank(policy: Policy) -> int:
    return POLICIES.index(policy)


def merge(existing: str | None, policy: DmarcPolicy) -> Merged:
    """The configured ``policy`` merged into the ``existing`` record (or :func:`build`).

    The existing record is kept, its tags in their order and spelling; only these change:

    - ``p``: never lowered (none < quarantine < reject). A configured policy above the
      existing one raises it (a note says so); one below leaves it (a note says so); an
      unconfigured policy (``None``) leaves any. A record without ``p=`` (invalid, though
      receivers read it as ``p=none`` when it has a ``rua``) gets the configured one or
      ``none``, right after ``v``. ``sp`` and ``np`` are never touched.
    - ``rua``/``ruf``: each configured URI missing from the tag is added after the existing
      ones (compared by :attr:`ReportUri.key`, so a size limit or letter case does not make
      another address).
    - ``pct``, ``adkim``, ``aspf``: set only when configured and stricter than what the
      record says (a higher ``pct``, ``s`` over ``r``); a looser configured value is noted.

    A changed record is written as its tags joined by ``"; "``. :class:`DmarcError` when the
    existing record is invalid for any other reason than a missing ``p``: maildns does not
    guess what a broken record meant. Several records at one name are the caller's to refuse.
    """
    if existing is None:
        return Merged(build(policy))
    record, found = _read(existing)
    fatal = [p for p in found if p != _NO_P]
    if fatal:
        raise DmarcError([f"the DMARC record there is not valid: {p}" for p in fatal])
    tags = list(record.tags)
    notes: list[str] = []
    changed = False

    def put(tag: str, value: str, *, first: bool = False) -> None:
        nonlocal changed
        changed = True
        for index, (name, _) in enumerate(tags):
            if name.lower() == tag:
                tags[index] = (tag, value)
                return
        if first:
            tags.insert(0, (tag, value))
        else:
            tags.append((tag, value))

    wanted = policy.policy
    if record.p is None:
        put("p", policy.p, first=True)
        notes.append(f"added p={policy.p}: the record had none, and a policy record needs one")
    elif wanted is not None and _rank(wanted) > _rank(record.p):
        put("p", wanted)
        notes.append(f"raised p={record.p} to p={wanted}, as configured")
        if record.sp is not None and _rank(record.sp) < _rank(wanted):
            notes.append(f"kept sp={record.sp}: subdomains keep their own policy")
    elif wanted is not None and _rank(wanted) < _rank(record.p):
        notes.append(
            f"kept p={record.p}: the configuration asks for p={wanted}, "
            "and maildns never lowers a DMARC policy"
        )

    for tag in ("rua", "ruf"):
        have: tuple[ReportUri, ...] = getattr(record, tag)
        keys = {u.key for u in have}
        added = []
        for text in getattr(policy, tag):
            uri = ReportUri.parse(text)
            if uri.key not in keys:
                keys.add(uri.key)
                added.append(str(uri))
        if added:
            old = next((v for n, v in tags if n.lower() == tag), "")
            put(tag, ",".join([*([old] if old else []), *added]))
            notes.append(f"added {', '.join(added)} to {tag}=")

    if policy.pct is not None:
        if policy.pct > record.percent:
            put("pct", str(policy.pct))
            notes.append(f"raised pct={record.percent} to pct={policy.pct}, as configured")
        elif policy.pct < record.percent:
            notes.append(
                f"kept pct={record.percent}: the configuration asks for pct={policy.pct}, "
                "and maildns never applies a policy to less mail"
            )
    for tag, current in (("adkim", record.dkim_alignment), ("aspf", record.spf_alignment)):
        mode = getattr(policy, tag)
        if mode == "s" and current == "r":
            put(tag, "s")
            notes.append(f"made {tag}= strict, as configured")
        elif mode == "r" and current == "s":
            notes.append(f"kept {tag}=s: the configuration asks for relaxed, a looser rule")
    if not changed:
        return Merged(None, tuple(notes))
    return Merged("; ".join(["v=DMARC1", *(f"{n}={v}" for n, v in tags)]), tuple(notes))


# --------------------------------------------------------------------------- discovery

Answers = Mapping[str, Sequence[str] | None]
"""DNS answers by name: the TXT texts there (each record's strings joined), ``[]`` when the
name has none (NXDOMAIN or no TXT), ``None`` or a missing name when no server answered."""


def _answers(answers: Answers) -> dict[str, Sequence[str] | None]:
    return {_name(name): texts for name, texts in answers.items()}


@attrs.frozen
class Discovery:
    """The DMARC record receivers find for mail from ``domain`` (RFC 7489 §6.6.3).

    ``policy`` is what they apply to it, ``None`` when they apply no DMARC at all: ``p`` of
    the domain's own record, or ``sp`` (else ``p``) of its organisational domain's. ``name``
    and ``text`` are the record in force, ``record`` its lenient reading. ``problems`` says
    why there is no policy, or what receivers discard of the record. ``unknown`` is true when
    a name it needed got no answer: then nothing is known past it.
    """

    domain: str
    name: str | None = None
    text: str | None = None
    record: Dmarc | None = None
    policy: Policy | None = None
    problems: tuple[str, ...] = ()
    unknown: bool = False


def discover(domain: str, answers: Answers) -> Discovery:
    """The record in force for ``domain`` given the TXT ``answers`` at :func:`policy_names`.

    Receivers take the one ``v=DMARC1`` text at ``_dmarc.<domain>``; with none there, the
    one at ``_dmarc.<organisational domain>``. Several at the name they stop at mean no
    policy. A record without a valid ``p`` (or with an invalid ``sp``) counts as ``p=none``
    when its ``rua`` holds a valid URI, and as no policy otherwise. ``np`` (RFC 9091, for
    names that do not exist) is not applied: maildns onboards domains that exist.
    """
    own = _name(domain)
    known = _answers(answers)
    names = policy_names(own)
    for name in names:
        texts = known.get(name)
        if texts is None:
            return Discovery(own, problems=(f"no answer for {name}",), unknown=True)
        records = [t for t in texts if is_dmarc(t)]
        if len(records) > 1:
            problem = (
                f"{name} holds {len(records)} DMARC records: receivers apply no policy "
                "(RFC 7489 §6.6.3)"
            )
            return Discovery(own, name, problems=(problem,))
        if records:
            return _in_force(own, name, records[0], organisational=name != names[0])
    return Discovery(own, problems=(f"no DMARC record at {' or '.join(names)}",))


def _in_force(domain: str, name: str, text: str, *, organisational: bool) -> Discovery:
    record, found = _read(text)
    discarded = [f"{name}: receivers discard {p}" for p in found if not p.startswith(_NO_P)]
    sp_given = any(n.lower() == "sp" for n, _ in record.tags)
    if record.p is None or (sp_given and record.sp is None):
        why = "no valid p=" if record.p is None else "an invalid sp="
        if record.rua:
            return Discovery(
                domain,
                name,
                text,
                record,
                "none",
                (
                    *discarded,
                    f"{name} has {why}: receivers act as if p=none, since rua= holds "
                    "a valid URI (RFC 7489 §6.6.3)",
                ),
            )
        problem = f"{name} has {why} and no valid rua=: receivers apply no policy"
        return Discovery(domain, name, text, record, None, (*discarded, problem))
    policy = record.subdomain_policy if organisational else record.p
    return Discovery(domain, name, text, record, policy, tuple(discarded))


# --------------------------------------------------------------------------- the plan


@attrs.frozen
class DmarcPlan:
    """What to do at ``name`` (``_dmarc.<domain>``) so that receivers apply the policy.

    ``text`` is the record to write there (``None``: nothing to do), replacing ``old`` (the
    DMARC record there now, ``None``: a new record). ``problems`` are refusals (nothing is
    written then); ``unknown`` is true when a name needed got no answer.
    """

    name: str
    text: str | None = None
    old: str | None = None
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    unknown: bool = False


def _seed(record: Dmarc, policy: Policy) -> str:
    """A record for a subdomain that says what the organisational domain's says for it."""
    return str(attrs.evolve(record, p=policy, sp=None, np=None, tags=()))


def plan_record(domain: str, policy: DmarcPolicy, answers: Answers) -> DmarcPlan:
    """The DMARC change for ``domain``, given the TXT ``answers`` at :func:`policy_names`.

    - a record of its own: :func:`merge` (an invalid one, or several, are refused);
    - none of its own, but its organisational domain's applies to it: nothing, when that
      record already says all the policy asks; otherwise a record of its own that starts
      from what the organisational one applies to it (``sp``, else ``p``, and its report
      URIs), merged with the policy, so that writing it never lowers the domain's protection
      nor loses the organisation's reports;
    - no record that applies: :func:`build`.
    """
    own = _name(domain)
    names = policy_names(own)
    name = names[0]
    known = _answers(answers)
    texts = known.get(name)
    if texts is None:
        return DmarcPlan(name, problems=(f"no answer for {name}",), unknown=True)
    records = [t for t in texts if is_dmarc(t)]
    if len(records) > 1:
        problem = f"{name} holds {len(records)} DMARC records: keep one and plan again"
        return DmarcPlan(name, problems=(problem,))
    if records:
        try:
            merged = merge(records[0], policy)
        except DmarcError as error:
            return DmarcPlan(name, problems=error.problems)
        return DmarcPlan(name, merged.text, records[0] if merged.text else None, merged.notes)
    found = discover(own, known)
    if found.unknown:
        return DmarcPlan(name, problems=found.problems, unknown=True)
    if found.record is None or found.policy is None:
        notes = () if found.name is None else found.problems
        return DmarcPlan(name, build(policy), notes=notes)
    seed = _seed(found.record, found.policy)
    merged = merge(seed, policy)
    covered = f"{own} is covered by {found.name} (p={found.policy} for it)"
    if merged.text is None:
        return DmarcPlan(name, notes=(covered, *merged.notes))
    why = f"{covered}; its own record starts from that, so that nothing applies less"
    return DmarcPlan(name, merged.text, notes=(why, *merged.notes))


# --------------------------------------------------------------------------- report authorisation


@attrs.frozen
class Authorisation:
    """Whether receivers may send ``domain``'s reports to ``uri`` (RFC 7489 §7.1).

    ``status``: ``"not needed"`` (the destination is in the domain's organisational domain),
    ``"authorised"`` (``name`` holds a ``v=DMARC1`` record), ``"missing"`` (it holds none:
    receivers send no reports there), ``"unknown"`` (no answer for ``name``), or
    ``"no host"`` (the URI names none).
    """

    tag: str
    uri: ReportUri
    name: str | None
    status: Literal["not needed", "authorised", "missing", "unknown", "no host"]


def _record(record: Dmarc | str) -> Dmarc:
    return record if isinstance(record, Dmarc) else Dmarc.parse(record, strict=False)


def _authorisations(domain: str, record: Dmarc) -> list[tuple[str, ReportUri, str | None]]:
    """(tag, URI, name to look up) of every report URI; the name is None when the URI stays
    in the domain's organisational domain, ``""`` when it names no host."""
    own = _name(domain)
    org = organisational_domain(own)
    found: list[tuple[str, ReportUri, str | None]] = []
    for tag in ("rua", "ruf"):
        for uri in getattr(record, tag):
            host = uri.host
            if host is None:
                found.append((tag, uri, ""))
            elif organisational_domain(host) == org:
                found.append((tag, uri, None))
            else:
                found.append((tag, uri, f"{own}._report._dmarc.{host}"))
    return found


def authorisation_names(domain: str, record: Dmarc | str) -> tuple[str, ...]:
    """The names to look up for the report URIs of ``domain``'s record that leave its
    organisational domain: ``<domain>._report._dmarc.<destination host>``, each once.

    ``domain`` is the name whose ``_dmarc`` record it is (the organisational domain when the
    record in force is that one's).
    """
    names = [n for _, _, n in _authorisations(domain, _record(record)) if n]
    return tuple(dict.fromkeys(names))


def check_authorisations(
    domain: str, record: Dmarc | str, answers: Answers
) -> tuple[Authorisation, ...]:
    """Each report URI of the record, judged from the TXT ``answers`` at
    :func:`authorisation_names`: authorised when the name holds a text that starts with
    ``v=DMARC1`` (other texts there do not count)."""
    known = _answers(answers)
    judged: list[Authorisation] = []
    for tag, uri, name in _authorisations(domain, _record(record)):
        if name == "":
            judged.append(Authorisation(tag, uri, None, "no host"))
        elif name is None:
            judged.append(Authorisation(tag, uri, None, "not needed"))
        else:
            texts = known.get(name)
            if texts is None:
                judged.append(Authorisation(tag, uri, name, "unknown"))
            elif any(is_dmarc(t) for t in texts):
                judged.append(Authorisation(tag, uri, name, "authorised"))
            else:
                judged.append(Authorisation(tag, uri, name, "missing"))
    return tuple(judged)
