"""What a vendor will ask for, judged before the vendor is asked: no domain half onboarded.

A new sending domain's records are known only once its vendor has made it. So that a conflict
(a CNAME at the domain, foreign MX records, an SPF that would break) refuses the domain before
anything is created, the plan checks the zone against each vendor's declared
:class:`~maildns._core.declaration.RecordShape` s: the fixed values (an SPF include, MX hosts)
as if asked for, and the names of the others for a CNAME in the way. After the create, the
vendor's real answer must fit those shapes, or the domain stops before any record is written.

A vendor whose accounts hold a limited number of sending domains (CiiRUS: one) is checked too:
a second configured domain on one account, or an account already holding another domain, is
refused before anything is sent. Accounts are told apart by (vendor, account)
(:mod:`._accounts`): two domains at two accounts of one vendor are both planned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .._core.declaration import Declaration, RecordShape
from ..models import DnsRecord, RecordType, SendingDomain
from ._accounts import Key
from ._plan import Change
from ._records import Owned, plan_records
from ._resolve import normalized as _name


def foreseen_problems(
    *,
    domain: str,
    dns_vendor: str,
    existing: Sequence[DnsRecord],
    wanted: Sequence[tuple[str, DnsRecord]],
    foreseen: Sequence[tuple[str, RecordShape]],
    owned: Owned = (),
    force: bool = False,
) -> tuple[list[str], tuple[Change, ...]]:
    """The problems the records ``foreseen`` (vendor, shape) would meet in ``existing``,
    beside the records already ``wanted`` (vendor, record), and the changes they would make
    (to be judged further, an SPF record's lookups through DNS; never applied: the vendors'
    answers are planned after their creates)."""
    problems: list[str] = []
    fixed: list[tuple[str, DnsRecord]] = []
    for vendor, shape in foreseen:
        name = shape.at(domain)
        if name is None:
            continue  # a label the vendor picks: nothing to look at yet
        if shape.value is not None:
            record = DnsRecord(RecordType(shape.type), name, shape.value, priority=shape.priority)
            fixed.append((vendor, record))
        elif shape.type != RecordType.CNAME.value and not force:
            cname = next(
                (r for r in existing if r.type is RecordType.CNAME and _name(r.name) == name), None
            )
            if cname is not None:
                problem = (
                    f"{name} is a CNAME to {cname.value}: it cannot hold the {shape.type} "
                    f"record {vendor} will ask for (--force to do it anyway)"
                )
                if problem not in problems:
                    problems.append(problem)
    if not fixed:
        return problems, ()
    checked = plan_records(
        domain=domain,
        dns_vendor=dns_vendor,
        existing=existing,
        wanted=[*wanted, *fixed],
        owned=owned,
        force=force,
    )
    problems += [p for p in checked.problems if p not in problems]
    return problems, checked.changes


def stray_records(domain: str, made: SendingDomain, declaration: Declaration) -> list[DnsRecord]:
    """The records a vendor's answer asks for that none of its shapes foresaw (none when the
    vendor declares no shapes)."""
    if not declaration.records:
        return []
    return [
        r
        for r in made.records
        if not any(s.fits(domain, r.type.value, _name(r.name)) for s in declaration.records)
    ]


def _account(title: str, account: str | None) -> str:
    return f"the {title} account" if account is None else f"the {title} account {account}"


def over_capacity(
    domains: Sequence[tuple[str, Sequence[Key]]], declarations: Mapping[str, Declaration]
) -> dict[str, list[str]]:
    """Per configured domain, the problems of the accounts it would share beyond what an
    account holds: ``domains`` is (domain, its (vendor, account) keys) in the file's order,
    and the first ones keep the account."""
    holders: dict[Key, list[str]] = {}
    problems: dict[str, list[str]] = {}
    for domain, keys in domains:
        for key in keys:
            vendor, account = key
            limit = declarations[vendor].domains_per_account
            if limit is None:
                continue
            held = holders.setdefault(key, [])
            if len(held) < limit:
                held.append(domain)
                continue
            title = declarations[vendor].title
            problems.setdefault(domain, []).append(
                f"{_account(title, account)} holds {limit} sending domain"
                f"{'' if limit == 1 else 's'} and {', '.join(held)} has it: {domain} needs a "
                f"{title} account of its own (give it one with `account:` under {vendor})"
            )
    return problems


def account_taken(
    domain: str,
    account: str | None,
    listed: Mapping[str, SendingDomain],
    declaration: Declaration,
) -> str | None:
    """Why ``domain`` cannot be created at ``account`` of the vendor: the account already
    holds as many other sending domains as it can (None: it can be)."""
    limit = declaration.domains_per_account
    others = sorted(d for d in listed if d != domain)
    if limit is None or len(others) < limit:
        return None
    return (
        f"{_account(declaration.title, account)} already holds {', '.join(others)} "
        f"(one account holds {limit}): {domain} cannot be created there"
    )
