"""Print the interpreter that ``make`` creates ``.venv`` with.

Of the interpreters named ``python3.N`` (N the minor version of the Python running this script)
on PATH and in /usr/bin, the first, in that order, whose executable has libpython linked into it
rather than loaded as a shared library; if none has, the first found; if none is found, this
script's own interpreter.

Why: a CPython configured with ``--enable-shared`` and built without profile-guided
optimisation (pyenv's build on our machines) runs this project's code in about a quarter more
CPU than a distribution's static, optimised build of the same minor version (Debian's
``/usr/bin/python3.11``): three of the suite's test files, run alternately twice in one
process each, took 8.7 and 9.3 s of CPU on the first and 7.2 and 7.4 s on the second. Which
build is optimised cannot be read from the interpreter itself (Debian's configure arguments do
not show it), but a static executable is what distributions that optimise ship, and it can be
seen in the process's own mappings.

    python3 scripts/venv_python.py          # the path
    python3 scripts/venv_python.py --why    # every candidate, and how it links libpython

``make VENV_PYTHON=/path/to/python3.N`` chooses by hand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Run by each candidate: where its executable is, its version, and whether a libpython shared
# object is mapped into it (Linux; elsewhere the mappings cannot be read and nothing is
# preferred).
PROBE = """\
import json, sys
try:
    maps = open('/proc/self/maps', encoding='ascii', errors='replace').read()
    shared = 'libpython' in maps
except OSError:
    shared = None
print(json.dumps({'executable': sys.executable, 'version': list(sys.version_info[:2]),
                  'shared': shared}))
"""


def candidates(name: str, folders: list[str]) -> list[Path]:
    """Every executable file called ``name`` in ``folders``, in their order, without repeats."""
    seen: set[Path] = set()
    found: list[Path] = []
    for folder in folders:
        path = Path(folder or ".") / name
        if path in seen or not (path.is_file() and os.access(path, os.X_OK)):
            continue
        seen.add(path)
        found.append(path)
    return found


def probe(path: Path) -> dict[str, object] | None:
    """What the interpreter at ``path`` says of itself, or None if it does not run."""
    try:
        done = subprocess.run(
            [str(path), "-I", "-S", "-c", PROBE], capture_output=True, text=True, timeout=30
        )
        answer = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return answer if done.returncode == 0 and isinstance(answer, dict) else None


def choose(folders: list[str], version: tuple[int, int], why: bool = False) -> Path | None:
    """The interpreter to make the venv with, of those named ``python3.N`` in ``folders``."""
    runs: list[tuple[Path, dict[str, object]]] = []
    executables: set[str] = set()
    for path in candidates(f"python{version[0]}.{version[1]}", folders):
        about = probe(path)
        if about is None or about.get("version") != list(version):
            continue
        # Shims (pyenv's) and symlinks name an interpreter already found.
        executable = os.path.realpath(str(about.get("executable")))
        if executable in executables:
            continue
        executables.add(executable)
        runs.append((path, about))
        if why:
            shared = about.get("shared")
            linked = "unknown" if shared is None else "shared libpython" if shared else "static"
            print(f"{path} -> {executable}: {linked}", file=sys.stderr)
    static = [path for path, about in runs if about.get("shared") is False]
    return static[0] if static else runs[0][0] if runs else None


def main(argv: list[str]) -> int:
    folders = [*os.environ.get("PATH", "").split(os.pathsep), "/usr/bin"]
    chosen = choose(folders, (sys.version_info[0], sys.version_info[1]), why="--why" in argv)
    print(chosen or sys.executable)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
