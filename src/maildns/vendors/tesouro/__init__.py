"""Tesouro FinOps (a white-label of Monite): mailbox domains, OAuth 2.0 client credentials."""

from __future__ import annotations

from typing import Final

from ..._core.declaration import Credential, Declaration, Role

SANDBOX_URL: Final = "https://api.sandbox.tesouro.com"
"""Tesouro's sandbox, the spec's first server and the default base URL."""
PRODUCTION_URL: Final = "https://api.tesouro.com"
"""Tesouro's production server."""

DECLARATION: Final = Declaration(
    name="tesouro",
    title="Tesouro",
    roles=frozenset({Role.SENDING_DOMAINS}),
    credentials=(
        Credential("client_id", "TESOURO_CLIENT_ID"),
        Credential("client_secret", "TESOURO_CLIENT_SECRET", secret=True),
    ),
    credential_sets=(("client_id", "client_secret"),),
    servers={"sandbox": SANDBOX_URL, "production": PRODUCTION_URL},
    clients=("Tesouro", "AsyncTesouro"),
    exports={"TesouroSettings": "_settings"},
    settings={Role.SENDING_DOMAINS: "TesouroSettings"},
    package=__name__,
    # "30 requests per second per partner client ID":
    # https://docs.tesouro.com/finops/api/concepts/rate-limiting
    rate_limit=30,
)
