"""Misspelling tolerance: correct query words against the words of the code titles."""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from assistant.knowledge.english import english_words

MIN_LENGTH = 6  # shorter words are too ambiguous to correct
# inflected English words ("connected", "broke", "feeling") are not misspelt title words
_INFLECTED = ("ed", "ing", "ly")
CUTOFF = 0.8
TIE = 0.02  # closeness ratios this near count as equally close


class Vocabulary:
    """Lower-case words of the corpus, with a fast close-match lookup."""

    def __init__(self, texts: Iterable[str]) -> None:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(re.findall(r"[a-z]+", text.lower()))
        self.counts = counts
        self.words = frozenset(counts)
        self._buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for w in sorted(self.words):
            if len(w) >= MIN_LENGTH - 1:
                self._buckets[(w[0], len(w))].append(w)

    def __contains__(self, word: object) -> bool:
        return word in self.words

    def correct(self, word: str) -> str | None:
        """The closest corpus word to an unknown ``word``, or None."""
        w = word.lower()
        if len(w) < MIN_LENGTH or w in self.words or not w.isalpha() or w.endswith(_INFLECTED):
            return None
        if w in english_words():  # a word of the language is not a misspelt title word
            return None
        forms = [w, w[:-1]] if w.endswith("s") else [w]  # "migranes": "migrane" too
        scored: list[tuple[float, str]] = []
        for form in forms:
            candidates = [
                c
                for n in range(len(form) - 2, len(form) + 3)
                for c in self._buckets.get((form[0], n), ())
            ]
            for c in difflib.get_close_matches(form, candidates, n=3, cutoff=CUTOFF):
                scored.append((difflib.SequenceMatcher(None, form, c).ratio(), c))
        if not scored:
            return None
        best = max(r for r, _ in scored)
        # of the nearly closest, the word the titles use most ("migraine", not "migrans")
        near = [c for r, c in scored if r >= best - TIE]
        return max(near, key=lambda c: (self.counts[c], c))
