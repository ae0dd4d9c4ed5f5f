"""Export: each kind in exactly the shape `import` reads (the registry's fields, codes, yuan).

Rows are streamed from one SELECT per kind to the file, never held as a list. A file is written
under a temporary name (created 0600: it holds personal data) and renamed when complete, so a
failed export leaves no half file. `export all` reads every kind in one read transaction, so the
bundle is one consistent moment of the register.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ... import parse
from ...i18n import _
from ...kinds import KINDS, REGISTRY, Derived
from ...model import AidtrackError, format_yuan
from ...store import Store
from ...store.files import guard_output, named, private_dir
from ..rules.redact import people_masked, redact_for_file
from ..write import records
from .headers import LANGUAGES, TYPES, shown, title, titles

FORMATS = ("csv", "json", "jsonl", "xlsx", "parquet")
EXTENSIONS = {"csv": ".csv", "json": ".json", "jsonl": ".jsonl", "xlsx": ".xlsx", "parquet": ".parquet"}
#: Formats written to a file by a library (a zip, column chunks), never to standard output.
BINARY = ("xlsx", "parquet")
_MONEY = Derived(lambda: {c: True for k in REGISTRY.values() for c in k.money})

stored_rows = records.stored_rows
_redacted = redact_for_file


def _csv_cell(column: str, value: Any) -> Any:
    """A CSV cell: money in yuan, text with a formula start quoted (parse.csv_safe; import unquotes)."""
    if value is None:
        return ""
    if column in _MONEY:
        return format_yuan(value)
    if isinstance(value, str):
        return parse.csv_safe(value)
    return value


def write(
    db: Store, kind: str, out: IO[str], fmt: str = "csv", redact: bool = False, headers: str = "en"
) -> int:
    """Stream one kind to an open text stream; returns the number of records written.

    `headers="zh"` writes the Chinese column names and enumeration values (headers.HEADERS).
    """
    fields = REGISTRY[kind].field_names
    rows = stored_rows(db, kind)
    missing = REGISTRY[kind].missing
    if missing:
        rows = ({**r, **{c: m for c, m in missing.items() if r.get(c) is None}} for r in rows)
    n = 0
    zh = headers == "zh"
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(titles(kind, headers))
        for row in rows:
            if redact:
                row = _redacted(row)
            if zh:
                writer.writerow([_csv_cell(c, shown(c, row.get(c), headers)) for c in fields])
            else:
                writer.writerow([_csv_cell(c, row.get(c)) for c in fields])
            n += 1
        return n
    keys = [title(kind, c, headers) for c in fields]
    enums = {c for c in fields if TYPES.get(c) == "enum"} if zh else set()
    out.write("[" if fmt == "json" else "")
    for row in rows:
        if redact:
            row = _redacted(row)
        public = records.public(kind, row)
        for c in enums:
            public[c] = shown(c, public.get(c), headers)
        text = json.dumps({k: public.get(c) for k, c in zip(keys, fields)}, ensure_ascii=False)
        if fmt == "json":
            out.write(("\n" if n == 0 else ",\n") + text)
        else:
            out.write(text + "\n")
        n += 1
    if fmt == "json":
        out.write("\n]\n" if n else "]\n")
    return n


def export(
    db: Store,
    kind: str,
    out: str | os.PathLike | IO[str] | None = None,
    fmt: str | None = "csv",
    redact: bool = False,
    headers: str = "en",
) -> dict[str, int]:
    """Export KIND to a file, a stream or stdout; `all` writes DIR/KIND.csv (etc.) for every kind.

    Returns the records written per kind. `fmt=None` follows the file's extension (else CSV).
    `export all` to a FILE.xlsx writes one workbook with a sheet per kind; in Parquet it also
    writes the `units` table where there is one.
    """
    kind = parse.choice(kind, (*KINDS, "all"), "kind")
    headers = parse.choice(headers, LANGUAGES, "headers")
    if fmt is None:
        ext = Path(str(out)).suffix.lower() if isinstance(out, (str, os.PathLike)) else ""
        fmt = {v: k for k, v in EXTENSIONS.items()}.get(ext, "csv")
    fmt = parse.choice(fmt, FORMATS, "format")
    if fmt in BINARY:
        _binary_ready(fmt, out, headers)
    with _snapshot(db), people_masked(db) if redact else contextlib.nullcontext():
        if kind == "all":
            if out is None or not isinstance(out, (str, os.PathLike)):
                raise AidtrackError("out", "", _("`export all` needs --out DIR (one file per kind)"))
            folder = Path(out)
            if fmt == "xlsx" and folder.suffix.lower() == ".xlsx" and not folder.is_dir():
                return _save(db, tuple(KINDS), folder, fmt, redact, headers)
            if folder.exists() and not folder.is_dir():
                raise AidtrackError("out", str(out), _("is a file: `export all` writes into a directory"))
            folder = guard_output(folder, db.path, "out", directory=True)
            private_dir(folder)
            kinds = _parquet().tables(db) if fmt == "parquet" else KINDS
            return {k: _to_path(db, k, folder / f"{k}{EXTENSIONS[fmt]}", fmt, redact, headers) for k in kinds}
        if out is None:
            return {kind: write(db, kind, sys.stdout, fmt, redact, headers)}
        if isinstance(out, (str, os.PathLike)):
            return {kind: _to_path(db, kind, Path(out), fmt, redact, headers)}
        return {kind: write(db, kind, out, fmt, redact, headers)}


def _parquet():
    from . import parquet

    return parquet


def _binary_ready(fmt: str, out: Any, headers: str) -> None:
    """A workbook or Parquet file goes to a named file, with its library installed."""
    if not isinstance(out, (str, os.PathLike)):
        raise AidtrackError(
            "out", "", _("{fmt} is written to a file: give --out FILE (or DIR for all)").format(fmt=fmt)
        )
    if fmt == "parquet":
        if headers != "en":
            raise AidtrackError("headers", headers, _("Parquet columns keep the field names (en)"))
        _parquet().require()
    else:
        from .importer.readers import require

        require()


def _to_path(db: Store, kind: str, path: Path, fmt: str, redact: bool, headers: str = "en") -> int:
    return _save(db, (kind,), path, fmt, redact, headers)[kind]


def _save(
    db: Store, kinds: tuple[str, ...], path: Path, fmt: str, redact: bool, headers: str
) -> dict[str, int]:
    """Write under a temporary name (0600) and rename when complete: never a half file.

    PATH is checked first: never the register or its journal, a device or a folder.
    """
    path = guard_output(path, db.path, "out")
    if not path.parent.is_dir():
        raise AidtrackError("out", str(path), _("is in a directory that does not exist"))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.fchmod(fd, 0o600)
    try:
        if fmt == "xlsx":
            from .workbook import write as write_book

            with os.fdopen(fd, "wb") as f:
                counts = write_book(db, kinds, f, redact, headers)
        elif fmt == "parquet":
            with os.fdopen(fd, "wb") as f:
                counts = {kinds[0]: _parquet().write(db, kinds[0], f, redact)}
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                counts = {kinds[0]: write(db, kinds[0], f, fmt, redact, headers)}
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        named(e, path)
        raise
    return counts


@contextlib.contextmanager
def _snapshot(db: Store) -> Iterator[None]:
    """One read transaction: every SELECT sees the same committed state."""
    if db.conn.in_transaction:
        yield
        return
    db.execute("BEGIN")
    try:
        yield
    finally:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
