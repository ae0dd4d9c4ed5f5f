"""Flags mean the same everywhere: --out, --format csv, --by unit and --unit on every report and check.

One small city, built once: two unit files typed through the CLI and merged with `aidtrack merge`.
Every report and check reads it and nothing writes to it (a refused --out must leave it as it was).

交通局 (A), 2004:
  C01 – H01 刘香福, 3 members, enrolled 2003-07-01, paired 2003-07-10: visits 07-15 (a problem,
        escalated that day, never studied) and 08-20; income 2004-07 600, 2004-08 900.
  C02 – H02 满运良, 2 members, enrolled 2003-07-01, exited 2004-03-31, paired 2003-07-10: a visit
        2004-10-01 finding an illness; income 2004-09 300.
民政局 (B), 2004:
  C01 – H01 张桂兰, 3 members, enrolled 2004-01-01, paired 2004-01-05: a visit 07-20; income
        700 a month 2004-04 … 2004-09 (233.33 per person, above the 200 line six months running).

As of 2004-10-15 every check finds something: relapse A/H02 (the illness), visits A's escalation
(more than 30 days open), exits B/H01 (six months at the line or above), plans A/H01 and B/H01
(in poverty, no plan), monitor A/H02, escalations A's problem (not studied).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pytest

from aidtrack.checks import NAMES

from conftest import Cli, command, file_digest

A, B = "交通局", "民政局"
AS_OF = "2004-10-15"


def build_a(cli: Cli) -> None:
    cli("cadre", "add", "吴局长", "--code", "C01")
    cli("cadre", "add", "李副局长", "--code", "C02")
    cli("household", "add", "刘香福", "--code", "H01", "--members", "3", "--enrolled", "2003-07-01")
    cli("household", "add", "满运良", "--code", "H02", "--members", "2", "--enrolled", "2003-07-01")
    cli("household", "status", "H02", "--set", "exited", "--date", "2004-03-31")
    cli("pair", "add", "C01", "H01", "--since", "2003-07-10")
    cli("pair", "add", "C02", "H02", "--since", "2003-07-10")
    cli("visit", "add", "H01", "--date", "2004-07-15", "--problem", "看病难", "--escalate")
    cli("visit", "add", "H01", "--date", "2004-08-20")
    cli("visit", "add", "H02", "--date", "2004-10-01", "--event", "illness")
    cli("income", "add", "H01", "--month", "2004-07", "--amount", "600")
    cli("income", "add", "H01", "--month", "2004-08", "--amount", "900")
    cli("income", "add", "H02", "--month", "2004-09", "--amount", "300")
    cli("case", "open", "H01", "exit", "--date", "2004-09-01")  # not acted on by 2004-10-15


def build_b(cli: Cli) -> None:
    cli("cadre", "add", "李科长", "--code", "C01")
    cli(
        "household",
        "add",
        "张桂兰",
        "--code",
        "H01",
        "--members",
        "3",
        "--enrolled",
        "2004-01-01",
        "--born",
        "1960-05-13",
        "--id-number",
        "239001196005120023",  # the number says 05-12: check ids
    )
    cli("pair", "add", "C01", "H01", "--since", "2004-01-05")
    cli("visit", "add", "H01", "--date", "2004-07-20")
    for month in range(4, 10):
        cli("income", "add", "H01", "--month", f"2004-{month:02d}", "--amount", "700")


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Cli:
    folder = tmp_path_factory.mktemp("city")
    for name, build in ((A, build_a), (B, build_b)):
        build(Cli(folder / f"{name}.db"))
    city = Cli(folder / "city.db")
    city("merge", str(folder / f"{A}.db"), str(folder / f"{B}.db"), "--format", "json")
    # merge does not copy an escalation's own date (kinds.PROBLEMS.unmerged_columns): the city's
    # clerk records it, so that `check escalations` ages the problem from it
    city("problem", "escalate", "1", "--date", "2004-07-15", "--by", "吴局长")
    city("assess", "close", "2004", "--quarter", "2004Q3")
    return city


REPORTS = {
    "quarter": ("report", "quarter", "2004Q3"),
    "cadres": ("report", "cadres", "2004Q3"),
    "assessment": ("report", "assessment", "2004", "--quarter", "2004Q3"),
    "grid": ("report", "grid", "2004"),
    "household": ("report", "household", f"{A}/H01"),
    "outcomes": ("report", "outcomes", "--as-of", "2004-12-31"),
}
CHECKS = {name: ("check", name, "--as-of", AS_OF) for name in NAMES} | {"all": ("check", "--as-of", AS_OF)}
COMMANDS = {**{f"report {n}": (args, 0) for n, args in REPORTS.items()}}
COMMANDS |= {f"check {n}": (args, 1) for n, args in CHECKS.items()}


def as_json(city: Cli, *args: str, code: int = 0) -> dict:
    return json.loads(city(*args, "--format", "json", code=code).stdout)


def csv_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


# --- --out ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "csv"])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_out_writes_the_bytes_standard_output_gets(city, tmp_path, name, fmt):
    args, code = COMMANDS[name]
    if name == "report household" and fmt == "csv":
        fmt = "markdown"  # one household's register has no CSV (see EXEMPT below)
    printed = city(*args, "--format", fmt, code=code)
    assert printed.stdout.strip()
    out = tmp_path / "out.txt"
    written = city(*args, "--format", fmt, "--out", str(out), code=code)  # a finding still exits 1
    assert written.stdout == ""
    assert out.read_bytes() == printed.stdout_bytes
    # -o says the same, and replaces the file it wrote before
    out.write_text("old", encoding="utf-8")
    city(*args, "--format", fmt, "-o", str(out), code=code)
    assert out.read_bytes() == printed.stdout_bytes


@pytest.mark.parametrize("name", list(COMMANDS))
def test_out_refuses_the_register_and_its_journal(city, name):
    args, _code = COMMANDS[name]
    before = file_digest(city.db)
    for target in (city.db, Path(f"{city.db}-wal"), Path(f"{city.db}-shm")):
        r = city(*args, "--out", str(target), code=2)
        assert "register itself" in r.stderr and len(r.stderr.strip().splitlines()) == 1
        assert r.stdout == ""
    assert file_digest(city.db) == before


def test_out_is_checked_before_mark_writes(city, tmp_path):
    before = city.checksum()
    r = city("check", "relapse", "--as-of", AS_OF, "--mark", "--out", str(city.db), code=2)
    assert "register itself" in r.stderr and "Opened" not in r.stderr
    assert city.checksum() == before  # no case is opened for A/H02
    folder = tmp_path / "a-folder"
    folder.mkdir()
    r = city("check", "visits", "--as-of", AS_OF, "--out", str(folder), code=2)
    assert "is a directory" in r.stderr
    assert city.checksum() == before


def test_options_of_a_check_go_after_its_name(city):
    for option in (("--out", "x.csv"), ("--by", "unit"), ("--unit", A)):
        r = city("check", *option, "relapse", code=2)
        assert "aidtrack check relapse" in r.stderr


# --- --format csv on every check ------------------------------------------------------------------


FINDINGS = {  # each check's findings in the city, by list: (unit, household code)
    "relapse": {"at_risk": [(A, f"{A}/H02")]},
    "visits": {"escalations_overdue": [(A, f"{A}/H01")]},
    "exits": {"candidates": [(B, f"{B}/H01")]},
    "plans": {"no_plan": [(A, f"{A}/H01"), (B, f"{B}/H01")]},
    "monitor": {"candidates": [(A, f"{A}/H02")]},
    "escalations": {"not_studied": [(A, f"{A}/H01")]},
    "cases": {"not_acted": [(A, f"{A}/H01")]},
    "ids": {"disagree": [(B, f"{B}/H01")]},
}


@pytest.mark.parametrize("name", NAMES)
def test_every_check_writes_csv_a_header_then_a_row_per_finding(city, name):
    from aidtrack.checks import module

    r = city("check", name, "--as-of", AS_OF, "--format", "csv", code=1)
    rows = csv_of(r.stdout)
    assert tuple(rows[0]) == module(name).CSV_COLUMNS
    found = as_json(city, "check", name, "--as-of", AS_OF, code=1)
    every = [f["household"] for lst in FINDINGS[name] for f in found[lst]]
    assert sorted(every) == sorted(h for lst in FINDINGS[name].values() for _u, h in lst)
    codes = [dict(zip(rows[0], row))["household"] for row in rows[1:]]
    assert sorted(codes) == sorted(every)
    # the Chinese interface writes the same English columns and values, as report quarter's CSV does
    assert city("--lang", "zh", "check", name, "--as-of", AS_OF, "--format", "csv", code=1).stdout == r.stdout


def test_all_checks_in_one_csv_table_with_a_check_column(city):
    rows = csv_of(city("check", "--as-of", AS_OF, "--format", "csv", code=1).stdout)
    header = rows[0]
    assert header[0] == "check" and len(set(header)) == len(header)
    assert all(len(row) == len(header) for row in rows)
    got = sorted((row[0], row[header.index("household")]) for row in rows[1:])
    assert got == sorted(
        (n, h) for n, lists in FINDINGS.items() for found in lists.values() for _u, h in found
    )


def test_checks_in_markdown(city):
    md = city("check", "plans", "--as-of", AS_OF, "--format", "markdown", code=1).stdout
    assert md.startswith("## Measures overdue at 2004-10-15\n\nNothing found.\n")
    assert f"| {A}/H01 | 刘香福 | enrolled |" in md and f"| {B}/H01 | 张桂兰 | enrolled |" in md
    every = city("check", "--as-of", AS_OF, "--format", "markdown", code=1).stdout
    # the sections of every check: visits has 6 (with evidence_doubtful); monitor has 4 (its
    # `enrolment` list: never enrolled, under the line)
    assert every.count("\n## ") + every.startswith("## ") == 1 + 6 + 1 + 2 + 3 + 4 + 5 + 2  # cases: 5, ids: 2


# --- --unit and --by unit on the checks -----------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_check_unit_keeps_one_units_findings_and_by_unit_names_them(city, name):
    args = ("check", name, "--as-of", AS_OF)
    for unit in (A, B):
        mine = {lst: [h for u, h in found if u == unit] for lst, found in FINDINGS[name].items()}
        code = 1 if any(mine.values()) else 0
        data = as_json(city, *args, "--unit", unit, code=code)
        assert data["unit"] == unit
        assert {lst: [f["household"] for f in data[lst]] for lst in mine} == mine
    data = as_json(city, *args, "--by", "unit", code=1)
    assert data["by"] == "unit"
    assert {lst: [(f["unit"], f["household"]) for f in data[lst]] for lst in FINDINGS[name]} == FINDINGS[name]
    rows = csv_of(city(*args, "--by", "unit", "--format", "csv", code=1).stdout)
    assert rows[0][0] == "unit"
    column = rows[0].index("household")
    assert sorted((r[0], r[column]) for r in rows[1:]) == sorted(
        f for found in FINDINGS[name].values() for f in found
    )
    table = city(*args, "--by", "unit", code=1).stdout
    assert "┃ unit " in table
    assert all(f"│ {u} " in table for found in FINDINGS[name].values() for u, _h in found)


def test_all_checks_by_unit_and_for_one_unit(city):
    data = as_json(city, "check", "--as-of", AS_OF, "--unit", B, code=1)
    # B alone: its exit candidate and its household without a plan, nothing else
    assert [f["household"] for f in data["exits"]["candidates"]] == [f"{B}/H01"]
    assert [f["household"] for f in data["plans"]["no_plan"]] == [f"{B}/H01"]
    assert data["relapse"]["at_risk"] == [] and data["escalations"]["not_studied"] == []
    rows = csv_of(city("check", "--as-of", AS_OF, "--by", "unit", "--format", "csv", code=1).stdout)
    assert rows[0][:2] == ["check", "unit"]
    assert sorted((r[0], r[1]) for r in rows[1:]) == sorted(
        (n, u) for n, lists in FINDINGS.items() for found in lists.values() for u, _h in found
    )


# --- --unit and --by unit on the reports ----------------------------------------------------------

QUARTER = ("report", "quarter", "2004Q3")
#: 2004Q3 by hand. A: H01 2 of 2 visits (compliant), H02 none of 2; B: H01 1 of 2. Income: A/H01
#: (600 + 900) / 2 = 750.00 a month, 1500 / (2 months × 3) = 250.00 a person; A/H02 300.00, 150.00;
#: B/H01 700.00, 700 / 3 = 233.33. A unit: 750 + 300 = 1050.00, (250 + 150) / 2 = 200.00 a person.
#: The city: 1750.00; (250.00 + 150.00 + 233.33) / 3 = 211.11 a person (half up).
QUARTER_BY_HAND = {
    A: {"pairings": 2, "compliant": 1, "visits": 2, "income_households": 2, "income_monthly": 1050.0},
    B: {"pairings": 1, "compliant": 0, "visits": 1, "income_households": 1, "income_monthly": 700.0},
}
PER_PERSON = {A: 200.0, B: 233.33, "totals": 211.11}


def test_quarter_by_unit_with_income(city):
    data = as_json(city, *QUARTER, "--by", "unit")
    assert [r["unit"] for r in data["by_unit"]] == [A, B]
    for row in data["by_unit"]:
        assert {k: row[k] for k in QUARTER_BY_HAND[row["unit"]]} == QUARTER_BY_HAND[row["unit"]]
        assert row["income_per_person"] == PER_PERSON[row["unit"]]
    t = data["totals"]
    assert (t["pairings"], t["compliant"], t["visits"], t["income_households"]) == (3, 1, 3, 3)
    assert (t["income_monthly"], t["income_per_person"]) == (1750.0, PER_PERSON["totals"])
    assert t == as_json(city, *QUARTER)["totals"]  # the totals of the plain report, income included
    rows = csv_of(city(*QUARTER, "--by", "unit", "--format", "csv").stdout)
    assert rows[0][-3:] == ["income_households", "income_monthly", "income_per_person"]
    assert [r[-3:] for r in rows[1:]] == [
        ["2", "1050.00", "200.00"],
        ["1", "700.00", "233.33"],
        ["3", "1750.00", "211.11"],
    ]
    assert "1050.00" in city(*QUARTER, "--by", "unit").stdout


@pytest.mark.parametrize("unit", [A, B])
def test_quarter_income_by_unit_is_that_of_the_units_rows(city, unit):
    """A unit's income: the sum of its pairing rows' average months (each household once) and the
    mean of their incomes per person, to the fen, half up."""
    rows = as_json(city, *QUARTER, "--unit", unit)["pairings"]
    assert {r["household"].split("/")[0] for r in rows} == {unit}
    earned = {r["household"]: r for r in rows if r["income_monthly_avg"] is not None}
    row = next(r for r in as_json(city, *QUARTER, "--by", "unit")["by_unit"] if r["unit"] == unit)
    assert row["income_households"] == len(earned)
    # The average months summed exactly and rounded once (not the rounded rows added): each is
    # within half a fen of its row, so the sum is within len/2 fen of the rows' sum.
    assert (
        abs(
            round(row["income_monthly"] * 100)
            - sum(round(r["income_monthly_avg"] * 100) for r in earned.values())
        )
        <= len(earned) / 2
    )
    fen = sum(round(r["income_per_person"] * 100) for r in earned.values())
    assert round(row["income_per_person"] * 100) == (2 * fen + len(earned)) // (2 * len(earned))
    alone = as_json(city, *QUARTER, "--unit", unit)["totals"]
    assert {k: alone[k] for k in QUARTER_BY_HAND[unit]} == QUARTER_BY_HAND[unit]


def test_cadres_by_unit_and_one_unit(city):
    data = as_json(city, "report", "cadres", "2004Q3", "--by", "unit")
    # A: C01 2 of 2 visits, C02 none of 2; B: C01 1 of 2
    got = [(r["unit"], r["cadres"], r["pairings"], r["visits"], r["required"]) for r in data["by_unit"]]
    assert got == [(A, 2, 2, 2, 4), (B, 1, 1, 1, 2)]
    assert (data["totals"]["cadres"], data["totals"]["visits"], data["totals"]["required"]) == (3, 3, 6)
    alone = as_json(city, "report", "cadres", "2004Q3", "--unit", B)["cadres"]
    assert [c["cadre"] for c in alone] == [f"{B}/C01"]


def test_grid_by_unit_and_one_unit(city):
    data = as_json(city, "report", "grid", "2004", "--by", "unit")
    a, b = data["by_unit"]
    assert (a["unit"], b["unit"]) == (A, B)
    # A: two pairings all year; visits 0, 0, 2 (H01 met), 1 (H02's 10-01)
    assert [a["quarters"][q] for q in data["quarters"]] == [
        {"pairings": 2, "met": 0, "visits": 0, "required": 4, "compliance": 0.0},
        {"pairings": 2, "met": 0, "visits": 0, "required": 4, "compliance": 0.0},
        {"pairings": 2, "met": 1, "visits": 2, "required": 4, "compliance": 0.5},
        {"pairings": 2, "met": 0, "visits": 1, "required": 4, "compliance": 0.0},
    ]
    # B: paired from 01-05, 87 of Q1's 91 days: ceil(2 × 87 / 91) = 2 required; one visit in Q3
    assert [(b["quarters"][q]["visits"], b["quarters"][q]["required"]) for q in data["quarters"]] == [
        (0, 2),
        (0, 2),
        (1, 2),
        (0, 2),
    ]
    assert data["totals"]["quarters"]["2004Q3"] == {
        "pairings": 3,
        "met": 1,
        "visits": 3,
        "required": 6,
        "compliance": 0.3333,
    }
    rows = csv_of(city("report", "grid", "2004", "--by", "unit", "--format", "csv").stdout)
    assert rows[0][:5] == ["unit", "2004Q1_pairings", "2004Q1_met", "2004Q1_visits", "2004Q1_required"]
    assert rows[3][0] == "(total)" and rows[3][rows[0].index("2004Q3_visits")] == "3"
    assert f"{A}" in city("report", "grid", "2004", "--by", "unit").stdout
    alone = as_json(city, "report", "grid", "2004", "--unit", A)
    assert [r["household"] for r in alone["rows"]] == [f"{A}/H01", f"{A}/H02"]
    assert alone["compliance"]["2004Q3"] == 0.5


def test_outcomes_by_unit_and_one_unit(city):
    data = as_json(city, "report", "outcomes", "--as-of", "2004-12-31", "--by", "unit")
    got = [(r["unit"], r["households"], r["households_by_status"], r["visits"]) for r in data["by_unit"]]
    # A: H01 enrolled, H02 exited; visits 07-15, 08-20, 10-01. B: H01 enrolled; visit 07-20.
    assert got == [(A, 2, {"enrolled": 1, "exited": 1}, 3), (B, 1, {"enrolled": 1}, 1)]
    assert (data["totals"]["households"], data["totals"]["visits"]) == (3, 4)
    alone = as_json(city, "report", "outcomes", "--as-of", "2004-12-31", "--unit", B)
    assert (alone["households"], alone["visits"]) == (1, 1)


# --- every report and check has the flags ---------------------------------------------------------

#: What a report or check may lack, and why. Nothing else may.
EXEMPT = {
    "report household": {
        "--by": "one household's register: there are no units to group",
        "--unit": "one household's register: it belongs to one unit already",
        "csv": "sections of different shapes (pairings, visits, aid, income, statuses): no one table;"
        " `export` writes each kind as CSV",
    },
    "report year": {
        "--by": "the year's quarters side by side for one register or one unit (--unit); per unit:"
        " `report quarter --by unit` for each quarter",
    },
    "report assessment": {
        "--by": "a closed assessment is the file's filed record, ranked over all its cadres;"
        " per unit: `report cadres --by unit`",
        "--unit": "a closed assessment is the file's filed record; one unit's cadres: `report cadres --unit`",
    },
}


#: Commands of the report group that write instead of reporting, and why they are there.
WRITERS = {"report note": "the clerk's typical case of a quarter, written for the quarter report"}


def _reports_and_checks() -> dict[str, click.Command]:
    root = command("en")
    found = {"check": root.commands["check"]}
    for group in ("report", "check"):
        found |= {
            f"{group} {n}": c
            for n, c in root.commands[group].commands.items()
            if f"{group} {n}" not in WRITERS
        }
    return found


@pytest.mark.parametrize("name", sorted(_reports_and_checks()))
def test_every_report_and_check_has_the_flags(name):
    cmd = _reports_and_checks()[name]
    options = {opt: p for p in cmd.params for opt in getattr(p, "opts", ())}
    exempt = EXEMPT.get(name, {})
    fmt = options["--format"]
    formats = [c.value for c in fmt.shell_complete(click.Context(cmd), "")]
    for flag in ("--out", "--by", "--unit", "csv"):
        has = "csv" in formats if flag == "csv" else flag in options
        assert has != (flag in exempt), (name, flag, "exempt, yet has it" if has else "missing")
    assert "-o" in options["--out"].opts
    same = next(p for p in _reports_and_checks()["check"].params if p.name == "out")
    assert options["--out"].help == same.help  # one definition (cli.common.Out)
    if "--by" in options:
        assert options["--by"].metavar == "unit"
    if name.startswith("check"):
        assert {"table", "json", "csv", "markdown"} <= set(formats)


def test_the_exemptions_name_real_commands():
    assert set(EXEMPT) <= set(_reports_and_checks())
