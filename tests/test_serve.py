"""`aidtrack serve`: the redacted snapshot and its metadata, served by Datasette (skipped without it).

Requests go through Datasette's own test client (what `datasette --get` uses); the redaction test
searches every served page for every name, ID number and phone of the register.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

datasette_app = pytest.importorskip("datasette.app")
importer = pytest.importorskip("aidtrack.ops.transfer.importer")

AS_OF = dt.date(2004, 10, 15)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    import aidtrack
    from aidtrack.checks import attention
    from aidtrack.reports import snapshot
    from aidtrack.store import open_store

    folder = tmp_path_factory.mktemp("serve")
    db = open_store(folder / "demo.db", operator="test")
    importer.import_bundle(db, Path(aidtrack.__file__).parent / "demo_data")
    from aidtrack.model import Quarter
    from aidtrack.ops.write import notes

    notes.add(db, Quarter(2004, 3), "刘香福术后返贫，局长回访发现后送医", AS_OF)  # a typical case naming him
    secrets = [
        v
        for (v,) in db.execute(
            "SELECT name FROM households UNION SELECT name FROM cadres UNION SELECT name FROM members"
            " UNION SELECT member FROM jobs UNION SELECT id_number FROM households"
            " UNION SELECT phone FROM households UNION SELECT phone FROM cadres UNION SELECT address FROM households"
        )
        if v and not (v.startswith("#") and v[1:].isdigit())  # #1: an unnamed member, no name
    ]
    path = folder / "register.db"
    meta = snapshot.build(
        db, path, AS_OF, attention=attention.run(db, dt.date(2004, 9, 30)), charts=folder / "charts"
    )
    db.conn.close()
    ds = datasette_app.Datasette(
        immutables=[str(path)],
        metadata=meta,
        settings={"allow_download": False, "default_allow_sql": False, "allow_csv_stream": False},
        static_mounts=[("charts", str(folder / "charts"))],  # what `serve` passes as --static
    )
    return ds, path, secrets


def get(ds, url: str):
    return asyncio.run(ds.client.get(url))


def test_the_snapshot_holds_no_name_id_or_phone(served):
    ds, path, secrets = served
    assert len(secrets) > 30  # 10 heads, 11 cadres, members and job holders, IDs, phones, addresses
    raw = path.read_bytes().decode("utf-8", "ignore")
    import sqlite3

    conn = sqlite3.connect(path)
    text = "\n".join(
        str(row)
        for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        for row in conn.execute(f"SELECT * FROM [{t}]")
    )
    columns = {
        c[1]
        for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        for c in conn.execute(f"PRAGMA table_info([{t}])")
    }
    conn.close()
    assert not {"id_number", "phone", "address"} & columns  # absent, not blanked
    found = [s for s in secrets if s in text or s in raw]
    assert found == []
    # Masked, not dropped: 刘香福 is 刘** in the households table, and in the quarter's typical case.
    assert "刘**" in text
    assert "刘**术后返贫，局长回访发现后送医" in text


def test_every_served_page_is_redacted(served):
    ds, _path, secrets = served
    pages = ["/", "/register", "/-/metadata.json", "/charts/index.html"]
    tables = json.loads(get(ds, "/register.json").text)["tables"]
    for t in tables:
        pages += [f"/register/{t['name']}", f"/register/{t['name']}.json?_shape=array&_size=max"]
    for q in ("quarter_totals", "attention", "monitoring", "assessment"):
        pages.append(f"/register/{q}")
    seen = 0
    for url in pages:
        r = get(ds, url)
        assert r.status_code == 200, url
        body = r.text
        seen += len(body)
        leaked = [s for s in secrets if s in body]
        assert leaked == [], (url, leaked[:3])
    assert seen > 100_000


def test_chinese_titles_facets_canned_queries_and_refusals(served):
    ds, _path, _secrets = served
    home = get(ds, "/").text
    assert "“一帮一”帮扶登记册（脱敏快照）" in home
    households = get(ds, "/register/households").text
    assert "帮扶对象" in households and "刘**" in households
    statuses = get(ds, "/register/statuses").text
    assert "status_name" in statuses  # a facet by the status's Chinese name
    rows = json.loads(get(ds, "/register/quarter_totals.json?_shape=array").text)
    by_quarter = {r["quarter"]: r for r in rows}
    # STORY.md: 148 visits to 2004Q3, 5,960 yuan of aid in it, one meeting a quarter
    assert by_quarter["2004Q3"]["visits_cumulative"] == 148 and by_quarter["2004Q3"]["aid_yuan"] == 5960.0
    assert list(by_quarter) == ["2003Q3", "2003Q4", "2004Q1", "2004Q2", "2004Q3"]  # to the last record
    assert all(r["meetings_held"] == 1 for r in by_quarter.values())
    sources = json.loads(get(ds, "/register/aid.json?_shape=array&_size=max&giver_type=cadre").text)
    assert {a["giver_type_name"] for a in sources} == {"干部个人出资"}
    aid = json.loads(get(ds, "/register/aid.json?_shape=array&_size=max&giver_type=waived").text)
    assert len(aid) == 10 and {a["giver_type_name"] for a in aid} == {"减免费用"} and aid[0]["value"] == 412.0
    # Arbitrary SQL and downloads are off.
    assert get(ds, "/register.json?sql=select+1").status_code == 403
    assert get(ds, "/register.db").status_code in (403, 404)


def test_serve_command_line(tmp_path):
    """The command Datasette runs: the snapshot immutable, downloads and SQL off; --full signs in."""
    from aidtrack.cli.serve import arguments

    args = arguments(tmp_path / "r.db", tmp_path / "m.json", "127.0.0.1", 8001, False)
    assert args[args.index("-i") + 1] == str(tmp_path / "r.db")
    joined = " ".join(args)
    assert "allow_download off" in joined and "default_allow_sql off" in joined and "--root" not in args
    full = arguments(tmp_path / "r.db", tmp_path / "m.json", "127.0.0.1", 8001, True, tmp_path / "unit.db")
    assert "--root" in full and full[-1] == str(tmp_path / "unit.db")  # the live register, read-only


def _browser() -> str | None:
    return next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)


def _in_browser(page: Path, shot: Path, size: str) -> str:
    """PAGE rendered by headless Chromium: its DOM as text, and a screenshot of SIZE (1200,900) in SHOT."""
    flags = [_browser(), "--headless", "--no-sandbox", "--disable-gpu"]
    out = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=60)
    subprocess.run(
        [*flags, f"--screenshot={shot}", f"--window-size={size}", page.as_uri()],
        capture_output=True,
        timeout=60,
    )
    return out.stdout


@pytest.mark.skipif(_browser() is None, reason="no headless Chromium installed")
def test_main_page_in_a_browser(served, tmp_path):
    """The served home page rendered by headless Chromium with a CJK font: the Chinese text is there."""
    ds, _path, _secrets = served
    page = tmp_path / "home.html"
    page.write_text(get(ds, "/register/quarter_totals").text, encoding="utf-8")
    shot = tmp_path / "shot.png"
    dom = _in_browser(page, shot, "1200,900")
    assert "各季度汇总" in dom or "季度汇总" in dom
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_full_is_behind_the_sign_in(served, tmp_path):
    """--full: the metadata lets only the signed-in root actor in (Datasette's --root sign-in)."""
    from aidtrack.reports import snapshot

    _ds, path, _secrets = served
    ds = datasette_app.Datasette(immutables=[str(path)], metadata=snapshot.metadata(path, full=True))
    assert get(ds, "/").status_code == 403
    assert get(ds, "/register/households").status_code == 403
    cookies = {"ds_actor": ds.sign({"a": {"id": "root"}}, "actor")}
    assert asyncio.run(ds.client.get("/register/households", cookies=cookies)).status_code == 200


def test_charts_of_visits_and_income_are_served_offline(served):
    """/charts/index.html: the SVG the A4 register draws, per household, and visits per quarter; no
    script and nothing from the network; linked from the home page and the tables it draws."""
    import re

    ds, _path, _secrets = served
    page = get(ds, "/charts/index.html")
    assert page.status_code == 200
    html = page.text
    assert "<script" not in html and "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "各季度走访次数" in html and "各户月收入与贫困线" in html
    # visits per quarter: each bar made / owed as the quarter report counts them (STORY.md: 30 visits
    # in 2004Q3; ten pairings owing two each)
    bars = dict(re.findall(r'data-quarter="(\d{4}Q\d)"[^>]*><title>\d{4}Q\d: (\d+ / \d+)</title>', html))
    totals = json.loads(get(ds, "/register/quarter_totals.json?_shape=array").text)
    assert list(bars) == [r["quarter"] for r in totals]
    assert [int(b.split(" / ")[0]) for b in bars.values()] == [r["visits"] for r in totals]
    assert bars["2004Q3"] == "30 / 20"
    # one income chart per household with income, its name masked; H01's Oct. 2003 (150 yuan for
    # three people under a 200-a-head line) a red bar
    assert re.findall(r"<h3>(H\d\d) (\S+)</h3>", html)[:2] == [("H01", "刘**"), ("H02", "满**")]
    assert html.count("<svg") == 1 + 10
    h01 = html.split("<h3>H01", 1)[1].split("</figure>", 1)[0]
    assert 'class="bar below" data-month="2003-10"' in h01 and 'class="bar" data-month="2004-09"' in h01
    for url in ("/", "/register/quarter_totals", "/register/income", "/register/visits"):
        assert 'href="/charts/index.html"' in get(ds, url).text, url


def test_datasette_get_serves_the_charts(served, tmp_path):
    """`datasette serve … --get`: the command line `aidtrack serve` runs, asked for the page of charts."""
    from aidtrack.cli.serve import arguments
    from aidtrack.reports import snapshot

    _ds, path, _secrets = served
    meta = tmp_path / "m.json"
    meta.write_text(json.dumps(snapshot.metadata(path, False, True), ensure_ascii=False), encoding="utf-8")
    args = arguments(path, meta, "127.0.0.1", 8001, False)
    assert args[args.index("--static") + 1] == f"charts:{path.parent / 'charts'}"
    out = subprocess.run([*args, "--get", "/charts/index.html"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "各季度走访次数" in out.stdout and out.stdout.count("<svg") == 11


@pytest.mark.skipif(_browser() is None, reason="no headless Chromium installed")
def test_charts_in_a_browser(served, tmp_path):
    """The page of charts in headless Chromium with a CJK font: the SVG is drawn and the Chinese is there."""
    ds, _path, _secrets = served
    page = tmp_path / "charts.html"
    page.write_text(get(ds, "/charts/index.html").text, encoding="utf-8")
    shot = tmp_path / "charts.png"
    dom = _in_browser(page, shot, "1000,1400")
    assert "各季度走访次数" in dom and "<svg" in dom
    assert shot.is_file() and shot.stat().st_size > 30_000
