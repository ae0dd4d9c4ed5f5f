"""Values that must not break later commands (issue 19): every year, date and count that parses is
handled; policy values have bounds; sums cannot overflow; only ASCII and full-width digits."""

from __future__ import annotations

import pytest

from conftest import file_digest


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    from conftest import Cli

    cli = Cli(tmp_path_factory.mktemp("values") / "unit.db")
    cli("cadre", "add", "吴局长", "--code", "C01")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2003-07-01")
    cli("pair", "add", "C01", "H01", "--since", "2003-07-10")
    cli("income", "add", "H01", "--month", "2003-08", "--amount", "300")
    return cli


REFUSED = [
    ("year 0000", ["report", "cadres", "0000"]),
    ("year 9999", ["report", "cadres", "9999"]),
    ("grid 9999", ["report", "grid", "9999"]),
    ("grid 0000", ["report", "grid", "0000"]),
    ("quarter 9999", ["report", "quarter", "9999Q4"]),
    ("as-of 9999-12-31", ["check", "--as-of", "9999-12-31"]),
    ("as-of 0001-01-01", ["check", "--as-of", "0001-01-01"]),
    ("relapse as-of 9999-12-31", ["check", "relapse", "--as-of", "9999-12-31"]),
    ("outcomes as-of 0001-01-01", ["report", "outcomes", "--as-of", "0001-01-01"]),
    ("members 20 digits", ["household", "add", "王五", "--members", "99999999999999999999"]),
    ("log limit huge", ["log", "--limit", "99999999999999999999"]),
    ("log limit negative", ["log", "--limit", "-5"]),
    ("policy shock_days huge", ["policy", "set", "shock_days", "100000000"]),
    ("policy followup_days huge", ["policy", "set", "followup_days", "99999999"]),
    ("policy visits_per_quarter huge", ["policy", "set", "visits_per_quarter", "1000"]),
    ("policy poverty_line huge", ["policy", "set", "poverty_line", "999999999"]),
    ("policy score over 100", ["policy", "set", "score_visits", "1000"]),
    ("Arabic-Indic digits in money", ["income", "add", "H01", "--month", "2004-01", "--amount", "٣٠٠"]),
    ("superscript digits in money", ["income", "add", "H01", "--month", "2004-02", "--amount", "³⁰⁰"]),
    ("Arabic-Indic digits in a date", ["visit", "add", "H01", "--date", "٢٠٠٤-01-05"]),
    ("superscript members", ["household", "add", "王五", "--members", "²"]),
    ("money 10 digits", ["income", "add", "H01", "--month", "2004-04", "--amount", "1" + "0" * 9]),
]


@pytest.mark.parametrize("args", [a for _, a in REFUSED], ids=[n for n, _ in REFUSED])
def test_refused_in_one_line(seeded, args):
    before = file_digest(seeded.db)
    r = seeded(*args, code=2)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.output[:500]
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert file_digest(seeded.db) == before


def test_full_width_digits_still_count(seeded):
    seeded("income", "add", "H01", "--month", "２００４-０３", "--amount", "３００")
    assert seeded.scalar("SELECT amount FROM income WHERE month = '2004-03'") == 30000


def test_an_as_of_before_every_policy_uses_the_defaults(seeded):
    seeded("check", "visits", "--as-of", "1800-01-01")
    assert "shock_days" in seeded("policy", "show", "--as-of", "1800-01-01").stdout


def test_sums_of_the_largest_amounts_do_not_overflow(cli):
    """95,000 records of the largest amount: the quarter report adds them up exactly."""
    import sqlite3

    cli("cadre", "add", "吴局长", "--code", "C01")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2003-07-01")
    cli("pair", "add", "C01", "H01", "--since", "2003-07-10")
    cli("aid", "add", "H01", "--kind", "funds", "--value", "999999999.99", "--date", "2004-01-05")
    conn = sqlite3.connect(cli.db)
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 94999)"
        " INSERT INTO aid (household_id, date, kind, value, giver_cadre_id, giver, note)"
        " SELECT household_id, date, kind, value, giver_cadre_id, giver, note FROM aid, n"
    )
    conn.commit()
    conn.close()
    r = cli("report", "quarter", "2004Q1", "--format", "json")
    assert "94999999999050" in r.stdout.replace(".", "").replace(",", "")  # 95,000 × 999,999,999.99


def test_an_overflowing_sum_in_an_older_file_is_one_line(cli):
    import sqlite3

    cli("cadre", "add", "吴局长", "--code", "C01")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2003-07-01")
    cli("pair", "add", "C01", "H01", "--since", "2003-07-10")
    cli("aid", "add", "H01", "--kind", "funds", "--value", "1", "--date", "2004-01-05")
    conn = sqlite3.connect(cli.db)  # written by an older aidtrack that took 12 digits of yuan
    conn.execute("UPDATE aid SET value = 9000000000000000000")
    conn.execute(
        "INSERT INTO aid (household_id, date, kind, value, giver_cadre_id, giver, note)"
        " SELECT household_id, date, kind, value, giver_cadre_id, giver, note FROM aid"
    )
    conn.commit()
    conn.close()
    r = cli("report", "quarter", "2004Q1", code=2)
    assert r.stderr.count("\n") == 1 and "too large" in r.stderr
