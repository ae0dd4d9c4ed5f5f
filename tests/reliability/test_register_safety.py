"""The register itself: no command may destroy, alter or misreport it (issue 19).

Output paths that resolve to the register, a missing register a typo names, a foreign or newer
file merely opened, backups that a full disk or a read-only stick would spoil: each is refused
with one line and exit 2, and every file involved is byte-for-byte what it was.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from conftest import Cli


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_of(folder: Path) -> dict[str, str]:
    """Every file in FOLDER with its digest: equal before and after means nothing was touched."""
    return {p.name: digest(p) for p in sorted(folder.iterdir()) if p.is_file() and not p.is_symlink()}


def one_error_line(r) -> str:
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr[:500]
    assert "Traceback" not in r.output
    return lines[0]


@pytest.fixture
def reg(cli: Cli) -> Cli:
    cli("cadre", "add", "吴局长", "--code", "C01")
    cli(
        "household",
        "add",
        "刘香福",
        "--code",
        "H01",
        "--enrolled",
        "2003-07-01",
        "--id-number",
        "110101195001011239",
    )
    cli("pair", "add", "C01", "H01", "--since", "2003-07-10")
    conn = sqlite3.connect(cli.db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return cli


# -- Output paths ---------------------------------------------------------------------------------


def private_full(folder: Path) -> Path:
    """A character device like /dev/full, made in the test's folder: a buggy build that replaced it
    by a rename would otherwise replace the machine's own /dev/full."""
    dev = folder / "full"
    if not dev.exists():
        try:
            os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        except PermissionError:
            pytest.skip("making a device node needs root")
    return dev


def _targets(db: Path) -> dict[str, Path]:
    link = db.parent / "link.db"
    if not link.exists():
        link.symlink_to(db.name)
    hard = db.parent / "hard.db"
    if not hard.exists():
        os.link(db, hard)
    return {
        "register": db,
        "symlink": link,
        "hard link": hard,
        "wal": db.with_name(db.name + "-wal"),
        "shm": db.with_name(db.name + "-shm"),
        "journal": db.with_name(db.name + "-journal"),
        "device": private_full(db.parent.parent),
        "directory": db.parent,
    }


OUT_COMMANDS = {
    "report household html": ["report", "household", "H01", "--format", "html", "--out"],
    "report household markdown": ["report", "household", "H01", "--format", "markdown", "--out"],
    "report quarter csv": ["report", "quarter", "2004Q1", "--format", "csv", "--out"],
    "export csv": ["export", "cadres", "--format", "csv", "--out"],
    "export json": ["export", "households", "--format", "json", "--out"],
    "backup": ["backup", "--force"],
}


@pytest.mark.parametrize(
    "target", ["register", "symlink", "hard link", "wal", "shm", "journal", "device", "directory"]
)
@pytest.mark.parametrize("command", list(OUT_COMMANDS))
def test_output_never_lands_on_the_register(reg, command, target):
    dest = _targets(reg.db)[target]
    before = files_of(reg.db.parent)
    r = reg(*OUT_COMMANDS[command], str(dest), code=2)
    one_error_line(r)
    assert files_of(reg.db.parent) == before
    assert not any(p.name.endswith(".part") for p in reg.db.parent.iterdir())


def test_export_all_into_the_registers_companions_is_refused(reg):
    folder = reg.db.parent / "bundle"
    folder.mkdir()
    (folder / "cadres.csv").symlink_to(reg.db)
    before = digest(reg.db)
    one_error_line(reg("export", "all", "--out", str(folder), code=2))
    assert digest(reg.db) == before


def test_export_all_into_a_device_is_refused(reg, tmp_path):
    one_error_line(reg("export", "all", "--out", str(private_full(tmp_path)), code=2))


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_every_written_file_is_private_whatever_the_umask(reg, tmp_path, umask):
    old = os.umask(umask)
    try:
        reg("report", "household", "H01", "--format", "markdown", "--out", str(tmp_path / "r.md"))
        reg("export", "households", "--out", str(tmp_path / "h.csv"))
        reg("export", "all", "--out", str(tmp_path / "a" / "b"))
        reg("backup", str(tmp_path / "copy.db"))
    finally:
        os.umask(old)
    for name in ("r.md", "h.csv", "copy.db", "a/b/cadres.csv"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    for name in ("a", "a/b"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o700, name


def test_report_out_over_an_old_public_file_leaves_it_private(reg, tmp_path):
    """An existing 0644 report is replaced by a new 0600 file (it holds ID numbers)."""
    old = tmp_path / "r.md"
    old.write_text("old report")
    old.chmod(0o644)
    reg("report", "household", "H01", "--format", "markdown", "--out", str(old))
    assert "刘香福" in old.read_text()
    assert stat.S_IMODE(old.stat().st_mode) == 0o600


# -- Missing register -----------------------------------------------------------------------------

READERS = [
    ["household", "list"],
    ["cadre", "list"],
    ["visit", "list"],
    ["income", "list"],
    ["aid", "list"],
    ["pair", "list"],
    ["problem", "list"],
    ["household", "show", "H01"],
    ["report", "quarter", "2004Q1"],
    ["report", "cadres", "2004"],
    ["report", "grid", "2004"],
    ["report", "outcomes"],
    ["report", "household", "H01"],
    ["check", "relapse"],
    ["check", "visits"],
    ["check"],
    ["export", "cadres"],
    ["export", "all", "--out", "OUT"],
    ["log"],
    ["policy", "show"],
    ["doctor"],
    ["backup", "OUT/copy.db"],
]


@pytest.mark.parametrize("args", READERS, ids=[" ".join(a) for a in READERS])
@pytest.mark.parametrize("where", ["typo.db", "no/such/folder/typo.db"])
def test_a_reader_refuses_a_missing_register_and_creates_nothing(tmp_path, args, where):
    work = tmp_path / "work"
    work.mkdir()
    db = work / where
    cli = Cli(db)
    args = [str(work / "out" / a[4:]) if a.startswith("OUT") else a for a in args]
    r = cli(*args, code=2)
    line = one_error_line(r)
    assert str(db) in line and "does not exist" in line
    assert sorted(p.name for p in work.iterdir()) == []


def test_a_cron_check_on_a_typo_is_never_blind(tmp_path):
    cli = Cli(tmp_path / "typo.db")
    cli("check", "relapse", code=2)
    cli("check", "relapse", code=2)  # still refused: the first call left nothing behind
    assert not (tmp_path / "typo.db").exists()


def test_init_and_writers_still_create(tmp_path):
    Cli(tmp_path / "a" / "new.db")("init")
    Cli(tmp_path / "b.db")("cadre", "add", "吴局长")
    assert (tmp_path / "a" / "new.db").exists() and (tmp_path / "b.db").exists()
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700


def test_an_empty_file_is_not_a_register_to_readers(tmp_path):
    db = tmp_path / "empty.db"
    db.write_bytes(b"")
    one_error_line(Cli(db)("household", "list", code=2))
    assert db.read_bytes() == b""


# -- Identify before touching ---------------------------------------------------------------------


def _foreign(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO photos (name) VALUES ('holiday')")
    conn.commit()
    conn.close()
    return path


def _newer(reg: Cli, path: Path) -> Path:
    reg("backup", str(path))
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('aidtrack', '0099_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize(
    "args",
    [["household", "list"], ["cadre", "add", "王五"], ["init"], ["report", "quarter", "2004Q1"], ["log"]],
)
@pytest.mark.parametrize("kind", ["foreign", "newer"])
def test_a_foreign_or_newer_file_is_never_modified(reg, tmp_path, kind, args):
    folder = tmp_path / "other"
    folder.mkdir()
    path = _foreign(folder / "x.db") if kind == "foreign" else _newer(reg, folder / "x.db")
    before = files_of(folder)
    one_error_line(Cli(path)(*args, code=2))
    assert files_of(folder) == before  # no -wal, no -shm, not a byte changed (still rollback mode)


@pytest.mark.parametrize("kind", ["foreign", "newer"])
def test_a_refused_restore_source_is_never_modified(reg, tmp_path, kind):
    folder = tmp_path / "usb"
    folder.mkdir()
    path = _foreign(folder / "x.db") if kind == "foreign" else _newer(reg, folder / "x.db")
    before, register = files_of(folder), digest(reg.db)
    one_error_line(reg("restore", str(path), "--yes", code=2))
    assert files_of(folder) == before and digest(reg.db) == register


def test_a_good_restore_source_is_only_read(reg, tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    reg("backup", str(folder / "copy.db"))
    before = files_of(folder)
    reg("restore", str(folder / "copy.db"), "--yes")
    assert files_of(folder) == before


def test_doctor_writes_nothing_and_sees_the_journal_mode(reg, tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    reg("backup", str(folder / "copy.db"))
    before = files_of(folder)
    r = Cli(folder / "copy.db")("doctor", "--format", "json", code=1)
    assert '"journal mode is delete"' in r.stdout
    assert files_of(folder) == before


def test_a_backup_is_in_rollback_mode(reg, tmp_path):
    reg("backup", str(tmp_path / "copy.db"))
    assert (tmp_path / "copy.db").read_bytes()[18:20] == b"\x01\x01"  # legacy (rollback) read/write


def test_a_register_in_a_read_only_folder_can_be_read(reg, tmp_path, monkeypatch):
    """Read-only media: a reader falls back to a connection that cannot write (root ignores chmod,
    so the folder's refusal is simulated where aidtrack asks for it)."""
    from aidtrack.store import db as store_db

    folder = tmp_path / "usb"
    folder.mkdir()
    reg("backup", str(folder / "copy.db"))
    before = files_of(folder)
    monkeypatch.setattr(store_db, "_writable", lambda path: False)
    cli = Cli(folder / "copy.db")
    assert "刘香福" in cli("household", "list").stdout
    cli("report", "quarter", "2003Q3")
    assert files_of(folder) == before


# -- Backups --------------------------------------------------------------------------------------


def test_a_failed_backup_leaves_no_dud(reg, tmp_path, monkeypatch):
    """A kill or a full disk during the copy leaves no file at DEST, so the retry is not blocked."""
    import aidtrack.store.db as store_db

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_db.os, "fsync", boom)
    one_error_line(reg("backup", str(tmp_path / "copy.db"), code=2))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("copy", ".copy"))) == []
    monkeypatch.undo()
    reg("backup", str(tmp_path / "copy.db"))


def test_backup_force_replaces_only_a_file(reg, tmp_path):
    old = tmp_path / "copy.db"
    old.write_text("old")
    reg("backup", str(old), "--force")
    assert old.read_bytes().startswith(b"SQLite format 3")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    one_error_line(reg("backup", str(fifo), "--force", code=2))
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


# -- doctor on an older file -----------------------------------------------------------------------


def test_doctor_reports_an_id_number_in_two_households(reg):
    reg("household", "add", "满运良", "--code", "H02", "--enrolled", "2003-07-01")
    conn = sqlite3.connect(reg.db)  # an older file, written before the validator refused it
    # the same person: H01's number in its 15-digit first-generation form (doctor compares them as one)
    conn.execute("UPDATE households SET id_number = '110101500101123' WHERE code = 'H02'")
    conn.commit()
    conn.close()
    r = reg("doctor", "--format", "json", code=1)
    assert "H01, H02" in r.stdout and "1239" in r.stdout and "110101195001011239" not in r.stdout


def test_a_read_only_folder_without_shm_reads_immutable_unless_a_wal_is_pending(reg, tmp_path, monkeypatch):
    """No -shm can be made on read-only media: a clean file is read immutable; a file with writes
    still in its -wal is refused (immutable would silently read it without them)."""
    from aidtrack.store import db as store_db

    real = sqlite3.connect

    def connect(target, *args, **kw):
        if "mode=ro" in str(target) and "immutable" not in str(target):
            raise sqlite3.OperationalError("unable to open database file")
        return real(target, *args, **kw)

    folder = tmp_path / "usb"
    folder.mkdir()
    reg("backup", str(folder / "copy.db"))
    monkeypatch.setattr(store_db.sqlite3, "connect", connect)
    monkeypatch.setattr(store_db, "_writable", lambda path: False)
    monkeypatch.setattr(store_db, "_folder_writable", lambda folder: False)
    before = files_of(folder)
    assert "刘香福" in Cli(folder / "copy.db")("household", "list").stdout
    assert files_of(folder) == before
    writer = real(reg.db)
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("UPDATE households SET address = '道外区'")
        writer.commit()
        r = Cli(reg.db)("household", "list", code=2)
        assert "-wal" in one_error_line(r)
    finally:
        writer.close()
