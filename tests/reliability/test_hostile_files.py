"""Hostile import files: each refused with exit 2, every problem named with file and line, the
register byte-for-byte unchanged and `aidtrack export all` identical before and after."""

from __future__ import annotations

import hashlib

import pytest

from conftest import file_digest

FILES = {
    "missing column": ("income.csv", "household,month\nH01,2004-01\n".encode(), "amount"),
    "extra column": ("income.csv", "household,month,amount,colour\nH01,2004-01,5,red\n".encode(), "colour"),
    "ragged row": ("income.csv", "household,month,amount\nH01,2004-01,5,9\n".encode(), ":2:"),
    "short row": ("income.csv", "household,month,amount\nH01\n".encode(), ":2:"),
    "empty file": ("income.csv", b"", "empty"),
    "header only with BOM": ("income.csv", "\ufeffhousehold,month\n".encode(), "amount"),
    "binary file": ("visits.csv", bytes(range(256)) * 4, "encoding"),
    "GBK without --encoding": (
        "income.csv",
        "household,month,amount,source\nH01,2004-01,5,工资\n".encode("gbk"),
        "--encoding gbk",
    ),
    "SQL in a reference": (
        "visits.csv",
        "household,date\n'); DROP TABLE visits;--,2004-01-05\n".encode(),
        "household",
    ),
    "bad values on several lines": (
        "income.csv",
        "household,month,amount\nH01,2004-13,5\nH01,2004-02,1e9\nH01,2004-03,NaN\n".encode(),
        ":4:",
    ),
    "control character in text": (
        "visits.csv",
        "household,date,situation\nH01,2004-01-05,a\x07b\n".encode(),
        "control character",
    ),
    "1 MB cell": (
        "visits.csv",
        ("household,date,situation\nH01,2004-01-05," + "长" * 1_000_001 + "\n").encode(),
        ":2:",
    ),
    "duplicate natural key": (
        "income.csv",
        "household,month,amount\nH01,2004-01,5\nH01,2004-01,5\n".encode(),
        "line 2",
    ),
    "visit outside the pairing": ("visits.csv", "household,date\nH01,1999-01-01\n".encode(), "outside"),
    "truncated JSON": ("income.json", b'[{"household": "H01"', "JSON"),
    "JSON not an array of objects": ("income.json", b'{"household": "H01"}', "income.json"),
    "one bad row among good": (
        "income.csv",
        (
            "household,month,amount\n"
            + "".join(f"H01,{2000 + i // 12}-{i % 12 + 1:02d},100\n" for i in range(60))
            + "H01,2010-01,-1\n"
        ).encode(),
        ":62:",
    ),
}


def export_digest(cli) -> str:
    return hashlib.sha256(
        cli("export", "all", "--format", "jsonl", "--out", str(cli.db.parent / "x")).stdout.encode()
        + b"".join(p.read_bytes() for p in sorted((cli.db.parent / "x").iterdir()))
    ).hexdigest()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    from conftest import Cli

    cli = Cli(tmp_path_factory.mktemp("hostile-files") / "unit.db")
    cli("cadre", "add", "吴局长", "--code", "C01")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "1999-12-01")
    cli("pair", "add", "C01", "H01", "--since", "2000-01-01")
    cli("income", "add", "H01", "--month", "2003-08", "--amount", "300")
    return cli


@pytest.mark.parametrize("name", list(FILES))
def test_hostile_file(seeded, tmp_path, name):
    filename, content, needle = FILES[name]
    path = tmp_path / filename
    path.write_bytes(content)
    kind = filename.split(".")[0]
    before, exported = file_digest(seeded.db), export_digest(seeded)
    r = seeded("import", kind, str(path), code=2)
    assert "Traceback" not in r.output
    lines = r.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("Error: ")
    assert needle in r.stderr, r.stderr[:1000]
    assert all(len(line) < 1000 for line in lines)
    assert file_digest(seeded.db) == before
    assert export_digest(seeded) == exported
