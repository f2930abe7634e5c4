"""An import-linter contract: no private module is reached from another package.

A module whose dotted name has a component starting with ``_`` (``maildns.vendors.telecomx.
_mapping``, ``maildns.onboarding._lookup``, ``maildns._core``) belongs to the package that
holds that first private component (``maildns.vendors.telecomx``, ``maildns.onboarding``,
``maildns``): only modules inside that package may import it. Everyone else goes through the
package's public names. ``make lint`` runs it through ``lint-imports`` (pyproject.toml's
``[tool.importlinter]``); ``ignore_imports`` lists the exceptions, each with its reason there.
"""

from __future__ import annotations

from typing import Any

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils


def owner(module: str) -> str | None:
    """The package a private module belongs to; None when every component is public."""
    parts = module.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not (part.startswith("__") and part.endswith("__")):
            return ".".join(parts[:i])
    return None


def inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


class PrivateModulesContract(Contract):
    """Modules import another package's modules only through public names.

    Configuration options:
        - containers: the packages checked (imports from and into them).
        - ignore_imports: import expressions allowed anyway (optional).
    """

    type_name = "private modules"

    containers = fields.ListField(subfield=fields.StringField())
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        warnings = contract_utils.remove_ignored_imports(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        containers: list[str] = list(self.containers)  # type: ignore[call-overload]
        illegal: list[dict[str, Any]] = []
        for importer in sorted(graph.modules):
            if not any(inside(importer, c) for c in containers):
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                package = owner(imported)
                if package is None or not any(inside(imported, c) for c in containers):
                    continue
                if inside(importer, package):
                    continue
                details = graph.get_import_details(importer=importer, imported=imported)
                illegal.append(
                    {
                        "importer": importer,
                        "imported": imported,
                        "package": package,
                        "lines": sorted({d["line_number"] for d in details}),
                    }
                )
        return ContractCheck(kept=not illegal, warnings=warnings, metadata={"illegal": illegal})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["illegal"]:
            lines = ", ".join(map(str, item["lines"]))
            output.print_error(
                f"- {item['importer']} -> {item['imported']} (l.{lines}): private to "
                f"{item['package']}; import a public name of it instead",
                bold=False,
            )
        output.new_line()
