"""The year for the director: the four quarters side by side and the year's movements.

Each quarter is the quarter report's own figures (reports.quarter.build), so a year never says
other than its quarters; the year's column adds what adds up (visits, aid, movements) and takes
the last quarter's for what is counted at a day (households by status, monitored, visits to
date). A year not finished on `today` is provisional: its later quarters are still running or to
come.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..i18n import N_, _
from ..model import Quarter, period_name, yuan
from ..store import Store
from . import quarter as quarter_report
from .director import MOVES

#: The rows of the side-by-side table: (key, what the row says), in order.
ROWS: tuple[tuple[str, str], ...] = (
    ("pairings", N_("Pairings")),
    ("compliant", N_("Compliant pairings")),
    ("visits", N_("Visits")),
    ("visits_cumulative", N_("Visits since the programme began")),
    ("aid_value", N_("Aid given (yuan)")),
    ("exited", N_("Exited poverty")),
    ("prosperous", N_("Became prosperous")),
    ("relapsed", N_("Relapsed")),
    ("monitoring_entered", N_("Entered monitoring")),
    ("monitoring_left", N_("Left monitoring (risk eliminated)")),
    ("monitored", N_("Monitored at quarter end")),
    ("out_of_poverty", N_("Households out of poverty at quarter end")),
    ("income_monthly", N_("Income (yuan a month, paired households)")),
    ("meetings_held", N_("Committee meetings held")),
    ("jobs_placed", N_("Job placements begun")),
)
#: Rows that add up over the year; the others are read at the year's last reported day.
SUMMED = {"visits", "aid_value", "exited", "prosperous", "relapsed", "monitoring_entered", "monitoring_left"}
SUMMED |= {"meetings_held", "jobs_placed"}


def build(
    db: Store, year: int, today: dt.date, redact: bool = False, unit: str | None = None
) -> dict[str, Any]:
    """The year's quarters up to today (a quarter not begun is left out) and the year's column;
    `unit`: one unit's households (as `report quarter --unit`)."""
    quarters = [Quarter(year, n) for n in range(1, 5) if Quarter(year, n).start <= today]
    columns = []
    moved: dict[str, list[dict[str, Any]]] = {k: [] for k in MOVES}
    for q in quarters:
        data = quarter_report.build(db, q, today, redact, unit=unit)
        t, d = data["totals"], data["director"]
        for k in MOVES:
            moved[k] += d["moved"][k]
        by_status = t["households_by_status"]
        columns.append(
            {
                "quarter": str(q),
                "in_progress": t["in_progress"],
                "pairings": t["pairings"],
                "compliant": t["compliant"],
                "visits": t["visits"],
                "visits_cumulative": t["visits_cumulative"],
                "aid_fen": round(t["aid_value"] * 100),
                **{k: len(d["moved"][k]) for k in MOVES if k != "enrolled"},
                "monitored": d["monitoring"]["total"],
                "out_of_poverty": by_status.get("exited", 0) + by_status.get("prosperous", 0),
                "income_monthly": t["income_monthly"],
                "meetings_held": t["meetings"]["held"],
                "jobs_placed": t["jobs_placed"],
            }
        )
    whole: dict[str, Any] = {}
    for key, _what in ROWS:
        if key == "aid_value":
            whole[key] = yuan(sum(c["aid_fen"] for c in columns))
        elif key in SUMMED:
            whole[key] = sum(c[key] for c in columns)
        elif key in ("pairings", "compliant", "income_monthly"):
            whole[key] = None  # not a year's figure: read each quarter's
        else:
            whole[key] = columns[-1][key] if columns else None
    for c in columns:
        c["aid_value"] = yuan(c.pop("aid_fen"))
    return {
        "year": year,
        "provisional": dt.date(year, 12, 31) >= today,
        "quarters": columns,
        "year_totals": whole,
        "moved": moved,
    }


def csv_rows(data: dict[str, Any]) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """One row per figure: its key, each quarter's value and the year's."""
    labels = [c["quarter"] for c in data["quarters"]]
    rows = [
        {
            "figure": key,
            **{q: c[key] for q, c in zip(labels, data["quarters"])},
            "year": data["year_totals"][key],
        }
        for key, _what in ROWS
    ]
    return rows, ("figure", *labels, "year")


def _cell(key: str, value: Any) -> Any:
    if value is None:
        return ""
    if key in ("aid_value", "income_monthly"):
        return quarter_report.money(value)
    return value


def title(data: dict[str, Any]) -> str:
    text = _("“One helps one” in {year}").format(year=period_name(str(data["year"])))
    return text + (" " + _("(provisional: the year is not over)") if data["provisional"] else "")


def document(data: dict[str, Any]) -> dict[str, Any]:
    labels = [c["quarter"] for c in data["quarters"]]
    rows = [
        {
            "figure": _(what),
            **{q: _cell(key, c[key]) for q, c in zip(labels, data["quarters"])},
            "year": _cell(key, data["year_totals"][key]),
        }
        for key, what in ROWS
    ]
    moved = [
        (_(quarter_report.MOVE_NAMES[k]), f"{len(v)}: {quarter_report._households(v)}" if v else "0")
        for k, v in data["moved"].items()
    ]
    heads = [
        period_name(q) + (" " + _("(in progress)") if c["in_progress"] else "")
        for q, c in zip(labels, data["quarters"])
    ]
    return {
        "title": title(data),
        "sections": [
            {
                "kind": "table",
                "title": _("The quarters side by side"),
                "columns": ["figure", *labels, "year"],
                "headers": [_("Figure"), *heads, _("Year")],
                "rows": rows,
                "legend": _(
                    "Year: visits, aid, movements, meetings and placements added up; visits to date,"
                    " monitored and out of poverty as at the last quarter's end; pairings and income by quarter."
                ),
            },
            {"kind": "fields", "title": _("The year's movements"), "rows": moved},
        ],
    }
