"""CiiRUS Partner API: an email subaccount per partner account (Mandrill underneath), in two
dated API versions; HTTP Basic auth."""

from __future__ import annotations

from typing import Final

from ..._core.declaration import Credential, Declaration, Role

DEFAULT_BASE_URL: Final = "https://api.ciiruspartners.com"

DECLARATION: Final = Declaration(
    name="ciirus",
    title="CiiRUS",
    roles=frozenset({Role.SENDING_DOMAINS}),
    credentials=(
        Credential("username", "CIIRUS_USERNAME"),
        Credential("password", "CIIRUS_PASSWORD", secret=True),
    ),
    credential_sets=(("username", "password"),),
    servers={"production": DEFAULT_BASE_URL},
    clients=("Ciirus", "AsyncCiirus"),
    exports={"CiirusSettings": "_settings"},
    settings={Role.SENDING_DOMAINS: "CiirusSettings"},
    package=__name__,
)
