"""Visits (走访): the tracking register (跟踪问效登记表) of what each visit found and solved."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import _
from ..model import EVENTS, VISIT_KINDS
from .common import (
    CadreFilter,
    Columns,
    DateOpt,
    HouseholdFilter,
    HouseholdRef,
    ListFormat,
    RecordId,
    Search,
    Yes,
    choices,
    command,
    delete_record,
    edit_record,
    list_records,
    open_db,
    today,
    warn,
)

NAME = "visit"
app = typer.Typer(no_args_is_help=True)

Kind = Annotated[
    str | None,
    typer.Option(
        "--kind",
        autocompletion=choices(*VISIT_KINDS),
        help=_("initial (对接), regular (走访, default) or followup (回访)."),
    ),
]
Situation = Annotated[str | None, typer.Option("--situation", help=_("What the cadre found."))]
Solved = Annotated[str | None, typer.Option("--solved", help=_("What was solved at the visit."))]
Event = Annotated[
    str | None,
    typer.Option(
        "--event",
        autocompletion=choices(*EVENTS),
        help=_("A shock found: illness, injury, job_loss, disaster, family, other."),
    ),
]


@command(app, writes=True)
def add(
    household: HouseholdRef,
    cadre: Annotated[str | None, typer.Option("--cadre", help=_("Must be the paired cadre."))] = None,
    date: DateOpt = None,
    kind: Kind = None,
    situation: Situation = None,
    solved: Solved = None,
    problem: Annotated[
        list[str] | None, typer.Option("--problem", help=_("A problem raised (repeatable)."))
    ] = None,
    escalate: Annotated[
        bool, typer.Option("--escalate", help=_("Escalate the problems to the party committee."))
    ] = False,
    event: Event = None,
) -> None:
    """Record a visit to a household by its paired cadre; prints the visit id.

    Example: aidtrack visit add H01 --date 2004-09-20 --kind followup --event illness
    --situation 胃穿孔手术后在家休养 --problem 医药费无力承担 --escalate
    """
    from ..ops import records

    print(
        records.add_visit(
            open_db(),
            {
                "household": household,
                "cadre": cadre,
                "date": date,
                "kind": kind,
                "situation": situation,
                "solved": solved,
                "event": event,
            },
            problem or [],
            escalate,
            today(),
            warn=warn,
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
def edit(
    ident: RecordId,
    date: DateOpt = None,
    kind: Kind = None,
    situation: Situation = None,
    solved: Solved = None,
    event: Event = None,
    cadre: Annotated[str | None, typer.Option("--cadre", help=_("Must be the paired cadre."))] = None,
) -> None:
    """Correct a visit (audited).

    Example: aidtrack visit edit 12 --date 2004-09-21
    """
    edit_record(
        "visits",
        ident,
        {
            "date": date,
            "kind": kind,
            "situation": situation,
            "solved": solved,
            "event": event,
            "cadre": cadre,
        },
    )


@command(app, writes=True)
def delete(ident: RecordId, yes: Yes = False) -> None:
    """Delete a visit and the problems raised at it (audited).

    Example: aidtrack visit delete 12 --yes
    """
    delete_record("visits", ident, yes)
