"""FAISS vector index over L2-normalized embeddings (inner product = cosine).

Exact (``IndexFlatIP``) for small corpora, HNSW above ``HNSW_THRESHOLD`` vectors.
:class:`DenseStore` is all that search asks of it: the seam where a vector database would
replace in-process FAISS for a corpus too large for every worker's memory (docs/deploy.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

HNSW_THRESHOLD = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


class DenseStore(Protocol):
    """The dense index of one version, as search uses it (rows are dense row ids)."""

    @property
    def size(self) -> int:
        """Vectors (rows) in the index."""

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, row ids) of the ``k`` nearest rows per query (L2-normalized float32,
        shape (n, dimension)); scores are cosines, ids -1 where fewer than k exist."""

    def similarities(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact cosines of one query with the given rows."""


@dataclass
class DenseIndex:
    index: faiss.Index

    @property
    def kind(self) -> str:
        return "hnsw" if isinstance(self.index, faiss.IndexHNSWFlat) else "flat"

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "auto") -> DenseIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = vectors.shape[1]
        if kind == "auto":
            kind = "hnsw" if len(vectors) > HNSW_THRESHOLD else "flat"
        if kind == "hnsw":
            hnsw = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            hnsw.hnsw.efSearch = HNSW_EF_SEARCH
            index: faiss.Index = hnsw
        elif kind == "flat":
            index = faiss.IndexFlatIP(dim)
        else:
            raise ValueError(f"unknown dense index kind {kind!r}")
        index.add(vectors)
        return cls(index)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, row ids) per query; ids are -1 where fewer than k exist."""
        k = max(1, min(k, self.size))
        scores, ids = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return scores, ids

    def similarities(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact inner products of one query vector with the stored vectors ``rows``."""
        if len(rows) == 0:
            return np.zeros(0, np.float32)
        vectors = self.index.reconstruct_batch(np.asarray(rows, dtype=np.int64))
        return np.asarray(vectors @ np.asarray(query, np.float32).reshape(-1), np.float32)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        index = faiss.read_index(str(path))
        if isinstance(index, faiss.IndexHNSWFlat):
            index.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(index)
