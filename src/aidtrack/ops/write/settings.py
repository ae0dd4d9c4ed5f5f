"""Changing a policy setting (`policy set`): checked against its bounds, dated, audited, and refused
when it falls in the period of a closed assessment (reopen it first). Reading policy is
ops/rules/policy.py."""

from __future__ import annotations

import datetime as dt

from ... import parse
from ...i18n import _
from ...model import POLICY_KEYS, STEPS, AidtrackError, date_value, format_yuan, steps_mask
from ...store import Store
from ..rules.policy import Policy
from .assess import refuse_closed


def set_value(
    db: Store, key: str, value: str, since: dt.date | str | None = None, today: dt.date | None = None
) -> dict:
    today = today or dt.date.today()
    key = next((k for k, spec in POLICY_KEYS.items() if key in (k, spec.zh)), key)  # 单位名称 too
    if key not in POLICY_KEYS:  # thirty-odd keys: name where they are listed, not all of them
        raise AidtrackError("key", key, _("is not a policy setting (`aidtrack policy show` lists them)"))
    spec = POLICY_KEYS[key]
    text = None
    if spec.kind == "text":
        text = parse.text(value, key, max_len=100)
        if text is not None and text.lower() in ("none", "无"):
            text = None  # cleared: the cadres' unit again
        stored = 0
    elif spec.kind == "pct":
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
    pol = Policy(db)
    before = pol.text(key, when) if spec.kind == "text" else pol.value(key, when)
    after = text if spec.kind == "text" else stored
    with db.write():
        refuse_closed(db, key, when)
        db.execute(
            "INSERT INTO policy (key, value, effective_from, text) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (key, effective_from) DO UPDATE SET value = excluded.value, text = excluded.text",
            [key, stored, when, text],
        )
        db.audit("set", "policy", key, {"value": before, "from": when}, {"value": after, "from": when})
    return {"key": key, "value": after, "effective_from": when}


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
