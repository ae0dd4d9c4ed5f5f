"""Adding, correcting, deleting and listing records: every write one transaction, every change audited.

Records travel in their public shape: the `add` command's field names, codes instead of ids, money
in yuan, dates as ISO text. That shape is what `list --format json` prints and what import reads.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Mapping
from typing import Any

from .. import parse
from ..i18n import N_, _
from ..model import AidtrackError, label, yuan
from ..store import Store
from .refs import Refs
from .rows import CHECKERS, FIELDS, NATURAL_KEYS

TABLES = {
    "cadres": "cadres", "households": "households", "statuses": "statuses",
    "pairings": "pairings", "visits": "visits", "problems": "problems",
    "income": "income", "aid": "aid",
}
CODE_PREFIX = {"cadres": "C", "households": "H"}
_CODE_USED = {"cadres": N_("is already used by another cadre"),
              "households": N_("is already used by another household")}
MONEY_FIELDS = {"amount", "value", "aid_value"}

_CURRENT_STATUS = (
    "(SELECT s.status FROM statuses s WHERE s.household_id = h.id"
    " ORDER BY s.date DESC, s.id DESC LIMIT 1)"
)

#: SELECTs producing each kind's public shape (plus `id`), filterable by appending WHERE clauses.
PUBLIC_SQL: dict[str, str] = {
    "cadres": "SELECT c.id, c.code, c.name, c.unit, c.title, c.phone FROM cadres c",
    "households": (
        "SELECT h.id, h.code, h.name, h.members, h.address, h.employer, h.livelihood, h.born,"
        " h.gender, h.phone, h.id_number, h.tags,"
        " (SELECT min(s.date) FROM statuses s WHERE s.household_id = h.id) AS enrolled,"
        f" {_CURRENT_STATUS} AS status,"
        " (SELECT c.code FROM pairings p JOIN cadres c ON c.id = p.cadre_id"
        "  WHERE p.household_id = h.id AND p.until IS NULL) AS cadre"
        " FROM households h"
    ),
    "statuses": (
        "SELECT s.id, h.code AS household, h.name AS household_name, s.status, s.date, s.reason"
        " FROM statuses s JOIN households h ON h.id = s.household_id"
    ),
    "pairings": (
        "SELECT p.id, c.code AS cadre, c.name AS cadre_name, h.code AS household,"
        " h.name AS household_name, p.since, p.until"
        " FROM pairings p JOIN cadres c ON c.id = p.cadre_id JOIN households h ON h.id = p.household_id"
    ),
    "visits": (
        "SELECT v.id, h.code AS household, h.name AS household_name, c.code AS cadre,"
        " c.name AS cadre_name, v.date, v.kind, v.situation, v.solved, v.event"
        " FROM visits v JOIN pairings p ON p.id = v.pairing_id"
        " JOIN households h ON h.id = p.household_id JOIN cadres c ON c.id = p.cadre_id"
    ),
    "problems": (
        "SELECT pr.id, h.code AS household, h.name AS household_name, c.code AS cadre,"
        " v.date, v.kind, pr.problem, pr.escalated, pr.resolved_on, pr.resolution"
        " FROM problems pr JOIN visits v ON v.id = pr.visit_id JOIN pairings p ON p.id = v.pairing_id"
        " JOIN households h ON h.id = p.household_id JOIN cadres c ON c.id = p.cadre_id"
    ),
    "income": (
        "SELECT i.id, h.code AS household, h.name AS household_name, i.month, i.amount, i.source"
        " FROM income i JOIN households h ON h.id = i.household_id"
    ),
    "aid": (
        "SELECT a.id, h.code AS household, h.name AS household_name, a.date, a.kind, a.value,"
        " coalesce(c.code, a.giver) AS giver, a.note"
        " FROM aid a JOIN households h ON h.id = a.household_id"
        " LEFT JOIN cadres c ON c.id = a.giver_cadre_id"
    ),
}

ORDER = {
    "cadres": "c.code", "households": "h.code", "statuses": "h.code, s.date, s.id",
    "pairings": "h.code, p.since", "visits": "v.date, h.code, v.id",
    "problems": "v.date, pr.id", "income": "h.code, i.month, i.source",
    "aid": "a.date, h.code, a.id",
}
ALIAS = {"cadres": "c", "households": "h", "statuses": "s", "pairings": "p", "visits": "v",
         "problems": "pr", "income": "i", "aid": "a"}


def public(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row in its public shape: money to yuan, flags to booleans, tags to a list."""
    out = dict(row)
    for key in MONEY_FIELDS & out.keys():
        out[key] = yuan(out[key])
    if "escalated" in out:
        out["escalated"] = bool(out["escalated"])
    if kind == "households":
        out["tags"] = out["tags"].split(",") if out.get("tags") else []
    return out


def select(db: Store, kind: str, where: str = "", params: list | tuple = (),
           limit: int | None = None) -> list[dict[str, Any]]:
    sql = PUBLIC_SQL[kind] + (f" WHERE {where}" if where else "") + f" ORDER BY {ORDER[kind]}"
    if limit:
        sql += f" LIMIT {int(limit)}"
    cur = db.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [public(kind, dict(zip(names, r))) for r in cur]


def get(db: Store, kind: str, ident: str | int) -> dict[str, Any]:
    """One record by code or unique name (cadres, households) or by id (everything else)."""
    refs = Refs(db)
    if kind in CODE_PREFIX:
        rid = refs.find(kind[:-1], str(ident))
    else:
        rid = _id(ident, kind)
    rows = select(db, kind, f"{ALIAS[kind]}.id = ?", [rid])
    if not rows:
        raise AidtrackError("id", ident, _("no {kind} record has this id").format(kind=_(kind)))
    return rows[0]


def _id(ident: str | int, kind: str) -> int:
    try:
        return int(str(ident).strip())
    except ValueError:
        raise AidtrackError("id", ident,
                            _("is not a {kind} record id (a whole number)").format(kind=_(kind))) from None


def next_code(db: Store, kind: str) -> str:
    """The next free code of the form H01, H02 … (C01 … for cadres)."""
    prefix = CODE_PREFIX[kind]
    top = 0
    for (code,) in db.execute(f"SELECT code FROM {TABLES[kind]} WHERE code GLOB '{prefix}[0-9]*'"):
        m = re.fullmatch(prefix + r"(\d+)", code)
        if m:
            top = max(top, int(m.group(1)))
    return f"{prefix}{top + 1:02d}"


def _integrity(kind: str, row: Mapping[str, Any], e: sqlite3.IntegrityError) -> AidtrackError:
    msg = str(e)
    if "UNIQUE" in msg:
        if kind in CODE_PREFIX:
            return AidtrackError("code", row.get("code"), _(_CODE_USED[kind]))
        if kind == "income":
            return AidtrackError(
                "month", row.get("month"),
                _("income for this household, month and source is already recorded;"
                  " correct it with `aidtrack income edit ID`"))
        if kind == "visits":
            return AidtrackError(
                "date", row.get("date"),
                _("a {kind} visit to this household on that day is already recorded").format(
                    kind=label(row.get("kind"))))
        if kind == "pairings":
            return AidtrackError("household", "", _("already has an active pairing: `pair end` it first"))
        return AidtrackError(kind, "", _("the same record is already stored"))
    if "FOREIGN KEY" in msg:
        return AidtrackError(kind, "", _("is still referred to by other records; delete those first"))
    return AidtrackError(kind, "", _("refused by the database: {error}").format(error=msg))


def add(db: Store, kind: str, data: Mapping[str, Any], today: dt.date | None = None,
        refs: Refs | None = None) -> str:
    """Validate and store one record; returns its code (cadres, households) or id."""
    today = today or dt.date.today()
    refs = refs or Refs(db)
    row = CHECKERS[kind](data, refs, today).raise_first()
    with db.write():
        return _insert(db, kind, row)


#: Natural keys no UNIQUE constraint enforces (a nullable giver; text): checked here, so that what
#: `add` accepts an import of the export accepts too.
_CHECKED_KEYS = {
    "aid": N_("the same aid (household, date, kind, value, giver) is already recorded as aid {id};"
              " record a second gift with its own date or value"),
    "statuses": N_("this status on this day is already recorded (status entry {id})"),
    "problems": N_("this problem is already recorded at that visit (problem {id})"),
}


def refuse_duplicate(db: Store, kind: str, row: Mapping[str, Any], own_id: int | None = None) -> None:
    if kind not in _CHECKED_KEYS:
        return
    keys = NATURAL_KEYS[kind]
    hit = db.execute(
        f"SELECT id FROM {TABLES[kind]} WHERE {' AND '.join(f'{k} IS ?' for k in keys)} AND id IS NOT ?"
        " LIMIT 1", [*(row.get(k) for k in keys), own_id]).fetchone()
    if hit:
        raise AidtrackError(keys[1] if kind != "problems" else "problem", row.get(keys[1]),
                            _(_CHECKED_KEYS[kind]).format(id=hit[0]))


def _insert(db: Store, kind: str, row: dict[str, Any]) -> str:
    row = dict(row)
    refuse_duplicate(db, kind, row)
    enrolled = row.pop("enrolled", None)
    if kind in CODE_PREFIX and not row.get("code"):
        row["code"] = next_code(db, kind)
    try:
        rid = db.table(TABLES[kind]).insert(row).last_pk
    except sqlite3.IntegrityError as e:
        raise _integrity(kind, row, e) from None
    if kind == "households":
        db.execute(
            "INSERT INTO statuses (household_id, status, date, reason) VALUES (?, 'enrolled', ?, ?)",
            [rid, enrolled, "enrolled"],
        )
    ident = row["code"] if kind in CODE_PREFIX else str(rid)
    db.audit("add", kind, ident, None, _public_by_id(db, kind, rid))
    return ident


def _public_by_id(db: Store, kind: str, rid: int) -> dict[str, Any]:
    return select(db, kind, f"{ALIAS[kind]}.id = ?", [rid])[0]


def add_visit(db: Store, data: Mapping[str, Any], problems: list[str] = (), escalate: bool = False,
              today: dt.date | None = None) -> str:
    """A visit and the problems raised at it, in one transaction."""
    today = today or dt.date.today()
    refs = Refs(db)
    checked = CHECKERS["visits"](data, refs, today)
    texts = []
    for p in problems:
        try:
            texts.append(parse.text(p, "problem", required=True))
        except AidtrackError as e:
            checked.errors.append(e)
    row = checked.raise_first()
    with db.write():
        vid = _insert(db, "visits", row)
        for text in texts:
            _insert(db, "problems", {"visit_id": int(vid), "problem": text,
                                     "escalated": int(escalate)})
    return vid


def edit(db: Store, kind: str, ident: str | int, changes: Mapping[str, Any],
         today: dt.date | None = None) -> dict[str, Any]:
    """Correct a record: its public shape with the changes laid over, checked like a new one."""
    today = today or dt.date.today()
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise AidtrackError("edit", "", _("nothing to change: give at least one option"))
    before = get(db, kind, ident)
    merged = {k: before.get(k) for k in FIELDS[kind]}
    if kind == "households":
        merged["tags"] = ",".join(before["tags"])
    if kind == "problems":
        merged["escalated"] = before["escalated"]
    merged.update(changes)
    merged["id"] = before["id"]
    row = CHECKERS[kind](merged, Refs(db), today).raise_first()
    row.pop("enrolled", None)
    with db.write():
        refuse_duplicate(db, kind, row, before["id"])
        try:
            db.table(TABLES[kind]).update(before["id"], row)
        except sqlite3.IntegrityError as e:
            raise _integrity(kind, row, e) from None
        if kind == "pairings":
            _visits_inside(db, before["id"])
        after = _public_by_id(db, kind, before["id"])
        db.audit("edit", kind, str(before.get("code") or before["id"]), before, after)
    return after


def _visits_inside(db: Store, pairing_id: int) -> None:
    """A pairing's corrected dates must still hold every visit made under it."""
    outside = db.execute(
        "SELECT count(*), min(v.date) FROM visits v JOIN pairings p ON p.id = v.pairing_id WHERE p.id = ?"
        " AND (v.date < p.since OR (p.until IS NOT NULL AND v.date > p.until))", [pairing_id]).fetchone()
    if outside[0]:
        raise AidtrackError("since", outside[1], _("{n} visit(s) of this pairing would fall outside its"
                                                   " dates").format(n=outside[0]))


def delete(db: Store, kind: str, ident: str | int) -> dict[str, Any]:
    before = get(db, kind, ident)
    with db.write():
        try:
            db.execute(f"DELETE FROM {TABLES[kind]} WHERE id = ?", [before["id"]])
        except sqlite3.IntegrityError as e:
            raise _integrity(kind, before, e) from None
        db.audit("delete", kind, str(before.get("code") or before["id"]), before, None)
    return before
