from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.dns_record_purpose import DNSRecordPurpose
from ..models.dns_record_type import DNSRecordType
from ..types import UNSET, Unset

T = TypeVar("T", bound="DNSRecord")


@_attrs_define
class DNSRecord:
    """
    Attributes:
        is_active (bool):
        value (str):
        record_type (DNSRecordType):
        valid (str): Field reflecting validation status by Mailgun.
        name (str | Unset): The DNS name of the record (absent on some MX records in published examples).
        record_purpose (DNSRecordPurpose | Unset): Purpose of specific entry to distinguish between various TXT entries.
        priority (int | str | Unset): MX priority, a string in the published example.
    """

    is_active: bool
    value: str
    record_type: DNSRecordType
    valid: str
    name: str | Unset = UNSET
    record_purpose: DNSRecordPurpose | Unset = UNSET
    priority: int | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        is_active = self.is_active

        value = self.value

        record_type = self.record_type.value

        valid = self.valid

        name = self.name

        record_purpose: str | Unset = UNSET
        if not isinstance(self.record_purpose, Unset):
            record_purpose = self.record_purpose.value

        priority: int | str | Unset
        if isinstance(self.priority, Unset):
            priority = UNSET
        else:
            priority = self.priority

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "is_active": is_active,
                "value": value,
                "record_type": record_type,
                "valid": valid,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if record_purpose is not UNSET:
            field_dict["record_purpose"] = record_purpose
        if priority is not UNSET:
            field_dict["priority"] = priority

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        is_active = d.pop("is_active")

        value = d.pop("value")

        record_type = DNSRecordType(d.pop("record_type"))

        valid = d.pop("valid")

        name = d.pop("name", UNSET)

        _record_purpose = d.pop("record_purpose", UNSET)
        record_purpose: DNSRecordPurpose | Unset
        if isinstance(_record_purpose, Unset):
            record_purpose = UNSET
        else:
            record_purpose = DNSRecordPurpose(_record_purpose)

        def _parse_priority(data: object) -> int | str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(int | str | Unset, data)

        priority = _parse_priority(d.pop("priority", UNSET))

        dns_record = cls(
            is_active=is_active,
            value=value,
            record_type=record_type,
            valid=valid,
            name=name,
            record_purpose=record_purpose,
            priority=priority,
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
