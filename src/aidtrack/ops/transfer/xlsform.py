"""The visit form for phones (docs/phones.md): an XLSForm that ODK Collect or KoboToolbox fills offline.

`aidtrack export xlsform --out DIR` writes `visit.xlsx` (sheets survey, choices, settings) and the
two lists its `select_one_from_file` questions read, `households.csv` and `cadres.csv`. The form is
derived from the registry (kinds.py), never from a list of its own: the visit's fields are asked at
the top (those a device records by itself, `Field.device`, are filled by the form's metadata), the
problems' own fields (those a problem stores; its visit is the form) in a repeat group named after
the problems kind, and the income fields (the household is the visit's) in a group named after the
income kind. `ops/transfer/importer/submissions.py` reads the answers back by the same names.

The household list holds codes and names only, never an ID number, phone or address: the phone is
carried from door to door. Each household row names its paired cadre, and the household question
filters on the cadre question (`choice_filter`): a cadre sees only the households paired with them.
The form's version is a digest of everything in it, lists included: it changes when the register's
choices change, and only then.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...i18n import _
from ...kinds import INCOME, PROBLEMS, VISITS, Field, Kind
from ...model import ZH_NAMES, AidtrackError
from ...store import Store
from ...store.files import atomic_write, guard_output, private_dir

FORM_ID = "aidtrack_visit"
FORM_FILE = "visit.xlsx"
HOUSEHOLDS_FILE = "households.csv"
CADRES_FILE = "cadres.csv"
ZH = "中文 (zh)"
EN = "English (en)"
#: The XLSForm metadata every submission carries: when the form was opened and finished, the day,
#: the device and the account (ODK's `start`, `end`, `today`, `deviceid`, `username`).
METADATA = ("start", "end", "today", "deviceid", "username")
#: The question a `--gps` form asks for the place (a `geopoint`): the visit field it fills.
GEOPOINT = next(f.name for f in VISITS.fields if f.device == "geopoint")
ODK_INSTALL = "pip install 'aidtrack[odk]'"

SURVEY_COLUMNS = (
    "type",
    "name",
    f"label::{ZH}",
    f"label::{EN}",
    "required",
    "constraint",
    f"constraint_message::{ZH}",
    f"constraint_message::{EN}",
    "appearance",
    "choice_filter",
    "default",
)
CHOICE_COLUMNS = ("list_name", "name", f"label::{ZH}", f"label::{EN}")


@dataclass(frozen=True)
class Section:
    """Where a kind's fields sit in the form: at the top (group None), in a group or in a repeat."""

    kind: Kind
    group: str | None
    repeat: bool
    fields: tuple[Field, ...]


def sections() -> tuple[Section, ...]:
    """The kinds the form asks about and the fields it asks, derived from the registry."""
    visit = tuple(f for f in VISITS.fields if f.device is None and f.type != "ref")
    problem = tuple(f for f in PROBLEMS.fields if f.column is not None)
    income = tuple(f for f in INCOME.fields if f.type != "ref")
    return (
        Section(VISITS, None, False, visit),
        Section(PROBLEMS, PROBLEMS.name, True, problem),
        Section(INCOME, INCOME.name, False, income),
    )


def _en(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _question(f: Field, required: bool) -> dict[str, Any]:
    q: dict[str, Any] = {"name": f.name, f"label::{ZH}": f.zh[0], f"label::{EN}": _en(f.name)}
    if required:
        q["required"] = "yes"
    if f.type in ("date", "month"):
        q["type"] = "date"
        if f.type == "month":
            q["appearance"] = "month-year"
        if f.not_future:
            q["constraint"] = ". <= today()"
            q[f"constraint_message::{ZH}"] = "不能晚于今天"
            q[f"constraint_message::{EN}"] = "Not after today"
    elif f.type == "money":
        q["type"] = "decimal"
        q["constraint"] = ". >= 0"
        q[f"constraint_message::{ZH}"] = "不能为负数"
        q[f"constraint_message::{EN}"] = "Not below zero"
    elif f.type == "int":
        q["type"] = "integer"
        if f.minimum is not None:
            q["constraint"] = f". >= {f.minimum}"
    elif f.type == "enum":
        q["type"] = f"select_one {f.name}"
        if f.default in f.choices:
            q["default"] = f.default
    elif f.type == "flag":
        q["type"] = "select_one yes_no"
    else:
        q["type"] = "text"
    return q


def _choices(fields: Iterable[Field]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    lists: set[str] = set()
    for f in fields:
        if f.type == "enum" and f.name not in lists:
            lists.add(f.name)
            for value in f.choices:
                rows.append(
                    {
                        "list_name": f.name,
                        "name": value,
                        f"label::{ZH}": ZH_NAMES.get(value, value),
                        f"label::{EN}": _en(value),
                    }
                )
        elif f.type == "flag" and "yes_no" not in lists:
            lists.add("yes_no")
            rows.append({"list_name": "yes_no", "name": "yes", f"label::{ZH}": "是", f"label::{EN}": "Yes"})
            rows.append({"list_name": "yes_no", "name": "no", f"label::{ZH}": "否", f"label::{EN}": "No"})
    return rows


def survey(gps: bool, cadre: str | None) -> list[dict[str, Any]]:
    """The survey sheet's rows: metadata, cadre and household, then each section's questions."""
    rows: list[dict[str, Any]] = [{"type": m, "name": m} for m in METADATA]
    cadre_field, household_field = VISITS.field("cadre"), VISITS.field("household")
    rows.append(
        {
            "type": f"select_one_from_file {CADRES_FILE}",
            "name": cadre_field.name,
            f"label::{ZH}": cadre_field.zh[0],
            f"label::{EN}": _en(cadre_field.name),
            "required": "yes",
            **({"default": cadre} if cadre else {}),
        }
    )
    rows.append(
        {
            "type": f"select_one_from_file {HOUSEHOLDS_FILE}",
            "name": household_field.name,
            f"label::{ZH}": household_field.zh[0],
            f"label::{EN}": _en(household_field.name),
            "required": "yes",
            "choice_filter": f"{cadre_field.name}=${{{cadre_field.name}}}",
        }
    )
    for s in sections():
        if s.group is not None:
            begin = "begin_repeat" if s.repeat else "begin_group"
            rows.append(
                {
                    "type": begin,
                    "name": s.group,
                    f"label::{ZH}": s.kind.sheet_zh[0],
                    f"label::{EN}": _en(s.group),
                }
            )
        for f in s.fields:
            # A date a file must give (the visit's) is asked; the income group is optional as a whole.
            rows.append(_question(f, (f.required or f.dated) and s.kind is not INCOME))
        if s.kind is VISITS and gps:
            g = VISITS.field(GEOPOINT)
            rows.append(
                {"type": "geopoint", "name": g.name, f"label::{ZH}": g.zh[0], f"label::{EN}": _en(g.name)}
            )
        if s.group is not None:
            rows.append({"type": "end_repeat" if s.repeat else "end_group", "name": ""})
    return rows


def lists(db: Store, cadre: str | None = None, unit: str | None = None) -> tuple[list[tuple], list[tuple]]:
    """The rows of households.csv (code, name, paired cadre) and cadres.csv (code, name): the
    households in an active pairing, with --cadre only that cadre's, with --unit only that unit's."""
    from ..rules.refs import Refs
    from .units import Units

    where: list[str] = ["p.until IS NULL"]
    params: list[int | None] = []
    if cadre is not None:
        where.append("p.cadre_id = ?")
        params.append(Refs(db).cadre(cadre))
    if unit is not None:
        uid = Units(db).find(unit)
        where.append("h.unit_id IS ?")
        params.append(uid)
    households = db.execute(
        "SELECT h.code, h.name, c.code FROM pairings p JOIN households h ON h.id = p.household_id"
        f" JOIN cadres c ON c.id = p.cadre_id WHERE {' AND '.join(where)} ORDER BY h.code",
        params,
    ).fetchall()
    codes = sorted({r[2] for r in households})
    cadres = db.execute(
        f"SELECT code, name FROM cadres WHERE code IN ({', '.join('?' * len(codes))}) ORDER BY code", codes
    ).fetchall()
    return [tuple(r) for r in households], [tuple(r) for r in cadres]


def _csv(header: tuple[str, ...], rows: list[tuple]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


@dataclass
class Form:
    """What `export xlsform` writes: the workbook's bytes, the lists' bytes, the version."""

    xlsx: bytes
    households: bytes
    cadres: bytes
    version: str
    households_n: int
    cadres_n: int


def build(db: Store, cadre: str | None = None, unit: str | None = None, gps: bool = False) -> Form:
    from .importer.readers import require

    openpyxl = require()
    households, cadres = lists(db, cadre, unit)
    cadre_code = None
    if cadre is not None:
        cadre_code = cadres[0][0] if cadres else None
        if cadre_code is None:
            raise AidtrackError("cadre", cadre, _("has no household paired with them now"))
    if not households:
        raise AidtrackError(
            "unit" if unit else "out", unit or "", _("no household is paired now: nothing to visit")
        )
    household_csv = _csv(("name", "label", VISITS.field("cadre").name), households)
    cadre_csv = _csv(("name", "label"), cadres)
    rows = survey(gps, cadre_code)
    choices = _choices(f for s in sections() for f in s.fields)
    digest = hashlib.sha256()
    for part in (repr(rows), repr(choices), household_csv, cadre_csv):
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8"))
    version = digest.hexdigest()[:12]
    settings = {
        "form_title": "帮扶走访登记",
        "form_id": FORM_ID,
        "version": version,
        "instance_name": f"concat(${{{VISITS.field('household').name}}}, ' ', ${{date}})",
        "default_language": ZH,
    }
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(list(SURVEY_COLUMNS))
    for r in rows:
        ws.append([r.get(c, "") for c in SURVEY_COLUMNS])
    wc = wb.create_sheet("choices")
    wc.append(list(CHOICE_COLUMNS))
    for r in choices:
        wc.append([r.get(c, "") for c in CHOICE_COLUMNS])
    wsettings = wb.create_sheet("settings")
    wsettings.append(list(settings))
    wsettings.append(list(settings.values()))
    buf = io.BytesIO()
    wb.save(buf)
    return Form(buf.getvalue(), household_csv, cadre_csv, version, len(households), len(cadres))


def convert(xlsx: bytes) -> str | None:
    """The XForm (XML) pyxform makes of the workbook, or None when pyxform (the odk extra) is not
    installed. A form pyxform refuses is an error naming pyxform's reason."""
    try:
        from pyxform.xls2xform import convert as xls2xform
    except ImportError:
        return None
    try:
        return str(xls2xform(xlsform=io.BytesIO(xlsx), warnings=[], file_type=".xlsx").xform)
    except Exception as e:  # pyxform's own errors (PyXFormError and kin): one line naming them
        raise AidtrackError(
            "xlsform", FORM_FILE, _("pyxform refuses the form: {error}").format(error=e)
        ) from None


def write(form: Form, out: str, register: str | Path | None) -> dict[str, bytes]:
    """The form's files written into the folder OUT (created 0700), each through the output guard."""
    xform = convert(form.xlsx)  # a form pyxform refuses writes nothing
    folder = guard_output(out, register, "out", directory=True)
    private_dir(folder)
    files = {FORM_FILE: form.xlsx, HOUSEHOLDS_FILE: form.households, CADRES_FILE: form.cadres}
    if xform is not None:
        files[FORM_FILE.replace(".xlsx", ".xml")] = xform.encode("utf-8")
    for name, data in files.items():
        path = guard_output(folder / name, register, "out")
        with atomic_write(path, binary=True) as f:
            f.write(data)
    return files
