"""Pick the passage of a chunk that best supports a query."""

from __future__ import annotations

from collections.abc import Set

from corpus.chunking import sentence_spans
from index.lexical import tokenize


def best_span(source_text: str, start: int, end: int, terms: Set[str]) -> tuple[int, int]:
    """The sentence (or line) of ``source_text[start:end]`` sharing the most query terms.

    Offsets are into ``source_text``; ties go to the earliest sentence, and with no
    shared term the whole chunk is cited.
    """
    spans = sentence_spans(source_text[start:end], start)
    if len(spans) <= 1 or not terms:
        return start, end
    best, best_hits = (start, end), 0
    for a, b in spans:
        hits = len(terms & set(tokenize(source_text[a:b])))
        if hits > best_hits:
            best, best_hits = (a, b), hits
    return best
