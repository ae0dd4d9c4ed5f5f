"""Output: plain data (lists of dicts, one dict) to table, JSON, CSV or Markdown text.

rich is imported only when a table is drawn, so JSON and CSV output and `--help` stay quick.
Every user string is escaped: a name like `[red]` prints as typed. Tables and Markdown speak the
interface language (headers, enumeration values, yes/no); JSON and CSV keep the English keys and
values that scripts read.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any, Literal, TextIO

from .i18n import N_, _, column
from .model import label

#: Columns holding enumeration values or codes shown by name (脱贫 for exited in Chinese).
ENUM_COLUMNS = frozenset({"status", "kind", "event", "livelihood", "gender", "state", "visit_kind",
                          "shock_event", "action", "entity", "result", "section", "records",
                          "reason"})  # `enrolled`, the reason the program gives the first status


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


def shown(column: str, value: Any) -> str:
    """A table or Markdown cell in the interface language: enumeration values by name, yes/no.

    Control, direction and zero-width characters are shown as escapes (parse.visible).
    """
    from .parse import visible

    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if column in ENUM_COLUMNS and isinstance(value, str):
        return label(value) or ""
    return visible(cell(value), keep="\n\t")


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    """CSV with spreadsheet formulas neutralised (parse.csv_safe): a name like =HYPERLINK(…) is text."""
    from .parse import csv_safe

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else csv_safe(cell(row.get(c))) for c in columns])
    return buf.getvalue()


def to_markdown(rows: Sequence[dict[str, Any]], columns: Sequence[str],
                headers: Sequence[str] | None = None, title: str | None = None) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = [f"## {title}", ""] if title else []
    out.append("| " + " | ".join(esc(column(h)) for h in (headers or columns)) + " |")
    out.append("|" + "|".join(" --- " for _c in columns) + "|")
    for row in rows:
        out.append("| " + " | ".join(esc(shown(c, row.get(c))) for c in columns) + " |")
    return "\n".join(out) + "\n"


def console(file: TextIO | None = None, stderr: bool = False):
    """A terminal's own width; 150 columns when piped or captured, so tables stay readable in files."""
    from rich.console import Console

    con = Console(file=file, stderr=stderr, highlight=False, soft_wrap=False)
    if not con.is_terminal and "COLUMNS" not in os.environ:
        con.width = 150
    return con


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str],
          headers: Sequence[str] | None = None, title: str | None = None,
          styles: dict[str, str] | None = None):
    """A rich Table (wide Chinese characters measured correctly); user text escaped, headers translated."""
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=escape(title) if title else None, show_lines=False, header_style="bold")
    from rich.cells import cell_len

    justify: Literal["left", "right"]
    for c, h in zip(columns, headers or columns):
        h = column(h)
        justify = "right" if rows and isinstance(rows[0].get(c), (int, float)) else "left"
        widest = max([cell_len(h)] + [cell_len(shown(c, r.get(c))) for r in rows[:200]])
        longest = max([0] + [cell_len(shown(c, r.get(c))) for r in rows[:200]])
        # Codes, dates and kinds keep their width; long text (situations, notes) folds.
        t.add_column(escape(h), justify=justify, overflow="fold",
                     min_width=longest if longest <= 10 else min(widest, 12))
    for row in rows:
        style = (styles or {}).get(row.get("_style", ""), None)
        t.add_row(*(escape(shown(c, row.get(c))) for c in columns), style=style)
    return t


def emit(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str,
         headers: Sequence[str] | None = None, title: str | None = None,
         out: TextIO | None = None, empty: str | None = None) -> None:
    """Print a list in the chosen format. JSON is the whole records, CSV and tables the columns."""
    out = out or sys.stdout
    if fmt == "json":
        out.write(to_json([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]) + "\n")
    elif fmt == "csv":
        out.write(to_csv(rows, columns))
    elif fmt == "markdown":
        out.write(to_markdown(rows, columns, headers, title))
    elif not rows:
        out.write((empty or _("Nothing recorded.")) + "\n")
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
        out.write(to_markdown([{"field": column(p["field"]), "value": shown(p["field"], p["value"])}
                               for p in pairs], ["field", "value"]))
    else:
        from rich.markup import escape
        from rich.table import Table

        t = Table(show_header=False, box=None, padding=(0, 2))
        t.add_column(style="bold")
        t.add_column(overflow="fold")
        for p in pairs:
            t.add_row(escape(column(p["field"])), escape(shown(p["field"], p["value"])))
        console(out).print(t)


def sparkline(values: Sequence[float | int | None]) -> str:
    """▁▂▃▄▅▆▇█ scaled from the lowest value to the highest; a space where a value is missing."""
    bars = "▁▂▃▄▅▆▇█"
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif high == low:
            out.append(bars[3])
        else:
            out.append(bars[round((v - low) / (high - low) * (len(bars) - 1))])
    return "".join(out)


def markdown_escape(text: str) -> str:
    """Text safe inside a Markdown table cell: a redacted 刘** must not turn the row bold."""
    for ch in "\\`*_[]<>|":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\r", " ").replace("\n", " ")


#: How each visits-cell state shows on a terminal and on paper.
_STATE_STYLE = {"met": "green", "short": "bold red", "pending": "dim", "future": "dim"}
_STATE_MARK = {"met": "", "short": " ✗", "pending": N_(" (due)"), "future": N_(" (future)")}


def emit_document(doc: dict[str, Any], fmt: str, out: TextIO | None = None) -> None:
    """Print a report laid out as a document, on a terminal (fmt "table") or as Markdown.

    doc: {"title": str, "empty": str (printed instead of the sections when set), "sections": [...]}
    with sections {"kind": "table", "title", "columns", "headers", "rows", "empty", "legend"}
    (a row's "_styles" maps a column to a cell state: met, short, pending, future; "_bold" marks a
    summary row), {"kind": "fields", "title", "rows": [(label, value)]},
    {"kind": "trend", "title", "values", "first", "last"} (drawn as a sparkline) and
    {"kind": "text", "text"}.
    """
    out = out or sys.stdout
    if fmt == "markdown":
        out.write(_markdown_document(doc))
    else:
        _print_document(doc, out)


def _markdown_document(doc: dict[str, Any]) -> str:
    lines = [f"# {markdown_escape(doc['title'])}", ""]
    if doc.get("empty"):
        return "\n".join([*lines, markdown_escape(doc["empty"]), ""])
    for s in doc.get("sections", []):
        if s.get("title"):
            lines += [f"## {markdown_escape(s['title'])}", ""]
        if s["kind"] == "fields":
            lines += [f"- **{markdown_escape(label)}**: {markdown_escape(cell(value))}"
                      for label, value in s["rows"]]
        elif s["kind"] == "trend":
            lines.append(f"{s['first']} `{sparkline(s['values'])}` {s['last']}")
        elif s["kind"] == "text":
            lines.append(markdown_escape(s["text"]))
        elif not s["rows"]:
            lines.append(markdown_escape(s.get("empty") or _("Nothing recorded.")))
        else:
            lines.append("| " + " | ".join(markdown_escape(column(h)) for h in s["headers"]) + " |")
            lines.append("|" + "|".join(" --- " for _c in s["columns"]) + "|")
            for row in s["rows"]:
                styles = row.get("_styles", {})
                texts = []
                for c in s["columns"]:
                    text = markdown_escape(shown(c, row.get(c)))
                    if c in styles and text:
                        text += _(_STATE_MARK.get(styles[c], ""))
                    texts.append(f"**{text}**" if row.get("_bold") and text else text)
                lines.append("| " + " | ".join(texts) + " |")
            if s.get("legend"):
                lines += ["", f"*{markdown_escape(s['legend'])}*"]
        lines.append("")
    return "\n".join(lines)


def _print_document(doc: dict[str, Any], out: TextIO) -> None:
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    con = console(out)
    if doc.get("empty"):
        con.print(escape(doc["empty"]))
        return
    con.print(Text(doc["title"], style="bold"))
    for s in doc.get("sections", []):
        con.print()
        if s.get("title"):
            con.print(Text(s["title"], style="bold underline"))
        if s["kind"] == "fields":
            t = Table(show_header=False, box=None, padding=(0, 2))
            t.add_column(style="bold")
            t.add_column(overflow="fold")
            for label, value in s["rows"]:
                t.add_row(Text(label), Text(cell(value)))
            con.print(t)
        elif s["kind"] == "trend":
            con.print(Text(f"{s['first']} "), Text(sparkline(s["values"]), style="cyan"),
                      Text(f" {s['last']}"), sep="")
        elif s["kind"] == "text":
            con.print(Text(s["text"]))
        elif not s["rows"]:
            con.print(Text(s.get("empty") or _("Nothing recorded.")))
        elif len(s["rows"]) > _BIG_TABLE:
            out.write(_plain_table(s, color=con.is_terminal and not con.no_color))
        else:
            t = Table(show_lines=False, header_style="bold")
            first = s["rows"][0]
            for c, h in zip(s["columns"], s["headers"]):
                numeric = isinstance(first.get(c), (int, float)) and not isinstance(first.get(c), bool)
                t.add_column(Text(column(h)), justify="right" if numeric else "left", overflow="fold")
            for row in s["rows"]:
                styles = row.get("_styles", {})
                t.add_row(*(Text(shown(c, row.get(c)), style=_STATE_STYLE.get(styles.get(c, ""), ""))
                            for c in s["columns"]), style="bold" if row.get("_bold") else None)
            con.print(t)
            if s.get("legend"):
                con.print(Text(s["legend"], style="dim"))


def to_json_records(data: dict[str, Any]) -> str:
    """One JSON object, indented at the top, each record of a list of records on a line of its own.

    Valid JSON like to_json, but written by the C encoder a record at a time: a quarter report of
    20,000 pairings prints in a fraction of the time `indent=2` takes, and a record reads as a row.
    """
    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
    parts = []
    for key, value in data.items():
        name = json.dumps(key, ensure_ascii=False)
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            body = "[\n    " + ",\n    ".join(map(encode, value)) + "\n  ]"
        else:
            body = json.dumps(value, ensure_ascii=False, indent=2, default=str).replace("\n", "\n  ")
        parts.append(f"  {name}: {body}")
    return "{\n" + ",\n".join(parts) + "\n}" if parts else "{}"


#: Rows beyond which a table is drawn as plain aligned text: rich takes seconds over 20,000 rows.
_BIG_TABLE = 500
_ANSI = {"green": "\x1b[32m", "bold red": "\x1b[1;31m", "dim": "\x1b[2m", "bold": "\x1b[1m"}


def _plain_table(section: dict[str, Any], color: bool = False) -> str:
    """A large table as aligned text (wide characters measured), cell states coloured on a terminal."""
    from rich.cells import cell_len

    columns, rows = section["columns"], section["rows"]
    headers = [column(h) for h in section["headers"]]
    texts = [[shown(c, r.get(c)) for c in columns] for r in rows]
    widths = [max([cell_len(h)] + [cell_len(t[i]) for t in texts])
              for i, h in enumerate(headers)]
    first = rows[0]
    right = [isinstance(first.get(c), (int, float)) and not isinstance(first.get(c), bool) for c in columns]

    def pad(text: str, i: int) -> str:
        gap = " " * (widths[i] - cell_len(text))
        return gap + text if right[i] else text + gap

    lines = ["  ".join(pad(h, i) for i, h in enumerate(headers)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for row, values in zip(rows, texts):
        styles = row.get("_styles", {})
        parts = []
        for i, (c, text) in enumerate(zip(columns, values)):
            padded = pad(text, i)
            style = _STATE_STYLE.get(styles.get(c, "")) or ("bold" if row.get("_bold") else None)
            parts.append(f"{_ANSI[style]}{padded}\x1b[0m" if color and style and text else padded)
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"
