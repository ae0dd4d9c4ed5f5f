"""One rule, one place: the programme's moves beyond add and edit go through the validator, and the
code outside kinds.py keeps no table or if-chain keyed on a kind's name."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "aidtrack"


def test_pair_end_is_an_edit_the_validator_checks(story):
    story("visit", "add", "H01", "--date", "2004-03-05")
    before = story.checksum()
    r = story("pair", "end", "H01", "--date", "2004-03-01", code=2)
    assert r.stderr == "Error: date: 1 visit(s) of this pairing come after it (got '2004-03-01')\n"
    r = story("pair", "end", "H01", "--date", "2003-07-01", code=2)
    assert "date: is before since (2003-07-10)" in r.stderr
    assert story.checksum() == before
    story("pair", "end", "H01", "--date", "2004-03-31")
    assert story.rows("SELECT until FROM pairings WHERE household_id = 1") == [("2004-03-31",)]
    assert story.rows("SELECT action, entity FROM audit ORDER BY id DESC LIMIT 1") == [("end", "pairings")]
    # The same rule holds an edit of the pairing's start.
    r = story("pair", "edit", "1", "--since", "2004-03-10", code=2)
    assert "since: 1 visit(s) of this pairing would fall outside its dates" in r.stderr


def test_problem_resolve_is_an_edit_the_validator_checks(story):
    story("visit", "add", "H01", "--date", "2004-03-05", "--problem", "漏雨")
    before = story.checksum()
    r = story("problem", "resolve", "1", "--date", "2004-03-01", "--note", "修好", code=2)
    assert "date: is before the visit (2004-03-05)" in r.stderr
    r = story("problem", "resolve", "1", "--date", "2999-01-01", "--note", "修好", code=2)
    assert "date: is after today" in r.stderr
    assert story.checksum() == before
    story("problem", "resolve", "1", "--date", "2004-03-09", "--note", "修好")
    assert story.rows("SELECT resolved_on, resolution FROM problems") == [("2004-03-09", "修好")]
    assert story.rows("SELECT action FROM audit ORDER BY id DESC LIMIT 1") == [("resolve",)]


def test_a_command_that_writes_undeclared_fails_the_suite(tmp_path):
    """The suite-wide guard (conftest._writers_declared) is not vacuous: a command declared
    read-only that opens a write transaction fails, one declared `writes=True` does not."""
    import pytest
    import typer
    from typer.testing import CliRunner

    from aidtrack.cli.common import command, open_db, state

    app = typer.Typer()

    @command(app)
    def sneaky() -> None:
        with open_db(create=True).write():
            pass

    @command(app, writes=True)
    def honest() -> None:
        with open_db().write():
            pass

    state.db, state.store = tmp_path / "unit.db", None
    try:
        with pytest.raises(AssertionError, match="`sneaky` writes but is not declared"):
            CliRunner().invoke(app, ["sneaky"], catch_exceptions=False)
        state.store = None
        assert CliRunner().invoke(app, ["honest"], catch_exceptions=False).exit_code == 0
    finally:
        if state.store is not None:
            state.store.close()
        state.db, state.store = None, None
