"""TelecomX's error bodies, ``{"error": <message key>, "message": <description>}``."""

from __future__ import annotations

from typing import Any, Final

# Error message keys that name the offending field (the rest are generic: access_denied,
# not_found, internal_error, bad_request, credentials_invalid, expired, invalid_token, ...).
FIELD_KEYS: Final = frozenset(
    {
        "_id",
        "ttl",
        "customer",
        "product",
        "name",
        "type",
        "rData",
        "records",
        "previous",
        "dns",
        # list's query parameters (422 when out of range)
        "offset",
        "limit",
        "full",
    }
)


def parse_error(status: int, body: Any) -> tuple[str | None, str | None]:
    """TelecomX's ``{"error": key, "message": text}`` as (message, field).

    The message is the text (else the key); the field is the key when the key names a field
    (``_id``, ``customer``, ``rData``, ...), None for generic keys such as ``not_found``.
    """
    if not isinstance(body, dict):
        return None, None
    key, text = body.get("error"), body.get("message")
    key = key if isinstance(key, str) and key else None
    text = text if isinstance(text, str) and text else None
    return text or key, key if key in FIELD_KEYS else None
