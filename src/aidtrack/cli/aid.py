"""Aid (三帮 and more): projects, funds, jobs, goods and medical help given to a household."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import _
from ..model import AID_KINDS
from .common import (
    Columns,
    DateOpt,
    HouseholdFilter,
    HouseholdRef,
    ListFormat,
    RecordId,
    Yes,
    choices,
    command,
    delete_record,
    edit_record,
    list_records,
    open_db,
    today,
)

NAME = "aid"
app = typer.Typer(no_args_is_help=True)

Kind = Annotated[
    str | None,
    typer.Option(
        "--kind",
        autocompletion=choices(*AID_KINDS),
        help=_(
            "project (项目扶持), funds (资金扶持), job (就业安置), goods (物资慰问), medical (医疗救助),"
            " other."
        ),
    ),
]
Value = Annotated[str | None, typer.Option("--value", help=_("Value in yuan."))]
Giver = Annotated[
    str | None,
    typer.Option("--giver", help=_("A cadre (code or name) who gave it personally, or free text (局党委).")),
]
Note = Annotated[
    str | None,
    typer.Option(
        "--note", help=_("What the aid was for (买三轮车); also tells two like gifts of a day apart.")
    ),
]
Measure = Annotated[
    str | None, typer.Option("--measure", help=_("The measure of the plan it carries out (its text or id)."))
]


@command(app, writes=True)
def add(
    household: HouseholdRef,
    kind: Kind = None,
    value: Value = None,
    date: DateOpt = None,
    giver: Giver = None,
    note: Note = None,
    measure: Measure = None,
) -> None:
    """Record aid given to a household; prints the record id.

    Example: aidtrack aid add H01 --kind funds --value 700 --giver C01 --note 买三轮车
    """
    from ..ops import records

    print(
        records.add(
            open_db(),
            "aid",
            {
                "household": household,
                "kind": kind,
                "value": value,
                "date": date,
                "giver": giver,
                "note": note,
                "measure": measure,
            },
            today(),
        )
    )


@command(app, "list")
def list_(household: HouseholdFilter = None, fmt: ListFormat = "table", columns: Columns = None) -> None:
    """List aid records.

    Example: aidtrack aid list --household H01 --format csv
    """
    list_records("aid", fmt, household=household)


@command(app, writes=True)
def edit(
    ident: RecordId,
    kind: Kind = None,
    value: Value = None,
    date: DateOpt = None,
    giver: Giver = None,
    note: Note = None,
    measure: Measure = None,
) -> None:
    """Correct an aid record (audited).

    Example: aidtrack aid edit 3 --value 750
    """
    edit_record(
        "aid",
        ident,
        {"kind": kind, "value": value, "date": date, "giver": giver, "note": note, "measure": measure},
    )


@command(app, writes=True)
def delete(ident: RecordId, yes: Yes = False) -> None:
    """Delete an aid record (audited).

    Example: aidtrack aid delete 3 --yes
    """
    delete_record("aid", ident, yes)
