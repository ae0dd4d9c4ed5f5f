"""`aidtrack export`: the shape import reads, so export all -> import bundle reproduces the register."""

from __future__ import annotations

import json
import os
import stat

import pytest

from aidtrack.kinds import KINDS
from aidtrack.ops.rules.redact import mask_name as mask
from aidtrack.ops.transfer.importer.readers import FIELDS

from conftest import public_records


@pytest.fixture
def register(story):
    """The story fixture grown to every kind, with text that CSV must quote."""
    story("cadre", "add", "王科长", "--code", "C03", "--phone", "13900000003")
    story(
        "household",
        "add",
        "张桂兰",
        "--code",
        "H03",
        "--members",
        "4",
        "--tag",
        "4050",
        "--tag",
        "低保",
        "--address",
        '向阳区"十委", 3号',
        "--id-number",
        "239001196005120023",
        "--born",
        "1960-05-12",
        "--gender",
        "female",
        "--enrolled",
        "2003-08-01",
    )
    story("pair", "add", "C03", "H03", "--since", "2003-08-05")
    story("pair", "end", "H03", "--date", "2004-06-30")
    story("pair", "add", "C02", "H03", "--since", "2004-07-01")  # a cadre may help two households
    story(
        "visit",
        "add",
        "H01",
        "--date",
        "2003-07-10",
        "--kind",
        "initial",
        "--situation",
        "三口人,靠打零工\n月收入不足200元",
        "--problem",
        "无收入",
        "--problem",
        "看病难",
        "--escalate",
    )
    story("visit", "add", "H01", "--date", "2004-09-20", "--kind", "followup", "--event", "illness")
    story("visit", "add", "H03", "--date", "2003-08-05", "--kind", "initial", "--solved", "送米面油")
    story("problem", "resolve", "1", "--date", "2003-07-22", "--note", "买三轮车")
    story("household", "status", "H01", "--set", "exited", "--date", "2004-03-10", "--reason", "运输")
    story("income", "add", "H01", "--month", "2004-09", "--amount", "650.5", "--source", "三轮车")
    story("income", "add", "H01", "--month", "2004-09", "--amount", "120")
    story("aid", "add", "H01", "--kind", "funds", "--value", "700", "--giver", "C01", "--date", "2003-07-22")
    story(
        "aid",
        "add",
        "H03",
        "--kind",
        "goods",
        "--value",
        "99.99",
        "--giver",
        "局党委",
        "--date",
        "2004-01-20",
        "--note",
        "春节米面油",
    )
    return story


@pytest.mark.parametrize("fmt, twin", [("csv", "all"), ("json", "bundle"), ("jsonl", "all")])
def test_export_all_then_import_all_reproduces_every_record(register, tmp_path, fmt, twin):
    """`import all` is the twin of `export all`; `import bundle` is its older name."""
    from conftest import Cli

    out = tmp_path / "bundle"
    register("export", "all", "--out", str(out), "--format", fmt)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{k}.{fmt}" for k in KINDS)
    copy = Cli(tmp_path / "copy.db")
    copy("import", twin, str(out))
    original, restored = public_records(register.db), public_records(copy.db)
    for kind in KINDS:
        assert restored[kind] == original[kind], kind
    assert sum(len(v) for v in original.values()) > 20


def test_csv_columns_codes_and_yuan(register):
    assert register("export", "income").stdout == (
        "household,month,amount,source\nH01,2004-09,120.00,\nH01,2004-09,650.50,三轮车\n"
    )
    assert register("export", "aid").stdout == (
        "household,date,kind,value,giver,note,giver_type,measure\n"
        "H01,2003-07-22,funds,700.00,C01,,,\n"
        "H03,2004-01-20,goods,99.99,局党委,春节米面油,,\n"
    )
    header, *rows = register("export", "problems").stdout.splitlines()
    assert header.split(",") == list(FIELDS["problems"])
    # Escalated at the visit: the escalation's date is the visit's.
    assert rows[0] == "H01,2003-07-10,initial,无收入,1,2003-07-10,,2003-07-22,买三轮车"
    households = register("export", "households").stdout
    assert households.splitlines()[0].split(",") == list(FIELDS["households"])
    assert (
        'H03,张桂兰,4,"向阳区""十委"", 3号",,,1960-05-12,female,,239001196005120023,,"4050,低保",2003-08-01'
    ) in households


def test_json_numbers_and_jsonl_lines(register):
    data = json.loads(register("export", "income", "--format", "json").stdout)
    assert data == [
        {"household": "H01", "month": "2004-09", "amount": 120.0, "source": ""},
        {"household": "H01", "month": "2004-09", "amount": 650.5, "source": "三轮车"},
    ]
    lines = register("export", "problems", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["escalated"] for line in lines] == [True, True]
    h = json.loads(register("export", "households", "-f", "json").stdout)
    assert h[2]["tags"] == ["4050", "低保"] and h[2]["members"] == 4


def test_statuses_leave_out_the_enrolment_households_import_writes(register):
    # Each household has its automatic enrolled entry (3); only the later ones are exported.
    assert register.scalar("SELECT count(*) FROM statuses") == 3 + 1
    assert register("export", "statuses").stdout == (
        "household,status,date,reason\nH01,exited,2004-03-10,运输\n"
    )


def test_redact_masks_personal_data(register, tmp_path):
    assert mask("刘香福") == "刘**" and mask("王") == "王" and mask(None) is None
    out = tmp_path / "h.json"
    register("export", "households", "--redact", "--out", str(out))
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert [r["name"] for r in rows] == ["刘**", "满**", "张**"]
    assert {(r["phone"], r["id_number"], r["address"]) for r in rows} == {(None, None, None)}
    assert rows[2]["born"] == "1960-05-12"  # not identifying on its own: kept
    cadres = register("export", "cadres", "--redact").stdout
    assert cadres.splitlines()[1:] == ["C01,吴**,,局长,", "C02,李***,,,", "C03,王**,,,"]


def test_files_are_private_and_all_needs_a_directory(register, tmp_path):
    out = tmp_path / "v.csv"
    r = register("export", "visits", "--out", str(out))
    assert "visits: 3 record(s) written" in r.stderr and r.stdout == ""
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    r = register("export", "all", code=2)
    assert "--out DIR" in r.stderr
    r = register("export", "all", "--out", str(out), code=2)
    assert "is a file" in r.stderr
    r = register("export", "visits", "--format", "xml", code=2)
    assert "format: must be one of csv, json, jsonl" in r.stderr


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_a_household_never_enrolled_stays_so_through_export_and_import(cli, tmp_path, fmt):
    """An empty 纳入日期 would read back as an enrolment today: the export writes `none`."""
    if fmt == "xlsx":
        pytest.importorskip("openpyxl")
    from conftest import Cli

    cli("household", "add", "赵某", "--code", "H03", "--enrolled", "none")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2003-07-01")
    out = tmp_path / f"households.{fmt}"
    cli("export", "households", "--out", str(out))
    copy = Cli(tmp_path / "copy.db")
    copy("import", "households", str(out))
    assert copy.rows(
        "SELECT h.code, s.status, s.date FROM households h LEFT JOIN statuses s ON s.household_id = h.id ORDER BY h.code"
    ) == [("H01", "enrolled", "2003-07-01"), ("H03", None, None)]
