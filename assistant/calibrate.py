"""Stage "calibrate": signals of each shown result, and its confidence from them."""

from __future__ import annotations

from collections.abc import Container, Sequence

from assistant.confidence import Calibrator, Signals
from assistant.conventions import QueryFacts, name_stems, term_exact
from assistant.query import QueryAnalysis, content_words
from index.store import RecordStore

# Distances between scores count up to this much: beyond it (a code set with a handful of
# codes, or a lone document) a larger gap says no more about being right.
MAX_GAP = 0.15


def query_known(analysis: QueryAnalysis, vocabulary: Container[str]) -> float:
    """Share of the query's words that are medical vocabulary: words of the code titles,
    or words the lexicon or an abbreviation list explained."""
    words = content_words(analysis.raw)
    if not words:
        return 0.0
    explained = [(e.start, e.end) for e in analysis.expansions if e.kind != "spelling"]
    known = sum(
        1
        for word, start, end in words
        if word in vocabulary or any(a <= start and end <= b for a, b in explained)
    )
    return known / len(words)


def coverage(facts: QueryFacts, names: Sequence[str]) -> float:
    """Share of the query's content words (as written, or reworded) in the code's names."""
    stems = name_stems(tuple(names))
    best = 0.0
    for variant in facts.variants:
        if variant:
            best = max(best, len(variant & stems) / len(variant))
    return best


def signals(
    rows: Sequence[int],
    ranked_rows: Sequence[int],
    scores: dict[int, float],
    similarity: dict[int, float],
    facts: QueryFacts,
    known: float,
    records: RecordStore,
) -> dict[int, Signals]:
    """Signals of each shown row; rank, gap and margin are taken within its code set."""
    out: dict[int, Signals] = {}
    by_system: dict[str, list[int]] = {}
    for row in ranked_rows:
        by_system.setdefault(records.systems[row], []).append(row)
    position = {row: i for group in by_system.values() for i, row in enumerate(group)}
    for row in rows:
        group = by_system[records.systems[row]]
        i = position[row]
        score = scores[row]
        following = scores[group[i + 1]] if i + 1 < len(group) else score
        names = records.terms(row)
        out[row] = Signals(
            score=score,
            similarity=similarity[row],
            gap_to_top=min(scores[group[0]] - score, MAX_GAP),
            margin=min(score - following, MAX_GAP),
            inverse_rank=1.0 / (i + 1),
            term_exact=float(term_exact(facts, names)) / 2,
            coverage=coverage(facts, (records.titles[row], *names)),
            query_known=known,
        )
    return out


def confidences(calibrator: Calibrator, found: dict[int, Signals]) -> dict[int, float]:
    return {row: round(calibrator.confidence(s), 4) for row, s in found.items()}
