"""Shared fixtures: run the CLI in-process against a fresh register and open it afterwards."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aidtrack.cli.main import app


class Cli:
    def __init__(self, db: Path):
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True, input: str | None = None, code: int | None = None):
        result = self.runner.invoke(app, ["--db", str(self.db), *args], prog_name="aidtrack",
                                    input=input)
        if code is not None:
            assert result.exit_code == code, (args, result.output, result.exception)
        elif ok:
            assert result.exit_code == 0, (args, result.output, result.exception)
        return result

    def rows(self, sql: str, params=()) -> list[tuple]:
        """Query the file directly, as a second program would."""
        conn = sqlite3.connect(self.db)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def scalar(self, sql: str, params=()):
        return self.rows(sql, params)[0][0]

    def checksum(self) -> str:
        """A digest of every user table's rows: equal before and after means nothing was written."""
        conn = sqlite3.connect(self.db)
        try:
            h = hashlib.sha256()
            tables = [r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
            for t in tables:
                h.update(t.encode())
                for row in conn.execute(f"SELECT * FROM [{t}] ORDER BY rowid"):
                    h.update(repr(row).encode())
            return h.hexdigest()
        finally:
            conn.close()


def public_records(path: Path) -> dict[str, list[dict]]:
    """Every record of every kind in its public shape, without ids: what a round trip must keep."""
    from aidtrack.kinds import KINDS
    from aidtrack.ops import records
    from aidtrack.store import open_store

    db = open_store(path)
    try:
        return {k: [{f: v for f, v in r.items() if f != "id"} for r in records.select(db, k)] for k in KINDS}
    finally:
        db.close()


def file_digest(path: Path) -> str:
    """The main file's bytes after a checkpoint: equal before and after means not a byte was written."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pytest_configure(config):
    """The suite asserts English texts: a Chinese locale (LANG=zh_CN.UTF-8) must not change them."""
    os.environ["AIDTRACK_LANG"] = "en"
    from aidtrack import i18n

    i18n.set_language("en")


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "unit.db")


@pytest.fixture
def story(cli: Cli) -> Cli:
    """A small register: two cadres, two households, pairings, a visit, income and aid."""
    cli("cadre", "add", "吴局长", "--code", "C01", "--title", "局长")
    cli("cadre", "add", "李副局长", "--code", "C02")
    cli("household", "add", "刘香福", "--code", "H01", "--members", "3", "--tag", "4050",
        "--livelihood", "transport", "--enrolled", "2003-07-01")
    cli("household", "add", "满运良", "--code", "H02", "--members", "2", "--enrolled", "2003-07-01")
    cli("pair", "add", "C01", "H01", "--since", "2003-07-10")
    cli("pair", "add", "C02", "H02", "--since", "2003-07-10")
    return cli
