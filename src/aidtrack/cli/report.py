"""Reports: the quarter rollup, cadre assessment, year grid, household register, outcomes."""

from __future__ import annotations

import typer

NAME = "report"
app = typer.Typer(no_args_is_help=True)
