"""What changed in each OpenAPI spec since a git ref, with breaking changes flagged.

    python scripts/spec_diff.py --base origin/main specs/*.yaml   # each spec against the ref
    python scripts/spec_diff.py OLD.yaml NEW.yaml                 # two files

Exit status: 0 when nothing breaks, 1 when a change is breaking, 2 on a usage error.

Each change is one line, with a level:

- ``BREAKING``: an operation removed (or its ``operationId``, the generated function's name,
  changed); a request parameter or field removed; a new required parameter, field or body;
  one that became required; a request type narrowed (fewer types or enum values, a tighter
  ``maxLength``/``minimum``/..., a new ``pattern``, ``additionalProperties: false``); a response
  field removed or no longer required; a response type widened (a type the client has not seen,
  e.g. ``null``); a success status or a media type removed.
- ``warning``: may break some clients: a response enum gained a value, a request ``pattern``
  changed, a server URL removed.
- ``change``: anything else the comparison looks at (operations, parameters, fields and
  statuses added).

Schemas are compared after resolving ``$ref`` (a recursive schema is compared once). Paths
are matched with their parameter names ignored, so renaming ``{id}`` is not a removal.

Why a script: no maintained breaking-change tool installs and runs offline here. ``oasdiff``
is a Go binary; ``@pb33f/openapi-changes`` downloads its Go binary from GitHub in a
postinstall step; Atlassian's ``openapi-diff`` does not read OpenAPI 3.1; Optic
(``@useoptic/optic``) is archived.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
BREAKING, WARNING, CHANGE = "BREAKING", "warning", "change"
_LEVEL_ORDER = {BREAKING: 0, WARNING: 1, CHANGE: 2}
# Constraints whose larger value narrows what is accepted, and those whose smaller value does.
_LOWER_BOUNDS = ("minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum")
_UPPER_BOUNDS = ("maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum")
_MAX_DEPTH = 40


@dataclass(frozen=True, order=True)
class Change:
    level: str
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.level:<8}  {self.where}: {self.what}"


# --- loading -----------------------------------------------------------------------------------
# libyaml's safe loader where PyYAML is built with it: the same documents as the pure-Python
# one, ten times faster (a spec's every committed version may be read).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_text(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    data = yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)
    return data if isinstance(data, dict) else {}


def git_show(base: str, path: Path) -> str | None:
    """The file at ``base``, or None when it did not exist there."""
    rel = path.resolve().relative_to(_git_root())
    out = subprocess.run(
        ["git", "show", f"{base}:{rel.as_posix()}"], capture_output=True, text=True, check=False
    )
    return out.stdout if out.returncode == 0 else None


def _git_root() -> Path:
    out = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True
    )
    return Path(out.stdout.strip()).resolve()


def is_commit(base: str) -> bool:
    out = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.returncode == 0


# --- schemas -----------------------------------------------------------------------------------
class Resolver:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def ref(self, node: Any) -> tuple[Any, str | None]:
        """Follow ``$ref`` chains; returns the target and the last ref followed."""
        seen: set[str] = set()
        last = None
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                break
            seen.add(ref)
            last = ref
            target: Any = self.spec
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, dict) else None
            node = target if target is not None else {}
        return node, last


def _types(schema: dict[str, Any], res: Resolver, depth: int = 0) -> set[str] | None:
    """The JSON types a schema allows; None means any."""
    if depth > _MAX_DEPTH:
        return None
    schema, _ = res.ref(schema)
    if not isinstance(schema, dict):
        return None
    found: set[str] | None = None
    if "type" in schema:
        t = schema["type"]
        found = set(t) if isinstance(t, list) else {t}
        if schema.get("nullable") is True:
            found.add("null")
    elif "const" in schema or "enum" in schema:
        values = [schema["const"]] if "const" in schema else schema["enum"]
        found = {_json_type(v) for v in values}
    elif "properties" in schema:
        found = {"object"}
    elif "items" in schema:
        found = {"array"}
    for key in ("anyOf", "oneOf"):
        if key in schema:
            union: set[str] = set()
            for sub in schema[key]:
                sub_types = _types(sub, res, depth + 1)
                if sub_types is None:
                    return None if found is None else found
                union |= sub_types
            # `type` beside anyOf/oneOf: both apply, so only what both allow (if anything).
            found = union if found is None else (found & union) or found
    if found is not None and "number" in found:
        found.add("integer")
    return found


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _properties(schema: dict[str, Any], res: Resolver) -> tuple[dict[str, Any], set[str]]:
    """Properties and required names, allOf merged in."""
    props: dict[str, Any] = dict(schema.get("properties") or {})
    required = set(schema.get("required") or [])
    for sub in schema.get("allOf") or []:
        sub, _ = res.ref(sub)
        if isinstance(sub, dict):
            sub_props, sub_required = _properties(sub, res)
            props.update(sub_props)
            required |= sub_required
    return props, required


def _fmt_types(types: set[str] | None) -> str:
    if types is None:
        return "any"
    return "|".join(sorted(types - {"integer"} if "number" in types else types))


@dataclass
class SchemaDiff:
    old: Resolver
    new: Resolver
    where: str
    request: bool  # True: the client sends it; False: the client receives it

    def run(self, old: Any, new: Any) -> list[Change]:
        self._out: list[Change] = []
        self._walk(old, new, "", 0, frozenset())
        return self._out

    def _add(self, level: str, field: str, what: str) -> None:
        where = f"{self.where} {field}".rstrip() if field else self.where
        self._out.append(Change(level, where, what))

    def _walk(
        self, old: Any, new: Any, field: str, depth: int, stack: frozenset[tuple[Any, Any]]
    ) -> None:
        if depth > _MAX_DEPTH:
            return
        old, old_ref = self.old.ref(old)
        new, new_ref = self.new.ref(new)
        if old_ref or new_ref:
            # A schema that contains itself is compared once on each branch.
            if (old_ref, new_ref) in stack:
                return
            stack = stack | {(old_ref, new_ref)}
        if not isinstance(old, dict) or not isinstance(new, dict):
            return
        self._compare_types(old, new, field)
        self._compare_enum(old, new, field)
        if self.request:
            self._compare_constraints(old, new, field)
        self._compare_properties(old, new, field, depth, stack)
        if "items" in old and "items" in new:
            self._walk(old["items"], new["items"], f"{field}[]", depth + 1, stack)
        for key in ("anyOf", "oneOf"):
            old_subs, new_subs = old.get(key) or [], new.get(key) or []
            if old_subs and len(old_subs) == len(new_subs):
                for a, b in zip(old_subs, new_subs, strict=True):
                    self._walk(a, b, field, depth + 1, stack)

    def _compare_types(self, old: dict[str, Any], new: dict[str, Any], field: str) -> None:
        before, after = _types(old, self.old), _types(new, self.new)
        if before == after:
            return
        text = f"type {_fmt_types(before)} -> {_fmt_types(after)}"
        if self.request:
            narrowed = after is not None and (before is None or not before <= after)
            self._add(BREAKING if narrowed else CHANGE, field, text + (" (narrowed)" * narrowed))
        else:
            widened = before is not None and (after is None or not after <= before)
            self._add(BREAKING if widened else CHANGE, field, text + (" (widened)" * widened))

    def _compare_enum(self, old: dict[str, Any], new: dict[str, Any], field: str) -> None:
        before = _enum(old)
        after = _enum(new)
        if before == after:
            return
        if self.request:
            if after is not None and (before is None or not set(before) <= set(after)):
                gone = sorted(map(str, set(before or []) - set(after))) or ["(any value)"]
                self._add(BREAKING, field, f"accepts fewer values: {', '.join(gone)} removed")
            else:
                self._add(CHANGE, field, "accepts more values")
        elif before is not None and (after is None or not set(after) <= set(before)):
            added = sorted(map(str, set(after or []) - set(before))) or ["(any value)"]
            self._add(WARNING, field, f"may answer new values: {', '.join(added)}")
        else:
            self._add(CHANGE, field, "answers fewer values")

    def _compare_constraints(self, old: dict[str, Any], new: dict[str, Any], field: str) -> None:
        for key in _LOWER_BOUNDS + _UPPER_BOUNDS:
            a, b = old.get(key), new.get(key)
            if a == b or isinstance(a, bool) or isinstance(b, bool):
                continue
            if b is None:
                self._add(CHANGE, field, f"{key} {a} removed")
                continue
            tighter = a is None or (b > a if key in _LOWER_BOUNDS else b < a)
            level = BREAKING if tighter else CHANGE
            self._add(level, field, f"{key} {a} -> {b}" + (" (narrowed)" if tighter else ""))
        if old.get("pattern") != new.get("pattern"):
            if "pattern" not in new:
                self._add(CHANGE, field, "pattern removed")
            elif "pattern" not in old:
                self._add(BREAKING, field, f"pattern {new['pattern']!r} added (narrowed)")
            else:
                self._add(WARNING, field, f"pattern {old['pattern']!r} -> {new['pattern']!r}")
        if old.get("format") != new.get("format") and "format" in new:
            self._add(WARNING, field, f"format {old.get('format')} -> {new['format']}")
        if (
            old.get("additionalProperties") is not False
            and new.get("additionalProperties") is False
        ):
            self._add(BREAKING, field, "additionalProperties is now false (narrowed)")

    def _compare_properties(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        field: str,
        depth: int,
        stack: frozenset[tuple[Any, Any]],
    ) -> None:
        old_props, old_req = _properties(old, self.old)
        new_props, new_req = _properties(new, self.new)
        prefix = f"{field}." if field else ""
        for name in old_props:
            if name not in new_props:
                self._add(BREAKING, f"{prefix}{name}", "field removed")
        for name in new_props:
            if name not in old_props:
                if self.request and name in new_req:
                    self._add(BREAKING, f"{prefix}{name}", "new required field")
                else:
                    self._add(CHANGE, f"{prefix}{name}", "field added")
        for name in old_props.keys() & new_props.keys():
            if self.request and name in new_req and name not in old_req:
                self._add(BREAKING, f"{prefix}{name}", "field became required")
            elif not self.request and name in old_req and name not in new_req:
                self._add(BREAKING, f"{prefix}{name}", "field no longer required (may be absent)")
            elif name in old_req and name not in new_req:
                self._add(CHANGE, f"{prefix}{name}", "field became optional")
            elif name in new_req and name not in old_req:
                self._add(CHANGE, f"{prefix}{name}", "field became required")
        for name in sorted(old_props.keys() & new_props.keys()):
            self._walk(old_props[name], new_props[name], f"{prefix}{name}", depth + 1, stack)


def _enum(schema: dict[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    enum = schema.get("enum")
    return list(enum) if isinstance(enum, list) else None


# --- operations --------------------------------------------------------------------------------
def _route(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _operations(spec: dict[str, Any]) -> dict[tuple[str, str], tuple[str, dict[str, Any], list]]:
    """(METHOD, path with params blanked) -> (path, operation, path-level parameters)."""
    ops = {}
    for path, item in (spec.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            if isinstance(item.get(method), dict):
                ops[(method.upper(), _route(path))] = (
                    path,
                    item[method],
                    item.get("parameters") or [],
                )
    return ops


def _params(
    path: str, op: dict[str, Any], shared: list[Any], res: Resolver
) -> dict[tuple[str, str], dict[str, Any]]:
    """(in, name) -> parameter; path parameters go by their place in the path, not their name."""
    places = {name: f"#{i + 1}" for i, name in enumerate(re.findall(r"\{([^}]*)\}", path))}
    params: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*shared, *(op.get("parameters") or [])]:
        param, _ = res.ref(raw)
        if isinstance(param, dict) and "name" in param:
            name = param["name"]
            if param.get("in") == "path":
                name = places.get(name, name)
            params[(param.get("in", "?"), name)] = param
    return params


def _param_label(key: tuple[str, str], param: dict[str, Any]) -> str:
    return f"{key[0]} parameter {param.get('name', key[1])}"


def _media(node: Any, res: Resolver) -> dict[str, Any]:
    node, _ = res.ref(node)
    return dict((node or {}).get("content") or {}) if isinstance(node, dict) else {}


def diff_specs(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[Change]:
    """Every change from ``old`` to ``new`` (either may be None: the spec is new or gone)."""
    if old is None and new is None:
        return []
    if old is None:
        return [Change(CHANGE, "spec", "new spec")]
    if new is None:
        return [Change(BREAKING, "spec", "spec removed")]
    ro, rn = Resolver(old), Resolver(new)
    out: list[Change] = []
    old_servers = {s.get("url") for s in old.get("servers") or [] if isinstance(s, dict)}
    new_servers = {s.get("url") for s in new.get("servers") or [] if isinstance(s, dict)}
    for url in sorted(filter(None, old_servers - new_servers)):
        out.append(Change(WARNING, "servers", f"server {url} removed"))
    old_ops, new_ops = _operations(old), _operations(new)
    for key in old_ops.keys() - new_ops.keys():
        out.append(Change(BREAKING, f"{key[0]} {old_ops[key][0]}", "operation removed"))
    for key in new_ops.keys() - old_ops.keys():
        out.append(Change(CHANGE, f"{key[0]} {new_ops[key][0]}", "operation added"))
    for key in old_ops.keys() & new_ops.keys():
        out += _diff_operation(key[0], old_ops[key], new_ops[key], ro, rn)
    return sorted(set(out), key=lambda c: (_LEVEL_ORDER[c.level], c.where, c.what))


def _diff_operation(
    method: str,
    old: tuple[str, dict[str, Any], list],
    new: tuple[str, dict[str, Any], list],
    ro: Resolver,
    rn: Resolver,
) -> Iterator[Change]:
    where = f"{method} {new[0]}"
    (_, a, a_shared), (_, b, b_shared) = old, new
    if a.get("operationId") != b.get("operationId"):
        yield Change(
            BREAKING,
            where,
            f"operationId {a.get('operationId')} -> {b.get('operationId')}"
            " (the generated function is renamed)",
        )
    # parameters
    pa, pb = _params(old[0], a, a_shared, ro), _params(new[0], b, b_shared, rn)
    for key in pa.keys() - pb.keys():
        yield Change(BREAKING, where, f"{_param_label(key, pa[key])} removed")
    for key in pb.keys() - pa.keys():
        required = bool(pb[key].get("required"))
        label = _param_label(key, pb[key])
        yield Change(
            BREAKING if required else CHANGE, where, f"new {'required ' * required}{label}"
        )
    for key in pa.keys() & pb.keys():
        label = _param_label(key, pb[key])
        if pb[key].get("required") and not pa[key].get("required"):
            yield Change(BREAKING, where, f"{label} became required")
        sd = SchemaDiff(ro, rn, f"{where} {label}", request=True)
        yield from sd.run(pa[key].get("schema") or {}, pb[key].get("schema") or {})
    # request body
    body_a, _ = ro.ref(a.get("requestBody"))
    body_b, _ = rn.ref(b.get("requestBody"))
    if body_a is None and isinstance(body_b, dict):
        required = bool(body_b.get("required"))
        yield Change(BREAKING if required else CHANGE, where, "request body added")
    elif isinstance(body_a, dict) and body_b is None:
        yield Change(BREAKING, where, "request body removed")
    elif isinstance(body_a, dict) and isinstance(body_b, dict):
        if body_b.get("required") and not body_a.get("required"):
            yield Change(BREAKING, where, "request body became required")
        ma, mb = _media(body_a, ro), _media(body_b, rn)
        for mt in ma.keys() - mb.keys():
            yield Change(BREAKING, where, f"request media type {mt} removed")
        for mt in mb.keys() - ma.keys():
            yield Change(CHANGE, where, f"request media type {mt} added")
        for mt in sorted(ma.keys() & mb.keys()):
            sd = SchemaDiff(ro, rn, f"{where} request ({mt})", request=True)
            yield from sd.run(ma[mt].get("schema") or {}, mb[mt].get("schema") or {})
    # responses
    ra, rb = a.get("responses") or {}, b.get("responses") or {}
    for status in ra.keys() - rb.keys():
        success = str(status).startswith("2")
        level = BREAKING if success else CHANGE
        yield Change(level, where, f"response {status} removed")
    for status in rb.keys() - ra.keys():
        yield Change(CHANGE, where, f"response {status} added")
    for status in sorted(ra.keys() & rb.keys(), key=str):
        ma, mb = _media(ra[status], ro), _media(rb[status], rn)
        for mt in ma.keys() - mb.keys():
            yield Change(BREAKING, where, f"response {status} media type {mt} removed")
        for mt in mb.keys() - ma.keys():
            yield Change(CHANGE, where, f"response {status} media type {mt} added")
        for mt in sorted(ma.keys() & mb.keys()):
            sd = SchemaDiff(ro, rn, f"{where} response {status} ({mt})", request=False)
            yield from sd.run(ma[mt].get("schema") or {}, mb[mt].get("schema") or {})


# --- the changelog ------------------------------------------------------------------------------
CHANGELOG_BEGIN = "<!-- spec-diff:begin -->"
CHANGELOG_END = "<!-- spec-diff:end -->"
_HEADINGS = {BREAKING: "Breaking", WARNING: "May break some clients", CHANGE: "Added and changed"}


def _entry_markers(spec: str) -> tuple[str, str]:
    return f"<!-- spec-diff:{spec} -->", f"<!-- /spec-diff:{spec} -->"


def changelog_entry(spec: str, path: str, version: str | None, changes: list[Change]) -> str:
    """One spec's draft entry, in Markdown: breaking changes first, each change one item."""
    begin, end = _entry_markers(spec)
    shown = f", version {version}" if version else ""
    lines = [begin, f"### {spec} (`{path}`{shown})", ""]
    for level in (BREAKING, WARNING, CHANGE):
        items = [c for c in changes if c.level == level]
        if items:
            lines += [f"{_HEADINGS[level]}:", ""]
            lines += [f"- `{c.where}`: {c.what}" for c in items]
            lines.append("")
    lines.append(end)
    return "\n".join(lines)


def update_changelog(text: str, entries: dict[str, str]) -> str:
    """``text`` (a CHANGELOG.md) with each spec's entry put in the drafted block, replacing
    that spec's earlier draft; the entries of specs not in ``entries`` stay as they are."""
    if CHANGELOG_BEGIN not in text or CHANGELOG_END not in text:
        raise ValueError(f"no {CHANGELOG_BEGIN} ... {CHANGELOG_END} block to draft into")
    head, rest = text.split(CHANGELOG_BEGIN, 1)
    block, tail = rest.split(CHANGELOG_END, 1)
    kept: dict[str, str] = {}
    for found in re.finditer(r"<!-- spec-diff:([\w.-]+) -->.*?<!-- /spec-diff:\1 -->", block, re.S):
        kept[found[1]] = found[0]
    kept.update(entries)
    inner = "\n\n".join(kept[spec] for spec in sorted(kept))
    return f"{head}{CHANGELOG_BEGIN}\n{inner + chr(10) if inner else ''}{CHANGELOG_END}{tail}"


# --- command line ------------------------------------------------------------------------------
def report(name: str, changes: list[Change]) -> str:
    lines = [f"{name}:"]
    lines += [f"  {c}" for c in changes] or ["  no changes"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="spec_diff.py",
        description="List the changes in OpenAPI specs and flag the breaking ones.",
    )
    parser.add_argument("--base", help="git ref to compare each spec against")
    parser.add_argument("specs", nargs="+", type=Path, help="specs (with --base) or OLD NEW")
    parser.add_argument(
        "--changelog",
        type=Path,
        help="draft an entry for each changed spec into this CHANGELOG.md (with --base)",
    )
    parser.add_argument(
        "--intended",
        action="store_true",
        help="a breaking change is meant: list it, exit 0 (a pull request labelled so)",
    )
    args = parser.parse_args(argv)
    if args.changelog and not args.base:
        parser.error("--changelog needs --base")
    compared: list[tuple[str, list[Change]]] = []  # (what was compared, its changes)
    entries: dict[str, str] = {}
    if args.base:
        if not is_commit(args.base):
            parser.error(f"--base {args.base!r} is not a git commit, branch or tag")
        for path in args.specs:
            old = load_text(git_show(args.base, path))
            new = load_text(path.read_text()) if path.exists() else None
            changes = diff_specs(old, new)
            compared.append((f"{path} (against {args.base})", changes))
            if args.changelog and changes:
                version = (new or old or {}).get("info", {}).get("version")
                entries[path.stem] = changelog_entry(path.stem, path.as_posix(), version, changes)
    else:
        if len(args.specs) != 2:
            parser.error("give two files (OLD NEW), or --base REF and the specs")
        old_path, new_path = args.specs
        old, new = load_text(old_path.read_text()), load_text(new_path.read_text())
        compared.append((f"{old_path} -> {new_path}", diff_specs(old, new)))
    breaking = 0
    for name, changes in compared:
        breaking += sum(c.level == BREAKING for c in changes)
        print(report(name, changes))
    if args.changelog:
        try:
            text = update_changelog(args.changelog.read_text(), entries)
        except (OSError, ValueError) as error:
            print(f"error: {args.changelog}: {error}", file=sys.stderr)
            return 2
        args.changelog.write_text(text)
        drafted = ", ".join(sorted(entries)) or "no spec changed"
        print(f"{args.changelog}: drafted {drafted}")
    if breaking and args.intended:
        print(f"{breaking} breaking change(s), intended")
        return 0
    print(f"{breaking} breaking change(s)" if breaking else "no breaking changes")
    return 1 if breaking else 0


if __name__ == "__main__":
    sys.exit(main())
