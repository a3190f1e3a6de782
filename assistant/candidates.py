"""Candidate chunks of one search: fused scores, grouped by the record they belong to."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Fused(NamedTuple):
    chunks: np.ndarray  # candidate chunk ids, ascending
    scores: np.ndarray  # fused score of each candidate, in [0, 1]
    lexical: np.ndarray | None  # BM25 of every chunk (None without lexical retrieval)
    cosines: np.ndarray | None  # cosine of each candidate (None without convex fusion)


class PerRecord:
    """Candidate chunks grouped by the record they belong to: each record's best score,
    its chunks best first, and chunks credited to it from another record."""

    def __init__(self, fused: Fused, record_row: np.ndarray) -> None:
        self._fused = fused
        rows = record_row[fused.chunks]
        # by record, then score (best first), then chunk id (highest first)
        order = np.lexsort((-fused.chunks, -fused.scores, rows))
        rows = rows[order]
        first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else rows
        self.rows = rows[first]
        self.best = fused.scores[order][first]
        self._chunks = fused.chunks[order]
        self._cosines = None if fused.cosines is None else fused.cosines[order]
        ends = np.append(first[1:], len(rows)) if len(rows) else first
        spans = zip(first.tolist(), ends.tolist(), strict=True)
        self._span = dict(zip(self.rows.tolist(), spans, strict=True))
        self._extra: dict[int, list[int]] = {}

    @classmethod
    def empty(cls) -> PerRecord:
        none = np.zeros(0, np.int64)
        return cls(Fused(none, np.zeros(0), None, None), none)

    def _own(self, row: int) -> slice:
        a, b = self._span.get(row, (0, 0))
        return slice(a, b)

    def chunks(self, row: int) -> list[int]:
        own: list[int] = self._chunks[self._own(row)].tolist()
        return own + self._extra.get(row, [])

    def similarity(self, row: int) -> float:
        """The best cosine among the record's chunks (credited ones included)."""
        if self._cosines is None or self._fused.cosines is None:
            return 0.0
        values: list[float] = self._cosines[self._own(row)].tolist()
        extra = self._extra.get(row)
        if extra:  # the candidates are in ascending order
            values += self._fused.cosines[np.searchsorted(self._fused.chunks, extra)].tolist()
        return max(values, default=0.0)

    def merge(self, into: int, row: int) -> None:
        """Credit ``row``'s chunks to ``into`` too (a category resolved to its child)."""
        self._extra[into] = self._extra.get(into, []) + self.chunks(row)


def tied_ranks(chunks: np.ndarray, scores: np.ndarray) -> list[tuple[int, int]]:
    """(chunk, rank) for chunks best first; equal scores share a rank, so that ties are
    broken by the other retriever."""
    out, rank, last = [], -1, None
    for i, (chunk, score) in enumerate(zip(chunks.tolist(), scores.tolist(), strict=True)):
        if score != last:
            rank, last = i, score
        out.append((chunk, rank))
    return out


def merge(a: Fused, b: Fused) -> Fused:
    """The candidates of two searches of one query (the whole of it and its stated
    diagnosis), each chunk at the better of its two scores; BM25 of ``a``."""
    chunks = np.union1d(a.chunks, b.chunks)
    scores = np.full(len(chunks), -np.inf)
    cosines = None if a.cosines is None or b.cosines is None else np.full(len(chunks), -np.inf)
    for part in (a, b):
        at = np.searchsorted(chunks, part.chunks)
        scores[at] = np.maximum(scores[at], part.scores)
        if cosines is not None and part.cosines is not None:
            cosines[at] = np.maximum(cosines[at], part.cosines)
    return Fused(chunks, scores, a.lexical, cosines)
