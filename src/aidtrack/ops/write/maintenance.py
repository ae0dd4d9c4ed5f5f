"""Keeping the register safe: consistent backups, checked restores, and `doctor`'s health check."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
from pathlib import Path

from ... import parse
from ...i18n import N_, _
from ...model import AidtrackError
from ...store import Store, backup_to, open_store, schema_version
from ...store.files import guard_output, private_dir
from ...store.foreign import bounded, connect_untouched, foreign_objects, foreign_problem, regular_file
from ...store.schema import KNOWN, migrations

#: The programme's own invariants: each query lists the records that break it.
INVARIANTS: dict[str, tuple[str, str]] = {
    N_("one active pairing per household"): (
        "SELECT h.code || ' has overlapping pairings ' || a.id || ' and ' || b.id FROM pairings a"
        " JOIN pairings b ON a.household_id = b.household_id AND a.id < b.id"
        " AND a.since <= coalesce(b.until, '9999') AND b.since <= coalesce(a.until, '9999')"
        " JOIN households h ON h.id = a.household_id",
        "pairings",
    ),
    N_("visits inside their pairing"): (
        "SELECT 'visit ' || v.id || ' on ' || v.date || ' is outside pairing ' || p.id"
        " || ' (' || p.since || ' to ' || coalesce(p.until, 'now') || ')'"
        " FROM visits v JOIN pairings p ON p.id = v.pairing_id"
        " WHERE v.date < p.since OR (p.until IS NOT NULL AND v.date > p.until)",
        "visits",
    ),
    N_("no money below zero"): (
        "SELECT 'income ' || id || ' is ' || amount FROM income WHERE amount < 0"
        " UNION ALL SELECT 'aid ' || id || ' is ' || value FROM aid WHERE value < 0",
        "money",
    ),
    N_("money stored as whole fen"): (
        "SELECT 'income ' || id || ' holds ' || typeof(amount) FROM income"
        " WHERE typeof(amount) <> 'integer'"
        " UNION ALL SELECT 'aid ' || id || ' holds ' || typeof(value) FROM aid"
        " WHERE typeof(value) <> 'integer'",
        "money",
    ),
    N_("every household has a status"): (
        "SELECT h.code || ' has no status history' FROM households h"
        " WHERE NOT EXISTS (SELECT 1 FROM statuses s WHERE s.household_id = h.id)",
        "households",
    ),
    N_("problems resolved after they were raised"): (
        "SELECT 'problem ' || pr.id || ' resolved ' || pr.resolved_on || ' before its visit '"
        " || v.date FROM problems pr JOIN visits v ON v.id = pr.visit_id"
        " WHERE pr.resolved_on < v.date",
        "problems",
    ),
    N_("one household per ID number"): (
        "SELECT 'ID number ending ' || substr(k, -4) || ' is in ' || group_concat(code, ', ')"
        " FROM (SELECT aidtrack_idn(id_number) AS k, code FROM households"
        " WHERE id_number IS NOT NULL AND trim(id_number) <> '' ORDER BY code)"
        " GROUP BY k HAVING count(*) > 1",
        "households",
    ),
}


def doctor(path: Path) -> list[dict]:
    """Every check with ok/detail; opens the file without migrating it, and writes nothing."""
    findings: list[dict] = []

    def note(check: str, ok: bool, detail: str = "") -> None:
        findings.append({"check": check, "ok": ok, "detail": detail})

    st = regular_file(path)  # a FIFO is never opened
    mode = stat.S_IMODE(st.st_mode)
    note(N_("file permissions 0600"), mode & 0o077 == 0, _("mode is {mode}").format(mode=f"{mode:o}"))
    with path.open("rb") as f:
        header = f.read(20)
    try:
        conn = connect_untouched(path)
    except sqlite3.DatabaseError as e:
        raise AidtrackError(
            "db", str(path), _("is not a usable database ({error})").format(error=e)
        ) from None
    bounded(conn)
    conn.create_function("aidtrack_idn", 1, parse.id_key, deterministic=True)
    db = Store(conn, execute_plugins=False)
    try:
        foreign = foreign_objects(conn)
        note(
            N_("schema objects aidtrack created"),
            not foreign,
            _("not created by aidtrack: {objects}").format(objects=", ".join(foreign[:5]))
            + (" …" if len(foreign) > 5 else "")
            if foreign
            else "",
        )
        rows = [r[0] for r in db.execute("PRAGMA integrity_check")]
        note(N_("integrity"), rows == ["ok"], "" if rows == ["ok"] else "; ".join(rows[:5]))
        fk = db.execute("PRAGMA foreign_key_check").fetchall()
        note(
            N_("foreign keys"),
            not fk,
            "; ".join(
                _("{table} row {id} refers to a missing {parent}").format(table=t, id=rid, parent=parent)
                for t, rid, parent, _key in fk[:5]
            ),
        )
        applied = schema_version(db)
        pending = [m.name for m in migrations.pending(db)]
        unknown = [a for a in applied if a not in KNOWN]
        note(
            N_("schema version"),
            not pending and not unknown,
            # {n}: the layout's version where a migration's name means nothing (the Chinese screen)
            _("applied {name}").format(name=applied[-1] if applied else _("none"), n=len(applied))
            + (_("; pending {names}").format(names=", ".join(pending)) if pending else "")
            + (_("; from a newer aidtrack: {names}").format(names=", ".join(unknown)) if unknown else ""),
        )
        # from the header (bytes 18-19 are 2 in WAL mode): an immutable connection always says "delete"
        wal = header[18:20] == b"\x02\x02"
        journal = "wal" if wal else db.execute("PRAGMA journal_mode").fetchone()[0]
        note(N_("journal mode WAL"), journal == "wal", _("journal mode is {mode}").format(mode=journal))
        if not pending and not foreign:  # a foreign view named like a table is never run
            for name, (sql, _table) in INVARIANTS.items():
                bad = [r[0] for r in db.execute(sql + " LIMIT 6")]
                note(name, not bad, "; ".join(bad[:5]) + (" …" if len(bad) > 5 else ""))
    finally:
        db.close()
    return findings


def backup(db: Store, dest: str | Path, force: bool = False) -> Path:
    """A checked copy: DEST is never the register, a device or a folder; --force replaces only a file."""
    dest = guard_output(dest, db.path, "dest")
    if dest.exists() and not force:
        raise AidtrackError("dest", str(dest), _("exists already (use --force to replace it)"))
    if not dest.parent.is_dir():
        raise AidtrackError("dest", str(dest), _("is in a directory that does not exist"))
    return backup_to(db, dest, replace=force)


def check_source(src: Path) -> None:
    """Refuse to restore from anything but a sound aidtrack register this program can read, holding
    nothing aidtrack did not create (a trigger that empties the audit log would come with it)."""
    if not src.is_file():
        raise AidtrackError("src", str(src), _("is not a file"))
    try:
        conn = connect_untouched(src)
    except sqlite3.DatabaseError as e:
        raise AidtrackError(
            "src", str(src), _("is not a usable database ({error})").format(error=e)
        ) from None
    bounded(conn)
    candidate = Store(conn, execute_plugins=False)
    try:
        foreign = foreign_problem(conn)
        if foreign:
            raise AidtrackError("src", str(src), foreign)
        if [r[0] for r in candidate.execute("PRAGMA integrity_check")] != ["ok"]:
            raise AidtrackError("src", str(src), _("fails SQLite's integrity check"))
        applied = schema_version(candidate)
        if not applied:
            raise AidtrackError("src", str(src), _("is not an aidtrack register"))
        unknown = [a for a in applied if a not in KNOWN]
        if unknown:
            raise AidtrackError(
                "src", str(src), _("was written by a newer aidtrack ({name})").format(name=unknown[-1])
            )
    finally:
        candidate.close()


def restore(target: Path, src: str | Path, operator: str | None = None) -> Path | None:
    """Replace the register with a backup; the file it replaces is kept beside it. Returns that copy.

    The restore is audited in the restored register (who, from where, where the old file went).
    """
    src = Path(src)
    check_source(src)
    kept = None
    if target.exists():
        current = open_store(target, create=False, migrate=False, operator="restore")
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        try:
            kept = backup_to(current, target.with_name(f"{target.name}.replaced-{stamp}.bak"))
        finally:
            current.close()
    else:
        private_dir(target.parent)
        fd = os.open(target, os.O_CREAT | os.O_WRONLY, 0o600)
        os.fchmod(fd, 0o600)
        os.close(fd)
    source = connect_untouched(src)
    dest = sqlite3.connect(str(target), timeout=30)
    try:
        source.backup(dest)
    finally:
        source.close()
        dest.close()
    store = open_store(target, operator=operator)  # brings an older backup's schema up to date
    try:
        with store.write():
            store.audit(
                "restore", "register", None, None, {"from": str(src), "kept": str(kept) if kept else None}
            )
    finally:
        store.close()
    return kept


def purge_household(db: Store, code: str) -> int:
    """Erase a deleted household's personal data from the audit log; returns the entries cleared.

    The entries about the household (its adds, edits, statuses and deletion) and about its records
    (visits, income, aid … that name it), up to its deletion, keep when, who and what was done,
    but lose the values before and after. The purge itself is audited with the code only. A code
    in use is refused: delete the household first. A later household given the same code keeps
    its history (only entries up to the deletion are cleared).
    """
    code = (code or "").strip()
    if not code:
        raise AidtrackError("household", code, _("is required"))
    if db.execute("SELECT 1 FROM households WHERE code = ?", [code]).fetchone():
        raise AidtrackError("household", code, _("still exists: delete it first (household delete)"))
    row = db.execute(
        "SELECT max(id) FROM audit WHERE action = 'delete' AND entity = 'households' AND record = ?", [code]
    ).fetchone()
    if row[0] is None:
        raise AidtrackError("household", code, _("was never deleted from this register"))
    with db.write():
        cur = db.execute(
            "UPDATE audit SET before = NULL, after = NULL WHERE id <= ? AND (before IS NOT NULL OR after IS"
            " NOT NULL) AND ((entity = 'households' AND record = ?)"
            " OR json_extract(before, '$.household') = ? OR json_extract(after, '$.household') = ?)",
            [row[0], code, code, code],
        )
        n = cur.rowcount
        db.audit("purge", "households", code, None, None)
    return n
