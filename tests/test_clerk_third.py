"""The clerk, second pass (#24), what was still missing: policy keys with their Chinese names,
metavars in Chinese and usage lines without braces, and lines that wrap as Chinese wraps."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from aidtrack.model import POLICY_KEYS


def test_policy_show_names_each_key_in_chinese(demo):
    out = demo("--lang", "zh", "policy", "show").stdout
    assert "poverty_line（贫困线）" in out
    assert "visits_per_quarter（每季应走访次数）" in out
    # every key has its Chinese name, declared with the key
    assert all(spec.zh for spec in POLICY_KEYS.values())
    assert POLICY_KEYS["steps_exit"].zh == "脱贫退出必经环节"
    # the key stays what is typed; English and JSON are unchanged
    assert "（贫困线）" not in demo("policy", "show").stdout
    rows = json.loads(demo("--lang", "zh", "policy", "show", "--format", "json").stdout)
    assert rows[0]["key"] == "poverty_line"


def test_policy_set_says_the_key_with_its_chinese_name(demo):
    out = demo("--lang", "zh", "policy", "set", "poverty_line", "220", "--from", "2005-01-01").stdout
    assert out.strip() == "poverty_line（贫困线） = 220，自 2005-01-01 起"
    assert demo.rows(
        "SELECT value, effective_from FROM policy WHERE key = 'poverty_line' AND effective_from = '2005-01-01'"
    ) == [(22000, "2005-01-01")]


def test_the_log_names_a_policy_change_in_chinese(demo):
    demo("policy", "set", "poverty_line", "220", "--from", "2005-01-01")
    rows = json.loads(demo("--lang", "zh", "log", "--limit", "1", "--format", "json").stdout)
    assert rows[0]["record"] == "poverty_line（贫困线）"
    # the setting's value as typed (yuan, not fen), not another kind's field of that name (aid's 金额)
    assert rows[0]["change"] == "设定值：200.00 → 220.00"
    assert rows[0]["after"] == {"value": 22000, "from": "2005-01-01"}  # what is stored stays in JSON
    english = json.loads(demo("log", "--limit", "1", "--format", "json").stdout)
    assert english[0]["record"] == "poverty_line"
    assert english[0]["change"] == "value: 200.00 → 220.00"


def _zh(*args: str, code: int = 0) -> subprocess.CompletedProcess:
    """`aidtrack ARGS` in Chinese at 80 columns, in a process of its own: help and click's errors are
    translated when Typer's modules load, so they are never rendered in Chinese in the test process."""
    env = {**os.environ, "AIDTRACK_LANG": "zh", "COLUMNS": "80", "PYTHONIOENCODING": "utf-8"}
    run = "import sys; from aidtrack.cli.main import run; sys.argv[0] = 'aidtrack'; run()"
    done = subprocess.run([sys.executable, "-c", run, *args], capture_output=True, text=True, env=env)
    assert done.returncode == code, done.stderr
    return done


def test_metavars_are_chinese_in_usage_options_and_errors(demo):
    out = _zh("visit", "add", "--help").stdout
    assert "用法：aidtrack visit add [选项] 户编号" in out
    assert "{" not in out.splitlines()[1]  # usage without braces
    assert re.search(r"--date\s+-d\s+日期", out) and re.search(r"--cadre\s+干部", out)
    for english in ("HOUSEHOLD", "DATE", "CADRE", "KIND", "SITUATION"):
        assert english not in out
    root = _zh("--help").stdout
    assert re.search(r"--db\s+文件", root) and re.search(r"--operator\s+姓名", root)
    # a unit's name is 单位, not a person's 姓名
    unit = next(line for line in _zh("check", "--help").stdout.splitlines() if "--unit" in line)
    assert re.search(r"--unit\s+单位", unit)
    # click's own errors name the value the same way
    err = _zh("--db", str(demo.db), "visit", "add", code=2).stderr
    assert err.startswith("错误：缺少参数 '户编号'") and "HOUSEHOLD" not in err
    # English keeps its names
    assert "[OPTIONS] HOUSEHOLD" in demo("visit", "add", "--help").stdout


def test_completion_installer_speaks_chinese(tmp_path):
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "PYTHONIOENCODING": "utf-8",
        "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1",
    }
    run = [sys.executable, "-m", "aidtrack", "--install-completion", "bash"]
    zh = subprocess.run([*run[:3], "--lang", "zh", *run[3:]], capture_output=True, text=True, env=env)
    assert zh.returncode == 0, zh.stderr
    script = tmp_path / ".bash_completions" / "aidtrack.sh"
    assert zh.stdout.splitlines() == [f"已为 bash 安装命令补全：{script}", "重新打开终端后补全生效。"]
    assert script.exists() and str(script) in (tmp_path / ".bashrc").read_text()
    en = subprocess.run(run, capture_output=True, text=True, env=env)
    assert en.stdout.splitlines()[-1] == "Completion will take effect once you restart the terminal"


#: Texts of the relapse check's basis column, as a clerk's register writes them (long names).
RELAPSE_TEXTS = (
    "低于贫困线：近 3 个月人均月收入 50.00，贫困线 200.00",
    "收入骤降：2005-03 150.00，此前 6 个月平均 268.33，下降 44.1%",
    "收入未登记：2005-01 至 2005-03 无记录，最近一次 2004-09（2003-07-01 纳入帮扶）",
    "突发变故（欧阳建国，疾病）：2005-02-11 走访发现，胃穿孔手术后在家休养",
    "上官婉儿（H12）：低于贫困线（每人每月 200.00）",
)


def test_wrapped_lines_never_start_with_closing_punctuation_nor_split_the_poverty_line():
    from aidtrack.layout import NO_START, wrap

    for text in RELAPSE_TEXTS:
        for width in range(8, 41):
            lines = wrap(text, width)
            assert "".join(lines).replace(" ", "") == text.replace(" ", ""), (text, width, lines)
            for before, line in zip(lines, lines[1:], strict=False):
                assert line[:1] not in NO_START, (text, width, lines)
                assert not (before.endswith("贫困") and line.startswith("线")), (text, width, lines)
                assert not (before.endswith("贫") and line.startswith("困线")), (text, width, lines)


def test_check_relapse_at_80_columns_with_a_clerks_long_names(demo, monkeypatch):
    """The demo's H01 under a long name, with six months of low income after the story: its basis
    wraps in a narrow column; no cell line starts with ）or ：, and 贫困线 stays whole."""
    demo("policy", "set", "records_until", "0")
    demo("household", "edit", "H01", "--name", "欧阳建国")
    for month in ("2004-10", "2004-11", "2004-12", "2005-01", "2005-02", "2005-03"):
        demo("income", "add", "H01", "--month", month, "--amount", "150", "--source", "打零工")
    monkeypatch.setenv("COLUMNS", "80")
    out = demo("--lang", "zh", "check", "relapse", "--as-of", "2005-03-31", code=1).stdout
    assert "欧阳建国" in out and "低于" in out
    assert "贫困线" in out.replace("│", "")
    assert not re.search(r"│ [）)：:，,]", out), out
    assert not re.search(r"贫困\s*│[^\n]*\n[^\n]*│\s*线", out), out
    assert all(len(line) <= 80 for line in out.splitlines())


def test_lists_show_enumeration_values_by_name_in_chinese(demo, monkeypatch):
    """A case's decision, lead channel and outcome, a job's found_by: stored in English, shown by
    name on a Chinese screen (before: enrol, dept_warning, approved, cadre)."""
    monkeypatch.setenv("COLUMNS", "200")
    cases = demo("--lang", "zh", "case", "list").stdout
    first = next(line for line in cases.splitlines() if "H01" in line)
    assert "纳入帮扶" in first and "部门筛查预警" in first and "已批准" in first
    assert not re.search(r"\b(enrol|dept_warning|approved)\b", cases)
    jobs = demo("--lang", "zh", "job", "list").stdout
    assert "帮扶干部" in next(line for line in jobs.splitlines() if "H10" in line)
    assert not re.search(r"│ cadre\s+│", jobs)
    # stored as before; English and JSON unchanged
    assert demo.scalar("SELECT decision FROM cases WHERE id = 1") == "enrol"
    assert "dept_warning" in demo("case", "list").stdout


def test_plan_show_says_what_carried_a_measure_out_in_chinese(demo, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out = demo("--lang", "zh", "plan", "show", "H01").stdout
    # the demo's first measure of H01: one aid record of 700 yuan (a tricycle)
    assert demo.rows("SELECT count(*), sum(value) FROM aid WHERE measure_id = 1") == [(1, 700_00)]
    assert "落实情况" in out and "帮扶 1 笔（700.00 元）" in out
    assert "carried_out" not in out and "aid 1" not in out
    assert "aid 1 (700.00)" in demo("plan", "show", "H01").stdout


def test_the_words_the_issue_names(demo):
    from aidtrack import i18n

    i18n.choose("zh")
    try:
        words = {
            m: i18n._(m)
            for m in (
                "Aid (yuan)",
                "Value (yuan)",
                "Wage ¥",
                " ({n} esc.)",
                "Escalations open",
                "escalated {date}",
                "Members",
                "due",
                "Install completion for the current shell.",
                "points taken per household whose shock or income drop got no visit within followup_days",
            )
        }
    finally:
        i18n.choose("en")
    assert words["Aid (yuan)"] == words["Value (yuan)"] == "帮扶金额（元）"
    assert words["Wage ¥"] == "月工资（元）"
    assert all("提交局党委会" in words[m] for m in (" ({n} esc.)", "Escalations open", "escalated {date}"))
    assert words["Members"] == "家庭成员" and words["due"] == "完成期限"
    assert "shell" not in words["Install completion for the current shell."]
    assert (
        "冲击"
        not in words[
            "points taken per household whose shock or income drop got no visit within followup_days"
        ]
    )
    # on the screen: the register's members heading
    assert "家庭成员" in demo("--lang", "zh", "report", "household", "H01").stdout
