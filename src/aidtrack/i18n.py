"""The interface language: English, or Chinese when the locale says so.

`--lang zh`, else AIDTRACK_LANG, else LC_ALL / LC_MESSAGES / LANG (zh_CN.UTF-8 → zh). It is decided
when this module is first imported, before any help text is built, because Typer evaluates help
strings at import time. Catalogs are standard gettext .mo files shipped in aidtrack/locale.
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


_lang = detect()
_translation: gettext.NullTranslations = gettext.NullTranslations()


_FOREIGN = {"domain": gettext.textdomain(), "LANGUAGE": os.environ.get("LANGUAGE")}


def set_language(lang: str) -> None:
    global _lang, _translation
    _lang = _norm(lang)
    _translation = (gettext.translation(DOMAIN, LOCALE_DIR, languages=[_lang], fallback=True)
                    if _lang != "en" else gettext.NullTranslations())
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


def N_(message: str) -> str:
    """Mark a message for extraction without translating it now (translated where it is shown)."""
    return message


set_language(_lang)
