"""Parsers: examples from the issue and properties over generated input."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aidtrack import parse
from aidtrack.model import AidtrackError, Quarter, add_months, format_yuan


@pytest.mark.parametrize(
    "text,fen",
    [
        ("650", 65000),
        ("650.5", 65050),
        ("650.50", 65050),
        ("¥650", 65000),
        ("650元", 65000),
        ("￥650", 65000),
        ("６５０", 65000),
        ("0", 0),
        ("0.01", 1),
        (" 12.3 ", 1230),
    ],
)
def test_money_accepted(text, fen):
    assert parse.money(text) == fen


@pytest.mark.parametrize(
    "text",
    [
        "-5",
        "-0",
        "1e9",
        "NaN",
        "nan",
        "inf",
        "1,000.00",
        "650.505",
        "",
        "abc",
        "1.",
        ".5",
        "12 34",
        "1" * 13,
        "0x10",
    ],
)
def test_money_refused(text):
    with pytest.raises(AidtrackError) as e:
        parse.money(text, "amount")
    assert e.value.field == "amount"


@given(st.integers(min_value=0, max_value=10**11 - 1))  # parse.MAX_YUAN_DIGITS = 9
def test_money_round_trips_through_its_text(fen):
    assert parse.money(format_yuan(fen)) == fen


@given(st.integers(min_value=0, max_value=10**9 - 1), st.integers(min_value=0, max_value=99))
def test_money_two_decimals(whole, cents):
    assert parse.money(f"{whole}.{cents:02d}") == whole * 100 + cents
    assert parse.money(f"¥{whole}") == whole * 100


@given(st.text())
def test_money_never_crashes(text):
    try:
        value = parse.money(text)
    except AidtrackError:
        return
    assert isinstance(value, int) and value >= 0


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31)))  # parse.MAX_YEAR
def test_date_iso_round_trip(day):
    assert parse.date(day.isoformat()) == day


@pytest.mark.parametrize("text", ["2004-02-30", "2004-13-01", "12/10/2004", "12-10-2004", "", "tomorrow"])
def test_date_refused(text):
    with pytest.raises(AidtrackError):
        parse.date(text)


def test_date_words():
    today = dt.date(2004, 10, 12)
    assert parse.date("today", today=today) == today
    assert parse.date("yesterday", today=today) == dt.date(2004, 10, 11)


@given(st.integers(min_value=1900, max_value=2999), st.integers(min_value=1, max_value=4), st.booleans())
def test_quarter_forms(year, q, dash):
    text = f"{year}{'-' if dash else ''}Q{q}"
    quarter = parse.quarter(text)
    assert quarter == Quarter(year, q) and str(quarter) == f"{year}Q{q}"
    assert quarter.start.month == 3 * q - 2 and quarter.start.day == 1
    assert quarter.next().start - quarter.end == dt.timedelta(days=1)
    assert Quarter.of(quarter.end) == quarter == Quarter.of(quarter.start)


@pytest.mark.parametrize("text", ["2004Q5", "2004Q0", "2004", "Q3", "2004-3"])
def test_quarter_refused(text):
    with pytest.raises(AidtrackError):
        parse.quarter(text)


def test_quarter_days():
    assert Quarter(2004, 1).days == 91  # leap year: 31 + 29 + 31
    assert Quarter(2003, 1).days == 90
    assert Quarter(2004, 3).days == 92


@given(
    st.integers(min_value=1900, max_value=2900),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=-500, max_value=500),
)
def test_add_months_inverse(year, month, n):
    m = f"{year:04d}-{month:02d}"
    assert add_months(add_months(m, n), -n) == m
    assert parse.month(m) == m


def test_text_refuses_control_characters():
    with pytest.raises(AidtrackError):
        parse.text("a\x00b", "name")
    assert parse.text("  多行\n备注 ", "note") == "多行\n备注"


def test_choice_accepts_chinese_names():
    from aidtrack.model import STATUSES, VISIT_KINDS

    assert parse.choice("脱贫", STATUSES, "status") == "exited"
    assert parse.choice("回访", VISIT_KINDS, "kind") == "followup"
    with pytest.raises(AidtrackError):
        parse.choice("回访", STATUSES, "status")
