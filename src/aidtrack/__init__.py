"""aidtrack: the register of a one-helps-one (一帮一) poverty-relief programme.

A script can do what the CLI does (docs/api.md)::

    import aidtrack

    db = aidtrack.open("unit.db", operator="script")
    code = aidtrack.add(db, "households", {"name": "刘香福", "members": "3"})
    rows = aidtrack.select(db, "households", search="刘")
    data = aidtrack.report(db, "quarter", period="2004Q3")

`open`, `add`, `edit`, `select`, `import_file`, `report` and `check` are typed and documented in
`aidtrack.api` (import them from there for a type checker). Importing the package loads nothing,
not even `typing`: `python -m aidtrack` imports it before the CLI takes Ctrl-C over.
"""

__version__ = "0.1.0"
__all__ = ["add", "check", "edit", "import_file", "open", "report", "select"]


def __getattr__(name: str) -> object:
    """The API's functions (aidtrack.api), loaded on first use."""
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(name)
