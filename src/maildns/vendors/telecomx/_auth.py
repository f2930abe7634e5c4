"""TelecomX's login tokens (``POST /auth/login``, 15 minutes), sent as the ``token`` parameter."""

from __future__ import annotations

from typing import Final

from ..._core.auth import Auth, FixedTokenAuth, TokenAuth
from ..._core.engine import Call, Result
from ..._core.options import Credentials
from ..._core.secrets import Secret
from ..._core.wire import Api

API: Final = Api("telecomx")
LOGIN: Final = API.endpoint("api.auth.login")
DEFAULT_MINUTES: Final = 15
TOKEN_PARAMETER: Final = "token"  # noqa: S105 - the parameter's name, not a token


class TelecomXLogin(TokenAuth):
    """A login token for the username and password, renewed before its minutes are up."""

    header = None
    query = TOKEN_PARAMETER

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def token_call(self) -> Call:
        self._credentials.require("username", "password")
        from telecomx_client.models import LoginRequest  # loaded with the first call

        body = LoginRequest(
            username=self._credentials.get("username") or "",
            password=self._credentials.get("password") or "",
        )
        return Call(LOGIN, {"body": body}, authenticated=False, secret=True)

    def read_token(self, result: Result) -> tuple[str, float | None]:
        model = result.model  # vendor_models.telecomx.LoginResponse, validated
        minutes = model.expiresInMinutes
        if minutes is None:
            minutes = DEFAULT_MINUTES
        return model.token, (None if minutes < 0 else minutes * 60.0)


def telecomx_auth(credentials: Credentials, base_url: str) -> Auth:
    """A token given up front (``token=`` or ``TELECOMX_TOKEN``) as it is, else a login."""
    token = credentials.get("token")
    if token is not None:
        return FixedTokenAuth(Secret(token), query=TOKEN_PARAMETER)
    return TelecomXLogin(credentials)
