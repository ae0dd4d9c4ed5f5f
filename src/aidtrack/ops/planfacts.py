"""Facts about the plans (一户一策) that reports and checks both need: one query for all households."""

from __future__ import annotations

import datetime as dt

from ..store import Store


def measure_counts(db: Store, start: dt.date, end: dt.date) -> dict[int, dict[str, int]]:
    """Per household, the measures of the period [start, end] as of its end (one query):

    - due: due dates in the period;
    - done: done in the period (whatever their due date);
    - overdue: due on or before the period's end and not done by then (nor dropped by then).
    """
    s, e = start.isoformat(), end.isoformat()
    out: dict[int, dict[str, int]] = {}
    for hid, due, done, overdue in db.execute(
        "SELECT household_id,"
        " sum(due BETWEEN :s AND :e),"
        " sum(status = 'done' AND done_on BETWEEN :s AND :e),"
        " sum(due <= :e AND date <= :e AND (done_on IS NULL OR done_on > :e))"
        " FROM measures WHERE date <= :e GROUP BY household_id",
        {"s": s, "e": e},
    ):
        out[hid] = {"due": due or 0, "done": done or 0, "overdue": overdue or 0}
    return out


def open_measures(db: Store, day: dt.date | str) -> dict[int, int]:
    """Measures planned on or before a day and not closed by then, per household."""
    return dict(
        db.execute(
            "SELECT household_id, count(*) FROM measures WHERE date <= ? AND (done_on IS NULL OR done_on > ?)"
            " GROUP BY household_id",
            [str(day), str(day)],
        ).fetchall()
    )
