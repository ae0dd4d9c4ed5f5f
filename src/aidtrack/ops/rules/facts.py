"""Read-only facts that reports and checks both need, each answered with one query for all households
(or, where a report or check goes a chunk of households at a time, for one chunk's: `chunks`, `Span`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from ...model import month_end
from ...store import Store


def memo(db: Store, key: tuple, compute: Callable[[], Any]) -> Any:
    """A fact computed once per command: the quarter report and the checks it runs for its attention
    section ask for the same ones. Kept on the Store, emptied when the Store writes; callers must not
    change what they get."""
    if key not in db.facts:
        db.facts[key] = compute()
    return db.facts[key]


#: A chunk of households by id, both ends included (a report built chunk by chunk: `Chunk.of`).
Span = tuple[int, int]


def status_at(db: Store, day: dt.date | str, households: Span | None = None) -> dict[int, str]:
    """Each household's status on a day: the latest status entry dated on or before it (of the
    households with ids in `households` only, when given: not kept, so chunks do not pile up)."""

    def compute() -> dict[int, str]:
        # SQLite takes a bare column from the row holding the max(): one pass, no window sort.
        rows = db.execute(
            "SELECT household_id, status, max(date || printf('%012d', id)) FROM statuses"
            f" WHERE date <= ?{_in_span('household_id', households)} GROUP BY household_id",
            [str(day), *(households or ())],
        )
        return {hid: status for hid, status, _ in rows}

    if households is not None:
        every = db.facts.get(("status_at", str(day)))
        if every is not None:  # the whole file's, read already (the quarter report's): a chunk of it
            from bisect import bisect_left, bisect_right

            ids = memo(db, ("status_at_ids", str(day)), lambda: sorted(every))
            lo, hi = households
            return {hid: every[hid] for hid in ids[bisect_left(ids, lo) : bisect_right(ids, hi)]}
        return compute()
    return memo(db, ("status_at", str(day)), compute)


def _in_span(column: str, households: Span | None) -> str:
    """The SQL condition keeping a chunk's households (two parameters), or nothing."""
    return "" if households is None else f" AND {column} BETWEEN ? AND ?"


#: Households a chunk (`chunks`): a few thousand keep the queries few and what is held small.
CHUNK = 4000


def chunks(db: Store, size: int = CHUNK) -> list[Span]:
    """The households' ids cut into spans of `size` households, in id order (a report that
    accumulates as the chunks pass holds one chunk at a time): one query on the primary key a chunk."""
    out: list[Span] = []
    lo = db.execute("SELECT min(id) FROM households").fetchone()[0]
    while lo is not None:
        hi = db.execute(
            "SELECT max(id) FROM (SELECT id FROM households WHERE id >= ? ORDER BY id LIMIT ?)", [lo, size]
        ).fetchone()[0]
        out.append((lo, hi))
        lo = db.execute("SELECT min(id) FROM households WHERE id > ?", [hi]).fetchone()[0]
    return out


class Sizes:
    """Household size at a date: the count of members present then (joined ≤ day ≤ left).

    A month's size is the size on its last day. Before the first member joined (income recorded
    as a baseline before enrolment) the size at that first joining stands; a household with no
    member present (none recorded, or all gone) counts as its stored size, at least 1. Every
    per-person figure asks here, so correcting today's size never changes a past month.
    One query for all households (or the given ones).
    """

    def __init__(self, db: Store, household_ids=None):
        sql = "SELECT household_id, joined, left_on FROM members"
        args: list = []
        if household_ids is not None:
            sql += " WHERE household_id IN (SELECT value FROM json_each(?))"
            args.append(_ids_json(household_ids))
        self._spans: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
        same: dict[str, str] = {}  # one string per distinct date: a city's members join on few days
        for hid, joined, left in db.execute(sql, args):
            self._spans[hid].append((same.setdefault(joined, joined), left and same.setdefault(left, left)))
        self._first = {hid: min(j for j, _ in spans) for hid, spans in self._spans.items()}
        #: Households no member has left: from the last joining on, the size is the count.
        self._settled = {
            hid: (max(j for j, _ in spans), len(spans))
            for hid, spans in self._spans.items()
            if all(left is None for _, left in spans)
        }
        sql = "SELECT id, members FROM households"
        if household_ids is not None:
            sql += " WHERE id IN (SELECT value FROM json_each(?))"
        self._stored = dict(db.execute(sql, args).fetchall())
        self._memo: dict[tuple[int, str], int] = {}

    def on(self, hid: int, day: str) -> int:
        """The size on a day (ISO text)."""
        settled = self._settled.get(hid)
        if settled is not None and day >= settled[0]:
            return settled[1]
        key = (hid, day)
        if key not in self._memo:
            spans = self._spans.get(hid)
            n = 0
            if spans:
                day = max(day, self._first[hid])
                n = sum(1 for joined, left in spans if joined <= day and (left is None or left >= day))
            self._memo[key] = n or max(1, self._stored.get(hid) or 1)
        return self._memo[key]

    def month(self, hid: int, month: str) -> int:
        """The size in a YYYY-MM month: on its last day."""
        return self.on(hid, month_end(month))

    def person_months(self, hid: int, months: list[str]) -> int:
        """Σ of the size in each of the YYYY-MM months (`month`): the person-months a per-person figure
        divides by. A household no member has left, settled before the first of them, has its count
        in each."""
        if not months:
            return 0
        settled = self._settled.get(hid)
        if settled is not None and month_end(min(months)) >= settled[0]:
            return settled[1] * len(months)
        return sum(self.on(hid, month_end(m)) for m in months)


def sizes(db: Store, household_ids=None) -> Sizes:
    """The sizes of the given households, or of every household: those of every household are read
    once per command (facts.memo) and answer for any households once read (the quarter report, its
    attention section and the checks it runs ask four times)."""
    every = db.facts.get(("sizes",))
    if every is not None:
        return every
    if household_ids is None:
        return memo(db, ("sizes",), lambda: Sizes(db))
    return Sizes(db, household_ids)


def pairings_between(
    db: Store, start: dt.date | str, end: dt.date | str, households: Span | None = None
) -> list[dict]:
    """Pairings active on any day of [start, end], with their cadre and household (of a chunk of
    households only, when given: not kept). The whole file's are read once per command (facts.memo:
    the quarter report and its attention section's pairings short of visits ask for the same)."""
    if households is None:
        return memo(db, ("pairings_between", str(start), str(end)), lambda: _pairings(db, start, end, None))
    return _pairings(db, start, end, households)


def _pairings(db: Store, start: dt.date | str, end: dt.date | str, households: Span | None) -> list[dict]:
    cur = db.execute(
        "SELECT p.id, p.since, p.until, p.cadre_id, c.code AS cadre, c.name AS cadre_name,"
        " p.household_id, h.code AS household, h.name AS household_name, h.members"
        " FROM pairings p JOIN cadres c ON c.id = p.cadre_id JOIN households h ON h.id = p.household_id"
        " WHERE p.since <= ? AND (p.until IS NULL OR p.until >= ?)"
        f"{_in_span('p.household_id', households)} ORDER BY h.code, p.since",
        [str(end), str(start), *(households or ())],
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur]


def required_visits(
    per_quarter: int, since: dt.date | str, until: dt.date | str | None, start: dt.date, end: dt.date
) -> int:
    """Visits a pairing owes in the quarter [start, end], pro-rated to the days it was active.

    ceil(per_quarter × days active ÷ days in the quarter), days counted inclusive of both ends and
    clipped to the quarter; 0 for a pairing not active in it.
    """
    first = max(dt.date.fromisoformat(str(since)), start)
    last = min(dt.date.fromisoformat(str(until)), end) if until else end
    if last < first:
        return 0
    days = (last - first).days + 1
    return -(-per_quarter * days // ((end - start).days + 1))


def visit_counts(
    db: Store, start: dt.date | str, end: dt.date | str, households: Span | None = None
) -> dict[tuple[int, str], int]:
    """Visits of every kind per (pairing id, quarter label such as 2004Q3) dated in [start, end].

    One range query on the visits_date index (named: with ANALYZE statistics SQLite otherwise
    prefers a slower skip-scan of the unique index), whatever the number of pairings; of a chunk of
    households, from their pairings (a range of each one's visits). The whole file's within one
    quarter are visits_by_pairing's counts (read once per command), labelled with that quarter.
    """
    label = "substr(v.date, 1, 4) || 'Q' || ((CAST(substr(v.date, 6, 2) AS INTEGER) + 2) / 3)"
    first, last = str(start), str(end)
    if households is None and _quarter_label(first) == _quarter_label(last):
        # within one quarter: the per-pairing counts of the range (visits_by_pairing), each labelled with it
        q = _quarter_label(first)
        return {(pid, q): n for pid, n in visits_by_pairing(db, first, last).items()}
    if households is not None:
        rows = db.execute(
            f"SELECT v.pairing_id, {label}, count(*) FROM pairings p INDEXED BY pairings_household"
            " CROSS JOIN visits v ON v.pairing_id = p.id AND v.date BETWEEN ? AND ?"
            " WHERE p.household_id BETWEEN ? AND ? GROUP BY 1, 2",
            [str(start), str(end), *households],
        )
        return {(pid, q): n for pid, q, n in rows}
    rows = db.execute(
        f"SELECT v.pairing_id, {label},"
        " count(*) FROM visits v INDEXED BY visits_date WHERE v.date BETWEEN ? AND ? GROUP BY 1, 2",
        [str(start), str(end)],
    )
    return {(pid, label): n for pid, label, n in rows}


def _ids_json(household_ids) -> str:
    import json

    return json.dumps(sorted(int(h) for h in household_ids))


def latest_recorded_months(
    db: Store, last_month: str, want: int, bound: int, household_ids
) -> dict[int, list[tuple[str, int]]]:
    """The latest `want` recorded months of each household, oldest first: [(month, fen), …].

    Only months among the `bound` months ending at `last_month` count (sources of a month added).
    A first query reads a short window (want + 2 months) through the covering income_month index
    (the `+` keeps SQLite from probing another index once per household); only households with
    gaps in it are looked up further back, so recent rows are all that is read. The households
    are passed as one JSON parameter: no limit on their number. The window is read month by month
    between the lowest and highest id asked for, so a chunk of households (facts.chunks) reads its
    own rows, not the city's.
    """
    from ...model import add_months

    bound = max(bound, want)
    short = min(bound, want + 2)
    ids = sorted(int(h) for h in household_ids)
    if not ids:
        return {}
    found: dict[int, list[tuple[str, int]]] = defaultdict(list)
    window = [add_months(last_month, -i) for i in range(short - 1, -1, -1)]
    for hid, month, amount in db.execute(
        f"SELECT household_id, month, sum(amount) FROM income WHERE month IN ({', '.join('?' for _m in window)})"
        " AND household_id BETWEEN ? AND ? AND +household_id IN (SELECT value FROM json_each(?))"
        " GROUP BY month, household_id ORDER BY month, household_id",
        [*window, ids[0], ids[-1], _ids_json(ids)],
    ).fetchall():
        found[hid].append((month, amount))
    sparse = [h for h in ids if len(found.get(h, ())) < want]
    if bound > short and sparse:
        older: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for hid, month, amount in db.execute(
            "SELECT household_id, month, sum(amount) FROM income WHERE month BETWEEN ? AND ?"
            " AND household_id IN (SELECT value FROM json_each(?))"
            " GROUP BY household_id, month ORDER BY household_id, month",
            [add_months(last_month, 1 - bound), add_months(last_month, -short), _ids_json(sparse)],
        ).fetchall():
            older[hid].append((month, amount))
        for hid, rows in older.items():
            found[hid] = rows + found.get(hid, [])
    return {hid: rows if len(rows) <= want else rows[-want:] for hid, rows in found.items()}


def last_visits(db: Store, day: dt.date | str, household_ids=None) -> dict[int, str]:
    """The date of each household's latest visit (any kind, any of its pairings) on or before a day.

    One seek per pairing on the (pairing_id, date) index instead of a scan of every visit.
    """
    sql = (
        "SELECT p.household_id, max((SELECT max(v.date) FROM visits v"
        " WHERE v.pairing_id = p.id AND v.date <= ?)) FROM pairings p WHERE p.since <= ?"
    )
    args: list = [str(day), str(day)]
    if household_ids is not None:
        sql += " AND p.household_id IN (SELECT value FROM json_each(?))"
        args.append(_ids_json(household_ids))
    rows = db.execute(sql + " GROUP BY p.household_id", args)
    return {hid: last for hid, last in rows if last is not None}


def enrolled_on(db: Store, household_ids=None) -> dict[int, str]:
    """Each household's enrolment date: the date of its first status entry."""
    sql = "SELECT household_id, min(date) FROM statuses"
    args: list = []
    if household_ids is not None:
        sql += " WHERE household_id IN (SELECT value FROM json_each(?))"
        args.append(_ids_json(household_ids))
    return dict(db.execute(sql + " GROUP BY household_id", args).fetchall())


def out_of_poverty_since(db: Store, day: dt.date | str, households: Span | None = None) -> dict[int, str]:
    """For households exited or prosperous on a day: the date they left poverty that time (of a
    chunk of households only, when given).

    That is the first entry of the unbroken run of exited/prosperous entries ending at the day
    (an exited household later marked prosperous keeps its exit date).
    """
    rows = db.execute(
        "WITH s AS (SELECT household_id, date, status IN ('exited', 'prosperous') AS out_,"
        "  row_number() OVER (PARTITION BY household_id ORDER BY date, id) AS n"
        f"  FROM statuses WHERE date <= ?{_in_span('household_id', households)}),"
        " last_in AS (SELECT household_id, max(n) AS n FROM s WHERE NOT out_ GROUP BY household_id)"
        " SELECT s.household_id, min(s.date) FROM s LEFT JOIN last_in USING (household_id)"
        " WHERE s.out_ AND s.n > coalesce(last_in.n, 0) GROUP BY s.household_id",
        [str(day), *(households or ())],
    )
    return dict(rows.fetchall())


def _quarter_label(day: str) -> str:
    """The quarter of an ISO day, as visit_counts labels it (2004Q3)."""
    return f"{day[:4]}Q{(int(day[5:7]) + 2) // 3}"


def visits_by_pairing(
    db: Store, start: dt.date | str, end: dt.date | str, households: Span | None = None
) -> dict[int, int]:
    """Visits of every kind per pairing id dated in [start, end]: one range query on visits_date (of
    a chunk of households: their pairings, each a range of its (pairing_id, date, kind) key). The
    whole file's are read once per command (facts.memo: the quarter report's cells and its attention
    section's pairings short of visits count the same quarter)."""
    if households is not None:
        return dict(
            db.execute(
                "SELECT v.pairing_id, count(*) FROM pairings p INDEXED BY pairings_household"
                " CROSS JOIN visits v ON v.pairing_id = p.id AND v.date BETWEEN ? AND ?"
                " WHERE p.household_id BETWEEN ? AND ? GROUP BY v.pairing_id",
                [str(start), str(end), *households],
            ).fetchall()
        )
    return memo(
        db,
        ("visits_by_pairing", str(start), str(end)),
        lambda: dict(
            db.execute(
                "SELECT pairing_id, count(*) FROM visits INDEXED BY visits_date WHERE date BETWEEN ? AND ?"
                " GROUP BY pairing_id",
                [str(start), str(end)],
            ).fetchall()
        ),
    )


#: A visit carries field evidence when a phone form recorded it: the form's start on the device.
#: One definition for the quarter report, the assessment and check visits (docs/phones.md).
EVIDENCED = "v.device_start IS NOT NULL"


def evidenced_by_pairing(
    db: Store, start: dt.date | str, end: dt.date | str, households: Span | None = None
) -> dict[int, int]:
    """Visits dated in [start, end] that carry field evidence, per pairing (none: left out; of a
    chunk of households only, when given)."""
    if households is not None:
        return dict(
            db.execute(
                "SELECT v.pairing_id, count(*) FROM pairings p INDEXED BY pairings_household"
                " CROSS JOIN visits v ON v.pairing_id = p.id AND v.date BETWEEN ? AND ?"
                f" WHERE p.household_id BETWEEN ? AND ? AND {EVIDENCED} GROUP BY v.pairing_id",
                [str(start), str(end), *households],
            ).fetchall()
        )
    return dict(
        db.execute(
            f"SELECT v.pairing_id, count(*) FROM visits v WHERE v.date BETWEEN ? AND ? AND {EVIDENCED}"
            " GROUP BY v.pairing_id",
            [str(start), str(end)],
        ).fetchall()
    )


def distance_m(a: str, b: str) -> int:
    """Metres between two places given as "latitude longitude" (haversine, the Earth's mean radius)."""
    import math

    (lat1, lon1), (lat2, lon2) = ((math.radians(float(x)) for x in p.split()[:2]) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return round(2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h))))


def visit_days_by_pairing(db: Store, start: dt.date | str, end: dt.date | str) -> dict[int, list[str]]:
    """The distinct days with a visit per pairing id in [start, end], in order: one trip to a
    household on a day is one visit, whatever its kind and however many rows record it."""
    out: dict[int, list[str]] = defaultdict(list)
    for pid, day in db.execute(
        "SELECT DISTINCT pairing_id, date FROM visits INDEXED BY visits_date WHERE date BETWEEN ? AND ?"
        " ORDER BY pairing_id, date",
        [str(start), str(end)],
    ):
        out[pid].append(day)
    return dict(out)


#: How many months back income is read (a month recorded longer ago is not part of any figure,
#: an income drop's baseline included): the checks (checks.common.WINDOW_MONTHS) and the
#: assessment's late follow-up read this one constant.
INCOME_WINDOW_MONTHS = 24


def income_drop(amounts: list[int], baseline: int, pct: int) -> bool:
    """Whether the last of a household's recorded months (sources added, oldest first, within
    INCOME_WINDOW_MONTHS) is a drop: `pct` % or more under the mean of the up to `baseline` recorded
    months before it (at least one, their sum above 0). Exactly, in whole fen:
    100 × (Σ base − n × latest) ≥ pct × Σ base. The one definition the relapse check
    (checks/relapse.py) and the assessment's late follow-up (reports/cadres.py) share."""
    base = amounts[-(baseline + 1) : -1] if len(amounts) > 1 else []
    total = sum(base)
    return total > 0 and 100 * (total - amounts[-1] * len(base)) >= pct * total


def monthly_income(db: Store, first: str, last: str, household_ids) -> dict[int, list[tuple[str, int]]]:
    """Each household's recorded months in [first, last] (YYYY-MM), sources added, oldest first."""
    out: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for hid, month, amount in db.execute(
        "SELECT household_id, month, sum(amount) FROM income WHERE month BETWEEN ? AND ?"
        " AND household_id IN (SELECT value FROM json_each(?)) GROUP BY household_id, month"
        " ORDER BY household_id, month",
        [first, last, _ids_json(household_ids)],
    ):
        out[hid].append((month, amount))
    return dict(out)


# --- the rules a decision about a household applies (docs/rules.md "Decisions") ------------------


def last_ended_month(day: dt.date | str) -> str:
    """The latest month whose last day is on or before the day (a month in progress is not read)."""
    from ...model import add_months

    d = dt.date.fromisoformat(str(day))
    own = f"{d.year:04d}-{d.month:02d}"
    return own if (d + dt.timedelta(days=1)).day == 1 else add_months(own, -1)


def prosper_test(db: Store, hid: int, day: dt.date | str) -> dict[str, Any]:
    """Whether a household's income allows 致富 (prosperous) on a day, with the figures.

    The latest `prosper_months` recorded months ended by the day (within WINDOW months): their income
    must reach `prosper_ratio` % of what the poverty line gives the household over them, in whole
    fen 100 × Σ income ≥ ratio × Σ (size that month × line that month). Fewer recorded months than
    `prosper_months` fails the test (missing income is a gap, not evidence of prosperity).
    Returns {"ok", "need", "months", "first", "last", "per_person", "required", "ratio"} (money in fen
    per person a month, averaged over the person-months).
    """
    from .policy import Policy

    policy = Policy(db)
    need = policy.value("prosper_months", day)
    ratio = policy.value("prosper_ratio", day)
    last = last_ended_month(day)
    months = latest_recorded_months(db, last, need, max(24, need), [hid]).get(hid, [])
    size = Sizes(db, [hid])
    people = sum(size.month(hid, m) for m, _ in months)
    total = sum(fen for _, fen in months)
    owed = sum(size.month(hid, m) * policy.value("poverty_line", f"{m}-01") for m, _ in months)
    return {
        "ok": len(months) >= need and 100 * total >= ratio * owed,
        "need": need,
        "months": len(months),
        "first": months[0][0] if months else None,
        "last": months[-1][0] if months else last,
        "per_person": round(total / people) if people else None,
        "required": round(ratio * owed / (100 * people)) if people else None,
        "ratio": ratio,
    }


def livelihood_at(db: Store, day: dt.date | str) -> dict[int, str | None]:
    """Each household's livelihood on a day: its latest dated change (kind `livelihoods`) on or before
    the day, else the household's own `livelihood` (as first recorded). One query."""

    def compute() -> dict[int, str | None]:
        rows = db.execute(
            "SELECT h.id, coalesce((SELECT lv.livelihood FROM livelihoods lv WHERE lv.household_id = h.id"
            " AND lv.date <= ? ORDER BY lv.date DESC, lv.id DESC LIMIT 1), h.livelihood) FROM households h",
            [str(day)],
        )
        return dict(rows.fetchall())

    return memo(db, ("livelihood_at", str(day)), compute)


#: Months of income the monitoring rules look at (the income of the past year).
WATCH_MONTHS = 12


def income_band(db: Store, day: dt.date | str, household_ids) -> dict[int, dict[str, Any]]:
    """Where each household's income per person stands on a day against the poverty line and the
    monitoring line (`watch_ratio` % of it): the recorded months among the WATCH_MONTHS months ended
    by the day. Households without any such month are left out (a gap, not evidence).

    Per household: {"months", "first", "last", "per_person" (fen, over the person-months), "line"
    and "watch_line" (fen, averaged over the months), "band"}: "below_line" when Σ income × n <
    Σ person-months × Σ line, else "watch" when 100 × Σ income × n < Σ person-months × ratio × Σ line,
    else "above". The one rule behind `check monitor`'s candidates and `monitor add`'s categories.
    """
    from .policy import Policy

    policy = Policy(db)
    ratio = policy.value("watch_ratio", day)
    ids = list(household_ids)
    income = latest_recorded_months(db, last_ended_month(day), WATCH_MONTHS, WATCH_MONTHS, ids)
    size = sizes(db, ids)
    line: dict[str, int] = {}
    out: dict[int, dict[str, Any]] = {}
    for hid, months in income.items():
        if not months:
            continue
        n = len(months)
        total = sum(fen for _, fen in months)
        people = size.person_months(hid, [m for m, _ in months])
        lines = 0
        for m, _ in months:
            if m not in line:  # the same WATCH_MONTHS months for every household: each line read once
                line[m] = policy.value("poverty_line", f"{m}-01")
            lines += line[m]
        if total * n < people * lines:
            band = "below_line"
        elif 100 * total * n < people * ratio * lines:
            band = "watch"
        else:
            band = "above"
        out[hid] = {
            "months": n,
            "first": months[0][0],
            "last": months[-1][0],
            "per_person": round(total / people),
            "line": round(lines / n),
            "watch_line": round(ratio * lines / (100 * n)),
            "band": band,
        }
    return out


def months_before(day: dt.date | str, n: int) -> str:
    """The same day n months earlier (the month's last day when it is shorter), as ISO text."""
    import calendar

    d = dt.date.fromisoformat(str(day))
    idx = d.year * 12 + d.month - 1 - n
    y, m = idx // 12, idx % 12 + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1])).isoformat()


def large_costs(db: Store, day: dt.date | str, household_ids=None) -> dict[int, list[dict[str, Any]]]:
    """Each household's unsettled large costs on a day (docs/monitoring.md "Spending").

    A spending record is a large cost when what is left after reimbursement (amount − reimbursed)
    is at least `large_cost`; it is settled when reimbursed down below that, or once it is
    `settle_months` months old (dated on or before the day that many months back). The reimbursed
    amount is as recorded now (a later reimbursement has no date of its own).
    """
    from .policy import Policy

    policy = Policy(db)
    limit = policy.value("large_cost", day)
    since = months_before(day, policy.value("settle_months", day))
    sql = (
        "SELECT household_id, id, date, kind, amount, reimbursed FROM spending"
        " WHERE date <= ? AND date > ? AND amount - reimbursed >= ?"
    )
    args: list = [str(day), since, limit]
    if household_ids is not None:
        sql += " AND household_id IN (SELECT value FROM json_each(?))"
        args.append(_ids_json(household_ids))
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for hid, sid, date, kind, amount, reimbursed in db.execute(sql + " ORDER BY date, id", args):
        out[hid].append({"id": sid, "date": date, "kind": kind, "amount": amount, "reimbursed": reimbursed})
    return dict(out)


#: Ages between which a member counts as able to work (在劳动年龄), and the health that rules it out.
WORK_AGES = (16, 60)
UNABLE_HEALTH = ("serious", "disabled")


def able_to_work(db: Store, day: dt.date | str, household_ids) -> dict[int, int]:
    """Members present on a day who are able to work, per household: aged 16 to 59 (unknown age
    counts: a gap is not evidence) and neither seriously ill nor disabled. Households with none are
    left out (or 0). A household with no member recorded at all (one recorded but never enrolled)
    counts 1: nothing says it has no working member."""
    d = str(day)
    ids = _ids_json(household_ids)
    recorded = {
        hid
        for (hid,) in db.execute(
            "SELECT DISTINCT household_id FROM members WHERE household_id IN (SELECT value FROM json_each(?))",
            [ids],
        )
    }
    low = months_before(d, 12 * WORK_AGES[1])  # born after this: under 60
    high = months_before(d, 12 * WORK_AGES[0])  # born on or before this: 16 or older
    rows = db.execute(
        "SELECT household_id, count(*) FROM members WHERE household_id IN (SELECT value FROM json_each(?))"
        " AND joined <= ? AND (left_on IS NULL OR left_on >= ?)"
        " AND (born IS NULL OR (born > ? AND born <= ?))"
        f" AND (health IS NULL OR health NOT IN ({', '.join(repr(h) for h in UNABLE_HEALTH)}))"
        " GROUP BY household_id",
        [ids, d, d, low, high],
    )
    return {**{int(h): 1 for h in household_ids if int(h) not in recorded}, **dict(rows.fetchall())}


def elimination_gaps(db: Store, day: dt.date | str, entries: dict[int, dict[str, Any]]) -> dict[int, dict]:
    """What each monitored household still lacks for risk elimination (风险消除) on a day.

    `entries`: the open monitoring entry per household ({"date": …}). Per household: {"first",
    "last" (the stable_months ended months), "monitored_since", "too_soon" (monitored less than
    stable_months), "months_below", "months_missing" (under the monitoring line / no income),
    "open_measures", "measures_done" (done since monitoring began), "large_costs" (unsettled),
    "able_to_work"}; ready when every list is empty, too_soon is false, measures_done ≥ 1 and
    able_to_work ≥ 1 (docs/monitoring.md). One rule for `check monitor` and `monitor end`.
    """
    from ...model import add_months
    from .planfacts import open_measures
    from .policy import Policy

    policy = Policy(db)
    stable = policy.value("stable_months", day)
    ratio = policy.value("watch_ratio", day)
    last = last_ended_month(day)
    first = add_months(last, 1 - stable)
    ids = list(entries)
    income = latest_recorded_months(db, last, stable, stable, ids)
    size = Sizes(db, ids)
    open_ = open_measures(db, day)
    costs = large_costs(db, day, ids)
    able = able_to_work(db, day, ids)
    done: dict[int, int] = defaultdict(int)
    for hid, done_on in db.execute(
        "SELECT household_id, done_on FROM measures WHERE status = 'done' AND done_on <= ?"
        " AND household_id IN (SELECT value FROM json_each(?))",
        [str(day), _ids_json(ids)],
    ):
        if done_on >= entries[hid]["date"]:
            done[hid] += 1
    cutoff = months_before(day, stable)
    out: dict[int, dict] = {}
    for hid, entry in entries.items():
        months = [m for m in income.get(hid, ()) if m[0] >= first]
        recorded = {m for m, _ in months}
        out[hid] = {
            "first": first,
            "last": last,
            "monitored_since": entry["date"],
            "too_soon": entry["date"] > cutoff,
            "months_below": [
                m
                for m, fen in months
                if 100 * fen < size.month(hid, m) * ratio * policy.value("poverty_line", f"{m}-01")
            ],
            "months_missing": [
                add_months(first, i) for i in range(stable) if add_months(first, i) not in recorded
            ],
            "open_measures": open_.get(hid, 0),
            "measures_done": done.get(hid, 0),
            "large_costs": costs.get(hid, []),
            "able_to_work": able.get(hid, 0),
        }
    return out


def eliminable(gaps: dict[str, Any]) -> bool:
    return not (
        gaps["too_soon"]
        or gaps["months_below"]
        or gaps["months_missing"]
        or gaps["open_measures"]
        or gaps["large_costs"]
        or not gaps["measures_done"]
        or not gaps["able_to_work"]
    )


def exit_runs(db: Store, day: dt.date | str, household_ids) -> dict[int, list[tuple[str, int]]]:
    """The 脱贫 (exit) test on a day, for the given households: each one's unbroken run of
    consecutive recorded months above the poverty line ending at the last month ended by the day
    (empty when that month is not recorded or not above), oldest first, [(month, fen)].

    "Above" is strictly above (income > size that month × the month's line) unless policy
    `exit_at_line` (in force on the day) is 1 (≥). The exit holds when the run has at least
    `exit_months` months. The one rule of `check exits` and of an exited status.
    """
    from ...model import add_months
    from .policy import Policy

    policy = Policy(db)
    need = policy.value("exit_months", day)
    at_line = bool(policy.value("exit_at_line", day))
    last = last_ended_month(day)
    ids = list(household_ids)
    income = latest_recorded_months(db, last, need, max(24, need), ids)
    size = sizes(db, ids)
    out: dict[int, list[tuple[str, int]]] = {}
    for hid in ids:
        run: list[tuple[str, int]] = []
        expected = last
        for month, fen in reversed(income.get(hid, [])):
            limit = size.month(hid, month) * policy.value("poverty_line", f"{month}-01")
            if month != expected or not (fen >= limit if at_line else fen > limit):
                break
            run.append((month, fen))
            expected = add_months(month, -1)
        out[hid] = run[::-1]
    return out
