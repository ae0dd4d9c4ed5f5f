"""The entry commands, end to end: each call's effect checked in the file afterwards."""

from __future__ import annotations

import json
import os
import stat


def test_init_creates_private_file(cli):
    cli("init")
    assert cli.db.exists()
    assert stat.S_IMODE(os.stat(cli.db).st_mode) == 0o600
    assert cli.scalar("PRAGMA journal_mode") == "wal"


def test_add_prints_code_and_stores_row(cli):
    r = cli("cadre", "add", "吴局长", "--title", "局长", "--phone", "13800000001")
    assert r.stdout.strip() == "C01"
    assert cli.rows("SELECT code, name, title, phone FROM cadres") == [
        ("C01", "吴局长", "局长", "13800000001")
    ]
    r = cli("cadre", "add", "李科长")
    assert r.stdout.strip() == "C02"


def test_household_add_enrols(cli):
    r = cli(
        "household",
        "add",
        "刘香福",
        "--members",
        "3",
        "--tag",
        "4050",
        "--tag",
        "低保",
        "--born",
        "1952-03-04",
        "--gender",
        "male",
        "--enrolled",
        "2003-07-01",
    )
    assert r.stdout.strip() == "H01"
    assert cli.rows("SELECT name, members, tags, born, gender FROM households") == [
        ("刘香福", 3, "4050,低保", "1952-03-04", "male")
    ]
    assert cli.rows("SELECT status, date FROM statuses") == [("enrolled", "2003-07-01")]


def test_visit_add_finds_pairing_and_problems(story):
    r = story(
        "visit",
        "add",
        "H01",
        "--date",
        "2003-07-10",
        "--kind",
        "initial",
        "--situation",
        "送米面油",
        "--problem",
        "无收入",
        "--problem",
        "看病难",
        "--escalate",
    )
    vid = int(r.stdout.strip())
    assert story.rows(
        "SELECT v.date, v.kind, p.cadre_id FROM visits v JOIN pairings p"
        " ON p.id = v.pairing_id WHERE v.id = ?",
        [vid],
    ) == [("2003-07-10", "initial", 1)]
    assert story.rows("SELECT problem, escalated FROM problems ORDER BY id") == [("无收入", 1), ("看病难", 1)]


def test_visit_by_wrong_cadre_refused(story):
    before = story.checksum()
    r = story("visit", "add", "H01", "--cadre", "C02", "--date", "2003-08-01", code=2)
    assert "cadre" in r.stderr and "C02" in r.stderr
    assert story.checksum() == before


def test_second_active_pairing_refused_until_ended(story):
    before = story.checksum()
    r = story("pair", "add", "C02", "H01", "--since", "2004-01-01", code=2)
    assert "pair end" in r.stderr
    assert story.checksum() == before
    story("pair", "end", "H01", "--date", "2003-12-31")
    story("pair", "add", "C02", "H01", "--since", "2004-01-01")
    assert story.rows(
        "SELECT cadre_id, since, until FROM pairings WHERE household_id = 1 ORDER BY since"
    ) == [(1, "2003-07-10", "2003-12-31"), (2, "2004-01-01", None)]


def test_income_duplicate_refused_with_hint(story):
    story("income", "add", "H01", "--month", "2004-09", "--amount", "¥650.5", "--source", "三轮车")
    assert story.rows("SELECT month, amount, source FROM income") == [("2004-09", 65050, "三轮车")]
    before = story.checksum()
    r = story("income", "add", "H01", "--month", "2004-09", "--amount", "600", "--source", "三轮车", code=2)
    assert "income edit" in r.stderr
    assert story.checksum() == before


def test_aid_giver_cadre_or_text(story):
    story(
        "aid", "add", "H01", "--kind", "funds", "--value", "700", "--giver", "吴局长", "--date", "2003-08-01"
    )
    story(
        "aid",
        "add",
        "H01",
        "--kind",
        "goods",
        "--value",
        "120元",
        "--giver",
        "局党委",
        "--date",
        "2004-01-20",
    )
    assert story.rows("SELECT kind, value, giver_cadre_id, giver FROM aid ORDER BY id") == [
        ("funds", 70000, 1, None),
        ("goods", 12000, None, "局党委"),
    ]
    data = json.loads(story("aid", "list", "--format", "json").stdout)
    assert [(a["giver"], a["value"]) for a in data] == [("C01", 700.0), ("局党委", 120.0)]


def test_list_json_shape(story):
    data = json.loads(story("household", "list", "--format", "json").stdout)
    assert data[0]["code"] == "H01" and data[0]["members"] == 3 and data[0]["tags"] == ["4050"]
    assert data[0]["status"] == "enrolled" and data[0]["cadre"] == "C01"
    one = json.loads(story("household", "show", "刘香福", "--format", "json").stdout)
    assert one["code"] == "H01"


def test_list_csv(story):
    out = story("pair", "list", "--format", "csv").stdout.splitlines()
    assert out[0] == "id,cadre,cadre_name,household,household_name,since,until"
    assert out[1] == "1,C01,吴局长,H01,刘香福,2003-07-10,"


def test_status_history_and_filter(story):
    story("household", "status", "H01", "--set", "exited", "--date", "2004-03-31", "--reason", "稳定")
    assert story.rows("SELECT status, date FROM statuses WHERE household_id = 1 ORDER BY id") == [
        ("enrolled", "2003-07-01"),
        ("exited", "2004-03-31"),
    ]
    data = json.loads(story("household", "list", "--status", "exited", "--format", "json").stdout)
    assert [h["code"] for h in data] == ["H01"]


def test_edit_and_delete_are_audited(story):
    story("income", "add", "H01", "--month", "2004-08", "--amount", "650")
    story("income", "edit", "1", "--amount", "680")
    assert story.scalar("SELECT amount FROM income WHERE id = 1") == 68000
    before, after = story.rows("SELECT before, after FROM audit WHERE action = 'edit'")[0]
    assert json.loads(before)["amount"] == 650.0 and json.loads(after)["amount"] == 680.0
    story("income", "delete", "1", "--yes")
    assert story.scalar("SELECT count(*) FROM income") == 0
    assert story.scalar("SELECT count(*) FROM audit WHERE action = 'delete'") == 1


def test_delete_without_yes_off_terminal_refused(story):
    story("income", "add", "H01", "--month", "2004-08", "--amount", "650")
    r = story("income", "delete", "1", code=2)
    assert "--yes" in r.stderr
    assert story.scalar("SELECT count(*) FROM income") == 1


def test_problem_resolve(story):
    story("visit", "add", "H01", "--date", "2003-08-01", "--problem", "医药费")
    story("problem", "resolve", "1", "--date", "2003-08-20", "--note", "局党委解决")
    assert story.rows("SELECT resolved_on, resolution FROM problems") == [("2003-08-20", "局党委解决")]
    open_ = json.loads(story("problem", "list", "--open", "--format", "json").stdout)
    assert open_ == []


def test_policy_set_with_effective_date(story):
    story("policy", "set", "poverty_line", "220", "--from", "2005-01-01")
    assert story.rows("SELECT key, value, effective_from FROM policy WHERE key <> 'cases_from'") == [
        ("poverty_line", 22000, "2005-01-01")
    ]
    old = {
        r["key"]: r["value"]
        for r in json.loads(story("policy", "show", "--as-of", "2004-12-31", "--format", "json").stdout)
    }
    new = {
        r["key"]: r["value"]
        for r in json.loads(story("policy", "show", "--as-of", "2005-01-01", "--format", "json").stdout)
    }
    assert old["poverty_line"] == 200.0 and new["poverty_line"] == 220.0


def test_log_operator(story):
    story("--operator", "张会计", "cadre", "add", "王干部")
    assert story.rows("SELECT operator, action, entity, record FROM audit ORDER BY id DESC LIMIT 1") == [
        ("张会计", "add", "cadres", "C03")
    ]
    out = json.loads(story("log", "--limit", "1", "--format", "json").stdout)
    assert out[0]["operator"] == "张会计" and out[0]["after"]["name"] == "王干部"
    lines = story("log", "--limit", "1", "--format", "lines").stdout.splitlines()
    assert lines[2] == "operator  张会计" and lines[-1].startswith("change    code=C03, name=王干部")


def test_markup_in_names_printed_as_typed(cli):
    cli("cadre", "add", "[red]x[/red]", "--code", "C9")
    out = cli("cadre", "list").stdout
    assert "[red]x[/red]" in out


def test_records_an_import_could_not_tell_apart_are_refused(story):
    """Natural keys no UNIQUE constraint holds (aid, status entries, problems) are checked on add, so
    that every register's export imports back."""
    story("aid", "add", "H01", "--kind", "funds", "--value", "200", "--giver", "C01", "--date", "2004-01-20")
    before = story.checksum()
    r = story(
        "aid",
        "add",
        "H01",
        "--kind",
        "funds",
        "--value",
        "200",
        "--giver",
        "吴局长",
        "--date",
        "2004-01-20",
        code=2,
    )
    assert "aid 1" in r.stderr and story.checksum() == before
    # a note of its own tells a second equal gift apart (two bags of rice from two drives)
    story(
        "aid",
        "add",
        "H01",
        "--kind",
        "funds",
        "--value",
        "200",
        "--giver",
        "C01",
        "--date",
        "2004-01-20",
        "--note",
        "另一笔",
    )
    story(
        "aid", "add", "H01", "--kind", "funds", "--value", "200", "--giver", "局党委", "--date", "2004-01-20"
    )
    story("household", "status", "H01", "--set", "exited", "--date", "2004-03-31")
    before = story.checksum()
    story("household", "status", "H01", "--set", "exited", "--date", "2004-03-31", code=2)
    assert story.checksum() == before
    story("visit", "add", "H01", "--date", "2004-02-01", "--problem", "看病难", "--problem", "看病难", code=2)
    assert story.checksum() == before
    assert story.scalar("SELECT count(*) FROM aid") == 3


def test_pairing_problem_cadre_household_corrections(story):
    story("visit", "add", "H01", "--date", "2003-08-01", "--problem", "医药费")
    # a pairing's dates may move, but not past its visits
    before = story.checksum()
    r = story("pair", "edit", "1", "--since", "2003-08-05", code=2)
    assert "outside" in r.stderr and story.checksum() == before
    story("pair", "edit", "1", "--since", "2003-07-01")
    assert story.scalar("SELECT since FROM pairings WHERE id = 1") == "2003-07-01"
    # a pairing with visits cannot be deleted; one entered by mistake can
    story("pair", "delete", "1", "--yes", code=2)
    story("cadre", "add", "错录", "--code", "C09")
    story("household", "add", "错录户", "--code", "H09")
    pid = int(story("pair", "add", "C09", "H09", "--since", "2004-01-01").stdout)
    story("pair", "delete", str(pid), "--yes")
    story("household", "delete", "H09", "--yes")
    story("cadre", "delete", "C09", "--yes")
    assert story.rows("SELECT count(*) FROM households WHERE code = 'H09'") == [(0,)]
    assert story.rows(
        "SELECT count(*) FROM statuses WHERE household_id NOT IN (SELECT id FROM households)"
    ) == [(0,)]
    r = story("household", "delete", "H01", "--yes", code=2)  # its pairing and visit refer to it
    assert "refer" in r.stderr
    # a problem can be corrected and deleted
    story("problem", "edit", "1", "--escalate", "--problem", "医药费无力承担")
    assert story.rows("SELECT problem, escalated FROM problems") == [("医药费无力承担", 1)]
    story("problem", "delete", "1", "--yes")
    assert story.scalar("SELECT count(*) FROM problems") == 0
    assert story.scalar("SELECT count(*) FROM audit WHERE action = 'delete'") == 4
