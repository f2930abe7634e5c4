"""Webhooks of ``maildns onboard watch``: each event POSTed as JSON, signed, retried, never
blocking the checks.

**Signing** is Stripe's scheme: the header ``Maildns-Signature: t=<unix time>,v1=<hex>`` holds
the time of sending and the HMAC-SHA256, keyed with the shared secret, of
``f"{t}.{body}"``. The time is signed with the body, so a captured delivery cannot be replayed
once it is older than the receiver's tolerance (:func:`verify_signature`, five minutes by
default); each retry is signed afresh. ``Maildns-Delivery`` names the event's delivery, the same
on every retry of it: a receiver that saw it already (its answer lost on the way back) can drop
the repeat.

**Delivery** is from a thread of its own, in order, through a bounded queue: the caller (the
watch loop's ``on_event``) only appends, and never waits. When the queue is full the oldest
waiting event is dropped (and counted): the newest say the most about the domains now. A
delivery is retried on a 5xx, a 408 or 429, a timeout and a connection error, with exponential
backoff and jitter (a ``Retry-After`` is honoured, within the same bound); another 4xx is the
receiver's final word (counted as failed).

The secret is given by the caller (the command line reads ``MAILDNS_WEBHOOK_SECRET``, never an
argument, which ``ps`` would show); it is remembered by the one redaction point, so no log line
or message shows it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol

import maildns

from .._core.secrets import Secret, redact, redact_url

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger("maildns")

SIGNATURE_HEADER: Final = "Maildns-Signature"
DELIVERY_HEADER: Final = "Maildns-Delivery"
EVENT_HEADER: Final = "Maildns-Event"
SECRET_ENV: Final = "MAILDNS_WEBHOOK_SECRET"  # noqa: S105 - a name, not a secret
MIN_SECRET_LENGTH: Final = 16
"""Characters a shared secret has at least: a short one can be guessed from a signature."""
DEFAULT_TOLERANCE: Final = 300.0
DEFAULT_QUEUE: Final = 1000
DEFAULT_ATTEMPTS: Final = 8
DEFAULT_TIMEOUT: Final = 10.0
BACKOFF_INITIAL: Final = 1.0
BACKOFF_MAX: Final = 300.0
RETRY_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})


class WebhookSignatureError(ValueError):
    """A delivery's signature does not hold: missing, malformed, not the body's, or too old."""


class EventLike(Protocol):
    """What the sender reads of an event: its kind, and its JSON."""

    @property
    def kind(self) -> str: ...

    def to_json(self) -> Any: ...


class DeliveryObserver(Protocol):
    """Who counts the deliveries (the watch's metrics)."""

    def webhook_delivery(self, outcome: str) -> None:
        """``delivered``, ``failed`` or ``dropped``."""

    def webhook_queue(self, length: int) -> None: ...


def webhook_signature(body: bytes, secret: str, timestamp: int) -> str:
    """The ``Maildns-Signature`` header of ``body`` sent at ``timestamp`` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    body: bytes | str,
    header: str | None,
    secret: str,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> int:
    """Check a delivery, as a receiver does: ``header`` is its ``Maildns-Signature``, ``body``
    the request's body exactly as received (before any JSON parsing), ``secret`` the shared
    secret. Returns the signed timestamp; raises :class:`WebhookSignatureError` when the header
    is missing or malformed, when no ``v1`` signature matches (a tampered body, another
    secret), or when the timestamp is more than ``tolerance`` seconds from ``now`` (default:
    the current time), which stops a captured delivery being replayed later.

    Several ``v1=`` entries are accepted (any one matching), so that a sender may sign with an
    old and a new secret while a secret is rotated.
    """
    if not header:
        raise WebhookSignatureError(f"no {SIGNATURE_HEADER} header")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise WebhookSignatureError(f"{SIGNATURE_HEADER}: t is not a number") from None
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise WebhookSignatureError(f"{SIGNATURE_HEADER} must hold t=<unix time> and v1=<hex>")
    raw = body.encode() if isinstance(body, str) else body
    expected = webhook_signature(raw, secret, timestamp).rpartition("v1=")[2]
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise WebhookSignatureError("the signature does not match the body")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookSignatureError(
            f"the signature's timestamp is {abs(current - timestamp):.0f} s from now "
            f"(tolerance {tolerance:g} s): a replay, or a clock far off"
        )
    return timestamp


def check_secret(secret: str | None) -> str:
    """``MAILDNS_WEBHOOK_SECRET``'s value, checked: ValueError (one line) when it is unset or
    too short."""
    if not secret:
        raise ValueError(f"--webhook needs the shared secret in {SECRET_ENV} (it is not set)")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(
            f"{SECRET_ENV} must be at least {MIN_SECRET_LENGTH} characters, got {len(secret)}"
        )
    return secret


def check_url(url: str) -> str:
    """A webhook URL, checked: ValueError (one line) unless it is http(s) with a host."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except (TypeError, httpx.InvalidURL):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(
            f"--webhook must be an http:// or https:// URL with a host, got {redact(url)[:80]!r}"
        )
    return url


def _body(event: EventLike) -> bytes:
    value = event.to_json()
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return redact(text).encode()


class _Delivery:
    __slots__ = ("body", "id", "kind")

    def __init__(self, body: bytes, kind: str) -> None:
        self.body = body
        self.kind = kind
        self.id = uuid.uuid4().hex


class WebhookSender:
    """POST each event given to it (call it: it is an ``on_event`` hook) to ``url``, signed
    with ``secret`` (see the module's docstring).

    ``sleep`` waits between retries (default: a wait that :meth:`close` cuts short) and
    ``jitter`` draws the jitter (in [0, 1)), so that a test drives both; ``clock`` gives the
    signature's unix time. ``observer`` counts the outcomes (:class:`DeliveryObserver`);
    :attr:`counts` keeps them too.
    """

    SECRET_ENV: Final = SECRET_ENV
    """Where the command line reads the shared secret."""
    check_secret = staticmethod(check_secret)
    check_url = staticmethod(check_url)

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        max_queue: int = DEFAULT_QUEUE,
        max_attempts: int = DEFAULT_ATTEMPTS,
        timeout: float = DEFAULT_TIMEOUT,
        backoff_initial: float = BACKOFF_INITIAL,
        backoff_max: float = BACKOFF_MAX,
        observer: DeliveryObserver | None = None,
        sleep: Callable[[float], None] | None = None,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if max_queue < 1 or max_attempts < 1:
            raise ValueError("max_queue and max_attempts must be at least 1")
        self.url = check_url(url)
        self._secret = Secret(secret)  # remembered: redacted wherever it might show
        self._queue: deque[_Delivery] = deque()
        self._max_queue = max_queue
        self._max_attempts = max_attempts
        self._timeout = timeout
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._observer = observer
        self._abandon = threading.Event()
        self._sleep = sleep or self._abandon.wait
        self._jitter = jitter
        self._clock = clock
        self._transport = transport
        self._lock = threading.Condition()
        self._closing = False
        self._busy = False
        self.counts: dict[str, int] = {"delivered": 0, "failed": 0, "dropped": 0}
        self._thread = threading.Thread(target=self._run, name="maildns-webhook", daemon=True)
        self._thread.start()

    def __repr__(self) -> str:
        return f"<WebhookSender url={redact_url(self.url)!r} queued={len(self._queue)}>"

    # --- the caller's side: never waits -------------------------------------------------------
    def __call__(self, event: EventLike) -> None:
        self.send(event)

    def send(self, event: EventLike) -> None:
        """Queue ``event`` for delivery and return at once (the oldest waiting one is dropped
        when the queue is full)."""
        delivery = _Delivery(_body(event), event.kind)
        with self._lock:
            if self._closing:
                self._count("dropped")
                return
            if len(self._queue) >= self._max_queue:
                self._queue.popleft()
                self._count("dropped")
                logger.warning(
                    "webhook queue full (%d events): dropped the oldest", self._max_queue
                )
            self._queue.append(delivery)
            self._report_queue()
            self._lock.notify()

    def queued(self) -> int:
        """Events waiting (not counting one being delivered)."""
        return len(self._queue)

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued for up to ``timeout`` seconds, then stop; what is still
        queued then is dropped (and counted). It returns within ``timeout`` and a second: a
        request still in flight then is left to its own timeout on the (daemon) thread, so
        the process's exit never waits on a receiver."""
        with self._lock:
            self._closing = True
            self._lock.notify()
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._abandon.set()  # cut retries' waits short: no new attempt starts
            self._thread.join(min(1.0, self._timeout))
        with self._lock:
            left = len(self._queue)
            self._queue.clear()
            for _ in range(left):
                self._count("dropped")
            self._report_queue()
        if left:
            logger.warning("webhook: %d events not delivered before stopping", left)

    # --- the delivering thread ----------------------------------------------------------------
    def _count(self, outcome: str) -> None:
        self.counts[outcome] += 1
        if self._observer is not None:
            self._observer.webhook_delivery(outcome)

    def _report_queue(self) -> None:
        if self._observer is not None:
            self._observer.webhook_queue(len(self._queue))

    def _run(self) -> None:
        import httpx

        with httpx.Client(timeout=self._timeout, transport=self._transport) as http:
            while True:
                with self._lock:
                    while not self._queue and not self._closing:
                        self._lock.wait()
                    if not self._queue or self._abandon.is_set():
                        return
                    delivery = self._queue.popleft()
                    self._report_queue()
                try:
                    self._deliver(http, delivery)
                except Exception:  # a bug must not stop every later delivery
                    logger.exception("webhook: delivery %s failed unexpectedly", delivery.id)
                    self._count("failed")

    def _headers(self, delivery: _Delivery) -> dict[str, str]:
        timestamp = int(self._clock())
        return {
            "Content-Type": "application/json",
            "User-Agent": f"maildns/{maildns.__version__}",
            SIGNATURE_HEADER: webhook_signature(delivery.body, self._secret.get(), timestamp),
            DELIVERY_HEADER: delivery.id,
            EVENT_HEADER: delivery.kind,
        }

    def _deliver(self, http: httpx.Client, delivery: _Delivery) -> None:
        import httpx

        for attempt in range(1, self._max_attempts + 1):
            if self._abandon.is_set():
                self._count("dropped")
                return
            retry_after: float | None = None
            try:
                response = http.post(
                    self.url, content=delivery.body, headers=self._headers(delivery)
                )
            except httpx.TransportError as exc:
                why = type(exc).__name__
            else:
                status = response.status_code
                if status < 300:
                    self._count("delivered")
                    return
                if status not in RETRY_STATUSES:
                    logger.warning(
                        "webhook: %s refused event %s (%s) with HTTP %d; not retried",
                        redact_url(self.url),
                        delivery.id,
                        delivery.kind,
                        status,
                    )
                    self._count("failed")
                    return
                why = f"HTTP {status}"
                retry_after = _retry_after(response.headers)
            if attempt == self._max_attempts:
                break
            wait = self._backoff(attempt, retry_after)
            logger.info(
                "webhook: attempt %d of %d for event %s failed (%s); retrying in %.1f s",
                attempt,
                self._max_attempts,
                delivery.id,
                why,
                wait,
            )
            self._sleep(wait)
        logger.warning(
            "webhook: event %s (%s) not delivered after %d attempts",
            delivery.id,
            delivery.kind,
            self._max_attempts,
        )
        self._count("failed")

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Exponential, with equal jitter (half fixed, half drawn), so that many senders
        retrying one receiver spread out; a ``Retry-After`` wins, within ``backoff_max``."""
        if retry_after is not None:
            return min(retry_after, self._backoff_max)
        ceiling = min(self._backoff_max, self._backoff_initial * 2.0 ** (attempt - 1))
        return ceiling / 2 + ceiling / 2 * self._jitter()


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None  # NaN fails the test too
