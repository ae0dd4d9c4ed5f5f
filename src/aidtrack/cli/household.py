"""Households (帮扶对象): the destitute families, their status and its history."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..i18n import _
from ..model import STATUSES
from .common import (
    Columns,
    DateOpt,
    Format,
    HouseholdRef,
    ListFormat,
    Search,
    Yes,
    choices,
    command,
    edit_record,
    list_records,
    open_db,
    show_record,
    today,
    warn,
)

NAME = "household"
app = typer.Typer(no_args_is_help=True)

Code = Annotated[str | None, typer.Option("--code", help=_("Code such as H01 (assigned if left out)."))]
Members = Annotated[str | None, typer.Option("--members", help=_("People in the household (>= 1)."))]
Address = Annotated[str | None, typer.Option("--address", help=_("Home address (住址)."))]
Employer = Annotated[str | None, typer.Option("--employer", help=_("Former employer."))]
Livelihood = Annotated[
    str | None, typer.Option("--livelihood", help=_("commerce, husbandry, transport, employment, other."))
]
Born = Annotated[str | None, typer.Option("--born", help=_("Birth date of the head, YYYY-MM-DD."))]
Gender = Annotated[str | None, typer.Option("--gender", help=_("male or female."))]
Phone = Annotated[str | None, typer.Option("--phone", help=_("Phone number."))]
IdNumber = Annotated[str | None, typer.Option("--id-number", help=_("ID card number."))]
Tags = Annotated[list[str] | None, typer.Option("--tag", help=_("A tag such as 4050 (repeatable)."))]


def _fields(**kw) -> dict:
    tags = kw.pop("tag", None)
    if tags:
        kw["tags"] = ",".join(tags)
    return kw


@command(app, writes=True)
def add(
    name: Annotated[str, typer.Argument(help=_("Name of the head of the household."))],
    code: Code = None,
    members: Members = None,
    address: Address = None,
    employer: Employer = None,
    livelihood: Livelihood = None,
    born: Born = None,
    gender: Gender = None,
    phone: Phone = None,
    id_number: IdNumber = None,
    tag: Tags = None,
    enrolled: Annotated[str | None, typer.Option("--enrolled", help=_("Date enrolled (today)."))] = None,
) -> None:
    """Enrol a household (status enrolled); prints the new code.

    Example: aidtrack household add 刘香福 --code H01 --members 3 --tag 4050 --livelihood transport
    """
    from ..ops.write import records

    data = _fields(
        name=name,
        code=code,
        members=members,
        address=address,
        employer=employer,
        livelihood=livelihood,
        born=born,
        gender=gender,
        phone=phone,
        id_number=id_number,
        tag=tag,
        enrolled=enrolled,
    )
    print(records.add(open_db(), "households", data, today(), warn=warn))


@command(app, "list")
def list_(
    status: Annotated[
        str | None,
        typer.Option(
            "--status", help=_("Only households in this status."), autocompletion=choices(*STATUSES)
        ),
    ] = None,
    search: Search = None,
    fmt: ListFormat = "table",
    columns: Columns = None,
) -> None:
    """List households with their current status and cadre.

    Example: aidtrack household list --status exited --search lxf
    """
    list_records("households", fmt, status=status, search=search)


@command(app)
def show(ref: HouseholdRef, fmt: Format = "table") -> None:
    """Show one household.

    Example: aidtrack household show 刘香福
    """
    show_record("households", ref, fmt)


@command(app, writes=True)
def edit(
    ref: HouseholdRef,
    name: Annotated[str | None, typer.Option("--name", help=_("The head of household's full name."))] = None,
    code: Code = None,
    members: Members = None,
    address: Address = None,
    employer: Employer = None,
    livelihood: Livelihood = None,
    born: Born = None,
    gender: Gender = None,
    phone: Phone = None,
    id_number: IdNumber = None,
    tag: Tags = None,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            help=_(
                "With --members or --livelihood: the day the new size or livelihood holds from (today);"
                " the months before keep theirs."
            ),
        ),
    ] = None,
    enrolled: Annotated[
        str | None,
        typer.Option(
            "--enrolled", help=_("Move the enrolment to this day (to record earlier history: back-filling).")
        ),
    ] = None,
) -> None:
    """Correct a household's details (audited). --tag replaces the tags.

    --members N sets the size from a day on (--from, else today): people counted but not named
    (#1, #2 …) join or leave that day, so past months keep their size. Named members join and
    leave with `aidtrack member`. --livelihood X --from DATE records a livelihood change dated
    DATE (the livelihood as first recorded stays for the months before); without --from it
    corrects the livelihood as first recorded.

    Example: aidtrack household edit H02 --members 5 --from 2005-04-01
    """
    if from_ is not None and members is None and livelihood is None:
        from .common import fail

        fail(_("--from: goes with --members or --livelihood (the day the change holds from)"))
    if from_ is not None and livelihood is not None:
        from ..ops.write import records
        from .common import fail

        others = (name, code, members, address, employer, born, gender, phone, id_number, tag, enrolled)
        if any(v is not None for v in others):
            fail(_("--livelihood: with --from it is a dated change (one record): give it alone"))
        records.add(
            open_db(), "livelihoods", {"household": ref, "livelihood": livelihood, "date": from_}, today()
        )
        return
    changes = _fields(
        name=name,
        code=code,
        members=members,
        address=address,
        employer=employer,
        livelihood=livelihood,
        born=born,
        gender=gender,
        phone=phone,
        id_number=id_number,
        tag=tag,
        enrolled=enrolled,
    )
    if from_ is not None and members is not None:
        from ..parse import date as parse_date

        changes["members_from"] = parse_date(from_, "from", today=today()).isoformat()
    edit_record("households", ref, changes)


@command(app, writes=True)
def status(
    ref: HouseholdRef,
    set_: Annotated[
        str | None,
        typer.Option(
            "--set", help=_("enrolled, exited, prosperous or relapsed."), autocompletion=choices(*STATUSES)
        ),
    ] = None,
    date: DateOpt = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help=_("Why the status changed (kept in its history)."))
    ] = None,
    fmt: Format = "table",
) -> None:
    """Record a status change (脱贫 exited, 致富 prosperous, 返贫 relapsed), or show the history.

    --set records history dated before the policy day cases_from (as the paper says, shown as
    recorded without a case); from that day on a status is written by an approved case only:
    aidtrack case open H01 exit (docs/decisions.md).

    Example: aidtrack household status H01 --set exited --date 2004-03-31 --reason 三轮车运输收入稳定
    """
    from ..ops.write import actions

    db = open_db(create=set_ is not None)  # listing the history must not create a missing register
    if set_ is not None:
        actions.set_status(db, ref, set_, date, reason, today(), warn=warn)
    list_records("statuses", fmt if set_ is None else "table", household=ref)


@command(app, writes=True)
def delete(ref: HouseholdRef, yes: Yes = False) -> None:
    """Delete a household entered by mistake (audited); refused while other records refer to it.

    Example: aidtrack household delete H09 --yes
    """
    from .common import delete_record

    delete_record("households", ref, yes)


@command(app, writes=True)
def purge(
    code: Annotated[str, typer.Argument(help=_("The deleted household's code."))], yes: Yes = False
) -> None:
    """Erase a deleted household's personal data from the audit log (a removal request).

    The log keeps when, who and what was done; the values are erased. The purge is audited without
    them.

    Example: aidtrack household purge H09 --yes
    """
    from ..ops.write.maintenance import purge_household
    from .common import confirm_delete

    confirm_delete(_("the audit log's personal data of deleted household {code}").format(code=code), yes)
    n = purge_household(open_db(), code)
    sys.stderr.write(_("Purged {n} audit log entries of {code}.").format(n=n, code=code) + "\n")
