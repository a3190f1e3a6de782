"""Fusion of retrievers: rank fusion over ranked lists, convex fusion over score arrays."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

import numpy as np

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


def minmax(values: np.ndarray) -> np.ndarray:
    """Scaled to [0, 1] (float64); all equal -> all 1.0 if positive, else all 0.0."""
    values = np.asarray(values, np.float64)
    if len(values) == 0:
        return values
    lo, hi = values.min(), values.max()
    if hi <= lo:
        return np.full(len(values), 1.0 if hi > 0 else 0.0)
    scaled: np.ndarray = (values - lo) / (hi - lo)
    return scaled


def convex(dense: np.ndarray, lexical: np.ndarray, dense_weight: float = 0.5) -> np.ndarray:
    """Convex combination of min-max normalized scores of the same candidates.

    Both retrievers score every candidate (one a retriever did not rank is scored by it
    anyway, which is what makes this better than rank fusion when one retriever misses
    an item). Results lie in [0, 1].
    """
    if len(dense) != len(lexical):
        raise ValueError("dense and lexical scores must cover the same candidates")
    fused: np.ndarray = dense_weight * minmax(dense) + (1 - dense_weight) * minmax(lexical)
    return fused
