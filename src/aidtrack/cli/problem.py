"""Problems raised at visits; those a cadre cannot solve are escalated to the party committee."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import _
from .common import (
    Columns,
    DateOpt,
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

NAME = "problem"
app = typer.Typer(no_args_is_help=True)


@command(app, "list")
def list_(
    open_: Annotated[bool, typer.Option("--open", help=_("Only unresolved problems."))] = False,
    escalated: Annotated[bool, typer.Option("--escalated", help=_("Only escalated ones."))] = False,
    fmt: ListFormat = "table",
    columns: Columns = None,
) -> None:
    """List problems raised at visits.

    Example: aidtrack problem list --open --escalated
    """
    list_records("problems", fmt, open=open_, escalated=escalated)


@command(app, writes=True)
def resolve(
    ident: RecordId,
    note: Annotated[str | None, typer.Option("--note", help=_("How it was resolved."))] = None,
    date: DateOpt = None,
) -> None:
    """Mark a problem resolved, with how (audited).

    Example: aidtrack problem resolve 4 --date 2004-10-05 --note 局党委研究解决医药费
    """
    from ..ops.write import actions
    from ..render import emit_one

    emit_one(actions.resolve_problem(open_db(), ident, note, date, today()), "table")


@command(app, writes=True)
def escalate(
    ident: RecordId,
    date: DateOpt = None,
    by: Annotated[str | None, typer.Option("--by", help=_("Who escalated it."))] = None,
) -> None:
    """Escalate a problem to the party committee on its own date (audited); ageing counts from it.

    Example: aidtrack problem escalate 4 --date 2004-09-25 --by 吴振国
    """
    edit_record(
        "problems",
        ident,
        {"escalated": True, "escalated_on": date or today().isoformat(), "escalated_by": by},
    )


@command(app, writes=True)
def edit(
    ident: RecordId,
    problem: Annotated[str | None, typer.Option("--problem", help=_("The problem's text."))] = None,
    escalate: Annotated[
        bool | None,
        typer.Option("--escalate/--no-escalate", help=_("Escalated to the party committee or not.")),
    ] = None,
    resolution: Annotated[str | None, typer.Option("--resolution", help=_("How it was resolved."))] = None,
    resolved_on: Annotated[str | None, typer.Option("--resolved-on", help=_("Day it was resolved."))] = None,
) -> None:
    """Correct a problem (audited).

    Example: aidtrack problem edit 4 --escalate
    """
    changes = {
        "problem": problem,
        "escalated": escalate,
        "resolution": resolution,
        "resolved_on": resolved_on,
    }
    if escalate is False:  # no longer escalated: nor on a date
        changes["escalated_on"] = changes["escalated_by"] = ""
    edit_record("problems", ident, changes)


@command(app, writes=True)
def delete(ident: RecordId, yes: Yes = False) -> None:
    """Delete a problem entered by mistake (audited).

    Example: aidtrack problem delete 4 --yes
    """
    delete_record("problems", ident, yes)
