"""Shared fixtures: run the CLI in-process against a fresh register and open it afterwards."""

from __future__ import annotations

import functools
import hashlib
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result


@functools.cache
def command(lang: str) -> Any:
    """The CLI's command tree (`aidtrack.cli.main.command_tree()`), built once per interface language.

    Building it is most of the cost of an in-process call, so tests share one. The help of click's own
    options is translated when the tree is built, so the tree is built in the language the call asks
    for, as `aidtrack` itself decides it at start-up (`--lang`, else AIDTRACK_LANG, else the locale).
    """
    from aidtrack import i18n
    from aidtrack.cli.main import command_tree

    before = i18n.language()
    i18n.set_language(lang)
    try:
        return command_tree()
    finally:
        i18n.set_language(before)


def invoke(runner: CliRunner, args: Sequence[str], input: str | None = None) -> Result:
    """What `CliRunner.invoke(app, args)` does, with the shared command tree instead of one rebuilt from
    the Typer app on every call: the same isolation (streams, stdin, terminal width), the same Result.

    (`CliRunner.invoke` only takes a Typer app and rebuilds its command; `isolation` is its public half.)
    The process starts in the language the call would start in, as a fresh `aidtrack` process does.
    """
    from aidtrack import i18n
    from aidtrack.cli.main import hoisted

    args = hoisted(list(args))
    lang = i18n.detect(["aidtrack", *args])
    cmd = command(lang)
    i18n.set_language(lang)
    exit_code, exception, exc_info, value = 0, None, None, None
    with runner.isolation(input=input) as (stdout, stderr, output):
        try:
            value = cmd.main(args=list(args), prog_name="aidtrack")
        except SystemExit as e:
            exc_info = sys.exc_info()
            code = 0 if e.code is None else e.code
            if code != 0:
                exception = e
            if not isinstance(code, int):
                sys.stdout.write(f"{code}\n")
                code = 1
            exit_code = code
        except Exception as e:
            exception, exit_code, exc_info = e, 1, sys.exc_info()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            streams = stdout.getvalue(), stderr.getvalue(), output.getvalue()
    return Result(
        runner=runner,
        stdout_bytes=streams[0],
        stderr_bytes=streams[1],
        output_bytes=streams[2],
        return_value=value,
        exit_code=exit_code,
        exception=exception,
        exc_info=exc_info,
    )


class Cli:
    def __init__(self, db: Path):
        self.db = db
        self.runner = CliRunner()

    def invoke(self, args: Sequence[str], input: str | None = None) -> Result:
        """Run `aidtrack ARGS` in this process, without adding --db."""
        return invoke(self.runner, args, input=input)

    def __call__(self, *args: str, ok: bool = True, input: str | None = None, code: int | None = None):
        result = self.invoke(["--db", str(self.db), *args], input=input)
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
            tables = [
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
            ]
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
    from aidtrack.ops.write import records
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
    """The suite asserts English texts: a Chinese locale (LANG=zh_CN.UTF-8) must not change them.

    The registers of tmp_path live in memory (/dev/shm) where there is one, unless --basetemp or
    PYTEST_DEBUG_TEMPROOT says otherwise: SQLite's fsyncs on a busy shared disk took half the suite's
    time, and no test can observe them (a killed process leaves the file in the kernel's hands either way).
    """
    os.environ["AIDTRACK_LANG"] = "en"
    # captured output is 150 columns wide (render.console) unless COLUMNS says otherwise; a terminal's
    # COLUMNS (or the one pytest-xdist's workers inherit) must not change the texts the tests assert
    os.environ.pop("COLUMNS", None)
    from aidtrack import i18n

    i18n.set_language("en")
    shm = Path("/dev/shm")
    chosen = config.option.basetemp is not None or os.environ.get("PYTEST_DEBUG_TEMPROOT")
    if not chosen and os.access(shm, os.W_OK):
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(shm)


_TEMPLATES: dict[tuple[str, ...], Path] = {}


@pytest.fixture(autouse=True)
def _new_registers_from_a_template(monkeypatch, tmp_path_factory):
    """A brand-new register gets its schema as a copy of one this worker migrated for real.

    Creating a register applies every migration (about 50 ms); most of the suite's nine hundred
    tests start from one. Here the first new register of a worker is migrated by the real
    `_migrate` and kept as the template; every later new register (a file without tables) receives
    a copy of its pages (SQLite's backup) instead of the same migrations run again. Registers that
    hold anything (an older version being upgraded) go through the real `_migrate`, and so does a
    test that changes the migrations (the template is per list of them).
    """
    from aidtrack.store import db as store_db
    from aidtrack.store.schema import migrations

    real = store_db._migrate

    def migrate(store, path: Path) -> None:
        key = tuple(name for name, _fn in migrations._steps)
        new = not store.execute("SELECT 1 FROM sqlite_master").fetchone()
        if not new or key not in _TEMPLATES:
            real(store, path)
            if new and key not in _TEMPLATES and not store.conn.in_transaction:
                template = tmp_path_factory.mktemp("template") / "template.db"
                with sqlite3.connect(template) as out:
                    store.conn.backup(out)
                _TEMPLATES[key] = template
            return
        with sqlite3.connect(_TEMPLATES[key]) as src:
            src.backup(store.conn)

    monkeypatch.setattr(store_db, "_migrate", migrate)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "unit.db")


def copy_register(src: Path, cli: Cli) -> Cli:
    """CLI's register becomes a copy of SRC (SQLite's backup: every page, the WAL included)."""
    a, b = sqlite3.connect(src), sqlite3.connect(cli.db)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()
    return cli


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """The demo register (`aidtrack demo`), built once per test module."""
    from aidtrack.ops.transfer import demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    demo.build(path, operator="test").close()
    return path


@pytest.fixture
def demo(cli: Cli, demo_db: Path) -> Cli:
    """A test's own copy of the demo register, to change as it likes."""
    return copy_register(demo_db, cli)


@pytest.fixture
def story(cli: Cli) -> Cli:
    """A small register: two cadres, two households, pairings, a visit, income and aid."""
    cli("cadre", "add", "吴局长", "--code", "C01", "--title", "局长")
    cli("cadre", "add", "李副局长", "--code", "C02")
    cli(
        "household",
        "add",
        "刘香福",
        "--code",
        "H01",
        "--members",
        "3",
        "--tag",
        "4050",
        "--livelihood",
        "transport",
        "--enrolled",
        "2003-07-01",
    )
    cli("household", "add", "满运良", "--code", "H02", "--members", "2", "--enrolled", "2003-07-01")
    cli("pair", "add", "C01", "H01", "--since", "2003-07-10")
    cli("pair", "add", "C02", "H02", "--since", "2003-07-10")
    return cli


@pytest.fixture(autouse=True)
def _writers_declared(monkeypatch):
    """Every command that writes is declared so (`@command(app, writes=…)`): a command declared
    read-only that opens a write transaction fails the test it runs in."""
    from aidtrack.cli.common import state
    from aidtrack.store import db as store_db

    real = store_db.Store.write

    def write(self, *args, **kwargs):
        assert state.command is None or state.writes, (
            f"`{state.command}` writes but is not declared writes=True"
        )
        return real(self, *args, **kwargs)

    monkeypatch.setattr(store_db.Store, "write", write)
