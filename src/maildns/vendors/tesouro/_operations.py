"""Every Tesouro operation, once, sans-IO: generators of :class:`~maildns._core.engine.Call`.

The API has no get-by-id: a domain is found by listing and matching its name.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, ClassVar, Final

from ..._core.checks import Checker
from ..._core.engine import Call, Op, Page, Pages
from ..._dns.names import domain_name
from ...errors import InvalidInputError, NotFoundError
from ...models import SendingDomain
from ._auth import API
from ._mapping import VENDOR, domain_name_of, to_sending_domain
from ._settings import TesouroSettings

API_VERSIONS: Final = ("2025-06-23",)
"""The documented values of the ``x-finops-version`` header, oldest first."""
DEFAULT_API_VERSION: Final = API_VERSIONS[-1]

LIST: Final = API.endpoint("api.mailbox_domains.list_mailbox_domains")
CREATE: Final = API.endpoint("api.mailbox_domains.create_mailbox_domain")
VERIFY: Final = API.endpoint("api.mailbox_domains.verify_mailbox_domain")
DELETE: Final = API.endpoint("api.mailbox_domains.delete_mailbox_domain")

_VERSION_FORMAT: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONFLICT: Final = frozenset({409})
_GONE: Final = frozenset({404})


def check_api_version(value: object) -> str:
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
            "api_version", f"must be a date as YYYY-MM-DD (documented: {documented}), got {got}"
        )
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError.one(
            "api_version", f"{value!r} is not a calendar date (documented: {documented})"
        ) from None
    return value


def _checked(domain: object, settings: object = None) -> str:
    c = Checker()
    name = c.check(domain_name, domain, "domain")
    if settings is not None and not isinstance(settings, TesouroSettings):
        c.add("settings", f"must be a TesouroSettings, got {type(settings).__name__}")
    c.raise_if_any()
    return name


def _not_found(domain: str) -> NotFoundError:
    return NotFoundError(f"no sending domain {domain!r}", vendor=VENDOR, status_code=404)


class TesouroOperations:
    """Tesouro FinOps mailbox domains.

    Credentials fall back to ``TESOURO_CLIENT_ID`` / ``TESOURO_CLIENT_SECRET``, the server to
    ``TESOURO_BASE_URL``, then Tesouro's sandbox (``https://api.sandbox.tesouro.com``;
    production is ``https://api.tesouro.com``). ``api_version`` is the ``x-finops-version``
    date, by default the newest documented one.
    """

    properties: ClassVar[dict[str, str]] = {
        "api_version": "The ``x-finops-version`` date sent with every request."
    }
    api_version: str

    def __init__(self, *, api_version: str | None = None) -> None:
        self.api_version = check_api_version(api_version)
        self._version = {"x_finops_version": self.api_version}

    def __repr__(self) -> str:
        return f"<TesouroOperations api_version={self.api_version!r}>"

    # --- building blocks ------------------------------------------------------------------------
    def _list(self) -> Op[list[SendingDomain]]:
        result = yield Call(LIST, self._version)
        return [
            to_sending_domain(model, result.deferred("data", index))
            for index, model in enumerate(result.model.data)
        ]

    def _find(self, domain: str) -> Op[tuple[Any, Any]]:
        """The validated model of the domain named ``domain`` and its deferred raw."""
        result = yield Call(LIST, self._version)
        for index, model in enumerate(result.model.data):
            if domain_name_of(model) == domain:
                return model, result.deferred("data", index)
        raise _not_found(domain)

    def _page(self, cursor: object) -> Op[Page[SendingDomain]]:
        return Page((yield from self._list()))

    # --- public operations ----------------------------------------------------------------------
    def create_sending_domain(
        self, domain: str, settings: TesouroSettings | None = None
    ) -> Op[SendingDomain]:
        """Register ``domain``; the answer lists the DNS records to publish."""
        name = _checked(domain, settings)
        from tesouro_client.models import DomainRequest  # loaded with the first call

        result = yield Call(
            CREATE,
            {"body": DomainRequest(domain=name), **self._version},
            tolerate=_CONFLICT,
        )
        if result.error is not None:
            if result.attempts > 1:
                # An earlier attempt created it and its answer was lost: that is our domain.
                for found in (yield from self._list()):
                    if found.domain == name:
                        return found
            result.raise_error()
        return to_sending_domain(result.model, result.deferred())

    def get_sending_domain(self, domain: str) -> Op[SendingDomain]:
        """The domain named ``domain`` (found by listing), or :class:`NotFoundError`."""
        model, raw = yield from self._find(_checked(domain))
        return to_sending_domain(model, raw)

    def list_sending_domains(self) -> Pages[SendingDomain]:
        """Every mailbox domain of the partner."""
        return Pages(self._page)

    def verify_sending_domain(self, domain: str) -> Op[SendingDomain]:
        """Ask Tesouro to check the records now; the domain with its new status."""
        name = _checked(domain)
        found, found_raw = yield from self._find(name)
        result = yield Call(VERIFY, {"domain_id": found.id, **self._version})
        # The verify answer has the status only; a fresh list has the records' new state.
        fresh = yield Call(LIST, self._version)
        for index, model in enumerate(fresh.model.data):
            if model.id == found.id:
                return to_sending_domain(model, fresh.deferred("data", index), result.model.status)
        return to_sending_domain(found, found_raw, result.model.status)

    def delete_sending_domain(self, domain: str) -> Op[None]:
        """Delete the domain named ``domain``."""
        found, _ = yield from self._find(_checked(domain))
        result = yield Call(DELETE, {"domain_id": found.id, **self._version}, tolerate=_GONE)
        if result.error is not None and result.attempts == 1:
            result.raise_error()
        # A 404 on a retried attempt: an earlier attempt deleted it.
