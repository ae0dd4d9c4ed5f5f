"""The `aidtrack` command: global options and the command groups, each in its own module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import __version__
from . import (
    aid,
    cadre,
    check,
    household,
    income,
    maintenance,
    pair,
    policy,
    problem,
    report,
    transfer,
    visit,
)
from .common import close_db, command, open_db, state

app = typer.Typer(
    name="aidtrack",
    help=(
        "The register of a one-helps-one (一帮一) poverty-relief programme: cadres paired with"
        " households, visits, aid, income, relapse checks.\n\n"
        "Example: aidtrack --db unit.db visit add H01 --date 2004-10-12 --situation 生活稳定"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"aidtrack {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option("--db", envvar="AIDTRACK_DB", help="The register file (default: user data folder).",
                     dir_okay=False),
    ] = None,
    operator: Annotated[
        str | None,
        typer.Option("--operator", envvar="AIDTRACK_OPERATOR", help="Who is typing, for the audit log."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    state.db = db
    state.operator = operator
    state.store = None
    ctx.call_on_close(close_db)


for module in (cadre, household, pair, visit, income, aid, problem, policy, report, check):
    app.add_typer(module.app, name=module.NAME, help=module.__doc__)
transfer.register(app)
maintenance.register(app)


@command(app)
def init() -> None:
    """Create the register file (0600, it holds personal data) or bring an old one up to date.

    Example: aidtrack --db unit.db init
    """
    db = open_db()
    print(db.path)


@command(app)
def demo() -> None:
    """Load the seed story (a bureau's ten households, 2003-2004) into its own demo.db and show it.

    The demo file is rebuilt on each run, in the user data folder; your own register is untouched.
    Explore it afterwards with the printed --db path.

    Example: aidtrack demo
    """
    from ..ops import demo as story
    from ..render import emit

    db = story.build()
    quarter, as_of = story.story_dates(db)
    print(f"Demo register: {db.path}")
    print(f"Explore it:    aidtrack --db {db.path} household list")
    emit([{"records": k, "count": v} for k, v in story.counts(db).items()], ("records", "count"),
         "table", title="What the story holds")


@command(app, "log")
def log(
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many entries, newest first.")] = 20,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
) -> None:
    """The audit log: who changed what, when, with the values before and after.

    Example: aidtrack log --limit 5
    """
    from ..ops.audit import entries
    from ..render import emit
    from .common import check_format

    fmt = check_format(fmt)
    emit(entries(open_db(), limit), ("id", "when", "operator", "action", "entity", "record", "change"),
         fmt, empty="The audit log is empty.")


def run() -> None:
    """The console script: Typer's usage errors, too, become one line and exit status 2."""
    import sys

    try:
        rc = app(prog_name="aidtrack", standalone_mode=False)
    except typer.Abort:
        sys.stderr.write("Aborted.\n")
        sys.exit(1)
    except Exception as e:
        # click's UsageError family, vendored inside Typer: duck-typed, not imported.
        if hasattr(e, "format_message") and isinstance(getattr(e, "exit_code", None), int):
            sys.stderr.write(f"Error: {e.format_message()} (try --help)\n")
            sys.exit(e.exit_code)
        raise
    sys.exit(rc if isinstance(rc, int) else 0)
