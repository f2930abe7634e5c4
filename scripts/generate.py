"""Generate the clients and models from specs/, keyed by content rather than by mtime.

Every output has a key: the sha256 of what it is made from (its spec, the generator's config
and templates) and of the versions of the tools that make it. ``generated/KEYS.json``, committed
beside the outputs, holds the key each was made with. An output whose key matches is left alone,
so a fresh clone (whose mtimes git does not keep) generates nothing, and a changed spec
regenerates exactly its vendor. What is stale is made in parallel (``--jobs``, default every
core), each output in a directory of its own and then swapped into place: an interrupted run
leaves the old output or the new one, and the keys of only what is whole.

The outputs, per spec ``specs/<id>.yaml`` (``-`` and ``.`` in the id read as ``_``):

- ``<id>_client/``: openapi-python-client, with ``config/openapi-python-client.yaml`` and
  ``config/templates/``;
- ``vendor_models/<id>.py``: datamodel-code-generator, with ``config/datamodel-codegen.args``;

and, into ``src/``, the facade's sync and async clients (``scripts/twins.py``), keyed by the
files they are written from and the clients' keys.

    python scripts/generate.py                       # make what is stale (make generate)
    python scripts/generate.py --dry-run             # list what is stale, make nothing
    python scripts/generate.py --all --out DIR       # everything, into DIR (check-generated)
    python scripts/generate.py --all --jobs 1 --out DIR   # the same, one at a time (bench)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
KEYS = "KEYS.json"
OPC_CONFIG = "config/openapi-python-client.yaml"
OPC_TEMPLATES = "config/templates"
DMCG_ARGS = "config/datamodel-codegen.args"
MODELS_INIT = '"""Pydantic v2 models generated from specs/ by datamodel-code-generator."""\n'


def spec_id(spec: Path) -> str:
    return spec.stem.replace("-", "_").replace(".", "_")


def _digest(root: Path, files: Iterable[str], versions: Iterable[str]) -> str:
    """sha256 over each file's path and bytes, then each tool's name and version."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    for tool in sorted(versions):
        digest.update(f"{tool}=={metadata.version(tool)}\0".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Output:
    name: str  # its path under the output directory; its entry in KEYS.json
    key: str
    make: Callable[[Path], None]  # writes the output into the directory it is given


def outputs(root: Path) -> list[Output]:
    """Every output of ``root``'s specs, with its key."""
    templates = sorted(
        p.relative_to(root).as_posix() for p in (root / OPC_TEMPLATES).glob("*.jinja")
    )
    found = []
    for spec in sorted((root / "specs").glob("*.yaml")):
        vendor, rel = spec_id(spec), spec.relative_to(root).as_posix()
        client_key = _digest(root, [rel, OPC_CONFIG, *templates], ["openapi-python-client", "ruff"])
        models_key = _digest(root, [rel, DMCG_ARGS], ["datamodel-code-generator"])
        found.append(Output(f"{vendor}_client", client_key, _client(root, spec, vendor)))
        found.append(Output(f"vendor_models/{vendor}.py", models_key, _models(root, spec, vendor)))
    return found


def _run(command: list[str], cwd: Path) -> None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:2])} failed:\n{done.stdout}{done.stderr}")


def _client(root: Path, spec: Path, vendor: str) -> Callable[[Path], None]:
    def make(into: Path) -> None:
        _run(
            [
                str(BIN / "openapi-python-client"),
                "generate",
                "--path",
                spec.relative_to(root).as_posix(),
                "--meta",
                "none",
                "--config",
                str(root / OPC_CONFIG),
                "--custom-template-path",
                str(root / OPC_TEMPLATES),
                "--output-path",
                str(into / f"{vendor}_client"),
                "--fail-on-warning",
            ],
            root,
        )
        (into / f"{vendor}_client" / "py.typed").touch()  # typed, for mypy in its users

    return make


def _models(root: Path, spec: Path, vendor: str) -> Callable[[Path], None]:
    def make(into: Path) -> None:
        (into / "vendor_models").mkdir(parents=True, exist_ok=True)
        arguments = (root / DMCG_ARGS).read_text().split()
        target = into / "vendor_models" / f"{vendor}.py"
        _run(
            [
                str(BIN / "datamodel-codegen"),
                "--input",
                spec.relative_to(root).as_posix(),
                "--output",
                str(target),
                *arguments,
            ],
            root,
        )

    return make


def _read_keys(out: Path) -> dict[str, str]:
    try:
        keys = json.loads((out / KEYS).read_text())
    except (OSError, ValueError):
        return {}
    return keys if isinstance(keys, dict) else {}


def _write_keys(out: Path, keys: dict[str, str]) -> None:
    text = json.dumps(dict(sorted(keys.items())), indent=2) + "\n"
    tmp = out / f".{KEYS}.tmp"
    tmp.write_text(text)
    tmp.replace(out / KEYS)


def stale(root: Path, out: Path) -> list[Output]:
    """The outputs whose key is not the one they were made with, or that are missing."""
    keys = _read_keys(out)
    return [o for o in outputs(root) if keys.get(o.name) != o.key or not (out / o.name).exists()]


def _swap_in(made: Path, target: Path) -> None:
    """``made`` to ``target``: the old one is moved aside first, then removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(f".{target.name}.old")
    if old.is_dir():
        shutil.rmtree(old)
    if target.exists():
        target.replace(old)
    made.replace(target)
    if old.is_dir():
        shutil.rmtree(old)
    elif old.exists():
        old.unlink()


def _tidy(out: Path) -> None:
    """What a killed run left: its working directories and the outputs it was swapping out."""
    for left in [*out.glob(".making-*"), *out.glob(".*.old"), *out.glob("*/.*.old")]:
        if left.is_dir():
            shutil.rmtree(left)
        else:
            left.unlink()


def removed(root: Path, out: Path) -> list[str]:
    """Outputs made from a spec that is gone."""
    current = {o.name for o in outputs(root)}
    return [name for name in _read_keys(out) if name != "twins" and name not in current]


def generate(root: Path, out: Path, todo: list[Output], jobs: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    keys = _read_keys(out)
    for name in removed(root, out):  # a removed spec's outputs go with it
        del keys[name]
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()

    def one(output: Output) -> Output:
        with tempfile.TemporaryDirectory(dir=out, prefix=".making-") as tmp:
            output.make(Path(tmp))
            _swap_in(Path(tmp) / output.name, out / output.name)
        return output

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for done in pool.map(one, todo):
            keys[done.name] = done.key
            _write_keys(out, keys)  # after each: an interrupted run keeps what is whole
    models = out / "vendor_models"
    models.mkdir(exist_ok=True)
    if not (models / "__init__.py").exists():
        (models / "__init__.py").write_text(MODELS_INIT)
    (models / "py.typed").touch()
    _write_keys(out, keys)


# --- the facade's clients (scripts/twins.py) ---------------------------------------------------
TWIN_INPUTS = ("scripts/twins.py", "src/maildns/_core/declaration.py")
TWIN_FILES = ("__init__.py", "_operations.py", "_settings.py", "_implementation.py")


def twins_key(root: Path, keys: dict[str, str]) -> str:
    vendors = sorted((root / "src/maildns/vendors").glob("*/__init__.py"))
    files = [*TWIN_INPUTS]
    for init in vendors:
        files += [
            (init.parent / f).relative_to(root).as_posix()
            for f in TWIN_FILES
            if (init.parent / f).exists()
        ]
    clients = "".join(f"{k}={v}\n" for k, v in sorted(keys.items()) if k.endswith("_client"))
    return hashlib.sha256(_digest(root, files, ["ruff"]).encode() + clients.encode()).hexdigest()


def twins(root: Path, out: Path, dry_run: bool) -> bool:
    """Write the facade's clients when their key moved; whether they were (or would be)."""
    keys = _read_keys(out)
    key = twins_key(root, keys)
    if keys.get("twins") == key:
        return False
    if not dry_run:
        _run([sys.executable, str(root / "scripts/twins.py")], root)
        _write_keys(out, {**keys, "twins": key})
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="The checkout (default: this).")
    parser.add_argument("--out", type=Path, help="Where the outputs go (default: generated/).")
    parser.add_argument("--all", action="store_true", help="Every output, stale or not.")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--dry-run", action="store_true", help="List what is stale; make none.")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    out = (args.out or root / "generated").resolve()
    todo = outputs(root) if args.all else stale(root, out)
    # The twins are written into this checkout's src/ (twins.py imports maildns from it).
    in_place = out == root / "generated" and root == ROOT
    gone = removed(root, out)
    if args.dry_run:
        for output in todo:
            print(output.name)
        for name in gone:
            print(f"removed {name}")
        if in_place and twins(root, out, dry_run=True):
            print("twins")
        return 0
    started = time.perf_counter()
    if out.is_dir():
        _tidy(out)
    if todo or gone:
        generate(root, out, todo, args.jobs)
    wrote_twins = in_place and twins(root, out, dry_run=False)
    made = [o.name for o in todo] + (["twins"] if wrote_twins else [])
    made += [f"removed {name}" for name in gone]
    took = time.perf_counter() - started
    print(f"generated {', '.join(made)} in {took:.1f} s" if made else "generated/ is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
