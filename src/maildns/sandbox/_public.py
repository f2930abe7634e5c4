"""Stand-ins for the SPF records of the email vendors and the common includes, served offline.

The sandbox's DNS answers these names beside the TelecomX zones, so that it can act as the
recursive resolver of maildns's SPF checks (``MAILDNS_RESOLVER``, which ``maildns sandbox``
exports): counting a record's DNS lookups through every nested include (RFC 7208 §4.6.4) and
``check_host`` run without the Internet.

Each record models the *shape* of the one its owner publishes: the same chain of includes,
hence the same lookup cost, and the same final ``all``, as public DNS listings showed them
when this was written. The addresses are documentation ranges only (RFC 5737: 192.0.2.0/24,
198.51.100.0/24, 203.0.113.0/24; RFC 3849: 2001:db8::/32), never the vendors' own, and far
fewer of them. What each include costs, itself included:

=============================  ====  =========================================================
include                        cost  modelled on
=============================  ====  =========================================================
``mailgun.org``                5     ``include:_spf.mailgun.org include:_spf.eu.mailgun.org``;
                                     ``_spf.mailgun.org`` includes ``_spf1`` and ``_spf2``
``spf.mandrillapp.com``        1     IPv4 ranges only
``_spf.google.com``            3     ``include:_netblocks.google.com`` (IPv4) and
                                     ``_netblocks2`` (IPv6); ``_netblocks3`` (``v=spf1 ~all``)
                                     is still served but no longer included
``spf.protection.outlook.com`` 1     IPv4 and IPv6 ranges, ``-all``
``sendgrid.net``               1     IPv4 ranges, ``~all``
``servers.mcsv.net``           1     three IPv4 ranges, ``-all`` (Mailchimp)
``_spf.salesforce.com``        2     ``exists:%{i}._spf.mta.salesforce.com -all``
``amazonses.com``              1     IPv4 ranges, ``-all``
=============================  ====  =========================================================

So ``v=spf1 include:_spf.google.com include:spf.protection.outlook.com include:sendgrid.net
include:servers.mcsv.net include:_spf.salesforce.com include:mailgun.org ~all`` costs 13
lookups here, as it did at receivers: over the 10 they allow.

This module imports neither Starlette nor uvicorn.
"""

from __future__ import annotations

import ipaddress
from functools import cache
from typing import Final

from .._dns.records.txt import TXT
from ._zoneindex import ZoneData

SALESFORCE_SENDERS: Final = ipaddress.ip_network("192.0.2.144/28")
"""The addresses ``_spf.salesforce.com``'s ``exists:%{i}._spf.mta.salesforce.com`` passes:
each has an A record under ``_spf.mta.salesforce.com``."""

RECORDS: Final[dict[str, tuple[tuple[str, str, str], ...]]] = {
    # Mailgun (Tesouro's sender): two levels of includes, 5 lookups in all.
    "mailgun.org": (
        ("", "TXT", "v=spf1 include:_spf.mailgun.org include:_spf.eu.mailgun.org -all"),
        ("_spf", "TXT", "v=spf1 include:_spf1.mailgun.org include:_spf2.mailgun.org ~all"),
        ("_spf1", "TXT", "v=spf1 ip4:198.51.100.0/28 ip4:198.51.100.16/28 ~all"),
        ("_spf2", "TXT", "v=spf1 ip4:198.51.100.32/28 ~all"),
        ("_spf.eu", "TXT", "v=spf1 ip4:198.51.100.48/28 ~all"),
    ),
    # Mandrill (CiiRUS's sender): address ranges only.
    "mandrillapp.com": (("spf", "TXT", "v=spf1 ip4:198.51.100.64/28 ip4:198.51.100.80/28 ?all"),),
    # Google Workspace.
    "google.com": (
        (
            "_spf",
            "TXT",
            "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com ~all",
        ),
        ("_netblocks", "TXT", "v=spf1 ip4:192.0.2.0/28 ip4:192.0.2.16/28 ~all"),
        ("_netblocks2", "TXT", "v=spf1 ip6:2001:db8:4860::/48 ip6:2001:db8:4861::/48 ~all"),
        ("_netblocks3", "TXT", "v=spf1 ~all"),
    ),
    # Microsoft 365.
    "outlook.com": (
        (
            "spf.protection",
            "TXT",
            "v=spf1 ip4:192.0.2.32/28 ip4:192.0.2.48/28 ip6:2001:db8:40::/48 -all",
        ),
    ),
    # SendGrid.
    "sendgrid.net": (("", "TXT", "v=spf1 ip4:192.0.2.64/28 ip4:192.0.2.80/28 ~all"),),
    # Mailchimp.
    "mcsv.net": (
        (
            "servers",
            "TXT",
            "v=spf1 ip4:192.0.2.96/28 ip4:192.0.2.112/28 ip4:192.0.2.128/28 -all",
        ),
    ),
    # Salesforce: one include whose exists names the sending address.
    "salesforce.com": (
        ("_spf", "TXT", "v=spf1 exists:%{i}._spf.mta.salesforce.com -all"),
        *((f"{address}._spf.mta", "A", str(address)) for address in SALESFORCE_SENDERS),
    ),
    # Amazon SES.
    "amazonses.com": (("", "TXT", "v=spf1 ip4:198.51.100.96/28 ip4:198.51.100.112/28 -all"),),
}
"""Zone -> (relative name, type, value): TXT values as their text, A values as addresses."""


def _rdata(rtype: str, value: str) -> str:
    # TXT as quoted strings, as TelecomX's rData holds it
    return TXT.present(value) if rtype == "TXT" else value


NAMESERVERS: Final = ("ns1.sandbox.test.", "ns2.sandbox.test.")
"""The NS names at each stand-in's apex: the sandbox's own two nameservers."""


@cache
def zones() -> dict[str, ZoneData]:
    """The stand-in zones as the DNS server serves them (serial 1, an hour's TTL)."""
    return {
        domain: ZoneData(
            domain,
            1,
            3600,
            tuple((name, rtype, _rdata(rtype, v)) for name, rtype, v in rows),
            NAMESERVERS,
        )
        for domain, rows in RECORDS.items()
    }
