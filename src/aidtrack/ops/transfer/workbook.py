"""Export to an Excel workbook (.xlsx): one sheet per kind, in the columns import reads back.

Written with openpyxl's write-only mode, row by row, so memory stays flat. Cells are typed so that
Excel sorts and sums them and import reads them back exactly: dates as date cells (before
1900-03-01, which Excel cannot hold, as ISO text), money as numbers in yuan with the format 0.00
(written from the fen as an exact decimal), months, codes, phone and ID numbers as text (Excel would
drop leading zeros and the last digits of an ID number), text beginning with `=` as text, never a
formula.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import IO, Any

from ...i18n import _
from ...kinds import REGISTRY
from ...model import AidtrackError
from ...store import Store
from .headers import TYPES, sheet_title, shown, titles

#: Before this day Excel's serial dates are off by one (its 1900 leap-year bug): write ISO text.
FIRST_DATE = "1900-03-01"
#: Rows of one Excel sheet, the header included.
MAX_ROWS = 1_048_576
WIDTH = {"date": 12, "month": 9, "money": 12, "int": 8, "flag": 8, "enum": 10}


def write(
    db: Store, kinds: Sequence[str], out: IO[bytes], redact: bool = False, headers: str = "en"
) -> dict[str, int]:
    """Write each kind to its own sheet of one workbook; returns the records written per kind."""
    from openpyxl import Workbook

    from .importer.readers import require

    require()
    for kind in kinds:
        if db.execute(f"SELECT count(*) FROM {kind}").fetchone()[0] >= MAX_ROWS:
            raise AidtrackError(
                kind,
                "",
                _("more records than an Excel sheet holds ({limit:,} rows): export CSV or Parquet").format(
                    limit=MAX_ROWS
                ),
            )
    book = Workbook(write_only=True)
    try:
        return _fill(db, book, kinds, out, redact, headers)
    except BaseException:
        for sheet in book.worksheets:  # finish each sheet's stream now, not noisily when collected
            with contextlib.suppress(Exception):
                sheet.close()
        raise


def _fill(
    db: Store, book, kinds: Sequence[str], out: IO[bytes], redact: bool, headers: str
) -> dict[str, int]:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from ..rules.redact import redact_for_file as _redacted
    from ..write.records import stored_rows

    bold = Font(bold=True)
    counts: dict[str, int] = {}
    for kind in kinds:
        sheet = book.create_sheet(sheet_title(kind, headers))
        fields = REGISTRY[kind].field_names
        for i, f in enumerate(fields, 1):
            sheet.column_dimensions[get_column_letter(i)].width = WIDTH.get(TYPES.get(f, ""), 20)
        sheet.freeze_panes = "A2"

        text, money = _makers(sheet, WriteOnlyCell, ERROR_CODES)
        cells = [_converter(TYPES.get(f, "text"), f, headers, text, money) for f in fields]
        head = []
        for name in titles(kind, headers):
            c = WriteOnlyCell(sheet, value=name)
            c.font = bold
            head.append(c)
        sheet.append(head)
        missing = REGISTRY[kind].missing  # a household never enrolled: `none`, not blank (= today)
        n = 0
        for row in stored_rows(db, kind):
            if redact:
                row = _redacted(row)
            sheet.append(
                [
                    text(missing[f]) if f in missing and row.get(f) is None else convert(row.get(f))
                    for convert, f in zip(cells, fields)
                ]
            )
            n += 1
        counts[kind] = n
    book.save(out)
    return counts


def _makers(sheet, cell_class, error_codes):
    """Cells that need more than a value: text that Excel would take for a formula, money."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def text(value: str) -> Any:
        if ILLEGAL_CHARACTERS_RE.search(value):
            raise AidtrackError(
                "text", value[:40], _("contains a control character an Excel cell cannot hold: export CSV")
            )
        if value.startswith("=") or value in error_codes:
            c = cell_class(sheet, value=value)
            c.data_type = "s"
            return c
        return value

    def money(fen: int) -> Any:
        c = cell_class(sheet, value=Decimal(fen).scaleb(-2))
        c.number_format = "0.00"
        return c

    return text, money


def _converter(kind: str, field: str, headers: str, text, money):
    """The function turning a stored value of this column into a cell value."""

    def date(v: Any) -> Any:
        if v is None:
            return None
        return dt.date.fromisoformat(v) if v >= FIRST_DATE else v

    def flag(v: Any) -> Any:
        return None if v is None else shown(field, v, headers) if headers == "zh" else int(v)

    def enum(v: Any) -> Any:
        return None if v is None else text(shown(field, v, headers))

    def plain(v: Any) -> Any:
        if v is None:
            return None
        return text(v) if isinstance(v, str) else v

    return {"date": date, "money": lambda v: None if v is None else money(v), "flag": flag, "enum": enum}.get(
        kind, plain
    )
