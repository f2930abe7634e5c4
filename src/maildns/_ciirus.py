"""CiiRUS Partner API: the email subaccount as a sending domain (``Ciirus``, ``AsyncCiirus``).

A CiiRUS partner account has at most one Mandrill subaccount, addressed without an id at
``/<api_version>/emails/subaccount`` (GET, POST, PUT, DELETE), in two dated versions,
``v2023.07.31`` and ``v2024.07.31``; ``api_version`` picks the generated client package. The
subaccount's ``sending_domain`` is the facade's sending domain, its ``subaccount_id`` the id.
CiiRUS authenticates every request with HTTP Basic (:class:`~maildns._auth.CiirusAuth`).

Records. The subaccount carries Mandrill's values; where each is published follows the
Mailchimp Transactional (Mandrill) "Domains" documentation, "Authentication and Deliverability"
(https://mailchimp.com/developer/transactional/docs/authentication-delivery/, and the Mandrill
knowledge-base article "About SPF and DKIM"): ownership is verified by a TXT record
``mandrill_verify.<token>`` at the domain itself, DKIM is a TXT record at the selector
``mandrill._domainkey.<domain>``, and SPF is a TXT record at the domain. So:

- ``dns_value``: TXT at ``<domain>``, purpose VERIFICATION, ``verified`` =
  ``dns_validation_status``;
- ``dkim_value``: TXT at ``mandrill._domainkey.<domain>``, purpose DKIM, ``verified`` =
  ``dkim_validation_status``;
- ``spf_value``: TXT at ``<domain>``, purpose SPF, ``verified`` = ``spf_validation_status``.

Values are exactly what CiiRUS sent. The v2023.07.31 create answer documents no ``spf_value``:
that result then has no SPF record (nothing is invented; a later get shows it). The status is
VERIFIED when every validation status present is true, PENDING when one is false, UNKNOWN when
none is present (or one is not a boolean).

Decisions where the vendor's documents are silent:

- **"Already exists".** CiiRUS has no 409 in its error manual; creating a second subaccount is
  taken to answer 422, the status a body that fails validation gets too. A 422 (or a 409) is
  told apart by its ``reasons``: a reason naming a request field (``sending_domain: ...``,
  ``daily_send_limit``, ``body.approved: ...``) is a validation error and raised as
  :class:`~maildns.errors.UnprocessableEntityError`; anything else (the sandbox's "A
  subaccount already exists for this partner account", a 409, a reason-less 422) is checked by
  reading the subaccount: if one exists, the create met an existing subaccount, else the 422
  is raised as it came. The create then returns that subaccount if the answer came to a
  retried attempt and it is for the same domain with the settings sent (our own earlier
  attempt succeeded), and raises :class:`~maildns.errors.ConflictError` (with CiiRUS's
  status) naming its domain otherwise.
- **Update and delete check the domain first** (a GET), because the PUT and DELETE address the
  account's one subaccount whatever its domain: updating ``b.example`` must not re-point a
  subaccount for ``a.example`` (a PUT with another ``sending_domain`` does just that, and
  draws new DKIM keys). Either raises :class:`~maildns.errors.NotFoundError` naming the domain
  when the subaccount is missing or for another domain. A retried delete that meets 404 has
  succeeded.
"""

from __future__ import annotations

import functools
import html
import importlib
import re
from collections.abc import Sequence
from types import ModuleType
from typing import Any, Final

import attrs
import httpx

from ._auth import CiirusAuth
from ._client import AsyncClient, SyncClient, _Options
from ._config import DEFAULT_MAX_RETRIES, env_secret, env_value, logger
from ._core import Call, Op, Result
from ._models import DnsRecord, DomainStatus, RecordPurpose, RecordType, SendingDomain
from ._validation import Checker, api_version, daily_send_limit, domain_name
from .errors import (
    APIResponseValidationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
)

__all__ = ["API_VERSIONS", "DEFAULT_API_VERSION", "AsyncCiirus", "Ciirus", "parse_error"]

VENDOR: Final = "ciirus"
DEFAULT_BASE_URL: Final = "https://api.ciiruspartners.com"
API_VERSIONS: Final = ("v2023.07.31", "v2024.07.31")
DEFAULT_API_VERSION: Final = "v2024.07.31"
_PACKAGES: Final = {
    "v2023.07.31": "ciirus_v2023_07_31_client",
    "v2024.07.31": "ciirus_v2024_07_31_client",
}
DKIM_SELECTOR: Final = "mandrill._domainkey"
REQUEST_FIELDS: Final = ("sending_domain", "daily_send_limit", "approved")
# A reason that starts with a field's location, pydantic style: "sending_domain: ...",
# "body.daily_send_limit: ...", "body -> approved: ...".
_FIELD_LOCATION: Final = re.compile(
    r"^\s*(?:[\w\[\]]+\s*(?:\.|->)\s*)*(" + "|".join(REQUEST_FIELDS) + r")\b"
)
# Anywhere in a reason, the two field names that cannot be ordinary words.
_FIELD_WORD: Final = re.compile(r"(?<![\w.])(sending_domain|daily_send_limit)(?!\w)")
_HTML_TITLE: Final = re.compile(r"<(title|h1)[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG: Final = re.compile(r"<[^>]*>")
_MAX_MESSAGE: Final = 300


# --------------------------------------------------------------------------- generated packages


@attrs.frozen
class _Package:
    """One API version's generated package: its four operations and its request model."""

    version: str
    retrieve: ModuleType
    create: ModuleType
    update: ModuleType
    delete: ModuleType
    request_model: Any
    client: Any


@functools.cache
def _package(version: str) -> _Package:
    """The generated package of ``version``, loaded on first use (import maildns stays cheap)."""
    name = _PACKAGES[version]
    api = f"{name}.api.subaccount"
    root = importlib.import_module(name)
    models = importlib.import_module(f"{name}.models")
    return _Package(
        version=version,
        retrieve=importlib.import_module(f"{api}.retrieve_subaccount"),
        create=importlib.import_module(f"{api}.create_subaccount"),
        update=importlib.import_module(f"{api}.update_subaccount"),
        delete=importlib.import_module(f"{api}.delete_subaccount"),
        request_model=models.SubaccountRequest,
        # The core's parsers only read its raise_on_unexpected_status (False: an undocumented
        # status is handled by the core, not raised by the generated code).
        client=root.Client(base_url=DEFAULT_BASE_URL),
    )


# --------------------------------------------------------------------------- errors


def _text(value: Any) -> str | None:
    """``value`` if it is a string with something in it."""
    return value if isinstance(value, str) and value.strip() else None


def _message_and_reasons(body: Any) -> tuple[str | None, list[str]]:
    """``message`` and ``reasons`` of CiiRUS's error body (generated ``Error`` or plain JSON)."""
    if isinstance(body, dict):
        message, reasons = body.get("message"), body.get("reasons")
    else:
        message, reasons = getattr(body, "message", None), getattr(body, "reasons", None)
    if isinstance(reasons, str):
        reasons = [reasons]
    if not isinstance(reasons, list):
        reasons = []
    return _text(message), [r for r in (_text(r) for r in reasons) if r is not None]


def _field(reasons: Sequence[str]) -> str | None:
    """The request field a reason names, if any."""
    for reason in reasons:
        match = _FIELD_LOCATION.match(reason) or _FIELD_WORD.search(reason)
        if match:
            return match.group(1)
    return None


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def _page_message(text: str) -> str | None:
    """A readable line from a non-JSON error body: an HTML page's title, or short plain text."""
    if "<" in text and ">" in text:
        match = _HTML_TITLE.search(text)
        if match is None:
            return None
        title = html.unescape(_TAG.sub("", match.group(2))).strip()
        return f"the server answered with an HTML page: {_clip(title)}" if title else None
    text = text.strip()
    return _clip(text) if text else None


def parse_error(status: int, body: Any) -> tuple[str | None, str | None]:
    """CiiRUS's error body ``{"message": ..., "reasons": [...]}`` as (message, field).

    The message is the ``message`` followed by the ``reasons``; the field is the request field
    (``sending_domain``, ``daily_send_limit``, ``approved``) a reason names. A body that is not
    JSON (an HTML error page from a proxy) gives its title.
    """
    if isinstance(body, str):
        return _page_message(body), None
    message, reasons = _message_and_reasons(body)
    if reasons:
        joined = "; ".join(reasons)
        message = f"{message}: {joined}" if message else joined
    return (_clip(message) if message else None), _field(reasons)


# --------------------------------------------------------------------------- mapping


def _normal_domain(value: str) -> str:
    try:
        return domain_name(value)
    except InvalidInputError:
        return value.rstrip(".").lower()


def _absent(value: Any) -> bool:
    """Not in the response: None, or the generated package's UNSET (each package has its own)."""
    return value is None or type(value).__name__ == "Unset"


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _status(statuses: Sequence[Any]) -> DomainStatus:
    present = [s for s in statuses if not _absent(s)]
    if any(s is False for s in present):
        return DomainStatus.PENDING
    if present and all(s is True for s in present):
        return DomainStatus.VERIFIED
    return DomainStatus.UNKNOWN


def _response_error(result: Result, operation: str, problem: str) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"{VENDOR} {operation}: the response does not fit the spec ({problem})",
        vendor=VENDOR,
        operation=operation,
        status_code=result.status_code,
        body=result.content,
        request_id=result.request_id,
    )


def _to_sending_domain(result: Result, operation: str) -> SendingDomain:
    """The subaccount in ``result`` (any operation's model, either version) as a SendingDomain."""
    sub = result.parsed
    sending_domain = _text(getattr(sub, "sending_domain", None))
    subaccount_id = _text(getattr(sub, "subaccount_id", None))
    if sending_domain is None:
        raise _response_error(result, operation, "no sending_domain in the subaccount")
    if subaccount_id is None:
        raise _response_error(result, operation, "no subaccount_id in the subaccount")
    domain = _normal_domain(sending_domain)
    records: list[DnsRecord] = []
    for field, name, purpose, status_field in (
        ("dns_value", domain, RecordPurpose.VERIFICATION, "dns_validation_status"),
        ("dkim_value", f"{DKIM_SELECTOR}.{domain}", RecordPurpose.DKIM, "dkim_validation_status"),
        ("spf_value", domain, RecordPurpose.SPF, "spf_validation_status"),
    ):
        value = getattr(sub, field, None)
        if _absent(value):
            continue
        if not isinstance(value, str) or not value:
            logger.warning(
                "%s %s: %s is not a non-empty string (%s); left out of records, kept in raw",
                VENDOR,
                operation,
                field,
                type(value).__name__,
            )
            continue
        records.append(
            DnsRecord(
                type=RecordType.TXT,
                name=name,
                value=value,
                purpose=purpose,
                verified=_flag(getattr(sub, status_field, None)),
            )
        )
    statuses = [
        getattr(sub, f, None)
        for f in ("dns_validation_status", "dkim_validation_status", "spf_validation_status")
    ]
    return SendingDomain(
        vendor=VENDOR,
        domain=domain,
        id=subaccount_id,
        status=_status(statuses),
        records=tuple(records),
        raw=sub,
    )


# --------------------------------------------------------------------------- operations


def _approved(value: object, argument: str = "approved") -> bool:
    if not isinstance(value, bool):
        got = "None" if value is None else f"{type(value).__name__} {repr(value)[:40]}"
        raise InvalidInputError.one(argument, f"must be a bool (True or False), got {got}")
    return value


class _CiirusOperations:
    """Every CiiRUS operation once, sans-IO: generators of :class:`Call`, fed :class:`Result`."""

    def __init__(self, package: _Package) -> None:
        self._pkg = package

    # --- helpers ---------------------------------------------------------------------------------
    def _request(self, domain: Any, limit: Any, approved: Any) -> tuple[str, Any]:
        c = Checker()
        name = c.check(domain_name, domain, "domain")
        checked_limit = c.check(daily_send_limit, limit, "daily_send_limit")
        checked_approved = c.check(_approved, approved, "approved")
        c.raise_if_any()
        body = self._pkg.request_model(
            sending_domain=name, daily_send_limit=checked_limit, approved=checked_approved
        )
        return name, body

    def _retrieve(self) -> Call:
        return Call("retrieve_subaccount", self._pkg.retrieve, tolerate=frozenset({404}))

    def _current(self) -> Op[SendingDomain | None]:
        """The account's subaccount, or None when it has none (404)."""
        result = yield self._retrieve()
        if result.error is not None:
            return None
        return _to_sending_domain(result, "retrieve_subaccount")

    @staticmethod
    def _not_found(
        domain: str, operation: str, why: str, result: Result | None = None
    ) -> NotFoundError:
        return NotFoundError(
            f"sending domain {domain!r} not found: {why}",
            vendor=VENDOR,
            operation=operation,
            status_code=404,
            request_id=result.request_id if result is not None else None,
            body=result.error.body if result is not None and result.error is not None else None,
        )

    def _existing_for(self, domain: str, operation: str) -> Op[SendingDomain]:
        """The subaccount, checked to be for ``domain`` (else NotFoundError naming it)."""
        result = yield self._retrieve()
        if result.error is not None:
            raise self._not_found(
                domain, operation, "this CiiRUS account has no email subaccount", result
            )
        current = _to_sending_domain(result, "retrieve_subaccount")
        if current.domain != domain:
            raise self._not_found(
                domain,
                operation,
                f"this CiiRUS account's email subaccount is for {current.domain!r}",
                result,
            )
        return current

    # --- operations ------------------------------------------------------------------------------
    def create_sending_domain(
        self, domain: str, *, daily_send_limit: int, approved: bool
    ) -> Op[SendingDomain]:
        name, body = self._request(domain, daily_send_limit, approved)
        result = yield Call(
            "create_subaccount",
            self._pkg.create,
            {"body": body},
            tolerate=frozenset({409, 422}),
        )
        if result.error is None:
            return _to_sending_domain(result, "create_subaccount")
        error = result.error
        message, reasons = _message_and_reasons(
            result.parsed if result.parsed is not None else error.body
        )
        if result.status_code == 422 and _field(reasons) is not None:
            raise error  # the body was refused: not "already exists"
        existing = yield from self._current()
        if existing is None:
            raise error  # nothing exists: the 422 was about something else
        if result.attempts > 1 and _is_ours(existing, name, body):
            # Our earlier attempt created it; its answer was lost on the way back.
            return existing
        vendor_said = "; ".join(t for t in (message, *reasons) if t)
        raise ConflictError(
            f"a subaccount already exists for this CiiRUS account, for sending domain "
            f"{existing.domain!r} (one per account: update or delete it)"
            + (f" [CiiRUS: {_clip(vendor_said)}]" if vendor_said else ""),
            vendor=VENDOR,
            operation="create_subaccount",
            status_code=result.status_code,
            field=None,
            request_id=result.request_id,
            body=error.body,
        )

    def update_sending_domain(
        self, domain: str, *, daily_send_limit: int, approved: bool
    ) -> Op[SendingDomain]:
        name, body = self._request(domain, daily_send_limit, approved)
        yield from self._existing_for(name, "update_subaccount")
        result = yield Call(
            "update_subaccount", self._pkg.update, {"body": body}, tolerate=frozenset({404})
        )
        if result.error is not None:
            raise self._not_found(
                name, "update_subaccount", "this CiiRUS account has no email subaccount", result
            )
        return _to_sending_domain(result, "update_subaccount")

    def get_sending_domain(self, domain: str) -> Op[SendingDomain]:
        c = Checker()
        name = c.check(domain_name, domain, "domain")
        c.raise_if_any()
        return (yield from self._existing_for(name, "retrieve_subaccount"))

    def verify_sending_domain(self, domain: str) -> Op[SendingDomain]:
        # CiiRUS validates on its own schedule; verifying is reading the statuses again.
        return (yield from self.get_sending_domain(domain))

    def list_sending_domains(self) -> Op[list[SendingDomain]]:
        current = yield from self._current()
        return [] if current is None else [current]

    def delete_sending_domain(self, domain: str) -> Op[None]:
        c = Checker()
        name = c.check(domain_name, domain, "domain")
        c.raise_if_any()
        yield from self._existing_for(name, "delete_subaccount")
        result = yield Call("delete_subaccount", self._pkg.delete, tolerate=frozenset({404}))
        if result.error is not None and result.attempts == 1:
            raise self._not_found(
                name, "delete_subaccount", "this CiiRUS account has no email subaccount", result
            )
        # A 404 on a retried attempt: our earlier attempt deleted it.
        return None


def _is_ours(existing: SendingDomain, domain: str, body: Any) -> bool:
    """Whether ``existing`` is what our create would have made: same domain, same settings.

    A setting the vendor did not send back is not held against it.
    """
    if existing.domain != domain:
        return False
    for field in ("daily_send_limit", "approved"):
        value = getattr(existing.raw, field, None)
        if not _absent(value) and value != getattr(body, field):
            return False
    return True


# --------------------------------------------------------------------------- clients


@attrs.frozen
class _Setup:
    auth: CiirusAuth
    options: _Options
    package: _Package


def _setup(
    *,
    username: str | None,
    password: str | None,
    api_version_: str | None,
    base_url: str | None,
    timeout: float | httpx.Timeout | None,
    max_retries: int,
) -> _Setup:
    """Check every constructor argument (all problems together) and build the auth."""
    c = Checker()
    version = c.check(
        api_version,
        DEFAULT_API_VERSION if api_version_ is None else api_version_,
        "api_version",
        known=API_VERSIONS,
    )
    for argument, value in (("username", username), ("password", password)):
        if value is not None and not isinstance(value, str):
            # The value itself is not shown: it may be a credential.
            c.add(argument, f"must be a str, got {type(value).__name__}")
    options: _Options | None = None
    try:
        options = _Options(
            vendor=VENDOR,
            base_url=base_url,
            default_base_url=DEFAULT_BASE_URL,
            timeout=timeout,
            max_retries=max_retries,
        )
    except InvalidInputError as error:
        c.extend(error)
    c.raise_if_any()
    assert options is not None
    auth = CiirusAuth(
        username=env_value(username, "CIIRUS_USERNAME"),
        password=env_secret(password, "CIIRUS_PASSWORD"),
    )
    return _Setup(auth=auth, options=options, package=_package(version))


class Ciirus(SyncClient):
    """CiiRUS Partner API email subaccount as a sending domain (one per partner account).

    Credentials fall back to ``CIIRUS_USERNAME`` and ``CIIRUS_PASSWORD``, the server to
    ``CIIRUS_BASE_URL`` (default ``https://api.ciiruspartners.com``). ``api_version`` is
    ``"v2023.07.31"`` or ``"v2024.07.31"`` (the default).
    """

    _vendor = VENDOR
    _default_base_url = DEFAULT_BASE_URL

    def __init__(
        self,
        *,
        username: str | None = None,
        password: str | None = None,
        api_version: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
    ) -> None:
        setup = _setup(
            username=username,
            password=password,
            api_version_=api_version,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
        )
        super().__init__(
            auth=setup.auth,
            parse_error=parse_error,
            generated_client=setup.package.client,
            http_client=http_client,
            options=setup.options,
        )
        self.api_version: str = setup.package.version
        self._ops = _CiirusOperations(setup.package)

    def create_sending_domain(
        self, domain: str, *, daily_send_limit: int, approved: bool
    ) -> SendingDomain:
        """Create the account's subaccount for ``domain``; ConflictError if it has one."""
        return self._run(
            self._ops.create_sending_domain(
                domain, daily_send_limit=daily_send_limit, approved=approved
            )
        )

    def update_sending_domain(
        self, domain: str, *, daily_send_limit: int, approved: bool
    ) -> SendingDomain:
        """Replace the settings of the subaccount for ``domain``."""
        return self._run(
            self._ops.update_sending_domain(
                domain, daily_send_limit=daily_send_limit, approved=approved
            )
        )

    def get_sending_domain(self, domain: str) -> SendingDomain:
        """The subaccount for ``domain``; NotFoundError if there is none for it."""
        return self._run(self._ops.get_sending_domain(domain))

    def list_sending_domains(self) -> list[SendingDomain]:
        """The account's subaccount as a list of at most one sending domain."""
        return self._run(self._ops.list_sending_domains())

    def verify_sending_domain(self, domain: str) -> SendingDomain:
        """Read the validation statuses of ``domain`` again."""
        return self._run(self._ops.verify_sending_domain(domain))

    def delete_sending_domain(self, domain: str) -> None:
        """Delete the subaccount for ``domain``; NotFoundError if there is none for it."""
        return self._run(self._ops.delete_sending_domain(domain))

    def __repr__(self) -> str:
        return f"<Ciirus api_version={self.api_version!r} base_url={self.base_url!r}>"


class AsyncCiirus(AsyncClient):
    """The asynchronous twin of :class:`Ciirus`: the same methods, as coroutines."""

    _vendor = VENDOR
    _default_base_url = DEFAULT_BASE_URL

    def __init__(
        self,
        *,
        username: str | None = None,
        password: str | None = None,
        api_version: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        setup = _setup(
            username=username,
            password=password,
            api_version_=api_version,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
        )
        super().__init__(
            auth=setup.auth,
            parse_error=parse_error,
            generated_client=setup.package.client,
            http_client=http_client,
            options=setup.options,
        )
        self.api_version: str = setup.package.version
        self._ops = _CiirusOperations(setup.package)

    async def create_sending_domain(
        self, domain: str, *, daily_send_limit: int, approved: bool
    ) -> SendingDomain:
        """Create the account's subaccount for ``domain``; ConflictError if it has one."""
        return await self._run(
            self._ops.create_sending_domain(
                domain, daily_send_limit=daily_send_limit, approved=approved
            )
        )

    async def update_sending_domain(
        self, domain: str, *, daily_send_limit: int, approved: bool
    ) -> SendingDomain:
        """Replace the settings of the subaccount for ``domain``."""
        return await self._run(
            self._ops.update_sending_domain(
                domain, daily_send_limit=daily_send_limit, approved=approved
            )
        )

    async def get_sending_domain(self, domain: str) -> SendingDomain:
        """The subaccount for ``domain``; NotFoundError if there is none for it."""
        return await self._run(self._ops.get_sending_domain(domain))

    async def list_sending_domains(self) -> list[SendingDomain]:
        """The account's subaccount as a list of at most one sending domain."""
        return await self._run(self._ops.list_sending_domains())

    async def verify_sending_domain(self, domain: str) -> SendingDomain:
        """Read the validation statuses of ``domain`` again."""
        return await self._run(self._ops.verify_sending_domain(domain))

    async def delete_sending_domain(self, domain: str) -> None:
        """Delete the subaccount for ``domain``; NotFoundError if there is none for it."""
        return await self._run(self._ops.delete_sending_domain(domain))

    def __repr__(self) -> str:
        return f"<AsyncCiirus api_version={self.api_version!r} base_url={self.base_url!r}>"
