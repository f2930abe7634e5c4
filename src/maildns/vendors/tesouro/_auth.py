"""Tesouro's OAuth 2.0 client-credentials tokens (``POST /openid/connect/token``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final

from ..._core.auth import TokenAuth
from ..._core.engine import Call, Result
from ..._core.options import Credentials
from ..._core.wire import Api

if TYPE_CHECKING:
    import httpx

API: Final = Api("tesouro", tuned=f"{__package__}._models")
TOKEN: Final = API.endpoint("api.access_tokens.create_access_token")
DEFAULT_LIFETIME: Final = 3600.0
# Tesouro's published answer to an expired token is a 400 with this message (the spec keeps
# 401 as the documented status; both renew the token).
EXPIRED_MESSAGE: Final = "The token has been expired."


class TesouroAuth(TokenAuth):
    """A bearer token for the client credentials, renewed before ``expires_in`` runs out."""

    def __init__(self, credentials: Credentials, base_url: str) -> None:
        super().__init__()
        self._credentials = credentials

    def token_call(self) -> Call:
        self._credentials.require("client_id", "client_secret")
        from tesouro_client.models import AccessTokenRequest  # loaded with the first call

        body = AccessTokenRequest(
            grant_type="client_credentials",
            client_id=self._credentials.get("client_id") or "",
            client_secret=self._credentials.get("client_secret") or "",
        )
        return Call(TOKEN, {"body": body}, authenticated=False, secret=True)

    def refused(self, response: httpx.Response) -> bool:
        if super().refused(response):
            return True
        if response.status_code != 400 or len(response.content) > 1024:
            return False
        try:
            body = json.loads(response.content)
        except ValueError:
            return False
        error = body.get("error") if isinstance(body, dict) else None
        return isinstance(error, dict) and error.get("message") == EXPIRED_MESSAGE

    def read_token(self, result: Result) -> tuple[str, float | None]:
        model = result.model  # vendor_models.tesouro.AccessTokenResponse, validated
        lifetime = float(model.expires_in) if model.expires_in > 0 else DEFAULT_LIFETIME
        return model.access_token, lifetime
