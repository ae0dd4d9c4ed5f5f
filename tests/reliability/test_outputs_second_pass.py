"""Outputs and the terminal, second pass (issue 28): never write through a symbolic link; every path
echoed is escaped; a write that fails names its file."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys

import pytest

from conftest import Cli


@pytest.fixture
def reg(cli: Cli) -> Cli:
    cli("cadre", "add", "吴局长", "--code", "C01")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2003-07-01")
    cli("income", "add", "H01", "--month", "2004-01", "--amount", "300")
    return cli


def test_export_all_never_writes_through_a_planted_symlink(reg, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    (out / "income.csv").symlink_to(victim)
    r = reg("export", "all", "--out", str(out), code=2)
    assert "symbolic link" in r.stderr
    assert victim.read_text() == "keep me\n"


def test_export_to_a_symlinked_file_is_refused(reg, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    link = tmp_path / "cadres.csv"
    link.symlink_to(victim)
    reg("export", "cadres", "--out", str(link), code=2)
    assert victim.read_text() == "keep me\n"


def test_the_parquet_hand_off_refuses_a_symlinked_folder_inside_its_tree(reg, tmp_path):
    pytest.importorskip("pyarrow")
    elsewhere = tmp_path / "P"
    (elsewhere / "unit=__HIVE_DEFAULT_PARTITION__").mkdir(parents=True)
    (elsewhere / "unit=__HIVE_DEFAULT_PARTITION__" / "precious.db").write_text("keep me\n")
    out = tmp_path / "wh"
    out.mkdir()
    (out / "households").symlink_to(elsewhere, target_is_directory=True)
    r = reg("export", "all", "--format", "parquet", "--partition", "unit", "--out", str(out), code=2)
    assert "symbolic link" in r.stderr
    assert (elsewhere / "unit=__HIVE_DEFAULT_PARTITION__" / "precious.db").read_text() == "keep me\n"
    assert sorted(p.name for p in elsewhere.iterdir()) == ["unit=__HIVE_DEFAULT_PARTITION__"]


ESC = "\x1b[31m"


def test_init_echoes_its_path_escaped(tmp_path):
    cli = Cli(tmp_path / f"r{ESC}.db")
    r = cli("init")
    assert "\x1b" not in r.stdout and "\\x1b" in r.stdout


def test_restore_echoes_its_paths_escaped(reg, tmp_path):
    backup = tmp_path / f"b{ESC}.db"
    reg("backup", str(backup))
    r = reg("restore", str(backup), "--yes")
    assert "\x1b" not in r.stderr and "\\x1b" in r.stderr


def test_export_template_echoes_its_path_escaped(reg, tmp_path):
    r = reg("export", "template", "--out", str(tmp_path / f"t{ESC}.csv"))
    assert "\x1b" not in r.stderr and "\\x1b" in r.stderr


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 << 10, 256 << 10))


def test_a_full_disk_under_out_names_the_file(cli, tmp_path):
    """A file size limit stands in for a full disk: the write fails under --out, not on stdout."""
    f = tmp_path / "households.csv"
    rows = [f"H{i:04d},户主{i},{'长' * 400},2003-07-01" for i in range(1, 801)]
    f.write_text("code,name,address,enrolled\n" + "\n".join(rows) + "\n", encoding="utf-8")
    cli("import", "households", str(f))
    out = tmp_path / "big.csv"
    r = subprocess.run(
        [sys.executable, "-m", "aidtrack", "--db", str(cli.db), "export", "households", "--out", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "AIDTRACK_LANG": "en"},
        preexec_fn=_limit_file_size,
        timeout=60,
    )
    assert r.returncode == 2, r.stderr
    assert str(out) in r.stderr and "standard output" not in r.stderr, r.stderr
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".big.csv")]


def test_a_stored_name_with_a_line_break_cannot_forge_a_line_of_delete(reg):
    """A register written before names refused line breaks: its names are shown escaped."""
    import sqlite3

    conn = sqlite3.connect(reg.db)
    conn.execute("UPDATE cadres SET name = '吴局长' || char(10) || 'Error: forged' WHERE code = 'C01'")
    conn.commit()
    conn.close()
    r = reg("cadre", "delete", "C01", "--yes")
    assert not any(line.startswith("Error:") for line in r.stderr.splitlines()), r.stderr
    assert reg.scalar("SELECT count(*) FROM cadres") == 0
