"""Tesouro FinOps (Monite white-label): partner mailbox domains as :class:`SendingDomain`.

Every operation is written once, sans-IO, in :class:`_TesouroOperations`; :class:`Tesouro` and
:class:`AsyncTesouro` drive the same generators over ``httpx.Client`` / ``httpx.AsyncClient``.

The API has no get-by-id: a domain is found by listing and matching its name. Mailgun backs the
domains, so the records to publish are Mailgun's: an SPF TXT and a DKIM TXT at
``<selector>._domainkey.<domain>`` to send, and MX records (with a priority) to receive.
"""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

import httpx
from tesouro_client import Client as _GeneratedClient
from tesouro_client.api.mailbox_domains import (
    create_mailbox_domain,
    delete_mailbox_domain,
    list_mailbox_domains,
    verify_mailbox_domain,
)
from tesouro_client.models import (
    DNSRecord,
    DNSRecords,
    DomainListResponse,
    DomainRequest,
    DomainResponse,
    VerifyResponse,
)
from tesouro_client.types import Unset

from ._auth import TesouroAuth
from ._client import AsyncClient, SyncClient, _Options
from ._config import DEFAULT_MAX_RETRIES, env_secret, env_value, logger
from ._core import Call, Op, Result
from ._models import DnsRecord, DomainStatus, RecordPurpose, RecordType, SendingDomain
from ._validation import Checker, domain_name
from .errors import APIResponseValidationError, InvalidInputError, NotFoundError

__all__ = [
    "API_VERSIONS",
    "DEFAULT_API_VERSION",
    "PRODUCTION_URL",
    "SANDBOX_URL",
    "AsyncTesouro",
    "Tesouro",
    "parse_error",
]

VENDOR: Final = "tesouro"
SANDBOX_URL: Final = "https://api.sandbox.tesouro.com"
"""Tesouro's sandbox, the spec's first server and the default base URL."""
PRODUCTION_URL: Final = "https://api.tesouro.com"
"""Tesouro's production server."""

API_VERSIONS: Final = ("2025-06-23",)
"""The documented values of the ``x-finops-version`` header, oldest first."""
DEFAULT_API_VERSION: Final = API_VERSIONS[-1]

_VERSION_FORMAT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

_STATUSES: Final = {
    "waiting_to_be_verified": DomainStatus.PENDING,
    "pending": DomainStatus.PENDING,
    "verified": DomainStatus.VERIFIED,
    "active": DomainStatus.VERIFIED,
    "failed": DomainStatus.FAILED,
    "invalid": DomainStatus.FAILED,
}
_VALID: Final = {"valid": True, "invalid": False}
_PURPOSES: Final = {"DKIM": RecordPurpose.DKIM, "SPF": RecordPurpose.SPF}

_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>", re.DOTALL)
_MESSAGE_LIMIT = 200


# --------------------------------------------------------------------------- arguments


def check_api_version(value: object, argument: str = "api_version") -> str:
    """A ``YYYY-MM-DD`` date; ``None`` is the newest documented version.

    Any calendar date is accepted, not only the documented ones: Tesouro adds versions by date,
    and a version this release does not know should not need a new release to be used.
    """
    if value is None:
        return DEFAULT_API_VERSION
    documented = ", ".join(repr(v) for v in API_VERSIONS)
    if not isinstance(value, str) or not _VERSION_FORMAT.fullmatch(value):
        got = repr(value)[:60] if isinstance(value, str) else type(value).__name__
        raise InvalidInputError.one(
            argument, f"must be a date as YYYY-MM-DD (documented: {documented}), got {got}"
        )
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError.one(
            argument, f"{value!r} is not a calendar date (documented: {documented})"
        ) from None
    return value


def _credential(value: object, argument: str) -> None:
    """Credentials are strings; their values never appear in a message."""
    if value is None:
        return
    if not isinstance(value, str):
        raise InvalidInputError.one(argument, f"must be a str, got {type(value).__name__}")
    if not value:
        raise InvalidInputError.one(argument, "must not be empty (leave it out to use the env)")


# --------------------------------------------------------------------------- errors


def _text_message(text: str, status: int) -> str | None:
    """A readable line from a text or HTML error page (its title, else its text)."""
    text = text.strip()
    if not text:
        return None
    match = _TITLE.search(text) or _H1.search(text)
    if match:
        text = match.group(1)
    elif text.startswith("<"):
        text = _TAG.sub(" ", text)
    text = " ".join(html.unescape(_TAG.sub(" ", text)).split())
    # "502 Bad Gateway" -> "Bad Gateway": the status is shown beside the message anyway.
    prefix = f"{status} "
    if text.startswith(prefix) and len(text) > len(prefix):
        text = text[len(prefix) :]
    if len(text) > _MESSAGE_LIMIT:
        text = text[: _MESSAGE_LIMIT - 3] + "..."
    return text or None


def parse_error(status: int, body: Any) -> tuple[str | None, str | None]:
    """``(message, field)`` of a Tesouro error body: the generated model, JSON or text.

    * ``{"error": {"message": ...}}`` (Monite's ``ErrorSchemaResponse``);
    * 422 ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``: the messages joined, and the
      last element of the first ``loc`` (``["body", "domain"]`` -> ``domain``) as the field;
    * the token endpoint's OAuth ``{"error": "invalid_client", "error_description": ...}``;
    * 429 ``{"message": ...}``;
    * a text or HTML page (a proxy's 502): its title or text.
    """
    if hasattr(body, "to_dict"):
        body = body.to_dict()
    if isinstance(body, str):
        return _text_message(body, status), None
    if not isinstance(body, Mapping):
        return None, None
    error = body.get("error")
    if isinstance(error, Mapping):
        message = error.get("message")
        return (str(message) if message else None), None
    detail = body.get("detail")
    if isinstance(detail, list) and detail:
        messages = [str(d["msg"]) for d in detail if isinstance(d, Mapping) and d.get("msg")]
        field: str | None = None
        first = detail[0]
        if isinstance(first, Mapping):
            loc = first.get("loc")
            if isinstance(loc, list) and loc:
                field = str(loc[-1])
        return ("; ".join(messages) or None), field
    if isinstance(detail, str) and detail:
        return detail, None
    if isinstance(error, str) and error:
        description = body.get("error_description")
        return (f"{error}: {description}" if description else error), None
    message = body.get("message")
    if message:
        return str(message), None
    return None, None


# --------------------------------------------------------------------------- mapping


def _get(item: Any, key: str) -> Any:
    """A field of a generated ``DNSRecord`` or of a free-form record dict (None when absent)."""
    # Generated records first: an isinstance check against the Mapping ABC is slow.
    if type(item) is DNSRecord or not isinstance(item, Mapping):
        value = getattr(item, key, None)
    else:
        value = item.get(key)
    return None if type(value) is Unset else value


def _status(value: object) -> DomainStatus:
    if isinstance(value, str):
        return _STATUSES.get(value.strip().lower(), DomainStatus.UNKNOWN)
    return DomainStatus.UNKNOWN


def _priority(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _name(value: object, domain: str) -> str:
    """Lower-case and fully qualified; a record without a name is at the domain itself."""
    if not isinstance(value, str) or value.strip() in ("", "@"):
        return domain
    return value.strip().rstrip(".").lower()


def _purpose(item: Any, receiving: bool, name: str, value: str) -> RecordPurpose | None:
    if receiving:
        return RecordPurpose.RECEIVING
    purpose = _get(item, "record_purpose")
    if isinstance(purpose, str) and purpose.strip().upper() in _PURPOSES:
        return _PURPOSES[purpose.strip().upper()]
    # Older answers (Monite's guide) carry no purpose: tell SPF and DKIM by their content.
    if value.lower().startswith("v=spf1"):
        return RecordPurpose.SPF
    if "._domainkey." in f".{name}":
        return RecordPurpose.DKIM
    return None


_TYPES: Final = {t.value: t for t in RecordType}


def _record(item: Any, domain: str, *, receiving: bool) -> DnsRecord | None:
    kind = _get(item, "record_type")
    value = _get(item, "value")
    # The generated enum is a str: documented types are one dict lookup away.
    record_type = _TYPES.get(kind) if isinstance(kind, str) else None
    if record_type is None and isinstance(kind, str):
        record_type = _TYPES.get(kind.strip().upper())
    if record_type is None:
        logger.warning(
            "tesouro: a DNS record of unknown type %.40r for %s is left out of records "
            "(it stays in raw)",
            kind,
            domain,
        )
        return None
    if not isinstance(value, str):
        logger.warning(
            "tesouro: a %s record without a value for %s is left out of records (it stays in raw)",
            record_type.value,
            domain,
        )
        return None
    name = _name(_get(item, "name"), domain)
    valid = _get(item, "valid")
    return DnsRecord(
        type=record_type,
        name=name,
        value=value,
        purpose=_purpose(item, receiving, name, value),
        priority=_priority(_get(item, "priority")) if record_type is RecordType.MX else None,
        verified=_VALID.get(valid.strip().lower()) if isinstance(valid, str) else None,
    )


def _record_lists(dns_records: Any) -> tuple[Iterable[Any], Iterable[Any]]:
    """(sending, receiving) from ``DNSRecords`` or the spec's free-form fallback object."""
    if isinstance(dns_records, DNSRecords):
        return dns_records.sending_dns_records, dns_records.receiving_dns_records
    free = getattr(dns_records, "additional_properties", None)
    if not isinstance(free, Mapping):
        return (), ()
    sending = free.get("sending_dns_records")
    receiving = free.get("receiving_dns_records")
    return (
        sending if isinstance(sending, list) else (),
        receiving if isinstance(receiving, list) else (),
    )


def _domain_name_of(model: DomainResponse | VerifyResponse) -> str:
    return str(model.domain).strip().rstrip(".").lower()


def to_sending_domain(model: DomainResponse) -> SendingDomain:
    """The unified model of one Tesouro mailbox domain; ``raw`` keeps ``model``."""
    domain = _domain_name_of(model)
    sending, receiving = _record_lists(model.dns_records)
    records = [_record(item, domain, receiving=False) for item in sending]
    records += [_record(item, domain, receiving=True) for item in receiving]
    return SendingDomain(
        vendor=VENDOR,
        domain=domain,
        id=str(model.id),
        status=_status(model.status),
        records=tuple(r for r in records if r is not None),
        raw=model,
    )


# --------------------------------------------------------------------------- operations


def _unexpected(operation: str, result: Result, what: str) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"tesouro {operation}: the response does not fit the spec ({what})",
        vendor=VENDOR,
        operation=operation,
        status_code=result.status_code,
        body=result.content,
        request_id=result.request_id,
    )


def _checked_domain(domain: object) -> str:
    c = Checker()
    name = c.check(domain_name, domain, "domain")
    c.raise_if_any()
    return name


class _TesouroOperations:
    """Each operation once, as a generator of :class:`Call` (sans-IO)."""

    def __init__(self, api_version: str) -> None:
        self.api_version = api_version

    def __repr__(self) -> str:
        return f"<_TesouroOperations api_version={self.api_version!r}>"

    # --- building blocks ------------------------------------------------------------------------
    def _list(self, operation: str) -> Op[list[DomainResponse]]:
        result = yield Call(operation, list_mailbox_domains, {"x_finops_version": self.api_version})
        if not isinstance(result.parsed, DomainListResponse):
            raise _unexpected(operation, result, "expected a list of domains")
        return list(result.parsed.data)

    def _find(self, domain: str, operation: str) -> Op[DomainResponse]:
        """The domain named ``domain`` (normalised), or NotFoundError."""
        for model in (yield from self._list(operation)):
            if _domain_name_of(model) == domain:
                return model
        raise NotFoundError(
            f"no sending domain {domain!r}",
            vendor=VENDOR,
            operation=operation,
            status_code=404,
        )

    # --- public operations ----------------------------------------------------------------------
    def list_sending_domains(self) -> Op[list[SendingDomain]]:
        models = yield from self._list("list_sending_domains")
        return [to_sending_domain(m) for m in models]

    def get_sending_domain(self, domain: str) -> Op[SendingDomain]:
        name = _checked_domain(domain)
        return to_sending_domain((yield from self._find(name, "get_sending_domain")))

    def create_sending_domain(self, domain: str) -> Op[SendingDomain]:
        operation = "create_sending_domain"
        name = _checked_domain(domain)
        result = yield Call(
            operation,
            create_mailbox_domain,
            {"body": DomainRequest(domain=name), "x_finops_version": self.api_version},
            tolerate=frozenset({409}),
        )
        if result.error is not None:
            if result.attempts > 1:
                # An earlier attempt created it and its answer was lost: that is our domain.
                for model in (yield from self._list(operation)):
                    if _domain_name_of(model) == name:
                        return to_sending_domain(model)
            result.raise_error()
        if not isinstance(result.parsed, DomainResponse):
            raise _unexpected(operation, result, "expected a domain")
        return to_sending_domain(result.parsed)

    def verify_sending_domain(self, domain: str) -> Op[SendingDomain]:
        operation = "verify_sending_domain"
        name = _checked_domain(domain)
        found = yield from self._find(name, operation)
        result = yield Call(
            operation,
            verify_mailbox_domain,
            {"domain_id": found.id, "x_finops_version": self.api_version},
        )
        if not isinstance(result.parsed, VerifyResponse):
            raise _unexpected(operation, result, "expected a verification status")
        # The verify answer has the status only; a fresh list has the records' new state.
        fresh = found
        for model in (yield from self._list(operation)):
            if model.id == found.id:
                fresh = model
                break
        verified = to_sending_domain(fresh)
        return SendingDomain(
            vendor=VENDOR,
            domain=verified.domain,
            id=verified.id,
            status=_status(result.parsed.status),
            records=verified.records,
            raw=fresh,
        )

    def delete_sending_domain(self, domain: str) -> Op[None]:
        operation = "delete_sending_domain"
        name = _checked_domain(domain)
        found = yield from self._find(name, operation)
        result = yield Call(
            operation,
            delete_mailbox_domain,
            {"domain_id": found.id, "x_finops_version": self.api_version},
            tolerate=frozenset({404}),
        )
        if result.error is not None and result.attempts == 1:
            result.raise_error()
        # A 404 on a retried attempt: an earlier attempt deleted it.
        return None


# --------------------------------------------------------------------------- clients


class _Setup:
    """What both twins build from the constructor arguments, validated together."""

    def __init__(
        self,
        *,
        client_id: str | None,
        client_secret: str | None,
        api_version: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
    ) -> None:
        c = Checker()
        version = c.check(check_api_version, api_version, "api_version")
        c.check(_credential, client_id, "client_id")
        c.check(_credential, client_secret, "client_secret")
        options: _Options | None = None
        try:
            options = _Options(
                vendor=VENDOR,
                base_url=base_url,
                default_base_url=SANDBOX_URL,
                timeout=timeout,
                max_retries=max_retries,
            )
        except InvalidInputError as error:
            c.extend(error)
        c.raise_if_any()
        assert options is not None
        self.options = options
        self.auth = TesouroAuth(
            base_url=options.base_url,
            client_id=env_value(client_id, "TESOURO_CLIENT_ID"),
            client_secret=env_secret(client_secret, "TESOURO_CLIENT_SECRET"),
        )
        self.ops = _TesouroOperations(version)
        # The generated parsers read only raise_on_unexpected_status from their client.
        self.generated = _GeneratedClient(base_url=options.base_url)


class Tesouro(SyncClient):
    """Tesouro FinOps mailbox domains, synchronously.

    Credentials fall back to ``TESOURO_CLIENT_ID`` / ``TESOURO_CLIENT_SECRET``, the server to
    ``TESOURO_BASE_URL``, then the sandbox (:data:`SANDBOX_URL`; production is
    :data:`PRODUCTION_URL`). ``api_version`` is the ``x-finops-version`` date, by default the
    newest documented one.
    """

    _vendor = VENDOR
    _default_base_url = SANDBOX_URL

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_version: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
    ) -> None:
        setup = _Setup(
            client_id=client_id,
            client_secret=client_secret,
            api_version=api_version,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
        )
        super().__init__(
            auth=setup.auth,
            parse_error=parse_error,
            generated_client=setup.generated,
            http_client=http_client,
            options=setup.options,
        )
        self._ops = setup.ops

    @property
    def api_version(self) -> str:
        return self._ops.api_version

    def create_sending_domain(self, domain: str) -> SendingDomain:
        """Register ``domain``; the answer lists the DNS records to publish."""
        return self._run(self._ops.create_sending_domain(domain))

    def get_sending_domain(self, domain: str) -> SendingDomain:
        """The domain named ``domain`` (found by listing), or :class:`NotFoundError`."""
        return self._run(self._ops.get_sending_domain(domain))

    def list_sending_domains(self) -> list[SendingDomain]:
        """Every mailbox domain of the partner."""
        return self._run(self._ops.list_sending_domains())

    def verify_sending_domain(self, domain: str) -> SendingDomain:
        """Ask Tesouro to check the records now; the domain with its new status."""
        return self._run(self._ops.verify_sending_domain(domain))

    def delete_sending_domain(self, domain: str) -> None:
        """Delete the domain named ``domain``."""
        return self._run(self._ops.delete_sending_domain(domain))


class AsyncTesouro(AsyncClient):
    """Tesouro FinOps mailbox domains, as coroutines (see :class:`Tesouro`)."""

    _vendor = VENDOR
    _default_base_url = SANDBOX_URL

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_version: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        setup = _Setup(
            client_id=client_id,
            client_secret=client_secret,
            api_version=api_version,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
        )
        super().__init__(
            auth=setup.auth,
            parse_error=parse_error,
            generated_client=setup.generated,
            http_client=http_client,
            options=setup.options,
        )
        self._ops = setup.ops

    @property
    def api_version(self) -> str:
        return self._ops.api_version

    async def create_sending_domain(self, domain: str) -> SendingDomain:
        """Register ``domain``; the answer lists the DNS records to publish."""
        return await self._run(self._ops.create_sending_domain(domain))

    async def get_sending_domain(self, domain: str) -> SendingDomain:
        """The domain named ``domain`` (found by listing), or :class:`NotFoundError`."""
        return await self._run(self._ops.get_sending_domain(domain))

    async def list_sending_domains(self) -> list[SendingDomain]:
        """Every mailbox domain of the partner."""
        return await self._run(self._ops.list_sending_domains())

    async def verify_sending_domain(self, domain: str) -> SendingDomain:
        """Ask Tesouro to check the records now; the domain with its new status."""
        return await self._run(self._ops.verify_sending_domain(domain))

    async def delete_sending_domain(self, domain: str) -> None:
        """Delete the domain named ``domain``."""
        return await self._run(self._ops.delete_sending_domain(domain))
