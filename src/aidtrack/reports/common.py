"""What the reports share: rounding, the pairing-quarter cells (visits made against required), problems.

The cells are the one place the visits rule is applied: the quarter report, the year grid and the
cadre assessment all read them, so the three always agree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, NamedTuple

from ..model import STATUSES, Quarter
from ..ops.rules import facts
from ..ops.rules.policy import Policy
from ..store import Store


def half_up(num: int, den: int) -> int:
    """num ÷ den (den > 0) to a whole number of fen, halves away from zero: integers only, no float."""
    if num < 0:
        return -half_up(-num, den)
    return (2 * num + den) // (2 * den)


def ratio(num: int, den: int, empty: float = 1.0) -> float:
    return empty if den == 0 else num / den


def quarters_of(start: dt.date, end: dt.date) -> list[Quarter]:
    out, q = [], Quarter.of(start)
    while q.start <= end:
        out.append(q)
        q = q.next()
    return out


def span(pairing: dict[str, Any], start: dt.date | str, end: dt.date | str) -> tuple[str, str] | None:
    """The pairing's active days clipped to [start, end], as ISO dates; None if not active in it."""
    first = max(pairing["since"], str(start))
    last = min(pairing["until"] or str(end), str(end))
    return (first, last) if first <= last else None


class Cell(NamedTuple):
    """One pairing in one quarter: visits made, visits required and what that means today.

    state: met (made >= required), short (the quarter is over and made < required), pending (the
    quarter is still running), future (the quarter has not begun).
    """

    visits: int
    required: int
    state: str

    @property
    def met(self) -> bool:
        return self.visits >= self.required

    def as_dict(self) -> dict[str, Any]:
        return {"visits": self.visits, "required": self.required, "state": self.state}


def cells(
    db: Store,
    pairings: list[dict[str, Any]],
    quarters: list[Quarter],
    today: dt.date,
    policy: Policy | None = None,
    households: facts.Span | None = None,
) -> dict[tuple[int, str], Cell]:
    """Visits made and required per (pairing id, quarter label) for the pairings active in each quarter.

    Required visits use the policy `visits_per_quarter` in force on the quarter's LAST day, so a
    change made during a quarter governs that whole quarter. One visits query per quarter (of the
    pairings of a chunk of households, when `households` is given).
    """
    policy = policy or Policy(db)
    out: dict[tuple[int, str], Cell] = {}
    for q in quarters:
        made = facts.visits_by_pairing(db, q.start, q.end, households)
        per_quarter = policy.value("visits_per_quarter", q.end)
        label, first, last = str(q), q.start.isoformat(), q.end.isoformat()
        if q.start > today:
            late = "future"
        elif q.end >= today:
            late = "pending"
        else:
            late = "short"
        for p in pairings:
            since, until = p["since"], p["until"]
            if since > last or (until is not None and until < first):
                continue
            if since <= first and (until is None or until >= last):
                required = per_quarter
            else:
                required = facts.required_visits(per_quarter, since, until, q.start, q.end)
            visits = made.get(p["id"], 0)
            out[(p["id"], label)] = Cell(visits, required, "met" if visits >= required else late)
    return out


PROBLEM_KEYS = ("raised", "solved", "escalated", "open", "open_escalated")


def problem_counts(
    db: Store, start: dt.date, end: dt.date, households: facts.Span | None = None
) -> dict[int, dict[str, int]]:
    """Per pairing id: problems raised at its visits in [start, end], solved (resolved_on in it),
    escalated (raised in it and escalated), open and open escalated at `end` (raised on or before
    `end`, not resolved by then). Pairings with none are absent.

    Two queries, neither reading the whole history: the problems of the visits in [start, end] (a
    range of visits_date), and those raised before `start` still open at it (the problems_resolved
    index: unresolved ones and those resolved on or after `start`). Of a chunk of households'
    pairings only, when `households` is given: the first from their pairings (a range of each one's
    visits), the second kept to them.
    """
    s, e = start.isoformat(), end.isoformat()
    params: dict[str, Any] = {"s": s, "e": e}
    chunk = ""
    if households is not None:
        params |= {"lo": households[0], "hi": households[1]}
        chunk = " AND v.pairing_id IN (SELECT id FROM pairings WHERE household_id BETWEEN :lo AND :hi)"
    out: dict[int, dict[str, int]] = {}

    def add(rows) -> None:
        for pid, *counts in rows:
            have = out.setdefault(pid, dict.fromkeys(PROBLEM_KEYS, 0))
            for k, v in zip(PROBLEM_KEYS, counts):
                have[k] += int(v or 0)

    counted = (
        "SELECT v.pairing_id, count(*), sum(pr.resolved_on BETWEEN :s AND :e), sum(pr.escalated = 1),"
        " sum(pr.resolved_on IS NULL OR pr.resolved_on > :e),"
        " sum(pr.escalated = 1 AND (pr.resolved_on IS NULL OR pr.resolved_on > :e))"
    )
    if households is None:
        add(
            db.execute(
                f"{counted} FROM visits v INDEXED BY visits_date JOIN problems pr ON pr.visit_id = v.id"
                " WHERE v.date BETWEEN :s AND :e GROUP BY v.pairing_id",
                params,
            )
        )
    else:
        add(
            db.execute(
                f"{counted} FROM pairings p CROSS JOIN visits v ON v.pairing_id = p.id"
                " JOIN problems pr ON pr.visit_id = v.id"
                " WHERE p.household_id BETWEEN :lo AND :hi AND v.date BETWEEN :s AND :e GROUP BY v.pairing_id",
                params,
            )
        )
    add(
        db.execute(
            "SELECT v.pairing_id, 0, sum(pr.resolved_on BETWEEN :s AND :e), 0,"
            " sum(pr.resolved_on IS NULL OR pr.resolved_on > :e),"
            " sum(pr.escalated = 1 AND (pr.resolved_on IS NULL OR pr.resolved_on > :e))"
            " FROM (SELECT visit_id, resolved_on, escalated FROM problems INDEXED BY problems_resolved"
            "       WHERE resolved_on IS NULL"
            "       UNION ALL SELECT visit_id, resolved_on, escalated FROM problems INDEXED BY problems_resolved"
            "       WHERE resolved_on >= :s) pr"
            f" CROSS JOIN visits v ON v.id = pr.visit_id WHERE v.date < :s{chunk} GROUP BY v.pairing_id",
            params,
        )
    )
    return out


def visits_until(db: Store, day: dt.date | str) -> int:
    """Visits dated on or before `day` ("since the programme began"): the tally per month, and the
    days of `day`'s month after it subtracted (a range of visits_date)."""
    day = str(day)
    month = day[:7]
    upto = db.execute(
        "SELECT coalesce(sum(visits), 0) FROM visit_months WHERE month <= ?", [month]
    ).fetchone()[0]
    after = db.execute(
        "SELECT count(*) FROM visits INDEXED BY visits_date WHERE date > ? AND date < ?", [day, month + "-32"]
    ).fetchone()[0]
    return upto - after


def aid_by_household(
    db: Store, start: dt.date, end: dt.date, households: facts.Span | None = None
) -> dict[int, list[tuple[str, str, int]]]:
    """(date, kind, fen) of the aid dated in [start, end], per household: one range query on aid_date
    (of a chunk of households: a range of aid_household)."""
    out: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    chunk = "" if households is None else " AND household_id BETWEEN ? AND ?"
    for hid, day, kind, value in db.execute(
        f"SELECT household_id, date, kind, sum(value) FROM aid WHERE date BETWEEN ? AND ?{chunk}"
        " GROUP BY household_id, date, kind",
        [start.isoformat(), end.isoformat(), *(households or ())],
    ):
        out[hid].append((day, kind, value))
    return out


def unit_rows(data: dict[str, Any], total: str) -> list[dict[str, Any]]:
    """A `--by unit` report's unit rows and its totals row (named `total`, bold): every report's
    table, Markdown and CSV by unit. Households by status, where a report counts them, are spread
    into a column per status."""
    out = []
    for r in [*data["by_unit"], {"unit": total, **data["totals"], "_bold": True}]:
        flat = {k: v for k, v in r.items() if k not in ("households_by_status", "aid_by_kind")}
        if "households_by_status" in r:
            flat |= {s: r["households_by_status"].get(s, 0) for s in STATUSES}
        out.append(flat)
    return out
