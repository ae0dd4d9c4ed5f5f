"""Facts about the plans (一户一策) that reports and checks both need: one query for all households."""

from __future__ import annotations

import datetime as dt

from ..store import Store


def open_measures(db: Store, day: dt.date | str) -> dict[int, int]:
    """Measures planned on or before a day and not closed by then, per household."""
    return dict(
        db.execute(
            "SELECT household_id, count(*) FROM measures WHERE date <= ? AND (done_on IS NULL OR done_on > ?)"
            " GROUP BY household_id",
            [str(day), str(day)],
        ).fetchall()
    )
