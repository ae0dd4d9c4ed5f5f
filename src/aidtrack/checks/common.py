"""What the checks share: the as-of basis (policy in force, months), labels, output sections."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ..i18n import N_
from ..model import add_months, format_yuan, month_of, yuan
from ..ops.rules import facts
from ..ops.rules.policy import Policy
from ..ops.transfer.units import scope
from ..store import Store

#: How far back "the last N recorded months" may reach: as-of's month and the 23 before it (or
#: more when a policy asks for more months than that). Older records are ignored.
WINDOW_MONTHS = facts.INCOME_WINDOW_MONTHS

NOTHING = N_("Nothing found.")


@dataclass
class Basis:
    """The day a check answers for and the policy in force then."""

    as_of: dt.date
    policy: Policy
    _lines: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, db: Store, as_of: dt.date) -> Basis:
        return cls(as_of, Policy(db))

    @property
    def month(self) -> str:
        """The last month ended by as-of (as-of's own month when as-of is its last day): a check
        reads only ended months, never a month still in progress."""
        own = month_of(self.as_of)
        return own if (self.as_of + dt.timedelta(days=1)).day == 1 else add_months(own, -1)

    def value(self, key: str) -> int:
        return self.policy.value(key, self.as_of)

    def line(self, month: str) -> int:
        """The poverty line of a month, in fen per person: the one in force on the month's first day.

        A change effective mid-month applies from the next month on; it also keeps the line of
        as-of's own month one dated on or before as-of.
        """
        if month not in self._lines:
            self._lines[month] = self.policy.value("poverty_line", f"{month}-01")
        return self._lines[month]

    def months_back(self, n: int) -> str:
        return add_months(self.month, -n)


def ids_json(ids) -> str:
    return json.dumps(sorted(int(i) for i in ids))


def households(db: Store, ids) -> dict[int, dict[str, Any]]:
    """Code, name and members of the given households (one query).

    `members` is the size stored today: a check as of a date shows facts.Sizes.on(hid, as_of).
    """
    rows = db.execute(
        "SELECT id, code, name, members FROM households WHERE id IN (SELECT value FROM json_each(?))",
        [ids_json(ids)],
    )
    return {hid: {"household": code, "household_name": name, "members": m} for hid, code, name, m in rows}


def cadres_at(db: Store, day: dt.date, ids=None) -> dict[int, dict[str, Any]]:
    """The pairing of each household active on a day: its id, cadre code and name, since.

    A pairing ending after the day counts as open: its end was not known then.
    """
    sql = (
        "SELECT p.household_id, p.id, c.code, c.name, p.since FROM pairings p"
        " JOIN cadres c ON c.id = p.cadre_id WHERE p.since <= ? AND (p.until IS NULL OR p.until >= ?)"
    )
    args: list = [day.isoformat(), day.isoformat()]
    if ids is not None:
        sql += " AND p.household_id IN (SELECT value FROM json_each(?))"
        args.append(ids_json(ids))
    out: dict[int, dict[str, Any]] = {}
    for hid, pid, code, name, since in db.execute(sql + " ORDER BY p.since, p.id", args):
        out[hid] = {"pairing": pid, "cadre": code, "cadre_name": name, "since": since}
    return out


def per_person(fen: int, members: int) -> float | None:
    return yuan(round(fen / members))


def month_figures(
    months: list[tuple[str, int]], size: Callable[[str], int], basis: Basis
) -> list[dict[str, Any]]:
    """Each month's income, household size that month, income per person and poverty line, in yuan."""
    return [
        {
            "month": m,
            "income": yuan(fen),
            "members": size(m),
            "per_person": per_person(fen, size(m)),
            "line": yuan(basis.line(m)),
        }
        for m, fen in months
    ]


def money(value: float | None) -> str:
    """Yuan (already converted for JSON) as text with two decimals, for table cells."""
    return "" if value is None else format_yuan(round(value * 100))


@dataclass
class Section:
    """One titled table of a check's table output (an empty one prints "Nothing found.")."""

    title: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)
    headers: tuple[str, ...] | None = None


class Stream:
    """A list of findings handed out as they are made (checks' `stream()`): read once, in order, so
    that a city's findings are never all held at once (render.write_json writes it item by item).

    It counts what it gave: `bool()` after it was read says whether it gave anything (what found()
    asks); asked before, it refuses, as the answer is not known yet."""

    def __init__(self, items: Iterable[Any]):
        self._items: Iterator[Any] | None = iter(items)
        self.count = 0
        self.done = False

    def __iter__(self) -> Iterator[Any]:
        if self._items is None:
            raise RuntimeError("a stream of findings is read once")
        items, self._items = self._items, None
        for item in items:
            self.count += 1
            yield item
        self.done = True

    def __bool__(self) -> bool:
        if not self.done:
            raise RuntimeError("a stream of findings was asked whether it is empty before it was read")
        return self.count > 0


def each(rows: Any, fn: Callable[[Any], Any]) -> Any:
    """fn of each row: lazily for a Stream (a Stream), else a list."""
    if isinstance(rows, Stream):
        return Stream(fn(r) for r in rows)
    return [fn(r) for r in rows]


def materialized(result: dict[str, Any]) -> dict[str, Any]:
    """The result with each Stream read into a list (what run() returns)."""
    return {k: list(v) if isinstance(v, Stream) else v for k, v in result.items()}


#: At most this many spans of households in code order (code_spans): more, and the codes are too
#: scattered among the ids for spans to pay; the findings are then gathered and sorted.
MAX_SPANS = 10_000


def code_spans(db: Store, size: int) -> list[facts.Span] | None:
    """The households cut into spans of ids (at most `size` households each) listed in the order of
    their codes: each span is households next to each other both by code and by id, so findings
    sorted by household code are each span's, sorted, one span after the other. In a register
    whose codes follow the order households were added these are facts.chunks' spans; in a city of
    merged units, whatever their order, a unit's households are cut where the unit ends. None when
    the codes are too scattered among the ids for spans to pay (more than MAX_SPANS). One reading
    of the households' ids and codes, kept for the command (facts.memo)."""

    def compute() -> list[facts.Span] | None:
        spans: list[list[int]] = []  # [first id, last id, households]
        # codes rising with the ids (the usual register, a city merged in the units' order): the
        # spans in id order, no sort
        last = None
        for hid, code in db.execute("SELECT id, code FROM households ORDER BY id"):
            if last is not None and code <= last:
                break
            last = code
            if spans and spans[-1][2] < size:
                spans[-1][1:] = [hid, spans[-1][2] + 1]
            else:
                spans.append([hid, hid, 1])
        else:
            return [(lo, hi) for lo, hi, _n in spans]
        spans = []
        expected = None  # the id after the last one's, in id order
        for hid, after in db.execute("SELECT id, lead(id) OVER (ORDER BY id) FROM households ORDER BY code"):
            if spans and hid == expected and spans[-1][2] < size:
                spans[-1][1:] = [hid, spans[-1][2] + 1]
            elif len(spans) == MAX_SPANS:
                return None
            else:
                spans.append([hid, hid, 1])
            expected = after
        return [(lo, hi) for lo, hi, _n in spans]

    return facts.memo(db, ("code_spans", size), compute)


def by_chunks(
    db: Store,
    size: int,
    find: Callable[[facts.Span], Iterable[dict[str, Any]]],
    key: Callable[[dict[str, Any]], Any],
) -> Iterator[dict[str, Any]]:
    """The findings of every chunk of at most `size` households (find(span)) in the order of `key`
    (household code first): span after span in code order (code_spans), holding one span's; when
    the codes are scattered, every chunk's (facts.chunks) gathered and sorted (the same order, not
    bounded). Lazy: nothing is read before the first finding is asked for."""
    spans = code_spans(db, size)
    if spans is not None:
        for span in spans:
            yield from sorted(find(span), key=key)
        return
    rows = [r for span in facts.chunks(db, size) for r in find(span)]
    rows.sort(key=key)
    yield from rows


def in_units(
    db: Store,
    result: dict[str, Any],
    findings: dict[str, str],
    unit: str | None = None,
    by_unit: bool = False,
) -> dict[str, Any]:
    """A check's result for `--unit NAME` (only that unit's findings) or `--by unit` (each finding
    with its `unit`, the findings of a section grouped by unit in ops.transfer.units.Units.listed() order).

    `findings` names each list of findings and the key naming its record: "household" (a
    household's code) or "cadre" (a cadre's code); a finding belongs to that record's unit. The
    result says what it was asked: "unit" (the name given) or "by": "unit".
    """
    units, uid = scope(db, unit, by_unit)
    if units is None:
        return result
    codes = {"household": units.household_code, "cadre": units.cadre_code}
    out = dict(result)
    for name, key in findings.items():

        def unit_of(row: dict[str, Any], key: str = key) -> int | None:
            return codes[key][row[key]]

        if by_unit:
            groups = units.grouped(result[name], unit_of)
            out[name] = [{"unit": units.names[u], **r} for u, rows in groups.items() for r in rows]
        elif isinstance(result[name], Stream):
            out[name] = Stream(r for r in result[name] if unit_of(r) == uid)
        else:
            out[name] = [r for r in result[name] if unit_of(r) == uid]
    if by_unit:
        return {"by": "unit", **out}
    return {"unit": units.names[uid], **out}


def by_unit(result: dict[str, Any]) -> bool:
    """Whether the findings carry their unit (`--by unit`)."""
    return result.get("by") == "unit"


def table_sections(module: Any, result: dict[str, Any]) -> list[Section]:
    """The check's sections (module.sections), with the unit as the first column under `--by unit`."""
    sections = module.sections(result)
    if not by_unit(result):
        return sections
    return [
        replace(s, columns=("unit", *s.columns), headers=(N_("unit"), *s.headers) if s.headers else None)
        for s in sections
    ]


def csv_table(module: Any, result: dict[str, Any]) -> tuple[tuple[str, ...], Iterable[dict[str, Any]]]:
    """The check's CSV columns and rows (module.csv_rows, made as the findings are read), `unit`
    first under `--by unit`: one header row, then one row per finding."""
    columns, rows = module.csv_rows(result)
    return (("unit", *columns) if by_unit(result) else tuple(columns)), rows
