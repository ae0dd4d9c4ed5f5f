"""What the director reads, the rest of issue #26: the quarter's typical cases as a kind of record,
the unit's name from policy in the title, the quarter-wide items in CSV."""

from __future__ import annotations

import json

from conftest import Cli


def test_quarter_notes_are_a_kind_known_everywhere(story: Cli, tmp_path):
    """`report note` adds one; list, export, import and delete follow from kinds.QUARTER_NOTES."""
    story("report", "note", "2004Q3", "刘香福术后返贫，回访发现")
    story("note", "add", "--quarter", "2004-q2", "--text", "满运良开食杂店", "--written", "2004-07-01")
    assert story.rows("SELECT id, quarter, text, written FROM quarter_notes ORDER BY id")[1] == (
        2,
        "2004Q2",  # 2004-q2 as the validator reads it
        "满运良开食杂店",
        "2004-07-01",
    )
    listed = json.loads(story("note", "list", "--quarter", "2004Q3", "--format", "json").stdout)
    assert [(n["id"], n["quarter"], n["text"]) for n in listed] == [(1, "2004Q3", "刘香福术后返贫，回访发现")]
    # the validator refuses what `report note` refuses, on every path
    story("note", "add", "--quarter", "2004Q5", "--text", "x", code=2)
    story("note", "add", "--quarter", "2004Q3", "--text", "x" * 2001, code=2)
    story("note", "add", "--quarter", "2004Q3", "--text", "刘香福术后返贫，回访发现", code=2)  # a duplicate
    assert story.scalar("SELECT count(*) FROM quarter_notes") == 2

    out = tmp_path / "notes.csv"
    out.write_text(story("export", "quarter_notes", "--format", "csv", "--headers", "zh").stdout, "utf-8")
    assert out.read_text("utf-8").splitlines()[0] == "季度,典型事例,填写日期"
    other = Cli(tmp_path / "other.db")
    other("init")
    other("import", "quarter_notes", str(out))
    other("import", "quarter_notes", str(out))  # seen: unchanged, not doubled
    assert other.rows("SELECT quarter, text, written FROM quarter_notes ORDER BY quarter") == [
        ("2004Q2", "满运良开食杂店", "2004-07-01"),
        story.rows("SELECT quarter, text, written FROM quarter_notes WHERE id = 1")[0],
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("quarter,text\n2004Q9,某事\n", "utf-8")
    other("import", "quarter_notes", str(bad), code=2)
    assert other.scalar("SELECT count(*) FROM quarter_notes") == 2

    story("note", "delete", "2", "--yes")
    assert story.rows("SELECT id FROM quarter_notes") == [(1,)]
    report = json.loads(story("report", "quarter", "2004Q3", "--format", "json").stdout)
    assert [n["text"] for n in report["director"]["notes"]] == ["刘香福术后返贫，回访发现"]


def _title(cli: Cli, quarter: str) -> str:
    page = cli("--lang", "zh", "report", "quarter", quarter, "--format", "html").stdout
    return page.split("<title>", 1)[1].split("</title>", 1)[0]


def test_the_units_name_comes_from_policy_dated_with_the_cadres_unit_as_fallback(story: Cli):
    story("cadre", "edit", "C01", "--unit", "市交通局")
    story("cadre", "edit", "C02", "--unit", "市交通局")
    for q in ("2004Q2", "2004Q3"):
        assert _title(story, q) == f"市交通局{q[:4]}年第{'二三'[int(q[-1]) - 2]}季度“一帮一”帮扶工作汇总表"
    # its Chinese key name, from 2004-07-01 on: Q3 ends after it, Q2 before it keeps the fallback
    out = story("policy", "set", "单位名称", "某某局", "--from", "2004-07-01").stdout
    assert "unit_name = 某某局 from 2004-07-01" in out
    assert story.rows("SELECT key, value, text, effective_from FROM policy WHERE key = 'unit_name'") == [
        ("unit_name", 0, "某某局", "2004-07-01")
    ]
    assert _title(story, "2004Q3") == "某某局2004年第三季度“一帮一”帮扶工作汇总表"
    assert _title(story, "2004Q2") == "市交通局2004年第二季度“一帮一”帮扶工作汇总表"
    shown = json.loads(story("policy", "show", "--as-of", "2004-08-01", "--format", "json").stdout)
    assert next(r for r in shown if r["key"] == "unit_name")["value"] == "某某局"
    # a rename later is dated too: 2004Q3 keeps the name it was reported under
    story("policy", "set", "unit_name", "某某管理局", "--from", "2004-10-01")
    assert _title(story, "2004Q3") == "某某局2004年第三季度“一帮一”帮扶工作汇总表"
    year = story("--lang", "zh", "report", "year", "2004", "--format", "html").stdout
    assert "某某管理局" in year  # the name in force at the year's end
    # cleared: the cadres' unit again; too long: refused, nothing written
    story("policy", "set", "unit_name", "none", "--from", "2004-07-01")
    assert _title(story, "2004Q3") == "市交通局2004年第三季度“一帮一”帮扶工作汇总表"
    before = story.rows("SELECT * FROM policy ORDER BY id")
    story("policy", "set", "unit_name", "局" * 101, code=2)
    assert story.rows("SELECT * FROM policy ORDER BY id") == before


def _csv(cli: Cli, *args: str) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(cli(*args).stdout)))


def test_the_quarter_wide_items_are_in_the_csv_as_in_the_json(demo: Cli):
    """`--part summary|movements|meetings|notes`: each figure of the JSON's totals and director's half
    is a row a script reads back to the same value; the lists name their households."""
    demo("report", "note", "2004Q3", "刘香福术后返贫，回访发现")
    report = json.loads(demo("report", "quarter", "2004Q3", "--format", "json").stdout)
    t, d = report["totals"], report["director"]
    q3 = ("report", "quarter", "2004Q3", "--format", "csv", "--part")
    summary = _csv(demo, *q3, "summary")
    assert list(summary[0]) == ["section", "item", "value", "households"]
    got = {(r["section"], r["item"]): (r["value"], r["households"]) for r in summary}
    assert len(got) == len(summary)  # one row per figure

    def number(section: str, item: str) -> float:
        return float(got[section, item][0])

    # the seed's quarter, by hand: 10 pairings, 4 households prospered (H08, H04, H07, H06 in date
    # order), 2 + 2 + 4 + 2 livelihoods out of poverty, one committee meeting with one decision
    assert number("totals", "pairings") == 10
    assert got["moved", "prosperous"] == ("4", "H08 H04 H07 H06")
    assert [number("livelihoods", lv) for lv in ("commerce", "husbandry", "transport", "employment")] == [
        2,
        2,
        4,
        2,
    ]
    assert number("committee", "held") == 1 and number("notes", "count") == 1
    # every figure as the JSON has it
    for key, value in t.items():
        if isinstance(value, dict):
            for k, v in value.items():
                assert number("committee" if key == "meetings" else key, k) == v, (key, k)
        elif isinstance(value, bool):
            assert got["totals", key][0] == ("yes" if value else "no")
        elif value is not None:
            assert number("totals", key) == value, key
    for move, entries in d["moved"].items():
        assert got["moved", move] == (str(len(entries)), " ".join(e["household"] for e in entries))
    for line in ("poverty_line", "monitoring_line", "households_with_income"):
        assert number("lines", line) == d["lines"][line]
    for line in ("under_poverty_line", "under_monitoring_line"):
        assert got["lines", line] == (str(len(d["lines"][line])), " ".join(d["lines"][line]))
    for category, n in d["monitoring"]["by_category"].items():
        codes = [h for h, c in d["monitoring"]["households"].items() if c == category]
        assert got["monitoring", category] == (str(n), " ".join(codes))
    for section in ("aid_by_source", "livelihoods", "in_work"):
        assert {k: number(section, k) for k in d[section]} == d[section]
    # aid by whose money adds up to the quarter's aid, to the fen
    assert round(sum(number("aid_by_source", k) for k in d["aid_by_source"]), 2) == t["aid_value"]

    movements = _csv(demo, *q3, "movements")
    assert [(r["movement"], r["household"], r["date"]) for r in movements] == [
        (m, e["household"], e["date"]) for m, es in d["moved"].items() for e in es
    ]
    meetings = _csv(demo, *q3, "meetings")
    assert [(r["date"], r["household"], r["decision"], r["due"]) for r in meetings] == [
        (m["date"], i["household"], i["decision"], i["due"]) for m in d["meetings"] for i in m["items"]
    ]
    assert meetings and meetings[0]["kind"] == "committee"
    assert _csv(demo, *q3, "notes") == [
        {"quarter": "2004Q3", "text": "刘香福术后返贫，回访发现", "written": d["notes"][0]["written"]}
    ]
    # the default part is the pairings, as before; a part is for CSV only
    assert len(_csv(demo, "report", "quarter", "2004Q3", "--format", "csv")) == 10
    demo("report", "quarter", "2004Q3", "--format", "json", "--part", "summary", code=2)
    demo("report", "quarter", "2004Q3", "--format", "csv", "--part", "everything", code=2)
