"""The demo register: the seed story (a bureau's ten households, 2003-2004) loaded from the
bundle shipped inside the package, through the same import path a city office uses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..model import Quarter
from ..store import Store, default_path, open_store

DEMO_DATA = Path(__file__).resolve().parent.parent / "demo_data"


def demo_path() -> Path:
    return default_path().parent / "demo.db"


def build(path: Path | None = None, operator: str = "demo") -> Store:
    """Rebuild the demo file from scratch; never touches the user's own register."""
    from .importer import import_bundle

    path = path or demo_path()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = open_store(path, operator=operator)
    import_bundle(db, DEMO_DATA).raise_if_errors()
    return db


def story_dates(db: Store) -> tuple[Quarter, dt.date]:
    """The story's latest full quarter and the day after it ends plus two weeks: when it is 'now'."""
    last = db.execute("SELECT max(date) FROM visits").fetchone()[0]
    quarter = Quarter.of(dt.date.fromisoformat(last))
    if dt.date.fromisoformat(last) < quarter.end:
        quarter = quarter.prev()
    return quarter, quarter.end + dt.timedelta(days=15)


def counts(db: Store) -> dict[str, int]:
    return {
        t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in (
            "cadres",
            "households",
            "pairings",
            "visits",
            "problems",
            "income",
            "aid",
            "causes",
            "measures",
            "jobs",
            "monitoring",
        )
    }
