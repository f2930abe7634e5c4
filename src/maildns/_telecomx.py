"""TelecomX DNS hosting: zones and their records (``specs/telecomx.yaml``).

Every operation is written once, sans-IO, in :class:`_TelecomXOperations`; :class:`TelecomX`
and :class:`AsyncTelecomX` drive them over ``httpx``. What TelecomX does differently from
maildns's vocabulary is translated here:

* record names: maildns names are fully qualified (``www.example.com``, the root is
  ``example.com``); TelecomX wants them relative to the zone (``www``, ``''``);
* MX records: ``DnsRecord(type=MX, value=host, priority=10)`` is TelecomX's ``type: "MX 10"``,
  ``rData: host``;
* TXT records: the maildns value is the text itself; TelecomX's ``rData`` is that text in
  double quotes, split into strings of at most 255 characters;
* records of a type maildns does not model (``SPF``, ``CAA``, ...) are left out of
  :attr:`Zone.records` with a WARNING; they stay in :attr:`Zone.raw`.

Records have no id at TelecomX: a record is its (name, type, rData) triple, matched exactly.
When an update or delete names a record whose text TelecomX holds in another spelling (a
trailing dot, upper case, an uncompressed IPv6 address, TXT split differently), the facade
reads the zone once, finds the record, and repeats the call with TelecomX's own spelling.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, ClassVar, Final

import attrs
import httpx
from telecomx_client import Client as _GeneratedClient
from telecomx_client.api.dns import (
    check_dns,
    create_dns,
    delete_dns,
    get_dns,
    list_dns,
    update_dns,
)
from telecomx_client.api.records import add_dns_record, delete_dns_record, update_dns_record
from telecomx_client.models import (
    Dns,
    DnsCheckResponse,
    DnsCreateRequest,
    DnsList,
    DnsRecordCreateRequest,
    DnsRecordUpdateRequest,
    DnsUpdateRequest,
)
from telecomx_client.models import DnsRecord as _WireRecord
from telecomx_client.models import Error as _WireError
from telecomx_client.types import UNSET

from . import _validation as v
from ._auth import TelecomXAuth
from ._client import AsyncClient, SyncClient, _Options
from ._config import DEFAULT_MAX_RETRIES, env_secret, env_value, logger
from ._core import Call, Op, Result
from ._models import DnsRecord, RecordType, Zone, ZoneStatus
from ._secrets import Secret
from .errors import (
    APIResponseValidationError,
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
)

__all__ = ["DEFAULT_BASE_URL", "AsyncTelecomX", "TelecomX", "parse_error"]

VENDOR: Final = "telecomx"
DEFAULT_BASE_URL: Final = "https://api.telecomx.dk"
DEFAULT_TTL: Final = 86400
PAGE_SIZE: Final = 100

# Error message keys that name the offending field (the rest are generic: access_denied,
# not_found, internal_error, bad_request, credentials_invalid, expired, invalid_token, ...).
FIELD_KEYS: Final = frozenset(
    {
        "_id",
        "ttl",
        "customer",
        "product",
        "name",
        "type",
        "rData",
        "records",
        "previous",
        "dns",
        # list's query parameters (422 when out of range)
        "offset",
        "limit",
        "full",
    }
)

_MX_TYPE = re.compile(r"MX\s+([0-9]{1,5})")
_PLAIN_TYPES: Final = frozenset(t.value for t in RecordType if t is not RecordType.MX)
_ZONE_STATUSES: Final = {s.value: s for s in ZoneStatus}


# --- errors ---------------------------------------------------------------------------------------
def parse_error(status: int, body: Any) -> tuple[str | None, str | None]:
    """TelecomX's ``{"error": key, "message": text}`` as (message, field).

    The message is the text (else the key); the field is the key when the key names a field
    (``_id``, ``customer``, ``rData``, ...), None for generic keys such as ``not_found``.
    """
    if isinstance(body, _WireError):
        key: Any = body.error
        text: Any = body.message
    elif isinstance(body, dict):
        key, text = body.get("error"), body.get("message")
    else:
        return None, None
    key = key if isinstance(key, str) and key else None
    text = text if isinstance(text, str) and text else None
    return text or key, key if key in FIELD_KEYS else None


# --- auth -----------------------------------------------------------------------------------------
class _TelecomXAuth(TelecomXAuth):
    """The shared login flow, with TelecomX's error keys parsed like any other TelecomX error
    and a missing-credentials message that also names the token alternative."""

    def token_request(self) -> httpx.Request:
        missing = [
            (arg, env)
            for arg, value, env in (
                ("username", self._username, "TELECOMX_USERNAME"),
                ("password", self._password, "TELECOMX_PASSWORD"),
            )
            if value is None
        ]
        if missing:
            args = " and ".join(arg for arg, _ in missing)
            envs = " and ".join(env for _, env in missing)
            raise ConfigurationError(
                f"TelecomX needs {args} (or a token): pass "
                f"{'them' if len(missing) > 1 else 'it'} to the client or set {envs} "
                "(or pass token= or set TELECOMX_TOKEN)"
            )
        return super().token_request()

    def error_message(self, response: httpx.Response) -> tuple[str | None, str | None]:
        try:
            body = response.json()
        except ValueError:
            return None, None
        return parse_error(response.status_code, body)


# --- mapping --------------------------------------------------------------------------------------
def _wire_type(record: DnsRecord) -> str:
    if record.type is RecordType.MX:
        return f"MX {record.priority}"
    return record.type.value


def _wire_data(record_type: RecordType, value: str) -> str:
    return v.txt_rdata(value) if record_type is RecordType.TXT else value


def _record_type(wire_type: str) -> tuple[RecordType, int | None] | None:
    kind = wire_type.strip().upper()
    if kind in _PLAIN_TYPES:
        return RecordType(kind), None
    mx = _MX_TYPE.fullmatch(kind)
    if mx and int(mx.group(1)) <= v.MAX_UINT16:
        return RecordType.MX, int(mx.group(1))
    return None


def _record(item: Any, zone: str, *, warn: bool = True) -> DnsRecord | None:
    """A TelecomX record as a maildns record, or None (with a warning) if maildns cannot say."""
    if not isinstance(item, _WireRecord):
        return None
    name = item.name if isinstance(item.name, str) else ""
    wire_type = item.type_ if isinstance(item.type_, str) else None
    kind = _record_type(wire_type) if wire_type is not None else None
    if kind is None or not isinstance(item.r_data, str):
        if warn:
            logger.warning(
                "telecomx zone %s: skipped the record %r of type %r, which maildns does not "
                "model (it stays in Zone.raw)",
                zone,
                name,
                wire_type,
            )
        return None
    record_type, priority = kind
    try:
        fqdn = v.absolute_name(name, zone)
    except InvalidInputError:  # pragma: no cover - absolute_name only rejects non-strings
        return None
    value = v.parse_txt_rdata(item.r_data) if record_type is RecordType.TXT else item.r_data
    return DnsRecord(type=record_type, name=fqdn, value=value, priority=priority)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _zone(parsed: Any, fallback_domain: str | None = None) -> Zone:
    """A zone from the generated ``Dns`` (or a list item, which has the same fields)."""
    domain = _text(parsed.field_id) or fallback_domain or ""
    domain = domain.rstrip(".").lower()
    records: list[DnsRecord] = []
    if isinstance(parsed.records, list):
        for item in parsed.records:
            record = _record(item, domain)
            if record is not None:
                records.append(record)
    status = _text(parsed.status)
    return Zone(
        domain=domain,
        ttl=_int(parsed.ttl),
        serial=_int(parsed.serial),
        records=tuple(records),
        customer=_text(parsed.customer),
        product=_text(parsed.product),
        status=_ZONE_STATUSES.get(status) if status is not None else None,
        raw=parsed,
    )


def _canonical(record_type: RecordType, value: str) -> str:
    try:
        priority = 0 if record_type is RecordType.MX else None
        return v.record_value(record_type, value, priority=priority)[0]
    except InvalidInputError:
        return value


def _same(record: DnsRecord, item: Any, zone: str) -> bool:
    """Whether the TelecomX record ``item`` is ``record`` (checked and normalised), whatever
    spelling TelecomX keeps it in."""
    found = _record(item, zone, warn=False)
    return (
        found is not None
        and (found.type, found.name, found.priority) == (record.type, record.name, record.priority)
        and _canonical(found.type, found.value) == record.value
    )


def _unexpected(call: str, result: Result, what: str) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"{VENDOR} {call}: the response does not fit the spec (expected {what})",
        vendor=VENDOR,
        operation=call,
        status_code=result.status_code,
        body=result.content,
        request_id=result.request_id,
    )


@attrs.frozen
class _Page:
    zones: tuple[Zone, ...]
    next_offset: int | None


@attrs.frozen
class _Pages:
    """A validated ``list_zones``: each page is one operation."""

    customer: str | None
    page_size: int

    def page(self, offset: int) -> Op[_Page]:
        kwargs: dict[str, Any] = {"offset": offset, "limit": self.page_size, "full": True}
        if self.customer is not None:
            kwargs["customer"] = self.customer
        result = yield Call("list_zones", list_dns, kwargs)
        page = result.parsed
        if not isinstance(page, DnsList):  # pragma: no cover - a 200 always parses as DnsList
            raise _unexpected("list_zones", result, "a page of zones")
        items = page.dns if isinstance(page.dns, list) else []
        zones = tuple(_zone(item) for item in items if _text(item.field_id))
        following = offset + len(items)
        total = _int(page.total)
        # Without a total, a full page means there may be more.
        more = bool(items) and (
            following < total if total is not None else len(items) >= self.page_size
        )
        return _Page(zones, following if more else None)


def _sync_zones(run: Callable[[Op[_Page]], _Page], pages: _Pages) -> Iterator[Zone]:
    seen: set[str] = set()
    offset: int | None = 0
    while offset is not None:
        page = run(pages.page(offset))
        for zone in page.zones:
            if zone.domain not in seen:  # a zone created meanwhile shifts the pages
                seen.add(zone.domain)
                yield zone
        offset = page.next_offset


async def _async_zones(
    run: Callable[[Op[_Page]], Awaitable[_Page]], pages: _Pages
) -> AsyncIterator[Zone]:
    seen: set[str] = set()
    offset: int | None = 0
    while offset is not None:
        page = await run(pages.page(offset))
        for zone in page.zones:
            if zone.domain not in seen:
                seen.add(zone.domain)
                yield zone
        offset = page.next_offset


# --- operations -----------------------------------------------------------------------------------
class _TelecomXOperations:
    """Every TelecomX operation, once: validate, then yield the calls."""

    # --- validation ----------------------------------------------------------------------------
    @staticmethod
    def _domain(domain: object) -> str:
        c = v.Checker()
        name = c.check(v.domain_name, domain, "domain")
        c.raise_if_any()
        return name

    @staticmethod
    def _checked_record(
        c: v.Checker, domain: object, record: object
    ) -> tuple[str, DnsRecord | None]:
        """The zone name and the record, checked; problems go to ``c``."""
        before = len(c.problems)
        zone = c.check(v.domain_name, domain, "domain")
        if not isinstance(record, DnsRecord):
            c.add("record", f"must be a DnsRecord, got {type(record).__name__}")
            return zone, None
        if len(c.problems) == before:
            return zone, c.check(v.dns_record, record, "record", zone=zone)
        # Without a valid zone the name cannot be placed; the type and value can be checked.
        c.check(
            lambda rec, argument: v.record_value(
                rec.type, rec.value, f"{argument}.value", priority=rec.priority
            ),
            record,
            "record",
        )
        return zone, None

    # --- zones -----------------------------------------------------------------------------------
    def create_zone(
        self, domain: str, *, customer: str, product: str, ttl: int = DEFAULT_TTL
    ) -> Op[Zone]:
        c = v.Checker()
        name = c.check(v.domain_name, domain, "domain")
        customer_id = c.check(v.telecomx_id, customer, "customer")
        product_id = c.check(v.telecomx_id, product, "product")
        seconds = c.check(v.ttl, ttl, "ttl")
        c.raise_if_any()
        body = DnsCreateRequest(
            field_id=name, customer=customer_id, product=product_id, ttl=seconds
        )
        result = yield Call("create_zone", create_dns, {"body": body}, tolerate=frozenset({409}))
        if result.error is not None:
            if result.attempts == 1:
                result.raise_error()
            # A retried create meets its own earlier success: return that zone.
            try:
                zone = yield from self._get(name)
            except NotFoundError:
                result.raise_error()
                raise  # pragma: no cover - raise_error raised
            if zone.customer is not None and zone.customer.lower() != customer_id:
                result.raise_error()  # the domain is someone else's zone
            return zone
        if not isinstance(result.parsed, Dns):  # pragma: no cover - a 200 parses as Dns
            raise _unexpected("create_zone", result, "a zone")
        return _zone(result.parsed, name)

    def get_zone(self, domain: str) -> Op[Zone]:
        return self._get(self._domain(domain))

    def _get(self, name: str) -> Op[Zone]:
        result = yield Call("get_zone", get_dns, {"domain": name})
        if not isinstance(result.parsed, Dns):  # pragma: no cover - a 200 parses as Dns
            raise _unexpected("get_zone", result, "a zone")
        return _zone(result.parsed, name)

    def list_zones(self, *, customer: str | None, page_size: int) -> _Pages:
        c = v.Checker()
        customer_id = None if customer is None else c.check(v.telecomx_id, customer, "customer")
        c.raise_if_any()
        return _Pages(customer_id, page_size)

    def update_zone(
        self, domain: str, *, ttl: int | None = None, product: str | None = None
    ) -> Op[Zone]:
        c = v.Checker()
        name = c.check(v.domain_name, domain, "domain")
        if ttl is None and product is None:
            c.add("ttl, product", "give ttl, product or both: there is nothing to update")
        seconds = None if ttl is None else c.check(v.ttl, ttl, "ttl")
        product_id = None if product is None else c.check(v.telecomx_id, product, "product")
        c.raise_if_any()
        body = DnsUpdateRequest(
            ttl=UNSET if seconds is None else seconds,
            product=UNSET if product_id is None else product_id,
        )
        result = yield Call("update_zone", update_dns, {"domain": name, "body": body})
        if not isinstance(result.parsed, Dns):  # pragma: no cover - a 200 parses as Dns
            raise _unexpected("update_zone", result, "a zone")
        return _zone(result.parsed, name)

    def delete_zone(self, domain: str) -> Op[None]:
        name = self._domain(domain)
        result = yield Call("delete_zone", delete_dns, {"domain": name}, tolerate=frozenset({404}))
        if result.error is not None and result.attempts == 1:
            result.raise_error()
        # 404 on a retried attempt: the earlier attempt deleted the zone.

    def check_zone(self, domain: str) -> Op[ZoneStatus | None]:
        name = self._domain(domain)
        result = yield Call("check_zone", check_dns, {"domain": name})
        if not isinstance(result.parsed, DnsCheckResponse):  # pragma: no cover
            raise _unexpected("check_zone", result, "a status")
        status = _text(result.parsed.status)
        if status not in _ZONE_STATUSES:
            logger.warning("telecomx check_zone %s: unknown status %r", name, status)
            return None
        return _ZONE_STATUSES[status]

    # --- records ---------------------------------------------------------------------------------
    def add_record(self, domain: str, record: DnsRecord) -> Op[None]:
        c = v.Checker()
        zone, rec = self._checked_record(c, domain, record)
        c.raise_if_any()
        assert rec is not None
        body = DnsRecordCreateRequest(
            name=v.relative_name(rec.name, zone),
            type_=_wire_type(rec),
            r_data=_wire_data(rec.type, rec.value),
        )
        result = yield Call(
            "add_record",
            add_dns_record,
            {"domain": zone, "body": body},
            tolerate=frozenset({409}),
        )
        if result.error is not None and not (result.attempts > 1 and result.error.field == "name"):
            result.raise_error()
        # 409 name on a retried attempt: the earlier attempt added the record.

    def update_record(self, domain: str, record: DnsRecord, new_value: str) -> Op[None]:
        c = v.Checker()
        zone, rec = self._checked_record(c, domain, record)
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
                lambda value, argument: v.record_value(
                    rtype, value, argument, priority=0 if rtype is RecordType.MX else None
                )[0],
                new_value,
                "new_value",
            )
        c.raise_if_any()
        assert rec is not None
        new_rec = attrs.evolve(rec, value=new)
        sent = _WireRecord(
            name=v.relative_name(rec.name, zone),
            type_=_wire_type(rec),
            r_data=_wire_data(rec.type, rec.value),
        )
        result = yield from self._update(zone, sent, _wire_data(rec.type, new))
        if result.error is None:
            return
        if result.error.field != "records":
            result.raise_error()
        # TelecomX matches the record's text exactly: look for it in another spelling.
        items = yield from self._records(zone)
        old = next((i for i in items if _same(rec, i, zone)), None)
        if old is None or old.r_data == sent.r_data:
            if result.attempts > 1 and any(_same(new_rec, i, zone) for i in items):
                return  # the earlier attempt made the change
            result.raise_error()
        assert old is not None
        again = yield from self._update(zone, old, _wire_data(rec.type, new))
        again.raise_error()

    def _update(self, zone: str, old: _WireRecord, new_data: str) -> Op[Result]:
        body = DnsRecordUpdateRequest(
            name=old.name if isinstance(old.name, str) else "",
            type_=old.type_,
            r_data=old.r_data,
            new=new_data,
        )
        return (
            yield Call(
                "update_record",
                update_dns_record,
                {"domain": zone, "body": body},
                tolerate=frozenset({404}),
            )
        )

    def delete_record(self, domain: str, record: DnsRecord) -> Op[None]:
        c = v.Checker()
        zone, rec = self._checked_record(c, domain, record)
        c.raise_if_any()
        assert rec is not None
        sent = _WireRecord(
            name=v.relative_name(rec.name, zone),
            type_=_wire_type(rec),
            r_data=_wire_data(rec.type, rec.value),
        )
        result = yield from self._delete(zone, sent)
        if result.error is None:
            return
        if result.error.field != "records":
            result.raise_error()
        items = yield from self._records(zone)
        found = next((i for i in items if _same(rec, i, zone)), None)
        if found is None or found.r_data == sent.r_data:
            if result.attempts > 1 and found is None:
                return  # the earlier attempt deleted it
            result.raise_error()
        assert found is not None
        again = yield from self._delete(zone, found)
        if again.error is not None and again.attempts == 1:
            again.raise_error()

    def _delete(self, zone: str, record: _WireRecord) -> Op[Result]:
        return (
            yield Call(
                "delete_record",
                delete_dns_record,
                {
                    "domain": zone,
                    "name": record.name if isinstance(record.name, str) else "",
                    "type_": record.type_,
                    "r_data": record.r_data,
                },
                tolerate=frozenset({404}),
            )
        )

    def _records(self, zone: str) -> Op[list[Any]]:
        result = yield Call("get_zone", get_dns, {"domain": zone})
        parsed = result.parsed
        if isinstance(parsed, Dns) and isinstance(parsed.records, list):
            return list(parsed.records)
        return []


# --- clients --------------------------------------------------------------------------------------
def _setup(
    *,
    username: str | None,
    password: str | None,
    token: str | None,
    base_url: str | None,
    timeout: float | httpx.Timeout | None,
    max_retries: int,
) -> dict[str, Any]:
    """What both twins pass to their base: options, auth, error parser, generated client."""
    c = v.Checker()
    for argument, value in (("username", username), ("password", password), ("token", token)):
        if value is not None and (not isinstance(value, str) or not value):
            c.add(argument, f"must be a non-empty str, got {type(value).__name__}")
    c.raise_if_any()
    options = _Options(
        vendor=VENDOR,
        base_url=base_url,
        default_base_url=DEFAULT_BASE_URL,
        timeout=timeout,
        max_retries=max_retries,
    )
    # Arguments win over the environment; a token (argument, else TELECOMX_TOKEN unless a
    # username or password was passed) is used as it is, without logging in.
    static: Secret | None
    if token is not None:
        static = Secret(token)
    elif username is None and password is None:
        static = env_secret(None, "TELECOMX_TOKEN")
    else:
        static = None
    auth = _TelecomXAuth(
        base_url=options.base_url,
        username=env_value(username, "TELECOMX_USERNAME"),
        password=env_secret(password, "TELECOMX_PASSWORD"),
        token=static,
    )
    return {
        "auth": auth,
        "parse_error": parse_error,
        "generated_client": _GeneratedClient(base_url=options.base_url),
        "options": options,
    }


class TelecomX(SyncClient):
    """TelecomX DNS hosting.

    Credentials: ``token`` (used as it is), else ``username`` and ``password`` (a login token,
    renewed before its 15 minutes are up and once on a 401); each falls back to
    ``TELECOMX_TOKEN``, ``TELECOMX_USERNAME``, ``TELECOMX_PASSWORD``. ``base_url`` falls back
    to ``TELECOMX_BASE_URL``, then https://api.telecomx.dk.
    """

    _vendor = VENDOR
    _default_base_url = DEFAULT_BASE_URL
    _page_size: ClassVar[int] = PAGE_SIZE

    def __init__(
        self,
        *,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            http_client=http_client,
            **_setup(
                username=username,
                password=password,
                token=token,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
            ),
        )
        self._ops = _TelecomXOperations()

    def create_zone(
        self, domain: str, *, customer: str, product: str, ttl: int = DEFAULT_TTL
    ) -> Zone:
        """Host ``domain`` for ``customer``, invoiced with ``product`` (both 24-hex ids)."""
        return self._run(self._ops.create_zone(domain, customer=customer, product=product, ttl=ttl))

    def get_zone(self, domain: str) -> Zone:
        """The zone with its records and delegation status."""
        return self._run(self._ops.get_zone(domain))

    def list_zones(self, *, customer: str | None = None) -> Iterator[Zone]:
        """Every zone (of ``customer``, default the caller's), fetched a page at a time."""
        return _sync_zones(
            self._run, self._ops.list_zones(customer=customer, page_size=self._page_size)
        )

    def update_zone(
        self, domain: str, *, ttl: int | None = None, product: str | None = None
    ) -> Zone:
        """Change the zone's TTL and/or product (at least one); the serial is bumped."""
        return self._run(self._ops.update_zone(domain, ttl=ttl, product=product))

    def delete_zone(self, domain: str) -> None:
        """Delete the zone and all its records."""
        return self._run(self._ops.delete_zone(domain))

    def check_zone(self, domain: str) -> ZoneStatus | None:
        """Whether the domain is delegated to TelecomX (None: a status maildns does not know)."""
        return self._run(self._ops.check_zone(domain))

    def add_record(self, domain: str, record: DnsRecord) -> None:
        """Add ``record`` (its name fully qualified, inside ``domain``)."""
        return self._run(self._ops.add_record(domain, record))

    def update_record(self, domain: str, record: DnsRecord, new_value: str) -> None:
        """Give the existing ``record`` the value ``new_value``."""
        return self._run(self._ops.update_record(domain, record, new_value))

    def delete_record(self, domain: str, record: DnsRecord) -> None:
        """Delete the existing ``record``."""
        return self._run(self._ops.delete_record(domain, record))


class AsyncTelecomX(AsyncClient):
    """The asynchronous twin of :class:`TelecomX`: the same methods, as coroutines
    (``list_zones`` is an async iterator: ``async for zone in client.list_zones()``)."""

    _vendor = VENDOR
    _default_base_url = DEFAULT_BASE_URL
    _page_size: ClassVar[int] = PAGE_SIZE

    def __init__(
        self,
        *,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            http_client=http_client,
            **_setup(
                username=username,
                password=password,
                token=token,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
            ),
        )
        self._ops = _TelecomXOperations()

    async def create_zone(
        self, domain: str, *, customer: str, product: str, ttl: int = DEFAULT_TTL
    ) -> Zone:
        """Host ``domain`` for ``customer``, invoiced with ``product`` (both 24-hex ids)."""
        return await self._run(
            self._ops.create_zone(domain, customer=customer, product=product, ttl=ttl)
        )

    async def get_zone(self, domain: str) -> Zone:
        """The zone with its records and delegation status."""
        return await self._run(self._ops.get_zone(domain))

    def list_zones(self, *, customer: str | None = None) -> AsyncIterator[Zone]:
        """Every zone (of ``customer``, default the caller's), fetched a page at a time."""
        return _async_zones(
            self._run, self._ops.list_zones(customer=customer, page_size=self._page_size)
        )

    async def update_zone(
        self, domain: str, *, ttl: int | None = None, product: str | None = None
    ) -> Zone:
        """Change the zone's TTL and/or product (at least one); the serial is bumped."""
        return await self._run(self._ops.update_zone(domain, ttl=ttl, product=product))

    async def delete_zone(self, domain: str) -> None:
        """Delete the zone and all its records."""
        return await self._run(self._ops.delete_zone(domain))

    async def check_zone(self, domain: str) -> ZoneStatus | None:
        """Whether the domain is delegated to TelecomX (None: a status maildns does not know)."""
        return await self._run(self._ops.check_zone(domain))

    async def add_record(self, domain: str, record: DnsRecord) -> None:
        """Add ``record`` (its name fully qualified, inside ``domain``)."""
        return await self._run(self._ops.add_record(domain, record))

    async def update_record(self, domain: str, record: DnsRecord, new_value: str) -> None:
        """Give the existing ``record`` the value ``new_value``."""
        return await self._run(self._ops.update_record(domain, record, new_value))

    async def delete_record(self, domain: str, record: DnsRecord) -> None:
        """Delete the existing ``record``."""
        return await self._run(self._ops.delete_record(domain, record))
