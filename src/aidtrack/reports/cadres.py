"""The cadre assessment (目标责任制考核) over a quarter or a year, with a score that shows its working.

The rule (docs/assessment.md) is worked out quarter by quarter; a year's score is the day-weighted
mean of its quarters' scores. Every weight and threshold is a policy key read as in force on the
quarter's last day. Three steps, kept apart: `Register` gathers the facts (a handful of queries),
`quarter_inputs` / `quarter_score` / `period_row` / `rank_and_cap` compute from them alone, exactly
(fractions, never a float), and `document` rounds once, for display. Read-only.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections import defaultdict
from fractions import Fraction
from typing import Any, NamedTuple

from ..i18n import N_, _
from ..model import OUT_OF_POVERTY, Quarter, add_months, month_of, period_name, yuan
from ..ops.rules import facts, planfacts
from ..ops.rules.policy import Policy
from ..ops.rules.redact import redact_rows
from ..ops.transfer.units import scope
from ..ops.write.assess import GRADE_NAMES, GRADE_ZH, GRADES, grade_name
from ..store import Store
from .common import quarters_of, unit_rows

__all__ = ["GRADES", "GRADE_NAMES", "GRADE_ZH", "Quarter", "build", "document", "grade_name"]

#: The components, in the order they are shown; each weighted one is `weight × ratio × coverage`,
#: its weight normalised so that the weights add up to 100.
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
#: Every policy key the rule reads (frozen with a closed assessment).
POLICY_USED = (
    "visits_per_quarter",
    "followup_days",
    "drop_pct",
    "drop_baseline_months",
    "escalation_days",
    "problem_overdue_days",
    *WEIGHT_KEYS.values(),
    PENALTY_KEY,
    "outcome_exited_pct",
    *(k for _g, k in GRADE_KEYS),
    "grade_min_coverage_pct",
    "veto_missed_quarter",
    "grade_set",
    "excellent_share_pct",
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
    "problems_overdue_days",
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
    "vetoed",
    "capped",
    "score",
    "rate",
    "grade",
)


def shown(x: Fraction | int, places: int = 2) -> float:
    """An exact value rounded once, half up, for display."""
    scale = 10**places
    return (2 * x.numerator * scale + x.denominator) // (2 * x.denominator) / scale


def _shown(n: int, d: int, places: int = 2) -> float:
    """`shown` of the exact n ÷ d, in integers: ⌊n ÷ d × 10^places + 1/2⌋ ÷ 10^places."""
    scale = 10**places
    return (2 * n * scale + d) // (2 * d) / scale


def grade_of(rate: Fraction, coverage: Fraction, pol: dict[str, int]) -> str:
    """The grade of an exact rate (score ÷ coverage) against the thresholds; `ungraded` when the
    cadre held pairings on fewer than grade_min_coverage_pct % of the period's days."""
    # compared as integers (numerator against threshold × denominator): exact, and no Fraction built
    if (
        not coverage.numerator
        or coverage.numerator * 100 < pol["grade_min_coverage_pct"] * coverage.denominator
    ):
        return "ungraded"
    for grade, key in GRADE_KEYS:
        if rate.numerator >= pol[key] * rate.denominator:
            return grade
    return "fail"


def capped(grade: str, veto: int) -> str:
    """A grade held to at most the veto's (2 pass, 3 basic pass, 4 fail; 0 none)."""
    if not veto or grade == "ungraded":
        return grade
    return GRADES[max(GRADES.index(grade), veto - 1)]


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


def _overlap(a: dt.date, b: dt.date, c: dt.date, d: dt.date) -> int:
    return _days(max(a, c), min(b, d))


# --- gathering the facts ---------------------------------------------------------------------------


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
        #: Statuses of the households, in order: (date, status).
        self.statuses: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for hid, status, day in db.execute(
            "SELECT household_id, status, date FROM statuses WHERE date <= ?"
            " AND household_id IN (SELECT value FROM json_each(?)) ORDER BY household_id, date, id",
            [last.isoformat(), ids],
        ):
            self.statuses[hid].append((day, status))
        self.first_exit = {
            h: next((d for d, s in rows if s in OUT_OF_POVERTY), None) for h, rows in self.statuses.items()
        }
        #: One trip to a household on a day is one visit: the distinct visit days per pairing.
        self.visit_days = facts.visit_days_by_pairing(db, start, last)
        #: Every problem raised by the period's end at a visit of its pairings.
        self.problems: dict[int, list[dict[str, Any]]] = defaultdict(list)
        limits: dict[str, tuple[int, int]] = {}  # per day raised: (escalation_days, problem_overdue_days)
        for pid, raised, escalated, resolved, escalated_on in db.execute(
            "SELECT v.pairing_id, v.date, pr.escalated, pr.resolved_on, pr.escalated_on FROM problems pr"
            " JOIN visits v ON v.id = pr.visit_id WHERE v.date <= ?"
            " AND v.pairing_id IN (SELECT value FROM json_each(?))",
            [last.isoformat(), facts._ids_json(p["id"] for p in pairings)],
        ):
            if raised not in limits:
                limits[raised] = (
                    policy.value("escalation_days", raised),
                    policy.value("problem_overdue_days", raised),
                )
            self.problems[pid].append(
                problem_timing(
                    raised, (escalated_on or raised) if escalated else None, resolved, *limits[raised]
                )
            )
        #: Plan measures (一户一策) with the cadre responsible: named, else paired on the due date.
        self.measures: dict[int, list[tuple[int | None, planfacts.Measure]]] = defaultdict(list)
        for hid, cid, *m in db.execute(
            "SELECT household_id, cadre_id, date, due, status, done_on, result FROM measures"
            " WHERE date <= ? AND household_id IN (SELECT value FROM json_each(?))",
            [last.isoformat(), ids],
        ):
            measure: planfacts.Measure = tuple(m)
            self.measures[hid].append((cid or self.cadre_on(hid, m[1]), measure))
        #: The first day causes of poverty were recorded for each household.
        self.causes = dict(
            db.execute(
                "SELECT household_id, min(date) FROM causes WHERE household_id IN (SELECT value FROM json_each(?))"
                " GROUP BY household_id",
                [ids],
            ).fetchall()
        )
        self.warnings = self._warnings(start, last, households, ids)

    def cadre_on(self, hid: int, day: str | None) -> int | None:
        if not day:
            return None
        for p in self.by_household.get(hid, ()):
            if p["since"] <= day and (p["until"] is None or p["until"] >= day):
                return p["cadre_id"]
        return None

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
        exited = [h for h, d in self.first_exit.items() if d is not None and d <= last.isoformat()]
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

    def _drops(self, first: dt.date, last: dt.date, exited: list[int]) -> list[tuple[int, str, dt.date]]:
        """(household id, month, day known) of each income drop known in [first, last]: the month is
        a drop by `facts.income_drop` (the relapse check's one definition) over the household's
        recorded months within facts.INCOME_WINDOW_MONTHS, with the policy in force the day it is
        known, the first day of the next month."""
        months = []
        month = month_of(first - dt.timedelta(days=1))
        while (known := _d(add_months(month, 1) + "-01")) <= last:
            if known >= first:
                months.append((month, known))
            month = add_months(month, 1)
        if not months or not exited:
            return []
        window = facts.INCOME_WINDOW_MONTHS
        income = facts.monthly_income(self.db, add_months(months[0][0], -window), months[-1][0], exited)
        each = [
            (
                month,
                known,
                add_months(month, -window),
                self.policy.value("drop_baseline_months", known),
                self.policy.value("drop_pct", known),
            )
            for month, known in months
        ]
        out = []
        for hid, rows in income.items():
            recorded = [m for m, _a in rows]
            amounts = [a for _m, a in rows]
            for month, known, floor, n, pct in each:
                i = bisect.bisect_right(recorded, month)
                if not i or recorded[i - 1] != month:
                    continue
                lo = bisect.bisect_left(recorded, floor)
                if facts.income_drop(amounts[lo:i], n, pct):
                    out.append((hid, month, known))
        return out


def problem_timing(
    raised: str, escalated: str | None, resolved: str | None, limit: int, cap: int
) -> dict[str, Any]:
    """When a problem counts as handled and when it is overdue.

    It is handled on the first day it was resolved or escalated to the party committee; handled
    **in time** when that day is within `limit` (escalation_days) days of it being raised. One not
    handled in time is overdue from the day after the limit until the day before it is handled,
    for at most `cap` (problem_overdue_days) days: what one unhandled problem can cost is bounded.
    """
    handled = min((d for d in (resolved, escalated) if d), default=None)
    deadline = _d(raised) + dt.timedelta(days=limit)
    in_time = handled is not None and _d(handled) <= deadline
    overdue = None
    if not in_time:
        stop = deadline + dt.timedelta(days=cap)
        if handled is not None:
            stop = min(stop, _d(handled) - dt.timedelta(days=1))
        overdue = (deadline + dt.timedelta(days=1), stop)
    return {
        "raised": raised,
        "handled": handled,
        "in_time": in_time,
        "by_escalation": in_time and handled == escalated,
        "overdue": overdue,
    }


# --- the computation: exact, from the facts alone --------------------------------------------------


def credit_days(rows: list[tuple[str, str]], first: dt.date, end: dt.date, exited_pct: int) -> int:
    """Σ over the days [first, end] of the household's outcome credit that day, in percent-days
    (exact, an integer): prosperous 100, exited `exited_pct`, enrolled 0. A relapsed household
    counts as it stood before the relapse (an honest relapse never costs); brought out again it
    counts as exited or prosperous again."""
    value = {"prosperous": 100, "exited": exited_pct}
    counted, total, day = None, 0, first
    for when, status in rows:
        d = _d(when)
        if d > end:
            break
        if d > day:
            total += value.get(counted or "", 0) * _days(day, d - dt.timedelta(days=1))
            day = d
        if status != "relapsed":
            counted = status
    return total + value.get(counted or "", 0) * _days(day, end)


def _counts(p: dict[str, Any]) -> dict[str, Any]:
    """A cadre's empty counts for a quarter."""
    return {
        "cadre": p["cadre"],
        "cadre_name": p["cadre_name"],
        "spans": [],
        "pairings": 0,
        **dict.fromkeys(("visits", "credited", "required", "met"), 0),
        **dict.fromkeys(("handled", "escalated", "overdue", "overdue_days", "pair_days"), 0),
        "households": set(),
        "credit_pct_days": 0,
        "statuses": defaultdict(int),
        "late": set(),
        "missed": [],
        "owed": 0,
        "on_time": 0,
        "no_plan": set(),
    }


class _QuarterFacts(NamedTuple):
    """A quarter's dates and policy, worked out once for all its pairings (not once per pairing)."""

    start: dt.date
    end: dt.date
    days: int
    first_iso: str
    last_iso: str
    per_q: int
    exited_pct: int


def _add_pairing(
    c: dict[str, Any],
    reg: Register,
    pairing: tuple[dict[str, Any], dt.date, dt.date | None],
    q: _QuarterFacts,
    last: dt.date,
    first: dt.date,
    end: dt.date,
) -> None:
    """Add one pairing's days [first, end] of the quarter (scored to `last`) to its cadre's counts."""
    p, since, until = pairing
    per_q = q.per_q
    c["spans"].append((first, end))
    c["pairings"] += 1
    span_days = _days(first, end)
    required = facts.required_visits(per_q, since, until, q.start, q.end)
    if last < q.end:  # a running quarter asks only for the share already due
        required = min(required, per_q * span_days // q.days)
    made = sum(1 for d in reg.visit_days.get(p["id"], ()) if q.first_iso <= d <= q.last_iso)
    c["visits"] += made
    c["credited"] += min(made, required)
    c["required"] += required
    c["met"] += made >= required
    if not made and last == q.end and since <= q.start and (until is None or until >= q.end):
        c["missed"].append(p["household"])
    for pr in reg.problems.get(p["id"], ()):
        if pr["in_time"] and first.isoformat() <= pr["handled"] <= end.isoformat():
            c["handled"] += 1
            c["escalated"] += pr["by_escalation"]
        if pr["overdue"]:
            late_from, late_to = pr["overdue"]
            days = _overlap(late_from, late_to, first, end)
            c["overdue"] += days > 0
            c["overdue_days"] += days
    c["pair_days"] += span_days
    rows = reg.statuses.get(p["household_id"], [])
    c["credit_pct_days"] += credit_days(rows, first, end, q.exited_pct)
    on_end = [s for d, s in rows if d <= end.isoformat()]
    c["households"].add(p["household_id"])
    c["statuses"][on_end[-1] if on_end else "none"] += 1
    cause = reg.causes.get(p["household_id"])
    planned = any(m[0] <= end.isoformat() for _c, m in reg.measures.get(p["household_id"], ()))
    if cause and cause <= end.isoformat() and not planned:
        c["no_plan"].add(p["household_id"])


def quarter_inputs(reg: Register, q: Quarter, scored_to: dt.date) -> dict[int, dict[str, Any]]:
    """Per cadre id: the quarter's counts (pairings, visits, problems, outcome credit-days, plans,
    late follow-ups, quarters missed), from the register's facts."""
    last = min(q.end, scored_to)
    fixed = _QuarterFacts(
        q.start,
        q.end,
        q.days,
        q.start.isoformat(),
        last.isoformat(),
        reg.policy.value("visits_per_quarter", q.end),
        reg.policy.value("outcome_exited_pct", q.end),
    )
    cadres: dict[int, dict[str, Any]] = {}
    for pairing in reg.spans:
        p, since, until = pairing
        first = max(since, fixed.start)
        end = until if until is not None and until < last else last
        if end >= first:
            c = cadres.setdefault(p["cadre_id"], _counts(p))
            _add_pairing(c, reg, pairing, fixed, last, first, end)
    by_cadre: dict[int, list[planfacts.Measure]] = defaultdict(list)
    for measures in reg.measures.values():
        for cid, m in measures:
            if cid in cadres:
                by_cadre[cid].append(m)
    for cid, ms in by_cadre.items():
        counts = planfacts.tally(ms, q.start.isoformat(), last.isoformat())
        cadres[cid]["owed"] += counts["owed"]
        cadres[cid]["on_time"] += counts["on_time"]
    for w in reg.warnings:
        if q.start <= w["deadline"] <= last and not w["followed"]:
            cid = reg.cadre_on(w["household_id"], w["deadline"].isoformat())
            if cid in cadres:
                cadres[cid]["late"].add(w["household_id"])
    return cadres


def quarter_score(c: dict[str, Any], days: int, pol: dict[str, int]) -> dict[str, Any]:
    """A cadre's quarter from its counts: each part = normalised weight × ratio × coverage, less
    the late follow-ups; score, rate and grade exact."""
    held = _held_days(c["spans"])
    coverage = Fraction(held, days) if days else Fraction(0)
    owed = c["owed"] + len(c["no_plan"])
    # Each ratio as an exact (numerator, denominator) of integers: a Fraction is built only where
    # one is compared or kept (score, rate, coverage), the rest is integer arithmetic (same values).
    pd = c["pair_days"]
    ratios: dict[str, tuple[int, int]] = {
        "visits": (c["credited"], c["required"]) if c["required"] else (1, 1),
        "compliance": (c["met"], c["pairings"]),
        "problems": (pd - min(c["overdue_days"], pd), pd),
        "outcomes": (c["credit_pct_days"], 100 * pd),
        "plans": (c["on_time"], owed) if owed else (1, 1),
    }
    inputs = {
        "visits": {"credited": c["credited"], "required": c["required"], "made": c["visits"]},
        "compliance": {"met": c["met"], "pairings": c["pairings"]},
        "problems": {
            "handled": c["handled"],
            "escalated": c["escalated"],
            "overdue": c["overdue"],
            "overdue_days": c["overdue_days"],
            "pair_days": c["pair_days"],
        },
        "outcomes": {"households": len(c["households"]), **dict(c["statuses"])},
        "plans": {"done": c["on_time"], "due": owed, "no_plan": len(c["no_plan"])},
    }
    # part n = normalised weight × ratio × coverage = 100·w·a·held ÷ (Σw·b·days), exactly
    total = sum(pol[k] for k in WEIGHT_KEYS.values())
    parts: dict[str, tuple[int, int]] = {}
    for n in WEIGHTED:
        a, b = ratios[n]
        parts[n] = (100 * pol[WEIGHT_KEYS[n]] * a * held, total * b * days) if total and days else (0, 1)
    late = len(c["late"])
    parts["late_followup"] = (-pol[PENALTY_KEY] * late, 1)
    den = math.lcm(*(b for _a, b in parts.values()))  # a common denominator, kept small
    num = sum(a * (den // b) for a, b in parts.values())
    score = Fraction(max(0, num), den)
    rate = Fraction(score.numerator * days, score.denominator * held) if held and days else Fraction(0)
    components = [
        {
            "name": n,
            "weight": pol[WEIGHT_KEYS[n]],
            "inputs": inputs[n],
            "ratio": _shown(*ratios[n], 4),
            "points": _shown(*parts[n]),
        }
        for n in WEIGHTED
    ]
    components.append(
        {
            "name": "late_followup",
            "weight": -pol[PENALTY_KEY],
            "inputs": {"households": late},
            "ratio": None,
            "points": _shown(*parts["late_followup"]),
        }
    )
    grade = capped(grade_of(rate, coverage, pol), pol["veto_missed_quarter"] if c["missed"] else 0)
    return {
        "cadre": c["cadre"],
        "cadre_name": c["cadre_name"],
        "days_held": held,
        "days": days,
        "components": components,
        "pairings": c["pairings"],
        "households": c["households"],
        "missed": c["missed"],
        "grade": grade,
        # exact, for the year and the ranking; never shown as such ((numerator, denominator) pairs)
        "_parts": parts,
        "_ratios": ratios,
        "_coverage": coverage,
        "_score": score,
        "_rate": rate,
    }


def score_quarter(reg: Register, q: Quarter, scored_to: dt.date) -> dict[int, dict[str, Any]]:
    """Per cadre id: the quarter's components (inputs, ratio, points), days held, score, rate, grade."""
    pol = {k: reg.policy.value(k, q.end) for k in POLICY_USED}
    days = _days(q.start, min(q.end, scored_to))
    return {cid: quarter_score(c, days, pol) for cid, c in quarter_inputs(reg, q, scored_to).items()}


def period_row(
    qs: list[tuple[str, dict | None]], qdays: dict[str, int], pol: dict[str, int], single: bool = False
) -> dict:
    """A cadre's period from its quarters: the day-weighted mean of their exact parts and score; the
    grade from the exact rate, held down by the veto when a quarter was missed."""
    total = sum(qdays.values())
    held = [(r, qdays[ql]) for ql, r in qs if r]
    one = held[0][0]
    if single:
        return one | {"_veto": bool(one["missed"])}
    days_held = sum(r["days_held"] for r, _d in held)
    coverage = Fraction(days_held, total)
    parts = {
        n: sum((Fraction(*r["_parts"][n]) * d for r, d in held), Fraction(0)) / total for n in one["_parts"]
    }
    score = sum((r["_score"] * d for r, d in held), Fraction(0)) / total
    rate = score / coverage if coverage else Fraction(0)
    components = []
    for i, comp in enumerate(one["components"]):
        n = comp["name"]
        weight_days = sum(r["_coverage"] * d for r, d in held)
        ratio = (
            sum((Fraction(*r["_ratios"][n]) * r["_coverage"] * d for r, d in held), Fraction(0)) / weight_days
            if n != "late_followup" and weight_days
            else None
        )
        inputs: dict[str, int] = defaultdict(int)
        for r, _d in held:
            for k, v in r["components"][i]["inputs"].items():
                if k != "households" or n == "late_followup":
                    inputs[k] += v
        components.append(
            {
                "name": n,
                "weight": comp["weight"],
                "inputs": dict(inputs),
                "ratio": None if ratio is None else shown(ratio, 4),
                "points": shown(parts[n]),
            }
        )
    missed = [ql for ql, r in qs if r and r["missed"]]
    grade = capped(grade_of(rate, coverage, pol), pol["veto_missed_quarter"] if missed else 0)
    households: set[int] = set()
    for r, _d in held:
        households |= r["households"]
    return {
        "cadre": one["cadre"],
        "cadre_name": one["cadre_name"],
        "days_held": days_held,
        "days": total,
        "components": components,
        "households": households,
        "grade": grade,
        "_coverage": coverage,
        "_score": score,
        "_rate": rate,
        "_veto": bool(missed),
        "_missed": missed,
    }


def rank_and_cap(rows: list[dict[str, Any]], share_pct: int) -> None:
    """Rank by the exact rate (the graded first, then the ungraded), and with a share cap on 优秀
    keep at most ⌊graded × share_pct ÷ 100⌋ excellent by rank. Cadres tied on the rate at the cut
    are all held to 合格 and flagged `tied_at_cap` (no tie is broken by a code or a name)."""
    # by (graded first, rate descending, code): stable sorts, the last key first (no Fraction negated)
    rows.sort(key=lambda r: r["cadre"])
    rows.sort(key=lambda r: r["_rate"], reverse=True)
    rows.sort(key=lambda r: r["grade"] == "ungraded")
    for n, r in enumerate(rows, 1):
        r["rank"] = n
        r["capped"] = r["tied_at_cap"] = False
    excellent = [r for r in rows if r["grade"] == "excellent"]
    if not share_pct:
        return
    quota = sum(r["grade"] != "ungraded" for r in rows) * share_pct // 100
    if len(excellent) <= quota:
        return
    cut = excellent[quota]["_rate"]
    for r in excellent:
        if r["_rate"] <= cut:
            r["grade"], r["capped"] = "pass", True
            r["tied_at_cap"] = r["_rate"] == cut and any(x["_rate"] == cut for x in excellent[:quota])


# --- the period: facts, computation, then the plain data out ----------------------------------------


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
    (ops.transfer.merge.Units.find); `by_unit` gives each unit's cadres and average score instead. A register
    whose records stop (policy `records_until`) is scored to that day, the rest provisional."""
    today = today or dt.date.today()
    policy = Policy(db)
    until = policy.records_until(today)
    scored_to = min(end, today, until) if until else min(end, today)
    provisional = end >= today or (until is not None and end > until)
    quarters = [q for q in quarters_of(start, end) if q.start <= scored_to]
    pairings = facts.pairings_between(db, start, scored_to) if quarters else []
    units, uid = scope(db, unit, by_unit)
    if units is not None and not by_unit:
        pairings = [p for p in pairings if units.cadre[p["cadre_id"]] == uid]
    reg = Register(db, pairings, start, scored_to, policy) if pairings else None
    per_quarter = {str(q): score_quarter(reg, q, scored_to) for q in quarters} if reg else {}
    qdays = {str(q): _days(q.start, min(q.end, scored_to)) for q in quarters}
    pol_end = {k: policy.value(k, end) for k in POLICY_USED}
    single = len(quarters_of(start, end)) == 1  # a quarter; a year (even one begun) lists its quarters
    rows = _rows(db, pairings, per_quarter, qdays, pol_end, start, scored_to, provisional, single)
    _evidence_share(db, pairings, rows, start, scored_to)
    head = {
        "period": label,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "in_progress": provisional,
        "provisional": provisional,
        "scored_to": scored_to.isoformat() if quarters else None,
        "records_until": until.isoformat() if until else None,
        "grade_set": pol_end["grade_set"],
        "excellent_share_pct": pol_end["excellent_share_pct"],
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


def _rows(
    db: Store,
    pairings: list[dict[str, Any]],
    per_quarter: dict[str, dict[int, dict[str, Any]]],
    qdays: dict[str, int],
    pol: dict[str, int],
    start: dt.date,
    last: dt.date,
    provisional: bool,
    single: bool,
) -> list[dict[str, Any]]:
    """One row per cadre: the period computed from its quarters, ranked, rounded once for display."""
    moves = _moves(db, pairings, start, last)
    given = dict(
        db.execute(
            "SELECT giver_cadre_id, sum(value) FROM aid WHERE date BETWEEN ? AND ?"
            " AND giver_cadre_id IS NOT NULL GROUP BY giver_cadre_id",
            [start.isoformat(), last.isoformat()],
        ).fetchall()
    )
    npairings: dict[int, int] = defaultdict(int)
    for p in pairings:
        npairings[p["cadre_id"]] += 1
    rows = []
    for cid in dict.fromkeys(p["cadre_id"] for p in pairings):
        qs = [(ql, per_quarter[ql].get(cid)) for ql in per_quarter]
        r = period_row(qs, qdays, pol, single)
        comps = {c["name"]: c for c in r["components"]}
        row = {
            "cadre": r["cadre"],
            "cadre_name": r["cadre_name"],
            "provisional": provisional,
            "days_held": r["days_held"],
            "days": r["days"],
            "coverage": shown(r["_coverage"], 4),
            "pairings": npairings[cid],
            "visits": comps["visits"]["inputs"]["made"],
            "visits_credited": comps["visits"]["inputs"]["credited"],
            "visits_required": comps["visits"]["inputs"]["required"],
            "pairings_met": comps["compliance"]["inputs"]["met"],
            "pairing_quarters": comps["compliance"]["inputs"]["pairings"],
            "problems_handled": comps["problems"]["inputs"]["handled"],
            "problems_escalated": comps["problems"]["inputs"]["escalated"],
            "problems_overdue": comps["problems"]["inputs"]["overdue"],
            "problems_overdue_days": comps["problems"]["inputs"]["overdue_days"],
            "households": len(r["households"]),
            "exited": len(moves[cid]["exited"]),
            "prosperous": len(moves[cid]["prosperous"]),
            "relapsed": len(moves[cid]["relapsed"]),
            "outcome_credit": comps["outcomes"]["ratio"],
            "late_followups": comps["late_followup"]["inputs"]["households"],
            "aid_given": yuan(given.get(cid, 0)),
            "score": shown(r["_score"]),
            "rate": shown(r["_rate"]),
            "grade": r["grade"],
            "vetoed": r["_veto"],
            "missed_quarters": r.get("_missed", [ql for ql, x in qs if x and x["missed"]]),
            "components": r["components"],
            "_rate": r["_rate"],
        }
        if not single:
            row["quarters"] = [
                {
                    "quarter": ql,
                    "days": qdays[ql],
                    "days_held": x["days_held"] if x else 0,
                    "score": shown(x["_score"]) if x else 0.0,
                    "rate": shown(x["_rate"]) if x else 0.0,
                    "grade": x["grade"] if x else "ungraded",
                    "missed": x["missed"] if x else [],
                }
                for ql, x in qs
            ]
        rows.append(row)
    rank_and_cap(rows, pol["excellent_share_pct"])
    for row in rows:
        del row["_rate"]
    return rows


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
        text = _("{handled} in time").format(handled=i["handled"]) + (
            _(" ({n} esc.)").format(n=i["escalated"]) if i["escalated"] else ""
        )
        if i.get("overdue_days"):
            text += _(", {n} overdue {days} d").format(n=i["overdue"], days=i["overdue_days"])
    elif n == "outcomes":
        text = f"{comp['ratio']:.2f}" if comp["ratio"] is not None else ""
    elif n == "plans":
        text = f"{i.get('done', 0)}/{i.get('due', 0)}" + (
            _(" ({n} no plan)").format(n=i["no_plan"]) if i.get("no_plan") else ""
        )
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
            "grade": grade_cell(r, data.get("grade_set", 0)),
        }
        if year:
            row["quarters"] = quarter_scores(r["quarters"])
        row["evidenced"] = f"{r.get('visits_evidenced', 0)}/{r['visits']}"
        rows.append(row)
    w = data["weights"]
    formula = _(
        "Per quarter, each part = weight × 100 ÷ (sum of the weights) × ratio × days held ÷ days: visits"
        " {visits} × credited/required (one visit per household and day, each pairing's capped at its"
        " requirement); compliance {compliance} × pairings that met theirs; problems {problems} × (1 −"
        " overdue problem-days ÷ pairing-days): a problem solved or escalated within {days} days never"
        " costs; outcomes {outcomes} × the credit of each day held (prosperous 1, exited {exited}%, a"
        " relapse keeps the credit before it); plans {plans} × measures done by their due date ÷ measures"
        " due (a drop without a reason is due; causes and no plan: nothing); less {penalty} per household"
        " whose warning (shock, income drop) got no visit within {followup} days. Rate = score ÷ share of"
        " days held; grade from the exact rate, ranked by it. A quarter with no visit to a household"
        " paired all of it caps the grade. A year's score is the day-weighted mean of its quarters'."
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
    sections = [{"kind": "table", "columns": columns, "headers": headers, "rows": rows}]
    notes = grade_notes(data)
    if notes:
        sections.append({"kind": "text", "text": "\n".join(notes)})
    sections.append({"kind": "text", "text": formula})
    return {"title": title, "sections": sections}


def grade_cell(row: dict[str, Any], grade_set: int) -> str:
    """The grade as shown: its name in the unit's grade set, marked when held down by the veto (*)
    or by the share cap on 优秀 (†, ‡ for a tie at the cut)."""
    mark = ("*" if row.get("vetoed") and row["grade"] not in ("excellent", "ungraded") else "") + (
        "‡" if row.get("tied_at_cap") else "†" if row.get("capped") else ""
    )
    return grade_name(row["grade"], grade_set) + mark


def grade_notes(data: dict[str, Any]) -> list[str]:
    """The lines under the table that explain a grade held down: the veto, the cap, the ties."""
    rows = data.get("cadres", [])
    gs = data.get("grade_set", 0)
    out = []
    for r in rows:
        if r.get("vetoed") and r.get("missed_quarters"):
            out.append(
                _(
                    "* {cadre}: no visit in {quarters} to a household paired all that quarter: at most {grade}."
                ).format(
                    cadre=r["cadre"],
                    quarters=", ".join(r["missed_quarters"]),
                    grade=grade_name(capped("excellent", _last_policy(data, "veto_missed_quarter")), gs),
                )
            )
    held = [r["cadre"] for r in rows if r.get("capped")]
    if held:
        out.append(
            _("† Share cap on excellent ({pct}%): held to {grade} by rank: {cadres}.").format(
                pct=data.get("excellent_share_pct"), grade=grade_name("pass", gs), cadres=", ".join(held)
            )
        )
    tied = [r["cadre"] for r in rows if r.get("tied_at_cap")]
    if tied:
        out.append(
            _(
                "‡ Tied on the rate at the cap, none preferred by code or name: {cadres}; the unit decides."
            ).format(cadres=", ".join(tied))
        )
    if data.get("records_until"):
        out.append(
            _("The register's records stop on {day}: later days are provisional.").format(
                day=data["records_until"]
            )
        )
    return out


def quarter_scores(quarters: list[dict[str, Any]]) -> str:
    """A year's quarters and their scores in one cell: "Q1 92.73 Q2 85" (一季度 92.73 …)."""
    return " ".join(_("Q{n} {score}").format(n=q["quarter"][-1], score=f"{q['score']:g}") for q in quarters)


def table_columns(plans: bool, year: bool) -> tuple[list[str], list[str]]:
    """The assessment table's columns and headers, for the live report and the closed one alike:
    the plans component once it carries points, the quarters of a year."""
    named = [
        ("rank", N_("Rank")),
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
