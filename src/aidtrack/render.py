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
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TextIO

from .i18n import N_, _, column
from .model import label

#: Columns holding enumeration values or codes shown by name (脱贫 for exited in Chinese).
ENUM_COLUMNS = frozenset(
    {
        "status",
        "kind",
        "event",
        "livelihood",
        "gender",
        "state",
        "visit_kind",
        "shock_event",
        "action",
        "entity",
        "result",
        "section",
        "records",
        "reason",
        "cause",
        "relation",
        "health",
        "category",
    }
)  # `enrolled`, the reason the program gives the first status


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


_ENUM_FIELDS: tuple[int, frozenset[str]] = (-1, frozenset())


def _enum_fields() -> frozenset[str]:
    """The names of the registry's enumeration fields (a case's decision, a job's found_by): shown
    by their names like the columns above; again when a kind is registered at run time."""
    global _ENUM_FIELDS
    from .kinds import REGISTRY, generation

    if _ENUM_FIELDS[0] != generation():
        names = {f.name for k in REGISTRY.values() for f in k.fields if f.type == "enum"}
        _ENUM_FIELDS = (generation(), frozenset(names))
    return _ENUM_FIELDS[1]


def shown(column: str, value: Any) -> str:
    """A table or Markdown cell in the interface language: enumeration values by name, yes/no.

    Control, direction and zero-width characters are shown as escapes (parse.visible).
    """
    from .parse import visible

    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if column == "reason" and value == "enrolled":  # the first status's reason, not a status
        return _("enrolled in the programme")
    if isinstance(value, str) and (column in ENUM_COLUMNS or column in _enum_fields()):
        return label(value) or ""
    return visible(cell(value), keep="\n\t")


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


_JSON = json.JSONEncoder(ensure_ascii=False, indent=2, default=str)  # to_json's


def _streamed(value: Any) -> bool:
    """A list given as an iterator (checks.common.Stream, a generator): written as it yields."""
    return isinstance(value, Iterable) and not isinstance(value, (str, bytes, bytearray, dict, list, tuple))


def _holds_stream(value: Any) -> bool:
    return _streamed(value) or (isinstance(value, dict) and any(_holds_stream(v) for v in value.values()))


def write_json(data: Any, write: Callable[[str], Any], newline: str = "\n") -> None:
    """to_json(data)'s very text, handed to `write` a piece at a time: a list given as an iterator
    (anywhere in dicts; its items plain data) is written item by item as it yields, never held
    whole; any other value is
    encoded a few thousand pieces at a time, never as one string. `newline` is the line break
    with the indentation of the level `data` sits at."""
    inner = newline + "  "
    if isinstance(data, dict) and any(_holds_stream(v) for v in data.values()):
        write("{")
        for i, (key, value) in enumerate(data.items()):
            write(("," if i else "") + inner + json.dumps(str(key), ensure_ascii=False) + ": ")
            write_json(value, write, inner)
        write(newline + "}")
    elif _streamed(data):
        # its items are plain data (a finding each), encoded whole: small
        empty = True
        for item in data:
            write(("[" if empty else ",") + inner + _JSON.encode(item).replace("\n", inner))
            empty = False
        write("[]" if empty else newline + "]")
    else:
        # a JSON string never holds a raw line break: each one in the text is the encoder's own
        pieces: list[str] = []
        for piece in _JSON.iterencode(data):
            pieces.append(piece)
            if len(pieces) == 4096:
                write("".join(pieces).replace("\n", newline))
                pieces.clear()
        write("".join(pieces).replace("\n", newline))


def to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    """CSV with spreadsheet formulas neutralised (parse.csv_safe): a name like =HYPERLINK(…) is text."""
    from .parse import csv_safe

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else csv_safe(cell(row.get(c))) for c in columns])
    return buf.getvalue()


def write_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str], write: Callable[[str], Any]) -> None:
    """to_csv(rows, columns)'s very text, handed to `write` a few hundred rows at a time as `rows`
    yields (an iterator is never held whole)."""
    from .parse import csv_safe

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for i, row in enumerate(rows, 1):
        writer.writerow(["" if row.get(c) is None else csv_safe(cell(row.get(c))) for c in columns])
        if i % 512 == 0:
            write(buf.getvalue())
            buf.seek(0)
            buf.truncate()
    write(buf.getvalue())


def to_markdown(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    headers: Sequence[str] | None = None,
    title: str | None = None,
) -> str:
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


_NUMBER = re.compile(r"^-?[0-9][0-9,]*(\.[0-9]+)?%?$")


def _numeric(texts: Sequence[str]) -> bool:
    """A column of numbers and amounts (right-aligned everywhere)."""
    values = [t for t in texts if t]
    return bool(values) and all(_NUMBER.match(t) for t in values)


def table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    headers: Sequence[str] | None = None,
    title: str | None = None,
    styles: dict[str, str] | None = None,
    width: int = 150,
):
    """A rich Table that fits WIDTH without cropping a column or breaking a code, date or number
    (layout.fit); long text wraps by Chinese rules (layout.wrap). None when no layout fits: the
    caller prints one record per block instead (to_lines)."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from .layout import fit, unbreakable, width_of, wrap

    names = [column(h) for h in (headers or columns)]
    texts = [[shown(c, r.get(c)) for r in rows] for c in columns]
    natural = sum(
        max([width_of(line) for t in col for line in t.split("\n")] + [width_of(n)]) + 3
        for col, n in zip(texts, names)
    )
    if natural + 1 > width:  # short of room: a column empty in every row gives its width to text
        keep = [i for i, col in enumerate(texts) if any(col)]
        if keep and len(keep) < len(texts):
            columns = [columns[i] for i in keep]
            names, texts = [names[i] for i in keep], [texts[i] for i in keep]
    widths = fit(texts, names, width)
    if widths is not None:
        t = Table(
            title=escape(title) if title else None,
            title_justify="left",
            show_lines=False,
            header_style="bold",
        )
    else:  # no borders between columns: two cells a column instead of three
        widths = fit(texts, names, width, chrome=2, edge=-2)
        if widths is None:
            return None
        t = Table(
            title=escape(title) if title else None,
            title_justify="left",
            show_lines=False,
            header_style="bold underline",
            box=None,
            padding=(0, 1),
            pad_edge=False,
        )
    for h, w, col in zip(names, widths, texts):
        head = "\n".join(wrap(h, w)) if width_of(h) > w else h  # a header folds by Chinese rules too
        t.add_column(Text(head), justify="right" if _numeric(col) else "left", overflow="fold", width=w)
    for i, row in enumerate(rows):
        row_style = (styles or {}).get(row.get("_style", ""), None) or ("bold" if row.get("_bold") else None)
        states = row.get("_styles", {})
        cells = []
        for c, w, col in zip(columns, widths, texts):
            text = col[i]
            cells.append(
                Text(
                    text if unbreakable(text) else "\n".join(wrap(text, w)),
                    style=_STATE_STYLE.get(states.get(c, ""), ""),
                )
            )
        t.add_row(*cells, style=row_style)
    return t


def _print_unpadded(con: Any, renderable: Any) -> None:
    """Print; piped, without the spaces rich pads each line to the console's width with."""
    if con.is_terminal:
        con.print(renderable)
        return
    with con.capture() as captured:
        con.print(renderable)
    con.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def print_table(
    con: Any,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    headers: Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    """A table on the console when one fits its width, else one record per block."""
    t = table(rows, columns, headers, title, width=con.width)
    if t is not None:
        _print_unpadded(con, t)
        return
    if title:
        con.file.write(title + "\n\n")
    con.file.write(to_lines(rows, columns, headers, con.width))


def to_lines(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    headers: Sequence[str] | None = None,
    width: int = 80,
) -> str:
    """One record per block, `label  value` a line: what a narrow terminal shows instead of a table."""
    from .layout import width_of, wrap

    names = [column(h) for h in (headers or columns)]
    pad = max([width_of(n) for n in names] + [0])
    blocks = []
    for row in rows:
        lines = []
        for c, name in zip(columns, names):
            text = shown(c, row.get(c))
            body = wrap(text, max(width - pad - 2, 10)) if text else [""]
            lines.append(name + " " * (pad - width_of(name) + 2) + body[0])
            lines += [" " * (pad + 2) + more for more in body[1:]]
        blocks.append("\n".join(line.rstrip() for line in lines))
    return "\n\n".join(blocks) + "\n"


def emit(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    fmt: str,
    headers: Sequence[str] | None = None,
    title: str | None = None,
    out: TextIO | None = None,
    empty: str | None = None,
) -> None:
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
        con = console(out)
        if fmt == "lines":
            out.write(to_lines(rows, columns, headers, con.width))
        else:
            print_table(con, rows, columns, headers, title)


def emit_one(record: dict[str, Any], fmt: str, out: TextIO | None = None) -> None:
    """One record: JSON object, a two-column CSV/table of field and value."""
    out = out or sys.stdout
    if fmt == "json":
        out.write(to_json(record) + "\n")
        return
    pairs = [
        {"field": k, "value": v}
        for k, v in record.items()
        if not isinstance(v, list) or not v or not isinstance(v[0], dict)
    ]
    if fmt == "csv":
        out.write(to_csv(pairs, ["field", "value"]))
    elif fmt == "markdown":
        out.write(
            to_markdown(
                [{"field": column(p["field"]), "value": shown(p["field"], p["value"])} for p in pairs],
                ["field", "value"],
            )
        )
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


def _marked(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with each cell's state marked in its text (2/3 ✗, 1/2 (due)): what colour says on a
    terminal, said where there is none (NO_COLOR, a pipe, a file)."""
    out = []
    for row in rows:
        states = row.get("_styles") or {}
        if states:
            row = dict(row)
            for c, state in states.items():
                text = shown(c, row.get(c))
                if text and _STATE_MARK.get(state):
                    row[c] = text + _(_STATE_MARK[state])
        out.append(row)
    return out


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
            lines += [
                f"- **{markdown_escape(label)}**: {markdown_escape(cell(value))}"
                for label, value in s["rows"]
            ]
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
            legend = s.get("legend_plain") or s.get("legend")  # Markdown marks states, never colours
            if legend:
                lines += ["", f"*{markdown_escape(legend)}*"]
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
    _print_unpadded(con, Text(doc["title"], style="bold"))
    for s in doc.get("sections", []):
        con.print()
        if s.get("title"):
            _print_unpadded(con, Text(s["title"], style="bold underline"))
        if s["kind"] == "fields":
            from .layout import unbreakable, width_of, wrap

            # The labels whole on one line where they take at most half the width; the values fold
            # by Chinese rules in the rest (padding: 2 cells each side of each column).
            lw = min(max([width_of(label) for label, _ in s["rows"]] + [1]), con.width // 2)
            vw = max(con.width - lw - 8, 10)
            t = Table(show_header=False, box=None, padding=(0, 2))
            t.add_column(style="bold", width=lw)
            t.add_column(width=vw)
            for label, value in s["rows"]:
                text = cell(value)
                t.add_row(
                    Text("\n".join(wrap(label, lw))),
                    Text(text if unbreakable(text) else "\n".join(wrap(text, vw))),
                )
            _print_unpadded(con, t)
        elif s["kind"] == "trend":
            con.print(
                Text(f"{s['first']} "),
                Text(sparkline(s["values"]), style="cyan"),
                Text(f" {s['last']}"),
                sep="",
            )
        elif s["kind"] == "text":
            _print_unpadded(con, Text(s["text"]))
        elif not s["rows"]:
            _print_unpadded(con, Text(s.get("empty") or _("Nothing recorded.")))
        elif len(s["rows"]) > _BIG_TABLE:
            colour = con.is_terminal and not con.no_color
            out.write(_plain_table(s if colour else {**s, "rows": _marked(s["rows"])}, color=colour))
        else:
            colour = con.is_terminal and not con.no_color
            print_table(con, s["rows"] if colour else _marked(s["rows"]), s["columns"], s["headers"])
            legend = s.get("legend") if colour else s.get("legend_plain") or s.get("legend")
            if legend:
                _print_unpadded(con, Text(legend, style="dim"))


def write_json_records(data: dict[str, Any], out: TextIO) -> None:
    """One JSON object, indented by object, each record of a list of records on a line of its own
    (at any depth: the quarter report's attention holds its lists in an object), written to a
    stream a record at a time (no copy of the whole text: a city's quarter report is tens of
    megabytes). Valid JSON like to_json, but written by the C encoder a record at a time: a
    quarter report of 20,000 pairings prints in a fraction of the time `indent=2` takes."""
    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
    _write_json_value(data, out, "", encode)


def _write_json_value(value: Any, out: TextIO, pad: str, encode: Callable[[Any], str]) -> None:
    """`value` at an indent of `pad`: an object key by key, a list of records a record a line,
    anything else as `indent=2` writes it."""
    if isinstance(value, dict) and value:
        inner = pad + "  "
        out.write("{\n")
        for i, (key, item) in enumerate(value.items()):
            out.write(("" if i == 0 else ",\n") + inner + encode(str(key)) + ": ")
            _write_json_value(item, out, inner, encode)
        out.write("\n" + pad + "}")
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        inner = pad + "  "
        for j, record in enumerate(value):
            out.write(("[\n" if j == 0 else ",\n") + inner + encode(record))
        out.write("\n" + pad + "]")
    else:
        out.write(json.dumps(value, ensure_ascii=False, indent=2, default=str).replace("\n", "\n" + pad))


#: Rows beyond which a table is drawn as plain aligned text: rich takes seconds over 20,000 rows.
_BIG_TABLE = 500
_ANSI = {"green": "\x1b[32m", "bold red": "\x1b[1;31m", "dim": "\x1b[2m", "bold": "\x1b[1m"}


def _plain_table(section: dict[str, Any], color: bool = False) -> str:
    """A large table as aligned text (wide characters measured), cell states coloured on a terminal."""
    from rich.cells import cell_len

    columns, rows = section["columns"], section["rows"]
    headers = [column(h) for h in section["headers"]]
    texts = [[shown(c, r.get(c)) for c in columns] for r in rows]
    widths = [max([cell_len(h)] + [cell_len(t[i]) for t in texts]) for i, h in enumerate(headers)]
    first = rows[0]
    right = [isinstance(first.get(c), (int, float)) and not isinstance(first.get(c), bool) for c in columns]

    def pad(text: str, i: int) -> str:
        gap = " " * (widths[i] - cell_len(text))
        return gap + text if right[i] else text + gap

    lines = ["  ".join(pad(h, i) for i, h in enumerate(headers)).rstrip(), "  ".join("-" * w for w in widths)]
    for row, values in zip(rows, texts):
        styles = row.get("_styles", {})
        parts = []
        for i, (c, text) in enumerate(zip(columns, values)):
            padded = pad(text, i)
            style = _STATE_STYLE.get(styles.get(c, "")) or ("bold" if row.get("_bold") else None)
            parts.append(f"{_ANSI[style]}{padded}\x1b[0m" if color and style and text else padded)
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"


def xlsx_document(doc: dict[str, Any], out: Any) -> None:
    """A report's tables on one sheet of an Excel workbook (a binary file `out`): its title, then each
    table's headers and rows. Whole numbers stay numbers; everything else is text, never a formula."""
    from .ops.transfer.importer.readers import require

    openpyxl = require()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", doc["title"])[:31]
    sheet.append([doc["title"]])
    if doc.get("empty"):
        sheet.append([doc["empty"]])
    for s in doc.get("sections", []):
        if s.get("kind") != "table":
            continue
        if s.get("title"):
            sheet.append([s["title"]])
        sheet.append([_(h) for h in s["headers"]])
        for r in s["rows"]:
            values = [r.get(c) for c in s["columns"]]
            sheet.append([v if type(v) is int else cell(v) for v in values])
            for c in sheet[sheet.max_row]:
                if isinstance(c.value, str) and c.value.startswith("="):
                    c.data_type = "s"  # text, never a formula
    book.save(out)
