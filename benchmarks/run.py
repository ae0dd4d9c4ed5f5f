#!/usr/bin/env python3
"""The benchmark harness: builds a city dataset, times aidtrack's commands against their floors and peers.

    python benchmarks/run.py [--households N] [--years Y] [--repeat R] [--out DIR] [--skip-big]
                             [--seed S] [--keep-city PATH]

Every figure is a whole command run as a subprocess (`python -m aidtrack` from this interpreter's
environment), wrapped in a fresh process that reports the wall time and the child's peak memory
(ru_maxrss of RUSAGE_CHILDREN). Commands that do not exist yet are skipped with a note, never faked.
Writes DIR/results.json and DIR/results.md (the Markdown is printed too).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

AIDTRACK = [sys.executable, "-m", "aidtrack"]
FLOOR = [sys.executable, str(HERE / "floor_app.py"), "--help"]
ENV = {**os.environ, "AIDTRACK_OPERATOR": "bench", "COLUMNS": "200", "TERM": "dumb"}
ENV.pop("AIDTRACK_DB", None)

#: Runs the command given as its arguments, output to /dev/null; prints wall time and peak memory.
WRAPPER = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
if sys.platform == "darwin":
    rss //= 1024
print(json.dumps({"rc": p.returncode, "wall": wall, "maxrss_kib": rss,
                  "stderr": p.stderr.decode("utf-8", "replace")[-4000:]}))
"""

MIB = 1024


# -- running and measuring ---------------------------------------------------------------------


def wrapped(argv: list[str]) -> dict:
    p = subprocess.run([sys.executable, "-c", WRAPPER, *argv], capture_output=True, text=True, env=ENV)
    if p.returncode != 0 or not p.stdout.strip():
        raise RuntimeError(f"wrapper failed: {p.stderr.strip()[-500:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def shown(argv: list[str], out: Path) -> str:
    """The command as a reader would type it: `aidtrack …`, paths relative to the output folder."""
    if argv[:3] == AIDTRACK:
        argv = ["aidtrack", *argv[3:]]
    elif argv[:1] == [sys.executable]:
        argv = ["python", *argv[1:]]
    elif os.path.isabs(argv[0]):
        argv = [os.path.basename(argv[0]), *argv[1:]]
    text = " ".join(str(a) for a in argv)
    for base, name in ((str(out), "OUT"), (str(HERE), "benchmarks")):
        text = text.replace(base, name)
    return text


def skipped(label: str, note: str, command: str = "") -> dict:
    return {"label": label, "command": command, "status": "skipped", "note": note, "times": [],
            "median": None, "min": None, "max": None, "peak_rss_mib": None}


def summary(label: str, command: str, times: list[float], rss: list[int], note: str = "") -> dict:
    return {"label": label, "command": command, "status": "ok", "note": note, "times": times,
            "median": statistics.median(times), "min": min(times), "max": max(times),
            "peak_rss_mib": round(max(rss) / MIB, 1) if rss else None}


def measure(label: str, argv: list[str], repeat: int, out: Path, ok=(0,), prepare=None,
            warmup: bool = False) -> dict:
    """Run `argv` `repeat` times (after `prepare()`, untimed, each time); an unexpected exit is an error."""
    command = shown(argv, out)
    times, rss = [], []
    for i in range(repeat + (1 if warmup else 0)):
        if prepare:
            prepare()
        r = wrapped(argv)
        if r["rc"] not in ok:
            last = (r["stderr"].strip().splitlines() or [""])[-1]
            res = skipped(label, f"exit {r['rc']}: {last}", command)
            res["status"] = "error"
            return res
        if warmup and i == 0:
            continue
        times.append(r["wall"])
        rss.append(r["maxrss_kib"])
    return summary(label, command, times, rss)


def measure_sql(label: str, db: Path, sql: str, params: dict, repeat: int) -> dict:
    """A hand-written query in-process: connect, run, fetch every row, close."""
    times = []
    rows = 0
    for _ in range(repeat + 1):
        t = time.perf_counter()
        conn = sqlite3.connect(db)
        try:
            rows = len(conn.execute(sql, params).fetchall())
        finally:
            conn.close()
        times.append(time.perf_counter() - t)
    res = summary(label, "(in-process sqlite3)", times[1:], [], f"{rows} rows")
    res["rows"] = rows
    return res


class Commands:
    """Which aidtrack commands exist: `aidtrack GROUP CMD --help` exits 0 and is not a stub."""

    def __init__(self, names: list[tuple[str, ...]]):
        procs = {n: subprocess.Popen([*AIDTRACK, *n, "--help"], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, env=ENV) for n in names}
        self.help = {}
        for n, p in procs.items():
            text, _ = p.communicate()
            stub = re.search(r"not (yet )?implemented|\bstub\b", text, re.I)
            self.help[n] = text if p.returncode == 0 and not stub else None

    def has(self, *name: str) -> bool:
        return self.help.get(name) is not None

    def period_args(self, name: tuple[str, ...], quarter: str) -> list[str]:
        text = self.help.get(name) or ""
        if "--quarter" in text:
            return ["--quarter", quarter]
        if re.search(r"\[?\[?(QUARTER|PERIOD)", text):
            return [quarter]
        return []

    def asof_args(self, name: tuple[str, ...], day: str) -> list[str]:
        text = self.help.get(name) or ""
        for option in ("--as-of", "--on", "--date"):
            if option in text:
                return [option, day]
        return []


# -- databases ---------------------------------------------------------------------------------


def csv_rows(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f) - 1


def copy_db(src: Path, dst: Path) -> None:
    """A copy of a (WAL-mode) register file, checkpointed first; replaced whole, so a reader of the old
    file keeps reading the old one."""
    conn = sqlite3.connect(src)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    tmp = Path(f"{dst}.copying")
    shutil.copyfile(src, tmp)
    for suffix in ("-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    os.replace(tmp, dst)


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def table_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {k: conn.execute(f"SELECT count(*) FROM {k}").fetchone()[0] for k in generate.FIELDS}
    finally:
        conn.close()


def bundle_mismatches(db: Path, bundle: Path) -> list[str]:
    """Tables whose row count differs from the bundle's CSV (statuses add one `enrolled` per household,
    members the people each household's `members` counts)."""
    import csv

    counts = table_counts(db)
    expected = {k: csv_rows(bundle / f"{k}.csv") for k in generate.FIELDS}
    expected["statuses"] += expected["households"]
    with (bundle / "households.csv").open(encoding="utf-8") as f:
        expected["members"] += sum(int(r["members"]) for r in csv.DictReader(f))
    return [f"{k}: {counts[k]} rows, expected {expected[k]}" for k in expected if counts[k] != expected[k]]


def aidtrack(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*AIDTRACK, "--db", str(db), *args], capture_output=True, text=True, env=ENV)


def import_bundle(cmds: Commands, db: Path, bundle: Path, label: str) -> dict:
    """The bundle imported with `aidtrack import bundle` (timed once).

    Without that command (or if it fails) the database is built by `load_direct` instead, so that
    the reports can still be timed; the import itself is then reported as skipped or failed.
    """
    remove_db(db)
    argv = [*AIDTRACK, "--db", str(db), "import", "bundle", str(bundle)]
    if cmds.has("import", "bundle"):
        r = wrapped(argv)
        if r["rc"] == 0:
            bad = bundle_mismatches(db, bundle)
            note = "row counts equal the CSV files" if not bad else "ROW COUNTS DIFFER: " + "; ".join(bad)
            return summary(label, shown(argv, db.parent.parent), [r["wall"]], [r["maxrss_kib"]], note)
        res = skipped(label, f"exit {r['rc']}: " + (r["stderr"].strip().splitlines() or [""])[-1]
                      + "; database built by run.py's stand-in loader", shown(argv, db.parent.parent))
        res["status"] = "error"
    else:
        res = skipped(label, "`aidtrack import bundle` not available; database built by run.py's stand-in"
                      " loader (the shared validators, no audit)")
    load_direct(db, bundle)
    return res


def load_direct(path: Path, bundle: Path) -> None:
    """A stand-in for `aidtrack import bundle`: every row through the validators import shares."""
    from aidtrack.ops.refs import Refs
    from aidtrack.ops.rows import CHECKERS
    from aidtrack.store import open_store

    remove_db(path)
    db = open_store(path, operator="bench")
    today = dt.date.today()
    with db.write():
        for kind in generate.FIELDS:
            refs = Refs(db).preload()
            with (bundle / f"{kind}.csv").open(encoding="utf-8", newline="") as f:
                batch: list[dict] = []
                for rec in csv.DictReader(f):
                    batch.append(CHECKERS[kind](rec, refs, today).raise_first())
                    if len(batch) >= 50_000:
                        _insert_batch(db, kind, batch)
                        batch = []
                _insert_batch(db, kind, batch)
    db.conn.close()


def _insert_batch(db, kind: str, batch: list[dict]) -> None:
    if not batch:
        return
    cols = [c for c in batch[0] if c != "enrolled"]
    db.conn.executemany(f"INSERT INTO {kind} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                        [tuple(r[c] for c in cols) for r in batch])
    if kind == "households":
        db.conn.executemany(
            "INSERT INTO statuses (household_id, status, date, reason)"
            " SELECT id, 'enrolled', ?, 'enrolled' FROM households WHERE code = ?",
            [(r["enrolled"], r["code"]) for r in batch])


# -- the hand-written SQL baselines ------------------------------------------------------------

#: Each pairing active in the quarter with its cadre, household and visits made in the quarter.
SQL_QUARTER = """
SELECT p.id, c.code, c.name, h.code, h.name, p.since, p.until, coalesce(v.n, 0)
FROM pairings p
JOIN cadres c ON c.id = p.cadre_id
JOIN households h ON h.id = p.household_id
LEFT JOIN (SELECT pairing_id, count(*) AS n FROM visits WHERE date BETWEEN :start AND :end
           GROUP BY pairing_id) v ON v.pairing_id = p.id
WHERE p.since <= :end AND (p.until IS NULL OR p.until >= :start)
ORDER BY h.code, p.since
"""

#: Exited or prosperous households (as of :asof) whose last 3 recorded months (of the last 12) average
#: under the line per person, whose latest month fell 30 % against the 6 before, with a shock in the
#: last 90 days, or with no income in the last 3 months: DOMAIN.md's relapse rule, default policy.
SQL_RELAPSE = """
WITH st AS (
  SELECT s.household_id, s.status FROM statuses s
  WHERE s.id = (SELECT s2.id FROM statuses s2 WHERE s2.household_id = s.household_id AND s2.date <= :asof
                ORDER BY s2.date DESC, s2.id DESC LIMIT 1)
    AND s.status IN ('exited', 'prosperous')),
m AS (
  SELECT i.household_id, i.month, sum(i.amount) AS amount,
         row_number() OVER (PARTITION BY i.household_id ORDER BY i.month DESC) AS k
  FROM income i JOIN st ON st.household_id = i.household_id
  WHERE i.month BETWEEN :first_month AND :last_month
  GROUP BY i.household_id, i.month),
agg AS (
  SELECT household_id, max(month) AS latest,
         avg(CASE WHEN k <= 3 THEN amount END) AS avg3,
         max(CASE WHEN k = 1 THEN amount END) AS last1,
         avg(CASE WHEN k BETWEEN 2 AND 7 THEN amount END) AS base6
  FROM m GROUP BY household_id),
sh AS (
  SELECT p.household_id, max(v.date) AS shock FROM visits v JOIN pairings p ON p.id = v.pairing_id
  WHERE v.date BETWEEN :shock_from AND :asof AND v.event IS NOT NULL GROUP BY p.household_id)
SELECT h.code, h.name, st.status, agg.latest, agg.avg3 / h.members, agg.last1, agg.base6, sh.shock
FROM st JOIN households h ON h.id = st.household_id
LEFT JOIN agg ON agg.household_id = st.household_id
LEFT JOIN sh ON sh.household_id = st.household_id
WHERE agg.latest IS NULL OR agg.latest < :stale_month OR agg.avg3 < :line * h.members
   OR agg.last1 <= 0.7 * agg.base6 OR sh.shock IS NOT NULL
ORDER BY h.code
"""


def add_months(month: str, n: int) -> str:
    idx = int(month[:4]) * 12 + int(month[5:7]) - 1 + n
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def relapse_params(db: Path, asof: dt.date) -> dict:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT value FROM policy WHERE key = 'poverty_line' AND effective_from <= ?"
                           " ORDER BY effective_from DESC LIMIT 1", [asof.isoformat()]).fetchone()
    finally:
        conn.close()
    month = f"{asof.year:04d}-{asof.month:02d}"
    return {"asof": asof.isoformat(), "first_month": add_months(month, -12), "last_month": month,
            "shock_from": (asof - dt.timedelta(days=90)).isoformat(), "stale_month": add_months(month, -3),
            "line": row[0] if row else 200_00}


# -- the run -----------------------------------------------------------------------------------


def ratio(a: dict | None, b: dict | None) -> float | None:
    if not a or not b or a.get("median") is None or b.get("median") is None or not b["median"]:
        return None
    return a["median"] / b["median"]


def target(targets: list, name: str, label: str, figure: float | None, limit: float, kind: str,
           unit: str = "", note: str = "") -> None:
    ok = None if figure is None else (figure <= limit if kind == "max" else figure >= limit)
    targets.append({"name": name, "label": label, "figure": None if figure is None else round(figure, 3),
                    "limit": limit, "unit": unit, "pass": ok,
                    "note": note if figure is not None or note else "not measured"})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--households", type=int, default=20000)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--skip-big", action="store_true", help="skip the 5×-larger visits file")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--units", type=int, default=50, help="unit files merged into a city file")
    ap.add_argument("--unit-households", type=int, default=400, help="households per merged unit")
    ap.add_argument("--keep-city", type=Path, default=None,
                    help="also copy the imported city database to this path")
    args = ap.parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    data = out / "data"
    work = out / "db"
    work.mkdir(parents=True, exist_ok=True)
    R = max(1, args.repeat)
    end = generate.default_end()
    last_q = f"{end.year}Q{(end.month - 1) // 3 + 1}"
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] {msg}", file=sys.stderr, flush=True)

    m: dict[str, dict] = {}
    meta = {
        "households": args.households, "years": args.years, "repeat": R, "seed": args.seed,
        "end": end.isoformat(), "quarter": last_q, "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version, "platform": platform.platform(), "cpus": os.cpu_count(),
        "started": dt.datetime.now().isoformat(timespec="seconds"),
    }

    cmds = Commands([("import", "visits"), ("import", "bundle"), ("report", "quarter"),
                     ("report", "cadres"), ("report", "household"), ("check", "relapse"),
                     ("check", "visits"), ("visit", "add"), ("merge",)])
    meta["available"] = {" ".join(k): v is not None for k, v in cmds.help.items()}
    can_import = cmds.has("import", "visits")  # `import KIND FILE`: one command for every kind

    # 1. the datasets
    log("generating the city bundle")
    city_dir = data / "city"
    shutil.rmtree(city_dir, ignore_errors=True)
    t = time.perf_counter()
    counts = generate.generate(city_dir, args.households, args.years, args.seed, end=end)[str(city_dir)]
    meta["generate_seconds"] = round(time.perf_counter() - t, 2)
    meta["rows"] = counts
    visits_csv = city_dir / "visits.csv"
    big_csv = None
    if not args.skip_big and can_import:
        log("generating the big visits file")
        big_dir = data / "big"
        shutil.rmtree(big_dir, ignore_errors=True)
        big = generate.generate(big_dir, args.households, args.years, args.seed, end=end,
                                visits_only=5 * counts["visits"])[str(big_dir)]
        meta["rows"]["visits_big"] = big["visits"]
        big_csv = big_dir / "visits.csv"


    # 2. importing the visits file: aidtrack against sqlite3 .import (the limit) and sqlite-utils
    base = work / "base.db"
    base_ok = can_import
    note = "" if base_ok else "`aidtrack import visits` not available"
    if base_ok:
        log("base database: cadres, households, pairings")
        remove_db(base)
        for kind in ("cadres", "households", "pairings"):
            r = aidtrack(base, "import", kind, str(city_dir / f"{kind}.csv"))
            if r.returncode != 0:
                base_ok, note = False, f"`aidtrack import {kind}` failed: {r.stderr.strip()[-300:]}"
                break
    label = f"import visits ({counts['visits']:,} rows)"
    if base_ok:
        log("timing aidtrack import visits")
        target_db = work / "import.db"
        argv_imp = [*AIDTRACK, "--db", str(target_db), "import", "visits", str(visits_csv)]
        m["import_visits"] = measure(label, argv_imp, R, out, prepare=lambda: copy_db(base, target_db))
        if m["import_visits"]["status"] == "ok":
            got = table_counts(target_db)["visits"]
            m["import_visits"]["rows"] = got
            if got != counts["visits"]:
                m["import_visits"]["note"] = f"VISITS STORED {got}, CSV HAS {counts['visits']}"
        remove_db(target_db)
    else:
        m["import_visits"] = skipped(label, note)

    sqlite3_bin = shutil.which("sqlite3")
    label = f"sqlite3 .import --csv, bare table ({counts['visits']:,} rows)"
    if sqlite3_bin:
        log("timing sqlite3 .import")
        raw = work / "raw.db"
        m["sqlite3_import"] = measure(label, [sqlite3_bin, str(raw), f'.import --csv "{visits_csv}" visits'],
                                      R, out, prepare=lambda: remove_db(raw))
        remove_db(raw)
    else:
        m["sqlite3_import"] = skipped(label, "sqlite3 not on PATH")

    su = Path(sys.executable).parent / "sqlite-utils"
    su_bin = str(su) if su.exists() else shutil.which("sqlite-utils")
    label = f"sqlite-utils insert --csv ({counts['visits']:,} rows)"
    if su_bin:
        log("timing sqlite-utils insert (once)")
        raw = work / "su.db"
        m["sqlite_utils_insert"] = measure(label, [su_bin, "insert", str(raw), "visits", str(visits_csv),
                                                   "--csv"], 1, out, prepare=lambda: remove_db(raw))
        remove_db(raw)
    else:
        m["sqlite_utils_insert"] = skipped(label, "sqlite-utils not installed")

    if not base_ok:
        m["import_visits_big"] = skipped("import visits, 5× file", note)
    elif big_csv is None:
        m["import_visits_big"] = skipped("import visits, 5× file", "--skip-big")
    else:
        log("timing aidtrack import visits, big file (once)")
        target_db = work / "import.db"
        big_rows = meta["rows"]["visits_big"]
        m["import_visits_big"] = measure(
            f"import visits ({big_rows:,} rows)",
            [*AIDTRACK, "--db", str(target_db), "import", "visits", str(big_csv)], 1, out,
            prepare=lambda: copy_db(base, target_db))
        if m["import_visits_big"]["status"] == "ok":
            got = table_counts(target_db)["visits"]
            m["import_visits_big"]["rows"] = got
            if got != big_rows:
                m["import_visits_big"]["note"] = f"VISITS STORED {got}, CSV HAS {big_rows}"
        remove_db(target_db)

    # 3. the city database
    log("importing the city bundle")
    city_db = work / "city.db"
    m["import_bundle"] = import_bundle(cmds, city_db, city_dir, "import bundle (whole city)")
    meta["city_rows"] = table_counts(city_db)
    if args.keep_city:
        copy_db(city_db, args.keep_city)
        meta["kept_city_db"] = str(args.keep_city)

    # 4. reports and checks on the city database, beside the floor
    log("timing the floor")
    m["floor"] = measure("floor: minimal Typer app --help", FLOOR, R, out, warmup=R > 1)
    warm = R > 1
    reports = [
        ("report_quarter", ("report", "quarter"), lambda n: cmds.period_args(n, last_q), (0,)),
        ("report_cadres", ("report", "cadres"), lambda n: cmds.period_args(n, last_q), (0,)),
        ("check_relapse", ("check", "relapse"), lambda n: cmds.asof_args(n, end.isoformat()), (0, 1)),
        ("check_visits", ("check", "visits"), lambda n: cmds.asof_args(n, end.isoformat()), (0, 1)),
        ("report_household", ("report", "household"), lambda n: ["H" + "1".zfill(_width(args))], (0,)),
    ]
    for key, name, extra, ok in reports:
        label = " ".join(name)
        if not cmds.has(*name):
            m[key] = skipped(label, f"`aidtrack {label}` not available")
        else:
            log(f"timing {label}")
            argv_r = [*AIDTRACK, "--db", str(city_db), *name, *extra(name), "--format", "json"]
            m[key] = measure(label, argv_r, R, out, ok=ok, warmup=warm)

    log("timing the hand-written SQL")
    q_start = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    m["sql_quarter"] = measure_sql("hand-written SQL: quarter rollup", city_db, SQL_QUARTER,
                                   {"start": q_start.isoformat(), "end": end.isoformat()}, R)
    m["sql_relapse"] = measure_sql("hand-written SQL: relapse risk", city_db, SQL_RELAPSE,
                                   relapse_params(city_db, end), R)

    # 5. start-up: --help and one visit added
    log("timing aidtrack --help and visit add")
    m["help"] = measure("aidtrack --help", [*AIDTRACK, "--help"], R, out, warmup=warm)
    if not cmds.has("visit", "add"):
        m["visit_add"] = skipped("visit add (one row)", "`aidtrack visit add` not available")
    else:
        m["visit_add"] = time_visit_add(city_db, work / "visit.db", end, R, warm, out, args)

    # 6. report quarter when the history is 10× longer, with the same activity per quarter
    m["history_1x"], m["history_10x"] = history(cmds, args, data, work, end, last_q, R, warm, out, log)

    # 7. the city roll-up: merging the units' files
    m["merge_units"] = merge_units(cmds, args, data, work, end, out, log)

    meta["seconds"] = round(time.perf_counter() - started, 1)
    targets = judge(m)
    results = {"meta": meta, "measurements": m, "targets": targets}
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n",
                                      encoding="utf-8")
    md = markdown(results)
    (out / "results.md").write_text(md, encoding="utf-8")
    print(md)
    for path in (work / "base.db", work / "visit.db"):
        remove_db(path)
    return 0


def merge_units(cmds: Commands, args, data: Path, work: Path, end: dt.date, out: Path, log) -> dict:
    """`aidtrack merge` of --units unit files (each --unit-households × --years) into an empty city file.

    The unit files are built once with `aidtrack import bundle` (untimed); the merge is timed once.
    A unit refused for a conflict (the generator can give two units' people the same ID number) is
    reported in the note, and the merge still counts: exit 0 or 2.
    """
    label = f"merge {args.units} unit files ({args.unit_households} households × {args.years} years)"
    if not (cmds.has("merge") and cmds.has("import", "bundle")):
        return skipped(label, "`aidtrack merge` or `aidtrack import bundle` not available")
    log(f"building {args.units} unit files")
    units_dir = data / "units"
    shutil.rmtree(units_dir, ignore_errors=True)
    generate.generate(units_dir, args.unit_households, args.years, args.seed, units=args.units, end=end)
    files = []
    for unit in sorted(p for p in units_dir.iterdir() if p.is_dir()):
        db = work / f"{unit.name}.db"
        remove_db(db)
        r = aidtrack(db, "import", "bundle", str(unit))
        if r.returncode != 0:
            return skipped(label, f"building {unit.name} failed: {r.stderr.strip()[-200:]}")
        files.append(str(db))
    log("timing aidtrack merge")
    city = work / "merged.db"
    res = measure(label, [*AIDTRACK, "--db", str(city), "merge", *files], 1, out, ok=(0, 2),
                  prepare=lambda: remove_db(city))
    if len(files) > 2:
        res["command"] = shown([*AIDTRACK, "--db", str(city), "merge", files[0], "…", files[-1]], out)
    if res["status"] == "ok":
        conn = sqlite3.connect(city)
        try:
            merged = conn.execute("SELECT count(*) FROM units").fetchone()[0]
        finally:
            conn.close()
        res["note"] = f"{merged} of {len(files)} units merged"
    for f in [*files, str(city)]:
        remove_db(Path(f))
    return res


def _width(args) -> int:
    return max(5, len(str(args.households + args.households // 10 + 1)))


def time_visit_add(city_db: Path, db: Path, end: dt.date, R: int, warm: bool, out: Path, args) -> dict:
    """One visit to the first household, on a different free day of its active pairing each time."""
    code = "H" + "1".zfill(_width(args))
    copy_db(city_db, db)
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT p.id, p.since FROM pairings p JOIN households h ON h.id = p.household_id"
                           " WHERE h.code = ? AND p.until IS NULL", [code]).fetchone()
        used = {d for (d,) in conn.execute(
            "SELECT date FROM visits WHERE pairing_id = ? AND kind = 'regular'", [row[0]])} if row else set()
    finally:
        conn.close()
    if not row:
        return skipped("visit add (one row)", f"{code} has no active pairing")
    days = []
    day = end
    since = dt.date.fromisoformat(row[1])
    while len(days) < R + 1 and day > since:
        if day.isoformat() not in used:
            days.append(day.isoformat())
        day -= dt.timedelta(days=1)
    if len(days) < R + (1 if warm else 0):
        return skipped("visit add (one row)", f"not enough free days in {code}'s pairing")
    it = iter(days)
    argv = [*AIDTRACK, "--db", str(db), "visit", "add", code, "--date", "DATE", "--situation", "测试"]
    res = {"times": [], "rss": []}
    for i in range(R + (1 if warm else 0)):
        a = [x if x != "DATE" else next(it) for x in argv]
        r = wrapped(a)
        if r["rc"] != 0:
            last = (r["stderr"].strip().splitlines() or [""])[-1]
            out_ = skipped("visit add (one row)", f"exit {r['rc']}: {last}", shown(a, out))
            out_["status"] = "error"
            return out_
        if not (warm and i == 0):
            res["times"].append(r["wall"])
            res["rss"].append(r["maxrss_kib"])
    conn = sqlite3.connect(db)
    try:
        added = conn.execute("SELECT count(*) FROM visits WHERE situation = '测试'").fetchone()[0]
    finally:
        conn.close()
    n = R + (1 if warm else 0)
    note = f"{added} rows added" if added == n else f"ADDED {added} ROWS, EXPECTED {n}"
    return summary("visit add (one row)", shown(argv, out).replace("DATE", "<free day>"), res["times"],
                   res["rss"], note)


def history(cmds: Commands, args, data: Path, work: Path, end: dt.date, last_q: str, R: int, warm: bool,
            out: Path, log) -> tuple[dict, dict]:
    """report quarter on N/10 households over Y years, and over 10×Y years.

    Every household stays paired from its enrolment to the end, so both registers have the same
    pairings and about the same visits, income and aid in the latest quarter; the second one has ten
    times as many quarters behind it (and as many rows as the city database).
    """
    n = max(1, args.households // 10)
    out_1 = f"report quarter, {n} households × {args.years} years"
    out_10 = f"report quarter, {n} households × {10 * args.years} years"
    if not cmds.has("report", "quarter"):
        note = "`aidtrack report quarter` not available"
        return skipped(out_1, note), skipped(out_10, note)
    results = []
    for label, years in ((out_1, args.years), (out_10, 10 * args.years)):
        log(f"history: {label}")
        bundle = data / f"history{years}y"
        shutil.rmtree(bundle, ignore_errors=True)
        generate.generate(bundle, n, years, args.seed, end=end)
        db = work / f"history{years}y.db"
        import_bundle(cmds, db, bundle, label)
        argv = [*AIDTRACK, "--db", str(db), "report", "quarter",
                *cmds.period_args(("report", "quarter"), last_q), "--format", "json"]
        results.append(measure(label, argv, R, out, warmup=warm))
        remove_db(db)
    return results[0], results[1]


def judge(m: dict) -> list[dict]:
    t: list[dict] = []
    target(t, "import_vs_sqlite3", "import visits ≤ 2.5 × sqlite3 .import",
           ratio(m["import_visits"], m["sqlite3_import"]), 2.5, "max", "×")
    target(t, "sqlite_utils_vs_import", "sqlite-utils insert ≥ 8 × import visits",
           ratio(m["sqlite_utils_insert"], m["import_visits"]), 8, "min", "×")
    for key, size in (("import_visits", "~1M"), ("import_visits_big", "~5M")):
        rows = m[key].get("rows")
        target(t, f"memory_{key}", f"peak memory, import visits ({f'{rows:,}' if rows else size} rows)"
               " ≤ 100 MiB", m[key].get("peak_rss_mib"), 100, "max", "MiB")
    floor = m["floor"].get("median")
    for key, sql in (("report_quarter", "sql_quarter"), ("check_relapse", "sql_relapse")):
        cli, base = m[key].get("median"), m[sql].get("median")
        limit = None if floor is None or base is None else 1.5 * (floor + base)
        fig = None if cli is None or limit is None else cli / (floor + base)
        target(t, f"{key}_vs_sql", f"{key.replace('_', ' ')} ≤ 1.5 × (floor + hand-written SQL)", fig, 1.5,
               "max", "×", "" if limit is None else f"limit {limit:.3f} s")
        target(t, f"{key}_seconds", f"{key.replace('_', ' ')} well under half a second", cli, 0.5, "max", "s")
    for key in ("help", "visit_add"):
        target(t, f"{key}_vs_floor", f"{m[key]['label']} ≤ 1.3 × floor", ratio(m[key], m["floor"]), 1.3,
               "max", "×")
    target(t, "history_10x", "report quarter with 10× history ≤ 1.2 × normal",
           ratio(m["history_10x"], m["history_1x"]), 1.2, "max", "×")
    return t


def _fmt(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def markdown(results: dict) -> str:
    meta, m = results["meta"], results["measurements"]
    rows = ", ".join(f"{k} {v:,}" for k, v in meta["rows"].items())
    lines = [
        "# aidtrack benchmarks",
        "",
        f"{meta['households']:,} households, {meta['years']} years to {meta['end']} ({rows});"
        f" {meta['repeat']} repetitions, median and min–max wall time of whole commands.",
        f"Python {meta['python']}, SQLite {meta['sqlite']}, {meta['platform']}, {meta['cpus']} CPUs;"
        f" generated in {meta['generate_seconds']} s, whole run {meta['seconds']} s.",
        "",
        "| measurement | median s | min–max s | peak MiB | command / note |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for r in m.values():
        if r["status"] == "ok":
            spread = f"{_fmt(r['min'])}–{_fmt(r['max'])}"
            tail = r["command"] + (f" ({r['note']})" if r["note"] else "")
        else:
            spread = ""
            tail = f"**{r['status']}**: {r['note']}"
        tail = tail.replace("|", "\\|")
        rss = _fmt(r["peak_rss_mib"], 1)
        lines.append(f"| {r['label']} | {_fmt(r['median'])} | {spread} | {rss} | {tail} |")
    lines += ["", "| target | figure | limit | result |", "| --- | ---: | ---: | --- |"]
    for t in results["targets"]:
        verdict = "–" if t["pass"] is None else ("PASS" if t["pass"] else "FAIL")
        fig = "–" if t["figure"] is None else f"{t['figure']:.2f} {t['unit']}"
        note = f" ({t['note']})" if t["note"] else ""
        lines.append(f"| {t['label']} | {fig} | {t['limit']} {t['unit']} | {verdict}{note} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
