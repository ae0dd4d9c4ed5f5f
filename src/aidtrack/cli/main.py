"""The `aidtrack` command: global options and the command groups, each in its own module."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated

import typer

from .. import __version__, i18n
from ..i18n import N_, _
from . import (
    aid,
    cadre,
    check,
    household,
    income,
    maintenance,
    meeting,
    member,
    merge,
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
    help=_(
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
        typer.Option("--db", envvar="AIDTRACK_DB", help=_("The register file (default: user data folder)."),
                     dir_okay=False),
    ] = None,
    operator: Annotated[
        str | None,
        typer.Option("--operator", envvar="AIDTRACK_OPERATOR", help=_("Who is typing, for the audit log.")),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option("--lang", metavar="[en|zh]",
                     help=_("Interface language, en or zh (default: AIDTRACK_LANG, else the locale: LANG).")),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help=_("Show the version."))
    ] = False,
) -> None:
    if lang is not None and lang.lower() not in i18n.LANGUAGES:
        from .common import fail

        fail(_("--lang: must be en or zh (got {value!r})").format(value=lang))
    # Help texts were built at import in the language found then; messages follow this call's choice.
    i18n.set_language(lang or i18n.detect())
    state.db = db
    state.operator = operator
    state.store = None
    ctx.call_on_close(close_db)


for module in (cadre, household, member, pair, visit, income, aid, problem, meeting, policy, report,
               check):
    app.add_typer(module.app, name=module.NAME, help=_(inspect.cleandoc(module.__doc__)))
transfer.register(app)
maintenance.register(app)
merge.register(app)


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
    print(_("Demo register: {path}").format(path=db.path))
    print(_("Explore it:    aidtrack --db {path} household list").format(path=db.path))
    emit([{"records": k, "count": v} for k, v in story.counts(db).items()], ("records", "count"),
         "table", title=_("What the story holds"))
    from ..checks import relapse
    from ..reports import quarter as quarter_report
    from .check import _print_sections
    from .report import _show

    print(f"\n$ aidtrack --db {db.path} report quarter {quarter}")
    _show(quarter_report, quarter_report.build(db, quarter, today=as_of), "table")
    print(f"\n$ aidtrack --db {db.path} check relapse --as-of {as_of}")
    _print_sections(relapse.sections(relapse.run(db, as_of)))


@command(app, "log")
def log(
    limit: Annotated[int, typer.Option("--limit", "-n", help=_("How many entries, newest first."))] = 20,
    fmt: Annotated[str, typer.Option("--format", "-f", help=_("table, json or csv."))] = "table",
) -> None:
    """The audit log: who changed what, when, with the values before and after.

    Example: aidtrack log --limit 5
    """
    from ..ops.audit import entries
    from ..render import emit
    from .common import check_format

    fmt = check_format(fmt)
    emit(entries(open_db(), limit), ("id", "when", "operator", "action", "entity", "record", "change"),
         fmt, empty=_("The audit log is empty."))


#: Help of the options click and Typer add by themselves, which they do not translate.
_CHROME = {
    "--help": N_("Show this message and exit."),
    "--install-completion": N_("Install completion for the current shell."),
    "--show-completion": N_(
        "Show completion for the current shell, to copy it or customize the installation."),
}

#: Usage errors of the click bundled in Typer (plain English there), as (pattern, message).
_USAGE_ERRORS = (
    (r"Missing argument (?P<hint>.+)\.", N_("Missing argument {hint}.")),
    (r"Missing option (?P<hint>.+)\.", N_("Missing option {hint}.")),
    (r"No such option: (?P<name>\S+) \(Possible options: (?P<options>.+)\)",
     N_("No such option: {name} (Possible options: {options})")),
    (r"No such option: (?P<name>\S+)", N_("No such option: {name}")),
    (r"No such command (?P<name>.+?)\. Did you mean (?P<options>.+)\?",
     N_("No such command {name}. Did you mean {options}?")),
    (r"No such command (?P<name>.+)\.", N_("No such command {name}.")),
    (r"Missing command\.", N_("Missing command.")),
    (r"Option (?P<name>.+) requires an argument\.", N_("Option {name} requires an argument.")),
    (r"Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)",
     N_("Got unexpected extra argument(s) ({args})")),
    (r"Invalid value for (?P<hint>.+?): (?P<message>.*)", N_("Invalid value for {hint}: {message}")),
    (r"Input should be a valid integer, unable to parse string as an integer",
     N_("Input should be a valid integer, unable to parse string as an integer")),
)


def command_tree():
    """The click command of `app`, the help of click's and Typer's own options in the interface language."""
    root = typer.main.get_command(app)
    todo = [root]
    while todo:
        cmd = todo.pop()
        todo += list(getattr(cmd, "commands", {}).values())
        ctx = cmd.context_class(cmd, info_name=cmd.name, help_option_names=["-h", "--help"])
        for param in [*cmd.params, cmd.get_help_option(ctx)]:
            for name in getattr(param, "opts", ()):
                if name in _CHROME:
                    param.help = _(_CHROME[name])
    return root


def usage_message(message: str) -> str:
    """A usage error of Typer's bundled click in the interface language."""
    import re

    for pattern, text in _USAGE_ERRORS:
        m = re.fullmatch(pattern, message, re.DOTALL)
        if m:
            parts = m.groupdict()
            if "message" in parts:
                parts["message"] = usage_message(parts["message"])
            return _(text).format(**parts)
    return message


def run() -> None:
    """The console script: Typer's usage errors, too, become one line and exit status 2."""
    import sys

    try:
        rc = command_tree()(prog_name="aidtrack", standalone_mode=False)
    except typer.Abort:
        sys.stderr.write(_("Aborted.") + "\n")
        sys.exit(1)
    except Exception as e:
        # click's UsageError family, vendored inside Typer: duck-typed, not imported.
        if hasattr(e, "format_message") and isinstance(getattr(e, "exit_code", None), int):
            if not e.format_message().strip():  # a group called bare: its help is already shown
                sys.exit(e.exit_code)
            sys.stderr.write(_("Error: {message}").format(message=usage_message(e.format_message()))
                             + _(" (try --help)") + "\n")
            sys.exit(e.exit_code)
        raise
    sys.exit(rc if isinstance(rc, int) else 0)
