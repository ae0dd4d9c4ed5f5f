"""The console script's first code: a Ctrl-C while the command line is still loading is one line.

`aidtrack.cli.main` imports Typer, rich and the command modules (tens of milliseconds); an interrupt
then would otherwise print a traceback and exit 1, which a cron job reads as "found something".
Nothing has been opened yet, so nothing was written.

Before anything loads SQLite, a merge turns SQLite's memory statistics off (`quiet_sqlite_memory`).
"""

from __future__ import annotations

import sys

#: sqlite3_config's option number for SQLITE_CONFIG_MEMSTATUS (sqlite3.h).
_SQLITE_CONFIG_MEMSTATUS = 9


def quiet_sqlite_memory() -> bool:
    """Turn off SQLite's memory statistics for this process; True if it took.

    With them on (SQLite's default), every allocation takes one global mutex: the merge's reader
    threads and its copier fight over it, and half its time went to waiting on that lock (a
    20-unit merge: 13.6 s and 24 CPU-s with it, 6.6 s and 10 CPU-s without). Nothing of aidtrack
    reads the statistics. It must happen before the sqlite3 module is first imported (importing it
    initialises SQLite; sqlite3_config is refused after that): otherwise, or where the library
    cannot be reached through ctypes, nothing changes and the merge is only slower."""
    if "_sqlite3" in sys.modules:
        return False
    try:
        import ctypes
        import importlib.util

        spec = importlib.util.find_spec("_sqlite3")
        if spec is None or not spec.origin:
            return False
        # dlopen of the extension module (not an import: its init, which initialises SQLite, is
        # not run); the import later gets the same loaded library, hence the same SQLite.
        config = ctypes.CDLL(spec.origin).sqlite3_config
    except (ImportError, OSError, AttributeError):
        return False
    return config(_SQLITE_CONFIG_MEMSTATUS, ctypes.c_int(0)) == 0


def run() -> None:
    try:
        if "merge" in sys.argv[1:]:  # the one command that runs SQLite in several threads
            quiet_sqlite_memory()
        from .main import run as main_run
    except KeyboardInterrupt:
        sys.stderr.write("Error: interrupted; nothing was written\n")
        sys.exit(130)
    main_run()
