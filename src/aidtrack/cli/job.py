"""Job placements (帮就业): who was placed where, from when, at what wage, found by whom."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import _
from .common import (
    Columns,
    DateOpt,
    Format,
    HouseholdFilter,
    HouseholdRef,
    RecordId,
    Yes,
    command,
    delete_record,
    edit_record,
    list_records,
    open_db,
    today,
)

NAME = "job"
app = typer.Typer(no_args_is_help=True)

Member = Annotated[str | None, typer.Option("--member", help=_("The household member placed (a name)."))]
Employer = Annotated[str | None, typer.Option("--employer", help=_("Where."))]
Started = Annotated[str | None, typer.Option("--started", help=_("First day of work (default today)."))]
Ended = Annotated[str | None, typer.Option("--ended", help=_("Last day of work."))]
Wage = Annotated[str | None, typer.Option("--wage", help=_("Monthly wage in yuan."))]
Insured = Annotated[
    bool | None, typer.Option("--insured/--not-insured", help=_("Social insurance paid or not."))
]
FoundBy = Annotated[str | None, typer.Option("--found-by", help=_("cadre, unit or self."))]
Measure = Annotated[
    str | None, typer.Option("--measure", help=_("The measure of the plan it carries out (its text or id)."))
]


@command(app, writes=True)
def add(
    household: HouseholdRef,
    member: Member = None,
    employer: Employer = None,
    started: Started = None,
    ended: Ended = None,
    wage: Wage = None,
    insured: Insured = None,
    found_by: FoundBy = None,
    measure: Measure = None,
) -> None:
    """Record a job placement of a household member; prints its id.

    Example: aidtrack job add H01 --member 刘强 --employer 绿色家园社区 --started 2004-01-10
    --wage 450 --found-by cadre --measure 为儿子联系保安工作
    """
    from ..ops import records

    print(
        records.add(
            open_db(),
            "jobs",
            {
                "household": household,
                "member": member,
                "employer": employer,
                "started": started,
                "ended": ended,
                "wage": wage,
                "insured": insured,
                "found_by": found_by,
                "measure": measure,
            },
            today(),
        )
    )


@command(app, writes=True)
def end(ident: RecordId, date: DateOpt = None) -> None:
    """Record the last day of a job (audited).

    Example: aidtrack job end 2 --date 2004-03-15
    """
    from ..parse import date as parse_date

    edit_record("jobs", ident, {"ended": parse_date(date or today(), "date", today=today())})


@command(app, "list")
def list_(
    household: HouseholdFilter = None,
    current: Annotated[bool, typer.Option("--current", help=_("Only jobs not ended."))] = False,
    fmt: Format = "table",
    columns: Columns = None,
) -> None:
    """List job placements.

    Example: aidtrack job list --current
    """
    list_records("jobs", fmt, household=household, current=current)


@command(app, writes=True)
def edit(
    ident: RecordId,
    member: Member = None,
    employer: Employer = None,
    started: Started = None,
    ended: Ended = None,
    wage: Wage = None,
    insured: Insured = None,
    found_by: FoundBy = None,
    measure: Measure = None,
) -> None:
    """Correct a job placement (audited).

    Example: aidtrack job edit 2 --wage 500
    """
    edit_record(
        "jobs",
        ident,
        {
            "member": member,
            "employer": employer,
            "started": started,
            "ended": ended,
            "wage": wage,
            "insured": insured,
            "found_by": found_by,
            "measure": measure,
        },
    )


@command(app, writes=True)
def delete(ident: RecordId, yes: Yes = False) -> None:
    """Delete a job placement entered by mistake (audited).

    Example: aidtrack job delete 2 --yes
    """
    delete_record("jobs", ident, yes)
