"""Batch import: a file of one kind, or a bundle directory of all kinds, in one transaction.

Every row goes through the add commands' validator (validate.validate) against references preloaded
once (Refs.preload) and remembered as the import adds cadres, households and pairings. Nothing is
raised at the first mistake: all of them are collected (FILE:LINE: field: message) and a file with
any of them writes nothing. Idempotent: a row equal to a stored one on its natural key
(the registry's natural key) and its values is `unchanged`; equal key, other values is a conflict that
`on_conflict` settles (error, skip, replace).

Cadres, households and pairings (rosters of thousands) are classified in dicts; the kinds that grow
to millions (visits, income, aid, problems, statuses) are streamed into a TEMP staging table and
classified and inserted with set-based SQL, which is also SQLite's fastest way in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .... import parse
from ....i18n import _, language
from ....kinds import KINDS
from ....model import AidtrackError
from ....store import Store
from ...rules.refs import Refs
from .engine import Run
from .readers import EXTENSIONS, FORMATS, Source

__all__ = ["FORMATS", "ImportResult", "RowError", "import_bundle", "import_file", "CONFLICT_MODES"]

CONFLICT_MODES = ("error", "skip", "replace")
COUNTS = ("added", "unchanged", "replaced", "skipped")

#: Progress callback: (file name, bytes read, file size or None).
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class RowError:
    """One mistake, where it is: printed as FILE:LINE: field: message."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        """FILE:LINE: field: message; in Chinese one style with the preview's: FILE 第 13 行，出生日期：…"""
        if language() == "zh":
            if self.line:
                return f"{self.file} 第 {self.line} 行，{self.field}：{self.message}"
            return f"{self.file}：{self.field}：{self.message}"
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


@dataclass
class ImportResult:
    """What an import did (or, with errors or a dry run, would have done): counts per kind."""

    source: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    dry_run: bool = False
    written: bool = False
    sha256: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "written": self.written,
            "dry_run": self.dry_run,
            "counts": self.counts,
            "error_count": self.error_count,
            "errors": [str(e) for e in self.errors],
        }

    def raise_if_errors(self) -> ImportResult:
        """For callers that want an exception: one AidtrackError naming the count and the first."""
        if self.errors or self.error_count:
            first = str(self.errors[0]) if self.errors else ""
            raise AidtrackError(
                "import",
                self.source,
                _("{n} error(s), nothing written; first: {first}").format(n=self.error_count, first=first),
            )
        return self


def import_file(
    db: Store,
    kind: str,
    path_or_stream: str | os.PathLike | IO,
    *,
    fmt: str | None = None,
    on_conflict: str = "error",
    dry_run: bool = False,
    encoding: str = "utf-8",
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one file (or `-`, or an open stream) of one kind. Errors are returned, not raised."""
    kind = parse.choice(kind, tuple(KINDS), "kind")
    source = Source(path_or_stream, fmt, encoding)
    result = ImportResult(source.name, dry_run=dry_run)
    _transaction(db, result, [(kind, source)], _options(on_conflict, today, progress), kind)
    result.sha256 = source.sha256
    return result


def import_bundle(
    db: Store,
    directory: str | os.PathLike,
    *,
    on_conflict: str = "error",
    dry_run: bool = False,
    today: dt.date | None = None,
    encoding: str = "utf-8",
    progress: Progress | None = None,
) -> ImportResult:
    """Import DIR/KIND.csv (.tsv, .json, .jsonl, .xlsx) for each kind present, in the registry's order.

    `directory` may also be one .xlsx workbook with a sheet per kind (named after it).
    """
    folder = Path(directory)
    book = folder.is_file() and EXTENSIONS.get(folder.suffix.lower()) == "xlsx"
    if not book and not folder.is_dir():
        raise AidtrackError("dir", str(directory), _("is not a directory"))
    plan = _sheets(folder) if book else []
    for kind in () if book else KINDS:
        found = [folder / f"{kind}{ext}" for ext in EXTENSIONS if (folder / f"{kind}{ext}").is_file()]
        if len(found) > 1:
            raise AidtrackError(
                "dir",
                str(directory),
                _("holds several {kind} files: {files}; keep one").format(
                    kind=kind, files=", ".join(p.name for p in found)
                ),
            )
        if found:
            plan.append((kind, Source(found[0], None, encoding)))
    if not plan:
        raise AidtrackError(
            "dir",
            str(directory),
            _("holds no KIND.csv/.tsv/.json/.jsonl/.xlsx file (KIND: {kinds})").format(
                kinds=", ".join(KINDS)
            ),
        )
    result = ImportResult(str(directory), dry_run=dry_run)
    _transaction(db, result, plan, _options(on_conflict, today, progress), "bundle")
    digest = hashlib.sha256("".join(f"{s.name}:{s.sha256}\n" for _, s in plan).encode())
    result.sha256 = digest.hexdigest()
    return result


def _sheets(path: Path) -> list[tuple[str, Source]]:
    """A workbook bundle: each sheet read as its kind's file, named FILE[sheet] in messages."""
    from .xlsx import sheet_kinds

    plan = []
    for kind, title in sheet_kinds(path):
        source = Source(path, "xlsx")
        source.sheet, source.name = title, f"{path}[{title}]"
        plan.append((kind, source))
    return plan


def _options(on_conflict: str, today: dt.date | None, progress: Progress | None) -> dict[str, Any]:
    return {
        "on_conflict": parse.choice(on_conflict, CONFLICT_MODES, "on-conflict"),
        "today": today or dt.date.today(),
        "progress": progress,
    }


#: 8 MiB: the rows go in in key order and a big file's other indexes are rebuilt sorted, so a larger
#: cache no longer buys time, and it is also the SQLite sorter's memory (peak RSS 110 MiB at 16 MiB,
#: 91 MiB at 8 MiB for 1M visits: benchmarks/import_limit.py).
IMPORT_CACHE_KIB = 8 * 1024


def written_records(counts: dict[str, dict[str, int]]) -> int:
    """The records an import writes: added and replaced, over every kind."""
    return sum(c.get("added", 0) + c.get("replaced", 0) for c in counts.values())


class _Discard(Exception):
    """Leave db.write() by rolling back: errors were found, or this is a dry run."""


def _transaction(
    db: Store, result: ImportResult, plan: list[tuple[str, Source]], options: dict[str, Any], entity: str
) -> None:
    run = None
    # A bulk insert updates three B-trees per visit: SQLite's default 2 MB page cache thrashes.
    cache = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        with db.write():
            run = Run(db, Refs(db).preload(), **options)
            for kind, source in plan:
                run.load(kind, source)
            result.counts = run.counts
            if run.error_count or result.dry_run:
                raise _Discard
            after: dict[str, Any] = {"file": result.source, "counts": run.counts}
            if entity == "bundle":
                after["files"] = {s.name: s.sha256 for _, s in plan}
                after["sha256"] = hashlib.sha256(
                    "".join(f"{s.name}:{s.sha256}\n" for _, s in plan).encode()
                ).hexdigest()
            else:
                after["sha256"] = plan[0][1].sha256
            db.audit("import", entity, result.source, None, after)
            db.staged_records = written_records(run.counts)
        result.written = True
    except _Discard:
        pass
    finally:
        db.execute(f"PRAGMA cache_size = {cache}")
        if run is not None:
            result.counts = run.counts
            result.error_count = run.error_count
            result.errors = [RowError(*e) for e in run.sorted_errors()]
