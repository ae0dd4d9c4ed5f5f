"""Update the message catalogs after changing any user-facing text:

    python scripts/i18n.py           # rewrite locale/aidtrack.pot, update zh/.../aidtrack.po, compile .mo
    python scripts/i18n.py --check   # write nothing; exit 1 if any of the three would change

Messages come from four places: every `_()` / `N_()` in src/aidtrack (extracted with Babel); the
help texts Typer shows (command docstrings, option and group helps), gathered by walking the app
built in English; codes shown by name at run time (enumeration values, record kinds, audit
actions, column names of tables without explicit headers); and the few messages of Typer itself
that aidtrack's screens show (panel titles, [required]). The .po keeps its translations; a message
no longer used is dropped; an enumeration value without a translation gets its model.ZH_NAMES name.
Then translate the new empty msgstr entries in the .po (Simplified Chinese, docs/glossary.md)
and run this again to compile the .mo. Needs Babel (the `test` extra); the program itself only
uses the standard gettext module.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "aidtrack"
LOCALE = SRC / "locale"
POT = LOCALE / "aidtrack.pot"
PO = LOCALE / "zh" / "LC_MESSAGES" / "aidtrack.po"
MO = PO.with_suffix(".mo")
#: Fixed header dates: the files change only when the messages do.
STAMP = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)

#: Column names shown as table headers where a command passes no headers of its own (besides the
#: record kinds' list columns and fields in the registry, kinds.py).
COLUMNS = (
    "id",
    "carried_out",
    "counts",
    "files",
    "sha256",
    "field",
    "value",
    "key",
    "effective_from",
    "default",
    "meaning",
    "check",
    "result",
    "detail",
    "when",
    "operator",
    "action",
    "entity",
    "record",
    "change",
    "records",
    "count",
    "kind",
    "added",
    "unchanged",
    "replaced",
    "skipped",
    "household_name",
    "cadre_name",
    "born",
    "resolved_on",
)
#: Column names that mean something else as a plain message (`enrolled` the date, not the status):
#: their header is looked up in context "column" first (i18n.column).
COLUMN_CONTEXT = ("enrolled", "exited")
#: Codes shown by name in tables (render.ENUM_COLUMNS) besides model.ZH_NAMES and kinds.KINDS.
CODES = (
    "add",
    "edit",
    "delete",
    "status",
    "end",
    "resolve",
    "set",
    "import",
    "merge",
    "bundle",
    "roster",
    "ok",
    "PROBLEM",
    "policy",
    "unrecorded",
)
#: Typer's own messages that show on aidtrack's help screens (it translates them with gettext).
TYPER = (
    "Arguments",
    "Options",
    "Commands",
    "[required]",
    "[default: {}]",
    "[env var: {}]",
    "Error",
    "Aborted.",
    "Aborted!",
    "default: {default}",
    "required",
    "env var: {var}",
    "(dynamic)",
    "(deprecated) ",
)


def extracted() -> list[tuple[str, str]]:
    """(message, location) of every `_()` and `N_()` call with a constant string in src/aidtrack."""
    from babel.messages.extract import extract_from_dir

    out = []
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        SRC, method_map=[("**.py", "python")], keywords={"_": None, "N_": None}
    ):
        if isinstance(message, str) and message:
            out.append((message, f"src/aidtrack/{filename}"))
    return out


def help_texts() -> list[tuple[str, str]]:
    """(text, command path) of every help Typer shows: commands, groups, arguments and options."""
    from aidtrack.cli.main import command_tree

    out = []
    todo = [("aidtrack", command_tree())]
    while todo:
        path, cmd = todo.pop()
        if cmd.help:
            out.append((cmd.help, "typer:" + path))
        for param in cmd.params:
            if getattr(param, "help", None):
                name = (
                    min(param.opts, key=lambda o: (not o.startswith("--"), o)) if param.opts else param.name
                )
                out.append((param.help, f"typer:{path}/{name}"))
        todo += [(f"{path}/{name}", sub) for name, sub in getattr(cmd, "commands", {}).items()]
    return out


def runtime_codes() -> list[tuple[str, str]]:
    from aidtrack.kinds import KINDS, REGISTRY
    from aidtrack.model import ZH_NAMES

    shapes = [(*k.list_columns, *(c.name for c in k.shape)) for k in REGISTRY.values()]
    columns = {c for cols in (*shapes, COLUMNS) for c in cols}
    return (
        [(k, "runtime:model.ZH_NAMES") for k in ZH_NAMES]
        + [(k, "runtime:kinds.KINDS") for k in KINDS]
        + [(c, "runtime:columns") for c in sorted(columns)]
        + [(c, "runtime:codes") for c in CODES]
    )


def typer_messages() -> list[tuple[str, str]]:
    import typer
    from babel.messages.extract import extract_from_dir

    found = {m for _f, _l, m, _c, _x in extract_from_dir(Path(typer.__file__).parent) if isinstance(m, str)}
    missing = [m for m in TYPER if m not in found]
    if missing:
        print(f"note: this Typer no longer has {missing}", file=sys.stderr)
    return [(m, "runtime:typer") for m in TYPER if m in found]


def template():
    from babel.messages.catalog import Catalog

    from aidtrack import __version__

    pot = Catalog(
        project="aidtrack",
        version=__version__,
        creation_date=STAMP,
        revision_date=STAMP,
        fuzzy=False,
        charset="utf-8",
    )
    for message, where in [*extracted(), *help_texts(), *runtime_codes(), *typer_messages()]:
        if message in pot:
            known = pot[message]
            if (where, 0) not in known.locations:
                known.locations.append((where, 0))
        else:
            pot.add(message, locations=[(where, 0)])
    for name in COLUMN_CONTEXT:
        pot.add(name, locations=[("runtime:columns", 0)], context="column")
    for name in metavars():
        pot.add(name, locations=[("runtime:metavars", 0)], context="metavar")
    return pot


def metavars() -> list[str]:
    """Every value name help shows (FILE, DATE, HOUSEHOLD…), translated in context "metavar"."""
    from aidtrack.cli.main import command_tree

    found: set[str] = set()
    todo = [command_tree()]
    while todo:
        cmd = todo.pop()
        found |= {p.metavar for p in cmd.params if p.metavar and any(c.isalpha() for c in p.metavar)}
        todo += list(getattr(cmd, "commands", {}).values())
    return sorted(found)


def serialise(catalog) -> bytes:
    from babel.messages.pofile import write_po

    buf = io.BytesIO()
    write_po(buf, catalog, width=100, sort_output=True, ignore_obsolete=True, include_lineno=False)
    return buf.getvalue()


def compiled(po: bytes) -> bytes:
    """The .mo of a .po text, as the program's gettext reads it."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    buf = io.BytesIO()
    write_mo(buf, read_po(io.BytesIO(po)), use_fuzzy=False)
    return buf.getvalue()


def build() -> dict[Path, bytes]:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    from aidtrack.model import ZH_NAMES

    pot = template()
    if PO.exists():
        with PO.open("rb") as f:
            zh = read_po(f, locale="zh_CN", domain="aidtrack")
    else:
        zh = Catalog(
            locale="zh_CN",
            domain="aidtrack",
            project="aidtrack",
            creation_date=STAMP,
            fuzzy=False,
            charset="utf-8",
        )
    zh.update(pot, no_fuzzy_matching=True, update_creation_date=False)
    zh.revision_date = STAMP
    zh.creation_date = STAMP
    zh.last_translator = "aidtrack"
    zh.language_team = "zh_CN"
    for message in zh:
        if message.id in ZH_NAMES and not message.string and not message.context:
            message.string = ZH_NAMES[message.id]
    po = serialise(zh)
    return {POT: serialise(pot), PO: po, MO: compiled(po)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    args = parser.parse_args()
    os.environ["AIDTRACK_LANG"] = "en"  # the msgids are the English texts
    sys.path.insert(0, str(ROOT / "src"))
    stale = []
    for path, data in build().items():
        if not path.exists() or path.read_bytes() != data:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    from babel.messages.pofile import read_po

    with PO.open("rb") as f:
        untranslated = [m.id for m in read_po(f) if m.id and not m.string]
    print(("stale: " if args.check else "updated: ") + (", ".join(map(str, stale)) or "nothing"))
    if untranslated:
        print(f"{len(untranslated)} message(s) without a translation in {PO.relative_to(ROOT)}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
