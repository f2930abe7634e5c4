"""A vendor is a place: no shared module of maildns names a vendor.

Everything about a vendor lives in its package (``src/maildns/vendors/<name>/``) and its sandbox
fake (``src/maildns/sandbox/_<name>.py``); every other module reads the vendor's declaration
(``docs/dev/adding-a-vendor.md``). This test reads each shared module's string literals
(docstrings aside: they may use a vendor as an example) and fails on any that names a declared
vendor, whatever the case. The layers themselves are import-linter's contracts (``make lint``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from maildns.vendors import VENDORS

SRC = Path(__file__).resolve().parent.parent / "src" / "maildns"

# Shared modules allowed to name a vendor, each with why, and the one literal each may hold.
ALLOWED: dict[str, tuple[str, str]] = {
    # The public namespace's names of each vendor's clients and settings, for type checkers:
    # static typing needs them written out. scripts/twins.py writes them from the declarations
    # (a new vendor edits nothing here); tests/test_facade_api.py checks them.
    "__init__.py": (r"^(Async)?(Tesouro|TelecomX|Ciirus)(Settings|ZoneSettings)?$", "exports"),
    # The sandbox's public helpers for the one DNS host it fakes: publish_dns goes into its
    # zones, and the seeded TelecomX account's ids have names of their own.
    "sandbox/__init__.py": (
        r"^telecomx$|^TELECOMX_(CUSTOMER|PRODUCT)_ID$|^TELECOMX_$|^telecomx_(customer|product)_id$"
        r"|^TelecomX would refuse one of these records: $",
        "DNS host",
    ),
}


def _vendor_words() -> re.Pattern[str]:
    names = sorted({word for d in VENDORS.values() for word in (d.name, d.title)})
    return re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE)


def _own(path: Path) -> bool:
    """Whether ``path`` is a vendor's own module: its package, or its sandbox fake."""
    rel = path.relative_to(SRC)
    if rel.parts[0] == "vendors" and len(rel.parts) > 2 and rel.parts[1] in VENDORS:
        return True
    return rel.parts[0] == "sandbox" and rel.stem.removeprefix("_") in VENDORS


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the docstring nodes (module, class, function, and attribute docstrings)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for i, stmt in enumerate(body):
            if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
                continue
            # the first statement, or a string right after an assignment (attribute docs)
            if i == 0 or isinstance(body[i - 1], ast.Assign | ast.AnnAssign):
                found.add(id(stmt.value))
    return found


def _literals(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    docs = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node.lineno, node.value


def shared_modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if not _own(p))


def names_of_vendors(path: Path) -> list[str]:
    """Every string literal of ``path`` that names a vendor and its allow-list does not cover."""
    words = _vendor_words()
    allowed = ALLOWED.get(path.relative_to(SRC).as_posix())
    return [
        f"{path.relative_to(SRC.parent.parent)}:{line}: {text!r}"
        for line, text in _literals(path)
        if words.search(text) and not (allowed and re.search(allowed[0], text))
    ]


def test_no_shared_module_names_a_vendor() -> None:
    found = [hit for path in shared_modules() for hit in names_of_vendors(path)]
    assert not found, "shared modules name a vendor (read its declaration instead):\n" + "\n".join(
        found
    )


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_every_allowance_is_still_needed(module: str) -> None:
    """An allowance no literal uses any more is dropped, so the list stays short and true."""
    path = SRC / module
    pattern = re.compile(ALLOWED[module][0])
    assert any(pattern.search(text) for _, text in _literals(path)), f"{module}: allowance unused"


def test_the_check_sees_a_vendor_named_in_a_shared_module(tmp_path: Path) -> None:
    """The check itself: a literal naming a vendor is found, a docstring or a comment is not."""
    name = next(iter(VENDORS))
    module = tmp_path / "shared.py"
    module.write_text(
        f'"""About {name}."""\n# {name}\nX = 1\n"""{name}, documented."""\n'
        f'LIMITS = {{"{name}": 1}}\n'
    )
    hits = [text for _, text in _literals(module) if _vendor_words().search(text)]
    assert hits == [name]
