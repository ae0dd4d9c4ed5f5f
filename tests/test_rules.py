"""The rules a decision about a household applies (docs/rules.md, docs/monitoring.md): 致富 and 脱贫,
the monitoring categories and risk elimination, spending (支出) and the dated livelihood; and checks
as of a date showing the figures of that date. Registers built through the CLI, then the database
opened; figures worked out by hand (poverty line 200 yuan a person a month, monitoring line 300)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from aidtrack.model import add_months, month_of
from test_checks import income, months

TODAY = dt.date.today()
#: The last month ended before today, and the six months ending at it.
LAST = add_months(month_of(TODAY), -1)
SIX = months(add_months(LAST, -5), LAST)


def show(cli, *args, code=0):
    return json.loads(cli(*args, "--format", "json", code=code).stdout)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from aidtrack.ops import demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    demo.build(path, operator="test").close()
    return path


@pytest.fixture
def demo(cli, demo_db):
    src, dst = sqlite3.connect(demo_db), sqlite3.connect(cli.db)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return cli


# --- every check as of a date shows the figures of that date --------------------------------------


def test_check_monitor_shows_the_household_size_of_its_date(demo):
    """H08 has 4 members in July 2004; 6 from 2004-08-15. As of 2004-07-31 it is shown with 4."""
    cli = demo
    cli("household", "edit", "H08", "--members", "6", "--from", "2004-08-15")
    data = show(cli, "check", "monitor", "--as-of", "2004-07-31", code=1)
    # H08: exited 2004-03-28, 2003-08..2004-07 income 600..940 over 4 people: under 300 a head.
    h08 = {c["household"]: c for c in data["candidates"]}["H08"]
    assert h08["members"] == 4
    data = show(cli, "check", "monitor", "--as-of", "2004-09-30", code=1)
    assert {c["household"]: c for c in data["candidates"]}["H08"]["members"] == 6


# --- 致富 (prosperous) -----------------------------------------------------------------------------


def _poor_three(cli, per_month: str) -> None:
    """H03, 3 people, enrolled two years ago, with `per_month` yuan in each of the last six months."""
    start = (TODAY - dt.timedelta(days=730)).isoformat()
    cli("household", "add", "王建军", "--code", "H03", "--members", "3", "--enrolled", start)
    income(cli, "H03", dict.fromkeys(SIX, per_month))


def prosperous(cli) -> list[tuple]:
    return cli.rows("SELECT date, reason FROM statuses WHERE status = 'prosperous'")


def test_prosperous_at_150_a_head_is_refused_with_the_way_through(cli):
    """The issue's trial: line 200, 450 a month for 3 people = 150 a head, under 2 × 200 = 400."""
    _poor_three(cli, "450")
    before = cli.checksum()
    r = cli("household", "status", "H03", "--set", "prosperous", code=2)
    assert len(r.stderr.strip().splitlines()) == 1
    assert "150.00" in r.stderr and "400.00" in r.stderr and "--reason" in r.stderr
    assert cli.checksum() == before
    # The way through: an explicit reason saying why it is prosperous otherwise.
    cli("household", "status", "H03", "--set", "prosperous", "--reason", "开饭店，收入未登记")
    assert prosperous(cli) == [(TODAY.isoformat(), "开饭店，收入未登记")]


def test_prosperous_boundary_at_the_ratio(cli):
    # 1,200 for 3 people = 400.00 a head = exactly 200% of the line: allowed ("at or above").
    _poor_three(cli, "1200")
    cli("household", "status", "H03", "--set", "prosperous")
    assert prosperous(cli) == [(TODAY.isoformat(), None)]


def test_prosperous_one_fen_under_the_ratio_or_a_month_short_is_refused(cli):
    start = (TODAY - dt.timedelta(days=730)).isoformat()
    cli("household", "add", "王建军", "--code", "H03", "--members", "3", "--enrolled", start)
    # 7,199.99 over 18 person-months: one fen short of 18 × 400 = 7,200.
    income(cli, "H03", {**dict.fromkeys(SIX, "1200"), SIX[0]: "1199.99"})
    r = cli("household", "status", "H03", "--set", "prosperous", code=2)
    assert "at least 200% of the poverty line (400.00)" in r.stderr
    cli("policy", "set", "prosper_ratio", "1.5", "--from", "2000-01-01")  # 300 a head: now it holds
    cli("household", "status", "H03", "--set", "prosperous")
    assert len(prosperous(cli)) == 1


def test_prosperous_needs_the_months_recorded(cli):
    start = (TODAY - dt.timedelta(days=730)).isoformat()
    cli("household", "add", "王建军", "--code", "H03", "--members", "3", "--enrolled", start)
    income(cli, "H03", dict.fromkeys(SIX[1:], "3000"))  # 5 of the 6 months: a gap is not evidence
    r = cli("household", "status", "H03", "--set", "prosperous", code=2)
    assert "needs 6 recorded months" in r.stderr and "has 5" in r.stderr
    assert prosperous(cli) == []


def test_prosperous_history_from_paper_is_recorded_with_a_warning(cli):
    """Dated more than 90 days ago: history typed from paper, kept as the paper says, warned."""
    _poor_three(cli, "450")
    old = (TODAY - dt.timedelta(days=91)).isoformat()
    edge = (TODAY - dt.timedelta(days=90)).isoformat()
    r = cli("household", "status", "H03", "--set", "prosperous", "--date", edge, code=2)
    assert "--reason" in r.stderr
    r = cli("household", "status", "H03", "--set", "prosperous", "--date", old)
    assert "Warning: recorded as history from paper" in r.stderr
    assert prosperous(cli) == [(old, None)]


# --- livelihood dated like status; spending (支出) ----------------------------------------------


def test_livelihood_change_is_dated_and_reports_read_it_at_their_date(demo):
    """H01's register says transport; it lived on dogs and the son's wage from 2003-11-01 (demo)."""
    cli = demo
    assert cli.rows("SELECT livelihood FROM households WHERE code = 'H01'") == [("transport",)]
    before = show(cli, "report", "outcomes", "--as-of", "2003-10-31")["households_by_livelihood"]
    after = show(cli, "report", "outcomes", "--as-of", "2003-11-01")["households_by_livelihood"]
    assert (before["transport"], before["husbandry"]) == (4, 2)
    assert (after["transport"], after["husbandry"]) == (3, 3)
    # A later change through the CLI: a dated record; the months before keep theirs.
    cli("household", "edit", "H03", "--livelihood", "employment", "--from", "2004-10-01")
    assert cli.rows(
        "SELECT lv.livelihood, lv.date FROM livelihoods lv JOIN households h ON h.id = lv.household_id"
        " WHERE h.code = 'H03'"
    ) == [("employment", "2004-10-01")]
    assert cli.rows("SELECT livelihood FROM households WHERE code = 'H03'") == [("transport",)]
    assert (
        show(cli, "report", "outcomes", "--as-of", "2004-09-30")["households_by_livelihood"]["transport"] == 3
    )
    assert (
        show(cli, "report", "outcomes", "--as-of", "2004-10-01")["households_by_livelihood"]["transport"] == 2
    )
    r = cli(
        "household",
        "edit",
        "H03",
        "--livelihood",
        "commerce",
        "--from",
        "2004-11-01",
        "--members",
        "2",
        code=2,
    )
    assert "give it alone" in r.stderr


def test_spending_add_list_and_reimbursed_not_above_the_amount(cli):
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2003-07-01")
    cli(
        "spending",
        "add",
        "H01",
        "--date",
        "2003-10-16",
        "--kind",
        "医疗",
        "--amount",
        "8000",
        "--reimbursed",
        "3000",
    )
    assert cli.rows("SELECT date, kind, amount, reimbursed FROM spending") == [
        ("2003-10-16", "medical", 800000, 300000)
    ]
    before = cli.checksum()
    r = cli(
        "spending", "add", "H01", "--kind", "schooling", "--amount", "100", "--reimbursed", "100.01", code=2
    )
    assert "reimbursed" in r.stderr and "100.00" in r.stderr
    assert cli.checksum() == before
    assert [s["amount"] for s in show(cli, "spending", "list")] == [8000.0]
