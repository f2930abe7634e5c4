from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.domain_request import DomainRequest
from ...models.domain_response import DomainResponse
from ...models.error_schema_response import ErrorSchemaResponse
from ...models.http_validation_error import HTTPValidationError
from ...models.rate_limit_error import RateLimitError
from ...types import Response


def _get_kwargs(
    *,
    body: DomainRequest,
    x_finops_version: str = "2025-06-23",
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["x-finops-version"] = x_finops_version

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/finops/v1/mailbox-domains",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DomainResponse | ErrorSchemaResponse | HTTPValidationError | RateLimitError | None:
    if response.status_code == 200:
        response_200 = DomainResponse.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = DomainResponse.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ErrorSchemaResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorSchemaResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorSchemaResponse.from_dict(response.json())

        return response_403

    if response.status_code == 405:
        response_405 = ErrorSchemaResponse.from_dict(response.json())

        return response_405

    if response.status_code == 409:
        response_409 = ErrorSchemaResponse.from_dict(response.json())

        return response_409

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
) -> Response[
    DomainResponse | ErrorSchemaResponse | HTTPValidationError | RateLimitError
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: DomainRequest,
    x_finops_version: str = "2025-06-23",
) -> Response[
    DomainResponse | ErrorSchemaResponse | HTTPValidationError | RateLimitError
]:
    """Create a mailbox domain

     Create domain for the partner_id. The response carries the DNS records to publish:
    `sending_dns_records` (SPF and DKIM TXT records) and `receiving_dns_records` (MX records);
    then call verify.

    Errors: 400 (`error.message`; also `missing_api_version` without `x-finops-version`),
    401 (no, invalid or expired bearer token; the published expired-token answer is a 400, see
    the 401 response), 403, 405 (method not allowed), 409 "Business logic error" (the domain
    already exists), 422 (`detail` list: the body breaks the domain rule, misses `domain` or
    has another field), 429 (rate limit), 500.

    Args:
        x_finops_version (str):  Default: '2025-06-23'.
        body (DomainRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DomainResponse | ErrorSchemaResponse | HTTPValidationError | RateLimitError]
    """

    kwargs = _get_kwargs(
        body=body,
        x_finops_version=x_finops_version,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: DomainRequest,
    x_finops_version: str = "2025-06-23",
) -> DomainResponse | ErrorSchemaResponse | HTTPValidationError | RateLimitError | None:
    """Create a mailbox domain

     Create domain for the partner_id. The response carries the DNS records to publish:
    `sending_dns_records` (SPF and DKIM TXT records) and `receiving_dns_records` (MX records);
    then call verify.

    Errors: 400 (`error.message`; also `missing_api_version` without `x-finops-version`),
    401 (no, invalid or expired bearer token; the published expired-token answer is a 400, see
    the 401 response), 403, 405 (method not allowed), 409 "Business logic error" (the domain
    already exists), 422 (`detail` list: the body breaks the domain rule, misses `domain` or
    has another field), 429 (rate limit), 500.

    Args:
        x_finops_version (str):  Default: '2025-06-23'.
        body (DomainRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DomainResponse | ErrorSchemaResponse | HTTPValidationError | RateLimitError
    """

    return sync_detailed(
        client=client,
        body=body,
        x_finops_version=x_finops_version,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: DomainRequest,
    x_finops_version: str = "2025-06-23",
) -> Response[
    DomainResponse | ErrorSchemaResponse | HTTPValidationError | RateLimitError
]:
    """Create a mailbox domain

     Create domain for the partner_id. The response carries the DNS records to publish:
    `sending_dns_records` (SPF and DKIM TXT records) and `receiving_dns_records` (MX records);
    then call verify.

    Errors: 400 (`error.message`; also `missing_api_version` without `x-finops-version`),
    401 (no, invalid or expired bearer token; the published expired-token answer is a 400, see
    the 401 response), 403, 405 (method not allowed), 409 "Business logic error" (the domain
    already exists), 422 (`detail` list: the body breaks the domain rule, misses `domain` or
    has another field), 429 (rate limit), 500.

    Args:
        x_finops_version (str):  Default: '2025-06-23'.
        body (DomainRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DomainResponse | ErrorSchemaResponse | HTTPValidationError | RateLimitError]
    """

    kwargs = _get_kwargs(
        body=body,
        x_finops_version=x_finops_version,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: DomainRequest,
    x_finops_version: str = "2025-06-23",
) -> DomainResponse | ErrorSchemaResponse | HTTPValidationError | RateLimitError | None:
    """Create a mailbox domain

     Create domain for the partner_id. The response carries the DNS records to publish:
    `sending_dns_records` (SPF and DKIM TXT records) and `receiving_dns_records` (MX records);
    then call verify.

    Errors: 400 (`error.message`; also `missing_api_version` without `x-finops-version`),
    401 (no, invalid or expired bearer token; the published expired-token answer is a 400, see
    the 401 response), 403, 405 (method not allowed), 409 "Business logic error" (the domain
    already exists), 422 (`detail` list: the body breaks the domain rule, misses `domain` or
    has another field), 429 (rate limit), 500.

    Args:
        x_finops_version (str):  Default: '2025-06-23'.
        body (DomainRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DomainResponse | ErrorSchemaResponse | HTTPValidationError | RateLimitError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_finops_version=x_finops_version,
        )
    ).parsed


# --- sans-IO: public names added by maildns's template (config/templates/) ---

OPERATION_ID = "createMailboxDomain"
"""The operation's ``operationId`` in the spec."""

RESPONSES: dict[int, Any] = {
    200: DomainResponse,
    201: DomainResponse,
    400: ErrorSchemaResponse,
    401: ErrorSchemaResponse,
    403: ErrorSchemaResponse,
    405: ErrorSchemaResponse,
    409: ErrorSchemaResponse,
    422: HTTPValidationError,
    429: RateLimitError,
    500: ErrorSchemaResponse,
}
"""The generated model class each documented status answers with; None where that status has no JSON body (e.g. 204)."""


def build_request(
    *,
    body: DomainRequest,
    x_finops_version: str = "2025-06-23",
) -> dict[str, Any]:
    """The keyword arguments for ``httpx.Client.request`` for this operation, without sending anything: ``method``, ``url`` (relative to the server) and, where the operation has them, ``params``, ``headers``, ``json``/``data``/``content``/``files``."""
    return _get_kwargs(
        body=body,
        x_finops_version=x_finops_version,
    )


def parse_json(
    status_code: int, data: Any
) -> DomainResponse | ErrorSchemaResponse | HTTPValidationError | RateLimitError | None:
    """The generated model for an already-decoded JSON body ``data`` answered with ``status_code``; None for an undocumented status or one without a JSON body."""
    if status_code == 200:
        response_200 = DomainResponse.from_dict(data)
        return response_200
    if status_code == 201:
        response_201 = DomainResponse.from_dict(data)
        return response_201
    if status_code == 400:
        response_400 = ErrorSchemaResponse.from_dict(data)
        return response_400
    if status_code == 401:
        response_401 = ErrorSchemaResponse.from_dict(data)
        return response_401
    if status_code == 403:
        response_403 = ErrorSchemaResponse.from_dict(data)
        return response_403
    if status_code == 405:
        response_405 = ErrorSchemaResponse.from_dict(data)
        return response_405
    if status_code == 409:
        response_409 = ErrorSchemaResponse.from_dict(data)
        return response_409
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
