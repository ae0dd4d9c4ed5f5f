"""Reports: the quarter rollup, cadre assessment, year grid, household register, outcomes."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from .common import command, open_db, today

NAME = "report"
app = typer.Typer(no_args_is_help=True)

FORMATS = ("table", "json", "csv", "markdown")
Format = Annotated[str, typer.Option("--format", "-f", help="table, json, csv or markdown.")]
Redact = Annotated[bool, typer.Option(
    "--redact", help="Mask personal data: names keep their first character; phone, ID, address hidden.")]


def _show(module: Any, data: dict[str, Any], fmt: str) -> None:
    from ..render import emit_document, to_csv, to_json_records

    if fmt == "json":
        sys.stdout.write(to_json_records(data) + "\n")
    elif fmt == "csv":
        rows, columns = module.csv_rows(data)
        sys.stdout.write(to_csv(rows, columns))
    else:
        emit_document(module.document(data), fmt)


@command(app)
def quarter(
    period: Annotated[str | None, typer.Argument(
        metavar="QUARTER", help="e.g. 2004Q3 or 2004-Q3 (default: the current quarter).")] = None,
    fmt: Format = "table", redact: Redact = False,
) -> None:
    """The quarter's rollup for the director: each pairing's visits, problems, aid, income, status.

    Example: aidtrack report quarter 2004Q3 --format markdown
    """
    from ..model import Quarter
    from ..parse import choice
    from ..parse import quarter as parse_quarter
    from ..reports import quarter as report

    fmt = choice(fmt, FORMATS, "format")
    q = parse_quarter(period) if period else Quarter.of(today())
    _show(report, report.build(open_db(), q, today(), redact), fmt)


@command(app)
def cadres(
    period: Annotated[str | None, typer.Argument(
        metavar="QUARTER|YEAR", help="2004Q3 or 2004 (default: the current quarter).")] = None,
    fmt: Format = "table", redact: Redact = False,
) -> None:
    """The cadre assessment (目标责任制考核): visits, compliance, problems, outcomes and a score.

    Example: aidtrack report cadres 2004
    """
    from ..model import Quarter
    from ..parse import choice
    from ..parse import period as parse_period
    from ..reports import cadres as report

    fmt = choice(fmt, FORMATS, "format")
    start, end, label = parse_period(period or str(Quarter.of(today())))
    _show(report, report.build(open_db(), start, end, label, today(), redact), fmt)


@command(app)
def grid(
    year: Annotated[str | None, typer.Argument(
        metavar="YEAR", help="e.g. 2004 (default: this year).")] = None,
    fmt: Format = "table", redact: Redact = False,
) -> None:
    """The year at a glance: visits made/required per pairing and quarter, with compliance.

    Example: aidtrack report grid 2004
    """
    from ..model import AidtrackError
    from ..parse import choice, period
    from ..reports import grid as report

    fmt = choice(fmt, FORMATS, "format")
    if year is None:
        y = today().year
    else:
        start, _, label = period(year, "year")
        if label != str(start.year):
            raise AidtrackError("year", year, "is not a year: use e.g. 2004")
        y = start.year
    _show(report, report.build(open_db(), y, today(), redact), fmt)


@command(app)
def household(
    ref: Annotated[str, typer.Argument(metavar="REF", help="Household code (H01) or exact name.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or markdown.")] = "table",
    redact: Redact = False,
) -> None:
    """A household's register (跟踪问效登记表): pairings, visits, aid, income trend, status history.

    Example: aidtrack report household H01 --format markdown > H01.md
    """
    from ..parse import choice
    from ..reports import household as report

    fmt = choice(fmt, ("table", "json", "markdown"), "format")
    _show(report, report.build(open_db(), ref, redact), fmt)


@command(app)
def outcomes(
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The day to report on (default: today).")] = None,
    fmt: Format = "table", redact: Redact = False,
) -> None:
    """The meeting summary: households by status and livelihood, visits, aid, income then and now.

    Example: aidtrack report outcomes --as-of 2004-12-31 --format markdown
    """
    from ..parse import choice, date
    from ..reports import outcomes as report

    fmt = choice(fmt, FORMATS, "format")
    day = date(as_of or today(), "as-of", today=today())
    _show(report, report.build(open_db(), day, redact), fmt)
