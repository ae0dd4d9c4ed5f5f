"""Policy settings: each key has a built-in default and a history of values with effective dates."""

from __future__ import annotations

import datetime as dt

from ...model import (
    EPOCH,
    POLICY_KEYS,
    PolicyKey,
    format_yuan,
    steps_of,
    value_date,
)
from ...store import Store


class Policy:
    """The settings of one register, answering `value(key, on=date)` from one query's worth of rows."""

    def __init__(self, db: Store):
        self.history: dict[str, list[tuple[str, int]]] = {
            k: [(EPOCH.isoformat(), spec.default)] for k, spec in POLICY_KEYS.items() if spec.kind != "text"
        }
        #: The text settings (the unit's name): no default, None where cleared.
        self.texts: dict[str, list[tuple[str, str | None]]] = {
            k: [] for k, spec in POLICY_KEYS.items() if spec.kind == "text"
        }
        for key, value, since, text in db.execute(
            "SELECT key, value, effective_from, text FROM policy ORDER BY key, effective_from"
        ):
            if key in self.history:
                self.history[key].append((since, value))
            elif key in self.texts:
                self.texts[key].append((since, text or None))

    def value(self, key: str, on: dt.date | str) -> int:
        day = str(on)
        current = self.history[key][0][1]  # the built-in default, in force from EPOCH
        for since, value in self.history[key][1:]:
            if since <= day:
                current = value
        return current

    def text(self, key: str, on: dt.date | str | None = None) -> str | None:
        """A text setting in force on a day (None: the latest), None when never set or cleared."""
        day = "9999-12-31" if on is None else str(on)
        current = None
        for since, text in self.texts[key]:
            if since <= day:
                current = text
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
        if spec.kind == "text":
            rows.append(_describe_text(pol, key, spec, on))
            continue
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


def _describe_text(pol: Policy, key: str, spec: PolicyKey, on: dt.date) -> dict:
    """A text setting as `policy show` gives it: no default, its history of texts."""
    since = max((s for s, _ in pol.texts[key] if s <= on.isoformat()), default=None)
    return {
        "key": key,
        "value": pol.text(key, on),
        "effective_from": since,
        "default": None,
        "meaning": spec.help,
        "history": [{"from": s, "value": t} for s, t in pol.texts[key]],
    }
