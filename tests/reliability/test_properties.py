"""Properties over the domain: for random registers built through the same operations the CLI uses,
the quarter report's totals equal counts taken directly from the tables, and export → import into an
empty register reproduces every record."""

from __future__ import annotations

import datetime as dt
import sqlite3

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidtrack.model import AID_KINDS, EVENTS, VISIT_KINDS, AidtrackError, Quarter
from aidtrack.ops.transfer import exporter
from aidtrack.ops.transfer.importer import import_bundle
from aidtrack.ops.write import actions, records
from aidtrack.reports import quarter as quarter_report
from aidtrack.store import open_store

from conftest import public_records

TODAY = dt.date(2005, 12, 31)
START = dt.date(2004, 1, 1)

day = st.integers(min_value=0, max_value=540).map(lambda n: START + dt.timedelta(days=n))
money = st.integers(min_value=0, max_value=2_000_000).map(lambda fen: f"{fen // 100}.{fen % 100:02d}")
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("visit"),
            st.integers(0, 3),
            day,
            st.sampled_from(VISIT_KINDS),
            st.one_of(st.none(), st.sampled_from(EVENTS)),
            st.lists(st.text(min_size=1, max_size=8).filter(str.strip), max_size=2),
        ),
        st.tuples(st.just("income"), st.integers(0, 3), day, money, st.sampled_from(["", "工资", "低保"])),
        st.tuples(
            st.just("aid"),
            st.integers(0, 3),
            day,
            st.sampled_from(AID_KINDS),
            money,
            st.sampled_from([None, "C00", "C01", "局党委"]),
        ),
        st.tuples(st.just("end"), st.integers(0, 3), day),
        st.tuples(
            st.just("status"), st.integers(0, 3), day, st.sampled_from(["exited", "prosperous", "relapsed"])
        ),
    ),
    max_size=40,
)


def build_register(path, plan) -> None:
    db = open_store(path, operator="hypothesis")
    for i in range(4):
        records.add(db, "cadres", {"code": f"C0{i}", "name": f"干部{i}"}, TODAY)
        records.add(
            db,
            "households",
            {"code": f"H0{i}", "name": f"户主{i}", "members": str(i + 1), "enrolled": "2003-12-01"},
            TODAY,
        )
        records.add(db, "pairings", {"cadre": f"C0{i}", "household": f"H0{i}", "since": "2004-01-01"}, TODAY)
    for step in plan:
        h = f"H0{step[1]}"
        try:  # a step the rules refuse (outside the pairing, a duplicate) is simply not recorded
            if step[0] == "visit":
                records.add_visit(
                    db,
                    {"household": h, "date": step[2].isoformat(), "kind": step[3], "event": step[4]},
                    step[5],
                    bool(step[5]) and step[1] % 2 == 0,
                    TODAY,
                )
            elif step[0] == "income":
                records.add(
                    db,
                    "income",
                    {"household": h, "month": step[2].isoformat()[:7], "amount": step[3], "source": step[4]},
                    TODAY,
                )
            elif step[0] == "aid":
                records.add(
                    db,
                    "aid",
                    {
                        "household": h,
                        "date": step[2].isoformat(),
                        "kind": step[3],
                        "value": step[4],
                        "giver": step[5],
                    },
                    TODAY,
                )
            elif step[0] == "end":
                actions.end_pairing(db, h, step[2].isoformat(), TODAY)
            else:
                actions.set_status(db, h, step[3], step[2].isoformat(), None, TODAY)
        except AidtrackError:
            pass
    db.close()


def scalar(path, sql, params=()):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    plan=steps, q=st.sampled_from([Quarter(2004, 1), Quarter(2004, 2), Quarter(2004, 3), Quarter(2005, 2)])
)
def test_quarter_totals_equal_direct_counts(tmp_path_factory, plan, q):
    path = tmp_path_factory.mktemp("prop") / "unit.db"
    build_register(path, plan)
    db = open_store(path)
    data = quarter_report.build(db, q, today=TODAY)
    db.close()
    start, end = q.start.isoformat(), q.end.isoformat()
    totals = data["totals"]
    assert totals["visits"] == scalar(
        path, "SELECT count(*) FROM visits WHERE date BETWEEN ? AND ?", [start, end]
    )
    assert totals["visits_cumulative"] == scalar(path, "SELECT count(*) FROM visits WHERE date <= ?", [end])
    assert (
        totals["pairings"]
        == len(data["pairings"])
        == scalar(
            path,
            "SELECT count(*) FROM pairings WHERE since <= ? AND (until IS NULL OR until >= ?)",
            [end, start],
        )
    )
    aid_fen = scalar(path, "SELECT coalesce(sum(value), 0) FROM aid WHERE date BETWEEN ? AND ?", [start, end])
    assert round(totals["aid_value"] * 100) == aid_fen
    assert round(sum(totals["aid_by_kind"].values()) * 100) == aid_fen
    assert totals["compliant"] == sum(1 for r in data["pairings"] if r["visits"] >= r["required"])
    assert totals["problems_open_escalated"] == scalar(
        path,
        "SELECT count(*) FROM problems p JOIN visits v ON v.id = p.visit_id WHERE p.escalated = 1"
        " AND v.date <= ? AND (p.resolved_on IS NULL OR p.resolved_on > ?)",
        [end, end],
    )
    assert sum(totals["households_by_status"].values()) == totals["households"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_export_import_round_trip(tmp_path_factory, plan):
    tmp = tmp_path_factory.mktemp("round")
    build_register(tmp / "a.db", plan)
    db = open_store(tmp / "a.db")
    exporter.export(db, "all", tmp / "bundle")
    db.close()
    b = open_store(tmp / "b.db")
    import_bundle(b, tmp / "bundle", today=TODAY).raise_if_errors()
    b.close()
    assert public_records(tmp / "b.db") == public_records(tmp / "a.db")
