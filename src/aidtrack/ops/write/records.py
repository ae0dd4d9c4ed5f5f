"""Adding, correcting, deleting and listing records: every write one transaction, every change audited.

Records travel in their public shape: the `add` command's field names, codes instead of ids, money
in yuan, dates as ISO text. That shape is what `list --format json` prints and what import reads.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ... import parse
from ...i18n import _
from ...kinds import REGISTRY
from ...model import AidtrackError, Quarter, label, yuan
from ...store import Store
from ..rules.refs import Refs
from ..rules.slips import slips
from ..rules.validate import decision_refusal, validate


def public(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row in its public shape: money to yuan, flags to booleans, tags to a list."""
    out = dict(row)
    for f in REGISTRY[kind].fields:
        if f.name in out:
            if f.type == "money":
                out[f.name] = yuan(out[f.name])
            elif f.type == "flag":
                out[f.name] = bool(out[f.name])
            elif f.type == "tags":
                out[f.name] = out[f.name].split(",") if out[f.name] else []
    return out


def stored_rows(db: Store, kind: str) -> Iterator[dict[str, Any]]:
    """The kind's records as an export writes them: the public SELECT streamed, money still in fen."""
    k = REGISTRY[kind]
    sql = k.select + (f" WHERE {k.export_where}" if k.export_where else "")
    cur = db.execute(f"{sql} ORDER BY {k.order}")
    names = [d[0] for d in cur.description]
    for r in cur:
        yield dict(zip(names, r))


def where(db: Store, kind: str, filters: Mapping[str, Any]) -> tuple[list[str], list[Any]]:
    """The WHERE conditions of a list's keyword filters (declared per kind in kinds.py).

    References are resolved here (a code or a name), so no caller writes SQL against the tables.
    """
    k = REGISTRY[kind]
    conds: list[str] = []
    params: list[Any] = []
    refs = Refs(db)
    for name, value in filters.items():
        if value is None or value is False:
            continue
        if name == "id":
            conds.append(f"{k.alias}.id = ?")
            params.append(value)
            continue
        spec = k.filters.get(name)
        if spec is None:
            raise AidtrackError(name, value, _("is not a filter of {kind}").format(kind=_(kind)))
        conds.append(spec.sql)
        if spec.takes in ("household", "cadre"):  # a record id as it is, else a code or name
            params.append(value if type(value) is int else refs.find(spec.takes, str(value), name))
        elif spec.takes == "id":
            params.append(parse.integer(value, name, minimum=1))
        elif spec.takes == "quarter":
            q = value if isinstance(value, Quarter) else parse.quarter(value, name)
            params += [q.start.isoformat(), q.end.isoformat()]
        elif spec.takes == "search":
            text = parse.text(value, name, required=True, max_len=100) or ""
            _register_initials(db, text)
            pattern = "%" + parse.like_literal(text) + "%"
            params += [pattern] * spec.sql.count("?")
        elif spec.takes == "status":
            from ...model import STATUSES

            params.append(parse.choice(value, STATUSES, name))
    return conds, params


def _register_initials(db: Store, text: str) -> None:
    """`aidtrack_initials(name)` for a search: lxf finds 刘香福 (pypinyin, loaded only for such a search)."""
    if text.isascii() and text.isalpha():
        from pypinyin import Style, lazy_pinyin

        def initials(name: str | None) -> str | None:
            return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)) if name else None
    else:

        def initials(name: str | None) -> str | None:
            return None

    db.conn.create_function("aidtrack_initials", 1, initials, deterministic=True)


def select(db: Store, kind: str, *, limit: int | None = None, **filters: Any) -> list[dict[str, Any]]:
    """A kind's records in their public shape and list order, narrowed by keyword filters:
    `select(db, "visits", household="H01", quarter="2004Q3")`."""
    k = REGISTRY[kind]
    conds, params = where(db, kind, filters)
    sql = k.select + (f" WHERE {' AND '.join(conds)}" if conds else "") + f" ORDER BY {k.order}"
    if limit:
        sql += f" LIMIT {int(limit)}"
    cur = db.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [public(kind, dict(zip(names, r))) for r in cur]


def get(db: Store, kind: str, ident: str | int) -> dict[str, Any]:
    """One record by code or unique name (cadres, households) or by id (everything else)."""
    k = REGISTRY[kind]
    rid = Refs(db).find(k.singular, str(ident)) if k.code_prefix else _id(ident, kind)
    rows = select(db, kind, id=rid)
    if not rows:
        raise AidtrackError("id", ident, _("no {kind} record has this id").format(kind=_(kind)))
    return rows[0]


def _id(ident: str | int, kind: str) -> int:
    try:
        return int(str(ident).strip())
    except ValueError:
        raise AidtrackError(
            "id", ident, _("is not a {kind} record id (a whole number)").format(kind=_(kind))
        ) from None


def next_code(db: Store, kind: str) -> str:
    """The next free code of the form H01, H02 … (C01 … for cadres)."""
    k = REGISTRY[kind]
    prefix = k.code_prefix
    top = 0
    for (code,) in db.execute(f"SELECT code FROM {k.table} WHERE code GLOB '{prefix}[0-9]*'"):
        m = re.fullmatch(f"{prefix}(\\d+)", code)
        if m:
            top = max(top, int(m.group(1)))
    return f"{prefix}{top + 1:02d}"


def taken(kind: str, row: Mapping[str, Any], rid: int | None = None) -> AidtrackError:
    """A record with the same natural key is already stored: the kind's own words (Kind.taken)."""
    k = REGISTRY[kind]
    values = {c: label(v) if isinstance(v, str) else v for c, v in row.items()}
    message = _(k.taken).format_map(_Blank({**values, "id": rid}))
    if not k.taken_field:
        return AidtrackError(kind, "", message)
    return AidtrackError(k.taken_field, row.get(k.taken_field), message)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _integrity(kind: str, row: Mapping[str, Any], e: sqlite3.IntegrityError) -> AidtrackError:
    msg = str(e)
    if "UNIQUE" in msg:
        return taken(kind, row)
    if "FOREIGN KEY" in msg:
        return AidtrackError(kind, "", _("is still referred to by other records; delete those first"))
    return AidtrackError(kind, "", _("refused by the database: {error}").format(error=msg))


#: The public name of the integrity message (an importer updating a record in place uses it).
integrity_error = _integrity


def add(
    db: Store,
    kind: str,
    data: Mapping[str, Any],
    today: dt.date | None = None,
    refs: Refs | None = None,
    warn: Callable[[str], None] | None = None,
) -> str:
    """Validate and store one record; returns its code (cadres, households) or id.

    `warn` hears the likely slips (ops/rules/slips.py) of a record that is stored all the same.
    """
    today = today or dt.date.today()
    row = validate(kind, data, refs or Refs(db), today).raise_first()
    with db.write():
        found = slips(db, kind, row) if warn else []
        ident = insert(db, kind, row)
    if warn is not None:
        for message in found:
            warn(message)
    return ident


def refuse_duplicate(db: Store, kind: str, row: Mapping[str, Any], own_id: int | None = None) -> None:
    """A natural key no UNIQUE constraint enforces (a nullable giver; text) checked here, so that
    what `add` accepts an import of the export accepts too."""
    k = REGISTRY[kind]
    if k.unique_key:
        return
    keys = k.natural_key
    hit = db.execute(
        f"SELECT id FROM {k.table} WHERE {' AND '.join(f'{c} IS ?' for c in keys)} AND id IS NOT ? LIMIT 1",
        [*(row.get(c) for c in keys), own_id],
    ).fetchone()
    if hit:
        raise taken(kind, row, hit[0])


def insert(db: Store, kind: str, row: Mapping[str, Any]) -> str:
    """The one place a validated record becomes a row (inside the caller's transaction), audited.

    A household's enrolment is its first status, stored here too. Bulk imports insert the same
    validated rows set-based (ops/transfer/importer/engine.py).
    """
    k = REGISTRY[kind]
    refuse_duplicate(db, kind, row)
    stored: dict[str, Any] = {c: row.get(c) for c in k.columns}
    if k.code_prefix and not stored.get("code"):
        stored["code"] = next_code(db, kind)
    names = ", ".join(stored)
    try:
        rid = int(
            db.execute(
                f"INSERT INTO {k.table} ({names}) VALUES ({', '.join('?' * len(stored))})",
                list(stored.values()),
            ).lastrowid
            or 0
        )
    except sqlite3.IntegrityError as e:
        raise _integrity(kind, stored, e) from None
    if kind in _AFTER_INSERT:
        _AFTER_INSERT[kind](db, rid, stored, row)
    ident = str(stored["code"]) if k.code_prefix else str(rid)
    after = _public_by_id(db, kind, rid)
    if k.audited_as:
        action, owner = k.audited_as
        db.audit(action, owner, after[REGISTRY[owner].singular], None, after)
    else:
        db.audit("add", kind, ident, None, after)
    return ident


# --- what storing a record does besides its row, registered per kind -------------------------------

AfterInsert = Callable[[Store, int, dict[str, Any], Mapping[str, Any]], None]
AfterEdit = Callable[[Store, dict[str, Any], Mapping[str, Any], Mapping[str, Any], dt.date], None]
#: kind -> what `insert` does after the row (stored: its columns; row: the validated record).
_AFTER_INSERT: dict[str, AfterInsert] = {}
#: kind -> what `edit` does after the UPDATE (before: the public record; row; the changes; today).
_AFTER_EDIT: dict[str, AfterEdit] = {}


def after_insert(kind: str) -> Callable[[AfterInsert], AfterInsert]:
    def register(fn: AfterInsert) -> AfterInsert:
        _AFTER_INSERT[kind] = fn
        return fn

    return register


def after_edit(kind: str) -> Callable[[AfterEdit], AfterEdit]:
    def register(fn: AfterEdit) -> AfterEdit:
        _AFTER_EDIT[kind] = fn
        return fn

    return register


@after_insert("households")
def _enrol(db: Store, rid: int, stored: dict[str, Any], row: Mapping[str, Any]) -> None:
    """A household's enrolment is its first status, and the people it counts are its members."""
    if row["enrolled"] is not None:  # None: never enrolled (monitoring)
        db.execute(ENROL, [rid, row["enrolled"]])
        from ..rules.members import add_unnamed

        add_unnamed(db, rid, stored["members"] or 1, row["enrolled"])


@after_insert("pairings")
def _first_pairing(db: Store, rid: int, stored: dict[str, Any], row: Mapping[str, Any]) -> None:
    """A household's first pairing before its enrolment moves the enrolment back (the validator says)."""
    if row.get("enrolled"):
        move_enrolment(db, stored["household_id"], row["enrolled"])


@after_edit("pairings")
def _pairing_edited(
    db: Store, before: dict[str, Any], row: Mapping[str, Any], changes: Mapping[str, Any], today: dt.date
) -> None:
    if row.get("enrolled"):
        move_enrolment(db, row["household_id"], row["enrolled"])


@after_edit("households")
def _household_edited(
    db: Store, before: dict[str, Any], row: Mapping[str, Any], changes: Mapping[str, Any], today: dt.date
) -> None:
    if row["enrolled"] != before["enrolled"]:
        move_enrolment(db, before["id"], row["enrolled"])
    if "members" in changes:
        # The size from a date (today unless --from): the months before keep their size.
        from ..rules.members import set_size

        day = str(changes.get("members_from") or today)
        if day > today.isoformat():
            raise AidtrackError("from", day, _("is after today ({today})").format(today=today))
        set_size(db, before["id"], row["members"], day)


#: A household's enrolment: its first status (the reason says it was the enrolment).
ENROL = "INSERT INTO statuses (household_id, status, date, reason) VALUES (?, 'enrolled', ?, 'enrolled')"


def _public_by_id(db: Store, kind: str, rid: int) -> dict[str, Any]:
    return select(db, kind, id=rid)[0]


def add_visit(
    db: Store,
    data: Mapping[str, Any],
    problems: list[str] | tuple[str, ...] = (),
    escalate: bool = False,
    today: dt.date | None = None,
    warn: Callable[[str], None] | None = None,
) -> str:
    """A visit and the problems raised at it, in one transaction; escalating needs a problem.

    The date is required: a visit dated today by default would count for a quota it may not meet
    (`today` when it is today)."""
    today = today or dt.date.today()
    if isinstance(data.get("date"), str | type(None)) and not str(data.get("date") or "").strip():
        raise AidtrackError(
            "date", "", _("is required: the day of the visit (2004-10-12, or `today` when it is today)")
        )
    if escalate and not problems:
        raise AidtrackError("escalate", "", _("needs at least one --problem to escalate"))
    refs = Refs(db)
    checked = validate("visits", data, refs, today)
    texts = []
    for p in problems:
        try:
            texts.append(parse.text(p, "problem", required=True))
        except AidtrackError as e:
            checked.errors.append(e)
    row = checked.raise_first()
    with db.write():
        found = slips(db, "visits", row) if warn else []
        if not texts and not any(row.get(f) for f in ("situation", "solved", "event")):
            found.append(
                _(
                    "the visit records nothing found (no --situation, --solved, --event or --problem):"
                    " add it with `aidtrack visit edit`"
                )
            )
        vid = insert(db, "visits", row)
        for text in texts:
            insert(
                db,
                "problems",
                {
                    "visit_id": int(vid),
                    "problem": text,
                    "escalated": int(escalate),
                    "escalated_on": row["date"] if escalate else None,
                },
            )
    if warn is not None:
        for message in found:
            warn(message)
    return vid


def set_statuses(
    db: Store,
    entries: list[Mapping[str, Any]],
    today: dt.date | None = None,
    warn: Callable[[str], None] | None = None,
) -> list[dict]:
    """Record status changes (the CLI's one, the relapse check's many) in one transaction.

    Each entry is a status in its public shape (household, status, date, reason): validated as
    `add` and import validate it, then inserted through `insert`, one audit entry each.
    """
    today = today or dt.date.today()
    refs = Refs(db).preload() if len(entries) > 20 else Refs(db)
    rows = [validate("statuses", e, refs, today).raise_first() for e in entries]
    for row in rows:
        refused = decision_refusal(refs, row, today)
        if refused is not None:
            raise refused
    done = []
    found: list[str] = []
    with db.write():
        for row in rows:
            if warn is not None:
                found += slips(db, "statuses", row)
            done.append(_public_by_id(db, "statuses", int(insert(db, "statuses", row))))
    for message in found:
        warn(message)  # type: ignore[misc]
    return done


def edit(
    db: Store,
    kind: str,
    ident: str | int,
    changes: Mapping[str, Any],
    today: dt.date | None = None,
    action: str = "edit",
) -> dict[str, Any]:
    """Correct a record: its public shape with the changes laid over, checked like a new one.

    ACTION names the change in the audit log (`end` of a pairing, `resolve` of a problem)."""
    today = today or dt.date.today()
    k = REGISTRY[kind]
    changes = {f: v for f, v in changes.items() if v is not None}
    if not changes:
        raise AidtrackError("edit", "", _("nothing to change: give at least one option"))
    before = get(db, kind, ident)
    merged: dict[str, Any] = {f: before.get(f) for f in k.field_names}
    merged.update(changes)
    merged["id"] = before["id"]
    row = validate(kind, merged, Refs(db), today).raise_first()
    with db.write():
        refuse_duplicate(db, kind, row, before["id"])
        try:
            db.execute(
                f"UPDATE {k.table} SET {', '.join(f'{c} = ?' for c in k.columns)} WHERE id = ?",
                [*(row.get(c) for c in k.columns), before["id"]],
            )
        except sqlite3.IntegrityError as e:
            raise _integrity(kind, row, e) from None
        if kind in _AFTER_EDIT:
            _AFTER_EDIT[kind](db, before, row, changes, today)
        after = _public_by_id(db, kind, before["id"])
        db.audit(action, kind, str(before.get("code") or before["id"]), before, after)
    return after


def move_enrolment(db: Store, household_id: int, day: str) -> None:
    """Move a household's enrolment (its first status) to DAY, which must precede its history."""
    code = db.execute("SELECT code FROM households WHERE id = ?", [household_id]).fetchone()[0]
    first = db.execute(
        "SELECT min(d) FROM (SELECT date AS d FROM statuses WHERE household_id = :h AND id IS NOT"
        " (SELECT id FROM statuses WHERE household_id = :h ORDER BY date, id LIMIT 1)"
        " UNION ALL SELECT since FROM pairings WHERE household_id = :h"
        " UNION ALL SELECT date FROM aid WHERE household_id = :h)",
        {"h": household_id},
    ).fetchone()[0]
    if first is not None and first < day:
        raise AidtrackError(
            "enrolled",
            day,
            _(
                "is after the household's first record ({first}): {code}'s history would start before its"
                " enrolment"
            ).format(first=first, code=code),
        )
    old = db.execute("SELECT min(date) FROM statuses WHERE household_id = ?", [household_id]).fetchone()[0]
    db.execute(
        "UPDATE statuses SET date = ? WHERE id = (SELECT id FROM statuses WHERE household_id = ?"
        " ORDER BY date, id LIMIT 1)",
        [day, household_id],
    )
    # The people counted at enrolment (unnamed members #k) were there from the enrolment on.
    db.execute(
        "UPDATE members SET joined = :new WHERE household_id = :h AND joined = :old"
        " AND name GLOB '#[0-9]*' AND (left_on IS NULL OR left_on >= :new)",
        {"new": day, "h": household_id, "old": old},
    )
