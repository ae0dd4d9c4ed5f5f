"""Opening the register file: permissions, pragmas, migrations, and the one way to write."""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import _
from ..model import AidtrackError
from .schema import KNOWN, migrations

if TYPE_CHECKING:
    from sqlite_utils import Database

SQLITE_HEADER = b"SQLite format 3\x00"


def default_path() -> Path:
    import platformdirs

    return platformdirs.user_data_path("aidtrack") / "aidtrack.db"


def default_operator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some containers
        return "unknown"


#: Where sqlite-utils' Migrations record what was applied (read directly, as ops/transfer/merge.py does).
MIGRATIONS_TABLE = "_sqlite_migrations"
_CONTROL = ("BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE")


class Store:
    """The register: a connection that knows who is writing and writes only through `write()`.

    It behaves as a sqlite-utils Database on the same connection (anything not defined here is
    that Database's), but sqlite-utils is imported only when first needed (migrations, bulk writes,
    `db[table]`): a one-row command such as `visit add` does not pay for it.
    """

    operator: str = "unknown"
    path: Path  # set by open_store (and by merge for its second connection)
    #: Rows changed by the transactions committed through `write()` (the CLI's truth after commit).
    committed_rows: int = 0
    _audited: int = 0
    #: The records (an import's added + replaced) the open transaction writes if it commits, set by
    #: the writer just before it ends; counted into `written_records` with the COMMIT.
    staged_records: int | None = None
    #: The records committed imports wrote (None: no import committed).
    written_records: int | None = None
    #: Set by a command given --redact: messages (a reference's "did you mean" hint) mask names too.
    redact: bool = False

    def __init__(self, conn: sqlite3.Connection, execute_plugins: bool = False):
        """`execute_plugins` as sqlite-utils' Database takes it (never used: no plugins run here)."""
        self.conn = conn
        self._utils: Database | None = None
        #: Read-only facts computed once per command (ops.rules.facts.memo); emptied by every write.
        self.facts: dict[Any, Any] = {}
        conn.execute("PRAGMA recursive_triggers = ON")  # as sqlite-utils sets it

    @property
    def utils(self) -> Database:
        """sqlite-utils' Database on this connection, made on first use."""
        if self._utils is None:
            from sqlite_utils import Database

            self._utils = Database(self.conn, execute_plugins=False)
        return self._utils

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.utils, name)

    def __getitem__(self, name: str) -> Any:
        return self.utils[name]

    def execute(self, sql: str, parameters: Any = None) -> sqlite3.Cursor:
        """sqlite-utils' execute: a write outside a transaction is committed at once; a failed one
        leaves no transaction open."""
        was_in = self.conn.in_transaction
        try:
            cursor = self.conn.execute(sql) if parameters is None else self.conn.execute(sql, parameters)
        except Exception:
            if not was_in and self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        if (
            not was_in
            and self.conn.in_transaction
            and cursor.description is None
            and not sql.lstrip(" \t\r\n;\ufeff").upper().startswith(_CONTROL)
        ):
            self.conn.execute("COMMIT")
        return cursor

    def query(self, sql: str, params: Any = None) -> Iterator[dict[str, Any]]:
        cursor = self.execute(sql, params)
        keys = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(keys, row))

    def close(self) -> None:
        self.conn.close()

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
        before, audited = self.conn.total_changes, self._audited
        self.facts.clear()
        self.staged_records = None
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.staged_records = None
            self.rollback()
            raise
        self._commit(max(self.conn.total_changes - before - (self._audited - audited), 1))

    def _commit(self, rows: int) -> None:
        """COMMIT, with what it writes counted as written before it starts and uncounted only if it
        did not happen: a Ctrl-C landing as COMMIT returns (Python raises it at the next bytecode)
        can never leave the count behind the file. The transaction's state says which it was."""
        records, self.staged_records = self.staged_records, None
        self.committed_rows += rows
        if records is not None:
            self.written_records = (self.written_records or 0) + records
        try:
            self.conn.execute("COMMIT")
        except BaseException as e:
            if isinstance(e, sqlite3.Error) or self.conn.in_transaction:  # not committed
                self.committed_rows -= rows
                if records is not None:
                    self.written_records = (self.written_records or 0) - records or None
                if self.conn.in_transaction:
                    self.rollback()
            raise

    def audit(self, action: str, entity: str, record: str | None, before=None, after=None) -> None:
        self._audited += 1
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
    from .files import private_dir

    private_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    os.close(fd)


def _check_file(path: Path) -> None:
    """A regular file with SQLite's header (or empty): read, never written."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise AidtrackError("db", str(path), _("cannot be read: {error}").format(error=e.strerror)) from None
    if stat.S_ISDIR(st.st_mode):
        raise AidtrackError("db", str(path), _("is a directory, not a register file"))
    if not stat.S_ISREG(st.st_mode):
        raise AidtrackError("db", str(path), _("is not a regular file"))
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as e:
        raise AidtrackError("db", str(path), _("cannot be read: {error}").format(error=e.strerror)) from None
    if head and head != SQLITE_HEADER:
        raise AidtrackError("db", str(path), _("is not a database file"))


def connect_readonly(path: str | Path) -> sqlite3.Connection:
    """A connection that cannot change the file: `mode=ro`; `immutable` where even the -shm cannot be made.

    A WAL-mode file in a read-only folder (a USB stick, a CD) without its -shm opens only as immutable.
    """
    uri = Path(path).resolve().as_uri()
    conn = None
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        if conn is not None:
            conn.close()
        if _folder_writable(Path(path).resolve().parent):
            raise
    wal = Path(f"{Path(path).resolve()}-wal")
    if wal.exists() and wal.stat().st_size > 0:  # immutable would read the file without these writes
        raise AidtrackError(
            "db",
            str(path),
            _(
                "has writes in its -wal that cannot be read from a read-only folder: copy the file and"
                " its -wal somewhere writable first"
            ),
        )
    conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=30)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


def identify(path: Path) -> list[str] | None:
    """Read-only: the aidtrack migrations applied to PATH, or None for an empty (new) database.

    Refuses another program's SQLite file and a newer aidtrack's file before anything is changed.
    """
    try:
        conn = connect_readonly(path)
    except sqlite3.DatabaseError as e:
        raise AidtrackError(
            "db", str(path), _("is not a usable database ({error})").format(error=e)
        ) from None
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return None
        applied: list[str] = []
        if MIGRATIONS_TABLE in tables:  # sqlite-utils' table, named without importing it
            applied = [
                r[0]
                for r in conn.execute(
                    f"SELECT name FROM [{MIGRATIONS_TABLE}] WHERE migration_set = ? ORDER BY rowid",
                    [migrations.name],
                )
            ]
    except sqlite3.DatabaseError as e:
        raise AidtrackError(
            "db", str(path), _("is not a usable database ({error})").format(error=e)
        ) from None
    finally:
        conn.close()
    if not applied:
        raise AidtrackError("db", str(path), _("is a database, but not an aidtrack register"))
    unknown = [name for name in applied if name not in KNOWN]
    if unknown:
        raise AidtrackError(
            "db",
            str(path),
            _("was written by a newer aidtrack (migration {name}); upgrade").format(name=unknown[-1]),
        )
    return applied


def _folder_writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK)


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and _folder_writable(path.resolve().parent)


def open_store(
    path: str | Path | None = None,
    *,
    operator: str | None = None,
    create: bool = True,
    migrate: bool = True,
    readonly: bool = False,
    read_only_ok: bool = False,
) -> Store:
    """Open (creating 0600 if asked) and bring the schema up to date; refuse a newer or foreign file.

    The file is identified read-only first (an aidtrack register of a version this one reads); only
    then is WAL set or a migration applied. `readonly=True` opens a connection that cannot write
    (doctor); `read_only_ok=True` falls back to one when the file or its folder is not writable
    (a command that only reads, on a register in a read-only folder).
    """
    path = Path(path) if path else default_path()
    if not path.exists():
        if not create:
            raise AidtrackError("db", str(path), _("does not exist (run `aidtrack init` first)"))
        _create_private(path)
    _check_file(path)
    applied = identify(path) if path.stat().st_size else None
    if applied is None and not create:
        raise AidtrackError("db", str(path), _("is empty, not an aidtrack register (run `aidtrack init`)"))
    if not readonly and read_only_ok and not _writable(path):
        readonly = True
    try:
        if readonly:
            if applied is None:
                raise AidtrackError("db", str(path), _("is empty, not an aidtrack register"))
            conn = connect_readonly(path)
        else:
            conn = sqlite3.connect(str(path), timeout=30)
        store = Store(conn)
        store.path = path
        store.operator = operator or default_operator()
        store.execute("PRAGMA busy_timeout = 30000")
        store.execute("PRAGMA foreign_keys = ON")
        if readonly:
            if migrate and set(schema_version(store)) != set(KNOWN):
                store.close()
                raise AidtrackError(
                    "db",
                    str(path),
                    _("needs an upgrade this read-only file cannot take: copy it somewhere writable first"),
                )
            return store
        if store.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            store.execute("PRAGMA journal_mode = WAL")
        store.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            _migrate(store, path)
    except sqlite3.DatabaseError as e:
        raise AidtrackError(
            "db", str(path), _("is not a usable database ({error})").format(error=e)
        ) from None
    return store


def schema_version(db: Store | Database) -> list[str]:
    """The migrations applied to the file, in the order they were."""
    if not db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [MIGRATIONS_TABLE]
    ).fetchone():
        return []
    return [
        name
        for (name,) in db.execute(
            f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY rowid", [migrations.name]
        )
    ]


def _migrate(store: Store, path: Path) -> None:
    applied = schema_version(store)
    unknown = [name for name in applied if name not in KNOWN]
    if unknown:
        raise AidtrackError(
            "db",
            str(path),
            _("was written by a newer aidtrack (migration {name}); upgrade").format(name=unknown[-1]),
        )
    if set(applied) == set(KNOWN):
        return  # up to date: no sqlite-utils needed
    if not applied and store.execute("SELECT 1 FROM sqlite_master WHERE type = 'table'").fetchone():
        raise AidtrackError("db", str(path), _("is a database, but not an aidtrack register"))
    pending = migrations.pending(store.utils)
    if not pending:
        return
    if applied:
        backup_to(store, path.with_name(f"{path.name}.before-{pending[0].name}.bak"), replace=True)
    migrations.apply(store.utils)


def backup_to(db: Store | Database, dest: str | Path, replace: bool = False) -> Path:
    """A consistent copy through SQLite's online backup: 0600, in rollback-journal mode (so it opens
    from read-only media), written under a temporary name and renamed into place.

    DEST must have passed `files.guard_output`; an existing DEST is replaced only with `replace`.
    """
    from .files import temp_beside

    dest = Path(dest)
    if dest.exists() and not replace:
        raise AidtrackError("dest", str(dest), _("exists already (use --force to replace it)"))
    tmp = temp_beside(dest)
    try:
        target = sqlite3.connect(str(tmp))
        try:
            db.conn.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")
            target.commit()
        finally:
            target.close()
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return dest
