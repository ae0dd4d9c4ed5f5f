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
