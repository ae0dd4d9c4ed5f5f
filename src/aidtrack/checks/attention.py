"""What needs the director's attention (the quarter report's last section): the checks' findings as
of one day, one short row each — households at risk of relapse, follow-ups overdue, escalated
problems still open (past escalation_days or not), measures overdue.

Not a check of its own (it is not in NAMES): the CLI adds it to the quarter report, as of the
quarter's last day, so the director reads one page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..store import Store
from .common import Basis


def run(db: Store, as_of: dt.date) -> dict[str, Any]:
    from . import monitor, plans, relapse, visits

    basis = Basis.of(db, as_of)
    limit = basis.value("escalation_days")
    risk = relapse.run(db, as_of)
    late = visits._followups(db, basis, _status(db, as_of))
    escalated = []
    for pid, code, name, problem, day, studied, due in db.execute(
        "SELECT pr.id, h.code, h.name, pr.problem, v.date,"
        " (SELECT max(mt.date) FROM meeting_items mi JOIN meetings mt ON mt.id = mi.meeting_id"
        "  WHERE mi.problem_id = pr.id AND mt.date <= :d),"
        " (SELECT max(mi.due) FROM meeting_items mi JOIN meetings mt ON mt.id = mi.meeting_id"
        "  WHERE mi.problem_id = pr.id AND mt.date <= :d)"
        " FROM problems pr"
        " JOIN visits v ON v.id = pr.visit_id JOIN pairings p ON p.id = v.pairing_id"
        " JOIN households h ON h.id = p.household_id"
        " WHERE pr.escalated = 1 AND v.date <= :d AND (pr.resolved_on IS NULL OR pr.resolved_on > :d)"
        " ORDER BY v.date, pr.id",
        {"d": as_of.isoformat()},
    ):
        days = (as_of - dt.date.fromisoformat(day)).days
        # Past the deadline: not studied within escalation_days, or its decision's due day passed.
        past = (studied is None and days > limit) or (due is not None and due < as_of.isoformat())
        escalated.append(
            {
                "household": code,
                "household_name": name,
                "problem_id": pid,
                "problem": problem,
                "raised": day,
                "days_open": days,
                "studied": studied,
                "due": due,
                "overdue": past,
            }
        )
    # the one list each needs (their other lists are not made: a Stream is made as it is read)
    overdue = list(plans.stream(db, as_of)["overdue"])
    candidates = list(monitor.stream(db, as_of)["candidates"])
    return {
        "as_of": as_of.isoformat(),
        "relapse_risk": [
            {
                "household": f["household"],
                "household_name": f["household_name"],
                "cadre": f["cadre"],
                "reasons": f["reasons"],
            }
            for f in risk["at_risk"]
        ],
        "followups_overdue": [
            {k: r.get(k) for k in ("household", "household_name", "cadre", "last_visit", "days_since")}
            for r in late
        ],
        "escalations_open": escalated,
        "visits_short": _short(db, basis),
        "problems_unhandled": _unhandled(db, as_of, limit),
        "monitor_candidates": [
            {k: r.get(k) for k in ("household", "household_name", "category", "reasons")} for r in candidates
        ],
        "measures_overdue": [
            {k: r[k] for k in ("household", "household_name", "id", "what", "due", "days_overdue", "cadre")}
            for r in overdue
        ],
    }


def _short(db: Store, basis: Basis) -> list[dict[str, Any]]:
    """Pairings of the quarter of as-of whose days in it have passed by as-of with fewer visits than
    required (a pairing still running at as-of inside the quarter is not short yet)."""
    from ..model import Quarter
    from ..ops.rules import facts

    q = Quarter.of(basis.as_of)
    day = basis.as_of.isoformat()
    counts = facts.visit_counts(db, q.start, basis.as_of)
    out = []
    for p in facts.pairings_between(db, q.start, basis.as_of):
        ended = p["until"] is not None and p["until"] <= day
        if not ended and basis.as_of < q.end:
            continue
        required = facts.required_visits(
            basis.value("visits_per_quarter"), p["since"], p["until"], q.start, q.end
        )
        made = counts.get((p["id"], str(q)), 0)
        if made < required:
            out.append(
                {
                    "cadre": p["cadre"],
                    "cadre_name": p["cadre_name"],
                    "household": p["household"],
                    "household_name": p["household_name"],
                    "visits": made,
                    "required": required,
                }
            )
    return out


def _unhandled(db: Store, as_of: dt.date, limit: int) -> list[dict[str, Any]]:
    """Problems neither solved nor escalated by as-of, raised more than `limit` (escalation_days)
    days before it: a problem the cadre should have solved or handed to the committee."""
    out = []
    for pid, code, name, problem, day in db.execute(
        "SELECT pr.id, h.code, h.name, pr.problem, v.date FROM problems pr"
        " JOIN visits v ON v.id = pr.visit_id JOIN pairings p ON p.id = v.pairing_id"
        " JOIN households h ON h.id = p.household_id"
        " WHERE v.date < :limit AND (pr.resolved_on IS NULL OR pr.resolved_on > :d)"
        " AND (pr.escalated = 0 OR coalesce(pr.escalated_on, v.date) > :d)"
        " ORDER BY v.date, pr.id",
        {"d": as_of.isoformat(), "limit": (as_of - dt.timedelta(days=limit)).isoformat()},
    ):
        out.append(
            {
                "household": code,
                "household_name": name,
                "problem_id": pid,
                "problem": problem,
                "raised": day,
                "days_open": (as_of - dt.date.fromisoformat(day)).days,
            }
        )
    return out


def _status(db: Store, day: dt.date) -> dict[int, str]:
    from ..ops.rules import facts

    return facts.status_at(db, day)
