"""Cases (研判认定): a decision about a household from its lead through its steps to its approval."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import _
from ..model import CHANNELS, DECISIONS, MONITOR_CATEGORIES, STEP_OUTCOMES, STEPS
from .common import Columns, DateOpt, Format, HouseholdFilter, HouseholdRef, choices, command, open_db, today

NAME = "case"
app = typer.Typer(no_args_is_help=True)

CaseId = Annotated[str, typer.Argument(help=_("The case's id (see `aidtrack case list`)."))]
Reason = Annotated[str | None, typer.Option("--reason", help=_("Why (free text)."))]
Body = Annotated[str | None, typer.Option("--body", help=_("The body that decides (审批机关)."))]


@command(app, "open", writes=True)
def open_(
    household: HouseholdRef,
    decision: Annotated[
        str,
        typer.Argument(
            help=_("enrol, exit, prosper, relapse, monitor, eliminate or rollback."),
            autocompletion=choices(*DECISIONS),
        ),
    ],
    channel: Annotated[
        str,
        typer.Option(
            "--channel",
            help=_(
                "How the lead came: self_report (农户自主申报), cadre_check (干部排查), dept_warning (部门筛查预警)."
            ),
            autocompletion=choices(*CHANNELS),
        ),
    ] = "cadre_check",
    date: DateOpt = None,
    by: Annotated[str | None, typer.Option("--by", help=_("Who brought the lead."))] = None,
    visit: Annotated[
        str | None, typer.Option("--visit", help=_("The day of the visit that found it."))
    ] = None,
    finding: Annotated[
        str | None, typer.Option("--finding", help=_("What a check or screening found."))
    ] = None,
    department: Annotated[
        str | None, typer.Option("--department", help=_("The department that warned."))
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category",
            help=_("For monitor: unstable, marginal or sudden."),
            autocompletion=choices(*MONITOR_CATEGORIES),
        ),
    ] = None,
    reason: Reason = None,
) -> None:
    """Open a case from its lead; prints the case's id.

    Example: aidtrack case open H01 relapse --channel cadre_check --date 2003-10-15 --visit 2003-10-15
    """
    from ..ops.write import cases

    print(
        cases.open_case(
            open_db(),
            {
                "household": household,
                "decision": decision,
                "channel": channel,
                "lead_date": date,
                "lead_by": by,
                "lead_visit": visit,
                "finding": finding,
                "department": department,
                "category": category,
                "reason": reason,
            },
            today(),
        )
    )


@command(app, writes=True)
def step(
    case: CaseId,
    name: Annotated[
        str,
        typer.Argument(
            help=_("consent, verification, crosscheck, appraisal, publicity, objection, review or notice."),
            autocompletion=choices(*STEPS),
        ),
    ],
    date: DateOpt = None,
    until: Annotated[str | None, typer.Option("--until", help=_("Publicity: its last day."))] = None,
    by: Annotated[str | None, typer.Option("--by", help=_("Who carried it out."))] = None,
    outcome: Annotated[
        str | None,
        typer.Option("--outcome", help=_("passed or failed."), autocompletion=choices(*STEP_OUTCOMES)),
    ] = None,
    document: Annotated[str | None, typer.Option("--document", help=_("Document reference (文号)."))] = None,
    note: Annotated[str | None, typer.Option("--note", help=_("What it found (free text)."))] = None,
    handling: Annotated[
        str | None, typer.Option("--handling", help=_("Objection: how it was handled."))
    ] = None,
    meeting: Annotated[
        str | None, typer.Option("--meeting", help=_("Appraisal: the day of its meeting."))
    ] = None,
) -> None:
    """Record a step of a case; prints the step's id.

    Example: aidtrack case step 3 publicity --date 2004-03-20 --until 2004-03-24 --by 社区居委会
    """
    from ..ops.write import cases

    print(
        cases.add_step(
            open_db(),
            case,
            {
                "step": name,
                "date": date,
                "end_date": until,
                "who": by,
                "outcome": outcome,
                "document": document,
                "note": note,
                "handling": handling,
                "meeting": meeting,
            },
            today(),
        )
    )


@command(app, writes=True)
def approve(
    case: CaseId,
    body: Body = None,
    date: DateOpt = None,
    by: Annotated[str | None, typer.Option("--by", help=_("Who signed it."))] = None,
    document: Annotated[str | None, typer.Option("--document", help=_("Document reference (文号)."))] = None,
    effective: Annotated[
        str | None,
        typer.Option("--effective", help=_("The day the decision takes effect (the approval day).")),
    ] = None,
    reason: Reason = None,
) -> None:
    """Approve a case: writes the household's status or monitoring entry, linked to the case.

    Refused while a step the policy requires is missing or the publicity was shorter than
    publicity_days or is not over.

    Example: aidtrack case approve 3 --body 局党委会 --date 2004-03-31 --document 扶字〔2004〕3号
    """
    from ..ops.write import cases
    from ..render import emit_one

    after = cases.approve(
        open_db(),
        case,
        day=date,
        body=body,
        by=by,
        document=document,
        effective=effective,
        reason=reason,
        today=today(),
    )
    emit_one(after, "table")


@command(app, writes=True)
def refuse(case: CaseId, reason: Reason = None, date: DateOpt = None, body: Body = None) -> None:
    """Refuse a case (不予批准): nothing is written about the household.

    Example: aidtrack case refuse 4 --reason 收入未达标 --date 2004-05-10
    """
    _close(case, "refused", reason, date, body)


@command(app, writes=True)
def withdraw(case: CaseId, reason: Reason = None, date: DateOpt = None) -> None:
    """Withdraw a case (撤回): the household or the cadre took the lead back.

    Example: aidtrack case withdraw 4 --reason 农户撤回申请
    """
    _close(case, "withdrawn", reason, date, None)


def _close(case: str, outcome: str, reason: str | None, date: str | None, body: str | None) -> None:
    from ..ops.write import cases
    from ..render import emit_one

    emit_one(
        cases.close(open_db(), case, outcome, day=date, reason=reason, body=body, today=today()), "table"
    )


@command(app, "list")
def list_(
    household: HouseholdFilter = None,
    open_only: Annotated[bool, typer.Option("--open", help=_("Only cases still open."))] = False,
    fmt: Format = "table",
    columns: Columns = None,
) -> None:
    """List cases with their outcome and the number of steps.

    Example: aidtrack case list --household H01
    """
    from .common import list_records

    list_records("cases", fmt, household=household, open=open_only)


@command(app)
def show(case: CaseId, fmt: Format = "table") -> None:
    """A case with its steps and what its approval wrote.

    Example: aidtrack case show 3
    """
    from ..kinds import REGISTRY
    from ..ops.write import cases
    from ..render import emit, emit_one
    from .common import validate_format

    fmt = validate_format(fmt)
    db = open_db()
    found = cases.get(db, case)
    steps = cases.steps(db, found["id"])
    if fmt == "json":
        import json

        print(json.dumps({**found, "steps": steps}, ensure_ascii=False, indent=2))
        return
    emit_one(found, fmt)
    k = REGISTRY["case_steps"]
    # what a step's row repeats of its case (the fields naming it, its id) is left out
    own = {f.name for f in k.fields if f.column is None}
    emit(steps, [c for c in k.list_columns if c not in own and not c.endswith("_id")], fmt)
