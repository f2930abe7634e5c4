"""``maildns onboard plan|apply|verify|status``."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.table import Table

from ._common import (
    CHANGES,
    ERROR,
    FORMAT_VERSION,
    NOT_VERIFIED,
    OK,
    UNSAFE,
    Json,
    _fail,
    _print_json,
    call,
    err,
    fit_whole,
    parse_duration,
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
SHOWN: Final = 50
"""Changes and errors a person is shown one per line; beyond that, counts (--json has all)."""
Nameserver = Annotated[
    list[str] | None,
    typer.Option("--nameserver", help="host:port to ask instead of the zone's nameservers."),
]


def _servers(nameserver: list[str] | None) -> str | None:
    return ",".join(nameserver) if nameserver else None


SHOWN_VALUE: Final = 40
"""Characters of a value the tables show (``--json`` has them whole)."""


def _change_row(change: Any, reasons: bool) -> tuple[str, str, str, str, str]:
    if change.kind == "record":
        what, name = str(change.type), change.name or ""
    else:
        what, name = change.kind.replace("_", " "), change.domain
    value = change.value or ""
    if change.kind == "record" and change.priority is not None:
        value = f"{change.priority} {value}"
    if len(value) > SHOWN_VALUE:
        value = value[: SHOWN_VALUE - 3] + "..."
    if not value and reasons and change.reason:
        value = f"({change.reason})"  # whole: it is short, and for people
    return change.action, change.vendor, what, name, value


def _changes_table(title: str, changes: Any, reasons: bool = True) -> Table:
    rows = [_change_row(change, reasons) for change in changes]
    headers = ("action", "vendor", "what", "name")
    # Names whole while the value keeps room beside them; on a narrow terminal both fold.
    whole = fit_whole(([h, *(row[i] for row in rows)] for i, h in enumerate(headers)), err.width)
    table = Table(title=title, show_lines=False)
    for column in headers:
        table.add_column(column, no_wrap=whole or column != "name", overflow="fold")
    table.add_column("value", overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _print_plan(plan: Any) -> None:
    """The plan's table (when it changes anything) and one line per refusal, on stderr."""
    if plan.changes:
        err.print(_changes_table("plan", plan.changes))
    _print_problems(plan)


def _print_problems(plan: Any) -> None:
    for domain in plan.domains:
        for problem in domain.problems:
            err.print(f"refused: {domain.domain}: {problem}", markup=False, soft_wrap=True)


def _report_document(reports: Any) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "domains": [
            {
                "domain": r.domain,
                "vendors": {
                    vendor: {
                        "status": v.status,
                        "records": [
                            {
                                "type": c.record.type.value,
                                "name": c.record.name,
                                "value": c.record.value,
                                "priority": c.record.priority,
                                "found": c.found,
                                "answers": [a.describe() for a in c.answers],
                            }
                            for c in v.records
                        ],
                    }
                    for vendor, v in r.vendors.items()
                },
            }
            for r in reports
        ],
    }


def _report_table(reports: Any) -> Table:
    table = Table(title="status")
    for column in ("domain", "vendor", "status", "records"):
        table.add_column(column, overflow="fold")
    for r in reports:
        for vendor, v in r.vendors.items():
            missing = [c.record.name for c in v.records if not c.found]
            records = f"{len(v.records) - len(missing)}/{len(v.records)} served"
            if missing:
                records += " (missing: " + ", ".join(dict.fromkeys(missing)) + ")"
            table.add_row(r.domain, vendor, v.status, records if v.records else "-")
    return table


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
) -> None:
    """Show what apply would change (exit 2 when it would change something)."""
    plan = _run(
        lambda o: o.plan(config, state=state, force=force, prune=prune, concurrency=concurrency)
    )
    document = plan.to_json()
    if out_file is not None:
        saved = {**document, "config": str(config.resolve())}
        try:
            out_file.write_text(json.dumps(saved, indent=2) + "\n")
        except OSError as error:
            _fail(f"{out_file}: cannot save the plan: {error.strerror}")
    if json_:
        _print_json(document)
    elif not plan.has_changes and not plan.has_problems:
        err.print("nothing to do")
    else:
        _print_plan(plan)
        summary = document["summary"]
        err.print(
            f"{summary['create']} to create, {summary['update']} to update, "
            f"{summary['delete']} to delete, {summary['problems']} refused"
        )
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
) -> None:
    """Make the changes: the configuration's, or exactly a saved plan's.

    Domains are applied concurrently; one that fails stops only itself. On a terminal, a
    progress bar on stderr counts them; --json prints a summary and every change.
    """
    from .. import onboarding

    config, saved = target, None
    text = _read(target)
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
            saved = onboarding.Plan.from_json(document)
            config = Path(document["config"])
        except (ValueError, KeyError, TypeError) as error:
            _fail(f"{target}: not a saved plan: {error}")
    if not yes:
        # A person confirms what they were shown: the plan, made here (apply makes it again
        # and changes nothing if the world moved in between: see PlanMovedError).
        shown = saved or _run(
            lambda o: o.plan(config, state=state, force=force, prune=prune, concurrency=concurrency)
        )
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
                state=state,
                force=force,
                prune=prune,
                concurrency=concurrency,
                on_domain=progress.finished,
                on_plan=progress.planned,
            )
        )
    plan = applied.plan
    if not plan.has_changes and not plan.has_problems:
        if json_:
            _print_json({"format_version": FORMAT_VERSION, "done": [], "failed": []})
        else:
            err.print("nothing to do")
        raise typer.Exit(OK)
    to_apply = [d.domain for d in plan.domains if d.changes and not d.problems]
    failed_domains = {c.domain: e for c, e in reversed(applied.failed)}  # the first error each
    skipped = dict(applied.skipped)
    done_domains = len(to_apply) - len(failed_domains) - len(skipped)
    if json_:
        _print_json(
            {
                "format_version": FORMAT_VERSION,
                "checksum": applied.plan.checksum(),
                "summary": {
                    "domains": len(to_apply),
                    "done": done_domains,
                    "failed": len(failed_domains),
                    "skipped": len(skipped),
                    "changes": len(applied.done),
                    "failed_changes": len(applied.failed),
                },
                "done": (c.to_json() for c in applied.done),
                "failed": ({"change": c.to_json(), "error": e} for c, e in applied.failed),
                "failed_domains": [
                    {"domain": d, "error": e} for d, e in sorted(failed_domains.items())
                ],
                "skipped_domains": [{"domain": d, "reason": r} for d, r in sorted(skipped.items())],
                "problems": [p for d in applied.plan.domains for p in d.problems],
            }
        )
    else:
        if applied.done and len(applied.done) <= SHOWN:
            err.print(_changes_table("applied", applied.done, reasons=False))
        made = len(applied.done)
        err.print(
            f"{made} change{'' if made == 1 else 's'} made, {len(applied.failed)} failed"
            f" ({done_domains} of {len(to_apply)} domains done"
            + (f", {len(skipped)} left to another worker)" if skipped else ")")
        )
    for change, why in applied.failed[:SHOWN]:
        err.print(f"error: {change.domain} {change.vendor}: {why}", markup=False)
    if len(applied.failed) > SHOWN:
        err.print(f"... and {len(applied.failed) - SHOWN} more errors (--json lists them all)")
    if yes and not json_:  # without --yes they were shown with the plan
        _print_problems(applied.plan)
    if applied.failed:
        raise typer.Exit(ERROR)
    raise typer.Exit(UNSAFE if applied.plan.has_problems else OK)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as problem:
        _fail(f"{path}: cannot read: {problem.strerror}")


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
) -> None:
    """Check DNS, ask the vendors to verify; exit 3 if not every domain is verified."""
    seconds = parse_duration(wait) if wait else 0.0

    def waiting(pending: list[str], pause: float) -> None:
        more = f" and {len(pending) - 3} more" if len(pending) > 3 else ""
        shown = ", ".join(pending[:3]) + more
        err.print(f"not verified yet: {shown}; looking again in {pause:.0f} s", markup=False)

    reports = _run(
        lambda o: o.verify(
            config,
            wait=seconds,
            state=state,
            nameservers=_servers(nameserver),
            on_wait=waiting,
            concurrency=concurrency,
        )
    )
    verified = all(r.verified for r in reports)
    if json_:
        _print_json(_report_document(reports))
    else:
        err.print(_report_table(reports))
    raise typer.Exit(OK if verified else NOT_VERIFIED)


@onboard.command("status")
def status_command(
    config: Config,
    json_: Json = False,
    state: State = None,
    nameserver: Nameserver = None,
    concurrency: Concurrency = 16,
) -> None:
    """Each domain at each vendor, with its records found or missing (asks no vendor)."""
    reports = _run(
        lambda o: o.status(
            config, state=state, nameservers=_servers(nameserver), concurrency=concurrency
        )
    )
    if json_:
        _print_json(_report_document(reports))
    else:
        err.print(_report_table(reports))
    raise typer.Exit(OK)
