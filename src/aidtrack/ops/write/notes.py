"""The clerk's typical cases of a quarter (典型事例): text written for the director, printed in the
quarter report. Stored with the quarter it is about and the day it was written; never derived."""

from __future__ import annotations

import datetime as dt
import json

from ...i18n import _
from ...model import AidtrackError, Quarter
from ...store import Store
from . import records


def add(db: Store, q: Quarter, text: str, today: dt.date) -> int:
    """Store one note of quarter `q` (a `quarter_notes` record: kinds.QUARTER_NOTES, validated as
    every add is); returns its id. One transaction, audited."""
    text = text.strip()
    if not text:
        raise AidtrackError("text", text, _("is empty: write the case in a sentence or two"))
    return int(records.add(db, "quarter_notes", {"quarter": str(q), "text": text}, today))


def of(db: Store, quarters: list[str], unit: int | None | bool = False) -> dict[str, list[dict[str, str]]]:
    """The notes of these quarters, oldest first, by quarter label: of one unit (its `unit_id` in a
    city file; None: the file's own) or of every one when `unit` is False."""
    out: dict[str, list[dict[str, str]]] = {q: [] for q in quarters}
    for quarter, text, written, uid in db.execute(
        "SELECT quarter, text, written, unit_id FROM quarter_notes"
        " WHERE quarter IN (SELECT value FROM json_each(?)) ORDER BY quarter, id",
        [json.dumps(quarters)],
    ):
        if unit is False or uid == unit:
            out[quarter].append({"text": text, "written": written})
    return out
