"""A clerk's household roster (花名册): one sheet, one row per household, read into the register.

A city office keeps its households in one Excel sheet: 序号, 户主姓名, 性别, 出生日期, 身份证号,
家庭住址, 联系电话, 家庭人口, 致贫原因, 家庭月收入, 人均收入, 是否低保, 帮扶干部, 职务, 纳入日期 …
Each row is split into the records of the kinds it speaks of — its household, its cadre (added when
new), the pairing, the month's income, the causes of poverty — and each kind goes through the import
engine (engine.Run: the one validator, the natural keys, one transaction) as if it were that kind's
file, every error named by spreadsheet row and by the roster's own column header. The household's
columns are the registry's (kinds.HOUSEHOLDS, every field, under any of its names); the rest are
the roster's own words below. The rules are in docs/roster.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from typing import IO, Any

from .... import parse
from ....i18n import _, column, language
from ....kinds import HOUSEHOLDS, REGISTRY
from ....model import CAUSES, GENDERS, AidtrackError, format_yuan, label, month_of
from ....store import Store
from ...rules.refs import Refs
from ...rules.validate import validate
from ..headers import HEADERS, key, shown
from . import CONFLICT_MODES, ImportResult, RowError
from .engine import COUNTS, Run, message
from .formats import Given
from .readers import IGNORED, FileFault, Source, csv_rows

#: The source of the income a roster states (income.source): the roster itself.
SOURCE = "花名册"
#: The tag of a household on the minimum living guarantee (是否低保: 是).
DIBAO = "低保"
#: Sheet names a roster workbook may give its sheet (else the active sheet is read).
SHEETS = ("花名册", "roster")
#: Rows searched for the header: a title row (某局帮扶对象花名册) may come first.
HEADER_ROWS = 10
#: A row whose 序号 or name says it is a sum, not a household: read past.
TOTALS = frozenset({"合计", "总计", "小计", "total"})
#: A signature footer's words (填表人：张会计 in one column, 审核人 and 填表日期 under others): the row is
#: no household, however many of its cells are filled.
FOOTER = re.compile(
    r"^\s*(填表人|制表人|审核人|审批人|负责人|经办人|统计人|填表日期|制表日期|审核日期|填报日期)\s*[:：]?"
)
#: How far, in fen, a stated 人均收入 may lie from 家庭月收入 ÷ 家庭人口 (a clerk rounds to the yuan).
PER_HEAD_TOLERANCE = 100
#: What a cadre's code looks like (C01): such a 帮扶干部 that no cadre has is an error, not a name.
CODE_LIKE = re.compile(r"[A-Za-z]+[0-9]+")
#: Words of a 致贫原因 cell: 因病、缺劳动力 / 因病,缺技术 / 因病 因残.
_WORDS = re.compile(r"[、，,；;/／\s+＋和及]+")
#: The kinds whose other header names (kinds.py) a roster reads too; a cadre's columns are read only
#: by the roster's words (单位 or 工作单位 on a household's row is the head's workplace, not the cadre's).
_REGISTRY_READ = ("pairings", "income", "causes")


@dataclass(frozen=True)
class Target:
    """What a roster column becomes: a field of a kind, or one of the roster's own."""

    kind: str  # a record kind, or "row" (row numbers), "dibao", "per_head", "age"
    name: str = ""
    type: str = "text"

    @property
    def stored(self) -> bool:
        return self.kind in REGISTRY


def _of(kind: str, name: str) -> Target:
    return Target(kind, name, REGISTRY[kind].field(name).type)


ROW = Target("row")
DIBAO_FLAG = Target("dibao", type="flag")
PER_HEAD = Target("per_head", type="money")
AGE = Target("age", type="int")
CADRE = _of("pairings", "cadre")
SINCE = _of("pairings", "since")
UNTIL = _of("pairings", "until")
AMOUNT = _of("income", "amount")
MONTH = _of("income", "month")
CAUSE = _of("causes", "cause")
CADRE_CODE = _of("cadres", "code")
CADRE_NAME = _of("cadres", "name")
TITLE = _of("cadres", "title")
UNIT = _of("cadres", "unit")


def _household(name: str) -> Target:
    return _of("households", name)


NAME = _household("name")
ENROLLED = _household("enrolled")
MEMBERS = _household("members")
TAGS = _household("tags")

#: The roster's own columns, in the template's order after the household's: (target, Chinese
#: header, English header, other names read).
OWN: tuple[tuple[Target, str, str, tuple[str, ...]], ...] = (
    (DIBAO_FLAG, "是否低保", "dibao", ("低保", "低保户", "享受低保")),
    (CAUSE, "致贫原因", "cause", ()),
    (AMOUNT, "家庭月收入", "income", ()),
    (PER_HEAD, "人均收入", "per_head_income", ("人均月收入", "家庭人均收入", "家庭人均月收入")),
    (CADRE, "帮扶干部", "cadre", ()),
    (TITLE, "职务", "title", ("干部职务",)),
    (SINCE, "结对日期", "since", ()),
)
#: Read as well, not in the template: a month for the income, a pairing's end, a cadre's code, name
#: and unit where the roster has them, and an age (not stored).
ALSO: tuple[tuple[Target, str, str, tuple[str, ...]], ...] = (
    (MONTH, "月份", "month", ("收入月份",)),
    (UNTIL, "结对结束日期", "until", ()),
    (CADRE_CODE, "干部编号", "cadre_code", ()),
    (CADRE_NAME, "干部姓名", "cadre_name", ()),
    (UNIT, "帮扶单位", "cadre_unit", ("干部单位",)),
    (AGE, "年龄", "age", ("周岁",)),
)


def _words() -> dict[str, Target]:
    """Header (as headers.key folds it) -> target: the roster's words, then the household's fields
    under every name, then the other names of the kinds' fields, then row numbers."""
    words: dict[str, Target] = {}
    for target, zh, en, more in OWN + ALSO:
        for w in (zh, en, *more):
            words.setdefault(key(w), target)
    for f in HOUSEHOLDS.fields:
        for w in (f.name, *f.zh):
            words.setdefault(key(w), _household(f.name))
    for target, *_names in OWN + ALSO:
        if target.kind in _REGISTRY_READ:
            for w in (target.name, *REGISTRY[target.kind].field(target.name).zh):
                words.setdefault(key(w), target)
    for w in ("序号", "no", *IGNORED):
        words.setdefault(key(w), ROW)
    return words


WORDS = _words()


def template_headers(lang: str = "en") -> list[str]:
    """The header row of a blank roster (`export template`): what `import roster` reads."""
    zh = lang == "zh"
    return [
        "序号" if zh else "no",
        *(f.zh[0] if zh else f.name for f in HOUSEHOLDS.fields),
        *(z if zh else e for _t, z, e, _m in OWN),
    ]


# --- reading the sheet ------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    #: None: not a roster column (listed, read past).
    target: Target | None


Problem = tuple[int | None, str, str]  # (row, column, message)


@dataclass
class Sheet:
    name: str
    columns: list[Column]
    #: (spreadsheet row, target -> cell as text) of every household row.
    rows: list[tuple[int, dict[Target, Any]]]
    #: (row, what) of rows read past: a total, a footer (填表人 …).
    skipped: list[tuple[int, str]] = field(default_factory=list)
    #: (row, column, message) of cells no validator could read (an ID number Excel made a number).
    faults: list[Problem] = field(default_factory=list)
    sha256: str | None = None


#: Serial dates as a CSV saved from Excel may hold them (38169 is 2004-07-01): 1900-03-01 on.
_SERIAL = re.compile(r"[0-9]{5}")
_EXCEL_DAY0 = dt.date(1899, 12, 30)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text_cell(target: Target, value: str) -> str:
    """A CSV cell of a date column holding an Excel serial date, read as the date it stands for."""
    if target.type == "date" and _SERIAL.fullmatch(value.strip()):
        n = int(value)
        if n >= 61:
            return (_EXCEL_DAY0 + dt.timedelta(days=n)).isoformat()
    return value


def read(source: Source) -> tuple[Sheet | None, list[Problem]]:
    """The roster's columns and rows, or the faults that stop it being read at all."""
    if source.fmt not in ("csv", "tsv", "xlsx"):
        raise AidtrackError(
            "format", source.fmt, _("a roster is one sheet of a spreadsheet: .xlsx, .csv or .tsv")
        )
    epoch = None
    raw: list[tuple[int, Any]]
    try:
        if source.fmt == "xlsx":
            from .xlsx import table

            raw, epoch = table(source, SHEETS)
        else:
            raw = [(n, list(cells)) for n, cells in csv_rows(source)]
    except FileFault as f:
        return None, [(f.line, f.field, f.message)]
    found = _header(raw)
    if found is None:
        return None, [
            (
                None,
                "columns",
                _(
                    "no header row in the first {n} rows: a roster's header names columns such as {columns}"
                    " (a blank roster: aidtrack export template)"
                ).format(n=HEADER_ROWS, columns=", ".join(template_headers(language())[1:4])),
            )
        ]
    at, cells = found
    body = [(n, row) for n, row in raw if n > at]
    columns = []
    for i, cell in enumerate(cells):
        text = "" if _blank(cell) else str(cell).strip()
        if text:
            columns.append(Column(i, text, WORDS.get(key(text))))
        elif any(i < len(row) and not _blank(row[i]) for _n, row in body):
            columns.append(Column(i, _("(column {n}, no header)").format(n=i + 1), None))
    problems = _column_problems(at, columns)
    sheet = Sheet(source.name, columns, [])
    if problems:
        return sheet, problems
    from .xlsx import CellFault
    from .xlsx import cell as typed

    for n, row in body:
        if all(_blank(v) for v in row):
            continue
        values: dict[Target, Any] = {}
        for c in columns:
            if c.target is None or c.target == ROW:
                continue
            value = row[c.index] if c.index < len(row) else None
            if epoch is None:
                values[c.target] = _text_cell(c.target, value or "")
                continue
            try:
                values[c.target] = typed(c.target.name, value, epoch, c.target.type)
            except CellFault as e:  # reported with the rows' errors; the row's other cells are read
                sheet.faults.append((n, c.header, str(e.args[1])))
                values[c.target] = ""
        number = next((row[c.index] for c in columns if c.target == ROW and c.index < len(row)), None)
        said = {str(v).strip().lower() for v in (number, values.get(NAME)) if not _blank(v)}
        if said & TOTALS:
            sheet.skipped.append((n, _("a total")))
        elif any(isinstance(v, str) and FOOTER.match(v) for v in row):
            sheet.skipped.append((n, _("a signature footer (填表人, 审核人, 填表日期)")))
        elif all(_blank(v) for v in values.values()):
            sheet.skipped.append((n, _("no household on it: a note such as 填表人")))
        else:
            sheet.rows.append((n, values))
    sheet.sha256 = source.sha256
    return sheet, problems


def _header(raw: list[tuple[int, Any]]) -> tuple[int, list] | None:
    """The first row (of the first HEADER_ROWS) naming two or more roster columns."""
    for n, cells in raw[:HEADER_ROWS]:
        named = [c for c in cells if not _blank(c) and key(str(c)) in WORDS]
        if len(named) >= 2:
            return n, list(cells)
    return None


def _column_problems(at: int, columns: list[Column]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[Target, str] = {}
    for c in columns:
        if c.target is None or c.target == ROW:
            continue
        if c.target in seen:
            problems.append(
                (at, c.header, _("says what column {other} says; keep one").format(other=seen[c.target]))
            )
        seen[c.target] = c.header
    if NAME not in seen:
        problems.append(
            (
                at,
                "columns",
                _("the roster has no column of the household head's name ({names})").format(
                    names=", ".join(HOUSEHOLDS.field("name").zh)
                ),
            )
        )
    return problems


# --- the import -------------------------------------------------------------------------------


@dataclass
class RosterResult(ImportResult):
    """What a roster import did (or, with errors or a dry run, would have done): an import's result
    with the sheet's columns and what each became, the rows read past, and the warnings."""

    #: Each column of the sheet and what it became: {"column", "to", "note"}.
    columns: list[dict[str, str]] = field(default_factory=list)
    rows: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return super().as_dict() | {
            "rows": self.rows,
            "columns": self.columns,
            "skipped": [{"row": n, "why": why} for n, why in self.skipped],
            "warnings": [str(w) for w in self.warnings],
        }


class _Discard(Exception):
    """Leave the transaction by rolling back: errors were found, or this is a dry run."""


def import_roster(
    db: Store,
    path: str | os.PathLike | IO,
    *,
    fmt: str | None = None,
    on_conflict: str = "error",
    dry_run: bool = False,
    encoding: str = "utf-8",
    today: dt.date | None = None,
    enrolled: str | None = None,
    paired: str | None = None,
) -> RosterResult:
    """Import one roster sheet in one transaction; errors and warnings are returned, not raised.

    `enrolled` and `paired`: the enrolment and pairing dates of every row that gives none (a roster
    without those columns)."""
    on_conflict = parse.choice(on_conflict, CONFLICT_MODES, "on-conflict")
    day = today or dt.date.today()
    sheet_dates = {
        target: parse.date(text, option, today=day).isoformat()
        for target, text, option in ((ENROLLED, enrolled, "--enrolled"), (SINCE, paired, "--paired"))
        if text
    }
    source = Source(path, fmt, encoding)
    result = RosterResult(source.name, dry_run=dry_run)
    sheet, problems = read(source)
    if sheet is not None and not problems and not sheet_dates:
        given = {c.target for c in sheet.columns}
        if ENROLLED not in given and SINCE not in given:  # said once, not on every row
            problems = [
                (
                    None,
                    "columns",
                    _(
                        "the roster has no column of the enrolment date ({enrolled}) or the pairing date"
                        " ({since}): add one, or give the whole sheet's with --enrolled DATE (or --paired DATE)"
                    ).format(enrolled="、".join(HOUSEHOLDS.field("enrolled").zh), since="结对日期"),
                )
            ]
    if sheet is not None:
        for _line, cells in sheet.rows:
            for target, value in sheet_dates.items():
                if _blank(cells.get(target)):
                    cells[target] = value
    if sheet is None or problems:
        result.errors = [RowError(source.name, n, f, m) for n, f, m in problems]
        result.error_count = len(problems)
        if sheet is not None:
            result.columns = _fates(sheet, None)
        return result
    result.sha256, result.rows, result.skipped = sheet.sha256, len(sheet.rows), sheet.skipped
    work = None
    try:
        with db.write():
            run = Run(db, Refs(db).preload(), on_conflict, day)
            work = _Work(db, run, sheet)
            work.go()
            if run.error_count or dry_run:
                raise _Discard
            db.audit(
                "import",
                "roster",
                source.name,
                None,
                {"file": source.name, "counts": work.counts(), "sha256": sheet.sha256},
            )
            from . import written_records

            db.staged_records = written_records(work.counts())
        result.written = True
    except _Discard:
        pass
    finally:
        if work is not None:
            result.counts = work.counts()
            result.error_count = work.run.error_count
            result.errors = [RowError(*e) for e in sorted(work.run.sorted_errors(), key=lambda e: e[1] or 0)]
            result.warnings = sorted(work.warnings, key=lambda w: w.line or 0)
            result.columns = _fates(sheet, work)
    return result


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _day(value: Any) -> dt.date | None:
    try:
        return parse.date(value) if not _blank(value) else None
    except AidtrackError:
        return None


class _Work:
    """One roster inside its transaction: its rows split by kind and loaded kind after kind."""

    order = ("cadres", "households", "members", "pairings", "income", "causes")

    def __init__(self, db: Store, run: Run, sheet: Sheet):
        self.db, self.run, self.sheet, self.name = db, run, sheet, sheet.name
        self.header = {c.target: c.header for c in sheet.columns if c.target is not None}
        self.warnings: list[RowError] = []
        self.extra = {"members": dict.fromkeys(COUNTS, 0)}
        self.used: set[str] = {"households", "members"}
        #: row -> the household's code once the households are loaded
        self.households: dict[int, str] = {}
        #: row -> ("stored", code) or ("new", key of the new cadre)
        self.cadre_of: dict[int, tuple[str, Any]] = {}
        #: new cadre's key -> (first row, record); its code once loaded
        self.new_cadres: dict[tuple[str, str], tuple[int, dict[str, str]]] = {}
        self.new_codes: dict[tuple[str, str], str] = {}
        self.matched_cadres: set[str] = set()
        self.causes_mapped = self.causes_kept = self.dibao = 0
        #: row -> the enrolment date the household was given (its text), for the kinds dated by it
        self.enrolled: dict[int, str] = {}
        #: rows giving neither an enrolment nor a pairing date (an error): nothing refers to them
        self.undated: set[int] = set()
        self.id_numbers: dict[str, int] = {}
        #: code -> (name, title, unit) of the register's cadres
        self.stored_cadres: dict[str, tuple] = {}

    def counts(self) -> dict[str, dict[str, int]]:
        """Per kind: the engine's counts; the cadres found in the register are unchanged ones."""
        out = {}
        for kind in self.order:
            if kind in self.used or (kind == "cadres" and self.cadre_of):
                got = dict(self.run.counts.get(kind) or self.extra.get(kind) or dict.fromkeys(COUNTS, 0))
                if kind == "cadres":
                    got["unchanged"] += len(self.matched_cadres)
                out[kind] = got
        return out

    # the words a message names a field by: the roster's own header where a column gave it
    def label(self, kind: str, name: str) -> str:
        h = self.header
        fallback = {
            ("households", "enrolled"): (ENROLLED, SINCE),
            ("households", "tags"): (TAGS, DIBAO_FLAG),
            ("pairings", "since"): (SINCE, ENROLLED),
            ("income", "month"): (MONTH, ENROLLED, SINCE),
            ("causes", "date"): (ENROLLED, SINCE),
            ("cadres", "name"): (CADRE_NAME, CADRE),
            ("cadres", "code"): (CADRE_CODE, CADRE),
        }.get((kind, name), (Target(kind, name),))
        if name == "household":
            fallback = (NAME,)
        for t in fallback:
            found = next((v for k, v in h.items() if k.kind == t.kind and k.name == t.name), None)
            if found:
                return found
        if language() == "en":
            return name
        return "、".join(column(p) for p in name.split(", "))

    def warn(self, line: int, target: Target, text: str) -> None:
        self.warnings.append(RowError(self.name, line, self.label(target.kind, target.name), text))

    def error(self, line: int, target: Target, text: str) -> None:
        self.run.error(self.name, line, self.label(target.kind, target.name), text)

    def load(self, kind: str, items: list[tuple[int, dict[str, Any]]], checks=()) -> None:
        """Load one kind's records of the roster; `checks` (row, record, fields not to report) are
        records of rows whose household or cadre was refused: their own values are still checked."""
        if not items and not checks:
            return
        self.used.add(kind)
        mark = self.run.mark()
        passes: list[list[tuple[int, dict[str, Any]]]] = []
        for line, record in items:  # a staged file has one record a line: a row's second cause waits
            free = next((p for p in passes if p[-1][0] != line), None)
            if free is None:
                passes.append(free := [])
            free.append((line, record))
        for part in passes:
            self.run.load(kind, Given(self.name, part))
        for line, data, skip in checks:
            for e in validate(kind, data, self.run.refs, self.run.today).errors:
                if e.field not in skip:
                    self.run.error(self.name, line, e.field, message(e))
        self.run.relabel(mark, lambda name: self.label(kind, name))

    def go(self) -> None:
        rows = self.sheet.rows
        for line, header, text in self.sheet.faults:
            self.run.error(self.name, line, header, text)
        self.stored_cadres = {
            c: (n, t, u) for c, n, t, u in self.db.execute("SELECT code, name, title, unit FROM cadres")
        }
        for line, cells in rows:
            self._cadre(line, cells)
        self.load("cadres", [(line, rec) for (line, rec) in self.new_cadres.values()])
        for group, (line, _rec) in self.new_cadres.items():
            if line in self.run.placed:
                self.new_codes[group] = self.run.placed[line]
        before = self.db.execute("SELECT count(*) FROM members").fetchone()[0]
        self.load("households", [(line, self._household(line, cells)) for line, cells in rows])
        self.households = {k: v for k, v in self.run.placed.items() if k not in self.undated}
        added = self.db.execute("SELECT count(*) FROM members").fetchone()[0] - before
        self.extra["members"]["added"] = added
        present = self.db.execute(
            "SELECT count(*) FROM members m JOIN households h ON h.id = m.household_id"
            " WHERE h.code IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted(set(self.households.values())))],
        ).fetchone()[0]
        self.extra["members"]["unchanged"] = max(present - added, 0)  # the roster's households' others
        pairings: list[tuple[int, dict[str, Any]]] = []
        income: list[tuple[int, dict[str, Any]]] = []
        causes: list[tuple[int, dict[str, Any]]] = []
        p_checks: list = []
        i_checks: list = []
        c_checks: list = []
        for line, cells in rows:
            code = self.households.get(line)
            self._pairing(line, cells, code, pairings, p_checks)
            self._income(line, cells, code, income, i_checks)
            self._causes(line, cells, code, causes, c_checks)
        self.load("pairings", pairings, p_checks)
        self.load("income", income, i_checks)
        self.load("causes", causes, c_checks)

    # --- cadres: found in the register by code or name, else added (once per roster) ----------

    def _cadre(self, line: int, cells: dict[Target, Any]) -> None:
        ref, code, name = (_text(cells.get(t)) for t in (CADRE, CADRE_CODE, CADRE_NAME))
        title, unit = _text(cells.get(TITLE)), _text(cells.get(UNIT))
        if not (ref or code or name):
            if title or unit:
                self.warn(line, TITLE if title else UNIT, _("no cadre on this row: not stored"))
            return
        stored = self.stored_cadres
        if ref:
            if ref in stored or CODE_LIKE.fullmatch(ref):  # a code
                if code and code != ref:
                    self.error(
                        line, CADRE, _("is {a}, the cadre's code column says {b}").format(a=ref, b=code)
                    )
                    return
                code = ref
            else:
                if name and name != ref:
                    self.error(
                        line, CADRE, _("is {a}, the cadre's name column says {b}").format(a=ref, b=name)
                    )
                    return
                name = ref
        target = CADRE if ref else (CADRE_CODE if code else CADRE_NAME)
        if code and code in stored:
            known = stored[code]
            if name and name != known[0]:
                self.error(
                    line,
                    target,
                    _("{code} is {name} in the register, not {other}").format(
                        code=code, name=known[0], other=name
                    ),
                )
                return
            self._keep(line, code, known, title, unit)
            return
        if code and not name:
            self.error(
                line,
                target,
                _("no cadre has the code {code}; a new cadre is added by its name (with its {title})").format(
                    code=code, title=self.label("cadres", "title")
                ),
            )
            return
        if not code:
            namesakes = sorted(c for c, (n, _t, _u) in stored.items() if n == name)
            if len(namesakes) == 1:
                self._keep(line, namesakes[0], stored[namesakes[0]], title, unit)
                return
            if namesakes:
                self.error(
                    line,
                    target,
                    _("{name} matches more than one cadre: {codes}; give the code").format(
                        name=name, codes=", ".join(namesakes)
                    ),
                )
                return
        group = ("code", code) if code else ("name", name)
        record = {"code": code, "name": name, "title": title, "unit": unit}
        first = self.new_cadres.get(group)
        if first is None:
            self.new_cadres[group] = (line, record)
        else:
            for t, v in ((TITLE, title), (UNIT, unit)):
                was = first[1][t.name]
                if v and was and v != was:
                    self.error(
                        line,
                        t,
                        _("is {value}; row {row} gives {other} for the same cadre").format(
                            value=v, row=first[0], other=was
                        ),
                    )
                    return
                if v and not was:
                    first[1][t.name] = v
        self.cadre_of[line] = ("new", group)

    def _keep(self, line: int, code: str, known: tuple, title: str, unit: str) -> None:
        """A cadre of the register: referred to, never changed by a roster (`cadre edit` changes it)."""
        self.cadre_of[line] = ("stored", code)
        self.matched_cadres.add(code)
        for t, value, was in ((TITLE, title, known[1]), (UNIT, unit, known[2])):
            if value and value != (was or ""):
                self.warn(
                    line,
                    t,
                    _("{code} has {stored} in the register; the roster's {value} is not stored").format(
                        code=code, stored=was or _("(empty)"), value=value
                    ),
                )

    # --- households -------------------------------------------------------------------------

    def _household(self, line: int, cells: dict[Target, Any]) -> dict[str, Any]:
        record = {t.name: cells[t] for t in cells if t.kind == "households"}
        members = record.get("members")
        if isinstance(members, str):
            record["members"] = re.sub(r"\s*[人口]$", "", members.strip())
        if DIBAO_FLAG in cells and not _blank(cells[DIBAO_FLAG]):
            try:
                on = parse.flag(cells[DIBAO_FLAG], "dibao")
            except AidtrackError as e:
                self.error(line, DIBAO_FLAG, message(e))
                on = False
            if on:
                self.dibao += 1
                tags = _text(record.get("tags"))
                record["tags"] = f"{tags},{DIBAO}" if tags else DIBAO
        enrolled, since = record.get("enrolled"), cells.get(SINCE)
        if _blank(enrolled) and _blank(since):
            self.undated.add(line)
            self.error(
                line,
                ENROLLED,
                _("is required on every row (or the pairing's date): the day the household was enrolled"),
            )
        elif _blank(enrolled):
            record["enrolled"] = since  # help began then: enrolled then
        else:
            began, day = _day(since), _day(enrolled)
            if began and day and began < day:
                self.warn(
                    line,
                    SINCE,
                    _(
                        "{since} is before {enrolled} ({day}): the household is enrolled from {since}, when help began"
                    ).format(
                        since=began.isoformat(), enrolled=self.header.get(ENROLLED, ""), day=day.isoformat()
                    ),
                )
                record["enrolled"] = since
        self.enrolled[line] = _text(record.get("enrolled"))
        number = parse.id_key(_text(record.get("id_number"))) or ""  # 15 and 18 digits: one person
        if number in self.id_numbers:  # checked here, refused or not: the engine sees valid rows only
            self.error(
                line,
                _household("id_number"),
                _("the same ID number is on row {row}").format(row=self.id_numbers[number]),
            )
            record["id_number"] = ""  # the row's other values are still checked
            return record
        if number:
            self.id_numbers[number] = line
            self._against_id(line, number, record)
        if _blank(record.get("code")) and number:  # the stored household with this ID number
            owner = self.run.refs.id_number_owner(number)
            if owner is not None:
                record["code"] = owner[1]
        return record

    def _against_id(self, line: int, number: str, record: dict[str, Any]) -> None:
        """A warning where the row's 出生日期 or 性别 says otherwise than its (valid) ID number."""
        try:
            born = parse.date(record["born"], "born").isoformat() if not _blank(record.get("born")) else None
            gender = (
                parse.choice(record["gender"], GENDERS, "gender")
                if not _blank(record.get("gender"))
                else None
            )
        except (AidtrackError, KeyError):
            return  # the validator says what is wrong with them
        for name, says in parse.id_disagreements(number, born, gender):
            self.warn(
                line,
                _household(name),
                _("the ID number says {value}; the row says {given}").format(
                    value=says if name == "born" else label(says),
                    given=born if name == "born" else label(gender),
                ),
            )

    # --- pairings, income, causes: each refers to its row's household -----------------------

    def _pairing(
        self, line: int, cells: dict[Target, Any], household: str | None, out: list, checks: list
    ) -> None:
        cadre = self.cadre_of.get(line)
        since = cells.get(SINCE)
        if _blank(since):
            since = self.enrolled.get(line, "")
        # a since that is the enrolment was checked as the enrolment: a refused one is not named twice
        skip: tuple[str, ...] = ("household", "cadre")
        if household is None and _text(since) == self.enrolled.get(line, ""):
            skip += ("since",)
        if cadre is None:
            named = any(_text(cells.get(t)) for t in (CADRE, CADRE_CODE, CADRE_NAME))
            if not _blank(cells.get(SINCE)) and not named:
                self.warn(line, SINCE, _("no cadre on this row: no pairing is recorded"))
            if named:  # the cadre was refused: the row's dates are still checked
                checks.append((line, {"since": since, "until": cells.get(UNTIL, "")}, skip))
            return
        code = cadre[1] if cadre[0] == "stored" else self.new_codes.get(cadre[1])
        record = {
            "cadre": code or "",
            "household": household or "",
            "since": since,
            "until": cells.get(UNTIL, ""),
        }
        if household is None or code is None:
            checks.append((line, record, skip))
        else:
            out.append((line, record))

    def _income(
        self, line: int, cells: dict[Target, Any], household: str | None, out: list, checks: list
    ) -> None:
        amount = cells.get(AMOUNT)
        if _blank(amount):
            return
        month = cells.get(MONTH)
        if _blank(month):
            day = _day(self.enrolled.get(line))
            month = month_of(day) if day else ""
        record = {"household": household or "", "month": month, "amount": amount, "source": SOURCE}
        if household is None or _blank(month):
            checks.append((line, record, ("household", "month")))
        else:
            out.append((line, record))
        self._per_head(line, cells, amount)

    def _per_head(self, line: int, cells: dict[Target, Any], amount: Any) -> None:
        stated = cells.get(PER_HEAD)
        if stated is None or _blank(stated):
            return
        try:
            given = parse.money(stated, "per_head")
        except AidtrackError:
            self.warn(line, PER_HEAD, _("is not an amount of yuan; not checked"))
            return
        try:
            fen = parse.money(amount)
            size = parse.integer(_text(cells.get(MEMBERS)) or "1", "members", minimum=1)
        except AidtrackError:
            return  # the income or the size is refused by its own check
        derived = fen / size
        if abs(given - derived) > PER_HEAD_TOLERANCE:
            self.warn(
                line,
                PER_HEAD,
                _(
                    "is {given}, but {amount} ÷ {size} = {derived} (not stored: the register divides the"
                    " income by the members present)"
                ).format(
                    given=format_yuan(given),
                    amount=format_yuan(fen),
                    size=size,
                    derived=format_yuan(round(derived)),
                ),
            )

    def _causes(
        self, line: int, cells: dict[Target, Any], household: str | None, out: list, checks: list
    ) -> None:
        text = _text(cells.get(CAUSE))
        if not text:
            return
        mapped: list[str] = []
        kept: list[str] = []
        for word in _WORDS.split(text):
            if not word:
                continue
            bare = re.sub(r"(致贫|返贫)$", "", word) or word
            try:
                mapped.append(parse.choice(bare, CAUSES, "cause"))
            except AidtrackError:
                kept.append(word)
        self.causes_mapped += len(mapped)
        self.causes_kept += len(kept)
        day = self.enrolled.get(line, "")
        records = [
            {"household": household or "", "cause": c, "date": day, "note": ""}
            for c in dict.fromkeys(mapped)
            if c != "other"
        ]
        if kept or "other" in mapped:
            records.append(
                {"household": household or "", "cause": "other", "date": day, "note": "、".join(kept)}
            )
        for record in records:
            if household is None:
                checks.append((line, record, ("household", "date")))  # the date: the enrolment
            else:
                out.append((line, record))


# --- the preview: what each column became -----------------------------------------------------


def _kind_field(t: Target) -> str:
    if language() == "en":
        return f"{t.kind}.{t.name}"
    return f"{_(t.kind)}.{HEADERS[t.kind][t.name][0]}"


def _fates(sheet: Sheet, work: _Work | None) -> list[dict[str, str]]:
    """Each column of the sheet: where its values went ("to") and how ("note")."""
    header = {c.target: c.header for c in sheet.columns if c.target is not None}
    out = []
    for c in sheet.columns:
        t = c.target
        to, note = _kind_field(t) if t is not None and t.stored else "", ""
        if t is None:
            to, note = _("ignored"), _("not a roster column")
        elif t == ROW:
            to, note = _("ignored"), _("row numbers")
        elif t == AGE:
            to = _("not stored")
            note = _("an age is not a date of birth; give {born}").format(
                born=HOUSEHOLDS.field("born").zh[0] if language() == "zh" else "born"
            )
        elif t == PER_HEAD:
            to = _("not stored")
            note = _("checked against {amount} ÷ {members}").format(
                amount=header.get(AMOUNT, "?"), members=header.get(MEMBERS, "1")
            )
        elif t == DIBAO_FLAG:
            to = _kind_field(TAGS)
            note = (
                _("{tag} where yes").format(tag=DIBAO)
                if work is None
                else _("{tag} where yes: {n} household(s)").format(tag=DIBAO, n=work.dibao)
            )
        elif t == CAUSE:
            to = _(t.kind)
            if work is not None:
                note = _("{mapped} mapped, {kept} kept as words under {other}").format(
                    mapped=work.causes_mapped,
                    kept=work.causes_kept,
                    other=shown("cause", "other", language()),
                )
        elif t == AMOUNT:
            month = header.get(MONTH) or _("the month of {enrolled}").format(
                enrolled=header.get(ENROLLED) or header.get(SINCE, "")
            )
            note = _("month: {month}; source {source}").format(month=month, source=SOURCE)
        elif t == CADRE and work is not None:
            note = _("cadres: {found} found in the register, {new} new").format(
                found=len(work.matched_cadres), new=len(work.new_cadres)
            )
        elif t in (TITLE, UNIT):
            note = _("of new cadres only")
        elif t == ENROLLED and SINCE in header:
            note = _("also the pairing's start where {since} is empty").format(since=header[SINCE])
        elif t == ENROLLED:
            note = _("also the pairing's start, the income's month and the causes' date")
        elif t == SINCE and ENROLLED in header:
            note = _("also the enrolment where {enrolled} is empty").format(enrolled=header[ENROLLED])
        out.append({"column": c.header, "to": to, "note": note})
    return out


def write_template(out: IO, lang: str, fmt: str) -> None:
    """A blank roster: the header row `import roster` reads, as CSV text or an .xlsx workbook
    (binary `out`) with the clerk's conveniences: a frozen header, text columns for codes, phone and ID
    numbers (Excel would drop their digits), drop-down lists of the enumerations."""
    heads = template_headers(lang)
    if fmt != "xlsx":
        import csv

        csv.writer(out, lineterminator="\n").writerow(heads)
        return
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEETS[0] if lang == "zh" else SHEETS[1]
    sheet.append(heads)
    for c in sheet[1]:
        c.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for i, h in enumerate(heads, 1):
        letter = get_column_letter(i)
        t = WORDS.get(key(h))
        sheet.column_dimensions[letter].width = max(8, 2 * len(h) + 4) if lang == "zh" else max(8, len(h) + 4)
        if t is None or not t.stored:
            if t == DIBAO_FLAG:
                _choices(sheet, DataValidation, letter, ["是", "否"] if lang == "zh" else ["yes", "no"])
            continue
        spec = REGISTRY[t.kind].field(t.name)
        if spec.type in ("text", "ref", "idnumber"):
            sheet.column_dimensions[letter].number_format = "@"
        elif spec.type == "enum":
            _choices(sheet, DataValidation, letter, [str(shown(t.name, c, lang)) for c in spec.choices])
    book.save(out)


def _choices(sheet, validation, letter: str, values: list[str]) -> None:
    """A drop-down of the values; other words stay allowed (a livelihood in words: 三轮车运输)."""
    dv = validation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
    dv.showErrorMessage = False
    dv.add(f"{letter}2:{letter}1000")
    sheet.add_data_validation(dv)


__all__ = ["RosterResult", "import_roster", "template_headers", "write_template"]
