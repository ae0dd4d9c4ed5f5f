"""`--lang zh log`: fields by their Chinese names (the registry's first Chinese header), the column
变更内容 (what changed), not 增减 (an increase or decrease, the outcomes report's word)."""

from __future__ import annotations

import json


def test_the_log_in_chinese_names_fields_in_chinese(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2003-07-01")
    cli("household", "status", "H01", "--set", "prosperous", "--date", "2004-12-01", "--reason", "收入稳定")
    cli("household", "edit", "H01", "--phone", "8213407")
    out = cli("--lang", "zh", "log").stdout
    assert "变更内容" in out and "增减" not in out
    assert "电话：（空） → 8213407" in out
    assert "帮扶对象：H01，状态：致富，日期：2004-12-01，理由：收入稳定" in out
    assert "编号：H01，户主：刘香福，家庭人口：1，纳入日期：2003-07-01" in out
    for english in ("status=", "phone:", "household=", "date="):
        assert english not in out
    # English is unchanged; JSON says the same in the interface language
    out = cli("log").stdout
    assert "phone: (empty) → 8213407" in out and "household=H01, status=prosperous" in out
    rows = json.loads(cli("--lang", "zh", "log", "--format", "json").stdout)
    assert rows[0]["change"] == "电话：（空） → 8213407"
