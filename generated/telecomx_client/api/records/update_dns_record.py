from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dns_record_update_request import DnsRecordUpdateRequest
from ...models.error import Error
from ...models.success_response import SuccessResponse
from ...types import Response


def _get_kwargs(
    domain: str,
    *,
    body: DnsRecordUpdateRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/dns/{domain}/record".format(
            domain=quote(str(domain), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | SuccessResponse | None:
    if response.status_code == 200:
        response_200 = SuccessResponse.from_dict(response.json())

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
) -> Response[Error | SuccessResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    domain: str,
    *,
    client: AuthenticatedClient | Client,
    body: DnsRecordUpdateRequest,
) -> Response[Error | SuccessResponse]:
    """Change a record's data

     Replaces the rData of the record identified by the current `name`, `type` and `rData` with `new`.
    Whether
    the zone's serial changes is not documented (see `Dns.serial`).

    Access: MANAGER or OWNER, RESELLER, ADMIN.

    Errors (code message: description):
    404 not_found: DNS not found ·
    404 records: Record not found ·
    422 rData: Data is invalid ·
    422 previous: Previous record missing ·
    403 access_denied: Insufficient access level ·
    500 internal_error: unspecified ·
    and 401 (credentials_invalid, expired, invalid_token) as on every authenticated call; 409 name
    (chosen,
    undocumented) when the new record would duplicate an existing one.

    Args:
        domain (str):
        body (DnsRecordUpdateRequest): The record to change (its current name, type and rData) and
            its new rData.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SuccessResponse]
    """

    kwargs = _get_kwargs(
        domain=domain,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    domain: str,
    *,
    client: AuthenticatedClient | Client,
    body: DnsRecordUpdateRequest,
) -> Error | SuccessResponse | None:
    """Change a record's data

     Replaces the rData of the record identified by the current `name`, `type` and `rData` with `new`.
    Whether
    the zone's serial changes is not documented (see `Dns.serial`).

    Access: MANAGER or OWNER, RESELLER, ADMIN.

    Errors (code message: description):
    404 not_found: DNS not found ·
    404 records: Record not found ·
    422 rData: Data is invalid ·
    422 previous: Previous record missing ·
    403 access_denied: Insufficient access level ·
    500 internal_error: unspecified ·
    and 401 (credentials_invalid, expired, invalid_token) as on every authenticated call; 409 name
    (chosen,
    undocumented) when the new record would duplicate an existing one.

    Args:
        domain (str):
        body (DnsRecordUpdateRequest): The record to change (its current name, type and rData) and
            its new rData.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SuccessResponse
    """

    return sync_detailed(
        domain=domain,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    domain: str,
    *,
    client: AuthenticatedClient | Client,
    body: DnsRecordUpdateRequest,
) -> Response[Error | SuccessResponse]:
    """Change a record's data

     Replaces the rData of the record identified by the current `name`, `type` and `rData` with `new`.
    Whether
    the zone's serial changes is not documented (see `Dns.serial`).

    Access: MANAGER or OWNER, RESELLER, ADMIN.

    Errors (code message: description):
    404 not_found: DNS not found ·
    404 records: Record not found ·
    422 rData: Data is invalid ·
    422 previous: Previous record missing ·
    403 access_denied: Insufficient access level ·
    500 internal_error: unspecified ·
    and 401 (credentials_invalid, expired, invalid_token) as on every authenticated call; 409 name
    (chosen,
    undocumented) when the new record would duplicate an existing one.

    Args:
        domain (str):
        body (DnsRecordUpdateRequest): The record to change (its current name, type and rData) and
            its new rData.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SuccessResponse]
    """

    kwargs = _get_kwargs(
        domain=domain,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    domain: str,
    *,
    client: AuthenticatedClient | Client,
    body: DnsRecordUpdateRequest,
) -> Error | SuccessResponse | None:
    """Change a record's data

     Replaces the rData of the record identified by the current `name`, `type` and `rData` with `new`.
    Whether
    the zone's serial changes is not documented (see `Dns.serial`).

    Access: MANAGER or OWNER, RESELLER, ADMIN.

    Errors (code message: description):
    404 not_found: DNS not found ·
    404 records: Record not found ·
    422 rData: Data is invalid ·
    422 previous: Previous record missing ·
    403 access_denied: Insufficient access level ·
    500 internal_error: unspecified ·
    and 401 (credentials_invalid, expired, invalid_token) as on every authenticated call; 409 name
    (chosen,
    undocumented) when the new record would duplicate an existing one.

    Args:
        domain (str):
        body (DnsRecordUpdateRequest): The record to change (its current name, type and rData) and
            its new rData.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SuccessResponse
    """

    return (
        await asyncio_detailed(
            domain=domain,
            client=client,
            body=body,
        )
    ).parsed


# --- sans-IO: public names added by maildns's template (config/templates/) ---

OPERATION_ID = "updateDnsRecord"
"""The operation's ``operationId`` in the spec."""

RESPONSES: dict[int, Any] = {
    200: SuccessResponse,
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
    domain: str,
    *,
    body: DnsRecordUpdateRequest,
) -> dict[str, Any]:
    """The keyword arguments for ``httpx.Client.request`` for this operation, without sending anything: ``method``, ``url`` (relative to the server) and, where the operation has them, ``params``, ``headers``, ``json``/``data``/``content``/``files``."""
    return _get_kwargs(
        domain=domain,
        body=body,
    )


def parse_json(status_code: int, data: Any) -> Error | SuccessResponse | None:
    """The generated model for an already-decoded JSON body ``data`` answered with ``status_code``; None for an undocumented status or one without a JSON body."""
    if status_code == 200:
        response_200 = SuccessResponse.from_dict(data)
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
