"""sentence-transformers (torch) backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.embedding.base import MAX_TOKENS, ModelInfo, resolve_model_path, weights_sha256


class TorchEmbedder:
    def __init__(self, model: str, cache_dir: Path, *, threads: int | None = None) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        path = resolve_model_path(model)
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.model.max_seq_length = min(MAX_TOKENS, self.model.max_seq_length or MAX_TOKENS)
        # sentence-transformers renamed the method; accept both spellings
        getter = getattr(self.model, "get_embedding_dimension", None)
        if getter is None:
            getter = self.model.get_sentence_embedding_dimension
        dim = int(getter() or 0)
        self.info = ModelInfo(str(model), str(path), weights_sha256(path), "torch", dim)

    def encode(
        self, texts: list[str], *, batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            show_progress_bar=progress,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)
