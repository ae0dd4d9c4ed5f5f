"""The benchmark harness at a tiny scale, so that it cannot rot. No timing assertions: only that it runs,
that the generator is deterministic and consistent, and that its bundle imports row for row."""

from __future__ import annotations

import csv
import datetime as dt
import filecmp
import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from aidtrack.ops.transfer.importer.readers import FIELDS, REQUIRED

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
END = dt.date(2026, 9, 30)


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _generator()
sys.path.insert(0, str(BENCH))
import yardsticks  # noqa: E402


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    generate.generate(out, households=60, years=2, seed=3, end=END)
    return out


def _yardstick_quarter(path, quarter: str) -> dict:
    """The quarter's figures by the hand-written SQL, over the register read-only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return yardsticks.quarter(conn, quarter, dt.date.today())
    finally:
        conn.close()


def test_columns_are_the_import_fields(bundle):
    """The generator keeps its own column lists (it needs only the standard library): each is the
    registry's fields of that kind, in order, less optional trailing ones it never fills."""
    assert set(generate.FIELDS) <= set(FIELDS)
    for kind, columns in generate.FIELDS.items():
        assert FIELDS[kind][: len(columns)] == columns, kind
        assert all(f not in REQUIRED[kind] for f in FIELDS[kind][len(columns) :]), kind
        with (bundle / f"{kind}.csv").open(encoding="utf-8") as f:
            assert tuple(next(csv.reader(f))) == columns


def test_same_seed_same_files(bundle, tmp_path):
    again, other = tmp_path / "again", tmp_path / "other"
    generate.generate(again, households=60, years=2, seed=3, end=END)
    generate.generate(other, households=60, years=2, seed=4, end=END)
    names = [f"{kind}.csv" for kind in generate.FIELDS]
    match, mismatch, errors = filecmp.cmpfiles(bundle, again, names, shallow=False)
    assert (mismatch, errors) == ([], [])
    assert not filecmp.cmp(bundle / "visits.csv", other / "visits.csv", shallow=False)


def test_units_each_with_own_codes(tmp_path):
    generate.generate(tmp_path, households=5, years=1, seed=1, units=2, end=END)
    for unit in ("unit01", "unit02"):
        codes = [r["code"] for r in read(tmp_path / unit / "households.csv")]
        assert codes == ["H00001", "H00002", "H00003", "H00004", "H00005"]
    units = {read(tmp_path / u / "cadres.csv")[0]["unit"] for u in ("unit01", "unit02")}
    assert len(units) == 2


def test_visits_only_refers_to_the_same_pairings(bundle, tmp_path):
    generate.generate(tmp_path, households=60, years=2, seed=3, end=END, visits_only=5000)
    assert [p.name for p in tmp_path.iterdir()] == ["visits.csv"]
    visits = read(tmp_path / "visits.csv")
    assert 4000 < len(visits) < 6000  # about the number asked for
    pairings = _pairings(bundle)
    for v in visits:
        assert _pairing_on(pairings, v["household"], v["date"])[0] == v["cadre"]
    assert len({(v["household"], v["date"], v["kind"]) for v in visits}) == len(visits)


def _pairings(bundle: Path) -> dict[str, list[tuple[str, str, str]]]:
    out = defaultdict(list)
    for p in read(bundle / "pairings.csv"):
        out[p["household"]].append((p["cadre"], p["since"], p["until"] or "9999-12-31"))
    return out


def _pairing_on(pairings, household: str, day: str) -> tuple[str, str, str]:
    found = [p for p in pairings[household] if p[1] <= day <= p[2]]
    assert len(found) == 1, (household, day, pairings[household])
    return found[0]


def test_bundle_is_consistent(bundle):
    households = {h["code"]: h for h in read(bundle / "households.csv")}
    pairings = _pairings(bundle)
    for spans in pairings.values():
        spans.sort(key=lambda p: p[1])
        for a, b in zip(spans, spans[1:]):  # re-paired: the next starts the day after
            assert dt.date.fromisoformat(b[1]) - dt.date.fromisoformat(a[2]) == dt.timedelta(days=1)
    visits = read(bundle / "visits.csv")
    assert [v["date"] for v in visits] == sorted(v["date"] for v in visits)
    assert len({(v["household"], v["date"], v["kind"]) for v in visits}) == len(visits)
    for v in visits:
        cadre, since, _ = _pairing_on(pairings, v["household"], v["date"])
        assert v["cadre"] == cadre and v["date"] <= END.isoformat()
        assert (v["kind"] == "initial") == (v["date"] == since)
    # about 2.5 visits per pairing per quarter: 60 households, at most 8 quarters each
    assert 60 * 8 * 1.5 < len(visits) <= 60 * 8 * 3
    income = read(bundle / "income.csv")
    monthly: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for i in income:
        whole, _, cents = i["amount"].partition(".")
        assert whole.isdigit() and len(cents) in (0, 2)
        monthly[i["household"]][i["month"]] += int(whole) * 100 + int(cents or 0)
    for code, h in households.items():
        assert min(monthly[code]) == h["enrolled"][:7]  # income from the enrolment month
    # an exit follows 6 months at or above the poverty line (200 yuan per person) where recorded
    exits = [s for s in read(bundle / "statuses.csv") if s["status"] == "exited"]
    assert exits
    for s in exits:
        before = [generate.month_text(_month(s["date"]) - k) for k in range(1, 7)]
        members = int(households[s["household"]]["members"])
        recorded = [monthly[s["household"]][m] for m in before if m in monthly[s["household"]]]
        assert len(recorded) >= 4 and min(recorded) >= 200_00 * members, s
    problems = read(bundle / "problems.csv")
    seen = {(v["household"], v["date"], v["kind"]) for v in visits}
    assert problems and all((p["household"], p["date"], p["kind"]) in seen for p in problems)


def _month(day: str) -> int:
    return int(day[:4]) * 12 + int(day[5:7]) - 1


def test_bundle_imports_row_for_row(bundle, cli):
    if cli("import", "bundle", "--help", ok=False).exit_code != 0:
        pytest.skip("`aidtrack import bundle` not available")
    cli("import", "bundle", str(bundle))
    for kind in generate.FIELDS:
        lines = sum(1 for _ in (bundle / f"{kind}.csv").open(encoding="utf-8")) - 1
        if kind == "statuses":  # each household's `enrolled` date is its first status
            lines += sum(1 for _ in (bundle / "households.csv").open(encoding="utf-8")) - 1
        if kind == "members":  # each household's `members` count: that many unnamed members
            with (bundle / "households.csv").open(encoding="utf-8") as f:
                lines += sum(int(r["members"]) for r in csv.DictReader(f))
        assert cli.scalar(f"SELECT count(*) FROM {kind}") == lines, kind


MEASUREMENTS = {
    "import_visits",
    "sqlite3_import",
    "sqlite_utils_insert",
    "import_visits_big",
    "import_bundle",
    "floor",
    "report_quarter",
    "report_cadres",
    "check_relapse",
    "check_visits",
    "report_household",
    "sql_quarter",
    "sql_relapse",
    "help",
    "visit_add",
    "history_1x",
    "history_10x",
    "merge_units",
    "same_end_state",
    "check_all",
    "sql_cadres",
    "sql_check",
    "floor_run",
    "income_add",
    "import_problems",
}
#: Which measurement times each command, when the command exists.
TIMED_BY = {
    "import visits": "import_visits",
    "import bundle": "import_bundle",
    "report quarter": "report_quarter",
    "report cadres": "report_cadres",
    "report household": "report_household",
    "check relapse": "check_relapse",
    "check visits": "check_visits",
    "visit add": "visit_add",
    "merge": "merge_units",
    "check": "check_all",
    "income add": "income_add",
    "import problems": "import_problems",
}


@pytest.mark.skipif(
    not os.environ.get("AIDTRACK_BENCH_RUN"),
    reason="the harness's own run (forty-odd processes, ~20 s of one core): CI runs it as a step of its own"
    " (.ci/run: AIDTRACK_BENCH_RUN=1 python -m pytest -n 0 tests/test_benchmarks.py -k tiny_scale)",
)
def test_run_at_tiny_scale(tmp_path):
    """Every measurement of the harness runs (or says why it is skipped) and lands in both reports.

    Its time is the harness's forty-odd `python -m aidtrack` processes, not the data: the scale is the
    smallest that still has exits, re-pairings and a merge of two units."""
    p = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )  # a guard against a hang, not a speed test
    assert p.returncode == 0, p.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert set(results) == {"meta", "measurements", "targets"}
    assert results["meta"]["households"] == 200 and results["meta"]["rows"]["visits"] > 0  # --quick
    m = results["measurements"]
    assert set(m) == MEASUREMENTS
    for key, r in m.items():
        assert r["status"] in ("ok", "skipped"), (key, r["note"])
        if r["status"] == "ok":
            assert r["times"] and all(t > 0 for t in r["times"]) and r["median"] > 0, key
    for key in ("floor", "floor_run", "help", "sql_quarter", "sql_relapse", "sql_cadres", "sql_check"):
        assert m[key]["status"] == "ok", key
    for command, available in results["meta"]["available"].items():
        if available and command in TIMED_BY:
            assert m[TIMED_BY[command]]["status"] == "ok", command
    assert "DIFFER" not in m["import_bundle"]["note"]
    # the same-figures yardstick computes what the command prints (benchmarks/yardsticks.py)
    assert m["sql_cadres"]["same_figures"] == "equal", m["sql_cadres"]["same_figures"]
    assert m["sql_quarter"]["same_figures"] == "equal", m["sql_quarter"]["same_figures"]
    assert m["sql_quarter"]["covers"] == yardsticks.QUARTER_COVERS
    assert m["import_visits_big"]["status"] == "skipped"
    assert {t["name"] for t in results["targets"]} >= {
        "import_vs_sqlite3",
        "import_vs_same_end_state",
        "history_10x",
        "report_cadres_vs_sql",
        "check_all_vs_sql",
        "visit_add_vs_floor_run",
        "income_add_vs_floor_run",
        "import_problems",
    }
    # the same-end-state SQL stores what aidtrack stores
    if m["same_end_state"]["status"] == "ok" and m["import_visits"]["status"] == "ok":
        assert m["same_end_state"]["rows"] == m["import_visits"]["rows"] == results["meta"]["rows"]["visits"]
    assert all(t["pass"] in (True, False, None) for t in results["targets"])
    md = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert "| target |" in md and md in p.stdout


@pytest.mark.parametrize("quarter", ["2003Q3", "2003Q4", "2004Q1", "2004Q2", "2004Q3", "2004Q4"])
def test_cadres_yardstick_is_the_report_on_the_demo(demo_db, quarter):
    """benchmarks/yardsticks.py's SQL gives every figure of `report cadres` (each component's inputs,
    ratio and points, score, rate, grade, rank), so a change to the report that it does not follow
    fails here, not silently in a benchmark's ratio."""
    from conftest import Cli

    result = Cli(demo_db)("report", "cadres", quarter, "--format", "json")
    command = json.loads(result.stdout)
    conn = sqlite3.connect(f"file:{demo_db}?mode=ro", uri=True)
    try:
        sql = yardsticks.cadres(conn, quarter, dt.date.today())
    finally:
        conn.close()
    assert yardsticks.first_difference(command, sql) is None
    assert command == sql
    assert quarter == "2004Q4" or command["cadres"]  # the demo's quarters have cadres to compare


@pytest.mark.parametrize("quarter", ["2003Q3", "2003Q4", "2004Q1", "2004Q2", "2004Q3", "2004Q4"])
def test_quarter_yardstick_is_the_report_on_the_demo(demo_db, quarter):
    """benchmarks/yardsticks.py's SQL gives every figure of `report quarter` that it covers
    (QUARTER_KEYS: every column of every pairing row, every total), equal to the command's JSON; the
    keys it does not compute are named, not silently skipped."""
    from conftest import Cli

    result = Cli(demo_db)("report", "quarter", quarter, "--format", "json")
    command = json.loads(result.stdout)
    sql = _yardstick_quarter(demo_db, quarter)
    assert set(sql) == set(yardsticks.QUARTER_KEYS) <= set(command)
    assert set(sql["attention"]) == set(yardsticks.ATTENTION_KEYS) == set(command["attention"])
    assert yardsticks.first_difference(yardsticks.covered(command), sql) is None
    assert yardsticks.covered(command) == sql
    assert command["pairings"] and command["totals"]["pairings"] == len(sql["pairings"])
    # every column of every row is computed: the rows have exactly the command's columns
    assert all(set(a) == set(b) for a, b in zip(command["pairings"], sql["pairings"]))


def test_quarter_yardstick_follows_monitoring_and_notes(demo):
    """The director's half where the demo has none: a monitoring ended in the quarter, a household
    monitored twice at once (counted twice by category, once in `households`), the quarter's notes.
    The notes through the CLI; the monitoring rows written straight into the copy (the case procedure
    that writes them takes a dozen steps, and the yardstick only reads)."""
    demo("note", "add", "--quarter", "2004Q3", "--text", "典型案例一", "--written", "2004-10-05")
    demo("note", "add", "--quarter", "2004Q3", "--text", "典型案例二", "--written", "2004-10-06")
    conn = sqlite3.connect(demo.db)
    with conn:
        conn.execute("UPDATE monitoring SET ended_on = '2004-09-20', end_reason = '测试' WHERE id = 1")
        conn.executemany(
            "INSERT INTO monitoring (household_id, category, date, reason)"
            " SELECT id, ?, ?, '测试' FROM households WHERE code = ?",
            [
                ("marginal", "2004-08-02", "H03"),
                ("sudden", "2004-09-02", "H05"),
                ("unstable", "2004-09-12", "H05"),
            ],
        )
    conn.close()
    command = json.loads(demo("report", "quarter", "2004Q3", "--format", "json").stdout)
    d = command["director"]
    assert [e["household"] for e in d["moved"]["monitoring_left"]] == ["H01"]
    assert d["monitoring"]["total"] == 3 and d["monitoring"]["households"] == {
        "H03": "marginal",
        "H05": "unstable",
    }
    assert [n["text"] for n in d["notes"]] == ["典型案例一", "典型案例二"]
    sql = _yardstick_quarter(demo.db, "2004Q3")
    assert yardsticks.first_difference(yardsticks.covered(command), sql) is None


def test_quarter_yardstick_follows_the_monitoring_screen(demo):
    """The attention section's monitoring candidates where the demo has only `unstable` ones: a household
    never enrolled by the quarter's end with income between the poverty and the monitoring line
    (marginal), one under the poverty line (a case for enrolment, not a candidate, even with a large
    cost), one with only a large cost (sudden), a household out of poverty with a shock and a large cost
    (sudden, both reasons), and a monitored one with a shock (never a candidate)."""
    demo("household", "add", "边缘户", "--code", "H91", "--members", "2")
    demo("household", "add", "低收入户", "--code", "H92", "--members", "2")
    demo("household", "add", "大病户", "--code", "H93", "--members", "3")
    for month in ("2004-07", "2004-08", "2004-09"):
        demo("income", "add", "H91", "--month", month, "--amount", "500", "--source", "打工")  # 250 a person
        demo("income", "add", "H92", "--month", month, "--amount", "300", "--source", "打工")  # 150 a person
    demo("visit", "add", "H02", "--date", "2004-09-15", "--situation", "住院", "--event", "illness")
    demo("visit", "add", "H01", "--date", "2004-09-16", "--situation", "住院", "--event", "illness")
    for code, day, amount in (
        ("H02", "2004-08-01", "8000"),
        ("H92", "2004-09-01", "5000"),
        ("H93", "2004-09-01", "5000"),
    ):
        demo("spending", "add", code, "--date", day, "--kind", "medical", "--amount", amount)
    command = json.loads(demo("report", "quarter", "2004Q3", "--format", "json").stdout)
    found = {
        r["household"]: (r["category"], r["reasons"]) for r in command["attention"]["monitor_candidates"]
    }
    # the line is 200 yuan a person, the monitoring line 150 % of it: 300
    assert found["H91"] == ("marginal", ["watch_band"])
    assert found["H02"] == ("sudden", ["shock", "large_cost"])
    assert found["H93"] == ("sudden", ["large_cost"])
    assert "H92" not in found and "H01" not in found
    sql = _yardstick_quarter(demo.db, "2004Q3")
    assert yardsticks.first_difference(yardsticks.covered(command), sql) is None
    assert yardsticks.covered(command) == sql


def test_first_difference_names_the_place():
    a = {"cadres": [{"cadre": "C01", "components": [{"points": 36.36}]}]}
    b = {"cadres": [{"cadre": "C01", "components": [{"points": 36.37}]}]}
    assert yardsticks.first_difference(a, a) is None
    assert yardsticks.first_difference(a, b) == ".cadres[0].components[0].points: command 36.36, SQL 36.37"
    assert "only in the command" in yardsticks.first_difference({"x": 1, "y": 2}, {"x": 1})
