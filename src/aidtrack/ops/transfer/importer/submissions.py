"""`import submissions FILE`: visits filled in on a phone (docs/phones.md), as ODK Central or
KoboToolbox export them, told apart by their columns.

- ODK Central's CSV export: a .zip holding the form's main CSV and one CSV per repeat group (rows
  tied to their submission by PARENT_KEY), or the main CSV alone (a repeat CSV beside it is read
  too). Group paths are joined with `-`, a geopoint is four columns (-Latitude, -Longitude,
  -Altitude, -Accuracy); SubmissionDate comes first, KEY, SubmitterID, SubmitterName, Status,
  ReviewState, DeviceID, Edits and FormVersion last.
- KoboToolbox's export: an .xlsx workbook (the main sheet first, a sheet per repeat group, rows
  tied by _parent_index to the main sheet's _index) or the main CSV; group paths joined with `/`,
  _uuid, _id, _submission_time, _validation_status and _submitted_by beside the answers.

A submission is known by its instance ID (Central's KEY, Kobo's _uuid; without `uuid:`), kept in the
submissions ledger (kinds.SUBMISSIONS) with the records it became. Known and not edited since:
unchanged. Edited (a higher Edits, or a new ID whose deprecatedID names a known one): a correction
of the visit it became, through the same validator, audited. Rejected by a reviewer: skipped, and
said so. Every record goes through the one validator (ops/rules/validate.py); the whole file is one
transaction, and any error (naming the submission and the field) writes nothing.

The visit's date is the form's own date question, never the day the server received it. The form's
start and end times, the device and the place are stored with the visit as its evidence.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import sqlite3
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ....i18n import _
from ....kinds import INCOME, PROBLEMS, SUBMISSIONS, VISITS
from ....model import AidtrackError, format_yuan
from ....store import Store
from ...rules.refs import Refs
from ...rules.validate import validate
from ...write import records
from ..xlsform import sections

#: The columns ODK Central writes around a form's own: what tells its export apart.
CENTRAL_MARK = ("SubmissionDate", "KEY")
KOBO_MARK = "_uuid"
_GEO_PARTS = ("Latitude", "Longitude", "Altitude", "Accuracy")
#: Review states that mean a reviewer turned the submission down.
_REJECTED = ("rejected", "validation_status_not_approved", "not_approved")

COUNT_COLUMNS = ("kind", "added", "corrected", "unchanged", "skipped")


@dataclass
class Submission:
    """One submission, read from either export into the form's own names."""

    instance_id: str
    source: str
    where: str
    visit: dict[str, Any] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)
    income: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    deprecated: str | None = None
    edits: int = 0
    review: str | None = None
    #: The file carried the repeat group's table (a main CSV alone says nothing of the problems).
    repeats: bool = True


@dataclass
class SubmissionsResult:
    source: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    sha256: str | None = None

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "written": self.written,
            "dry_run": self.dry_run,
            "counts": self.counts,
            "notes": self.notes,
            "error_count": self.error_count,
            "errors": self.errors,
        }

    def count(self, kind: str, what: str, n: int = 1) -> None:
        self.counts[kind][what] += n


def _bare(iid: Any) -> str:
    text = _cell(iid) or ""
    return text[5:] if text.lower().startswith("uuid:") else text


def _cell(value: Any) -> str | None:
    """A cell as text: a spreadsheet's date or time as ISO, a number without a spurious `.0`."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return (
            value.date().isoformat()
            if value.time() == dt.time() and value.tzinfo is None
            else value.isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


# --- reading the exports --------------------------------------------------------------------------


def _csv_rows(data: bytes) -> list[dict[str, Any]]:
    text = data.decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","  # Kobo's CSV export uses ;
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def _split(column: str, sep: str) -> list[str]:
    return [p for p in column.split(sep) if p]


def _answers(row: Mapping[str, Any], sep: str, sub: Submission) -> None:
    """A main row's answers by their group path: the visit's at the top, the income group's, the
    metadata; a Central geopoint's four columns made one "lat lon"."""
    groups = {s.group: s for s in sections() if s.group is not None and not s.repeat}
    geo: dict[str, str] = {}
    for column, raw in row.items():
        if column is None or column.startswith("_"):
            continue
        value = _cell(raw)
        path = _split(column, sep)
        if not path:
            continue
        name = path[-1]
        if len(path) >= 2 and name in _GEO_PARTS:
            if value is not None:
                geo[name] = value
            continue
        if len(path) == 1:
            sub.visit[name] = value
        elif path[0] in groups:
            sub.income[name] = value
        elif path[0] == "meta":
            sub.meta[name] = value
    if "Latitude" in geo and "Longitude" in geo:
        sub.visit["location"] = f"{geo['Latitude']} {geo['Longitude']}"


def _repeat_rows(row: Mapping[str, Any], sep: str) -> dict[str, Any]:
    out = {}
    for column, raw in row.items():
        if column is None or column.startswith("_") or column in ("PARENT_KEY", "KEY"):
            continue
        path = _split(column, sep)
        if path:
            out[path[-1]] = _cell(raw)
    return out


def _central(
    main: list[dict[str, Any]], repeats: Mapping[str, list[dict[str, Any]]], name: str
) -> list[Submission]:
    repeat = next(s for s in sections() if s.repeat)
    children: dict[str, list[dict[str, Any]]] = {}
    for rname, rows in repeats.items():
        if rname == repeat.group:
            for r in rows:
                children.setdefault(_bare(r.get("PARENT_KEY")), []).append(_repeat_rows(r, "-"))
    out = []
    for line, row in enumerate(main, start=2):
        key = _bare(row.get("KEY") or row.get("meta-instanceID"))
        sub = Submission(key, "central", f"{name}:{line}")
        _answers({k: v for k, v in row.items() if k not in _CENTRAL_SYSTEM}, "-", sub)
        sub.problems = children.get(key, [])
        sub.repeats = bool(repeats)
        sub.deprecated = _bare(sub.meta.get("deprecatedID")) or None
        edits = _cell(row.get("Edits")) or "0"
        sub.edits = int(edits) if edits.isdigit() else 0
        sub.review = _cell(row.get("ReviewState"))
        sub.meta.update(
            submitted=_cell(row.get("SubmissionDate")),
            submitter=_cell(row.get("SubmitterName")) or _cell(row.get("SubmitterID")),
            form_version=_cell(row.get("FormVersion")),
            device=_cell(row.get("DeviceID")),
        )
        out.append(sub)
    return out


#: Central's own columns around the form's answers (they hold no `-` path of the form).
_CENTRAL_SYSTEM = frozenset(
    (
        "SubmissionDate",
        "KEY",
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "AttachmentsExpected",
        "Status",
        "ReviewState",
        "DeviceID",
        "Edits",
        "FormVersion",
    )
)


def _kobo(
    main: list[dict[str, Any]], repeats: Mapping[str, list[dict[str, Any]]], name: str
) -> list[Submission]:
    repeat = next(s for s in sections() if s.repeat)
    children: dict[str, list[dict[str, Any]]] = {}
    for rname, rows in repeats.items():
        if rname.split("/")[-1] == repeat.group:
            for r in rows:
                children.setdefault(_cell(r.get("_parent_index")) or "", []).append(_repeat_rows(r, "/"))
    out = []
    for line, row in enumerate(main, start=2):
        sub = Submission(_bare(row.get("_uuid") or row.get("meta/instanceID")), "kobo", f"{name}:{line}")
        _answers(row, "/", sub)
        sub.problems = children.get(_cell(row.get("_index")) or "", [])
        sub.repeats = bool(repeats)
        sub.deprecated = _bare(sub.meta.get("deprecatedID")) or None
        status = (_cell(row.get("_validation_status")) or "").lower().replace(" ", "_")
        sub.review = status or None
        sub.meta.update(
            submitted=_cell(row.get("_submission_time")),
            submitter=_cell(row.get("_submitted_by")),
            form_version=_cell(row.get("__version__")),
        )
        out.append(sub)
    return out


def _xlsx_sheets(data: bytes) -> list[tuple[str, list[dict[Any, Any]]]]:
    from .readers import require

    wb = require().load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            continue
        names = [str(h) if h is not None else None for h in header]
        table = [dict(zip(names, r)) for r in rows if any(v is not None and v != "" for v in r)]
        sheets.append((ws.title, table))
    wb.close()
    return sheets


def read(path: str | Path) -> tuple[list[Submission], str, bytes]:
    """The submissions of a file, its kind ("central", "kobo" or "ledger") and its bytes."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise AidtrackError("file", str(path), e.strerror or str(e)) from None
    name = p.name
    if data[:2] == b"PK" and p.suffix.lower() == ".zip":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            tables = {Path(m).stem: _csv_rows(z.read(m)) for m in z.namelist() if m.lower().endswith(".csv")}
        return _central_tables(tables, name), "central", data
    if data[:2] == b"PK":
        sheets = _xlsx_sheets(data)
        if not sheets or KOBO_MARK not in (sheets[0][1][0] if sheets[0][1] else {}):
            raise AidtrackError(
                "file", name, _("is not a KoboToolbox export (no _uuid column in its first sheet)")
            )
        main = sheets[0][1]
        return _kobo(main, dict(sheets[1:]), name), "kobo", data
    rows = _csv_rows(data)
    header = _header(data)
    if all(c in header for c in CENTRAL_MARK):
        tables = {p.stem: rows}
        for sibling in p.parent.glob(f"{p.stem}-*.csv"):  # its repeat CSVs, beside it as unzipped
            tables[sibling.stem] = _csv_rows(sibling.read_bytes())
        return _central_tables(tables, name), "central", data
    if KOBO_MARK in header:
        return _kobo(rows, {}, name), "kobo", data
    raise AidtrackError(
        "file",
        name,
        _("is neither an ODK Central export (SubmissionDate … KEY) nor a KoboToolbox export (_uuid)"),
    )


def _header(data: bytes) -> set[str]:
    first = data.decode("utf-8-sig", errors="replace").split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return set(next(csv.reader(io.StringIO(first), delimiter=delimiter), []))


def is_ledger(path: str | Path) -> bool:
    """A CSV in the ledger's own shape (`export submissions`), which the bundle import reads: not a
    phone export."""
    p = Path(path)
    if p.suffix.lower() != ".csv":
        return False
    try:
        with p.open("rb") as f:
            head = f.readline()
    except OSError:
        return False
    header = _header(head)
    return set(SUBMISSIONS.required_in_file) <= header and not (header & {KOBO_MARK, *CENTRAL_MARK})


def _central_tables(tables: Mapping[str, list[dict[str, Any]]], name: str) -> list[Submission]:
    mains = [stem for stem, rows in tables.items() if rows and all(c in rows[0] for c in CENTRAL_MARK)]
    if len(mains) != 1:
        raise AidtrackError("file", name, _("holds no ODK Central main CSV (SubmissionDate … KEY)"))
    main = mains[0]
    repeats = {
        stem[len(main) + 1 :] if stem.startswith(main + "-") else stem: rows
        for stem, rows in tables.items()
        if stem != main and rows and "PARENT_KEY" in rows[0]
    }
    return _central(tables[main], repeats, name)


# --- writing -------------------------------------------------------------------------------------


class _Rollback(Exception):
    """Ends a dry run's (or a failed file's) transaction without writing."""


def import_submissions(
    db: Store, path: str | Path, dry_run: bool = False, today: dt.date | None = None
) -> SubmissionsResult:
    today = today or dt.date.today()
    subs, fmt, data = read(path)
    result = SubmissionsResult(str(path), dry_run=dry_run, sha256=hashlib.sha256(data).hexdigest())
    result.counts = {
        k: dict.fromkeys(COUNT_COLUMNS[1:], 0) for k in ("submissions", "visits", "problems", "income")
    }
    try:
        with db.write():
            run = _Run(db, result, today)
            for sub in subs:
                run.one(sub)
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        return result
    result.written = True
    return result


class _Run:
    def __init__(self, db: Store, result: SubmissionsResult, today: dt.date):
        self.db, self.result, self.today = db, result, today
        self.seen: set[str] = set()

    def error(self, sub: Submission, e: AidtrackError | str, what: str | None = None) -> None:
        where = _("submission {id}").format(id=sub.instance_id or sub.where)
        if what:
            where += ", " + what
        self.result.errors.append(f"{where}: {e}")

    def ledger(self, iid: str) -> dict[str, Any] | None:
        cur = self.db.execute(
            f"SELECT id, {', '.join(SUBMISSIONS.columns)} FROM submissions WHERE instance_id = ?", [iid]
        )
        row = cur.fetchone()
        return dict(zip([d[0] for d in cur.description], row)) if row else None

    def one(self, sub: Submission) -> None:
        r = self.result
        if not sub.instance_id:
            self.error(sub, AidtrackError("KEY", "", _("is required")))
            return
        if sub.instance_id in self.seen:
            self.error(sub, AidtrackError("KEY", sub.instance_id, _("appears twice in the file")))
            return
        self.seen.add(sub.instance_id)
        if (sub.review or "").lower() in _REJECTED:
            r.count("submissions", "skipped")
            r.notes.append(
                _("submission {id}: rejected by a reviewer ({state}): skipped").format(
                    id=sub.instance_id, state=sub.review
                )
            )
            return
        known = self.ledger(sub.instance_id)
        if known is not None and sub.edits <= (known["edits"] or 0):
            r.count("submissions", "unchanged")
            return
        target = known or (self.ledger(sub.deprecated) if sub.deprecated else None)
        if target is not None and target["visit_id"] is None:
            self.error(
                sub, AidtrackError("KEY", sub.instance_id, _("its visit was deleted: it cannot be corrected"))
            )
            return
        try:
            self.apply(sub, target)
        except AidtrackError as e:
            self.error(sub, e)

    def apply(self, sub: Submission, target: dict[str, Any] | None) -> None:
        db, r = self.db, self.result
        refs = Refs(db)
        visit = dict(sub.visit)
        for f in VISITS.fields:  # the evidence the device recorded, never asked
            if f.device == "start":
                visit[f.name] = sub.visit.get("start")
            elif f.device == "end":
                visit[f.name] = sub.visit.get("end")
            elif f.device == "deviceid":
                visit[f.name] = sub.visit.get("deviceid") or sub.meta.get("device")
        visit = {k: v for k, v in visit.items() if k in VISITS.field_names}
        before = None
        if target is not None:
            visit["id"] = target["visit_id"]
            before = records.get(db, "visits", target["visit_id"])
        checked = validate("visits", visit, refs, self.today)
        for e in checked.errors:
            self.error(sub, e)
        income = self.check_income(sub, visit, checked.row)  # its errors too, whatever the visit's
        if checked.errors or income is False:
            return
        row = checked.row
        if before is None:
            vid = int(records.insert(db, "visits", row))
            r.count("visits", "added")
        else:
            vid = before["id"]
            try:
                db.execute(
                    f"UPDATE visits SET {', '.join(f'{c} = ?' for c in VISITS.columns)} WHERE id = ?",
                    [*(row.get(c) for c in VISITS.columns), vid],
                )
            except sqlite3.IntegrityError as e:
                raise records.integrity_error("visits", row, e) from None
            after = records.get(db, "visits", vid)
            if after != before:
                db.audit("edit", "visits", str(vid), before, after)
            r.count("visits", "corrected")
        problem_ids = self.problems(sub, visit, row, vid, corrected=before is not None)
        income_id = self.income(sub, income, target)
        self.record(sub, target, vid, problem_ids, income_id)

    def problems(self, sub: Submission, visit: dict, row: dict, vid: int, corrected: bool) -> list[int]:
        db, r = self.db, self.result
        stored = {
            text: pid
            for pid, text in db.execute("SELECT id, problem FROM problems WHERE visit_id = ?", [vid])
        }
        if not sub.repeats:  # the main CSV alone: the visit's problems are left as they are
            return sorted(stored.values())
        ids = []
        for n, answers in enumerate(sub.problems, start=1):
            data = {k: v for k, v in answers.items() if k in PROBLEMS.field_names}
            data.update(household=visit.get("household"), date=row["date"], kind=row["kind"])
            pid = stored.pop(data.get("problem") or "", None)
            if pid is not None:
                data["id"] = pid
            checked = validate("problems", data, Refs(db), self.today)
            if checked.errors:
                for e in checked.errors:
                    self.error(sub, e, _("problem {n}").format(n=n))
                continue
            if pid is None:
                ids.append(int(records.insert(db, "problems", checked.row)))
                r.count("problems", "added")
                continue
            before = records.get(db, "problems", pid)
            cols = PROBLEMS.columns
            db.execute(
                f"UPDATE problems SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
                [*(checked.row.get(c) for c in cols), pid],
            )
            after = records.get(db, "problems", pid)
            if after != before:
                db.audit("edit", "problems", str(pid), before, after)
                r.count("problems", "corrected")
            else:
                r.count("problems", "unchanged")
            ids.append(pid)
        if corrected:
            for text, pid in stored.items():  # dropped from the corrected form
                if db.execute("SELECT 1 FROM meeting_items WHERE problem_id = ?", [pid]).fetchone():
                    self.error(
                        sub,
                        AidtrackError(
                            "problem", text, _("was studied at a meeting: it cannot be dropped by an edit")
                        ),
                    )
                    continue
                before = records.get(db, "problems", pid)
                db.execute("DELETE FROM problems WHERE id = ?", [pid])
                db.audit("delete", "problems", str(pid), before, None)
                r.count("problems", "corrected")
        return ids

    def check_income(self, sub: Submission, visit: dict, row: dict) -> dict[str, Any] | bool | None:
        """The income row the form's income group gives (None: the group left empty; False: wrong)."""
        answers = {k: v for k, v in sub.income.items() if k in INCOME.field_names and v is not None}
        if not answers:
            return None
        month = answers.get("month") or row.get("date") or visit.get("date") or ""
        data = {**answers, "household": visit.get("household"), "month": str(month)[:7]}
        checked = validate("income", data, Refs(self.db), self.today)
        for e in checked.errors:
            self.error(sub, e, _("income"))
        return False if checked.errors else checked.row

    def income(self, sub: Submission, new: Any, target: dict[str, Any] | None) -> int | None:
        db, r = self.db, self.result
        if not new:
            return target["income_id"] if target else None
        own = target["income_id"] if target else None
        cols = INCOME.columns
        hit = db.execute(
            "SELECT id, amount FROM income WHERE household_id = ? AND month = ? AND source IS ?",
            [new["household_id"], new["month"], new["source"]],
        ).fetchone()
        if hit is not None and own is None and target is not None:
            own = int(hit[0])  # a ledger restored by `import all` links no income: its key does
        if hit is not None and hit[0] != own:
            if hit[1] != new["amount"]:
                self.error(
                    sub,
                    AidtrackError(
                        "amount",
                        format_yuan(new["amount"]),
                        _(
                            "this month's income from this source is already recorded as {amount} (income {id})"
                        ).format(amount=format_yuan(hit[1]), id=hit[0]),
                    ),
                    _("income"),
                )
                return None
            r.count("income", "unchanged")
            return int(hit[0])
        if own is None:
            r.count("income", "added")
            return int(records.insert(db, "income", new))
        before = records.get(db, "income", own)
        db.execute(
            f"UPDATE income SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
            [*(new.get(c) for c in cols), own],
        )
        after = records.get(db, "income", own)
        if after != before:
            db.audit("edit", "income", str(own), before, after)
            r.count("income", "corrected")
        return int(own)

    def record(
        self,
        sub: Submission,
        target: dict[str, Any] | None,
        vid: int,
        problem_ids: Iterable[int],
        income_id: int | None,
    ) -> None:
        db, r = self.db, self.result
        became = [_("visit {id}").format(id=vid)]
        if problem_ids:
            became.append(_("problems {ids}").format(ids=" ".join(map(str, problem_ids))))
        if income_id is not None:
            became.append(_("income {id}").format(id=income_id))
        visit = records.get(db, "visits", vid)
        entry = {
            "instance_id": sub.instance_id,
            "source": sub.source,
            "household": visit["household"],
            "date": visit["date"],
            "kind": visit["kind"],
            "form_version": sub.meta.get("form_version"),
            "submitted": sub.meta.get("submitted"),
            "device_start": sub.visit.get("start"),
            "device_end": sub.visit.get("end"),
            "submitter": sub.meta.get("submitter") or sub.visit.get("username"),
            "edits": str(sub.edits),
            "review_state": sub.review,
            "digest": r.sha256,
            "records": "; ".join(became),
            "replaces": sub.deprecated
            if target is not None and target["instance_id"] != sub.instance_id
            else None,
        }
        checked = validate("submissions", entry, Refs(db), self.today)
        if checked.errors:
            for e in checked.errors:
                self.error(sub, e)
            return
        row = {**checked.row, "visit_id": vid, "income_id": income_id}
        if target is None:
            records.insert(db, "submissions", row)
            r.count("submissions", "added")
            return
        before = records.get(db, "submissions", target["id"])
        cols = SUBMISSIONS.columns
        db.execute(
            f"UPDATE submissions SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
            [*(row.get(c) for c in cols), target["id"]],
        )
        db.audit(
            "edit", "submissions", str(target["id"]), before, records.get(db, "submissions", target["id"])
        )
        r.count("submissions", "corrected")
