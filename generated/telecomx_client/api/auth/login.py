from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.login_request import LoginRequest
from ...models.login_response import LoginResponse
from ...types import Response


def _get_kwargs(
    *,
    body: LoginRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/auth/login",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | LoginResponse | None:
    if response.status_code == 200:
        response_200 = LoginResponse.from_dict(response.json())

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

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | LoginResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: LoginRequest,
) -> Response[Error | LoginResponse]:
    """Log in and obtain a token

     Logs an employee in with username (e-mail) and password, plus the second factor when the account
    requires
    one. The wiki says "POST (preferred) or GET"; GET (query parameters) is not modelled. The token
    expires
    after `expiresInMinutes` (15 by default; -1 with `persist`, meaning it does not expire until the
    user logs
    out). "To access any API function outside of /auth, an access token must be provided."

    Errors (code message: description), taken from the logout page:
    401 credentials_invalid: Authorization required, please login ·
    401 expired: Session has expired, please login ·
    401 invalid_token: IP address not authenticated ·
    403 blacklisted: IP address is blacklisted ·
    500 internal_error: Internal server error ·
    400 bad request: Unspecified error (the page writes the key "bad request").

    Args:
        body (LoginRequest): Credentials for POST /auth/login.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | LoginResponse]
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
    body: LoginRequest,
) -> Error | LoginResponse | None:
    """Log in and obtain a token

     Logs an employee in with username (e-mail) and password, plus the second factor when the account
    requires
    one. The wiki says "POST (preferred) or GET"; GET (query parameters) is not modelled. The token
    expires
    after `expiresInMinutes` (15 by default; -1 with `persist`, meaning it does not expire until the
    user logs
    out). "To access any API function outside of /auth, an access token must be provided."

    Errors (code message: description), taken from the logout page:
    401 credentials_invalid: Authorization required, please login ·
    401 expired: Session has expired, please login ·
    401 invalid_token: IP address not authenticated ·
    403 blacklisted: IP address is blacklisted ·
    500 internal_error: Internal server error ·
    400 bad request: Unspecified error (the page writes the key "bad request").

    Args:
        body (LoginRequest): Credentials for POST /auth/login.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | LoginResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: LoginRequest,
) -> Response[Error | LoginResponse]:
    """Log in and obtain a token

     Logs an employee in with username (e-mail) and password, plus the second factor when the account
    requires
    one. The wiki says "POST (preferred) or GET"; GET (query parameters) is not modelled. The token
    expires
    after `expiresInMinutes` (15 by default; -1 with `persist`, meaning it does not expire until the
    user logs
    out). "To access any API function outside of /auth, an access token must be provided."

    Errors (code message: description), taken from the logout page:
    401 credentials_invalid: Authorization required, please login ·
    401 expired: Session has expired, please login ·
    401 invalid_token: IP address not authenticated ·
    403 blacklisted: IP address is blacklisted ·
    500 internal_error: Internal server error ·
    400 bad request: Unspecified error (the page writes the key "bad request").

    Args:
        body (LoginRequest): Credentials for POST /auth/login.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | LoginResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: LoginRequest,
) -> Error | LoginResponse | None:
    """Log in and obtain a token

     Logs an employee in with username (e-mail) and password, plus the second factor when the account
    requires
    one. The wiki says "POST (preferred) or GET"; GET (query parameters) is not modelled. The token
    expires
    after `expiresInMinutes` (15 by default; -1 with `persist`, meaning it does not expire until the
    user logs
    out). "To access any API function outside of /auth, an access token must be provided."

    Errors (code message: description), taken from the logout page:
    401 credentials_invalid: Authorization required, please login ·
    401 expired: Session has expired, please login ·
    401 invalid_token: IP address not authenticated ·
    403 blacklisted: IP address is blacklisted ·
    500 internal_error: Internal server error ·
    400 bad request: Unspecified error (the page writes the key "bad request").

    Args:
        body (LoginRequest): Credentials for POST /auth/login.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | LoginResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed


# --- sans-IO: public names added by maildns's template (config/templates/) ---

OPERATION_ID = "login"
"""The operation's ``operationId`` in the spec."""

RESPONSES: dict[int, Any] = {
    200: LoginResponse,
    400: Error,
    401: Error,
    403: Error,
    500: Error,
}
"""The generated model class each documented status answers with; None where that status has no JSON body (e.g. 204)."""


def build_request(
    *,
    body: LoginRequest,
) -> dict[str, Any]:
    """The keyword arguments for ``httpx.Client.request`` for this operation, without sending anything: ``method``, ``url`` (relative to the server) and, where the operation has them, ``params``, ``headers``, ``json``/``data``/``content``/``files``."""
    return _get_kwargs(
        body=body,
    )


def parse_json(status_code: int, data: Any) -> Error | LoginResponse | None:
    """The generated model for an already-decoded JSON body ``data`` answered with ``status_code``; None for an undocumented status or one without a JSON body."""
    if status_code == 200:
        response_200 = LoginResponse.from_dict(data)
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
    if status_code == 500:
        response_500 = Error.from_dict(data)
        return response_500
    return None
