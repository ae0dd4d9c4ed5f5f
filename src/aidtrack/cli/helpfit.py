"""Help that is wrapped, never cut: each option's help and each command's line in a group's list,
broken into lines that fit the column Typer's help gives it at this terminal's width.

Typer draws an option's help in a rich table cell that cuts a run longer than the cell with "…";
Chinese has no spaces, so at 60 columns (and at 80 beside a long option) a sentence, or an
enumeration value's Chinese name, lost its end. Here, just before the help is drawn, the help of
each parameter is broken at Chinese line-breaking points (aidtrack.layout.wrap: no line starts with
closing punctuation, a glossary term stays whole) into lines no wider than its column, and handed
to Typer as a "\\b" paragraph, which Typer keeps line by line (its documented way to keep line
breaks). The original texts are put back afterwards. Nothing of Typer is subclassed or replaced:
the command's own `format_help` is wrapped on the instance, as `format_usage` is in cli.main.
"""

from __future__ import annotations

import os
from types import MethodType
from typing import Any

from ..layout import width_of, wrap

#: Cells each side of a panel's content: the border and Typer's padding.
_PANEL = 4
#: Cells kept free in the help column: rich's Columns cuts a line that fills its cell exactly.
_SLACK = 1


def terminal_width() -> int:
    """The width Typer's console draws help at (TERMINAL_WIDTH, else COLUMNS, else the terminal)."""
    from rich.console import Console

    forced = os.environ.get("TERMINAL_WIDTH", "")
    return Console(width=int(forced) if forced.isdigit() else None).width


def fitted(text: str, width: int) -> str:
    """TEXT as lines of at most WIDTH cells, each paragraph on lines of its own."""
    lines: list[str] = []
    for para in text.split("\n\n"):
        para = " ".join(para.split())
        lines += [line for line in wrap(para, max(width, 8)) if line]
    return "\n".join(lines)


def _panel_help_width(params: list[Any], total: int) -> int:
    """The help column's width in Typer's options table of PARAMS (a panel) at TOTAL columns."""
    columns: list[list[str]] = []
    required = any(p.required for p in params)
    for p in params:
        argument = p.param_type_name == "argument"
        name = p.metavar or p.name or ""
        longs = ",".join(o for o in p.opts if "--" in o)
        shorts = ",".join(name if argument else o for o in p.opts if "--" not in o)
        seclong = ",".join(o for o in p.secondary_opts if "--" in o)
        secshort = ",".join(o for o in p.secondary_opts if "--" not in o)
        types = "" if argument else (p.metavar or "")
        row = [longs, shorts, seclong, secshort, types]
        columns.append((["*" if p.required else ""] if required else []) + row)
    if not columns:
        return total
    widths = [max(width_of(row[i]) for row in columns) or 1 for i in range(len(columns[0]))]
    # padding (0, 1) without the outer edges: the first column has no left pad, the help no right
    return _settle([w + (1 if i == 0 else 2) for i, w in enumerate(widths)], total - _PANEL) - 1 - _SLACK


def _settle(others: list[int], room: int) -> int:
    """The help column's share of ROOM cells beside columns OTHERS wide, as rich's table gives it:
    the rest of the row, unless that is narrower than another column; then rich narrows the widest
    columns and the help column together to one level."""
    rest = room - sum(others)
    if rest >= max(others, default=0):
        return rest
    level = rest
    while level + 1 + sum(min(w, level + 1) for w in others) <= room:
        level += 1
    return level


def _fit(cmd: Any, ctx: Any) -> list[tuple[Any, str, Any]]:
    """Set each parameter's help (and, in a group, each command's line) to lines that fit; return
    what to put back."""
    total = terminal_width()
    saved: list[tuple[Any, str, Any]] = []
    params = [p for p in cmd.get_params(ctx) if not getattr(p, "hidden", False)]
    for panel in (
        [p for p in params if p.param_type_name == "argument"],
        [p for p in params if p.param_type_name != "argument"],
    ):
        width = _panel_help_width(panel, total)
        for p in panel:
            text = getattr(p, "help", None)
            if text:
                saved.append((p, "help", text))
                p.help = "\b\n" + fitted(text, width)
    if hasattr(cmd, "list_commands"):
        subs = [cmd.get_command(ctx, name) for name in cmd.list_commands(ctx)]
        subs = [s for s in subs if s is not None and not s.hidden]
        longest = max((len(s.name or "") for s in subs), default=0)
        width = total - _PANEL - longest - 2 - _SLACK
        for s in subs:
            text = s.short_help or s.help or ""
            first = text.split("\n\n")[0]
            if first:
                saved.append((s, "short_help", s.short_help))
                s.short_help = fitted(first, width)
    return saved


def fit_help(cmd: Any) -> None:
    """Wrap CMD's `format_help` (on the instance) so that its help fits the terminal when drawn."""
    drawn = cmd.format_help

    def format_help(self: Any, ctx: Any, formatter: Any) -> None:
        saved = _fit(self, ctx)
        try:
            drawn(ctx, formatter)
        finally:
            for obj, attr, value in reversed(saved):
                setattr(obj, attr, value)

    cmd.format_help = MethodType(format_help, cmd)
