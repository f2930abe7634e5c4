"""Who hears of each vendor request: a subscription hook in the engine, for metrics.

A subscriber (:class:`RequestObserver`) hears of every request any client of the process
sends (its vendor, operation id, status class and duration), of every wait for a rate-limit
permit and of every throttle (a 429). The engine's sans-IO core tells it once, for the sync
and async clients alike (``CoreBase.observed`` and ``CoreBase.waited``). A host that talks DNS
rather than HTTP (RFC 2136) tells it of each DNS message (:func:`tell_dns`): its operation is
the message's kind (``query``, ``update``, ``axfr``), its status class the answer's RCODE.

Nobody subscribed costs nothing: the engine reads :data:`observers` (an empty tuple) and
skips the call. Subscribers are called on the thread or event loop that made the request, so
each must be quick and never raise; an exception one raises is logged and swallowed, never
turned into the request's failure.
"""

from __future__ import annotations

import logging
import threading
from typing import Final, Literal, Protocol

HttpStatusClass = Literal["2xx", "3xx", "4xx", "5xx", "error"]
"""An HTTP request's outcome, coarse enough for a metric's label: the status's class, or
``error`` when no status came (a connection refused, a timeout, a body over its bound)."""

DnsStatusClass = Literal[
    "noerror",
    "formerr",
    "servfail",
    "nxdomain",
    "notimp",
    "refused",
    "yxdomain",
    "yxrrset",
    "nxrrset",
    "notauth",
    "notzone",
    "badvers",
    "error",
]
"""A DNS message's outcome: its answer's RCODE, lowercased (a dozen at most), or ``error`` when
no answer came (a connection refused, a timeout, an answer that cannot be read or whose
signature does not verify, an RCODE no RFC assigns)."""

StatusClass = HttpStatusClass | DnsStatusClass

STATUS_CLASSES: Final[tuple[HttpStatusClass, ...]] = ("2xx", "3xx", "4xx", "5xx", "error")

DNS_STATUS_CLASSES: Final[tuple[DnsStatusClass, ...]] = (
    "noerror",  # RCODE 0 ... (RFC 1035 section 4.1.1)
    "formerr",
    "servfail",
    "nxdomain",
    "notimp",
    "refused",
    "yxdomain",  # 6 ... (RFC 2136 section 2.2)
    "yxrrset",
    "nxrrset",
    "notauth",
    "notzone",  # ... 10
)
"""The status class of RCODE ``n`` is ``DNS_STATUS_CLASSES[n]``; BADVERS (16, RFC 6891) is
``badvers``; any other is ``error``."""
BADVERS: Final = 16

logger = logging.getLogger("maildns")


class RequestObserver(Protocol):
    """What a subscriber hears; every method is called once per event, on the caller's thread."""

    def request(self, vendor: str, operation: str, status: StatusClass, seconds: float) -> None:
        """A request ended: ``seconds`` from sending it to the end of its answer (or failure)."""

    def rate_limit_wait(self, vendor: str, seconds: float) -> None:
        """A request waited ``seconds`` for a rate-limit permit before it was sent."""

    def throttled(self, vendor: str) -> None:
        """The vendor answered 429 (Too Many Requests)."""


observers: tuple[RequestObserver, ...] = ()
"""Every subscriber now (replaced whole on each change: the engine reads it without a lock)."""
_lock = threading.Lock()


def subscribe(observer: RequestObserver) -> None:
    """Tell ``observer`` of every request from now on (once, however often it subscribes)."""
    global observers
    with _lock:
        if observer not in observers:
            observers = (*observers, observer)


def unsubscribe(observer: RequestObserver) -> None:
    """Stop telling ``observer`` (nothing when it was not subscribed)."""
    global observers
    with _lock:
        observers = tuple(o for o in observers if o is not observer)


def status_class(status: int | None) -> HttpStatusClass:
    """``"2xx"`` … ``"5xx"`` for an HTTP status, ``"error"`` for none (or one out of range)."""
    if status is None or not 200 <= status <= 599:
        return "error"
    return STATUS_CLASSES[status // 100 - 2]


def dns_status_class(rcode: int | None) -> DnsStatusClass:
    """A DNS answer's RCODE lowercased (``noerror``, ``refused``, ``notauth``, ...);
    ``error`` for no answer (None) or an RCODE no RFC assigns."""
    if rcode is None:
        return "error"
    if 0 <= rcode < len(DNS_STATUS_CLASSES):
        return DNS_STATUS_CLASSES[rcode]
    return "badvers" if rcode == BADVERS else "error"


def tell_request(vendor: str, operation: str, status: int | None, seconds: float) -> None:
    """Tell every subscriber of a request that ended (and of a throttle, on a 429)."""
    shown = status_class(status)
    for observer in observers:
        try:
            observer.request(vendor, operation, shown, seconds)
            if status == 429:
                observer.throttled(vendor)
        except Exception:  # a metric must never fail a request
            logger.exception("a request observer failed; the request goes on")


def tell_dns(vendor: str, operation: str, rcode: int | None, seconds: float) -> None:
    """Tell every subscriber of a DNS message that ended: ``operation`` its kind (``query``,
    ``update``, ``axfr``), ``rcode`` its answer's (None: no answer came)."""
    shown = dns_status_class(rcode)
    for observer in observers:
        try:
            observer.request(vendor, operation, shown, seconds)
        except Exception:  # a metric must never fail a request
            logger.exception("a request observer failed; the request goes on")


def tell_wait(vendor: str, seconds: float) -> None:
    """Tell every subscriber that a request waited ``seconds`` for a rate-limit permit."""
    for observer in observers:
        try:
            observer.rate_limit_wait(vendor, seconds)
        except Exception:
            logger.exception("a request observer failed; the request goes on")
