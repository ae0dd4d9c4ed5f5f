"""What every command module shares: the global options' state, error handling, option aliases.

Domain modules are imported inside the commands, not here, so `aidtrack --help` loads neither
sqlite-utils nor the operations.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import os
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..i18n import _
from ..model import AidtrackError

if TYPE_CHECKING:
    from ..store import Store


@dataclass
class State:
    db: Path | None = None
    operator: str | None = None
    store: Store | None = None


state = State()


def fail(message: str, code: int = 2) -> None:
    """One line on stderr, the exit status, no traceback."""
    sys.stderr.write(_("Error: {message}").format(message=message) + "\n")
    raise typer.Exit(code)


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain and database errors into one line and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AidtrackError as e:
            fail(str(e))
        except sqlite3.Error as e:
            fail(f"db: {e}")
        except BrokenPipeError:
            # The reader (`| head`) has gone: stop quietly, as click does, without a second error.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(1) from None
        except OSError as e:
            fail(f"{e.filename or _('file')}: {e.strerror}")
        except KeyboardInterrupt:
            fail(_("interrupted; nothing was written"), 130)

    return wrapper


def command(app: typer.Typer, name: str | None = None, **kw: Any):
    """`@app.command()` with the error guard: every command exits 2 with one line on bad input.

    The help is the docstring in the interface language (scripts/i18n.py extracts the docstrings).
    """

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        options = {"help": _(inspect.cleandoc(fn.__doc__))} if fn.__doc__ else {}
        return app.command(name, **(options | kw))(guarded(fn))

    return register


def open_db(create: bool = True) -> Store:
    """The register named by --db / AIDTRACK_DB (else the user's data folder), opened once a call."""
    from ..store import open_store

    if state.store is None:
        state.store = open_store(state.db, operator=state.operator, create=create)
    return state.store


def close_db() -> None:
    """Close the call's connection: a script running many commands in one process must not pile them up."""
    if state.store is not None:
        state.store.close()
        state.store = None


def today() -> dt.date:
    return dt.date.today()


def check_format(fmt: str, allowed: tuple[str, ...] = ("table", "json", "csv")) -> str:
    from ..parse import choice

    return choice(fmt, allowed, "format")


def confirm_delete(what: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        fail(_("--yes: deleting {what} needs --yes when not asked on a terminal").format(what=what))
    if not typer.confirm(_("Delete {what}?").format(what=what)):
        fail(_("not confirmed; nothing was deleted"), 1)


# Shared option aliases (one definition, used by every command module).
Format = Annotated[str, typer.Option("--format", "-f", help=_("table, json or csv."))]
DateOpt = Annotated[
    str | None, typer.Option("--date", "-d", help=_("ISO date (2004-10-12), today or yesterday."))
]
HouseholdRef = Annotated[str, typer.Argument(help=_("Household code (H01) or exact name."))]
CadreRef = Annotated[str, typer.Argument(help=_("Cadre code (C01) or exact name."))]
HouseholdFilter = Annotated[
    str | None, typer.Option("--household", help=_("Only this household (code or name)."))
]
CadreFilter = Annotated[str | None, typer.Option("--cadre", help=_("Only this cadre (code or name)."))]
RecordId = Annotated[str, typer.Argument(help=_("The record's id (see the list command)."))]
Yes = Annotated[bool, typer.Option("--yes", "-y", help=_("Do not ask for confirmation."))]

def list_records(kind: str, fmt: str, **filters: Any) -> None:
    """A kind's list: the registry's list columns in a table, the whole public shape in JSON."""
    from ..kinds import REGISTRY
    from ..ops import records
    from ..render import emit

    fmt = check_format(fmt)
    rows = records.select(open_db(), kind, **filters)
    emit(rows, REGISTRY[kind].list_columns, fmt, empty=_("No {kind} recorded.").format(kind=_(kind)))


def show_record(kind: str, ident: str, fmt: str) -> None:
    from ..ops import records
    from ..render import emit_one

    fmt = check_format(fmt)
    emit_one(records.get(open_db(), kind, ident), fmt)


def edit_record(kind: str, ident: str, changes: dict[str, Any]) -> None:
    from ..ops import records
    from ..render import emit_one

    after = records.edit(open_db(), kind, ident, changes, today())
    emit_one(after, "table")


def delete_record(kind: str, ident: str, yes: bool) -> None:
    """Name the record and what goes with it, refuse before asking when it is still referred to."""
    from ..ops import deletion

    db = open_db()
    plan = deletion.plan(db, kind, ident)
    what = plan.what
    taken = plan.names()
    if taken:
        what = _("{what} and with it: {records}").format(what=what, records=_("; ").join(taken))
    confirm_delete(what, yes)
    deletion.carry_out(db, plan)
    sys.stderr.write(_("Deleted {what}.").format(what=what) + "\n")
