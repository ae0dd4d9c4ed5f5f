"""Output: plain data (lists of dicts, one dict) to table, JSON, CSV or Markdown text.

rich is imported only when a table is drawn, so JSON and CSV output and `--help` stay quick.
Every user string is escaped: a name like `[red]` prints as typed.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {cell(v)}" for k, v in value.items())
    return str(value)


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else cell(row.get(c)) for c in columns])
    return buf.getvalue()


def to_markdown(rows: Sequence[dict[str, Any]], columns: Sequence[str],
                headers: Sequence[str] | None = None, title: str | None = None) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = [f"## {title}", ""] if title else []
    out.append("| " + " | ".join(esc(h) for h in (headers or columns)) + " |")
    out.append("|" + "|".join(" --- " for _ in columns) + "|")
    for row in rows:
        out.append("| " + " | ".join(esc(cell(row.get(c))) for c in columns) + " |")
    return "\n".join(out) + "\n"


def console(file: TextIO | None = None, stderr: bool = False):
    """A terminal's own width; 120 columns when piped or captured, so tables stay readable in files."""
    from rich.console import Console

    con = Console(file=file, stderr=stderr, highlight=False, soft_wrap=False)
    if not con.is_terminal and "COLUMNS" not in __import__("os").environ:
        con = Console(file=file, stderr=stderr, highlight=False, soft_wrap=False, width=120)
    return con


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str],
          headers: Sequence[str] | None = None, title: str | None = None,
          styles: dict[str, str] | None = None):
    """A rich Table (wide Chinese characters measured correctly); user text escaped."""
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=escape(title) if title else None, show_lines=False, header_style="bold")
    from rich.cells import cell_len

    for c, h in zip(columns, headers or columns):
        justify = "right" if rows and isinstance(rows[0].get(c), (int, float)) else "left"
        widest = max([cell_len(h)] + [cell_len(cell(r.get(c))) for r in rows[:200]])
        longest = max([0] + [cell_len(cell(r.get(c))) for r in rows[:200]])
        # Codes, dates and kinds keep their width; long text (situations, notes) folds.
        t.add_column(escape(h), justify=justify, overflow="fold",
                     min_width=longest if longest <= 10 else min(widest, 12))
    for row in rows:
        style = (styles or {}).get(row.get("_style", ""), None)
        t.add_row(*(escape(cell(row.get(c))) for c in columns), style=style)
    return t


def emit(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str,
         headers: Sequence[str] | None = None, title: str | None = None,
         out: TextIO | None = None, empty: str = "Nothing recorded.") -> None:
    """Print a list in the chosen format. JSON is the whole records, CSV and tables the columns."""
    out = out or sys.stdout
    if fmt == "json":
        out.write(to_json([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]) + "\n")
    elif fmt == "csv":
        out.write(to_csv(rows, columns))
    elif fmt == "markdown":
        out.write(to_markdown(rows, columns, headers, title))
    elif not rows:
        out.write(empty + "\n")
    else:
        console(out).print(table(rows, columns, headers, title))


def emit_one(record: dict[str, Any], fmt: str, out: TextIO | None = None) -> None:
    """One record: JSON object, a two-column CSV/table of field and value."""
    out = out or sys.stdout
    if fmt == "json":
        out.write(to_json(record) + "\n")
        return
    pairs = [{"field": k, "value": v} for k, v in record.items() if not isinstance(v, list)
             or not v or not isinstance(v[0], dict)]
    if fmt == "csv":
        out.write(to_csv(pairs, ["field", "value"]))
    elif fmt == "markdown":
        out.write(to_markdown(pairs, ["field", "value"]))
    else:
        from rich.markup import escape
        from rich.table import Table

        t = Table(show_header=False, box=None, padding=(0, 2))
        t.add_column(style="bold")
        t.add_column(overflow="fold")
        for p in pairs:
            t.add_row(escape(p["field"]), escape(cell(p["value"])))
        console(out).print(t)
