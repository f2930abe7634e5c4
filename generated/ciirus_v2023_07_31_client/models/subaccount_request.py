from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="SubaccountRequest")


@_attrs_define
class SubaccountRequest:
    """Body of create (POST) and update (PUT). All three fields are required for both: an update replaces the settings.

    Attributes:
        sending_domain (str): Specifies the domain for sending emails from the subaccount
        daily_send_limit (int): Sets the daily email sending cap for the subaccount in terms of the number of emails
        approved (bool): Indicates whether the subaccount is approved for sending emails, with "true" for approved and
            "false" for unapproved status
    """

    sending_domain: str
    daily_send_limit: int
    approved: bool

    def to_dict(self) -> dict[str, Any]:
        sending_domain = self.sending_domain

        daily_send_limit = self.daily_send_limit

        approved = self.approved

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "sending_domain": sending_domain,
                "daily_send_limit": daily_send_limit,
                "approved": approved,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        sending_domain = d.pop("sending_domain")

        daily_send_limit = d.pop("daily_send_limit")

        approved = d.pop("approved")

        subaccount_request = cls(
            sending_domain=sending_domain,
            daily_send_limit=daily_send_limit,
            approved=approved,
        )

        return subaccount_request
