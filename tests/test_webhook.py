"""Webhooks (``maildns.onboarding._webhook``): a real HTTP receiver on a loopback port checks
each delivery's signature with ``verify_signature`` and fails the first ones (a 500, then a
dropped connection); every event arrives exactly once, signed; a tampered body and an old
timestamp are refused; a receiver that never answers never holds up the caller. Backoff waits
go through an injected sleep: nothing here waits on the clock.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from maildns.onboarding._metrics import WatchMetrics
from maildns.onboarding._webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    WebhookSender,
    WebhookSignatureError,
    check_secret,
    check_url,
    verify_signature,
    webhook_signature,
)

SECRET = "whsec-test-0123456789abcdef"
HANG = 120.0  # a bound on a test that would hang, never on its speed


@dataclass
class Event:
    """A stand-in for the watch's event."""

    kind: str
    domain: str
    vendor: str = "tesouro"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "domain": self.domain, "vendor": self.vendor}


@dataclass
class Receiver:
    """What the test's receiver saw, and how it answers: ``script`` is consumed one answer per
    request (an int status, a (status, Retry-After) pair, ``"drop"`` to close the connection
    without answering, ``"hang"`` to hold the request until ``release`` is set); 200 once it
    is empty."""

    url: str = ""
    script: list[int | str | tuple[int, str]] = field(default_factory=list)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    delivery_ids: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    attempts: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    seen = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with seen.lock:
                seen.attempts += 1
                answer = seen.script.pop(0) if seen.script else 200
                seen.headers.append(dict(self.headers))
                seen.bodies.append(body)
            seen.arrived.set()
            if answer == "hang":
                seen.release.wait(HANG)
                answer = 200
            if answer == "drop":
                self.close_connection = True
                return  # no answer at all: the sender sees the connection closed
            retry_after = None
            if isinstance(answer, tuple):
                answer, retry_after = answer
            assert isinstance(answer, int)
            if answer == 200:
                try:
                    verify_signature(body, self.headers.get(SIGNATURE_HEADER), SECRET)
                except WebhookSignatureError:
                    answer = 400
                else:
                    with seen.lock:
                        seen.accepted.append(json.loads(body))
                        seen.delivery_ids.append(self.headers[DELIVERY_HEADER])
            self.send_response(answer)
            if retry_after is not None:
                self.send_header("Retry-After", retry_after)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    seen.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/maildns"
    yield seen
    seen.release.set()
    server.shutdown()
    server.server_close()


class Waits:
    """The injected sleep: records each backoff wait, waits for none."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _until(condition: Any, what: str) -> None:
    end = time.monotonic() + HANG
    while not condition():
        assert time.monotonic() < end, f"gave up waiting for {what}"
        time.sleep(0.01)


def test_every_event_arrives_once_signed_after_a_500_and_a_dropped_connection(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    receiver.script = [500, "drop"]
    waits = Waits()
    metrics = WatchMetrics()
    sender = WebhookSender(receiver.url, SECRET, sleep=waits, jitter=lambda: 0.5, observer=metrics)
    events = [Event("record_missing", f"d{i}.example.com") for i in range(5)]
    for event in events:
        sender(event)  # the on_event hook
    sender.close(timeout=HANG)
    assert receiver.accepted == [e.to_json() for e in events]  # each once, in order
    assert len(set(receiver.delivery_ids)) == 5
    assert receiver.attempts == 7  # the first event took three
    # the retries of one event carry its delivery id, each signed afresh
    first_ids = {h[DELIVERY_HEADER] for h in receiver.headers[:3]}
    assert len(first_ids) == 1
    # exponential backoff with equal jitter: 1 s then 2 s ceilings, half of each drawn
    assert waits.waits == [0.75, 1.5]
    assert sender.counts == {"delivered": 5, "failed": 0, "dropped": 0}
    text = metrics.exposition()[0].decode()
    assert 'maildns_webhook_deliveries_total{outcome="delivered"} 5.0' in text
    assert SECRET not in caplog.text
    assert "retrying" in caplog.text  # the retries were logged, without the secret
    assert SECRET not in repr(sender)
    for headers in receiver.headers:
        assert SECRET not in json.dumps(headers)


def test_a_4xx_is_final_and_retries_stop_at_the_bound(receiver: Receiver) -> None:
    receiver.script = [410, 503, 503, 503]
    waits = Waits()
    sender = WebhookSender(receiver.url, SECRET, sleep=waits, max_attempts=3, jitter=lambda: 0)
    sender(Event("record_missing", "gone.example.com"))  # refused: 410, never retried
    sender(Event("record_changed", "busy.example.com"))  # 503 three times: given up
    sender(Event("record_restored", "fine.example.com"))
    sender.close(timeout=HANG)
    assert sender.counts == {"delivered": 1, "failed": 2, "dropped": 0}
    assert receiver.attempts == 5
    assert waits.waits == [0.5, 1.0]  # only between the 503s
    assert [e["domain"] for e in receiver.accepted] == ["fine.example.com"]


def test_retry_after_is_honoured_within_the_bound(receiver: Receiver) -> None:
    # a 429 without Retry-After backs off as usual; with it, waits what it says, capped
    receiver.script = [429, (429, "12"), (503, "3600")]
    waits = Waits()
    sender = WebhookSender(receiver.url, SECRET, sleep=waits, backoff_max=30, jitter=lambda: 1)
    sender(Event("vendor_unverified", "a.example.com"))
    sender.close(timeout=HANG)
    assert waits.waits == [1.0, 12.0, 30.0]
    assert sender.counts["delivered"] == 1


def test_a_receiver_that_never_answers_never_holds_up_the_caller(receiver: Receiver) -> None:
    receiver.script = ["hang"]
    sender = WebhookSender(receiver.url, SECRET, max_queue=5, timeout=HANG)
    sender(Event("record_missing", "first.example.com"))
    assert receiver.arrived.wait(HANG)  # the first one is in flight, held by the receiver
    for i in range(50):  # each call returns without waiting on the receiver
        sender(Event("record_missing", f"d{i}.example.com"))
    assert sender.queued() == 5  # the bound: the newest five wait
    assert sender.counts["dropped"] == 45
    receiver.release.set()
    sender.close(timeout=HANG)
    assert [e["domain"] for e in receiver.accepted] == ["first.example.com"] + [
        f"d{i}.example.com" for i in range(45, 50)
    ]
    assert sender.counts == {"delivered": 6, "failed": 0, "dropped": 45}


def test_close_drops_what_it_cannot_deliver_in_time(receiver: Receiver) -> None:
    receiver.script = ["hang"]
    sender = WebhookSender(receiver.url, SECRET, timeout=HANG)
    sender(Event("record_missing", "first.example.com"))
    assert receiver.arrived.wait(HANG)
    sender(Event("record_missing", "second.example.com"))
    sender.close(timeout=0.1)  # returns though the receiver still holds the first
    assert sender._abandon.is_set()
    assert sender.counts["dropped"] == 1  # the second, never sent
    receiver.release.set()  # the one in flight ends on its own
    _until(lambda: sender.counts["delivered"] == 1, "the request in flight to end")
    assert [e["domain"] for e in receiver.accepted] == ["first.example.com"]
    sender(Event("record_missing", "late.example.com"))  # after close: dropped, not sent
    assert sender.counts["dropped"] == 2


def test_verify_signature_refuses_a_tampered_body_an_old_timestamp_and_another_secret(
    receiver: Receiver,
) -> None:
    now = 1_800_000_000.0
    sender = WebhookSender(receiver.url, SECRET, clock=lambda: now)
    sender(Event("record_changed", "mail.example.com"))
    sender.close(timeout=HANG)
    body, header = receiver.bodies[0], receiver.headers[0][SIGNATURE_HEADER]
    assert header.startswith(f"t={int(now)},v1=")
    assert verify_signature(body, header, SECRET, now=now + 10) == int(now)
    assert verify_signature(body.decode(), header, SECRET, now=now) == int(now)
    tampered = body.replace(b"mail.example.com", b"evil.example.com")
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(tampered, header, SECRET, now=now)
    with pytest.raises(WebhookSignatureError, match="tolerance"):
        verify_signature(body, header, SECRET, now=now + 301)
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(body, header, "another-secret-0123456789", now=now)
    # a timestamp moved forward to pass the tolerance breaks the signature
    moved = header.replace(f"t={int(now)}", f"t={int(now) + 3600}")
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(body, moved, SECRET, now=now + 3600)
    # a secret being rotated: either of two v1 signatures passes
    new = webhook_signature(body, "the-new-secret-0123456789", int(now)).split("v1=")[1]
    rotated = f"{header},v1={new}"
    assert verify_signature(body, rotated, "the-new-secret-0123456789", now=now) == int(now)
    for broken in (None, "", "v1=abc", "t=soon,v1=abc", f"t={int(now)}"):
        with pytest.raises(WebhookSignatureError):
            verify_signature(body, broken, SECRET, now=now)


def _docs_verify() -> Any:
    """The guide's ten-line stdlib ``verify``, taken from the page as it stands."""
    guide = Path(__file__).resolve().parents[1] / "docs" / "guide"
    for page in sorted(guide.glob("*.md")):
        for code in re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S):
            if "def verify(body: bytes, header: str" in code:
                names: dict[str, Any] = {}
                exec(code.split("\n\n\nsecret =")[0], names)  # noqa: S102 - our own docs
                return names["verify"]
    raise AssertionError("no guide page shows the stdlib verify")


def test_the_guides_stdlib_verification_agrees_with_verify_signature() -> None:
    verify = _docs_verify()
    now = int(time.time())
    body = b'{"kind":"record_missing","domain":"mail.example.com"}'
    cases = {
        "signed now": (body, webhook_signature(body, SECRET, now), SECRET),
        "tampered": (body + b" ", webhook_signature(body, SECRET, now), SECRET),
        "old": (body, webhook_signature(body, SECRET, now - 3600), SECRET),
        "another secret": (body, webhook_signature(body, SECRET, now), "x" * 20),
        "rotated": (
            body,
            webhook_signature(body, "x" * 20, now) + ",v1=" + "0" * 64,
            "x" * 20,
        ),
        "no t": (body, "v1=" + "0" * 64, SECRET),
    }
    for name, (sent, header, secret) in cases.items():
        try:
            verify_signature(sent, header, secret)
            expected = True
        except WebhookSignatureError:
            expected = False
        assert verify(sent, header, secret) is expected, name
    assert verify(*cases["signed now"])


def test_a_bad_secret_or_url_is_one_clear_line() -> None:
    with pytest.raises(ValueError, match="MAILDNS_WEBHOOK_SECRET"):
        check_secret(None)
    with pytest.raises(ValueError, match="at least 16 characters"):
        check_secret("short")
    assert check_secret(SECRET) == SECRET
    for bad in ("ftp://example.com/hook", "not a url", "http://"):
        with pytest.raises(ValueError, match="--webhook must be"):
            check_url(bad)
    with pytest.raises(ValueError, match="--webhook must be") as caught:
        check_url("ftp://user:hunter2-secret@example.com/")
    assert "hunter2-secret" not in str(caught.value)
