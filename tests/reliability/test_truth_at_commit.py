"""The truth after a commit (issue 28): a Ctrl-C landing just as COMMIT returns, before the command
could count what it wrote, still says what was written; merge counts what its copier thread wrote."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Cli


class _InterruptAfterCommit(sqlite3.Connection):
    """A connection whose first COMMIT after a BEGIN IMMEDIATE commits, then raises Ctrl-C: the
    signal arriving as the COMMIT returns (Python raises it at the next bytecode)."""

    armed = False

    def execute(self, sql, *args):
        cursor = super().execute(sql, *args)
        if sql == "BEGIN IMMEDIATE":
            type(self).armed = True
        elif sql == "COMMIT" and type(self).armed:
            type(self).armed = False
            type(self).fired = True
            raise KeyboardInterrupt
        return cursor


@pytest.fixture
def interrupt_at_commit(monkeypatch):
    import aidtrack.store.db as store_db

    real = sqlite3.connect

    def connect(*args, **kwargs):
        return real(*args, factory=_InterruptAfterCommit, **kwargs)

    _InterruptAfterCommit.armed = _InterruptAfterCommit.fired = False
    monkeypatch.setattr(store_db.sqlite3, "connect", connect)
    yield
    monkeypatch.setattr(store_db.sqlite3, "connect", real)
    _InterruptAfterCommit.armed = False


@pytest.fixture
def reg(cli: Cli) -> Cli:
    cli("cadre", "add", "吴局长", "--code", "C01")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2003-07-01")
    return cli


def test_ctrl_c_as_the_import_commit_returns_says_what_was_written(reg, tmp_path, interrupt_at_commit):
    f = tmp_path / "income.csv"
    f.write_text("household,month,amount\nH01,2004-01,300\nH01,2004-02,310\nH01,2004-03,320\n")
    r = reg("import", "income", str(f), code=130)
    assert _InterruptAfterCommit.fired
    assert r.stderr.strip() == "Error: interrupted after the import was written (3 row(s))"
    assert reg.scalar("SELECT count(*) FROM income") == 3


def test_ctrl_c_as_an_add_commit_returns_says_it_was_written(reg, interrupt_at_commit):
    r = reg("cadre", "add", "王五", "--code", "C02", code=130)
    assert _InterruptAfterCommit.fired
    assert r.stderr.strip().startswith("Error: interrupted after the change was written")
    assert reg.scalar("SELECT count(*) FROM cadres WHERE code = 'C02'") == 1


def _unit(tmp_path: Path) -> Path:
    unit = Cli(tmp_path / "交通局.db")
    unit("cadre", "add", "赵干部", "--code", "C01")
    unit("household", "add", "钱某", "--code", "H01", "--enrolled", "2003-07-01")
    unit("pair", "add", "C01", "H01", "--since", "2003-07-10")
    return unit.db


def test_merge_counts_what_its_copier_wrote(reg, tmp_path, monkeypatch):
    """A Ctrl-C once the merge returned (printing its table): the copier thread's commit is counted."""
    import aidtrack.render

    unit = _unit(tmp_path)

    def interrupt(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(aidtrack.render, "emit", interrupt)
    r = reg("merge", str(unit), code=130)
    assert r.stderr.strip().startswith("Error: interrupted after the change was written"), r.stderr
    assert reg.scalar("SELECT count(*) FROM households WHERE code = '交通局/H01'") == 1


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_merge_on_a_full_stdout_exits_0_and_says_it_was_written(reg, tmp_path):
    unit = _unit(tmp_path)
    with open("/dev/full", "w") as full:
        r = subprocess.run(
            [sys.executable, "-m", "aidtrack", "--db", str(reg.db), "merge", str(unit)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "AIDTRACK_LANG": "en"},
        )
    assert r.returncode == 0, r.stderr
    assert "the change was written" in r.stderr and "Traceback" not in r.stderr
    assert reg.scalar("SELECT count(*) FROM households WHERE code = '交通局/H01'") == 1
