"""Backup, restore and doctor: keeping the unit's only register safe."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..i18n import _
from ..parse import visible
from .common import command, fail, format_option, open_db, state, validate_format

#: Mounted on the main app with `add_typer` and no name: its commands are top-level
#: (`aidtrack backup`, `aidtrack restore`, `aidtrack doctor`).
app = typer.Typer()


@command(app)
def backup(
    dest: Annotated[Path, typer.Argument(help=_("Where to write the copy."))],
    force: Annotated[bool, typer.Option("--force", help=_("Replace DEST if it exists."))] = False,
) -> None:
    """Write a consistent copy of the register (0600), even while clerks are writing to it.

    Example: aidtrack backup /mnt/usb/unit-2004-10-15.db
    """
    from ..ops.write.maintenance import backup as run_backup

    db = open_db(create=False)
    run_backup(db, dest, force)
    # DEST as given: a relative path stays relative
    print(
        _("Copied the register {path} to {dest} (readable by you only).").format(
            path=visible(str(db.path)), dest=visible(str(dest))
        )
    )


@command(app, writes=True)
def restore(
    src: Annotated[Path, typer.Argument(help=_("A backup made by `aidtrack backup`."))],
    yes: Annotated[bool, typer.Option("--yes", "-y", help=_("Do not ask."))] = False,
) -> None:
    """Replace the register with a checked backup; the replaced file is kept beside it.

    Example: aidtrack restore /mnt/usb/unit-2004-10-15.db --yes
    """
    from ..ops.write.maintenance import check_source
    from ..ops.write.maintenance import restore as run_restore
    from ..store import default_path
    from .common import confirm_delete

    target = state.db or default_path()
    check_source(src)
    confirm_delete(_("the contents of {target} (replaced by {src})").format(target=target, src=src), yes)
    kept = run_restore(target, src, state.operator)
    kept_note = _("; the replaced file is kept at {path}").format(path=kept) if kept else ""
    sys.stderr.write(
        _("Restored {target} from {src}").format(target=visible(str(target)), src=visible(str(src)))
        + visible(kept_note)
        + "\n"
    )


@command(app)
def doctor(fmt: Annotated[str, format_option(_("table or json."))] = "table") -> None:
    """Check the file and the programme's invariants; exit 1 when anything is wrong.

    Integrity, foreign keys, schema version, schema objects aidtrack did not create, journal mode,
    permissions, one active pairing per household, visits inside their pairing, no money below zero.

    Example: aidtrack doctor
    """
    from ..ops.write.maintenance import doctor as run_doctor
    from ..render import emit
    from ..store import default_path

    fmt = validate_format(fmt, ("table", "json"))
    path = state.db or default_path()
    if not path.exists():
        fail(_("db: {path} does not exist").format(path=path))
    findings = run_doctor(path)
    rows = [f | {"result": "ok" if f["ok"] else "PROBLEM"} for f in findings]
    if fmt == "table":
        rows = [r | {"check": _(r["check"])} for r in rows]
    emit(rows, ("check", "result", "detail"), fmt)
    if not all(f["ok"] for f in findings):
        raise typer.Exit(1)
