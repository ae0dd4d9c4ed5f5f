"""Meetings (局党委会, 领导小组) that study escalated problems: decision, leader responsible, deadline."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import _
from .common import Columns, Format, RecordId, Yes, command, delete_record, list_records, open_db, today

NAME = "meeting"
app = typer.Typer(no_args_is_help=True)


@command(app, writes=True)
def add(
    date: Annotated[str, typer.Argument(help=_("The meeting's day (ISO date, today or yesterday)."))],
    kind: Annotated[
        str | None,
        typer.Option("--kind", help=_("committee (局党委会, default) or leading-group (领导小组).")),
    ] = None,
    attendees: Annotated[str | None, typer.Option("--attendees", help=_("Who attended."))] = None,
    note: Annotated[str | None, typer.Option("--note", help=_("The meeting's record."))] = None,
) -> None:
    """Record a meeting that studies escalated problems; prints the meeting id.

    Example: aidtrack meeting add 2004-10-08 --kind committee --attendees 局党委全体成员
    """
    from ..ops.write import records

    print(
        records.add(
            open_db(), "meetings", {"date": date, "kind": kind, "attendees": attendees, "note": note}, today()
        )
    )


@command(app, writes=True)
def item(
    meeting: Annotated[str, typer.Argument(help=_("The meeting's id (see meeting list)."))],
    problem: Annotated[str, typer.Argument(help=_("The escalated problem's id (see problem list)."))],
    decision: Annotated[str | None, typer.Option("--decision", help=_("What the meeting decided."))] = None,
    leader: Annotated[
        str | None, typer.Option("--leader", help=_("The leader responsible: a cadre's code or name."))
    ] = None,
    due: Annotated[str | None, typer.Option("--due", help=_("Deadline of the decision."))] = None,
) -> None:
    """Record that a meeting studied an escalated problem, with its decision; prints the item id.

    A decision past its deadline while the problem is open is overdue (aidtrack check escalations).

    Example: aidtrack meeting item 1 4 --decision 局里承担医药费 --leader C01 --due 2004-10-31
    """
    from ..ops.write import records

    db = open_db()
    m = records.get(db, "meetings", meeting)
    p = records.get(db, "problems", problem)
    print(
        records.add(
            db,
            "meeting_items",
            {
                "meeting_date": m["date"],
                "meeting_kind": m["kind"],
                "household": p["household"],
                "date": p["date"],
                "problem": p["problem"],
                "decision": decision,
                "leader": leader,
                "due": due,
            },
            today(),
        )
    )


@command(app, "list")
def list_(fmt: Format = "table", columns: Columns = None) -> None:
    """List meetings with the number of problems each studied.

    Example: aidtrack meeting list
    """
    list_records("meetings", fmt)


@command(app)
def show(meeting: Annotated[str, typer.Argument(help=_("The meeting's id."))], fmt: Format = "table") -> None:
    """Show a meeting and the problems it studied, with decisions, leaders and deadlines.

    Example: aidtrack meeting show 1
    """
    from ..kinds import REGISTRY
    from ..ops.write import records
    from ..render import emit, emit_one
    from .common import validate_format

    fmt = validate_format(fmt)
    db = open_db()
    m = records.get(db, "meetings", meeting)
    items = [i for i in records.select(db, "meeting_items") if i["meeting_id"] == m["id"]]
    if fmt == "json":
        emit_one({**m, "studied": items}, fmt)
        return
    emit_one(m, fmt)
    emit(items, REGISTRY["meeting_items"].list_columns, fmt, empty=_("No problems studied."))


@command(app, writes=True)
def delete(ident: RecordId, yes: Yes = False) -> None:
    """Delete a meeting entered by mistake, with what it studied (audited).

    Example: aidtrack meeting delete 1 --yes
    """
    delete_record("meetings", ident, yes)
