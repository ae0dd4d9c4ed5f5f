"""Parquet hand-off: one typed file per table, read back with DuckDB as a province would."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from decimal import Decimal

import duckdb
import pyarrow.parquet as pq
import pytest

from aidtrack.kinds import KINDS
from aidtrack.ops.demo import DEMO_DATA
from aidtrack.ops.importer import import_bundle
from aidtrack.store import open_store


@pytest.fixture
def demo(cli):
    db = open_store(cli.db)
    try:
        import_bundle(db, DEMO_DATA).raise_if_errors()
    finally:
        db.close()
    return cli


def tables(cli) -> list[str]:
    names = {r[0] for r in cli.rows("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return [*KINDS, *(["units"] if "units" in names else [])]


def one(sql: str) -> tuple:
    return duckdb.sql(sql).fetchall()[0]


def types(path) -> dict[str, str]:
    return {r[0]: r[1] for r in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()}


def test_every_table_counted_and_summed_exactly(demo, tmp_path):
    out = tmp_path / "pq"
    demo("export", "all", "--format", "parquet", "--out", str(out))
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.parquet" for t in tables(demo))
    for table in tables(demo):
        stored = demo.scalar(f"SELECT count(*) FROM {table}")
        assert one(f"SELECT count(*) FROM read_parquet('{out}/{table}.parquet')")[0] == stored
    # Every status, the first `enrolled` ones included: 10 enrolments + 17 changes.
    assert one(f"SELECT count(*) FROM '{out}/statuses.parquet'")[0] == 27
    for table, money in (("aid", "value"), ("income", "amount")):
        n, fen = demo.rows(f"SELECT count(*), sum({money}) FROM {table}")[0]
        count, total = one(f"SELECT count(*), sum({money}) FROM read_parquet('{out}/{table}.parquet')")
        assert (count, total) == (n, Decimal(fen) / 100)
        assert isinstance(total, Decimal)
    # The demo's aid: 57 records worth 17,740 yuan.
    assert one(f"SELECT count(*), sum(value) FROM read_parquet('{out}/aid.parquet')") == (
        57, Decimal("17740.00"))


def test_column_types(demo, tmp_path):
    out = tmp_path / "pq"
    demo("export", "all", "--format", "parquet", "--out", str(out))
    assert types(out / "aid.parquet") == {
        "id": "BIGINT", "household": "VARCHAR", "date": "DATE", "kind": "VARCHAR",
        "value": "DECIMAL(12,2)", "giver": "VARCHAR", "note": "VARCHAR", "measure": "VARCHAR"}
    assert types(out / "income.parquet") == {
        "id": "BIGINT", "household": "VARCHAR", "month": "VARCHAR", "amount": "DECIMAL(12,2)",
        "source": "VARCHAR"}
    households = types(out / "households.parquet")
    assert {k: households[k] for k in ("code", "members", "born", "tags", "enrolled")} == {
        "code": "VARCHAR", "members": "BIGINT", "born": "DATE", "tags": "VARCHAR[]", "enrolled": "DATE"}
    assert types(out / "problems.parquet")["escalated"] == "BOOLEAN"
    assert types(out / "pairings.parquet")["until"] == "DATE"
    # H02's tags were "工伤,低保" in the demo; its enrolment date survives as a date.
    assert one(f"SELECT tags, enrolled FROM '{out}/households.parquet' WHERE code = 'H02'") == (
        ["工伤", "低保"], dt.date(2003, 7, 1))


def test_written_in_batches_with_one_schema(demo, tmp_path, monkeypatch):
    import aidtrack.ops.parquet as parquet

    monkeypatch.setattr(parquet, "BATCH", 50)
    path = tmp_path / "income.parquet"
    demo("export", "income", "--out", str(path))
    # 165 demo income rows in batches of 50: 50 + 50 + 50 + 15, one row group each.
    assert pq.ParquetFile(path).num_row_groups == 4
    assert one(f"SELECT count(*) FROM '{path}'")[0] == 165


def test_a_province_reads_many_cities_at_once(demo, tmp_path):
    cities = tmp_path / "cities"
    for city in ("伊春", "鹤岗"):
        demo("export", "all", "--format", "parquet", "--out", str(cities / city))
    con = duckdb.connect()
    con.execute(f"CREATE VIEW visits AS SELECT * FROM read_parquet('{cities}/*/visits.parquet',"
                " filename=true)")
    rows = con.execute("SELECT regexp_extract(filename, 'cities/([^/]+)/', 1) AS city, count(*) FROM visits"
                       " GROUP BY city ORDER BY city").fetchall()
    assert rows == [("伊春", 148), ("鹤岗", 148)]


def test_redact_refusals_and_missing_pyarrow(demo, tmp_path, monkeypatch):
    path = tmp_path / "households.parquet"
    demo("export", "households", "--format", "parquet", "--out", str(path), "--redact")
    assert one(f"SELECT name, phone, id_number FROM '{path}' WHERE code = 'H01'") == (
        "刘**", None, None)
    r = demo("export", "all", "--format", "parquet", "--headers", "zh", "--out", str(tmp_path / "x"), code=2)
    assert "Parquet columns keep the field names" in r.output
    r = demo("export", "aid", "--format", "parquet", code=2)
    assert "parquet is written to a file" in r.output
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    r = demo("export", "all", "--format", "parquet", "--out", str(tmp_path / "y"), code=2)
    assert r.output.strip().splitlines() == [
        "Error: format: parquet needs pyarrow, which is not installed: pip install 'aidtrack[parquet]'"]
    assert not (tmp_path / "y").exists()
    assert sqlite3.connect(demo.db).execute("SELECT count(*) FROM aid").fetchone()[0] == 57
