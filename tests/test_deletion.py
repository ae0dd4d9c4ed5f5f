"""Deleting a record: what blocks and what cascades follows from the registry's links.

Every link of every kind (kinds.Kind.links) is held to the schema's FOREIGN KEYs, both ways; then,
in a register where every link is used, deleting the record each link names is refused (naming
the kind that still refers to it, before any question) or takes the linked record with it.
"""

from __future__ import annotations

import sqlite3

import pytest

from aidtrack.kinds import REGISTRY
from aidtrack.model import AidtrackError
from aidtrack.ops.write import deletion
from aidtrack.store import open_store

from conftest import Cli


def _foreign_keys(db) -> set[tuple[str, str, str, bool]]:
    conn = sqlite3.connect(db)
    try:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {
            (t, fk[3], fk[2], fk[6].upper() == "CASCADE")
            for t in tables
            for fk in conn.execute(f"PRAGMA foreign_key_list({t})")
        }
    finally:
        conn.close()


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Cli:
    """A register where every link of every kind is used once."""
    cli = Cli(tmp_path_factory.mktemp("full") / "unit.db")
    cli("cadre", "add", "吴振国", "--code", "C01")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "2004-07-01")
    cli("pair", "add", "C01", "H01", "--since", "2004-07-01")
    cli("visit", "add", "H01", "--date", "2004-07-05", "--problem", "医药费无力承担", "--escalate")
    cli("meeting", "add", "2004-07-20")
    cli("meeting", "item", "1", "1", "--decision", "局里承担", "--leader", "C01")
    cli("income", "add", "H01", "--month", "2004-07", "--amount", "300")
    cli("plan", "cause", "H01", "--cause", "laid_off", "--date", "2004-07-01")
    cli(
        "plan",
        "add",
        "H01",
        "--what",
        "买三轮车",
        "--kind",
        "project",
        "--cadre",
        "C01",
        "--date",
        "2004-07-02",
    )
    cli("aid", "add", "H01", "--date", "2004-07-03", "--kind", "funds", "--value", "700", "--giver", "C01")
    cli("aid", "edit", "1", "--measure", "买三轮车")
    cli("job", "add", "H01", "--member", "刘强", "--started", "2004-07-04", "--measure", "买三轮车")
    # monitoring is for a household out of poverty (an enrolled one is already helped)
    cli("household", "status", "H01", "--set", "exited", "--date", "2004-07-05", "--reason", "摆摊收入稳定")
    cli("member", "add", "H01", "刘小明", "--joined", "2004-07-01")
    # from here on a status and monitoring are decisions: cases (their steps, one appraisal at the
    # meeting) and what their approval wrote
    cli("policy", "set", "cases_from", "2004-07-06")
    cli("case", "open", "H01", "monitor", "--category", "sudden", "--date", "2004-07-06")
    cli("case", "step", "1", "consent", "--date", "2004-07-06")
    cli("case", "step", "1", "verification", "--date", "2004-07-06")
    cli("case", "approve", "1", "--body", "局党委会", "--date", "2004-07-07")
    cli("spending", "add", "H01", "--date", "2004-07-07", "--kind", "medical", "--amount", "800")
    cli("household", "edit", "H01", "--livelihood", "commerce", "--from", "2004-07-08")
    cli("case", "open", "H01", "prosper", "--date", "2004-07-19", "--reason", "开店")
    cli("case", "step", "2", "verification", "--date", "2004-07-19")
    cli("case", "step", "2", "appraisal", "--date", "2004-07-20", "--meeting", "2004-07-20")
    cli("case", "step", "2", "publicity", "--date", "2004-07-22", "--until", "2004-07-28")
    cli("case", "approve", "2", "--body", "局党委会", "--date", "2004-07-29")
    cli("case", "open", "H01", "eliminate", "--date", "2004-07-30", "--reason", "风险已消除")
    cli("case", "step", "3", "verification", "--date", "2004-07-30")
    cli("case", "step", "3", "publicity", "--date", "2004-07-31", "--until", "2004-08-06")
    cli("case", "approve", "3", "--body", "局党委会", "--date", "2004-08-07")
    # a phone submission's ledger entry, naming the visit and the income it became (what `import
    # submissions` writes; put here directly, this file is about links)
    with sqlite3.connect(cli.db) as conn:
        conn.execute(
            "INSERT INTO submissions (instance_id, source, visit_id, income_id) VALUES ('x1', 'central', 1, 1)"
        )
    conn.close()
    return cli


def test_every_link_is_a_foreign_key_of_the_schema_and_back(full):
    declared = {
        (k.table, lk.column, REGISTRY[lk.to].table, lk.cascade) for k in REGISTRY.values() for lk in k.links
    }
    tables = {k.table for k in REGISTRY.values()}
    schema = {fk for fk in _foreign_keys(full.db) if fk[2] in tables}
    assert declared == schema


def test_the_register_uses_every_link(full):
    for k in REGISTRY.values():
        for lk in k.links:
            assert full.scalar(f"SELECT count(*) FROM {k.table} WHERE {lk.column} IS NOT NULL"), (k.name, lk)


@pytest.mark.parametrize(
    ("kind", "link"),
    [(k.name, lk) for k in REGISTRY.values() for lk in k.links],
    ids=lambda x: getattr(x, "column", x),
)
def test_deleting_what_a_link_names_is_refused_or_takes_it_along(full, kind, link):
    k = REGISTRY[kind]
    rid, target = full.rows(f"SELECT id, {link.column} FROM {k.table} WHERE {link.column} IS NOT NULL")[0]
    db = open_store(full.db)
    try:
        blocking, cascaded = deletion.dependents(db, link.to, target)
        if link.cascade:
            assert rid in cascaded[kind] and kind not in blocking
        else:
            assert blocking[kind] >= 1 and kind not in cascaded
            to = REGISTRY[link.to]
            ident = (
                db.execute(f"SELECT code FROM {to.table} WHERE id = ?", [target]).fetchone()[0]
                if to.code_prefix
                else target
            )
            with pytest.raises(AidtrackError, match=f"still referred to by .*{blocking[kind]} {kind}"):
                deletion.plan(db, link.to, ident)
    finally:
        db.close()


def test_household_delete_with_a_cause_is_refused_before_asking(story):
    story("plan", "cause", "H02", "--cause", "laid_off", "--date", "2003-07-01")
    story("plan", "add", "H02", "--what", "养鸡", "--kind", "project", "--date", "2003-07-02")
    story("job", "add", "H02", "--member", "满强", "--started", "2003-08-01")
    story("household", "status", "H02", "--set", "exited", "--date", "2003-07-31", "--reason", "摆摊")
    story("monitor", "add", "H02", "--category", "sudden", "--date", "2003-08-01")
    story("pair", "delete", "2", "--yes")
    before = story.checksum()
    r = story("household", "delete", "H02", "--yes", code=2)
    assert r.stderr == (
        "Error: household: H02 满运良 is still referred to by 1 causes, 1 measures, 1 jobs, 1 monitoring;"
        " delete or correct those first\n"
    )
    assert story.checksum() == before
    assert story.scalar("SELECT count(*) FROM households WHERE code = 'H02'") == 1


def test_a_household_goes_with_its_statuses_and_members(tmp_path):
    cli = Cli(tmp_path / "unit.db")
    cli("household", "add", "满运良", "--code", "H02", "--enrolled", "2003-07-01")
    cli("member", "add", "H02", "满强", "--joined", "2003-07-01")
    cli("household", "delete", "H02", "--yes")
    assert cli.scalar("SELECT count(*) FROM members") == 0
    assert cli.scalar("SELECT count(*) FROM statuses") == 0
    assert cli.scalar("SELECT count(*) FROM households") == 0
