"""``maildns sandbox``: the real console script serving (HTTP and DNS) until a signal, and its
argument and start-up errors through typer's runner."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
from typer.testing import CliRunner

import maildns
from maildns._cli import app
from maildns.sandbox import DEMO_CREDENTIALS, VENDORS, Sandbox
from maildns.vendors import DECLARATIONS

from .hangs import kill_when_hung

MAILDNS = Path(sys.executable).parent / "maildns"
TIMEOUT = 10.0  # a bound on an answer that must come, not a measure of speed


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start ``maildns sandbox ARGS`` (killed after 3 minutes, or at the end, if still running)."""
    started: list[subprocess.Popen[str]] = []
    timers: list[threading.Timer] = []

    def start(*args: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [str(MAILDNS), "sandbox", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # buffered, as in a pipeline: the command must flush by itself
            env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
        )
        timers.append(kill_when_hung(proc))
        started.append(proc)
        return proc

    yield start
    for timer in timers:
        timer.cancel()
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=60)


def _read_until(proc: subprocess.Popen[str], last: str) -> list[str]:
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith(last):
            return lines
    raise AssertionError(f"the output ended before {last!r}: {lines}, {proc.stderr}")


def _stop(proc: subprocess.Popen[str], how: signal.Signals) -> str:
    proc.send_signal(how)
    _, stderr = proc.communicate(timeout=60)  # a bound on a hang, not on its speed
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    return stderr


def test_json_document_then_serves_http_and_dns_until_sigint(
    serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    proc = serve("--port", "0", "--json", "--rate-limit", "ciirus=7", "--rate-limit", "tesouro=off")
    # One document, flushed while the sandbox serves: its closing brace ends it.
    document = json.loads("".join(_read_until(proc, "}")))
    assert document["format_version"] == "1"
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", document["base_url"])
    assert set(document["vendors"]) == set(VENDORS)
    vendors = document["vendors"]
    assert vendors["tesouro"]["credentials"] == DEMO_CREDENTIALS["tesouro"]
    limits = {v: a["rate_limit"] for v, a in vendors.items()}
    assert (limits.pop("tesouro"), limits.pop("ciirus")) == (None, 7)
    # every other vendor keeps the limit its declaration documents
    assert limits == {v: DECLARATIONS[v].rate_limit for v in limits}
    account = vendors["telecomx"]["account"]
    assert set(account) == {"customer_id", "product_id"}

    # The facade, from the document's URL and credentials.
    tesouro = maildns.Tesouro(
        base_url=vendors["tesouro"]["url"], **vendors["tesouro"]["credentials"]
    )
    with tesouro:
        created = tesouro.create_sending_domain("mail.example.com")
        assert created.domain == "mail.example.com"
        assert created.records

    # The environment it prints is enough for clients built from the environment alone.
    for name, value in document["env"].items():
        monkeypatch.setenv(name, value)
    for name in document["unset"]:
        monkeypatch.delenv(name, raising=False)
    with maildns.TelecomX() as telecomx:
        telecomx.create_zone(
            "example.com", customer=account["customer_id"], product=account["product_id"]
        )
    with maildns.Tesouro() as again:  # the same sandbox: the domain made above is there
        assert [d.domain for d in again.list_sending_domains()] == ["mail.example.com"]

    # Both DNS servers answer for the zone just made, over real sockets.
    servers = [(d["host"], d["port"]) for d in document["dns"]]
    assert [d["name"] for d in document["dns"]] == ["ns1", "ns2"]
    assert document["env"]["MAILDNS_NAMESERVERS"] == ",".join(f"{h}:{p}" for h, p in servers)
    query = dns.message.make_query("example.com", "SOA")
    for answer in (
        dns.query.udp(query, servers[0][0], port=servers[0][1], timeout=TIMEOUT),
        dns.query.tcp(query, servers[1][0], port=servers[1][1], timeout=TIMEOUT),
    ):
        assert answer.rcode() == dns.rcode.NOERROR
        assert answer.flags & dns.flags.AA
        assert [r.rdtype for r in answer.answer] == [dns.rdatatype.SOA]

    controls = document["controls"]
    assert controls["reset"] == {
        "url": document["base_url"] + "/_sandbox/reset",
        "methods": ["POST"],
    }
    assert set(controls) == {"reset", "clock", "faults", "stats"}

    assert proc.poll() is None  # still serving after printing
    _stop(proc, signal.SIGINT)


def test_text_lists_every_vendor_url_the_dns_address_and_the_exports(serve: Any) -> None:
    proc = serve("--port", "0", "--seed", "7")
    lines = _read_until(proc, "Press Ctrl+C")
    text = "".join(lines)
    assert max(len(line.rstrip("\n")) for line in lines) < 80, text  # a terminal's width
    match = re.match(r"maildns sandbox on (http://127\.0\.0\.1:\d+) \(seed 7\)$", lines[0])
    assert match, lines[0]
    base = match.group(1)
    for vendor in VENDORS:
        assert f"  {vendor:<9} {base}/{vendor}\n" in text
        assert f"  export {vendor.upper()}_BASE_URL={base}/{vendor}\n" in text
    assert "  export TESOURO_CLIENT_SECRET=sandbox-tesouro-client-secret\n" in text
    assert "  unset TELECOMX_TOKEN\n" in text
    (dns_line,) = [line for line in lines if line.lstrip().startswith("dns ")]
    host, port = dns_line.split()[1].rsplit(":", 1)
    ns2 = dns_line.split(" and ")[1].split()[0]
    assert f"  export MAILDNS_NAMESERVERS={host}:{port},{ns2}\n" in text
    answer = dns.query.udp(
        dns.message.make_query("example.com", "SOA"), host, port=int(port), timeout=TIMEOUT
    )
    assert answer.rcode() == dns.rcode.REFUSED  # no zones yet: but it answers
    _stop(proc, signal.SIGTERM)


def _usage_error(*args: str) -> str:
    result = CliRunner().invoke(app, ["sandbox", *args])
    assert result.exit_code == 64, result.output  # EX_USAGE
    # typer draws the message in a box, folded to the width: the words, on one line.
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.stderr).split())


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["--rate-limit", "tesouro=abc"],
            "Invalid value for '--rate-limit': tesouro: a whole number of requests per second "
            "from 1 to 100000, or off, not 'abc'",
        ),
        (
            ["--rate-limit", "nope=3"],
            "must be VENDOR=N or VENDOR=off with VENDOR one of tesouro, telecomx, ciirus",
        ),
        (["--port", "99999"], "Invalid value for '--port': must be an integer from 0 to 65535"),
        (["--port", "http"], "Invalid value for '--port': must be an integer from 0 to 65535"),
        (["--start", "soon"], "Invalid value for '--start': must be an ISO 8601 time"),
        (["--start", "2026-01-01T09:00:00"], "Invalid value for '--start': needs a timezone"),
        (["--start", "0001-01-01T00:00:00+00:00"], "must be from 1970-01-01"),
        (["--seed", "abc"], "Invalid value for '--seed'"),
    ],
)
def test_a_bad_argument_is_a_usage_error_naming_it(args: list[str], words: str) -> None:
    message = _usage_error(*args)
    assert words in message
    assert "Traceback" not in message


def test_a_port_in_use_is_one_line_and_exit_1() -> None:
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with Sandbox() as sb:
        result = CliRunner().invoke(app, ["sandbox", "--port", str(sb.port)])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr == (
        f"error: cannot serve on 127.0.0.1:{sb.port}: Address already in use\n"
    )
    # The command's signal handlers are gone with it.
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers


def _free_ports(count: int) -> int:
    """The first of ``count`` consecutive ports free for TCP and UDP on loopback right now."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        if first + count > 65535:
            continue
        held: list[socket.socket] = []
        try:
            for port in range(first, first + count):
                for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    s = socket.socket(socket.AF_INET, kind)
                    held.append(s)
                    s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise AssertionError("no free consecutive ports")


def _soa(host: str, port: int) -> int:
    answer = dns.query.udp(
        dns.message.make_query("example.com", "SOA"), host, port=port, timeout=TIMEOUT
    )
    return answer.rcode()


def test_dns_port_and_env_file_survive_a_restart(serve: Any, tmp_path: Path) -> None:
    """The environment file written by one start is right for the next: same ports."""
    dns_port = _free_ports(2)
    env_file = tmp_path / "sandbox.env"
    written = []
    for _ in range(2):
        proc = serve("--port", "0", "--dns-port", str(dns_port), "--env-file", str(env_file))
        lines = _read_until(proc, "Press Ctrl+C")
        text = env_file.read_text()
        exports = [line.strip() for line in lines if line.startswith(("  export", "  unset"))]
        assert text.splitlines()[1:] == exports  # the lines printed, after a comment
        assert f"to point maildns at it, . {env_file} (it holds these):\n" in lines
        nameservers = f"export MAILDNS_NAMESERVERS=127.0.0.1:{dns_port},127.0.0.1:{dns_port + 1}"
        assert nameservers in exports
        assert _soa("127.0.0.1", dns_port) == dns.rcode.REFUSED  # no zones yet: it answers
        assert _soa("127.0.0.1", dns_port + 1) == dns.rcode.REFUSED
        written.append([line for line in text.splitlines() if "NAMESERVERS" in line])
        _stop(proc, signal.SIGINT)
    assert written[0] == written[1]


def test_the_env_file_is_sourced_by_a_shell(serve: Any, tmp_path: Path) -> None:
    env_file = tmp_path / "sandbox.env"
    proc = serve("--port", "0", "--dns-port", "0", "--env-file", str(env_file))
    document_lines = _read_until(proc, "Press Ctrl+C")
    base = document_lines[0].split(" on ", 1)[1].split()[0]
    shell = subprocess.run(
        ["bash", "-c", f". {env_file} && echo $TESOURO_BASE_URL ${{TELECOMX_TOKEN-unset}}"],
        capture_output=True,
        text=True,
        env={**os.environ, "TELECOMX_TOKEN": "stale"},
        timeout=60,
    )
    assert shell.stdout.split() == [f"{base}/tesouro", "unset"]
    _stop(proc, signal.SIGTERM)


def test_dns_ports_default_to_the_two_after_the_http_port(serve: Any) -> None:
    port = _free_ports(3)
    proc = serve("--port", str(port))
    lines = _read_until(proc, "Press Ctrl+C")
    (dns_line,) = [line for line in lines if line.lstrip().startswith("dns ")]
    assert f"127.0.0.1:{port + 1} and 127.0.0.1:{port + 2}" in dns_line
    _stop(proc, signal.SIGTERM)


def test_dns_ports_in_use_are_one_line_and_exit_1() -> None:
    with Sandbox() as sb:
        taken = sb.dns_addresses[0][1]
        result = CliRunner().invoke(app, ["sandbox", "--port", "0", "--dns-port", str(taken)])
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"error: cannot serve DNS on 127.0.0.1, {taken} and {taken + 1}: Address already in use\n"
    )


def test_an_env_file_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "no" / "sandbox.env"
    result = CliRunner().invoke(
        app, ["sandbox", "--port", "0", "--dns-port", "0", "--env-file", str(target)]
    )
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"error: {target}: cannot write the environment file: No such file or directory\n"
    )


def test_python_m_maildns_sandbox_is_an_alias(tmp_path: Path) -> None:
    env_file = tmp_path / "sandbox.env"
    proc = subprocess.Popen(
        [sys.executable, "-m", "maildns.sandbox", "--port", "0", "--env-file", str(env_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    timer = kill_when_hung(proc)
    try:
        lines = _read_until(proc, "Press Ctrl+C")
        assert any(line.startswith("  export MAILDNS_NAMESERVERS=") for line in lines)
        assert env_file.read_text().startswith("# maildns sandbox on http://127.0.0.1:")
    finally:
        timer.cancel()
        _stop(proc, signal.SIGINT)


@pytest.mark.parametrize("value", ["65535", "-1", "dns"])
def test_a_bad_dns_port_is_a_usage_error(value: str) -> None:
    assert "Invalid value for '--dns-port': must be an integer from 0 to 65534" in _usage_error(
        "--dns-port", value
    )


# A signal's handler runs on the main thread at whatever line it interrupted. This child
# process calls the stop's SIGINT handler at each line the wait executes in turn (the wait's
# own, and those of anything it calls), as a signal arriving there would; a handler that takes
# a lock the interrupted line holds never returns, and the child hangs. Once the line is past
# the last one the wait runs before it blocks, a real SIGINT (5 s later) ends it.
SIGNAL_AT_EVERY_LINE = """
import os, signal, sys, threading
from maildns.sandbox._serving import stopped_by_signals

def interrupted_at(line):
    seen, called, late = [0], [False], threading.Event()
    with stopped_by_signals() as stop:
        handler = signal.getsignal(signal.SIGINT)

        def trace(frame, event, arg):
            if event == "line" and not late.is_set():
                seen[0] += 1
                if seen[0] == line:
                    called[0] = True
                    handler(signal.SIGINT, frame)
            return trace

        def signal_late():
            late.set()
            os.kill(os.getpid(), signal.SIGINT)

        timer = threading.Timer(5.0, signal_late)  # long past the wait's few lines
        timer.daemon = True
        timer.start()
        sys.settrace(trace)
        try:
            stop.wait()
        finally:
            sys.settrace(None)
            timer.cancel()
    return called[0]

line = 1
while interrupted_at(line):
    line += 1
print(line - 1)
"""


@pytest.mark.long
def test_a_stop_signal_at_any_line_of_the_wait_ends_it() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SIGNAL_AT_EVERY_LINE],
        capture_output=True,
        text=True,
        timeout=60,  # a hang bound: a handler waiting for a lock its thread holds never returns
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 1  # lines of the wait, each interrupted in turn
