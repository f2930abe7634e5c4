from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dns import Dns
from ...models.dns_create_request import DnsCreateRequest
from ...models.error import Error
from ...types import Response


def _get_kwargs(
    *,
    body: DnsCreateRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/dns",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Dns | Error | None:
    if response.status_code == 200:
        response_200 = Dns.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = Error.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Dns | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: DnsCreateRequest,
) -> Response[Dns | Error]:
    """Create a DNS zone

     "This request will add a new domain." The response is the newly created DNS object (without
    `status`).

    Access: MANAGER or OWNER when the user belongs to the customer who owns the DNS, RESELLER if the
    customer
    belongs to the reseller, ADMIN.

    Errors (code message: description):
    403 dns: Unable to communicate with DNS server ·
    403 access_denied: Insufficient access level ·
    422 _id: Invalid domain name ·
    409 _id: Domain name already exists ·
    404 customer: Customer not found ·
    404 product: Product not found ·
    422 ttl: TTL not valid ·
    500 internal_error: unspecified ·
    and 401 (credentials_invalid, expired, invalid_token) as on every authenticated call.

    Args:
        body (DnsCreateRequest): A new zone.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Dns | Error]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: DnsCreateRequest,
) -> Dns | Error | None:
    """Create a DNS zone

     "This request will add a new domain." The response is the newly created DNS object (without
    `status`).

    Access: MANAGER or OWNER when the user belongs to the customer who owns the DNS, RESELLER if the
    customer
    belongs to the reseller, ADMIN.

    Errors (code message: description):
    403 dns: Unable to communicate with DNS server ·
    403 access_denied: Insufficient access level ·
    422 _id: Invalid domain name ·
    409 _id: Domain name already exists ·
    404 customer: Customer not found ·
    404 product: Product not found ·
    422 ttl: TTL not valid ·
    500 internal_error: unspecified ·
    and 401 (credentials_invalid, expired, invalid_token) as on every authenticated call.

    Args:
        body (DnsCreateRequest): A new zone.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Dns | Error
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: DnsCreateRequest,
) -> Response[Dns | Error]:
    """Create a DNS zone

     "This request will add a new domain." The response is the newly created DNS object (without
    `status`).

    Access: MANAGER or OWNER when the user belongs to the customer who owns the DNS, RESELLER if the
    customer
    belongs to the reseller, ADMIN.

    Errors (code message: description):
    403 dns: Unable to communicate with DNS server ·
    403 access_denied: Insufficient access level ·
    422 _id: Invalid domain name ·
    409 _id: Domain name already exists ·
    404 customer: Customer not found ·
    404 product: Product not found ·
    422 ttl: TTL not valid ·
    500 internal_error: unspecified ·
    and 401 (credentials_invalid, expired, invalid_token) as on every authenticated call.

    Args:
        body (DnsCreateRequest): A new zone.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Dns | Error]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: DnsCreateRequest,
) -> Dns | Error | None:
    """Create a DNS zone

     "This request will add a new domain." The response is the newly created DNS object (without
    `status`).

    Access: MANAGER or OWNER when the user belongs to the customer who owns the DNS, RESELLER if the
    customer
    belongs to the reseller, ADMIN.

    Errors (code message: description):
    403 dns: Unable to communicate with DNS server ·
    403 access_denied: Insufficient access level ·
    422 _id: Invalid domain name ·
    409 _id: Domain name already exists ·
    404 customer: Customer not found ·
    404 product: Product not found ·
    422 ttl: TTL not valid ·
    500 internal_error: unspecified ·
    and 401 (credentials_invalid, expired, invalid_token) as on every authenticated call.

    Args:
        body (DnsCreateRequest): A new zone.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Dns | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed


# --- sans-IO: public names added by maildns's template (config/templates/) ---

OPERATION_ID = "createDns"
"""The operation's ``operationId`` in the spec."""

RESPONSES: dict[int, Any] = {
    200: Dns,
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    422: Error,
    500: Error,
}
"""The generated model class each documented status answers with; None where that status has no JSON body (e.g. 204)."""


def build_request(
    *,
    body: DnsCreateRequest,
) -> dict[str, Any]:
    """The keyword arguments for ``httpx.Client.request`` for this operation, without sending anything: ``method``, ``url`` (relative to the server) and, where the operation has them, ``params``, ``headers``, ``json``/``data``/``content``/``files``."""
    return _get_kwargs(
        body=body,
    )


def parse_json(status_code: int, data: Any) -> Dns | Error | None:
    """The generated model for an already-decoded JSON body ``data`` answered with ``status_code``; None for an undocumented status or one without a JSON body."""
    if status_code == 200:
        response_200 = Dns.from_dict(data)
        return response_200
    if status_code == 400:
        response_400 = Error.from_dict(data)
        return response_400
    if status_code == 401:
        response_401 = Error.from_dict(data)
        return response_401
    if status_code == 403:
        response_403 = Error.from_dict(data)
        return response_403
    if status_code == 404:
        response_404 = Error.from_dict(data)
        return response_404
    if status_code == 409:
        response_409 = Error.from_dict(data)
        return response_409
    if status_code == 422:
        response_422 = Error.from_dict(data)
        return response_422
    if status_code == 500:
        response_500 = Error.from_dict(data)
        return response_500
    return None
