"""Words and screens of the clerk's second pass: a visit needs its date, init and backup say what
they did, usage lines without braces."""

from __future__ import annotations

import datetime as dt


def test_a_visit_needs_its_date_today_only_when_typed(story):
    before = story.checksum()
    r = story("visit", "add", "H01", "--situation", "生活稳定", code=2)
    assert r.output.strip().splitlines() == [
        "Error: date: is required: the day of the visit (2004-10-12, or `today` when it is today)"
    ]
    assert story.checksum() == before
    r = story("visit", "add", "H01", "--date", "today", "--situation", "生活稳定")
    assert story.rows("SELECT date, situation FROM visits") == [(dt.date.today().isoformat(), "生活稳定")]
    assert "Warning" not in r.stderr
    r = story("--lang", "zh", "visit", "add", "H01", code=2)
    assert "日期" in r.output and "今天" in r.output and "today" not in r.output


def test_a_visit_recording_nothing_found_is_stored_with_a_warning(story):
    r = story("visit", "add", "H02", "--date", "2003-07-30")
    assert "Warning: the visit records nothing found" in r.stderr
    assert story.scalar("SELECT count(*) FROM visits") == 1
    r = story("visit", "add", "H01", "--date", "2003-07-30", "--problem", "缺资金")
    assert "nothing found" not in r.stderr


def test_init_says_what_it_did(cli):
    r = cli("init")
    assert r.stdout.startswith(f"Created the register {cli.db}")
    r = cli("init")
    assert r.stdout.strip() == f"The register {cli.db} is up to date; nothing was changed."
    r = cli("--lang", "zh", "init")
    assert str(cli.db) in r.stdout and "无需更改" in r.stdout


def test_backup_says_what_it_did(story, tmp_path):
    dest = tmp_path / "copy.db"
    r = story("backup", str(dest))
    assert r.stdout.strip() == f"Copied the register {story.db} to {dest} (readable by you only)."
    assert dest.exists()


def test_usage_lines_have_no_braces(cli):
    out = cli.invoke(["household", "status", "--help"]).output
    assert "Usage: aidtrack household status [OPTIONS] REF" in out and "{" not in out.splitlines()[1]


def test_a_decided_problem_is_overdue_only_past_its_decisions_deadline(story):
    import json

    story("visit", "add", "H01", "--date", "2004-02-20", "--problem", "医药费", "--escalate")
    pid = story.scalar("SELECT id FROM problems")
    story("meeting", "add", "2004-04-10")
    mid = story.scalar("SELECT id FROM meetings")
    story(
        "meeting",
        "item",
        str(mid),
        str(pid),
        "--decision",
        "局里承担",
        "--leader",
        "C01",
        "--due",
        "2004-04-30",
    )

    def overdue(day: str) -> list[str]:
        r = story("check", "visits", "--as-of", day, "--format", "json", code=None, ok=False)
        return [e["problem"] for e in json.loads(r.stdout)["escalations_overdue"]]

    # escalated 02-20: 55 days open on 04-15 (more than escalation_days, 30), but decided with a
    # deadline of 04-30: not overdue before that deadline, overdue after it
    assert overdue("2004-04-15") == []
    assert overdue("2004-05-01") == ["医药费"]
    # as of a day before the meeting (04-05: 45 days open), nothing was decided yet: overdue
    assert overdue("2004-04-05") == ["医药费"]


def test_meeting_show_names_the_leader_responsible(story, monkeypatch):
    import json

    monkeypatch.setenv("COLUMNS", "200")
    story("visit", "add", "H01", "--date", "2004-02-20", "--problem", "医药费", "--escalate")
    story("meeting", "add", "2004-03-10")
    story("meeting", "item", "1", "1", "--decision", "局里承担", "--leader", "C01", "--due", "2004-04-30")
    out = story("--lang", "zh", "meeting", "show", "1").stdout
    assert "C01" in out and "吴局长" in out and "责任领导姓名" in out
    data = json.loads(story("meeting", "show", "1", "--format", "json").stdout)
    assert (data["studied"][0]["leader"], data["studied"][0]["leader_name"]) == ("C01", "吴局长")


def test_the_grid_marks_a_short_cell_in_text_without_colour(story, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    # 2003Q3: H01 visited once (2 required), H02 twice
    story("visit", "add", "H01", "--date", "2003-07-20", "--situation", "生活稳定")
    story("visit", "add", "H02", "--date", "2003-07-20", "--situation", "生活稳定")
    story("visit", "add", "H02", "--date", "2003-08-20", "--situation", "生活稳定")
    out = story("report", "grid", "2003").stdout
    h01 = next(line for line in out.splitlines() if "H01" in line)
    h02 = next(line for line in out.splitlines() if "H02" in line)
    assert "1/2 ✗" in h01 and "2/2 ✗" not in h02 and "2/2" in h02
    assert "short: ✗" in out and "green" not in out
    out = story("--lang", "zh", "report", "grid", "2003").stdout
    assert "未达标：✗" in out and "红色" not in out


def test_the_clerks_terms_in_chinese(story, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    story("aid", "add", "H01", "--date", "2003-07-22", "--kind", "funds", "--value", "500", "--giver", "C01")
    story("member", "add", "H01", "刘小明", "--relation", "child", "--joined", "2003-07-01")
    out = story("--lang", "zh", "report", "household", "H01").stdout
    for term in ("家庭成员", "结对日期", "结束日期", "帮扶方式", "帮扶金额（元）", "纳入帮扶日期"):
        assert term in out, term
    for old in ("金额 ¥", "列入帮扶日期"):
        assert old not in out, old
    r = story("--lang", "zh", "pair", "add", "C02", "H01", "--since", "2003-08-01", code=2)
    assert "至 现在" in r.output and "至 至今" not in r.output and "`" not in r.output


def test_doctor_in_chinese_says_no_english_codes(story, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    out = story("--lang", "zh", "doctor").stdout
    assert "结构为第" in out and "_id_numbers" not in out and "applied" not in out
    assert " ok " not in out
    assert "applied 00" in story("doctor").stdout


def test_chinese_screens_name_enumeration_values_in_chinese(story, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    story("plan", "cause", "H01", "--cause", "laid_off", "--date", "2003-07-01")
    out = story("--lang", "zh", "plan", "causes").stdout
    assert "失业下岗" in out and "laid_off" not in out
    story("visit", "add", "H01", "--date", "2003-07-20", "--kind", "regular", "--situation", "稳定")
    r = story("--lang", "zh", "visit", "delete", "1", "--yes")
    assert "（H01 刘香福，2003-07-20，走访）" in r.stderr and "regular" not in r.stderr, r.stderr


def test_a_date_after_an_opening_bracket_is_never_split():
    from aidtrack.layout import width_of, wrap

    lines = wrap("没有谋生门路，想蹬三轮车但无钱买车（2003-07-22 已解决）", 10)
    assert "2003-07-22" in lines and all(width_of(line) <= 10 for line in lines)
    # where the bracket and the date fit, the bracket goes down with the date as before
    assert wrap("买车（2003-07-22 已解决）", 12) == ["买车", "（2003-07-22", "已解决）"]


def test_a_column_empty_in_every_row_gives_way_before_text_wraps():
    from aidtrack.render import table

    rows = [
        {
            "id": 1,
            "problem": "房屋漏雨需要翻修屋顶和院墙",
            "escalated_on": None,
            "resolved_on": None,
            "note": "",
        },
        {"id": 2, "problem": "孩子上学缺学费", "escalated_on": None, "resolved_on": None, "note": ""},
    ]
    columns = ["id", "problem", "escalated_on", "resolved_on", "note"]
    narrow = table(rows, columns, width=40)
    assert len(narrow.columns) == 2  # id and problem: the three empty columns gave way
    wide = table(rows, columns, width=150)  # room for all: the columns stay
    assert len(wide.columns) == 5


def test_the_first_status_reason_reads_as_enrolment(story, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    out = story("--lang", "zh", "household", "status", "H01").stdout
    row = next(line for line in out.splitlines() if "2003-07-01" in line)
    assert "帮扶中" in row and "纳入帮扶" in row


def test_lists_in_chinese_text_take_full_width_punctuation(story, monkeypatch):
    monkeypatch.setenv("COLUMNS", "150")
    story("income", "add", "H01", "--month", "2003-08", "--amount", "300", "--source", "摆摊")
    story("income", "add", "H01", "--month", "2003-08", "--amount", "200", "--source", "摆摊二")
    out = story("--lang", "zh", "report", "household", "H01").stdout
    assert "摆摊；摆摊二" in out and "摆摊; 摆摊二" not in out
    assert "摆摊; 摆摊二" in story("report", "household", "H01").stdout


def test_an_address_number_keeps_its_measure_word():
    from aidtrack.layout import wrap

    for width in range(6, 20):
        for line in wrap("东风区八道街21号院3组", width):
            assert not line.startswith(("号", "组")), (width, line)
    assert wrap("东风区八道街21号院3组", 14) == ["东风区八道街", "21号院3组"]


def test_check_titles_name_the_quarter_in_chinese(story):
    out = story("--lang", "zh", "check", "visits", "--as-of", "2004-05-15", code=None, ok=False).stdout
    assert "2004年第二季度" in out and "2004Q2" not in out
    assert "2004Q2" in story("check", "visits", "--as-of", "2004-05-15", code=None, ok=False).stdout


def test_chinese_messages_quote_no_command_in_backticks():
    from pathlib import Path

    from babel.messages.pofile import read_po

    po = Path(__file__).parent.parent / "src/aidtrack/locale/zh/LC_MESSAGES/aidtrack.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    quoted = [m.id for m in catalog if m.id and isinstance(m.string, str) and "`" in m.string]
    assert not quoted, quoted[:5]
