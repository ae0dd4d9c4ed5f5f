#!/usr/bin/env python3
"""`aidtrack import visits` against the same end state reached in SQL alone, and `import problems`.

    python benchmarks/import_limit.py [--out DIR] [--households N] [--years Y] [--seed S]
                                      [--end YYYY-MM-DD] [--repeat R] [--big N] [--reuse]

Side by side, R times each, interleaved (so a busy machine slows all three alike), on fresh copies
of one base register holding the city's cadres, households and pairings (imported once, untimed):

- **limit**: the sqlite3 shell reaching the same end state in SQL alone: the CSV `.import`ed into
  a TEMP table, then one `INSERT … SELECT` into the register's own `visits` table (foreign keys on,
  its indexes and unique key), each row's pairing resolved by a join, in (pairing, date) order;
- **aidtrack**: `aidtrack import visits FILE` (the rows checked set-based in SQL generated from the
  registry, the one validator reading the rows the SQL leaves out);
- **raw**: `sqlite3 .import --csv` into a bare new table (no types, no checks, no index).

The end state of aidtrack is compared with the limit's (every stored column of every visit). Then
`aidtrack import problems` (~50,000 rows) on a copy of the register with the visits, R times; with
`--big N` one import of a visits-only file of about N rows (peak memory, flat or not).

Each figure is a subprocess wrapped in a fresh process that reports the wall time, the CPU time
(user + system) and the peak RSS (ru_maxrss of RUSAGE_CHILDREN) of the child. Medians of R.
Standard library only (besides the aidtrack under test); writes DIR/import_limit.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
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
ENV = {**os.environ, "AIDTRACK_OPERATOR": "bench", "COLUMNS": "200", "TERM": "dumb"}
ENV.pop("AIDTRACK_DB", None)
ENV.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode as an installed package has it (see run.py)

WRAPPER = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
rss = ru.ru_maxrss // (1024 if sys.platform == "darwin" else 1)
print(json.dumps({"rc": p.returncode, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "maxrss_kib": rss,
                  "stderr": p.stderr.decode("utf-8", "replace")[-2000:]}))
"""

#: The same end state in SQL alone; {csv} is the visits file.
LIMIT_SQL = """\
PRAGMA foreign_keys = ON;
CREATE TEMP TABLE vin (household TEXT, cadre TEXT, date TEXT, kind TEXT, situation TEXT, solved TEXT,
                       event TEXT);
.import --csv --skip 1 --schema temp "{csv}" vin
INSERT INTO visits (pairing_id, date, kind, situation, solved, event)
SELECT p.id, v.date, coalesce(nullif(v.kind, ''), 'regular'), nullif(v.situation, ''),
       nullif(v.solved, ''), nullif(v.event, '')
FROM temp.vin v JOIN households h ON h.code = v.household
JOIN pairings p ON p.household_id = h.id AND p.since <= v.date AND (p.until IS NULL OR p.until >= v.date)
ORDER BY p.id, v.date;
"""


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def wrapped(argv: list[str]) -> dict:
    p = subprocess.run(
        [sys.executable, "-c", WRAPPER, *map(str, argv)], capture_output=True, text=True, env=ENV
    )
    if p.returncode != 0 or not p.stdout.strip():
        raise RuntimeError(f"wrapper failed: {p.stderr.strip()[-500:]}")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    if r["rc"] != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} exited {r['rc']}: {r['stderr'].strip()[-800:]}")
    return r


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def copy_db(src: Path, dst: Path) -> None:
    conn = sqlite3.connect(src)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    remove_db(dst)
    shutil.copyfile(src, dst)


def aidtrack(db: Path, *args: str) -> None:
    p = subprocess.run([*AIDTRACK, "--db", str(db), *args], capture_output=True, text=True, env=ENV)
    if p.returncode != 0:
        raise RuntimeError(f"aidtrack {' '.join(args)} exited {p.returncode}: {p.stderr.strip()[-800:]}")


def lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f) - 1


def visits_digest(db: Path) -> tuple[int, str]:
    """The count and a hash of every stored visit column but the id, in unique-key order."""
    conn = sqlite3.connect(db)
    try:
        h = hashlib.sha256()
        n = 0
        for row in conn.execute(
            "SELECT pairing_id, date, kind, situation, solved, event FROM visits"
            " ORDER BY pairing_id, date, kind"
        ):
            h.update(repr(row).encode())
            n += 1
        return n, h.hexdigest()
    finally:
        conn.close()


def count(db: Path, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def summary(label: str, runs: list[dict]) -> dict:
    return {
        "label": label,
        "runs": len(runs),
        "wall": [round(r["wall"], 2) for r in runs],
        "cpu": [round(r["cpu"], 2) for r in runs],
        "median_wall": round(statistics.median(r["wall"] for r in runs), 2),
        "median_cpu": round(statistics.median(r["cpu"] for r in runs), 2),
        "peak_rss_mib": round(max(r["maxrss_kib"] for r in runs) / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE / "out" / "import_limit")
    ap.add_argument("--households", type=int, default=20000)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 9, 30))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--big",
        type=int,
        default=None,
        metavar="N",
        help="also import a visits-only file of about N rows once (peak memory)",
    )
    ap.add_argument("--reuse", action="store_true", help="keep the generated files and base register")
    ap.add_argument("--skip-problems", action="store_true")
    args = ap.parse_args(argv)
    sqlite3_bin = shutil.which("sqlite3")
    if not sqlite3_bin:
        ap.error("the sqlite3 shell is not on PATH")
    out, work = args.out, args.out / "work"
    data = out / "data" / f"h{args.households}-y{args.years}-s{args.seed}-{args.end}"
    work.mkdir(parents=True, exist_ok=True)
    city = data / "city"
    if not (args.reuse and (city / "visits.csv").is_file()):
        log("generating the city bundle")
        shutil.rmtree(city, ignore_errors=True)
        generate.generate(city, args.households, args.years, args.seed, end=args.end)
    visits_csv, problems_csv = city / "visits.csv", city / "problems.csv"
    rows = {"visits": lines(visits_csv), "problems": lines(problems_csv)}
    base = data / "base.db"
    if not (args.reuse and base.is_file()):
        log("base register: cadres, households, pairings (untimed)")
        remove_db(base)
        for kind in ("cadres", "households", "pairings"):
            aidtrack(base, "import", kind, str(city / f"{kind}.csv"))
    script = work / "limit.sql"
    script.write_text(LIMIT_SQL.format(csv=visits_csv))

    meta = {
        "rows": rows,
        "sqlite": sqlite3.sqlite_version,
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "load_before": os.getloadavg(),
    }
    runs: dict[str, list[dict]] = {"limit": [], "aidtrack": [], "raw": []}
    lim_db, imp_db, raw_db = work / "limit.db", work / "import.db", work / "raw.db"
    for i in range(args.repeat):
        log(f"round {i + 1}/{args.repeat}: limit")
        copy_db(base, lim_db)
        runs["limit"].append(wrapped([sqlite3_bin, lim_db, f".read {script}"]))
        log(f"round {i + 1}/{args.repeat}: aidtrack import visits")
        copy_db(base, imp_db)
        runs["aidtrack"].append(wrapped([*AIDTRACK, "--db", imp_db, "import", "visits", visits_csv]))
        log(f"round {i + 1}/{args.repeat}: raw .import")
        remove_db(raw_db)
        runs["raw"].append(wrapped([sqlite3_bin, raw_db, f'.import --csv "{visits_csv}" visits']))
    log("comparing end states")
    lim_state, imp_state = visits_digest(lim_db), visits_digest(imp_db)
    meta["stored"] = {"limit": lim_state[0], "aidtrack": imp_state[0]}
    meta["same_end_state"] = lim_state == imp_state
    results = {
        "limit": summary(
            f"limit: sqlite3 .import into TEMP + INSERT … SELECT ({rows['visits']:,} rows)", runs["limit"]
        ),
        "aidtrack": summary(f"aidtrack import visits ({rows['visits']:,} rows)", runs["aidtrack"]),
        "raw": summary("sqlite3 .import --csv, bare table", runs["raw"]),
    }
    remove_db(lim_db)
    remove_db(raw_db)

    if not args.skip_problems:
        prob_base, prob_db = work / "with_visits.db", work / "problems.db"
        copy_db(imp_db, prob_base)
        got = []
        for i in range(args.repeat):
            log(f"round {i + 1}/{args.repeat}: aidtrack import problems")
            copy_db(prob_base, prob_db)
            got.append(wrapped([*AIDTRACK, "--db", prob_db, "import", "problems", problems_csv]))
        results["problems"] = summary(f"aidtrack import problems ({rows['problems']:,} rows)", got)
        meta["stored"]["problems"] = count(prob_db, "problems")
        remove_db(prob_db)
        remove_db(prob_base)
    remove_db(imp_db)

    if args.big:
        big = data / f"big{args.big}"
        if not (args.reuse and (big / "visits.csv").is_file()):
            log(f"generating a visits-only file of about {args.big:,} rows")
            shutil.rmtree(big, ignore_errors=True)
            generate.generate(big, args.households, args.years, args.seed, end=args.end, visits_only=args.big)
        n = lines(big / "visits.csv")
        log(f"aidtrack import visits, {n:,} rows (once)")
        copy_db(base, imp_db)
        argv = [*AIDTRACK, "--db", imp_db, "import", "visits", big / "visits.csv"]
        results["big"] = summary(f"aidtrack import visits ({n:,} rows)", [wrapped(argv)])
        meta["stored"]["big"] = count(imp_db, "visits")
        rows["big"] = n
        remove_db(imp_db)

    meta["load_after"] = os.getloadavg()
    lim, imp = results["limit"], results["aidtrack"]
    targets = {
        "import ≤ 1.15 × limit (wall)": (round(imp["median_wall"] / lim["median_wall"], 2), 1.15),
        "import ≤ 1.15 × limit (cpu)": (round(imp["median_cpu"] / lim["median_cpu"], 2), 1.15),
        "peak memory ≤ 100 MiB": (
            max(r["peak_rss_mib"] for k, r in results.items() if k in ("aidtrack", "big")),
            100,
        ),
    }
    if "problems" in results:
        targets["import problems ≤ 2 s (wall)"] = (results["problems"]["median_wall"], 2.0)
    report = {
        "meta": meta,
        "results": results,
        "targets": {k: {"figure": v, "limit": most, "pass": v <= most} for k, (v, most) in targets.items()},
    }
    (out / "import_limit.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))

    print(
        f"rows: {rows}; sqlite {meta['sqlite']}, python {meta['python']}, {meta['cpus']} cpus,"
        f" load {meta['load_before'][0]:.1f} → {meta['load_after'][0]:.1f}"
    )
    print("\n| what | median wall s | median cpu s | wall runs | peak RSS MiB |")
    print("| --- | ---: | ---: | --- | ---: |")
    for r in results.values():
        print(
            f"| {r['label']} | {r['median_wall']:.2f} | {r['median_cpu']:.2f} |"
            f" {', '.join(f'{w:.2f}' for w in r['wall'])} | {r['peak_rss_mib']} |"
        )
    print(f"\nsame end state as the limit: {meta['same_end_state']} (stored {meta['stored']})")
    print("\n| target | figure | limit | met |")
    print("| --- | ---: | ---: | --- |")
    for k, t in report["targets"].items():
        print(f"| {k} | {t['figure']} | {t['limit']} | {'yes' if t['pass'] else 'NO'} |")
    return 0 if meta["same_end_state"] else 1


if __name__ == "__main__":
    sys.exit(main())
