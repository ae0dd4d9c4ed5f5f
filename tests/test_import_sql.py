"""The set-based check of an import (validate.sql_check) against the one validator, on generated rows.

A CSV file's rows are checked in SQL generated from the registry; the rows the SQL leaves out are
read by `validate`. A JSON file of the same records is read by `validate` alone. Both must accept
and refuse the same rows with the same message, and store the same values; and every row the SQL
accepts must be one `validate` accepts, with the values it stores (property-style, fixed seed).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

import aidtrack
from aidtrack.kinds import REGISTRY
from aidtrack.ops.rules.refs import Refs
from aidtrack.ops.rules.validate import plain, raw_column, sql_check, validate

from conftest import Cli

TODAY = dt.date(2004, 12, 31)

#: Each field's values, valid and broken in each way: canonical forms (the SQL's), forms only the
#: validator reads (Chinese, full-width, spaces, a name for a code), and mistakes.
POOLS: dict[str, dict[str, list[str]]] = {
    "visits": {
        "household": ["H01", "H01", "H02", "H02", "H03", "H99", "刘香福", "", " H01 ", "h01", "满运良"],
        "cadre": ["", "", "C01", "C02", "C99", "吴局长", " C01"],
        "date": [
            "2004-09-20",
            "2004-10-05",
            "2004-11-11",
            "2004-07-01",
            "2003-07-01",
            "2004-02-30",
            "2004-02-29",
            "2004/9/20",
            "2004-9-21",
            "2004年9月22日",
            "",
            "2005-01-05",
            "1799-12-31",
            "２００４-09-23",
            "today",
            "2004-09-24 ",
            "20040925",
        ],
        "kind": ["", "", "regular", "followup", "initial", "回访", "Regular", "visit", " regular", "走访"],
        "situation": [
            "",
            "住院",
            "看望",
            "a" * 10_001,
            "x\x07y",
            "tab\there",
            "名\u200b字",
            " 送米面 ",
            "多行\n文字",
        ],
        "solved": ["", "", "协调低保", "x" * 10_000],
        "event": ["", "", "", "illness", "疾病", "flood", "ILLNESS", "job_loss", "家庭变故"],
        "device_start": ["", "", "", "2004-09-20T10:00:00", "garbage"],
        "device": ["", "", "P-7", "d" * 101],
        "location": ["", "", "", "45.75 126.63", "bad"],
    },
    "income": {
        "household": ["H01", "H02", "H03", "H99", "张桂兰", "", " H02"],
        "month": [
            "2004-09",
            "2004-10",
            "2004-08",
            "2004-13",
            "2004-9",
            "2004年10月",
            "2005-01",
            "1899-12",
            "",
        ],
        "amount": [
            "650",
            "650.5",
            "650.50",
            "0",
            "65.505",
            "-5",
            "¥300",
            "300元",
            "999999999",
            "9999999999",
            "1,000",
            ".5",
            "5.",
            "",
            "６５０",
        ],
        "source": ["", "", "运输", "低保", "s" * 201, "工资 "],
    },
    "problems": {
        "household": ["H01", "H01", "H02", "H03", "H99", "刘香福", ""],
        "date": ["2004-09-20", "2004-10-05", "2004-10-05", "2004-09-21", "2004/9/20", ""],
        "kind": ["", "", "regular", "followup", "回访", "visit"],
        "problem": ["缺钱", "看病难", "住房漏雨", "子女上学", "取暖费", "", "p" * 10_001],
        "escalated": ["", "0", "1", "yes", "是", "Y", "maybe"],
        "escalated_on": ["", "", "2004-09-19", "2004-10-06", "2004-10-05", "2005-02-01", "bad"],
        "escalated_by": ["", "吴局长", "b" * 101],
        "resolved_on": ["", "", "2004-09-25", "2004-09-01", "2004-10-05", "2005-01-02"],
        "resolution": ["", "协调解决"],
    },
}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """Two cadres, three households (H03 enrolled, never paired); H01 paired with C01 then C02."""
    path = tmp_path_factory.mktemp("sqlcheck") / "base.db"
    cli = Cli(path)
    cli("cadre", "add", "吴局长", "--code", "C01")
    cli("cadre", "add", "李副局长", "--code", "C02")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2003-07-01")
    cli("household", "add", "满运良", "--code", "H02", "--enrolled", "2003-07-01")
    cli("household", "add", "张桂兰", "--code", "H03", "--enrolled", "2003-12-01")
    cli("pair", "add", "C01", "H01", "--since", "2003-07-10")
    cli("pair", "end", "H01", "--date", "2004-09-30")
    cli("pair", "add", "C02", "H01", "--since", "2004-10-01")
    cli("pair", "add", "C02", "H02", "--since", "2003-07-10")
    # H01 has one visit on 2004-09-20 and two on 2004-10-05; H02 one on 2004-09-20
    cli("visit", "add", "H01", "--date", "2004-09-20", "--situation", "看望")
    cli("visit", "add", "H01", "--date", "2004-10-05", "--situation", "看望")
    cli("visit", "add", "H01", "--date", "2004-10-05", "--kind", "followup", "--situation", "回访")
    cli("visit", "add", "H02", "--date", "2004-09-20", "--situation", "看望")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def _rows(kind: str, n: int, seed: int) -> list[dict[str, str]]:
    rnd = random.Random(seed)
    pools = POOLS[kind]
    return [{name: rnd.choice(values) for name, values in pools.items()} for _ in range(n)]


def _write(kind: str, rows: list[dict[str, str]], folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = folder / f"{kind}.csv", folder / f"{kind}.json"
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(POOLS[kind])
        w.writerows([r[c] for c in POOLS[kind]] for r in rows)
    json_path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return csv_path, json_path


def _import(base: Path, to: Path, kind: str, path: Path, on_conflict: str = "error"):
    shutil.copy(base, to)
    db = aidtrack.open(to)
    try:
        return aidtrack.import_file(db, kind, path, today=TODAY, on_conflict=on_conflict)  # type: ignore[arg-type]
    finally:
        db.close()


@pytest.mark.parametrize("kind,seed", [("visits", 1), ("visits", 2), ("income", 3), ("problems", 9)])
def test_sql_and_validator_refuse_the_same_rows_with_the_same_message(base, tmp_path, kind, seed):
    rows = _rows(kind, 300, seed)
    csv_path, json_path = _write(kind, rows, tmp_path)
    by_csv = _import(base, tmp_path / "csv.db", kind, csv_path)
    by_json = _import(base, tmp_path / "json.db", kind, json_path)
    assert by_csv.error_count == by_json.error_count > 0
    # a CSV row's line is where it starts: after the header and the line breaks of the rows before
    element, line = {}, 2
    for i, r in enumerate(rows, 1):
        element[line] = i
        line += 1 + sum(v.count("\n") for v in r.values())
    got = sorted(
        (
            element[e.line],
            e.field,
            re.sub(r"on line (\d+)", lambda m: f"on line {element[int(m[1])]}", e.message),
        )
        for e in by_csv.errors
    )
    want = sorted((e.line, e.field, e.message) for e in by_json.errors)
    assert got == want
    # and each is what validate says of that record alone (a natural key twice is the file's)
    key = REGISTRY[kind].key_words
    db = aidtrack.open(tmp_path / "json.db")
    try:
        refs = Refs(db).preload()
        alone = set()
        for i, r in enumerate(rows, 1):
            for e in validate(kind, r, refs, TODAY).errors:
                alone.add((i, e.field))
            if not (r.get("date") or "").strip() and "date" in r:
                alone.add((i, "date"))
    finally:
        db.close()
    assert {(line, field) for line, field, _ in want if field != key} == alone


@pytest.mark.parametrize("kind,seed", [("visits", 4), ("income", 5), ("problems", 10)])
def test_sql_and_validator_store_the_same_values(base, tmp_path, kind, seed):
    """The rows validate accepts (one of each natural key), imported as CSV and as JSON: the same table."""
    shutil.copy(base, tmp_path / "refs.db")
    db = aidtrack.open(tmp_path / "refs.db")
    try:
        refs = Refs(db).preload()
        k = REGISTRY[kind]
        accepted, keys = [], set()
        for r in _rows(kind, 600, seed):
            checked = validate(kind, r, refs, TODAY)
            key = tuple(checked.row.get(c) for c in k.natural_key)
            if not checked.errors and key not in keys and (r.get("date", "x") or "").strip():
                keys.add(key)
                accepted.append(r)
    finally:
        db.close()
    assert len(accepted) > (8 if kind == "problems" else 20)  # problems: 4 visits × 5 texts at most
    csv_path, json_path = _write(kind, accepted, tmp_path)
    # a row restating a stored visit with other values replaces it, on either path alike
    assert _import(base, tmp_path / "csv.db", kind, csv_path, "replace").ok
    assert _import(base, tmp_path / "json.db", kind, json_path, "replace").ok
    cols = ", ".join(k.columns)

    def table(name: str) -> list[tuple]:
        with sqlite3.connect(tmp_path / name) as conn:
            return conn.execute(f"SELECT {cols} FROM {k.table} ORDER BY {cols}").fetchall()

    assert table("csv.db") == table("json.db")
    assert len(table("csv.db")) >= len(accepted)


@pytest.mark.parametrize("kind,seed", [("visits", 6), ("visits", 7), ("income", 8), ("problems", 11)])
def test_what_the_sql_accepts_validate_accepts_alike(base, tmp_path, kind, seed):
    """Row by row: every row sql_check returns is accepted by validate with the same stored values;
    and the canonical rows (codes, ISO dates, English choices) are the SQL's, not the validator's."""
    shutil.copy(base, tmp_path / "t.db")
    k = REGISTRY[kind]
    rows = [r for r in _rows(kind, 4000, seed) if plain(r.values())]
    conn = sqlite3.connect(tmp_path / "t.db")
    names = k.field_names
    conn.execute(f"CREATE TEMP TABLE raw (line INTEGER PRIMARY KEY, {', '.join(map(raw_column, names))})")
    conn.executemany(
        f"INSERT INTO temp.raw VALUES (?{', ?' * len(names)})",
        [(i, *(r.get(n) for n in names)) for i, r in enumerate(rows)],
    )
    columns = k.staged
    check = sql_check(kind, columns, "raw", TODAY, set(POOLS[kind]))
    assert check is not None
    by_sql = {line: dict(zip(columns, values)) for line, *values in conn.execute(check)}
    conn.close()
    db = aidtrack.open(tmp_path / "t.db")
    try:
        refs = Refs(db).preload()
        canonical = 0
        for i, r in enumerate(rows):
            checked = validate(kind, r, refs, TODAY)
            if i in by_sql:
                assert not checked.errors, (r, checked.errors)
                assert (r.get("date", "x") or "").strip(), r  # a file's date is given
                assert by_sql[i] == {c: checked.row.get(c) for c in columns}, r
            elif not checked.errors and all(r.get(f, "") == r.get(f, "").strip() for f in r):
                # accepted by validate only: some value is in a form only it reads
                assert _uncanonical(kind, r), json.dumps(r, ensure_ascii=False)
            canonical += i in by_sql
    finally:
        db.close()
    assert canonical > 20


def _uncanonical(kind: str, r: dict[str, str]) -> bool:
    """A value the SQL leaves to the validator though the row is valid: a name for a code, a date
    or month not in ISO form, a Chinese or capitalised choice read by words, a full-width or
    currency-marked amount, field evidence."""
    iso = re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", r.get("date", "2004-01-01"))
    return (
        r["household"] not in ("H01", "H02", "H03")
        or r.get("cadre", "") not in ("", "C01", "C02")
        or not iso
        or not re.fullmatch(r"[0-9]{4}-[0-9]{2}", r.get("month", "2004-01"))
        or not all(c in "0123456789." for c in r.get("amount", "1"))
        or r.get("kind", "") not in ("", "regular", "followup", "initial", "回访", "走访")
        or r.get("event", "") not in ("", "illness", "疾病", "job_loss", "家庭变故")
        or bool(r.get("device_start") or r.get("location"))
        or r.get("escalated", "") not in ("", "0", "1", "yes", "是", "Y")
    )


def _read_all(text: str, monkeypatch, block: int | None, blocks: bool = False) -> tuple[list, list]:
    """The records and structural errors of a CSV text, read by blocks of BLOCK characters (None:
    line by line, every line through the parser: the reader's other path). BLOCKS: read as the
    import's staging reads it (text_blocks), each Block's rows spelt out as (line, record)."""
    import io

    from aidtrack.ops.transfer.importer import readers

    with monkeypatch.context() as m:
        if block is None:
            m.setattr(readers._Lines, "blocks", lambda self: iter([self._lines()]))
        else:
            m.setattr(readers, "_TEXT_BLOCK", block)
        m.setattr(readers, "MAX_LINE", 40)
        m.setattr(readers, "MAX_ROW", 60)
        errors: list = []
        got: list = []
        read = readers.text_blocks if blocks else readers.text_records
        try:
            for line, item in read(
                readers.Source(io.BytesIO(text.encode()), "csv"), "income", lambda *e: errors.append(e)
            ):
                if isinstance(item, readers.Block):
                    assert item.rows and all(len(r) == len(item.header) for r in item.rows)
                    got.extend((line + i, dict(zip(item.header, r))) for i, r in enumerate(item.rows))
                else:
                    got.append((line, item))
        except readers.FileFault as f:
            errors.append(("fault", f.line, f.field, f.message))
    return got, errors


@pytest.mark.parametrize("seed", range(4))
def test_reading_by_blocks_reads_what_reading_by_lines_reads(monkeypatch, seed):
    """Line breaks (LF, CRLF, CR), quoted values over lines, long lines and rows, block edges
    anywhere: the block reader yields the same records, line numbers and faults as the line reader."""
    rnd = random.Random(seed)
    plain_cells = ["H01", "2004-09", "650", "运输", "", "s" * 30, "'=1", " ", "a'b"]
    quoted = ['"a,b"', '"多\n行"', '"多\r\n行"', '"x""y"', '"open', "a\x00b", 'st"ray']

    def cell() -> str:
        return rnd.choice(quoted if rnd.random() < 0.05 else plain_cells)

    breaks = ["\n", "\r\n", "\r", "\n"]
    for _ in range(30):
        lines = ["household,month,amount,source"]
        for _ in range(rnd.randint(0, 12)):
            lines.append(",".join(cell() for _ in range(rnd.choice((4, 4, 4, 3, 5)))))
        text = "".join(line + rnd.choice(breaks) for line in lines)
        if rnd.random() < 0.3:
            text = text.rstrip("\r\n")
        if rnd.random() < 0.1:
            text = "\n" + text  # a blank first line: no header
        want = _read_all(text, monkeypatch, None)
        for block in (1, 2, 5, 17, 64, 1 << 16):
            assert _read_all(text, monkeypatch, block) == want, (text, block)
            assert _read_all(text, monkeypatch, block, blocks=True) == want, (text, block)


def test_a_file_of_many_blocks_stores_what_its_json_stores(base, tmp_path):
    """A CSV file over several 64 KiB blocks: most split without the CSV parser (a Block of rows,
    staged a column at a time), one parsed (a value over two lines, a quote inside a value), rows
    read by `validate` (a tab in a value, a date in Chinese, a household by its name), a blank line:
    the same table as the JSON file of the same records. And an error's line is the file's."""
    stored = {("H01", "2004-09-20"), ("H01", "2004-10-05"), ("H02", "2004-09-20")}
    odd = {700: {"situation": "多\n行"}, 701: {"situation": '说"好"'}, 900: {"situation": "有\t制表符"}}
    rows, day, i = [], dt.date(2003, 7, 10), 0
    while day <= TODAY:
        for h in ("H01", "H02"):
            if (h, day.isoformat()) in stored:
                continue
            r = {c: "" for c in POOLS["visits"]}
            r.update(
                household=h, date=day.isoformat(), situation="走访了解家庭情况，帮助解决困难" * 20 + str(i)
            )
            if i == 1000:
                r.update(household="刘香福", date=f"{day.year}年{day.month}月{day.day}日", kind="回访")
            r.update(odd.get(i, {}))
            rows.append(r)
            i += 1
        day += dt.timedelta(days=1)

    def write(folder: Path) -> tuple[Path, Path]:
        """The records as CSV with LF line ends (CRLF blocks are parsed) and a blank line a third in."""
        csv_path, json_path = _write("visits", rows, folder)
        text = csv_path.read_text(encoding="utf-8").replace("\r\n", "\n")
        at = text.index("\n", len(text) // 3) + 1
        csv_path.write_text(text[:at] + "\n" + text[at:], encoding="utf-8", newline="")
        assert len(text) > 4 * 65536 and '"' in text and "\r" not in text
        return csv_path, json_path

    csv_path, json_path = write(tmp_path)
    assert _import(base, tmp_path / "csv.db", "visits", csv_path).ok
    assert _import(base, tmp_path / "json.db", "visits", json_path).ok
    cols = ", ".join(REGISTRY["visits"].columns)

    def table(name: str) -> list[tuple]:
        with sqlite3.connect(tmp_path / name) as conn:
            return conn.execute(f"SELECT {cols} FROM visits ORDER BY {cols}").fetchall()

    assert table("csv.db") == table("json.db")
    assert len(table("csv.db")) == len(rows) + 4
    # the last row made wrong: its error names its line, counted over the two-line value and the blank
    rows[-1]["date"] = "2004-02-30"
    csv_path, _json = write(tmp_path / "bad")
    result = _import(base, tmp_path / "bad.db", "visits", csv_path)
    assert [(e.line, e.field) for e in result.errors] == [(1 + len(rows) + 1 + 1, "date")]


def test_a_column_named_twice_before_the_fields_is_read_by_position(base, tmp_path):
    """A 序号 column (ignored, allowed twice) before and among the fields, a quoted first block (its
    rows parsed into records) and then blocks split by position: each row's values are its own."""
    rows, day, i = [], dt.date(2003, 7, 10), 0
    while day <= dt.date(2004, 9, 1):
        for h in ("H01", "H02"):
            situation = '说"好"' if i == 0 else "走访了解家庭情况，帮助解决困难" * 10 + str(i)
            rows.append({"household": h, "date": day.isoformat(), "situation": situation})
            i += 1
        day += dt.timedelta(days=1)
    lines = ["序号,household,序号,date,situation"]
    for n, r in enumerate(rows, 1):
        cell = '"说""好"""' if '"' in r["situation"] else r["situation"]
        lines.append(f"{n},{r['household']},{n},{r['date']},{cell}")
    text = "\n".join(lines) + "\n"
    assert len(text) > 2 * 65536
    (tmp_path / "visits.csv").write_text(text, encoding="utf-8")
    (tmp_path / "visits.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    assert _import(base, tmp_path / "csv.db", "visits", tmp_path / "visits.csv").ok
    assert _import(base, tmp_path / "json.db", "visits", tmp_path / "visits.json").ok

    def table(name: str) -> list[tuple]:
        with sqlite3.connect(tmp_path / name) as conn:
            return conn.execute(
                "SELECT h.code, v.date, v.situation FROM visits v JOIN pairings p ON p.id = v.pairing_id"
                " JOIN households h ON h.id = p.household_id ORDER BY 1, 2, 3"
            ).fetchall()

    assert table("csv.db") == table("json.db")
    assert ("H02", "2004-09-01", "走访了解家庭情况，帮助解决困难" * 10 + str(i - 1)) in table("csv.db")
