"""Conditions a sentence names: the ICD-10-CM index terms (titles, bracketed synonyms and
inclusion terms of the disease chapters A00-Q99) written inside a longer query.

A patient who writes "my 3 year old has croup, his cough sounds like a seal barking"
names a diagnosis among the symptoms that led to it. Coders code the diagnosis, not the
signs and symptoms integral to it (guidelines I.B.4-5), so the named condition is
searched on its own as the query's focus. Names come from the code set itself, never
from evaluation queries; symptom (R), injury (S-T), external-cause (V-Y) and factor (Z)
titles are not condition names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cached_property

from assistant.knowledge.phrases import Token, term_key, tokens

DISEASE_CHAPTERS = ("A", "Q")  # first letters, inclusive: the chapters that name diseases
MAX_NAME_TOKENS = 6
MIN_SINGLE = 5  # a one-word name is at least this long ("gout" is not; "croup" is)
# a name inside a query of at least this many more content words is the query's focus
MIN_OTHER_WORDS = 3
_BRACKETED = re.compile(r"\[([^\]]+)\]")
# words never read as a one-word condition name: body parts, growth words and the
# generic words that some titles are reduced to once their qualifiers are dropped
_NOT_NAMES = frozenset(
    term_key(w)
    for w in (
        *("other", "stage", "stable", "growth", "persist", "margin", "trap", "band", "pin"),
        *("thyroid", "tonsil", "iris", "sinus", "ganglion", "mucosa", "mucous", "cervical"),
        *("sigmoid", "oculomotor", "trochlear", "dish", "scar", "burn", "lump", "mass"),
        *("cancer", "tumor", "tumour", "neoplasm"),
    )
)
_FILLER = frozenset(("the", "a", "an", "and", "or", "of", "in", "on", "with", "for", "to", "is"))


# organisms "as the cause of diseases classified elsewhere" (B95-B97) and manifestations
# "in diseases classified elsewhere" name no condition of their own
_ELSEWHERE = "classified elsewhere"


class ConditionNames:
    """Folded index terms of the disease chapters; built on first use."""

    def __init__(
        self,
        systems: Sequence[str],
        codes: Sequence[str],
        titles: Sequence[str],
        terms_of: Callable[[int], tuple[str, ...]],
    ) -> None:
        self._systems = systems
        self._codes = codes
        self._titles = titles
        self._terms_of = terms_of  # row -> the record's index terms

    @cached_property
    def keys(self) -> frozenset[str]:
        first, last = DISEASE_CHAPTERS
        out: set[str] = set()
        for row, (system, code) in enumerate(zip(self._systems, self._codes, strict=True)):
            if system != "ICD-10-CM" or not first <= code[:1] <= last:
                continue
            if _ELSEWHERE in self._titles[row].lower():
                continue
            for name in self._terms_of(row):
                for part in (_BRACKETED.sub(" ", name), *_BRACKETED.findall(name)):
                    key = term_key(part)
                    if key and _usable(key):
                        out.add(key)
        return frozenset(out)

    def find(self, text: str) -> list[tuple[int, int]]:
        """Spans of ``text`` that are condition names, longest first at each position."""
        toks = tokens(text)
        keys = self.keys
        found: list[tuple[int, int]] = []
        i = 0
        while i < len(toks):
            for n in range(min(MAX_NAME_TOKENS, len(toks) - i), 0, -1):
                if " ".join(t.key for t in toks[i : i + n]) in keys:
                    found.append((toks[i].start, toks[i + n - 1].end))
                    i += n
                    break
            else:
                i += 1
        return found


def _usable(key: str) -> bool:
    words = key.split()
    if len(words) > MAX_NAME_TOKENS:
        return False
    if len(words) == 1:
        return len(key) >= MIN_SINGLE and key not in _NOT_NAMES and key.isalpha()
    return True


def other_words(toks: list[Token], spans: list[tuple[int, int]]) -> int:
    """Content words of the query outside the named spans."""
    return sum(
        1
        for t in toks
        if t.key not in _FILLER and not any(a <= t.start and t.end <= b for a, b in spans)
    )
