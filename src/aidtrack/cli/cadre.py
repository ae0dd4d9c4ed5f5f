"""Cadres (帮扶干部): the unit's staff, each paired with a household."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..i18n import _
from .common import (
    CadreRef,
    Columns,
    Format,
    ListFormat,
    Search,
    Yes,
    command,
    edit_record,
    list_records,
    open_db,
    show_record,
    today,
)
from .generic import argument, field_options, takes

NAME = "cadre"
app = typer.Typer(no_args_is_help=True)

CadreName = Annotated[str, typer.Argument(help=_("The cadre's name."))]


@command(app, writes=True)
@takes(argument("name", CadreName), *field_options("cadres", skip=["name"], adding=True))
def add(name: str, **fields: Any) -> None:
    """Add a cadre; prints the new code.

    Example: aidtrack cadre add 吴局长 --code C01 --title 局长
    """
    from ..ops.write import records

    print(records.add(open_db(), "cadres", {"name": name, **fields}, today()))


@command(app, "list")
def list_(search: Search = None, fmt: ListFormat = "table", columns: Columns = None) -> None:
    """List the cadres.

    Example: aidtrack cadre list --search 局长 --format json
    """
    list_records("cadres", fmt, search=search)


@command(app)
def show(ref: CadreRef, fmt: Format = "table") -> None:
    """Show one cadre.

    Example: aidtrack cadre show C01
    """
    show_record("cadres", ref, fmt)


@command(app, writes=True)
@takes(argument("ref", CadreRef), *field_options("cadres"))
def edit(ref: str, **changes: Any) -> None:
    """Correct a cadre's details (audited).

    Example: aidtrack cadre edit C01 --phone 13800000000
    """
    edit_record("cadres", ref, changes)


@command(app, writes=True)
def delete(ref: CadreRef, yes: Yes = False) -> None:
    """Delete a cadre entered by mistake (audited); refused while other records refer to it.

    Example: aidtrack cadre delete C09 --yes
    """
    from .common import delete_record

    delete_record("cadres", ref, yes)
