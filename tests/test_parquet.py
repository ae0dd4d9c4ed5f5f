"""Parquet hand-off: one typed file per table, read back with DuckDB as a province would."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from aidtrack.kinds import KINDS
from aidtrack.ops.transfer.demo import DEMO_DATA
from aidtrack.ops.transfer.importer import import_bundle
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
    # The demo's aid: 77 records worth 19,060 yuan.
    assert one(f"SELECT count(*), sum(value) FROM read_parquet('{out}/aid.parquet')") == (
        77,
        Decimal("19060.00"),
    )


def test_column_types(demo, tmp_path):
    out = tmp_path / "pq"
    demo("export", "all", "--format", "parquet", "--out", str(out))
    assert types(out / "aid.parquet") == {
        "id": "BIGINT",
        "household": "VARCHAR",
        "date": "DATE",
        "kind": "VARCHAR",
        "value": "DECIMAL(12,2)",
        "giver": "VARCHAR",
        "note": "VARCHAR",
        "measure": "VARCHAR",
        "giver_type": "VARCHAR",
        "household_id": "BIGINT",
        "giver_cadre_id": "BIGINT",
        "measure_id": "BIGINT",
        "source_id": "BIGINT",
        "unit": "VARCHAR",
    }
    assert types(out / "income.parquet") == {
        "id": "BIGINT",
        "household": "VARCHAR",
        "month": "VARCHAR",
        "amount": "DECIMAL(12,2)",
        "source": "VARCHAR",
        "household_id": "BIGINT",
        "source_id": "BIGINT",
        "unit": "VARCHAR",
    }
    assert {k: v for k, v in types(out / "visits.parquet").items() if k.endswith("_id")} == {
        "pairing_id": "BIGINT",
        "source_id": "BIGINT",
    }
    assert types(out / "problems.parquet")["visit_id"] == "BIGINT"
    households = types(out / "households.parquet")
    assert {k: households[k] for k in ("code", "members", "born", "tags", "enrolled")} == {
        "code": "VARCHAR",
        "members": "BIGINT",
        "born": "DATE",
        "tags": "VARCHAR[]",
        "enrolled": "DATE",
    }
    assert types(out / "problems.parquet")["escalated"] == "BOOLEAN"
    assert types(out / "pairings.parquet")["until"] == "DATE"
    # H02's tags were "工伤,低保" in the demo; its enrolment date survives as a date.
    assert one(f"SELECT tags, enrolled FROM '{out}/households.parquet' WHERE code = 'H02'") == (
        ["工伤", "低保"],
        dt.date(2003, 7, 1),
    )


def test_written_in_batches_with_one_schema(demo, tmp_path, monkeypatch):
    import aidtrack.ops.transfer.parquet as parquet

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
    con.execute(
        f"CREATE VIEW visits AS SELECT * FROM read_parquet('{cities}/*/visits.parquet', filename=true)"
    )
    rows = con.execute(
        "SELECT regexp_extract(filename, 'cities/([^/]+)/', 1) AS city, count(*) FROM visits"
        " GROUP BY city ORDER BY city"
    ).fetchall()
    assert rows == [("伊春", 148), ("鹤岗", 148)]


def test_redact_refusals_and_missing_pyarrow(demo, tmp_path, monkeypatch):
    path = tmp_path / "households.parquet"
    demo("export", "households", "--format", "parquet", "--out", str(path), "--redact")
    assert one(f"SELECT name, phone, id_number FROM '{path}' WHERE code = 'H01'") == ("刘**", None, None)
    r = demo("export", "all", "--format", "parquet", "--headers", "zh", "--out", str(tmp_path / "x"), code=2)
    assert "Parquet columns keep the field names" in r.output
    r = demo("export", "aid", "--format", "parquet", code=2)
    assert "parquet is written to a file" in r.output
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    r = demo("export", "all", "--format", "parquet", "--out", str(tmp_path / "y"), code=2)
    assert r.output.strip().splitlines() == [
        "Error: format: parquet needs pyarrow, which is not installed: pip install 'aidtrack[parquet]'"
    ]
    assert not (tmp_path / "y").exists()
    assert sqlite3.connect(demo.db).execute("SELECT count(*) FROM aid").fetchone()[0] == 77


# -- the hand-off of a city: partitioned by unit and year, only what changed ----------------------

END = dt.date(2026, 9, 30)


def _generator():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"
    spec = importlib.util.spec_from_file_location("bench_generate_parquet", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def unit_files(tmp_path_factory):
    """Three generated units (25 households × 2 years each), each imported into its own file."""
    from aidtrack.ops.transfer.importer import import_bundle as load

    folder = tmp_path_factory.mktemp("generated")
    _generator().generate(folder / "gen", households=25, years=2, seed=5, units=3, end=END)
    out = []
    for name in ("unit01", "unit02", "unit03"):
        path = folder / f"{name}.db"
        db = open_store(path)
        try:
            load(db, folder / "gen" / name).raise_if_errors()
        finally:
            db.close()
        out.append(path)
    return out


@pytest.fixture
def city(cli, unit_files, tmp_path):
    import shutil

    copies = []
    for path in unit_files:
        shutil.copy(path, tmp_path / path.name)
        copies.append(tmp_path / path.name)
    cli("merge", *map(str, copies))
    cli.units = copies
    return cli


QUARTER_SQL = Path(__file__).resolve().parents[1] / "examples" / "duckdb" / "quarter.sql"
FIGURES = (
    "pairings",
    "compliant",
    "visits",
    "visits_cumulative",
    "aid_value",
    "households",
    "problems_open_escalated",
)


def duckdb_quarter(folder, quarter: str, per_quarter: int = 2) -> dict:
    start, end = _quarter_days(quarter)
    con = duckdb.connect()
    con.execute(f"SET VARIABLE handoff = '{folder}'")
    con.execute(f"SET VARIABLE quarter_start = DATE '{start}'")
    con.execute(f"SET VARIABLE quarter_end = DATE '{end}'")
    con.execute(f"SET VARIABLE visits_per_quarter = {per_quarter}")
    cur = con.execute(QUARTER_SQL.read_text(encoding="utf-8"))
    names = [d[0] for d in cur.description]
    return {r[0]: dict(zip(names, r)) for r in cur.fetchall()}


def _quarter_days(quarter: str) -> tuple[dt.date, dt.date]:
    year, n = int(quarter[:4]), int(quarter[5])
    start = dt.date(year, 3 * n - 2, 1)
    end = (dt.date(year + (n == 4), 1 if n == 4 else 3 * n + 1, 1)) - dt.timedelta(days=1)
    return start, end


def income_per_person(cli, quarter: str, unit: str | None) -> Decimal | None:
    """The mean, to the fen (half up), of the unit's paired households' income per person that
    aidtrack's own quarter report shows (one figure per household)."""
    import json

    args = ("report", "quarter", quarter, "--format", "json") + (("--unit", unit) if unit else ())
    rows = json.loads(cli(*args).stdout)["pairings"]
    per = {
        r["household"]: Decimal(str(r["income_per_person"]))
        for r in rows
        if r["income_per_person"] is not None
    }
    if not per:
        return None
    fen = sum(int(v * 100) for v in per.values())
    return Decimal((2 * fen + len(per)) // (2 * len(per))).scaleb(-2)


def assert_quarter_equal(cli, folder, quarter: str) -> None:
    import json

    report = json.loads(cli("report", "quarter", quarter, "--by", "unit", "--format", "json").stdout)
    sql = duckdb_quarter(folder, quarter)
    assert list(sql) == [r["unit"] for r in report["by_unit"]]
    for row in report["by_unit"]:
        got = sql[row["unit"]]
        assert {k: row[k] for k in FIGURES} == {
            k: (float(got[k]) if k == "aid_value" else got[k]) for k in FIGURES
        }, row["unit"]
        unit = None if row["unit"] == "(this file)" else row["unit"]
        assert got["income_per_person"] == income_per_person(cli, quarter, unit), row["unit"]
        # the report's own unit row says the same (`--by unit` carries income)
        mine = row["income_per_person"]
        assert got["income_per_person"] == (None if mine is None else Decimal(str(mine))), row["unit"]


def test_quarter_sql_equals_the_report_on_the_demo(demo, tmp_path):
    out = tmp_path / "wh"
    demo("export", "all", "--format", "parquet", "--partition", "unit,year", "--out", str(out))
    assert_quarter_equal(demo, out, "2004Q3")
    assert_quarter_equal(demo, out, "2003Q4")
    # the demo's 2004Q3 by hand (STORY.md): 10 pairings all compliant, 30 visits, 5,960 yuan of aid
    row = duckdb_quarter(out, "2004Q3")["(this file)"]
    assert (row["pairings"], row["compliant"], row["visits"], row["aid_value"]) == (
        10,
        10,
        30,
        Decimal("5960.00"),
    )


def test_quarter_sql_equals_the_report_on_a_generated_city(city, tmp_path):
    out = tmp_path / "wh"
    city("export", "all", "--format", "parquet", "--partition", "unit,year", "--out", str(out))
    for quarter in ("2026Q3", "2025Q4", "2025Q1"):
        assert_quarter_equal(city, out, quarter)
    rows = duckdb_quarter(out, "2026Q3")
    assert list(rows) == ["unit01", "unit02", "unit03"] and all(r["pairings"] > 20 for r in rows.values())


def test_handoff_is_partitioned_with_units_links_and_stable_ids(city, tmp_path):
    out = tmp_path / "wh"
    city("export", "all", "--format", "parquet", "--partition", "unit,year", "--out", str(out))
    assert (out / "visits" / "unit=unit02" / "year=2025" / "data.parquet").is_file()
    assert (out / "households" / "unit=unit02" / "data.parquet").is_file()  # no year: unit only
    assert (out / "units.parquet").is_file()
    for table in KINDS:  # every kind is merged, and handed off with its unit
        stored = city.scalar(f"SELECT count(*) FROM {table}")
        if not stored:  # a generated city has no plans, jobs, monitoring or meetings (test_merge_kinds)
            assert not list((out / table).rglob("*.parquet")), table
            continue
        glob = f"{out}/{table}/*/**/*.parquet"
        n, units = one(
            f"SELECT count(*), count(DISTINCT unit) FROM read_parquet('{glob}', hive_partitioning = true)"
        )
        assert (n, units) == (stored, 3), table
    # the link columns join as the city file's tables do, on the city file's ids
    con = duckdb.connect()
    for table in ("visits", "pairings", "problems"):
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{out}/{table}/*/*/*.parquet',"
            " hive_partitioning = true)"
        )
    assert con.execute(
        "SELECT count(*) FROM visits v JOIN pairings p ON p.id = v.pairing_id"
        " WHERE p.unit = v.unit AND p.household = v.household"
    ).fetchone()[0] == (city.scalar("SELECT count(*) FROM visits"))
    assert con.execute(
        "SELECT count(*) FROM problems pr JOIN visits v ON v.id = pr.visit_id WHERE v.date = pr.date"
    ).fetchone()[0] == city.scalar("SELECT count(*) FROM problems")
    # (unit, source_id) is each record's id in its unit's file
    unit_visits = (
        sqlite3.connect(city.units[1])
        .execute(
            "SELECT v.id, v.date, h.code FROM visits v JOIN pairings p ON p.id = v.pairing_id"
            " JOIN households h ON h.id = p.household_id ORDER BY v.id"
        )
        .fetchall()
    )
    got = con.execute(
        "SELECT source_id, date, household FROM visits WHERE unit = 'unit02' ORDER BY source_id"
    ).fetchall()
    assert got == [(i, dt.date.fromisoformat(d), f"unit02/{c}") for i, d, c in unit_visits]
    # no path of this machine in any column; timestamps typed
    units = types(out / "units.parquet")
    assert (units["merged_at"], units["changed_at"]) == ("TIMESTAMP WITH TIME ZONE",) * 2
    assert [r[0] for r in duckdb.sql(f"SELECT source FROM '{out}/units.parquet' ORDER BY id").fetchall()] == [
        "unit01.db",
        "unit02.db",
        "unit03.db",
    ]
    for path in out.rglob("*.parquet"):
        text = duckdb.sql(f"SELECT * FROM read_parquet('{path}', hive_partitioning = false)").fetchall()
        assert str(tmp_path) not in repr(text), path


def test_handoff_of_only_what_changed(city, tmp_path):
    import os
    import time

    out = tmp_path / "wh"
    city("export", "all", "--format", "parquet", "--partition", "unit,year", "--out", str(out))
    kept = {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet")}
    time.sleep(0.01)
    conn = sqlite3.connect(city.db)  # as if the three were merged last month
    conn.execute("UPDATE units SET changed_at = '2026-10-30T22:00:00+00:00'")
    conn.commit()
    conn.close()
    # unit02 changes: one visit more; merged again; the nightly hand-off moves only unit02
    unit02 = type(city)(city.units[1])
    code = unit02.scalar(
        "SELECT h.code FROM pairings p JOIN households h ON h.id = p.household_id"
        " WHERE p.until IS NULL ORDER BY h.code LIMIT 1"
    )
    unit02("visit", "add", code, "--date", "2026-09-29", "--situation", "夜间增补")
    city("merge", *map(str, city.units))
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    r = city(
        "export",
        "all",
        "--format",
        "parquet",
        "--partition",
        "unit,year",
        "--changed-since",
        today,
        "--out",
        str(out),
    )
    assert "visits: " in r.stderr
    for path, mtime in kept.items():
        if "unit=unit02" in str(path) or path.name == "units.parquet":
            continue
        assert path.stat().st_mtime_ns == mtime, path  # the other units' files untouched
    n = one(
        f"SELECT count(*) FROM read_parquet('{out}/visits/*/*/*.parquet', hive_partitioning = true)"
        " WHERE situation = '夜间增补'"
    )[0]
    assert n == 1
    assert one(f"SELECT count(*) FROM read_parquet('{out}/visits/*/*/*.parquet')")[0] == city.scalar(
        "SELECT count(*) FROM visits"
    )
    # a day after the last merge: nothing changed since, nothing written but units.parquet
    tomorrow = (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=1)).isoformat()
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet") if p.name != "units.parquet"}
    city(
        "export",
        "all",
        "--format",
        "parquet",
        "--partition",
        "unit,year",
        "--changed-since",
        tomorrow,
        "--out",
        str(out),
    )
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet") if p.name != "units.parquet"} == before
    # --unit without partitioning: one file per table with that unit's rows only
    flat = tmp_path / "flat"
    city("export", "all", "--format", "parquet", "--unit", "unit03", "--out", str(flat))
    assert one(f"SELECT list(DISTINCT unit) FROM '{flat}/visits.parquet'")[0] == ["unit03"]
    assert not any(n.startswith(".") for n in os.listdir(out / "visits"))  # no temporary folder left
    r = city("export", "visits", "--format", "parquet", "--partition", "unit", "--out", str(flat), code=2)
    assert "export all --format parquet" in r.output
    r = city("export", "all", "--format", "parquet", "--partition", "year", "--out", str(flat), code=2)
    assert "partition" in r.output and "unit,year" in r.output
