"""Every error maildns raises, in one hierarchy (re-exported from :mod:`maildns`).

::

    MailDnsError
    ├── InvalidInputError (also a ValueError)   bad arguments, raised before any request
    ├── ConfigurationError                      missing or ambiguous credentials
    ├── ClientClosedError (also a RuntimeError) a call after close() / aclose()
    └── APIError                                something went wrong talking to a vendor
        ├── APIConnectionError                  no answer: DNS, refused, reset, ...
        │   └── APITimeoutError
        │       └── APIDeadlineError            the answer did not end within the deadline
        ├── APIResponseLimitError               an answer past one of maildns's bounds
        │   ├── APIResponseTooLargeError        a body larger than max_response_bytes decoded
        │   └── APIDeadlineError
        ├── APIResponseValidationError          an answer that does not fit the vendor's spec
        └── APIStatusError                      a documented error status
            ├── BadRequestError                 400
            ├── AuthenticationError             401
            ├── PermissionDeniedError           403
            ├── NotFoundError                   404
            ├── ConflictError                   409
            │   └── RecordsChangedError         the records changed since they were read
            ├── UnprocessableEntityError        422
            ├── RateLimitError                  429
            └── ServerError                     5xx

Every :class:`APIError` names the ``vendor``, the ``operation`` (the client method that was
called, such as ``create_sending_domain``) and, where a request was answered or sent, the
``operation_id`` of that request in the vendor's spec (``createMailboxDomain``; a method may
make several requests, a token request among them).

No message, repr or attribute of these errors holds a credential or token: each text is
redacted as the error is made (:func:`maildns._core.secrets.redact`), whoever wrote it, a
vendor echoing a secret back included.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from ._core.secrets import redact, redact_body, redact_bytes

__all__ = [
    "APIConnectionError",
    "APIDeadlineError",
    "APIError",
    "APIResponseLimitError",
    "APIResponseTooLargeError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "InvalidInputError",
    "MailDnsError",
    "NotFoundError",
    "PermissionDeniedError",
    "Problem",
    "RateLimitError",
    "RecordsChangedError",
    "ServerError",
    "UnprocessableEntityError",
]


class MailDnsError(Exception):
    """The root of every error maildns raises. Its text arguments are redacted: no secret
    maildns knows is kept in them."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact(a) if isinstance(a, str) else a for a in args))


@attrs.frozen
class Problem:
    """One thing wrong with one argument."""

    argument: str
    message: str

    def __str__(self) -> str:
        return redact(f"{self.argument}: {self.message}")


class InvalidInputError(MailDnsError, ValueError):
    """Arguments that cannot be sent; raised before any request, naming every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("InvalidInputError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        if len(self.problems) == 1:
            text = str(self.problems[0])
        else:
            text = f"{len(self.problems)} problems: " + "; ".join(str(p) for p in self.problems)
        super().__init__(text)

    @classmethod
    def one(cls, argument: str, message: str) -> InvalidInputError:
        return cls([Problem(argument, message)])


class ConfigurationError(MailDnsError):
    """The client is not set up to make this call (credentials missing, or given twice over)."""


class ClientClosedError(MailDnsError, RuntimeError):
    """A call on a client after ``close()`` / ``aclose()`` (or on a closed ``http_client``)."""


class APIError(MailDnsError):
    """Something went wrong talking to a vendor.

    ``str(error)`` is ``"<vendor> <operation>: <message>"``; ``message`` is the message alone.

    ``may_have_acted`` says whether the vendor may have made a change although the call failed:
    a request of the call that changes something was sent and was not refused (its answer never
    came, was a 5xx or a 408, did not fit the spec, or was a success that a later request of
    the same call did not build on). False when every such request was refused or never left
    (a connection that could not be made). Look before trying again where it matters.
    """

    may_have_acted: bool = False

    def __init__(
        self,
        message: str,
        *,
        vendor: str,
        operation: str = "",
        operation_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = redact(message)
        self.vendor = vendor
        self.operation = operation
        self.operation_id = operation_id

    def __str__(self) -> str:
        return f"{self.vendor} {self.operation or '-'}: {self.message}"


class APIConnectionError(APIError):
    """The request got no answer (connection refused or dropped, DNS failure, ...).

    ``__cause__`` is httpx's own error.
    """


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class APIResponseLimitError(APIError):
    """An answer went past one of the bounds maildns keeps every answer within: its decoded
    size (:class:`APIResponseTooLargeError`) or the time it may take
    (:class:`APIDeadlineError`). ``setting`` names the client option that sets the bound and
    ``limit`` its value; the message says how to change it.

    It is not retried: the same request would meet the same bound. A request that changes
    something was answered, so ``may_have_acted`` is true for it.
    """

    def __init__(
        self,
        message: str,
        *,
        vendor: str,
        operation: str = "",
        operation_id: str | None = None,
        setting: str,
        limit: float,
        status_code: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, vendor=vendor, operation=operation, operation_id=operation_id)
        self.setting = setting
        self.limit = limit
        self.status_code = status_code
        self.request_id = redact(request_id) if request_id else request_id

    def __str__(self) -> str:
        rid = f" [request id {self.request_id}]" if self.request_id else ""
        return f"{super().__str__()}{rid}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(vendor={self.vendor!r}, operation={self.operation!r}, "
            f"operation_id={self.operation_id!r}, setting={self.setting!r}, "
            f"limit={self.limit!r}, status_code={self.status_code!r})"
        )


class APIResponseTooLargeError(APIResponseLimitError):
    """The answer's body, decoded (a compressed body is counted as it is inflated, so a
    compression bomb stops at the bound), is larger than ``max_response_bytes``."""


class APIDeadlineError(APIResponseLimitError, APITimeoutError):
    """The answer did not end within ``deadline`` seconds of the request being sent, however
    steadily its bytes came (the read ``timeout`` bounds each wait, this bounds the whole)."""


class APIResponseValidationError(APIError):
    """The vendor answered with a body that does not fit its spec (malformed JSON, wrong shape).

    The message says where in the body it did not fit (``data[0].id: Input should be a valid
    UUID``); ``body`` holds the bytes received (a token response's are withheld).
    """

    def __init__(
        self,
        message: str,
        *,
        vendor: str,
        operation: str = "",
        operation_id: str | None = None,
        status_code: int,
        body: bytes,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, vendor=vendor, operation=operation, operation_id=operation_id)
        self.status_code = status_code
        self.body = redact_bytes(body)
        self.request_id = redact(request_id) if request_id else request_id

    def __str__(self) -> str:
        rid = f" [request id {self.request_id}]" if self.request_id else ""
        return f"{super().__str__()}{rid}"


class APIStatusError(APIError):
    """The vendor answered with an error status; ``message`` and ``field`` come from its body."""

    def __init__(
        self,
        message: str,
        *,
        vendor: str,
        operation: str = "",
        operation_id: str | None = None,
        status_code: int,
        field: str | None = None,
        request_id: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message, vendor=vendor, operation=operation, operation_id=operation_id)
        self.status_code = status_code
        self.field = redact(field) if field else field
        self.request_id = redact(request_id) if request_id else request_id
        self.body = redact_body(body)

    def __str__(self) -> str:
        where = f" (field {self.field})" if self.field else ""
        rid = f" [request id {self.request_id}]" if self.request_id else ""
        return (
            f"{self.vendor} {self.operation or '-'}: {self.status_code} {self.message}{where}{rid}"
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(vendor={self.vendor!r}, operation={self.operation!r}, "
            f"operation_id={self.operation_id!r}, status_code={self.status_code}, "
            f"message={self.message!r}, field={self.field!r}, request_id={self.request_id!r})"
        )


class BadRequestError(APIStatusError):
    """400."""


class AuthenticationError(APIStatusError):
    """401: the credentials or token were refused."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404."""


class ConflictError(APIStatusError):
    """409: the resource already exists."""


class RecordsChangedError(ConflictError):
    """409: a change made only if the records are as they were read, and they no longer are
    (a DNS server's NXRRSET or YXRRSET, RFC 2136 section 3.2): read them again and re-plan."""


class UnprocessableEntityError(APIStatusError):
    """422: the vendor rejected a value."""


class RateLimitError(APIStatusError):
    """429: too many requests (retried with the vendor's Retry-After before this is raised)."""


class ServerError(APIStatusError):
    """5xx."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The error class for an HTTP status."""
    if status_code >= 500:
        return ServerError
    return _BY_STATUS.get(status_code, APIStatusError)
