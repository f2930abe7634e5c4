"""NS records (RFC 1035 section 3.3.11): a nameserver's host name."""

from __future__ import annotations

from typing import Final

import dns.rdatatype

from ...models import RecordType
from ._kind import TargetKind

__all__ = ["NS"]


class _NS(TargetKind):
    type = RecordType.NS
    rdtype = dns.rdatatype.NS


NS: Final = _NS()
