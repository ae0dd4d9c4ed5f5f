"""Keeping the register safe: consistent backups, checked restores, and `doctor`'s health check."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
from pathlib import Path

from ..model import AidtrackError
from ..store import Store, backup_to, open_store, schema_version
from ..store.schema import KNOWN, migrations

#: The programme's own invariants: each query lists the records that break it.
INVARIANTS: dict[str, tuple[str, str]] = {
    "one active pairing per household": (
        "SELECT h.code || ' has overlapping pairings ' || a.id || ' and ' || b.id FROM pairings a"
        " JOIN pairings b ON a.household_id = b.household_id AND a.id < b.id"
        " AND a.since <= coalesce(b.until, '9999') AND b.since <= coalesce(a.until, '9999')"
        " JOIN households h ON h.id = a.household_id",
        "pairings",
    ),
    "visits inside their pairing": (
        "SELECT 'visit ' || v.id || ' on ' || v.date || ' is outside pairing ' || p.id"
        " || ' (' || p.since || ' to ' || coalesce(p.until, 'now') || ')'"
        " FROM visits v JOIN pairings p ON p.id = v.pairing_id"
        " WHERE v.date < p.since OR (p.until IS NOT NULL AND v.date > p.until)",
        "visits",
    ),
    "no money below zero": (
        "SELECT 'income ' || id || ' is ' || amount FROM income WHERE amount < 0"
        " UNION ALL SELECT 'aid ' || id || ' is ' || value FROM aid WHERE value < 0",
        "money",
    ),
    "money stored as whole fen": (
        "SELECT 'income ' || id || ' holds ' || typeof(amount) FROM income"
        " WHERE typeof(amount) <> 'integer'"
        " UNION ALL SELECT 'aid ' || id || ' holds ' || typeof(value) FROM aid"
        " WHERE typeof(value) <> 'integer'",
        "money",
    ),
    "every household has a status": (
        "SELECT h.code || ' has no status history' FROM households h"
        " WHERE NOT EXISTS (SELECT 1 FROM statuses s WHERE s.household_id = h.id)",
        "households",
    ),
    "problems resolved after they were raised": (
        "SELECT 'problem ' || pr.id || ' resolved ' || pr.resolved_on || ' before its visit '"
        " || v.date FROM problems pr JOIN visits v ON v.id = pr.visit_id"
        " WHERE pr.resolved_on < v.date",
        "problems",
    ),
}


def doctor(path: Path) -> list[dict]:
    """Every check with ok/detail; opens the file without migrating it, and writes nothing."""
    findings: list[dict] = []

    def note(check: str, ok: bool, detail: str = "") -> None:
        findings.append({"check": check, "ok": ok, "detail": detail})

    mode = stat.S_IMODE(os.stat(path).st_mode)
    note("file permissions 0600", mode & 0o077 == 0, f"mode is {mode:o}")
    db = open_store(path, create=False, migrate=False, operator="doctor")
    try:
        rows = [r[0] for r in db.execute("PRAGMA integrity_check")]
        note("integrity", rows == ["ok"], "; ".join(rows[:5]))
        fk = db.execute("PRAGMA foreign_key_check").fetchall()
        note("foreign keys", not fk,
             "; ".join(f"{t} row {rid} refers to a missing {parent}" for t, rid, parent, _ in fk[:5]))
        applied = schema_version(db)
        pending = [m.name for m in migrations.pending(db)]
        unknown = [a for a in applied if a not in KNOWN]
        note("schema version", not pending and not unknown,
             f"applied {applied[-1] if applied else 'none'}"
             + (f"; pending {', '.join(pending)}" if pending else "")
             + (f"; from a newer aidtrack: {', '.join(unknown)}" if unknown else ""))
        journal = db.execute("PRAGMA journal_mode").fetchone()[0]
        note("journal mode WAL", journal == "wal", f"journal mode is {journal}")
        if not pending:
            for name, (sql, _) in INVARIANTS.items():
                bad = [r[0] for r in db.execute(sql + " LIMIT 6")]
                note(name, not bad, "; ".join(bad[:5]) + (" …" if len(bad) > 5 else ""))
    finally:
        db.close()
    return findings


def backup(db: Store, dest: str | Path, force: bool = False) -> Path:
    dest = Path(dest)
    if dest.exists() and not force:
        raise AidtrackError("dest", str(dest), "exists already (use --force to replace it)")
    if dest.resolve() == Path(db.path).resolve():
        raise AidtrackError("dest", str(dest), "is the register itself")
    return backup_to(db, dest)


def check_source(src: Path) -> None:
    """Refuse to restore from anything but a sound aidtrack register this program can read."""
    if not src.is_file():
        raise AidtrackError("src", str(src), "is not a file")
    candidate = open_store(src, create=False, migrate=False, operator="restore")
    try:
        if [r[0] for r in candidate.execute("PRAGMA integrity_check")] != ["ok"]:
            raise AidtrackError("src", str(src), "fails SQLite's integrity check")
        applied = schema_version(candidate)
        if not applied:
            raise AidtrackError("src", str(src), "is not an aidtrack register")
        unknown = [a for a in applied if a not in KNOWN]
        if unknown:
            raise AidtrackError("src", str(src), f"was written by a newer aidtrack ({unknown[-1]})")
    finally:
        candidate.close()


def restore(target: Path, src: str | Path) -> Path | None:
    """Replace the register with a backup; the file it replaces is kept beside it. Returns that copy."""
    src = Path(src)
    check_source(src)
    kept = None
    if target.exists():
        current = open_store(target, create=False, migrate=False, operator="restore")
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        kept = backup_to(current, target.with_name(f"{target.name}.replaced-{stamp}.bak"))
        current.close()
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o600))
    source = sqlite3.connect(str(src))
    dest = sqlite3.connect(str(target), timeout=30)
    try:
        source.backup(dest)
    finally:
        source.close()
        dest.close()
    open_store(target).close()  # brings an older backup's schema up to date
    return kept
