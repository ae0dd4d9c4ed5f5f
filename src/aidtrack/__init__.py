"""aidtrack: the register of a one-helps-one (一帮一) poverty-relief programme.

A script can do what the CLI does::

    from aidtrack.store import open_store
    from aidtrack.ops import records
    db = open_store("unit.db", operator="script")
    code = records.add(db, "households", {"name": "刘香福", "members": "3"})
"""

__version__ = "0.1.0"
