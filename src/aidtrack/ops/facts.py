"""Read-only facts that reports and checks both need, each answered with one query for all households."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ..store import Store


def status_at(db: Store, day: dt.date | str) -> dict[int, str]:
    """Each household's status on a day: the latest status entry dated on or before it."""
    rows = db.execute(
        "SELECT household_id, status FROM ("
        " SELECT household_id, status, row_number() OVER ("
        "   PARTITION BY household_id ORDER BY date DESC, id DESC) AS n"
        " FROM statuses WHERE date <= ?) WHERE n = 1",
        [str(day)],
    )
    return dict(rows.fetchall())


def monthly_income(db: Store, first_month: str, last_month: str,
                   household_ids: list[int] | None = None) -> dict[int, dict[str, int]]:
    """Income in fen per household and month (sources of one month added), months without a record absent."""
    sql = ("SELECT household_id, month, sum(amount) FROM income WHERE month BETWEEN ? AND ?")
    args: list = [first_month, last_month]
    if household_ids is not None:
        sql += f" AND household_id IN ({','.join('?' * len(household_ids))})"
        args += household_ids
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for hid, month, amount in db.execute(sql + " GROUP BY household_id, month", args):
        out[hid][month] = amount
    return out


def members(db: Store) -> dict[int, int]:
    return dict(db.execute("SELECT id, members FROM households").fetchall())


def pairings_between(db: Store, start: dt.date | str, end: dt.date | str) -> list[dict]:
    """Pairings active on any day of [start, end], with their cadre and household."""
    cur = db.execute(
        "SELECT p.id, p.since, p.until, p.cadre_id, c.code AS cadre, c.name AS cadre_name,"
        " p.household_id, h.code AS household, h.name AS household_name, h.members"
        " FROM pairings p JOIN cadres c ON c.id = p.cadre_id JOIN households h ON h.id = p.household_id"
        " WHERE p.since <= ? AND (p.until IS NULL OR p.until >= ?) ORDER BY h.code, p.since",
        [str(end), str(start)],
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur]
