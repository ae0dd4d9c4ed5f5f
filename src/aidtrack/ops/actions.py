"""The programme's own moves beyond add/edit: ending a pairing, a status change, resolving a problem."""

from __future__ import annotations

import datetime as dt

from .. import parse
from ..i18n import _
from ..model import STATUSES, AidtrackError
from ..store import Store
from . import records
from .refs import Refs


def end_pairing(db: Store, household: str, day: dt.date | str | None = None,
                today: dt.date | None = None) -> dict:
    today = today or dt.date.today()
    hid = Refs(db).household(household)
    end = parse.date(day or today, "date", today=today)
    active = records.select(db, "pairings", "p.household_id = ? AND p.until IS NULL", [hid])
    if not active:
        raise AidtrackError("household", household, _("has no active pairing to end"))
    pairing = active[0]
    if end.isoformat() < pairing["since"]:
        raise AidtrackError("date", end.isoformat(),
                            _("is before the pairing began ({since})").format(since=pairing["since"]))
    later = db.execute(
        "SELECT count(*) FROM visits WHERE pairing_id = ? AND date > ?", [pairing["id"], end.isoformat()]
    ).fetchone()[0]
    if later:
        raise AidtrackError("date", end.isoformat(),
                            _("{n} visit(s) of this pairing come after it").format(n=later))
    with db.write():
        db.execute("UPDATE pairings SET until = ? WHERE id = ?", [end.isoformat(), pairing["id"]])
        after = records.select(db, "pairings", "p.id = ?", [pairing["id"]])[0]
        db.audit("end", "pairings", str(pairing["id"]), pairing, after)
    return after


def set_status(db: Store, household: str, status: str, day: dt.date | str | None = None,
               reason: str | None = None, today: dt.date | None = None) -> dict:
    """Record a status change (enrolled / exited / prosperous / relapsed) in the history."""
    today = today or dt.date.today()
    hid = Refs(db).household(household)
    status = parse.choice(status, STATUSES, "status")
    when = parse.date(day or today, "date", today=today)
    if when > today:
        raise AidtrackError("date", when.isoformat(), _("is after today ({today})").format(today=today))
    reason = parse.text(reason, "reason", max_len=1000)
    first = db.execute("SELECT min(date) FROM statuses WHERE household_id = ?", [hid]).fetchone()[0]
    if first and when.isoformat() < first:
        raise AidtrackError("date", when.isoformat(),
                            _("is before the household was enrolled ({date})").format(date=first))
    entry = {"household_id": hid, "status": status, "date": when.isoformat(), "reason": reason}
    with db.write():
        records.refuse_duplicate(db, "statuses", entry)
        sid = db.table("statuses").insert(entry).last_pk
        after = records.select(db, "statuses", "s.id = ?", [sid])[0]
        db.audit("status", "households", after["household"], None, after)
    return after


def resolve_problem(db: Store, ident: str | int, note: str | None, day: dt.date | str | None = None,
                    today: dt.date | None = None) -> dict:
    today = today or dt.date.today()
    before = records.get(db, "problems", ident)
    when = parse.date(day or today, "date", today=today)
    note = parse.text(note, "note", required=True)
    if when.isoformat() < before["date"]:
        raise AidtrackError("date", when.isoformat(),
                            _("is before the problem was raised ({date})").format(date=before["date"]))
    if when > today:
        raise AidtrackError("date", when.isoformat(), _("is after today ({today})").format(today=today))
    with db.write():
        db.execute("UPDATE problems SET resolved_on = ?, resolution = ? WHERE id = ?",
                   [when.isoformat(), note, before["id"]])
        after = records.select(db, "problems", "pr.id = ?", [before["id"]])[0]
        db.audit("resolve", "problems", str(before["id"]), before, after)
    return after


def set_status_many(db: Store, entries: list[dict], today: dt.date | None = None) -> list[dict]:
    """Record many status changes in one transaction: one status row and one audit entry each.

    Each entry: household_id, status, date, reason. Checked as `set_status` checks one, with one
    query for all the households (the relapse check marks thousands at once).
    """
    import json

    today = today or dt.date.today()
    checked = []
    for entry in entries:
        status = parse.choice(entry["status"], STATUSES, "status")
        when = parse.date(entry["date"], "date", today=today)
        if when > today:
            raise AidtrackError("date", when.isoformat(), _("is after today ({today})").format(today=today))
        reason = parse.text(entry.get("reason"), "reason", max_len=1000)
        checked.append((int(entry["household_id"]), status, when.isoformat(), reason))
    if not checked:
        return []
    known = {
        hid: (code, name, first)
        for hid, code, name, first in db.execute(
            "SELECT h.id, h.code, h.name, (SELECT min(s.date) FROM statuses s WHERE s.household_id = h.id)"
            " FROM households h WHERE h.id IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted({c[0] for c in checked}))],
        )
    }
    for hid, _status, day, _reason in checked:
        if hid not in known:
            raise AidtrackError("household", hid, _("no household has this id"))
        if known[hid][2] and day < known[hid][2]:
            raise AidtrackError("date", day, _("is before {code} was enrolled ({date})").format(
                code=known[hid][0], date=known[hid][2]))
    done = []
    with db.write():
        for hid, status, day, reason in checked:
            sid = db.execute(
                "INSERT INTO statuses (household_id, status, date, reason) VALUES (?, ?, ?, ?)",
                [hid, status, day, reason],
            ).lastrowid
            code, name, _first = known[hid]
            after = {"id": sid, "household": code, "household_name": name, "status": status,
                     "date": day, "reason": reason}
            db.audit("status", "households", code, None, after)
            done.append(after)
    return done
