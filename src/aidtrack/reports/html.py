"""The printable register: a household's 跟踪问效登记表 and the quarter's summary as one HTML page each.

Self-contained so it can be mailed or archived as one file and printed from any browser: the style
sheet is embedded, the income chart is inline SVG drawn here, there is no script, no font file and
no link to anything outside the page. Every user string goes through html.escape.

The pages are laid out from the report builders' data (reports.household.build,
reports.quarter.build); the only reads added are the poverty-line history (one policy query) and
the unit's name (one query on the cadres).
"""

from __future__ import annotations

import datetime as dt
import math
from html import escape
from typing import Any, overload

from ..i18n import _ as _catalog
from ..i18n import language
from ..model import STATUSES, ZH_NAMES, add_months, format_yuan, quarter_name
from ..ops.rules.members import unnamed
from ..ops.rules.policy import Policy
from ..store import Store
from .household import case_shown, reason_shown, steps_text

FORM_TITLE = "跟踪问效登记表"

#: The labels of the form in Chinese, used when the interface speaks Chinese and the message catalog
#: does not translate them yet (the catalog, once it holds these msgids, takes precedence).
ZH = {
    "Unit": "单位",
    "{names} and {n} more": "{names}及另外 {n} 个单位",
    "Tracking register": "跟踪问效登记表",
    "{unit}{quarter} “one helps one” summary": "{unit}{quarter}“一帮一”帮扶工作汇总表",
    "Code": "编号",
    "Head of household": "户主",
    "Members": "家庭人口",
    "Gender": "性别",
    "Born": "出生日期",
    "Address": "家庭住址",
    "Phone": "联系电话",
    "ID number": "身份证号",
    "Former employer": "原工作单位",
    "Livelihood": "谋生门路",
    "Tags": "类别",
    "Enrolled": "列入帮扶日期",
    "Status": "状态",
    "Current status": "目前状态",
    "Resolved": "解决",
    "Cadre": "帮扶干部",
    "Cadres": "帮扶干部",
    "{since} –": "{since} 起",
    "{since} – {until}": "{since} 至 {until}",
    "Visits": "走访记录",
    "Date": "日期",
    "Kind": "类型",
    "Situation found": "走访情况",
    "Problems raised": "提出的问题",
    "Solved": "解决的问题",
    "Event": "事件",
    "Signature": "签字",
    "escalated to the party committee": "已提交局党委会",
    "resolved {date}": "{date} 已解决",
    "open": "未解决",
    "No visits recorded.": "无走访记录。",
    "Aid received": "帮扶物资与资金",
    "Value (yuan)": "价值（元）",
    "Giver": "帮扶人",
    "Note": "备注",
    "Total": "合计",
    "No aid recorded.": "无帮扶记录。",
    "Income by month": "月收入",
    "Month": "月份",
    "Income (yuan)": "家庭收入（元）",
    "Per person": "人均（元）",
    "Poverty line per person": "贫困线（元/人）",
    "Sources": "收入来源",
    "not recorded": "未登记",
    "below the line": "低于贫困线",
    "No income recorded.": "无收入记录。",
    "Income chart": "收入走势",
    "Monthly income": "月收入",
    "Poverty line × {members} members": "贫困线 × {members} 人",
    "yuan": "元",
    "Status history": "状态变化",
    "Household members": "家庭成员",
    "Reason": "原因",
    "No status recorded.": "无状态记录。",
    "Filled in by": "填表人",
    "Checked by": "审核人",
    "Quarter {quarter} ({start} – {end})": "{quarter}（{start} 至 {end}）",
    "Pairings": "帮扶对子",
    "No.": "序号",
    "Household": "帮扶对象",
    "Paired": "结对期间",
    "Visits made / required": "走访 实际/应访",
    "Compliant": "达标",
    "Problems": "问题",
    "Raised": "提出",
    "Escalated": "提交党委会",
    "Open": "未解决",
    "Escalated, open": "未解决的提交党委会问题",
    "Aid (yuan)": "帮扶价值（元）",
    "Income": "收入",
    "Monthly average": "月均（元）",
    "Change": "环比（元）",
    "Remarks": "备注",
    "not met": "未达标",
    "pending": "进行中",
    "future": "未开始",
    "Totals": "本季汇总",
    "Compliant pairings": "达标对子",
    "Visits this quarter": "本季走访次数",
    "Visits since the programme began": "累计走访次数",
    "Aid given this quarter, all households (yuan)": "本季帮扶价值，全部帮扶对象（元）",
    "Households by status at quarter end": "季末各状态户数",
    "Escalated problems open at quarter end": "季末未解决的提交党委会问题",
    "Nothing recorded for {quarter}.": "{quarter} 无记录。",
    "Reported by": "填报人",
    "Read by the director": "局长审阅",
    "unrecorded": "未登记",
    "Causes of poverty": "致贫原因",
    "Cause": "致贫原因",
    "No cause of poverty recorded.": "未登记致贫原因。",
    "Plan (one household, one plan)": "帮扶计划（一户一策）",
    "Measure": "帮扶措施",
    "Responsible": "责任人",
    "Due": "完成时限",
    "Done": "完成日期",
    "Result": "成效",
    "No measure planned.": "未制定帮扶措施。",
    "Job placements": "就业安置",
    "Member": "就业人员",
    "Employer": "就业单位",
    "Started": "上岗日期",
    "Ended": "离岗日期",
    "Wage (yuan)": "月工资（元）",
    "Insured": "参保",
    "Found by": "就业途径",
    "Monitoring": "防止返贫监测",
    "Category": "监测对象类型",
    "Since": "纳入监测日期",
    "Risk eliminated": "风险消除日期",
    "Measures due / done / overdue this quarter": "本季措施 到期/完成/逾期",
    "What needs the director's attention": "需局长关注的事项",
}


def _(message: str) -> str:
    """The catalog's translation; in Chinese, the form's own label while the catalog lacks it."""
    out = _catalog(message)
    if out == message and language() == "zh":
        return ZH.get(message, message)
    return out


def _e(value: Any) -> str:
    """Any value as escaped text: None is blank, lists are joined."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return escape(_sep().join(str(v) for v in value))
    return escape(str(value))


def _sep() -> str:
    return "、" if language() == "zh" else ", "


def _colon() -> str:
    return "：" if language() == "zh" else ": "


def _paren(text: str) -> str:
    return f"（{text}）" if language() == "zh" else f" ({text})"


def _word(value: str | None) -> str:
    """An enumeration value (status, kind, livelihood…) in the interface language, escaped."""
    if value is None:
        return ""
    return _e(ZH_NAMES.get(value, value) if language() == "zh" else value.replace("_", " "))


@overload
def _fen(value: float) -> int: ...
@overload
def _fen(value: float | None) -> int | None: ...
def _fen(value: float | None) -> int | None:
    """Yuan as the builders give it (fen ÷ 100, rounded to 2 places) back to whole fen."""
    return None if value is None else round(value * 100)


def _money(fen: int | None) -> str:
    """Fen as printed: yuan with two decimals, thousands separated (4,350.00)."""
    return format_yuan(fen, grouped=True)


FONTS = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", SimSun, sans-serif'
)

STYLE = """
@page { size: %(page)s; margin: 15mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; color: #444; } }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: %(fonts)s; font-size: 9pt; line-height: 1.45; color: #000; margin: 0; }
@media screen { html { padding: 0 4mm; } body { max-width: %(width)s; margin: 8mm auto; } }
header.form { text-align: center; margin-bottom: 3mm; }
header.form .top { display: flex; justify-content: space-between; font-size: 9.5pt; }
header.form h1 { font-size: 20pt; letter-spacing: 0.25em; margin: 2mm 0 0; font-weight: bold; }
header.form .sub { font-size: 10pt; margin-top: 0.5mm; }
h2 { font-size: 11pt; margin: 5mm 0 1.5mm; padding-left: 2mm; border-left: 1mm solid #000;
  break-after: avoid; page-break-after: avoid; }
table { width: 100%%; border-collapse: collapse; table-layout: fixed; }
th, td { border: 0.5pt solid #000; padding: 0.8mm 1.2mm; vertical-align: top; text-align: left;
  overflow-wrap: anywhere; word-break: break-word; }
th { background: #ececec; font-weight: bold; text-align: center; vertical-align: middle; }
thead { display: table-header-group; }
tfoot { display: table-row-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.c { text-align: center; }
th.small, td.small { font-size: 8pt; }
.nb { white-space: nowrap; }
table.pairings td { font-size: 8.5pt; padding: 0.8mm 0.8mm; }
table.pairings th { font-size: 8pt; padding: 0.8mm 0.6mm; }
table.totals { break-inside: avoid; page-break-inside: avoid; }
table.info th { text-align: left; width: 16%%; }
tr.total td { font-weight: bold; background: #f6f6f6; }
tr.blank td { height: 11mm; }
td.sign { background: #fff; }
.problem + .problem { margin-top: 0.8mm; }
.mark { font-size: 8pt; }
.esc { font-weight: bold; }
.none { color: #555; font-style: italic; }
.below { font-weight: bold; }
tr.gap td { color: #666; }
tr.short td { background: #fde8e8; }
tr.short td.state { font-weight: bold; color: #a00; }
tr.pending td.state, tr.future td.state { color: #555; }
figure.chart { margin: 1mm 0 0; break-inside: avoid; page-break-inside: avoid; }
figure.chart svg { width: 100%%; height: auto; display: block; }
svg text { font-family: %(fonts)s; fill: #000; }
svg .grid { stroke: #ccc; stroke-width: 0.6; }
svg .axis { stroke: #000; stroke-width: 1; }
svg .bar, svg .key { fill: #5b7fb0; }
svg .bar.below, svg .key.below { fill: #c0392b; }
svg .line { fill: none; stroke: #000; stroke-width: 1.4; stroke-dasharray: 6 3; }
footer.sign { margin-top: 6mm; display: flex; justify-content: space-between; font-size: 10pt;
  break-inside: avoid; page-break-inside: avoid; }
footer.sign span, .fill { display: inline-block; min-width: 35mm; border-bottom: 0.5pt solid #000; }
"""


def _page(title: str, body: list[str], landscape: bool = False) -> str:
    lang = "zh-CN" if language() == "zh" else "en"
    style = STYLE % {
        "page": "A4 landscape" if landscape else "A4",
        "fonts": FONTS,
        "width": "267mm" if landscape else "180mm",
    }
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{lang}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title}</title>",
            f"<style>{style}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def _table(
    columns: list[tuple[str, str, str]],
    rows: list[str],
    foot: list[str] | None = None,
    head: list[str] | None = None,
    cls: str = "",
) -> str:
    """columns: (header, width, class) each; rows: ready <tr> strings; head replaces the header row."""
    cols = "".join(f'<col style="width:{w}">' for _h, w, _c in columns)
    header = head or ["<tr>" + "".join(f'<th class="{c}">{h}</th>' for h, _w, c in columns) + "</tr>"]
    out = [
        f'<table class="{cls}">' if cls else "<table>",
        f"<colgroup>{cols}</colgroup>",
        "<thead>",
        *header,
        "</thead>",
        "<tbody>",
        *rows,
        "</tbody>",
    ]
    if foot:
        out += ["<tfoot>", *foot, "</tfoot>"]
    out.append("</table>")
    return "\n".join(out)


def _signatures(*labels: str) -> str:
    return (
        '<footer class="sign">'
        + "".join(f"<div>{label}{_colon()}<span></span></div>" for label in labels)
        + "</footer>"
    )


# --- the household register ----------------------------------------------------------------------


def household_page(db: Store, data: dict[str, Any]) -> str:
    """The household's register (reports.household.build's data) as one printable HTML page."""
    policy = Policy(db)
    months = _months(data["income"])
    lines = {m: policy.value("poverty_line", f"{m}-01") for m in months}
    codes = [p["cadre"] for p in data["pairings"]]
    return household_html(data, lines, unit_name(db, codes))


def unit_name(db: Store, cadres: list[str] | None = None, on: dt.date | str | None = None) -> str | None:
    """The unit's name: policy `unit_name` in force on ON (None: the latest), else the unit named on
    the cadres' records (of these cadres, or of all): one query on cadres.

    A city file merged from many units names the first three and counts the rest.
    """
    named = Policy(db).text("unit_name", on)
    if named:
        return named
    wanted = None if cadres is None else set(cadres)
    names = sorted(
        {
            unit
            for code, unit in db.execute(
                "SELECT code, unit FROM cadres WHERE unit IS NOT NULL AND unit <> ''"
            )
            if wanted is None or code in wanted
        }
    )
    if len(names) > 3:
        return _("{names} and {n} more").format(names=_sep().join(names[:3]), n=len(names) - 3)
    return _sep().join(names) or None


def _months(income: list[dict[str, Any]]) -> list[str]:
    """Every month from the first recorded to the last, the months without a record included."""
    if not income:
        return []
    out, month = [], income[0]["month"]
    while month <= income[-1]["month"]:
        out.append(month)
        month = add_months(month, 1)
    return out


def _header(title: str, sub: str, unit: str | None, right: str) -> str:
    """The form's head: the unit (a blank to fill in by hand if unknown), the title, a subtitle."""
    unit_text = _e(unit) if unit else '<span class="fill"></span>'
    sub = f'<div class="sub">{sub}</div>' if sub else ""
    return (
        '<header class="form">'
        f'<div class="top"><div>{_("Unit")}{_colon()}{unit_text}</div><div>{right}</div></div>'
        f'<h1 lang="zh-CN">{title}</h1>{sub}</header>'
    )


def household_html(data: dict[str, Any], lines: dict[str, int], unit: str | None) -> str:
    """The page from the builder's data, the poverty line per month (fen per person) and the unit."""
    h = data["household"]
    english = _("Tracking register") != FORM_TITLE
    sub = _("Tracking register") if english else ""
    head = _header(FORM_TITLE, sub, unit, f"{_('Code')}{_colon()}{_e(h['code'])}")
    body = [
        head,
        _info(h, data["pairings"]),
    ]
    named = [m for m in data.get("members", []) if not unnamed(m["name"])]
    if named:  # people only counted (#1, #2 …) are in the size above, not listed
        body += [f"<h2>{_('Household members')}</h2>", _members(named)]
    body += [
        f"<h2>{_('Visits')}</h2>",
        _visits(data["visits"], len({p["cadre"] for p in data["pairings"]}) > 1),
        f"<h2>{_('Aid received')}</h2>",
        _aid(data["aid"]),
        f"<h2>{_('Income by month')}</h2>",
    ]
    if data["income"]:
        sizes = data["sizes"]
        body += [
            _income(data["income"], lines, sizes),
            f"<h2>{_('Income chart')}</h2>",
            _chart(data["income"], lines, sizes),
        ]
    else:
        body.append(f'<p class="none">{_("No income recorded.")}</p>')
    body += [
        f"<h2>{_('Causes of poverty')}</h2>",
        _causes(data.get("causes", [])),
        f"<h2>{_('Plan (one household, one plan)')}</h2>",
        _plan(data.get("measures", [])),
    ]
    if data.get("jobs"):
        body += [f"<h2>{_('Job placements')}</h2>", _jobs(data["jobs"])]
    if data.get("monitoring"):
        body += [f"<h2>{_('Monitoring')}</h2>", _monitoring(data["monitoring"])]
    if data.get("spending"):
        body += [f"<h2>{_('Spending (支出)')}</h2>", _spending(data["spending"])]
    if data.get("livelihoods"):
        body += [f"<h2>{_('Livelihood changes (生计变更)')}</h2>", _livelihoods(data["livelihoods"])]
    body += [
        f"<h2>{_('Decisions (cases)')}</h2>",
        _cases(data.get("cases", [])),
        f"<h2>{_('Status history')}</h2>",
        _statuses(data["statuses"]),
        _signatures(_("Filled in by"), _("Checked by")),
    ]
    title = f"{FORM_TITLE} {_e(h['code'])} {_e(h['name'])}"
    return _page(title, body)


def _info(h: dict[str, Any], pairings: list[dict[str, Any]]) -> str:
    cadres = []
    for p in pairings:
        since = (
            _("{since} – {until}").format(since=p["since"], until=p["until"])
            if p["until"]
            else _("{since} –").format(since=p["since"])
        )
        cadres.append(f"{_e(p['cadre'])} {_e(p['cadre_name'])}{_paren(_e(since))}")
    born = " ".join(x for x in (_word(h.get("gender")), _e(h.get("born"))) if x)
    rows = [
        (_("Head of household"), _e(h["name"]), _("Code"), _e(h["code"])),
        (_("Members"), _e(h["members"]), f"{_('Gender')} / {_('Born')}", born),
        (_("Address"), _e(h.get("address")), _("Phone"), _e(h.get("phone"))),
        (_("Former employer"), _e(h.get("employer")), _("ID number"), _e(h.get("id_number"))),
        (_("Livelihood"), _word(h.get("livelihood")), _("Tags"), _e(h.get("tags"))),
        (_("Enrolled"), _e(h.get("enrolled")), _("Current status"), _word(h.get("status"))),
    ]
    out = [
        '<table class="info"><colgroup><col style="width:16%"><col style="width:34%">'
        '<col style="width:16%"><col style="width:34%"></colgroup><tbody>'
    ]
    out += [f"<tr><th>{a}</th><td>{b}</td><th>{c}</th><td>{d}</td></tr>" for a, b, c, d in rows]
    out.append(f'<tr><th>{_("Cadres")}</th><td colspan="3">{"<br>".join(cadres)}</td></tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


def _problem(p: dict[str, Any], solved: str | None) -> str:
    marks = []
    if p["escalated"]:
        when = f' <span class="nb">{_e(p["escalated_on"])}</span>' if p.get("escalated_on") else ""
        marks.append(f'<span class="esc">〔{_("escalated to the party committee")}{when}〕</span>')
    if p.get("studied_on"):  # the latest meeting that studied it, and its decision
        studied = (
            _("studied {date}").format(date=p["studied_on"])
            + (_(": {decision}").format(decision=p["decision"]) if p.get("decision") else "")
            + (" " + _("(due {due})").format(due=p["due"]) if p.get("due") else "")
        )
        marks.append(f'<span class="mark">〔{_e(studied)}〕</span>')
    if p["resolved_on"]:
        text = _e(_("resolved {date}")).format(date=f'<span class="nb">{_e(p["resolved_on"])}</span>')
    else:
        text = _e(_("open"))
    if p.get("resolution") and p["resolution"] != solved:
        text += f"{_colon()}{_e(p['resolution'])}"
    marks.append(f'<span class="mark">〔{text}〕</span>')
    return f'<div class="problem">{_e(p["problem"])} {" ".join(marks)}</div>'


def _visits(visits: list[dict[str, Any]], several_cadres: bool) -> str:
    """One row per visit, then two blank rows for the next visits written by hand.

    The cadre gets a column only if the household had more than one: otherwise it is in the head.
    """
    columns = [
        (_("Date"), "11%", ""),
        (_("Kind"), "8.5%", "small"),
        (_("Situation found"), "21.5%", ""),
        (_("Problems raised"), "22.5%", ""),
        (_("Solved"), "18.5%", ""),
        (_("Event"), "8%", "small"),
        (_("Signature"), "10%", "small"),
    ]
    if several_cadres:
        columns[2:5] = [
            (_("Cadre"), "8%", ""),
            (_("Situation found"), "19%", ""),
            (_("Problems raised"), "20%", ""),
            (_("Solved"), "15.5%", ""),
        ]
    rows = []
    for v in visits:
        problems = "".join(_problem(p, v["solved"]) for p in v["problems"])
        cadre = f"<td>{_e(v['cadre'])}<br>{_e(v['cadre_name'])}</td>" if several_cadres else ""
        rows.append(
            f'<tr class="visit"><td>{_e(v["date"])}</td><td class="c small">{_word(v["kind"])}</td>'
            f"{cadre}<td>{_e(v['situation'])}</td><td>{problems}</td><td>{_e(v['solved'])}</td>"
            f'<td class="c small">{_word(v["event"])}</td><td class="sign"></td></tr>'
        )
    if not visits:
        rows.append(f'<tr><td colspan="{len(columns)}" class="none">{_("No visits recorded.")}</td></tr>')
    rows += ['<tr class="blank">' + "<td></td>" * len(columns) + "</tr>"] * 2
    return _table(columns, rows)


def _aid(aid: list[dict[str, Any]]) -> str:
    columns = [
        (_("Date"), "13%", ""),
        (_("Kind"), "10%", ""),
        (_("Value (yuan)"), "13%", "num"),
        (_("Giver"), "20%", ""),
        (_("Note"), "44%", ""),
    ]
    if not aid:
        return _table(columns, [f'<tr><td colspan="5" class="none">{_("No aid recorded.")}</td></tr>'])
    rows = []
    for a in aid:
        giver = " ".join(_e(x) for x in (a["giver"], a.get("giver_name")) if x)
        rows.append(
            f'<tr class="aid"><td>{_e(a["date"])}</td><td class="c">{_word(a["kind"])}</td>'
            f'<td class="num">{_money(_fen(a["value"]))}</td><td>{giver}</td>'
            f"<td>{_e(a['note'])}</td></tr>"
        )
    total = sum(_fen(a["value"]) for a in aid)
    foot = [
        f'<tr class="total"><td colspan="2">{_("Total")}</td>'
        f'<td class="num" id="aid-total">{_money(total)}</td><td colspan="2"></td></tr>'
    ]
    return _table(columns, rows, foot)


def _income(income: list[dict[str, Any]], lines: dict[str, int], sizes: dict[str, int]) -> str:
    """Each month against the line × the household's size in that month."""
    columns = [
        (_("Month"), "12%", ""),
        (_("Income (yuan)"), "15%", "num"),
        (_("Per person"), "14%", "num"),
        (_("Poverty line per person"), "16%", "num"),
        (_("Sources"), "43%", ""),
    ]
    by_month = {i["month"]: i for i in income}
    rows = []
    for m in _months(income):
        line = lines.get(m)
        i = by_month.get(m)
        if i is None:
            rows.append(
                f'<tr class="gap"><td>{m}</td><td colspan="2" class="c">{_("not recorded")}</td>'
                f'<td class="num">{_money(line)}</td><td></td></tr>'
            )
            continue
        below = line is not None and _fen(i["amount"]) < line * sizes[m]
        mark = f' <span class="mark">▼ {_("below the line")}</span>' if below else ""
        cls = ' class="income below"' if below else ' class="income"'
        rows.append(
            f'<tr{cls}><td>{_e(m)}</td><td class="num">{_money(_fen(i["amount"]))}</td>'
            f'<td class="num">{_money(_fen(i["per_person"]))}</td>'
            f'<td class="num">{_money(line)}</td><td>{_e(i["sources"])}{mark}</td></tr>'
        )
    return _table(columns, rows)


def _nice_step(top: float) -> float:
    """A round axis step (1, 2, 2.5 or 5 × 10^k) giving at most 6 gridlines up to `top`."""
    if top <= 0:
        return 1.0
    base = 10 ** math.floor(math.log10(top / 6))
    for f in (1, 2, 2.5, 5, 10):
        if top / (f * base) <= 6:
            return f * base
    return 10 * base


def _chart(income: list[dict[str, Any]], lines: dict[str, int], sizes: dict[str, int]) -> str:
    """Bars of the monthly income (yuan) with the household's poverty line (× its size that month)
    as a dashed step line."""
    months = _months(income)
    amounts = {i["month"]: _fen(i["amount"]) for i in income}
    limits = {m: lines[m] * sizes[m] for m in months if lines.get(m) is not None}
    width, height, left, right, top, bottom = 680, 260, 52, 12, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max([*amounts.values(), *limits.values(), 1]) / 100
    step = _nice_step(highest * 1.05)
    ceiling = math.ceil(highest * 1.05 / step) * step
    band = plot_w / len(months)

    def y(fen: int) -> float:
        return top + plot_h - fen / 100 / ceiling * plot_h

    out = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{_("Income chart")}">']
    tick = 0.0
    while tick <= ceiling + 1e-9:
        ty = y(round(tick * 100))
        label = f"{tick:g}"
        out.append(
            f'<line class="grid" x1="{left}" y1="{ty:.1f}" x2="{width - right}" y2="{ty:.1f}"/>'
            f'<text x="{left - 5}" y="{ty + 3.5:.1f}" font-size="10" text-anchor="end">{label}</text>'
        )
        tick += step
    out.append(f'<text x="{left - 5}" y="{top - 10}" font-size="10" text-anchor="end">{_("yuan")}</text>')
    every = max(1, math.ceil(len(months) / 24))
    for k, m in enumerate(months):
        x = left + k * band
        fen = amounts.get(m)
        if fen is not None:
            below = m in limits and fen < limits[m]
            bar_y = y(fen)
            cls = "bar below" if below else "bar"
            out.append(
                f'<rect class="{cls}" data-month="{m}" x="{x + band * 0.18:.1f}" y="{bar_y:.1f}"'
                f' width="{band * 0.64:.1f}" height="{top + plot_h - bar_y:.1f}">'
                f"<title>{m}: {_money(fen)}</title></rect>"
            )
            if len(months) <= 24:
                out.append(
                    f'<text x="{x + band / 2:.1f}" y="{bar_y - 3:.1f}" font-size="8.5"'
                    f' text-anchor="middle">{fen / 100:g}</text>'
                )
        if k % every == 0:
            out.append(
                f'<text x="{x + band / 2:.1f}" y="{top + plot_h + 13}" font-size="9.5"'
                f' text-anchor="middle">{m[5:]}</text>'
            )
        if k == 0 or m.endswith("-01"):
            out.append(
                f'<text x="{x + 2:.1f}" y="{top + plot_h + 27}" font-size="10"'
                f' font-weight="bold">{m[:4]}</text>'
            )
    path, last_y = [], None
    for k, m in enumerate(months):
        if m not in limits:
            last_y = None
            continue
        ly, x0, x1 = y(limits[m]), left + k * band, left + (k + 1) * band
        path.append(f"{'M' if last_y is None else 'L'}{x0:.1f},{ly:.1f} L{x1:.1f},{ly:.1f}")
        last_y = ly
    if path:
        out.append(f'<path class="line" d="{" ".join(path)}"/>')
    base = top + plot_h
    out.append(
        f'<line class="axis" x1="{left}" y1="{base}" x2="{width - right}" y2="{base}"/>'
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{base}"/>'
    )
    counts = sorted(set(sizes[m] for m in months))
    line_label = _e(
        _("Poverty line × {members} members").format(members=counts[0])
        if len(counts) == 1
        else _("Poverty line × members that month ({members})").format(
            members="–".join(str(c) for c in (counts[0], counts[-1]))
        )
    )
    out.append(
        f'<rect class="key" x="{left + 10}" y="6" width="12" height="10"/>'
        f'<text x="{left + 27}" y="15" font-size="10">{_("Monthly income")}</text>'
        f'<line class="line" x1="{left + 120}" y1="11" x2="{left + 150}" y2="11"/>'
        f'<text x="{left + 156}" y="15" font-size="10">{line_label}</text>'
        f'<rect class="key below" x="{left + 320}" y="6" width="12" height="10"/>'
        f'<text x="{left + 337}" y="15" font-size="10">{_("below the line")}</text>'
    )
    out.append("</svg>")
    return '<figure class="chart">' + "".join(out) + "</figure>"


def _statuses(statuses: list[dict[str, Any]]) -> str:
    columns = [
        (_("Date"), "14%", ""),
        (_("Status"), "12%", ""),
        (_("Reason"), "56%", ""),
        (_("Case"), "18%", ""),
    ]
    rows = [
        f'<tr class="status"><td>{_e(s["date"])}</td><td class="c">{_word(s["status"])}</td>'
        f"<td>{_e(reason_shown(s['reason']))}</td><td>{_e(case_shown(s.get('case_id')))}</td></tr>"
        for s in statuses
    ]
    return _table(columns, rows or [f'<tr><td colspan="4" class="none">{_("No status recorded.")}</td></tr>'])


def _cases(cases: list[dict[str, Any]]) -> str:
    """The household's decisions: each case's lead, steps, outcome and deciding body."""
    columns = [
        (_("Case"), "6%", "c"),
        (_("Decision"), "12%", "c"),
        (_("Lead"), "16%", ""),
        (_("Steps"), "40%", ""),
        (_("Outcome"), "9%", "c"),
        (_("Decided"), "17%", ""),
    ]
    if not cases:
        return _none(columns, _("No case recorded."))
    rows = []
    for c in cases:
        decision = _word(c["decision"]) + (_paren(_word(c["category"])) if c.get("category") else "")
        decided = " ".join(_e(x) for x in (c.get("decided_on"), c.get("body")) if x)
        rows.append(
            f'<tr class="case"><td class="c">{_e(c["id"])}</td><td class="c">{decision}</td>'
            f"<td>{_word(c['channel'])} {_e(c['lead_date'])}</td><td>{_e(steps_text(c['steps']))}</td>"
            f'<td class="c">{_word(c["outcome"])}</td><td>{decided}</td></tr>'
        )
    return _table(columns, rows)


def _none(columns: list, text: str) -> str:
    return _table(columns, [f'<tr><td colspan="{len(columns)}" class="none">{_e(text)}</td></tr>'])


def _causes(causes: list[dict[str, Any]]) -> str:
    columns = [(_("Cause"), "30%", ""), (_("Date"), "16%", ""), (_("Note"), "54%", "")]
    if not causes:
        return _none(columns, _("No cause of poverty recorded."))
    return _table(
        columns,
        [
            f'<tr class="cause"><td>{_word(c["cause"])}</td><td>{_e(c["date"])}</td>'
            f"<td>{_e(c['note'])}</td></tr>"
            for c in causes
        ],
    )


def _plan(measures: list[dict[str, Any]]) -> str:
    columns = [
        (_("Measure"), "26%", ""),
        (_("Kind"), "9%", ""),
        (_("Cause"), "10%", ""),
        (_("Responsible"), "10%", ""),
        (_("Due"), "11%", ""),
        (_("Status"), "9%", ""),
        (_("Done"), "11%", ""),
        (_("Result"), "14%", ""),
    ]
    if not measures:
        return _none(columns, _("No measure planned."))
    rows = []
    for m in measures:
        who = " ".join(_e(x) for x in (m.get("cadre"), m.get("cadre_name")) if x)
        what = _e(m["what"]) + (_paren(_e(m["member"])) if m.get("member") else "")
        rows.append(
            f'<tr class="measure"><td>{what}</td><td class="c">{_word(m["kind"])}</td>'
            f'<td class="c">{_word(m["cause"])}</td><td>{who}</td><td>{_e(m["due"])}</td>'
            f'<td class="c">{_word(m["status"])}</td><td>{_e(m["done_on"])}</td>'
            f"<td>{_e(m['result'])}</td></tr>"
        )
    return _table(columns, rows)


def _jobs(jobs: list[dict[str, Any]]) -> str:
    columns = [
        (_("Member"), "14%", ""),
        (_("Employer"), "26%", ""),
        (_("Started"), "13%", ""),
        (_("Ended"), "13%", ""),
        (_("Wage (yuan)"), "12%", "num"),
        (_("Insured"), "10%", "c"),
        (_("Found by"), "12%", ""),
    ]
    return _table(
        columns,
        [
            f'<tr class="job"><td>{_e(j["member"])}</td><td>{_e(j["employer"])}</td>'
            f"<td>{_e(j['started'])}</td>"
            f'<td>{_e(j["ended"])}</td><td class="num">{_money(_fen(j["wage"]))}</td>'
            f'<td class="c">{"✓" if j["insured"] else ""}</td><td>{_word(j["found_by"])}</td></tr>'
            for j in jobs
        ],
    )


def _members(members: list[dict[str, Any]]) -> str:
    """Who lives in the household and when (the size on a day is the count present)."""
    columns = [
        (_("Name"), "14%", ""),
        (_("Relation"), "10%", "c"),
        (_("Gender") + " / " + _("Born"), "16%", ""),
        (_("Health"), "10%", "c"),
        (_("Work"), "24%", ""),
        (_("Joined"), "13%", ""),
        (_("Left"), "13%", ""),
    ]
    return _table(
        columns,
        [
            f'<tr class="member"><td>{_e(m["name"])}</td><td class="c">{_word(m.get("relation"))}</td>'
            f"<td>{' '.join(x for x in (_word(m.get('gender')), _e(m.get('born'))) if x)}</td>"
            f'<td class="c">{_word(m.get("health"))}</td><td>{_e(m.get("work"))}</td>'
            f"<td>{_e(m.get('joined'))}</td><td>{_e(m.get('left_on'))}</td></tr>"
            for m in members
        ],
    )


def _monitoring(entries: list[dict[str, Any]]) -> str:
    columns = [
        (_("Category"), "18%", ""),
        (_("Since"), "13%", ""),
        (_("Reason"), "30%", ""),
        (_("Risk eliminated"), "13%", ""),
        (_("Note"), "26%", ""),
    ]
    return _table(
        columns,
        [
            f'<tr class="monitoring"><td>{_word(m["category"])}</td><td>{_e(m["date"])}</td>'
            f"<td>{_e(m['reason'])}</td><td>{_e(m['ended_on'])}</td><td>{_e(m['end_reason'])}</td></tr>"
            for m in entries
        ],
    )


def _spending(rows: list[dict[str, Any]]) -> str:
    columns = [
        (_("Date"), "14%", ""),
        (_("Kind"), "14%", ""),
        (_("Amount ¥"), "16%", "num"),
        (_("Reimbursed ¥"), "16%", "num"),
        (_("Note"), "40%", ""),
    ]
    return _table(
        columns,
        [
            f'<tr class="spending"><td>{_e(r["date"])}</td><td>{_word(r["kind"])}</td>'
            f'<td class="num">{_money(_fen(r["amount"]))}</td>'
            f'<td class="num">{_money(_fen(r["reimbursed"]))}</td><td>{_e(r["note"])}</td></tr>'
            for r in rows
        ],
    )


def _livelihoods(rows: list[dict[str, Any]]) -> str:
    columns = [(_("From"), "16%", ""), (_("Livelihood"), "20%", ""), (_("Note"), "64%", "")]
    return _table(
        columns,
        [
            f'<tr class="livelihood"><td>{_e(r["date"])}</td><td>{_word(r["livelihood"])}</td>'
            f"<td>{_e(r['note'])}</td></tr>"
            for r in rows
        ],
    )


# --- the quarter summary -------------------------------------------------------------------------


def quarter_page(db: Store, data: dict[str, Any]) -> str:
    """The quarter report (reports.quarter.build's data) as one printable landscape page."""
    codes = None if "by_unit" in data else sorted({r["cadre"] for r in data["pairings"]})
    return quarter_html(data, unit_name(db, codes, data["end"]))


def quarter_title(label: str, unit: str | None) -> str:
    """〈unit〉2004年第三季度“一帮一”帮扶工作汇总表: the page's title, the unit's name first."""
    return _("{unit}{quarter} “one helps one” summary").format(
        unit=f"{unit} " if unit and language() != "zh" else unit or "", quarter=quarter_name(label)
    )


def quarter_html(data: dict[str, Any], unit: str | None) -> str:
    title = quarter_title(data["quarter"], unit)
    period = _("{start} – {end}").format(**data)
    head = _header(_e(title), _e(period), unit, "")
    body = [head]
    if "by_unit" in data:
        body.append(_unit_table(data))
    elif not data["pairings"]:
        body.append(f'<p class="none">{_e(_("Nothing recorded for {quarter}.").format(**data))}</p>')
    else:
        body += [f"<h2>{_('Pairings')}</h2>", _pairings(data["pairings"])]
    body += [f"<h2>{_('Totals')}</h2>", _totals(data["totals"])]
    if data.get("director") is not None:
        from .quarter import director_lines

        body += [f"<h2>{_e(_('What moved this quarter'))}</h2>", _fields(director_lines(data["director"]))]
    if data.get("attention") is not None:
        heading = _("What needs the director's attention")
        body += [f"<h2>{_e(heading)}</h2>", _attention(data["attention"])]
    body.append(_signatures(_("Reported by"), _("Read by the director")))
    return _page(_e(title), body, landscape=True)


def year_page(db: Store, data: dict[str, Any]) -> str:
    """The year report (reports.year.build's data) as one printable landscape page."""
    return year_html(data, unit_name(db, on=f"{data['year']}-12-31"))


def year_html(data: dict[str, Any], unit: str | None) -> str:
    from .year import document

    doc = document(data)
    table, moved = doc["sections"]
    n = len(table["columns"])
    head = "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in table["headers"]) + "</tr>"
    rows = [
        "<tr>"
        + "".join(f'<td class="{"" if c == "figure" else "num"}">{_e(r[c])}</td>' for c in table["columns"])
        + "</tr>"
        for r in table["rows"]
    ]
    widths = [("", "28%", "")] + [("", f"{72 / (n - 1):.1f}%", "num")] * (n - 1)
    body = [
        _header(_e((unit or "") + doc["title"]), "", unit, ""),
        f"<h2>{_e(table['title'])}</h2>",
        _table(widths, rows, head=[head], cls="year"),
        f'<p class="mark">{_e(table["legend"])}</p>',
        f"<h2>{_e(moved['title'])}</h2>",
        _fields(moved["rows"]),
        _signatures(_("Reported by"), _("Read by the director")),
    ]
    return _page(_e(doc["title"]), body, landscape=True)


def document_page(db: Store, doc: dict[str, Any], landscape: bool = True) -> str:
    """Any report laid out as a document (the one its terminal table and Markdown print) as a
    printable A4 page: its tables and fields, the unit above the title, a sign-off below."""
    body = [_header(_e(doc["title"]), "", unit_name(db), "")]
    if doc.get("empty"):
        body.append(f'<p class="none">{_e(doc["empty"])}</p>')
    for sec in doc.get("sections", []):
        if sec.get("title"):
            body.append(f"<h2>{_e(sec['title'])}</h2>")
        if sec["kind"] == "fields":
            body.append(_fields([(str(a), _text(b)) for a, b in sec["rows"]]))
        elif sec["kind"] == "text":
            body.append(f"<p>{_e(sec['text'])}</p>")
        elif sec["kind"] == "trend":
            body.append(f"<p>{_e(sec['first'])} – {_e(sec['last'])}</p>")
        elif not sec["rows"]:
            body.append(f'<p class="none">{_e(sec.get("empty") or _("Nothing recorded."))}</p>')
        else:
            cols = sec["columns"]
            head = "<tr>" + "".join(f"<th>{_e(_(str(h)))}</th>" for h in sec["headers"]) + "</tr>"
            rows = []
            for r in sec["rows"]:
                cls = ' class="total"' if r.get("_bold") else ""
                cells = []
                for c in cols:
                    v = r.get(c)
                    num = isinstance(v, (int, float)) and not isinstance(v, bool)
                    cells.append(f'<td class="{"num" if num else ""}">{_e(_text(v))}</td>')
                rows.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
            widths = [("", f"{100 / len(cols):.2f}%", "")] * len(cols)
            body.append(_table(widths, rows, head=[head]))
            if sec.get("legend"):
                body.append(f'<p class="mark">{_e(sec["legend"])}</p>')
    body.append(_signatures(_("Reported by"), _("Read by the director")))
    return _page(_e(doc["title"]), body, landscape=landscape)


def _text(value: Any) -> str:
    """A document cell as print shows it: yes/no for a flag, amounts with thousands separated."""
    if value is None:
        return ""
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, float):
        return format_yuan(round(value * 100), grouped=True)
    return str(value)


PAIRING_WIDTHS = [
    "3%",
    "7.5%",
    "7.5%",
    "10%",
    "6%",
    "7%",
    "5%",
    "6%",
    "6.5%",
    "4.5%",
    "6.5%",
    "6.5%",
    "5.5%",
    "5.5%",
    "7%",
    "5.5%",
]


def _pairings(rows: list[dict[str, Any]]) -> str:
    cols = "".join(f'<col style="width:{w}">' for w in PAIRING_WIDTHS)
    head = [
        f'<tr><th rowspan="2">{_("No.")}</th><th rowspan="2">{_("Cadre")}</th>'
        f'<th rowspan="2">{_("Household")}</th><th rowspan="2">{_("Paired")}</th>'
        f'<th rowspan="2">{_("Visits made / required")}</th><th rowspan="2">{_("Compliant")}</th>'
        f'<th colspan="4">{_("Problems")}</th><th rowspan="2">{_("Aid (yuan)")}</th>'
        f'<th colspan="3">{_("Income")}</th><th rowspan="2">{_("Status")}</th>'
        f'<th rowspan="2">{_("Remarks")}</th></tr>',
        f"<tr><th>{_('Raised')}</th><th>{_('Resolved')}</th><th>{_('Escalated')}</th><th>{_('Open')}</th>"
        f"<th>{_('Monthly average')}</th><th>{_('Per person')}</th><th>{_('Change')}</th></tr>",
    ]
    states = {
        "met": "✓",
        "short": "✗ " + _e(_("not met")),
        "pending": _e(_("pending")),
        "future": _e(_("future")),
    }
    body = []
    for n, r in enumerate(rows, 1):
        state = r["state"]
        mark = states.get(state, _e(state))
        paired = (
            _("{since} – {until}").format(since=r["since"], until=r["until"])
            if r["until"]
            else _("{since} –").format(since=r["since"])
        )
        change = "" if r["income_change"] is None else f"{r['income_change']:+.2f}"
        body.append(
            f'<tr class="pairing {state}"><td class="c">{n}</td>'
            f"<td>{_e(r['cadre'])} {_e(r['cadre_name'])}</td>"
            f"<td>{_e(r['household'])} {_e(r['household_name'])}</td><td>{_e(paired)}</td>"
            f'<td class="c">{r["visits"]} / {r["required"]}</td><td class="c state">{mark}</td>'
            f'<td class="num">{r["problems_raised"]}</td><td class="num">{r["problems_solved"]}</td>'
            f'<td class="num">{r["problems_escalated"]}</td><td class="num">{r["problems_open"]}</td>'
            f'<td class="num">{_money(_fen(r["aid_value"]))}</td>'
            f'<td class="num">{_money(_fen(r["income_monthly_avg"]))}</td>'
            f'<td class="num">{_money(_fen(r["income_per_person"]))}</td><td class="num">{change}</td>'
            f'<td class="c">{_word(r["status"])}</td><td></td></tr>'
        )
    compliant = sum(1 for r in rows if r["compliant"] is True)
    foot = [
        f'<tr class="total"><td colspan="4">{_("Total")}</td>'
        f'<td class="c">{sum(r["visits"] for r in rows)} / {sum(r["required"] for r in rows)}</td>'
        f'<td class="c">{compliant} / {len(rows)}</td>'
        + "".join(
            f'<td class="num">{sum(r[k] for r in rows)}</td>'
            for k in ("problems_raised", "problems_solved", "problems_escalated", "problems_open")
        )
        + f'<td class="num">{_money(sum(_fen(r["aid_value"]) for r in rows))}</td>'
        '<td colspan="5"></td></tr>'
    ]
    return "\n".join(
        [
            '<table class="pairings">',
            f"<colgroup>{cols}</colgroup>",
            "<thead>",
            *head,
            "</thead>",
            "<tbody>",
            *body,
            "</tbody>",
            "<tfoot>",
            *foot,
            "</tfoot>",
            "</table>",
        ]
    )


def _totals(t: dict[str, Any]) -> str:
    from .quarter import committee_text, income_text

    rate = f" ({100 * t['compliant'] / t['pairings']:.0f}%)" if t["pairings"] else ""
    kinds = _sep().join(f"{_word(k)} {_money(_fen(v))}" for k, v in t["aid_by_kind"].items())
    statuses = _sep().join(
        f"{_word(k) if k != 'unrecorded' else _('unrecorded')} {v}"
        for k, v in t["households_by_status"].items()
    )
    aid = _money(_fen(t["aid_value"])) + (_paren(kinds) if kinds else "")
    running = " " + _e(_("(in progress: {n} pending)").format(n=t["pending"])) if t.get("in_progress") else ""
    committee = committee_text(t["meetings"], t.get("escalation_days", 30)) if t.get("meetings") else ""
    pairs = [
        (_("Pairings"), _e(t["pairings"]), _("Compliant pairings"), f"{t['compliant']}{rate}{running}"),
        (
            _("Visits this quarter"),
            _e(t["visits"]),
            _("Visits since the programme began"),
            _e(t["visits_cumulative"]),
        ),
        (
            _("Households by status at quarter end"),
            statuses,
            _("Escalated problems open at quarter end"),
            _e(t["problems_open_escalated"]),
        ),
        (
            _("Measures due / done / overdue this quarter"),
            f"{t.get('measures_due', 0)} / {t.get('measures_done', 0)} / {t.get('measures_overdue', 0)}",
            _("Income this quarter (yuan a month)") if "income_households" in t else "",
            _e(income_text(t)) if "income_households" in t else "",
        ),
    ]
    return (
        '<table class="info totals"><colgroup><col style="width:22%"><col style="width:28%">'
        '<col style="width:22%"><col style="width:28%"></colgroup><tbody>'
        + "".join(
            f'<tr class="totals-row"><th>{a}</th><td>{b}</td><th>{c}</th><td>{d}</td></tr>'
            for a, b, c, d in pairs
        )
        + f'<tr class="totals-row"><th>{_("Aid given this quarter, all households (yuan)")}</th>'
        f'<td colspan="3">{aid}</td></tr>'
        + (
            f'<tr class="totals-row"><th>{_("The party committee this quarter")}</th>'
            f'<td colspan="3">{_e(committee)}</td></tr>'
            if committee
            else ""
        )
        + "</tbody></table>"
    )


def _attention(att: dict[str, Any]) -> str:
    """The checks' findings at the quarter's end, one row per kind of finding."""
    from .quarter import attention_lines

    return _fields(attention_lines(att), "attention")


def _fields(lines: list[tuple[str, str]], kind: str = "moved") -> str:
    """(heading, text) rows as a two-column table."""
    rows = "".join(f'<tr class="{kind}"><th>{_e(head)}</th><td>{_e(text)}</td></tr>' for head, text in lines)
    return (
        f'<table class="info {kind}"><colgroup><col style="width:22%"><col style="width:78%">'
        f"</colgroup><tbody>{rows}</tbody></table>"
    )


def _unit_table(data: dict[str, Any]) -> str:
    """`--by unit`: one row per unit, then the totals."""
    columns = [
        (_("Unit"), "12%", ""),
        (_("Pairings"), "6%", "num"),
        (_("Compliant"), "6%", "num"),
        (_("Visits this quarter"), "6%", "num"),
        (_("Visits since the programme began"), "8%", "num"),
        (_("Aid (yuan)"), "9%", "num"),
        *((_word(s), f"{(100 - 47 - 6 - 17) / len(STATUSES):.2f}%", "num") for s in STATUSES),
        (_("Escalated, open"), "6%", "num"),
        (_("Income a month (yuan)"), "9%", "num"),
        (_("Per person (yuan)"), "8%", "num"),
    ]
    rows = []
    for u in [*data["by_unit"], {"unit": _("Total"), **data["totals"], "_total": True}]:
        by_status = u["households_by_status"]
        cells = [
            _e(u["unit"]),
            _e(u["pairings"]),
            _e(u["compliant"]),
            _e(u["visits"]),
            _e(u["visits_cumulative"]),
            _money(_fen(u["aid_value"])),
            *(_e(by_status.get(s, 0)) for s in STATUSES),
            _e(u["problems_open_escalated"]),
            _money(_fen(u["income_monthly"])),
            _money(_fen(u["income_per_person"])),
        ]
        cls = "total" if u.get("_total") else "unit"
        rows.append(
            f'<tr class="{cls}"><td>{cells[0]}</td>'
            + "".join(f'<td class="num">{c}</td>' for c in cells[1:])
            + "</tr>"
        )
    return _table(columns, rows)


# --- the publicity list (公示名单) -----------------------------------------------------------------

PUBLICITY_TITLE = "公示名单"


def publicity_page(db: Store, data: dict[str, Any]) -> str:
    """The publicity list (reports.publicity.build's data) as one printable A4 page, to be posted.

    Only the list's own fields are on it (reports.publicity.COLUMNS): never an ID number, a phone,
    a bank account or a health condition."""
    from .publicity import title

    english = _("Publicity list") != PUBLICITY_TITLE
    sub = _e(title(data)) if english else _e(title(data).replace("公示名单", "").strip(" ，,"))
    body = [_header(PUBLICITY_TITLE, sub, unit_name(db), "")]
    columns = [
        (_("Code"), "8%", "c"),
        (_("Head"), "12%", ""),
        (_("Members"), "7%", "num"),
        (_("Decision"), "13%", "c"),
        (_("From"), "12%", ""),
        (_("Until"), "12%", ""),
        (_("Objections to"), "22%", ""),
        (_("Deciding body"), "14%", ""),
    ]
    rows = [
        f'<tr class="publicity"><td class="c">{_e(r["household"])}</td><td>{_e(r["name"])}</td>'
        f'<td class="num">{_e(r["members"])}</td>'
        f'<td class="c">{_word(r["decision"])}{_paren(_word(r["category"])) if r["category"] else ""}</td>'
        f"<td>{_e(r['publicity_from'])}</td><td>{_e(r['publicity_until'])}</td>"
        f"<td>{_e(r['objections_to'])}</td><td>{_e(r['body'])}</td></tr>"
        for r in data["rows"]
    ]
    if not rows:
        body.append(_none(columns, _("No case is in publicity then.")))
    else:
        body.append(_table(columns, rows))
        note = _(
            "Anyone who objects may say so, in person or in writing, to the office named, until the last"
            " day of the publicity."
        )
        body.append(f"<p>{_e(note)}</p>")
    body.append(_signatures(_("Posted by"), _("Date")))
    return _page(PUBLICITY_TITLE, body)


# --- charts to look at (`aidtrack serve`: /charts/index.html) -------------------------------------


def visits_chart(quarters: list[tuple[str, int, int]]) -> str:
    """Bars of the visits made each quarter with the visits owed (policy visits_per_quarter, scaled
    for pairings active part of the quarter) as a dashed step line; a quarter short of it in red.
    `quarters`: (label, visits made, visits required) in order. Drawn as the register's income chart
    is (`_chart`: the same classes, axis steps and key)."""
    width, height, left, right, top, bottom = 680, 240, 44, 12, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max([*(v for _q, v, _r in quarters), *(r for _q, _v, r in quarters), 1])
    step = max(1.0, _nice_step(highest * 1.05))
    ceiling = math.ceil(highest * 1.05 / step) * step
    band = plot_w / max(len(quarters), 1)

    def y(n: float) -> float:
        return top + plot_h - n / ceiling * plot_h

    named = _("Visits per quarter")
    made_key, owed_key, short_key = _("Visits made"), _("Visits owed"), _("fewer than owed")
    out = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{_e(named)}">']
    tick = 0.0
    while tick <= ceiling + 1e-9:
        ty = y(tick)
        out.append(
            f'<line class="grid" x1="{left}" y1="{ty:.1f}" x2="{width - right}" y2="{ty:.1f}"/>'
            f'<text x="{left - 5}" y="{ty + 3.5:.1f}" font-size="10" text-anchor="end">{tick:g}</text>'
        )
        tick += step
    every = max(1, math.ceil(len(quarters) / 16))
    path = []
    for k, (label, made, owed) in enumerate(quarters):
        x = left + k * band
        bar_y = y(made)
        cls = "bar below" if made < owed else "bar"
        out.append(
            f'<rect class="{cls}" data-quarter="{_e(label)}" x="{x + band * 0.18:.1f}" y="{bar_y:.1f}"'
            f' width="{band * 0.64:.1f}" height="{top + plot_h - bar_y:.1f}">'
            f"<title>{_e(label)}: {made} / {owed}</title></rect>"
        )
        if len(quarters) <= 24:
            out.append(
                f'<text x="{x + band / 2:.1f}" y="{bar_y - 3:.1f}" font-size="8.5" text-anchor="middle">{made}</text>'
            )
        if k % every == 0:
            out.append(
                f'<text x="{x + band / 2:.1f}" y="{top + plot_h + 14}" font-size="9.5"'
                f' text-anchor="middle">{_e(label)}</text>'
            )
        ly = y(owed)
        path.append(f"{'M' if k == 0 else 'L'}{x:.1f},{ly:.1f} L{x + band:.1f},{ly:.1f}")
    if path:
        out.append(f'<path class="line" d="{" ".join(path)}"/>')
    base = top + plot_h
    out.append(
        f'<line class="axis" x1="{left}" y1="{base}" x2="{width - right}" y2="{base}"/>'
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{base}"/>'
        f'<rect class="key" x="{left + 10}" y="6" width="12" height="10"/>'
        f'<text x="{left + 27}" y="15" font-size="10">{_e(made_key)}</text>'
        f'<line class="line" x1="{left + 120}" y1="11" x2="{left + 150}" y2="11"/>'
        f'<text x="{left + 156}" y="15" font-size="10">{_e(owed_key)}</text>'
        f'<rect class="key below" x="{left + 320}" y="6" width="12" height="10"/>'
        f'<text x="{left + 337}" y="15" font-size="10">{_e(short_key)}</text>'
        "</svg>"
    )
    return '<figure class="chart">' + "".join(out) + "</figure>"


def charts_html(
    title: str,
    quarters: list[tuple[str, int, int]],
    households: list[tuple[str, list[dict[str, Any]], dict[str, int], dict[str, int]]],
    left_out: int = 0,
) -> str:
    """The page of charts a director looks at (`aidtrack serve`): visits per quarter, then each
    household's monthly income against its poverty line (the register's chart). `households`: (its
    heading, its income, the poverty line by month, its size by month) each; `left_out`: households
    not drawn (a large register: the first ones by code are)."""
    visits_head, income_head, nothing = (
        _("Visits per quarter"),
        _("Income against the poverty line, by household"),
        _("Nothing recorded."),
    )
    body = [f"<h1>{_e(title)}</h1>", f"<h2>{_e(visits_head)}</h2>"]
    body.append(visits_chart(quarters) if quarters else f'<p class="none">{_e(nothing)}</p>')
    body.append(f"<h2>{_e(income_head)}</h2>")
    for heading, income, lines, sizes in households:
        body += [f"<h3>{_e(heading)}</h3>", _chart(income, lines, sizes)]
    if left_out:
        more = _("{n} more household(s): aidtrack report household CODE --format html").format(n=left_out)
        body.append(f'<p class="none">{_e(more)}</p>')
    return _page(_e(title), body)
