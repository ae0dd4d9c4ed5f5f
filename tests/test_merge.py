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
    cli("household", "add", "刘香福", "--code", "H01", "--members", "3", "--born", "1952-03-04",
        "--id-number", "230102195203041234", "--enrolled", "2003-07-01")
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
    cli("household", "add", "满运良", "--code", "H01", "--members", "2", "--born", "1960-05-06",
        "--id-number", "230102196005061111", "--enrolled", "2003-07-01")
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
    cli("household", "add", "孙秀英", "--code", "H01", "--members", "1", "--born", "1955-01-01",
        "--id-number", "23010219550101222X", "--enrolled", "2004-06-01")
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
        ("交通局", "added", 1, 3), ("民政局", "added", 2, 3), ("财政局", "added", 1, 3)]
    assert cli.rows("SELECT code FROM households ORDER BY code") == [
        ("交通局/H01",), ("民政局/H01",), ("民政局/H02",), ("财政局/H01",)]
    assert cli.rows("SELECT code FROM cadres ORDER BY code") == [
        ("交通局/C01",), ("民政局/C01",), ("民政局/C02",), ("财政局/C01",)]
    # every pairing joins a cadre and a household of the same unit
    assert cli.rows("SELECT c.code, h.code, p.since FROM pairings p JOIN cadres c ON c.id = p.cadre_id"
                    " JOIN households h ON h.id = p.household_id ORDER BY h.code") == [
        ("交通局/C01", "交通局/H01", "2003-07-10"), ("民政局/C01", "民政局/H01", "2003-07-10"),
        ("民政局/C02", "民政局/H02", "2004-08-01"), ("财政局/C01", "财政局/H01", "2004-07-01")]
    # visits: 3 + 3 + 3; one problem; aid 3 with the cadre giver mapped; statuses: 4 enrolled + 1 exit
    assert cli.scalar("SELECT count(*) FROM visits") == 9
    assert cli.rows("SELECT h.code, v.date, pr.problem, pr.escalated FROM problems pr"
                    " JOIN visits v ON v.id = pr.visit_id JOIN pairings p ON p.id = v.pairing_id"
                    " JOIN households h ON h.id = p.household_id") == [
        ("交通局/H01", "2004-07-15", "看病难", 1)]
    assert cli.rows("SELECT h.code, a.value, c.code, a.giver FROM aid a"
                    " JOIN households h ON h.id = a.household_id"
                    " LEFT JOIN cadres c ON c.id = a.giver_cadre_id ORDER BY a.date") == [
        ("交通局/H01", 70000, "交通局/C01", None), ("民政局/H02", 12000, None, "局党委"),
        ("财政局/H01", 30000, None, None)]
    assert cli.scalar("SELECT count(*) FROM statuses") == 5
    assert cli.rows("SELECT u.name, count(*) FROM households h JOIN units u ON u.id = h.unit_id"
                    " GROUP BY u.name ORDER BY u.name") == [("交通局", 1), ("民政局", 2), ("财政局", 1)]
    assert cli.rows("SELECT action, entity, record FROM audit ORDER BY id") == [
        ("merge", "units", name) for name in UNITS]
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
        # cadre 1, household 1, status 1, pairing 1, visits 3, problem 1, income 1, aid 1
        ("交通局", str(other.resolve()), 10)]
    r = cli("merge", str(other), str(units["民政局"].db), "--unit-name", "x", code=2)
    assert "unit-name" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = cli("merge", str(other), "--unit-name", "a/b", code=2)
    assert "'/'" in r.stderr


def test_newer_copy_of_a_unit_replaces_only_that_unit(cli, units):
    merge(cli, *files(units))
    others = ("SELECT h.code, v.id, v.date FROM visits v JOIN pairings p ON p.id = v.pairing_id"
              " JOIN households h ON h.id = p.household_id WHERE h.code NOT LIKE '民政局/%' ORDER BY v.id")
    kept = cli.rows(others)
    units["民政局"]("visit", "add", "H01", "--date", "2004-09-25")
    summary = json.loads(merge(cli, *files(units)).stdout)
    assert [(s["unit"], s["status"]) for s in summary] == [
        ("交通局", "unchanged"), ("民政局", "replaced"), ("财政局", "unchanged")]
    assert cli.rows(others) == kept  # the other units' records untouched, ids and all
    assert cli.rows("SELECT v.date FROM visits v JOIN pairings p ON p.id = v.pairing_id"
                    " JOIN households h ON h.id = p.household_id WHERE h.code = '民政局/H01'") == [
        ("2004-07-20",), ("2004-09-25",)]
    assert cli.scalar("SELECT count(*) FROM visits") == 10  # 9 + 1
    assert cli.scalar("SELECT count(*) FROM households") == 4
    # cadres 2, households 2, statuses 3, pairings 2, visits 4, aid 1
    assert cli.scalar("SELECT records FROM units WHERE name = '民政局'") == 14
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
    same_id("household", "add", "刘祥富", "--code", "H01", "--id-number", "230102195203041234",
            "--enrolled", "2004-01-01")
    same_person = cli_type(tmp_path / "卫生局.db")  # 交通局's H01 by name and born date, no ID number
    same_person("household", "add", "刘香福", "--code", "H07", "--born", "1952-03-04",
                "--enrolled", "2004-01-01")
    future = tmp_path / "公安局.db"
    shutil.copy(units["财政局"].db, future)
    conn = sqlite3.connect(future)
    conn.execute("UPDATE households SET id_number = NULL, born = NULL")
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
                 " VALUES ('aidtrack', '0099_from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()
    broken = tmp_path / "税务局.db"
    shutil.copy(units["财政局"].db, broken)
    conn = sqlite3.connect(broken)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("UPDATE households SET id_number = NULL, born = NULL")
    conn.execute("INSERT INTO pairings (cadre_id, household_id, since, until)"
                 " VALUES (1, 1, '2004-06-01', '2004-07-15')")  # overlaps the pairing since 07-01
    conn.commit()
    conn.close()
    return [same_id.db, same_person.db, future, broken]


def test_conflicts_are_refused_one_line_each_and_the_others_merge(cli, units, tmp_path):
    refused = conflicting_units(units, tmp_path)
    before = {p: digest(p) for p in [*files(units), *refused]}
    r = merge(cli, *files(units), *refused, code=2)
    summary = {s["unit"]: s for s in json.loads(r.stdout)}
    assert {u: s["status"] for u, s in summary.items()} == {
        "交通局": "added", "民政局": "added", "财政局": "added",
        "教育局": "refused", "卫生局": "refused", "公安局": "refused", "税务局": "refused"}
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 4
    assert "教育局" in lines[0] and "交通局/H01" in lines[0] and "same ID number" in lines[0]
    assert "卫生局" in lines[1] and "交通局/H01" in lines[1] and "same name and born date" in lines[1]
    assert "公安局" in lines[2] and "newer aidtrack" in lines[2] and "0099_from_the_future" in lines[2]
    assert "税务局" in lines[3] and "fails doctor" in lines[3] and "one active pairing" in lines[3]
    assert cli.rows("SELECT name FROM units ORDER BY id") == [(u,) for u in UNITS]
    assert cli.scalar("SELECT count(*) FROM households") == 4
    assert cli.scalar("SELECT count(*) FROM audit") == 3
    assert {p: digest(p) for p in [*files(units), *refused]} == before


def test_conflict_within_one_merge_call_and_refusal_keeps_the_old_copy(cli, units, tmp_path):
    """The second of two new units enrolling one person is refused; so is a later copy of a
    merged unit that now enrols someone another unit has: its old copy stays."""
    merge(cli, units["交通局"].db, units["财政局"].db)
    kept = cli.checksum()
    units["财政局"]("household", "add", "满运良", "--code", "H02", "--born", "1960-05-06",
                    "--enrolled", "2004-01-01")
    r = merge(cli, units["民政局"].db, units["财政局"].db, code=2)
    assert [(s["unit"], s["status"]) for s in json.loads(r.stdout)] == [
        ("民政局", "added"), ("财政局", "refused")]
    assert "财政局" in r.stderr and "H02 满运良" in r.stderr and "民政局/H01" in r.stderr
    assert cli.scalar("SELECT count(*) FROM households WHERE code LIKE '财政局/%'") == 1
    assert cli.checksum() != kept  # 民政局 was added
    assert cli.rows("SELECT name FROM units ORDER BY id") == [("交通局",), ("财政局",), ("民政局",)]


def test_unreadable_and_self_are_refused(cli, units, tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("not a database")
    damaged = tmp_path / "damaged.db"
    data = units["民政局"].db.read_bytes()
    damaged.write_bytes(data[:len(data) // 2])
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
        "pairings": 4, "compliant": 3, "visits": 8, "visits_cumulative": 9, "aid_value": 1120.0}
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


def test_other_reports_by_unit_equal_each_units_own(cli, units):
    merge(cli, *files(units))
    outcomes = ("report", "outcomes", "--as-of", "2004-12-31", "--format", "json")
    by = json.loads(cli(*outcomes, "--by", "unit").stdout)
    for row in by["by_unit"]:
        own = json.loads(units[row["unit"]](*outcomes).stdout)
        assert {k: own[k] for k in ("households", "households_by_status", "visits", "aid_value")} == {
            k: row[k] for k in ("households", "households_by_status", "visits", "aid_value")}
    # households 1 + 2 + 1, one exited (民政局's H01); visits 3 + 3 + 3; aid 700 + 120 + 300
    assert by["totals"]["households"] == 4 and by["totals"]["households_by_status"] == {
        "enrolled": 3, "exited": 1}
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
    for row in by["by_unit"]:
        r = units[row["unit"]](*visits, ok=False)
        own = json.loads(r.stdout)
        assert {s: row[s] for s in sections} == {s: len(own[s]) for s in sections}
    assert by["totals"] == {s: sum(r[s] for r in by["by_unit"]) for s in sections}
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
        ("(this file)", 1, 0), ("财政局", 1, 3)]
    assert [r["household"] for r in quarter(cli, "--unit", "(this file)")["pairings"]] == ["H01"]
    table = cli("report", "quarter", "2004Q3", "--by", "unit").stdout
    assert "(this file)" in table and "财政局" in table and "Total" in table


def test_report_options_refused_with_one_line(cli, units):
    merge(cli, units["财政局"].db)
    for args, word in ((("--unit", "外星局"), "外星局"), (("--by", "team"), "by"),
                       (("--by", "unit", "--unit", "财政局"), "unit")):
        before = cli.checksum()
        r = cli("report", "quarter", "2004Q3", *args, code=2)
        assert word in r.stderr and len(r.stderr.strip().splitlines()) == 1
        assert cli.checksum() == before
