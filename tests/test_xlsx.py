"""Excel workbooks: import any way Excel stores a cell, export typed cells, and the exact round trip."""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl

from aidtrack.kinds import KINDS
from aidtrack.ops.transfer.demo import DEMO_DATA
from aidtrack.ops.transfer.importer import import_bundle
from aidtrack.store import open_store

from conftest import public_records


def load_demo(cli) -> None:
    db = open_store(cli.db)
    try:
        import_bundle(db, DEMO_DATA).raise_if_errors()
    finally:
        db.close()


def book(path: Path, sheets: dict[str, list[tuple[int, list]]]) -> str:
    """A workbook as a clerk's Excel leaves it: each sheet's rows put at the given row numbers."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for number, values in rows:
            for col, value in enumerate(values, 1):
                if value is not None:
                    ws.cell(row=number, column=col, value=value)
    wb.save(path)
    return str(path)


def counts(result) -> dict:
    return json.loads(result.stdout)["counts"]


# --- the done-when: an .xlsx export of the demo imports into an empty register and reproduces it ---


def test_demo_exported_to_xlsx_reproduces_itself(cli, tmp_path):
    from conftest import Cli

    load_demo(cli)
    # Values a spreadsheet would spoil: a formula-like text, an error-like text, a code with a
    # leading zero, a phone number, a date Excel cannot hold, cents, a large amount.
    cli("cadre", "add", "钱出纳", "--code", "007", "--phone", "04518213407")
    cli("household", "add", "老寿星", "--code", "H99", "--born", "1899-05-01", "--enrolled", "2003-07-01")
    cli("visit", "add", "H01", "--date", "2004-12-28", "--situation", "=SUM(A1:A2)", "--solved", "#N/A")
    cli("income", "add", "H01", "--month", "2004-12", "--amount", "0.07", "--source", "利息")
    cli("aid", "add", "H02", "--date", "2004-12-28", "--kind", "funds", "--value", "1234567.89")
    out = tmp_path / "xlsx"
    cli("export", "all", "--format", "xlsx", "--out", str(out))
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{k}.xlsx" for k in KINDS)

    copy = Cli(tmp_path / "copy.db")
    assert counts(copy("import", "bundle", str(out), "--summary", "json"))["visits"]["added"] == 148 + 1
    original, restored = public_records(cli.db), public_records(copy.db)
    for kind in KINDS:
        assert restored[kind] == original[kind], kind
    # 11 + 1 cadres, 10 + 1 households, 27 + 1 statuses, 11 pairings, 149 visits, 16 problems,
    # 166 income, 16 causes, 24 measures, 78 aid, 5 jobs, 1 monitoring, 28 + 1 members (each
    # household's counted people, #1 …), 5 meetings and 3 meeting items, 1 livelihood change, 28
    # cases and their 115 steps.
    assert sum(len(v) for v in original.values()) == (
        12 + 11 + 28 + 11 + 149 + 16 + 166 + 16 + 24 + 78 + 5 + 1 + 29 + 5 + 3 + 1 + 28 + 115
    )
    assert copy.rows("SELECT situation, solved FROM visits WHERE date = '2004-12-28'") == [
        ("=SUM(A1:A2)", "#N/A")
    ]
    # Importing the same workbooks again adds nothing.
    again = counts(copy("import", "bundle", str(out), "--summary", "json"))
    assert all(c["added"] == 0 for c in again.values())


def test_exported_cells_are_typed(cli, tmp_path):
    load_demo(cli)
    path = tmp_path / "aid.xlsx"
    cli("export", "aid", "--out", str(path))  # the extension says xlsx
    ws = openpyxl.load_workbook(path)["aid"]
    assert [c.value for c in ws[1]] == [
        "household",
        "date",
        "kind",
        "value",
        "giver",
        "note",
        "giver_type",
        "measure",
    ]
    assert ws["A1"].font.b
    # First aid row of the demo: H01, 2003-07-08, goods, 100 yuan, 局党委.
    assert ws["B2"].value == dt.datetime(2003, 7, 8) and ws["B2"].is_date
    assert ws["D2"].value == 100 and ws["D2"].number_format == "0.00"
    cli("export", "income", "--format", "xlsx", "--out", str(tmp_path / "income.xlsx"))
    ws = openpyxl.load_workbook(tmp_path / "income.xlsx").active
    assert ws["B2"].value == "2003-07" and ws["B2"].data_type == "s"  # months stay text
    households = tmp_path / "households.xlsx"
    cli("export", "households", "--out", str(households))
    ws = openpyxl.load_workbook(households).active
    assert ws["C2"].value == 3 and ws["J2"].value == "239001195204170037"  # members a number, ID text


def test_one_workbook_with_a_sheet_per_kind_in_chinese(cli, tmp_path):
    from conftest import Cli

    load_demo(cli)
    path = tmp_path / "登记表.xlsx"
    cli("export", "all", "--headers", "zh", "--out", str(path))
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == [
        "帮扶干部",
        "帮扶对象",
        "认定案件",
        "状态",
        "帮扶对子",
        "走访",
        "问题",
        "收入",
        "致贫原因",
        "帮扶措施",
        "帮扶记录",
        "就业安置",
        "监测对象",
        "家庭成员",
        "会议",
        "会议议题",
        "手机提交",
        "支出",
        "生计变更",
        "案件程序",
        "典型事例",
    ]
    assert [c.value for c in next(wb["收入"].iter_rows(max_row=1))] == ["帮扶对象", "月份", "金额", "来源"]
    wb.close()
    copy = Cli(tmp_path / "copy.db")
    copy("import", "bundle", str(path))
    original, restored = public_records(cli.db), public_records(copy.db)
    assert restored == original
    copy("import", "visits", str(path))  # one kind from the workbook: its sheet
    assert copy.scalar("SELECT count(*) FROM visits") == 148


# --- reading what Excel stores -------------------------------------------------------------------


def test_dates_months_money_and_numbers_however_excel_stored_them(story, tmp_path):
    path = book(
        tmp_path / "clerk.xlsx",
        {
            "Sheet1": [
                (3, ["户主", "月份", "金额", "来源"]),  # two empty rows above the header
                (4, ["H01", dt.datetime(2004, 9, 1), 650.0, "三轮车"]),  # month typed as a date
                (5, ["H01", 200410, 650.1000000001, "三轮车"]),  # yyyymm number, binary noise
                (7, ["H02", "2004-09", 120, None]),  # row 6 empty
                (8, ["H02", 38261, "¥99.5", "低保"]),  # a date serial: 2004-10-01
            ]
        },
    )
    r = story("import", "income", path, "--summary", "json")
    assert counts(r)["income"]["added"] == 4
    assert story.rows("SELECT household_id, month, amount, source FROM income ORDER BY id") == [
        (1, "2004-09", 65000, "三轮车"),
        (1, "2004-10", 65010, "三轮车"),
        (2, "2004-09", 12000, ""),
        (2, "2004-10", 9950, "低保"),
    ]

    aid = book(
        tmp_path / "aid.xlsx",
        {
            "aid": [
                (1, ["household", "date", "kind", "value", "giver"]),
                (2, ["H01", dt.datetime(2003, 8, 15), "帮资金", 700, "C01"]),
                (3, ["H01", 37848, "goods", 0.1 + 0.2, None]),  # serial 2003-08-15; 0.30000000000000004
                (4, ["H02", 20030815, "goods", 99.99, "局党委"]),  # typed as yyyymmdd
                (5, ["H02", "2003-08-16", "medical", "400", None]),
            ]
        },
    )
    story("import", "aid", aid)
    assert story.rows(
        "SELECT household_id, date, kind, value, giver_cadre_id, giver FROM aid ORDER BY id"
    ) == [
        (1, "2003-08-15", "funds", 70000, 1, None),
        (1, "2003-08-15", "goods", 30, None, None),
        (2, "2003-08-15", "goods", 9999, None, "局党委"),
        (2, "2003-08-16", "medical", 40000, None, None),
    ]

    households = book(
        tmp_path / "h.xlsx",
        {
            "households": [
                (1, ["code", "name", "members", "born", "phone", "tags", "enrolled", "gender"]),
                (
                    2,
                    [
                        "H07",
                        "孙秀兰",
                        3.0,
                        dt.datetime(1958, 2, 3),
                        13904580101,
                        "4050",
                        dt.date(2003, 8, 1),
                        "女",
                    ],
                ),
            ]
        },
    )
    story("import", "households", households)
    assert story.rows(
        "SELECT code, members, born, phone, tags, gender FROM households WHERE code = 'H07'"
    ) == [("H07", 3, "1958-02-03", "13904580101", "4050", "female")]
    assert story.scalar("SELECT min(date) FROM statuses WHERE household_id = 3") == "2003-08-01"


def test_errors_name_the_spreadsheet_row_and_write_nothing(story, tmp_path):
    before = story.checksum()
    path = book(
        tmp_path / "bad.xlsx",
        {
            "income": [
                (2, ["household", "month", "amount", "source"]),
                (3, ["H01", "2004-09", 650.123, None]),  # three decimals, not noise
                (5, ["H01", "2004-13", 100, None]),
                (6, ["H02", "2004-09", 100, None, "stray"]),  # a value beyond the header
            ]
        },
    )
    r = story("import", "income", path, code=2)
    assert f"{path}:3: amount: is not an amount of yuan" in r.output and "650.123" in r.output
    assert f"{path}:5: month: is not a month" in r.output
    assert f"{path}:6: column 5: holds a value but has no header" in r.output
    assert "3 error(s)" in r.output
    ids = book(
        tmp_path / "ids.xlsx",
        {"households": [(1, ["name", "id_number"]), (2, ["孙秀兰", 2.39001195802031e17])]},
    )
    r = story("import", "households", ids, code=2)
    assert f"{ids}:2: id_number: Excel stored this ID number as a number" in r.output
    assert story.checksum() == before


def test_not_a_workbook_and_unknown_sheets(story, tmp_path):
    fake = tmp_path / "visits.xlsx"
    fake.write_text("household,date\nH01,2004-09-20\n", encoding="utf-8")
    r = story("import", "visits", str(fake), code=2)
    assert "is not a readable .xlsx workbook" in r.output
    path = book(
        tmp_path / "two.xlsx",
        {"income": [(1, ["household", "month", "amount"])], "备注": [(1, ["随便写写"])]},
    )
    r = story("import", "bundle", path, code=2)
    assert "sheet(s) 备注 are not named after a kind" in r.output


def test_missing_openpyxl_is_one_line_with_the_install_command(story, tmp_path, monkeypatch):
    path = book(tmp_path / "income.xlsx", {"income": [(1, ["household", "month", "amount"])]})
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    for args in (("import", "income", path), ("export", "income", "--out", str(tmp_path / "x.xlsx"))):
        r = story(*args, code=2)
        assert r.output.strip().splitlines() == [
            "Error: format: xlsx needs openpyxl, which is not installed: pip install 'aidtrack[xlsx]'"
        ]
    assert not (tmp_path / "x.xlsx").exists()


def test_xlsx_needs_a_file_and_money_cells_sum_exactly(story, tmp_path):
    r = story("export", "aid", "--format", "xlsx", code=2)
    assert "xlsx is written to a file" in r.output
    story("aid", "add", "H01", "--date", "2003-08-01", "--kind", "funds", "--value", "0.10")
    story("aid", "add", "H01", "--date", "2003-08-02", "--kind", "funds", "--value", "0.20")
    path = tmp_path / "aid.xlsx"
    story("export", "aid", "--out", str(path))
    ws = openpyxl.load_workbook(path).active
    # 0.10 + 0.20 = 0.30 yuan, written from the fen as exact decimals.
    assert sum(Decimal(str(ws.cell(row=r, column=4).value)) for r in (2, 3)) == Decimal("0.30")


def test_more_records_than_a_sheet_holds_is_refused(story, tmp_path, monkeypatch):
    import aidtrack.ops.transfer.workbook as workbook

    monkeypatch.setattr(workbook, "MAX_ROWS", 3)  # a header and 2 records
    for month in ("2004-07", "2004-08", "2004-09"):
        story("income", "add", "H01", "--month", month, "--amount", "100")
    r = story("export", "income", "--out", str(tmp_path / "income.xlsx"), code=2)
    assert r.output.strip().splitlines() == [
        "Error: income: more records than an Excel sheet holds (3 rows): export CSV or Parquet"
    ]
    assert not list(tmp_path.glob("*income.xlsx*"))
