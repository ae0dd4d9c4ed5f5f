"""The programme's own moves beyond add/edit: ending a pairing, a status change, resolving a problem."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from .. import parse
from ..i18n import _
from ..model import AidtrackError
from ..store import Store
from . import records
from .refs import Refs


def end_pairing(
    db: Store, household: str, day: dt.date | str | None = None, today: dt.date | None = None
) -> dict:
    today = today or dt.date.today()
    hid = Refs(db).household(household)
    end = parse.date(day or today, "date", today=today)
    active = records.select(db, "pairings", household=hid, active=True)
    if not active:
        raise AidtrackError("household", household, _("has no active pairing to end"))
    pairing = active[0]
    if end.isoformat() < pairing["since"]:
        raise AidtrackError(
            "date", end.isoformat(), _("is before the pairing began ({since})").format(since=pairing["since"])
        )
    later = db.execute(
        "SELECT count(*) FROM visits WHERE pairing_id = ? AND date > ?", [pairing["id"], end.isoformat()]
    ).fetchone()[0]
    if later:
        raise AidtrackError(
            "date", end.isoformat(), _("{n} visit(s) of this pairing come after it").format(n=later)
        )
    with db.write():
        db.execute("UPDATE pairings SET until = ? WHERE id = ?", [end.isoformat(), pairing["id"]])
        after = records.select(db, "pairings", id=pairing["id"])[0]
        db.audit("end", "pairings", str(pairing["id"]), pairing, after)
    return after


def set_status(
    db: Store,
    household: str,
    status: str,
    day: dt.date | str | None = None,
    reason: str | None = None,
    today: dt.date | None = None,
    warn: Callable[[str], None] | None = None,
) -> dict:
    """Record a status change (enrolled / exited / prosperous / relapsed) in the history."""
    return records.set_statuses(
        db, [{"household": household, "status": status, "date": day, "reason": reason}], today, warn
    )[0]


def resolve_problem(
    db: Store,
    ident: str | int,
    note: str | None,
    day: dt.date | str | None = None,
    today: dt.date | None = None,
) -> dict:
    today = today or dt.date.today()
    before = records.get(db, "problems", ident)
    when = parse.date(day or today, "date", today=today)
    note = parse.text(note, "note", required=True)
    if when.isoformat() < before["date"]:
        raise AidtrackError(
            "date",
            when.isoformat(),
            _("is before the problem was raised ({date})").format(date=before["date"]),
        )
    if when > today:
        raise AidtrackError("date", when.isoformat(), _("is after today ({today})").format(today=today))
    with db.write():
        db.execute(
            "UPDATE problems SET resolved_on = ?, resolution = ? WHERE id = ?",
            [when.isoformat(), note, before["id"]],
        )
        after = records.select(db, "problems", id=before["id"])[0]
        db.audit("resolve", "problems", str(before["id"]), before, after)
    return after


def set_status_many(db: Store, entries: list[dict], today: dt.date | None = None) -> list[dict]:
    """Many status changes by household id (the relapse check's marks), in one transaction."""
    import json

    ids = sorted({int(e["household_id"]) for e in entries})
    codes = dict(
        db.execute(
            "SELECT id, code FROM households WHERE id IN (SELECT value FROM json_each(?))", [json.dumps(ids)]
        ).fetchall()
    )
    missing = [i for i in ids if i not in codes]
    if missing:
        raise AidtrackError("household", missing[0], _("no household has this id"))
    return records.set_statuses(
        db,
        [
            {
                **{k: v for k, v in e.items() if k != "household_id"},
                "household": codes[int(e["household_id"])],
            }
            for e in entries
        ],
        today,
    )
