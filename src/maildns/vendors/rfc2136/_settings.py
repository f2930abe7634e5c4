"""The settings of a new zone: RFC 2136 has none, as it cannot create zones."""

from __future__ import annotations

import attrs


@attrs.frozen
class Rfc2136ZoneSettings:
    """RFC 2136 updates zones a server already serves; it cannot create one. This class exists
    so that the host plays the DNS-host role; ``create_zone`` refuses every call."""
