"""Escalations (提交局党委会): problems the party committee has not studied, decisions past their deadline.

With the policy in force at as-of:

- ``not_studied``: problems escalated (on their own date) more than ``escalation_days`` days before
  as-of, not resolved on or before as-of, and not studied at any meeting held on or before as-of.
- ``decision_overdue``: problems studied at a meeting on or before as-of whose decision's deadline
  (due) is before as-of while the problem is still not resolved on or before as-of.

A problem's life: raised at a visit → escalated (its date, by whom) → studied at a meeting →
decided (decision, leader responsible, deadline) → resolved (date, note).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..i18n import N_, _
from ..store import Store
from .common import Basis, Section, Stream, in_units, materialized

_PROBLEM = (
    "SELECT pr.id, pr.problem, v.date, pr.escalated_on, pr.escalated_by, h.code, h.name, c.code, c.name"
    " FROM problems pr JOIN visits v ON v.id = pr.visit_id JOIN pairings p ON p.id = v.pairing_id"
    " JOIN households h ON h.id = p.household_id JOIN cadres c ON c.id = p.cadre_id"
)
_COLUMNS = (
    "problem_id",
    "problem",
    "raised",
    "escalated_on",
    "escalated_by",
    "household",
    "household_name",
    "cadre",
    "cadre_name",
)


#: The lists of findings and the record each names (checks.common.in_units).
FINDINGS = {"not_studied": "household", "decision_overdue": "household"}


def run(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """Both lists of findings (each a list)."""
    return materialized(stream(db, as_of, unit, by_unit))


def stream(db: Store, as_of: dt.date, unit: str | None = None, by_unit: bool = False) -> dict[str, Any]:
    """Both lists of findings, each a Stream read from its query as it is written."""
    basis = Basis.of(db, as_of)
    days = basis.value("escalation_days")
    day = as_of.isoformat()
    result = {
        "as_of": day,
        "not_studied": Stream(_not_studied(db, as_of, days)),
        "decision_overdue": Stream(_decision_overdue(db, as_of)),
    }
    return in_units(db, result, FINDINGS, unit, by_unit)


_OPEN = "(pr.resolved_on IS NULL OR pr.resolved_on > :day)"


def _not_studied(db: Store, as_of: dt.date, days: int) -> Iterator[dict[str, Any]]:
    for r in db.execute(
        f"{_PROBLEM} WHERE pr.escalated = 1 AND pr.escalated_on < :limit AND {_OPEN}"
        " AND NOT EXISTS (SELECT 1 FROM meeting_items mi JOIN meetings mt ON mt.id = mi.meeting_id"
        " WHERE mi.problem_id = pr.id AND mt.date <= :day) ORDER BY pr.escalated_on, pr.id",
        {"limit": (as_of - dt.timedelta(days=days)).isoformat(), "day": as_of.isoformat()},
    ):
        yield {
            **dict(zip(_COLUMNS, r)),
            "days_since_escalated": (as_of - dt.date.fromisoformat(r[3])).days,
            "escalation_days": days,
        }


def _decision_overdue(db: Store, as_of: dt.date) -> Iterator[dict[str, Any]]:
    for r in db.execute(
        "SELECT pr.id, pr.problem, v.date, pr.escalated_on, pr.escalated_by, h.code, h.name, c.code,"
        " c.name, mt.date, mt.kind, mi.decision, lc.code, lc.name, mi.due FROM meeting_items mi"
        " JOIN meetings mt ON mt.id = mi.meeting_id JOIN problems pr ON pr.id = mi.problem_id"
        " JOIN visits v ON v.id = pr.visit_id JOIN pairings p ON p.id = v.pairing_id"
        " JOIN households h ON h.id = p.household_id JOIN cadres c ON c.id = p.cadre_id"
        " LEFT JOIN cadres lc ON lc.id = mi.leader_id"
        f" WHERE mt.date <= :day AND mi.due < :day AND {_OPEN} ORDER BY mi.due, pr.id",
        {"day": as_of.isoformat()},
    ):
        yield {
            **dict(zip(_COLUMNS, r[:9])),
            "meeting": r[9],
            "meeting_kind": r[10],
            "decision": r[11],
            "leader": r[12],
            "leader_name": r[13],
            "due": r[14],
            "days_overdue": (as_of - dt.date.fromisoformat(r[14])).days,
        }


def found(result: dict[str, Any]) -> bool:
    return bool(result["not_studied"] or result["decision_overdue"])


def public(result: dict[str, Any]) -> dict[str, Any]:
    return result


def sections(result: dict[str, Any]) -> list[Section]:
    return [
        Section(
            _("Escalated problems not studied at a meeting (as of {as_of})").format(**result),
            ("problem_id", "household", "household_name", "problem", "escalated_on", "days_since_escalated"),
            result["not_studied"],
            (N_("problem"), N_("household"), N_("name"), N_("problem text"), N_("escalated"), N_("days")),
        ),
        Section(
            _("Decisions past their deadline (as of {as_of})").format(**result),
            ("problem_id", "household", "problem", "meeting", "decision", "leader", "due", "days_overdue"),
            result["decision_overdue"],
            (
                N_("problem"),
                N_("household"),
                N_("problem text"),
                N_("meeting"),
                N_("decision"),
                N_("leader"),
                N_("deadline"),
                N_("days overdue"),
            ),
        ),
    ]


CSV_COLUMNS = (
    "finding",
    "problem_id",
    "household",
    "household_name",
    "problem",
    "escalated_on",
    "meeting",
    "decision",
    "leader",
    "due",
)


def csv_rows(result: dict[str, Any]) -> tuple[tuple[str, ...], Iterator[dict[str, Any]]]:
    """One row per finding, made as the findings are read."""

    def rows() -> Iterator[dict[str, Any]]:
        yield from ({**r, "finding": "not_studied"} for r in result["not_studied"])
        yield from ({**r, "finding": "decision_overdue"} for r in result["decision_overdue"])

    return CSV_COLUMNS, rows()
