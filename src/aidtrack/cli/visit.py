"""Visits (走访): the tracking register (跟踪问效登记表) of what each visit found and solved."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..i18n import _
from .common import (
    CadreFilter,
    Columns,
    HouseholdFilter,
    HouseholdRef,
    ListFormat,
    RecordId,
    Search,
    Yes,
    command,
    delete_record,
    edit_record,
    list_records,
    open_db,
    today,
    warn,
)
from .generic import argument, field_options, option, takes

NAME = "visit"
app = typer.Typer(no_args_is_help=True)

Problem = Annotated[list[str] | None, typer.Option("--problem", help=_("A problem raised (repeatable)."))]
Escalate = Annotated[
    bool, typer.Option("--escalate", help=_("Escalate the problems to the party committee."))
]


@command(app, writes=True)
@takes(
    argument("household", HouseholdRef),
    *field_options("visits", skip=["household"], adding=True),
    option("problem", Problem),
    option("escalate", Escalate, False),
)
def add(household: str, problem: list[str] | None = None, escalate: bool = False, **fields: Any) -> None:
    """Record a visit to a household by its paired cadre; prints the visit id.

    Example: aidtrack visit add H01 --date 2004-09-20 --kind followup --event illness
    --situation 胃穿孔手术后在家休养 --problem 医药费无力承担 --escalate
    """
    from ..ops.write import records

    print(
        records.add_visit(
            open_db(), {"household": household, **fields}, problem or [], escalate, today(), warn=warn
        )
    )


@command(app, "list")
def list_(
    household: HouseholdFilter = None,
    cadre: CadreFilter = None,
    quarter: Annotated[str | None, typer.Option("--quarter", help=_("e.g. 2004Q3."))] = None,
    search: Search = None,
    fmt: ListFormat = "table",
    columns: Columns = None,
) -> None:
    """List visits, oldest first.

    Example: aidtrack visit list --household H01 --quarter 2004Q3
    """
    list_records("visits", fmt, household=household, cadre=cadre, quarter=quarter, search=search)


@command(app, writes=True)
@takes(argument("ident", RecordId), *field_options("visits", skip=["household"]))
def edit(ident: str, **changes: Any) -> None:
    """Correct a visit (audited).

    Example: aidtrack visit edit 12 --date 2004-09-21
    """
    edit_record("visits", ident, changes)


@command(app, writes=True)
def delete(ident: RecordId, yes: Yes = False) -> None:
    """Delete a visit and the problems raised at it (audited).

    Example: aidtrack visit delete 12 --yes
    """
    delete_record("visits", ident, yes)
