"""The columns of import and export files: their Chinese headers and what each holds.

HEADERS is the one table of Chinese column names, per kind: the first name is the one `export
--headers zh` writes, every name is accepted by import (as are the English field names, in any
case). Export in Chinese also writes enumeration values by their Chinese names (model.ZH_NAMES)
and flags as 是/否, which parse.choice and parse.flag read back, so such a file imports as is.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from ..model import ZH_NAMES
from .rows import FIELDS

_HOUSEHOLD = ("帮扶对象", "户主", "户主编号", "帮扶对象编号")
_CADRE = ("帮扶干部", "干部", "帮扶干部编号")

#: kind -> field -> Chinese header names (the first is written by export; all are read by import).
HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "cadres": {
        "code": ("编号", "代码", "干部编号"),
        "name": ("姓名", "帮扶干部", "干部姓名"),
        "unit": ("单位", "帮扶单位", "工作单位"),
        "title": ("职务",),
        "phone": ("电话", "联系电话"),
    },
    "households": {
        "code": ("编号", "代码", "户主编号"),
        "name": ("户主", "姓名", "帮扶对象", "户主姓名"),
        "members": ("家庭人口", "人口", "家庭人数"),
        "address": ("地址", "住址", "家庭住址"),
        "employer": ("原单位", "原工作单位"),
        "livelihood": ("生计", "帮扶项目类型", "生计类型"),
        "born": ("出生日期", "出生年月日"),
        "gender": ("性别",),
        "phone": ("电话", "联系电话"),
        "id_number": ("身份证号", "身份证号码", "身份证"),
        "tags": ("标签",),
        "enrolled": ("纳入日期", "纳入帮扶日期"),
    },
    "statuses": {
        "household": _HOUSEHOLD,
        "status": ("状态",),
        "date": ("日期", "变更日期"),
        "reason": ("原因",),
    },
    "pairings": {
        "cadre": _CADRE,
        "household": _HOUSEHOLD,
        "since": ("开始日期", "结对日期"),
        "until": ("结束日期",),
    },
    "visits": {
        "household": _HOUSEHOLD,
        "cadre": _CADRE,
        "date": ("日期", "走访日期"),
        "kind": ("走访类型", "类型"),
        "situation": ("情况", "走访情况", "发现情况"),
        "solved": ("解决问题", "解决的问题"),
        "event": ("事件",),
    },
    "problems": {
        "household": _HOUSEHOLD,
        "date": ("日期", "走访日期"),
        "kind": ("走访类型", "类型"),
        "problem": ("问题",),
        "escalated": ("提交党委会", "提交局党委会"),
        "resolved_on": ("解决日期",),
        "resolution": ("解决办法", "解决情况"),
    },
    "income": {
        "household": _HOUSEHOLD,
        "month": ("月份",),
        "amount": ("金额", "收入", "月收入"),
        "source": ("来源", "收入来源"),
    },
    "aid": {
        "household": _HOUSEHOLD,
        "date": ("日期", "帮扶日期"),
        "kind": ("帮扶类型", "类型"),
        "value": ("金额", "价值"),
        "giver": ("捐助人", "帮扶人"),
        "note": ("备注",),
    },
}

#: Sheet names of a workbook: the kind, or its Chinese name (written by `--headers zh`).
SHEETS: dict[str, tuple[str, ...]] = {
    "cadres": ("帮扶干部",), "households": ("帮扶对象",), "statuses": ("状态",),
    "pairings": ("帮扶对子",), "visits": ("走访",), "problems": ("问题",), "income": ("收入",),
    "aid": ("帮扶记录",),
}

#: What a column holds, by field name (the same in every kind): how a spreadsheet cell is read,
#: how a typed file (xlsx, Parquet) stores it. Fields not named here are text.
TYPES: dict[str, str] = {
    "born": "date", "enrolled": "date", "date": "date", "since": "date", "until": "date",
    "resolved_on": "date", "month": "month", "amount": "money", "value": "money",
    "members": "int", "escalated": "flag", "tags": "tags",
    "livelihood": "enum", "gender": "enum", "status": "enum", "kind": "enum", "event": "enum",
}

LANGUAGES = ("en", "zh")


def key(name: Any) -> str:
    """A header as typed in a spreadsheet (`Household`, `id-number`, full-width 日期 ) to compare."""
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    return text.replace("-", "_").replace(" ", "_")


_FIELD_OF: dict[str, dict[str, str]] = {
    kind: {key(zh): f for f, names in table.items() for zh in names} for kind, table in HEADERS.items()
}


def field_of(kind: str, name: Any) -> str:
    """The field a column header names: the English field name or one of its Chinese names."""
    k = key(name)
    if k in FIELDS[kind]:
        return k
    return _FIELD_OF[kind].get(k, k)


def title(kind: str, field: str, lang: str = "en") -> str:
    """The header export writes for a field."""
    return HEADERS[kind][field][0] if lang == "zh" else field


def titles(kind: str, lang: str = "en") -> list[str]:
    return [title(kind, f, lang) for f in FIELDS[kind]]


def sheet_of(name: str) -> str | None:
    """The kind a workbook sheet is named after (English or Chinese), else None."""
    k = key(name)
    for kind in FIELDS:
        if k == kind or k in SHEETS[kind]:
            return kind
    return None


def sheet_title(kind: str, lang: str = "en") -> str:
    return SHEETS[kind][0] if lang == "zh" else kind


def shown(field: str, value: Any, lang: str = "en") -> Any:
    """A stored value as a Chinese file writes it: 脱贫 for exited, 是/否 for a flag."""
    if lang != "zh" or value is None:
        return value
    kind = TYPES.get(field)
    if kind == "enum":
        return ZH_NAMES.get(value, value)
    if kind == "flag":
        return "是" if value else "否"
    return value


def table_markdown() -> str:
    """The Chinese header table for the documentation (import-format.md), generated from HEADERS."""
    lines = ["| kind | field | Chinese header (written) | also read |", "| --- | --- | --- | --- |"]
    for kind, table in HEADERS.items():
        for f in FIELDS[kind]:
            first, *more = table[f]
            lines.append(f"| {kind} | {f} | {first} | {', '.join(more)} |")
    return "\n".join(lines)
