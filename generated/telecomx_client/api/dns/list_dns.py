from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dns_list import DnsList
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    customer: str | Unset = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 100,
    filter_: str | Unset = UNSET,
    full: bool | Unset = False,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["customer"] = customer

    params["offset"] = offset

    params["limit"] = limit

    params["filter"] = filter_

    params["full"] = full

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/dns",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DnsList | Error | None:
    if response.status_code == 200:
        response_200 = DnsList.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

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
) -> Response[DnsList | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    customer: str | Unset = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 100,
    filter_: str | Unset = UNSET,
    full: bool | Unset = False,
) -> Response[DnsList | Error]:
    """List DNS zones

     Lists the DNS zones of a customer, a page at a time. `total` is the "Number of domains that can be
    returned
    when offset and limit is not considered. This is to be used for paging through the data." Without
    `full`
    each item is condensed to `{_id, records, ttl, status}` where `records` is the number of records and
    `ttl`
    is documented as a String; with `full=true` each item is the full DNS object.

    Access: VIEWER, MANAGER or OWNER for their own customer, RESELLER (including sub-resellers), ADMIN.

    The list page documents no errors. Errors returned (chosen): 401 (credentials_invalid, expired,
    invalid_token) · 403 access_denied: Insufficient access level · 404 customer: Customer not found ·
    422 offset / limit / full: the parameter is out of range or not a boolean · 500 internal_error.

    Args:
        customer (str | Unset):
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        filter_ (str | Unset):
        full (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DnsList | Error]
    """

    kwargs = _get_kwargs(
        customer=customer,
        offset=offset,
        limit=limit,
        filter_=filter_,
        full=full,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    customer: str | Unset = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 100,
    filter_: str | Unset = UNSET,
    full: bool | Unset = False,
) -> DnsList | Error | None:
    """List DNS zones

     Lists the DNS zones of a customer, a page at a time. `total` is the "Number of domains that can be
    returned
    when offset and limit is not considered. This is to be used for paging through the data." Without
    `full`
    each item is condensed to `{_id, records, ttl, status}` where `records` is the number of records and
    `ttl`
    is documented as a String; with `full=true` each item is the full DNS object.

    Access: VIEWER, MANAGER or OWNER for their own customer, RESELLER (including sub-resellers), ADMIN.

    The list page documents no errors. Errors returned (chosen): 401 (credentials_invalid, expired,
    invalid_token) · 403 access_denied: Insufficient access level · 404 customer: Customer not found ·
    422 offset / limit / full: the parameter is out of range or not a boolean · 500 internal_error.

    Args:
        customer (str | Unset):
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        filter_ (str | Unset):
        full (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DnsList | Error
    """

    return sync_detailed(
        client=client,
        customer=customer,
        offset=offset,
        limit=limit,
        filter_=filter_,
        full=full,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    customer: str | Unset = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 100,
    filter_: str | Unset = UNSET,
    full: bool | Unset = False,
) -> Response[DnsList | Error]:
    """List DNS zones

     Lists the DNS zones of a customer, a page at a time. `total` is the "Number of domains that can be
    returned
    when offset and limit is not considered. This is to be used for paging through the data." Without
    `full`
    each item is condensed to `{_id, records, ttl, status}` where `records` is the number of records and
    `ttl`
    is documented as a String; with `full=true` each item is the full DNS object.

    Access: VIEWER, MANAGER or OWNER for their own customer, RESELLER (including sub-resellers), ADMIN.

    The list page documents no errors. Errors returned (chosen): 401 (credentials_invalid, expired,
    invalid_token) · 403 access_denied: Insufficient access level · 404 customer: Customer not found ·
    422 offset / limit / full: the parameter is out of range or not a boolean · 500 internal_error.

    Args:
        customer (str | Unset):
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        filter_ (str | Unset):
        full (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DnsList | Error]
    """

    kwargs = _get_kwargs(
        customer=customer,
        offset=offset,
        limit=limit,
        filter_=filter_,
        full=full,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    customer: str | Unset = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 100,
    filter_: str | Unset = UNSET,
    full: bool | Unset = False,
) -> DnsList | Error | None:
    """List DNS zones

     Lists the DNS zones of a customer, a page at a time. `total` is the "Number of domains that can be
    returned
    when offset and limit is not considered. This is to be used for paging through the data." Without
    `full`
    each item is condensed to `{_id, records, ttl, status}` where `records` is the number of records and
    `ttl`
    is documented as a String; with `full=true` each item is the full DNS object.

    Access: VIEWER, MANAGER or OWNER for their own customer, RESELLER (including sub-resellers), ADMIN.

    The list page documents no errors. Errors returned (chosen): 401 (credentials_invalid, expired,
    invalid_token) · 403 access_denied: Insufficient access level · 404 customer: Customer not found ·
    422 offset / limit / full: the parameter is out of range or not a boolean · 500 internal_error.

    Args:
        customer (str | Unset):
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        filter_ (str | Unset):
        full (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DnsList | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            customer=customer,
            offset=offset,
            limit=limit,
            filter_=filter_,
            full=full,
        )
    ).parsed


# --- sans-IO: public names added by maildns's template (config/templates/) ---

OPERATION_ID = "listDns"
"""The operation's ``operationId`` in the spec."""

RESPONSES: dict[int, Any] = {
    200: DnsList,
    401: Error,
    403: Error,
    404: Error,
    422: Error,
    500: Error,
}
"""The generated model class each documented status answers with; None where that status has no JSON body (e.g. 204)."""


def build_request(
    *,
    customer: str | Unset = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 100,
    filter_: str | Unset = UNSET,
    full: bool | Unset = False,
) -> dict[str, Any]:
    """The keyword arguments for ``httpx.Client.request`` for this operation, without sending anything: ``method``, ``url`` (relative to the server) and, where the operation has them, ``params``, ``headers``, ``json``/``data``/``content``/``files``."""
    return _get_kwargs(
        customer=customer,
        offset=offset,
        limit=limit,
        filter_=filter_,
        full=full,
    )


def parse_json(status_code: int, data: Any) -> DnsList | Error | None:
    """The generated model for an already-decoded JSON body ``data`` answered with ``status_code``; None for an undocumented status or one without a JSON body."""
    if status_code == 200:
        response_200 = DnsList.from_dict(data)
        return response_200
    if status_code == 401:
        response_401 = Error.from_dict(data)
        return response_401
    if status_code == 403:
        response_403 = Error.from_dict(data)
        return response_403
    if status_code == 404:
        response_404 = Error.from_dict(data)
        return response_404
    if status_code == 422:
        response_422 = Error.from_dict(data)
        return response_422
    if status_code == 500:
        response_500 = Error.from_dict(data)
        return response_500
    return None
