"""Write docs/cli.md, the CLI reference, from the help every command shows:

    python scripts/cli_docs.py            # rewrite docs/cli.md
    python scripts/cli_docs.py --check    # write nothing; exit 1 if docs/cli.md is stale

Typer's own `typer aidtrack.cli.main utils docs` renders the same pages (it is what this calls,
`typer.cli.get_docs_for_click`) but from the bare Typer app, so its reference shows Python types
(`<str>`) where `aidtrack --help` shows the value's name (HOUSEHOLD, TAG…): this renders the command
tree `aidtrack` itself runs (`aidtrack.cli.main.command_tree()`), in English.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "cli.md"


def render() -> str:
    import typer
    from typer.cli import get_docs_for_click

    from aidtrack import i18n
    from aidtrack.cli.main import command_tree

    i18n.set_language("en")
    root = command_tree()
    ctx = typer.Context(root, info_name="aidtrack")
    return get_docs_for_click(obj=root, ctx=ctx, name="aidtrack").strip() + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if docs/cli.md is stale; write nothing")
    ap.add_argument("--output", type=Path, default=OUT)
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run python scripts/cli_docs.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
