from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.access_token_request import AccessTokenRequest
from ...models.access_token_response import AccessTokenResponse
from ...models.o_auth_error import OAuthError
from ...models.rate_limit_error import RateLimitError
from ...types import Response


def _get_kwargs(
    *,
    body: AccessTokenRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/openid/connect/token",
    }

    _kwargs["data"] = body.to_dict()
    headers["Content-Type"] = "application/x-www-form-urlencoded"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AccessTokenResponse | OAuthError | RateLimitError | None:
    if response.status_code == 200:
        response_200 = AccessTokenResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = OAuthError.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = OAuthError.from_dict(response.json())

        return response_401

    if response.status_code == 429:
        response_429 = RateLimitError.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AccessTokenResponse | OAuthError | RateLimitError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AccessTokenRequest,
) -> Response[AccessTokenResponse | OAuthError | RateLimitError]:
    """Create an access token

     Exchange the partner's API client credentials for a bearer token (OAuth 2.0 client
    credentials grant). The body is form-encoded, not JSON. The token is sent as
    `Authorization: Bearer <access_token>` on every FinOps request until it expires after
    `expires_in` seconds.

    Errors (not documented by Tesouro; RFC 6749 section 5.2 shape chosen, see `x-unconfirmed`):
    400 `invalid_request` (a parameter is missing) or `unsupported_grant_type`; 401
    `invalid_client` (unknown client id or wrong secret); 429 rate limit.

    Args:
        body (AccessTokenRequest): Client credentials grant (OAuth 2.0), sent form-encoded.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AccessTokenResponse | OAuthError | RateLimitError]
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
    body: AccessTokenRequest,
) -> AccessTokenResponse | OAuthError | RateLimitError | None:
    """Create an access token

     Exchange the partner's API client credentials for a bearer token (OAuth 2.0 client
    credentials grant). The body is form-encoded, not JSON. The token is sent as
    `Authorization: Bearer <access_token>` on every FinOps request until it expires after
    `expires_in` seconds.

    Errors (not documented by Tesouro; RFC 6749 section 5.2 shape chosen, see `x-unconfirmed`):
    400 `invalid_request` (a parameter is missing) or `unsupported_grant_type`; 401
    `invalid_client` (unknown client id or wrong secret); 429 rate limit.

    Args:
        body (AccessTokenRequest): Client credentials grant (OAuth 2.0), sent form-encoded.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AccessTokenResponse | OAuthError | RateLimitError
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AccessTokenRequest,
) -> Response[AccessTokenResponse | OAuthError | RateLimitError]:
    """Create an access token

     Exchange the partner's API client credentials for a bearer token (OAuth 2.0 client
    credentials grant). The body is form-encoded, not JSON. The token is sent as
    `Authorization: Bearer <access_token>` on every FinOps request until it expires after
    `expires_in` seconds.

    Errors (not documented by Tesouro; RFC 6749 section 5.2 shape chosen, see `x-unconfirmed`):
    400 `invalid_request` (a parameter is missing) or `unsupported_grant_type`; 401
    `invalid_client` (unknown client id or wrong secret); 429 rate limit.

    Args:
        body (AccessTokenRequest): Client credentials grant (OAuth 2.0), sent form-encoded.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AccessTokenResponse | OAuthError | RateLimitError]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: AccessTokenRequest,
) -> AccessTokenResponse | OAuthError | RateLimitError | None:
    """Create an access token

     Exchange the partner's API client credentials for a bearer token (OAuth 2.0 client
    credentials grant). The body is form-encoded, not JSON. The token is sent as
    `Authorization: Bearer <access_token>` on every FinOps request until it expires after
    `expires_in` seconds.

    Errors (not documented by Tesouro; RFC 6749 section 5.2 shape chosen, see `x-unconfirmed`):
    400 `invalid_request` (a parameter is missing) or `unsupported_grant_type`; 401
    `invalid_client` (unknown client id or wrong secret); 429 rate limit.

    Args:
        body (AccessTokenRequest): Client credentials grant (OAuth 2.0), sent form-encoded.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AccessTokenResponse | OAuthError | RateLimitError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed


# --- sans-IO: public names added by maildns's template (config/templates/) ---

OPERATION_ID = "createAccessToken"
"""The operation's ``operationId`` in the spec."""

RESPONSES: dict[int, Any] = {
    200: AccessTokenResponse,
    400: OAuthError,
    401: OAuthError,
    429: RateLimitError,
}
"""The generated model class each documented status answers with; None where that status has no JSON body (e.g. 204)."""


def build_request(
    *,
    body: AccessTokenRequest,
) -> dict[str, Any]:
    """The keyword arguments for ``httpx.Client.request`` for this operation, without sending anything: ``method``, ``url`` (relative to the server) and, where the operation has them, ``params``, ``headers``, ``json``/``data``/``content``/``files``."""
    return _get_kwargs(
        body=body,
    )


def parse_json(
    status_code: int, data: Any
) -> AccessTokenResponse | OAuthError | RateLimitError | None:
    """The generated model for an already-decoded JSON body ``data`` answered with ``status_code``; None for an undocumented status or one without a JSON body."""
    if status_code == 200:
        response_200 = AccessTokenResponse.from_dict(data)
        return response_200
    if status_code == 400:
        response_400 = OAuthError.from_dict(data)
        return response_400
    if status_code == 401:
        response_401 = OAuthError.from_dict(data)
        return response_401
    if status_code == 429:
        response_429 = RateLimitError.from_dict(data)
        return response_429
    return None
