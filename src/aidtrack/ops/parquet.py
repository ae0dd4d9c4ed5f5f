"""Parquet hand-off: one file per table, typed, for DuckDB and other column stores (a province's).

Each kind is written in its public shape (the registry's fields: codes for references, as `export` writes
CSV) plus its `id`, and every row of the table: statuses.parquet includes each household's first
`enrolled` status, which a CSV bundle leaves to households' `enrolled` column. Cadres and
households carry `unit_id` once the city roll-up exists, and the `units` table is written as is.
Types: dates date32, months 'YYYY-MM' strings, money decimal128(12, 2) yuan (exact: built from the
fen), integers int64, flags bool, tags a list of strings, everything else strings. Rows are fetched
and written in record batches of BATCH rows under one fixed schema, so memory stays flat.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import IO, Any

from ..i18n import _
from ..kinds import KINDS, REGISTRY
from ..model import AidtrackError
from ..store import Store
from .headers import TYPES

INSTALL = "pip install 'aidtrack[parquet]'"
BATCH = 100_000
#: decimal128(12, 2) holds up to 9,999,999,999.99 yuan.
MONEY_PRECISION = 12
MAX_FEN = 10 ** MONEY_PRECISION - 1


def require() -> tuple[Any, Any]:
    """pyarrow and pyarrow.parquet, or one line naming the install command."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise AidtrackError("format", "", _("parquet needs pyarrow, which is not installed: {cmd}")
                            .format(cmd=INSTALL)) from None
    return pyarrow, pyarrow.parquet


def tables(db: Store) -> list[str]:
    """What `export all --format parquet` writes: every kind, and `units` where the roll-up made it."""
    return [*KINDS, *(["units"] if "units" in db.table_names() else [])]


def _arrow_types(pa) -> dict[str, Any]:
    """Arrow types by the column type words of _query (headers.TYPES, and int/real for the others)."""
    return {"int": pa.int64(), "real": pa.float64(), "date": pa.date32(),
            "money": pa.decimal128(MONEY_PRECISION, 2), "flag": pa.bool_(), "tags": pa.list_(pa.string())}


def _query(db: Store, table: str) -> tuple[str, list[str], dict[str, str]]:
    """The SELECT, its columns, and their type names (headers.TYPES words, `int` for ids)."""
    if table not in KINDS:
        info = db.execute(f"PRAGMA table_info([{table}])").fetchall()
        columns = [r[1] for r in info]
        types = {r[1]: "int" if "INT" in (r[2] or "").upper() else
                 "real" if (r[2] or "").upper() in ("REAL", "FLOAT", "DOUBLE") else "text" for r in info}
        return f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{table}] ORDER BY rowid", columns, types
    columns = ["id", *REGISTRY[table].field_names]
    selected = ", ".join(f"p.{c}" for c in columns)
    sql = f"SELECT {selected} FROM ({REGISTRY[table].select}) p"
    if table in ("cadres", "households") and "unit_id" in db[table].columns_dict:
        columns.append("unit_id")
        sql = (f"SELECT {selected}, t.unit_id FROM ({REGISTRY[table].select}) p"
               f" JOIN {table} t ON t.id = p.id")
    types = {c: "int" if c in ("id", "unit_id") else TYPES.get(c, "text") for c in columns}
    return sql + " ORDER BY p.id", columns, types


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
    return None


def write(db: Store, table: str, out: IO[bytes] | str, redact: bool = False) -> int:
    """Write one table to a Parquet file; returns the rows written."""
    pa, pq = require()
    from .redact import HIDDEN_FIELDS, mask_name

    sql, columns, types = _query(db, table)
    arrow = _arrow_types(pa)
    schema = pa.schema([pa.field(c, arrow.get(types[c], pa.string()), nullable=c != "id") for c in columns])
    converters = [_converter(c, types[c]) for c in columns]
    if redact:
        for i, c in enumerate(columns):
            if c == "name" and table in ("cadres", "households"):
                converters[i] = mask_name
            elif c in HIDDEN_FIELDS:
                converters[i] = lambda v: None
    cur = db.execute(sql)
    n = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        while batch := cur.fetchmany(BATCH):
            arrays = []
            for i, values in enumerate(zip(*batch)):
                convert = converters[i]
                data = values if convert is None else [convert(v) for v in values]
                arrays.append(pa.array(data, type=schema.field(i).type))
            writer.write_batch(pa.record_batch(arrays, schema=schema))
            n += len(batch)
    return n
