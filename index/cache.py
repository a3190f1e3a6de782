"""Embedding cache keyed by model (weights hash + backend) and text hash.

One ``.npz`` file per model under ``<cache>/embeddings/``: ``keys`` (sha1 digests of
the texts) and ``vectors``. Rebuilding an index after adding one document embeds
only the texts the cache has not seen. Writes are atomic (temp file + rename).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)


def text_key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).digest()


class EmbeddingCache:
    def __init__(self, path: Path, dimension: int) -> None:
        self.path = path
        self.dimension = dimension
        self._index: dict[bytes, int] = {}
        self._vectors = np.zeros((0, dimension), np.float32)
        self._pending: list[tuple[bytes, np.ndarray]] = []
        if path.is_file():
            try:
                with np.load(path) as data:
                    keys, vectors = data["keys"], data["vectors"]
                if (
                    vectors.shape[1:] == (dimension,)
                    and keys.shape == (len(vectors), 20)
                    and keys.dtype == np.uint8
                ):
                    self._vectors = vectors
                    self._index = {k.tobytes(): i for i, k in enumerate(keys)}
                else:
                    logger.warning("embedding cache %s has another shape; ignored", path)
            except (OSError, ValueError, KeyError) as exc:
                logger.warning("embedding cache %s unreadable (%s); ignored", path, exc)

    def __len__(self) -> int:
        return len(self._index)

    def get(self, texts: list[str]) -> tuple[np.ndarray, list[int]]:
        """Vectors for ``texts`` (zero rows where missing) and the indices that are missing."""
        out = np.zeros((len(texts), self.dimension), np.float32)
        missing: list[int] = []
        for i, text in enumerate(texts):
            row = self._index.get(text_key(text))
            if row is None:
                missing.append(i)
            else:
                out[i] = self._vectors[row]
        return out, missing

    def put(self, texts: list[str], vectors: np.ndarray) -> None:
        for text, vector in zip(texts, vectors, strict=True):
            key = text_key(text)
            if key not in self._index:
                self._index[key] = len(self._vectors) + len(self._pending)
                self._pending.append((key, vector))

    def save(self) -> None:
        if not self._pending:
            return
        new_vectors = np.stack([v for _, v in self._pending]).astype(np.float32)
        vectors = np.concatenate([self._vectors, new_vectors])
        # raw digests as uint8 rows: a fixed-width bytes dtype would drop trailing NULs
        keys = np.zeros((len(self._index), 20), dtype=np.uint8)
        for key, row in self._index.items():
            keys[row] = np.frombuffer(key, dtype=np.uint8)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".npz.tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, keys=keys, vectors=vectors)
            os.replace(tmp, self.path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self._vectors = vectors
        self._pending.clear()
