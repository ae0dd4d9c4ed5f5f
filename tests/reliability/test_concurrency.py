"""Several clerks writing into one file at once: every visit lands, none fails on a lock."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

#: Visits per worker: enough for the writes to interleave about a hundred times.
VISITS = 60

WORKER = textwrap.dedent("""
    import datetime as dt, sys
    from aidtrack.cli.main import command_tree
    db, household, start, n = sys.argv[1], sys.argv[2], dt.date.fromisoformat(sys.argv[3]), int(sys.argv[4])
    cmd = command_tree()
    print("ready", flush=True)
    sys.stdin.readline()  # the start signal: every worker begins at once
    for i in range(n):
        day = (start + dt.timedelta(days=i)).isoformat()
        rc = cmd.main(["--db", db, "--operator", household, "visit", "add", household, "--date", day,
                       "--situation", f"第{i}次走访", "--problem", "测试"], prog_name="aidtrack",
                      standalone_mode=False)
        if rc not in (None, 0):
            sys.exit(f"visit {i} failed with {rc}")
""")


def test_four_processes_writing_at_once_lose_nothing(cli):
    """No visit is lost or refused on a lock while four processes really write at the same time.

    What it proves is the overlap, not volume: the workers start together on one signal, and the
    order the rows landed in shows their transactions interleaved (250 visits each proved no more).
    """
    for n in range(1, 5):
        cli("cadre", "add", f"干部{n}", "--code", f"C0{n}")
        cli("household", "add", f"户主{n}", "--code", f"H0{n}", "--enrolled", "2000-01-01")
        cli("pair", "add", f"C0{n}", f"H0{n}", "--since", "2000-01-01")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(cli.db), f"H0{n}", "2001-01-01", str(VISITS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(1, 5)
    ]
    for p in procs:  # all imported and ready before any writes
        assert p.stdout.readline() == "ready\n", p.communicate()[1]
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [p.communicate(timeout=240) for p in procs]
    for p, (_out, err) in zip(procs, results):
        assert p.returncode == 0, err
        assert "locked" not in err
    # The writes overlapped: in the order the visits landed, the household changes again and again
    # (one worker after another would change it 3 times).
    order = [
        h
        for (h,) in cli.rows(
            "SELECT p.household_id FROM visits v JOIN pairings p ON p.id = v.pairing_id ORDER BY v.id"
        )
    ]
    assert sum(a != b for a, b in zip(order, order[1:])) >= 10, order
    # 4 workers x VISITS visits, each with one problem and audited once for the visit, once for the problem
    assert cli.scalar("SELECT count(*) FROM visits") == 4 * VISITS
    assert cli.scalar("SELECT count(*) FROM problems") == 4 * VISITS
    assert cli.rows(
        "SELECT p.household_id, count(*) FROM visits v JOIN pairings p ON p.id = v.pairing_id"
        " GROUP BY 1 ORDER BY 1"
    ) == [(n, VISITS) for n in range(1, 5)]
    assert cli.scalar("SELECT count(*) FROM audit WHERE entity = 'visits'") == 4 * VISITS
    last = (dt.date(2001, 1, 1) + dt.timedelta(days=VISITS - 1)).isoformat()
    assert cli.scalar("SELECT max(date) FROM visits") == last
    r = cli("doctor")
    assert "PROBLEM" not in r.stdout
