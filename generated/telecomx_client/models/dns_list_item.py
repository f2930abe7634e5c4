from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dns_record import DnsRecord


T = TypeVar("T", bound="DnsListItem")


@_attrs_define
class DnsListItem:
    """An item of the zone list: condensed `{_id, records, ttl, status}` (records is the number of records, ttl is
    documented as a String), or with `full=true` the full DNS object (records is the list, ttl a Number).

        Attributes:
            field_id (str): Domain name.
            customer (str | Unset): Id of the customer (full items).
            product (str | Unset): Product for invoicing DNS hosting fee (full items).
            invoiced_until (datetime.datetime | Unset): The date the DNS has been invoiced until (full items).
            serial (int | Unset): Serial number for current records (full items).
            ttl (int | str | Unset): Time To Live in seconds; a string in condensed items (as documented), a number in full
                items.
            records (int | list[DnsRecord] | Unset): The number of records (condensed items) or the list of records (full
                items).
            status (str | Unset): Delegation status: OK, WRONG_NS, NOT_EXIST.
    """

    field_id: str
    customer: str | Unset = UNSET
    product: str | Unset = UNSET
    invoiced_until: datetime.datetime | Unset = UNSET
    serial: int | Unset = UNSET
    ttl: int | str | Unset = UNSET
    records: int | list[DnsRecord] | Unset = UNSET
    status: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        field_id = self.field_id

        customer = self.customer

        product = self.product

        invoiced_until: str | Unset = UNSET
        if not isinstance(self.invoiced_until, Unset):
            invoiced_until = self.invoiced_until.isoformat()

        serial = self.serial

        ttl: int | str | Unset
        if isinstance(self.ttl, Unset):
            ttl = UNSET
        else:
            ttl = self.ttl

        records: int | list[dict[str, Any]] | Unset
        if isinstance(self.records, Unset):
            records = UNSET
        elif isinstance(self.records, list):
            records = []
            for records_type_1_item_data in self.records:
                records_type_1_item = records_type_1_item_data.to_dict()
                records.append(records_type_1_item)

        else:
            records = self.records

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "_id": field_id,
            }
        )
        if customer is not UNSET:
            field_dict["customer"] = customer
        if product is not UNSET:
            field_dict["product"] = product
        if invoiced_until is not UNSET:
            field_dict["invoicedUntil"] = invoiced_until
        if serial is not UNSET:
            field_dict["serial"] = serial
        if ttl is not UNSET:
            field_dict["ttl"] = ttl
        if records is not UNSET:
            field_dict["records"] = records
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.dns_record import DnsRecord

        d = dict(src_dict)
        field_id = d.pop("_id")

        customer = d.pop("customer", UNSET)

        product = d.pop("product", UNSET)

        _invoiced_until = d.pop("invoicedUntil", UNSET)
        invoiced_until: datetime.datetime | Unset
        if isinstance(_invoiced_until, Unset):
            invoiced_until = UNSET
        else:
            invoiced_until = datetime.datetime.fromisoformat(_invoiced_until)

        serial = d.pop("serial", UNSET)

        def _parse_ttl(data: object) -> int | str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(int | str | Unset, data)

        ttl = _parse_ttl(d.pop("ttl", UNSET))

        def _parse_records(data: object) -> int | list[DnsRecord] | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                records_type_1 = []
                _records_type_1 = data
                for records_type_1_item_data in _records_type_1:
                    records_type_1_item = DnsRecord.from_dict(records_type_1_item_data)

                    records_type_1.append(records_type_1_item)

                return records_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(int | list[DnsRecord] | Unset, data)

        records = _parse_records(d.pop("records", UNSET))

        status = d.pop("status", UNSET)

        dns_list_item = cls(
            field_id=field_id,
            customer=customer,
            product=product,
            invoiced_until=invoiced_until,
            serial=serial,
            ttl=ttl,
            records=records,
            status=status,
        )

        dns_list_item.additional_properties = d
        return dns_list_item

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
