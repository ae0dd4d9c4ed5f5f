"""The city roll-up: `aidtrack merge` copies the units' own register files into the --db file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..i18n import _
from .common import command, format_option, open_db, validate_format

#: Mounted on the main app with `add_typer` and no name: its commands are top-level
#: (`aidtrack merge`).
app = typer.Typer()


@command(
    app,
    help=_(
        "Merge units' register files into this one (the city's); each unit file is only read.\n\n"
        "A unit's records are stored with its name before their codes (交通局/H01) and keep their"
        " ids when the unit is merged again; a newer copy of a unit's file replaces that unit's"
        " records, an unchanged one is skipped. One person is one ID number: a household another"
        " unit has enrolled (same ID number; or, where an ID number is missing, same name and born"
        " date) is left out and listed, and the rest of its unit merges. A unit whose file is from a"
        " newer aidtrack or fails doctor is refused whole.\n\n"
        "Exit status: 0 all merged; 1 merged, with households left out; 2 a unit refused (the"
        " others merged).\n\n"
        "Example: aidtrack --db city.db merge 交通局.db 民政局.db"
    ),
    writes=True,
)
def merge(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="UNIT_FILE",
            help=_("Units' register files; each file's name (交通局.db) names its unit."),
            dir_okay=False,
        ),
    ],
    unit_name: Annotated[
        str | None,
        typer.Option("--unit-name", help=_("The unit's name, for a single file (default: the file's name).")),
    ] = None,
    fmt: Annotated[str, format_option(_("table, json or csv."))] = "table",
) -> None:
    from ..ops.transfer.merge import merge as run_merge
    from ..parse import visible
    from ..render import emit

    fmt = validate_format(fmt)
    results = run_merge(open_db(), files, unit_name)
    for r in results:
        if r["status"] == "refused":
            sys.stderr.write(
                _("Error: unit {unit} ({file}): {reason}").format(
                    unit=visible(r["unit"]), file=visible(r["file"]), reason=visible(r["reason"] or "")
                )
                + "\n"
            )
        if r.get("removed"):
            sys.stderr.write(
                _(
                    "Removed: unit {unit}: {n} record(s) typed into this file against its households,"
                    " replaced by its new copy; each is in the log (aidtrack log) to be put back"
                ).format(unit=visible(r["unit"]), n=r["removed"])
                + "\n"
            )
        for h in r["left_out"]:
            sys.stderr.write(
                _("Left out: unit {unit}: {household} {name} {reason}").format(
                    unit=visible(r["unit"]),
                    household=visible(h["household"]),
                    name=visible(h["name"] or ""),
                    reason=visible(h["reason"]),
                )
                + "\n"
            )
        for h in r["warnings"]:
            sys.stderr.write(
                _("Warning: unit {unit}: {household} {name} and {other}: {reason}").format(
                    unit=visible(r["unit"]),
                    household=visible(h["household"]),
                    name=visible(h["name"] or ""),
                    other=visible(h["other"]),
                    reason=visible(h["reason"]),
                )
                + "\n"
            )
    if fmt == "json":
        emit(results, (), fmt)
    else:
        rows = [r | {"left_out": len(r["left_out"])} for r in results]
        emit(
            rows,
            ("unit", "status", "households", "visits", "left_out", "reason"),
            fmt,
            headers=(_("unit"), _("status"), _("households"), _("visits"), _("left out"), _("reason")),
        )
    if any(r["status"] == "refused" for r in results):
        raise typer.Exit(2)
    if any(r["left_out"] for r in results):
        raise typer.Exit(1)
