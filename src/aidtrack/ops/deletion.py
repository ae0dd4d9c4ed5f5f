"""Deleting a record entered by mistake: what it takes with it is named before anyone is asked.

`plan()` finds the record, refuses at once when other records still refer to it (so a delete that
will be refused never asks first), and lists the records the database deletes with it (a visit's
problems, what meetings decided on them; a household's members and statuses). Records are named
by code and name, never by internal row id alone. `carry_out()` deletes in one transaction and
writes the record and everything cascaded into the audit entry, so the log can restore them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..i18n import N_, _
from ..kinds import REGISTRY
from ..model import AidtrackError, label
from ..store import Store
from . import records

#: Records that refuse the delete while they exist: (kind, SQL counting them for the record id, what to do).
_BLOCKERS: dict[str, tuple[tuple[str, str], ...]] = {
    "households": (
        ("pairings", "SELECT count(*) FROM pairings WHERE household_id = ?"),
        ("income", "SELECT count(*) FROM income WHERE household_id = ?"),
        ("aid", "SELECT count(*) FROM aid WHERE household_id = ?"),
        # a decision about the household is kept: it is the evidence of its statuses
        ("cases", "SELECT count(*) FROM cases WHERE household_id = ?"),
    ),
    "meetings": (("case_steps", "SELECT count(*) FROM case_steps WHERE meeting_id = ?"),),
    "cadres": (
        ("pairings", "SELECT count(*) FROM pairings WHERE cadre_id = ?"),
        ("aid", "SELECT count(*) FROM aid WHERE giver_cadre_id = ?"),
        ("meeting_items", "SELECT count(*) FROM meeting_items WHERE leader_id = ?"),
    ),
    "pairings": (("visits", "SELECT count(*) FROM visits WHERE pairing_id = ?"),),
}

#: Records the database deletes with the record (ON DELETE CASCADE): (kind, SQL of their ids).
_CASCADES: dict[str, tuple[tuple[str, str], ...]] = {
    "visits": (
        ("problems", "SELECT id FROM problems WHERE visit_id = ?"),
        (
            "meeting_items",
            "SELECT mi.id FROM meeting_items mi"
            " JOIN problems pr ON pr.id = mi.problem_id WHERE pr.visit_id = ?",
        ),
    ),
    "problems": (("meeting_items", "SELECT id FROM meeting_items WHERE problem_id = ?"),),
    "households": (
        ("members", "SELECT id FROM members WHERE household_id = ?"),
        ("statuses", "SELECT id FROM statuses WHERE household_id = ?"),
    ),
    "meetings": (("meeting_items", "SELECT id FROM meeting_items WHERE meeting_id = ?"),),
}

_REFUSED = N_("{what} is still referred to by {records}; delete or correct those first")


def describe(kind: str, r: dict[str, Any]) -> str:
    """A record as a person names it: by code and name, with its date where it has one."""
    h = " ".join(x for x in (r.get("household"), r.get("household_name")) if x)
    if kind in ("households", "cadres"):
        return f"{r['code']} {r['name']}"
    if kind == "visits":
        return _("visit {id} ({household}, {date}, {kind})").format(
            id=r["id"], household=h, date=r["date"], kind=label(r["kind"])
        )
    if kind == "problems":
        return _("problem {id} ({household}, {date}: {problem})").format(
            id=r["id"], household=h, date=r["date"], problem=r["problem"]
        )
    if kind == "members":
        return _("member {id} ({household}: {name})").format(id=r["id"], household=h, name=r["name"])
    if kind == "statuses":
        return _("status {status} of {household} on {date}").format(
            status=label(r["status"]), household=h, date=r["date"]
        )
    if kind == "meetings":
        return _("meeting {id} ({kind}, {date})").format(id=r["id"], kind=label(r["kind"]), date=r["date"])
    if kind == "meeting_items":
        return _("meeting item {id} ({date}: {problem})").format(
            id=r["id"], date=r["meeting_date"], problem=r["problem"]
        )
    if kind == "pairings":
        return _("pairing {id} ({cadre} {cadre_name} – {household}, since {since})").format(
            id=r["id"], cadre=r["cadre"], cadre_name=r["cadre_name"], household=h, since=r["since"]
        )
    date = r.get("date") or r.get("month") or ""
    return _("{kind} record {id} ({household}, {date})").format(
        kind=_(kind), id=r["id"], household=h, date=date
    )


@dataclass
class Plan:
    kind: str
    record: dict[str, Any]
    what: str
    #: Cascaded records by kind, in their public shape.
    cascaded: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def names(self) -> list[str]:
        return [describe(k, r) for k, rows in self.cascaded.items() for r in rows]


def plan(db: Store, kind: str, ident: str | int) -> Plan:
    """What deleting the record would do; raises (before any question) when it would be refused."""
    record = records.get(db, kind, ident)
    what = describe(kind, record)
    blocking = []
    for other, sql in _BLOCKERS.get(kind, ()):
        n = db.execute(sql, [record["id"]]).fetchone()[0]
        if n:
            blocking.append(f"{n} {_(other)}")
    if blocking:
        raise AidtrackError(
            REGISTRY[kind].singular, "", _(_REFUSED).format(what=what, records=_(", ").join(blocking))
        )
    cascaded = {}
    for other, sql in _CASCADES.get(kind, ()):
        ids = [rid for (rid,) in db.execute(sql, [record["id"]])]
        if ids:
            wanted = set(ids)
            if len(ids) > 50:  # one list query rather than many lookups
                cascaded[other] = [r for r in records.select(db, other) if r["id"] in wanted]
            else:
                cascaded[other] = [records.select(db, other, id=i)[0] for i in ids]
    return Plan(kind, record, what, cascaded)


def carry_out(db: Store, p: Plan) -> None:
    """Delete the record (the database deletes the cascaded ones), audited with all of them."""
    with db.write():
        db.execute(f"DELETE FROM {REGISTRY[p.kind].table} WHERE id = ?", [p.record["id"]])
        before = {**p.record, "cascaded": p.cascaded} if p.cascaded else p.record
        db.audit("delete", p.kind, str(p.record.get("code") or p.record["id"]), before, None)
