"""What merge copies is held to import's limits: a unit file is input from elsewhere.

Set-based: one query per column of a unit file (over its read-only connection), from the registry's
fields (kinds.py): money whole fen from 0 to 999,999,999.99 yuan, counts within their bounds,
dates and months real, within the years a date may name and not after today where a clerk could
not type them so, choices among the kind's choices, flags 0 or 1, text within its length without
control characters, and no direction-override or zero-width character in a name or a code.
The first value that breaks a limit refuses the unit, naming the table, the row, the field and
the value.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from ...i18n import _
from ...kinds import REGISTRY, Field
from ...parse import INVISIBLE, MAX_INTEGER, MAX_YEAR, MAX_YUAN_DIGITS, MIN_YEAR, visible

#: Control characters (C0 but tab and line break, DEL, C1): refused in every text.
_CONTROLS = "".join(chr(c) for c in (*range(1, 9), 11, 12, *range(14, 32), *range(127, 160)))
#: Text fields that name someone or something by sight: invisible characters refused too.
_NAMES = frozenset({"name", "member", "code"})


def glob_class(chars: str) -> str:
    """A GLOB pattern matching a text holding any of CHARS, its class written as ranges of code points
    (\\x01-\\x08…): the same matches as listing each character, but GLOB tries a handful of ranges
    per character of every text instead of every character of the class (a third of the check)."""
    points = sorted({ord(c) for c in chars})
    if {ord("]"), ord("-"), ord("^")} & set(points):
        raise ValueError("a character GLOB reads in a class")
    parts, i = [], 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        parts.append(chr(points[i]) if i == j else f"{chr(points[i])}-{chr(points[j])}")
        i = j + 1
    return f"*[{''.join(parts)}]*"


def _sql(f: Field, column: str) -> str | None:
    """The condition a bad value of field F (stored in COLUMN) meets; None: nothing to check."""
    c = f"t.[{column}]"
    if f.type == "money":
        return f"typeof({c}) <> 'integer' OR {c} < 0 OR {c} >= {10 ** (MAX_YUAN_DIGITS + 2)}"
    if f.type == "int":
        low = f.minimum if f.minimum is not None else -MAX_INTEGER
        return f"typeof({c}) <> 'integer' OR {c} < {low} OR {c} > {MAX_INTEGER}"
    if f.type == "flag":
        return f"{c} NOT IN (0, 1)"
    if f.type == "date":
        bad = (
            f"typeof({c}) <> 'text' OR date({c}) IS NOT {c}"
            f" OR {c} < '{MIN_YEAR:04d}-01-01' OR {c} > '{MAX_YEAR:04d}-12-31'"
        )
        return bad + (f" OR {c} > :today" if f.not_future else "")
    if f.type == "month":
        bad = (
            f"typeof({c}) <> 'text' OR date({c} || '-01') IS NOT ({c} || '-01')"
            f" OR length({c}) <> 7 OR {c} < '1900-01' OR {c} > '{MAX_YEAR:04d}-12'"
        )
        return bad + (f" OR {c} > :month" if f.not_future else "")
    if f.type == "enum" and f.choices:
        return f"{c} NOT IN ({', '.join(_quote(x) for x in f.choices)})"
    if f.type in ("text", "tags"):
        bad = f"typeof({c}) <> 'text' OR length({c}) > {f.max_len} OR {c} GLOB :controls"
        return bad + (f" OR {c} GLOB :invisible" if f.name in _NAMES else "")
    return None


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def value_problem(conn: sqlite3.Connection, have: dict[str, tuple[str, ...]], today: dt.date) -> str | None:
    """The first value of the unit file (CONN's main schema) import would refuse, in one line; None.

    `have`: the tables and columns the file has (merge.check_schema). A day of grace after TODAY
    (the unit's clock may run ahead of the city's)."""
    latest = today + dt.timedelta(days=1)
    params = {
        "today": latest.isoformat(),
        "month": latest.isoformat()[:7],
        "controls": glob_class(_CONTROLS),
        "invisible": glob_class("".join(INVISIBLE)),
    }
    for kind in REGISTRY.values():
        if not kind.merged or kind.table not in have:
            continue
        checks = []
        for f in kind.fields:
            column = f.column
            if not column or column not in have[kind.table] or f.type == "ref":
                continue
            condition = _sql(f, column)
            if condition is not None:
                checks.append((f, column, f"(t.[{column}] IS NOT NULL AND ({condition}))"))
        if not checks:
            continue
        table = f"main.[{kind.table}] t"
        # one scan of the table for every column; then the bad row's field, found by its id
        bad = conn.execute(
            f"SELECT t.id FROM {table} WHERE {' OR '.join(c for _f, _c, c in checks)} LIMIT 1",  # noqa: S608
            params,
        ).fetchone()
        if bad is None:
            continue
        for f, column, condition in checks:
            row = conn.execute(
                f"SELECT t.[{column}] FROM {table} WHERE t.id = :id AND {condition}",  # noqa: S608
                {**params, "id": bad[0]},
            ).fetchone()
            if row is not None:
                return _("{table} row {id}: {field} {value} is beyond what import accepts").format(
                    table=kind.table, id=bad[0], field=f.name, value=visible(repr(row[0])[:60])
                )
    return None
