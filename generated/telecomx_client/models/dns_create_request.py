from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="DnsCreateRequest")


@_attrs_define
class DnsCreateRequest:
    """A new zone.

    Attributes:
        field_id (str): Domain name, e.g. telecomx.dk.
        customer (str): Id of the customer the DNS belongs to (24 hex characters).
        product (str): Product for invoicing DNS hosting fee (24 hex characters).
        ttl (int | Unset): Time To Live in seconds, default to 86400. Default: 86400.
    """

    field_id: str
    customer: str
    product: str
    ttl: int | Unset = 86400

    def to_dict(self) -> dict[str, Any]:
        field_id = self.field_id

        customer = self.customer

        product = self.product

        ttl = self.ttl

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "_id": field_id,
                "customer": customer,
                "product": product,
            }
        )
        if ttl is not UNSET:
            field_dict["ttl"] = ttl

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        field_id = d.pop("_id")

        customer = d.pop("customer")

        product = d.pop("product")

        ttl = d.pop("ttl", UNSET)

        dns_create_request = cls(
            field_id=field_id,
            customer=customer,
            product=product,
            ttl=ttl,
        )

        return dns_create_request
