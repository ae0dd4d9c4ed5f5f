"""The demo register: the seed story (a bureau's ten households, 2003-2004) loaded from the
bundle shipped inside the package, through the same import path a city office uses.

The demo rebuilds its file from scratch, so it writes only where that loses nothing: a path that
does not exist, or a demo register it wrote before. That is told by the audit log, which every
write fills: a demo register's log is not empty and every entry in it is the demo's own (operator
`demo`); a register anyone typed into, imported into or merged into has other entries (unless they
typed as the operator `demo`) and is refused, as is any file that is not an aidtrack register at
all. The destination also goes through the output-path guard (never the user's register or its
journal, a device or a folder). The new demo is built under a temporary name beside the
destination and renamed into place, so a failed or interrupted run leaves the previous demo (or
nothing), never a half-built file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from pathlib import Path

from ...i18n import _
from ...model import EPOCH, AidtrackError, Quarter
from ...store import Store, default_path, open_store
from ...store.db import MIGRATIONS_TABLE, SQLITE_HEADER, connect_readonly
from ...store.files import COMPANIONS, guard_output, private_dir, temp_beside

DEMO_DATA = Path(__file__).resolve().parents[2] / "demo_data"

#: The operator the demo writes as; a file whose audit log holds only this operator is a demo.
DEMO_OPERATOR = "demo"
#: The demo's `cases_from`: the day of the first enrolments, so that every status of the story is
#: a decision with its case.
RECORDS_UNTIL = "2004-09-30"
CASES_FROM = "2003-07-01"


def demo_path() -> Path:
    return default_path().parent / "demo.db"


def _not_a_demo(path: Path, why: str) -> AidtrackError:
    return AidtrackError(
        "out",
        str(path),
        _(
            "{why}: the demo would rebuild it from scratch; give another --out, or remove the file yourself"
        ).format(why=why),
    )


def check_rebuildable(path: Path) -> None:
    """Refuse PATH unless it is absent or a demo register (see the module's docstring); reads only."""
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as e:
        raise AidtrackError("out", str(path), _("cannot be read: {error}").format(error=e.strerror)) from None
    if head != SQLITE_HEADER:
        raise _not_a_demo(path, _("exists and is not an aidtrack register"))
    try:
        conn = connect_readonly(path)
    except (sqlite3.DatabaseError, AidtrackError):
        raise _not_a_demo(path, _("exists and is not an aidtrack register")) from None
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if MIGRATIONS_TABLE not in tables or "audit" not in tables:
            raise _not_a_demo(path, _("exists and is not an aidtrack register"))
        operators = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT operator FROM audit WHERE operator IS NOT ? ORDER BY operator LIMIT 3",
                [DEMO_OPERATOR],
            )
        ]
        demo_entries = conn.execute(
            "SELECT count(*) FROM audit WHERE operator = ?", [DEMO_OPERATOR]
        ).fetchone()[0]
    except sqlite3.DatabaseError:
        raise _not_a_demo(path, _("exists and is not an aidtrack register")) from None
    finally:
        conn.close()
    if operators:
        raise _not_a_demo(
            path,
            _("is a register with changes by {operators}, not only the demo's").format(
                operators=", ".join(str(o) for o in operators)
            ),
        )
    if not demo_entries:
        raise _not_a_demo(path, _("is a register the demo did not write (its audit log is empty)"))


def build(path: Path | None = None, register: Path | None = None, operator: str = DEMO_OPERATOR) -> Store:
    """Rebuild the demo file from scratch at PATH (default: demo.db in the user data folder).

    REGISTER is the user's own register (default: the data folder's): never written over. A PATH
    that exists must be a demo register written before (`check_rebuildable`). The Store returned
    keeps PATH as given (relative stays relative). Another OPERATOR (tests) makes a file that a
    later demo refuses to rebuild.
    """
    from .importer import import_bundle

    path = Path(path) if path is not None else demo_path()
    guard_output(path, register if register is not None else default_path(), "out")
    check_rebuildable(path)
    private_dir(path.parent)
    tmp = temp_beside(path)
    try:
        db = open_store(tmp, operator=operator)
        try:
            import_bundle(db, DEMO_DATA).raise_if_errors()
            # Every decision of the story is a case (cases.csv): from the first enrolment on, a
            # status is changed only by an approved case (docs/decisions.md).
            from ..write.settings import set_value

            set_value(db, "cases_from", CASES_FROM, since=EPOCH.isoformat())
            # The story ends on 2004-09-30: its records stop there, so a report of 2004 treats what
            # follows as not yet recorded (provisional), never as owed (docs/assessment.md).
            set_value(db, "records_until", RECORDS_UNTIL, since=EPOCH.isoformat())
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()
        for suffix in COMPANIONS:  # the old demo's journal must not be read with the new file
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, path)
    finally:
        for suffix in ("", *COMPANIONS):
            with contextlib.suppress(OSError):
                Path(f"{tmp}{suffix}").unlink()
    return open_store(path, operator=operator)


def story_dates(db: Store) -> tuple[Quarter, dt.date]:
    """The story's latest full quarter and the day after it ends plus two weeks: when it is 'now'."""
    last = db.execute("SELECT max(date) FROM visits").fetchone()[0]
    quarter = Quarter.of(dt.date.fromisoformat(last))
    if dt.date.fromisoformat(last) < quarter.end:
        quarter = quarter.prev()
    return quarter, quarter.end + dt.timedelta(days=15)


def counts(db: Store) -> dict[str, int]:
    return {
        t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in (
            "cadres",
            "households",
            "pairings",
            "visits",
            "problems",
            "income",
            "aid",
            "causes",
            "measures",
            "jobs",
            "monitoring",
        )
    }
