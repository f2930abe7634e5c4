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
        record_type (DNSRecordType | str): One of the documented record types; any other string is kept as it is, so
            that a value the vendor adds later does not break parsing.
        valid (str): Field reflecting validation status by Mailgun.
        name (str | Unset): The DNS name of the record (absent on some MX records in published examples).
        record_purpose (DNSRecordPurpose | str | Unset): One of the documented purposes; any other string is kept as it
            is, so that a value the vendor adds later does not break parsing.
        priority (int | str | Unset): MX priority, a string in the published example.
    """

    is_active: bool
    value: str
    record_type: DNSRecordType | str
    valid: str
    name: str | Unset = UNSET
    record_purpose: DNSRecordPurpose | str | Unset = UNSET
    priority: int | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        is_active = self.is_active

        value = self.value

        record_type: str
        if isinstance(self.record_type, DNSRecordType):
            record_type = self.record_type.value
        else:
            record_type = self.record_type

        valid = self.valid

        name = self.name

        record_purpose: str | Unset
        if isinstance(self.record_purpose, Unset):
            record_purpose = UNSET
        elif isinstance(self.record_purpose, DNSRecordPurpose):
            record_purpose = self.record_purpose.value
        else:
            record_purpose = self.record_purpose

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

        def _parse_record_type(data: object) -> DNSRecordType | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                record_type_type_0 = DNSRecordType(data)

                return record_type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DNSRecordType | str, data)

        record_type = _parse_record_type(d.pop("record_type"))

        valid = d.pop("valid")

        name = d.pop("name", UNSET)

        def _parse_record_purpose(data: object) -> DNSRecordPurpose | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                record_purpose_type_0 = DNSRecordPurpose(data)

                return record_purpose_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DNSRecordPurpose | str | Unset, data)

        record_purpose = _parse_record_purpose(d.pop("record_purpose", UNSET))

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
