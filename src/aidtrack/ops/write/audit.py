"""Reading the audit log back: every entry with a one-line account of what changed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ...i18n import N_, _, column, language
from ...kinds import REGISTRY
from ...model import POLICY_KEYS, ZH_NAMES, label, policy_name
from ...store import Store
from ..rules.policy import shown as shown_setting

_SKIP = {"id", "household_name", "cadre_name"}

#: A policy setting's entry (`policy set`; not a registry kind): its two fields by name.
_POLICY_FIELDS = {"value": N_("setting"), "from": N_("in force from")}


def shown(value: Any) -> str:
    """A stored value as the clerk typed it: 520.00 (not 520.0), 是/否, (空), 脱贫 — never a repr."""
    if value is None or value == "" or value == []:
        return _("(empty)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):  # the public shape's money, in yuan
        return f"{value:.2f}"
    zh = language() != "en"
    if isinstance(value, (list, tuple)):
        return ("、" if zh else ", ").join(shown(v) for v in value)
    if isinstance(value, dict):  # an import's counts: 帮扶干部：新增：11 in Chinese
        if zh:
            return "；".join(f"{column(k)}：{shown(v)}" for k, v in value.items())
        return "; ".join(f"{k}: {shown(v)}" for k, v in value.items())
    if isinstance(value, str) and value in ZH_NAMES:
        return label(value) or value
    return str(value)


def _short(value: Any) -> str:
    text = shown(value)
    return text if len(text) <= 24 else text[:23] + "…"


def local_time(at: str) -> str:
    """A stored UTC time in the machine's local time with its zone: 2026-11-30 14:36 +08:00."""
    try:
        when = dt.datetime.fromisoformat(at).astimezone()
    except ValueError:
        return at
    zone = when.strftime("%z")
    return when.strftime("%Y-%m-%d %H:%M ") + (f"{zone[:3]}:{zone[3:]}" if zone else "")


def field_name(kind: str | None, name: str) -> str:
    """A field as the interface names it: `status` in English; in Chinese the registry's first Chinese
    header of the kind's field (状态), else of any kind's field of that name, else its column name."""
    if language() == "en":
        return name
    if kind == "policy" and name in _POLICY_FIELDS:
        return _(_POLICY_FIELDS[name])
    kinds = [REGISTRY[kind]] if kind in REGISTRY else []
    for k in [*kinds, *REGISTRY.values()]:
        spec = next((f for f in k.fields if f.name == name), None)
        if spec is not None and spec.zh:
            return spec.zh[0]
    return column(name)


def change(before: dict | None, after: dict | None, kind: str | None = None) -> str:
    """`field: old → new` for a correction; the record's own fields for an add or a delete. Fields by
    the interface's name for them (field_name): 状态：帮扶中 → 脱贫 in Chinese."""
    zh = language() != "en"
    if before and after:
        return ("；" if zh else "; ").join(
            f"{field_name(kind, k)}{'：' if zh else ': '}{_short(before.get(k))} → {_short(v)}"
            for k, v in after.items()
            if k not in _SKIP and before.get(k) != v
        )
    record = after or before or {}
    return ("，" if zh else ", ").join(
        f"{field_name(kind, k)}{'：' if zh else '='}{_short(v)}"
        for k, v in record.items()
        if k not in _SKIP and v not in (None, "", [], False)
    )


def _setting(
    entity: str, key: str, before: dict | None, after: dict | None
) -> tuple[dict | None, dict | None]:
    """A policy setting's stored values as `policy show` shows them (220.00 yuan, not 22000 fen;
    a date, not 20040930); any other entry's as they are."""
    spec = POLICY_KEYS.get(key) if entity == "policy" else None
    if spec is None:
        return before, after
    return tuple(  # type: ignore[return-value]
        None
        if d is None
        else d | {"value": shown_setting(spec, d["value"])}
        if isinstance(d.get("value"), int)
        else d
        for d in (before, after)
    )


def entries(db: Store, limit: int = 20) -> list[dict[str, Any]]:
    rows = []
    for r in db.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", [max(limit, 0)]):
        before = json.loads(r["before"]) if r["before"] else None
        after = json.loads(r["after"]) if r["after"] else None
        rows.append(
            dict(r)
            | {
                "before": before,
                "after": after,
                "change": change(*_setting(r["entity"], r["record"], before, after), r["entity"]),
                "when": local_time(r["at"]),
                # the key as typed; in Chinese with its name: records_until（记录截止日）
                **({"record": policy_name(r["record"])} if r["entity"] == "policy" else {}),
            }
        )
    return rows
