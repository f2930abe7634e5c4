"""A real PostgreSQL server for the tests, started from the Debian ``postgresql`` package.

``initdb`` makes a throwaway cluster in a temporary directory and ``pg_ctl`` runs it on a free
loopback port, for the session; it is stopped and deleted after. PostgreSQL refuses to run as
root, so as root (CI) the cluster belongs to the package's ``postgres`` user and its commands
run through ``runuser``. ``.ci/run`` installs the package when it is missing; elsewhere the tests
that need it are skipped, saying how to install it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

USER = "maildns"  # the cluster's superuser, trusted on loopback only
_RESTARTS: dict[str, list[str]] = {}
"""A running server's connection string -> the pg_ctl command that restarts it."""


def binaries() -> Path | None:
    """The directory holding initdb and pg_ctl (Debian keeps them out of PATH)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(versions[0]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_server() -> Iterator[str]:
    """Start a cluster; yield its connection string (``postgresql://maildns@127.0.0.1:PORT/postgres``)."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    base = Path(tempfile.mkdtemp(prefix="maildns-pg-"))
    data, sockets, log = base / "data", base / "sockets", base / "server.log"
    sockets.mkdir()
    if as_root:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
    env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}

    def run(*command: str) -> None:
        subprocess.run([*prefix, *command], check=True, capture_output=True, env=env, timeout=300)

    dsn = ""
    try:
        # --no-sync: the cluster is thrown away after (and runs with fsync=off); initdb's
        # closing fsync of every file it wrote cost seconds of a disk's time, for nothing.
        initdb = [str(bin_dir / "initdb"), "--no-sync", "-D", str(data)]
        run(*initdb, "-U", USER, "-A", "trust", "-E", "UTF8")
        # A free port may be taken by another process (another test worker starting its own
        # server) before this one binds it: then start again on another.
        for attempt in range(1, 6):
            port = _free_port()
            options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
            try:
                ctl = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options]
                run(*ctl, "-w", "-t", "240", "start")  # waits for readiness, at most 4 minutes
                break
            except subprocess.CalledProcessError:
                said = log.read_text(errors="replace") if log.exists() else ""
                if attempt == 5 or "in use" not in said:
                    raise
                log.unlink()
        dsn = f"postgresql://{USER}@127.0.0.1:{port}/postgres"
        _RESTARTS[dsn] = [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log)]
        _RESTARTS[dsn] += ["-o", options, "-m", "immediate", "-w", "-t", "240", "restart"]
        deadline = time.monotonic() + 120
        while True:  # pg_ctl -w waited for it; a connection proves it
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield dsn
    finally:
        _RESTARTS.pop(dsn, None)
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                env=env,
                timeout=60,
                check=False,
            )
        shutil.rmtree(base, ignore_errors=True)


def restart(dsn: str) -> None:
    """Restart the server ``running_server`` yielded ``dsn`` for, at once (``-m immediate``:
    as a crash and recovery; every connection is cut)."""
    env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}
    subprocess.run(_RESTARTS[dsn], check=True, capture_output=True, env=env, timeout=120)
