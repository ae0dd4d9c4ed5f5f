"""Every import format as one stream of (line, record): text files by readers.py, workbooks by xlsx.py.

Kept apart from both so neither imports the other (xlsx.py builds on readers.py's Source).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .readers import Block, Report, Source, text_blocks, text_records


class Given(Source):
    """Records already read from a file and split by kind (a roster's rows): (line, record) pairs,
    named in messages by the file they came from (or a file's rows read back from its staging)."""

    def __init__(self, name: str, items: Iterable[tuple[int, dict[str, Any]]]):
        self.name, self.fmt, self.items = name, "given", items
        self.codec = self.encoding = "utf-8"
        self.size, self.sheet = None, None
        self._path, self._stream, self._reader = None, None, None


def records(source: Source, kind: str, report: Report) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, record) pairs of any supported file; the workbook reader (openpyxl) loads only for .xlsx."""
    if isinstance(source, Given):
        yield from source.items
        return
    if source.fmt == "xlsx":
        from .xlsx import rows

        yield from rows(source, kind, report)
        return
    yield from text_records(source, kind, report)


def record_blocks(source: Source, kind: str, report: Report) -> Iterator[tuple[int, dict[str, Any] | Block]]:
    """As records, but a CSV or TSV file's rows of exactly the header's cells may come a Block at a
    time (readers.text_blocks): for the import's staging of plain text, which takes cells by position."""
    if source.fmt in ("csv", "tsv") and not isinstance(source, Given):
        yield from text_blocks(source, kind, report)
    else:
        yield from records(source, kind, report)
