"""Tesouro FinOps (a white-label of Monite): mailbox domains, OAuth 2.0 client credentials."""

from __future__ import annotations

from typing import Final

from ..._core.declaration import Credential, Declaration, RecordShape, Role

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
    # Mailbox domains, many per partner (the spec's tag)
    noun="domains",
    noun_help="Mailbox domains: register, verify, delete.",
    # The spec's error shape (ErrorSchemaResponse)
    fault_body={"error": {"message": "Injected fault"}},
    # "30 requests per second per partner client ID":
    # https://docs.tesouro.com/finops/api/concepts/rate-limiting
    rate_limit=30,
    # listMailboxDomains is the only read: there is no GET of one mailbox domain, and the
    # listing has no pagination (specs/tesouro.yaml), so one domain's read is the whole list.
    reads_one_by_listing=True,
    # Tesouro documents the record types (TXT, MX, CNAME) and purposes (DKIM, SPF) only
    # (https://docs.tesouro.com/finops/api/reference/mailbox-domains); the names and fixed values
    # are Mailgun's, which backs the domains ("Verify your domain",
    # https://documentation.mailgun.com/docs/mailgun/user-manual/get-started/): an SPF include
    # at the domain, a DKIM key at a selector Mailgun picks, two MX hosts to receive, and the
    # tracking CNAME email.<domain>.
    records=(
        RecordShape("TXT", "", "SPF", "v=spf1 include:mailgun.org ~all"),
        RecordShape("TXT", "*._domainkey", "DKIM"),
        RecordShape("MX", "", "RECEIVING", "mxa.mailgun.org", 10),
        RecordShape("MX", "", "RECEIVING", "mxb.mailgun.org", 10),
        RecordShape("CNAME", "email", "RECEIVING", "mailgun.org"),
    ),
)
