"""Job placements (帮就业): who was placed where, from when, at what wage, found by whom."""

from __future__ import annotations

from typing import Annotated, Any

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
from .generic import argument, field_options, takes

NAME = "job"
app = typer.Typer(no_args_is_help=True)


@command(app, writes=True)
@takes(argument("household", HouseholdRef), *field_options("jobs", skip=["household"], adding=True))
def add(household: str, **fields: Any) -> None:
    """Record a job placement of a household member; prints its id.

    Example: aidtrack job add H01 --member 刘强 --employer 绿色家园社区 --started 2004-01-10
    --wage 450 --found-by cadre --measure 为儿子联系保安工作
    """
    from ..ops.write import records

    print(records.add(open_db(), "jobs", {"household": household, **fields}, today()))


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
@takes(argument("ident", RecordId), *field_options("jobs", skip=["household"]))
def edit(ident: str, **changes: Any) -> None:
    """Correct a job placement (audited).

    Example: aidtrack job edit 2 --wage 500
    """
    edit_record("jobs", ident, changes)


@command(app, writes=True)
def delete(ident: RecordId, yes: Yes = False) -> None:
    """Delete a job placement entered by mistake (audited).

    Example: aidtrack job delete 2 --yes
    """
    delete_record("jobs", ident, yes)
