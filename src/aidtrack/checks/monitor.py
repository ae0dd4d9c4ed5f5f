"""Monitoring after exit (防止返贫动态监测): candidates for monitoring, and households ready for
risk elimination (风险消除). docs/monitoring.md explains each rule with its policy key.

"Ended months" are the months whose last day is on or before as-of. The monitoring line of a month
is ``watch_ratio`` % (in force at as-of) of that month's poverty line; in whole fen a month is
above it when 100 × income ≥ members × watch_ratio × line.

Candidates (households without an open monitoring entry at as-of):

- ``unstable`` (脱贫不稳定户): exited or prosperous, and the income per person over the recorded
  months among the last 12 ended months averages under the monitoring line (the watch band).
- ``marginal`` (边缘易致贫户): never enrolled by as-of (no status), income in the watch band.
- ``sudden`` (突发严重困难户): out of poverty or never enrolled, not in the watch band, but the
  relapse check finds a shock or an income drop at as-of (whatever the income level).

Ready for risk elimination (households with an open monitoring entry at as-of): each of the last
``stable_months`` ended months has income recorded and above the monitoring line, and no measure of
the household's plan is open at as-of.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..i18n import N_, _
from ..model import OUT_OF_POVERTY, add_months, label, month_of, yuan
from ..ops import facts
from ..ops.planfacts import open_measures
from ..store import Store
from .common import Basis, Section, households, in_units

WATCH_MONTHS = 12


def last_ended_month(day: dt.date) -> str:
    """The latest month whose last day is on or before the day."""
    month = month_of(day)
    return month if (day + dt.timedelta(days=1)).day == 1 else add_months(month, -1)


def open_entries(db: Store, day: dt.date | str) -> dict[int, dict[str, Any]]:
    """The monitoring entry open on a day, per household."""
    cur = db.execute(
        "SELECT household_id, id, category, date, reason FROM monitoring"
        " WHERE date <= :d AND (ended_on IS NULL OR ended_on > :d)",
        {"d": str(day)},
    )
    return {hid: {"id": mid, "category": c, "date": d, "reason": r} for hid, mid, c, d, r in cur}


#: The lists of findings and the record each names (checks.common.in_units).
FINDINGS = {"candidates": "household", "ready": "household", "monitored": "household"}


def run(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    from . import relapse

    basis = Basis.of(db, as_of)
    ratio = basis.value("watch_ratio")
    stable = basis.value("stable_months")
    last = last_ended_month(as_of)
    status = facts.status_at(db, as_of)
    sizes = facts.sizes(db)  # the household's size in each month (docs/rules.md)
    monitored = open_entries(db, as_of)
    never = [hid for (hid,) in db.execute("SELECT id FROM households") if hid not in status]
    out = [hid for hid, s in status.items() if s in OUT_OF_POVERTY]
    watch_ids = [h for h in out + never if h not in monitored]
    income = facts.latest_recorded_months(db, last, WATCH_MONTHS, WATCH_MONTHS, watch_ids)

    def watch_line(month: str) -> int:
        return basis.line(month) * ratio  # ×100: compared with 100 × income

    candidates: dict[int, dict[str, Any]] = {}
    for hid in watch_ids:
        months = income.get(hid)
        if not months:
            continue
        total = sum(fen for _, fen in months)
        lines = sum(watch_line(m) for m, _ in months)
        people = sum(sizes.month(hid, m) for m, _ in months)  # person-months
        # below the band on average per person: Σ income ÷ Σ person-months < Σ lines ÷ months
        if 100 * total * len(months) < people * lines:
            candidates[hid] = {
                "category": "unstable" if hid in status else "marginal",
                "reasons": ["watch_band"],
                "months": len(months),
                "first_month": months[0][0],
                "last_month": months[-1][0],
                "average_per_person": yuan(round(total / people)),
                "watch_line": yuan(round(lines / (100 * len(months)))),
            }
    risk = relapse.run(db, as_of)
    for f in risk["at_risk"]:
        hid = f["_id"]
        if hid in monitored or hid in candidates:
            continue
        sudden = [r for r in f["reasons"] if r in ("shock", "income_drop")]
        if sudden:
            candidates[hid] = {
                "category": "sudden",
                "reasons": sudden,
                "months": None,
                "first_month": None,
                "last_month": None,
                "average_per_person": None,
                "watch_line": None,
            }

    first = add_months(last, 1 - stable)
    stable_income = facts.latest_recorded_months(db, last, stable, stable, list(monitored))
    open_ = open_measures(db, as_of)
    ready: list[dict[str, Any]] = []
    staying: list[dict[str, Any]] = []
    for hid, entry in monitored.items():
        months = [m for m in stable_income.get(hid, ()) if m[0] >= first]
        below = [m for m, fen in months if 100 * fen < sizes.month(hid, m) * watch_line(m)]
        recorded = {m for m, _ in months}
        missing = [add_months(first, i) for i in range(stable) if add_months(first, i) not in recorded]
        row = {
            "_id": hid,
            "category": entry["category"],
            "since": entry["date"],
            "reason": entry["reason"],
            "stable_months": stable,
            "first_month": first,
            "last_month": last,
            "months_below": below,
            "months_missing": missing,
            "open_measures": open_.get(hid, 0),
        }
        (ready if not below and not missing and not open_.get(hid) else staying).append(row)

    labels = households(db, set(candidates) | set(monitored))

    def named(hid: int, row: dict[str, Any]) -> dict[str, Any]:
        return {
            "household": labels[hid]["household"],
            "household_name": labels[hid]["household_name"],
            "members": sizes.on(hid, as_of.isoformat()),  # the size then, not today's
            "status": status.get(hid),
            **row,
        }

    def by_code(rows):
        return sorted(rows, key=lambda r: r["household"])

    result = {
        "as_of": as_of.isoformat(),
        "watch_ratio": ratio,
        "stable_months": stable,
        "candidates": by_code(named(h, r) for h, r in candidates.items()),
        "ready": by_code(named(r["_id"], r) for r in ready),
        "monitored": by_code(named(r["_id"], r) for r in staying),
    }
    return in_units(db, result, FINDINGS, unit, by_unit)


def found(result: dict[str, Any]) -> bool:
    """Something to act on: a household to add to monitoring, or one ready to leave it."""
    return bool(result["candidates"] or result["ready"])


def public(result: dict[str, Any]) -> dict[str, Any]:
    def clean(rows):
        return [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]

    return {
        **result,
        "candidates": clean(result["candidates"]),
        "ready": clean(result["ready"]),
        "monitored": clean(result["monitored"]),
    }


def _why(r: dict[str, Any]) -> str:
    if r["reasons"] == ["watch_band"]:
        return _(
            "{amount} per person a month over {n} month(s) ({first} to {last}), monitoring line {line}"
        ).format(
            amount=f"{r['average_per_person']:.2f}",
            n=r["months"],
            first=r["first_month"],
            last=r["last_month"],
            line=f"{r['watch_line']:.2f}",
        )
    return _(", ").join(_(x) for x in r["reasons"])


def _staying(r: dict[str, Any]) -> str:
    parts = []
    if r["months_below"]:
        parts.append(_("below the line: {months}").format(months=", ".join(r["months_below"])))
    if r["months_missing"]:
        parts.append(_("no income: {months}").format(months=", ".join(r["months_missing"])))
    if r["open_measures"]:
        parts.append(_("{n} open measure(s)").format(n=r["open_measures"]))
    return "; ".join(parts)


def sections(result: dict[str, Any]) -> list[Section]:
    cands = [{**r, "category": label(r["category"]), "why": _why(r)} for r in result["candidates"]]
    ready = [
        {**r, "category": label(r["category"]), "months": f"{r['first_month']} – {r['last_month']}"}
        for r in result["ready"]
    ]
    staying = [{**r, "category": label(r["category"]), "why": _staying(r)} for r in result["monitored"]]
    return [
        Section(
            _("Candidates for monitoring at {as_of} (monitoring line {ratio}% of the poverty line)").format(
                as_of=result["as_of"], ratio=result["watch_ratio"]
            ),
            ("household", "household_name", "status", "category", "why"),
            cands,
            (N_("household"), N_("name"), N_("status"), N_("category"), N_("why")),
        ),
        Section(
            _(
                "Ready for risk elimination at {as_of} ({n} ended months above the line, no open measure)"
            ).format(as_of=result["as_of"], n=result["stable_months"]),
            ("household", "household_name", "category", "since", "months"),
            ready,
            (N_("household"), N_("name"), N_("category"), N_("since"), N_("months")),
        ),
        Section(
            _("Monitored, not yet ready at {as_of}").format(as_of=result["as_of"]),
            ("household", "household_name", "category", "since", "why"),
            staying,
            (N_("household"), N_("name"), N_("category"), N_("since"), N_("why")),
        ),
    ]


CSV_COLUMNS = (
    "finding",
    "household",
    "household_name",
    "status",
    "category",
    "reasons",
    "since",
    "average_per_person",
    "watch_line",
    "first_month",
    "last_month",
)


def csv_rows(result: dict[str, Any]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    rows = [{"finding": "candidate", **r, "reasons": ";".join(r["reasons"])} for r in result["candidates"]]
    rows += [{"finding": "ready", **r} for r in result["ready"]]
    rows += [
        {
            "finding": "monitored",
            **r,
            "reasons": ";".join(
                [*(f"below:{m}" for m in r["months_below"]), *(f"missing:{m}" for m in r["months_missing"])]
            ),
        }
        for r in result["monitored"]
    ]
    return CSV_COLUMNS, rows
