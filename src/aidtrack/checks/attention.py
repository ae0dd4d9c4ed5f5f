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
    from . import plans, relapse, visits

    basis = Basis.of(db, as_of)
    limit = basis.value("escalation_days")
    risk = relapse.run(db, as_of)
    late = visits._followups(db, basis, _status(db, as_of))
    escalated = []
    for pid, code, name, problem, day in db.execute(
        "SELECT pr.id, h.code, h.name, pr.problem, v.date FROM problems pr"
        " JOIN visits v ON v.id = pr.visit_id JOIN pairings p ON p.id = v.pairing_id"
        " JOIN households h ON h.id = p.household_id"
        " WHERE pr.escalated = 1 AND v.date <= :d AND (pr.resolved_on IS NULL OR pr.resolved_on > :d)"
        " ORDER BY v.date, pr.id",
        {"d": as_of.isoformat()},
    ):
        days = (as_of - dt.date.fromisoformat(day)).days
        escalated.append(
            {
                "household": code,
                "household_name": name,
                "problem_id": pid,
                "problem": problem,
                "raised": day,
                "days_open": days,
                "overdue": days > limit,
            }
        )
    overdue = plans.run(db, as_of)["overdue"]
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
        "measures_overdue": [
            {k: r[k] for k in ("household", "household_name", "id", "what", "due", "days_overdue", "cadre")}
            for r in overdue
        ],
    }


def _status(db: Store, day: dt.date) -> dict[int, str]:
    from ..ops import facts

    return facts.status_at(db, day)
