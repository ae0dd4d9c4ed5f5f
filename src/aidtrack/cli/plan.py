"""One household, one plan (一户一策): causes of poverty and the measures (帮扶措施) against them."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..i18n import _
from .common import (
    CadreFilter,
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
    validate_format,
)
from .generic import argument, field_options, takes

NAME = "plan"
app = typer.Typer(no_args_is_help=True)


@command(app, writes=True)
@takes(
    argument("household", HouseholdRef),
    *field_options("measures", skip=["household"], adding=True),
)
def add(household: str, **fields: Any) -> None:
    """Add a measure to a household's plan (status planned); prints its id.

    Example: aidtrack plan add H01 --what 买三轮车跑运输 --kind project --cause laid_off --cadre C01
    --due 2003-08-31
    """
    from ..ops.write import records

    print(records.add(open_db(), "measures", {"household": household, **fields}, today()))


@command(app, writes=True)
@takes(argument("ident", RecordId), *field_options("measures", skip=["household"]))
def edit(ident: str, **changes: Any) -> None:
    """Correct a measure, or move it to in_progress (audited).

    Example: aidtrack plan edit 3 --status in_progress
    """
    edit_record("measures", ident, changes)


@command(app, writes=True)
def done(
    ident: RecordId,
    date: DateOpt = None,
    result: Annotated[str | None, typer.Option("--result", help=_("What came of it."))] = None,
) -> None:
    """Mark a measure done on a day, with its result (audited).

    Example: aidtrack plan done 3 --date 2003-08-20 --result 三轮车已购，每月收入600元
    """
    from ..parse import date as parse_date

    edit_record(
        "measures",
        ident,
        {"status": "done", "result": result, "done_on": parse_date(date or today(), "date", today=today())},
    )


@command(app, writes=True)
def drop(
    ident: RecordId,
    date: DateOpt = None,
    reason: Annotated[str | None, typer.Option("--reason", help=_("Why it was dropped."))] = None,
) -> None:
    """Drop a measure that will not be carried out, with why (audited).

    Example: aidtrack plan drop 4 --date 2004-03-01 --reason 本人另谋出路
    """
    from ..parse import date as parse_date

    edit_record(
        "measures",
        ident,
        {
            "status": "dropped",
            "result": reason,
            "done_on": parse_date(date or today(), "date", today=today()),
        },
    )


@command(app, "list")
def list_(
    household: HouseholdFilter = None,
    cadre: CadreFilter = None,
    open_: Annotated[bool, typer.Option("--open", help=_("Only measures planned or in progress."))] = False,
    fmt: Format = "table",
    columns: Columns = None,
) -> None:
    """List measures of the plans, by household and due date.

    Example: aidtrack plan list --open --cadre C01
    """
    list_records("measures", fmt, household=household, cadre=cadre, open=open_)


@command(app)
def show(household: HouseholdRef, fmt: Format = "table") -> None:
    """A household's plan: its causes of poverty and its measures, with the aid and jobs that carry
    them out.

    Example: aidtrack plan show H01
    """
    from ..render import emit
    from ..reports import plans

    fmt = validate_format(fmt)
    data = plans.household_plan(open_db(), household)
    if fmt == "json":
        from ..render import to_json

        print(to_json(data))
        return
    emit(
        data["causes"],
        ("cause", "date", "note"),
        fmt,
        title=_("Causes of poverty: {household} {name}").format(**data),
        empty=_("No cause of poverty recorded."),
    )
    from ..kinds import REGISTRY

    columns = [c for c in REGISTRY["measures"].list_columns if c not in ("household", "household_name")]
    emit(
        data["measures"],
        (*columns, "carried_out", "result"),
        fmt,
        title=_("Plan (一户一策)"),
        empty=_("No measure planned."),
    )


@command(app, writes=True)
def delete(ident: RecordId, yes: Yes = False) -> None:
    """Delete a measure entered by mistake (audited); dropping keeps it in the plan.

    Example: aidtrack plan delete 4 --yes
    """
    delete_record("measures", ident, yes)


@command(app, writes=True)
@takes(argument("household", HouseholdRef), *field_options("causes", skip=["household"], adding=True))
def cause(household: str, **fields: Any) -> None:
    """Record a cause of poverty (致贫原因) of a household; prints its id.

    Example: aidtrack plan cause H01 --cause laid_off --date 2003-07-01 --note 木材公司倒闭下岗
    """
    from ..ops.write import records

    print(records.add(open_db(), "causes", {"household": household, **fields}, today()))


@command(app)
def causes(household: HouseholdFilter = None, fmt: Format = "table", columns: Columns = None) -> None:
    """List the recorded causes of poverty.

    Example: aidtrack plan causes --household H01
    """
    list_records("causes", fmt, household=household)


@command(app, "cause-edit", writes=True)
@takes(argument("ident", RecordId), *field_options("causes", skip=["household"]))
def cause_edit(ident: str, **changes: Any) -> None:
    """Correct a cause of poverty (audited).

    Example: aidtrack plan cause-edit 2 --cause illness
    """
    edit_record("causes", ident, changes)


@command(app, "cause-delete", writes=True)
def cause_delete(ident: RecordId, yes: Yes = False) -> None:
    """Delete a cause of poverty entered by mistake (audited).

    Example: aidtrack plan cause-delete 2 --yes
    """
    delete_record("causes", ident, yes)
