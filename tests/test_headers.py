"""Chinese column headers: import reads them for every kind; `export --headers zh` writes them back."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from aidtrack.kinds import KINDS
from aidtrack.ops.transfer.demo import DEMO_DATA
from aidtrack.ops.transfer.headers import HEADERS, field_of, table_markdown
from aidtrack.ops.transfer.importer.readers import FIELDS

from conftest import public_records


def put(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_one_table_names_every_field_once():
    for kind in KINDS:
        assert set(HEADERS[kind]) == set(FIELDS[kind]), kind
        names = [unicodedata.normalize("NFKC", n) for f in FIELDS[kind] for n in HEADERS[kind][f]]
        assert len(names) == len(set(names)), f"{kind}: a Chinese header names two fields"
        for f in FIELDS[kind]:
            assert all(field_of(kind, n) == f for n in HEADERS[kind][f])
            assert field_of(kind, f.upper()) == f
    # 金额 is the amount of income but the value of aid: chosen per kind.
    assert field_of("income", "金额") == "amount" and field_of("aid", "金额") == "value"
    assert "| visits | kind | 走访类型 |" in table_markdown()


ZH_CASES = [
    (
        "cadres",
        "编号,姓名,单位,职务,电话\nC09,王干事,市直某局,科员,13900000009\n",
        [],
        "SELECT code, name, unit, title, phone FROM cadres WHERE code = 'C09'",
        [("C09", "王干事", "市直某局", "科员", "13900000009")],
    ),
    (
        "households",
        "编号,户主,家庭人口,地址,原单位,生计,出生日期,性别,电话,身份证号,标签,纳入日期\n"
        "H09,赵桂兰,4,红旗街1号,木材公司,养殖业,1960-05-12,女,8210000,239001196005120023,"
        '"4050,低保",2003-08-01\n',
        [],
        "SELECT h.code, h.name, h.members, h.address, h.employer, h.livelihood, h.born, h.gender, h.phone,"
        " h.id_number, h.tags, s.status, s.date FROM households h JOIN statuses s ON s.household_id = h.id"
        " WHERE h.code = 'H09'",
        [
            (
                "H09",
                "赵桂兰",
                4,
                "红旗街1号",
                "木材公司",
                "husbandry",
                "1960-05-12",
                "female",
                "8210000",
                "239001196005120023",
                "4050,低保",
                "enrolled",
                "2003-08-01",
            )
        ],
    ),
    (
        "statuses",
        "户主,状态,日期,原因\nH01,脱贫,2004-03-10,三轮车运输\n满运良,致富,2004-04-01,\n",
        [],
        "SELECT household_id, status, date, reason FROM statuses WHERE status != 'enrolled' ORDER BY id",
        [(1, "exited", "2004-03-10", "三轮车运输"), (2, "prosperous", "2004-04-01", None)],
    ),
    (
        "pairings",
        "帮扶干部,帮扶对象,开始日期,结束日期\nC02,H01,2003-07-01,2003-07-09\n",
        [],
        "SELECT cadre_id, household_id, since, until FROM pairings WHERE id > 2",
        [(2, 1, "2003-07-01", "2003-07-09")],
    ),
    # Mixed English and Chinese headers, a header with spaces around it.
    (
        "visits",
        "户主, 帮扶干部 ,走访日期,走访类型,情况,解决问题,event\n"
        "H01,C01,2004-09-20,回访,胃穿孔手术后在家休养,局长陪同住院并买药,疾病\n",
        [],
        "SELECT pairing_id, date, kind, situation, solved, event FROM visits",
        [(1, "2004-09-20", "followup", "胃穿孔手术后在家休养", "局长陪同住院并买药", "illness")],
    ),
    (
        "problems",
        "帮扶对象,日期,走访类型,问题,提交党委会,解决日期,解决办法\n"
        "H01,2004-09-20,回访,医药费无力承担,是,2004-10-05,局党委研究解决\n",
        [("visit", "add", "H01", "--date", "2004-09-20", "--kind", "followup")],
        "SELECT visit_id, problem, escalated, resolved_on, resolution FROM problems",
        [(1, "医药费无力承担", 1, "2004-10-05", "局党委研究解决")],
    ),
    (
        "income",
        "户主,月份,金额,来源\nH01,2004-10,¥150.50,低保\n",
        [],
        "SELECT household_id, month, amount, source FROM income",
        [(1, "2004-10", 15050, "低保")],
    ),
    (
        "aid",
        "帮扶对象,日期,帮扶类型,金额,捐助人,备注\nH01,2003-07-22,帮资金,700,C01,买三轮车\n"
        "H02,2004-01-20,物资,99.99,局党委,\n",
        [],
        "SELECT household_id, date, kind, value, giver_cadre_id, giver, note FROM aid ORDER BY id",
        [
            (1, "2003-07-22", "funds", 70000, 1, None, "买三轮车"),
            (2, "2004-01-20", "goods", 9999, None, "局党委", None),
        ],
    ),
]


@pytest.mark.parametrize("kind,text,setup,sql,expected", ZH_CASES, ids=[c[0] for c in ZH_CASES])
def test_each_kind_imports_with_chinese_headers(story, tmp_path, kind, text, setup, sql, expected):
    for args in setup:
        story(*args)
    r = story("import", kind, put(tmp_path, f"{kind}.csv", text), "--summary", "json")
    assert json.loads(r.stdout)["counts"][kind]["added"] == len(expected)
    assert story.rows(sql) == expected


def test_unknown_chinese_header_is_named_with_the_chinese_columns(story, tmp_path):
    before = story.checksum()
    r = story("import", "income", put(tmp_path, "i.csv", "户主,月份,收入金额\nH01,2004-10,150\n"), code=2)
    assert "i.csv:1: columns: unknown column(s) 收入金额" in r.output
    assert "帮扶对象, 月份, 金额, 来源" in r.output
    assert story.checksum() == before


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_in_chinese_imports_back_identically(cli, tmp_path, fmt):
    from conftest import Cli

    cli("import", "bundle", str(DEMO_DATA))
    out = tmp_path / "zh"
    cli("export", "all", "--headers", "zh", "--format", fmt, "--out", str(out))
    if fmt == "csv":
        lines = (out / "households.csv").read_text(encoding="utf-8").splitlines()
        assert (
            lines[0]
            == "编号,户主,家庭人口,地址,原单位,生计,出生日期,性别,电话,身份证号,原身份证号,标签,纳入日期,位置"
        )
        assert lines[1].startswith("H01,刘香福,3,") and ",运输,1952-04-17,男," in lines[1]
        problems = (out / "problems.csv").read_text(encoding="utf-8").splitlines()
        assert problems[0] == "帮扶对象,日期,走访类型,问题,提交党委会,提交日期,提交人,解决日期,解决办法"
        assert problems[1].startswith("H01,2003-07-08,对接,") and ",否," in problems[1]
    else:
        aid = json.loads((out / "aid.json").read_text(encoding="utf-8"))
        assert aid[0] == {
            "帮扶对象": "H01",
            "日期": "2003-07-08",
            "帮扶类型": "物资慰问",
            "金额": 100,
            "捐助人": "局党委",
            "备注": "对接送米、面、油",
            "出资方": "帮扶单位",
            "帮扶措施": None,
        }
    copy = Cli(tmp_path / "copy.db")
    copy("import", "bundle", str(out))
    original, restored = public_records(cli.db), public_records(copy.db)
    for kind in KINDS:
        assert restored[kind] == original[kind], kind
    # Each household's first status comes from its enrolled column: 10 + 15 statuses.
    # … and the 28 members are the demo households' counted people (#1 … from each enrolment);
    # 1 livelihood change (H01's dogs from 2003-11-01), the demo's 28 cases and their 115 steps.
    assert sum(len(v) for v in original.values()) == (
        # … 77 aid, 5 meetings and 3 meeting items (the committee, once a quarter), 1 livelihood
        # change, 28 cases and their 115 steps
        11 + 10 + 27 + 11 + 148 + 16 + 165 + 16 + 24 + 77 + 5 + 1 + 28 + 5 + 3 + 1 + 28 + 115
    )


def test_single_kind_to_standard_output_in_chinese(story):
    story("household", "status", "H01", "--set", "exited", "--date", "2004-03-10")
    assert story("export", "statuses", "--headers", "zh").stdout == (
        "帮扶对象,状态,日期,原因\nH01,脱贫,2004-03-10,\n"
    )
    r = story("export", "statuses", "--headers", "fr", code=2)
    assert "headers: must be one of en, zh" in r.output
