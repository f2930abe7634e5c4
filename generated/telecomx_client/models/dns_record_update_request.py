from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="DnsRecordUpdateRequest")


@_attrs_define
class DnsRecordUpdateRequest:
    """The record to change (its current name, type and rData) and its new rData.

    Attributes:
        name (str): The record's name ('' for the root record), as in addDnsRecord.
        type_ (str): The record's type (`MX <priority>` for MX records, priority 0 to 65535), as in addDnsRecord.
        r_data (str): The record's current rData ("Previous record missing" when absent).
        new (str): The new rData; the rules per type are those of addDnsRecord's rData.
    """

    name: str
    type_: str
    r_data: str
    new: str

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        type_ = self.type_

        r_data = self.r_data

        new = self.new

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "type": type_,
                "rData": r_data,
                "new": new,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        type_ = d.pop("type")

        r_data = d.pop("rData")

        new = d.pop("new")

        dns_record_update_request = cls(
            name=name,
            type_=type_,
            r_data=r_data,
            new=new,
        )

        return dns_record_update_request
