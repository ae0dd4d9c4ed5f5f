"""The programme's vocabulary (DOMAIN.md's glossary) as plain values: no I/O, no third-party imports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .i18n import N_, _, language

STATUSES = ("enrolled", "exited", "prosperous", "relapsed")
OUT_OF_POVERTY = ("exited", "prosperous")
VISIT_KINDS = ("initial", "regular", "followup")
EVENTS = ("illness", "injury", "job_loss", "disaster", "family", "other")
AID_KINDS = ("project", "funds", "job", "goods", "medical", "other")
LIVELIHOODS = ("commerce", "husbandry", "transport", "employment", "other")
GENDERS = ("male", "female")

#: Chinese names of the enumeration values (DOMAIN.md's glossary): shown in Chinese, accepted as input.
ZH_NAMES: dict[str, str] = {
    "enrolled": "帮扶中", "exited": "脱贫", "prosperous": "致富", "relapsed": "返贫",
    "initial": "对接", "regular": "走访", "followup": "回访",
    "project": "帮项目", "funds": "帮资金", "job": "帮就业", "goods": "物资", "medical": "医疗",
    "commerce": "商服业", "husbandry": "养殖业", "transport": "运输", "employment": "安置就业",
    "illness": "疾病", "injury": "受伤", "job_loss": "失业", "disaster": "灾害", "family": "家庭变故",
    "male": "男", "female": "女", "other": "其他",
}
FROM_ZH: dict[str, str] = {zh: en for en, zh in ZH_NAMES.items()}


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
        if self.value is None or self.value == "":
            return _("{field}: {message}").format(field=self.field, message=self.message)
        return _("{field}: {message} (got {value})").format(field=self.field, message=self.message,
                                                          value=repr(self.value))


@dataclass(frozen=True)
class PolicyKey:
    name: str
    kind: str  # "money" (stored as fen), "int", "pct"
    default: int
    help: str


POLICY_KEYS: dict[str, PolicyKey] = {
    k.name: k
    for k in (
        PolicyKey("poverty_line", "money", 200_00, N_("poverty line, yuan per person per month")),
        PolicyKey("visits_per_quarter", "int", 2, N_("visits each pairing owes per quarter")),
        PolicyKey("followup_days", "int", 90, N_("longest gap between follow-ups of an exited household")),
        PolicyKey("relapse_months", "int", 3, N_("recorded months averaged for the below-line test")),
        PolicyKey("drop_pct", "int", 30, N_("fall of the latest month, in %, that counts as a drop")),
        PolicyKey("drop_baseline_months", "int", 6, N_("months before the latest one it is compared to")),
        PolicyKey("shock_days", "int", 90, N_("how long a shock event keeps a household at risk")),
        PolicyKey("stale_months", "int", 3, N_("full months without income that count as no_income")),
        PolicyKey("exit_months", "int", 6, N_("recorded months at or above the line to propose exit")),
        PolicyKey("escalation_days", "int", 30, N_("days an escalated problem may stay open")),
        PolicyKey("score_visits", "int", 40, N_("assessment points for visits made against required")),
        PolicyKey("score_compliance", "int", 20, N_("assessment points for quarters compliant")),
        PolicyKey("score_problems", "int", 20, N_("assessment points for problems solved of raised")),
        PolicyKey("score_outcomes", "int", 20, N_("assessment points for households out of poverty")),
        PolicyKey("score_relapse_penalty", "int", 10, N_("points taken per household that relapsed")),
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


def format_yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


# --- one household, one plan (一户一策) and the monitoring after exit (防止返贫动态监测) ---------------

#: Causes of poverty (致贫原因), a fixed list.
CAUSES = ("illness", "disability", "schooling", "disaster", "laid_off", "lack_labour", "lack_skills",
          "lack_funds", "weak_motivation", "other")
#: Kinds of measure (帮扶措施) of a plan.
MEASURE_KINDS = ("project", "funds", "job", "goods", "medical", "schooling", "housing", "social_security",
                 "training", "other")
MEASURE_STATUSES = ("planned", "in_progress", "done", "dropped")
#: Measures still to be carried out.
OPEN_MEASURES = ("planned", "in_progress")
#: Who found a job placement.
FOUND_BY = ("cadre", "unit", "self")
#: Monitoring categories (监测对象类型).
MONITOR_CATEGORIES = ("unstable", "marginal", "sudden")

ZH_NAMES.update({
    "disability": "残疾", "schooling": "教育", "laid_off": "失业下岗", "lack_labour": "缺劳动力",
    "lack_skills": "缺技术", "lack_funds": "缺资金", "weak_motivation": "自身发展动力不足",
    "housing": "住房", "social_security": "社会保障", "training": "技能培训",
    "planned": "计划", "in_progress": "实施中", "done": "已完成", "dropped": "已取消",
    "cadre": "帮扶干部", "unit": "帮扶单位", "self": "自主",
    "unstable": "脱贫不稳定户", "marginal": "边缘易致贫户", "sudden": "突发严重困难户",
})
FROM_ZH.update({zh: en for en, zh in ZH_NAMES.items()})
FROM_ZH.update({"因病": "illness", "因残": "disability", "因学": "schooling", "因灾": "disaster"})

POLICY_KEYS.update({
    k.name: k
    for k in (
        PolicyKey("watch_ratio", "pct", 150,
                  N_("monitoring line as % of the poverty line (150 = 1.5 times); 1.5 is read as 150")),
        PolicyKey("stable_months", "int", 6,
                  N_("ended months above the monitoring line before risk elimination")),
    )
})
