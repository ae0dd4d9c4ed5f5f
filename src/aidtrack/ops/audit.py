"""Reading the audit log back: every entry with a one-line account of what changed."""

from __future__ import annotations

import json
from typing import Any

from ..store import Store

_SKIP = {"id", "household_name", "cadre_name"}


def _short(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 24 else text[:23] + "…"


def change(before: dict | None, after: dict | None) -> str:
    """`field: old → new` for a correction; the record's own fields for an add or a delete."""
    if before and after:
        return "; ".join(f"{k}: {_short(before.get(k))} → {_short(v)}" for k, v in after.items()
                         if k not in _SKIP and before.get(k) != v)
    record = after or before or {}
    return ", ".join(f"{k}={_short(v)}" for k, v in record.items()
                     if k not in _SKIP and v not in (None, "", [], False))


def entries(db: Store, limit: int = 20) -> list[dict[str, Any]]:
    rows = []
    for r in db.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", [max(limit, 0)]):
        before = json.loads(r["before"]) if r["before"] else None
        after = json.loads(r["after"]) if r["after"] else None
        rows.append(dict(r) | {"before": before, "after": after, "change": change(before, after),
                               "when": r["at"][:16].replace("T", " ")})
    return rows
