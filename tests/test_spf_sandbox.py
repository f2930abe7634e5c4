"""The SPF checks against the sandbox's real DNS server, acting as the recursive resolver that
``maildns sandbox`` exports (``MAILDNS_RESOLVER``), with the vendors' and the common includes'
stand-ins it serves; checkdmarc and pyspf, through the same server, as the judges."""

from __future__ import annotations

import asyncio
import warnings

import dns.flags
import dns.message
import dns.nameserver
import dns.query
import dns.rcode
import dns.resolver
import pytest

from maildns import DnsRecord, RecordType
from maildns.onboarding._records import plan_records
from maildns.onboarding._resolve import RESOLVER_ENV, open_resolver
from maildns.onboarding._spfcheck import check_budget, check_host, check_vendor
from maildns.sandbox import Sandbox
from maildns.sandbox.__main__ import environment

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import checkdmarc.spf as checkdmarc_spf
    import checkdmarc.utils as checkdmarc_utils
    import spf as pyspf

ZONE = "example.com"
NAME = "mail.example.com"
SIX = (
    "v=spf1 include:_spf.google.com include:spf.protection.outlook.com include:sendgrid.net "
    "include:servers.mcsv.net include:_spf.salesforce.com include:mailgun.org ~all"
)
"""A zone's SPF with the five common includes and Mailgun's: 13 lookups at receivers."""


def resolver_for(sb: Sandbox) -> dns.resolver.Resolver:
    """A plain dnspython resolver asking the sandbox's servers (the oracles' DNS)."""
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [dns.nameserver.Do53Nameserver(h, p) for h, p in sb.dns_addresses]
    resolver.lifetime = 5.0
    return resolver


def test_the_sandbox_exports_itself_as_the_resolver(sb: Sandbox) -> None:
    env, _ = environment(sb)
    assert env[RESOLVER_ENV] == ",".join(f"{h}:{p}" for h, p in sb.dns_addresses)
    assert env[RESOLVER_ENV] == env["MAILDNS_NAMESERVERS"]


def test_the_stand_ins_are_served_and_a_telecomx_zone_wins(sb: Sandbox) -> None:
    host, port = sb.dns_address
    answer = dns.query.udp(dns.message.make_query("_spf.google.com", "TXT"), host, port=port)
    assert answer.rcode() == dns.rcode.NOERROR
    assert answer.flags & dns.flags.AA
    (rrset,) = answer.answer
    assert [b"".join(rd.strings) for rd in rrset] == [
        b"v=spf1 include:_netblocks.google.com include:_netblocks2.google.com ~all"
    ]
    sb.publish_dns("google.com", [DnsRecord(RecordType.A, "www.google.com", "192.0.2.80")])
    answer = dns.query.udp(dns.message.make_query("_spf.google.com", "TXT"), host, port=port)
    assert answer.rcode() == dns.rcode.NXDOMAIN  # the TelecomX zone google.com has no _spf


def test_six_includes_cost_thirteen_lookups_and_are_refused(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The planner alone sees 6 lookups (it has no DNS): the budget, through the resolver
    the sandbox exports, sees 13 and refuses, naming the rule and each include's cost."""
    planned = plan_records(
        domain=NAME,
        dns_vendor="telecomx",
        existing=[DnsRecord(RecordType.TXT, NAME, SIX)],
        wanted=[("tesouro", DnsRecord(RecordType.TXT, NAME, "v=spf1 include:mailgun.org ~all"))],
    )
    assert planned.problems == ()
    env, _ = environment(sb)
    monkeypatch.setenv(RESOLVER_ENV, env[RESOLVER_ENV])
    resolver = open_resolver()
    budget = asyncio.run(check_budget(NAME, SIX, resolver, what="the merged SPF record"))
    assert (budget.lookups, budget.voids, budget.unchecked) == (13, 0, ())
    assert budget.problems == (
        f"the merged SPF record at {NAME} needs 13 DNS lookups, over the 10 receivers allow "
        "(RFC 7208 §4.6.4): include:_spf.google.com 3 (include:_netblocks.google.com 1, "
        "include:_netblocks2.google.com 1), include:spf.protection.outlook.com 1, "
        "include:sendgrid.net 1, include:servers.mcsv.net 1, include:_spf.salesforce.com 2 "
        "(exists:%{i}._spf.mta.salesforce.com 1), include:mailgun.org 5 "
        "(include:_spf.mailgun.org 3 (include:_spf1.mailgun.org 1, "
        "include:_spf2.mailgun.org 1), include:_spf.eu.mailgun.org 1)",
    )
    # checkdmarc, through the same server, counts the same
    checkdmarc_utils.DNS_CACHE.clear()
    with pytest.raises(checkdmarc_spf.SPFTooManyDNSLookups) as raised:
        checkdmarc_spf.parse_spf_record(SIX, NAME, resolver=resolver_for(sb))
    assert raised.value.data["dns_lookups"] == 13
    # and both vendors' includes alone fit: what onboarding adds to a Google zone
    fits = "v=spf1 include:_spf.google.com include:mailgun.org include:spf.mandrillapp.com ~all"
    budget = asyncio.run(check_budget(NAME, fits, resolver))
    assert (budget.lookups, budget.ok) == (3 + 5 + 1 + 0, True)
    checkdmarc_utils.DNS_CACHE.clear()
    parsed = checkdmarc_spf.parse_spf_record(fits, NAME, resolver=resolver_for(sb))
    assert parsed["dns_lookups"] == 9


def test_the_vendors_sending_addresses_pass_at_the_published_name(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = "v=spf1 include:_spf.google.com include:mailgun.org include:spf.mandrillapp.com ~all"
    sb.publish_dns(ZONE, [DnsRecord(RecordType.TXT, NAME, record)])
    resolver = open_resolver(",".join(f"{h}:{p}" for h, p in sb.dns_addresses))
    for include in ("mailgun.org", "spf.mandrillapp.com", "_spf.google.com"):
        vendor = asyncio.run(check_vendor(NAME, include, resolver))
        assert vendor.passes, vendor
    assert not asyncio.run(check_vendor(NAME, "sendgrid.net", resolver)).passes
    salesforce = asyncio.run(check_host("192.0.2.145", "_spf.salesforce.com", resolver))
    assert salesforce.result == "pass"  # through exists:%{i}._spf.mta.salesforce.com

    # pyspf, asking the same server through dnspython, agrees on each address
    monkeypatch.setattr(dns.resolver, "default_resolver", resolver_for(sb))
    for address in ("198.51.100.1", "198.51.100.65", "2001:db8:4860::1", "192.0.2.65"):
        ours = asyncio.run(check_host(address, NAME, resolver)).result
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # its dns.resolver.query
            theirs = pyspf.query(i=address, s=f"bounce@{NAME}", h=NAME).check()[0]
        assert ours == theirs, address
    assert ours == "softfail"  # sendgrid's 192.0.2.65 is not in the record


def test_a_dns_failure_could_not_be_checked(sb: Sandbox) -> None:
    sb.dns_fault("servfail", name="mailgun.org")
    resolver = open_resolver(",".join(f"{h}:{p}" for h, p in sb.dns_addresses))
    budget = asyncio.run(check_budget(NAME, "v=spf1 include:mailgun.org ~all", resolver))
    assert budget.problems == ()
    assert budget.unchecked == (
        "include:mailgun.org: the SPF record at mailgun.org could not be checked "
        "(no server answered (SERVFAIL or REFUSED))",
    )
    sb.publish_dns(ZONE, [DnsRecord(RecordType.TXT, NAME, "v=spf1 include:mailgun.org ~all")])
    assert asyncio.run(check_host("198.51.100.1", NAME, resolver)).result == "temperror"
