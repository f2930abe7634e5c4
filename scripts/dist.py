"""``make dist``: the maildns wheel and sdist, and one wheel per generated client, into dist/.

Each client (``generated/<id>_client``) becomes a package of its own, as openapi-python-client
users expect: ``<id>-client`` (``tesouro-client``, ``ciirus-v2024-07-31-client``), needing only
what the generated code imports (httpx, attrs). Its version is the spec's ``info.version`` (a date
or ``vYYYY.MM.DD``: ``2025.6.23``) and a revision: the number of commits since ``info.version``
last changed in which ``scripts/spec_diff.py`` finds a change to the spec, so that a spec edited
under the same vendor version still gets a new version, and an edit spec-diff sees no change in
(a comment, a reformat) does not. A clone without that history (shallow) gets revision 0 and a
warning.

    python scripts/dist.py [--out dist]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import spec_diff

ROOT = Path(__file__).resolve().parent.parent
UV = os.environ.get("UV") or shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
CLIENT_DEPENDENCIES = ('"httpx>=0.28,<0.29"', '"attrs>=23.2"')
_DATE = re.compile(r"^v?(\d{4})[-.](\d{2})[-.](\d{2})$")


def spec_id(spec: Path) -> str:
    return spec.stem.replace("-", "_").replace(".", "_")


def pep440(version: str) -> str:
    """``info.version`` as a release number: a date's parts without leading zeros."""
    found = _DATE.match(version.strip())
    if found:
        return ".".join(str(int(part)) for part in found.groups())
    if re.fullmatch(r"\d+(\.\d+)*", version.strip()):
        return version.strip()
    raise ValueError(f"info.version {version!r} is neither a date nor a release number")


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout if done.returncode == 0 else ""


def revision(spec: Path) -> int:
    """Commits since ``info.version`` last changed in which spec-diff finds a change."""
    rel = spec.relative_to(ROOT).as_posix()
    if _git("rev-parse", "--is-shallow-repository").strip() == "true":
        print(f"warning: a shallow clone: {rel} revision 0", file=sys.stderr)
        return 0
    commits = _git("log", "--format=%H", "--reverse", "--", rel).split()
    documents: list[dict[str, Any] | None] = [
        spec_diff.load_text(_git("show", f"{c}:{rel}") or None) for c in commits
    ]
    documents.append(spec_diff.load_text(spec.read_text()))  # what is not committed yet
    count, version = 0, None
    previous: dict[str, Any] | None = None
    for document in documents:
        now = (document or {}).get("info", {}).get("version")
        if now != version:
            count, version = 0, now
        elif previous is not None and spec_diff.diff_specs(previous, document):
            count += 1
        previous = document
    return count


def client_version(spec: Path) -> str:
    info = spec_diff.load_text(spec.read_text()) or {}
    return f"{pep440(str(info.get('info', {}).get('version', '0')))}.{revision(spec)}"


def build_client(spec: Path, out: Path) -> Path:
    vendor = spec_id(spec)
    package = f"{vendor}_client"
    name = package.replace("_", "-")
    version = client_version(spec)
    info = (spec_diff.load_text(spec.read_text()) or {}).get("info", {})
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copytree(
            ROOT / "generated" / package,
            project / package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        title = str(info.get("title", vendor)).replace('"', "'")
        (project / "pyproject.toml").write_text(
            f"""[project]
name = "{name}"
version = "{version}"
description = "A client for {title} {info.get("version", "")}, generated from maildns's spec."
requires-python = ">=3.11"
dependencies = [{", ".join(CLIENT_DEPENDENCIES)}]

[build-system]
requires = ["hatchling>=1.25"]
build-backend = "hatchling.build"

[tool.hatch.build.targets.wheel]
packages = ["{package}"]
"""
        )
        before = set(out.glob("*.whl"))
        _uv_build(project, out, "--wheel")
        (wheel,) = set(out.glob("*.whl")) - before
    return wheel


def _uv_build(project: Path, out: Path, *args: str) -> None:
    done = subprocess.run(
        [UV, "build", "--quiet", "--out-dir", str(out), *args, str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"uv build {project} failed:\n{done.stdout}{done.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--clients-only", action="store_true", help="not maildns itself")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if not args.clients_only:
        _uv_build(ROOT, out)  # the sdist, and the wheel built from it
    for spec in sorted((ROOT / "specs").glob("*.yaml")):
        print(build_client(spec, out).name)
    for built in sorted(out.glob("maildns-*")):
        print(built.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
