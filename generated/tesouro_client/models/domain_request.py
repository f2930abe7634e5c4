from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="DomainRequest")


@_attrs_define
class DomainRequest:
    """
    Attributes:
        domain (str): The domain name, such as mail.mycompany.com. Can contain only alphanumeric characters (A..Z a..z
            0..9), dots (.), and hyphens (-). Each segment of the domain name must start and end with either a letter or a
            digit.
    """

    domain: str

    def to_dict(self) -> dict[str, Any]:
        domain = self.domain

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "domain": domain,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        domain = d.pop("domain")

        domain_request = cls(
            domain=domain,
        )

        return domain_request
