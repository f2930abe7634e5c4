"""CiiRUS Partner API: an email subaccount per partner account (Mandrill underneath), in two
dated API versions; HTTP Basic auth."""

from __future__ import annotations

from typing import Final

from ..._core.declaration import Credential, Declaration, RecordShape, Role

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
    # One email subaccount per partner account; `list` too, as every sending vendor lists alike
    noun="subaccount",
    noun_help="The account's email subaccount (one per account).",
    option_help={
        "daily_send_limit": "Emails a day the domain may send (a whole number, 0 or more).",
        "approved": "Whether the domain is approved to send.",
    },
    # The spec's error shape (Error: message, reasons)
    fault_body={"message": "Injected fault"},
    # Where Mandrill's values go (_mapping.py cites Mailchimp Transactional's "Authentication
    # and Deliverability"): the mandrill_verify TXT and the SPF at the domain, DKIM at the
    # selector "mandrill".
    records=(
        RecordShape("TXT", "", "VERIFICATION"),
        RecordShape("TXT", "mandrill._domainkey", "DKIM"),
        RecordShape("TXT", "", "SPF", "v=spf1 include:spf.mandrillapp.com ?all"),
    ),
    # The subaccount operations carry no id ("your associated Mandrill subaccount"): one
    # account, one sending domain (the spec marks this x-unconfirmed).
    domains_per_account=1,
)
