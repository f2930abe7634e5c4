"""Every Tesouro operation, once, sans-IO: generators of :class:`~maildns._core.engine.Call`.

The API has no get-by-id: a domain is found by listing and matching its name.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, ClassVar, Final

import attrs

from ..._core.checks import Checker
from ..._core.engine import Call, Op, Page, Pages, Result
from ..._dns.names import domain_name
from ...errors import InvalidInputError, NotFoundError
from ...models import SendingDomain
from ._auth import API
from ._mapping import VENDOR, status, to_sending_domain
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
        # name -> the domain as last listed or created: Tesouro finds a domain only by listing
        # them all, so verify and delete use the id known already (a listing per call would cost
        # the whole listing once per domain when onboarding thousands). The unified model, not
        # the validated one: a tenth of its size, for a client that creates ten thousand.
        self._known: dict[str, SendingDomain] = {}

    def __repr__(self) -> str:
        return f"<TesouroOperations api_version={self.api_version!r}>"

    # --- building blocks ------------------------------------------------------------------------
    def _list(self) -> Op[list[SendingDomain]]:
        """Every domain; what is known is this listing from now on."""
        result = yield Call(LIST, self._version)
        listed = [
            to_sending_domain(model, result.deferred("data", i))
            for i, model in enumerate(result.model.data)
        ]
        self._known = {found.domain: found for found in listed}
        return listed

    def _find(self, domain: str) -> Op[SendingDomain]:
        """The domain named ``domain``, found by listing."""
        yield from self._list()
        found = self._known.get(domain)
        if found is None:
            raise _not_found(domain)
        return found

    def _id_call(self, endpoint: Any, name: str) -> Op[tuple[SendingDomain, Result]]:
        """``endpoint`` for the domain named ``name`` by the id known for it, or when that id is
        gone (a 404 at once: deleted elsewhere since), by the id a fresh listing finds. A 404
        is in the result (``tolerate``), for the caller to judge."""
        known = self._known.get(name)
        if known is not None:
            result = yield Call(endpoint, {"domain_id": known.id, **self._version}, tolerate=_GONE)
            if result.error is None or result.attempts > 1:
                return known, result
            self._known.pop(name, None)
        found = yield from self._find(name)
        result = yield Call(endpoint, {"domain_id": found.id, **self._version}, tolerate=_GONE)
        return found, result

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
        created = to_sending_domain(result.model, result.deferred())
        self._known[name] = created
        return created

    def get_sending_domain(self, domain: str) -> Op[SendingDomain]:
        """The domain named ``domain`` (found by listing), or :class:`NotFoundError`."""
        return (yield from self._find(_checked(domain)))

    def list_sending_domains(self) -> Pages[SendingDomain]:
        """Every mailbox domain of the partner."""
        return Pages(self._page)

    def verify_sending_domain(self, domain: str, *, fresh: bool = True) -> Op[SendingDomain]:
        """Ask Tesouro to check the records now; the domain with its new status.

        The domain is found by the id known for it (listing only when none is). Tesouro's
        answer holds the status only, so the records' new state comes from a listing after it;
        ``fresh=False`` skips that listing and keeps the records as last listed or created.
        """
        known, result = yield from self._id_call(VERIFY, _checked(domain))
        if result.error is not None:
            result.raise_error()
        now = status(result.model.status)
        if fresh:
            for again in (yield from self._list()):
                if again.id == known.id:
                    return attrs.evolve(again, status=now)
        return attrs.evolve(known, status=now)

    def delete_sending_domain(self, domain: str) -> Op[None]:
        """Delete the domain named ``domain``."""
        name = _checked(domain)
        _, result = yield from self._id_call(DELETE, name)
        self._known.pop(name, None)
        if result.error is not None and result.attempts == 1:
            result.raise_error()
        # A 404 on a retried attempt: an earlier attempt deleted it.
