"""One household's register (跟踪问效登记表) as one document: who they are and everything recorded."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..i18n import N_, _
from ..kinds import REGISTRY
from ..model import add_months, label, yuan
from ..ops.rules import facts
from ..ops.rules.redact import redact_record, redact_rows
from ..ops.rules.refs import Refs
from ..ops.write import records
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
SPENDING_COLUMNS = [c for c in REGISTRY["spending"].list_columns if c not in _OWN]
LIVELIHOOD_COLUMNS = [c for c in REGISTRY["livelihoods"].list_columns if c not in _OWN]
LABELS.update(
    {
        "amount": N_("Amount ¥"),
        "reimbursed": N_("Reimbursed ¥"),
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
    """Everything recorded about one household: gathered (_pairings, _visits, _aid, _members,
    _statuses, _cases), then computed (_income), then optionally masked."""
    hid = Refs(db).household(ref)
    person = records.select(db, "households", id=hid)[0]
    household = {k: person.get(k) for k in PERSON}
    pairings, visits, aid, members = _pairings(db, hid), _visits(db, hid), _aid(db, hid), _members(db, hid)
    income, sizes = _income(db, hid)
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
        "statuses": _statuses(db, hid),
        "cases": _cases(db, hid, redact),
        **plan_of(db, hid, redact),
    }


# --- gathering: the household's records, one query each ------------------------------------------


def _pairings(db: Store, hid: int) -> list[dict[str, Any]]:
    return _query(
        db,
        "SELECT c.code AS cadre, c.name AS cadre_name, p.since, p.until FROM pairings p"
        " JOIN cadres c ON c.id = p.cadre_id WHERE p.household_id = ? ORDER BY p.since",
        [hid],
    )


def _visits(db: Store, hid: int) -> list[dict[str, Any]]:
    """The visits, each with the problems raised at it (escalation, the meeting that studied it)."""
    visits = _query(
        db,
        "SELECT v.id, v.date, v.kind, c.code AS cadre, c.name AS cadre_name, v.situation, v.solved, v.event"
        " FROM visits v JOIN pairings p ON p.id = v.pairing_id JOIN cadres c ON c.id = p.cadre_id"
        " WHERE p.household_id = ? ORDER BY v.date, v.id",
        [hid],
    )
    problems: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for pr in _query(
        db,
        "SELECT pr.visit_id, pr.id, pr.problem, pr.escalated, pr.escalated_on, pr.resolved_on, pr.resolution,"
        " s.date AS studied_on, s.decision, s.due FROM problems pr JOIN visits v ON v.id = pr.visit_id"
        " JOIN pairings p ON p.id = v.pairing_id"
        " LEFT JOIN (SELECT mi.problem_id, mt.date, mi.decision, mi.due,"
        "  row_number() OVER (PARTITION BY mi.problem_id ORDER BY mt.date DESC, mi.id DESC) AS n"
        "  FROM meeting_items mi JOIN meetings mt ON mt.id = mi.meeting_id)"
        " s ON s.problem_id = pr.id AND s.n = 1"
        " WHERE p.household_id = ? ORDER BY pr.id",
        [hid],
    ):
        pr["escalated"] = bool(pr["escalated"])
        problems[pr.pop("visit_id")].append(pr)
    for v in visits:
        v["problems"] = problems.get(v["id"], [])
    return visits


def _aid(db: Store, hid: int) -> list[dict[str, Any]]:
    aid = _query(
        db,
        "SELECT a.date, a.kind, a.value, c.code AS giver, c.name AS giver_name, a.giver AS giver_text, a.note"
        " FROM aid a LEFT JOIN cadres c ON c.id = a.giver_cadre_id WHERE a.household_id = ?"
        " ORDER BY a.date, a.id",
        [hid],
    )
    for a in aid:
        text = a.pop("giver_text")
        a["giver"] = a["giver"] or text
        a["value"] = yuan(a["value"])
    return aid


def _members(db: Store, hid: int) -> list[dict[str, Any]]:
    return _query(
        db,
        "SELECT name, relation, born, gender, id_number, health, schooling, work, joined, left_on"
        " FROM members WHERE household_id = ? ORDER BY joined, id",
        [hid],
    )


def _statuses(db: Store, hid: int) -> list[dict[str, Any]]:
    """The status history, each entry with the case that decided it (none: recorded without a case)."""
    return _query(
        db,
        "SELECT date, status, reason, case_id FROM statuses WHERE household_id = ? ORDER BY date, id",
        [hid],
    )


def _cases(db: Store, hid: int, redact: bool = False) -> list[dict[str, Any]]:
    """The household's decisions (cases), oldest lead first, each with its steps."""
    own = ("household", "household_name", "decision", "lead_date", "case_id")
    cases = []
    for c in records.select(db, "cases", household=hid):
        steps = [
            {k: v for k, v in s.items() if k not in own}
            for s in records.select(db, "case_steps", case=c["id"])
        ]
        case = {k: v for k, v in c.items() if k not in ("household", "household_name")}
        cases.append({**case, "steps": redact_rows(steps) if redact else steps})
    return redact_rows(cases) if redact else cases


# --- computation: income per person month by month ------------------------------------------------


def income_by_month(db: Store, hid: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The household's income by month and its size each month (as its register shows them)."""
    return _income(db, hid)


def _income(db: Store, hid: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Each recorded month's income with the size that month and per person; and the size of every
    month from the first recorded to the last (gaps too)."""
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
    sizes = {}
    if income:
        month = income[0]["month"]
        while month <= income[-1]["month"]:
            sizes[month] = size.month(hid, month)
            month = add_months(month, 1)
    return income, sizes


def plan_of(db: Store, hid: int, redact: bool = False) -> dict[str, Any]:
    """The household's causes of poverty, plan (一户一策), job placements and monitoring history."""
    own = ("id", "household", "household_name")

    def rows(kind: str) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k not in own} for r in records.select(db, kind, household=hid)]

    jobs = rows("jobs")
    measures = rows("measures")
    if redact:
        jobs, measures = redact_rows(jobs), redact_rows(measures)
    return {
        "causes": rows("causes"),
        "measures": measures,
        "jobs": jobs,
        "monitoring": rows("monitoring"),
        "spending": rows("spending"),
        "livelihoods": rows("livelihoods"),
    }


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
    """The register as a document (render.emit_document): who they are, then each record's table."""
    h = data["household"]
    sections = [{"kind": "fields", "title": _("Household"), "rows": _person_fields(h)}]
    sections += _people_sections(data) + _income_sections(data["income"]) + _plan_sections(data)
    sections += _decision_sections(data)
    return {
        "title": _("Register (跟踪问效登记表): {code} {name}").format(code=h["code"], name=h["name"]),
        "sections": sections,
    }


def _table(
    title: str, rows: list[dict[str, Any]], columns: list[str], headers: list[str], empty: str
) -> dict:
    return {
        "kind": "table",
        "title": title,
        "rows": rows,
        "columns": columns,
        "headers": headers,
        "empty": empty,
    }


def _person_fields(h: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
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


def _people_sections(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Members, pairings, visits and aid."""
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
    members = [
        {**m, "relation": label(m["relation"]), "health": label(m["health"])} for m in data.get("members", [])
    ]
    return [
        _table(
            _("Household members"),
            members,
            MEMBER_COLUMNS,
            [MEMBER_LABELS.get(c) or LABELS.get(c, c) for c in MEMBER_COLUMNS],
            _("No members recorded."),
        ),
        _table(
            _("Pairings"),
            pairings,
            ["cadre", "since", "until"],
            [N_("Cadre"), N_("Paired on"), N_("Pairing ended")],
            _("Never paired."),
        ),
        _table(
            _("Visits"), visits, VISIT_COLUMNS, [LABELS[c] for c in VISIT_COLUMNS], _("No visits recorded.")
        ),
        _table(
            _("Aid received"),
            aid,
            AID_COLUMNS,
            [N_("Form of aid") if c == "kind" else LABELS[c] for c in AID_COLUMNS],
            _("No aid recorded."),
        ),
    ]


def _income_sections(income: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if income:
        out.append(
            {
                "kind": "trend",
                "title": _("Income trend"),
                "values": trend(income),
                "first": income[0]["month"],
                "last": income[-1]["month"],
            }
        )
    # sources as the interface writes a list (摆摊；摆摊二 in Chinese): stored joined by "; "
    shown = [
        {**r, "sources": _("; ").join(r["sources"].split("; ")) if r.get("sources") else r.get("sources")}
        for r in income
    ]
    out.append(
        _table(
            _("Income by month"),
            shown,
            ["month", "amount", "members", "per_person", "sources"],
            [N_("Month"), N_("Income ¥"), N_("Members"), N_("Per person ¥"), N_("Sources")],
            _("No income recorded."),
        )
    )
    return out


def _plan_sections(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Causes, the plan, job placements and monitoring."""
    return [
        _table(
            _("Causes of poverty"),
            _labelled(data.get("causes", [])),
            ["cause", "date", "note"],
            [N_("Cause"), N_("Date"), N_("Note")],
            _("No cause of poverty recorded."),
        ),
        _table(
            _("Plan (一户一策)"),
            _labelled(data.get("measures", [])),
            MEASURE_COLUMNS,
            [LABELS[c] for c in MEASURE_COLUMNS],
            _("No measure planned."),
        ),
        _table(
            _("Jobs"),
            _labelled(data.get("jobs", [])),
            JOB_COLUMNS,
            [LABELS[c] for c in JOB_COLUMNS],
            _("No job placement recorded."),
        ),
        _table(
            _("Monitoring"),
            _labelled(data.get("monitoring", [])),
            MONITOR_COLUMNS,
            [MONITOR_LABELS.get(c) or LABELS[c] for c in MONITOR_COLUMNS],
            _("Never monitored."),
        ),
        _table(
            _("Spending (支出)"),
            _labelled(data.get("spending", [])),
            SPENDING_COLUMNS,
            [LABELS.get(c, c) for c in SPENDING_COLUMNS],
            _("No spending recorded."),
        ),
        _table(
            _("Livelihood changes (生计变更)"),
            [r | {"livelihood": label(r["livelihood"])} for r in data.get("livelihoods", [])],
            LIVELIHOOD_COLUMNS,
            [LABELS.get(c, c) for c in LIVELIHOOD_COLUMNS],
            _("No livelihood change recorded: the livelihood above holds throughout."),
        ),
    ]


def steps_text(steps: list[dict[str, Any]]) -> str:
    """A case's steps in one line: 入户核实 2004-03-12; 公示 2004-03-20–2004-03-24 …"""
    parts = []
    for s in steps:
        when = f"{s['date']}–{s['end_date']}" if s.get("end_date") else s["date"]
        text = f"{label(s['step'])} {when}"
        if s.get("outcome") == "failed":
            text += " " + _("(failed)")
        if s.get("handling"):
            text += _(": {handling}").format(handling=s["handling"])
        parts.append(text)
    return _("; ").join(parts)


def case_shown(case_id: int | None) -> str:
    """Which case decided a status: its number, or that it was recorded without one (history)."""
    return _("case {id}").format(id=case_id) if case_id is not None else _("recorded without a case")


def _decision_sections(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The decisions (cases with their steps) and the status history they wrote."""
    cases = [
        {
            **c,
            "decision": str(label(c["decision"]))
            + (f" ({label(c['category'])})" if c.get("category") else ""),
            "lead": f"{label(c['channel'])} {c['lead_date']}",
            "outcome": label(c["outcome"]),
            "steps": steps_text(c["steps"]),
        }
        for c in data.get("cases", [])
    ]
    return [
        _table(
            _("Decisions (cases)"),
            cases,
            ["id", "decision", "lead", "steps", "outcome", "decided_on", "body"],
            [N_("Case"), N_("Decision"), N_("Lead"), N_("Steps"), N_("Outcome"), N_("Decided"), N_("Body")],
            _("No case recorded."),
        ),
        _table(
            _("Status history"),
            [
                s | {"reason": reason_shown(s["reason"]), "case": case_shown(s.get("case_id"))}
                for s in data["statuses"]
            ],
            ["date", "status", "reason", "case"],
            [N_("Date"), N_("Status"), N_("Reason"), N_("Case")],
            _("No status recorded."),
        ),
    ]


def reason_shown(reason: str | None) -> str | None:
    """A status entry's reason as a person reads it: the entry every household gets when it is
    enrolled is stored with the reason `enrolled` (a code, kept in JSON), shown in words."""
    return _("enrolled in the programme") if reason == "enrolled" else reason
