"""maildns: provision email sending domains and their DNS across Tesouro, TelecomX and CiiRUS.

::

    import maildns

    with maildns.Tesouro() as tesouro:           # TESOURO_CLIENT_ID / TESOURO_CLIENT_SECRET
        domain = tesouro.create_sending_domain("mail.example.com")
        for record in domain.records:
            print(record.type, record.name, record.value)

The vendor clients are loaded on first use, so ``import maildns`` stays cheap; the local
sandbox lives in :mod:`maildns.sandbox` and is never imported from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._models import (
    DnsRecord,
    DomainStatus,
    RecordPurpose,
    RecordType,
    SendingDomain,
    Zone,
    ZoneStatus,
)
from .errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    InvalidInputError,
    MailDnsError,
    NotFoundError,
    PermissionDeniedError,
    Problem,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)

if TYPE_CHECKING:
    from ._ciirus import AsyncCiirus, Ciirus
    from ._telecomx import AsyncTelecomX, TelecomX
    from ._tesouro import AsyncTesouro, Tesouro

__version__ = "0.1.0"

_LAZY = {
    "Tesouro": "._tesouro",
    "AsyncTesouro": "._tesouro",
    "TelecomX": "._telecomx",
    "AsyncTelecomX": "._telecomx",
    "Ciirus": "._ciirus",
    "AsyncCiirus": "._ciirus",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'maildns' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncCiirus",
    "AsyncTelecomX",
    "AsyncTesouro",
    "AuthenticationError",
    "BadRequestError",
    "Ciirus",
    "ConfigurationError",
    "ConflictError",
    "DnsRecord",
    "DomainStatus",
    "InvalidInputError",
    "MailDnsError",
    "NotFoundError",
    "PermissionDeniedError",
    "Problem",
    "RateLimitError",
    "RecordPurpose",
    "RecordType",
    "SendingDomain",
    "ServerError",
    "TelecomX",
    "Tesouro",
    "UnprocessableEntityError",
    "Zone",
    "ZoneStatus",
    "__version__",
]
