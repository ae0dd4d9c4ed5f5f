"""The reports on the demo story (src/aidtrack/demo_data, figures from its STORY.md)."""

from __future__ import annotations

import json

import pytest

importer = pytest.importorskip("aidtrack.ops.importer")


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
    assert len(rows) == 11                                   # H07 changed cadre on 05-11
    # C07–H07 40 days: ceil(80/91) = 1; C11–H07 51 days: ceil(102/91) = 2.
    assert rows[("C07", "H07")]["required"] == 1 and rows[("C11", "H07")]["required"] == 2
    assert sorted(k for k, r in rows.items() if not r["compliant"]) == [("C05", "H05"), ("C08", "H08")]
    assert sum(r["visits"] for r in rows.values()) == 20
    assert sum(r["required"] for r in rows.values()) == 21
    assert data["totals"]["visits_cumulative"] == 95
    assert data["totals"]["aid_value"] == 4350.0


def test_quarter_2004q3(demo):
    data = as_json(demo, "quarter", "2004Q3")
    t = data["totals"]
    assert (t["pairings"], t["compliant"], t["visits"], t["visits_cumulative"]) == (10, 10, 23, 118)
    assert t["aid_value"] == 6000.0
    assert t["households_by_status"] == {"exited": 5, "prosperous": 5}
    assert t["problems_open_escalated"] == 1                  # H10's pension contributions
    income = {r["household"]: (r["income_monthly_avg"], r["income_per_person"]) for r in data["pairings"]}
    assert income == {
        "H01": (316.67, 105.56), "H02": (813.33, 406.67), "H03": (706.67, 235.56),
        "H04": (876.67, 292.22), "H05": (690.0, 230.0), "H06": (800.0, 266.67), "H07": (800.0, 266.67),
        "H08": (960.0, 240.0), "H09": (583.33, 291.67), "H10": (600.0, 300.0)}
    # H01: Q2 (650 + 680 + 700) / 3 = 676.67, Q3 950 / 3 = 316.67: change −1080 / 3 = −360.00.
    assert data["pairings"][0]["income_change"] == -360.0


def test_aid_by_quarter_and_giver(demo):
    by_quarter = {q: as_json(demo, "quarter", q)["totals"]["aid_value"]
                  for q in ("2003Q3", "2003Q4", "2004Q1", "2004Q2", "2004Q3")}
    assert by_quarter == {"2003Q3": 6500.0, "2003Q4": 0.0, "2004Q1": 1800.0, "2004Q2": 4350.0,
                          "2004Q3": 6000.0}
    out = as_json(demo, "outcomes", "--as-of", "2004-09-30")
    assert out["aid_value"] == 18650.0
    givers = {g["giver"]: g["value"] for g in out["aid_by_giver"]}
    assert givers == {"局党委": 8800.0, "全体党员": 4350.0, "C01": 1900.0, "C02": 1000.0, "C08": 900.0,
                      "C06": 500.0, "C07": 500.0, "C03": 300.0, "C04": 200.0, "C09": 200.0, "C10": 0.0}
    assert (out["households"], out["out_of_poverty"], out["prosperous"], out["visits"]) == (10, 10, 5, 118)
    assert out["households_by_livelihood"] == {"commerce": 2, "husbandry": 2, "transport": 4,
                                               "employment": 2}


def test_grid_2004(demo):
    data = as_json(demo, "grid", "2004")
    # Q2: 9 of the 11 pairing rows met; Q3: all 10.
    assert data["compliance"]["2004Q2"] == round(9 / 11, 4) and data["compliance"]["2004Q3"] == 1.0


def test_household_register_shows_the_fall(demo):
    md = demo("report", "household", "刘香福", "--format", "markdown").stdout
    # 2003-07 … 2004-09: 180 is the lowest (▁), 700 the highest (█); the fall to 150 at the end.
    assert "2003-07 `▁" in md and md.split("`")[1].endswith("▁▁")
