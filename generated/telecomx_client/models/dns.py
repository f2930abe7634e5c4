from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dns_record import DnsRecord


T = TypeVar("T", bound="Dns")


@_attrs_define
class Dns:
    """A DNS zone. "Note that properties holding no value may be omitted from the object." `status` is only
    returned by GET.

        Attributes:
            field_id (str): Domain name.
            customer (str | Unset): Id of the customer the DNS is being used by.
            product (str | Unset): Product for invoicing DNS hosting fee.
            invoiced_until (datetime.datetime | Unset): The date the DNS has been invoiced until (the page's copy says "the
                fiber").
            serial (int | Unset): Serial number for current records (e.g. 2018112300).
            ttl (int | Unset): Time To Live in seconds.
            records (list[DnsRecord] | Unset): List of DNS records.
            status (str | Unset): Delegation status (GET only): OK, WRONG_NS, NOT_EXIST.
    """

    field_id: str
    customer: str | Unset = UNSET
    product: str | Unset = UNSET
    invoiced_until: datetime.datetime | Unset = UNSET
    serial: int | Unset = UNSET
    ttl: int | Unset = UNSET
    records: list[DnsRecord] | Unset = UNSET
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

        ttl = self.ttl

        records: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.records, Unset):
            records = []
            for records_item_data in self.records:
                records_item = records_item_data.to_dict()
                records.append(records_item)

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

        ttl = d.pop("ttl", UNSET)

        _records = d.pop("records", UNSET)
        records: list[DnsRecord] | Unset = UNSET
        if _records is not UNSET:
            records = []
            for records_item_data in _records:
                records_item = DnsRecord.from_dict(records_item_data)

                records.append(records_item)

        status = d.pop("status", UNSET)

        dns = cls(
            field_id=field_id,
            customer=customer,
            product=product,
            invoiced_until=invoiced_until,
            serial=serial,
            ttl=ttl,
            records=records,
            status=status,
        )

        dns.additional_properties = d
        return dns

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
