"""Parsers from the text a clerk types (or a file holds) to the values stored. Pure: no I/O.

Each parser raises AidtrackError naming the field and the value, so the CLI and the importer
report the same message for the same mistake.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from .i18n import _, language
from .model import CAUSE_WORDS, FROM_ZH, LIVELIHOOD_WORDS, AidtrackError, Quarter, label

#: At most 999,999,999.99 yuan in one record: a sum over 92 million such records still fits SQLite's
#: 64-bit integer, so no report's sum() can overflow (12 digits overflowed at 95,000 rows).
MAX_YUAN_DIGITS = 9
_MONEY = re.compile(rf"^[¥]?\s*([0-9]{{1,{MAX_YUAN_DIGITS}}})(?:\.([0-9]{{1,2}}))?\s*(?:元)?$")
_TOO_MUCH = re.compile(rf"[¥]?\s*[0-9]{{{MAX_YUAN_DIGITS + 1},}}(?:\.[0-9]{{1,2}})?\s*(?:元)?")
#: Year first, as Chinese registers write dates: 2003-07-01, 2003-7-1, 2003.7.1, 2003/7/1, 2003年7月1日.
_DATE = re.compile(r"^([0-9]{4})(?:-|\.|/|年)([0-9]{1,2})(?:-|\.|/|月)([0-9]{1,2})日?$")
_MONTH = re.compile(r"^([0-9]{4})(?:-|\.|/|年)([0-9]{1,2})月?$")
_QUARTER = re.compile(r"^([0-9]{4})-?[Qq]([1-4])$")
_YEAR = re.compile(r"^([0-9]{4})$")

#: The years a date, month, quarter or year may name: wide enough for anyone's birth and any plan,
#: narrow enough that a window of days or months around it never leaves Python's calendar.
MIN_YEAR, MAX_YEAR = 1800, 2999
#: The largest whole number a count (household members, …) may be: sums stay far from overflow.
MAX_INTEGER = 1_000_000

#: Characters refused in names: bidirectional overrides and isolates (which make a name display
#: as another), and zero-width characters (which make two names look the same).
INVISIBLE = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # bidi embeddings, overrides, isolates
    "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u061c\u180e"  # zero-width spaces, joiners, marks
)


def normalise(text: str) -> str:
    """Fold full-width forms (１２３, ￥, Ｑ) to ASCII, as a Chinese input method types them."""
    return unicodedata.normalize("NFKC", text).strip()


def _numeric(text: str, field: str, message: str) -> str:
    """`normalise` for a number or a date: only ASCII and full-width digits count as digits.

    NFKC would fold superscripts (²) to ASCII and `int()` reads Arabic-Indic digits (٣): both would
    store a value the clerk did not see typed as one.
    """
    for ch in text:
        if ch.isdigit() and not ("0" <= ch <= "9" or "０" <= ch <= "９"):
            raise AidtrackError(field, text, message + _(" (digits must be 0-9)"))
        if not ch.isascii() and not _FOLDED(ch) and unicodedata.normalize("NFKC", ch) != ch:
            # ㏠ (U+33E0) folds to "1日", ㋀ to "1月": a digit the check above never saw
            raise AidtrackError(field, text, message + _(" (digits must be 0-9)"))
    return normalise(text)


def _FOLDED(ch: str) -> bool:  # noqa: N802 - a character class
    """The characters a Chinese input method types for ASCII: full-width forms, the ideographic
    space, the full-width yen sign. The only ones a number or a date is normalised from."""
    return "\uff01" <= ch <= "\uff5e" or ch in "\u3000\uffe5"


def _year_ok(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def money(text: str | int | float, field: str = "amount") -> int:
    """Yuan as typed (650, 650.5, ¥650, 650元, full-width digits) to integer fen."""
    if isinstance(text, bool) or text is None:
        raise AidtrackError(field, text, _("is not an amount of yuan"))
    if isinstance(text, int):
        if text < 0:
            raise AidtrackError(field, text, _("must not be negative"))
        if text >= 10**MAX_YUAN_DIGITS:
            raise AidtrackError(
                field, text, _("is too large: at most {n} digits of yuan").format(n=MAX_YUAN_DIGITS)
            )
        return text * 100
    if isinstance(text, float):
        text = repr(text)
    raw = text
    t = _numeric(text, field, _("is not an amount of yuan"))
    m = _MONEY.match(t)
    if not m and _TOO_MUCH.fullmatch(t):
        raise AidtrackError(
            field, raw, _("is too large: at most {n} digits of yuan").format(n=MAX_YUAN_DIGITS)
        )
    if not m:
        raise AidtrackError(
            field, raw, _("is not an amount of yuan: digits with at most 2 decimals, e.g. 650.50")
        )
    whole, frac = m.group(1), (m.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(frac)


def date(text: str | dt.date, field: str = "date", today: dt.date | None = None) -> dt.date:
    """ISO date (or year first with . / 年月日), or `today` / `yesterday`."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    if type(text) is str and len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
        try:  # the common case in files: already ISO, nothing to normalise
            day = dt.date.fromisoformat(text)
            if _year_ok(day.year):
                return day
        except ValueError:
            pass
    raw = text
    t = _numeric(text, field, _("is not a date")).lower() if isinstance(text, str) else ""
    base = today or dt.date.today()
    if t in ("today", "今天"):
        return base
    if t in ("yesterday", "昨天"):
        return base - dt.timedelta(days=1)
    m = _DATE.match(t)
    if m:
        if not _year_ok(int(m.group(1))):
            raise AidtrackError(
                field, raw, _("is out of range: years {low} to {high}").format(low=MIN_YEAR, high=MAX_YEAR)
            )
        mon, dom = int(m.group(2)), int(m.group(3))
        try:
            return dt.date(int(m.group(1)), mon, dom)
        except ValueError:
            if not 1 <= mon <= 12:
                raise AidtrackError(
                    field, raw, _("is not a date: there is no month {month}").format(month=mon)
                ) from None
            raise AidtrackError(
                field, raw, _("is not a date: month {month} has no day {day}").format(month=mon, day=dom)
            ) from None
    raise AidtrackError(field, raw, _("is not a date: use YYYY-MM-DD, today or yesterday"))


def month(text: str, field: str = "month") -> str:
    raw = text
    m = _MONTH.match(_numeric(str(text), field, _("is not a month")))
    if m and 1 <= int(m.group(2)) <= 12 and 1900 <= int(m.group(1)) <= MAX_YEAR:
        return f"{m.group(1)}-{int(m.group(2)):02d}"
    raise AidtrackError(field, raw, _("is not a month: use YYYY-MM"))


def quarter(text: str, field: str = "quarter") -> Quarter:
    """`2004Q3` or `2004-Q3`."""
    raw = text
    m = _QUARTER.match(_numeric(str(text), field, _("is not a quarter")))
    if not m or not 1900 <= int(m.group(1)) <= MAX_YEAR:
        raise AidtrackError(field, raw, _("is not a quarter: use e.g. 2004Q3 (quarters are Q1 to Q4)"))
    return Quarter(int(m.group(1)), int(m.group(2)))


def period(text: str, field: str = "period") -> tuple[dt.date, dt.date, str]:
    """A quarter (`2004Q3`) or a whole year (`2004`): (first day, last day, label)."""
    t = _numeric(str(text), field, _("is not a quarter or a year"))
    m = _YEAR.match(t)
    if m:
        y = int(m.group(1))
        if not 1900 <= y <= MAX_YEAR:
            raise AidtrackError(
                field, text, _("is out of range: years {low} to {high}").format(low=1900, high=MAX_YEAR)
            )
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
    if t in options:
        return t
    for words in (FROM_ZH, LIVELIHOOD_WORDS, CAUSE_WORDS):  # a word may mean one thing in each list
        if words.get(t) in options:
            return words[t]
    raise AidtrackError(field, text, _("must be one of {options}").format(options=one_of(options)))


def one_of(options: tuple[str, ...]) -> str:
    """The choices as the interface names them: `project, funds` in English, 项目扶持、资金扶持 in Chinese
    (either is accepted as input)."""
    if language() == "en":
        return ", ".join(options)
    return "、".join(label(o) or o for o in options)


def integer(text: str | int, field: str, minimum: int | None = None, maximum: int = MAX_INTEGER) -> int:
    raw = text
    if isinstance(text, bool):
        raise AidtrackError(field, raw, _("is not a whole number"))
    if isinstance(text, int):
        value = text
    else:
        t = _numeric(str(text), field, _("is not a whole number"))
        if not re.fullmatch(r"[+-]?[0-9]{1,30}", t):
            raise AidtrackError(field, raw, _("is not a whole number"))
        value = int(t, 10)
    if minimum is not None and value < minimum:
        raise AidtrackError(field, raw, _("must be at least {minimum}").format(minimum=minimum))
    if value > maximum:
        raise AidtrackError(field, raw, _("must be at most {maximum}").format(maximum=maximum))
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


#: Fields naming someone or something by sight (a person's name, a code, the operator): invisible
#: characters are refused there (INVISIBLE, and every format character: zero-width, BOM, soft
#: hyphen, invisible operators such as U+2061, tag characters), and so are line breaks, tabs and
#: the line and paragraph separators (U+2028, U+2029): a name with a line break could forge a line
#: of output, and "H\u200b01" would sit beside H01.
NAME_FIELDS = frozenset({"name", "operator", "code", "member"})
_UNSEEN = frozenset({"Cc", "Cf", "Zl", "Zp"})


def text(value: str | None, field: str, required: bool = False, max_len: int = 10_000) -> str | None:
    """Free text: stripped, control characters refused, length capped.

    In a name (NAME_FIELDS) bidi overrides and zero-width characters are refused too.
    """
    if value is None:
        value = ""
    value = str(value).strip()
    if not value:
        if required:
            raise AidtrackError(field, value, _("is required"))
        return None
    if len(value) > max_len:
        raise AidtrackError(field, value[:20] + "…", _("is longer than {n} characters").format(n=max_len))
    if value.isprintable() and INVISIBLE.isdisjoint(value):  # the common case: skip the scan
        return value
    named = field in NAME_FIELDS
    for ch in value:
        if unicodedata.category(ch) == "Cc" and ch not in "\n\t":
            raise AidtrackError(field, value[:40], _("contains a control character"))
        if named and ch not in INVISIBLE and unicodedata.category(ch) in _UNSEEN:
            raise AidtrackError(
                field,
                value[:40],
                _("contains an invisible character or a line break (U+{code:04X})").format(code=ord(ch)),
            )
        if ch in INVISIBLE and named:
            raise AidtrackError(
                field,
                value[:40],
                _(
                    "contains an invisible character (U+{code:04X}: a direction override or zero-width"
                    " character)"
                ).format(code=ord(ch)),
            )
    return value


def visible(value: str, keep: str = "") -> str:
    """VALUE with control, direction and zero-width characters shown as escapes (\\x1b, \\u202e).

    For every value echoed to a terminal: an escape sequence in a name or a file must not recolour,
    move or hide what the clerk reads. Characters in KEEP (a table keeps line breaks) stay.
    """
    if value.isprintable() and INVISIBLE.isdisjoint(value):
        return value
    return "".join(
        ch
        if (ch.isprintable() and ch not in INVISIBLE) or ch in keep
        else ch.encode("unicode_escape").decode("ascii")
        for ch in value
    )


#: A CSV cell starting with one of = + - @ tab or CR is a formula to Excel and WPS (OWASP "CSV injection").
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_QUOTED_FORMULA = re.compile(r"'+[=+\-@\t\r]")
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def csv_safe(value: str) -> str:
    """A text cell as written to CSV: a quote put before a formula start, so a spreadsheet shows text.

    A plain number (-5, -3.50) is left as it is: it is no formula, and stays a number.
    Round trip: the quote is also put before a cell that already starts with quotes then a formula
    start ('=x becomes ''=x), so `csv_typed` removing exactly one quote always gives the cell back.
    """
    if value and value[0] in "=+-@\t\r'" and _FORMULA.match(value) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_typed(value: str) -> str:
    """A CSV cell as it was typed: the one quote `csv_safe` added before a formula start removed."""
    if value and value[0] == "'" and _QUOTED_FORMULA.match(value):
        return value[1:]
    return value


def like_literal(text: str) -> str:
    """TEXT for `LIKE ? ESCAPE '\\'` matching itself: a typed % or _ is a character, not a wildcard."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_LOCATION = re.compile(r"^\s*(-?[0-9]{1,3}(?:\.[0-9]+)?)\s*[ ,，]\s*(-?[0-9]{1,3}(?:\.[0-9]+)?)(?:\s+.*)?$")


def location(text: str, field: str = "location") -> str:
    """A place as "latitude longitude" (WGS 84 degrees, 7 decimals at most): what an ODK geopoint
    holds ("lat lon altitude accuracy", the last two dropped) or a clerk types ("45.75, 126.63")."""
    m = _LOCATION.match(text)
    if not m:
        raise AidtrackError(field, text, _("must be a latitude and a longitude, like 45.7512 126.6315"))
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise AidtrackError(field, text, _("is not a place on Earth (latitude −90…90, longitude −180…180)"))
    return " ".join(f"{x:.7f}".rstrip("0").rstrip(".") for x in (lat, lon))


def timestamp(text: str, field: str) -> str:
    """A device's clock reading as ODK writes it (2004-09-20T09:12:03.000+08:00), checked, kept as
    given: its first ten characters are the day on the phone's calendar."""
    try:
        dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise AidtrackError(
            field, text, _("must be a date and time, like 2004-09-20T09:12:03+08:00")
        ) from None
    return text


# --- 公民身份号码 (GB 11643-1999) --------------------------------------------------------------

#: ISO 7064 MOD 11-2 weights of the first 17 digits; the sum mod 11 indexes ID_CHECK.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_check_char(body: str) -> str:
    """The check character of the first 17 digits of an ID number."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def id_upgrade(old: str) -> str:
    """A 15-digit first-generation number as its 18-character form: 19 before the year, a check character."""
    body = old[:6] + "19" + old[6:]
    return body + id_check_char(body)


def id_born(number: str) -> dt.date | None:
    """The birth date an 18-character ID number holds (digits 7-14), or None where none is real."""
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def id_gender(number: str) -> str:
    """The gender an 18-character ID number holds: its 17th digit, odd for a man, even for a woman."""
    return "male" if int(number[16]) % 2 else "female"


def id_number(text: str, field: str = "id_number", today: dt.date | None = None) -> str:
    """An ID number as typed (full-width digits, a lower-case x, 15 digits) in its stored form.

    18 characters, the first 17 digits, the last a digit or X (stored upper case), the ISO 7064
    MOD 11-2 check character, a real birth date not after today. A 15-digit first-generation number
    (2003-era paper registers hold them) is upgraded: 19 before the year, the check character computed.
    """
    raw = text
    t = _numeric(str(text), field, _("is not an ID number")).replace(" ", "").upper()
    if re.fullmatch(r"[0-9]{15}", t):
        t = id_upgrade(t)
    if not re.fullmatch(r"[0-9]{17}[0-9X]", t):
        raise AidtrackError(
            field,
            raw,
            _("is not an ID number: 18 characters, digits with the last a digit or X (or 15 digits)"),
        )
    born = id_born(t)
    if born is None or born.year < MIN_YEAR:
        raise AidtrackError(
            field, raw, _("is not an ID number: {digits} is not a real birth date").format(digits=t[6:14])
        )
    if born > (today or dt.date.today()):
        raise AidtrackError(
            field, raw, _("is not an ID number: its birth date {born} is in the future").format(born=born)
        )
    if id_check_char(t[:17]) != t[17]:
        raise AidtrackError(field, raw, _("fails its check character (the last one): a digit is mistyped"))
    return t


def id_disagreements(number: str | None, born: str | None, gender: str | None) -> list[tuple[str, str]]:
    """What a record's born date and gender say against its (valid, 18-character) ID number:
    (field, what the number says) for each that disagrees; nothing where either side is missing."""
    if not number or len(number) != 18 or not number[:17].isdigit():
        return []
    out = []
    from_number = id_born(number)
    if born and from_number and born != from_number.isoformat():
        out.append(("born", from_number.isoformat()))
    if gender in ("male", "female") and id_gender(number) != gender:
        out.append(("gender", id_gender(number)))
    return out


def id_key(value: str | None) -> str | None:
    """The person an ID number names, for telling people apart: its 18-character form where it is
    valid (a 15-digit number and its upgrade are one person), else the text upper-cased."""
    if not value or not str(value).strip():
        return None
    try:
        return id_number(str(value), today=dt.date.max)
    except AidtrackError:
        return normalise(str(value)).replace(" ", "").upper()
