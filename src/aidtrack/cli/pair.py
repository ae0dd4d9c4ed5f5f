"""Pairings (帮扶对子): one cadre helps one household, from a date until the pairing ends."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import _
from .common import CadreRef, DateOpt, Format, HouseholdRef, command, list_records, open_db, today

NAME = "pair"
app = typer.Typer(no_args_is_help=True)


@command(app)
def add(cadre: CadreRef, household: HouseholdRef,
        since: Annotated[str | None, typer.Option("--since", help=_("First day (today)."))] = None
        ) -> None:
    """Pair a cadre with a household; prints the pairing id. A household has one pairing at a time.

    Example: aidtrack pair add C01 H01 --since 2003-07-10
    """
    from ..ops import records

    print(records.add(open_db(), "pairings",
                      {"cadre": cadre, "household": household, "since": since}, today()))


@command(app)
def end(household: HouseholdRef, date: DateOpt = None) -> None:
    """End the household's active pairing on a date (its last day).

    Example: aidtrack pair end H05 --date 2004-05-15
    """
    from ..ops import actions

    ended = actions.end_pairing(open_db(), household, date, today())
    print(ended["id"])


@command(app, "list")
def list_(active: Annotated[bool, typer.Option("--active", help=_("Only pairings not ended."))] = False,
          fmt: Format = "table") -> None:
    """List pairings.

    Example: aidtrack pair list --active
    """
    list_records("pairings", fmt, ["p.until IS NULL"] if active else [], [])
