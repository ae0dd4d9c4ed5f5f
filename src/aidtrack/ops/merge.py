"""The city roll-up: each unit keeps its own register; `merge` copies it, read-only, into the city's.

A unit's records are stored in the city file with their codes prefixed by the unit's name
(交通局/H01, 交通局/C01) and their cadres and households tagged with `unit_id`; everything else
belongs to its unit through its household or cadre. The file's own records have unit_id NULL.

Per unit file:

1. It is opened read-only (`file:PATH?mode=ro`): SQLite then never writes the file itself, even in
   WAL mode (it may create an empty -wal/-shm beside it, as any reader does). Only if that open
   fails (a read-only medium where the -shm cannot be created) and no -wal holds unfinished writes
   is it opened `immutable=1`. Its schema, its record digest and its health are read in one snapshot.
2. Refused, with one line, when: a migration this program does not know (a newer aidtrack); missing
   columns (an older aidtrack this one cannot read as is); it fails doctor's checks (integrity,
   foreign keys, the programme's invariants; file permissions and journal mode do not matter here);
   a household already enrolled by another unit (same ID number, or same name and born date),
   including the city file's own households and the units merged earlier in the same call.
3. Unchanged (skipped) when the sha256 of its records equals the one stored at its last merge.
4. Otherwise, in ONE write transaction: the unit's old records are deleted (children first) and its
   records copied with INSERT … SELECT from the ATTACHed file, table by table. Ids are mapped by an
   offset per table (the city's largest id at that moment), so every reference — household, cadre,
   pairing, visit — maps by the same offset without a lookup per row; the order of the rows (which
   breaks ties between statuses of one day) is kept. One audit entry per merged unit.

The unit's policy settings and audit log stay in its own file: the city's reports use the city's
policy. Records typed into the city file against a merged unit's households are that unit's and are
replaced with it at its next merge.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path
from typing import Any

from ..i18n import _
from ..kinds import REGISTRY
from ..model import AidtrackError
from ..store import Store
from ..store.schema import KNOWN

#: How the file's own records (unit_id NULL) are named in reports and in `--unit`.
OWN = "(this file)"

#: The columns copied from a unit file, in dependency order: every stored column of each kind
#: (kinds.py). A unit file missing one (an older aidtrack) is refused by check_schema, never migrated.
COLUMNS: dict[str, tuple[str, ...]] = {k.table: ("id", *k.columns) for k in REGISTRY.values()}

#: The table each id column points into: its ids are shifted by that table's offset.
_TARGET = {"household_id": "households", "cadre_id": "cadres", "giver_cadre_id": "cadres",
           "pairing_id": "pairings", "visit_id": "visits"}

#: Deleting one unit's records, children first (:u is its unit id).
_UNIT_HOUSEHOLDS = "SELECT id FROM households WHERE unit_id = :u"
_UNIT_PAIRINGS = f"SELECT id FROM pairings WHERE household_id IN ({_UNIT_HOUSEHOLDS})"
_UNIT_VISITS = f"SELECT id FROM visits WHERE pairing_id IN ({_UNIT_PAIRINGS})"
_DELETE = (
    f"DELETE FROM problems WHERE visit_id IN ({_UNIT_VISITS})",
    f"DELETE FROM visits WHERE pairing_id IN ({_UNIT_PAIRINGS})",
    f"DELETE FROM pairings WHERE household_id IN ({_UNIT_HOUSEHOLDS})",
    f"DELETE FROM income WHERE household_id IN ({_UNIT_HOUSEHOLDS})",
    f"DELETE FROM aid WHERE household_id IN ({_UNIT_HOUSEHOLDS})",
    f"DELETE FROM statuses WHERE household_id IN ({_UNIT_HOUSEHOLDS})",
    "DELETE FROM households WHERE unit_id = :u",
    "DELETE FROM cadres WHERE unit_id = :u",
)

CODE_MAX = 64
STATUSES = ("added", "replaced", "unchanged", "refused")


class Refused(Exception):
    """A unit that cannot be merged: the reason, in one line."""


# -- naming ------------------------------------------------------------------------------------


def unit_names(files: list[Path], unit_name: str | None) -> list[str]:
    """--unit-name for a single file, else each file's stem (交通局.db → 交通局)."""
    if unit_name is not None:
        if len(files) != 1:
            raise AidtrackError("unit-name", unit_name, _("goes with exactly one unit file"))
        problem = name_problem(unit_name.strip())
        if problem:
            raise AidtrackError("unit-name", unit_name, problem)
        return [unit_name.strip()]
    return [Path(f).stem.strip() for f in files]


def name_problem(name: str) -> str | None:
    if not name:
        return _("is empty")
    if "/" in name:
        return _("may not contain '/': it separates the unit from the code (交通局/H01)")
    if name == OWN:
        return _("is the name of the file's own records")
    return None


# -- opening a unit file read-only ---------------------------------------------------------------


def ro_uri(path: Path, immutable: bool = False) -> str:
    """The read-only URI of a file: SQLite opens it without ever writing to it."""
    return path.resolve().as_uri() + ("?immutable=1" if immutable else "?mode=ro")


def _wal_pending(path: Path) -> bool:
    wal = Path(f"{path}-wal")
    return wal.exists() and wal.stat().st_size > 0


def open_ro(path: Path) -> tuple[sqlite3.Connection, str]:
    """A read-only connection to a unit file, and the URI it was opened with (to ATTACH it alike)."""
    if not path.is_file():
        raise Refused(_("is not a file"))
    with path.open("rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise Refused(_("is not an aidtrack register (not an SQLite file)"))
    uri = ro_uri(path)
    try:
        conn = sqlite3.connect(uri, uri=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn, uri
    except sqlite3.OperationalError as e:
        if _wal_pending(path):
            raise Refused(_("cannot be opened read-only ({error})").format(error=e)) from None
    uri = ro_uri(path, immutable=True)
    conn = sqlite3.connect(uri, uri=True)
    return conn, uri


def _applied(conn: sqlite3.Connection) -> list[str]:
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_sqlite_migrations'").fetchone():
        return []
    return [r[0] for r in conn.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = 'aidtrack' ORDER BY rowid")]


def check_schema(conn: sqlite3.Connection) -> None:
    """Refuse a file from a newer aidtrack, or one lacking a column the merge reads."""
    applied = _applied(conn)
    if not applied:
        raise Refused(_("is not an aidtrack register"))
    unknown = [a for a in applied if a not in KNOWN]
    if unknown:
        raise Refused(_("was written by a newer aidtrack (migration {name}); upgrade aidtrack to merge it")
                      .format(name=unknown[-1]))
    for table, columns in COLUMNS.items():
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        missing = [c for c in columns if c not in have]
        if missing:
            raise Refused(_("lacks {table}.{column}: open it once with aidtrack to upgrade it")
                          .format(table=table, column=missing[0]))


def check_health(conn: sqlite3.Connection) -> None:
    """doctor's checks that matter for copying: integrity, foreign keys and the invariants."""
    from .maintenance import INVARIANTS

    rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if rows != ["ok"]:
        raise Refused(_("fails doctor: integrity: {detail}").format(detail="; ".join(rows[:3])))
    fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        t, rid, parent, _n = fk[0]
        raise Refused(_("fails doctor: foreign keys: {table} row {id} refers to a missing {parent}")
                      .format(table=t, id=rid, parent=parent))
    for name, (sql, _kind) in INVARIANTS.items():
        bad = [r[0] for r in conn.execute(sql + " LIMIT 3")]
        if bad:
            raise Refused(_("fails doctor: {check}: {detail}").format(check=_(name), detail="; ".join(bad)))


def digest(conn: sqlite3.Connection, schema: str = "main") -> str:
    """sha256 of the unit's records (the copied columns, in id order): a checkpoint is no change."""
    h = hashlib.sha256()
    for table, columns in COLUMNS.items():
        row = " || '|' || ".join(f"quote({c})" for c in columns)
        text = conn.execute(
            f"SELECT group_concat({row}, char(10)) FROM (SELECT * FROM {schema}.{table} ORDER BY id)"
        ).fetchone()[0]
        h.update(f"{table}\n{text or ''}\n".encode())
    return h.hexdigest()


# -- people enrolled by two units ----------------------------------------------------------------


def _keys(name: str | None, born: str | None, id_number: str | None) -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = []
    if id_number and id_number.strip():
        keys.append(("id", id_number.strip().upper()))
    if name and born:
        keys.append(("name", name.strip(), born))
    return keys


class People:
    """Who is enrolled where in the city file: the households by ID number and by name and born date."""

    def __init__(self, db: Store):
        self.owner: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        for code, name, born, idn, unit in db.execute(
            "SELECT h.code, h.name, h.born, h.id_number, u.name FROM households h"
            " LEFT JOIN units u ON u.id = h.unit_id"
        ):
            self.add(unit or OWN, code, name, born, idn)

    def add(self, unit: str, code: str, name: str, born: str | None, idn: str | None) -> None:
        for key in _keys(name, born, idn):
            self.owner.setdefault(key, []).append((unit, code))

    def drop(self, unit: str) -> None:
        for key, owners in list(self.owner.items()):
            kept = [o for o in owners if o[0] != unit]
            if kept:
                self.owner[key] = kept
            else:
                del self.owner[key]

    def conflicts(self, unit: str, households: list[tuple]) -> list[str]:
        """One line per household of the unit enrolled by another unit too."""
        out = []
        for code, name, born, idn in households:
            for key in _keys(name, born, idn):
                others = [o for o in self.owner.get(key, ()) if o[0] != unit]
                if others:
                    why = _("same ID number") if key[0] == "id" else _("same name and born date")
                    out.append(_("{code} {name} is already enrolled by {unit} as {other} ({why})").format(
                        code=code, name=name, unit=others[0][0], other=others[0][1], why=why))
                    break
        return out


# -- merging -------------------------------------------------------------------------------------


def _writer(city: Store) -> Store:
    """A second connection to the city file that takes URI filenames, so ATTACH can say mode=ro."""
    conn = sqlite3.connect(Path(city.path).resolve().as_uri(), uri=True, timeout=30)
    db = Store(conn, execute_plugins=False)
    db.path, db.operator = city.path, city.operator
    db.execute("PRAGMA busy_timeout = 30000")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def merge(city: Store, files: list[Path], unit_name: str | None = None) -> list[dict[str, Any]]:
    """Merge each unit file into the city file; one result per file, in the order given.

    Result: {"unit", "file", "status": added|replaced|unchanged|refused, "households", "visits",
    "records", "reason"}. A refused unit leaves the city file as it was; the others still merge.
    """
    files = [Path(f) for f in files]
    names = unit_names(files, unit_name)
    db = _writer(city)
    try:
        people = People(db)
        seen: set[str] = set()
        results = []
        for path, name in zip(files, names):
            result = {"unit": name, "file": str(path), "status": "refused", "households": None,
                      "visits": None, "records": None, "reason": None}
            try:
                problem = name_problem(name)
                if problem:
                    raise Refused(_("the unit name {problem}").format(problem=problem))
                if name in seen:
                    raise Refused(_("another file of this merge has the same unit name"))
                seen.add(name)
                result.update(_merge_one(db, path, name, people))
            except Refused as e:
                result["reason"] = str(e)
            results.append(result)
        return results
    finally:
        db.close()


def _merge_one(db: Store, path: Path, name: str, people: People) -> dict[str, Any]:
    if path.resolve() == Path(db.path).resolve():
        raise Refused(_("is the city file itself"))
    try:
        conn, uri = open_ro(path)
    except sqlite3.DatabaseError as e:
        raise Refused(_("cannot be read ({error})").format(error=e)) from None
    try:
        conn.execute("BEGIN")  # one snapshot for every read below
        check_schema(conn)
        households = conn.execute("SELECT code, name, born, id_number FROM households").fetchall()
        visits = conn.execute("SELECT count(*) FROM visits").fetchone()[0]
        counts = {"households": len(households), "visits": visits}
        sha = digest(conn)
        before = db.execute("SELECT id, source, sha256, merged_at, records FROM units WHERE name = ?",
                            [name]).fetchone()
        if before and before[2] == sha:
            return counts | {"status": "unchanged", "records": before[4],
                             "reason": _("no record changed since its merge on {when}").format(
                                 when=(before[3] or "")[:10])}
        check_health(conn)
        longest = conn.execute("SELECT max((SELECT coalesce(max(length(code)), 0) FROM households),"
                               " (SELECT coalesce(max(length(code)), 0) FROM cadres))").fetchone()[0]
    except sqlite3.DatabaseError as e:  # a damaged file: "database disk image is malformed"
        raise Refused(_("is not a usable database ({error})").format(error=e)) from None
    finally:
        conn.close()
    if len(name) + 1 + longest > CODE_MAX:
        raise Refused(_("the unit name and its codes together exceed {n} characters").format(n=CODE_MAX))
    clashes = people.conflicts(name, households)
    if clashes:
        more = len(clashes) - 1
        raise Refused(clashes[0] + (_("; {n} more household(s) enrolled elsewhere").format(n=more)
                                    if more else ""))
    records = _copy(db, uri, name, sha, path, before)
    people.drop(name)
    for code, hname, born, idn in households:
        people.add(name, f"{name}/{code}", hname, born, idn)
    return counts | {"status": "replaced" if before else "added", "records": records}


def _copy(db: Store, uri: str, name: str, sha: str, path: Path, before: tuple | None) -> int:
    """Replace the unit's records by the file's, in one transaction; the number of records copied."""
    try:
        db.execute("ATTACH DATABASE ? AS u", [uri])
    except sqlite3.DatabaseError as e:
        raise Refused(_("cannot be read ({error})").format(error=e)) from None
    try:
        with db.write():
            if before:
                uid = before[0]
                for sql in _DELETE:
                    db.execute(sql, {"u": uid})
            else:
                uid = db.execute("INSERT INTO units (name) VALUES (?)", [name]).lastrowid
            records = 0
            offsets = {t: db.execute(f"SELECT coalesce(max(id), 0) FROM main.{t}").fetchone()[0]
                       for t in COLUMNS}
            for table, columns in COLUMNS.items():
                exprs = []
                for c in columns:
                    if c == "id":
                        exprs.append(f"id + {offsets[table]}")
                    elif c in _TARGET:
                        exprs.append(f"{c} + {offsets[_TARGET[c]]}")
                    elif c == "code":
                        exprs.append(":prefix || code")
                    else:
                        exprs.append(c)
                cols = list(columns)
                if table in ("cadres", "households"):
                    cols.append("unit_id")
                    exprs.append(":u")
                records += db.execute(
                    f"INSERT INTO main.{table} ({', '.join(cols)}) SELECT {', '.join(exprs)}"
                    f" FROM u.{table} ORDER BY id", {"prefix": f"{name}/", "u": uid}).rowcount
            after = {"source": str(path.resolve()), "sha256": sha, "merged_at": _now(), "records": records}
            db.execute("UPDATE units SET source = :source, sha256 = :sha256, merged_at = :merged_at,"
                       " records = :records WHERE id = :id", after | {"id": uid})
            old = None if before is None else dict(zip(("source", "sha256", "merged_at", "records"),
                                                       before[1:]))
            db.audit("merge", "units", name, old, after)
    except sqlite3.DatabaseError as e:  # a code taken in the city file, the city file locked…
        raise Refused(_("cannot be copied into the city file ({error})").format(error=e)) from None
    finally:
        db.execute("DETACH DATABASE u")
    return records


# -- reading a merged file: which unit each record belongs to ------------------------------------


class Units:
    """The units of a file and which one each household and cadre belongs to (None: the file's own)."""

    def __init__(self, db: Store):
        self.db = db
        self.names: dict[int | None, str] = {None: OWN}
        self.names.update(db.execute("SELECT id, name FROM units ORDER BY name").fetchall())
        self.household: dict[int, int | None] = {}
        self.household_code: dict[str, int | None] = {}
        for hid, code, uid in db.execute("SELECT id, code, unit_id FROM households"):
            self.household[hid] = uid
            self.household_code[code] = uid
        self.cadre: dict[int, int | None] = {}
        self.cadre_code: dict[str, int | None] = {}
        for cid, code, uid in db.execute("SELECT id, code, unit_id FROM cadres"):
            self.cadre[cid] = uid
            self.cadre_code[code] = uid

    def find(self, name: str | None) -> int | None:
        """The id of the unit named (None for the file's own records: "(this file)" or empty)."""
        name = (name or "").strip()
        if name in ("", OWN, _(OWN)):
            return None
        for uid, known in self.names.items():
            if known == name:
                return uid
        listed = ", ".join(self.names.values())
        raise AidtrackError("unit", name, _("no unit of this name in this file (units: {names})")
                            .format(names=listed))

    def listed(self) -> list[int | None]:
        """Every unit, the file's own records first when there are any (or when nothing was merged)."""
        own = (None in self.household.values() or None in self.cadre.values()
               or len(self.names) == 1)
        return ([None] if own else []) + [u for u in self.names if u is not None]

    def pairings(self) -> dict[int, int | None]:
        """Each pairing's unit: its household's."""
        return {pid: self.household.get(hid) for pid, hid in
                self.db.execute("SELECT id, household_id FROM pairings")}

    def visits_until(self, day: str) -> dict[int | None, int]:
        """Visits dated on or before a day, per unit: counted per pairing first, on the (pairing_id,
        date, kind) index, then per unit (joining a million visits to their households is 10× slower)."""
        return dict(self.db.execute(
            "SELECT h.unit_id, sum(v.n) FROM (SELECT pairing_id, count(*) AS n FROM visits WHERE date <= ?"
            " GROUP BY pairing_id) v JOIN pairings p ON p.id = v.pairing_id"
            " JOIN households h ON h.id = p.household_id GROUP BY h.unit_id", [day]).fetchall())
