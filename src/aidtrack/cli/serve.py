"""`aidtrack serve`: the register in a browser, through Datasette (the optional extra `serve`)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ..i18n import _
from .common import command, open_db, today

NAME = "serve"
app = typer.Typer()


def prepare(folder: Path, full: bool = False) -> tuple[Path, Path, Path]:
    """Write the snapshot, its metadata and the page of charts (FOLDER/charts) into FOLDER; returns
    the snapshot's, the metadata's and the live register's paths."""
    from ..checks import attention
    from ..model import Quarter
    from ..reports import snapshot

    db = open_db()
    day = today()
    as_of = min(day, Quarter.of(day).end)
    path = folder / "register.db"
    meta = snapshot.build(db, path, day, full, attention.run(db, as_of), charts=folder / "charts")
    meta_path = folder / "metadata.json"
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return path, meta_path, Path(db.path)


def arguments(db: Path, meta: Path, host: str, port: int, full: bool, live: Path | None = None) -> list[str]:
    """Datasette's command line: the snapshot immutable, downloads and arbitrary SQL off, the page of
    charts beside it served at /charts/ (--static: files, no script, nothing from the network); --full
    also the live register (Datasette opens a file it may not treat as immutable with mode=ro:
    read-only), everything behind Datasette's sign-in (--root prints a one-time sign-in address)."""
    args = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        "-i",
        str(db),
        "--metadata",
        str(meta),
        "--host",
        host,
        "--port",
        str(port),
        "--setting",
        "allow_download",
        "off",
        "--setting",
        "default_allow_sql",
        "off",
        "--setting",
        "allow_csv_stream",
        "off",
        "--static",
        f"charts:{db.parent / 'charts'}",
    ]
    if full:
        args.append("--root")
        if live is not None:
            args.append(str(live))
    return args


@command(app, "serve")
def serve(
    full: Annotated[
        bool,
        typer.Option(
            "--full", help=_("Serve every detail unredacted, for the office, behind Datasette's sign-in.")
        ),
    ] = False,
    host: Annotated[str, typer.Option("--host", help=_("Address to listen on."))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help=_("Port to listen on."))] = 8001,
) -> None:
    """Look at the register in a browser (Datasette): a redacted snapshot, read-only.

    Names keep their first character; ID numbers, phones and addresses are not in the snapshot.
    Needs the extra: pip install 'aidtrack[serve]'.

    Example: aidtrack serve --port 8001
    """
    import importlib.util

    from ..model import AidtrackError

    if importlib.util.find_spec("datasette") is None:
        raise AidtrackError("serve", "datasette", _("is not installed: pip install 'aidtrack[serve]'"))
    with tempfile.TemporaryDirectory(prefix="aidtrack-serve-") as folder:
        db, meta, live = prepare(Path(folder), full)
        print(
            _("Serving {what} at http://{host}:{port}/ (Ctrl+C to stop)").format(
                what=_("the full register") if full else _("a redacted snapshot"), host=host, port=port
            ),
            file=sys.stderr,
        )
        try:
            subprocess.run(arguments(db, meta, host, port, full, live), check=False)
        except KeyboardInterrupt:
            pass
