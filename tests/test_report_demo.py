"""The reports on the demo story (src/aidtrack/demo_data, figures from its STORY.md)."""

from __future__ import annotations

import json

import pytest

importer = pytest.importorskip("aidtrack.ops.transfer.importer")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from pathlib import Path

    import aidtrack
    from aidtrack.store import open_store

    from conftest import Cli

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = open_store(path, operator="test")
    importer.import_bundle(db, Path(aidtrack.__file__).parent / "demo_data")
    db.conn.close()
    return Cli(path)


def as_json(cli, *args):
    return json.loads(cli("report", *args, "--format", "json").stdout)


def test_quarter_2004q2(demo):
    data = as_json(demo, "quarter", "2004Q2")
    rows = {(r["cadre"], r["household"]): r for r in data["pairings"]}
    assert len(rows) == 11  # H07 changed cadre on 05-11
    # C07–H07 40 days: ceil(80/91) = 1; C11–H07 51 days: ceil(102/91) = 2.
    assert rows[("C07", "H07")]["required"] == 1 and rows[("C11", "H07")]["required"] == 2
    assert sorted(k for k, r in rows.items() if not r["compliant"]) == [("C05", "H05"), ("C08", "H08")]
    assert rows[("C01", "H01")]["visits"] == 3
    assert sum(r["visits"] for r in rows.values()) == 21
    assert sum(r["required"] for r in rows.values()) == 21
    assert data["totals"]["visits_cumulative"] == 118
    assert data["totals"]["aid_value"] == 3000.0  # 全体党员: 10 × 300 of the 4,350
    assert data["totals"]["households_by_status"] == {"exited": 9, "prosperous": 1}


def test_quarter_2004q3(demo):
    data = as_json(demo, "quarter", "2004Q3")
    t = data["totals"]
    assert (t["pairings"], t["compliant"], t["visits"], t["visits_cumulative"]) == (10, 10, 30, 148)
    # funds 400; medical: fees waived by 市医院 10 × 412, medicines 2 × 420; Mid-Autumn goods 10 × 60
    assert t["aid_value"] == 5960.0
    assert t["households_by_status"] == {"exited": 5, "prosperous": 5}
    assert t["problems_open_escalated"] == 1  # H10's pension contributions
    assert (t["measures_due"], t["measures_done"], t["measures_overdue"]) == (3, 3, 1)
    income = {r["household"]: (r["income_monthly_avg"], r["income_per_person"]) for r in data["pairings"]}
    assert income == {
        "H01": (840.0, 280.0),
        "H02": (813.33, 406.67),
        "H03": (706.67, 235.56),
        "H04": (876.67, 292.22),
        "H05": (690.0, 230.0),
        "H06": (800.0, 266.67),
        "H07": (800.0, 266.67),
        "H08": (960.0, 240.0),
        "H09": (583.33, 291.67),
        "H10": (600.0, 300.0),
    }
    # H01: Q2 (760 + 780 + 800) / 3 = 780, Q3 (820 + 840 + 860) / 3 = 840: +60.00.
    assert data["pairings"][0]["income_change"] == 60.0
    measures = {
        r["household"]: (r["measures_due"], r["measures_done"], r["measures_overdue"])
        for r in data["pairings"]
        if r["measures_due"] or r["measures_done"] or r["measures_overdue"]
    }
    assert measures == {"H01": (1, 1, 0), "H02": (1, 1, 0), "H03": (0, 1, 0), "H07": (1, 0, 1)}
    att = data["attention"]
    assert att["as_of"] == "2004-09-30"
    assert att["relapse_risk"] == [] and att["followups_overdue"] == []
    # H10's pension: open 79 days, but studied on 07-27 (14 days after) with a decision due 12-31.
    assert [
        (e["household"], e["days_open"], e["studied"], e["due"], e["overdue"])
        for e in att["escalations_open"]
    ] == [("H10", 79, "2004-07-27", "2004-12-31", False)]
    assert [(m["household"], m["what"], m["due"]) for m in att["measures_overdue"]] == [
        ("H07", "添置冰柜扩大经营", "2004-09-15")
    ]


def test_quarter_measures_and_status_by_quarter(demo):
    figures = {}
    for q in ("2003Q3", "2003Q4", "2004Q1", "2004Q2", "2004Q3"):
        t = as_json(demo, "quarter", q)["totals"]
        figures[q] = (
            t["visits"],
            t["visits_cumulative"],
            t["measures_due"],
            t["measures_done"],
            t["measures_overdue"],
            t["households_by_status"],
        )
    assert figures == {
        "2003Q3": (31, 31, 10, 10, 0, {"enrolled": 9, "exited": 1}),
        "2003Q4": (34, 65, 7, 7, 0, {"enrolled": 9, "relapsed": 1}),
        "2004Q1": (32, 97, 1, 1, 0, {"enrolled": 6, "exited": 3, "relapsed": 1}),
        "2004Q2": (21, 118, 0, 0, 0, {"exited": 9, "prosperous": 1}),
        "2004Q3": (30, 148, 3, 3, 1, {"exited": 5, "prosperous": 5}),
    }
    att = as_json(demo, "quarter", "2003Q3")["attention"]
    assert att["relapse_risk"] == [] and [e["household"] for e in att["escalations_open"]] == ["H09"]


def test_aid_by_quarter_and_giver(demo):
    by_quarter = {
        q: as_json(demo, "quarter", q)["totals"]["aid_value"]
        for q in ("2003Q3", "2003Q4", "2004Q1", "2004Q2", "2004Q3")
    }
    assert by_quarter == {
        "2003Q3": 7100.0,  # 6,500 and the Mid-Autumn goods of 2003-09-10, 10 × 60
        "2003Q4": 1200.0,
        "2004Q1": 1800.0,
        "2004Q2": 3000.0,
        "2004Q3": 5960.0,
    }
    out = as_json(demo, "outcomes", "--as-of", "2004-09-30")
    assert out["aid_value"] == 19060.0  # 7,100 + 1,200 + 1,800 + 3,000 + 5,960
    assert out["aid_by_kind"] == {"project": 4000.0, "funds": 6200.0, "goods": 3700.0, "medical": 5160.0}
    givers = {g["giver"]: g["value"] for g in out["aid_by_giver"]}
    assert givers == {
        "局党委": 6440.0,  # goods 1,000 + 1,500 + 2 × 600, projects 1,900, medicines 840
        "市医院": 4120.0,  # the check-up fees it waived (免收检查费4000余元)
        "全体党员": 3000.0,
        "C01": 1900.0,
        "C02": 1000.0,
        "C08": 900.0,
        "C06": 500.0,
        "C07": 500.0,
        "C03": 300.0,
        "C04": 200.0,
        "C09": 200.0,
    }
    assert (out["households"], out["out_of_poverty"], out["prosperous"], out["visits"]) == (10, 10, 5, 148)
    # The seed counts 4 in transport and 2 in husbandry by the register; H01 lived on dogs from
    # 2003-11-01 (demo_data/livelihoods.csv), and the report reads the livelihood at its date.
    assert out["households_by_livelihood"] == {"commerce": 2, "husbandry": 3, "transport": 3, "employment": 2}
    # The check-ups of 2004-08-24: medicines of 420 to the surgery man (H01) and the leg-injury man (H02).
    medicines = demo.rows(
        "SELECT h.code, a.value FROM aid a JOIN households h ON h.id = a.household_id"
        " WHERE a.date = '2004-08-24' AND a.giver_type = 'unit' ORDER BY h.code"
    )
    assert medicines == [("H01", 42000), ("H02", 42000)]
    # The check-ups themselves: fees waived by the hospital, a little over 4,000 for the ten.
    assert demo.rows(
        "SELECT giver, count(*), sum(value) FROM aid WHERE date = '2004-08-24' AND giver_type = 'waived' GROUP BY 1"
    ) == [("市医院", 10, 412000)]
    # Holiday goods at each festival: Mid-Autumn 2003 and 2004, Spring Festival 2004 (and the hand-over).
    assert demo.rows(
        "SELECT date, count(*) FROM aid WHERE kind = 'goods' AND giver = '局党委' GROUP BY date ORDER BY date"
    ) == [("2003-07-08", 10), ("2003-09-10", 10), ("2004-01-15", 10), ("2004-09-27", 10)]
    by_source = as_json(demo, "quarter", "2004Q3")["director"]["aid_by_source"]
    assert by_source == {"cadre": 400.0, "unit": 1440.0, "waived": 4120.0}


def test_jobs_plans_and_monitoring(demo):
    assert demo.rows(
        "SELECT h.code, j.member, j.started, j.ended, j.wage FROM jobs j JOIN households h"
        " ON h.id = j.household_id WHERE h.code = 'H01' ORDER BY j.started"
    ) == [
        # the snow-clearing job found for the Liu family: his wife's, a month after his surgery
        ("H01", "刘香福爱人", "2003-11-20", "2004-03-15", 30000),
        ("H01", "刘强", "2004-01-12", None, 45000),
    ]
    assert demo.scalar("SELECT count(*) FROM jobs WHERE ended IS NULL OR ended > '2004-09-30'") == 4
    assert demo.scalar("SELECT count(*) FROM causes") == 16
    assert demo.scalar("SELECT count(*) FROM measures") == 24
    assert demo.rows("SELECT status, count(*) FROM measures GROUP BY status ORDER BY status") == [
        ("done", 21),
        ("in_progress", 2),
        ("planned", 1),
    ]
    assert demo.scalar("SELECT count(*) FROM aid WHERE measure_id IS NOT NULL") == 15
    plans = json.loads(demo("check", "plans", "--as-of", "2004-10-15", "--format", "json", code=1).stdout)
    assert [(m["household"], m["days_overdue"]) for m in plans["overdue"]] == [("H07", 30)]
    assert plans["no_open_measure"] == [] and plans["no_plan"] == []
    mon = json.loads(demo("check", "monitor", "--as-of", "2004-10-15", "--format", "json", code=1).stdout)
    assert [(r["household"], r["category"], r["since"]) for r in mon["monitored"]] == [
        ("H01", "unstable", "2004-06-10")
    ]
    assert mon["monitored"][0]["months_below"] == [f"2004-0{m}" for m in range(4, 10)]
    assert mon["ready"] == []
    assert {c["household"]: c["average_per_person"] for c in mon["candidates"]} == {
        "H03": 219.72,
        "H04": 247.5,
        "H05": 215.28,
        "H06": 226.94,
        "H07": 236.67,
        "H08": 220.62,
        "H09": 246.67,
        "H10": 267.5,
    }


def test_grid_2004(demo):
    data = as_json(demo, "grid", "2004")
    # Q2: 9 of the 11 pairing rows met; Q3: all 10.
    assert data["compliance"]["2004Q2"] == round(9 / 11, 4) and data["compliance"]["2004Q3"] == 1.0


def test_household_register_shows_the_fall(demo):
    md = demo("report", "household", "刘香福", "--format", "markdown").stdout
    # 2003-07 … 2004-09: October 2003's 150 is the lowest (▁), 860 the highest (█).
    trend = md.split("`")[1]
    assert len(trend) == 15 and trend[3] == "▁" and trend[-1] == "█"
    assert "出资买5条紫腿狼狗饲养" in md and "失业下岗" not in md.split("Causes of poverty")[0]


def test_quarter_says_what_moved(demo):
    """2004Q2 by hand (STORY.md): seven exits, H02 prosperous on 06-28, H01 monitored from 06-10."""
    d = as_json(demo, "quarter", "2004Q2")["director"]
    moved = {k: [r["household"] for r in v] for k, v in d["moved"].items()}
    assert moved == {
        "enrolled": [],
        "exited": ["H07", "H03", "H04", "H10", "H09", "H01", "H06"],  # by date
        "prosperous": ["H02"],
        "relapsed": [],
        "monitoring_entered": ["H01"],
        "monitoring_left": [],
    }
    assert d["monitoring"] == {"by_category": {"unstable": 1}, "total": 1, "households": {"H01": "unstable"}}
    assert d["meetings"] == [{"date": "2004-04-09", "kind": "committee", "items": []}] and d["notes"] == []
    # 2004Q3: H08, H04, H07, H06 prosperous; out of poverty by livelihood as STORY.md's table.
    d3 = as_json(demo, "quarter", "2004Q3")["director"]
    assert [r["household"] for r in d3["moved"]["prosperous"]] == ["H08", "H04", "H07", "H06"]
    assert d3["livelihoods"] == {"commerce": 2, "husbandry": 2, "transport": 4, "employment": 2}


def test_quarter_lines_and_income_to_the_fen(demo):
    """2003Q4: H01 (150, 420, 650 over 3 people: 135.56 a person), H06 and H09 under 200 a person."""
    data = as_json(demo, "quarter", "2003Q4")
    t = data["totals"]
    # The rows are 16,950 yuan over 3 months each: 5,650.00 (not three rounded thirds: 5,649.99).
    fen = demo.scalar("SELECT sum(amount) FROM income WHERE month BETWEEN '2003-10' AND '2003-12'")
    assert fen == 1_695_000 and t["income_monthly"] == 5650.0
    assert sum(round(r["income_monthly_avg"] * 100) for r in data["pairings"]) == 564_999  # rounded, added
    # The mean of the households' incomes per person, and the total over the person-months (84 of them).
    assert (t["income_per_person"], t["income_per_person_month"]) == (204.86, 201.79)
    lines = data["director"]["lines"]
    assert (lines["poverty_line"], lines["monitoring_line"]) == (200.0, 300.0)
    assert lines["under_poverty_line"] == ["H01", "H06", "H09"]
    assert "H02" not in lines["under_monitoring_line"] and len(lines["under_monitoring_line"]) == 9
    text = demo("report", "quarter", "2003Q4").stdout
    assert "5,650.00; households' incomes per person averaged 204.86" in text
    assert "total ÷ person-months 201.79" in text


def test_attention_says_what_2004q2_missed(demo):
    att = as_json(demo, "quarter", "2004Q2")["attention"]
    assert [(r["cadre"], r["household"], r["visits"], r["required"]) for r in att["visits_short"]] == [
        ("C05", "H05", 1, 2),
        ("C08", "H08", 1, 2),
    ]
    # H05's strained back, raised 2004-05-20, neither solved nor escalated by 06-30: 41 days > 30.
    assert [(r["household"], r["raised"], r["days_open"]) for r in att["problems_unhandled"]] == [
        ("H05", "2004-05-20", 41)
    ]
    # At 2004-09-30 the attention section lists the 8 households `check monitor` finds.
    att3 = as_json(demo, "quarter", "2004Q3")["attention"]
    found = json.loads(demo("check", "monitor", "--as-of", "2004-09-30", "--format", "json", code=1).stdout)
    assert len(att3["monitor_candidates"]) == 8
    assert [r["household"] for r in att3["monitor_candidates"]] == [
        r["household"] for r in found["candidates"]
    ]
    text = demo("report", "quarter", "2004Q3").stdout
    assert "Candidates for monitoring" in text and "H10 刘长顺" in text
    # The committee met on 2004-07-27 and studied H10's escalation (07-13): decided, due 12-31.
    q3 = as_json(demo, "quarter", "2004Q3")
    assert q3["totals"]["meetings"] == {"held": 1, "studied": 1, "decided": 1, "overdue": 0, "not_studied": 0}
    assert q3["director"]["meetings"] == [
        {
            "date": "2004-07-27",
            "kind": "committee",
            "items": [
                {
                    "household": "H10",
                    "problem": "下岗后养老保险断缴多年，无力补缴",
                    "decision": "协调社保部门，局里帮助分期补缴",
                    "due": "2004-12-31",
                }
            ],
        }
    ]
    assert "0 decision(s) overdue; 0 escalated problem(s) not studied within 30 days" in " ".join(
        text.split()
    )


def test_the_committee_meets_every_quarter_and_studies_every_escalation(demo):
    """STORY.md: one meeting a quarter; H02's and H09's problems studied before they were resolved."""
    held = {
        q: as_json(demo, "quarter", q)["totals"]["meetings"]["held"]
        for q in ("2003Q3", "2003Q4", "2004Q1", "2004Q2", "2004Q3")
    }
    assert held == dict.fromkeys(held, 1)
    studied = demo.rows(
        "SELECT h.code, mt.date, pr.resolved_on FROM meeting_items mi JOIN meetings mt ON mt.id = mi.meeting_id"
        " JOIN problems pr ON pr.id = mi.problem_id JOIN visits v ON v.id = pr.visit_id"
        " JOIN pairings p ON p.id = v.pairing_id JOIN households h ON h.id = p.household_id ORDER BY mt.date"
    )
    assert studied == [
        ("H02", "2003-09-05", "2003-09-10"),
        ("H09", "2003-10-08", "2003-10-10"),
        ("H10", "2004-07-27", None),
    ]
    assert demo.scalar("SELECT count(*) FROM problems WHERE escalated = 1") == 3
    demo("check", "escalations", "--as-of", "2004-09-30", code=0)


def test_report_year_2004(demo, tmp_path):
    data = as_json(demo, "year", "2004")
    assert data["provisional"] is False  # 2004 is long over
    cols = {c["quarter"]: c for c in data["quarters"]}
    assert list(cols) == ["2004Q1", "2004Q2", "2004Q3", "2004Q4"]
    # Each quarter is the quarter report's own figures.
    for q in ("2004Q1", "2004Q2", "2004Q3"):
        t = as_json(demo, "quarter", q)["totals"]
        assert (cols[q]["visits"], cols[q]["aid_value"], cols[q]["visits_cumulative"]) == (
            t["visits"],
            t["aid_value"],
            t["visits_cumulative"],
        )
    y = data["year_totals"]
    # 32 + 21 + 30 visits; 1,800 + 3,000 + 5,960 yuan of aid (STORY.md); every household exited once.
    assert (y["visits"], y["aid_value"], y["visits_cumulative"]) == (83, 10760.0, 148)
    assert (y["exited"], y["prosperous"], y["out_of_poverty"]) == (10, 5, 10)
    assert [r["household"] for r in data["moved"]["prosperous"]] == ["H02", "H08", "H04", "H07", "H06"]
    rows = demo("report", "year", "2004", "--format", "csv").stdout.splitlines()
    assert rows[0] == "figure,2004Q1,2004Q2,2004Q3,2004Q4,year"
    assert "aid_value,1800.00,3000.00,5960.00,0.00,10760.00" in rows
    page = tmp_path / "2004.html"
    demo("--lang", "zh", "report", "year", "2004", "--format", "html", "-o", str(page))
    html = page.read_text(encoding="utf-8")
    assert "市直某局2004年度“一帮一”帮扶工作" in html and "10,760.00" in html


def test_a_year_not_over_is_provisional(demo):
    import datetime as dt

    from aidtrack.reports import year
    from aidtrack.store import open_store

    db = open_store(demo.db, operator="test")
    try:
        data = year.build(db, 2004, dt.date(2004, 8, 1))
    finally:
        db.conn.close()
    assert data["provisional"] is True
    assert [(c["quarter"], c["in_progress"]) for c in data["quarters"]] == [
        ("2004Q1", False),
        ("2004Q2", False),
        ("2004Q3", True),
    ]
    from aidtrack import i18n

    before = i18n.language()
    i18n.set_language("en")
    try:
        assert year.title(data) == "“One helps one” in 2004 (provisional: the year is not over)"
    finally:
        i18n.set_language(before)


def test_report_quarter_refuses_a_year_with_a_hint(demo):
    r = demo("report", "quarter", "2004", code=2)
    assert "aidtrack report year 2004" in r.stderr and "2004Q3" in r.stderr and "Traceback" not in r.stderr


def test_quarter_csv_says_what_moved_per_household(demo):
    import csv
    import io

    rows = {
        r["household"]: r
        for r in csv.DictReader(io.StringIO(demo("report", "quarter", "2004Q2", "--format", "csv").stdout))
    }
    # H01 exited again on 06-10 and entered monitoring the same day (STORY.md); H02 prospered 06-28.
    assert rows["H01"]["moved"] == "exited 2004-06-10; monitoring_entered 2004-06-10"
    assert (
        rows["H01"]["monitored"],
        rows["H01"]["under_poverty_line"],
        rows["H01"]["under_monitoring_line"],
    ) == (
        "unstable",
        "no",
        "yes",
    )
    # H02: 2004Q2 per person above 300 (STORY.md's 374.17 over the 12 months): under neither line.
    assert (rows["H02"]["moved"], rows["H02"]["under_monitoring_line"]) == ("prosperous 2004-06-28", "no")
