"""Yardsticks that compute the same figures as the reports, in hand-written SQL (issue 29).

What a programmer who knows the schema writes: plain SQL (CTEs, window functions) over the
register, Python only to shape rows into the command's JSON, to round once and, for the cadre
assessment, to do the rule's exact arithmetic on the integer inputs the SQL gives (SQLite has no
exact rationals: see benchmarks/README.md). `compare` says "equal" or the first difference with the
command's JSON. Standard library only; aidtrack is read for the built-in policy defaults (they are in
the code, not in the database) and nothing else.

    cadres(conn, "2026Q3", today)  ->  what `aidtrack report cadres 2026Q3 --format json` prints
    quarter(conn, "2026Q3", today) ->  the keys QUARTER_KEYS of `aidtrack report quarter 2026Q3 --format json`
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from fractions import Fraction
from typing import Any

# -- the policy in force on a day: the built-in defaults (from '') and the register's own rows ----------

POLICY_CTE = """
pol(key, since, value) AS (
  SELECT j.key, '', j.value FROM json_each(:defaults) j
  UNION ALL SELECT key, effective_from, value FROM policy),
polspan(key, since, next, value) AS MATERIALIZED (
  SELECT key, since, coalesce(lead(since) OVER (PARTITION BY key ORDER BY since), '9999-12-31'), value
  FROM pol)"""

#: Each household's status at the quarter's end (:qe): its latest entry by date, then by id.
STATUS_AT_QE_CTE = """st AS MATERIALIZED (
  SELECT household_id, status, max(date || printf('%012d', id)) FROM statuses WHERE date <= :qe
  GROUP BY household_id)"""


def pol_at(key: str, day: str) -> str:
    """The SQL expression of a policy key's value in force on `day` (an SQL expression)."""
    return f"(SELECT value FROM polspan WHERE key = '{key}' AND since <= {day} AND {day} < next)"


def defaults() -> str:
    from aidtrack.model import POLICY_KEYS

    return json.dumps({k: spec.default for k, spec in POLICY_KEYS.items()})


POLICY_AT = (
    f"WITH {POLICY_CTE} SELECT key, value FROM pol WHERE since <= :day GROUP BY key HAVING since = max(since)"
)

# -- report cadres, one quarter: the integer inputs of every cadre's components --------------------------

#: :qs, :qe the quarter, :last the day scored to (min(quarter end, today, records_until)).
SQL_CADRES = f"""
WITH RECURSIVE {POLICY_CTE},
q AS (
  SELECT CAST(julianday(:qe) - julianday(:qs) + 1 AS INTEGER) AS qdays,
         {pol_at("visits_per_quarter", ":qe")} AS per_q,
         {pol_at("outcome_exited_pct", ":qe")} AS exited_pct,
         (SELECT max(value) FROM pol WHERE key = 'followup_days') AS reach),
-- the pairings held on a day of [qs, last], each clipped to [first, stop]
p AS (
  SELECT p.id, p.cadre_id, p.household_id, h.code AS hcode, p.since, p.until,
         max(p.since, :qs) AS first,
         CASE WHEN p.until IS NOT NULL AND p.until < :last THEN p.until ELSE :last END AS stop,
         CAST(julianday(CASE WHEN p.until IS NOT NULL AND p.until < :qe THEN p.until ELSE :qe END)
              - julianday(max(p.since, :qs)) + 1 AS INTEGER) AS days_in_q
  FROM pairings p JOIN households h ON h.id = p.household_id
  WHERE p.since <= :last AND (p.until IS NULL OR p.until >= :qs)),
pd AS (SELECT *, CAST(julianday(stop) - julianday(first) + 1 AS INTEGER) AS span FROM p),
-- visits: one trip to a household on a day is one visit
made AS (
  SELECT pairing_id, count(DISTINCT date) AS n FROM visits
  WHERE date BETWEEN :qs AND :last AND pairing_id IN (SELECT id FROM p) GROUP BY pairing_id),
evid AS (
  SELECT pairing_id, count(*) AS n FROM visits
  WHERE date BETWEEN :qs AND :last AND device_start IS NOT NULL GROUP BY pairing_id),
req AS (
  SELECT pd.*, coalesce(m.n, 0) AS made,
         CASE WHEN :last < :qe
              THEN min((q.per_q * pd.days_in_q + q.qdays - 1) / q.qdays, q.per_q * pd.span / q.qdays)
              ELSE (q.per_q * pd.days_in_q + q.qdays - 1) / q.qdays END AS required
  FROM pd CROSS JOIN q LEFT JOIN made m ON m.pairing_id = pd.id),
-- problems raised at the pairings' visits by `last`: handled in time, or overdue for some days
pr0 AS (
  SELECT v.pairing_id, max(pp.since, :qs) AS first,
         CASE WHEN pp.until IS NOT NULL AND pp.until < :last THEN pp.until ELSE :last END AS stop,
         v.date AS raised,
         CASE WHEN pr.escalated THEN coalesce(pr.escalated_on, v.date) END AS esc, pr.resolved_on,
         date(v.date, '+' || {pol_at("escalation_days", "v.date")} || ' days') AS deadline,
         {pol_at("problem_overdue_days", "v.date")} AS cap
  FROM problems pr JOIN visits v ON v.id = pr.visit_id JOIN pairings pp ON pp.id = v.pairing_id
  WHERE v.date <= :last AND v.pairing_id IN (SELECT id FROM p)),
pr1 AS (
  SELECT *, CASE WHEN resolved_on IS NULL THEN esc WHEN esc IS NULL THEN resolved_on
                 ELSE min(resolved_on, esc) END AS handled FROM pr0),
pr2 AS (
  SELECT *, handled IS NOT NULL AND handled <= deadline AS in_time,
         date(deadline, '+1 day') AS late_from,
         CASE WHEN handled IS NOT NULL AND date(handled, '-1 day') < date(deadline, '+' || cap || ' days')
              THEN date(handled, '-1 day') ELSE date(deadline, '+' || cap || ' days') END AS late_to
  FROM pr1),
prob AS (
  SELECT pairing_id AS id,
         sum(in_time AND handled BETWEEN first AND stop) AS handled,
         sum(in_time AND handled BETWEEN first AND stop AND handled = esc) AS escalated,
         sum(NOT in_time AND min(late_to, stop) >= max(late_from, first)) AS overdue,
         sum(CASE WHEN NOT in_time AND min(late_to, stop) >= max(late_from, first)
                  THEN julianday(min(late_to, stop)) - julianday(max(late_from, first)) + 1
                  ELSE 0 END) AS overdue_days
  FROM pr2 GROUP BY pairing_id),
-- statuses: the outcome credit of each day (a relapse does not change what is counted)
st AS MATERIALIZED (
  SELECT household_id, status, date, id FROM statuses
  WHERE date <= :last AND household_id IN (SELECT household_id FROM p)),
credit AS (  -- from each non-relapse entry (the last of its day) to the next, the status counted
  SELECT pd.id, sum(
           CASE s.status WHEN 'prosperous' THEN 100 WHEN 'exited' THEN q.exited_pct ELSE 0 END
           * max(0, julianday(min(pd.stop, coalesce(
                      (SELECT date(min(n.date), '-1 day') FROM statuses n WHERE n.household_id = s.household_id
                       AND n.date > s.date AND n.status != 'relapsed'), pd.stop)))
                    - julianday(max(pd.first, s.date)) + 1)) AS pct_days
  FROM pd CROSS JOIN statuses s CROSS JOIN q
  WHERE s.household_id = pd.household_id AND s.date <= pd.stop AND s.status != 'relapsed'
    AND NOT EXISTS (SELECT 1 FROM statuses l WHERE l.household_id = s.household_id AND l.date = s.date
                    AND l.id > s.id AND l.status != 'relapsed')
  GROUP BY pd.id),
at_stop AS (
  SELECT pd.id, (SELECT s.status FROM statuses s WHERE s.household_id = pd.household_id AND s.date <= pd.stop
                 ORDER BY s.date DESC, s.id DESC LIMIT 1) AS status
  FROM pd),
first_exit AS (
  SELECT household_id, min(date) AS day FROM st WHERE status IN ('exited', 'prosperous') GROUP BY household_id),
-- plans: causes recorded but no measure planned by the span's end; measures owed and done on time
no_plan AS (
  SELECT pd.id, pd.cadre_id, pd.household_id FROM pd
  WHERE (SELECT min(date) FROM causes c WHERE c.household_id = pd.household_id) <= pd.stop
    AND NOT EXISTS (SELECT 1 FROM measures m WHERE m.household_id = pd.household_id
                    AND m.date <= :last AND m.date <= pd.stop)),
ms AS (
  SELECT CAST(coalesce(m.cadre_id,
                  (SELECT p2.cadre_id FROM p p2 WHERE p2.household_id = m.household_id AND p2.since <= m.due
                   AND (p2.until IS NULL OR p2.until >= m.due) ORDER BY p2.since LIMIT 1)) AS INTEGER) AS cadre_id,
         m.due BETWEEN :qs AND :last AND NOT (m.status = 'dropped' AND trim(coalesce(m.result, '')) != '') AS owed,
         m.status = 'done' AND m.done_on <= m.due AS done
  FROM measures m
  WHERE m.date <= :last AND m.household_id IN (SELECT household_id FROM p)),
-- late follow-ups: a shock or an income drop after leaving poverty, deadline in the quarter, no visit
wfirst AS (SELECT date(:qs, '-' || reach || ' days') AS d FROM q),
months(m) AS (
  SELECT substr(date((SELECT d FROM wfirst), '-1 day'), 1, 7)
  UNION ALL SELECT substr(date(m || '-01', '+1 month'), 1, 7) FROM months
  WHERE date(m || '-01', '+2 months') <= :last),
known AS MATERIALIZED (  -- the months whose drop is known (the next month's first day) in the window
  SELECT m, day, {pol_at("drop_baseline_months", "day")} AS n, {pol_at("drop_pct", "day")} AS pct,
         substr(date(m || '-01', '-24 months'), 1, 7) AS floor
  FROM (SELECT m, date(m || '-01', '+1 month') AS day FROM months)
  WHERE day BETWEEN (SELECT d FROM wfirst) AND :last),
exited AS (SELECT household_id, day FROM first_exit WHERE day <= :last),
inc AS (
  SELECT household_id, month, sum(amount) AS amount,
         row_number() OVER (PARTITION BY household_id ORDER BY month) AS rn
  FROM income
  WHERE month BETWEEN substr(date((SELECT min(m) FROM known) || '-01', '-24 months'), 1, 7)
                  AND (SELECT max(m) FROM known)
    AND household_id IN (SELECT household_id FROM exited)
  GROUP BY household_id, month),
-- an income drop: the month's income pct % or more under the mean of up to n recorded months before
-- it (within 24 months), their sum above 0; in whole fen 100 × (Σ base − k × latest) ≥ pct × Σ base
drops AS (
  SELECT c.household_id, k.day FROM known k CROSS JOIN inc c ON c.month = k.m
  LEFT JOIN inc b ON b.household_id = c.household_id AND b.rn BETWEEN c.rn - k.n AND c.rn - 1
   AND b.month >= k.floor
  GROUP BY c.household_id, k.m
  HAVING sum(b.amount) > 0 AND 100 * (sum(b.amount) - c.amount * count(b.rn)) >= k.pct * sum(b.amount)),
warn AS (
  SELECT w.household_id, w.day, date(w.day, '+' || {pol_at("followup_days", "w.day")} || ' days') AS deadline
  FROM (SELECT p.household_id, v.date AS day FROM visits v JOIN pairings p ON p.id = v.pairing_id
        WHERE v.event IS NOT NULL AND v.date BETWEEN (SELECT d FROM wfirst) AND :last
          AND p.household_id IN (SELECT household_id FROM pd)
        UNION ALL SELECT household_id, day FROM drops) w
  JOIN first_exit f ON f.household_id = w.household_id AND w.day >= f.day),
late AS (
  SELECT DISTINCT (SELECT p2.cadre_id FROM p p2 WHERE p2.household_id = w.household_id
                   AND p2.since <= w.deadline AND (p2.until IS NULL OR p2.until >= w.deadline)
                   ORDER BY p2.since LIMIT 1) AS cadre_id, w.household_id
  FROM warn w
  WHERE w.deadline BETWEEN :qs AND :last
    AND NOT EXISTS (SELECT 1 FROM visits v JOIN pairings p3 ON p3.id = v.pairing_id
                    WHERE p3.household_id = w.household_id AND v.date > w.day AND v.date <= w.deadline)),
-- moves in the quarter while the cadre held the household
moves AS (
  SELECT pd.cadre_id, s.status, count(DISTINCT s.household_id) AS n
  FROM statuses s JOIN pd ON pd.household_id = s.household_id AND pd.since <= s.date
   AND (pd.until IS NULL OR s.date <= pd.until)
  WHERE s.date BETWEEN :qs AND :last AND s.status IN ('exited', 'prosperous', 'relapsed')
  GROUP BY pd.cadre_id, s.status),
-- the union of each cadre's spans (days held): islands of overlapping spans
reach AS (
  SELECT cadre_id, first, stop,
         max(stop) OVER (PARTITION BY cadre_id ORDER BY first, stop
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
  FROM pd),
islands AS (
  SELECT cadre_id, first, stop,
         sum(CASE WHEN reach IS NOT NULL AND first <= reach THEN 0 ELSE 1 END)
           OVER (PARTITION BY cadre_id ORDER BY first, stop ROWS UNBOUNDED PRECEDING) AS island
  FROM reach),
held AS (
  SELECT cadre_id, sum(d) AS days_held FROM (
    SELECT cadre_id, CAST(julianday(max(stop)) - julianday(min(first)) + 1 AS INTEGER) AS d
    FROM islands GROUP BY cadre_id, island) GROUP BY cadre_id),
per_pairing AS MATERIALIZED (
  SELECT r.*, coalesce(pb.handled, 0) AS handled, coalesce(pb.escalated, 0) AS escalated,
         coalesce(pb.overdue, 0) AS overdue, coalesce(pb.overdue_days, 0) AS overdue_days,
         coalesce(cr.pct_days, 0) AS pct_days, coalesce(a.status, 'none') AS status_at_stop,
         coalesce(e.n, 0) AS evidenced,
         r.made = 0 AND :last = :qe AND r.since <= :qs AND (r.until IS NULL OR r.until >= :qe) AS missed
  FROM req r LEFT JOIN prob pb ON pb.id = r.id LEFT JOIN credit cr ON cr.id = r.id
  LEFT JOIN at_stop a ON a.id = r.id LEFT JOIN evid e ON e.pairing_id = r.id),
stat_counts AS MATERIALIZED (
  SELECT cadre_id, status_at_stop, count(*) AS n FROM per_pairing GROUP BY cadre_id, status_at_stop),
per_cadre AS (
  SELECT cadre_id, count(*) AS pairings, sum(made) AS visits, sum(min(made, required)) AS credited,
         sum(required) AS required, sum(made >= required) AS met, max(missed) AS missed,
         sum(handled) AS handled, sum(escalated) AS escalated, sum(overdue) AS overdue,
         sum(overdue_days) AS overdue_days, sum(span) AS pair_days, sum(pct_days) AS pct_days,
         count(DISTINCT household_id) AS households, sum(evidenced) AS evidenced
  FROM per_pairing GROUP BY cadre_id)
SELECT c.id, c.code, c.name, held.days_held, x.pairings, x.visits, x.credited, x.required, x.met, x.missed,
       x.handled, x.escalated, x.overdue, x.overdue_days, x.pair_days, x.pct_days, x.households, sc.statuses,
       coalesce(pl.owed, 0), coalesce(pl.on_time, 0), coalesce(np.n, 0), coalesce(lt.n, 0),
       coalesce(mv.exited, 0), coalesce(mv.prosperous, 0), coalesce(mv.relapsed, 0), coalesce(ag.fen, 0),
       x.evidenced
FROM per_cadre x JOIN cadres c ON c.id = x.cadre_id JOIN held ON held.cadre_id = x.cadre_id
LEFT JOIN (SELECT cadre_id, json_group_object(status_at_stop, n) AS statuses FROM stat_counts
           GROUP BY cadre_id) sc ON sc.cadre_id = x.cadre_id
LEFT JOIN (SELECT cadre_id, sum(owed) AS owed, sum(owed AND done) AS on_time FROM ms GROUP BY cadre_id) pl
       ON pl.cadre_id = x.cadre_id
LEFT JOIN (SELECT cadre_id, count(DISTINCT household_id) AS n FROM no_plan GROUP BY cadre_id) np
       ON np.cadre_id = x.cadre_id
LEFT JOIN (SELECT cadre_id, count(*) AS n FROM late GROUP BY cadre_id) lt ON lt.cadre_id = x.cadre_id
LEFT JOIN (SELECT cadre_id, sum(CASE status WHEN 'exited' THEN n END) AS exited,
                  sum(CASE status WHEN 'prosperous' THEN n END) AS prosperous,
                  sum(CASE status WHEN 'relapsed' THEN n END) AS relapsed
           FROM moves GROUP BY cadre_id) mv ON mv.cadre_id = x.cadre_id
LEFT JOIN (SELECT giver_cadre_id, sum(value) AS fen FROM aid WHERE date BETWEEN :qs AND :last
           AND giver_cadre_id IS NOT NULL GROUP BY giver_cadre_id) ag ON ag.giver_cadre_id = x.cadre_id
"""

WEIGHT_KEYS = {
    "visits": "score_visits",
    "compliance": "score_compliance",
    "problems": "score_problems",
    "outcomes": "score_outcomes",
    "plans": "score_plans",
}
POLICY_USED = (
    "visits_per_quarter",
    "followup_days",
    "drop_pct",
    "drop_baseline_months",
    "escalation_days",
    "problem_overdue_days",
    *WEIGHT_KEYS.values(),
    "score_relapse_penalty",
    "outcome_exited_pct",
    "grade_excellent",
    "grade_pass",
    "grade_basic",
    "grade_min_coverage_pct",
    "veto_missed_quarter",
    "grade_set",
    "excellent_share_pct",
)
GRADES = ("excellent", "pass", "basic", "fail", "ungraded")


def _round(n: int, d: int, places: int = 2) -> float:
    """The exact n ÷ d rounded half up, once, for display."""
    scale = 10**places
    return (2 * n * scale + d) // (2 * d) / scale


def quarter_bounds(label: str) -> tuple[dt.date, dt.date]:
    year, n = int(label[:4]), int(label[-1])
    start = dt.date(year, 3 * n - 2, 1)
    end = dt.date(year + (n == 4), 1 if n == 4 else 3 * n + 1, 1) - dt.timedelta(days=1)
    return start, end


def policy_at(conn: sqlite3.Connection, day: dt.date | str) -> dict[str, int]:
    return dict(conn.execute(POLICY_AT, {"defaults": defaults(), "day": str(day)}).fetchall())


def cadres(conn: sqlite3.Connection, label: str, today: dt.date) -> dict[str, Any]:
    """`report cadres LABEL --format json` for one quarter, from SQL_CADRES."""
    qs, qe = quarter_bounds(label)
    pol_today = policy_at(conn, today)
    rec = pol_today["records_until"]
    until = dt.date(rec // 10000, rec // 100 % 100, rec % 100) if rec else None
    last = min(qe, today, until) if until else min(qe, today)
    provisional = qe >= today or (until is not None and qe > until)
    pol = {k: v for k, v in policy_at(conn, qe).items() if k in POLICY_USED}
    days = (last - qs).days + 1
    head = {
        "period": label,
        "start": qs.isoformat(),
        "end": qe.isoformat(),
        "in_progress": provisional,
        "provisional": provisional,
        "scored_to": last.isoformat(),
        "records_until": until.isoformat() if until else None,
        "grade_set": pol["grade_set"],
        "excellent_share_pct": pol["excellent_share_pct"],
        "quarters": {label: {"days": days}},
        "weights": {k: pol[k] for k in (*WEIGHT_KEYS.values(), "score_relapse_penalty")},
        "policy": {label: {k: pol[k] for k in POLICY_USED}},
    }
    if last < qs:  # nothing of the quarter is scored yet
        return head | {"scored_to": None, "quarters": {}, "policy": {}, "cadres": []}
    params = {"defaults": defaults(), "qs": qs.isoformat(), "qe": qe.isoformat(), "last": last.isoformat()}
    rows = [_cadre_row(r, pol, days, provisional, label) for r in conn.execute(SQL_CADRES, params)]
    _rank(rows, pol["excellent_share_pct"])
    for r in rows:
        del r["_rate"]
    return head | {"cadres": rows}


def _cadre_row(r: tuple, pol: dict[str, int], days: int, provisional: bool, label: str) -> dict[str, Any]:
    """The rule's arithmetic, exact, on one cadre's integer inputs; rounded once for display."""
    (_id, code, name, held, pairings, visits, credited, required, met, missed, handled, escalated,
     overdue, overdue_days, pair_days, pct_days, households, statuses, owed, on_time, no_plan, late,
     exited, prosperous, relapsed, aid_fen, evidenced) = r  # fmt: skip
    held, overdue_days, pair_days, pct_days = (int(x) for x in (held, overdue_days, pair_days, pct_days))
    owed += no_plan
    # exact, as (numerator, denominator) pairs of integers: ratio × normalised weight × coverage
    ratios = {
        "visits": (credited, required) if required else (1, 1),
        "compliance": (met, pairings),
        "problems": (pair_days - min(overdue_days, pair_days), pair_days),
        "outcomes": (pct_days, 100 * pair_days),
        "plans": (on_time, owed) if owed else (1, 1),
    }
    total = sum(pol[k] for k in WEIGHT_KEYS.values())
    points = {
        n: (100 * pol[k] * ratios[n][0] * held, total * ratios[n][1] * days) if total else (0, 1)
        for n, k in WEIGHT_KEYS.items()
    }
    points["late_followup"] = (-pol["score_relapse_penalty"] * late, 1)
    den = 1
    for _n, d in points.values():
        den *= d
    num = max(0, sum(n * (den // d) for n, d in points.values()))
    rate = Fraction(num * days, den * held) if held else Fraction(0)  # score ÷ coverage
    inputs = {
        "visits": {"credited": credited, "required": required, "made": visits},
        "compliance": {"met": met, "pairings": pairings},
        "problems": {
            "handled": handled,
            "escalated": escalated,
            "overdue": overdue,
            "overdue_days": overdue_days,
            "pair_days": pair_days,
        },  # fmt: skip
        "outcomes": {"households": households, **json.loads(statuses)},
        "plans": {"done": on_time, "due": owed, "no_plan": no_plan},
    }
    components = [
        {
            "name": n,
            "weight": pol[k],
            "inputs": inputs[n],
            "ratio": _round(*ratios[n], 4),
            "points": _round(*points[n]),
        }
        for n, k in WEIGHT_KEYS.items()
    ]
    components.append(
        {
            "name": "late_followup",
            "weight": -pol["score_relapse_penalty"],
            "inputs": {"households": late},
            "ratio": None,
            "points": _round(*points["late_followup"]),
        }  # fmt: skip
    )
    if held == 0 or held * 100 < pol["grade_min_coverage_pct"] * days:
        grade = "ungraded"
    else:
        grade = next(
            (g for g, k in zip(GRADES, ("grade_excellent", "grade_pass", "grade_basic")) if rate >= pol[k]),
            "fail",
        )
        veto = pol["veto_missed_quarter"] if missed else 0
        if veto:
            grade = GRADES[max(GRADES.index(grade), veto - 1)]
    return {
        "cadre": code,
        "cadre_name": name,
        "provisional": provisional,
        "days_held": held,
        "days": days,
        "coverage": _round(held, days, 4),
        "pairings": pairings,
        "visits": visits,
        "visits_credited": credited,
        "visits_required": required,
        "pairings_met": met,
        "pairing_quarters": pairings,
        "problems_handled": handled,
        "problems_escalated": escalated,
        "problems_overdue": overdue,
        "problems_overdue_days": overdue_days,
        "households": households,
        "exited": exited,
        "prosperous": prosperous,
        "relapsed": relapsed,
        "outcome_credit": _round(*ratios["outcomes"], 4),
        "late_followups": late,
        "aid_given": round(aid_fen / 100, 2),
        "score": _round(num, den),
        "rate": _round(rate.numerator, rate.denominator),
        "grade": grade,
        "vetoed": bool(missed),
        "missed_quarters": [label] if missed else [],
        "components": components,
        "visits_evidenced": evidenced,
        "_rate": rate,
    }


def _rank(rows: list[dict[str, Any]], share_pct: int) -> None:
    """Rank by the exact rate (graded first); a share cap on excellent holds the rest to pass."""
    rows.sort(key=lambda r: (r["grade"] == "ungraded", -r["_rate"], r["cadre"]))
    for n, r in enumerate(rows, 1):
        r["rank"] = n
        r["capped"] = r["tied_at_cap"] = False
    excellent = [r for r in rows if r["grade"] == "excellent"]
    quota = sum(r["grade"] != "ungraded" for r in rows) * share_pct // 100
    if share_pct and len(excellent) > quota:
        cut = excellent[quota]["_rate"]
        for r in excellent:
            if r["_rate"] <= cut:
                r["grade"], r["capped"] = "pass", True
                r["tied_at_cap"] = r["_rate"] == cut and any(x["_rate"] == cut for x in excellent[:quota])


# -- comparing with the command's JSON ------------------------------------------------------------------


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """None when equal, else where and what the first difference is (a: the command, b: the SQL)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in b:
                return f"{path}.{k}: only in the command ({a[k]!r:.80})"
            if k not in a:
                return f"{path}.{k}: only in the SQL ({b[k]!r:.80})"
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        if len(a) != len(b):
            return f"{path}: {len(a)} items in the command, {len(b)} in the SQL"
        return None
    if a != b or type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return f"{path}: command {a!r:.80}, SQL {b!r:.80}"
    return None


# -- report quarter, the whole file: every pairing row and the totals ------------------------------------

#: :qs, :qe the quarter, :ps, :pe its months (YYYY-MM) and the previous quarter's, :today.
#: One row per pairing active on a day of the quarter (by household code, since), with the integer
#: inputs of every column; Python rounds money once (half up) and shapes the JSON.
SQL_QUARTER_PAIRINGS = f"""
WITH RECURSIVE {POLICY_CTE},
q AS (
  SELECT CAST(julianday(:qe) - julianday(:qs) + 1 AS INTEGER) AS qdays,
         {pol_at("visits_per_quarter", ":qe")} AS per_q,
         {pol_at("poverty_line", ":qe")} AS poverty,
         {pol_at("watch_ratio", ":qe")} AS watch),
p AS MATERIALIZED (
  SELECT p.id, p.since, p.until, p.household_id, c.code AS cadre, c.name AS cadre_name,
         h.code AS household, h.name AS household_name, h.members AS stored,
         max(p.since, :qs) AS first,
         CASE WHEN p.until IS NOT NULL AND p.until < :qe THEN p.until ELSE :qe END AS last
  FROM pairings p JOIN cadres c ON c.id = p.cadre_id JOIN households h ON h.id = p.household_id
  WHERE p.since <= :qe AND (p.until IS NULL OR p.until >= :qs)),
hh AS MATERIALIZED (SELECT DISTINCT household_id, stored FROM p),
made AS MATERIALIZED (
  SELECT pairing_id, count(*) AS n, sum(device_start IS NOT NULL) AS ev FROM visits INDEXED BY visits_date
  WHERE date BETWEEN :qs AND :qe GROUP BY pairing_id),
-- problems at the pairings' visits: raised in the quarter, or before it and still open at its start
prq AS (
  SELECT v.pairing_id, v.date AS raised, pr.resolved_on, pr.escalated
  FROM visits v INDEXED BY visits_date JOIN problems pr ON pr.visit_id = v.id
  WHERE v.date BETWEEN :qs AND :qe
  UNION ALL
  SELECT v.pairing_id, v.date, pr.resolved_on, pr.escalated
  FROM (SELECT visit_id, resolved_on, escalated FROM problems INDEXED BY problems_resolved
        WHERE resolved_on IS NULL
        UNION ALL SELECT visit_id, resolved_on, escalated FROM problems INDEXED BY problems_resolved
        WHERE resolved_on >= :qs) pr
  CROSS JOIN visits v ON v.id = pr.visit_id WHERE v.date < :qs),
prob AS MATERIALIZED (
  SELECT pairing_id, sum(raised >= :qs) AS raised, sum(resolved_on BETWEEN :qs AND :qe) AS solved,
         sum(raised >= :qs AND escalated = 1) AS escalated,
         sum(resolved_on IS NULL OR resolved_on > :qe) AS open
  FROM prq GROUP BY pairing_id),
-- income: each paired household's fen, months recorded and person-months (a month's size on its
-- last day: the members present then, from the first joining on; else the stored size, at least 1)
im AS MATERIALIZED (
  SELECT i.household_id, sum(i.amount) AS fen, hh.stored,
         date(i.month || '-01', '+1 month', '-1 day') AS day
  FROM income i INDEXED BY income_month JOIN hh ON hh.household_id = i.household_id
  WHERE i.month BETWEEN :m1 AND :m3 GROUP BY i.household_id, i.month),
ims AS (
  SELECT *, max(day, (SELECT min(joined) FROM members f WHERE f.household_id = im.household_id)) AS d2
  FROM im),
inc AS MATERIALIZED (
  SELECT household_id, sum(fen) AS fen, count(*) AS months,
         sum(CASE WHEN d2 IS NULL THEN max(1, coalesce(stored, 1))
                  ELSE coalesce(nullif((SELECT count(*) FROM members m
                                        WHERE m.household_id = ims.household_id AND m.joined <= d2
                                          AND (m.left_on IS NULL OR m.left_on >= d2)), 0),
                                max(1, coalesce(stored, 1))) END) AS pm
  FROM ims GROUP BY household_id),
before AS MATERIALIZED (
  SELECT household_id, sum(amount) AS fen, count(DISTINCT month) AS months FROM income INDEXED BY income_month
  WHERE month BETWEEN :p1 AND :p3 GROUP BY household_id),
{STATUS_AT_QE_CTE},
mon AS MATERIALIZED (  -- the category of each household monitored at quarter end (the latest entry open)
  SELECT household_id, category, max(date || printf('%012d', id)) FROM monitoring
  WHERE date <= :qe AND (ended_on IS NULL OR ended_on > :qe) GROUP BY household_id),
moves AS MATERIALIZED (  -- what moved in the quarter, in the report's order
  SELECT household_id, group_concat(what, '; ') AS moved FROM (
    SELECT household_id, what FROM (
      SELECT household_id, status || ' ' || date AS what,
             CASE status WHEN 'enrolled' THEN 0 WHEN 'exited' THEN 1 WHEN 'prosperous' THEN 2 ELSE 3 END AS k,
             date, id FROM statuses WHERE date BETWEEN :qs AND :qe
      UNION ALL SELECT household_id, 'monitoring_entered ' || date, 4, date, id FROM monitoring
      WHERE date BETWEEN :qs AND :qe
      UNION ALL SELECT household_id, 'monitoring_left ' || ended_on, 5, date, id FROM monitoring
      WHERE ended_on BETWEEN :qs AND :qe AND date <= :qe)
    ORDER BY household_id, k, date, id)
  GROUP BY household_id)
SELECT p.cadre, p.cadre_name, p.household, p.household_name, p.since, p.until,
       coalesce(made.n, 0) AS visits,
       (q.per_q * CAST(julianday(p.last) - julianday(p.first) + 1 AS INTEGER) + q.qdays - 1) / q.qdays AS required,
       coalesce(prob.raised, 0), coalesce(prob.solved, 0), coalesce(prob.escalated, 0), coalesce(prob.open, 0),
       (SELECT coalesce(sum(value), 0) FROM aid INDEXED BY aid_household
        WHERE household_id = p.household_id AND date BETWEEN p.first AND p.last) AS aid_fen,
       inc.fen, inc.months, inc.pm, before.fen, before.months, st.status,
       (SELECT count(*) FROM measures m WHERE m.household_id = p.household_id AND m.date <= :qe
        AND m.due BETWEEN p.first AND p.last) AS due,
       (SELECT count(*) FROM measures m WHERE m.household_id = p.household_id AND m.date <= :qe
        AND m.status = 'done' AND m.done_on BETWEEN p.first AND p.last) AS done,
       (SELECT count(*) FROM measures m WHERE m.household_id = p.household_id AND m.date <= :qe
        AND m.due < p.last AND m.date <= p.last AND (m.done_on IS NULL OR m.done_on > p.last)) AS overdue,
       coalesce(made.ev, 0), moves.moved, mon.category,
       inc.fen < q.poverty * inc.pm, 100 * inc.fen < q.poverty * q.watch * inc.pm,
       p.household_id
FROM p CROSS JOIN q LEFT JOIN made ON made.pairing_id = p.id LEFT JOIN prob ON prob.pairing_id = p.id
LEFT JOIN inc ON inc.household_id = p.household_id LEFT JOIN before ON before.household_id = p.household_id
LEFT JOIN st ON st.household_id = p.household_id LEFT JOIN mon ON mon.household_id = p.household_id
LEFT JOIN moves ON moves.household_id = p.household_id
ORDER BY p.household, p.since"""

#: The totals that are not sums of the rows: every household's aid by kind, escalated problems open at
#: quarter end (of any pairing), visits since the programme began, job placements, the committee.
SQL_QUARTER_TOTALS = """
SELECT
  (SELECT json_group_object(kind, fen) FROM (
     SELECT kind, sum(value) AS fen FROM aid INDEXED BY aid_date WHERE date BETWEEN :qs AND :qe GROUP BY kind)),
  (SELECT count(*) FROM (
     SELECT 1 FROM visits v INDEXED BY visits_date JOIN problems pr ON pr.visit_id = v.id
     WHERE v.date BETWEEN :qs AND :qe AND pr.escalated = 1 AND (pr.resolved_on IS NULL OR pr.resolved_on > :qe)
     UNION ALL
     SELECT 1 FROM (SELECT visit_id FROM problems INDEXED BY problems_resolved WHERE resolved_on IS NULL AND escalated = 1
                    UNION ALL SELECT visit_id FROM problems INDEXED BY problems_resolved
                    WHERE resolved_on > :qe AND escalated = 1) pr
     CROSS JOIN visits v ON v.id = pr.visit_id WHERE v.date < :qs)),
  (SELECT coalesce(sum(visits), 0) FROM visit_months WHERE month <= substr(:qe, 1, 7))
   - (SELECT count(*) FROM visits INDEXED BY visits_date WHERE date > :qe AND date < substr(:qe, 1, 7) || '-32'),
  (SELECT count(*) FROM jobs INDEXED BY jobs_started WHERE started BETWEEN :qs AND :qe
   AND household_id IN (SELECT household_id FROM pairings WHERE since <= :qe AND (until IS NULL OR until >= :qs))),
  (SELECT count(DISTINCT mt.id) FROM meetings mt WHERE mt.date BETWEEN :qs AND :qe),
  (SELECT count(DISTINCT mi.problem_id) FROM meetings mt JOIN meeting_items mi ON mi.meeting_id = mt.id
   WHERE mt.date BETWEEN :qs AND :qe),
  (SELECT count(DISTINCT mi.problem_id) FROM meetings mt JOIN meeting_items mi ON mi.meeting_id = mt.id
   WHERE mt.date BETWEEN :qs AND :qe AND mi.decision IS NOT NULL),
  (SELECT count(DISTINCT mi.problem_id) FROM meeting_items mi JOIN meetings mt ON mt.id = mi.meeting_id
   JOIN problems pr ON pr.id = mi.problem_id
   WHERE mt.date <= :qe AND mi.due < :qe AND (pr.resolved_on IS NULL OR pr.resolved_on > :qe)),
  (SELECT count(*) FROM problems pr JOIN visits v ON v.id = pr.visit_id
   WHERE pr.escalated = 1 AND coalesce(pr.escalated_on, v.date) < :limit
     AND (pr.resolved_on IS NULL OR pr.resolved_on > :qe)
     AND NOT EXISTS (SELECT 1 FROM meeting_items mi JOIN meetings mt ON mt.id = mi.meeting_id
                     WHERE mi.problem_id = pr.id AND mt.date <= :qe))"""

AID_KINDS = ("project", "funds", "job", "goods", "medical", "other")  # the order the report lists them


def _half_up(num: int, den: int) -> int:
    return -_half_up(-num, den) if num < 0 else (2 * num + den) // (2 * den)


def _yuan(fen: int | None) -> float | None:
    return None if fen is None else round(fen / 100, 2)


def _months(start: dt.date) -> tuple[str, str]:
    first = start.isoformat()[:7]
    m = start.month + 2
    return first, f"{start.year}-{m:02d}"


def quarter(conn: sqlite3.Connection, label: str, today: dt.date) -> dict[str, Any]:
    """`report quarter LABEL --format json` (the whole file): the head, every pairing row and the totals
    (QUARTER_KEYS: of the attention section, ATTENTION_KEYS)."""
    qs, qe = quarter_bounds(label)
    ps = (qs - dt.timedelta(days=1)).replace(day=1)
    ps = ps.replace(month=ps.month - 2)
    pol = policy_at(conn, qe)
    (m1, m3), (p1, p3) = _months(qs), _months(ps)
    params = {"defaults": defaults(), "qs": qs.isoformat(), "qe": qe.isoformat(), "m1": m1, "m3": m3, "p1": p1,
              "p3": p3}  # fmt: skip
    late = "future" if qs > today else "pending" if qe >= today else "short"
    rows = []
    earned: dict[int, tuple[int, int, int]] = {}
    status: dict[int, str | None] = {}
    lines: dict[int, tuple[str, bool, bool]] = {}
    for r in conn.execute(SQL_QUARTER_PAIRINGS, params):
        (cadre, cadre_name, hcode, hname, since, until, visits, required, raised, solved, escalated, still_open,
         aid_fen, fen, months, pm, fen0, months0, st, due, done, overdue, evidenced, moved, monitored,
         under_poverty, under_watch, hid) = r  # fmt: skip
        state = "met" if visits >= required else late
        avg = per_person = change = None
        if fen is not None:
            avg, per_person = _half_up(fen, months), _half_up(fen, pm)
            if fen0 is not None:
                change = _half_up(fen * months0 - fen0 * months, months * months0)
            earned[hid] = (fen, months, pm)
            lines[hid] = (hcode, bool(under_poverty), bool(under_watch))
        status[hid] = st
        rows.append(
            {
                "cadre": cadre,
                "cadre_name": cadre_name,
                "household": hcode,
                "household_name": hname,
                "since": since,
                "until": until,
                "visits": visits,
                "required": required,
                "compliant": True
                if state == "met"
                else "pending"
                if state in ("pending", "future")
                else False,
                "state": state,
                "problems_raised": raised,
                "problems_solved": solved,
                "problems_escalated": escalated,
                "problems_open": still_open,
                "aid_value": round(aid_fen / 100, 2),
                "income_monthly_avg": _yuan(avg),
                "income_per_person": _yuan(per_person),
                "income_change": _yuan(change),
                "status": st,
                "measures_due": due,
                "measures_done": done,
                "measures_overdue": overdue,
                "visits_evidenced": evidenced,
                "moved": moved,
                "monitored": monitored,
                "under_poverty_line": None if fen is None else bool(under_poverty),
                "under_monitoring_line": None if fen is None else bool(under_watch),
            }
        )
    limit = pol["escalation_days"]
    t = conn.execute(
        SQL_QUARTER_TOTALS, {**params, "limit": (qe - dt.timedelta(days=limit)).isoformat()}
    ).fetchone()
    by_kind, open_escalated, cumulative, jobs, held, studied, decided, m_overdue, not_studied = t
    by_kind = json.loads(by_kind) if by_kind else {}
    by_status: dict[str, int] = {}
    for st in status.values():
        by_status[st or "unrecorded"] = by_status.get(st or "unrecorded", 0) + 1
    incomes = len(earned)
    monthly = sum((Fraction(f, m) for f, m, _pm in earned.values()), Fraction(0))
    totals = {
        "pairings": len(rows),
        "compliant": sum(r["compliant"] is True for r in rows),
        "pending": sum(r["compliant"] == "pending" for r in rows),
        "visits": sum(r["visits"] for r in rows),
        "visits_cumulative": cumulative,
        "aid_value": _yuan(sum(by_kind.values())),
        "aid_by_kind": {k: _yuan(by_kind[k]) for k in AID_KINDS if k in by_kind},
        "households": len(status),
        "households_by_status": dict(sorted(by_status.items())),
        "problems_open_escalated": open_escalated,
        "income_households": incomes,
        "income_monthly": _yuan(_half_up(monthly.numerator, monthly.denominator)) if incomes else None,
        "income_per_person": _yuan(_half_up(sum(_half_up(f, pm) for f, _m, pm in earned.values()), incomes))
        if incomes
        else None,
        "income_per_person_month": _yuan(
            _half_up(sum(f for f, _m, _pm in earned.values()), sum(pm for _f, _m, pm in earned.values()))
        )
        if incomes
        else None,
        **{k: sum(r[k] for r in rows) for k in ("measures_due", "measures_done", "measures_overdue")},
        "jobs_placed": jobs,
        "visits_evidenced": sum(r["visits_evidenced"] for r in rows),
        "in_progress": qe >= today,
        "meetings": {
            "held": held,
            "studied": studied,
            "decided": decided,
            "overdue": m_overdue,
            "not_studied": not_studied,
        },  # fmt: skip
        "escalation_days": limit,
    }
    return {
        "quarter": label,
        "start": qs.isoformat(),
        "end": qe.isoformat(),
        "pairings": rows,
        "totals": totals,
        "director": _director(conn, label, params, pol, lines),
        "attention": _attention(conn, qe, params, limit, rows),
    }


#: The keys of `report quarter --format json` that `quarter` computes: the comparison is of these, and
#: says so (QUARTER_COVERS). Of the attention section every part, its monitoring candidates (the monitor
#: check's screen) included.
ATTENTION_KEYS = (
    "as_of",
    "relapse_risk",
    "followups_overdue",
    "escalations_open",
    "visits_short",
    "problems_unhandled",
    "monitor_candidates",
    "measures_overdue",
)
QUARTER_KEYS: dict[str, tuple[str, ...] | None] = {
    "quarter": None,
    "start": None,
    "end": None,
    "pairings": None,
    "totals": None,
    "director": None,
    "attention": ATTENTION_KEYS,
}
QUARTER_COVERS = (
    "the pairings, totals, director's half and attention (relapse risk, follow-ups, escalations, visits short,"
    " problems unhandled, monitoring candidates, measures overdue)"
)


def covered(
    command: dict[str, Any], keys: dict[str, tuple[str, ...] | None] = QUARTER_KEYS
) -> dict[str, Any]:
    """The command's JSON cut to the keys a yardstick computes (a key's listed sub-keys only, when
    given), so that the comparison is of those and says so."""
    return {
        k: command[k] if sub is None else {s: command[k][s] for s in sub if s in command[k]}
        for k, sub in keys.items()
        if k in command
    }


# -- report quarter: the director's half ----------------------------------------------------------------

#: What moved in the quarter, in the report's order (statuses by kind, then monitoring entered and left;
#: each by date and id): (kind, household code, name, date, category).
SQL_QUARTER_MOVES = """
SELECT mv.k, h.code, h.name, mv.day, mv.category FROM (
  SELECT CASE status WHEN 'enrolled' THEN 0 WHEN 'exited' THEN 1 WHEN 'prosperous' THEN 2 ELSE 3 END AS k,
         household_id, date AS day, NULL AS category, date, id FROM statuses WHERE date BETWEEN :qs AND :qe
  UNION ALL SELECT 4, household_id, date, category, date, id FROM monitoring INDEXED BY monitoring_household
  WHERE date BETWEEN :qs AND :qe
  UNION ALL SELECT 5, household_id, ended_on, category, date, id FROM monitoring
  WHERE ended_on BETWEEN :qs AND :qe AND date <= :qe) mv
JOIN households h ON h.id = mv.household_id ORDER BY mv.k, mv.date, mv.id"""

#: Every household monitored at quarter end (each entry open then; a household's category: its latest).
SQL_QUARTER_MONITORED = """
SELECT h.code, m.category FROM monitoring m JOIN households h ON h.id = m.household_id
WHERE m.date <= :qe AND (m.ended_on IS NULL OR m.ended_on > :qe) ORDER BY m.date, m.id"""

#: One row: aid by whose money (JSON), livelihoods of the households out of poverty at quarter end
#: (JSON), people and households in work at quarter end.
SQL_QUARTER_DIRECTOR = """
WITH st AS MATERIALIZED (
  SELECT household_id, status, max(date || printf('%012d', id)) FROM statuses WHERE date <= :qe
  GROUP BY household_id)
SELECT
  (SELECT json_group_object(src, fen) FROM (
     SELECT coalesce(giver_type, 'unrecorded') AS src, sum(value) AS fen FROM aid INDEXED BY aid_date
     WHERE date BETWEEN :qs AND :qe GROUP BY 1)),
  (SELECT json_group_object(lv, n) FROM (
     SELECT coalesce(h.livelihood, 'unrecorded') AS lv, count(*) AS n FROM st JOIN households h ON h.id = st.household_id
     WHERE st.status IN ('exited', 'prosperous') GROUP BY 1)),
  (SELECT count(*) FROM jobs WHERE started <= :qe AND (ended IS NULL OR ended >= :qe)),
  (SELECT count(DISTINCT household_id) FROM jobs WHERE started <= :qe AND (ended IS NULL OR ended >= :qe))"""

#: The meetings of the quarter and what each studied and decided, in order.
SQL_QUARTER_MEETINGS = """
SELECT mt.id, mt.date, mt.kind, h.code, pr.problem, mi.decision, mi.due FROM meetings mt
LEFT JOIN meeting_items mi ON mi.meeting_id = mt.id LEFT JOIN problems pr ON pr.id = mi.problem_id
LEFT JOIN visits v ON v.id = pr.visit_id LEFT JOIN pairings p ON p.id = v.pairing_id
LEFT JOIN households h ON h.id = p.household_id
WHERE mt.date BETWEEN :qs AND :qe ORDER BY mt.date, mt.id, mi.id"""

SQL_QUARTER_NOTES = "SELECT text, written FROM quarter_notes INDEXED BY quarter_notes_quarter WHERE quarter = :label ORDER BY id"

#: The report's orders of its lists (aidtrack.model's; presentation, not figures).
MOVES = ("enrolled", "exited", "prosperous", "relapsed", "monitoring_entered", "monitoring_left")
MONITOR_CATEGORIES = ("unstable", "marginal", "sudden")
AID_SOURCES = ("cadre", "unit", "other", "waived", "unrecorded")
LIVELIHOODS = ("commerce", "husbandry", "transport", "employment", "other", "unrecorded")


def _director(conn: sqlite3.Connection, label: str, params: dict[str, Any], pol: dict[str, int],
              lines: dict[str, tuple[str, int, int]]) -> dict[str, Any]:  # fmt: skip
    """The director's half; `lines`: each paired household with income, (code, under poverty, under watch)."""
    moved: dict[str, list[dict[str, Any]]] = {k: [] for k in MOVES}
    for k, code, name, day, category in conn.execute(SQL_QUARTER_MOVES, params):
        e = {"household": code, "household_name": name, "date": day}
        moved[MOVES[k]].append(e if category is None else e | {"category": category})
    by_category: dict[str, int] = {}
    monitored: dict[str, str] = {}
    for code, category in conn.execute(SQL_QUARTER_MONITORED, params):
        by_category[category] = by_category.get(category, 0) + 1
        monitored[code] = category
    given, lv, people, households = conn.execute(SQL_QUARTER_DIRECTOR, params).fetchone()
    given, lv = json.loads(given or "{}"), json.loads(lv or "{}")
    meetings: dict[int, dict[str, Any]] = {}
    for mid, day, kind, code, problem, decision, due in conn.execute(SQL_QUARTER_MEETINGS, params):
        m = meetings.setdefault(mid, {"date": day, "kind": kind, "items": []})
        if problem is not None:
            m["items"].append({"household": code, "problem": problem, "decision": decision, "due": due})
    poverty, watch = pol["poverty_line"], pol["watch_ratio"]
    ordered = sorted(lines.values())
    return {
        "moved": moved,
        "monitoring": {
            "by_category": {c: by_category[c] for c in MONITOR_CATEGORIES if by_category.get(c)},
            "total": sum(by_category.values()),
            "households": dict(sorted(monitored.items())),
        },
        "lines": {
            "poverty_line": _yuan(poverty),
            "monitoring_line": _yuan(_half_up(poverty * watch, 100)),
            "households_with_income": len(lines),
            "under_poverty_line": [c for c, under, _w in ordered if under],
            "under_monitoring_line": [c for c, _u, under in ordered if under],
        },
        "aid_by_source": {s: _yuan(given[s]) for s in AID_SOURCES if s in given},
        "livelihoods": {k: lv[k] for k in LIVELIHOODS if lv.get(k)},
        "in_work": {"people": people, "households": households},
        "meetings": list(meetings.values()),
        "notes": [{"text": t, "written": w} for t, w in conn.execute(SQL_QUARTER_NOTES, {"label": label})],
    }


# -- report quarter: the attention section, as of the quarter's last day (the parts computed) ------------

#: Escalated problems open at as-of: when last studied by a meeting by then, and the latest due day set.
SQL_ATTENTION_ESCALATIONS = """
SELECT pr.id, h.code, h.name, pr.problem, v.date,
       (SELECT max(mt.date) FROM meeting_items mi JOIN meetings mt ON mt.id = mi.meeting_id
        WHERE mi.problem_id = pr.id AND mt.date <= :qe),
       (SELECT max(mi.due) FROM meeting_items mi JOIN meetings mt ON mt.id = mi.meeting_id
        WHERE mi.problem_id = pr.id AND mt.date <= :qe)
FROM (SELECT id, visit_id, problem FROM problems INDEXED BY problems_resolved
      WHERE resolved_on IS NULL AND escalated = 1
      UNION ALL SELECT id, visit_id, problem FROM problems INDEXED BY problems_resolved
      WHERE resolved_on > :qe AND escalated = 1) pr
JOIN visits v ON v.id = pr.visit_id JOIN pairings p ON p.id = v.pairing_id JOIN households h ON h.id = p.household_id
WHERE v.date <= :qe ORDER BY v.date, pr.id"""

#: Problems neither solved nor escalated by as-of, raised before :limit (escalation_days before it).
SQL_ATTENTION_UNHANDLED = """
SELECT pr.id, h.code, h.name, pr.problem, v.date
FROM (SELECT id, visit_id, problem, escalated, escalated_on FROM problems INDEXED BY problems_resolved
      WHERE resolved_on IS NULL
      UNION ALL SELECT id, visit_id, problem, escalated, escalated_on FROM problems INDEXED BY problems_resolved
      WHERE resolved_on > :qe) pr
JOIN visits v ON v.id = pr.visit_id JOIN pairings p ON p.id = v.pairing_id JOIN households h ON h.id = p.household_id
WHERE v.date < :limit AND (pr.escalated = 0 OR coalesce(pr.escalated_on, v.date) > :qe)
ORDER BY v.date, pr.id"""

#: Measures planned by as-of, due before it, not done or dropped by then.
SQL_ATTENTION_MEASURES = """
SELECT h.code, h.name, m.id, m.what, m.due, CAST(julianday(:qe) - julianday(m.due) AS INTEGER), c.code
FROM measures m JOIN households h ON h.id = m.household_id LEFT JOIN cadres c ON c.id = m.cadre_id
WHERE m.date <= :qe AND m.due < :qe AND (m.done_on IS NULL OR m.done_on > :qe)
ORDER BY m.due, h.code, m.id"""


#: Households out of poverty at as-of (the first day of their last unbroken run of exited / prosperous
#: entries) whose last visit, or that day, is more than followup_days before it; their cadre at as-of.
SQL_ATTENTION_FOLLOWUPS = f"""
WITH RECURSIVE {POLICY_CTE},
s AS (
  SELECT household_id, date, status IN ('exited', 'prosperous') AS out_,
         row_number() OVER (PARTITION BY household_id ORDER BY date, id) AS n
  FROM statuses WHERE date <= :qe),
last_in AS (SELECT household_id, max(n) AS n FROM s WHERE NOT out_ GROUP BY household_id),
ex AS MATERIALIZED (
  SELECT s.household_id, min(s.date) AS exited FROM s LEFT JOIN last_in USING (household_id)
  WHERE s.out_ AND s.n > coalesce(last_in.n, 0) GROUP BY s.household_id),
lv AS (
  SELECT ex.household_id, ex.exited,
         (SELECT max((SELECT max(v.date) FROM visits v WHERE v.pairing_id = p.id AND v.date <= :qe))
          FROM pairings p INDEXED BY pairings_household WHERE p.household_id = ex.household_id AND p.since <= :qe)
         AS last
  FROM ex),
late AS (
  SELECT *, CAST(julianday(:qe) - julianday(max(exited, coalesce(last, ''))) AS INTEGER) AS gap FROM lv)
SELECT h.code, h.name,
       (SELECT c.code FROM pairings p INDEXED BY pairings_household JOIN cadres c ON c.id = p.cadre_id
        WHERE p.household_id = late.household_id AND p.since <= :qe AND (p.until IS NULL OR p.until >= :qe)
        ORDER BY p.since DESC, p.id DESC LIMIT 1),
       last, gap
FROM late JOIN households h ON h.id = late.household_id
WHERE gap > {pol_at("followup_days", ":qe")} ORDER BY h.code"""


#: The relapse check's income window (aidtrack's INCOME_WINDOW_MONTHS, a constant of its code).
WINDOW_MONTHS = 24
#: The monitoring screen's income window (aidtrack's facts.WATCH_MONTHS, a constant of its code).
WATCH_MONTHS = 12

#: Households out of poverty at as-of with the relapse check's integer inputs: the cadre at as-of, a
#: shock (a visit with an event within shock_days), the enrolment day, and the latest :want recorded
#: months within :bound months ending at :month (sources added; each with the household's size on its
#: last day and the poverty line in force on its first day, for the latest :avg_n), as JSON, newest first.
SQL_ATTENTION_RELAPSE = f"""
WITH RECURSIVE {POLICY_CTE},
{STATUS_AT_QE_CTE},
out AS MATERIALIZED (
  SELECT st.household_id, h.code, h.name, h.members AS stored FROM st JOIN households h ON h.id = st.household_id
  WHERE st.status IN ('exited', 'prosperous')),
cut AS MATERIALIZED (  -- the oldest of each household's latest :want recorded months: one seek of its key
  SELECT household_id, stored,
         coalesce((SELECT DISTINCT month FROM income i WHERE i.household_id = out.household_id
                   AND i.month BETWEEN :from_month AND :month ORDER BY month DESC LIMIT 1 OFFSET :want - 1),
                  :from_month) AS since
  FROM out),
im AS MATERIALIZED (
  SELECT i.household_id, i.month, sum(i.amount) AS fen, cut.stored,
         date(i.month || '-01', '+1 month', '-1 day') AS day,
         row_number() OVER (PARTITION BY i.household_id ORDER BY i.month DESC) AS k
  FROM cut JOIN income i ON i.household_id = cut.household_id AND i.month BETWEEN cut.since AND :month
  GROUP BY i.household_id, i.month),
ims AS (
  SELECT *, max(day, (SELECT min(joined) FROM members f WHERE f.household_id = im.household_id)) AS d2
  FROM im WHERE k <= :want),
sized AS (  -- the size and the line of the months the below-the-line rule reads (the latest :avg_n)
  SELECT household_id, k, month, fen,
         CASE WHEN k > :avg_n THEN NULL WHEN d2 IS NULL THEN max(1, coalesce(stored, 1))
              ELSE coalesce(nullif((SELECT count(*) FROM members m
                                    WHERE m.household_id = ims.household_id AND m.joined <= d2
                                      AND (m.left_on IS NULL OR m.left_on >= d2)), 0),
                            max(1, coalesce(stored, 1))) END AS size,
         CASE WHEN k <= :avg_n THEN {pol_at("poverty_line", "(ims.month || '-01')")} END AS line
  FROM ims),
months AS MATERIALIZED (
  SELECT household_id, json_group_array(json_array(month, fen, size, line)) AS months
  FROM (SELECT * FROM sized ORDER BY household_id, k) GROUP BY household_id)
SELECT out.code, out.name,
       (SELECT c.code FROM pairings p INDEXED BY pairings_household JOIN cadres c ON c.id = p.cadre_id
        WHERE p.household_id = out.household_id AND p.since <= :qe AND (p.until IS NULL OR p.until >= :qe)
        ORDER BY p.since DESC, p.id DESC LIMIT 1),
       EXISTS (SELECT 1 FROM pairings p INDEXED BY pairings_household CROSS JOIN visits v ON v.pairing_id = p.id
               WHERE p.household_id = out.household_id AND v.date BETWEEN :shock_from AND :qe
                 AND v.event IS NOT NULL),
       (SELECT min(date) FROM statuses s WHERE s.household_id = out.household_id),
       months.months
FROM out LEFT JOIN months ON months.household_id = out.household_id ORDER BY out.code"""


def _add_months(month: str, n: int) -> str:
    idx = int(month[:4]) * 12 + int(month[5:7]) - 1 + n
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def _relapse_risk(conn: sqlite3.Connection, qe: dt.date, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The relapse check's households at risk as of `qe` (a quarter's last day: its month is ended), with
    their reasons: the rule's arithmetic on the SQL's integer inputs (exact, as the check's)."""
    pol = policy_at(conn, qe)
    month = qe.isoformat()[:7]
    avg_n, baseline, stale = pol["relapse_months"], pol["drop_baseline_months"], pol["stale_months"]
    want = max(avg_n, baseline + 1)
    bound = max(WINDOW_MONTHS, want, stale + 1)
    first_stale = _add_months(month, -(stale - 1))
    p = {**params, "month": month, "from_month": _add_months(month, -(bound - 1)), "want": want, "avg_n": avg_n,
         "shock_from": (qe - dt.timedelta(days=pol["shock_days"])).isoformat()}  # fmt: skip
    out = []
    for code, name, cadre, shock, enrolled, months_json in conn.execute(SQL_ATTENTION_RELAPSE, p):
        months = json.loads(months_json)[::-1] if months_json else []  # oldest first
        reasons = ["shock"] if shock else []
        if months:
            amounts = [fen for _m, fen, _s, _l in months]
            base = amounts[-(baseline + 1) : -1] if len(amounts) > 1 else []
            if sum(base) > 0 and 100 * (sum(base) - amounts[-1] * len(base)) >= pol["drop_pct"] * sum(base):
                reasons.append("income_drop")
            recent = months[-avg_n:]
            if sum(Fraction(fen, size) for _m, fen, size, _l in recent) < sum(line for *_x, line in recent):
                reasons.append("below_line")
        if (not months or months[-1][0] < first_stale) and (enrolled or "9999") < f"{first_stale}-01":
            reasons.append("no_income")
        if reasons:
            out.append({"household": code, "household_name": name, "cadre": cadre, "reasons": reasons})
    return out


#: The monitoring screen's households (checks.monitor: out of poverty or never enrolled at as-of, no
#: monitoring entry open then) with their income over the WATCH_MONTHS months ending at :month, each
#: recorded month (sources added) with the household's size on its last day and the poverty line in
#: force on its first: the watch band's integer inputs (n, Σ fen, Σ person-months, Σ lines) and band
#: (0 under the poverty line, 1 under the monitoring line, 2 above), whether it bears a large cost not
#: settled; only the households with something to say (a band under the monitoring line, a large cost).
SQL_ATTENTION_WATCH = f"""
WITH RECURSIVE {POLICY_CTE},
{STATUS_AT_QE_CTE},
w AS MATERIALIZED (
  SELECT h.id AS household_id, h.code, h.name, h.members AS stored, st.status
  FROM households h LEFT JOIN st ON st.household_id = h.id
  WHERE (st.status IS NULL OR st.status IN ('exited', 'prosperous'))
    AND NOT EXISTS (SELECT 1 FROM monitoring m INDEXED BY monitoring_household WHERE m.household_id = h.id
                    AND m.date <= :qe AND (m.ended_on IS NULL OR m.ended_on > :qe))),
mo(month) AS (SELECT :watch_from UNION ALL SELECT strftime('%Y-%m', month || '-01', '+1 month') FROM mo
               WHERE month < :month),
ml AS MATERIALIZED (  -- the WATCH_MONTHS months: each one's last day and the line in force on its first
  SELECT month, date(month || '-01', '+1 month', '-1 day') AS day, {pol_at("poverty_line", "(month || '-01')")} AS line
  FROM mo),
fj AS MATERIALIZED (SELECT household_id, min(joined) AS first FROM members GROUP BY household_id),
ims AS MATERIALIZED (  -- each recorded month (sources added), sized on its last day (or the first joining)
  SELECT i.household_id, i.month, sum(i.amount) AS fen, w.stored, ml.line, max(ml.day, fj.first) AS d2
  FROM income i INDEXED BY income_month JOIN w ON w.household_id = i.household_id JOIN ml ON ml.month = i.month
  LEFT JOIN fj ON fj.household_id = i.household_id
  WHERE i.month BETWEEN :watch_from AND :month GROUP BY i.month, i.household_id),
sized AS (
  SELECT household_id, month, fen, line,
         CASE WHEN d2 IS NULL THEN max(1, coalesce(stored, 1))
              ELSE coalesce(nullif((SELECT count(*) FROM members m
                                    WHERE m.household_id = ims.household_id AND m.joined <= d2
                                      AND (m.left_on IS NULL OR m.left_on >= d2)), 0),
                            max(1, coalesce(stored, 1))) END AS size
  FROM ims),
band AS (
  SELECT household_id, count(*) AS n, sum(fen) AS total, sum(size) AS people, sum(line) AS lines
  FROM sized GROUP BY household_id),
costly AS (
  SELECT DISTINCT household_id FROM spending
  WHERE date <= :qe AND date > :settle_from AND amount - reimbursed >= :large_cost)
SELECT w.code, w.name, w.status,
       CASE WHEN b.n IS NULL THEN NULL WHEN b.total * b.n < b.people * b.lines THEN 0
            WHEN 100 * b.total * b.n < b.people * :watch_ratio * b.lines THEN 1 ELSE 2 END AS band,
       c.household_id IS NOT NULL
FROM w LEFT JOIN band b ON b.household_id = w.household_id
LEFT JOIN costly c ON c.household_id = w.household_id
WHERE c.household_id IS NOT NULL OR b.total * b.n * 100 < b.people * :watch_ratio * b.lines"""

#: Households with a monitoring entry open at as-of (never candidates).
SQL_ATTENTION_MONITORED = """
SELECT DISTINCT h.code FROM monitoring m JOIN households h ON h.id = m.household_id
WHERE m.date <= :qe AND (m.ended_on IS NULL OR m.ended_on > :qe)"""


def _months_before(day: dt.date, n: int) -> str:
    """The same day n months earlier (the month's last day when it is shorter)."""
    import calendar

    idx = day.year * 12 + day.month - 1 - n
    y, m = idx // 12, idx % 12 + 1
    return dt.date(y, m, min(day.day, calendar.monthrange(y, m)[1])).isoformat()


def _monitor_candidates(conn: sqlite3.Connection, qe: dt.date, params: dict[str, Any],
                        risk: list[dict[str, Any]]) -> list[dict[str, Any]]:  # fmt: skip
    """The monitoring screen's candidates at `qe` (a quarter's last day: its month is ended): under the
    monitoring line (unstable when out of poverty, marginal when never enrolled; never enrolled and
    under the poverty line is a case for enrolment, not a candidate), else sudden for the relapse
    check's shock or income drop (`risk`, the relapse section's rows) and for a large cost not settled."""
    pol = policy_at(conn, qe)
    month = qe.isoformat()[:7]
    p = {**params, "month": month, "watch_from": _add_months(month, 1 - WATCH_MONTHS),
         "watch_ratio": pol["watch_ratio"], "large_cost": pol["large_cost"],
         "settle_from": _months_before(qe, pol["settle_months"])}  # fmt: skip
    found: dict[str, dict[str, Any]] = {}
    enrol: set[str] = set()
    costly: list[tuple[str, str]] = []
    for code, name, status, band, cost in conn.execute(SQL_ATTENTION_WATCH, p):
        if band == 0 and status is None:
            enrol.add(code)
        elif band is not None and band < 2:
            category = "unstable" if status else "marginal"
            found[code] = {"household": code, "household_name": name, "category": category,
                           "reasons": ["watch_band"]}  # fmt: skip
        if cost:
            costly.append((code, name))
    monitored = {code for (code,) in conn.execute(SQL_ATTENTION_MONITORED, p)}
    for r in risk:
        sudden = [x for x in r["reasons"] if x in ("shock", "income_drop")]
        if sudden and r["household"] not in monitored and r["household"] not in found:
            found[r["household"]] = {"household": r["household"], "household_name": r["household_name"],
                                     "category": "sudden", "reasons": sudden}  # fmt: skip
    for code, name in costly:
        if code in found and found[code]["category"] == "sudden":
            found[code]["reasons"].append("large_cost")
        elif code not in found and code not in enrol:
            found[code] = {"household": code, "household_name": name, "category": "sudden",
                           "reasons": ["large_cost"]}  # fmt: skip
    return [found[c] for c in sorted(found)]


def _attention(conn: sqlite3.Connection, qe: dt.date, params: dict[str, Any], limit: int,
               rows: list[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    """The attention section's parts that the yardstick computes (ATTENTION_KEYS), as of `qe`."""
    p = {**params, "limit": (qe - dt.timedelta(days=limit)).isoformat()}
    escalated = []
    for pid, code, name, problem, day, studied, due in conn.execute(SQL_ATTENTION_ESCALATIONS, p):
        days = (qe - dt.date.fromisoformat(day)).days
        escalated.append(
            {"household": code, "household_name": name, "problem_id": pid, "problem": problem, "raised": day,
             "days_open": days, "studied": studied, "due": due,
             "overdue": (studied is None and days > limit) or (due is not None and due < qe.isoformat())}
        )  # fmt: skip
    cols = ("household", "household_name", "id", "what", "due", "days_overdue", "cadre")
    risk = _relapse_risk(conn, qe, params)
    return {
        "as_of": qe.isoformat(),
        "escalations_open": escalated,
        "relapse_risk": risk,
        "followups_overdue": [
            dict(zip(("household", "household_name", "cadre", "last_visit", "days_since"), r))
            for r in conn.execute(SQL_ATTENTION_FOLLOWUPS, p)
        ],
        "visits_short": [
            {k: r[k] for k in ("cadre", "cadre_name", "household", "household_name", "visits", "required")}
            for r in rows
            if r["visits"] < r["required"]
        ],
        "problems_unhandled": [
            {
                "household": code,
                "household_name": name,
                "problem_id": pid,
                "problem": problem,
                "raised": day,
                "days_open": (qe - dt.date.fromisoformat(day)).days,
            }
            for pid, code, name, problem, day in conn.execute(SQL_ATTENTION_UNHANDLED, p)
        ],  # fmt: skip
        "monitor_candidates": _monitor_candidates(conn, qe, params, risk),
        "measures_overdue": [dict(zip(cols, r)) for r in conn.execute(SQL_ATTENTION_MEASURES, p)],
    }
