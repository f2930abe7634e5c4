"""Two of the pydantic models Tesouro's answers are validated with, tuned: the wire looks here
before ``vendor_models.tesouro``.

A domain's ``dns_records`` is ``DNSRecords | dict`` (Monite's schema allows any object there).
pydantic's default ("smart") union validates an answer against both members to pick the better
fit, which costs a third of validating a listing; left to right tries ``DNSRecords`` first and
falls back to the plain object, which gives the same result for every input. Imported with the
first answer (see ``_core/wire.py``), never when a client is built.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from vendor_models.tesouro import DNSRecords
from vendor_models.tesouro import DomainListResponse as _DomainListResponse
from vendor_models.tesouro import DomainResponse as _DomainResponse


class DomainResponse(_DomainResponse):
    dns_records: Annotated[DNSRecords | dict[str, Any], Field(union_mode="left_to_right")]


class DomainListResponse(_DomainListResponse):
    data: list[DomainResponse]  # type: ignore[assignment]  # a subclass: the same items
