"""The clerk's screen and words (issue 15): help without Python types, Chinese chrome and errors,
global options after the subcommand, the Chinese quarter title, a Chinese yes at the prompt."""

from __future__ import annotations

import pytest

from aidtrack.cli.main import hoisted


@pytest.fixture(scope="module")
def demo_cli(tmp_path_factory):
    """The demo story, loaded once for the module (read-only tests)."""
    from pathlib import Path

    import aidtrack
    from aidtrack.ops.transfer.importer import import_bundle
    from aidtrack.store import open_store

    from conftest import Cli

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = open_store(path, operator="test")
    import_bundle(db, Path(aidtrack.__file__).parent / "demo_data")
    db.conn.close()
    return Cli(path)


def _walk(cmd, path):
    yield path, cmd
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from _walk(sub, [*path, name])


def _tree(lang: str):
    from conftest import command

    return command(lang)


def test_every_option_and_argument_has_a_help_line():
    missing = [
        (" ".join(path), p.opts)
        for path, cmd in _walk(_tree("en"), ["aidtrack"])
        for p in cmd.params
        if not (p.help or "").strip() and not getattr(p, "hidden", False)
    ]
    assert not missing, missing


def test_metavars_name_values_never_python_types():
    bad = []
    for path, cmd in _walk(_tree("en"), ["aidtrack"]):
        ctx = cmd.context_class(cmd, info_name=path[-1])
        for p in cmd.params:
            shown = p.display_type_rich(ctx) if p.param_type_name == "argument" else p.metavar
            if shown and ("<" in shown or "[" in shown and "|" not in shown):
                bad.append((" ".join(path), p.opts, shown))
            if p.param_type_name == "argument":
                assert p.metavar == p.metavar.upper(), (path, p.metavar)
    assert not bad, bad


@pytest.mark.parametrize(
    "args", [["visit", "add", "--help"], ["import", "--help"], ["household", "add", "-h"]]
)
def test_help_at_80_columns_shows_no_python_type(cli, monkeypatch, args):
    monkeypatch.setenv("COLUMNS", "80")
    out = cli.invoke(args).output
    assert "Usage: aidtrack" in out
    for python_type in ("<str>", "<int>", "<bool>", "<list", "<path>"):
        assert python_type not in out, (args, out)
    assert max(len(line) for line in out.splitlines()) <= 80


def test_chinese_help_has_no_english_chrome(tmp_path):
    """Through the console script: help texts are translated when the modules are imported."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "80", "AIDTRACK_LANG": "zh"}

    def helps(*args: str) -> str:
        code = "import sys; from aidtrack.cli.main import run; sys.argv[0] = 'aidtrack'; run()"
        return subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True
        ).stdout

    out = helps("household", "add", "--help")
    assert "用法：aidtrack household add [选项] 姓名" in out and "{" not in out and "NAME" not in out
    assert "Usage" not in out and "[OPTIONS]" not in out and "Options" not in out
    assert "家庭住址" in out and "电话号码" in out  # --address and --phone have their help line
    group = helps("household", "--help")
    assert "命令 [参数]..." in group and "COMMAND" not in group


def test_a_paragraph_of_help_is_wrapped_by_the_terminal_not_the_docstring(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out = cli.invoke(["import", "--help"]).output
    # One paragraph of the docstring, written on four lines there, is one line on a wide terminal.
    line = next(x for x in out.splitlines() if "Columns are the add commands" in x)
    assert "households and cadres by code" in line


def test_global_options_after_the_subcommand(cli, tmp_path):
    cli("cadre", "add", "吴振国", "--code", "C01")
    before = cli.invoke(["--db", str(cli.db), "cadre", "list", "--format", "csv"])
    after = cli.invoke(["cadre", "list", "--format", "csv", "--db", str(cli.db)])
    assert before.exit_code == after.exit_code == 0
    assert after.output == before.output and "吴振国" in after.output
    # `--lang` after the subcommand chooses the language, `--operator=` with its value attached too.
    zh = cli.invoke(
        ["cadre", "add", "陈立华", f"--db={cli.db}", "--lang", "zh", "--operator=王会计", "--code", "C2"]
    )
    assert zh.exit_code == 0, zh.output
    assert cli.rows("SELECT operator FROM audit WHERE record = 'C2'") == [("王会计",)]
    # A typed mistake is still named, in the language asked for after the subcommand.
    bad = cli.invoke(["household", "add", "刘香福", "--members", "0", "--db", str(cli.db), "--lang", "zh"])
    assert bad.exit_code == 2 and "家庭人口" in bad.output and "members" not in bad.output


def test_hoisted_moves_only_global_options_given_after_the_command():
    assert hoisted(["visit", "list", "--db", "a.db"]) == ["--db", "a.db", "visit", "list"]
    assert hoisted(["--db", "a.db", "visit", "list"]) == ["--db", "a.db", "visit", "list"]
    assert hoisted(["--lang", "zh", "visit", "add", "H01", "--db=x.db", "--date", "today"]) == [
        "--lang",
        "zh",
        "--db=x.db",
        "visit",
        "add",
        "H01",
        "--date",
        "today",
    ]
    # After `--` every word is the command's own, even one spelt like a global option.
    assert hoisted(["visit", "add", "--", "--db", "x"]) == ["visit", "add", "--", "--db", "x"]
    assert hoisted(["--version"]) == ["--version"]


def test_chinese_errors_name_the_field_and_the_choices_in_chinese(cli):
    bad = cli.invoke(
        ["--db", str(cli.db), "--lang", "zh", "household", "add", "刘香福", "--livelihood", "炒股"]
    )
    assert bad.exit_code == 2
    line = bad.output.strip()
    assert line.startswith("错误：生计：只能是以下之一：商服业、"), line
    assert "livelihood" not in line and "commerce" not in line
    born = cli.invoke(
        ["--db", str(cli.db), "--lang", "zh", "household", "add", "刘香福", "--born", "1951-13-01"]
    )
    assert born.output.startswith("错误：出生日期："), born.output
    # In English the field keeps its name, the choices their codes.
    en = cli.invoke(["--db", str(cli.db), "household", "add", "刘香福", "--livelihood", "炒股"])
    assert "livelihood: must be one of commerce, husbandry" in en.output


def test_chinese_quarter_title(demo_cli):
    out = demo_cli("--lang", "zh", "report", "quarter", "2004Q3").output
    assert out.splitlines()[0] == "2004年第三季度“一帮一”工作汇总表（2004-07-01 至 2004-09-30）"
    en = demo_cli("report", "quarter", "2004Q3").output
    assert en.splitlines()[0].startswith("Quarter report 2004Q3 (2004-07-01 – 2004-09-30)")


def test_the_register_names_the_enrolment_reason_in_words(demo_cli):
    html = demo_cli("--lang", "zh", "report", "household", "H01", "--format", "html").output
    assert "纳入帮扶" in html and ">enrolled<" not in html
    table = demo_cli("report", "household", "H01").output
    assert "enrolled in the programme" in table
    data = demo_cli("report", "household", "H01", "--format", "json").output
    assert '"reason": "enrolled"' in data  # the stored code stays in JSON


@pytest.mark.parametrize("answer, deleted", [("是\n", True), ("y\n", True), ("\n", False), ("否\n", False)])
def test_a_chinese_yes_at_the_delete_prompt(cli, monkeypatch, answer, deleted):
    monkeypatch.setattr("aidtrack.cli.common.on_terminal", lambda: True)
    cli("household", "add", "刘香福", "--code", "H01")
    r = cli.invoke(["--db", str(cli.db), "--lang", "zh", "household", "delete", "H01"], input=answer)
    assert "删除" in r.output and "[是/否，y/N]" in r.output and "[y/N]:" not in r.output
    assert r.exit_code == (0 if deleted else 1), r.output
    assert cli.scalar("SELECT count(*) FROM households") == (0 if deleted else 1)


def test_every_list_and_report_takes_columns():
    missing = [
        " ".join(path)
        for path, cmd in _walk(_tree("en"), ["aidtrack"])
        if (path[-1] in ("list", "causes") or path[-2:-1] == ["report"])
        and path[-2:] != ["report", "note"]  # writes the quarter's typical case: no columns to pick
        and not any("--columns" in p.opts for p in cmd.params)
    ]
    assert not missing, missing


def test_columns_picks_the_columns_of_a_list(story):
    out = story("household", "list", "--format", "csv", "--columns", "code,status,name").stdout
    assert out.splitlines()[0] == "code,status,name"
    assert out.splitlines()[1] == "H01,enrolled,刘香福"
    table = story("household", "list", "--columns", "name,code").stdout
    assert "刘香福" in table and "4050" not in table and "members" not in table
    bad = story("household", "list", "--columns", "code,nme", code=2)
    assert "columns: no such column; one of code, name" in bad.output and "(got 'nme')" in bad.output


def test_columns_picks_the_columns_of_a_report(story):
    story("visit", "add", "H01", "--date", "2003-08-01")
    csv = story("report", "quarter", "2003Q3", "--format", "csv", "--columns", "household,visits,required")
    assert csv.stdout.splitlines() == ["household,visits,required", "H01,1,2", "H02,0,2"]
    table = story("report", "quarter", "2003Q3", "--columns", "household,visits").stdout
    pairings = table[table.index("Pairings") : table.index("Totals")]
    assert "1/2" in pairings and "Cadre" not in pairings and "Status" not in pairings
    assert "Totals" in table  # the other sections stay whole
    story("report", "quarter", "2003Q3", "--columns", "nothing", code=2)
