"""Files from elsewhere (a unit's register, a backup to restore, a register under `doctor`): read
without being trusted.

- `regular_file`: the file type is checked before anything opens it (a FIFO would block the open).
- `foreign_objects`: the schema objects aidtrack did not create (a trigger that empties the audit
  log on every insert, a VIEW named like a table over an endless recursive query, an extra table).
  What aidtrack creates is known by replaying its migrations in memory, step by step: every table
  and index any version made, and the exact SQL of every trigger and view.
- `connect_untouched`: a read-only connection that creates nothing beside the file (no -wal, no
  -shm next to another program's WAL-mode database or a closed register).
- `bounded`: a progress handler that stops any statement running past a deadline.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import stat
import time
from pathlib import Path

from ..i18n import _
from ..model import AidtrackError


def regular_file(path: Path, field: str = "db") -> os.stat_result:
    """PATH's stat, refused (one line) unless it is a regular file; never opens it."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise AidtrackError(field, str(path), _("cannot be read: {error}").format(error=e.strerror)) from None
    if stat.S_ISDIR(st.st_mode):
        raise AidtrackError(field, str(path), _("is a directory, not a register file"))
    if not stat.S_ISREG(st.st_mode):
        raise AidtrackError(field, str(path), _("is not a regular file"))
    return st


@functools.cache
def created_objects() -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str, str]]]:
    """(type, name) of every table and index, and (type, name, sql) of every trigger and view, that
    any of aidtrack's migrations creates (after each step, so a table an older version had counts)."""
    from sqlite_utils import Database

    from .schema import migrations

    db = Database(memory=True)
    named: set[tuple[str, str]] = set()
    exact: set[tuple[str, str, str]] = set()
    steps = [name for name, _step in migrations._steps]
    try:
        for i in range(len(steps)):
            migrations.apply(db, stop_before=steps[i + 1] if i + 1 < len(steps) else None)
            for kind, name, sql in db.execute("SELECT type, name, sql FROM sqlite_master"):
                if kind in ("table", "index"):
                    named.add((kind, name))
                else:
                    exact.add((kind, name, sql or ""))
    finally:
        db.close()
    return frozenset(named), frozenset(exact)


def current_indexes() -> list[tuple[str, str, str]]:
    """(name, table, sql) of every index this program's migrations create, replayed in memory: what a
    register brought up to date holds (ops.transfer.merge re-creates one a killed merge left out)."""
    from sqlite_utils import Database

    from .schema import migrations

    db = Database(memory=True)
    try:
        migrations.apply(db)
        return [
            (name, table, sql)
            for name, table, sql in db.execute(
                "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        ]
    finally:
        db.close()


def _declared_objects() -> frozenset[tuple[str, str]]:
    """The table of every kind the registry declares now and its link indexes (schema.create_sql):
    a kind registered by a program using aidtrack is aidtrack's too."""
    from ..kinds import REGISTRY

    out = set()
    for k in REGISTRY.values():
        out.add(("table", k.table))
        out |= {("index", f"{k.table}_{lk.column}") for lk in k.links}
    return frozenset(out)


def foreign_objects(conn: sqlite3.Connection, schema: str = "main") -> list[str]:
    """The schema objects of CONN's file that aidtrack did not create: "trigger wipe_audit", …"""
    named, exact = created_objects()
    named = named | _declared_objects()
    found = []
    for kind, name, sql in conn.execute(
        f"SELECT type, name, sql FROM {schema}.sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        " ORDER BY type, name"
    ):
        if kind in ("table", "index"):
            ok = (kind, name) in named
        else:
            ok = (kind, name, sql or "") in exact
        if not ok:
            found.append(f"{kind} {name}")
    return found


def foreign_problem(conn: sqlite3.Connection) -> str | None:
    """One line naming the schema objects aidtrack did not create, or None."""
    found = foreign_objects(conn)
    if not found:
        return None
    more = f" (+{len(found) - 3})" if len(found) > 3 else ""
    return _("holds schema objects aidtrack did not create: {objects}").format(
        objects=", ".join(found[:3]) + more
    )


def connect_untouched(path: Path, timeout: float = 30) -> sqlite3.Connection:
    """A read-only connection that leaves nothing beside the file.

    A WAL-mode file without a -wal beside it (a closed register, a copied backup, another program's
    database) is opened `immutable=1`: SQLite then reads only the main file and creates no -wal or
    -shm. With a -wal (a register in use), `mode=ro` reads its committed writes too (its -wal and
    -shm are there already).
    """
    resolved = Path(path).resolve()
    conn = sqlite3.connect(untouched_uri(resolved), uri=True, timeout=timeout)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


def untouched_uri(path: Path) -> str:
    """The URI `connect_untouched` opens PATH with: `immutable=1` for a WAL-mode file without a
    -wal beside it (header bytes 18-19 are 2), else `mode=ro` (a rollback-journal file's reader
    creates nothing)."""
    resolved = Path(path).resolve()
    uri = resolved.as_uri()
    try:
        with resolved.open("rb") as f:
            wal_mode = f.read(20)[18:20] == b"\x02\x02"
    except OSError:
        wal_mode = False
    if wal_mode and not Path(f"{resolved}-wal").exists():
        return f"{uri}?mode=ro&immutable=1"
    return f"{uri}?mode=ro"


#: How long one statement over a file from elsewhere may run before it is stopped (seconds): far
#: beyond any real register's checks, short of a hang.
DEADLINE_SECONDS = 300.0


def bounded(conn: sqlite3.Connection, seconds: float = DEADLINE_SECONDS) -> None:
    """Stop (sqlite3.OperationalError "interrupted") whatever CONN runs past SECONDS from now."""
    deadline = time.monotonic() + seconds
    conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 100_000)
