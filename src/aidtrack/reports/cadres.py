"""The cadre assessment (目标责任制考核) over a quarter or a year, with a score that shows its working.

The rule (docs/reports.md, "The cadre assessment score") is worked out quarter by quarter; a year's
score is the day-weighted mean of its quarters' scores. Every weight and threshold is a policy key
read as in force on the quarter's last day. Read-only: plain data out, nothing written.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from typing import Any

from ..i18n import N_, _
from ..model import OUT_OF_POVERTY, Quarter, add_months, month_of, period_name, yuan
from ..ops import facts
from ..ops.policy import Policy
from ..ops.redact import redact_rows
from ..ops.units import scope
from ..store import Store
from .common import quarters_of, unit_rows

#: How many months before a month its income-drop baseline may reach (as the relapse check's window).
WINDOW = 24
#: The components, in the order they are shown; each weighted one is `weight × ratio × coverage`.
WEIGHTED = ("visits", "compliance", "problems", "outcomes", "plans")
WEIGHT_KEYS = {
    "visits": "score_visits",
    "compliance": "score_compliance",
    "problems": "score_problems",
    "outcomes": "score_outcomes",
    "plans": "score_plans",
}
PENALTY_KEY = "score_relapse_penalty"
GRADE_KEYS = (("excellent", "grade_excellent"), ("pass", "grade_pass"), ("basic", "grade_basic"))
#: Grades, best first (优秀 / 合格 / 基本合格 / 不合格), and `ungraded` (不定等次: held too few days).
GRADES = ("excellent", "pass", "basic", "fail", "ungraded")
GRADE_NAMES = {
    "excellent": N_("excellent"),
    "pass": N_("pass"),
    "basic": N_("basic pass"),
    "fail": N_("fail"),
    "ungraded": N_("ungraded"),
}
GRADE_ZH = {
    "excellent": "优秀",
    "pass": "合格",
    "basic": "基本合格",
    "fail": "不合格",
    "ungraded": "不定等次",
}
#: Every policy key the rule reads (frozen with a closed assessment).
POLICY_USED = (
    "visits_per_quarter",
    "followup_days",
    "drop_pct",
    "drop_baseline_months",
    "escalation_days",
    *WEIGHT_KEYS.values(),
    PENALTY_KEY,
    "outcome_exited_pct",
    *(k for _g, k in GRADE_KEYS),
    "grade_min_coverage_pct",
)

CSV_COLUMNS = (
    "rank",
    "cadre",
    "cadre_name",
    "provisional",
    "days_held",
    "days",
    "pairings",
    "visits",
    "visits_credited",
    "visits_required",
    "pairings_met",
    "pairing_quarters",
    "problems_handled",
    "problems_escalated",
    "problems_overdue",
    "households",
    "exited",
    "prosperous",
    "relapsed",
    "outcome_credit",
    "late_followups",
    "aid_given",
    "visits_evidenced",
    "visits_points",
    "compliance_points",
    "problems_points",
    "outcomes_points",
    "plans_points",
    "late_points",
    "score",
    "rate",
    "grade",
)


def grade_of(rate: float, coverage: float, pol: dict[str, int]) -> str:
    """The grade of a score: from its rate (score ÷ coverage) against the thresholds; `ungraded`
    when the cadre held pairings on fewer than grade_min_coverage_pct % of the period's days."""
    if coverage * 100 < pol["grade_min_coverage_pct"] or coverage == 0:
        return "ungraded"
    for grade, key in GRADE_KEYS:
        if rate >= pol[key]:
            return grade
    return "fail"


def grade_name(grade: str) -> str:
    return _(GRADE_NAMES[grade])


def _days(first: dt.date, last: dt.date) -> int:
    return max(0, (last - first).days + 1)


def _d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def _held_days(spans: list[tuple[dt.date, dt.date]]) -> int:
    """Days covered by the union of the spans (inclusive)."""
    total, reach = 0, None
    for first, last in sorted(spans):
        if reach is not None and first <= reach:
            if last > reach:
                total += (last - reach).days
                reach = last
        else:
            total += _days(first, last)
            reach = last
    return total


class Register:
    """What the rule reads, loaded once for the whole period (a handful of queries, none per row)."""

    def __init__(
        self, db: Store, pairings: list[dict[str, Any]], start: dt.date, last: dt.date, policy: Policy
    ):
        self.db, self.policy, self.pairings = db, policy, pairings
        self.spans = [(p, _d(p["since"]), _d(p["until"]) if p["until"] else None) for p in pairings]
        self.by_household: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for p in pairings:
            self.by_household[p["household_id"]].append(p)
        households = sorted({p["household_id"] for p in pairings})
        ids = facts._ids_json(households)
        # Statuses of the households, in order: for outcomes and the first exit.
        self.statuses: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
        for hid, status, day, sid in db.execute(
            "SELECT household_id, status, date, id FROM statuses WHERE date <= ?"
            " AND household_id IN (SELECT value FROM json_each(?)) ORDER BY household_id, date, id",
            [last.isoformat(), ids],
        ):
            self.statuses[hid].append((day, sid, status))
        self.first_exit = {
            h: next((d for d, _i, s in rows if s in OUT_OF_POVERTY), None)
            for h, rows in self.statuses.items()
        }
        # Problems of the pairings that may count in the period: raised by its end, not settled before it.
        self.problems: dict[int, list[dict[str, Any]]] = defaultdict(list)
        wanted = {p["id"] for p in pairings}
        for pid, raised, escalated, resolved, escalated_on in db.execute(  # problems first: one probe each
            "SELECT v.pairing_id, v.date, pr.escalated, pr.resolved_on, pr.escalated_on FROM problems pr"
            " CROSS JOIN visits v ON v.id = pr.visit_id WHERE v.date <= ?"
            " AND (pr.resolved_on IS NULL OR pr.resolved_on >= ? OR v.date >= ?)",
            [last.isoformat(), start.isoformat(), start.isoformat()],
        ):
            if pid not in wanted:
                continue
            self.problems[pid].append(
                {
                    "raised": raised,
                    "escalated": bool(escalated),
                    "resolved": resolved,
                    "handled": handled_on(raised, bool(escalated), resolved, escalated_on),
                }
            )
        self.warnings = self._warnings(start, last, households, ids)

    def _warnings(self, start: dt.date, last: dt.date, households: list[int], ids: str) -> list[dict]:
        """Shocks (visit events) and income drops of households that had left poverty, whose follow-up
        deadline (the warning day + followup_days) falls in the period, with `followed` set when a
        visit of the household came after the warning and by the deadline."""
        reach = max(v for _s, v in self.policy.history["followup_days"])
        first = start - dt.timedelta(days=reach)
        out: list[dict[str, Any]] = []
        for hid, day, event in self.db.execute(
            "SELECT p.household_id, v.date, v.event FROM visits v JOIN pairings p ON p.id = v.pairing_id"
            " WHERE v.event IS NOT NULL AND v.date BETWEEN ? AND ?"
            " AND p.household_id IN (SELECT value FROM json_each(?))",
            [first.isoformat(), last.isoformat(), ids],
        ):
            out.append({"household_id": hid, "kind": "shock", "what": event, "day": _d(day)})
        exited = facts._ids_json(
            h for h, d in self.first_exit.items() if d is not None and d <= last.isoformat()
        )
        for hid, month, known in self._drops(first, last, exited):
            out.append({"household_id": hid, "kind": "income_drop", "what": month, "day": known})
        out = [
            w
            for w in out
            if self.first_exit.get(w["household_id"]) is not None
            and w["day"].isoformat() >= self.first_exit[w["household_id"]]
        ]
        for w in out:
            w["deadline"] = w["day"] + dt.timedelta(days=self.policy.value("followup_days", w["day"]))
        out = [w for w in out if start <= w["deadline"] <= last]
        if not out:
            return out
        visits: dict[int, list[str]] = defaultdict(list)
        for hid, day in self.db.execute(
            "SELECT p.household_id, v.date FROM visits v JOIN pairings p ON p.id = v.pairing_id"
            " WHERE v.date BETWEEN ? AND ? AND p.household_id IN (SELECT value FROM json_each(?))"
            " ORDER BY v.date",
            [
                min(w["day"] for w in out).isoformat(),
                last.isoformat(),
                facts._ids_json({w["household_id"] for w in out}),
            ],
        ):
            visits[hid].append(day)
        for w in out:
            days = visits.get(w["household_id"], [])
            i = bisect.bisect_right(days, w["day"].isoformat())
            w["followed"] = i < len(days) and days[i] <= w["deadline"].isoformat()
        return out

    def _drops(self, first: dt.date, last: dt.date, ids: str) -> list[tuple[int, str, dt.date]]:
        """(household id, month, day known) of each income drop known in [first, last]: the month's
        income (sources added) drop_pct % or more under the mean of the up to drop_baseline_months
        recorded months before it (within WINDOW months), known on the first day of the next month,
        with the policy in force that day. One windowed query per policy setting in the span."""
        groups: dict[tuple[int, int], list[str]] = defaultdict(list)
        month = month_of(first - dt.timedelta(days=1))
        while True:
            known = dt.date.fromisoformat(add_months(month, 1) + "-01")
            if known > last:
                break
            if known >= first:
                groups[
                    (self.policy.value("drop_baseline_months", known), self.policy.value("drop_pct", known))
                ].append(month)
            month = add_months(month, 1)
        out = []
        for (n, pct), months in groups.items():
            rows = self.db.execute(
                "WITH m AS (SELECT household_id, month, sum(amount) AS amt FROM income"
                "  WHERE month BETWEEN ? AND ? AND household_id IN (SELECT value FROM json_each(?))"
                "  GROUP BY household_id, month),"
                " w AS (SELECT household_id, month, amt, sum(amt) OVER win AS base, count(*) OVER win AS k"
                f"  FROM m WINDOW win AS (PARTITION BY household_id ORDER BY month"
                f"  ROWS BETWEEN {int(n)} PRECEDING AND 1 PRECEDING))"
                " SELECT household_id, month FROM w WHERE month BETWEEN ? AND ? AND base > 0"
                " AND 100 * (base - amt * k) >= ? * base",
                [add_months(months[0], -WINDOW), months[-1], ids, months[0], months[-1], pct],
            )
            wanted = set(months)
            out += [
                (hid, m, dt.date.fromisoformat(add_months(m, 1) + "-01")) for hid, m in rows if m in wanted
            ]
        return out

    def credit(self, hid: int, day: str, exited_pct: int) -> tuple[str | None, float]:
        """The household's status on a day and its outcome credit: prosperous 1, exited exited_pct %,
        enrolled 0; a relapsed household counts as it stood before the relapse."""
        before = [s for d, _i, s in self.statuses.get(hid, ()) if d <= day]
        status = before[-1] if before else None
        counted = next((s for s in reversed(before) if s != "relapsed"), None)
        return status, {"prosperous": 1.0, "exited": exited_pct / 100}.get(counted or "", 0.0)


def handled_on(
    raised: str, escalated: bool, resolved: str | None, escalated_on: str | None = None
) -> list[str]:
    """The days a problem counts as handled: the day it was resolved, and for a problem escalated to
    the party committee the day of its escalation (its own date, else the visit that raised it).
    Escalating what a cadre cannot solve is doing the job (docs/rules.md): it is handled in every
    quarter holding one of these days, so escalating adds a handled day and never takes one away;
    when the committee decides is the committee's record (meetings), not the cadre's.
    """
    escalation = (escalated_on or raised) if escalated else None
    return sorted({d for d in (resolved, escalation) if d})


def plan_measures(db: Store, start: dt.date, last: dt.date) -> dict[int, tuple[int, int]]:
    """Per cadre id: (measures done by their due date, measures due) among the plan measures (一户一策)
    due in [start, last]. A measure is the cadre's it names as responsible, else the cadre paired
    with the household on its due date. One dropped on or before its due date is not due; one
    dropped after it was due and not done counts as due and not done. Scored with weight
    `score_plans` (0 by default: a unit turns it on with `policy set score_plans N --from DATE`)."""
    rows = db.execute(
        "SELECT coalesce(m.cadre_id, (SELECT p.cadre_id FROM pairings p WHERE p.household_id = m.household_id"
        "   AND p.since <= m.due AND (p.until IS NULL OR p.until >= m.due) ORDER BY p.since DESC LIMIT 1)),"
        " sum(m.status = 'done' AND m.done_on <= m.due), count(*)"
        " FROM measures m WHERE m.due BETWEEN ? AND ?"
        " AND NOT (m.status = 'dropped' AND m.done_on <= m.due) GROUP BY 1",
        [start.isoformat(), last.isoformat()],
    )
    return {cid: (done, due) for cid, done, due in rows if cid is not None}


def score_quarter(reg: Register, q: Quarter, today: dt.date) -> dict[int, dict[str, Any]]:
    """Per cadre id: the quarter's components (inputs, ratio, points), days held, score, rate, grade."""
    qstart, qend, qdays_ = q.start, q.end, q.days
    pol = {k: reg.policy.value(k, qend) for k in POLICY_USED}
    last = min(qend, today)
    days = _days(qstart, last)
    qs, ql = qstart.isoformat(), last.isoformat()
    made = facts.visits_by_pairing(reg.db, qstart, last)
    per_q = pol["visits_per_quarter"]
    plans = plan_measures(reg.db, qstart, last)
    overdue_before = (last - dt.timedelta(days=pol["escalation_days"])).isoformat()
    cadres: dict[int, dict[str, Any]] = {}
    for p, since, until in reg.spans:
        first = since if since > qstart else qstart
        end = until if until is not None and until < last else last
        if end < first:
            continue
        c = cadres.get(p["cadre_id"])
        if c is None:
            c = cadres[p["cadre_id"]] = {
                "cadre": p["cadre"],
                "cadre_name": p["cadre_name"],
                "spans": [],
                "pairings": 0,
                "visits": 0,
                "credited": 0,
                "required": 0,
                "met": 0,
                "handled": 0,
                "escalated": 0,
                "overdue": 0,
                "households": set(),
                "credit_days": 0.0,
                "held_pair_days": 0,
                "statuses": defaultdict(int),
                "late": set(),
            }
        c["spans"].append((first, end))
        c["pairings"] += 1
        span_days = (end - first).days + 1
        if first == qstart and (until is None or until >= qend):
            required = per_q
        else:  # ceil(per_q × days active in the quarter ÷ days in the quarter), as facts.required_visits
            full_end = until if until is not None and until < qend else qend
            required = -(-per_q * ((full_end - first).days + 1) // qdays_)
        if last < qend:  # a running quarter asks only for the share already due
            required = min(required, per_q * span_days // qdays_)
        n = made.get(p["id"], 0)
        c["visits"] += n
        c["credited"] += min(n, required)
        c["required"] += required
        c["met"] += n >= required
        for pr in reg.problems.get(p["id"], ()):
            if pr["raised"] > ql:
                continue
            if any(qs <= d <= ql for d in pr["handled"]):
                c["handled"] += 1
                c["escalated"] += pr["escalated"] and qs <= pr["raised"]
            elif pr["raised"] <= overdue_before and not any(d <= ql for d in pr["handled"]):
                c["overdue"] += 1
        status, credit = reg.credit(p["household_id"], end.isoformat(), pol["outcome_exited_pct"])
        c["households"].add(p["household_id"])
        c["statuses"][status or "none"] += 1
        c["credit_days"] += credit * span_days
        c["held_pair_days"] += span_days
    for w in reg.warnings:
        if qstart <= w["deadline"] <= last and not w["followed"]:
            due = w["deadline"].isoformat()
            for p in reg.by_household[w["household_id"]]:
                held = p["since"] <= due and (p["until"] is None or p["until"] >= due)
                if held and p["cadre_id"] in cadres:
                    cadres[p["cadre_id"]]["late"].add(w["household_id"])
    out = {}
    for cid, c in cadres.items():
        held = _held_days(c["spans"])
        coverage = held / days if days else 0.0
        done, due = plans.get(cid, (0, 0))
        ratios = {
            "visits": (c["credited"] / c["required"]) if c["required"] else 1.0,
            "compliance": c["met"] / c["pairings"],
            "problems": c["handled"] / (c["handled"] + c["overdue"]) if c["handled"] + c["overdue"] else 1.0,
            "outcomes": c["credit_days"] / c["held_pair_days"] if c["held_pair_days"] else 0.0,
            "plans": done / due if due else 1.0,
        }
        inputs = {
            "visits": {"credited": c["credited"], "required": c["required"], "made": c["visits"]},
            "compliance": {"met": c["met"], "pairings": c["pairings"]},
            "problems": {"handled": c["handled"], "escalated": c["escalated"], "overdue": c["overdue"]},
            "outcomes": {"households": len(c["households"]), **dict(c["statuses"])},
            "plans": {"done": done, "due": due},
        }
        components = []
        for name in WEIGHTED:
            weight = pol[WEIGHT_KEYS[name]]
            components.append(
                {
                    "name": name,
                    "weight": weight,
                    "inputs": inputs[name],
                    "ratio": round(ratios[name], 4),
                    "points": round(weight * ratios[name] * coverage, 2),
                }
            )
        late = len(c["late"])
        components.append(
            {
                "name": "late_followup",
                "weight": -pol[PENALTY_KEY],
                "inputs": {"households": late},
                "ratio": None,
                "points": float(-pol[PENALTY_KEY] * late),
            }
        )
        score = round(max(0.0, sum(x["points"] for x in components)), 2)
        rate = round(score / coverage, 2) if coverage else 0.0
        out[cid] = {
            "cadre": c["cadre"],
            "cadre_name": c["cadre_name"],
            "days_held": held,
            "days": days,
            "coverage": round(coverage, 4),
            "pairings": c["pairings"],
            "components": components,
            "score": score,
            "rate": rate,
            "grade": grade_of(rate, coverage, pol),
            "households": c["households"],
            "statuses": dict(c["statuses"]),
            "inputs": {x["name"]: x["inputs"] for x in components},
        }
    return out


def build(
    db: Store,
    start: dt.date,
    end: dt.date,
    label: str,
    today: dt.date | None = None,
    redact: bool = False,
    unit: str | None = None,
    by_unit: bool = False,
) -> dict[str, Any]:
    """The assessment of every cadre of the period. `unit` keeps one unit's cadres
    (ops.merge.Units.find); `by_unit` gives each unit's cadres and average score instead."""
    today = today or dt.date.today()
    policy = Policy(db)
    last = min(end, today)
    provisional = end >= today
    quarters = [q for q in quarters_of(start, end) if q.start <= last]
    pairings = facts.pairings_between(db, start, last) if quarters else []
    units, uid = scope(db, unit, by_unit)
    if units is not None and not by_unit:
        pairings = [p for p in pairings if units.cadre[p["cadre_id"]] == uid]
    reg = Register(db, pairings, start, last, policy) if pairings else None
    per_quarter = {str(q): score_quarter(reg, q, today) for q in quarters} if reg else {}
    qdays = {str(q): _days(q.start, min(q.end, today)) for q in quarters}
    total_days = sum(qdays.values())
    moves = _moves(db, pairings, start, last)
    given = dict(
        db.execute(
            "SELECT giver_cadre_id, sum(value) FROM aid WHERE date BETWEEN ? AND ?"
            " AND giver_cadre_id IS NOT NULL GROUP BY giver_cadre_id",
            [start.isoformat(), last.isoformat()],
        ).fetchall()
    )
    pol_end = {k: policy.value(k, end) for k in POLICY_USED}
    single = len(quarters_of(start, end)) == 1  # a quarter; a year (even one begun) lists its quarters
    cadre_ids = list(dict.fromkeys(p["cadre_id"] for p in pairings))
    npairings: dict[int, int] = defaultdict(int)
    for p in pairings:
        npairings[p["cadre_id"]] += 1
    rows = []
    for cid in cadre_ids:
        qs = [(ql, per_quarter[ql].get(cid)) for ql in per_quarter]
        one = next(r for _q, r in qs if r is not None)
        held = sum(r["days_held"] for _q, r in qs if r)
        coverage = held / total_days if total_days else 0.0
        if single:
            components, score = one["components"], one["score"]
        else:
            components = _mean_components([(r, qdays[ql]) for ql, r in qs], total_days)
            score = round(sum(r["score"] * qdays[ql] for ql, r in qs if r) / total_days, 2)
        rate = round(score / coverage, 2) if coverage else 0.0
        pts = {c["name"]: c for c in components}
        households: set[int] = set()
        tot: dict[tuple[str, str], int] = defaultdict(int)  # each input summed over the quarters
        for _q, r in qs:
            if r:
                households |= r["households"]
                for comp, inputs in r["inputs"].items():
                    for k, v in inputs.items():
                        tot[comp, k] += v
        row = {
            "cadre": one["cadre"],
            "cadre_name": one["cadre_name"],
            "provisional": provisional,
            "days_held": held,
            "days": total_days,
            "coverage": round(coverage, 4),
            "pairings": npairings[cid],
            "visits": tot["visits", "made"],
            "visits_credited": tot["visits", "credited"],
            "visits_required": tot["visits", "required"],
            "pairings_met": tot["compliance", "met"],
            "pairing_quarters": tot["compliance", "pairings"],
            "problems_handled": tot["problems", "handled"],
            "problems_escalated": tot["problems", "escalated"],
            "problems_overdue": tot["problems", "overdue"],
            "households": len(households),
            "exited": len(moves[cid]["exited"]),
            "prosperous": len(moves[cid]["prosperous"]),
            "relapsed": len(moves[cid]["relapsed"]),
            "outcome_credit": pts["outcomes"]["ratio"],
            "late_followups": tot["late_followup", "households"],
            "aid_given": yuan(given.get(cid, 0)),
            "score": score,
            "rate": rate,
            "grade": one["grade"] if single else grade_of(rate, coverage, pol_end),
            "components": components,
        }
        if not single:
            row["quarters"] = [
                {
                    "quarter": ql,
                    "days": qdays[ql],
                    "days_held": r["days_held"] if r else 0,
                    "score": r["score"] if r else 0.0,
                    "rate": r["rate"] if r else 0.0,
                    "grade": r["grade"] if r else "ungraded",
                }
                for ql, r in qs
            ]
        rows.append(row)
    _evidence_share(db, pairings, rows, start, last)
    rows.sort(key=lambda r: (-r["score"], r["cadre"]))
    for n, r in enumerate(rows, 1):
        r["rank"] = n
    head = {
        "period": label,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "in_progress": provisional,
        "provisional": provisional,
        "scored_to": last.isoformat() if quarters else None,
        "quarters": {ql: {"days": d} for ql, d in qdays.items()},
        "weights": {k: pol_end[k] for k in (*WEIGHT_KEYS.values(), PENALTY_KEY)},
        "policy": {
            ql: {k: policy.value(k, q.end) for k in POLICY_USED} for ql, q in ((str(q), q) for q in quarters)
        },
    }
    if by_unit:
        assert units is not None  # by_unit reads the units
        groups = units.grouped(rows, lambda r: units.cadre_code[r["cadre"]])
        return head | {
            "by_unit": [{"unit": units.names[u], **_unit_figures(g)} for u, g in groups.items()],
            "totals": _unit_figures(rows),
        }
    return head | {"cadres": redact_rows(rows) if redact else rows}


def _mean_components(qs: list[tuple[dict | None, int]], total_days: int) -> list[dict[str, Any]]:
    """A year's components: each quarter's points weighted by its days (a quarter not held counts 0)."""
    first = next(r for r, _d in qs if r)
    out = []
    for i, comp in enumerate(first["components"]):
        points = sum(r["components"][i]["points"] * d for r, d in qs if r) / total_days
        held = [(r["components"][i], d * r["coverage"]) for r, d in qs if r]
        weight_days = sum(d for _c, d in held)
        ratio = (
            round(sum(c["ratio"] * d for c, d in held) / weight_days, 4)
            if comp["ratio"] is not None and weight_days
            else None
        )
        inputs: dict[str, int] = defaultdict(int)
        for c, _d in held:
            for k, v in c["inputs"].items():
                if k != "households" or comp["name"] == "late_followup":
                    inputs[k] += v
        out.append(
            {
                "name": comp["name"],
                "weight": comp["weight"],
                "inputs": dict(inputs),
                "ratio": ratio,
                "points": round(points, 2),
            }
        )
    return out


def _moves(
    db: Store, pairings: list[dict[str, Any]], start: dt.date, last: dt.date
) -> dict[int, dict[str, set]]:
    """Per cadre id: the households whose exited / prosperous / relapsed entry is dated in the period
    while the cadre's pairing with them was active (information; the score reads statuses itself)."""
    out: dict[int, dict[str, set]] = defaultdict(
        lambda: {m: set() for m in ("exited", "prosperous", "relapsed")}
    )
    by_household: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for p in pairings:
        by_household[p["household_id"]].append(p)
    for hid, status, day in db.execute(
        "SELECT household_id, status, date FROM statuses WHERE date BETWEEN ? AND ? AND status IN"
        " ('exited', 'prosperous', 'relapsed')",
        [start.isoformat(), last.isoformat()],
    ):
        for p in by_household.get(hid, ()):
            if p["since"] <= day and (p["until"] is None or day <= p["until"]):
                out[p["cadre_id"]][status].add(hid)
    return out


def _unit_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Cadres assessed, their pairings, visits made and required, and their average score."""
    return {
        "cadres": len(rows),
        "pairings": sum(r["pairings"] for r in rows),
        "visits": sum(r["visits"] for r in rows),
        "required": sum(r["visits_required"] for r in rows),
        "average_score": round(sum(r["score"] for r in rows) / len(rows), 2) if rows else None,
    }


UNIT_COLUMNS = ("unit", "cadres", "pairings", "visits", "required", "average_score")


def _evidence_share(
    db: Store, pairings: list[dict], rows: list[dict[str, Any]], start: dt.date, last: dt.date
) -> None:
    """Each cadre's visits of the period that carry field evidence (a phone form, facts.EVIDENCED):
    shown beside the score, never part of it (a unit typing paper registers is not marked down)."""
    by_pairing = facts.evidenced_by_pairing(db, start, last)
    by_cadre: dict[str, int] = defaultdict(int)
    for p in pairings:
        by_cadre[p["cadre"]] += by_pairing.get(p["id"], 0)
    for r in rows:
        r["visits_evidenced"] = by_cadre.get(r["cadre"], 0)


def csv_rows(data: dict[str, Any]) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    if "by_unit" in data:
        return unit_rows(data, "(total)"), UNIT_COLUMNS
    rows = []
    for r in data["cadres"]:
        flat = {k: v for k, v in r.items() if k not in ("components", "quarters")}
        for comp in r["components"]:
            flat[f"{comp['name'].replace('late_followup', 'late')}_points"] = comp["points"]
        rows.append(flat)
    return rows, CSV_COLUMNS


def _cell(comp: dict[str, Any]) -> str:
    """A component's inputs and points as a table cell: `7/8 → 35`."""
    i, n = comp["inputs"], comp["name"]
    if n == "visits":
        text = f"{i['credited']}/{i['required']}"
    elif n == "compliance":
        text = f"{i['met']}/{i['pairings']}"
    elif n == "problems":
        text = f"{i['handled']}/{i['handled'] + i['overdue']}" + (
            _(" ({n} esc.)").format(n=i["escalated"]) if i["escalated"] else ""
        )
    elif n == "outcomes":
        text = f"{comp['ratio']:.2f}" if comp["ratio"] is not None else ""
    elif n == "plans":
        text = f"{i.get('done', 0)}/{i.get('due', 0)}"
    else:
        return f"{i['households']} → {comp['points']:g}" if i["households"] else "0"
    return f"{text} → {comp['points']:g}"


def document(data: dict[str, Any]) -> dict[str, Any]:
    title = _("Cadre assessment {period} ({start} – {end})").format(
        **(data | {"period": period_name(data["period"])})
    )
    if data["in_progress"]:
        title += _(", provisional: scored on the days to {day}").format(
            day=data["scored_to"] or data["start"]
        )
    if "by_unit" in data:
        return {
            "title": title + _(", by unit"),
            "sections": [
                {
                    "kind": "table",
                    "columns": list(UNIT_COLUMNS),
                    "rows": unit_rows(data, _("Total")),
                    "headers": [
                        _("Unit"),
                        _("Cadres"),
                        _("Pairings"),
                        _("Visits"),
                        _("Required"),
                        _("Average score"),
                    ],
                }
            ],
        }
    if not data["cadres"]:
        return {
            "title": title,
            "empty": _("Nothing recorded for {period}.").format(period=period_name(data["period"])),
        }
    year = len(data["period"]) == 4
    rows = []
    for r in data["cadres"]:
        comps = {c["name"]: c for c in r["components"]}
        row = {
            "rank": r["rank"],
            "cadre": f"{r['cadre']} {r['cadre_name']}",
            "held": f"{r['days_held']}/{r['days']}",
            **{n: _cell(comps[n]) for n in (*WEIGHTED, "late_followup")},
            "score": f"{r['score']:.2f}",
            "rate": f"{r['rate']:.2f}",
            "grade": grade_name(r["grade"]),
        }
        if year:
            row["quarters"] = " ".join(f"Q{q['quarter'][-1]} {q['score']:g}" for q in r["quarters"])
        row["evidenced"] = f"{r.get('visits_evidenced', 0)}/{r['visits']}"
        rows.append(row)
    w = data["weights"]
    formula = _(
        "Per quarter, each part = weight × ratio × days held ÷ days: visits {visits} × credited/required"
        " (each pairing's visits capped at its requirement); compliance {compliance} × pairings that met"
        " theirs; problems {problems} × handled/(handled + overdue) (solved or escalated is handled; over"
        " {days} days open is overdue; none: full); outcomes {outcomes} × credit (prosperous 1, exited"
        " {exited}%, a relapse keeps the credit before it); plans {plans}; less {penalty} per household"
        " whose warning (shock, income drop) got no visit within {followup} days. Rate = score ÷ share of"
        " days held; grade from the rate. A year's score is the day-weighted mean of its quarters'."
    ).format(
        visits=w["score_visits"],
        compliance=w["score_compliance"],
        problems=w["score_problems"],
        outcomes=w["score_outcomes"],
        plans=w["score_plans"],
        penalty=w["score_relapse_penalty"],
        days=_last_policy(data, "escalation_days"),
        exited=_last_policy(data, "outcome_exited_pct"),
        followup=_last_policy(data, "followup_days"),
    )
    columns, headers = table_columns(plans=w["score_plans"] > 0, year=year)
    if any(r.get("visits_evidenced") for r in data["cadres"]):  # once a phone form came in
        columns.insert(columns.index("score"), "evidenced")
        headers.insert(columns.index("score") - 1, N_("Evidence"))
    return {
        "title": title,
        "sections": [
            {"kind": "table", "columns": columns, "headers": headers, "rows": rows},
            {"kind": "text", "text": formula},
        ],
    }


def table_columns(plans: bool, year: bool) -> tuple[list[str], list[str]]:
    """The assessment table's columns and headers, for the live report and the closed one alike:
    the plans component once it carries points, the quarters of a year."""
    named = [
        ("rank", "#"),
        ("cadre", N_("Cadre")),
        ("held", N_("Days held")),
        ("visits", N_("Visits")),
        ("compliance", N_("Pairings met")),
        ("problems", N_("Problems")),
        ("outcomes", N_("Outcomes")),
        *([("plans", N_("Plans"))] if plans else []),
        ("late_followup", N_("Late")),
        *([("quarters", N_("Quarters"))] if year else []),
        ("score", N_("Score")),
        ("rate", N_("Rate")),
        ("grade", N_("Grade")),
    ]
    return [c for c, _h in named], [h for _c, h in named]


def _last_policy(data: dict[str, Any], key: str) -> int:
    return list(data["policy"].values())[-1][key] if data["policy"] else 0
