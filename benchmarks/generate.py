#!/usr/bin/env python3
"""A deterministic, realistic city dataset for the benchmarks, written as an import bundle of CSV files.

    python benchmarks/generate.py OUT_DIR [--households N] [--years Y] [--seed S] [--units U]
                                          [--end YYYY-MM-DD] [--visits-only N]

Every household is enrolled, paired with its own cadre (some re-paired once), visited about 2.5 times
a quarter (the first visit `initial`, later `regular`, `followup` once out of poverty), has income
recorded every month from enrolment, receives aid, and may exit, prosper or relapse; statuses follow
the income (6 months at or above the poverty line before an exit, a fall after a shock before a
relapse). Visits, problems and income are written in date order, as an export of the register is.

Standalone on purpose (standard library only): the column lists below must equal
the registry's fields (`aidtrack.kinds`), which tests/test_benchmarks.py checks.

`--visits-only N` writes only visits.csv, about N rows for the same households and pairings as the
bundle made with the same --households/--years/--seed/--end: a bigger file for the memory test.
`--units U` writes U bundles OUT_DIR/unit01 … each with its own codes (C00001, H00001 …) and seed;
--households is then the count per unit. Every generated person has an ID number of their own: each
unit's start with its own region (230001, 230002 …), and none repeats within a unit.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
import sys
import time
from bisect import bisect_right
from pathlib import Path

FIELDS: dict[str, tuple[str, ...]] = {
    "cadres": ("code", "name", "unit", "title", "phone"),
    "households": (
        "code",
        "name",
        "members",
        "address",
        "employer",
        "livelihood",
        "born",
        "gender",
        "phone",
        "id_number",
        "id_number_original",
        "tags",
        "enrolled",
    ),
    "statuses": ("household", "status", "date", "reason"),
    "pairings": ("cadre", "household", "since", "until"),
    "visits": ("household", "cadre", "date", "kind", "situation", "solved", "event"),
    "problems": (
        "household",
        "date",
        "kind",
        "problem",
        "escalated",
        "escalated_on",
        "escalated_by",
        "resolved_on",
        "resolution",
    ),
    "income": ("household", "month", "amount", "source"),
    "aid": ("household", "date", "kind", "value", "giver", "note"),
    # Written with their headers only: the households' counted members (#1 …) come from their
    # `members` column; a generated city has no named members and no meetings yet.
    "members": (
        "household",
        "name",
        "relation",
        "born",
        "gender",
        "id_number",
        "id_number_original",
        "health",
        "schooling",
        "work",
        "work_from",
        "work_to",
        "dibao_from",
        "dibao_to",
        "dibao_amount",
        "joined",
        "left_on",
    ),
    "meetings": ("date", "kind", "attendees", "note"),
    "meeting_items": (
        "meeting_date",
        "meeting_kind",
        "household",
        "date",
        "problem",
        "decision",
        "leader",
        "due",
    ),
}

#: Visits planned per pairing per quarter: 2.6, so that about 2.5 are made once the 4% of
#: pairing-quarters in which a cadre falls behind (1 or 2 visits short) are counted.
VISIT_RATE = 2.6
POVERTY_LINE = 200  # yuan per person per month, the built-in policy default
UNIT_NAMES = (
    "市地方税务局",
    "市财政局",
    "市民政局",
    "市劳动和社会保障局",
    "市建设局",
    "市交通局",
    "市卫生局",
    "市教育局",
    "市工商行政管理局",
    "市国土资源局",
    "市审计局",
    "市统计局",
    "市文化局",
    "市粮食局",
    "市水务局",
    "市环保局",
    "市商务局",
    "市司法局",
    "市科技局",
    "市农业局",
)
UNIT_BODY = "局党委"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严武戴莫孔向汤满"
)
GIVEN_MALE = "伟强军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊旭宁龙林国建文志福运良春海德成东山庆生利喜财"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英华玲桂兰红梅琴云凤洁萍燕慧淑珍荣香玉琳素彩春凤"
DISTRICTS = ("道里区", "南岗区", "道外区", "香坊区", "平房区", "松北区", "呼兰区", "阿城区")
STREETS = (
    "中山路",
    "和平街",
    "建设街",
    "胜利路",
    "解放路",
    "工农街",
    "红旗大街",
    "文化街",
    "友谊路",
    "新华街",
    "民主街",
    "光明路",
    "人民路",
    "东风街",
    "学府路",
    "先锋路",
    "安静街",
    "长江路",
    "通江街",
    "河鼓街",
    "大成街",
    "安平街",
    "景阳街",
    "三辅街",
)
EMPLOYERS = (
    "市第一毛纺厂",
    "市第二轻工机械厂",
    "市针织厂",
    "市电机厂",
    "市造纸厂",
    "市橡胶厂",
    "市百货公司",
    "市粮油供应站",
    "市第三建筑公司",
    "市亚麻厂",
    "市量具刃具厂",
    "市车辆厂",
    "市自行车厂",
    "市火柴厂",
    "市服装厂",
    "市副食品商店",
)
DEPARTMENTS = (
    "办公室",
    "政治处",
    "财务科",
    "人事科",
    "监察室",
    "法制科",
    "综合科",
    "征管科",
    "第一分局",
    "第二分局",
    "第三分局",
    "稽查局",
)
STAFF_TITLES = ("科长", "副科长", "主任科员", "副主任科员", "科员", "科员", "办事员")
REGIONS = ("230102", "230103", "230104", "230108", "230109", "230110", "230111", "230112")

SITUATION_REGULAR = (
    "家中生活困难，主要靠低保维持",
    "户主下岗在家，身体状况一般",
    "子女上学费用压力大",
    "房屋破旧，冬季取暖困难",
    "户主有意开小卖部，缺少启动资金",
    "妻子患慢性病，长期服药",
    "家庭收入较上季度有所增加",
    "老人卧病在床，需人照顾",
    "户主情绪低落，做思想工作",
    "正在寻找保安工作",
    "房租到期，住房困难",
    "介绍参加再就业培训",
    "家中无劳动力，生活依靠救济",
    "与户主商量发展养殖项目",
    "帮助办理营业执照",
    "节日走访慰问",
    "了解家庭收支情况",
    "户主打零工，收入不稳定",
    "孩子高考在即，鼓励安心学习",
    "商量购买三轮车跑运输",
)
SITUATION_INITIAL = (
    "对接走访，送去大米、白面、豆油",
    "初次上门，了解家庭基本情况",
    "带医生上门免费体检",
    "与户主结成帮扶对子，商定帮扶计划",
)
SITUATION_FOLLOWUP = (
    "生活稳定，收入正常",
    "已脱贫，继续跟踪回访",
    "小卖部经营正常，月收入六七百元",
    "三轮车运输收入稳定",
    "养殖的狗长势良好",
    "孩子已在公司就业，收入稳定",
    "冬季清雪工作已落实",
    "家庭和睦，孩子学习进步",
    "收入有所下降，需关注",
    "经营状况良好，准备扩大规模",
)
SITUATION_EVENT = {
    "illness": ("户主突发胃病住院手术", "妻子病重住院", "户主查出慢性病，需长期治疗"),
    "injury": ("户主骑三轮车摔伤腿", "干活时受伤在家休养"),
    "job_loss": ("保安工作被辞退，暂无收入", "孩子失业在家", "清雪工作结束，收入中断"),
    "family": ("夫妻离异，生活陷入困境",),
    "disaster": ("房屋漏雨受损，冬季无法居住",),
}
EVENT_WEIGHTS = (
    ("illness", 0.40),
    ("injury", 0.20),
    ("job_loss", 0.25),
    ("family", 0.08),
    ("disaster", 0.07),
)
SOLVED = (
    "送去慰问金二百元",
    "帮助联系医院",
    "协助办理低保",
    "协调社区解决取暖费",
    "购买药品",
    "联系就业岗位",
    "办理营业执照",
    "赠送三轮车篷子",
    "送去米面油",
    "联系学校减免学费",
    "帮助联系货源",
    "讲解再就业优惠政策",
)
PROBLEMS = (
    "医药费无力承担",
    "孩子学费无着落",
    "缺少经营启动资金",
    "住房漏雨需维修",
    "冬季取暖费无力缴纳",
    "需要安排就业岗位",
    "低保手续办理受阻",
    "营业执照办理困难",
    "三轮车被扣，需协调",
    "养殖场地缺少",
    "老人住院无人照顾",
)
RESOLUTIONS = (
    "局党委研究决定资助医药费",
    "联系学校减免学费",
    "干部个人资助一千元",
    "协调社区维修房屋",
    "联系企业安置就业",
    "协调民政部门解决",
    "协调工商部门办理执照",
    "全局党员捐款解决",
    "联系医院减免费用",
)
LIVELIHOODS = (("commerce", 0.2), ("husbandry", 0.2), ("transport", 0.4), ("employment", 0.2))
SOURCE_BY_LIVELIHOOD = {
    "commerce": "小卖部经营",
    "husbandry": "养殖收入",
    "transport": "三轮车运输",
    "employment": "工资",
}
EXIT_REASON = {
    "commerce": "开办小卖部，收入稳定，脱贫",
    "husbandry": "养狗收入稳定，脱贫",
    "transport": "三轮车运输收入稳定，脱贫",
    "employment": "安置就业，收入稳定，脱贫",
}
PROSPER_REASON = ("经营红火，月收入超过千元，致富", "扩大规模，带动邻居，致富", "收入大幅增加，致富")
RELAPSE_REASON = {
    "illness": "户主患病手术，医药费负担重，返贫",
    "injury": "户主受伤无法劳动，返贫",
    "job_loss": "失去工作，收入中断，返贫",
    "family": "家庭变故，生活陷入困境，返贫",
    "disaster": "房屋受灾，生活陷入困境，返贫",
}
PROJECT_NOTE = {"commerce": "小卖部进货资金", "husbandry": "购买种狗五只", "transport": "购买三轮车及车篷"}
JOB_NOTE = ("安排冬季清雪工作", "介绍保安工作", "女儿安置到公司就业", "介绍到饭店打工")


def default_end(today: dt.date | None = None) -> dt.date:
    """The last day of the last full quarter before today."""
    today = today or dt.date.today()
    first_of_quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return first_of_quarter - dt.timedelta(days=1)


def quarter_starts(end: dt.date, years: int) -> list[dt.date]:
    """First days of the 4×years quarters ending with the quarter of `end`, plus the day after `end`."""
    idx = end.year * 4 + (end.month - 1) // 3 - 4 * years + 1
    out = []
    for i in range(idx, idx + 4 * years + 1):
        out.append(dt.date(i // 4, 3 * (i % 4) + 1, 1))
    return out


def month_text(m: int) -> str:
    """A month counted as year × 12 + month − 1, as YYYY-MM."""
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def yuan_text(fen: int) -> str:
    return str(fen // 100) if fen % 100 == 0 else f"{fen // 100}.{fen % 100:02d}"


def id_number(
    rng: random.Random, born: dt.date, male: bool, region: str | None = None, used: set[str] | None = None
) -> str:
    """A valid 18-character ID number; `region` fixes its first 6 digits (a unit's own), `used`
    holds the numbers already given (another sequence number is drawn until it is new)."""
    while True:
        seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
        body = f"{region or rng.choice(REGIONS)}{born:%Y%m%d}{seq:03d}"
        if used is None or body not in used:
            break
    if used is not None:
        used.add(body)
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]


def unit_region(u: int) -> str:
    """Unit u's ID-number region (its first 6 digits), one per unit: 230001, 230002 …, so that no
    two generated people of a multi-unit city share an ID number."""
    if not 1 <= u <= 69999:
        raise ValueError(f"unit {u}: at most 69,999 units")
    return f"{230000 + u:06d}"


def weighted(rng: random.Random, table) -> str:
    x = rng.random()
    for value, w in table:
        x -= w
        if x < 0:
            return value
    return table[-1][0]


class Household:
    """One household's life in the register, as day numbers counted from the dataset's first day."""

    __slots__ = (
        "code",
        "members",
        "enrol",
        "pairings",
        "statuses",
        "status_days",
        "levels",
        "level_months",
        "livelihood",
        "second",
        "shock",
        "row",
    )


class City:
    """The plan of one unit: households, their pairings and status changes. Small (no visits)."""

    def __init__(
        self, households: int, years: int, seed: int, end: dt.date, unit: str, region: str | None = None
    ):
        self.n, self.years, self.seed, self.unit = households, years, seed, unit
        self.region = region  # the ID numbers' first 6 digits: each unit its own, so none repeats
        self.used_ids: set[str] = set()
        q = quarter_starts(end, years)
        self.start, self.end = q[0], end
        self.quarters = [((a - q[0]).days, (b - q[0]).days - 1) for a, b in zip(q, q[1:])]
        self.days = (end - self.start).days + 1
        self.iso = [(self.start + dt.timedelta(days=i)).isoformat() for i in range(self.days)]
        self.month_of_day = [int(s[:4]) * 12 + int(s[5:7]) - 1 for s in self.iso]
        self.first_month = self.month_of_day[0]
        self.last_month = self.month_of_day[-1]
        # first day of each month, as a day number (for month → day look-ups)
        self.month_start = {}
        for i, m in enumerate(self.month_of_day):
            self.month_start.setdefault(m, i)
        self.width = max(5, len(str(households + households // 10 + 1)))
        self.reserve = max(1, math.ceil(households * 0.1))
        self.cadre_count = households + self.reserve
        self._next_reserve = 0  # re-paired households take the reserve cadres in turn
        rng = random.Random(f"aidtrack-bench/{seed}/plan")
        self.households = [self._plan(rng, i) for i in range(households)]

    def ccode(self, i: int) -> str:
        return f"C{i + 1:0{self.width}d}"

    def hcode(self, i: int) -> str:
        return f"H{i + 1:0{self.width}d}"

    def _plan(self, rng: random.Random, i: int) -> Household:
        h = Household()
        h.code = self.hcode(i)
        last = self.days - 1
        h.enrol = (
            rng.randrange(0, min(30, self.days))
            if rng.random() < 0.85
            else rng.randrange(0, max(1, self.days // 2))
        )
        h.members = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))
        # pairings: (cadre index, since, until or None); some re-paired once, never overlapping
        h.pairings = [[i, h.enrol, None]]
        if rng.random() < 0.08 and last - h.enrol > 150:
            switch = rng.randrange(h.enrol + 90, last - 30)
            h.pairings[0][2] = switch - 1
            h.pairings.append([self.n + self._next_reserve % self.reserve, switch, None])
            self._next_reserve += 1
        # status changes and the income they follow
        statuses = [(h.enrol, "enrolled", "enrolled")]
        enrolled_pp = rng.randint(80, 170)
        levels = [(self.month_of_day[h.enrol], enrolled_pp)]
        h.livelihood = None
        h.shock = None
        exit_day = h.enrol + rng.randint(300, 730)
        if rng.random() < 0.45 and exit_day <= last:
            h.livelihood = weighted(rng, LIVELIHOODS)
            statuses.append((exit_day, "exited", EXIT_REASON[h.livelihood]))
            exited_pp = rng.randint(235, 380)
            levels.append((self.month_of_day[exit_day] - 6, exited_pp))
            after = exit_day
            if rng.random() < 0.4:
                p = exit_day + rng.randint(180, 540)
                levels.append((self.month_of_day[min(p, last)] - 3, rng.randint(450, 900)))
                if p <= last:
                    statuses.append((p, "prosperous", rng.choice(PROSPER_REASON)))
                after = p
            if rng.random() < 0.15:
                s = after + rng.randint(120, 600)
                if s <= last:
                    event = rng.choice(("illness", "illness", "injury", "job_loss", "family"))
                    h.shock = (s, event)
                    levels.append((self.month_of_day[s], rng.randint(40, 150)))
                    r = s + rng.randint(10, 45)
                    if r <= last:
                        statuses.append((r, "relapsed", RELAPSE_REASON[event]))
                        x2 = r + rng.randint(270, 540)
                        if rng.random() < 0.5 and x2 <= last:
                            statuses.append((x2, "exited", EXIT_REASON[h.livelihood]))
                            levels.append((self.month_of_day[x2] - 6, exited_pp))
        h.statuses = statuses
        h.status_days = [d for d, _, _ in statuses]
        levels.sort()
        h.level_months = [m for m, _ in levels]
        h.levels = [pp for _, pp in levels]
        h.second = rng.random() < 0.10
        # the household row
        male = rng.random() < 0.55
        given = GIVEN_MALE if male else GIVEN_FEMALE
        name = rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 2))))
        enrol_date = self.start + dt.timedelta(days=h.enrol)
        age = rng.randint(36, 62)
        born = dt.date(enrol_date.year - age, rng.randint(1, 12), rng.randint(1, 28))
        tags = []
        if (not male and age >= 40) or (male and age >= 50):
            tags.append("4050")
        if rng.random() < 0.3:
            tags.append("低保")
        if rng.random() < 0.05:
            tags.append("残疾")
        address = f"{rng.choice(DISTRICTS)}{rng.choice(STREETS)}{rng.randint(1, 300)}号" + (
            f"{rng.randint(1, 6)}单元{rng.randint(1, 7)}0{rng.randint(1, 4)}室"
            if rng.random() < 0.7
            else "平房"
        )
        h.row = (
            h.code,
            name,
            h.members,
            address,
            rng.choice(EMPLOYERS) if rng.random() < 0.8 else "",
            h.livelihood or "",
            born.isoformat(),
            "male" if male else "female",
            f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            id_number(rng, born, male, self.region, self.used_ids),
            "",  # id_number_original: a generated city holds 18-character numbers only
            ",".join(tags),
            self.iso[h.enrol],
        )
        return h

    def status_on(self, h: Household, day: int) -> str:
        return h.statuses[bisect_right(h.status_days, day) - 1][1]

    # -- writers -------------------------------------------------------------------------------

    def write_cadres(self, w) -> int:
        rng = random.Random(f"aidtrack-bench/{self.seed}/cadres")
        for i in range(self.cadre_count):
            male = rng.random() < 0.6
            given = GIVEN_MALE if male else GIVEN_FEMALE
            name = rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2))))
            if i == 0:
                title = "局长"
            elif i < 5:
                title = "副局长"
            else:
                title = rng.choice(DEPARTMENTS) + rng.choice(STAFF_TITLES)
            w.writerow((self.ccode(i), name, self.unit, title, f"13{rng.randrange(10**9):09d}"))
        return self.cadre_count

    def write_households(self, w) -> int:
        for h in self.households:
            w.writerow(h.row)
        return self.n

    def write_statuses(self, w) -> int:
        """Changes after enrolment (the enrolled status comes with the household's `enrolled`)."""
        n = 0
        for h in self.households:
            for day, status, reason in h.statuses[1:]:
                w.writerow((h.code, status, self.iso[day], reason))
                n += 1
        return n

    def write_pairings(self, w) -> int:
        n = 0
        for h in self.households:
            for cadre, since, until in h.pairings:
                w.writerow(
                    (self.ccode(cadre), h.code, self.iso[since], "" if until is None else self.iso[until])
                )
                n += 1
        return n

    def expected_visit_weight(self) -> float:
        """Pairing-quarters (partial quarters pro rata): visits = rate × this, roughly."""
        total = 0.0
        last = self.days - 1
        for h in self.households:
            for _, since, until in h.pairings:
                hi = last if until is None else until
                for qa, qb in self.quarters:
                    lo, up = max(qa, since), min(qb, hi)
                    if lo <= up:
                        total += (up - lo + 1) / (qb - qa + 1)
        return total

    def write_visits(self, wv, wp, rate: float = VISIT_RATE) -> tuple[int, int]:
        """Quarter by quarter, sorted by date: visits, and (if wp) the problems raised at them."""
        rng = random.Random(f"aidtrack-bench/{self.seed}/visits/{rate}")
        prng = random.Random(f"aidtrack-bench/{self.seed}/problems")
        iso, last = self.iso, self.days - 1
        nv = npr = 0
        for qa, qb in self.quarters:
            qdays = qb - qa + 1
            batch = []
            for hi_, h in enumerate(self.households):
                for cadre, since, until in h.pairings:
                    lo, up = max(qa, since), min(qb, last if until is None else until)
                    if lo > up:
                        continue
                    expected = rate * (up - lo + 1) / qdays
                    count = int(expected) + (rng.random() < expected - int(expected))
                    if rng.random() < 0.04:
                        count -= rng.randint(1, 2)
                    fixed = []
                    if lo == since:
                        fixed.append((since, h.shock[1] if h.shock and h.shock[0] == since else None))
                    if h.shock and lo <= h.shock[0] <= up and h.shock[0] != since:
                        fixed.append(h.shock)
                    count = min(max(count, len(fixed)), up - lo + 1)
                    days = fixed
                    need = count - len(fixed)
                    if need > 0:
                        taken = {d for d, _ in fixed}
                        pool = rng.sample(range(lo, up + 1), min(up - lo + 1, need + len(taken)))
                        days = fixed + [(d, None) for d in pool if d not in taken][:need]
                    ccode = self.ccode(cadre)
                    for day, event in days:
                        if day == since:
                            kind = "initial"
                        elif self.status_on(h, day) in ("exited", "prosperous"):
                            kind = "followup"
                        else:
                            kind = "regular"
                        if event is None and rng.random() < 0.015:
                            event = weighted(rng, EVENT_WEIGHTS)
                        if event:
                            situation = rng.choice(SITUATION_EVENT[event])
                        elif kind == "initial":
                            situation = rng.choice(SITUATION_INITIAL)
                        elif kind == "followup":
                            situation = rng.choice(SITUATION_FOLLOWUP)
                        else:
                            situation = rng.choice(SITUATION_REGULAR)
                        solved = rng.choice(SOLVED) if rng.random() < 0.6 else ""
                        batch.append((day, hi_, kind, h.code, ccode, situation, solved, event or ""))
            batch.sort()
            for day, _, kind, hcode, ccode, situation, solved, event in batch:
                wv.writerow((hcode, ccode, iso[day], kind, situation, solved, event))
                if wp is not None and prng.random() < (0.5 if event else 0.045):
                    escalated = prng.random() < (0.5 if event else 0.12)
                    resolved = ""
                    if prng.random() < 0.8:
                        r = day + prng.randint(10 if escalated else 2, 90 if escalated else 45)
                        resolved = iso[r] if r <= last else ""
                    wp.writerow(
                        (
                            hcode,
                            iso[day],
                            kind,
                            prng.choice(PROBLEMS),
                            "1" if escalated else "0",
                            iso[day] if escalated else "",
                            "",
                            resolved,
                            prng.choice(RESOLUTIONS) if resolved else "",
                        )
                    )
                    npr += 1
            nv += len(batch)
        return nv, npr

    def write_income(self, w) -> int:
        """Month by month: every household from its enrolment month, a month missing now and then."""
        rng = random.Random(f"aidtrack-bench/{self.seed}/income")
        n = 0
        enrol_month = [self.month_of_day[h.enrol] for h in self.households]
        for m in range(self.first_month, self.last_month + 1):
            month = month_text(m)
            for h, em in zip(self.households, enrol_month):
                if m < em or (m > em and rng.random() < 0.02):
                    continue
                pp = h.levels[bisect_right(h.level_months, m) - 1]
                fen = round(pp * h.members * rng.uniform(0.92, 1.08) * 100)
                if rng.random() < 0.7:
                    fen = fen // 100 * 100
                day = self.month_start[m]
                status = self.status_on(h, day)
                out = h.livelihood and pp >= POVERTY_LINE and status != "relapsed"
                source = SOURCE_BY_LIVELIHOOD[h.livelihood] if out else "打零工"
                if h.second and rng.random() < 0.5:
                    extra = fen * rng.randint(20, 35) // 10000 * 100
                    w.writerow((h.code, month, yuan_text(fen - extra), source))
                    w.writerow((h.code, month, yuan_text(extra), "子女补贴" if out else "低保金"))
                    n += 2
                else:
                    w.writerow((h.code, month, yuan_text(fen), source))
                    n += 1
        return n

    def write_aid(self, w) -> int:
        rng = random.Random(f"aidtrack-bench/{self.seed}/aid")
        last, n = self.days - 1, 0

        def giver(h: Household, day: int, body_share: float) -> str:
            if rng.random() < body_share:
                return UNIT_BODY
            for cadre, since, until in h.pairings:
                if since <= day and (until is None or day <= until):
                    return self.ccode(cadre)
            return UNIT_BODY

        def put(h: Household, day: int, kind: str, fen: int, who: str, note: str) -> None:
            nonlocal n
            if 0 <= day <= last:
                w.writerow((h.code, self.iso[day], kind, yuan_text(fen), who, note))
                n += 1

        for h in self.households:
            rows = []
            if rng.random() < 0.5:
                rows.append((h.enrol, "medical", 200_00, UNIT_BODY, "对接时组织医生免费体检"))
            first_year, last_year = (self.start + dt.timedelta(days=h.enrol)).year, self.end.year
            for year in range(first_year, last_year + 1):
                base = (dt.date(year, 1, 1) - self.start).days
                if rng.random() < 0.9:
                    d = base + rng.randint(14, 40)
                    rows.append(
                        (
                            d,
                            "goods",
                            rng.randint(10, 30) * 10_00,
                            giver(h, d, 0.5),
                            "春节慰问：大米一袋、白面一袋、豆油一桶",
                        )
                    )
                if rng.random() < 0.5:
                    d = base + rng.randint(250, 265)
                    rows.append((d, "goods", rng.randint(5, 15) * 10_00, giver(h, d, 0.5), "中秋节慰问品"))
                if rng.random() < 0.25:
                    d = base + rng.randint(0, 364)
                    rows.append(
                        (
                            d,
                            "funds",
                            rng.randint(2, 10) * 100_00,
                            giver(h, d, 0.1),
                            rng.choice(("慰问金", "资助子女学费", "干部个人资助")),
                        )
                    )
                if rng.random() < 0.1:
                    d = base + rng.randint(0, 364)
                    rows.append((d, "medical", rng.randint(20, 40) * 10_00, giver(h, d, 0.6), "购买药品"))
            if h.livelihood and len(h.statuses) > 1:
                exit_day = h.statuses[1][0]
                d = exit_day - rng.randint(60, 200)
                if h.livelihood == "employment":
                    rows.append((d, "job", 0, giver(h, d, 0.3), rng.choice(JOB_NOTE)))
                else:
                    rows.append(
                        (
                            d,
                            "project",
                            rng.randint(7, 30) * 100_00,
                            giver(h, d, 0.3),
                            PROJECT_NOTE[h.livelihood],
                        )
                    )
            if h.shock:
                d = h.shock[0] + rng.randint(1, 10)
                rows.append(
                    (
                        d,
                        "medical" if h.shock[1] in ("illness", "injury") else "funds",
                        rng.randint(2, 40) * 100_00,
                        giver(h, d, 0.6),
                        "返贫后紧急救助",
                    )
                )
            seen = set()
            for d, kind, fen, who, note in sorted(rows, key=lambda r: r[0]):
                if d >= h.enrol and (d, kind, fen, who) not in seen:
                    seen.add((d, kind, fen, who))
                    put(h, d, kind, fen, who, note)
        return n


def open_csv(path: Path, kind: str):
    f = path.open("w", encoding="utf-8", newline="")
    w = csv.writer(f, lineterminator="\n")
    w.writerow(FIELDS[kind])
    return f, w


def write_bundle(city: City, out: Path) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    files = {kind: open_csv(out / f"{kind}.csv", kind) for kind in FIELDS}
    try:
        counts["cadres"] = city.write_cadres(files["cadres"][1])
        counts["households"] = city.write_households(files["households"][1])
        counts["statuses"] = city.write_statuses(files["statuses"][1])
        counts["pairings"] = city.write_pairings(files["pairings"][1])
        counts["visits"], counts["problems"] = city.write_visits(files["visits"][1], files["problems"][1])
        counts["income"] = city.write_income(files["income"][1])
        counts["aid"] = city.write_aid(files["aid"][1])
    finally:
        for f, _ in files.values():
            f.close()
    return counts


def write_visits_only(city: City, out: Path, rows: int) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    rate = rows / max(city.expected_visit_weight(), 1e-9)
    f, w = open_csv(out / "visits.csv", "visits")
    try:
        nv, _ = city.write_visits(w, None, rate)
    finally:
        f.close()
    return {"visits": nv}


def generate(
    out: Path,
    households: int = 20000,
    years: int = 5,
    seed: int = 1,
    units: int = 1,
    end: dt.date | None = None,
    visits_only: int | None = None,
) -> dict[str, dict[str, int]]:
    """Write the bundle(s); returns the row count of every file, per unit directory."""
    end = end or default_end()
    result = {}
    for u in range(1, units + 1):
        target = out / f"unit{u:0{max(2, len(str(units)))}d}" if units > 1 else out
        unit_seed = seed if units == 1 else seed * 1000 + u
        city = City(
            households,
            years,
            unit_seed,
            end,
            UNIT_NAMES[(u - 1) % len(UNIT_NAMES)],
            unit_region(u) if units > 1 else None,
        )
        if visits_only is not None:
            result[str(target)] = write_visits_only(city, target, visits_only)
        else:
            result[str(target)] = write_bundle(city, target)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="output directory")
    ap.add_argument("--households", type=int, default=20000, help="households (per unit)")
    ap.add_argument("--years", type=int, default=5, help="years of history")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--units", type=int, default=1, help="unit bundles (OUT/unit01 …) when more than 1")
    ap.add_argument(
        "--end",
        type=dt.date.fromisoformat,
        default=None,
        help="last day of the data (default: end of the last full quarter before today)",
    )
    ap.add_argument(
        "--visits-only",
        type=int,
        default=None,
        metavar="N",
        help="write only visits.csv, about N rows, for the same households and pairings",
    )
    args = ap.parse_args(argv)
    if args.households < 1 or args.years < 1 or args.units < 1:
        ap.error("--households, --years and --units must be at least 1")
    t0 = time.perf_counter()
    result = generate(
        args.out, args.households, args.years, args.seed, args.units, args.end, args.visits_only
    )
    for target, counts in result.items():
        print(target + ": " + ", ".join(f"{k} {v}" for k, v in counts.items()), file=sys.stderr)
    print(f"generated in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
