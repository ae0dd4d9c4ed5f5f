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
import yardsticks  # noqa: E402

AIDTRACK = [sys.executable, "-m", "aidtrack"]
FLOOR = [sys.executable, str(HERE / "floor_app.py"), "--help"]
ENV = {**os.environ, "AIDTRACK_OPERATOR": "bench", "COLUMNS": "200", "TERM": "dumb"}
ENV.pop("AIDTRACK_DB", None)
# Bytecode as an installed package has it (pip compiles it at install): without it, every run of an
# editable install compiles aidtrack's modules again (about 40 ms), which no user pays.
ENV.pop("PYTHONDONTWRITEBYTECODE", None)


def compiled() -> None:
    """aidtrack's modules and the floor app compiled to bytecode before anything is timed."""
    import importlib.util

    spec = importlib.util.find_spec("aidtrack")
    folders = list(spec.submodule_search_locations or []) if spec else []
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *folders, str(HERE / "floor_app.py")], check=True
    )


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
    return {
        "label": label,
        "command": command,
        "status": "skipped",
        "note": note,
        "times": [],
        "median": None,
        "min": None,
        "max": None,
        "peak_rss_mib": None,
    }


def summary(label: str, command: str, times: list[float], rss: list[int], note: str = "") -> dict:
    return {
        "label": label,
        "command": command,
        "status": "ok",
        "note": note,
        "times": times,
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "peak_rss_mib": round(max(rss) / MIB, 1) if rss else None,
    }


def measure(
    label: str, argv: list[str], repeat: int, out: Path, ok=(0,), prepare=None, warmup: bool = False
) -> dict:
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
        procs = {
            n: subprocess.Popen(
                [*AIDTRACK, *n, "--help"],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env=ENV,
            )
            for n in names
        }
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
        res = skipped(
            label,
            f"exit {r['rc']}: "
            + (r["stderr"].strip().splitlines() or [""])[-1]
            + "; database built by run.py's stand-in loader",
            shown(argv, db.parent.parent),
        )
        res["status"] = "error"
    else:
        res = skipped(
            label,
            "`aidtrack import bundle` not available; database built by run.py's stand-in"
            " loader (the shared validators, no audit)",
        )
    load_direct(db, bundle)
    return res


def load_direct(path: Path, bundle: Path) -> None:
    """A stand-in for `aidtrack import bundle`: every row through the validators import shares."""
    from aidtrack.ops.rules.refs import Refs
    from aidtrack.ops.rules.validate import validate
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
                    checked = validate(kind, rec, refs, today)
                    if checked.errors:
                        raise RuntimeError(f"{kind}: {checked.errors[0]}")
                    batch.append(checked.row)
                    if len(batch) >= 50_000:
                        _insert_batch(db, kind, batch)
                        batch = []
                _insert_batch(db, kind, batch)
    db.conn.close()


def _insert_batch(db, kind: str, batch: list[dict]) -> None:
    if not batch:
        return
    cols = [c for c in batch[0] if c != "enrolled"]
    db.conn.executemany(
        f"INSERT INTO {kind} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        [tuple(r[c] for c in cols) for r in batch],
    )
    if kind == "households":
        db.conn.executemany(
            "INSERT INTO statuses (household_id, status, date, reason)"
            " SELECT id, 'enrolled', ?, 'enrolled' FROM households WHERE code = ?",
            [(r["enrolled"], r["code"]) for r in batch],
        )


# -- the hand-written SQL baselines ------------------------------------------------------------

#: Exited or prosperous households (as of :asof) whose last 3 recorded months (of the last 12) average
#: under the line per person, whose latest month fell 30 % against the 6 before, with a shock in the
#: last 90 days, or with no income in the last 3 months: docs/checks.md's relapse rule, default policy.
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
        row = conn.execute(
            "SELECT value FROM policy WHERE key = 'poverty_line' AND effective_from <= ?"
            " ORDER BY effective_from DESC LIMIT 1",
            [asof.isoformat()],
        ).fetchone()
    finally:
        conn.close()
    month = f"{asof.year:04d}-{asof.month:02d}"
    return {
        "asof": asof.isoformat(),
        "first_month": add_months(month, -12),
        "last_month": month,
        "shock_from": (asof - dt.timedelta(days=90)).isoformat(),
        "stale_month": add_months(month, -3),
        "line": row[0] if row else 200_00,
    }


# -- the run -----------------------------------------------------------------------------------


def ratio(a: dict | None, b: dict | None) -> float | None:
    if not a or not b or a.get("median") is None or b.get("median") is None or not b["median"]:
        return None
    return a["median"] / b["median"]


def target(
    targets: list,
    name: str,
    label: str,
    figure: float | None,
    limit: float,
    kind: str,
    unit: str = "",
    note: str = "",
) -> None:
    ok = None if figure is None else (figure <= limit if kind == "max" else figure >= limit)
    targets.append(
        {
            "name": name,
            "label": label,
            "figure": None if figure is None else round(figure, 3),
            "limit": limit,
            "unit": unit,
            "pass": ok,
            "note": note if figure is not None or note else "not measured",
        }
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--households", type=int, default=20000)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--skip-big", action="store_true", help="skip the 5×-larger visits file")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--units",
        type=unit_scales,
        default=[50],
        help="unit files merged into a city file: a count or a comma list (10,50,100,200,500)",
    )
    ap.add_argument(
        "--unit-files",
        type=Path,
        default=None,
        help="use the unit*.db files of this folder instead of building them",
    )
    ap.add_argument("--rollup-only", action="store_true", help="only the city roll-up measurements")
    ap.add_argument("--unit-households", type=int, default=400, help="households per merged unit")
    ap.add_argument(
        "--keep-city", type=Path, default=None, help="also copy the imported city database to this path"
    )
    ap.add_argument(
        "--quick",
        action="store_true",
        help="the tiny run CI makes: "
        + ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in QUICK.items() if v is not True)
        + ", --skip-big",
    )
    args = ap.parse_args(argv)
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    compiled()
    if args.rollup_only:
        return rollup_main(args, out)
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
        "households": args.households,
        "years": args.years,
        "repeat": R,
        "seed": args.seed,
        "end": end.isoformat(),
        "quarter": last_q,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "started": dt.datetime.now().isoformat(timespec="seconds"),
    }

    cmds = Commands(
        [
            ("import", "visits"),
            ("import", "bundle"),
            ("report", "quarter"),
            ("report", "cadres"),
            ("report", "household"),
            ("check", "relapse"),
            ("check", "visits"),
            ("visit", "add"),
            ("merge",),
            ("check",),
            ("income", "add"),
            ("import", "problems"),
        ]
    )
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
        big = generate.generate(
            big_dir, args.households, args.years, args.seed, end=end, visits_only=5 * counts["visits"]
        )[str(big_dir)]
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
        m["sqlite3_import"] = measure(
            label,
            [sqlite3_bin, str(raw), f'.import --csv "{visits_csv}" visits'],
            R,
            out,
            prepare=lambda: remove_db(raw),
        )
        remove_db(raw)
    else:
        m["sqlite3_import"] = skipped(label, "sqlite3 not on PATH")

    if base_ok:
        log("timing the same-end-state SQL")
        m["same_end_state"] = same_end_state(base, visits_csv, work, R, out, counts["visits"])
    else:
        m["same_end_state"] = skipped("same-end-state SQL", note)

    su = Path(sys.executable).parent / "sqlite-utils"
    su_bin = str(su) if su.exists() else shutil.which("sqlite-utils")
    label = f"sqlite-utils insert --csv ({counts['visits']:,} rows)"
    if su_bin:
        log("timing sqlite-utils insert (once)")
        raw = work / "su.db"
        m["sqlite_utils_insert"] = measure(
            label,
            [su_bin, "insert", str(raw), "visits", str(visits_csv), "--csv"],
            1,
            out,
            prepare=lambda: remove_db(raw),
        )
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
            [*AIDTRACK, "--db", str(target_db), "import", "visits", str(big_csv)],
            1,
            out,
            prepare=lambda: copy_db(base, target_db),
        )
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
        ("check_all", ("check",), lambda n: cmds.asof_args(n, end.isoformat()), (0, 1)),
    ]
    for key, name, extra, ok in reports:
        label = " ".join(name) + (" (every check)" if name == ("check",) else "")
        if not cmds.has(*name):
            m[key] = skipped(label, f"`aidtrack {label}` not available")
        else:
            log(f"timing {label}")
            argv_r = [*AIDTRACK, "--db", str(city_db), *name, *extra(name), "--format", "json"]
            m[key] = measure(label, argv_r, R, out, ok=ok, warmup=warm)

    log("timing the hand-written SQL")
    hand_sql(m, city_db, end, R)

    # 5. start-up: --help and one visit added
    log("timing aidtrack --help and visit add")
    m["help"] = measure("aidtrack --help", [*AIDTRACK, "--help"], R, out, warmup=warm)
    one_row_adds(m, city_db, work, end, R, warm, out, args)

    # 5b. import problems (about 50,000 rows at the default scale) into the city without its problems
    log("timing import problems")
    m["import_problems"] = import_problems(city_db, city_dir / "problems.csv", work, R, out)

    # 6. report quarter when the history is 10× longer, with the same activity per quarter
    m["history_1x"], m["history_10x"] = history(cmds, args, data, work, end, last_q, R, warm, out, log)

    # 7. the city roll-up: merging the units' files
    m["merge_units"] = merge_units(cmds, args, data, work, end, out, log)

    meta["seconds"] = round(time.perf_counter() - started, 1)
    targets = judge(m)
    results = {"meta": meta, "measurements": m, "targets": targets}
    (out / "results.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    md = markdown(results) + rollup_markdown(m["merge_units"])
    (out / "results.md").write_text(md, encoding="utf-8")
    print(md)
    for path in (work / "base.db", work / "visit.db"):
        remove_db(path)
    return 0


#: WRAPPER, also printing the child's CPU time (user + system): on a machine shared with other
#: work the wall time says how busy the machine was, the CPU time what the command cost.
WRAPPER_CPU = WRAPPER.replace(
    '"maxrss_kib": rss,', '"maxrss_kib": rss, "cpu": sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]),'
)


def measure_cpu(label: str, argv: list[str], out: Path, ok=(0,)) -> dict:
    """One run of `argv` (see measure), with its CPU time in "cpu"."""
    p = subprocess.run([sys.executable, "-c", WRAPPER_CPU, *argv], capture_output=True, text=True, env=ENV)
    if p.returncode != 0 or not p.stdout.strip():
        raise RuntimeError(f"wrapper failed: {p.stderr.strip()[-500:]}")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    if r["rc"] not in ok:
        res = skipped(
            label, f"exit {r['rc']}: " + (r["stderr"].strip().splitlines() or [""])[-1], shown(argv, out)
        )
        res["status"] = "error"
        return res
    res = summary(label, shown(argv, out), [r["wall"]], [r["maxrss_kib"]])
    res["cpu"] = r["cpu"]
    return res


def unit_scales(text: str) -> list[int]:
    """--units: one count or a comma list (10,50,100,200,500), ascending."""
    scales = sorted({int(x) for x in str(text).split(",") if x.strip()})
    if not scales or scales[0] < 1:
        raise argparse.ArgumentTypeError("--units: unit counts of at least 1, such as 10,50,100")
    return scales


def build_unit_files(args, data: Path, work: Path, end: dt.date, count: int, log) -> list[Path] | str:
    """`count` unit files (unitNNN.db), each --unit-households × --years, built with `aidtrack import
    bundle` (untimed); or those already in --unit-files DIR. A string says what failed."""
    if args.unit_files:
        files = sorted(Path(args.unit_files).glob("unit*.db"))
        if len(files) < count:
            return f"--unit-files has {len(files)} unit files, {count} needed"
        return files[:count]
    log(f"building {count} unit files")
    units_dir = data / "units"
    shutil.rmtree(units_dir, ignore_errors=True)
    generate.generate(units_dir, args.unit_households, args.years, args.seed, units=count, end=end)
    files = []
    for unit in sorted(p for p in units_dir.iterdir() if p.is_dir()):
        db = work / f"{unit.name}.db"
        remove_db(db)
        r = aidtrack(db, "import", "bundle", str(unit))
        if r.returncode != 0:
            return f"building {unit.name} failed: {r.stderr.strip()[-200:]}"
        files.append(db)
    shutil.rmtree(units_dir, ignore_errors=True)
    return files


def merge_units(cmds: Commands, args, data: Path, work: Path, end: dt.date, out: Path, log) -> dict:
    """The city roll-up at each scale of --units (10,50,…): unit files merged into an empty city file.

    Per scale: the first merge, a nothing-changed re-merge, a re-merge with one unit changed (a
    copy of the last unit's file with one visit more), `report quarter --by unit`, `check` (every
    check, as of the last day: exit 1 when it finds something is its normal answer), the Parquet
    hand-off (`export all --partition unit,year`) and DuckDB's quarter roll-up over it
    (examples/duckdb/quarter.sql, in-process), each with its wall time and peak memory; the city
    file's size and the units left out. The measurement is the largest scale's first merge; every
    scale is in its "scales" list (the roll-up table of results.md).
    """
    scales = args.units
    label = f"merge {scales[-1]} unit files ({args.unit_households} households × {args.years} years)"
    if not (cmds.has("merge") and cmds.has("import", "bundle")):
        return skipped(label, "`aidtrack merge` or `aidtrack import bundle` not available")
    files = build_unit_files(args, data, work, end, scales[-1], log)
    if isinstance(files, str):
        return skipped(label, files)
    rows, res = [], None
    for n in scales:
        log(f"roll-up: {n} units")
        row, first = rollup_scale(files[:n], n, work, end, out, log)
        rows.append(row)
        res = first
        (out / "rollup-scales.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    if not args.unit_files:
        for f in files:
            remove_db(Path(f))
    res["scales"] = rows
    return res


def rollup_scale(files: list[Path], n: int, work: Path, end: dt.date, out: Path, log) -> tuple[dict, dict]:
    """One scale of the roll-up (see merge_units): its row, and the first merge's measurement."""
    city = work / f"merged{n}.db"
    handoff = work / f"handoff{n}"
    remove_db(city)
    shutil.rmtree(handoff, ignore_errors=True)
    label = f"merge {n} unit files"
    argv = [*AIDTRACK, "--db", str(city), "merge", *map(str, files), "--format", "json"]
    first = measure_cpu(label, argv, out, ok=(0, 1))
    first["command"] = shown([*AIDTRACK, "--db", str(city), "merge", str(files[0]), "…", str(files[-1])], out)
    row: dict = {
        "units": n,
        "first_merge": first.get("median"),
        "first_merge_mib": first.get("peak_rss_mib"),
        "first_merge_cpu": first.get("cpu"),
    }
    if first["status"] != "ok":
        row["note"] = first["note"]
        return row, first
    row["per_unit"] = first["median"] / n
    conn = sqlite3.connect(city)
    try:
        row["merged"], row["left_out"] = conn.execute(
            "SELECT count(*), coalesce(sum(left_out), 0) FROM units"
        ).fetchone()
        row["visits"] = conn.execute("SELECT count(*) FROM visits").fetchone()[0]
    finally:
        conn.close()
    row["city_mib"] = round(city.stat().st_size / MIB / MIB, 1)
    again = measure_cpu("re-merge, nothing changed", argv, out, ok=(0, 1))
    row["unchanged"], row["unchanged_mib"] = again.get("median"), again.get("peak_rss_mib")
    row["unchanged_cpu"] = again.get("cpu")
    # one unit changed: a copy of the last unit's file (same name) with one visit more
    changed_dir = work / "changed"
    changed_dir.mkdir(exist_ok=True)
    copy = changed_dir / files[-1].name
    copy_db(files[-1], copy)
    r = aidtrack(copy, "visit", "add", "H" + "1".zfill(5), "--date", end.isoformat(), "--situation", "增补")
    if r.returncode != 0:
        row["note"] = "one-unit change failed: " + r.stderr.strip()[-200:]
    else:
        os.utime(copy, (time.time() - 60, time.time() - 60))
        argv_one = [
            *AIDTRACK,
            "--db",
            str(city),
            "merge",
            *map(str, files[:-1]),
            str(copy),
            "--format",
            "json",
        ]
        one = measure_cpu("re-merge, one unit changed", argv_one, out, ok=(0, 1))
        row["one_changed"], row["one_changed_mib"] = one.get("median"), one.get("peak_rss_mib")
        row["one_changed_cpu"] = one.get("cpu")
    remove_db(copy)
    q = f"{end.year}Q{(end.month - 1) // 3 + 1}"
    rep = measure_cpu(
        "report quarter --by unit",
        [*AIDTRACK, "--db", str(city), "report", "quarter", q, "--by", "unit", "--format", "json"],
        out,
    )
    row.update(report=rep.get("median"), report_mib=rep.get("peak_rss_mib"), report_cpu=rep.get("cpu"))
    chk = measure_cpu(
        "check (every check)",
        [*AIDTRACK, "--db", str(city), "check", "--as-of", end.isoformat(), "--format", "json"],
        out,
        ok=(0, 1),
    )
    row.update(check=chk.get("median"), check_mib=chk.get("peak_rss_mib"), check_cpu=chk.get("cpu"))
    exp = measure_cpu(
        "export parquet",
        [
            *AIDTRACK,
            "--db",
            str(city),
            "export",
            "all",
            "--format",
            "parquet",
            "--partition",
            "unit,year",
            "--out",
            str(handoff),
        ],
        out,
    )
    row.update(export=exp.get("median"), export_mib=exp.get("peak_rss_mib"), export_cpu=exp.get("cpu"))
    if exp["status"] == "ok":
        row["duckdb"], row["duckdb_equal"] = duckdb_rollup(city, handoff, q, end)
    remove_db(city)
    shutil.rmtree(handoff, ignore_errors=True)
    return row, first


def duckdb_rollup(city: Path, handoff: Path, quarter: str, end: dt.date) -> tuple[float | None, bool | None]:
    """DuckDB's quarter roll-up over the hand-off (in-process, seconds), and whether every unit's
    figures equal `report quarter --by unit`'s (None: duckdb is not installed)."""
    try:
        import duckdb
    except ImportError:
        return None, None
    start = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    sql = (HERE.parent / "examples" / "duckdb" / "quarter.sql").read_text(encoding="utf-8")
    t = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET VARIABLE handoff = '{handoff}'")
    con.execute(f"SET VARIABLE quarter_start = DATE '{start}'")
    con.execute(f"SET VARIABLE quarter_end = DATE '{end}'")
    con.execute("SET VARIABLE visits_per_quarter = 2")
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    got = {r[0]: dict(zip(names, r)) for r in cur.fetchall()}
    wall = time.perf_counter() - t
    r = aidtrack(city, "report", "quarter", quarter, "--by", "unit", "--format", "json")
    if r.returncode != 0:
        return wall, None
    keys = ("pairings", "compliant", "visits", "visits_cumulative", "households", "problems_open_escalated")

    def money(value) -> float | None:
        return None if value is None else float(value)

    equal = all(
        row["unit"] in got
        and all(got[row["unit"]][k] == row[k] for k in keys)
        and money(got[row["unit"]]["aid_value"]) == row["aid_value"]
        and money(got[row["unit"]]["income_per_person"]) == row.get("income_per_person")
        for row in json.loads(r.stdout)["by_unit"]
    )
    return wall, equal


def rollup_markdown(res: dict) -> str:
    """The roll-up table: one row per scale of --units."""
    rows = res.get("scales") or []
    if not rows:
        return ""
    lines = [
        "",
        "| units | first merge s (CPU s) | s per unit | peak MiB | nothing changed s (CPU s) |"
        " one changed s (CPU s) | city MiB | left out | report --by unit s (MiB) | check s (MiB) |"
        " Parquet export s (MiB) | DuckDB s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        equal = {True: "", False: " (NOT EQUAL)", None: ""}[r.get("duckdb_equal")]
        lines.append(
            f"| {r['units']} | {_fmt(r.get('first_merge'), 1)} ({_fmt(r.get('first_merge_cpu'), 1)}) |"
            f" {_fmt(r.get('per_unit'), 3)} | {_fmt(r.get('first_merge_mib'), 0)} |"
            f" {_fmt(r.get('unchanged'), 1)} ({_fmt(r.get('unchanged_cpu'), 1)}) |"
            f" {_fmt(r.get('one_changed'), 1)} ({_fmt(r.get('one_changed_cpu'), 1)}) |"
            f" {_fmt(r.get('city_mib'), 0)} |"
            f" {r.get('left_out', '–')} |"
            f" {_fmt(r.get('report'), 1)} ({_fmt(r.get('report_mib'), 0)}) |"
            f" {_fmt(r.get('check'), 1)} ({_fmt(r.get('check_mib'), 0)}) |"
            f" {_fmt(r.get('export'), 1)} ({_fmt(r.get('export_mib'), 0)}) |"
            f" {_fmt(r.get('duckdb'), 2)}{equal} |"
        )
    return "\n".join(lines) + "\n"


def rollup_main(args, out: Path) -> int:
    """--rollup-only: the roll-up measurements alone (results-rollup.json and .md in --out)."""
    data, work = out / "data", out / "db"
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] {msg}", file=sys.stderr, flush=True)

    cmds = Commands([("import", "bundle"), ("merge",)])
    res = merge_units(cmds, args, data, work, generate.default_end(), out, log)
    targets: list[dict] = []
    judge_rollup(res.get("scales") or [], targets)
    res["targets"] = targets
    (out / "results-rollup.json").write_text(
        json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    md = (
        f"{res['label']}: {res['status']} {res.get('note', '')}\n"
        + rollup_markdown(res)
        + targets_markdown(targets)
    )
    (out / "results-rollup.md").write_text(md, encoding="utf-8")
    print(md)
    return 0


def _width(args) -> int:
    return max(5, len(str(args.households + args.households // 10 + 1)))


def time_visit_add(city_db: Path, db: Path, end: dt.date, R: int, warm: bool, out: Path, args) -> dict:
    """One visit to the first household, on a different free day of its active pairing each time."""
    code = "H" + "1".zfill(_width(args))
    copy_db(city_db, db)
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "SELECT p.id, p.since FROM pairings p JOIN households h ON h.id = p.household_id"
            " WHERE h.code = ? AND p.until IS NULL",
            [code],
        ).fetchone()
        used = (
            {
                d
                for (d,) in conn.execute(
                    "SELECT date FROM visits WHERE pairing_id = ? AND kind = 'regular'", [row[0]]
                )
            }
            if row
            else set()
        )
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
    return summary(
        "visit add (one row)", shown(argv, out).replace("DATE", "<free day>"), res["times"], res["rss"], note
    )


def history(
    cmds: Commands,
    args,
    data: Path,
    work: Path,
    end: dt.date,
    last_q: str,
    R: int,
    warm: bool,
    out: Path,
    log,
) -> tuple[dict, dict]:
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
        argv = [
            *AIDTRACK,
            "--db",
            str(db),
            "report",
            "quarter",
            *cmds.period_args(("report", "quarter"), last_q),
            "--format",
            "json",
        ]
        results.append(measure(label, argv, R, out, warmup=warm))
        remove_db(db)
    return results[0], results[1]


# -- issue 16: the second pass's measures (each beside its floor) ---------------------------------

#: `check visits`: pairings active at as-of with their visits this quarter so far; exited households
#: with their exit date and latest visit; escalations open too long; poor households left unpaired.
SQL_CHECK_VISITS = (
    """
SELECT p.id, h.code, h.name, c.code, c.name, p.since, p.until,
       (SELECT count(*) FROM visits v WHERE v.pairing_id = p.id AND v.date BETWEEN :qstart AND :asof)
FROM pairings p JOIN households h ON h.id = p.household_id JOIN cadres c ON c.id = p.cadre_id
WHERE p.since <= :asof AND (p.until IS NULL OR p.until >= :asof) ORDER BY h.code
""",
    """
WITH s AS (SELECT household_id, date, status IN ('exited', 'prosperous') AS out_,
           row_number() OVER (PARTITION BY household_id ORDER BY date, id) AS n FROM statuses
           WHERE date <= :asof),
last_in AS (SELECT household_id, max(n) AS n FROM s WHERE NOT out_ GROUP BY household_id),
ex AS (SELECT s.household_id, min(s.date) AS since FROM s LEFT JOIN last_in USING (household_id)
       WHERE s.out_ AND s.n > coalesce(last_in.n, 0) GROUP BY s.household_id),
lv AS (SELECT ex.household_id, ex.since,
              (SELECT max(v.date) FROM pairings p JOIN visits v ON v.pairing_id = p.id AND v.date <= :asof
               WHERE p.household_id = ex.household_id) AS last FROM ex)
SELECT h.code, h.name, lv.since, lv.last FROM lv JOIN households h ON h.id = lv.household_id
WHERE max(lv.since, coalesce(lv.last, '')) < :followup_from ORDER BY h.code
""",
    """
SELECT pr.id, pr.problem, v.date, h.code, h.name, c.code, c.name FROM problems pr
CROSS JOIN visits v ON v.id = pr.visit_id JOIN pairings p ON p.id = v.pairing_id
JOIN households h ON h.id = p.household_id JOIN cadres c ON c.id = p.cadre_id
WHERE pr.escalated = 1 AND v.date < :escalated_before AND (pr.resolved_on IS NULL OR pr.resolved_on > :asof)
ORDER BY v.date, pr.id
""",
    """
WITH st AS (SELECT household_id, status, max(date || printf('%012d', id)) FROM statuses
            WHERE date <= :asof GROUP BY household_id)
SELECT h.code, h.name, st.status FROM st JOIN households h ON h.id = st.household_id
WHERE st.status IN ('enrolled', 'relapsed') AND NOT EXISTS (
  SELECT 1 FROM pairings p WHERE p.household_id = st.household_id AND p.since <= :asof
  AND (p.until IS NULL OR p.until >= :asof)) ORDER BY h.code
""",
)

#: `check exits`: enrolled or relapsed households whose last exit_months recorded months (of the last
#: 24) are each at or above the line per person (the line in force at as-of for every month).
SQL_CHECK_EXITS = """
WITH st AS (SELECT household_id, status, max(date || printf('%012d', id)) FROM statuses
            WHERE date <= :asof GROUP BY household_id),
m AS (SELECT i.household_id, i.month, sum(i.amount) AS amount,
             row_number() OVER (PARTITION BY i.household_id ORDER BY i.month DESC) AS k
      FROM income i CROSS JOIN st
      ON st.household_id = i.household_id AND st.status IN ('enrolled', 'relapsed')
      WHERE i.month BETWEEN :window_month AND :last_month GROUP BY i.household_id, i.month)
SELECT h.code, h.name, count(*), min(m.amount) FROM m JOIN households h ON h.id = m.household_id
WHERE m.k <= :need GROUP BY m.household_id HAVING count(*) >= :need AND min(m.amount) >= :line * h.members
ORDER BY h.code
"""


def measure_yardstick(
    label: str,
    db: Path,
    compute,
    argv: list[str],
    repeat: int,
    keys: dict[str, tuple[str, ...] | None] | None = None,
    covers: str = "",
) -> dict:
    """A same-figures yardstick in-process (connect read-only, compute the command's JSON, close),
    then checked against the command's own JSON: `same_figures` is "equal" or the first difference.
    `keys`: the keys of the command's JSON that the yardstick computes (yardsticks.covered), the
    comparison is of those alone (`covers` says which in words, for the target's label); None: the whole JSON."""
    times = []
    data = None
    for _ in range(repeat + 1):
        t = time.perf_counter()
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            data = compute(conn)
        finally:
            conn.close()
        times.append(time.perf_counter() - t)
    p = subprocess.run(argv, capture_output=True, text=True, env=ENV)
    if p.returncode != 0:
        same = f"command failed: {p.stderr.strip()[-200:]}"
    else:
        command = json.loads(p.stdout)
        if keys is not None:
            command = yardsticks.covered(command, keys)
        same = yardsticks.first_difference(command, data) or "equal"
    res = summary(label, "(in-process sqlite3)", times[1:], [], f"same figures ({covers or 'all'}): {same}")
    res["same_figures"] = same
    res["covers"] = covers or "every figure"
    return res


def measure_sqls(label: str, db: Path, queries: list[tuple[str, dict]], repeat: int) -> dict:
    """Several hand-written queries in one connection, in-process: connect, run each, fetch every row."""
    times = []
    rows = 0
    for _ in range(repeat + 1):
        t = time.perf_counter()
        conn = sqlite3.connect(db)
        try:
            rows = sum(len(conn.execute(sql, params).fetchall()) for sql, params in queries)
        finally:
            conn.close()
        times.append(time.perf_counter() - t)
    res = summary(label, "(in-process sqlite3)", times[1:], [], f"{rows} rows")
    res["rows"] = rows
    return res


def quarter_params(end: dt.date) -> dict:
    start = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    m1 = f"{start.year:04d}-{start.month:02d}"
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "m1": m1,
        "m3": add_months(m1, 2),
        "p1": add_months(m1, -3),
        "p3": add_months(m1, -1),
    }


def check_params(db: Path, asof: dt.date) -> dict:
    """Every check's parameters with the default policy (the generator sets none but the line)."""
    rel = relapse_params(db, asof)
    q = quarter_params(asof)
    return {
        **rel,
        "qstart": q["start"],
        "followup_from": (asof - dt.timedelta(days=90)).isoformat(),
        "escalated_before": (asof - dt.timedelta(days=30)).isoformat(),
        "window_month": add_months(rel["last_month"], -23),
        "need": 6,
    }


def hand_sql(m: dict, db: Path, end: dt.date, R: int) -> None:
    """The hand-written floors of `report quarter`, `report cadres`, `check relapse`, `check`."""
    c = check_params(db, end)
    label = f"{end.year}Q{(end.month - 1) // 3 + 1}"
    m["sql_quarter"] = measure_yardstick(
        "same-figures SQL: report quarter (benchmarks/yardsticks.py)",
        db,
        lambda conn: yardsticks.quarter(conn, label, dt.date.today()),
        [*AIDTRACK, "--db", str(db), "report", "quarter", label, "--format", "json"],
        R,
        yardsticks.QUARTER_KEYS,
        yardsticks.QUARTER_COVERS,
    )
    m["sql_cadres"] = measure_yardstick(
        "same-figures SQL: report cadres (benchmarks/yardsticks.py)",
        db,
        lambda conn: yardsticks.cadres(conn, label, dt.date.today()),
        [*AIDTRACK, "--db", str(db), "report", "cadres", label, "--format", "json"],
        R,
    )
    m["sql_relapse"] = measure_sql(
        "hand-written SQL: relapse risk", db, SQL_RELAPSE, relapse_params(db, end), R
    )
    m["sql_check"] = measure_sqls(
        "hand-written SQL: every check (relapse, visits, exits)",
        db,
        [(SQL_RELAPSE, c), *((s, c) for s in SQL_CHECK_VISITS), (SQL_CHECK_EXITS, c)],
        R,
    )


#: The same end state as `aidtrack import visits`, in SQL alone (the sqlite3 shell): the CSV into a TEMP
#: table, then one INSERT … SELECT into the register's own `visits` (foreign keys on, its indexes and
#: unique key), each row's pairing found by a join, in the order of the unique index.
SAME_END_STATE = """PRAGMA foreign_keys = ON;
CREATE TEMP TABLE staged (household TEXT, cadre TEXT, date TEXT, kind TEXT, situation TEXT, solved TEXT,
                          event TEXT);
.import --csv --skip 1 "{csv}" staged
INSERT INTO visits (pairing_id, date, kind, situation, solved, event)
SELECT p.id, s.date, coalesce(nullif(s.kind, ''), 'regular'), nullif(s.situation, ''), nullif(s.solved, ''),
       nullif(s.event, '')
FROM staged s JOIN households h ON h.code = s.household
JOIN pairings p ON p.household_id = h.id AND p.since <= s.date AND (p.until IS NULL OR p.until >= s.date)
JOIN cadres c ON c.id = p.cadre_id AND c.code = s.cadre
ORDER BY p.id, s.date;
"""


def same_end_state(base: Path, visits_csv: Path, work: Path, R: int, out: Path, rows: int) -> dict:
    """`import visits`' limit: the same rows in the same table, by the sqlite3 shell (on a copy of base)."""
    label = f"same-end-state SQL, sqlite3 shell ({rows:,} rows)"
    sqlite3_bin = shutil.which("sqlite3")
    if not sqlite3_bin:
        return skipped(label, "sqlite3 not on PATH")
    script = work / "same_end_state.sql"
    script.write_text(SAME_END_STATE.format(csv=visits_csv), encoding="utf-8")
    target_db = work / "same.db"
    res = measure(
        label,
        [sqlite3_bin, "-bail", str(target_db), f".read {script}"],
        R,
        out,
        prepare=lambda: copy_db(base, target_db),
    )
    if res["status"] == "ok":
        got = table_counts(target_db)["visits"]
        res["rows"] = got
        res["note"] = "ORDER BY pairing, date" if got == rows else f"VISITS STORED {got}, CSV HAS {rows}"
    remove_db(target_db)
    return res


FLOOR_RUN = [
    sys.executable,
    str(HERE / "floor_app.py"),
    "--household",
    "H00001",
    "--date",
    "2026-09-30",
    "--situation",
    "测试",
]


def one_row_adds(
    m: dict, city_db: Path, work: Path, end: dt.date, R: int, warm: bool, out: Path, args
) -> None:
    """`visit add` and `income add` into copies of the city register, beside a minimal Typer command's run."""
    m["floor_run"] = measure("floor: minimal Typer command run", FLOOR_RUN, R, out, warmup=warm)
    m["visit_add"] = time_visit_add(city_db, work / "visit.db", end, R, warm, out, args)
    code = "H" + "1".zfill(_width(args))
    db = work / "income.db"
    copy_db(city_db, db)
    n = iter(range(10_000))
    argv = [
        *AIDTRACK,
        "--db",
        str(db),
        "income",
        "add",
        code,
        "--month",
        f"{end.year:04d}-{end.month:02d}",
        "--amount",
        "123.45",
        "--source",
        "SOURCE",
    ]
    times, rss = [], []
    for i in range(R + (1 if warm else 0)):
        r = wrapped([x if x != "SOURCE" else f"测试{next(n)}" for x in argv])
        if r["rc"] != 0:
            last = (r["stderr"].strip().splitlines() or [""])[-1]
            res = skipped("income add (one row)", f"exit {r['rc']}: {last}", shown(argv, out))
            res["status"] = "error"
            m["income_add"] = res
            remove_db(db)
            return
        if not (warm and i == 0):
            times.append(r["wall"])
            rss.append(r["maxrss_kib"])
    conn = sqlite3.connect(db)
    try:
        added = conn.execute("SELECT count(*) FROM income WHERE source LIKE '测试%'").fetchone()[0]
    finally:
        conn.close()
    want = R + (1 if warm else 0)
    note = f"{added} rows added" if added == want else f"ADDED {added} ROWS, EXPECTED {want}"
    command = shown(argv, out).replace("SOURCE", "测试<n>")
    m["income_add"] = summary("income add (one row)", command, times, rss, note)
    remove_db(db)


def import_problems(city_db: Path, problems_csv: Path, work: Path, R: int, out: Path) -> dict:
    """`import problems` of the city's problems file into a copy of the city register without its problems."""
    rows = csv_rows(problems_csv)
    label = f"import problems ({rows:,} rows)"
    base = work / "noproblems.db"
    copy_db(city_db, base)
    conn = sqlite3.connect(base)
    try:
        conn.execute("DELETE FROM problems")
        conn.commit()
    finally:
        conn.close()
    target_db = work / "problems.db"
    res = measure(
        label,
        [*AIDTRACK, "--db", str(target_db), "import", "problems", str(problems_csv)],
        R,
        out,
        prepare=lambda: copy_db(base, target_db),
    )
    if res["status"] == "ok":
        got = table_counts(target_db)["problems"]
        res["rows"] = got
        if got != rows:
            res["note"] = f"PROBLEMS STORED {got}, CSV HAS {rows}"
    for path in (base, target_db):
        remove_db(path)
    return res


#: `--quick`: the tiny run CI and tests/test_benchmarks.py make (seconds, not minutes).
QUICK = {"households": 200, "years": 2, "repeat": 1, "skip_big": True, "units": [3], "unit_households": 20}


def judge_second_pass(m: dict, t: list) -> None:
    """Issue 16's targets, each a ratio of medians measured in this run."""
    target(
        t,
        "import_vs_same_end_state",
        "import visits ≤ 1.15 × same-end-state SQL (issue 29; 1.3 × before)",
        ratio(m["import_visits"], m["same_end_state"]),
        1.15,
        "max",
        "×",
    )
    floor = m["floor"].get("median")
    for key, sql in (
        ("report_quarter", "sql_quarter"),
        ("report_cadres", "sql_cadres"),
        ("check_relapse", "sql_relapse"),
        ("check_all", "sql_check"),
    ):
        cli, base = m[key].get("median"), m[sql].get("median")
        limit = None if floor is None or base is None else 1.5 * (floor + base)
        fig = None if cli is None or limit is None else cli / (floor + base)
        same = m[sql].get("same_figures")
        target(
            t,
            f"{key}_vs_sql",
            f"{m[key]['label']} ≤ 1.5 × (floor + "
            + (
                f"same-figures SQL of {m[sql]['covers']})"
                if same
                else "hand-written SQL, part of the figures)"
            ),
            fig,
            1.5,
            "max",
            "×",
            ("" if limit is None else f"limit {limit:.3f} s")
            + ("" if same in (None, "equal") else f"; SQL NOT EQUAL: {same}"),
        )
    for key in ("visit_add", "income_add"):
        target(
            t,
            f"{key}_vs_floor_run",
            f"{m[key]['label']} ≤ 1.2 × minimal Typer command run",
            ratio(m[key], m["floor_run"]),
            1.2,
            "max",
            "×",
        )
    target(
        t,
        "help_vs_floor",
        "aidtrack --help ≤ 1.3 × floor --help",
        ratio(m["help"], m["floor"]),
        1.3,
        "max",
        "×",
    )
    target(
        t,
        "history_10x",
        "report quarter with 10× history ≤ 1.2 × normal",
        ratio(m["history_10x"], m["history_1x"]),
        1.2,
        "max",
        "×",
    )
    target(
        t,
        "import_problems",
        f"{m['import_problems']['label']} ≤ 2 s",
        m["import_problems"].get("median"),
        2,
        "max",
        "s",
    )


def judge_rollup(rows: list[dict], t: list) -> None:
    """Issue 29's targets of the city roll-up, from the scales measured (--units 10,100,500)."""
    if not rows:
        return
    last, first = rows[-1], rows[0]
    n = last["units"]
    if n >= 500:
        target(t, "merge_500", f"first merge of {n} units < 180 s", last.get("first_merge"), 180, "max", "s")
    if len(rows) > 1 and first.get("per_unit") and last.get("per_unit"):
        target(
            t,
            "merge_per_unit",
            f"first merge: cost per unit at {n} units ≤ 1.2 × at {first['units']}",
            last["per_unit"] / first["per_unit"],
            1.2,
            "max",
            "×",
        )
    hundred = next((r for r in rows if r["units"] >= 100), None)
    for key, what in (("report_mib", "report quarter --by unit"), ("check_mib", "check (every check)")):
        target(
            t,
            f"rollup_{key}",
            f"peak memory of {what} at {n} units < 300 MiB",
            last.get(key),
            300,
            "max",
            "MiB",
        )
        if hundred is not None and hundred is not last and hundred.get(key) and last.get(key):
            target(
                t,
                f"rollup_{key}_flat",
                f"peak memory of {what}: {n} units ≤ 1.2 × {hundred['units']} units",
                last[key] / hundred[key],
                1.2,
                "max",
                "×",
            )


def judge(m: dict) -> list[dict]:
    t: list[dict] = []
    judge_second_pass(m, t)
    judge_rollup((m.get("merge_units") or {}).get("scales") or [], t)
    target(
        t,
        "import_vs_sqlite3",
        "import visits ≤ 2.5 × sqlite3 .import (first pass)",
        ratio(m["import_visits"], m["sqlite3_import"]),
        2.5,
        "max",
        "×",
    )
    target(
        t,
        "sqlite_utils_vs_import",
        "sqlite-utils insert ≥ 8 × import visits",
        ratio(m["sqlite_utils_insert"], m["import_visits"]),
        8,
        "min",
        "×",
    )
    for key, size in (("import_visits", "~1M"), ("import_visits_big", "~5M")):
        rows = m[key].get("rows")
        target(
            t,
            f"memory_{key}",
            f"peak memory, import visits ({f'{rows:,}' if rows else size} rows) ≤ 100 MiB",
            m[key].get("peak_rss_mib"),
            100,
            "max",
            "MiB",
        )
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
    return "\n".join(lines) + "\n" + targets_markdown(results["targets"])


def targets_markdown(targets: list[dict]) -> str:
    lines = ["", "| target | figure | limit | result |", "| --- | ---: | ---: | --- |"]
    for t in targets:
        verdict = "–" if t["pass"] is None else ("PASS" if t["pass"] else "FAIL")
        fig = "–" if t["figure"] is None else f"{t['figure']:.2f} {t['unit']}"
        note = f" ({t['note']})" if t["note"] else ""
        lines.append(f"| {t['label']} | {fig} | {t['limit']} {t['unit']} | {verdict}{note} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
