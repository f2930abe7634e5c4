from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SubaccountDeleteResponse")


@_attrs_define
class SubaccountDeleteResponse:
    """The deleted subaccount as returned by delete (DELETE): the fields listed on delete-subaccount.

    Attributes:
        user_id (int | Unset): The unique identifier associated with the user who owns the subaccount.
        sending_domain (str | Unset): The email domain used for sending emails through the subaccount.
        subaccount_id (str | Unset): The unique identifier assigned to the subaccount.
        dns_value (str | Unset): The verification value used for DNS configuration to authenticate the subaccount.
        dns_validation_status (bool | Unset): Indicates whether the DNS validation was successfully completed (true or
            false).
        dkim_value (str | Unset): The DKIM (DomainKeys Identified Mail) public key value used for email authentication.
        dkim_validation_status (bool | Unset): Indicates whether the DKIM validation was successfully completed (true or
            false).
        spf_value (str | Unset): The SPF (Sender Policy Framework) record used for email authentication.
        spf_validation_status (bool | Unset): Indicates whether the SPF validation was successfully completed (true or
            false).
        daily_send_limit (int | Unset): The maximum number of emails the subaccount can send per day.
        approved (bool | Unset): Indicates whether the subaccount is approved for sending emails (true or false).
        reputation (int | Unset): The reputation score of the subaccount, typically used to measure email sending
            quality.
        sent_monthly (int | Unset): The number of emails sent from the subaccount in the past month.
        sent_weekly (int | Unset): The number of emails sent from the subaccount in the past week.
        sent_total (int | Unset): The total number of emails ever sent from the subaccount.
        name (str | Unset): The name assigned to the subaccount.
        created_at (datetime.datetime | Unset): The date and time when the user's account was created
        first_sent_at (datetime.datetime | None | Unset): The date and time when the first email was sent by the user
        management_company_user_id (int | Unset): The unique identifier of the management company associated with the
            subaccount.
    """

    user_id: int | Unset = UNSET
    sending_domain: str | Unset = UNSET
    subaccount_id: str | Unset = UNSET
    dns_value: str | Unset = UNSET
    dns_validation_status: bool | Unset = UNSET
    dkim_value: str | Unset = UNSET
    dkim_validation_status: bool | Unset = UNSET
    spf_value: str | Unset = UNSET
    spf_validation_status: bool | Unset = UNSET
    daily_send_limit: int | Unset = UNSET
    approved: bool | Unset = UNSET
    reputation: int | Unset = UNSET
    sent_monthly: int | Unset = UNSET
    sent_weekly: int | Unset = UNSET
    sent_total: int | Unset = UNSET
    name: str | Unset = UNSET
    created_at: datetime.datetime | Unset = UNSET
    first_sent_at: datetime.datetime | None | Unset = UNSET
    management_company_user_id: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        sending_domain = self.sending_domain

        subaccount_id = self.subaccount_id

        dns_value = self.dns_value

        dns_validation_status = self.dns_validation_status

        dkim_value = self.dkim_value

        dkim_validation_status = self.dkim_validation_status

        spf_value = self.spf_value

        spf_validation_status = self.spf_validation_status

        daily_send_limit = self.daily_send_limit

        approved = self.approved

        reputation = self.reputation

        sent_monthly = self.sent_monthly

        sent_weekly = self.sent_weekly

        sent_total = self.sent_total

        name = self.name

        created_at: str | Unset = UNSET
        if not isinstance(self.created_at, Unset):
            created_at = self.created_at.isoformat()

        first_sent_at: None | str | Unset
        if isinstance(self.first_sent_at, Unset):
            first_sent_at = UNSET
        elif isinstance(self.first_sent_at, datetime.datetime):
            first_sent_at = self.first_sent_at.isoformat()
        else:
            first_sent_at = self.first_sent_at

        management_company_user_id = self.management_company_user_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if user_id is not UNSET:
            field_dict["user_id"] = user_id
        if sending_domain is not UNSET:
            field_dict["sending_domain"] = sending_domain
        if subaccount_id is not UNSET:
            field_dict["subaccount_id"] = subaccount_id
        if dns_value is not UNSET:
            field_dict["dns_value"] = dns_value
        if dns_validation_status is not UNSET:
            field_dict["dns_validation_status"] = dns_validation_status
        if dkim_value is not UNSET:
            field_dict["dkim_value"] = dkim_value
        if dkim_validation_status is not UNSET:
            field_dict["dkim_validation_status"] = dkim_validation_status
        if spf_value is not UNSET:
            field_dict["spf_value"] = spf_value
        if spf_validation_status is not UNSET:
            field_dict["spf_validation_status"] = spf_validation_status
        if daily_send_limit is not UNSET:
            field_dict["daily_send_limit"] = daily_send_limit
        if approved is not UNSET:
            field_dict["approved"] = approved
        if reputation is not UNSET:
            field_dict["reputation"] = reputation
        if sent_monthly is not UNSET:
            field_dict["sent_monthly"] = sent_monthly
        if sent_weekly is not UNSET:
            field_dict["sent_weekly"] = sent_weekly
        if sent_total is not UNSET:
            field_dict["sent_total"] = sent_total
        if name is not UNSET:
            field_dict["name"] = name
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if first_sent_at is not UNSET:
            field_dict["first_sent_at"] = first_sent_at
        if management_company_user_id is not UNSET:
            field_dict["management_company_user_id"] = management_company_user_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        user_id = d.pop("user_id", UNSET)

        sending_domain = d.pop("sending_domain", UNSET)

        subaccount_id = d.pop("subaccount_id", UNSET)

        dns_value = d.pop("dns_value", UNSET)

        dns_validation_status = d.pop("dns_validation_status", UNSET)

        dkim_value = d.pop("dkim_value", UNSET)

        dkim_validation_status = d.pop("dkim_validation_status", UNSET)

        spf_value = d.pop("spf_value", UNSET)

        spf_validation_status = d.pop("spf_validation_status", UNSET)

        daily_send_limit = d.pop("daily_send_limit", UNSET)

        approved = d.pop("approved", UNSET)

        reputation = d.pop("reputation", UNSET)

        sent_monthly = d.pop("sent_monthly", UNSET)

        sent_weekly = d.pop("sent_weekly", UNSET)

        sent_total = d.pop("sent_total", UNSET)

        name = d.pop("name", UNSET)

        _created_at = d.pop("created_at", UNSET)
        created_at: datetime.datetime | Unset
        if isinstance(_created_at, Unset):
            created_at = UNSET
        else:
            created_at = datetime.datetime.fromisoformat(_created_at)

        def _parse_first_sent_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                first_sent_at_type_0 = datetime.datetime.fromisoformat(data)

                return first_sent_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        first_sent_at = _parse_first_sent_at(d.pop("first_sent_at", UNSET))

        management_company_user_id = d.pop("management_company_user_id", UNSET)

        subaccount_delete_response = cls(
            user_id=user_id,
            sending_domain=sending_domain,
            subaccount_id=subaccount_id,
            dns_value=dns_value,
            dns_validation_status=dns_validation_status,
            dkim_value=dkim_value,
            dkim_validation_status=dkim_validation_status,
            spf_value=spf_value,
            spf_validation_status=spf_validation_status,
            daily_send_limit=daily_send_limit,
            approved=approved,
            reputation=reputation,
            sent_monthly=sent_monthly,
            sent_weekly=sent_weekly,
            sent_total=sent_total,
            name=name,
            created_at=created_at,
            first_sent_at=first_sent_at,
            management_company_user_id=management_company_user_id,
        )

        subaccount_delete_response.additional_properties = d
        return subaccount_delete_response

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
