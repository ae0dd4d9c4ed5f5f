"""One validator per record kind, shared by the `add`/`edit` commands and the importer.

A validator takes the record in its public shape (the `add` command's field names, values as text
or as typed) and returns the row to store plus every error found in it, so that an import can
report all of a file's mistakes at once and a CLI call the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import parse
from ..i18n import _
from ..model import (
    AID_KINDS,
    EVENTS,
    GENDERS,
    LIVELIHOODS,
    STATUSES,
    VISIT_KINDS,
    AidtrackError,
)
from .refs import Ambiguous, Refs

#: Public field names per kind, in file-column order: the `add` commands' names.
FIELDS: dict[str, tuple[str, ...]] = {
    "cadres": ("code", "name", "unit", "title", "phone"),
    "households": (
        "code", "name", "members", "address", "employer", "livelihood", "born", "gender",
        "phone", "id_number", "tags", "enrolled",
    ),
    "statuses": ("household", "status", "date", "reason"),
    "pairings": ("cadre", "household", "since", "until"),
    "visits": ("household", "cadre", "date", "kind", "situation", "solved", "event"),
    "problems": ("household", "date", "kind", "problem", "escalated", "resolved_on", "resolution"),
    "income": ("household", "month", "amount", "source"),
    "aid": ("household", "date", "kind", "value", "giver", "note"),
}

#: The natural key of each kind, in stored column names: how an import knows a row it has seen.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "cadres": ("code",),
    "households": ("code",),
    "statuses": ("household_id", "status", "date"),
    "pairings": ("cadre_id", "household_id", "since"),
    "visits": ("pairing_id", "date", "kind"),
    "problems": ("visit_id", "problem"),
    "income": ("household_id", "month", "source"),
    "aid": ("household_id", "date", "kind", "value", "giver_cadre_id", "giver"),
}


@dataclass
class Checked:
    row: dict[str, Any]
    errors: list[AidtrackError] = field(default_factory=list)

    def raise_first(self) -> dict[str, Any]:
        if self.errors:
            raise self.errors[0]
        return self.row


class _Fields:
    """Reads fields of one input record, collecting errors instead of stopping at the first."""

    def __init__(self, data: Mapping[str, Any]):
        self.data = data
        self.errors: list[AidtrackError] = []

    def raw(self, name: str) -> Any:
        value = self.data.get(name)
        if value.__class__ is str:  # the common case, a million times an import: kept cheap
            return value.strip() or None
        return None if value == "" else value

    def get(self, name: str, parser: Callable[..., Any], *args: Any, required: bool = False,
            default: Any = None, **kw: Any) -> Any:
        value = self.raw(name)
        if value is None:
            if required:
                self.errors.append(AidtrackError(name, "", _("is required")))
            return default
        try:
            return parser(value, *args, field=name, **kw)
        except AidtrackError as e:
            self.errors.append(e)
            return None

    def text(self, name: str, required: bool = False, max_len: int = 10_000) -> str | None:
        try:
            return parse.text(self.raw(name), name, required=required, max_len=max_len)
        except AidtrackError as e:
            self.errors.append(e)
            return None

    def attempt(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except AidtrackError as e:
            self.errors.append(e)
            return None


def _not_future(f: _Fields, name: str, day: dt.date | None, today: dt.date) -> None:
    if day is not None and day > today:
        f.errors.append(AidtrackError(name, day.isoformat(),
                                      _("is after today ({today})").format(today=today)))


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _tags(value: Any, field: str) -> str:
    items = value if isinstance(value, (list, tuple)) else str(value).replace("，", ",").split(",")
    tags = []
    for item in items:
        tag = parse.text(str(item), field, max_len=40)
        if tag and tag not in tags:
            tags.append(tag)
    return ",".join(tags)


def check_cadre(data: Mapping[str, Any], refs: Refs, today: dt.date) -> Checked:
    f = _Fields(data)
    row = {
        "code": f.text("code", max_len=64),
        "name": f.text("name", required=True, max_len=100),
        "unit": f.text("unit", max_len=200),
        "title": f.text("title", max_len=100),
        "phone": f.text("phone", max_len=40),
    }
    return Checked(row, f.errors)


def check_household(data: Mapping[str, Any], refs: Refs, today: dt.date) -> Checked:
    f = _Fields(data)
    born = f.get("born", parse.date)
    enrolled = f.get("enrolled", parse.date, today=today, default=today)
    _not_future(f, "born", born, today)
    _not_future(f, "enrolled", enrolled, today)
    row = {
        "code": f.text("code", max_len=64),
        "name": f.text("name", required=True, max_len=100),
        "members": f.get("members", parse.integer, minimum=1, default=1),
        "address": f.text("address", max_len=500),
        "employer": f.text("employer", max_len=200),
        "livelihood": f.get("livelihood", parse.choice, LIVELIHOODS),
        "born": _iso(born),
        "gender": f.get("gender", parse.choice, GENDERS),
        "phone": f.text("phone", max_len=40),
        "id_number": f.text("id_number", max_len=40),
        "tags": f.get("tags", _tags) or None,
        "enrolled": _iso(enrolled),
    }
    return Checked(row, f.errors)


def check_status(data: Mapping[str, Any], refs: Refs, today: dt.date) -> Checked:
    f = _Fields(data)
    day = f.get("date", parse.date, today=today, default=today)
    _not_future(f, "date", day, today)
    row = {
        "household_id": f.get("household", refs.household, required=True),
        "status": f.get("status", parse.choice, STATUSES, required=True),
        "date": _iso(day),
        "reason": f.text("reason", max_len=1000),
    }
    return Checked(row, f.errors)


def check_pairing(data: Mapping[str, Any], refs: Refs, today: dt.date) -> Checked:
    f = _Fields(data)
    since = f.get("since", parse.date, today=today, default=today)
    until = f.get("until", parse.date, today=today)
    if since and until and until < since:
        f.errors.append(AidtrackError("until", until.isoformat(),
                                      _("is before since ({since})").format(since=since)))
    row = {
        "cadre_id": f.get("cadre", refs.cadre, required=True),
        "household_id": f.get("household", refs.household, required=True),
        "since": _iso(since),
        "until": _iso(until),
    }
    if row["household_id"] is not None and since and not (until and until < since):
        for p_since, p_until, pid, _cadre in refs.pairings_of(row["household_id"]):
            if pid == data.get("id"):
                continue
            if p_since <= (row["until"] or "9999") and row["since"] <= (p_until or "9999"):
                f.errors.append(AidtrackError(
                    "since", row["since"],
                    _("overlaps the household's pairing from {since} to {until}"
                      " (one helps one: end it first with `pair end`)").format(
                          since=p_since, until=p_until or _("now"))))
                break
    return Checked(row, f.errors)


def check_visit(data: Mapping[str, Any], refs: Refs, today: dt.date) -> Checked:
    f = _Fields(data)
    hid = f.get("household", refs.household, required=True)
    day = f.get("date", parse.date, today=today, default=today)
    _not_future(f, "date", day, today)
    cadre_id = f.get("cadre", refs.cadre)
    pairing_id = None
    if hid is not None and day is not None:
        found = f.attempt(lambda: refs.pairing_on(hid, day))
        if found:
            pairing_id, paired_cadre = found
            if cadre_id is not None and cadre_id != paired_cadre:
                f.errors.append(AidtrackError(
                    "cadre", data.get("cadre"),
                    _("is not the household's paired cadre on {day}").format(day=day)))
    row = {
        "pairing_id": pairing_id,
        "date": _iso(day),
        "kind": f.get("kind", parse.choice, VISIT_KINDS, default="regular"),
        "situation": f.text("situation"),
        "solved": f.text("solved"),
        "event": f.get("event", parse.choice, EVENTS),
    }
    return Checked(row, f.errors)


def check_problem(data: Mapping[str, Any], refs: Refs, today: dt.date) -> Checked:
    """A problem raised at a visit, found by household, date and (where several) visit kind."""
    f = _Fields(data)
    hid = f.get("household", refs.household, required=True)
    day = f.get("date", parse.date, today=today, required=True)
    kind = f.get("kind", parse.choice, VISIT_KINDS)
    resolved_on = f.get("resolved_on", parse.date, today=today)
    _not_future(f, "resolved_on", resolved_on, today)
    if resolved_on and day and resolved_on < day:
        f.errors.append(AidtrackError("resolved_on", str(resolved_on),
                                      _("is before the visit ({day})").format(day=day)))
    visit_id = None
    if hid is not None and day is not None:
        visit_id = f.attempt(lambda: find_visit(refs, hid, day.isoformat(), kind))
    row = {
        "visit_id": visit_id,
        "problem": f.text("problem", required=True),
        "escalated": int(bool(f.get("escalated", parse.flag, default=False))),
        "resolved_on": _iso(resolved_on),
        "resolution": f.text("resolution"),
    }
    return Checked(row, f.errors)


def find_visit(refs: Refs, household_id: int, day: str, kind: str | None) -> int:
    sql = (
        "SELECT v.id FROM visits v JOIN pairings p ON p.id = v.pairing_id"
        " WHERE p.household_id = ? AND v.date = ?"
    )
    args: list[Any] = [household_id, day]
    if kind:
        sql += " AND v.kind = ?"
        args.append(kind)
    rows = refs.db.execute(sql, args).fetchall()
    if len(rows) == 1:
        return rows[0][0]
    if not rows:
        raise AidtrackError("date", day, _("no visit to this household on that day"))
    raise AidtrackError("kind", kind or "", _("several visits that day: give the visit kind"))


def check_income(data: Mapping[str, Any], refs: Refs, today: dt.date) -> Checked:
    f = _Fields(data)
    month = f.get("month", parse.month, required=True)
    if month and month > f"{today.year:04d}-{today.month:02d}":
        f.errors.append(AidtrackError("month", month, _("is after this month")))
    row = {
        "household_id": f.get("household", refs.household, required=True),
        "month": month,
        "source": f.text("source", max_len=200) or "",
        "amount": f.get("amount", parse.money, required=True),
    }
    return Checked(row, f.errors)


def check_aid(data: Mapping[str, Any], refs: Refs, today: dt.date) -> Checked:
    f = _Fields(data)
    day = f.get("date", parse.date, today=today, default=today)
    _not_future(f, "date", day, today)
    giver_cadre_id, giver = f.attempt(lambda: resolve_giver(refs, f.raw("giver"))) or (None, None)
    row = {
        "household_id": f.get("household", refs.household, required=True),
        "date": _iso(day),
        "kind": f.get("kind", parse.choice, AID_KINDS, required=True),
        "value": f.get("value", parse.money, required=True),
        "giver_cadre_id": giver_cadre_id,
        "giver": giver,
        "note": f.text("note"),
    }
    return Checked(row, f.errors)


def resolve_giver(refs: Refs, ref: Any) -> tuple[int | None, str | None]:
    """A cadre by code or unique name; anything else (the unit, a drive) is kept as text."""
    text = parse.text(ref, "giver", max_len=200)
    if text is None:
        return None, None
    try:
        return refs.cadre(text, "giver"), None
    except Ambiguous:
        raise
    except AidtrackError:
        return None, text


CHECKERS: dict[str, Callable[[Mapping[str, Any], Refs, dt.date], Checked]] = {
    "cadres": check_cadre,
    "households": check_household,
    "statuses": check_status,
    "pairings": check_pairing,
    "visits": check_visit,
    "problems": check_problem,
    "income": check_income,
    "aid": check_aid,
}
