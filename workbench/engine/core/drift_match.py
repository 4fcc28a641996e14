"""Which column of an earlier layout is which column of a new one (drift.py names the differences).

Columns are paired in rounds, each only among the columns still unpaired: the same label (ignoring case, accents
and spaces); the same label once the period in it is ignored (``Ejecución Acumulada al ABRIL`` and ``... a
MAYO``); a similar label (``difflib`` ratio at least ``SIMILAR``, best pairs first); and last a completely new
label in the old one's place (same position or same neighbour, and a compatible kind). What is left was removed
or added. Positions that changed only because a column was inserted or dropped are not moves: a column moved
when it is outside the longest run of pairs that kept their relative order.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from difflib import SequenceMatcher

from workbench.engine.core.layout import ColumnShape
from workbench.engine.core.readers.header import normalize_label

#: Least similarity (0..1) for two labels to be the same column renamed slightly.
SIMILAR = 0.6
#: Most label pairs whose similarity is measured (a completely different file of hundreds of columns is not a
#: rename: its columns are reported removed and added without a quadratic search).
MAX_PAIRS = 4_000
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "setiembre",
          "octubre", "noviembre", "diciembre")
_PERIOD = re.compile(r"\b(?:" + "|".join(MONTHS) + r"|(?:19|20)\d\d|(?:primer|segundo|tercer|cuarto)\s+trimestre"
                     r"|[1-4]t|trimestre\s+[1-4]|q[1-4])\b")


def period_free(label: str) -> str:
    """The label without its period words: ``ejecucion acumulada al <periodo>`` (``al``/``a`` alike)."""
    text = _PERIOD.sub("<periodo>", normalize_label(label))
    return re.sub(r"\b(?:al|a|del|de)\s+<periodo>", "<periodo>", text)


def has_period(label: str) -> bool:
    return "<periodo>" in period_free(label)


def similarity(a: str, b: str) -> float:
    return round(SequenceMatcher(None, normalize_label(a), normalize_label(b)).ratio(), 2)


def kinds_agree(a: str, b: str) -> bool:
    """Codes and numbers are one family (``50`` is a partida code with no leading zero); empty agrees with all."""
    family = {"code": "n", "number": "n"}
    return "empty" in (a, b) or family.get(a, a) == family.get(b, b)


@dataclass
class Pair:
    old: ColumnShape
    new: ColumnShape
    how: str  # same | period | similar | replaced
    score: float


@dataclass
class Matching:
    pairs: list[Pair]
    removed: list[ColumnShape]
    added: list[ColumnShape]
    moved: list[Pair]


def match_columns(old: list[ColumnShape], new: list[ColumnShape]) -> Matching:
    left, right = list(old), list(new)
    pairs: list[Pair] = []
    for how, key in (("same", lambda c: normalize_label(c.label)), ("period", lambda c: period_free(c.label))):
        for o in list(left):
            for n in right:
                if key(o) == key(n) and (how == "same" or key(o) != normalize_label(o.label)):
                    pairs.append(Pair(o, n, how, 1.0 if how == "same" else similarity(o.label, n.label)))
                    left.remove(o)
                    right.remove(n)
                    break
    scored = sorted(((similarity(o.label, n.label), -abs(o.position - n.position), i, k)
                     for i, o in enumerate(left) for k, n in enumerate(right) if o.label and n.label),
                    reverse=True) if len(left) * len(right) <= MAX_PAIRS else []
    taken_o: set[int] = set()
    taken_n: set[int] = set()
    for score, _, i, k in scored:
        if score >= SIMILAR and i not in taken_o and k not in taken_n:
            pairs.append(Pair(left[i], right[k], "similar", score))
            taken_o.add(i)
            taken_n.add(k)
    left = [c for i, c in enumerate(left) if i not in taken_o]
    right = [c for k, c in enumerate(right) if k not in taken_n]
    pairs.extend(_replaced(left, right, pairs))
    paired_old = {id(p.old) for p in pairs}
    paired_new = {id(p.new) for p in pairs}
    pairs.sort(key=lambda p: p.new.position)
    return Matching(pairs=pairs, removed=[c for c in old if id(c) not in paired_old],
                    added=[c for c in new if id(c) not in paired_new], moved=_moved(pairs))


def _replaced(left: list[ColumnShape], right: list[ColumnShape], pairs: list[Pair]) -> list[Pair]:
    """A new label where an old one was: same position, or between the same paired neighbours."""
    by_old = {p.old.position: p.new.position for p in pairs}
    found = []
    for o in list(left):
        for n in right:
            beside = (by_old.get(o.position - 1) == n.position - 1 and o.position > 0) or \
                     by_old.get(o.position + 1) == n.position + 1
            if (o.position == n.position or beside) and kinds_agree(o.kind, n.kind):
                found.append(Pair(o, n, "replaced", similarity(o.label, n.label)))
                left.remove(o)
                right.remove(n)
                by_old[o.position] = n.position
                break
    return found


def _moved(pairs: list[Pair]) -> list[Pair]:
    """Pairs outside the longest subsequence that keeps the old order (inserts and drops shift, they do not move)."""
    ordered = sorted(pairs, key=lambda p: p.old.position)
    positions = [p.new.position for p in ordered]
    tails: list[int] = []
    tail_index: list[int] = []
    parent = [-1] * len(positions)
    for i, value in enumerate(positions):
        at = bisect_left(tails, value)
        if at == len(tails):
            tails.append(value)
            tail_index.append(i)
        else:
            tails[at] = value
            tail_index[at] = i
        parent[i] = tail_index[at - 1] if at > 0 else -1
    keep: set[int] = set()
    i = tail_index[-1] if tail_index else -1
    while i >= 0:
        keep.add(i)
        i = parent[i]
    return [p for i, p in enumerate(ordered) if i not in keep]


__all__ = ["MONTHS", "SIMILAR", "Matching", "Pair", "has_period", "kinds_agree", "match_columns", "period_free",
           "similarity"]
