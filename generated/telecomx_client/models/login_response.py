from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="LoginResponse")


@_attrs_define
class LoginResponse:
    """The login result (the page's field list is truncated after accessLevel; other fields are kept).

    Attributes:
        token (str): Token to present on all future requests.
        expires_in_minutes (int | Unset): Minutes until the token expires, default 15 and -1 if persist was used.
        employee (str | Unset): Id of the logged-in employee.
        customer (str | Unset): Id of the employee's customer.
        access_level (str | Unset): The employee's access level: NO_LOGIN, PERSONAL, VIEWER, MANAGER, OWNER, RESELLER,
            RESELLER_ADMIN or ADMIN (documented on api:employee:create; kept an open string).
    """

    token: str
    expires_in_minutes: int | Unset = UNSET
    employee: str | Unset = UNSET
    customer: str | Unset = UNSET
    access_level: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        token = self.token

        expires_in_minutes = self.expires_in_minutes

        employee = self.employee

        customer = self.customer

        access_level = self.access_level

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "token": token,
            }
        )
        if expires_in_minutes is not UNSET:
            field_dict["expiresInMinutes"] = expires_in_minutes
        if employee is not UNSET:
            field_dict["employee"] = employee
        if customer is not UNSET:
            field_dict["customer"] = customer
        if access_level is not UNSET:
            field_dict["accessLevel"] = access_level

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        token = d.pop("token")

        expires_in_minutes = d.pop("expiresInMinutes", UNSET)

        employee = d.pop("employee", UNSET)

        customer = d.pop("customer", UNSET)

        access_level = d.pop("accessLevel", UNSET)

        login_response = cls(
            token=token,
            expires_in_minutes=expires_in_minutes,
            employee=employee,
            customer=customer,
            access_level=access_level,
        )

        login_response.additional_properties = d
        return login_response

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
