from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="DnsRecordCreateRequest")


@_attrs_define
class DnsRecordCreateRequest:
    """A record to add.

    Attributes:
        name (str): Record name relative to the zone: "Do not include the domain name self." The root record has name
            ''.
            Labels of letters, digits, '-' and '_' (for SRV's '_service._proto' and names like '_dmarc'), an optional
            leading '*' label, an optional trailing dot. For SRV the name is "like '_service._proto.name.'".
        type_ (str): Record type: A, AAAA, CNAME, SRV, NS, TXT, MX. For MX the "type must be postfixed with a priority
            number", e.g. 'MX 0' or 'MX 10': 'MX', one space and 0 to 65535 without leading zeros (see x-unconfirmed).
        r_data (str): "Points to data - depending on the type:
            A: IPv4 address, ex. '213.83.176.1'
            AAAA: IPv6 address, ex. '2001:db8:85a3:0:0:8a2e:370:7334'
            CNAME: Hostname, ex. 'www.telecomx.dk'
            SRV: name like '_service._proto.name.' and rData like 'priority weight port target.'
            NS: name server hostname, ex. 'ns1.telecomx.dk'
            TXT: string in quotes, ex. '"v=spf1 mx a ip4:213.83.176.0/23 a:mail.powernetmail.dk -all"'
            MX: Mail exchanger, type must be postfixed with a priority number, rData is a hostname, ex. 'mail.telecomx.dk'"
    """

    name: str
    type_: str
    r_data: str

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        type_ = self.type_

        r_data = self.r_data

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "type": type_,
                "rData": r_data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        type_ = d.pop("type")

        r_data = d.pop("rData")

        dns_record_create_request = cls(
            name=name,
            type_=type_,
            r_data=r_data,
        )

        return dns_record_create_request
