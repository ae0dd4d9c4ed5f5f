"""Fitting text to a terminal: column widths that never break a code, a date or a number, and
line breaks that follow Chinese typesetting (no line starts with closing punctuation, a term of the
glossary stays whole). Pure: no I/O; rich is asked only for the width of wide characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .model import ZH_NAMES

#: Punctuation that may not start a line (it closes what came before) …
NO_START = frozenset("，。、；：！？）」』”’》〉】,.;:!?)]}%")
#: … and that may not end one (it opens what follows).
NO_END = frozenset("（「『“‘《〈【([{¥=")
#: Terms kept whole when a line breaks (评定脱贫, not 评定脱/贫): the glossary's Chinese names.
_MORE_TERMS = {"帮扶", "走访", "回访", "住院", "医药费", "贫困线", "监测线", "人均月收入", "纳入帮扶"}
TERMS = tuple(sorted({t for t in ZH_NAMES.values() if len(t) > 1} | _MORE_TERMS, key=len, reverse=True))
_ATOM = re.compile(r"[A-Za-z0-9.,:/%+\-¥_@#*=…]+")
#: A short name in brackets right after a code, kept with it when a line breaks.
_NAMED = re.compile(r"（[^（）\s]{1,10}）")
#: Measure words that stay with the number before them when a line breaks (an address's 21号, 3组).
_UNITS = frozenset("号组室栋楼层户元天人岁条间")


def width_of(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


def unbreakable(text: str) -> bool:
    """A code, a date, a number or an amount: printed whole or not at all."""
    return bool(text) and " " not in text and text.isascii()


#: A run of Chinese characters this short, between other characters, is a name or a word (王建军,
#: 帮扶): kept whole when a line breaks.
SHORT_RUN = 4
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def _tokens(text: str) -> list[str]:
    out, i = [], 0
    while i < len(text):
        m = _ATOM.match(text, i)
        if m:
            end = m.end()
            if end < len(text) and text[end] in _UNITS:  # 21号, 3组, 700元: the number with its unit
                end += 1
            named = _NAMED.match(text, end)
            if named:  # a code with its name: initial（对接）, H01（刘香福）
                end = named.end()
            while end < len(text) and text[end] in NO_START:  # H01）, and never a line's first ）
                end += 1
            out.append(text[i:end])
            i = end
            continue
        han = _HAN.match(text, i)
        if han and len(han.group()) <= SHORT_RUN and (i == 0 or not _HAN.match(text[i - 1])):
            out.append(han.group())
            i = han.end()
            continue
        for term in TERMS:
            if text.startswith(term, i):
                out.append(term)
                i += len(term)
                break
        else:
            out.append(text[i])
            i += 1
    return out


def _fitting(tokens: list[str], width: int) -> list[str]:
    """TOKENS with a code and its bracketed name too wide together split before the bracket, so that
    the name stays whole (weak_motivation / （自身发展动力不足）)."""
    out: list[str] = []
    for tok in tokens:
        cut = tok.find("（", 1)
        if cut > 0 and width_of(tok) > width:
            # in a very narrow column the bracket stays with the code: cadre（ / 帮扶干部）、
            cut += width_of(tok[cut:]) > width
            out += [tok[:cut], tok[cut:]]
        else:
            out.append(tok)
    return out


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most WIDTH cells: breaks between tokens, punctuation kept off the wrong line end."""
    if width < 2:
        return [text]
    lines: list[str] = []
    for para in text.split("\n"):
        line: list[str] = []
        used = 0
        for tok in _fitting(_tokens(para), width):
            w = width_of(tok)
            if w > width:  # a token longer than the line: cut it (only a very narrow column does this)
                if line and "".join(line).strip():  # it starts a line of its own
                    lines.append("".join(line).rstrip())
                    line, used = [], 0
                elif line:
                    line, used = [], 0
                for ch in tok:
                    if used + width_of(ch) > width:
                        # a closing mark takes the character before it down (R）, never a bare ）)
                        down: list[str] = []
                        while ch in NO_START and len(line) > 1 and (not down or down[0] in NO_START):
                            down.insert(0, line.pop())
                        lines.append("".join(line))
                        line, used = down, sum(width_of(t) for t in down)
                    line.append(ch)
                    used += width_of(ch)
                continue
            if used + w > width and line:
                carry: list[str] = []
                # closing punctuation may not start the next line: take the last token down with it
                if tok[0] in NO_START and len(line) > 1:
                    carry.insert(0, line.pop())
                    # …nor may what comes down with it (）：, ）,): take the text they close too
                    while len(line) > 1 and carry[0][0] in NO_START:
                        carry.insert(0, line.pop())
                elif tok[0] in NO_START and len(line[0]) > 1:  # one long term: its last character goes
                    carry.insert(0, line[0][-1])
                    line[0] = line[0][:-1]
                # opening punctuation may not end this line, unless taking it down would leave the
                # next line too narrow for the token (a date after （ is never split: （ stays)
                openers: list[str] = []
                while len(line) > 1 and line[-1][-1] in NO_END:
                    openers.insert(0, line.pop())
                if sum(width_of(t) for t in (*openers, *carry)) + w > width:
                    line += openers
                else:
                    carry = openers + carry
                lines.append("".join(line).rstrip())
                line = carry
                used = sum(width_of(t) for t in line)
                if tok == " " and not line:
                    continue
            line.append(tok)
            used += w
        lines.append("".join(line).rstrip())
    return lines


#: The narrowest a column of text gets (5 Chinese characters) before the table gives way to blocks.
TEXT_MIN = 10
#: The longest run of a code, date or amount inside a text that a column widens to keep whole.
TOKEN_MAX = 24


def fit(
    columns: Sequence[Sequence[str]], headers: Sequence[str], width: int, chrome: int = 3, edge: int = 1
) -> list[int] | None:
    """Column widths that fit WIDTH, or None when even the narrowest layout does not.

    A column whose every value is unbreakable (codes, dates, numbers) gets its longest value; text
    columns share the rest, down to 8 cells (or their longest value). `chrome` is the cells a column
    costs besides its text (padding and a border), `edge` the table's last border.
    """
    longest, fixed, words = [], [], []
    for texts, header in zip(columns, headers):
        lines = [ln for t in texts for ln in t.split("\n")]
        long_ = max([width_of(t) for t in lines] + [0])
        whole = all(unbreakable(t) or not t for t in lines)
        # a header is kept whole when there is room (codes' headers up to 12 cells), else it folds
        longest.append(max(long_, min(width_of(header), 16) if whole else width_of(header), 1))
        fixed.append(whole)
        # an English header folds between its words, never inside one (household_name), and a text
        # never inside a date, an amount or a key=value of it (up to TOKEN_MAX cells)
        word = max(width_of(w) for w in header.split()) if header.isascii() and header.strip() else 0
        if not whole:
            word = max([word] + [width_of(m.group()) for t in lines for m in _ATOM.finditer(t)])
        words.append(min(word, TOKEN_MAX))
    mins = [
        lng if whole else max(min(lng, TEXT_MIN), min(word, lng))
        for lng, whole, word in zip(longest, fixed, words)
    ]
    room = width - chrome * len(mins) - edge
    if sum(mins) > room:
        return None
    widths = list(mins)
    spare = room - sum(widths)
    # share the spare cells among text columns, the least needy first: short text stays on one line
    needy = sorted((i for i, whole in enumerate(fixed) if not whole), key=lambda i: longest[i] - mins[i])
    for n, i in enumerate(needy):
        share = min(longest[i] - widths[i], spare // (len(needy) - n))
        widths[i] += share
        spare -= share
    return widths
