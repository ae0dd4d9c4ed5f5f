"""The city roll-up: `aidtrack merge` copies the units' own register files into the --db file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..i18n import _
from .common import check_format, command, format_option, open_db

#: Mounted on the main app with `add_typer` and no name: its commands are top-level
#: (`aidtrack merge`).
app = typer.Typer()


@command(app, help=_(
    "Merge units' register files into this one (the city's); each unit file is only read.\n\n"
    "A unit's records are stored with its name before their codes (交通局/H01); merging a newer"
    " copy of a unit's file replaces that unit's records, an unchanged one is skipped. A unit"
    " whose file is from a newer aidtrack, fails doctor, or enrols a person another unit has"
    " enrolled (same ID number, or same name and born date) is refused with the reason; the"
    " others still merge. Exit status 2 if any unit was refused.\n\n"
    "Example: aidtrack --db city.db merge 交通局.db 民政局.db"))
def merge(
    files: Annotated[list[Path], typer.Argument(
        metavar="UNIT_FILE", help=_("Units' register files; each file's name (交通局.db) names"
                                       " its unit."), dir_okay=False)],
    unit_name: Annotated[str | None, typer.Option(
        "--unit-name", help=_("The unit's name, for a single file (default: the file's name)."))] = None,
    fmt: Annotated[str, format_option(_("table, json or csv."))] = "table",
) -> None:
    from ..ops.merge import merge as run_merge
    from ..render import emit

    fmt = check_format(fmt)
    results = run_merge(open_db(), files, unit_name)
    for r in results:
        if r["status"] == "refused":
            sys.stderr.write(_("Error: unit {unit} ({file}): {reason}").format(**r) + "\n")
    emit(results, ("unit", "status", "households", "visits", "reason"), fmt,
         headers=(_("unit"), _("status"), _("households"), _("visits"), _("reason")))
    if any(r["status"] == "refused" for r in results):
        raise typer.Exit(2)

