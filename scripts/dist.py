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
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import spec_diff

ROOT = Path(__file__).resolve().parent.parent
UV = os.environ.get("UV") or shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
CLIENT_DEPENDENCIES = ('"httpx>=0.28,<0.29"', '"attrs>=23.2"')
_DATE = re.compile(r"^v?(\d{4})[-.](\d{2})[-.](\d{2})$")
# What builds maildns builds every client too.
BUILD_REQUIRES: list[str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"][
    "requires"
]


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


# Each spec text once: the current one is read for its revision, its version and its title,
# and is often the last committed one too.
_load = functools.cache(spec_diff.load_text)


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
        _load(_git("show", f"{c}:{rel}") or None) for c in commits
    ]
    documents.append(_load(spec.read_text()))  # what is not committed yet
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
    info = _load(spec.read_text()) or {}
    return f"{pep440(str(info.get('info', {}).get('version', '0')))}.{revision(spec)}"


def build_client(spec: Path, out: Path, backend: Path) -> Path:
    vendor = spec_id(spec)
    package = f"{vendor}_client"
    name = package.replace("_", "-")
    version = client_version(spec)
    info = (_load(spec.read_text()) or {}).get("info", {})
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
requires = [{", ".join(f'"{r}"' for r in BUILD_REQUIRES)}]
build-backend = "hatchling.build"

[tool.hatch.build.targets.wheel]
packages = ["{package}"]
"""
        )
        before = set(out.glob("*.whl"))
        _uv_build(project, out, backend, "--wheel")
        (wheel,) = set(out.glob("*.whl")) - before
    return wheel


def build_backend(where: Path) -> Path:
    """An environment holding only ``BUILD_REQUIRES``; its interpreter. Every build here uses
    it: ``uv build`` alone would make one for each build (the sdist, maildns's wheel, a wheel
    per client) and compile the backend again in each, for the same files."""
    python, requires = where / "bin" / "python", BUILD_REQUIRES
    for command in (
        [UV, "venv", "--quiet", "--python", sys.executable, str(where)],
        [UV, "pip", "install", "--quiet", "--python", str(python), *requires],
    ):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command[:3])} failed:\n{done.stdout}{done.stderr}")
    return python


def _uv_build(project: Path, out: Path, backend: Path, *args: str) -> None:
    # No isolation: the backend's environment is already one holding only what builds.
    in_backend = ["--no-build-isolation", "--python", str(backend)]
    # The first build writes the backend's bytecode into that (temporary) environment for the
    # others, even where PYTHONDONTWRITEBYTECODE is set; compiling all of it up front costs more.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        [UV, "build", "--quiet", *in_backend, "--out-dir", str(out), *args, str(project)],
        env=env,
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
    with tempfile.TemporaryDirectory() as tmp:
        backend = build_backend(Path(tmp) / "backend")
        if not args.clients_only:
            _uv_build(ROOT, out, backend)  # the sdist, and the wheel built from it
        for spec in sorted((ROOT / "specs").glob("*.yaml")):
            print(build_client(spec, out, backend).name)
    for built in sorted(out.glob("maildns-*")):
        print(built.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
