"""The checks end to end: small registers built through the CLI, expected findings worked out by hand.

Defaults used throughout: poverty line 200 yuan a person a month, relapse_months 3, drop_pct 30,
drop_baseline_months 6, shock_days 90, stale_months 3, exit_months 6, visits_per_quarter 2,
followup_days 90, escalation_days 30.
"""

from __future__ import annotations

import json

import pytest


def household(
    cli,
    code: str,
    members: int = 1,
    enrolled: str = "2003-01-01",
    cadre: str | None = None,
    since: str = "2003-01-10",
    exited: str | None = "2004-03-31",
) -> None:
    """A household, paired with `cadre` (created here) if given, exited on `exited` if given."""
    cli("household", "add", f"户{code}", "--code", code, "--members", str(members), "--enrolled", enrolled)
    if cadre:
        cli("cadre", "add", f"干部{cadre}", "--code", cadre)
        cli("pair", "add", cadre, code, "--since", since)
    if exited:
        cli("household", "status", code, "--set", "exited", "--date", exited)


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


def check(cli, *args: str, code: int) -> dict:
    r = cli("check", *args, "--format", "json", code=code)
    return json.loads(r.stdout)


def by_household(entries: list[dict]) -> dict[str, dict]:
    return {e["household"]: e for e in entries}


# --- check relapse -----------------------------------------------------------------------------


def test_relapse_nothing_found_exit_0(cli):
    household(cli, "H01", members=2, cadre="C01")
    # Apr..Sep 1000 a month: Jul-Sep give 3000 for 2 people over 3 months = 500 a person >= 200;
    # latest 1000 against an average of 1000: no drop; Jul-Sep recorded: not stale.
    income(cli, "H01", {m: "1000" for m in months("2004-04", "2004-09")})
    cli("visit", "add", "H01", "--date", "2004-09-20", "--situation", "生活稳定")
    # An enrolled household with no income is not the relapse check's business.
    household(cli, "H02", exited=None)
    income(cli, "H02", {"2004-09": "0"})
    assert check(cli, "relapse", "--as-of", "2004-10-15", code=0) == {"as_of": "2004-10-15", "at_risk": []}
    r = cli("check", "relapse", "--as-of", "2004-10-15")
    assert "Relapse risk at 2004-10-15" in r.stdout and "Nothing found." in r.stdout


def test_relapse_below_line_alone(cli):
    household(cli, "H01", members=2, cadre="C01")
    # 350 a month for 2 people = 175 a person, 25 under the line of 200, in each of Jul, Aug, Sep
    # (the last 3 recorded months): mean gap -25 < 0. Latest 350 = baseline 350: no drop.
    income(cli, "H01", {m: "350" for m in months("2004-04", "2004-09")})
    cli("visit", "add", "H01", "--date", "2004-09-20")
    data = check(cli, "relapse", "--as-of", "2004-10-15", code=1)
    [f] = data["at_risk"]
    assert f["household"] == "H01" and f["household_name"] == "户H01"
    assert f["cadre"] == "C01" and f["status"] == "exited" and f["last_visit"] == "2004-09-20"
    assert f["reasons"] == ["below_line"] and "_id" not in f
    below = f["details"]["below_line"]
    assert [m["month"] for m in below["months"]] == ["2004-07", "2004-08", "2004-09"]
    assert [(m["income"], m["per_person"], m["line"]) for m in below["months"]] == [(350.0, 175.0, 200.0)] * 3
    assert (below["average_per_person"], below["average_line"], below["average_gap"]) == (175.0, 200.0, -25.0)
    assert "that month's poverty line" in below["rule"]


def test_relapse_income_drop_alone_and_threshold(cli):
    for code in ("H01", "H02"):
        household(cli, code)
        # Feb 5000 is the 7th month before the latest: outside the 6-month baseline.
        income(cli, code, {"2004-02": "5000", **{m: "1000" for m in months("2004-03", "2004-08")}})
    # H01: Sep 700 against the Mar-Aug average 1000: (1000 - 700) / 1000 = 30% >= 30%: a drop.
    # H02: Sep 701: 29.9% < 30%: none. Last 3 months of either: (1000+1000+700)/3 = 900 >= 200.
    income(cli, "H01", {"2004-09": "700", "2004-11": "100"})  # Nov is after as-of's month: ignored
    income(cli, "H02", {"2004-09": "701"})
    data = check(cli, "relapse", "--as-of", "2004-10-15", code=1)
    [f] = data["at_risk"]
    assert f["household"] == "H01" and f["reasons"] == ["income_drop"] and f["cadre"] is None
    assert f["details"]["income_drop"] == {
        "latest_month": "2004-09",
        "latest_amount": 700.0,
        "baseline_months": months("2004-03", "2004-08"),
        "baseline_average": 1000.0,
        "drop_pct": 30.0,
        "threshold_pct": 30,
    }


def test_relapse_recorded_months_skip_gaps_within_24_months(cli):
    household(cli, "H01")
    # Recorded 2003-09..2004-02, then nothing until 2004-09: the last 7 recorded months are
    # 2003-09..2004-02 and 2004-09. Sep 500 against their average 1000: a 50% drop.
    # Last 3 recorded: Jan 1000, Feb 1000, Sep 500: 833.33 >= 200. Sep recorded: not stale.
    income(cli, "H01", {**{m: "1000" for m in months("2003-09", "2004-02")}, "2004-09": "500"})
    household(cli, "H02")
    # Only months as-of's and the 23 before it count (2002-11..2004-10): the 2002-01..06 records
    # are ignored, so September 100 stands alone: below the line, with no baseline to drop from.
    income(cli, "H02", {**{m: "1000" for m in months("2002-01", "2002-06")}, "2004-09": "100"})
    found = by_household(check(cli, "relapse", "--as-of", "2004-10-15", code=1)["at_risk"])
    assert found["H01"]["reasons"] == ["income_drop"]
    drop = found["H01"]["details"]["income_drop"]
    assert (drop["baseline_months"], drop["baseline_average"], drop["drop_pct"]) == (
        months("2003-09", "2004-02"),
        1000.0,
        50.0,
    )
    assert found["H02"]["reasons"] == ["below_line"]
    assert [m["month"] for m in found["H02"]["details"]["below_line"]["months"]] == ["2004-09"]


def test_relapse_shock_alone_within_90_days(cli):
    for code, cadre, day, event in (
        ("H01", "C01", "2004-09-20", "illness"),
        ("H02", "C02", "2004-07-17", "job_loss"),
        ("H03", "C03", "2004-07-16", "injury"),
    ):
        household(cli, code, cadre=cadre)
        income(cli, code, {m: "1000" for m in months("2004-04", "2004-09")})
        cli("visit", "add", code, "--date", day, "--event", event, "--situation", "胃穿孔手术")
    # H01: 2004-09-20 to 2004-10-15 is 10 + 15 = 25 days; H02: 2004-07-17 is exactly 90 days
    # before (14 + 31 + 30 + 15): still within; H03: 91 days: outside.
    cli("visit", "add", "H01", "--date", "2004-07-10", "--event", "injury")  # 97 days: outside
    cli("visit", "add", "H03", "--date", "2004-10-20", "--event", "disaster")  # after as-of: ignored
    data = check(cli, "relapse", "--as-of", "2004-10-15", code=1)
    found = by_household(data["at_risk"])
    assert sorted(found) == ["H01", "H02"]
    assert found["H01"]["reasons"] == ["shock"]
    shock = found["H01"]["details"]["shock"]
    assert (shock["date"], shock["event"], shock["situation"], shock["days_ago"]) == (
        "2004-09-20",
        "illness",
        "胃穿孔手术",
        25,
    )
    assert shock["events_in_window"] == 1
    assert found["H02"]["details"]["shock"]["days_ago"] == 90
    assert found["H01"]["last_visit"] == "2004-09-20"


def test_relapse_no_income_and_enrolment_guard(cli):
    # As of 2004-10-15 the 3 full months before are Jul, Aug, Sep; the first of them 2004-07-01.
    household(cli, "H01")
    income(cli, "H01", {m: "1000" for m in months("2004-03", "2004-06")})  # nothing Jul-Oct: stale
    household(cli, "H02", enrolled="2004-07-01", exited="2004-09-01")  # enrolled on 07-01: too new
    household(cli, "H03", enrolled="2004-06-30", exited="2004-09-01")  # enrolled before: stale
    household(cli, "H04")
    income(cli, "H04", {**{m: "1000" for m in months("2004-03", "2004-06")}, "2004-10": "1000"})
    data = check(cli, "relapse", "--as-of", "2004-10-15", code=1)
    found = by_household(data["at_risk"])
    # H04's only later record is in October, still in progress on 10-15: a check reads ended
    # months only, so Jul-Sep have nothing and H04 is stale too (issue 13).
    assert sorted(found) == ["H01", "H03", "H04"]
    assert found["H01"]["reasons"] == ["no_income"]
    assert found["H01"]["details"]["no_income"] == {
        "months_without_record": ["2004-07", "2004-08", "2004-09"],
        "last_recorded_month": "2004-06",
        "enrolled": "2003-01-01",
    }
    assert found["H03"]["details"]["no_income"]["last_recorded_month"] is None


def test_relapse_poverty_line_changed_between_months(cli):
    cli("policy", "set", "poverty_line", "300", "--from", "2004-09-01")
    household(cli, "H01")
    household(cli, "H02")
    # H01 (1 person): Jul 250 - 200 = +50, Aug +50, Sep 320 - 300 = +20: mean +40, not below.
    # (Held against the as-of line 300 throughout, 273.33 < 300 would have flagged it.)
    income(cli, "H01", {"2004-07": "250", "2004-08": "250", "2004-09": "320"})
    # H02: Jul 210 - 200 = +10, Aug +10, Sep 250 - 300 = -50: mean -10 < 0: below.
    # (Against the old line 200 throughout, 223.33 >= 200 would not have.)
    income(cli, "H02", {"2004-07": "210", "2004-08": "210", "2004-09": "250"})
    data = check(cli, "relapse", "--as-of", "2004-10-15", code=1)
    [f] = data["at_risk"]
    assert f["household"] == "H02" and f["reasons"] == ["below_line"]
    below = f["details"]["below_line"]
    assert [m["line"] for m in below["months"]] == [200.0, 200.0, 300.0]
    # (210 + 210 + 250) / 3 = 223.33; (200 + 200 + 300) / 3 = 233.33; gap -10.
    assert (below["average_per_person"], below["average_line"], below["average_gap"]) == (
        223.33,
        233.33,
        -10.0,
    )
    # As of 2004-08-31 the change is not in force and September is not yet recorded: nothing.
    assert check(cli, "relapse", "--as-of", "2004-08-31", code=0)["at_risk"] == []


def _drop_and_shock(cli, code: str, cadre: str) -> None:
    household(cli, code, cadre=cadre)
    # Sep 500 against 1000: a 50% drop; an illness found on 2004-10-01.
    income(cli, code, {**{m: "1000" for m in months("2004-03", "2004-08")}, "2004-09": "500"})
    cli("visit", "add", code, "--date", "2004-10-01", "--event", "illness")


def test_relapse_mark_opens_cases_never_a_status(cli):
    """A check never writes a status: --mark opens one relapse case per household found (a lead,
    部门筛查预警), once while it is open; a household found only for no_income gets none."""
    _drop_and_shock(cli, "H01", "C01")
    _drop_and_shock(cli, "H02", "C02")
    household(cli, "H03", cadre="C03")  # no income at all: a data gap, not evidence
    before = cli.checksum()
    data = check(cli, "relapse", "--as-of", "2004-10-15", code=1)
    assert [f["reasons"] for f in data["at_risk"]] == [["shock", "income_drop"]] * 2 + [["no_income"]]
    assert cli.checksum() == before
    statuses = cli.rows("SELECT household_id, status, date FROM statuses ORDER BY id")
    audits = cli.scalar("SELECT count(*) FROM audit")
    r = cli("check", "relapse", "--as-of", "2004-10-15", "--mark", code=1)
    assert "Opened 2 relapse case(s) dated 2004-10-15" in r.stderr
    assert cli.rows("SELECT household_id, status, date FROM statuses ORDER BY id") == statuses
    assert cli.rows(
        "SELECT h.code, c.decision, c.channel, c.lead_date, c.finding, c.outcome FROM cases c"
        " JOIN households h ON h.id = c.household_id ORDER BY h.code"
    ) == [
        ("H01", "relapse", "dept_warning", "2004-10-15", "shock, income_drop", "open"),
        ("H02", "relapse", "dept_warning", "2004-10-15", "shock, income_drop", "open"),
    ]
    entries = cli.rows("SELECT action, entity, record FROM audit WHERE id > ? ORDER BY id", [audits])
    assert [(a, e) for a, e, _r in entries] == [("add", "cases"), ("add", "cases")]
    # again, a week later: the cases are still open, nothing more is opened
    r = cli("check", "relapse", "--as-of", "2004-10-22", "--mark", code=1)
    assert "Opened 0 relapse case(s)" in r.stderr
    assert cli.scalar("SELECT count(*) FROM cases") == 2


def test_relapse_csv_one_row_per_household(cli):
    _drop_and_shock(cli, "H01", "C01")
    r = cli("check", "relapse", "--as-of", "2004-10-15", "--format", "csv", code=1)
    lines = r.stdout.splitlines()
    assert lines[0].startswith("household,household_name,cadre,status,reasons,last_visit")
    assert lines[1].startswith(
        "H01,户H01,C01,exited,shock;income_drop,2004-10-01,2004-10-01,illness,2004-09,500.00,1000.00,50.00"
    )
    assert len(lines) == 2


@pytest.mark.parametrize(
    "args",
    [
        ("relapse", "--as-of", "2004-13-01"),
        ("relapse", "--format", "xml"),
        ("visits", "--as-of", "soon"),
        ("--format", "xml"),
        ("exits", "--by", "team"),
        ("plans", "--unit", "外星局"),
    ],
)
def test_errors_exit_2_and_write_nothing(cli, args):
    cli("init")
    before = cli.checksum()
    r = cli("check", *args, code=2)
    assert r.stderr.startswith("Error: ") and len(r.stderr.strip().splitlines()) == 1
    assert cli.checksum() == before


def test_mark_refuses_a_future_as_of(cli):
    _drop_and_shock(cli, "H01", "C01")
    before = cli.checksum()
    r = cli("check", "relapse", "--as-of", "2999-01-01", "--mark", code=2)
    assert "after today" in r.stderr and r.stdout == ""
    assert cli.checksum() == before


def test_options_before_the_check_name_are_refused(cli):
    cli("init")
    r = cli("check", "--as-of", "2004-10-15", "relapse", code=2)
    assert "aidtrack check relapse --as-of" in r.stderr


def test_missing_register_is_an_error(cli):
    r = cli("check", "relapse", code=2)
    assert "does not exist" in r.stderr
    assert not cli.db.exists()


# --- check visits ------------------------------------------------------------------------------


def test_visits_behind(cli):
    # 2004Q3 runs Jul 1 to Sep 30: 92 days.
    household(cli, "H01", cadre="C01", exited=None)
    for day in ("2004-06-30", "2004-07-20", "2004-08-20"):  # Q2, counted, after 2004-08-15
        cli("visit", "add", "H01", "--date", day)
    household(cli, "H02", cadre="C02", since="2004-08-01", exited=None)
    household(cli, "H03", cadre="C03", exited=None)
    for day in ("2004-07-05", "2004-08-01"):
        cli("visit", "add", "H03", "--date", day)
    household(cli, "H04", cadre="C04", since="2004-09-20", exited=None)

    # 2004-08-15: H01 has had 46 of 92 days: due floor(2 x 46/92) = 1, made 1 (07-20).
    # H02 has had 15 of its 61 days: due floor(2 x 15/61) = 0. Nobody is behind yet.
    assert check(cli, "visits", "--as-of", "2004-08-15", code=1)["behind"] == []  # H04: unpaired

    data = check(cli, "visits", "--as-of", "2004-08-31", code=1)
    assert data["quarter"] == "2004Q3"
    behind = by_household(data["behind"])
    # H01: 62 of 92 days: due floor(124/92) = 1, made 2 (07-20, 08-20). H03 met 2 of 2.
    # H02: Aug 1 to Sep 30 = 61 days: ceil(2 x 61/92) = ceil(1.33) = 2 required;
    #      31 of its 61 days past: due floor(2 x 31/61) = 1, none made. 08-31 to 09-30: 30 days left.
    assert sorted(behind) == ["H02"]
    assert {
        k: behind["H02"][k]
        for k in ("cadre", "visits", "required", "due_by_now", "owed", "days_left", "can_still_meet")
    } == {
        "cadre": "C02",
        "visits": 0,
        "required": 2,
        "due_by_now": 1,
        "owed": 2,
        "days_left": 30,
        "can_still_meet": True,
    }

    data = check(cli, "visits", "--as-of", "2004-09-30", code=1)
    behind = by_household(data["behind"])
    # H01 now has 07-20 and 08-20: met. H04: Sep 20 to 30 = 11 days: ceil(2 x 11/92) = 1.
    assert sorted(behind) == ["H02", "H04"]
    assert (behind["H04"]["required"], behind["H04"]["days_left"], behind["H04"]["can_still_meet"]) == (
        1,
        0,
        False,
    )
    assert behind["H02"]["can_still_meet"] is False


def test_visits_followup_overdue(cli):
    household(cli, "H01", cadre="C01")  # exited 2004-03-31
    cli("visit", "add", "H01", "--date", "2004-05-01")
    cli("visit", "add", "H01", "--date", "2004-10-05")  # after as-of: ignored
    household(cli, "H02", cadre="C02", exited="2004-01-01")
    cli("visit", "add", "H02", "--date", "2003-12-01")  # before the exit
    household(cli, "H03", cadre="C03")
    cli("visit", "add", "H03", "--date", "2004-07-02")
    household(cli, "H04", cadre="C04", exited="2004-06-01")
    cli("visit", "add", "H04", "--date", "2004-05-01")
    cli("household", "status", "H04", "--set", "prosperous", "--date", "2004-08-01")
    household(cli, "H05", cadre="C05", exited=None)  # enrolled: not followed up
    data = check(cli, "visits", "--as-of", "2004-09-30", code=1)
    late = by_household(data["followup_overdue"])
    # H01: 2004-05-01 to 09-30 = 30 + 30 + 31 + 31 + 30 = 152 days > 90; due 05-01 + 90 = 07-30.
    # H02: from the exit 2004-01-01 (later than its visit) to 09-30: 273 days.
    # H03: 2004-07-02 to 09-30 = 29 + 31 + 30 = 90 days: not more than 90.
    # H04: left poverty 2004-06-01 (prosperous since 08-01 keeps that exit date): 29+31+31+30 = 121.
    assert sorted(late) == ["H01", "H02", "H04"]
    assert {k: late["H01"][k] for k in ("cadre", "status", "exited", "last_visit", "days_since", "due")} == {
        "cadre": "C01",
        "status": "exited",
        "exited": "2004-03-31",
        "last_visit": "2004-05-01",
        "days_since": 152,
        "due": "2004-07-30",
    }
    assert (late["H02"]["last_visit"], late["H02"]["days_since"]) == ("2003-12-01", 273)
    assert (late["H04"]["status"], late["H04"]["exited"], late["H04"]["days_since"]) == (
        "prosperous",
        "2004-06-01",
        121,
    )


def _problem_ids(cli) -> dict[str, int]:
    return {text: pid for pid, text in cli.rows("SELECT id, problem FROM problems")}


def test_visits_escalations_overdue(cli):
    household(cli, "H01", cadre="C01", exited=None)
    for day, text, escalate in (
        ("2004-08-01", "医药费", True),
        ("2004-09-10", "新问题", True),
        ("2004-08-31", "三十天", True),
        ("2004-07-01", "已解决", True),
        ("2004-07-05", "后来解决", True),
        ("2004-07-10", "未上报", False),
    ):
        cli("visit", "add", "H01", "--date", day, "--problem", text, *(["--escalate"] if escalate else []))
    ids = _problem_ids(cli)
    cli("problem", "resolve", str(ids["已解决"]), "--date", "2004-09-01", "--note", "解决")
    cli("problem", "resolve", str(ids["后来解决"]), "--date", "2004-10-05", "--note", "解决")
    data = check(cli, "visits", "--as-of", "2004-09-30", code=1)
    # 08-01: 30 + 30 = 60 days open; 07-05, resolved only after as-of: 26 + 31 + 30 = 87 days. 09-10: 20 days;
    # 08-31: exactly 30 (not more); 07-01: resolved before as-of; 07-10: not escalated.
    assert [
        (e["problem"], e["raised"], e["days_open"], e["household"], e["cadre"])
        for e in data["escalations_overdue"]
    ] == [("后来解决", "2004-07-05", 87, "H01", "C01"), ("医药费", "2004-08-01", 60, "H01", "C01")]
    r = cli("check", "visits", "--as-of", "2004-09-30", "--format", "csv", code=1)
    rows = [line.split(",") for line in r.stdout.splitlines()]
    assert [(row[0], row[1], row[14], row[16]) for row in rows if row[0] == "escalations_overdue"] == [
        ("escalations_overdue", "H01", "后来解决", "87"),
        ("escalations_overdue", "H01", "医药费", "60"),
    ]


def test_visits_unpaired(cli):
    household(cli, "H01", exited=None)  # never paired
    household(cli, "H02", cadre="C01")  # exited 2004-03-31, pairing ended, relapsed
    cli("pair", "end", "H02", "--date", "2004-06-30")
    cli("household", "status", "H02", "--set", "relapsed", "--date", "2004-08-01")
    household(cli, "H03")  # exited, unpaired: not owed a cadre
    household(cli, "H04", cadre="C02", exited=None)
    household(cli, "H05", cadre="C03", since="2004-10-01", exited=None)  # paired after as-of
    household(cli, "H06", enrolled="2004-10-05", exited=None)  # enrolled after as-of
    household(cli, "H07", exited=None)
    cli("pair", "add", "C02", "H07", "--since", "2003-02-01")
    cli("pair", "end", "H07", "--date", "2004-12-31")  # still active on as-of
    data = check(cli, "visits", "--as-of", "2004-09-30", code=1)
    unpaired = by_household(data["unpaired"])
    assert sorted(unpaired) == ["H01", "H02", "H05"]
    assert {k: unpaired["H02"][k] for k in ("status", "last_cadre", "paired_until")} == {
        "status": "relapsed",
        "last_cadre": "C01",
        "paired_until": "2004-06-30",
    }
    assert (unpaired["H01"]["status"], unpaired["H01"]["last_cadre"]) == ("enrolled", None)
    # C02 has two households (H04, H07): reported, not refused.
    assert [(c["cadre"], [h["household"] for h in c["households"]]) for c in data["overloaded_cadres"]] == [
        ("C02", ["H04", "H07"])
    ]


def test_visits_overloaded_cadres(cli, monkeypatch):
    household(cli, "H01", cadre="C01", exited=None)
    household(cli, "H02", exited=None)
    cli("pair", "add", "C01", "H02", "--since", "2004-02-01")
    household(cli, "H03", cadre="C02", exited=None)
    cli("pair", "end", "H03", "--date", "2004-05-01")
    household(cli, "H04", exited=None)
    cli("pair", "add", "C02", "H04", "--since", "2004-06-01")
    household(cli, "H05", exited=None)
    cli("cadre", "add", "干部C03", "--code", "C03")
    cli("pair", "add", "C03", "H05", "--since", "2004-10-01")
    household(cli, "H06", exited=None)
    cli("pair", "add", "C03", "H06", "--since", "2003-02-01")
    data = check(cli, "visits", "--as-of", "2004-09-30", code=1)
    # C01: H01 and H02 both active. C02: H03 ended before H04 began. C03: H05 begins after as-of.
    assert data["overloaded_cadres"] == [
        {
            "cadre": "C01",
            "cadre_name": "干部C01",
            "pairings": 2,
            "households": [
                {"household": "H01", "household_name": "户H01", "since": "2003-01-10"},
                {"household": "H02", "household_name": "户H02", "since": "2004-02-01"},
            ],
        }
    ]
    # a chunk of one household at a time (facts.chunks): C01's two pairings are in two chunks
    from aidtrack.checks import visits

    monkeypatch.setattr(visits, "CHUNK", 1)
    assert check(cli, "visits", "--as-of", "2004-09-30", code=1) == data


def test_visits_nothing_found_exit_0(cli):
    household(cli, "H01", cadre="C01", exited=None)
    cli("visit", "add", "H01", "--date", "2004-07-05")
    cli("visit", "add", "H01", "--date", "2004-08-05")
    data = check(cli, "visits", "--as-of", "2004-09-30", code=0)
    assert all(
        data[s] == []
        for s in ("behind", "followup_overdue", "escalations_overdue", "unpaired", "overloaded_cadres")
    )


# --- check exits -------------------------------------------------------------------------------


def test_exits_six_months_at_or_above_the_line(cli, monkeypatch):
    cli("policy", "set", "poverty_line", "260", "--from", "2004-09-01")
    cli("policy", "set", "exit_at_line", "1", "--from", "2004-01-01")  # at the line counts here
    household(cli, "H01", members=2, exited=None, cadre="C01")
    # 2 people: the line is 400 a household (520 from September). Apr 400 = exactly 200 a person.
    # Mar 100 is the 7th month back: not among the last 6.
    ok = {
        "2004-03": "100",
        "2004-04": "400",
        "2004-05": "500",
        "2004-06": "600",
        "2004-07": "700",
        "2004-08": "800",
        "2004-09": "900",
    }
    income(cli, "H01", ok)
    household(cli, "H02", members=2, exited=None)
    income(cli, "H02", {**ok, "2004-06": "399.99"})  # 199.995 a person < 200 in June
    household(cli, "H03", exited=None)
    income(cli, "H03", {m: "1000" for m in months("2004-05", "2004-09")})  # only 5 months
    household(cli, "H04", exited="2004-01-31")
    cli("household", "status", "H04", "--set", "relapsed", "--date", "2004-03-01")
    income(cli, "H04", {m: "300" for m in months("2004-04", "2004-09")})  # 300 >= 200, 300 >= 260
    household(cli, "H05")  # exited: not a candidate
    income(cli, "H05", {m: "1000" for m in months("2004-04", "2004-09")})
    household(cli, "H06", exited=None)
    income(cli, "H06", {m: "250" for m in months("2004-04", "2004-09")})  # Sep 250 < 260
    data = check(cli, "exits", "--as-of", "2004-10-15", code=1)
    found = by_household(data["candidates"])
    assert sorted(found) == ["H01", "H04"]
    h01 = found["H01"]
    assert (h01["cadre"], h01["status"], h01["members"], h01["lowest_per_person"]) == (
        "C01",
        "enrolled",
        2,
        200.0,
    )
    assert [(m["month"], m["per_person"], m["line"]) for m in h01["months"]] == [
        ("2004-04", 200.0, 200.0),
        ("2004-05", 250.0, 200.0),
        ("2004-06", 300.0, 200.0),
        ("2004-07", 350.0, 200.0),
        ("2004-08", 400.0, 200.0),
        ("2004-09", 450.0, 260.0),
    ]
    assert found["H04"]["status"] == "relapsed"
    # a chunk of one household at a time (facts.chunks): the same candidates, in the same order
    from aidtrack.checks import exits

    monkeypatch.setattr(exits, "CHUNK", 1)
    assert check(cli, "exits", "--as-of", "2004-10-15", code=1) == data
    r = cli("check", "exits", "--as-of", "2004-10-15", "--format", "csv", code=1)
    assert r.stdout.splitlines()[1].startswith("H01,户H01,C01,enrolled,2,2004-04,2004-09,200.00,")


# --- aidtrack check (all) ----------------------------------------------------------------------


def test_all_checks_json_and_table(cli):
    cli("init")
    data = check(cli, "--as-of", "2004-10-15", code=0)
    assert set(data) == {"relapse", "visits", "exits", "escalations", "plans", "monitor", "cases", "ids"}
    assert data["relapse"]["at_risk"] == [] and data["exits"]["candidates"] == []
    _drop_and_shock(cli, "H01", "C01")
    data = check(cli, "--as-of", "2004-10-15", code=1)
    assert [f["household"] for f in data["relapse"]["at_risk"]] == ["H01"]
    # H01 exited 2004-03-31; its only visit (10-01) is 14 days before as-of: no follow-up overdue.
    assert data["visits"]["followup_overdue"] == []
    r = cli("check", "--as-of", "2004-10-15", code=1)
    for title in (
        "Relapse risk at 2004-10-15",
        "Pairings behind on visits in 2004Q4",
        "Follow-up visits overdue",
        "Exit candidates at 2004-10-15",
    ):
        assert title in r.stdout
    assert "Nothing found." in r.stdout


# --- the demo story (STORY.md), once the importer exists ----------------------------------------


def test_demo_story(cli):
    pytest.importorskip("aidtrack.ops.transfer.importer")
    from aidtrack.ops.transfer import demo

    demo.build(cli.db).close()
    # STORY.md: H01 exited 2003-09-30 with 07-09 exactly on the line (400 + 700 + 700 = 1,800).
    assert check(cli, "relapse", "--as-of", "2003-09-30", code=0)["at_risk"] == []
    [f] = check(cli, "relapse", "--as-of", "2003-10-17", code=1)["at_risk"]
    assert (f["household"], f["household_name"], f["cadre"], f["status"]) == (
        "H01",
        "刘香福",
        "C01",
        "exited",
    )
    # Only ended months count (docs/rules.md): October's 150 is not a month yet on 10-17, so the
    # follow-up's shock alone finds him; the drop (150 against 600) shows from 2003-11-01 on.
    assert f["reasons"] == ["shock"]
    d = f["details"]
    assert (d["shock"]["date"], d["shock"]["event"], d["shock"]["days_ago"]) == ("2003-10-16", "illness", 1)
    # Everyone stable at the end.
    assert check(cli, "relapse", "--as-of", "2004-10-15", code=0)["at_risk"] == []
    visits = check(cli, "visits", "--as-of", "2004-10-15", code=0)
    assert visits["followup_overdue"] == []
    # H10's pension, escalated 2004-07-13, was studied by the committee on 2004-07-27: not overdue
    assert visits["escalations_overdue"] == []
    assert check(cli, "visits", "--as-of", "2004-09-30", code=0)["behind"] == []

    # H01 proposed for its second exit from 2004-05-31 (Dec-May, each month 650 or more).
    def exits(day: str) -> list[str]:
        return [c["household"] for c in check(cli, "exits", "--as-of", day, code=1)["candidates"]]

    assert "H01" in exits("2004-05-31") and "H01" not in exits("2004-04-30")


def test_checks_by_chunks_of_households_find_the_same(demo, monkeypatch):
    """The checks that read a chunk of households at a time (facts.chunks) find what they find in
    one chunk when each chunk is one household: the same JSON, every finding in household order."""
    from aidtrack.checks import exits, monitor, plans, relapse, visits

    args = ("check", "--as-of", "2005-06-30", "--format", "json")
    whole = demo(*args, code=1).stdout
    found = json.loads(whole)
    assert found["relapse"]["at_risk"] and found["monitor"]["candidates"]
    assert found["plans"]["overdue"]
    for module in (exits, monitor, plans, relapse, visits):
        monkeypatch.setattr(module, "CHUNK", 1)
    assert demo(*args, code=1).stdout == whole


def test_findings_in_household_code_order_whatever_the_order_households_came_in(cli, monkeypatch):
    """Households added H03, H01, H04, H02 (ids 1 to 4): in code order, no two are next to each
    other by id, so the spans in code order (checks.common.code_spans) are ids 2, 4, 1, 3, each
    span's findings written in turn, whatever the chunk; with too many spans (MAX_SPANS) every
    chunk's findings are gathered and sorted. Either way the lists are in code order."""
    import datetime as dt

    from aidtrack.checks import common, exits, monitor, plans, relapse, visits
    from aidtrack.store import open_store

    for code in ("H03", "H01", "H04", "H02"):
        household(cli, code, exited=None)  # enrolled, no cadre, no measure
    for code in ("H03", "H01"):
        cli("plan", "cause", code, "--cause", "laid_off", "--date", "2003-07-01")
    whole = check(cli, "--as-of", "2004-09-30", code=1)
    # enrolled with no plan and no cadre: each household, by code; a cause and no measure: H01, H03
    assert [r["household"] for r in whole["plans"]["no_plan"]] == ["H01", "H02", "H03", "H04"]
    assert [r["household"] for r in whole["plans"]["no_open_measure"]] == ["H01", "H03"]
    assert [r["household"] for r in whole["visits"]["unpaired"]] == ["H01", "H02", "H03", "H04"]
    db = open_store(cli.db, create=False)
    try:
        for size in (1, 2, 4000):
            assert common.code_spans(db, size) == [(2, 2), (4, 4), (1, 1), (3, 3)]
        monkeypatch.setattr(common, "MAX_SPANS", 3)
        db.facts.clear()
        assert common.code_spans(db, 1) is None
        plans_ = plans.stream(db, dt.date(2004, 9, 30))
        assert [r["household"] for r in plans_["no_plan"]] == ["H01", "H02", "H03", "H04"]
    finally:
        db.close()
    for spans in (3, 10_000):
        monkeypatch.setattr(common, "MAX_SPANS", spans)
        for size in (1, 2):
            for module in (exits, monitor, plans, relapse, visits):
                monkeypatch.setattr(module, "CHUNK", size)
            assert check(cli, "--as-of", "2004-09-30", code=1) == whole


def test_json_findings_are_written_as_they_are_made(cli, monkeypatch):
    """`check --format json` writes each check's findings as they come (checks.common.Stream): it
    never calls a check's run() (which reads every finding into lists), and the first household
    without a plan comes out before the next chunk of households is read."""
    for code in ("H01", "H02", "H03"):
        household(cli, code, exited=None)
    expected = check(cli, "--as-of", "2004-09-30", code=1)
    csv_all = cli("check", "--as-of", "2004-09-30", "--format", "csv", code=1).stdout
    csv_plans = cli("check", "plans", "--as-of", "2004-09-30", "--format", "csv", code=1).stdout
    assert csv_plans.splitlines()[1:] == [f"no_plan,{c},户{c},enrolled,,,,,," for c in ("H01", "H02", "H03")]
    from aidtrack.checks import NAMES, module, plans
    from aidtrack.store import open_store

    def refused(*args, **kwargs):
        raise AssertionError("run() holds every finding")

    for name in NAMES:
        monkeypatch.setattr(module(name), "run", refused)
    assert check(cli, "--as-of", "2004-09-30", code=1) == expected
    assert check(cli, "plans", "--as-of", "2004-09-30", code=1) == expected["plans"]
    assert cli("check", "--as-of", "2004-09-30", "--format", "csv", code=1).stdout == csv_all
    assert cli("check", "plans", "--as-of", "2004-09-30", "--format", "csv", code=1).stdout == csv_plans

    read: list[tuple[int, int]] = []
    chunk = plans._households

    def reading(db, as_of, span, which):
        read.append(span)
        return chunk(db, as_of, span, which)

    monkeypatch.setattr(plans, "CHUNK", 1)
    monkeypatch.setattr(plans, "_households", reading)
    import datetime as dt

    db = open_store(cli.db, create=False)
    try:
        result = plans.stream(db, dt.date(2004, 9, 30))
        assert read == []  # nothing read before it is asked for
        no_plan = iter(result["no_plan"])
        assert next(no_plan)["household"] == "H01"
        assert read == [(1, 1)]
        assert [r["household"] for r in no_plan] == ["H02", "H03"]
        assert read == [(1, 1), (2, 2), (3, 3)]
        assert result["no_plan"]
    finally:
        db.close()


def test_a_stream_says_whether_it_found_something_only_once_read():
    from aidtrack.checks.common import Stream

    empty, some = Stream(iter(())), Stream(iter([{"household": "H01"}]))
    with pytest.raises(RuntimeError):
        bool(some)
    assert list(some) == [{"household": "H01"}] and some and some.count == 1
    assert list(empty) == [] and not empty
    with pytest.raises(RuntimeError):
        list(some)  # read once


def test_write_json_writes_to_jsons_very_text():
    """render.write_json: the text of render.to_json, a list given as an iterator written as it
    yields (empty, one item, nested values, Chinese, a date), at the top or one level down."""
    import datetime as dt

    from aidtrack.render import to_json, write_json

    rows = [
        {"household": "H01", "household_name": "户一", "months": [{"month": "2004-01", "income": 1.5}]},
        {"household": "H02", "household_name": 'a "quoted"\nname', "reasons": [], "details": {}},
    ]
    data = {
        "as_of": dt.date(2004, 9, 30),
        "watch_ratio": 150,
        "empty": [],
        "none": None,
        "some": rows,
        "nested": {"a": [1, {"b": []}]},
    }

    def streamed(d):
        return {**d, "empty": iter([]), "some": (r for r in d["some"])}

    for doc, given in ((data, streamed(data)), ({"x": data}, {"x": streamed(data)})):
        pieces: list[str] = []
        write_json(given, pieces.append)
        assert "".join(pieces) == to_json(doc)
    pieces = []
    write_json(iter(rows), pieces.append)
    assert "".join(pieces) == to_json(rows)


def test_write_csv_writes_to_csvs_very_text():
    """render.write_csv: the text of render.to_csv, rows from an iterator written a few hundred at a
    time (1,100 rows: three pieces), formulas neutralised, missing values empty."""
    from aidtrack.render import to_csv, write_csv

    rows = [
        {"household": f"H{i:04d}", "name": "=1+1" if i == 7 else f"户{i}", "n": i or None}
        for i in range(1100)
    ]
    columns = ["household", "name", "n"]
    pieces: list[str] = []
    write_csv(iter(rows), columns, pieces.append)
    assert "".join(pieces) == to_csv(rows, columns) and len(pieces) == 3
    pieces = []
    write_csv(iter(()), columns, pieces.append)
    assert "".join(pieces) == "household,name,n\n"
