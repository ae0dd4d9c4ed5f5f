"""Masking personal data for a report or a file that leaves the office (--redact).

The one masking rule of the program: a person's name keeps its first character and the rest
becomes `*` (刘香福 -> 刘**); phone, ID number and address are hidden. Reports and exports both
call it, so a report and an exported file mask alike (a report shows `***` where a value was
withheld; a file leaves the cell empty, so that it still imports).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from ..kinds import REGISTRY

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


class People:
    """The full names of a register's people (household heads, cadres), found inside free text."""

    def __init__(self, names: Iterable[str]):
        self.names = {n.strip() for n in names if n and len(n.strip()) >= 2}
        self.lengths = sorted({len(n) for n in self.names}, reverse=True)

    def mask(self, text: str) -> str:
        """TEXT with every full name of the register masked (刘香福说 -> 刘**说); longest name first."""
        if not self.names or len(text) < 2:
            return text
        out: list[str] = []
        i, n = 0, len(text)
        while i < n:
            for size in self.lengths:
                if i + size <= n and text[i : i + size] in self.names:
                    out.append(mask_name(text[i : i + size]) or "")
                    i += size
                    break
            else:
                out.append(text[i])
                i += 1
        return "".join(out)


_PEOPLE: ContextVar[People | None] = ContextVar("people", default=None)


@contextlib.contextmanager
def people_masked(db: Any) -> Iterator[People]:
    """Within the block, `redact_record` also masks the register's people inside free text."""
    people = People(r[0] for r in db.execute("SELECT name FROM households UNION SELECT name FROM cadres"))
    token = _PEOPLE.set(people)
    try:
        yield people
    finally:
        _PEOPLE.reset(token)


def mask_text(text: str) -> str:
    """Free text with the register's people masked, when a `people_masked` block is active."""
    people = _PEOPLE.get()
    return people.mask(text) if people is not None and isinstance(text, str) else text


def redact_record(
    record: Mapping[str, Any],
    names: Iterable[str] = NAME_FIELDS,
    hidden: Iterable[str] = HIDDEN_FIELDS,
    blank: str | None = HIDDEN,
) -> dict[str, Any]:
    """A copy of one flat record with names masked and hidden fields replaced by `blank` (`***`).

    Only the named keys are touched (not nested values), so a caller decides which dicts hold
    people: a report's `{"name": "visits"}` score component must stay as it is. Inside a
    `people_masked` block every other text value has the register's full names masked too
    (a situation that says "刘香福's son found work").
    """
    out = dict(record)
    names, hidden = tuple(names), tuple(hidden)
    for key in names:
        if isinstance(out.get(key), str):
            out[key] = mask_name(out[key])
    for key in hidden:
        if out.get(key) not in (None, ""):
            out[key] = blank
    people = _PEOPLE.get()
    if people is not None:
        for key, value in out.items():
            if isinstance(value, str) and key not in names and key not in hidden:
                out[key] = people.mask(value)
    return out


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
