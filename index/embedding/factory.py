"""Pick an embedder by backend name."""

from __future__ import annotations

from pathlib import Path

from corpus.limits import BACKENDS
from index.embedding.base import Embedder
from index.errors import EmbedderError


def load_embedder(
    model: str, backend: str, cache_dir: Path, *, threads: int | None = None
) -> Embedder:
    if backend == "torch":
        from index.embedding.torch_st import TorchEmbedder

        return TorchEmbedder(model, cache_dir, threads=threads)
    if backend in ("onnx", "onnx-int8"):
        from index.embedding.onnx import OnnxEmbedder

        return OnnxEmbedder(model, cache_dir, quantized=backend == "onnx-int8", threads=threads)
    raise EmbedderError(f"unknown embedding backend {backend!r}; use one of {', '.join(BACKENDS)}")
