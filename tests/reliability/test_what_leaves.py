"""What leaves the file (issue 19): CSV that a spreadsheet cannot run, terminal output that cannot
be recoloured or hidden, names that cannot pretend, --redact that covers hints, free text and the
log, literal LIKE, and the purge of a deleted household's personal data from the audit log."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import Cli, public_records

FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "+86 138 0000 0000",
    "-吴",
    "@SUM(A1)",
    "'=already quoted",
    "''@two quotes",
]


@pytest.fixture
def reg(cli: Cli) -> Cli:
    cli("cadre", "add", "吴局长", "--code", "C01")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2003-07-01", "--phone", "13800000000")
    cli("household", "add", "满运良", "--code", "H02", "--enrolled", "2003-07-01")
    cli("pair", "add", "C01", "H01", "--since", "2003-07-10")
    cli("visit", "add", "H01", "--date", "2003-08-01", "--situation", "满运良来帮忙，刘香福病愈")
    return cli


def cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def test_csv_output_neutralises_formulas_and_import_reads_them_back(reg, tmp_path):
    for i, name in enumerate(FORMULAS):
        reg("household", "add", "--code", f"F{i}", "--enrolled", "2003-07-01", "--", name)
    for args in (
        ["household", "list", "--format", "csv"],
        ["export", "households"],
        ["export", "households", "--redact"],
        ["report", "quarter", "2003Q3", "--format", "csv"],
    ):
        out = reg(*args).stdout
        bad = [c for c in cells(out) if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
        assert bad == [], (args, bad)
    exported = reg("export", "households").stdout
    assert "'=HYPERLINK" in exported and "'''@two quotes" in exported
    reg("export", "all", "--out", str(tmp_path / "b"))
    other = Cli(tmp_path / "other.db")
    other("import", "bundle", str(tmp_path / "b"))
    assert public_records(other.db)["households"] == public_records(reg.db)["households"]


def test_negative_numbers_stay_numbers(reg):
    from aidtrack.parse import csv_safe, csv_typed

    assert csv_safe("-5") == "-5" and csv_safe("-3.50") == "-3.50"
    for v in FORMULAS + ["-5", "'-5", "plain", "'plain", ""]:
        assert csv_typed(csv_safe(v)) == v


@pytest.mark.parametrize("name", ["王\u202e五", "王\u200b五", "王\u2066五", "王\u200d五", "\ufeff王五"])
def test_invisible_characters_are_refused_in_names(reg, name):
    r = reg("cadre", "add", name, code=2)
    assert "invisible character" in r.stderr
    r = reg("--operator", name, "cadre", "add", "王五", code=2)
    assert "operator" in r.stderr
    assert reg.scalar("SELECT count(*) FROM cadres") == 1


def test_an_operator_with_a_control_character_is_refused(reg):
    r = reg("--operator", "evil\x1b[2J", "cadre", "add", "王五", code=2)
    assert "\x1b" not in r.stderr and "control character" in r.stderr


def test_echoed_values_show_control_characters(reg, tmp_path):
    """An import header or a file name with an escape sequence is printed escaped."""
    f = tmp_path / "in\x1b[31mcome.csv"
    f.write_text("household,month,amount,col\x1b[2J\nH01,2004-01,5,x\n")
    r = reg("import", "income", str(f), code=2)
    assert "\x1b" not in r.stderr and "\\x1b" in r.stderr


def test_an_older_files_escape_sequence_is_shown_not_run(reg):
    import sqlite3

    conn = sqlite3.connect(reg.db)
    conn.execute("UPDATE visits SET situation = 'ok\x1b[2Jgone'")
    conn.commit()
    conn.close()
    out = reg("visit", "list").stdout
    assert "\x1b[2J" not in out and "\\x1b" in out


def test_redact_covers_hints(reg):
    r = reg("report", "household", "满运", "--redact", code=2)
    assert "满运良" not in r.stderr and "满**" in r.stderr
    r = reg("report", "household", "满运", code=2)
    assert "满运良" in r.stderr


def test_like_wildcards_in_a_reference_are_literal(reg):
    for ref in ("%", "_", "%%", "H_1"):
        r = reg("household", "show", ref, code=2)
        assert "did you mean" not in r.stderr, (ref, r.stderr)


def test_redact_masks_peoples_names_inside_free_text(reg):
    for args in (
        ["report", "household", "H01", "--redact", "--format", "json"],
        ["export", "visits", "--redact"],
        ["log", "--redact", "--format", "json"],
    ):
        out = reg(*args).stdout
        assert "刘香福" not in out and "满运良" not in out and "13800000000" not in out, (args, out)
        assert "满**来帮忙" in out, args


def test_purge_erases_a_deleted_households_personal_data_from_the_log(reg):
    reg(
        "household",
        "add",
        "王秀英",
        "--code",
        "H03",
        "--enrolled",
        "2003-07-01",
        "--id-number",
        "110101195001019994",
        "--phone",
        "13900000000",
    )
    reg("household", "edit", "H03", "--address", "道里区1号")
    reg("household", "purge", "H03", "--yes", code=2)  # still there: refused
    reg("household", "delete", "H03", "--yes")
    before = reg.scalar("SELECT count(*) FROM audit")
    reg("household", "purge", "H03", "--yes")
    dump = json.dumps(reg.rows("SELECT * FROM audit"), ensure_ascii=False)
    for secret in ("王秀英", "110101195001019994", "13900000000", "道里区1号"):
        assert secret not in dump
    assert reg.scalar("SELECT count(*) FROM audit") == before + 1
    assert reg.rows("SELECT action, entity, record, before, after FROM audit ORDER BY id DESC LIMIT 1") == [
        ("purge", "households", "H03", None, None)
    ]
    assert "刘香福" in dump  # others' history is kept
