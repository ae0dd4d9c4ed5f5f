"""ID numbers (公民身份号码, GB 11643-1999): numbers stored though not valid, and records against them.

- ``invalid``: a household head's or member's stored number that fails the standard (length, birth
  date, check character): stored under policy `id_check` 0, or before numbers were checked.
- ``disagree``: a valid number whose birth date or gender (its 17th digit) differs from the record's
  born date or gender. The check says which side says what; a person decides which is right.

ID numbers are not dated: the check reads every household and the members joined by as-of.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from .. import parse
from ..i18n import N_, _, column
from ..model import AidtrackError, label
from ..store import Store
from .common import Section, Stream, in_units, materialized

FINDINGS = {"invalid": "household", "disagree": "household"}


def _people(db: Store, as_of: dt.date):
    yield from db.execute(
        "SELECT h.code, h.name, h.name, 'head', h.id_number, h.born, h.gender FROM households h"
        " WHERE h.id_number IS NOT NULL AND h.id_number <> '' ORDER BY h.code"
    )
    yield from db.execute(
        "SELECT h.code, h.name, m.name, coalesce(m.relation, ''), m.id_number, m.born, m.gender"
        " FROM members m JOIN households h ON h.id = m.household_id"
        " WHERE m.id_number IS NOT NULL AND m.id_number <> '' AND m.joined <= ? ORDER BY h.code, m.id",
        [as_of.isoformat()],
    )


def run(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """Both lists of findings (each a list)."""
    return materialized(stream(db, as_of, unit, by_unit))


def stream(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """Both lists of findings, each a Stream read as it is written: the invalid numbers as the people
    are read, noting who disagrees with their number (the findings' people, not every person); the
    disagreements from a second reading, checking those alone."""
    disagreeing: set[tuple] | None = None

    def invalid() -> Iterator[dict[str, Any]]:
        nonlocal disagreeing
        noted: set[tuple] = set()
        for base, number, born, gender in _each(db, as_of):
            try:
                tidy = parse.id_number(number, today=as_of)
            except AidtrackError as e:
                yield {**base, "id_number": number, "problem": e.message}
                continue
            if parse.id_disagreements(tidy, born, gender):
                noted.add((*base.values(), number, born, gender))
        disagreeing = noted

    def disagree() -> Iterator[dict[str, Any]]:
        noted = disagreeing
        if noted == set():
            return
        for base, number, born, gender in _each(db, as_of):
            if noted is not None and (*base.values(), number, born, gender) not in noted:
                continue
            try:
                tidy = parse.id_number(number, today=as_of)
            except AidtrackError:
                continue
            for field, says in parse.id_disagreements(tidy, born, gender):
                yield {
                    **base,
                    "id_number": tidy,
                    "field": field,
                    "number_says": says,
                    "record_says": born if field == "born" else gender,
                }

    result = {"as_of": as_of.isoformat(), "invalid": Stream(invalid()), "disagree": Stream(disagree())}
    return in_units(db, result, FINDINGS, unit, by_unit)


def _each(db: Store, as_of: dt.date):
    for code, hname, person, relation, number, born, gender in _people(db, as_of):
        yield (
            {"household": code, "household_name": hname, "person": person, "relation": relation},
            number,
            born,
            gender,
        )


def found(result: dict[str, Any]) -> bool:
    return bool(result["invalid"] or result["disagree"])


def public(result: dict[str, Any]) -> dict[str, Any]:
    return result


def _shown(field: str, value: str | None) -> str:
    return (label(value) or "") if field == "gender" else (value or "")


def sections(result: dict[str, Any]) -> list[Section]:
    disagree = [
        {
            **r,
            "field": column(r["field"]),
            "number_says": _shown(r["field"], r["number_says"]),
            "record_says": _shown(r["field"], r["record_says"]),
        }
        for r in result["disagree"]
    ]
    return [
        Section(
            _("ID numbers that are not valid (GB 11643)"),
            ("household", "household_name", "person", "id_number", "problem"),
            result["invalid"],
            (N_("household"), N_("name"), N_("person"), N_("id_number"), N_("problem")),
        ),
        Section(
            _("Records that disagree with their ID number"),
            ("household", "household_name", "person", "id_number", "field", "number_says", "record_says"),
            disagree,
            (
                N_("household"),
                N_("name"),
                N_("person"),
                N_("id_number"),
                N_("field"),
                N_("the number says"),
                N_("the record says"),
            ),
        ),
    ]


CSV_COLUMNS = (
    "finding",
    "household",
    "household_name",
    "person",
    "relation",
    "id_number",
    "problem",
    "field",
    "number_says",
    "record_says",
)


def csv_rows(result: dict[str, Any]) -> tuple[tuple[str, ...], Iterator[dict[str, Any]]]:
    """One row per finding, made as the findings are read."""

    def rows() -> Iterator[dict[str, Any]]:
        yield from ({"finding": "invalid", **r} for r in result["invalid"])
        yield from ({"finding": "disagree", **r} for r in result["disagree"])

    return CSV_COLUMNS, rows()
