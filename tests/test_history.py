"""History that stays true (issue 13): dated household members, back-filled registers, months and
quarters still in progress. Registers are typed through the CLI; the database is read afterwards;
figures are worked by hand (poverty line 200 a person a month, exit_months 6, stale_months 3).
"""

from __future__ import annotations

import json


def income(cli, code: str, amounts: dict[str, str]) -> None:
    for month, amount in amounts.items():
        cli("income", "add", code, "--month", month, "--amount", amount)


def months(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def members_of(cli, code: str) -> list[tuple]:
    return cli.rows(
        "SELECT m.name, m.joined, m.left_on FROM members m JOIN households h"
        " ON h.id = m.household_id WHERE h.code = ? ORDER BY m.id",
        [code],
    )


def quarter_outputs(cli, q: str) -> list[str]:
    return [cli("report", "quarter", q, "--format", f).stdout for f in ("table", "json", "csv")]


def row_of(cli, q: str, code: str) -> dict:
    data = json.loads(cli("report", "quarter", q, "--format", "json").stdout)
    return next(p for p in data["pairings"] if p["household"] == code)


# --- household members and the size at a date ---------------------------------------------------


def test_editing_the_size_in_2005q2_leaves_2005q1_byte_identical(cli):
    cli("cadre", "add", "陈立华", "--code", "C02")
    cli("household", "add", "满运良", "--code", "H02", "--members", "2", "--enrolled", "2004-12-01")
    cli("pair", "add", "C02", "H02", "--since", "2004-12-01")
    income(cli, "H02", {m: "1030" for m in months("2005-01", "2005-06")})
    # The count typed at enrolment became two counted, unnamed members from the enrolment on.
    assert members_of(cli, "H02") == [("#1", "2004-12-01", None), ("#2", "2004-12-01", None)]
    before = quarter_outputs(cli, "2005Q1")
    # 2005Q1: 3 × 1030 = 3090 over 3 months × 2 people = 515.00 a person.
    assert row_of(cli, "2005Q1", "H02")["income_per_person"] == 515.0

    cli("household", "edit", "H02", "--members", "5", "--from", "2005-04-01")
    assert quarter_outputs(cli, "2005Q1") == before
    # Three more people from 2005-04-01: 2005Q2 is 3090 over 3 months × 5 people = 206.00.
    assert row_of(cli, "2005Q2", "H02")["income_per_person"] == 206.0
    assert members_of(cli, "H02")[2:] == [
        ("#3", "2005-04-01", None),
        ("#4", "2005-04-01", None),
        ("#5", "2005-04-01", None),
    ]
    assert cli.scalar("SELECT members FROM households WHERE code = 'H02'") == 5
    audit = cli.rows("SELECT before, after FROM audit WHERE action = 'size'")
    assert [(json.loads(b), json.loads(a)) for b, a in audit] == [
        ({"members": 2, "from": "2005-04-01"}, {"members": 5, "from": "2005-04-01"})
    ]

    # Down to 1 from 2005-06-01: the latest joined leave first, the day before.
    cli("household", "edit", "H02", "--members", "1", "--from", "2005-06-01")
    assert members_of(cli, "H02") == [
        ("#1", "2004-12-01", None),
        ("#2", "2004-12-01", "2005-05-31"),
        ("#3", "2005-04-01", "2005-05-31"),
        ("#4", "2005-04-01", "2005-05-31"),
        ("#5", "2005-04-01", "2005-05-31"),
    ]
    assert quarter_outputs(cli, "2005Q1") == before
    # 2005Q2: person-months 5 + 5 + 1 = 11; 3090 / 11 = 280.909… -> 280.91.
    assert row_of(cli, "2005Q2", "H02")["income_per_person"] == 280.91
    assert cli.scalar("SELECT members FROM households WHERE code = 'H02'") == 1


def test_size_without_from_holds_from_today_and_past_is_unchanged(cli):
    cli("cadre", "add", "吴振国", "--code", "C01")
    cli("household", "add", "刘香福", "--code", "H01", "--members", "3", "--enrolled", "2004-01-01")
    cli("pair", "add", "C01", "H01", "--since", "2004-01-01")
    income(cli, "H01", {"2004-01": "600", "2004-02": "600", "2004-03": "615"})
    before = quarter_outputs(cli, "2004Q1")
    cli("household", "edit", "H01", "--members", "4")
    assert quarter_outputs(cli, "2004Q1") == before
    # 1815 / 9 person-months = 201.67
    assert row_of(cli, "2004Q1", "H01")["income_per_person"] == 201.67


def test_a_member_joining_mid_quarter_counts_from_the_month_they_are_present(cli):
    """No member has left, but one joined in February: January counts the two, February and March
    the three (the size on each month's last day), not three in every month."""
    cli("cadre", "add", "吴振国", "--code", "C01")
    cli("household", "add", "刘香福", "--code", "H01", "--members", "2", "--enrolled", "2004-01-01")
    cli("pair", "add", "C01", "H01", "--since", "2004-01-01")
    cli("member", "add", "H01", "刘小明", "--joined", "2004-02-10")
    income(cli, "H01", {"2004-01": "800", "2004-02": "800", "2004-03": "800"})
    # 2400 over 2 + 3 + 3 = 8 person-months = 300.00 (over 9 it would be 266.67)
    assert row_of(cli, "2004Q1", "H01")["income_per_person"] == 300.0
    # 2004Q2: every month three people, 2400 / 9 = 266.67
    income(cli, "H01", {"2004-04": "800", "2004-05": "800", "2004-06": "800"})
    assert row_of(cli, "2004Q2", "H01")["income_per_person"] == 266.67


def test_members_named_join_and_leave(cli):
    cli("household", "add", "刘香福", "--code", "H01", "--members", "1", "--enrolled", "2004-01-01")
    mid = cli(
        "member",
        "add",
        "H01",
        "刘小明",
        "--relation",
        "子女",
        "--born",
        "1985-03-02",
        "--joined",
        "2004-01-01",
        "--health",
        "chronic",
        "--dibao-amount",
        "120.5",
        "--dibao-from",
        "2004-01-01",
    ).stdout.strip()
    row = cli.rows("SELECT name, relation, health, dibao_amount, joined FROM members WHERE id = ?", [mid])
    assert row == [("刘小明", "child", "chronic", 12050, "2004-01-01")]
    assert cli.scalar("SELECT members FROM households WHERE code = 'H01'") == 2
    cli("member", "leave", mid, "--date", "2004-02-15")
    assert cli.scalar("SELECT left_on FROM members WHERE id = ?", [mid]) == "2004-02-15"
    assert cli.scalar("SELECT members FROM households WHERE code = 'H01'") == 1
    # Present on the month's last day: 2 in January, 1 from February on (left mid-February).
    cli("household", "edit", "H01", "--members", "3", "--from", "2004-04-01")
    data = json.loads(cli("report", "household", "H01", "--format", "json").stdout)
    assert [m["name"] for m in data["members"]] == ["#1", "刘小明", "#2", "#3"]
    # A named member is not closed by a count: say who left.
    cli("household", "add", "满运良", "--code", "H02", "--members", "1", "--enrolled", "2004-01-01")
    cli("member", "add", "H02", "满小红", "--joined", "2004-01-01")
    cli("member", "add", "H02", "满小兰", "--joined", "2004-01-01")
    r = cli("household", "edit", "H02", "--members", "1", "--from", "2004-04-01", code=2)
    assert "H02 has 2 named member(s) present on 2004-04-01" in r.stderr and "member leave" in r.stderr
    assert len(members_of(cli, "H02")) == 3
    assert cli.scalar("SELECT members FROM households WHERE code = 'H02'") == 3
    r = cli("member", "leave", mid, "--date", "2003-12-31", code=2)
    assert "left_on" in r.stderr and "joined" in r.stderr
    r = cli("member", "add", "H01", "刘小明", "--joined", "2004-01-01", code=2)
    assert "already recorded" in r.stderr


def test_relapse_below_line_uses_the_size_of_each_month(cli):
    # Three people through June 2005, one from July: Apr-Jun 500 / 3 = 166.67 < 200, below the
    # line. Held against today's size (1) the household would look well off (500 >= 200).
    cli("household", "add", "户H01", "--code", "H01", "--members", "3", "--enrolled", "2004-01-01")
    cli("household", "status", "H01", "--set", "exited", "--date", "2004-12-31")
    income(cli, "H01", {m: "500" for m in months("2005-01", "2005-06")})
    cli("household", "edit", "H01", "--members", "1", "--from", "2005-07-01")
    data = json.loads(cli("check", "relapse", "--as-of", "2005-07-15", "--format", "json", code=1).stdout)
    [found] = data["at_risk"]
    assert found["reasons"] == ["below_line"]
    below = found["details"]["below_line"]
    assert [(m["month"], m["members"], m["per_person"]) for m in below["months"]] == [
        ("2005-04", 3, 166.67),
        ("2005-05", 3, 166.67),
        ("2005-06", 3, 166.67),
    ]
    assert below["average_per_person"] == 166.67
    assert found["members"] == 1  # the size on the as-of day


def test_exits_use_the_size_of_each_month(cli):
    # 2 people Jan-Jun 2005 at 402 = 201 a person (above the line); a third person joins
    # 2005-07-01: today's size 3 would put every month below the line (134 a person).
    cli("household", "add", "户H01", "--code", "H01", "--members", "2", "--enrolled", "2004-01-01")
    income(cli, "H01", {m: "402" for m in months("2005-01", "2005-06")})
    cli("household", "edit", "H01", "--members", "3", "--from", "2005-07-01")
    data = json.loads(cli("check", "exits", "--as-of", "2005-07-10", "--format", "json", code=1).stdout)
    [c] = data["candidates"]
    assert [m["members"] for m in c["months"]] == [2] * 6
    assert c["lowest_per_person"] == 201.0


def test_a_register_with_only_a_count_migrates_to_unnamed_members(tmp_path):
    """An 0002-era file (households.members only) gets that many #k members from its enrolment."""
    import sqlite3

    from sqlite_utils import Database

    from aidtrack.store import schema

    path = tmp_path / "old.db"
    db = Database(path)
    for migrate in (schema.m0001_initial, schema.m0002_units):  # a register from before members
        migrate(db)
    db.execute("INSERT INTO households (id, code, name, members) VALUES (1, 'H01', '刘香福', 3)")
    db.execute("INSERT INTO statuses (household_id, status, date) VALUES (1, 'enrolled', '2003-07-01')")
    db.conn.commit()
    schema.m0005_members_meetings(db)
    db.conn.commit()
    con = sqlite3.connect(path)
    rows = con.execute("SELECT name, joined, left_on FROM members ORDER BY id").fetchall()
    assert rows == [("#1", "2003-07-01", None), ("#2", "2003-07-01", None), ("#3", "2003-07-01", None)]


# --- back-filling a paper register without --enrolled ------------------------------------------


def test_two_year_paper_register_typed_without_enrolled_is_consistent(cli):
    """A clerk types 2003-2004 from paper; the household is added today without --enrolled."""
    cli("cadre", "add", "吴振国", "--code", "C01")
    cli("cadre", "add", "陈立华", "--code", "C02")
    cli("household", "add", "刘香福", "--code", "H01", "--members", "3")
    # The first pairing moves the enrolment back to its start (and the people counted with it).
    cli("pair", "add", "C01", "H01", "--since", "2003-01-05")
    assert cli.scalar("SELECT min(date) FROM statuses") == "2003-01-05"
    assert {j for _, j, _ in members_of(cli, "H01")} == {"2003-01-05"}
    for day in ("2003-02-10", "2003-03-20", "2003-05-08", "2003-06-18", "2004-01-12", "2004-03-02"):
        cli("visit", "add", "H01", "--date", day, "--situation", "走访")
    cli("aid", "add", "H01", "--date", "2003-02-10", "--kind", "goods", "--value", "100", "--giver", "C01")
    income(cli, "H01", {m: "450" for m in months("2002-10", "2004-06")})  # baseline before enrolment too
    cli("household", "status", "H01", "--set", "exited", "--date", "2004-06-30")
    cli("pair", "end", "H01", "--date", "2004-06-30")
    cli("pair", "add", "C02", "H01", "--since", "2004-07-01")
    cli("visit", "add", "H01", "--date", "2004-08-15", "--kind", "followup")
    cli("household", "edit", "H01", "--members", "4", "--from", "2004-04-01")
    # Nothing was refused halfway: every record is in.
    assert cli.scalar("SELECT count(*) FROM visits") == 7
    assert cli.scalar("SELECT count(*) FROM statuses") == 2
    assert cli.scalar("SELECT count(*) FROM income") == 21
    # 2003Q1: 2 visits of 2 required; income 1350 / (3 months × 3 people) = 150.00.
    row = row_of(cli, "2003Q1", "H01")
    assert (row["visits"], row["required"], row["income_per_person"]) == (2, 2, 150.0)
    assert row["status"] == "enrolled"
    # 2004Q2: 4 people from 2004-04-01, so 1350 / (3 months × 4 people) = 112.50.
    assert row_of(cli, "2004Q2", "H01")["income_per_person"] == 112.5
    assert cli.scalar("SELECT members FROM households") == 4

    # A status before the enrolment is refused, naming the fix …
    r = cli("household", "status", "H01", "--set", "relapsed", "--date", "2002-12-01", code=2)
    assert "aidtrack household edit H01 --enrolled 2002-12-01" in r.stderr
    assert cli.scalar("SELECT count(*) FROM statuses") == 2
    # … which works, and then the entry goes in.
    cli("household", "edit", "H01", "--enrolled", "2002-12-01")
    assert cli.scalar("SELECT min(date) FROM statuses") == "2002-12-01"
    assert {j for _, j, _ in members_of(cli, "H01")} == {"2002-12-01", "2004-04-01"}
    cli("household", "status", "H01", "--set", "relapsed", "--date", "2002-12-15")
    # Moving the enrolment after the first record is refused.
    r = cli("household", "edit", "H01", "--enrolled", "2003-03-01", code=2)
    assert "enrolled" in r.stderr


# --- months in progress -------------------------------------------------------------------------


def test_no_income_at_month_and_year_end(cli):
    cli("household", "add", "户H01", "--code", "H01", "--enrolled", "2004-01-01")
    cli("household", "status", "H01", "--set", "exited", "--date", "2004-06-30")
    income(cli, "H01", {m: "500" for m in months("2004-01", "2004-09")})  # nothing Oct-Dec

    def flagged(day: str) -> bool:
        r = cli("check", "relapse", "--as-of", day, "--format", "json", ok=False)
        return any("no_income" in e["reasons"] for e in json.loads(r.stdout)["at_risk"])

    # 12-30: December has not ended; Sep-Nov are the 3 ended months and September has income.
    assert not flagged("2004-12-30")
    # 12-31: December ends that day; Oct-Dec have nothing.
    assert flagged("2004-12-31")
    assert flagged("2005-01-01")
    data = json.loads(cli("check", "relapse", "--as-of", "2004-12-31", "--format", "json", code=1).stdout)
    assert data["at_risk"][0]["details"]["no_income"]["months_without_record"] == [
        "2004-10",
        "2004-11",
        "2004-12",
    ]


def test_a_month_in_progress_is_not_read(cli):
    cli("household", "add", "户H01", "--code", "H01", "--enrolled", "2004-01-01")
    cli("household", "status", "H01", "--set", "exited", "--date", "2004-12-31")
    income(cli, "H01", {**{m: "500" for m in months("2005-01", "2005-05")}, "2005-06": "0"})
    # June is being recorded on 06-15 (0 so far): not read, nothing found.
    cli("check", "relapse", "--as-of", "2005-06-15", code=0)
    # On 06-30 June has ended: 0 against 500 is a drop, and Apr-Jun average 333.33 ≥ 200.
    data = json.loads(cli("check", "relapse", "--as-of", "2005-06-30", "--format", "json", code=1).stdout)
    assert data["at_risk"][0]["reasons"] == ["income_drop"]


def test_exits_need_consecutive_months_and_the_policy_says_whether_equal_counts(cli):
    cli("household", "add", "户H01", "--code", "H01", "--enrolled", "2004-01-01")
    cli("household", "add", "户H02", "--code", "H02", "--enrolled", "2004-01-01")
    cli("household", "add", "户H03", "--code", "H03", "--enrolled", "2004-01-01")
    # H01: 6 recorded months above the line but April missing: not 6 consecutive months.
    income(cli, "H01", {m: "300" for m in months("2004-01", "2004-07") if m != "2004-04"})
    # H02: exactly at the line (200) for Feb-Jul; H03: one fen above it.
    income(cli, "H02", {m: "200" for m in months("2004-02", "2004-07")})
    income(cli, "H03", {m: "200.01" for m in months("2004-02", "2004-07")})
    # Strictly above by default: exactly 200.00 with a line of 200 is not above it.
    data = json.loads(cli("check", "exits", "--as-of", "2004-07-31", "--format", "json", code=1).stdout)
    assert [c["household"] for c in data["candidates"]] == ["H03"]
    assert data["candidates"][0]["exit_at_line"] is False
    # July in progress on 07-30: only Feb-Jun ended, 5 months: nobody.
    cli("check", "exits", "--as-of", "2004-07-30", code=0)
    # The policy may relax it: a month at the line counts.
    cli("policy", "set", "exit_at_line", "1", "--from", "2004-01-01")
    data = json.loads(cli("check", "exits", "--as-of", "2004-07-31", "--format", "json", code=1).stdout)
    assert [c["household"] for c in data["candidates"]] == ["H02", "H03"]


def test_exits_propose_only_on_the_last_ended_months(cli):
    """On 2005-01-31 income of January-June 2004 (none since) is seven months stale: no proposal."""
    cli("household", "add", "户H01", "--code", "H01", "--enrolled", "2004-01-01")
    income(cli, "H01", {m: "300" for m in months("2004-01", "2004-06")})
    # 2004-06-30: June has ended and the run Jan-Jun ends at it: proposed.
    data = json.loads(cli("check", "exits", "--as-of", "2004-06-30", "--format", "json", code=1).stdout)
    assert [c["household"] for c in data["candidates"]] == ["H01"]
    # 2004-07-31: July ended without a record: the run ends a month early, nothing proposed.
    cli("check", "exits", "--as-of", "2004-07-31", code=0)
    cli("check", "exits", "--as-of", "2005-01-31", code=0)
    # July to December recorded: the run again reaches the last ended month.
    income(cli, "H01", {m: "300" for m in months("2004-07", "2004-12")})
    cli("check", "exits", "--as-of", "2005-01-31", code=0)  # January 2005 ended, not recorded
    data = json.loads(cli("check", "exits", "--as-of", "2004-12-31", "--format", "json", code=1).stdout)
    assert [m["month"] for m in data["candidates"][0]["months"]] == months("2004-07", "2004-12")


def test_the_quarter_in_progress_is_pending_not_failed(cli):
    import datetime as dt

    from aidtrack.model import Quarter

    today = dt.date.today()
    q = Quarter(today.year, (today.month - 1) // 3 + 1)
    cli("cadre", "add", "吴振国", "--code", "C01")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", q.prev().start.isoformat())
    cli("pair", "add", "C01", "H01", "--since", q.prev().start.isoformat())
    data = json.loads(cli("report", "quarter", str(q), "--format", "json").stdout)
    assert data["pairings"][0]["compliant"] == "pending"
    assert data["totals"]["in_progress"] is True and data["totals"]["pending"] == 1
    assert data["totals"]["compliant"] == 0
    csv = cli("report", "quarter", str(q), "--format", "csv").stdout.splitlines()
    header, row = csv[0].split(","), csv[1].split(",")
    assert row[header.index("compliant")] == "pending"
    table = cli("report", "quarter", str(q)).stdout
    assert "(in progress)" in table and "1 pending" in table
    html = cli("report", "quarter", str(q), "--format", "html").stdout
    assert "1 pending" in html
    # The quarter before has ended: a pairing without visits there is not compliant ("no").
    past = json.loads(cli("report", "quarter", str(q.prev()), "--format", "json").stdout)
    assert past["pairings"][0]["compliant"] is False and past["totals"]["in_progress"] is False
    grid = json.loads(cli("report", "grid", str(today.year), "--format", "json").stdout)
    assert grid["in_progress"] is True and grid["quarters_in_progress"] == [str(q)]


# --- escalations and meetings ---------------------------------------------------------------------


def test_problem_life_cycle_through_meetings(cli, tmp_path):
    from conftest import Cli

    cli("cadre", "add", "吴振国", "--code", "C01")
    cli("cadre", "add", "李局长", "--code", "C09")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2004-07-01")
    cli("pair", "add", "C01", "H01", "--since", "2004-07-01")
    cli("visit", "add", "H01", "--date", "2004-07-05", "--problem", "医药费无力承担")
    pid = cli.scalar("SELECT id FROM problems")
    # Escalated later than it was raised: ageing counts from 2004-08-20, not from the visit.
    cli("problem", "escalate", str(pid), "--date", "2004-08-20", "--by", "吴振国")
    assert cli.rows("SELECT escalated, escalated_on, escalated_by FROM problems") == [
        (1, "2004-08-20", "吴振国")
    ]
    # 2004-09-15: 26 days since escalation (< 30): nothing yet; 2004-09-20: 31 days: not studied.
    cli("check", "escalations", "--as-of", "2004-09-15", code=0)
    data = json.loads(cli("check", "escalations", "--as-of", "2004-09-20", "--format", "json", code=1).stdout)
    assert [(r["problem_id"], r["days_since_escalated"]) for r in data["not_studied"]] == [(pid, 31)]
    r = cli("meeting", "item", "1", str(pid), code=2)  # no meeting yet
    mid = cli("meeting", "add", "2004-09-28", "--attendees", "局党委全体成员").stdout.strip()
    cli(
        "meeting",
        "item",
        mid,
        str(pid),
        "--decision",
        "局里承担医药费",
        "--leader",
        "C09",
        "--due",
        "2004-10-31",
    )
    assert cli.rows(
        "SELECT mt.date, mt.kind, mi.decision, c.code, mi.due FROM meeting_items mi"
        " JOIN meetings mt ON mt.id = mi.meeting_id JOIN cadres c ON c.id = mi.leader_id"
    ) == [("2004-09-28", "committee", "局里承担医药费", "C09", "2004-10-31")]
    cli("check", "escalations", "--as-of", "2004-10-31", code=0)
    data = json.loads(cli("check", "escalations", "--as-of", "2004-11-01", "--format", "json", code=1).stdout)
    assert [(r["due"], r["leader"], r["days_overdue"]) for r in data["decision_overdue"]] == [
        ("2004-10-31", "C09", 1)
    ]
    # The quarter report's record: 2004Q3 studied 1, decided 1; overdue at Q4's end while open.
    q3 = json.loads(cli("report", "quarter", "2004Q3", "--format", "json").stdout)["totals"]["meetings"]
    assert q3 == {"held": 1, "studied": 1, "decided": 1, "overdue": 0, "not_studied": 0}
    q4 = json.loads(cli("report", "quarter", "2004Q4", "--format", "json").stdout)["totals"]["meetings"]
    assert q4 == {"held": 0, "studied": 0, "decided": 0, "overdue": 1, "not_studied": 0}
    assert "1 meeting(s), 1 problem(s) studied, 1 decided; 0 decision(s) overdue" in " ".join(
        cli("report", "quarter", "2004Q3").stdout.split()
    )
    md = cli("report", "household", "H01", "--format", "markdown").stdout
    assert "escalated 2004-08-20" in md and "studied 2004-09-28: 局里承担医药费 (due 2004-10-31)" in md
    cli("problem", "resolve", str(pid), "--date", "2004-11-05", "--note", "局里报销")
    cli("check", "escalations", "--as-of", "2004-11-10", code=0)
    # A meeting cannot study a problem before it was escalated.
    cli("visit", "add", "H01", "--date", "2004-10-02", "--problem", "住房漏雨")
    p2 = cli.scalar("SELECT max(id) FROM problems")
    r = cli("meeting", "item", mid, str(p2), code=2)
    assert "escalate" in r.stderr
    # Export and import carry meetings and what they studied.
    out = tmp_path / "out"
    cli("export", "all", "--out", str(out))
    copy = Cli(tmp_path / "copy.db")
    copy("import", "bundle", str(out))
    assert copy.rows(
        "SELECT mt.date, mi.decision, mi.due FROM meeting_items mi JOIN meetings mt ON mt.id = mi.meeting_id"
    ) == [("2004-09-28", "局里承担医药费", "2004-10-31")]
    assert copy.rows("SELECT escalated_on, escalated_by FROM problems WHERE escalated = 1") == [
        ("2004-08-20", "吴振国")
    ]


# --- corrections that say what they do ------------------------------------------------------------


def test_delete_names_what_it_takes_and_the_audit_keeps_it(cli):
    cli("cadre", "add", "吴振国", "--code", "C01")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2004-07-01")
    cli("pair", "add", "C01", "H01", "--since", "2004-07-01")
    vid = cli(
        "visit",
        "add",
        "H01",
        "--date",
        "2004-07-05",
        "--problem",
        "医药费无力承担",
        "--problem",
        "住房漏雨",
        "--escalate",
    ).stdout.strip()
    mid = cli("meeting", "add", "2004-07-20").stdout.strip()
    p1 = cli.scalar("SELECT min(id) FROM problems")
    cli("meeting", "item", mid, str(p1), "--decision", "局里承担")
    # Off a terminal without --yes the prompt's text is in the refusal: it names everything taken.
    r = cli("visit", "delete", vid, code=2)
    assert f"visit {vid} (H01 刘香福, 2004-07-05, regular)" in r.stderr
    assert f"problem {p1} (H01 刘香福, 2004-07-05: 医药费无力承担)" in r.stderr
    assert "住房漏雨" in r.stderr and "meeting item" in r.stderr
    assert cli.scalar("SELECT count(*) FROM problems") == 2
    r = cli("visit", "delete", vid, "--yes")
    assert "Deleted visit" in r.stderr
    assert cli.scalar("SELECT count(*) FROM problems") == 0
    assert cli.scalar("SELECT count(*) FROM meeting_items") == 0
    before = json.loads(cli.scalar("SELECT before FROM audit WHERE action = 'delete' AND entity = 'visits'"))
    assert [p["problem"] for p in before["cascaded"]["problems"]] == ["医药费无力承担", "住房漏雨"]
    assert [i["decision"] for i in before["cascaded"]["meeting_items"]] == ["局里承担"]
    # A delete that will be refused is refused before it asks (no --yes, no terminal: same refusal).
    r = cli("household", "delete", "H01", code=2)
    assert "H01 刘香福 is still referred to by 1 pairings" in r.stderr and "--yes" not in r.stderr
    r = cli("cadre", "delete", "C01", code=2)
    assert "C01 吴振国" in r.stderr and "--yes" not in r.stderr


def test_committee_record_in_the_html_reports(cli):
    cli("cadre", "add", "吴振国", "--code", "C01")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2004-07-01")
    cli("pair", "add", "C01", "H01", "--since", "2004-07-01")
    cli("visit", "add", "H01", "--date", "2004-07-05", "--problem", "医药费无力承担", "--escalate")
    mid = cli("meeting", "add", "2004-08-10").stdout.strip()
    cli("meeting", "item", mid, "1", "--decision", "局里承担", "--due", "2004-08-31")
    html = cli("report", "quarter", "2004Q3", "--format", "html").stdout
    assert "1 meeting(s), 1 problem(s) studied, 1 decided; 1 decision(s) overdue" in html
    page = cli("report", "household", "H01", "--format", "html").stdout
    assert "2004-07-05" in page and "studied 2004-08-10: 局里承担 (due 2004-08-31)" in page
