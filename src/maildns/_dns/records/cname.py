"""CNAME records (RFC 1034 section 3.6.2): the canonical name, a host name (``_`` allowed,
as in the aliases DKIM keys are delegated through)."""

from __future__ import annotations

from typing import Final

import dns.rdatatype

from ...models import RecordType
from ._kind import TargetKind

__all__ = ["CNAME"]


class _CNAME(TargetKind):
    type = RecordType.CNAME
    rdtype = dns.rdatatype.CNAME
    underscores = True


CNAME: Final = _CNAME()
