"""`--redact` is honoured by every report, every format and every export: no full name, phone or ID
number of the demo story's people leaves in a redacted output."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

import aidtrack
from aidtrack.ops.transfer import importer
from aidtrack.store import open_store

DEMO = Path(aidtrack.__file__).parent / "demo_data"
REPORTS = [
    ("report", "quarter", "2004Q3"),
    ("report", "cadres", "2004"),
    ("report", "grid", "2004"),
    ("report", "household", "H01"),
    ("report", "outcomes", "--as-of", "2004-10-15"),
]


def secrets() -> list[str]:
    """Full names (two characters or more), phones and ID numbers of every person in the story."""
    found = []
    for kind, fields in (("households", ("name", "phone", "id_number")), ("cadres", ("name", "phone"))):
        with (DEMO / f"{kind}.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                found += [row[k] for k in fields if row.get(k) and len(row[k]) >= 2]
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from conftest import Cli

    cli = Cli(tmp_path_factory.mktemp("redact") / "demo.db")
    db = open_store(cli.db)
    importer.import_bundle(db, DEMO).raise_if_errors()
    db.close()
    return cli


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "html"])
@pytest.mark.parametrize("args", REPORTS, ids=[" ".join(a[:2]) for a in REPORTS])
def test_every_report_redacts(demo, args, fmt):
    if fmt == "csv" and args[1] == "household":
        pytest.skip("the register has no CSV form")
    if fmt == "html" and args[1] not in ("quarter", "household"):
        pytest.skip("only the register and the quarter print as HTML")
    out = demo(*args, "--format", fmt, "--redact").stdout
    assert out.strip()
    leaked = [s for s in secrets() if s in out]
    assert not leaked, leaked
    if args[1] != "outcomes":  # the meeting summary names nobody
        assert re.search(r"[刘吴]\\?\*\\?\*", out), out[:300]  # 刘** (刘\*\* in Markdown)


def test_every_export_redacts(demo, tmp_path):
    """The people's own fields are masked in every file (free text: tests/reliability/test_redaction.py)."""
    demo("export", "all", "--out", str(tmp_path / "out"), "--redact")
    personal = ("name", "phone", "id_number", "address", "household_name", "cadre_name")
    values = []
    for path in (tmp_path / "out").iterdir():
        with path.open(encoding="utf-8") as f:
            values += [v for row in csv.DictReader(f) for k, v in row.items() if k in personal and v]
    assert values and not [s for s in secrets() if s in values]
    assert "刘**" in values and "吴**" in values
