"""A household's members over time: the size at a date is the count of members present then.

A register that only counts people (`household add --members 3`) gets that many members named
#1, #2 … (counted, never named) from the household's enrolment; `household edit --members N --from
DATE` opens or closes such members at DATE, so the size before DATE stays what it was
(docs/rules.md). Every function here writes inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import re

from ...i18n import _
from ...model import AidtrackError
from ...store import Store

_UNNAMED = re.compile(r"#(\d+)")


def unnamed(name: str) -> bool:
    """A person counted but not named (#1, #2 …: `household edit --members N`)."""
    return _UNNAMED.fullmatch(name) is not None


def _present(db: Store, hid: int, day: str) -> list[tuple[int, str, str]]:
    """(id, name, joined) of the members present on a day, the latest joined first."""
    return db.execute(
        "SELECT id, name, joined FROM members WHERE household_id = ? AND joined <= ?"
        " AND (left_on IS NULL OR left_on >= ?) ORDER BY joined DESC, id DESC",
        [hid, day, day],
    ).fetchall()


def add_unnamed(db: Store, hid: int, n: int, day: str) -> None:
    """N members counted but not named (#k, numbered after the household's last), joined on a day."""
    top = max(
        (
            int(m.group(1))
            for (name,) in db.execute("SELECT name FROM members WHERE household_id = ?", [hid])
            if (m := _UNNAMED.fullmatch(name or ""))
        ),
        default=0,
    )
    db.conn.executemany(
        "INSERT INTO members (household_id, name, joined) VALUES (?, ?, ?)",
        [(hid, f"#{top + i}", day) for i in range(1, n + 1)],
    )


def set_size(db: Store, hid: int, n: int, day: str) -> int:
    """Make the household N people from DAY on: unnamed members join at DAY, or leave the day before.

    Members joining or leaving after DAY stay as recorded. Returns the change (+ joined, − left).
    Named members are never closed here: `member leave` says who left.
    """
    present = _present(db, hid, day)
    change = n - len(present)
    if change:
        code = db.execute("SELECT code FROM households WHERE id = ?", [hid]).fetchone()[0]
        db.audit(
            "size", "households", code, {"members": len(present), "from": day}, {"members": n, "from": day}
        )
    if change > 0:
        add_unnamed(db, hid, change, day)
    elif change < 0:
        unnamed = [(mid, joined) for mid, name, joined in present if _UNNAMED.fullmatch(name or "")]
        if len(unnamed) < -change:
            raise AidtrackError(
                "members",
                n,
                _(
                    "{code} has {named} named member(s) present on {day}: say who left with"
                    " `aidtrack member leave ID --date DAY`"
                ).format(code=code, named=len(present) - len(unnamed), day=day),
            )
        before = (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()
        for mid, joined in unnamed[:-change]:
            if joined >= day:  # joined that very day: never present
                db.execute("DELETE FROM members WHERE id = ?", [mid])
            else:
                db.execute("UPDATE members SET left_on = ? WHERE id = ?", [before, mid])
    return change
