"""``python -m maildns.sandbox --port 8765``: serve the sandbox until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime

from . import Sandbox, SandboxError
from ._core import DEFAULT_SEED, DEFAULT_START
from ._limits import EARLIEST, LATEST
from ._registry import VENDORS


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be an integer from 0 to 65535, not {text!r}")
    return port


def _start(text: str) -> datetime:
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an ISO 8601 time such as 2026-01-01T09:00:00+00:00, not {text!r}"
        ) from None
    if start.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"needs a timezone, e.g. 2026-01-01T09:00:00+00:00, not {text!r}"
        )
    if not EARLIEST <= start < LATEST:
        raise argparse.ArgumentTypeError(
            f"must be from {EARLIEST:%Y-%m-%d} to before {LATEST:%Y-%m-%d}, not {text!r}"
        )
    return start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m maildns.sandbox",
        description="Serve a local, stateful stand-in for the Tesouro, TelecomX and CiiRUS APIs.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, default=8765, help="port (default 8765; 0 = any free)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed for ids and tokens")
    parser.add_argument(
        "--start",
        type=_start,
        default=DEFAULT_START,
        help="the clock's start, ISO 8601 with a timezone (default %(default)s)",
    )
    args = parser.parse_args(argv)

    sb = Sandbox(host=args.host, port=args.port, seed=args.seed, start=args.start)
    try:
        sb.start_server()
    except (OSError, SandboxError) as exc:
        # One line, not a traceback: "[Errno 98] Address already in use" -> its words.
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"error: cannot serve on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return 1

    print(f"maildns sandbox on {sb.base_url} (seed {sb.seed}, clock {sb.now().isoformat()})")
    for vendor in VENDORS:
        creds = " ".join(f"{k}={v}" for k, v in sb.credentials(vendor).items())
        print(f"  {vendor:<9} {sb.url(vendor):<40} {creds}")
    for vendor in VENDORS:
        ids = " ".join(f"{k}={v}" for k, v in sb.account(vendor).items())
        if ids:
            print(f"  {vendor:<9} {ids}")
    ns1, ns2 = sb.dns_addresses
    print(f"  {'dns':<9} {ns1[0]}:{ns1[1]} (udp and tcp; ns2 {ns2[0]}:{ns2[1]})")
    print(
        f"  controls: POST {sb.base_url}/_sandbox/reset, GET|POST {sb.base_url}/_sandbox/clock,"
        f" GET|POST|DELETE {sb.base_url}/_sandbox/faults"
    )
    print("Press Ctrl+C to stop.", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    sb.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
