"""A kind's add, edit, list and delete commands, derived from its declaration (kinds.py).

A kind declared with a `group` and no module of its own in cli/ gets these four commands and
nothing else written: each field is an option (`--course`, its help from `Field.help`, an
enumeration's values listed from `Field.choices`), the household or cadre it belongs to is the
add command's argument, the list's filters are the kind's `filters`. The functions get their
parameters through public API only: an `inspect.Signature` of `typer.Option`/`typer.Argument`
annotations, which Typer reads as it reads any function's.

`field_options` is what a hand-written command with more than these four (visit add's problems)
uses to take its field options from the registry too.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Annotated, Any

import typer

from ..i18n import _, language
from ..kinds import REGISTRY, Field, Kind
from ..model import ZH_NAMES
from .common import (
    CadreFilter,
    CadreRef,
    Columns,
    DateOpt,
    HouseholdFilter,
    HouseholdRef,
    ListFormat,
    RecordId,
    Search,
    Yes,
    choices,
    command,
    delete_record,
    edit_record,
    list_records,
    open_db,
    today,
    warn,
)

_KEYWORD = inspect.Parameter.KEYWORD_ONLY
_POSITIONAL = inspect.Parameter.POSITIONAL_OR_KEYWORD


def option_help(f: Field) -> str:
    """A field's option help in the interface language: its own words, then an enumeration's values
    as the model has them (with their Chinese names) and its default."""
    words = _(f.help) if f.help else ""
    if f.choices:
        named = [f"{v}（{ZH_NAMES[v]}）" if v in ZH_NAMES else v for v in f.choices]
        values = _("One of: {values}.").format(values=_(", ").join(named))
        gap = " " if language() == "en" else ""  # no space between Chinese sentences
        if f.default in f.choices:
            values += gap + _("Default: {value}.").format(value=f.default)
        words = f"{words}{gap}{values}".strip()
    return words


def field_option(f: Field) -> Any:
    """The annotation of a field's option: `--name` taking text (the validator reads it), or a
    `--name/--no-name` switch for a flag; a record's own date is the shared `--date/-d`."""
    if f.name == "date" and f.type == "date":
        return DateOpt
    flag = f.option or "--" + f.name.replace("_", "-")
    if f.type == "flag":
        switch = flag if "/" in flag else f"{flag}/--no-{flag[2:]}"
        return Annotated[bool | None, typer.Option(switch, help=option_help(f))]
    complete = choices(*f.choices) if f.choices else None
    metavar = f.option[2:].replace("-", "_").upper() if f.option else None  # the value, as the option says
    return Annotated[
        str | None, typer.Option(flag, help=option_help(f), autocompletion=complete, metavar=metavar)
    ]


def field_options(kind: str, skip: Iterable[str] = (), *, adding: bool = False) -> list[inspect.Parameter]:
    """A keyword parameter (default None) per field of KIND but SKIP, in the kind's field order;
    ADDING leaves out the fields a later command sets (`Field.on_add`)."""
    left_out = set(skip)
    return [
        inspect.Parameter(f.name, _KEYWORD, default=None, annotation=field_option(f))
        for f in REGISTRY[kind].fields
        if f.name not in left_out and (f.on_add or not adding) and f.device is None  # a phone's evidence
    ]


def with_signature(
    fn: Callable[..., Any], params: list[inspect.Parameter], doc: str | None = None
) -> Callable[..., Any]:
    """FN taking PARAMS (as Typer reads a function: its signature and annotations), with DOC as help."""
    fn.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    fn.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
    if doc is not None:
        fn.__doc__ = doc
    return fn


def takes(*params: inspect.Parameter) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A hand-written command's parameters, some of them a kind's fields (`field_options`):
    `@takes(household_argument, *field_options("visits", skip=["household"]), problem)`."""

    def apply(fn: Callable[..., Any]) -> Callable[..., Any]:
        return with_signature(fn, list(params))

    return apply


def argument(name: str, annotation: Any) -> inspect.Parameter:
    """A positional parameter (a typer.Argument annotation)."""
    return inspect.Parameter(name, _POSITIONAL, annotation=annotation)


def option(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    """A keyword parameter (a typer.Option annotation) with its default."""
    return inspect.Parameter(name, _KEYWORD, default=default, annotation=annotation)


def owner(k: Kind) -> Field | None:
    """The required household or cadre a record belongs to: the add command's argument."""
    return next((f for f in k.fields if f.type == "ref" and f.required), None)


def _filter_param(name: str, takes: str) -> inspect.Parameter:
    annotation: Any
    default: Any = None
    if takes == "household":
        annotation = HouseholdFilter
    elif takes == "cadre":
        annotation = CadreFilter
    elif takes == "search":
        annotation = Search
    elif takes == "quarter":
        annotation = Annotated[
            str | None, typer.Option(f"--{name.replace('_', '-')}", help=_("e.g. 2004Q3."))
        ]
    elif takes == "flag":
        annotation = Annotated[bool, typer.Option(f"--{name.replace('_', '-')}")]
        default = False
    else:
        annotation = Annotated[str | None, typer.Option(f"--{name.replace('_', '-')}")]
    return inspect.Parameter(name, _KEYWORD, default=default, annotation=annotation)


def group(k: Kind) -> typer.Typer:
    """The kind's group: add, list, edit and delete, each derived from the declaration."""
    app = typer.Typer(no_args_is_help=True)
    head = owner(k)
    thing = _(k.singular)
    name = k.group or k.singular

    def add(**given: Any) -> None:
        from ..ops.write import records

        print(records.add(open_db(), k.name, given, today(), warn=warn))

    params = field_options(k.name, skip=[head.name] if head else [], adding=True)
    if head is not None:
        ref = HouseholdRef if head.ref == "household" else CadreRef
        params.insert(0, inspect.Parameter(head.name, _POSITIONAL, annotation=ref))
    example = f"aidtrack {name} add" + (" H01" if head is not None and head.ref == "household" else "")
    command(app, "add", writes=True)(
        with_signature(
            add,
            params,
            _("Record a {thing}; prints its id.").format(thing=thing)
            + "\n\n"
            + _("Example: {example}").format(example=example),
        )
    )

    def list_(fmt: str = "table", columns: Any = None, **filters: Any) -> None:
        list_records(k.name, fmt, **filters)

    command(app, "list")(
        with_signature(
            list_,
            [
                *(_filter_param(n, spec.takes) for n, spec in k.filters.items()),
                inspect.Parameter("fmt", _KEYWORD, default="table", annotation=ListFormat),
                inspect.Parameter("columns", _KEYWORD, default=None, annotation=Columns),
            ],
            _("List the {things} recorded.").format(things=_(k.name)),
        )
    )

    def edit(ident: str, **changes: Any) -> None:
        edit_record(k.name, ident, changes)

    command(app, "edit", writes=True)(
        with_signature(
            edit,
            [inspect.Parameter("ident", _POSITIONAL, annotation=RecordId), *field_options(k.name)],
            _("Correct a {thing} (audited).").format(thing=thing),
        )
    )

    def delete(ident: str, yes: bool = False) -> None:
        delete_record(k.name, ident, yes)

    command(app, "delete", writes=True)(
        with_signature(
            delete,
            [
                inspect.Parameter("ident", _POSITIONAL, annotation=RecordId),
                inspect.Parameter("yes", _KEYWORD, default=False, annotation=Yes),
            ],
            _("Delete a {thing} entered by mistake (audited).").format(thing=thing),
        )
    )
    return app


def groups() -> dict[str, Kind]:
    """The kinds whose commands are derived here, by group name."""
    return {k.group: k for k in REGISTRY.values() if k.group}
