"""The cadre assessment (目标责任制考核) over a quarter or a year, with a score that shows its working."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from ..i18n import N_, _
from ..model import OUT_OF_POVERTY, label, yuan
from ..ops import facts
from ..ops.policy import Policy
from ..ops.redact import redact_rows
from ..ops.units import Units
from ..store import Store
from .common import cells, problem_counts, quarters_of, ratio, span

CSV_COLUMNS = (
    "rank", "cadre", "cadre_name", "pairings", "visits", "required", "quarters_compliant", "quarters",
    "problems_raised", "problems_solved", "problems_escalated", "households", "exited", "prosperous",
    "relapsed", "out_of_poverty", "aid_given", "visits_points", "compliance_points",
    "problems_points", "outcomes_points", "relapse_points", "score",
)

MOVES = ("exited", "prosperous", "relapsed")


def score(weights: dict[str, int], made: int, required: int, compliant: int, pairing_quarters: int,
          solved: int, raised: int, out_of_poverty: int, households: int,
          relapsed: int) -> tuple[float, list[dict[str, Any]]]:
    """The assessment score, out of 100 with the default weights, and its components.

    Weights are policy keys, read as in force on the period's last day:
      visits      = score_visits     × min(1, visits made ÷ visits required)      (full if none required)
      compliance  = score_compliance × compliant pairing-quarters ÷ pairing-quarters
      problems    = score_problems   × min(1, problems solved ÷ problems raised)   (full if none raised)
      outcomes    = score_outcomes   × households out of poverty (exited or prosperous) at the
                                       period's end ÷ households helped
      relapse     = − score_relapse_penalty × households that relapsed in the period
      score       = max(0, visits + compliance + problems + outcomes + relapse)
    Visits and pairing-quarters are summed over the cadre's pairings and the quarters of the period,
    required visits pro-rated as in the quarter report; problems are those of the cadre's pairings
    (raised: at visits in the period; solved: resolved in the period). A household counts as
    relapsed for the cadre when a `relapsed` status is dated in the period while the cadre's
    pairing with it was active.
    """
    parts = (
        ("visits", weights["score_visits"], min(1.0, ratio(made, required))),
        ("compliance", weights["score_compliance"], ratio(compliant, pairing_quarters)),
        ("problems", weights["score_problems"], min(1.0, ratio(solved, raised))),
        ("outcomes", weights["score_outcomes"], ratio(out_of_poverty, households, 0.0)),
    )
    penalty = weights["score_relapse_penalty"]
    components = []
    total = 0.0
    for n, w, r in parts:
        components.append({"name": n, "weight": w, "ratio": round(r, 4), "points": round(w * r, 2)})
        total += w * r
    components.append({"name": "relapse", "weight": -penalty, "count": relapsed,
                       "points": float(-penalty * relapsed)})
    total -= penalty * relapsed
    return round(max(0.0, total), 2), components


def build(db: Store, start: dt.date, end: dt.date, label: str, today: dt.date | None = None,
          redact: bool = False, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """The assessment of every cadre of the period. `unit` keeps one unit's cadres
    (ops.units.Units.find); `by_unit` gives each unit's cadres and average score instead."""
    today = today or dt.date.today()
    policy = Policy(db)
    weights = {k: policy.value(k, end) for k in (
        "score_visits", "score_compliance", "score_problems", "score_outcomes", "score_relapse_penalty")}
    pairings = facts.pairings_between(db, start, end)
    units = Units(db) if unit is not None or by_unit else None
    if units is not None and unit is not None:
        uid = units.find(unit)
        pairings = [p for p in pairings if units.cadre[p["cadre_id"]] == uid]
    grid = cells(db, pairings, quarters_of(start, end), today, policy)
    problems = problem_counts(db, start, end)
    status_end = facts.status_at(db, end)
    moves: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for hid, status, day in db.execute(
        "SELECT household_id, status, date FROM statuses WHERE date BETWEEN ? AND ? AND status IN"
        " ('exited', 'prosperous', 'relapsed')", [start.isoformat(), end.isoformat()]
    ):
        moves[hid].append((status, day))
    given = dict(db.execute(
        "SELECT giver_cadre_id, sum(value) FROM aid WHERE date BETWEEN ? AND ?"
        " AND giver_cadre_id IS NOT NULL GROUP BY giver_cadre_id", [start.isoformat(), end.isoformat()]
    ).fetchall())

    cells_of: dict[int, list] = defaultdict(list)
    for (pid, _quarter), cell in grid.items():
        cells_of[pid].append(cell)
    by_cadre: dict[int, dict[str, Any]] = {}
    no_problems: dict[str, int] = {}
    for p in pairings:
        c = by_cadre.get(p["cadre_id"])
        if c is None:  # built once per cadre, not once per pairing
            c = by_cadre[p["cadre_id"]] = {
                "cadre": p["cadre"], "cadre_name": p["cadre_name"], "pairings": 0, "visits": 0, "required": 0,
                "quarters_compliant": 0, "quarters": 0, "problems": Counter(), "households": set(),
                "moved": None,  # {move: households}, made when the first move is seen
            }
        c["pairings"] += 1
        for cell in cells_of[p["id"]]:
            c["visits"] += cell.visits
            c["required"] += cell.required
            c["quarters"] += 1
            c["quarters_compliant"] += cell.visits >= cell.required
        counts = problems.get(p["id"], no_problems)
        if counts:
            c["problems"].update(counts)
        c["households"].add(p["household_id"])
        moved = moves.get(p["household_id"])
        if moved:
            active = span(p, start, end)
            assert active is not None  # pairings_between: only pairings active in the period
            first, last = active
            for status, day in moved:
                if first <= day <= last:
                    if c["moved"] is None:
                        c["moved"] = {m: set() for m in MOVES}
                    c["moved"][status].add(p["household_id"])

    rows = []
    none_moved = {m: () for m in MOVES}
    for cid, c in by_cadre.items():
        moved = c["moved"] or none_moved
        helped = len(c["households"])
        out = sum(status_end.get(h) in OUT_OF_POVERTY for h in c["households"])
        pr = c["problems"]
        relapsed = len(moved["relapsed"])
        total, components = score(weights, c["visits"], c["required"], c["quarters_compliant"],
                                  c["quarters"], pr["solved"], pr["raised"], out, helped, relapsed)
        rows.append({
            "cadre": c["cadre"], "cadre_name": c["cadre_name"], "pairings": c["pairings"],
            "visits": c["visits"], "required": c["required"],
            "quarters_compliant": c["quarters_compliant"], "quarters": c["quarters"],
            "problems_raised": pr["raised"], "problems_solved": pr["solved"],
            "problems_escalated": pr["escalated"],
            "households": helped, "exited": len(moved["exited"]),
            "prosperous": len(moved["prosperous"]), "relapsed": relapsed, "out_of_poverty": out,
            "aid_given": yuan(given.get(cid, 0)), "score": total, "components": components,
        })
    rows.sort(key=lambda r: (-r["score"], r["cadre"]))
    for n, r in enumerate(rows, 1):
        r["rank"] = n
    if by_unit:
        assert units is not None
        groups: dict[Any, list[dict[str, Any]]] = {u: [] for u in units.listed()}
        for r in rows:
            groups.setdefault(units.cadre_code[r["cadre"]], []).append(r)
        return {"period": label, "start": start.isoformat(), "end": end.isoformat(),
                "in_progress": end >= today, "weights": weights,
                "by_unit": [{"unit": units.names[u], **_unit_figures(g)} for u, g in groups.items()],
                "totals": _unit_figures(rows)}
    return {"period": label, "start": start.isoformat(), "end": end.isoformat(),
            "in_progress": end >= today, "weights": weights,
            "cadres": redact_rows(rows) if redact else rows}


def _unit_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Cadres assessed, their pairings, visits made and required, and their average score."""
    return {"cadres": len(rows), "pairings": sum(r["pairings"] for r in rows),
            "visits": sum(r["visits"] for r in rows), "required": sum(r["required"] for r in rows),
            "average_score": round(sum(r["score"] for r in rows) / len(rows), 2) if rows else None}


UNIT_COLUMNS = ("unit", "cadres", "pairings", "visits", "required", "average_score")


def _unit_rows(data: dict[str, Any], total: str) -> list[dict[str, Any]]:
    return [*data["by_unit"], {"unit": total, **data["totals"], "_bold": True}]


def csv_rows(data: dict[str, Any]) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    if "by_unit" in data:
        return _unit_rows(data, "(total)"), UNIT_COLUMNS
    rows = []
    for r in data["cadres"]:
        flat = {k: v for k, v in r.items() if k != "components"}
        for comp in r["components"]:
            flat[f"{comp['name']}_points"] = comp["points"]
        rows.append(flat)
    return rows, CSV_COLUMNS


def document(data: dict[str, Any]) -> dict[str, Any]:
    title = _("Cadre assessment {period} ({start} – {end})").format(**data)
    if data["in_progress"]:
        title += _(", period not yet over")
    if "by_unit" in data:
        return {"title": title + _(", by unit"), "sections": [
            {"kind": "table", "columns": list(UNIT_COLUMNS), "rows": _unit_rows(data, _("Total")),
             "headers": [_("Unit"), _("Cadres"), _("Pairings"), _("Visits"), _("Required"),
                         _("Average score")]}]}
    if not data["cadres"]:
        return {"title": title, "empty": _("Nothing recorded for {period}.").format(period=data["period"])}
    rows = []
    for r in data["cadres"]:
        pts = {c["name"]: c["points"] for c in r["components"]}
        rows.append({
            "rank": r["rank"], "cadre": f"{r['cadre']} {r['cadre_name']}",
            "visits": f"{r['visits']}/{r['required']}",
            "quarters": f"{r['quarters_compliant']}/{r['quarters']}",
            "problems": f"{r['problems_solved']}/{r['problems_raised']}",
            "escalated": r["problems_escalated"],
            "households": f"{r['out_of_poverty']}/{r['households']}",
            "moves": _(", ").join(f"{label(m)} {r[m]}" for m in MOVES if r[m]) or None,
            "aid": r["aid_given"],
            "points": " + ".join(f"{pts[n]:g}" for n in ("visits", "compliance", "problems", "outcomes"))
            + (f" − {-pts['relapse']:g}" if pts["relapse"] else ""),
            "score": r["score"],
        })
    w = data["weights"]
    formula = _(
        "Score = visits {visits} × min(1, made/required) + compliance {compliance}"
        " × compliant/pairing-quarters + problems {problems} × min(1, solved/raised)"
        " + outcomes {outcomes} × out of poverty/households − {penalty}"
        " per household relapsed; never below 0."
    ).format(visits=w["score_visits"], compliance=w["score_compliance"], problems=w["score_problems"],
             outcomes=w["score_outcomes"], penalty=w["score_relapse_penalty"])
    return {"title": title, "sections": [
        {"kind": "table", "columns": ["rank", "cadre", "visits", "quarters", "problems", "escalated",
                                      "households", "moves", "aid", "points", "score"],
         "headers": ["#", N_("Cadre"), N_("Visits"), N_("Qtrs OK"), N_("Solved"), N_("Esc."),
                     N_("Out/helped"), N_("Moves"), N_("Aid ¥"), N_("Points"), N_("Score")],
         "rows": rows},
        {"kind": "text", "text": formula},
    ]}
