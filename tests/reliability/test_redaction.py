"""A reviewer's test of --redact: build a register whose people, phones, ID numbers and addresses
also appear inside free text, redact every output in every format, and search the bytes for every
personal value the register stores."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from aidtrack.ops.transfer import importer
from aidtrack.store import open_store

ROWS = {
    "cadres.csv": "code,name,unit,title,phone\nC01,吴振国,市直某局,局长,13904580101\nC02,李红梅,市直某局,,13904580202\n",
    "households.csv": (
        "code,name,members,address,employer,livelihood,born,gender,phone,id_number,tags,enrolled\n"
        "H01,刘香福,3,东风区八道街21号,木材公司,transport,1952-04-17,male,8213407,239001195204170037,,2003-07-01\n"
        "H02,满运良,2,西林区五道街7号,,,1960-01-02,male,8215555,239001196001020017,,2003-07-01\n"
    ),
    "members.csv": (
        "household,name,relation,born,gender,id_number,joined\n"
        "H01,刘长顺,child,1980-05-06,male,239001198005060015,2003-07-01\n"
        "H01,王秀兰,spouse,1954-03-03,female,239001195403030029,2003-07-01\n"
    ),
    "pairings.csv": "cadre,household,since,until\nC01,H01,2003-07-08,\nC02,H02,2003-07-08,\n",
    "visits.csv": (
        "household,cadre,date,kind,situation,solved,event\n"
        "H01,C01,2003-07-10,initial,王秀兰说刘长顺在东风区八道街21号找活，电话8213407，身份证239001198005060015,,\n"
        "H02,C02,2003-07-11,initial,户主手机13904580202丢了，地址西林区五道街7号，身份证239001196001020017,,\n"
    ),
    "aid.csv": (
        "household,date,kind,value,giver,note,measure\n"
        "H01,2003-07-12,funds,100,吴振国,交给王秀兰，身份证239001195403030029，电话13904580101,\n"
    ),
    "jobs.csv": "household,member,employer,started,ended,wage,insured,found_by,measure\nH01,刘长顺,百货商场,2003-10-08,,400,0,cadre,\n",
    "measures.csv": (
        "household,what,kind,cause,member,cadre,date,due,status,done_on,result\n"
        "H01,给王秀兰找活,job,,王秀兰,C01,2003-07-08,,planned,,刘长顺住东风区八道街21号\n"
    ),
}


def personal_values(db: Path) -> list[str]:
    """Every name, phone, ID number and address the register stores, read straight from the file."""
    conn = sqlite3.connect(db)
    try:
        found = []
        for sql in (
            "SELECT name, phone, id_number, address FROM households",
            "SELECT name, id_number, NULL, NULL FROM members",
            "SELECT name, phone, NULL, NULL FROM cadres",
            "SELECT member, NULL, NULL, NULL FROM jobs",
            "SELECT member, NULL, NULL, NULL FROM measures",
        ):
            for row in conn.execute(sql):
                found += [v for v in row if v and not v.startswith("#")]  # #1: a counted, unnamed member
        return sorted(set(found))
    finally:
        conn.close()


@pytest.fixture(scope="module")
def register(tmp_path_factory):
    from conftest import Cli

    base = tmp_path_factory.mktemp("redaction")
    bundle = base / "bundle"
    bundle.mkdir()
    for name, text in ROWS.items():
        (bundle / name).write_text(text, encoding="utf-8")
    cli = Cli(base / "r.db")
    db = open_store(cli.db)
    importer.import_bundle(db, bundle).raise_if_errors()
    db.close()
    cli("household", "edit", "H02", "--phone", "8219999")  # the old phone stays in the log
    values = personal_values(cli.db)
    assert "王秀兰" in values and "239001198005060015" in values and len(values) >= 16
    return cli, values + ["8215555"]


def texts_of(path: Path) -> str:
    """What a file says, whatever its format: a workbook's XML, a Parquet table's values, text."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8") for n in z.namelist())
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return json.dumps(pq.read_table(path).to_pylist(), ensure_ascii=False, default=str)
    return path.read_text(encoding="utf-8")


def leaks(text: str, values: list[str]) -> list[str]:
    return [v for v in values if v in text]


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "xlsx", "parquet"])
def test_export_all_withholds_every_personal_value(register, tmp_path, fmt):
    cli, values = register
    out = tmp_path / "out"
    cli("export", "all", "--format", fmt, "--out", str(out), "--redact")
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) >= 10
    found = {p.name: leaks(texts_of(p), values) for p in files}
    assert not {k: v for k, v in found.items() if v}
    assert "王**" in texts_of(out / f"members.{fmt}")


def test_parquet_hand_off_withholds_every_personal_value(register, tmp_path):
    cli, values = register
    out = tmp_path / "wh"
    cli("export", "all", "--format", "parquet", "--partition", "unit", "--out", str(out), "--redact")
    files = [p for p in out.rglob("*.parquet")]
    assert files
    text = "\n".join(texts_of(p) for p in files)
    assert "刘**" in text
    assert not leaks(text, values)


@pytest.mark.parametrize("kind", ["members", "jobs", "measures", "visits", "aid", "households", "cadres"])
@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_export_kind_withholds_every_personal_value(register, kind, fmt):
    cli, values = register
    out = cli("export", kind, "--format", fmt, "--redact").stdout
    assert out.strip()
    assert not leaks(out, values)


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "html"])
@pytest.mark.parametrize("ref", ["H01", "H02"])
def test_household_register_withholds_every_personal_value(register, ref, fmt):
    cli, values = register
    out = cli("report", "household", ref, "--format", fmt, "--redact").stdout
    assert "**" in out or "\\*\\*" in out
    assert not leaks(out, values)


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "lines"])
def test_log_withholds_every_personal_value(register, fmt):
    cli, values = register
    out = cli("log", "--limit", "1000", "--format", fmt, "--redact").stdout
    assert out.strip()
    assert not leaks(out, values)


def test_one_function_redacts_a_record_for_every_output(register):
    """The redaction other outputs (a served snapshot) call: one record, its free text included."""
    from aidtrack.ops.rules.redact import redactor

    cli, values = register
    db = open_store(cli.db)
    try:
        r = redactor(db)
        row = r.record({"name": "刘长顺", "phone": "8213407", "note": "王秀兰的电话13904580101"}, blank=None)
    finally:
        db.close()
    assert row == {"name": "刘**", "phone": None, "note": "王**的电话***"}
