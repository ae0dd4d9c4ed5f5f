"""Deleting a record entered by mistake: what it takes with it is named before anyone is asked.

`plan()` finds the record, refuses at once when other records still refer to it (so a delete that
will be refused never asks first), and lists the records the database deletes with it (a visit's
problems, what meetings decided on them; a household's members and statuses). Records are named
by code and name, never by internal row id alone. What blocks and what cascades is not listed here:
it follows from the registry's links (`kinds.Kind.links`, held to the schema's FOREIGN KEYs by
tests/test_deletion.py), so a new kind that names a household blocks the household's delete by itself. `carry_out()` deletes in one transaction and
writes the record and everything cascaded into the audit entry, so the log can restore them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...i18n import N_, _
from ...kinds import REGISTRY, referring
from ...model import AidtrackError, label
from ...store import Store
from . import records

_REFUSED = N_("{what} is still referred to by {records}; delete or correct those first")


def describe(kind: str, r: dict[str, Any]) -> str:
    """A record as a person names it (Kind.described): by code and name, with its date where it has one."""
    k = REGISTRY[kind]
    h = " ".join(x for x in (r.get("household"), r.get("household_name")) if x)
    if k.described:  # an enumeration's value by its name in the interface language (走访, 帮扶中)
        named = {f.name: label(r[f.name]) for f in k.fields if f.type == "enum" and r.get(f.name)}
        return _(k.described).format_map({**r, **named, "household": h})
    if k.code_prefix:
        return f"{r['code']} {r['name']}"
    date = r.get(k.dated_field or "") or r.get("date") or r.get("month") or ""
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


def _outside(db: Store, table: str) -> list[tuple[str, str]]:
    """(table, column) of tables outside the registry whose FOREIGN KEY names TABLE (they block)."""
    kinds = {k.table for k in REGISTRY.values()}
    out = []
    for (other,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
    ):
        if other in kinds:
            continue
        for fk in db.execute(f"PRAGMA foreign_key_list({other})"):
            if fk[2] == table and fk[6].upper() != "CASCADE":
                out.append((other, fk[3]))
    return out


def _follow(
    db: Store, kind: str, ids: list[int], blocking: dict[str, int], cascaded: dict[str, list[int]]
) -> None:
    """Count the records that still name the records IDS of KIND (they refuse the delete), and
    gather those the database deletes with them (ON DELETE CASCADE), and theirs in turn: all from
    the registry's links."""
    marks = ", ".join("?" * len(ids))
    for other, link in referring(kind):
        rows = [
            rid
            for (rid,) in db.execute(
                f"SELECT id FROM {other.table} WHERE {link.column} IN ({marks}) ORDER BY id", ids
            )
        ]
        if not rows:
            continue
        if link.cascade:
            new = [r for r in rows if r not in cascaded.setdefault(other.name, [])]
            cascaded[other.name] += new
            if new:
                _follow(db, other.name, new, blocking, cascaded)
        else:
            blocking[other.name] = blocking.get(other.name, 0) + len(rows)
    for table, column in _outside(db, REGISTRY[kind].table):
        (n,) = db.execute(f"SELECT count(*) FROM {table} WHERE {column} IN ({marks})", ids).fetchone()
        if n:
            blocking[table] = blocking.get(table, 0) + n


def dependents(db: Store, kind: str, rid: int) -> tuple[dict[str, int], dict[str, list[int]]]:
    """What still refers to the record of KIND with id RID (count by kind or table), and the ids
    by kind of what the database deletes with it."""
    blocking: dict[str, int] = {}
    ids: dict[str, list[int]] = {}
    _follow(db, kind, [rid], blocking, ids)
    return blocking, ids


def plan(db: Store, kind: str, ident: str | int) -> Plan:
    """What deleting the record would do; raises (before any question) when it would be refused."""
    record = records.get(db, kind, ident)
    what = describe(kind, record)
    blocking, ids = dependents(db, kind, record["id"])
    if blocking:
        named = [f"{n} {_(other)}" for other, n in blocking.items()]
        raise AidtrackError(
            REGISTRY[kind].singular, "", _(_REFUSED).format(what=what, records=_(", ").join(named))
        )
    cascaded = {}
    for other, found in ids.items():
        if found:
            wanted = set(found)
            if len(found) > 50:  # one list query rather than many lookups
                cascaded[other] = [r for r in records.select(db, other) if r["id"] in wanted]
            else:
                cascaded[other] = [records.select(db, other, id=i)[0] for i in found]
    return Plan(kind, record, what, cascaded)


def carry_out(db: Store, p: Plan) -> None:
    """Delete the record (the database deletes the cascaded ones), audited with all of them."""
    with db.write():
        db.execute(f"DELETE FROM {REGISTRY[p.kind].table} WHERE id = ?", [p.record["id"]])
        before = {**p.record, "cascaded": p.cascaded} if p.cascaded else p.record
        db.audit("delete", p.kind, str(p.record.get("code") or p.record["id"]), before, None)
