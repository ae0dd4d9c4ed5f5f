"""Spending (支出): a household's costs — medical, schooling, housing, disaster — and what was reimbursed."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import _
from ..model import SPENDING_KINDS
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

NAME = "spending"
app = typer.Typer(no_args_is_help=True)

Kind = Annotated[
    str | None,
    typer.Option(
        "--kind",
        help=_("medical (医疗), schooling (教育), housing (住房), disaster (灾害) or other (其他)."),
        autocompletion=choices(*SPENDING_KINDS),
    ),
]
Amount = Annotated[str | None, typer.Option("--amount", help=_("Yuan spent, e.g. 8000 or 650.50."))]
Reimbursed = Annotated[
    str | None, typer.Option("--reimbursed", help=_("Yuan paid back (insurance, relief): 0 when left out."))
]
Note = Annotated[
    str | None, typer.Option("--note", help=_("What it was (free text, e.g. a receipt number)."))
]


@command(app, writes=True)
def add(
    household: HouseholdRef,
    date: DateOpt = None,
    kind: Kind = None,
    amount: Amount = None,
    reimbursed: Reimbursed = None,
    note: Note = None,
) -> None:
    """Record a cost a household bore; prints the record id.

    A cost of at least policy large_cost (yuan) is a sudden-hardship lead in `aidtrack check
    monitor` until it is settled (docs/monitoring.md).

    Example: aidtrack spending add H01 --date 2003-10-16 --kind medical --amount 8000 --reimbursed 3000
    """
    from ..ops.write import records

    data = {"household": household, "date": date, "kind": kind, "amount": amount, "reimbursed": reimbursed}
    print(records.add(open_db(), "spending", {**data, "note": note}, today()))


@command(app, "list")
def list_(household: HouseholdFilter = None, fmt: ListFormat = "table", columns: Columns = None) -> None:
    """List spending records.

    Example: aidtrack spending list --household H01
    """
    list_records("spending", fmt, household=household)


@command(app, writes=True)
def edit(
    ident: RecordId,
    date: DateOpt = None,
    kind: Kind = None,
    amount: Amount = None,
    reimbursed: Reimbursed = None,
    note: Note = None,
) -> None:
    """Correct a spending record, or record what was reimbursed later (audited).

    Example: aidtrack spending edit 3 --reimbursed 6000
    """
    edit_record(
        "spending",
        ident,
        {"date": date, "kind": kind, "amount": amount, "reimbursed": reimbursed, "note": note},
    )


@command(app, writes=True)
def delete(ident: RecordId, yes: Yes = False) -> None:
    """Delete a spending record entered by mistake (audited).

    Example: aidtrack spending delete 3 --yes
    """
    delete_record("spending", ident, yes)
