"""Both sides of a note's statement: a procedure on both sides of a body part with no
bilateral value (ICD-10-PCS guideline B4.3), a condition of both sides with no bilateral
code (ICD-10-CM guideline I.B.13); each side is coded."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.results import CodeResult

_SIDE_SWAP = {"Right": "Left", "Left": "Right"}


def other_side(top: CodeResult, results: tuple[CodeResult, ...]) -> list[CodeResult]:
    """For a procedure done on both sides of a body part with no bilateral value: the
    same code for the other side, when it was found (ICD-10-PCS guideline B4.3)."""
    words = top.title.split()
    for i, word in enumerate(words):
        if word in _SIDE_SWAP:
            other = " ".join([*words[:i], _SIDE_SWAP[word], *words[i + 1 :]])
            return [r for r in results if r.title == other and r.code[:3] == top.code[:3]][:1]
    return []


_SIDE_OPEN_WORD = re.compile(r"\b(unspecified|right|left)\b(?= [a-z])")


def each_side(top: CodeResult, results: tuple[CodeResult, ...]) -> list[CodeResult]:
    """For a condition of both sides with no bilateral code: its right and left codes,
    when both were found ("Abrasions of both hands" -> right hand, left hand)."""
    if "bilateral" in top.title.lower():
        return []
    m = _SIDE_OPEN_WORD.search(top.title)
    if m is None:
        return []
    titles = {r.title: r for r in results}
    sides = [
        titles.get(top.title[: m.start()] + side + top.title[m.end() :])
        for side in ("right", "left")
    ]
    bilateral = any(r.code[:5] == top.code[:5] and "bilateral" in r.title.lower() for r in results)
    if bilateral or not all(sides):
        return []
    return [s for s in sides if s is not None]


_SIDE_WORD = re.compile(r"\b(?:right|left)\b", re.IGNORECASE)


def sides_of_one(a: str, b: str) -> bool:
    """The right and the left code of one condition: two findings, not one coded twice."""
    return a != b and _SIDE_WORD.sub("SIDE", a) == _SIDE_WORD.sub("SIDE", b)
