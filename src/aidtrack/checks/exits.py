"""Exit candidates (脱贫): households whose income has stayed at or above the poverty line.

Households enrolled or relapsed at as-of whose income per person was at or above the poverty line
of each month (the line in force on the month's first day) in every one of their last
``exit_months`` recorded months (at least that many needed, within the last WINDOW_MONTHS months up
to as-of's month). In whole fen: income ≥ members × line, month by month. The check proposes; a
person decides with `aidtrack household status H01 --set exited`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..i18n import N_, _
from ..ops import facts
from ..store import Store
from .common import (
    WINDOW_MONTHS,
    Basis,
    Section,
    cadres_at,
    households,
    money,
    month_figures,
    per_person,
)


def run(db: Store, as_of: dt.date) -> dict[str, Any]:
    basis = Basis.of(db, as_of)
    status = facts.status_at(db, as_of)
    poor = [hid for hid, s in status.items() if s in ("enrolled", "relapsed")]
    need = basis.value("exit_months")
    income = facts.latest_recorded_months(db, basis.month, need, max(WINDOW_MONTHS, need), poor)
    members = facts.members(db)
    chosen = {hid: months for hid, months in income.items()
              if len(months) >= need and all(fen >= members[hid] * basis.line(m) for m, fen in months)}
    labels = households(db, chosen)
    cadres = cadres_at(db, as_of, chosen)
    out = []
    for hid, months in chosen.items():
        cadre = cadres.get(hid, {})
        out.append({
            "household": labels[hid]["household"], "household_name": labels[hid]["household_name"],
            "members": members[hid], "cadre": cadre.get("cadre"), "cadre_name": cadre.get("cadre_name"),
            "status": status[hid], "exit_months": need,
            "months": month_figures(months, members[hid], basis),
            "lowest_per_person": per_person(min(fen for _, fen in months), members[hid]),
        })
    out.sort(key=lambda r: r["household"])
    return {"as_of": as_of.isoformat(), "candidates": out}


def found(result: dict[str, Any]) -> bool:
    return bool(result["candidates"])


def public(result: dict[str, Any]) -> dict[str, Any]:
    return result


def _months_text(c: dict[str, Any]) -> str:
    return ", ".join(f"{m['month']} {money(m['per_person'])}/{money(m['line'])}" for m in c["months"])


def sections(result: dict[str, Any]) -> list[Section]:
    rows = [{**c, "figures": _months_text(c)} for c in result["candidates"]]
    return [Section(_("Exit candidates at {as_of} (income per person / line, by month)").format(**result),
                    ("household", "household_name", "cadre", "status", "members", "lowest_per_person",
                     "figures"),
                    rows, (N_("household"), N_("name"), N_("cadre"), N_("status"), N_("members"),
                           N_("lowest per person"), N_("per person / line")))]


CSV_COLUMNS = ("household", "household_name", "cadre", "status", "members", "first_month", "last_month",
               "lowest_per_person", "per_person", "lines")


def csv_rows(result: dict[str, Any]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    rows = [{**c, "first_month": c["months"][0]["month"], "last_month": c["months"][-1]["month"],
             "per_person": ";".join(money(m["per_person"]) for m in c["months"]),
             "lines": ";".join(money(m["line"]) for m in c["months"])}
            for c in result["candidates"]]
    return CSV_COLUMNS, rows
