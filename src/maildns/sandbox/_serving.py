"""What ``maildns sandbox`` (and its alias ``python -m maildns.sandbox``) reads and prints.

The arguments' checks (``parse_*``, ValueError with the problem), the document that describes
a running sandbox, its human listing and the environment file that points maildns at it.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Final

from ..vendors import DECLARATIONS
from . import Sandbox, SandboxError
from ._limits import EARLIEST, LATEST, MAX_RATE_LIMIT
from ._registry import VENDORS


def parse_port(text: str) -> int:
    """``text`` as a port, 0 (any free one) to 65535; ValueError with the problem otherwise."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise ValueError(f"must be an integer from 0 to 65535, not {text!r}")
    return port


def parse_dns_port(text: str) -> int:
    """``text`` as ns1's port (ns2's is the next), 0 (any free ones) to 65534."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65534:
        raise ValueError(
            f"must be an integer from 0 to 65534 (ns2 answers on the next port), not {text!r}"
        )
    return port


def parse_start(text: str) -> datetime:
    """``text`` as the clock's start: ISO 8601 with a timezone, within the sandbox's years."""
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"must be an ISO 8601 time such as 2026-01-01T09:00:00+00:00, not {text!r}"
        ) from None
    if start.tzinfo is None:
        raise ValueError(f"needs a timezone, e.g. 2026-01-01T09:00:00+00:00, not {text!r}")
    if not EARLIEST <= start < LATEST:
        raise ValueError(
            f"must be from {EARLIEST:%Y-%m-%d} to before {LATEST:%Y-%m-%d}, not {text!r}"
        )
    return start


def parse_rate_limit(text: str) -> tuple[str, int | None]:
    """``VENDOR=N`` or ``VENDOR=off`` as ``(vendor, N or None)``."""
    vendor, equals, value = text.partition("=")
    if not equals or vendor not in VENDORS:
        raise ValueError(
            f"must be VENDOR=N or VENDOR=off with VENDOR one of {', '.join(VENDORS)}, not {text!r}"
        )
    if value == "off":
        return vendor, None
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_RATE_LIMIT:
        raise ValueError(
            f"{vendor}: a whole number of requests per second from 1 to {MAX_RATE_LIMIT}, "
            f"or off, not {value!r}"
        )
    return vendor, limit


def cannot_serve(host: str, port: int, exc: OSError | SandboxError) -> str:
    """The one line for a sandbox that did not start: "[Errno 98] Address already in use" is
    said in its words, without the number."""
    if isinstance(exc, SandboxError) and str(exc).startswith("cannot serve"):
        return str(exc)  # it says where: the DNS servers' ports
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"cannot serve on {host}:{port}: {reason}"


class SignalStop:
    """Set by SIGINT or SIGTERM (:func:`stopped_by_signals`); :meth:`wait` returns once set.

    A signal handler runs on the main thread wherever that thread was interrupted, which may be
    inside this very wait. A :class:`threading.Event` would then be set while its own lock is
    held by the thread setting it, and wait for it forever; so setting writes a byte to a pipe
    (no lock), and waiting reads it (a read a signal interrupts is resumed after the handler)."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._set = False

    def set(self) -> None:
        self._set = True
        with contextlib.suppress(OSError):  # the pipe full: a byte is already there to read
            os.write(self._write, b"\0")

    def wait(self) -> None:
        while not self._set:
            os.read(self._read, 1)

    def close(self) -> None:
        os.close(self._read)
        os.close(self._write)


@contextmanager
def stopped_by_signals() -> Iterator[SignalStop]:
    """A stop SIGINT and SIGTERM set, while inside (the main thread's handlers, put back
    after): entered before the sandbox starts, so a signal at any moment stops it cleanly."""
    stop = SignalStop()
    signals = (signal.SIGINT, signal.SIGTERM)
    before = [signal.signal(s, lambda *_: stop.set()) for s in signals]
    try:
        yield stop
    finally:
        for s, handler in zip(signals, before, strict=True):
            signal.signal(s, handler)
        stop.close()


CONTROLS: Final = {
    "reset": ("POST",),
    "clock": ("GET", "POST"),
    "faults": ("GET", "POST", "DELETE"),
    "stats": ("GET", "DELETE"),
}
"""The sandbox's own endpoints, under ``/_sandbox/``, and the methods each answers."""


def environment(sb: Sandbox) -> tuple[dict[str, str], list[str]]:
    """The variables that point maildns (its clients, ``onboard``) at ``sb``, and those to
    unset: a vendor's other credentials (TelecomX's token) would be used instead."""
    env: dict[str, str] = {}
    unset: list[str] = []
    for name, declaration in DECLARATIONS.items():
        env[declaration.base_url_env] = sb.url(name)
        given = sb.credentials(name)
        for argument, value in given.items():
            env[declaration.credential(argument).env] = value
        unset += [c.env for c in declaration.credentials if c.argument not in given]
    servers = ",".join(f"{h}:{p}" for h, p in sb.dns_addresses)
    env["MAILDNS_NAMESERVERS"] = servers  # verify and status ask these for the zones' records
    # the SPF checks' resolver: the same servers also answer for the vendors' includes
    env["MAILDNS_RESOLVER"] = servers
    return env, unset


def describe(sb: Sandbox) -> dict[str, Any]:
    """What a running sandbox is, as ``maildns sandbox --json`` prints it (that module's
    docstring has the keys)."""
    env, unset = environment(sb)
    return {
        "format_version": "1",
        "base_url": sb.base_url,
        "seed": sb.seed,
        "clock": sb.now().isoformat(),
        "vendors": {
            vendor: {
                "url": sb.url(vendor),
                "credentials": sb.credentials(vendor),
                "account": sb.account(vendor),
                "rate_limit": sb.rate_limits.get(vendor),
            }
            for vendor in DECLARATIONS
        },
        "dns": [
            {"name": name, "host": host, "port": port}
            for name, (host, port) in zip(("ns1", "ns2"), sb.dns_addresses, strict=True)
        ],
        "env": env,
        "unset": unset,
        "controls": {
            name: {"url": f"{sb.base_url}/_sandbox/{name}", "methods": list(methods)}
            for name, methods in CONTROLS.items()
        },
    }


_INDENT: Final = 12  # under a listing line's value
_WIDTH: Final = 80


def _packed(items: list[str]) -> list[str]:
    """``items`` on indented lines, as many to a line as fit in 80 columns (79: a line as wide
    as the terminal leaves its cursor past the edge)."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 1 + len(item) < _WIDTH:
            lines[-1] += " " + item
        else:
            lines.append(" " * _INDENT + item)
    return lines


def listing(
    document: dict[str, Any], *, exports: bool = True, env_file: str | None = None
) -> list[str]:
    """The human listing of ``describe``'s document, line by line; ``exports``: with the
    ``export`` lines that point maildns at the sandbox (``maildns sandbox`` prints them), and
    where ``env_file`` holds them too."""
    base = document["base_url"]
    lines = [f"maildns sandbox on {base} (seed {document['seed']})"]
    lines.append(f"  {'clock':<9} {document['clock']}")
    vendors: dict[str, Any] = document["vendors"]
    for vendor, about in vendors.items():
        pairs = [f"{k}={v}" for k, v in {**about["credentials"], **about["account"]}.items()]
        lines.append(f"  {vendor:<9} {about['url']}")
        lines += _packed(pairs)
    limits = ", ".join(
        f"{v} {a['rate_limit']}/s" for v, a in vendors.items() if a["rate_limit"] is not None
    )
    lines.append(f"  {'limits':<9} {limits or 'none'} per client (--rate-limit VENDOR=N|off)")
    ns1, ns2 = document["dns"]
    servers = f"{ns1['host']}:{ns1['port']} and {ns2['host']}:{ns2['port']}"
    lines.append(f"  {'dns':<9} {servers} (udp and tcp)")
    controls = [f"{'|'.join(c['methods'])} {c['url']}" for c in document["controls"].values()]
    lines.append(f"  {'controls':<9} {controls[0]}")
    lines += [f"  {'':<9} {control}" for control in controls[1:]]
    if exports:
        lines.append("to point maildns at it:")
        if env_file is not None:
            lines[-1] = f"to point maildns at it, . {shlex.quote(env_file)} (it holds these):"
        lines += [f"  {line}" for line in shell_lines(document)]
    lines.append("Press Ctrl+C to stop.")
    return lines


def shell_lines(document: dict[str, Any]) -> list[str]:
    """The ``export`` and ``unset`` lines that point a shell's maildns at the sandbox."""
    lines = [f"export {n}={shlex.quote(v)}" for n, v in document["env"].items()]
    return lines + [f"unset {name}" for name in document["unset"]]


def env_file_text(document: dict[str, Any]) -> str:
    """What ``maildns sandbox --env-file PATH`` writes: a file a shell sources (``. ./PATH``)."""
    head = f"# maildns sandbox on {document['base_url']}: source this file to point maildns at it"
    return "\n".join([head, *shell_lines(document)]) + "\n"
