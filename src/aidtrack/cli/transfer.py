"""Batch import and export of records (CSV, TSV, JSON, JSON Lines, Excel; Parquet out): validated,
atomic, idempotent."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

from ..i18n import _
from ..kinds import KINDS
from ..parse import visible
from .common import choices, command, fail, open_db, state, today

#: How many errors are printed before the rest are only counted.
SHOWN_ERRORS = 50

#: The record kinds, from the registry (kinds.py: a list of names, no import cost worth saving).
KINDS_HELP = ", ".join(KINDS)


#: Mounted on the main app with `add_typer` and no name: its commands are top-level
#: (`aidtrack import`, `aidtrack export`).
app = typer.Typer()


@command(app, "import", writes=True)
def import_(
    kind: Annotated[
        str,
        typer.Argument(
            autocompletion=choices(*KINDS, "all", "bundle", "roster"),
            help=_(
                "{kinds}; or `all` (also `bundle`) to load what `export all` wrote; or `roster` for a"
                " clerk's household roster (花名册: one row per household, docs/roster.md);"
                " `submissions` reads visits from phones: ODK Central's CSV export (.zip or its main"
                " CSV) or KoboToolbox's (.xlsx or CSV), docs/phones.md."
            ).format(kinds=KINDS_HELP),
        ),
    ],
    file: Annotated[
        str,
        typer.Argument(
            help=_(
                "The file (`-` for standard input); for `all` the directory, or one .xlsx"
                " workbook with a sheet per kind."
            )
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help=_("csv, tsv, json, jsonl or xlsx (default: from the file's extension).")
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help=_("Check everything and print the summary; write nothing."))
    ] = False,
    on_conflict: Annotated[
        str,
        typer.Option(
            "--on-conflict",
            help=_(
                "A row whose natural key is stored with other values: error (default,"
                " write nothing), skip (keep the stored record) or replace (overwrite"
                " it)."
            ),
        ),
    ] = "error",
    encoding: Annotated[
        str, typer.Option("--encoding", help=_("utf-8 (default; a BOM is fine), gbk or gb18030."))
    ] = "utf-8",
    summary: Annotated[
        str,
        typer.Option(
            "--summary",
            help=_("The summary (for a roster: the columns' preview too) as a table (default) or json."),
        ),
    ] = "table",
    enrolled: Annotated[
        str | None,
        typer.Option(
            "--enrolled",
            metavar="DATE",
            help=_("A roster: the enrolment date (纳入帮扶日期) of every row that gives none."),
        ),
    ] = None,
    paired: Annotated[
        str | None,
        typer.Option(
            "--paired",
            metavar="DATE",
            help=_("A roster: the pairing date (结对日期) of every row that gives none."),
        ),
    ] = None,
) -> None:
    """Import records from a file, all checked first and written in one transaction.

    Columns are the add commands' field names or their Chinese names (户主, 日期, 金额 …);
    households and cadres by code or exact name. An .xlsx workbook (needs openpyxl, the
    xlsx extra) is read from its first non-empty row, errors named by spreadsheet row.
    A file with any error writes nothing (exit 2); importing it again adds nothing.

    Example: aidtrack import visits visits.csv --dry-run

    Example: aidtrack import income 收入.xlsx

    Example: aidtrack import all ./export --on-conflict skip

    Example: aidtrack import roster 花名册.xlsx --dry-run

    Example: aidtrack import submissions aidtrack_visit.zip --dry-run
    """
    from ..parse import choice

    kind = choice(kind, (*KINDS, "all", "bundle", "roster"), "kind")
    kind = "bundle" if kind == "all" else kind  # the twin of `export all`
    summary = choice(summary, ("table", "json"), "summary")
    if kind != "roster" and (enrolled or paired):
        fail(_("--enrolled and --paired are for a roster: `aidtrack import roster FILE --enrolled DATE`"))
    sheet_dates = {"enrolled": enrolled, "paired": paired}
    with _register(dry_run) as db:
        _import(db, kind, file, fmt, on_conflict, dry_run, encoding, summary, sheet_dates)


def _register(dry_run: bool):
    """The register; for a dry run of a register that does not exist yet, an empty scratch one in a
    private temporary folder, removed afterwards: a dry run writes nothing anywhere."""
    import contextlib
    import tempfile
    from pathlib import Path

    from ..store import default_path, open_store

    path = Path(state.db) if state.db else default_path()
    if not dry_run or path.exists():
        return contextlib.nullcontext(open_db())

    @contextlib.contextmanager
    def scratch():
        with tempfile.TemporaryDirectory(prefix="aidtrack-dry-run-") as folder:
            db = open_store(Path(folder) / path.name, operator=state.operator)
            try:
                yield db
            finally:
                db.close()

    return scratch()


def _import(
    db, kind: str, file: str, fmt, on_conflict: str, dry_run: bool, encoding: str, summary: str, dates: dict
) -> None:

    if kind == "submissions":
        from ..ops.transfer.importer import submissions

        if not submissions.is_ledger(file):  # a phone export; the ledger's own CSV is read below
            phone = submissions.import_submissions(db, file, dry_run=dry_run, today=today())
            if phone.written:
                state.written = sum(c["added"] + c["corrected"] for c in phone.counts.values())
            _report_submissions(phone, summary)
            return
    if kind == "roster":
        from ..ops.transfer.importer.roster import import_roster

        roster = import_roster(
            db,
            file,
            fmt=fmt,
            on_conflict=on_conflict,
            dry_run=dry_run,
            encoding=encoding,
            today=today(),
            enrolled=dates["enrolled"],
            paired=dates["paired"],
        )
        if roster.written:
            state.written = sum(c.get("added", 0) + c.get("replaced", 0) for c in roster.counts.values())
        _report_roster(roster, summary)
        return
    result = _load(db, kind, file, fmt, on_conflict, dry_run, encoding)
    state.written = _records_written(result)
    _report(result, summary)


def _load(db, kind: str, file: str, fmt: str | None, on_conflict: str, dry_run: bool, encoding: str):
    """One kind's file, or a bundle (what `export all` wrote), with a progress bar on a terminal."""
    from ..ops.transfer.importer import import_bundle, import_file

    options: dict[str, Any] = {
        "on_conflict": on_conflict,
        "dry_run": dry_run,
        "encoding": encoding,
        "today": today(),
    }
    with _progress() as progress:
        if kind != "bundle":
            return import_file(db, kind, file, fmt=fmt, progress=progress, **options)
        if fmt:
            fail(_("--format: a bundle's files are read by their extensions (KIND.csv, …)"))
        return import_bundle(db, file, progress=progress, **options)


def _records_written(result) -> int | None:
    """The records an import wrote (added and replaced), said instead of row counts; None if none."""
    if not result.written:
        return None
    return sum(c.get("added", 0) + c.get("replaced", 0) for c in result.counts.values())


Redact = Annotated[
    bool,
    typer.Option(
        "--redact",
        help=_(
            "Mask personal data: names keep the first character (刘**); phone,"
            " ID number and address left empty."
        ),
    ),
]


@command(app, "export")
def export(
    kind: Annotated[
        str,
        typer.Argument(
            autocompletion=choices(*KINDS, "all", "template", "xlsform"),
            help=_(
                "{kinds}; or `all` (needs --out DIR); or `template`: a blank household roster"
                " (花名册) in the interface language, which `import roster` reads; or `xlsform`: the"
                " visit form for phones (ODK Collect, KoboToolbox) and its lists, into --out DIR"
                " (docs/phones.md)."
            ).format(kinds=KINDS_HELP),
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help=_(
                "csv (default), json, jsonl, xlsx or parquet (needs --out); a"
                " --out file's extension also says."
            ),
        ),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            "-o",
            help=_(
                "The file (for all: the directory, or one FILE.xlsx with a sheet per"
                " kind); standard output if left out."
            ),
        ),
    ] = None,
    redact: Annotated[
        bool,
        typer.Option(
            "--redact",
            help=_(
                "Mask personal data: names keep the first character (刘**); phone,"
                " ID number and address left empty; inside free text the register's people masked and"
                " their phones, ID numbers and addresses withheld."
            ),
        ),
    ] = False,
    headers: Annotated[
        str,
        typer.Option(
            "--headers",
            help=_(
                "en (default): field names; zh: Chinese column names and values"
                " (户主, 脱贫 …), which import reads back as well."
            ),
        ),
    ] = "en",
    partition: Annotated[
        str | None,
        typer.Option(
            "--partition",
            help=_(
                "Parquet, export all: unit or unit,year: a hive-partitioned folder"
                " (TABLE/unit=…/year=…/), each unit's folder replaced whole."
            ),
        ),
    ] = None,
    changed_since: Annotated[
        str | None,
        typer.Option(
            "--changed-since",
            metavar="DATE",
            help=_(
                "Parquet, export all: only the units merged (or"
                " the file's own records changed) on or after"
                " DATE."
            ),
        ),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit", help=_("Parquet, export all: only this unit's records; xlsform: its households.")
        ),
    ] = None,
    cadre: Annotated[
        str | None,
        typer.Option(
            "--cadre", help=_("xlsform: one cadre's form (their households only, the cadre filled in).")
        ),
    ] = None,
    gps: Annotated[
        bool, typer.Option("--gps", help=_("xlsform: the form records the place (a geopoint)."))
    ] = False,
) -> None:
    """Export records in the shape `import` reads; `export all --out DIR` writes a bundle.

    Example: aidtrack export visits --out visits.csv

    Example: aidtrack export all --out backup/ && aidtrack --db new.db import bundle backup/

    Example: aidtrack export all --format xlsx --headers zh --out 登记表.xlsx

    Example: aidtrack export all --format parquet --out warehouse/2004/

    Example: aidtrack export all -f parquet --partition unit,year --changed-since 2026-11-29 --out wh/

    Example: aidtrack export template --lang zh --out 花名册.xlsx

    Example: aidtrack export xlsform --gps --out form/
    """

    if kind.strip().lower() == "xlsform":
        _xlsform(out, unit, cadre, gps)
        return
    if cadre is not None or gps:
        fail(_("--cadre and --gps go with `export xlsform`"))

    if partition is not None or changed_since is not None or unit is not None:
        _handoff(kind, fmt, out, partition, changed_since, unit, redact, headers)
    elif kind.strip().lower() == "template":
        _template(fmt, out, headers)
    else:
        _export(kind, fmt, out, redact, headers)


def _export(kind: str, fmt: str | None, out: str | None, redact: bool, headers: str) -> None:
    """One kind, or all of them, written in the shape import reads; with --out, the records written
    per file said on stderr."""
    import contextlib

    from ..ops.rules.redact import people_masked
    from ..ops.transfer.exporter import export as run_export

    db = open_db()
    db.redact = redact
    with people_masked(db) if redact else contextlib.nullcontext():  # a closed pipe: common.guarded
        written = run_export(db, kind, out, fmt, redact, headers)
    if out is not None:
        for name, n in written.items():
            sys.stderr.write(_("{file}: {n} record(s) written").format(file=visible(str(name)), n=n) + "\n")


def _xlsform(out: str | None, unit: str | None, cadre: str | None, gps: bool) -> None:
    """`export xlsform --out DIR`: the visit form and its two lists (ops.transfer.xlsform)."""
    from ..ops.transfer import xlsform
    from ..store import default_path

    if out is None:
        fail(_("--out: the form is three files: give --out DIR"))
        return
    db = open_db()
    form = xlsform.build(db, cadre=cadre, unit=unit, gps=gps)
    written = xlsform.write(form, str(out), state.db or default_path())
    for name in written:
        sys.stderr.write(_("{file}: written").format(file=f"{out.rstrip('/')}/{name}") + "\n")
    sys.stderr.write(
        _("Form {id}, version {version}: {households} household(s), {cadres} cadre(s)").format(
            id=xlsform.FORM_ID, version=form.version, households=form.households_n, cadres=form.cadres_n
        )
        + "\n"
    )
    if xlsform.FORM_FILE.replace(".xlsx", ".xml") not in written:
        sys.stderr.write(
            _("pyxform is not installed: the form was not checked ({cmd})").format(cmd=xlsform.ODK_INSTALL)
            + "\n"
        )


def _handoff(
    kind: str,
    fmt: str | None,
    out: str | None,
    partition: str | None,
    changed_since: str | None,
    unit: str | None,
    redact: bool,
    headers: str,
) -> None:
    """`export all --format parquet` with --partition, --changed-since or --unit: ops.transfer.parquet.handoff."""
    from ..ops.transfer import parquet
    from ..parse import date

    if kind != "all" or (fmt or "parquet") != "parquet" or out is None or headers != "en":
        fail(_("--partition, --changed-since and --unit go with `export all --format parquet --out DIR`"))
    since = None if changed_since is None else date(changed_since, "changed-since")
    written = parquet.handoff(open_db(), str(out), parquet.partition_names(partition), unit, since, redact)
    for name, n in written.items():
        sys.stderr.write(_("{file}: {n} record(s) written").format(file=visible(str(name)), n=n) + "\n")


def _template(fmt: str | None, out: str | None, headers: str) -> None:
    """`export template`: a blank roster, its headers in the interface language (or --headers zh);
    needs no register, and is never written over one."""
    from ..i18n import language
    from ..ops.transfer.importer.roster import write_template
    from ..parse import choice
    from ..store import default_path
    from ..store.files import atomic_write, guard_output

    lang = "zh" if choice(headers, ("en", "zh"), "headers") == "zh" else language()
    if fmt is None:
        fmt = "xlsx" if out is not None and out.lower().endswith((".xlsx", ".xlsm")) else "csv"
    fmt = choice(fmt, ("csv", "xlsx"), "format")
    if out is None:
        if fmt == "xlsx":
            fail(_("--out: an .xlsx template is written to a file: give --out FILE.xlsx"))
        write_template(sys.stdout, lang, fmt)
        return
    if fmt == "xlsx":
        from ..ops.transfer.importer.readers import require

        require()
    path = guard_output(out, state.db or default_path(), "out")
    with atomic_write(path, binary=fmt == "xlsx") as f:
        write_template(f, lang, fmt)
    sys.stderr.write(_("{file}: a blank roster written").format(file=visible(str(out))) + "\n")


def _report_submissions(result, summary: str) -> None:
    """What `import submissions` did per kind, the submissions skipped and why, the errors."""
    from ..ops.transfer.importer.submissions import COUNT_COLUMNS
    from ..parse import visible
    from ..render import emit

    if summary == "json":
        _summary_json(result)
    else:
        if result.ok:
            rows = [{"kind": kind, **counts} for kind, counts in result.counts.items()]
            emit(rows, COUNT_COLUMNS, "table", title=_("Would be written") if result.dry_run else None)
        for note in result.notes:
            sys.stderr.write(visible(note) + "\n")
        _errors(result)
    _ending(result)


def _report_roster(result, summary: str) -> None:
    """The preview (each column and what it became), the counts, the warnings, the errors."""
    from ..parse import visible
    from ..render import emit

    if summary == "json":
        _summary_json(result)
    else:
        if result.dry_run or not result.ok:
            print(_("Columns of {file}:").format(file=visible(result.source)))
            for c in result.columns:
                what = _("{to} ({note})").format(to=c["to"], note=c["note"]) if c["note"] else c["to"]
                print(f"  {visible(c['column'])} → {visible(what)}")
            for row, why in result.skipped:
                print("  " + _("row {row}: read past ({why})").format(row=row, why=why))
        if result.ok:
            title = _("Would be written") if result.dry_run else None
            rows = [
                {"kind": _("members (counted)") if kind == "members" else kind, **counts}
                for kind, counts in result.counts.items()
            ]
            emit(rows, ("kind", "added", "unchanged", "replaced", "skipped"), "table", title=title)
        for warning in result.warnings:
            sys.stderr.write(_("Warning: {message}").format(message=visible(str(warning))) + "\n")
        _errors(result)
    _ending(result)


class _progress:
    """A rich progress bar on stderr while a terminal watches; nothing at all when piped."""

    bar: Progress | None

    def __enter__(self):
        if not sys.stderr.isatty():
            self.bar = None
            return None
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

        from ..render import console

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=console(stderr=True),
            transient=True,
        )
        self.bar.start()
        self.tasks: dict[str, TaskID] = {}
        return self.update

    def update(self, name: str, done: int, total: int | None) -> None:
        from rich.markup import escape

        assert self.bar is not None  # update is only handed out with a bar
        if name not in self.tasks:
            self.tasks[name] = self.bar.add_task(escape(name), total=total)
        self.bar.update(self.tasks[name], completed=done)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def _report(result, summary: str) -> None:
    from ..render import emit

    if summary == "json":
        _summary_json(result)
    else:
        if result.ok:
            rows = [{"kind": kind, **counts} for kind, counts in result.counts.items()]
            emit(rows, ("kind", "added", "unchanged", "replaced", "skipped"), "table")
        _errors(result)
    _ending(result)


# The three import summaries (a kind's file, a roster, phone submissions) end alike:


def _summary_json(result) -> None:
    """The whole summary as JSON on stdout, its errors cut to SHOWN_ERRORS."""
    from ..render import to_json

    data = result.as_dict()
    data["errors"] = data["errors"][:SHOWN_ERRORS]
    sys.stdout.write(to_json(data) + "\n")


def _errors(result) -> None:
    """The first SHOWN_ERRORS errors on stderr (file names and headers come from the file: escaped)."""
    from ..parse import visible

    for error in result.errors[:SHOWN_ERRORS]:
        sys.stderr.write(visible(str(error)) + "\n")
    more = result.error_count - min(len(result.errors), SHOWN_ERRORS)
    if more > 0:
        sys.stderr.write(_("… and {n} more error(s)").format(n=more) + "\n")


def _ending(result) -> None:
    """Exit 2 naming the errors (nothing was written), or say that a dry run wrote nothing."""
    if not result.ok:
        fail(
            _("{n} error(s) in {source}; nothing was written").format(
                n=result.error_count, source=result.source
            )
        )
    if result.dry_run:
        sys.stderr.write(_("Dry run: nothing was written.") + "\n")
