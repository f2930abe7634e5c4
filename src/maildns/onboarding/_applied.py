"""What an apply did: every domain done, failed, unknown, not started or left to another worker.

A step's effect is one of three: made (``done``), not made (``failed``: the vendor answered
no, or the request never left), or ``unknown`` (no answer came after the request may have
reached the vendor: a time-out, a dropped connection, a 5xx, an answer that did not parse).
An unknown step stays open in the journal; the next apply settles it by looking at the world,
so that what maildns made is always recorded as its own.

A vendor that stops answering trips its :class:`Breaker`: the run sends it nothing more, and
the domains that had not started are reported ``not started`` rather than failed one by one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any, Final, Literal

import attrs

from ..errors import APIConnectionError, APIError, MailDnsError
from ._plan import FORMAT_VERSION, Change, Plan

DomainOutcome = Literal["done", "failed", "unknown", "not started", "skipped"]


def _never_connected(error: APIConnectionError) -> bool:
    """Whether the request never left: no connection could be made (so nothing was sent)."""
    import httpx  # only once a request failed: it is loaded by then

    return isinstance(
        error.__cause__, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
    )


def effect_unknown(error: MailDnsError) -> bool:
    """Whether a vendor may have acted on a call that ended in ``error``: a request that
    changes something was sent and its answer never came, or never made sense (see
    :attr:`~maildns.errors.APIError.may_have_acted`). A refusal (4xx) or a connection never
    made is a plain failure: nothing happened."""
    return isinstance(error, APIError) and error.may_have_acted


class Unreachable(MailDnsError):
    """A vendor was found unreachable earlier in this run: nothing more is sent to it."""

    def __init__(self, vendor: str, last: str) -> None:
        self.vendor = vendor
        self.last = last
        super().__init__(f"{vendor} is unreachable (last error: {last})")


class Breaker:
    """Trips for a vendor that has gone away, so that a run stops sending to it instead of
    waiting out every domain's retries: at once when a call could not even connect (after the
    client's own retries), else after ``threshold`` consecutive calls that got no answer
    (reset, dropped, timed out)."""

    THRESHOLD: Final = 3

    def __init__(self, threshold: int = THRESHOLD) -> None:
        self.threshold = threshold
        self._failures: Counter[str] = Counter()
        self.tripped: dict[str, str] = {}
        """vendor -> the last error before it tripped."""

    def check(self, vendor: str) -> None:
        """Raise :class:`Unreachable` once ``vendor`` has tripped."""
        if vendor in self.tripped:
            raise Unreachable(vendor, self.tripped[vendor])

    def heard(self, vendor: str, error: BaseException | None) -> None:
        """A call to ``vendor`` ended: answered (``error`` None, or an answer such as a 4xx),
        or not."""
        if isinstance(error, APIConnectionError):
            self._failures[vendor] += 1
            if self._failures[vendor] >= self.threshold or _never_connected(error):
                self.tripped.setdefault(vendor, str(error))
        else:
            self._failures[vendor] = 0


@attrs.define
class Outcome:
    """What one domain's apply did."""

    done: list[Change] = attrs.Factory(list)
    failed: list[tuple[Change, str]] = attrs.Factory(list)
    unknown: list[tuple[Change, str]] = attrs.Factory(list)
    not_started: str | None = None
    """Why none of its changes was tried (a vendor unreachable)."""


@attrs.frozen(repr=False)
class Applied:
    """What an apply did."""

    plan: Plan
    done: tuple[Change, ...] = ()
    failed: tuple[tuple[Change, str], ...] = ()
    """Changes not made: the vendor refused, or the request never reached it."""
    unknown: tuple[tuple[Change, str], ...] = ()
    """Changes whose effect is unknown (no answer came): the next apply settles them."""
    not_started: tuple[tuple[str, str], ...] = ()
    """(domain, why): nothing was tried, a vendor being unreachable."""
    stopped: tuple[tuple[str, DomainOutcome, str], ...] = ()
    """(domain, ``failed`` or ``unknown``, why) of each domain a step stopped: the first error
    (a zone's change names the zone, not the sending domain it was made for)."""
    skipped: tuple[tuple[str, str], ...] = ()
    """(domain, why): left to another worker, which held its zone or changed it since this
    apply's plan was read."""

    def __repr__(self) -> str:  # counts, as Plan's
        return (
            f"<Applied {len(self.done)} done, {len(self.failed)} failed,"
            f" {len(self.unknown)} unknown, {len(self.not_started)} not started,"
            f" {len(self.skipped)} skipped of {self.plan!r}>"
        )

    @property
    def finished(self) -> bool:
        """Every change made: nothing failed, unknown, unplanned or not started."""
        return not (self.failed or self.unknown or self.not_started or self.plan.errors)

    def domains(self) -> dict[str, tuple[DomainOutcome, str]]:
        """Each domain the apply worked on, or had to (changes, or an error reading it), in the
        plan's order: its outcome and why (the first error, for a domain that failed)."""
        stopped = {domain: (outcome, why) for domain, outcome, why in self.stopped}
        not_started = dict(self.not_started)
        skipped = dict(self.skipped)
        out: dict[str, tuple[DomainOutcome, str]] = {}
        for d in self.plan.domains:
            if d.problems:
                continue  # refused: the plan says why
            if d.error is not None:
                out[d.domain] = (
                    ("not started", d.error)
                    if d.domain in not_started
                    else (
                        "failed",
                        d.error,
                    )
                )
            elif d.domain in not_started:
                out[d.domain] = ("not started", not_started[d.domain])
            elif not d.changes:
                continue
            elif d.domain in stopped:
                out[d.domain] = stopped[d.domain]
            elif d.domain in skipped:
                out[d.domain] = ("skipped", skipped[d.domain])
            else:
                out[d.domain] = ("done", "")
        return out

    def summary(self) -> dict[str, int]:
        counts = Counter(outcome for outcome, _ in self.domains().values())
        return {
            "domains": sum(counts.values()),
            "done": counts["done"],
            "failed": counts["failed"],
            "unknown": counts["unknown"],
            "not_started": counts["not started"],
            "skipped": counts["skipped"],
            "changes": len(self.done),
            "failed_changes": len(self.failed),
            "unknown_changes": len(self.unknown),
        }

    def to_json(self) -> dict[str, Any]:
        """The versioned document ``apply --json`` prints; the long lists are iterators, so
        that ten thousand domains' changes are written one at a time."""
        domains = self.domains()

        def listed(outcome: DomainOutcome, key: str) -> list[dict[str, str]]:
            return [{"domain": d, key: why} for d, (o, why) in domains.items() if o == outcome]

        def changes(pairs: tuple[tuple[Change, str], ...]) -> Iterator[dict[str, Any]]:
            return ({"change": c.to_json(), "error": e} for c, e in pairs)

        return {
            "format_version": FORMAT_VERSION,
            "checksum": self.plan.checksum(),
            "summary": self.summary(),
            "done": (c.to_json() for c in self.done),
            "failed": changes(self.failed),
            "unknown": changes(self.unknown),
            "failed_domains": sorted(listed("failed", "error"), key=lambda x: x["domain"]),
            "unknown_domains": sorted(listed("unknown", "error"), key=lambda x: x["domain"]),
            "not_started_domains": sorted(
                listed("not started", "reason"), key=lambda x: x["domain"]
            ),
            "skipped_domains": sorted(listed("skipped", "reason"), key=lambda x: x["domain"]),
            "problems": [p for d in self.plan.domains for p in d.problems],
        }
