"""Excel workbooks (.xlsx) as an import source: rows streamed from one sheet, cells read as text.

openpyxl (the optional extra `aidtrack[xlsx]`) reads the sheet in read-only mode, row by row, so a
large workbook keeps memory flat. The first non-empty row is the header; every later row goes to
the same validators as a CSV line, numbered as the spreadsheet numbers it. A cell is handed to the
validators as the text a clerk would have typed, whatever Excel stored: a date cell or a date
serial number as an ISO date (YYYY-MM for a month), 650.0 as 650, a money float with binary noise
(650.1000000001) as 650.10 (more decimals than that stay visible, so the validator refuses them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ....i18n import _
from ....kinds import KINDS
from ....model import AidtrackError
from ..headers import TYPES, field_of, key, sheet_of
from .readers import FileFault, Report, Source, header_ok, require

#: Tolerance for a money float's binary noise: 650.1000000001 is 650.10, 650.105 is an error.
NOISE = 1e-6
_MARK_EVERY = 1000
#: The largest part of a workbook (a sheet, the shared strings), uncompressed, in bytes: openpyxl
#: holds the shared strings and each cell's text whole, so a 1.5 GB cell (or a zip bomb) is refused
#: by its declared size before anything is inflated.
MAX_PART = 1 << 30


class CellFault(Exception):
    """A cell no validator could make sense of (an ID number Excel turned into a number)."""


def _check_parts(fh) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(fh) as z:
            big = [i for i in z.infolist() if i.file_size > MAX_PART]
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # openpyxl names the fault below
    finally:
        fh.seek(0)
    if big:
        raise FileFault(
            None,
            "file",
            _(
                "has a part ({name}) of {size:,} bytes uncompressed, over the limit"
                " of {limit:,} bytes: a cell or sheet that large is not a register"
            ).format(name=big[0].filename, size=big[0].file_size, limit=MAX_PART),
        )


def _open(source: Source):
    openpyxl = require()
    fh = source.binary()
    try:
        _check_parts(fh)
    except FileFault:
        fh.close()
        raise
    try:
        return openpyxl.load_workbook(fh, read_only=True, data_only=True), fh
    except Exception as e:  # a zip error, or openpyxl's own InvalidFileException and friends
        fh.close()
        raise FileFault(
            None,
            "file",
            _(
                "is not a readable .xlsx workbook ({error}); an old .xls must be saved as .xlsx or CSV first"
            ).format(error=e),
        ) from None


def sheet_kinds(path: str | Path) -> list[tuple[str, str]]:
    """(kind, sheet title) of a workbook bundle, in the registry's order; a sheet of no kind is an error."""
    source = Source(path, "xlsx")
    book, fh = _open(source)
    try:
        titles = list(book.sheetnames)
    finally:
        book.close()
        fh.close()
    found: dict[str, str] = {}
    unknown = []
    for t in titles:
        kind = sheet_of(t)
        if kind is None:
            unknown.append(t)
        elif kind in found:
            raise AidtrackError(
                "file",
                str(path),
                _("has two {kind} sheets: {a}, {b}; keep one").format(kind=kind, a=found[kind], b=t),
            )
        else:
            found[kind] = t
    if unknown:
        raise AidtrackError(
            "file",
            str(path),
            _("sheet(s) {names} are not named after a kind ({kinds})").format(
                names=", ".join(unknown), kinds=", ".join(KINDS)
            ),
        )
    return [(k, found[k]) for k in KINDS if k in found]


def _sheet(book, kind: str, wanted: str | None):
    if wanted is not None:
        return book[wanted]
    for t in book.sheetnames:
        if sheet_of(t) == kind:
            return book[t]
    return book.active


def rows(source: Source, kind: str, report: Report) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, record) of the sheet; as readers.text_records does for a CSV file."""
    book, fh = _open(source)
    try:
        sheet = _sheet(book, kind, source.sheet)
        total = sheet.max_row or 0
        sheet.reset_dimensions()  # some writers record a wrong size; read the rows that are there
        yield from _records(sheet.iter_rows(values_only=True), kind, report, book.epoch, source, total)
    finally:
        book.close()
        fh.close()


def table(source: Source, titles: tuple[str, ...] = ()) -> tuple[list[tuple[int, tuple]], dt.datetime]:
    """Every row of one sheet as stored, numbered as Excel numbers them, and the workbook's date
    epoch (for serial dates): a roster, held whole (ops/transfer/importer/roster.py). The sheet is the first
    named one of `titles`, else the active one."""
    book, fh = _open(source)
    try:
        wanted = {key(t) for t in titles}
        sheet = next((book[t] for t in book.sheetnames if key(t) in wanted), book.active)
        sheet.reset_dimensions()
        return list(enumerate(sheet.iter_rows(values_only=True), 1)), book.epoch
    finally:
        book.close()
        fh.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _records(
    cells: Iterator[tuple], kind: str, report: Report, epoch: dt.datetime, source: Source, total: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    at, header = 0, None
    for at, row in enumerate(cells, 1):  # noqa: B007 (`at` is the header's row after the loop)
        if any(not _blank(v) for v in row):
            header = ["" if _blank(v) else str(v) for v in row]
            break
    if header is None:
        report(1, "file", _("is empty: expected a header row"))
        return
    while header and header[-1] == "":
        header.pop()
    names = [field_of(kind, h) if h else None for h in header]
    if not header_ok([n for n in names if n is not None], kind, report, at):
        return
    width = len(names)
    size = source.size or 0
    for number, row in enumerate(cells, at + 1):
        if total and size and not number % _MARK_EVERY:
            source.mark(min(size, size * number // total))
        if all(_blank(v) for v in row):
            continue
        record: dict[str, Any] = {}
        try:
            for i, value in enumerate(row):
                name = names[i] if i < width else None
                if name is None:
                    if not _blank(value):
                        where = _("column {n}").format(n=i + 1)
                        raise CellFault(where, _("holds a value but has no header"))
                    continue
                record[name] = cell(name, value, epoch)
        except CellFault as e:
            report(number, *e.args)
            continue
        for name in names[len(row) :]:
            if name is not None:
                record[name] = ""
        yield number, record
    if size:
        source.mark(size)


def _date_of(value: int | float, epoch: dt.datetime) -> dt.date | None:
    """A number standing for a date: 20040920 (as typed) or an Excel serial (38250)."""
    if isinstance(value, int) or float(value).is_integer():
        n = int(value)
        if 19000101 <= n <= 99991231:
            try:
                return dt.date(n // 10000, n // 100 % 100, n % 100)
            except ValueError:
                return None
    if 1 <= value < 2958466:
        from openpyxl.utils.datetime import from_excel

        day = from_excel(value, epoch)
        return day.date() if isinstance(day, dt.datetime) else day
    return None


def _number(value: int | float) -> str:
    if isinstance(value, int) or value.is_integer():
        return str(int(value))
    return repr(value)


def cell(field: str, value: Any, epoch: dt.datetime, type_: str | None = None) -> Any:
    """A cell's value as the validators read it (text, or a bool for a flag); `type_` is what the
    column holds where it is not the field's (kinds.FieldType)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    kind = type_ or TYPES.get(field, "text")
    if isinstance(value, bool):
        return value if kind == "flag" else ("TRUE" if value else "FALSE")
    if isinstance(value, (dt.datetime, dt.date)):
        if kind == "month":
            return f"{value.year:04d}-{value.month:02d}"
        if isinstance(value, dt.datetime) and kind != "date" and value.time() != dt.time():
            return value.isoformat(sep=" ", timespec="minutes")
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    if isinstance(value, (int, float)):
        if kind == "date":
            day = _date_of(value, epoch)
            return day.isoformat() if day else _number(value)
        if kind == "month":
            if isinstance(value, int) or value.is_integer():
                n = int(value)
                if 190001 <= n <= 999912 and 1 <= n % 100 <= 12:
                    return f"{n // 100:04d}-{n % 100:02d}"
            day = _date_of(value, epoch)
            return f"{day.year:04d}-{day.month:02d}" if day else _number(value)
        if kind == "money" and isinstance(value, float) and not value.is_integer():
            cents = round(value, 2)
            return f"{cents:.2f}" if abs(value - cents) <= NOISE else repr(value)
        if field == "id_number" and abs(value) >= 1e15:
            raise CellFault(
                field,
                _(
                    "Excel stored this ID number as a number and lost its last digits:"
                    " format the column as Text and type the numbers again"
                ),
            )
        return _number(value)
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)
