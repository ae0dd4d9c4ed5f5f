"""The programme's own moves beyond add/edit: ending a pairing, a status change, resolving a problem."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator

from ... import parse
from ...i18n import _
from ...model import AidtrackError
from ...store import Store
from ..rules.refs import Refs
from . import records


@contextlib.contextmanager
def _named(option: str, *fields: str) -> Iterator[None]:
    """Errors about FIELDS named by the command's option instead (`pair end --date`, not until)."""
    try:
        yield
    except AidtrackError as e:
        if e.field in fields:
            raise AidtrackError(option, e.value, e.message) from None
        raise


def end_pairing(
    db: Store, household: str, day: dt.date | str | None = None, today: dt.date | None = None
) -> dict:
    """End the household's active pairing on DAY: an edit of its `until`, checked by the validator
    (not before it began, no visit of it after)."""
    today = today or dt.date.today()
    hid = Refs(db).household(household)
    end = parse.date(day or today, "date", today=today)
    active = records.select(db, "pairings", household=hid, active=True)
    if not active:
        raise AidtrackError("household", household, _("has no active pairing to end"))
    with _named("date", "until"):
        return records.edit(db, "pairings", active[0]["id"], {"until": end.isoformat()}, today, action="end")


def set_status(
    db: Store,
    household: str,
    status: str,
    day: dt.date | str | None = None,
    reason: str | None = None,
    today: dt.date | None = None,
    warn: Callable[[str], None] | None = None,
) -> dict:
    """Record a status change (enrolled / exited / prosperous / relapsed) in the history."""
    return records.set_statuses(
        db, [{"household": household, "status": status, "date": day, "reason": reason}], today, warn
    )[0]


def resolve_problem(
    db: Store,
    ident: str | int,
    note: str | None,
    day: dt.date | str | None = None,
    today: dt.date | None = None,
) -> dict:
    """Mark a problem resolved on DAY with how: an edit checked by the validator (not before the
    visit that raised it, not after today)."""
    today = today or dt.date.today()
    note = parse.text(note, "note", required=True)
    when = str(day or today)
    with _named("date", "resolved_on"):
        return records.edit(
            db, "problems", ident, {"resolved_on": when, "resolution": note}, today, action="resolve"
        )
