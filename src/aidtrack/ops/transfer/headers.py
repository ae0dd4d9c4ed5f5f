"""The columns of import and export files: their Chinese headers and what each holds.

HEADERS are the Chinese column names of the registry (kinds.py), per kind: the first name is the one `export
--headers zh` writes, every name is accepted by import (as are the English field names, in any
case). Export in Chinese also writes enumeration values by their Chinese names (model.ZH_NAMES)
and flags as 是/否, which parse.choice and parse.flag read back, so such a file imports as is.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from ...kinds import REGISTRY, Derived, field_types
from ...model import ZH_NAMES

#: kind -> field -> Chinese header names (the first is written by export; all are read by import).
HEADERS: Mapping[str, dict[str, tuple[str, ...]]] = Derived(
    lambda: {k.name: {f.name: f.zh for f in k.fields} for k in REGISTRY.values()}
)

#: Sheet names of a workbook: the kind, or its Chinese name (written by `--headers zh`).
SHEETS: Mapping[str, tuple[str, ...]] = Derived(lambda: {k.name: k.sheet_zh for k in REGISTRY.values()})

#: What a column holds, by field name (the same in every kind): how a spreadsheet cell is read,
#: how a typed file (xlsx, Parquet) stores it.
TYPES: Mapping[str, str] = Derived(field_types)

LANGUAGES = ("en", "zh")


def key(name: Any) -> str:
    """A header as typed in a spreadsheet (`Household`, `id-number`, full-width 日期 ) to compare."""
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    return text.replace("-", "_").replace(" ", "_")


_FIELD_OF: Mapping[str, dict[str, str]] = Derived(
    lambda: {
        kind: {key(zh): f for f, names in table.items() for zh in names} for kind, table in HEADERS.items()
    }
)


def field_of(kind: str, name: Any) -> str:
    """The field a column header names: the English field name or one of its Chinese names."""
    k = key(name)
    if k in REGISTRY[kind].field_names:
        return k
    return _FIELD_OF[kind].get(k, k)


def title(kind: str, field: str, lang: str = "en") -> str:
    """The header export writes for a field."""
    return HEADERS[kind][field][0] if lang == "zh" else field


def titles(kind: str, lang: str = "en") -> list[str]:
    return [title(kind, f, lang) for f in REGISTRY[kind].field_names]


def sheet_of(name: str) -> str | None:
    """The kind a workbook sheet is named after (English or Chinese), else None."""
    k = key(name)
    for kind in REGISTRY:
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
        for f in REGISTRY[kind].field_names:
            first, *more = table[f]
            lines.append(f"| {kind} | {f} | {first} | {', '.join(more)} |")
    return "\n".join(lines)
