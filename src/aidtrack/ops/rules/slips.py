"""Likely slips of a clerk: records that are allowed but usually a mistake, said as warnings.

A warning never stops the record (exit 0, stderr): two households may share a name, a cadre may
help a second household, an income may really jump. Only single adds are looked at; an import
says nothing per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import parse
from ...i18n import _, column
from ...model import AidtrackError, format_yuan, label
from ...store import Store


def slips(db: Store, kind: str, row: Mapping[str, Any]) -> list[str]:
    """The warnings for a validated row about to be added (stored column names)."""
    check = _SLIPS.get(kind)
    return check(db, row) if check else []


def id_number(row: Mapping[str, Any]) -> list[str]:
    """An ID number stored though invalid (policy id_check 0), or a born date or gender against it."""
    number = row.get("id_number")
    if not number:
        return []
    try:
        parse.id_number(number)
    except AidtrackError as e:
        return [_("the ID number is stored though it is not valid: {error}").format(error=e)]
    return [
        _("the ID number {number} says {field} {value}; the record says {given}").format(
            number=number,
            field=column(field),
            value=value if field == "born" else label(value),
            given=row.get(field) if field == "born" else label(row.get(field)),
        )
        for field, value in parse.id_disagreements(number, row.get("born"), row.get("gender"))
    ]


def _member(db: Store, row: Mapping[str, Any]) -> list[str]:
    return id_number(row)


def _household(db: Store, row: Mapping[str, Any]) -> list[str]:
    return _same_name(db, row) + id_number(row)


def _same_name(db: Store, row: Mapping[str, Any]) -> list[str]:
    if row.get("born"):
        hits = db.execute(
            "SELECT code, name FROM households WHERE name = ? AND (born = ? OR born IS NULL) ORDER BY code",
            [row["name"], row["born"]],
        ).fetchall()
    else:
        hits = db.execute(
            "SELECT code, name FROM households WHERE name = ? ORDER BY code", [row["name"]]
        ).fetchall()
    return [
        _("household {code} {name} has the same name{born}: the same family entered twice?").format(
            code=code, name=name, born=_(" and born date") if row.get("born") else ""
        )
        for code, name in hits
    ]


def _pairing(db: Store, row: Mapping[str, Any]) -> list[str]:
    if row.get("until"):
        return []
    hits = db.execute(
        "SELECT c.code, h.code, h.name FROM pairings p JOIN cadres c ON c.id = p.cadre_id"
        " JOIN households h ON h.id = p.household_id WHERE p.cadre_id = ? AND p.until IS NULL",
        [row["cadre_id"]],
    ).fetchall()
    return [
        _("{cadre} already helps {code} {name}: one helps one").format(cadre=c, code=h, name=n)
        for c, h, n in hits
    ]


def _income(db: Store, row: Mapping[str, Any]) -> list[str]:
    amounts = sorted(
        a
        for (a,) in db.execute(
            "SELECT sum(amount) FROM income WHERE household_id = ? AND month != ? GROUP BY month",
            [row["household_id"], row["month"]],
        )
    )
    if len(amounts) < 3:
        return []
    usual = amounts[(len(amounts) - 1) // 2]  # the lower median: one odd month does not move it
    if usual > 0 and row["amount"] >= 10 * usual:
        return [
            _(
                "{amount} yuan is ten times this household's usual month ({usual} yuan): a slip of"
                " the decimal point?"
            ).format(amount=format_yuan(row["amount"]), usual=format_yuan(usual))
        ]
    return []


def _visit(db: Store, row: Mapping[str, Any]) -> list[str]:
    hits = db.execute(
        "SELECT id, kind FROM visits WHERE pairing_id = ? AND date = ? AND kind != ?",
        [row["pairing_id"], row["date"], row["kind"]],
    ).fetchall()
    return [
        _("visit {id} ({kind}) of this pairing is on the same day: the same visit twice?").format(
            id=vid, kind=k
        )
        for vid, k in hits
    ]


def _status(db: Store, row: Mapping[str, Any]) -> list[str]:
    """History typed from paper (dated HISTORY_DAYS or more ago) where 致富's or 脱贫's income test
    fails: recorded as the paper says, with a warning."""
    from .refs import Refs
    from .validate import _DECISION_RULES

    rule = _DECISION_RULES.get(row.get("status") or "")
    if rule is None or row.get("reason"):
        return []
    why = rule(Refs(db), row["household_id"], row["date"])
    return [_("recorded as history from paper, but it {why}").format(why=why)] if why else []


_SLIPS = {
    "statuses": _status,
    "households": _household,
    "members": _member,
    "pairings": _pairing,
    "income": _income,
    "visits": _visit,
}
