"""The work of one import inside its transaction: per-kind loaders sharing references and errors."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from operator import itemgetter
from typing import Any

from .... import parse
from ....i18n import _, column
from ....kinds import REGISTRY, Kind
from ....model import AidtrackError, format_yuan
from ....store import Store
from ...rules.members import add_unnamed, set_size
from ...rules.refs import Refs
from ...rules.validate import plain, prefetches, raw_column, sql_check, validator
from ...write.records import ENROL, move_enrolment
from .formats import Given, record_blocks, records
from .readers import Block, FileFault, Source

COUNTS = ("added", "unchanged", "replaced", "skipped")
#: Errors kept for the report; the rest are only counted, so a hopeless file keeps memory flat.
MAX_KEPT = 1000
BATCH = 5000
PROGRESS_EVERY = 10_000


def message(e: AidtrackError) -> str:
    """The error's text without its field (the report names the field itself), in either language."""
    text = str(e)
    for name in dict.fromkeys((e.field, column(e.field))):
        prefix = _("{field}: {message}").format(field=name, message="")
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def differences(names: Names, kind: str, columns: tuple[str, ...], stored: tuple, new: tuple) -> str:
    """What a file changes of a stored record, field by field in the file's words (money in yuan,
    a linked record by its code)."""
    k = REGISTRY[kind]
    return "; ".join(
        _("{field}: stored {old}, file {new}").format(
            field=column(k.public_name(c)), old=names.shown(kind, c, old), new=names.shown(kind, c, val)
        )
        for c, old, val in zip(columns, stored, new)
        if old != val
    )


class Run:
    """One import: the shared references, the counts per kind and the errors of every file."""

    def __init__(
        self,
        db: Store,
        refs: Refs,
        on_conflict: str,
        today: dt.date,
        progress: Callable[[str, int, int | None], None] | None = None,
    ):
        self.db = db
        self.refs = refs
        self.on_conflict = on_conflict
        self.today = today
        self.progress = progress
        self.counts: dict[str, dict[str, int]] = {}
        self.error_count = 0
        self._errors: list[tuple] = []
        self._file_no = 0
        self.names = Names(db)
        #: Line -> code of the cadre or household each row of the last roster-kind file stands for
        #: (added, unchanged, matched by name or conflicting): what a roster's later kinds refer to.
        self.placed: dict[int, str] = {}
        #: Line -> the fields a row of the last roster-kind file gave (a file holding some columns
        #: replaces those, never blanks the others).
        self.given: dict[int, frozenset[str]] = {}
        #: The fields any record of the last file gave (its columns): what a replace may overwrite.
        self.file_fields: set[str] = set()

    def error(self, file: str, line: int | None, field: str, text: str | Callable[[], str]) -> None:
        """Count an error; keep it (its text built only then) while fewer than MAX_KEPT are kept."""
        self.error_count += 1
        if len(self._errors) < MAX_KEPT:
            if callable(text):
                text = text()
            self._errors.append((self._file_no, line or 0, len(self._errors), file, line, field, text))

    def sorted_errors(self) -> list[tuple[str, int | None, str, str]]:
        return [e[3:] for e in sorted(self._errors)]

    def mark(self) -> int:
        """Where the kept errors end now: `relabel` renames the fields of those kept after it."""
        return len(self._errors)

    def relabel(self, since: int, label: Callable[[str], str]) -> None:
        """Name the fields of the errors kept since `mark` in a file's own words (a roster's headers)."""
        self._errors[since:] = [(*e[:5], label(e[5]), e[6]) for e in self._errors[since:]]

    def load(self, kind: str, source: Source) -> None:
        self._file_no += 1
        self.names = Names(self.db)
        self.placed = {}
        self.given = {}
        self.file_fields = set()
        counts = self.counts.setdefault(kind, dict.fromkeys(COUNTS, 0))
        load = REGISTRY[kind].load
        if load == "roster":
            _roster(self, kind, source, counts)
        elif load == "pairings":
            _pairings(self, source, counts)
        else:
            _staged(self, kind, source, counts)
        if kind == "cases":
            # An approved case stands for its decision: the status or monitoring entry it writes.
            from ...write.cases import apply_imported

            apply_imported(self.db, self.today)

    def rows(
        self,
        kind: str,
        source: Source,
        prepare: Callable[[dict], dict] | None = None,
        raw: tuple[str, ...] | None = None,
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """(line, stored row) of every valid record of the file; the invalid ones become errors.

        With RAW (the field names of temp._import_raw: a CSV or TSV file, whose records all have
        the file's columns), a record of `plain` text is staged there as it is, for `sql_check`,
        instead of being validated here."""
        name, error = source.name, self.error
        dated = REGISTRY[kind].dated_field
        roster = REGISTRY[kind].load == "roster"
        validate = validator(kind, self.refs, self.today)
        progress, size = self.progress, source.size
        count = 0

        def report(line: int | None, field: str, text: str) -> None:
            error(name, line, field, text)

        def checked(line: int, data: dict[str, Any]) -> dict[str, Any] | None:
            """The stored row of one record by the one validator; None (its errors kept) if invalid."""
            result = validate(data)
            bad = False
            if dated is not None:
                value = data.get(dated)
                if value is None or (isinstance(value, str) and not value.strip()):
                    error(
                        name,
                        line,
                        dated,
                        _("is required in a file (today is only the add command's default)"),
                    )
                    bad = True
            if result.errors:
                for e in result.errors:
                    error(name, line, e.field, message(e))
                return None
            return None if bad else result.row

        if raw is not None:
            yield from self._raw_rows(record_blocks(source, kind, report), raw, checked, source)
            return
        stream = records(source, kind, report)
        if prefetches(kind):
            stream = _prefetched(stream, validate.prefetch)  # type: ignore[attr-defined]
        try:
            for line, data in stream:
                count += 1
                if progress is not None and not count % PROGRESS_EVERY:
                    progress(name, source.done, size)
                if prepare is not None:
                    data = prepare(data)
                if roster:
                    self.given[line] = frozenset(data)
                elif not self.file_fields.issuperset(data):
                    self.file_fields.update(data)
                row = checked(line, data)
                if row is not None:
                    yield line, row
        except FileFault as f:
            error(name, f.line, f.field, f.message)
        if progress is not None:
            progress(name, source.done, size)

    def _raw_rows(
        self,
        stream: Iterator[tuple[int, dict[str, Any] | Block]],
        names: tuple[str, ...],
        checked: Callable[[int, dict[str, Any]], dict[str, Any] | None],
        source: Source,
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """A text file's records: those of `plain` text into temp._import_raw (the columns the file
        has), the others validated here and yielded. A Block's rows are taken by position."""
        executemany = self.db.conn.executemany
        progress, size = self.progress, source.size
        batch: list[tuple] = []
        insert, width = "", 0
        getter: Callable[[Any], tuple] | None = None  # a record's values of the given fields
        cells: Callable[[Any], tuple] | None = None  # a Block row's, by position
        at: list[int] | None = None  # the given fields' positions in a Block row
        count = 0
        try:
            for line, data in stream:
                if getter is None:  # every record of a CSV file has the file's columns
                    header = data.header if isinstance(data, Block) else list(data)
                    self.file_fields.update(header)
                    given = [n for n in names if n in header] or [names[0]]
                    getter = itemgetter(*given, given[0])  # a tuple even of one column
                    width = len(given)
                    insert = (
                        f"INSERT INTO temp._import_raw (line, {', '.join(map(raw_column, given))})"
                        f" VALUES (?{', ?' * width})"
                    )
                if isinstance(data, Block) and at is None and all(n in data.header for n in given):
                    # by the file's header itself (a record's keys lose a column named twice)
                    at = [data.header.index(n) for n in given]
                    cells = itemgetter(*at, at[0])
                if isinstance(data, Block) and data.printable and at is not None:
                    # every row `plain`: staged as it is, a column at a time
                    n, before = len(data.rows), count
                    count += n
                    if progress is not None and count // PROGRESS_EVERY != before // PROGRESS_EVERY:
                        progress(source.name, source.done, size)
                    batch.extend(zip(range(line, line + n), *([r[a] for r in data.rows] for a in at)))
                    if len(batch) >= BATCH:
                        executemany(insert, batch)
                        batch = []
                    continue
                rows: Iterable[Any]
                row: Any
                pick: Callable[[Any], tuple]
                record: Callable[[Any], dict[str, Any]]
                if isinstance(data, Block):
                    rows, pick, record = data.rows, cells or _via(getter, data.header), _record(data.header)
                else:
                    rows, pick, record = (data,), getter, _same
                for i, row in enumerate(rows):
                    count += 1
                    if progress is not None and not count % PROGRESS_EVERY:
                        progress(source.name, source.done, size)
                    values = pick(row)[:width]
                    if plain(values):
                        batch.append((line + i, *values))
                        if len(batch) >= BATCH:
                            executemany(insert, batch)
                            batch = []
                        continue
                    stored = checked(line + i, record(row))
                    if stored is not None:
                        yield line + i, stored
        except FileFault as f:
            self.error(source.name, f.line, f.field, f.message)
        if batch:
            executemany(insert, batch)
        if progress is not None:
            progress(source.name, source.done, size)

    def settle(
        self,
        counts: dict[str, int],
        file: str,
        line: int,
        field: str,
        what: Callable[[], str],
        diff: Callable[[], str],
    ) -> bool:
        """A conflict under --on-conflict: True if the stored record is to be replaced."""
        if self.on_conflict == "replace":
            counts["replaced"] += 1
            return True
        if self.on_conflict == "skip":
            counts["skipped"] += 1
        else:
            self.error(
                file,
                line,
                field,
                lambda: _(
                    "{what} is stored with other values ({diff}); --on-conflict skip keeps the stored record,"
                    " replace overwrites it"
                ).format(what=what(), diff=diff()),
            )
        return False


def _prefetched(
    stream: Iterator[tuple[int, dict]], prefetch: Callable[[list[dict]], None]
) -> Iterator[tuple[int, dict]]:
    """The records in batches whose lookups (a problem's visit) are made set-based, one query a batch."""
    batch: list[tuple[int, dict]] = []
    try:
        for item in stream:
            batch.append(item)
            if len(batch) >= BATCH:
                prefetch([data for _, data in batch])
                yield from batch
                batch = []
    except FileFault:
        prefetch([data for _, data in batch])
        yield from batch
        raise
    prefetch([data for _, data in batch])
    yield from batch


class Names:
    """Stored values as a person reads them: a linked record by its label (kinds.Kind.label_sql),
    money in yuan; looked up only when a message needs them."""

    def __init__(self, db: Store):
        self.db = db
        self._maps: dict[str, dict] = {}

    def label(self, kind: str, rid: Any) -> str:
        """The record of KIND with id RID as a person names it (H01; a visit by household, date, kind)."""
        if kind not in self._maps:
            k = REGISTRY[kind]
            sql = f"SELECT {k.alias}.id, {k.label_sql} FROM {k.source}"
            self._maps[kind] = dict(self.db.execute(sql).fetchall())
        return str(self._maps[kind].get(rid, rid))

    def value(self, kind: str, column: str, value: Any) -> str:
        """One stored value, bare: a link by its label, money in yuan, a flag as yes or no."""
        k = REGISTRY[kind]
        if column in k.link_targets:
            return self.label(k.link_targets[column], value)
        f = k.by_column(column)
        if f is not None and f.type == "money":
            return format_yuan(value)
        if f is not None and f.type == "flag":
            return _("yes") if value else _("no")
        return str(value)

    def shown(self, kind: str, column: str, value: Any) -> str:
        """A value in a conflict message: text quoted, nothing as (empty)."""
        if value is None or value == "":
            return _("(empty)")
        text = self.value(kind, column, value)
        f = REGISTRY[kind].by_column(column)
        plain = column in REGISTRY[kind].link_targets or (f is not None and f.type in ("money", "flag"))
        return repr(text) if isinstance(value, str) and not plain else text

    def key(self, kind: str, key: tuple) -> str:
        """A natural key as a file says it: links by label, free text quoted, empty parts left out."""
        k = REGISTRY[kind]
        parts = []
        for c, v in zip(k.natural_key, key):
            if v is None or v == "":
                continue
            f = k.by_column(c)
            text = self.value(kind, c, v)
            parts.append(
                repr(text) if f is not None and f.type == "text" and c not in k.link_targets else text
            )
        return ", ".join(parts)


# --- cadres and households -------------------------------------------------------------------


def _roster(run: Run, kind: str, source: Source, counts: dict[str, int]) -> None:
    """A roster is small: held whole, so codes are assigned after every explicit code is known.

    Gathered (the stored records, the file's rows), decided (what each row is: new, unchanged, a
    replacement) and then written."""
    k = REGISTRY[kind]
    #: The values compared and stored: the table's columns but the code, then a household's enrolment.
    columns = tuple(c for c in k.columns if c != "code") + (("enrolled",) if kind == "households" else ())
    stored, by_name = _stored_roster(run.db, k, columns)
    pending, lines = _roster_rows(run, kind, source)
    inserts, updates = _roster_decide(run, k, source.name, columns, stored, by_name, pending, lines, counts)
    _roster_write(run, k, source.name, columns, inserts, updates)


#: A roster's stored records: code -> (id, values), and name -> [(code, id, values)].
_Stored = tuple[dict[str, tuple[int, tuple]], dict[str, list[tuple[str, int, tuple]]]]


def _stored_roster(db: Store, k: Kind, columns: tuple[str, ...]) -> _Stored:
    exprs = [f"{k.alias}.{c}" if c in k.columns else k.field(c).sql for c in columns]
    sql = f"SELECT {k.alias}.id, {k.alias}.code, {', '.join(exprs)} FROM {k.source}"
    stored: dict[str, tuple[int, tuple]] = {}
    by_name: dict[str, list[tuple[str, int, tuple]]] = {}
    for rid, code, *values in db.execute(sql):
        stored[code] = (rid, tuple(values))
        by_name.setdefault(values[0], []).append((code, rid, tuple(values)))
    return stored, by_name


def _roster_rows(run: Run, kind: str, source: Source) -> tuple[list[tuple[int, dict]], dict[str, int]]:
    """The file's valid rows, a code or an ID number given twice refused; the line of each code."""
    name = source.name
    pending: list[tuple[int, dict]] = []
    lines: dict[str, int] = {}
    numbers: dict[str, int] = {}
    for line, row in run.rows(kind, source):
        code = row["code"]
        if code is not None:
            if code in lines:
                run.error(
                    name, line, "code", _("{code} is also on line {line}").format(code=code, line=lines[code])
                )
                continue
            lines[code] = line
        number = row.get("id_number")
        if number:  # two households of one file with one ID number: the stored ones are the validator's
            if number in numbers:
                run.error(
                    name,
                    line,
                    "id_number",
                    _("the same ID number is on line {line}").format(line=numbers[number]),
                )
                continue
            numbers[number] = line
        pending.append((line, row))
    return pending, lines


def _roster_decide(
    run: Run,
    k: Kind,
    name: str,
    columns: tuple[str, ...],
    stored: dict[str, tuple[int, tuple]],
    by_name: dict[str, list[tuple[str, int, tuple]]],
    pending: list[tuple[int, dict]],
    lines: dict[str, int],
    counts: dict[str, int],
) -> tuple[list[tuple[int, str, tuple]], list[tuple[int, tuple, tuple]]]:
    """What each row is: (id, code, values) to insert, (id, old, new) to update; counted, placed."""
    kind = k.name
    prefix = k.code_prefix or ""
    numbered = re.compile(re.escape(prefix) + r"(\d+)")
    top = max((int(m.group(1)) for c in [*stored, *lines] if (m := numbered.fullmatch(c))), default=0)
    next_id = (run.db.execute(f"SELECT max(id) FROM {kind}").fetchone()[0] or 0) + 1
    inserts: list[tuple[int, str, tuple]] = []
    updates: list[tuple[int, tuple, tuple]] = []
    for line, row in pending:
        values = tuple(row[c] for c in columns)
        given = run.given.get(line)
        code = row["code"]
        target, what, field = None, code, "code"
        if code is None:
            namesakes = by_name.get(row["name"], [])
            same = [c for c, _, v in namesakes if v == values]
            if same:
                run.placed[line] = same[0]
                counts["unchanged"] += 1
                continue
            if len(namesakes) > 1:
                codes = ", ".join(sorted(c for c, _, _ in namesakes))
                run.error(
                    name,
                    line,
                    "name",
                    _("{name} matches {n} {kind} ({codes}), none with these values: give the code").format(
                        name=row["name"], n=len(namesakes), kind=_(kind), codes=codes
                    ),
                )
                continue
            if namesakes:
                code, rid, old = namesakes[0]
                values = _kept(columns, values, old, given)
                target, what, field = (
                    (rid, old),
                    _("{name} (without code, matching {code})").format(name=row["name"], code=code),
                    "name",
                )
            else:
                top += 1
                code = f"{prefix}{top:02d}"
        elif code in stored:
            target = stored[code]
            values = _kept(columns, values, target[1], given)
        run.placed[line] = code
        if target is None:
            inserts.append((next_id, code, values))
            next_id += 1
            counts["added"] += 1
        elif target[1] == values:
            counts["unchanged"] += 1
        elif run.settle(
            counts,
            name,
            line,
            field,
            partial(str, what),
            partial(differences, run.names, kind, columns, target[1], values),
        ):
            updates.append((target[0], target[1], values))
    return inserts, updates


def _roster_write(
    run: Run,
    k: Kind,
    name: str,
    columns: tuple[str, ...],
    inserts: list[tuple[int, str, tuple]],
    updates: list[tuple[int, tuple, tuple]],
) -> None:
    """The decided rows written set-based; a household's enrolment and counted members with it."""
    db, kind = run.db, k.name
    own = tuple(c for c in columns if c in k.columns)
    db.conn.executemany(
        f"INSERT INTO {kind} (id, code, {', '.join(own)}) VALUES ({', '.join('?' * (len(own) + 2))})",
        [(rid, code, *values[: len(own)]) for rid, code, values in inserts],
    )
    if kind == "households":
        db.conn.executemany(ENROL, [(rid, values[-1]) for rid, _, values in inserts if values[-1]])
        size = columns.index("members")
        for rid, _code, values in inserts:  # the people counted, from the enrolment on
            add_unnamed(db, rid, values[size] or 1, values[-1] or run.today.isoformat())
    idn = columns.index("id_number") if "id_number" in columns else None
    for rid, code, values in inserts:
        run.refs.remember(
            k.singular,
            rid,
            code,
            values[0],
            enrolled=values[-1] if kind == "households" else None,
            id_number=values[idn] if idn is not None else None,
        )
    if updates:
        db.conn.executemany(
            f"UPDATE {kind} SET {', '.join(f'{c} = ?' for c in own)} WHERE id = ?",
            [(*new[: len(own)], rid) for rid, _, new in updates],
        )
        _log_replaced(db, kind, columns, updates)
        if kind == "households":
            size = columns.index("members")
            for rid, old, new in updates:
                if old[size] != new[size]:  # a count without a date: the size from today
                    try:
                        set_size(db, rid, new[size] or 1, run.today.isoformat())
                    except AidtrackError as e:
                        run.error(name, None, e.field, message(e))
                if old[-1] != new[-1]:
                    try:
                        move_enrolment(db, rid, new[-1])
                    except AidtrackError as e:
                        run.error(name, None, e.field, message(e))
        run.refs.preload()


def _kept(columns: tuple[str, ...], values: tuple, stored: tuple, given: frozenset[str] | None) -> tuple:
    """A stored record's values with the file's where the file gave the field: a file holding only
    some columns (code, name, phone) replaces those, never blanks the others (address, ID number)."""
    if given is None:
        return values
    return tuple(v if c in given else old for c, v, old in zip(columns, values, stored))


def _log_replaced(
    db: Store, kind: str, columns: tuple[str, ...], updates: list[tuple[int, tuple, tuple]]
) -> None:
    """One audit entry per record an import replaced, with its values before and after (the
    changed ones): the log can put each back, as it can an edit."""
    codes = dict(
        db.execute(
            f"SELECT id, code FROM {kind} WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps([rid for rid, _o, _n in updates])],
        ).fetchall()
    )
    for rid, old, new in updates:
        changed = [i for i, (a, b) in enumerate(zip(old, new)) if a != b]
        if changed:
            db.audit(
                "edit",
                kind,
                codes.get(rid) or str(rid),
                {columns[i]: old[i] for i in changed},
                {columns[i]: new[i] for i in changed},
            )


# --- pairings --------------------------------------------------------------------------------


def _pairings(run: Run, source: Source, counts: dict[str, int]) -> None:
    """Rows are remembered as they come, so the overlap check sees the file's earlier pairings."""
    db, refs, name = run.db, run.refs, source.name
    known: dict[tuple, list] = {}
    for pid, cid, hid, since, until in db.execute(
        "SELECT id, cadre_id, household_id, since, until FROM pairings"
    ):
        known[(cid, hid, since)] = [pid, until, None]
    next_id = (db.execute("SELECT max(id) FROM pairings").fetchone()[0] or 0) + 1

    def prepare(data: dict) -> dict:
        """Name the stored pairing this row restates, so the overlap check passes it by."""
        try:
            key = (
                refs.cadre(str(data.get("cadre") or "")),
                refs.household(str(data.get("household") or "")),
                parse.date(data.get("since") or "", "since", today=run.today).isoformat(),
            )
        except AidtrackError:
            return data
        hit = known.get(key)
        return {**data, "id": hit[0]} if hit else data

    inserts, updates, moves = [], [], []
    for line, row in run.rows("pairings", source, prepare):
        key = (row["cadre_id"], row["household_id"], row["since"])
        hit = known.get(key)
        if hit is None:
            known[key] = [next_id, row["until"], line]
            inserts.append((next_id, *key, row["until"]))
            refs.remember_pairing(next_id, key[1], key[0], key[2], row["until"])
            if row.get("enrolled"):
                moves.append((key[1], row["enrolled"]))
                refs.remember_enrolment(key[1], row["enrolled"])
            next_id += 1
            counts["added"] += 1
        elif hit[2] is not None:
            run.error(
                name,
                line,
                REGISTRY["pairings"].key_words,
                _("same cadre, household and since as line {line}").format(line=hit[2]),
            )
        else:
            hit[2] = line
            if hit[1] == row["until"]:
                counts["unchanged"] += 1
            elif run.settle(
                counts,
                name,
                line,
                REGISTRY["pairings"].key_words,
                partial(run.names.key, "pairings", key),
                partial(differences, run.names, "pairings", ("until",), (hit[1],), (row["until"],)),
            ):
                updates.append((row["until"], hit[0]))
    db.conn.executemany(
        "INSERT INTO pairings (id, cadre_id, household_id, since, until) VALUES (?, ?, ?, ?, ?)", inserts
    )
    for hid, day in moves:
        move_enrolment(db, hid, day)
    if updates:
        db.conn.executemany("UPDATE pairings SET until = ? WHERE id = ?", updates)
        refs.preload()


# --- the kinds that grow: staged in a TEMP table, classified and inserted set-based ----------


def _staged(run: Run, kind: str, source: Source, counts: dict[str, int]) -> None:
    db, name = run.db, source.name
    k = REGISTRY[kind]
    columns = k.staged
    keys = k.natural_key
    values = tuple(c for c in columns if c not in keys)
    cols = ", ".join(columns)
    db.execute("DROP TABLE IF EXISTS temp._import_stage")
    db.execute(f"CREATE TEMP TABLE _import_stage (line INTEGER PRIMARY KEY, {cols}, sid INTEGER)")
    try:
        staged = _stage(run, kind, source, columns)
        if not staged:
            return
        matched = 0
        stored = db.execute(f"SELECT count(*) FROM {kind}").fetchone()[0]
        if stored:
            matched = _match(run, kind, name, keys, _given_columns(k, values, run.file_fields), counts)
        # A unique key's table is written in the order of its key (the file's order within a day or
        # a month): its unique index grows at its end instead of being rewritten page by page at
        # random. The other kinds keep the file's order (their ids follow it).
        order = ", ".join(
            (keys[0], *(c for c in ("date", "month") if c in keys), "line") if k.unique_key else ("line",)
        )
        insert = (
            f"INSERT INTO {kind} ({cols}) SELECT {cols} FROM temp._import_stage"
            f" WHERE sid IS NULL ORDER BY {order}"
        )
        if k.unique_key:
            insert += " ON CONFLICT DO NOTHING"
        # A file larger than the table: its other indexes are built once, sorted, after the rows.
        rebuilt = _secondary_indexes(db, kind) if staged - matched > stored else []
        for index, _sql in rebuilt:
            db.execute(f"DROP INDEX main.{index}")
        try:
            added = db.execute(insert).rowcount
        except sqlite3.IntegrityError as e:
            run.error(name, None, kind, _("refused by the database: {error}").format(error=e))
            return
        finally:
            for _index, sql in rebuilt:
                db.execute(sql)
        if added > stored:
            _analyze(db, kind)
        counts["added"] += added
        if matched or added < staged - matched or not k.unique_key:
            _duplicates(run, kind, name, keys)
    finally:
        db.execute("DROP TABLE IF EXISTS temp._import_stage")


def _stage(run: Run, kind: str, source: Source, columns: tuple[str, ...]) -> int:
    """Every valid row of the file into temp._import_stage; the number staged.

    A text file's rows are staged as text and checked set-based by `sql_check` (the registry's
    declarations as SQL, evaluated by SQLite); the rows it leaves out, and every row of a kind
    whose rules have no SQL form, are read by the one validator, which names what is wrong."""
    db = run.db
    cols = ", ".join(columns)
    stage = f"INSERT INTO temp._import_stage (line, {cols}) VALUES (?{', ?' * len(columns)})"
    getter = itemgetter(*columns)
    executemany = db.conn.executemany

    def put(rows: Iterable[tuple[int, Any]]) -> int:
        """Validated rows into the stage, BATCH at a time; how many."""
        batch: list[tuple] = []
        count = 0
        for line, row in rows:
            batch.append((line, *getter(row)))
            if len(batch) >= BATCH:
                executemany(stage, batch)
                count += len(batch)
                batch = []
        if batch:
            executemany(stage, batch)
            count += len(batch)
        return count

    check = sql_check(kind, columns, "_import_raw", run.today) if source.fmt in ("csv", "tsv") else None
    if check is None:
        rows = run.rows(kind, source)
    else:
        names = REGISTRY[kind].field_names
        db.execute("DROP TABLE IF EXISTS temp._import_raw")
        db.execute(
            f"CREATE TEMP TABLE _import_raw (line INTEGER PRIMARY KEY, {', '.join(map(raw_column, names))})"
        )
        rows = run.rows(kind, source, raw=names)
    try:
        staged = put(rows)
        if check is not None:
            # the SQL over the columns the file has (the others are empty in every row)
            known = sql_check(kind, columns, "_import_raw", run.today, run.file_fields)
            if known is not None:
                staged += db.execute(f"INSERT INTO temp._import_stage (line, {cols}) {known}").rowcount
            staged += put(run.rows(kind, Given(source.name, _flagged(db, names))))
    finally:
        if check is not None:
            db.execute("DROP TABLE IF EXISTS temp._import_raw")
    return staged


def _flagged(db: Store, names: tuple[str, ...]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The staged text rows `sql_check` left out, in file order, as records (a batch at a time:
    the stage they are checked into is written between batches)."""
    last = 0
    while True:
        batch = db.execute(
            "SELECT * FROM temp._import_raw r WHERE r.line > ? AND r.line NOT IN"
            " (SELECT line FROM temp._import_stage) ORDER BY r.line LIMIT ?",
            [last, BATCH],
        ).fetchall()
        for line, *values in batch:
            yield line, {n: v for n, v in zip(names, values) if v is not None}
        if len(batch) < BATCH:
            return
        last = batch[-1][0]


def _same(record: dict[str, Any]) -> dict[str, Any]:
    return record


def _record(header: list[str]) -> Callable[[list[str]], dict[str, Any]]:
    """A Block row as the record the validator reads."""
    return lambda row: dict(zip(header, row))


def _via(getter: Callable[[Any], tuple], header: list[str]) -> Callable[[list[str]], tuple]:
    """A Block row's given values through its record (a given field the header lacks: as a record would)."""
    return lambda row: getter(dict(zip(header, row)))


def _secondary_indexes(db: Store, kind: str) -> list[tuple[str, str]]:
    """(name, CREATE sql) of the table's indexes that no constraint relies on (not UNIQUE, not partial)."""
    return [
        (name, sql)
        for name, sql in db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            [kind],
        )
        if not sql.lstrip().upper().startswith("CREATE UNIQUE") and " WHERE " not in sql.upper()
    ]


def _analyze(db: Store, kind: str) -> None:
    """Keep the planner's statistics current where the register has them (ANALYZE was run once)."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        limit = db.execute("PRAGMA analysis_limit").fetchone()[0]
        db.execute("PRAGMA analysis_limit = 1000")
        try:
            db.execute(f"ANALYZE main.{kind}")
        finally:
            db.execute(f"PRAGMA analysis_limit = {limit}")


def _key_match(kind: str, keys: tuple[str, ...], left: str, right: str) -> str:
    nullable = REGISTRY[kind].nullable
    return " AND ".join(f"{left}.{k} {'IS' if k in nullable else '='} {right}.{k}" for k in keys)


def _match(
    run: Run, kind: str, name: str, keys: tuple[str, ...], values: tuple[str, ...], counts: dict[str, int]
) -> int:
    """Pair staged rows with stored ones on the natural key; count unchanged, settle conflicts."""
    db = run.db
    # a city file's merged meetings are their units': the file's own are matched (unit_id NULL)
    own = " AND t.unit_id IS NULL" if REGISTRY[kind].unit_owned else ""
    db.execute(
        f"UPDATE temp._import_stage SET sid = (SELECT min(t.id) FROM main.{kind} t"
        f" WHERE {_key_match(kind, keys, 't', '_import_stage')}{own})"
    )
    if not values:  # the key is the whole record (aid): a match is the same record
        matched = db.execute("SELECT count(*) FROM temp._import_stage WHERE sid IS NOT NULL").fetchone()[0]
        counts["unchanged"] += matched
        return matched
    new = ", ".join(f"s.{c}" for c in values)
    old = ", ".join(f"t.{c}" for c in values)
    cur = db.execute(
        f"SELECT s.line, {', '.join(f's.{k}' for k in keys)}, {new}, {old}"
        f" FROM temp._import_stage s JOIN main.{kind} t ON t.id = s.sid ORDER BY s.line"
    )
    nk, nv = len(keys), len(values)
    matched = replace = 0
    for r in cur:
        matched += 1
        fresh, stored = r[1 + nk : 1 + nk + nv], r[1 + nk + nv :]
        if fresh == stored:
            counts["unchanged"] += 1
        elif run.settle(
            counts,
            name,
            r[0],
            REGISTRY[kind].key_words,
            partial(run.names.key, kind, r[1 : 1 + nk]),
            partial(differences, run.names, kind, values, stored, fresh),
        ):
            replace += 1
    if replace:
        db.execute("CREATE INDEX temp._import_stage_sid ON _import_stage(sid, line)")
        same = " AND ".join(f"s.{c} IS t.{c}" for c in values)
        _log_staged_replaced(db, kind, values, same)
        db.execute(
            f"UPDATE main.{kind} SET ({', '.join(values)}) = (SELECT {new} FROM temp._import_stage s"
            f" WHERE s.sid = {kind}.id ORDER BY s.line LIMIT 1)"
            f" WHERE id IN (SELECT s.sid FROM temp._import_stage s JOIN main.{kind} t ON t.id = s.sid"
            f" WHERE NOT ({same}))"
        )
    return matched


def _given_columns(k: Any, values: tuple[str, ...], fields: set[str]) -> tuple[str, ...]:
    """The stored value columns a file gave: a column of a field the file has no column for is
    kept as stored by a replace (never blanked); a column no field stores directly (derived) is
    always the file's."""
    by_column = {f.column: f.name for f in k.fields if f.column}
    return tuple(c for c in values if c not in by_column or by_column[c] in fields)


def _log_staged_replaced(db: Store, kind: str, values: tuple[str, ...], same: str) -> None:
    """An edit entry per stored record a replace overwrites, with the changed values before and
    after (stored columns), so the log can put each back."""
    new = ", ".join(
        f"(SELECT s.{c} FROM temp._import_stage s WHERE s.sid = t.id ORDER BY s.line LIMIT 1)" for c in values
    )
    rows = db.execute(
        f"SELECT t.id, {', '.join(f't.{c}' for c in values)}, {new} FROM main.{kind} t"
        f" WHERE t.id IN (SELECT s.sid FROM temp._import_stage s JOIN main.{kind} t ON t.id = s.sid"
        f" WHERE NOT ({same}))"
    ).fetchall()
    n = len(values)
    for r in rows:
        old, fresh = r[1 : 1 + n], r[1 + n :]
        changed = [i for i in range(n) if old[i] != fresh[i]]
        if changed:
            db.audit(
                "edit",
                kind,
                str(r[0]),
                {values[i]: old[i] for i in changed},
                {values[i]: fresh[i] for i in changed},
            )


def _duplicates(run: Run, kind: str, name: str, keys: tuple[str, ...]) -> None:
    """Rows of one file sharing a natural key: each after the first is an error."""
    cols = ", ".join(keys)
    for r in run.db.execute(
        f"SELECT group_concat(line), {cols} FROM temp._import_stage GROUP BY {cols} HAVING count(*) > 1"
    ):
        lines = sorted(int(n) for n in r[0].split(","))
        for line in lines[1:]:
            run.error(
                name, line, REGISTRY[kind].key_words, partial(_also_on, run.names, kind, r[1:], lines[0])
            )


def _also_on(names: Names, kind: str, key: tuple, first: int) -> str:
    return _("{key} is also on line {line} (a natural key may appear once in a file)").format(
        key=names.key(kind, key), line=first
    )
