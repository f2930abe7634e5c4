"""The CiiRUS Partner API email subaccount endpoints, both dated versions, as one Starlette app.

Routes are the vendor's: ``/v2023.07.31/emails/subaccount`` and ``/v2024.07.31/emails/subaccount``
(``GET`` retrieve, ``POST`` create, ``PUT`` update, ``DELETE`` delete); the version is the first
path segment. Both versions see the same state: the sandbox has partner accounts (the demo
credentials, ``ctx.credentials["ciirus"]``, and the seeded :data:`PARTNER_ACCOUNTS`, for trying
several accounts at once) and each account has at most one Mandrill subaccount, so a subaccount
created through one version is read, updated or deleted through the other, and never through
another account.

Behaviour (the choices are recorded in the specs' ``x-unconfirmed`` notes):

- HTTP Basic authentication on every request, checked before anything else; missing or wrong
  credentials answer 401 with the error manual's "The provided Authentication values are not
  valid".
- Bodies are parsed as JSON whatever the ``Content-Type`` (the vendor's own curl samples send
  none): a body that is not JSON answers 400; a JSON body that fails the generated model
  ``SubaccountRequest`` (strict JSON types, the host name pattern, ``daily_send_limit >= 0``, no
  unknown fields) answers 422 with one reason per problem.
- Creating when the account already has a subaccount answers 422 (the error manual has no 409);
  retrieve, update and delete without one answer 404.
- Values are Mandrill-style and come from ``ctx.ids`` and ``ctx.clock`` only: ``user_id`` is drawn
  once per partner account (``mc_user_id`` / ``management_company_user_id`` repeat it, as in the
  published sample), ``subaccount_id`` and ``name`` are ``subaccount-<user_id>-partner-api``,
  ``dns_value`` is ``mandrill_verify.<22 url-safe chars>``, ``dkim_value`` carries a freshly drawn
  1024-bit RSA public key, ``spf_value`` is Mandrill's include.
- The three validation statuses are read from the sandbox's DNS whenever a subaccount is
  answered, as Mandrill checks a domain on demand: ``dns_validation_status`` is true when both
  nameservers serve the ``dns_value`` TXT at the sending domain, ``dkim_validation_status`` when
  they serve the ``dkim_value`` TXT at ``mandrill._domainkey.<domain>``, and
  ``spf_validation_status`` when the domain's one SPF record holds
  ``include:spf.mandrillapp.com``. An update that changes the sending domain draws new DNS and
  DKIM values.
- Nothing is ever sent: ``reputation`` and ``sent_*`` stay 0 and ``first_sent_at`` is absent.
- Each response carries exactly the fields its version's page lists for that operation: it is
  built with that operation's generated response model (``RESPONSE_MODELS``), which lists those
  fields and nothing else.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NoReturn

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from vendor_models import ciirus_v2023_07_31 as v2023
from vendor_models import ciirus_v2024_07_31 as v2024

from .._core.checks import clip
from ._core import Ids, SandboxContext, rsa_public_key, served_everywhere, spf_includes_everywhere
from ._limits import MAX_QUOTED_CHARS, NotJSON, TooDeep, bounded, loads
from ._routes import exact_methods

# The pair CiiRUS's quickstart uses.
DEMO_CREDENTIALS: Final = {"username": "PartnerDemo", "password": "Secret123"}
PARTNER_ACCOUNTS: Final = {
    "CIIRUS_DEMO2": {"username": "PartnerDemo2", "password": "Secret234"},
    "CIIRUS_DEMO3": {"username": "PartnerDemo3", "password": "Secret345"},
}
"""More partner accounts the sandbox accepts besides the demo one, each with its own
subaccount, by the environment-variable prefix a configuration's ``account:`` names them with
(``CIIRUS_DEMO2_USERNAME``, ``CIIRUS_DEMO2_PASSWORD``)."""

VERSIONS: Final = ("v2023.07.31", "v2024.07.31")
REQUEST_MODELS: Final[dict[str, type[v2023.SubaccountRequest | v2024.SubaccountRequest]]] = {
    "v2023.07.31": v2023.SubaccountRequest,
    "v2024.07.31": v2024.SubaccountRequest,
}
# The generated response model of each (version, method): it lists the fields that version's page
# documents for that operation.
RESPONSE_MODELS: Final[dict[tuple[str, str], type[BaseModel]]] = {
    ("v2023.07.31", "GET"): v2023.SubaccountRetrieveResponse,
    ("v2023.07.31", "POST"): v2023.SubaccountCreateResponse,
    ("v2023.07.31", "PUT"): v2023.SubaccountUpdateResponse,
    ("v2023.07.31", "DELETE"): v2023.SubaccountDeleteResponse,
    ("v2024.07.31", "GET"): v2024.SubaccountRetrieveResponse,
    ("v2024.07.31", "POST"): v2024.SubaccountCreateResponse,
    ("v2024.07.31", "PUT"): v2024.SubaccountUpdateResponse,
    ("v2024.07.31", "DELETE"): v2024.SubaccountDeleteResponse,
}
SPF_INCLUDE: Final = "spf.mandrillapp.com"
SPF_VALUE: Final = f"v=spf1 include:{SPF_INCLUDE} ?all"
DKIM_SELECTOR: Final = "mandrill._domainkey"
REALM: Final = "CiiRUS Partner API"

# The error manual's words: its description where it gives one, else the status's title.
MESSAGES: Final[dict[int, str]] = {
    400: "Bad Request",
    401: "The provided Authentication values are not valid",
    403: "Forbidden",
    404: "The endpoint is valid but the resource itself does not exist",
    405: "Method Not Allowed",
    413: "Content Too Large",
    422: "Unproccessable Content",  # sic, as the error manual spells it
    429: "Too Many Requests",  # no CiiRUS page documents a limit: for one the sandbox is given
    500: "Internal Server Error",
    503: "Service Unavailable",
}
NO_SUBACCOUNT: Final = "No subaccount exists for this partner account"
ALREADY_EXISTS: Final = "A subaccount already exists for this partner account"
NOT_JSON: Final = "The request body is not valid JSON"
TOO_DEEP_JSON: Final = "The request body is JSON nested too deeply"


class CiirusError(Exception):
    """An error answered with the spec's Error body."""

    def __init__(self, status: int, *reasons: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {'; '.join(reasons)}")
        self.status = status
        self.reasons = list(reasons)
        self.headers = headers


def _fail(status: int, *reasons: str, headers: dict[str, str] | None = None) -> NoReturn:
    raise CiirusError(status, *reasons, headers=headers)


def _error_response(
    status: int,
    reasons: list[str] | None = None,
    headers: Mapping[str, str] | None = None,
    message: str | None = None,
) -> JSONResponse:
    # The two versions' Error schemas are the same.
    error = v2024.Error(message=message or MESSAGES.get(status), reasons=reasons or None)
    body = error.model_dump(mode="json", exclude_none=True)
    return JSONResponse(body, status_code=status, headers=headers)


def error_json(status: int, message: str) -> dict[str, Any]:
    """CiiRUS's error body for what the sandbox itself refuses (a body too large)."""
    error = v2024.Error(message=MESSAGES.get(status), reasons=[message])
    body: dict[str, Any] = error.model_dump(mode="json", exclude_none=True)
    return body


def _reason(err: Any) -> str:
    where = ".".join(str(part) for part in err["loc"])
    # An unknown field's name is the client's text: quote a bounded piece of it.
    return clip(f"{where}: {err['msg']}" if where else str(err["msg"]), MAX_QUOTED_CHARS)


def _reasons(exc: ValidationError) -> list[str]:
    return bounded(exc.errors(include_url=False), _reason, lambda n: f"... and {n} more reasons")


@dataclass
class Settings:
    """What a create or update request sets (the same three fields in both versions)."""

    sending_domain: str
    daily_send_limit: int
    approved: bool


async def _settings(request: Request, version: str) -> Settings:
    raw = await request.body()
    try:
        data = loads(raw)
    except TooDeep:
        _fail(400, TOO_DEEP_JSON)
    except NotJSON:
        _fail(400, NOT_JSON)
    try:
        body = REQUEST_MODELS[version].model_validate(data, strict=True)
    except ValidationError as exc:
        _fail(422, *_reasons(exc))
    return Settings(body.sending_domain, body.daily_send_limit, body.approved)


@dataclass
class Subaccount:
    """The partner account's Mandrill subaccount, holding what either version shows of it."""

    user_id: int
    settings: Settings
    dns_value: str
    dkim_value: str
    created_at: datetime

    @property
    def subaccount_id(self) -> str:
        return f"subaccount-{self.user_id}-partner-api"

    def fields(self, ctx: SandboxContext) -> dict[str, Any]:
        """Every field of every version and operation; a response model picks its own."""
        domain = self.settings.sending_domain.lower()
        return {
            "user_id": self.user_id,
            "sending_domain": self.settings.sending_domain,
            "subaccount_id": self.subaccount_id,
            "dns_value": self.dns_value,
            "dns_validation_status": served_everywhere(ctx, domain, "TXT", self.dns_value),
            "dkim_value": self.dkim_value,
            "dkim_validation_status": served_everywhere(
                ctx, f"{DKIM_SELECTOR}.{domain}", "TXT", self.dkim_value
            ),
            "spf_value": SPF_VALUE,
            "spf_validation_status": spf_includes_everywhere(ctx, domain, SPF_INCLUDE),
            "daily_send_limit": self.settings.daily_send_limit,
            "approved": self.settings.approved,
            "reputation": 0,
            "sent_monthly": 0,
            "sent_weekly": 0,
            "sent_total": 0,
            "name": self.subaccount_id,
            "created_at": self.created_at,
            "first_sent_at": None,
            "mc_user_id": self.user_id,
            "management_company_user_id": self.user_id,
        }


class CiirusState:
    """One partner account: its user id and its subaccount, if any. The demo account draws
    from the vendor's ids; each other one from a stream of its own, so that what the demo
    account hands out is the same whether or not the others are used."""

    def __init__(self, ctx: SandboxContext, username: str | None = None) -> None:
        if username is not None:
            digest = hashlib.sha256(f"{ctx.seed}:ciirus:{username}".encode()).digest()
            ctx = copy.copy(ctx)
            ctx.ids = Ids(int.from_bytes(digest[:8], "big"))
        self.ctx = ctx
        self.user_id = ctx.ids.randint(10000, 99999)
        self.subaccount: Subaccount | None = None

    def existing(self) -> Subaccount:
        if self.subaccount is None:
            _fail(404, NO_SUBACCOUNT)
        return self.subaccount

    def _dns_value(self) -> str:
        return "mandrill_verify." + self.ctx.ids.token(16)

    def _dkim_value(self) -> str:
        key = rsa_public_key(base64.b64decode(self.ctx.ids.b64(128)))
        return f"v=DKIM1; k=rsa; p={key};"

    def create(self, settings: Settings) -> Subaccount:
        if self.subaccount is not None:
            _fail(422, ALREADY_EXISTS)
        now = self.ctx.clock.now()
        self.subaccount = Subaccount(
            user_id=self.user_id,
            settings=settings,
            dns_value=self._dns_value(),
            dkim_value=self._dkim_value(),
            created_at=now,
        )
        return self.subaccount

    def update(self, settings: Settings) -> Subaccount:
        """A full replace of the settings; a new sending domain must be validated again."""
        sub = self.existing()
        if settings.sending_domain.lower() != sub.settings.sending_domain.lower():
            sub.dns_value = self._dns_value()
            sub.dkim_value = self._dkim_value()
        sub.settings = settings
        return sub

    def delete(self) -> Subaccount:
        sub = self.existing()
        self.subaccount = None
        return sub

    def respond(self, version: str, method: str, sub: Subaccount) -> JSONResponse:
        """The subaccount as the version's page documents it for this operation."""
        model = RESPONSE_MODELS[(version, method)]
        everything = sub.fields(self.ctx)
        shown = model.model_validate({k: everything[k] for k in model.model_fields})
        return JSONResponse(shown.model_dump(mode="json", exclude_none=True))


class Partners:
    """The partner accounts the sandbox accepts, each with its own state, found by its
    credentials (HTTP Basic)."""

    def __init__(self, ctx: SandboxContext) -> None:
        self.ctx = ctx
        self.demo = CiirusState(ctx)
        self.others: dict[str, CiirusState] = {}

    def check_auth(self, request: Request) -> CiirusState:
        """The account the request's credentials are (401 when they are none's)."""
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        username, colon, password = decoded.partition(":")
        found: CiirusState | None = None
        for expected in (self.ctx.credentials["ciirus"], *PARTNER_ACCOUNTS.values()):
            user_ok = secrets.compare_digest(username.encode(), expected["username"].encode())
            password_ok = secrets.compare_digest(password.encode(), expected["password"].encode())
            if user_ok and password_ok and found is None:
                found = self._state(expected["username"])
        if not (scheme.lower() == "basic" and colon and found is not None):
            _fail(401, headers={"WWW-Authenticate": f'Basic realm="{REALM}"'})
        verdict = self.ctx.admit(username)  # each account counts on its own
        if verdict is not None and not verdict.allowed:
            _fail(429, headers=verdict.headers())
        return found

    def _state(self, username: str) -> CiirusState:
        if username == self.ctx.credentials["ciirus"]["username"]:
            return self.demo
        if username not in self.others:
            self.others[username] = CiirusState(self.ctx, username)
        return self.others[username]


def _routes(partners: Partners, version: str) -> list[Route]:
    path = f"/{version}/emails/subaccount"

    async def retrieve_subaccount(request: Request) -> JSONResponse:
        state = partners.check_auth(request)
        return state.respond(version, "GET", state.existing())

    async def create_subaccount(request: Request) -> JSONResponse:
        state = partners.check_auth(request)
        settings = await _settings(request, version)
        return state.respond(version, "POST", state.create(settings))

    async def update_subaccount(request: Request) -> JSONResponse:
        state = partners.check_auth(request)
        settings = await _settings(request, version)
        return state.respond(version, "PUT", state.update(settings))

    async def delete_subaccount(request: Request) -> JSONResponse:
        state = partners.check_auth(request)
        return state.respond(version, "DELETE", state.delete())

    routes = [
        Route(path, retrieve_subaccount, methods=["GET"], name="retrieveSubaccount"),
        Route(path, create_subaccount, methods=["POST"], name="createSubaccount"),
        Route(path, update_subaccount, methods=["PUT"], name="updateSubaccount"),
        Route(path, delete_subaccount, methods=["DELETE"], name="deleteSubaccount"),
    ]
    routes = exact_methods(routes)
    return routes


def create_app(ctx: SandboxContext) -> Starlette:
    """A fresh CiiRUS app serving both versions: its partner accounts, no subaccount yet.

    A plain Starlette app (every handler reads its request itself: FastAPI's dependency
    machinery would only cost time); each route serves exactly the methods it names (no
    implicit HEAD), as the FastAPI app it replaces did.
    """
    partners = Partners(ctx)

    async def _vendor_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CiirusError)
        return _error_response(exc.status, exc.reasons, exc.headers)

    async def _http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return _error_response(404, ["No such endpoint"], message="Not Found")
        if exc.status_code == 405:  # every subaccount path serves the same four methods
            return _error_response(405, None, {"Allow": "GET, POST, PUT, DELETE"})
        return _error_response(exc.status_code, None, exc.headers)

    async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
        return _error_response(500)

    return Starlette(
        routes=[route for version in VERSIONS for route in _routes(partners, version)],
        exception_handlers={
            CiirusError: _vendor_error,
            StarletteHTTPException: _http_error,
            Exception: _internal_error,
        },
    )
