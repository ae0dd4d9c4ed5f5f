"""`aidtrack demo --out FILE`: where the demo writes, and the files it refuses to rebuild."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import Cli, file_digest


def raw(path: Path) -> tuple[bytes, bytes, bool]:
    """The file's bytes, its -wal's (b"" when absent: a read-only look may leave an empty one and a
    -shm, SQLite's index of the -wal), and whether a rollback journal is there."""

    def read(p: Path) -> bytes:
        return p.read_bytes() if p.exists() else b""

    return read(path), read(Path(f"{path}-wal")), Path(f"{path}-journal").exists()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str]:
    """One demo, built by the CLI from its own folder with a relative --out; its path and output."""
    import os

    folder = tmp_path_factory.mktemp("demo")
    before = Path.cwd()
    os.chdir(folder)
    try:
        result = Cli(folder / "unused.db").invoke(["demo", "--out", "demo.db"])
    finally:
        os.chdir(before)
    assert result.exit_code == 0, result.output
    file_digest(folder / "demo.db")  # checkpointed: a copy of the main file alone is the whole register
    return folder / "demo.db", result.stdout


def a_copy(built: tuple[Path, str], tmp_path: Path) -> Cli:
    path = tmp_path / "demo.db"
    shutil.copy(built[0], path)
    return Cli(path)


def test_the_demo_writes_where_out_says_and_prints_that_path_as_given(built):
    path, out = built
    lines = out.splitlines()
    assert lines[0] == "Demo register: demo.db"
    assert lines[1] == "Explore it:    aidtrack --db demo.db household list"
    assert "$ aidtrack --db demo.db report quarter 2004Q3" in lines
    assert "$ aidtrack --db demo.db check monitor --as-of 2004-10-15" in lines
    assert str(path.parent) not in out
    cli = Cli(path)
    # STORY.md: ten households, 148 visits; three audit entries, the demo's import of its bundle, its
    # cases_from (every status of the story is a decision with its case) and its records_until (the
    # story ends on 2004-09-30).
    assert cli.scalar("SELECT count(*) FROM households") == 10
    assert cli.scalar("SELECT count(*) FROM visits") == 148
    assert cli.rows("SELECT operator, action, entity FROM audit") == [
        ("demo", "import", "bundle"),
        ("demo", "set", "policy"),
        ("demo", "set", "policy"),
    ]
    assert not list(path.parent.glob("*.part"))


def test_the_demo_rebuilds_a_demo_it_wrote_before(built, tmp_path):
    cli = a_copy(built, tmp_path)
    import sqlite3

    conn = sqlite3.connect(cli.db)
    with conn:  # not through aidtrack: no audit entry, so still a demo
        conn.execute("DELETE FROM problems WHERE visit_id = 1")
        conn.execute("DELETE FROM visits WHERE id = 1")
    conn.close()
    assert cli.scalar("SELECT count(*) FROM visits") == 147
    result = cli.invoke(["demo", "--out", str(cli.db)])
    assert result.exit_code == 0, result.output
    assert cli.scalar("SELECT count(*) FROM visits") == 148
    assert cli.rows("SELECT operator, action FROM audit") == [
        ("demo", "import"),
        ("demo", "set"),
        ("demo", "set"),
    ]  # rebuilt, not appended


def test_a_register_with_a_clerks_records_is_refused_and_left_byte_identical(tmp_path):
    cli = Cli(tmp_path / "my_real.db")
    cli("--operator", "王会计", "cadre", "add", "吴振国", "--code", "C01")
    file_digest(cli.db)
    before = raw(cli.db)
    result = cli.invoke(["demo", "--out", str(cli.db)])
    assert result.exit_code == 2
    assert "changes by 王会计" in result.stderr and "Traceback" not in result.output
    assert raw(cli.db) == before
    assert cli.rows("SELECT code, name FROM cadres") == [("C01", "吴振国")]


def test_a_demo_someone_typed_into_is_no_longer_a_demo(built, tmp_path):
    cli = a_copy(built, tmp_path)
    cli("--operator", "王会计", "visit", "add", "H01", "--date", "2004-09-28", "--situation", "生活稳定")
    file_digest(cli.db)
    before = raw(cli.db)
    result = cli.invoke(["demo", "--out", str(cli.db)])
    assert result.exit_code == 2 and "changes by 王会计" in result.stderr
    assert raw(cli.db) == before
    assert cli.scalar("SELECT count(*) FROM visits") == 149


@pytest.mark.parametrize("kind", ["text", "empty file", "new register", "other sqlite", "folder"])
def test_a_file_that_is_not_a_demo_is_refused_untouched(tmp_path, kind):
    path = tmp_path / "target"
    cli = Cli(path)
    if kind == "text":
        path.write_text("household,date\nH01,2004-01-01\n", encoding="utf-8")
    elif kind == "empty file":
        path.write_bytes(b"")
    elif kind == "new register":
        cli("init")  # an aidtrack register with an empty audit log: not written by the demo
        file_digest(path)
    elif kind == "other sqlite":
        import sqlite3

        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE audit (operator TEXT)")
        conn.execute("INSERT INTO audit VALUES ('demo')")  # looks like a demo's log, but no migrations
        conn.commit()
        conn.close()
    else:
        path.mkdir()
    before = raw(path) if kind != "folder" else None
    result = cli.invoke(["demo", "--out", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: out: ") and len(result.stderr.strip().splitlines()) == 1
    if kind == "folder":
        assert path.is_dir() and not list(path.iterdir())
    else:
        assert raw(path) == before
    assert not list(tmp_path.glob("*.part"))


def test_the_users_register_is_refused_by_the_output_guard(built, tmp_path):
    cli = a_copy(built, tmp_path)  # even a demo file, when it is the register this call names
    before = raw(cli.db)
    result = cli.invoke(["--db", str(cli.db), "demo", "--out", str(cli.db)])
    assert result.exit_code == 2 and "is the register itself" in result.stderr
    result = cli.invoke(["--db", str(cli.db), "demo", "--out", f"{cli.db}-wal"])
    assert result.exit_code == 2 and "is the register itself" in result.stderr
    assert raw(cli.db) == before


def test_a_failed_rebuild_leaves_the_previous_demo(built, tmp_path, monkeypatch):
    from aidtrack.model import AidtrackError
    from aidtrack.ops.transfer import importer

    def broken(db, folder):
        db.execute("CREATE TABLE half_built (x)")
        raise AidtrackError("file", str(folder), "cannot be read")

    cli = a_copy(built, tmp_path)
    before = raw(cli.db)
    monkeypatch.setattr(importer, "import_bundle", broken)
    result = cli.invoke(["demo", "--out", str(cli.db)])
    assert result.exit_code == 2 and "file: cannot be read" in result.stderr
    assert raw(cli.db) == before
    assert not [p.name for p in tmp_path.iterdir() if not p.name.startswith("demo.db")]  # no temp file
