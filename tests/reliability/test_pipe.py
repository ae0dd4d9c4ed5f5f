"""A reader that leaves early (`| head -1`): every command stops quietly with one rule for the exit
status (common.guarded: 1 for a read, as Python itself exits; 0 once a change was written)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A small register: the pipe is gone before the first byte is written."""
    from aidtrack.ops.transfer.importer import import_file
    from aidtrack.store import open_store

    folder = tmp_path_factory.mktemp("pipe")
    rows = ["name,code,address"] + [f"户主{i},H{i:05d},解放路{i}号院内{i % 7}单元" for i in range(50)]
    (folder / "households.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    db = open_store(folder / "big.db", operator="test")
    import_file(db, "households", str(folder / "households.csv")).raise_if_errors()
    db.conn.close()
    return folder / "big.db"


#: The command's standard output is a pipe whose reader has already gone (`| head -1` finished).
GONE = (
    "import os, sys; r, w = os.pipe(); os.close(r); os.dup2(w, 1); sys.argv = ['aidtrack', *sys.argv[1:]];"
    " from aidtrack.cli.entry import run; run()"
)


@pytest.mark.parametrize(
    "args",
    [
        ["export", "households"],
        ["household", "list"],
        ["report", "outcomes", "--format", "json"],
    ],
)
def test_a_closed_pipe_stops_a_read_quietly_with_status_1(big, args):
    p = subprocess.run([sys.executable, "-c", GONE, "--db", str(big), *args], capture_output=True, text=True)
    assert (p.returncode, p.stderr) == (1, ""), p
