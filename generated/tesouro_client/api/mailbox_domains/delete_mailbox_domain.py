from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_schema_response import ErrorSchemaResponse
from ...models.http_validation_error import HTTPValidationError
from ...models.rate_limit_error import RateLimitError
from ...types import Response


def _get_kwargs(
    domain_id: UUID,
    *,
    x_finops_version: str = "2025-06-23",
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["x-finops-version"] = x_finops_version

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/finops/v1/mailbox-domains/{domain_id}".format(
            domain_id=quote(str(domain_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ErrorSchemaResponse | HTTPValidationError | RateLimitError | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

    if response.status_code == 400:
        response_400 = ErrorSchemaResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorSchemaResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorSchemaResponse.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorSchemaResponse.from_dict(response.json())

        return response_404

    if response.status_code == 405:
        response_405 = ErrorSchemaResponse.from_dict(response.json())

        return response_405

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = RateLimitError.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorSchemaResponse.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | ErrorSchemaResponse | HTTPValidationError | RateLimitError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    domain_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_finops_version: str = "2025-06-23",
) -> Response[Any | ErrorSchemaResponse | HTTPValidationError | RateLimitError]:
    """Delete a mailbox domain

     Delete domain for the partner_id. Answers 204 with no body.

    Errors: 400 (`error.message`; also `missing_api_version`), 401, 403, 404 (no domain
    with this id), 405 (method not allowed), 422 (`detail` list, e.g. `domain_id` is not a
    UUID), 429, 500.

    Args:
        domain_id (UUID):
        x_finops_version (str):  Default: '2025-06-23'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorSchemaResponse | HTTPValidationError | RateLimitError]
    """

    kwargs = _get_kwargs(
        domain_id=domain_id,
        x_finops_version=x_finops_version,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    domain_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_finops_version: str = "2025-06-23",
) -> Any | ErrorSchemaResponse | HTTPValidationError | RateLimitError | None:
    """Delete a mailbox domain

     Delete domain for the partner_id. Answers 204 with no body.

    Errors: 400 (`error.message`; also `missing_api_version`), 401, 403, 404 (no domain
    with this id), 405 (method not allowed), 422 (`detail` list, e.g. `domain_id` is not a
    UUID), 429, 500.

    Args:
        domain_id (UUID):
        x_finops_version (str):  Default: '2025-06-23'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorSchemaResponse | HTTPValidationError | RateLimitError
    """

    return sync_detailed(
        domain_id=domain_id,
        client=client,
        x_finops_version=x_finops_version,
    ).parsed


async def asyncio_detailed(
    domain_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_finops_version: str = "2025-06-23",
) -> Response[Any | ErrorSchemaResponse | HTTPValidationError | RateLimitError]:
    """Delete a mailbox domain

     Delete domain for the partner_id. Answers 204 with no body.

    Errors: 400 (`error.message`; also `missing_api_version`), 401, 403, 404 (no domain
    with this id), 405 (method not allowed), 422 (`detail` list, e.g. `domain_id` is not a
    UUID), 429, 500.

    Args:
        domain_id (UUID):
        x_finops_version (str):  Default: '2025-06-23'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorSchemaResponse | HTTPValidationError | RateLimitError]
    """

    kwargs = _get_kwargs(
        domain_id=domain_id,
        x_finops_version=x_finops_version,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    domain_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_finops_version: str = "2025-06-23",
) -> Any | ErrorSchemaResponse | HTTPValidationError | RateLimitError | None:
    """Delete a mailbox domain

     Delete domain for the partner_id. Answers 204 with no body.

    Errors: 400 (`error.message`; also `missing_api_version`), 401, 403, 404 (no domain
    with this id), 405 (method not allowed), 422 (`detail` list, e.g. `domain_id` is not a
    UUID), 429, 500.

    Args:
        domain_id (UUID):
        x_finops_version (str):  Default: '2025-06-23'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorSchemaResponse | HTTPValidationError | RateLimitError
    """

    return (
        await asyncio_detailed(
            domain_id=domain_id,
            client=client,
            x_finops_version=x_finops_version,
        )
    ).parsed


# --- sans-IO: public names added by maildns's template (config/templates/) ---

OPERATION_ID = "deleteMailboxDomain"
"""The operation's ``operationId`` in the spec."""

RESPONSES: dict[int, Any] = {
    204: None,
    400: ErrorSchemaResponse,
    401: ErrorSchemaResponse,
    403: ErrorSchemaResponse,
    404: ErrorSchemaResponse,
    405: ErrorSchemaResponse,
    422: HTTPValidationError,
    429: RateLimitError,
    500: ErrorSchemaResponse,
}
"""The generated model class each documented status answers with; None where that status has no JSON body (e.g. 204)."""


def build_request(
    domain_id: UUID,
    *,
    x_finops_version: str = "2025-06-23",
) -> dict[str, Any]:
    """The keyword arguments for ``httpx.Client.request`` for this operation, without sending anything: ``method``, ``url`` (relative to the server) and, where the operation has them, ``params``, ``headers``, ``json``/``data``/``content``/``files``."""
    return _get_kwargs(
        domain_id=domain_id,
        x_finops_version=x_finops_version,
    )


def parse_json(
    status_code: int, data: Any
) -> ErrorSchemaResponse | HTTPValidationError | RateLimitError | None:
    """The generated model for an already-decoded JSON body ``data`` answered with ``status_code``; None for an undocumented status or one without a JSON body."""
    if status_code == 204:
        return None
    if status_code == 400:
        response_400 = ErrorSchemaResponse.from_dict(data)
        return response_400
    if status_code == 401:
        response_401 = ErrorSchemaResponse.from_dict(data)
        return response_401
    if status_code == 403:
        response_403 = ErrorSchemaResponse.from_dict(data)
        return response_403
    if status_code == 404:
        response_404 = ErrorSchemaResponse.from_dict(data)
        return response_404
    if status_code == 405:
        response_405 = ErrorSchemaResponse.from_dict(data)
        return response_405
    if status_code == 422:
        response_422 = HTTPValidationError.from_dict(data)
        return response_422
    if status_code == 429:
        response_429 = RateLimitError.from_dict(data)
        return response_429
    if status_code == 500:
        response_500 = ErrorSchemaResponse.from_dict(data)
        return response_500
    return None
