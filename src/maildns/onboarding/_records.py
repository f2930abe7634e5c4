"""The records a domain's vendors ask for, against what its zone holds: the changes, or why not.

Email-aware rules (pure: no I/O; the engine feeds it the zone and the journal):

- one SPF record per name: every vendor's SPF wish and the SPF the zone already holds are
  merged into one ``v=spf1`` record (``_spf.merge``); two SPF records already at a name, an
  existing record that is not valid SPF, or a merged record whose own terms need more than
  10 DNS lookups, are refused, even when forced (receivers evaluate such a record as
  permerror). The count through nested includes needs DNS: the engine checks it after
  planning (``_spfcheck.check_budget``);
- names are compared fully qualified and case-insensitively, TXT values as their joined text;
- conflicts are refused unless forced: a CNAME where other records are needed (or the other
  way round), a DKIM selector that already holds another key, MX records that would join
  different MX records already there. A value maildns wrote itself (the journal's ``owned``)
  is updated in place instead: a vendor that rotates a key gets an update, not a duplicate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence

import attrs

from ..models import DnsRecord, RecordType
from . import _spf
from ._plan import Action, Change

Owned = Collection[tuple[RecordType, str, str]]
"""(type, name, value) of the records maildns created, from the journal."""


@attrs.frozen
class RecordPlan:
    changes: tuple[Change, ...] = ()
    problems: tuple[str, ...] = ()
    """Refusals (already excused when forced)."""


def _name(name: str) -> str:
    return name.rstrip(".").lower()


def _merged(existing: str | None, wishes: Sequence[str]) -> tuple[str, bool, tuple[str, ...]]:
    """The one SPF record, whether it differs from ``existing`` in substance, and what the
    merge dropped or rewrote, for people."""
    result = _spf.merge(existing, wishes)
    return result.text, result.changed, result.notes


def plan_records(
    *,
    domain: str,
    dns_vendor: str,
    existing: Sequence[DnsRecord],
    wanted: Sequence[tuple[str, DnsRecord]],
    owned: Owned = (),
    force: bool = False,
) -> RecordPlan:
    """The record changes that make the zone hold what every vendor in ``wanted`` asks for.

    ``existing`` is the zone's records; ``wanted`` pairs a vendor with a record it asks for.
    Changes are made at ``dns_vendor``; a conflict is a problem unless ``force``, then the
    change is made anyway (``force`` never deletes a record maildns did not create).
    """
    here: dict[str, list[DnsRecord]] = defaultdict(list)
    for record in existing:
        here[_name(record.name)].append(record)
    owned_set = {(t, _name(n), v) for t, n, v in owned}
    changes: list[Change] = []
    problems: list[str] = []

    def change(action: Action, record: DnsRecord, why: str, old: str | None = None) -> None:
        changes.append(
            Change(
                action,
                dns_vendor,
                "record",
                domain,
                record.type,
                _name(record.name),
                record.value,
                record.priority,
                old,
                why,
            )
        )

    def refuse(message: str, record: DnsRecord, why: str, old: str | None = None) -> None:
        if force:
            change("update" if old is not None else "create", record, f"{why} (forced)", old)
        else:
            problems.append(f"{message} (--force to do it anyway)")

    spf_wishes: dict[str, list[tuple[str, str]]] = defaultdict(list)
    mx_wanted: dict[str, set[tuple[str, int | None]]] = defaultdict(set)
    for _, record in wanted:
        if record.type is RecordType.MX:
            mx_wanted[_name(record.name)].add((record.value.lower(), record.priority))
    mx_refused: set[str] = set()

    for vendor, record in wanted:
        name = _name(record.name)
        at_name = here[name]
        why = f"{vendor} asks for it"
        if record.type is RecordType.TXT and _spf.is_spf(record.value):
            spf_wishes[name].append((vendor, record.value))
            continue
        cnames = [r for r in at_name if r.type is RecordType.CNAME]
        if record.type is RecordType.CNAME:
            others = [r for r in at_name if r.type is not RecordType.CNAME]
            if others:
                refuse(
                    f"{name} holds other records: it cannot be the CNAME {vendor} needs",
                    record,
                    why,
                )
            elif not cnames:
                change("create", record, why)
            elif _name(cnames[0].value) != _name(record.value):
                if (RecordType.CNAME, name, cnames[0].value) in owned_set:
                    change("update", record, f"{vendor} changed it", cnames[0].value)
                else:
                    refuse(
                        f"{name} is a CNAME to {cnames[0].value}, {vendor} needs {record.value}",
                        record,
                        why,
                        cnames[0].value,
                    )
            continue
        if cnames:
            refuse(
                f"{name} is a CNAME to {cnames[0].value}: it cannot hold the "
                f"{record.type} record {vendor} needs",
                record,
                why,
            )
            continue
        same = [
            r
            for r in at_name
            if r.type is record.type and r.value == record.value and r.priority == record.priority
        ]
        if same:
            continue
        if record.type is RecordType.TXT and "._domainkey." in f".{name}":
            keys = [r for r in at_name if r.type is RecordType.TXT]
            if keys:
                old = keys[0].value
                if (RecordType.TXT, name, old) in owned_set:
                    change("update", record, f"{vendor} rotated its DKIM key", old)
                else:
                    refuse(f"the DKIM selector {name} already holds another key", record, why, old)
                continue
        if record.type is RecordType.MX:
            foreign = sorted(
                f"{r.priority} {r.value}"
                for r in at_name
                if r.type is RecordType.MX
                and (r.value.lower(), r.priority) not in mx_wanted[name]
                and (RecordType.MX, name, r.value) not in owned_set
            )
            if foreign:
                if name not in mx_refused and not force:
                    problems.append(
                        f"MX records at {name} ({', '.join(foreign)}) would be joined by "
                        "other vendors' MX records (--force to do it anyway)"
                    )
                mx_refused.add(name)
                if not force:
                    continue
                why += " (forced)"
        change("create", record, why)

    for name, wishes in spf_wishes.items():
        current = [r for r in here[name] if r.type is RecordType.TXT and _spf.is_spf(r.value)]
        vendors = ", ".join(dict.fromkeys(v for v, _ in wishes))
        cname = next((r for r in here[name] if r.type is RecordType.CNAME), None)
        if cname is not None and not force:  # a CNAME's name holds nothing else (RFC 1034)
            problems += [
                f"{name} is a CNAME to {cname.value}: it cannot hold the TXT record {vendor} "
                "needs (--force to do it anyway)"
                for vendor in dict.fromkeys(v for v, _ in wishes)
            ]
            continue
        if len(current) > 1:
            problems.append(
                f"{name} already holds {len(current)} SPF records: mail fails SPF there; "
                "keep one and plan again"
            )
            continue
        previous = current[0].value if current else None
        # Refusals, never forced: a record receivers evaluate as permerror fails every message
        try:
            merged, changed, notes = _merged(previous, [w for _, w in wishes])
        except _spf.SpfError as error:
            problems.append(f"the SPF record at {name}: {error}")
            continue
        try:
            _spf.check_lookups(merged)  # its own terms; the nested count needs DNS (_spfcheck)
        except _spf.SpfError as error:
            problems.append(f"the merged SPF record at {name} {error}")
            continue
        record = DnsRecord(RecordType.TXT, name, merged)
        said = "".join(f"; {note}" for note in notes)  # the merge's notes reach the user
        if previous is None:
            change("create", record, f"SPF for {vendors}{said}")
        elif changed:
            change("update", record, f"SPF merged with {vendors}{said}", previous)
    return RecordPlan(tuple(changes), tuple(problems))
