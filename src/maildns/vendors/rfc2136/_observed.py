"""Every DNS message the clients send, told to the request observers (:mod:`maildns._core.observe`)
as HTTP vendors' requests are: its kind (``query``, ``update``, ``axfr``) as the operation, the
RCODE of its answer as the outcome (None: no answer came), and how long it took.

Nobody subscribed costs a clock reading per message: the observers are told only when there
are some (read once the message ended, so a subscriber that came meanwhile hears of it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

import dns.asyncquery
import dns.exception
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.tsig
import dns.xfr
import dns.zone

from ..._core import observe
from ._connection import Connection
from ._mapping import VENDOR

QUERY: Final = "query"
UPDATE: Final = "update"
AXFR: Final = "axfr"


def kind(message: dns.message.Message) -> str:
    """``update`` for a DNS UPDATE, else ``query`` (a zone transfer is :func:`inbound_xfr`'s)."""
    return UPDATE if message.opcode() == dns.opcode.UPDATE else QUERY


def rcode_of(error: Exception) -> int | None:
    """The RCODE of the answer behind ``error``, None when no answer came (or none that can be
    read as one)."""
    if isinstance(error, dns.xfr.TransferError):
        return int(error.rcode)
    if isinstance(error, dns.tsig.PeerError):
        # The server's TSIG error (BADKEY, BADSIG, BADTIME, BADTRUNC): dnspython raises it
        # while reading the answer, whose RCODE is then NOTAUTH (RFC 8945 section 5.3.2).
        return int(dns.rcode.NOTAUTH)
    return None


@dataclass(slots=True)
class _Told:
    rcode: int | None = int(dns.rcode.NOERROR)
    """The answer's RCODE, told when the message ends (set by whoever read the answer)."""


@contextmanager
def _telling(operation: str) -> Iterator[_Told]:
    """Tell the observers of one message sent inside: its answer's RCODE (``told.rcode``) when
    it ends, the one behind the error when it raises."""
    started = time.perf_counter()
    told = _Told()
    try:
        yield told
    except Exception as error:
        _tell(operation, rcode_of(error), started)
        raise
    _tell(operation, told.rcode, started)


def _tell(operation: str, rcode: int | None, started: float) -> None:
    if observe.observers:
        observe.tell_dns(VENDOR, operation, rcode, time.perf_counter() - started)


def tcp(message: dns.message.Message, conn: Connection, seconds: float) -> dns.message.Message:
    """``message`` sent over TCP to the server; its answer."""
    with _telling(kind(message)) as told:
        reply = dns.query.tcp(message, conn.host, port=conn.port, timeout=seconds)
        told.rcode = reply.rcode()
    return reply


async def atcp(
    message: dns.message.Message, conn: Connection, seconds: float
) -> dns.message.Message:
    """:func:`tcp`, awaited."""
    with _telling(kind(message)) as told:
        reply = await dns.asyncquery.tcp(message, conn.host, port=conn.port, timeout=seconds)
        told.rcode = reply.rcode()
    return reply


def inbound_xfr(
    zone: dns.zone.Zone, query: dns.message.Message, conn: Connection, seconds: float
) -> None:
    """The zone transfer ``query`` asks for, into ``zone`` (every message of it: one
    ``axfr``)."""
    with _telling(AXFR):
        dns.query.inbound_xfr(
            conn.host, zone, query, port=conn.port, timeout=seconds, lifetime=seconds
        )


async def ainbound_xfr(
    zone: dns.zone.Zone, query: dns.message.Message, conn: Connection, seconds: float
) -> None:
    """:func:`inbound_xfr`, awaited."""
    with _telling(AXFR):
        await dns.asyncquery.inbound_xfr(conn.host, zone, query, port=conn.port, timeout=seconds)
