"""Policy settings: each key has a built-in default and a history of values with effective dates."""

from __future__ import annotations

import datetime as dt

from .. import parse
from ..i18n import _
from ..model import (
    EPOCH,
    POLICY_KEYS,
    STEPS,
    AidtrackError,
    PolicyKey,
    date_value,
    format_yuan,
    steps_mask,
    steps_of,
    value_date,
)
from ..store import Store


class Policy:
    """The settings of one register, answering `value(key, on=date)` from one query's worth of rows."""

    def __init__(self, db: Store):
        self.history: dict[str, list[tuple[str, int]]] = {
            k: [(EPOCH.isoformat(), spec.default)] for k, spec in POLICY_KEYS.items()
        }
        for key, value, since in db.execute(
            "SELECT key, value, effective_from FROM policy ORDER BY key, effective_from"
        ):
            if key in self.history:
                self.history[key].append((since, value))

    def value(self, key: str, on: dt.date | str) -> int:
        day = str(on)
        current = self.history[key][0][1]  # the built-in default, in force from EPOCH
        for since, value in self.history[key][1:]:
            if since <= day:
                current = value
        return current

    def at(self, on: dt.date | str) -> dict[str, int]:
        return {k: self.value(k, on) for k in self.history}

    def records_until(self, today: dt.date) -> dt.date | None:
        """The day the register's records stop (`records_until` in force today), if one is set."""
        return as_date(self.value("records_until", today))


def as_date(value: int) -> dt.date | None:
    """A policy value of kind `date` (YYYYMMDD as an integer, 0 for none) as a date."""
    return value_date(value) if value else None


def shown(spec: PolicyKey, value: int) -> float | int | str | None:
    """A stored value as `policy show` gives it: yuan, a date (None: no date set), a list of steps,
    or the number."""
    if spec.kind == "money":
        return float(format_yuan(value))
    if spec.kind == "date":
        day = as_date(value)
        return day.isoformat() if day else None
    if spec.kind == "steps":
        return ",".join(steps_of(value))
    return value


def cases_from(pol: Policy) -> str:
    """The day from which a status is changed only by an approved case (ISO text)."""
    return value_date(pol.value("cases_from", EPOCH)).isoformat()


def describe(db: Store, on: dt.date) -> list[dict]:
    pol = Policy(db)
    rows = []
    for key, spec in POLICY_KEYS.items():
        value = pol.value(key, on)
        since = max((s for s, _ in pol.history[key] if s <= on.isoformat()), default=EPOCH.isoformat())
        rows.append(
            {
                "key": key,
                "value": shown(spec, value),
                "effective_from": None if since == EPOCH.isoformat() else since,
                "default": shown(spec, spec.default),
                "meaning": spec.help,
                "history": [{"from": s, "value": shown(spec, v)} for s, v in pol.history[key][1:]],
            }
        )
    return rows


def set_value(
    db: Store, key: str, value: str, since: dt.date | str | None = None, today: dt.date | None = None
) -> dict:
    today = today or dt.date.today()
    if key not in POLICY_KEYS:  # thirty-odd keys: name where they are listed, not all of them
        raise AidtrackError("key", key, _("is not a policy setting (`aidtrack policy show` lists them)"))
    spec = POLICY_KEYS[key]
    if spec.kind == "pct":
        stored = _percent(value, key)
    elif spec.kind == "date":
        text = parse.normalise(str(value)).lower()
        stored = 0 if text in ("0", "none", "") else date_value(parse.date(value, key, today=today))
    elif spec.kind == "steps":
        names = [n for n in parse.normalise(str(value)).replace("，", ",").split(",") if n.strip()]
        stored = steps_mask([parse.choice(n.strip(), STEPS, key) for n in names])
    else:
        stored = (
            parse.money(value, key)
            if spec.kind == "money"
            else parse.integer(value, key, minimum=spec.minimum, maximum=spec.maximum)
        )
    if not spec.minimum <= stored <= spec.maximum:
        shown = (lambda v: format_yuan(v)) if spec.kind == "money" else str
        raise AidtrackError(
            key,
            value,
            _("must be between {minimum} and {maximum}").format(
                minimum=shown(spec.minimum), maximum=shown(spec.maximum)
            ),
        )
    when = parse.date(since or today, "from", today=today).isoformat()
    before = Policy(db).value(key, when)
    with db.write():
        from .assess import refuse_closed  # a closed assessment's policy is reopened first

        refuse_closed(db, key, when)
        db.execute(
            "INSERT INTO policy (key, value, effective_from) VALUES (?, ?, ?)"
            " ON CONFLICT (key, effective_from) DO UPDATE SET value = excluded.value",
            [key, stored, when],
        )
        db.audit("set", "policy", key, {"value": before, "from": when}, {"value": stored, "from": when})
    return {"key": key, "value": stored, "effective_from": when}


def _percent(value: str, key: str) -> int:
    """A ratio to the poverty line as a whole percent: 1.5 (a ratio, it has a point) or 150 (a percent).

    A monitoring line under the poverty line would watch nobody the relapse check does not already
    see: at least 100 (1.0).
    """
    text = parse.normalise(str(value)).rstrip("%")
    if "." in text:
        fen = parse.money(text, key)  # two decimals at most, whole fen: 1.5 -> 150
        stored = fen
    else:
        stored = parse.integer(text, key, minimum=0)
    if stored < 100:
        raise AidtrackError(
            key,
            value,
            _("is a ratio to the poverty line: at least 1.0 (100%); 1.5 and 150 both mean 1.5 times"),
        )
    return stored
