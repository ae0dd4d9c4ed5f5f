"""The publicity list (公示名单): households whose case is in publicity on a day or in a period.

A publicity notice is posted where anyone can read it: it names the household (its head and how
many people), the decision, the publicity's dates, who decided or will decide, and where objections
go. It never shows an ID number, a phone, a bank account or a health condition (docs/decisions.md):
the rows are built from the fields below only, never from a case's free text (its reason or
finding may name an illness), so that no flag can bring them in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..i18n import _
from ..model import label, period_name
from ..store import Store

#: The only fields a publicity row has.
COLUMNS = (
    "household",
    "name",
    "members",
    "decision",
    "category",
    "publicity_from",
    "publicity_until",
    "objections_to",
    "body",
    "outcome",
)
HEADERS = (
    "Code",
    "Head",
    "Members",
    "Decision",
    "Category",
    "From",
    "Until",
    "Objections to",
    "Deciding body",
    "Outcome",
)


def build(
    db: Store,
    start: dt.date,
    end: dt.date,
    label_: str,
    objections_to: str | None = None,
    unit: str | None = None,
    by_unit: bool = False,
) -> dict[str, Any]:
    """The publicity steps running at some day from START to END (one day: those in publicity then);
    one unit's households (`unit`), or each row with its unit (`by_unit`) in a city file."""
    from ..ops.transfer.units import scope

    units, uid = scope(db, unit, by_unit)
    rows = []
    for r in db.execute(
        "SELECT h.code, h.name, h.members, ca.decision, ca.category, st.date, st.end_date, st.who,"
        " ca.body, ca.outcome FROM case_steps st JOIN cases ca ON ca.id = st.case_id"
        " JOIN households h ON h.id = ca.household_id"
        " WHERE st.step = 'publicity' AND st.date <= :end AND st.end_date >= :start"
        " ORDER BY st.date, h.code, st.id",
        {"start": start.isoformat(), "end": end.isoformat()},
    ):
        rows.append(
            {
                "household": r[0],
                "name": r[1],
                "members": r[2],
                "decision": r[3],
                "category": r[4],
                "publicity_from": r[5],
                "publicity_until": r[6],
                "objections_to": objections_to or r[7],
                "body": r[8],
                "outcome": r[9],
            }
        )
    if units is not None:
        if by_unit:
            rows = [{"unit": units.names.get(units.household_code[r["household"]]), **r} for r in rows]
        else:
            rows = [r for r in rows if units.household_code[r["household"]] == uid]
    return {"period": label_, "from": start.isoformat(), "until": end.isoformat(), "rows": rows}


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, **{k: label(row[k]) for k in ("decision", "category", "outcome")}}


def _columns(data: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if data["rows"] and "unit" in data["rows"][0]:
        return ("unit", *COLUMNS), ("Unit", *HEADERS)
    return COLUMNS, HEADERS


def csv_rows(data: dict[str, Any]) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    return data["rows"], _columns(data)[0]


def title(data: dict[str, Any]) -> str:
    if data["from"] == data["until"]:
        return _("Publicity list (公示) on {day}").format(day=data["from"])
    return _("Publicity list (公示), {period}").format(period=period_name(data["period"]))


def document(data: dict[str, Any]) -> dict[str, Any]:
    if not data["rows"]:
        return {"title": title(data), "empty": _("No case is in publicity then.")}
    return {
        "title": title(data),
        "sections": [
            {
                "kind": "table",
                "columns": list(_columns(data)[0]),
                "rows": [_shown(r) for r in data["rows"]],
                "headers": [_(h) for h in _columns(data)[1]],
            }
        ],
    }
