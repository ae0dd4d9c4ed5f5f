"""Checks: relapse risk, visits behind schedule, exit candidates. Exit 1 when something is found.

Exit status 0: nothing found; 1: something found (printed); 2: an error. For cron and CI.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..i18n import _
from .common import (
    REPORT_FORMATS,
    ByFinding,
    Out,
    ReportFormat,
    UnitOpt,
    by_unit,
    command,
    guarded,
    open_db,
    output,
    today,
    validate_format,
)

NAME = "check"
app = typer.Typer()

AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help=_("Answer as of this day (default today): later data is ignored.")),
]


def _as_of(text: str | None):
    from ..parse import date

    return date(text or today(), "as-of", today=today())


def print_sections(sections, fmt: str = "table", first: bool = True) -> None:
    """Titled tables (checks.common.Section) on standard output, as a terminal table or Markdown;
    a section without findings says "Nothing found.". `first`: no section printed before these
    (else they are parted from it as from each other)."""
    from ..checks.common import NOTHING

    if fmt == "markdown":
        from ..render import to_markdown

        parts = [
            to_markdown(s.rows, s.columns, s.headers, s.title)
            if s.rows
            else f"## {s.title}\n\n{_(NOTHING)}\n"
            for s in sections
        ]
        sys.stdout.write(("" if first or not parts else "\n") + "\n".join(parts))
        return
    from rich.markup import escape

    from ..render import console, print_table

    out = console(sys.stdout)
    for i, s in enumerate(sections):
        if i or not first:
            out.print()
        out.print(f"[bold]{escape(s.title)}[/bold]")
        if s.rows:
            print_table(out, s.rows, s.columns, s.headers)
        else:
            out.print(escape(_(NOTHING)))


def _show(name: str, result: dict[str, Any], fmt: str) -> None:
    """One check's result, read into lists (check.run: `--mark`, tables), in the format; JSON and CSV
    otherwise go through `_write_streamed`, the same text."""
    from ..checks import module
    from ..checks.common import csv_table, table_sections
    from ..render import to_csv, to_json

    if fmt == "json":
        sys.stdout.write(to_json(module(name).public(result)) + "\n")
    elif fmt == "csv":
        columns, rows = csv_table(module(name), result)
        sys.stdout.write(to_csv(rows, columns))
    else:
        print_sections(table_sections(module(name), result), fmt)


def _run(
    name: str,
    as_of: str | None,
    fmt: str,
    out: Path | None,
    by: str | None,
    unit: str | None,
    mark: bool = False,
) -> None:
    from ..checks import module

    fmt = validate_format(fmt, REPORT_FORMATS)
    grouped = by_unit(by, unit)
    day = _as_of(as_of)
    db = open_db(create=False)
    check = module(name)
    with output(out):
        if fmt in ("json", "csv") and not mark:
            # written as the findings come (checks.common.Stream), never all held at once
            result = check.stream(db, day, unit=unit, by_unit=grouped)
            _write_streamed({name: result}, fmt, single=True)
        else:
            result = check.run(db, day, unit=unit, by_unit=grouped)
            if mark:
                n = check.mark(db, result, today())
                sys.stderr.write(
                    _(
                        "Opened {n} relapse case(s) dated {day}; no status is changed until a case is approved."
                    ).format(n=n, day=day)
                    + "\n"
                )
            _show(name, result, fmt)
    if check.found(result):
        raise typer.Exit(1)


@app.callback(invoke_without_command=True)
@guarded
def all_checks(
    ctx: typer.Context,
    as_of: AsOf = None,
    fmt: ReportFormat = "table",
    by: ByFinding = None,
    unit: UnitOpt = None,
    out: Out = None,
) -> None:
    """Run every check (relapse, visits, exits, escalations, plans, monitor, cases, ids); exit 1 on a finding.

    Example: aidtrack check --as-of 2004-10-15 --format json
    """
    if ctx.invoked_subcommand is not None:
        given = {
            "as-of": as_of,
            "format": None if fmt == "table" else fmt,
            "by": by,
            "unit": unit,
            "out": out,
        }
        early = next(((k, v) for k, v in given.items() if v is not None), None)
        if early is not None:
            from ..model import AidtrackError

            raise AidtrackError(
                early[0],
                str(early[1]),
                _("give it after the check's name: aidtrack check {name} --as-of … --format …").format(
                    name=ctx.invoked_subcommand
                ),
            )
        return
    from ..checks import NAMES, module

    fmt = validate_format(fmt, REPORT_FORMATS)
    grouped = by_unit(by, unit)
    day = _as_of(as_of)
    db = open_db(create=False)
    with output(out):
        if fmt == "json":
            found = _stream_json(db, day, unit, grouped)
        elif fmt == "csv":
            streams = {name: module(name).stream(db, day, unit=unit, by_unit=grouped) for name in NAMES}
            _write_streamed(streams, fmt, single=False)
            found = any(module(n).found(r) for n, r in streams.items())
        else:
            # one check's tables at a time, then let go
            from ..checks.common import table_sections

            found = False
            for i, name in enumerate(NAMES):
                result = module(name).run(db, day, unit=unit, by_unit=grouped)
                print_sections(table_sections(module(name), result), fmt, first=not i)
                found = module(name).found(result) or found
                del result
    if found:
        raise typer.Exit(1)


def _write_streamed(results: dict[str, Any], fmt: str, single: bool) -> None:
    """The JSON or CSV text of each check's streamed result (check.stream: its findings made as
    they are read), written as the findings come: one check as itself (what `_show` writes of its
    lists); several as one CSV table with a `check` column naming the check each row comes from
    (the header first: the columns are known before any finding)."""
    from ..checks import module
    from ..checks.common import csv_table
    from ..render import write_csv, write_json

    if fmt == "json":
        name, result = next(iter(results.items()))
        write_json(module(name).public(result), sys.stdout.write)
        sys.stdout.write("\n")
        return
    tables = {n: csv_table(module(n), r) for n, r in results.items()}
    if single:
        columns, rows = next(iter(tables.values()))
        write_csv(rows, columns, sys.stdout.write)
        return
    every: dict[str, None] = {"check": None}
    for columns, _rows in tables.values():
        every.update(dict.fromkeys(columns))
    write_csv(
        ({"check": n, **r} for n, (_c, rows) in tables.items() for r in rows), list(every), sys.stdout.write
    )


def _stream_json(db: Any, day: Any, unit: str | None, grouped: bool) -> bool:
    """Every check's JSON written as its findings come (checks.common.Stream): one object by check,
    each check's as `_show` writes it, so a city's findings are never all held at once; whether any
    check found something."""
    import json

    from ..checks import NAMES, module
    from ..render import write_json

    found = False
    sys.stdout.write("{")
    for i, name in enumerate(NAMES):
        check = module(name)
        result = check.stream(db, day, unit=unit, by_unit=grouped)
        sys.stdout.write(("," if i else "") + "\n  " + json.dumps(name, ensure_ascii=False) + ": ")
        write_json(check.public(result), sys.stdout.write, "\n  ")
        found = check.found(result) or found
        del result
    sys.stdout.write("\n}\n")
    return found


@command(app, writes="mark")
def relapse(
    as_of: AsOf = None,
    fmt: ReportFormat = "table",
    mark: Annotated[
        bool,
        typer.Option(
            "--mark", help=_("Open a relapse case for each household found (a lead: 部门筛查预警), audited.")
        ),
    ] = False,
    by: ByFinding = None,
    unit: UnitOpt = None,
    out: Out = None,
) -> None:
    """Households out of poverty at risk of relapse (返贫), with the figures behind each reason.

    Reasons: shock, income_drop, below_line, no_income. --mark opens a relapse case (a lead,
    部门筛查预警) dated the as-of day for each household found, once while its case is open; a
    household found only for no_income gets none (a data gap). No status changes until a case is
    approved (aidtrack case approve).

    Example: aidtrack check relapse --as-of 2004-10-15 --mark
    """
    _run("relapse", as_of, fmt, out, by, unit, mark)


#: The checks without options of their own beside the shared ones (relapse has --mark): their help.
HELP = {
    "visits": """Visits owed this quarter, follow-ups and escalations overdue, unpaired households.

    Also lists cadres paired with more than one household (one helps one: reported, not refused).

    Example: aidtrack check visits --as-of 2004-09-15
    """,
    "exits": """Candidates for exit (脱贫): income per person above the line for exit_months months.

    The months are consecutive and end at the last month ended by the as-of date (no proposal on
    stale months); a month exactly at the line counts only with policy exit_at_line 1.
    Enrolled or relapsed households only; the check proposes, a case decides:
    `aidtrack case open H01 exit`.

    Example: aidtrack check exits --as-of 2004-12-31 --format csv
    """,
    "plans": """Plans (一户一策): measures past due, causes with no open measure, households with no plan.

    Example: aidtrack check plans --as-of 2004-09-30
    """,
    "monitor": """Monitoring (防止返贫动态监测): candidates by category, and households ready for risk elimination.

    Watch band: income per person over the last 12 ended months under watch_ratio × the poverty
    line (never enrolled and under the poverty line itself: proposed for enrolment or 低保, not
    marginal); a large cost not settled (spending) is a sudden-hardship lead. Households in the
    programme are not candidates. Ready: stable_months monitored and above that line, a measure
    done, none open, large costs settled, a member able to work.

    Example: aidtrack check monitor --as-of 2004-10-15
    """,
    "cases": """Cases (研判认定): leads not acted on, decisions late, short publicity, approvals missing a step.

    Limits: intake_days from the lead to the decision (day 15 in time, day 16 late), publicity of at
    least publicity_days days (first and last day counted), the steps steps_<decision> names. Also
    lists statuses and monitoring entries recorded without a case since cases_from.

    Example: aidtrack check cases --as-of 2004-12-31
    """,
    "escalations": """Escalated problems not studied within escalation_days, and decisions past their deadline.

    Ageing counts from the escalation's own date (aidtrack problem escalate); a meeting studies a
    problem with `aidtrack meeting item`.

    Example: aidtrack check escalations --as-of 2004-11-30
    """,
    "ids": """ID numbers (身份证号) not valid by GB 11643, and born dates or genders that disagree with them.

    A number fails on its length, its birth date or its check character (the last one); digits 7-14
    hold the birth date and the 17th the gender (odd: male). Households and their members.

    Example: aidtrack check ids
    """,
}


def _register(name: str) -> None:
    """One check command: the shared options, the help above."""

    def run_check(
        as_of: AsOf = None,
        fmt: ReportFormat = "table",
        by: ByFinding = None,
        unit: UnitOpt = None,
        out: Out = None,
    ) -> None:
        _run(name, as_of, fmt, out, by, unit)

    run_check.__name__ = run_check.__qualname__ = name
    run_check.__doc__ = HELP[name]
    command(app)(run_check)


for _name in HELP:
    _register(_name)
