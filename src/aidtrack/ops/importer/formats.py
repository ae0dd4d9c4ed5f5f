"""Every import format as one stream of (line, record): text files by readers.py, workbooks by xlsx.py.

Kept apart from both so neither imports the other (xlsx.py builds on readers.py's Source).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .readers import Report, Source, text_records


def records(source: Source, kind: str, report: Report) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, record) pairs of any supported file; the workbook reader (openpyxl) loads only for .xlsx."""
    if source.fmt == "xlsx":
        from .xlsx import rows

        yield from rows(source, kind, report)
        return
    yield from text_records(source, kind, report)
