"""Write tests/data/roster.xlsx: a city office's household roster (花名册) in the shape clerks keep it.

    python tests/make_roster.py            # rewrite tests/data/roster.xlsx

A title row above the header, 序号, dates typed every way Chinese registers write them (`1952.4.17`,
`2003年7月1日`, `2003/7/1`), date cells and Excel serial dates (38169 is 2004-07-01), livelihoods in
words, 是否低保 是/否, an age where the birth date is missing, a cadre helping two households, an
unknown column (备注), a 合计 row and a 填表人 line below the households. tests/test_roster.py
checks the register it imports into against figures worked out by hand from ROWS.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

OUT = Path(__file__).parent / "data" / "roster.xlsx"

HEADER = (
    "序号",
    "户主姓名",
    "性别",
    "出生日期",
    "年龄",
    "身份证号",
    "家庭住址",
    "联系电话",
    "家庭人口",
    "生计",
    "致贫原因",
    "家庭月收入",
    "人均收入",
    "是否低保",
    "帮扶干部",
    "职务",
    "纳入日期",
    "结对日期",
    "备注",
)

# fmt: off
ROWS = (
    (1, "刘香福", "男", "1952.4.17", 51, "230102195204170014", "东风区八道街21号", "8213407", 3, "三轮车运输", "因病、下岗", 450, 150, "否", "吴振国", "局长", "2003年7月1日", "2003/7/8", "胃病"),
    (2, "满运良", "男", dt.date(1949, 11, 20), None, "230102194911200038", "东风区九道街5号", "8213512", 2, "养狗", "因残", 300, 150, "是", "李德明", "副局长", "2003/7/1", "2003.7.8", None),
    (3, "王桂芝", "女", "1955.3.2", None, "230102195503020024", "向阳区二马路14号", None, 4, "开小卖店", "缺资金、子女上学", 600, 150, "否", "张海燕", "纪检组长", dt.date(2003, 7, 1), None, None),
    (4, "赵大林", "男", None, 56, None, "新华街3号", None, 2, "人力三轮", "缺劳动力", 240, 120, "是", "王建军", "办公室主任", 38169, 38176, None),
    (5, "孙秀兰", "女", "1958/6/30", None, "23010219580630004X", "兴安路7号", "13804510022", 3, "保洁", "因病", 360, 120, "是", "吴振国", "局长", "2003.7.1", "2003.7.10", None),
    (6, "周大成", "男", "1950.1.5", None, "230102195001050012", "站前街11号", None, 1, "清雪", "无劳动力", 200, 200, "是", "刘志刚", "工会主席", "2003年7月1日", "2003年7月8日", None),
    (7, "陈玉芬", "女", "1962.9.9", None, "230102196209090026", "光明街2号", None, 5, "养猪", "因学,缺技术", 800, 150, "否", "马丽", "科长", "2003-7-1", "2003-7-8", None),
    (8, "李国庆", "男", "1953.10.1", None, "230102195310010057", "和平路9号", None, 2, "修车", "房屋倒塌", 320, 160, "否", "孙立", "副科长", "2003/7/1", "2003/7/8", None),
    (9, "高凤琴", "女", "1957.12.24", None, "230102195712240023", "北山街6号", None, 3, "食杂店", "因病 因灾", 510, 170, "是", "赵强", "科员", "2003.7.1", "2003.7.8", None),
    (10, "郑春生", "男", "1951.8.12", None, "230102195108120017", "南岗路1号", None, 2, "出租车", "失业", 420, 210, "否", "钱进", "科员", "2003年7月1日", "2003/7/8", None),
)
# fmt: on


def build(path: Path = OUT) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(["某市某局“一帮一”帮扶对象花名册"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(list(HEADER))
    for row in ROWS:
        sheet.append(list(row))
    total = [None] * len(HEADER)
    total[0], total[HEADER.index("家庭月收入")] = "合计", sum(r[HEADER.index("家庭月收入")] for r in ROWS)
    sheet.append(total)
    sheet.append(["填表人：张会计    审核人：李科长"])
    for r in range(3, 3 + len(ROWS)):  # ID and phone numbers typed into text cells, as a clerk must
        for c in (HEADER.index("身份证号") + 1, HEADER.index("联系电话") + 1):
            sheet.cell(row=r, column=c).number_format = "@"
    book.properties.created = book.properties.modified = dt.datetime(2004, 8, 1)
    book.save(path)
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
