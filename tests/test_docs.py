"""docs/cli.md is generated from the help; this fails when a command's help changed without it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_cli_reference_is_current(tmp_path):
    out = tmp_path / "cli.md"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "cli_docs.py"), "--output", str(out)],
        check=True,
        capture_output=True,
    )
    assert out.read_text() == (ROOT / "docs" / "cli.md").read_text(), (
        "docs/cli.md is stale: run `python scripts/cli_docs.py`"
    )


def test_cli_reference_names_values_not_python_types():
    text = (ROOT / "docs" / "cli.md").read_text()
    for python_type in ("<str>", "<int>", "<bool>", "<list[", "<file>", "<path>"):
        assert python_type not in text, python_type


def test_every_command_help_has_an_example():
    text = (ROOT / "docs" / "cli.md").read_text()
    sections = [s for s in text.split("\n## ")[1:] if "COMMAND [ARGS]" not in s.split("**Usage**")[1]]
    missing = [s.splitlines()[0] for s in sections if "Example: " not in s]
    assert not missing, missing


def test_python_dash_m_runs(tmp_path):
    r = subprocess.run([sys.executable, "-m", "aidtrack", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("aidtrack ")


def test_group_help_is_the_module_docstring():
    """cli.main lists each group without importing it: its help there must be the module's docstring."""
    import importlib
    import inspect

    from aidtrack.cli.main import GROUPS

    for name, text in GROUPS.items():
        assert text == inspect.cleandoc(importlib.import_module(f"aidtrack.cli.{name}").__doc__), name


def test_a_command_line_loads_only_its_group():
    code = (
        "import sys; from aidtrack.cli import main; sys.argv = ['aidtrack', *sys.argv[1:]];"
        " import contextlib\nwith contextlib.suppress(SystemExit): main.run()\n"
        "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('aidtrack.cli.')))"
    )
    argv = ["--db", str(ROOT / "nothing.db"), "visit", "add", "--help"]
    r = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True)
    assert "Record a visit" in r.stdout
    loaded = eval(r.stdout.strip().splitlines()[-1])
    assert "visit" in loaded and not {"report", "check", "household", "transfer"} & set(loaded), loaded
    from aidtrack.cli.main import wanted

    assert wanted(["--db", "x.db", "--lang", "zh", "report", "quarter"]) == "report"
    assert wanted(["--db", "visit", "import", "visits", "f.csv"]) == "transfer"
    assert wanted(["--help"]) is None and wanted(["init"]) is None
