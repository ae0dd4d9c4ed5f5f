"""Relapse risk (返贫): households out of poverty whose figures say they may be falling back.

For every household exited or prosperous at as-of, with the policy in force at as-of:

- ``shock``: a visit dated within ``shock_days`` days up to as-of (as-of − date ≤ shock_days)
  recorded an event (illness, injury, job_loss, disaster, family, other).
- ``income_drop``: the latest recorded month is ``drop_pct`` % or more under the average of the
  up to ``drop_baseline_months`` recorded months before it (at least one needed).
- ``below_line``: over the last ``relapse_months`` recorded months (fewer if fewer are recorded),
  the average of (income per person − the poverty line of that month) is below zero. Each month
  is held against its own line, so a line raised between the months compared is applied only to
  the months after the change. Income per person divides by the household's size in that month
  (the members present on its last day). Exactly: Σ (income ÷ size) < Σ line.
- ``no_income``: nothing recorded in the ``stale_months`` calendar months ended by as-of (the
  last of them is as-of's month only when as-of is its last day), for a household enrolled before
  the first of those months.

"Recorded months" are months ended by as-of that have an income record (sources added), within
the last WINDOW_MONTHS months: a month still in progress is never read. A month's poverty line is
the one in force on its first day.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from ..i18n import N_, _
from ..model import OUT_OF_POVERTY, REASON_NAMES, REASONS, add_months, label, yuan
from ..ops.rules import facts
from ..store import Store
from .common import (
    WINDOW_MONTHS,
    Basis,
    Section,
    Stream,
    by_chunks,
    cadres_at,
    each,
    households,
    ids_json,
    in_units,
    materialized,
    money,
    month_figures,
)

#: The lists of findings and the record each names (checks.common.in_units).
FINDINGS = {"at_risk": "household"}
BELOW_LINE_RULE = "mean over the months of (income per person - that month's poverty line) < 0"


def run(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """{"as_of", "at_risk": [...]}: one entry per household at risk, by household code. `unit` keeps
    one unit's households, `by_unit` names each one's unit (checks.common.in_units).

    Computed once per command and day (facts.memo): the quarter report's attention section runs it,
    and so does the monitoring check it runs."""
    result = facts.memo(db, ("relapse", as_of.isoformat()), lambda: materialized(_stream(db, as_of)))
    return in_units(db, result, FINDINGS, unit, by_unit)


def stream(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """run()'s findings as a Stream made as it is read (what run() holds, when it was run)."""
    held = db.facts.get(("relapse", as_of.isoformat()))
    return in_units(db, held if held is not None else _stream(db, as_of), FINDINGS, unit, by_unit)


#: The reasons that make a household at risk a sudden-hardship candidate for monitoring.
SUDDEN = ("shock", "income_drop")


def sudden(db: Store, as_of: dt.date) -> dict[int, list[str]]:
    """The households at risk with a shock or an income drop (SUDDEN), those reasons by household
    id: what the monitoring check reads of this one. Kept once per command and day: a stream read
    to its end leaves it (so `check` finds the households at risk once), else run()'s findings."""
    key = ("relapse_sudden", as_of.isoformat())
    if key not in db.facts:
        held = db.facts.get(("relapse", as_of.isoformat()))
        if held is None:
            for _f in _stream(db, as_of)["at_risk"]:
                pass
        else:
            db.facts[key] = _sudden(held["at_risk"])
    return db.facts[key]


def _sudden(findings) -> dict[int, list[str]]:
    return {f["_id"]: s for f in findings if (s := [r for r in f["reasons"] if r in SUDDEN])}


def _stream(db: Store, as_of: dt.date) -> dict[str, Any]:
    """The households at risk, a chunk of households at a time (checks.common.by_chunks: what is held is a
    chunk's), by household code: a Stream; read to its end it leaves sudden()'s answer."""
    basis = Basis.of(db, as_of)

    def at_risk():
        found: dict[int, list[str]] = {}
        for f in by_chunks(db, CHUNK, lambda span: _at_risk(db, basis, span), lambda f: f["household"]):
            found.update(_sudden([f]))
            yield f
        db.facts[("relapse_sudden", as_of.isoformat())] = found

    return {"as_of": as_of.isoformat(), "at_risk": Stream(at_risk())}


#: Households a chunk (tests make it small).
CHUNK = facts.CHUNK


def _at_risk(db: Store, basis: Basis, span: facts.Span) -> list[dict[str, Any]]:
    """The households at risk among one chunk's."""
    as_of = basis.as_of
    status = facts.status_at(db, as_of, span)
    out = [hid for hid, s in status.items() if s in OUT_OF_POVERTY]
    months_avg = basis.value("relapse_months")
    baseline = basis.value("drop_baseline_months")
    stale = basis.value("stale_months")
    want = max(months_avg, baseline + 1)
    income = facts.latest_recorded_months(db, basis.month, want, max(WINDOW_MONTHS, want, stale + 1), out)
    sizes = facts.sizes(db, out)

    details: dict[int, dict[str, Any]] = {}
    for hid, shock in _shocks(db, basis, out, span).items():
        details.setdefault(hid, {})["shock"] = shock
    first_stale = basis.months_back(stale - 1)
    drop_pct = basis.value("drop_pct")
    maybe_stale = []
    for hid in out:
        months = income.get(hid)
        if not months or months[-1][0] < first_stale:
            maybe_stale.append(hid)
            if not months:
                continue
        if facts.income_drop([fen for _, fen in months], baseline, drop_pct):
            details.setdefault(hid, {})["income_drop"] = _income_drop(months[-(baseline + 1) :], drop_pct)
        recent = months[-months_avg:]
        # Σ fen ÷ size < Σ line, exactly: over the sizes' least common multiple, in integers.
        people = [sizes.month(hid, m) for m, _ in recent]
        common = math.lcm(*people)
        per_person = sum(fen * (common // n) for (_, fen), n in zip(recent, people))
        if per_person < common * sum(basis.line(m) for m, _ in recent):
            details.setdefault(hid, {})["below_line"] = _below_line(recent, partial(sizes.month, hid), basis)
    enrolled = facts.enrolled_on(db, maybe_stale)
    for hid in maybe_stale:
        if enrolled.get(hid, "9999") < f"{first_stale}-01":
            last = income[hid][-1][0] if income.get(hid) else None
            details.setdefault(hid, {})["no_income"] = {
                "months_without_record": [add_months(first_stale, i) for i in range(stale)],
                "last_recorded_month": last,
                "enrolled": enrolled[hid],
            }

    found = list(details)
    labels = households(db, found)
    cadres = cadres_at(db, as_of, found)
    visits = facts.last_visits(db, as_of, found)
    at_risk = []
    for hid in found:
        cadre = cadres.get(hid, {})
        reasons = [r for r in REASONS if r in details[hid]]
        at_risk.append(
            {
                "household": labels[hid]["household"],
                "household_name": labels[hid]["household_name"],
                "members": sizes.on(hid, as_of.isoformat()),
                "cadre": cadre.get("cadre"),
                "cadre_name": cadre.get("cadre_name"),
                "status": status[hid],
                "reasons": reasons,
                "details": {r: details[hid][r] for r in reasons},
                "last_visit": visits.get(hid),
                "_id": hid,
            }
        )
    return at_risk


def _shocks(db: Store, basis: Basis, ids: list[int], span: facts.Span) -> dict[int, dict[str, Any]]:
    """The latest visit with an event in the shock window, per household (one query: the chunk's
    pairings, each a range of its visits)."""
    days = basis.value("shock_days")
    rows = db.execute(
        "SELECT p.household_id, v.date, v.event, v.situation, v.kind FROM pairings p INDEXED BY pairings_household"
        " CROSS JOIN visits v ON v.pairing_id = p.id"
        " WHERE p.household_id BETWEEN ? AND ? AND v.date BETWEEN ? AND ? AND v.event IS NOT NULL"
        " AND p.household_id IN (SELECT value FROM json_each(?)) ORDER BY v.date, v.id",
        [*span, (basis.as_of - dt.timedelta(days=days)).isoformat(), basis.as_of.isoformat(), ids_json(ids)],
    )
    out: dict[int, dict[str, Any]] = {}
    for hid, day, event, situation, kind in rows:
        count = out.get(hid, {}).get("events_in_window", 0) + 1
        out[hid] = {
            "date": day,
            "event": event,
            "situation": situation,
            "visit_kind": kind,
            "days_ago": (basis.as_of - dt.date.fromisoformat(day)).days,
            "events_in_window": count,
            "shock_days": days,
        }
    return out


def _income_drop(months: list[tuple[str, int]], drop_pct: int) -> dict[str, Any]:
    """The figures of a drop found: 100·(Σbase − n·latest) ≥ pct·Σbase, in whole fen."""
    (latest_month, latest), base = months[-1], months[:-1]
    average = sum(fen for _, fen in base) / len(base)
    return {
        "latest_month": latest_month,
        "latest_amount": yuan(latest),
        "baseline_months": [m for m, _ in base],
        "baseline_average": yuan(round(average)),
        "drop_pct": round(100 * (average - latest) / average, 2),
        "threshold_pct": drop_pct,
    }


def _below_line(months: list[tuple[str, int]], size: Callable[[str], int], basis: Basis) -> dict[str, Any]:
    """The figures of a household found below the line: Σ income/size < Σ line, exactly (fractions of
    a fen), each month with the household's size in that month."""
    per_person = sum(fen / size(m) for m, fen in months)
    lines = sum(basis.line(m) for m, _ in months)
    n = len(months)
    return {
        "rule": BELOW_LINE_RULE,
        "members": size(months[-1][0]),
        "months": month_figures(months, size, basis),
        "average_per_person": yuan(round(per_person / n)),
        "average_line": yuan(round(lines / n)),
        "average_gap": yuan(round(per_person / n - lines / n)),
    }


def found(result: dict[str, Any]) -> bool:
    return bool(result["at_risk"])


def mark(db: Store, result: dict[str, Any], today: dt.date) -> int:
    """Open a relapse case (部门筛查预警, the check's finding) for each household found; a check never
    writes a status (docs/decisions.md). None for a household with an open relapse case, none for a
    household found only for lack of income records (a data gap, not evidence). The cases opened."""
    from ..ops.write.cases import open_for_findings

    return len(open_for_findings(db, result["at_risk"], result["as_of"], today))


def public(result: dict[str, Any]) -> dict[str, Any]:
    """The result without internal keys, for JSON (lazily for a Stream)."""
    return {
        **result,
        "at_risk": each(result["at_risk"], lambda f: {k: v for k, v in f.items() if not k.startswith("_")}),
    }


def summary(finding: dict[str, Any]) -> str:
    """The figures behind each reason, one line each, for a table cell."""
    d = finding["details"]
    lines = []
    if "shock" in d:
        s = d["shock"]
        lines.append(
            _("shock: {event} {date} ({days} days ago)").format(
                event=label(s["event"]), date=s["date"], days=s["days_ago"]
            )
            + (_(": {situation}").format(situation=s["situation"]) if s["situation"] else "")
        )
    if "income_drop" in d:
        s = d["income_drop"]
        lines.append(
            _("income_drop: {month} {amount} vs average {average} of {n} month(s), -{pct}%").format(
                month=s["latest_month"],
                amount=money(s["latest_amount"]),
                average=money(s["baseline_average"]),
                n=len(s["baseline_months"]),
                pct=s["drop_pct"],
            )
        )
    if "below_line" in d:
        s = d["below_line"]
        lines.append(
            _("below_line: {amount} per person a month over {n} month(s), line {line}").format(
                amount=money(s["average_per_person"]), n=len(s["months"]), line=money(s["average_line"])
            )
        )
    if "no_income" in d:
        s = d["no_income"]
        gap = s["months_without_record"]
        lines.append(
            _("no_income: no record {first} to {last}").format(first=gap[0], last=gap[-1])
            + (_(", last {month}").format(month=s["last_recorded_month"]) if s["last_recorded_month"] else "")
            + _(" (enrolled {date})").format(date=s["enrolled"])
        )
    return "\n".join(lines)


def sections(result: dict[str, Any]) -> list[Section]:
    rows = [
        {**f, "reasons": _(", ").join(_(REASON_NAMES[r]) for r in f["reasons"]), "figures": summary(f)}
        for f in result["at_risk"]
    ]
    return [
        Section(
            _("Relapse risk at {as_of}").format(**result),
            ("household", "household_name", "cadre", "status", "reasons", "figures", "last_visit"),
            rows,
            (
                N_("household"),
                N_("name"),
                N_("cadre"),
                N_("status"),
                N_("reasons"),
                N_("figures"),
                N_("last visit"),
            ),
        )
    ]


CSV_COLUMNS = (
    "household",
    "household_name",
    "cadre",
    "status",
    "reasons",
    "last_visit",
    "shock_date",
    "shock_event",
    "latest_month",
    "latest_amount",
    "baseline_average",
    "drop_pct",
    "average_per_person",
    "average_line",
    "last_recorded_month",
)


def csv_rows(result: dict[str, Any]) -> tuple[tuple[str, ...], Iterator[dict[str, Any]]]:
    """One row per household at risk, made as the findings are read."""

    def rows() -> Iterator[dict[str, Any]]:
        for f in result["at_risk"]:
            d = f["details"]
            shock, drop = d.get("shock", {}), d.get("income_drop", {})
            below, stale = d.get("below_line", {}), d.get("no_income", {})
            yield {
                "unit": f.get("unit"),
                "household": f["household"],
                "household_name": f["household_name"],
                "cadre": f["cadre"],
                "status": f["status"],
                "reasons": ";".join(f["reasons"]),
                "last_visit": f["last_visit"],
                "shock_date": shock.get("date"),
                "shock_event": shock.get("event"),
                "latest_month": drop.get("latest_month"),
                "latest_amount": drop.get("latest_amount"),
                "baseline_average": drop.get("baseline_average"),
                "drop_pct": drop.get("drop_pct"),
                "average_per_person": below.get("average_per_person"),
                "average_line": below.get("average_line"),
                "last_recorded_month": stale.get("last_recorded_month"),
            }

    return CSV_COLUMNS, rows()
