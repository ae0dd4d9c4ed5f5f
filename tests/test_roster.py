"""`import roster`: the one sheet a city office keeps (花名册), split into households, cadres, pairings,
income and causes; its dry-run preview; `export template`, the blank roster that reads back.

tests/data/roster.xlsx is written by tests/make_roster.py; the figures below are worked out by hand
from its ten rows (spreadsheet rows 3 to 12; row 1 is a title, row 2 the header).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl

ROSTER = Path(__file__).parent / "data" / "roster.xlsx"

NAMES = ["刘香福", "满运良", "王桂芝", "赵大林", "孙秀兰", "周大成", "陈玉芬", "李国庆", "高凤琴", "郑春生"]


def roster(tmp_path: Path, edits: dict[tuple[int, str], object] | None = None) -> str:
    """A copy of the roster, with cells changed: {(spreadsheet row, header): value}."""
    path = tmp_path / "roster.xlsx"
    shutil.copy(ROSTER, path)
    if edits:
        book = openpyxl.load_workbook(path)
        sheet = book.active
        heads = [c.value for c in sheet[2]]
        for (row, header), value in edits.items():
            sheet.cell(row=row, column=heads.index(header) + 1, value=value)
        book.save(path)
    return str(path)


def csv_roster(tmp_path: Path, text: str, name: str = "roster.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_roster_imports_every_kind_it_speaks_of(cli, tmp_path):
    r = cli("import", "roster", roster(tmp_path))
    households = cli.rows(
        "SELECT code, name, gender, born, members, livelihood, id_number, tags FROM households ORDER BY code"
    )
    assert [h[1] for h in households] == NAMES
    assert households[0] == (
        "H01",
        "刘香福",
        "male",
        "1952-04-17",
        3,
        "transport",
        "230102195204170014",
        None,
    )
    assert households[1][3] == "1949-11-20"  # a date cell
    assert households[3][3] is None  # 赵大林: only an age (56), never turned into a date
    assert households[3][6] is None
    assert [h[5] for h in households] == [
        "transport",  # 三轮车运输
        "husbandry",  # 养狗
        "commerce",  # 开小卖店
        "transport",  # 人力三轮
        "employment",  # 保洁
        "employment",  # 清雪
        "husbandry",  # 养猪
        "commerce",  # 修车
        "commerce",  # 食杂店
        "transport",  # 出租车
    ]
    # 是否低保 是: 满运良, 赵大林, 孙秀兰, 周大成, 高凤琴
    assert [h[1] for h in households if h[7] == "低保"] == ["满运良", "赵大林", "孙秀兰", "周大成", "高凤琴"]
    assert all(h[7] in (None, "低保") for h in households)
    # enrolment: 2003-07-01 in every form it was typed; 赵大林's serial date 38169 is 2004-07-01
    enrolled = dict(
        cli.rows(
            "SELECT h.name, min(s.date) FROM statuses s JOIN households h ON h.id = s.household_id GROUP BY h.id"
        )
    )
    assert enrolled == {n: "2004-07-01" if n == "赵大林" else "2003-07-01" for n in NAMES}
    # the people 家庭人口 counts, unnamed, as `household add --members` records them: 3+2+4+2+3+1+5+2+3+2
    assert cli.scalar("SELECT count(*) FROM members") == 27
    assert cli.scalar("SELECT count(*) FROM members WHERE name NOT LIKE '#%'") == 0
    # nine cadres, new, with their 职务; 吴振国 helps two households
    assert cli.rows("SELECT code, name, title FROM cadres ORDER BY code")[:2] == [
        ("C01", "吴振国", "局长"),
        ("C02", "李德明", "副局长"),
    ]
    assert cli.scalar("SELECT count(*) FROM cadres") == 9
    pairings = cli.rows(
        "SELECT c.name, h.name, p.since, p.until FROM pairings p JOIN cadres c ON c.id = p.cadre_id"
        " JOIN households h ON h.id = p.household_id ORDER BY h.code"
    )
    assert pairings[0] == ("吴振国", "刘香福", "2003-07-08", None)
    assert pairings[2] == ("张海燕", "王桂芝", "2003-07-01", None)  # no 结对日期: since the enrolment
    assert pairings[3] == ("王建军", "赵大林", "2004-07-08", None)  # serial 38176
    assert pairings[4] == ("吴振国", "孙秀兰", "2003-07-10", None)
    assert len(pairings) == 10
    # 家庭月收入 as the income of the enrolment month, source 花名册, in fen
    income = cli.rows(
        "SELECT h.name, i.month, i.amount, i.source FROM income i JOIN households h ON h.id = i.household_id"
        " ORDER BY h.code"
    )
    assert income[0] == ("刘香福", "2003-07", 450_00, "花名册")
    assert income[3] == ("赵大林", "2004-07", 240_00, "花名册")
    assert [i[2] for i in income] == [
        450_00,
        300_00,
        600_00,
        240_00,
        360_00,
        200_00,
        800_00,
        320_00,
        510_00,
        420_00,
    ]
    # 致贫原因: 13 words mapped to causes, 房屋倒塌 kept as words under other
    causes = cli.rows(
        "SELECT h.name, c.cause, c.date, c.note FROM causes c JOIN households h ON h.id = c.household_id"
        " ORDER BY h.code, c.cause"
    )
    assert [(n, c) for n, c, _d, _note in causes] == [
        ("刘香福", "illness"),  # 因病
        ("刘香福", "laid_off"),  # 下岗
        ("满运良", "disability"),  # 因残
        ("王桂芝", "lack_funds"),  # 缺资金
        ("王桂芝", "schooling"),  # 子女上学
        ("赵大林", "lack_labour"),  # 缺劳动力
        ("孙秀兰", "illness"),
        ("周大成", "lack_labour"),  # 无劳动力
        ("陈玉芬", "lack_skills"),  # 缺技术
        ("陈玉芬", "schooling"),  # 因学
        ("李国庆", "other"),
        ("高凤琴", "disaster"),  # 因灾
        ("高凤琴", "illness"),
        ("郑春生", "laid_off"),  # 失业
    ]
    assert ("李国庆", "other", "2003-07-01", "房屋倒塌") in causes
    assert ("赵大林", "lack_labour", "2004-07-01", None) in causes
    # 人均收入 is only checked: 陈玉芬's 150 is not 800 ÷ 5 = 160 (spreadsheet row 9)
    assert "roster.xlsx:9: 人均收入: is 150.00, but 800.00 ÷ 5 = 160.00" in r.stderr
    assert r.stderr.count("人均收入") == 1
    assert "households" in r.stdout and "10" in r.stdout


def test_importing_the_roster_again_adds_nothing(cli, tmp_path):
    path = roster(tmp_path)
    first = json.loads(cli("import", "roster", path, "--summary", "json").stdout)
    assert first["written"] and first["counts"]["households"]["added"] == 10
    tables = ("cadres", "households", "members", "statuses", "pairings", "income", "causes")
    before = {t: cli.scalar(f"SELECT count(*) FROM {t}") for t in tables}
    again = json.loads(cli("import", "roster", path, "--summary", "json").stdout)
    assert {k: c["added"] for k, c in again["counts"].items()} == dict.fromkeys(
        ("cadres", "households", "members", "pairings", "income", "causes"), 0
    )
    assert again["counts"]["cadres"]["unchanged"] == 9 and again["counts"]["causes"]["unchanged"] == 14
    assert {t: cli.scalar(f"SELECT count(*) FROM {t}") for t in tables} == before


def test_the_dry_run_names_each_columns_fate_and_writes_nothing(cli, tmp_path):
    cli("init")
    before = cli.checksum()
    r = cli("import", "roster", roster(tmp_path), "--dry-run")
    assert cli.checksum() == before
    lines = r.stdout.splitlines()
    for expected in (
        "  序号 → ignored (row numbers)",
        "  户主姓名 → households.name",
        "  出生日期 → households.born",
        "  年龄 → not stored (an age is not a date of birth; give born)",
        "  致贫原因 → causes (13 mapped, 1 kept as words under other)",
        "  家庭月收入 → income.amount (month: the month of 纳入日期; source 花名册)",
        "  人均收入 → not stored (checked against 家庭月收入 ÷ 家庭人口)",
        "  是否低保 → households.tags (低保 where yes: 5 household(s))",
        "  帮扶干部 → pairings.cadre (cadres: 0 found in the register, 9 new)",
        "  备注 → ignored (not a roster column)",
        "  row 13: read past (a total)",
    ):
        assert expected in lines, (expected, r.stdout)
    assert len([line for line in lines if " → " in line]) == 19  # every column of the header, once
    assert "Dry run: nothing was written." in r.stderr
    data = json.loads(cli("import", "roster", roster(tmp_path), "--dry-run", "--summary", "json").stdout)
    assert cli.checksum() == before
    assert not data["written"] and data["rows"] == 10
    assert data["counts"]["households"]["added"] == 10 and data["counts"]["members"]["added"] == 27
    assert {"column": "备注", "to": "ignored", "note": "not a roster column"} in data["columns"]


def test_a_bad_row_refuses_the_whole_file_naming_row_and_column(cli, tmp_path):
    cli("init")
    before = cli.checksum()
    path = roster(
        tmp_path,
        {
            (3, "出生日期"): "2003年13月1日",
            (5, "帮扶干部"): "C99",
            (7, "身份证号"): "230102194911200038",  # 满运良's, on row 4
        },
    )
    r = cli("import", "roster", path, code=2)
    assert cli.checksum() == before
    assert f"{path}:3: 出生日期: is not a date" in r.stderr
    assert f"{path}:5: 帮扶干部: no cadre has the code C99" in r.stderr
    assert f"{path}:7: 身份证号: the same ID number is on row 4" in r.stderr
    assert f"3 error(s) in {path}; nothing was written" in r.stderr
    # the errors are in row order
    errors = [line for line in r.stderr.splitlines() if line.startswith(path)]
    rows = [int(line[len(path) + 1 :].split(":")[0]) for line in errors]
    assert rows == [3, 5, 7]


def test_the_chinese_screen_names_no_english_field(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("AIDTRACK_LANG", "zh")
    path = roster(tmp_path)
    r = cli("import", "roster", path, "--dry-run")
    preview = [line for line in r.stdout.splitlines() if path not in line]
    english = [line for line in preview if re.search(r"[A-Za-z]{2,}", line)]
    assert not english, english
    assert "  户主姓名 → 帮扶对象.户主" in preview
    bad = roster(tmp_path, {(3, "出生日期"): "2003年13月1日"})
    r = cli("import", "roster", bad, code=2)
    error = next(line for line in r.stderr.splitlines() if " 第 3 行，" in line)
    assert error.startswith(f"{bad} 第 3 行，出生日期：不是日期：没有13月")
    assert not re.search(r"\b(born|households|name|field)\b", error), error


def test_cadres_of_the_register_are_found_by_name_or_code(story, tmp_path):
    """吴局长 is C01 by name, C02 by code; 王干事 is new. A cadre's 职务 in the register stays."""
    path = csv_roster(
        tmp_path,
        "序号,户主姓名,家庭人口,帮扶干部,职务,纳入日期,结对日期,家庭月收入\n"
        "1,甲某,3人,吴局长,书记,2004.1.2,2004.1.5,300\n"
        "2,乙某,2,C02,,2004.1.2,,200\n"
        "3,丙某,1,王干事,科员,2004.1.2,38000,100\n",
    )
    r = story("import", "roster", path)
    assert story.rows("SELECT code, name, title FROM cadres ORDER BY code") == [
        ("C01", "吴局长", "局长"),
        ("C02", "李副局长", None),
        ("C03", "王干事", "科员"),
    ]
    assert f"{path}:2: 职务: C01 has 局长 in the register; the roster's 书记 is not stored" in r.stderr
    assert story.rows(
        "SELECT c.code, h.name, p.since FROM pairings p JOIN cadres c ON c.id = p.cadre_id"
        " JOIN households h ON h.id = p.household_id WHERE h.code > 'H02' ORDER BY h.code"
    ) == [
        ("C01", "甲某", "2004-01-05"),
        ("C02", "乙某", "2004-01-02"),
        # 38000 is 2004-01-14 as a serial date; before the pairing the household was enrolled
        ("C03", "丙某", "2004-01-14"),
    ]
    assert story.rows("SELECT name, members FROM households WHERE code > 'H02' ORDER BY code") == [
        ("甲某", 3),
        ("乙某", 2),
        ("丙某", 1),
    ]


def test_a_pairing_before_the_enrolment_moves_it_back_and_stays_idempotent(cli, tmp_path):
    path = csv_roster(
        tmp_path,
        "户主姓名,帮扶干部,纳入日期,结对日期,家庭月收入\n张三,李四,2003.7.10,2003.7.1,500\n",
    )
    r = cli("import", "roster", path)
    assert "结对日期: 2003-07-01 is before 纳入日期 (2003-07-10)" in r.stderr
    assert cli.rows("SELECT min(date) FROM statuses") == [("2003-07-01",)]
    assert cli.rows("SELECT month, amount FROM income") == [("2003-07", 500_00)]
    again = json.loads(cli("import", "roster", path, "--summary", "json").stdout)
    assert all(c["added"] == 0 for c in again["counts"].values()), again


def test_a_row_without_any_date_is_refused(cli, tmp_path):
    cli("init")
    path = csv_roster(tmp_path, "序号,户主姓名,性别,纳入日期\n1,张三,男,\n2,李四,女,\n", "noday.csv")
    r = cli("import", "roster", path, code=2)
    assert f"{path}:2: 纳入日期: is required on every row" in r.stderr
    assert f"{path}:3: 纳入日期: is required on every row" in r.stderr
    assert cli.scalar("SELECT count(*) FROM households") == 0


def test_a_sheet_without_a_roster_header_is_refused(cli, tmp_path):
    cli("init")
    path = csv_roster(tmp_path, "a,b,c\n1,2,3\n", "other.csv")
    r = cli("import", "roster", path, code=2)
    assert "columns: no header row in the first 10 rows" in r.stderr
    twice = csv_roster(tmp_path, "户主,户主姓名,纳入日期\n张三,张三,2003.7.1\n", "twice.csv")
    r = cli("import", "roster", twice, code=2)
    assert f"{twice}:1: 户主姓名: says what column 户主 says; keep one" in r.stderr


def test_a_households_file_with_one_id_number_twice_is_refused(cli, tmp_path):
    """The per-kind import too: the validator only sees the register's ID numbers, the file's own
    duplicates are the import's to find."""
    path = csv_roster(
        tmp_path,
        "户主,身份证号,纳入日期\n甲,230102195204170014,2003-07-01\n乙,230102195204170014,2003-07-01\n",
        "households.csv",
    )
    r = cli("import", "households", path, code=2)
    assert f"{path}:3: id_number: the same ID number is on line 2" in r.stderr


def test_cause_words_are_read_wherever_a_cause_is(story):
    story("plan", "cause", "H01", "--cause", "下岗", "--date", "2003-07-01")
    story("plan", "cause", "H01", "--cause", "大病", "--date", "2003-07-01")
    assert story.rows("SELECT cause FROM causes ORDER BY cause") == [("illness",), ("laid_off",)]


# --- export template --------------------------------------------------------------------------


def test_the_template_round_trips_in_either_language(cli, tmp_path):
    for lang, row in (
        ("zh", {"户主": "刘香福", "性别": "男", "出生日期": "1952.4.17", "家庭人口": 3, "是否低保": "是",
                "致贫原因": "因病", "家庭月收入": 450, "帮扶干部": "吴振国", "职务": "局长", "纳入日期": "2003.7.1"}),
        ("en", {"name": "满运良", "gender": "male", "members": 2, "dibao": "no", "cause": "laid_off",
                "income": 300, "cadre": "李德明", "title": "副局长", "enrolled": "2003-07-01", "since": "2003-07-08"}),
    ):  # fmt: skip
        out = tmp_path / f"template-{lang}.xlsx"
        r = cli("export", "template", "--lang", lang, "--out", str(out))
        assert "a blank roster written" in r.stderr or lang == "zh"
        book = openpyxl.load_workbook(out)
        sheet = book.active
        heads = [c.value for c in sheet[1]]
        assert heads[0] == ("序号" if lang == "zh" else "no")
        assert sheet.max_row == 1
        for header, value in row.items():
            sheet.cell(row=2, column=heads.index(header) + 1, value=value)
        book.save(out)
        cli("import", "roster", str(out))
    assert cli.rows("SELECT name, gender, members, tags FROM households ORDER BY code") == [
        ("刘香福", "male", 3, "低保"),
        ("满运良", "male", 2, None),
    ]
    assert cli.rows("SELECT name, title FROM cadres ORDER BY code") == [
        ("吴振国", "局长"),
        ("李德明", "副局长"),
    ]
    assert cli.rows("SELECT cause FROM causes ORDER BY household_id") == [("illness",), ("laid_off",)]
    assert cli.rows("SELECT since FROM pairings ORDER BY household_id") == [("2003-07-01",), ("2003-07-08",)]


def test_the_template_headers_are_what_import_roster_reads():
    from aidtrack.kinds import HOUSEHOLDS
    from aidtrack.ops.transfer.headers import key
    from aidtrack.ops.transfer.importer.roster import ROW, WORDS, template_headers

    for lang in ("zh", "en"):
        heads = template_headers(lang)
        targets = [WORDS[key(h)] for h in heads]
        assert targets[0] == ROW and len(set(targets)) == len(targets), lang
        # every field of a household has its column (a new field in kinds.py gets one by itself)
        assert {t.name for t in targets if t.kind == "households"} == set(HOUSEHOLDS.field_names)


def test_export_template_follows_the_interface_language():
    """`--lang zh` after the subcommand is the global option (cli.main.hoisted): the template's language
    is the interface's, so `export template --lang zh` and `--lang zh export template` agree."""
    run = [sys.executable, "-m", "aidtrack", "export", "template", "--lang", "zh"]
    r = subprocess.run(run, capture_output=True, text=True, encoding="utf-8")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("序号,编号,户主,家庭人口,")
    assert "家庭月收入" in r.stdout and "帮扶干部" in r.stdout and "结对日期" in r.stdout


def test_every_cause_word_is_in_the_docs():
    from aidtrack.model import CAUSE_WORDS

    text = (Path(__file__).resolve().parents[1] / "docs" / "roster.md").read_text(encoding="utf-8")
    for word, value in CAUSE_WORDS.items():
        assert word in text and f"`{value}`" in text, word
