"""`aidtrack import`: each kind, each validation rule at its line, atomic, idempotent, audited once."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from aidtrack.model import AidtrackError
from aidtrack.ops.transfer.importer import import_file
from aidtrack.store import open_store

SAMPLES = Path(__file__).resolve().parents[1] / "examples" / "samples"


def put(tmp_path: Path, name: str, text: str, encoding: str = "utf-8", bom: bool = False) -> str:
    """Write a file as a spreadsheet would (dedented; optionally with Excel's BOM or as GBK)."""
    path = tmp_path / name
    data = textwrap.dedent(text).lstrip("\n").encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return str(path)


def summary(result) -> dict:
    return json.loads(result.stdout)["counts"]


def table_counts(cli) -> dict[str, int]:
    return {
        t: cli.scalar(f"SELECT count(*) FROM {t}")
        for t in ("cadres", "households", "statuses", "pairings", "visits", "problems", "income", "aid")
    }


# --- every kind ---------------------------------------------------------------------------------


def test_sample_bundle_loads_every_kind(cli):
    r = cli("import", "bundle", str(SAMPLES), "--summary", "json")
    assert {k: v["added"] for k, v in summary(r).items()} == {
        "cadres": 3,
        "households": 3,
        "statuses": 3,
        "pairings": 3,
        "visits": 4,
        "problems": 3,
        "income": 4,
        "aid": 4,
    }
    # The cadre and the household without a code get the next free ones (C03, H03) and later
    # files reach them by name.
    assert cli.rows("SELECT code, name FROM cadres ORDER BY id") == [
        ("C01", "吴振国"),
        ("C02", "陈立华"),
        ("C03", "李淑珍"),
    ]
    assert cli.rows("SELECT code, name, members, tags FROM households WHERE code = 'H03'") == [
        ("H03", "张桂兰", 4, "4050")
    ]
    assert cli.rows(
        "SELECT c.code, h.code FROM pairings p JOIN cadres c ON c.id = p.cadre_id"
        " JOIN households h ON h.id = p.household_id WHERE h.code = 'H03'"
    ) == [("C03", "H03")]
    # Each household import writes its enrolled entry; the 3 status rows come on top: 3 + 3.
    assert cli.scalar("SELECT count(*) FROM statuses WHERE status = 'enrolled' AND reason = 'enrolled'") == 3
    assert cli.scalar("SELECT count(*) FROM statuses") == 6
    assert cli.rows("SELECT problem, escalated FROM problems ORDER BY id") == [
        ("没有谋生门路", 0),
        ("医药费无力承担", 1),
        ("缺少养殖本钱", 0),
    ]  # 否, 是, 0
    # 600 + ¥150.50 + 780.00 + 700元 = 2230.50 yuan
    assert cli.scalar("SELECT sum(amount) FROM income") == 60000 + 15050 + 78000 + 70000
    assert cli.rows("SELECT value, giver_cadre_id, giver FROM aid ORDER BY id") == [
        (70000, 1, None),
        (40000, None, "局党委"),
        (100000, 1, None),
        (0, None, None),
    ]


KIND_CASES = [
    (
        "cadres",
        "code,name,title\nC03,王科长,科长\n,赵干事,\n",
        "SELECT code, name, title FROM cadres WHERE id > 2 ORDER BY id",
        [("C03", "王科长", "科长"), ("C04", "赵干事", None)],
    ),
    (
        "households",
        'name,members,tags,enrolled\n李秀英,2,"4050，低保",2003-08-01\n',
        "SELECT h.code, h.members, h.tags, s.status, s.date FROM households h"
        " JOIN statuses s ON s.household_id = h.id WHERE h.id > 2",
        [("H03", 2, "4050,低保", "enrolled", "2003-08-01")],
    ),
    (
        "statuses",
        "household,status,date,reason\nH01,exited,2004-03-10,三轮车\n满运良,exited,2004-04-01,\n",
        "SELECT household_id, status, date, reason FROM statuses WHERE status != 'enrolled' ORDER BY id",
        [(1, "exited", "2004-03-10", "三轮车"), (2, "exited", "2004-04-01", None)],
    ),
    (
        "pairings",
        "cadre,household,since,until\nC02,H01,2003-07-01,2003-07-09\n",
        "SELECT cadre_id, household_id, since, until FROM pairings WHERE id > 2",
        [(2, 1, "2003-07-01", "2003-07-09")],
    ),
    (
        "visits",
        "household,cadre,date,kind,situation\nH01,C01,2003-07-10,initial,送米面油\n"
        "满运良,,2003-08-01,,生活困难\n",
        "SELECT pairing_id, date, kind, situation FROM visits ORDER BY id",
        [(1, "2003-07-10", "initial", "送米面油"), (2, "2003-08-01", "regular", "生活困难")],
    ),
    (
        "problems",
        "household,date,problem,escalated\nH01,2003-07-10,无收入,yes\n",
        "SELECT visit_id, problem, escalated FROM problems",
        [(1, "无收入", 1)],
    ),
    (
        "income",
        "household,month,amount,source\nH01,2004-09,650.5,三轮车\nH02,2004-09,１２０,\n",
        "SELECT household_id, month, amount, source FROM income ORDER BY id",
        [(1, "2004-09", 65050, "三轮车"), (2, "2004-09", 12000, "")],
    ),
    (
        "aid",
        "household,date,kind,value,giver,note\nH01,2003-08-01,funds,700,吴局长,买三轮车\n"
        "H02,2004-01-20,goods,120元,局党委,\n",
        "SELECT household_id, value, giver_cadre_id, giver, note FROM aid ORDER BY id",
        [(1, 70000, 1, None, "买三轮车"), (2, 12000, None, "局党委", None)],
    ),
]


@pytest.mark.parametrize("kind,text,sql,expected", KIND_CASES, ids=[c[0] for c in KIND_CASES])
def test_each_kind_imports(story, tmp_path, kind, text, sql, expected):
    if kind == "problems":
        story("visit", "add", "H01", "--date", "2003-07-10", "--kind", "initial")
    r = story("import", kind, put(tmp_path, f"{kind}.csv", text), "--summary", "json")
    assert summary(r)[kind]["added"] == len(expected)
    assert story.rows(sql) == expected


def test_json_and_jsonl_take_numbers_booleans_and_lists(story, tmp_path):
    story("visit", "add", "H01", "--date", "2003-07-10", "--kind", "initial")
    hs = put(
        tmp_path,
        "h.json",
        '[{"name": "李秀英", "members": 2, "tags": ["4050", "低保"], "enrolled": "2003-08-01"}]',
    )
    story("import", "households", hs)
    assert story.rows("SELECT code, members, tags FROM households WHERE id = 3") == [("H03", 2, "4050,低保")]
    inc = put(
        tmp_path,
        "i.jsonl",
        '{"household": "H01", "month": "2004-09", "amount": 650.5}\n\n'
        '{"household": "H02", "month": "2004-09", "amount": 120}\n',
    )
    story("import", "income", inc)
    assert story.rows("SELECT amount FROM income ORDER BY id") == [(65050,), (12000,)]
    pr = put(
        tmp_path,
        "p.data",
        '[{"household": "H01", "date": "2003-07-10", "problem": "看病难", "escalated": true}]',
    )
    story("import", "problems", pr, "--format", "json")
    assert story.rows("SELECT problem, escalated FROM problems") == [("看病难", 1)]


# --- validation: every rule, at its line, nothing written -------------------------------------

RULES = [
    (
        "visits",
        """
        household,cadre,date,kind,situation,event
        H01,C01,2004-02-30,regular,,
        H99,,2004-01-01,,,
        H01,C02,2004-01-05,,,
        H01,,2003-01-01,,,
        H01,,2999-01-01,,,
        H01,,2004-01-06,weekly,,
        H01,,2004-01-07,,,flood
        H01,,,,,
        H01,,2004-01-08,,,,extra
        H01,,2004-01-09,,ok,
        H01,,2004-01-09,,again,
        """,
        [
            (2, "date: is not a date"),
            (3, "household: no household has this code or name"),
            (4, "cadre: is not the household's paired cadre on 2004-01-05"),
            (5, "date: is outside every pairing of this household"),
            (6, "date: is after today"),
            (7, "kind: must be one of initial, regular, followup"),
            (8, "event: must be one of"),
            (9, "date: is required in a file"),
            (10, "columns: has 7 values, the header has 6 columns"),
            (12, "household, date, kind: H01, 2004-01-09, regular is also on line 11"),
        ],
    ),
    (
        "pairings",
        """
        cadre,household,since,until
        C01,H02,2004-01-01,
        C01,H01,2003-01-01,2002-12-31
        C09,H01,2003-07-01,2003-07-05
        C02,H01,2003-07-01,2003-07-05
        C01,H01,2003-07-03,2003-07-08
        C02,H01,2002-01-01,2002-06-30
        """,
        [
            (2, "since: overlaps the household's pairing from 2003-07-10 to now"),
            (3, "until: is before since"),
            (4, "cadre: no cadre has this code or name"),
            # line 5 is valid and remembered, so line 6 overlaps it
            (6, "since: overlaps the household's pairing from 2003-07-01 to 2003-07-05"),
            # a paired household's history starts at its enrolment, on every path
            (7, "since: is before H01 was enrolled (2003-07-01)"),
        ],
    ),
    (
        "income",
        """
        household,month,amount,source
        H01,2004-09,六百,
        H01,2004-13,600,
        H01,2999-01,600,
        H01,2004-10,,
        H01,2004-11,-5,
        """,
        [
            (2, "amount: is not an amount of yuan"),
            (3, "month: is not a month"),
            (4, "month: is after this month"),
            (5, "amount: is required"),
            (6, "amount: is not an amount"),
        ],
    ),
    (
        "aid",
        """
        household,date,kind,value,giver
        H01,2004-01-01,money,100,
        H01,2004-01-01,funds,,
        H01,2004-01-01,funds,12.345,
        """,
        [
            (2, "kind: must be one of project"),
            (3, "value: is required"),
            (4, "value: is not an amount of yuan"),
        ],
    ),
    (
        "problems",
        """
        household,date,kind,problem,escalated,resolved_on
        H01,2003-07-10,initial,无收入,maybe,
        H01,2003-07-11,,看病难,,
        H01,2003-07-10,,看病难,,2003-07-01
        H01,2003-07-10,,,,
        """,
        [
            (2, "escalated: must be yes or no"),
            (3, "date: no visit to this household on that day"),
            (4, "resolved_on: is before the visit (2003-07-10)"),
            (5, "problem: is required"),
        ],
    ),
    (
        "households",
        """
        code,name,members,born,gender,livelihood
        H07,王,0,,,
        H08,李,1,1952-02-30,,
        H09,赵,1,,m,
        H10,钱,1,,,farming
        H11,,1,,,
        H12,孙,1,,,
        H12,周,1,,,
        """,
        [
            (2, "members: must be at least 1"),
            (3, "born: is not a date"),
            (4, "gender: must be one of male, female"),
            (5, "livelihood: must be one of"),
            (6, "name: is required"),
            (8, "code: H12 is also on line 7"),
        ],
    ),
    ("cadres", "code,name\nC05,\n", [(2, "name: is required")]),
    (
        "statuses",
        "household,status,date\nH01,poor,2004-01-01\nH01,exited,2004-01-02\nH01,exited,2004-01-02\n",
        [
            (2, "status: must be one of enrolled"),
            (4, "household, status, date: H01, exited, 2004-01-02 is also on line 3"),
        ],
    ),
    ("cadres", "code,name,rank\nC05,王\n", [(1, "columns: unknown column(s) rank; cadres columns are code")]),
    ("visits", "household,cadre,kind\nH01,C01,\n", [(1, "columns: required column(s) missing: date")]),
]


@pytest.mark.parametrize("kind,text,expected", RULES, ids=[f"{r[0]}-{i}" for i, r in enumerate(RULES)])
def test_every_rule_reported_at_its_line_and_nothing_written(story, tmp_path, kind, text, expected):
    story("visit", "add", "H01", "--date", "2003-07-10", "--kind", "initial")
    path = put(tmp_path, f"{kind}.csv", text)
    before = story.checksum()
    r = story("import", kind, path, code=2)
    lines = r.stderr.splitlines()
    for line, message in expected:
        assert any(ln.startswith(f"{path}:{line}: {message}") for ln in lines), (line, message, r.stderr)
    # every reported row error is one we expected: nothing else is wrong in these files
    reported = [ln for ln in lines if ln.startswith(f"{path}:")]
    assert len(reported) == len(expected), r.stderr
    assert lines[-1] == f"Error: {len(expected)} error(s) in {path}; nothing was written"
    assert story.checksum() == before


def test_json_errors_name_the_element_and_jsonl_the_line(cli, tmp_path):
    arr = put(
        tmp_path,
        "c.json",
        '[{"code": "C01", "name": "吴"},\n {"code": "C02"}, 5, {"nam": "x"}, {"name": ["a"]}]',
    )
    r = cli("import", "cadres", arr, code=2)
    assert f"{arr}:2: name: is required" in r.stderr
    assert f"{arr}:3: record: is not a JSON object with cadres fields" in r.stderr
    assert f"{arr}:4: fields: unknown field(s) nam" in r.stderr
    assert f"{arr}:5: name: must be a single value" in r.stderr
    lines = put(tmp_path, "c.jsonl", '{"code": "C01", "name": "吴"}\n\n{"code": "C02", "name": \n')
    r = cli("import", "cadres", lines, code=2)
    assert f"{lines}:3: json: is not valid JSON" in r.stderr
    cut = put(tmp_path, "cut.json", '[{"code": "C01", "name": "吴"}')
    r = cli("import", "cadres", cut, code=2)
    assert f"{cut}:1: json: the array ends without its closing ]" in r.stderr
    assert cli.scalar("SELECT count(*) FROM cadres") == 0


def test_errors_beyond_fifty_are_counted(story, tmp_path):
    rows = "".join(f"H01,2004-{i:04d}\n" for i in range(120))  # 120 bad months, no amount either
    path = put(tmp_path, "income.csv", "household,month,amount\n" + rows)
    r = story("import", "income", path, code=2)
    # each row has two errors (month, amount): 240 in all, 50 printed
    assert len([ln for ln in r.stderr.splitlines() if ln.startswith(path)]) == 50
    assert "… and 190 more error(s)" in r.stderr
    assert "Error: 240 error(s)" in r.stderr


def test_one_bad_row_among_ten_thousand_writes_nothing(story, tmp_path):
    start = dt.date(2003, 7, 10)
    lines = ["household,date,situation"]
    for i in range(5000):  # H01 and H02, a visit a day each: 10,000 rows
        day = (start + dt.timedelta(days=i)).isoformat()
        lines += [f"H01,{day},走访", f"H02,{day},走访"]
    lines[7776] = "H01,2004-02-30,走访"  # line 7777 of the file (the header is line 1)
    path = put(tmp_path, "visits.csv", "\n".join(lines) + "\n")
    before = story.checksum()
    r = story("import", "visits", path, code=2)
    assert r.stderr.splitlines()[0] == (
        f"{path}:7777: date: is not a date: month 2 has no day 30 (got '2004-02-30')"
    )
    assert story.checksum() == before
    assert story.scalar("SELECT count(*) FROM visits") == 0


def test_a_bad_file_in_a_bundle_writes_none_of_it(cli, tmp_path):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    for f in SAMPLES.iterdir():
        (bundle / f.name).write_bytes(f.read_bytes())
    with (bundle / "aid.csv").open("a", encoding="utf-8") as f:
        f.write("H09,2004-01-01,funds,1,,\n")  # line 6: no such household
    r = cli("import", "bundle", str(bundle), code=2)
    assert f"{bundle / 'aid.csv'}:6: household: no household has this code or name" in r.stderr
    assert table_counts(cli) == dict.fromkeys(table_counts(cli), 0)


# --- idempotent, conflicts --------------------------------------------------------------------


def test_second_import_adds_nothing(cli):
    cli("import", "bundle", str(SAMPLES))
    first = table_counts(cli)
    r = cli("import", "bundle", str(SAMPLES), "--summary", "json")
    assert all(c["added"] == 0 and c["unchanged"] > 0 for c in summary(r).values())
    assert table_counts(cli) == first
    assert cli.scalar("SELECT count(*) FROM audit WHERE action = 'import'") == 2


def test_income_conflict_under_each_mode(story, tmp_path):
    story("income", "add", "H01", "--month", "2004-09", "--amount", "650", "--source", "三轮车")
    path = put(
        tmp_path,
        "income.csv",
        "household,month,amount,source\nH01,2004-09,700,三轮车\nH01,2004-10,600,三轮车\n",
    )
    before = story.checksum()
    r = story("import", "income", path, code=2)
    assert r.stderr.splitlines()[0].startswith(
        f"{path}:2: household, month, source: H01, 2004-09, '三轮车' is stored with other values"
        " (amount: stored 650.00, file 700.00)"
    )
    assert story.checksum() == before

    r = story("import", "income", path, "--on-conflict", "skip", "--summary", "json")
    assert summary(r)["income"] == {"added": 1, "unchanged": 0, "replaced": 0, "skipped": 1}
    assert story.rows("SELECT month, amount FROM income ORDER BY month") == [
        ("2004-09", 65000),
        ("2004-10", 60000),
    ]

    r = story("import", "income", path, "--on-conflict", "replace", "--summary", "json")
    assert summary(r)["income"] == {"added": 0, "unchanged": 1, "replaced": 1, "skipped": 0}
    assert story.rows("SELECT month, amount FROM income ORDER BY month") == [
        ("2004-09", 70000),
        ("2004-10", 60000),
    ]


def test_aid_is_known_by_its_whole_key_note_included(story, tmp_path):
    """Aid has no value outside its natural key: the file's gift is the stored one or another."""
    story(
        "aid",
        "add",
        "H01",
        "--kind",
        "funds",
        "--value",
        "700",
        "--giver",
        "C01",
        "--date",
        "2003-08-01",
        "--note",
        "买车",
    )
    same = put(
        tmp_path,
        "same.csv",
        "household,date,kind,value,giver,note\nH01,2003-08-01,funds,700.00,吴局长,买车\n",
    )
    assert summary(story("import", "aid", same, "--summary", "json"))["aid"]["unchanged"] == 1
    other = put(
        tmp_path,
        "other.csv",
        "household,date,kind,value,giver,note\nH01,2003-08-01,funds,700.00,吴局长,买三轮车\n",
    )
    assert summary(story("import", "aid", other, "--summary", "json"))["aid"]["added"] == 1
    assert story.rows("SELECT value, giver_cadre_id, note FROM aid ORDER BY id") == [
        (70000, 1, "买车"),
        (70000, 1, "买三轮车"),
    ]
    # twice in one file is still one gift too many
    twice = put(
        tmp_path,
        "twice.csv",
        "household,date,kind,value,note\nH02,2003-08-01,goods,50,米\nH02,2003-08-01,goods,50,米\n",
    )
    r = story("import", "aid", twice, code=2)
    assert "is also on line 2" in r.stderr


def test_household_and_pairing_replace(story, tmp_path):
    path = put(
        tmp_path,
        "h.csv",
        "code,name,members,livelihood,tags,enrolled\nH01,刘香福,4,transport,4050,2003-06-01\n",
    )
    r = story("import", "households", path, code=2)
    assert (
        f"{path}:2: code: H01 is stored with other values (members: stored 3, file 4;"
        " enrolled: stored '2003-07-01', file '2003-06-01')"
    ) in r.stderr
    story("import", "households", path, "--on-conflict", "replace")
    assert story.rows("SELECT members FROM households WHERE code = 'H01'") == [(4,)]
    assert story.rows("SELECT status, date FROM statuses WHERE household_id = 1") == [
        ("enrolled", "2003-06-01")
    ]

    pairs = put(tmp_path, "p.csv", "cadre,household,since,until\nC01,H01,2003-07-10,2004-06-30\n")
    r = story("import", "pairings", pairs, "--on-conflict", "skip", "--summary", "json")
    assert summary(r)["pairings"]["skipped"] == 1
    assert story.rows("SELECT until FROM pairings WHERE id = 1") == [(None,)]
    story("import", "pairings", pairs, "--on-conflict", "replace")
    assert story.rows("SELECT until FROM pairings WHERE id = 1") == [("2004-06-30",)]


def test_rows_without_code_match_by_name(cli, tmp_path):
    path = put(tmp_path, "c.csv", "code,name,title\n,甲,科长\nC07,乙,\n,丙,\n")
    r = cli("import", "cadres", path, "--summary", "json")
    assert summary(r)["cadres"]["added"] == 3
    # codes run on from the highest one, the file's C07 included
    assert cli.rows("SELECT code, name FROM cadres ORDER BY code") == [
        ("C07", "乙"),
        ("C08", "甲"),
        ("C09", "丙"),
    ]
    r = cli("import", "cadres", path, "--summary", "json")
    assert summary(r)["cadres"] == {"added": 0, "unchanged": 3, "replaced": 0, "skipped": 0}
    changed = put(tmp_path, "c2.csv", "name,title\n甲,处长\n")
    r = cli("import", "cadres", changed, code=2)
    assert (
        f"{changed}:2: name: 甲 (without code, matching C08) is stored with other values"
        " (title: stored '科长', file '处长')"
    ) in r.stderr
    cli("cadre", "add", "甲")
    r = cli("import", "cadres", changed, code=2)
    assert (
        f"{changed}:2: name: 甲 matches 2 cadres (C08, C10), none with these values: give the code"
    ) in r.stderr


# --- encodings, standard input, dry run, audit, API -------------------------------------------


def test_bom_is_dropped(cli, tmp_path):
    path = put(tmp_path, "c.csv", "code,name\nC01,吴局长\n", bom=True)
    cli("import", "cadres", path)
    assert cli.rows("SELECT code, name FROM cadres") == [("C01", "吴局长")]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_gbk_refused_unless_named(cli, tmp_path, encoding):
    path = put(tmp_path, "c.csv", "code,name,unit\nC01,吴局长,市直某局\n", encoding="gbk")
    r = cli("import", "cadres", path, code=2)
    assert f"{path}: encoding: is not UTF-8 text" in r.stderr and "--encoding gbk" in r.stderr
    assert cli.scalar("SELECT count(*) FROM cadres") == 0
    cli("import", "cadres", path, "--encoding", encoding)
    assert cli.rows("SELECT code, name, unit FROM cadres") == [("C01", "吴局长", "市直某局")]


def test_standard_input(cli):
    r = cli("import", "cadres", "-", input="code,name\nC01,吴局长\n", code=0)
    assert cli.rows("SELECT code, name FROM cadres") == [("C01", "吴局长")]
    assert r.stderr == ""  # no progress bar when stderr is not a terminal
    cli("import", "cadres", "-", "--format", "jsonl", input='{"code": "C02", "name": "李"}\n')
    assert cli.scalar("SELECT count(*) FROM cadres") == 2
    assert cli.rows("SELECT record FROM audit ORDER BY id") == [("<stdin>",), ("<stdin>",)]


def test_dry_run_writes_nothing(story, tmp_path):
    path = put(tmp_path, "i.csv", "household,month,amount\nH01,2004-09,650\nH02,2004-09,120\n")
    before = story.checksum()
    r = story("import", "income", path, "--dry-run", "--summary", "json")
    data = json.loads(r.stdout)
    assert data["counts"]["income"]["added"] == 2 and data["dry_run"] and not data["written"]
    assert "Dry run: nothing was written." in r.stderr
    assert story.checksum() == before


def test_one_audit_row_per_import(story, tmp_path):
    text = "household,month,amount\n" + "".join(f"H01,2004-{m:02d},600\n" for m in range(1, 13))
    path = put(tmp_path, "income.csv", text)
    story("import", "income", path)
    rows = story.rows("SELECT action, entity, record, after FROM audit WHERE action = 'import'")
    assert len(rows) == 1
    action, entity, record, after = rows[0]
    assert (action, entity, record) == ("import", "income", path)
    after = json.loads(after)
    assert after["sha256"] == hashlib.sha256(Path(path).read_bytes()).hexdigest()
    assert after["counts"] == {"income": {"added": 12, "unchanged": 0, "replaced": 0, "skipped": 0}}
    # failed and dry-run imports leave no entry
    story("import", "income", put(tmp_path, "bad.csv", "household,month,amount\nH01,x,1\n"), code=2)
    story("import", "income", path, "--dry-run")
    assert story.scalar("SELECT count(*) FROM audit WHERE action = 'import'") == 1


def test_api_returns_errors_as_values(story):
    db = open_store(story.db)
    result = import_file(
        db,
        "income",
        io.StringIO("household,month,amount\nH01,2004-09,x\nH07,2004-09,1\n"),
        today=dt.date(2005, 1, 1),
    )
    assert not result.ok and not result.written
    assert [str(e) for e in result.errors] == [
        "<stream>:2: amount: is not an amount of yuan: digits with at most 2 decimals, e.g. 650.50 (got 'x')",
        "<stream>:3: household: no household has this code or name (got 'H07')",
    ]
    with pytest.raises(AidtrackError, match="2 error"):
        result.raise_if_errors()
    ok = import_file(db, "income", io.BytesIO(b"household,month,amount\nH01,2004-09,1\n"))
    assert ok.written and ok.counts == {"income": {"added": 1, "unchanged": 0, "replaced": 0, "skipped": 0}}
    db.close()


# --- killed mid-import ------------------------------------------------------------------------


def test_killed_import_leaves_the_register_as_before(cli, tmp_path):
    """Killed once its write transaction has put a megabyte of visits into the write-ahead log: the
    register holds none of them. (50,000 visits: enough that the import is still running then.)"""
    n_households, per = 100, 500
    cli(
        "import",
        "cadres",
        put(tmp_path, "c.csv", "code,name\n" + "".join(f"C{i:03d},干部{i}\n" for i in range(n_households))),
    )
    cli(
        "import",
        "households",
        put(
            tmp_path,
            "h.csv",
            "code,name,enrolled\n" + "".join(f"H{i:03d},户主{i},2003-07-01\n" for i in range(n_households)),
        ),
    )
    cli(
        "import",
        "pairings",
        put(
            tmp_path,
            "p.csv",
            "cadre,household,since\n"
            + "".join(f"C{i:03d},H{i:03d},2003-07-10\n" for i in range(n_households)),
        ),
    )
    start = dt.date(2003, 7, 10)
    days = [(start + dt.timedelta(days=d)).isoformat() for d in range(per)]
    path = tmp_path / "visits.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("household,date,situation\n")
        for i in range(n_households):
            f.writelines(f"H{i:03d},{day},生活稳定\n" for day in days)
    proc = subprocess.Popen(
        [sys.executable, "-m", "aidtrack", "--db", str(cli.db), "import", "visits", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    probe = sqlite3.connect(cli.db, timeout=0)
    locked = False
    try:
        while proc.poll() is None and not locked:
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                time.sleep(0.005)
            except sqlite3.OperationalError:
                locked = True  # the import holds the write transaction
    finally:
        probe.close()
    # Wait for the visits to reach the write-ahead log (the INSERT is under way), then kill.
    wal = Path(f"{cli.db}-wal")
    size = wal.stat().st_size if wal.exists() else 0
    while proc.poll() is None and (wal.stat().st_size if wal.exists() else 0) < size + (1 << 20):
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert locked, "the import never reached its transaction"
    assert proc.returncode == -signal.SIGKILL, "the import finished before it could be killed"
    n = cli.scalar("SELECT count(*) FROM visits")
    assert n in (0, n_households * per)
    assert cli.scalar("PRAGMA integrity_check") == "ok"
    assert cli.scalar("SELECT count(*) FROM audit WHERE entity = 'visits'") == (1 if n else 0)
    # the register still takes an import afterwards
    cli(
        "import",
        "visits",
        put(tmp_path, "v.csv", "household,date\nH000,2006-06-01\n"),
        "--on-conflict",
        "skip",
    )


def test_conflicts_name_money_in_yuan_and_records_by_code(story, tmp_path):
    """The conflict message of any kind follows the registry: a wage in yuan (not fen), the measure
    a job carries out by its text and the household by code (not internal ids)."""
    story("plan", "add", "H01", "--what", "买三轮车", "--kind", "project", "--date", "2003-07-11")
    story("plan", "add", "H01", "--what", "学开车", "--kind", "training", "--date", "2003-07-11")
    story(
        "job",
        "add",
        "H01",
        "--member",
        "刘强",
        "--started",
        "2003-08-01",
        "--wage",
        "500",
        "--measure",
        "买三轮车",
    )
    path = put(
        tmp_path,
        "jobs.csv",
        "household,member,started,wage,insured,measure\nH01,刘强,2003-08-01,650.50,yes,学开车\n",
    )
    before = story.checksum()
    r = story("import", "jobs", path, code=2)
    assert r.stderr.splitlines()[0].startswith(
        f"{path}:2: household, member, started: H01, '刘强', 2003-08-01 is stored with other values"
        " (wage: stored 500.00, file 650.50; insured: stored no, file yes;"
        " measure: stored 买三轮车, file 学开车)"
    )
    assert story.checksum() == before
