"""Rank fusion: pure functions over ranked lists."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

T = TypeVar("T", bound=Hashable)
RRF_K = 60


def ranked(items: Sequence[T]) -> list[tuple[T, int]]:
    """``[a, b, c]`` -> ``[(a, 0), (b, 1), (c, 2)]``."""
    return [(item, i) for i, item in enumerate(items)]


def grouped_ranks(groups: Sequence[Sequence[T]]) -> list[tuple[T, int]]:
    """Ranked groups -> (item, rank) pairs; members of one group share its rank."""
    return [(m, rank) for rank, members in enumerate(groups) for m in members]


def rrf(
    rankings: Mapping[str, Sequence[tuple[T, int]]],
    weights: Mapping[str, float] | None = None,
    k: int = RRF_K,
) -> dict[T, float]:
    """Weighted reciprocal rank fusion, normalized to [0, 1].

    ``rankings`` maps a retriever name to ``(item, rank)`` pairs (rank 0 is best; an
    item listed twice counts once, at its first rank). An item ranked first by every
    retriever scores 1.0; one no retriever found is absent.
    """
    weights = weights or {}
    total = sum(weights.get(name, 1.0) for name in rankings)
    if total <= 0:
        return {}
    best = total / (k + 1)
    scores: dict[T, float] = {}
    for name, pairs in rankings.items():
        w = weights.get(name, 1.0)
        seen: set[T] = set()
        for item, rank in pairs:
            if item in seen:
                continue
            seen.add(item)
            scores[item] = scores.get(item, 0.0) + w / (k + rank + 1)
    return {item: s / best for item, s in scores.items()}


def _minmax(scores: Mapping[T, float]) -> dict[T, float]:
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi <= lo:
        return {item: 1.0 if hi > 0 else 0.0 for item in scores}
    return {item: (s - lo) / (hi - lo) for item, s in scores.items()}


def convex(
    dense: Mapping[T, float], lexical: Mapping[T, float], dense_weight: float = 0.5
) -> dict[T, float]:
    """Convex combination of min-max normalized scores over the union of candidates.

    Both mappings should score every candidate (a candidate one retriever did not rank
    is scored by it anyway, which is what makes this better than rank fusion when one
    retriever misses an item); a missing score counts as that retriever's minimum.
    Results lie in [0, 1].
    """
    d, lx = _minmax(dense), _minmax(lexical)
    items = set(d) | set(lx)
    return {i: dense_weight * d.get(i, 0.0) + (1 - dense_weight) * lx.get(i, 0.0) for i in items}
