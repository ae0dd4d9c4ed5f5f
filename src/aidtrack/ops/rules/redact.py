"""Masking personal data for a report or a file that leaves the office (--redact).

The one masking rule of the program: a person's name keeps its first character and the rest
becomes `*` (刘香福 -> 刘**); phone, ID number and address are hidden. Reports and exports both
call it, so a report and an exported file mask alike (a report shows `***` where a value was
withheld; a file leaves the cell empty, so that it still imports). `redactor(db)` is the one
function every redacted output calls: it knows the register's people and its stored secrets, and
its `record` / `text` apply them to free text as well.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from ...kinds import REGISTRY

#: Keys holding a person's name (household heads, members, cadres), wherever a report or export has them.
NAME_FIELDS = ("name", "household_name", "cadre_name", "giver_name", "member")
#: ID numbers, as the registry names them (id_number, and a 15-digit one kept as typed).
ID_FIELDS = tuple(
    sorted({f.name for k in REGISTRY.values() for f in k.fields if f.name.startswith("id_number")})
)
#: Keys whose value is withheld altogether.
HIDDEN_FIELDS = ("phone", "address", *ID_FIELDS)
HIDDEN = "***"


def mask_name(name: str | None) -> str | None:
    """刘香福 -> 刘**: the first character kept (the family name, in Chinese), one `*` per other."""
    if not name:
        return name
    name = name.strip()
    if name[:1] == "#" and name[1:].isdigit():  # a counted, unnamed member (#1): no one's name
        return name
    return name[:1] + "*" * (len(name) - 1)


#: Shortest stored phone, ID number or address withheld inside free text (a shorter one would mask
#: ordinary numbers of the text).
_SECRET_MIN = 4
#: ID numbers (15 or 18 characters) and mobile phones (11 digits) inside free text, stored or not.
_PATTERNS = re.compile(r"(?<![0-9])(?:[1-9][0-9]{16}[0-9Xx]|[1-9][0-9]{14}|1[3-9][0-9]{9})(?![0-9])")


class Redactor:
    """The one masking rule of the program, with what a register knows of its people.

    Names: every person the register knows (household heads, members, cadres, and the members a job
    or measure names) is masked wherever the name appears, in its own field or inside free text.
    Secrets: every phone, ID number and address stored anywhere in the register (its records and the
    values before and after in its audit log) is withheld wherever it appears, and so is anything
    shaped like an ID number or a mobile phone. Reports, exports (every format), the log, the Parquet
    hand-off and a served snapshot all call `record` / `text`.
    """

    def __init__(self, names: Iterable[str] = (), secrets: Iterable[str] = ()):
        tokens: dict[str, str] = {}
        for s in secrets:
            s = s.strip() if isinstance(s, str) else ""
            if len(s) >= _SECRET_MIN:
                for variant in (s, s.upper(), s.lower()):
                    tokens[variant] = HIDDEN
        for n in names:
            n = n.strip() if isinstance(n, str) else ""
            if len(n) >= 2 and not (n[:1] == "#" and n[1:].isdigit()):
                tokens.setdefault(n, mask_name(n) or "")
        self.tokens = tokens
        self.lengths = sorted({len(t) for t in tokens}, reverse=True)
        self.first = frozenset(t[0] for t in tokens)

    @property
    def names(self) -> set[str]:
        return {t for t, r in self.tokens.items() if r != HIDDEN}

    def text(self, text: str) -> str:
        """TEXT with every known name masked and every known secret withheld; longest match first."""
        if not isinstance(text, str) or not text:
            return text
        if self.tokens and len(text) >= 2:
            out: list[str] = []
            i, n, first = 0, len(text), self.first
            while i < n:
                if text[i] in first:
                    for size in self.lengths:
                        piece = text[i : i + size]
                        if len(piece) == size and piece in self.tokens:
                            out.append(self.tokens[piece])
                            i += size
                            break
                    else:
                        out.append(text[i])
                        i += 1
                else:
                    out.append(text[i])
                    i += 1
            text = "".join(out)
        return _PATTERNS.sub(HIDDEN, text)

    def mask(self, text: str) -> str:
        return self.text(text)

    def record(
        self,
        record: Mapping[str, Any],
        blank: str | None = HIDDEN,
        names: Iterable[str] = NAME_FIELDS,
        hidden: Iterable[str] = HIDDEN_FIELDS,
    ) -> dict[str, Any]:
        """A copy of one flat record: names masked, hidden fields `blank`, every other text redacted."""
        out = dict(record)
        names, hidden = tuple(names), tuple(hidden)
        for key, value in out.items():
            if key in hidden:
                if value not in (None, ""):
                    out[key] = blank
            elif key in names and isinstance(value, str):
                out[key] = mask_name(value)
            elif isinstance(value, str):
                out[key] = self.text(value)
        return out


#: Kinds' stored columns holding a person's name, and those withheld: the registry's fields so named.
def _columns(keys: tuple[str, ...]) -> list[tuple[str, str]]:
    from ...kinds import REGISTRY

    return [(k.table, c) for k in REGISTRY.values() for c in k.columns if c in keys]


def redactor(db: Any) -> Redactor:
    """The register's Redactor: its people and its secrets, read now (the one function to call)."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    names: list[str] = []
    secrets: list[str] = []
    for table, column in _columns(("name", "member")):
        if table in tables:
            names += [r[0] for r in db.execute(f"SELECT DISTINCT {column} FROM {table}")]  # noqa: S608
    for table, column in _columns(HIDDEN_FIELDS):
        if table in tables:
            secrets += [r[0] for r in db.execute(f"SELECT DISTINCT {column} FROM {table}")]  # noqa: S608
    if "audit" in tables:
        keys = ",".join("?" * len(HIDDEN_FIELDS + NAME_FIELDS))
        for side in ("before", "after"):
            for key, value in db.execute(
                f"SELECT DISTINCT j.key, j.value FROM audit, json_each(audit.{side}) j"  # noqa: S608
                f" WHERE json_valid(audit.{side}) AND json_type(audit.{side}) = 'object' AND j.key IN ({keys})",
                [*HIDDEN_FIELDS, *NAME_FIELDS],
            ):
                (secrets if key in HIDDEN_FIELDS else names).append(value)
    return Redactor(names, secrets)


_PEOPLE: ContextVar[Redactor | None] = ContextVar("people", default=None)


@contextlib.contextmanager
def people_masked(db: Any) -> Iterator[Redactor]:
    """Within the block, `redact_record` redacts with the register's Redactor (free text included)."""
    people = _PEOPLE.get()
    if people is not None:  # already inside one: the same register's
        yield people
        return
    people = redactor(db)
    token = _PEOPLE.set(people)
    try:
        yield people
    finally:
        _PEOPLE.reset(token)


def current() -> Redactor | None:
    """The Redactor of the enclosing `people_masked` block, if any."""
    return _PEOPLE.get()


def mask_text(text: str) -> str:
    """Free text with the register's people and secrets redacted, when a `people_masked` block is active."""
    people = _PEOPLE.get()
    return people.text(text) if people is not None and isinstance(text, str) else text


def redact_record(
    record: Mapping[str, Any],
    names: Iterable[str] = NAME_FIELDS,
    hidden: Iterable[str] = HIDDEN_FIELDS,
    blank: str | None = HIDDEN,
) -> dict[str, Any]:
    """A copy of one flat record with names masked and hidden fields replaced by `blank` (`***`).

    Only the named keys are masked as names (not nested values), so a caller decides which dicts
    hold people: a report's `{"name": "visits"}` score component must stay as it is. Inside a
    `people_masked` block every other text value is redacted too (a situation that says
    "刘香福's son found work, phone 13904580101").
    """
    return (_PEOPLE.get() or _PLAIN).record(record, blank, names, hidden)


_PLAIN = Redactor()


def redact_rows(
    rows: Iterable[Mapping[str, Any]],
    names: Iterable[str] = NAME_FIELDS,
    hidden: Iterable[str] = HIDDEN_FIELDS,
) -> list[dict[str, Any]]:
    names, hidden = tuple(names), tuple(hidden)
    return [redact_record(r, names, hidden) for r in rows]


def redact_for_file(row: dict[str, Any]) -> dict[str, Any]:
    """The one masking rule, with withheld cells left empty so an exported file still imports."""
    return redact_record(row, blank=None)
