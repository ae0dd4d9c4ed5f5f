"""Visits: what the pairings still owe this quarter, follow-ups and escalations overdue, gaps in pairing.

With the policy in force at as-of:

- ``behind``: pairings active at as-of that are behind schedule: fewer visits (any kind) from the
  quarter's first day up to as-of than due by now, or too few days left to make the rest.
  required = ceil(visits_per_quarter × days active in the quarter ÷ days in the quarter), days
  counted inclusive and clipped to the quarter; due by now = floor(required × the pairing's days
  in the quarter up to as-of ÷ its days in the quarter), so early in a quarter nothing is due and a
  nightly run stays quiet until a cadre really falls behind; at the quarter's end due = required.
  A pairing ending after as-of counts as open to the quarter's end (its end was not known then).
  days_left = (quarter end − as-of) in days (as-of itself not counted; a pairing ending on as-of
  has 0); can_still_meet = days_left ≥ visits still owed.
- ``followup_overdue``: households exited or prosperous at as-of whose latest visit (any kind) or
  exit date, whichever is later, is more than ``followup_days`` days before as-of.
- ``escalations_overdue``: escalated problems not resolved on or before as-of, escalated (on their
  own date, else their visit's) more than ``escalation_days`` days before as-of; a problem a meeting
  decided by as-of only once its decision's deadline (due) has passed.
- ``unpaired``: households enrolled or relapsed at as-of with no pairing active at as-of.
- ``evidence_doubtful``: visits of as-of's quarter, up to as-of, whose phone form was started
  more than ``evidence_late_days`` days after the visit's date, or whose recorded place lies more
  than ``evidence_distance_m`` metres from the household's (when the household has one): for a
  second look, nothing more. A visit without evidence (typed from paper) is never listed.
- ``overloaded_cadres``: cadres with more than one pairing active at as-of (reported, not refused).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ..i18n import N_, _
from ..model import OUT_OF_POVERTY, Quarter, period_name
from ..ops.rules import facts
from ..store import Store
from .common import Basis, Section, Stream, by_chunks, cadres_at, households, ids_json, in_units, materialized

SECTIONS = (
    "behind",
    "followup_overdue",
    "escalations_overdue",
    "unpaired",
    "evidence_doubtful",
    "overloaded_cadres",
)
#: The lists of findings and the record each names (checks.common.in_units).
FINDINGS = {s: "cadre" if s == "overloaded_cadres" else "household" for s in SECTIONS}


def run(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """Every section's findings (each a list). `unit` keeps one unit's, `by_unit` names each
    finding's unit (checks.common.in_units): a cadre overloaded belongs to the cadre's unit, the rest
    to the household's."""
    return materialized(stream(db, as_of, unit, by_unit))


def stream(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """Every section's findings, each a Stream made as it is read: a pass over the chunks of
    households a section (checks.common.by_chunks: what is held is a chunk's), by household code, or one
    query in its order."""
    basis = Basis.of(db, as_of)
    spans = facts.chunks(db, CHUNK)

    def household(r: dict[str, Any]) -> str:
        return r["household"]

    def behind(span: facts.Span) -> list[dict[str, Any]]:
        return _behind(db, basis, facts.pairings_between(db, as_of, as_of, span), span)

    def late(span: facts.Span) -> list[dict[str, Any]]:
        return _followups(db, basis, facts.status_at(db, as_of, span), span)

    def unpaired(span: facts.Span) -> list[dict[str, Any]]:
        # the chunk's households with no pairing active at as-of (most chunks: none), then their statuses
        alone = {
            hid
            for (hid,) in db.execute(
                "SELECT h.id FROM households h WHERE h.id BETWEEN ? AND ? AND NOT EXISTS (SELECT 1 FROM"
                " pairings p WHERE p.household_id = h.id AND p.since <= ? AND (p.until IS NULL OR p.until >= ?))",
                [*span, as_of.isoformat(), as_of.isoformat()],
            )
        }
        if not alone:
            return []
        status = {h: s for h, s in facts.status_at(db, as_of, span).items() if h in alone}
        return _unpaired(db, basis, status, [], span)

    result: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "quarter": str(Quarter.of(as_of)),
        "behind": Stream(by_chunks(db, CHUNK, behind, lambda r: (r["household"], r["pairing"]))),
        "followup_overdue": Stream(by_chunks(db, CHUNK, late, household)),
        "escalations_overdue": Stream(_escalations(db, basis)),
        "unpaired": Stream(by_chunks(db, CHUNK, unpaired, household)),
        "evidence_doubtful": Stream(_evidence(db, basis)),
        "overloaded_cadres": Stream(_overloaded_cadres(db, as_of, spans)),
    }
    return in_units(db, result, FINDINGS, unit, by_unit)


def _overloaded_cadres(db: Store, as_of: dt.date, spans: list[facts.Span]) -> Iterator[dict[str, Any]]:
    """Cadres with more than one pairing active: their pairings gathered from the chunks holding them."""
    day = as_of.isoformat()
    busy = {
        cid
        for (cid,) in db.execute(
            "SELECT cadre_id FROM pairings WHERE since <= ? AND (until IS NULL OR until >= ?)"
            " GROUP BY cadre_id HAVING count(*) > 1",
            [day, day],
        )
    }
    if not busy:
        return
    held = sorted(
        hid
        for (hid,) in db.execute(
            "SELECT household_id FROM pairings WHERE since <= ? AND (until IS NULL OR until >= ?)"
            " AND cadre_id IN (SELECT value FROM json_each(?))",
            [day, day, ids_json(busy)],
        )
    )
    shared: list[dict] = []
    for lo, hi in spans:
        i = bisect.bisect_left(held, lo)
        if i < len(held) and held[i] <= hi:
            shared += [p for p in facts.pairings_between(db, as_of, as_of, (lo, hi)) if p["cadre_id"] in busy]
    yield from _overloaded(sorted(shared, key=lambda p: (p["household"], p["since"])))


#: Households a chunk (tests make it small).
CHUNK = facts.CHUNK


def _behind(
    db: Store, basis: Basis, active: list[dict], span: facts.Span | None = None
) -> list[dict[str, Any]]:
    q = Quarter.of(basis.as_of)
    start, end, label, today = q.start, q.end, str(q), basis.as_of.isoformat()
    per_quarter = basis.value("visits_per_quarter")
    counts = facts.visit_counts(db, start, basis.as_of, span)
    out = []
    for p in active:
        ends_today = p["until"] == today
        required = facts.required_visits(
            per_quarter, p["since"], p["until"] if ends_today else None, start, end
        )
        made = counts.get((p["id"], label), 0)
        days_left = 0 if ends_today else (end - basis.as_of).days
        first = max(dt.date.fromisoformat(p["since"]), start)
        last = basis.as_of if ends_today else end
        # Due by now: the share of the required visits for the part of its days already past.
        due = required * ((basis.as_of - first).days + 1) // max((last - first).days + 1, 1)
        if made >= min(due, required) and days_left >= required - made:
            continue
        out.append(
            {
                "pairing": p["id"],
                "household": p["household"],
                "household_name": p["household_name"],
                "cadre": p["cadre"],
                "cadre_name": p["cadre_name"],
                "since": p["since"],
                "quarter": label,
                "visits": made,
                "required": required,
                "owed": required - made,
                "due_by_now": min(due, required),
                "days_left": days_left,
                "can_still_meet": days_left >= required - made,
            }
        )
    return sorted(out, key=lambda r: (r["household"], r["pairing"]))


def _followups(
    db: Store, basis: Basis, status: dict[int, str], span: facts.Span | None = None
) -> list[dict[str, Any]]:
    days = basis.value("followup_days")
    exited = {
        h: d
        for h, d in facts.out_of_poverty_since(db, basis.as_of, span).items()
        if status.get(h) in OUT_OF_POVERTY
    }
    last = facts.last_visits(db, basis.as_of, list(exited))
    late = {}
    for hid, exit_date in exited.items():
        since = max(exit_date, last.get(hid, ""))
        gap = (basis.as_of - dt.date.fromisoformat(since)).days
        if gap > days:
            late[hid] = (exit_date, since, gap)
    labels = households(db, late)
    cadres = cadres_at(db, basis.as_of, late)
    out = []
    for hid, (exit_date, since, gap) in late.items():
        cadre = cadres.get(hid, {})
        out.append(
            {
                "household": labels[hid]["household"],
                "household_name": labels[hid]["household_name"],
                "cadre": cadre.get("cadre"),
                "cadre_name": cadre.get("cadre_name"),
                "status": status[hid],
                "exited": exit_date,
                "last_visit": last.get(hid),
                "days_since": gap,
                "followup_days": days,
                "due": (dt.date.fromisoformat(since) + dt.timedelta(days=days)).isoformat(),
            }
        )
    return sorted(out, key=lambda r: r["household"])


def _escalations(db: Store, basis: Basis) -> Iterator[dict[str, Any]]:
    days = basis.value("escalation_days")
    rows = db.execute(
        "SELECT pr.id, pr.problem, v.date, coalesce(pr.escalated_on, v.date), h.code, h.name, c.code, c.name"
        " FROM problems pr"
        " CROSS JOIN visits v ON v.id = pr.visit_id JOIN pairings p ON p.id = v.pairing_id"
        " JOIN households h ON h.id = p.household_id JOIN cadres c ON c.id = p.cadre_id"
        " WHERE pr.escalated = 1 AND coalesce(pr.escalated_on, v.date) < ?"
        " AND (pr.resolved_on IS NULL OR pr.resolved_on > ?)"
        # a problem a meeting decided by as-of is overdue only past its decision's deadline
        " AND NOT EXISTS (SELECT 1 FROM meeting_items mi JOIN meetings mt ON mt.id = mi.meeting_id"
        " WHERE mi.problem_id = pr.id AND mt.date <= ? AND (mi.due IS NULL OR mi.due >= ?))"
        " ORDER BY 4, pr.id",
        [(basis.as_of - dt.timedelta(days=days)).isoformat(), *[basis.as_of.isoformat()] * 3],
    )
    for pid, text, raised, escalated, hcode, hname, ccode, cname in rows:
        yield {
            "problem_id": pid,
            "problem": text,
            "raised": raised,
            "escalated_on": escalated,
            "household": hcode,
            "household_name": hname,
            "cadre": ccode,
            "cadre_name": cname,
            "days_open": (basis.as_of - dt.date.fromisoformat(escalated)).days,
            "escalation_days": days,
        }


def _unpaired(
    db: Store, basis: Basis, status: dict[int, str], active: list[dict], span: facts.Span | None = None
) -> list[dict[str, Any]]:
    paired = {p["household_id"] for p in active}
    alone = [h for h, s in status.items() if s not in OUT_OF_POVERTY and h not in paired]
    if not alone:
        return []
    labels = households(db, alone)
    enrolled = facts.enrolled_on(db, alone)
    ended: dict[int, tuple[str, str, str]] = {}
    for hid, until, code, name in db.execute(
        "SELECT p.household_id, p.until, c.code, c.name FROM pairings p JOIN cadres c ON c.id = p.cadre_id"
        f" WHERE p.until < ?{'' if span is None else ' AND p.household_id BETWEEN ? AND ?'} ORDER BY p.until, p.id",
        [basis.as_of.isoformat(), *(span or ())],
    ):
        ended[hid] = (until, code, name)
    out = []
    for hid in alone:
        until, code, name = ended.get(hid, (None, None, None))
        out.append(
            {
                "household": labels[hid]["household"],
                "household_name": labels[hid]["household_name"],
                "status": status[hid],
                "enrolled": enrolled.get(hid),
                "last_cadre": code,
                "last_cadre_name": name,
                "paired_until": until,
            }
        )
    return sorted(out, key=lambda r: r["household"])


def _evidence(db: Store, basis: Basis) -> Iterator[dict[str, Any]]:
    """Visits whose field evidence asks for a second look (see the module's docstring)."""
    late, far = basis.value("evidence_late_days"), basis.value("evidence_distance_m")
    q = Quarter.of(basis.as_of)
    rows = db.execute(
        "SELECT v.id, v.date, substr(v.device_start, 1, 10), v.location, h.location, h.code, h.name, c.code"
        " FROM visits v JOIN pairings p ON p.id = v.pairing_id JOIN households h ON h.id = p.household_id"
        f" JOIN cadres c ON c.id = p.cadre_id WHERE v.date BETWEEN ? AND ? AND {facts.EVIDENCED}"
        " ORDER BY v.date, h.code, v.id",
        [q.start.isoformat(), basis.as_of.isoformat()],
    )
    for vid, day, started, place, home, hcode, hname, ccode in rows:
        days_late = (dt.date.fromisoformat(started) - dt.date.fromisoformat(day)).days
        distance = facts.distance_m(place, home) if place and home else None
        reasons = []
        if days_late > late:
            reasons.append(_("form started {n} day(s) after the visit").format(n=days_late))
        if distance is not None and distance > far:
            reasons.append(_("recorded {m} m from the household").format(m=distance))
        if reasons:
            yield {
                "visit_id": vid,
                "date": day,
                "household": hcode,
                "household_name": hname,
                "cadre": ccode,
                "started": started,
                "days_late": days_late,
                "distance_m": distance,
                "why": "; ".join(reasons),
            }


def _overloaded(active: list[dict]) -> list[dict[str, Any]]:
    by_cadre: dict[str, list[dict]] = defaultdict(list)
    for p in active:
        by_cadre[p["cadre"]].append(p)
    out = []
    for code, pairings in sorted(by_cadre.items()):
        if len(pairings) > 1:
            out.append(
                {
                    "cadre": code,
                    "cadre_name": pairings[0]["cadre_name"],
                    "pairings": len(pairings),
                    "households": [
                        {
                            "household": p["household"],
                            "household_name": p["household_name"],
                            "since": p["since"],
                        }
                        for p in sorted(pairings, key=lambda p: p["household"])
                    ],
                }
            )
    return out


def found(result: dict[str, Any]) -> bool:
    return any(result[s] for s in SECTIONS)


def public(result: dict[str, Any]) -> dict[str, Any]:
    return result


def sections(result: dict[str, Any]) -> list[Section]:
    q, as_of = result["quarter"], result["as_of"]
    overloaded = [
        {**r, "households": _(", ").join(f"{h['household']} {h['household_name']}" for h in r["households"])}
        for r in result["overloaded_cadres"]
    ]
    return [
        Section(
            _("Pairings behind on visits in {quarter} (as of {as_of})").format(
                quarter=period_name(str(q)), as_of=as_of
            ),
            (
                "household",
                "household_name",
                "cadre",
                "cadre_name",
                "visits",
                "required",
                "owed",
                "days_left",
                "can_still_meet",
            ),
            result["behind"],
            (
                N_("household"),
                N_("name"),
                N_("cadre"),
                N_("cadre name"),
                N_("visits"),
                N_("required"),
                N_("owed"),
                N_("days left"),
                N_("can still meet"),
            ),
        ),
        Section(
            _("Follow-up visits overdue (as of {as_of})").format(as_of=as_of),
            ("household", "household_name", "cadre", "status", "exited", "last_visit", "days_since", "due"),
            result["followup_overdue"],
            (
                N_("household"),
                N_("name"),
                N_("cadre"),
                N_("status"),
                N_("exited"),
                N_("last visit"),
                N_("days since"),
                N_("due"),
            ),
        ),
        Section(
            _("Escalated problems overdue (as of {as_of})").format(as_of=as_of),
            ("problem_id", "raised", "household", "household_name", "cadre", "problem", "days_open"),
            result["escalations_overdue"],
            (
                N_("id"),
                N_("raised"),
                N_("household"),
                N_("name"),
                N_("cadre"),
                N_("problem"),
                N_("days open"),
            ),
        ),
        Section(
            _("Households without a cadre (as of {as_of})").format(as_of=as_of),
            ("household", "household_name", "status", "enrolled", "last_cadre", "paired_until"),
            result["unpaired"],
            (N_("household"), N_("name"), N_("status"), N_("enrolled"), N_("last cadre"), N_("paired until")),
        ),
        Section(
            _("Visits whose field evidence asks for a second look in {quarter} (as of {as_of})").format(
                quarter=period_name(str(q)), as_of=as_of
            ),
            ("visit_id", "date", "household", "household_name", "cadre", "started", "why"),
            result["evidence_doubtful"],
            (
                N_("visit"),
                N_("date"),
                N_("household"),
                N_("name"),
                N_("cadre"),
                N_("form started"),
                N_("why"),
            ),
        ),
        Section(
            _("Cadres paired with more than one household (as of {as_of})").format(as_of=as_of),
            ("cadre", "cadre_name", "pairings", "households"),
            overloaded,
            (N_("cadre"), N_("name"), N_("pairings"), N_("households")),
        ),
    ]


CSV_COLUMNS = (
    "section",
    "household",
    "household_name",
    "cadre",
    "cadre_name",
    "status",
    "visits",
    "required",
    "days_left",
    "can_still_meet",
    "exited",
    "last_visit",
    "days_since",
    "problem_id",
    "problem",
    "raised",
    "days_open",
    "enrolled",
    "paired_until",
    "visit_id",
    "date",
    "started",
    "days_late",
    "distance_m",
    "why",
)


def csv_rows(result: dict[str, Any]) -> tuple[tuple[str, ...], Iterator[dict[str, Any]]]:
    """One row per finding, the section named in the first column (a cadre overloaded: one per
    household), made as the findings are read."""

    def rows() -> Iterator[dict[str, Any]]:
        for name in SECTIONS[:-1]:
            yield from ({"section": name, **r} for r in result[name])
        for r in result["overloaded_cadres"]:
            for h in r["households"]:
                yield {
                    "section": "overloaded_cadres",
                    "unit": r.get("unit"),
                    "cadre": r["cadre"],
                    "cadre_name": r["cadre_name"],
                    "household": h["household"],
                    "household_name": h["household_name"],
                }

    return CSV_COLUMNS, rows()
