"""Writes the phone fixtures beside this script, by hand, in the exports' documented column shapes.

- central.zip: ODK Central's CSV export (Submissions → Download → CSV): the form's main CSV
  `aidtrack_visit.csv` and one CSV per repeat group, `aidtrack_visit-problems.csv`, tied by
  PARENT_KEY. Group paths joined with `-`, the geopoint as four columns, SubmissionDate first, the
  instance's meta-instanceID, then KEY, SubmitterID, SubmitterName, AttachmentsPresent,
  AttachmentsExpected, Status, ReviewState, DeviceID, Edits, FormVersion last.
- central-edited.csv: the same form's main CSV downloaded again after the first submission was
  edited on the server (Edits 1, a corrected situation).
- kobo.xlsx: KoboToolbox's XLS export (XML values and headers, group separator `/`): the main
  sheet named after the form's title, then a sheet per repeat group whose rows point at the main
  sheet's _index by _parent_index.

Run it (python tests/data/phones/make.py) after changing a row; the files are committed.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
VERSION = "e614195cb021"

CENTRAL_MAIN = [
    "SubmissionDate", "start", "end", "today", "deviceid", "username", "cadre", "household", "date",
    "kind", "situation", "solved", "event", "location-Latitude", "location-Longitude",
    "location-Altitude", "location-Accuracy", "income-month", "income-amount", "income-source",
    "meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
    "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion",
]  # fmt: skip
A = "uuid:6f1c2d3e-0a4b-4c5d-8e9f-101112131415"
B = "uuid:7a2b3c4d-1e5f-4a6b-9c7d-202122232425"
C = "uuid:8b3c4d5e-2f6a-4b7c-8d9e-303132333435"
CENTRAL_ROWS = [
    [
        "2004-10-12T02:10:44.512Z", "2004-10-12T09:05:11.000+08:00", "2004-10-12T09:31:52.000+08:00",
        "2004-10-12", "collect:Q1aZ7kYbP2xw", "wuzhenguo", "C01", "H01", "2004-10-12", "regular",
        "三轮车活多，收入稳定", "换了车胎", "", "45.7612", "126.6421", "152.3", "4.8", "2004-10", "780",
        "三轮车运输", A, A, "5", "吴振国", "0", "0", "", "", "collect:Q1aZ7kYbP2xw", "0", VERSION,
    ],
    [
        "2004-10-20T08:40:02.101Z", "2004-10-20T16:02:40.000+08:00", "2004-10-20T16:20:05.000+08:00",
        "2004-10-20", "collect:R8bM2nTcQ4vz", "chenlihua", "C02", "H02", "2004-10-15", "followup",
        "补记五天前的回访：身体好转", "", "", "", "", "", "", "", "", "",
        B, B, "6", "陈立华", "0", "0", "", "approved", "collect:R8bM2nTcQ4vz", "0", VERSION,
    ],
    [
        "2004-10-19T06:00:00.000Z", "2004-10-19T13:10:00.000+08:00", "2004-10-19T13:12:00.000+08:00",
        "2004-10-19", "collect:S3cN4pUdR6wa", "zhanghongwei", "C03", "H03", "2004-10-19", "regular",
        "测试填写", "", "", "", "", "", "", "", "", "",
        C, C, "7", "张宏伟", "0", "0", "", "rejected", "collect:S3cN4pUdR6wa", "0", VERSION,
    ],
]  # fmt: skip
CENTRAL_REPEAT = [
    "problem",
    "escalated",
    "escalated_on",
    "escalated_by",
    "resolved_on",
    "resolution",
    "PARENT_KEY",
    "KEY",
]
CENTRAL_PROBLEMS = [
    ["孩子学费还差800元", "no", "", "", "", "", A, f"{A}/problems[1]"],
    ["三轮车需要换胎", "no", "", "", "2004-10-12", "干部出资换胎", A, f"{A}/problems[2]"],
]

KOBO_MAIN = [
    "start", "end", "today", "deviceid", "username", "cadre", "household", "date", "kind",
    "situation", "solved", "event", "location", "_location_latitude", "_location_longitude",
    "_location_altitude", "_location_precision", "income/month", "income/amount", "income/source",
    "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by",
    "__version__", "_tags", "_index",
]  # fmt: skip
K1 = "9c4d5e6f-3a7b-4c8d-9e0f-404142434445"
K2 = "ad5e6f70-4b8c-4d9e-8f10-505152535455"
KOBO_ROWS = [
    [
        "2004-10-21T10:02:33.120+08:00", "2004-10-21T10:40:12.004+08:00", "2004-10-21",
        "collect:T5dP6qVeS8xb", "zhaoshulan", "C05", "H05", "2004-10-21", "regular",
        "养狗场扩到八只", "", "", "45.7301 126.6502 150 5", "45.7301", "126.6502", "150", "5",
        "2004-10", "850", "养狼狗", 301, K1, "2004-10-22T03:11:09", "", "", "submitted_via_web",
        "zhaoshulan", "vKbq4Yt8GJ", "", 1,
    ],
    [
        "2004-10-22T15:20:00.000+08:00", "2004-10-22T15:45:30.000+08:00", "2004-10-22",
        "collect:U7eQ8rWfT0yc", "gaoyujie", "C11", "H07", "2004-10-22", "followup",
        "早点铺生意正常", "", "", "", "", "", "", "", "", "", "", 302, K2, "2004-10-23T01:02:03",
        "Approved", "", "submitted_via_web", "gaoyujie", "vKbq4Yt8GJ", "", 2,
    ],
]  # fmt: skip
KOBO_REPEAT = [
    "problems/problem", "problems/escalated", "problems/escalated_on", "problems/escalated_by",
    "problems/resolved_on", "problems/resolution", "_index", "_parent_table_name", "_parent_index",
    "_submission__id", "_submission__uuid", "_submission__submission_time",
    "_submission__validation_status", "_submission__notes", "_submission__status",
    "_submission__submitted_by", "_submission___version__", "_submission__tags",
]  # fmt: skip
KOBO_PROBLEMS = [
    [
        "养狗场需要贷款担保", "yes", "2004-10-21", "赵淑兰", "", "", 1, "帮扶走访登记", 1, 301, K1,
        "2004-10-22T03:11:09", "", "", "submitted_via_web", "zhaoshulan", "vKbq4Yt8GJ", "",
    ],
]  # fmt: skip


def _csv(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def main() -> None:
    import openpyxl

    with zipfile.ZipFile(HERE / "central.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (
            ("aidtrack_visit.csv", _csv(CENTRAL_MAIN, CENTRAL_ROWS)),
            ("aidtrack_visit-problems.csv", _csv(CENTRAL_REPEAT, CENTRAL_PROBLEMS)),
        ):
            info = zipfile.ZipInfo(name, date_time=(2004, 10, 23, 0, 0, 0))
            z.writestr(info, data, zipfile.ZIP_DEFLATED)
    edited = [list(r) for r in CENTRAL_ROWS]
    edited[0][CENTRAL_MAIN.index("situation")] = "三轮车活多，收入稳定；孩子学费已由单位解决"
    edited[0][CENTRAL_MAIN.index("income-amount")] = "800"
    edited[0][CENTRAL_MAIN.index("Edits")] = "1"
    edited[0][CENTRAL_MAIN.index("ReviewState")] = "edited"
    (HERE / "central-edited.csv").write_bytes(_csv(CENTRAL_MAIN, edited))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "帮扶走访登记"
    ws.append(KOBO_MAIN)
    for r in KOBO_ROWS:
        ws.append(r)
    wr = wb.create_sheet("problems")
    wr.append(KOBO_REPEAT)
    for r in KOBO_PROBLEMS:
        wr.append(r)
    wb.properties.created = wb.properties.modified = __import__("datetime").datetime(2004, 10, 23)
    wb.save(HERE / "kobo.xlsx")


if __name__ == "__main__":
    main()
