"""Monitoring after exit (防止返贫动态监测): candidates for monitoring, and households ready for
risk elimination (风险消除). docs/monitoring.md explains each rule with its policy key.

"Ended months" are the months whose last day is on or before as-of. The monitoring line of a month
is ``watch_ratio`` % (in force at as-of) of that month's poverty line; in whole fen a month is
above it when 100 × income ≥ members × watch_ratio × line.

Candidates (households without an open monitoring entry at as-of, and not in the programme: a
household enrolled or relapsed is already helped and is never a candidate):

- ``unstable`` (脱贫不稳定户): exited or prosperous, and the income per person over the recorded
  months among the last 12 ended months averages under the monitoring line (the watch band).
- ``marginal`` (边缘易致贫户): never enrolled by as-of (no status), income between the poverty line
  and the monitoring line. Under the poverty line it is listed under ``enrolment`` instead
  (propose enrolment or 低保), never as marginal.
- ``sudden`` (突发严重困难户): out of poverty or never enrolled, not in the watch band, but the
  relapse check finds a shock or an income drop at as-of, or it bore a large cost not settled
  (spending, policy ``large_cost``; whatever the income level).

Ready for risk elimination: ops.rules.facts.elimination_gaps, the one rule `monitor end` applies too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..i18n import N_, _
from ..model import OUT_OF_POVERTY, add_months, label, month_of, yuan
from ..ops.rules import facts
from ..store import Store
from .common import Basis, Section, Stream, by_chunks, each, households, in_units, materialized

WATCH_MONTHS = 12
#: The reason code of a sudden-hardship lead from spending, as a screen shows it.
N_("large_cost")


def last_ended_month(day: dt.date) -> str:
    """The latest month whose last day is on or before the day."""
    month = month_of(day)
    return month if (day + dt.timedelta(days=1)).day == 1 else add_months(month, -1)


def open_entries(db: Store, day: dt.date | str, span: facts.Span | None = None) -> dict[int, dict[str, Any]]:
    """The monitoring entry open on a day, per household (of a chunk's households, when given)."""
    chunk = "" if span is None else " AND household_id BETWEEN :lo AND :hi"
    cur = db.execute(
        "SELECT household_id, id, category, date, reason FROM monitoring"
        f" WHERE date <= :d AND (ended_on IS NULL OR ended_on > :d){chunk}",
        {"d": str(day), **({} if span is None else {"lo": span[0], "hi": span[1]})},
    )
    return {hid: {"id": mid, "category": c, "date": d, "reason": r} for hid, mid, c, d, r in cur}


#: The lists of findings and the record each names (checks.common.in_units).
FINDINGS = {
    "candidates": "household",
    "enrolment": "household",
    "ready": "household",
    "monitored": "household",
}


SECTIONS = ("candidates", "enrolment", "ready", "monitored")


def run(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """Every section's findings (each a list), by household code."""
    return materialized(stream(db, as_of, unit, by_unit))


def stream(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """Every section's findings, each a Stream made a chunk of households at a time as it is read
    (checks.common.by_chunks: what is held is a chunk's), by household code: a pass over the chunks a
    section, each reading what its section needs."""
    basis = Basis.of(db, as_of)

    def section(name: str) -> Stream:
        return Stream(
            by_chunks(db, CHUNK, lambda span: _chunk(db, basis, span, name), lambda r: r["household"])
        )

    result = {
        "as_of": as_of.isoformat(),
        "watch_ratio": basis.value("watch_ratio"),
        "stable_months": basis.value("stable_months"),
        **{name: section(name) for name in SECTIONS},
    }
    return in_units(db, result, FINDINGS, unit, by_unit)


#: Households a chunk (tests make it small).
CHUNK = facts.CHUNK


def _chunk(db: Store, basis: Basis, span: facts.Span, section: str) -> list[dict[str, Any]]:
    """One section's findings among one chunk's households, unsorted."""
    from . import relapse

    as_of = basis.as_of
    stable = basis.value("stable_months")
    monitored = open_entries(db, as_of, span)
    found: dict[int, dict[str, Any]] = {}
    status: dict[int, str] = {}
    if section == "enrolment":
        # the never enrolled alone (no status by as-of): a candidate for enrolment is one
        watch_ids = [
            hid
            for (hid,) in db.execute(
                "SELECT id FROM households h WHERE id BETWEEN ? AND ? AND NOT EXISTS"
                " (SELECT 1 FROM statuses s WHERE s.household_id = h.id AND s.date <= ?)",
                [*span, as_of.isoformat()],
            )
            if hid not in monitored
        ]
        if not watch_ids:
            return []
    elif section == "candidates" or monitored:
        status = facts.status_at(db, as_of, span)
    else:
        return []
    if section == "candidates":
        never = [
            hid
            for (hid,) in db.execute("SELECT id FROM households WHERE id BETWEEN ? AND ?", span)
            if hid not in status
        ]
        out = [hid for hid, s in status.items() if s in OUT_OF_POVERTY]
        # In the programme and not exited (enrolled, relapsed): already helped, never monitored.
        watch_ids = [h for h in out + never if h not in monitored]
    if section in ("candidates", "enrolment"):
        band = facts.income_band(db, as_of, watch_ids)
        candidates: dict[int, dict[str, Any]] = {}
        enrol: dict[int, dict[str, Any]] = {}
        for hid in watch_ids:
            b = band.get(hid)
            if b is None:
                continue
            figures = {
                "months": b["months"],
                "first_month": b["first"],
                "last_month": b["last"],
                "average_per_person": yuan(b["per_person"]),
                "line": yuan(b["line"]),
                "watch_line": yuan(b["watch_line"]),
            }
            if hid not in status and b["band"] == "below_line":
                # never enrolled and under the poverty line: enrolment or 低保, never marginal
                enrol[hid] = figures
            elif b["band"] != "above":
                candidates[hid] = {
                    "category": "unstable" if hid in status else "marginal",
                    "reasons": ["watch_band"],
                    **figures,
                }
        if section == "enrolment":
            found = enrol
        else:
            empty = dict.fromkeys(
                ("months", "first_month", "last_month", "average_per_person", "line", "watch_line")
            )
            for hid, reasons in relapse.sudden(db, as_of).items():
                if not span[0] <= hid <= span[1] or hid in monitored or hid in candidates:
                    continue
                candidates[hid] = {"category": "sudden", "reasons": list(reasons), **empty}
            # A large cost not settled: a sudden-hardship lead (突发严重困难户), whatever the income.
            for hid, costs in facts.large_costs(db, as_of, watch_ids).items():
                if hid in candidates and candidates[hid]["category"] == "sudden":
                    candidates[hid]["reasons"].append("large_cost")
                elif hid not in candidates and hid not in enrol:
                    candidates[hid] = {"category": "sudden", "reasons": ["large_cost"], **empty}
                if hid in candidates:
                    candidates[hid]["large_costs"] = [_cost(c) for c in costs]
            found = candidates
    else:
        gaps = facts.elimination_gaps(db, as_of, monitored)
        for hid, entry in monitored.items():
            g = gaps[hid]
            if facts.eliminable(g) != (section == "ready"):
                continue
            found[hid] = {
                "_id": hid,
                "category": entry["category"],
                "since": entry["date"],
                "reason": entry["reason"],
                "stable_months": stable,
                "first_month": g["first"],
                "last_month": g["last"],
                "too_soon": g["too_soon"],
                "months_below": g["months_below"],
                "months_missing": g["months_missing"],
                "open_measures": g["open_measures"],
                "measures_done": g["measures_done"],
                "large_costs": [_cost(c) for c in g["large_costs"]],
                "able_to_work": g["able_to_work"],
            }

    if not found:
        return []
    labels = households(db, found)
    # the household's size on a day (docs/rules.md)
    sizes = facts.sizes(db, found)
    return [
        {
            "household": labels[hid]["household"],
            "household_name": labels[hid]["household_name"],
            "members": sizes.on(hid, as_of.isoformat()),  # the size then, not today's
            "status": status.get(hid),
            **row,
        }
        for hid, row in found.items()
    ]


def _cost(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "date": c["date"],
        "kind": c["kind"],
        "amount": yuan(c["amount"]),
        "reimbursed": yuan(c["reimbursed"]),
    }


def found(result: dict[str, Any]) -> bool:
    """Something to act on: a household to add to monitoring or to enrol, or one ready to leave it."""
    return bool(result["candidates"] or result["enrolment"] or result["ready"])


def public(result: dict[str, Any]) -> dict[str, Any]:
    def clean(rows):
        return each(rows, lambda r: {k: v for k, v in r.items() if not k.startswith("_")})

    return {
        **result,
        "candidates": clean(result["candidates"]),
        "enrolment": clean(result["enrolment"]),
        "ready": clean(result["ready"]),
        "monitored": clean(result["monitored"]),
    }


def _enrol_why(r: dict[str, Any]) -> str:
    return _("{amount} per person a month over {n} month(s) ({first} to {last}), poverty line {line}").format(
        amount=f"{r['average_per_person']:.2f}",
        n=r["months"],
        first=r["first_month"],
        last=r["last_month"],
        line=f"{r['line']:.2f}",
    )


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
    """What a monitored household still lacks for risk elimination, in words (one line)."""
    parts = []
    if r["too_soon"]:
        parts.append(
            _("monitored since {since}, less than {n} months").format(since=r["since"], n=r["stable_months"])
        )
    if r["months_below"]:
        parts.append(_("below the line: {months}").format(months=", ".join(r["months_below"])))
    if r["months_missing"]:
        parts.append(_("no income: {months}").format(months=", ".join(r["months_missing"])))
    if r["open_measures"]:
        parts.append(_("{n} open measure(s)").format(n=r["open_measures"]))
    if not r["measures_done"]:
        parts.append(_("no measure done since monitoring began"))
    if r["large_costs"]:
        parts.append(
            _("large cost(s) not settled: {costs}").format(
                costs=", ".join(f"{c['date']} {c['amount']:.2f}" for c in r["large_costs"])
            )
        )
    if not r["able_to_work"]:
        parts.append(_("no member able to work (stays helped, or 低保)"))
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
                "Never enrolled, under the poverty line at {as_of}: propose enrolment or 低保 (not marginal)"
            ).format(as_of=result["as_of"]),
            ("household", "household_name", "why"),
            [{**r, "why": _enrol_why(r)} for r in result["enrolment"]],
            (N_("household"), N_("name"), N_("why")),
        ),
        Section(
            _(
                "Ready for risk elimination at {as_of} ({n} months monitored and above the line, a measure"
                " done, none open, large costs settled, a member able to work)"
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


def csv_rows(result: dict[str, Any]) -> tuple[tuple[str, ...], Iterator[dict[str, Any]]]:
    """One row per finding, made as the findings are read."""

    def rows() -> Iterator[dict[str, Any]]:
        yield from (
            {"finding": "candidate", **r, "reasons": ";".join(r["reasons"])} for r in result["candidates"]
        )
        yield from ({"finding": "enrolment", **r, "reasons": "below_line"} for r in result["enrolment"])
        yield from ({"finding": "ready", **r} for r in result["ready"])
        for r in result["monitored"]:
            yield {
                "finding": "monitored",
                **r,
                "reasons": ";".join(
                    [
                        *(f"below:{m}" for m in r["months_below"]),
                        *(f"missing:{m}" for m in r["months_missing"]),
                    ]
                ),
            }

    return CSV_COLUMNS, rows()
