"""Finding people: `--search` on household, cadre and visit lists, pinyin initials, literal wildcards."""

from __future__ import annotations

import json


def codes(result) -> list[str]:
    return [r.get("code") or r.get("household") for r in json.loads(result.stdout)]


def test_household_search_by_each_field(story):
    story("household", "edit", "H02", "--phone", "13904511234", "--address", "道里区安静街5号")
    story(
        "household",
        "add",
        "刘桂芝",
        "--code",
        "H03",
        "--id-number",
        "230102196503041129",
        "--enrolled",
        "2003-07-01",
    )
    find = lambda text: codes(story("household", "list", "--search", text, "--format", "json"))  # noqa: E731
    assert find("刘") == ["H01", "H03"]
    assert find("0451") == ["H02"]  # phone
    assert find("安静街") == ["H02"]  # address
    assert find("19650304") == ["H03"]  # ID number
    assert find("4050") == ["H01"]  # tag
    assert find("C02") == ["H02"]  # active cadre
    assert find("lxf") == ["H01"]  # pinyin initials of 刘香福
    assert find("LGZ") == ["H03"]  # any case
    assert find("myl") == ["H02"]
    assert find("zzz") == []


def test_wildcards_are_literal(story):
    assert codes(story("household", "list", "--search", "%", "--format", "json")) == []
    assert codes(story("household", "list", "--search", "_", "--format", "json")) == []
    story("household", "add", "王_五", "--code", "H09", "--enrolled", "2003-07-01")
    assert codes(story("household", "list", "--search", "_", "--format", "json")) == ["H09"]


def test_cadre_and_visit_search(story):
    assert [
        r["code"] for r in json.loads(story("cadre", "list", "-s", "局长", "--format", "json").stdout)
    ] == ["C01", "C02"]
    assert [
        r["code"] for r in json.loads(story("cadre", "list", "-s", "wjz", "--format", "json").stdout)
    ] == ["C01"]
    story("visit", "add", "H01", "--date", "2004-09-20", "--situation", "胃穿孔手术后在家休养")
    story("visit", "add", "H02", "--date", "2004-09-21", "--situation", "生活稳定")
    found = json.loads(story("visit", "list", "--search", "胃穿孔", "--format", "json").stdout)
    assert [(v["household"], v["date"]) for v in found] == [("H01", "2004-09-20")]
    assert len(json.loads(story("visit", "list", "-s", "myl", "--format", "json").stdout)) == 1


def test_empty_search_is_an_error(story):
    r = story("household", "list", "--search", "  ", code=2)
    assert r.stderr.startswith("Error: search:")


def test_shell_completion_offers_codes_and_values(story, monkeypatch):
    """Completion reads the register named by --db (read-only) and the fixed lists of values."""

    def complete(line: str) -> str:
        monkeypatch.setenv("_AIDTRACK_COMPLETE", "complete_zsh")
        monkeypatch.setenv("_TYPER_COMPLETE_ARGS", line)
        try:
            return story.invoke(line.split()[1:]).output
        finally:
            monkeypatch.delenv("_AIDTRACK_COMPLETE")
            monkeypatch.delenv("_TYPER_COMPLETE_ARGS")

    before = story.checksum()
    out = complete(f"aidtrack --db {story.db} household show H")
    assert '"H01":"刘香福"' in out and '"H02":"满运良"' in out
    assert '"H01"' not in complete(f"aidtrack --db {story.db} household show H02")
    assert '"C01":"吴局长"' in complete(f"aidtrack --db {story.db} visit list --cadre C")
    assert "followup" in complete(f"aidtrack --db {story.db} visit add H01 --kind f")
    assert "lines" in complete(f"aidtrack --db {story.db} household list --format l")
    assert "exited" in complete(f"aidtrack --db {story.db} household list --status e")
    assert "zh" in complete("aidtrack --lang z")
    assert "roster" in complete(f"aidtrack --db {story.db} import r")
    assert "template" in complete(f"aidtrack --db {story.db} export t")
    assert story.checksum() == before
    missing = story.db.parent / "nowhere.db"
    assert '"H01"' not in complete(f"aidtrack --db {missing} household show H")
    assert not missing.exists()
