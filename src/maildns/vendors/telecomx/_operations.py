"""Every TelecomX operation, once, sans-IO: validate, then yield the calls.

When an update or delete names a record whose text TelecomX holds in another spelling (a
trailing dot, upper case, an uncompressed IPv6 address, TXT split differently), the operation
reads the zone once, finds the record, and repeats the call with TelecomX's own spelling.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

import attrs

from ..._core.checks import Checker
from ..._core.engine import Call, Op, Page, Pages, Result
from ..._core.options import logger
from ..._dns.names import domain_name
from ..._dns.rules import cname_at_apex
from ..._dns.values import dns_record, record_value
from ..._dns.values import ttl as check_ttl
from ...errors import InvalidInputError, NotFoundError
from ...models import DnsRecord, RecordType, Zone, ZoneStatus
from ._auth import API
from ._mapping import Wire, same, to_zone, wire, zone_status
from ._settings import DEFAULT_TTL, TelecomXZoneSettings, telecomx_id

PAGE_SIZE: Final = 100

LIST: Final = API.endpoint("api.dns.list_dns")
CREATE: Final = API.endpoint("api.dns.create_dns")
GET: Final = API.endpoint("api.dns.get_dns")
UPDATE: Final = API.endpoint("api.dns.update_dns")
DELETE: Final = API.endpoint("api.dns.delete_dns")
CHECK: Final = API.endpoint("api.dns.check_dns")
ADD_RECORD: Final = API.endpoint("api.records.add_dns_record")
UPDATE_RECORD: Final = API.endpoint("api.records.update_dns_record")
DELETE_RECORD: Final = API.endpoint("api.records.delete_dns_record")

_CONFLICT: Final = frozenset({409})
_GONE: Final = frozenset({404})


def _domain(domain: object) -> str:
    c = Checker()
    name = c.check(domain_name, domain, "domain")
    c.raise_if_any()
    return name


def _checked_record(
    c: Checker, domain: object, record: object, *, publishing: bool = False
) -> tuple[str, DnsRecord | None]:
    """The zone name and the record, checked; problems go to ``c``.

    ``publishing`` (add, update): the record must also be one the zone may hold; a CNAME at
    the apex may still be deleted (someone else may have made it).
    """
    before = len(c.problems)
    zone = c.check(domain_name, domain, "domain")
    if not isinstance(record, DnsRecord):
        c.add("record", f"must be a DnsRecord, got {type(record).__name__}")
        return zone, None
    if len(c.problems) == before:
        checked = c.check(dns_record, record, "record", zone=zone)
        if publishing and len(c.problems) == before:
            c.check(cname_at_apex, checked, "record", zone=zone)
        return zone, checked
    # Without a valid zone the name cannot be placed; the type and value can be checked.
    c.check(
        lambda rec, argument: record_value(
            rec.type, rec.value, f"{argument}.value", priority=rec.priority
        ),
        record,
        "record",
    )
    return zone, None


def _zone_settings(
    c: Checker,
    settings: object,
    customer: object,
    product: object,
    ttl: object,
) -> TelecomXZoneSettings | None:
    """The settings object, or one built from the keyword arguments; problems go to ``c``."""
    if settings is not None:
        if any(v is not None for v in (customer, product, ttl)):
            c.add("settings", "give settings or customer, product and ttl, not both")
            return None
        if not isinstance(settings, TelecomXZoneSettings):
            c.add("settings", f"must be a TelecomXZoneSettings, got {type(settings).__name__}")
            return None
        return settings
    missing = [n for n, v in (("customer", customer), ("product", product)) if v is None]
    if missing:
        c.add(
            ", ".join(missing),
            "TelecomX needs the customer and product of a new zone "
            "(or settings=TelecomXZoneSettings(...))",
        )
        for argument, value in (("customer", customer), ("product", product)):
            if value is not None:
                c.check(telecomx_id, value, argument)
        if ttl is not None:
            c.check(check_ttl, ttl, "ttl")
        return None
    try:
        return TelecomXZoneSettings(
            customer=customer,  # type: ignore[arg-type]  # checked by the settings
            product=product,  # type: ignore[arg-type]
            ttl=DEFAULT_TTL if ttl is None else ttl,  # type: ignore[arg-type]
        )
    except InvalidInputError as error:
        c.extend(error)
        return None


class TelecomXOperations:
    """TelecomX DNS hosting.

    Credentials: ``token`` (used as it is), or ``username`` and ``password`` (a login token,
    renewed before its 15 minutes are up and once on a 401), never both; each falls back to
    ``TELECOMX_TOKEN``, ``TELECOMX_USERNAME``, ``TELECOMX_PASSWORD``. ``base_url`` falls back
    to ``TELECOMX_BASE_URL``, then https://api.telecomx.dk.
    """

    page_size: ClassVar[int] = PAGE_SIZE

    def __init__(self) -> None:
        pass

    # --- zones -----------------------------------------------------------------------------------
    def create_zone(
        self,
        domain: str,
        settings: TelecomXZoneSettings | None = None,
        *,
        customer: str | None = None,
        product: str | None = None,
        ttl: int | None = None,
    ) -> Op[Zone]:
        """Host ``domain`` for ``customer``, invoiced with ``product`` (both 24-hex ids),
        given as ``settings`` or as keyword arguments."""
        c = Checker()
        name = c.check(domain_name, domain, "domain")
        chosen = _zone_settings(c, settings, customer, product, ttl)
        c.raise_if_any()
        assert chosen is not None
        from telecomx_client.models import DnsCreateRequest  # loaded with the first call

        body = DnsCreateRequest(
            field_id=name, customer=chosen.customer, product=chosen.product, ttl=chosen.ttl
        )
        result = yield Call(CREATE, {"body": body}, tolerate=_CONFLICT)
        if result.error is not None:
            if result.attempts == 1:
                result.raise_error()
            # A retried create meets its own earlier success: return that zone.
            try:
                found = yield Call(GET, {"domain": name})
            except NotFoundError:
                result.raise_error()
                raise  # pragma: no cover - raise_error raised
            owner = found.model.customer
            if owner is not None and owner.lower() != chosen.customer:
                result.raise_error()  # the domain is someone else's zone
            return to_zone(found.model, found.deferred(), name)
        return to_zone(result.model, result.deferred(), name)

    def get_zone(self, domain: str) -> Op[Zone]:
        """The zone with its records and delegation status."""
        return self._get(_domain(domain))

    def _get(self, name: str) -> Op[Zone]:
        result = yield Call(GET, {"domain": name})
        return to_zone(result.model, result.deferred(), name)

    def list_zones(self, *, customer: str | None = None) -> Pages[Zone]:
        """Every zone (of ``customer``, default the caller's), fetched a page at a time."""
        c = Checker()
        customer_id = None if customer is None else c.check(telecomx_id, customer, "customer")
        c.raise_if_any()
        size = self.page_size

        def page(offset: int) -> Op[Page[Zone]]:
            kwargs: dict[str, Any] = {"offset": offset, "limit": size, "full": True}
            if customer_id is not None:
                kwargs["customer"] = customer_id
            result = yield Call(LIST, kwargs)
            items = result.model.dns or []
            zones = [
                to_zone(item, result.deferred("dns", index))
                for index, item in enumerate(items)
                if item.field_id
            ]
            following = offset + len(items)
            total = result.model.total
            # Without a total, a full page means there may be more.
            more = bool(items) and (following < total if total is not None else len(items) >= size)
            return Page(zones, following if more else None)

        # A zone created meanwhile shifts the pages: each zone is listed once.
        return Pages(page, 0, key=lambda zone: zone.domain)

    def update_zone(
        self, domain: str, *, ttl: int | None = None, product: str | None = None
    ) -> Op[Zone]:
        """Change the zone's TTL and/or product (at least one)."""
        c = Checker()
        name = c.check(domain_name, domain, "domain")
        if ttl is None and product is None:
            c.add("ttl, product", "give ttl, product or both: there is nothing to update")
        seconds = None if ttl is None else c.check(check_ttl, ttl, "ttl")
        product_id = None if product is None else c.check(telecomx_id, product, "product")
        c.raise_if_any()
        from telecomx_client.models import DnsUpdateRequest
        from telecomx_client.types import UNSET

        body = DnsUpdateRequest(
            ttl=UNSET if seconds is None else seconds,
            product=UNSET if product_id is None else product_id,
        )
        result = yield Call(UPDATE, {"domain": name, "body": body})
        return to_zone(result.model, result.deferred(), name)

    def delete_zone(self, domain: str) -> Op[None]:
        """Delete the zone and all its records."""
        result = yield Call(DELETE, {"domain": _domain(domain)}, tolerate=_GONE)
        if result.error is not None and result.attempts == 1:
            result.raise_error()
        # 404 on a retried attempt: the earlier attempt deleted the zone.

    def check_zone(self, domain: str) -> Op[ZoneStatus | None]:
        """Whether the domain is delegated to TelecomX (None: a status maildns does not know)."""
        name = _domain(domain)
        result = yield Call(CHECK, {"domain": name})
        status = zone_status(result.model.status)
        if status is None:
            logger.warning("telecomx check_zone %s: unknown status %r", name, result.model.status)
        return status

    # --- records ---------------------------------------------------------------------------------
    def add_record(self, domain: str, record: DnsRecord) -> Op[None]:
        """Add ``record`` (its name fully qualified, inside ``domain``).

        A CNAME at the zone apex is refused before any request (RFC 1034 section 3.6.2). A
        CNAME beside other records, or a record beside a CNAME, depends on what the zone holds:
        TelecomX answers for it (the sandbox: ``UnprocessableEntityError``, field ``name``).
        """
        c = Checker()
        zone, rec = _checked_record(c, domain, record, publishing=True)
        c.raise_if_any()
        assert rec is not None
        sent = wire(rec, zone)
        from telecomx_client.models import DnsRecordCreateRequest

        body = DnsRecordCreateRequest(name=sent.name, type_=sent.type, r_data=sent.rdata)
        result = yield Call(ADD_RECORD, {"domain": zone, "body": body}, tolerate=_CONFLICT)
        if result.error is not None and not (result.attempts > 1 and result.error.field == "name"):
            result.raise_error()
        # 409 name on a retried attempt: the earlier attempt added the record.

    def update_record(self, domain: str, record: DnsRecord, new_value: str) -> Op[None]:
        """Give the existing ``record`` the value ``new_value`` (not a CNAME at the apex)."""
        c = Checker()
        zone, rec = _checked_record(c, domain, record, publishing=True)
        given = getattr(record, "type", None)
        rtype = (
            RecordType(given.upper())
            if isinstance(given, str) and given.upper() in RecordType.__members__
            else None
        )
        new: str = new_value
        if rtype is not None:
            # The priority stays the record's (checked with it); only the value is new.
            new = c.check(
                lambda value, argument: record_value(
                    rtype, value, argument, priority=0 if rtype is RecordType.MX else None
                )[0],
                new_value,
                "new_value",
            )
        c.raise_if_any()
        assert rec is not None
        new_rec = attrs.evolve(rec, value=new)
        sent = wire(rec, zone)
        new_data = wire(rec, zone, new).rdata
        result = yield from self._update(zone, sent, new_data)
        if result.error is None:
            return
        if result.error.field != "records":
            result.raise_error()
        # TelecomX matches the record's text exactly: look for it in another spelling.
        items = yield from self._records(zone)
        old = next((i for i in items if same(rec, i, zone)), None)
        if old is None or old.rData == sent.rdata:
            if result.attempts > 1 and any(same(new_rec, i, zone) for i in items):
                return  # the earlier attempt made the change
            result.raise_error()
        assert old is not None
        again = yield from self._update(zone, Wire.of(old), new_data)
        again.raise_error()

    def _update(self, zone: str, old: Wire, new_data: str) -> Op[Result]:
        from telecomx_client.models import DnsRecordUpdateRequest

        body = DnsRecordUpdateRequest(name=old.name, type_=old.type, r_data=old.rdata, new=new_data)
        return (yield Call(UPDATE_RECORD, {"domain": zone, "body": body}, tolerate=_GONE))

    def delete_record(self, domain: str, record: DnsRecord) -> Op[None]:
        """Delete the existing ``record``."""
        c = Checker()
        zone, rec = _checked_record(c, domain, record)
        c.raise_if_any()
        assert rec is not None
        sent = wire(rec, zone)
        result = yield from self._delete(zone, sent)
        if result.error is None:
            return
        if result.error.field != "records":
            result.raise_error()
        items = yield from self._records(zone)
        found = next((i for i in items if same(rec, i, zone)), None)
        if found is None or found.rData == sent.rdata:
            if result.attempts > 1 and found is None:
                return  # the earlier attempt deleted it
            result.raise_error()
        assert found is not None
        again = yield from self._delete(zone, Wire.of(found))
        if again.error is not None and again.attempts == 1:
            again.raise_error()

    def _delete(self, zone: str, record: Wire) -> Op[Result]:
        kwargs = {"domain": zone, "name": record.name, "type_": record.type, "r_data": record.rdata}
        return (yield Call(DELETE_RECORD, kwargs, tolerate=_GONE))

    def _records(self, zone: str) -> Op[list[Any]]:
        result = yield Call(GET, {"domain": zone})
        return list(result.model.records or [])
