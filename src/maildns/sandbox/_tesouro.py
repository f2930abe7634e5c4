"""Tesouro FinOps in the sandbox: client-credentials tokens and partner mailbox domains.

Follows ``specs/tesouro.yaml``: the token endpoint (``POST /openid/connect/token``, form-encoded)
issues opaque bearer tokens that expire after ``expires_in`` seconds of the sandbox clock; every
``/finops/v1`` route needs one of them and the ``x-finops-version`` header. New domains get
Mailgun-style DNS records (SPF and DKIM TXT for sending, MX for receiving) and wait to be verified.
Verify looks at the sandbox's DNS as Mailgun looks at the world's: each record is ``valid`` when
both nameservers serve it (SPF: the name's one SPF record holds ``include:mailgun.org``; DKIM: the
exact TXT value; MX: host and priority) and ``invalid`` otherwise, and the domain is ``verified``
when its sending records (SPF and DKIM) are valid, as Mailgun activates a domain without its
receiving MX. Each verify looks again, so a record removed since turns the domain back to
``waiting_to_be_verified``.

Request bodies are validated with the generated models (``vendor_models.tesouro``) and every
response body is built from them, so the sandbox never answers outside the spec. Error bodies have
Tesouro's shapes: ``{"error": {"message": ...}}`` (Monite's ``ErrorSchemaResponse``; also the 400
for a body that cannot be parsed and the sandbox's 413), FastAPI's ``{"detail": [...]}`` for 422,
and RFC 6749's ``{"error": ..., "error_description": ...}`` on the token endpoint. A 422 echoes
at most 300 characters of each ``input`` and lists at most 20 problems (``_limits``).
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Final, TypeVar
from urllib.parse import parse_qsl
from uuid import UUID

import pydantic
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from vendor_models import tesouro as m

from .._core.checks import clip
from .._dns.records.mx import MX
from ._core import (
    Ids,
    SandboxContext,
    rsa_public_key,
    served_everywhere,
    spf_includes_everywhere,
)
from ._limits import MAX_QUOTED_CHARS, NotJSON, bounded, loads, quoted
from ._routes import allowed_methods, exact_methods

DEMO_CREDENTIALS: Final = {
    "client_id": "5b0d6e0c-6d4e-4f0a-9c1e-2f6d1b7a3c11",
    "client_secret": "sandbox-tesouro-client-secret",
}
TOKEN_LIFETIME_SECONDS: Final = 3600
VERSION_HEADER: Final = "x-finops-version"
FINOPS_PREFIX: Final = "/finops/v1"

STATUS_WAITING: Final = "waiting_to_be_verified"
STATUS_VERIFIED: Final = "verified"
VALID_UNKNOWN: Final = "unknown"
VALID_VALID: Final = "valid"
VALID_INVALID: Final = "invalid"
SPF_INCLUDE: Final = "mailgun.org"

SPF_VALUE: Final = f"v=spf1 include:{SPF_INCLUDE} ~all"
MX_HOSTS: Final = ("mxa.mailgun.org", "mxb.mailgun.org")
MX_PRIORITY: Final = "10"
DKIM_SELECTORS: Final = ("pic", "krs", "smtp", "mx", "k1")

MSG_AUTH_MISSING: Final = 'Authorization header is missing. Expected "Bearer <token>".'
MSG_AUTH_INVALID: Final = "The token is invalid."
MSG_AUTH_EXPIRED: Final = "The token has been expired."  # Tesouro's published wording
MSG_MISSING_VERSION: Final = f"Missing the {VERSION_HEADER} HTTP header"
MSG_UNPARSABLE: Final = "There was an error parsing the body"  # FastAPI's words
MSG_RATE_LIMITED: Final = "API rate limit exceeded"  # the published 429 body
_RATE_HEADERS: Final = (
    "maildns.rate_limit_headers"  # scope key: set by the guard, sent by _ResponseHeaders
)
# RFC 6750 challenges (no error code when the request had no credentials at all).
CHALLENGE_MISSING: Final = {"WWW-Authenticate": 'Bearer realm="tesouro"'}
CHALLENGE_INVALID: Final = {"WWW-Authenticate": 'Bearer realm="tesouro", error="invalid_token"'}

_VERSION_FORMAT = pydantic.TypeAdapter(
    Annotated[str, pydantic.StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
)
_UUID = pydantic.TypeAdapter(UUID)
_VERSION_HEADER_BYTES: Final = VERSION_HEADER.encode("latin-1")
_BEARER = re.compile(r"^Bearer[ ]+([^ ]+)[ ]*$", re.IGNORECASE)


class TesouroError(Exception):
    """An error answered with a JSON body that the spec documents for ``status``."""

    def __init__(
        self, status: int, body: pydantic.BaseModel, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


B = TypeVar("B", bound=pydantic.BaseModel)


def _dump(model: pydantic.BaseModel) -> Any:
    return model.model_dump(mode="json", exclude_none=True)


def _json(
    status: int, model: pydantic.BaseModel, headers: dict[str, str] | None = None
) -> Response:
    # Serialised by pydantic-core straight to bytes, compact as Starlette's JSONResponse is.
    body = model.model_dump_json(exclude_none=True).encode()
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def error_body(message: str, **extra: str) -> m.ErrorSchemaResponse:
    return m.ErrorSchemaResponse.model_validate({"error": {"message": message, **extra}})


def oauth_error(status: int, error: str, description: str) -> Response:
    body = m.OAuthError(error=error, error_description=description)
    return _json(status, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})


def error_json(status: int, message: str) -> dict[str, Any]:
    """Tesouro's error body for what the sandbox itself refuses (a body too large)."""
    body: dict[str, Any] = _dump(error_body(message))
    return body


def _validation_error(errors: list[Any], prefix: tuple[str | int, ...]) -> m.HTTPValidationError:
    # FastAPI's shape, bounded: a huge or deep request is not echoed back whole.
    def shown(err: Any) -> dict[str, Any]:
        out = {
            **err,
            "loc": [*prefix, *(quoted(part) for part in err.get("loc", ()))],
            "msg": clip(str(err.get("msg", "")), MAX_QUOTED_CHARS),
        }
        if "input" in err:
            out["input"] = quoted(err["input"])
        if isinstance(err.get("ctx"), dict):
            out["ctx"] = {k: quoted(v) if isinstance(v, str) else v for k, v in err["ctx"].items()}
        return out

    def more(n: int) -> dict[str, Any]:
        return {"loc": list(prefix), "msg": f"... and {n} more errors", "type": "too_many_errors"}

    detail = bounded(errors, shown, more)
    return m.HTTPValidationError.model_validate({"detail": detail})


def dkim_public_key(ids: Ids) -> str:
    """A well-formed RSA-1024 public key (random modulus), base64 as in a DKIM ``p=`` tag."""
    return rsa_public_key(bytes.fromhex(ids.hex(256)))


def mailgun_dns_records(domain: str, ids: Ids) -> m.DNSRecords:
    """The records Mailgun asks for: SPF and DKIM TXT to send, two MX to receive."""
    selector = ids.choice(DKIM_SELECTORS)
    sending = [
        m.DNSRecord(
            is_active=True,
            name=domain,
            value=SPF_VALUE,
            record_purpose=m.DNSRecordPurpose.SPF,
            record_type=m.DNSRecordType.TXT,
            valid=VALID_UNKNOWN,
        ),
        m.DNSRecord(
            is_active=True,
            name=f"{selector}._domainkey.{domain}",
            value=f"k=rsa; p={dkim_public_key(ids)}",
            record_purpose=m.DNSRecordPurpose.DKIM,
            record_type=m.DNSRecordType.TXT,
            valid=VALID_UNKNOWN,
        ),
    ]
    receiving = [
        m.DNSRecord(
            is_active=True,
            name=domain,
            value=host,
            record_type=m.DNSRecordType.MX,
            valid=VALID_UNKNOWN,
            priority=MX_PRIORITY,
        )
        for host in MX_HOSTS
    ]
    return m.DNSRecords(receiving_dns_records=receiving, sending_dns_records=sending)


def checked(ctx: SandboxContext, record: m.DNSRecord, domain: str) -> m.DNSRecord:
    """``record`` with ``valid`` set from what the sandbox's nameservers serve."""
    name = record.name or domain
    kind = str(getattr(record.record_type, "value", record.record_type))
    if record.record_purpose == m.DNSRecordPurpose.SPF:
        ok = spf_includes_everywhere(ctx, name, SPF_INCLUDE)
    elif kind == "MX":
        host = MX.normal(record.value)
        ok = served_everywhere(ctx, name, "MX", MX.served(host, int(record.priority or 0)))
    else:
        ok = served_everywhere(ctx, name, kind, record.value)
    return record.model_copy(update={"valid": VALID_VALID if ok else VALID_INVALID})


@dataclass
class TesouroState:
    """Everything one Tesouro app remembers: issued tokens and the partner's domains.

    A domain is a validated ``DomainResponse`` that is never changed, only replaced (verify
    stores a copy), so its JSON is made once per object (``_json_of``).
    """

    ctx: SandboxContext
    tokens: dict[str, datetime] = field(default_factory=dict)  # access token -> expiry
    domains: dict[str, m.DomainResponse] = field(default_factory=dict)  # id -> domain
    _json_of: dict[str, tuple[m.DomainResponse, bytes]] = field(default_factory=dict)

    def domain_json(self, domain_id: str) -> bytes:
        domain = self.domains[domain_id]
        made = self._json_of.get(domain_id)
        if made is None or made[0] is not domain:
            made = self._json_of[domain_id] = (
                domain,
                domain.model_dump_json(exclude_none=True).encode(),
            )
        return made[1]

    def list_json(self) -> bytes:
        """``DomainListResponse`` of every domain, as its JSON."""
        for gone in self._json_of.keys() - self.domains.keys():
            del self._json_of[gone]
        return b'{"data":[' + b",".join(self.domain_json(i) for i in self.domains) + b"]}"


def partner(request: Request, state: TesouroState) -> str:
    """The guard of every FinOps route: check the bearer token, then the version header.

    Credentials come first, as everywhere: a request without them is a 401 whatever else is
    wrong with it, its body included. Returns the version the request asked for.
    """
    authorization = request.headers.get("authorization")
    if not authorization:
        raise TesouroError(401, error_body(MSG_AUTH_MISSING), CHALLENGE_MISSING)
    match = _BEARER.match(authorization)
    expiry = state.tokens.get(match.group(1)) if match else None
    if expiry is None:
        raise TesouroError(401, error_body(MSG_AUTH_INVALID), CHALLENGE_INVALID)
    if state.ctx.clock.now() >= expiry:
        raise TesouroError(401, error_body(MSG_AUTH_EXPIRED), CHALLENGE_INVALID)
    # Every token is the demo client's: the one partner client ID the sandbox has.
    admit(request, state.ctx, state.ctx.credentials["tesouro"]["client_id"])

    version = request.headers.get(VERSION_HEADER, "").strip()
    if not version:
        raise TesouroError(400, error_body(MSG_MISSING_VERSION, type="missing_api_version"))
    problems = _version_problems(version)
    if problems:
        raise TesouroError(422, _validation_error(list(problems), ("header", VERSION_HEADER)))
    return version


@functools.lru_cache(maxsize=64)
def _version_problems(version: str) -> tuple[Any, ...]:
    # The spec's rule is the pattern: which dates name a version is not documented. Cached: a
    # client sends the same version on every call.
    try:
        _VERSION_FORMAT.validate_python(version)
    except pydantic.ValidationError as exc:
        return tuple(exc.errors(include_url=False))
    return ()


def admit(request: Request, ctx: SandboxContext, client_id: str) -> None:
    """Count a request of ``client_id`` against the rate limit: a 429 with Kong's body and
    headers when over it, else its rate-limit headers go on whatever the answer is."""
    verdict = ctx.admit(client_id)
    if verdict is None:
        return
    if not verdict.allowed:
        raise TesouroError(429, m.RateLimitError(message=MSG_RATE_LIMITED), verdict.headers())
    request.scope[_RATE_HEADERS] = [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in verdict.headers().items()
    ]


def _unprocessable(exc: pydantic.ValidationError, prefix: tuple[str | int, ...]) -> TesouroError:
    return TesouroError(422, _validation_error(exc.errors(include_url=False), prefix))


def domain_id(request: Request) -> UUID:
    """The ``domain_id`` path parameter as FastAPI reads a ``UUID`` (hyphens, case and a
    ``urn:uuid:`` prefix optional); a 422 at ``["path", "domain_id"]`` otherwise."""
    try:
        return _UUID.validate_python(request.path_params["domain_id"])
    except pydantic.ValidationError as exc:
        raise _unprocessable(exc, ("path", "domain_id")) from None


def _is_json(content_type: str | None) -> bool:
    # FastAPI's rule (strict_content_type): application/json or application/*+json is JSON;
    # a body with no Content-Type is not.
    if not content_type:
        return False
    kind = content_type.split(";", 1)[0].strip().lower()
    main, _, sub = kind.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


async def json_body(request: Request, model: type[B]) -> B:
    """The request body validated with ``model``, with FastAPI's answers for a bad one.

    No body is 422 ``missing``; JSON that does not parse is 422 ``json_invalid`` at the
    position where it stops; a body it cannot decode at all (bad UTF-8, nested too deeply) is
    FastAPI's 400; a body that is not JSON by its Content-Type (none counts as not) is
    validated as its text, so it fails as not an object.
    """
    raw = await request.body()
    if not raw:
        missing = {"loc": ["body"], "msg": "Field required", "type": "missing"}
        raise TesouroError(422, _validation_error([missing], ()))
    data: Any
    if _is_json(request.headers.get("content-type")):
        try:
            data = loads(raw)
        except NotJSON as exc:
            if exc.position is None:
                raise TesouroError(400, error_body(MSG_UNPARSABLE)) from None
            invalid = {
                "loc": ["body", exc.position],
                "msg": "JSON decode error",
                "type": "json_invalid",
                "input": {},
                "ctx": {"error": exc.reason},
            }
            raise TesouroError(422, _validation_error([invalid], ())) from None
    else:
        data = raw.decode("utf-8", "replace")
    try:
        return model.model_validate(data, from_attributes=True)  # as FastAPI validates a body
    except pydantic.ValidationError as exc:
        raise _unprocessable(exc, ("body",)) from None


class _ResponseHeaders:
    """ASGI middleware: an ``x-request-id`` on every response, and the version echoed back."""

    def __init__(self, app: ASGIApp, ids: Ids) -> None:
        self.app = app
        self.ids = ids

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [(b"x-request-id", self.ids.uuid().encode("latin-1"))]
        for key, value in scope["headers"]:
            if key.lower() == _VERSION_HEADER_BYTES:
                if value.strip():
                    extra.append((_VERSION_HEADER_BYTES, value.strip()))
                break

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                limits = scope.get(_RATE_HEADERS)  # set by the guard, when a limit counts
                message["headers"] = [*message.get("headers", ()), *extra, *(limits or ())]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def new_domain(state: TesouroState, domain: str) -> m.DomainResponse:
    """Create ``domain`` (lower case, not there yet) as ``POST /mailbox-domains`` does."""
    ctx = state.ctx
    created = m.DomainResponse(
        id=UUID(ctx.ids.uuid()),
        # From the domain, not the shared sequence: the same keys whatever the order of
        # concurrent creates.
        dns_records=mailgun_dns_records(domain, Ids.derived(ctx.seed, "tesouro", domain)),
        domain=domain,
        status=STATUS_WAITING,
        last_updated_at=ctx.clock.now(),
    )
    state.domains[str(created.id)] = created
    return created


def verify_domain(state: TesouroState, found: m.DomainResponse) -> m.DomainResponse:
    """Check ``found``'s records against the sandbox's DNS and store the outcome, as ``POST
    /mailbox-domains/{id}/verify`` does."""
    ctx = state.ctx
    records = found.dns_records
    status = found.status
    if isinstance(records, m.DNSRecords):
        receiving = [checked(ctx, r, found.domain) for r in records.receiving_dns_records]
        sending = [checked(ctx, r, found.domain) for r in records.sending_dns_records]
        records = m.DNSRecords(receiving_dns_records=receiving, sending_dns_records=sending)
        ready = all(r.valid == VALID_VALID for r in sending)
        status = STATUS_VERIFIED if ready else STATUS_WAITING
    verified = found.model_copy(
        update={"dns_records": records, "status": status, "last_updated_at": ctx.clock.now()}
    )
    state.domains[str(found.id)] = verified
    return verified


def create(app: Any, domains: Sequence[str]) -> list[dict[str, Any]] | str:
    """Create sending domains as the create operation would, without a request (a sandbox
    control: many at once, outside the rate limit); their bodies as the create answers them,
    or why not (one the partner has already), when none is created."""
    state: TesouroState = app.state.tesouro
    names = [d.lower() for d in domains]
    taken = {d.domain.lower() for d in state.domains.values()}
    clash = next((n for i, n in enumerate(names) if n in taken or n in names[:i]), None)
    if clash is not None:
        return f"tesouro has a sending domain {clash} already"
    return [_dump(new_domain(state, name)) for name in names]


def verify(app: Any, domains: Sequence[str]) -> str | None:
    """Verify sending domains as the verify operation would, without a request (a sandbox
    control); None when done, else why not (one the partner does not have), when none is
    verified."""
    state: TesouroState = app.state.tesouro
    by_name = {d.domain.lower(): d for d in state.domains.values()}
    missing = next((d for d in domains if d.lower() not in by_name), None)
    if missing is not None:
        return f"tesouro has no sending domain {missing}"
    for name in domains:
        verify_domain(state, by_name[name.lower()])
    return None


def unverify(app: Any, domain: str) -> bool:
    """Turn ``domain`` back to ``waiting_to_be_verified`` (a sandbox control: what Tesouro does
    when its own re-check finds the records gone); False when the partner has no such domain."""
    state: TesouroState = app.state.tesouro
    for key, found in list(state.domains.items()):
        if found.domain == domain:
            state.domains[key] = found.model_copy(
                update={"status": STATUS_WAITING, "last_updated_at": state.ctx.clock.now()}
            )
            return True
    return False


def create_app(ctx: SandboxContext) -> ASGIApp:
    """A fresh Tesouro FinOps app whose state lives and dies with it.

    A plain Starlette app that answers as the FastAPI app it replaces did (FastAPI's 422
    ``detail`` lists, its 400 for a body it cannot parse, 405 with ``Allow``, no implicit
    HEAD), without FastAPI's dependency machinery on every request; each handler reads its
    request itself, guard first.
    """
    state = TesouroState(ctx)

    async def _tesouro_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TesouroError)
        return _json(exc.status, exc.body, exc.headers)

    async def _http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return _json(exc.status_code, error_body(str(exc.detail)), headers)

    async def _internal_error(request: Request, exc: Exception) -> Response:
        return _json(500, error_body("Internal server error."))

    def find(domain_id: UUID) -> m.DomainResponse:
        found = state.domains.get(str(domain_id))
        if found is None:
            raise TesouroError(404, error_body(f"Domain {domain_id} not found."))
        return found

    # --- access tokens --------------------------------------------------------------------------
    async def create_access_token(request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return oauth_error(
                400, "invalid_request", "The body must be application/x-www-form-urlencoded."
            )
        try:
            pairs = parse_qsl((await request.body()).decode(), keep_blank_values=True)
        except UnicodeDecodeError:
            return oauth_error(400, "invalid_request", "The body is not valid UTF-8.")
        form: dict[str, str] = {}
        for key, value in pairs:
            if key in form:
                return oauth_error(
                    400, "invalid_request", f"Repeated parameter: {clip(key, MAX_QUOTED_CHARS)}"
                )
            form[key] = value
        for key in ("grant_type", "client_id", "client_secret"):
            if not form.get(key):
                return oauth_error(400, "invalid_request", f"Missing required parameter: {key}")
        if form["grant_type"] != "client_credentials":
            kind = clip(form["grant_type"], MAX_QUOTED_CHARS)
            return oauth_error(400, "unsupported_grant_type", f"Unsupported grant type: {kind}")
        try:
            grant = m.AccessTokenRequest.model_validate(form)
        except pydantic.ValidationError as exc:
            problem = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in problem["loc"])
            return oauth_error(400, "invalid_request", f"{where}: {problem['msg']}")

        known = ctx.credentials["tesouro"]
        id_ok = secrets.compare_digest(grant.client_id.encode(), known["client_id"].encode())
        secret_ok = secrets.compare_digest(
            grant.client_secret.encode(), known["client_secret"].encode()
        )
        if not (id_ok and secret_ok):
            return oauth_error(401, "invalid_client", "Client authentication failed.")
        admit(request, ctx, grant.client_id)

        token = ctx.ids.token(32)
        state.tokens[token] = ctx.clock.now() + timedelta(seconds=TOKEN_LIFETIME_SECONDS)
        body = m.AccessTokenResponse(
            access_token=token,
            token_type="Bearer",  # noqa: S106 - the OAuth token type, not a secret
            expires_in=TOKEN_LIFETIME_SECONDS,
        )
        return _json(200, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    # --- mailbox domains ------------------------------------------------------------------------
    async def list_mailbox_domains(request: Request) -> Response:
        partner(request, state)
        return Response(state.list_json(), media_type="application/json")

    async def create_mailbox_domain(request: Request) -> Response:
        partner(request, state)
        body = await json_body(request, m.DomainRequest)
        domain = body.domain.lower()
        if any(d.domain.lower() == domain for d in state.domains.values()):
            raise TesouroError(409, error_body(f"Domain {domain} already exists."))
        return _json(201, new_domain(state, domain))

    async def delete_mailbox_domain(request: Request) -> Response:
        partner(request, state)
        found = find(domain_id(request))
        del state.domains[str(found.id)]
        return Response(status_code=204)

    async def verify_mailbox_domain(request: Request) -> Response:
        partner(request, state)
        verified = verify_domain(state, find(domain_id(request)))
        return _json(
            200, m.VerifyResponse(id=verified.id, domain=verified.domain, status=verified.status)
        )

    domains = f"{FINOPS_PREFIX}/mailbox-domains"
    routes = [
        Route(
            "/openid/connect/token", create_access_token, methods=["POST"], name="createAccessToken"
        ),
        Route(domains, list_mailbox_domains, methods=["GET"], name="listMailboxDomains"),
        Route(domains, create_mailbox_domain, methods=["POST"], name="createMailboxDomain"),
        Route(
            f"{domains}/{{domain_id}}",
            delete_mailbox_domain,
            methods=["DELETE"],
            name="deleteMailboxDomain",
        ),
        Route(
            f"{domains}/{{domain_id}}/verify",
            verify_mailbox_domain,
            methods=["POST"],
            name="verifyMailboxDomain",
        ),
    ]
    routes = exact_methods(routes)
    app = Starlette(
        routes=routes,
        exception_handlers={
            TesouroError: _tesouro_error,
            StarletteHTTPException: _http_error,
            Exception: _internal_error,
        },
    )
    app.state.tesouro = state
    app.add_middleware(_ResponseHeaders, ids=ctx.ids)
    return app
