"""One SPF record per DNS name: parse, merge and count DNS lookups (RFC 7208). Pure, no I/O.

The email vendors each ask for an SPF record (Tesouro/Mailgun ``v=spf1 include:mailgun.org
~all``, CiiRUS/Mandrill ``v=spf1 include:spf.mandrillapp.com ?all``) and the zone may already
hold the customer's own; a name with two SPF records fails SPF (RFC 7208 §4.5), so the
planner publishes one record: :func:`merge`. :func:`check_lookups` refuses a record over the
10 DNS lookups an evaluator allows (§4.6.4).

Leniency (on purpose): surrounding whitespace is ignored and any run of spaces or tabs
separates terms; the version tag, mechanism and modifier names are case-insensitive
(``V=SPF1 INCLUDE:Mailgun.org``). Macros (``%{d}``) are checked for syntax and otherwise left
as opaque text: a value holding a macro is compared exactly, never case-folded.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence

import attrs

__all__ = [
    "MAX_LOOKUPS",
    "MergeResult",
    "Spf",
    "SpfError",
    "Term",
    "check_lookups",
    "is_spf",
    "lookup_count",
    "merge",
]

MAX_LOOKUPS = 10
"""DNS lookups an SPF evaluation may cost (RFC 7208 §4.6.4); more is a permerror."""

MECHANISMS = frozenset({"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"})
LOOKUP_MECHANISMS = frozenset({"include", "a", "mx", "ptr", "exists"})
QUALIFIERS = "+-~?"
_STRICTNESS = {"-": 3, "~": 2, "?": 1, "+": 0}
"""How strict an ``all`` is: ``-all`` > ``~all`` > ``?all`` > ``+all``."""

_VERSION = re.compile(r"v=spf1(?=\s|\Z)", re.IGNORECASE)
_MODIFIER = re.compile(r"([A-Za-z][A-Za-z0-9\-_.]*)=(.*)", re.DOTALL)
_DIRECTIVE = re.compile(r"([+\-~?]?)([A-Za-z][A-Za-z0-9\-_.]*)(.*)", re.DOTALL)
_DUAL_CIDR = re.compile(r"(?:/(?P<v4>[0-9]+))?(?://(?P<v6>[0-9]+))?\Z")
_CIDR_LENGTH = re.compile(r"0|[1-9][0-9]{0,2}")
_MACRO = re.compile(r"%(?:\{[slodiphcrtvSLODIPHCRTV][0-9]*[rR]?[.\-+,/_=]*\}|%|_|-)")
_VISIBLE = re.compile(r"[\x21-\x7e]*")


class SpfError(ValueError):
    """A text that is not valid SPF, a loop of includes, or a record over the lookup limit."""


def is_spf(text: str) -> bool:
    """Whether a TXT text is an SPF record: ``v=spf1`` then the end or a space (§4.5).

    Case-insensitive; surrounding whitespace and a tab after the tag are tolerated.
    """
    return _VERSION.match(text.strip()) is not None


def _domain_key(value: str) -> str:
    """A domain-spec as compared: case-folded without a final dot, unless it holds a macro."""
    if "%" in value:
        return value
    return value.rstrip(".").casefold()


def _check_macro_string(value: str, term: str) -> None:
    if not _VISIBLE.fullmatch(value):
        raise SpfError(f"SPF term {term!r} holds a character outside visible ASCII")
    rest = _MACRO.sub("", value)
    if "%" in rest:
        raise SpfError(f"SPF term {term!r} holds a malformed macro (a '%' not starting one)")


def _check_cidr(length: str | None, maximum: int, term: str) -> None:
    if length is None:
        return
    if not _CIDR_LENGTH.fullmatch(length) or int(length) > maximum:
        raise SpfError(f"SPF term {term!r}: CIDR length /{length} is not 0 to {maximum}")


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
        """One term; :class:`SpfError` says why it is not SPF syntax."""
        modifier = _MODIFIER.fullmatch(text)
        if modifier:
            name, value = modifier.group(1).lower(), modifier.group(2)
            _check_macro_string(value, text)
            if name in {"redirect", "exp"} and not value:
                raise SpfError(f"SPF modifier {text!r} needs a domain")
            return cls("", name, value, modifier=True)
        directive = _DIRECTIVE.fullmatch(text)
        if directive is None:
            raise SpfError(f"{text!r} is not an SPF mechanism or modifier")
        qualifier, name, rest = (
            directive.group(1) or "+",
            directive.group(2).lower(),
            directive.group(3),
        )
        if name not in MECHANISMS:
            raise SpfError(f"unknown SPF mechanism {text!r}")
        if name == "all":
            if rest:
                raise SpfError(f"SPF mechanism {text!r}: 'all' takes no value")
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
            raise SpfError(f"SPF mechanism {text!r}: empty domain after ':'")
        if name in {"include", "exists"} and not value:
            raise SpfError(f"SPF mechanism {text!r} needs a domain ({name}:domain)")
        _check_macro_string(value, text)
        return cls(qualifier, name, value, cidr)

    @classmethod
    def _parse_ip(cls, qualifier: str, name: str, rest: str, text: str) -> Term:
        if not rest.startswith(":") or len(rest) < 2:
            raise SpfError(f"SPF mechanism {text!r} needs an address ({name}:address)")
        address, _, length = rest[1:].partition("/")
        maximum = 32 if name == "ip4" else 128
        try:
            if "%" in address:
                raise ValueError(address)
            parsed = ipaddress.ip_address(address)
        except ValueError:
            raise SpfError(f"SPF mechanism {text!r}: {address!r} is not an address") from None
        if parsed.version != (4 if name == "ip4" else 6):
            raise SpfError(f"SPF mechanism {text!r}: {address!r} is not an {name} address")
        if "/" in rest[1:]:
            _check_cidr(length, maximum, text)
        return cls(qualifier, name, address, f"/{length}" if "/" in rest[1:] else "")


@attrs.frozen
class Spf:
    """A parsed SPF record: its terms in order; ``str()`` gives the canonical text."""

    terms: tuple[Term, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Spf:
        """Parse ``v=spf1 term ...``; :class:`SpfError` says what is not SPF.

        Also refused (permerrors in RFC 7208 §6): ``redirect=`` or ``exp=`` twice.
        """
        stripped = text.strip()
        if not _VERSION.match(stripped):
            raise SpfError(f"not an SPF record (must start with 'v=spf1'): {text!r}")
        terms = tuple(Term.parse(part) for part in stripped.split()[1:])
        for name in ("redirect", "exp"):
            if sum(1 for t in terms if t.modifier and t.name == name) > 1:
                raise SpfError(f"SPF record has {name}= more than once: {text!r}")
        return cls(terms)

    @property
    def mechanisms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if not t.modifier)

    @property
    def all(self) -> Term | None:
        """The first ``all`` (evaluation stops there: later terms never match)."""
        return next((t for t in self.terms if t.is_all), None)

    def modifier(self, name: str) -> Term | None:
        return next((t for t in self.terms if t.modifier and t.name == name), None)

    @property
    def redirect(self) -> str | None:
        """The ``redirect=`` target that takes effect: none when an ``all`` exists (§6.1)."""
        term = self.modifier("redirect")
        return None if term is None or self.all is not None else term.value

    def __str__(self) -> str:
        return " ".join(["v=spf1", *(str(t) for t in self.terms)])


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
    is the canonical text. :class:`SpfError` when any input is not SPF.
    """
    notes: list[str] = []
    old = Spf.parse(existing) if existing is not None else None
    wishes = [Spf.parse(text) for text in wanted]

    taken: list[Term] = []
    seen: set[Term] = set()

    def take(term: Term) -> None:
        if term not in seen:
            seen.add(term)
            taken.append(term)

    for term in old.mechanisms if old else ():
        if not term.is_all:
            take(term)
    for wish in wishes:
        for term in wish.mechanisms:
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
    wanted_alls = [t for w in wishes for t in w.mechanisms if t.is_all]
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


def _targets(spf: Spf) -> list[str]:
    targets = [t.value for t in spf.mechanisms if t.name == "include"]
    if spf.redirect is not None:
        targets.append(spf.redirect)
    return targets


def lookup_count(text: str, resolve: Callable[[str], Sequence[str]] | None = None) -> int:
    """The DNS lookups evaluating the record costs (RFC 7208 §4.6.4).

    Each ``include``, ``a``, ``mx``, ``ptr`` and ``exists`` mechanism counts 1, and so does a
    ``redirect=`` that takes effect (one beside an ``all`` is never followed, §6.1).

    Without ``resolve`` only the record's own terms are counted: a *lower bound*, since each
    included record costs its own lookups too. With ``resolve`` (the TXT texts at a name),
    each ``include:``/``redirect=`` target's SPF record is fetched and counted recursively: a
    target with no SPF record counts its 1 and stops there; a target with a macro cannot be
    fetched and counts 1; a loop of includes, two SPF records at a target or a target that is
    not valid SPF raise :class:`SpfError`. Nesting stops past ``MAX_LOOKUPS`` levels (the
    count is over the limit by then). The void-lookup limit (§4.6.4) is not checked.
    """

    def count(spf: Spf, chain: tuple[str, ...]) -> int:
        total = sum(t.lookups for t in spf.terms) + (spf.redirect is not None)
        if resolve is None or len(chain) > MAX_LOOKUPS:
            return total
        for target in _targets(spf):
            if "%" in target:
                continue
            name = _domain_key(target)
            if name in chain:
                loop = " -> ".join((*chain[1:], name))
                raise SpfError(f"SPF include loop: {loop}")
            records = [r for r in resolve(target) if is_spf(r)]
            if len(records) > 1:
                raise SpfError(f"{target} holds {len(records)} SPF records (RFC 7208 §4.5)")
            if records:
                try:
                    nested = Spf.parse(records[0])
                except SpfError as error:
                    raise SpfError(f"the SPF record at {target}: {error}") from None
                total += count(nested, (*chain, name))
        return total

    return count(Spf.parse(text), ("",))


def check_lookups(text: str, resolve: Callable[[str], Sequence[str]] | None = None) -> int:
    """:func:`lookup_count`, or :class:`SpfError` naming the count when over ``MAX_LOOKUPS``."""
    count = lookup_count(text, resolve)
    if count > MAX_LOOKUPS:
        raise SpfError(
            f"needs {count} DNS lookups, over the limit of {MAX_LOOKUPS} (RFC 7208 §4.6.4)"
        )
    return count
