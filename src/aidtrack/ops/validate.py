"""The one validator per record kind, shared by `add`, `edit`, every import format and the status marks.

`validate(kind, data, refs, today)` takes a record in its public shape (the `add` command's field
names; values as text from the CLI or a CSV, or typed from JSON) and returns the row to store plus
every error found in it, so that an import reports all of a file's mistakes at once and a CLI call
the first. The fields' own limits come from the registry (kinds.py); the rules between fields and
records (a date not before enrolment, one pairing at a time) are the `_rules_*` functions below,
and nowhere else (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import parse
from ..i18n import _
from ..kinds import REGISTRY, Field, Kind
from ..model import AidtrackError, month_of
from .refs import Ambiguous, Refs


@dataclass
class Checked:
    row: dict[str, Any]
    errors: list[AidtrackError] = field(default_factory=list)

    def raise_first(self) -> dict[str, Any]:
        if self.errors:
            raise self.errors[0]
        return self.row


#: JSON types a field of each type accepts besides text (a CLI and a CSV always give text).
_TYPED: dict[str, tuple[type, ...]] = {
    "int": (int,), "money": (int, float), "flag": (bool, int), "tags": (list, tuple), "date": (dt.date,),
}


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

    def fail(self, name: str, value: Any, message: str) -> None:
        self.errors.append(AidtrackError(name, value, message))

    def attempt(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except AidtrackError as e:
            self.errors.append(e)
            return None


def _tags(value: Any, field: str) -> str:
    items = value if isinstance(value, (list, tuple)) else str(value).replace("，", ",").split(",")
    tags = []
    for item in items:
        if not isinstance(item, str):
            raise AidtrackError(field, item, _("must be text"))
        tag = parse.text(item, field, max_len=40)
        if tag and tag not in tags:
            tags.append(tag)
    return ",".join(tags)


def _read(f: _Fields, spec: Field, refs: Refs, today: dt.date) -> Any:
    """One field parsed by its declared type and limits; None (and an error kept) when it is wrong."""
    name = spec.name
    value = f.raw(name)
    if value is None:
        if spec.required:
            f.fail(name, "", _("is required"))
            return None
        if spec.default == "today":
            return today.isoformat() if spec.type == "date" else None
        return spec.default
    if value.__class__ is not str and not (isinstance(value, _TYPED.get(spec.type, ()))
                                           and not (isinstance(value, bool) and spec.type != "flag")):
        f.fail(name, value, _("must be text") if spec.type in ("text", "ref") else
               _("has the wrong type ({type}) for this field").format(type=type(value).__name__))
        return None
    try:
        kind = spec.type
        if kind == "text":
            return parse.text(value, name, max_len=spec.max_len)
        if kind == "ref":
            return refs.find(spec.ref or name, value, name)
        if kind == "date":
            day = parse.date(value, name, today=today)
            if spec.not_future and day > today:
                raise AidtrackError(name, day.isoformat(), _("is after today ({today})").format(today=today))
            return day.isoformat()
        if kind == "month":
            month = parse.month(value, name)
            if spec.not_future and month > month_of(today):
                raise AidtrackError(name, month, _("is after this month"))
            return month
        if kind == "enum":
            return parse.choice(value, spec.choices, name)
        if kind == "money":
            return parse.money(value, name)
        if kind == "int":
            return parse.integer(value, name, minimum=spec.minimum)
        if kind == "flag":
            return int(parse.flag(value, name))
        if kind == "tags":
            return _tags(value, name) or None
        raise AssertionError(kind)
    except AidtrackError as e:
        f.errors.append(e)
        return None


def validate(kind: str, data: Mapping[str, Any], refs: Refs, today: dt.date) -> Checked:
    """The stored row of one record and every error in it: the only way into a kind's table."""
    k = REGISTRY[kind]
    f = _Fields(data)
    values = {spec.name: _read(f, spec, refs, today) for spec in k.fields}
    row = {spec.column: values[spec.name] for spec in k.fields if spec.column}
    _RULES[kind](k, values, row, f, refs, data)
    return Checked(row, f.errors)


# --- the rules between fields and records, one function per kind ---------------------------------

def enrolment_error(field: str, day: str, enrolled: str, code: str) -> AidtrackError:
    """A record dated before its household's enrolment: says how to move the enrolment."""
    return AidtrackError(field, day, _(
        "is before {code} was enrolled ({enrolled}); to record earlier history, move the enrolment"
        " first: aidtrack household edit {code} --enrolled {day}").format(
            code=code, enrolled=enrolled, day=day))


def _not_before_enrolment(f: _Fields, refs: Refs, hid: int | None, field: str, day: str | None) -> None:
    """The household's history starts at its enrolment: no status, pairing, visit or aid before it."""
    if hid is None or day is None:
        return
    enrolled = refs.enrolled(hid)
    if enrolled is not None and day < enrolled:
        f.errors.append(enrolment_error(field, day, enrolled, refs.code("household", hid)))


def _rules_cadres(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    pass


def _rules_households(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    row["enrolled"] = v["enrolled"]
    if v["born"] and v["enrolled"] and v["enrolled"] < v["born"]:
        f.fail("enrolled", v["enrolled"], _("is before the head was born ({born})").format(born=v["born"]))
    number = v["id_number"]
    if number:
        owner = refs.id_number_owner(number)
        if owner is not None and owner[0] != data.get("id") and owner[1] != (v["code"] or data.get("code")):
            f.fail("id_number", number, _("is already the ID number of household {code}").format(
                code=owner[1]))


def _rules_statuses(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    _not_before_enrolment(f, refs, v["household"], "date", v["date"])


def _rules_pairings(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """One pairing at a time; a household's first pairing may move its enrolment back (docs/rules.md)."""
    since, until, hid = v["since"], v["until"], v["household"]
    if since and until and until < since:
        f.fail("until", until, _("is before since ({since})").format(since=since))
        return
    if hid is None or not since:
        return
    others = [p for p in refs.pairings_of(hid) if p[2] != data.get("id")]
    enrolled = refs.enrolled(hid)
    if enrolled is not None and since < enrolled:
        if others:
            f.errors.append(enrolment_error("since", since, enrolled, refs.code("household", hid)))
            return
        # The household's first pairing: help began then, so its enrolment moves back with it.
        row["enrolled"] = since
    for p_since, p_until, _pid, _cadre in others:
        if p_since <= (until or "9999") and since <= (p_until or "9999"):
            f.fail("since", since, _("overlaps the household's pairing from {since} to {until}"
                                     " (one helps one: end it first with `pair end`)").format(
                                         since=p_since, until=p_until or _("now")))
            return


def _rules_visits(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    hid, day, cadre_id = v["household"], v["date"], v["cadre"]
    row["pairing_id"] = None
    if hid is None or day is None:
        return
    found = f.attempt(lambda: refs.pairing_on(hid, day))
    if found:
        row["pairing_id"], paired_cadre = found
        if cadre_id is not None and cadre_id != paired_cadre:
            f.fail("cadre", data.get("cadre"), _("is not the household's paired cadre on {day}").format(day=day))


def _rules_problems(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    hid, day = v["household"], v["date"]
    if v["resolved_on"] and day and v["resolved_on"] < day:
        f.fail("resolved_on", v["resolved_on"], _("is before the visit ({day})").format(day=day))
    row["visit_id"] = None
    if hid is not None and day is not None:
        row["visit_id"] = f.attempt(lambda: refs.visit_on(hid, day, v["kind"]))
    # An escalation has its own date (ageing counts from it): the visit's day unless given.
    if v["escalated_on"] and not v["escalated"]:
        row["escalated"] = 1
    if row["escalated"]:
        row["escalated_on"] = v["escalated_on"] or day
        if day and row["escalated_on"] < day:
            f.fail("escalated_on", row["escalated_on"], _("is before the visit ({day})").format(day=day))
    else:
        row["escalated_on"] = row["escalated_by"] = None


def _rules_income(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """Income before enrolment is allowed: it is the household's baseline."""
    if row["source"] is None:
        row["source"] = ""


def _rules_aid(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    _not_before_enrolment(f, refs, v["household"], "date", v["date"])
    row["giver_cadre_id"], row["giver"] = f.attempt(lambda: resolve_giver(refs, v["giver"])) or (None, None)


def _rules_members(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """A member's spans run forwards; a member may have joined before enrolment (born into it)."""
    for start, end in (("joined", "left_on"), ("work_from", "work_to"), ("dibao_from", "dibao_to")):
        if v[start] and v[end] and v[end] < v[start]:
            f.fail(end, v[end], _("is before {field} ({day})").format(field=start, day=v[start]))
    if v["born"] and v["joined"] and v["joined"] < v["born"]:
        f.fail("joined", v["joined"], _("is before the member was born ({born})").format(born=v["born"]))


def _rules_meetings(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    pass


def _rules_meeting_items(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """A problem studied at a meeting: the meeting exists, the problem was escalated by then."""
    row["meeting_id"] = row["problem_id"] = None
    day, kind = v["meeting_date"], v["meeting_kind"] or "committee"
    if day:
        found = refs.db.execute("SELECT id FROM meetings WHERE date = ? AND kind = ?", [day, kind]).fetchone()
        if found is None:
            f.fail("meeting_date", day, _("no {kind} meeting is recorded on this day: add it first with"
                                          " `aidtrack meeting add {day}`").format(kind=kind, day=day))
        else:
            row["meeting_id"] = found[0]
    if v["due"] and day and v["due"] < day:
        f.fail("due", v["due"], _("is before the meeting ({day})").format(day=day))
    hid, visit_day, text = v["household"], v["date"], v["problem"]
    if hid is None or visit_day is None or text is None:
        return
    hit = refs.db.execute(
        "SELECT pr.id, pr.escalated_on FROM problems pr JOIN visits v ON v.id = pr.visit_id"
        " JOIN pairings p ON p.id = v.pairing_id WHERE p.household_id = ? AND v.date = ? AND pr.problem = ?"
        " ORDER BY pr.id LIMIT 1", [hid, visit_day, text]).fetchone()
    if hit is None:
        f.fail("problem", text, _("no such problem was raised at a visit to this household on {day}").format(
            day=visit_day))
        return
    row["problem_id"], escalated_on = hit
    if escalated_on is None:
        f.fail("problem", text, _("was not escalated: escalate it first with"
                                  " `aidtrack problem escalate {id}`").format(id=hit[0]))
    elif day and day < escalated_on:
        f.fail("meeting_date", day, _("is before the problem was escalated ({day})").format(day=escalated_on))


def resolve_giver(refs: Refs, text: str | None) -> tuple[int | None, str | None]:
    """A cadre by code or unique name; anything else (the unit, a drive) is kept as text."""
    if text is None:
        return None, None
    try:
        return refs.cadre(text, "giver"), None
    except Ambiguous:
        raise
    except AidtrackError:
        return None, text


_RULES: dict[str, Callable[[Kind, dict, dict, _Fields, Refs, Mapping], None]] = {
    name: globals()[f"_rules_{name}"] for name in REGISTRY
}
