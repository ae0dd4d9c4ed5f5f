"""The interface language: English, or Chinese when the locale says so.

`--lang zh`, else AIDTRACK_LANG, else LC_ALL / LC_MESSAGES / LANG (zh_CN.UTF-8 → zh). The library
only asks: importing aidtrack picks its messages' language from the environment and changes nothing
in the host process. The command line sets it: cli.main chooses the language from the command line
before any help text is built (Typer evaluates help strings at import), and `set_language` (called
when a command runs) also points the process's gettext at our catalog for Typer's own texts.
Catalogs are standard gettext .mo files shipped in aidtrack/locale.
"""

from __future__ import annotations

import gettext
import os
import sys
from collections.abc import Mapping
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "aidtrack"
LANGUAGES = ("en", "zh")


def detect(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> str:
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return _norm(argv[i + 1])
        if arg.startswith("--lang="):
            return _norm(arg.split("=", 1)[1])
    if environ.get("AIDTRACK_LANG"):
        return _norm(environ["AIDTRACK_LANG"])
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(var):
            return _norm(environ[var])
    return "en"


def _norm(value: str) -> str:
    return "zh" if value.lower().startswith("zh") else "en"


_lang = "en"
_translation: gettext.NullTranslations = gettext.NullTranslations()

#: The host's gettext domain and LANGUAGE, read (not changed) at import, restored for English.
_FOREIGN = {"domain": gettext.textdomain(), "LANGUAGE": os.environ.get("LANGUAGE")}


def choose(lang: str) -> None:
    """Translate aidtrack's own messages into `lang`; nothing global changes."""
    global _lang, _translation
    _lang = _norm(lang)
    _translation = (
        gettext.translation(DOMAIN, LOCALE_DIR, languages=[_lang], fallback=True)
        if _lang != "en"
        else gettext.NullTranslations()
    )


def set_language(lang: str) -> None:
    """The command line's choice: aidtrack's messages and Typer's own texts (the process's gettext)."""
    choose(lang)
    _third_party(_lang)


def _third_party(lang: str) -> None:
    """Let Typer's own help texts (the panels Arguments, Options, Commands; [required]) follow suit.

    Typer calls the global `gettext.gettext`, which reads the default domain and takes the language
    from the LANGUAGE variable: our catalog carries those messages too. (The usage errors of the
    click bundled in Typer are plain English; cli.main rewords them.)
    """
    if lang == "en":
        gettext.textdomain(_FOREIGN["domain"])
        if _FOREIGN["LANGUAGE"] is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = _FOREIGN["LANGUAGE"]
    else:
        gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
        gettext.textdomain(DOMAIN)
        os.environ["LANGUAGE"] = lang


def language() -> str:
    return _lang


def _(message: str) -> str:
    """Translate a message (msgid is the English text); "" stays "" (gettext would give the header)."""
    return _translation.gettext(message) if message else message


def column(name: str) -> str:
    """A table column's header: the catalog's entry in context "column" (`enrolled` the date, not
    the status), else the plain message."""
    if not name:
        return name
    text = _translation.pgettext("column", name)
    return text if text != name else _(name)


def metavar(name: str) -> str:
    """What help shows for an option's value (FILE, DATE, HOUSEHOLD): the catalog's entry in context
    "metavar" (文件, 日期, 户编号), else the name itself."""
    if not name:
        return name
    return _translation.pgettext("metavar", name)


def N_(message: str) -> str:
    """Mark a message for extraction without translating it now (translated where it is shown)."""
    return message


choose(detect(argv=[]))  # the environment's language; the command line's `--lang` is cli.main's business
