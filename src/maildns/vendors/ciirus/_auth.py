"""CiiRUS's HTTP Basic auth with the partner's API username and password."""

from __future__ import annotations

import base64

from ..._core.auth import Auth, HeaderAuth
from ..._core.options import Credentials


def ciirus_auth(credentials: Credentials, base_url: str) -> Auth:
    def headers() -> dict[str, str]:
        credentials.require("username", "password")
        pair = f"{credentials.get('username')}:{credentials.get('password')}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}

    return HeaderAuth(headers)
