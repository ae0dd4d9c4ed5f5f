"""Close the cadre assessment (目标责任制考核) of a period, reopen it, record rewards and penalties."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import N_, _
from .common import Columns, Format, command, open_db, picked, today, validate_format, warn

NAME = "assess"
app = typer.Typer(no_args_is_help=True)

Year = Annotated[str, typer.Argument(metavar="YEAR", help=_("The year, e.g. 2004."))]
QuarterOpt = Annotated[
    str | None,
    typer.Option(
        "--quarter", "-q", metavar="QUARTER", help=_("One quarter of the year instead: 2004Q3 (or Q3).")
    ),
]


@command(app, writes=True)
def close(year: Year, quarter: QuarterOpt = None) -> None:
    """Freeze the period's assessment: scores, grades, their inputs and the policy in force (audited).

    Later corrections to the register do not change it; `report assessment` lists them as changed
    since closing. The period must be over.

    Example: aidtrack assess close 2004 --quarter 2004Q3
    """
    from ..ops.write import assess
    from ..reports import cadres

    start, end, label = assess.period(year, quarter)
    db = open_db()
    result = cadres.build(db, start, end, label, today())
    out = assess.close(db, label, end, result, today())
    print(
        _("Closed the assessment of {period}: {n} cadre(s), digest {digest}.").format(
            period=label, n=out["cadres"], digest=out["digest"][:16]
        )
    )


@command(app, writes=True)
def reopen(
    year: Year,
    quarter: QuarterOpt = None,
    reason: Annotated[str, typer.Option("--reason", help=_("Why it is reopened (kept)."))] = "",
) -> None:
    """Reopen a closed assessment (audited). The closed record is kept; close it again to freeze anew.

    Example: aidtrack assess reopen 2004 --reason "H05 visits corrected"
    """
    from ..ops.write import assess

    _start, _end, label = assess.period(year, quarter)
    assess.reopen(open_db(), label, reason)
    print(_("Reopened the assessment of {period}.").format(period=label))


@command(app, writes=True)
def reward(
    year: Year,
    cadre: Annotated[str, typer.Argument(metavar="CADRE", help=_("Cadre code, e.g. C01."))],
    measure: Annotated[str, typer.Argument(metavar="MEASURE", help=_("What was decided, e.g. 通报表扬."))],
    quarter: QuarterOpt = None,
    penalty: Annotated[
        bool, typer.Option("--penalty", help=_("A penalty (惩) instead of a reward (奖)."))
    ] = False,
    amount: Annotated[str | None, typer.Option("--amount", help=_("Money, in yuan, if any."))] = None,
    date: Annotated[str | None, typer.Option("--date", help=_("Day decided (today)."))] = None,
    note: Annotated[
        str | None,
        typer.Option("--note", help=_("A note; the reason, required when it contradicts the grade.")),
    ] = None,
) -> None:
    """Record a reward or a penalty (奖惩) against a cadre's closed result (audited). A reward
    fits 优秀, a penalty 基本合格 or 不合格; any other needs its reason in --note and is warned about.

    Example: aidtrack assess reward 2004 C01 通报表扬 --amount 500
    """
    from ..ops.write import assess

    _start, _end, label = assess.period(year, quarter)
    entry = assess.reward(
        open_db(), label, cadre, measure, "penalty" if penalty else "reward", amount, date, note, today()
    )
    if entry["contradicts"]:
        from ..ops.write.assess import grade_name

        warn(
            _(
                "a {kind} contradicts {cadre}'s grade ({grade}); recorded with the reason given: {note}"
            ).format(
                kind=_(entry["kind"]),
                cadre=entry["cadre"],
                grade=grade_name(entry["grade"], entry["grade_set"]),
                note=entry["note"],
            )
        )
    print(
        _("Recorded {kind} #{id} for {cadre} against {period}.").format(
            kind=_(entry["kind"]), id=entry["id"], cadre=entry["cadre"], period=label
        )
    )


@command(app, "list")
def list_(fmt: Format = "table", columns: Columns = None) -> None:
    """The assessments closed (and reopened), newest first.

    Example: aidtrack assess list
    """
    from ..ops.write import assess
    from ..render import emit

    fmt = validate_format(fmt)
    rows = assess.listed(open_db())
    if fmt == "table":
        rows = [r | {"state": _(r["state"])} for r in rows]
    titles = {
        "id": "id",
        "period": N_("Period"),
        "state": N_("State"),
        "closed_on": N_("Closed on"),
        "closed_by": N_("Closed by"),
        "reopened_at": N_("Reopened at"),
        "cadres": N_("Cadres"),
        "rewards": N_("Rewards and penalties"),
    }
    shown = picked(list(titles)) or list(titles)
    emit(rows, shown, fmt, headers=[titles[c] for c in shown], empty=_("No assessment has been closed."))
