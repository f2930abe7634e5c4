"""The TelecomX DNS API (``specs/telecomx.yaml``) as a stateful Starlette app.

Zones belong to the seeded customer (``ACCOUNT["customer_id"]``, in ``ctx.accounts``) and are
invoiced with the seeded product (``ACCOUNT["product_id"]``). Login tokens come from
``ctx.ids`` and expire 15 minutes after login on ``ctx.clock`` (never with ``persist``). Every
other route wants the token as the ``token`` query parameter (or the ``token`` cookie login sets
with ``cookie: true``).

Request bodies are validated with the generated models (``vendor_models.telecomx``) and every
error has the spec's shape ``{"error": "<message key>", "message": "<description>"}`` with the
wiki's status, key and description. Where the wiki is silent, it does what a DNS host must: a
CNAME at the zone apex, or beside other records at its name, is a 422 ``name`` (RFC 1034).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, NoReturn, TypeVar

import pydantic_core
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from vendor_models import telecomx as vm

from .._core.checks import clip
from .._dns.names import absolute_name
from ._core import SandboxContext
from ._http import JSON, checked_response, model_response, query
from ._limits import MAX_QUOTED_CHARS, NotJSON, TooDeep, loads
from ._routes import allowed_methods, exact_methods
from ._zoneindex import ZoneData

DEMO_CREDENTIALS: Final = {
    "username": "demo@sandbox.telecomx.dk",
    "password": "sandbox-telecomx-password",
}
CUSTOMER_ID: Final = "64a1f0c2b9e4d3a2c1b0f9e8"
"""The seeded customer that owns the demo zones."""
PRODUCT_ID: Final = "64a1f0c2b9e4d3a2c1b0aaaa"
"""The seeded DNS hosting product."""
ACCOUNT: Final = {"customer_id": CUSTOMER_ID, "product_id": PRODUCT_ID}
NAMESERVERS: Final = ("ns1.sandbox.telecomx.test.", "ns2.sandbox.telecomx.test.")
"""The NS names the sandbox's nameservers give every zone of this host (ns1 is the SOA's mname)."""

TOKEN_MINUTES = 15
DEFAULT_TTL = 86400
ACCESS_LEVEL = "OWNER"

M = TypeVar("M", bound=BaseModel)

# The wiki's descriptions for each (status, message key).
MESSAGES: dict[tuple[int, str], str] = {
    (400, "bad_request"): "Bad request",
    (401, "credentials_invalid"): "Authorization required, please login",
    (401, "expired"): "Session has expired, please login",
    (404, "not_found"): "DNS not found",
    (404, "records"): "Record not found",
    (404, "customer"): "Customer not found",
    (404, "product"): "Product not found",
    (409, "_id"): "Domain name already exists",
    (409, "name"): "Another record with the same name, type and rData already exist",
    (422, "_id"): "Invalid domain name",
    (422, "ttl"): "TTL not valid",
    (422, "product"): "Product not valid",  # a null: no page has words for it
    (422, "name"): "Name is invalid",  # the add-record page's words
    (422, "type"): "Type is invalid",
    (422, "rData"): "Data is invalid",
    (422, "previous"): "Previous record missing",
    (422, "offset"): "Offset not valid",
    (422, "limit"): "Limit not valid",
    (422, "full"): "Full not valid",
    (500, "internal_error"): "Internal error",
    # No TelecomX page documents a rate limit: the sandbox's own words, for a limit it is given.
    (429, "rate_limited"): "Too many requests",
}

# Not in the wiki (it says nothing of CNAME conflicts): what a DNS host answers, in its words.
MSG_CNAME_APEX: Final = "Name is invalid: a CNAME record cannot be at the zone apex"
MSG_CNAME_BESIDE: Final = "Name is invalid: other records have this name, so it cannot be a CNAME"
MSG_CNAME_TAKEN: Final = "Name is invalid: this name is a CNAME, so it cannot hold other records"

_HEX24 = re.compile(r"^[0-9a-fA-F]{24}$")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^{_LABEL}(\.{_LABEL})*\.?$")
# CNAME targets may be service names such as s1._domainkey.example.com.
_TARGET_LABEL = r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_CNAME_TARGET = re.compile(rf"^{_TARGET_LABEL}(\.{_TARGET_LABEL})*\.?$")
_TXT = re.compile(r'^"(?:[^"\\]|\\.)*"(?:\s+"(?:[^"\\]|\\.)*")*$')
_SRV_NAME = re.compile(r"^_[A-Za-z0-9-]+\._[A-Za-z0-9-]+(\.|$)")
_SRV_DATA = re.compile(r"^([0-9]{1,5}) ([0-9]{1,5}) ([0-9]{1,5}) (\S+)$")
_MX_TYPE = re.compile(r"^MX ([0-9]{1,5})$")


class TelecomXError(Exception):
    """An error answered in the vendor's shape."""

    def __init__(
        self,
        status: int,
        key: str,
        message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {key}")
        self.status = status
        self.key = key
        self.message = message or MESSAGES.get((status, key), key)
        self.headers = headers


def _fail(status: int, key: str, message: str | None = None) -> NoReturn:
    raise TelecomXError(status, key, message)


def error_json(status: int, message: str) -> dict[str, Any]:
    """TelecomX's error body for what the sandbox itself refuses (a body too large)."""
    body: dict[str, Any] = vm.Error(error="bad_request", message=message).model_dump(
        mode="json", exclude_none=True
    )
    return body


def _error_response(
    status: int, key: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    return model_response(vm.Error(error=key, message=message), status, headers)


def _reply(model: BaseModel) -> Response:
    return model_response(model, by_alias=True)


def _js_iso(moment: datetime) -> str:
    """A timestamp as the vendor prints it (JavaScript's toISOString): 2018-01-01T00:00:00.000Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


def _first_of_next_month(moment: datetime) -> datetime:
    start = moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (start + timedelta(days=32)).replace(day=1)


@dataclass
class Record:
    name: str
    type: str
    rdata: str

    def key(self) -> tuple[str, str, str]:
        return (self.name.lower(), self.type, self.rdata)


@dataclass
class Zone:
    domain: str
    customer: str
    product: str
    invoiced_until: datetime
    serial: int
    ttl: int
    records: list[Record] = field(default_factory=list)
    # The answered bytes of GET /dns/{domain}, keyed by what they show (see ``answer``).
    _answer: tuple[tuple[Any, ...], bytes] | None = field(default=None, repr=False, compare=False)

    def bump(self) -> None:
        self.serial += 1

    def answer(self, status: str | None) -> bytes:
        """The zone's JSON, validated against the spec's ``Dns`` when it was built.

        Built again whenever anything it shows changes: every change bumps the serial, and the
        key also holds what a change could forget to bump (ttl, product, record count).
        """
        key = (status, self.serial, self.ttl, self.product, len(self.records))
        if self._answer is None or self._answer[0] != key:
            data = self.to_dict(status=status)
            vm.Dns.model_validate(data)
            self._answer = (key, pydantic_core.to_json(data))
        return self._answer[1]

    def find(self, name: str, rtype: str, rdata: str) -> Record | None:
        wanted = (name.lower(), rtype, rdata)
        return next((r for r in self.records if r.key() == wanted), None)

    def matches(self, text: str) -> bool:
        needle = text.lower()
        return needle in self.domain or any(
            needle in r.name.lower() or needle in r.rdata.lower() for r in self.records
        )

    def to_dict(self, *, status: str | None = None) -> dict[str, Any]:
        """The zone in its wire form (``status`` only when given)."""
        data: dict[str, Any] = {
            "_id": self.domain,
            "customer": self.customer,
            "product": self.product,
            "invoicedUntil": _js_iso(self.invoiced_until),
            "serial": self.serial,
            "ttl": self.ttl,
            "records": [{"name": r.name, "type": r.type, "rData": r.rdata} for r in self.records],
        }
        if status is not None:
            data["status"] = status
        return data


@dataclass
class Session:
    token: str
    expires: datetime | None  # None: persistent


class TelecomXState:
    """Zones and sessions of one app instance."""

    def __init__(self, ctx: SandboxContext) -> None:
        self.ctx = ctx
        self.zones: dict[str, Zone] = {}
        self.sessions: dict[str, Session] = {}
        self._employee_id: str | None = None
        self.served = ServedZones(self.zones)

    @property
    def employee_id(self) -> str:
        if self._employee_id is None:  # drawn at first login, so app creation draws nothing
            self._employee_id = self.ctx.ids.hex(24)
        return self._employee_id

    def now(self) -> datetime:
        return self.ctx.clock.now()

    def authenticate(self, request: Request) -> None:
        token = query(request).get("token") or request.cookies.get("token")
        session = self.sessions.get(token) if token else None
        if session is None:
            _fail(401, "credentials_invalid")
        if session.expires is not None and self.now() >= session.expires:
            _fail(401, "expired")
        verdict = self.ctx.admit(self.ctx.accounts["telecomx"]["customer_id"])
        if verdict is not None and not verdict.allowed:
            raise TelecomXError(429, "rate_limited", headers=verdict.headers())

    def zone(self, domain: str) -> Zone:
        zone = self.zones.get(domain.lower())
        if zone is None:
            _fail(404, "not_found")
        return zone


# --- the DNS-host interface of the sandbox's nameserver (see ``_registry.served_zones``) --------
def _presented(rtype: str, rdata: str) -> tuple[str, str]:
    """TelecomX's ``(type, rData)`` in presentation form: its MX type carries the preference."""
    if rtype.startswith("MX "):
        return "MX", f"{rtype[3:]} {rdata}"
    return rtype, rdata


class ServedZones(Mapping[str, ZoneData]):
    """The zones as they are now, for the nameserver: each copied only when asked for and only
    once after each change, so a query costs the same whatever the number and size of zones.

    Every change of a zone bumps its serial; the key also holds what a change could forget to
    bump (ttl, record count), and the zone object itself (a zone deleted and created again
    starts from the same serial)."""

    def __init__(self, zones: dict[str, Zone]) -> None:
        self._zones = zones
        self._made: dict[str, tuple[Zone, tuple[int, int, int], ZoneData]] = {}

    def __getitem__(self, domain: str) -> ZoneData:
        zone = self._zones[domain]
        key = (zone.serial, zone.ttl, len(zone.records))
        made = self._made.get(domain)
        if made is not None and made[0] is zone and made[1] == key:
            return made[2]
        # list(): the HTTP thread may be adding a record meanwhile
        records = tuple((r.name, *_presented(r.type, r.rdata)) for r in list(zone.records))
        data = ZoneData(zone.domain, zone.serial, zone.ttl, records, NAMESERVERS)
        self._made[domain] = (zone, key, data)
        return data

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._zones))

    def __len__(self) -> int:
        return len(self._zones)


def served_zones(app: object) -> Mapping[str, ZoneData]:
    """The zones of an app made by :func:`create_app`, as the sandbox's nameservers serve them."""
    return state_of(app).served


def state_of(app: object) -> TelecomXState:
    """The zones and sessions of an app made by :func:`create_app` (read-only use: DNS)."""
    state = getattr(getattr(app, "state", None), "telecomx", None)
    if not isinstance(state, TelecomXState):
        raise TypeError(f"{app!r} is not a TelecomX sandbox app")
    return state


def publish(app: object, zone: str, records: Sequence[tuple[str, str, str]]) -> None:
    """Add ``(relative name, type, rData)`` records to ``zone`` of the seeded account, creating
    the zone when missing, as ``POST /dns`` and ``POST /dns/{domain}/record`` would; records
    already there are left as they are. Every record is checked before any is added."""
    state = state_of(app)
    checked = [(name, _check_record(name, rtype, rdata), rdata) for name, rtype, rdata in records]
    domain = zone.lower()
    target = state.zones.get(domain)
    # The CNAME rules hold for the zone as it would be: try every record on a copy first.
    trial = list(target.records) if target is not None else []
    for name, rtype, rdata in checked:
        wanted = (name.lower(), rtype, rdata)
        if not any(r.key() == wanted for r in trial):
            _check_cname(domain, trial, name, rtype)
            trial.append(Record(name, rtype, rdata))
    if target is None:
        now = state.now()
        account = state.ctx.accounts["telecomx"]
        target = state.zones[domain] = Zone(
            domain=domain,
            customer=account["customer_id"],
            product=account["product_id"],
            invoiced_until=_first_of_next_month(now),
            serial=int(now.strftime("%Y%m%d")) * 100,
            ttl=DEFAULT_TTL,
        )
    for name, rtype, rdata in checked:
        if target.find(name, rtype, rdata) is None:
            target.records.append(Record(name, rtype, rdata))
            target.bump()


# --- request validation -------------------------------------------------------------------------
def _check_cname(domain: str, records: list[Record], name: str, rtype: str) -> None:
    """RFC 1034 section 3.6.2, as a DNS host enforces it: no CNAME at the zone apex (it holds
    the SOA and NS), and a name with a CNAME holds nothing else (another CNAME included)."""
    owner = absolute_name(name, domain)
    if rtype == "CNAME" and owner == domain:
        _fail(422, "name", MSG_CNAME_APEX)
    here = [r for r in records if absolute_name(r.name, domain) == owner]
    if any(r.type == "CNAME" for r in here):
        _fail(422, "name", MSG_CNAME_TAKEN)
    if rtype == "CNAME" and here:
        _fail(422, "name", MSG_CNAME_BESIDE)


def _validation_key(exc: ValidationError) -> str:
    for err in exc.errors():
        if err["loc"]:
            return clip(str(err["loc"][0]), MAX_QUOTED_CHARS)  # an unknown field's name, maybe
    return "bad_request"


async def _json_body(request: Request) -> Any:
    try:
        return loads(await request.body())
    except TooDeep as exc:
        _fail(400, "bad_request", f"Bad request: the JSON is {exc}")
    except NotJSON:
        _fail(400, "bad_request")


def _validate(
    model: type[M],
    data: Any,
    statuses: dict[str, int] | None = None,
    keys: dict[str, str] | None = None,
) -> M:
    """Validate ``data`` with a generated model; a failure is the vendor's error for the field.

    The message key is the offending field (renamed by ``keys``), the status 422 unless
    ``statuses`` says otherwise (create's ``customer`` and ``product`` are 404: not found).
    """
    if not isinstance(data, dict):
        _fail(400, "bad_request")
    for name, field_info in model.model_fields.items():
        wire = field_info.alias or name
        # The spec makes no property nullable: the generated model's ``None`` only stands for
        # an optional property left out, so a null sent for one is a schema violation.
        if wire in data and data[wire] is None and not field_info.is_required():
            key = (keys or {}).get(wire, wire)
            _fail(422, key, MESSAGES.get((422, key), f"{key} not valid"))
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        key = _validation_key(exc)
        if key == "bad_request":
            _fail(400, key)
        key = (keys or {}).get(key, key)
        status = (statuses or {}).get(key, 422)
        _fail(status, key, MESSAGES.get((status, key), f"{key} not valid"))


def _is_hostname(value: str, pattern: re.Pattern[str] = _HOSTNAME) -> bool:
    return len(value.rstrip(".")) <= 253 and bool(pattern.match(value))


def _check_record(name: str, rtype: str, rdata: str) -> str:
    """Apply the wiki's per-type rules; return the type in its canonical form ('MX 10')."""
    mx = _MX_TYPE.match(rtype)
    if mx:
        priority = int(mx.group(1))
        if priority > 65535:
            _fail(422, "type")
        rtype = f"MX {priority}"
    elif rtype not in ("A", "AAAA", "CNAME", "SRV", "NS", "TXT"):
        _fail(422, "type")
    if rtype == "SRV" and not _SRV_NAME.match(name):
        _fail(422, "name")
    _check_rdata(rtype, rdata)
    return rtype


def _check_rdata(rtype: str, rdata: str) -> None:
    ok: bool
    if rtype == "A":
        ok = _is_ip(rdata, 4)
    elif rtype == "AAAA":
        ok = _is_ip(rdata, 6)
    elif rtype == "CNAME":
        ok = _is_hostname(rdata, _CNAME_TARGET)
    elif rtype == "NS" or rtype.startswith("MX "):
        ok = _is_hostname(rdata)
    elif rtype == "TXT":
        ok = bool(_TXT.match(rdata))
    else:  # SRV: 'priority weight port target.'
        srv = _SRV_DATA.match(rdata)
        ok = (
            srv is not None
            and all(int(n) <= 65535 for n in srv.group(1, 2, 3))
            and (srv.group(4) == "." or _is_hostname(srv.group(4)))
        )
    if not ok:
        _fail(422, "rData")


def _is_ip(value: str, version: int) -> bool:
    if "%" in value:
        return False
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return address.version == version


def _query_int(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = query(request).get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        _fail(422, name)
    if value < low or (high is not None and value > high):
        _fail(422, name)
    return value


def _query_bool(request: Request, name: str) -> bool:
    raw = query(request).get(name)
    if raw is None or raw == "false":  # a boolean query parameter is true or false (OpenAPI)
        return False
    if raw == "true":
        return True
    _fail(422, name)


# --- the app --------------------------------------------------------------------------------------
def create_app(ctx: SandboxContext) -> Starlette:
    """A fresh TelecomX app: no zones, no sessions.

    A plain Starlette app (every handler reads its request itself: FastAPI's dependency
    machinery would only cost time); each route serves exactly the methods it names (no
    implicit HEAD), as the FastAPI app it replaces did.
    """
    state = TelecomXState(ctx)
    account = ctx.accounts["telecomx"]

    async def _vendor_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TelecomXError)
        return _error_response(exc.status, exc.key, exc.message, exc.headers)

    async def _http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return _error_response(404, "not_found", "Not found")
        if exc.status_code == 405:
            answer = _error_response(405, "bad_request", "Method not allowed")
            answer.headers["Allow"] = allowed_methods(request)
            return answer
        return _error_response(exc.status_code, "bad_request", str(exc.detail))

    async def _internal_error(request: Request, exc: Exception) -> Response:
        return _error_response(500, "internal_error", MESSAGES[(500, "internal_error")])

    # --- auth ------------------------------------------------------------------------------------
    async def login(request: Request) -> Response:
        try:
            body = vm.LoginRequest.model_validate(await _json_body(request), strict=True)
        except ValidationError:
            _fail(400, "bad_request")
        expected = ctx.credentials["telecomx"]
        if body.username != expected["username"] or body.password != expected["password"]:
            _fail(401, "credentials_invalid")
        token = ctx.ids.token(24)
        now = state.now()
        expires = None if body.persist else now + timedelta(minutes=TOKEN_MINUTES)
        state.sessions[token] = Session(token, expires)
        result = vm.LoginResponse(
            token=token,
            expiresInMinutes=-1 if body.persist else TOKEN_MINUTES,
            employee=state.employee_id,
            customer=account["customer_id"],
            accessLevel=ACCESS_LEVEL,
        )
        response = _reply(result)
        if body.cookie:
            response.set_cookie("token", token, httponly=True, secure=True, samesite="strict")
        return response

    # --- zones -----------------------------------------------------------------------------------
    async def list_dns(request: Request) -> Response:
        state.authenticate(request)
        customer = query(request).get("customer", account["customer_id"])
        if customer.lower() != account["customer_id"].lower():
            _fail(404, "customer")
        offset = _query_int(request, "offset", 0, 0, None)
        limit = _query_int(request, "limit", 100, 1, 500)
        text = query(request).get("filter") or ""
        full = _query_bool(request, "full")
        zones = sorted(
            (z for z in state.zones.values() if not text or z.matches(text)),
            key=lambda z: z.domain,
        )
        shown = zones[offset : offset + limit]
        items: list[dict[str, Any]] = [
            zone.to_dict(status="OK")
            if full
            else {
                "_id": zone.domain,
                "ttl": str(zone.ttl),
                "records": len(zone.records),
                "status": "OK",
            }
            for zone in shown
        ]
        page = {"offset": offset, "limit": limit, "total": len(zones), "dns": items}
        return checked_response(vm.DnsList, page)

    def zone_response(zone: Zone, *, status: str | None = None) -> Response:
        return Response(zone.answer(status), media_type=JSON)

    async def create_dns(request: Request) -> Response:
        state.authenticate(request)
        body = _validate(
            vm.DnsCreateRequest,
            await _json_body(request),
            {"customer": 404, "product": 404},
        )
        if body.customer.lower() != account["customer_id"].lower():
            _fail(404, "customer")
        if body.product.lower() != account["product_id"].lower():
            _fail(404, "product")
        domain = body.field_id.lower()
        if domain in state.zones:
            _fail(409, "_id")
        now = state.now()
        zone = Zone(
            domain=domain,
            customer=account["customer_id"],
            product=account["product_id"],
            invoiced_until=_first_of_next_month(now),
            serial=int(now.strftime("%Y%m%d")) * 100,
            ttl=DEFAULT_TTL if body.ttl is None else body.ttl,
        )
        state.zones[domain] = zone
        return zone_response(zone)

    async def get_dns(request: Request) -> Response:
        domain: str = request.path_params["domain"]
        state.authenticate(request)
        return zone_response(state.zone(domain), status="OK")

    async def update_dns(request: Request) -> Response:
        domain: str = request.path_params["domain"]
        state.authenticate(request)
        zone = state.zone(domain)
        body = _validate(vm.DnsUpdateRequest, await _json_body(request), {"product": 404})
        if body.product is not None:
            if body.product.lower() != account["product_id"].lower():
                _fail(404, "product")
            zone.product = account["product_id"]
        if body.ttl is not None:
            zone.ttl = body.ttl
        if body.model_fields_set:
            zone.bump()
        return zone_response(zone)

    async def delete_dns(request: Request) -> Response:
        domain: str = request.path_params["domain"]
        state.authenticate(request)
        zone = state.zone(domain)
        del state.zones[zone.domain]
        return _reply(vm.SuccessResponse(success=True))

    async def check_dns(request: Request) -> Response:
        domain: str = request.path_params["domain"]
        state.authenticate(request)
        state.zone(domain)
        return _reply(vm.DnsCheckResponse(status="OK"))

    # --- records ---------------------------------------------------------------------------------
    async def add_record(request: Request) -> Response:
        domain: str = request.path_params["domain"]
        state.authenticate(request)
        zone = state.zone(domain)
        body = _validate(vm.DnsRecordCreateRequest, await _json_body(request))
        rtype = _check_record(body.name, body.type, body.rData)
        if zone.find(body.name, rtype, body.rData) is not None:
            _fail(409, "name")
        _check_cname(zone.domain, zone.records, body.name, rtype)
        zone.records.append(Record(body.name, rtype, body.rData))
        zone.bump()
        return _reply(vm.SuccessResponse(success=True))

    async def update_record(request: Request) -> Response:
        domain: str = request.path_params["domain"]
        state.authenticate(request)
        zone = state.zone(domain)
        data = await _json_body(request)
        if isinstance(data, dict) and not data.get("rData"):
            _fail(422, "previous")
        body = _validate(vm.DnsRecordUpdateRequest, data, keys={"new": "rData"})
        rtype = _check_record(body.name, body.type, body.rData)
        record = zone.find(body.name, rtype, body.rData)
        if record is None:
            _fail(404, "records")
        _check_rdata(rtype, body.new)
        if body.new != record.rdata and zone.find(body.name, rtype, body.new) is not None:
            _fail(409, "name")
        record.rdata = body.new
        zone.bump()
        return _reply(vm.SuccessResponse(success=True))

    async def delete_record(request: Request) -> Response:
        domain: str = request.path_params["domain"]
        state.authenticate(request)
        zone = state.zone(domain)
        params = query(request)
        given = {k: params[k] for k in ("name", "type", "rData") if k in params}
        body = _validate(vm.DnsRecordCreateRequest, given)
        rtype = _check_record(body.name, body.type, body.rData)
        record = zone.find(body.name, rtype, body.rData)
        if record is None:
            _fail(404, "records")
        zone.records.remove(record)
        zone.bump()
        return _reply(vm.SuccessResponse(success=True))

    routes = [
        Route("/auth/login", login, methods=["POST"], name="login"),
        Route("/dns", list_dns, methods=["GET"], name="listDns"),
        Route("/dns", create_dns, methods=["POST"], name="createDns"),
        Route("/dns/{domain}", get_dns, methods=["GET"], name="getDns"),
        Route("/dns/{domain}", update_dns, methods=["POST"], name="updateDns"),
        Route("/dns/{domain}", delete_dns, methods=["DELETE"], name="deleteDns"),
        Route("/dns/{domain}/check", check_dns, methods=["GET"], name="checkDns"),
        Route("/dns/{domain}/record", add_record, methods=["POST"], name="addDnsRecord"),
        Route("/dns/{domain}/record", update_record, methods=["PUT"], name="updateDnsRecord"),
        Route("/dns/{domain}/record", delete_record, methods=["DELETE"], name="deleteDnsRecord"),
    ]
    routes = exact_methods(routes)
    app = Starlette(
        routes=routes,
        exception_handlers={
            TelecomXError: _vendor_error,
            StarletteHTTPException: _http_error,
            Exception: _internal_error,
        },
    )
    # Read by the sandbox's DNS server (``_dns.py``) through :func:`state_of`; no route uses it.
    app.state.telecomx = state
    return app
