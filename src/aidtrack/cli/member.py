"""Household members (家庭成员): who lives in a household and when; its size on a day is the count present."""

from __future__ import annotations

from typing import Annotated

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

NAME = "member"
app = typer.Typer(no_args_is_help=True)

Relation = Annotated[
    str | None,
    typer.Option(
        "--relation", help=_("head (户主), spouse (配偶), child (子女), parent (父母) or other (其他).")
    ),
]
Born = Annotated[str | None, typer.Option("--born", help=_("Birth date, YYYY-MM-DD."))]
Gender = Annotated[str | None, typer.Option("--gender", help=_("male or female."))]
IdNumber = Annotated[str | None, typer.Option("--id-number", help=_("ID card number."))]
Health = Annotated[
    str | None,
    typer.Option("--health", help=_("healthy (健康), chronic (慢性病), serious (大病) or disabled (残疾).")),
]
Schooling = Annotated[str | None, typer.Option("--schooling", help=_("Schooling (文化程度, 在校)."))]
Work = Annotated[str | None, typer.Option("--work", help=_("Employer, or none."))]
WorkFrom = Annotated[str | None, typer.Option("--work-from", help=_("Day the work began."))]
WorkTo = Annotated[str | None, typer.Option("--work-to", help=_("Day the work ended."))]
DibaoFrom = Annotated[
    str | None, typer.Option("--dibao-from", help=_("Day the minimum living guarantee (低保) began."))
]
DibaoTo = Annotated[str | None, typer.Option("--dibao-to", help=_("Day the 低保 ended."))]
DibaoAmount = Annotated[str | None, typer.Option("--dibao-amount", help=_("低保 a month, in yuan."))]
Joined = Annotated[
    str | None,
    typer.Option(
        "--joined", help=_("Day the member joined the household (today); born into it: the birth date.")
    ),
]


def _fields(**kw) -> dict:
    return kw


@command(app, writes=True)
def add(
    household: HouseholdRef,
    name: Annotated[str, typer.Argument(help=_("The member's name."))],
    relation: Relation = None,
    born: Born = None,
    gender: Gender = None,
    id_number: IdNumber = None,
    health: Health = None,
    schooling: Schooling = None,
    work: Work = None,
    work_from: WorkFrom = None,
    work_to: WorkTo = None,
    dibao_from: DibaoFrom = None,
    dibao_to: DibaoTo = None,
    dibao_amount: DibaoAmount = None,
    joined: Joined = None,
) -> None:
    """Add a member to a household from the day they joined; prints the member id.

    The household's size counts them from that day on.

    Example: aidtrack member add H01 刘小明 --relation child --born 1985-03-02 --joined 2003-07-01
    """
    from ..ops import records

    print(
        records.add(
            open_db(),
            "members",
            _fields(
                household=household,
                name=name,
                relation=relation,
                born=born,
                gender=gender,
                id_number=id_number,
                health=health,
                schooling=schooling,
                work=work,
                work_from=work_from,
                work_to=work_to,
                dibao_from=dibao_from,
                dibao_to=dibao_to,
                dibao_amount=dibao_amount,
                joined=joined,
            ),
            today(),
        )
    )


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
def edit(
    ident: RecordId,
    name: Annotated[str | None, typer.Option("--name", help=_("The member's full name."))] = None,
    relation: Relation = None,
    born: Born = None,
    gender: Gender = None,
    id_number: IdNumber = None,
    health: Health = None,
    schooling: Schooling = None,
    work: Work = None,
    work_from: WorkFrom = None,
    work_to: WorkTo = None,
    dibao_from: DibaoFrom = None,
    dibao_to: DibaoTo = None,
    dibao_amount: DibaoAmount = None,
    joined: Joined = None,
    left: Annotated[str | None, typer.Option("--left", help=_("Day the member left."))] = None,
) -> None:
    """Correct a member (audited); naming #1 keeps the dates it stands for.

    Example: aidtrack member edit 7 --name 刘小明 --relation child
    """
    edit_record(
        "members",
        ident,
        _fields(
            name=name,
            relation=relation,
            born=born,
            gender=gender,
            id_number=id_number,
            health=health,
            schooling=schooling,
            work=work,
            work_from=work_from,
            work_to=work_to,
            dibao_from=dibao_from,
            dibao_to=dibao_to,
            dibao_amount=dibao_amount,
            joined=joined,
            left_on=left,
        ),
    )


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
