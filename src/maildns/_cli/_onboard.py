"""``maildns onboard plan|apply|verify|status|check|watch``."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.table import Table

from .._core.secrets import redact_value
from ._common import (
    CHANGES,
    ERROR,
    FORMAT_VERSION,
    NOT_VERIFIED,
    OK,
    UNSAFE,
    USAGE,
    Json,
    _fail,
    _print_json,
    call,
    err,
    fit_whole,
    inform,
    out,
    parse_duration,
    summary,
)
from ._watchserve import (
    MetricsHost,
    MetricsPort,
    Observing,
    Webhook,
    check_webhook,
    observing,
)

onboard = typer.Typer(
    help="Plan, apply and verify the sending domains of a configuration.", no_args_is_help=True
)

Config = Annotated[Path, typer.Argument(help="The onboarding configuration (YAML).")]
State = Annotated[
    str | None,
    typer.Option(
        help="The journal: a SQLite file (default .maildns/state.sqlite3 beside the "
        "configuration) or postgresql://... for several workers sharing one.",
        show_default=False,
    ),
]
Force = Annotated[bool, typer.Option("--force", help="Make changes refused as unsafe.")]
Prune = Annotated[
    bool,
    typer.Option(
        "--prune",
        help="Also remove what maildns made for domains dropped from the configuration.",
    ),
]
Concurrency = Annotated[
    int,
    typer.Option(
        "--concurrency",
        min=1,
        max=256,
        help="Domains worked on at once (the vendors' rate limits still hold).",
    ),
]
PLAN_MAX_BYTES: Final = 256 * 1024 * 1024
"""The largest saved plan (or configuration) ``apply`` reads: a plan of 10,000 domains with
every record to publish is some 26 MiB."""
SHOWN: Final = 50
"""Changes and errors a person is shown one per line; beyond that, counts (--json has all)."""
Nameserver = Annotated[
    list[str] | None,
    typer.Option("--nameserver", help="host:port to ask instead of the zone's nameservers."),
]


Resolver = Annotated[
    str | None,
    typer.Option(
        "--resolver",
        help="host:port[,host:port...] of the recursive resolver that looks up what lies "
        "outside the zones (SPF includes, DMARC at the organisational domain); default "
        "MAILDNS_RESOLVER, else the system's.",
        show_default=False,
    ),
]


def _servers(nameserver: list[str] | None) -> str | None:
    return ",".join(nameserver) if nameserver else None


SHOWN_VALUE: Final = 40
"""Characters of a DKIM key the tables show (``--json`` has it whole): a key is hundreds of
characters no one reads, while every other value (a merged SPF record, a DMARC policy) is
shown whole, folded to the width, since it is what a person checks."""


def _change_row(change: Any, reasons: bool) -> tuple[str, str, str, str, str]:
    if change.kind == "record":
        what, name = str(change.type), change.name or ""
    else:
        what, name = change.kind.replace("_", " "), change.domain
    value = change.value or ""
    if change.kind == "record" and change.priority is not None:
        value = f"{change.priority} {value}"
    if len(value) > SHOWN_VALUE and "._domainkey." in name:
        value = value[: SHOWN_VALUE - 3] + "..."
    if not value and reasons and change.reason:
        value = f"({change.reason})"  # whole: it is short, and for people
    vendor = change.vendor if change.account is None else f"{change.vendor} ({change.account})"
    return change.action, vendor, what, name, value


def _changes_table(title: str, changes: Any, reasons: bool = True) -> Table:
    rows = [_change_row(change, reasons) for change in changes]
    headers = ("action", "vendor", "what", "name")
    # Names whole while the value keeps room beside them; on a narrow terminal both fold.
    whole = fit_whole(([h, *(row[i] for row in rows)] for i, h in enumerate(headers)), out.width)
    table = Table(title=title, show_lines=False)
    for column in headers:
        table.add_column(column, no_wrap=whole or column != "name", overflow="fold")
    table.add_column("value", overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _print_plan(plan: Any) -> None:
    """The plan's table (when it changes anything) on stdout, and one line per refusal on
    stderr."""
    if plan.changes:
        out.print(_changes_table("plan", plan.changes))
    _print_problems(plan)


def _print_notes(plan: Any) -> None:
    """What people should know about the journal (a prune leaving rows alone, state held
    under another configuration's name), a line each on stderr, even with --json."""
    for note in plan.notes:
        err.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)


def _print_problems(plan: Any, errors: bool = True) -> None:
    """A line per refusal, and (``errors``) per domain that could not be planned."""
    for domain in plan.domains:
        for problem in domain.problems:
            err.print(f"refused: {domain.domain}: {problem}", markup=False, soft_wrap=True)
        if errors and domain.error is not None:
            err.print(f"error: {domain.domain}: {domain.error}", markup=False, soft_wrap=True)


def _report_document(reports: Any) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "verified": all(r.verified for r in reports),
        "domains": [
            {
                "domain": r.domain,
                "verified": r.verified,
                "vendors": {
                    vendor: {
                        "status": v.status,
                        **({"error": v.error} if v.error is not None else {}),
                        "records": [
                            {
                                "type": c.record.type.value,
                                "name": c.record.name,
                                "value": c.record.value,
                                "priority": c.record.priority,
                                "state": c.state,
                                "found": c.found,
                                "answers": [a.describe() for a in c.answers],
                            }
                            for c in v.records
                        ],
                    }
                    for vendor, v in r.vendors.items()
                },
                "facts": [f.to_json() for f in r.facts],
            }
            for r in reports
        ],
    }


def _records_cell(vendor_report: Any) -> str:
    """``3/4 served (missing: a; unknown: b at 127.0.0.1:53 timeout)``: a record no server
    answered for is unknown, never missing."""
    checks = vendor_report.records
    if not checks:
        return f"- ({vendor_report.error})" if vendor_report.error else "-"
    served = sum(1 for c in checks if c.state == "served")
    text = f"{served}/{len(checks)} served"
    missing = dict.fromkeys(c.record.name for c in checks if c.state == "missing")
    unknown = dict.fromkeys(
        f"{c.record.name} ({', '.join(c.unanswered())})" for c in checks if c.state == "unknown"
    )
    parts = []
    if missing:
        parts.append("missing: " + ", ".join(missing))
    if unknown:
        parts.append("unknown, no answer: " + ", ".join(unknown))
    if vendor_report.error:
        parts.append(f"vendor: {vendor_report.error}")
    return text + (f" ({'; '.join(parts)})" if parts else "")


def _report_table(reports: Any) -> Table:
    table = Table(title="status")
    for column in ("domain", "vendor", "status", "records"):
        table.add_column(column, overflow="fold")
    for r in reports:
        for vendor, v in r.vendors.items():
            table.add_row(r.domain, vendor, v.status, _records_cell(v))
        if r.facts:
            table.add_row(r.domain, "receivers", *_facts_cells(r.facts))
    return table


def _facts_cells(facts: Any) -> tuple[str, str]:
    """What receivers would conclude: ``pass`` (or the worst result) and, for each fact that
    does not pass, ``rule: detail``."""
    order = ("fail", "unknown", "warn", "pass")
    worst = min((f.result for f in facts), key=order.index)
    shown = [
        f"{f.rule}{f' ({f.vendor})' if f.vendor else ''} {f.result}: {f.detail}"
        for f in facts
        if f.result != "pass"
    ]
    return worst, "; ".join(shown) or f"{len(facts)} checks pass"


class _Checking:
    """While verify or status checks domains: a live count on a terminal, else a line every
    ``EVERY`` seconds, so that a long round is never silent."""

    EVERY: Final = 10.0

    def __init__(self) -> None:
        self.checked: set[str] = set()
        self.verified: set[str] = set()
        self._last = time.monotonic()
        self._status: Any = None

    def __enter__(self) -> _Checking:
        if err.is_terminal:
            self._status = err.status(self._text())
            self._status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()

    def _text(self) -> str:
        return f"checked {len(self.checked)} domains, {len(self.verified)} verified"

    def heard(self, domain_report: Any) -> None:
        self.checked.add(domain_report.domain)
        if domain_report.verified:
            self.verified.add(domain_report.domain)
        else:
            self.verified.discard(domain_report.domain)
        if self._status is not None:
            self._status.update(self._text())
        elif time.monotonic() - self._last >= self.EVERY:
            self._last = time.monotonic()
            err.print(self._text(), markup=False, highlight=False)


class _Progress:
    """A progress bar on stderr (done, failed, pending, rate, time left) when stderr is a
    terminal; nothing otherwise. ``finished(domain, error)`` counts a domain."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.total = 0
        self.failed = 0
        self.done = 0
        self._bar: Any = None
        self._started = time.monotonic()

    def planned(self, plan: Any) -> None:
        """The plan is known (a streamed apply's once every zone is read): its domains with
        changes (and no problems) are the total."""
        self.total = sum(1 for d in plan.domains if d.changes and not d.problems)
        what = self.what
        if err.is_terminal and self.total > 0:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn(f"{what}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            # A streamed apply knows its plan after its first domains: they count already.
            self._task = self._bar.add_task(
                what, total=self.total, completed=self.done + self.failed, **self._fields()
            )
            self._bar.start()

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def finished(self, domain: str, error: str | None) -> None:
        if error is None:
            self.done += 1
        else:
            self.failed += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, **self._fields())

    def _fields(self) -> dict[str, str]:
        finished = self.done + self.failed
        elapsed = time.monotonic() - self._started  # from the start: a streamed apply's bar
        rate = f"{finished / elapsed:.1f}/s" if finished and elapsed > 0 else ""  # starts late
        pending = self.total - finished
        return {
            "counts": f"done {self.done}  failed {self.failed}  pending {pending}",
            "rate": rate,
        }


def _plan_options(
    state: str | None, force: bool, prune: bool, concurrency: int, resolver: str | None
) -> dict[str, Any]:
    """The keyword arguments of ``onboarding.plan`` that plan and apply take alike."""
    return {
        "state": state,
        "force": force,
        "prune": prune,
        "concurrency": concurrency,
        "resolver": resolver,
    }


def _run(action: Any) -> Any:
    from .. import onboarding

    return call(lambda: action(onboarding))


@onboard.command("plan")
def plan_command(
    config: Config,
    json_: Json = False,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Save the plan for `apply PLAN`.")
    ] = None,
    state: State = None,
    force: Force = False,
    prune: Prune = False,
    concurrency: Concurrency = 16,
    resolver: Resolver = None,
) -> None:
    """Show what apply would change (exit 2 when it would change something)."""
    options = _plan_options(state, force, prune, concurrency, resolver)
    plan = _run(lambda o: o.plan(config, **options))
    document = plan.to_json()
    _print_notes(plan)
    if out_file is not None:
        saved = {**document, "config": str(config.resolve())}
        try:
            out_file.write_text(json.dumps(redact_value(saved), indent=2) + "\n")
        except OSError as error:
            _fail(f"{out_file}: cannot save the plan: {error.strerror}")
    if json_:
        _print_json(document)
    elif not plan.has_changes and not plan.has_problems and not plan.errors:
        summary("nothing to do")
    else:
        _print_plan(plan)
        counts = document["summary"]
        summary(
            f"{counts['create']} to create, {counts['update']} to update, "
            f"{counts['delete']} to delete, {counts['problems']} refused"
            + (f", {counts['errors']} could not be planned" if counts["errors"] else "")
        )
    if plan.errors:
        raise typer.Exit(ERROR)  # the plan is not whole: what it could not read is unknown
    if plan.has_problems:
        raise typer.Exit(UNSAFE)
    raise typer.Exit(CHANGES if plan.has_changes else OK)


@onboard.command("apply")
def apply_command(
    target: Annotated[Path, typer.Argument(help="A configuration, or a plan saved by --out.")],
    yes: Annotated[bool, typer.Option("--yes", help="Apply without asking.")] = False,
    force: Force = False,
    prune: Prune = False,
    json_: Json = False,
    state: State = None,
    concurrency: Concurrency = 16,
    resolver: Resolver = None,
) -> None:
    """Make the changes: the configuration's, or exactly a saved plan's.

    Domains are applied concurrently; one that fails stops only itself. On a terminal, a
    progress bar on stderr counts them; --json prints a summary and every change.
    """

    options = _plan_options(state, force, prune, concurrency, resolver)
    config, saved = target, None
    data = _read(target)
    if data.lstrip().startswith(b"{"):
        saved, config = _saved_plan(target, data)
    if not yes:
        # A person confirms what they were shown: the plan, made here (apply makes it again
        # and changes nothing if the world moved in between: see PlanMovedError).
        shown = saved or _run(lambda o: o.plan(config, **options))
        if shown.has_changes or shown.has_problems:
            if not json_:
                _print_plan(shown)
            if not sys.stdin.isatty():
                _fail("apply needs --yes when there is no terminal to confirm on")
            if not typer.confirm("Apply these changes?", err=True):
                _fail("not applied")
    with _Progress("applying") as progress:
        applied = _run(
            lambda o: o.apply(
                config,
                saved,
                **options,
                on_domain=progress.finished,
                on_plan=progress.planned,
            )
        )
    plan = applied.plan
    _print_notes(plan)
    if not plan.has_changes and not plan.has_problems and not plan.errors:
        if json_:
            _print_json(applied.to_json())
        else:
            summary("nothing to do")
        raise typer.Exit(OK)
    if json_:
        _print_json(applied.to_json())
    else:
        if applied.done and len(applied.done) <= SHOWN:
            out.print(_changes_table("applied", applied.done, reasons=False))
        _print_errors(applied)
        summary(_summary_line(applied))
    if yes and not json_:  # without --yes they were shown with the plan
        _print_problems(applied.plan, errors=False)  # apply's own lines said them
    if not applied.finished:
        raise typer.Exit(ERROR)
    raise typer.Exit(UNSAFE if applied.plan.has_problems else OK)


def _print_errors(applied: Any) -> None:
    """Each domain that did not finish, one line each, grouped by the error (a vendor gone
    away is one line naming how many domains it stopped, not one line per domain)."""
    by_error: dict[tuple[str, str], list[str]] = {}
    for domain, (outcome, why) in applied.domains().items():
        if outcome in ("failed", "unknown", "not started"):
            by_error.setdefault((outcome, why), []).append(domain)
    for shown, ((outcome, why), domains) in enumerate(by_error.items()):
        if shown == SHOWN:
            err.print(f"... and {len(by_error) - SHOWN} more errors (--json lists them all)")
            break
        names = ", ".join(domains[:3]) + (
            f" and {len(domains) - 3} more" if len(domains) > 3 else ""
        )
        label = "error" if outcome == "failed" else outcome
        err.print(f"{label}: {names}: {why}", markup=False, highlight=False, soft_wrap=True)


def _summary_line(applied: Any) -> str:
    """``12 changes made, 1 failed, 2 unknown (280 of 300 domains done, 5 failed, 15 not
    started); run apply again ...``."""
    summary = applied.summary()
    made = summary["changes"]
    text = f"{made} change{'' if made == 1 else 's'} made, {summary['failed_changes']} failed"
    if summary["unknown_changes"]:
        text += f", {summary['unknown_changes']} unknown"
    domains = f"{summary['done']} of {summary['domains']} domains done"
    for key, words in (
        ("failed", "failed"),
        ("unknown", "unknown"),
        ("not_started", "not started"),
        ("skipped", "left to another worker"),
    ):
        if summary[key]:
            domains += f", {summary[key]} {words}"
    text += f" ({domains})"
    if summary["unknown"] or summary["not_started"] or summary["failed"]:
        text += "; run apply again to settle what is unknown and finish the rest"
    return text


def _read(path: Path) -> bytes:
    """What ``apply`` was given, read as a configuration is (see ``onboarding._files``): a
    regular file, at most as large as a saved plan may be."""
    from ..onboarding._files import FileProblem, read_regular

    try:
        return read_regular(path, PLAN_MAX_BYTES, "a saved plan")
    except FileProblem as problem:
        _fail(f"{path}: {problem.message}")


def _saved_plan(path: Path, data: bytes) -> tuple[Any, Path]:
    """The plan saved at ``path`` (its bytes ``data``) and the configuration it was made
    from; one line naming the file and the problem when it is not a saved plan."""
    from ..onboarding import Plan
    from ..onboarding._files import FileProblem, utf8_text

    try:
        document = json.loads(utf8_text(data))
    except FileProblem as problem:
        where = f"{path}:{problem.line}" if problem.line else str(path)
        _fail(f"{where}: not a saved plan: it {problem.message}")
    except RecursionError:
        _fail(f"{path}: not a saved plan: nested too deeply to be one")
    except ValueError as error:
        _fail(f"{path}: not a saved plan: {error}")
    try:
        plan = Plan.from_json(document)
    except ValueError as error:
        _fail(f"{path}: not a saved plan: {error}")
    made_from = document.get("config")
    if not isinstance(made_from, str) or not made_from:
        _fail(f"{path}: not a saved plan: it names no configuration (config)")
    return plan, Path(made_from)


@onboard.command("verify")
def verify_command(
    config: Config,
    wait: Annotated[
        str | None, typer.Option(help="Poll until verified or this long: 90, 30s, 10m, 2h.")
    ] = None,
    json_: Json = False,
    state: State = None,
    nameserver: Nameserver = None,
    concurrency: Concurrency = 16,
    resolver: Resolver = None,
) -> None:
    """Check DNS, ask the vendors to verify; exit 3 if not every domain is verified."""
    seconds = parse_duration(wait) if wait else 0.0

    def waiting(pending: list[str], pause: float) -> None:
        more = f" and {len(pending) - 3} more" if len(pending) > 3 else ""
        shown = ", ".join(pending[:3]) + more
        err.print(f"not verified yet: {shown}; looking again in {pause:.0f} s", markup=False)

    with _Checking() as checking:
        reports = _run(
            lambda o: o.verify(
                config,
                wait=seconds,
                state=state,
                nameservers=_servers(nameserver),
                on_wait=waiting,
                on_checked=checking.heard,
                concurrency=concurrency,
                resolver=resolver,
            )
        )
    _print_reports(reports, json_)


@onboard.command("status")
def status_command(
    config: Config,
    json_: Json = False,
    state: State = None,
    nameserver: Nameserver = None,
    concurrency: Concurrency = 16,
    resolver: Resolver = None,
) -> None:
    """Each domain at each vendor, its records served, missing or unknown (asks no vendor to
    verify); exit 3 unless every domain is verified and served, as verify."""
    with _Checking() as checking:
        reports = _run(
            lambda o: o.status(
                config,
                state=state,
                nameservers=_servers(nameserver),
                on_checked=checking.heard,
                concurrency=concurrency,
                resolver=resolver,
            )
        )
    _print_reports(reports, json_)


def _print_reports(reports: Any, json_: bool) -> None:
    """The report (a table, or --json) and the exit code: 0 when every domain is verified
    and every record served, else 3."""
    if json_:
        _print_json(_report_document(reports))
    else:
        out.print(_report_table(reports))
    raise typer.Exit(OK if all(r.verified for r in reports) else NOT_VERIFIED)


@onboard.command("check")
def check_command(
    config: Config,
    json_: Json = False,
    selector: Annotated[
        list[str] | None,
        typer.Option(
            "--selector",
            help="A DKIM selector to judge too (name for name._domainkey.<domain>).",
        ),
    ] = None,
    state: State = None,
    resolver: Resolver = None,
) -> None:
    """Judge each domain as Gmail, Yahoo and Outlook do for bulk senders (SPF, the vendors'
    sending addresses, DKIM keys, DMARC, alignment, MX), from DNS alone; exit 3 unless
    every domain passes."""
    compliance = _run(
        lambda o: o.check(config, resolver=resolver, selectors=selector or (), state=state)
    )
    compliant = all(c.compliant for c in compliance)
    if json_:
        _print_json(
            {
                "format_version": FORMAT_VERSION,
                "compliant": compliant,
                "domains": [
                    {
                        "domain": c.domain,
                        "compliant": c.compliant,
                        "facts": [f.to_json() for f in c.facts],
                    }
                    for c in compliance
                ],
            }
        )
    else:
        table = Table(title="check")
        for column in ("domain", "rule", "result", "detail"):
            table.add_column(column, overflow="fold")
        for c in compliance:
            for f in c.facts:
                rule = f"{f.rule} ({f.vendor})" if f.vendor else f.rule
                table.add_row(c.domain, rule, f.result, f.detail)
        out.print(table)
        passed = sum(1 for c in compliance if c.compliant)
        err.print(f"{passed} of {len(compliance)} domains pass", highlight=False)
    raise typer.Exit(OK if compliant else NOT_VERIFIED)


def parse_budget(text: str) -> float:
    """``10%`` or ``0.1`` as a fraction above 0, at most 1."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a share such as 10% or 0.1") from None
    if not 0 < value <= 1:
        raise typer.BadParameter(f"{text!r} must be above 0 and at most 100%")
    return value


def _event_line(event: Any) -> None:
    """One event as a JSON line on stdout, at once (a pipe reads it as it happens)."""
    sys.stdout.write(json.dumps(event.to_json(), separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _ready_line(watcher: Any, interval: float, once: bool) -> None:
    shares = ", ".join(
        f"{s.vendor} {s.share:g}/s ({s.needed} per interval)" for s in watcher.shares().values()
    )
    every = "once over" if once else "every"
    count = len(watcher.found)
    domains = f"{count} domain" if count == 1 else f"{count} domains"
    inform(
        f"watching {domains} {every} {interval:g} s; budget: {shares or 'no vendor'}"
        + ("; repairing what maildns owns" if watcher.repair else "")
    )


def _progress_line(progress: Any) -> None:
    """After each interval, one line on stderr (never stdout: the events' JSON lines), so that
    whoever tails a watch that runs for hours sees it alive and working."""
    inform(progress.describe(), progress=progress.to_json())


@onboard.command("watch")
def watch_command(
    config: Config,
    interval: Annotated[
        str,
        typer.Option(help="Check each domain once per this long: 90, 30s, 10m, 2h."),
    ] = "1h",
    budget: Annotated[
        str,
        typer.Option(help="The share of each vendor's rate limit watch may spend: 10% or 0.1."),
    ] = "10%",
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Put back what maildns owns and lost (never a foreign edit); without it, "
            "watch never writes.",
        ),
    ] = False,
    once: Annotated[
        bool,
        typer.Option("--once", help="Check every domain once, over one interval, then exit."),
    ] = False,
    state: State = None,
    nameserver: Nameserver = None,
    concurrency: Concurrency = 16,
    resolver: Resolver = None,
    metrics_port: MetricsPort = None,
    metrics_host: MetricsHost = "127.0.0.1",
    webhook: Webhook = None,
) -> None:
    """Keep the configuration's domains healthy: each checked once per interval, each change
    of state printed as a JSON line on stdout (record_missing, vendor_unverified, ...); runs
    until SIGTERM or Ctrl-C (exit 0), or with --once for one interval."""
    import asyncio
    import signal

    seconds = parse_duration(interval)
    if seconds <= 0:
        raise typer.BadParameter("must be above 0", param_hint="--interval")
    share = parse_budget(budget)
    secret = check_webhook(webhook)

    from .. import onboarding
    from ..onboarding import WatchError

    async def main(observed: Observing) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        try:
            await onboarding.awatch(
                config,
                interval=seconds,
                budget=share,
                repair=repair,
                on_event=observed.on_event,
                observer=observed.observer,
                stop=stop,
                once=once,
                on_ready=lambda w: _ready_line(w, seconds, once),
                on_progress=_progress_line,
                nameservers=_servers(nameserver),
                state=state,
                concurrency=concurrency,
                resolver=resolver,
            )
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
        if stop.is_set():
            inform("stopped: the checks in flight have ended")

    def run() -> WatchError | None:
        try:
            with observing(
                _event_line,
                metrics_port=metrics_port,
                metrics_host=metrics_host,
                webhook=webhook,
                secret=secret,
                interval=seconds,
            ) as observed:
                asyncio.run(main(observed))
        except WatchError as error:
            return error
        return None

    refused = call(run)
    if refused is not None:
        _fail(str(refused), USAGE, refused)
