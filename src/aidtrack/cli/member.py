"""Household members (家庭成员): who lives in a household and when; its size on a day is the count present."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..i18n import _
from .common import (
    Columns,
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

NAME = "member"
app = typer.Typer(no_args_is_help=True)

MemberName = Annotated[str, typer.Argument(help=_("The member's name."))]


@command(app, writes=True)
@takes(
    argument("household", HouseholdRef),
    argument("name", MemberName),
    *field_options("members", skip=["household", "name"], adding=True),
)
def add(household: str, name: str, **fields: Any) -> None:
    """Add a member to a household from the day they joined; prints the member id.

    The household's size counts them from that day on.

    Example: aidtrack member add H01 刘小明 --relation child --born 1985-03-02 --joined 2003-07-01
    """
    from ..ops.write import records

    print(records.add(open_db(), "members", {"household": household, "name": name, **fields}, today()))


@command(app, "list")
def list_(
    household: HouseholdFilter = None,
    present: Annotated[bool, typer.Option("--present", help=_("Only members who have not left."))] = False,
    fmt: Format = "table",
    columns: Columns = None,
) -> None:
    """List household members (#1, #2 … are people a register counted but never named).

    Example: aidtrack member list --household H01 --present
    """
    list_records("members", fmt, household=household, present=present)


@command(app, writes=True)
@takes(argument("ident", RecordId), *field_options("members", skip=["household"]))
def edit(ident: str, **changes: Any) -> None:
    """Correct a member (audited); naming #1 keeps the dates it stands for.

    Example: aidtrack member edit 7 --name 刘小明 --relation child
    """
    edit_record("members", ident, changes)


@command(app, writes=True)
def leave(
    ident: RecordId,
    date: Annotated[
        str,
        typer.Option(
            "--date", "-d", help=_("The member's last day in the household (ISO date, today or yesterday).")
        ),
    ],
) -> None:
    """Record that a member left the household (moved out, married out, died): the size counts
    them up to that day.

    Example: aidtrack member leave 7 --date 2005-06-30
    """
    edit_record("members", ident, {"left_on": date})


@command(app, writes=True)
def delete(ident: RecordId, yes: Yes = False) -> None:
    """Delete a member entered by mistake (audited); a member who left is recorded with `leave`.

    Example: aidtrack member delete 7 --yes
    """
    delete_record("members", ident, yes)
