"""Closing a cadre assessment (目标责任制考核): the one write path of the `assessments` table.

A closed assessment is the period's result frozen as it stood: every cadre's scores, grades, the
inputs they came from and the policy in force, stored as JSON with a digest. Later corrections to
the register do not change it (reports.assessment lists them as "changed since closing"). Closing,
reopening and each reward or penalty (奖惩) are audited. The result itself is worked out by
reports.cadres.build above this layer and handed in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from ... import parse
from ...i18n import N_, _
from ...model import AidtrackError, Quarter
from ...store import Store

KINDS = ("reward", "penalty")
#: Grades, best first, and `ungraded` (不定等次: held too few days); their names in the two grade
#: sets a unit chooses between (policy `grade_set`): 0 the programme's, 1 the civil service's.
GRADES = ("excellent", "pass", "basic", "fail", "ungraded")
GRADE_NAMES = (
    {
        "excellent": N_("excellent"),
        "pass": N_("pass"),
        "basic": N_("basic pass"),
        "fail": N_("fail"),
        "ungraded": N_("ungraded"),
    },
    {
        "excellent": N_("excellent"),
        "pass": N_("competent"),
        "basic": N_("basically competent"),
        "fail": N_("incompetent"),
        "ungraded": N_("ungraded"),
    },
)
GRADE_ZH = (
    {"excellent": "优秀", "pass": "合格", "basic": "基本合格", "fail": "不合格", "ungraded": "不定等次"},
    {"excellent": "优秀", "pass": "称职", "basic": "基本称职", "fail": "不称职", "ungraded": "不定等次"},
)


def grade_name(grade: str, grade_set: int = 0) -> str:
    """A grade as the interface names it, in the unit's grade set."""
    return _(GRADE_NAMES[grade_set][grade])


#: The states of an assessment record, as `assess list` shows them.
STATES = (N_("closed"), N_("reopened"))


def period(year: str, quarter: str | None = None) -> tuple[dt.date, dt.date, str]:
    """`2004` (the year) or `2004` with `--quarter 2004Q3` / `Q3` / `3`: (first day, last day, label)."""
    start, end, label = parse.period(year, "year")
    if len(label) != 4:
        raise AidtrackError("year", year, _("is not a year: use e.g. 2004 and --quarter 2004Q3"))
    if quarter is None:
        return start, end, label
    text = parse.normalise(str(quarter)).upper().removeprefix("Q")
    q = Quarter(start.year, int(text)) if text in ("1", "2", "3", "4") else parse.quarter(quarter)
    if q.year != start.year:
        raise AidtrackError("quarter", quarter, _("is not in {year}").format(year=label))
    return q.start, q.end, str(q)


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(value: Any) -> str:
    return hashlib.sha256(canonical(value).encode()).hexdigest()


def inputs_of(result: dict[str, Any]) -> dict[str, Any]:
    """What a result was worked out from and came to, per cadre, and the policy: compared to spot
    changes since closing (ranks and names left out)."""
    return {
        "policy": result.get("policy", {}),
        "cadres": {
            r["cadre"]: {
                "components": r["components"],
                "quarters": r.get("quarters"),
                "days_held": r["days_held"],
                "score": r["score"],
                "grade": r["grade"],
            }
            for r in result.get("cadres", [])
        },
    }


def current(db: Store, label: str) -> dict[str, Any] | None:
    """The period's latest assessment record (closed, or reopened if it was), with its rewards."""
    row = db.execute(
        "SELECT id, period, closed_on, closed_at, closed_by, result, digest, reopened_at, reopened_by,"
        " reopen_reason FROM assessments WHERE period = ? ORDER BY id DESC LIMIT 1",
        [label],
    ).fetchone()
    if row is None:
        return None
    keys = (
        "id",
        "period",
        "closed_on",
        "closed_at",
        "closed_by",
        "result",
        "digest",
        "reopened_at",
        "reopened_by",
        "reopen_reason",
    )
    out = dict(zip(keys, row))
    out["result"] = json.loads(out["result"])
    out["state"] = "reopened" if out["reopened_at"] else "closed"
    fields = ("id", "cadre", "kind", "measure", "amount", "date", "note")
    out["rewards"] = [
        dict(zip(fields, r))
        for r in db.execute(
            "SELECT id, cadre, kind, measure, amount, date, note FROM assessment_rewards"
            " WHERE assessment_id = ? ORDER BY date, id",
            [out["id"]],
        )
    ]
    return out


def listed(db: Store) -> list[dict[str, Any]]:
    """Every assessment record, newest first, without the frozen result."""
    rows = db.execute(
        "SELECT a.id, a.period, a.closed_on, a.closed_by, a.reopened_at, a.reopened_by,"
        " (SELECT count(*) FROM assessment_rewards r WHERE r.assessment_id = a.id),"
        " json_array_length(a.result, '$.cadres') FROM assessments a ORDER BY a.id DESC"
    )
    return [
        {
            "id": i,
            "period": p,
            "state": "reopened" if ra else "closed",
            "closed_on": co,
            "closed_by": cb,
            "reopened_at": ra,
            "reopened_by": rb,
            "cadres": n,
            "rewards": k,
        }
        for i, p, co, cb, ra, rb, k, n in rows
    ]


def close(db: Store, label: str, end: dt.date, result: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """Freeze the period's result (one transaction, audited). The period must be over and not closed."""
    if end >= today:
        raise AidtrackError(
            "period",
            label,
            _("is not over yet (it ends {end}): a running period stays provisional").format(
                end=end.isoformat()
            ),
        )
    if not result.get("cadres"):
        raise AidtrackError("period", label, _("has no cadre to assess"))
    if result.get("provisional"):
        raise AidtrackError(
            "period",
            label,
            _(
                "is scored only to {day} (records_until): a period the records do not cover stays provisional"
            ).format(day=result.get("scored_to")),
        )
    record = {k: v for k, v in result.items() if k != "by_unit"}
    sha = digest(inputs_of(record))
    with db.write():
        open_ = db.execute(
            "SELECT closed_on FROM assessments WHERE period = ? AND reopened_at IS NULL", [label]
        ).fetchone()
        if open_:
            raise AidtrackError(
                "period", label, _("is already closed (on {day}): reopen it first").format(day=open_[0])
            )
        at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        cur = db.execute(
            "INSERT INTO assessments (period, closed_on, closed_at, closed_by, result, digest)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [label, today.isoformat(), at, db.operator, canonical(record), sha],
        )
        rid = cur.lastrowid
        db.audit(
            "close",
            "assessments",
            label,
            None,
            {
                "id": rid,
                "closed_on": today.isoformat(),
                "digest": sha,
                "scores": {r["cadre"]: [r["score"], r["grade"]] for r in record["cadres"]},
            },
        )
    return {
        "id": rid,
        "period": label,
        "closed_on": today.isoformat(),
        "digest": sha,
        "cadres": len(record["cadres"]),
    }


def reopen(db: Store, label: str, reason: str | None) -> dict[str, Any]:
    """Reopen a closed assessment (audited): it is kept, marked reopened, and may be closed again."""
    reason = parse.text(reason, "reason", required=True, max_len=500)
    with db.write():
        row = db.execute(
            "SELECT id, digest FROM assessments WHERE period = ? AND reopened_at IS NULL", [label]
        ).fetchone()
        if row is None:
            raise AidtrackError("period", label, _("is not closed"))
        at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        db.execute(
            "UPDATE assessments SET reopened_at = ?, reopened_by = ?, reopen_reason = ? WHERE id = ?",
            [at, db.operator, reason, row[0]],
        )
        db.audit(
            "reopen",
            "assessments",
            label,
            {"id": row[0], "state": "closed", "digest": row[1]},
            {"id": row[0], "state": "reopened", "reason": reason},
        )
    return {"id": row[0], "period": label, "reopened_at": at}


#: Which grades a reward or a penalty fits: anything else contradicts the grade and needs a reason.
FITS = {"reward": ("excellent",), "penalty": ("basic", "fail")}


def contradicts(kind: str, grade: str) -> bool:
    """Whether a reward (奖) or penalty (惩) contradicts the grade: a reward fits 优秀 only, a
    penalty 基本合格 and 不合格 (基本称职, 不称职); 合格 and 不定等次 fit neither."""
    return grade not in FITS[kind]


def refuse_closed(db: Store, key: str, when: str) -> None:
    """Refuse a policy change dated into a closed assessment's period (on or before its last day) for
    a key that assessment was worked out with: reopen the assessment first (`assess reopen`)."""
    for label, end in db.execute(
        "SELECT period, json_extract(result, '$.end') FROM assessments WHERE reopened_at IS NULL"
        " AND json_extract(result, '$.end') >= ? ORDER BY id",
        [when],
    ):
        rec = current(db, label)
        if rec and any(key in pol for pol in rec["result"].get("policy", {}).values()):
            raise AidtrackError(
                "from",
                when,
                _(
                    "falls in {period}, whose assessment is closed (to {end}): reopen it first (assess reopen)"
                ).format(period=label, end=end),
            )


def reward(
    db: Store,
    label: str,
    cadre: str,
    measure: str,
    kind: str = "reward",
    amount: str | None = None,
    day: str | None = None,
    note: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Record a reward or penalty (奖惩) against a cadre's closed result (audited). One that
    contradicts the cadre's grade (`contradicts`) is refused without a note giving the reason, and
    recorded with it, flagged `contradicts` for the caller to warn."""
    today = today or dt.date.today()
    kind = parse.choice(kind, KINDS, "kind")
    measure = parse.text(measure, "measure", required=True, max_len=200) or ""
    fen = None if amount in (None, "") else parse.money(amount, "amount")
    when = parse.date(day or today, "date", today=today).isoformat()
    note = parse.text(note, "note", max_len=1000)
    with db.write():
        row = db.execute(
            "SELECT id, result FROM assessments WHERE period = ? AND reopened_at IS NULL", [label]
        ).fetchone()
        grade_set = json.loads(row[1]).get("grade_set", 0) if row else 0
        if row is None:
            raise AidtrackError(
                "period",
                label,
                _("is not closed: rewards and penalties go against a closed assessment (assess close)"),
            )
        cadres = {r["cadre"]: r["grade"] for r in json.loads(row[1])["cadres"]}
        code = cadre if cadre in cadres else parse.normalise(cadre).upper()
        if code not in cadres:
            raise AidtrackError(
                "cadre", cadre, _("is not in the closed assessment of {period}").format(period=label)
            )
        against = contradicts(kind, cadres[code])
        if against and not note:
            raise AidtrackError(
                "note",
                None,
                _("a {kind} contradicts {cadre}'s grade ({grade}): give the reason with --note").format(
                    kind=_(kind), cadre=code, grade=grade_name(cadres[code], grade_set)
                ),
            )
        cur = db.execute(
            "INSERT INTO assessment_rewards (assessment_id, cadre, kind, measure, amount, date, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [row[0], code, kind, measure, fen, when, note],
        )
        entry = {
            "id": cur.lastrowid,
            "assessment_id": row[0],
            "cadre": code,
            "kind": kind,
            "measure": measure,
            "amount": fen,
            "date": when,
            "note": note,
        }
        db.audit("add", "assessment_rewards", str(cur.lastrowid), None, entry)
    return entry | {"contradicts": against, "grade": cadres[code], "grade_set": grade_set}
