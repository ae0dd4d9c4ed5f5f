"""The city roll-up: units' own files merged, read-only, into the city's; reports across units."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from aidtrack.store import open_store
from aidtrack.store.schema import migrations

UNITS = ("交通局", "民政局", "财政局")


def build_jiaotong(cli) -> None:
    """2004Q3: one pairing all quarter, 2 visits (07-15, 08-20) of 2 required; 700 yuan funds."""
    cli("cadre", "add", "吴局长", "--code", "C01")
    cli(
        "household",
        "add",
        "刘香福",
        "--code",
        "H01",
        "--members",
        "3",
        "--born",
        "1952-03-04",
        "--id-number",
        "230102195203041237",
        "--enrolled",
        "2003-07-01",
    )
    cli("pair", "add", "C01", "H01", "--since", "2003-07-10")
    cli("visit", "add", "H01", "--date", "2003-07-10", "--kind", "initial")
    cli("visit", "add", "H01", "--date", "2004-07-15", "--problem", "看病难", "--escalate")
    cli("visit", "add", "H01", "--date", "2004-08-20")
    cli("aid", "add", "H01", "--kind", "funds", "--value", "700", "--giver", "C01", "--date", "2004-08-01")
    cli("income", "add", "H01", "--month", "2004-07", "--amount", "600")


def build_minzheng(cli) -> None:
    """2004Q3: H01 all quarter with 1 visit of 2 (short); H02 paired from 08-01, 61 of 92 days, so
    ceil(2 × 61 / 92) = 2 required, 2 made (08-05, 09-10); 120 yuan goods. H01 exited 2004-06-30."""
    cli("cadre", "add", "李科长", "--code", "C01")
    cli("cadre", "add", "王干部", "--code", "C02")
    cli(
        "household",
        "add",
        "满运良",
        "--code",
        "H01",
        "--members",
        "2",
        "--born",
        "1960-05-06",
        "--id-number",
        "230102196005061119",
        "--enrolled",
        "2003-07-01",
    )
    cli("household", "add", "张桂兰", "--code", "H02", "--members", "4", "--enrolled", "2004-01-01")
    cli("household", "status", "H01", "--set", "exited", "--date", "2004-06-30")
    cli("pair", "add", "C01", "H01", "--since", "2003-07-10")
    cli("pair", "add", "C02", "H02", "--since", "2004-08-01")
    cli("visit", "add", "H01", "--date", "2004-07-20")
    cli("visit", "add", "H02", "--date", "2004-08-05", "--kind", "initial")
    cli("visit", "add", "H02", "--date", "2004-09-10")
    cli("aid", "add", "H02", "--kind", "goods", "--value", "120", "--giver", "局党委", "--date", "2004-08-05")


def build_caizheng(cli) -> None:
    """2004Q3: one pairing from 07-01 (the whole quarter), 3 visits of 2; 300 yuan medical."""
    cli("cadre", "add", "赵处长", "--code", "C01")
    cli(
        "household",
        "add",
        "孙秀英",
        "--code",
        "H01",
        "--members",
        "1",
        "--born",
        "1955-01-01",
        "--id-number",
        "230102195501012223",
        "--enrolled",
        "2004-06-01",
    )
    cli("pair", "add", "C01", "H01", "--since", "2004-07-01")
    for day in ("2004-07-02", "2004-09-01", "2004-09-20"):
        cli("visit", "add", "H01", "--date", day)
    cli("aid", "add", "H01", "--kind", "medical", "--value", "300", "--date", "2004-09-01")


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> Path:
    """The three units' files, built once through the CLI; each test works on copies."""
    from conftest import Cli

    folder = tmp_path_factory.mktemp("units")
    for name, build in zip(UNITS, (build_jiaotong, build_minzheng, build_caizheng)):
        build(Cli(folder / f"{name}.db"))
    return folder


@pytest.fixture
def units(templates, tmp_path, cli) -> dict[str, object]:
    """A Cli per unit file (copies of the templates), keyed by unit name; `cli` is the city's."""
    out = {}
    for name in UNITS:
        shutil.copy(templates / f"{name}.db", tmp_path / f"{name}.db")
        out[name] = type(cli)(tmp_path / f"{name}.db")
    return out


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def merge(cli, *paths, code: int = 0, extra=()):
    return cli("merge", *map(str, paths), "--format", "json", *extra, code=code)


def files(units) -> list[Path]:
    return [u.db for u in units.values()]


def test_merge_copies_each_unit_with_prefixed_codes(cli, units):
    r = merge(cli, *files(units))
    summary = json.loads(r.stdout)
    assert [(s["unit"], s["status"], s["households"], s["visits"]) for s in summary] == [
        ("交通局", "added", 1, 3),
        ("民政局", "added", 2, 3),
        ("财政局", "added", 1, 3),
    ]
    assert cli.rows("SELECT code FROM households ORDER BY code") == [
        ("交通局/H01",),
        ("民政局/H01",),
        ("民政局/H02",),
        ("财政局/H01",),
    ]
    assert cli.rows("SELECT code FROM cadres ORDER BY code") == [
        ("交通局/C01",),
        ("民政局/C01",),
        ("民政局/C02",),
        ("财政局/C01",),
    ]
    # every pairing joins a cadre and a household of the same unit
    assert cli.rows(
        "SELECT c.code, h.code, p.since FROM pairings p JOIN cadres c ON c.id = p.cadre_id"
        " JOIN households h ON h.id = p.household_id ORDER BY h.code"
    ) == [
        ("交通局/C01", "交通局/H01", "2003-07-10"),
        ("民政局/C01", "民政局/H01", "2003-07-10"),
        ("民政局/C02", "民政局/H02", "2004-08-01"),
        ("财政局/C01", "财政局/H01", "2004-07-01"),
    ]
    # visits: 3 + 3 + 3; one problem; aid 3 with the cadre giver mapped; statuses: 4 enrolled + 1 exit
    assert cli.scalar("SELECT count(*) FROM visits") == 9
    assert cli.rows(
        "SELECT h.code, v.date, pr.problem, pr.escalated FROM problems pr"
        " JOIN visits v ON v.id = pr.visit_id JOIN pairings p ON p.id = v.pairing_id"
        " JOIN households h ON h.id = p.household_id"
    ) == [("交通局/H01", "2004-07-15", "看病难", 1)]
    assert cli.rows(
        "SELECT h.code, a.value, c.code, a.giver FROM aid a"
        " JOIN households h ON h.id = a.household_id"
        " LEFT JOIN cadres c ON c.id = a.giver_cadre_id ORDER BY a.date"
    ) == [
        ("交通局/H01", 70000, "交通局/C01", None),
        ("民政局/H02", 12000, None, "局党委"),
        ("财政局/H01", 30000, None, None),
    ]
    assert cli.scalar("SELECT count(*) FROM statuses") == 5
    assert cli.rows(
        "SELECT u.name, count(*) FROM households h JOIN units u ON u.id = h.unit_id"
        " GROUP BY u.name ORDER BY u.name"
    ) == [("交通局", 1), ("民政局", 2), ("财政局", 1)]
    assert cli.rows("SELECT action, entity, record FROM audit ORDER BY id") == [
        ("merge", "units", name) for name in UNITS
    ]
    # a reference by prefixed code works like any code
    shown = json.loads(cli("household", "show", "民政局/H02", "--format", "json").stdout)
    assert shown["name"] == "张桂兰" and shown["cadre"] == "民政局/C02"
    assert all(f["ok"] for f in json.loads(cli("doctor", "--format", "json").stdout))


def test_unit_files_are_only_read(cli, units):
    before = {p: digest(p) for p in files(units)}
    merge(cli, *files(units))
    assert {p: digest(p) for p in files(units)} == before
    assert not any(Path(f"{p}.before-0002_units.bak").exists() for p in files(units))


def test_unit_file_with_a_wal_being_written_is_read_without_writing(cli, units):
    """A clerk's program has the unit file open with a committed change still in its -wal."""
    unit = units["交通局"]
    writer = sqlite3.connect(unit.db)
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("UPDATE households SET address = '道里区' WHERE code = 'H01'")
        writer.commit()
        wal = Path(f"{unit.db}-wal")
        assert wal.stat().st_size > 0
        main_before, wal_before = digest(unit.db), digest(wal)
        merge(cli, unit.db)
        assert (digest(unit.db), digest(wal)) == (main_before, wal_before)
        assert cli.scalar("SELECT address FROM households") == "道里区"  # read through the -wal
    finally:
        writer.close()


def test_read_only_medium_falls_back_to_immutable_unless_a_wal_is_pending(cli, units, monkeypatch):
    """Where no -shm can be made (a read-only USB stick) mode=ro fails: with no -wal nothing can be
    half-written, so the file is read immutable; with a -wal holding writes it is refused."""
    real = sqlite3.connect

    city = Path(cli.db).resolve().as_uri()

    def connect(target, *args, **kw):
        if "mode=ro" in str(target) and not str(target).startswith(city):  # the city file is writable
            raise sqlite3.OperationalError("unable to open database file")
        return real(target, *args, **kw)

    monkeypatch.setattr(sqlite3, "connect", connect)
    merge(cli, units["交通局"].db)
    assert cli.rows("SELECT code FROM households") == [("交通局/H01",)]
    writer = real(units["财政局"].db)
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("UPDATE households SET address = '道外区'")
        writer.commit()
        r = merge(cli, units["财政局"].db, code=2)
        assert "财政局" in r.stderr and "cannot be opened read-only" in r.stderr
    finally:
        writer.close()


def test_unit_name_option_for_a_single_file(cli, units, tmp_path):
    other = tmp_path / "unit-a.db"
    shutil.copy(units["交通局"].db, other)
    merge(cli, other, extra=("--unit-name", "交通局"))
    assert cli.rows("SELECT code FROM households") == [("交通局/H01",)]
    assert cli.rows("SELECT name, source, records FROM units") == [
        # cadre 1, household 1, status 1, pairing 1, visits 3, problem 1, income 1, aid 1, members 3
        ("交通局", "unit-a.db", 13)
    ]  # the file's name: no path of this machine
    r = cli("merge", str(other), str(units["民政局"].db), "--unit-name", "x", code=2)
    assert "unit-name" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = cli("merge", str(other), "--unit-name", "a/b", code=2)
    assert "'/'" in r.stderr


def test_newer_copy_of_a_unit_replaces_only_that_unit(cli, units):
    merge(cli, *files(units))
    others = (
        "SELECT h.code, v.id, v.date FROM visits v JOIN pairings p ON p.id = v.pairing_id"
        " JOIN households h ON h.id = p.household_id WHERE h.code NOT LIKE '民政局/%' ORDER BY v.id"
    )
    kept = cli.rows(others)
    units["民政局"]("visit", "add", "H01", "--date", "2004-09-25")
    summary = json.loads(merge(cli, *files(units)).stdout)
    assert [(s["unit"], s["status"]) for s in summary] == [
        ("交通局", "unchanged"),
        ("民政局", "replaced"),
        ("财政局", "unchanged"),
    ]
    assert cli.rows(others) == kept  # the other units' records untouched, ids and all
    assert cli.rows(
        "SELECT v.date FROM visits v JOIN pairings p ON p.id = v.pairing_id"
        " JOIN households h ON h.id = p.household_id WHERE h.code = '民政局/H01'"
    ) == [("2004-07-20",), ("2004-09-25",)]
    assert cli.scalar("SELECT count(*) FROM visits") == 10  # 9 + 1
    assert cli.scalar("SELECT count(*) FROM households") == 4
    # cadres 2, households 2, statuses 3, pairings 2, visits 4, aid 1, members 2 + 4
    assert cli.scalar("SELECT records FROM units WHERE name = '民政局'") == 20
    assert cli.rows("SELECT action, record FROM audit ORDER BY id")[-1] == ("merge", "民政局")
    assert cli.scalar("SELECT count(*) FROM audit") == 4


def test_merging_the_same_files_again_changes_nothing(cli, units):
    merge(cli, *files(units))
    before = cli.checksum()
    # VACUUM rewrites the unit file's pages (its bytes change) but not one of its records
    path = units["财政局"].db
    old = digest(path)
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")
    conn.close()
    assert digest(path) != old
    summary = json.loads(merge(cli, *files(units)).stdout)
    assert {s["status"] for s in summary} == {"unchanged"}
    assert all("no record changed" in s["reason"] for s in summary)
    assert cli.checksum() == before


def conflicting_units(units, tmp_path) -> list[Path]:
    """Four more unit files, each to be refused for its own reason."""
    cli_type = type(units["交通局"])
    same_id = cli_type(tmp_path / "教育局.db")  # the ID number of 交通局's H01, another name
    same_id(
        "household",
        "add",
        "刘祥富",
        "--code",
        "H01",
        "--id-number",
        "230102195203041237",
        "--enrolled",
        "2004-01-01",
    )
    same_person = cli_type(tmp_path / "卫生局.db")  # 交通局's H01 by name and born date, no ID number
    same_person(
        "household", "add", "刘香福", "--code", "H07", "--born", "1952-03-04", "--enrolled", "2004-01-01"
    )
    future = tmp_path / "公安局.db"
    shutil.copy(units["财政局"].db, future)
    conn = sqlite3.connect(future)
    conn.execute("UPDATE households SET id_number = NULL, born = NULL")
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('aidtrack', '0099_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    broken = tmp_path / "税务局.db"
    shutil.copy(units["财政局"].db, broken)
    conn = sqlite3.connect(broken)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("UPDATE households SET id_number = NULL, born = NULL")
    conn.execute(
        "INSERT INTO pairings (cadre_id, household_id, since, until)"
        " VALUES (1, 1, '2004-06-01', '2004-07-15')"
    )  # overlaps the pairing since 07-01
    conn.commit()
    conn.close()
    return [same_id.db, same_person.db, future, broken]


def test_conflicts_leave_out_households_or_refuse_units_one_line_each(cli, units, tmp_path):
    refused = conflicting_units(units, tmp_path)
    before = {p: digest(p) for p in [*files(units), *refused]}
    r = merge(cli, *files(units), *refused, code=2)
    summary = {s["unit"]: s for s in json.loads(r.stdout)}
    assert {u: s["status"] for u, s in summary.items()} == {
        "交通局": "added",
        "民政局": "added",
        "财政局": "added",
        "教育局": "added",
        "卫生局": "added",
        "公安局": "refused",
        "税务局": "refused",
    }
    # 教育局's and 卫生局's only household is 交通局's H01: left out, their cadres-less rest merged
    assert [(h["household"], h["unit"], h["other"]) for h in summary["教育局"]["left_out"]] == [
        ("H01", "交通局", "交通局/H01")
    ]
    assert "same ID number" in summary["教育局"]["left_out"][0]["reason"]
    assert "same name and born date" in summary["卫生局"]["left_out"][0]["reason"]
    assert summary["教育局"]["households"] == 0 and summary["卫生局"]["households"] == 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("Left out: unit 教育局: H01 刘祥富") and "交通局/H01" in lines[0]
    assert lines[1].startswith("Left out: unit 卫生局: H07 刘香福") and "same name and born date" in lines[1]
    assert "公安局" in lines[2] and "newer aidtrack" in lines[2] and "0099_from_the_future" in lines[2]
    assert "税务局" in lines[3] and "fails doctor" in lines[3] and "one active pairing" in lines[3]
    assert cli.rows("SELECT name, left_out FROM units ORDER BY id") == [
        *((u, 0) for u in UNITS),
        ("教育局", 1),
        ("卫生局", 1),
    ]
    assert cli.scalar("SELECT count(*) FROM households") == 4
    assert cli.scalar("SELECT count(*) FROM statuses") == 5  # none of the left-out households'
    assert cli.scalar("SELECT count(*) FROM audit") == 5
    assert {p: digest(p) for p in [*files(units), *refused]} == before


def unit_file(units, tmp_path, name: str):
    cli_type = type(units["交通局"])
    return cli_type(tmp_path / f"{name}.db")


def test_people_are_told_apart_by_id_number(cli, units, tmp_path):
    """Same ID number: one person (left out). Different ID numbers: two people whatever the names
    (a warning). Name and born date decide only where an ID number is missing."""
    merge(cli, units["交通局"].db)  # H01 刘香福 1952-03-04, ID …1234
    twin = unit_file(units, tmp_path, "教育局")  # same name and born date, another ID number
    twin(
        "household",
        "add",
        "刘香福",
        "--code",
        "H01",
        "--born",
        "1952-03-04",
        "--id-number",
        "230103195203045672",
        "--enrolled",
        "2004-01-01",
    )
    twin(
        "household",
        "add",
        "孙秀英",
        "--code",
        "H02",
        "--born",
        "1955-01-01",  # 财政局's, no ID
        "--enrolled",
        "2004-01-01",
    )
    r = merge(cli, twin.db, units["财政局"].db, code=1)
    summary = {s["unit"]: s for s in json.loads(r.stdout)}
    assert summary["教育局"]["status"] == "added" and summary["教育局"]["left_out"] == []
    assert [(w["household"], w["other"]) for w in summary["教育局"]["warnings"]] == [("H01", "交通局/H01")]
    # 财政局's H01 孙秀英 has an ID number, 教育局's H02 (merged first) has none: one person
    assert [(h["household"], h["other"]) for h in summary["财政局"]["left_out"]] == [("H01", "教育局/H02")]
    assert summary["财政局"]["status"] == "added" and summary["财政局"]["households"] == 0
    assert summary["财政局"]["visits"] == 0  # its 3 visits were its left-out household's
    assert "Warning: unit 教育局: H01 刘香福 and 交通局/H01" in r.stderr
    assert "Left out: unit 财政局: H01 孙秀英" in r.stderr
    assert cli.rows("SELECT code FROM households ORDER BY code") == [
        ("交通局/H01",),
        ("教育局/H01",),
        ("教育局/H02",),
    ]
    # 财政局's cadre merged; its household's pairing, visits, aid and status did not
    assert cli.rows("SELECT code FROM cadres WHERE code LIKE '财政局/%'") == [("财政局/C01",)]
    assert cli.scalar("SELECT count(*) FROM pairings") == 1
    assert cli.scalar("SELECT count(*) FROM visits") == 3
    assert cli.scalar("SELECT count(*) FROM aid") == 1
    table = cli("merge", str(units["财政局"].db), code=1)
    assert "Left out" in table.stderr and "unchanged" in table.stdout  # the same copy: unchanged


def test_conflict_within_one_merge_call_leaves_the_later_household_out(cli, units, tmp_path):
    """The second of two units enrolling one person (no ID number on one side) has it left out;
    a later copy of a merged unit that now enrols someone another unit has: the same."""
    merge(cli, units["交通局"].db, units["财政局"].db)
    units["财政局"](
        "household", "add", "满运良", "--code", "H02", "--born", "1960-05-06", "--enrolled", "2004-01-01"
    )
    units["财政局"]("household", "add", "新住户", "--code", "H03", "--enrolled", "2004-01-01")
    r = merge(cli, units["民政局"].db, units["财政局"].db, code=1)
    summary = json.loads(r.stdout)
    assert [(s["unit"], s["status"], len(s["left_out"])) for s in summary] == [
        ("民政局", "added", 0),
        ("财政局", "replaced", 1),
    ]
    assert "财政局" in r.stderr and "H02 满运良" in r.stderr and "民政局/H01" in r.stderr
    assert cli.rows("SELECT code FROM households WHERE code LIKE '财政局/%' ORDER BY code") == [
        ("财政局/H01",),
        ("财政局/H03",),
    ]
    assert cli.rows("SELECT name FROM units ORDER BY id") == [("交通局",), ("财政局",), ("民政局",)]


def test_stable_ids_when_a_unit_is_merged_again(cli, units):
    merge(cli, *files(units))
    tables = ("cadres", "households", "statuses", "pairings", "visits", "problems", "income", "aid")
    ids = {t: cli.rows(f"SELECT id, source_id FROM {t} ORDER BY id") for t in tables}
    # every record keeps its id in its unit's file
    assert cli.rows("SELECT h.source_id, h.code FROM households h ORDER BY h.id") == [
        (1, "交通局/H01"),
        (1, "民政局/H01"),
        (2, "民政局/H02"),
        (1, "财政局/H01"),
    ]
    top = cli.scalar("SELECT max(id) FROM visits")
    units["民政局"]("visit", "add", "H01", "--date", "2004-09-25")
    units["民政局"]("household", "edit", "H02", "--address", "道外区")
    summary = json.loads(merge(cli, *files(units)).stdout)
    assert [s["status"] for s in summary] == ["unchanged", "replaced", "unchanged"]
    for t in tables:
        now = cli.rows(f"SELECT id, source_id FROM {t} ORDER BY id")
        assert now[: len(ids[t])] == ids[t], t  # every record before kept its id
    assert cli.rows("SELECT id, source_id, date FROM visits WHERE id > ?", [top]) == [
        (top + 1, 4, "2004-09-25")
    ]  # the new visit: the unit file's visit 4, after the largest id
    assert cli.scalar("SELECT address FROM households WHERE code = '民政局/H02'") == "道外区"
    # a visit deleted in the unit file (民政局's visit 1, H01 on 07-20) goes; the others keep their ids
    before = cli.rows("SELECT id, source_id FROM visits ORDER BY id")
    units["民政局"]("visit", "delete", "1", "--yes")
    merge(cli, *files(units))
    gone = [r for r in before if r not in cli.rows("SELECT id, source_id FROM visits ORDER BY id")]
    assert len(gone) == 1 and gone[0][1] == 1
    assert cli.scalar("SELECT count(*) FROM visits") == len(before) - 1


def age(*paths: Path, seconds: int = 60) -> None:
    """Set the files' times back, as for unit files copied in the day before the merge."""
    import os
    import time

    for p in paths:
        for f in (p, Path(f"{p}-wal")):
            if f.exists():
                t = time.time() - seconds
                os.utime(f, (t, t))


def test_unchanged_unit_files_are_skipped_without_reading_their_records(cli, units, monkeypatch):
    age(*files(units))
    merge(cli, *files(units))
    assert all(fp for (fp,) in cli.rows("SELECT fingerprint FROM units"))
    kept = cli.checksum()
    import aidtrack.ops.transfer.merge as ops_merge

    def no_digest(*args):
        raise AssertionError("digested an unchanged file")

    monkeypatch.setattr(ops_merge, "digest", no_digest)
    summary = json.loads(merge(cli, *files(units)).stdout)
    # households in the city file; visits not counted (on a cold 3 GB city file that is the slow part)
    assert [(s["status"], s["households"], s["visits"]) for s in summary] == [
        ("unchanged", 1, None),
        ("unchanged", 2, None),
        ("unchanged", 1, None),
    ]
    assert cli.checksum() == kept
    monkeypatch.undo()
    # a unit file written since is read again: its fingerprint differs
    units["财政局"]("visit", "add", "H01", "--date", "2004-09-25")
    age(units["财政局"].db)
    summary = json.loads(merge(cli, *files(units)).stdout)
    assert [s["status"] for s in summary] == ["unchanged", "unchanged", "replaced"]
    # a file whose bytes changed but not its records (VACUUM) is digested once, then skipped
    conn = sqlite3.connect(units["民政局"].db)
    conn.execute("VACUUM")
    conn.close()
    age(units["民政局"].db)
    summary = json.loads(merge(cli, *files(units)).stdout)
    assert [s["status"] for s in summary] == ["unchanged"] * 3
    monkeypatch.setattr(ops_merge, "digest", no_digest)
    assert [s["status"] for s in json.loads(merge(cli, *files(units)).stdout)] == ["unchanged"] * 3


def test_unreadable_and_self_are_refused(cli, units, tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("not a database")
    damaged = tmp_path / "damaged.db"
    data = units["民政局"].db.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])
    cli("init")
    r = merge(cli, units["交通局"].db, text, tmp_path / "missing.db", cli.db, damaged, code=2)
    assert [s["status"] for s in json.loads(r.stdout)] == ["added"] + ["refused"] * 4
    assert "not an aidtrack register" in r.stderr and "is not a file" in r.stderr
    assert "city file itself" in r.stderr and "malformed" in r.stderr
    assert not (tmp_path / "missing.db").exists()


def test_a_code_taken_in_the_city_file_refuses_the_unit_whole(cli, units):
    cli("household", "add", "某户", "--code", "财政局/H01", "--enrolled", "2004-01-01")
    before = cli.checksum()
    r = merge(cli, units["财政局"].db, code=2)
    assert "财政局" in r.stderr and "UNIQUE" in r.stderr
    assert cli.checksum() == before  # no units row, no cadre: the transaction rolled back


def test_older_unit_file_is_read_as_is_and_not_migrated(cli, tmp_path):
    old = tmp_path / "老单位.db"
    db = open_store(old, migrate=False)
    migrations.apply(db, stop_before="0002_units")
    db.execute("INSERT INTO cadres (code, name) VALUES ('C01', '老干部')")
    db.execute("INSERT INTO households (code, name) VALUES ('H01', '老住户')")
    db.execute("INSERT INTO statuses (household_id, status, date) VALUES (1, 'enrolled', '2004-01-01')")
    db.execute("INSERT INTO pairings (cadre_id, household_id, since) VALUES (1, 1, '2004-01-05')")
    db.execute("INSERT INTO visits (pairing_id, date) VALUES (1, '2004-02-01')")
    db.conn.commit()
    db.close()
    before = digest(old)
    summary = json.loads(merge(cli, old).stdout)
    assert summary[0]["status"] == "added"
    assert cli.rows("SELECT code FROM households") == [("老单位/H01",)]
    assert digest(old) == before
    conn = sqlite3.connect(old)
    try:
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'units'").fetchall() == []
    finally:
        conn.close()


def quarter(cli, *extra) -> dict:
    return json.loads(cli("report", "quarter", "2004Q3", "--format", "json", *extra).stdout)


SUMMED = ("pairings", "compliant", "visits", "visits_cumulative", "aid_value")


def test_city_quarter_totals_are_the_sums_of_the_units(cli, units):
    merge(cli, *files(units))
    own = {name: quarter(u)["totals"] for name, u in units.items()}
    city = quarter(cli)["totals"]
    # pairings 1 + 2 + 1; compliant 1 (2 of 2) + 1 (H02: 2 of 2; H01 1 of 2) + 1 (3 of 2);
    # visits 2 + 3 + 3; since the programme began 3 + 3 + 3; aid 700 + 120 + 300
    assert {k: city[k] for k in SUMMED} == {
        "pairings": 4,
        "compliant": 3,
        "visits": 8,
        "visits_cumulative": 9,
        "aid_value": 1120.0,
    }
    for k in SUMMED:
        assert city[k] == pytest.approx(sum(t[k] for t in own.values()))
    by = quarter(cli, "--by", "unit")
    assert by["quarter"] == "2004Q3" and by["totals"] == city
    assert {r["unit"]: {k: v for k, v in r.items() if k != "unit"} for r in by["by_unit"]} == own
    # one unit alone: its own report, codes prefixed
    alone = quarter(cli, "--unit", "民政局")
    assert alone["totals"] == own["民政局"]
    assert [r["household"] for r in alone["pairings"]] == ["民政局/H01", "民政局/H02"]
    # a re-merge after a visit added to 民政局's H01 (now 2 of 2): compliant 3 + 1, visits 8 + 1
    units["民政局"]("visit", "add", "H01", "--date", "2004-09-25")
    merge(cli, *files(units))
    city = quarter(cli)["totals"]
    assert (city["compliant"], city["visits"], city["visits_cumulative"]) == (4, 9, 10)


def test_by_unit_report_chunk_by_chunk_equals_each_units_own(cli, units, monkeypatch):
    """The by-unit quarter report adds up chunks of households (reports.quarter.CHUNK): a chunk of
    one household at a time gives every unit's own totals, and the whole file's."""
    from aidtrack.reports import quarter as report

    merge(cli, *files(units))
    own = {name: quarter(u)["totals"] for name, u in units.items()}
    city = quarter(cli)["totals"]
    monkeypatch.setattr(report, "CHUNK", 1)
    by = quarter(cli, "--by", "unit")
    assert {r["unit"]: {k: v for k, v in r.items() if k != "unit"} for r in by["by_unit"]} == own
    assert by["totals"] == city
    # four households in four chunks: pairings 1 + 2 + 1, aid 700 + 120 + 300
    assert (by["totals"]["households"], by["totals"]["pairings"], by["totals"]["aid_value"]) == (4, 4, 1120.0)


def test_other_reports_by_unit_equal_each_units_own(cli, units):
    merge(cli, *files(units))
    outcomes = ("report", "outcomes", "--as-of", "2004-12-31", "--format", "json")
    by = json.loads(cli(*outcomes, "--by", "unit").stdout)
    for row in by["by_unit"]:
        own = json.loads(units[row["unit"]](*outcomes).stdout)
        assert {k: own[k] for k in ("households", "households_by_status", "visits", "aid_value")} == {
            k: row[k] for k in ("households", "households_by_status", "visits", "aid_value")
        }
    # households 1 + 2 + 1, one exited (民政局's H01); visits 3 + 3 + 3; aid 700 + 120 + 300
    assert by["totals"]["households"] == 4 and by["totals"]["households_by_status"] == {
        "enrolled": 3,
        "exited": 1,
    }
    assert (by["totals"]["visits"], by["totals"]["aid_value"]) == (9, 1120.0)

    cadres = ("report", "cadres", "2004Q3", "--format", "json")
    by = json.loads(cli(*cadres, "--by", "unit").stdout)
    for row in by["by_unit"]:
        own = json.loads(units[row["unit"]](*cadres).stdout)["cadres"]
        assert row["cadres"] == len(own)
        assert row["average_score"] == round(sum(c["score"] for c in own) / len(own), 2)
    assert by["totals"]["cadres"] == 4 == sum(r["cadres"] for r in by["by_unit"])
    alone = json.loads(cli(*cadres, "--unit", "财政局").stdout)["cadres"]
    assert [c["cadre"] for c in alone] == ["财政局/C01"]

    visits = ("check", "visits", "--as-of", "2004-09-15", "--format", "json")
    by = json.loads(cli(*visits, "--by", "unit", code=1).stdout)
    sections = ("behind", "followup_overdue", "escalations_overdue", "unpaired", "overloaded_cadres")
    assert by["by"] == "unit"
    for name, unit in units.items():
        own = json.loads(unit(*visits, ok=False).stdout)
        # each finding names its unit; a unit's findings are its own file's, codes prefixed
        assert {s: [f["household"] for f in by[s] if f["unit"] == name] for s in sections[:-1]} == {
            s: [f"{name}/{f['household']}" for f in own[s]] for s in sections[:-1]
        }
    assert {f["unit"] for s in sections for f in by[s]} <= set(UNITS)
    # 交通局's escalated problem of 07-15 is more than 30 days open on 09-15
    alone = json.loads(cli(*visits, "--unit", "交通局", ok=False).stdout)
    assert [e["household"] for e in alone["escalations_overdue"]] == ["交通局/H01"]


def test_own_records_are_a_unit_of_their_own(cli, units):
    merge(cli, units["财政局"].db)
    cli("cadre", "add", "市办主任", "--code", "C01")
    cli("household", "add", "本市户", "--code", "H01", "--enrolled", "2004-01-01")
    cli("pair", "add", "C01", "H01", "--since", "2004-01-01")
    by = quarter(cli, "--by", "unit")
    assert [(r["unit"], r["pairings"], r["visits"]) for r in by["by_unit"]] == [
        ("(this file)", 1, 0),
        ("财政局", 1, 3),
    ]
    assert [r["household"] for r in quarter(cli, "--unit", "(this file)")["pairings"]] == ["H01"]
    table = cli("report", "quarter", "2004Q3", "--by", "unit").stdout
    assert "(this file)" in table and "财政局" in table and "Total" in table


def test_report_options_refused_with_one_line(cli, units):
    merge(cli, units["财政局"].db)
    for args, word in (
        (("--unit", "外星局"), "外星局"),
        (("--by", "team"), "by"),
        (("--by", "unit", "--unit", "财政局"), "unit"),
    ):
        before = cli.checksum()
        r = cli("report", "quarter", "2004Q3", *args, code=2)
        assert word in r.stderr and len(r.stderr.strip().splitlines()) == 1
        assert cli.checksum() == before


def _generator():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"
    spec = importlib.util.spec_from_file_location("bench_generate_merge", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_units_give_everyone_an_id_number_of_their_own(tmp_path):
    import csv
    import datetime as dt

    gen = _generator()
    gen.generate(tmp_path, households=60, years=1, seed=7, units=120, end=dt.date(2026, 9, 30))
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert folders[:2] == ["unit001", "unit002"] and folders[-1] == "unit120"
    numbers = []
    for folder in folders:
        with (tmp_path / folder / "households.csv").open(encoding="utf-8", newline="") as f:
            numbers += [r["id_number"] for r in csv.DictReader(f)]
    assert len(numbers) == 120 * 60 == len(set(numbers))
    assert {n[:6] for n in numbers} == {f"{230000 + u:06d}" for u in range(1, 121)}


def _indexes(path: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'"))
    finally:
        conn.close()


def test_a_first_merge_builds_its_indexes_once_at_the_end_and_leaves_them_as_they_were(
    cli, units, monkeypatch
):
    """Into a city file without units the secondary indexes are dropped in the first transaction and
    re-created after the last: the file ends with the same indexes (same SQL), sound, and a second
    merge (units there) defers nothing."""
    from aidtrack.ops.transfer import merge as merging

    restored: list[list[str]] = []
    real = merging._restore_indexes

    def spy(db, indexes):
        restored.append(sorted(name for name, _sql in indexes))
        return real(db, indexes)

    monkeypatch.setattr(merging, "_restore_indexes", spy)
    cli("init")
    before = _indexes(cli.db)
    merge(cli, units["交通局"].db, units["民政局"].db)
    assert len(restored) == 1 and "visits_date" in restored[0] and "households_name" in restored[0]
    assert "members_household" not in restored[0]  # members_size's triggers count through it
    assert not any(name.startswith("sqlite_autoindex") for name in restored[0])  # unique: kept
    assert _indexes(cli.db) == before
    conn = sqlite3.connect(cli.db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("SELECT count(*) FROM visits INDEXED BY visits_date").fetchone()[0] == 3 + 3
    finally:
        conn.close()
    merge(cli, units["财政局"].db)
    assert len(restored) == 1


def test_a_first_merge_that_refuses_every_unit_leaves_the_indexes(cli, units):
    cli("household", "add", "某户", "--code", "财政局/H01", "--enrolled", "2004-01-01")
    before, indexes = cli.checksum(), _indexes(cli.db)
    merge(cli, units["财政局"].db, code=2)
    assert cli.checksum() == before and _indexes(cli.db) == indexes


def test_a_merge_killed_before_it_rebuilt_its_indexes_is_healed_by_the_next(cli, units):
    """A SIGKILL between the first merge's two ends leaves the records whole but some indexes gone:
    the next merge (even one with nothing to copy) re-creates them as the schema has them."""
    merge(cli, *files(units))
    indexes = _indexes(cli.db)
    conn = sqlite3.connect(cli.db)
    for name in ("visits_date", "aid_date", "households_name", "income_month"):
        conn.execute(f"DROP INDEX {name}")
    conn.commit()
    conn.close()
    assert len(_indexes(cli.db)) == len(indexes) - 4
    before = cli.checksum()
    r = merge(cli, *files(units))
    assert {s["status"] for s in json.loads(r.stdout)} == {"unchanged"}
    assert _indexes(cli.db) == indexes
    assert cli.checksum() == before


_MEMORY_PROBE = """
import ctypes, sys
from aidtrack.cli.entry import quiet_sqlite_memory
took = quiet_sqlite_memory() if sys.argv[1] == "quiet" else None
import sqlite3, _sqlite3
conn = sqlite3.connect(":memory:")
conn.execute("CREATE TABLE t (x TEXT)")
conn.executemany("INSERT INTO t VALUES (?)", [("记录" * 40,) for _ in range(2000)])
used = ctypes.CDLL(_sqlite3.__file__).sqlite3_memory_used
used.restype = ctypes.c_int64
print(took, used(), quiet_sqlite_memory())
"""


def test_a_merge_runs_sqlite_without_its_memory_statistics(cli, units):
    """The merge's threads would all wait on the one mutex SQLite's memory statistics take on every
    allocation: the console script turns them off for a merge, before SQLite is loaded. Once it
    is loaded, turning them off is refused (False) and changes nothing."""
    import subprocess
    import sys

    def probe(mode: str) -> list[str]:
        r = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, mode], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout.split()

    took, used, again = probe("quiet")
    assert (took, used, again) == ("True", "0", "False")  # 2,000 rows held, none counted
    took, used, again = probe("default")
    assert took == "None" and int(used) > 100_000 and again == "False"  # counted: statistics on

    # The real console script: the merge still copies every unit.
    r = subprocess.run(
        [sys.executable, "-m", "aidtrack", "--db", str(cli.db), "merge", *map(str, files(units))],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    conn = sqlite3.connect(cli.db)
    assert conn.execute(
        "SELECT group_concat(name, ',') FROM (SELECT name FROM units ORDER BY name)"
    ).fetchone()[0] == ",".join(sorted(UNITS))
    assert conn.execute("SELECT count(*) FROM households WHERE unit_id IS NOT NULL").fetchone()[0] == 4
    conn.close()


def _records_text(path: Path, quoted: bool) -> str:
    """The digest worked out in Python from a unit file: each table's name and its rows in id order,
    a line per row; QUOTED, each value as SQL quotes it, joined by |, as first defined (stored as a
    bare hex); else each value's text, NULL as chr(30), joined by chr(31) ("2:" and the hex)."""
    from aidtrack.ops.transfer.merge import COLUMNS

    conn = sqlite3.connect(path)
    h = hashlib.sha256()
    for table, columns in COLUMNS.items():
        lines = []
        for row in conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id"):
            if quoted:
                cells = [
                    "NULL"
                    if v is None
                    else "'" + v.replace("'", "''") + "'"
                    if isinstance(v, str)
                    else conn.execute("SELECT quote(?)", [v]).fetchone()[0]
                    for v in row
                ]
                lines.append("|".join(cells))
            else:
                lines.append(chr(31).join(chr(30) if v is None else str(v) for v in row))
        h.update(f"{table}\n{chr(10).join(lines)}\n".encode())
    conn.close()
    return h.hexdigest() if quoted else f"2:{h.hexdigest()}"


def test_the_stored_sha256_is_the_records_text_in_id_order(cli, units):
    """units.sha256 is what an earlier merge stored and the next one compares with."""
    merge(cli, *files(units))
    path = units["交通局"].db
    assert cli.scalar("SELECT sha256 FROM units WHERE name = '交通局'") == _records_text(path, quoted=False)


def test_a_digest_stored_by_the_first_formula_is_compared_by_it_once(cli, units):
    """A city file merged by an older aidtrack holds each unit's digest by the first formula: its
    next merge reads an untouched unit as unchanged (not copied again) and stores the new digest;
    a unit changed since is copied."""
    merge(cli, *files(units))
    old = {name: _records_text(u.db, quoted=True) for name, u in units.items()}
    conn = sqlite3.connect(cli.db)
    for name, sha in old.items():  # as an older aidtrack left it, with its fingerprints cleared
        conn.execute("UPDATE units SET sha256 = ?, fingerprint = NULL WHERE name = ?", [sha, name])
    conn.commit()
    conn.close()
    units["民政局"]("visit", "add", "H02", "--date", "2004-09-25")
    summary = json.loads(merge(cli, *files(units)).stdout)
    assert [(s["unit"], s["status"]) for s in summary] == [
        ("交通局", "unchanged"),
        ("民政局", "replaced"),
        ("财政局", "unchanged"),
    ]
    stored = dict(cli.rows("SELECT name, sha256 FROM units"))
    assert stored == {name: _records_text(u.db, quoted=False) for name, u in units.items()}
    summary = json.loads(merge(cli, *files(units)).stdout)
    assert [s["status"] for s in summary] == ["unchanged"] * 3
