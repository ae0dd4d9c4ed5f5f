"""Reports: the quarter rollup, cadre assessment, year grid, household register, outcomes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ..i18n import _
from .common import REPORT_FORMATS as FORMATS
from .common import (
    By,
    Columns,
    Out,
    UnitOpt,
    by_unit,
    choices,
    command,
    format_option,
    open_db,
    output,
    picked,
    today,
)

NAME = "report"
app = typer.Typer(no_args_is_help=True)

#: The formats of the reports that have a printable page, and of the household's register (one
#: household's sections of different shapes: no CSV table).
PAGE_FORMATS = (*FORMATS, "html")
REGISTER_FORMATS = ("table", "json", "markdown", "html")

PageFormat = Annotated[
    str, format_option(_("table, json, csv, markdown or html (a printable A4 page)."), *PAGE_FORMATS)
]

Redact = Annotated[
    bool,
    typer.Option(
        "--redact", help=_("Mask personal data: names keep their first character; phone, ID, address hidden.")
    ),
]


def _redacting(redact: bool):
    """The register for a report; with --redact, error hints and free text mask people too."""
    import contextlib

    from ..ops.rules.redact import people_masked

    db = open_db()
    db.redact = redact
    return db, (people_masked(db) if redact else contextlib.nullcontext())


def show(module: Any, data: dict[str, Any], fmt: str) -> None:
    from ..render import emit_document, to_csv, write_json_records

    if fmt == "json":
        write_json_records(data, sys.stdout)
        sys.stdout.write("\n")
    elif fmt == "csv":
        rows, columns = module.csv_rows(data)
        sys.stdout.write(to_csv(rows, picked(columns) or columns))
    else:
        emit_document(_only_asked(module.document(data)), fmt)


def _only_asked(doc: dict[str, Any]) -> dict[str, Any]:
    """--columns on a report's table or Markdown: each table keeps the columns asked for that it has
    (a table with none of them stays whole); a name no table has is refused."""
    tables = [s for s in doc.get("sections", []) if s.get("kind") == "table"]
    names = list(dict.fromkeys(c for t in tables for c in t["columns"]))
    asked = picked(names)
    if asked is None:
        return doc
    sections = []
    for sec in doc.get("sections", []):
        keep = [c for c in asked if sec.get("kind") == "table" and c in sec["columns"]]
        if keep:
            at = [sec["columns"].index(c) for c in keep]
            sec = {**sec, "columns": keep, "headers": [sec["headers"][i] for i in at]}
        sections.append(sec)
    return {**doc, "sections": sections}


def _emit(
    module: Any, data: dict[str, Any], fmt: str, out: Path | None, page: Callable[[], str] | None = None
) -> None:
    """The report on standard output or in FILE (cli.common.output); `html` is the printable page
    (reports.html)."""
    text = page() if page is not None and fmt == "html" else None
    with output(out):
        if text is not None:
            sys.stdout.write(text)
        else:
            show(module, data, fmt)


def _page_of(db: Any, module: Any, data: dict[str, Any]) -> Callable[[], str]:
    """The printable A4 page of a report laid out as a document (reports.html.document_page)."""

    def page() -> str:
        from ..reports import html

        return html.document_page(db, _only_asked(module.document(data)))

    return page


def attend(db: Any, data: dict[str, Any], day: Any, redact: bool = False) -> None:
    """Add what needs the director's attention at the quarter's end (checks.attention) to the report."""
    from ..checks import attention

    att = attention.run(db, day)
    if redact:
        from ..ops.rules.redact import redact_rows

        att = {k: redact_rows(v) if isinstance(v, list) else v for k, v in att.items()}
    data["attention"] = att


@command(app)
def quarter(
    period: Annotated[
        str | None,
        typer.Argument(metavar="QUARTER", help=_("e.g. 2004Q3 or 2004-Q3 (default: the current quarter).")),
    ] = None,
    fmt: Annotated[
        str, format_option(_("table, json, csv, markdown or html (a printable A4 page)."), *PAGE_FORMATS)
    ] = "table",
    redact: Redact = False,
    by: By = None,
    unit: UnitOpt = None,
    out: Out = None,
    columns: Columns = None,
    part: Annotated[
        str,
        typer.Option(
            "--part",
            help=_(
                "With --format csv: pairings (one row per pairing, the default), summary (one row per"
                " figure: section, item, value, households), movements (one row per household that"
                " moved), meetings (one row per committee decision) or notes (the typical cases)."
            ),
            autocompletion=choices("pairings", "summary", "movements", "meetings", "notes"),
        ),
    ] = "pairings",
) -> None:
    """The quarter's rollup for the director: each pairing's visits, problems, aid, income, status.

    Example: aidtrack report quarter 2004Q3 --format csv --part summary
    """
    from ..model import AidtrackError, Quarter
    from ..parse import choice
    from ..parse import quarter as parse_quarter
    from ..reports import quarter as report

    fmt = choice(fmt, PAGE_FORMATS, "format")
    grouped = by_unit(by, unit)
    if period and period.strip().isdigit():
        raise AidtrackError(
            "quarter",
            period,
            _("is a year: a quarter is e.g. {year}Q3; the whole year: aidtrack report year {year}").format(
                year=period.strip()
            ),
        )
    q = parse_quarter(period) if period else Quarter.of(today())
    from ..reports import director

    part = choice(part, director.PARTS, "part")
    if part != "pairings" and (fmt != "csv" or grouped):
        raise AidtrackError(
            "--part", part, _("is a part of one register's CSV: give it with --format csv, without --by unit")
        )
    db, masking = _redacting(redact)
    with masking:
        data = report.build(db, q, today(), redact, unit=unit, by_unit=grouped)
        if not grouped and unit is None:
            attend(db, data, q.end, redact)
        if part != "pairings":
            from ..render import to_csv

            rows, names = director.csv_part(data, part)
            with output(out):
                sys.stdout.write(to_csv(rows, picked(names) or names))
            return

        def page() -> str:
            from ..reports import html

            return html.quarter_page(db, data)

        _emit(report, data, fmt, out, page)


@command(app)
def year(
    period: Annotated[
        str | None, typer.Argument(metavar="YEAR", help=_("e.g. 2004 (default: this year)."))
    ] = None,
    fmt: Annotated[
        str, format_option(_("table, json, csv, markdown or html (a printable A4 page)."), *PAGE_FORMATS)
    ] = "table",
    redact: Redact = False,
    unit: UnitOpt = None,
    out: Out = None,
    columns: Columns = None,
) -> None:
    """The year for the director: the quarters side by side and the year's movements; a year not
    over is marked provisional.

    Example: aidtrack report year 2004 --format html -o 2004.html
    """
    from ..model import AidtrackError
    from ..parse import choice
    from ..parse import period as parse_period
    from ..reports import year as report

    fmt = choice(fmt, PAGE_FORMATS, "format")
    if period is None:
        y = today().year
    else:
        start, _end, label = parse_period(period, "year")
        if label != str(start.year):
            raise AidtrackError("year", period, _("is not a year: use e.g. 2004"))
        y = start.year
    db, masking = _redacting(redact)
    with masking:
        data = report.build(db, y, today(), redact, unit=unit)

        def page() -> str:
            from ..reports import html

            return html.year_page(db, data)

        _emit(report, data, fmt, out, page)


@command(app)
def cadres(
    period: Annotated[
        str | None,
        typer.Argument(metavar="QUARTER|YEAR", help=_("2004Q3 or 2004 (default: the current quarter).")),
    ] = None,
    fmt: PageFormat = "table",
    redact: Redact = False,
    by: By = None,
    unit: UnitOpt = None,
    out: Out = None,
    columns: Columns = None,
) -> None:
    """The cadre assessment (目标责任制考核): visits, compliance, problems, outcomes and a score.

    Example: aidtrack report cadres 2004
    """
    from ..model import Quarter
    from ..parse import choice
    from ..parse import period as parse_period
    from ..reports import cadres as report

    fmt = choice(fmt, PAGE_FORMATS, "format")
    grouped = by_unit(by, unit)
    start, end, label = parse_period(period or str(Quarter.of(today())))
    db, masking = _redacting(redact)
    with masking:
        data = report.build(db, start, end, label, today(), redact, unit=unit, by_unit=grouped)
        _emit(report, data, fmt, out, _page_of(db, report, data))


@command(app)
def assessment(
    year: Annotated[str, typer.Argument(metavar="YEAR", help=_("The year, e.g. 2004."))],
    quarter: Annotated[
        str | None,
        typer.Option(
            "--quarter", "-q", metavar="QUARTER", help=_("One quarter of the year instead: 2004Q3 (or Q3).")
        ),
    ] = None,
    fmt: Annotated[
        str, format_option(_("table, json, csv, markdown or html (the A4 form, in Chinese)."), *PAGE_FORMATS)
    ] = "table",
    redact: Redact = False,
    out: Out = None,
    columns: Columns = None,
) -> None:
    """A closed assessment as filed: scores, grades, rewards and penalties, changes since closing.

    Example: aidtrack report assessment 2004 --format html -o 2004.html
    """
    from ..ops.write.assess import period
    from ..parse import choice
    from ..reports import assessment as report

    fmt = choice(fmt, PAGE_FORMATS, "format")
    start, end, label = period(year, quarter)
    db = open_db()
    data = report.build(db, label, start, end, today(), redact)

    def page() -> str:
        return report.html_page(db, data)

    _emit(report, data, fmt, out, page)


@command(app)
def grid(
    year: Annotated[
        str | None, typer.Argument(metavar="YEAR", help=_("e.g. 2004 (default: this year)."))
    ] = None,
    fmt: PageFormat = "table",
    redact: Redact = False,
    by: By = None,
    unit: UnitOpt = None,
    out: Out = None,
    columns: Columns = None,
) -> None:
    """The year at a glance: visits made/required per pairing and quarter, with compliance.

    Example: aidtrack report grid 2004
    """
    from ..model import AidtrackError
    from ..parse import choice, period
    from ..reports import grid as report

    fmt = choice(fmt, PAGE_FORMATS, "format")
    grouped = by_unit(by, unit)
    if year is None:
        y = today().year
    else:
        start, _end, label = period(year, "year")
        if label != str(start.year):
            raise AidtrackError("year", year, _("is not a year: use e.g. 2004"))
        y = start.year
    db, masking = _redacting(redact)
    with masking:
        data = report.build(db, y, today(), redact, unit=unit, by_unit=grouped)
        _emit(report, data, fmt, out, _page_of(db, report, data))


@command(app)
def household(
    ref: Annotated[str, typer.Argument(metavar="REF", help=_("Household code (H01) or exact name."))],
    fmt: Annotated[
        str, format_option(_("table, json, markdown or html (the printable A4 form)."), *REGISTER_FORMATS)
    ] = "table",
    redact: Redact = False,
    out: Out = None,
    columns: Columns = None,
) -> None:
    """A household's register (跟踪问效登记表): pairings, visits, aid, income trend, status history.

    Example: aidtrack report household H01 --format markdown > H01.md
    """
    from ..parse import choice
    from ..reports import household as report

    fmt = choice(fmt, REGISTER_FORMATS, "format")
    db, masking = _redacting(redact)
    with masking:
        data = report.build(db, ref, redact)

        def page() -> str:
            from ..reports import html

            return html.household_page(db, data)

        _emit(report, data, fmt, out, page)


@command(app)
def publicity(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help=_("The cases in publicity on this day (default: today)."))
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help=_("Or those in publicity at some time in a quarter (2004Q1) or year.")),
    ] = None,
    objections_to: Annotated[
        str | None,
        typer.Option("--objections-to", help=_("Where objections go (default: who posts each publicity).")),
    ] = None,
    fmt: Annotated[
        str,
        format_option(
            _("table, json, csv, markdown, html (a printable A4 page to post) or xlsx (needs --out)."),
            *PAGE_FORMATS,
            "xlsx",
        ),
    ] = "table",
    by: By = None,
    unit: UnitOpt = None,
    out: Out = None,
    columns: Columns = None,
) -> None:
    """The publicity list (公示名单): households whose case is in publicity, with the decision and dates.

    Never shows an ID number, a phone, a bank account or a health condition, whatever is asked.

    Example: aidtrack report publicity --period 2004Q1 --format html -o 公示.html
    """
    from ..parse import choice, date, text
    from ..parse import period as parse_period
    from ..reports import publicity as report

    fmt = choice(fmt, (*PAGE_FORMATS, "xlsx"), "format")
    if fmt == "xlsx" and out is None:
        from ..model import AidtrackError

        raise AidtrackError("format", fmt, _("writes a workbook: give the file with --out"))
    if period is not None:
        start, end, name = parse_period(period, "period")
    else:
        start = end = date(as_of or today(), "as-of", today=today())
        name = start.isoformat()
    db = open_db()
    grouped = by_unit(by, unit)
    data = report.build(
        db, start, end, name, text(objections_to, "objections-to", max_len=200), unit=unit, by_unit=grouped
    )

    def page() -> str:
        from ..reports import html

        return html.publicity_page(db, data)

    if fmt == "xlsx" and out is not None:
        from ..render import xlsx_document
        from ..store.files import atomic_write, guard_output

        with atomic_write(guard_output(out, db.path, "out"), binary=True) as f:
            xlsx_document(report.document(data), f)
        return
    _emit(report, data, fmt, out, page)


@command(app)
def outcomes(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help=_("The day to report on (default: today)."))
    ] = None,
    fmt: PageFormat = "table",
    redact: Redact = False,
    by: By = None,
    unit: UnitOpt = None,
    out: Out = None,
    columns: Columns = None,
) -> None:
    """The meeting summary: households by status and livelihood, visits, aid, income then and now.

    Example: aidtrack report outcomes --as-of 2004-12-31 --format markdown
    """
    from ..parse import choice, date
    from ..reports import outcomes as report

    fmt = choice(fmt, PAGE_FORMATS, "format")
    grouped = by_unit(by, unit)
    day = date(as_of or today(), "as-of", today=today())
    db, masking = _redacting(redact)
    with masking:
        data = report.build(db, day, redact, unit=unit, by_unit=grouped)
        _emit(report, data, fmt, out, _page_of(db, report, data))


@command(app, writes=True)
def note(
    period: Annotated[str, typer.Argument(metavar="QUARTER", help=_("The quarter it is about: 2004Q3."))],
    text: Annotated[str, typer.Argument(metavar="TEXT", help=_("The case in a sentence or two."))],
) -> None:
    """Write a typical case of the quarter (典型事例), printed in its quarter report; prints its id.

    Example: aidtrack report note 2004Q3 "刘香福胃穿孔术后返贫，局长回访发现后……"
    """
    from ..ops.write import notes
    from ..parse import quarter as parse_quarter

    print(notes.add(open_db(), parse_quarter(period), text, today()))
