"""Checks: relapse risk, visits behind schedule, exit candidates. Exit 1 when something is found.

Exit status 0: nothing found; 1: something found (printed); 2: an error. For cron and CI.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..i18n import _
from .common import Format, command, format_option, guarded, open_db, today, validate_format
from .report import By, UnitOpt, by_unit

NAME = "check"
app = typer.Typer()

AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help=_("Answer as of this day (default today): later data is ignored.")),
]


def _as_of(text: str | None):
    from ..parse import date

    return date(text or today(), "as-of", today=today())


def print_sections(sections) -> None:
    from rich.markup import escape

    from ..checks.common import NOTHING
    from ..render import console, print_table

    out = console(sys.stdout)
    for i, s in enumerate(sections):
        if i:
            out.print()
        out.print(f"[bold]{escape(s.title)}[/bold]")
        if s.rows:
            print_table(out, s.rows, s.columns, s.headers)
        else:
            out.print(escape(_(NOTHING)))


def _run(name: str, as_of: str | None, fmt: str, mark: bool = False, **options) -> None:
    from ..checks import module
    from ..render import to_csv, to_json

    fmt = validate_format(fmt)
    day = _as_of(as_of)
    db = open_db(create=False)
    check = module(name)
    result = check.run(db, day, **options)
    if mark:
        n = check.mark(db, result, today())
        sys.stderr.write(_("Marked {n} household(s) relapsed on {day}.").format(n=n, day=day) + "\n")
    if fmt == "json":
        sys.stdout.write(to_json(check.public(result)) + "\n")
    elif fmt == "csv":
        columns, rows = check.csv_rows(result)
        sys.stdout.write(to_csv(rows, columns))
    else:
        print_sections(check.sections(result))
    if check.found(result):
        raise typer.Exit(1)


@app.callback(invoke_without_command=True)
@guarded
def all_checks(
    ctx: typer.Context,
    as_of: AsOf = None,
    fmt: Annotated[str, format_option(_("table or json."))] = "table",
) -> None:
    """Run every check (relapse, visits, exits, escalations, plans, monitor); exit 1 on a finding.

    Example: aidtrack check --as-of 2004-10-15 --format json
    """
    if ctx.invoked_subcommand is not None:
        if as_of is not None or fmt != "table":
            from ..model import AidtrackError

            raise AidtrackError(
                "as-of" if as_of is not None else "format",
                as_of or fmt,
                _("give it after the check's name: aidtrack check {name} --as-of … --format …").format(
                    name=ctx.invoked_subcommand
                ),
            )
        return
    from ..checks import NAMES, module
    from ..render import to_json

    fmt = validate_format(fmt, ("table", "json"))
    day = _as_of(as_of)
    db = open_db(create=False)
    results = {name: module(name).run(db, day) for name in NAMES}
    if fmt == "json":
        sys.stdout.write(to_json({n: module(n).public(r) for n, r in results.items()}) + "\n")
    else:
        print_sections([s for n, r in results.items() for s in module(n).sections(r)])
    if any(module(n).found(r) for n, r in results.items()):
        raise typer.Exit(1)


@command(app)
def relapse(
    as_of: AsOf = None,
    fmt: Format = "table",
    mark: Annotated[
        bool, typer.Option("--mark", help=_("Set each household found to relapsed (dated as-of), audited."))
    ] = False,
) -> None:
    """Households out of poverty at risk of relapse (返贫), with the figures behind each reason.

    Reasons: shock, income_drop, below_line, no_income. --mark records each household found as
    relapsed on the as-of day (status history and audit log); without it nothing is written.

    Example: aidtrack check relapse --as-of 2004-10-15 --mark
    """
    _run("relapse", as_of, fmt, mark)


@command(app)
def visits(as_of: AsOf = None, fmt: Format = "table", by: By = None, unit: UnitOpt = None) -> None:
    """Visits owed this quarter, follow-ups and escalations overdue, unpaired households.

    Also lists cadres paired with more than one household (one helps one: reported, not refused).

    Example: aidtrack check visits --as-of 2004-09-15
    """
    _run("visits", as_of, fmt, unit=unit, by_unit=by_unit(by, unit))


@command(app)
def exits(as_of: AsOf = None, fmt: Format = "table") -> None:
    """Candidates for exit (脱贫): income per person at or above the line for exit_months months.

    Enrolled or relapsed households only; the check proposes, a person decides with
    `aidtrack household status H01 --set exited`.

    Example: aidtrack check exits --as-of 2004-12-31 --format csv
    """
    _run("exits", as_of, fmt)


@command(app)
def plans(as_of: AsOf = None, fmt: Format = "table") -> None:
    """Plans (一户一策): measures past due, causes with no open measure, households with no plan.

    Example: aidtrack check plans --as-of 2004-09-30
    """
    _run("plans", as_of, fmt)


@command(app)
def monitor(as_of: AsOf = None, fmt: Format = "table") -> None:
    """Monitoring (防止返贫动态监测): candidates by category, and households ready for risk elimination.

    Watch band: income per person over the last 12 ended months under watch_ratio × the poverty
    line. Ready: stable_months ended months above that line and no open measure.

    Example: aidtrack check monitor --as-of 2004-10-15
    """
    _run("monitor", as_of, fmt)


@command(app)
def escalations(as_of: AsOf = None, fmt: Format = "table") -> None:
    """Escalated problems not studied within escalation_days, and decisions past their deadline.

    Ageing counts from the escalation's own date (aidtrack problem escalate); a meeting studies a
    problem with `aidtrack meeting item`.

    Example: aidtrack check escalations --as-of 2004-11-30
    """
    _run("escalations", as_of, fmt)
