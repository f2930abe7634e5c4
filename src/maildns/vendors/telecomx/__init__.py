"""TelecomX: DNS hosting, zones and their records; login tokens or a token given up front."""

from __future__ import annotations

from typing import Final

from ..._core.declaration import Credential, Declaration, Role

DEFAULT_BASE_URL: Final = "https://api.telecomx.dk"

DECLARATION: Final = Declaration(
    name="telecomx",
    title="TelecomX",
    roles=frozenset({Role.DNS}),
    credentials=(
        Credential("username", "TELECOMX_USERNAME"),
        Credential("password", "TELECOMX_PASSWORD", secret=True),
        Credential("token", "TELECOMX_TOKEN", secret=True),
    ),
    credential_sets=(("username", "password"), ("token",)),
    servers={"production": DEFAULT_BASE_URL},
    clients=("TelecomX", "AsyncTelecomX"),
    exports={"TelecomXZoneSettings": "_settings"},
    settings={Role.DNS: "TelecomXZoneSettings"},
    package=__name__,
)
