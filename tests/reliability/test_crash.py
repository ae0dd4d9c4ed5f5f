"""A laptop losing power mid-import: a real `aidtrack import bundle` process killed with SIGKILL at
several points. Each time the register opens, `doctor` is clean, and it holds all of that import or
none of it, across every kind of the bundle.

The kills land at 40, 65 and 90 % of a full run's time: past the interpreter's start-up (about a third
of it; a kill before the import has begun proves nothing), and at least one before the import is done."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

KINDS = ("cadres", "households", "statuses", "pairings", "visits", "income", "aid")
N, DAYS = 100, 150  # 15,000 visits and 700 income rows: the import outlasts the start-up


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    d = tmp_path_factory.mktemp("bundle")
    (d / "cadres.csv").write_text("code,name\n" + "".join(f"C{i:03d},干部{i}\n" for i in range(N)))
    (d / "households.csv").write_text(
        "code,name,enrolled\n" + "".join(f"H{i:03d},户主{i},2003-07-01\n" for i in range(N))
    )
    (d / "pairings.csv").write_text(
        "cadre,household,since\n" + "".join(f"C{i:03d},H{i:03d},2003-07-10\n" for i in range(N))
    )
    with (d / "visits.csv").open("w") as f:
        f.write("household,date,situation\n")
        for i in range(N):
            f.writelines(
                f"H{i:03d},2004-{1 + d_ // 28:02d}-{1 + d_ % 28:02d},生活稳定\n" for d_ in range(DAYS)
            )
    (d / "income.csv").write_text(
        "household,month,amount\n"
        + "".join(f"H{i:03d},2004-0{m},{600 + m}\n" for i in range(N) for m in range(1, 8))
    )
    (d / "aid.csv").write_text(
        "household,date,kind,value,giver\n"
        + "".join(f"H{i:03d},2004-02-01,goods,100,局党委\n" for i in range(N))
    )
    return d


def counts(cli) -> dict[str, int]:
    return {k: cli.scalar(f"SELECT count(*) FROM {k}") for k in KINDS}


def full_run_seconds(cli, bundle) -> float:
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "aidtrack", "--db", str(cli.db), "import", "bundle", str(bundle)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t


def test_killed_bundle_import_is_all_or_nothing(cli, bundle, tmp_path):
    reference = tmp_path / "reference.db"
    cli.db, db = reference, cli.db
    duration = full_run_seconds(cli, bundle)
    everything = counts(cli)
    assert everything["visits"] == N * DAYS
    cli.db = db
    cli("init")
    empty = counts(cli)
    outcomes = []
    for fraction in (0.4, 0.65, 0.9):
        proc = subprocess.Popen(
            [sys.executable, "-m", "aidtrack", "--db", str(cli.db), "import", "bundle", str(bundle)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = counts(cli)
        assert now in (empty, everything), (fraction, now)
        outcomes.append(now == everything)
        report = json.loads(cli("doctor", "--format", "json").stdout)
        assert all(f["ok"] for f in report), report
        if now == everything:  # start again from nothing for the next kill
            cli.db.unlink()
            for suffix in ("-wal", "-shm"):
                cli.db.with_name(cli.db.name + suffix).unlink(missing_ok=True)
            cli("init")
    assert not all(outcomes), "every kill came too late to interrupt the import"
