"""The console script's first code: a Ctrl-C while the command line is still loading is one line.

`aidtrack.cli.main` imports Typer, rich and the command modules (tens of milliseconds); an interrupt
then would otherwise print a traceback and exit 1, which a cron job reads as "found something".
Nothing has been opened yet, so nothing was written.
"""

from __future__ import annotations

import sys


def run() -> None:
    try:
        from .main import run as main_run
    except KeyboardInterrupt:
        sys.stderr.write("Error: interrupted; nothing was written\n")
        sys.exit(130)
    main_run()
