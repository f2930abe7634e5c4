"""Every CiiRUS operation, once, sans-IO, for both API versions.

A CiiRUS partner account has at most one Mandrill subaccount, addressed without an id at
``/<api_version>/emails/subaccount`` (GET, POST, PUT, DELETE); ``api_version`` picks the
generated client package. The subaccount's ``sending_domain`` is the facade's sending domain,
its ``subaccount_id`` the id.

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

import importlib
from functools import cache
from typing import Any, ClassVar, Final

import attrs

from ..._core.checks import Checker, choice
from ..._core.engine import Call, Op, Page, Pages, Result
from ..._core.wire import Api, Endpoint
from ..._dns.names import domain_name
from ...errors import APIResponseValidationError, ConflictError, InvalidInputError, NotFoundError
from ...models import SendingDomain
from ._errors import clip, field_of, message_and_reasons
from ._mapping import VENDOR, MissingField, to_sending_domain
from ._settings import CiirusSettings

API_VERSIONS: Final = ("v2023.07.31", "v2024.07.31")
DEFAULT_API_VERSION: Final = "v2024.07.31"

_ALREADY: Final = frozenset({409, 422})
_GONE: Final = frozenset({404})
_NO_SUBACCOUNT: Final = "this CiiRUS account has no email subaccount"


@attrs.frozen
class _Version:
    """One API version's generated package: its four operations and its request model."""

    name: str
    retrieve: Endpoint
    create: Endpoint
    update: Endpoint
    delete: Endpoint
    request_model: Any


@cache
def _version(name: str) -> _Version:
    """The generated package of API version ``name``, loaded on first use."""
    api = Api("ciirus_" + name.replace(".", "_"))
    models = importlib.import_module(f"{api.package}.models")

    def endpoint(module: str) -> Endpoint:
        return api.endpoint(f"api.subaccount.{module}")

    return _Version(
        name=name,
        retrieve=endpoint("retrieve_subaccount"),
        create=endpoint("create_subaccount"),
        update=endpoint("update_subaccount"),
        delete=endpoint("delete_subaccount"),
        request_model=models.SubaccountRequest,
    )


def _settings(
    c: Checker, settings: object, daily_send_limit: object, approved: object
) -> CiirusSettings | None:
    """The settings object, or one built from the keyword arguments; problems go to ``c``."""
    if settings is not None:
        if daily_send_limit is not None or approved is not None:
            c.add("settings", "give settings or daily_send_limit and approved, not both")
            return None
        if not isinstance(settings, CiirusSettings):
            c.add("settings", f"must be a CiirusSettings, got {type(settings).__name__}")
            return None
        return settings
    try:
        return CiirusSettings(daily_send_limit, approved)  # type: ignore[arg-type]  # checked
    except InvalidInputError as error:
        c.extend(error)
        return None


def _shape(result: Result, problem: str) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"the response does not fit the spec: {problem}",
        vendor=VENDOR,
        operation_id=result.endpoint.operation_id,
        status_code=result.status_code,
        body=result.content,
        request_id=result.request_id,
    )


def _domain_of(result: Result) -> SendingDomain:
    try:
        return to_sending_domain(result.model, result.deferred(), result.endpoint.operation_id)
    except MissingField as missing:
        raise _shape(result, str(missing)) from None


def _not_found(domain: str, why: str, result: Result | None = None) -> NotFoundError:
    return NotFoundError(
        f"sending domain {domain!r} not found: {why}",
        vendor=VENDOR,
        operation_id=result.endpoint.operation_id if result is not None else None,
        status_code=404,
        request_id=result.request_id if result is not None else None,
        body=result.error.body if result is not None and result.error is not None else None,
    )


def _is_ours(existing: SendingDomain, model: Any, domain: str, sent: CiirusSettings) -> bool:
    """Whether the subaccount (``existing``, validated as ``model``) is what our create would
    have made: same domain, same settings. A setting the vendor did not send back is not held
    against it."""
    if existing.domain != domain:
        return False
    for field in ("daily_send_limit", "approved"):
        value = getattr(model, field, None)
        if value is not None and value != getattr(sent, field):
            return False
    return True


class CiirusOperations:
    """CiiRUS Partner API email subaccount as a sending domain (one per partner account).

    Credentials fall back to ``CIIRUS_USERNAME`` and ``CIIRUS_PASSWORD``, the server to
    ``CIIRUS_BASE_URL`` (default ``https://api.ciiruspartners.com``). ``api_version`` is
    ``"v2023.07.31"`` or ``"v2024.07.31"`` (the default).
    """

    properties: ClassVar[dict[str, str]] = {
        "api_version": "The dated API version this client calls (the first path segment)."
    }
    api_version: str

    def __init__(self, *, api_version: str | None = None) -> None:
        name = DEFAULT_API_VERSION if api_version is None else api_version
        self.api_version = choice(name, API_VERSIONS, "api_version")

    @property
    def _v(self) -> _Version:
        # The version's generated package, loaded with the first call.
        return _version(self.api_version)

    def __repr__(self) -> str:
        return f"<CiirusOperations api_version={self.api_version!r}>"

    # --- helpers ---------------------------------------------------------------------------------
    def _request(
        self, domain: object, settings: object, daily_send_limit: object, approved: object
    ) -> tuple[str, CiirusSettings, Any]:
        c = Checker()
        name = c.check(domain_name, domain, "domain")
        chosen = _settings(c, settings, daily_send_limit, approved)
        c.raise_if_any()
        assert chosen is not None
        body = self._v.request_model(
            sending_domain=name,
            daily_send_limit=chosen.daily_send_limit,
            approved=chosen.approved,
        )
        return name, chosen, body

    def _retrieve(self) -> Call:
        return Call(self._v.retrieve, tolerate=_GONE)

    def _existing_for(self, domain: str) -> Op[SendingDomain]:
        """The subaccount, checked to be for ``domain`` (else NotFoundError naming it)."""
        result = yield self._retrieve()
        if result.error is not None:
            raise _not_found(domain, _NO_SUBACCOUNT, result)
        current = _domain_of(result)
        if current.domain != domain:
            raise _not_found(
                domain,
                f"this CiiRUS account's email subaccount is for {current.domain!r}",
                result,
            )
        return current

    def _page(self, cursor: object) -> Op[Page[SendingDomain]]:
        result = yield self._retrieve()
        return Page([] if result.error is not None else [_domain_of(result)])

    # --- operations ------------------------------------------------------------------------------
    def create_sending_domain(
        self,
        domain: str,
        settings: CiirusSettings | None = None,
        *,
        daily_send_limit: int | None = None,
        approved: bool | None = None,
    ) -> Op[SendingDomain]:
        """Create the account's subaccount for ``domain``; ConflictError if it has one.

        The settings are ``settings`` or the keyword arguments ``daily_send_limit`` and
        ``approved``.
        """
        name, chosen, body = self._request(domain, settings, daily_send_limit, approved)
        result = yield Call(self._v.create, {"body": body}, tolerate=_ALREADY)
        if result.error is None:
            return _domain_of(result)
        error = result.error
        message, reasons = message_and_reasons(error.body)
        if result.status_code == 422 and field_of(reasons) is not None:
            raise error  # the body was refused: not "already exists"
        current = yield self._retrieve()
        if current.error is not None:
            raise error  # nothing exists: the 422 was about something else
        existing = _domain_of(current)
        if result.attempts > 1 and _is_ours(existing, current.model, name, chosen):
            # Our earlier attempt created it; its answer was lost on the way back.
            return existing
        vendor_said = "; ".join(t for t in (message, *reasons) if t)
        raise ConflictError(
            f"a subaccount already exists for this CiiRUS account, for sending domain "
            f"{existing.domain!r} (one per account: update or delete it)"
            + (f" [CiiRUS: {clip(vendor_said)}]" if vendor_said else ""),
            vendor=VENDOR,
            operation_id=result.endpoint.operation_id,
            status_code=result.status_code,
            request_id=result.request_id,
            body=error.body,
        )

    def update_sending_domain(
        self,
        domain: str,
        settings: CiirusSettings | None = None,
        *,
        daily_send_limit: int | None = None,
        approved: bool | None = None,
    ) -> Op[SendingDomain]:
        """Replace the settings of the subaccount for ``domain`` (``settings``, or the keyword
        arguments ``daily_send_limit`` and ``approved``)."""
        name, _, body = self._request(domain, settings, daily_send_limit, approved)
        yield from self._existing_for(name)
        result = yield Call(self._v.update, {"body": body}, tolerate=_GONE)
        if result.error is not None:
            raise _not_found(name, _NO_SUBACCOUNT, result)
        return _domain_of(result)

    def get_sending_domain(self, domain: str) -> Op[SendingDomain]:
        """The subaccount for ``domain``; NotFoundError if there is none for it."""
        c = Checker()
        name = c.check(domain_name, domain, "domain")
        c.raise_if_any()
        return (yield from self._existing_for(name))

    def list_sending_domains(self) -> Pages[SendingDomain]:
        """The account's subaccount, as a listing of at most one sending domain."""
        return Pages(self._page)

    def verify_sending_domain(self, domain: str, *, fresh: bool = True) -> Op[SendingDomain]:
        """Read the validation statuses of ``domain`` again (CiiRUS validates on its own
        schedule); one read either way, so ``fresh`` changes nothing."""
        return (yield from self.get_sending_domain(domain))

    def delete_sending_domain(self, domain: str) -> Op[None]:
        """Delete the subaccount for ``domain``; NotFoundError if there is none for it."""
        c = Checker()
        name = c.check(domain_name, domain, "domain")
        c.raise_if_any()
        yield from self._existing_for(name)
        result = yield Call(self._v.delete, tolerate=_GONE)
        if result.error is not None and result.attempts == 1:
            raise _not_found(name, _NO_SUBACCOUNT, result)
        # A 404 on a retried attempt: our earlier attempt deleted it.
