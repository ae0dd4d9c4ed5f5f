"""docs/cli.md is generated from the help; this fails when a command's help changed without it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_cli_reference_is_current(tmp_path):
    out = tmp_path / "cli.md"
    subprocess.run([sys.executable, "-m", "typer", "aidtrack.cli.main", "utils", "docs",
                    "--name", "aidtrack", "--output", str(out)], check=True, capture_output=True)
    assert out.read_text() == (ROOT / "docs" / "cli.md").read_text(), (
        "docs/cli.md is stale: run `typer aidtrack.cli.main utils docs --name aidtrack"
        " --output docs/cli.md`")


def test_every_command_help_has_an_example():
    text = (ROOT / "docs" / "cli.md").read_text()
    sections = [s for s in text.split("\n## ")[1:] if "COMMAND [ARGS]" not in s.split("**Usage**")[1]]
    missing = [s.splitlines()[0] for s in sections if "Example: " not in s]
    assert not missing, missing


def test_python_dash_m_runs(tmp_path):
    r = subprocess.run([sys.executable, "-m", "aidtrack", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("aidtrack ")
