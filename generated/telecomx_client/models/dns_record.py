from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DnsRecord")


@_attrs_define
class DnsRecord:
    """A DNS record as returned in a DNS object.

    Attributes:
        type_ (str): Record type: A, AAAA, CNAME, SRV, NS, TXT, or 'MX <priority>' (e.g. 'MX 0').
        r_data (str): Points to data, depending on the type (see addDnsRecord).
        name (str | Unset): Record name ('' or absent for the root record; properties holding no value may be omitted).
    """

    type_: str
    r_data: str
    name: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        r_data = self.r_data

        name = self.name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "rData": r_data,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        type_ = d.pop("type")

        r_data = d.pop("rData")

        name = d.pop("name", UNSET)

        dns_record = cls(
            type_=type_,
            r_data=r_data,
            name=name,
        )

        dns_record.additional_properties = d
        return dns_record

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
