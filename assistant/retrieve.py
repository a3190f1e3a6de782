"""Stage "retrieve" and "fuse": candidate chunks from the dense (FAISS) and lexical (BM25)
indexes, fused into one score per chunk in [0, 1]."""

from __future__ import annotations

import numpy as np

from assistant.candidates import Fused, tied_ranks
from assistant.fusion import convex, grouped_ranks, rrf
from assistant.weights import Weights
from index.embedding.base import Embedder
from index.search_index import SearchIndex

FUSIONS = ("convex", "rrf")


class Retrieval:
    """Dense and lexical retrieval over one loaded index, restricted to one code set on
    request (``sys_id`` is the code set's position in ``corpus.records.SYSTEMS``; -1: all)."""

    def __init__(self, index: SearchIndex, embedder: Embedder, chunk_system: np.ndarray) -> None:
        self.index = index
        self.embedder = embedder
        self.chunk_system = chunk_system

    def fused(
        self,
        text: str,
        sys_id: int,
        weights: Weights,
        *,
        use_dense: bool = True,
        use_lexical: bool = True,
        fusion: str = "convex",
        vector: np.ndarray | None = None,
    ) -> Fused:
        """Candidate chunks with scores in [0, 1], BM25 of every chunk, and each
        candidate's cosine similarity (convex fusion). ``vector``: ``text`` already
        embedded (a batch of queries is embedded in one call), shape (1, dim)."""
        lexical = self.index.lexical.scores(text) if use_lexical else None
        if not use_dense:
            vector = None
        elif vector is None:
            vector = self.embedder.encode([text])
        if fusion == "rrf" or vector is None or lexical is None:
            rankings: dict[str, list[tuple[int, int]]] = {}
            if vector is not None:
                groups = [g.tolist() for g in self.dense_groups(vector, sys_id, weights)]
                rankings["dense"] = grouped_ranks(groups)
            if lexical is not None:
                top = self.lexical_top(lexical, sys_id, weights)
                rankings["lexical"] = tied_ranks(top, lexical[top])
            scores = rrf({name: p for name, p in rankings.items() if p}, k=weights.rrf_k)
            chunks = np.array(sorted(scores), np.int64)
            values = np.array([scores[c] for c in chunks.tolist()], np.float64)
            return Fused(chunks, values, lexical, None)
        dense = self.dense_groups(vector, sys_id, weights)
        found = [*dense, self.lexical_top(lexical, sys_id, weights)]
        candidates = np.unique(np.concatenate(found)).astype(np.int64)
        if len(candidates) == 0:
            return Fused(candidates, np.zeros(0), lexical, None)
        rows = self.index.chunk_dense[candidates]
        unique_rows, inverse = np.unique(rows, return_inverse=True)
        cosines = self.index.dense.similarities(vector[0], unique_rows)[inverse]
        cos64 = cosines.astype(np.float64)
        values = convex(cos64, lexical[candidates], weights.dense_weight)
        return Fused(candidates, values, lexical, cos64)

    def dense_groups(self, vector: np.ndarray, sys_id: int, weights: Weights) -> list[np.ndarray]:
        """Chunks of the nearest vectors, one group per vector (in the code set, if any)."""
        n = weights.dense_candidates * (4 if sys_id >= 0 else 1)
        _, ids = self.index.dense.search(vector, n)
        groups = [self.index.dense_chunks[row] for row in ids[0].tolist() if row >= 0]
        if sys_id >= 0:
            groups = [g[self.chunk_system[g] == sys_id] for g in groups]
        return [g for g in groups if len(g)]

    def lexical_top(self, scores: np.ndarray, sys_id: int, weights: Weights) -> np.ndarray:
        """The best-scoring chunks by BM25 (score > 0), best first."""
        if sys_id >= 0:
            scores = np.where(self.chunk_system == sys_id, scores, 0)
        hit = np.flatnonzero(scores > 0)
        n = min(weights.lexical_candidates, len(hit))
        if n == 0:
            return np.zeros(0, np.int64)
        top = hit[np.argpartition(-scores[hit], n - 1)[:n]] if n < len(hit) else hit
        ordered: np.ndarray = top[np.argsort(-scores[top], kind="stable")]
        return ordered
