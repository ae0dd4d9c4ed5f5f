"""Pairings (帮扶对子): one cadre helps one household, from a date until the pairing ends."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import _
from .common import (
    CadreRef,
    Columns,
    DateOpt,
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

NAME = "pair"
app = typer.Typer(no_args_is_help=True)


@command(app, writes=True)
def add(
    cadre: CadreRef,
    household: HouseholdRef,
    since: Annotated[str | None, typer.Option("--since", help=_("First day (today)."))] = None,
) -> None:
    """Pair a cadre with a household; prints the pairing id. A household has one pairing at a time.

    Example: aidtrack pair add C01 H01 --since 2003-07-10
    """
    from ..ops.write import records

    print(
        records.add(
            open_db(),
            "pairings",
            {"cadre": cadre, "household": household, "since": since},
            today(),
            warn=warn,
        )
    )


@command(app, writes=True)
def end(household: HouseholdRef, date: DateOpt = None) -> None:
    """End the household's active pairing on a date (its last day).

    Example: aidtrack pair end H05 --date 2004-05-15
    """
    from ..ops.write import actions

    ended = actions.end_pairing(open_db(), household, date, today())
    print(ended["id"])


@command(app, "list")
def list_(
    active: Annotated[bool, typer.Option("--active", help=_("Only pairings not ended."))] = False,
    fmt: ListFormat = "table",
    columns: Columns = None,
) -> None:
    """List pairings.

    Example: aidtrack pair list --active
    """
    list_records("pairings", fmt, active=active)


@command(app, writes=True)
def edit(
    ident: RecordId,
    cadre: Annotated[str | None, typer.Option("--cadre", help=_("The paired cadre."))] = None,
    since: Annotated[str | None, typer.Option("--since", help=_("First day."))] = None,
    until: Annotated[str | None, typer.Option("--until", help=_("Last day."))] = None,
) -> None:
    """Correct a pairing (audited); its visits must stay within its dates.

    Example: aidtrack pair edit 3 --since 2003-07-08
    """
    edit_record("pairings", ident, {"cadre": cadre, "since": since, "until": until})


@command(app, writes=True)
def delete(ident: RecordId, yes: Yes = False) -> None:
    """Delete a pairing entered by mistake (audited); refused while visits refer to it.

    Example: aidtrack pair delete 3 --yes
    """
    delete_record("pairings", ident, yes)
