"""Backups, restores, doctor, and the 0600 rule for every file that holds personal data."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_backup_is_private_and_complete(story, tmp_path):
    story("visit", "add", "H01", "--date", "2003-08-01")
    dest = tmp_path / "copy.db"
    story("backup", str(dest))
    assert mode(dest) == 0o600
    conn = sqlite3.connect(dest)
    assert conn.execute("SELECT count(*) FROM visits").fetchone()[0] == 1
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    r = story("backup", str(dest), code=2)
    assert "--force" in r.stderr


def test_backup_while_another_process_writes(story, tmp_path):
    """The copy is a consistent snapshot: its visits all have their problem (written in one transaction).

    The backups are taken while the writer is between its first and its last write (each copy holds
    some visits, the file ends with more than any copy), so they really raced the writes.
    """
    stop = tmp_path / "stop"
    writer = textwrap.dedent(f"""
        import datetime as dt, os, sys
        from aidtrack.cli.main import command_tree
        cmd = command_tree()
        for i in range(1000):
            day = (dt.date(2004, 1, 1) + dt.timedelta(days=i)).isoformat()
            cmd.main(["--db", {str(story.db)!r}, "visit", "add", "H01", "--date", day, "--problem", "p"],
                     prog_name="aidtrack", standalone_mode=False)
            if i == 0:
                print("writing", file=sys.stderr, flush=True)  # stdout has the new visits' ids
            if os.path.exists({str(stop)!r}):
                break
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", writer], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr.readline() == "writing\n"
    copies = []
    for n in range(3):
        dest = tmp_path / f"b{n}.db"
        story("backup", str(dest))
        copies.append(dest)
    stop.touch()
    err = proc.communicate(timeout=120)[1]
    assert proc.returncode == 0, err
    seen = []
    for dest in copies:
        conn = sqlite3.connect(dest)
        visits, problems = conn.execute(
            "SELECT (SELECT count(*) FROM visits), (SELECT count(*) FROM problems)"
        ).fetchone()
        assert visits == problems
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        seen.append(visits)
    assert min(seen) >= 1 and max(seen) < story.scalar("SELECT count(*) FROM visits"), seen


def test_restore_checks_source_and_keeps_replaced_file(story, tmp_path):
    dest = tmp_path / "copy.db"
    story("backup", str(dest))
    story("visit", "add", "H01", "--date", "2003-08-01")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 50)
    before = story.checksum()
    r = story("restore", str(garbage), "--yes", code=2)
    assert "not a database" in r.stderr and story.checksum() == before
    r = story("--operator", "王会计", "restore", str(dest), "--yes")
    assert r.stdout == "" and r.stderr.startswith("Restored ")  # messages on stderr, like every command
    assert story.scalar("SELECT count(*) FROM visits") == 0
    # the restore is in the restored register's audit log: who, from where
    assert story.rows(
        "SELECT operator, action, json_extract(after, '$.from') FROM audit ORDER BY id DESC LIMIT 1"
    ) == [("王会计", "restore", str(dest))]
    kept = [p for p in tmp_path.iterdir() if ".replaced-" in p.name]
    assert len(kept) == 1 and mode(kept[0]) == 0o600
    conn = sqlite3.connect(kept[0])
    assert conn.execute("SELECT count(*) FROM visits").fetchone()[0] == 1


def test_doctor_clean_then_finds_broken_invariants(story):
    story("visit", "add", "H01", "--date", "2003-08-01")
    r = story("doctor", "--format", "json")
    assert all(f["ok"] for f in json.loads(r.stdout))
    conn = sqlite3.connect(story.db)
    conn.execute("UPDATE visits SET date = '2003-01-01'")  # before its pairing began
    conn.commit()
    conn.close()
    r = story("doctor", "--format", "json", code=1)
    bad = {f["check"]: f["detail"] for f in json.loads(r.stdout) if not f["ok"]}
    assert set(bad) == {"visits inside their pairing"}
    assert "2003-01-01" in bad["visits inside their pairing"]


def test_doctor_reports_loose_permissions(story):
    os.chmod(story.db, 0o644)
    r = story("doctor", "--format", "json", code=1)
    bad = [f["check"] for f in json.loads(r.stdout) if not f["ok"]]
    assert bad == ["file permissions 0600"]


def test_upgrading_migration_backs_up_the_old_file_first(tmp_path, monkeypatch):
    """A migration added in a later version: the file as it was is copied aside before it runs."""
    import shutil
    from pathlib import Path

    from aidtrack.store import db as store_db
    from aidtrack.store import open_store, schema

    old = tmp_path / "unit.db"
    shutil.copy(Path(__file__).parent.parent / "data" / "v1.db", old)
    open_store(old).close()  # today's migrations first: the test adds one from "tomorrow"
    tomorrow = schema._Migrations("aidtrack")
    for name, fn in schema.migrations._steps:
        tomorrow(name=name)(fn)
    tomorrow(name="0099_test_column")(lambda d: d.execute("ALTER TABLE cadres ADD COLUMN note TEXT"))
    monkeypatch.setattr(store_db, "migrations", tomorrow)
    monkeypatch.setattr(store_db, "KNOWN", [*schema.KNOWN, "0099_test_column"])
    db = open_store(old)
    assert "note" in db["cadres"].columns_dict
    backup = tmp_path / "unit.db.before-0099_test_column.bak"
    assert backup.exists() and mode(backup) == 0o600
    conn = sqlite3.connect(backup)
    assert "note" not in [r[1] for r in conn.execute("PRAGMA table_info(cadres)")]
    assert conn.execute("SELECT count(*) FROM visits").fetchone()[0] == 1


def test_the_migrations_table_is_named_as_sqlite_utils_names_it():
    """store.db reads the applied migrations without importing sqlite-utils, by the table's name."""
    from aidtrack.store.db import MIGRATIONS_TABLE
    from aidtrack.store.schema import migrations

    assert migrations.migrations_table == MIGRATIONS_TABLE
