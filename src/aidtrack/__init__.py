"""aidtrack: the register of a one-helps-one (一帮一) poverty-relief programme.

A script can do what the CLI does (docs/api.md)::

    import aidtrack

    db = aidtrack.open("unit.db", operator="script")
    code = aidtrack.add(db, "households", {"name": "刘香福", "members": "3"})
    rows = aidtrack.select(db, "households", search="刘")
    data = aidtrack.report(db, "quarter", period="2004Q3")

`add`, `edit`, `select`, `import_file`, `report` and `check` are documented in `aidtrack.api`;
importing the package loads nothing else and changes nothing in the host process.
"""

from .api import add, check, edit, import_file, open, report, select

__version__ = "0.1.0"
__all__ = ["add", "check", "edit", "import_file", "open", "report", "select"]
