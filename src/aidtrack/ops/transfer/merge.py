"""The city roll-up: each unit keeps its own register; `merge` copies it, read-only, into the city's.

Every kind of record is copied (kinds.py: `merged`). A unit's records are stored in the city file
with their codes prefixed by the unit's name (交通局/H01, 交通局/C01); its cadres, households and
meetings are tagged with `unit_id`, everything else belongs to its unit through its household (a
visit through its pairing, a problem through its visit, a meeting item through its meeting). The
file's own records have unit_id NULL. Every record keeps `source_id`, its id in its unit's file.

Per unit file:

1. Only a regular file is opened (a FIFO would block), and never the city file itself (known by
   device and inode: a hard link is the same file). It is opened read-only (`file:PATH?mode=ro`;
   a WAL-mode file without a -wal `immutable=1`, so that nothing is created beside it): SQLite
   never writes the file itself. Only if that open fails (a read-only medium where the -shm cannot
   be created) and no -wal holds unfinished writes is it opened `immutable=1`. What it runs is
   bounded in time (store.foreign.bounded). Its schema, its record digest and its health are read
   in one snapshot.
2. Refused, with one line, when: it holds a schema object aidtrack did not create (a trigger, a
   view named like a table, an extra table: store.foreign); a value import would refuse (money
   beyond 999,999,999.99 yuan, a date in the future or out of range, a control character, an
   invisible one in a name: ops/transfer/merge_values.py); a migration this program does not know (a newer aidtrack); a
   column missing from a file with every migration applied (a damaged file; a file from an older
   aidtrack is read as it is: what a later migration added reads as none); it fails doctor's checks
   (integrity, foreign keys, the programme's invariants; file permissions and journal mode do not
   matter here). A household already enrolled by another unit (same ID number, or where one is
   missing the same name and born date), including the city file's own households and the units
   merged earlier in the same call, is left out with every record hanging from it.
3. Unchanged (skipped) when the sha256 of its records equals the one stored at its last merge.
4. Otherwise, in ONE write transaction: the unit's old records are deleted (children first) and its
   records copied with INSERT … SELECT from the ATTACHed file, table by table. Ids are mapped by an
   offset per table (the city's largest id at that moment), so every link column (_TARGETS: a
   household, cadre, pairing, visit, problem, measure or meeting) maps by its table's offset without
   a lookup per row; a unit merged before keeps its records' ids (source_id → id). The order of the
   rows (which breaks ties between statuses of one day) is kept. One audit entry per merged unit.
5. A first merge (no unit in the city file yet) drops the secondary indexes in its first write
   transaction and re-creates them after its last (deferrable_indexes, heal_indexes).

The unit's policy settings and audit log stay in its own file: the city's reports use the city's
policy. Records typed into the city file against a merged unit's households are that unit's and are
replaced with it at its next merge: each is written to the audit log as a deletion with its values
(so that it can be put back), and the merge says how many.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
import queue
import re
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ... import parse
from ...i18n import _
from ...kinds import HOUSEHOLDS, REGISTRY, Derived, Kind
from ...model import AidtrackError
from ...store import Store
from ...store.foreign import bounded, current_indexes, foreign_problem, untouched_uri
from ...store.schema import KNOWN
from .merge_values import value_problem
from .units import OWN

#: The columns copied from a unit file, in dependency order: every stored column of every kind
#: (kinds.py). A unit file from an older aidtrack may lack a table or a column a later migration
#: added: it is read as it is (check_schema), the table as empty and the column as NULL (_ABSENT).
COLUMNS: Mapping[str, tuple[str, ...]] = Derived(
    lambda: {k.table: ("id", *k.columns) for k in REGISTRY.values() if k.merged}
)

#: Per table, the table each link column points into (kinds.Kind.links): its ids are mapped to the
#: city file's (shifted by that table's offset for a new unit, looked up in temp.merge_map_TABLE for
#: a unit merged before). tests/test_merge_kinds.py fails on a link column (`*_id`) left unmapped.
_TARGETS: Mapping[str, dict[str, str]] = Derived(
    lambda: {
        k.table: {lk.column: REGISTRY[lk.to].table for lk in k.links} for k in REGISTRY.values() if k.merged
    }
)
_BY_TABLE: Mapping[str, Kind] = Derived(lambda: {k.table: k for k in REGISTRY.values()})

#: The tables with a `unit_id` of their own; every other one belongs to its unit through its household.
UNIT_OWNED: Mapping[str, Kind] = Derived(
    lambda: {k.table: k for k in REGISTRY.values() if k.merged and k.unit_owned}
)

#: What a column missing from an older unit file reads as, where the migration that added it filled
#: it in from other columns (0005: an escalation is dated by its visit); any other missing column
#: reads as NULL. {s} is the unit file's schema.
_ABSENT = {
    ("problems", "escalated_on"): "CASE WHEN t.escalated = 1 THEN"
    " (SELECT v.date FROM {s}.visits v WHERE v.id = t.visit_id) END",
}


def _unit_where(table: str) -> str:
    """One unit's records of TABLE in the city file (:u is its unit id): a unit-owned table's by its
    unit_id, the others through the links they belong by (Kind.owned_through: their household, or
    the pairing, visit, problem or meeting they hang from), followed up to a unit-owned table."""
    k = _BY_TABLE[table]
    if k.unit_owned:
        return "unit_id = :u"
    return " OR ".join(
        f"{c} IN (SELECT id FROM {to} WHERE {_unit_where(to)})"
        for c in k.owned_through
        for to in (_TARGETS[table][c],)
    )


#: Deleting one unit's records, children first (the reverse of the copy's order, which is the
#: registry's dependency order): also the records typed into the city file against its households.
def _deletes() -> list[str]:
    return [f"DELETE FROM {t} WHERE {_unit_where(t)}" for t in reversed(list(COLUMNS))]


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
    """A read-only connection to a unit file, and the URI it was opened with (to ATTACH it alike).

    Only a regular file is opened (a FIFO would block); a WAL-mode file without a -wal is opened
    immutable (nothing is created beside it: store.foreign.untouched_uri). What the connection runs
    is bounded in time, and a file holding a schema object aidtrack did not create (a trigger, a
    view named like a table) is refused before any of its tables is read."""
    _unit_file(path)
    with path.open("rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise Refused(_("is not an aidtrack register (not an SQLite file)"))
    uri = untouched_uri(path)
    try:
        conn = sqlite3.connect(uri, uri=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as e:
        if _wal_pending(path):
            raise Refused(_("cannot be opened read-only ({error})").format(error=e)) from None
        uri = ro_uri(path, immutable=True)
        conn = sqlite3.connect(uri, uri=True)
    bounded(conn)
    try:
        foreign = foreign_problem(conn)
    except sqlite3.DatabaseError:
        conn.close()
        raise
    if foreign:
        conn.close()
        raise Refused(foreign)
    return conn, uri


def _unit_file(path: Path) -> os.stat_result:
    """The unit file's stat; refused unless a regular file (checked before anything opens it)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise Refused(_("is not a file")) from None
    except OSError as e:
        raise Refused(_("cannot be read ({error})").format(error=e.strerror)) from None
    if not stat.S_ISREG(st.st_mode):
        raise Refused(_("is not a file"))
    return st


def _applied(conn: sqlite3.Connection) -> list[str]:
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_sqlite_migrations'").fetchone():
        return []
    return [
        r[0]
        for r in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = 'aidtrack' ORDER BY rowid"
        )
    ]


def check_schema(conn: sqlite3.Connection) -> dict[str, tuple[str, ...]]:
    """Refuse a file from a newer aidtrack, or a current one lacking a column the merge reads.

    Returns, per table the file has, the copied columns it has. A file from an older aidtrack (some
    migration of this program not applied) is read as it is, never migrated: a table or column a
    later migration added is simply not there (read as empty, or NULL)."""
    applied = _applied(conn)
    if not applied:
        raise Refused(_("is not an aidtrack register"))
    unknown = [a for a in applied if a not in KNOWN]
    if unknown:
        raise Refused(
            _("was written by a newer aidtrack (migration {name}); upgrade aidtrack to merge it").format(
                name=unknown[-1]
            )
        )
    older = set(applied) != set(KNOWN)
    have: dict[str, tuple[str, ...]] = {}
    for table, columns in COLUMNS.items():
        present = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        missing = [c for c in columns if c not in present]
        if missing and not older:
            raise Refused(
                _("lacks {table}.{column}: open it once with aidtrack to upgrade it").format(
                    table=table, column=missing[0]
                )
            )
        if present:
            have[table] = tuple(c for c in columns if c in present)
    return have


def check_health(conn: sqlite3.Connection) -> None:
    """doctor's checks that matter for copying: integrity, foreign keys and the invariants."""
    from ..write.maintenance import INVARIANTS

    conn.create_function("aidtrack_idn", 1, _idn, deterministic=True)
    rows = [r[0] for r in conn.execute("PRAGMA quick_check")]
    if rows != ["ok"]:
        raise Refused(_("fails doctor: integrity: {detail}").format(detail="; ".join(rows[:3])))
    fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        t, rid, parent, _n = fk[0]
        raise Refused(
            _("fails doctor: foreign keys: {table} row {id} refers to a missing {parent}").format(
                table=t, id=rid, parent=parent
            )
        )
    for name, (sql, _kind) in INVARIANTS.items():
        bad = [r[0] for r in conn.execute(sql + " LIMIT 3")]
        if bad:
            raise Refused(_("fails doctor: {check}: {detail}").format(check=_(name), detail="; ".join(bad)))


def digest(conn: sqlite3.Connection, have: dict[str, tuple[str, ...]] | None = None, version: int = 2) -> str:
    """sha256 of the unit's records (the copied columns, in id order): a checkpoint is no change.
    `have`: check_schema's tables and columns (all of them if None); a missing one counts as NULL.

    Version 2 (the current one, stored as "2:" and the hex): each value as its text, NULL as
    char(30), the values of a row joined by char(31).
    Both are control characters no stored text may hold (merge_values refuses them) and every row of
    a table has its columns' number of separators, so two different tables of valid records cannot
    give the same text (a type is its column's: the value checks hold it). Version 1 (a bare hex,
    stored before 2026-12) wrote each value as SQLite's quote() gives it, half the digest's time on
    Chinese text: a city file holding one compares it by that formula once (`_read`'s `legacy`)."""
    h = hashlib.sha256()
    for table, columns in COLUMNS.items():
        text = None
        if have is None or table in have:
            present = columns if have is None else have[table]
            if version == 1:
                row = " || '|' || ".join(f"quote({c})" if c in present else "'NULL'" for c in columns)
            else:
                row = " || char(31) || ".join(
                    f"ifnull({c}, char(30))" if c in present else "char(30)" for c in columns
                )
            # As a BLOB: the UTF-8 bytes SQLite holds, hashed without a round trip through str.
            text = conn.execute(
                f"SELECT CAST(group_concat({row}, char(10)) AS BLOB)"
                f" FROM (SELECT * FROM main.{table} ORDER BY id)"
            ).fetchone()[0]
        h.update(f"{table}\n".encode())
        h.update(text or b"")
        h.update(b"\n")
    return h.hexdigest() if version == 1 else f"{version}:{h.hexdigest()}"


def _legacy(sha: str | None) -> bool:
    """A digest stored by the first formula (a bare hex)."""
    return bool(sha) and ":" not in str(sha)


def _left_digest(sha: str, left_codes: set[str]) -> str:
    """The digest of the records with these households left out: another copy, another digest."""
    version, _sep, _hex = sha.rpartition(":")
    mixed = hashlib.sha256(f"{sha}\n{','.join(sorted(left_codes))}".encode()).hexdigest()
    return f"{version}:{mixed}" if version else mixed


# -- a unit file's fingerprint: unchanged files are skipped without being read ---------------------

#: A file modified less than this many seconds before it is looked at may still be changing within
#: the same tick of its modification time: its fingerprint is not trusted (its records are digested).
RACY_SECONDS = 2.0


def fingerprint(path: Path, now: float | None = None) -> str | None:
    """What says, without reading a record, that a unit file is the same as when last merged: its
    device and inode, size, modification time, SQLite's file change counter (header bytes 24–27)
    and its -wal's size and time when the -wal holds anything. None when it cannot be trusted."""
    now = time.time() if now is None else now
    try:
        st = path.stat()
        with path.open("rb") as f:
            header = f.read(100)
        wal = Path(f"{path}-wal")
        ws = wal.stat() if wal.exists() else None
    except OSError:
        return None
    if len(header) < 28 or now - st.st_mtime < RACY_SECONDS:
        return None
    wal_part = "0"
    if ws is not None and ws.st_size > 0:
        if now - ws.st_mtime < RACY_SECONDS:
            return None
        wal_part = f"{ws.st_size}.{ws.st_mtime_ns}"
    counter = int.from_bytes(header[24:28], "big")
    return f"{st.st_dev}.{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{counter}:{wal_part}"


# -- people: one person is one ID number ---------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _idn(value: str | None) -> str | None:
    """One person, one key: a 15-digit number and its 18-character upgrade match (parse.id_key).
    Cached: each household's number is read three times over (doctor's invariant, the check against
    the city's people, the replacing of its unit's entries), one unit after the other."""
    return parse.id_key(value)


class People:
    """Who is enrolled where in the city file, by ID number and by name and born date.

    Same ID number: the same person. Two different ID numbers: two people, whatever the names (a
    warning when name and born date agree). Name and born date decide only where an ID number is
    missing on either side. The index is a temp table of the main thread's connection (indexed by
    ID number, by name and born date, and by unit), not Python objects: its memory stays SQLite's
    page cache at any city size, and replacing a unit's entries costs its own households.
    """

    def __init__(self, db: Store):
        self.conn = conn = db.conn
        conn.create_function("aidtrack_idn", 1, _idn, deterministic=True)
        conn.create_function("aidtrack_name", 1, _name, deterministic=True)
        with _temp(conn):
            for sql in (
                "CREATE TEMP TABLE IF NOT EXISTS merge_people"
                " (idn TEXT, name TEXT, born TEXT, unit TEXT NOT NULL, code TEXT NOT NULL)",
                "DELETE FROM temp.merge_people",
                "CREATE TEMP TABLE IF NOT EXISTS merge_candidates"
                " (seq INTEGER PRIMARY KEY, idn TEXT, name TEXT, born TEXT)",
            ):
                conn.execute(sql)
            conn.execute(
                "INSERT INTO temp.merge_people SELECT aidtrack_idn(h.id_number),"
                " aidtrack_name(h.name), h.born, coalesce(u.name, ?), h.code FROM households h"
                " LEFT JOIN units u ON u.id = h.unit_id ORDER BY h.id",
                [OWN],
            )
            for sql in (
                "CREATE INDEX IF NOT EXISTS temp.merge_people_idn ON merge_people(idn)",
                "CREATE INDEX IF NOT EXISTS temp.merge_people_person ON merge_people(name, born)",
                "CREATE INDEX IF NOT EXISTS temp.merge_people_unit ON merge_people(unit)",
            ):
                conn.execute(sql)

    def replace(self, unit: str, households: list[tuple]) -> None:
        """The unit's entries become these households' (id, code, name, born, id_number)."""
        with _temp(self.conn):
            self.conn.execute("DELETE FROM temp.merge_people WHERE unit = ?", [unit])
            self.conn.executemany(
                "INSERT INTO temp.merge_people (idn, name, born, unit, code) VALUES (?, ?, ?, ?, ?)",
                [
                    (_idn(idn), _name(name), born, unit, f"{unit}/{code}")
                    for _h, code, name, born, idn in households
                ],
            )

    def check(self, unit: str, households: list[tuple]) -> tuple[list[dict], list[dict]]:
        """The unit's households enrolled by another unit (left out), and the warnings: same name
        and born date as another unit's household, but a different ID number (kept: two people)."""
        with _temp(self.conn):
            self.conn.execute("DELETE FROM temp.merge_candidates")
            self.conn.executemany(
                "INSERT INTO temp.merge_candidates (seq, idn, name, born) VALUES (?, ?, ?, ?)",
                [(i, _idn(idn), _name(name), born) for i, (_h, _c, name, born, idn) in enumerate(households)],
            )
        same_id: dict[int, tuple[str, str]] = {}
        for seq, other_unit, other in self.conn.execute(
            "SELECT c.seq, p.unit, p.code FROM temp.merge_candidates c JOIN temp.merge_people p"
            " ON p.idn = c.idn WHERE c.idn IS NOT NULL AND p.unit != ? ORDER BY c.seq, p.rowid",
            [unit],
        ):
            same_id.setdefault(seq, (other_unit, other))
        same_person: dict[int, list[tuple[str, str, str | None]]] = {}
        for seq, other_unit, other, other_idn in self.conn.execute(
            "SELECT c.seq, p.unit, p.code, p.idn FROM temp.merge_candidates c JOIN temp.merge_people p"
            " ON p.name = c.name AND p.born = c.born WHERE c.name != '' AND p.unit != ?"
            " ORDER BY c.seq, p.rowid",
            [unit],
        ):
            same_person.setdefault(seq, []).append((other_unit, other, other_idn))
        left_out, warnings = [], []
        for seq, (_hid, code, name, _born, idn) in enumerate(households):
            idn = _idn(idn)
            found = (same_id[seq], "id") if seq in same_id else None
            if found is None:
                for other_unit, other, other_idn in same_person.get(seq, ()):
                    if idn and other_idn and other_idn != idn:
                        warnings.append(
                            {
                                "household": code,
                                "name": name,
                                "unit": other_unit,
                                "other": other,
                                "reason": _("same name and born date, different ID numbers: two people"),
                            }
                        )
                        continue
                    found = ((other_unit, other), "person")
                    break
            if found is not None:
                (other_unit, other), why = found
                left_out.append(
                    {
                        "household": code,
                        "name": name,
                        "unit": other_unit,
                        "other": other,
                        "reason": _("already enrolled by {unit} as {other} ({why})").format(
                            unit=other_unit,
                            other=other,
                            why=_("same ID number") if why == "id" else _("same name and born date"),
                        ),
                    }
                )
        return left_out, warnings


def _name(value: str | None) -> str:
    return (value or "").strip()


@contextlib.contextmanager
def _temp(conn: sqlite3.Connection) -> Iterator[None]:
    """One transaction of the main thread's connection on its temp tables (never on the city file's
    tables: every write to those is the copier's)."""
    conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


# -- merging -------------------------------------------------------------------------------------


def _writer(city: Store, cache_kib: int | None = None) -> Store:
    """A second connection to the city file that takes URI filenames, so ATTACH can say mode=ro."""
    conn = sqlite3.connect(Path(city.path).resolve().as_uri(), uri=True, timeout=30)
    db = Store(conn, execute_plugins=False)
    db.path, db.operator = city.path, city.operator
    db.execute("PRAGMA busy_timeout = 30000")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA synchronous = NORMAL")
    if cache_kib:
        db.execute(f"PRAGMA cache_size = -{cache_kib}")
    return db


#: The copier's page cache: the date-first indexes (visits_date, income_month, aid_date) take one
#: unit's rows all over; a cache that holds more of their dirty pages writes each fewer times.
CACHE_KIB = 64 * 1024
#: Unit files copied in one write transaction (each in its own savepoint): SQLite attaches at most
#: 10 databases at once.
BATCH_UNITS = 8


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def merge(city: Store, files: list[Path], unit_name: str | None = None) -> list[dict[str, Any]]:
    """Merge each unit file into the city file; one result per file, in the order given.

    Result: {"unit", "file", "status": added|replaced|unchanged|refused, "households", "visits",
    "records", "reason", "left_out": [{"household", "name", "unit", "other", "reason"}],
    "warnings": [same shape]}. A refused unit leaves the city file as it was; the others still
    merge. A left-out household (enrolled by another unit) is not copied, with its pairings, visits,
    problems, statuses, income and aid; the rest of its unit is.

    The files are read and checked here, one after the other, while a second thread (`_Copier`,
    with its own connection) copies the ones checked before: on two cores reading and writing
    overlap. Everything written is written by that thread, in the order the files were given.
    """
    files = [Path(f) for f in files]
    names = unit_names(files, unit_name)
    db = _writer(city)
    try:
        heal_indexes(db)
    except BaseException:
        db.close()
        raise
    copier = _Copier(city)
    copier.start()
    pool = ThreadPoolExecutor(max_workers=READ_AHEAD, thread_name_prefix="aidtrack-merge-read")
    looks: dict[int, str | None | Refused] = {}
    reads: dict[int, Future] = {}

    def ahead(i: int) -> None:
        """Fingerprint files i… and start reading those that will be read, up to READ_AHEAD ahead."""
        for j in range(i, min(len(files), i + READ_AHEAD + 1)):
            if j in looks:
                continue
            try:
                look = looks[j] = _look(db, files[j])
            except Refused as e:
                looks[j] = e
                continue
            before = _before(db, names[j])
            if not name_problem(names[j]) and not _same_file(look, before):
                reads[j] = pool.submit(_read, files[j], _legacy(before[2] if before else None))

    try:
        people = _Lazy(lambda: People(db))  # not built when every file is unchanged
        seen: set[str] = set()
        results = []
        for i, (path, name) in enumerate(zip(files, names)):
            result: dict[str, Any] = {
                "unit": name,
                "file": str(path),
                "status": "refused",
                "households": None,
                "visits": None,
                "records": None,
                "reason": None,
                "left_out": [],
                "warnings": [],
                "removed": 0,
            }
            try:
                ahead(i)
                problem = name_problem(name)
                if problem:
                    raise Refused(_("the unit name {problem}").format(problem=problem))
                if name in seen:
                    raise Refused(_("another file of this merge has the same unit name"))
                seen.add(name)
                look = looks.pop(i)
                if isinstance(look, Refused):
                    raise look
                future = reads.pop(i, None)
                if future is not None:
                    read = future.result
                else:
                    before = _before(db, name)
                    read = functools.partial(_read, path, _legacy(before[2] if before else None))
                plan = _prepare(db, path, name, people, result, look, read)
                if plan is not None:
                    copier.queue.put(plan)
            except Refused as e:
                result["reason"] = str(e)
            results.append(result)
            if copier.error is not None:
                break
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        copier.queue.put(None)
        _join(copier)
        db.close()
    if copier.error is not None:
        raise copier.error
    return results


def _join(copier: _Copier) -> None:
    """Wait for the copier to finish, whatever happens meanwhile: a Ctrl-C (only ever raised in this,
    the main thread) cancels what it has not committed yet and is raised once it has stopped, with
    what it did commit counted in the city Store's committed_rows (the CLI's truth)."""
    interrupted: BaseException | None = None
    while copier.is_alive():
        try:
            copier.join()
        except KeyboardInterrupt as e:
            interrupted = e
            copier.cancel.set()
    if interrupted is not None:
        raise interrupted


class _Cancelled(Exception):
    """Leave the copier's write transaction by rolling back: the merge was interrupted."""


class _Copier(threading.Thread):
    """Writes the prepared units into the city file, in the order received, up to BATCH_UNITS in
    one transaction; also the new fingerprints of unchanged files. None on the queue ends it.

    What it commits is added to the city Store's committed_rows as it commits (a signal is never
    raised in this thread, so the count cannot be torn from its COMMIT); once `cancel` is set it
    commits nothing more."""

    def __init__(self, city: Store):
        super().__init__(name="aidtrack-merge-copier", daemon=True)
        self.city = city
        self.queue: queue.Queue = queue.Queue()
        self.error: BaseException | None = None
        self.cancel = threading.Event()
        #: The secondary indexes a fresh merge dropped (its first transaction): re-created at the end.
        self.deferred: list[tuple[str, str]] = []

    def run(self) -> None:
        db = None
        try:
            db = _writer(self.city, CACHE_KIB)
            done = False
            while not done:
                item = self.queue.get()
                if item is None:
                    break
                batch = [item]
                while len(batch) < BATCH_UNITS:
                    try:
                        item = self.queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        done = True
                        break
                    batch.append(item)
                if self.cancel.is_set():
                    continue
                before = db.committed_rows
                try:
                    _copy_batch(db, batch, self.cancel, self.deferred)
                finally:
                    self.city.committed_rows += db.committed_rows - before
        except BaseException as e:  # noqa: BLE001 - handed to the main thread, raised there
            self.error = e
            while self.queue.get() is not None:  # let the main thread finish putting
                pass
        finally:
            if db is not None:
                try:
                    if self.deferred:  # whatever happened: interrupted, refused, failed
                        _restore_indexes(db, self.deferred)
                except BaseException as e:  # noqa: BLE001 - the next merge re-creates them (heal_indexes)
                    self.error = self.error or e
                finally:
                    db.close()


class _Lazy:
    """The People index, built on first use."""

    def __init__(self, build):
        self.build, self.value = build, None

    def __call__(self) -> People:
        if self.value is None:
            self.value = self.build()
        return self.value


#: Unit files read and checked ahead of the one being decided, by worker threads: the reading is
#: SQLite's work (the digest, integrity, the value checks), done outside Python's lock, so on two
#: cores the files ahead are read while the copier writes. Each worker has its own connection.
READ_AHEAD = 2


def _look(db: Store, path: Path) -> str | None:
    """A unit file's fingerprint, taken before any of its records is read (so a file changed after
    it is never stored under this fingerprint); refused if it is the city file itself."""
    st, city = _unit_file(path), os.stat(db.path)
    if path.resolve() == Path(db.path).resolve() or (st.st_dev, st.st_ino) == (city.st_dev, city.st_ino):
        raise Refused(_("is the city file itself"))  # by identity: a hard link is the same file
    return fingerprint(path)


def _before(db: Store, name: str) -> tuple | None:
    return db.execute(
        "SELECT id, source, sha256, merged_at, records, fingerprint, left_out FROM units WHERE name = ?",
        [name],
    ).fetchone()


def _same_file(print_: str | None, before: tuple | None) -> bool:
    """The file is the one merged last time, by its fingerprint alone: it is not read."""
    return bool(before and print_ is not None and before[5] == print_ and not before[6])


def _read(path: Path, legacy: bool = False) -> dict:
    """Read and check one unit file (any thread: a connection of its own). A problem found after
    the digest is kept as a value: it refuses the unit only if its records changed. `legacy`: the
    city holds the unit's digest by the first formula: that one is taken too, in the same snapshot."""
    try:
        conn, uri = open_ro(path)
    except sqlite3.DatabaseError as e:
        raise Refused(_("cannot be read ({error})").format(error=e)) from None
    try:
        conn.execute("BEGIN")  # one snapshot for every read below
        have = check_schema(conn)
        households = conn.execute("SELECT id, code, name, born, id_number FROM households").fetchall()
        visits = conn.execute("SELECT count(*) FROM visits").fetchone()[0]
        sha = digest(conn, have)
        sha1 = digest(conn, have, version=1) if legacy else None
        problem, longest = None, 0
        try:
            check_health(conn)
            problem = value_problem(conn, have, dt.date.today())
            longest = conn.execute(
                "SELECT max((SELECT coalesce(max(length(code)), 0) FROM households),"
                " (SELECT coalesce(max(length(code)), 0) FROM cadres))"
            ).fetchone()[0]
        except Refused as e:
            problem = str(e)
        except sqlite3.DatabaseError as e:
            problem = _("is not a usable database ({error})").format(error=e)
    except sqlite3.DatabaseError as e:  # a damaged file: "database disk image is malformed"
        raise Refused(_("is not a usable database ({error})").format(error=e)) from None
    finally:
        conn.close()
    return {
        "uri": uri,
        "have": have,
        "households": households,
        "visits": visits,
        "sha": sha,
        "sha1": sha1,
        "problem": problem,
        "longest": longest,
    }


def _left_visits(path: Path, left: list[int]) -> int:
    """The visits of the left-out households (ids in the unit file): not copied, not counted."""
    conn, _uri = open_ro(path)
    try:
        return conn.execute(
            "SELECT count(*) FROM visits WHERE pairing_id IN (SELECT id FROM pairings WHERE"
            f" household_id IN ({', '.join('?' * len(left))}))",
            left,
        ).fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise Refused(_("is not a usable database ({error})").format(error=e)) from None
    finally:
        conn.close()


def _prepare(
    db: Store, path: Path, name: str, lazy: _Lazy, result: dict, print_: str | None, read
) -> dict | None:
    """Decide one unit file from its fingerprint (`_look`) and what `read()` found (`_read`, perhaps
    done ahead); fill `result` and return what to copy (None: unchanged)."""
    before = _before(db, name)
    if before is not None and _same_file(print_, before):
        households = db.execute("SELECT count(*) FROM households WHERE unit_id = ?", [before[0]]).fetchone()[
            0
        ]
        result.update(_unchanged(before, households, None))  # visits not counted: slow on a cold file
        return None
    got = read()
    households, visits, sha, have = got["households"], got["visits"], got["sha"], got["have"]
    people = lazy()
    left_out, warnings = people.check(name, households)
    left_codes = {h["household"] for h in left_out}
    stored = before[2] if before else None
    if _legacy(stored):  # compared by the formula it was stored by, read in the same snapshot
        legacy = got["sha1"]  # None (not asked for: never here but by a race): copied, which is safe
        same = legacy is not None and stored == (_left_digest(legacy, left_codes) if left_codes else legacy)
    if left_codes:  # the same records with other households left out are another copy
        sha = _left_digest(sha, left_codes)
        visits -= _left_visits(path, [h[0] for h in households if h[1] in left_codes])
    if not _legacy(stored):
        same = stored == sha
    result.update(
        {
            "households": len(households) - len(left_codes),
            "visits": visits,
            "left_out": left_out,
            "warnings": warnings,
        }
    )
    if before and same:
        result.update(_unchanged(before, result["households"], visits))
        if print_ != before[5] or stored != sha:  # written by the copier: a file touched, its records not
            return {"fingerprint": print_, "sha": sha, "id": before[0], "result": result}
        return None
    if got["problem"]:
        raise Refused(got["problem"])
    if len(name) + 1 + got["longest"] > CODE_MAX:
        raise Refused(_("the unit name and its codes together exceed {n} characters").format(n=CODE_MAX))
    people.replace(name, [h for h in households if h[1] not in left_codes])
    left_ids = [h[0] for h in households if h[1] in left_codes]
    return {
        "uri": got["uri"],
        "name": name,
        "sha": sha,
        "fingerprint": print_,
        "path": path,
        "copy": True,
        "before": before,
        "left_ids": left_ids,
        "have": have,
        "result": result,
    }


def _unchanged(before: tuple, households: int, visits: int | None) -> dict[str, Any]:
    return {
        "status": "unchanged",
        "records": before[4],
        "households": households,
        "visits": visits,
        "reason": _("no record changed since its merge on {when}").format(when=(before[3] or "")[:10]),
    }


def _copy_batch(
    db: Store, plans: list[dict], cancel: threading.Event | None = None, deferred: list | None = None
) -> None:
    """Copy some units in ONE write transaction, each in a savepoint: one that fails is rolled back
    alone and refused, the others are kept. `cancel` set before the COMMIT: nothing is kept.

    `deferred` (a fresh merge: see _defer_indexes): the secondary indexes this transaction dropped
    are added to it once it has committed; the caller re-creates them at the end."""
    touched = [p for p in plans if not p.get("copy")]
    plans = [p for p in plans if p.get("copy")]
    if touched:
        try:
            with db.write():
                for p in touched:
                    db.execute(
                        "UPDATE units SET fingerprint = ?, sha256 = ? WHERE id = ?",
                        [p["fingerprint"], p["sha"], p["id"]],
                    )
        except sqlite3.DatabaseError:  # only a shortcut for the next merge: it will digest instead
            pass
    attached = []
    try:
        for i, plan in enumerate(plans):
            schema = f"u{i}"
            try:
                db.execute(f"ATTACH DATABASE ? AS {schema}", [plan["uri"]])
            except sqlite3.DatabaseError as e:
                _refuse(plan, _("cannot be read ({error})").format(error=e))
                continue
            attached.append((schema, plan))
        if not attached:
            return
        with db.write():
            dropped = _defer_indexes(db) if deferred is not None and not deferred else []
            for schema, plan in attached:
                db.execute("SAVEPOINT unit")
                try:
                    records = _copy(db, schema, plan)
                except sqlite3.DatabaseError as e:  # a code taken in the city file…
                    db.execute("ROLLBACK TO unit")
                    db.execute("RELEASE unit")
                    _refuse(plan, _("cannot be copied into the city file ({error})").format(error=e))
                    continue
                db.execute("RELEASE unit")
                plan["result"].update(
                    {"status": "replaced" if plan["before"] else "added", "records": records}
                )
            if cancel is not None and cancel.is_set():
                raise _Cancelled
        if deferred is not None:
            deferred.extend(dropped)  # committed: now they must be re-created
    except _Cancelled:
        for _schema, plan in attached:
            _refuse(plan, _("interrupted; nothing was written"))
    except sqlite3.DatabaseError as e:  # the city file locked for 30 s, the commit failed…
        for _schema, plan in attached:
            _refuse(plan, _("cannot be copied into the city file ({error})").format(error=e))
    finally:
        for schema, _plan in attached:
            db.execute(f"DETACH DATABASE {schema}")


# -- a fresh merge: the secondary indexes built once, at its end --------------------------------

#: An index a fresh merge always defers: a city file with units but without it is one whose merge
#: was killed before it re-created them (heal_indexes).
SENTINEL_INDEX = "visits_date"


def deferrable_indexes(db: Store) -> list[tuple[str, str]]:
    """(name, sql) of the city's secondary indexes a fresh merge drops and re-creates at its end:
    built from the whole city in one sort instead of taking each unit's rows one by one (most of a
    fresh merge's cost, and growing with the city). Not a unique one (it refuses a unit whose code
    is taken as the unit is copied), only those of the copied tables, none of a table a trigger
    reads (members_household counts a household's members as each is copied)."""
    read: set[str] = set()
    for (sql,) in db.execute("SELECT sql FROM main.sqlite_master WHERE type = 'trigger'"):
        read |= {t.lower() for t in re.findall(r"\b(?:FROM|JOIN)\s+([A-Za-z_]\w*)", sql or "", re.IGNORECASE)}
    out = []
    for name, table, sql in db.execute(
        "SELECT name, tbl_name, sql FROM main.sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall():
        if table not in COLUMNS or table.lower() in read:
            continue
        unique = db.execute(
            f"SELECT [unique] FROM pragma_index_list('{table}') WHERE name = ?", [name]
        ).fetchone()
        if unique is not None and not unique[0]:
            out.append((name, sql))
    return out


def _defer_indexes(db: Store) -> list[tuple[str, str]]:
    """In the first write transaction of a fresh merge (no unit merged into the city file yet): drop
    the deferrable indexes; what was dropped. Nothing on a city that has units."""
    if db.execute("SELECT 1 FROM main.units LIMIT 1").fetchone():
        return []
    indexes = deferrable_indexes(db)
    if SENTINEL_INDEX not in {name for name, _sql in indexes}:
        return []
    for name, _sql in indexes:
        db.execute(f"DROP INDEX main.[{name}]")
    return indexes


def _restore_indexes(db: Store, indexes: list[tuple[str, str]]) -> None:
    """Re-create the indexes a fresh merge dropped, exactly as they were, in one transaction.

    By then nothing else of the merge runs: SQLite's sorter may use a helper thread per core (on
    500 units, the date-first indexes of 9.7 M visits and 12 M income rows took 36.5 s alone, 30.2 s
    with two)."""
    db.execute(f"PRAGMA threads = {min(8, os.cpu_count() or 1)}")
    try:
        with db.write():
            for _name, sql in indexes:
                db.execute(sql)
    finally:
        db.execute("PRAGMA threads = 0")


def heal_indexes(db: Store) -> int:
    """A merge killed between dropping its deferred indexes and re-creating them (a power cut, a
    SIGKILL: anything else re-creates them) left a city file whose records are whole but without
    them: re-create every index this program's schema has and the file lacks. How many."""
    if db.execute(
        "SELECT 1 FROM main.sqlite_master WHERE type = 'index' AND name = ?", [SENTINEL_INDEX]
    ).fetchone():
        return 0
    tables = {r[0] for r in db.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")}
    if "visits" not in tables:
        return 0
    have = {r[0] for r in db.execute("SELECT name FROM main.sqlite_master WHERE type = 'index'")}
    missing = [sql for name, table, sql in current_indexes() if name not in have and table in tables]
    if missing:
        with db.write():
            for sql in missing:
                db.execute(sql)
    return len(missing)


def _refuse(plan: dict, reason: str) -> None:
    plan["result"].update({"status": "refused", "records": None, "reason": reason})


def _left_out(table: str, schema: str) -> str | None:
    """The SELECT of the ids of TABLE's rows in the unit file hanging from a left-out household
    (temp.merge_left_out), or None for a table that does not hang from households."""
    if table == HOUSEHOLDS.table:
        return "SELECT id FROM temp.merge_left_out"
    k = _BY_TABLE[table]
    if k.unit_owned:
        return None
    parts = [
        f"SELECT id FROM {schema}.{table} WHERE {c} IN ({sub})"
        for c in k.owned_through
        if (sub := _left_out(_TARGETS[table][c], schema))
    ]
    return " UNION ALL ".join(parts) or None


def _kept(table: str, schema: str) -> str:
    """The WHERE clause keeping a unit file's rows of one table that do not belong to a left-out
    household (their ids in temp.merge_left_out): its own rows and every record hanging from them.
    A meeting is the unit's committee: it stays; its items on the left-out households' problems go."""
    if table == HOUSEHOLDS.table:
        return "t.id NOT IN (SELECT id FROM temp.merge_left_out)"
    k = _BY_TABLE[table]
    if k.unit_owned:
        return "1"
    kept = [
        f"t.{c} NOT IN ({sub})" for c in k.owned_through if (sub := _left_out(_TARGETS[table][c], schema))
    ]
    return " AND ".join(kept) or "1"


def _copy(db: Store, schema: str, plan: dict) -> int:
    """Replace one unit's records by its file's; the number of records copied.

    A new unit's ids are its file's shifted by one offset per table (no lookup per row). A unit
    merged before keeps each record's id: the old (source_id → id) pairs are kept in temp tables,
    the unit's old rows deleted, and its rows inserted again under the same ids; records new in the
    unit file get ids after the city's largest. Every kind alike (kinds.py: `merged`).
    """
    name, before = plan["name"], plan["before"]
    db.execute("CREATE TEMP TABLE IF NOT EXISTS merge_left_out (id INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM temp.merge_left_out")
    db.conn.executemany("INSERT INTO temp.merge_left_out (id) VALUES (?)", [(i,) for i in plan["left_ids"]])
    left = bool(plan["left_ids"])
    if before:
        uid = before[0]
        _keep_ids(db, uid)
        plan["result"]["removed"] = _typed_in_city(db, uid)
        for sql in _deletes():
            db.execute(sql, {"u": uid})
    else:
        uid = db.execute("INSERT INTO units (name) VALUES (?)", [name]).lastrowid
    records = 0
    prefix = f"{name}/"
    offset = None if before else _offsets(db)
    have = plan.get("have") or {t: c for t, c in COLUMNS.items()}
    for table, columns in COLUMNS.items():
        if table not in have:  # an older unit file: a kind it cannot hold yet
            continue
        source = _Source(schema, table, have[table], uid, prefix, left)
        if offset is None:
            records += _insert_mapped(db, source, columns)
        else:
            records += _insert_shifted(db, source, columns, offset)
    now = _now()
    after = {
        "source": plan["path"].name,
        "sha256": plan["sha"],
        "merged_at": now,
        "records": records,
        "left_out": len(plan["left_ids"]),
    }
    db.execute(
        "UPDATE units SET source = :source, sha256 = :sha256, merged_at = :merged_at,"
        " records = :records, left_out = :left_out, fingerprint = :fingerprint,"
        " changed_at = :merged_at WHERE id = :id",
        after | {"id": uid, "fingerprint": plan["fingerprint"]},
    )
    old = None if before is None else dict(zip(("source", "sha256", "merged_at", "records"), before[1:5]))
    db.audit("merge", "units", name, old, after)
    return records


def _typed_in_city(db: Store, uid: int) -> int:
    """The records typed into the city file against a merged unit's households (no source_id: not
    copied from its file), which its new merge replaces: each written to the audit log as a
    deletion with its values, so that it can be put back (`aidtrack log`). How many there were."""
    from ..write import records

    kinds = {k.table: k.name for k in REGISTRY.values() if k.merged}
    removed = 0
    for table in reversed(list(COLUMNS)):  # children first, as they are deleted
        ids = [
            r[0]
            for r in db.execute(
                f"SELECT id FROM main.{table} WHERE ({_unit_where(table)}) AND source_id IS NULL ORDER BY id",
                {"u": uid},
            )
        ]
        for rid in ids:
            before = records.select(db, kinds[table], id=rid)[0]
            db.audit("delete", kinds[table], str(before.get("code") or rid), before, {"by": "merge"})
            removed += 1
    return removed


class _Source:
    """One table of an attached unit file being copied: where it is and what it has."""

    def __init__(self, schema: str, table: str, have: tuple[str, ...], uid: int, prefix: str, left: bool):
        self.schema, self.table, self.have = schema, table, have
        self.uid, self.prefix, self.left = uid, prefix, left

    def value(self, column: str) -> str:
        """The SELECT expression of a plain column: the row's value, or what a missing one reads as."""
        if column not in self.have:
            return _ABSENT.get((self.table, column), "NULL").format(s=self.schema)
        return ":prefix || t.code" if column == "code" else f"t.{column}"


def _offsets(db: Store) -> dict[str, int]:
    """Each table's largest id before the unit's rows go in: a new unit's ids are shifted by it."""
    return {t: db.execute(f"SELECT coalesce(max(id), 0) FROM main.{t}").fetchone()[0] for t in COLUMNS}


def _insert_shifted(db: Store, source: _Source, columns: tuple[str, ...], offset: dict[str, int]) -> int:
    exprs = []
    for c in columns:
        if c == "id":
            exprs.append(f"t.id + {offset[source.table]}")
        elif c in _TARGETS[source.table] and c in source.have:
            exprs.append(f"t.{c} + {offset[_TARGETS[source.table][c]]}")
        else:
            exprs.append(source.value(c))
    return _insert(db, source, columns, exprs)


def _keep_ids(db: Store, uid: int) -> None:
    """temp.merge_map_TABLE: the (source_id → id) of the unit's records already in the city file."""
    for table in COLUMNS:
        db.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS merge_map_{table}"
            " (source_id INTEGER PRIMARY KEY, id INTEGER NOT NULL)"
        )
        db.execute(f"DELETE FROM temp.merge_map_{table}")
        db.execute(
            f"INSERT INTO temp.merge_map_{table} (source_id, id) SELECT source_id, id"
            f" FROM main.{table} WHERE ({_unit_where(table)}) AND source_id IS NOT NULL",
            {"u": uid},
        )


def _insert_mapped(db: Store, source: _Source, columns: tuple[str, ...]) -> int:
    """Rows under the ids their records had (temp.merge_map_TABLE); new records after the largest."""
    table, schema = source.table, source.schema
    top = db.execute(
        f"SELECT max(coalesce((SELECT max(id) FROM main.{table}), 0),"
        f" coalesce((SELECT max(id) FROM temp.merge_map_{table}), 0))"
    ).fetchone()[0]
    db.execute(
        f"INSERT INTO temp.merge_map_{table} (source_id, id)"
        f" SELECT id, {top} + row_number() OVER (ORDER BY id) FROM {schema}.{table}"
        f" WHERE id NOT IN (SELECT source_id FROM temp.merge_map_{table})"
    )
    exprs = []
    for c in columns:
        if c == "id":
            exprs.append("m.id")
        elif c in _TARGETS[table] and c in source.have:
            exprs.append(f"(SELECT id FROM temp.merge_map_{_TARGETS[table][c]} WHERE source_id = t.{c})")
        else:
            exprs.append(source.value(c))
    return _insert(db, source, columns, exprs, f" JOIN temp.merge_map_{table} m ON m.source_id = t.id")


def _insert(db: Store, source: _Source, columns: tuple[str, ...], exprs: list[str], join: str = "") -> int:
    table = source.table
    cols = [*columns, "source_id"]
    exprs = [*exprs, "t.id"]
    if table in UNIT_OWNED:
        cols.append("unit_id")
        exprs.append(":u")
    where = f" WHERE {_kept(table, source.schema)}" if source.left else ""
    return db.execute(
        f"INSERT INTO main.{table} ({', '.join(cols)}) SELECT {', '.join(exprs)}"
        f" FROM {source.schema}.{table} t{join}{where} ORDER BY t.id",
        {"prefix": source.prefix, "u": source.uid},
    ).rowcount
