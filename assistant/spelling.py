"""Misspelling tolerance: correct query words against the words of the code titles."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable

from assistant.knowledge.english import english_words

MIN_LENGTH = 6  # shorter words are too ambiguous to correct
# inflected English words ("connected", "broke", "feeling") are not misspelt title words
_INFLECTED = ("ed", "ing", "ly")
CUTOFF = 0.8


class Vocabulary:
    """Lower-case words of the corpus, with a fast close-match lookup."""

    def __init__(self, texts: Iterable[str]) -> None:
        words: set[str] = set()
        for text in texts:
            words.update(re.findall(r"[a-z]+", text.lower()))
        self.words = frozenset(words)
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
        candidates = [
            c for n in range(len(w) - 2, len(w) + 3) for c in self._buckets.get((w[0], n), ())
        ]
        match = difflib.get_close_matches(w, candidates, n=1, cutoff=CUTOFF)
        return match[0] if match else None
