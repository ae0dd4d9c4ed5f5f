"""Exit candidates (脱贫): households whose income has stayed above the poverty line.

Households enrolled or relapsed at as-of whose income per person was above the poverty line of
each month (the line in force on the month's first day) in each of ``exit_months`` consecutive
calendar months, the last of them **the last month ended by as-of** (a month still in progress
is never read; a household whose income stops earlier is not proposed on stale months: on
2005-01-31 a run ending June 2004 proposes nothing). A month without an income record breaks the
run. Whether a month exactly at the line counts is the policy ``exit_at_line`` (0, the default:
only strictly above; 1: at the line counts too). Income per person divides by the household's
size in that month. In whole fen: income > size × line (or ≥ when exit_at_line is 1). The check
proposes; a person decides with
`aidtrack household status H01 --set exited`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import partial
from typing import Any

from ..i18n import N_, _
from ..ops.rules import facts
from ..store import Store
from .common import (
    Basis,
    Section,
    Stream,
    by_chunks,
    cadres_at,
    households,
    in_units,
    materialized,
    money,
    month_figures,
    per_person,
)

#: The lists of findings and the record each names (checks.common.in_units).
FINDINGS = {"candidates": "household"}


def run(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """The exit candidates (a list), by household code."""
    return materialized(stream(db, as_of, unit, by_unit))


def stream(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """The exit candidates, a Stream made a chunk of households at a time as it is read
    (checks.common.by_chunks: what is held is a chunk's), by household code."""
    basis = Basis.of(db, as_of)
    found = by_chunks(db, CHUNK, lambda span: _candidates(db, basis, span), lambda r: r["household"])
    return in_units(db, {"as_of": as_of.isoformat(), "candidates": Stream(found)}, FINDINGS, unit, by_unit)


#: Households a chunk (tests make it small).
CHUNK = facts.CHUNK


def _candidates(db: Store, basis: Basis, span: facts.Span) -> list[dict[str, Any]]:
    """The exit candidates among one chunk's households."""
    as_of = basis.as_of
    status = facts.status_at(db, as_of, span)
    poor = [hid for hid, s in status.items() if s in ("enrolled", "relapsed")]
    need = basis.value("exit_months")
    at_line = bool(basis.value("exit_at_line"))
    sizes = facts.sizes(db, poor)
    # the one exit test (ops/rules/facts.py), also what an exited status is checked against
    chosen = {hid: run for hid, run in facts.exit_runs(db, as_of, poor).items() if len(run) >= need}
    labels = households(db, chosen)
    cadres = cadres_at(db, as_of, chosen)
    out = []
    for hid, streak in chosen.items():
        cadre = cadres.get(hid, {})
        months = streak[-need:]
        size = partial(sizes.month, hid)
        out.append(
            {
                "household": labels[hid]["household"],
                "household_name": labels[hid]["household_name"],
                "members": size(months[-1][0]),
                "cadre": cadre.get("cadre"),
                "cadre_name": cadre.get("cadre_name"),
                "status": status[hid],
                "exit_months": need,
                "exit_at_line": at_line,
                "months": month_figures(months, size, basis),
                "lowest_per_person": min(
                    v for m, fen in months if (v := per_person(fen, size(m))) is not None
                ),
            }
        )
    return out


def found(result: dict[str, Any]) -> bool:
    return bool(result["candidates"])


def public(result: dict[str, Any]) -> dict[str, Any]:
    return result


def _months_text(c: dict[str, Any]) -> str:
    return ", ".join(f"{m['month']} {money(m['per_person'])}/{money(m['line'])}" for m in c["months"])


def sections(result: dict[str, Any]) -> list[Section]:
    rows = [{**c, "figures": _months_text(c)} for c in result["candidates"]]
    return [
        Section(
            _("Exit candidates at {as_of} (income per person / line, by month)").format(**result),
            ("household", "household_name", "cadre", "status", "members", "lowest_per_person", "figures"),
            rows,
            (
                N_("household"),
                N_("name"),
                N_("cadre"),
                N_("status"),
                N_("members"),
                N_("lowest per person"),
                N_("per person / line"),
            ),
        )
    ]


CSV_COLUMNS = (
    "household",
    "household_name",
    "cadre",
    "status",
    "members",
    "first_month",
    "last_month",
    "lowest_per_person",
    "per_person",
    "lines",
)


def csv_rows(result: dict[str, Any]) -> tuple[tuple[str, ...], Iterator[dict[str, Any]]]:
    """One row per candidate, made as the findings are read."""
    rows = (
        {
            **c,
            "first_month": c["months"][0]["month"],
            "last_month": c["months"][-1]["month"],
            "per_person": ";".join(money(m["per_person"]) for m in c["months"]),
            "lines": ";".join(money(m["line"]) for m in c["months"]),
        }
        for c in result["candidates"]
    )
    return CSV_COLUMNS, rows
