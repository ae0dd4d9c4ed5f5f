"""Several clerks writing into one file at once: every visit lands, none fails on a lock."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

WORKER = textwrap.dedent("""
    import datetime as dt, sys
    from aidtrack.cli.main import app
    db, household, start = sys.argv[1], sys.argv[2], dt.date.fromisoformat(sys.argv[3])
    for i in range(250):
        day = (start + dt.timedelta(days=i)).isoformat()
        rc = app(["--db", db, "--operator", household, "visit", "add", household, "--date", day,
                  "--situation", f"第{i}次走访", "--problem", "测试"], standalone_mode=False)
        if rc not in (None, 0):
            sys.exit(f"visit {i} failed with {rc}")
""")


def test_four_processes_add_250_visits_each(cli, tmp_path):
    for n in range(1, 5):
        cli("cadre", "add", f"干部{n}", "--code", f"C0{n}")
        cli("household", "add", f"户主{n}", "--code", f"H0{n}", "--enrolled", "2000-01-01")
        cli("pair", "add", f"C0{n}", f"H0{n}", "--since", "2000-01-01")
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(cli.db), f"H0{n}", "2001-01-01"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in range(1, 5)]
    results = [p.communicate(timeout=240) for p in procs]
    for p, (_out, err) in zip(procs, results):
        assert p.returncode == 0, err
        assert "locked" not in err
    # 4 workers x 250 visits, each with one problem and audited once for the visit, once for the problem
    assert cli.scalar("SELECT count(*) FROM visits") == 1000
    assert cli.scalar("SELECT count(*) FROM problems") == 1000
    assert cli.rows("SELECT p.household_id, count(*) FROM visits v JOIN pairings p ON p.id = v.pairing_id"
                    " GROUP BY 1 ORDER BY 1") == [(1, 250), (2, 250), (3, 250), (4, 250)]
    assert cli.scalar("SELECT count(*) FROM audit WHERE entity = 'visits'") == 1000
    last = (dt.date(2001, 1, 1) + dt.timedelta(days=249)).isoformat()
    assert cli.scalar("SELECT max(date) FROM visits") == last
    r = cli("doctor")
    assert "PROBLEM" not in r.stdout
