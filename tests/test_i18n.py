"""The Chinese interface: catalogs current, every help text translated, reports, checks and errors in
Chinese under AIDTRACK_LANG=zh and in English otherwise, enumeration values in Chinese both ways.

Help texts are built when the CLI is imported, so each language is tried in a subprocess of its own
(one per language, walking every command, rather than one per command).
"""

from __future__ import annotations

import gettext
import io
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import aidtrack
from aidtrack import i18n

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(aidtrack.__file__).resolve().parent
#: The catalog's source lives in the repository (it is not package data); the compiled one is shipped.
PO = ROOT / "src" / "aidtrack" / "locale" / "zh" / "LC_MESSAGES" / "aidtrack.po"
MO = PACKAGE / "locale" / "zh" / "LC_MESSAGES" / "aidtrack.mo"


def run_python(code: str, lang: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    env |= {"AIDTRACK_LANG": lang, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120
    )


def run_both(code: str, *args: str) -> dict[str, subprocess.CompletedProcess]:
    """`run_python` in English and in Chinese, the two processes side by side."""
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(("en", "zh"), pool.map(lambda lang: run_python(code, lang, *args), ("en", "zh"))))


@pytest.fixture(autouse=True)
def english_after():
    """A test switching this process to Chinese (`--lang zh`) must not leave it there."""
    yield
    i18n.set_language("en")


# (a) ------------------------------------------------------------------------------------------------


def test_compiled_catalog_matches_the_po():
    """The shipped .mo holds exactly the .po's translations: run `python scripts/i18n.py` after editing."""
    pytest.importorskip("babel")
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with PO.open("rb") as f:
        catalog = read_po(f)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    fresh = gettext.GNUTranslations(buf)._catalog
    with MO.open("rb") as f:
        shipped = gettext.GNUTranslations(f)._catalog
    fresh.pop("", None)
    shipped.pop("", None)
    assert shipped == fresh, "aidtrack.mo is stale: run `python scripts/i18n.py`"
    assert len(shipped) > 500


# (b) ------------------------------------------------------------------------------------------------

HELP_WALK = """
import json
from aidtrack.cli.main import command_tree

out = {}
todo = [("aidtrack", command_tree())]
while todo:
    path, cmd = todo.pop()
    out[path] = cmd.help or ""
    ctx = cmd.context_class(cmd, info_name=cmd.name, help_option_names=["-h", "--help"])
    for p in [*cmd.params, cmd.get_help_option(ctx)]:
        name = min(p.opts, key=lambda o: (not o.startswith("--"), o)) if p.opts else p.name
        out[path + " " + name] = getattr(p, "help", None) or ""
    todo += [(path + " " + name, sub) for name, sub in getattr(cmd, "commands", {}).items()]
print(json.dumps(out, ensure_ascii=False))
"""

#: What may stay Latin in a Chinese help text: options, commands in backticks, codes, formats, examples.
ALLOWED = re.compile(
    r"^(Example|示例)[:：].*$|--?[\w-]+|`[^`]*`|\b[A-Z]\d{2}\b|\b\d{4}(-?Q\d|-\d\d(-\d\d)?)?\b|YYYY-MM(-DD)?"
    r"|\b(csv|tsv|json|jsonl|xlsx|parquet|markdown|html|table|utf-8|gbk|gb18030|BOM|en|zh|aidtrack"
    r"|AIDTRACK_\w+|LANG|shell|CI|A4|ID|DEST|Excel|Parquet|SQLite)\b",
    re.MULTILINE,
)


def untranslated(english: str, chinese: str) -> bool:
    return bool(english) and chinese == english and bool(re.search(r"[A-Za-z]", ALLOWED.sub("", english)))


def test_every_help_text_has_its_chinese():
    en, zh = run_both(HELP_WALK).values()
    assert en.returncode == 0 and zh.returncode == 0, en.stderr + zh.stderr
    english, chinese = json.loads(en.stdout), json.loads(zh.stdout)
    assert english.keys() == chinese.keys()
    assert len(english) > 150  # every group, command, argument and option
    missing = {k: v for k, v in english.items() if untranslated(v, chinese[k])}
    assert not missing, f"help texts without Chinese ({len(missing)}): {missing}"
    # Spot checks: a docstring, an option alias of cli.common, Typer's own --help option.
    assert chinese["aidtrack visit add"].startswith("登记结对干部对一户的走访")
    assert chinese["aidtrack visit add --date"].startswith("日期")
    assert chinese["aidtrack --help"] == "显示本帮助并退出。"
    assert english["aidtrack visit add --date"] == "ISO date (2004-10-12), today or yesterday."


# (c) ------------------------------------------------------------------------------------------------

RUN_ALL = """
import json, sys
sys.path.insert(0, sys.argv[2])
from conftest import Cli

cli = Cli(sys.argv[1])
commands = [
    "report quarter 2004Q3", "report quarter 2004Q3 --format markdown", "report cadres 2004",
    "report cadres 2004 --format markdown", "report grid 2004", "report household H01",
    "report household H01 --format markdown", "report outcomes --as-of 2004-12-31",
    "report outcomes --as-of 2004-12-31 --format markdown", "check relapse --as-of 2003-10-17",
    "check visits --as-of 2004-09-15", "check exits --as-of 2004-12-31", "check --as-of 2004-10-15",
    "household list", "visit list --household H01", "aid list --household H01", "policy show",
    "household show H01", "pair list",
]
out = {}
for c in commands:
    r = cli(*c.split(), ok=False)  # the command tree built once, in this process's language
    out[c] = {"code": r.exit_code, "output": r.output}
print(json.dumps(out, ensure_ascii=False))
"""

#: Latin words the register's data and codes bring into a Chinese screen.
LATIN_OK = {"Q1", "Q2", "Q3", "Q4", "mo"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    from aidtrack.ops.transfer.importer import import_bundle
    from aidtrack.store import open_store

    path = tmp_path_factory.mktemp("i18n") / "demo.db"
    db = open_store(path, operator="test")
    import_bundle(db, PACKAGE / "demo_data")
    db.close()
    return path


@pytest.fixture(scope="module")
def screens(demo_db) -> dict[str, dict]:
    runs = run_both(RUN_ALL, str(demo_db), str(Path(__file__).parent))
    for r in runs.values():
        assert r.returncode == 0, r.stderr
    return {lang: json.loads(r.stdout) for lang, r in runs.items()}


def english_words(text: str) -> set[str]:
    """Words of three or more Latin letters left on a screen (codes like H01, C01 and dates are not)."""
    return {w for w in re.findall(r"(?<![\w/.-])[A-Za-z]{3,}(?![\w/.-])", text)} - LATIN_OK


def test_reports_and_checks_speak_chinese(screens):
    zh = screens["zh"]
    for command, r in zh.items():
        assert r["code"] in (0, 1), (command, r["output"])
        assert not english_words(r["output"]), (command, english_words(r["output"]), r["output"])
    assert "季度" in zh["report quarter 2004Q3"]["output"]
    assert "帮扶干部" in zh["report quarter 2004Q3"]["output"]
    assert "| 帮扶干部 |" in zh["report quarter 2004Q3 --format markdown"]["output"]
    assert "目标责任制考核" in zh["report cadres 2004"]["output"]
    assert "跟踪问效登记表" in zh["report household H01"]["output"]
    assert "状态变化记录" in zh["report household H01 --format markdown"]["output"]
    assert "返贫风险" in zh["check relapse --as-of 2003-10-17"]["output"]
    relapse = zh["check relapse --as-of 2003-10-17"]["output"]
    assert "突发变故" in relapse and "脱贫" in relapse  # H01: reason and status by name
    assert "回访" in zh["visit list --household H01"]["output"]  # visit kind followup
    assert "贫困线" in zh["policy show"]["output"]


def test_reports_and_checks_speak_english(screens):
    en = screens["en"]
    for command, r in en.items():
        assert r["code"] in (0, 1), (command, r["output"])
    assert "Quarter report 2004Q3" in en["report quarter 2004Q3"]["output"]
    assert "| Cadre |" in en["report quarter 2004Q3 --format markdown"]["output"]
    assert "Register (跟踪问效登记表): H01" in en["report household H01"]["output"]
    assert "Relapse risk at 2003-10-17" in en["check relapse --as-of 2003-10-17"]["output"]
    assert "followup" in en["visit list --household H01"]["output"]
    assert not re.search(r"│ 回访 +│", en["visit list --household H01"]["output"])
    for command, r in en.items():
        assert not re.search(r"帮扶干部|季度|返贫风险|状态变化", r["output"]), command


# (d) ------------------------------------------------------------------------------------------------


def test_an_error_in_chinese_is_one_line_and_exit_2(tmp_path):
    db = str(tmp_path / "unit.db")
    cli = "import sys; from aidtrack.cli.main import run; sys.argv[0] = 'aidtrack'; run()"
    assert run_python(cli, "zh", "--db", db, "init").returncode == 0
    bad_date = run_python(cli, "zh", "--db", db, "visit", "list", "--quarter", "2004Q5")
    assert bad_date.returncode == 2 and bad_date.stdout == ""
    assert bad_date.stderr.count("\n") == 1
    assert bad_date.stderr.startswith("错误：季度：不是季度"), bad_date.stderr
    usage = run_python(cli, "zh", "--db", db, "visit", "list", "--bogus")
    assert usage.returncode == 2 and usage.stderr.count("\n") == 1
    assert usage.stderr.startswith("错误：没有选项：--bogus"), usage.stderr
    english = run_python(cli, "en", "--db", db, "visit", "list", "--quarter", "2004Q5")
    assert english.returncode == 2
    assert english.stderr.startswith("Error: quarter: is not a quarter"), english.stderr


# (e) ------------------------------------------------------------------------------------------------


def test_enumeration_values_in_chinese_in_and_out(story):
    story(
        "--lang",
        "zh",
        "visit",
        "add",
        "H01",
        "--date",
        "2004-09-20",
        "--kind",
        "回访",
        "--event",
        "疾病",
        "--situation",
        "胃穿孔手术",
    )
    assert story.rows("SELECT kind, event FROM visits") == [("followup", "illness")]
    shown = story("--lang", "zh", "visit", "list").stdout
    assert "回访" in shown and "疾病" in shown and "户主姓名" in shown
    assert "followup" not in shown
    # JSON keeps the English keys and values that scripts read, whatever the language.
    data = json.loads(story("--lang", "zh", "visit", "list", "--format", "json").stdout)
    assert data[0]["kind"] == "followup" and data[0]["event"] == "illness"
    csv_text = story("--lang", "zh", "visit", "list", "--format", "csv").stdout
    assert csv_text.startswith("id,date,household,") and ",followup,illness," in csv_text
    # The next call in English shows the English values again.
    assert "followup" in story("visit", "list").stdout


def test_chinese_error_from_the_in_process_cli(story):
    r = story("--lang", "zh", "household", "status", "H01", "--set", "脱贫", "--date", "2099-01-01", code=2)
    assert "晚于今天" in r.output
    assert story.scalar("SELECT count(*) FROM statuses WHERE status = 'exited'") == 0


def test_importing_the_library_leaves_the_host_alone():
    """The library only asks for the language: gettext's domain and LANGUAGE stay the host's."""
    code = (
        "import gettext, os, sys; gettext.textdomain('host'); sys.argv = ['host', '--lang', 'zh'];"
        " import aidtrack.i18n, aidtrack.store, aidtrack.ops.write.records, aidtrack.reports.quarter,"
        " aidtrack.checks.relapse; print(gettext.textdomain(), os.environ.get('LANGUAGE'),"
        " aidtrack.i18n.language())"
    )
    r = run_python(code, "en")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["host", "None", "en"]
    r = run_python(code, "zh")  # the environment asks for Chinese: aidtrack's own messages follow
    assert r.stdout.split() == ["host", "None", "zh"]
