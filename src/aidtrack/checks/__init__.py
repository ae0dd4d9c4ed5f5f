"""Checks: relapse risk, visits behind schedule, exit candidates, each answering for one as-of day.

Every check reads only data dated on or before its as-of day (visits, income months, statuses,
pairings, problems) with the policy in force then, so an old as-of on a later register answers as
the check would have then. Each module offers stream() (JSON-ready data, each list of findings a
common.Stream made as it is read), run() (the same, the lists read), found(), public(),
sections() (titled tables) and csv_rows() (made as the findings are read).
"""

from __future__ import annotations

NAMES = ("relapse", "visits", "exits", "escalations", "plans", "monitor", "cases", "ids")


def module(name: str):
    from importlib import import_module

    return import_module(f"{__name__}.{name}")
