from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dns_list_item import DnsListItem


T = TypeVar("T", bound="DnsList")


@_attrs_define
class DnsList:
    """A page of zones.

    Attributes:
        offset (int | Unset):
        limit (int | Unset):
        total (int | Unset): Number of domains that can be returned when offset and limit is not considered. This is to
            be used for paging through the data.
        dns (list[DnsListItem] | Unset):
    """

    offset: int | Unset = UNSET
    limit: int | Unset = UNSET
    total: int | Unset = UNSET
    dns: list[DnsListItem] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        offset = self.offset

        limit = self.limit

        total = self.total

        dns: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.dns, Unset):
            dns = []
            for dns_item_data in self.dns:
                dns_item = dns_item_data.to_dict()
                dns.append(dns_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if offset is not UNSET:
            field_dict["offset"] = offset
        if limit is not UNSET:
            field_dict["limit"] = limit
        if total is not UNSET:
            field_dict["total"] = total
        if dns is not UNSET:
            field_dict["dns"] = dns

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.dns_list_item import DnsListItem

        d = dict(src_dict)
        offset = d.pop("offset", UNSET)

        limit = d.pop("limit", UNSET)

        total = d.pop("total", UNSET)

        _dns = d.pop("dns", UNSET)
        dns: list[DnsListItem] | Unset = UNSET
        if _dns is not UNSET:
            dns = []
            for dns_item_data in _dns:
                dns_item = DnsListItem.from_dict(dns_item_data)

                dns.append(dns_item)

        dns_list = cls(
            offset=offset,
            limit=limit,
            total=total,
            dns=dns,
        )

        dns_list.additional_properties = d
        return dns_list

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
