"""The year at a glance: each pairing's visits made against required, quarter by quarter.

The cells come from reports.common.cells, the same computation as the quarter report's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..i18n import N_, _
from ..model import Quarter, period_name
from ..ops.rules import facts
from ..ops.rules.redact import redact_rows
from ..ops.transfer.units import scope
from ..store import Store
from .common import Cell, cells, unit_rows


def build(
    db: Store,
    year: int,
    today: dt.date | None = None,
    redact: bool = False,
    unit: str | None = None,
    by_unit: bool = False,
) -> dict[str, Any]:
    """Rows of pairings active in the year; a cell per quarter (None where the pairing was not active).

    compliance per quarter: met cells ÷ cells of pairings active in it; None for a quarter not yet
    begun or without pairings. `unit` keeps one unit's pairings (its households'); `by_unit` gives
    each unit's quarters instead (pairings, met, visits made and required, compliance), then the
    totals.
    """
    today = today or dt.date.today()
    quarters = [Quarter(year, n) for n in (1, 2, 3, 4)]
    labels = [str(q) for q in quarters]
    pairings = facts.pairings_between(db, quarters[0].start, quarters[-1].end)
    units, uid = scope(db, unit, by_unit)
    if units is not None and not by_unit:
        pairings = [p for p in pairings if units.household[p["household_id"]] == uid]
    grid = cells(db, pairings, quarters, today)
    head = {
        "year": year,
        "quarters": labels,
        "in_progress": quarters[-1].end >= today,
        "quarters_in_progress": [lb for q, lb in zip(quarters, labels) if q.start <= today <= q.end],
    }
    if by_unit:
        assert units is not None
        groups = units.grouped(pairings, lambda p: units.household[p["household_id"]])
        return head | {
            "by_unit": [
                {"unit": units.names[u], "quarters": _quarter_figures(grid, g, quarters, today)}
                for u, g in groups.items()
            ],
            "totals": {"quarters": _quarter_figures(grid, pairings, quarters, today)},
        }
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
    return head | {"rows": redact_rows(rows) if redact else rows, "compliance": compliance}


def _quarter_figures(
    grid: dict[tuple[int, str], Cell], pairings: list[dict[str, Any]], quarters: list[Quarter], today: dt.date
) -> dict[str, dict[str, Any]]:
    """Per quarter, of some pairings: those active in it, those that met the requirement, visits made
    and required, and compliance (met ÷ active, as the grid's compliance row: None for a quarter
    not yet begun or without pairings)."""
    out = {}
    for q in quarters:
        label = str(q)
        active = [c for p in pairings if (c := grid.get((p["id"], label))) is not None]
        met = sum(c.met for c in active)
        out[label] = {
            "pairings": len(active),
            "met": met,
            "visits": sum(c.visits for c in active),
            "required": sum(c.required for c in active),
            "compliance": round(met / len(active), 4) if active and q.start <= today else None,
        }
    return out


UNIT_FIGURES = ("pairings", "met", "visits", "required")


def _flat_units(data: dict[str, Any], total: str) -> list[dict[str, Any]]:
    """`--by unit`: a row per unit and the totals row, each quarter's figures as `2004Q3_visits` …"""
    out = []
    for r in unit_rows(data, total):
        flat = {"unit": r["unit"], "_bold": r.get("_bold", False)}
        for label, figures in r["quarters"].items():
            flat |= {f"{label}_{k}": figures[k] for k in (*UNIT_FIGURES, "compliance")}
            pct = figures["compliance"]
            flat[label] = f"{figures['visits']}/{figures['required']}" + (
                f" ({100 * pct:.0f}%)" if pct is not None else ""
            )
        out.append(flat)
    return out


def csv_rows(data: dict[str, Any]) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    if "by_unit" in data:
        columns = [f"{q}_{k}" for q in data["quarters"] for k in (*UNIT_FIGURES, "compliance")]
        return _flat_units(data, "(total)"), ("unit", *columns)
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
    if "by_unit" in data:
        return {
            "title": title + _(", by unit"),
            "sections": [
                {
                    "kind": "table",
                    "columns": ["unit", *data["quarters"]],
                    "headers": [N_("Unit"), *data["quarters"]],
                    "rows": _flat_units(data, _("Total")),
                    "legend": _(
                        "visits made / required by the unit's pairings; in brackets the share of its"
                        " pairings that met the requirement"
                    ),
                }
            ],
        }
    if not data["rows"]:
        return {
            "title": title,
            "empty": _("Nothing recorded for {period}.").format(period=period_name(str(data["year"]))),
        }
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
                "legend_plain": _(
                    "short: ✗; not yet due: (due); future: (future); met: unmarked; blank: not paired"
                    " that quarter"
                ),
            }
        ],
    }
