"""The record-kind registry: one declaration per kind of record, the only list of its fields.

Everything the program knows about a kind of record — its table, its fields in file-column order
with their types and limits, the natural key an import recognises it by, the public SELECT a list
prints, the columns of that list, its Chinese headers and sheet names, how an import loads it and
what a merge copies — is declared here once and derived everywhere else (docs/architecture.md).

Adding a field to a kind touches this file, a schema migration (store/schema.py) and, where the
field has an option, the kind's CLI module. The rules about a record (a date not before enrolment,
a pairing that may not overlap another) are code, in ops/rules/validate.py; the field's own limits
(type, length, choices, required) are data, here. No I/O, no third-party import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar, overload

from .i18n import N_
from .model import (
    AID_KINDS,
    AID_SOURCES,
    CASE_OUTCOMES,
    CAUSES,
    CHANNELS,
    DECISIONS,
    EVENTS,
    FOUND_BY,
    GENDERS,
    HEALTH,
    LIVELIHOODS,
    MEASURE_KINDS,
    MEASURE_STATUSES,
    MEETING_KINDS,
    MONITOR_CATEGORIES,
    RELATIONS,
    SPENDING_KINDS,
    STATUSES,
    STEP_OUTCOMES,
    STEPS,
    VISIT_KINDS,
)

#: What a field holds: how it is parsed from text or JSON, and how typed files (xlsx, Parquet) store it.
FieldType = Literal["text", "int", "money", "date", "month", "flag", "tags", "enum", "ref", "idnumber"]

#: Chinese headers shared by every kind that refers to a household or a cadre.
_HOUSEHOLD_ZH = ("帮扶对象", "户主", "户主编号", "帮扶对象编号")
_CADRE_ZH = ("帮扶干部", "干部", "帮扶干部编号")


@dataclass(frozen=True)
class Field:
    """One field of a kind's public shape: an `add` option, a file column, a JSON key."""

    name: str
    type: FieldType = "text"
    #: Chinese column headers: the first is written by `export --headers zh`, all are read.
    zh: tuple[str, ...] = ()
    required: bool = False
    max_len: int = 10_000
    choices: tuple[str, ...] = ()
    #: The value an `add` gives when it is left out ("today" for dates).
    default: object = None
    #: A date that a file must give: the add command defaults it to today, a file restating history
    #: must say when.
    dated: bool = False
    #: A date that may not lie after today (this month, for a month).
    not_future: bool = False
    minimum: int | None = None
    #: The record a `ref` field names: "household" or "cadre".
    ref: str | None = None
    #: The stored column the parsed value goes to; None when a rule of the kind derives what is
    #: stored (a visit's household and date find its pairing).
    column: str | None = None
    #: The SQL expression of the public SELECT giving this field (table aliases of the kind's FROM).
    sql: str = ""
    #: What an export writes for a record without a value, when an empty cell would read back as
    #: the default instead (a household never enrolled: `none`, not an enrolment today).
    missing: str | None = None
    #: A stored `ref`: deleted with the record it names (ON DELETE CASCADE), not blocking its delete.
    cascade: bool = False
    #: An option of the kind's add command; False: set by a later command (a measure's status and
    #: result by `plan done`, a member's leaving by `member leave`), an option of edit only.
    on_add: bool = True
    #: Its option's name where it is not `--name-with-dashes` (a member's `--left` for left_on).
    option: str = ""
    #: The help of its option in a generated add/edit command (cli/generic.py); an enumeration's
    #: values are listed after it from `choices`.
    help: str = ""

    #: Evidence a phone form records by itself instead of asking (docs/phones.md): the XLSForm
    #: metadata or question type that fills it ("start", "end", "deviceid", "geopoint"). The form
    #: (ops/transfer/xlsform.py) asks every other field and leaves these to the device.
    device: str | None = None


@dataclass(frozen=True)
class Link:
    """A stored column naming a record of another kind (a FOREIGN KEY of the schema).

    Deleting the record it names is refused while the row exists, unless `cascade` (ON DELETE
    CASCADE): then the row goes with it. `tests/test_kinds.py` holds every link to the schema's
    `PRAGMA foreign_key_list`, both ways.
    """

    column: str
    to: str  # the kind named: "households"
    #: The field a file names it by, for messages (a visit's pairing_id: its household).
    field: str
    cascade: bool = False
    #: May be NULL (an aid's giving cadre: the giver may be a unit, named as text).
    optional: bool = False


@dataclass(frozen=True)
class Extra:
    """A column of the public shape that is not an input field: a name beside a code, a status."""

    name: str
    sql: str


@dataclass(frozen=True)
class Filter:
    """A keyword filter of a list: its SQL condition, with `?` for each parameter."""

    sql: str
    #: What the value is: a household or cadre reference, a quarter, a status, or a flag (no value).
    takes: Literal["household", "cadre", "quarter", "status", "flag", "search", "id"] = "flag"


@dataclass(frozen=True)
class Kind:
    """A kind of record: a table, its fields, and everything derived from them."""

    name: str  # the plural, as the CLI and files say it: "visits"
    singular: str  # "visit"
    table: str
    alias: str
    #: The public shape in order: input fields and output-only extras.
    shape: tuple[Field | Extra, ...]
    #: The table's stored columns (besides id), as the first migration and later ones made them.
    columns: tuple[str, ...]
    #: Stored columns an import recognises a record by.
    natural_key: tuple[str, ...]
    #: The FROM clause (with joins) of the public SELECT.
    source: str
    order: str
    #: Columns of the `list` table; JSON output carries the whole shape.
    list_columns: tuple[str, ...]
    #: Sheet names of a workbook: the Chinese one first.
    sheet_zh: tuple[str, ...] = ()
    #: Codes assigned as H01, H02 … (cadres and households, which are named by code).
    code_prefix: str | None = None
    #: How an import loads the kind: a roster held whole, pairings remembered as they come, or
    #: rows staged in a TEMP table and inserted set-based.
    load: Literal["roster", "pairings", "staged"] = "staged"
    #: The natural key has a UNIQUE constraint (else the write path checks it).
    unique_key: bool = False
    #: The words of the natural key in a file, for messages.
    key_words: str = ""
    filters: dict[str, Filter] = field(default_factory=dict)
    #: Copied by `merge` into a city file (with `source_id`, its id in the unit's file), with every
    #: stored column; its link columns (`*_id`) are mapped to the city file's ids (ops/transfer/merge.py).
    merged: bool = True
    #: Belongs to a unit by its own `unit_id` (cadres, households, meetings); every other kind
    #: belongs to its unit through its household (docs/merge.md).
    unit_owned: bool = False
    #: Links of stored columns that no `ref` field carries (a visit's pairing, a problem's visit).
    other_links: tuple[Link, ...] = ()
    #: The link columns through which a record belongs to its unit when it has no `unit_id` of its
    #: own: its household, or the record it hangs from (a visit's pairing); several mean any of them.
    owned_through: tuple[str, ...] = ("household_id",)
    #: SQL (over `source`) naming one record in messages, when it has no code: a visit by its
    #: household, date and kind.
    label: str = ""
    #: A record with this natural key is already stored: the field named and the message ({id}: the
    #: stored record's id; {field}: any stored column's value, an enumeration as a person reads it).
    taken_field: str = ""
    taken: str = N_("the same record is already stored")
    #: A record as a person names it in a delete's question ({household}: its code and name; any
    #: field of its public shape); None: by code and name for a kind with codes, else by kind, id,
    #: household and date.
    described: str | None = None
    #: What an export leaves out (SQL over `source`): what an import of another kind writes itself.
    export_where: str = ""
    #: The CLI group (`aidtrack training …`) whose add, edit, list and delete commands are derived
    #: from the fields (cli/generic.py), for a kind without a module of its own in cli/; its help.
    group: str | None = None
    about: str = ""
    #: An add audited as another kind's change: (action, kind whose record it is) — a status is a
    #: change of its household.
    audited_as: tuple[str, str] | None = None

    @property
    def links(self) -> tuple[Link, ...]:
        """Every stored column naming a record of another kind: the `ref` fields' and the others."""
        return (
            *(
                Link(f.column, _plural(f.ref), f.name, f.cascade, optional=not f.required)
                for f in self.fields
                if f.type == "ref" and f.column and f.ref
            ),
            *self.other_links,
        )

    @property
    def link_targets(self) -> dict[str, str]:
        """Link column → the kind it names."""
        return {lk.column: lk.to for lk in self.links}

    @property
    def label_sql(self) -> str:
        """The SQL naming one record as a person does (its code; else `label`; else its id)."""
        return self.label or (f"{self.alias}.code" if self.code_prefix else f"{self.alias}.id")

    def by_column(self, column: str) -> Field | None:
        """The field storing COLUMN (or named so, for a derived one such as `enrolled`)."""
        return next((f for f in self.fields if f.column == column), None) or next(
            (f for f in self.fields if f.name == column), None
        )

    def public_name(self, column: str) -> str:
        """How a file names a stored column: its field, or the field of its link."""
        link = next((lk for lk in self.links if lk.column == column), None)
        if link:
            return link.field
        f = self.by_column(column)
        return f.name if f else column

    @property
    def nullable(self) -> frozenset[str]:
        """Stored columns that may be NULL: optional links, and columns of no required, dated or
        defaulted field (compared with IS in a natural key)."""
        out = set()
        links = {lk.column: lk for lk in self.links}
        for c in self.columns:
            if c == "code" and self.code_prefix:  # assigned when a record is added without one
                continue
            if c in links:
                if links[c].optional:
                    out.add(c)
                continue
            f = next((f for f in self.fields if f.column == c), None)
            if f is None or not (f.required or f.dated or f.default is not None):
                out.add(c)
        return frozenset(out)

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(c for c in self.shape if isinstance(c, Field))

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def missing(self) -> dict[str, str]:
        """Field → what a file holds where the record has no value (Field.missing)."""
        return {f.name: f.missing for f in self.fields if f.missing is not None}

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def required_in_file(self) -> tuple[str, ...]:
        """Columns a file must have: what the record cannot do without, and its dates."""
        return tuple(f.name for f in self.fields if f.required or f.dated)

    @property
    def dated_field(self) -> str | None:
        return next((f.name for f in self.fields if f.dated), None)

    @property
    def select(self) -> str:
        """The SELECT of the public shape (with `id`), ready for WHERE and ORDER BY."""
        cols = [f"{self.alias}.id"] + [
            f"{c.sql} AS {c.name}" if c.sql != f"{self.alias}.{c.name}" else c.sql for c in self.shape
        ]
        return f"SELECT {', '.join(cols)} FROM {self.source}"

    @property
    def staged(self) -> tuple[str, ...]:
        """Stored columns, natural key first: the TEMP staging table of an import."""
        return (*self.natural_key, *(c for c in self.columns if c not in self.natural_key))

    @property
    def money(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.type == "money")


def _f(
    name: str,
    type: FieldType = "text",
    zh: tuple[str, ...] = (),
    *,
    alias: str = "",
    column: str | None | bool = True,
    sql: str = "",
    **kw,
) -> Field:
    """A field whose stored column and SELECT expression default to its own name."""
    col = name if column is True else (None if column is False else column)
    return Field(name, type, zh, column=col, sql=sql or f"{alias}.{name}", **kw)


def _ref(name: str, zh: tuple[str, ...], sql: str, *, stored: bool = True, **kw) -> Field:
    return Field(name, "ref", zh, ref=name, column=f"{name}_id" if stored else None, sql=sql, **kw)


#: Chinese headers of a measure named by an aid or job record, and the SELECT giving its text.
_MEASURE_ZH = ("帮扶措施", "措施")
_MEASURE_OF = "(SELECT m.what FROM measures m WHERE m.id = {a}.measure_id)"

_CURRENT_STATUS = (
    "(SELECT s.status FROM statuses s WHERE s.household_id = h.id ORDER BY s.date DESC, s.id DESC LIMIT 1)"
)
_ENROLLED = "(SELECT min(s.date) FROM statuses s WHERE s.household_id = h.id)"
_ACTIVE_CADRE = (
    "(SELECT c.code FROM pairings p JOIN cadres c ON c.id = p.cadre_id"
    " WHERE p.household_id = h.id AND p.until IS NULL)"
)

CADRES = Kind(
    name="cadres",
    singular="cadre",
    table="cadres",
    alias="c",
    shape=(
        _f(
            "code",
            zh=("编号", "代码", "干部编号"),
            max_len=64,
            alias="c",
            help=N_("Code such as C01 (assigned if left out)."),
        ),
        _f(
            "name",
            zh=("姓名", "帮扶干部", "干部姓名"),
            required=True,
            max_len=100,
            alias="c",
            help=N_("The cadre's full name."),
        ),
        _f(
            "unit",
            zh=("单位", "帮扶单位", "工作单位"),
            max_len=200,
            alias="c",
            help=N_("The cadre's unit (帮扶单位)."),
        ),
        _f("title", zh=("职务",), max_len=100, alias="c", help=N_("Title, e.g. 局长.")),
        _f("phone", zh=("电话", "联系电话"), max_len=40, alias="c", help=N_("Phone number.")),
    ),
    columns=("code", "name", "unit", "title", "phone"),
    natural_key=("code",),
    source="cadres c",
    order="c.code",
    list_columns=("code", "name", "unit", "title", "phone"),
    sheet_zh=("帮扶干部",),
    code_prefix="C",
    load="roster",
    unique_key=True,
    key_words="code",
    filters={
        "search": Filter(
            "(c.name LIKE ? ESCAPE '\\' OR c.code LIKE ? ESCAPE '\\' OR c.phone LIKE ? ESCAPE '\\'"
            " OR c.unit LIKE ? ESCAPE '\\' OR c.title LIKE ? ESCAPE '\\' OR aidtrack_initials(c.name) LIKE ?)",
            "search",
        )
    },
    unit_owned=True,
    taken_field="code",
    taken=N_("is already used by another cadre"),
)

HOUSEHOLDS = Kind(
    name="households",
    singular="household",
    table="households",
    alias="h",
    shape=(
        _f("code", zh=("编号", "代码", "户主编号"), max_len=64, alias="h"),
        _f("name", zh=("户主", "姓名", "帮扶对象", "户主姓名"), required=True, max_len=100, alias="h"),
        _f("members", "int", ("家庭人口", "人口", "家庭人数"), minimum=1, default=1, alias="h"),
        _f("address", zh=("地址", "住址", "家庭住址"), max_len=500, alias="h"),
        _f("employer", zh=("原单位", "原工作单位"), max_len=200, alias="h"),
        _f("livelihood", "enum", ("生计", "帮扶项目类型", "生计类型"), choices=LIVELIHOODS, alias="h"),
        _f("born", "date", ("出生日期", "出生年月日"), not_future=True, alias="h"),
        _f("gender", "enum", ("性别",), choices=GENDERS, alias="h"),
        _f("phone", zh=("电话", "联系电话"), max_len=40, alias="h"),
        _f("id_number", "idnumber", ("身份证号", "身份证号码", "身份证"), max_len=40, alias="h"),
        # A 15-digit first-generation number as typed, beside its 18-character upgrade (id_number).
        _f("id_number_original", zh=("原身份证号", "原15位身份证号"), max_len=40, alias="h"),
        _f("tags", "tags", ("标签",), alias="h"),
        # Stored as the household's first status (enrolled), not in the households table.
        _f(
            "enrolled",
            "date",
            ("纳入日期", "纳入帮扶日期"),
            default="today",
            not_future=True,
            column=False,
            sql=_ENROLLED,
            missing="none",
        ),
        # Where the household lives, as "latitude longitude" (WGS 84): a phone visit's location is
        # compared with it (check visits, evidence_distance_m).
        _f("location", zh=("位置", "定位", "经纬度"), max_len=60, alias="h"),
        Extra("status", _CURRENT_STATUS),
        Extra("cadre", _ACTIVE_CADRE),
    ),
    columns=(
        "code",
        "name",
        "members",
        "address",
        "employer",
        "livelihood",
        "born",
        "gender",
        "phone",
        "id_number",
        "tags",
        "location",
        "id_number_original",
    ),
    natural_key=("code",),
    source="households h",
    order="h.code",
    list_columns=("code", "name", "members", "livelihood", "status", "cadre", "tags", "address"),
    sheet_zh=("帮扶对象",),
    code_prefix="H",
    load="roster",
    unique_key=True,
    key_words="code",
    filters={
        "status": Filter(f"{_CURRENT_STATUS} = ?", "status"),
        "search": Filter(
            "(h.name LIKE ? ESCAPE '\\' OR h.code LIKE ? ESCAPE '\\' OR h.id_number LIKE ? ESCAPE '\\'"
            " OR h.phone LIKE ? ESCAPE '\\' OR h.address LIKE ? ESCAPE '\\' OR h.tags LIKE ? ESCAPE '\\'"
            f" OR {_ACTIVE_CADRE} LIKE ? ESCAPE '\\' OR aidtrack_initials(h.name) LIKE ?)",
            "search",
        ),
    },
    unit_owned=True,
    taken_field="code",
    taken=N_("is already used by another household"),
)

STATUSES_KIND = Kind(
    name="statuses",
    singular="status",
    table="statuses",
    alias="s",
    shape=(
        _ref("household", _HOUSEHOLD_ZH, "h.code", required=True, cascade=True),
        Extra("household_name", "h.name"),
        _f("status", "enum", ("状态",), required=True, choices=STATUSES, alias="s"),
        _f("date", "date", ("日期", "变更日期"), default="today", dated=True, not_future=True, alias="s"),
        _f("reason", zh=("原因",), max_len=1000, alias="s"),
        # The case whose approval wrote it (docs/decisions.md); none: recorded without a case.
        Extra("case_id", "s.case_id"),
    ),
    columns=("household_id", "status", "date", "reason", "case_id"),
    natural_key=("household_id", "status", "date"),
    source="statuses s JOIN households h ON h.id = s.household_id",
    order="h.code, s.date, s.id",
    list_columns=("household", "household_name", "date", "status", "reason", "case_id"),
    sheet_zh=("状态",),
    key_words="household, status, date",
    filters={"household": Filter("s.household_id = ?", "household")},
    taken_field="status",
    taken=N_("this status on this day is already recorded (status entry {id})"),
    # Households import writes the first `enrolled` status itself (from the `enrolled` column), so
    # a statuses export leaves that entry out and the round trip stores it exactly once.
    export_where=(
        "NOT (s.status = 'enrolled' AND s.id = (SELECT s2.id FROM statuses s2"
        " WHERE s2.household_id = s.household_id ORDER BY s2.date, s2.id LIMIT 1))"
    ),
    audited_as=("status", "households"),
    described=N_("status {status} of {household} on {date}"),
    # the approved case that wrote it (docs/decisions.md); none for history recorded without one
    other_links=(Link("case_id", "cases", "case", optional=True),),
)

PAIRINGS = Kind(
    name="pairings",
    singular="pairing",
    table="pairings",
    alias="p",
    shape=(
        _ref("cadre", _CADRE_ZH, "c.code", required=True),
        Extra("cadre_name", "c.name"),
        _ref("household", _HOUSEHOLD_ZH, "h.code", required=True),
        Extra("household_name", "h.name"),
        _f("since", "date", ("开始日期", "结对日期"), default="today", dated=True, alias="p"),
        _f("until", "date", ("结束日期",), alias="p"),
    ),
    columns=("cadre_id", "household_id", "since", "until"),
    natural_key=("cadre_id", "household_id", "since"),
    source="pairings p JOIN cadres c ON c.id = p.cadre_id JOIN households h ON h.id = p.household_id",
    order="h.code, p.since",
    list_columns=("id", "cadre", "cadre_name", "household", "household_name", "since", "until"),
    sheet_zh=("帮扶对子",),
    load="pairings",
    unique_key=True,
    key_words="cadre, household, since",
    filters={
        "household": Filter("p.household_id = ?", "household"),
        "cadre": Filter("p.cadre_id = ?", "cadre"),
        "active": Filter("p.until IS NULL"),
    },
    label="h.code",
    taken_field="household",
    taken=N_("already has an active pairing: `pair end` it first"),
    described=N_("pairing {id} ({cadre} {cadre_name} – {household}, since {since})"),
)

_VISIT_SOURCE = (
    "visits v JOIN pairings p ON p.id = v.pairing_id"
    " JOIN households h ON h.id = p.household_id JOIN cadres c ON c.id = p.cadre_id"
)

VISITS = Kind(
    name="visits",
    singular="visit",
    table="visits",
    alias="v",
    shape=(
        _ref("household", _HOUSEHOLD_ZH, "h.code", stored=False, required=True),
        Extra("household_name", "h.name"),
        _ref("cadre", _CADRE_ZH, "c.code", stored=False, help=N_("Must be the paired cadre.")),
        Extra("cadre_name", "c.name"),
        _f("date", "date", ("日期", "走访日期"), default="today", dated=True, not_future=True, alias="v"),
        _f("kind", "enum", ("走访类型", "类型"), choices=VISIT_KINDS, default="regular", alias="v"),
        _f("situation", zh=("情况", "走访情况", "发现情况"), alias="v", help=N_("What the cadre found.")),
        _f("solved", zh=("解决问题", "解决的问题"), alias="v", help=N_("What was solved at the visit.")),
        _f("event", "enum", ("事件",), choices=EVENTS, alias="v", help=N_("A shock found.")),
        # Field evidence (docs/phones.md): what the phone recorded when the form was filled in at
        # the household. A visit typed from paper has none, and is not refused for it.
        _f("device_start", zh=("表单开始时间", "开始时间"), max_len=40, alias="v", device="start"),
        _f("device_end", zh=("表单结束时间", "结束时间"), max_len=40, alias="v", device="end"),
        _f("device", zh=("设备编号", "设备号"), max_len=100, alias="v", device="deviceid"),
        _f("location", zh=("位置", "定位"), max_len=60, alias="v", device="geopoint"),
    ),
    columns=(
        "pairing_id",
        "date",
        "kind",
        "situation",
        "solved",
        "event",
        "device_start",
        "device_end",
        "device",
        "location",
    ),
    natural_key=("pairing_id", "date", "kind"),
    source=_VISIT_SOURCE,
    order="v.date, h.code, v.id",
    list_columns=(
        "id",
        "date",
        "household",
        "household_name",
        "cadre",
        "kind",
        "event",
        "situation",
        "solved",
    ),
    sheet_zh=("走访",),
    unique_key=True,
    key_words="household, date, kind",
    filters={
        "household": Filter("p.household_id = ?", "household"),
        "cadre": Filter("p.cadre_id = ?", "cadre"),
        "quarter": Filter("v.date BETWEEN ? AND ?", "quarter"),
        "search": Filter(
            "(h.name LIKE ? ESCAPE '\\' OR h.code LIKE ? ESCAPE '\\' OR c.name LIKE ? ESCAPE '\\'"
            " OR c.code LIKE ? ESCAPE '\\' OR v.situation LIKE ? ESCAPE '\\'"
            " OR v.solved LIKE ? ESCAPE '\\' OR aidtrack_initials(h.name) LIKE ?)",
            "search",
        ),
    },
    other_links=(Link("pairing_id", "pairings", "household"),),
    owned_through=("pairing_id",),
    label="h.code || ', ' || v.date || ', ' || v.kind",
    taken_field="date",
    taken=N_("a {kind} visit to this household on that day is already recorded"),
    described=N_("visit {id} ({household}, {date}, {kind})"),
)

PROBLEMS = Kind(
    name="problems",
    singular="problem",
    table="problems",
    alias="pr",
    shape=(
        _ref("household", _HOUSEHOLD_ZH, "h.code", stored=False, required=True),
        Extra("household_name", "h.name"),
        Extra("cadre", "c.code"),
        # The visit the problem was raised at: found by household, date and (where several) kind.
        _f("date", "date", ("日期", "走访日期"), required=True, column=False, sql="v.date"),
        _f("kind", "enum", ("走访类型", "类型"), choices=VISIT_KINDS, column=False, sql="v.kind"),
        _f("problem", zh=("问题",), required=True, alias="pr"),
        _f("escalated", "flag", ("提交党委会", "提交局党委会"), default=False, alias="pr"),
        # The escalation's own date (ageing counts from it; the visit's date when not given).
        _f("escalated_on", "date", ("提交日期",), not_future=True, alias="pr"),
        _f("escalated_by", zh=("提交人",), max_len=100, alias="pr"),
        _f("resolved_on", "date", ("解决日期",), not_future=True, alias="pr"),
        _f("resolution", zh=("解决办法", "解决情况"), alias="pr"),
    ),
    columns=("visit_id", "problem", "escalated", "escalated_on", "escalated_by", "resolved_on", "resolution"),
    natural_key=("visit_id", "problem"),
    source=(
        "problems pr JOIN visits v ON v.id = pr.visit_id JOIN pairings p ON p.id = v.pairing_id"
        " JOIN households h ON h.id = p.household_id JOIN cadres c ON c.id = p.cadre_id"
    ),
    order="v.date, pr.id",
    list_columns=("id", "date", "household", "cadre", "problem", "escalated_on", "resolved_on", "resolution"),
    sheet_zh=("问题",),
    key_words="household, date, kind, problem",
    filters={
        "household": Filter("p.household_id = ?", "household"),
        "cadre": Filter("p.cadre_id = ?", "cadre"),
        "open": Filter("pr.resolved_on IS NULL"),
        "escalated": Filter("pr.escalated = 1"),
    },
    other_links=(Link("visit_id", "visits", "visit", cascade=True),),
    owned_through=("visit_id",),
    label="h.code || ', ' || v.date || ': ' || pr.problem",
    taken_field="problem",
    taken=N_("this problem is already recorded at that visit (problem {id})"),
    described=N_("problem {id} ({household}, {date}: {problem})"),
)

INCOME = Kind(
    name="income",
    singular="income",
    table="income",
    alias="i",
    shape=(
        _ref("household", _HOUSEHOLD_ZH, "h.code", required=True),
        Extra("household_name", "h.name"),
        _f(
            "month",
            "month",
            ("月份",),
            required=True,
            not_future=True,
            alias="i",
            help=N_("The month, YYYY-MM."),
        ),
        _f(
            "amount",
            "money",
            ("金额", "收入", "月收入", "家庭月收入", "家庭收入"),
            required=True,
            alias="i",
            help=N_("Yuan, e.g. 650 or 650.50."),
        ),
        _f(
            "source",
            zh=("来源", "收入来源"),
            max_len=200,
            default="",
            alias="i",
            help=N_("Where it came from, e.g. 三轮车运输."),
        ),
    ),
    columns=("household_id", "month", "source", "amount"),
    natural_key=("household_id", "month", "source"),
    source="income i JOIN households h ON h.id = i.household_id",
    order="h.code, i.month, i.source",
    list_columns=("id", "household", "household_name", "month", "amount", "source"),
    sheet_zh=("收入",),
    unique_key=True,
    key_words="household, month, source",
    filters={"household": Filter("i.household_id = ?", "household")},
    taken_field="month",
    taken=N_(
        "income for this household, month and source is already recorded;"
        " correct it with `aidtrack income edit ID`"
    ),
)

AID = Kind(
    name="aid",
    singular="aid",
    table="aid",
    alias="a",
    shape=(
        _ref("household", _HOUSEHOLD_ZH, "h.code", required=True),
        Extra("household_name", "h.name"),
        _f("date", "date", ("日期", "帮扶日期"), default="today", dated=True, not_future=True, alias="a"),
        _f("kind", "enum", ("帮扶类型", "类型"), required=True, choices=AID_KINDS, alias="a"),
        _f("value", "money", ("金额", "价值"), required=True, alias="a", help=N_("Value in yuan.")),
        # A cadre by code or unique name (giver_cadre_id), anything else (the unit, a drive) as text.
        _f(
            "giver",
            zh=("捐助人", "帮扶人"),
            max_len=200,
            column=False,
            sql="coalesce(c.code, a.giver)",
            help=N_("A cadre (code or name) who gave it personally, or free text (局党委)."),
        ),
        _f(
            "note",
            zh=("备注",),
            alias="a",
            help=N_("What the aid was for (买三轮车); also tells two like gifts of a day apart."),
        ),
        # Whose money it was: a cadre's own, the unit's, another body's, or fees waived (免收).
        _f(
            "giver_type",
            "enum",
            ("出资方", "出资方类型"),
            choices=AID_SOURCES,
            alias="a",
            help=N_(
                "Whose money: cadre (a cadre's own), unit (帮扶单位), other (another body), waived (fees waived)."
            ),
        ),
        # The measure of the household's plan it carries out (by its text or id): plan vs. done.
        _f(
            "measure",
            zh=_MEASURE_ZH,
            max_len=500,
            column=False,
            sql=_MEASURE_OF.format(a="a"),
            help=N_("The measure of the plan it carries out (its text or id)."),
        ),
    ),
    columns=(
        "household_id",
        "date",
        "kind",
        "value",
        "giver_cadre_id",
        "giver",
        "note",
        "measure_id",
        "giver_type",
    ),
    # Two equal gifts of one day (two bags of rice from two drives) are told apart by their note.
    natural_key=("household_id", "date", "kind", "value", "giver_cadre_id", "giver", "note"),
    source="aid a JOIN households h ON h.id = a.household_id LEFT JOIN cadres c ON c.id = a.giver_cadre_id",
    order="a.date, h.code, a.id",
    list_columns=("id", "date", "household", "household_name", "kind", "value", "giver", "note"),
    sheet_zh=("帮扶记录",),
    key_words="household, date, kind, value, giver, note",
    filters={"household": Filter("a.household_id = ?", "household")},
    other_links=(
        Link("giver_cadre_id", "cadres", "giver", optional=True),
        Link("measure_id", "measures", "measure", optional=True),
    ),
    taken_field="date",
    taken=N_(
        "the same aid (household, date, kind, value, giver, note) is already recorded as aid {id};"
        " a second gift of the same day needs a note of its own (a receipt number, the drive)"
    ),
)

# --- one household, one plan (一户一策), job placements, monitoring (防止返贫动态监测) ----------

CAUSES_KIND = Kind(
    name="causes",
    singular="cause",
    table="causes",
    alias="cs",
    shape=(
        _ref("household", _HOUSEHOLD_ZH, "h.code", required=True),
        Extra("household_name", "h.name"),
        _f("cause", "enum", ("致贫原因", "原因"), required=True, choices=CAUSES, alias="cs"),
        _f("date", "date", ("认定日期", "日期"), default="today", dated=True, not_future=True, alias="cs"),
        _f(
            "note",
            zh=("备注", "说明"),
            max_len=1000,
            alias="cs",
            help=N_("A remark on the cause, in the clerk's words."),
        ),
    ),
    columns=("household_id", "cause", "date", "note"),
    natural_key=("household_id", "cause"),
    source="causes cs JOIN households h ON h.id = cs.household_id",
    order="h.code, cs.date, cs.id",
    list_columns=("id", "household", "household_name", "cause", "date", "note"),
    sheet_zh=("致贫原因",),
    unique_key=True,
    key_words="household, cause",
    filters={"household": Filter("cs.household_id = ?", "household")},
)

_OPEN = "m.status IN ('planned', 'in_progress')"

MEASURES = Kind(
    name="measures",
    singular="measure",
    table="measures",
    alias="m",
    shape=(
        _ref("household", _HOUSEHOLD_ZH, "h.code", required=True),
        Extra("household_name", "h.name"),
        _f(
            "what",
            zh=("措施", "帮扶措施", "措施内容"),
            required=True,
            max_len=500,
            alias="m",
            help=N_("What is to be done (free text)."),
        ),
        _f("kind", "enum", ("措施类型", "类型"), required=True, choices=MEASURE_KINDS, alias="m"),
        _f("cause", "enum", ("致贫原因", "针对原因"), choices=CAUSES, alias="m"),
        _f(
            "member",
            zh=("帮扶成员", "家庭成员"),
            max_len=100,
            alias="m",
            help=N_("The household member it is for."),
        ),
        _ref("cadre", ("责任人", *_CADRE_ZH), "c.code", help=N_("The cadre responsible (code or name).")),
        Extra("cadre_name", "c.name"),
        _f("date", "date", ("制定日期", "日期"), default="today", dated=True, not_future=True, alias="m"),
        _f("due", "date", ("完成时限", "期限"), alias="m", help=N_("Date it is to be done by.")),
        _f(
            "status",
            "enum",
            ("状态", "进展"),
            choices=MEASURE_STATUSES,
            default="planned",
            alias="m",
            on_add=False,
        ),
        _f(
            "done_on",
            "date",
            ("完成日期", "结束日期"),
            not_future=True,
            alias="m",
            help=N_("Day it was done or dropped."),
            on_add=False,
        ),
        _f("result", zh=("成效", "结果"), max_len=1000, alias="m", help=N_("What came of it."), on_add=False),
    ),
    columns=(
        "household_id",
        "what",
        "kind",
        "cause",
        "member",
        "cadre_id",
        "date",
        "due",
        "status",
        "done_on",
        "result",
    ),
    natural_key=("household_id", "what"),
    source=("measures m JOIN households h ON h.id = m.household_id LEFT JOIN cadres c ON c.id = m.cadre_id"),
    order="h.code, m.due IS NULL, m.due, m.id",
    list_columns=(
        "id",
        "household",
        "household_name",
        "what",
        "kind",
        "cause",
        "cadre",
        "due",
        "status",
        "done_on",
    ),
    sheet_zh=("帮扶措施", "一户一策"),
    unique_key=True,
    key_words="household, what",
    filters={
        "household": Filter("m.household_id = ?", "household"),
        "cadre": Filter("m.cadre_id = ?", "cadre"),
        "open": Filter(_OPEN),
    },
    label="m.what",
)

JOBS = Kind(
    name="jobs",
    singular="job",
    table="jobs",
    alias="j",
    shape=(
        _ref("household", _HOUSEHOLD_ZH, "h.code", required=True),
        Extra("household_name", "h.name"),
        # A name for now: household members are records of their own in another branch.
        _f(
            "member",
            zh=("就业人员", "姓名", "家庭成员"),
            required=True,
            max_len=100,
            alias="j",
            help=N_("The household member placed (a name)."),
        ),
        _f("employer", zh=("就业单位", "用工单位", "单位"), max_len=200, alias="j", help=N_("Where.")),
        _f(
            "started",
            "date",
            ("上岗日期", "开始日期"),
            default="today",
            dated=True,
            not_future=True,
            alias="j",
            help=N_("First day of work (default today)."),
        ),
        _f(
            "ended",
            "date",
            ("离岗日期", "结束日期"),
            not_future=True,
            alias="j",
            help=N_("Last day of work."),
        ),
        _f("wage", "money", ("月工资", "工资"), alias="j", help=N_("Monthly wage in yuan.")),
        _f(
            "insured",
            "flag",
            ("社会保险", "参保"),
            default=False,
            alias="j",
            help=N_("Social insurance paid or not."),
            option="--insured/--not-insured",
        ),
        _f("found_by", "enum", ("就业途径", "介绍"), choices=FOUND_BY, alias="j"),
        _f(
            "measure",
            zh=_MEASURE_ZH,
            max_len=500,
            column=False,
            sql=_MEASURE_OF.format(a="j"),
            help=N_("The measure of the plan it carries out (its text or id)."),
        ),
    ),
    columns=(
        "household_id",
        "member",
        "employer",
        "started",
        "ended",
        "wage",
        "insured",
        "found_by",
        "measure_id",
    ),
    natural_key=("household_id", "member", "started"),
    source="jobs j JOIN households h ON h.id = j.household_id",
    order="j.started, h.code, j.id",
    list_columns=(
        "id",
        "household",
        "household_name",
        "member",
        "employer",
        "started",
        "ended",
        "wage",
        "insured",
        "found_by",
    ),
    sheet_zh=("就业安置",),
    unique_key=True,
    key_words="household, member, started",
    filters={"household": Filter("j.household_id = ?", "household"), "current": Filter("j.ended IS NULL")},
    other_links=(Link("measure_id", "measures", "measure", optional=True),),
)

MONITORING = Kind(
    name="monitoring",
    singular="monitoring",
    table="monitoring",
    alias="mo",
    shape=(
        _ref("household", _HOUSEHOLD_ZH, "h.code", required=True),
        Extra("household_name", "h.name"),
        _f(
            "category",
            "enum",
            ("监测对象类型", "类型"),
            required=True,
            choices=MONITOR_CATEGORIES,
            alias="mo",
        ),
        _f(
            "date", "date", ("纳入监测日期", "日期"), default="today", dated=True, not_future=True, alias="mo"
        ),
        _f("reason", zh=("原因", "纳入原因"), max_len=1000, alias="mo", help=N_("Why (free text).")),
        # Set by `monitor end` (risk elimination), after check monitor finds the household ready.
        _f("ended_on", "date", ("风险消除日期",), not_future=True, alias="mo", on_add=False),
        _f("end_reason", zh=("风险消除原因",), max_len=1000, alias="mo", on_add=False),
        Extra("case_id", "mo.case_id"),
        Extra("end_case_id", "mo.end_case_id"),
    ),
    columns=(
        "household_id",
        "category",
        "date",
        "reason",
        "ended_on",
        "end_reason",
        "case_id",
        "end_case_id",
    ),
    natural_key=("household_id", "date"),
    source="monitoring mo JOIN households h ON h.id = mo.household_id",
    order="h.code, mo.date, mo.id",
    list_columns=(
        "id",
        "household",
        "household_name",
        "category",
        "date",
        "reason",
        "ended_on",
        "end_reason",
    ),
    sheet_zh=("监测对象",),
    unique_key=True,
    key_words="household, date",
    filters={"household": Filter("mo.household_id = ?", "household"), "open": Filter("mo.ended_on IS NULL")},
    other_links=(
        Link("case_id", "cases", "case", optional=True),
        Link("end_case_id", "cases", "case", optional=True),
    ),
)

SPENDING = Kind(
    name="spending",
    singular="spending",
    table="spending",
    alias="sp",
    shape=(
        _ref(
            "household",
            _HOUSEHOLD_ZH,
            "h.code",
            required=True,
            help=N_("Household code (H01) or exact name."),
        ),
        Extra("household_name", "h.name"),
        _f("date", "date", ("日期", "支出日期"), default="today", dated=True, not_future=True, alias="sp"),
        _f("kind", "enum", ("支出类型", "类型"), required=True, choices=SPENDING_KINDS, alias="sp"),
        _f(
            "amount",
            "money",
            ("金额", "支出金额"),
            required=True,
            alias="sp",
            help=N_("Yuan spent, e.g. 8000 or 650.50."),
        ),
        _f(
            "reimbursed",
            "money",
            ("报销金额", "已报销", "报销"),
            default=0,
            alias="sp",
            help=N_("Yuan paid back (insurance, relief): 0 when left out."),
        ),
        _f(
            "note",
            zh=("备注", "说明"),
            max_len=1000,
            alias="sp",
            help=N_("What it was (free text, e.g. a receipt number)."),
        ),
    ),
    columns=("household_id", "date", "kind", "amount", "reimbursed", "note"),
    # Two bills of one day and kind are told apart by their amount or note (a receipt number).
    natural_key=("household_id", "date", "kind", "amount", "note"),
    source="spending sp JOIN households h ON h.id = sp.household_id",
    order="sp.date, h.code, sp.id",
    list_columns=("id", "date", "household", "household_name", "kind", "amount", "reimbursed", "note"),
    sheet_zh=("支出",),
    key_words="household, date, kind, amount, note",
    filters={"household": Filter("sp.household_id = ?", "household")},
    # add, list, edit and delete derived from this declaration (cli/generic.py): a cost a household
    # bore; one of at least policy large_cost is a sudden-hardship lead until settled
    group="spending",
    about=N_(
        "Spending (支出): a household's costs — medical, schooling, housing, disaster — and what was"
        " reimbursed."
    ),
)

LIVELIHOODS_KIND = Kind(
    name="livelihoods",
    singular="livelihood",
    table="livelihoods",
    alias="lv",
    shape=(
        _ref("household", _HOUSEHOLD_ZH, "h.code", required=True),
        Extra("household_name", "h.name"),
        _f("livelihood", "enum", ("生计", "生计类型"), required=True, choices=LIVELIHOODS, alias="lv"),
        _f("date", "date", ("日期", "变更日期"), default="today", dated=True, not_future=True, alias="lv"),
        _f("note", zh=("备注", "说明"), max_len=1000, alias="lv"),
    ),
    columns=("household_id", "livelihood", "date", "note"),
    natural_key=("household_id", "date"),
    source="livelihoods lv JOIN households h ON h.id = lv.household_id",
    order="h.code, lv.date, lv.id",
    list_columns=("household", "household_name", "date", "livelihood", "note"),
    sheet_zh=("生计变更",),
    unique_key=True,
    key_words="household, date",
    filters={"household": Filter("lv.household_id = ?", "household")},
)

MEMBERS = Kind(
    name="members",
    singular="member",
    table="members",
    alias="m",
    shape=(
        _ref("household", _HOUSEHOLD_ZH, "h.code", required=True, cascade=True),
        Extra("household_name", "h.name"),
        # A member named #1, #2 … stands for a person a register counted but never named.
        _f(
            "name",
            zh=("姓名", "成员姓名"),
            required=True,
            max_len=100,
            alias="m",
            help=N_("The member's full name."),
        ),
        _f("relation", "enum", ("与户主关系", "关系"), choices=RELATIONS, alias="m"),
        _f("born", "date", ("出生日期",), not_future=True, alias="m", help=N_("Birth date, YYYY-MM-DD.")),
        _f("gender", "enum", ("性别",), choices=GENDERS, alias="m"),
        _f(
            "id_number",
            "idnumber",
            ("身份证号", "身份证号码"),
            max_len=40,
            alias="m",
            help=N_("ID card number."),
        ),
        _f(
            "id_number_original",
            zh=("原身份证号", "原15位身份证号"),
            max_len=40,
            alias="m",
            on_add=False,
            help=N_("The number as first typed: a 15-digit one kept beside its 18-character form."),
        ),
        _f("health", "enum", ("健康状况",), choices=HEALTH, alias="m"),
        _f(
            "schooling",
            zh=("文化程度", "在校情况"),
            max_len=200,
            alias="m",
            help=N_("Schooling (文化程度, 在校)."),
        ),
        _f("work", zh=("工作单位", "务工"), max_len=200, alias="m", help=N_("Employer, or none.")),
        _f("work_from", "date", ("务工开始",), alias="m", help=N_("Day the work began.")),
        _f("work_to", "date", ("务工结束",), alias="m", help=N_("Day the work ended.")),
        _f(
            "dibao_from",
            "date",
            ("低保开始",),
            alias="m",
            help=N_("Day the minimum living guarantee (低保) began."),
        ),
        _f("dibao_to", "date", ("低保结束",), alias="m", help=N_("Day the 低保 ended.")),
        _f("dibao_amount", "money", ("低保金额", "低保金"), alias="m", help=N_("低保 a month, in yuan.")),
        _f(
            "joined",
            "date",
            ("加入日期", "入户日期"),
            default="today",
            dated=True,
            not_future=True,
            alias="m",
            help=N_("Day the member joined the household (today); born into it: the birth date."),
        ),
        _f(
            "left_on",
            "date",
            ("离开日期", "迁出日期"),
            not_future=True,
            alias="m",
            help=N_("Day the member left."),
            option="--left",
            on_add=False,
        ),
    ),
    columns=(
        "household_id",
        "name",
        "relation",
        "born",
        "gender",
        "id_number",
        "id_number_original",
        "health",
        "schooling",
        "work",
        "work_from",
        "work_to",
        "dibao_from",
        "dibao_to",
        "dibao_amount",
        "joined",
        "left_on",
    ),
    natural_key=("household_id", "name", "joined"),
    source="members m JOIN households h ON h.id = m.household_id",
    order="h.code, m.joined, m.id",
    list_columns=(
        "id",
        "household",
        "name",
        "relation",
        "born",
        "gender",
        "health",
        "work",
        "joined",
        "left_on",
    ),
    sheet_zh=("家庭成员",),
    key_words="household, name, joined",
    filters={"household": Filter("m.household_id = ?", "household"), "present": Filter("m.left_on IS NULL")},
    taken_field="name",
    taken=N_("a member of this name who joined that day is already recorded (member {id})"),
    described=N_("member {id} ({household}: {name})"),
)

MEETINGS = Kind(
    name="meetings",
    singular="meeting",
    table="meetings",
    alias="mt",
    shape=(
        _f("date", "date", ("日期", "会议日期"), default="today", dated=True, not_future=True, alias="mt"),
        _f("kind", "enum", ("会议类型", "类型"), choices=MEETING_KINDS, default="committee", alias="mt"),
        _f("attendees", zh=("参会人员", "出席"), max_len=1000, alias="mt"),
        _f("note", zh=("备注", "会议记录"), alias="mt"),
        Extra("items", "(SELECT count(*) FROM meeting_items mi WHERE mi.meeting_id = mt.id)"),
    ),
    columns=("date", "kind", "attendees", "note"),
    natural_key=("date", "kind"),
    source="meetings mt",
    order="mt.date, mt.kind",
    list_columns=("id", "date", "kind", "items", "attendees", "note"),
    sheet_zh=("会议",),
    unique_key=True,
    key_words="date, kind",
    unit_owned=True,
    label="mt.date || ' ' || mt.kind",
    described=N_("meeting {id} ({kind}, {date})"),
)

MEETING_ITEMS = Kind(
    name="meeting_items",
    singular="meeting_item",
    table="meeting_items",
    alias="mi",
    shape=(
        # The meeting by its date and kind; the problem by its household, visit date and text.
        _f("meeting_date", "date", ("会议日期",), required=True, column=False, sql="mt.date"),
        _f(
            "meeting_kind",
            "enum",
            ("会议类型",),
            choices=MEETING_KINDS,
            default="committee",
            column=False,
            sql="mt.kind",
        ),
        _ref("household", _HOUSEHOLD_ZH, "h.code", stored=False, required=True),
        _f("date", "date", ("走访日期",), required=True, column=False, sql="v.date"),
        _f("problem", zh=("问题",), required=True, column=False, sql="pr.problem"),
        _f("decision", zh=("决定", "研究意见"), alias="mi"),
        Field("leader", "ref", ("责任领导", "负责领导"), ref="cadre", column="leader_id", sql="lc.code"),
        _f("due", "date", ("期限", "完成期限"), alias="mi"),
        Extra("leader_name", "lc.name"),
        Extra("meeting_id", "mt.id"),
        Extra("problem_id", "pr.id"),
        Extra("resolved_on", "pr.resolved_on"),
    ),
    columns=("meeting_id", "problem_id", "decision", "leader_id", "due"),
    natural_key=("meeting_id", "problem_id"),
    source=(
        "meeting_items mi JOIN meetings mt ON mt.id = mi.meeting_id"
        " JOIN problems pr ON pr.id = mi.problem_id"
        " JOIN visits v ON v.id = pr.visit_id JOIN pairings p ON p.id = v.pairing_id"
        " JOIN households h ON h.id = p.household_id LEFT JOIN cadres lc ON lc.id = mi.leader_id"
    ),
    order="mt.date, mi.id",
    list_columns=(
        "id",
        "meeting_date",
        "household",
        "problem_id",
        "problem",
        "decision",
        "leader",
        "leader_name",
        "due",
        "resolved_on",
    ),
    sheet_zh=("会议议题",),
    unique_key=True,
    key_words="meeting, problem",
    other_links=(
        Link("meeting_id", "meetings", "meeting", cascade=True),
        Link("problem_id", "problems", "problem", cascade=True),
    ),
    # what the unit's meetings decided, and what any meeting decided on its problems
    owned_through=("meeting_id", "problem_id"),
    described=N_("meeting item {id} ({meeting_date}: {problem})"),
)

#: Where a phone submission came from: ODK Central's CSV export or KoboToolbox's export.
SUBMISSION_SOURCES = ("central", "kobo")

SUBMISSIONS = Kind(
    name="submissions",
    singular="submission",
    table="submissions",
    alias="sb",
    shape=(
        # The form's instance ID without its `uuid:` prefix (Central's KEY, Kobo's _uuid).
        _f("instance_id", zh=("实例编号", "提交编号"), required=True, max_len=100, alias="sb"),
        _f("source", "enum", ("来源", "数据来源"), required=True, choices=SUBMISSION_SOURCES, alias="sb"),
        # The visit it became, by household, date and kind (as a problem names its visit): what
        # `import all` links it back by. Empty once the visit is deleted.
        _ref("household", _HOUSEHOLD_ZH, "h.code", stored=False),
        _f("date", "date", ("走访日期", "日期"), column=False, sql="v.date"),
        _f("kind", "enum", ("走访类型", "类型"), choices=VISIT_KINDS, column=False, sql="v.kind"),
        _f("form_version", zh=("表单版本",), max_len=100, alias="sb"),
        _f("submitted", zh=("提交时间", "上传时间"), max_len=40, alias="sb"),
        _f("device_start", zh=("表单开始时间", "开始时间"), max_len=40, alias="sb"),
        _f("device_end", zh=("表单结束时间", "结束时间"), max_len=40, alias="sb"),
        _f("submitter", zh=("提交人", "上报人"), max_len=200, alias="sb"),
        _f("edits", "int", ("修改次数",), minimum=0, default=0, alias="sb"),
        _f("review_state", zh=("审核状态",), max_len=40, alias="sb"),
        # The sha256 of the file the submission was last read from.
        _f("digest", zh=("文件摘要",), max_len=64, alias="sb"),
        # What it became: "visit 12; problems 40 41; income 7".
        _f("records", zh=("生成记录",), max_len=1000, alias="sb"),
        # The instance ID an edit in Kobo replaced (its deprecatedID), when the edit came as a new ID.
        _f("replaces", zh=("替代编号",), max_len=100, alias="sb"),
        Extra("visit", "sb.visit_id"),
    ),
    columns=(
        "instance_id",
        "source",
        "form_version",
        "submitted",
        "device_start",
        "device_end",
        "submitter",
        "edits",
        "review_state",
        "digest",
        "records",
        "replaces",
        "visit_id",
        "income_id",
    ),
    natural_key=("instance_id",),
    source=(
        "submissions sb LEFT JOIN visits v ON v.id = sb.visit_id LEFT JOIN pairings p ON p.id = v.pairing_id"
        " LEFT JOIN households h ON h.id = p.household_id"
    ),
    order="sb.submitted, sb.id",
    list_columns=(
        "id",
        "instance_id",
        "source",
        "household",
        "date",
        "submitter",
        "edits",
        "review_state",
        "records",
    ),
    sheet_zh=("手机提交",),
    unique_key=True,
    key_words="instance_id",
    # The unit's own intake ledger: a city file holds the visits it became, not the unit's intake.
    merged=False,
    # what the submission became (ON DELETE SET NULL in the schema: the ledger keeps its entry)
    other_links=(
        Link("visit_id", "visits", "visit", optional=True),
        Link("income_id", "income", "income", optional=True),
    ),
)


# --- decisions (研判认定): a case about one household and its steps (docs/decisions.md) -----------

_CASE_STEPS_COUNT = "(SELECT count(*) FROM case_steps cst WHERE cst.case_id = ca.id)"

CASES = Kind(
    name="cases",
    singular="case",
    table="cases",
    alias="ca",
    shape=(
        _ref("household", _HOUSEHOLD_ZH, "h.code", required=True),
        Extra("household_name", "h.name"),
        _f("decision", "enum", ("认定事项", "事项"), required=True, choices=DECISIONS, alias="ca"),
        _f("category", "enum", ("监测对象类型",), choices=MONITOR_CATEGORIES, alias="ca"),
        _f("channel", "enum", ("线索来源", "来源"), required=True, choices=CHANNELS, alias="ca"),
        _f(
            "lead_date",
            "date",
            ("线索日期", "申报日期", "发现日期"),
            default="today",
            dated=True,
            not_future=True,
            alias="ca",
        ),
        _f("lead_by", zh=("发现人", "申报人"), max_len=200, alias="ca"),
        _f("lead_visit", "date", ("发现走访日期",), alias="ca"),
        _f("finding", zh=("筛查发现",), max_len=1000, alias="ca"),
        _f("department", zh=("预警部门",), max_len=200, alias="ca"),
        _f("outcome", "enum", ("办理结果", "结果"), choices=CASE_OUTCOMES, default="open", alias="ca"),
        _f("decided_on", "date", ("审批日期", "办结日期"), not_future=True, alias="ca"),
        _f("effective", "date", ("生效日期",), alias="ca"),
        _f("reason", zh=("理由", "认定理由"), max_len=2000, alias="ca"),
        _f("body", zh=("审批机关", "审批单位"), max_len=200, alias="ca"),
        Extra("steps", _CASE_STEPS_COUNT),
    ),
    columns=(
        "household_id",
        "decision",
        "category",
        "channel",
        "lead_date",
        "lead_by",
        "lead_visit",
        "finding",
        "department",
        "outcome",
        "decided_on",
        "effective",
        "reason",
        "body",
    ),
    natural_key=("household_id", "decision", "lead_date"),
    source="cases ca JOIN households h ON h.id = ca.household_id",
    order="ca.lead_date, h.code, ca.id",
    list_columns=(
        "id",
        "household",
        "household_name",
        "decision",
        "channel",
        "lead_date",
        "outcome",
        "decided_on",
        "steps",
    ),
    sheet_zh=("认定案件", "案件"),
    unique_key=True,
    key_words="household, decision, lead_date",
    filters={
        "household": Filter("ca.household_id = ?", "household"),
        "open": Filter("ca.outcome = 'open'"),
    },
)

CASE_STEPS = Kind(
    name="case_steps",
    singular="case_step",
    table="case_steps",
    alias="cst",
    shape=(
        # The case by its household, decision and lead date, as a file names it.
        _ref("household", _HOUSEHOLD_ZH, "h.code", stored=False, required=True),
        _f(
            "decision",
            "enum",
            ("认定事项", "事项"),
            required=True,
            choices=DECISIONS,
            column=False,
            sql="ca.decision",
        ),
        _f("lead_date", "date", ("线索日期",), required=True, column=False, sql="ca.lead_date"),
        _f("step", "enum", ("程序", "步骤", "环节"), required=True, choices=STEPS, alias="cst"),
        _f("date", "date", ("日期", "办理日期"), default="today", dated=True, not_future=True, alias="cst"),
        _f("end_date", "date", ("截止日期", "公示截止日期"), alias="cst"),
        _f("who", zh=("经办人", "办理人", "办理单位"), max_len=200, alias="cst"),
        _f("outcome", "enum", ("结论", "结果"), choices=STEP_OUTCOMES, alias="cst"),
        _f("document", zh=("文号", "文书编号", "材料"), max_len=200, alias="cst"),
        _f("note", zh=("备注", "说明"), max_len=2000, alias="cst"),
        _f("handling", zh=("处理情况", "异议处理"), max_len=2000, alias="cst"),
        _f("meeting", "date", ("评议会议日期", "会议日期"), column=False, sql="mt.date"),
        Extra("case_id", "cst.case_id"),
    ),
    columns=(
        "case_id",
        "step",
        "date",
        "end_date",
        "who",
        "outcome",
        "document",
        "note",
        "handling",
        "meeting_id",
    ),
    natural_key=("case_id", "step", "date"),
    source=(
        "case_steps cst JOIN cases ca ON ca.id = cst.case_id JOIN households h ON h.id = ca.household_id"
        " LEFT JOIN meetings mt ON mt.id = cst.meeting_id"
    ),
    order="h.code, ca.lead_date, cst.date, cst.id",
    list_columns=(
        "case_id",
        "household",
        "decision",
        "step",
        "date",
        "end_date",
        "who",
        "outcome",
        "document",
    ),
    sheet_zh=("案件程序", "程序"),
    unique_key=True,
    key_words="case, step, date",
    filters={
        "household": Filter("ca.household_id = ?", "household"),
        "case": Filter("cst.case_id = ?", "id"),
    },
    other_links=(
        Link("case_id", "cases", "case", cascade=True),
        Link("meeting_id", "meetings", "meeting", optional=True),
    ),
    owned_through=("case_id",),
)

#: Every kind, in bundle (dependency) order: what import, export, merge and the audit log speak of.
QUARTER_NOTES = Kind(
    name="quarter_notes",
    singular="quarter_note",
    table="quarter_notes",
    alias="qn",
    shape=(
        _f(
            "quarter",
            zh=("季度",),
            required=True,
            max_len=20,
            alias="qn",
            help=N_("The quarter it is about, e.g. 2004Q3."),
        ),
        _f(
            "text",
            zh=("典型事例", "内容"),
            required=True,
            max_len=2_000,
            alias="qn",
            help=N_("The case in a sentence or two, as the director reads it."),
        ),
        _f(
            "written",
            "date",
            ("填写日期", "日期"),
            default="today",
            not_future=True,
            alias="qn",
            help=N_("The day it was written, YYYY-MM-DD (default: today)."),
        ),
    ),
    columns=("quarter", "text", "written"),
    natural_key=("quarter", "text"),
    source="quarter_notes qn",
    order="qn.quarter, qn.id",
    list_columns=("id", "quarter", "written", "text"),
    sheet_zh=("典型事例",),
    key_words="quarter, text",
    filters={
        "quarter": Filter(
            "qn.quarter = strftime('%Y', ?) || 'Q' || ((CAST(strftime('%m', ?) AS INTEGER) + 2) / 3)",
            "quarter",
        )
    },
    # a unit's own text for its director: in a city file each unit's notes stay its own
    unit_owned=True,
    owned_through=(),
    label="qn.quarter || ' ' || substr(qn.text, 1, 20)",
    described=N_("typical case {id} ({quarter})"),
    # add, list, edit and delete derived from this declaration (cli/generic.py); `report note` is the
    # clerk's way to add one
    group="note",
    about=N_(
        "Typical cases of a quarter (典型事例): text the clerk writes for the director, printed in the"
        " quarter report (`report note` adds one)."
    ),
)

REGISTRY: dict[str, Kind] = {
    k.name: k
    for k in (
        CADRES,
        HOUSEHOLDS,
        CASES,
        STATUSES_KIND,
        PAIRINGS,
        VISITS,
        PROBLEMS,
        INCOME,
        CAUSES_KIND,
        MEASURES,
        AID,
        JOBS,
        MONITORING,
        MEMBERS,
        MEETINGS,
        MEETING_ITEMS,
        SUBMISSIONS,
        SPENDING,
        LIVELIHOODS_KIND,
        CASE_STEPS,
        QUARTER_NOTES,
    )
}
V = TypeVar("V")
#: Bumped when a kind is registered or taken out at run time: derived tables rebuild themselves.
_GENERATION = [0]


def register(k: Kind) -> None:
    """Add a kind at run time (after the built-in ones): everything derived follows (a test's
    throwaway kind; tests/test_new_kind.py)."""
    REGISTRY[k.name] = k
    _GENERATION[0] += 1


def generation() -> int:
    """How many times a kind was registered or taken out at run time (0: the built-in registry)."""
    return _GENERATION[0]


def unregister(name: str) -> None:
    del REGISTRY[name]
    _GENERATION[0] += 1


class Derived(Mapping[str, V]):
    """A table derived from the registry (by kind, table or field), rebuilt when a kind is
    registered at run time: a module's constant that a kind added later is still in."""

    def __init__(self, build: Callable[[], Mapping[str, V]]):
        self._build = build
        self._generation = -1
        self._data: Mapping[str, V] = {}

    def _current(self) -> Mapping[str, V]:
        if self._generation != _GENERATION[0]:
            self._data = self._build()
            self._generation = _GENERATION[0]
        return self._data

    def __getitem__(self, key: str) -> V:
        return self._current()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())


class _Names(Sequence[str]):
    """The kinds' names in bundle order, live (a kind registered later is in it)."""

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        return tuple(REGISTRY)[i]

    def __len__(self) -> int:
        return len(REGISTRY)

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(REGISTRY))

    def __contains__(self, name: object) -> bool:
        return name in REGISTRY


KINDS: Sequence[str] = _Names()


def _plural(singular: str) -> str:
    """The kind a `ref` field's singular names (household -> households)."""
    return next(k.name for k in REGISTRY.values() if k.singular == singular)


def referring(name: str) -> list[tuple[Kind, Link]]:
    """The kinds and links whose stored column names a record of kind NAME."""
    return [(k, lk) for k in REGISTRY.values() for lk in k.links if lk.to == name]


def kind(name: str) -> Kind:
    return REGISTRY[name]


def field_types() -> dict[str, str]:
    """The type of each field name across kinds (a name means the same in every kind)."""
    out: dict[str, str] = {}
    for k in REGISTRY.values():
        for f in k.fields:
            out.setdefault(f.name, "text" if f.type in ("ref", "idnumber") else f.type)
    return out
