"""The onboarding configuration: one YAML file naming the DNS host, its zones and the domains.

Format (``version: 1``)::

    version: 1
    name: customers-eu                 # optional: the configuration's identity in the journal
    dns:
      vendor: telecomx                 # a vendor that hosts DNS
      zones:                           # zone name -> that vendor's zone settings
        example.com: {customer: "0123456789abcdef01234567", product: "89abcdef0123456789abcdef"}
    domains:                           # [] too: nothing to onboard (with --prune: undo all)
      - domain: mail.example.com
        zone: example.com              # optional: the longest listed zone holding the domain
        tesouro: {}                    # one key per sending-domain vendor: its settings
        ciirus: {daily_send_limit: 500, approved: true}
        dmarc: {policy: quarantine}    # optional: over the top-level dmarc, key by key
      - domain: news.example.com
        ciirus: {daily_send_limit: 100, approved: true, account: CIIRUS_EU}
    dmarc:                             # optional: every domain's DMARC record
      policy: none                     # none | quarantine | reject
      rua: mailto:dmarc@example.com    # or a list of mailto: URIs

``version``, ``dns`` (with ``vendor`` and ``zones``) and ``domains`` are required, ``name`` is
optional; no other key is allowed at any level. The vendors are the ones
:data:`maildns.vendors.DECLARATIONS` declares: ``dns.vendor`` must play :attr:`Role.DNS`, and
every key of a domain besides ``domain`` and ``zone`` must name a vendor playing
:attr:`Role.SENDING_DOMAINS`. The settings under a vendor are the keyword arguments of its
settings class (``TelecomXZoneSettings``, ``TesouroSettings``, ``CiirusSettings``); an empty
value (``tesouro:``) means no arguments. Beside them, ``account`` names the vendor account the
domain is at, by an environment-variable prefix (:mod:`._accounts`; its variables are checked
when an engine is opened, not here: reading a configuration needs no credentials).

``name`` is the configuration's identity (:attr:`Config.identity`): the journal keeps what each
configuration made under its identity, so that two configurations sharing one journal (two files
in one folder share ``.maildns/state.sqlite3``) never prune each other's domains. Without
``name``, the identity is the file's name without its extension (``customers-eu.yaml`` ->
``customers-eu``, lower case, other characters as ``-``), and ``default`` for a configuration
read from text. A configuration renamed or moved keeps its state with ``name:`` set to its old
identity; configurations that give one ``name`` share their state on purpose (the workers of one
run, say). A name is a short slug: see :data:`NAME_RULE`.

``dmarc`` (at the top, and in a domain) holds the keyword arguments of
:class:`~maildns.onboarding._dmarc.DmarcPolicy`; a domain's keys replace the top's one by one.
Without any, a domain gets :data:`~maildns.onboarding._dmarc.DEFAULT_POLICY` (maildns makes
sure of a ``p=none`` record, which the large mailbox providers require of bulk senders);
``dmarc: false`` (at the top: for every domain without its own ``dmarc``) leaves the domain's
DMARC record alone (``Domain.dmarc`` is ``None``).

Domain and zone names are normalised as everywhere in maildns (lower case, punycode for
international names, no trailing dot). A domain must lie inside its zone and be listed once.

:func:`load` and :func:`loads` check everything before returning anything: every problem is
collected with its line and raised together as one :class:`ConfigError`, each reading
``file:line: path: message``, e.g.
``onboard.yaml:9: domains[0].ciirus.approved: must be a bool (True or False), got str 'yes'``;
its message lists the first :data:`SHOWN_PROBLEMS` and counts the rest.

What is read is bounded, so that a hostile file costs no more than a large valid one: a regular
file only (never a FIFO or a device: see :mod:`._files`), at most :data:`MAX_BYTES` of UTF-8,
nested at most :data:`MAX_DEPTH` deep (checked on the parser's events, before composing), and
at most :data:`MAX_VALUES` values. Anchors and aliases stay allowed, since they share vendor
settings between many domains, but the document with every alias written out may hold at most
:data:`ALIAS_GROWTH` times the values written plus :data:`ALIAS_ALLOWANCE`: measured on the
composed nodes, each once, so a "billion laughs" is refused from the few nodes it writes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, TypeAlias, TypeGuard

import attrs
import yaml

from .._core.checks import got, show
from .._dns.names import domain_name
from ..errors import InvalidInputError, MailDnsError
from ..vendors import DECLARATIONS, DNS_HOSTS, Declaration, Role
from ._accounts import ACCOUNT_RULE, is_account, own_prefix
from ._dmarc import DEFAULT_POLICY, DmarcPolicy
from ._files import MIB, FileProblem, read_regular, size_text, utf8_text

__all__ = ["Config", "ConfigError", "ConfigProblem", "Domain", "Zone", "load", "loads"]

VERSION: Final = 1
_TOP_REQUIRED: Final = ("version", "dns", "domains")
_TOP_KEYS: Final = ("version", "name", "dns", "domains", "dmarc")
_DNS_KEYS: Final = ("vendor", "zones")
_DOMAIN_KEYS: Final = ("domain", "zone", "dmarc")
_MERGE_TAG: Final = "tag:yaml.org,2002:merge"
ACCOUNT_KEY: Final = "account"
"""The key, beside a sending vendor's settings, that names the domain's account there."""

MAX_BYTES: Final = 16 * MIB
"""The largest configuration read: some 150,000 domains written one per three lines."""
MAX_DEPTH: Final = 64
"""How deep mappings and lists may nest (a valid configuration nests 5 deep): deeper input is
refused from the parser's events, before it is composed (libyaml's composer recurses in C and
crashes on some ten thousand levels; pyyaml's and the checks here recurse in Python)."""
MAX_VALUES: Final = 4_000_000
"""Mappings, lists and scalars a configuration may hold, aliases counted as written out."""
ALIAS_GROWTH: Final = 10
ALIAS_ALLOWANCE: Final = 10_000
"""Aliases may make a document at most :data:`ALIAS_GROWTH` times the values it writes, plus
:data:`ALIAS_ALLOWANCE`: sharing vendor settings between ten thousand domains grows it by a
few times, a "billion laughs" by millions, and is refused before anything is expanded."""
SHOWN_PROBLEMS: Final = 20
"""Problems a :class:`ConfigError`'s message lists before it counts the rest."""

DEFAULT_IDENTITY: Final = "default"
"""The identity of a configuration read from text, with no ``name``."""
NAME_MAX: Final = 64
_NAME: Final = re.compile(r"[a-z0-9][a-z0-9._-]*")
NAME_RULE: Final = (
    f"1 to {NAME_MAX} lower-case letters, digits, '-', '_' or '.', "
    "starting with a letter or a digit"
)
"""What a configuration's ``name`` may be, in the words its problem uses."""


def is_name(value: object) -> TypeGuard[str]:
    """Whether ``value`` is a valid configuration ``name`` (see :data:`NAME_RULE`)."""
    return isinstance(value, str) and len(value) <= NAME_MAX and bool(_NAME.fullmatch(value))


def identity_of(path: str | os.PathLike[str] | None) -> str:
    """The identity of a configuration without ``name`` loaded from ``path``: the file's name
    without its extension, made a valid name (lower case, any other character as ``-``);
    :data:`DEFAULT_IDENTITY` when there is no path or nothing of the name is left."""
    if path is None:
        return DEFAULT_IDENTITY
    stem = Path(path).stem.lower()
    slug = re.sub(r"[^a-z0-9._-]+", "-", stem).lstrip("._-")[:NAME_MAX]
    return slug if is_name(slug) else DEFAULT_IDENTITY


# --------------------------------------------------------------------------- the result


@attrs.frozen
class Zone:
    """A zone to host, with its DNS vendor's settings object."""

    name: str
    settings: Any


@attrs.frozen
class Domain:
    """A sending domain, its zone, each sending vendor's settings object (file order), and
    the DMARC policy maildns makes sure of (``None``: ``dmarc: false``, left alone)."""

    name: str
    zone: str
    vendors: Mapping[str, Any]
    dmarc: DmarcPolicy | None = DEFAULT_POLICY
    accounts: Mapping[str, str] = attrs.field(factory=lambda: MappingProxyType({}))
    """vendor -> the account (an environment-variable prefix, :mod:`._accounts`) the domain
    is at there; a vendor not listed: its own variables."""

    def account(self, vendor: str) -> str | None:
        """The account the domain is at with ``vendor`` (None: the vendor's own variables)."""
        return self.accounts.get(vendor)


@attrs.frozen
class Config:
    """A checked configuration; ``path`` is the file it was loaded from (None for text),
    ``name`` its ``name:`` (None when it gives none)."""

    path: Path | None
    dns_vendor: str
    zones: Mapping[str, Zone]
    domains: tuple[Domain, ...]
    name: str | None = None
    account_uses: Mapping[tuple[str, str], tuple[int, str]] = attrs.field(
        factory=lambda: MappingProxyType({}), eq=False, repr=False
    )
    """(vendor, account) -> (line, path) of its first use: where a problem with the account's
    variables is reported (:func:`~maildns.onboarding._accounts.missing`)."""

    @property
    def identity(self) -> str:
        """Whose rows of the journal are this configuration's: ``name``, else the file's name
        without its extension, else ``default`` (see the module's docstring)."""
        return self.name if self.name is not None else identity_of(self.path)


@attrs.frozen
class ConfigProblem:
    """One thing wrong in a configuration, where people can find it."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = ":".join(p for p in (self.file, "" if self.line is None else str(self.line)) if p)
        parts = [p for p in (where, self.path) if p]
        return ": ".join([*parts, self.message])


class ConfigError(MailDnsError):
    """A configuration that cannot be used, with every problem found in it."""

    def __init__(self, problems: tuple[ConfigProblem, ...]) -> None:
        if not problems:
            raise ValueError("ConfigError needs at least one problem")
        self.problems: tuple[ConfigProblem, ...] = problems
        if len(problems) == 1:
            text = str(problems[0])
        else:
            lines = [f"{len(problems)} problems in {problems[0].file}:"]
            lines += [str(p) for p in problems[:SHOWN_PROBLEMS]]
            if len(problems) > SHOWN_PROBLEMS:
                lines.append(f"... and {len(problems) - SHOWN_PROBLEMS} more")
            text = "\n".join(lines)
        super().__init__(text)


# --------------------------------------------------------------------------- public functions


def load(path: str | os.PathLike[str]) -> Config:
    """Read and check the configuration file at ``path``: a regular file of UTF-8 text, at
    most :data:`MAX_BYTES` long."""
    source = os.fspath(path)
    try:
        text = utf8_text(read_regular(source, MAX_BYTES, "a configuration"))
    except FileProblem as problem:
        raise ConfigError((ConfigProblem(source, problem.line, "", problem.message),)) from None
    return attrs.evolve(loads(text, source), path=Path(source))


def loads(text: str, source: str = "<config>") -> Config:
    """Check the configuration ``text``; ``source`` names it in problems."""
    report = _Report(source)
    if len(text) > MAX_BYTES:
        report.add(
            None, "", f"is larger than {size_text(MAX_BYTES)}, the most a configuration may be"
        )
        raise ConfigError(report.sorted())
    root = _parse(text, report)
    config = None if root is None else _Checker(report).config(root)
    if report.problems or config is None:
        if not report.problems:  # pragma: no cover - every None comes with a problem
            report.add(None, "", "is not a valid configuration")
        raise ConfigError(report.sorted())
    return config


# --------------------------------------------------------------------------- problems


class _Report:
    """The problems found so far in one source."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[ConfigProblem] = []

    def add(self, line: int | None, path: str, message: str) -> None:
        self.problems.append(ConfigProblem(self.source, line, path, message))

    def sorted(self) -> tuple[ConfigProblem, ...]:
        """In file order (problems about the whole file first); stable otherwise."""
        return tuple(sorted(self.problems, key=lambda p: -1 if p.line is None else p.line))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# --------------------------------------------------------------------------- the node tree


@attrs.frozen
class _Scalar:
    value: Any
    line: int


@attrs.frozen
class _Seq:
    items: tuple[_Node, ...]
    line: int


@attrs.frozen
class _Entry:
    key_line: int
    node: _Node


@attrs.frozen
class _Map:
    entries: Mapping[str, _Entry]
    line: int


_Node: TypeAlias = "_Scalar | _Seq | _Map"
_DmarcKeys: TypeAlias = "dict[str, Any] | Literal[False] | None"
"""A ``dmarc`` key as checked: its settings, ``False`` (turned off) or None (not given)."""


def _line(node: yaml.Node | yaml.Event) -> int:
    mark = node.start_mark
    return 0 if mark is None else int(mark.line) + 1


class _Refused(Exception):
    """The document is over a bound; ``line`` is where, when there is a place."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


_OPENING: Final = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSING: Final = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_VALUE: Final = (yaml.ScalarEvent, yaml.AliasEvent, *_OPENING)


def _scan(loader_class: Any, text: str) -> int:
    """Walk the parser's events (the parsers keep their own stack and never recurse) checking
    the nesting depth and the count of values; the values written when the document uses
    aliases, else 0 (nothing to expand)."""
    loader = loader_class(text)
    try:
        depth = values = 0
        aliases = False
        while (event := loader.get_event()) is not None:
            if isinstance(event, _VALUE):
                values += 1
                if values > MAX_VALUES:
                    raise _Refused(f"holds more than {MAX_VALUES:,} values", _line(event))
            if isinstance(event, _OPENING):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _Refused(f"nests more than {MAX_DEPTH} deep", _line(event))
            elif isinstance(event, _CLOSING):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases = True
            elif isinstance(event, yaml.StreamEndEvent):
                break
        return values if aliases else 0
    finally:
        loader.dispose()


def _expanded(root: yaml.Node) -> tuple[int, int]:
    """The values and the depth of the document rooted at ``root`` with every alias written
    out, from the composed nodes (an alias is its anchor's node again): each node is measured
    once, so a bomb costs the nodes it writes, not those it would expand to. A node met again
    while it is measured (a recursive alias, reported by the builder) counts one."""
    measured: dict[int, tuple[int, int]] = {}
    active: set[int] = set()

    def measure(node: yaml.Node) -> tuple[int, int]:
        key = id(node)
        if key in measured:
            return measured[key]
        if key in active:
            return 1, 1
        active.add(key)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        values, depth = 1, 0
        for child in children:  # written nodes are at most MAX_DEPTH deep: bounded recursion
            size, height = measure(child)
            values += size
            depth = max(depth, height)
        active.discard(key)
        measured[key] = (values, depth + (0 if isinstance(node, yaml.ScalarNode) else 1))
        return measured[key]

    return measure(root)


def _compose(loader_class: Any, text: str) -> tuple[Any, yaml.Node | None]:
    """The loader and the document's root node, once the events show it within the bounds
    (and its aliases expand within them)."""
    written = _scan(loader_class, text)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is not None and written:
            values, depth = _expanded(node)
            allowed = min(MAX_VALUES, ALIAS_GROWTH * written + ALIAS_ALLOWANCE)
            if values > allowed:
                raise _Refused(
                    f"aliases expand it to {values:,} values, over the {allowed:,} allowed "
                    f"({ALIAS_GROWTH} times the {written:,} it writes, and "
                    f"{ALIAS_ALLOWANCE:,} more)"
                    if allowed < MAX_VALUES
                    else f"aliases expand it to {values:,} values, over the {allowed:,} allowed"
                )
            if depth > MAX_DEPTH:
                raise _Refused(f"aliases nest it more than {MAX_DEPTH} deep")
    except BaseException:
        loader.dispose()
        raise
    return loader, node


def _parse(text: str, report: _Report) -> _Node | None:
    """The document as a node tree keeping lines; None (with a problem) when it is not YAML
    or is over a bound (:data:`MAX_DEPTH`, :data:`MAX_VALUES`, aliases).

    libyaml's parser first, when pyyaml has it: for ten thousand domains it is several times
    faster and holds a fraction of the memory. A document it refuses is parsed again by pyyaml's
    own, so that a problem is worded the same with or without libyaml.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            loader, node = _compose(fast, text)
        except _Refused as refused:
            report.add(refused.line, "", refused.message)
            return None
        except yaml.YAMLError:
            pass
        else:
            try:
                if node is not None:
                    return _Builder(loader, report).build(node, "")
            finally:
                loader.dispose()
    try:
        loader, node = _compose(yaml.SafeLoader, text)
    except _Refused as refused:
        report.add(refused.line, "", refused.message)
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid"
        if exc.context and exc.problem:
            what = f"{exc.context}: {exc.problem}"
        report.add(None if mark is None else mark.line + 1, "", f"invalid YAML: {what}")
        return None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        what = f"#x{exc.character:04x}" if isinstance(exc.character, int) else "a character"
        report.add(line, "", f"invalid YAML: {what} is not allowed ({exc.reason})")
        return None
    except yaml.YAMLError as exc:
        report.add(None, "", f"invalid YAML: {exc}")
        return None
    try:
        if node is None:
            report.add(None, "", "is empty: expected a mapping with version, dns and domains")
            return None
        return _Builder(loader, report).build(node, "")
    finally:
        loader.dispose()


class _Builder:
    """Walks pyyaml's nodes into plain values, keeping lines and reporting duplicate keys."""

    def __init__(self, loader: Any, report: _Report) -> None:
        self.loader = loader  # a SafeLoader or a CSafeLoader
        self.report = report
        self.active: set[int] = set()  # the nodes being built: aliases may loop

    def build(self, node: yaml.Node, path: str) -> _Node | None:
        line = _line(node)
        if id(node) in self.active:
            self.report.add(line, path, "refers to itself (a recursive alias)")
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                items = [self.build(item, f"{path}[{i}]") for i, item in enumerate(node.value)]
                return _Seq(tuple(item for item in items if item is not None), line)
            return self._scalar(node, path)
        finally:
            self.active.discard(id(node))

    def _scalar(self, node: yaml.Node, path: str) -> _Scalar | None:
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as exc:
            self.report.add(_line(node), path, f"invalid value: {exc.problem}")
            return None
        return _Scalar(value, _line(node))

    def _mapping(self, node: yaml.MappingNode, path: str) -> _Map:
        entries: dict[str, _Entry] = {}
        for key_node, value_node in node.value:
            key_line = _line(key_node)
            if key_node.tag == _MERGE_TAG:
                self.report.add(key_line, path, "merge keys (<<) are not supported")
                continue
            key = self._scalar(key_node, path) if isinstance(key_node, yaml.ScalarNode) else None
            if key is None or not isinstance(key.value, str):
                shown = "a mapping or a list" if key is None else got(key.value)
                self.report.add(key_line, path, f"keys must be strings, got {shown}")
                continue
            name = key.value
            if name in entries:
                first = entries[name].key_line
                self.report.add(
                    key_line, _join(path, name), f"duplicate key (first at line {first})"
                )
                continue
            value = self.build(value_node, _join(path, name))
            if value is not None:
                entries[name] = _Entry(key_line, value)
        return _Map(entries, _line(node))


def _plain(node: _Node) -> Any:
    """The value as Python data, for a settings class to check."""
    if isinstance(node, _Map):
        return {k: _plain(e.node) for k, e in node.entries.items()}
    if isinstance(node, _Seq):
        return [_plain(item) for item in node.items]
    return node.value


def _shown(node: _Node) -> str:
    if isinstance(node, _Map):
        return "a mapping"
    if isinstance(node, _Seq):
        return "a list"
    return got(node.value)


# --------------------------------------------------------------------------- the checks


def _vendors(role: Role) -> tuple[Declaration, ...]:
    if role is Role.DNS:
        return tuple(DNS_HOSTS.values())
    return tuple(d for d in DECLARATIONS.values() if role in d.roles)


def _names(declarations: tuple[Declaration, ...]) -> str:
    return ", ".join(d.name for d in declarations) or "none"


@attrs.frozen
class _ZoneSeen:
    zone: Zone
    line: int


class _Checker:
    """Checks the node tree against the format, reporting every problem it finds."""

    def __init__(self, report: _Report) -> None:
        self.report = report
        self.dmarc: _DmarcKeys = None  # the top-level dmarc, once checked
        self.account_uses: dict[tuple[str, str], tuple[int, str]] = {}

    def config(self, root: _Node) -> Config | None:
        top = self._mapping(root, "", required=_TOP_REQUIRED, allowed=_TOP_KEYS)
        if top is None:
            return None
        self._version(top.entries.get("version"))
        name = self._config_name(top.entries.get("name"))
        dns = top.entries.get("dns")
        vendor, zones = self._dns(dns.node) if dns else (None, {})
        self.dmarc = self._dmarc(top.entries.get("dmarc"), "dmarc")
        entry = top.entries.get("domains")
        domains = self._domains(entry.node, zones) if entry else ()
        if vendor is None or self.report.problems:
            return None
        return Config(
            path=None,
            dns_vendor=vendor,
            zones=MappingProxyType({name: seen.zone for name, seen in zones.items()}),
            domains=domains,
            name=name,
            account_uses=MappingProxyType(self.account_uses),
        )

    # ----------------------------------------------------------------- helpers

    def _mapping(
        self,
        node: _Node,
        path: str,
        *,
        required: tuple[str, ...] = (),
        allowed: tuple[str, ...] | None = None,
        empty_ok: bool = False,
    ) -> _Map | None:
        """``node`` as a mapping with the keys expected (None, reported, when not a mapping)."""
        if empty_ok and isinstance(node, _Scalar) and node.value is None:
            node = _Map({}, node.line)
        if not isinstance(node, _Map):
            self.report.add(node.line, path, f"must be a mapping, got {_shown(node)}")
            return None
        if allowed is not None:
            expected = ", ".join(allowed)
            for key, entry in node.entries.items():
                if key not in allowed:
                    message = f"unknown key, expected one of: {expected}"
                    self.report.add(entry.key_line, _join(path, key), message)
        for key in required:
            if key not in node.entries:
                self.report.add(node.line, path, f"missing required key {key!r}")
        return node

    def _name(self, value: Any, line: int, path: str) -> str | None:
        try:
            return domain_name(value, path)
        except InvalidInputError as exc:
            for problem in exc.problems:
                self.report.add(line, problem.argument, problem.message)
            return None

    def _settings(
        self, cls: type[Any], node: _Node, path: str, vendor: str, also: tuple[str, ...] = ()
    ) -> Any:
        """An instance of settings class ``cls`` from the mapping ``node`` (None if it fails);
        ``also``: keys taken out before (named when a key is unknown)."""
        fields = attrs.fields(cls)
        names = tuple(f.name for f in fields)
        required = tuple(f.name for f in fields if f.default is attrs.NOTHING)
        before = len(self.report.problems)
        mapping = self._mapping(node, path, required=required, empty_ok=True)
        if mapping is None:
            return None
        allowed = f"expected one of: {', '.join((*names, *also))}" if names or also else ""
        allowed = allowed or f"{vendor} takes none"
        for key, entry in mapping.entries.items():
            if key not in names:
                self.report.add(entry.key_line, _join(path, key), f"unknown key, {allowed}")
        if len(self.report.problems) > before:
            return None
        kwargs = {key: _plain(entry.node) for key, entry in mapping.entries.items()}
        try:
            return cls(**kwargs)
        except InvalidInputError as exc:
            for problem in exc.problems:
                head, _, index = problem.argument.split(".", 1)[0].partition("[")
                found = mapping.entries.get(head)
                line = mapping.line if found is None else found.node.line
                if found is not None and isinstance(found.node, _Seq) and index[:-1].isdigit():
                    items = found.node.items  # a list's problem: the line of its item
                    line = items[int(index[:-1])].line if int(index[:-1]) < len(items) else line
                self.report.add(line, _join(path, problem.argument), problem.message)
        except (TypeError, ValueError) as exc:
            self.report.add(mapping.line, path, f"invalid settings: {exc}")
        return None

    # ----------------------------------------------------------------- sections

    def _version(self, entry: _Entry | None) -> None:
        if entry is None:
            return
        node = entry.node
        value = node.value if isinstance(node, _Scalar) else None
        if not (type(value) is int and value == VERSION):
            self.report.add(node.line, "version", f"must be {VERSION}, got {_shown(node)}")

    def _config_name(self, entry: _Entry | None) -> str | None:
        if entry is None:
            return None
        node = entry.node
        value = node.value if isinstance(node, _Scalar) else None
        if not is_name(value):
            self.report.add(node.line, "name", f"must be {NAME_RULE}, got {_shown(node)}")
            return None
        return value

    def _dns(self, node: _Node) -> tuple[str | None, dict[str, _ZoneSeen]]:
        dns = self._mapping(node, "dns", required=_DNS_KEYS, allowed=_DNS_KEYS)
        if dns is None:
            return None, {}
        declaration = None
        if "vendor" in dns.entries:
            declaration = self._vendor(dns.entries["vendor"].node)
        zones: dict[str, _ZoneSeen] = {}
        entry = dns.entries.get("zones")
        if entry is None:
            return (declaration.name if declaration else None), zones
        mapping = self._mapping(entry.node, "dns.zones")
        if mapping is None:
            return (declaration.name if declaration else None), zones
        if not mapping.entries:
            self.report.add(mapping.line, "dns.zones", "must list at least one zone")
        cls = None if declaration is None else declaration.settings_class(Role.DNS)
        for key, zone_entry in mapping.entries.items():
            path = f"dns.zones.{key}"
            name = self._name(key, zone_entry.key_line, path)
            settings = None
            if cls is not None and declaration is not None:
                settings = self._settings(cls, zone_entry.node, path, declaration.name)
            if name is None:
                continue
            if name in zones:
                first = zones[name].line
                message = f"duplicate zone {name} (first at line {first})"
                self.report.add(zone_entry.key_line, path, message)
                continue
            zones[name] = _ZoneSeen(Zone(name, settings), zone_entry.key_line)
        return (declaration.name if declaration else None), zones

    def _vendor(self, node: _Node) -> Declaration | None:
        hosts = _vendors(Role.DNS)
        expected = f"expected one of: {_names(hosts)}"
        value = node.value if isinstance(node, _Scalar) else None
        if not isinstance(value, str):
            self.report.add(node.line, "dns.vendor", f"must be a vendor name, got {_shown(node)}")
            return None
        declaration = DECLARATIONS.get(value) or DNS_HOSTS.get(value)
        if declaration is None:
            self.report.add(node.line, "dns.vendor", f"unknown vendor {show(value)}, {expected}")
            return None
        if Role.DNS not in declaration.roles:
            message = f"{declaration.name} does not host DNS, {expected}"
            self.report.add(node.line, "dns.vendor", message)
            return None
        return declaration

    def _domains(self, node: _Node, zones: dict[str, _ZoneSeen]) -> tuple[Domain, ...]:
        if not isinstance(node, _Seq):
            self.report.add(node.line, "domains", f"must be a list, got {_shown(node)}")
            return ()
        domains: list[Domain] = []
        seen: dict[str, str] = {}
        for index, item in enumerate(node.items):
            path = f"domains[{index}]"
            name, domain = self._domain(item, path, zones)
            if name is not None and isinstance(item, _Map):
                line = item.entries["domain"].node.line
                if name in seen:
                    message = f"duplicate domain {name} (first at {seen[name]})"
                    self.report.add(line, f"{path}.domain", message)
                    continue
                seen[name] = f"{path}, line {line}"
            if domain is not None:
                domains.append(domain)
        return tuple(domains)

    def _domain(
        self, node: _Node, path: str, zones: dict[str, _ZoneSeen]
    ) -> tuple[str | None, Domain | None]:
        """The domain's normalised name (when valid) and the domain (when all of it is)."""
        item = self._mapping(node, path, required=("domain",))
        if item is None:
            return None, None
        name = None
        if "domain" in item.entries:
            entry = item.entries["domain"]
            name = self._name(_plain(entry.node), entry.node.line, f"{path}.domain")
        zone = self._zone(item, path, name, zones)
        vendors = self._sending_vendors(item, path)
        own = self._dmarc(item.entries.get("dmarc"), f"{path}.dmarc")
        dmarc = self._dmarc_policy(own, f"{path}.dmarc", item.line)
        if name is None or zone is None or vendors is None:
            return name, None
        settings = MappingProxyType({v: s for v, (s, _) in vendors.items()})
        accounts = MappingProxyType({v: a for v, (_, a) in vendors.items() if a is not None})
        return name, Domain(name, zone, settings, dmarc, accounts)

    def _dmarc(self, entry: _Entry | None, path: str) -> _DmarcKeys:
        """A ``dmarc`` key checked: a mapping of DmarcPolicy's arguments, or false."""
        if entry is None:
            return None
        node = entry.node
        if isinstance(node, _Scalar) and node.value is False:
            return False
        if isinstance(node, _Scalar) and node.value is not None:
            message = f"must be a mapping, or false to leave DMARC alone, got {_shown(node)}"
            self.report.add(node.line, path, message)
            return {}
        mapping = self._mapping(node, path, empty_ok=True)
        if mapping is None:
            return {}
        before = len(self.report.problems)
        names = tuple(f.name for f in attrs.fields(DmarcPolicy))
        entries = {}
        for key, item in mapping.entries.items():
            if key not in names:  # reported here, so that the values are checked too
                message = f"unknown key, expected one of: {', '.join(names)}"
                self.report.add(item.key_line, _join(path, key), message)
            elif isinstance(item.node, _Scalar) and item.node.value is None:
                message = "must have a value (leave the key out for the default)"
                self.report.add(item.node.line, _join(path, key), message)
            else:
                entries[key] = item
        checked = _Map(MappingProxyType(entries), mapping.line)
        self._settings(DmarcPolicy, checked, path, "dmarc")
        if len(self.report.problems) > before:
            return {}
        return {key: _plain(item.node) for key, item in entries.items()}

    def _dmarc_policy(self, own: _DmarcKeys, path: str, line: int) -> DmarcPolicy | None:
        """A domain's policy: its own keys over the top-level ones; None when turned off."""
        if own is False or (own is None and self.dmarc is False):
            return None
        keys = {**(self.dmarc or {}), **(own or {})}
        try:
            return DmarcPolicy(**keys)
        except InvalidInputError as exc:  # pragma: no cover - each side was checked alone
            for problem in exc.problems:
                self.report.add(line, _join(path, problem.argument), problem.message)
            return None

    def _zone(
        self, item: _Map, path: str, name: str | None, zones: dict[str, _ZoneSeen]
    ) -> str | None:
        listed = ", ".join(zones) or "none"
        entry = item.entries.get("zone")
        if entry is None:
            if name is None:
                return None
            holding = [z for z in zones if name == z or name.endswith("." + z)]
            if not holding:
                line = item.entries["domain"].node.line
                message = f"{name} is inside no listed zone (dns.zones lists: {listed})"
                self.report.add(line, f"{path}.domain", message)
                return None
            return max(holding, key=len)
        line = entry.node.line
        zone = self._name(_plain(entry.node), line, f"{path}.zone")
        if zone is None:
            return None
        if zone not in zones:
            message = f"zone {zone} is not listed in dns.zones (it lists: {listed})"
            self.report.add(line, f"{path}.zone", message)
            return None
        if name is not None and not (name == zone or name.endswith("." + zone)):
            self.report.add(line, f"{path}.zone", f"{name} is not inside zone {zone}")
            return None
        return zone

    def _account(self, node: _Node, path: str, declaration: Declaration) -> str | None:
        """The account a vendor's ``account`` key names (None, reported, when it is not one)."""
        value = node.value if isinstance(node, _Scalar) else None
        if not is_account(value):
            self.report.add(node.line, path, f"must be {ACCOUNT_RULE}, got {_shown(node)}")
            return None
        if value == own_prefix(declaration):
            message = (
                f"{value} is {declaration.title}'s own prefix: leave {ACCOUNT_KEY} out to use "
                f"{declaration.title}'s own variables"
            )
            self.report.add(node.line, path, message)
            return None
        self.account_uses.setdefault((declaration.name, value), (node.line, path))
        return value

    def _vendor_settings(
        self, node: _Node, path: str, declaration: Declaration
    ) -> tuple[Any, str | None, bool]:
        """A sending vendor's settings, the account its ``account`` key names (None: none
        named), and whether both are valid."""
        account: str | None = None
        ok = True
        if isinstance(node, _Map) and ACCOUNT_KEY in node.entries:
            entry = node.entries[ACCOUNT_KEY]
            key_path = _join(path, ACCOUNT_KEY)
            account = self._account(entry.node, key_path, declaration)
            ok = account is not None
            rest = {k: e for k, e in node.entries.items() if k != ACCOUNT_KEY}
            node = _Map(MappingProxyType(rest), node.line)
        cls = declaration.settings_class(Role.SENDING_DOMAINS)
        settings = self._settings(cls, node, path, declaration.name, also=(ACCOUNT_KEY,))
        return settings, account, ok and settings is not None

    def _sending_vendors(self, item: _Map, path: str) -> dict[str, tuple[Any, str | None]] | None:
        senders = _vendors(Role.SENDING_DOMAINS)
        expected = f"expected {', '.join(_DOMAIN_KEYS)} or a sending vendor: {_names(senders)}"
        vendors: dict[str, tuple[Any, str | None]] = {}
        ok = True
        keys = [key for key in item.entries if key not in _DOMAIN_KEYS]
        if not keys:
            message = f"names no sending vendor, add one of: {_names(senders)}"
            self.report.add(item.line, path, message)
            return None
        for key in keys:
            entry = item.entries[key]
            key_path = _join(path, key)
            declaration = DECLARATIONS.get(key)
            if declaration is None:
                self.report.add(entry.key_line, key_path, f"unknown key, {expected}")
                ok = False
                continue
            if Role.SENDING_DOMAINS not in declaration.roles:
                message = f"{declaration.name} does not send mail for domains, {expected}"
                self.report.add(entry.key_line, key_path, message)
                ok = False
                continue
            settings, account, valid = self._vendor_settings(entry.node, key_path, declaration)
            ok = ok and valid
            vendors[declaration.name] = (settings, account)
        return vendors if ok else None
