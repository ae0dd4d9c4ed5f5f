"""The clerk's screen: tables at 80 columns never crop a column nor break a code, a date or a number;
Chinese text breaks by Chinese rules; narrow terminals get one record per block."""

from __future__ import annotations

import pytest

from aidtrack.layout import NO_START, fit, width_of, wrap


def test_wrap_never_starts_a_line_with_closing_punctuation():
    text = "吴局长用车送医院请外科专家复查，买药品200元；经局党委研究评定脱贫。"
    for width in range(4, 30):
        lines = wrap(text, width)
        assert "".join(lines) == text
        assert all(width_of(ln) <= width for ln in lines), (width, lines)
        assert not any(ln[0] in NO_START for ln in lines if ln), (width, lines)


def test_wrap_keeps_terms_numbers_and_amounts_whole():
    lines = wrap("经局党委研究评定脱贫", 7)  # 评定脱/贫 was the old break
    assert "脱贫" in "".join(ln for ln in lines if "脱" in ln)
    assert any("200元" in ln or ln.startswith("200") for ln in wrap("买药品200元", 8))
    assert all("2004-09-20" in ln or "2004" not in ln for ln in wrap("复查日期2004-09-20下午", 12))


def test_fit_gives_codes_and_dates_their_width_or_nothing():
    widths = fit([["H01"], ["2004-09-20"], ["很长的情况说明" * 5]], ["code", "date", "situation"], 40)
    assert widths is not None and widths[0] >= 4 and widths[1] == 10
    assert sum(widths) + 3 * 3 + 1 <= 40
    assert fit([["2004-09-20"]] * 9, ["date"] * 9, 80) is None  # nine dates cannot fit 80 cells


@pytest.fixture
def narrow(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")


def _lines(out: str) -> list[str]:
    return out.splitlines()


def test_lists_at_80_columns_keep_every_column_whole(story, narrow):
    story("household", "edit", "H01", "--address", "解放路3号")
    story(
        "visit",
        "add",
        "H01",
        "--date",
        "2004-09-20",
        "--kind",
        "followup",
        "--event",
        "illness",
        "--situation",
        "胃穿孔手术，在家休养，生活又陷入困境，吴局长用车送医院请外科专家复查，买药品200元",
        "--solved",
        "局长陪同住院",
    )
    story("income", "add", "H01", "--month", "2004-09", "--amount", "1200")
    for args in (("household", "list"), ("visit", "list"), ("income", "list"), ("cadre", "list")):
        out = story(*args).stdout
        lines = _lines(out)
        assert all(width_of(ln) <= 80 for ln in lines), (args, max(map(width_of, lines)))
        assert all(ln == ln.rstrip() for ln in lines), args  # no trailing padding when piped
        # codes, dates, kinds and amounts are printed whole, on one line each
        if args[0] == "visit":
            assert "2004-09-20" in out and "followup" in out and "H01" in out
        if args[0] == "income":
            assert "1200.00" in out and "2004-09" in out
        if args[0] == "household":
            assert "解放路3号" in out.replace("\n", "").replace(" ", "") and "H01" in out


def test_amounts_right_aligned(story, narrow):
    story("income", "add", "H01", "--month", "2004-08", "--amount", "50")
    story("income", "add", "H01", "--month", "2004-09", "--amount", "1200")
    out = story("income", "list").stdout
    rows = [ln for ln in _lines(out) if "2004-0" in ln]
    ends = {ln.index("50.00") + len("50.00") if "50.00" in ln else ln.index("1200.00") + 7 for ln in rows}
    assert len(ends) == 1, rows  # the amounts end in one column


def test_too_narrow_for_a_table_prints_one_record_per_block(story, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    story("visit", "add", "H01", "--date", "2004-09-20", "--situation", "胃穿孔手术，在家休养")
    out = story("visit", "list").stdout
    assert "date            2004-09-20" in out or "date" in out.splitlines()[1]
    assert all(width_of(ln) <= 40 for ln in out.splitlines())
    assert out == story("visit", "list", "--format", "lines").stdout


def test_chinese_headers_at_80_columns(story, narrow):
    story("--lang", "zh", "visit", "add", "H01", "--date", "2004-09-20", "--situation", "生活稳定")
    out = story("--lang", "zh", "visit", "list").stdout
    assert all(width_of(ln) <= 80 for ln in out.splitlines())
    assert "2004-09-20" in out


def test_help_names_option_values_not_python_types(cli):
    out = cli.invoke(["household", "add", "--help"]).output
    assert "TAG…" in out and "CODE" in out and "ENROLLED" in out
    assert "<bool>" not in out and "<list[str]>" not in out
    options = out[out.index("Options") :]
    assert "<str>" not in options  # arguments still show their type column (Typer's own)


def test_a_key_and_its_value_stay_on_one_line():
    # The audit log's changes: `date=2003-07-22,` is one piece, and `=` never ends a line.
    text = "household=H01, date=2003-07-22, kind=funds, note=买三轮车"
    for width in range(17, 40):
        lines = wrap(text, width)
        assert any("date=2003-07-22," in ln for ln in lines), (width, lines)
        assert not any(ln.endswith("=") for ln in lines), (width, lines)


def test_fit_keeps_an_english_header_and_a_dated_token_whole():
    # household_name was folded as household / _name; a change's date=2003-07-22, cut at its comma.
    texts = [["刘香福"], ["household=H01, date=2003-07-22, kind=funds"]]
    widths = fit(texts, ["household_name", "change"], 60)
    assert widths is not None and widths[0] >= len("household_name") and widths[1] >= len("date=2003-07-22,")
    # Where that cannot be, no table at all (the caller prints one record per block).
    assert fit(texts, ["household_name", "change"], 30) is None


def test_report_fields_keep_their_labels_on_one_line_at_80_columns(story, narrow):
    out = story("report", "quarter", "2003Q3").stdout
    totals = out[out.index("Totals") :].splitlines()
    assert any(ln.strip().startswith("Escalated problems open at quarter end") for ln in totals), totals
    assert all(len(ln) <= 80 for ln in out.splitlines())


def test_table_titles_start_at_the_margin():
    import io

    from aidtrack.render import console, print_table

    buf = io.StringIO()
    rows = [{"records": "cadres", "count": 2}]
    print_table(console(buf), rows, ("records", "count"), title="Records")  # was " Records", centred
    assert buf.getvalue().startswith("Records\n"), buf.getvalue()


def test_piped_reports_carry_no_padding(story):
    """Every line of a report written to a pipe or file ends with its last character, totals too."""
    story("visit", "add", "H01", "--date", "2003-08-01", "--situation", "生活困难")
    for args in (("report", "quarter", "2003Q3"), ("report", "cadres", "2003Q3"), ("report", "outcomes")):
        out = story(*args).stdout
        assert not [ln for ln in out.splitlines() if ln != ln.rstrip()], args


def test_chinese_titles_name_the_period_in_words(story):
    out = story("--lang", "zh", "report", "cadres", "2004").stdout
    assert out.splitlines()[0].startswith("2004年度目标责任制考核（2004-01-01 至 2004-12-31）")
    empty = story("--lang", "zh", "report", "quarter", "2010Q1").stdout
    assert "2010年第一季度" in empty.splitlines()[0]


def test_a_name_is_never_split_across_lines():
    text = "H01 刘香福 (no income recorded); H02 满运良 (no income recorded); H03 王建军 (no income recorded)"
    for width in range(8, 60):
        lines = wrap(text, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        for name in ("刘香福", "满运良", "王建军"):
            assert any(name in ln for ln in lines), (width, lines)
    # A long run of Chinese still breaks by Chinese rules (no line starts with closing punctuation).
    assert len(wrap("吴局长用车送医院请外科专家复查，买药品200元", 10)) > 1


def test_json_reports_write_each_record_on_a_line_at_any_depth():
    """write_json_records: an object key by key, indented by depth; a list of records (even inside
    an object, like the quarter report's attention) one record a line; other values as indent=2.
    The text is the same JSON as json.dumps."""
    import io
    import json

    from aidtrack.render import write_json_records

    data = {
        "quarter": "2004Q3",
        "pairings": [{"household": "H01", "visits": 2}, {"household": "H02", "visits": 1}],
        "attention": {
            "as_of": "2004-09-30",
            "relapse_risk": [{"household": "H01", "reasons": ["shock"]}],
            "visits_short": [],
            "days": [1, 2],
        },
        "empty": {},
    }
    buf = io.StringIO()
    write_json_records(data, buf)
    assert json.loads(buf.getvalue()) == data
    assert buf.getvalue().splitlines() == [
        "{",
        '  "quarter": "2004Q3",',
        '  "pairings": [',
        '    {"household": "H01", "visits": 2},',
        '    {"household": "H02", "visits": 1}',
        "  ],",
        '  "attention": {',
        '    "as_of": "2004-09-30",',
        '    "relapse_risk": [',
        '      {"household": "H01", "reasons": ["shock"]}',
        "    ],",
        '    "visits_short": [],',
        '    "days": [',
        "      1,",
        "      2",
        "    ]",
        "  },",
        '  "empty": {}',
        "}",
    ]
