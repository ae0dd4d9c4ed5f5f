"""Import input that would exhaust memory or garble text (issue 19): refused with the limit named,
in one error, the register unchanged. The limits are lowered here (module constants) so the files
stay small; the code path is the one a 1 GB line takes."""

from __future__ import annotations

import io
import zipfile

import pytest

from conftest import file_digest


@pytest.fixture
def seeded(cli):
    cli("cadre", "add", "吴局长", "--code", "C01")
    cli("household", "add", "刘香福", "--code", "H01", "--enrolled", "1999-12-01")
    cli("pair", "add", "C01", "H01", "--since", "2000-01-01")
    return cli


def refused(cli, kind: str, path, *extra: str) -> str:
    before = file_digest(cli.db)
    r = cli("import", kind, str(path), *extra, code=2)
    assert "Traceback" not in r.output
    assert file_digest(cli.db) == before
    assert cli.scalar("SELECT count(*) FROM income") == 0
    return r.stderr


@pytest.mark.parametrize("ext", ["csv", "jsonl"])
def test_a_line_without_newline_over_the_limit(seeded, tmp_path, monkeypatch, ext):
    from aidtrack.ops.transfer.importer import readers

    monkeypatch.setattr(readers, "MAX_LINE", 1000)
    f = tmp_path / f"income.{ext}"
    head = "household,month,amount\n" if ext == "csv" else ""
    f.write_text(head + "x" * 5000)
    err = refused(seeded, "income", f)
    assert "longer than 1,000 characters" in err


def test_a_json_element_over_the_limit(seeded, tmp_path, monkeypatch):
    from aidtrack.ops.transfer.importer import readers

    monkeypatch.setattr(readers, "MAX_LINE", 1000)
    monkeypatch.setattr(readers, "_CHUNK", 256)
    f = tmp_path / "income.json"
    f.write_text('[{"household": "H01", "month": "2004-01", "amount": 5, "source": "' + "y" * 5000 + '"}]')
    err = refused(seeded, "income", f)
    assert "larger than 1,000 characters" in err


@pytest.mark.parametrize("ext", ["json", "jsonl"])
def test_json_nested_100000_deep(seeded, tmp_path, ext):
    f = tmp_path / f"income.{ext}"
    deep = "[" * 100_000 + "]" * 100_000
    f.write_text(f"[{deep}]" if ext == "json" else deep + "\n")
    err = refused(seeded, "income", f)
    assert "nested too deeply" in err


def test_gbk_on_utf8_text_is_refused_with_a_hint(seeded, tmp_path):
    f = tmp_path / "income.csv"
    text = "household,month,amount,source\nH01,2004-01,5,刘刘\n"
    assert text.encode().decode("gbk")  # valid GBK too: it would be stored as 鍒樺垬
    f.write_bytes(text.encode())
    err = refused(seeded, "income", f, "--encoding", "gbk")
    assert "is UTF-8 text, not gbk" in err and "without --encoding" in err


def test_gbk_on_gbk_text_still_imports(seeded, tmp_path):
    f = tmp_path / "income.csv"
    f.write_bytes("household,month,amount,source\nH01,2004-01,5,打零工\n".encode("gbk"))
    seeded("import", "income", str(f), "--encoding", "gbk")
    assert seeded.scalar("SELECT source FROM income") == "打零工"


def test_an_xlsx_part_over_the_limit_is_refused_before_it_is_inflated(seeded, tmp_path, monkeypatch):
    pytest.importorskip("openpyxl")
    import openpyxl

    from aidtrack.ops.transfer.importer import xlsx

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["household", "month", "amount", "source"])
    sheet.append(["H01", "2004-01", 5, "z" * 50_000])
    buf = io.BytesIO()
    book.save(buf)
    f = tmp_path / "income.xlsx"
    f.write_bytes(buf.getvalue())
    assert max(i.file_size for i in zipfile.ZipFile(f).infolist()) > 30_000
    monkeypatch.setattr(xlsx, "MAX_PART", 20_000)
    err = refused(seeded, "income", f)
    assert "over the limit of 20,000 bytes" in err
