"""The `aidtrack` command: global options and the command groups, each in its own module.

The groups are loaded lazily: `run()` imports only the module of the group the command line names
(`aidtrack visit add …` imports cli/visit.py and builds only its commands); every other group is
mounted as an empty stand-in with the same name and help, so `aidtrack --help` still lists them
all. `app` (for tests, scripts/cli_docs.py and scripts) is the whole tree, built on first use.
"""

from __future__ import annotations

import os
import re
import sys
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import __version__, i18n

i18n.choose(i18n.detect())  # `--lang` of this command line, before any help text is built

from ..i18n import N_, _  # noqa: E402
from .common import ListFormat, choices, close_db, command, open_db, state  # noqa: E402

#: The named groups (`aidtrack visit …`) and their help; each module's docstring says the same
#: (tests/test_docs.py checks that they agree), here so that listing a group needs no import.
GROUPS: dict[str, str] = {
    "cadre": N_("Cadres (帮扶干部): the unit's staff, each paired with a household."),
    "household": N_("Households (帮扶对象): the destitute families, their status and its history."),
    "pair": N_("Pairings (帮扶对子): one cadre helps one household, from a date until the pairing ends."),
    "visit": N_("Visits (走访): the tracking register (跟踪问效登记表) of what each visit found and solved."),
    "income": N_("Monthly income records: how much a household earned in a month, from which source."),
    "aid": N_("Aid (三帮 and more): projects, funds, jobs, goods and medical help given to a household."),
    "problem": N_(
        "Problems raised at visits; those a cadre cannot solve are escalated to the party committee."
    ),
    "policy": N_("Policy settings (poverty line, visits per quarter, …), each with an effective-from date."),
    "report": N_("Reports: the quarter rollup, cadre assessment, year grid, household register, outcomes."),
    "check": N_(
        "Checks: relapse risk, visits behind schedule, exit candidates. Exit 1 when something is"
        " found.\n\nExit status 0: nothing found; 1: something found (printed); 2: an error. For"
        " cron and CI."
    ),
    "member": N_(
        "Household members (家庭成员): who lives in a household and when; its size on a day is the"
        " count present."
    ),
    "meeting": N_(
        "Meetings (局党委会, 领导小组) that study escalated problems: decision, leader responsible, deadline."
    ),
    "plan": N_(
        "One household, one plan (一户一策): causes of poverty and the measures (帮扶措施) against them."
    ),
    "job": N_("Job placements (帮就业): who was placed where, from when, at what wage, found by whom."),
    "monitor": N_(
        "Monitoring after exit (防止返贫动态监测): households watched for relapse, until risk elimination."
    ),
    "case": N_(
        "Cases (研判认定): a decision about a household from its lead through its steps to its approval."
    ),
    "assess": N_(
        "Close the cadre assessment (目标责任制考核) of a period, reopen it, record rewards and penalties."
    ),
}

#: Modules mounted without a name (their commands are top-level), with the commands each holds.
TOP_LEVEL: dict[str, tuple[str, ...]] = {
    "transfer": ("import", "export"),
    "maintenance": ("backup", "restore", "doctor"),
    "merge": ("merge",),
    "serve": ("serve",),
}

#: Global options that take a value: skipped when looking for the command's name on the command line.
_VALUED = ("--db", "--operator", "--lang")


def _version(value: bool) -> None:
    if value:
        print(f"aidtrack {__version__}")
        raise typer.Exit()


def main(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            envvar="AIDTRACK_DB",
            metavar="FILE",
            # the variable in the help text, where it wraps: Typer's "[env var: …]" is cut at 60 columns
            show_envvar=False,
            help=_("The register file (default: AIDTRACK_DB, else in the user data folder)."),
            dir_okay=False,
        ),
    ] = None,
    operator: Annotated[
        str | None,
        typer.Option(
            "--operator",
            envvar="AIDTRACK_OPERATOR",
            metavar="NAME",
            show_envvar=False,
            help=_("Who is typing, for the audit log (default: AIDTRACK_OPERATOR)."),
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="[en|zh]",
            autocompletion=choices(*i18n.LANGUAGES),
            help=_("Interface language, en or zh (default: AIDTRACK_LANG, else the locale: LANG)."),
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help=_("Show the version."))
    ] = False,
) -> None:
    if lang is not None and lang.lower() not in i18n.LANGUAGES:
        from .common import fail

        fail(_("--lang: must be en or zh (got {value!r})").format(value=lang))
    # Help texts were built in the language found then; messages follow this call's choice.
    i18n.set_language(lang or i18n.detect())
    state.db = db
    state.operator = operator
    state.store = None
    state.committed = 0
    state.written = None
    state.interrupted = False
    state.columns = None
    ctx.call_on_close(close_db)


def init() -> None:
    """Create the register file (0600, it holds personal data) or bring an old one up to date.

    Example: aidtrack --db unit.db init
    """
    from ..parse import visible
    from ..store import default_path, schema_version
    from ..store.db import identify

    path = Path(state.db) if state.db else default_path()
    before = identify(path) if path.exists() and path.stat().st_size else None
    db = open_db()
    if before is None:
        print(
            _("Created the register {path} (readable by you only: it holds personal data).").format(
                path=visible(str(db.path))
            )
        )
        return
    added = [name for name in schema_version(db) if name not in before]
    if added:
        print(
            _("Brought the register {path} up to date ({n} upgrade(s) of its layout).").format(
                path=visible(str(db.path)), n=len(added)
            )
        )
    else:
        print(_("The register {path} is up to date; nothing was changed.").format(path=visible(str(db.path))))


def demo(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help=_(
                "Where to write the demo register (default: demo.db in the user data folder). It must"
                " not exist yet, or be a demo register written before."
            ),
        ),
    ] = None,
) -> None:
    """Load the seed story (a bureau's ten households, 2003-2004) into its own demo.db and show it.

    The demo file is rebuilt on each run; your own register is untouched, and a file that is not a
    demo register written before is refused. Explore it afterwards with the printed --db path.

    Example: aidtrack demo --out demo.db
    """
    from ..ops.transfer import demo as story

    db = story.build(out, register=state.db)
    try:
        _show_demo(db)
    finally:
        db.close()


def _show_demo(db: Any) -> None:
    """What the demo prints: the story's counts, its latest quarter report and the monitoring check."""
    import shlex

    from ..ops.transfer import demo as story
    from ..render import emit

    quarter, as_of = story.story_dates(db)
    from ..parse import visible

    shown = visible(shlex.quote(str(db.path)))
    print(_("Demo register: {path}").format(path=visible(str(db.path))))
    print(_("Explore it:    aidtrack --db {path} household list").format(path=shown))
    emit(
        [{"records": k, "count": v} for k, v in story.counts(db).items()],
        ("records", "count"),
        "table",
        title=_("What the story holds"),
    )
    from ..checks import monitor
    from ..reports import quarter as quarter_report
    from .check import print_sections
    from .report import attend, show

    print(f"\n$ aidtrack --db {shown} report quarter {quarter}")
    data = quarter_report.build(db, quarter, today=as_of)
    attend(db, data, quarter.end)
    show(quarter_report, data, "table")
    print(f"\n$ aidtrack --db {shown} check monitor --as-of {as_of}")
    print_sections(monitor.sections(monitor.run(db, as_of)))


def log(
    limit: Annotated[int, typer.Option("--limit", "-n", help=_("How many entries, newest first."))] = 20,
    fmt: ListFormat = "table",
    redact: Annotated[
        bool,
        typer.Option(
            "--redact",
            help=_(
                "Mask personal data in the values: names keep their first character; phone,"
                " ID, address hidden; the register's people masked inside free text."
            ),
        ),
    ] = False,
) -> None:
    """The audit log: who changed what, when, with the values before and after.

    Example: aidtrack log --limit 5
    """
    from ..model import AidtrackError
    from ..ops.write.audit import entries
    from ..render import emit
    from .common import validate_format

    fmt = validate_format(fmt, ("table", "json", "csv", "lines"))
    if not 1 <= limit <= 1_000_000:
        raise AidtrackError(
            "limit", limit, _("must be between {minimum} and {maximum}").format(minimum=1, maximum=1_000_000)
        )
    db = open_db()
    rows = entries(db, limit)
    if redact:
        from ..ops.rules.redact import mask_text, people_masked, redact_record
        from ..ops.write.audit import change

        db.redact = True
        with people_masked(db):
            for r in rows:
                before = redact_record(r["before"]) if isinstance(r["before"], dict) else r["before"]
                after = redact_record(r["after"]) if isinstance(r["after"], dict) else r["after"]
                r.update(
                    before=before,
                    after=after,
                    change=change(before, after, r["entity"]),
                    operator=mask_text(r["operator"]),
                    record=mask_text(r["record"]),
                )
    emit(
        rows,
        ("id", "when", "operator", "action", "entity", "record", "change"),
        fmt,
        # 变更内容, not the outcomes report's 增减 (an increase or decrease) of the column "change"
        headers=None
        if i18n.language() == "en"
        else ("id", "when", "operator", "action", "entity", "record", N_("what changed")),
        empty=_("The audit log is empty."),
    )


def build(only: str | None = None) -> typer.Typer:
    """The `aidtrack` Typer app. `only` names the one group (or top-level module) to load; the other
    groups are empty stand-ins with their name and help, and the top-level modules are loaded only
    when no group is named. None: the whole tree."""
    root = typer.Typer(
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
    root.callback()(main)
    for name in TOP_LEVEL:
        if only is None or only == name or only not in GROUPS:
            root.add_typer(import_module(f"{__package__}.{name}").app)
    own = typer.Typer()  # mounted after those, as the help has always listed them
    command(own, writes=True)(init)
    command(own, writes=True)(demo)
    command(own, "log")(log)
    root.add_typer(own)
    for name, text in GROUPS.items():
        if only is None or only == name:
            root.add_typer(import_module(f"{__package__}.{name}").app, name=name, help=_(text))
        else:  # a stand-in: listed with its help; never run (its command line loads the real one)
            root.add_typer(typer.Typer(), name=name, help=_(text))
    from .generic import group, groups

    for name, k in groups().items():  # kinds whose commands are derived from their declaration
        if name not in GROUPS and (only is None or only == name):
            root.add_typer(group(k), name=name, help=_(k.about))
    return root


def wanted(argv: list[str]) -> str | None:
    """The group or top-level module a command line runs, or None (help, version, init, …: all of it)."""
    if any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return None  # shell completion walks the whole tree
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _VALUED:
            skip = True
        elif not arg.startswith("-"):
            if arg in GROUPS:
                return arg
            from .generic import groups

            if arg in groups():
                return arg
            return next((m for m, names in TOP_LEVEL.items() if arg in names), None)
    return None


_whole: tuple[int, typer.Typer] | None = None


def __getattr__(name: str) -> Any:
    """`app`: the whole tree, built once on first use (tests, docs, scripts), and again when a kind
    is registered at run time (its derived commands join the tree)."""
    global _whole
    if name == "app":
        from ..kinds import generation

        if _whole is None or _whole[0] != generation():
            _whole = (generation(), build())
        return _whole[1]
    raise AttributeError(name)


def __dir__() -> list[str]:
    return [*globals(), "app"]


#: Help of the options click and Typer add by themselves, which they do not translate.
_CHROME = {
    "--help": N_("Show this message and exit."),
    "--install-completion": N_("Install completion for the current shell."),
    "--show-completion": N_(
        "Show completion for the current shell, to copy it or customize the installation."
    ),
}

#: Usage errors of the click bundled in Typer (plain English there), as (pattern, message).
_USAGE_ERRORS = (
    (r"Missing argument (?P<hint>.+)\.", N_("Missing argument {hint}.")),
    (r"Missing option (?P<hint>.+)\.", N_("Missing option {hint}.")),
    (
        r"No such option: (?P<name>\S+) \(Possible options: (?P<options>.+)\)",
        N_("No such option: {name} (Possible options: {options})"),
    ),
    (r"No such option: (?P<name>\S+)", N_("No such option: {name}")),
    (
        r"No such command (?P<name>.+?)\. Did you mean (?P<options>.+)\?",
        N_("No such command {name}. Did you mean {options}?"),
    ),
    (r"No such command (?P<name>.+)\.", N_("No such command {name}.")),
    (r"Missing command\.", N_("Missing command.")),
    (r"Option (?P<name>.+) requires an argument\.", N_("Option {name} requires an argument.")),
    (
        r"Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)",
        N_("Got unexpected extra argument(s) ({args})"),
    ),
    (r"Invalid value for (?P<hint>.+?): (?P<message>.*)", N_("Invalid value for {hint}: {message}")),
    (
        r"Input should be a valid integer, unable to parse string as an integer",
        N_("Input should be a valid integer, unable to parse string as an integer"),
    ),
)


def command_tree(only: str | None = None):
    """The click command of the app (of `build(only)` if given), its chrome in the interface language:
    the help of click's and Typer's own options, `Usage:`, `[OPTIONS]`, and metavars that name the
    value (HOUSEHOLD, TAG…) instead of a Python type (<str>)."""
    from types import MethodType

    from .helpfit import fit_help

    root = typer.main.get_command(__getattr__("app") if only is None else build(only))
    todo = [root]
    while todo:
        cmd: Any = todo.pop()
        todo += list(getattr(cmd, "commands", {}).values())
        cmd.format_usage = MethodType(_format_usage, cmd)
        fit_help(cmd)
        if cmd.options_metavar:
            cmd.options_metavar = _("[OPTIONS]")
        if getattr(cmd, "subcommand_metavar", None):
            cmd.subcommand_metavar = _("COMMAND [ARGS]...")
        ctx = cmd.context_class(cmd, info_name=cmd.name, help_option_names=["-h", "--help"])
        params: list[Any] = [*cmd.params, cmd.get_help_option(ctx)]  # click's options, or None
        if i18n.language() == "zh":
            cmd.help = breakable(cmd.help)
            cmd.short_help = breakable(cmd.short_help)
        for param in params:
            if param is None:
                continue
            if i18n.language() == "zh":
                param.help = breakable(getattr(param, "help", None))
            for name in getattr(param, "opts", ()):
                if name in _CHROME:
                    param.help = _(_CHROME[name])
            if "--install-completion" in getattr(param, "opts", ()) and i18n.language() != "en":
                param.callback = _installer_said(param.callback)
            if param.metavar is None:
                param.metavar = _metavar(param)
            if i18n.language() != "en":  # 文件, 日期, 户编号: in the usage line, the options and errors
                param.metavar = _zh_metavar(param)
            if param.param_type_name == "argument":
                # Typer shows an argument's Python type (<str>) beside its name whatever the metavar.
                param.display_type_rich = _no_type
    return root


#: What Typer's completion installer prints (plain English there), as (pattern, message).
_INSTALLER = (
    (
        r"(?P<shell>\S+) completion installed in (?P<path>.+)",
        N_("Completion for {shell} installed in {path}"),
    ),
    (
        r"Completion will take effect once you restart the terminal",
        N_("Completion will take effect once you restart the terminal."),
    ),
)


def _installer_said(install: Any) -> Any:
    """Typer's `--install-completion` callback with what it prints in the interface language: its
    lines are caught as it prints them and said again through the catalog."""
    import contextlib
    import io

    def callback(ctx: Any, param: Any, value: Any) -> Any:
        if not value or ctx.resilient_parsing:
            return install(ctx, param, value)
        said = io.StringIO()
        try:
            with contextlib.redirect_stdout(said):
                return install(ctx, param, value)
        finally:
            for line in said.getvalue().splitlines():
                for pattern, text in _INSTALLER:
                    m = re.fullmatch(pattern, line)
                    if m:
                        line = _(text).format(**m.groupdict())
                        break
                print(line)

    return callback


def _no_type(ctx: Any = None) -> None:
    return None


#: Where Chinese help may break a line: a space between Chinese and Latin letters or digits (the
#: usual 中英文之间加空格). Rich wraps at spaces and folds a longer run of the command's own help;
#: the help of options and of the commands in a group's list is broken at Chinese line-breaking
#: points by cli/helpfit.py (no space after 、，；：。 any more: "日期， 如").
_HAN = r"[\u3400-\u9fff\uf900-\ufaff]"
_BREAKS = (
    (re.compile(rf"({_HAN})([A-Za-z0-9`\-\[])"), r"\1 \2"),
    (re.compile(rf"([A-Za-z0-9`\]%])({_HAN})"), r"\1 \2"),
)


def breakable(text: str | None) -> str | None:
    """Chinese help text with room to wrap: never cut at 80 columns, or at 60 (see _BREAKS)."""
    if not text:
        return text
    for pattern, spaced in _BREAKS:
        text = pattern.sub(spaced, text)
    return text


def _format_usage(self: Any, ctx: Any, formatter: Any) -> None:
    """Click's `format_usage` with the `Usage:` prefix in the interface language."""
    # Typer writes a required argument as {HOUSEHOLD}: a clerk reads the braces as something to type
    pieces = [re.sub(r"\{([^{}]+)\}", r"\1", piece) for piece in self.collect_usage_pieces(ctx)]
    formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage: "))


def _zh_metavar(param: Any) -> str:
    """The value's name in the interface language; a unit's NAME is 单位, not a person's 姓名."""
    if param.metavar == "NAME" and param.name in ("unit", "unit_name"):
        return i18n.metavar("UNIT")
    return i18n.metavar(param.metavar)


def _metavar(param: Any) -> str:
    """What help shows for a value: its name (CODE, TAG…), never a Python type (<str>,
    <list[str]>); nothing after a flag."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    name = (param.name or "value").upper().rstrip("_")
    many = getattr(param, "multiple", False) or getattr(param, "nargs", 1) == -1
    return name + ("…" if many else "")


def hoisted(argv: list[str]) -> list[str]:
    """The command line with the global options (`--db`, `--operator`, `--lang`) given after the
    subcommand moved before it, where Typer reads them: `aidtrack visit list --db unit.db` works
    as `aidtrack --db unit.db visit list`. Nothing after `--` moves; no subcommand has options of
    those names."""
    out: list[str] = []
    moved: list[str] = []
    started = False
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            out += argv[i:]
            break
        if arg in _VALUED and i + 1 < len(argv):
            (moved if started else out).extend(argv[i : i + 2])
            i += 2
            continue
        if started and arg.split("=", 1)[0] in _VALUED and "=" in arg:
            moved.append(arg)
        else:
            started = started or not arg.startswith("-")
            out.append(arg)
        i += 1
    if not moved:
        return list(argv)
    first = next(
        k for k, a in enumerate(out) if not a.startswith("-") and (k == 0 or out[k - 1] not in _VALUED)
    )
    return out[:first] + moved + out[first:]


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


def _usable_streams() -> None:
    """A closed stdin/stdout/stderr (`<&-`) becomes /dev/null; stderr never fails on an encoding.

    With PYTHONIOENCODING=latin-1 a Chinese name cannot be shown: the error line says so (escaped)
    instead of a traceback.
    """
    import os

    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))  # noqa: SIM115
    try:
        sys.stderr.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass


def run() -> None:
    """The console script: Typer's usage errors, too, become one line and exit status 2.

    Nothing escapes as a traceback (a traceback exits 1, which a cron `check` reads as "found
    something"): a Ctrl-C says whether anything was written, any other failure is one line, exit 2
    (AIDTRACK_DEBUG=1 shows the traceback).
    """
    import os

    from .common import committed_rows, interrupted

    i18n.set_language(i18n.detect())  # before any help text is built
    argv = hoisted(sys.argv[1:])
    only = wanted(argv)
    try:
        _usable_streams()
        rc = command_tree(only or "")(args=argv, prog_name="aidtrack", standalone_mode=False)
        sys.stdout.flush()
    except KeyboardInterrupt:
        sys.exit(interrupted())
    except typer.Abort:
        if committed_rows():  # click turns a Ctrl-C at a prompt into Abort
            sys.exit(interrupted())
        sys.stderr.write(_("Aborted.") + "\n")
        sys.exit(1)
    except Exception as e:
        # click's UsageError family, vendored inside Typer: duck-typed, not imported.
        if hasattr(e, "format_message") and hasattr(e, "exit_code") and isinstance(e.exit_code, int):
            if not e.format_message().strip():  # a group called bare: its help is already shown
                sys.exit(e.exit_code)
            sys.stderr.write(
                _("Error: {message}").format(message=usage_message(e.format_message()))
                + _(" (try --help)")
                + "\n"
            )
            sys.exit(e.exit_code)
        if os.environ.get("AIDTRACK_DEBUG"):
            raise
        from .common import unexpected

        sys.exit(unexpected(e))
    if rc == 130:  # Typer turns a Ctrl-C in its own code (parsing, after the command) into 130, silently
        sys.exit(interrupted())
    sys.exit(rc if isinstance(rc, int) else 0)
