"""Decisions (研判认定): a case about one household, its steps, and what its approval writes.

A status (帮扶中, 脱贫, 致富, 返贫) or a monitoring entry is a decision: from the policy day
`cases_from` on it is written only here, when its case is approved, dated on the day the case names
(its effective date, else the approval day) and linked to the case (docs/decisions.md). Undoing an
approved decision is a new case, `rollback`. Every write is one transaction, audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ... import parse
from ...i18n import _
from ...kinds import REGISTRY
from ...model import DECISION_STATUS, STEPS, AidtrackError, label, steps_of
from ...store import Store
from ..rules import facts
from ..rules.policy import Policy, cases_from
from ..rules.refs import Refs
from ..rules.validate import decision_refusal, validate
from . import records

#: Steps recorded after the decision: a notice (公告) of it.
AFTER_DECISION = ("notice",)


def get(db: Store, ident: str | int) -> dict[str, Any]:
    return records.get(db, "cases", ident)


def steps(db: Store, case_id: int) -> list[dict[str, Any]]:
    return records.select(db, "case_steps", case=case_id)


def required_steps(pol: Policy, decision: str, day: dt.date | str) -> tuple[str, ...]:
    """The steps a decision needs before its approval on that day (policy `steps_<decision>`)."""
    return tuple(s for s in steps_of(pol.value(f"steps_{decision}", day)) if s not in ("approval", "notice"))


def publicity_days(step: Mapping[str, Any]) -> int:
    """How many days a publicity ran, its first and last day counted (1–5 May: 5 days)."""
    start, end = dt.date.fromisoformat(step["date"]), dt.date.fromisoformat(step["end_date"])
    return (end - start).days + 1


def open_case(db: Store, data: Mapping[str, Any], today: dt.date | None = None) -> int:
    """Open a case from its lead; refused while the household has an open case of the same decision."""
    today = today or dt.date.today()
    data = {**data, "outcome": "open", "decided_on": None, "effective": None}
    refs = Refs(db)
    row = validate("cases", data, refs, today).raise_first()
    # the visit a lead names was made (a bundle may load the visits after its cases: checked here)
    if (
        row["lead_visit"]
        and not db.execute(
            "SELECT 1 FROM visits vi JOIN pairings p ON p.id = vi.pairing_id WHERE p.household_id = ? AND vi.date = ?",
            [row["household_id"], row["lead_visit"]],
        ).fetchone()
    ):
        raise AidtrackError(
            "lead_visit", row["lead_visit"], _("no visit to this household is recorded on this day")
        )
    with db.write():
        _refuse_second(db, row["household_id"], row["decision"])
        return int(records.insert(db, "cases", row))


def _refuse_second(db: Store, hid: int, decision: str) -> None:
    hit = db.execute(
        "SELECT id FROM cases WHERE household_id = ? AND decision = ? AND outcome = 'open'", [hid, decision]
    ).fetchone()
    if hit:
        raise AidtrackError(
            "decision",
            decision,
            _("the household already has this case open (case {id}): add steps to it").format(id=hit[0]),
        )


def add_step(db: Store, ident: str | int, data: Mapping[str, Any], today: dt.date | None = None) -> int:
    """Record one step of a case (an objection is a step of its own, with how it was handled)."""
    today = today or dt.date.today()
    case = get(db, ident)
    step = parse.choice(str(data.get("step") or ""), STEPS, "step")
    if case["outcome"] != "open" and step not in AFTER_DECISION:
        raise AidtrackError(
            "case",
            case["id"],
            _("is {outcome}: only its notice may still be recorded").format(outcome=label(case["outcome"])),
        )
    full = {
        **data,
        "household": case["household"],
        "decision": case["decision"],
        "lead_date": case["lead_date"],
        "case_id": case["id"],
    }
    row = validate("case_steps", full, Refs(db), today).raise_first()
    if step in AFTER_DECISION and case["outcome"] == "open":
        raise AidtrackError(
            "step", step, _("comes after the decision: approve, refuse or withdraw the case first")
        )
    if case["decided_on"] and step in AFTER_DECISION and row["date"] < case["decided_on"]:
        raise AidtrackError(
            "date", row["date"], _("is before the decision ({date})").format(date=case["decided_on"])
        )
    with db.write():
        if step == "objection" and row["handling"]:
            # an objection heard before: recorded again with how it was handled
            hit = db.execute(
                "SELECT id FROM case_steps WHERE case_id = ? AND step = 'objection' AND date = ?"
                " AND handling IS NULL",
                [case["id"], row["date"]],
            ).fetchone()
            if hit:
                before = records.get(db, "case_steps", hit[0])
                db.execute("UPDATE case_steps SET handling = ? WHERE id = ?", [row["handling"], hit[0]])
                db.audit("edit", "case_steps", str(hit[0]), before, records.get(db, "case_steps", hit[0]))
                return int(hit[0])
        return int(records.insert(db, "case_steps", row))


def missing(db: Store, case: Mapping[str, Any], day: str, pol: Policy | None = None) -> list[str]:
    """Why the case may not be approved on that day: each reason one short phrase (none: it may)."""
    pol = pol or Policy(db)
    done = [s for s in steps(db, case["id"]) if s["date"] <= day and s["outcome"] != "failed"]
    names = {s["step"] for s in done}
    why = [
        _("no {step} step").format(step=label(s))
        for s in required_steps(pol, case["decision"], day)
        if s not in names
    ]
    least = pol.value("publicity_days", day)
    shown = [s for s in done if s["step"] == "publicity" and s["end_date"]]
    if shown:  # the latest publicity counts: a short one is put right by publishing again
        last = max(shown, key=lambda s: (s["date"], s["id"]))
        if publicity_days(last) < least:
            why.append(
                _("publicity {start}–{end} ran {n} day(s), shorter than {least}").format(
                    start=last["date"], end=last["end_date"], n=publicity_days(last), least=least
                )
            )
        if last["end_date"] >= day:
            why.append(_("publicity runs until {end}: approve after it").format(end=last["end_date"]))
    for s in done:
        if s["step"] == "objection" and not s["handling"]:
            why.append(_("the objection of {date} has not been handled").format(date=s["date"]))
    return why


def approve(
    db: Store,
    ident: str | int,
    *,
    day: dt.date | str | None = None,
    body: str | None = None,
    by: str | None = None,
    document: str | None = None,
    effective: dt.date | str | None = None,
    reason: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Approve a case: every required step recorded, publicity long enough and over; then its
    status or monitoring entry is written, dated on the effective day (else the approval day)."""
    today = today or dt.date.today()
    case = get(db, ident)
    if case["outcome"] != "open":
        raise AidtrackError(
            "case", case["id"], _("is already {outcome}").format(outcome=label(case["outcome"]))
        )
    when = parse.date(day or today, "date", today=today).isoformat()
    if when > today.isoformat():
        raise AidtrackError("date", when, _("is after today ({today})").format(today=today))
    if when < case["lead_date"]:
        raise AidtrackError("date", when, _("is before the lead ({date})").format(date=case["lead_date"]))
    body = parse.text(body, "body", required=True, max_len=200)
    why = missing(db, case, when)
    if why:
        raise AidtrackError(
            "case",
            case["id"],
            _("cannot be approved on {day}: {why}").format(day=when, why=_("; ").join(why)),
        )
    on = parse.date(effective, "effective", today=today).isoformat() if effective else None
    with db.write():
        records.insert(
            db,
            "case_steps",
            {
                "case_id": case["id"],
                "step": "approval",
                "date": when,
                "who": body if by is None else by,
                "outcome": "passed",
                "document": document,
                "note": reason,
            },
        )
        _decide(db, case, "approved", when, body, reason, on)
        _apply(db, get(db, case["id"]), today)
    return get(db, case["id"])


def close(
    db: Store,
    ident: str | int,
    outcome: str,
    *,
    day: dt.date | str | None = None,
    reason: str | None = None,
    body: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Refuse or withdraw a case: nothing is written about the household but the case's outcome."""
    today = today or dt.date.today()
    case = get(db, ident)
    if case["outcome"] != "open":
        raise AidtrackError(
            "case", case["id"], _("is already {outcome}").format(outcome=label(case["outcome"]))
        )
    when = parse.date(day or today, "date", today=today).isoformat()
    if when < case["lead_date"] or when > today.isoformat():
        raise AidtrackError(
            "date", when, _("must lie between the lead ({date}) and today").format(date=case["lead_date"])
        )
    reason = parse.text(reason, "reason", required=True, max_len=2000)
    with db.write():
        _decide(db, case, outcome, when, body, reason, None)
    return get(db, case["id"])


def _decide(db: Store, case: Mapping[str, Any], outcome: str, day: str, body, reason, effective) -> None:
    db.execute(
        "UPDATE cases SET outcome = ?, decided_on = ?, body = coalesce(?, body), reason = coalesce(?, reason),"
        " effective = ? WHERE id = ?",
        [outcome, day, body, reason, effective, case["id"]],
    )
    db.audit(outcome, "cases", str(case["id"]), dict(case), get(db, case["id"]))


def _apply(db: Store, case: Mapping[str, Any], today: dt.date) -> None:
    """What an approved case writes: a status, a monitoring entry or its end, or the undoing of the
    household's latest approved decision (rollback)."""
    refs = Refs(db)
    on = case["effective"] or case["decided_on"]
    why = str(case["reason"] or label(case["decision"]))
    hid = refs.household(case["household"])
    decision = case["decision"]
    if decision == "rollback":
        last = db.execute(
            "SELECT id, decision, category FROM cases WHERE household_id = ? AND outcome = 'approved'"
            " AND decision <> 'rollback' AND id <> ? ORDER BY decided_on DESC, id DESC LIMIT 1",
            [hid, case["id"]],
        ).fetchone()
        if last is None:
            raise AidtrackError(
                "case", case["id"], _("there is no approved decision of this household to undo")
            )
        if last[1] in DECISION_STATUS:
            undone = db.execute(
                "SELECT id, date FROM statuses WHERE case_id = ? ORDER BY id DESC LIMIT 1", [last[0]]
            ).fetchone()
            before = None
            if undone is not None:
                before = db.execute(
                    "SELECT status FROM statuses WHERE household_id = ? AND (date < ? OR (date = ? AND id < ?))"
                    " ORDER BY date DESC, id DESC LIMIT 1",
                    [hid, undone[1], undone[1], undone[0]],
                ).fetchone()
            if before is None:
                raise AidtrackError("case", case["id"], _("the undone decision has no status before it"))
            _status(db, refs, case, before[0], on, why, today)
        elif last[1] == "monitor":
            _end_monitoring(db, refs, case, on, why, today)
        else:  # eliminate undone: monitored again, in the category it had
            _monitor(db, refs, case, last[2] or _category_before(db, hid), on, why, today)
        return
    if decision in DECISION_STATUS:
        _status(db, refs, case, DECISION_STATUS[decision], on, why, today)
    elif decision == "monitor":
        _monitor(db, refs, case, case["category"], on, why, today)
    elif decision == "eliminate":
        _end_monitoring(db, refs, case, on, why, today)


def _category_before(db: Store, hid: int) -> str:
    row = db.execute(
        "SELECT category FROM monitoring WHERE household_id = ? ORDER BY date DESC LIMIT 1", [hid]
    ).fetchone()
    return row[0] if row else "unstable"


def _put(db: Store, kind: str, row: Mapping[str, Any]) -> None:
    """A validated row written by an approval (audited) or by an import of cases (whose own audit
    entry names the file: one entry per import, as every import writes)."""
    if not _quiet:
        records.insert(db, kind, row)
        return
    cols = REGISTRY[kind].columns
    db.execute(
        f"INSERT INTO {REGISTRY[kind].table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        [row.get(c) for c in cols],
    )


#: Set while an import applies its approved cases (apply_imported): no audit entry per record.
_quiet = False


def _status(
    db: Store, refs: Refs, case: Mapping[str, Any], status: str, on: str, why: str, today: dt.date
) -> None:
    data = {
        "household": case["household"],
        "status": status,
        "date": on,
        "reason": why,
        "case_id": case["id"],
    }
    row = validate("statuses", data, refs, today).raise_first()
    if not _quiet:  # an approval now: 致富 and 脱贫 need the income, or the case's own reason
        refused = decision_refusal(refs, {**row, "reason": case["reason"]}, today)
        if refused:
            raise refused
    _put(db, "statuses", row)


def _monitor(db: Store, refs: Refs, case: Mapping[str, Any], category: str, on: str, why: str, today) -> None:
    data = {
        "household": case["household"],
        "category": category,
        "date": on,
        "reason": why,
        "case_id": case["id"],
    }
    _put(db, "monitoring", validate("monitoring", data, refs, today).raise_first())


def _end_monitoring(db: Store, refs: Refs, case: Mapping[str, Any], on: str, why: str, today) -> None:
    hid = refs.household(case["household"])
    entry = db.execute(
        "SELECT id FROM monitoring WHERE household_id = ? AND ended_on IS NULL ORDER BY date DESC LIMIT 1",
        [hid],
    ).fetchone()
    if entry is None:
        raise AidtrackError("case", case["id"], _("the household is not monitored: there is nothing to end"))
    before = records.get(db, "monitoring", entry[0])
    if not _quiet and case["decision"] == "eliminate" and not case["reason"]:
        _ready_for_elimination(db, case, hid, before, on)
    data = {f: before.get(f) for f in REGISTRY["monitoring"].field_names}
    data.update(
        {
            "id": entry[0],
            "ended_on": on,
            "end_reason": why,
            "case_id": before["case_id"],
            "end_case_id": case["id"],
        }
    )
    if data["case_id"] is None:
        data.pop("case_id")
    row = validate("monitoring", data, refs, today).raise_first()
    cols = REGISTRY["monitoring"].columns
    db.execute(
        f"UPDATE monitoring SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
        [*(row.get(c) for c in cols), entry[0]],
    )
    if not _quiet:
        db.audit("end", "monitoring", str(entry[0]), before, records.get(db, "monitoring", entry[0]))


def _ready_for_elimination(
    db: Store, case: Mapping[str, Any], hid: int, entry: Mapping[str, Any], on: str
) -> None:
    """Risk elimination (风险消除) approved only when the household is ready on the day, by the one
    rule `check monitor` and `monitor end` apply (facts.elimination_gaps); a case whose reason says
    otherwise is approved as its approver decided."""
    g = facts.elimination_gaps(db, on, {hid: dict(entry)})[hid]
    lacking = [
        name
        for name, short in (
            (_("monitored less than stable_months"), g["too_soon"]),
            (_("months under the monitoring line"), g["months_below"]),
            (_("months without income"), g["months_missing"]),
            (_("open measures"), g["open_measures"]),
            (_("no measure done since monitoring began"), not g["measures_done"]),
            (_("large costs not settled"), g["large_costs"]),
            (_("no member able to work"), not g["able_to_work"]),
        )
        if short
    ]
    if lacking:
        raise AidtrackError(
            "case",
            case["id"],
            _(
                "cannot eliminate the risk on {day}: {lacking} (`aidtrack check monitor --as-of {day}`"
                " says which; a case with a reason saying otherwise is approved as decided)"
            ).format(day=on, lacking=_("; ").join(lacking)),
        )


def apply_imported(db: Store, today: dt.date) -> int:
    """After an import of cases: each approved case without what its approval writes gets it (a file of
    cases stands for the decisions it records). Inside the import's transaction; the number written."""
    rows = db.execute(
        "SELECT ca.id FROM cases ca WHERE ca.outcome = 'approved' AND ("
        " (ca.decision IN ('enrol','exit','prosper','relapse')"
        "   AND NOT EXISTS (SELECT 1 FROM statuses s WHERE s.case_id = ca.id))"
        " OR (ca.decision = 'monitor' AND NOT EXISTS (SELECT 1 FROM monitoring m WHERE m.case_id = ca.id))"
        " OR (ca.decision = 'eliminate' AND NOT EXISTS (SELECT 1 FROM monitoring m WHERE m.end_case_id = ca.id)))"
        " ORDER BY coalesce(ca.effective, ca.decided_on), ca.id"
    ).fetchall()
    global _quiet
    _quiet = True
    try:
        for (cid,) in rows:
            _apply_one(db, cid, today)
    finally:
        _quiet = False
    return len(rows)


def _apply_one(db: Store, cid: int, today: dt.date) -> None:
    case = get(db, cid)
    on = case["effective"] or case["decided_on"]
    hid = Refs(db).household(case["household"])
    # what is already recorded for that day (history typed before, an enrolment) is linked, not doubled
    if case["decision"] in DECISION_STATUS:
        hit = db.execute(
            "SELECT id FROM statuses WHERE household_id = ? AND status = ? AND date = ? AND case_id IS NULL",
            [hid, DECISION_STATUS[case["decision"]], on],
        ).fetchone()
        if hit:
            db.execute("UPDATE statuses SET case_id = ? WHERE id = ?", [cid, hit[0]])
            return
    if case["decision"] == "monitor":
        hit = db.execute(
            "SELECT id FROM monitoring WHERE household_id = ? AND date = ? AND case_id IS NULL", [hid, on]
        ).fetchone()
        if hit:
            db.execute("UPDATE monitoring SET case_id = ? WHERE id = ?", [cid, hit[0]])
            return
    _apply(db, case, today)


def open_for_findings(db: Store, findings: list[dict[str, Any]], day: str, today: dt.date) -> list[int]:
    """Open a relapse case (部门筛查预警, the check's finding) for each household found, unless one is
    open already; a household found only for lack of income records gets none (a data gap)."""
    if day > today.isoformat():
        raise AidtrackError("as-of", day, _("is after today ({today})").format(today=today))
    opened = []
    refs = Refs(db)
    rows = []
    for f in findings:
        reasons = [r for r in f["reasons"] if r != "no_income"]
        if not reasons:
            continue
        hid = f["_id"]
        if db.execute(
            "SELECT 1 FROM cases WHERE household_id = ? AND decision = 'relapse' AND outcome = 'open'", [hid]
        ).fetchone():
            continue
        data = {
            "household": refs.code("household", hid),
            "decision": "relapse",
            "channel": "dept_warning",
            "lead_date": day,
            "lead_by": "check relapse",
            "finding": ", ".join(reasons),
            "department": _("relapse check"),
            "outcome": "open",
        }
        rows.append(validate("cases", data, refs, today).raise_first())
    with db.write():
        for row in rows:
            if db.execute(
                "SELECT 1 FROM cases WHERE household_id = ? AND decision = 'relapse' AND lead_date = ?",
                [row["household_id"], row["lead_date"]],
            ).fetchone():
                continue
            opened.append(int(records.insert(db, "cases", row)))
    return opened


def history(db: Store, household_id: int) -> list[dict[str, Any]]:
    """The household's cases, each with its steps, oldest first (the A4 register's section)."""
    out = []
    for case in records.select(db, "cases", household=household_id):
        out.append({**case, "step_list": steps(db, case["id"])})
    return out


def since(db: Store) -> str:
    return cases_from(Policy(db))
