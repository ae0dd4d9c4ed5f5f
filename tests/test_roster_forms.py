"""A clerk's own spreadsheet: row numbers, year-first dates as registers write them, livelihoods in words."""

from __future__ import annotations

from pathlib import Path

from aidtrack import parse
from aidtrack.model import LIVELIHOOD_WORDS

DOCS = Path(__file__).resolve().parents[1] / "docs" / "import-format.md"


def test_year_first_dates_and_months():
    for text in ("1951.8.12", "1951年8月12日", "1951/8/12", "1951-8-12", "１９５１年８月１２日"):
        assert parse.date(text).isoformat() == "1951-08-12", text
    for text in ("2003.7", "2003年7月", "2003/07", "2003-7"):
        assert parse.month(text) == "2003-07", text


def test_ambiguous_dates_refused():
    import pytest

    from aidtrack.model import AidtrackError

    for text in ("7/1/2003", "1/7/2003", "03.7.1", "2003.13.1", "2003年2月30日"):
        with pytest.raises(AidtrackError):
            parse.date(text)


def test_roster_with_row_numbers_dotted_dates_and_words(story, tmp_path):
    f = tmp_path / "households.csv"
    f.write_text(
        "序号,户主,出生日期,生计,纳入日期\n"
        "1,王桂芝,1955.3.2,开小卖店,2003年7月1日\n"
        "2,赵大林,1949/11/20,三轮车运输,2003/7/1\n",
        encoding="utf-8",
    )
    story("import", "households", str(f))
    assert story.rows("SELECT name, born, livelihood FROM households WHERE id > 2 ORDER BY id") == [
        ("王桂芝", "1955-03-02", "commerce"),
        ("赵大林", "1949-11-20", "transport"),
    ]
    assert story.rows("SELECT min(date) FROM statuses WHERE household_id > 2") == [("2003-07-01",)]
    bad = tmp_path / "bad.csv"
    bad.write_text("序号,户主,生计\n1,孙某,炒股\n", encoding="utf-8")
    r = story("import", "households", str(bad), code=2)
    assert "livelihood: must be one of" in r.stderr


def test_every_livelihood_word_is_in_the_docs():
    text = DOCS.read_text(encoding="utf-8")
    for word, value in LIVELIHOOD_WORDS.items():
        assert word in text and f"`{value}`" in text, word
