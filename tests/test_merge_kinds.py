"""Every kind merged into a city file: plans, jobs, monitoring, members and the committee's decisions
come across with their links mapped to the city's ids, so the city's checks and reports of a unit
equal the unit's own (worked out by running the same command on the unit file)."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from aidtrack.kinds import KINDS, REGISTRY

AS_OF = "2004-10-15"


def build_jiaotong(cli) -> None:
    """H01 刘香福: 2 people (#1, #2) from 2004-01-01, 刘小明 joins 2004-08-15, #2 leaves on 2004-11-30;
    income 900 a month in 2004Q3: per person 2,700 ÷ (2 + 3 + 3 person-months) = 337.50 (the stored
    count today, 2, would give 450.00). Plan: 医疗救助 (due 06-30, not done: overdue), 联系保安工作
    (carried out by a job). Aid 500 for 医疗救助. Problem 看病难 escalated 07-12 by 吴局长, studied at
    the committee of 08-01 (decision due 09-15, still open on 10-15: overdue).
    H02 王秀兰: exited 2004-03-31, monitored (unstable) from 2004-06-01."""
    cli("cadre", "add", "吴局长", "--code", "C01")
    cli("cadre", "add", "李书记", "--code", "C02")
    cli(
        "household",
        "add",
        "刘香福",
        "--code",
        "H01",
        "--members",
        "2",
        "--id-number",
        "230102195203041237",
        "--enrolled",
        "2004-01-01",
    )
    cli("household", "add", "王秀兰", "--code", "H02", "--members", "1", "--enrolled", "2003-07-01")
    cli("household", "status", "H02", "--set", "exited", "--date", "2004-03-31")
    cli(
        "member",
        "add",
        "H01",
        "刘小明",
        "--relation",
        "child",
        "--born",
        "1985-03-02",
        "--joined",
        "2004-08-15",
    )
    cli("member", "leave", "2", "--date", "2004-11-30")  # #2 of H01
    cli("pair", "add", "C01", "H01", "--since", "2004-01-05")
    cli("pair", "add", "C02", "H02", "--since", "2003-07-05")
    cli("visit", "add", "H01", "--date", "2004-07-10", "--problem", "看病难")
    cli("visit", "add", "H01", "--date", "2004-08-20")
    cli("visit", "add", "H02", "--date", "2004-09-10", "--kind", "followup")
    cli("problem", "escalate", "1", "--date", "2004-07-12", "--by", "吴局长")
    cli("meeting", "add", "2004-08-01", "--attendees", "局党委全体成员")
    cli("meeting", "item", "1", "1", "--decision", "局里承担医药费", "--leader", "C02", "--due", "2004-09-15")
    cli("plan", "cause", "H01", "--cause", "illness", "--date", "2004-01-01")
    cli("plan", "cause", "H01", "--cause", "laid_off", "--date", "2004-01-01")
    cli(
        "plan",
        "add",
        "H01",
        "--what",
        "医疗救助",
        "--kind",
        "medical",
        "--cause",
        "illness",
        "--cadre",
        "C01",
        "--date",
        "2004-01-10",
        "--due",
        "2004-06-30",
    )
    cli(
        "plan",
        "add",
        "H01",
        "--what",
        "联系保安工作",
        "--kind",
        "job",
        "--cause",
        "laid_off",
        "--cadre",
        "C01",
        "--date",
        "2004-01-10",
        "--due",
        "2004-12-31",
    )
    cli(
        "aid",
        "add",
        "H01",
        "--kind",
        "medical",
        "--value",
        "500",
        "--date",
        "2004-08-01",
        "--measure",
        "医疗救助",
    )
    cli(
        "job",
        "add",
        "H01",
        "--member",
        "刘小明",
        "--employer",
        "保安公司",
        "--started",
        "2004-09-01",
        "--wage",
        "450",
        "--found-by",
        "cadre",
        "--measure",
        "联系保安工作",
    )
    for month in ("2004-07", "2004-08", "2004-09"):
        cli("income", "add", "H01", "--month", month, "--amount", "900")
        cli("income", "add", "H02", "--month", month, "--amount", "200")
    # entered as a decision: a case (lead, consent, verification) approved with effect from 06-01
    cli(
        "case",
        "open",
        "H02",
        "monitor",
        "--category",
        "unstable",
        "--date",
        "2004-05-20",
        "--reason",
        "收入骤降",
    )
    cli("case", "step", "1", "consent", "--date", "2004-05-21")
    cli("case", "step", "1", "verification", "--date", "2004-05-25")
    cli("case", "approve", "1", "--body", "局党委会", "--date", "2004-05-31", "--effective", "2004-06-01")
    cli("spending", "add", "H01", "--date", "2004-08-01", "--kind", "medical", "--amount", "3000")
    cli("household", "edit", "H01", "--livelihood", "husbandry", "--from", "2004-09-01")
    cli("report", "note", "2004Q3", "刘师傅术后转养殖，收入回升")


def build_minzheng(cli) -> None:
    """H01 满运良: 3 people from 2004-01-01, #3 leaves on 2004-08-31; income 600 a month in 2004Q3:
    per person 1,800 ÷ (3 + 3 + 2) = 225.00 (the stored count, 2, would give 300.00). A committee on
    2004-08-01 too (the same day and kind as 交通局's: two units' meetings) studies 住房漏雨; 子女上学,
    escalated 08-26, is studied by no meeting. Plan: 发放低保 due 09-30, not done (overdue)."""
    cli("cadre", "add", "李科长", "--code", "C01")
    cli(
        "household",
        "add",
        "满运良",
        "--code",
        "H01",
        "--members",
        "3",
        "--id-number",
        "230102196005061119",
        "--enrolled",
        "2004-01-01",
    )
    cli("member", "leave", "3", "--date", "2004-08-31")
    cli("pair", "add", "C01", "H01", "--since", "2004-01-05")
    cli("visit", "add", "H01", "--date", "2004-07-15", "--problem", "住房漏雨")
    cli("visit", "add", "H01", "--date", "2004-08-25", "--problem", "子女上学")
    cli("problem", "escalate", "1", "--date", "2004-07-20", "--by", "李科长")
    cli("problem", "escalate", "2", "--date", "2004-08-26", "--by", "李科长")
    cli("meeting", "add", "2004-08-01")
    cli("meeting", "item", "1", "1", "--decision", "维修房屋", "--leader", "C01", "--due", "2004-12-31")
    cli("plan", "cause", "H01", "--cause", "lack_labour", "--date", "2004-01-01")
    cli(
        "plan",
        "add",
        "H01",
        "--what",
        "发放低保",
        "--kind",
        "social_security",
        "--cause",
        "lack_labour",
        "--date",
        "2004-02-01",
        "--due",
        "2004-09-30",
    )
    for month in ("2004-07", "2004-08", "2004-09"):
        cli("income", "add", "H01", "--month", month, "--amount", "600")


def build_caizheng(cli) -> None:
    """H01 刘祥富 has 交通局's H01's ID number: left out, with its members, cause, plan, aid, job,
    monitoring and the committee's item on its problem. Its cadre and its meeting are the unit's."""
    cli("cadre", "add", "赵处长", "--code", "C01")
    cli(
        "household",
        "add",
        "刘祥富",
        "--code",
        "H01",
        "--members",
        "2",
        "--id-number",
        "230102195203041237",
        "--enrolled",
        "2004-01-01",
    )
    cli("member", "add", "H01", "刘小红", "--joined", "2004-03-01")
    cli("pair", "add", "C01", "H01", "--since", "2004-01-05")
    cli("visit", "add", "H01", "--date", "2004-07-05", "--problem", "失业")
    cli("problem", "escalate", "1", "--date", "2004-07-06", "--by", "赵处长")
    cli("meeting", "add", "2004-07-20", "--kind", "leading-group")
    cli("meeting", "item", "1", "1", "--decision", "安排就业", "--due", "2004-08-31")
    cli("plan", "cause", "H01", "--cause", "laid_off", "--date", "2004-01-01")
    cli(
        "plan",
        "add",
        "H01",
        "--what",
        "推荐工作",
        "--kind",
        "job",
        "--date",
        "2004-02-01",
        "--due",
        "2004-06-30",
    )
    cli(
        "aid",
        "add",
        "H01",
        "--kind",
        "funds",
        "--value",
        "300",
        "--date",
        "2004-02-10",
        "--measure",
        "推荐工作",
    )
    cli("job", "add", "H01", "--member", "刘小红", "--started", "2004-03-10", "--measure", "推荐工作")
    # out of poverty first: a household in the programme is already helped, never monitored
    cli("household", "status", "H01", "--set", "exited", "--date", "2004-06-30")
    cli("monitor", "add", "H01", "--category", "sudden", "--date", "2004-07-01")
    cli("spending", "add", "H01", "--date", "2004-07-01", "--kind", "housing", "--amount", "900")
    cli("household", "edit", "H01", "--livelihood", "employment", "--from", "2004-03-10")


UNITS = {"交通局": build_jiaotong, "民政局": build_minzheng}


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> Path:
    from conftest import Cli

    folder = tmp_path_factory.mktemp("kinds")
    for name, build in (*UNITS.items(), ("财政局", build_caizheng)):
        build(Cli(folder / f"{name}.db"))
    return folder


@pytest.fixture
def units(templates, tmp_path, cli) -> dict[str, Any]:
    out = {}
    for name in (*UNITS, "财政局"):
        shutil.copy(templates / f"{name}.db", tmp_path / f"{name}.db")
        out[name] = type(cli)(tmp_path / f"{name}.db")
    return out


def merge(cli, *units, code: int = 0) -> list[dict]:
    return json.loads(cli("merge", *(str(u.db) for u in units), "--format", "json", code=code).stdout)


def own(value: Any, unit: str = "") -> Any:
    """A figure as the unit's own file shows it: the unit's name off its codes (交通局/H01 → H01),
    record ids left out (the city's differ from the unit file's by design)."""
    if isinstance(value, dict):
        return {k: own(v, unit) for k, v in value.items() if k != "id" and not k.endswith("_id")}
    if isinstance(value, list):
        return [own(v, unit) for v in value]
    if isinstance(value, str) and unit and value.startswith(f"{unit}/"):
        return value[len(unit) + 1 :]
    return value


def of_unit(result: dict, unit: str) -> dict:
    """A check's findings about one unit's households."""
    return {
        k: [r for r in v if r["household"].startswith(f"{unit}/")] if isinstance(v, list) else v
        for k, v in result.items()
    }


def check(cli, name: str) -> dict:
    return json.loads(cli("check", name, "--as-of", AS_OF, "--format", "json", ok=False).stdout)


def test_city_checks_of_a_unit_equal_the_units_own(cli, units):
    merge(cli, units["交通局"], units["民政局"])
    for name in ("plans", "monitor", "escalations"):
        city = check(cli, name)
        for unit in UNITS:
            mine = own(check(units[unit], name))
            assert own(of_unit(city, unit), unit) == mine, (name, unit)
        # and nothing of the city's is anybody else's
        assert sum(len(v) for v in city.values() if isinstance(v, list)) == sum(
            len(v) for unit in UNITS for v in check(units[unit], name).values() if isinstance(v, list)
        ), name
    # by hand: 医疗救助 (due 06-30) 107 days overdue, 发放低保 (due 09-30) 15; 交通局's decision due
    # 09-15 is 30 days overdue; 民政局's 子女上学 was escalated 50 days ago and studied by no meeting
    plans = check(cli, "plans")
    assert [(r["household"], r["what"], r["days_overdue"], r["cadre"]) for r in plans["overdue"]] == [
        ("交通局/H01", "医疗救助", 107, "交通局/C01"),
        ("民政局/H01", "发放低保", 15, None),
    ]
    escalations = check(cli, "escalations")
    assert [
        (r["household"], r["problem"], r["days_since_escalated"]) for r in escalations["not_studied"]
    ] == [("民政局/H01", "子女上学", 50)]
    assert [
        (r["household"], r["meeting"], r["decision"], r["leader"], r["days_overdue"])
        for r in escalations["decision_overdue"]
    ] == [("交通局/H01", "2004-08-01", "局里承担医药费", "交通局/C02", 30)]
    assert [(r["household"], r["category"], r["since"]) for r in check(cli, "monitor")["monitored"]] == [
        ("交通局/H02", "unstable", "2004-06-01")
    ]


def test_household_register_and_sizes_equal_the_units_own(cli, units):
    merge(cli, units["交通局"], units["民政局"])
    for unit, code in (("交通局", "H01"), ("交通局", "H02"), ("民政局", "H01")):
        city = json.loads(cli("report", "household", f"{unit}/{code}", "--format", "json").stdout)
        mine = json.loads(units[unit]("report", "household", code, "--format", "json").stdout)
        assert own(city, unit) == own(mine), (unit, code)
    h01 = json.loads(cli("report", "household", "交通局/H01", "--format", "json").stdout)
    # 2 people in July, 刘小明 from 08-15: 3 in August and September; #2 left on 11-30
    assert h01["sizes"] == {"2004-07": 2, "2004-08": 3, "2004-09": 3}
    assert [(m["name"], m["joined"], m["left_on"]) for m in h01["members"]] == [
        ("#1", "2004-01-01", None),
        ("#2", "2004-01-01", "2004-11-30"),
        ("刘小明", "2004-08-15", None),
    ]
    assert [(j["member"], j["measure"]) for j in h01["jobs"]] == [("刘小明", "联系保安工作")]
    assert h01["visits"][0]["problems"][0]["decision"] == "局里承担医药费"


def quarter(cli, *extra) -> dict:
    return json.loads(cli("report", "quarter", "2004Q3", "--format", "json", *extra).stdout)


def test_quarter_by_unit_equals_each_units_own(cli, units):
    merge(cli, units["交通局"], units["民政局"])
    by = quarter(cli, "--by", "unit")
    for row in by["by_unit"]:
        mine = quarter(units[row["unit"]])
        assert {k: v for k, v in row.items() if k != "unit"} == mine["totals"], row["unit"]
        alone = quarter(cli, "--unit", row["unit"])
        assert own(alone["pairings"], row["unit"]) == own(mine["pairings"])
        assert alone["totals"] == mine["totals"]
        # each unit's typical cases (quarter_notes, unit-owned): 交通局's one, none of 民政局
        assert alone["director"]["notes"] == mine["director"]["notes"]
        assert len(mine["director"]["notes"]) == (row["unit"] == "交通局")
    per_person = {r["household"]: r["income_per_person"] for r in quarter(cli)["pairings"]}
    # 2,700 ÷ (2 + 3 + 3) person-months = 337.50; 1,800 ÷ (3 + 3 + 2) = 225.00 (not ÷ today's size)
    assert (per_person["交通局/H01"], per_person["民政局/H01"]) == (337.5, 225.0)
    # each unit's committee: one meeting on 08-01 each (the same day and kind), one problem studied
    # and decided each; 交通局's decision (due 09-15) overdue at quarter end, 民政局's (12-31) not
    meetings = {r["unit"]: r["meetings"] for r in by["by_unit"]}
    assert meetings == {
        "交通局": {"held": 1, "studied": 1, "decided": 1, "overdue": 1, "not_studied": 0},
        # 民政局's 子女上学, escalated 08-26, studied by no meeting: 35 days at 09-30, past 30
        "民政局": {"held": 1, "studied": 1, "decided": 1, "overdue": 0, "not_studied": 1},
    }
    assert by["totals"]["meetings"] == {"held": 2, "studied": 2, "decided": 2, "overdue": 1, "not_studied": 1}
    # measures due in the quarter: 民政局's 发放低保 (09-30), not done
    assert {r["unit"]: (r["measures_due"], r["measures_done"]) for r in by["by_unit"]} == {
        "交通局": (0, 0),
        "民政局": (1, 0),
    }


def table_rows(cli) -> dict[str, list[tuple]]:
    return {t: cli.rows(f"SELECT * FROM {REGISTRY[t].table} ORDER BY id") for t in KINDS}


def test_links_point_to_the_city_records_of_the_same_unit(cli, units):
    merge(cli, *units.values(), code=1)
    assert cli.rows("PRAGMA foreign_key_check") == []
    unit_of = "(SELECT unit_id FROM households WHERE id = {})"
    for sql in (
        # aid and jobs carry out a measure of their own household's plan
        "SELECT count(*) FROM aid a JOIN measures m ON m.id = a.measure_id WHERE m.household_id != a.household_id",
        "SELECT count(*) FROM jobs j JOIN measures m ON m.id = j.measure_id WHERE m.household_id != j.household_id",
        # a measure's cadre, a decision's leader and meeting are the household's unit's
        "SELECT count(*) FROM measures m JOIN cadres c ON c.id = m.cadre_id"
        f" WHERE c.unit_id IS NOT {unit_of.format('m.household_id')}",
        "SELECT count(*) FROM meeting_items mi JOIN problems pr ON pr.id = mi.problem_id"
        " JOIN visits v ON v.id = pr.visit_id JOIN pairings p ON p.id = v.pairing_id"
        " JOIN meetings mt ON mt.id = mi.meeting_id LEFT JOIN cadres lc ON lc.id = mi.leader_id"
        f" WHERE mt.unit_id IS NOT {unit_of.format('p.household_id')}"
        " OR (lc.id IS NOT NULL AND lc.unit_id IS NOT mt.unit_id)",
    ):
        assert cli.scalar(sql) == 0, sql
    assert cli.rows(
        "SELECT u.name, a.value, m.what FROM aid a JOIN measures m ON m.id = a.measure_id"
        " JOIN households h ON h.id = a.household_id JOIN units u ON u.id = h.unit_id"
    ) == [("交通局", 50000, "医疗救助")]
    assert cli.rows(
        "SELECT u.name, mt.date, mt.kind, mt.source_id FROM meetings mt JOIN units u ON u.id = mt.unit_id"
        " ORDER BY mt.id"
    ) == [
        ("交通局", "2004-08-01", "committee", 1),
        ("民政局", "2004-08-01", "committee", 1),
        ("财政局", "2004-07-20", "leading-group", 1),
    ]


def test_a_left_out_household_leaves_out_every_kind_of_its_records(cli, units):
    summary = merge(cli, units["交通局"], units["财政局"], code=1)
    assert [(s["unit"], s["status"], s["households"]) for s in summary] == [
        ("交通局", "added", 2),
        ("财政局", "added", 0),
    ]
    assert [h["household"] for h in summary[1]["left_out"]] == ["H01"]
    # 财政局's cadre and its meeting are the unit's and come in; nothing of its H01 does
    assert cli.rows("SELECT code FROM cadres WHERE code LIKE '财政局/%'") == [("财政局/C01",)]
    assert cli.rows(
        "SELECT mt.date, mt.kind, (SELECT count(*) FROM meeting_items mi WHERE mi.meeting_id = mt.id)"
        " FROM meetings mt JOIN units u ON u.id = mt.unit_id WHERE u.name = '财政局'"
    ) == [("2004-07-20", "leading-group", 0)]
    for sql in (
        "SELECT count(*) FROM members WHERE name IN ('刘小红', '#1', '#2') AND household_id NOT IN"
        " (SELECT id FROM households WHERE code LIKE '交通局/%')",
        "SELECT count(*) FROM measures WHERE what = '推荐工作'",
        "SELECT count(*) FROM causes WHERE household_id NOT IN (SELECT id FROM households WHERE code LIKE '交通局/%')",
        "SELECT count(*) FROM aid WHERE value = 30000",
        "SELECT count(*) FROM jobs WHERE member = '刘小红'",
        "SELECT count(*) FROM monitoring WHERE category = 'sudden'",
        "SELECT count(*) FROM meeting_items WHERE decision = '安排就业'",
        "SELECT count(*) FROM problems WHERE problem = '失业'",
    ):
        assert cli.scalar(sql) == 0, sql
    # what is in the city is 交通局's alone: members 3 + 1, causes 2, measures 2, jobs 1, monitoring 1
    assert [cli.scalar(f"SELECT count(*) FROM {t}") for t in ("members", "causes", "measures", "jobs")] == [
        4,
        2,
        2,
        1,
    ]
    assert cli.scalar("SELECT left_out FROM units WHERE name = '财政局'") == 1
    # the same copy again: unchanged, and still nothing of its H01
    before = table_rows(cli)
    summary = merge(cli, units["交通局"], units["财政局"], code=1)
    assert [s["status"] for s in summary] == ["unchanged", "unchanged"]
    assert table_rows(cli) == before


def test_a_re_merge_updates_the_changed_row_under_its_id(cli, units, monkeypatch):
    merge(cli, units["交通局"], units["民政局"])
    records = cli.rows("SELECT name, records FROM units ORDER BY id")
    # 交通局: cadres 2, households 2, statuses 3, pairings 2, visits 3, problems 1, income 6, causes 2,
    # measures 2, aid 1, jobs 1, monitoring 1, members 4, meetings 1, meeting items 1, spending 1,
    # livelihoods 1 = 34, and its monitoring case 1 with its steps 3 (consent, verification,
    # approval) = 38, and its quarter's typical case 1 = 39; 民政局: 1, 1, 1, 1, 2, 2, 3, 1, 1, 0, 0, 0, 3, 1, 1, 0, 0 = 18
    assert records == [("交通局", 39), ("民政局", 18)]
    before = table_rows(cli)
    mid = cli.scalar("SELECT id FROM measures WHERE what = '联系保安工作'")
    units["交通局"]("plan", "edit", "2", "--status", "in_progress")
    summary = merge(cli, units["交通局"], units["民政局"])
    assert [s["status"] for s in summary] == ["replaced", "unchanged"]
    after = table_rows(cli)
    changed = {t: [r for r in after[t] if r not in before[t]] for t in KINDS}
    assert {t: rows for t, rows in changed.items() if rows} == {
        "measures": [next(r for r in after["measures"] if r[0] == mid)]
    }
    assert [len(after[t]) for t in KINDS] == [len(before[t]) for t in KINDS]
    assert cli.scalar("SELECT status FROM measures WHERE id = ?", [mid]) == "in_progress"
    # a job deleted in the unit goes, a member added comes after the largest id; the rest keep theirs
    units["交通局"]("job", "delete", "1", "--yes")
    units["交通局"]("member", "add", "H02", "王小军", "--joined", "2004-09-01")
    top = cli.scalar("SELECT max(id) FROM members")
    merge(cli, units["交通局"], units["民政局"])
    again = table_rows(cli)
    assert again["jobs"] == []
    assert cli.rows("SELECT id, source_id, name FROM members WHERE id > ?", [top]) == [(top + 1, 5, "王小军")]
    assert again["members"][:-1] == after["members"]
    # H02 is 2 people now (households.members, kept by the members' triggers), the rest as it was
    assert [r for r in again["households"] if r not in after["households"]] == [
        next(r for r in again["households"] if r[1] == "交通局/H02")
    ]
    assert cli.scalar("SELECT members FROM households WHERE code = '交通局/H02'") == 2
    assert {t: again[t] for t in KINDS if t not in ("jobs", "members", "households")} == {
        t: after[t] for t in KINDS if t not in ("jobs", "members", "households")
    }
    # nothing changed since: skipped by its fingerprint, without opening the file
    import aidtrack.ops.transfer.merge as ops_merge
    from test_merge import age

    age(*(u.db for u in units.values()))
    merge(cli, units["交通局"], units["民政局"])

    def unread(*args):
        raise AssertionError("read an unchanged unit file")

    monkeypatch.setattr(ops_merge, "open_ro", unread)
    monkeypatch.setattr(ops_merge, "digest", unread)
    summary = merge(cli, units["交通局"], units["民政局"])
    assert [s["status"] for s in summary] == ["unchanged", "unchanged"]
    assert table_rows(cli) == again


def test_every_link_column_is_mapped():
    """A link column (`*_id`) a merge copied unmapped would point at another record of the city."""
    from aidtrack.ops.transfer import merge as ops_merge

    links = {(t, c) for t, cols in ops_merge.COLUMNS.items() for c in cols if c.endswith("_id")}
    mapped = {(t, c) for t, cols in ops_merge._TARGETS.items() for c in cols}
    assert links <= mapped, links - mapped
    # Every kind but the submissions ledger (a unit's phone intake: its visits are merged).
    assert set(ops_merge.COLUMNS) == {REGISTRY[k].table for k in KINDS if REGISTRY[k].merged}
    assert [k for k in KINDS if not REGISTRY[k].merged] == ["submissions"]


# -- the hand-off: every kind with its unit and link columns ---------------------------------------


def test_handoff_carries_every_kind_with_its_unit_and_links(cli, units, tmp_path):
    import duckdb

    from aidtrack.ops.transfer.parquet import LINKS
    from test_parquet import assert_quarter_equal, duckdb_quarter

    merge(cli, *units.values(), code=1)
    out = tmp_path / "wh"
    cli("export", "all", "--format", "parquet", "--partition", "unit,year", "--out", str(out))
    con = duckdb.connect()
    for kind in (k for k in KINDS if REGISTRY[k].merged):
        con.execute(
            f"CREATE VIEW {kind} AS SELECT * FROM read_parquet('{out}/{kind}/**/*.parquet',"
            " hive_partitioning = true, union_by_name = true)"
        )
        columns = {r[0] for r in con.execute(f"DESCRIBE {kind}").fetchall()}
        assert {"id", "source_id", "unit", *LINKS[kind]} <= columns, kind
        n, units_named = con.execute(f"SELECT count(*), count(unit) FROM {kind}").fetchone()
        assert n == units_named == cli.scalar(f"SELECT count(*) FROM {REGISTRY[kind].table}"), kind
    assert set(LINKS["meeting_items"]) == {"meeting_id", "problem_id", "leader_id"}
    assert set(LINKS["jobs"]) == {"household_id", "measure_id"}
    # the links join on the city's ids, within one unit
    assert con.execute(
        "SELECT a.unit, a.value, m.what FROM aid a JOIN measures m ON m.id = a.measure_id"
        " AND m.household_id = a.household_id AND m.unit = a.unit"
    ).fetchall() == [("交通局", 500, "医疗救助")]
    assert con.execute(
        "SELECT mt.unit, mt.date::VARCHAR, pr.problem FROM meeting_items mi"
        " JOIN meetings mt ON mt.id = mi.meeting_id JOIN problems pr ON pr.id = mi.problem_id"
        " WHERE pr.unit = mt.unit ORDER BY mt.unit"
    ).fetchall() == [("交通局", "2004-08-01", "看病难"), ("民政局", "2004-08-01", "住房漏雨")]
    assert con.execute(
        "SELECT unit, count(*) FROM members m JOIN (SELECT id, unit AS u FROM households) h"
        " ON h.id = m.household_id AND h.u = m.unit GROUP BY unit ORDER BY unit"
    ).fetchall() == [("交通局", 4), ("民政局", 3)]
    # DuckDB's quarter over the hand-off equals the report, income per person by the members present
    assert_quarter_equal(cli, out, "2004Q3")
    rows = duckdb_quarter(out, "2004Q3")
    # 交通局: the mean of H01's 337.50 and H02's 200.00 (600 ÷ 3 person-months) = 268.75 (by today's
    # stored size H01 would be 450.00, the mean 325.00); 民政局: H01's 225.00
    assert (rows["交通局"]["income_per_person"], rows["民政局"]["income_per_person"]) == (
        Decimal("268.75"),
        Decimal("225.00"),
    )


def test_handoff_never_writes_over_or_around_the_register(cli, units, tmp_path):
    """Each unit's folder of the hand-off is replaced whole: --out may not be the register, nor a
    folder the register lies in, at any depth."""
    import os

    merge(cli, units["交通局"])
    before = cli.checksum()
    for out, partition in (
        (cli.db, ("--partition", "unit,year")),  # the register itself
        (cli.db.parent, ("--partition", "unit,year")),  # the folder it lies in
        (cli.db.parent.parent, ("--partition", "unit")),  # and above
        (cli.db.parent, ("--unit", "交通局")),  # not partitioned either
    ):
        r = cli("export", "all", "--format", "parquet", *partition, "--out", str(out), code=2)
        assert len(r.output.strip().splitlines()) == 1 and "out" in r.output, r.output
        assert "register" in r.output or "is a file" in r.output, r.output
    assert cli.checksum() == before and cli.db.is_file()
    assert not (cli.db.parent / "visits").exists()
    # a folder of its own is written 0700, its files 0600
    wh = tmp_path / "elsewhere" / "wh"
    wh.parent.mkdir()
    os.symlink(cli.db.parent, tmp_path / "elsewhere" / "link")  # the register's folder by another name
    r = cli("export", "all", "-f", "parquet", "--partition", "unit", "--out", str(wh.parent / "link"), code=2)
    assert "holds the register" in r.output
    cli("export", "all", "--format", "parquet", "--partition", "unit,year", "--out", str(wh))
    modes = {oct(p.stat().st_mode & 0o777) for p in wh.rglob("*") if p.is_file()}
    folders = {oct(p.stat().st_mode & 0o777) for p in [wh, *wh.rglob("*")] if p.is_dir()}
    assert (modes, folders) == ({"0o600"}, {"0o700"})


# -- files written before this migration -----------------------------------------------------------


def test_migration_keeps_meetings_and_their_items(tmp_path):
    """0008 rebuilds meetings (unique per unit) and meeting_items: every row and id is kept, none is
    lost to the items' ON DELETE CASCADE, and a day's committee is still one per file."""
    from aidtrack.store import open_store
    from aidtrack.store.schema import migrations

    from conftest import Cli

    path = tmp_path / "old.db"
    db = open_store(path, migrate=False)
    migrations.apply(db, stop_before="0008_merge_all_kinds")
    for sql in (
        "INSERT INTO cadres (code, name) VALUES ('C01', '吴局长')",
        "INSERT INTO households (code, name) VALUES ('H01', '刘香福')",
        "INSERT INTO statuses (household_id, status, date) VALUES (1, 'enrolled', '2004-01-01')",
        "INSERT INTO pairings (cadre_id, household_id, since) VALUES (1, 1, '2004-01-05')",
        "INSERT INTO visits (pairing_id, date) VALUES (1, '2004-07-10'), (1, '2004-08-10')",
        "INSERT INTO problems (visit_id, problem, escalated, escalated_on) VALUES"
        " (1, '看病难', 1, '2004-07-10'), (2, '住房', 1, '2004-08-10')",
        "INSERT INTO meetings (id, date, kind) VALUES (5, '2004-08-01', 'committee'),"
        " (9, '2004-09-01', 'leading-group')",
        "INSERT INTO meeting_items (id, meeting_id, problem_id, decision, leader_id, due) VALUES"
        " (3, 5, 1, '局里承担', 1, '2004-09-15'), (7, 9, 2, '维修', NULL, NULL)",
    ):
        db.execute(sql)
    db.conn.commit()
    db.close()
    db = open_store(path)
    db.close()
    cli = Cli(path)
    assert cli.rows("SELECT id, date, kind, unit_id, source_id FROM meetings ORDER BY id") == [
        (5, "2004-08-01", "committee", None, None),
        (9, "2004-09-01", "leading-group", None, None),
    ]
    assert cli.rows(
        "SELECT id, meeting_id, problem_id, decision, leader_id, due FROM meeting_items ORDER BY id"
    ) == [
        (3, 5, 1, "局里承担", 1, "2004-09-15"),
        (7, 9, 2, "维修", None, None),
    ]
    assert cli.rows("PRAGMA foreign_key_check") == []
    r = cli("meeting", "add", "2004-08-01", code=2)
    assert "already stored" in r.output
    cli("meeting", "add", "2004-08-01", "--kind", "leading-group")
    assert cli.scalar("SELECT count(*) FROM meetings") == 3


def test_an_older_unit_file_merges_as_it_is(cli, tmp_path):
    """A unit file from before members and plans (0004): read as it is, not migrated; its kinds that
    did not exist yet are none, an escalation is dated by its visit (as 0005 dates it), the size of a
    household is its stored count (as the unit's own file will count it once upgraded)."""
    import hashlib

    from aidtrack.store import open_store
    from aidtrack.store.schema import migrations

    old = tmp_path / "老单位.db"
    db = open_store(old, migrate=False)
    migrations.apply(db, stop_before="0005_members_meetings")
    for sql in (
        "INSERT INTO cadres (code, name) VALUES ('C01', '老干部')",
        "INSERT INTO households (code, name, members) VALUES ('H01', '老住户', 3)",
        "INSERT INTO statuses (household_id, status, date) VALUES (1, 'enrolled', '2004-01-01')",
        "INSERT INTO pairings (cadre_id, household_id, since) VALUES (1, 1, '2004-01-05')",
        "INSERT INTO visits (pairing_id, date) VALUES (1, '2004-07-10')",
        "INSERT INTO problems (visit_id, problem, escalated) VALUES (1, '看病难', 1)",
        "INSERT INTO income (household_id, month, amount) VALUES (1, '2004-07', 90000)",
    ):
        db.execute(sql)
    db.conn.commit()
    db.close()
    before = hashlib.sha256(old.read_bytes()).hexdigest()
    assert merge(cli, type(cli)(old))[0]["status"] == "added"
    assert hashlib.sha256(old.read_bytes()).hexdigest() == before
    assert cli.rows("SELECT escalated_on, escalated_by FROM problems") == [("2004-07-10", None)]
    assert [cli.scalar(f"SELECT count(*) FROM {t}") for t in ("members", "measures", "meetings")] == [0, 0, 0]
    found = check(cli, "escalations")["not_studied"]
    assert [(r["household"], r["escalated_on"], r["days_since_escalated"]) for r in found] == [
        ("老单位/H01", "2004-07-10", 97)
    ]
    # 900 yuan for 3 people (the stored count): 300.00 a person
    assert [r["income_per_person"] for r in quarter(cli)["pairings"]] == [300.0]
    # upgraded and merged again: 0005 gives it 3 unnamed members, the same figures
    open_store(old).close()
    assert merge(cli, type(cli)(old))[0]["status"] == "replaced"
    assert cli.scalar("SELECT count(*) FROM members") == 3
    assert [r["income_per_person"] for r in quarter(cli)["pairings"]] == [300.0]
    assert [r["escalated_on"] for r in check(cli, "escalations")["not_studied"]] == ["2004-07-10"]


def test_the_citys_own_meetings_are_a_unit_of_their_own(cli, units):
    """A meeting typed into the city file is the file's own, beside its units' of the same day; the
    quarter's totals are the sum of the unit rows, `(this file)` included."""
    merge(cli, units["交通局"], units["民政局"])
    cli("meeting", "add", "2004-08-01", "--attendees", "市委")  # the same day and kind as both units'
    cli("meeting", "add", "2004-09-01", "--attendees", "市委")
    cli("meeting", "item", str(cli.scalar("SELECT max(id) FROM meetings")), "3", "--decision", "市里协调")
    by = quarter(cli, "--by", "unit")
    assert [(r["unit"], r["meetings"]["held"], r["meetings"]["studied"]) for r in by["by_unit"]] == [
        ("(this file)", 2, 1),
        ("交通局", 1, 1),
        ("民政局", 1, 1),
    ]
    assert by["totals"]["meetings"]["held"] == 4 == sum(r["meetings"]["held"] for r in by["by_unit"])
    # 民政局's 子女上学 (problem 3) is studied now, by the city's meeting: no longer in its check
    assert check(cli, "escalations")["not_studied"] == []
    # a re-merge of 民政局 replaces its records, and with them what the city decided on its problems
    units["民政局"]("visit", "add", "H01", "--date", "2004-09-20")
    merge(cli, units["交通局"], units["民政局"])
    assert cli.rows("SELECT decision FROM meeting_items WHERE decision = '市里协调'") == []
    assert cli.scalar("SELECT count(*) FROM meetings WHERE unit_id IS NULL") == 2
