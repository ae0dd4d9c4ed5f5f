"""Resolving what a clerk types (a code like H01, or an exact name) to a record id.

A single CLI call asks the database directly; an import calls `preload()` first so that a million
rows are resolved from dicts built once, never with a query per row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ... import parse
from ...i18n import N_, _
from ...model import AidtrackError
from ...store import Store
from .policy import Policy

_TABLES = {"cadre": "cadres", "household": "households"}
_AMBIGUOUS = {
    "cadre": N_("matches more than one cadre: {codes}; use the code"),
    "household": N_("matches more than one household: {codes}; use the code"),
}
_UNKNOWN = {
    "cadre": N_("no cadre has this code or name"),
    "household": N_("no household has this code or name"),
}


class Ambiguous(AidtrackError):
    """A name shared by several records: the clerk must give the code."""


class Refs:
    def __init__(self, db: Store):
        self.db = db
        self._codes: dict[str, dict[str, int]] | None = None
        self._code_of: dict[str, dict[int, str]] = {}
        self._names: dict[str, dict[str, list[tuple[int, str]]]] = {}
        self._pairings: dict[int, list[tuple[str, str | None, int, int]]] | None = None
        self._enrolled: dict[int, str] | None = None
        self._id_numbers: dict[str, tuple[int, str]] | None = None
        self._visits: dict[int, list[tuple[str, str, int]]] = {}
        self._id_check: bool | None = None
        #: (household id, day) -> that day's visits, fetched set-based for a batch of rows (prefetch_visits).
        self._visit_days: dict[tuple[int, str], list[tuple[str, str, int]]] = {}
        #: Bumped whenever what a code or name resolves to may change: a validator's caches of
        #: resolved references (ops/rules/validate.py) start over then.
        self.generation = 0

    @property
    def preloaded(self) -> bool:
        return self._codes is not None

    def preload(self) -> Refs:
        self.generation += 1
        self._codes = {}
        self._code_of = {}
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
        self._enrolled = dict(
            self.db.execute("SELECT household_id, min(date) FROM statuses GROUP BY household_id").fetchall()
        )
        self._id_numbers = {
            number: (rid, code)
            for rid, code, number in self.db.execute(
                "SELECT id, code, id_number FROM households WHERE id_number IS NOT NULL ORDER BY id DESC"
            )
        }
        self._visits = {}
        self._visit_days = {}
        return self

    def remember(
        self,
        entity: str,
        rid: int,
        code: str,
        name: str,
        enrolled: str | None = None,
        id_number: str | None = None,
    ) -> None:
        """Make a record added during an import resolvable by the rows after it."""
        self.generation += 1
        if self._codes is not None:
            self._codes[entity][code] = rid
            self._names[entity].setdefault(name, []).append((rid, code))
        if enrolled is not None and self._enrolled is not None:
            self._enrolled[rid] = enrolled
        if id_number and self._id_numbers is not None:
            self._id_numbers[id_number] = (rid, code)

    def remember_enrolment(self, household_id: int, day: str) -> None:
        if self._enrolled is not None:
            self._enrolled[household_id] = day

    def code(self, entity: str, rid: int) -> str:
        """The code of a cadre or household by id, for messages."""
        if self._codes is not None:
            codes = self._codes[entity]
            by_id = self._code_of.get(entity)
            if by_id is None or len(by_id) != len(codes):  # built once, again after `remember`
                by_id = self._code_of[entity] = {i: code for code, i in codes.items()}
            if rid in by_id:
                return by_id[rid]
        row = self.db.execute(f"SELECT code FROM {_TABLES[entity]} WHERE id = ?", [rid]).fetchone()
        return row[0] if row else str(rid)

    def cases_from(self) -> str:
        """The policy day from which a status is changed only by an approved case (docs/decisions.md)."""
        found = getattr(self, "_cases_from", None)
        if found is None:
            row = self.db.execute(
                "SELECT value FROM policy WHERE key = 'cases_from' ORDER BY effective_from DESC LIMIT 1"
            ).fetchone()
            value = row[0] if row else 19000101
            found = self._cases_from = f"{value // 10000:04d}-{value // 100 % 100:02d}-{value % 100:02d}"
        return found

    def enrolled(self, household_id: int) -> str | None:
        """The household's enrolment date: its first status."""
        if self._enrolled is not None:
            return self._enrolled.get(household_id)
        return self.db.execute(
            "SELECT min(date) FROM statuses WHERE household_id = ?", [household_id]
        ).fetchone()[0]

    def id_check_refuses(self) -> bool:
        """Whether an invalid ID number is refused (policy `id_check` 1, the default) or stored with a warning."""
        if self._id_check is None:
            self._id_check = Policy(self.db).value("id_check", dt.date.today()) != 0
        return self._id_check

    def id_number_owner(self, number: str) -> tuple[int, str] | None:
        """(id, code) of the household holding this ID number, if any."""
        if self._id_numbers is not None:
            return self._id_numbers.get(number)
        row = self.db.execute(
            "SELECT id, code FROM households WHERE id_number = ? ORDER BY id LIMIT 1", [number]
        ).fetchone()
        return (row[0], row[1]) if row else None

    def visit_on(self, household_id: int, day: str, kind: str | None) -> int:
        """The id of the household's visit that day (of that kind, where there are several).

        An import fetches the visits of a batch of rows' (household, day) in one query first
        (prefetch_visits), else asks for each household's visits once (cached); a CLI call asks the
        database.
        """
        visits = self._visit_days.get((household_id, day))
        if visits is None:
            visits = self._visits.get(household_id)
        if visits is None:
            visits = self.db.execute(
                "SELECT v.date, v.kind, v.id FROM visits v JOIN pairings p ON p.id = v.pairing_id"
                " WHERE p.household_id = ?",
                [household_id],
            ).fetchall()
            if self._codes is not None:
                self._visits[household_id] = visits
        found = [vid for d, k, vid in visits if d == day and (kind is None or k == kind)]
        if len(found) == 1:
            return found[0]
        if not found:
            raise AidtrackError("date", day, _("no visit to this household on that day"))
        raise AidtrackError("kind", kind or "", _("several visits that day: give the visit kind"))

    def prefetch_visits(self, days: set[tuple[int, str]]) -> None:
        """The visits of these (household id, ISO day) pairs, in one query: what visit_on answers from
        next (replacing the previous batch's, so memory stays flat)."""
        import json

        found: dict[tuple[int, str], list[tuple[str, str, int]]] = {key: [] for key in days}
        for hid, day, kind, vid in self.db.execute(
            # CROSS JOIN keeps this order (pair, its pairings, the unique index on pairing and
            # day): left to itself SQLite reads every visit of the day through visits_date.
            "SELECT p.household_id, v.date, v.kind, v.id FROM json_each(?) j"
            " CROSS JOIN pairings p ON p.household_id = j.value ->> 0"
            " CROSS JOIN visits v ON v.pairing_id = p.id AND v.date = j.value ->> 1",
            [json.dumps(sorted(days))],
        ):
            found[(hid, day)].append((day, kind, vid))
        self._visit_days = found

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
        like = parse.like_literal(ref)  # typed, not wildcards
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
