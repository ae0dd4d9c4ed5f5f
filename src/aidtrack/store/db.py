"""Opening the register file: permissions, pragmas, migrations, and the one way to write."""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from ..i18n import _
from ..model import AidtrackError
from .schema import KNOWN, migrations

SQLITE_HEADER = b"SQLite format 3\x00"


def default_path() -> Path:
    import platformdirs

    return platformdirs.user_data_path("aidtrack") / "aidtrack.db"


def default_operator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some containers
        return "unknown"


class Store(Database):
    """A sqlite-utils Database that knows who is writing and writes only through `write()`."""

    operator: str = "unknown"
    path: Path  # set by open_store (and by merge for its second connection)

    @contextlib.contextmanager
    def write(self) -> Iterator[Store]:
        """One transaction, taken with BEGIN IMMEDIATE.

        `atomic()` begins DEFERRED: a second clerk's read-then-write would then fail with
        "database is locked" instead of waiting out the busy timeout.
        """
        if self.conn.in_transaction:
            with self.atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        self.conn.execute("COMMIT")

    def audit(self, action: str, entity: str, record: str | None, before=None, after=None) -> None:
        self.execute(
            "INSERT INTO audit (at, operator, action, entity, record, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                self.operator,
                action,
                entity,
                record,
                None if before is None else json.dumps(before, ensure_ascii=False, default=str),
                None if after is None else json.dumps(after, ensure_ascii=False, default=str),
            ],
        )


def _create_private(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as e:
        raise AidtrackError("db", str(path), _("cannot be read: {error}").format(error=e.strerror)) from None
    if head and head != SQLITE_HEADER:
        raise AidtrackError("db", str(path), _("is not a database file"))


def open_store(
    path: str | Path | None = None,
    *,
    operator: str | None = None,
    create: bool = True,
    migrate: bool = True,
) -> Store:
    """Open (creating 0600 if asked) and bring the schema up to date; refuse a newer file."""
    path = Path(path) if path else default_path()
    if not path.exists():
        if not create:
            raise AidtrackError("db", str(path), _("does not exist (run `aidtrack init` first)"))
        _create_private(path)
    _check_header(path)
    try:
        conn = sqlite3.connect(str(path), timeout=30)
        store = Store(conn, execute_plugins=False)
        store.path = path
        store.operator = operator or default_operator()
        store.execute("PRAGMA busy_timeout = 30000")
        store.execute("PRAGMA foreign_keys = ON")
        if store.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            store.execute("PRAGMA journal_mode = WAL")
        store.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            _migrate(store, path)
    except sqlite3.DatabaseError as e:
        raise AidtrackError("db", str(path),
                            _("is not a usable database ({error})").format(error=e)) from None
    return store


def schema_version(db: Database) -> list[str]:
    return [m.name for m in migrations.applied(db)]


def _migrate(store: Store, path: Path) -> None:
    applied = schema_version(store)
    unknown = [name for name in applied if name not in KNOWN]
    if unknown:
        raise AidtrackError(
            "db", str(path), _("was written by a newer aidtrack (migration {name}); upgrade").format(
                name=unknown[-1])
        )
    if not applied and store.table_names():
        raise AidtrackError("db", str(path), _("is a database, but not an aidtrack register"))
    pending = migrations.pending(store)
    if not pending:
        return
    if applied:
        backup_to(store, path.with_name(f"{path.name}.before-{pending[0].name}.bak"))
    migrations.apply(store)


def backup_to(db: Database, dest: str | Path) -> Path:
    """A consistent copy through SQLite's online backup, created 0600."""
    dest = Path(dest)
    if dest.exists():
        dest.unlink()
    _create_private(dest)
    target = sqlite3.connect(str(dest))
    try:
        db.conn.backup(target)
    finally:
        target.close()
    return dest
