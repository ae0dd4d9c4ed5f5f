"""Parquet hand-off: typed files for DuckDB and other column stores (a province's warehouse).

Each kind is written in its public shape (the registry's fields: codes for references, as `export` writes
CSV) plus its `id`, its link columns (every stored `*_id`: a status's `household_id`, a pairing's
`cadre_id` and `household_id`, a visit's `pairing_id`, a problem's `visit_id`, aid's
`giver_cadre_id` and `measure_id`, a measure's `cadre_id`, a job's `measure_id`, a meeting item's
`meeting_id`, `problem_id` and `leader_id` …: LINKS), `source_id` (a merged record's id in its unit's
file) and `unit` (the unit it was merged from; NULL for the file's own records). Ids are stable: a re-merged unit keeps them, so a
warehouse can update rows by (unit, source_id) or by id. Every row of the table: statuses include
each household's first `enrolled` status, which a CSV bundle leaves to households' `enrolled`
column. The `units` table is written with its file's name only (no path of this machine).
Types: dates date32, timestamps timestamp[s, UTC], months 'YYYY-MM' strings, money
decimal128(12, 2) yuan (exact: built from the fen), integers int64, flags bool, tags a list of
strings, everything else strings. Rows are fetched and written in record batches of BATCH rows
under one fixed schema, so memory stays flat.

`handoff()` writes the hive-partitioned folder (`TABLE/unit=…/year=…/data.parquet`) and exports
only some units (`--unit`, `--changed-since`): see docs/merge.md.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from ...i18n import _
from ...kinds import KINDS, REGISTRY, Derived
from ...model import AidtrackError
from ...store import Store
from ...store.files import guard_output, named, no_links_below, private_dir
from .headers import TYPES

INSTALL = "pip install 'aidtrack[parquet]'"
BATCH = 100_000
#: decimal128(12, 2) holds up to 9,999,999,999.99 yuan.
MONEY_PRECISION = 12
MAX_FEN = 10**MONEY_PRECISION - 1

#: The link columns (ids of the records a record points to) exported beside the public fields.
LINKS: Mapping[str, tuple[str, ...]] = Derived(
    lambda: {
        k.name: tuple(
            c
            for c in k.columns
            if c.endswith("_id") and not any(f.column == c and f.type != "ref" for f in k.fields)
        )
        for k in REGISTRY.values()
    }
)
#: The column a record's year is taken from, for `--partition year` (cadres and households have none).
YEAR_OF: Mapping[str, str] = Derived(
    lambda: {
        k.name: f.name
        for k in REGISTRY.values()
        for f in reversed(k.fields)
        if f.type in ("date", "month") and (f.dated or f.required)
    }
)
#: The hive folder name of the file's own records (unit NULL), as Hive and DuckDB name a NULL value.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
#: The units table's columns in the hand-off (its fingerprint names the machine's inode: left out).
UNIT_COLUMNS = ("id", "name", "source", "sha256", "merged_at", "changed_at", "records", "left_out")
TIMESTAMPS = ("merged_at", "changed_at")


def require() -> tuple[Any, Any]:
    """pyarrow and pyarrow.parquet, or one line naming the install command."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise AidtrackError(
            "format", "", _("parquet needs pyarrow, which is not installed: {cmd}").format(cmd=INSTALL)
        ) from None
    return pyarrow, pyarrow.parquet


def tables(db: Store) -> list[str]:
    """What `export all --format parquet` writes: every kind, and `units` where the roll-up made it."""
    return [*KINDS, *(["units"] if "units" in db.table_names() else [])]


def _arrow_types(pa) -> dict[str, Any]:
    """Arrow types by the column type words of _query (headers.TYPES, and int/real for the others)."""
    return {
        "int": pa.int64(),
        "real": pa.float64(),
        "date": pa.date32(),
        "money": pa.decimal128(MONEY_PRECISION, 2),
        "flag": pa.bool_(),
        "tags": pa.list_(pa.string()),
        "timestamp": pa.timestamp("s", tz="UTC"),
        "unit": pa.string(),
    }


def _has_units(db: Store) -> bool:
    return "units" in db.table_names() and "source_id" in db["households"].columns_dict


def _query(db: Store, table: str, only_units: bool = False) -> tuple[str, list[str], dict[str, str]]:
    """The SELECT, its columns, and their type names (headers.TYPES words, `int` for ids).

    `unit` is selected as the unit's id (named by the converter). only_units: keep the records of
    the households, cadres and meetings listed in temp.handoff_TABLE (on their indexes: each kind's
    public query joins its household as `h`; cadres are `c`, meetings `mt`).
    """
    if table not in KINDS:
        info = db.execute(f"PRAGMA table_info([{table}])").fetchall()
        have = [r[1] for r in info]
        columns = [c for c in UNIT_COLUMNS if c in have] if table == "units" else have
        types = {
            r[1]: "int"
            if "INT" in (r[2] or "").upper()
            else "real"
            if (r[2] or "").upper() in ("REAL", "FLOAT", "DOUBLE")
            else "text"
            for r in info
        }
        if table == "units":
            types.update({c: "timestamp" for c in TIMESTAMPS})
        return f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{table}] ORDER BY rowid", columns, types
    alias = REGISTRY[table].alias
    fields = list(REGISTRY[table].field_names)
    columns = ["id", *fields, *LINKS[table]]
    extras = [f"{alias}.{c} AS {c}" for c in LINKS[table]]
    owner = alias if REGISTRY[table].unit_owned else "h"  # where the record's unit_id is
    if _has_units(db) and REGISTRY[table].merged:
        columns += ["source_id", "unit"]
        extras += [f"{alias}.source_id AS source_id", f"{owner}.unit_id AS merged_unit"]
    public = REGISTRY[table].select
    inner = public.replace("SELECT ", f"SELECT {', '.join(extras)}, ", 1) if extras else public
    if only_units:
        listed = f"temp.handoff_{table}" if REGISTRY[table].unit_owned else "temp.handoff_households"
        inner += f" WHERE {owner}.id IN (SELECT id FROM {listed})"
    types = {c: "int" if c in ("id", "source_id", *LINKS[table]) else TYPES.get(c, "text") for c in columns}
    selected = list(columns)
    if table == "cadres":  # the cadre's own `unit` (the bureau as typed) beside the merged-from unit
        at = columns.index("unit")
        columns[at] = "cadre_unit"
        types["cadre_unit"] = "text"
    if "source_id" in columns:
        selected[-1] = "merged_unit"
        types["unit"] = "unit"
    outer = ", ".join(f"{s} AS {c}" if s != c else c for s, c in zip(selected, columns))
    return f"SELECT {outer} FROM ({inner}) ORDER BY id", columns, types


def _yuan(column: str):
    def convert(fen: int | None) -> Decimal | None:
        if fen is None:
            return None
        if not -MAX_FEN <= fen <= MAX_FEN:
            raise AidtrackError(column, fen / 100, _("is too large for Parquet's decimal(12, 2) yuan"))
        return Decimal(fen).scaleb(-2)

    return convert


def _converter(column: str, kind: str):
    if kind == "date":
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    if kind == "money":
        return _yuan(column)
    if kind == "flag":
        return lambda v: None if v is None else bool(v)
    if kind == "tags":
        return lambda v: v.split(",") if v else []
    if kind == "timestamp":
        return lambda v: None if v is None else dt.datetime.fromisoformat(v).astimezone(dt.timezone.utc)
    if kind == "unit":
        return None  # set by _Table: the unit's name
    if column == "source":  # units.source: the file's name, never a path of this machine
        return lambda v: None if v is None else Path(v.replace("\\", "/")).name
    return None


class _Table:
    """One table's columns, Arrow schema and row converters."""

    def __init__(
        self, db: Store, table: str, redact: bool, only_units: bool = False, drop: tuple[str, ...] = ()
    ):
        pa, self.pq = require()
        from ..rules.redact import HIDDEN_FIELDS, NAME_FIELDS, current, mask_name, redactor

        self.pa = pa
        self.sql, self.columns, types = _query(db, table, only_units)
        arrow = _arrow_types(pa)
        self.kept = [i for i, c in enumerate(self.columns) if c not in drop]
        self.schema = pa.schema(
            [
                pa.field(
                    self.columns[i],
                    arrow.get(types[self.columns[i]], pa.string()),
                    nullable=self.columns[i] != "id",
                )
                for i in self.kept
            ]
        )
        self.converters = [_converter(c, types[c]) for c in self.columns]
        if "unit" in self.columns:
            names = dict(db.execute("SELECT id, name FROM units").fetchall())
            self.converters[self.columns.index("unit")] = lambda v: None if v is None else names[v]
        if redact:
            r = current() or redactor(db)
            for i, c in enumerate(self.columns):
                if c in NAME_FIELDS and table in KINDS:
                    self.converters[i] = mask_name
                elif c in HIDDEN_FIELDS:
                    self.converters[i] = lambda v: None
                elif types[c] == "text" and self.converters[i] is None:
                    self.converters[i] = r.text

    def batch(self, rows: list[tuple]):
        arrays = []
        for j, i in enumerate(self.kept):
            values = [r[i] for r in rows]
            convert = self.converters[i]
            data = values if convert is None else [convert(v) for v in values]
            arrays.append(self.pa.array(data, type=self.schema.field(j).type))
        return self.pa.record_batch(arrays, schema=self.schema)


def write(db: Store, table: str, out: IO[bytes] | str, redact: bool = False) -> int:
    """Write one table to a Parquet file; returns the rows written."""
    t = _Table(db, table, redact)
    cur = db.execute(t.sql)
    n = 0
    with t.pq.ParquetWriter(out, t.schema, compression="zstd") as writer:
        while batch := cur.fetchmany(BATCH):
            writer.write_batch(t.batch(batch))
            n += len(batch)
    return n


# -- the hand-off: partitioned, only what changed --------------------------------------------------


def chosen_units(
    db: Store, unit: str | None = None, changed_since: dt.date | None = None
) -> list[int | None]:
    """The units to hand off (None: the file's own records): all of them, one (--unit), or those
    changed on or after a day (--changed-since: merged since, or for the file's own records an
    audited change since, other than a merge)."""
    from .units import Units

    if not _has_units(db):
        return [None]
    units = Units(db)
    listed = units.listed()
    if unit is not None:
        listed = [units.find(unit)]
    if changed_since is not None:
        day = changed_since.isoformat()
        changed = {u for (u,) in db.execute("SELECT id FROM units WHERE changed_at >= ?", [day])}
        own = db.execute("SELECT 1 FROM audit WHERE at >= ? AND action != 'merge' LIMIT 1", [day]).fetchone()
        listed = [u for u in listed if (u in changed if u is not None else bool(own))]
    return listed


def _fill(db: Store, units: list[int | None]) -> None:
    """temp.handoff_TABLE of each kind with a unit_id of its own (households, cadres, meetings): the
    records of these units."""
    for table in (k.table for k in REGISTRY.values() if k.unit_owned):
        db.execute(f"CREATE TEMP TABLE IF NOT EXISTS handoff_{table} (id INTEGER PRIMARY KEY)")
        db.execute(f"DELETE FROM temp.handoff_{table}")
        ids = [u for u in units if u is not None]
        if ids:
            db.execute(
                f"INSERT INTO temp.handoff_{table} SELECT id FROM {table}"
                f" WHERE unit_id IN ({', '.join('?' * len(ids))})",
                ids,
            )
        if None in units:
            db.execute(f"INSERT INTO temp.handoff_{table} SELECT id FROM {table} WHERE unit_id IS NULL")


def partition_names(text: str | None) -> tuple[str, ...]:
    """--partition: `unit` or `unit,year`."""
    if text is None:
        return ()
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    if names not in (("unit",), ("unit", "year")):
        raise AidtrackError("partition", text, _("is unit or unit,year"))
    return names


def handoff(
    db: Store,
    out: str | os.PathLike,
    partition: tuple[str, ...] = (),
    unit: str | None = None,
    changed_since: dt.date | None = None,
    redact: bool = False,
) -> dict[str, int]:
    """Write every table for the chosen units; the rows written per table (and units.parquet whole).

    Partitioned by unit: OUT/TABLE/unit=NAME[/year=YYYY]/data.parquet, each unit's folder replaced
    whole (written beside it, then renamed), the others left as they are; the file's own records
    are unit=__HIVE_DEFAULT_PARTITION__ (NULL). Not partitioned: OUT/TABLE.parquet with the chosen
    units' records.
    """
    require()
    if redact:
        from ..rules.redact import people_masked

        with people_masked(db):
            return _handoff(db, out, partition, unit, changed_since, redact)
    return _handoff(db, out, partition, unit, changed_since, redact)


def _handoff(
    db: Store,
    out: str | os.PathLike,
    partition: tuple[str, ...],
    unit: str | None,
    changed_since: dt.date | None,
    redact: bool,
) -> dict[str, int]:
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise AidtrackError("out", str(out), _("is a file: `export all` writes into a directory"))
    # never the register, nor a folder holding it: each unit's folder is replaced whole
    folder = guard_output(folder, db.path, "out", directory=True, holds_no_register=True)
    private_dir(folder)
    units = chosen_units(db, unit, changed_since)
    names: dict[int | None, str] = {None: NULL_PARTITION}
    if _has_units(db):
        names.update(db.execute("SELECT id, name FROM units").fetchall())
    counts: dict[str, int] = {}
    for table in (k for k in KINDS if REGISTRY[k].merged):  # what a city merges is what it hands off
        counts[table] = 0
        if not partition:
            _fill(db, units)
            counts[table] = _write_file(db, table, folder / f"{table}.parquet", redact)
            continue
        for u in units:
            _fill(db, [u])
            counts[table] += _write_unit(
                db, table, folder / table, f"unit={names[u]}", "year" in partition, redact
            )
    if "units" in tables(db):
        counts["units"] = _write_file(db, "units", folder / "units.parquet", redact, only_units=False)
    return counts


def _write_file(db: Store, table: str, path: Path, redact: bool, only_units: bool = True) -> int:
    no_links_below(path.parent.parent, path)
    path = guard_output(path, db.path, "out")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.fchmod(fd, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            t = _Table(db, table, redact, only_units=only_units and table in KINDS)
            cur = db.execute(t.sql)
            n = 0
            with t.pq.ParquetWriter(f, t.schema, compression="zstd") as writer:
                while batch := cur.fetchmany(BATCH):
                    writer.write_batch(t.batch(batch))
                    n += len(batch)
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        named(e, path)
        raise
    return n


def _write_unit(db: Store, table: str, parent: Path, name: str, by_year: bool, redact: bool) -> int:
    """One unit's rows of a table into parent/unit=NAME/, by year if asked and the table has one.

    The table's folder and the unit's folder (replaced whole) must be this tree's own: a symbolic
    link to elsewhere is refused, and so is a folder holding the register."""
    no_links_below(parent.parent, parent / name)
    guard_output(parent / name, db.path, "out", directory=True, holds_no_register=True)
    private_dir(parent)
    by_year = by_year and table in YEAR_OF
    t = _Table(db, table, redact, only_units=True, drop=("unit",))
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=parent))  # 0700
    files: list[IO[bytes]] = []
    try:
        writers: dict[str, Any] = {}
        year_at = t.columns.index(YEAR_OF[table]) if by_year else None
        cur = db.execute(t.sql)
        n = 0
        while batch := cur.fetchmany(BATCH):
            groups: dict[str, list[tuple]] = {}
            for row in batch:
                groups.setdefault(row[year_at][:4] if by_year else "", []).append(row)
            for year, rows in groups.items():
                if year not in writers:
                    target = tmp / f"year={year}" if by_year else tmp
                    target.mkdir(mode=0o700, exist_ok=True)
                    fd = os.open(target / "data.parquet", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    files.append(os.fdopen(fd, "wb"))
                    writers[year] = t.pq.ParquetWriter(files[-1], t.schema, compression="zstd")
                writers[year].write_batch(t.batch(rows))
            n += len(batch)
        for w in writers.values():
            w.close()
        for f in files:
            f.close()
        final = parent / name
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{name}.old.", dir=parent))
            os.replace(final, old / "x")
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
    except BaseException:
        for f in files:
            f.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return n
