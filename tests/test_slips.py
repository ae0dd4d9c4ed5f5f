"""Likely slips are warned about on stderr, and the record is stored all the same (exit 0)."""

from __future__ import annotations


def test_same_name_and_born_household(story):
    story("household", "edit", "H01", "--born", "1952-03-01")
    r = story("household", "add", "刘香福", "--born", "1952-03-01", "--enrolled", "2003-07-01")
    assert "Warning: household H01 刘香福 has the same name and born date" in r.stderr
    assert r.stdout.strip() == "H03"
    assert story.scalar("SELECT count(*) FROM households WHERE name = '刘香福'") == 2
    r = story("household", "add", "满运良", "--enrolled", "2003-07-01")
    assert "household H02 满运良 has the same name:" in r.stderr
    r = story("household", "add", "张三", "--enrolled", "2003-07-01")
    assert r.stderr == ""


def test_cadre_taking_a_second_household(story):
    story("household", "add", "张三", "--code", "H05", "--enrolled", "2003-07-01")
    r = story("pair", "add", "C01", "H05", "--since", "2004-01-01")
    assert "Warning: C01 already helps H01 刘香福: one helps one" in r.stderr
    assert story.scalar("SELECT count(*) FROM pairings WHERE until IS NULL AND cadre_id = 1") == 2


def test_income_ten_times_the_usual(story):
    for month, amount in (("2004-01", "300"), ("2004-02", "320"), ("2004-03", "310")):
        assert story("income", "add", "H01", "--month", month, "--amount", amount).stderr == ""
    assert story("income", "add", "H01", "--month", "2004-04", "--amount", "3099").stderr == ""
    r = story("income", "add", "H01", "--month", "2004-05", "--amount", "3100")  # median 310 × 10
    assert "3100.00 yuan is ten times this household's usual month (310.00 yuan)" in r.stderr
    assert story.scalar("SELECT amount FROM income WHERE month = '2004-05'") == 310000


def test_second_visit_on_the_same_day(story):
    story("visit", "add", "H01", "--date", "2004-03-01")
    r = story("visit", "add", "H01", "--date", "2004-03-01", "--kind", "followup")
    assert "Warning: visit 1 (regular) of this pairing is on the same day" in r.stderr
    assert story.scalar("SELECT count(*) FROM visits") == 2


def test_two_equal_gifts_of_one_day_told_apart_by_their_note(story, tmp_path):
    gift = ("aid", "add", "H01", "--kind", "goods", "--value", "50", "--date", "2004-01-20")
    story(*gift, "--note", "党员捐助")
    r = story(*gift, "--note", "党员捐助", code=2)
    assert "needs a note of its own" in r.stderr
    story(*gift, "--note", "工会慰问")
    out = tmp_path / "aid.csv"
    story("export", "aid", "--out", str(out))
    # the export imports back as unchanged: the note is part of the natural key
    r = story("import", "aid", str(out), "--summary", "json")
    assert '"unchanged": 2' in r.stdout and '"added": 0' in r.stdout


def test_log_shows_values_as_typed_and_local_time(story):
    import os

    story("cadre", "edit", "C02", "--title", "科员")
    story("income", "add", "H01", "--month", "2004-01", "--amount", "520")
    story("income", "edit", "1", "--amount", "525")
    story("household", "status", "H01", "--set", "exited", "--date", "2004-03-31")
    os.environ["TZ"] = "Asia/Shanghai"
    try:
        import time

        time.tzset()
        rows = {r["id"]: r for r in __import__("json").loads(story("log", "--format", "json").stdout)}
    finally:
        del os.environ["TZ"]
        time.tzset()
    changes = [r["change"] for r in sorted(rows.values(), key=lambda r: r["id"])]
    assert "title: (empty) → 科员" in changes
    assert "amount: 520.00 → 525.00" in changes
    assert not any("520.0 " in c or "None" in c or "False" in c for c in changes), changes
    newest = rows[max(rows)]
    assert newest["when"].endswith(" +08:00") and newest["at"].endswith("+00:00")
