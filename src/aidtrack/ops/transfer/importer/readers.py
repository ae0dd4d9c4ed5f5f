"""Import files as a stream of (line, record): CSV, TSV, a JSON array or JSON Lines, any size.

Nothing reads a whole file: CSV through csv.reader over the open file, a JSON array element by
element with raw_decode over a sliding buffer. The bytes are hashed as they go past (the audit log
records the file's SHA-256) and counted (for the progress bar).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import stat
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, cast

from .... import parse
from ....i18n import _
from ....kinds import REGISTRY, Derived
from ....model import AidtrackError
from ..headers import HEADERS, field_of

FORMATS = ("csv", "tsv", "json", "jsonl", "xlsx")
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
#: --encoding values and the codec that reads them; utf-8-sig drops the BOM Excel writes.
ENCODINGS = {"utf-8": "utf-8-sig", "gbk": "gbk", "gb18030": "gb18030"}

#: Columns a file must have: what the record cannot do without, and the dates the add commands
#: would default to today (a file restating history must say when).
REQUIRED: Mapping[str, tuple[str, ...]] = Derived(
    lambda: {k.name: k.required_in_file for k in REGISTRY.values()}
)
FIELDS: Mapping[str, tuple[str, ...]] = Derived(lambda: {k.name: k.field_names for k in REGISTRY.values()})

_CHUNK = 1 << 20
#: Characters of a CSV or TSV file read as one block (_Lines._blocks).
_TEXT_BLOCK = 1 << 16
#: The longest line of a CSV/TSV/JSON Lines file and the largest element of a JSON array, in
#: characters: memory stays bounded by this, not by the file (a 1 GB line without a newline is
#: refused, not read). Cells are capped far lower by the validators (parse.text).
MAX_LINE = 16 << 20
#: The longest CSV cell before the parser stops (csv.field_size_limit): the validators' own cap is
#: lower; this only bounds memory on the way there.
MAX_CELL = 4 << 20
#: The most columns a header may have and cells a row may hold (a kind has at most a few dozen
#: fields; a 200,000-column header or a row of 10 million cells is refused, not held), and the most
#: characters one CSV row may span over its lines (a quote never closed swallows what follows).
MAX_COLUMNS = 1_000
MAX_ROW = MAX_LINE
#: The most separators one CSV row may hold (commas inside quoted text count too): a row of 10
#: million empty cells is refused before the parser builds it.
MAX_SEPARATORS = 100_000
#: Called with (line, field, message) for a fault in the file's structure.
Report = Callable[[int | None, str, str], None]


class FileFault(Exception):
    """The file cannot be read on (not text in the encoding, broken JSON): reading stops here."""

    def __init__(self, line: int | None, field: str, message: str):
        super().__init__(message)
        self.line, self.field, self.message = line, field, message


def fmt_of(name: str, fmt: str | None, default: str = "csv") -> str:
    """The format given, else the one the file name's extension implies, else `default`."""
    if fmt:
        return parse.choice(fmt, FORMATS, "format")
    ext = Path(name).suffix.lower()
    return EXTENSIONS.get(ext, default)


XLSX_INSTALL = "pip install 'aidtrack[xlsx]'"


def require() -> Any:
    """openpyxl (the optional xlsx extra), or one line naming the install command."""
    try:
        import openpyxl
    except ImportError:
        raise AidtrackError(
            "format", "", _("xlsx needs openpyxl, which is not installed: {cmd}").format(cmd=XLSX_INSTALL)
        ) from None
    return openpyxl


def codec(encoding: str) -> str:
    return ENCODINGS[
        parse.choice(encoding.replace("_", "-").replace("utf8", "utf-8"), tuple(ENCODINGS), "encoding")
    ]


class _Hashing(io.RawIOBase):
    """A binary stream that hashes and counts the bytes read through it."""

    def __init__(self, raw: IO[bytes], check_utf8: bool = False):
        self.raw = raw
        self.hash = hashlib.sha256()
        self.done = 0
        #: Whether every byte so far is valid UTF-8 with some non-ASCII text (checked only when
        #: asked: a file named GBK that is in fact UTF-8 would be stored garbled).
        self.utf8 = codecs.getincrementaldecoder("utf-8")() if check_utf8 else None
        self.non_ascii = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.hash.update(data)
        self.done += n
        if self.utf8 is not None:
            try:
                self.utf8.decode(data, final=not n)
                self.non_ascii = self.non_ascii or not data.isascii()
            except UnicodeDecodeError:
                self.utf8 = None
        return n

    def was_utf8(self) -> bool:
        return self.utf8 is not None and self.non_ascii


class _HashingText:
    """The same for a text stream handed to the API (hashed as UTF-8)."""

    def __init__(self, raw: IO[str]):
        self.raw = raw
        self.hash = hashlib.sha256()
        self.done = 0

    def _seen(self, text: str) -> str:
        data = text.encode("utf-8")
        self.hash.update(data)
        self.done += len(data)
        return text

    def read(self, n: int = -1) -> str:
        return self._seen(self.raw.read(n))

    def readline(self, n: int = -1) -> str:
        return self._seen(self.raw.readline(n))

    def __iter__(self) -> Iterator[str]:
        for line in self.raw:
            yield self._seen(line)


class Source:
    """One input: a path, `-` for standard input, or an open stream (binary or text)."""

    def __init__(self, src: str | os.PathLike | IO, fmt: str | None = None, encoding: str = "utf-8"):
        self.codec = codec(encoding)
        self.encoding = encoding
        self.size: int | None = None
        self._path: Path | None = None
        self._stream: IO | None = None
        #: A pipe this Source opened itself (closed by `close`).
        self._owned: IO[bytes] | None = None
        if isinstance(src, (str, os.PathLike)) and str(src) == "-":
            self.name = "<stdin>"
            self._stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else sys.stdin
        elif isinstance(src, (str, os.PathLike)) and _is_pipe(Path(src)):
            # a pipe or a process substitution (<(zcat x.csv.gz), /dev/fd/63): read once, as it comes
            self.name = str(src)
            self._stream = self._owned = Path(src).open("rb")
        elif isinstance(src, (str, os.PathLike)):
            self._path = Path(src)
            self.name = str(src)
            if not self._path.is_file():
                what = (
                    _("is a directory: use `import bundle DIR`")
                    if self._path.is_dir()
                    else _("does not exist")
                )
                raise AidtrackError("file", self.name, what)
            self.size = self._path.stat().st_size
        else:
            self._stream = src
            self.name = str(getattr(src, "name", "<stream>"))
        self.fmt = fmt_of(self.name, fmt)
        self._reader: _Hashing | _HashingText | None = None
        #: The worksheet to read (a workbook bundle names it); None: the kind's sheet, else the active one.
        self.sheet: str | None = None
        if self.fmt == "xlsx":
            require()

    def _input(self) -> IO:
        """The input opened: the file (binary), or the stream handed over (binary or text)."""
        if self._path is not None:
            return self._path.open("rb")
        assert self._stream is not None  # one of the two is set by __init__
        return self._stream

    def open(self) -> IO[str] | _HashingText:
        """The text, decoded, BOM dropped; CSV needs newline='' to keep quoted line breaks."""
        raw = self._input()
        if isinstance(raw, io.TextIOBase) or isinstance(getattr(raw, "read", lambda n: b"")(0), str):
            self._reader = _HashingText(raw)
            return self._reader
        self._reader = _Hashing(raw, check_utf8=self.codec in ("gbk", "gb18030"))
        buffered = io.BufferedReader(self._reader, buffer_size=_CHUNK)
        return io.TextIOWrapper(buffered, encoding=self.codec, newline="")

    def binary(self) -> IO[bytes]:
        """The whole input as a seekable binary file, hashed first: a zip (xlsx) is read by seeking."""
        raw = self._input()
        if isinstance(raw, io.TextIOBase) or isinstance(getattr(raw, "read", lambda n: b"")(0), str):
            raise FileFault(None, "file", _("is text, not an .xlsx workbook"))
        reader = _Hashing(raw)
        kept = io.BytesIO() if self._path is None else None
        while chunk := reader.raw.read(_CHUNK):
            reader.hash.update(chunk)
            if kept is not None:
                kept.write(chunk)
        self._reader = reader
        if self._path is not None:  # a file: read it again from the start
            raw.close()
            return self._path.open("rb")
        assert kept is not None
        kept.seek(0)
        return kept

    def mark(self, done: int) -> None:
        """Progress of a reader that does not consume the bytes in order (an xlsx row of N)."""
        if self._reader is not None:
            self._reader.done = done

    @property
    def done(self) -> int:
        return self._reader.done if self._reader else 0

    @property
    def sha256(self) -> str:
        return self._reader.hash.hexdigest() if self._reader else hashlib.sha256().hexdigest()

    def close(self, text: IO[str] | _HashingText | None) -> None:
        """Close what `open` opened on a file or a pipe (a stream handed over stays open)."""
        if (self._path is not None or self._owned is not None) and isinstance(text, io.IOBase):
            text.close()
        if self._owned is not None:
            self._owned.close()


def _is_pipe(path: Path) -> bool:
    """A FIFO or a character device (a pipe, /dev/stdin): readable once, never twice."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def column(name: Any, kind: str | None = None) -> str:
    """A header as typed in a spreadsheet (`Household`, `id-number`, 户主) to the field name."""
    if kind is not None:
        return field_of(kind, name)
    return str(name).strip().lower().replace("-", "_").replace(" ", "_")


def text_records(source: Source, kind: str, report: Report) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, record) pairs of a text file (CSV, TSV, JSON, JSON Lines); structural faults go to
    `report`, unreadable text raises FileFault. Workbooks are read by xlsx.py (formats.records)."""
    return cast(Iterator[tuple[int, dict[str, Any]]], _text(source, kind, report, False))


def text_blocks(source: Source, kind: str, report: Report) -> Iterator[tuple[int, dict[str, Any] | Block]]:
    """As text_records, but a CSV or TSV file's rows of exactly the header's cells, read without
    the parser, come as (first line, Block), many rows at once (`_csv`)."""
    return _text(source, kind, report, True)


def _text(
    source: Source, kind: str, report: Report, blocks: bool
) -> Iterator[tuple[int, dict[str, Any] | Block]]:
    text = source.open()
    try:
        if source.fmt in ("csv", "tsv"):
            yield from _csv(
                _Lines(text, source, rows=True), kind, report, "\t" if source.fmt == "tsv" else ",", blocks
            )
        elif source.fmt == "jsonl":
            yield from _jsonl(_Lines(text, source), kind, report)
        else:
            yield from _json(text, kind, report)
        _not_utf8(source)
    except UnicodeDecodeError as e:
        raise FileFault(None, "encoding", _decode_hint(source, e)) from None
    finally:
        source.close(text)


def _not_utf8(source: Source) -> None:
    """A file read as GBK that was UTF-8 after all would be stored garbled: refused."""
    reader = source._reader
    if isinstance(reader, _Hashing) and reader.was_utf8():
        raise FileFault(
            None,
            "encoding",
            _(
                "is UTF-8 text, not {encoding}: reading it as {encoding} would store it garbled;"
                " import it without --encoding"
            ).format(encoding=source.encoding),
        )


def csv_rows(source: Source) -> list[tuple[int, list[str]]]:
    """Every row of a CSV or TSV file as text cells, with the line it starts on: a roster (one sheet
    a clerk keeps, held whole: ops/transfer/importer/roster.py), read with the checks of every CSV import."""
    text = source.open()
    out: list[tuple[int, list[str]]] = []
    try:
        lines = _Lines(text, source)
        csv.field_size_limit(MAX_CELL)
        reader = csv.reader(lines, delimiter="\t" if source.fmt == "tsv" else ",")
        prev = 0
        try:
            for row in reader:
                if lines.quoted:
                    row = [parse.csv_typed(c) if c[:1] == "'" else c for c in row]
                out.append((prev + 1, row))
                prev = reader.line_num
        except csv.Error as e:
            raise FileFault(prev + 1, "file", _("is not readable as CSV: {error}").format(error=e)) from None
        _not_utf8(source)
    except UnicodeDecodeError as e:
        raise FileFault(None, "encoding", _decode_hint(source, e)) from None
    finally:
        source.close(text)
    return out


class _Lines:
    """The file's lines, each at most MAX_LINE characters: a longer one is refused, never held whole.

    `quoted` turns true once a line holds a `'`: until then no cell can carry the quote CSV export
    puts before a formula start, and rows skip the unquoting (parse.csv_typed).
    """

    def __init__(self, text: IO[str] | Any, source: Source | None = None, rows: bool = False):
        self.text = text
        #: Whether the reader marks its rows (`row()`): CSV and TSV of a kind.
        self.rows = rows
        self.n = 0
        self.quoted = False
        #: The current CSV row's characters and `"` so far (`row()` starts the next row): a row
        #: spanning more than MAX_ROW characters is refused; an odd count at the end of the file is
        #: a quote never closed.
        self.row_chars = 0
        self.row_quotes = 0
        #: A file read as GBK (or GB18030): each line that is valid UTF-8 with non-ASCII text is a
        #: UTF-8 line among GBK ones, which would be stored garbled.
        self.codec = source.codec if source is not None and source.codec in ("gbk", "gb18030") else None
        self.encoding = source.encoding if source is not None else ""
        self.separator = "\t" if source is not None and source.fmt == "tsv" else ","
        self.row_separators = 0

    def row(self) -> None:
        self.row_chars = self.row_quotes = self.row_separators = 0

    def __iter__(self) -> Iterator[str]:
        return self._lines()

    def blocks(self) -> Iterator[_Clean | Iterator[str]]:
        """The file a block at a time, for `_csv`: a `_Clean` block, whose rows it splits itself,
        or the checked lines of any other block (or of the whole file, read as GBK), for the parser."""
        if self.rows and self.codec is None:
            return self._blocks()
        return iter([self._lines()])

    def _blocks(self) -> Iterator[_Clean | Iterator[str]]:
        """A CSV or TSV file read a block at a time: a block of one-line rows (no quote, carriage
        return or NUL, short enough, few enough separators) needs no line's own checks and no
        parser; any other block's lines are checked one by one, as `_lines` does."""
        read, readline, limit, sep = self.text.read, self.text.readline, MAX_LINE, self.separator
        while True:
            block = read(_TEXT_BLOCK)
            if not block:
                return
            if block[-1] != "\n":  # end the block where a line ends (a CRLF split is completed too)
                block += readline(limit + 1)
            if (
                self.row_quotes % 2 == 0  # not inside a quoted value that began before the block
                and '"' not in block
                and "\r" not in block
                and "\x00" not in block  # the parser refuses it
                and len(block) <= min(limit, MAX_CELL)  # no line too long, no cell too large
                and block.count(sep) <= MAX_SEPARATORS
            ):
                lines = block.split("\n")
                if not lines[-1]:  # the block ends with its line break
                    lines.pop()
                self.n += len(lines)
                quote = "'" in block
                if quote:
                    self.quoted = True
                yield _Clean(lines, quote, block.replace("\n", "").replace(sep, "").isprintable())
                continue
            yield self._checked(io.StringIO(block, newline="").readline)

    def _lines(self) -> Iterator[str]:
        yield from self._checked(self.text.readline)

    def _checked(self, readline: Callable[[int], str]) -> Iterator[str]:
        """The lines READLINE gives, each checked: its length, its row's size, quotes and cells."""
        limit = MAX_LINE
        while True:
            line = readline(limit + 1)
            if not line:
                return
            self.n += 1
            if len(line) > limit and not line.endswith("\n"):
                raise FileFault(
                    self.n,
                    "file",
                    _("has a line longer than {limit} characters (the most a line may hold)").format(
                        limit=f"{limit:,}"
                    ),
                )
            if self.rows:
                self._count(line)
            if self.codec is not None and not line.isascii():
                self._gbk_line(line)
            if not self.quoted and "'" in line:
                self.quoted = True
            yield line

    def _count(self, line: str) -> None:
        """One more line of the current row: its size, quotes and separators, bounded."""
        self.row_chars += len(line)
        self.row_quotes += line.count('"')
        self.row_separators += line.count(self.separator)
        if self.row_separators > MAX_SEPARATORS:
            raise FileFault(
                self.n,
                "file",
                _("has a row of more than {limit} cells").format(limit=f"{MAX_SEPARATORS:,}"),
            )
        if self.row_chars > MAX_ROW:
            raise FileFault(
                self.n,
                "file",
                _("has a row longer than {limit} characters (a quote never closed?)").format(
                    limit=f"{MAX_ROW:,}"
                ),
            )

    def _gbk_line(self, line: str) -> None:
        try:
            line.encode(self.codec or "gbk").decode("utf-8")
        except (UnicodeDecodeError, UnicodeEncodeError):
            return
        raise FileFault(
            self.n,
            "encoding",
            _(
                "is UTF-8 text, not {encoding}: reading it as {encoding} would store it garbled;"
                " import it without --encoding"
            ).format(encoding=self.encoding),
        )


def _decode_hint(source: Source, e: UnicodeDecodeError) -> str:
    at = _("byte 0x{byte} cannot be decoded").format(byte=e.object[e.start : e.start + 1].hex())
    if source.codec == "utf-8-sig":
        return _(
            "is not UTF-8 text ({at}); a file saved by Excel on Chinese Windows is usually GBK:"
            " import it with --encoding gbk (or gb18030)"
        ).format(at=at)
    return _("is not {encoding} text ({at}); try --encoding utf-8 or gb18030").format(
        encoding=source.encoding, at=at
    )


#: Row-number columns a clerk's spreadsheet starts with (序号): read past, where no field has the name.
IGNORED = frozenset({"序号", "编号", "no", "no.", "#"})


def header_ok(names: list[str], kind: str, report: Report, line: int = 1) -> bool:
    fields = FIELDS[kind]
    if len(names) > MAX_COLUMNS:
        report(
            line,
            "columns",
            _("has {n} columns; a file may have at most {limit}").format(
                n=f"{len(names):,}", limit=MAX_COLUMNS
            ),
        )
        return False
    unknown = [n for n in names if n not in fields and n not in IGNORED]
    seen: set[str] = set()
    twice = []
    for n in names:  # linear: a set, not a scan of the names before
        if n in seen and n not in IGNORED:
            twice.append(n)
        seen.add(n)
    missing = [n for n in REQUIRED[kind] if n not in names]
    if unknown:
        report(
            line,
            "columns",
            _("unknown column(s) {names}; {kind} columns are {columns}").format(
                names=", ".join(unknown), kind=kind, columns=", ".join(fields)
            )
            + _(" (or in Chinese: {names})").format(names=", ".join(HEADERS[kind][f][0] for f in fields)),
        )
    if twice:
        report(line, "columns", _("column(s) given twice: {names}").format(names=", ".join(twice)))
    if missing:
        report(line, "columns", _("required column(s) missing: {names}").format(names=", ".join(missing)))
    return not (unknown or twice or missing)


class _Clean:
    """A block of a CSV or TSV file whose lines are its rows, split by the separator as they are
    (no quote anywhere: csv.reader would split them the same); `quote`: a line holds a `'`;
    `printable`: every character but the line breaks and separators is printable."""

    __slots__ = ("lines", "quote", "printable")

    def __init__(self, lines: list[str], quote: bool, printable: bool = False):
        self.lines, self.quote, self.printable = lines, quote, printable

    def text(self) -> Iterator[str]:
        """Its lines for the parser (a row still open before it: see _Feed)."""
        return (line + "\n" for line in self.lines)


class Block:
    """Rows of a CSV or TSV file with exactly the header's cells, on consecutive lines, read as
    they are: `_csv(blocks=True)` yields (its first line, the block) instead of one record per row,
    for a reader that takes a row's cells by position (the import's staging of plain text).
    `printable`: every cell's every character is printable."""

    __slots__ = ("header", "rows", "printable")
    header: list[str]
    rows: list[list[str]]
    printable: bool

    def __init__(self, header: list[str], rows: list[list[str]], printable: bool = False):
        self.header, self.rows, self.printable = header, rows, printable


class _Feed:
    """The lines csv.reader parses: those of the blocks `_csv` hands it and, while a row is still
    open where they end (a quoted value over several lines), the next block's, whatever it is. It
    stops where a block ends between rows: `_csv` takes the next block. `open`: a line was handed
    over since the reader last gave a row."""

    def __init__(self, blocks: Iterator[_Clean | Iterator[str]]):
        self.blocks = blocks
        self.lines: Iterator[str] = iter(())
        self.open = False

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        while True:
            line = next(self.lines, None)
            if line is not None:
                self.open = True
                return line
            if not self.open:
                raise StopIteration
            block = next(self.blocks, None)
            if block is None:
                raise StopIteration
            self.lines = block.text() if isinstance(block, _Clean) else block


def _csv(
    text: _Lines, kind: str, report: Report, delimiter: str, blocks: bool = False
) -> Iterator[tuple[int, dict | Block]]:
    """(line, record) of each row; with BLOCKS, rows of exactly the header's cells read without
    the parser come as (first line, Block) instead (records otherwise)."""
    csv.field_size_limit(MAX_CELL)
    pieces = text.blocks()
    feed = _Feed(pieces)
    reader = csv.reader(feed, delimiter=delimiter)
    piece = next(pieces, None)
    #: Lines split here, never seen by the parser (its line_num counts the others).
    split = 0
    clean: _Clean | None = None
    if isinstance(piece, _Clean) and piece.lines:
        first = piece.lines[0].split(delimiter) if piece.lines[0] else []
        clean, split = _Clean(piece.lines[1:], piece.quote), 1
    else:
        feed.lines = piece if piece is not None and not isinstance(piece, _Clean) else iter(())
        try:
            first = next(reader)
        except StopIteration:
            report(
                1,
                "file",
                _("is empty: expected a header line ({columns})").format(columns=", ".join(FIELDS[kind])),
            )
            return
        except csv.Error as e:
            raise FileFault(
                1, "file", _("is not readable as {kind} CSV: {error}").format(kind=kind, error=e)
            ) from None
    if len(first) > MAX_COLUMNS:
        header_ok(first, kind, report)
        return
    header = [column(h, kind) for h in first]
    while header and header[-1] == "":
        header.pop()
    if not header_ok(header, kind, report):
        return
    width = len(header)
    prev = reader.line_num + split
    typed = parse.csv_typed
    text.row()
    feed.open = False
    unclosed = None

    def one(line: int, row: list[str]) -> tuple[int, dict] | None:
        """The record of a row that has not the header's number of cells, or None."""
        if not any(cell.strip() for cell in row):
            return None
        if len(row) > width and not any(cell.strip() for cell in row[width:]):
            return line, dict(zip(header, row))
        if len(row) > width:
            report(
                line,
                "columns",
                _("has {n} values, the header has {width} columns").format(n=f"{len(row):,}", width=width),
            )
            return None
        return line, dict(zip(header, row + [""] * (width - len(row))))

    def whole(start: int, rows: list[list[str]], printable: bool) -> Iterator[tuple[int, dict | Block]]:
        if blocks:
            yield start, Block(header, rows, printable)
        else:
            for i, row in enumerate(rows):
                yield start + i, dict(zip(header, row))

    try:
        while True:
            if clean is not None:  # split here: each line one row, none quoted
                split_rows = [t.split(delimiter) if t else [] for t in clean.lines]
                if clean.quote:
                    split_rows = [[typed(c) if c[:1] == "'" else c for c in row] for row in split_rows]
                if set(map(len, split_rows)) == {width}:  # the usual block: every row whole
                    yield from whole(prev + 1, split_rows, clean.printable)
                else:
                    good: list[list[str]] = []
                    for i, row in enumerate(split_rows):
                        if len(row) == width:
                            good.append(row)
                            continue
                        if good:
                            yield from whole(prev + 1 + i - len(good), good, clean.printable)
                            good = []
                        item = one(prev + 1 + i, row)
                        if item is not None:
                            yield item
                    if good:
                        yield from whole(prev + 1 + len(split_rows) - len(good), good, clean.printable)
                prev += len(clean.lines)
                split += len(clean.lines)
                unclosed = None
            else:
                for row in reader:
                    line = prev + 1
                    prev = reader.line_num + split
                    # over several lines with an odd number of quotes: still inside a quoted value,
                    # unless more rows follow (a stray quote inside an unquoted cell)
                    unclosed = line if text.row_quotes % 2 and prev > line else None
                    text.row()
                    feed.open = False
                    if text.quoted:
                        row = [typed(c) if c[:1] == "'" else c for c in row]
                    if len(row) == width:
                        yield line, dict(zip(header, row))
                        continue
                    item = one(line, row)
                    if item is not None:
                        yield item
            piece = next(pieces, None)
            if piece is None:
                break
            if isinstance(piece, _Clean):
                clean = piece
            else:
                clean, feed.lines = None, piece
    except csv.Error as e:
        raise FileFault(prev + 1, "file", _("is not readable as CSV: {error}").format(error=e)) from None
    if unclosed is not None:  # the file ended inside a quoted value: it swallowed the rows after it
        raise FileFault(
            unclosed,
            "file",
            _("has a quoted value opened on line {line} and never closed").format(line=unclosed),
        )


class _Pairs(dict):
    """A JSON object as decoded, remembering a key it held twice (the last would win silently)."""

    twice: str | None = None


def _pairs(items: list[tuple[str, Any]]) -> _Pairs:
    out = _Pairs(items)
    if len(out) != len(items):
        seen: set[str] = set()
        for k, _v in items:
            if k in seen:
                out.twice = k
                break
            seen.add(k)
    return out


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs)


def _object(value: Any, line: int, kind: str, report: Report) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        report(line, "record", _("is not a JSON object with {kind} fields").format(kind=kind))
        return None
    twice = getattr(value, "twice", None)
    if twice is not None:
        report(line, "fields", _("field(s) given twice: {names}").format(names=twice))
        return None
    data: dict[str, Any] = {}
    for k, v in value.items():
        name = column(k, kind)
        if name in data and name not in IGNORED:  # a field and its Chinese header (户主 and name)
            report(line, "fields", _("field(s) given twice: {names}").format(names=name))
            return None
        data[name] = v
    fields = FIELDS[kind]
    unknown = [k for k in data if k not in fields and k not in IGNORED]
    if unknown:
        report(
            line,
            "fields",
            _("unknown field(s) {names}; {kind} fields are {fields}").format(
                names=", ".join(unknown), kind=kind, fields=", ".join(fields)
            ),
        )
        return None
    for k, v in data.items():
        if isinstance(v, dict) or (isinstance(v, list) and k != "tags"):
            report(line, k, _("must be a single value, not a JSON object or list"))
            return None
    return data


def _jsonl(text: _Lines, kind: str, report: Report) -> Iterator[tuple[int, dict]]:
    for line, raw in enumerate(text, 1):
        if not raw.strip():
            continue
        try:
            value = _DECODER.decode(raw)
        except json.JSONDecodeError as e:
            report(
                line, "json", _("is not valid JSON: {error} (character {n})").format(error=e.msg, n=e.pos + 1)
            )
            continue
        except RecursionError:
            report(line, "json", _("is nested too deeply (a record is one flat JSON object)"))
            continue
        data = _object(value, line, kind, report)
        if data is not None:
            yield line, data


def _json(text: IO[str] | _HashingText, kind: str, report: Report) -> Iterator[tuple[int, dict]]:
    """The elements of one top-level array, decoded one at a time; LINE is the element's number."""
    decoder = _DECODER
    buf, pos, eof = "", 0, False

    def more() -> bool:
        nonlocal buf, pos, eof
        if eof:
            return False
        chunk = text.read(_CHUNK)
        if not chunk:
            eof = True
            return False
        buf, pos = buf[pos:] + chunk, 0
        return True

    def skip_ws() -> str:
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n":
                pos += 1
            if pos < len(buf):
                return buf[pos]
            if not more():
                return ""

    if skip_ws() == "\ufeff":
        pos += 1
    if skip_ws() != "[":
        raise FileFault(None, "json", _("is not a JSON array of records (use .jsonl for one per line)"))
    pos += 1
    index = 0
    if skip_ws() == "]":
        pos += 1
        if skip_ws():
            raise FileFault(None, "json", _("has more text after the closing ]"))
        return
    while True:
        index += 1
        skip_ws()
        while True:
            try:
                value, end = decoder.raw_decode(buf, pos)
            except RecursionError:
                raise FileFault(
                    index, "json", _("is nested too deeply (a record is one flat JSON object)")
                ) from None
            except json.JSONDecodeError as e:
                if len(buf) - pos > MAX_LINE:
                    raise FileFault(
                        index,
                        "json",
                        _(
                            "is an element larger than {limit} characters (the most one record may hold)"
                        ).format(limit=f"{MAX_LINE:,}"),
                    ) from None
                if more():
                    continue
                raise FileFault(index, "json", _("is not valid JSON: {error}").format(error=e.msg)) from None
            if end >= len(buf) and more():
                continue
            break
        pos = end
        data = _object(value, index, kind, report)
        if data is not None:
            yield index, data
        sep = skip_ws()
        pos += 1
        if sep == "]":
            if skip_ws():
                raise FileFault(index, "json", _("has more text after the closing ]"))
            return
        if not sep:
            raise FileFault(index, "json", _("the array ends without its closing ]"))
        if sep != ",":
            raise FileFault(index, "json", _("expected , or ] after this element"))
