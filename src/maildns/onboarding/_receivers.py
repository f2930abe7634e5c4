"""What a receiving mail system concludes of a sending domain, from DNS alone.

Gmail and Yahoo (bulk senders, since February 2024) and Outlook (since May 2025) ask of a
domain: SPF that evaluates (one valid record within the lookup limits, RFC 7208) and passes for
the sender; a DKIM signature with a key verifiers accept (RFC 6376, RFC 8301: 1024 bits or
more, 2048 recommended); a DMARC policy of at least ``p=none`` (RFC 7489) with which SPF or
DKIM aligns. Each is a :class:`Fact` here: ``pass``, ``warn`` (accepted, but weak), ``fail``
(receivers reject or junk), or ``unknown`` (DNS gave no answer: never taken for a fail nor a
pass). Everything is asked of the resolver, as a receiver would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Final, Literal

import attrs

from .._core.declaration import Declaration
from ._dkim import judge as judge_dkim
from ._dmarc import aligned, authorisation_names, check_authorisations, discover, policy_names
from ._resolve import Resolver
from ._spf import Spf, is_spf
from ._spfcheck import check_budget, check_vendor

Result = Literal["pass", "warn", "fail", "unknown"]
RULES: Final = ("spf", "spf_sender", "dkim", "dmarc", "alignment", "mx")
_VERDICTS: Final[dict[str, Result]] = {"ok": "pass", "warning": "warn", "failure": "fail"}
"""The facts, in the order they are judged and shown."""


@attrs.frozen
class Fact:
    """One thing receivers check, for a domain (and a vendor, where it is the vendor's)."""

    rule: str
    """One of :data:`RULES`."""
    result: Result
    detail: str
    vendor: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "rule": self.rule,
            "vendor": self.vendor,
            "result": self.result,
            "detail": self.detail,
        }


def passing(facts: Sequence[Fact]) -> bool:
    """Whether receivers accept the domain: every fact passes (a warning is accepted)."""
    return all(f.result in ("pass", "warn") for f in facts)


async def _txt(resolver: Resolver, name: str) -> tuple[list[str] | None, str]:
    found = await resolver.lookup(name, "TXT")
    if found.error is not None:
        return None, found.error
    return list(found.values), ""


async def _spf(domain: str, resolver: Resolver) -> Fact:
    texts, why = await _txt(resolver, domain)
    if texts is None:
        return Fact("spf", "unknown", f"no answer for the TXT records of {domain}: {why}")
    records = [t for t in texts if is_spf(t)]
    if not records:
        return Fact("spf", "fail", f"{domain} has no SPF record")
    if len(records) > 1:
        return Fact(
            "spf",
            "fail",
            f"{domain} has {len(records)} SPF records: permerror (RFC 7208 §4.5)",
        )
    budget = await check_budget(domain, records[0], resolver)
    if budget.problems:
        return Fact("spf", "fail", "; ".join(budget.problems))
    if budget.unchecked:
        return Fact("spf", "unknown", "could not be checked: " + "; ".join(budget.unchecked))
    return Fact(
        "spf", "pass", f"{records[0]!r}: {budget.lookups} of 10 DNS lookups ({budget.describe()})"
    )


def _includes(declaration: Declaration) -> list[str]:
    """The SPF includes a vendor's declared SPF wish names (its sending addresses)."""
    return [
        term.value
        for shape in declaration.records
        if shape.purpose == "SPF" and shape.value
        for term in Spf.parse(shape.value).mechanisms
        if term.name == "include"
    ]


async def _sender(domain: str, vendor: str, include: str, resolver: Resolver) -> Fact:
    checked = await check_vendor(domain, include, resolver)
    if not checked.verdicts:
        return Fact(
            "spf_sender",
            "unknown",
            f"no sending address found in {include}'s SPF record",
            vendor,
        )
    failing = [(ip, v) for ip, v in checked.verdicts if v.result != "pass"]
    if not failing:
        ips = ", ".join(ip for ip, _ in checked.verdicts)
        return Fact("spf_sender", "pass", f"{ips} (from {include}) pass at {domain}", vendor)
    ip, verdict = failing[0]
    result: Result = "unknown" if verdict.result == "temperror" else "fail"
    return Fact(
        "spf_sender",
        result,
        f"{ip} (from {include}) gets {verdict.result} at {domain}: {verdict.reason}",
        vendor,
    )


async def _dkim(domain: str, vendor: str, name: str, resolver: Resolver) -> list[Fact]:
    texts, why = await _txt(resolver, name)
    if texts is None:
        return [Fact("dkim", "unknown", f"no answer for {name}: {why}", vendor)]
    if not texts:
        return [Fact("dkim", "fail", f"no DKIM key at {name}", vendor)]
    judged = judge_dkim(texts[0]) if len(texts) == 1 else None
    if judged is None:
        return [Fact("dkim", "fail", f"{name} holds {len(texts)} TXT records, not one key", vendor)]
    result = _VERDICTS[judged.verdict]
    facts = [Fact("dkim", result, f"{name}: {judged.reason}", vendor)]
    signer = name.split("._domainkey.", 1)[-1]
    facts.append(
        Fact(
            "alignment",
            "pass" if aligned(signer, domain) else "fail",
            f"DKIM d={signer} {'aligns' if aligned(signer, domain) else 'does not align'} "
            f"with {domain} (relaxed)",
            vendor,
        )
    )
    return facts


async def _dmarc(domain: str, resolver: Resolver) -> list[Fact]:
    names = policy_names(domain)
    looked = await asyncio.gather(*(_txt(resolver, n) for n in names))
    answers = {n: texts for n, (texts, _) in zip(names, looked, strict=True)}
    found = discover(domain, answers)
    if found.unknown:
        return [Fact("dmarc", "unknown", "; ".join(found.problems))]
    if found.policy is None or found.record is None:
        why = "; ".join(found.problems) or "no DMARC policy"
        return [Fact("dmarc", "fail", why)]
    facts = [Fact("dmarc", "pass", f"p={found.policy} from {found.name}: {found.text!r}")]
    names_needed = list(authorisation_names(domain, found.record))
    if names_needed:
        auth = await asyncio.gather(*(_txt(resolver, n) for n in names_needed))
        answers = {n: texts for n, (texts, _) in zip(names_needed, auth, strict=True)}
        for a in check_authorisations(domain, found.record, answers):
            if a.status in ("missing", "no host"):
                facts.append(
                    Fact(
                        "dmarc",
                        "warn",
                        f"{a.tag}={a.uri}: {a.name or a.uri} does not authorise reports for "
                        f"{domain} (RFC 7489 §7.1): receivers will not send them",
                    )
                )
    return facts


async def _mx(domain: str, vendor: str, hosts: list[str], resolver: Resolver) -> Fact:
    found = await resolver.lookup(domain, "MX")
    if found.error is not None:
        return Fact("mx", "unknown", f"no answer for the MX records of {domain}", vendor)
    served = {v.split()[-1].rstrip(".").lower() for v in found.values}
    missing = [h for h in hosts if h not in served]
    if missing:
        return Fact("mx", "fail", f"{domain} has no MX to {', '.join(missing)}", vendor)
    return Fact("mx", "pass", f"{domain} receives through {', '.join(hosts)}", vendor)


async def judge(
    domain: str,
    vendors: Sequence[tuple[str, Declaration]],
    dkim_names: Sequence[tuple[str, str]],
    resolver: Resolver,
) -> tuple[Fact, ...]:
    """The facts receivers would find for mail from ``domain`` sent through ``vendors``
    (name, declaration), signed with the keys at ``dkim_names`` (vendor, selector name)."""
    singles = [_spf(domain, resolver)]
    singles += [
        _sender(domain, vendor, include, resolver)
        for vendor, declaration in vendors
        for include in _includes(declaration)
    ]
    for vendor, declaration in vendors:
        hosts = [s.value for s in declaration.records if s.type == "MX" and s.value]
        if hosts:
            singles.append(_mx(domain, vendor, hosts, resolver))
    several = [_dmarc(domain, resolver)]
    several += [_dkim(domain, vendor, name, resolver) for vendor, name in dkim_names]
    one, many = await asyncio.gather(asyncio.gather(*singles), asyncio.gather(*several))
    facts = [*one, *(f for group in many for f in group)]
    if not any(f.rule == "dkim" for f in facts):
        facts.append(Fact("dkim", "fail", f"no DKIM key is known for {domain}"))
    return tuple(sorted(facts, key=lambda f: (RULES.index(f.rule), f.vendor or "")))
