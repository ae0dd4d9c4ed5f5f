"""The unit registry of a city file: which unit (帮扶单位) each household and cadre belongs to.

Read-only, for the reports and checks (`--by unit`, `--unit`); the merge writer (ops.transfer.merge) fills
the `units` table. A file's own records (typed into it, not merged) have unit_id NULL: OWN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import TypeVar

from ...i18n import _
from ...model import AidtrackError
from ...store import Store

#: How the file's own records (unit_id NULL) are named in reports and in `--unit`.
OWN = "(this file)"

T = TypeVar("T")


class Units:
    """The units of a file and which one each household and cadre belongs to (None: the file's own).

    Each household's and cadre's unit is read when first asked for: a report that reads them chunk
    by chunk (the quarter report by unit) never holds the city's."""

    def __init__(self, db: Store):
        self.db = db
        self.names: dict[int | None, str] = {None: OWN}
        self.names.update(db.execute("SELECT id, name FROM units ORDER BY name").fetchall())

    def _owners(self, table: str) -> tuple[dict[int, int | None], dict[str, int | None]]:
        """The unit of each record of TABLE (households, cadres), by id and by code."""
        by_id: dict[int, int | None] = {}
        by_code: dict[str, int | None] = {}
        for rid, code, uid in self.db.execute(f"SELECT id, code, unit_id FROM {table}"):
            by_id[rid] = uid
            by_code[code] = uid
        return by_id, by_code

    @cached_property
    def _households(self) -> tuple[dict[int, int | None], dict[str, int | None]]:
        return self._owners("households")

    @cached_property
    def _cadres(self) -> tuple[dict[int, int | None], dict[str, int | None]]:
        return self._owners("cadres")

    @property
    def household(self) -> dict[int, int | None]:
        return self._households[0]

    @property
    def household_code(self) -> dict[str, int | None]:
        return self._households[1]

    @property
    def cadre(self) -> dict[int, int | None]:
        return self._cadres[0]

    @property
    def cadre_code(self) -> dict[str, int | None]:
        return self._cadres[1]

    def find(self, name: str | None) -> int | None:
        """The id of the unit named (None for the file's own records: "(this file)" or empty)."""
        name = (name or "").strip()
        if name in ("", OWN, _(OWN)):
            return None
        for uid, known in self.names.items():
            if known == name:
                return uid
        listed = ", ".join(self.names.values())
        raise AidtrackError(
            "unit", name, _("no unit of this name in this file (units: {names})").format(names=listed)
        )

    def listed(self) -> list[int | None]:
        """Every unit, the file's own records first when there are any (or when nothing was merged)."""
        own = (
            self.db.execute("SELECT 1 FROM households WHERE unit_id IS NULL LIMIT 1").fetchone() is not None
            or self.db.execute("SELECT 1 FROM cadres WHERE unit_id IS NULL LIMIT 1").fetchone() is not None
            or len(self.names) == 1
            or self.db.execute("SELECT 1 FROM meetings WHERE unit_id IS NULL LIMIT 1").fetchone() is not None
        )
        return ([None] if own else []) + [u for u in self.names if u is not None]

    def grouped(self, items: Iterable[T], unit_of: Callable[[T], int | None]) -> dict[int | None, list[T]]:
        """Items by their unit, in the order of `listed()` (a unit with none has an empty list), each
        unit's items in their given order: what `--by unit` shows, one group per unit."""
        groups: dict[int | None, list[T]] = {u: [] for u in self.listed()}
        for item in items:
            groups.setdefault(unit_of(item), []).append(item)
        return groups

    def pairings(self) -> dict[int, int | None]:
        """Each pairing's unit: its household's."""
        return {
            pid: self.household.get(hid)
            for pid, hid in self.db.execute("SELECT id, household_id FROM pairings")
        }

    def visits_until(self, day: str) -> dict[int | None, int]:
        """Visits dated on or before a day, per unit: counted per pairing first, on the (pairing_id,
        date, kind) index, then per unit (joining a million visits to their households is 10× slower)."""
        return dict(
            self.db.execute(
                "SELECT h.unit_id, sum(v.n) FROM (SELECT pairing_id, count(*) AS n FROM visits WHERE date <= ?"
                " GROUP BY pairing_id) v JOIN pairings p ON p.id = v.pairing_id"
                " JOIN households h ON h.id = p.household_id GROUP BY h.unit_id",
                [day],
            ).fetchall()
        )


def scope(db: Store, unit: str | None, by_unit: bool) -> tuple[Units | None, int | None]:
    """What `--unit NAME` / `--by unit` need: the units (None when neither is asked for, so a file
    without merged units reads nothing more) and the id of the unit named (None: the file's own)."""
    if unit is None and not by_unit:
        return None, None
    units = Units(db)
    return units, units.find(unit) if unit is not None else None
