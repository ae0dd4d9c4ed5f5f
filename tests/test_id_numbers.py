"""ID numbers (公民身份号码, GB 11643-1999): checked on every entry path, 15-digit numbers upgraded,
the record's born date and gender compared with the number (a warning, and `check ids`).

The check characters below were worked out by hand with ISO 7064 MOD 11-2: weights
7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, the sum mod 11 indexing "10X98765432". For 23010219520417001:
2*7+3*9+0*10+1*5+0*8+2*4+1*2+9*1+5*6+2*3+0*7+4*9+1*10+7*5+0*8+0*4+1*2 = 184; 184 mod 11 = 8 -> "4".
For 11010519491231002: sum 167; 167 mod 11 = 2 -> "X".
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from aidtrack import parse
from aidtrack.model import AidtrackError

VALID = "230102195204170014"  # born 1952-04-17, 17th digit 1: a man
WITH_X = "11010519491231002X"  # born 1949-12-31, 17th digit 2: a woman
OLD = "230102520417001"  # VALID's first-generation form: no 19, no check character
TODAY = dt.date(2024, 6, 1)


def test_a_valid_number_is_kept_and_a_lower_case_x_stored_upper():
    assert parse.id_number(VALID, today=TODAY) == VALID
    assert parse.id_number("11010519491231002x", today=TODAY) == WITH_X
    assert parse.id_number(" 11010519491231002X ", today=TODAY) == WITH_X


def test_full_width_digits_are_folded_first():
    assert parse.id_number("２３０１０２１９５２０４１７００１４", today=TODAY) == VALID
    assert parse.id_number("１１０１０５１９４９１２３１００２ｘ", today=TODAY) == WITH_X


def test_a_15_digit_number_is_upgraded():
    assert parse.id_upgrade(OLD) == VALID
    assert parse.id_number(OLD, today=TODAY) == VALID
    assert parse.id_key(OLD) == parse.id_key(VALID) == VALID


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("230102195204170015", "check character"),  # the last digit mistyped
        ("230102195204170104", "check character"),  # two digits swapped: 01 -> 10
        ("230102199902301235", "19990230 is not a real birth date"),  # 30 February (check char right)
        ("230102203001010010", "in the future"),
        ("12345", "18 characters"),
        ("你好", "18 characters"),
        ("2301021952041700X4", "18 characters"),  # X only last
        ("23010219520417001", "18 characters"),  # 17
    ],
)
def test_an_invalid_number_is_refused_naming_the_field_and_value(text, words):
    with pytest.raises(AidtrackError) as e:
        parse.id_number(text, today=TODAY)
    assert e.value.field == "id_number" and e.value.value == text
    assert words in str(e.value)


def test_born_and_gender_against_the_number():
    assert parse.id_disagreements(VALID, "1952-04-17", "male") == []
    assert parse.id_disagreements(VALID, "1952-04-18", "female") == [
        ("born", "1952-04-17"),
        ("gender", "male"),
    ]
    assert parse.id_disagreements(WITH_X, None, "female") == []
    assert parse.id_disagreements("not valid", "1952-04-17", "male") == []


def test_household_add_refuses_an_invalid_number_in_one_line(cli):
    cli("init")
    for bad in ("12345", "你好", "230102199902301235", "230102195204170015"):
        before = cli.checksum()
        r = cli("household", "add", "测试", "--id-number", bad, code=2)
        lines = r.output.strip().splitlines()
        assert len(lines) == 1 and "id_number" in lines[0] and bad in lines[0], r.output
        assert cli.checksum() == before
    r = cli("--lang", "zh", "household", "add", "测试", "--id-number", "230102195204170015", code=2)
    assert "身份证号：" in r.output and "校验码" in r.output


def test_a_15_digit_number_is_stored_upgraded_with_the_original_kept(cli):
    cli("household", "add", "刘香福", "--code", "H01", "--id-number", OLD, "--born", "1952-04-17")
    cli("member", "add", "H01", "刘小明", "--id-number", "11010519491231002x", "--gender", "female")
    assert cli.rows("SELECT id_number, id_number_original FROM households") == [(VALID, OLD)]
    assert cli.rows("SELECT id_number, id_number_original FROM members WHERE name = '刘小明'") == [
        (WITH_X, None)
    ]
    # the 18-digit form of the same person is that household's number
    r = cli("household", "add", "刘香福", "--code", "H02", "--id-number", VALID, code=2)
    assert "H01" in r.output
    # an edit keeps the original
    cli("household", "edit", "H01", "--phone", "8213407")
    assert cli.rows("SELECT id_number, id_number_original FROM households") == [(VALID, OLD)]


def test_member_add_refuses_an_invalid_number(cli):
    cli("household", "add", "刘香福", "--code", "H01")
    r = cli("member", "add", "H01", "刘小明", "--id-number", "230102195204170015", code=2)
    assert "id_number" in r.output
    assert cli.scalar("SELECT count(*) FROM members WHERE name = '刘小明'") == 0


def test_an_import_refuses_an_invalid_number_on_its_line(cli, tmp_path):
    path = tmp_path / "households.csv"
    path.write_text(
        "name,id_number,enrolled\n甲,230102195204170014,2003-07-01\n乙,230102199902301235,2003-07-01\n",
        encoding="utf-8",
    )
    r = cli("import", "households", str(path), code=2)
    assert f"{path}:3: id_number" in r.output and "19990230" in r.output
    assert cli.scalar("SELECT count(*) FROM households") == 0


def test_born_or_gender_against_the_number_is_a_warning_on_add_and_a_finding_of_check_ids(cli):
    r = cli("household", "add", "刘香福", "--code", "H01", "--id-number", VALID, "--born", "1952-04-18")
    assert "Warning: the ID number 230102195204170014 says born 1952-04-17; the record says 1952-04-18" in (
        r.stderr
    )
    assert cli.rows("SELECT born FROM households") == [("1952-04-18",)]  # stored all the same
    cli("member", "add", "H01", "刘小明", "--id-number", WITH_X, "--gender", "male", "--joined", "2003-07-01")
    r = cli("check", "ids", "--format", "json", code=1)
    found = json.loads(r.stdout)
    assert [(d["person"], d["field"], d["number_says"], d["record_says"]) for d in found["disagree"]] == [
        ("刘香福", "born", "1952-04-17", "1952-04-18"),
        ("刘小明", "gender", "female", "male"),
    ]
    assert found["invalid"] == []
    r = cli("check", "--format", "json", code=1)
    assert len(json.loads(r.stdout)["ids"]["disagree"]) == 2
    cli("household", "edit", "H01", "--born", "1952-04-17")
    member = cli.scalar("SELECT id FROM members WHERE name = '刘小明'")
    cli("member", "edit", str(member), "--gender", "female")
    cli("check", "ids", code=0)


def test_the_policy_may_store_an_invalid_number_with_a_warning(cli):
    cli("policy", "set", "id_check", "0", "--from", "2003-01-01")
    r = cli("household", "add", "刘香福", "--code", "H01", "--id-number", "230102195204170015")
    assert "Warning: the ID number is stored though it is not valid" in r.stderr
    assert cli.rows("SELECT id_number FROM households") == [("230102195204170015",)]
    r = cli("--lang", "zh", "check", "ids", code=1)
    assert "230102195204170015" in r.stdout and "校验码" in r.stdout
    cli("policy", "set", "id_check", "1", "--from", "2003-01-02")
    # refused again; a household stored before may still be edited without retyping its number
    cli("household", "add", "王桂芝", "--id-number", "230102195204170015", code=2)
    cli("household", "edit", "H01", "--phone", "8213407")
    cli("household", "edit", "H01", "--id-number", "230102195204170016", code=2)
