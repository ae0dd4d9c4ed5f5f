"""Monthly income records: how much a household earned in a month, from which source."""

from __future__ import annotations

from typing import Any

import typer

from .common import (
    Columns,
    HouseholdFilter,
    HouseholdRef,
    ListFormat,
    RecordId,
    Yes,
    command,
    delete_record,
    edit_record,
    list_records,
    open_db,
    today,
    warn,
)
from .generic import argument, field_options, takes

NAME = "income"
app = typer.Typer(no_args_is_help=True)


@command(app, writes=True)
@takes(argument("household", HouseholdRef), *field_options("income", skip=["household"], adding=True))
def add(household: str, **fields: Any) -> None:
    """Record a month's income of a household; prints the record id.

    Example: aidtrack income add H01 --month 2004-09 --amount 150 --source 三轮车运输
    """
    from ..ops.write import records

    print(records.add(open_db(), "income", {"household": household, **fields}, today(), warn=warn))


@command(app, "list")
def list_(household: HouseholdFilter = None, fmt: ListFormat = "table", columns: Columns = None) -> None:
    """List income records.

    Example: aidtrack income list --household H01
    """
    list_records("income", fmt, household=household)


@command(app, writes=True)
@takes(argument("ident", RecordId), *field_options("income", skip=["household"]))
def edit(ident: str, **changes: Any) -> None:
    """Correct an income record (audited).

    Example: aidtrack income edit 7 --amount 680
    """
    edit_record("income", ident, changes)


@command(app, writes=True)
def delete(ident: RecordId, yes: Yes = False) -> None:
    """Delete an income record (audited).

    Example: aidtrack income delete 7 --yes
    """
    delete_record("income", ident, yes)
