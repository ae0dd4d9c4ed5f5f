"""What every command module shares: the global options' state, error handling, option aliases.

Domain modules are imported inside the commands, not here, so `aidtrack --help` loads neither
sqlite-utils nor the operations.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import inspect
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
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
    writes: bool = True
    #: The command running (its function's name) while its body runs, else None.
    command: str | None = None
    #: Rows committed by connections this call already closed.
    committed: int = 0
    #: Records a command knows it wrote (an import's added + replaced): said instead of row counts.
    written: int | None = None
    #: The Ctrl-C was said (interrupted()): a second "interrupted" line would repeat it.
    interrupted: bool = False
    #: `--columns a,b,c` of a list or report (None: its own columns).
    columns: list[str] | None = None


state = State()


def fail(message: str, code: int = 2) -> None:
    """One line on stderr, the exit status, no traceback; control characters shown as escapes."""
    from ..parse import visible

    sys.stderr.write(_("Error: {message}").format(message=visible(message)) + "\n")
    raise typer.Exit(code)


def warn(message: str) -> None:
    """A likely slip, said on stderr; the command still succeeds."""
    sys.stderr.write(_("Warning: {message}").format(message=message) + "\n")


def _written_records() -> int | None:
    """The records a committed import wrote: the command's own count, else the one its COMMIT
    recorded (a Ctrl-C between the COMMIT and the command's next line)."""
    if state.written is not None:
        return state.written
    return getattr(state.store, "written_records", None) if state.store is not None else None


def committed_rows() -> int:
    """Rows changed by transactions this call committed (0: nothing was written)."""
    store = state.store
    rows = state.committed + (getattr(store, "committed_rows", 0) if store is not None else 0)
    written = _written_records()
    return written if rows and written else rows


_committed = committed_rows


def interrupted() -> int:
    """Say what a Ctrl-C left behind; the exit status (130)."""
    n = committed_rows()
    if n and _written_records() is not None:
        message = _("interrupted after the import was written ({n} row(s))").format(n=n)
    elif n:
        message = _("interrupted after the change was written ({n} row(s))").format(n=n)
    else:
        message = _("interrupted; nothing was written")
    if not state.interrupted:
        state.interrupted = True
        _say(_("Error: {message}").format(message=message))
    return 130


def unexpected(e: BaseException) -> int:
    """A failure nothing else named: one line, exit 2 (or 0 with the truth once a change committed)."""
    if isinstance(e, UnicodeEncodeError):
        message = _(
            "cannot print {text!r} in the output encoding {encoding}: set PYTHONIOENCODING=utf-8"
        ).format(text=e.object[e.start : e.end], encoding=e.encoding)
    elif isinstance(e, RecursionError):
        message = _("input nested too deeply")
    elif isinstance(e, MemoryError):
        message = _("out of memory")
    else:
        message = _("unexpected {kind}: {error} (AIDTRACK_DEBUG=1 shows where)").format(
            kind=type(e).__name__, error=e
        )
    n = committed_rows()
    if n:
        _quiet_stdout()
        _say(
            _("the change was written ({n} row(s)); printing the result failed: {error}").format(
                n=n, error=message
            )
        )
        return 0
    _say(_("Error: {message}").format(message=message))
    return 2


def guarded(fn: Callable[..., Any], writes: bool | str = False) -> Callable[..., Any]:
    """Turn domain and database errors into one line and exit status 2.

    Once a change has committed, a failure to print (a full disk under stdout, a closed pipe) or a
    Ctrl-C no longer says "error": the message says the change was written and the exit is 0 (130
    for Ctrl-C), so a script does not retry and write the record twice.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state.writes = bool(kwargs.get(writes)) if isinstance(writes, str) else writes
        state.command = fn.__name__
        try:
            result = fn(*args, **kwargs)
            sys.stdout.flush()
            return result
        except AidtrackError as e:
            fail(str(e))
        except sqlite3.Error as e:
            if "integer overflow" in str(e):
                fail(
                    _(
                        "db: a sum is too large to compute exactly: a stored amount is far too large"
                        " (correct it; new amounts are at most 999,999,999.99 yuan)"
                    )
                )
            fail(f"db: {e}")
        except OverflowError as e:
            fail(_("a number is too large: {error}").format(error=e))
        except BrokenPipeError:
            # The reader (`| head`) has gone: stop quietly, as click does, without a second error.
            _quiet_stdout()
            raise typer.Exit(0 if _committed() else 1) from None
        except OSError as e:
            if _committed():
                _quiet_stdout()
                _say(
                    _("the change was written ({n} row(s)); printing the result failed: {error}").format(
                        n=_committed(), error=e.strerror
                    )
                )
                raise typer.Exit(0) from None
            fail(f"{e.filename or _('standard output')}: {e.strerror}")
        except KeyboardInterrupt:
            raise typer.Exit(interrupted()) from None
        except (UnicodeEncodeError, RecursionError, MemoryError) as e:
            raise typer.Exit(unexpected(e)) from None
        finally:
            state.command = None

    wrapper.writes = writes  # type: ignore[attr-defined]
    return wrapper


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise a second error."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _say(message: str) -> None:
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def command(app: typer.Typer, name: str | None = None, *, writes: bool | str = False, **kw: Any):
    """`@app.command()` with the error guard: every command exits 2 with one line on bad input.

    The help is the docstring in the interface language (scripts/i18n.py extracts the docstrings).
    WRITES declares that the command writes (True), or writes when its parameter of that name is
    given (`check relapse --mark`): only such a command may create a missing register; every other
    one refuses one (a typo in --db must not leave an empty register a cron check reads).
    tests/conftest.py fails any test in which a command not declared so writes.
    """

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        options = {"help": _(unwrapped(inspect.cleandoc(fn.__doc__)))} if fn.__doc__ else {}
        return app.command(name, **(options | kw))(guarded(fn, writes))

    return register


def unwrapped(help: str) -> str:
    """Help text with each paragraph on one line, so that the terminal's width wraps it (Typer keeps a
    docstring's line breaks after the first paragraph); lines of Chinese join without a space."""
    paragraphs = []
    for para in help.split("\n\n"):
        lines = para.split("\n")
        text = lines[0]
        for line in lines[1:]:
            line = line.strip()
            cjk = text[-1:] > "\u2e7f" and line[:1] > "\u2e7f"
            text += ("" if cjk else " ") + line
        paragraphs.append(text)
    return "\n\n".join(paragraphs)


def open_db(create: bool | None = None) -> Store:
    """The register named by --db / AIDTRACK_DB (else the user's data folder), opened once a call.

    A missing register is created only by a command that writes (`create=None` follows the
    command); a command that only reads refuses it, and falls back to a read-only connection when
    the file or its folder cannot be written.
    """
    from ..store import open_store

    if state.store is None:
        if state.operator is not None:
            from ..parse import text

            state.operator = text(state.operator, "operator", required=True, max_len=100)
        writes = state.writes
        state.store = open_store(
            state.db,
            operator=state.operator,
            create=writes if create is None else create,
            read_only_ok=not writes,
        )
    return state.store


def close_db() -> None:
    """Close the call's connection: a script running many commands in one process must not pile them up."""
    if state.store is not None:
        state.committed += state.store.committed_rows
        state.store.close()
        state.store = None


def today() -> dt.date:
    return dt.date.today()


def validate_format(fmt: str, allowed: tuple[str, ...] = ("table", "json", "csv")) -> str:
    from ..parse import choice

    return choice(fmt, allowed, "format")


def confirm_delete(what: str, yes: bool) -> None:
    if yes:
        return
    if not on_terminal():
        fail(_("--yes: deleting {what} needs --yes when not asked on a terminal").format(what=what))
    from ..parse import visible

    answer = typer.prompt(
        _("Delete {what}? [y/N]").format(what=visible(what)),
        default="",
        show_default=False,
        prompt_suffix=" ",
    )
    if answer.strip().lower() not in YES:
        fail(_("not confirmed; nothing was deleted"), 1)


def on_terminal() -> bool:
    """Whether a person can answer a question: standard input is a terminal."""
    return sys.stdin.isatty()


#: What a clerk types to say yes at a prompt, in either language.
YES = frozenset({"y", "yes", "是", "是的", "确认", "确定"})


# Shell completion: values from their lists, codes from the register (read-only, never created).


def _register_codes(ctx: typer.Context, table: str, incomplete: str) -> list[tuple[str, str]]:
    """(code, name) of the register's cadres or households starting with what is typed."""
    from urllib.parse import quote

    root = ctx.find_root()
    path = root.params.get("db") or os.environ.get("AIDTRACK_DB")
    if not path:
        from ..store import default_path

        path = default_path()
    if not Path(path).is_file():
        return []
    try:
        conn = sqlite3.connect(f"file:{quote(str(Path(path).resolve()))}?mode=ro", uri=True)
        try:
            rows = conn.execute(
                f"SELECT code, name FROM {table} WHERE code LIKE ? ESCAPE '\\'"
                " OR name LIKE ? ESCAPE '\\' ORDER BY code LIMIT 50",
                [_like(incomplete), _like(incomplete)],
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return []
    return [(code, name) for code, name in rows]


def _like(text: str) -> str:
    from ..parse import like_literal

    return like_literal(text) + "%"


def complete_household(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _register_codes(ctx, "households", incomplete)


def complete_cadre(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _register_codes(ctx, "cadres", incomplete)


def choices(*options: str) -> Callable[[str], list[str]]:
    """A completion of fixed values (a format, a kind, a status)."""

    def complete(incomplete: str) -> list[str]:
        return [o for o in options if o.startswith(incomplete)]

    return complete


def format_option(help: str, *values: str) -> Any:
    """The one `--format` / `-f` option: `fmt: Annotated[str, format_option(_("table or json."))]`."""
    return typer.Option("--format", "-f", help=help, autocompletion=choices(*values) if values else None)


# Shared option aliases (one definition, used by every command module).
Format = Annotated[str, format_option(_("table, json or csv."), "table", "json", "csv")]
ListFormat = Annotated[
    str,
    format_option(
        _(
            "table, json, csv or lines (one record per block; a table too wide for the terminal prints so by"
            " itself)."
        ),
        "table",
        "json",
        "csv",
        "lines",
    ),
]

#: The formats of every report and check (some reports add html, the printable page).
REPORT_FORMATS = ("table", "json", "csv", "markdown")
ReportFormat = Annotated[str, format_option(_("table, json, csv or markdown."), *REPORT_FORMATS)]

Out = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        metavar="FILE",
        help=_("Write the output to this file (default: standard output); never onto the register."),
    ),
]

By = Annotated[
    str | None,
    typer.Option(
        "--by", metavar="unit", help=_("unit: one row per unit merged into this file, then the totals.")
    ),
]
ByFinding = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="unit",
        help=_("unit: each finding names the unit merged into this file it belongs to."),
    ),
]
UnitOpt = Annotated[
    str | None,
    typer.Option(
        "--unit", metavar="NAME", help=_("Only this unit's records (\"(this file)\" for the file's own).")
    ),
]


def by_unit(by: str | None, unit: str | None) -> bool:
    """Whether `--by unit` was asked for (the only grouping there is); not together with --unit."""
    from ..parse import choice

    if by is None:
        return False
    choice(by, ("unit",), "by")
    if unit is not None:
        raise AidtrackError("unit", unit, _("goes without --by unit"))
    return True


@contextlib.contextmanager
def output(out: Path | None) -> Iterator[None]:
    """Standard output, or FILE (`--out`) for what the block prints to standard output.

    FILE is checked first by store.files.guard_output (never the register or its -wal/-shm/-journal,
    a folder or a device), then written 0600 under a temporary name and renamed when the block
    ends without an error, so a failure leaves an existing FILE as it was. Enter it before any
    work that writes (`check relapse --mark`): a refused FILE then stops the command first.
    """
    if out is None:
        yield
        return
    from ..store.files import atomic_write, guard_output

    dest = guard_output(out, open_db().path, "out")
    with atomic_write(dest) as f, contextlib.redirect_stdout(f):
        yield


DateOpt = Annotated[
    str | None, typer.Option("--date", "-d", help=_("ISO date (2004-10-12), today or yesterday."))
]
HouseholdRef = Annotated[
    str, typer.Argument(help=_("Household code (H01) or exact name."), autocompletion=complete_household)
]
CadreRef = Annotated[
    str, typer.Argument(help=_("Cadre code (C01) or exact name."), autocompletion=complete_cadre)
]
HouseholdFilter = Annotated[
    str | None,
    typer.Option(
        "--household", help=_("Only this household (code or name)."), autocompletion=complete_household
    ),
]
CadreFilter = Annotated[
    str | None,
    typer.Option("--cadre", help=_("Only this cadre (code or name)."), autocompletion=complete_cadre),
]
Search = Annotated[
    str | None,
    typer.Option(
        "--search",
        "-s",
        metavar="TEXT",
        help=_(
            "Only records whose name, code, phone, ID number, address, tag or cadre contains TEXT;"
            " pinyin initials find names (lxf finds 刘香福)."
        ),
    ),
]


def _remember_columns(value: str | None) -> str | None:
    state.columns = [c.strip() for c in value.split(",") if c.strip()] if value else None
    return value


Columns = Annotated[
    str | None,
    typer.Option(
        "--columns",
        metavar="A,B,…",
        callback=_remember_columns,
        help=_("Only these columns, in this order (names as in the CSV header); JSON keeps every field."),
    ),
]


def picked(available: Sequence[str], where: str = "columns") -> list[str] | None:
    """The columns asked for with --columns, each checked against AVAILABLE (None: not asked)."""
    if state.columns is None:
        return None
    for name in state.columns:
        if name not in available:
            from ..model import AidtrackError

            raise AidtrackError(
                where, name, _("no such column; one of {names}").format(names=", ".join(available))
            )
    return list(state.columns)


RecordId = Annotated[str, typer.Argument(help=_("The record's id (see the list command)."))]
Yes = Annotated[bool, typer.Option("--yes", "-y", help=_("Do not ask for confirmation."))]


def list_records(kind: str, fmt: str, **filters: Any) -> None:
    """A kind's list: the registry's list columns in a table, the whole public shape in JSON."""
    from ..kinds import REGISTRY
    from ..ops.write import records
    from ..render import emit

    fmt = validate_format(fmt, ("table", "json", "csv", "lines"))
    k = REGISTRY[kind]
    columns = picked([c.name for c in k.shape if not c.name.endswith("_id")]) or k.list_columns
    rows = records.select(open_db(), kind, **filters)
    emit(rows, columns, fmt, empty=_("No {kind} recorded.").format(kind=_(kind)))


def show_record(kind: str, ident: str, fmt: str) -> None:
    from ..ops.write import records
    from ..render import emit_one

    fmt = validate_format(fmt)
    emit_one(records.get(open_db(), kind, ident), fmt)


def edit_record(kind: str, ident: str, changes: dict[str, Any]) -> None:
    from ..ops.write import records
    from ..render import emit_one

    after = records.edit(open_db(), kind, ident, changes, today())
    emit_one(after, "table")


def delete_record(kind: str, ident: str, yes: bool) -> None:
    """Name the record and what goes with it, refuse before asking when it is still referred to."""
    from ..ops.write import deletion

    db = open_db()
    plan = deletion.plan(db, kind, ident)
    what = plan.what
    taken = plan.names()
    if taken:
        what = _("{what} and with it: {records}").format(what=what, records=_("; ").join(taken))
    confirm_delete(what, yes)
    deletion.carry_out(db, plan)
    from ..parse import visible

    sys.stderr.write(_("Deleted {what}.").format(what=visible(what)) + "\n")  # a name could forge a line
