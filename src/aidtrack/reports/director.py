"""What the director reads beside the pairings (the quarter report's second half): what moved in
the quarter, monitoring, the lines, whose money the aid was, livelihoods and work, the committee's
meetings and the clerk's typical cases.

Plain data from a few set-based queries over the quarter; `keep(household_id)` scopes them to one
unit's households (a city file) or keeps every household.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

from ..kinds import kind as kind_of
from ..model import AID_SOURCES, LIVELIHOODS, MONITOR_CATEGORIES, OUT_OF_POVERTY, STATUSES, yuan
from ..ops.write import notes
from ..store import Store
from .common import half_up

#: The movements of a quarter, in the order the report prints them.
MOVES = (*STATUSES, "monitoring_entered", "monitoring_left")


def _named(db: Store) -> dict[int, tuple[str, str]]:
    return {hid: (code, name) for hid, code, name in db.execute("SELECT id, code, name FROM households")}


def build(
    db: Store,
    start: dt.date,
    end: dt.date,
    keep: Callable[[int], bool],
    status: dict[int, str],
    per_person: dict[int, tuple[int, int]],
    lines: tuple[int, int],
    label: str,
    unit: int | None | bool = False,
) -> dict[str, Any]:
    """The director's half of the quarter [start, end].

    `status`: each household's status at `end`; `per_person`: each household's (fen, person-months)
    of income recorded in the quarter; `lines`: the poverty line and the monitoring line at `end`, in
    hundredths of a fen per person a month (the monitoring line is the poverty line × watch_ratio %,
    kept exact). A household is under a line when its income ÷ its person-months is.
    """
    first, last = start.isoformat(), end.isoformat()
    who = _named(db)

    def entry(hid: int, day: str | None = None, **more: Any) -> dict[str, Any]:
        code, name = who[hid]
        return {"household": code, "household_name": name, **({"date": day} if day else {}), **more}

    moved: dict[str, list[dict[str, Any]]] = {k: [] for k in MOVES}
    for hid, st, day in db.execute(
        "SELECT household_id, status, date FROM statuses WHERE date BETWEEN ? AND ? ORDER BY date, id",
        [first, last],
    ):
        if keep(hid):
            moved[st].append(entry(hid, day))
    by_category: Counter[str] = Counter()
    monitored: dict[str, str] = {}
    for hid, category, day, ended in db.execute(
        "SELECT household_id, category, date, ended_on FROM monitoring WHERE date <= ? ORDER BY date, id",
        [last],
    ):
        if not keep(hid):
            continue
        if first <= day:
            moved["monitoring_entered"].append(entry(hid, day, category=category))
        if ended is not None and first <= ended <= last:
            moved["monitoring_left"].append(entry(hid, ended, category=category))
        if ended is None or ended > last:
            by_category[category] += 1
            monitored[who[hid][0]] = category

    poverty, watch = lines
    under_poverty, under_watch = [], []
    for hid in sorted(per_person, key=lambda h: who[h][0]):
        if not keep(hid):
            continue
        fen, person_months = per_person[hid]
        if person_months and 100 * fen < poverty * person_months:
            under_poverty.append(who[hid][0])
        if person_months and 100 * fen < watch * person_months:
            under_watch.append(who[hid][0])

    given: Counter[str] = Counter()
    for hid, source, value in db.execute(
        "SELECT household_id, coalesce(giver_type, 'unrecorded'), sum(value) FROM aid"
        " WHERE date BETWEEN ? AND ? GROUP BY 1, 2",
        [first, last],
    ):
        if keep(hid):
            given[source] += value

    livelihood: Counter[str] = Counter()
    for hid, lv in db.execute("SELECT id, coalesce(livelihood, 'unrecorded') FROM households"):
        if keep(hid) and status.get(hid) in OUT_OF_POVERTY:
            livelihood[lv] += 1
    working = [
        (hid, member)
        for hid, member in db.execute(
            "SELECT household_id, member FROM jobs WHERE started <= ? AND (ended IS NULL OR ended >= ?)",
            [last, last],
        )
        if keep(hid)
    ]
    return {
        "moved": moved,
        "monitoring": {
            "by_category": {c: by_category[c] for c in MONITOR_CATEGORIES if by_category[c]},
            "total": sum(by_category.values()),
            "households": dict(sorted(monitored.items())),
        },
        "lines": {
            "poverty_line": yuan(half_up(poverty, 100)),
            "monitoring_line": yuan(half_up(watch, 100)),
            "households_with_income": sum(1 for h in per_person if keep(h)),
            "under_poverty_line": under_poverty,
            "under_monitoring_line": under_watch,
        },
        "aid_by_source": {s: yuan(given[s]) for s in (*AID_SOURCES, "unrecorded") if s in given},
        "livelihoods": {lv: livelihood[lv] for lv in (*LIVELIHOODS, "unrecorded") if livelihood[lv]},
        "in_work": {"people": len(working), "households": len({h for h, _m in working})},
        "meetings": meetings(db, first, last, unit),
        "notes": notes.of(db, [label], unit)[label],
    }


def _item(
    household: str | None, problem: str | None, decision: str | None, due: str | None
) -> dict[str, Any]:
    """What a meeting decided about one problem, as the report gives it (and the meetings CSV)."""
    return {"household": household, "problem": problem, "decision": decision, "due": due}


def meetings(db: Store, first: str, last: str, unit: int | None | bool = False) -> list[dict[str, Any]]:
    """The meetings held in [first, last] (of one unit's committee, or every one when `unit` is
    False), each with what it studied and decided."""
    out: dict[int, dict[str, Any]] = {}
    for mid, day, kind, uid, code, problem, decision, due in db.execute(
        "SELECT mt.id, mt.date, mt.kind, mt.unit_id, h.code, pr.problem, mi.decision, mi.due FROM meetings mt"
        " LEFT JOIN meeting_items mi ON mi.meeting_id = mt.id"
        " LEFT JOIN problems pr ON pr.id = mi.problem_id LEFT JOIN visits v ON v.id = pr.visit_id"
        " LEFT JOIN pairings p ON p.id = v.pairing_id LEFT JOIN households h ON h.id = p.household_id"
        " WHERE mt.date BETWEEN ? AND ? ORDER BY mt.date, mt.id, mi.id",
        [first, last],
    ):
        if unit is not False and uid != unit:
            continue
        m = out.setdefault(mid, {"date": day, "kind": kind, "items": []})
        if problem is not None:
            m["items"].append(_item(code, problem, decision, due))
    return list(out.values())


# --- the quarter-wide items as CSV (`report quarter --format csv --part …`) ---------------------

#: The parts of the quarter report's CSV: `pairings` (the default: one row per pairing), `summary`
#: (one row per figure: section, item, value, households), `movements` (one row per household that
#: moved), `meetings` (one row per decision of the committee), `notes` (the typical cases).
PARTS = ("pairings", "summary", "movements", "meetings", "notes")
SUMMARY_COLUMNS = ("section", "item", "value", "households")
MOVEMENT_COLUMNS = ("movement", "household", "household_name", "date", "category")
#: A meeting's date and kind, then what it decided (the report's item, as `_item` builds it).
MEETING_COLUMNS = ("date", "kind", *_item(None, None, None, None))
#: A typical case as the registry declares it (kinds.QUARTER_NOTES).
NOTE_COLUMNS = tuple(kind_of("quarter_notes").field_names)


def _codes(items: list[Any]) -> str:
    """Household codes of a list of codes or of entries, space-separated."""
    return " ".join(i["household"] if isinstance(i, dict) else str(i) for i in items)


def summary_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure of the quarter's totals and of the director's half, one row each, with the JSON's
    values (yuan as the JSON gives them): `section` and `item` are the JSON's keys, a list becomes
    its count with its households' codes beside it."""
    rows: list[dict[str, Any]] = []

    def put(section: str, item: str, value: Any, households: str | None = None) -> None:
        rows.append({"section": section, "item": item, "value": value, "households": households})

    d = data["director"]
    for key, value in data["totals"].items():
        if isinstance(value, dict):
            section = "committee" if key == "meetings" else key
            for k, v in value.items():
                put(section, k, v)
        else:
            put("totals", key, value)
    for move, entries in d["moved"].items():
        put("moved", move, len(entries), _codes(entries))
    mon = d["monitoring"]
    for category, n in mon["by_category"].items():
        put("monitoring", category, n, " ".join(h for h, c in mon["households"].items() if c == category))
    put("monitoring", "total", mon["total"], " ".join(mon["households"]))
    for key, value in d["lines"].items():
        if isinstance(value, list):
            put("lines", key, len(value), _codes(value))
        else:
            put("lines", key, value)
    for section in ("aid_by_source", "livelihoods", "in_work"):
        for k, v in d[section].items():
            put(section, k, v)
    put("notes", "count", len(d["notes"]))
    return rows


def movement_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per household that moved in the quarter, in the report's order of movements."""
    return [{"movement": move, **e} for move, entries in data["director"]["moved"].items() for e in entries]


def meeting_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per decision of the quarter's committee meetings; a meeting that decided nothing is a
    row of its own (its date and kind, the rest empty): the meeting was held."""
    out: list[dict[str, Any]] = []
    for m in data["director"]["meetings"]:
        head = {"date": m["date"], "kind": m["kind"]}
        out += [head | item for item in m["items"]] or [head]
    return out


def note_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"quarter": data["quarter"], **n} for n in data["director"]["notes"]]


def csv_part(data: dict[str, Any], part: str) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """The rows and columns of one part of the quarter report's CSV (not `pairings`)."""
    if part == "summary":
        return summary_rows(data), SUMMARY_COLUMNS
    if part == "movements":
        return movement_rows(data), MOVEMENT_COLUMNS
    if part == "meetings":
        return meeting_rows(data), MEETING_COLUMNS
    return note_rows(data), NOTE_COLUMNS
