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
#: A household member's relation to the head (户主 / 配偶 / 子女 / 父母 / 其他).
RELATIONS = ("head", "spouse", "child", "parent", "other")
#: A member's health (健康 / 慢性病 / 大病 / 残疾).
HEALTH = ("healthy", "chronic", "serious", "disabled")
#: Where escalated problems are studied: the bureau's party committee or its leading group.
MEETING_KINDS = ("committee", "leading-group")

#: Chinese names of the enumeration values (DOMAIN.md's glossary): shown in Chinese, accepted as input.
ZH_NAMES: dict[str, str] = {
    "enrolled": "帮扶中", "exited": "脱贫", "prosperous": "致富", "relapsed": "返贫",
    "initial": "对接", "regular": "走访", "followup": "回访",
    "project": "帮项目", "funds": "帮资金", "job": "帮就业", "goods": "物资", "medical": "医疗",
    "commerce": "商服业", "husbandry": "养殖业", "transport": "运输", "employment": "安置就业",
    "illness": "疾病", "injury": "受伤", "job_loss": "失业", "disaster": "灾害", "family": "家庭变故",
    "male": "男", "female": "女", "other": "其他",
    "head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母",
    "healthy": "健康", "chronic": "慢性病", "serious": "大病", "disabled": "残疾",
    "committee": "局党委会", "leading-group": "领导小组",
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
        PolicyKey("exit_months", "int", 6, N_("consecutive months above the line to propose exit")),
        PolicyKey("exit_at_line", "int", 1,
                  N_("1: a month exactly at the line counts towards exit; 0: only above it")),
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


def month_end(month: str) -> str:
    """The last day of a YYYY-MM month, as ISO text."""
    import calendar

    y, m = int(month[:4]), int(month[5:7])
    return f"{month}-{calendar.monthrange(y, m)[1]:02d}"
