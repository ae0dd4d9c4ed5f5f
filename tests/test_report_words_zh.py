"""The assessment's and the quarter report's words in Chinese (issue 24: 结对天数, 名次, the
quarters of a year named in Chinese, full-width brackets around a share)."""

from __future__ import annotations

import json

import pytest

from conftest import Cli


@pytest.fixture(scope="module")
def demo(demo_db) -> Cli:
    """The demo register, only read here (conftest's demo_db)."""
    return Cli(demo_db)


def test_the_assessment_in_chinese(demo, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out = demo("--lang", "zh", "report", "cadres", "2004").stdout
    assert "名次" in out and "结对天数" in out and "在岗天数" not in out
    # the year's quarters: 第1季度 92.73 第2季度 92.73 …, not Q1 92.73 Q2 …
    c01 = next(r for r in json.loads(demo("report", "cadres", "2004", "--format", "json").stdout)["cadres"])
    first = f"第1季度 {c01['quarters'][0]['score']:g}"
    assert first in out and "Q1 " not in out
    english = demo("report", "cadres", "2004").stdout
    assert f"Q1 {c01['quarters'][0]['score']:g}" in english


def test_the_quarter_report_shares_in_full_width_brackets(demo, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out = demo("--lang", "zh", "report", "quarter", "2004Q3").stdout
    # 10 pairings, all compliant: 10（100%）in Chinese, 10 (100%) in English
    assert "10（100%）" in out
    assert "10 (100%)" in demo("report", "quarter", "2004Q3").stdout
