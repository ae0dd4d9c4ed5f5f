"""Aid (三帮 and more): projects, funds, jobs, goods and medical help given to a household."""

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
)
from .generic import argument, field_options, takes

NAME = "aid"
app = typer.Typer(no_args_is_help=True)


@command(app, writes=True)
@takes(argument("household", HouseholdRef), *field_options("aid", skip=["household"], adding=True))
def add(household: str, **fields: Any) -> None:
    """Record aid given to a household; prints the record id.

    Example: aidtrack aid add H01 --kind funds --value 700 --giver C01 --note 买三轮车
    """
    from ..ops.write import records

    print(records.add(open_db(), "aid", {"household": household, **fields}, today()))


@command(app, "list")
def list_(household: HouseholdFilter = None, fmt: ListFormat = "table", columns: Columns = None) -> None:
    """List aid records.

    Example: aidtrack aid list --household H01 --format csv
    """
    list_records("aid", fmt, household=household)


@command(app, writes=True)
@takes(argument("ident", RecordId), *field_options("aid", skip=["household"]))
def edit(ident: str, **changes: Any) -> None:
    """Correct an aid record (audited).

    Example: aidtrack aid edit 3 --value 750
    """
    edit_record("aid", ident, changes)


@command(app, writes=True)
def delete(ident: RecordId, yes: Yes = False) -> None:
    """Delete an aid record (audited).

    Example: aidtrack aid delete 3 --yes
    """
    delete_record("aid", ident, yes)
