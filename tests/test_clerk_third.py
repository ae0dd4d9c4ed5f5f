"""The clerk, second pass (#24), what was still missing: policy keys with their Chinese names,
metavars in Chinese and usage lines without braces, and lines that wrap as Chinese wraps."""

from __future__ import annotations

import json
import re

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


def test_metavars_are_chinese_in_usage_options_and_errors(demo):
    out = demo("--lang", "zh", "visit", "add", "--help").stdout
    assert "用法：aidtrack visit add [选项] 户编号" in out
    assert "{" not in out.splitlines()[1]  # usage without braces
    assert re.search(r"--date\s+-d\s+日期", out) and re.search(r"--cadre\s+干部", out)
    for english in ("HOUSEHOLD", "DATE", "CADRE", "KIND", "SITUATION"):
        assert english not in out
    root = demo("--lang", "zh", "--help").stdout
    assert re.search(r"--db\s+文件", root) and re.search(r"--operator\s+姓名", root)
    # a unit's name is 单位, not a person's 姓名
    assert "--unit" in demo("--lang", "zh", "check", "--help").stdout
    assert "单位" in next(
        line for line in demo("--lang", "zh", "check", "--help").stdout.splitlines() if "--unit" in line
    )
    # click's own errors name the value the same way
    err = demo("--lang", "zh", "visit", "add", code=2).stderr
    assert "'户编号'" in err and "HOUSEHOLD" not in err
    # English keeps its names
    assert "[OPTIONS] HOUSEHOLD" in demo("visit", "add", "--help").stdout


def test_completion_installer_speaks_chinese(tmp_path):
    import os
    import subprocess
    import sys

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
