"""One household's plan (一户一策): its causes, its measures and what carried each out; and the
measures of every pairing counted for a quarter (due, done, overdue)."""

from __future__ import annotations

from typing import Any

from ..i18n import _
from ..model import yuan
from ..ops.rules.refs import Refs
from ..ops.write import records
from ..store import Store


def household_plan(db: Store, household: str | int) -> dict[str, Any]:
    """{"household", "name", "causes": [...], "measures": [...]}: each measure with the aid records
    and job placements that name it (how many, and the aid's value in yuan)."""
    hid = household if type(household) is int else Refs(db).household(str(household))
    code, name = db.execute("SELECT code, name FROM households WHERE id = ?", [hid]).fetchone()
    causes = records.select(db, "causes", household=hid)
    measures = records.select(db, "measures", household=hid)
    aid = {
        mid: (n, v)
        for mid, n, v in db.execute(
            "SELECT measure_id, count(*), sum(value) FROM aid WHERE household_id = ? AND measure_id IS NOT NULL"
            " GROUP BY measure_id",
            [hid],
        )
    }
    jobs = dict(
        db.execute(
            "SELECT measure_id, count(*) FROM jobs WHERE household_id = ?"
            " AND measure_id IS NOT NULL GROUP BY measure_id",
            [hid],
        ).fetchall()
    )
    for m in measures:
        n, value = aid.get(m["id"], (0, 0))
        m["aid_records"], m["aid_value"], m["jobs"] = n, yuan(value), jobs.get(m["id"], 0)
        parts = []
        if n:
            parts.append(_("aid {n} ({amount:.2f})").format(n=n, amount=yuan(value)))
        if m["jobs"]:
            parts.append(_("jobs {n}").format(n=m["jobs"]))
        m["carried_out"] = _(", ").join(parts)
    return {"household": code, "name": name, "causes": causes, "measures": measures}
