"""Masking personal data for a report or a file that leaves the office (--redact).

The one masking rule of the program: a person's name keeps its first character and the rest
becomes `*` (刘香福 -> 刘**); phone, ID number and address are hidden. Reports and exports both
call it, so a report and an exported file mask alike (a report shows `***` where a value was
withheld; a file leaves the cell empty, so that it still imports).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: Keys holding a person's name (household heads and cadres), wherever a report or export has them.
NAME_FIELDS = ("name", "household_name", "cadre_name", "giver_name")
#: Keys whose value is withheld altogether.
HIDDEN_FIELDS = ("phone", "id_number", "address")
HIDDEN = "***"


def mask_name(name: str | None) -> str | None:
    """刘香福 -> 刘**: the first character kept (the family name, in Chinese), one `*` per other."""
    if not name:
        return name
    name = name.strip()
    if name[:1] == "#" and name[1:].isdigit():  # a counted, unnamed member (#1): no one's name
        return name
    return name[:1] + "*" * (len(name) - 1)


def redact_record(record: Mapping[str, Any], names: Iterable[str] = NAME_FIELDS,
                  hidden: Iterable[str] = HIDDEN_FIELDS, blank: str | None = HIDDEN) -> dict[str, Any]:
    """A copy of one flat record with names masked and hidden fields replaced by `blank` (`***`).

    Only the named keys are touched (not nested values), so a caller decides which dicts hold
    people: a report's `{"name": "visits"}` score component must stay as it is.
    """
    out = dict(record)
    for key in names:
        if isinstance(out.get(key), str):
            out[key] = mask_name(out[key])
    for key in hidden:
        if out.get(key) not in (None, ""):
            out[key] = blank
    return out


def redact_rows(rows: Iterable[Mapping[str, Any]], names: Iterable[str] = NAME_FIELDS,
                hidden: Iterable[str] = HIDDEN_FIELDS) -> list[dict[str, Any]]:
    names, hidden = tuple(names), tuple(hidden)
    return [redact_record(r, names, hidden) for r in rows]
