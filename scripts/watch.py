"""``make watch``: regenerate (and rebuild the docs) each time a spec or the generators' config
changes, for the person writing a spec. Stop it with Ctrl+C.

watchfiles waits for a burst of changes to settle (an editor's save is several events) and
runs the command once for them; a run that fails is reported and the watch goes on, since a
half-written spec fails to generate until it is whole again.

    python scripts/watch.py [--command "make generate docs"] [PATH ...]
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from pathlib import Path

from watchfiles import watch

ROOT = Path(__file__).resolve().parent.parent
WATCHED = ("specs", "config")
COMMAND = "make --no-print-directory generate docs"
READY_AFTER_MS = 200  # how often the watcher reports that nothing changed (the first: ready)


def _relevant(change: object, path: str) -> bool:
    name = Path(path).name
    return not name.startswith(".") and not name.endswith(("~", ".swp", ".tmp"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--command", default=COMMAND, help=f"run on a change ({COMMAND!r})")
    parser.add_argument("paths", nargs="*", type=Path, help="what to watch (specs/, config/)")
    args = parser.parse_args(argv)
    paths = args.paths or [ROOT / p for p in WATCHED]
    command = shlex.split(args.command)
    ready = False
    try:
        # The first (empty) yield says the watcher is in place: "watching" is printed then, so
        # that a change made after it is never missed, however slow the start was.
        for changes in watch(
            *paths,
            watch_filter=_relevant,
            raise_interrupt=False,
            yield_on_timeout=True,
            rust_timeout=READY_AFTER_MS,
        ):
            if not ready:
                ready = True
                print(f"watching {', '.join(map(str, paths))}; Ctrl+C to stop", flush=True)
            if not changes:
                continue
            changed = sorted({Path(p).name for _, p in changes})
            print(f"changed: {', '.join(changed)}; running {args.command}", flush=True)
            started = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, check=False)
            took = time.perf_counter() - started
            verdict = "done" if done.returncode == 0 else f"failed (exit {done.returncode})"
            print(f"{verdict} in {took:.1f} s; watching", flush=True)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
