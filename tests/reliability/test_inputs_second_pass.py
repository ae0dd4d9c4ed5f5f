"""Inputs, second pass (issue 28): digits checked after normalising, text that does not decode in
the declared encoding, invisible and line-breaking characters in codes, names and the operator, an
unterminated quote, JSON keys given twice, bounded columns and cells, and pipes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import Cli


@pytest.fixture
def reg(cli: Cli) -> Cli:
    cli("cadre", "add", "吴局长", "--code", "C01")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2003-07-01")
    return cli


@pytest.mark.parametrize("value", ["2004-10-\u33e0", "2004-\u32c0-01"])
def test_a_date_from_characters_that_normalise_into_digits_is_refused(reg, value):
    before = reg.checksum()
    r = reg("household", "add", "王五", "--enrolled", value, code=2)
    assert "enrolled" in r.stderr and "digits must be 0-9" in r.stderr
    assert reg.checksum() == before


def test_a_month_from_a_character_that_normalises_into_digits_is_refused(reg):
    r = reg("income", "add", "H01", "--month", "2004-\u32c0", "--amount", "300", code=2)
    assert "digits must be 0-9" in r.stderr
    assert reg.scalar("SELECT count(*) FROM income") == 0


def test_full_width_digits_still_read(reg):
    reg("income", "add", "H01", "--month", "２００４-０１", "--amount", "３００")
    assert reg.rows("SELECT month, amount FROM income") == [("2004-01", 30000)]


def test_a_utf8_row_in_a_gbk_file_is_refused(reg, tmp_path):
    f = tmp_path / "households.csv"
    f.write_bytes(
        "code,name,enrolled\nH02,王五,2003-07-01\n".encode("gbk") + "H03,刘建,2003-07-01\n".encode("utf-8")
    )
    before = reg.checksum()
    r = reg("import", "households", str(f), "--encoding", "gbk", code=2)
    assert "UTF-8" in r.stderr and ":3" in r.stderr, r.stderr
    assert reg.checksum() == before


@pytest.mark.parametrize(
    "bad", ["H\u200b02", "\ufeffH02", "H\u00ad02", "H0\u20282", "H\u206102", "H\U000e004102", "H0\n2"]
)
def test_invisible_characters_are_refused_in_a_code(reg, bad):
    r = reg("household", "add", "王五", "--code", bad, "--enrolled", "2003-07-01", code=2)
    assert "code" in r.stderr and "invisible" in r.stderr
    assert reg.scalar("SELECT count(*) FROM households") == 1


@pytest.mark.parametrize(
    "bad", ["王\n五", "王\u2028五", "王\u2061五", "王\u00ad五", "王\U000e0041五", "王\t五"]
)
def test_invisible_and_line_breaking_characters_are_refused_in_a_name(reg, bad):
    r = reg("household", "add", bad, "--enrolled", "2003-07-01", code=2)
    assert "name" in r.stderr and "invisible" in r.stderr
    assert reg.scalar("SELECT count(*) FROM households") == 1


def test_a_name_with_a_line_break_is_refused_in_a_member_and_a_job(reg):
    reg("member", "add", "H01", "刘\n小明", "--joined", "2003-07-01", code=2)
    reg("job", "add", "H01", "--member", "刘\n小明", "--started", "2003-08-01", code=2)
    assert reg.scalar("SELECT count(*) FROM jobs") == 0


def test_an_operator_with_a_line_break_is_refused(reg):
    r = reg.invoke(["--db", str(reg.db), "--operator", "张三\nError: forged", "cadre", "add", "王五"])
    assert r.exit_code == 2 and "operator" in r.stderr
    assert reg.scalar("SELECT count(*) FROM cadres") == 1


def test_a_code_in_a_file_with_a_bom_inside_is_refused(reg, tmp_path):
    """Two BOM-headed CSVs concatenated: the second BOM starts a code."""
    one = "\ufeffcode,name,enrolled\nH02,王五,2003-07-01\n"
    two = "\ufeffH03,赵六,2003-07-01\n"
    f = tmp_path / "households.csv"
    f.write_text(one + two, encoding="utf-8")
    r = reg("import", "households", str(f), code=2)
    assert "code" in r.stderr and "invisible" in r.stderr
    assert reg.scalar("SELECT count(*) FROM households") == 1


def test_an_unterminated_quote_is_refused_with_the_line_it_opened_on(reg, tmp_path):
    f = tmp_path / "households.csv"
    f.write_text(
        'code,name,enrolled\nH02,王五,2003-07-01\nH03,"赵六,2003-07-01\nH04,钱七,2003-07-01\nH05,孙八,2003-07-01\n',
        encoding="utf-8",
    )
    r = reg("import", "households", str(f), code=2)
    assert ":3" in r.stderr and "line 3" in r.stderr, r.stderr
    assert reg.scalar("SELECT count(*) FROM households") == 1


@pytest.mark.parametrize(
    "record",
    [
        '{"code": "H02", "name": "王五", "name": "赵六", "enrolled": "2003-07-01"}',
        '{"code": "H02", "name": "王五", "户主": "赵六", "enrolled": "2003-07-01"}',
    ],
)
@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_a_json_field_given_twice_is_refused(reg, tmp_path, record, fmt):
    f = tmp_path / f"households.{fmt}"
    f.write_text(f"[{record}]" if fmt == "json" else record + "\n", encoding="utf-8")
    r = reg("import", "households", str(f), code=2)
    assert "given twice" in r.stderr, r.stderr
    assert reg.scalar("SELECT count(*) FROM households") == 1


@pytest.mark.parametrize(("columns", "said"), [(200_000, "more than 100,000 cells"), (5_000, "at most 1000")])
def test_a_wide_header_is_refused_at_once(reg, tmp_path, columns, said):
    f = tmp_path / "households.csv"
    f.write_text(",".join(f"c{i}" for i in range(columns)) + "\nx\n", encoding="utf-8")
    r = reg("import", "households", str(f), code=2)
    assert said in r.stderr, r.stderr


def test_a_row_of_a_million_cells_is_refused(reg, tmp_path):
    f = tmp_path / "households.csv"
    f.write_text("code,name,enrolled\n" + "," * 1_000_000 + "\n", encoding="utf-8")
    r = reg("import", "households", str(f), code=2)
    assert "cells" in r.stderr, r.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_import_from_a_pipe_reads_it(reg, tmp_path):
    fifo = tmp_path / "income.csv"
    os.mkfifo(fifo)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"open({str(fifo)!r}, 'w').write('household,month,amount\\nH01,2004-01,300\\n')",
        ]
    )
    try:
        r = subprocess.run(
            [sys.executable, "-m", "aidtrack", "--db", str(reg.db), "import", "income", str(fifo)],
            capture_output=True,
            text=True,
            env={**os.environ, "AIDTRACK_LANG": "en"},
            timeout=60,
        )
    finally:
        writer.wait(timeout=60)
    assert r.returncode == 0, r.stderr
    assert reg.rows("SELECT month, amount FROM income") == [("2004-01", 30000)]


def test_replace_with_some_columns_keeps_the_others_and_logs_the_old_values(reg, tmp_path):
    reg(
        "household",
        "edit",
        "H01",
        "--address",
        "东风区八道街21号",
        "--id-number",
        "239001195204170037",
        "--employer",
        "木材公司",
        "--phone",
        "8213407",
    )
    f = tmp_path / "households.csv"
    f.write_text("code,name,phone\nH01,刘香福,8219999\n", encoding="utf-8")
    reg("import", "households", str(f), "--on-conflict", "replace")
    assert reg.rows("SELECT phone, address, id_number, employer FROM households WHERE code = 'H01'") == [
        ("8219999", "东风区八道街21号", "239001195204170037", "木材公司")
    ]
    logged = reg.rows(
        "SELECT before, after FROM audit WHERE action = 'edit' AND entity = 'households' ORDER BY id DESC LIMIT 1"
    )
    assert [json.loads(v) for v in logged[0]] == [{"phone": "8213407"}, {"phone": "8219999"}]


def test_replace_of_a_staged_kind_keeps_what_the_file_lacks_and_logs_the_old_values(reg, tmp_path):
    reg(
        "job",
        "add",
        "H01",
        "--member",
        "刘长顺",
        "--started",
        "2003-10-08",
        "--employer",
        "百货商场",
        "--wage",
        "400",
    )
    f = tmp_path / "jobs.csv"
    f.write_text("household,member,started,wage\nH01,刘长顺,2003-10-08,450\n", encoding="utf-8")
    reg("import", "jobs", str(f), "--on-conflict", "replace")
    assert reg.rows("SELECT employer, wage FROM jobs") == [("百货商场", 45000)]
    logged = reg.rows(
        "SELECT before, after FROM audit WHERE action = 'edit' AND entity = 'jobs' ORDER BY id DESC LIMIT 1"
    )
    assert [json.loads(v) for v in logged[0]] == [{"wage": 40000}, {"wage": 45000}]
