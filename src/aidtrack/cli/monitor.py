"""Monitoring after exit (防止返贫动态监测): households watched for relapse, until risk elimination."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..i18n import _
from .common import (
    Columns,
    DateOpt,
    Format,
    HouseholdFilter,
    HouseholdRef,
    command,
    edit_record,
    list_records,
    open_db,
    today,
)
from .generic import argument, field_options, takes

NAME = "monitor"
app = typer.Typer(no_args_is_help=True)

Reason = Annotated[str | None, typer.Option("--reason", help=_("Why (free text)."))]


@command(app, writes=True)
@takes(argument("household", HouseholdRef), *field_options("monitoring", skip=["household"], adding=True))
def add(household: str, **fields: Any) -> None:
    """Put a household under monitoring with a category; prints the entry's id.

    A household in the programme and not exited (enrolled, relapsed) is already helped: refused.
    A household never enrolled may be monitored as marginal only with income between the poverty
    line and the monitoring line (under the line: enrol it, or 低保). See `aidtrack check monitor`.

    Example: aidtrack monitor add H01 --category unstable --date 2004-10-15 --reason 胃穿孔术后收入骤降
    """
    from ..ops.write import records

    print(records.add(open_db(), "monitoring", {"household": household, **fields}, today()))


@command(app, writes=True)
def end(
    household: HouseholdRef,
    date: DateOpt = None,
    reason: Reason = None,
    override: Annotated[
        bool,
        typer.Option(
            "--override", help=_("End it although `check monitor` does not find it ready (say why).")
        ),
    ] = False,
) -> None:
    """End a household's monitoring by risk elimination (风险消除), audited.

    Refused unless `aidtrack check monitor` finds it ready on that day: monitored at least
    stable_months, income at or above the monitoring line in those ended months, a measure done
    since monitoring began and none open, large costs settled (spending), and a member able to
    work. --override (with --reason) ends it anyway.

    Example: aidtrack monitor end H01 --date 2005-05-10 --reason 收入稳定六个月以上
    """
    from ..checks import monitor
    from ..model import AidtrackError
    from ..ops.rules.refs import Refs
    from ..parse import date as parse_date

    db = open_db()
    day = parse_date(date or today(), "date", today=today())
    hid = Refs(db).household(household)
    entry = monitor.open_entries(db, day).get(hid)
    if entry is None:
        raise AidtrackError("household", household, _("is not monitored on {day}").format(day=day))
    if override and not reason:
        raise AidtrackError("reason", "", _("is required with --override"))
    if not override:
        result = monitor.run(db, day)
        if not any(r["_id"] == hid for r in result["ready"]):
            why = next((monitor._staying(r) for r in result["monitored"] if r["_id"] == hid), "")
            raise AidtrackError(
                "household",
                household,
                _("is not ready for risk elimination on {day}: {why} (--override to end it anyway)").format(
                    day=day, why=why
                ),
            )
    edit_record(
        "monitoring",
        str(entry["id"]),
        {"ended_on": day.isoformat(), "end_reason": reason or _("risk eliminated")},
    )


@command(app, "list")
def list_(
    household: HouseholdFilter = None,
    open_: Annotated[bool, typer.Option("--open", help=_("Only monitoring not ended."))] = False,
    fmt: Format = "table",
    columns: Columns = None,
) -> None:
    """List monitoring entries (history kept: ended ones stay).

    Example: aidtrack monitor list --open
    """
    list_records("monitoring", fmt, household=household, open=open_)
