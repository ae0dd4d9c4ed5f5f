"""The quarter report (每季汇总向局长汇报): every pairing of the quarter and the unit's totals.

A handful of set-based queries for the whole unit, each on an index: pairings of the quarter,
visits by date range, problems joined to their visits, aid by date, income by month range,
statuses, and one count of the visits since the programme began. Nothing is queried per pairing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..i18n import N_, _
from ..model import AID_KINDS, REASON_NAMES, STATUSES, Quarter, format_yuan, label, quarter_name, yuan
from ..ops.rules import facts, planfacts
from ..ops.rules.policy import Policy
from ..ops.rules.redact import mask_text, redact_rows
from ..ops.transfer.units import Units, scope
from ..store import Store
from . import director
from .common import aid_by_household, cells, half_up, problem_counts, span, unit_rows, visits_until

CSV_COLUMNS = (
    "cadre",
    "cadre_name",
    "household",
    "household_name",
    "since",
    "until",
    "visits",
    "required",
    "compliant",
    "problems_raised",
    "problems_solved",
    "problems_escalated",
    "problems_open",
    "aid_value",
    "income_monthly_avg",
    "income_per_person",
    "income_change",
    "status",
    "measures_due",
    "measures_done",
    "measures_overdue",
    "visits_evidenced",
    "moved",
    "monitored",
    "under_poverty_line",
    "under_monitoring_line",
)


def income_in(db: Store, q: Quarter, households: facts.Span | None = None) -> dict[int, tuple[int, int, str]]:
    """(fen in total, months with a record, those months comma-joined) per household in the quarter:
    one range query (of a chunk of households: a range of income_month in each month).

    A month without a record is unknown and not counted; two sources in one month add up.
    """
    months = q.months()
    args: list[Any]
    if households is None:
        where, args = "month BETWEEN ? AND ?", [months[0], months[-1]]
    else:
        where = f"month IN ({', '.join('?' for _m in months)}) AND household_id BETWEEN ? AND ?"
        args = [*months, *households]
    return {
        hid: (total, n, recorded)
        for hid, total, n, recorded in db.execute(
            "SELECT household_id, sum(amount), count(DISTINCT month), group_concat(DISTINCT month)"
            f" FROM income INDEXED BY income_month WHERE {where} GROUP BY household_id",
            args,
        )
    }


def _income(
    cur: tuple[int, int, str] | None, prev: tuple[int, int, str] | None, person_months: int
) -> tuple[int | None, int | None, int | None]:
    """Average month, per person and change against the quarter before, in fen (None if unknown).

    Per person is the total over the person-months of the recorded months (each month's size:
    facts.Sizes), so a size changed later leaves this quarter as it was. Each is computed exactly
    from whole fen and rounded once, half up: the change is total/months − previous
    total/previous months, so it may differ by a fen from the difference of the two rounded
    averages.
    """
    if cur is None:
        return None, None, None
    total, months, _recorded = cur
    change = None
    if prev is not None:
        change = half_up(total * prev[1] - prev[0] * months, months * prev[1])
    return half_up(total, months), half_up(total, person_months), change


def person_months(sizes: facts.Sizes, hid: int, cur: tuple[int, int, str] | None) -> int:
    """Σ over the household's recorded months of its size in that month."""
    return sizes.person_months(hid, cur[2].split(",")) if cur else 0


@dataclass
class Facts:
    """Everything the quarter report reads from the register, gathered by `gather` (the queries);
    `pairing_rows`, `_totals` and `_by_unit` compute from it without touching the database."""

    q: Quarter
    today: dt.date
    pairings: list[dict]
    units: Units | None
    uid: int | None
    #: Each unit's totals (`--by unit`), or one report.
    by_unit: bool
    policy: Policy
    cells: dict
    problems: dict[int, dict[str, int]]
    aid: dict[int, list[tuple[str, str, int]]]
    income: dict[int, tuple[int, int, str]]
    income_before: dict[int, tuple[int, int, str]]
    status: dict[int, str]
    sizes: facts.Sizes
    cumulative: int
    pairing_unit: dict = field(default_factory=dict)
    #: Each household's unit (a chunk's households, `--by unit`).
    household_unit: dict = field(default_factory=dict)
    visits_by_unit: dict = field(default_factory=dict)
    placed: dict[int, int] = field(default_factory=dict)

    @property
    def households(self) -> set[int]:
        return {p["household_id"] for p in self.pairings}


def gather(
    db: Store,
    q: Quarter,
    today: dt.date,
    unit: str | None = None,
    by_unit: bool = False,
    households: facts.Span | None = None,
    units: Units | None = None,
) -> Facts:
    """The quarter's facts: a handful of set-based queries for the whole unit (module docstring).

    `households`: the facts of one chunk of households only (`build` by unit: `_chunked`), with the
    `units` already read; the visits since the programme began are then left to the caller."""
    start, end = q.start, q.end
    pairings = facts.pairings_between(db, start, end, households)
    if households is not None:
        return _chunk(db, q, today, pairings, households, units)
    units, uid = scope(db, unit, by_unit)
    if units is not None and not by_unit:
        pairings = [p for p in pairings if units.household[p["household_id"]] == uid]
    # Every household's sizes when the report is the whole file's: its attention section asks again.
    f = _facts(db, q, today, pairings, units, uid, by_unit, None, None if units is None else _ids(pairings))
    if units is None:
        f.cumulative = visits_until(db, end)
    else:
        f.pairing_unit = units.pairings()
        f.visits_by_unit = units.visits_until(end.isoformat())
        f.cumulative = sum(f.visits_by_unit.values())
        if unit is not None:
            f.problems = {pid: c for pid, c in f.problems.items() if f.pairing_unit[pid] == uid}
            f.aid = {h: e for h, e in f.aid.items() if units.household[h] == uid}
            f.cumulative = f.visits_by_unit.get(uid, 0)
    f.placed = _placed(db, q)
    return f


def _placed(db: Store, q: Quarter, households: facts.Span | None = None) -> dict[int, int]:
    """Job placements (帮就业) that began in the quarter, per household (of a chunk's, when given)."""
    chunk = "" if households is None else " AND household_id BETWEEN ? AND ?"
    return dict(
        db.execute(
            f"SELECT household_id, count(*) FROM jobs WHERE started BETWEEN ? AND ?{chunk} GROUP BY household_id",
            [q.start.isoformat(), q.end.isoformat(), *(households or ())],
        ).fetchall()
    )


def _ids(pairings: list[dict]) -> set[int]:
    return {p["household_id"] for p in pairings}


def _facts(
    db: Store,
    q: Quarter,
    today: dt.date,
    pairings: list[dict],
    units: Units | None,
    uid: int | None,
    by_unit: bool,
    households: facts.Span | None,
    sized: set[int] | None,
) -> Facts:
    """The quarter's facts of the whole file, or of a chunk of `households` (every query kept to
    its ids); the sizes of the households in `sized` (None: every household's)."""
    start, end = q.start, q.end
    policy = Policy(db)
    return Facts(
        q=q,
        today=today,
        pairings=pairings,
        units=units,
        uid=uid,
        by_unit=by_unit,
        policy=policy,
        cells=cells(db, pairings, [q], today, policy, households),
        problems=problem_counts(db, start, end, households),
        aid=aid_by_household(db, start, end, households),
        income=income_in(db, q, households),
        income_before=income_in(db, q.prev(), households),
        status=facts.status_at(db, end, households),
        sizes=facts.sizes(db, sized),
        cumulative=0,
    )


def _chunk(
    db: Store, q: Quarter, today: dt.date, pairings: list[dict], households: facts.Span, units: Units | None
) -> Facts:
    """The facts of one chunk of households (`gather` with `households`): every query kept to the
    chunk's ids, so what is held is the chunk's, whatever the size of the city."""
    f = _facts(db, q, today, pairings, units, None, True, households, _ids(pairings))
    f.placed = _placed(db, q, households)
    f.household_unit = dict(
        db.execute("SELECT id, unit_id FROM households WHERE id BETWEEN ? AND ?", households).fetchall()
    )
    f.pairing_unit = {
        pid: f.household_unit.get(hid)
        for pid, hid in db.execute(
            "SELECT id, household_id FROM pairings WHERE household_id BETWEEN ? AND ?", households
        )
    }
    return f


def pairing_rows(f: Facts) -> tuple[list[dict[str, Any]], dict[int, tuple[int, int, int]]]:
    """One row per pairing of the quarter, and each paired household's income in it (fen in all,
    months recorded, person-months): computed from the facts alone."""
    label, start_iso, end_iso = str(f.q), f.q.start.isoformat(), f.q.end.isoformat()
    rows = []
    earned: dict[int, tuple[int, int, int]] = {}
    no_problems: dict[str, int] = {}
    for p in f.pairings:
        hid = p["household_id"]
        cell = f.cells[(p["id"], label)]
        pr = f.problems.get(p["id"], no_problems)
        entries = f.aid.get(hid)
        if entries:
            active = span(p, start_iso, end_iso)
            assert active is not None  # pairings_between: only pairings active in the quarter
            first, last = active
            aid_fen = sum(v for day, _, v in entries if first <= day <= last)
        else:
            aid_fen = 0
        cur = f.income.get(hid)
        pm = person_months(f.sizes, hid, cur)
        avg, per_person, change = _income(cur, f.income_before.get(hid), pm)
        if cur is not None and pm:
            earned[hid] = (cur[0], cur[1], pm)
        rows.append(
            {
                "cadre": p["cadre"],
                "cadre_name": p["cadre_name"],
                "household": p["household"],
                "household_name": p["household_name"],
                "since": p["since"],
                "until": p["until"],
                # A quarter still running is not failed yet: "pending" (every format), never "no".
                "visits": cell.visits,
                "required": cell.required,
                "compliant": True
                if cell.met
                else "pending"
                if cell.state in ("pending", "future")
                else False,
                "state": cell.state,
                "problems_raised": pr.get("raised", 0),
                "problems_solved": pr.get("solved", 0),
                "problems_escalated": pr.get("escalated", 0),
                "problems_open": pr.get("open", 0),
                "aid_value": round(aid_fen / 100, 2),
                "income_monthly_avg": yuan(avg),
                "income_per_person": yuan(per_person),
                "income_change": yuan(change),
                "status": f.status.get(hid),
            }
        )
    return rows, earned


def build(
    db: Store,
    q: Quarter,
    today: dt.date | None = None,
    redact: bool = False,
    unit: str | None = None,
    by_unit: bool = False,
) -> dict[str, Any]:
    """The quarter's pairings and totals. `unit` keeps one unit's households (ops.transfer.units.Units.find);
    `by_unit` gives each unit's totals (from the same pairing rows) instead of the pairings.

    The facts (gather), the rows and totals computed from them (pairing_rows, _totals), then the
    committee's record and the director's half (reports.director)."""
    today = today or dt.date.today()
    if by_unit:
        return _build_by_unit(db, q, today)
    f = gather(db, q, today, unit, by_unit)
    start, end, label = q.start, q.end, str(q)
    rows, earned = pairing_rows(f)
    _measures(db, f.pairings, rows, start.isoformat(), end.isoformat())
    _evidenced(db, f.pairings, rows, start.isoformat(), end.isoformat())
    totals = _totals(rows, f.households, f.status, f.aid, f.problems.values(), f.cumulative, earned, f.placed)
    # The quarter still running, and the party committee's record: a merged unit's meetings are its
    # own (meetings.unit_id), so each unit's row has its committee's and the totals the whole file's.
    in_progress = end >= today
    committee = f.uid if unit is not None else EVERY_UNIT
    limit = f.policy.value("escalation_days", end)
    totals.update(
        {
            "in_progress": in_progress,
            "meetings": meetings_in(db, start, end, committee, limit),
            "escalation_days": limit,
        }
    )
    head = {"quarter": label, "start": start.isoformat(), "end": end.isoformat()}
    units, uid = f.units, f.uid
    poverty = f.policy.value("poverty_line", end)
    keep = (lambda h: True) if units is None else (lambda h: units.household.get(h) == uid)
    moved = director.build(
        db,
        start,
        end,
        keep,
        f.status,
        {h: (total, pm) for h, (total, _months, pm) in earned.items()},
        (100 * poverty, poverty * f.policy.value("watch_ratio", end)),
        label,
        uid if unit is not None else False,
    )
    _what_moved(rows, moved)
    if redact:
        moved["moved"] = {k: redact_rows(v) for k, v in moved["moved"].items()}
        # Free text the clerk and the committee wrote: the register's names masked too.
        moved["notes"] = [{**n, "text": mask_text(n["text"])} for n in moved["notes"]]
        for m in moved["meetings"]:
            m["items"] = [
                {k: mask_text(v) if isinstance(v, str) else v for k, v in i.items()} for i in m["items"]
            ]
    return {
        **head,
        "pairings": redact_rows(rows) if redact else rows,
        "totals": totals,
        "director": moved,
    }


#: Households a chunk of the `--by unit` report reads at a time: its memory is a chunk's whatever the
#: size of the city, and a few thousand keep the queries as few as a unit's report needs.
CHUNK = facts.CHUNK


def _build_by_unit(db: Store, q: Quarter, today: dt.date, chunk: int | None = None) -> dict[str, Any]:
    """`build` by unit: each unit's totals and the whole file's, accumulated as chunks of households
    pass (`Tally`), so that no row of the city is held beyond its chunk; then the committees'
    records (grouped queries)."""
    start, end = q.start, q.end
    first, last = start.isoformat(), end.isoformat()
    units, _uid = scope(db, None, True)
    assert units is not None
    whole = Tally()
    per_unit: dict[int | None, Tally] = {u: Tally() for u in units.listed()}
    for households in facts.chunks(db, chunk or CHUNK):
        f = gather(db, q, today, households=households, units=units)
        rows, earned = pairing_rows(f)
        _measures(db, f.pairings, rows, first, last)
        _evidenced(db, f.pairings, rows, first, last, households)
        whole.add(rows, f.households, f.status, f.aid, f.problems.values(), earned, f.placed)
        _by_unit(f, rows, earned, units, per_unit)
    visits_by_unit = units.visits_until(last)
    totals = whole.result(sum(visits_by_unit.values()))
    limit = Policy(db).value("escalation_days", end)
    in_progress = end >= today
    totals.update(
        {
            "in_progress": in_progress,
            "meetings": meetings_in(db, start, end, EVERY_UNIT, limit),
            "escalation_days": limit,
        }
    )
    committees = meetings_by_unit(db, start, end, limit)
    return {
        "quarter": str(q),
        "start": first,
        "end": last,
        "by_unit": [
            {
                "unit": units.names[u],
                **t.result(visits_by_unit.get(u, 0)),
                "in_progress": in_progress,
                "meetings": committees.get(u, dict(NO_MEETINGS)),
                "escalation_days": limit,
            }
            for u, t in per_unit.items()
        ],
        "totals": totals,
    }


def _by_unit(
    f: Facts,
    rows: list[dict],
    earned: dict[int, tuple[int, int, int]],
    units: Units,
    per_unit: dict[int | None, Tally],
) -> None:
    """A chunk's pairing rows, aid and problems added to their units' tallies (by the household's unit)."""
    paired = units.grouped(zip(f.pairings, rows), lambda pr: f.household_unit[pr[0]["household_id"]])
    given = units.grouped(f.aid.items(), lambda he: f.household_unit[he[0]])
    raised = units.grouped(f.problems.items(), lambda pc: f.pairing_unit[pc[0]])
    for u in dict.fromkeys([*paired, *given, *raised]):
        pairs = paired.get(u, [])
        per_unit.setdefault(u, Tally()).add(
            [r for _p, r in pairs],
            {p["household_id"] for p, _r in pairs},
            f.status,
            dict(given.get(u, [])),
            [c for _pid, c in raised.get(u, [])],
            earned,
            f.placed,
        )


def _what_moved(rows: list[dict[str, Any]], d: dict[str, Any]) -> None:
    """Each pairing row's household's part of the director's half: its movements this quarter
    (`exited 2004-04-08`, `;`-joined), its monitoring category at quarter end, whether its income
    per person was under the poverty line and under the monitoring line (None: no income recorded)."""
    moves: dict[str, list[str]] = {}
    for key, entries in d["moved"].items():
        for e in entries:
            moves.setdefault(e["household"], []).append(f"{key} {e['date']}")
    # Sets: a list's `in` for every row was quadratic (20 s on a city of 20,000 households).
    under_poverty = set(d["lines"]["under_poverty_line"])
    under_watch = set(d["lines"]["under_monitoring_line"])
    for r in rows:
        code = r["household"]
        known = r["income_per_person"] is not None
        r.update(
            moved="; ".join(moves.get(code, [])) or None,
            monitored=d["monitoring"]["households"].get(code),
            under_poverty_line=(code in under_poverty) if known else None,
            under_monitoring_line=(code in under_watch) if known else None,
        )


#: meetings_in of the whole file (every unit's meetings).
EVERY_UNIT = -1
#: A committee record with nothing in it.
NO_MEETINGS = {"held": 0, "studied": 0, "decided": 0, "overdue": 0, "not_studied": 0}


def meetings_in(
    db: Store, start: dt.date, end: dt.date, unit: int | None = EVERY_UNIT, limit: int = 30
) -> dict[str, int]:
    """The party committee's record of the quarter: meetings held, problems studied at them, those
    decided (a decision recorded), decisions overdue at quarter end (deadline passed, problem still
    open then), whichever meeting took them, and escalated problems not studied within `limit`
    days (escalation_days: escalated longer ago, still open, at no meeting by quarter end). `unit`:
    one unit's committee (a city file's merged meetings are their unit's; None: the file's own
    meetings); EVERY_UNIT: the whole file."""
    if unit == EVERY_UNIT:
        return _committees(db, start, end, "0", limit).get(0, dict(NO_MEETINGS))
    return meetings_by_unit(db, start, end, limit).get(unit, dict(NO_MEETINGS))


def meetings_by_unit(
    db: Store, start: dt.date, end: dt.date, limit: int = 30
) -> dict[int | None, dict[str, int]]:
    """meetings_in for every unit at once (unit id, None for the file's own): three grouped
    queries, not three per unit (a province has hundreds)."""
    return _committees(db, start, end, "mt.unit_id", limit)


def _committees(db: Store, start: dt.date, end: dt.date, group: str, limit: int) -> dict[Any, dict[str, int]]:
    """The committee records grouped by `group` (a column of `meetings mt`, or a constant: the whole
    file as one group; a problem not studied belongs to its household's unit). Three queries."""
    first, last = start.isoformat(), end.isoformat()
    out: dict[Any, dict[str, int]] = {}
    for key, waiting in db.execute(
        f"SELECT {group.replace('mt.', 'h.')}, count(*) FROM problems pr"
        " JOIN visits v ON v.id = pr.visit_id JOIN pairings p ON p.id = v.pairing_id"
        " JOIN households h ON h.id = p.household_id"
        " WHERE pr.escalated = 1 AND coalesce(pr.escalated_on, v.date) < :limit"
        " AND (pr.resolved_on IS NULL OR pr.resolved_on > :end)"
        " AND NOT EXISTS (SELECT 1 FROM meeting_items mi JOIN meetings mt ON mt.id = mi.meeting_id"
        " WHERE mi.problem_id = pr.id AND mt.date <= :end) GROUP BY 1",
        {"limit": (end - dt.timedelta(days=limit)).isoformat(), "end": last},
    ):
        out.setdefault(key, dict(NO_MEETINGS))["not_studied"] = waiting
    for key, held, studied, decided in db.execute(
        f"SELECT {group}, count(DISTINCT mt.id), count(DISTINCT mi.problem_id),"
        " count(DISTINCT CASE WHEN mi.decision IS NOT NULL THEN mi.problem_id END)"
        " FROM meetings mt LEFT JOIN meeting_items mi ON mi.meeting_id = mt.id"
        " WHERE mt.date BETWEEN :first AND :end GROUP BY 1",
        {"first": first, "end": last},
    ):
        out.setdefault(key, dict(NO_MEETINGS)).update(held=held, studied=studied, decided=decided)
    for key, overdue in db.execute(
        f"SELECT {group}, count(DISTINCT mi.problem_id) FROM meeting_items mi"
        " JOIN meetings mt ON mt.id = mi.meeting_id JOIN problems pr ON pr.id = mi.problem_id"
        " WHERE mt.date <= :end AND mi.due < :end AND (pr.resolved_on IS NULL OR pr.resolved_on > :end)"
        " GROUP BY 1",
        {"end": last},
    ):
        out.setdefault(key, dict(NO_MEETINGS))["overdue"] = overdue
    return out


def _totals(
    rows: list[dict[str, Any]],
    households: set[int],
    status: dict[int, str],
    aid: dict[int, list[tuple[str, str, int]]],
    problems,
    cumulative: int,
    earned: dict[int, tuple[int, int, int]],
    placed: dict[int, int],
) -> dict[str, Any]:
    """The totals of some pairing rows: of the whole file, or of one unit's (Tally, all at once)."""
    return Tally().add(rows, households, status, aid, problems, earned, placed).result(cumulative)


class Tally:
    """The totals of pairing rows, added up as they pass (a chunk of households at a time: the rows
    of a household all in one chunk), and given at the end by `result`.

    Income, over the paired households with income recorded in the quarter, each counted once
    (`earned`: a household's fen in all, months recorded and person-months): income_monthly is the
    sum of their average months; income_per_person the mean of their incomes per person as their
    rows show them (each household's total ÷ its person-months, to the fen; averaged over
    households, as examples/duckdb/quarter.sql); income_per_person_month the
    whole total ÷ all their person-months. Each is summed exactly and rounded once, to the fen, half
    up: 16,950 yuan over 3 months is 5,650.00, not three rounded thirds added.
    """

    MEASURES = ("measures_due", "measures_done", "measures_overdue")

    def __init__(self) -> None:
        self.pairings = self.compliant = self.pending = self.visits = self.evidenced = 0
        self.by_kind: Counter[str] = Counter()
        self.households = self.jobs_placed = self.open_escalated = 0
        self.by_status: Counter[str] = Counter()
        self.incomes = self.shown_pp = self.fen = self.person_months = 0
        #: Fen per number of months recorded: Σ total ÷ months, exact, with one division a count.
        self.by_months: Counter[int] = Counter()
        self.measures = dict.fromkeys(self.MEASURES, 0)

    def add(
        self,
        rows: list[dict[str, Any]],
        households: set[int],
        status: dict[int, str],
        aid: dict[int, list[tuple[str, str, int]]],
        problems,
        earned: dict[int, tuple[int, int, int]],
        placed: dict[int, int],
    ) -> Tally:
        """Some pairing rows, their households and the aid and problems counted with them."""
        for r in rows:
            self.pairings += 1
            self.compliant += r["compliant"] is True
            self.pending += r["compliant"] == "pending"
            self.visits += r["visits"]
            self.evidenced += r.get("visits_evidenced", 0)
            for k in self.MEASURES:
                self.measures[k] += r.get(k, 0)
        for entries in aid.values():
            for _day, kind, value in entries:
                self.by_kind[kind] += value
        self.households += len(households)
        for h in households:
            self.by_status[status.get(h) or "unrecorded"] += 1
            self.jobs_placed += placed.get(h, 0)
            if h in earned:
                total, months, pm = earned[h]
                self.incomes += 1
                self.by_months[months] += total
                self.shown_pp += half_up(total, pm)  # as the pairing rows show it
                self.fen += total
                self.person_months += pm
        self.open_escalated += sum(c["open_escalated"] for c in problems)
        return self

    def result(self, cumulative: int) -> dict[str, Any]:
        """The totals, with `cumulative` visits since the programme began."""
        by_kind, incomes = self.by_kind, self.incomes
        monthly = sum((Fraction(fen, months) for months, fen in self.by_months.items()), Fraction(0))
        return {
            "pairings": self.pairings,
            "compliant": self.compliant,
            "pending": self.pending,
            "visits": self.visits,
            "visits_cumulative": cumulative,
            "aid_value": yuan(sum(by_kind.values())),
            "aid_by_kind": {k: yuan(by_kind[k]) for k in AID_KINDS if k in by_kind},
            "households": self.households,
            "households_by_status": dict(sorted(self.by_status.items())),
            "problems_open_escalated": self.open_escalated,
            "income_households": incomes,
            "income_monthly": yuan(_round(monthly)) if incomes else None,
            "income_per_person": yuan(half_up(self.shown_pp, incomes)) if incomes else None,
            "income_per_person_month": yuan(half_up(self.fen, self.person_months)) if incomes else None,
            **self.measures,
            "jobs_placed": self.jobs_placed,
            "visits_evidenced": self.evidenced,
        }


def _round(x: Fraction) -> int:
    """An exact sum of fen to whole fen, half up (reports.common.half_up)."""
    return half_up(x.numerator, x.denominator)


UNIT_COLUMNS = (
    "unit",
    "pairings",
    "compliant",
    "visits",
    "visits_cumulative",
    "aid_value",
    "households",
    *STATUSES,
    "problems_open_escalated",
    "income_households",
    "income_monthly",
    "income_per_person",
)


def _unit_document(data: dict[str, Any]) -> dict[str, Any]:
    """One row per unit and the totals (households are the sum of the status columns)."""
    return {
        "title": _("Quarter report {quarter} by unit ({start} – {end})").format(
            **(data | {"quarter": quarter_name(data["quarter"])})
        ),
        "sections": [
            {
                "kind": "table",
                "columns": [c for c in UNIT_COLUMNS if c not in ("households", "income_households")],
                "headers": [
                    _("Unit"),
                    _("Pairings"),
                    _("OK"),
                    _("Visits"),
                    _("To date"),
                    _("Aid ¥"),
                    *(_(s) for s in STATUSES),
                    _("Esc."),
                    _("Income/mo"),
                    _("/person"),
                ],
                "rows": unit_rows(data, _("Total")),
                "legend": _(
                    "OK: pairings compliant. To date: visits since the programme began. Esc.: escalated"
                    " problems open at quarter end."
                )
                + " "
                + _(
                    "Income/mo: the paired households' average months of income this quarter, added up;"
                    " /person: the mean of their incomes per person a month."
                ),
            }
        ],
    }


def csv_rows(data: dict[str, Any]) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    if "by_unit" in data:
        return unit_rows(data, "(total)"), UNIT_COLUMNS
    return data["pairings"], CSV_COLUMNS


def income_text(t: dict[str, Any]) -> str:
    """The totals' income in a line: the households' months added up, the mean of their incomes per
    person and the total over all person-months, how many households."""
    if not t["income_households"]:
        return _("none recorded")
    text = _(
        "{monthly}; households' incomes per person averaged {per_person}, {n} household(s) with income recorded"
    ).format(
        monthly=money(t["income_monthly"]),
        per_person=money(t["income_per_person"]),
        n=t["income_households"],
    )
    if t.get("income_per_person_month") is not None:
        text += _("; total ÷ person-months {value}").format(value=money(t["income_per_person_month"]))
    return text


def money(value: float | None) -> str:
    """Yuan as print shows it: two decimals, thousands separated (12,345.60)."""
    return "" if value is None else format_yuan(round(value * 100), grouped=True)


def committee_text(m: dict[str, int], limit: int) -> str:
    """The committee's quarter in a line: meetings, problems studied and decided, decisions overdue,
    and escalated problems not studied within escalation_days, apart."""
    return _(
        "{held} meeting(s), {studied} problem(s) studied, {decided} decided; {overdue} decision(s) overdue;"
        " {not_studied} escalated problem(s) not studied within {days} days"
    ).format(**{"not_studied": 0, **m}, days=limit)


def _signed(value: float | None) -> str | None:
    return None if value is None else f"{value:+.2f}"


def document(data: dict[str, Any]) -> dict[str, Any]:
    """The report laid out for a terminal table or a Markdown page (see render.emit_document)."""
    t = data["totals"]
    title = _("Quarter report {quarter} ({start} – {end})").format(
        **(data | {"quarter": quarter_name(data["quarter"])})
    )
    if t.get("in_progress"):
        title += " " + _("(in progress)")
    if "by_unit" in data:
        return _unit_document(data)
    if not data["pairings"]:
        return {
            "title": title,
            "empty": _("Nothing recorded for {period}.").format(period=quarter_name(data["quarter"])),
        }
    rows = [
        {
            "cadre": f"{r['cadre']} {r['cadre_name']}",
            "household": f"{r['household']} {r['household_name']}",
            "visits": f"{r['visits']}/{r['required']}",
            "compliant": r["compliant"],
            "raised": r["problems_raised"],
            "solved": r["problems_solved"],
            "escalated": r["problems_escalated"],
            "open": r["problems_open"],
            "aid": r["aid_value"],
            "income": r["income_monthly_avg"],
            "per_person": r["income_per_person"],
            "change": _signed(r["income_change"]),
            "status": r["status"],
            "measures": f"{r.get('measures_due', 0)}/{r.get('measures_done', 0)}/{r.get('measures_overdue', 0)}",
            "_styles": {"visits": r["state"]},
        }
        for r in data["pairings"]
    ]
    rate = _(" ({pct}%)").format(pct=f"{100 * t['compliant'] / t['pairings']:.0f}") if t["pairings"] else ""
    kinds = _(", ").join(f"{label(k)} {money(v)}" for k, v in t["aid_by_kind"].items())
    totals = [
        (_("Pairings"), t["pairings"]),
        (
            _("Compliant pairings"),
            f"{t['compliant']}{rate}"
            + (" " + _("(in progress: {n} pending)").format(n=t["pending"]) if t.get("in_progress") else ""),
        ),
        (_("Visits this quarter"), t["visits"]),
        (_("Visits since the programme began"), t["visits_cumulative"]),
        (_("Aid given this quarter (yuan)"), money(t["aid_value"]) + (f" ({kinds})" if kinds else "")),
        (
            _("Households by status at quarter end"),
            _(", ").join(f"{label(k)} {v}" for k, v in t["households_by_status"].items()),
        ),
        (_("Escalated problems open at quarter end"), t["problems_open_escalated"]),
        (_("Income this quarter (yuan a month)"), income_text(t)),
        (_("The party committee this quarter"), committee_text(t["meetings"], t["escalation_days"])),
    ]
    plan = [
        (
            _("Measures due / done / overdue this quarter"),
            f"{t.get('measures_due', 0)} / {t.get('measures_done', 0)} / {t.get('measures_overdue', 0)}",
        ),
        (_("Job placements begun this quarter"), t.get("jobs_placed", 0)),
    ]
    evidenced = _evidence_line(t)
    attention = []
    if data.get("director") is not None:
        attention.append(
            {
                "kind": "fields",
                "title": _("What moved this quarter"),
                "rows": director_lines(data["director"]),
            }
        )
    if data.get("attention") is not None:
        attention.append(
            {
                "kind": "fields",
                "title": _("What needs the director's attention at {day}").format(
                    day=data["attention"]["as_of"]
                ),
                "rows": attention_lines(data["attention"]),
            }
        )
    return {
        "title": title,
        "sections": [
            {
                "kind": "table",
                "title": _("Pairings"),
                "columns": [
                    "cadre",
                    "household",
                    "visits",
                    "compliant",
                    "raised",
                    "solved",
                    "escalated",
                    "open",
                    "aid",
                    "income",
                    "per_person",
                    "change",
                    "status",
                    "measures",
                ],
                "headers": [
                    N_("Cadre"),
                    N_("Household"),
                    N_("Visits"),
                    N_("OK"),
                    N_("Raised"),
                    N_("Solved"),
                    N_("Esc."),
                    N_("Open"),
                    N_("Aid ¥"),
                    N_("Income/mo"),
                    N_("/person"),
                    N_("Change"),
                    N_("Status"),
                    N_("Measures d/d/o"),
                ],
                "rows": rows,
            },
            {"kind": "fields", "title": _("Totals"), "rows": totals + plan + evidenced},
            *attention,
        ],
    }


def _evidenced(
    db: Store,
    pairings: list[dict],
    rows: list[dict[str, Any]],
    start: str,
    end: str,
    households: facts.Span | None = None,
) -> None:
    """Each pairing's visits of the quarter that carry field evidence (a phone form: facts.EVIDENCED)."""
    counts = facts.evidenced_by_pairing(db, start, end, households)
    for p, r in zip(pairings, rows):
        r["visits_evidenced"] = counts.get(p["id"], 0)


def _evidence_line(t: dict[str, Any]) -> list[tuple[str, Any]]:
    """The totals' line of visits with field evidence, once any visit has it (docs/phones.md); the
    pairings' counts are in the CSV and JSON (visits_evidenced)."""
    n = t.get("visits_evidenced", 0)
    if not n:
        return []
    return [(_("Visits with field evidence (phone form)"), f"{n} / {t['visits']}")]


def _measures(db: Store, pairings: list[dict], rows: list[dict[str, Any]], start: str, end: str) -> None:
    """Each pairing's measures of its household (one query for all): due within the pairing's days of
    the quarter, done within them, and overdue at their last day (planned by then, due before it, not
    done or dropped by then). A household paired twice in the quarter has each count in the pairing
    whose days it fell in."""
    by_household = planfacts.measures_by_household(db, end, {p["household_id"] for p in pairings})
    for p, r in zip(pairings, rows):
        active = span(p, start, end)
        assert active is not None  # pairings_between: only pairings active in the quarter
        n = planfacts.tally(by_household.get(p["household_id"], ()), *active)
        r.update(measures_due=n["due"], measures_done=n["done"], measures_overdue=n["overdue"])


def attention_lines(att: dict[str, Any]) -> list[tuple[str, str]]:
    """One (heading, text) per kind of finding, for a fields section; "none" where nothing is found."""

    def join(items: list[str]) -> str:
        return _("; ").join(items) or _("none")

    return [
        (
            _("At risk of relapse"),
            join(
                [
                    f"{r['household']} {r['household_name']} ("
                    + _(", ").join(_(REASON_NAMES[x]) for x in r["reasons"])
                    + ")"
                    for r in att["relapse_risk"]
                ]
            ),
        ),
        (
            _("Follow-ups overdue"),
            join(
                [
                    f"{r['household']} {r['household_name']}"
                    + (_(" (last visit {date})").format(date=r["last_visit"]) if r.get("last_visit") else "")
                    for r in att["followups_overdue"]
                ]
            ),
        ),
        (
            _("Escalations open"),
            join(
                [
                    _("{household} {name}: {problem} (raised {raised}, {days} days{late})").format(
                        household=r["household"],
                        name=r["household_name"],
                        problem=r["problem"],
                        raised=r["raised"],
                        days=r["days_open"],
                        late=(
                            _(", studied {date}, due {due}").format(date=r["studied"], due=r["due"] or "—")
                            if r.get("studied")
                            else ""
                        )
                        + (_(", past the deadline") if r["overdue"] else ""),
                    )
                    for r in att["escalations_open"]
                ]
            ),
        ),
        (
            _("Pairings short of visits"),
            join(
                [
                    _("{cadre} {cadre_name} – {household} {name}: {visits}/{required}").format(
                        cadre=r["cadre"],
                        cadre_name=r["cadre_name"],
                        household=r["household"],
                        name=r["household_name"],
                        visits=r["visits"],
                        required=r["required"],
                    )
                    for r in att.get("visits_short", [])
                ]
            ),
        ),
        (
            _("Problems open past the limit, neither solved nor escalated"),
            join(
                [
                    _("{household} {name}: {problem} (raised {raised}, {days} days)").format(
                        household=r["household"],
                        name=r["household_name"],
                        problem=r["problem"],
                        raised=r["raised"],
                        days=r["days_open"],
                    )
                    for r in att.get("problems_unhandled", [])
                ]
            ),
        ),
        (
            _("Candidates for monitoring"),
            join(
                [
                    f"{r['household']} {r['household_name']} ({label(r['category'])})"
                    for r in att.get("monitor_candidates", [])
                ]
            ),
        ),
        (
            _("Measures overdue"),
            join(
                [
                    _("{household} {name}: {what} (due {due})").format(
                        household=r["household"], name=r["household_name"], what=r["what"], due=r["due"]
                    )
                    for r in att["measures_overdue"]
                ]
            ),
        ),
    ]


def _households(rows: list[dict[str, Any]], dated: bool = True) -> str:
    names = [
        f"{r['household']} {r['household_name']}" + (f" ({r['date']})" if dated and r.get("date") else "")
        for r in rows
    ]
    return _("; ").join(names)


#: The movements as the report names them.
MOVE_NAMES = {
    "enrolled": N_("Entered the programme"),
    "exited": N_("Exited poverty"),
    "prosperous": N_("Became prosperous"),
    "relapsed": N_("Relapsed"),
    "monitoring_entered": N_("Entered monitoring"),
    "monitoring_left": N_("Left monitoring (risk eliminated)"),
}


def director_lines(d: dict[str, Any]) -> list[tuple[str, str]]:
    """What moved and what the director reads beside the pairings, one (heading, text) each."""
    none = _("none")
    lines: list[tuple[str, str]] = []
    for key, rows in d["moved"].items():
        lines.append((_(MOVE_NAMES[key]), f"{len(rows)}: {_households(rows)}" if rows else "0"))
    mon = d["monitoring"]
    lines.append(
        (
            _("Monitored at quarter end"),
            f"{mon['total']}"
            + (
                " (" + _(", ").join(f"{label(c)} {n}" for c, n in mon["by_category"].items()) + ")"
                if mon["by_category"]
                else ""
            ),
        )
    )
    ln = d["lines"]
    lines.append(
        (
            _("Under the poverty line ({line} a person a month)").format(line=money(ln["poverty_line"])),
            _("{n} of {of} household(s) with income recorded").format(
                n=len(ln["under_poverty_line"]), of=ln["households_with_income"]
            )
            + (f": {_(', ').join(ln['under_poverty_line'])}" if ln["under_poverty_line"] else ""),
        )
    )
    lines.append(
        (
            _("Under the monitoring line ({line})").format(line=money(ln["monitoring_line"])),
            _("{n} of {of} household(s) with income recorded").format(
                n=len(ln["under_monitoring_line"]), of=ln["households_with_income"]
            )
            + (f": {_(', ').join(ln['under_monitoring_line'])}" if ln["under_monitoring_line"] else ""),
        )
    )
    lines.append(
        (
            _("Aid by whose money (yuan)"),
            _(", ").join(
                f"{_(SOURCE_NAMES[k]) if k in SOURCE_NAMES else label(k)} {money(v)}"
                for k, v in d["aid_by_source"].items()
            )
            or none,
        )
    )
    lines.append(
        (
            _("Livelihoods of the households out of poverty"),
            _(", ").join(
                f"{label(k) if k != 'unrecorded' else _('unrecorded')} {n}"
                for k, n in d["livelihoods"].items()
            )
            or none,
        )
    )
    lines.append(
        (
            _("People in work at quarter end"),
            _("{people} in {households} household(s)").format(**d["in_work"]),
        )
    )
    held = [
        _("{date}: {items}").format(
            date=m["date"],
            items=_("; ").join(
                f"{i['household']} {i['problem']}"
                + (" → " + i["decision"] if i["decision"] else " → " + _("no decision recorded"))
                for i in m["items"]
            )
            or _("nothing studied"),
        )
        for m in d["meetings"]
    ]
    lines.append((_("Committee meetings this quarter"), " | ".join(held) if held else _("not held")))
    lines.append((_("Typical cases"), " | ".join(n["text"] for n in d["notes"]) if d["notes"] else none))
    return lines


#: Whose money, as the report names it.
SOURCE_NAMES = {
    "cadre": N_("cadres' own money"),
    "unit": N_("the unit"),
    "other": N_("other bodies"),
    "waived": N_("fees waived"),
    "unrecorded": N_("not recorded"),
}
