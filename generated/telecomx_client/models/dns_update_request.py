from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="DnsUpdateRequest")


@_attrs_define
class DnsUpdateRequest:
    """The properties to change. "Only properties to update are required."

    Attributes:
        product (str | Unset): Product for invoicing DNS hosting fee (24 hex characters).
        ttl (int | Unset): Time To Live in seconds (1 to 2147483647, as on create).
    """

    product: str | Unset = UNSET
    ttl: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        product = self.product

        ttl = self.ttl

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if product is not UNSET:
            field_dict["product"] = product
        if ttl is not UNSET:
            field_dict["ttl"] = ttl

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        product = d.pop("product", UNSET)

        ttl = d.pop("ttl", UNSET)

        dns_update_request = cls(
            product=product,
            ttl=ttl,
        )

        return dns_update_request
