"""A status is a decision (docs/decisions.md): cases from lead to approval, the time limits, imports."""

from __future__ import annotations

import json

import pytest

from conftest import Cli


@pytest.fixture
def ruled(story: Cli) -> Cli:
    """The story register with cases_from 2004-01-01: the months before are history."""
    story("policy", "set", "cases_from", "2004-01-01", "--from", "1900-01-01")
    return story


def _statuses(cli: Cli, code: str = "H01") -> list[tuple]:
    return cli.rows(
        "SELECT s.status, s.date, s.case_id FROM statuses s JOIN households h ON h.id = s.household_id"
        " WHERE h.code = ? ORDER BY s.date, s.id",
        [code],
    )


def _one_line_error(r) -> str:
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


def test_history_before_cases_from_is_typed_directly_after_it_is_refused(ruled):
    # history from paper: accepted, recorded without a case
    ruled("household", "status", "H01", "--set", "exited", "--date", "2003-09-30")
    assert _statuses(ruled)[-1] == ("exited", "2003-09-30", None)
    before = ruled.checksum()
    r = ruled("household", "status", "H01", "--set", "relapsed", "--date", "2004-02-01", code=2)
    line = _one_line_error(r)
    assert "is a decision from 2004-01-01 on" in line and "aidtrack case open H01 relapse" in line
    r = ruled("monitor", "add", "H02", "--category", "sudden", "--date", "2004-02-01", code=2)
    assert "aidtrack case open H02 monitor --category sudden" in _one_line_error(r)
    assert ruled.checksum() == before


def _exit_case(cli: Cli) -> None:
    assert cli("case", "open", "H01", "exit", "--date", "2004-03-10", "--by", "吴振国").stdout.strip() == "1"


def test_a_case_from_lead_to_approval_through_the_cli(ruled):
    _exit_case(ruled)
    before = ruled.checksum()
    r = ruled("case", "approve", "1", "--body", "局党委会", "--date", "2004-03-31", code=2)
    line = _one_line_error(r)
    assert "no verification step; no appraisal step; no publicity step" in line
    assert ruled.checksum() == before
    ruled(
        "case",
        "step",
        "1",
        "verification",
        "--date",
        "2004-03-12",
        "--by",
        "吴振国",
        "--note",
        "连续半年600元",
    )
    ruled("case", "step", "1", "appraisal", "--date", "2004-03-15", "--by", "居民代表")
    # 20 to 23 March: four days, one short of publicity_days (5)
    ruled("case", "step", "1", "publicity", "--date", "2004-03-20", "--until", "2004-03-23")
    r = ruled("case", "approve", "1", "--body", "局党委会", "--date", "2004-03-31", code=2)
    assert "ran 4 day(s), shorter than 5" in _one_line_error(r)
    # published again, 24 to 28 March: five days; an approval on its last day is too early
    ruled("case", "step", "1", "publicity", "--date", "2004-03-24", "--until", "2004-03-28")
    ruled("case", "step", "1", "objection", "--date", "2004-03-25", "--note", "邻居反映")
    r = ruled("case", "approve", "1", "--body", "局党委会", "--date", "2004-03-28", code=2)
    line = _one_line_error(r)
    assert (
        "publicity runs until 2004-03-28" in line and "objection of 2004-03-25 has not been handled" in line
    )
    # the objection recorded again with how it was handled; the case is approved the next day
    ruled("case", "step", "1", "objection", "--date", "2004-03-25", "--handling", "入户复核属实，不影响认定")
    assert ruled.rows("SELECT handling FROM case_steps WHERE step = 'objection'") == [
        ("入户复核属实，不影响认定",)
    ]
    assert _statuses(ruled) == [("enrolled", "2003-07-01", None)]
    ruled("case", "approve", "1", "--body", "局党委会", "--date", "2004-03-29")
    assert _statuses(ruled) == [("enrolled", "2003-07-01", None), ("exited", "2004-03-29", 1)]


def test_approval_writes_the_status_linked_and_dated_as_the_case_says(ruled):
    _exit_case(ruled)
    for step, day in (("verification", "2004-03-12"), ("appraisal", "2004-03-15")):
        ruled("case", "step", "1", step, "--date", day)
    ruled("case", "step", "1", "publicity", "--date", "2004-03-20", "--until", "2004-03-24")
    ruled(
        "case", "approve", "1", "--body", "局党委会", "--date", "2004-03-25", "--effective", "2004-03-31",
        "--document", "局扶字〔2004〕3号",
    )  # fmt: skip
    assert _statuses(ruled) == [("enrolled", "2003-07-01", None), ("exited", "2004-03-31", 1)]
    assert ruled.rows("SELECT outcome, decided_on, effective, body FROM cases") == [
        ("approved", "2004-03-25", "2004-03-31", "局党委会")
    ]
    assert ruled.rows("SELECT step, date, document FROM case_steps WHERE step = 'approval'") == [
        ("approval", "2004-03-25", "局扶字〔2004〕3号")
    ]
    # the notice comes after the decision; no other step does
    ruled("case", "step", "1", "notice", "--date", "2004-03-26")
    ruled("case", "step", "1", "review", "--date", "2004-03-26", code=2)
    shown = json.loads(ruled("case", "show", "1", "--format", "json").stdout)
    assert [s["step"] for s in shown["steps"]] == [
        "verification",
        "appraisal",
        "publicity",
        "approval",
        "notice",
    ]
    # undoing it is a new case: the status before the exit comes back, dated on the rollback
    ruled("case", "open", "H01", "rollback", "--date", "2004-04-10")
    ruled("case", "step", "2", "verification", "--date", "2004-04-11")
    ruled("case", "approve", "2", "--body", "局党委会", "--date", "2004-04-12")
    assert _statuses(ruled)[-1] == ("enrolled", "2004-04-12", 2)


def test_refused_and_withdrawn_cases_write_nothing_about_the_household(ruled):
    _exit_case(ruled)
    ruled("case", "open", "H02", "exit", "--date", "2004-03-10", "--channel", "self_report")
    statuses = ruled.rows("SELECT * FROM statuses")
    ruled("case", "refuse", "1", "--reason", "收入未达标", "--date", "2004-03-20")
    ruled("case", "withdraw", "2", "--reason", "农户撤回申请", "--date", "2004-03-21")
    assert ruled.rows("SELECT id, outcome, decided_on, reason FROM cases ORDER BY id") == [
        (1, "refused", "2004-03-20", "收入未达标"),
        (2, "withdrawn", "2004-03-21", "农户撤回申请"),
    ]
    assert ruled.rows("SELECT * FROM statuses") == statuses
    # a second open case of the same decision is refused while one is open
    ruled("case", "open", "H01", "exit", "--date", "2004-04-01")
    r = ruled("case", "open", "H01", "exit", "--date", "2004-04-02", code=2)
    assert "already has this case open (case 3)" in _one_line_error(r)


def _findings(cli: Cli, day: str) -> dict:
    r = cli("check", "cases", "--as-of", day, "--format", "json", ok=False)
    return json.loads(r.stdout)


def test_check_cases_at_the_intake_limit(ruled):
    ruled("case", "open", "H01", "exit", "--date", "2004-05-01")
    # 05-16 is day 15 after the lead: in time; 05-17, day 16: a lead not acted on
    assert _findings(ruled, "2004-05-16")["not_acted"] == []
    late = _findings(ruled, "2004-05-17")["not_acted"]
    assert [(r["case_id"], r["days"], r["intake_days"]) for r in late] == [(1, 16, 15)]
    ruled("case", "step", "1", "verification", "--date", "2004-05-10")
    data = _findings(ruled, "2004-05-17")
    assert data["not_acted"] == [] and [(r["case_id"], r["last_step"]) for r in data["overdue"]] == [
        (1, "2004-05-10")
    ]
    ruled("policy", "set", "intake_days", "20", "--from", "2004-01-01")
    assert _findings(ruled, "2004-05-17")["overdue"] == []
    ruled("check", "cases", "--as-of", "2004-05-16", code=0)


def _import(cli: Cli, tmp_path, kind: str, text: str, code: int = 0):
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    return cli("import", kind, str(path), code=code)


CASES_ZH = "户主编号,认定事项,线索来源,线索日期,发现人,办理结果,审批日期,理由,审批机关\n"


def test_a_case_imported_with_its_steps_writes_its_status(ruled, tmp_path):
    """Lead to approval through import: the approved case writes its status; check cases reads
    its steps (four days of publicity: short; the five-day one of H02: in time)."""
    _import(
        ruled,
        tmp_path,
        "cases",
        CASES_ZH
        + "H01,脱贫退出,干部排查,2004-03-10,吴振国,已批准,2004-03-31,连续半年600元以上,局党委会\n"
        + "H02,脱贫退出,农户自主申报,2004-03-10,满运良,已批准,2004-03-31,食杂店,局党委会\n",
    )
    assert _statuses(ruled) == [("enrolled", "2003-07-01", None), ("exited", "2004-03-31", 1)]
    assert _statuses(ruled, "H02")[-1] == ("exited", "2004-03-31", 2)
    steps = "household,decision,lead_date,step,date,end_date,who\n"
    for code, until in (("H01", "2004-03-23"), ("H02", "2004-03-24")):
        steps += f"{code},exit,2004-03-10,verification,2004-03-12,,吴振国\n"
        steps += f"{code},exit,2004-03-10,appraisal,2004-03-15,,居民代表\n"
        steps += f"{code},exit,2004-03-10,publicity,2004-03-20,{until},社区\n"
    _import(ruled, tmp_path, "case_steps", steps)
    data = _findings(ruled, "2004-12-31")
    assert [(r["household"], r["days"], r["publicity_days"]) for r in data["short_publicity"]] == [
        ("H01", 4, 5)
    ]
    assert data["missing_steps"] == []
    # a step of a case that is not recorded is refused, naming the lead date
    r = _import(
        ruled, tmp_path, "case_steps", "household,decision,lead_date,step,date\nH01,exit,2004-03-11,review,2004-03-20\n", 2
    )  # fmt: skip
    assert "no exit case of this household has its lead on this day" in r.output


def test_an_approval_imported_without_its_steps_is_shown_never_refused(ruled, tmp_path):
    _import(
        ruled,
        tmp_path,
        "cases",
        CASES_ZH + "H01,致富认定,干部排查,2004-05-01,吴振国,已批准,2004-05-20,纸质档案,局党委会\n",
    )
    assert _statuses(ruled)[-1] == ("prosperous", "2004-05-20", 1)
    data = _findings(ruled, "2004-06-30")
    assert [(r["household"], r["missing"]) for r in data["missing_steps"]] == [
        ("H01", ["verification", "publicity"])
    ]


def test_the_demo_marked_as_of_a_quarter_without_income_gets_no_relapse(cli, tmp_path):
    path = tmp_path / "demo.db"
    cli.invoke(["demo", "--out", str(path)])
    demo = Cli(path)
    statuses = demo.rows("SELECT * FROM statuses ORDER BY id")
    assert len(statuses) == 27 and all(r[-1] is not None for r in statuses)  # every one with its case
    demo("check", "relapse", "--as-of", "2004-12-31", "--mark", code=1)
    assert demo.rows("SELECT * FROM statuses ORDER BY id") == statuses
    assert demo.scalar("SELECT count(*) FROM cases WHERE outcome = 'open'") == 0  # no_income only
    quarter = json.loads(demo("report", "quarter", "2004Q4", "--format", "json").stdout)
    assert "relapsed" not in quarter["totals"]["households_by_status"]
    # the story's decisions all held their limits
    demo("check", "cases", "--as-of", "2004-12-31", code=0)


def test_the_publicity_list_never_shows_id_phone_bank_or_health(cli, tmp_path):
    path = tmp_path / "demo.db"
    cli.invoke(["demo", "--out", str(path)])
    demo = Cli(path)
    # what must never be posted: the heads' and members' ID numbers and phones, health words
    private = {r[0] for r in demo.rows("SELECT id_number FROM households UNION SELECT phone FROM households")}
    private |= {r[0] for r in demo.rows("SELECT id_number FROM members WHERE id_number IS NOT NULL")}
    private |= {"胃穿孔", "手术", "chronic", "serious", "disabled", "慢性病", "大病", "残疾", "bank", "银行"}
    # in publicity on 2004-06-03: H09's exit (05-30..06-05) and H01's second exit (06-01..06-07)
    data = json.loads(demo("report", "publicity", "--as-of", "2004-06-03", "--format", "json").stdout)
    assert [
        (r["household"], r["decision"], r["publicity_from"], r["publicity_until"]) for r in data["rows"]
    ] == [
        ("H09", "exit", "2004-05-30", "2004-06-05"),
        ("H01", "exit", "2004-06-01", "2004-06-07"),
    ]
    # the boundaries: a publicity is listed on its first and its last day, not the day after
    on = lambda day: [  # noqa: E731
        r["household"]
        for r in json.loads(demo("report", "publicity", "--as-of", day, "--format", "json").stdout)["rows"]
    ]
    assert on("2004-06-07") == ["H01", "H06"] and on("2004-06-08") == ["H06"] and on("2004-05-30") == ["H09"]
    for fmt in ("table", "json", "csv", "markdown", "html"):
        for flags in ((), ("--columns", "household,name,decision"), ("--objections-to", "局扶贫办 8213407")):
            for when in (("--period", "2004"), ("--period", "2003Q4"), ("--as-of", "2004-06-03")):
                out = demo("--lang", "zh", "report", "publicity", *when, "--format", fmt, *flags).stdout
                out += demo("report", "publicity", *when, "--format", fmt, *flags).stdout
                assert out.strip()
                leaked = [
                    p for p in private if p and p in out and not ("8213407" in flags[-1] and p == "8213407")
                ]
                assert leaked == [], (fmt, flags, when, leaked)
    # the workbook too: every cell of every sheet
    import openpyxl

    book = tmp_path / "公示.xlsx"
    demo("report", "publicity", "--period", "2004", "--format", "xlsx", "--out", str(book))
    cells = [
        str(v) for ws in openpyxl.load_workbook(book) for row in ws.iter_rows(values_only=True) for v in row
    ]
    assert "H09" in cells and "2004-05-30" in cells
    assert [p for p in private if any(p in c for c in cells)] == []
    html = demo("report", "publicity", "--period", "2003Q4", "--format", "html").stdout
    assert "<table" in html and "H01" in html and "2003-10-21" in html  # H01's relapse, in publicity


def test_the_household_register_shows_its_cases_and_history_without_one(ruled):
    ruled("household", "status", "H01", "--set", "exited", "--date", "2003-09-30", "--reason", "纸质档案")
    ruled("case", "open", "H01", "relapse", "--date", "2004-02-01", "--channel", "dept_warning")
    ruled("case", "step", "1", "verification", "--date", "2004-02-02")
    ruled("case", "step", "1", "appraisal", "--date", "2004-02-03")
    ruled("case", "step", "1", "publicity", "--date", "2004-02-04", "--until", "2004-02-08")
    ruled("case", "approve", "1", "--body", "局党委会", "--date", "2004-02-09")
    md = ruled("report", "household", "H01", "--format", "markdown").stdout
    assert "| 2003-09-30 | exited | 纸质档案 | recorded without a case |" in md
    assert "| 2004-02-09 | relapsed | relapse | case 1 |" in md
    assert (
        "verification 2004-02-02; appraisal 2004-02-03; publicity 2004-02-04–2004-02-08; approval 2004-02-09"
        in md
    )
    html = ruled("report", "household", "H01", "--format", "html").stdout
    assert 'class="case"' in html and "recorded without a case" in html


def test_a_household_with_a_case_is_not_deleted(cli):
    cli("household", "add", "新户", "--code", "H09", "--enrolled", "2003-08-01")
    cli("case", "open", "H09", "exit", "--date", "2003-08-02")
    r = cli("household", "delete", "H09", "--yes", code=2)
    assert "1 cases" in _one_line_error(r)
    assert cli.scalar("SELECT count(*) FROM households") == 1


def test_check_cases_lists_history_recorded_without_a_case_after_cases_from(ruled):
    ruled("household", "status", "H01", "--set", "exited", "--date", "2003-09-30")
    assert _findings(ruled, "2004-12-31")["without_case"] == []
    # the unit moves cases_from back: the exit typed directly now lies after it
    ruled("policy", "set", "cases_from", "2003-07-01", "--from", "1900-01-01")
    data = _findings(ruled, "2004-12-31")
    assert [(r["record"], r["household"], r["what"], r["date"]) for r in data["without_case"]] == [
        ("status", "H01", "exited", "2003-09-30")
    ]  # the enrolments (each household's first status) are not listed


def test_a_lead_names_a_visit_that_was_made(ruled):
    ruled("visit", "add", "H01", "--date", "2004-02-10", "--event", "illness")
    r = ruled("case", "open", "H01", "relapse", "--date", "2004-02-12", "--visit", "2004-02-11", code=2)
    assert "no visit to this household is recorded on this day" in _one_line_error(r)
    r = ruled("case", "open", "H01", "relapse", "--date", "2004-02-09", "--visit", "2004-02-10", code=2)
    assert "is after the lead (2004-02-09)" in _one_line_error(r)
    ruled("case", "open", "H01", "relapse", "--date", "2004-02-12", "--visit", "2004-02-10")
    assert ruled.rows("SELECT lead_visit, channel FROM cases") == [("2004-02-10", "cadre_check")]
