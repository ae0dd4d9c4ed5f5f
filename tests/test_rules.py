"""The rules a decision about a household applies (docs/rules.md, docs/monitoring.md): 致富 and 脱贫,
the monitoring categories and risk elimination, spending (支出) and the dated livelihood; and checks
as of a date showing the figures of that date. Registers built through the CLI, then the database
opened; figures worked out by hand (poverty line 200 yuan a person a month, monitoring line 300)."""

from __future__ import annotations

import json
import sqlite3

import pytest


def show(cli, *args, code=0):
    return json.loads(cli(*args, "--format", "json", code=code).stdout)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from aidtrack.ops import demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    demo.build(path, operator="test").close()
    return path


@pytest.fixture
def demo(cli, demo_db):
    src, dst = sqlite3.connect(demo_db), sqlite3.connect(cli.db)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return cli


# --- every check as of a date shows the figures of that date --------------------------------------


def test_check_monitor_shows_the_household_size_of_its_date(demo):
    """H08 has 4 members in July 2004; 6 from 2004-08-15. As of 2004-07-31 it is shown with 4."""
    cli = demo
    cli("household", "edit", "H08", "--members", "6", "--from", "2004-08-15")
    data = show(cli, "check", "monitor", "--as-of", "2004-07-31", code=1)
    # H08: exited 2004-03-28, 2003-08..2004-07 income 600..940 over 4 people: under 300 a head.
    h08 = {c["household"]: c for c in data["candidates"]}["H08"]
    assert h08["members"] == 4
    data = show(cli, "check", "monitor", "--as-of", "2004-09-30", code=1)
    assert {c["household"]: c for c in data["candidates"]}["H08"]["members"] == 6
