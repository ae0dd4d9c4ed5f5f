"""The printable pages (`--format html`): the household register and the quarter summary.

Checked on the demo story (src/aidtrack/demo_data, STORY.md) and on a small hostile register; the
page's text is read with regular expressions, no browser needed. One last test prints a page with
headless Chromium when it is installed (skipped otherwise).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import aidtrack
from aidtrack.ops.transfer import importer
from aidtrack.store import open_store


@pytest.fixture
def demo(cli):
    db = open_store(cli.db, operator="test")
    importer.import_bundle(db, Path(aidtrack.__file__).parent / "demo_data").raise_if_errors()
    db.conn.close()
    return cli


def page(cli, *args: str, lang: str = "en") -> str:
    return cli("--lang", lang, "report", *args, "--format", "html").stdout


def self_contained(html: str) -> None:
    """One file: embedded style, no script, nothing fetched from anywhere."""
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "<style>" in html
    for bad in ("<script", "http://", "https://", "<link", "@import", "url(", "@font-face"):
        assert bad not in html.lower(), bad
    assert not re.search(r"<[^>]*\s(src|href)=", html)  # no tag loads anything
    for rule in (
        "table-layout: fixed",
        "thead { display: table-header-group; }",
        "break-inside: avoid",
        '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", SimSun,',
    ):
        assert rule in html, rule


def cells(row: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)


def test_h01_register_has_every_visit_in_date_order(demo):
    html = page(demo, "household", "H01")
    self_contained(html)
    assert "@page { size: A4; margin: 15mm;" in html
    assert "跟踪问效登记表" in html and "Tracking register" in html
    assert "市直某局" in html  # the unit, from the cadre's record
    assert "C01 吴振国 (2003-07-08 –)" in html  # the cadre and since when

    rows = re.findall(r'<tr class="visit">(.*?)</tr>', html, re.S)
    db_dates = [
        d
        for (d,) in demo.rows(
            "SELECT v.date FROM visits v JOIN pairings p ON p.id = v.pairing_id"
            " JOIN households h ON h.id = p.household_id WHERE h.code = 'H01' ORDER BY v.date"
        )
    ]
    assert len(db_dates) == 18  # STORY.md: H01's 18 visits
    dates = [cells(r)[0] for r in rows]
    assert dates == db_dates == sorted(dates)

    # The follow-up that found the relapse: situation, the two problems, what was solved, the event.
    found = cells(rows[dates.index("2003-10-16")])
    assert found[1] == "followup"
    assert found[2] == "脱贫回访：到外地亲戚家串门时做了胃穿孔手术，在家休养，刘家又陷入危机"
    assert "胃穿孔手术后需复查，无钱买药" in found[3] and "术后不能蹬三轮车，家庭失去收入来源" in found[3]
    assert "吴局长当即用车送医院，请外科专家复查，买药品200元" in found[4]
    assert found[5] == "illness" and found[6] == ""  # the signature is left blank
    assert html.count('<td class="sign"></td>') == 18
    assert html.count('<tr class="blank">') == 2  # room for the next visits by hand


def test_h01_aid_total_and_income_chart(demo):
    html = page(demo, "household", "H01")
    fen = demo.scalar(
        "SELECT sum(value) FROM aid WHERE household_id = (SELECT id FROM households WHERE code = 'H01')"
    )
    # 100 + 60 + 700 + 200 + 1000 + 150 + 300 + 412 + 420 + 60 = 3402 yuan (the Mid-Autumn goods of
    # both years, the check-up fees the hospital waived)
    assert fen == 340200
    assert 'id="aid-total">3,402.00<' in html
    assert len(re.findall(r'<tr class="aid">', html)) == 10  # ten aid records of H01

    months = [
        m
        for (m,) in demo.rows(
            "SELECT DISTINCT month FROM income WHERE household_id ="
            " (SELECT id FROM households WHERE code = 'H01') ORDER BY month"
        )
    ]
    assert len(months) == 15  # 2003-07 … 2004-09, none missing
    assert html.count("<svg") == 1
    assert re.findall(r'<rect class="bar[^"]*" data-month="([0-9-]+)"', html) == months
    # Below the line: 3 people × 200 yuan = 600 a month; 400 at the start, 150 after the operation
    # in 2003-10 and 420 in 2003-11; 2003-12's 650 is above it.
    below = re.findall(r'<rect class="bar below" data-month="([0-9-]+)"', html)
    assert below == ["2003-07", "2003-10", "2003-11"]
    assert '<path class="line"' in html and "stroke-dasharray" in html
    assert "Poverty line × 3 members" in html
    # The income table: a row per month with the line of that month (default 200 yuan a person).
    incomes = re.findall(r'<tr class="income[^"]*">(.*?)</tr>', html, re.S)
    assert [cells(r)[0] for r in incomes] == months
    assert cells(incomes[-1])[:4] == ["2004-09", "860.00", "286.67", "200.00"]  # 860 / 3


def test_quarter_2004q3_one_row_per_pairing_and_the_totals(demo):
    html = page(demo, "quarter", "2004Q3")
    self_contained(html)
    assert "@page { size: A4 landscape; margin: 15mm;" in html
    rows = re.findall(r'<tr class="pairing (\w+)">(.*?)</tr>', html, re.S)
    assert len(rows) == 10  # STORY.md: ten pairings in 2004Q3
    assert {state for state, _ in rows} == {"met"}
    first = cells(rows[0][1])
    assert first[1:3] == ["C01 吴振国", "H01 刘香福"] and first[4] == "4 / 2"
    assert first[10] == "892.00"  # 412 + 420 + 60 for H01
    totals = dict(re.findall(r"<th>([^<]*)</th><td[^>]*>([^<]*)</td>", html))
    assert totals["Pairings"] == "10" and totals["Compliant pairings"] == "10 (100%)"
    assert totals["Visits this quarter"] == "30" and totals["Visits since the programme began"] == "148"
    assert totals["Escalated problems open at quarter end"] == "1"
    # Aid: funds 400 + goods 600 + medical 4120 + 420 + 420 = 5960 yuan.
    assert "5,960.00 (funds 400.00, goods 600.00, medical 4,960.00)" in html  # thousands separated
    assert totals["Measures due / done / overdue this quarter"] == "3 / 3 / 1"
    attention = dict(re.findall(r'<tr class="attention"><th>([^<]*)</th><td>([^<]*)</td>', html))
    assert attention["Measures overdue"] == "H07 赵桂芝: 添置冰柜扩大经营 (due 2004-09-15)"
    assert attention["At risk of relapse"] == "none"


def test_quarter_2004q2_marks_the_pairings_short_of_visits(demo):
    html = page(demo, "quarter", "2004Q2")
    rows = re.findall(r'<tr class="pairing (\w+)">(.*?)</tr>', html, re.S)
    assert len(rows) == 11  # H07 changed cadre on 05-11
    short = [cells(r)[1:3] + [cells(r)[4]] for state, r in rows if state == "short"]
    assert short == [["C05 赵淑兰", "H05 杨玉山", "1 / 2"], ["C08 郑秀梅", "H08 张福海", "1 / 2"]]
    assert html.count("✗ not met") == 2


def test_out_writes_the_file_and_nothing_on_stdout(demo, tmp_path):
    out = tmp_path / "H01.html"
    result = demo("--lang", "en", "report", "household", "H01", "--format", "html", "--out", str(out))
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8") == page(demo, "household", "H01")
    data = tmp_path / "2004Q3.json"
    assert demo("report", "quarter", "2004Q3", "--format", "json", "--out", str(data)).stdout == ""
    assert json.loads(data.read_text(encoding="utf-8"))["totals"]["visits"] == 30  # STORY.md
    missing = tmp_path / "H99.html"
    demo("report", "household", "H99", "--format", "html", "--out", str(missing), code=2)
    assert not missing.exists()


def test_chinese_labels(demo):
    html = page(demo, "household", "H01", lang="zh")
    assert '<html lang="zh-CN">' in html and "跟踪问效登记表" in html
    assert "Signature" not in html and "Tracking register" not in html
    assert ">回访<" in html and ">对接<" in html and ">脱贫<" in html  # kinds and status in Chinese
    quarter = page(demo, "quarter", "2004Q2", lang="zh")
    assert '<h1 lang="zh-CN">市直某局2004年第二季度“一帮一”帮扶工作汇总表</h1>' in quarter
    assert "Compliant" not in quarter and "每季汇总向局长汇报" not in quarter
    # What moved and what needs attention, in Chinese: C05 and C08 short of visits in 2004Q2.
    assert (
        "<h2>本季变化</h2>" in quarter
        and "走访未达标的对子" in quarter
        and "C05 赵淑兰—H05 杨玉山：1/2" in quarter
    )


def test_hostile_names_are_escaped(story):
    story("household", "edit", "H01", "--name", "<script>alert(1)</script>", "--address", "[red]x&y")
    story(
        "visit",
        "add",
        "H01",
        "--date",
        "2004-01-10",
        "--situation",
        "<img src=x onerror=alert(1)>",
        "--problem",
        "[bold]问题</td>",
    )
    story("income", "add", "H01", "--month", "2004-01", "--amount", "700", "--source", "<b>")
    story("income", "add", "H01", "--month", "2004-03", "--amount", "500")
    story("policy", "set", "poverty_line", "250", "--from", "2004-03-01")
    html = page(story, "household", "H01")
    self_contained(html)
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[red]x&amp;y" in html and "[bold]问题&lt;/td&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;b&gt;" in html
    # 2004-02 has no record: a row saying so, no bar. The line is that of each month's first day.
    assert len(re.findall(r'<tr class="gap">', html)) == 1
    assert re.findall(r'data-month="([0-9-]+)"', html) == ["2004-01", "2004-03"]
    incomes = re.findall(r'<tr class="income[^"]*">(.*?)</tr>', html, re.S)
    # 2004-01: 700 for 3 people, line 200 → 600 ≤ 700; 2004-03: 500 < 3 × 250 = 750, below.
    assert [cells(r)[3] for r in incomes] == ["200.00", "250.00"]
    assert re.findall(r'<rect class="bar below" data-month="([0-9-]+)"', html) == ["2004-03"]
    quarter = page(story, "quarter", "2004Q1")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in quarter and "<script" not in quarter


def test_redacted_page_masks_the_people(demo):
    html = page(demo, "household", "H01", "--redact")
    assert "刘香福" not in html and "刘**" in html and "8213407" not in html and "吴振国" not in html
    assert "刘香福" not in page(demo, "quarter", "2004Q3", "--redact")


def test_empty_quarter_says_so(cli):
    cli("init")  # a report refuses a register that does not exist
    html = page(cli, "quarter", "2004Q3")
    self_contained(html)
    assert "Nothing recorded for 2004Q3." in html and '<tr class="pairing' not in html


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_chromium_prints_the_register_on_a4(demo, tmp_path):
    source = tmp_path / "H01.html"
    demo("report", "household", "H01", "--format", "html", "--out", str(source))
    pdf = tmp_path / "H01.pdf"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            source.as_uri(),
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert "(A4)" in info
        assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 2


def test_the_register_lists_the_named_members(story):
    """Who lives in the household: named members in a table; people only counted (#1 …) are not listed."""
    story(
        "member",
        "add",
        "H01",
        "刘强",
        "--relation",
        "child",
        "--born",
        "1985-03-02",
        "--work",
        "保安",
        "--joined",
        "2003-07-01",
    )
    story(
        "member",
        "add",
        "H01",
        "王秀英",
        "--relation",
        "spouse",
        "--health",
        "chronic",
        "--joined",
        "2003-07-01",
    )
    story(
        "member",
        "leave",
        str(story.scalar("SELECT id FROM members WHERE name = '王秀英'")),
        "--date",
        "2004-05-31",
    )
    html = story("--lang", "zh", "report", "household", "H01", "--format", "html").stdout
    rows = [r for r in html.split("\n") if r.startswith('<tr class="member">')]
    assert len(rows) == 2 and "#1" not in html.split("<h2>家庭成员</h2>")[1].split("</table>")[0]
    assert "<td>刘强</td>" in rows[0] and "子女" in rows[0] and "1985-03-02" in rows[0] and "保安" in rows[0]
    assert "<td>王秀英</td>" in rows[1] and "慢性病" in rows[1] and "<td>2004-05-31</td>" in rows[1]
    bare = story("report", "household", "H02", "--format", "html").stdout
    assert 'class="member"' not in bare  # H02: three people counted, none named


@pytest.mark.parametrize(
    "args, expect",
    [
        (("cadres", "2004"), ["C01", "吴振国"]),
        (("grid", "2004"), ["C05", "1/2"]),
        (("outcomes", "--as-of", "2004-09-30"), ["19,060.00"]),  # all aid to 09-30, thousands separated
    ],
)
def test_every_report_the_readme_lists_prints_a_page(demo, args, expect):
    """cadres, grid and outcomes have `--format html` too: an A4 page with their tables."""
    html = demo("report", *args, "--format", "html").stdout
    assert html.startswith("<!DOCTYPE html>") and "</html>" in html and "<table" in html
    for text in expect:
        assert text in html, text
    assert "Read by the director" in html
