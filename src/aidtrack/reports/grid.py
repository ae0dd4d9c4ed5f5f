"""The year at a glance: each pairing's visits made against required, quarter by quarter.

The cells come from reports.common.cells, the same computation as the quarter report's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..i18n import N_, _
from ..model import Quarter
from ..ops import facts
from ..ops.redact import redact_rows
from ..store import Store
from .common import cells


def build(db: Store, year: int, today: dt.date | None = None, redact: bool = False) -> dict[str, Any]:
    """Rows of pairings active in the year; a cell per quarter (None where the pairing was not active).

    compliance per quarter: met cells ÷ cells of pairings active in it; None for a quarter not yet
    begun or without pairings.
    """
    today = today or dt.date.today()
    quarters = [Quarter(year, n) for n in (1, 2, 3, 4)]
    labels = [str(q) for q in quarters]
    pairings = facts.pairings_between(db, quarters[0].start, quarters[-1].end)
    grid = cells(db, pairings, quarters, today)
    rows = []
    for p in pairings:
        row_cells = {}
        for label in labels:
            cell = grid.get((p["id"], label))
            row_cells[label] = cell.as_dict() if cell else None
        rows.append(
            {
                "cadre": p["cadre"],
                "cadre_name": p["cadre_name"],
                "household": p["household"],
                "household_name": p["household_name"],
                "since": p["since"],
                "until": p["until"],
                "cells": row_cells,
            }
        )
    compliance: dict[str, float | None] = {}
    for q, label in zip(quarters, labels):
        active = [c for (_pid, lbl), c in grid.items() if lbl == label]
        compliance[label] = (
            round(sum(c.met for c in active) / len(active), 4) if active and q.start <= today else None
        )
    return {
        "year": year,
        "quarters": labels,
        "rows": redact_rows(rows) if redact else rows,
        "compliance": compliance,
        "in_progress": quarters[-1].end >= today,
        "quarters_in_progress": [lb for q, lb in zip(quarters, labels) if q.start <= today <= q.end],
    }


def csv_rows(data: dict[str, Any]) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    rows = []
    for r in data["rows"]:
        flat = {k: r[k] for k in ("cadre", "cadre_name", "household", "household_name")}
        for label in data["quarters"]:
            cell = r["cells"][label]
            flat[label] = f"{cell['visits']}/{cell['required']}" if cell else ""
        rows.append(flat)
    return rows, ("cadre", "cadre_name", "household", "household_name", *data["quarters"])


def document(data: dict[str, Any]) -> dict[str, Any]:
    title = _("Visits grid {year}: visits made / required per quarter").format(year=data["year"])
    if data.get("in_progress"):
        title += " " + _("(in progress)")
    if not data["rows"]:
        return {"title": title, "empty": _("Nothing recorded for {period}.").format(period=data["year"])}
    rows = []
    for r in data["rows"]:
        row: dict[str, Any] = {
            "cadre": f"{r['cadre']} {r['cadre_name']}",
            "household": f"{r['household']} {r['household_name']}",
            "_styles": {},
        }
        for label in data["quarters"]:
            cell = r["cells"][label]
            row[label] = f"{cell['visits']}/{cell['required']}" if cell else None
            if cell:
                row["_styles"][label] = cell["state"]
        rows.append(row)
    rate: dict[str, Any] = {"cadre": _("Compliance"), "household": "", "_bold": True}
    for label in data["quarters"]:
        value = data["compliance"][label]
        rate[label] = (
            None
            if value is None
            else f"{100 * value:.0f}%"
            + (" " + _("(in progress)") if label in data.get("quarters_in_progress", ()) else "")
        )
    rows.append(rate)
    return {
        "title": title,
        "sections": [
            {
                "kind": "table",
                "columns": ["cadre", "household", *data["quarters"]],
                "headers": [N_("Cadre"), N_("Household"), *data["quarters"]],
                "rows": rows,
                "legend": _(
                    "met: green; short: red; not yet due or future: dim; blank: not paired that quarter"
                ),
            }
        ],
    }
