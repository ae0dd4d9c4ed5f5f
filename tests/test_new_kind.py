"""A kind declared once is a kind the whole program knows (issue #23, "Done when").

The test declares a throwaway kind, `trainings` (a household, a date, a course, hours; Chinese
headers), registers it and creates its table from the declaration (store.schema.create_sql), and
writes nothing else: its add, edit, list and delete commands, import (CSV, JSON, xlsx, Chinese
headers), export (every format), merge, the household's delete with it as a blocker and the
import's conflict messages all follow from the declaration.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from aidtrack import kinds
from aidtrack.kinds import Field, Filter, Kind, _ref

from conftest import Cli, command

TRAININGS = Kind(
    name="trainings",
    singular="training",
    table="trainings",
    alias="tr",
    shape=(
        _ref("household", ("帮扶对象", "户主编号"), "h.code", required=True),
        Field(
            "date",
            "date",
            ("培训日期", "日期"),
            default="today",
            dated=True,
            not_future=True,
            column="date",
            sql="tr.date",
            help="The day of the course, YYYY-MM-DD (default: today).",
        ),
        Field(
            "course",
            "text",
            ("培训课程", "课程"),
            required=True,
            max_len=200,
            column="course",
            sql="tr.course",
            help="What was taught, e.g. 电工.",
        ),
        Field("hours", "int", ("课时",), minimum=1, column="hours", sql="tr.hours", help="How long."),
    ),
    columns=("household_id", "date", "course", "hours"),
    natural_key=("household_id", "date", "course"),
    source="trainings tr JOIN households h ON h.id = tr.household_id",
    order="tr.date, h.code, tr.id",
    list_columns=("id", "household", "date", "course", "hours"),
    sheet_zh=("技能培训",),
    key_words="household, date, course",
    filters={"household": Filter("tr.household_id = ?", "household")},
    group="training",
    about="Trainings: courses a household's members attended.",
)


@pytest.fixture
def trainings():
    """The kind registered for one test (and the CLI's command tree rebuilt with it, and after)."""
    kinds.register(TRAININGS)
    command.cache_clear()
    try:
        yield TRAININGS
    finally:
        kinds.unregister("trainings")
        command.cache_clear()


def register(path: Path) -> Cli:
    """A unit's register with one household and the trainings table, as its migration would make it."""
    from aidtrack.store.schema import create_sql

    cli = Cli(path)
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2003-07-01")
    conn = sqlite3.connect(path)
    conn.executescript(create_sql(TRAININGS))
    conn.close()
    return cli


def test_a_new_kind_needs_nothing_but_its_declaration(trainings, tmp_path):
    cli = register(tmp_path / "交通局.db")

    # add, edit, list
    assert (
        cli("training", "add", "H01", "--date", "2004-03-01", "--course", "电工", "--hours", "8").stdout
        == "1\n"
    )
    r = cli("training", "add", "H01", "--date", "2004-03-01", "--course", "电工", code=2)
    assert "Error: " in r.stderr and "already stored" in r.stderr
    r = cli("training", "add", "H01", "--hours", "0", "--course", "焊工", code=2)
    assert r.stderr.startswith("Error: hours: ")
    cli("training", "edit", "1", "--hours", "10")
    assert cli.rows("SELECT household_id, date, course, hours FROM trainings") == [
        (1, "2004-03-01", "电工", 10)
    ]
    listed = json.loads(cli("training", "list", "--household", "H01", "--format", "json").stdout)
    assert [(t["household"], t["date"], t["course"], t["hours"]) for t in listed] == [
        ("H01", "2004-03-01", "电工", 10)
    ]
    assert "--course" in cli("training", "add", "--help").stdout

    # export in every format, and import of each readable one into a second register
    for fmt in ("csv", "json", "jsonl", "xlsx", "parquet"):
        out = tmp_path / f"trainings.{fmt}"
        cli("export", "trainings", "--out", str(out))
        assert out.stat().st_size > 0
        if fmt == "parquet":
            import pyarrow.parquet as pq

            assert pq.read_table(out).column("course").to_pylist() == ["电工"]
            continue
        other = register(tmp_path / f"copy-{fmt}.db")
        other("import", "trainings", str(out))
        assert other.rows("SELECT date, course, hours FROM trainings") == [("2004-03-01", "电工", 10)], fmt
        other("import", "trainings", str(out))  # again: unchanged, nothing added
        assert other.scalar("SELECT count(*) FROM trainings") == 1

    # Chinese headers, and the conflict message in the file's words
    zh = tmp_path / "培训.csv"
    zh.write_text(
        "帮扶对象,培训日期,培训课程,课时\nH01,2004-03-01,电工,12\nH01,2004-04-01,焊工,6\n", encoding="utf-8"
    )
    before = cli.checksum()
    r = cli("import", "trainings", str(zh), code=2)
    assert r.stderr.splitlines()[0].startswith(
        f"{zh}:2: household, date, course: H01, 2004-03-01, '电工' is stored with other values"
        " (hours: stored 10, file 12)"
    )
    assert cli.checksum() == before
    cli("import", "trainings", str(zh), "--on-conflict", "replace")
    assert cli.rows("SELECT course, hours FROM trainings ORDER BY id") == [("电工", 12), ("焊工", 6)]
    cli("export", "trainings", "--headers", "zh", "--out", str(tmp_path / "zh.csv"))
    assert (tmp_path / "zh.csv").read_text(encoding="utf-8-sig").splitlines()[
        0
    ] == "帮扶对象,培训日期,培训课程,课时"

    # merge: a city file copies the unit's trainings under its household
    city = Cli(tmp_path / "city.db")
    city("init")
    conn = sqlite3.connect(city.db)
    from aidtrack.store.schema import create_sql

    conn.executescript(create_sql(TRAININGS))
    conn.close()
    city("merge", str(cli.db), "--format", "json")
    assert city.rows(
        "SELECT h.code, t.course, t.hours FROM trainings t JOIN households h ON h.id = t.household_id ORDER BY t.id"
    ) == [("交通局/H01", "电工", 12), ("交通局/H01", "焊工", 6)]

    # delete: the household is refused while trainings name it, before any question
    r = cli("household", "delete", "H01", code=2)
    assert "is still referred to by 2 trainings" in r.stderr and "--yes" not in r.stderr
    cli("training", "delete", "1", "--yes")
    cli("training", "delete", "2", "--yes")
    cli("household", "delete", "H01", "--yes")
    assert cli.scalar("SELECT count(*) FROM households") == 0
    assert cli.rows("SELECT action, entity FROM audit WHERE entity = 'trainings' ORDER BY id")[-1] == (
        "delete",
        "trainings",
    )
