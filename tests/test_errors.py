"""Every error class: exit status 2, one line on stderr naming the field and value, file unchanged."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"

BAD_CALLS = [
    # (arguments, text the one line must contain)
    (["visit", "add", "H99", "--date", "2004-01-05"], "household"),
    (["visit", "add", "H01", "--date", "2004-02-30"], "2004-02-30"),
    (["visit", "add", "H01", "--date", "2003-07-01"], "outside every pairing"),
    (["visit", "add", "H01", "--date", "2004-01-05", "--kind", "chat"], "kind"),
    (["visit", "add", "H01", "--date", "2004-01-05", "--event", "flood"], "event"),
    (["visit", "add", "H01", "--date", "2004-01-05", "--cadre", "C02"], "cadre"),
    (["visit", "add", "H01", "--date", "2004-01-05", "--escalate"], "escalate"),
    (["income", "add", "H01", "--month", "2004-13", "--amount", "5"], "month"),
    (["income", "add", "H01", "--month", "2004-01", "--amount", "1e9"], "amount"),
    (["income", "add", "H01", "--month", "2004-01", "--amount", "-5"], "amount"),
    (["income", "add", "H01", "--month", "2004-01", "--amount", "NaN"], "amount"),
    (["income", "add", "H01", "--month", "2004-01", "--amount", "650.505"], "amount"),
    (["income", "add", "H01", "--month", "2004-01"], "amount: is required"),
    (["aid", "add", "H01", "--kind", "cash", "--value", "5", "--date", "2004-01-05"], "kind"),
    (["pair", "add", "C02", "H01", "--since", "2004-01-01"], "pair end"),
    (["pair", "add", "C09", "H02", "--since", "2004-01-01"], "cadre"),
    (["pair", "end", "H02"], "no active pairing"),
    (["household", "add", "王", "--members", "0"], "members"),
    (["household", "add", "王", "--gender", "x"], "gender"),
    (["household", "add", "王", "--born", "1950-02-29"], "born"),
    (["household", "add", "王", "--code", "H01"], "already used"),
    (["household", "status", "H01", "--set", "rich"], "status"),
    (["household", "show", "张三"], "no household"),
    (["visit", "list", "--quarter", "2004Q5"], "2004Q5"),
    (["cadre", "list", "--format", "xml"], "format"),
    (["problem", "resolve", "99", "--note", "x"], "id"),
    (["income", "edit", "abc", "--amount", "5"], "id"),
    (["policy", "set", "poverty_line", "abc"], "poverty_line"),
    (["policy", "set", "speed", "1"], "key"),
    (["cadre", "add", "a\x01b"], "control character"),
]


@pytest.fixture
def register(cli):
    cli("cadre", "add", "吴局长", "--code", "C01")
    cli("cadre", "add", "李科长", "--code", "C02")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2003-07-01")
    cli("household", "add", "王大", "--code", "H02", "--enrolled", "2003-07-01")
    cli("household", "add", "王大", "--code", "H03", "--enrolled", "2003-07-01")
    cli("pair", "add", "C01", "H01", "--since", "2003-07-10")
    return cli


@pytest.mark.parametrize("args,needle", BAD_CALLS, ids=[" ".join(a) for a, _ in BAD_CALLS])
def test_bad_call_exits_2_with_one_line(register, args, needle):
    before = register.checksum()
    r = register(*args, code=2)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
    assert needle in lines[0]
    assert "Traceback" not in r.output
    assert register.checksum() == before


def test_ambiguous_name_lists_candidates(register):
    r = register("visit", "add", "王大", "--date", "today", code=2)
    assert "H02" in r.stderr and "H03" in r.stderr


def test_not_a_database(tmp_path, cli):
    bad = tmp_path / "notes.db"
    bad.write_text("这不是数据库\n" * 100)
    r = cli.invoke(["--db", str(bad), "cadre", "list"])
    assert r.exit_code == 2 and "not a database" in r.stderr
    assert bad.read_text() == "这不是数据库\n" * 100


def test_foreign_database_refused(tmp_path, cli):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    cli.db = other
    r = cli("cadre", "list", code=2)
    assert "not an aidtrack register" in r.stderr


def test_newer_database_refused(tmp_path, cli):
    cli("init")
    conn = sqlite3.connect(cli.db)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('aidtrack', '9999_from_the_future', 'x')"
    )
    conn.commit()
    conn.close()
    before = cli.checksum()
    r = cli("cadre", "list", code=2)
    assert "newer aidtrack" in r.stderr
    assert cli.checksum() == before


def test_first_version_file_opens_and_keeps_records(tmp_path, cli):
    """tests/data/v1.db was made by the first version: every later version must open it."""
    shutil.copy(DATA / "v1.db", tmp_path / "old.db")
    cli.db = tmp_path / "old.db"
    import json

    visits = json.loads(cli("visit", "list", "--format", "json").stdout)
    assert [(v["household"], v["date"], v["kind"]) for v in visits] == [("H01", "2003-07-10", "initial")]
    aid = json.loads(cli("aid", "list", "--format", "json").stdout)
    assert aid[0]["value"] == 700.0 and aid[0]["giver"] == "C01"
    cli("visit", "add", "H01", "--date", "2003-08-01")
    assert cli.scalar("SELECT count(*) FROM visits") == 2


def test_usage_errors_are_one_line_from_the_console_script(tmp_path):
    """Typer's own errors (unknown option, missing argument) through the real `aidtrack` entry point."""
    import subprocess
    import sys

    for args, needle in (
        (["policy", "set", "poverty_line", "-1"], "-1"),
        (["visit", "add"], "HOUSEHOLD"),
        (["cadre", "frobnicate"], "frobnicate"),
    ):
        r = subprocess.run(
            [sys.executable, "-m", "aidtrack", "--db", str(tmp_path / "x.db"), *args],
            capture_output=True,
            text=True,
        )
        assert r.returncode == 2, r
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], r.stderr
