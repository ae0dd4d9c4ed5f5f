"""The programme's vocabulary (docs/glossary.md) as plain values: no I/O, no third-party imports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .i18n import N_, _, column, language

STATUSES = ("enrolled", "exited", "prosperous", "relapsed")
OUT_OF_POVERTY = ("exited", "prosperous")
VISIT_KINDS = ("initial", "regular", "followup")
EVENTS = ("illness", "injury", "job_loss", "disaster", "family", "other")
AID_KINDS = ("project", "funds", "job", "goods", "medical", "other")
#: Whose money an aid record was (出资方): a cadre's own, the unit's, another body's, fees waived.
AID_SOURCES = ("cadre", "unit", "other", "waived")
LIVELIHOODS = ("commerce", "husbandry", "transport", "employment", "other")
GENDERS = ("male", "female")
#: A household member's relation to the head (户主 / 配偶 / 子女 / 父母 / 其他).
RELATIONS = ("head", "spouse", "child", "parent", "other")
#: A member's health (健康 / 慢性病 / 大病 / 残疾).
HEALTH = ("healthy", "chronic", "serious", "disabled")
#: Where escalated problems are studied: the bureau's party committee or its leading group.
MEETING_KINDS = ("committee", "leading-group")

#: Chinese names of the enumeration values (docs/glossary.md): shown in Chinese, accepted as input.
ZH_NAMES: dict[str, str] = {
    "enrolled": "帮扶中",
    "exited": "脱贫",
    "prosperous": "致富",
    "relapsed": "返贫",
    "initial": "对接",
    "regular": "走访",
    "followup": "回访",
    "project": "项目扶持",
    "funds": "资金扶持",
    "job": "就业安置",
    "goods": "物资慰问",
    "medical": "医疗救助",
    "commerce": "商服业",
    "husbandry": "养殖业",
    "transport": "运输",
    "employment": "安置就业",
    "illness": "疾病",
    "injury": "受伤",
    "job_loss": "失业",
    "disaster": "灾害",
    "family": "家庭变故",
    "male": "男",
    "female": "女",
    "other": "其他",
    "head": "户主",
    "spouse": "配偶",
    "child": "子女",
    "parent": "父母",
    "healthy": "健康",
    "chronic": "慢性病",
    "serious": "大病",
    "disabled": "残疾",
    "committee": "局党委会",
    "leading-group": "领导小组",
}
FROM_ZH: dict[str, str] = {
    # the seed's own words for the three helps, still read as typed
    "帮项目": "project",
    "帮资金": "funds",
    "帮就业": "job",
    "物资": "goods",
    "医疗": "medical",
    **{zh: en for en, zh in ZH_NAMES.items()},
}

#: How a clerk's roster describes a livelihood, read as the enumeration (docs/import-format.md).
LIVELIHOOD_WORDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "商业",
            "服务业",
            "商服",
            "小卖店",
            "小卖部",
            "食杂店",
            "杂货店",
            "商店",
            "开商店",
            "开小卖店",
            "开食杂店",
            "摆摊",
            "小吃部",
            "饭店",
            "理发",
            "修车",
        ),
        "commerce",
    ),
    **dict.fromkeys(("养殖", "养狗", "养猪", "养鸡", "养鸭", "养羊", "养牛", "养鱼"), "husbandry"),
    **dict.fromkeys(
        ("运输业", "三轮车", "三轮车运输", "蹬三轮", "拉脚", "货运", "出租车", "人力三轮"), "transport"
    ),
    **dict.fromkeys(
        ("就业", "再就业", "安置", "打工", "务工", "保安", "清雪", "环卫", "保洁", "上班"), "employment"
    ),
}


#: Why a household out of poverty is at risk of relapse (checks.relapse), and the words a screen shows
#: for each (the codes stay in JSON and CSV).
REASONS = ("shock", "income_drop", "below_line", "no_income")
REASON_NAMES = {
    "shock": N_("shock"),
    "income_drop": N_("income drop"),
    "below_line": N_("below the line"),
    "no_income": N_("no income recorded"),
}

#: Fields named in errors that are not a record's field (those take their column's Chinese name):
#: options and arguments, marked here so that a Chinese error names them in Chinese too.
OTHER_FIELDS = (
    N_("as-of"),
    N_("changed-since"),
    N_("db"),
    N_("dest"),
    N_("dir"),
    N_("escalate"),
    N_("file"),
    N_("format"),
    N_("from"),
    N_("headers"),
    N_("limit"),
    N_("out"),
    N_("partition"),
    N_("period"),
    N_("quarter"),
    N_("src"),
    N_("text"),
    N_("unit-name"),
    N_("year"),
)


def label(value: str | None) -> str | None:
    """An enumeration value as a person reads it: 脱贫 for `exited` in Chinese, as stored in English.

    Other codes (record kinds, reasons, merge outcomes) go through the catalog.
    """
    if value is None or language() == "en":
        return value
    return ZH_NAMES.get(value) or _(value)


#: The date before any real one: the effective date of the built-in policy defaults.
EPOCH = dt.date(1900, 1, 1)


class AidtrackError(Exception):
    """A user-facing error: names the field and the value, so the CLI prints one clear line."""

    def __init__(self, field: str, value: object, message: str):
        self.field = field
        self.value = value
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        """`born: …` in English; in Chinese the field's Chinese name (出生日期：…), never the English one."""
        field = self.field if language() == "en" or self.field.startswith("-") else column(self.field)
        if self.value is None or self.value == "":
            return _("{field}: {message}").format(field=field, message=self.message)
        return _("{field}: {message} (got {value})").format(
            field=field, message=self.message, value=repr(self.value)
        )


@dataclass(frozen=True)
class PolicyKey:
    name: str
    kind: str  # "money" (stored as fen), "int", "pct", "date", "steps", "text" (in `policy.text`)
    default: int
    help: str
    #: The bounds `policy set` accepts (fen for money): a value outside would break later checks
    #: (a date 100,000,000 days back, a window wider than any register).
    minimum: int = 0
    maximum: int = 100
    #: Its Chinese name, shown beside the key on a Chinese screen; `policy set` takes it too (单位名称).
    zh: str = ""


def policy_name(key: str) -> str:
    """A policy key as the interface shows it: poverty_line, in Chinese poverty_line（贫困线）."""
    spec = POLICY_KEYS.get(key)
    if language() == "en" or spec is None or not spec.zh:
        return key
    return f"{key}（{spec.zh}）"


POLICY_KEYS: dict[str, PolicyKey] = {
    k.name: k
    for k in (
        PolicyKey(
            "poverty_line",
            "money",
            200_00,
            N_("poverty line, yuan per person per month"),
            0,
            10_000_000,
            zh="贫困线",
        ),
        PolicyKey(
            "visits_per_quarter",
            "int",
            2,
            N_("visits each pairing owes per quarter"),
            1,
            90,
            zh="每季应走访次数",
        ),
        PolicyKey(
            "followup_days",
            "int",
            90,
            N_("longest gap between follow-ups of an exited household"),
            1,
            3_660,
            zh="回访间隔天数",
        ),
        PolicyKey(
            "relapse_months",
            "int",
            3,
            N_("recorded months averaged for the below-line test"),
            1,
            120,
            zh="返贫测算月数",
        ),
        PolicyKey(
            "drop_pct",
            "int",
            30,
            N_("fall of the latest month, in %, that counts as a drop"),
            0,
            100,
            zh="收入骤降幅度",
        ),
        PolicyKey(
            "drop_baseline_months",
            "int",
            6,
            N_("months before the latest one it is compared to"),
            1,
            120,
            zh="骤降对比月数",
        ),
        PolicyKey(
            "shock_days",
            "int",
            90,
            N_("how long a shock event keeps a household at risk"),
            1,
            3_660,
            zh="突发变故风险天数",
        ),
        PolicyKey(
            "stale_months",
            "int",
            3,
            N_("full months without income that count as no_income"),
            1,
            120,
            zh="收入未登记月数",
        ),
        PolicyKey(
            "exit_months",
            "int",
            6,
            N_("consecutive months above the line to propose exit"),
            1,
            120,
            zh="脱贫所需月数",
        ),
        PolicyKey(
            "exit_at_line",
            "int",
            0,
            N_(
                "0 (default): only a month strictly above the line counts towards exit; 1: one at it counts too"
            ),
            0,
            1,
            zh="等于贫困线计入脱贫",
        ),
        PolicyKey(
            "escalation_days",
            "int",
            30,
            N_(
                "days an escalated problem may stay open; in the assessment, days to solve or escalate a"
                " problem in time"
            ),
            1,
            3_660,
            zh="问题处理时限",
        ),
        PolicyKey(
            "score_visits",
            "int",
            40,
            N_("assessment points for visits, each quarter's credited up to its requirement"),
            0,
            100,
            zh="走访分值",
        ),
        PolicyKey(
            "score_compliance",
            "int",
            20,
            N_("assessment points for pairings that met their quarter"),
            0,
            100,
            zh="达标对子分值",
        ),
        PolicyKey(
            "score_problems",
            "int",
            20,
            N_("assessment points for problems handled (solved or escalated) of handled + overdue"),
            0,
            100,
            zh="问题处理分值",
        ),
        PolicyKey(
            "score_outcomes",
            "int",
            20,
            N_("assessment points for outcomes: prosperous full credit, exited part of it"),
            0,
            100,
            zh="帮扶成效分值",
        ),
        PolicyKey(
            "score_plans",
            "int",
            10,
            N_(
                "assessment points for plan measures done by their due date; causes and no plan earn none"
                " (0: not scored)"
            ),
            0,
            100,
            zh="帮扶措施分值",
        ),
        PolicyKey(
            "score_relapse_penalty",
            "int",
            10,
            N_("points taken per household whose shock or income drop got no visit within followup_days"),
            0,
            100,
            zh="未及时回访扣分",
        ),
        PolicyKey(
            "outcome_exited_pct",
            "int",
            60,
            N_("credit of an exited household, in % of a prosperous one"),
            0,
            100,
            zh="脱贫成效系数",
        ),
        PolicyKey(
            "grade_excellent", "int", 90, N_("lowest rate graded excellent (优秀)"), 0, 101, zh="优秀得分率"
        ),
        PolicyKey("grade_pass", "int", 75, N_("lowest rate graded pass (合格)"), 0, 101, zh="合格得分率"),
        PolicyKey(
            "grade_basic",
            "int",
            60,
            N_("lowest rate graded basic pass (基本合格); below it: fail (不合格)"),
            0,
            101,
            zh="基本合格得分率",
        ),
        PolicyKey(
            "grade_min_coverage_pct",
            "int",
            50,
            N_("share of the period's days, in %, a cadre must have held pairings to be graded"),
            0,
            100,
            zh="评定等次最低结对比例",
        ),
    )
}


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> dt.date:
        return self.next().start - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    def prev(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    def months(self) -> list[str]:
        return [f"{self.year:04d}-{m:02d}" for m in range(3 * self.q - 2, 3 * self.q + 1)]

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"


def period_name(label: str) -> str:
    """A quarter (2004Q3) or a year (2004) as the interface names it: 2004年第三季度, 2004年度."""
    if language() != "en" and len(label) == 4 and label.isdigit():
        return f"{label}年度"
    return quarter_name(label)


def quarter_name(label: str) -> str:
    """A quarter as the interface names it: 2004Q3 in English, 2004年第三季度 in Chinese."""
    if language() == "en" or len(label) != 6 or label[4] != "Q" or label[5] not in "1234":
        return label
    return f"{label[:4]}年第{'一二三四'[int(label[5]) - 1]}季度"


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(month: str, n: int) -> str:
    """Shift a YYYY-MM month by n months (n may be negative)."""
    y, m = int(month[:4]), int(month[5:7])
    idx = y * 12 + (m - 1) + n
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def yuan(fen: int | None) -> float | None:
    """Fen as a number of yuan for JSON output; storage and sums stay integer fen."""
    return None if fen is None else round(fen / 100, 2)


def format_yuan(fen: int | None, grouped: bool = False) -> str:
    """Fen as yuan with two decimals; `grouped`: thousands separated, as print shows it (4,350.00)."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    whole = f"{fen // 100:,}" if grouped else str(fen // 100)
    return f"{sign}{whole}.{fen % 100:02d}"


# --- one household, one plan (一户一策) and the monitoring after exit (防止返贫动态监测) ---------------

#: Causes of poverty (致贫原因), a fixed list.
CAUSES = (
    "illness",
    "disability",
    "schooling",
    "disaster",
    "laid_off",
    "lack_labour",
    "lack_skills",
    "lack_funds",
    "weak_motivation",
    "other",
)
#: Kinds of measure (帮扶措施) of a plan.
MEASURE_KINDS = (
    "project",
    "funds",
    "job",
    "goods",
    "medical",
    "schooling",
    "housing",
    "social_security",
    "training",
    "other",
)
MEASURE_STATUSES = ("planned", "in_progress", "done", "dropped")
#: Who found a job placement.
FOUND_BY = ("cadre", "unit", "self")
#: Monitoring categories (监测对象类型).
MONITOR_CATEGORIES = ("unstable", "marginal", "sudden")
#: Kinds of spending (支出): 医疗, 教育, 住房, 灾害, 其他 (medical and schooling are unavoidable costs).
SPENDING_KINDS = ("medical", "schooling", "housing", "disaster", "other")

ZH_NAMES.update(
    {
        "disability": "残疾",
        "schooling": "教育",
        "laid_off": "失业下岗",
        "lack_labour": "缺劳动力",
        "lack_skills": "缺技术",
        "lack_funds": "缺资金",
        "weak_motivation": "自身发展动力不足",
        "housing": "住房",
        "social_security": "社会保障",
        "training": "技能培训",
        "planned": "计划",
        "in_progress": "实施中",
        "done": "已完成",
        "dropped": "已取消",
        "cadre": "帮扶干部",
        "unit": "帮扶单位",
        "self": "自主",
        "unstable": "脱贫不稳定户",
        "marginal": "边缘易致贫户",
        "sudden": "突发严重困难户",
        "waived": "减免费用",
    }
)
FROM_ZH.update({zh: en for en, zh in ZH_NAMES.items()})
FROM_ZH.update({"干部个人": "cadre", "个人": "cadre", "单位": "unit", "其他单位": "other", "免收": "waived"})
FROM_ZH.update({"因病": "illness", "因残": "disability", "因学": "schooling", "因灾": "disaster"})

#: How a clerk's roster words a cause of poverty (致贫原因), read as the enumeration (docs/roster.md).
#: A cause's Chinese name and the FROM_ZH words (因病 …) are read as well.
CAUSE_WORDS: dict[str, str] = {
    **dict.fromkeys(("患病", "生病", "大病", "重病", "慢性病", "病"), "illness"),
    **dict.fromkeys(("残疾人", "伤残", "肢残", "智残"), "disability"),
    **dict.fromkeys(("上学", "子女上学", "学费", "供学生"), "schooling"),
    **dict.fromkeys(("受灾", "自然灾害"), "disaster"),
    **dict.fromkeys(("下岗", "失业", "下岗失业", "企业破产", "破产", "买断"), "laid_off"),
    **dict.fromkeys(("缺劳力", "缺少劳动力", "无劳动力", "丧失劳动能力", "劳动力弱"), "lack_labour"),
    **dict.fromkeys(("缺少技术", "无技术", "没技术", "缺技能"), "lack_skills"),
    **dict.fromkeys(("缺少资金", "无资金", "没资金"), "lack_funds"),
    **dict.fromkeys(("动力不足", "发展动力不足", "内生动力不足"), "weak_motivation"),
}

POLICY_KEYS.update(
    {
        k.name: k
        for k in (
            PolicyKey(
                "watch_ratio",
                "pct",
                150,
                N_("monitoring line as % of the poverty line (150 = 1.5 times); 1.5 is read as 150"),
                100,
                1_000,
                zh="监测线比例",
            ),
            PolicyKey(
                "prosper_ratio",
                "pct",
                200,
                N_(
                    "致富 (prosperous): income per person over the last prosper_months recorded months at"
                    " least this % of the poverty line (200 = twice the line), or a --reason saying why"
                ),
                100,
                1_000,
                zh="致富收入比例",
            ),
            PolicyKey(
                "prosper_months",
                "int",
                6,
                N_("recorded months (ended by the status's date) the 致富 income test averages"),
                1,
                24,
                zh="致富测算月数",
            ),
            PolicyKey(
                "large_cost",
                "money",
                5_000_00,
                N_(
                    "a cost (支出) left after reimbursement of at least this many yuan is large: a"
                    " sudden-hardship lead (突发严重困难户), unsettled for settle_months"
                ),
                1_00,
                10_000_000_00,
                zh="大额支出标准",
            ),
            PolicyKey(
                "settle_months",
                "int",
                12,
                N_("months after which a large cost not reimbursed counts as settled (borne)"),
                1,
                120,
                zh="大额支出结清月数",
            ),
            PolicyKey(
                "id_check",
                "int",
                1,
                N_(
                    "1: an ID number that fails GB 11643 (length, birth date, check character) is refused;"
                    " 0: stored with a warning (back-filling old paper registers)"
                ),
                0,
                1,
                zh="身份证号校验",
            ),
            PolicyKey(
                "stable_months",
                "int",
                6,
                N_(
                    "risk elimination (风险消除) needs this many months under monitoring and its ended"
                    " months at or above the monitoring line"
                ),
                1,
                120,
                zh="风险消除监测月数",
            ),
            PolicyKey(
                "problem_overdue_days",
                "int",
                90,
                N_(
                    "assessment: overdue days one unhandled problem may cost in all; each overdue day costs"
                    " (problem days overdue ÷ pairing days) of the problems points"
                ),
                1,
                3_660,
                zh="问题超期计扣天数",
            ),
            PolicyKey(
                "veto_missed_quarter",
                "int",
                3,
                N_(
                    "assessment veto: the best year grade for a cadre with a quarter of no visit to a household"
                    " paired all that quarter: 2 pass, 3 basic pass, 4 fail, 0 no veto"
                ),
                0,
                4,
                zh="整季未走访否决",
            ),
            PolicyKey(
                "grade_set",
                "int",
                0,
                N_(
                    "assessment grade names: 0 优秀/合格/基本合格/不合格, 1 优秀/称职/基本称职/不称职 (civil service)"
                ),
                0,
                1,
                zh="考核等次名称",
            ),
            PolicyKey(
                "excellent_share_pct",
                "int",
                0,
                N_(
                    "assessment: most cadres graded excellent, in % of those graded, by rank, ties shown (0: no cap)"
                ),
                0,
                100,
                zh="优秀比例上限",
            ),
            PolicyKey(
                "records_until",
                "date",
                0,
                N_(
                    "the day the register's records stop (an archive's as-of day): reports score up to it,"
                    " everything after it is provisional (0: none)"
                ),
                0,
                99_991_231,
                zh="记录截止日",
            ),
        )
    }
)


def month_end(month: str) -> str:
    """The last day of a YYYY-MM month, as ISO text (asked once per household-month by reports)."""
    end = _MONTH_ENDS.get(month)
    if end is None:
        import calendar

        y, m = int(month[:4]), int(month[5:7])
        end = _MONTH_ENDS[month] = f"{month}-{calendar.monthrange(y, m)[1]:02d}"
    return end


_MONTH_ENDS: dict[str, str] = {}

# --- decisions (研判认定): cases and their steps (docs/decisions.md) -------------------------------

#: What a case decides about a household.
DECISIONS = ("enrol", "exit", "prosper", "relapse", "monitor", "eliminate", "rollback")
#: The status an approved case writes (monitor and eliminate write a monitoring entry instead,
#: rollback undoes the case it names).
DECISION_STATUS = {"enrol": "enrolled", "exit": "exited", "prosper": "prosperous", "relapse": "relapsed"}
#: How a lead came in: the household asked, a cadre found it at a visit, another department's data.
CHANNELS = ("self_report", "cadre_check", "dept_warning")
#: The steps of a case, in their usual order; `objection` is one objection raised during publicity.
STEPS = (
    "consent",
    "verification",
    "crosscheck",
    "appraisal",
    "publicity",
    "objection",
    "review",
    "approval",
    "notice",
)
#: Where a case stands.
CASE_OUTCOMES = ("open", "approved", "refused", "withdrawn")
#: What a step found.
STEP_OUTCOMES = ("passed", "failed")

ZH_NAMES.update(
    {
        "enrol": "纳入帮扶",
        "exit": "脱贫退出",
        "prosper": "致富认定",
        "relapse": "返贫认定",
        "monitor": "纳入监测",
        "eliminate": "风险消除",
        "rollback": "回退",
        "self_report": "农户自主申报",
        "cadre_check": "干部排查",
        "dept_warning": "部门筛查预警",
        "consent": "授权",
        "verification": "入户核实",
        "crosscheck": "信息比对",
        "appraisal": "民主评议",
        "publicity": "公示",
        "objection": "异议",
        "review": "审核",
        "approval": "审批",
        "notice": "公告",
        "open": "办理中",
        "approved": "已批准",
        "refused": "不予批准",
        "withdrawn": "已撤回",
        "passed": "通过",
        "failed": "未通过",
    }
)
FROM_ZH.update({zh: en for en, zh in ZH_NAMES.items()})


def steps_mask(names: tuple[str, ...] | list[str]) -> int:
    """Steps as the integer a policy value stores: one bit per step of STEPS."""
    return sum(1 << STEPS.index(n) for n in set(names))


def steps_of(mask: int) -> tuple[str, ...]:
    return tuple(s for i, s in enumerate(STEPS) if mask >> i & 1)


def date_value(day: dt.date) -> int:
    """A date as the integer a policy value stores (20040701)."""
    return day.year * 10000 + day.month * 100 + day.day


def value_date(value: int) -> dt.date:
    return dt.date(value // 10000, value // 100 % 100, value % 100)


#: The steps each decision needs before its approval, by default (docs/decisions.md): a unit changes
#: them with `policy set steps_exit verification,publicity`.
DEFAULT_STEPS = {
    "enrol": ("consent", "verification", "appraisal", "publicity"),
    "exit": ("verification", "appraisal", "publicity"),
    "prosper": ("verification", "publicity"),
    "relapse": ("verification", "appraisal", "publicity"),
    "monitor": ("consent", "verification"),
    "eliminate": ("verification", "publicity"),
    "rollback": ("verification",),
}

#: Field evidence of a visit filled in on a phone (docs/phones.md): when a second look is due; and
#: the limits and steps of a decision (docs/decisions.md).
POLICY_KEYS.update(
    {
        k.name: k
        for k in (
            PolicyKey(
                "evidence_late_days",
                "int",
                2,
                N_("days after a visit's date its phone form may be started before check visits asks why"),
                0,
                3_660,
                zh="表单迟填天数",
            ),
            PolicyKey(
                "evidence_distance_m",
                "int",
                1_000,
                N_(
                    "metres between a visit's recorded place and the household's before check visits asks why"
                ),
                1,
                20_000_000,
                zh="走访位置偏差米数",
            ),
            PolicyKey(
                "cases_from",
                "date",
                date_value(EPOCH),
                N_("from this day on a status is changed only by an approved case (earlier: history)"),
                date_value(EPOCH),
                99991231,
                zh="案件认定起始日",
            ),
            PolicyKey(
                "intake_days",
                "int",
                15,
                N_("days from a lead to the decision of its case"),
                1,
                3_660,
                zh="案件办结时限",
            ),
            PolicyKey(
                "publicity_days", "int", 5, N_("shortest publicity (公示), in days"), 1, 3_660, zh="公示天数"
            ),
            *(
                PolicyKey(
                    f"steps_{d}",
                    "steps",
                    steps_mask(DEFAULT_STEPS[d]),
                    N_("steps a case needs before its approval"),
                    0,
                    steps_mask(STEPS),
                    zh=ZH_NAMES[d] + "必经环节",
                )
                for d in DECISIONS
            ),
        )
    }
)


#: Text settings (stored in `policy.text`, `value` 0 beside it; dated like every other).
POLICY_KEYS.update(
    {
        "unit_name": PolicyKey(
            "unit_name",
            "text",
            0,
            N_(
                "the unit's name (帮扶单位) in the title of the quarter report and the printed pages; none:"
                " the cadres' unit"
            ),
            0,
            0,
            zh="单位名称",
        )
    }
)
