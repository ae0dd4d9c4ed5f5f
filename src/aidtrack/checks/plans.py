"""The plans (一户一策): measures past due, causes without an open measure, households without a plan.

As of a day, reading only what was recorded on or before it (docs/plans.md):

- ``overdue``: a measure planned on or before as-of, due before as-of, not done or dropped by as-of.
- ``no_open_measure``: a household in poverty at as-of (enrolled or relapsed) or monitored then, with
  a cause of poverty recorded and no measure open at as-of (a cause nobody is working on).
- ``no_plan``: a household in poverty at as-of (enrolled or relapsed) or monitored then, with no
  measure at all (a monitored household needs a plan like a household in poverty).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..i18n import N_, _
from ..ops.rules import facts
from ..store import Store
from .common import Section, Stream, by_chunks, cadres_at, households, in_units, materialized

POOR = ("enrolled", "relapsed")


#: The lists of findings and the record each names (checks.common.in_units).
FINDINGS = {"overdue": "household", "no_open_measure": "household", "no_plan": "household"}


def run(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """Every list of findings (each a list)."""
    return materialized(stream(db, as_of, unit, by_unit))


def stream(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """Every list of findings, each a Stream made as it is read: the overdue measures from one query
    in their order, the households a chunk of households at a time (checks.common.by_chunks: what is held is
    a chunk's), by household code."""

    def household(r: dict[str, Any]) -> str:
        return r["household"]

    result = {
        "as_of": as_of.isoformat(),
        "overdue": Stream(_overdue(db, as_of)),
        "no_open_measure": Stream(
            by_chunks(db, CHUNK, lambda span: _households(db, as_of, span, "no_open_measure"), household)
        ),
        "no_plan": Stream(
            by_chunks(db, CHUNK, lambda span: _households(db, as_of, span, "no_plan"), household)
        ),
    }
    return in_units(db, result, FINDINGS, unit, by_unit)


#: Households a chunk (tests make it small).
CHUNK = facts.CHUNK


def _overdue(db: Store, as_of: dt.date) -> Iterator[dict[str, Any]]:
    cur = db.execute(
        "SELECT m.id, h.code, h.name, m.what, m.kind, m.due, c.code, c.name"
        " FROM measures m JOIN households h ON h.id = m.household_id LEFT JOIN cadres c ON c.id = m.cadre_id"
        " WHERE m.date <= :d AND m.due < :d AND (m.done_on IS NULL OR m.done_on > :d)"
        " ORDER BY m.due, h.code, m.id",
        {"d": as_of.isoformat()},
    )
    for mid, code, name, what, kind, due, ccode, cname in cur:
        yield {
            "id": mid,
            "household": code,
            "household_name": name,
            "what": what,
            "kind": kind,
            "due": due,
            "days_overdue": (as_of - dt.date.fromisoformat(due)).days,
            "cadre": ccode,
            "cadre_name": cname,
        }


def _households(db: Store, as_of: dt.date, span: facts.Span, which: str) -> list[dict[str, Any]]:
    """One chunk's households of `which` list: "no_open_measure" (a cause recorded, no measure open)
    or "no_plan" (no measure at all), in poverty or monitored at as-of; unsorted."""
    day = as_of.isoformat()
    lo, hi = span
    caused: dict[int, str] = {}
    if which == "no_open_measure":
        caused = {
            hid: n
            for hid, n in db.execute(
                "SELECT household_id, group_concat(cause, ',') FROM causes WHERE date <= ?"
                " AND household_id BETWEEN ? AND ? GROUP BY household_id",
                [day, lo, hi],
            )
        }
        if not caused:
            return []
    status = facts.status_at(db, as_of, span)
    monitored = _open_on(db, "monitoring", "ended_on", day, lo, hi)
    poor = {hid for hid, s in status.items() if s in POOR}
    if which == "no_open_measure":
        open_ = _open_on(db, "measures", "done_on", day, lo, hi)
        found = [hid for hid in caused if (hid in poor or hid in monitored) and hid not in open_]
    else:
        planned = {
            hid
            for (hid,) in db.execute(
                "SELECT DISTINCT household_id FROM measures WHERE date <= ? AND household_id BETWEEN ? AND ?",
                [day, lo, hi],
            )
        }
        found = [hid for hid in poor | monitored if hid not in planned]
    labels = households(db, found)
    cadres = cadres_at(db, as_of, found)
    out = []
    for hid in found:
        c = cadres.get(hid, {})
        row = {
            "household": labels[hid]["household"],
            "household_name": labels[hid]["household_name"],
            "status": status.get(hid),
            "cadre": c.get("cadre"),
            "cadre_name": c.get("cadre_name"),
        }
        if which == "no_open_measure":
            row["causes"] = caused[hid].split(",")
        row["monitored"] = hid in monitored
        out.append(row)
    return out


def found(result: dict[str, Any]) -> bool:
    return bool(result["overdue"] or result["no_open_measure"] or result["no_plan"])


def public(result: dict[str, Any]) -> dict[str, Any]:
    return result


def sections(result: dict[str, Any]) -> list[Section]:
    from ..model import label

    no_open = [
        {**r, "causes": _(", ").join(label(c) or "" for c in r["causes"])} for r in result["no_open_measure"]
    ]
    return [
        Section(
            _("Measures overdue at {as_of}").format(**result),
            ("household", "household_name", "id", "what", "due", "days_overdue", "cadre"),
            result["overdue"],
            (
                N_("household"),
                N_("name"),
                N_("measure"),
                N_("what"),
                N_("due"),
                N_("days overdue"),
                N_("cadre"),
            ),
        ),
        Section(
            _("Causes of poverty with no open measure at {as_of}").format(**result),
            ("household", "household_name", "status", "causes", "cadre"),
            no_open,
            (N_("household"), N_("name"), N_("status"), N_("causes"), N_("cadre")),
        ),
        Section(
            _("Households in poverty or monitored with no plan at {as_of}").format(**result),
            ("household", "household_name", "status", "cadre"),
            result["no_plan"],
            (N_("household"), N_("name"), N_("status"), N_("cadre")),
        ),
    ]


CSV_COLUMNS = (
    "finding",
    "household",
    "household_name",
    "status",
    "cadre",
    "measure",
    "what",
    "due",
    "days_overdue",
    "causes",
)


def csv_rows(result: dict[str, Any]) -> tuple[tuple[str, ...], Iterator[dict[str, Any]]]:
    """One row per finding, made as the findings are read."""

    def rows() -> Iterator[dict[str, Any]]:
        yield from ({"finding": "overdue", **r, "measure": r["id"]} for r in result["overdue"])
        yield from (
            {"finding": "no_open_measure", **r, "causes": ";".join(r["causes"])}
            for r in result["no_open_measure"]
        )
        yield from ({"finding": "no_plan", **r} for r in result["no_plan"])

    return CSV_COLUMNS, rows()


def _open_on(db: Store, table: str, ended: str, day: str, lo: int, hi: int) -> set[int]:
    """The households of ids LO..HI with a row of TABLE (monitoring, measures) begun by DAY and not
    ended (its ENDED column) by it."""
    return {
        hid
        for (hid,) in db.execute(
            f"SELECT DISTINCT household_id FROM {table} WHERE date <= :d AND ({ended} IS NULL OR {ended} > :d)"
            " AND household_id BETWEEN :lo AND :hi",
            {"d": day, "lo": lo, "hi": hi},
        )
    }
