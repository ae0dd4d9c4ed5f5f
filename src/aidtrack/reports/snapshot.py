"""A register to look at in a browser (`aidtrack serve`): a redacted snapshot and its metadata.

Datasette reads a SQLite file; hiding a table or a column there is not redaction (a hidden table
is still served at its own address), so the snapshot is a new file holding only what may be shown:
each record kind's public rows after the one masking rule of `--redact` (names keep their first
character; ID number, phone and address absent, not blanked), free text with every name of the
register masked, codes beside their Chinese names, money in yuan, and the reports a director
reads (the quarters' totals, the attention list, monitoring, the assessment) as tables. The
metadata gives Chinese titles and column descriptions, facets and canned queries.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

from ..i18n import choose, language
from ..kinds import KINDS, kind
from ..model import ZH_NAMES, Quarter
from ..ops.rules.redact import HIDDEN_FIELDS, NAME_FIELDS, Redactor, mask_name, redactor
from ..store import Store

#: Each kind's title in the browser.
TITLES = {
    "cadres": "帮扶干部",
    "households": "帮扶对象",
    "statuses": "帮扶状态",
    "pairings": "帮扶对子",
    "visits": "走访记录（跟踪问效登记）",
    "problems": "发现的问题",
    "income": "家庭月收入",
    "causes": "致贫原因",
    "measures": "帮扶措施（一户一策）",
    "aid": "帮扶记录",
    "jobs": "就业安置",
    "monitoring": "防止返贫监测",
    "members": "家庭成员",
    "meetings": "局党委会",
    "meeting_items": "局党委会研究事项",
    "quarter_totals": "季度汇总",
    "attention": "需局长关注的事项",
    "assessment": "干部考核",
    "quarter_notes": "典型事例",
}
#: The link to the page of charts, and the tables it draws.
CHARTS_LINK = ' <a href="/charts/index.html">看图表：各季度走访、各户收入与贫困线</a>'
CHARTED = ("quarter_totals", "income", "visits", "households")
#: Facets a director filters by, where a table has the column.
FACETS = (
    "status",
    "status_name",
    "category_name",
    "cadre",
    "quarter",
    "kind_name",
    "grade_name",
    "giver_type_name",
)
#: Columns never written to a snapshot: hidden by the masking rule.
ABSENT = set(HIDDEN_FIELDS)


def _people(db: Store) -> Redactor:
    """Every name and secret of the register (ops.rules.redact.redactor: the one masking rule)."""
    return redactor(db)


#: Names a column gives its codes where the shared names would mislead (aid's giver_type: whose money).
COLUMN_NAMES = {
    "giver_type": {"cadre": "干部个人出资", "unit": "帮扶单位", "other": "其他单位", "waived": "减免费用"}
}


def _zh(value: Any, column: str = "") -> Any:
    if not isinstance(value, str):
        return value
    return COLUMN_NAMES.get(column, {}).get(value) or ZH_NAMES.get(value, value)


def _kind_rows(db: Store, name: str, people: Redactor, full: bool) -> tuple[list[str], list[list[Any]]]:
    k = kind(name)
    cur = db.execute(k.select + f" ORDER BY {k.order}")
    cols = [d[0] for d in cur.description]
    enums = {f.name for f in k.fields if f.type == "enum"}
    money = k.money
    out_cols: list[str] = []
    for c in cols:
        if not full and c in ABSENT:
            continue
        out_cols.append(c)
        if c in enums:
            out_cols.append(f"{c}_name")
    rows = []
    for r in cur:
        rec = dict(zip(cols, r))
        row: list[Any] = []
        for c in out_cols:
            if c.endswith("_name") and c[: -len("_name")] in enums:
                row.append(_zh(rec[c[: -len("_name")]], c[: -len("_name")]))
                continue
            v = rec[c]
            if c in money and isinstance(v, int):
                v = round(v / 100, 2)  # a read-only view: yuan to display, the register keeps fen
            elif not full and isinstance(v, str):
                v = mask_name(v) if c in NAME_FIELDS else people.mask(v)
            row.append(v)
        rows.append(row)
    return out_cols, rows


def _write(conn: sqlite3.Connection, table: str, cols: list[str], rows: list[list[Any]]) -> None:
    conn.execute(f"CREATE TABLE [{table}] ({', '.join(f'[{c}]' for c in cols)})")
    conn.executemany(f"INSERT INTO [{table}] VALUES ({', '.join('?' * len(cols))})", rows)


def _quarters(db: Store, today: dt.date) -> list[Quarter]:
    """The quarters from the first pairing to the last record (a visit, aid, status) or today,
    whichever is earlier: no row for the empty years after a register's last entry."""
    first = db.execute("SELECT min(since) FROM pairings").fetchone()[0]
    if not first:
        return []
    latest = db.execute(
        "SELECT max(d) FROM (SELECT max(date) AS d FROM visits UNION ALL SELECT max(date) FROM aid"
        " UNION ALL SELECT max(date) FROM statuses)"
    ).fetchone()[0]
    end = min(today, dt.date.fromisoformat(latest)) if latest else today
    q, last, out = Quarter.of(dt.date.fromisoformat(first)), Quarter.of(end), []
    while q <= last:
        out.append(q)
        q = q.next()
    return out


def build(
    db: Store,
    path: Path,
    today: dt.date,
    full: bool = False,
    attention: dict[str, Any] | None = None,
    charts: Path | None = None,
) -> dict[str, Any]:
    """Write the snapshot to `path` (a new file) and return Datasette's metadata for it.

    Without `full`: redacted as `--redact` (the file holds no name, ID number, phone or address of
    the register). With `full`: the same tables unredacted (the office's own view, behind sign-in).
    `attention`: checks.attention.run's findings, for the attention table (the CLI runs the check).
    `charts`: a folder to write the page of charts into (`index.html`, served as /charts/ by
    Datasette's --static; the metadata links to it), redacted as the snapshot is.
    """
    from . import cadres as cadre_report
    from . import quarter as quarter_report

    people = _people(db)
    conn = sqlite3.connect(path)
    try:
        for name in KINDS:
            cols, rows = _kind_rows(db, name, people, full)
            _write(conn, name, cols, rows)
        totals, visits = [], []
        for q in _quarters(db, today):
            data = quarter_report.build(db, q, today)
            t = data["totals"]
            visits.append((str(q), t["visits"], sum(p["required"] for p in data["pairings"])))
            by = t["households_by_status"]
            totals.append(
                [
                    str(q),
                    t["pairings"],
                    t["compliant"],
                    t["visits"],
                    t["visits_cumulative"],
                    t["aid_value"],
                    by.get("enrolled", 0),
                    by.get("exited", 0),
                    by.get("prosperous", 0),
                    by.get("relapsed", 0),
                    t["income_monthly"],
                    t["meetings"]["held"],
                ]
            )
        _write(
            conn,
            "quarter_totals",
            [
                "quarter",
                "pairings",
                "compliant",
                "visits",
                "visits_cumulative",
                "aid_yuan",
                "enrolled",
                "exited",
                "prosperous",
                "relapsed",
                "income_monthly_yuan",
                "meetings_held",
            ],
            totals,
        )
        _write(conn, "attention", ["as_of", "finding", "detail"], _attention(attention, people, full))
        assessed = []
        for year in sorted({q.year for q in _quarters(db, today)}):
            data = cadre_report.build(db, dt.date(year, 1, 1), dt.date(year, 12, 31), str(year), today)
            for c in data["cadres"]:
                assessed.append(
                    [
                        str(year),
                        c["cadre"],
                        c["cadre_name"] if full else mask_name(c["cadre_name"]),
                        c["visits"],
                        c["visits_required"],
                        c["score"],
                        c["grade"],
                        _zh(c["grade"]),
                        int(bool(c["provisional"])),
                    ]
                )
        _write(
            conn,
            "assessment",
            [
                "year",
                "cadre",
                "cadre_name",
                "visits",
                "visits_required",
                "score",
                "grade",
                "grade_name",
                "provisional",
            ],
            assessed,
        )
        conn.commit()
    finally:
        conn.close()
    if charts is not None:
        write_charts(db, charts, visits)
    return metadata(path, full, charts is not None)


#: The households drawn on the page of charts, the first by code (each chart is a few kilobytes).
CHART_HOUSEHOLDS = 100


def write_charts(db: Store, folder: Path, visits: list[tuple[str, int, int]]) -> Path:
    """The page of charts (reports.html.charts_html): visits per quarter, and each household's
    income against its poverty line as the register draws it. Names are masked even for --full:
    Datasette serves static files without its sign-in, and a chart needs only the code."""
    from ..ops.rules.policy import Policy
    from .household import income_by_month
    from .html import charts_html

    policy = Policy(db)
    drawn: list[tuple[str, list[dict[str, Any]], dict[str, int], dict[str, int]]] = []
    left_out = 0
    for hid, code, name in db.execute("SELECT id, code, name FROM households ORDER BY code"):
        income, sizes = income_by_month(db, hid)
        if not income:
            continue
        if len(drawn) == CHART_HOUSEHOLDS:
            left_out += 1
            continue
        lines = {m: policy.value("poverty_line", f"{m}-01") for m in sizes}
        drawn.append((f"{code} {mask_name(name)}", income, lines, sizes))
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "index.html"
    before = language()
    choose("zh")  # Chinese, as the snapshot's titles are, whatever the interface language
    try:
        text = charts_html(CHARTS_TITLE, visits, drawn, left_out)
    finally:
        choose(before)
    page.write_text(text, encoding="utf-8")
    return page


CHARTS_TITLE = "图表：走访与收入"


def _attention(att: dict[str, Any] | None, people: Redactor, full: bool) -> list[list[Any]]:
    """The quarter report's attention list (checks.attention's, given by the caller), one row per
    kind of finding, its text with the register's names masked."""
    from .quarter import attention_lines

    if att is None:
        return []
    return [[att["as_of"], head, text if full else people.mask(text)] for head, text in attention_lines(att)]


COLUMN_ZH = {
    "code": "编号",
    "name": "姓名（已脱敏）",
    "household": "帮扶对象编号",
    "household_name": "帮扶对象（已脱敏）",
    "cadre": "帮扶干部编号",
    "cadre_name": "帮扶干部（已脱敏）",
    "date": "日期",
    "kind": "类型代码",
    "kind_name": "类型",
    "status": "状态代码",
    "status_name": "状态",
    "value": "金额（元）",
    "amount": "金额（元）",
    "quarter": "季度",
    "aid_yuan": "帮扶金额（元）",
    "income_monthly_yuan": "月收入合计（元）",
    "visits": "走访次数",
    "score": "得分",
    "grade_name": "等级",
}


def metadata(path: Path, full: bool, charts: bool = False) -> dict[str, Any]:
    """Datasette's metadata: Chinese titles, column descriptions, facets and canned queries; with
    `charts`, a link to the page of charts (/charts/index.html) on the home page and beside the
    tables it draws."""
    conn = sqlite3.connect(path)
    try:
        tables = {
            n: [r[1] for r in conn.execute(f"PRAGMA table_info([{n}])")]
            for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    finally:
        conn.close()
    db_name = path.stem
    meta: dict[str, Any] = {
        "title": "“一帮一”帮扶登记册" + ("" if full else "（脱敏快照）"),
        "description_html": "帮扶对象、走访、帮扶、收入与考核。"
        + ("" if full else "姓名只保留首字；身份证号、电话、住址不在此快照中。")
        + (CHARTS_LINK if charts else ""),
        "databases": {
            db_name: {
                "title": "登记册",
                "tables": {
                    t: {
                        "title": TITLES.get(t, t),
                        **({"description_html": CHARTS_LINK} if charts and t in CHARTED else {}),
                        "columns": {c: COLUMN_ZH[c] for c in cols if c in COLUMN_ZH},
                        **(
                            {"facets": [c for c in FACETS if c in cols]}
                            if any(c in cols for c in FACETS)
                            else {}
                        ),
                    }
                    for t, cols in tables.items()
                },
                "queries": {
                    "quarter_totals": {
                        "title": "各季度汇总",
                        "sql": "SELECT * FROM quarter_totals ORDER BY quarter",
                        **({"description_html": CHARTS_LINK} if charts else {}),
                    },
                    "attention": {"title": "需局长关注的事项", "sql": "SELECT * FROM attention"},
                    "monitoring": {
                        "title": "防止返贫监测对象",
                        "sql": "SELECT household, household_name, category_name, date, ended_on FROM monitoring"
                        " ORDER BY date",
                    },
                    "assessment": {
                        "title": "干部考核",
                        "sql": "SELECT * FROM assessment ORDER BY year, score DESC",
                    },
                },
            }
        },
    }
    if full:
        meta["allow"] = {"id": "root"}
    return meta
