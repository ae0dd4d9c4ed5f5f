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
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ... import parse
from ...i18n import _
from ...kinds import REGISTRY, Field, Kind
from ...model import DECISION_STATUS, AidtrackError, format_yuan, month_of
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
    "int": (int,),
    "money": (int, float),
    "flag": (bool, int),
    "tags": (list, tuple),
    "date": (dt.date,),
}


class _Fields:
    """Reads fields of one input record, collecting errors instead of stopping at the first."""

    def __init__(self, data: Mapping[str, Any], today: dt.date | None = None):
        self.data = data
        self.errors: list[AidtrackError] = []
        #: The day the record is checked on (the rules that spare history dated long enough ago).
        self.today = today or dt.date.today()

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


def _typed_ok(value: Any, type_: str) -> bool:
    """A JSON value of a type the field takes besides text (a bool is a flag, never a number)."""
    return isinstance(value, _TYPED.get(type_, ())) and not (isinstance(value, bool) and type_ != "flag")


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
    if value.__class__ is not str and not _typed_ok(value, spec.type):
        f.fail(
            name,
            value,
            _("must be text")
            if spec.type in ("text", "ref")
            else _("has the wrong type ({type}) for this field").format(type=type(value).__name__),
        )
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
        if kind == "idnumber":
            return parse.id_number(value, name, today=today)
        raise AssertionError(kind)
    except AidtrackError as e:
        f.errors.append(e)
        return None


def validate(kind: str, data: Mapping[str, Any], refs: Refs, today: dt.date) -> Checked:
    """The stored row of one record and every error in it: the only way into a kind's table."""
    k = REGISTRY[kind]
    fields = _fields_of(kind)
    f = _Fields(data, today)
    values = {spec.name: _read(f, spec, refs, today) for spec in fields}
    row = {spec.column: values[spec.name] for spec in fields if spec.column}
    _RULES.get(kind, _no_rules)(k, values, row, f, refs, data)
    return Checked(row, f.errors)


#: Marks a value not (yet) in a field's cache, or not read without an error.
_MISS = object()
#: Distinct texts a field's cache holds before it starts over: memory stays flat on any file.
_CACHE_MAX = 1 << 15


def _read_one(spec: Field, value: str, refs: Refs, today: dt.date) -> Any:
    """One field's text read by the full path: its value, or _MISS if that found an error."""
    f = _Fields({spec.name: value})
    got = _read(f, spec, refs, today)
    return _MISS if f.errors else got


def validator(kind: str, refs: Refs, today: dt.date) -> Callable[[Mapping[str, Any]], Checked]:
    """`validate` bound to one kind, its references and the day: what an import calls per row.

    The same validation (the same `_read`, the same `_rules_*`), with a fast path for what repeats in
    a file: each field's text is looked up in a cache of what `_read` returned for that same text
    earlier in the file without an error (a date, a choice, a household's code: a few thousand
    distinct texts among a million rows); free text is stripped and checked inline. A value not in
    the cache is read by `_read` (and cached if it had no error); a row holding any value that is not
    text (JSON types), or that `_read` refuses, is validated whole by `validate`, so that its errors
    are exactly the full path's. Resolved references are forgotten when the references change
    (Refs.generation); a reference is only cached against preloaded references (an import).
    """
    if not refs.preloaded:
        slow = partial(_validate_data, kind, refs, today)
        slow.prefetch = lambda records: None  # type: ignore[attr-defined]
        return slow
    k = REGISTRY[kind]
    kind_rules = _RULES.get(kind, _no_rules)
    plan: list[tuple[str, bool, int, dict[Any, Any], Field]] = [
        (spec.name, spec.type == "text", spec.max_len, {}, spec) for spec in _fields_of(kind)
    ]
    by_name = {name: (cache, spec) for name, _t, _m, cache, spec in plan}
    ref_caches = [cache for _n, _t, _m, cache, spec in plan if spec.type == "ref"]
    stored = [(spec.column, spec.name) for spec in _fields_of(kind) if spec.column]
    generation = refs.generation

    def current() -> None:
        nonlocal generation
        if refs.generation != generation:
            generation = refs.generation
            for cache in ref_caches:
                cache.clear()

    def read(name: str, value: Any) -> Any:
        """One (not free text) field's value as `check` reads it, or _MISS where `_read` refuses it."""
        current()
        cache, spec = by_name[name]
        if value.__class__ is not str:
            if value is not None:
                return _MISS
            value = ""
        got = cache.get(value, _MISS)
        if got is _MISS:
            got = _read_one(spec, value, refs, today)
            if got is not _MISS:
                if len(cache) >= _CACHE_MAX:
                    cache.clear()
                cache[value] = got
        return got

    def check(data: Mapping[str, Any]) -> Checked:
        current()
        get = data.get
        values: dict[str, Any] = {}
        for name, text, max_len, cache, spec in plan:
            value = get(name)
            if value.__class__ is not str:
                if value is not None:  # a typed JSON value: the full path
                    return validate(kind, data, refs, today)
                value = ""  # a column the file leaves out reads as empty
            got = cache.get(value, _MISS)
            if got is _MISS:
                t = value.strip() if text else None
                if t and len(t) <= max_len and t.isprintable():
                    got = t  # free text, well formed: not cached (it rarely repeats)
                else:
                    got = _read_one(spec, value, refs, today)
                    if got is _MISS:
                        return validate(kind, data, refs, today)
                    if text and t:
                        values[name] = got
                        continue
                    if len(cache) >= _CACHE_MAX:
                        cache.clear()
                    cache[value] = got
            values[name] = got
        row = {column: values[name] for column, name in stored}
        f = _Fields(data, today)
        kind_rules(k, values, row, f, refs, data)
        return Checked(row, f.errors)

    def prefetch(records: list[Mapping[str, Any]]) -> None:
        """Look up set-based what the rules of this batch of rows will ask (see prefetches)."""
        if kind in _PREFETCH:
            _PREFETCH[kind](refs, read, records)

    check.prefetch = prefetch  # type: ignore[attr-defined]
    return check


def _validate_data(kind: str, refs: Refs, today: dt.date, data: Mapping[str, Any]) -> Checked:
    return validate(kind, data, refs, today)


# --- the rules between fields and records, one function per kind ---------------------------------

Rules = Callable[[Kind, dict, dict, "_Fields", Refs, Mapping], None]

#: Each kind's rules, registered by `@rules(kind)` beside them; a kind without any has none to run.
_RULES: dict[str, Rules] = {}
#: Kinds whose rules look records up by what a row says: an import looks a batch of rows up
#: set-based first (validator(...).prefetch), so that the rule finds the answer in memory.
_PREFETCH: dict[str, Callable[[Refs, Callable[[str, Any], Any], list[Mapping[str, Any]]], None]] = {}


def _no_rules(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """A kind whose fields' own limits are all its rules."""


def rules(kind: str) -> Callable[[Rules], Rules]:
    """Register the function below as KIND's rules (a date not before enrolment, one at a time …)."""

    def register(fn: Rules) -> Rules:
        assert kind not in _RULES, kind
        _RULES[kind] = fn
        return fn

    return register


def prefetcher(kind: str) -> Callable[[Callable], Callable]:
    """Register the function below as what an import looks up set-based for a batch of KIND."""

    def register(fn: Callable) -> Callable:
        _PREFETCH[kind] = fn
        return fn

    return register


def enrolment_error(field: str, day: str, enrolled: str, code: str) -> AidtrackError:
    """A record dated before its household's enrolment: says how to move the enrolment."""
    return AidtrackError(
        field,
        day,
        _(
            "is before {code} was enrolled ({enrolled}); to record earlier history, move the enrolment"
            " first: aidtrack household edit {code} --enrolled {day}"
        ).format(code=code, enrolled=enrolled, day=day),
    )


def _not_before_enrolment(f: _Fields, refs: Refs, hid: int | None, field: str, day: str | None) -> None:
    """The household's history starts at its enrolment: no status, pairing, visit or aid before it."""
    if hid is None or day is None:
        return
    enrolled = refs.enrolled(hid)
    if enrolled is not None and day < enrolled:
        f.errors.append(enrolment_error(field, day, enrolled, refs.code("household", hid)))


def _id_number(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """A household's or member's ID number: the 15-digit number typed kept beside its upgrade, and an
    invalid number stored as typed where the policy `id_check` is 0 (a unit back-filling old paper;
    `check ids` lists it, the add warns)."""
    raw = data.get("id_number")
    typed = parse.normalise(raw).replace(" ", "").upper() if isinstance(raw, str) else None
    if v["id_number"] and typed and len(typed) == 15:
        row["id_number_original"] = typed
    if (
        typed
        and any(e.field == "id_number" for e in f.errors)
        and (not refs.id_check_refuses() or _stored_id_number(k, refs, data) == raw)
    ):  # an edit of a record keeps the number stored before the check (check ids lists it)
        f.errors = [e for e in f.errors if e.field != "id_number"]
        v["id_number"] = row["id_number"] = typed


def _stored_id_number(k: Kind, refs: Refs, data: Mapping) -> str | None:
    if not data.get("id"):
        return None
    found = refs.db.execute(f"SELECT id_number FROM {k.table} WHERE id = ?", [data["id"]]).fetchone()
    return found[0] if found else None


#: What `--enrolled` says for a household recorded but never enrolled (monitored as marginal).
NOT_ENROLLED = ("none", "未纳入")


@rules("households")
def _rules_households(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    if str(data.get("enrolled") or "").strip().lower() in NOT_ENROLLED and not data.get("id"):
        # Recorded, never enrolled: no first status (docs/monitoring.md). Only when adding.
        f.errors = [e for e in f.errors if e.field != "enrolled"]
        v["enrolled"] = None
    row["enrolled"] = v["enrolled"]
    _evidence(v, row, f, ("location",))
    _id_number(k, v, row, f, refs, data)
    if v["born"] and v["enrolled"] and v["enrolled"] < v["born"]:
        f.fail("enrolled", v["enrolled"], _("is before the head was born ({born})").format(born=v["born"]))
    number = v["id_number"]
    if number:
        owner = refs.id_number_owner(number)
        if owner is not None and owner[0] != data.get("id") and owner[1] != (v["code"] or data.get("code")):
            f.fail(
                "id_number", number, _("is already the ID number of household {code}").format(code=owner[1])
            )


#: A decision dated this many days or more before today is history typed from paper: a rule it
#: breaks is a warning (ops/rules/slips.py), not a refusal (docs/rules.md "Decisions").
HISTORY_DAYS = 90


def is_history(day: str, today: dt.date) -> bool:
    return day < (today - dt.timedelta(days=HISTORY_DAYS)).isoformat()


def prosper_refusal(refs: Refs, hid: int, day: str) -> str | None:
    """Why 致富 (prosperous) does not hold for a household on a day, with the way through; None if it holds."""
    from .facts import prosper_test

    t = prosper_test(refs.db, hid, day)
    if t["ok"]:
        return None
    code = refs.code("household", hid)
    if t["months"] < t["need"]:
        return _(
            "needs {need} recorded months of income up to {last} for 致富 ({code} has {n}); record the"
            " income, or give --reason saying why it is prosperous otherwise"
        ).format(need=t["need"], last=t["last"], code=code, n=t["months"])
    return _(
        "needs income per person of at least {ratio}% of the poverty line ({required}) over {first} to"
        " {last} for 致富; {code} had {got}: give --reason saying why it is prosperous otherwise"
    ).format(
        ratio=t["ratio"],
        required=format_yuan(t["required"]),
        first=t["first"],
        last=t["last"],
        code=code,
        got=format_yuan(t["per_person"]),
    )


def exit_refusal(refs: Refs, hid: int, day: str) -> str | None:
    """Why 脱贫 (exited) does not hold for a household on a day (facts.exit_runs); None if it holds."""
    from .facts import exit_runs, last_ended_month
    from .policy import Policy

    policy = Policy(refs.db)
    need = policy.value("exit_months", day)
    run = exit_runs(refs.db, day, [hid])[hid]
    if len(run) >= need:
        return None
    return _(
        "needs income per person {above} the poverty line in {need} consecutive months up to {last} for"
        " 脱贫 ({code} has {n}; see `aidtrack check exits`); or give --reason saying why it exited otherwise"
    ).format(
        above=_("at or above") if policy.value("exit_at_line", day) else _("above"),
        need=need,
        last=last_ended_month(day),
        code=refs.code("household", hid),
        n=len(run),
    )


#: The statuses whose rule reads the household's income, and the function saying why it fails.
_DECISION_RULES: dict[str, Callable[[Refs, int, str], str | None]] = {
    "prosperous": prosper_refusal,
    "exited": exit_refusal,
}


def decision_refusal(refs: Refs, row: Mapping[str, Any], today: dt.date) -> AidtrackError | None:
    """A status decided now (`household status --set`, a check's marks, a decision's approval):
    致富 and 脱贫 need the income (or a reason) unless the status is history dated HISTORY_DAYS or
    more ago (then ops/rules/slips.py warns). An import restates history and is not refused: a bundle
    imports statuses before the income that supports them (docs/rules.md "Decisions")."""
    rule = _DECISION_RULES.get(row.get("status") or "")
    if rule is None or row.get("reason") or is_history(row["date"], today):
        return None
    why = rule(refs, row["household_id"], row["date"])
    return AidtrackError("status", row["status"], why) if why else None


@rules("statuses")
def _rules_statuses(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """On or after `cases_from` a status is written by an approved case only (docs/decisions.md):
    a file restating one is linked to its case (same household, decision and day); before that day a
    status is history recorded without a case, as the paper says."""
    hid, day = v["household"], v["date"]
    _not_before_enrolment(f, refs, hid, "date", day)
    given = data.get("case_id")
    row["case_id"] = given if type(given) is int else None
    if row["case_id"] is not None or hid is None or day is None or v["status"] is None:
        return
    decision = next((d for d, st in DECISION_STATUS.items() if st == v["status"]), "enrol")
    # a restated status is linked to the approved case that wrote it, whatever its date
    row["case_id"] = _approved_case(refs, hid, day, (decision, "rollback"))
    if row["case_id"] is not None or day < refs.cases_from():
        return
    f.fail(
        "status",
        v["status"],
        _(
            "is a decision from {since} on: it is written when its case is approved; open the case with"
            " `aidtrack case open {code} {decision}`"
        ).format(since=refs.cases_from(), code=refs.code("household", hid), decision=decision),
    )


def _approved_case(refs: Refs, hid: int, day: str, decisions: tuple[str, ...], category: str | None = None):
    """The approved case of these decisions that took effect on this day, if any."""
    marks = ", ".join("?" * len(decisions))
    hit = refs.db.execute(
        f"SELECT id FROM cases WHERE household_id = ? AND outcome = 'approved' AND decision IN ({marks})"
        " AND coalesce(effective, decided_on) = ? AND (? IS NULL OR category IS NULL OR category = ?)"
        " ORDER BY id DESC LIMIT 1",
        [hid, *decisions, day, category, category],
    ).fetchone()
    return hit[0] if hit else None


@rules("pairings")
def _rules_pairings(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """One pairing at a time; a household's first pairing may move its enrolment back (docs/rules.md)."""
    since, until, hid = v["since"], v["until"], v["household"]
    if since and until and until < since:
        f.fail("until", until, _("is before since ({since})").format(since=since))
        return
    if data.get("id") and since:
        _visits_inside(f, refs, int(data["id"]), since, until)
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
            f.fail(
                "since",
                since,
                _(
                    "overlaps the household's pairing from {since} to {until}"
                    " (one helps one: end it first with `pair end`)"
                ).format(since=p_since, until=p_until or _("now")),
            )
            return


def _evidence(v: dict, row: dict, f: _Fields, names: tuple[str, ...]) -> None:
    """Field evidence read by its own form: a location as "lat lon", a device time as a timestamp."""
    for name in names:
        if v.get(name):
            read = parse.location if name == "location" else parse.timestamp
            row[name] = f.attempt(lambda n=name, r=read: r(v[n], n))  # type: ignore[misc]


def _visits_inside(f: _Fields, refs: Refs, pairing_id: int, since: str, until: str | None) -> None:
    """A stored pairing's corrected dates (its end too) must still hold every visit made under it."""
    before, after = refs.db.execute(
        "SELECT count(*) FILTER (WHERE date < :since), count(*) FILTER (WHERE date > :until)"
        " FROM visits WHERE pairing_id = :p",
        {"p": pairing_id, "since": since, "until": until or "9999"},
    ).fetchone()
    if before:
        f.fail(
            "since", since, _("{n} visit(s) of this pairing would fall outside its dates").format(n=before)
        )
    if after:
        f.fail("until", until, _("{n} visit(s) of this pairing come after it").format(n=after))


@rules("visits")
def _rules_visits(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    _evidence(v, row, f, ("device_start", "device_end", "location"))
    hid, day, cadre_id = v["household"], v["date"], v["cadre"]
    row["pairing_id"] = None
    if hid is None or day is None:
        return
    found = f.attempt(lambda: refs.pairing_on(hid, day))
    if found:
        row["pairing_id"], paired_cadre = found
        if cadre_id is not None and cadre_id != paired_cadre:
            f.fail(
                "cadre", data.get("cadre"), _("is not the household's paired cadre on {day}").format(day=day)
            )


@rules("problems")
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


@prefetcher("problems")
def _prefetch_problems(refs: Refs, read: Callable[[str, Any], Any], records: list[Mapping[str, Any]]) -> None:
    """The visits a batch of problems may name, fetched in one query (what `visit_on` then answers)."""
    days = set()
    for data in records:
        hid, day = read("household", data.get("household")), read("date", data.get("date"))
        if hid is not _MISS and day is not _MISS and hid is not None and day is not None:
            days.add((hid, day))
    refs.prefetch_visits(days)


@rules("income")
def _rules_income(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """Income before enrolment is allowed: it is the household's baseline."""
    if row["source"] is None:
        row["source"] = ""


@rules("aid")
def _rules_aid(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    _not_before_enrolment(f, refs, v["household"], "date", v["date"])
    row["giver_cadre_id"], row["giver"] = f.attempt(lambda: resolve_giver(refs, v["giver"])) or (None, None)
    row["measure_id"] = _measure(f, refs, v["household"], v["measure"])


@rules("members")
def _rules_members(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """A member's spans run forwards; a member may have joined before enrolment (born into it)."""
    _id_number(k, v, row, f, refs, data)
    for start, end in (("joined", "left_on"), ("work_from", "work_to"), ("dibao_from", "dibao_to")):
        if v[start] and v[end] and v[end] < v[start]:
            f.fail(end, v[end], _("is before {field} ({day})").format(field=start, day=v[start]))
    if v["born"] and v["joined"] and v["joined"] < v["born"]:
        f.fail("joined", v["joined"], _("is before the member was born ({born})").format(born=v["born"]))


@rules("meeting_items")
def _rules_meeting_items(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """A problem studied at a meeting: the meeting exists, the problem was escalated by then."""
    row["meeting_id"] = row["problem_id"] = None
    day, kind = v["meeting_date"], v["meeting_kind"] or "committee"
    if day:
        # the file's own meeting: a unit's merged into a city file is changed in the unit's own file
        found = refs.db.execute(
            "SELECT id FROM meetings WHERE date = ? AND kind = ? AND unit_id IS NULL", [day, kind]
        ).fetchone()
        if found is None:
            f.fail(
                "meeting_date",
                day,
                _(
                    "no {kind} meeting is recorded on this day: add it first with"
                    " `aidtrack meeting add {day}`"
                ).format(kind=kind, day=day),
            )
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
        " ORDER BY pr.id LIMIT 1",
        [hid, visit_day, text],
    ).fetchone()
    if hit is None:
        f.fail(
            "problem",
            text,
            _("no such problem was raised at a visit to this household on {day}").format(day=visit_day),
        )
        return
    row["problem_id"], escalated_on = hit
    if escalated_on is None:
        f.fail(
            "problem",
            text,
            _("was not escalated: escalate it first with `aidtrack problem escalate {id}`").format(id=hit[0]),
        )
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


# --- one household, one plan (一户一策), job placements, monitoring (docs/plans.md, monitoring.md) --


def _measure(f: _Fields, refs: Refs, hid: int | None, text: str | None) -> int | None:
    """The measure of the household's plan an aid or job record carries out: by its text or its id."""
    if hid is None or text is None:
        return None
    rows = refs.db.execute("SELECT id, what FROM measures WHERE household_id = ?", [hid]).fetchall()
    for mid, what in rows:
        if what == text:
            return mid
    for mid, _what in rows:
        if str(mid) == text:
            return mid
    f.fail(
        "measure",
        text,
        _(
            "is not a measure of this household's plan (its text or id: see `aidtrack plan show {code}`)"
        ).format(code=refs.code("household", hid)),
    )
    return None


@rules("causes")
def _rules_causes(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """A cause may predate enrolment: it is why the household was enrolled."""


@rules("measures")
def _rules_measures(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """Closed (done, dropped) exactly when a done date is given; no due date before the plan's date."""
    _not_before_enrolment(f, refs, v["household"], "date", v["date"])
    status, done_on = v["status"], v["done_on"]
    if v["due"] and v["date"] and v["due"] < v["date"]:
        f.fail("due", v["due"], _("is before the measure was planned ({date})").format(date=v["date"]))
    if status in ("done", "dropped") and not done_on:
        f.fail("done_on", "", _("is required when the measure is {status}").format(status=status))
    elif done_on and status not in ("done", "dropped"):
        f.fail("done_on", done_on, _("is only given when the measure is done or dropped"))
    elif done_on and v["date"] and done_on < v["date"]:
        f.fail("done_on", done_on, _("is before the measure was planned ({date})").format(date=v["date"]))


@rules("jobs")
def _rules_jobs(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """A job may predate enrolment (the household's history); it may not end before it starts."""
    if v["ended"] and v["started"] and v["ended"] < v["started"]:
        f.fail("ended", v["ended"], _("is before the job started ({started})").format(started=v["started"]))
    row["measure_id"] = _measure(f, refs, v["household"], v["measure"])


def _marginal_band(f: _Fields, refs: Refs, hid: int, day: str) -> None:
    """边缘易致贫户 only between the poverty line and the monitoring line (facts.income_band)."""
    from .facts import WATCH_MONTHS, income_band

    b = income_band(refs.db, day, [hid]).get(hid)
    if b is None:
        f.fail(
            "category",
            "marginal",
            _(
                "needs income recorded in the {n} months before {date} to show the household between the"
                " poverty line and the monitoring line: record it first"
            ).format(n=WATCH_MONTHS, date=day),
        )
    elif b["band"] == "below_line":
        f.fail(
            "category",
            "marginal",
            _(
                "is for income between the poverty line and the monitoring line; {got} a person is under the"
                " poverty line ({line}): propose enrolment (household status --set enrolled) or 低保"
            ).format(got=format_yuan(b["per_person"]), line=format_yuan(b["line"])),
        )
    elif b["band"] == "above":
        f.fail(
            "category",
            "marginal",
            _(
                "is for income between the poverty line and the monitoring line; {got} a person is at or"
                " above the monitoring line ({line})"
            ).format(got=format_yuan(b["per_person"]), line=format_yuan(b["watch_line"])),
        )


@rules("monitoring")
def _rules_monitoring(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """Monitoring is not help: it needs no enrolment (a marginal household was never enrolled).

    A household in the programme (enrolled, relapsed) on the date is already helped: never
    monitored. unstable: out of poverty (exited, prosperous) on the date; marginal: not enrolled by
    the date, its income between the poverty line and the monitoring line; sudden: out of poverty
    or never enrolled. One open monitoring entry at a time (docs/monitoring.md).
    """
    hid, day, ended = v["household"], v["date"], v["ended_on"]
    if ended and day and ended < day:
        f.fail("ended_on", ended, _("is before the monitoring began ({date})").format(date=day))
        return
    if v["end_reason"] and not ended:
        f.fail("end_reason", v["end_reason"], _("is only given with ended_on"))
    if hid is None or day is None:
        return
    _monitoring_cases(v, row, f, refs, data)
    status = refs.db.execute(
        "SELECT status FROM statuses WHERE household_id = ? AND date <= ? ORDER BY date DESC, id DESC"
        " LIMIT 1",
        [hid, day],
    ).fetchone()
    status = status[0] if status else None
    if status in ("enrolled", "relapsed"):
        f.fail(
            "household",
            data.get("household"),
            _(
                "is in the programme ({status}) on {date}: it is already helped, not monitored; monitoring"
                " is for a household out of poverty or never enrolled"
            ).format(status=status, date=day),
        )
        return
    if v["category"] == "marginal" and status is None:
        _marginal_band(f, refs, hid, day)
    if v["category"] == "unstable" and status not in ("exited", "prosperous"):
        f.fail(
            "category",
            "unstable",
            _("is for a household out of poverty on {date} (it is {status})").format(
                date=day, status=status or _("not enrolled")
            ),
        )
    elif v["category"] == "marginal" and status is not None:
        f.fail(
            "category",
            "marginal",
            _(
                "is for a household never enrolled by {date} (it is {status}); an exited one is unstable"
            ).format(date=day, status=status),
        )
    for odate, oend in refs.db.execute(
        "SELECT date, ended_on FROM monitoring WHERE household_id = ? AND id IS NOT ? AND date <> ?",
        [hid, data.get("id"), day],
    ):  # the same date is the same entry (an import restating it)
        if odate <= (ended or "9999") and day <= (oend or "9999"):
            f.fail(
                "date",
                day,
                _(
                    "overlaps the household's monitoring from {since} to {until}"
                    " (end it first with `monitor end`)"
                ).format(since=odate, until=oend or _("now")),
            )
            return


@rules("submissions")
def _rules_submissions(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    iid = v["instance_id"]
    if iid and iid.lower().startswith("uuid:"):
        row["instance_id"] = iid[5:]
    _evidence(v, row, f, ("device_start", "device_end"))
    # The visit it became, found as a problem finds its visit; the income by the ledger's import.
    hid, day = v["household"], v["date"]
    row["visit_id"] = f.attempt(lambda: refs.visit_on(hid, day, v["kind"])) if hid and day else None
    row.setdefault("income_id", None)


@rules("spending")
def _rules_spending(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """A cost may predate enrolment (it may be why the household is poor); reimbursed ≤ the amount."""
    if v["amount"] is not None and v["reimbursed"] is not None and v["reimbursed"] > v["amount"]:
        f.fail(
            "reimbursed",
            data.get("reimbursed"),
            _("is more than the amount ({amount})").format(amount=format_yuan(v["amount"])),
        )


@rules("livelihoods")
def _rules_livelihoods(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """A livelihood change, dated like a status; history before enrolment is allowed."""


def _monitoring_cases(v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """Entering and leaving monitoring on or after `cases_from` are approved cases (docs/decisions.md)."""
    hid, day, ended = v["household"], v["date"], v["ended_on"]
    since = refs.cases_from()
    code = refs.code("household", hid)
    given, given_end = data.get("case_id"), data.get("end_case_id")
    row["case_id"] = given if type(given) is int else None
    row["end_case_id"] = given_end if type(given_end) is int else None
    if row["case_id"] is None:
        row["case_id"] = _approved_case(refs, hid, day, ("monitor", "rollback"), v["category"])
        if row["case_id"] is None and day >= since:
            f.fail(
                "date",
                day,
                _(
                    "is on or after {since}: monitoring begins when its case is approved; open the case"
                    " with `aidtrack case open {code} monitor --category {category}`"
                ).format(since=since, code=code, category=v["category"]),
            )
    if ended and row["end_case_id"] is None:
        row["end_case_id"] = _approved_case(refs, hid, ended, ("eliminate", "rollback"))
        if row["end_case_id"] is None and ended >= since:
            f.fail(
                "ended_on",
                ended,
                _(
                    "is on or after {since}: monitoring ends when a risk-elimination case is approved;"
                    " open the case with `aidtrack case open {code} eliminate`"
                ).format(since=since, code=code),
            )


@rules("cases")
def _rules_cases(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """A monitoring case names its category; a decided case its day, not before its lead."""
    if v["decision"] == "monitor" and not v["category"]:
        f.fail("category", "", _("is required for a monitoring case (unstable, marginal or sudden)"))
    elif v["category"] and v["decision"] not in ("monitor", None):
        f.fail("category", v["category"], _("is only given for a monitoring case"))
    outcome, decided = v["outcome"] or "open", v["decided_on"]
    row["outcome"] = outcome
    if outcome != "open" and not decided:
        f.fail("decided_on", "", _("is required when the case is {outcome}").format(outcome=outcome))
    elif decided and outcome == "open":
        f.fail("decided_on", decided, _("is only given when the case is decided"))
    elif decided and v["lead_date"] and decided < v["lead_date"]:
        f.fail("decided_on", decided, _("is before the lead ({date})").format(date=v["lead_date"]))
    if v["effective"] and outcome != "approved":
        f.fail("effective", v["effective"], _("is only given for an approved case"))
    if v["lead_visit"] and v["lead_date"] and v["lead_visit"] > v["lead_date"]:
        f.fail("lead_visit", v["lead_visit"], _("is after the lead ({date})").format(date=v["lead_date"]))


@rules("case_steps")
def _rules_case_steps(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """A step of a case (found by household, decision and lead date); publicity has its end date,
    an objection how it was handled; an appraisal may name the meeting that held it."""
    given = data.get("case_id")
    row["case_id"] = given if type(given) is int else None
    hid, decision, lead = v["household"], v["decision"], v["lead_date"]
    if row["case_id"] is None and hid is not None and decision and lead:
        hit = refs.db.execute(
            "SELECT id FROM cases WHERE household_id = ? AND decision = ? AND lead_date = ?",
            [hid, decision, lead],
        ).fetchone()
        if hit is None:
            f.fail(
                "lead_date",
                lead,
                _(
                    "no {decision} case of this household has its lead on this day: open it first with"
                    " `aidtrack case open`"
                ).format(decision=decision),
            )
        else:
            row["case_id"] = hit[0]
    day, step = v["date"], v["step"]
    if day and lead and day < lead:
        f.fail("date", day, _("is before the case's lead ({date})").format(date=lead))
    if step == "publicity" and not v["end_date"]:
        f.fail("end_date", "", _("is required for publicity (the last day objections are heard)"))
    elif v["end_date"] and step != "publicity":
        f.fail("end_date", v["end_date"], _("is only given for publicity"))
    elif v["end_date"] and day and v["end_date"] < day:
        f.fail("end_date", v["end_date"], _("is before the publicity began ({date})").format(date=day))
    if v["handling"] and step != "objection":
        f.fail("handling", v["handling"], _("is only given for an objection"))
    row["meeting_id"] = None
    if v["meeting"]:
        hit = refs.db.execute(
            "SELECT id FROM meetings WHERE date = ? AND unit_id IS NULL ORDER BY kind = 'committee' DESC LIMIT 1",
            [v["meeting"]],
        ).fetchone()
        if hit is None:
            f.fail(
                "meeting",
                v["meeting"],
                _(
                    "no meeting is recorded on this day: add it first with `aidtrack meeting add {day}`"
                ).format(day=v["meeting"]),
            )
        else:
            row["meeting_id"] = hit[0]


def prefetches(kind: str) -> bool:
    """Whether an import looks a batch of this kind's rows up set-based first (`@prefetcher`)."""
    return kind in _PREFETCH


def _fields_of(kind: str) -> tuple[Field, ...]:
    """Each kind's fields, computed once per kind (Kind.fields is a property)."""
    if kind not in _FIELDS:
        _FIELDS[kind] = REGISTRY[kind].fields
    return _FIELDS[kind]


_FIELDS: dict[str, tuple[Field, ...]] = {}


@rules("quarter_notes")
def _rules_quarter_notes(k: Kind, v: dict, row: dict, f: _Fields, refs: Refs, data: Mapping) -> None:
    """A typical case names its quarter as a quarter (2004Q3; 2004-Q3 is stored as 2004Q3)."""
    if v["quarter"] is None:
        return
    q = f.attempt(lambda: parse.quarter(v["quarter"], "quarter"))
    if q is not None:
        v["quarter"] = row["quarter"] = str(q)


# --- the same declarations as SQL: an import checks its staged rows set-based --------------------
#
# `sql_check` turns a kind's fields (type, limits, enumeration, reference, default) and its rules'
# SQL form (`@sql_rules`) into one SELECT over a TEMP table of the file's text: the rows it returns
# are exactly rows `validate` accepts, with the values `validate` stores. It is a filter, never a
# second validator: a row it leaves out (a Chinese date, a name instead of a code, an error) is
# validated by `validate`, which accepts it or names the field and the value. What it accepts must
# be what `validate` accepts; tests/test_import_sql.py holds the two to each other on generated rows.

#: The rules of a kind as SQL: given the SQL names of its fields' values (`v_<field>`, NULL when
#: empty), what a row must satisfy and the stored columns the rules derive (see SqlRules).
SqlRulesFn = Callable[[Kind], "SqlRules"]


@dataclass(frozen=True)
class SqlRules:
    #: Expressions computed once a row's fields are read (`expr AS r_<name>`): a lookup the rules need.
    lookups: tuple[tuple[str, str], ...] = ()
    #: Conditions over `v_<field>` and `r_<name>` a row must meet (else `validate` reads it).
    where: tuple[str, ...] = ()
    #: Stored columns derived by the rules: column -> expression over `v_*` and `r_*`.
    columns: tuple[tuple[str, str], ...] = ()


_SQL_RULES: dict[str, SqlRulesFn] = {}


def sql_rules(kind: str) -> Callable[[SqlRulesFn], SqlRulesFn]:
    """Register the function below as the SQL form of KIND's `@rules` (what a set-based import checks)."""

    def register(fn: SqlRulesFn) -> SqlRulesFn:
        assert kind not in _SQL_RULES, kind
        _SQL_RULES[kind] = fn
        return fn

    return register


def raw_column(name: str) -> str:
    """The column of a TEMP table of a file's text holding field NAME (never an SQL keyword)."""
    return f"f_{name}"


def _sql_text(value: Any) -> str:
    """A Python value as an SQL literal (text quoted, a flag as 0/1, None as NULL)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


#: Spellings of a flag tried against parse.flag itself: those it reads become the SQL's; any other
#: (full-width, mixed case) is read by `validate`.
_FLAG_SPELLINGS = (
    *("1", "0", "true", "false", "yes", "no", "y", "n", "x", "是", "否"),
    *("True", "False", "TRUE", "FALSE", "Yes", "No", "YES", "NO", "Y", "N", "X"),
)


def _sql_words(spec: Field) -> dict[str, Any]:
    """Text -> stored value of every spelling of an enumeration or flag the SQL reads: each one
    passed through the field's own parser (parse.choice, parse.flag), so both read it alike."""
    from ...model import CAUSE_WORDS, FROM_ZH, LIVELIHOOD_WORDS

    if spec.type == "flag":
        candidates: tuple[str, ...] = _FLAG_SPELLINGS
    else:
        candidates = (*spec.choices, *FROM_ZH, *LIVELIHOOD_WORDS, *CAUSE_WORDS)
    out: dict[str, Any] = {}
    for text in candidates:
        if not text or text != text.strip() or not text.isprintable():
            continue
        try:
            out[text] = (
                int(parse.flag(text, spec.name))
                if spec.type == "flag"
                else parse.choice(text, spec.choices, spec.name)
            )
        except AidtrackError:
            continue
    return out


#: Whole numbers the SQL reads (more digits: `validate`, which says they are too large).
_SQL_INT_DIGITS = 7


def _sql_field(spec: Field, t: str, today: dt.date) -> tuple[str, str] | None:
    """(value, ok) of one non-empty field over T, its stripped text: ok true only where `_read`
    would return that value without an error; None for a type read only by `_read`."""
    kind = spec.type
    if kind == "text":
        # printable text (the caller's `plain`) of at most max_len characters: parse.text's fast path
        return t, f"length({t}) <= {int(spec.max_len)}"
    if kind == "date":  # date(…, '+0 days') gives YYYY-MM-DD of a real day: equal only to such a text
        ok = (
            f"date({t}, '+0 days') = {t}"
            f" AND {t} BETWEEN '{parse.MIN_YEAR:04d}-01-01' AND '{parse.MAX_YEAR:04d}-12-31'"
        )
        if spec.not_future:
            ok += f" AND {t} <= '{today.isoformat()}'"
        return t, ok
    if kind == "month":
        ok = (
            f"{t} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' AND substr({t}, 6) BETWEEN '01' AND '12'"
            f" AND {t} BETWEEN '1900' AND '{parse.MAX_YEAR:04d}-12'"
        )
        if spec.not_future:
            ok += f" AND {t} <= '{month_of(today)}'"
        return t, ok
    if kind in ("enum", "flag"):
        words = _sql_words(spec)
        if not words:
            return None
        cases = " ".join(f"WHEN {_sql_text(w)} THEN {_sql_text(v)}" for w, v in words.items() if w != v)
        value = f"CASE {t} {cases} ELSE {t} END" if cases else t
        return value, f"{t} IN ({', '.join(map(_sql_text, words))})"
    if kind == "int":
        low = max(spec.minimum if spec.minimum is not None else 0, 0)
        ok = (
            f"{t} NOT GLOB '*[^0-9]*' AND length({t}) <= {_SQL_INT_DIGITS}"
            f" AND CAST({t} AS INTEGER) BETWEEN {low} AND {parse.MAX_INTEGER}"
        )
        return f"CAST({t} AS INTEGER)", ok
    if kind == "money":
        dot = f"instr({t}, '.')"
        ok = (
            f"({dot} = 0 AND {t} NOT GLOB '*[^0-9]*' AND length({t}) <= {parse.MAX_YUAN_DIGITS})"
            f" OR ({dot} BETWEEN 2 AND {parse.MAX_YUAN_DIGITS + 1} AND {t} NOT GLOB '*[^0-9.]*'"
            f" AND {t} NOT GLOB '*.*.*' AND length({t}) - {dot} BETWEEN 1 AND 2)"
        )
        value = (
            f"CASE WHEN {dot} = 0 THEN CAST({t} AS INTEGER) * 100 ELSE CAST(substr({t}, 1, {dot} - 1) AS INTEGER)"
            f" * 100 + CAST(substr(substr({t}, {dot} + 1) || '0', 1, 2) AS INTEGER) END"
        )
        return value, ok
    return None  # ref (joined by the caller), tags, ID numbers: `_read` only


def plain(values: Any) -> bool:
    """Whether a row's text is what `sql_check` may read: printable, no invisible character (which
    leaves Python's strip() and SQLite's trim() the same, and parse.text nothing to refuse)."""
    return "".join(values).isprintable()


def sql_check(
    kind: str, columns: tuple[str, ...], raw: str, today: dt.date, given: Collection[str] | None = None
) -> str | None:
    """A SELECT of `line` and COLUMNS (stored columns) over the TEMP table RAW (`line` and one TEXT
    column per field, `raw_column(name)`; every row `plain`) returning the rows `validate(kind, …)`
    accepts as they are, with the values it stores. GIVEN: the fields the file has a column for
    (the others are empty in every row; None: all). None when the kind has rules without an SQL
    form: every row is then read by `validate`."""
    k = REGISTRY[kind]
    if kind in _RULES and kind not in _SQL_RULES:
        return None
    dated = k.dated_field
    texts, values, oks, joins = [], [], [], []
    for spec in _fields_of(kind):
        name = spec.name
        present = given is None or name in given
        t = f"t_{name}"
        if spec.required or name == dated:
            empty_value, empty_ok = "NULL", "0"  # refused (a file must give the date): `validate` says so
        elif spec.default == "today":
            empty_value, empty_ok = (_sql_text(today.isoformat()) if spec.type == "date" else "NULL"), "1"
        else:
            empty_value, empty_ok = _sql_text(spec.default), "1"
        if not present:
            if empty_ok == "0":
                return None  # every row is refused: `validate` names the missing value
            values.append(f"{empty_value} AS v_{name}")
            continue
        texts.append(f"trim(coalesce(r.{raw_column(name)}, '')) AS {t}")
        if spec.type == "ref":
            table = _plural_of(spec.ref or name)
            if table is None:
                return None
            outer = "" if empty_ok == "0" else "LEFT "
            joins.append(f"{outer}JOIN main.{table} j_{name} ON j_{name}.code = {t}")
            values.append(f"j_{name}.id AS v_{name}")
            if outer:
                oks.append(f"({t} = '' OR j_{name}.id IS NOT NULL)")
            continue
        got = _sql_field(spec, t, today)
        value, ok = got if got is not None else ("NULL", "0")
        if empty_ok == "0":
            values.append(f"{value} AS v_{name}")
            oks.append(f"{t} <> '' AND coalesce({ok}, 0)")
            continue
        if empty_value == "NULL" and value == t:
            values.append(f"nullif({t}, '') AS v_{name}")
        else:
            values.append(f"CASE WHEN {t} = '' THEN {empty_value} ELSE {value} END AS v_{name}")
        oks.append(f"({t} = '' OR coalesce({ok}, 0))")
    r = _SQL_RULES[kind](k) if kind in _SQL_RULES else SqlRules()
    derived = dict(r.columns)
    stored = {spec.column: f"v_{spec.name}" for spec in _fields_of(kind) if spec.column}
    exprs = []
    for c in columns:
        if c in derived:
            exprs.append(f"{derived[c]} AS {c}")
        elif c in stored:
            exprs.append(f"{stored[c]} AS {c}")
        else:
            return None  # a column only a Python rule derives
    level1 = f"SELECT r.line{''.join(', ' + x for x in texts)} FROM temp.{raw} r LIMIT -1 OFFSET 0"
    where = " AND ".join(f"({o})" for o in oks) or "1"
    level2 = (
        f"SELECT line, {', '.join(values)} FROM ({level1}) {' '.join(joins)} WHERE {where} LIMIT -1 OFFSET 0"
    )
    if r.lookups:
        lookups = ", ".join(f"{e} AS r_{n}" for n, e in r.lookups)
        level2 = f"SELECT *, {lookups} FROM ({level2}) LIMIT -1 OFFSET 0"
    rules_where = " AND ".join(f"({w})" for w in r.where) or "1"
    return f"SELECT line, {', '.join(exprs)} FROM ({level2}) WHERE {rules_where}"


def _plural_of(entity: str) -> str | None:
    """The table a `ref` field names (a household: households), by the registry."""
    for k in REGISTRY.values():
        if k.singular == entity and k.code_prefix:
            return k.table
    return None


@sql_rules("visits")
def _sql_rules_visits(k: Kind) -> SqlRules:
    """`_rules_visits` in SQL: the household's pairing on the day (the first by since, as
    Refs.pairing_on), its cadre the one given; field evidence (device times, a location) is read
    by `validate`."""
    pairing = (
        "(SELECT p.id FROM main.pairings p WHERE p.household_id = v_household AND p.since <= v_date"
        " AND (p.until IS NULL OR p.until >= v_date) ORDER BY p.since, p.id LIMIT 1)"
    )
    return SqlRules(
        lookups=(("pairing", pairing),),
        where=(
            "r_pairing IS NOT NULL",
            "v_cadre IS NULL OR v_cadre = (SELECT p.cadre_id FROM main.pairings p WHERE p.id = r_pairing)",
            "v_device_start IS NULL AND v_device_end IS NULL AND v_location IS NULL",
        ),
        columns=(("pairing_id", "r_pairing"),),
    )


@sql_rules("income")
def _sql_rules_income(k: Kind) -> SqlRules:
    """`_rules_income` in SQL: a source left empty is stored as ''."""
    return SqlRules(columns=(("source", "coalesce(v_source, '')"),))


@sql_rules("problems")
def _sql_rules_problems(k: Kind) -> SqlRules:
    """`_rules_problems` in SQL: the household's one visit that day (of the kind, if given; as
    Refs.visit_on), resolved not before it; an escalation dated (the visit's day unless given),
    not before the visit; a problem not escalated keeps no escalation date or name."""
    visit = (
        # CROSS JOIN keeps this order (the household's pairings, then the unique index on pairing
        # and day), as Refs.prefetch_visits does: else SQLite reads every visit of the day
        "(SELECT CASE WHEN count(*) = 1 THEN max(v.id) END FROM main.pairings p"
        " CROSS JOIN main.visits v ON v.pairing_id = p.id AND v.date = v_date"
        " WHERE p.household_id = v_household AND (v_kind IS NULL OR v.kind = v_kind))"
    )
    escalated = "(v_escalated OR v_escalated_on IS NOT NULL)"
    return SqlRules(
        lookups=(("visit", visit),),
        where=(
            "r_visit IS NOT NULL",
            "v_resolved_on IS NULL OR v_resolved_on >= v_date",
            f"NOT {escalated} OR coalesce(v_escalated_on, v_date) >= v_date",
        ),
        columns=(
            ("visit_id", "r_visit"),
            ("escalated", "CASE WHEN v_escalated_on IS NOT NULL THEN 1 ELSE v_escalated END"),
            ("escalated_on", f"CASE WHEN {escalated} THEN coalesce(v_escalated_on, v_date) END"),
            ("escalated_by", f"CASE WHEN {escalated} THEN v_escalated_by END"),
        ),
    )
