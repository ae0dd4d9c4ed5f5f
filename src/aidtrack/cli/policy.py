"""Policy settings (poverty line, visits per quarter, …), each with an effective-from date."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import _
from .common import Format, command, open_db, today, validate_format

NAME = "policy"
app = typer.Typer(no_args_is_help=True)


@command(app)
def show(
    as_of: Annotated[str | None, typer.Option("--as-of", help=_("Settings in force on this day."))] = None,
    fmt: Format = "table",
) -> None:
    """Show the settings in force, with their meaning and history.

    Example: aidtrack policy show --as-of 2004-07-01
    """
    from ..ops.rules.policy import describe
    from ..parse import date as parse_date
    from ..render import emit

    fmt = validate_format(fmt)
    rows = describe(open_db(), parse_date(as_of or today(), "as-of"))
    if fmt == "table":
        from ..model import POLICY_KEYS, label, policy_name

        def words(key: str, value: object) -> object:
            """A list of steps as the interface names them (授权、入户核实 in Chinese)."""
            if POLICY_KEYS[key].kind != "steps" or not isinstance(value, str):
                return value
            return _(", ").join(str(label(s)) for s in value.split(",") if s)

        rows = [
            r
            | {
                "key": policy_name(r["key"]),
                "meaning": _(r["meaning"]),
                "value": words(r["key"], r["value"]),
                "default": words(r["key"], r["default"]),
            }
            for r in rows
        ]
    emit(rows, ("key", "value", "effective_from", "default", "meaning"), fmt)


@command(app, "set", writes=True)
def set_(
    key: Annotated[str, typer.Argument(help=_("A key from `policy show`."))],
    value: Annotated[str, typer.Argument(help=_("The new value (yuan for poverty_line)."))],
    from_: Annotated[str | None, typer.Option("--from", help=_("Effective from (today)."))] = None,
) -> None:
    """Change a setting from a date on; earlier periods keep the old value.

    Example: aidtrack policy set poverty_line 220 --from 2005-01-01
    """
    from ..model import policy_name
    from ..ops.write.settings import set_value

    result = set_value(open_db(), key, value, from_, today())
    print(
        _("{key} = {value} from {date}").format(
            key=policy_name(result["key"]), value=value, date=result["effective_from"]
        )
    )
