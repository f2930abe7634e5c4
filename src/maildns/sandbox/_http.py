"""What every vendor app answers with and reads, made cheap: the sandbox's hot path.

A response is serialised by pydantic-core straight to bytes (compact, UTF-8, as Starlette's
``JSONResponse`` writes it, without the trip through ``json.dumps``); a query string is parsed
once however many times it is read, and the same query string is parsed once for every request
that sends it (a client sends the same token on every call).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl

import pydantic
import pydantic_core
from starlette.requests import Request
from starlette.responses import Response

JSON = "application/json"


def model_response(
    model: pydantic.BaseModel,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    *,
    by_alias: bool = False,
) -> Response:
    """``model`` as its JSON (``None`` fields left out)."""
    body = model.model_dump_json(exclude_none=True, by_alias=by_alias).encode()
    return Response(body, status_code=status, headers=headers, media_type=JSON)


def checked_response(model: type[pydantic.BaseModel], data: Mapping[str, Any]) -> Response:
    """``data`` (already in its wire form) once ``model`` accepts it, sent as it is.

    For a body whose wire form the model would not reproduce (TelecomX's timestamps), so the
    bytes sent are the very data that was validated.
    """
    model.model_validate(data)
    return Response(pydantic_core.to_json(data), media_type=JSON)


@functools.lru_cache(maxsize=1024)
def _parse_query(raw: bytes) -> Mapping[str, str]:
    # Starlette's QueryParams reading: latin-1, blanks kept, the last of a repeated name wins.
    return MappingProxyType(dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True)))


def query(request: Request) -> Mapping[str, str]:
    """``request``'s query parameters (read-only)."""
    raw: bytes = request.scope.get("query_string", b"")
    return _parse_query(raw) if raw else _EMPTY


_EMPTY: Mapping[str, str] = MappingProxyType({})
