"""Merge as careful as import (issue 28): a unit file is input from elsewhere. What direct input
refuses is refused in a unit file too; the file type is checked before anything opens it; schema
objects aidtrack did not create are refused (merge, restore) or reported (doctor); the city file is
known by identity; what a re-merge removes from the city file is kept in the log."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Cli

TIMEOUT = 30  # a hang is a failure, not a stuck suite


def run(*args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aidtrack", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "AIDTRACK_LANG": "en"},
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def city(tmp_path: Path) -> Cli:
    c = Cli(tmp_path / "city.db")
    c("cadre", "add", "市干部", "--code", "C01")
    return c


@pytest.fixture
def unit(tmp_path: Path) -> Cli:
    u = Cli(tmp_path / "交通局.db")
    u("cadre", "add", "赵干部", "--code", "C01")
    u("household", "add", "钱某", "--code", "H01", "--enrolled", "2003-07-01")
    u("pair", "add", "C01", "H01", "--since", "2003-07-10")
    u("income", "add", "H01", "--month", "2004-01", "--amount", "300")
    u("visit", "add", "H01", "--date", "2003-08-01", "--situation", "在家")
    return u


def tamper(db: Path, sql: str, params=()) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("sql", "field"),
    [
        ("UPDATE income SET amount = 4000000000000000000", "amount"),
        ("UPDATE visits SET date = '9999-12-31'", "date"),
        ("UPDATE households SET name = '钱\x1b[31m某'", "name"),
        ("UPDATE households SET name = '钱\u202e某'", "name"),
        ("UPDATE visits SET situation = 'a\x1b]0;pwned\x07'", "situation"),
    ],
)
def test_merge_refuses_what_import_refuses(city, unit, sql, field):
    tamper(unit.db, sql)
    before = city.checksum()
    r = city("merge", str(unit.db), code=2)
    assert "beyond what import accepts" in r.stderr and f" {field} " in r.stderr, r.stderr
    assert "\x1b" not in r.stderr and "\u202e" not in r.stderr  # the value is shown escaped
    assert city.checksum() == before
    assert city.scalar("SELECT count(*) FROM households") == 0


def test_a_fifo_unit_file_is_refused_without_being_opened(city, tmp_path):
    fifo = tmp_path / "税务局.db"
    os.mkfifo(fifo)
    r = run("--db", str(city.db), "merge", str(fifo))
    assert r.returncode == 2 and "is not a file" in r.stderr, r.stderr


def test_doctor_refuses_a_fifo(tmp_path):
    fifo = tmp_path / "reg.db"
    os.mkfifo(fifo)
    r = run("--db", str(fifo), "doctor")
    assert r.returncode == 2 and "is not a regular file" in r.stderr, r.stderr


def test_a_hard_link_to_the_city_file_is_the_city_file(city, tmp_path):
    link = tmp_path / "民政局.db"
    os.link(city.db, link)
    r = city("merge", str(link), code=2)
    assert "is the city file itself" in r.stderr
    assert city.scalar("SELECT count(*) FROM cadres") == 1


def test_a_view_named_like_a_table_is_refused(city, unit):
    """`households` a VIEW over an endless recursive query: refused before it is read."""
    conn = sqlite3.connect(unit.db)
    conn.executescript(
        "PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = ON;"
        " ALTER TABLE households RENAME TO households_real;"
        " CREATE VIEW households AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)"
        " SELECT i AS id, 'H' || i AS code, 'x' AS name, NULL AS born, NULL AS id_number,"
        " NULL AS members, NULL AS address, NULL AS employer, NULL AS livelihood, NULL AS gender,"
        " NULL AS phone, NULL AS tags, NULL AS unit_id, NULL AS source_id FROM n;"
    )
    conn.close()
    r = run("--db", str(city.db), "merge", str(unit.db))
    assert r.returncode == 2 and "did not create" in r.stderr and "view households" in r.stderr, r.stderr


TRIGGER = "CREATE TRIGGER wipe AFTER INSERT ON audit BEGIN DELETE FROM audit; END"


def test_merge_refuses_a_trigger_aidtrack_did_not_create(city, unit):
    tamper(unit.db, TRIGGER)
    r = city("merge", str(unit.db), code=2)
    assert "did not create" in r.stderr and "trigger wipe" in r.stderr
    assert city.scalar("SELECT count(*) FROM households") == 0


def test_restore_refuses_and_doctor_reports_a_trigger_aidtrack_did_not_create(city, tmp_path):
    backup = tmp_path / "backup.db"
    city("backup", str(backup))
    tamper(backup, TRIGGER)
    r = city("restore", str(backup), "--yes", code=2)
    assert "did not create" in r.stderr and "trigger wipe" in r.stderr
    assert city.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'wipe'") == 0
    r = Cli(backup)("doctor", "--format", "json", code=1)
    bad = [f for f in json.loads(r.stdout) if not f["ok"]]
    assert any("trigger wipe" in f["detail"] for f in bad), bad


def test_doctor_finds_a_clean_register_clean(city):
    r = city("doctor", "--format", "json")
    assert all(f["ok"] for f in json.loads(r.stdout))


def test_remerge_keeps_what_it_removes_from_the_city_file_in_the_log(city, unit):
    city("merge", str(unit.db))
    city("visit", "add", "交通局/H01", "--date", "2003-09-01", "--situation", "市里走访记录")
    assert city.scalar("SELECT count(*) FROM visits") == 2
    unit("income", "add", "H01", "--month", "2004-02", "--amount", "310")
    r = city("merge", str(unit.db))
    assert "Removed: unit 交通局: 1 record(s)" in r.stderr, r.stderr
    assert city.scalar("SELECT count(*) FROM visits") == 1
    before = city.rows("SELECT before FROM audit WHERE action = 'delete' AND entity = 'visits'")
    assert len(before) == 1
    kept = json.loads(before[0][0])
    assert kept["situation"] == "市里走访记录" and kept["date"] == "2003-09-01"


def test_doctor_on_a_closed_wal_register_creates_nothing_beside_it(city, tmp_path):
    copy = tmp_path / "copy.db"
    city("backup", str(copy))
    tamper(copy, "PRAGMA journal_mode = WAL")
    assert not Path(f"{copy}-wal").exists()
    Cli(copy)("doctor", "--format", "json", ok=False)
    assert not Path(f"{copy}-wal").exists() and not Path(f"{copy}-shm").exists()


def test_restore_from_a_wal_mode_source_creates_nothing_beside_it(city, tmp_path):
    src = tmp_path / "src.db"
    city("backup", str(src))
    tamper(src, "PRAGMA journal_mode = WAL")
    city("restore", str(src), "--yes")
    assert not Path(f"{src}-wal").exists() and not Path(f"{src}-shm").exists()


def test_merge_of_a_wal_mode_unit_creates_nothing_beside_it(city, unit):
    tamper(unit.db, "PRAGMA journal_mode = WAL")
    assert not Path(f"{unit.db}-wal").exists()
    city("merge", str(unit.db))
    assert not Path(f"{unit.db}-wal").exists() and not Path(f"{unit.db}-shm").exists()
    assert city.scalar("SELECT count(*) FROM households") == 1


def test_the_glob_of_ranges_matches_exactly_the_characters_it_is_made_of():
    """merge_values writes the classes of refused characters as ranges: the same texts match as with
    every character listed (each code point up to U+3100 and the last block of the BMP)."""
    from aidtrack.ops.transfer.merge_values import _CONTROLS, glob_class
    from aidtrack.parse import INVISIBLE

    conn = sqlite3.connect(":memory:")
    for chars in (_CONTROLS, "".join(sorted(INVISIBLE))):
        listed, ranged = f"*[{chars}]*", glob_class(chars)
        assert len(ranged) < len(listed)
        texts = [
            f"户{chr(cp)}名"
            for cp in (*range(1, 0x3100), *range(0xFE00, 0x10000))
            if not 0xD800 <= cp < 0xE000
        ]
        got = conn.execute(
            "SELECT sum(t GLOB ?), sum((t GLOB ?) = (t GLOB ?)) FROM (SELECT value AS t FROM json_each(?))",
            [ranged, listed, ranged, json.dumps(texts)],
        ).fetchone()
        assert got == (len(chars), len(texts))
    conn.close()
