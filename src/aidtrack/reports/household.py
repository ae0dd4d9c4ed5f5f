"""One household's register (跟踪问效登记表) as one document: who they are and everything recorded."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..i18n import N_, _
from ..kinds import REGISTRY
from ..model import add_months, label, yuan
from ..ops import facts, records
from ..ops.redact import redact_record, redact_rows
from ..ops.refs import Refs
from ..store import Store
from .common import half_up

#: The household's fields, as the registry orders them (kinds.py).
PERSON = tuple(c.name for c in REGISTRY["households"].shape)
#: How the register labels each column it prints.
LABELS = {
    "code": N_("Code"),
    "name": N_("Name"),
    "members": N_("Members"),
    "gender": N_("Gender"),
    "born": N_("Born"),
    "address": N_("Address"),
    "phone": N_("Phone"),
    "id_number": N_("Id number"),
    "employer": N_("Employer"),
    "livelihood": N_("Livelihood"),
    "tags": N_("Tags"),
    "enrolled": N_("Enrolled"),
    "status": N_("Status"),
    "cadre": N_("Cadre"),
    "date": N_("Date"),
    "kind": N_("Kind"),
    "situation": N_("Situation"),
    "solved": N_("Solved"),
    "event": N_("Event"),
    "problems": N_("Problems"),
    "value": N_("Value ¥"),
    "giver": N_("Giver"),
    "note": N_("Note"),
}
#: The register's visit and aid tables: each kind's list columns without the household's own.
_OWN = ("id", "household", "household_name")
VISIT_COLUMNS = [c for c in REGISTRY["visits"].list_columns if c not in _OWN] + ["problems"]
AID_COLUMNS = [c for c in REGISTRY["aid"].list_columns if c not in _OWN]
MEASURE_COLUMNS = [c for c in REGISTRY["measures"].list_columns if c not in _OWN] + ["result"]
JOB_COLUMNS = [c for c in REGISTRY["jobs"].list_columns if c not in _OWN]
MONITOR_COLUMNS = [c for c in REGISTRY["monitoring"].list_columns if c not in _OWN]
LABELS.update(
    {
        "what": N_("Measure"),
        "cause": N_("Cause"),
        "member": N_("Member"),
        "due": N_("Due"),
        "done_on": N_("Done"),
        "result": N_("Result"),
        "employer": N_("Employer"),
        "started": N_("Started"),
        "ended": N_("Ended"),
        "wage": N_("Wage ¥"),
        "insured": N_("Insured"),
        "found_by": N_("Found by"),
        "category": N_("Category"),
        "reason": N_("Reason"),
        "ended_on": N_("Ended"),
        "end_reason": N_("Risk elimination"),
    }
)
MONITOR_LABELS = {"date": N_("Since")}
MEMBER_COLUMNS = [c for c in REGISTRY["members"].list_columns if c not in _OWN]
MEMBER_LABELS = {
    "name": N_("Name"),
    "relation": N_("Relation"),
    "born": N_("Born"),
    "health": N_("Health"),
    "work": N_("Work"),
    "joined": N_("Joined"),
    "left_on": N_("Left"),
}


def _query(db: Store, sql: str, args: list) -> list[dict[str, Any]]:
    cur = db.execute(sql, args)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur]


def build(db: Store, ref: str, redact: bool = False) -> dict[str, Any]:
    hid = Refs(db).household(ref)
    person = records.select(db, "households", id=hid)[0]
    household = {k: person.get(k) for k in PERSON}
    pairings = _query(
        db,
        (
            "SELECT c.code AS cadre, c.name AS cadre_name, p.since, p.until FROM pairings p"
            " JOIN cadres c ON c.id = p.cadre_id WHERE p.household_id = ? ORDER BY p.since"
        ),
        [hid],
    )
    visits = _query(
        db,
        (
            "SELECT v.id, v.date, v.kind, c.code AS cadre, c.name AS cadre_name, v.situation, v.solved, v.event"
            " FROM visits v JOIN pairings p ON p.id = v.pairing_id JOIN cadres c ON c.id = p.cadre_id"
            " WHERE p.household_id = ? ORDER BY v.date, v.id"
        ),
        [hid],
    )
    problems: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for pr in _query(
        db,
        (
            "SELECT pr.visit_id, pr.id, pr.problem, pr.escalated, pr.escalated_on, pr.resolved_on, pr.resolution,"
            " s.date AS studied_on, s.decision, s.due FROM problems pr JOIN visits v ON v.id = pr.visit_id"
            " JOIN pairings p ON p.id = v.pairing_id"
            " LEFT JOIN (SELECT mi.problem_id, mt.date, mi.decision, mi.due,"
            "  row_number() OVER (PARTITION BY mi.problem_id ORDER BY mt.date DESC, mi.id DESC) AS n"
            "  FROM meeting_items mi JOIN meetings mt ON mt.id = mi.meeting_id)"
            " s ON s.problem_id = pr.id AND s.n = 1"
            " WHERE p.household_id = ? ORDER BY pr.id"
        ),
        [hid],
    ):
        pr["escalated"] = bool(pr["escalated"])
        problems[pr.pop("visit_id")].append(pr)
    for v in visits:
        v["problems"] = problems.get(v["id"], [])
    aid = _query(
        db,
        (
            "SELECT a.date, a.kind, a.value, c.code AS giver, c.name AS giver_name, a.giver AS giver_text, a.note"
            " FROM aid a LEFT JOIN cadres c ON c.id = a.giver_cadre_id WHERE a.household_id = ?"
            " ORDER BY a.date, a.id"
        ),
        [hid],
    )
    for a in aid:
        text = a.pop("giver_text")
        a["giver"] = a["giver"] or text
        a["value"] = yuan(a["value"])
    income = []
    size = facts.sizes(db, [hid])
    for month, amount, sources in db.execute(
        "SELECT month, sum(amount), group_concat(nullif(source, ''), '; ') FROM income"
        " WHERE household_id = ? GROUP BY month ORDER BY month",
        [hid],
    ):
        n = size.month(hid, month)
        income.append(
            {
                "month": month,
                "amount": yuan(amount),
                "members": n,
                "per_person": yuan(half_up(amount, n)),
                "sources": sources,
            }
        )
    # The household's size in every month from the first recorded income to the last (gaps too).
    sizes = {}
    if income:
        month = income[0]["month"]
        while month <= income[-1]["month"]:
            sizes[month] = size.month(hid, month)
            month = add_months(month, 1)
    members = _query(
        db,
        (
            "SELECT name, relation, born, gender, id_number, health, schooling, work, joined, left_on"
            " FROM members WHERE household_id = ? ORDER BY joined, id"
        ),
        [hid],
    )
    statuses = _query(
        db, "SELECT date, status, reason FROM statuses WHERE household_id = ? ORDER BY date, id", [hid]
    )
    if redact:
        household = redact_record(household)
        pairings, visits, aid = redact_rows(pairings), redact_rows(visits), redact_rows(aid)
        members = redact_rows(members)
    return {
        "household": household,
        "pairings": pairings,
        "visits": visits,
        "aid": aid,
        "income": income,
        "sizes": sizes,
        "members": members,
        "statuses": statuses,
        **plan_of(db, hid, redact),
    }


def plan_of(db: Store, hid: int, redact: bool = False) -> dict[str, Any]:
    """The household's causes of poverty, plan (一户一策), job placements and monitoring history."""
    own = ("id", "household", "household_name")

    def rows(kind: str) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k not in own} for r in records.select(db, kind, household=hid)]

    jobs = rows("jobs")
    measures = rows("measures")
    if redact:
        jobs, measures = redact_rows(jobs), redact_rows(measures)
    return {"causes": rows("causes"), "measures": measures, "jobs": jobs, "monitoring": rows("monitoring")}


def _labelled(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Enumeration values (cause, kind, status, found_by, category) as a person reads them."""
    enums = ("cause", "kind", "status", "found_by", "category")
    return [{k: label(v) if k in enums else v for k, v in r.items()} for r in rows]


def trend(income: list[dict[str, Any]]) -> list[float | None]:
    """Month by month from the first recorded month to the last; None for a month without a record."""
    if not income:
        return []
    amounts = {i["month"]: i["amount"] for i in income}
    out, month = [], income[0]["month"]
    while month <= income[-1]["month"]:
        out.append(amounts.get(month))
        month = add_months(month, 1)
    return out


def _problem_text(p: dict[str, Any]) -> str:
    marks = []
    if p["escalated"]:
        marks.append(
            _("escalated {date}").format(date=p["escalated_on"]) if p.get("escalated_on") else _("escalated")
        )
    if p.get("studied_on"):
        marks.append(
            _("studied {date}").format(date=p["studied_on"])
            + (_(": {decision}").format(decision=p["decision"]) if p.get("decision") else "")
            + (" " + _("(due {due})").format(due=p["due"]) if p.get("due") else "")
        )
    marks.append(_("resolved {date}").format(date=p["resolved_on"]) if p["resolved_on"] else _("open"))
    text = _("{problem} ({marks})").format(problem=p["problem"], marks=_(", ").join(marks))
    return text + (_(": {resolution}").format(resolution=p["resolution"]) if p.get("resolution") else "")


def document(data: dict[str, Any]) -> dict[str, Any]:
    h = data["household"]
    fields = [
        (
            _(LABELS.get(k, k)),
            _(", ").join(v)
            if isinstance(v, list)
            else label(v)
            if k in ("gender", "livelihood", "status")
            else v,
        )
        for k, v in h.items()
    ]
    visits = [
        {
            **v,
            "cadre": f"{v['cadre']} {v['cadre_name']}",
            "problems": _("; ").join(_problem_text(p) for p in v["problems"]) or None,
        }
        for v in data["visits"]
    ]
    pairings = [
        {**p, "cadre": f"{p['cadre']} {p['cadre_name']}", "until": p["until"] or _("(active)")}
        for p in data["pairings"]
    ]
    aid = [
        {**a, "giver": " ".join(x for x in (a["giver"], a.get("giver_name")) if x) or None}
        for a in data["aid"]
    ]
    # sources as the interface writes a list (摆摊；摆摊二 in Chinese): stored joined by "; "
    income = [
        {**r, "sources": _("; ").join(r["sources"].split("; ")) if r.get("sources") else r.get("sources")}
        for r in data["income"]
    ]
    members = [
        {**m, "relation": label(m["relation"]), "health": label(m["health"])} for m in data.get("members", [])
    ]
    sections: list[dict[str, Any]] = [
        {"kind": "fields", "title": _("Household"), "rows": fields},
        {
            "kind": "table",
            "title": _("Household members"),
            "rows": members,
            "columns": MEMBER_COLUMNS,
            "headers": [MEMBER_LABELS.get(c) or LABELS.get(c, c) for c in MEMBER_COLUMNS],
            "empty": _("No members recorded."),
        },
        {
            "kind": "table",
            "title": _("Pairings"),
            "columns": ["cadre", "since", "until"],
            "headers": [N_("Cadre"), N_("Paired on"), N_("Pairing ended")],
            "rows": pairings,
            "empty": _("Never paired."),
        },
        {
            "kind": "table",
            "title": _("Visits"),
            "rows": visits,
            "columns": VISIT_COLUMNS,
            "headers": [LABELS[c] for c in VISIT_COLUMNS],
            "empty": _("No visits recorded."),
        },
        {
            "kind": "table",
            "title": _("Aid received"),
            "rows": aid,
            "columns": AID_COLUMNS,
            "headers": [N_("Form of aid") if c == "kind" else LABELS[c] for c in AID_COLUMNS],
            "empty": _("No aid recorded."),
        },
    ]
    if income:
        sections.append(
            {
                "kind": "trend",
                "title": _("Income trend"),
                "values": trend(income),
                "first": income[0]["month"],
                "last": income[-1]["month"],
            }
        )
    sections += [
        {
            "kind": "table",
            "title": _("Income by month"),
            "rows": income,
            "columns": ["month", "amount", "members", "per_person", "sources"],
            "headers": [N_("Month"), N_("Income ¥"), N_("Members"), N_("Per person ¥"), N_("Sources")],
            "empty": _("No income recorded."),
        },
        {
            "kind": "table",
            "title": _("Causes of poverty"),
            "rows": _labelled(data.get("causes", [])),
            "columns": ["cause", "date", "note"],
            "headers": [N_("Cause"), N_("Date"), N_("Note")],
            "empty": _("No cause of poverty recorded."),
        },
        {
            "kind": "table",
            "title": _("Plan (一户一策)"),
            "rows": _labelled(data.get("measures", [])),
            "columns": MEASURE_COLUMNS,
            "headers": [LABELS[c] for c in MEASURE_COLUMNS],
            "empty": _("No measure planned."),
        },
        {
            "kind": "table",
            "title": _("Jobs"),
            "rows": _labelled(data.get("jobs", [])),
            "columns": JOB_COLUMNS,
            "headers": [LABELS[c] for c in JOB_COLUMNS],
            "empty": _("No job placement recorded."),
        },
        {
            "kind": "table",
            "title": _("Monitoring"),
            "rows": _labelled(data.get("monitoring", [])),
            "columns": MONITOR_COLUMNS,
            "headers": [MONITOR_LABELS.get(c) or LABELS[c] for c in MONITOR_COLUMNS],
            "empty": _("Never monitored."),
        },
        {
            "kind": "table",
            "title": _("Status history"),
            "rows": [s | {"reason": reason_shown(s["reason"])} for s in data["statuses"]],
            "columns": ["date", "status", "reason"],
            "headers": [N_("Date"), N_("Status"), N_("Reason")],
            "empty": _("No status recorded."),
        },
    ]
    return {
        "title": _("Register (跟踪问效登记表): {code} {name}").format(code=h["code"], name=h["name"]),
        "sections": sections,
    }


def reason_shown(reason: str | None) -> str | None:
    """A status entry's reason as a person reads it: the entry every household gets when it is
    enrolled is stored with the reason `enrolled` (a code, kept in JSON), shown in words."""
    return _("enrolled in the programme") if reason == "enrolled" else reason
