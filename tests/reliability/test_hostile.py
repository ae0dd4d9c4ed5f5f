"""A corpus of hostile input: each is refused with exit 2 and one line, and the file is byte-for-byte
unchanged (the WAL checkpointed before and after, then the main file's bytes compared)."""

from __future__ import annotations

import pytest

from conftest import file_digest

LONG = "长" * 1_000_000

CLI_CORPUS = [
    ("sql in a reference", ["visit", "add", "'); DROP TABLE visits;--", "--date", "2004-01-05"]),
    (
        "sql in a name with a bad member count",
        ["household", "add", "x'); DROP TABLE households;--", "--members", "0"],
    ),
    ("control character in a name", ["cadre", "add", "王\x07五"]),
    ("NUL-free escape sequence", ["cadre", "add", "\x1b[31m红\x1b[0m"]),
    ("1 MB name", ["cadre", "add", LONG]),
    ("1 MB situation", ["visit", "add", "H01", "--date", "2004-01-05", "--situation", LONG]),
    ("february 30", ["visit", "add", "H01", "--date", "2004-02-30"]),
    ("quarter 5", ["visit", "list", "--quarter", "2004Q5"]),
    ("money 1e9", ["income", "add", "H01", "--month", "2004-01", "--amount", "1e9"]),
    ("money -0", ["aid", "add", "H01", "--kind", "funds", "--value", "-0", "--date", "2004-01-05"]),
    ("money NaN", ["aid", "add", "H01", "--kind", "funds", "--value", "NaN", "--date", "2004-01-05"]),
    ("money Infinity", ["income", "add", "H01", "--month", "2004-01", "--amount", "Infinity"]),
    ("money with thousands comma", ["income", "add", "H01", "--month", "2004-01", "--amount", "1,000.00"]),
    ("money three decimals", ["income", "add", "H01", "--month", "2004-01", "--amount", "1.005"]),
    ("money too large", ["income", "add", "H01", "--month", "2004-01", "--amount", "9" * 13]),
    ("money hex", ["income", "add", "H01", "--month", "2004-01", "--amount", "0x10"]),
    ("money empty", ["income", "add", "H01", "--month", "2004-01", "--amount", ""]),
    ("month 13", ["income", "add", "H01", "--month", "2004-13", "--amount", "5"]),
    ("month as date", ["income", "add", "H01", "--month", "2004-01-01", "--amount", "5"]),
    ("future month", ["income", "add", "H01", "--month", "2999-01", "--amount", "5"]),
    ("future visit", ["visit", "add", "H01", "--date", "2999-01-01"]),
    ("emoji kind", ["visit", "add", "H01", "--date", "2004-01-05", "--kind", "😀"]),
    ("full-width kind", ["visit", "add", "H01", "--date", "2004-01-05", "--kind", "ｃｈａｔ"]),
    ("members not a number", ["household", "add", "王五", "--members", "三"]),
    ("members negative", ["household", "add", "王五", "--members", "-3"]),
    ("born in the future", ["household", "add", "王五", "--born", "2999-01-01"]),
    ("born not a date", ["household", "add", "王五", "--born", "1950-1-32"]),
    ("unknown status", ["household", "status", "H01", "--set", "rich"]),
    ("status before enrolment", ["household", "status", "H01", "--set", "exited", "--date", "1990-01-01"]),
    ("pair with unknown cadre", ["pair", "add", "C99", "H01"]),
    ("second pairing", ["pair", "add", "C02", "H01", "--since", "2004-01-01"]),
    ("pair end before since", ["pair", "end", "H01", "--date", "2003-01-01"]),
    ("visit by other cadre", ["visit", "add", "H01", "--cadre", "C02", "--date", "2004-01-05"]),
    ("escalate with no problem", ["visit", "add", "H01", "--date", "2004-01-05", "--escalate"]),
    ("empty problem", ["visit", "add", "H01", "--date", "2004-01-05", "--problem", "  "]),
    ("resolve unknown problem", ["problem", "resolve", "99", "--note", "x"]),
    ("resolve without note", ["problem", "resolve", "1"]),
    ("edit with nothing", ["income", "edit", "1"]),
    ("edit id injection", ["income", "edit", "1 OR 1=1", "--amount", "5"]),
    ("delete unknown id", ["visit", "delete", "999", "--yes"]),
    ("policy unknown key", ["policy", "set", "poverty_line; DROP", "5"]),
    ("policy money bad", ["policy", "set", "poverty_line", "1e3"]),
    ("policy pct over 100", ["policy", "set", "drop_pct", "150"]),
    ("policy bad date", ["policy", "set", "drop_pct", "20", "--from", "someday"]),
    ("format unknown", ["visit", "list", "--format", "yaml"]),
    (
        "aid giver ambiguous",
        ["aid", "add", "H01", "--kind", "funds", "--value", "5", "--giver", "同名", "--date", "2004-01-05"],
    ),
    ("household ambiguous", ["income", "add", "王大", "--month", "2004-01", "--amount", "5"]),
    ("mixed-width name lookup", ["household", "show", "Ｈ０１"]),
]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    from conftest import Cli

    cli = Cli(tmp_path_factory.mktemp("hostile") / "unit.db")
    cli("cadre", "add", "吴局长", "--code", "C01")
    cli("cadre", "add", "同名", "--code", "C02")
    cli("cadre", "add", "同名", "--code", "C03")
    for code, name in (("H01", "刘香福"), ("H02", "王大"), ("H03", "王大")):
        cli("household", "add", name, "--code", code, "--enrolled", "2003-07-01")
    cli("pair", "add", "C01", "H01", "--since", "2003-07-10")
    cli("visit", "add", "H01", "--date", "2003-08-01", "--problem", "医药费")
    cli("income", "add", "H01", "--month", "2003-08", "--amount", "300")
    return cli


@pytest.mark.parametrize("args", [a for _, a in CLI_CORPUS], ids=[n for n, _ in CLI_CORPUS])
def test_hostile_cli_input(seeded, args):
    before = file_digest(seeded.db)
    r = seeded(*args, code=2)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr[:500]
    assert len(lines[0]) < 600  # one line; an unknown policy key lists all 23 keys
    assert "Traceback" not in r.output
    assert file_digest(seeded.db) == before


def test_odd_but_valid_names_round_trip(cli):
    """Emoji, mixed width and markup-like names are stored and printed exactly as typed."""
    for name in ("王😀五", "Ｗａｎｇ 王", "[bold]李[/bold]", "O'Brien; --", "ءاحمد"):
        code = cli("cadre", "add", name).stdout.strip()
        assert cli.scalar("SELECT name FROM cadres WHERE code = ?", [code]) == name
        assert name in cli("cadre", "show", code).stdout
