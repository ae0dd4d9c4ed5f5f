"""Export: each kind in exactly the shape `import` reads (rows.FIELDS columns, codes, yuan).

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

from .. import parse
from ..model import KINDS, AidtrackError, format_yuan
from ..store import Store
from . import records
from .rows import FIELDS

FORMATS = ("csv", "json", "jsonl")
EXTENSIONS = {"csv": ".csv", "json": ".json", "jsonl": ".jsonl"}
MONEY = {"amount", "value"}
#: Personal data `--redact` removes: names keep their first character, the rest goes.
BLANKED = ("phone", "id_number", "address")

#: Households import writes the first `enrolled` status itself (from the `enrolled` column), so a
#: statuses export leaves that entry out and the round trip stores it exactly once.
_NOT_FIRST_ENROLMENT = (
    "NOT (s.status = 'enrolled' AND s.id = (SELECT s2.id FROM statuses s2"
    " WHERE s2.household_id = s.household_id ORDER BY s2.date, s2.id LIMIT 1))"
)


def mask(name: str | None) -> str | None:
    """刘香福 -> 刘**: enough to tell a list apart on paper, not enough to identify."""
    return name[0] + "*" * (len(name) - 1) if name else name


def stored_rows(db: Store, kind: str) -> Iterator[dict[str, Any]]:
    """The public SELECT of records.py, streamed, money still in fen."""
    sql = records.PUBLIC_SQL[kind]
    if kind == "statuses":
        sql += f" WHERE {_NOT_FIRST_ENROLMENT}"
    cur = db.execute(f"{sql} ORDER BY {records.ORDER[kind]}")
    names = [d[0] for d in cur.description]
    for r in cur:
        yield dict(zip(names, r))


def _redacted(row: dict[str, Any]) -> dict[str, Any]:
    row["name"] = mask(row.get("name"))
    for key in BLANKED:
        if key in row:
            row[key] = None
    return row


def _csv_cell(column: str, value: Any) -> Any:
    if value is None:
        return ""
    if column in MONEY:
        return format_yuan(value)
    return value


def write(db: Store, kind: str, out: IO[str], fmt: str = "csv", redact: bool = False) -> int:
    """Stream one kind to an open text stream; returns the number of records written."""
    fields = FIELDS[kind]
    rows = stored_rows(db, kind)
    n = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(fields)
        for row in rows:
            if redact:
                row = _redacted(row)
            writer.writerow([_csv_cell(c, row.get(c)) for c in fields])
            n += 1
        return n
    out.write("[" if fmt == "json" else "")
    for row in rows:
        if redact:
            row = _redacted(row)
        public = records.public(kind, row)
        text = json.dumps({c: public.get(c) for c in fields}, ensure_ascii=False)
        if fmt == "json":
            out.write(("\n" if n == 0 else ",\n") + text)
        else:
            out.write(text + "\n")
        n += 1
    if fmt == "json":
        out.write("\n]\n" if n else "]\n")
    return n


def export(db: Store, kind: str, out: str | os.PathLike | IO[str] | None = None, fmt: str | None = "csv",
           redact: bool = False) -> dict[str, int]:
    """Export KIND to a file, a stream or stdout; `all` writes DIR/KIND.csv (etc.) for every kind.

    Returns the records written per kind. `fmt=None` follows the file's extension (else CSV).
    """
    kind = parse.choice(kind, (*KINDS, "all"), "kind")
    if fmt is None:
        ext = Path(str(out)).suffix.lower() if isinstance(out, (str, os.PathLike)) else ""
        fmt = {v: k for k, v in EXTENSIONS.items()}.get(ext, "csv")
    fmt = parse.choice(fmt, FORMATS, "format")
    with _snapshot(db):
        if kind == "all":
            if out is None or not isinstance(out, (str, os.PathLike)):
                raise AidtrackError("out", "", "`export all` needs --out DIR (one file per kind)")
            folder = Path(out)
            if folder.exists() and not folder.is_dir():
                raise AidtrackError("out", str(out), "is a file: `export all` writes into a directory")
            folder.mkdir(parents=True, exist_ok=True)
            return {k: _to_path(db, k, folder / f"{k}{EXTENSIONS[fmt]}", fmt, redact) for k in KINDS}
        if out is None:
            return {kind: write(db, kind, sys.stdout, fmt, redact)}
        if isinstance(out, (str, os.PathLike)):
            return {kind: _to_path(db, kind, Path(out), fmt, redact)}
        return {kind: write(db, kind, out, fmt, redact)}


def _to_path(db: Store, kind: str, path: Path, fmt: str, redact: bool) -> int:
    if path.is_dir():
        raise AidtrackError("out", str(path), "is a directory: give a file name")
    if not path.parent.is_dir():
        raise AidtrackError("out", str(path), "is in a directory that does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            n = write(db, kind, f, fmt, redact)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return n


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
