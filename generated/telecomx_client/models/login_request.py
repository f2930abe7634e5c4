from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="LoginRequest")


@_attrs_define
class LoginRequest:
    """Credentials for POST /auth/login.

    Attributes:
        username (str): The employee's username (e-mail address).
        password (str): The employee's password.
        sms_key (str | Unset): The code received by SMS, when the account uses SMS two-factor authentication.
        authenticator_token (str | Unset): The authenticator app (TOTP) code, when the account uses it.
        cookie (bool | Unset): True if the server should send a cookie with the token, default false. Default: False.
        persist (bool | Unset): The token shall not expire until the user explicitly logs out. Default: False.
    """

    username: str
    password: str
    sms_key: str | Unset = UNSET
    authenticator_token: str | Unset = UNSET
    cookie: bool | Unset = False
    persist: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        username = self.username

        password = self.password

        sms_key = self.sms_key

        authenticator_token = self.authenticator_token

        cookie = self.cookie

        persist = self.persist

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "username": username,
                "password": password,
            }
        )
        if sms_key is not UNSET:
            field_dict["smsKey"] = sms_key
        if authenticator_token is not UNSET:
            field_dict["authenticatorToken"] = authenticator_token
        if cookie is not UNSET:
            field_dict["cookie"] = cookie
        if persist is not UNSET:
            field_dict["persist"] = persist

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        username = d.pop("username")

        password = d.pop("password")

        sms_key = d.pop("smsKey", UNSET)

        authenticator_token = d.pop("authenticatorToken", UNSET)

        cookie = d.pop("cookie", UNSET)

        persist = d.pop("persist", UNSET)

        login_request = cls(
            username=username,
            password=password,
            sms_key=sms_key,
            authenticator_token=authenticator_token,
            cookie=cookie,
            persist=persist,
        )

        return login_request
