"""The RFC 2136 clients: every change a DNS UPDATE signed with TSIG, made only if the record
set is still what was read (RFC 2136 prerequisites: compare-and-swap); every read a zone
transfer (AXFR) or a query, signed too."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs
import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.tsig
import dns.update
import dns.xfr
import dns.zone

from ..._core.checks import Checker
from ..._core.secrets import Secret
from ..._dns.names import domain_name
from ..._dns.records import absolute, rdata_of, record_of
from ..._dns.rules import cname_at_apex
from ..._dns.values import dns_record
from ..._dns.values import ttl as check_ttl
from ...errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ClientClosedError,
    InvalidInputError,
    NotFoundError,
    Problem,
)
from ...models import DnsRecord, Zone, ZoneStatus
from ...protocols import AsyncRecordSetHost, RecordSetHost
from . import _observed
from ._connection import Connection, check_option, connection
from ._mapping import VENDOR, key_error, rcode_error, records_of
from ._settings import Rfc2136ZoneSettings

__all__ = ["AsyncRfc2136", "Rfc2136"]

ZONES_ENV: Final = "RFC2136_ZONES"
DEFAULT_TTL: Final = 3600
DEFAULT_TIMEOUT: Final = 10.0
T = TypeVar("T")


class _Base:
    """What both clients share: the options, the checks, the messages and reading answers."""

    def __init__(
        self,
        *,
        server: str | None = None,
        key_name: str | None = None,
        key_algorithm: str | None = None,
        key_secret: str | None = None,
        key_file: str | None = None,
        zones: Sequence[str] | None = None,
        ttl: int = DEFAULT_TTL,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        c = Checker()
        given = {
            "server": server,
            "key_name": key_name,
            "key_algorithm": key_algorithm,
            "key_secret": key_secret,
            "key_file": key_file,
        }
        for argument, value in given.items():
            c.check(check_option, value, argument)
        if key_file is not None and (key_secret is not None or key_name is not None):
            c.add("key_file", "give key_file or key_name and key_secret, not both")
        self.ttl: int = c.check(check_ttl, ttl, "ttl")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            c.add("timeout", f"must be a positive number of seconds, got {timeout!r}")
        if zones is None:  # RFC2136_ZONES: "example.com, example.org"
            named = os.environ.get(ZONES_ENV, "").replace(",", " ").split()
            listed = [c.check(domain_name, z, ZONES_ENV) for z in named]
        else:
            listed = [c.check(domain_name, z, "zones") for z in zones]
        c.raise_if_any()
        self.timeout = float(timeout)
        self.zones: tuple[str, ...] = tuple(listed)
        # The secret is kept masked: the client's repr and vars show no credential.
        self._given: dict[str, str | Secret | None] = {
            **given,
            "key_secret": Secret(key_secret) if key_secret else None,
        }
        self._connection: Connection | None = None
        self._closed = False

    @property
    def vendor(self) -> str:
        return VENDOR

    def __repr__(self) -> str:
        server = self._given["server"] or "$RFC2136_SERVER"
        return f"<{type(self).__name__} server={server!r} zones={list(self.zones)!r}>"

    # --- plumbing -------------------------------------------------------------------------------
    def _conn(self, operation: str) -> Connection:
        if self._closed:
            raise ClientClosedError(f"{type(self).__name__} is closed")
        if self._connection is None:
            self._connection = connection(self._given)
        return self._connection

    def _signed(self, message: dns.message.Message, conn: Connection) -> None:
        message.use_tsig(conn.keyring, keyname=conn.key_name, algorithm=conn.algorithm)

    def _failure(self, error: Exception, operation: str, zone: str) -> APIError:
        """The typed error of what the transport raised."""
        if isinstance(error, APIError):
            return error
        if isinstance(error, dns.tsig.PeerError):
            return key_error(type(error).__doc__ or type(error).__name__, operation)
        if isinstance(error, dns.tsig.BadSignature | dns.message.UnknownTSIGKey) or (
            isinstance(error, dns.exception.FormError) and "TSIG" in str(error)
        ):
            return key_error("its answer is not signed by the key", operation)
        if isinstance(error, dns.xfr.TransferError):
            return rcode_error(error.rcode, operation, zone)
        if isinstance(error, dns.exception.Timeout | TimeoutError):
            conn = self._connection
            where = f"{conn.host}:{conn.port}" if conn else "the server"
            return APITimeoutError(
                f"{where} did not answer within {self.timeout:g} s",
                vendor=VENDOR,
                operation=operation,
            )
        conn = self._connection
        where = f"{conn.host}:{conn.port}" if conn else "the server"
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        return APIConnectionError(
            f"cannot reach {where}: {reason}", vendor=VENDOR, operation=operation
        )

    @staticmethod
    def _answer(reply: dns.message.Message, operation: str, zone: str) -> None:
        if reply.rcode() != dns.rcode.NOERROR:
            raise rcode_error(reply.rcode(), operation, zone)

    # --- checks ---------------------------------------------------------------------------------
    def _zone(self, domain: object) -> str:
        c = Checker()
        zone = c.check(domain_name, domain, "domain")
        c.raise_if_any()
        return zone

    def _record(
        self, domain: object, record: object, *, publishing: bool, new_value: object = None
    ) -> tuple[str, DnsRecord, DnsRecord | None]:
        c = Checker()
        zone = c.check(domain_name, domain, "domain")
        checked: DnsRecord | None = None
        new: DnsRecord | None = None
        if not isinstance(record, DnsRecord):
            c.add("record", f"must be a DnsRecord, got {type(record).__name__}")
        elif not c:
            checked = c.check(dns_record, record, "record", zone=zone)
            if new_value is not None and not c:
                if isinstance(new_value, str):
                    replacement = attrs.evolve(record, value=new_value, purpose=None)
                    new = c.check(dns_record, replacement, "new_value", zone=zone)
                else:
                    c.add("new_value", f"must be a str, got {type(new_value).__name__}")
            if publishing and not c:
                c.check(cname_at_apex, new or checked, "record", zone=zone)
        c.raise_if_any()
        assert checked is not None
        return zone, checked, new

    def _refuse_create(self, domain: object, settings: object) -> InvalidInputError:
        zone = self._zone(domain)
        if settings is not None and not isinstance(settings, Rfc2136ZoneSettings):
            return InvalidInputError(
                [
                    Problem(
                        "settings", f"must be a Rfc2136ZoneSettings, got {type(settings).__name__}"
                    )
                ]
            )
        return InvalidInputError(
            [
                Problem(
                    "domain",
                    f"rfc2136 cannot create zone {zone}: RFC 2136 only updates zones a server "
                    "already serves; add the zone to the server, then check it with check_zone",
                )
            ]
        )

    def _refuse_delete(self, domain: object) -> InvalidInputError:
        zone = self._zone(domain)
        return InvalidInputError(
            [
                Problem(
                    "domain",
                    f"rfc2136 cannot delete zone {zone}: RFC 2136 only updates zones; "
                    "remove it from the server's configuration",
                )
            ]
        )

    # --- messages -------------------------------------------------------------------------------
    def _query(self, name: str, rdtype: str, conn: Connection) -> dns.message.Message:
        query = dns.message.make_query(name, rdtype)
        # An authoritative server: asked, not recursively, and unsigned (what it serves is
        # public; a server answers a zone it does not serve unsigned, whatever was asked).
        query.flags &= ~dns.flags.RD
        return query

    def _axfr(self, zone: str, conn: Connection) -> dns.message.Message:
        query = dns.message.make_query(zone, dns.rdatatype.AXFR)
        self._signed(query, conn)
        return query

    def _rrset(
        self, reply: dns.message.Message, name: str, rdtype: str, operation: str, zone: str
    ) -> tuple[list[dns.rdata.Rdata], int | None]:
        """The record set of ``reply`` (empty when there is none) and its TTL."""
        if reply.rcode() == dns.rcode.NXDOMAIN:
            return [], None
        if reply.rcode() == dns.rcode.REFUSED or not reply.flags & dns.flags.AA:
            raise NotFoundError(
                f"the server does not serve zone {zone}",
                vendor=VENDOR,
                operation=operation,
                status_code=404,
            )
        self._answer(reply, operation, zone)
        wanted = dns.rdatatype.from_text(rdtype)
        for rrset in reply.answer:
            if rrset.name == absolute(name) and rrset.rdtype == wanted:
                return list(rrset), rrset.ttl
        return [], None

    def _swap(
        self,
        zone: str,
        name: str,
        rdtype: str,
        expected: Sequence[dns.rdata.Rdata],
        new: Sequence[dns.rdata.Rdata],
        ttl: int,
        conn: Connection,
    ) -> dns.update.UpdateMessage:
        """Replace the record set at ``name`` of ``rdtype`` by ``new``, only if it is
        ``expected`` (RFC 2136 section 2.4: "RRset exists (value dependent)", or "RRset does not
        exist" when nothing is expected) and, for data other than a CNAME, no CNAME is there."""
        update = dns.update.UpdateMessage(
            zone, keyring=conn.keyring, keyname=conn.key_name, keyalgorithm=conn.algorithm
        )
        owner = absolute(name)
        wanted = dns.rdatatype.from_text(rdtype)
        if expected:
            before = dns.rdataset.Rdataset(dns.rdataclass.IN, wanted)
            for rdata in expected:
                before.add(rdata)
            update.present(owner, before)
        else:
            update.absent(owner, wanted)
        if new and wanted != dns.rdatatype.CNAME:
            # A server silently ignores other data added at a CNAME's name (RFC 2136 section
            # 3.4.2.2) and answers NOERROR: a CNAME put there since the read must refuse it.
            update.absent(owner, dns.rdatatype.CNAME)
        update.delete(owner, wanted)
        if new:
            after = dns.rdataset.Rdataset(dns.rdataclass.IN, wanted, ttl=ttl)
            for rdata in new:
                after.add(rdata)
            update.add(owner, after)
        return update

    def _changed(
        self, operation: str, current: list[dns.rdata.Rdata], old: DnsRecord, new: DnsRecord | None
    ) -> list[dns.rdata.Rdata] | None:
        """The record set after ``operation``; None when nothing is to change."""
        old_rdata = rdata_of(old)
        present = old_rdata in current
        if operation == "add_record":
            return None if present else [*current, old_rdata]
        if not present:
            raise NotFoundError(
                f"no {old.type} record {old.name} {old.value!r}",
                vendor=VENDOR,
                operation=operation,
                status_code=404,
            )
        rest = [r for r in current if r != old_rdata]
        if operation == "update_record":
            assert new is not None
            rest.append(rdata_of(new))
        return rest

    def _held(
        self,
        current: list[dns.rdata.Rdata],
        expected: Sequence[DnsRecord],
        new: Sequence[DnsRecord],
        name: str,
        zone: str,
    ) -> tuple[list[dns.rdata.Rdata], list[dns.rdata.Rdata]]:
        """The set the server holds now (its rdata exactly, as the prerequisite must name it)
        and the one to put in its place, when it holds ``expected``: a record kept keeps its
        rdata (a TXT someone split into other strings still matches);
        ``RecordsChangedError`` when it holds something else."""
        owner = absolute(name)
        held = [(record_of(owner, rdata), rdata) for rdata in current]
        now = sorted(_key(r) for r, _ in held if r is not None)
        if len(now) != len(held) or now != sorted(_key(r) for r in expected):
            rcode = dns.rcode.YXRRSET if not expected else dns.rcode.NXRRSET
            raise rcode_error(rcode, "replace_records", zone)
        kept = {_key(r): rdata for r, rdata in held if r is not None}
        return current, [kept.get(_key(r)) or rdata_of(r) for r in new]

    def _zone_of(self, zone: str, made: dns.zone.Zone) -> Zone:
        pairs = [(name, rdata) for name, _ttl, rdata in made.iterate_rdatas()]
        soa = made.get_rdataset(absolute(zone), dns.rdatatype.SOA)
        serial = soa[0].serial if soa else None
        ttl = soa.ttl if soa else None
        return Zone(
            domain=zone, ttl=ttl, serial=serial, records=records_of(pairs), status=ZoneStatus.SERVED
        )

    def _status(self, soa: dns.message.Message, ns: dns.message.Message, zone: str) -> ZoneStatus:
        origin = absolute(zone)
        authoritative = bool(soa.flags & dns.flags.AA) and soa.rcode() == dns.rcode.NOERROR
        has_soa = any(r.name == origin and r.rdtype == dns.rdatatype.SOA for r in soa.answer)
        has_ns = any(r.name == origin and r.rdtype == dns.rdatatype.NS for r in ns.answer)
        if authoritative and has_soa and has_ns:
            return ZoneStatus.SERVED
        return ZoneStatus.MISSING


class Rfc2136(_Base):
    """Any authoritative DNS server, through RFC 2136 dynamic updates signed with TSIG.

    The server and the key: ``server`` (``host`` or ``host:port``), ``key_name``,
    ``key_algorithm`` (default hmac-sha256) and ``key_secret`` (base64), or ``key_file`` (a
    ``tsig-keygen`` or ``keymgr -t`` file); each falls back to ``RFC2136_SERVER``,
    ``RFC2136_KEY_NAME``, ``RFC2136_KEY_ALGORITHM``, ``RFC2136_KEY_SECRET``,
    ``RFC2136_KEY_FILE``. ``zones``: what ``list_zones`` lists (RFC 2136 cannot ask a server
    which zones it serves), else ``RFC2136_ZONES`` (comma-separated). Zones are neither created
    nor deleted: the server's configuration does that.
    """

    def _call(self, operation: str, zone: str, fn: Callable[[Connection], T]) -> T:
        conn = self._conn(operation)
        try:
            return fn(conn)
        except APIError as error:
            error.operation = error.operation or operation
            raise
        except (dns.exception.DNSException, OSError, EOFError) as error:
            raise self._failure(error, operation, zone) from None

    def __enter__(self) -> Rfc2136:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True

    def create_zone(self, domain: str, settings: Rfc2136ZoneSettings | None = None) -> Zone:
        """Refused: RFC 2136 cannot create a zone (``InvalidInputError``, nothing is sent)."""
        raise self._refuse_create(domain, settings)

    def delete_zone(self, domain: str) -> None:
        """Refused: RFC 2136 cannot delete a zone (``InvalidInputError``, nothing is sent)."""
        raise self._refuse_delete(domain)

    def get_zone(self, domain: str) -> Zone:
        """The zone with its records, by a zone transfer (AXFR)."""
        zone = self._zone(domain)

        def run(conn: Connection) -> Zone:
            made = dns.zone.Zone(zone, relativize=False)
            _observed.inbound_xfr(made, self._axfr(zone, conn), conn, self.timeout)
            return self._zone_of(zone, made)

        return self._call("get_zone", zone, run)

    def list_zones(self) -> Iterator[Zone]:
        """The zones given as ``zones``, each transferred as it is iterated."""
        for zone in self.zones:
            yield self.get_zone(zone)

    def check_zone(self, domain: str) -> ZoneStatus | None:
        """OK when the server answers for the zone with authority, its SOA and its NS."""
        zone = self._zone(domain)

        def run(conn: Connection) -> ZoneStatus:
            soa = _observed.tcp(self._query(zone, "SOA", conn), conn, self.timeout)
            ns = _observed.tcp(self._query(zone, "NS", conn), conn, self.timeout)
            return self._status(soa, ns, zone)

        return self._call("check_zone", zone, run)

    def _change(
        self, operation: str, domain: object, record: object, new_value: object = None
    ) -> None:
        zone, old, new = self._record(
            domain, record, publishing=operation != "delete_record", new_value=new_value
        )
        rdtype = old.type.value

        def run(conn: Connection) -> None:
            reply = _observed.tcp(self._query(old.name, rdtype, conn), conn, self.timeout)
            current, ttl = self._rrset(reply, old.name, rdtype, operation, zone)
            after = self._changed(operation, current, old, new)
            if after is None:
                return
            update = self._swap(zone, old.name, rdtype, current, after, ttl or self.ttl, conn)
            self._answer(
                _observed.tcp(update, conn, self.timeout),
                operation,
                zone,
            )

        self._call(operation, zone, run)

    def add_record(self, domain: str, record: DnsRecord) -> None:
        """Add ``record`` to its record set, if the set is still as read (a record already
        there is left as it is)."""
        self._change("add_record", domain, record)

    def update_record(self, domain: str, record: DnsRecord, new_value: str) -> None:
        """Give the existing ``record`` the value ``new_value``, if its set is still as read."""
        self._change("update_record", domain, record, new_value)

    def delete_record(self, domain: str, record: DnsRecord) -> None:
        """Delete the existing ``record``, if its set is still as read."""
        self._change("delete_record", domain, record)

    def replace_records(
        self, domain: str, expected: Sequence[DnsRecord], new: Sequence[DnsRecord]
    ) -> None:
        """Compare and swap one record set: the records of ``expected``'s (or ``new``'s) name
        and type become ``new``, only if they are ``expected`` now; ``RecordsChangedError``
        otherwise (NXRRSET / YXRRSET), nothing changed. The set is read first and compared
        record by record (a TXT split into other strings is the same record); the update's
        prerequisite then names it exactly, so a change between the read and the update is
        refused too. A set that exists keeps its TTL."""
        zone, name, rdtype, expected_, new_ = _replacement(self, domain, expected, new)

        def run(conn: Connection) -> None:
            query = self._query(name, rdtype, conn)
            found = _observed.tcp(query, conn, self.timeout)
            current, ttl = self._rrset(found, name, rdtype, "replace_records", zone)
            before, after = self._held(current, expected_, new_, name, zone)
            update = self._swap(zone, name, rdtype, before, after, ttl or self.ttl, conn)
            reply = _observed.tcp(update, conn, self.timeout)
            self._answer(reply, "replace_records", zone)

        self._call("replace_records", zone, run)


class AsyncRfc2136(_Base):
    """The asynchronous twin of :class:`Rfc2136`: the same methods, as coroutines; the
    listing is an async iterator."""

    async def _call(self, operation: str, zone: str, fn: Callable[[Connection], Any]) -> Any:
        conn = self._conn(operation)
        try:
            return await fn(conn)
        except APIError as error:
            error.operation = error.operation or operation
            raise
        except (dns.exception.DNSException, OSError, EOFError) as error:
            raise self._failure(error, operation, zone) from None

    async def __aenter__(self) -> AsyncRfc2136:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._closed = True

    async def create_zone(self, domain: str, settings: Rfc2136ZoneSettings | None = None) -> Zone:
        raise self._refuse_create(domain, settings)

    async def delete_zone(self, domain: str) -> None:
        raise self._refuse_delete(domain)

    async def get_zone(self, domain: str) -> Zone:
        zone = self._zone(domain)

        async def run(conn: Connection) -> Zone:
            made = dns.zone.Zone(zone, relativize=False)
            await _observed.ainbound_xfr(made, self._axfr(zone, conn), conn, self.timeout)
            return self._zone_of(zone, made)

        result: Zone = await self._call("get_zone", zone, run)
        return result

    async def list_zones(self) -> AsyncIterator[Zone]:
        for zone in self.zones:
            yield await self.get_zone(zone)

    async def check_zone(self, domain: str) -> ZoneStatus | None:
        zone = self._zone(domain)

        async def run(conn: Connection) -> ZoneStatus:
            soa = await _observed.atcp(self._query(zone, "SOA", conn), conn, self.timeout)
            ns = await _observed.atcp(self._query(zone, "NS", conn), conn, self.timeout)
            return self._status(soa, ns, zone)

        result: ZoneStatus = await self._call("check_zone", zone, run)
        return result

    async def _change(
        self, operation: str, domain: object, record: object, new_value: object = None
    ) -> None:
        zone, old, new = self._record(
            domain, record, publishing=operation != "delete_record", new_value=new_value
        )
        rdtype = old.type.value

        async def run(conn: Connection) -> None:
            reply = await _observed.atcp(self._query(old.name, rdtype, conn), conn, self.timeout)
            current, ttl = self._rrset(reply, old.name, rdtype, operation, zone)
            after = self._changed(operation, current, old, new)
            if after is None:
                return
            update = self._swap(zone, old.name, rdtype, current, after, ttl or self.ttl, conn)
            answer = await _observed.atcp(update, conn, self.timeout)
            self._answer(answer, operation, zone)

        await self._call(operation, zone, run)

    async def add_record(self, domain: str, record: DnsRecord) -> None:
        await self._change("add_record", domain, record)

    async def update_record(self, domain: str, record: DnsRecord, new_value: str) -> None:
        await self._change("update_record", domain, record, new_value)

    async def delete_record(self, domain: str, record: DnsRecord) -> None:
        await self._change("delete_record", domain, record)

    async def replace_records(
        self, domain: str, expected: Sequence[DnsRecord], new: Sequence[DnsRecord]
    ) -> None:
        zone, name, rdtype, expected_, new_ = _replacement(self, domain, expected, new)

        async def run(conn: Connection) -> None:
            query = self._query(name, rdtype, conn)
            found = await _observed.atcp(query, conn, self.timeout)
            current, ttl = self._rrset(found, name, rdtype, "replace_records", zone)
            before, after = self._held(current, expected_, new_, name, zone)
            update = self._swap(zone, name, rdtype, before, after, ttl or self.ttl, conn)
            reply = await _observed.atcp(update, conn, self.timeout)
            self._answer(reply, "replace_records", zone)

        await self._call("replace_records", zone, run)


def _replacement(
    client: _Base, domain: object, expected: Sequence[DnsRecord], new: Sequence[DnsRecord]
) -> tuple[str, str, str, list[DnsRecord], list[DnsRecord]]:
    """``replace_records``'s arguments, checked: one name and type for every record."""
    records = [*expected, *new]
    if not records:
        raise InvalidInputError([Problem("expected", "give at least one record")])
    checked = [client._record(domain, r, publishing=r in new)[1] for r in records]
    zone = client._zone(domain)
    keys = {(r.name, r.type) for r in checked}
    if len(keys) > 1:
        raise InvalidInputError(
            [Problem("new", "every record must have the same name and type (one record set)")]
        )
    name, rtype = next(iter(keys))
    return zone, name, rtype.value, checked[: len(expected)], checked[len(expected) :]


def _key(record: DnsRecord) -> tuple[str, int, str]:
    return (record.value, record.priority or 0, record.type.value)


if TYPE_CHECKING:

    def _plays_its_roles(
        sync: Rfc2136, twin: AsyncRfc2136
    ) -> tuple[RecordSetHost[Rfc2136ZoneSettings], AsyncRecordSetHost[Rfc2136ZoneSettings]]:
        """mypy proves here that the clients satisfy the protocols of their roles (and compare
        and swap record sets)."""
        return (sync, twin)
