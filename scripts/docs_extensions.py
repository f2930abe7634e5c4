"""Show the specs' vendor extensions on the API reference pages.

The OpenAPI renderer (neoteroi-mkdocs's OAD plugin) renders the standard parts of a spec but
not its ``x-`` extensions, and those carry what a reader must know: ``x-source`` (the vendor
pages an operation comes from), ``x-unconfirmed`` (where the docs disagree or say nothing:
the question, the choice the spec made, and its sources) and ``x-published-example`` (a
vendor example kept verbatim although it does not fit the schema).

As a MkDocs hook (``hooks:`` in ``mkdocs.yml``), on every page with ``[OAD(<spec>)]``, after
the renderer has run, it

- gives each operation's heading its ``operationId`` as a stable anchor
  (``reference/tesouro.md#createMailboxDomain``);
- makes the table cells the renderer fills with spec prose safe as HTML (code spans,
  placeholders such as `<token>`);
- puts the operation's sources, open questions and verbatim published examples under its
  heading (its parameters, request body and responses included);
- appends a "Sources and open questions" section with everything else: the spec's own
  sources and questions, those of components (schemas and their fields, parameters, security
  schemes), and an index of the operations.

An operation of the spec that the rendered page does not show fails the build.

As a script it prints that Markdown for one spec::

    python scripts/docs_extensions.py specs/tesouro.yaml
"""

from __future__ import annotations

import html
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
SECTION_TITLE = "Sources and open questions"
_OAD = re.compile(r"\[OAD\(([^\)]+)\)\]")
# How the renderer writes an operation heading: ### <span class="http-get">GET</span> /path
_HEADING = re.compile(r'^### <span class="http-(?P<method>[a-z]+)">[A-Z]+</span> (?P<path>.+?)\s*$')


class ExtensionError(Exception):
    """The rendered page and the spec disagree (an operation is missing from the page)."""


@dataclass
class Notes:
    """The extensions found under one place of a spec."""

    sources: list[str] = field(default_factory=list)
    unconfirmed: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    published: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.sources or self.unconfirmed or self.published)

    def add_sources(self, urls: Any) -> None:
        for url in urls if isinstance(urls, list) else [urls]:
            if isinstance(url, str) and url not in self.sources:
                self.sources.append(url)

    def add_unconfirmed(self, where: str, notes: Any) -> None:
        for note in notes if isinstance(notes, list) else [notes]:
            if isinstance(note, dict) and (where, note) not in self.unconfirmed:
                self.unconfirmed.append((where, note))


@dataclass
class Operation:
    operation_id: str
    method: str
    path: str
    summary: str
    notes: Notes


def load(spec: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(spec.read_text())
    return data


# --- collecting ------------------------------------------------------------------------------
def _collect(node: Any, where: str, notes: Notes, spec: dict[str, Any], *, follow: bool) -> None:
    """Gather the extensions under ``node``; ``where`` says where it sits, for the reader.

    With ``follow``, a ``$ref`` to a parameter, response, request body or header is followed
    (their notes belong to the operation); schemas are not (they have their own section).
    """
    if isinstance(node, list):
        for item in node:
            _collect(item, where, notes, spec, follow=follow)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if follow and isinstance(ref, str) and not ref.startswith("#/components/schemas/"):
        _collect(_resolve(spec, ref), where, notes, spec, follow=follow)
    if "x-source" in node:
        notes.add_sources(node["x-source"])
    if "x-unconfirmed" in node:
        notes.add_unconfirmed(where, node["x-unconfirmed"])
    if isinstance(node.get("x-published-example"), dict):
        notes.published.append((where, node["x-published-example"]))
    for key, value in node.items():
        if key.startswith("x-") or key in ("schema", "$ref"):
            continue
        _collect(value, where, notes, spec, follow=follow)


def _resolve(spec: dict[str, Any], ref: str) -> Any:
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _parameter_label(param: dict[str, Any], spec: dict[str, Any]) -> str:
    if "$ref" in param:
        param = _resolve(spec, param["$ref"])
    return f"{param.get('in', '?')} parameter `{param.get('name', '?')}`"


def operations(spec: dict[str, Any]) -> list[Operation]:
    """Every operation, in the spec's order, with the notes of its own subtree."""
    found: list[Operation] = []
    for path, item in (spec.get("paths") or {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            notes = Notes()
            notes.add_sources(op.get("x-source", []))
            notes.add_unconfirmed("the operation", op.get("x-unconfirmed", []))
            for param in [*shared, *op.get("parameters", [])]:
                _collect(param, _parameter_label(param, spec), notes, spec, follow=True)
            if "requestBody" in op:
                _collect(op["requestBody"], "the request body", notes, spec, follow=True)
            for status, response in (op.get("responses") or {}).items():
                _collect(response, f"response {status}", notes, spec, follow=True)
            found.append(
                Operation(
                    operation_id=op.get("operationId", f"{method}-{path}"),
                    method=method,
                    path=path,
                    summary=op.get("summary", ""),
                    notes=notes,
                )
            )
    return found


def spec_notes(spec: dict[str, Any]) -> Notes:
    """The spec's own notes: ``info`` and the top level."""
    notes = Notes()
    info = spec.get("info", {})
    notes.add_sources(info.get("x-source", []))
    notes.add_unconfirmed("the API", info.get("x-unconfirmed", []))
    notes.add_sources(spec.get("x-source", []))
    notes.add_unconfirmed("the API", spec.get("x-unconfirmed", []))
    return notes


def component_notes(spec: dict[str, Any]) -> Iterator[tuple[str, str, Notes]]:
    """(kind, name, notes) for each component that carries extensions."""
    components = spec.get("components") or {}
    for kind in ("securitySchemes", "parameters", "headers", "requestBodies", "responses"):
        for name, node in (components.get(kind) or {}).items():
            notes = Notes()
            _collect(node, f"`{name}`", notes, spec, follow=False)
            if notes:
                yield kind, name, notes
    for name, schema in (components.get("schemas") or {}).items():
        notes = Notes()
        _collect_schema(schema, name, notes)
        if notes:
            yield "schemas", name, notes


def _collect_schema(schema: Any, where: str, notes: Notes) -> None:
    """A schema's notes, each labelled with the field it is on (``DomainRequest.domain``)."""
    if not isinstance(schema, dict):
        return
    notes.add_sources(schema.get("x-source", []))
    notes.add_unconfirmed(f"`{where}`", schema.get("x-unconfirmed", []))
    for name, sub in (schema.get("properties") or {}).items():
        _collect_schema(sub, f"{where}.{name}", notes)
    for key in ("items", "additionalProperties", "not"):
        _collect_schema(schema.get(key), f"{where}[]" if key == "items" else where, notes)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key) or []:
            _collect_schema(sub, where, notes)


# --- rendering -------------------------------------------------------------------------------
_CODE_SPAN = re.compile(r"(`[^`]*`)")


def text(value: Any) -> str:
    """Spec prose as Markdown: ``<`` and ``>`` outside code spans are escaped."""
    parts = _CODE_SPAN.split(" ".join(str(value).split()))
    return "".join(
        part if part.startswith("`") else part.replace("<", "&lt;").replace(">", "&gt;")
        for part in parts
    )


def link(url: str) -> str:
    parts = urlsplit(url)
    label = (parts.netloc + parts.path).rstrip("/")
    if parts.query:
        label += "?" + parts.query
    if parts.fragment:
        label += "#" + parts.fragment
    return f"[{label}]({url})"


def _indent(block: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line.strip() else "" for line in block.splitlines())


def render_notes(notes: Notes) -> str:
    """Admonitions: the sources, each open question, each verbatim published example."""
    out: list[str] = []
    if notes.sources:
        items = "\n".join(f"- {link(url)}" for url in notes.sources)
        out.append('!!! info "Sources (x-source)"\n' + _indent(items))
    if notes.unconfirmed:
        body: list[str] = []
        for where, note in notes.unconfirmed:
            lines = [f"**{text(note.get('question', '(no question)'))}**", ""]
            if where != "the operation":
                lines[0] = f"*On {where}:* " + lines[0]
            lines.append(f"*Choice:* {text(note.get('choice', '(none recorded)'))}")
            sources = note.get("sources") or []
            if sources:
                lines += ["", "*Sources:* " + " · ".join(link(u) for u in sources)]
            body.append("\n".join(lines))
        title = f"Unconfirmed (x-unconfirmed): {len(notes.unconfirmed)}"
        out.append(f'??? warning "{title}"\n' + _indent("\n\n---\n\n".join(body)))
    for where, example in notes.published:
        lines = []
        if example.get("note"):
            lines.append(text(example["note"]))
        if example.get("source"):
            lines += ["", f"*Source:* {link(example['source'])}"]
        value = json.dumps(example.get("value"), indent=2, ensure_ascii=False)
        lines += ["", "```json", value, "```"]
        title = f"Published example of {where}, verbatim (x-published-example)"
        out.append(f'??? example "{title}"\n' + _indent("\n".join(lines)))
    return "\n\n".join(out)


def render_section(spec: dict[str, Any], ops: list[Operation] | None = None) -> str:
    """The "Sources and open questions" section of one spec's page."""
    ops = operations(spec) if ops is None else ops
    out = [
        f"## {SECTION_TITLE} {{ #sources-and-open-questions }}",
        "",
        "What the spec records beside the API itself: the vendor pages each part comes from"
        " (`x-source`), and where the vendor docs disagree or say nothing, the question, the"
        " choice this spec made and its sources (`x-unconfirmed`). The notes of each operation"
        " are also shown under its heading above.",
        "",
        "### This API",
        "",
        render_notes(spec_notes(spec)) or "No notes.",
        "",
        "### Operations",
        "",
        "| Operation | Method and path | Sources | Unconfirmed |",
        "| --- | --- | --- | --- |",
    ]
    for op in ops:
        out.append(
            f"| [{op.operation_id}](#{op.operation_id}) | `{op.method.upper()} {op.path}` |"
            f" {len(op.notes.sources)} | {len(op.notes.unconfirmed)} |"
        )
    out.append("")
    components = list(component_notes(spec))
    if components:
        out += ["### Components", ""]
        for kind, name, notes in components:
            out += [f"#### {kind}: `{name}`", "", render_notes(notes), ""]
    return "\n".join(out).rstrip() + "\n"


_CELL = re.compile(r"<td>(.*?)</td>", re.S)
_HTML_TAGS = "a|span|code|em|strong|b|i|br|p|ul|ol|li|sub|sup|div|pre"
_NOT_A_TAG = re.compile(rf"<(?!/?(?:{_HTML_TAGS})\b)")


def _cell(match: re.Match[str]) -> str:
    """A table cell the renderer filled with spec prose, made safe as HTML.

    Markdown is not read inside HTML table cells: a code span would show its backticks, and a
    placeholder such as ``Bearer <token>`` would vanish as an unknown tag.
    """
    parts = _CODE_SPAN.split(match.group(1))
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"<code>{html.escape(part[1:-1], quote=False)}</code>")
        else:
            out.append(_NOT_A_TAG.sub("&lt;", part))
    return "<td>" + "".join(out) + "</td>"


def inject(markdown: str, spec: dict[str, Any], *, source: str = "the spec") -> str:
    """Anchor and annotate each operation of ``spec`` in the rendered ``markdown``."""
    markdown = _CELL.sub(_cell, markdown)
    ops = operations(spec)
    by_route = {(op.method, op.path): op for op in ops}
    seen: set[str] = set()
    lines = markdown.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        match = _HEADING.match(line)
        if not match:
            out.append(line)
            i += 1
            continue
        # The renderer marks path parameters up; compare on the plain path.
        path = re.sub(r"<[^>]+>", "", match["path"])
        op = by_route.get((match["method"], path))
        if op is None:
            out.append(line)
            i += 1
            continue
        seen.add(op.operation_id)
        out.append(f"{line} {{ #{op.operation_id} }}")
        i += 1
        # Keep the summary line that follows the heading, then add the notes.
        if i < len(lines) and lines[i].strip() and not lines[i].startswith(("?", "!", "<")):
            out.append(lines[i])
            i += 1
        out += ["", f"`operationId`: `{op.operation_id}`", ""]
        if op.notes:
            out += [render_notes(op.notes), ""]
    missing = [op.operation_id for op in ops if op.operation_id not in seen]
    if missing:
        raise ExtensionError(
            f"{source}: the rendered page has no heading for {', '.join(missing)}"
            " (has the renderer's heading format changed?)"
        )
    return "\n".join(out) + "\n\n" + render_section(spec, ops)


# --- the MkDocs hook --------------------------------------------------------------------------
def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Runs after the OAD plugin (MkDocs runs hooks after plugins) on the page's Markdown."""
    source = Path(page.file.abs_src_path)
    match = _OAD.search(source.read_text())
    if match is None:
        return markdown
    from mkdocs.exceptions import PluginError

    if _OAD.search(markdown):
        raise PluginError(f"{page.file.src_path}: [OAD(...)] was not rendered; is the plugin on?")
    spec_path = source.parent / match.group(1).strip("'\"")
    try:
        return inject(markdown, load(spec_path), source=page.file.src_path)
    except (ExtensionError, OSError, yaml.YAMLError) as exc:
        raise PluginError(f"{page.file.src_path}: {exc}") from exc


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    spec = load(Path(argv[0]))
    sys.stdout.write(render_section(spec))
    for op in operations(spec):
        sys.stdout.write(f"\n### {op.operation_id}: {op.method.upper()} {op.path}\n\n")
        sys.stdout.write((render_notes(op.notes) or "No notes.") + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
