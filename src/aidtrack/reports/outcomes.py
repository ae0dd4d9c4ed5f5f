"""The meeting summary: where the households stand on a day, what was done, what income became."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from ..i18n import N_, _
from ..model import AID_KINDS, LIVELIHOODS, OUT_OF_POVERTY, STATUSES, label, month_of, yuan
from ..ops.rules import facts
from ..ops.rules.redact import redact_rows
from ..ops.transfer.units import Units, scope
from ..store import Store
from .common import half_up, unit_rows, visits_until


def build(
    db: Store, as_of: dt.date, redact: bool = False, unit: str | None = None, by_unit: bool = False
) -> dict[str, Any]:
    """Households enrolled by `as_of` (a status dated on or before it), by status then and by
    livelihood; visits and aid dated on or before it; and the average monthly income now (each
    household's latest recorded month up to as-of's month) against at enrolment (its first
    recorded month), over the households with income recorded.

    `unit` keeps one unit's households (ops.transfer.units.Units.find); `by_unit` gives each unit's
    households by status, visits and aid instead, with the totals.
    """
    day = as_of.isoformat()
    status = facts.status_at(db, day)
    units, uid = scope(db, unit, by_unit)
    if by_unit:
        assert units is not None
        return _by_unit(db, units, status, day)
    only: tuple[str, list] = ("", [])
    if units is not None:
        status = {h: s for h, s in status.items() if units.household[h] == uid}
        only = (" AND a.household_id IN (SELECT id FROM households WHERE unit_id IS ?)", [uid])
    livelihood = facts.livelihood_at(db, as_of)  # as it was then: dated changes (docs/rules.md)
    by_status = Counter(status.values())
    by_livelihood = Counter(livelihood.get(h) or "unrecorded" for h in status)
    if units is None:
        visits = visits_until(db, day)
    else:
        visits = units.visits_until(day).get(uid, 0)
    by_kind = dict(
        db.execute(
            "SELECT a.kind, sum(a.value) FROM aid a WHERE a.date <= ?" + only[0] + " GROUP BY a.kind",
            [day, *only[1]],
        ).fetchall()
    )
    givers = []
    for code, name, text, value in db.execute(
        "SELECT c.code, c.name, a.giver, sum(a.value) FROM aid a"
        " LEFT JOIN cadres c ON c.id = a.giver_cadre_id WHERE a.date <= ?"
        + only[0]
        + " GROUP BY a.giver_cadre_id, a.giver ORDER BY sum(a.value) DESC, c.code, a.giver",
        [day, *only[1]],
    ):
        givers.append({"giver": code or text, "giver_name": name, "value": yuan(value)})
    first_total = last_total = n = 0
    for hid, first, last in db.execute(
        "WITH span AS (SELECT household_id, min(month) AS first, max(month) AS last FROM income"
        "  WHERE month <= ? GROUP BY household_id)"
        " SELECT s.household_id,"
        "  (SELECT sum(amount) FROM income i WHERE i.household_id = s.household_id AND i.month = s.first),"
        "  (SELECT sum(amount) FROM income i WHERE i.household_id = s.household_id AND i.month = s.last)"
        " FROM span s",
        [month_of(as_of)],
    ):
        if hid in status:
            first_total, last_total, n = first_total + first, last_total + last, n + 1
    now = half_up(last_total, n) if n else None
    then = half_up(first_total, n) if n else None
    placed = working = 0
    for hid, ended in db.execute("SELECT household_id, ended FROM jobs WHERE started <= ?", [day]):
        if hid in status:
            placed += 1
            working += ended is None or ended >= day
    return {
        "as_of": day,
        "households": len(status),
        "households_by_status": {s: by_status[s] for s in STATUSES if by_status[s]},
        "households_by_livelihood": {
            k: by_livelihood[k] for k in (*LIVELIHOODS, "unrecorded") if by_livelihood[k]
        },
        "out_of_poverty": sum(by_status[s] for s in OUT_OF_POVERTY),
        "prosperous": by_status["prosperous"],
        "visits": visits,
        "aid_value": yuan(sum(by_kind.values())),
        "aid_by_kind": {k: yuan(by_kind[k]) for k in AID_KINDS if k in by_kind},
        "aid_by_giver": redact_rows(givers) if redact else givers,
        # Job placements (帮就业) of the households' members: all placed by as-of, those still in the job.
        "jobs": {"placed": placed, "working": working},
        "income": {
            "households": n,
            "monthly_avg_now": yuan(now),
            "monthly_avg_enrolment": yuan(then),
            "change": yuan(half_up(last_total - first_total, n)) if n else None,
        },
    }


def _figures(status: dict[int, str], visits: int, by_kind: dict[str, int]) -> dict[str, Any]:
    """Households by status, visits and aid: of the whole file or of one unit."""
    by_status = Counter(status.values())
    return {
        "households": len(status),
        "households_by_status": {s: by_status[s] for s in STATUSES if by_status[s]},
        "out_of_poverty": sum(by_status[s] for s in OUT_OF_POVERTY),
        "prosperous": by_status["prosperous"],
        "visits": visits,
        "aid_value": yuan(sum(by_kind.values())),
        "aid_by_kind": {k: yuan(by_kind[k]) for k in AID_KINDS if k in by_kind},
    }


def _by_unit(db: Store, units: Units, status: dict[int, str], day: str) -> dict[str, Any]:
    """Each unit's figures (households by their unit, visits and aid by their household's), then the
    whole file's, which are their sums."""
    visits = units.visits_until(day)
    aid: dict[Any, dict[str, int]] = {}
    for uid, kind, value in db.execute(
        "SELECT h.unit_id, a.kind, sum(a.value) FROM aid a JOIN households h ON h.id = a.household_id"
        " WHERE a.date <= ? GROUP BY h.unit_id, a.kind",
        [day],
    ):
        aid.setdefault(uid, {})[kind] = value
    groups = units.grouped(status.items(), lambda hs: units.household[hs[0]])
    everything: Counter[str] = Counter()
    for kinds in aid.values():
        everything.update(kinds)
    return {
        "as_of": day,
        "by_unit": [
            {"unit": units.names[u], **_figures(dict(g), visits.get(u, 0), aid.get(u, {}))}
            for u, g in groups.items()
        ],
        "totals": _figures(status, sum(visits.values()), dict(everything)),
    }


UNIT_COLUMNS = ("unit", "households", *STATUSES, "out_of_poverty", "visits", "aid_value")


#: Section titles and item names of the meeting summary (CSV keeps the English codes).
SECTION_TITLES = {
    "households": N_("Households"),
    "status": N_("Status"),
    "livelihood": N_("Livelihood"),
    "visits": N_("Visits"),
    "aid by kind": N_("Aid by kind"),
    "aid by giver": N_("Aid by giver"),
    "jobs": N_("Job placements"),
    "income": N_("Income"),
}
ITEM_NAMES = (
    N_("enrolled by as-of"),
    N_("out of poverty (exited or prosperous)"),
    N_("total"),
    N_("(not recorded)"),
    N_("placed by as-of"),
    N_("still in the job"),
    N_("households with income recorded"),
    N_("average month now"),
    N_("average month at enrolment"),
    N_("change"),
)


def _items(data: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(section, item, value) of every figure, for CSV and the Markdown lists."""
    out: list[tuple[str, str, Any]] = [
        ("households", "enrolled by as-of", data["households"]),
        ("households", "out of poverty (exited or prosperous)", data["out_of_poverty"]),
        ("households", "prosperous", data["prosperous"]),
    ]
    out += [("status", k, v) for k, v in data["households_by_status"].items()]
    out += [("livelihood", k, v) for k, v in data["households_by_livelihood"].items()]
    out.append(("visits", "total", data["visits"]))
    out.append(("aid by kind", "total", data["aid_value"]))
    out += [("aid by kind", k, v) for k, v in data["aid_by_kind"].items()]
    out += [
        (
            "aid by giver",
            " ".join(x for x in (g["giver"], g["giver_name"]) if x) or "(not recorded)",
            g["value"],
        )
        for g in data["aid_by_giver"]
    ]
    out += [
        ("jobs", "placed by as-of", data["jobs"]["placed"]),
        ("jobs", "still in the job", data["jobs"]["working"]),
    ]
    inc = data["income"]
    out += [
        ("income", "households with income recorded", inc["households"]),
        ("income", "average month now", inc["monthly_avg_now"]),
        ("income", "average month at enrolment", inc["monthly_avg_enrolment"]),
        ("income", "change", inc["change"]),
    ]
    return out


def csv_rows(data: dict[str, Any]) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    if "by_unit" in data:
        return unit_rows(data, "(total)"), UNIT_COLUMNS
    return [{"section": s, "item": i, "value": v} for s, i, v in _items(data)], ("section", "item", "value")


def document(data: dict[str, Any]) -> dict[str, Any]:
    title = _("Outcomes as of {as_of}").format(**data)
    if "by_unit" in data:
        return {
            "title": _("Outcomes by unit as of {as_of}").format(**data),
            "sections": [
                {
                    "kind": "table",
                    "columns": list(UNIT_COLUMNS),
                    "rows": unit_rows(data, _("Total")),
                    "headers": [
                        _("Unit"),
                        _("Households"),
                        *(_(s) for s in STATUSES),
                        _("Out of poverty"),
                        _("Visits"),
                        _("Aid ¥"),
                    ],
                }
            ],
        }
    if not data["households"] and not data["visits"] and not data["aid_by_kind"]:
        return {"title": title, "empty": _("Nothing recorded as of {as_of}.").format(**data)}
    sections: list[dict[str, Any]] = []
    current = None
    for section, item, value in _items(data):
        if section != current:
            sections.append({"kind": "fields", "title": _(SECTION_TITLES[section]), "rows": []})
            current = section
        shown = item if section == "aid by giver" and item != "(not recorded)" else label(item)
        sections[-1]["rows"].append((shown, value))
    return {"title": title, "sections": sections}
