"""One SPF record per DNS name: parse, merge and count DNS lookups (RFC 7208). Pure, no I/O.

The email vendors each ask for an SPF record (Tesouro/Mailgun ``v=spf1 include:mailgun.org
~all``, CiiRUS/Mandrill ``v=spf1 include:spf.mandrillapp.com ?all``) and the zone may already
hold the customer's own; a name with two SPF records fails SPF (RFC 7208 §4.5), so the
planner publishes one record: :func:`merge`. :func:`check_lookups` refuses a record whose own
terms already cost more than the 10 DNS lookups an evaluator allows (§4.6.4); the count
through every nested ``include``/``redirect``, and the void-lookup limit, need DNS: that is
:func:`maildns.onboarding._spfcheck.check_budget`.

The parser follows the grammar of RFC 7208 (§4.5, §4.6.1, §5, §6, §7.1, collected in §12) as
strictly as receivers apply it, because a record a receiver cannot parse is a *permerror*
for every message: maildns must neither publish one nor merge into one.

- A record is selected by ``v=spf1`` at its very start (any case), followed by a space or
  the end (§4.5). ``" v=spf1 ..."`` (a leading space) or ``"v=spf1\\tmx"`` is *not* an SPF
  record: receivers skip it, and so does :func:`is_spf`.
- Terms are separated by one or more spaces (SP, %x20) and by nothing else; trailing spaces
  are allowed (``record = version terms *SP``). A tab, CR, LF or any character outside visible
  ASCII inside a record is a syntax error, never a separator (the RFC 7208 test suite's
  ``control-char-policy`` and ``badip4``).
- A domain-spec (``include:``, ``a:``, ``mx:``, ``ptr:``, ``exists:``, ``redirect=``,
  ``exp=``) ends in a macro (``%{d}``) or in ``.toplabel`` with an optional final dot, where
  the top label is not all-numeric (§7.1): ``a:192.0.2.25``, ``a:museum`` and
  ``a:example.-com`` are errors. A domain without macros must also be a name DNS can hold
  (labels of 1 to 63 octets, 253 in all): ``a:mail..example.com`` is refused.
- Macros (§7.1): ``%{`` letter digits [``r``] delimiters ``}``, ``%%``, ``%_``, ``%-``; the
  letters ``s l o d i p h v``, and ``c r t`` only in explanation text (what an ``exp=``
  name's TXT record says), not in the record itself; a digit transformer is not zero.
- Modifiers: ``redirect=`` and ``exp=`` take a domain-spec and appear at most once each;
  other modifiers (``name=macro-string``, the name starting with a letter) are allowed and
  kept. CIDR lengths are written without leading zeros (``/032`` is an error); ``ip4:``
  takes a dotted quad without leading zeros, ``ip6:`` an RFC 4291 address (no zone index).

Case: the version tag, mechanism and modifier names are case-insensitive (``V=SPF1
INCLUDE:Mailgun.org``). A value holding a macro is compared exactly, never case-folded.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Sequence
from typing import Final

import attrs

__all__ = [
    "MAX_LOOKUPS",
    "MAX_VOID_LOOKUPS",
    "Macro",
    "MergeResult",
    "Spf",
    "SpfError",
    "Term",
    "check_lookups",
    "is_spf",
    "lookup_count",
    "macro_parts",
    "merge",
]

MAX_LOOKUPS: Final = 10
"""DNS lookups an SPF evaluation may cost (RFC 7208 §4.6.4); more is a permerror."""
MAX_VOID_LOOKUPS: Final = 2
"""Lookups that find nothing (NXDOMAIN, or no answer) an evaluation may meet (§4.6.4)."""

MECHANISMS = frozenset({"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"})
LOOKUP_MECHANISMS = frozenset({"include", "a", "mx", "ptr", "exists"})
QUALIFIERS = "+-~?"
_STRICTNESS = {"-": 3, "~": 2, "?": 1, "+": 0}
"""How strict an ``all`` is: ``-all`` > ``~all`` > ``?all`` > ``+all``."""

_VERSION = re.compile(r"v=spf1(?= |\Z)", re.IGNORECASE)
_NAME = r"[A-Za-z][A-Za-z0-9\-_.]*"
_MODIFIER = re.compile(rf"({_NAME})=(.*)", re.DOTALL)
_DIRECTIVE = re.compile(rf"([+\-~?]?)({_NAME})(.*)", re.DOTALL)
_DUAL_CIDR = re.compile(r"(?:/(?P<v4>[0-9]+))?(?://(?P<v6>[0-9]+))?\Z")
_CIDR_LENGTH = re.compile(r"0|[1-9][0-9]{0,2}")
_QNUM = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IP4 = re.compile(rf"{_QNUM}(?:\.{_QNUM}){{3}}")
_IP6_CHARS = re.compile(r"[0-9A-Fa-f:.]+")
_TOPLABEL = re.compile(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9\-]*[A-Za-z0-9]")
_TOKEN = re.compile(r"%\{(?P<body>[^}]*)\}|%(?P<escape>[%_\-])|(?P<bad>%)|[^%]+")
_MACRO_BODY = re.compile(r"([A-Za-z])([0-9]*)([rR]?)([.\-+,/_=]*)")
_RECORD_LETTERS = "slodiphv"
_EXP_LETTERS = _RECORD_LETTERS + "crt"
_ESCAPES = {"%": "%", "_": " ", "-": "%20"}


class SpfError(ValueError):
    """A text that is not valid SPF, a loop of includes, or a record over the lookup limit."""


def is_spf(text: str) -> bool:
    """Whether a TXT text is an SPF record: ``v=spf1`` (any case) at its start, then a space
    or the end (RFC 7208 §4.5). Nothing before the tag, no tab after it: receivers skip
    such a text, so it is not an SPF record here either."""
    return _VERSION.match(text) is not None


@attrs.frozen
class Macro:
    """One ``%{...}`` of a macro-string: ``letter`` (lower case), ``digits`` (0: all parts),
    ``reverse``, ``delimiters`` (``.`` when none given), ``escape`` (an upper-case letter:
    URL-escape the expansion, §7.3)."""

    letter: str
    digits: int = 0
    reverse: bool = False
    delimiters: str = "."
    escape: bool = False


@functools.lru_cache(maxsize=4096)  # a run meets the same includes' values again and again
def macro_parts(value: str, *, explanation: bool = False) -> tuple[str | Macro, ...]:
    """``value`` as literal text and :class:`Macro` s, in order (``%%``, ``%_`` and ``%-`` are
    already their text: ``%``, a space, ``%20``); :class:`SpfError` for what §7.1 forbids.

    A macro-string holds visible ASCII only; ``explanation`` (the text an ``exp=`` name's TXT
    record holds) also allows spaces and the letters ``c``, ``r`` and ``t``.
    """
    letters = _EXP_LETTERS if explanation else _RECORD_LETTERS
    parts: list[str | Macro] = []
    for found in _TOKEN.finditer(value):
        if found.group("bad") is not None:
            raise SpfError(
                f"{value!r}: a '%' must start a macro: '%{{', '%%', '%_' or '%-' (RFC 7208 §7.1)"
            )
        escape = found.group("escape")
        if escape is not None:
            parts.append(_ESCAPES[escape])
            continue
        body = found.group("body")
        if body is None:
            text = found.group(0)
            if not all(0x21 <= ord(c) <= 0x7E or (explanation and c == " ") for c in text):
                raise SpfError(f"{value!r} holds a character outside visible ASCII (RFC 7208 §7.1)")
            parts.append(text)
            continue
        macro = _MACRO_BODY.fullmatch(body)
        if macro is None:
            raise SpfError(f"{value!r}: '%{{{body}}}' is not a macro (RFC 7208 §7.1)")
        letter, digits, reverse, delimiters = macro.groups()
        if letter.lower() not in letters:
            where = (
                "the macro letters are s, l, o, d, i, p, h, v, and c, r, t in explanations"
                if explanation or letter.lower() not in _EXP_LETTERS
                else f"'{letter.lower()}' is allowed only in the text of an exp= explanation"
            )
            raise SpfError(f"{value!r}: '%{{{body}}}': {where} (RFC 7208 §7.1)")
        if digits and int(digits) == 0:
            raise SpfError(f"{value!r}: '%{{{body}}}': a digit transformer is not 0 (§7.3)")
        parts.append(
            Macro(
                letter.lower(),
                int(digits or 0),
                bool(reverse),
                delimiters or ".",
                letter.isupper(),
            )
        )
    return tuple(parts)


def _macro_parts_of(value: str, term: str) -> tuple[str | Macro, ...]:
    try:
        return macro_parts(value)
    except SpfError as error:
        raise SpfError(f"SPF term {term!r}: {error}") from None


def _check_domain_spec(value: str, term: str) -> None:
    """A domain-spec (§7.1): macro-string, ending in a macro or in ``.toplabel[.]``."""
    parts = _macro_parts_of(value, term)
    if not parts:
        raise SpfError(f"SPF term {term!r} needs a domain")
    tail = parts[-1]
    if isinstance(tail, Macro) or value.endswith(("%%", "%_", "%-")):
        return  # domain-end = macro-expand
    tail = tail.removesuffix(".")
    _, dot, toplabel = tail.rpartition(".")
    if not dot:
        raise SpfError(
            f"SPF term {term!r}: {value!r} is not a domain name: it must end in '.' and a top"
            " label, such as example.com (RFC 7208 §7.1)"
        )
    if not _TOPLABEL.fullmatch(toplabel):
        numeric = toplabel.isdigit()
        raise SpfError(
            f"SPF term {term!r}: {value!r} "
            + (
                "ends in a number, not a name (RFC 7208 §7.1); an address belongs in ip4: or ip6:"
                if numeric
                else f"ends in {toplabel!r}, which is not a top label (RFC 7208 §7.1)"
            )
        )
    if all(isinstance(p, str) for p in parts) and "%" not in value:
        name = value.removesuffix(".")
        labels = name.split(".")
        if any(not 0 < len(label) <= 63 for label in labels) or len(name) > 253:
            raise SpfError(
                f"SPF term {term!r}: {value!r} is not a DNS name (labels of 1 to 63 "
                "characters, 253 in all; RFC 7208 §4.3)"
            )


def _check_cidr(length: str | None, maximum: int, term: str) -> None:
    if length is None:
        return
    if not _CIDR_LENGTH.fullmatch(length) or int(length) > maximum:
        raise SpfError(
            f"SPF term {term!r}: CIDR length /{length} is not 0 to {maximum} written without "
            "leading zeros (RFC 7208 §5.6)"
        )


def _is_ip6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _domain_key(value: str) -> str:
    """A domain-spec as compared: case-folded without a final dot, unless it holds a macro."""
    if "%" in value:
        return value
    return value.rstrip(".").casefold()


@attrs.frozen(eq=False)
class Term:
    """One term of an SPF record: a mechanism (``~all``, ``include:x``) or a modifier.

    ``qualifier`` is one of ``+ - ~ ?`` for a mechanism (``+`` when not written) and ``""``
    for a modifier; ``name`` is lower-case; ``value`` is the text after ``:`` (mechanisms) or
    ``=`` (modifiers), as given, ``""`` when absent; ``cidr`` the prefix lengths of ``a``,
    ``mx``, ``ip4`` and ``ip6`` (``/24``, ``//64``, ``/24//64``) or ``""``.

    Terms are equal when their :attr:`key` is: name case-insensitive, domain values
    case-insensitive (and without a final dot), addresses as addresses.
    """

    qualifier: str
    name: str
    value: str = ""
    cidr: str = ""
    modifier: bool = False

    @property
    def is_all(self) -> bool:
        return not self.modifier and self.name == "all"

    @property
    def lookups(self) -> int:
        """DNS lookups the term costs by itself (``redirect`` is counted by the record)."""
        return int(not self.modifier and self.name in LOOKUP_MECHANISMS)

    @property
    def cidr4(self) -> int:
        """The IPv4 prefix length the term matches with (32 when not written)."""
        if self.name == "ip6":
            return 32
        found = _DUAL_CIDR.search(self.cidr)
        v4 = found.group("v4") if found else None
        return int(v4) if v4 is not None else 32

    @property
    def cidr6(self) -> int:
        """The IPv6 prefix length the term matches with (128 when not written)."""
        if self.name == "ip6":
            return int(self.cidr[1:]) if self.cidr else 128
        found = _DUAL_CIDR.search(self.cidr)
        v6 = found.group("v6") if found else None
        return int(v6) if v6 is not None else 128

    @property
    def key(self) -> tuple[str, str, str, str, bool]:
        if self.name in {"ip4", "ip6"} and not self.modifier:
            value = str(ipaddress.ip_address(self.value))
        elif self.modifier and self.name not in {"redirect", "exp"}:
            value = self.value
        else:
            value = _domain_key(self.value)
        return (self.qualifier, self.name, value, self.cidr, self.modifier)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Term):
            return NotImplemented
        return self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        if self.modifier:
            return f"{self.name}={self.value}"
        qualifier = "" if self.qualifier == "+" else self.qualifier
        value = f":{self.value}" if self.value else ""
        return f"{qualifier}{self.name}{value}{self.cidr}"

    @classmethod
    def parse(cls, text: str) -> Term:
        """One term; :class:`SpfError` says why it is not SPF syntax (RFC 7208 §12)."""
        if not text or not all(0x21 <= ord(c) <= 0x7E for c in text):
            raise SpfError(
                f"SPF term {text!r} holds a character outside visible ASCII: terms are "
                "separated by spaces only (RFC 7208 §4.6.1)"
            )
        modifier = _MODIFIER.fullmatch(text)
        if modifier:
            name, value = modifier.group(1).lower(), modifier.group(2)
            if name in {"redirect", "exp"}:
                if not value:
                    raise SpfError(f"SPF modifier {text!r} needs a domain (RFC 7208 §6)")
                _check_domain_spec(value, text)
            else:
                _macro_parts_of(value, text)  # an unknown modifier's is a macro-string (§6)
            return cls("", name, value, modifier=True)
        directive = _DIRECTIVE.fullmatch(text)
        if directive is None:
            raise SpfError(f"{text!r} is not an SPF mechanism or modifier (RFC 7208 §4.6.1)")
        qualifier, name, rest = (
            directive.group(1) or "+",
            directive.group(2).lower(),
            directive.group(3),
        )
        if name not in MECHANISMS:
            raise SpfError(f"unknown SPF mechanism {text!r} (RFC 7208 §5)")
        if name == "all":
            if rest:
                raise SpfError(f"SPF mechanism {text!r}: 'all' takes no value (RFC 7208 §5.1)")
            return cls(qualifier, name)
        if name in {"ip4", "ip6"}:
            return cls._parse_ip(qualifier, name, rest, text)
        cidr = ""
        if name in {"a", "mx"}:
            found = _DUAL_CIDR.search(rest)
            assert found is not None  # the pattern matches the empty tail
            _check_cidr(found.group("v4"), 32, text)
            _check_cidr(found.group("v6"), 128, text)
            cidr, rest = found.group(0), rest[: found.start()]
        if rest and not rest.startswith(":"):
            raise SpfError(f"SPF mechanism {text!r}: expected ':' after {name!r}")
        value = rest[1:]
        if rest and not value:
            raise SpfError(f"SPF mechanism {text!r}: empty domain after ':' (RFC 7208 §5)")
        if name in {"include", "exists"} and not value:
            raise SpfError(f"SPF mechanism {text!r} needs a domain ({name}:domain, RFC 7208 §5)")
        if value:
            _check_domain_spec(value, text)
        return cls(qualifier, name, value, cidr)

    @classmethod
    def _parse_ip(cls, qualifier: str, name: str, rest: str, text: str) -> Term:
        if not rest.startswith(":") or len(rest) < 2:
            raise SpfError(f"SPF mechanism {text!r} needs an address ({name}:address)")
        address, slash, length = rest[1:].partition("/")
        if name == "ip4":
            valid = _IP4.fullmatch(address) is not None
        else:
            # RFC 4291 §2.2 text forms; ipaddress alone would take a zone index (%eth0)
            valid = _IP6_CHARS.fullmatch(address) is not None and _is_ip6(address)
        if not valid:
            family = "IPv4" if name == "ip4" else "IPv6"
            raise SpfError(
                f"SPF mechanism {text!r}: {address!r} is not an {family} address (RFC 7208 §5.6)"
            )
        if slash:
            _check_cidr(length, 32 if name == "ip4" else 128, text)
        return cls(qualifier, name, address, f"/{length}" if slash else "")


@attrs.frozen
class Spf:
    """A parsed SPF record: its terms in order; ``str()`` gives the canonical text."""

    terms: tuple[Term, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Spf:
        """Parse ``v=spf1 term ...``; :class:`SpfError` says what is not SPF.

        Also refused (permerrors in RFC 7208 §6): ``redirect=`` or ``exp=`` twice.
        """
        parsed = _parsed(text)
        if isinstance(parsed, SpfError):
            raise SpfError(str(parsed))
        return parsed if cls is Spf else cls(parsed.terms)

    @property
    def mechanisms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if not t.modifier)

    @property
    def all(self) -> Term | None:
        """The first ``all`` (evaluation stops there: later terms never match)."""
        return next((t for t in self.terms if t.is_all), None)

    @property
    def evaluated(self) -> tuple[Term, ...]:
        """The mechanisms an evaluation can reach: up to the first ``all``, which always
        matches (RFC 7208 §5.1)."""
        mechanisms = self.mechanisms
        first = next((i for i, t in enumerate(mechanisms) if t.is_all), len(mechanisms) - 1)
        return mechanisms[: first + 1]

    def modifier(self, name: str) -> Term | None:
        return next((t for t in self.terms if t.modifier and t.name == name), None)

    @property
    def redirect(self) -> str | None:
        """The ``redirect=`` target that takes effect: none when an ``all`` exists (§6.1)."""
        term = self.modifier("redirect")
        return None if term is None or self.all is not None else term.value

    def __str__(self) -> str:
        return " ".join(["v=spf1", *(str(t) for t in self.terms)])


@functools.lru_cache(maxsize=4096)  # immutable results: a run parses each include once
def _parsed(text: str) -> Spf | SpfError:
    if not is_spf(text):
        return SpfError(f"not an SPF record (must start with 'v=spf1' then a space): {text!r}")
    try:
        terms = tuple(Term.parse(part) for part in text.split(" ")[1:] if part)
    except SpfError as error:
        return error
    for name in ("redirect", "exp"):
        if sum(1 for t in terms if t.modifier and t.name == name) > 1:
            return SpfError(f"SPF record has {name}= more than once (RFC 7208 §6): {text!r}")
    return Spf(terms)


@attrs.frozen
class MergeResult:
    """What :func:`merge` gives: the one record to publish and how it came about."""

    text: str
    """The record to publish; exactly ``existing`` when nothing changed."""
    changed: bool
    """Whether ``text`` differs in meaning from ``existing`` (always true without one)."""
    added: tuple[str, ...] = ()
    """The terms that were not in ``existing``, canonical text, in order."""
    notes: tuple[str, ...] = ()
    """Terms dropped or rewritten and why (human-readable)."""


def merge(existing: str | None, wanted: Sequence[str]) -> MergeResult:
    """One SPF record from the zone's record (or ``None``) and the vendors' wanted records.

    - Mechanisms after a record's first ``all`` are never evaluated (§5.1): they are dropped
      with a note, never moved before the ``all`` (that would authorize hosts the record
      does not).
    - Mechanisms other than ``all``: the union, the existing record's first in their order,
      then each wanted record's new ones in order; a term equal to one already taken (same
      qualifier, name and value, compared as :attr:`Term.key`) is dropped, so ``+include:X``
      and ``include:x`` are one term, but ``~include:x`` is another.
    - ``all``, last of the mechanisms: the existing record's own (its qualifier kept, even
      ``+all``, with a note) when it has one. Otherwise the *least permissive* ``all`` of the
      wanted records, ``-all`` > ``~all`` > ``?all`` > ``+all``: a vendor asking ``~all`` and
      another ``?all`` gives ``~all`` (no vendor gets a softer policy than it asked for); no
      ``all`` anywhere gives none.
    - ``redirect=`` of the existing record: ignored by evaluators when the record has an
      ``all`` (RFC 7208 §6.1), so then dropped (with a note); when it has none, the redirect
      *is* the customer's policy: it is kept and no wanted ``all`` is added (a note says so),
      since an ``all`` would silently disable it and reject the customer's own senders.
    - ``redirect=X`` of a wanted record without an ``all`` becomes ``include:X`` (a vendor's
      senders, not the name's final policy); with an ``all`` it is ignored (§6.1) and dropped.
    - ``exp=`` and unknown modifiers: the existing record's are kept (after the ``all``, as
      §4.6.3 recommends); the wanted records' are dropped with a note (the explanation is the
      domain owner's).

    When the result means the same as ``existing`` (``changed`` false), ``text`` is
    ``existing`` verbatim, so a planner comparing texts makes no needless update; otherwise it
    is the canonical text.

    :class:`SpfError` when any input is not valid SPF: a record receivers evaluate as
    permerror is never merged into (its owner must correct it first) nor from.
    """
    notes: list[str] = []
    try:
        old = Spf.parse(existing) if existing is not None else None
    except SpfError as error:
        raise SpfError(
            f"the existing record {existing!r} is not valid SPF, so receivers evaluate it as "
            f"permerror: {error}; correct it, then plan again"
        ) from None
    wishes: list[Spf] = []
    for text in wanted:
        try:
            wishes.append(Spf.parse(text))
        except SpfError as error:
            raise SpfError(f"the wanted record {text!r} is not valid SPF: {error}") from None

    taken: list[Term] = []
    seen: set[Term] = set()

    def take(term: Term) -> None:
        if term not in seen:
            seen.add(term)
            taken.append(term)

    def dead(spf: Spf, whose: str) -> None:
        for term in spf.mechanisms[len(spf.evaluated) :]:
            notes.append(f"{whose} {term} dropped: after '{spf.all}', it is never evaluated")

    if old is not None:
        dead(old, "existing")
    for term in old.evaluated if old else ():
        if not term.is_all:
            take(term)
    for wish in wishes:
        dead(wish, "wanted")
        for term in wish.evaluated:
            if not term.is_all:
                take(term)
        redirect = wish.modifier("redirect")
        if redirect is not None:
            if wish.all is None:
                take(Term("+", "include", redirect.value))
                notes.append(f"wanted redirect={redirect.value} merged as include:{redirect.value}")
            else:
                notes.append(f"wanted redirect={redirect.value} dropped: ignored beside 'all'")
        for term in wish.terms:
            if term.modifier and term.name != "redirect":
                notes.append(f"wanted modifier {term} dropped: the domain owner's to set")

    final_all: Term | None = None
    modifiers: list[Term] = []
    wanted_alls = [w.all for w in wishes if w.all is not None]
    if old is not None:
        final_all = old.all
        for term in old.terms:
            if not term.modifier or term in modifiers:
                continue
            if term.name == "redirect" and final_all is not None:
                notes.append(f"existing {term} dropped: ignored beside 'all' (RFC 7208 §6.1)")
                continue
            modifiers.append(term)
        if final_all is not None and final_all.qualifier == "+":
            notes.append("existing +all kept: it lets any host send for the name")
    if final_all is None and wanted_alls:
        if old is not None and old.redirect is not None:
            notes.append(
                f"wanted {wanted_alls[0]} not added: the existing redirect={old.redirect} "
                "is the name's policy"
            )
        else:
            final_all = max(wanted_alls, key=lambda t: _STRICTNESS[t.qualifier])
    result = Spf((*taken, *([final_all] if final_all else []), *modifiers))
    before = set(old.terms) if old else set()
    added = tuple(str(t) for t in result.terms if t not in before)
    if old is not None and old == result:
        return MergeResult(existing or "", False, (), tuple(notes))
    return MergeResult(str(result), True, added, tuple(notes))


def _lookup_terms(spf: Spf) -> list[str]:
    """The record's own terms that cost a DNS lookup when evaluated, in order (§4.6.4)."""
    terms = [str(t) for t in spf.evaluated if t.lookups]
    if spf.redirect is not None:
        terms.append(f"redirect={spf.redirect}")
    return terms


def lookup_count(text: str) -> int:
    """The DNS lookups the record's own terms cost (RFC 7208 §4.6.4), without DNS.

    Each ``include``, ``a``, ``mx``, ``ptr`` and ``exists`` mechanism an evaluation can reach
    (up to the first ``all``) counts 1, and so does a ``redirect=`` that takes effect (one
    beside an ``all`` is never followed, §6.1). This is a *lower bound*: each included
    record costs its own lookups too, which only DNS tells
    (:func:`maildns.onboarding._spfcheck.check_budget`).
    """
    return len(_lookup_terms(Spf.parse(text)))


def check_lookups(text: str) -> int:
    """:func:`lookup_count`, or :class:`SpfError` naming the count and the terms when it is
    over ``MAX_LOOKUPS``."""
    terms = _lookup_terms(Spf.parse(text))
    if len(terms) > MAX_LOOKUPS:
        raise SpfError(
            f"needs {len(terms)} DNS lookups, over the {MAX_LOOKUPS} receivers allow "
            f"(RFC 7208 §4.6.4), counting only its own terms: {', '.join(terms)}"
        )
    return len(terms)
