"""Real authoritative DNS servers for the tests: BIND 9 and Knot, from Debian's packages.

Each runs from a temporary directory on a free loopback port (UDP and TCP), for the session,
with a TSIG key made for the run (hmac-sha256, a fresh random secret) that may update and
transfer the zones it serves. Every zone starts with its SOA and NS records only. ``.ci/run``
installs ``bind9`` and ``knot`` when they are missing; elsewhere the tests that need them are
skipped, saying how to install them.

Both servers run as root when the tests do (neither refuses it); their files are in the
temporary directory, which is deleted when the server stops.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype

KINDS = ("bind", "knot")
BINARIES = {"bind": "/usr/sbin/named", "knot": "/usr/sbin/knotd"}
PACKAGES = {"bind": "bind9", "knot": "knot"}
KEY_NAME = "maildns-test."
ALGORITHM = "hmac-sha256"


@dataclass(frozen=True)
class DnsServer:
    """A running server: where it listens, the zones it serves and the key that updates them."""

    kind: str
    host: str
    port: int
    zones: tuple[str, ...]
    key_name: str
    algorithm: str
    secret: str  # base64

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def env(self) -> dict[str, str]:
        """The environment the rfc2136 host reads its server and key from."""
        return {
            "RFC2136_SERVER": self.address,
            "RFC2136_KEY_NAME": self.key_name,
            "RFC2136_KEY_ALGORITHM": self.algorithm,
            "RFC2136_KEY_SECRET": self.secret,
        }


def missing(kind: str) -> str | None:
    """Why ``kind``'s server cannot run here (None: it can)."""
    binary = BINARIES[kind]
    if not (os.path.exists(binary) or shutil.which(Path(binary).name)):
        return f"{binary} is not installed: apt-get install {PACKAGES[kind]}"
    return None


def _binary(kind: str) -> str:
    binary = BINARIES[kind]
    return binary if os.path.exists(binary) else shutil.which(Path(binary).name) or binary


def _free_port() -> int:
    """A port free for TCP and for UDP on 127.0.0.1 (a DNS server binds both)."""
    while True:
        with socket.socket() as tcp:
            tcp.bind(("127.0.0.1", 0))
            port: int = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port


def _zone_file(zone: str) -> str:
    return (
        f"$ORIGIN {zone}.\n$TTL 300\n"
        f"@ IN SOA ns1.{zone}. hostmaster.{zone}. 1 3600 600 86400 300\n"
        f"@ IN NS ns1.{zone}.\n"
        f"ns1 IN A 127.0.0.1\n"
    )


def _bind_conf(base: Path, port: int, zones: Sequence[str], secret: str) -> list[str]:
    key = KEY_NAME.rstrip(".")
    lines = [
        "options {",
        f'  directory "{base}";',
        f'  pid-file "{base}/named.pid";',
        f'  session-keyfile "{base}/session.key";',
        f'  managed-keys-directory "{base}";',
        f"  listen-on port {port} {{ 127.0.0.1; }};",
        "  listen-on-v6 { none; };",
        "  recursion no;",
        "  dnssec-validation no;",
        "  notify no;",
        "  allow-query { any; };",
        "};",
        "controls { };",
        f'key "{key}" {{ algorithm {ALGORITHM}; secret "{secret}"; }};',
    ]
    for zone in zones:
        lines += [
            f'zone "{zone}" {{',
            "  type primary;",
            f'  file "{base}/{zone}.zone";',
            f'  allow-update {{ key "{key}"; }};',
            f'  allow-transfer {{ key "{key}"; }};',
            "};",
        ]
    (base / "named.conf").write_text("\n".join(lines) + "\n")
    return [_binary("bind"), "-g", "-4", "-c", str(base / "named.conf")]


def _knot_conf(base: Path, port: int, zones: Sequence[str], secret: str) -> list[str]:
    (base / "db").mkdir(exist_ok=True)
    lines = [
        "server:",
        f'  rundir: "{base}"',
        f"  listen: 127.0.0.1@{port}",
        "log:",
        "  - target: stderr",
        "    any: info",
        "database:",
        f'  storage: "{base}/db"',
        "key:",
        f"  - id: {KEY_NAME}",
        f"    algorithm: {ALGORITHM}",
        f"    secret: {secret}",
        "acl:",
        "  - id: maildns",
        f"    key: {KEY_NAME}",
        "    action: [update, transfer]",
        "template:",
        "  - id: default",
        f'    storage: "{base}"',
        '    file: "%s.zone"',
        "    acl: maildns",
        "zone:",
        *(f"  - domain: {zone}" for zone in zones),
    ]
    (base / "knot.conf").write_text("\n".join(lines) + "\n")
    return [_binary("knot"), "-c", str(base / "knot.conf")]


def _answers(port: int, zone: str) -> bool:
    query = dns.message.make_query(zone, dns.rdatatype.SOA)
    try:
        reply = dns.query.tcp(query, "127.0.0.1", port=port, timeout=1)
    except (OSError, dns.exception.DNSException):
        return False
    return reply.rcode() == dns.rcode.NOERROR and bool(reply.answer)


def serving(kind: str, zones: Sequence[str]) -> Iterator[DnsServer]:
    """A fixture's body: ``kind`` serving ``zones`` while the fixture lives, or the tests that
    need it skipped, saying which binary is missing."""
    import pytest

    why = missing(kind)
    if why is not None:
        pytest.skip(why)
    with running_server(kind, zones) as server:
        yield server


@contextmanager
def running_server(kind: str, zones: Sequence[str]) -> Iterator[DnsServer]:
    """Start ``kind`` ("bind" or "knot") serving ``zones``; yield it; stop it and delete its
    files after."""
    why = missing(kind)
    if why is not None:
        raise RuntimeError(why)
    base = Path(tempfile.mkdtemp(prefix=f"maildns-{kind}-"))
    secret = base64.b64encode(secrets.token_bytes(32)).decode()
    for zone in zones:
        (base / f"{zone}.zone").write_text(_zone_file(zone))
    configure = _bind_conf if kind == "bind" else _knot_conf
    log = base / "server.log"
    process: subprocess.Popen[bytes] | None = None
    try:
        # A free port may be taken by another process (another test worker starting its own
        # server) before this one binds it: then start again on another.
        for attempt in range(1, 6):
            port = _free_port()
            command = configure(base, port, zones, secret)
            with log.open("wb") as out:
                process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 120
            while process.poll() is None and not all(_answers(port, z) for z in zones):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{kind} did not answer in 120 s: {log.read_text()}")
                time.sleep(0.1)
            if process.poll() is None:
                break
            said = log.read_text(errors="replace")
            if attempt == 5 or "in use" not in said:
                raise RuntimeError(f"{kind} stopped at start: {said[-2000:]}")
        yield DnsServer(kind, "127.0.0.1", port, tuple(zones), KEY_NAME, ALGORITHM, secret)
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
        shutil.rmtree(base, ignore_errors=True)


def served(server: DnsServer, name: str, rdtype: str) -> list[str]:
    """What ``dig`` (BIND) or ``kdig`` (Knot) is served for ``name``: each answer's rdata, as
    the tool prints it; an independent look at the server, not through dnspython."""
    tool = "dig" if server.kind == "bind" else "kdig"
    found = shutil.which(tool) or shutil.which("dig")
    assert found, "dig is not installed: apt-get install bind9-dnsutils"
    out = subprocess.run(
        [found, f"@{server.host}", "-p", str(server.port), "+short", "+tcp", name, rdtype],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    return [line for line in out.splitlines() if line.strip()]
