"""A closed cadre assessment (目标责任制考核) as filed: the frozen result, its rewards and penalties
(奖惩), and what has changed in the register since it was closed. Read-only.

"Changed since closing" compares the frozen inputs and points of each cadre with the same rule run
on today's register: a correction that moves any input, point or grade is listed, the closed
result itself never changes.
"""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from typing import Any

from ..i18n import N_, _
from ..model import AidtrackError, format_yuan, period_name
from ..ops.rules.redact import redact_rows
from ..ops.write import assess
from ..store import Store
from . import cadres as rule

KIND_NAMES = {"reward": N_("reward"), "penalty": N_("penalty")}
COMPONENT_NAMES = {
    "visits": N_("Visits"),
    "compliance": N_("Pairings met"),
    "problems": N_("Problems"),
    "outcomes": N_("Outcomes"),
    "plans": N_("Plans"),
    "late_followup": N_("Late"),
}


def build(
    db: Store, label: str, start: dt.date, end: dt.date, today: dt.date, redact: bool = False
) -> dict[str, Any]:
    rec = assess.current(db, label)
    if rec is None:
        raise AidtrackError("period", label, _("has no closed assessment (aidtrack assess close)"))
    frozen = rec["result"]
    now = rule.build(db, start, end, label, today)
    changes, policy_changed = diff(frozen, now)
    rows = frozen["cadres"]
    return {
        "period": label,
        "start": frozen["start"],
        "end": frozen["end"],
        "state": rec["state"],
        "closed_on": rec["closed_on"],
        "closed_at": rec["closed_at"],
        "closed_by": rec["closed_by"],
        "reopened_at": rec["reopened_at"],
        "reopened_by": rec["reopened_by"],
        "reopen_reason": rec["reopen_reason"],
        "digest": rec["digest"],
        "policy": frozen["policy"],
        "weights": frozen["weights"],
        "grade_set": frozen.get("grade_set", 0),
        "excellent_share_pct": frozen.get("excellent_share_pct", 0),
        "records_until": frozen.get("records_until"),
        "cadres": redact_rows(rows) if redact else rows,
        "rewards": [
            r | {"amount": None if r["amount"] is None else r["amount"] / 100} for r in rec["rewards"]
        ],
        "changed_since_closing": changes,
        "policy_changed_since_closing": policy_changed,
    }


def diff(frozen: dict[str, Any], now: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The cadres whose inputs, points or grade differ between the closed result and today's."""
    a = assess.inputs_of(frozen)
    b = json.loads(assess.canonical(assess.inputs_of(now)))
    out = []
    for code in sorted(set(a["cadres"]) | set(b["cadres"])):
        x, y = a["cadres"].get(code), b["cadres"].get(code)
        if x == y:
            continue
        parts = (
            []
            if x is None or y is None
            else [c["name"] for c, d in zip(x["components"], y["components"]) if c != d]
        )
        out.append(
            {
                "cadre": code,
                "score_closed": x and x["score"],
                "score_now": y and y["score"],
                "grade_closed": x and x["grade"],
                "grade_now": y and y["grade"],
                "components": parts,
            }
        )
    return out, a["policy"] != b["policy"]


def _rewards_of(data: dict[str, Any], code: str) -> str:
    return _("; ").join(
        f"{_(KIND_NAMES[r['kind']])} {r['measure']}"
        + (f" {format_yuan(round(r['amount'] * 100))}" if r["amount"] else "")
        for r in data["rewards"]
        if r["cadre"] == code
    )


def csv_rows(data: dict[str, Any]) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    rows, columns = rule.csv_rows({"cadres": data["cadres"]})
    return [r | {"rewards": _rewards_of(data, r["cadre"])} for r in rows], (*columns, "rewards")


def document(data: dict[str, Any]) -> dict[str, Any]:
    title = _("Cadre assessment {period} ({start} – {end}), closed {closed_on} by {closed_by}").format(
        **(data | {"period": period_name(data["period"])})
    )
    if data["state"] == "reopened":
        title += _(", REOPENED {at} by {by}: {reason}").format(
            at=data["reopened_at"], by=data["reopened_by"], reason=data["reopen_reason"]
        )
    year = any("quarters" in r for r in data["cadres"])
    rows = [
        {
            "rank": r["rank"],
            "cadre": f"{r['cadre']} {r['cadre_name']}",
            "held": f"{r['days_held']}/{r['days']}",
            **{c["name"]: rule._cell(c) for c in r["components"]},
            "quarters": _quarters(r),
            "score": f"{r['score']:.2f}",
            "rate": f"{r['rate']:.2f}",
            "grade": rule.grade_cell(r, data["grade_set"]),
            "rewards": _rewards_of(data, r["cadre"]) or None,
        }
        for r in data["cadres"]
    ]
    columns, headers = rule.table_columns(plans=data["weights"].get("score_plans", 0) > 0, year=year)
    columns.append("rewards")
    headers.append(N_("Rewards and penalties"))
    sections: list[dict[str, Any]] = [{"kind": "table", "columns": columns, "headers": headers, "rows": rows}]
    notes = rule.grade_notes(data)
    if notes:
        sections.append({"kind": "text", "text": "\n".join(notes)})
    changes = data["changed_since_closing"]
    if changes or data["policy_changed_since_closing"]:
        lines = [_("Changed since closing (the closed result above stands):")]
        lines += [
            _("{cadre}: score {a} → {b}, grade {ga} → {gb} ({parts})").format(
                cadre=c["cadre"],
                a=c["score_closed"],
                b=c["score_now"],
                ga=rule.grade_name(c["grade_closed"], data["grade_set"]) if c["grade_closed"] else "-",
                gb=rule.grade_name(c["grade_now"], data["grade_set"]) if c["grade_now"] else "-",
                parts=_(", ").join(_(COMPONENT_NAMES[p]) for p in c["components"]),
            )
            for c in changes
        ]
        if data["policy_changed_since_closing"]:
            lines.append(_("The policy in force for the period has changed since closing."))
        sections.append({"kind": "text", "text": "\n".join(lines)})
    else:
        sections.append({"kind": "text", "text": _("No change in the register since closing.")})
    sign = _("Digest {digest}. Approved by the director: ______  Date: ______")
    sections.append({"kind": "text", "text": sign.format(digest=data["digest"][:16])})
    return {"title": title, "sections": sections}


# --- the A4 form (always in Chinese: it is the bureau's filed copy) --------------------------------

RULE_ZH = (
    "考核办法：按季度计分，各项分值按合计折算为百分制，各项得分 = 折算分值 × 完成比例 × 在岗天数 ÷ 本期天数，"
    "全程按精确值计算，只在显示时四舍五入到两位小数，等次按精确得分率评定。"
    "走访 {visits} 分：同一户同一天只计一次，每个对子每季走访计至应访次数为止（多访不抵他季缺访）；"
    "达标 {compliance} 分：本季达到应访次数的对子占比；"
    "问题 {problems} 分：提出后 {days} 天内解决或提交局党委会的问题不扣分，超期未处理的按超期天数扣分"
    "（超期问题天数 ÷ 对子天数），每个问题最多计 {cap} 天；"
    "成效 {outcomes} 分：按本季各状态的天数计，致富户计满分，脱贫户计 {exited}%，返贫户按返贫前状态计；"
    "一户一策措施 {plans} 分：到期措施中按期完成的占比，无理由撤销的按未完成计，已认定致贫原因而无帮扶计划的不得分；"
    "发生冲击或收入骤降后 {followup} 天内未回访的，每户扣 {penalty} 分（及时发现、如实登记返贫不扣分）。"
    "得分率 = 得分 ÷ 在岗天数占比，按得分率评定等次并排名：{excellent} 分以上为{g0}，{good} 分以上为{g1}，"
    "{basic} 分以上为{g2}，以下为{g3}；在岗天数不足本期 {coverage}% 的不定等次。"
    "结对满一季而该季未走访的，本期等次最高为{veto}。"
    "年度得分为各季度得分按天数加权的平均数。"
)


def html_page(db: Store, data: dict[str, Any]) -> str:
    from .html import _page, _table, unit_name

    unit = unit_name(db, [r["cadre"] for r in data["cadres"]], data.get("end"))
    year = any("quarters" in r for r in data["cadres"])
    kind = "年度" if len(data["period"]) == 4 else "季度"
    title = "帮扶干部目标责任制考核结果"
    pol = list(data["policy"].values())[-1]
    zh = rule.GRADE_ZH[data.get("grade_set", 0)]
    plans = data["weights"].get("score_plans", 0) > 0
    cols = [
        ("序号", "4%", ""),
        ("帮扶干部", "10%", ""),
        ("在岗天数", "7%", "num"),
        ("走访", "8%", "num"),
        ("达标", "7%", "num"),
        ("问题处理", "8%", "num"),
        ("帮扶成效", "8%", "num"),
        *([("一户一策", "7%", "num")] if plans else []),
        ("迟访扣分", "6%", "num"),
        *([("各季度得分", "12%", "")] if year else []),
        ("得分", "6%", "num"),
        ("得分率", "6%", "num"),
        ("等次", "7%", "c"),
        ("奖惩", "11%" if year else "23%", ""),
    ]
    rows = []
    for r in data["cadres"]:
        comps = {c["name"]: c for c in r["components"]}
        rewards = "；".join(
            ("奖励" if x["kind"] == "reward" else "处罚")
            + " "
            + x["measure"]
            + (f" {format_yuan(round(x['amount'] * 100))}元" if x["amount"] else "")
            for x in data["rewards"]
            if x["cadre"] == r["cadre"]
        )
        cells = [
            f'<td class="c">{r["rank"]}</td>',
            f"<td>{escape(r['cadre'])} {escape(r['cadre_name'])}</td>",
            f'<td class="num">{r["days_held"]}/{r["days"]}</td>',
            *(
                f'<td class="num">{escape(rule._cell(comps[n]))}</td>'
                for n in (
                    "visits",
                    "compliance",
                    "problems",
                    "outcomes",
                    *(["plans"] if plans else []),
                    "late_followup",
                )
            ),
            *([f"<td>{escape(_quarters(r))}</td>"] if year else []),
            f'<td class="num">{r["score"]:.2f}</td>',
            f'<td class="num">{r["rate"]:.2f}</td>',
            f'<td class="c">{zh[r["grade"]]}{_zh_mark(r)}</td>',
            f"<td>{escape(rewards)}</td>",
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    state = (
        f"（{escape(data['reopened_at'][:10])} 已重新开启：{escape(data['reopen_reason'] or '')}）"
        if data["state"] == "reopened"
        else ""
    )
    unit_text = escape(unit) if unit else '<span class="fill"></span>'
    head = (
        '<header class="form"><div class="top"><div>单位：'
        + unit_text
        + f"</div><div>封存日期：{escape(data['closed_on'])}</div></div>"
        f'<h1 lang="zh-CN">{title}</h1><div class="sub">{escape(data["period"])} {kind}'
        f"（{escape(data['start'])} 至 {escape(data['end'])}）{state}</div></header>"
    )
    explain = RULE_ZH.format(
        visits=pol["score_visits"],
        compliance=pol["score_compliance"],
        problems=pol["score_problems"],
        days=pol["escalation_days"],
        outcomes=pol["score_outcomes"],
        exited=pol["outcome_exited_pct"],
        plans=pol["score_plans"],
        followup=pol["followup_days"],
        penalty=pol["score_relapse_penalty"],
        excellent=pol["grade_excellent"],
        good=pol["grade_pass"],
        basic=pol["grade_basic"],
        coverage=pol["grade_min_coverage_pct"],
        cap=pol.get("problem_overdue_days", 90),
        g0=zh["excellent"],
        g1=zh["pass"],
        g2=zh["basic"],
        g3=zh["fail"],
        veto=zh[rule.capped("excellent", pol.get("veto_missed_quarter", 0))],
    )
    if data.get("excellent_share_pct"):
        explain += f"优秀等次不超过参评人数的 {data['excellent_share_pct']}%，按排名确定，得分率并列的一并列明，由单位研究决定。"
    changes = data["changed_since_closing"]
    if changes or data["policy_changed_since_closing"]:
        items = "".join(
            f"<li>{escape(c['cadre'])}：得分 {c['score_closed']} → {c['score_now']}，"
            f"等次 {zh.get(c['grade_closed'] or '', '-')} → "
            f"{zh.get(c['grade_now'] or '', '-')}"
            f"（{escape('、'.join(_zh_part(p) for p in c['components']))}）</li>"
            for c in changes
        )
        if data["policy_changed_since_closing"]:
            items += "<li>本期适用的政策参数在封存后有变动。</li>"
        changed = f'<h2>封存后登记表的变动（以上封存结果不变）</h2><ul class="changes">{items}</ul>'
    else:
        changed = '<p class="none">封存后登记表无变动。</p>'
    sign = (
        '<footer class="sign"><div>填表人：<span></span></div><div>审核人：<span></span></div>'
        "<div>局长（签字）：<span></span></div>"
        '<div>日期：<span class="date">　　年　　月　　日</span></div>'
        "</footer>"
    )
    body = [
        head,
        _table(cols, rows, cls="assessment"),
        f'<p class="rule">{escape(explain)}</p>',
        changed,
        f'<p class="mark">校验码 {escape(data["digest"][:16])}</p>',
        sign,
    ]
    return _page(f"{title} {escape(data['period'])}", body, landscape=year)


def _quarters(row: dict[str, Any]) -> str:
    return rule.quarter_scores(row.get("quarters", []))


def _zh_mark(row: dict[str, Any]) -> str:
    """Why a grade is held down, on the filed form: the veto of a missed quarter, the share cap."""
    if row.get("tied_at_cap"):
        return "（限额并列）"
    if row.get("capped"):
        return "（限额）"
    if row.get("vetoed") and row["grade"] not in ("excellent", "ungraded"):
        return "（缺访否决）"
    return ""


def _zh_part(name: str) -> str:
    return {
        "visits": "走访",
        "compliance": "达标",
        "problems": "问题处理",
        "outcomes": "帮扶成效",
        "plans": "一户一策",
        "late_followup": "迟访扣分",
    }[name]
