"""The documented Python API (docs/api.md): each function called as a script would call it."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest

import aidtrack
from aidtrack.model import AidtrackError

TODAY = dt.date(2004, 10, 15)


def test_every_api_function_is_typed_and_documented():
    for name in aidtrack.__all__:
        fn = getattr(aidtrack, name)
        assert fn.__doc__ and len(fn.__doc__) > 40, name
        sig = inspect.signature(fn)
        assert sig.return_annotation is not inspect.Signature.empty, name
        assert all(p.annotation is not inspect.Parameter.empty for p in sig.parameters.values()), name


def test_a_script_does_what_the_cli_does(tmp_path):
    db = aidtrack.open(tmp_path / "unit.db", operator="script")
    try:
        assert aidtrack.add(db, "cadres", {"name": "吴振国", "code": "C01"}, today=TODAY) == "C01"
        code = aidtrack.add(
            db, "households", {"name": "刘香福", "members": 3, "enrolled": "2004-07-01"}, today=TODAY
        )
        assert code == "H01"
        aidtrack.add(db, "pairings", {"cadre": "C01", "household": "H01", "since": "2004-07-01"}, today=TODAY)
        aidtrack.add(
            db, "visits", {"household": "H01", "date": "2004-08-02", "situation": "稳定"}, today=TODAY
        )
        after = aidtrack.edit(db, "households", "H01", {"phone": "13800000000"}, today=TODAY)
        assert after["phone"] == "13800000000"
        with pytest.raises(AidtrackError) as e:
            aidtrack.add(db, "income", {"household": "H01", "month": "2004-13", "amount": "1"}, today=TODAY)
        assert e.value.field == "month"
        assert [v["date"] for v in aidtrack.select(db, "visits", household="H01", quarter="2004Q3")] == [
            "2004-08-02"
        ]

        path = tmp_path / "income.csv"
        path.write_text("household,month,amount\nH01,2004-08,650.50\nH01,2004-09,700\n", encoding="utf-8")
        result = aidtrack.import_file(db, "income", path, today=TODAY)
        assert result.counts["income"]["added"] == 2 and not result.errors
        assert [r["amount"] for r in aidtrack.select(db, "income")] == [650.5, 700.0]

        quarter = aidtrack.report(db, "quarter", period="2004Q3", today=TODAY)
        assert (quarter["totals"]["visits"], quarter["totals"]["income_households"]) == (1, 1)
        register = aidtrack.report(db, "household", household="H01", today=TODAY)
        assert (register["household"]["code"], register["household"]["phone"]) == ("H01", "13800000000")
        assert aidtrack.report(db, "grid", period="2004", today=TODAY)
        assert aidtrack.report(db, "outcomes", as_of="2004-10-15", today=TODAY)

        found = aidtrack.check(db, "visits", as_of="2004-10-15", today=TODAY)
        assert str(found["as_of"]) == "2004-10-15" and found["unpaired"] == []
        with pytest.raises(AidtrackError):
            aidtrack.check(db, "weather", today=TODAY)  # type: ignore[arg-type]
    finally:
        db.close()
