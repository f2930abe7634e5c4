from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.subaccount_request import SubaccountRequest
from ...models.subaccount_update_response import SubaccountUpdateResponse
from ...types import Response


def _get_kwargs(
    *,
    body: SubaccountRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v2023.07.31/emails/subaccount",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | SubaccountUpdateResponse | None:
    if response.status_code == 200:
        response_200 = SubaccountUpdateResponse.from_dict(response.json())

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

    if response.status_code == 422:
        response_422 = Error.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Error.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | SubaccountUpdateResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SubaccountRequest,
) -> Response[Error | SubaccountUpdateResponse]:
    """Update the subaccount

     "Update the properties of an existing subaccount." All three body fields are required: the
    request replaces the settings. The response has a reduced field set (no reputation, sent_*,
    created_at, first_sent_at). The published sample sends `"sending_domain": "ciiruspartners.com"`
    and shows `"sending_domain": "ciirus.com"` in the response (a documentation sample
    inconsistency, kept verbatim).

    Args:
        body (SubaccountRequest): Body of create (POST) and update (PUT). All three fields are
            required for both: an update replaces the settings.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SubaccountUpdateResponse]
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
    body: SubaccountRequest,
) -> Error | SubaccountUpdateResponse | None:
    """Update the subaccount

     "Update the properties of an existing subaccount." All three body fields are required: the
    request replaces the settings. The response has a reduced field set (no reputation, sent_*,
    created_at, first_sent_at). The published sample sends `"sending_domain": "ciiruspartners.com"`
    and shows `"sending_domain": "ciirus.com"` in the response (a documentation sample
    inconsistency, kept verbatim).

    Args:
        body (SubaccountRequest): Body of create (POST) and update (PUT). All three fields are
            required for both: an update replaces the settings.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SubaccountUpdateResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SubaccountRequest,
) -> Response[Error | SubaccountUpdateResponse]:
    """Update the subaccount

     "Update the properties of an existing subaccount." All three body fields are required: the
    request replaces the settings. The response has a reduced field set (no reputation, sent_*,
    created_at, first_sent_at). The published sample sends `"sending_domain": "ciiruspartners.com"`
    and shows `"sending_domain": "ciirus.com"` in the response (a documentation sample
    inconsistency, kept verbatim).

    Args:
        body (SubaccountRequest): Body of create (POST) and update (PUT). All three fields are
            required for both: an update replaces the settings.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SubaccountUpdateResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: SubaccountRequest,
) -> Error | SubaccountUpdateResponse | None:
    """Update the subaccount

     "Update the properties of an existing subaccount." All three body fields are required: the
    request replaces the settings. The response has a reduced field set (no reputation, sent_*,
    created_at, first_sent_at). The published sample sends `"sending_domain": "ciiruspartners.com"`
    and shows `"sending_domain": "ciirus.com"` in the response (a documentation sample
    inconsistency, kept verbatim).

    Args:
        body (SubaccountRequest): Body of create (POST) and update (PUT). All three fields are
            required for both: an update replaces the settings.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SubaccountUpdateResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed


# --- sans-IO: public names added by maildns's template (config/templates/) ---

OPERATION_ID = "updateSubaccount"
"""The operation's ``operationId`` in the spec."""

RESPONSES: dict[int, Any] = {
    200: SubaccountUpdateResponse,
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    422: Error,
    500: Error,
    503: Error,
}
"""The generated model class each documented status answers with; None where that status has no JSON body (e.g. 204)."""


def build_request(
    *,
    body: SubaccountRequest,
) -> dict[str, Any]:
    """The keyword arguments for ``httpx.Client.request`` for this operation, without sending anything: ``method``, ``url`` (relative to the server) and, where the operation has them, ``params``, ``headers``, ``json``/``data``/``content``/``files``."""
    return _get_kwargs(
        body=body,
    )


def parse_json(status_code: int, data: Any) -> Error | SubaccountUpdateResponse | None:
    """The generated model for an already-decoded JSON body ``data`` answered with ``status_code``; None for an undocumented status or one without a JSON body."""
    if status_code == 200:
        response_200 = SubaccountUpdateResponse.from_dict(data)
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
    if status_code == 422:
        response_422 = Error.from_dict(data)
        return response_422
    if status_code == 500:
        response_500 = Error.from_dict(data)
        return response_500
    if status_code == 503:
        response_503 = Error.from_dict(data)
        return response_503
    return None
