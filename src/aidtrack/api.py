"""The Python API: what the CLI does, for a script (docs/api.md).

    import aidtrack

    db = aidtrack.open("unit.db", operator="script")
    code = aidtrack.add(db, "households", {"name": "刘香福", "members": 3, "enrolled": "2003-07-01"})
    aidtrack.edit(db, "households", code, {"phone": "13800000000"})
    rows = aidtrack.select(db, "visits", household=code, quarter="2004Q3")
    result = aidtrack.import_file(db, "income", "income.csv")
    quarter = aidtrack.report(db, "quarter", period="2004Q3")
    found = aidtrack.check(db, "relapse", as_of="2004-10-15")

Records travel in their public shape (the `add` command's field names, codes instead of ids,
money in yuan); every write is one transaction, validated by the one validator the CLI uses; an
error is an `AidtrackError` naming the field and the value, with nothing written. Importing this
module loads nothing else: each function imports what it needs when called.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .ops.transfer.importer import ImportResult
    from .store import Store

#: The reports `report` builds, and the checks `check` runs.
REPORTS = ("quarter", "household", "grid", "outcomes")
CHECKS = ("relapse", "visits", "exits", "escalations", "plans", "monitor")


def open(path: str | os.PathLike | None = None, *, operator: str | None = None, create: bool = True) -> Store:  # noqa: A001
    """Open a register file (created 0600 if missing and CREATE), its schema brought up to date.

    OPERATOR is who the audit log says made the changes. Close it with `db.close()`.
    """
    from .store import open_store

    return open_store(Path(path) if path is not None else None, operator=operator, create=create)


def add(db: Store, kind: str, record: Mapping[str, Any], *, today: dt.date | None = None) -> str:
    """Validate and store one record of KIND (a name of `aidtrack.kinds.KINDS`: "households",
    "visits" …) given in its public shape; returns its code (cadres, households) or its id.

    Raises `AidtrackError` (field, value, message) and writes nothing when the record is refused.
    """
    from .ops.write import records

    return records.add(db, kind, record, today)


def edit(
    db: Store, kind: str, ident: str | int, changes: Mapping[str, Any], *, today: dt.date | None = None
) -> dict[str, Any]:
    """Correct a record (by code or id): CHANGES laid over its public shape, checked as a new record
    would be, audited. Returns the record after the change."""
    from .ops.write import records

    return records.edit(db, kind, ident, changes, today)


def select(db: Store, kind: str, *, limit: int | None = None, **filters: Any) -> list[dict[str, Any]]:
    """KIND's records in their public shape and list order, narrowed by the kind's filters
    (`household="H01"`, `quarter="2004Q3"`, `cadre=…`, `open=True` … as `aidtrack.kinds` declares)."""
    from .ops.write import records

    return records.select(db, kind, limit=limit, **filters)


def import_file(
    db: Store,
    kind: str,
    path_or_stream: str | os.PathLike | IO,
    *,
    fmt: str | None = None,
    on_conflict: Literal["error", "skip", "replace"] = "error",
    dry_run: bool = False,
    encoding: str = "utf-8",
    today: dt.date | None = None,
) -> ImportResult:
    """Import one file (CSV, TSV, JSON, JSON Lines, xlsx; FMT from the extension if not given) of
    KIND in one transaction: any error writes nothing. The result holds the counts per kind
    (`result.counts`) and the errors (`result.errors`: file, line, field, message); errors are
    returned, not raised."""
    from .ops.transfer.importer import import_file as run

    return run(
        db,
        kind,
        path_or_stream,
        fmt=fmt,
        on_conflict=on_conflict,
        dry_run=dry_run,
        encoding=encoding,
        today=today,
    )


def report(
    db: Store,
    name: Literal["quarter", "household", "grid", "outcomes"],
    *,
    period: str | None = None,
    household: str | None = None,
    as_of: str | dt.date | None = None,
    unit: str | None = None,
    by_unit: bool = False,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """A report as plain data (what `aidtrack report NAME --format json` prints):

    - quarter: PERIOD a quarter (2004Q3; default this quarter);
    - household: the register of HOUSEHOLD (code or name);
    - grid: PERIOD a year (2004; default this year);
    - outcomes: the meeting summary AS_OF a day (default today).

    UNIT narrows to one merged unit; BY_UNIT groups a city file's figures by unit.
    """
    from . import parse
    from .i18n import _
    from .model import AidtrackError, Quarter

    today = today or dt.date.today()
    name = parse.choice(name, REPORTS, "report")  # type: ignore[assignment]
    if name == "quarter":
        from .reports import quarter

        q = parse.quarter(period, "period") if period else Quarter.of(today)
        return quarter.build(db, q, today, False, unit=unit, by_unit=by_unit)
    if name == "household":
        from .reports import household as register

        if not household:
            raise AidtrackError("household", "", _("is required"))
        return register.build(db, household)
    if name == "grid":
        from .reports import grid

        year = int(parse.period(period, "year")[0].year) if period else today.year
        return grid.build(db, year, today, False, unit=unit, by_unit=by_unit)
    from .reports import outcomes

    day = parse.date(as_of or today, "as-of", today=today)
    return outcomes.build(db, day, False, unit=unit, by_unit=by_unit)


def check(
    db: Store,
    name: Literal["relapse", "visits", "exits", "escalations", "plans", "monitor"],
    *,
    as_of: str | dt.date | None = None,
    unit: str | None = None,
    by_unit: bool = False,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """A check's findings AS_OF a day (default today) as plain data (what `aidtrack check NAME
    --format json` prints). A check never writes; what it finds is for a person to decide."""
    from . import parse
    from .checks import module

    today = today or dt.date.today()
    name = parse.choice(name, CHECKS, "check")  # type: ignore[assignment]
    day = parse.date(as_of or today, "as-of", today=today)
    return module(name).run(db, day, unit=unit, by_unit=by_unit)
