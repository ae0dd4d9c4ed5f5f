"""Parsers from the text a clerk types (or a file holds) to the values stored. Pure: no I/O.

Each parser raises AidtrackError naming the field and the value, so the CLI and the importer
report the same message for the same mistake.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Literal, overload

from .i18n import _
from .model import FROM_ZH, AidtrackError, Quarter

#: The largest amount (12 digits of yuan): what the typed form allows and storage sums safely.
MAX_YUAN = 999_999_999_999
_MONEY = re.compile(r"^[¥]?\s*(\d{1,12})(?:\.(\d{1,2}))?\s*(?:元)?$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def normalise(text: str) -> str:
    """Fold full-width forms (１２３, ￥, Ｑ) to ASCII, as a Chinese input method types them."""
    return unicodedata.normalize("NFKC", text).strip()


def money(text: str | int | float, field: str = "amount") -> int:
    """Yuan as typed (650, 650.5, ¥650, 650元, full-width digits) to integer fen."""
    if isinstance(text, bool) or text is None:
        raise AidtrackError(field, text, _("is not an amount of yuan"))
    if isinstance(text, int):
        if text < 0:
            raise AidtrackError(field, text, _("must not be negative"))
        if text > MAX_YUAN:
            raise AidtrackError(field, text, _("is more than {max} yuan").format(max=MAX_YUAN))
        return text * 100
    if isinstance(text, float):
        text = repr(text)
    raw = text
    m = _MONEY.match(normalise(text))
    if not m:
        raise AidtrackError(
            field, raw, _("is not an amount of yuan: digits with at most 2 decimals, e.g. 650.50")
        )
    whole, frac = m.group(1), (m.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(frac)


def date(text: str | dt.date, field: str = "date", today: dt.date | None = None) -> dt.date:
    """ISO date, or `today` / `yesterday`."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    if type(text) is str and len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
        try:  # the common case in files: already ISO, nothing to normalise
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raw = text
    t = normalise(text).lower() if isinstance(text, str) else ""
    base = today or dt.date.today()
    if t in ("today", "今天"):
        return base
    if t in ("yesterday", "昨天"):
        return base - dt.timedelta(days=1)
    m = _DATE.match(t)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise AidtrackError(field, raw, _("is not a date: use YYYY-MM-DD, today or yesterday"))


def month(text: str, field: str = "month") -> str:
    raw = text
    m = _MONTH.match(normalise(str(text)))
    if m and 1 <= int(m.group(2)) <= 12 and int(m.group(1)) >= 1900:
        return f"{m.group(1)}-{m.group(2)}"
    raise AidtrackError(field, raw, _("is not a month: use YYYY-MM"))


def quarter(text: str, field: str = "quarter") -> Quarter:
    """`2004Q3` or `2004-Q3`."""
    raw = text
    m = _QUARTER.match(normalise(str(text)))
    if not m or not 1900 <= int(m.group(1)) <= 9998:
        raise AidtrackError(field, raw, _("is not a quarter: use e.g. 2004Q3 (quarters are Q1 to Q4)"))
    return Quarter(int(m.group(1)), int(m.group(2)))


def period(text: str, field: str = "period") -> tuple[dt.date, dt.date, str]:
    """A quarter (`2004Q3`) or a whole year (`2004`): (first day, last day, label)."""
    t = normalise(str(text))
    m = _YEAR.match(t)
    if m:
        y = int(m.group(1))
        return dt.date(y, 1, 1), dt.date(y, 12, 31), str(y)
    try:
        q = quarter(t, field)
    except AidtrackError:
        raise AidtrackError(field, text, _("is not a quarter or a year: use 2004Q3 or 2004")) from None
    return q.start, q.end, str(q)


def choice(text: str, options: tuple[str, ...], field: str) -> str:
    """One of the options, given in English or by its Chinese name (脱贫 → exited)."""
    if text in options:
        return text
    t = normalise(str(text)).lower()
    t = FROM_ZH.get(t, t)
    if t in options:
        return t
    raise AidtrackError(field, text, _("must be one of {options}").format(options=", ".join(options)))


def integer(text: str | int, field: str, minimum: int | None = None) -> int:
    raw = text
    try:
        value = text if isinstance(text, int) else int(normalise(str(text)), 10)
    except ValueError:
        raise AidtrackError(field, raw, _("is not a whole number")) from None
    if isinstance(value, bool):
        raise AidtrackError(field, raw, _("is not a whole number"))
    if minimum is not None and value < minimum:
        raise AidtrackError(field, raw, _("must be at least {minimum}").format(minimum=minimum))
    return value


def flag(text: str | bool | int | None, field: str) -> bool:
    """Yes/no as a spreadsheet writes it."""
    if isinstance(text, bool):
        return text
    t = normalise(str(text if text is not None else "")).lower()
    if t in ("1", "true", "yes", "y", "是", "x"):
        return True
    if t in ("", "0", "false", "no", "n", "否"):
        return False
    raise AidtrackError(field, text, _("must be yes or no (1/0, true/false)"))


@overload
def text(value: str | None, field: str, required: Literal[True], max_len: int = ...) -> str: ...
@overload
def text(value: str | None, field: str, required: bool = False, max_len: int = ...) -> str | None: ...
def text(value: str | None, field: str, required: bool = False, max_len: int = 10_000) -> str | None:
    """Free text: stripped, control characters refused, length capped."""
    if value is None:
        value = ""
    value = str(value).strip()
    if not value:
        if required:
            raise AidtrackError(field, value, _("is required"))
        return None
    if len(value) > max_len:
        raise AidtrackError(field, value[:20] + "…", _("is longer than {n} characters").format(n=max_len))
    if value.isprintable():  # no control character at all (not even \n or \t): skip the scan
        return value
    for ch in value:
        if unicodedata.category(ch) == "Cc" and ch not in "\n\t":
            raise AidtrackError(field, value[:40], _("contains a control character"))
    return value
