"""The reports, end to end on a register built by hand; every expected figure worked out below.

The register (2004Q3 = 2004-07-01 … 2004-09-30, 92 days):
  H01 刘香福 (3 people) with C01 吴局长 since 2003-07-10, the whole quarter.
      visits 2004-05-10 (problem 无收入, resolved 2004-07-20), 2004-06-30,
             2004-07-01 (quarter's first day; problem 医药费 escalated, never resolved),
             2004-09-30 (quarter's last day, followup).
      income 2004-04 500, 2004-05 600, (06 missing), 2004-07 600 + 50 (two sources), 2004-08 700,
             (09 missing).
      aid 2004-08-01 funds 700 given by C01; 2004-10-01 goods 100 (next quarter).
      exited 2004-09-15.
  H02 满运良 (2 people) with C02 李副局长 2003-07-10 … 2004-08-14, then C03 王科长 from 2004-08-15.
      visits 2004-07-20 (C02), 2004-09-01 (C03; problem 找工作, resolved 2004-09-20).
      income 2004-06 400 only.  aid 2004-08-01 goods 300 (C02's time), 2004-09-10 funds 200
      from 局党委 (C03's time).
  H03 张小红 (1 person), enrolled 2004-08-01, with C02 from 2004-09-01.
      visit 2004-09-01 (initial).  income 2004-09 300.  prosperous 2004-09-25.
"""

from __future__ import annotations

import json

import pytest

from aidtrack.ops.rules.redact import mask_name, redact_record

from conftest import copy_register

Q3 = "2004Q3"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The register built once through the CLI; each test gets its own copy (`unit`)."""
    from conftest import Cli

    cli = Cli(tmp_path_factory.mktemp("template") / "unit.db")
    build(cli)
    return cli.db


@pytest.fixture
def unit(cli, template):
    return copy_register(template, cli)


def build(cli):
    cli("cadre", "add", "吴局长", "--code", "C01", "--phone", "13800000001")
    cli("cadre", "add", "李副局长", "--code", "C02")
    cli("cadre", "add", "王科长", "--code", "C03")
    cli(
        "household",
        "add",
        "刘香福",
        "--code",
        "H01",
        "--members",
        "3",
        "--enrolled",
        "2003-07-01",
        "--livelihood",
        "transport",
        "--phone",
        "13900000002",
        "--id-number",
        "230102195203041237",
        "--address",
        "道里区安静街12号",
    )
    cli("household", "add", "满运良", "--code", "H02", "--members", "2", "--enrolled", "2003-07-01")
    cli(
        "household",
        "add",
        "张小红",
        "--code",
        "H03",
        "--members",
        "1",
        "--enrolled",
        "2004-08-01",
        "--livelihood",
        "commerce",
    )
    cli("pair", "add", "C01", "H01", "--since", "2003-07-10")
    cli("pair", "add", "C02", "H02", "--since", "2003-07-10")
    cli("pair", "end", "H02", "--date", "2004-08-14")
    cli("pair", "add", "C03", "H02", "--since", "2004-08-15")
    cli("pair", "add", "C02", "H03", "--since", "2004-09-01")
    cli("visit", "add", "H01", "--date", "2004-05-10", "--problem", "无收入")  # problem 1
    cli("visit", "add", "H01", "--date", "2004-06-30", "--situation", "生活困难")
    cli(
        "visit",
        "add",
        "H01",
        "--date",
        "2004-07-01",
        "--situation",
        "胃病",
        "--problem",
        "医药费",
        "--escalate",
    )  # problem 2
    cli("visit", "add", "H02", "--date", "2004-07-20")
    cli("visit", "add", "H02", "--date", "2004-09-01", "--problem", "找工作")  # problem 3
    cli("visit", "add", "H03", "--date", "2004-09-01", "--kind", "initial")
    cli("visit", "add", "H01", "--date", "2004-09-30", "--kind", "followup", "--solved", "买药")
    cli("problem", "resolve", "1", "--date", "2004-07-20", "--note", "三轮车")
    cli("problem", "resolve", "3", "--date", "2004-09-20", "--note", "保安")
    for household, month, amount, source in [
        ("H01", "2004-04", "500", ""),
        ("H01", "2004-05", "600", ""),
        ("H01", "2004-07", "600", "三轮车"),
        ("H01", "2004-07", "50", "低保"),
        ("H01", "2004-08", "700", ""),
        ("H02", "2004-06", "400", ""),
        ("H03", "2004-09", "300", ""),
    ]:
        cli("income", "add", household, "--month", month, "--amount", amount, "--source", source)
    cli("aid", "add", "H01", "--kind", "funds", "--value", "700", "--giver", "C01", "--date", "2004-08-01")
    cli("aid", "add", "H01", "--kind", "goods", "--value", "100", "--date", "2004-10-01")
    cli("aid", "add", "H02", "--kind", "goods", "--value", "300", "--date", "2004-08-01")
    cli("aid", "add", "H02", "--kind", "funds", "--value", "200", "--giver", "局党委", "--date", "2004-09-10")
    cli("household", "status", "H01", "--set", "exited", "--date", "2004-09-15")
    cli("household", "status", "H03", "--set", "prosperous", "--date", "2004-09-25")


def as_json(cli, *args):
    return json.loads(cli("report", *args, "--format", "json").stdout)


def test_quarter_rows(unit):
    data = as_json(unit, "quarter", Q3)
    assert (data["quarter"], data["start"], data["end"]) == ("2004Q3", "2004-07-01", "2004-09-30")
    rows = {(r["household"], r["cadre"]): r for r in data["pairings"]}
    # Four pairings active in the quarter, in household order: H02 has two (cadre changed 2004-08-15).
    assert [(r["household"], r["cadre"]) for r in data["pairings"]] == [
        ("H01", "C01"),
        ("H02", "C02"),
        ("H02", "C03"),
        ("H03", "C02"),
    ]

    h01 = rows[("H01", "C01")]
    # Visits on 07-01 and 09-30 (first and last day) count; 05-10 and 06-30 are Q2.
    assert (h01["visits"], h01["required"], h01["compliant"]) == (2, 2, True)
    # Raised in Q3: 医药费 (07-01). Solved in Q3: 无收入 (raised in Q2, resolved 07-20).
    # Escalated in Q3: 医药费. Open at 09-30: 医药费.
    assert (
        h01["problems_raised"],
        h01["problems_solved"],
        h01["problems_escalated"],
        h01["problems_open"],
    ) == (1, 1, 1, 1)
    assert h01["aid_value"] == 700.0  # the 2004-10-01 goods are Q4
    # Q3 months with a record: 07 (600 + 50 = 650) and 08 (700); 09 unknown, not 0.
    # avg = (650 + 700) / 2 = 675.00; per person 675 / 3 = 225.00.
    # Q2: 04 500, 05 600, 06 unknown -> 550.00; change 675 - 550 = +125.00.
    assert (h01["income_monthly_avg"], h01["income_per_person"], h01["income_change"]) == (
        675.0,
        225.0,
        125.0,
    )
    assert h01["status"] == "exited"

    c02 = rows[("H02", "C02")]
    # Active 07-01 … 08-14 = 31 + 14 = 45 days: required ceil(2 × 45 / 92) = ceil(0.978) = 1.
    assert (c02["visits"], c02["required"], c02["compliant"]) == (1, 1, True)
    assert c02["aid_value"] == 300.0  # only the 08-01 goods; the 09-10 funds fall in C03's days
    # No income recorded in Q3: unknown (null), never 0; so no change either.
    assert (c02["income_monthly_avg"], c02["income_per_person"], c02["income_change"]) == (None, None, None)
    assert c02["problems_raised"] == 0 and c02["status"] == "enrolled"

    c03 = rows[("H02", "C03")]
    # Active 08-15 … 09-30 = 17 + 30 = 47 days: ceil(2 × 47 / 92) = ceil(1.0217) = 2; made 1.
    assert (c03["visits"], c03["required"], c03["compliant"]) == (1, 2, False)
    assert c03["aid_value"] == 200.0
    assert (
        c03["problems_raised"],
        c03["problems_solved"],
        c03["problems_escalated"],
        c03["problems_open"],
    ) == (1, 1, 0, 0)

    h03 = rows[("H03", "C02")]
    # Active 09-01 … 09-30 = 30 days: ceil(2 × 30 / 92) = ceil(0.652) = 1.
    assert (h03["visits"], h03["required"], h03["compliant"]) == (1, 1, True)
    # One month (09) of 300 for one person; no Q2 income, so no change.
    assert (h03["income_monthly_avg"], h03["income_per_person"], h03["income_change"]) == (300.0, 300.0, None)
    assert h03["status"] == "prosperous"


def test_quarter_totals(unit):
    t = as_json(unit, "quarter", "2004-Q3")["totals"]
    assert t["pairings"] == 4
    assert t["compliant"] == 3  # all but H02/C03
    assert t["visits"] == 5  # 07-01, 07-20, 09-01 ×2, 09-30
    assert t["visits_cumulative"] == 7  # plus 05-10 and 06-30
    assert t["aid_value"] == 1200.0  # 700 + 300 + 200 (10-01 is Q4)
    assert t["aid_by_kind"] == {"funds": 900.0, "goods": 300.0}  # funds 700 + 200
    assert t["households_by_status"] == {"enrolled": 1, "exited": 1, "prosperous": 1}
    assert t["problems_open_escalated"] == 1  # 医药费


def test_quarter_required_uses_policy_at_quarter_end(unit):
    unit("policy", "set", "visits_per_quarter", "3", "--from", "2004-09-01")
    rows = {(r["household"], r["cadre"]): r for r in as_json(unit, "quarter", Q3)["pairings"]}
    # The rule in force on 09-30 governs the whole quarter: H01 owes 3, made 2.
    assert (rows[("H01", "C01")]["required"], rows[("H01", "C01")]["compliant"]) == (3, False)
    # H02/C02: ceil(3 × 45 / 92) = ceil(1.467) = 2.
    assert rows[("H02", "C02")]["required"] == 2
    # Q2 ends before the change: still 2.
    assert as_json(unit, "quarter", "2004Q2")["pairings"][0]["required"] == 2


def test_quarter_csv_table_markdown(unit):
    out = unit("report", "quarter", Q3, "--format", "csv").stdout.splitlines()
    assert out[0].startswith("cadre,cadre_name,household,household_name,since,until,visits,required")
    assert len(out) == 1 + 4
    assert out[1].startswith("C01,吴局长,H01,刘香福,2003-07-10,,2,2,yes,1,1,1,1,700.00,675.00,225.00,125.00")
    table = unit("report", "quarter", Q3).stdout
    assert "刘香福" in table and "Escalated problems open at quarter end" in table
    md = unit("report", "quarter", Q3, "--format", "markdown").stdout
    assert md.startswith("# Quarter report 2004Q3")
    assert "| C03 王科长 | H02 满运良 | 1/2 ✗ | no |" in md
    assert "- **Visits since the programme began**: 7" in md


def test_cadres_csv_and_table(unit):
    out = unit("report", "cadres", Q3, "--format", "csv").stdout.splitlines()
    assert len(out) == 1 + 3
    header = out[0].split(",")
    assert header[:3] == ["rank", "cadre", "cadre_name"] and header[-3:] == ["score", "rate", "grade"]
    # Ranked by the rate: C02 (83.27) before C01 (79.96); tests/test_assessment.py works them out.
    assert out[2].startswith("2,C01,吴局长,") and out[2].endswith(",79.96,79.96,pass")
    table = unit("report", "cadres", Q3).stdout
    assert "visits 40 × credited/required" in table  # the cadre scores: tests/test_assessment.py


def test_grid(unit):
    data = as_json(unit, "grid", "2004")
    assert data["quarters"] == ["2004Q1", "2004Q2", "2004Q3", "2004Q4"]
    cells = {(r["household"], r["cadre"]): r["cells"] for r in data["rows"]}
    h01 = cells[("H01", "C01")]
    # Q1 none of 2 (over: short); Q2 05-10 + 06-30; Q3 07-01 + 09-30; Q4 none.
    assert [(c["visits"], c["required"], c["state"]) for c in h01.values()] == [
        (0, 2, "short"),
        (2, 2, "met"),
        (2, 2, "met"),
        (0, 2, "short"),
    ]
    # H02/C02 ended 08-14: blank in Q4; H02/C03 began 08-15: blank in Q1, Q2.
    assert cells[("H02", "C02")]["2004Q4"] is None
    assert cells[("H02", "C03")]["2004Q1"] is None and cells[("H02", "C03")]["2004Q2"] is None
    assert cells[("H02", "C03")]["2004Q3"] == {"visits": 1, "required": 2, "state": "short"}
    # Q1: H01, H02/C02 both short -> 0/2; Q2: H01 met of 2 -> 0.5;
    # Q3: 3 met of 4 -> 0.75; Q4: H01, H02/C03, H03 all short -> 0.
    assert data["compliance"] == {"2004Q1": 0.0, "2004Q2": 0.5, "2004Q3": 0.75, "2004Q4": 0.0}
    table = unit("report", "grid", "2004").stdout
    assert "2/2" in table and "Compliance" in table and "75%" in table
    csv = unit("report", "grid", "2004", "--format", "csv").stdout.splitlines()
    assert csv[0] == "cadre,cadre_name,household,household_name,2004Q1,2004Q2,2004Q3,2004Q4"
    assert csv[1] == "C01,吴局长,H01,刘香福,0/2,2/2,2/2,0/2"
    assert csv[3] == "C03,王科长,H02,满运良,,,1/2,0/2"


def test_grid_future_and_pending(unit):
    import datetime as dt

    from aidtrack.reports import grid
    from aidtrack.store import open_store

    future = as_json(unit, "grid", "2999")
    # The open pairings still run; nothing of 2999 is due yet.
    assert {c["state"] for r in future["rows"] for c in r["cells"].values()} == {"future"}
    assert set(future["compliance"].values()) == {None}
    data = grid.build(open_store(unit.db), 2004, today=dt.date(2004, 8, 20))
    cells = {(r["household"], r["cadre"]): r["cells"] for r in data["rows"]}
    assert cells[("H02", "C03")]["2004Q3"]["state"] == "pending"  # 1 of 2, quarter still running
    assert cells[("H01", "C01")]["2004Q4"]["state"] == "future"
    assert data["compliance"]["2004Q4"] is None


def test_household_register_json(unit):
    data = as_json(unit, "household", "刘香福")
    assert set(data) >= {"household", "pairings", "visits", "aid", "income", "statuses"}
    assert data["household"]["code"] == "H01" and data["household"]["status"] == "exited"
    assert [v["date"] for v in data["visits"]] == ["2004-05-10", "2004-06-30", "2004-07-01", "2004-09-30"]
    problems = [
        (p["problem"], p["escalated"], p["resolved_on"]) for v in data["visits"] for p in v["problems"]
    ]
    assert problems == [("无收入", False, "2004-07-20"), ("医药费", True, None)]
    # 2004-07 is 600 + 50 from two sources.
    assert [(i["month"], i["amount"]) for i in data["income"]] == [
        ("2004-04", 500.0),
        ("2004-05", 600.0),
        ("2004-07", 650.0),
        ("2004-08", 700.0),
    ]
    assert [(a["date"], a["value"], a["giver"]) for a in data["aid"]] == [
        ("2004-08-01", 700.0, "C01"),
        ("2004-10-01", 100.0, None),
    ]
    assert [(s["date"], s["status"]) for s in data["statuses"]] == [
        ("2003-07-01", "enrolled"),
        ("2004-09-15", "exited"),
    ]


def test_household_register_markdown(unit):
    md = unit("report", "household", "H01", "--format", "markdown").stdout
    assert md.startswith("# Register (跟踪问效登记表): H01 刘香福\n")
    for heading in (
        "## Household",
        "## Household members",
        "## Pairings",
        "## Visits",
        "## Aid received",
        "## Income trend",
        "## Income by month",
        "## Status history",
    ):
        assert f"\n{heading}\n" in md
    assert "| Date | Cadre | Kind | Event | Situation | Solved | Problems |" in md
    assert "| 2004-07-01 | C01 吴局长 | regular |  | 胃病 |  | 医药费 (escalated 2004-07-01, open) |" in md
    # Months 04 … 08 scaled 500 … 700: 500 ▁, 600 -> 3.5 -> ▅, 06 missing ' ', 650 -> 5.25 -> ▆, 700 █.
    assert "2004-04 `▁▅ ▆█` 2004-08" in md
    assert "| 2004-07 | 650.00 | 3 | 216.67 | 三轮车; 低保 |" in md  # 650 / 3 people
    table = unit("report", "household", "H01").stdout
    assert "▁▅ ▆█" in table
    unit("report", "household", "H01", "--format", "csv", code=2)


def test_outcomes(unit):
    unit(
        "job",
        "add",
        "H01",
        "--member",
        "刘强",
        "--employer",
        "物业公司",
        "--started",
        "2004-03-01",
        "--ended",
        "2004-08-31",
    )
    unit("job", "add", "H01", "--member", "刘强", "--employer", "绿色家园社区", "--started", "2004-09-01")
    unit("job", "add", "H03", "--member", "张丽", "--started", "2004-10-05")  # after as-of
    data = as_json(unit, "outcomes", "--as-of", "2004-09-30")
    # Placed by 09-30: H01's two; still in the job on 09-30: the second only.
    assert data["jobs"] == {"placed": 2, "working": 1}
    assert data["households"] == 3
    assert data["households_by_status"] == {"enrolled": 1, "exited": 1, "prosperous": 1}
    assert data["households_by_livelihood"] == {"commerce": 1, "transport": 1, "unrecorded": 1}
    assert (data["out_of_poverty"], data["prosperous"]) == (2, 1)
    assert data["visits"] == 7
    assert data["aid_by_kind"] == {"funds": 900.0, "goods": 300.0} and data["aid_value"] == 1200.0
    assert data["aid_by_giver"] == [
        {"giver": "C01", "giver_name": "吴局长", "value": 700.0},
        {"giver": None, "giver_name": None, "value": 300.0},
        {"giver": "局党委", "giver_name": None, "value": 200.0},
    ]
    # Now (latest month): H01 700 (08), H02 400 (06), H03 300 (09) -> 1400 / 3 = 466.67.
    # At enrolment (first month): H01 500 (04), H02 400, H03 300 -> 1200 / 3 = 400.00.
    assert data["income"] == {
        "households": 3,
        "monthly_avg_now": 466.67,
        "monthly_avg_enrolment": 400.0,
        "change": 66.67,
    }
    # Earlier: H03 not yet enrolled, H01's 10-01 goods not yet given.
    early = as_json(unit, "outcomes", "--as-of", "2004-07-31")
    assert early["households"] == 2 and early["visits"] == 4 and early["aid_by_kind"] == {}
    assert early["jobs"] == {"placed": 1, "working": 1}  # 07-31: the first job, not yet ended
    csv = unit("report", "outcomes", "--as-of", "2004-09-30", "--format", "csv").stdout.splitlines()
    assert csv[0] == "section,item,value" and "aid by giver,C01 吴局长,700.00" in csv
    assert "jobs,placed by as-of,2" in csv and "jobs,still in the job,1" in csv
    md = unit("report", "outcomes", "--as-of", "2004-09-30", "--format", "markdown").stdout
    assert "- **out of poverty (exited or prosperous)**: 2" in md


def test_redaction(unit):
    assert mask_name("刘香福") == "刘**" and mask_name("") == "" and mask_name(None) is None
    assert redact_record({"name": "满运良", "phone": "139", "address": None, "code": "H02"}) == {
        "name": "满**",
        "phone": "***",
        "address": None,
        "code": "H02",
    }
    row = as_json(unit, "quarter", Q3, "--redact")["pairings"][0]
    assert (row["household_name"], row["cadre_name"], row["household"]) == ("刘**", "吴**", "H01")
    h = as_json(unit, "household", "H01", "--redact")
    assert (
        h["household"]["name"],
        h["household"]["phone"],
        h["household"]["id_number"],
        h["household"]["address"],
    ) == ("刘**", "***", "***", "***")
    assert h["visits"][0]["cadre_name"] == "吴**" and h["aid"][0]["giver_name"] == "吴**"
    md = unit("report", "household", "H01", "--format", "markdown", "--redact").stdout
    assert "刘香福" not in md and "13900000002" not in md and "安静街" not in md
    assert "刘\\*\\*" in md  # escaped, so the page does not turn bold
    for args in (("cadres", Q3), ("grid", "2004"), ("outcomes", "--as-of", "2004-12-31")):
        out = unit("report", *args, "--redact", "--format", "csv").stdout
        assert "吴局长" not in out and "刘香福" not in out


def test_reports_are_read_only(unit):
    before = unit.checksum()
    for args in (("quarter", Q3), ("cadres", "2004"), ("grid", "2004"), ("household", "H01"), ("outcomes",)):
        for fmt in ("table", "json", "markdown"):
            unit("report", *args, "--format", fmt)
    assert unit.checksum() == before


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_empty_register(cli, fmt):
    cli("init")
    out = {
        name: cli("report", *args, "--format", fmt).stdout
        for name, args in {
            "quarter": ("quarter", Q3),
            "cadres": ("cadres", "2004"),
            "grid": ("grid", "2004"),
            "outcomes": ("outcomes", "--as-of", "2004-12-31"),
        }.items()
    }
    if fmt in ("table", "markdown"):
        assert "Nothing recorded for 2004Q3." in out["quarter"]
        assert "Nothing recorded for 2004." in out["cadres"] and "Nothing recorded for 2004." in out["grid"]
        assert "Nothing recorded as of 2004-12-31." in out["outcomes"]
    elif fmt == "json":
        q = json.loads(out["quarter"])
        assert q["pairings"] == [] and q["totals"]["pairings"] == 0 and q["totals"]["aid_by_kind"] == {}
        assert json.loads(out["cadres"])["cadres"] == [] and json.loads(out["grid"])["rows"] == []
        o = json.loads(out["outcomes"])
        assert o["households"] == 0 and o["aid_by_giver"] == [] and o["income"]["monthly_avg_now"] is None
    else:
        assert all(len(text.splitlines()) == 1 for name, text in out.items() if name != "outcomes")
    if fmt != "csv":
        r = cli("report", "household", "H01", "--format", fmt, code=2)
        assert "no household" in r.stderr


def test_bad_arguments(cli):
    cli("init")
    assert "quarter" in cli("report", "quarter", "2004Q5", code=2).stderr
    assert "year" in cli("report", "grid", "2004Q3", code=2).stderr
    assert "format" in cli("report", "quarter", Q3, "--format", "xml", code=2).stderr


def _generated(cli, tmp_path):
    """A small register from the benchmark generator: problems open across quarters, re-pairings."""
    import datetime as dt
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "bench_generate", Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"
    )
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    generate.generate(tmp_path / "bundle", households=40, years=2, seed=5, end=dt.date(2026, 9, 30))
    cli("import", "bundle", str(tmp_path / "bundle"))


#: The one-query definition problem_counts replaced (it read every problem): the expected figures.
_ALL_PROBLEMS = (
    "SELECT v.pairing_id, sum(v.date >= :s), sum(pr.resolved_on BETWEEN :s AND :e),"
    " sum(v.date >= :s AND pr.escalated = 1), sum(pr.resolved_on IS NULL OR pr.resolved_on > :e),"
    " sum(pr.escalated = 1 AND (pr.resolved_on IS NULL OR pr.resolved_on > :e))"
    " FROM problems pr JOIN visits v ON v.id = pr.visit_id"
    " WHERE v.date <= :e AND (v.date >= :s OR pr.resolved_on IS NULL OR pr.resolved_on >= :s)"
    " GROUP BY v.pairing_id"
)


def test_problem_counts_and_visits_to_date_read_the_history_right(cli, tmp_path):
    import datetime as dt

    from aidtrack.model import Quarter
    from aidtrack.reports.common import PROBLEM_KEYS, problem_counts, visits_until
    from aidtrack.store import open_store

    _generated(cli, tmp_path)
    db = open_store(cli.db)
    try:
        q = Quarter.of(dt.date(2024, 10, 1))
        checked = 0
        while q.start <= dt.date(2026, 9, 30):
            s, e = q.start.isoformat(), q.end.isoformat()
            want = {
                r[0]: {k: int(v or 0) for k, v in zip(PROBLEM_KEYS, r[1:])}
                for r in cli.rows(_ALL_PROBLEMS, {"s": s, "e": e})
            }
            assert problem_counts(db, q.start, q.end) == want, str(q)
            checked += sum(c["open"] for c in want.values())
            for day in (s, e, (q.start + dt.timedelta(days=40)).isoformat()):
                direct = cli.scalar("SELECT count(*) FROM visits WHERE date <= ?", [day])
                assert visits_until(db, day) == direct
            q = q.next()
        assert checked > 0  # problems open across quarter ends were there to count
    finally:
        db.close()


def test_visits_per_month_follow_every_change(cli, tmp_path):
    """The tally behind "visits since the programme began" follows adds, date corrections, deletes."""
    _generated(cli, tmp_path)

    def tally_is_the_count():
        kept = dict(cli.rows("SELECT month, visits FROM visit_months WHERE visits <> 0"))
        counted = dict(cli.rows("SELECT substr(date, 1, 7), count(*) FROM visits GROUP BY 1"))
        return kept == counted

    assert tally_is_the_count()
    vid, household = cli.rows(
        "SELECT v.id, h.code FROM visits v JOIN pairings p ON p.id = v.pairing_id"
        " JOIN households h ON h.id = p.household_id WHERE p.until IS NULL"
        " ORDER BY v.date DESC LIMIT 1"
    )[0]
    cli(
        "visit",
        "edit",
        str(vid),
        "--date",
        cli.scalar(
            "SELECT since FROM pairings p JOIN households h"
            " ON h.id = p.household_id WHERE h.code = ?"
            " AND p.until IS NULL",
            [household],
        ),
    )
    assert tally_is_the_count()
    cli("visit", "delete", str(vid), "--yes")
    assert tally_is_the_count()
    data = json.loads(cli("report", "quarter", "2026Q3", "--format", "json").stdout)
    assert data["totals"]["visits_cumulative"] == cli.scalar(
        "SELECT count(*) FROM visits WHERE date <= '2026-09-30'"
    )


def test_quarter_note_and_aid_by_whose_money(story):
    """`report note` stores the clerk's case; aid says whose money it was (giver_type)."""
    story(
        "aid",
        "add",
        "H01",
        "--kind",
        "medical",
        "--value",
        "4120",
        "--date",
        "2004-08-24",
        "--giver-type",
        "waived",
    )
    story(
        "aid",
        "add",
        "H01",
        "--kind",
        "funds",
        "--value",
        "200.5",
        "--date",
        "2004-08-25",
        "--giver-type",
        "干部个人",
    )
    assert story.rows("SELECT value, giver_type FROM aid WHERE date >= '2004-08-24' ORDER BY date") == [
        (412000, "waived"),
        (20050, "cadre"),
    ]
    ident = story("report", "note", "2004Q3", "刘香福术后返贫，回访发现").stdout.strip()
    assert story.rows("SELECT id, quarter, text FROM quarter_notes") == [
        (int(ident), "2004Q3", "刘香福术后返贫，回访发现")
    ]
    before = story.checksum()
    story("report", "note", "2004Q3", "   ", code=2)
    story("report", "note", "2004Q5", "x", code=2)
    assert story.checksum() == before
    data = json.loads(story("report", "quarter", "2004Q3", "--format", "json").stdout)
    assert data["director"]["notes"][0]["text"] == "刘香福术后返贫，回访发现"
    assert data["director"]["aid_by_source"]["waived"] == 4120.0
    assert data["director"]["aid_by_source"]["cadre"] == 200.5
    html = story("report", "quarter", "2004Q3", "--format", "html").stdout
    assert "刘香福术后返贫，回访发现" in html and "fees waived 4,120.00" in html
    # --redact masks the register's names inside the clerk's text too.
    masked = json.loads(story("report", "quarter", "2004Q3", "--format", "json", "--redact").stdout)
    assert masked["director"]["notes"][0]["text"] == "刘**术后返贫，回访发现"
    # Another quarter's report does not print it.
    assert "刘香福" not in json.dumps(
        json.loads(story("report", "quarter", "2004Q2", "--format", "json").stdout)["director"]["notes"],
        ensure_ascii=False,
    )
