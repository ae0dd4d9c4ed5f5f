"""Visits entered on a phone (docs/phones.md): the XLSForm out, ODK Central's and KoboToolbox's
exports back in (the fixtures in tests/data/phones, written by make.py in the exports' shapes)."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import Cli

openpyxl = pytest.importorskip("openpyxl")

DATA = Path(__file__).resolve().parent / "data" / "phones"
CENTRAL_A = "6f1c2d3e-0a4b-4c5d-8e9f-101112131415"
CENTRAL_B = "7a2b3c4d-1e5f-4a6b-9c7d-202122232425"
CENTRAL_REJECTED = "8b3c4d5e-2f6a-4b7c-8d9e-303132333435"
KOBO_1 = "9c4d5e6f-3a7b-4c8d-9e0f-404142434445"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("phones-demo")
    result = Cli(folder / "unused.db").invoke(["demo", "--out", str(folder / "demo.db")])
    assert result.exit_code == 0, result.output
    return folder / "demo.db"


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Cli:
    shutil.copy(demo_file, tmp_path / "demo.db")
    return Cli(tmp_path / "demo.db")


def _visit(cli: Cli, household: str, day: str) -> dict:
    conn_rows = cli.rows(
        "SELECT v.id, v.kind, v.situation, v.solved, c.code, v.device_start, v.device_end, v.device,"
        " v.location FROM visits v JOIN pairings p ON p.id = v.pairing_id JOIN households h"
        " ON h.id = p.household_id JOIN cadres c ON c.id = p.cadre_id WHERE h.code = ? AND v.date = ?",
        (household, day),
    )
    assert len(conn_rows) == 1, conn_rows
    keys = ("id", "kind", "situation", "solved", "cadre", "start", "end", "device", "location")
    return dict(zip(keys, conn_rows[0]))


# --- the form ------------------------------------------------------------------------------------


def _sheet(path: Path, name: str) -> list[dict]:
    wb = openpyxl.load_workbook(path)
    rows = list(wb[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def test_the_form_is_derived_from_the_registry_and_converts_with_pyxform(demo, tmp_path):
    pytest.importorskip("pyxform")
    demo("export", "xlsform", "--gps", "--out", str(tmp_path / "form"))
    form = tmp_path / "form"
    assert sorted(p.name for p in form.iterdir()) == [
        "cadres.csv",
        "households.csv",
        "visit.xlsx",
        "visit.xml",
    ]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in form.iterdir())
    survey = {r["name"]: r for r in _sheet(form / "visit.xlsx", "survey") if r["name"]}
    for meta in ("start", "end", "today", "deviceid", "username"):
        assert survey[meta]["type"] == meta
    assert survey["kind"]["type"] == "select_one kind"
    assert survey["date"]["type"] == "date" and survey["date"]["constraint"] == ". <= today()"
    assert survey["date"]["required"] == "yes"
    assert survey["amount"]["type"] == "decimal" and survey["amount"]["constraint"] == ". >= 0"
    assert survey["problems"]["type"] == "begin_repeat"
    assert survey["location"]["type"] == "geopoint"
    assert survey["household"]["type"] == "select_one_from_file households.csv"
    assert survey["household"]["choice_filter"] == "cadre=${cadre}"
    # Evidence is the device's to record, never a question.
    assert "device_start" not in survey and "device" not in survey
    choices = _sheet(form / "visit.xlsx", "choices")
    assert {
        "list_name": "kind",
        "name": "followup",
        "label::中文 (zh)": "回访",
        "label::English (en)": "Followup",
    } in (choices)
    settings = _sheet(form / "visit.xlsx", "settings")[0]
    assert settings["form_id"] == "aidtrack_visit"
    assert settings["instance_name"] == "concat(${household}, ' ', ${date})"
    xml = (form / "visit.xml").read_text(encoding="utf-8")
    assert 'version="' + settings["version"] + '"' in xml and "jr://file-csv/households.csv" in xml


def test_the_lists_hold_codes_and_names_only_and_one_cadre_sees_their_households(demo, tmp_path):
    demo("export", "xlsform", "--out", str(tmp_path / "all"))
    text = b"".join(p.read_bytes() for p in (tmp_path / "all").iterdir()).decode("utf-8", "replace")
    private = demo.rows(
        "SELECT id_number FROM households WHERE id_number IS NOT NULL UNION SELECT phone FROM households"
        " WHERE phone IS NOT NULL UNION SELECT address FROM households WHERE address IS NOT NULL"
        " UNION SELECT phone FROM cadres WHERE phone IS NOT NULL"
    )
    assert private and not [p for (p,) in private if p in text]
    rows = list(csv.reader(io.StringIO((tmp_path / "all" / "households.csv").read_text(encoding="utf-8"))))
    assert rows[0] == ["name", "label", "cadre"]
    assert ["H07", "赵桂芝", "C11"] in rows  # the active pairing's cadre, not the ended one's (C07)
    assert len(rows) == 11
    demo("export", "xlsform", "--cadre", "C01", "--out", str(tmp_path / "c01"))
    one = (tmp_path / "c01" / "households.csv").read_text(encoding="utf-8").splitlines()
    assert one == ["name,label,cadre", "H01,刘香福,C01"]
    assert (tmp_path / "c01" / "cadres.csv").read_text(encoding="utf-8").splitlines() == [
        "name,label",
        "C01,吴振国",
    ]
    survey = {r["name"]: r for r in _sheet(tmp_path / "c01" / "visit.xlsx", "survey") if r["name"]}
    assert survey["cadre"]["default"] == "C01"
    assert "location" not in survey  # no --gps


def test_the_version_changes_with_the_registers_choices_only(demo, tmp_path):
    def version(out: str) -> str:
        demo("export", "xlsform", "--out", str(tmp_path / out))
        return _sheet(tmp_path / out / "visit.xlsx", "settings")[0]["version"]

    first = version("a")
    assert version("b") == first
    demo("household", "add", "新户", "--code", "H11", "--enrolled", "2004-10-01")
    assert version("c") == first  # not paired: not in the form
    demo("pair", "add", "C07", "H11", "--since", "2004-10-02")
    assert version("d") != first


def test_the_form_is_never_written_over_the_register(demo, tmp_path):
    before = demo.checksum()
    result = demo("export", "xlsform", "--out", str(demo.db), code=2)
    assert "is the register itself" in result.output
    (tmp_path / "form").mkdir()
    (tmp_path / "form" / "visit.xlsx").symlink_to(demo.db)
    result = demo("export", "xlsform", "--out", str(tmp_path / "form"), code=2)
    assert "symbolic link" in result.output  # never written through a link, whatever it names
    assert demo.checksum() == before


# --- the submissions ------------------------------------------------------------------------------


def test_a_central_zip_imports_with_problems_income_and_evidence(demo):
    visits = demo.scalar("SELECT count(*) FROM visits")
    result = demo("import", "submissions", str(DATA / "central.zip"))
    assert f"submission {CENTRAL_REJECTED}: rejected by a reviewer (rejected): skipped" in result.output
    assert demo.scalar("SELECT count(*) FROM visits") == visits + 2
    a = _visit(demo, "H01", "2004-10-12")
    assert a["kind"] == "regular" and a["cadre"] == "C01" and a["situation"] == "三轮车活多，收入稳定"
    assert a["start"] == "2004-10-12T09:05:11.000+08:00" and a["end"] == "2004-10-12T09:31:52.000+08:00"
    assert a["device"] == "collect:Q1aZ7kYbP2xw" and a["location"] == "45.7612 126.6421"
    assert demo.rows(
        "SELECT problem, resolved_on, resolution FROM problems WHERE visit_id = ? ORDER BY id", (a["id"],)
    ) == [
        ("孩子学费还差800元", None, None),
        ("三轮车需要换胎", "2004-10-12", "干部出资换胎"),
    ]
    assert demo.rows(
        "SELECT i.amount, i.source FROM income i JOIN households h ON h.id = i.household_id"
        " WHERE h.code = 'H01' AND i.month = '2004-10'"
    ) == [(78000, "三轮车运输")]
    # The visit's date is the form's date (10-15), not the day the server received it (10-20).
    b = _visit(demo, "H02", "2004-10-15")
    assert b["kind"] == "followup" and b["start"].startswith("2004-10-20") and b["location"] is None
    assert demo.rows(
        "SELECT count(*) FROM visits v JOIN pairings p ON p.id = v.pairing_id WHERE p.household_id = 3 AND v.date = '2004-10-19'"
    ) == [(0,)]
    ledger = demo.rows(
        "SELECT instance_id, source, form_version, submitter, edits, records, visit_id FROM submissions ORDER BY id"
    )
    assert ledger[0][:5] == (CENTRAL_A, "central", "e614195cb021", "吴振国", 0)
    assert ledger[0][6] == a["id"] and ledger[0][5].startswith(f"visit {a['id']}; problems ")
    assert [r[0] for r in ledger] == [CENTRAL_A, CENTRAL_B]


def test_the_same_file_twice_changes_nothing(demo):
    demo("import", "submissions", str(DATA / "central.zip"))
    demo("import", "submissions", str(DATA / "kobo.xlsx"))
    before = demo.checksum()
    demo("import", "submissions", str(DATA / "central.zip"))
    demo("import", "submissions", str(DATA / "kobo.xlsx"))
    assert demo.checksum() == before


def test_a_kobo_workbook_imports_with_its_repeat_sheet(demo):
    demo("import", "submissions", str(DATA / "kobo.xlsx"))
    v = _visit(demo, "H05", "2004-10-21")
    assert (
        v["cadre"] == "C05" and v["location"] == "45.7301 126.6502" and v["device"] == "collect:T5dP6qVeS8xb"
    )
    assert demo.rows(
        "SELECT problem, escalated, escalated_on, escalated_by FROM problems WHERE visit_id = ?", (v["id"],)
    ) == [("养狗场需要贷款担保", 1, "2004-10-21", "赵淑兰")]
    assert _visit(demo, "H07", "2004-10-22")["cadre"] == "C11"
    assert demo.rows(
        "SELECT source, submitter, submitted FROM submissions WHERE instance_id = ?", (KOBO_1,)
    ) == [("kobo", "zhaoshulan", "2004-10-22T03:11:09")]


def test_an_edited_central_submission_corrects_its_visit_audited(demo):
    demo("import", "submissions", str(DATA / "central.zip"))
    vid = _visit(demo, "H01", "2004-10-12")["id"]
    problems = demo.rows("SELECT id, problem FROM problems WHERE visit_id = ?", (vid,))
    demo("import", "submissions", str(DATA / "central-edited.csv"))
    after = _visit(demo, "H01", "2004-10-12")
    assert after["id"] == vid and after["situation"] == "三轮车活多，收入稳定；孩子学费已由单位解决"
    # A main CSV alone says nothing of the repeat: the problems stay.
    assert demo.rows("SELECT id, problem FROM problems WHERE visit_id = ?", (vid,)) == problems
    assert demo.rows("SELECT amount FROM income WHERE household_id = 1 AND month = '2004-10'") == [(80000,)]
    assert demo.rows("SELECT edits, review_state FROM submissions WHERE instance_id = ?", (CENTRAL_A,)) == [
        (1, "edited")
    ]
    audit = demo.rows(
        "SELECT action, entity, record FROM audit WHERE entity IN ('visits', 'income') AND action = 'edit'"
    )
    assert ("edit", "visits", str(vid)) in audit
    before = demo.checksum()
    demo("import", "submissions", str(DATA / "central-edited.csv"))
    assert demo.checksum() == before


def test_a_kobo_edit_comes_as_a_new_id_naming_the_old_one(demo, tmp_path):
    demo("import", "submissions", str(DATA / "kobo.xlsx"))
    vid = _visit(demo, "H05", "2004-10-21")["id"]
    edited = tmp_path / "kobo.csv"
    edited.write_text(
        "start;end;cadre;household;date;kind;situation;meta/deprecatedID;_id;_uuid;_submission_time;_validation_status\n"
        f"2004-10-21T10:02:33+08:00;2004-10-21T10:40:12+08:00;C05;H05;2004-10-21;regular;养狗场扩到十只;uuid:{KOBO_1};301;"
        "new-0001;2004-10-22T03:11:09;\n",
        encoding="utf-8",
    )
    demo("import", "submissions", str(edited))
    assert _visit(demo, "H05", "2004-10-21")["situation"] == "养狗场扩到十只"
    assert demo.rows(
        "SELECT instance_id, replaces, visit_id FROM submissions WHERE visit_id = ?", (vid,)
    ) == [("new-0001", KOBO_1, vid)]
    # The main CSV alone: the problem from the workbook's repeat sheet stays.
    assert demo.scalar("SELECT count(*) FROM problems WHERE visit_id = ?", (vid,)) == 1


def _central_with(tmp_path: Path, **changes: str) -> Path:
    """The fixture's zip with the first submission's answers changed."""
    src = zipfile.ZipFile(DATA / "central.zip")
    main = list(csv.reader(io.StringIO(src.read("aidtrack_visit.csv").decode("utf-8"))))
    for column, value in changes.items():
        main[1][main[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out).writerows(main)
    path = tmp_path / "central.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("aidtrack_visit.csv", out.getvalue())
        z.writestr("aidtrack_visit-problems.csv", src.read("aidtrack_visit-problems.csv"))
    return path


def test_an_error_names_the_submission_and_the_field_and_writes_nothing(demo, tmp_path):
    before = demo.checksum()
    bad = _central_with(tmp_path, cadre="C02", **{"income-amount": "-5"})
    result = demo("import", "submissions", str(bad), code=2)
    assert (
        f"submission {CENTRAL_A}: cadre: is not the household's paired cadre on 2004-10-12" in result.output
    )
    assert f"submission {CENTRAL_A}, income: amount:" in result.output
    assert "nothing was written" in result.output
    assert demo.checksum() == before
    zh = demo("--lang", "zh", "import", "submissions", str(bad), code=2)
    assert CENTRAL_A in zh.output and "帮扶干部" in zh.output
    assert demo.checksum() == before


def test_dry_run_writes_nothing(demo):
    before = demo.checksum()
    result = demo("import", "submissions", str(DATA / "central.zip"), "--dry-run")
    assert "Dry run: nothing was written." in result.output and "│ visits      │     2" in result.output
    assert demo.checksum() == before


def test_a_file_of_neither_shape_is_refused(demo, tmp_path):
    other = tmp_path / "visits.csv"
    other.write_text("household,date\nH01,2004-10-01\n", encoding="utf-8")
    result = demo("import", "submissions", str(other), code=2)
    assert "neither an ODK Central export" in result.output


# --- evidence in the figures ---------------------------------------------------------------------


def test_check_visits_asks_a_second_look_at_late_or_distant_evidence_only(demo):
    demo("import", "submissions", str(DATA / "central.zip"))
    demo("import", "submissions", str(DATA / "kobo.xlsx"))
    # H05's home 0.01° of latitude (1,112 m) south of where its visit was recorded; H01's at the spot.
    from aidtrack.ops.write import records
    from aidtrack.store import open_store

    db = open_store(demo.db)
    try:
        records.edit(db, "households", "H05", {"location": "45.7201 126.6502"})
        records.edit(db, "households", "H01", {"location": "45.7612,126.6421"})
    finally:
        db.close()
    import json

    result = demo("check", "visits", "--as-of", "2004-10-31", "--format", "json", code=1)
    found = json.loads(result.stdout)["evidence_doubtful"]
    assert [(f["household"], f["days_late"], f["distance_m"]) for f in found] == [
        ("H02", 5, None),  # the form started on 10-20 for a visit dated 10-15: 5 days > 2
        ("H05", 0, 1112),  # haversine of 0.01° latitude: 6,371,008.8 m × 0.01 × π/180 = 1,111.95 m
    ]
    assert "recorded 1112 m from the household" in found[1]["why"]
    demo("policy", "set", "evidence_late_days", "5", "--from", "2004-01-01")
    demo("policy", "set", "evidence_distance_m", "1200", "--from", "2004-01-01")
    result = demo("check", "visits", "--as-of", "2004-10-31", "--format", "json", ok=False)
    assert json.loads(result.stdout)["evidence_doubtful"] == []


def test_the_quarter_report_and_the_assessment_count_visits_with_evidence(demo):
    import json

    # the phones' visits come after the story's end (records_until 2004-09-30): records go on here
    demo("policy", "set", "records_until", "none", "--from", "1900-01-01")
    quiet = demo("report", "quarter", "2004Q3").stdout
    assert "field evidence" not in quiet  # paper registers: nothing said, nothing marked down
    before = json.loads(demo("report", "cadres", "2004Q4", "--format", "json").stdout)
    demo("import", "submissions", str(DATA / "central.zip"))
    demo("visit", "add", "H01", "--date", "2004-10-30", "--situation", "纸质登记")  # typed: no evidence
    q = json.loads(demo("report", "quarter", "2004Q4", "--format", "json").stdout)
    by_pair = {p["household"]: (p["visits"], p["visits_evidenced"]) for p in q["pairings"]}
    assert by_pair["H01"] == (2, 1) and by_pair["H02"] == (1, 1) and by_pair["H03"] == (0, 0)
    assert q["totals"]["visits_evidenced"] == 2
    line = [t for t in demo("report", "quarter", "2004Q4").stdout.splitlines() if "field evidence" in t]
    assert len(line) == 1 and line[0].split() == [
        "Visits",
        "with",
        "field",
        "evidence",
        "(phone",
        "form)",
        "2",
        "/",
        "3",
    ]
    cadres = json.loads(demo("report", "cadres", "2004Q4", "--format", "json").stdout)["cadres"]
    ev = {c["cadre"]: (c["visits"], c["visits_evidenced"]) for c in cadres}
    assert ev["C01"] == (2, 1) and ev["C02"] == (1, 1) and ev["C03"] == (0, 0)
    # Evidence is shown, never scored: C03's score is what it was before any phone form came in.
    assert {c["cadre"]: c["score"] for c in cadres}["C03"] == {
        c["cadre"]: c["score"] for c in before["cadres"]
    }["C03"]
    assert "Evidence" in demo("report", "cadres", "2004Q4").stdout


def test_the_tours_files_are_the_fixtures():
    tour = DATA.parents[2] / "examples" / "phones"
    for name in ("central.zip", "central-edited.csv", "kobo.xlsx"):
        assert (tour / name).read_bytes() == (DATA / name).read_bytes(), name


def test_the_ledger_survives_export_all_and_import_all(demo, tmp_path):
    demo("import", "submissions", str(DATA / "central.zip"))
    demo("export", "all", "--out", str(tmp_path / "bundle"))
    header = (tmp_path / "bundle" / "submissions.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("instance_id,source,household,date,kind,")
    restored = Cli(tmp_path / "restored.db")
    restored("import", "all", str(tmp_path / "bundle"))
    # Linked back to the visits by household, date and kind (their ids are the new file's).
    assert restored.rows(
        "SELECT sb.instance_id, h.code, v.date FROM submissions sb JOIN visits v ON v.id = sb.visit_id"
        " JOIN pairings p ON p.id = v.pairing_id JOIN households h ON h.id = p.household_id ORDER BY sb.id"
    ) == [(CENTRAL_A, "H01", "2004-10-12"), (CENTRAL_B, "H02", "2004-10-15")]
    before = restored.checksum()
    restored("import", "submissions", str(DATA / "central.zip"))
    assert restored.checksum() == before
    restored("import", "submissions", str(DATA / "central-edited.csv"))
    assert _visit(restored, "H01", "2004-10-12")["situation"] == "三轮车活多，收入稳定；孩子学费已由单位解决"
    assert restored.rows(
        "SELECT amount FROM income i JOIN households h ON h.id = i.household_id"
        " WHERE h.code = 'H01' AND month = '2004-10'"
    ) == [(80000,)]
