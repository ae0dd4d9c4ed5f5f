"""Checks: relapse risk, visits behind schedule, exit candidates. Exit 1 when something is found."""

from __future__ import annotations

import typer

NAME = "check"
app = typer.Typer()
