"""Facts about the plans (一户一策) that reports and checks both need: one query for all households."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable

from ...store import Store

#: A measure as the counts read it: (planned, due, status, closed, reason) — its `date`, `due`,
#: `status`, `done_on` (the day it was done or dropped) and `result` (for a drop: why).
Measure = tuple[str, str | None, str, str | None, str | None]


def measures_by_household(db: Store, end: dt.date | str, household_ids=None) -> dict[int, list[Measure]]:
    """The measures planned on or before `end`, per household (one query)."""
    sql = "SELECT household_id, date, due, status, done_on, result FROM measures WHERE date <= ?"
    args: list = [str(end)]
    if household_ids is not None:
        sql += " AND household_id IN (SELECT value FROM json_each(?))"
        args.append(json.dumps(sorted(int(h) for h in household_ids)))
    out: dict[int, list[Measure]] = defaultdict(list)
    for hid, *m in db.execute(sql, args):
        out[hid].append(tuple(m))
    return dict(out)


def tally(measures: Iterable[Measure], first: str, last: str) -> dict[str, int]:
    """The one count of measures over the days [first, last] (ISO text), as of `last`:

    - due: due dates in the days;
    - done: done in the days (whatever their due date);
    - overdue: due before `last`, planned by then, and neither done nor dropped by then;
    - owed: due in the days and not excused; a drop is excused only when it gives its reason
      (a dropped measure without one is owed and not done, however early it was dropped);
    - on_time: owed and done on or before its due date.
    The quarter report reads due/done/overdue per pairing, the assessment owed/on_time per cadre.
    """
    out = {"due": 0, "done": 0, "overdue": 0, "owed": 0, "on_time": 0}
    for planned, due, status, closed, reason in measures:
        in_days = bool(due) and first <= due <= last  # type: ignore[operator]
        out["due"] += in_days
        out["done"] += status == "done" and closed is not None and first <= closed <= last
        out["overdue"] += bool(due) and due < last and planned <= last and (closed is None or closed > last)  # type: ignore[operator]
        if in_days and not (status == "dropped" and (reason or "").strip()):
            out["owed"] += 1
            out["on_time"] += status == "done" and closed is not None and closed <= due  # type: ignore[operator]
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
