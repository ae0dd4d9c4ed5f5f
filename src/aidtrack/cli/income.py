"""Monthly income records: how much a household earned in a month, from which source."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import _
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

NAME = "income"
app = typer.Typer(no_args_is_help=True)

Month = Annotated[str | None, typer.Option("--month", help=_("The month, YYYY-MM."))]
Amount = Annotated[str | None, typer.Option("--amount", help=_("Yuan, e.g. 650 or 650.50."))]
Source = Annotated[str | None, typer.Option("--source", help=_("Where it came from, e.g. 三轮车运输."))]


@command(app, writes=True)
def add(household: HouseholdRef, month: Month = None, amount: Amount = None, source: Source = None) -> None:
    """Record a month's income of a household; prints the record id.

    Example: aidtrack income add H01 --month 2004-09 --amount 150 --source 三轮车运输
    """
    from ..ops import records

    print(
        records.add(
            open_db(),
            "income",
            {"household": household, "month": month, "amount": amount, "source": source},
            today(),
            warn=warn,
        )
    )


@command(app, "list")
def list_(household: HouseholdFilter = None, fmt: ListFormat = "table", columns: Columns = None) -> None:
    """List income records.

    Example: aidtrack income list --household H01
    """
    list_records("income", fmt, household=household)


@command(app, writes=True)
def edit(ident: RecordId, month: Month = None, amount: Amount = None, source: Source = None) -> None:
    """Correct an income record (audited).

    Example: aidtrack income edit 7 --amount 680
    """
    edit_record("income", ident, {"month": month, "amount": amount, "source": source})


@command(app, writes=True)
def delete(ident: RecordId, yes: Yes = False) -> None:
    """Delete an income record (audited).

    Example: aidtrack income delete 7 --yes
    """
    delete_record("income", ident, yes)
