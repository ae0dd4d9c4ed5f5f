"""The roster as a clerk's own sheet has it: no enrolment column (said once; --enrolled / --paired for
the sheet), a signature footer, an impossible date, a dry run on a register not made yet, a re-import."""

from __future__ import annotations

import json

from test_roster import csv_roster, roster

HEAD = "序号,户主,性别,出生日期,帮扶干部,家庭人口\n"
ROWS = "1,刘香福,男,1952.4.17,吴振国,3\n2,满运良,男,1949.11.20,李德明,2\n"
#: 填表人 in the first column, 审核人 under 出生日期, 填表日期 under 家庭人口
FOOTER = "填表人：张会计,,,审核人：李科长,,填表日期：2024.1.5\n"


def test_a_roster_without_an_enrolment_column_is_said_once(cli, tmp_path):
    path = csv_roster(tmp_path, HEAD + ROWS + "3,王桂芝,女,1955.3.2,张海燕,4\n")
    r = cli("--lang", "zh", "import", "roster", path, code=2)
    errors = [line for line in r.stderr.splitlines() if "纳入" in line]
    assert len(errors) == 1 and "--enrolled" in errors[0], r.stderr
    assert not cli.db.exists() or cli.scalar("SELECT count(*) FROM households") == 0


def test_enrolled_and_paired_options_date_the_whole_sheet(cli, tmp_path):
    path = csv_roster(tmp_path, HEAD + ROWS)
    cli("import", "roster", path, "--enrolled", "2003-07-01", "--paired", "2003.7.8")
    assert cli.rows(
        "SELECT h.name, s.date, p.since FROM households h JOIN statuses s ON s.household_id = h.id"
        " JOIN pairings p ON p.household_id = h.id ORDER BY h.code"
    ) == [("刘香福", "2003-07-01", "2003-07-08"), ("满运良", "2003-07-01", "2003-07-08")]
    r = cli("import", "households", path, "--enrolled", "2003-07-01", code=2)
    assert "roster" in r.output


def test_a_signature_footer_is_no_household(cli, tmp_path):
    path = csv_roster(tmp_path, HEAD + ROWS + FOOTER)
    r = cli("--lang", "zh", "import", "roster", path, "--enrolled", "2003-07-01", "--dry-run")
    assert "第 4 行：跳过（表尾签字行" in r.output
    cli("import", "roster", path, "--enrolled", "2003-07-01")
    assert cli.rows("SELECT name FROM households ORDER BY code") == [("刘香福",), ("满运良",)]


def test_an_impossible_date_says_which_day_and_where_in_one_style(cli, tmp_path):
    path = csv_roster(tmp_path, HEAD + ROWS + "3,王桂芝,女,1965.2.30,张海燕,4\n")
    r = cli("--lang", "zh", "import", "roster", path, "--enrolled", "2003-07-01", code=2)
    assert f"{path} 第 4 行，出生日期：不是日期：2月没有30日（输入：'1965.2.30'）" in r.stderr
    r = cli("import", "roster", path, "--enrolled", "2003-07-01", code=2)
    assert f"{path}:4: 出生日期: is not a date: month 2 has no day 30 (got '1965.2.30')" in r.stderr


def test_a_dry_run_on_a_register_not_made_yet_creates_nothing(cli, tmp_path):
    assert not cli.db.exists()
    r = cli("import", "roster", roster(tmp_path), "--dry-run", "--summary", "json")
    assert json.loads(r.stdout)["counts"]["households"]["added"] == 10
    assert not cli.db.exists()
    assert not any(p.name.endswith(".db") for p in tmp_path.iterdir())


def test_a_re_import_counts_the_members_unchanged(cli, tmp_path):
    path = roster(tmp_path)
    first = json.loads(cli("import", "roster", path, "--summary", "json").stdout)
    members = cli.scalar("SELECT count(*) FROM members")
    assert first["counts"]["members"] == {"added": members, "unchanged": 0, "replaced": 0, "skipped": 0}
    again = json.loads(cli("import", "roster", path, "--summary", "json").stdout)
    # the ten households' sizes on the sheet: 3+2+4+… = the members counted the first time
    assert again["counts"]["members"] == {"added": 0, "unchanged": members, "replaced": 0, "skipped": 0}
    assert members == 27


def test_the_preview_warns_where_born_or_gender_disagree_with_the_id_number(cli, tmp_path):
    path = csv_roster(
        tmp_path,
        "序号,户主,性别,出生日期,身份证号,纳入日期\n"
        "1,刘香福,女,1952.4.18,230102195204170014,2003.7.1\n"  # the number: 1952-04-17, a man
        "2,满运良,男,1949.11.20,230102194911200038,2003.7.1\n",
    )
    r = cli("--lang", "zh", "import", "roster", path, "--dry-run")
    assert f"{path} 第 2 行，出生日期：身份证号显示为 1952-04-17，本行填的是 1952-04-18" in r.stderr
    assert f"{path} 第 2 行，性别：身份证号显示为 男，本行填的是 女" in r.stderr
    assert "第 3 行" not in r.stderr
    bad = csv_roster(tmp_path, "户主,身份证号,纳入日期\n王桂芝,230102195503020025,2003.7.1\n", "bad.csv")
    r = cli("import", "roster", bad, code=2)
    assert "check character" in r.stderr
