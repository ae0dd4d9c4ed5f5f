"""Resolving what a clerk types (a code like H01, or an exact name) to a record id.

A single CLI call asks the database directly; an import calls `preload()` first so that a million
rows are resolved from dicts built once, never with a query per row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ..i18n import N_, _
from ..model import AidtrackError
from ..store import Store

_TABLES = {"cadre": "cadres", "household": "households"}
_AMBIGUOUS = {"cadre": N_("matches more than one cadre: {codes}; use the code"),
              "household": N_("matches more than one household: {codes}; use the code")}
_UNKNOWN = {"cadre": N_("no cadre has this code or name"),
            "household": N_("no household has this code or name")}


class Ambiguous(AidtrackError):
    """A name shared by several records: the clerk must give the code."""


class Refs:
    def __init__(self, db: Store):
        self.db = db
        self._codes: dict[str, dict[str, int]] | None = None
        self._names: dict[str, dict[str, list[tuple[int, str]]]] = {}
        self._pairings: dict[int, list[tuple[str, str | None, int, int]]] | None = None

    def preload(self) -> Refs:
        self._codes = {}
        for entity, table in _TABLES.items():
            codes: dict[str, int] = {}
            names: dict[str, list[tuple[int, str]]] = defaultdict(list)
            for rid, code, name in self.db.execute(f"SELECT id, code, name FROM {table}"):
                codes[code] = rid
                names[name].append((rid, code))
            self._codes[entity] = codes
            self._names[entity] = names
        pairings: dict[int, list] = defaultdict(list)
        for pid, hid, cid, since, until in self.db.execute(
            "SELECT id, household_id, cadre_id, since, until FROM pairings ORDER BY since"
        ):
            pairings[hid].append((since, until, pid, cid))
        self._pairings = pairings
        return self

    def remember(self, entity: str, rid: int, code: str, name: str) -> None:
        """Make a record added during an import resolvable by the rows after it."""
        if self._codes is not None:
            self._codes[entity][code] = rid
            self._names[entity].setdefault(name, []).append((rid, code))

    def remember_pairing(self, pid: int, hid: int, cid: int, since: str, until: str | None) -> None:
        if self._pairings is not None:
            self._pairings[hid].append((since, until, pid, cid))

    def find(self, entity: str, ref: str, field: str | None = None) -> int:
        """The id of the cadre or household with this code, else with this exact unique name."""
        field = field or entity
        ref = (ref or "").strip()
        if not ref:
            raise AidtrackError(field, ref, _("is required"))
        if self._codes is not None:
            rid = self._codes[entity].get(ref)
            matches = [] if rid is not None else self._names[entity].get(ref, [])
        else:
            table = _TABLES[entity]
            row = self.db.execute(f"SELECT id FROM {table} WHERE code = ?", [ref]).fetchone()
            rid = row[0] if row else None
            matches = (
                []
                if row
                else self.db.execute(
                    f"SELECT id, code FROM {table} WHERE name = ? ORDER BY code", [ref]
                ).fetchall()
            )
        if rid is not None:
            return rid
        if len(matches) == 1:
            return matches[0][0]
        if matches:
            codes = ", ".join(code for _, code in sorted(matches, key=lambda m: m[1]))
            raise Ambiguous(field, ref, _(_AMBIGUOUS[entity]).format(codes=codes))
        raise AidtrackError(field, ref, _(_UNKNOWN[entity]) + self._hint(entity, ref))

    def _hint(self, entity: str, ref: str) -> str:
        if self._codes is not None or not ref:
            return ""
        like = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")  # typed, not wildcards
        rows = self.db.execute(
            f"SELECT code, name FROM {_TABLES[entity]}"
            " WHERE name LIKE ? ESCAPE '\\' OR code LIKE ? ESCAPE '\\' ORDER BY code LIMIT 5",
            [f"%{like}%", f"{like}%"],
        ).fetchall()
        if not rows:
            return ""
        if getattr(self.db, "redact", False):  # --redact: the hint must not print a name in full
            from .redact import mask_name

            rows = [(c, mask_name(n)) for c, n in rows]
        return _("; did you mean {records}").format(records=", ".join(f"{c} {n}" for c, n in rows))

    def cadre(self, ref: str, field: str = "cadre") -> int:
        return self.find("cadre", ref, field)

    def household(self, ref: str, field: str = "household") -> int:
        return self.find("household", ref, field)

    def pairings_of(self, household_id: int) -> list[tuple[str, str | None, int, int]]:
        """(since, until, pairing id, cadre id) of every pairing of the household."""
        if self._pairings is not None:
            return list(self._pairings.get(household_id, ()))
        return self.db.execute(
            "SELECT since, until, id, cadre_id FROM pairings WHERE household_id = ? ORDER BY since",
            [household_id],
        ).fetchall()

    def pairing_on(self, household_id: int, day: dt.date | str, field: str = "date") -> tuple[int, int]:
        """(pairing id, cadre id) of the household's pairing active on that day."""
        d = str(day)
        if self._pairings is not None:
            for since, until, pid, cid in self._pairings.get(household_id, ()):
                if since <= d and (until is None or until >= d):
                    return pid, cid
        else:
            row = self.db.execute(
                "SELECT id, cadre_id FROM pairings WHERE household_id = ? AND since <= ?"
                " AND (until IS NULL OR until >= ?) ORDER BY since DESC LIMIT 1",
                [household_id, d, d],
            ).fetchone()
            if row:
                return row[0], row[1]
        raise AidtrackError(field, d, _("is outside every pairing of this household"))
