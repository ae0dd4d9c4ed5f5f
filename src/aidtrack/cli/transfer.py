"""Batch import and export of records (CSV, TSV, JSON, JSON Lines): validated, atomic, idempotent."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Mount `aidtrack import` and `aidtrack export` on the main app."""
