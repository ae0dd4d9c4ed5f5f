"""Cases (研判认定): decisions late, leads not acted on, publicity too short, approvals without a step.

With the policy in force at as-of (docs/decisions.md), a case counts as open on as-of when its lead
is dated on or before as-of and it was not decided by then:

- ``not_acted``: open cases with no step on or before as-of whose lead is more than ``intake_days``
  days old (day 15 is in time, day 16 is late).
- ``overdue``: open cases with at least one step, more than ``intake_days`` days after the lead.
- ``short_publicity``: the latest publicity of a case, begun on or before as-of, that ran fewer
  days than ``publicity_days`` (its first and last day counted), or that had not ended when the
  case was approved.
- ``missing_steps``: cases approved on or before as-of without a step their decision needed on the
  approval day (a file or paper may record such an approval; it is shown, never refused).
- ``without_case``: statuses (besides the enrolment written with the household) and monitoring
  entries dated from ``cases_from`` to as-of that no case wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..i18n import N_, _
from ..model import label, steps_of
from ..store import Store
from .common import Basis, Section, Stream, in_units, materialized

FINDINGS = {
    "not_acted": "household",
    "overdue": "household",
    "short_publicity": "household",
    "missing_steps": "household",
    "without_case": "household",
}

_CASE = (
    "SELECT ca.id, h.code, h.name, ca.decision, ca.channel, ca.lead_date, ca.outcome, ca.decided_on"
    " FROM cases ca JOIN households h ON h.id = ca.household_id"
)
_COLUMNS = (
    "case_id",
    "household",
    "household_name",
    "decision",
    "channel",
    "lead_date",
    "outcome",
    "decided_on",
)


def _days(a: str, b: dt.date) -> int:
    return (b - dt.date.fromisoformat(a)).days


def run(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """Every list of findings (each a list)."""
    return materialized(stream(db, as_of, unit, by_unit))


def stream(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """Every list of findings, each a Stream read from its query as it is written."""
    basis = Basis.of(db, as_of)
    day = as_of.isoformat()
    since = _since(basis)
    result = {
        "as_of": day,
        "cases_from": since,
        "not_acted": Stream(_open(db, basis, stepped=False)),
        "overdue": Stream(_open(db, basis, stepped=True)),
        "short_publicity": Stream(_short(db, basis)),
        "missing_steps": Stream(_missing(db, basis)),
        "without_case": Stream(_without(db, day, since)),
    }
    return in_units(db, result, FINDINGS, unit, by_unit)


def _open(db: Store, basis: Basis, stepped: bool) -> Iterator[dict[str, Any]]:
    """Open cases past intake_days: with a step (`stepped`: overdue) or none yet (not acted on)."""
    as_of, day = basis.as_of, basis.as_of.isoformat()
    limit = basis.value("intake_days")
    for r in db.execute(
        f"{_CASE} WHERE ca.lead_date <= :day AND (ca.decided_on IS NULL OR ca.decided_on > :day)"
        " ORDER BY ca.lead_date, ca.id",
        {"day": day},
    ):
        days = _days(r[5], as_of)
        if days <= limit:
            continue
        steps = db.execute(
            "SELECT count(*), max(date) FROM case_steps WHERE case_id = ? AND date <= ?", [r[0], day]
        ).fetchone()
        if bool(steps[0]) == stepped:
            yield {**dict(zip(_COLUMNS, r)), "days": days, "intake_days": limit, "last_step": steps[1]}


def _short(db: Store, basis: Basis) -> Iterator[dict[str, Any]]:
    day = basis.as_of.isoformat()
    for r in db.execute(
        "SELECT ca.id, h.code, h.name, ca.decision, ca.channel, ca.lead_date, ca.outcome, ca.decided_on,"
        " st.date, st.end_date FROM case_steps st JOIN cases ca ON ca.id = st.case_id"
        " JOIN households h ON h.id = ca.household_id WHERE st.step = 'publicity' AND st.date <= :day"
        " AND NOT EXISTS (SELECT 1 FROM case_steps l WHERE l.case_id = st.case_id AND l.step = 'publicity'"
        " AND l.date <= :day AND (l.date > st.date OR (l.date = st.date AND l.id > st.id)))"
        " ORDER BY st.date, ca.id",
        {"day": day},
    ):
        ran = (dt.date.fromisoformat(r[9]) - dt.date.fromisoformat(r[8])).days + 1
        least = basis.policy.value("publicity_days", r[8])
        early = r[6] == "approved" and r[7] is not None and r[7] <= day and r[7] <= r[9]
        if ran < least or early:
            yield {
                **dict(zip(_COLUMNS, r[:8])),
                "publicity_from": r[8],
                "publicity_until": r[9],
                "days": ran,
                "publicity_days": least,
                "approved_before_end": early,
            }


def _missing(db: Store, basis: Basis) -> Iterator[dict[str, Any]]:
    day = basis.as_of.isoformat()
    for r in db.execute(
        f"{_CASE} WHERE ca.outcome = 'approved' AND ca.decided_on <= :day ORDER BY ca.decided_on, ca.id",
        {"day": day},
    ):
        needed = [
            s for s in steps_of(basis.policy.value(f"steps_{r[3]}", r[7])) if s not in ("approval", "notice")
        ]
        have = {
            s
            for (s,) in db.execute(
                "SELECT step FROM case_steps WHERE case_id = ? AND date <= ? AND outcome IS NOT 'failed'",
                [r[0], r[7]],
            )
        }
        lacking = [s for s in needed if s not in have]
        if lacking:
            yield {**dict(zip(_COLUMNS, r)), "missing": lacking}


def _without(db: Store, day: str, since: str) -> Iterator[dict[str, Any]]:
    """Statuses, then monitoring entries, recorded without a case from `since` to `day`."""
    if since > day:
        return
    for kind, sql in (
        (
            "status",
            "SELECT s.id, h.code, h.name, s.status, s.date FROM statuses s JOIN households h"
            " ON h.id = s.household_id WHERE s.case_id IS NULL AND s.date >= :since AND s.date <= :day"
            " AND s.id <> (SELECT s2.id FROM statuses s2 WHERE s2.household_id = s.household_id"
            " ORDER BY s2.date, s2.id LIMIT 1) ORDER BY s.date, s.id",
        ),
        (
            "monitoring",
            "SELECT m.id, h.code, h.name, m.category, m.date FROM monitoring m JOIN households h"
            " ON h.id = m.household_id WHERE m.case_id IS NULL AND m.date >= :since AND m.date <= :day"
            " ORDER BY m.date, m.id",
        ),
    ):
        for r in db.execute(sql, {"since": since, "day": day}):
            yield {
                "record": kind,
                "id": r[0],
                "household": r[1],
                "household_name": r[2],
                "what": r[3],
                "date": r[4],
            }


def _since(basis: Basis) -> str:
    from ..ops.rules.policy import cases_from

    return cases_from(basis.policy)


def found(result: dict[str, Any]) -> bool:
    return any(result[name] for name in FINDINGS)


def public(result: dict[str, Any]) -> dict[str, Any]:
    return result


def sections(result: dict[str, Any]) -> list[Section]:
    def shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                **r,
                "decision": label(r.get("decision")),
                "missing": ", ".join(label(s) or s for s in r.get("missing", ())),
            }
            for r in rows
        ]

    return [
        Section(
            _("Leads not acted on within intake_days (as of {as_of})").format(**result),
            ("case_id", "household", "household_name", "decision", "lead_date", "days"),
            shown(result["not_acted"]),
            (N_("case"), N_("household"), N_("name"), N_("decision"), N_("lead"), N_("days")),
        ),
        Section(
            _("Cases not decided within intake_days (as of {as_of})").format(**result),
            ("case_id", "household", "household_name", "decision", "lead_date", "last_step", "days"),
            shown(result["overdue"]),
            (
                N_("case"),
                N_("household"),
                N_("name"),
                N_("decision"),
                N_("lead"),
                N_("last step"),
                N_("days"),
            ),
        ),
        Section(
            _("Publicity shorter than publicity_days or not over at approval (as of {as_of})").format(
                **result
            ),
            ("case_id", "household", "decision", "publicity_from", "publicity_until", "days", "decided_on"),
            shown(result["short_publicity"]),
            (
                N_("case"),
                N_("household"),
                N_("decision"),
                N_("from"),
                N_("until"),
                N_("days"),
                N_("approved"),
            ),
        ),
        Section(
            _("Approved without a required step (as of {as_of})").format(**result),
            ("case_id", "household", "household_name", "decision", "decided_on", "missing"),
            shown(result["missing_steps"]),
            (N_("case"), N_("household"), N_("name"), N_("decision"), N_("approved"), N_("missing")),
        ),
        Section(
            _("Recorded without a case since {cases_from} (as of {as_of})").format(**result),
            ("record", "household", "household_name", "what", "date"),
            result["without_case"],
            (N_("record"), N_("household"), N_("name"), N_("what"), N_("date")),
        ),
    ]


CSV_COLUMNS = (
    "finding",
    "case_id",
    "household",
    "household_name",
    "decision",
    "lead_date",
    "decided_on",
    "days",
)


def csv_rows(result: dict[str, Any]) -> tuple[tuple[str, ...], Iterator[dict[str, Any]]]:
    """One row per finding, made as the findings are read."""
    rows = ({**r, "finding": name} for name in FINDINGS for r in result[name])
    return CSV_COLUMNS, rows
