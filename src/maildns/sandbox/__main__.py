"""``python -m maildns.sandbox --port 8765``: serve the sandbox until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime

from . import Sandbox, SandboxError
from ._core import DEFAULT_SEED, DEFAULT_START
from ._limits import EARLIEST, LATEST, MAX_RATE_LIMIT
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


def _rate_limit(text: str) -> tuple[str, int | None]:
    vendor, equals, value = text.partition("=")
    if not equals or vendor not in VENDORS:
        raise argparse.ArgumentTypeError(
            f"must be VENDOR=N or VENDOR=off with VENDOR one of {', '.join(VENDORS)}, not {text!r}"
        )
    if value == "off":
        return vendor, None
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_RATE_LIMIT:
        raise argparse.ArgumentTypeError(
            f"{vendor}: a whole number of requests per second from 1 to {MAX_RATE_LIMIT}, "
            f"or off, not {value!r}"
        )
    return vendor, limit


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
    parser.add_argument(
        "--rate-limit",
        type=_rate_limit,
        action="append",
        default=[],
        metavar="VENDOR=N|off",
        help="requests per second per client for VENDOR (repeatable; default: the documented "
        "limits only, tesouro=30)",
    )
    args = parser.parse_args(argv)

    sb = Sandbox(
        host=args.host,
        port=args.port,
        seed=args.seed,
        start=args.start,
        rate_limits=dict(args.rate_limit),
    )
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
    limits = ", ".join(f"{v} {n}/s" for v, n in sb.rate_limits.items() if n is not None)
    print(f"  {'limits':<9} {limits or 'none'} per client (--rate-limit VENDOR=N|off)")
    ns1, ns2 = sb.dns_addresses
    print(f"  {'dns':<9} {ns1[0]}:{ns1[1]} (udp and tcp; ns2 {ns2[0]}:{ns2[1]})")
    print(
        f"  controls: POST {sb.base_url}/_sandbox/reset, GET|POST {sb.base_url}/_sandbox/clock,"
        f" GET|POST|DELETE {sb.base_url}/_sandbox/faults, GET|DELETE {sb.base_url}/_sandbox/stats"
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
