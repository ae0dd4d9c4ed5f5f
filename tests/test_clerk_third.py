"""The clerk, second pass (#24), what was still missing: policy keys with their Chinese names,
metavars in Chinese and usage lines without braces, and lines that wrap as Chinese wraps."""

from __future__ import annotations

import json

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
